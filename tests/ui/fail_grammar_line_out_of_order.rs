use dynamo::prelude::*;

dynamo_item! {
    pub struct Order {
        table_name "orders";
        field :tenant_id;
        field :order_id;
        sort_key [:order_id];
        partition_key [:tenant_id];
    }
}

fn main() {}
