use dynamo::prelude::*;

dynamo_item! {
    defmodule MyApp.Counter do
      item do
        table_name "counters";
        field :name, partition_key: true;
      end

      def public() -> u32 { 1 }
      fn helper() -> u32 { 2 }
    end
}

fn main() {}
