//! The guide's "DynamoDB Best Practices" chapter: blocks 12–23 (`b12_…` to `b23_…`).

use super::*;

// ---- Block 12 · 2. Item Size Optimization -----------------------------------
// Port: same lines

mod item_size_optimization {
    use super::*;

    // The guide shows the two `field` lines; the module around them is ours.
    dynamo_item! {
        #[derive(Debug, Clone, PartialEq)]
        defmodule MyApp.Document do
          use Dynamo.Schema

          item do
            table_name "documents";
            field :document_id, partition_key: true;
            // Store S3 reference instead of large content
            field :document_s3_key;  // "bucket/path/to/document.pdf"
            field :document_metadata;  // Small metadata only
          end
        end
    }
}

#[tokio::test]
async fn b12_item_size_optimization() {
    use item_size_optimization::Document;
    isolated(async {
        Document::create_table().await.unwrap();
        let metadata = Value::from(BTreeMap::from([
            ("pages", Value::from(12)),
            ("content_type", Value::from("application/pdf")),
        ]));
        Document::put_item(item!(%Document{
            document_id: "doc1",
            document_s3_key: "bucket/path/to/document.pdf",
            document_metadata: metadata.clone(),
        }))
        .await
        .unwrap();
        let got = Document::get_item(item!(%Document{document_id: "doc1"}))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(got.document_s3_key, "bucket/path/to/document.pdf");
        assert_eq!(got.document_metadata, metadata);
        assert_eq!(got.document_metadata.get("pages"), Some(&Value::from(12)));

        // "Maximum item size: 400KB": the content itself would not fit; the
        // crate refuses it before sending.
        let e = Document::put_item(item!(%Document{
            document_id: "doc2",
            document_metadata: "x".repeat(400 * 1024),
        }))
        .await
        .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ValidationError);
        assert!(e.message().contains("400 KB"), "{}", e.message());
        assert_eq!(raw_items::<Document>().await.len(), 1);
    })
    .await;
}

// ---- Block 13 · 3. Efficient Queries: Do ------------------------------------
// Port: same lines

#[tokio::test]
async fn b13_efficient_queries_do() {
    use my_app_user::User;
    isolated(async {
        my_app_user::seed(12).await;
        // Use projection to fetch only needed attributes
        let users = User::list_items(
            item!(%MyApp.User{tenant_id: "tenant123"}),
            opts![
                projection_expression: "user_id, email, #name",
                expression_attribute_names: %{"#name" => "name"}
            ],
        )
        .await
        .unwrap();
        assert_eq!(users.len(), 6);
        let first = &users[0];
        assert_eq!(first.user_id, "user00000");
        assert_eq!(first.email, "user0@example.com");
        assert_eq!(first.name, "User 0");
        // Nothing else came back: user 0 is active in the table, but
        // `active` was not projected and takes its default.
        assert!(!first.active);
        // The crate adds the table's key attributes (`pk`, `sk`) to every
        // projection, so items still know their key: the key fields are
        // recovered from them.
        assert_eq!(first.tenant_id, "tenant123");
    })
    .await;
}

// ---- Block 14 · 3. Efficient Queries: Don't ---------------------------------
// Port: same lines

#[tokio::test]
async fn b14_efficient_queries_dont() {
    use my_app_user::User;
    isolated(async {
        let seeded = my_app_user::seed(12).await;

        let processed = Mutex::new(Vec::new());
        let process_user = |user: User| {
            processed.lock().unwrap().push(user.user_id.to_string());
            future::ok(())
        };

        // Avoid scanning entire table into memory
        // (`Loads everything!` — strictly one page, up to 1 MB, as in Elixir;
        // these 12 users fit in it, so there is no next page.)
        let Page {
            items: users,
            last_evaluated_key,
            ..
        } = dynamo::table::scan::<User>(opts![]).await.unwrap(); // Loads everything!
        assert_eq!(my_app_user::ids(&users), my_app_user::ids(&seeded));
        assert!(last_evaluated_key.is_none());

        // ✅ Better for large tables: Use streaming (but still expensive!)
        stream::scan::<User>(opts![])
            .try_filter(|u| future::ready(u.active))
            .try_for_each(process_user)
            .await
            .unwrap();
        let mut processed = processed.into_inner().unwrap();
        processed.sort();
        assert_eq!(
            processed,
            my_app_user::ids(seeded.iter().filter(|u| u.active))
        );
        assert_eq!(processed.len(), 4, "users 0, 3, 6 and 9");
    })
    .await;
}

