use dynamo::prelude::*;

dynamo_item! {
    pub struct User {
        field :id, partition_key;
        field :email;
    }
}

fn main() {}
