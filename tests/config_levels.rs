//! The configuration levels and their precedence: crate defaults < global
//! (`config::set_global`) < task-scoped (`config::scope`) < the schema's
//! `use` options — and key generation reading them at call time.
//!
//! The global configuration is process-wide, so these tests live in their
//! own test binary and take a lock each; every test leaves the global
//! configuration cleared.

mod support;

use dynamo::config::{self, Config};
use dynamo::prelude::*;
use futures_util::StreamExt as _;

/// Serialises the tests of this binary (they change the global
/// configuration).
static LOCK: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Clears the global configuration when a test ends, even by panicking.
struct ClearGlobal;

impl Drop for ClearGlobal {
    fn drop(&mut self) {
        config::clear_global();
    }
}

dynamo_item! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct Account {
        table_name "accounts";
        field :tenant: String;
        field :id: String;
        field :kind: String;
        field :created: String;
        partition_key [:tenant, :id];
        sort_key [:kind, :created];
    }
}

dynamo_item! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct Pinned {
        use Dynamo.Schema, key_separator: "_", prefix_sort_key: true, partition_key_name: "PK", sort_key_name: "SK";
        table_name "pinned";
        field :tenant: String;
        field :id: String;
        field :kind: String;
        field :created: String;
        partition_key [:tenant, :id];
        sort_key [:kind, :created];
    }
}

fn account() -> Account {
    item!(Account {
        tenant: "t1",
        id: "a",
        kind: "k",
        created: "2024"
    })
}

fn pinned() -> Pinned {
    item!(Pinned {
        tenant: "t1",
        id: "a",
        kind: "k",
        created: "2024"
    })
}

/// `(partition key, sort key, pk attribute, sk attribute)` of an item now.
fn keys<T: Schema>(item: &T) -> (String, String, String, String) {
    let pk = item.primary_key().unwrap();
    let (sk_name, sk) = pk.sort.unwrap();
    (pk.partition, sk, pk.partition_name, sk_name)
}

fn k(a: &str, b: &str, c: &str, d: &str) -> (String, String, String, String) {
    (a.into(), b.into(), c.into(), d.into())
}

#[test]
fn level_1_crate_defaults() {
    let _l = LOCK.blocking_lock();
    let _c = ClearGlobal;
    config::clear_global();
    assert_eq!(config::current(), config::defaults());
    assert_eq!(config::global(), Config::new());
    assert_eq!(config::scoped(), None);
    let d = config::defaults();
    assert_eq!(d.key_separator.as_deref(), Some("#"));
    assert_eq!(d.prefix_sort_key, Some(false));
    assert_eq!(d.partition_key_name.as_deref(), Some("pk"));
    assert_eq!(d.sort_key_name.as_deref(), Some("sk"));
    assert_eq!(d.table_prefix, None);
    assert_eq!(keys(&account()), k("t1#a", "k#2024", "pk", "sk"));
    assert_eq!(Account::schema().effective_table_name(), "accounts");
}

#[test]
fn level_2_global_overrides_defaults() {
    let _l = LOCK.blocking_lock();
    let _c = ClearGlobal;
    config::set_global(
        Config::new()
            .key_separator("|")
            .prefix_sort_key(true)
            .partition_key_name("PK")
            .table_prefix("dev_"),
    );
    assert_eq!(
        keys(&account()),
        k("t1|a", "kind|k|created|2024", "PK", "sk")
    );
    assert_eq!(Account::schema().effective_table_name(), "dev_accounts");
    // Settings the global level leaves unset keep their defaults.
    let c = config::current();
    assert_eq!(c.sort_key_name.as_deref(), Some("sk"));
    assert_eq!(c.key_separator.as_deref(), Some("|"));
    assert_eq!(config::global().sort_key_name, None);
    // Clearing returns to the defaults.
    config::clear_global();
    assert_eq!(keys(&account()), k("t1#a", "k#2024", "pk", "sk"));
}

#[tokio::test]
async fn level_3_scope_overrides_global() {
    let _l = LOCK.lock().await;
    let _c = ClearGlobal;
    config::set_global(Config::new().key_separator("|").prefix_sort_key(true));
    let inside = config::scope(
        Config::new().key_separator("-").sort_key_name("SK"),
        async {
            assert_eq!(
                config::scoped().unwrap().key_separator.as_deref(),
                Some("-")
            );
            keys(&account())
        },
    )
    .await;
    // The scope's separator and sort-key name; prefix_sort_key still from global.
    assert_eq!(inside, k("t1-a", "kind-k-created-2024", "pk", "SK"));
    // Outside the scope: global again.
    assert_eq!(
        keys(&account()),
        k("t1|a", "kind|k|created|2024", "pk", "sk")
    );
    assert_eq!(config::scoped(), None);
}