// ---- Block 15 · 4. Batch Operations -----------------------------------------
// Port: same lines

mod batch_operations {
    use super::*;

    // `MyApp.Product`, used (not declared) by the guide.
    dynamo_item! {
        #[derive(Debug, Clone, PartialEq)]
        defmodule MyApp.Product do
          use Dynamo.Schema

          item do
            table_name "products";
            field :category, partition_key: true;
            field :id, sort_key: true;
            field :name;
          end
        end
    }
}

#[tokio::test]
async fn b15_batch_operations() {
    use batch_operations::Product;
    isolated(async {
        Product::create_table().await.unwrap();
        // Batch writes (up to 25 items)
        let items = (1..=25)
            .map(|i| {
                item!(%MyApp.Product{
                    category: "electronics",
                    id: format!("prod-{i}"),
                    name: format!("Product {i}"),
                })
            })
            .collect();

        let out = dynamo::table::batch_write_item(items).await.unwrap(); // {:ok, _} =
        assert_eq!(out.processed_items, 25);
        assert!(out.unprocessed_items.is_empty());

        let stored = Product::list_items(item!(%Product{category: "electronics"}), opts![])
            .await
            .unwrap();
        assert_eq!(stored.len(), 25);
        for p in &stored {
            let n = p.id.as_str().unwrap().strip_prefix("prod-").unwrap();
            assert_eq!(p.name, format!("Product {n}"));
        }
        let ids: BTreeSet<String> = stored.iter().map(|p| p.id.to_string()).collect();
        assert_eq!(
            ids,
            (1..=25)
                .map(|i| format!("prod-{i}"))
                .collect::<BTreeSet<_>>()
        );
    })
    .await;
}

// ---- Block 16 · 5. Use GSIs Strategically -----------------------------------
// Port: same lines

mod use_gsis_strategically {
    use super::*;

    // The guide shows the `item do … end` body; the `defmodule` around it is
    // ours. Block 17 queries this schema.
    dynamo_item! {
        #[derive(Debug, Clone, PartialEq)]
        defmodule MyApp.User do
          use Dynamo.Schema

          item do
            table_name "users";

            field :user_id, partition_key: true;
            field :created_at, sort_key: true;
            field :email;
            field :status;

            // GSI for email lookups
            global_secondary_index "EmailIndex", partition_key: :email;

            // GSI for status queries with time ordering
            global_secondary_index "StatusIndex",
              partition_key: :status,
              sort_key: :created_at,
              projection: :keys_only;  // Minimize storage cost
          end
        end
    }

    pub async fn seed() {
        User::create_table().await.unwrap();
        for (user_id, created_at, email, status) in [
            ("u1", "2024-01-15", "user@example.com", "active"),
            ("u2", "2023-12-01", "other@example.com", "active"),
            ("u3", "2024-02-01", "third@example.com", "inactive"),
            ("u4", "2024-03-01", "fourth@example.com", "active"),
        ] {
            User::put_item(item!(%User{user_id, created_at, email, status}))
                .await
                .unwrap();
        }
    }
}

