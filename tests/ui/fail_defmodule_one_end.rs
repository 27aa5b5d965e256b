use dynamo::prelude::*;

dynamo_item! {
    defmodule MyApp.User do
      use Dynamo.Schema;
      item do
        table_name "users";
        field :id, partition_key: true;
      end
}

fn main() {}
