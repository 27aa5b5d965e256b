use dynamo::prelude::*;

dynamo_item! {
    pub struct Order {
        table_name "orders";
        field :customer_id, partition_key;
        field :order_id, sort_key;
        field :status;
        field :day;
        local_secondary_index "ByStatus", sort_key: [:status, :day];
    }
}

fn main() {}