#[tokio::test]
async fn b16_use_gsis_strategically() {
    use dynamo::Projection;
    use use_gsis_strategically::User;
    isolated(async {
        use_gsis_strategically::seed().await;
        let info = dynamo::table::describe_table(&User::schema().effective_table_name())
            .await
            .unwrap();
        let mut indexes: Vec<(&str, Vec<String>, Vec<String>)> = info
            .indexes
            .iter()
            .map(|i| (i.name.as_str(), i.partition_key.clone(), i.sort_key.clone()))
            .collect();
        indexes.sort();
        assert_eq!(
            indexes,
            vec![
                ("EmailIndex", vec!["email".to_owned()], vec![]),
                (
                    "StatusIndex",
                    vec!["status".to_owned()],
                    vec!["created_at".to_owned()]
                ),
            ]
        );
        assert_eq!(
            User::schema().index("StatusIndex").unwrap().projection,
            Projection::KeysOnly
        );
        // The table's own keys, and the index keys as plain attributes.
        let raw = raw_items::<User>().await;
        let u1 = raw.iter().find(|m| m["pk"] == "u1").unwrap();
        assert_eq!(u1["sk"], "2024-01-15");
        assert_eq!(u1["email"], "user@example.com");
        assert_eq!(u1["status"], "active");
        assert_eq!(u1["created_at"], "2024-01-15");
        let got = User::get_item(item!(%User{user_id: "u1", created_at: "2024-01-15"}))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(got.email, "user@example.com");
    })
    .await;
}

// ---- Block 17 · 5. Use GSIs Strategically: Querying GSIs --------------------
// Port: same lines

#[tokio::test]
async fn b17_querying_gsis() {
    use use_gsis_strategically::User;
    isolated(async {
        use_gsis_strategically::seed().await;

        // Query by email
        let by_email = User::list_items(
            item!(%MyApp.User{email: "user@example.com"}),
            opts![index_name: "EmailIndex"],
        )
        .await
        .unwrap();
        assert_eq!(by_email.len(), 1);
        assert_eq!(by_email[0].user_id, "u1");
        assert_eq!(by_email[0].status, "active", "EmailIndex projects :all");

        // Query by status with time range
        let active = User::list_items(
            item!(%MyApp.User{status: "active", created_at: "2024-01-01"}),
            opts![
                index_name: "StatusIndex",
                sk_operator: :gte
            ],
        )
        .await
        .unwrap();
        let ids: Vec<String> = active.iter().map(|u| u.user_id.to_string()).collect();
        assert_eq!(ids, vec!["u1", "u4"], "in created_at order");
        // `projection: :keys_only`: the index holds keys only, so `email`
        // does not come back.
        assert!(active.iter().all(|u| u.email.is_null()));
        assert_eq!(active[1].created_at, "2024-03-01");
    })
    .await;
}

// ---- Block 18 · 6. Error Handling & Retries ---------------------------------
// Port: same shape — the `case` becomes a function over the result it
// matches (`handle`), so the test can give it every outcome; the
// `%Dynamo.Error{type: …}` patterns become guards on `e.kind()`.

mod error_handling {
    use super::*;

    dynamo_item! {
        #[derive(Debug, Clone, PartialEq)]
        defmodule MyApp.User do
          use Dynamo.Schema

          item do
            table_name "users";
            field :id, partition_key: true;
            field :name;
          end
        end
    }

    fn handle_user(user: Option<User>) -> String {
        match user {
            Some(u) => format!("user {}", u.name),
            None => "no such user".to_owned(),
        }
    }

    fn retry_operation() -> String {
        "retried".to_owned()
    }

    fn handle_conflict() -> String {
        "conflict".to_owned()
    }

    /// `Logger.error(line)`; answers the line.
    fn logger_error(line: String) -> String {
        eprintln!("{line}");
        line
    }

    /// The guide's `case`, over the result of
    /// `MyApp.User.get_item(%MyApp.User{id: "user123"})` (or any other
    /// result of the same type). Answers what it did.
    pub async fn handle(result: dynamo::Result<Option<User>>) -> String {
        match result {
            Ok(user) => handle_user(user),

            Err(e) if e.kind() == ErrorKind::ProvisionedThroughputExceeded => {
                // Implement exponential backoff
                // (The crate already retries throttling with exponential
                // backoff and jitter before returning this error.)
                tokio::time::sleep(Duration::from_millis(100)).await;
                retry_operation()
            }

            Err(e) if e.kind() == ErrorKind::ConditionalCheckFailed => {
                // Handle optimistic locking failure
                handle_conflict()
            }

            Err(error) => logger_error(format!("DynamoDB error: {}", error.message())),
        }
    }
}

