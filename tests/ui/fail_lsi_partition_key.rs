use dynamo::prelude::*;

dynamo_item! {
    pub struct Order {
        table_name "orders";
        field :customer_id, partition_key;
        field :order_id, sort_key;
        field :status;
        local_secondary_index "ByStatus", partition_key: :customer_id, sort_key: :status;
    }
}

fn main() {}
