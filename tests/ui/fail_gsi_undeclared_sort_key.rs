use dynamo::prelude::*;

dynamo_item! {
    pub struct User {
        table_name "users";
        field :user_id, partition_key: true;
        field :status;
        field :created_at;
        global_secondary_index "StatusIndex", partition_key: :status, sort_key: :inserted_at;
    }
}

fn main() {}
