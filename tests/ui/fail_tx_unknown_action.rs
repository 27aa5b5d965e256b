use dynamo::prelude::*;

dynamo_item! {
    pub struct Account {
        table_name "accounts";
        field :id, partition_key;
        field :balance: i64;
    }
}

fn main() {
    let _ = tx![{:upsert, %Account{id: "a"}}];
}
