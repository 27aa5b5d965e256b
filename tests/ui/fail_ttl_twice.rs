use dynamo::prelude::*;

dynamo_item! {
    pub struct Session {
        table_name "sessions";
        field :id, partition_key;
        field :expires_at: i64, ttl;
        field :purge_at: i64, ttl;
    }
}

fn main() {}
