use dynamo::prelude::*;

dynamo_item! {
    pub struct Event {
        table_name "events";
        field :id, partition_key;
        field :a;
        global_secondary_index "ByA", partition_key: :a, sort_key: [];
    }
}

fn main() {}