#[tokio::test]
async fn level_4_schema_use_options_override_everything() {
    let _l = LOCK.lock().await;
    let _c = ClearGlobal;
    assert_eq!(
        keys(&pinned()),
        k("t1_a", "kind_k_created_2024", "PK", "SK")
    );
    config::set_global(
        Config::new()
            .key_separator("|")
            .prefix_sort_key(false)
            .partition_key_name("gpk")
            .sort_key_name("gsk"),
    );
    let scoped = config::scope(
        Config::new()
            .key_separator("-")
            .prefix_sort_key(false)
            .partition_key_name("spk")
            .sort_key_name("ssk"),
        async { (keys(&pinned()), keys(&account())) },
    )
    .await;
    assert_eq!(scoped.0, k("t1_a", "kind_k_created_2024", "PK", "SK"));
    assert_eq!(scoped.1, k("t1-a", "k-2024", "spk", "ssk"));
    assert_eq!(
        keys(&pinned()),
        k("t1_a", "kind_k_created_2024", "PK", "SK")
    );
    // The table prefix is not a schema option: it still applies.
    config::set_global(Config::new().table_prefix("g_"));
    assert_eq!(Pinned::schema().effective_table_name(), "g_pinned");
}

#[test]
fn key_generation_reads_the_configuration_at_call_time() {
    let _l = LOCK.blocking_lock();
    let _c = ClearGlobal;
    let a = account();
    assert_eq!(a.partition_key().unwrap(), "t1#a");
    config::set_global(Config::new().key_separator("|"));
    assert_eq!(a.partition_key().unwrap(), "t1|a");
    config::set_global(Config::new().key_separator("::"));
    assert_eq!(a.partition_key().unwrap(), "t1::a");
    assert_eq!(a.sort_key().as_deref(), Some("k::2024"));
    config::clear_global();
    assert_eq!(a.partition_key().unwrap(), "t1#a");
}

#[tokio::test]
async fn nested_scopes_merge_setting_by_setting() {
    let _l = LOCK.lock().await;
    let _c = ClearGlobal;
    config::set_global(Config::new().partition_key_name("G"));
    let (outer, inner, after) = config::scope(
        Config::new().key_separator("|").prefix_sort_key(true),
        async {
            let outer = keys(&account());
            let inner =
                config::scope(Config::new().key_separator("-"), async { keys(&account()) }).await;
            (outer, inner, keys(&account()))
        },
    )
    .await;
    assert_eq!(outer, k("t1|a", "kind|k|created|2024", "G", "sk"));
    // Inner separator; prefix_sort_key from the outer scope; pk name global.
    assert_eq!(inner, k("t1-a", "kind-k-created-2024", "G", "sk"));
    assert_eq!(after, outer);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_tasks_with_different_scoped_separators() {
    let _l = LOCK.lock().await;
    let _c = ClearGlobal;
    config::set_global(Config::new().key_separator("~"));
    let task = |sep: &'static str| {
        tokio::spawn(config::scope(
            Config::new().key_separator(sep),
            async move {
                let mut seen = Vec::new();
                for i in 0..200 {
                    let a = item!(Account {
                        tenant: "t",
                        id: format!("{i}"),
                        kind: "k",
                        created: "c"
                    });
                    let pk = a.partition_key().unwrap();
                    assert_eq!(pk, format!("t{sep}{i}"), "task with {sep:?}");
                    seen.push(pk);
                    // Let the other task run on this thread in between.
                    tokio::task::yield_now().await;
                }
                seen
            },
        ))
    };
    let (pipes, dashes) = tokio::join!(task("|"), task("-"));
    let (pipes, dashes) = (pipes.unwrap(), dashes.unwrap());
    assert_eq!(pipes[7], "t|7");
    assert_eq!(dashes[7], "t-7");
    assert!(pipes.iter().all(|p| !p.contains('-') && !p.contains('~')));
    assert!(dashes.iter().all(|p| !p.contains('|') && !p.contains('~')));
    // Neither scope leaked into this task.
    assert_eq!(account().partition_key().unwrap(), "t1~a");
}

