use dynamo::prelude::*;

dynamo_item! {
    pub struct User {
        use Dynamo.Schema, key_separator: "|", prefix_sort_key: true, key_separator: "#";
        table_name "users";
        field :id, partition_key;
    }
}

fn main() {}
