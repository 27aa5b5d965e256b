use dynamo::prelude::*;

dynamo_item! {
    defmodule MyApp.Counter do
      item do
        table_name "counters";
        field :name, partition_key: true;
      end

      def sharded_key(name: &str) -> String, do: format!("{name}#1")
    end
}

fn main() {}
