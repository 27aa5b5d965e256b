//! Item operations against DynamoDB Local: put, get, delete, update,
//! conditions, reserved words, key attribute names, belongs_to, size limits,
//! error kinds.

mod support;

use std::collections::BTreeSet;

use dynamo::prelude::*;
use support::isolated;

dynamo_item! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct User {
        table_name "users";
        field :id: String, partition_key;
        field :email: String, sort_key;
        field :name;
        field :status;
        field :date;
        field :role, default: "user";
        field :balance: i64;
        field :tags: Vec<String>;
        field :labels: BTreeSet<String>;
        field :nickname: Option<String>;
        field :blob: Vec<u8>;
    }
}

dynamo_item! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct Counter {
        table_name "counters";
        field :name: String, partition_key;
        field :count: i64;
    }
}

dynamo_item! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct Custom {
        use Dynamo.Schema, partition_key_name: "PK", sort_key_name: "SK", key_separator: "|", prefix_sort_key: true;
        table_name "custom";
        field :tenant: String, partition_key;
        field :kind: String, sort_key;
        field :id: String, sort_key;
        field :note;
    }
}

dynamo_item! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct Customer {
        table_name "shop";
        field :customer_id, partition_key;
        field :sk, sort_key, default: "PROFILE";
        field :name;
    }
}

dynamo_item! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct OrderItem {
        table_name "shop";
        field :customer_id;
        field :created_at, sort_key;
        field :sku;
        field :qty: i64;
        belongs_to :customer, Customer;
    }
}

dynamo_item! {
    /// A one-per-parent child: no sort-key field of its own, so its sort key
    /// is the bare relation name.
    #[derive(Debug, Clone, PartialEq)]
    pub struct Preferences {
        table_name "shop";
        field :customer_id;
        field :theme;
        belongs_to :customer, Customer;
    }
}

fn ada() -> User {
    item!(User {
        id: "u1",
        email: "ada@example.com",
        name: "Ada",
        status: "active",
        date: "2024-01-15",
        balance: 100,
        tags: vec!["a".to_owned(), "b".to_owned()],
        labels: BTreeSet::from(["x".to_owned()]),
        blob: vec![0u8, 1, 2, 255],
    })
}

#[tokio::test]
async fn put_get_round_trip() {
    isolated(async {
        User::create_table().await.unwrap();
        let u = User::put_item(ada()).await.unwrap();
        assert_eq!(u, ada());
        let got = User::get_item(&item!(User {
            id: "u1",
            email: "ada@example.com"
        }))
        .await
        .unwrap();
        assert_eq!(got, Some(ada()));
        // Absent item.
        let none = User::get_item(&item!(User {
            id: "u2",
            email: "x"
        }))
        .await
        .unwrap();
        assert_eq!(none, None);
    })
    .await;
}

dynamo_item! {
    /// Bytes as an index key.
    #[derive(Debug, Clone, PartialEq)]
    pub struct Blob {
        table_name "blobs";
        field :id: String, partition_key;
        field :hash: Option<Vec<u8>>;
        global_secondary_index "ByHash", partition_key: :hash;
    }
}

/// A `Vec<u8>` index key is a binary (`B`) key: the table declares it so,
/// and items are written, updated and found by it. It was declared `S`, so
/// every write that set it was refused.
#[tokio::test]
async fn bytes_are_a_binary_index_key() {
    isolated(async {
        let spec = dynamo::table::spec_for::<Blob>();
        assert_eq!(
            spec.indexes[0].partition_key,
            vec![("hash".to_owned(), dynamo::ScalarType::Binary)]
        );
        Blob::create_table().await.unwrap();
        Blob::put_item(item!(Blob {
            id: "b1",
            hash: Some(vec![1u8, 2, 3])
        }))
        .await
        .unwrap();
        Blob::update_item(&item!(Blob { id: "b2" }), updates! { hash: vec![9u8] })
            .await
            .unwrap();
        for (hash, id) in [(vec![1u8, 2, 3], "b1"), (vec![9u8], "b2")] {
            let found = Blob::list_items(
                &item!(Blob { hash: Some(hash) }),
                opts![index_name: "ByHash"],
            )
            .await
            .unwrap();
            assert_eq!(found.len(), 1);
            assert_eq!(found[0].id, id);
        }
    })
    .await;
}

/// Keys at DynamoDB's limits exactly (2048 / 1024 bytes, multi-byte
/// characters counted as bytes) are written and read; one byte more is
/// refused before sending.
#[tokio::test]
async fn keys_at_the_size_limits_are_taken() {
    isolated(async {
        User::create_table().await.unwrap();
        // `é` is two bytes.
        let at_limit = item!(User {
            id: "é".repeat(1024),
            email: format!("{}xx", "é".repeat(511)),
            name: "Ada"
        });
        User::put_item(at_limit.clone()).await.unwrap();
        let got = User::get_item(&at_limit).await.unwrap();
        assert_eq!(got, Some(at_limit.clone()));
        let mut over = at_limit.clone();
        over.email.push('x');
        let e = User::put_item(over).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ValidationError);
        assert_eq!(e.field(), Some("email"));
        assert_eq!(e.attempts(), 0, "refused before sending");
        let mut over = at_limit;
        over.id.push('x');
        let e = User::get_item(&over).await.unwrap_err();
        assert_eq!(e.field(), Some("id"));
        assert!(e.message().contains("2049 bytes"), "{}", e.message());
    })
    .await;
}

