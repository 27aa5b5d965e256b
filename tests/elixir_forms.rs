//! The Elixir forms of API.md §13: both schema headers, `%` records, `%{…}`
//! maps in `opts!`, `updates!` and `values!`, `tx!` with all four actions
//! and typed raw values, and keys by value or by reference — each form
//! built, and the operations run on the local engine.

mod support;

use dynamo::prelude::*;
use dynamo::transaction;
use futures_util::TryStreamExt;
use support::isolated;

// The guide's header, pasted: `defmodule … do use …; item do … end end`.
dynamo_item! {
    #[derive(Debug, Clone, PartialEq)]
    defmodule MyApp.Account do
      use Dynamo.Schema, key_separator: "#";

      item do
        table_name "accounts";
        field :id, partition_key: true;
        field :owner;
        field :balance: i64;
      end
    end
}

// The same header without options, and with the `use` line's `;` left out
// as Elixir writes it.
dynamo_item! {
    #[derive(Debug, Clone, PartialEq)]
    defmodule MyApp.Shop.Order do
      use Dynamo.Schema, key_separator: "|"
      item do
        table_name "orders";
        field :customer_id, partition_key: true;
        field :order_id, sort_key: true;
        field :total: i64, default: 0;
      end
    end
}

dynamo_item! {
    defmodule Note do
      item do
        table_name "notes";
        field :id, partition_key: true;
      end
    end
}

// Module functions after `item do … end`, as the guide's `def
// sharded_key(name), do: …`: `def` becomes `pub fn`, `defp` `fn`, in an
// `impl` of the struct (bodies and types in Rust).
dynamo_item! {
    #[derive(Debug, Clone, PartialEq)]
    defmodule MyApp.Counter do
      use Dynamo.Schema

      item do
        table_name "counters";
        field :counter_name;
        field :shard, partition_key: true;
        field :count: i64, default: 0;
      end

      /// `counter_name#<shard>`, the shard picked by the caller.
      def sharded_key(name: &str, shard: u32) -> String { format!("{name}#{}", Self::bounded(shard)) }
      // `def` and `defp` in any order, as in Elixir.
      defp bounded(shard: u32) -> u32 { shard % 10 }
      def shard_of(&self) -> Option<u32> {
          self.shard.as_str()?.rsplit_once('#')?.1.parse().ok()
      }
      def reset(&mut self) { self.count = Self::zero(); }
      defp zero() -> i64 { 0 }
    end
}

// The design card's headerless form: `pub struct Item` in a module named
// for the entity.
mod user {
    use dynamo::prelude::*;
    dynamo_item! {
        #[derive(Debug, Clone, PartialEq)]
        table_name "users";
        field :id, partition_key: true;
        field :email;
    }
}

mod my_app {
    pub use super::Account;
}

#[test]
fn both_headers_define_the_struct() {
    assert_eq!(Account::table_name(), "accounts");
    assert_eq!(Account::schema().name, "Account");
    assert_eq!(Account::schema().options.key_separator, Some("#"));
    assert_eq!(Order::schema().options.key_separator, Some("|"));
    let o = item!(%Order{customer_id: "c1", order_id: "o1"});
    assert_eq!(o.partition_key().unwrap(), "c1");
    assert_eq!(o.sort_key().as_deref(), Some("o1"));
    assert_eq!(Note::table_name(), "notes");
    assert_eq!(user::Item::table_name(), "users");
    assert_eq!(user::Item::schema().name, "Item");
    let u = item!(%user::Item{id: "u1", email: "a@b.c"});
    assert_eq!(u.partition_key().unwrap(), "u1");
}

#[test]
fn module_functions_become_the_structs_methods() {
    let key = Counter::sharded_key("page_views", 13);
    assert_eq!(key, "page_views#3");
    let mut c = item!(%Counter{shard: key, count: 5});
    assert_eq!(c.shard_of(), Some(3));
    c.reset();
    assert_eq!(c.count, 0);
    assert_eq!(c.partition_key().unwrap(), "page_views#3");
}

