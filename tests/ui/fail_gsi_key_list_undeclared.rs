use dynamo::prelude::*;

dynamo_item! {
    pub struct Event {
        table_name "events";
        field :id, partition_key;
        field :tenant_id;
        global_secondary_index "ByRegion", partition_key: [:tenant_id, :region];
    }
}

fn main() {}