/// A field named like the sort key attribute (`field :sk, sort_key;`) is
/// that attribute: written once, and counted once towards 400 KB. It was
/// written twice (as the field and as the key), so the request held a
/// duplicate JSON key and a 1000-byte `sk` counted 2000 bytes.
#[tokio::test]
async fn a_field_named_like_a_key_attribute_is_written_once() {
    isolated(async {
        let sk = "s".repeat(1000);
        // 400 KB less the other attributes: fits only if `sk` counts once.
        let room = 400 * 1024
            - ("customer_id".len() + 2)
            - ("sk".len() + 1000)
            - ("pk".len() + 2)
            - ("_type".len() + "Customer".len())
            - "name".len();
        let c = item!(Customer {
            customer_id: "c1",
            sk: sk.clone(),
            name: "n".repeat(room)
        });
        let json = String::from_utf8(dynamo::encoder::to_json(&c).unwrap()).unwrap();
        assert_eq!(json.matches(r#""sk":"#).count(), 1);
        Customer::create_table().await.unwrap();
        let back = Customer::put_item(c.clone()).await.unwrap();
        assert_eq!(back, c);
        let got = Customer::get_item(&c).await.unwrap().unwrap();
        assert_eq!(got.sk, Value::from(sk));
        // One byte more is over the limit.
        let over = item!(Customer {
            customer_id: "c1",
            sk: "s".repeat(1000),
            name: "n".repeat(room + 1)
        });
        let e = Customer::put_item(over).await.unwrap_err();
        assert!(
            e.message().contains("over DynamoDB's item size limit"),
            "{e}"
        );
    })
    .await;
}

dynamo_item! {
    /// Keys as generate-schema writes them: fields named like the key
    /// attributes.
    #[derive(Debug, Clone, PartialEq)]
    pub struct Workspace {
        table_name "app";
        field :pk: String, partition_key;
        field :sk: String, sort_key, default: "WORKSPACE";
    }
}

dynamo_item! {
    /// A child whose foreign key is named like the partition key attribute:
    /// with a parent of one partition-key field, that attribute is the
    /// foreign key's value itself.
    #[derive(Debug, Clone, PartialEq)]
    pub struct Page {
        table_name "app";
        field :pk: String;
        field :title: String, sort_key;
        belongs_to :workspace, Workspace;
    }
}

/// A field named like a key attribute is fine when the attribute holds that
/// field's value as it is; refused when it holds something built from it
/// (a `prefix_sort_key` name, a child's kind), which the field would lose.
#[tokio::test]
async fn fields_named_like_key_attributes_that_are_the_key() {
    isolated(async {
        Workspace::create_table().await.unwrap();
        Workspace::put_item(item!(Workspace { pk: "w1" }))
            .await
            .unwrap();
        let page = item!(Page {
            pk: "w1",
            title: "home"
        });
        Page::put_item(page.clone()).await.unwrap();
        assert_eq!(Page::get_item(&page).await.unwrap(), Some(page));
        let w = Workspace::get_item(&item!(Workspace { pk: "w1" }))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(w.sk, "WORKSPACE");

        // With prefix_sort_key the `sk` attribute holds `sk#WORKSPACE`.
        let e = dynamo::config::scope(
            dynamo::config::Config::new().prefix_sort_key(true),
            Workspace::put_item(item!(Workspace { pk: "w2" })),
        )
        .await
        .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ValidationError);
        assert!(
            e.message().contains("field `sk`") && e.message().contains("prefix_sort_key"),
            "{e}"
        );
    })
    .await;
}

#[tokio::test]
async fn unset_fields_are_not_written() {
    isolated(async {
        User::create_table().await.unwrap();
        User::put_item(item!(User { id: "u1", email: "e" })).await.unwrap();
        // Read the raw item through a projection of every attribute name we know.
        let raw = dynamo::table::scan::<User>(opts![]).await.unwrap();
        assert_eq!(raw.items.len(), 1);
        let item = &raw.items[0];
        assert!(item.name.is_null());
        assert_eq!(item.nickname, None);
        assert!(item.labels.is_empty());
        // `name`, `nickname` and the empty set never reached DynamoDB:
        let count = dynamo::table::scan::<User>(opts![filter_expression: "attribute_exists(name) OR attribute_exists(nickname) OR attribute_exists(labels)"])
            .await
            .unwrap();
        assert_eq!(count.items.len(), 0);
    })
    .await;
}

#[tokio::test]
async fn delete_returns_the_old_item() {
    isolated(async {
        User::create_table().await.unwrap();
        User::put_item(ada()).await.unwrap();
        let key = item!(User {
            id: "u1",
            email: "ada@example.com"
        });
        let old = User::delete_item(&key).await.unwrap();
        assert_eq!(old, Some(ada()));
        assert_eq!(User::get_item(&key).await.unwrap(), None);
        assert_eq!(User::delete_item(&key).await.unwrap(), None);
    })
    .await;
}

#[tokio::test]
async fn update_with_every_operator() {
    isolated(async {
        User::create_table().await.unwrap();
        User::put_item(ada()).await.unwrap();
        let key = item!(User {
            id: "u1",
            email: "ada@example.com"
        });
        let u = User::update_item(
            &key,
            updates! {
                name: "Ada L.",
                balance: {:increment, 50},
                tags: {:append, vec!["c"]},
                status: {:remove},
                date: {:if_not_exists, "1999-01-01"},
                nickname: {:if_not_exists, "al"},
            },
        )
        .await
        .unwrap();
        assert_eq!(u.name, "Ada L.");
        assert_eq!(u.balance, 150);
        assert_eq!(u.tags, vec!["a", "b", "c"]);
        assert!(u.status.is_null());
        assert_eq!(
            u.date, "2024-01-15",
            "if_not_exists keeps an existing value"
        );
        assert_eq!(u.nickname.as_deref(), Some("al"));
        let u = User::update_item(
            &key,
            updates! { balance: {:decrement, 30}, tags: {:prepend, vec!["z"]} },
        )
        .await
        .unwrap();
        assert_eq!(u.balance, 120);
        assert_eq!(u.tags, vec!["z", "a", "b", "c"]);
        let u = User::update_item(&key, updates! { nickname: None::<String> })
            .await
            .unwrap();
        assert_eq!(u.nickname, None);
    })
    .await;
}

#[tokio::test]
async fn increments_start_from_zero_and_upserts_are_whole() {
    isolated(async {
        Counter::create_table().await.unwrap();
        let key = item!(Counter { name: "visits" });
        let c = Counter::update_item(&key, updates! { count: {:increment, 1} })
            .await
            .unwrap();
        assert_eq!(c.count, 1);
        assert_eq!(c.name, "visits", "the key field is written with an upsert");
        let c = Counter::update_item(&key, updates! { count: {:increment, 2} })
            .await
            .unwrap();
        assert_eq!(c.count, 3);
    })
    .await;
}

#[tokio::test]
async fn a_hand_written_update_expression_reaches_what_updates_cannot() {
    isolated(async {
        User::create_table().await.unwrap();
        User::put_item(item!(User {
            id: "u1",
            email: "e",
            status: "new",
            balance: 10i64,
            tags: vec!["a".to_owned(), "b".to_owned()],
            labels: BTreeSet::from(["x".to_owned()]),
        }))
        .await
        .unwrap();
        let key = item!(User {
            id: "u1",
            email: "e"
        });
        // Arithmetic on another attribute, a list element, a set ADD, and a
        // reserved word (`status`) written bare.
        let after = User::update_item_with(
            &key,
            updates! {},
            opts![
                update_expression: "SET balance = balance + :d, tags[0] = :t ADD labels :l REMOVE status",
                expression_attribute_values: %{":d" => 5, ":t" => "z", ":l" => %{"SS" => ["y"]}},
            ],
        )
        .await
        .unwrap();
        assert_eq!(after.balance, 15);
        assert_eq!(after.tags, ["z", "b"]);
        assert_eq!(after.labels, BTreeSet::from(["x".into(), "y".into()]));
        assert!(after.status.is_null(), "{:?}", after.status);
        let after = User::update_item_with(
            &key,
            updates! {},
            opts![
                update_expression: "DELETE #l :l",
                expression_attribute_names: %{"#l" => "labels"},
                expression_attribute_values: %{":l" => %{"SS" => ["x"]}},
            ],
        )
        .await
        .unwrap();
        assert_eq!(after.labels, BTreeSet::from(["y".into()]));
        assert_eq!(User::get_item(&key).await.unwrap().unwrap(), after);
        // An attribute named like a clause (`remove` is not a reserved word)
        // is a name wherever a name stands: it used to start a clause.
        let after = User::update_item_with(
            &key,
            updates! {},
            opts![
                update_expression: "SET remove = :d, balance = :d",
                expression_attribute_values: %{":d" => 7},
            ],
        )
        .await
        .unwrap();
        assert_eq!(after.balance, 7);
        let after = User::update_item_with(
            &key,
            updates! {},
            opts![
                update_expression: "SET balance = remove + :d REMOVE remove",
                expression_attribute_values: %{":d" => 1},
            ],
        )
        .await
        .unwrap();
        assert_eq!(after.balance, 8);
        // A key field is refused before sending, as with updates!.
        let e = User::update_item_with(
            &key,
            updates! {},
            opts![update_expression: "SET email = :e", expression_attribute_values: %{":e" => "x"}],
        )
        .await
        .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ValidationError);
        assert!(
            e.message().contains("changes `email`, which is part of the primary key"),
            "{}",
            e.message()
        );
    })
    .await;
}