#[test]
fn records_in_every_spelling() {
    let a = item!(%Account{id: "s", balance: 5i64});
    let b = item!(%my_app::Account{id: "s", balance: 5i64});
    let c = item!(%MyApp.Account{id: "s", balance: 5i64});
    let d = item!(Account {
        id: "s",
        balance: 5i64
    });
    assert_eq!(a, b);
    assert_eq!(a, c);
    assert_eq!(a, d);
    // A field alone takes the variable of its name.
    let id = "s";
    let balance = 5i64;
    assert_eq!(item!(%Account{id, balance}), a);
    assert_eq!(item!(%Account{id, balance,}), a);
    // Everything else takes its default.
    assert!(item!(%Account{}).owner.is_null());
}

#[test]
fn maps_with_a_percent_sign() {
    let o = opts![
        filter_expression: "#n = :v",
        expression_attribute_names: %{"#n" => "name"},
        expression_attribute_values: %{":v" => "Ada", ":amount" => %{"N" => "100"}},
    ];
    assert_eq!(o.expression_attribute_names["#n"], "name");
    assert_eq!(o.expression_attribute_values[":v"], Value::from("Ada"));
    assert_eq!(o.expression_attribute_values[":amount"], Value::from(100));

    let u = updates!(%{balance: {:decrement, 100}, owner: "bob"});
    assert_eq!(u.actions()[0].1, UpdateOp::Decrement(Value::from(100)));
    assert_eq!(u.actions()[1].1, UpdateOp::Set(Value::from("bob")));

    let v = values!(%{":amount" => 100, ":s" => "x"});
    assert_eq!(v[":amount"], Value::from(100));
    assert_eq!(v[":s"], Value::from("x"));
}

#[test]
fn typed_raw_values() {
    let v = values!(%{
        ":n" => %{"N" => "-1.5e3"},
        ":s" => %{"S" => "x"},
        ":b" => %{"BOOL" => true},
        ":z" => %{"NULL" => true},
        ":ss" => %{"SS" => ["a", "b"]},
        ":ns" => %{"NS" => ["1", "2.5"]},
    });
    assert_eq!(v[":n"], Value::from(-1500));
    assert_eq!(v[":s"], Value::from("x"));
    assert_eq!(v[":b"], Value::Bool(true));
    assert_eq!(v[":z"], Value::Null);
    assert_eq!(
        v[":ss"],
        Value::StringSet(["a".to_owned(), "b".to_owned()].into())
    );
    match &v[":ns"] {
        Value::NumberSet(s) => {
            let texts: Vec<&str> = s.iter().map(|n| n.as_str()).collect();
            assert_eq!(texts, ["1", "2.5"]);
        }
        other => panic!("{other:?}"),
    }
}

async fn accounts(source: i64) {
    Account::create_table().await.unwrap();
    for (id, balance) in [("source", source), ("dest", 0)] {
        Account::put_item(item!(%Account{id, owner: "ada", balance}))
            .await
            .unwrap();
    }
}

async fn balance(id: &str) -> i64 {
    Account::get_item(item!(%Account{id}))
        .await
        .unwrap()
        .unwrap()
        .balance
}

#[tokio::test]
async fn tx_runs_the_guides_tuple_list() {
    isolated(async {
        accounts(150).await;
        let gone = item!(%Account{id: "gone", balance: 1i64});
        Account::put_item(gone.clone()).await.unwrap();
        let new = item!(%Account{id: "new", owner: "cy", balance: 7i64});
        transaction::transact(tx![
            {:check, %Account{id: "source"}, "balance >= :amount", %{":amount" => %{"N" => "100"}}},
            {:update, %Account{id: "source"}, %{balance: {:decrement, 100}}},
            {:update, %Account{id: "dest"}, %{balance: {:increment, 100}}},
            {:put, new},
            {:delete, &gone},
        ])
        .await
        .unwrap();
        assert_eq!(balance("source").await, 50);
        assert_eq!(balance("dest").await, 100);
        assert_eq!(balance("new").await, 7);
        assert!(Account::get_item(&gone).await.unwrap().is_none());

        // The check now fails (50 < 100): nothing is applied, and the
        // reasons name the check.
        let e = transaction::transact(tx![
            {:check, %MyApp.Account{id: "source"}, "balance >= :amount", %{":amount" => %{"N" => "100"}}},
            {:update, %Account{id: "dest"}, %{balance: {:increment, 100}}},
        ])
        .await
        .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::TransactionCanceled);
        assert_eq!(balance("dest").await, 100);
    })
    .await;
}