#[tokio::test]
async fn b18_error_handling_and_retries() {
    use error_handling::{User, handle};
    isolated(async {
        // The table does not exist yet: resource_not_found, logged.
        let not_found = User::get_item(item!(%MyApp.User{id: "user123"})).await;
        assert_eq!(
            not_found.as_ref().unwrap_err().kind(),
            ErrorKind::ResourceNotFound
        );
        let line = handle(not_found).await;
        assert!(line.starts_with("DynamoDB error: "), "{line}");
        assert!(line.len() > "DynamoDB error: ".len(), "{line}");

        User::create_table().await.unwrap();
        User::put_item(item!(%User{id: "user123", name: "Ada"}))
            .await
            .unwrap();
        assert_eq!(
            handle(User::get_item(item!(%MyApp.User{id: "user123"})).await).await,
            "user Ada"
        );
        assert_eq!(
            handle(User::get_item(item!(%User{id: "nobody"})).await).await,
            "no such user"
        );

        // An optimistic-locking failure: a conditional write whose
        // condition is false.
        let lost = dynamo::table::put_item(
            item!(%User{id: "user123", name: "Bob"}),
            opts![condition_expression: "attribute_not_exists(pk)"],
        )
        .await
        .map(Some);
        assert_eq!(
            lost.as_ref().unwrap_err().kind(),
            ErrorKind::ConditionalCheckFailed
        );
        assert_eq!(handle(lost).await, "conflict");

        // A key field unset: validation_error, refused before sending.
        let invalid = User::get_item(item!(%User{})).await;
        assert_eq!(
            invalid.as_ref().unwrap_err().kind(),
            ErrorKind::ValidationError
        );
        assert!(handle(invalid).await.contains("`id`"));

        // The guide's "Common Error Types" are the kinds' names.
        // (provisioned_throughput_exceeded, access_denied and
        // transaction_conflict cannot be provoked on the local engine: it
        // never throttles, checks no permissions, and runs transactions one
        // at a time, so it never reports a conflict; tests/faults.rs provokes
        // throughput errors with the fault proxy.)
        let names: Vec<&str> = [
            ErrorKind::ResourceNotFound,
            ErrorKind::ProvisionedThroughputExceeded,
            ErrorKind::ConditionalCheckFailed,
            ErrorKind::ValidationError,
            ErrorKind::AccessDenied,
            ErrorKind::TransactionConflict,
        ]
        .iter()
        .map(|k| k.as_str())
        .collect();
        assert_eq!(
            names,
            vec![
                "resource_not_found",
                "provisioned_throughput_exceeded",
                "conditional_check_failed",
                "validation_error",
                "access_denied",
                "transaction_conflict"
            ]
        );
    })
    .await;
}

// ---- Block 19 · 7. Transactions for Consistency -----------------------------
// Port: same lines

mod transactions_for_consistency {
    use super::*;

    // `%Account{id: …}` with a `balance`, used (not declared) by the guide.
    dynamo_item! {
        #[derive(Debug, Clone, PartialEq)]
        defmodule MyApp.Account do
          use Dynamo.Schema

          item do
            table_name "accounts";
            field :id, partition_key: true;
            field :balance: i64, default: 0;
          end
        end
    }

    pub async fn balances() -> (i64, i64) {
        let get = |id: &'static str| async move {
            Account::get_item(item!(%Account{id}))
                .await
                .unwrap()
                .unwrap()
                .balance
        };
        (get("source").await, get("dest").await)
    }
}

