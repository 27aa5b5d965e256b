use dynamo::prelude::*;

dynamo_item! {
    pub struct User {
        table_name "users";
        field :id;
        field :email, sort_key;
    }
}

fn main() {}
