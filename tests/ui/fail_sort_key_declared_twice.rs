use dynamo::prelude::*;

dynamo_item! {
    pub struct Order {
        table_name "orders";
        field :tenant_id, partition_key;
        field :order_date, sort_key;
        field :order_id;
        sort_key [:order_date, :order_id];
    }
}

fn main() {}
