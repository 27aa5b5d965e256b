use dynamo::prelude::*;

dynamo_item! {
    pub struct Session {
        table_name "sessions";
        field :id, partition_key;
        field :expires_at: f64, ttl;
    }
}

fn main() {}