#[tokio::test]
async fn update_refuses_key_fields_and_unknown_fields() {
    isolated(async {
        let key = item!(User {
            id: "u1",
            email: "e"
        });
        let e = User::update_item(&key, updates! { email: "other" })
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ValidationError);
        assert!(
            e.message().contains("`email` is part of the primary key"),
            "{}",
            e.message()
        );
        let e = User::update_item(&key, updates! { nmae: "x" })
            .await
            .unwrap_err();
        assert!(
            e.message().contains("`nmae` is not a field"),
            "{}",
            e.message()
        );
        let e = User::update_item(&key, updates! { balance: {:increment, "lots"} })
            .await
            .unwrap_err();
        assert!(e.message().contains("needs a number"), "{}", e.message());
    })
    .await;
}

#[tokio::test]
async fn conditional_writes() {
    isolated(async {
        User::create_table().await.unwrap();
        let put_new = || dynamo::table::put_item(ada(), opts![condition_expression: "attribute_not_exists(pk)"]);
        put_new().await.unwrap();
        let e = put_new().await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ConditionalCheckFailed);
        assert!(e.is_conditional_check_failed());
        assert_eq!(e.message(), "The conditional request failed", "DynamoDB's own text");
        assert_eq!(e.service_code(), Some("ConditionalCheckFailedException"));
        assert_eq!(e.operation(), Some("PutItem"));

        let key = item!(User { id: "u1", email: "ada@example.com" });
        let e = dynamo::table::update_item(
            &key,
            updates! { balance: {:decrement, 500} },
            opts![condition_expression: "balance >= :amount", expression_attribute_values: {":amount" => 500}],
        )
        .await
        .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ConditionalCheckFailed);
        let ok = dynamo::table::update_item(
            &key,
            updates! { balance: {:decrement, 40} },
            opts![condition_expression: "balance >= :amount", expression_attribute_values: {":amount" => 40}],
        )
        .await
        .unwrap();
        assert_eq!(ok.balance, 60);

        let e = dynamo::table::delete_item(&key, opts![condition_expression: "status = :s", expression_attribute_values: {":s" => "banned"}])
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ConditionalCheckFailed);
        let old = dynamo::table::delete_item(&key, opts![condition_expression: "status = :s", expression_attribute_values: {":s" => "active"}])
            .await
            .unwrap();
        assert!(old.is_some());
    })
    .await;
}

