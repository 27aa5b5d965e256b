use dynamo::prelude::*;

dynamo_item! {
    pub struct Customer {
        table_name "shop";
        field :customer_id, partition_key;
    }
}

// A child's partition key is its parent's, built from `customer_id`: its
// own `order_id` partition key would be ignored.
dynamo_item! {
    pub struct Order {
        table_name "shop";
        field :order_id, partition_key;
        field :customer_id;
        field :n, sort_key;
        belongs_to :customer, Customer;
    }
}

fn main() {}
