use dynamo::prelude::*;

dynamo_item! {
    pub struct User {
        table_name "users";
        field :user_id, partition_key: true;
        field :created_at;
        global_secondary_index "ByDate", sort_key: :created_at;
    }
}

fn main() {}
