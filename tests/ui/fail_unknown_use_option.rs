use dynamo::prelude::*;

dynamo_item! {
    pub struct User {
        use Dynamo.Schema, key_seperator: "|";
        table_name "users";
        field :id, partition_key;
    }
}

fn main() {}
