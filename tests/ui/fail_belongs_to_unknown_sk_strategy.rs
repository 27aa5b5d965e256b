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
        belongs_to :customer, Customer, sk_strategy: :suffix;
    }
}

fn main() {}
