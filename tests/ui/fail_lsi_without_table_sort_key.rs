use dynamo::prelude::*;

dynamo_item! {
    pub struct User {
        table_name "users";
        field :id, partition_key;
        field :status;
        local_secondary_index "ByStatus", sort_key: :status;
    }
}

fn main() {}
