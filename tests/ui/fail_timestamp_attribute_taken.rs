use dynamo::prelude::*;

// `timestamps;` writing into an attribute a field also writes.
dynamo_item! {
    pub struct Note {
        use Dynamo.Schema, inserted_at: "created_at";
        table_name "notes";
        field :id: String, partition_key;
        field :created_at: String;
        timestamps;
    }
}

// Both timestamps in one attribute.
dynamo_item! {
    pub struct Memo {
        use Dynamo.Schema, inserted_at: "stamp", updated_at: "stamp";
        table_name "memos";
        field :id: String, partition_key;
        timestamps;
    }
}

fn main() {}
