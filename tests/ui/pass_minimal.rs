//! The smallest schema, with an untyped field and a private struct.
use dynamo::prelude::*;

dynamo_item! {
    struct Session {
        table_name "sessions";
        field :id, partition_key;
    }
}

fn main() {
    let s = item!(Session { id: "s1" });
    assert_eq!(s.partition_key().unwrap(), "s1");
    assert_eq!(Session::table_name(), "sessions");
}
