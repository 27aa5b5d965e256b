use dynamo::prelude::*;

dynamo_item! {
    pub struct User {
        table_name "users";
        field :tags: Vec<String>, partition_key;
        field :email;
    }
}

fn main() {}
