use dynamo::prelude::*;

dynamo_item! {
    pub struct Account {
        table_name "accounts";
        field :id, partition_key;
    }
}

fn main() {
    let a = item!(%Account{id: "a"});
    let _ = tx![(:put, a)];
}
