use dynamo::prelude::*;

dynamo_item! {
    #[derive(Debug, Default)]
    pub struct User {
        table_name "users";
        field :id, partition_key;
        field :role, default: "user";
    }
}

fn main() {}
