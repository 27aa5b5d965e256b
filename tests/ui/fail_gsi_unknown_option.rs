use dynamo::prelude::*;

dynamo_item! {
    pub struct User {
        table_name "users";
        field :user_id, partition_key: true;
        field :email;
        global_secondary_index "EmailIndex", partition_key: :email, hash_key: :email;
    }
}

fn main() {}
