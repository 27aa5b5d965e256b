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
    // A condition and its values, then one part too many.
    let values = values!{":v" => 1};
    let _ = tx![{:put, a, "attribute_not_exists(pk)", values, 7}];
}
