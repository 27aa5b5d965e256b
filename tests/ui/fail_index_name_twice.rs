use dynamo::prelude::*;

// The same index name declared twice (a copied line).
dynamo_item! {
    pub struct User {
        table_name "users";
        field :id: String, partition_key;
        field :created: String, sort_key;
        field :status: String;
        field :owner: String;
        global_secondary_index "ByStatus", partition_key: :status;
        global_secondary_index "ByStatus", partition_key: :owner;
    }
}

// A global and a local index of one name.
dynamo_item! {
    pub struct Task {
        table_name "tasks";
        field :id: String, partition_key;
        field :created: String, sort_key;
        field :due: String;
        global_secondary_index "ByDue", partition_key: :due;
        local_secondary_index "ByDue", sort_key: :due;
    }
}

fn main() {}