#[tokio::test]
async fn b19_transactions_for_consistency() {
    use transactions_for_consistency::{Account, balances};
    isolated(async {
        Account::create_table().await.unwrap();
        for (id, balance) in [("source", 150), ("dest", 20)] {
            Account::put_item(item!(%Account{id, balance}))
                .await
                .unwrap();
        }
        // `%{"N" => "100"}` is DynamoDB's typed form of the number 100.
        assert_eq!(
            values!(%{":amount" => %{"N" => "100"}})[":amount"],
            Value::from(100)
        );
        assert_eq!(
            Value::from_dynamodb_json(&serde_json::json!({"N": "100"})).unwrap(),
            Value::from(100)
        );

        // The guide's transaction, run twice.
        let transfer = || {
            // Atomic operations across items
            transaction::transact(tx![
              {:check, %Account{id: "source"}, "balance >= :amount", %{":amount" => %{"N" => "100"}}},
              {:update, %Account{id: "source"}, %{balance: {:decrement, 100}}},
              {:update, %Account{id: "dest"}, %{balance: {:increment, 100}}}
            ])
        };
        // DynamoDB allows one action per item, and the check and the update
        // both name "source": the crate sends the check as the update's
        // condition, which means the same thing.
        transfer().await.unwrap();
        assert_eq!(balances().await, (50, 120));

        // Insufficient funds (50 < 100): the whole transaction is cancelled,
        // and every action as written gets its reason.
        let e = transfer().await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::TransactionCanceled);
        let reasons = e.cancellation_reasons();
        assert_eq!(reasons.len(), 3, "{e:?}");
        assert_eq!(reasons[0].code, "ConditionalCheckFailed");
        // The decrement was sent with the check (one action per item) but
        // has no condition: not the cause.
        assert!(reasons[1].is_none(), "{:?}", reasons[1]);
        assert!(reasons[2].is_none());
        assert_eq!(balances().await, (50, 120));

        // "Maximum 100 items per transaction".
        let e = transaction::transact(
            (0..101)
                .map(|i| Tx::put(item!(%Account{id: format!("a{i}")})))
                .collect(),
        )
        .await
        .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ValidationError);
        assert!(e.message().contains("at most 100"), "{}", e.message());
    })
    .await;
}

// ---- Block 20 · 8. TTL for Data Lifecycle -----------------------------------
// Port: same lines

mod ttl_for_data_lifecycle {
    use super::*;

    // The guide shows the `field :ttl` line; the module around it is ours.
    dynamo_item! {
        #[derive(Debug, Clone, PartialEq)]
        defmodule MyApp.Session do
          use Dynamo.Schema

          item do
            table_name "sessions";
            field :session_id, partition_key: true;
            field :ttl;  // Unix timestamp for expiration
          end
        end
    }
}

#[tokio::test]
async fn b20_ttl_for_data_lifecycle() {
    use ttl_for_data_lifecycle::Session;
    isolated(async {
        Session::create_table().await.unwrap();
        // "Enable TTL on the table via AWS Console or CLI": `dynamo
        // enable-ttl <table> --attribute ttl`, or from code:
        let table = Session::schema().effective_table_name();
        let client = support::client();
        client.enable_ttl(&table, "ttl").await.unwrap();
        let ttl = client.describe_ttl(&table).await.unwrap();
        assert_eq!(ttl.status, "ENABLED");
        assert_eq!(ttl.attribute.as_deref(), Some("ttl"));

        let expires = unix_time(3_600);
        Session::put_item(item!(%Session{session_id: "s1", ttl: expires}))
            .await
            .unwrap();
        // DynamoDB's TTL needs a Number attribute holding epoch seconds.
        let raw = raw_items::<Session>().await;
        assert!(matches!(raw[0]["ttl"], Value::Number(_)), "{:?}", raw[0]);
        assert_eq!(raw[0]["ttl"].as_i64(), Some(expires));
        let s = Session::get_item(item!(%Session{session_id: "s1"}))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(s.ttl, expires);
    })
    .await;
}

// ---- Block 21 · 9. Streaming: Sequential ------------------------------------
// Port: same lines

