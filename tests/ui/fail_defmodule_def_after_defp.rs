use dynamo::prelude::*;

dynamo_item! {
    defmodule MyApp.Counter do
      item do
        table_name "counters";
        field :name, partition_key: true;
      end

      defp helper() -> u32 { 1 }
      def public() -> u32 { Self::helper() }
    end
}

fn main() {}
