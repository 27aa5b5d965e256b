use dynamo::prelude::*;

dynamo_item! {
    pub struct User {
        table_name "users";
        field :id, partiton_key;
        field :email;
    }
}

fn main() {}