#[tokio::test]
async fn tx_takes_expressions_too() {
    isolated(async {
        accounts(10).await;
        let key = item!(%Account{id: "source"});
        let changes = updates! { balance: {:increment, 5} };
        let vals = values! {":min" => 0};
        transaction::transact(tx![
            {:check, &key, "balance >= :min", vals},
            {:update, key.clone(), changes},
            {:check, %Account{id: "dest"}, "attribute_exists(pk)"},
        ])
        .await
        .unwrap();
        assert_eq!(balance("source").await, 15);
    })
    .await;
}

#[tokio::test]
async fn keys_by_value_or_by_reference() {
    isolated(async {
        accounts(10).await;
        let key = item!(%Account{id: "source"});
        // get_item
        assert!(Account::get_item(&key).await.unwrap().is_some());
        assert!(Account::get_item(key.clone()).await.unwrap().is_some());
        assert!(
            Account::get_item(item!(%Account{id: "source"}))
                .await
                .unwrap()
                .is_some()
        );
        // update_item
        let a = Account::update_item(&key, updates!(%{balance: {:increment, 1}}))
            .await
            .unwrap();
        assert_eq!(a.balance, 11);
        let a = Account::update_item(key.clone(), updates!(%{balance: {:increment, 1}}))
            .await
            .unwrap();
        assert_eq!(a.balance, 12);
        // list_items, query_page, count_items, stream_items
        assert_eq!(Account::list_items(&key, opts![]).await.unwrap().len(), 1);
        assert_eq!(
            Account::list_items(key.clone(), opts![])
                .await
                .unwrap()
                .len(),
            1
        );
        assert_eq!(
            Account::query_page(key.clone(), opts![])
                .await
                .unwrap()
                .items
                .len(),
            1
        );
        assert_eq!(
            Account::query_page(&key, opts![])
                .await
                .unwrap()
                .items
                .len(),
            1
        );
        assert_eq!(Account::count_items(&key, opts![]).await.unwrap(), 1);
        assert_eq!(Account::count_items(key.clone(), opts![]).await.unwrap(), 1);
        let streamed: Vec<Account> = Account::stream_items(key.clone(), opts![])
            .try_collect()
            .await
            .unwrap();
        assert_eq!(streamed.len(), 1);
        // The same on an explicit client.
        let client = support::client();
        assert!(
            client
                .get_item(key.clone(), opts![])
                .await
                .unwrap()
                .is_some()
        );
        assert!(client.get_item(&key, opts![]).await.unwrap().is_some());
        // delete_item, by value then by reference.
        let old = Account::delete_item(key.clone()).await.unwrap().unwrap();
        assert_eq!(old.balance, 12);
        assert!(Account::delete_item(&key).await.unwrap().is_none());
        // Tx constructors.
        let by_ref = [
            Tx::update(&key, updates!(%{balance: 1})),
            Tx::check(
                &item!(%Account{id: "dest"}),
                "attribute_exists(pk)",
                values! {},
            ),
        ];
        transaction::transact(by_ref.into()).await.unwrap();
        transaction::transact(vec![Tx::delete(key.clone())])
            .await
            .unwrap();
        assert!(Account::get_item(key).await.unwrap().is_none());
    })
    .await;
}

#[tokio::test]
async fn headerless_and_dotted_schemas_work_on_the_engine() {
    isolated(async {
        user::Item::create_table().await.unwrap();
        user::Item::put_item(item!(%user::Item{id: "u1", email: "a@b.c"}))
            .await
            .unwrap();
        let got = user::Item::get_item(item!(%user::Item{id: "u1"}))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(got.email, "a@b.c");
        Order::create_table().await.unwrap();
        Order::put_item(item!(%MyApp.Shop.Order{customer_id: "c1", order_id: "o1", total: 3i64}))
            .await
            .unwrap();
        let listed = Order::list_items(item!(%Order{customer_id: "c1"}), opts![])
            .await
            .unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].total, 3);
    })
    .await;
}
