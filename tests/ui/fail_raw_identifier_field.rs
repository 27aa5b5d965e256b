use dynamo::prelude::*;

// A raw identifier would be stored under the attribute name `r#type`, so
// items other writers store with a `type` attribute would never be read.
dynamo_item! {
    pub struct Node {
        table_name "nodes";
        field :id: String, partition_key;
        field :r#type: String;
    }
}

fn main() {}