#[tokio::test]
async fn reserved_words_work_bare_everywhere() {
    isolated(async {
        User::create_table().await.unwrap();
        User::put_item(ada()).await.unwrap();
        let key = item!(User { id: "u1", email: "ada@example.com" });
        // `name`, `status`, `date` are reserved words in DynamoDB.
        let got = dynamo::table::get_item(&key, opts![projection_expression: "id, email, name, status, date"])
            .await
            .unwrap()
            .unwrap();
        assert_eq!(got.name, "Ada");
        assert_eq!(got.balance, 0, "not projected");
        let list = User::list_items(&item!(User { id: "u1" }), opts![filter_expression: "status = :s AND date > :d", expression_attribute_values: {":s" => "active", ":d" => "2000"}])
            .await
            .unwrap();
        assert_eq!(list.len(), 1);
        // The guide's own style with an explicit placeholder still works.
        let list = User::list_items(
            &item!(User { id: "u1" }),
            opts![projection_expression: "id, email, #name", expression_attribute_names: {"#name" => "name"}],
        )
        .await
        .unwrap();
        assert_eq!(list[0].name, "Ada");
        let u = dynamo::table::update_item(&key, updates! { name: "Grace" }, opts![condition_expression: "name = :n", expression_attribute_values: {":n" => "Ada"}])
            .await
            .unwrap();
        assert_eq!(u.name, "Grace");
    })
    .await;
}

#[tokio::test]
async fn expression_mistakes_are_refused_before_sending() {
    isolated(async {
        let key = item!(User {
            id: "u1",
            email: "e"
        });
        let e = dynamo::table::put_item(ada(), opts![condition_expression: "balance > :missing"])
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ValidationError);
        assert!(e.message().contains("`:missing`"), "{}", e.message());
        let e = dynamo::table::get_item(
            &key,
            opts![projection_expression: "id", expression_attribute_names: {"#unused" => "x"}],
        )
        .await
        .unwrap_err();
        assert!(e.message().contains("`#unused`"), "{}", e.message());
        let e = dynamo::table::put_item(ada(), opts![segments: 4])
            .await
            .unwrap_err();
        assert!(
            e.message()
                .contains("`segments` does not apply to put_item"),
            "{}",
            e.message()
        );
    })
    .await;
}

