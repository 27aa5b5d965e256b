use dynamo::prelude::*;

dynamo_item! {
    pub struct Customer {
        table_name "shop";
        field :customer_id, partition_key;
    }
}

dynamo_item! {
    pub struct Order {
        table_name "shop";
        field :customer_id;
        field :order_id, sort_key;
        belongs_to :customer, Customer;
    }
}

// `Order` has no partition key of its own: the error said to declare a
// field `Line` already has.
dynamo_item! {
    pub struct Line {
        table_name "shop";
        field :customer_id;
        field :line_id, sort_key;
        belongs_to :order, Order;
    }
}

fn main() {}
