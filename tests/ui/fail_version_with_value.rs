use dynamo::prelude::*;

dynamo_item! {
    pub struct Doc {
        table_name "docs";
        field :id, partition_key;
        field :version: u64, version: true;
    }
}

fn main() {}