#[tokio::test]
async fn custom_key_names_separator_and_prefix() {
    isolated(async {
        Custom::create_table().await.unwrap();
        let c = item!(Custom {
            tenant: "acme|eu",
            kind: "INVOICE",
            id: "i-1",
            note: "n"
        });
        Custom::put_item(c.clone()).await.unwrap();
        let info = dynamo::table::describe_table(&Custom::schema().effective_table_name())
            .await
            .unwrap();
        assert_eq!(info.partition_key.as_deref(), Some("PK"));
        assert_eq!(info.sort_key.as_deref(), Some("SK"));
        assert_eq!(Custom::get_item(&c).await.unwrap(), Some(c.clone()));
        let listed = Custom::list_items(
            &item!(Custom {
                tenant: "acme|eu",
                kind: "INVOICE"
            }),
            opts![],
        )
        .await
        .unwrap();
        assert_eq!(listed, vec![c.clone()]);
        let with_keys = dynamo::encoder::encode_with_keys(&c).unwrap();
        assert_eq!(with_keys["PK"], "acme|eu");
        assert_eq!(with_keys["SK"], "kind|INVOICE|id|i-1");
    })
    .await;
}

#[tokio::test]
async fn belongs_to_children_share_the_parent_partition() {
    isolated(async {
        Customer::create_table().await.unwrap();
        Customer::put_item(item!(Customer {
            customer_id: "c1",
            name: "Ada"
        }))
        .await
        .unwrap();
        for (i, ts) in [
            "2024-01-15T11:01:00Z",
            "2024-01-16T09:00:00Z",
            "2024-02-01T10:00:00Z",
        ]
        .iter()
        .enumerate()
        {
            OrderItem::put_item(item!(OrderItem {
                customer_id: "c1",
                created_at: *ts,
                sku: format!("s{i}"),
                qty: i as i64
            }))
            .await
            .unwrap();
        }
        OrderItem::put_item(item!(OrderItem {
            customer_id: "c2",
            created_at: "2024-01-20T00:00:00Z",
            sku: "other"
        }))
        .await
        .unwrap();
        // The child's partition is the parent's.
        let child = item!(OrderItem {
            customer_id: "c1",
            created_at: "2024-01-15T11:01:00Z"
        });
        assert_eq!(
            child.partition_key().unwrap(),
            item!(Customer { customer_id: "c1" })
                .partition_key()
                .unwrap()
        );
        // Every child of c1, only children (the parent's PROFILE item is excluded):
        let all = OrderItem::list_items(&item!(OrderItem { customer_id: "c1" }), opts![])
            .await
            .unwrap();
        assert_eq!(all.len(), 3);
        // A range within the children, with sk_end following the prefix.
        let jan = OrderItem::list_items(
            &item!(OrderItem {
                customer_id: "c1",
                created_at: "2024-01-01"
            }),
            opts![sk_operator: :between, sk_end: "2024-01-31"],
        )
        .await
        .unwrap();
        assert_eq!(
            jan.iter().map(|o| o.sku.clone()).collect::<Vec<_>>(),
            vec![Value::from("s0"), Value::from("s1")]
        );
        // get / update / delete honour the relation.
        let got = OrderItem::get_item(&child).await.unwrap().unwrap();
        assert_eq!(got.sku, "s0");
        let up = OrderItem::update_item(&child, updates! { qty: {:increment, 5} })
            .await
            .unwrap();
        assert_eq!(up.qty, 5);
        assert!(OrderItem::delete_item(&child).await.unwrap().is_some());
        assert_eq!(
            OrderItem::list_items(&item!(OrderItem { customer_id: "c1" }), opts![])
                .await
                .unwrap()
                .len(),
            2
        );
        // The parent's partition holds the parent and its two remaining
        // children; the parent's own reads count the parent only.
        assert_eq!(
            Customer::count_items(
                &item!(Customer {
                    customer_id: "c1",
                    sk: Value::Null
                }),
                opts![]
            )
            .await
            .unwrap(),
            1
        );
    })
    .await;
}

