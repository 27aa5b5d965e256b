use dynamo::prelude::*;

dynamo_item! {
    pub struct Customer {
        table_name "shop";
        field :customer_id, partition_key;
    }
}

// A list cannot be a key part: every operation would fail at run time.
dynamo_item! {
    pub struct Order {
        table_name "shop";
        field :owners: Vec<String>;
        field :id, sort_key;
        belongs_to :customer, Customer, foreign_key: :owners;
    }
}

fn main() {}
