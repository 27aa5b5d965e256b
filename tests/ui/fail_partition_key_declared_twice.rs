use dynamo::prelude::*;

dynamo_item! {
    pub struct Order {
        table_name "orders";
        field :tenant_id, partition_key: true;
        field :customer_id;
        partition_key [:tenant_id, :customer_id];
    }
}

fn main() {}