#[tokio::test]
async fn items_over_400_kb_are_refused_before_sending() {
    isolated(async {
        // No table exists: a request that reached DynamoDB would fail with
        // ResourceNotFound, so a ValidationError proves nothing was sent.
        let big = item!(User {
            id: "u1",
            email: "e",
            name: "x".repeat(410_000)
        });
        let e = User::put_item(big).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ValidationError);
        assert!(
            e.message()
                .contains("over DynamoDB's item size limit of 409600 bytes"),
            "{}",
            e.message()
        );
        assert!(
            e.message().contains("is 41"),
            "names the size: {}",
            e.message()
        );
        // Just under the limit is fine once the table exists.
        User::create_table().await.unwrap();
        let fits = item!(User {
            id: "u1",
            email: "e",
            name: "x".repeat(400_000)
        });
        User::put_item(fits).await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn unset_keys_are_refused_naming_the_field() {
    isolated(async {
        let e = User::put_item(item!(User { id: "u1" })).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ValidationError);
        assert!(e.message().contains("`email`"), "{}", e.message());
        let e = User::get_item(&item!(User { email: "e" }))
            .await
            .unwrap_err();
        assert!(e.message().contains("`id`"), "{}", e.message());
        let e = User::delete_item(&item!(User { id: "", email: "e" }))
            .await
            .unwrap_err();
        assert!(e.message().contains("`id`"), "{}", e.message());
    })
    .await;
}

#[tokio::test]
async fn missing_table_is_resource_not_found() {
    isolated(async {
        let e = User::get_item(&item!(User {
            id: "u",
            email: "e"
        }))
        .await
        .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ResourceNotFound);
        assert!(e.is_resource_not_found());
        assert!(!e.message().is_empty());
        let e = User::create_table()
            .await
            .and(User::create_table().await)
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ResourceInUse);
    })
    .await;
}

#[tokio::test]
async fn dynamodb_validation_errors_keep_their_text() {
    isolated(async {
        User::create_table().await.unwrap();
        // A type mismatch only DynamoDB can see: `email` used as N in the key.
        let e = dynamo::table::put_item(ada(), opts![condition_expression: "size(tags) > :n", expression_attribute_values: {":n" => "not a number"}])
            .await;
        // size() compared with a string is legal but false: ConditionalCheckFailed.
        assert_eq!(e.unwrap_err().kind(), ErrorKind::ConditionalCheckFailed);
        let e = dynamo::table::put_item(ada(), opts![condition_expression: "begins_with(balance)"]).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ValidationError);
        // The server's own text comes through. Engines word this one
        // differently — DynamoDB: "Invalid ConditionExpression: Incorrect
        // number of operands for operator or function; operator or function:
        // begins_with, …"; the local engine: "… Invalid ConditionExpression:
        // Syntax error; token: \")\", near: \"balance)\"" — and both name
        // the expression that is wrong.
        assert!(e.message().contains("Invalid ConditionExpression"), "{}", e.message());
        assert_eq!(e.service_code(), Some("ValidationException"));
    })
    .await;
}

#[tokio::test]
async fn belongs_to_child_without_its_own_sort_key() {
    isolated(async {
        Customer::create_table().await.unwrap();
        Customer::put_item(item!(Customer {
            customer_id: "c1",
            name: "Ada"
        }))
        .await
        .unwrap();
        // A child of another type whose sort key starts with the same name
        // must not be taken for it.
        OrderItem::put_item(item!(OrderItem {
            customer_id: "c1",
            created_at: "2024-01-15",
            sku: "s"
        }))
        .await
        .unwrap();
        let prefs = item!(Preferences {
            customer_id: "c1",
            theme: "dark"
        });
        assert_eq!(prefs.sort_key().as_deref(), Some("preferences"));
        Preferences::put_item(prefs.clone()).await.unwrap();
        let key = item!(Preferences { customer_id: "c1" });
        assert_eq!(
            Preferences::get_item(&key).await.unwrap(),
            Some(prefs.clone())
        );
        let listed = Preferences::list_items(&key, opts![]).await.unwrap();
        assert_eq!(listed, vec![prefs]);
        assert_eq!(Preferences::count_items(&key, opts![]).await.unwrap(), 1);
    })
    .await;
}

#[tokio::test]
async fn conditions_and_read_options_from_the_schema_type() {
    isolated(async {
        Counter::create_table().await.unwrap();
        let c = item!(Counter {
            name: "hits",
            count: 1i64
        });
        let only_new = || opts![condition_expression: "attribute_not_exists(pk)"];
        Counter::put_item_with(c.clone(), only_new()).await.unwrap();
        // The same conditional put again: the item exists.
        let e = Counter::put_item_with(c.clone(), only_new())
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ConditionalCheckFailed, "{e}");
        // A consistent read, with a projection.
        let got = Counter::get_item_with(
            &c,
            opts![consistent_read: true, projection_expression: "#c", expression_attribute_names: %{"#c" => "count"}],
        )
        .await
        .unwrap()
        .unwrap();
        assert_eq!(got.count, 1);
        // A conditional update and delete that do not hold change nothing.
        let big = || {
            opts![condition_expression: "#c > :n", expression_attribute_names: %{"#c" => "count"}, expression_attribute_values: %{":n" => 10}]
        };
        let e = Counter::update_item_with(&c, updates!(%{count: 5i64}), big())
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ConditionalCheckFailed);
        let e = Counter::delete_item_with(&c, big()).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ConditionalCheckFailed);
        assert_eq!(Counter::get_item(&c).await.unwrap().unwrap().count, 1);
        // And when they hold, they apply.
        let small = opts![condition_expression: "#c = :n", expression_attribute_names: %{"#c" => "count"}, expression_attribute_values: %{":n" => 1}];
        let up = Counter::update_item_with(&c, updates!(%{count: 2i64}), small)
            .await
            .unwrap();
        assert_eq!(up.count, 2);
        let gone = Counter::delete_item_with(&c, opts![condition_expression: "attribute_exists(pk)"])
            .await
            .unwrap();
        assert_eq!(gone.map(|g| g.count), Some(2));
    })
    .await;
}

