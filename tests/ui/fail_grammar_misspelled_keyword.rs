use dynamo::prelude::*;

dynamo_item! {
    pub struct User {
        table_name "users";
        field :id, partition_key;
        feild :email;
    }
}

fn main() {}
