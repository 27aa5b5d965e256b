use dynamo::prelude::*;

// A time to live in a key list: the key could never move with it.
dynamo_item! {
    pub struct Lease {
        table_name "leases";
        field :name: String;
        field :expires_at: i64, ttl;
        partition_key [:name];
        sort_key [:expires_at];
    }
}

fn main() {}
