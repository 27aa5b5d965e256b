use dynamo::prelude::*;
use std::collections::BTreeMap;

dynamo_item! {
    pub struct User {
        table_name "users";
        field :id: String;
        field :attrs: BTreeMap<String, String>;
        partition_key [:id];
        sort_key [:attrs];
    }
}

fn main() {}
