use dynamo::prelude::*;

dynamo_item! {
    pub struct Doc {
        table_name "docs";
        field :id, partition_key;
        field :version: String, version;
    }
}

fn main() {}
