use dynamo::prelude::*;

dynamo_item! {
    defmodule MyApp.Counter do
      item do
        table_name "counters";
        field :name, partition_key: true;
      end

      defp helper() -> u32 { 1 }
    end
    def late() -> u32 { 2 }
}

fn main() {}
