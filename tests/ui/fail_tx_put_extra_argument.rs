use dynamo::prelude::*;

dynamo_item! {
    pub struct Account {
        table_name "accounts";
        field :id, partition_key;
        field :balance: i64;
    }
}

fn main() {
    let a = item!(%Account{id: "a"});
    let _ = tx![{:put, a, "attribute_not_exists(pk)"}];
}
