use dynamo::prelude::*;

// A version in a key list: every write would move the item.
dynamo_item! {
    pub struct Revision {
        table_name "revisions";
        field :doc: String;
        field :rev: u64, version;
        partition_key [:doc];
        sort_key [:rev];
    }
}

fn main() {}
