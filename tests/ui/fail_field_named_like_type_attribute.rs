use dynamo::prelude::*;

dynamo_item! {
    pub struct Event {
        table_name "events";
        field :id, partition_key;
        field :_type;
    }
}

fn main() {}
