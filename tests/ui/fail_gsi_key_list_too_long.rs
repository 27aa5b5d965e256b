use dynamo::prelude::*;

dynamo_item! {
    pub struct Event {
        table_name "events";
        field :id, partition_key;
        field :a;
        field :b;
        field :c;
        field :d;
        field :e;
        global_secondary_index "ByAll", partition_key: [:a, :b, :c, :d, :e];
    }
}

fn main() {}