#[tokio::test]
async fn b21_streaming_sequential() {
    use my_app_user::User;
    isolated(async {
        let seeded = my_app_user::seed(1_100).await;
        let processed = Mutex::new(Vec::new());
        let process_user = |user: User| {
            processed.lock().unwrap().push(user.user_id.to_string());
            future::ok(())
        };

        // Process items lazily, constant memory usage
        stream::scan::<User>(opts![page_size: 500])
            .try_filter(|u| future::ready(u.active))
            .try_for_each(process_user)
            .await
            .unwrap();

        let mut processed = processed.into_inner().unwrap();
        processed.sort();
        assert_eq!(processed.len(), 367, "every third of 1100 users");
        assert_eq!(
            processed,
            my_app_user::ids(seeded.iter().filter(|u| u.active))
        );
    })
    .await;
}

// ---- Block 22 · 9. Streaming: Parallel --------------------------------------
// Port: same shape — Flow has no Rust counterpart: `Flow.from_enumerable(
// max_demand: 500) |> Flow.map(&process_user/1)` becomes
// `.map_ok(process_user).try_buffer_unordered(500)` (the limit comes after
// the map), and the collected `Vec` needs its type.

#[tokio::test]
async fn b22_streaming_parallel() {
    use my_app_user::User;
    use std::sync::atomic::{AtomicUsize, Ordering};
    isolated(async {
        let seeded = my_app_user::seed(300).await;
        // `process_user` does I/O-like work (it waits); the counters show how
        // many calls are in flight at once.
        let (now, most) = (AtomicUsize::new(0), AtomicUsize::new(0));
        let process_user = |user: User| {
            let (now, most) = (&now, &most);
            async move {
                let running = now.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(running, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(20)).await;
                now.fetch_sub(1, Ordering::SeqCst);
                Ok::<_, dynamo::Error>(user.user_id.to_string())
            }
        };

        // Scan multiple segments concurrently
        // (up to 500 `process_user` calls in flight at once, results in any
        // order, as with Flow.)
        let processed: Vec<String> = stream::parallel_scan::<User>(opts![segments: 8])
            .map_ok(process_user)
            .try_buffer_unordered(500)
            .try_collect()
            .await
            .unwrap();

        assert_eq!(processed.len(), 300, "each item once");
        let mut sorted = processed;
        sorted.sort();
        assert_eq!(sorted, my_app_user::ids(&seeded));
        // Really concurrent: many calls were in flight together (every item
        // of a page can start before the first finishes), never over 500.
        let most = most.load(Ordering::SeqCst);
        assert!((20..=500).contains(&most), "{most} calls in flight at most");
    })
    .await;
}

// ---- Block 23 · 9. Streaming: Process-Based ---------------------------------
// Port: same shape — a channel's sender stands for `consumer_pid`
// (`scan_to_channel` in place of `scan_to_process`), and the call answers
// the task's handle itself, not `{:ok, task}`. The consumer (the guide's
// GenServer) is a task reading the channel.

#[tokio::test]
async fn b23_streaming_process_based() {
    use my_app_user::User;
    isolated(async {
        let seeded = my_app_user::seed(230).await;

        // The consumer (the guide's GenServer): a task reading its inbox.
        let (consumer_pid, mut inbox) = tokio::sync::mpsc::channel::<ScanMessage<User>>(8);
        let consumer = tokio::spawn(async move {
            let mut batches: Vec<Vec<User>> = Vec::new();
            while let Some(message) = inbox.recv().await {
                match message {
                    ScanMessage::Batch(users) => batches.push(users),
                    ScanMessage::Item(user) => batches.push(vec![user]),
                    ScanMessage::Complete => return Ok(batches),
                    ScanMessage::Error(e) => return Err(e),
                }
            }
            panic!("the scan ended without Complete");
        });

        // Send items to a GenServer as they're scanned
        let task =
            stream::scan_to_channel::<User>(consumer_pid, opts![segments: 4, batch_size: 50]);

        task.await.unwrap().unwrap();
        let batches = consumer.await.unwrap().unwrap();
        let sizes: Vec<usize> = batches.iter().map(Vec::len).collect();
        assert_eq!(sizes, vec![50, 50, 50, 50, 30]);
        assert_eq!(
            my_app_user::ids(batches.iter().flatten()),
            my_app_user::ids(&seeded)
        );
    })
    .await;
}
