use dynamo::prelude::*;

dynamo_item! {
    pub struct User {
        table_name "users";
        field :id, partition_key;
        field :active: bool;
        global_secondary_index "ActiveIndex", partition_key: :active;
    }
}

fn main() {}
