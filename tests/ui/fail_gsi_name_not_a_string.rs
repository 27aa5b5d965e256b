use dynamo::prelude::*;

dynamo_item! {
    pub struct User {
        table_name "users";
        field :id, partition_key;
        field :email;
        global_secondary_index EmailIndex, partition_key: :email;
    }
}

fn main() {}