dynamo_item! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct Keyed {
        table_name "keyed";
        field :id: String, partition_key;
        field :email: Option<String>;
        global_secondary_index "EmailIndex", partition_key: :email;
    }
}

dynamo_item! {
    /// The same table as `Keyed`, described with a sort key.
    #[derive(Debug, Clone, PartialEq)]
    pub struct KeyedWithSort {
        table_name "keyed";
        field :id: String, partition_key;
        field :at: String, sort_key;
    }
}

#[tokio::test]
async fn create_table_if_missing_is_idempotent_and_checks_the_keys() {
    isolated(async {
        let first = Keyed::create_table_if_missing().await.unwrap();
        assert!(first.is_active());
        Keyed::put_item(item!(Keyed { id: "k1" })).await.unwrap();
        // Again: the table (and its item) stay.
        let again = Keyed::create_table_if_missing().await.unwrap();
        assert_eq!(again.name, first.name);
        assert!(
            Keyed::get_item(item!(Keyed { id: "k1" }))
                .await
                .unwrap()
                .is_some()
        );
        // A schema whose keys differ is told so, before any item is written.
        let e = KeyedWithSort::create_table_if_missing().await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ValidationError);
        assert!(
            e.message()
                .contains("its sort key is missing, not `sk` (S)"),
            "{}",
            e.message()
        );
    })
    .await;
}

dynamo_item! {
    /// Values whose written form must read back: empty sets inside maps and
    /// lists (DynamoDB has no empty set: written as NULL there), and a
    /// `VecDeque<u8>` (a list of numbers, unlike `Vec<u8>`'s bytes).
    #[derive(Debug, Clone, PartialEq)]
    pub struct Shapes {
        table_name "shapes";
        field :id: String, partition_key;
        field :groups: std::collections::BTreeMap<String, std::collections::BTreeSet<String>>;
        field :sets: Vec<std::collections::BTreeSet<i64>>;
        field :hashed: Vec<std::collections::HashSet<String>>;
        field :bytes: std::collections::VecDeque<u8>;
    }
}

#[tokio::test]
async fn empty_nested_sets_and_byte_deques_read_back() {
    isolated(async {
        Shapes::create_table().await.unwrap();
        let shapes = item!(Shapes {
            id: "s1",
            groups: std::collections::BTreeMap::from([
                ("empty".to_owned(), std::collections::BTreeSet::new()),
                (
                    "one".to_owned(),
                    std::collections::BTreeSet::from(["a".to_owned()])
                ),
            ]),
            sets: vec![
                std::collections::BTreeSet::new(),
                std::collections::BTreeSet::from([1])
            ],
            hashed: vec![std::collections::HashSet::new()],
            bytes: std::collections::VecDeque::from([1u8, 2, 255]),
        });
        let stored = Shapes::put_item(shapes.clone()).await.unwrap();
        assert_eq!(stored, shapes);
        let read = Shapes::get_item(item!(Shapes { id: "s1" })).await.unwrap();
        assert_eq!(read.as_ref(), Some(&shapes));
        // The default (an empty deque) too, and through updates!.
        Shapes::put_item(item!(Shapes { id: "s2" })).await.unwrap();
        let updated = Shapes::update_item(
            item!(Shapes { id: "s2" }),
            updates! { bytes: std::collections::VecDeque::from([7u8]) },
        )
        .await
        .unwrap();
        assert_eq!(updated.bytes, [7u8]);
    })
    .await;
}

dynamo_item! {
    /// Counters in types narrower than DynamoDB's numbers.
    #[derive(Debug, Clone, PartialEq)]
    pub struct Stock {
        table_name "stock";
        field :sku: String, partition_key;
        field :level: u8;
        field :on_hand: Option<u32>;
    }
}

dynamo_item! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct Ticket {
        table_name "tickets";
        field :id: String, partition_key;
        field :seats: u16;
        field :version: u64, version;
    }
}

fn sku(s: &str) -> Stock {
    item!(Stock { sku: s })
}