dynamo_item! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct Reading {
        table_name "readings";
        field :sensor: String, partition_key;
        field :seq: i64, sort_key;
        field :value: f64;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scoped_configuration_reaches_operations_that_spawn_tasks() {
    let _l = LOCK.lock().await;
    let _c = ClearGlobal;
    support::endpoint();
    // A global prefix that names no table: the scoped one must win,
    // including in the segment tasks parallel_scan spawns.
    config::set_global(Config::new().table_prefix("nowhere_"));
    let prefix = support::unique_prefix();
    let scoped = Config::new()
        .table_prefix(prefix.clone())
        .key_separator("|");
    config::scope(scoped, async {
        Reading::create_table().await.unwrap();
        let items: Vec<Reading> = (0..60)
            .map(|i| {
                item!(Reading {
                    sensor: format!("s{}", i % 3),
                    seq: i,
                    value: i as f64 / 2.0
                })
            })
            .collect();
        let out = dynamo::table::batch_write_item(items).await.unwrap();
        assert!(out.unprocessed_items.is_empty());

        let all: Vec<Reading> = dynamo::table::parallel_scan(opts![segments: 4, page_size: 7])
            .await
            .unwrap();
        assert_eq!(all.len(), 60);

        let streamed: Vec<Reading> =
            dynamo::table::stream::parallel_scan::<Reading>(opts![segments: 3])
                .map(|r| r.unwrap())
                .collect()
                .await;
        assert_eq!(streamed.len(), 60);

        let got = Reading::get_item(item!(%Reading{sensor: "s1", seq: 4}))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(got.value, 2.0);

        let names = support::client()
            .list_tables(Some(&prefix), None, None)
            .await
            .unwrap()
            .table_names;
        assert_eq!(names, [format!("{prefix}readings")]);
        Reading::delete_table().await.unwrap();
    })
    .await;
}

dynamo_item! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct Member {
        table_name "members";
        field :tenant: String;
        field :id: String;
        field :kind: String;
        field :note: String;
        partition_key [:tenant, :id];
        global_secondary_index "ByKind", partition_key: :kind, projection: :keys_only;
    }
}

/// Items read from a `keys_only` index lack their key fields; they are
/// recovered from the key attribute, which needs the separator and the key
/// attribute's name in effect. Operations that spawn tasks, and streams
/// polled outside the scope they were made in, resolve those settings once,
/// where they start, and carry them: the fields come back right.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_are_carried_into_spawned_tasks_and_streams() {
    let _l = LOCK.lock().await;
    let _c = ClearGlobal;
    support::isolated(async {
        let scoped = Config::new().key_separator("|").partition_key_name("PK");
        let expected = |m: &Member| (m.tenant.clone(), m.id.clone());
        let (lazy, tx_rx) = config::scope(scoped, async {
            Member::create_table().await.unwrap();
            let items: Vec<Member> = (0..30)
                .map(|i| {
                    item!(Member {
                        tenant: format!("t{}", i % 3),
                        id: format!("m{i}"),
                        kind: "staff",
                        note: "x"
                    })
                })
                .collect();
            let out = dynamo::table::batch_write_item(items).await.unwrap();
            assert!(out.is_complete());
            let check = |got: Vec<Member>| {
                assert_eq!(got.len(), 30);
                for m in &got {
                    assert!(m.tenant.starts_with('t') && m.id.starts_with('m'), "{m:?}");
                    assert!(m.note.is_empty(), "keys only: {m:?}");
                }
            };
            // parallel_scan: segment tasks.
            check(
                dynamo::table::parallel_scan(opts![index_name: "ByKind", segments: 4])
                    .await
                    .unwrap(),
            );
            // stream::parallel_scan: segment tasks feeding the stream.
            check(
                dynamo::table::stream::parallel_scan::<Member>(
                    opts![index_name: "ByKind", segments: 3],
                )
                .map(|r| r.unwrap())
                .collect()
                .await,
            );
            // scan_to_channel: a task of its own.
            let (tx, rx) = tokio::sync::mpsc::channel(64);
            let task = dynamo::table::stream::scan_to_channel::<Member>(
                tx,
                opts![index_name: "ByKind", segments: 2, batch_size: 7],
            );
            // A lazy stream made here, polled after the scope ended.
            let lazy =
                dynamo::table::stream::scan::<Member>(opts![index_name: "ByKind", page_size: 4]);
            (lazy, (task, rx))
        })
        .await;
        let (task, mut rx) = tx_rx;
        let mut from_channel = Vec::new();
        while let Some(msg) = rx.recv().await {
            match msg {
                dynamo::table::stream::ScanMessage::Batch(b) => from_channel.extend(b),
                dynamo::table::stream::ScanMessage::Item(i) => from_channel.push(i),
                dynamo::table::stream::ScanMessage::Complete => break,
                other => panic!("{other:?}"),
            }
        }
        task.await.unwrap().unwrap();
        let polled_outside: Vec<Member> = lazy.map(|r| r.unwrap()).collect().await;
        for got in [from_channel, polled_outside] {
            assert_eq!(got.len(), 30);
            let mut keys: Vec<_> = got.iter().map(expected).collect();
            keys.sort();
            assert!(
                keys.iter()
                    .all(|(t, i)| t.starts_with('t') && i.starts_with('m')),
                "{keys:?}"
            );
        }
    })
    .await;
}
