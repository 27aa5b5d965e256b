//! Every Elixir form of API.md §13 and every schema feature of §14.
use dynamo::prelude::*;

dynamo_item! {
    /// An account.
    #[derive(Debug, Clone)]
    defmodule MyApp.Account do
      use Dynamo.Schema, key_separator: "#", inserted_at: "created", updated_at: "modified";
      item do
        table_name "accounts";
        field :tenant_id, partition_key: true;
        field :id, sort_key: true;
        field :region;
        field :day: String;
        field :seq: u32;
        field :status;
        field :balance: i64;
        field :version: u64, version;
        field :expires_at: Option<i64>, ttl;
        timestamps;
        global_secondary_index "ByRegion", partition_key: [:tenant_id, :region], sort_key: [:day, :seq];
        global_secondary_index "ByStatus", partition_key: :status;
        local_secondary_index "BySeq", sort_key: :seq, projection: :include, projected_attributes: [:balance];
        local_secondary_index "ByDay", sort_key: :day;
      end
    end
}

mod user {
    use dynamo::prelude::*;
    dynamo_item! {
        table_name "users";
        field :id, partition_key: true;
    }
}

fn main() {
    let id = "a";
    let a = item!(%Account{tenant_id: "t", id, balance: 1i64});
    let _ = item!(%MyApp.Account{tenant_id: "t", id: "b"});
    let _ = item!(%user::Item{id: "u"});
    let _ = opts![expression_attribute_names: %{"#n" => "name"}, expression_attribute_values: %{":v" => 1}];
    let _ = tx![
        {:check, %Account{tenant_id: "t", id: "a"}, "balance >= :amount", %{":amount" => %{"N" => "100"}}},
        {:update, %Account{tenant_id: "t", id: "a"}, %{balance: {:decrement, 100}}},
        {:put, a},
        {:delete, %Account{tenant_id: "t", id: "x"}},
    ];
}