/// DynamoDB makes a counter's sum; one past the field's type used to be
/// stored, and every read of the item failed after it (a `u8` at 256, a
/// `u32` at -1). Now the update is refused, naming the field, and nothing
/// is written.
#[tokio::test]
async fn counters_stay_within_their_types() {
    isolated(async {
        Stock::create_table().await.unwrap();
        Stock::put_item(item!(Stock {
            sku: "s1",
            level: 254,
            on_hand: Some(1)
        }))
        .await
        .unwrap();
        let up = Stock::update_item(&sku("s1"), updates! { level: {:increment, 1} })
            .await
            .unwrap();
        assert_eq!(up.level, 255);
        let e = Stock::update_item(&sku("s1"), updates! { level: {:increment, 1} })
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ValidationError, "{e}");
        assert_eq!(e.field(), Some("level"));
        assert!(e.message().contains("from 255 to 256"), "{e}");
        assert!(e.message().contains("`u8`"), "{e}");
        let e = Stock::update_item(&sku("s1"), updates! { on_hand: {:decrement, 2} })
            .await
            .unwrap_err();
        assert_eq!(e.field(), Some("on_hand"), "{e}");
        assert!(e.message().contains("from 1 to -1"), "{e}");
        // Nothing was written: the item reads back as it was.
        let s1 = Stock::get_item(&sku("s1")).await.unwrap().unwrap();
        assert_eq!((s1.level, s1.on_hand), (255, Some(1)));
        // Within the range it counts as before, down to 0.
        let down = Stock::update_item(&sku("s1"), updates! { on_hand: {:decrement, 1} })
            .await
            .unwrap();
        assert_eq!(down.on_hand, Some(0));
        // A missing counter counts from 0: down from nothing is refused,
        // and no item is made.
        let e = Stock::update_item(&sku("s2"), updates! { on_hand: {:decrement, 1} })
            .await
            .unwrap_err();
        assert!(e.message().contains("from 0 to -1"), "{e}");
        assert_eq!(Stock::get_item(&sku("s2")).await.unwrap(), None);
        // The user's own condition failing is still theirs.
        let e = dynamo::table::update_item(
            &sku("s1"),
            updates! { level: {:decrement, 1} },
            opts![
                condition_expression: "on_hand > :n",
                expression_attribute_values: %{":n" => 100},
            ],
        )
        .await
        .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ConditionalCheckFailed, "{e}");
        // In a transaction, the action is named and nothing is written.
        let e = dynamo::transaction::transact(vec![
            Tx::put(item!(Stock {
                sku: "s3",
                level: 1
            })),
            Tx::update(sku("s1"), updates! { on_hand: {:decrement, 5} }),
        ])
        .await
        .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ValidationError, "{e}");
        assert_eq!(e.field(), Some("on_hand"));
        assert!(
            e.message().contains("action 1 (update)") && e.message().contains("from 0 to -5"),
            "{e}"
        );
        assert_eq!(Stock::get_item(&sku("s3")).await.unwrap(), None);

        // With a version: a stale one is a version conflict, a counter
        // without room is named as such.
        Ticket::create_table().await.unwrap();
        let t = Ticket::put_item(item!(Ticket { id: "t1" })).await.unwrap();
        let e = Ticket::update_item(&t, updates! { seats: {:decrement, 1} })
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ValidationError, "{e}");
        assert_eq!(e.field(), Some("seats"));
        let stale = item!(Ticket { id: "t1" });
        let e = Ticket::update_item(&stale, updates! { seats: {:increment, 1} })
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::VersionConflict, "{e}");
        let t = Ticket::update_item(&t, updates! { seats: {:increment, 2} })
            .await
            .unwrap();
        assert_eq!((t.seats, t.version), (2, 2));
    })
    .await;
}

/// A condition or filter written in parentheses joins the crate's own
/// (the type filter, a version, a counter's room) without doubling them:
/// DynamoDB refuses `((…))` as redundant, so every such filter failed.
#[tokio::test]
async fn parenthesized_expressions_join_the_crates_own() {
    isolated(async {
        Stock::create_table().await.unwrap();
        Ticket::create_table().await.unwrap();
        Stock::put_item(item!(Stock {
            sku: "p1",
            level: 3
        }))
        .await
        .unwrap();
        let found = Stock::list_items(
            &sku("p1"),
            opts![
                filter_expression: "(level = :l OR level = :m)",
                expression_attribute_values: %{":l" => 3, ":m" => 4},
            ],
        )
        .await
        .unwrap();
        assert_eq!(found.len(), 1);
        let scanned = dynamo::table::scan::<Stock>(opts![
            filter_expression: "(level > :z)",
            expression_attribute_values: %{":z" => 0},
        ])
        .await
        .unwrap();
        assert_eq!(scanned.items.len(), 1);
        // A counter's room, with the user's condition.
        let up = dynamo::table::update_item(
            &sku("p1"),
            updates! { level: {:increment, 1} },
            opts![
                condition_expression: "(attribute_exists(sku))",
            ],
        )
        .await
        .unwrap();
        assert_eq!(up.level, 4);
        // A version, with the user's condition; and in a transaction, a
        // check merged into the write on its item.
        let t = dynamo::table::put_item(
            item!(Ticket { id: "p2" }),
            opts![condition_expression: "(attribute_not_exists(id))"],
        )
        .await
        .unwrap();
        dynamo::transaction::transact(vec![
            Tx::update(&t, updates! { seats: {:increment, 1} }),
            Tx::check(&t, "(attribute_exists(id))", Default::default()),
        ])
        .await
        .unwrap();
    })
    .await;
}
