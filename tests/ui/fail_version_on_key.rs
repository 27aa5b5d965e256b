use dynamo::prelude::*;

dynamo_item! {
    pub struct Doc {
        table_name "docs";
        field :id: u64, partition_key, version;
    }
}

fn main() {}
