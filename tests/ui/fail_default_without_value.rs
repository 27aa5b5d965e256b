use dynamo::prelude::*;

dynamo_item! {
    pub struct User {
        table_name "users";
        field :id, partition_key;
        field :role, default;
    }
}

fn main() {}
