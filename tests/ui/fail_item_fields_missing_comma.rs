use dynamo::prelude::*;

dynamo_item! {
    pub struct User {
        table_name "users";
        field :id, partition_key;
        field :email;
    }
}

fn main() {
    let _ = item!(%User{id: "u1" email});
}
