use dynamo::prelude::*;

// A field named twice in a key list: the key would not hold the field meant.
dynamo_item! {
    pub struct Order {
        table_name "orders";
        field :tenant_id: String;
        field :customer_id: String;
        field :order_id: String, sort_key;
        partition_key [:tenant_id, :tenant_id];
    }
}

// One field in both keys.
dynamo_item! {
    pub struct Page {
        table_name "pages";
        field :id: String, partition_key, sort_key;
    }
}

fn main() {}
