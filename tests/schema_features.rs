//! The schema features of API.md §14 on the local engine: optimistic
//! locking (`version`), `timestamps`, time to live (`ttl`), native
//! multi-attribute GSI keys, and local secondary indexes.

mod support;

use dynamo::prelude::*;
use dynamo::transaction::{self, Tx};
use futures_util::TryStreamExt;
use support::isolated;

dynamo_item! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct Doc {
        table_name "docs";
        field :id, partition_key;
        field :body: String;
        field :version: u64, version;
    }
}

async fn doc_v1() -> Doc {
    Doc::create_table().await.unwrap();
    let d = Doc::put_item(item!(%Doc{id: "d1", body: "first"}))
        .await
        .unwrap();
    assert_eq!(d.version, 1);
    d
}

#[tokio::test]
async fn a_stale_put_update_or_delete_is_a_version_conflict() {
    isolated(async {
        let current = doc_v1().await;
        let stale = item!(%Doc{id: "d1", body: "stale", version: 0u64});

        // put: the stale struct (version 0 = "no item yet") conflicts.
        let e = Doc::put_item(stale.clone()).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::VersionConflict, "{e}");
        assert!(e.message().contains("`docs`"), "{}", e.message());
        assert!(e.message().contains("\"d1\""), "{}", e.message());
        assert!(
            e.message().contains("expected version 0"),
            "{}",
            e.message()
        );

        // update: a key at version 0 conflicts, the current one succeeds and
        // returns the new item at version 2.
        let e = Doc::update_item(&stale, updates!(%{body: "x"}))
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::VersionConflict);
        let updated = Doc::update_item(&current, updates!(%{body: "second"}))
            .await
            .unwrap();
        assert_eq!((updated.version, updated.body.as_str()), (2, "second"));

        // put with the now stale version 1 conflicts; with 2 it succeeds.
        let e = Doc::put_item(current.clone()).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::VersionConflict);
        assert!(
            e.message().contains("expected version 1"),
            "{}",
            e.message()
        );
        let third = Doc::put_item(Doc {
            body: "third".into(),
            ..updated.clone()
        })
        .await
        .unwrap();
        assert_eq!(third.version, 3);

        // delete: stale conflicts, current deletes.
        let e = Doc::delete_item(&updated).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::VersionConflict);
        let gone = Doc::delete_item(&third).await.unwrap().unwrap();
        assert_eq!(gone.body, "third");
        assert!(
            Doc::get_item(item!(%Doc{id: "d1"}))
                .await
                .unwrap()
                .is_none()
        );
    })
    .await;
}

dynamo_item! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct SmallDoc {
        table_name "small_docs";
        field :id, partition_key;
        field :body: String;
        field :version: i32, version;
    }
}

dynamo_item! {
    /// The same items with the version as a plain field: writes one at any
    /// version.
    #[derive(Debug, Clone, PartialEq)]
    pub struct SmallDocRaw {
        use Dynamo.Schema, type_name: "SmallDoc";
        table_name "small_docs";
        field :id, partition_key;
        field :body: String;
        field :version: i32;
    }
}

/// A version at the largest its type holds cannot be counted up: put and
/// update both refuse before sending. (An update once stored 2^31 in an
/// `i32` version and then failed to read its own answer: written, and
/// unreadable from then on.)
#[tokio::test]
async fn a_version_at_its_types_limit_is_refused() {
    isolated(async {
        SmallDoc::create_table().await.unwrap();
        SmallDocRaw::put_item(item!(%SmallDocRaw{id: "d1", body: "a", version: i32::MAX}))
            .await
            .unwrap();
        let d = SmallDoc::get_item(&item!(%SmallDoc{id: "d1"}))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(d.version, i32::MAX);
        let e = SmallDoc::update_item(&d, updates! { body: "c" })
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ValidationError, "{e}");
        assert!(
            e.message().contains("the largest its type holds"),
            "{}",
            e.message()
        );
        assert_eq!(e.field(), Some("version"));
        let e = SmallDoc::put_item(d.clone()).await.unwrap_err();
        assert!(
            e.message().contains("the largest its type holds"),
            "{}",
            e.message()
        );
        // Nothing was written: the item still reads back as it was.
        let back = SmallDoc::get_item(&d).await.unwrap().unwrap();
        assert_eq!((back.version, back.body.as_str()), (i32::MAX, "a"));
    })
    .await;
}

#[tokio::test]
async fn a_users_condition_combines_with_the_version() {
    isolated(async {
        let current = doc_v1().await;
        // The version holds, the user's condition does not: the user's error.
        let e = dynamo::table::put_item(
            current.clone(),
            opts![condition_expression: "body = :b", expression_attribute_values: %{":b" => "nope"}],
        )
        .await
        .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ConditionalCheckFailed, "{e}");
        // The user's condition holds, the version does not: a conflict,
        // naming the stored version.
        let stale = Doc {
            version: 7,
            ..current.clone()
        };
        let e = dynamo::table::put_item(
            stale,
            opts![condition_expression: "body = :b", expression_attribute_values: %{":b" => "first"}],
        )
        .await
        .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::VersionConflict, "{e}");
        assert!(e.message().contains("at version 1"), "{}", e.message());
        // Both hold.
        let ok = dynamo::table::put_item(
            current,
            opts![condition_expression: "body = :b", expression_attribute_values: %{":b" => "first"}],
        )
        .await
        .unwrap();
        assert_eq!(ok.version, 2);
    })
    .await;
}

#[tokio::test]
async fn transactions_carry_the_version_and_batches_refuse_it() {
    isolated(async {
        let current = doc_v1().await;
        let stale = item!(%Doc{id: "d1", body: "stale", version: 0u64});
        // A stale version is a VersionConflict, as in a single write; the
        // cancellation reasons are kept.
        let e = transaction::transact(tx![{:put, stale.clone()}])
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::VersionConflict, "{e}");
        assert_eq!(e.service_code(), Some("TransactionCanceledException"));
        assert_eq!(e.cancellation_reasons()[0].code, "ConditionalCheckFailed");
        assert!(
            e.message().contains("action 0 (put) on d1 in `docs`")
                && e.message().contains("expected version 0"),
            "{}",
            e.message()
        );
        let e = transaction::transact(vec![Tx::delete(&stale)])
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::VersionConflict, "{e}");
        let at_2 = item!(%Doc{id: "d1", version: 2u64});
        let e = transaction::transact(vec![Tx::update(&at_2, updates!(%{body: "x"}))])
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::VersionConflict, "{e}");
        assert!(
            e.message().contains("action 0 (update)"),
            "{}",
            e.message()
        );

        // With a condition of the user's beside the version, the stored
        // item tells which failed: the version (conflict) ...
        let other = item!(%Doc{id: "other", body: "o"});
        let e = transaction::transact(vec![
            Tx::put(other.clone()),
            Tx::update(&at_2, updates!(%{body: "x"})).condition("body = :b", values! {":b" => "first"}),
        ])
        .await
        .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::VersionConflict, "{e}");
        assert!(
            e.message()
                .contains("action 1 (update) on d1 in `docs` expected version 2 (`version`), but the stored item is at version 1"),
            "{}",
            e.message()
        );
        assert!(e.cancellation_reasons()[0].is_none());
        // ... or the user's own condition (cancelled, not a conflict), also
        // when it comes from a Tx::check merged into the write.
        let e = transaction::transact(vec![
            Tx::update(&current, updates!(%{body: "x"})).condition("body = :b", values! {":b" => "nope"}),
        ])
        .await
        .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::TransactionCanceled, "{e}");
        let e = transaction::transact(vec![
            Tx::check(&current, "body = :b", values! {":b" => "nope"}),
            Tx::put(Doc { body: "y".into(), ..current.clone() }),
        ])
        .await
        .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::TransactionCanceled, "{e}");
        assert_eq!(e.cancellation_reasons()[0].code, "ConditionalCheckFailed");
        // A merged check on a stale write: the version's failure is named.
        let e = transaction::transact(vec![
            Tx::check(&stale, "body = :b", values! {":b" => "first"}),
            Tx::delete(&stale),
        ])
        .await
        .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::VersionConflict, "{e}");
        assert!(
            e.message().contains("action 1 (delete)")
                && e.message().contains("but the stored item is at version 1"),
            "{}",
            e.message()
        );
        assert_eq!(Doc::get_item(&current).await.unwrap().unwrap(), current);

        transaction::transact(vec![Tx::update(&current, updates!(%{body: "tx"}))])
            .await
            .unwrap();
        let now = Doc::get_item(&current).await.unwrap().unwrap();
        assert_eq!((now.version, now.body.as_str()), (2, "tx"));
        transaction::transact(tx![{:put, Doc { body: "tx2".into(), ..now.clone() }}])
            .await
            .unwrap();
        assert_eq!(Doc::get_item(&now).await.unwrap().unwrap().version, 3);

        // Batch writes cannot carry conditions: refused before sending.
        let e = dynamo::table::batch_write_item(vec![now.clone()])
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ValidationError);
        assert!(e.message().contains("use put_item"), "{}", e.message());
        let e = dynamo::table::batch_delete_item(vec![now])
            .await
            .unwrap_err();
        assert!(e.message().contains("use delete_item"), "{}", e.message());
    })
    .await;
}

#[test]
fn updates_may_not_touch_the_version() {
    let plan_error = futures_util::FutureExt::now_or_never(Doc::update_item(
        item!(%Doc{id: "d"}),
        updates!(%{version: 9}),
    ));
    // Refused while planning, before any await: the future is ready at once.
    let e = plan_error.expect("refused before sending").unwrap_err();
    assert!(e.message().contains("counts up"), "{}", e.message());
}

dynamo_item! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct Post {
        table_name "posts";
        field :id, partition_key;
        field :title: String;
        timestamps;
    }
}

dynamo_item! {
    #[derive(Debug, Clone, PartialEq)]
    defmodule MyApp.Note do
      use Dynamo.Schema, inserted_at: "created", updated_at: "modified";
      item do
        table_name "notes";
        field :id, partition_key: true;
        timestamps;
      end
    end
}

fn is_rfc3339_millis(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 24
        && s.ends_with('Z')
        && b[10] == b'T'
        && b[19] == b'.'
        && s[..4].parse::<u32>().is_ok_and(|y| y >= 2024)
}

#[tokio::test]
async fn timestamps_are_set_by_the_crate() {
    isolated(async {
        Post::create_table().await.unwrap();
        let p = Post::put_item(item!(%Post{id: "p1", title: "hello"}))
            .await
            .unwrap();
        assert!(is_rfc3339_millis(&p.inserted_at), "{}", p.inserted_at);
        assert_eq!(p.inserted_at, p.updated_at);
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;

        // An update keeps inserted_at and moves updated_at.
        let u = Post::update_item(item!(%Post{id: "p1"}), updates!(%{title: "hi"}))
            .await
            .unwrap();
        assert_eq!(u.inserted_at, p.inserted_at);
        assert!(
            u.updated_at > p.updated_at,
            "{} {}",
            u.updated_at,
            p.updated_at
        );

        // A put keeps the struct's own inserted_at.
        let again = Post::put_item(u.clone()).await.unwrap();
        assert_eq!(again.inserted_at, p.inserted_at);
        assert!(again.updated_at >= u.updated_at);
        let read = Post::get_item(item!(%Post{id: "p1"}))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(read, again);

        // An upsert sets inserted_at for a new item.
        let new = Post::update_item(item!(%Post{id: "p2"}), updates!(%{title: "new"}))
            .await
            .unwrap();
        assert!(is_rfc3339_millis(&new.inserted_at));
        assert_eq!(new.inserted_at, new.updated_at);

        // The crate's attributes are not the user's to change.
        let e = Post::update_item(item!(%Post{id: "p1"}), updates!(%{inserted_at: "x"}))
            .await
            .unwrap_err();
        assert!(e.message().contains("timestamp"), "{}", e.message());

        // Batch writes set them too.
        dynamo::table::batch_write_item(vec![item!(%Post{id: "p3", title: "b"})])
            .await
            .unwrap();
        let b = Post::get_item(item!(%Post{id: "p3"}))
            .await
            .unwrap()
            .unwrap();
        assert!(is_rfc3339_millis(&b.updated_at));
    })
    .await;
}

dynamo_item! {
    /// Writes `posts` items as an older writer did: no timestamps.
    #[derive(Debug, Clone, PartialEq)]
    pub struct PlainPost {
        use Dynamo.Schema, type_name: "Post";
        table_name "posts";
        field :id, partition_key;
        field :title: String;
    }
}

dynamo_item! {
    /// Writes `posts` items whose `inserted_at` is another writer's number.
    #[derive(Debug, Clone, PartialEq)]
    pub struct EpochPost {
        use Dynamo.Schema, type_name: "Post";
        table_name "posts";
        field :id, partition_key;
        field :title: String;
        field :inserted_at: i64;
    }
}

/// `inserted_at` is written once: a put of a struct built afresh over a
/// stored item keeps the stored item's (it got a new one).
#[tokio::test]
async fn a_put_built_afresh_keeps_the_stored_inserted_at() {
    isolated(async {
        Post::create_table().await.unwrap();
        let first = Post::put_item(item!(%Post{id: "k1", title: "a"}))
            .await
            .unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        let second = Post::put_item(item!(%Post{id: "k1", title: "b"}))
            .await
            .unwrap();
        assert_eq!(second.inserted_at, first.inserted_at);
        assert!(second.updated_at > first.updated_at);
        let read = Post::get_item(item!(%Post{id: "k1"})).await.unwrap().unwrap();
        assert_eq!(read, second);
        assert_eq!(read.title, "b");

        // A stored item without one (an older writer's) gets one.
        PlainPost::put_item(item!(%PlainPost{id: "k2", title: "old"}))
            .await
            .unwrap();
        let p = Post::put_item(item!(%Post{id: "k2", title: "new"}))
            .await
            .unwrap();
        assert!(is_rfc3339_millis(&p.inserted_at), "{}", p.inserted_at);
        let read = Post::get_item(item!(%Post{id: "k2"})).await.unwrap().unwrap();
        assert_eq!(read, p);

        // A stored inserted_at that is not a string (another writer's
        // epoch millis) is replaced; the put was refused as a failed
        // condition.
        EpochPost::put_item(item!(%EpochPost{id: "k3", title: "old", inserted_at: 1_700_000_000_000i64}))
            .await
            .unwrap();
        let p = Post::put_item(item!(%Post{id: "k3", title: "new"}))
            .await
            .unwrap();
        assert!(is_rfc3339_millis(&p.inserted_at), "{}", p.inserted_at);
        let read = Post::get_item(item!(%Post{id: "k3"})).await.unwrap().unwrap();
        assert_eq!(read, p);

        // The user's condition still decides: false on the stored item,
        // the put fails as ConditionalCheckFailed (once, no loop) and
        // nothing changes.
        let e = dynamo::table::put_item(
            item!(%Post{id: "k1", title: "c"}),
            opts![condition_expression: "title = :t", expression_attribute_values: %{":t" => "zzz"}],
        )
        .await
        .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ConditionalCheckFailed, "{e}");
        let read = Post::get_item(item!(%Post{id: "k1"})).await.unwrap().unwrap();
        assert_eq!(read, second);
        // And true: written, inserted_at kept.
        let kept = dynamo::table::put_item(
            item!(%Post{id: "k1", title: "d"}),
            opts![condition_expression: "title = :t", expression_attribute_values: %{":t" => "b"}],
        )
        .await
        .unwrap();
        assert_eq!(kept.inserted_at, first.inserted_at);
        assert_eq!(kept.title, "d");
    })
    .await;
}

#[tokio::test]
async fn timestamp_attributes_can_be_renamed() {
    isolated(async {
        Note::create_table().await.unwrap();
        let n = Note::put_item(item!(%Note{id: "n1"})).await.unwrap();
        assert!(is_rfc3339_millis(&n.inserted_at));
        let raw = support::client().scan_table("notes", 10).await.unwrap();
        assert!(raw[0].contains_key("created"), "{raw:?}");
        assert!(raw[0].contains_key("modified"), "{raw:?}");
        assert!(!raw[0].contains_key("inserted_at"), "{raw:?}");
        let u = Note::update_item(item!(%Note{id: "n1"}), updates!(%{}))
            .await
            .unwrap_err();
        // An empty update is refused: nothing for the user to change.
        assert_eq!(u.kind(), ErrorKind::ValidationError);
    })
    .await;
}

dynamo_item! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct Session {
        table_name "sessions";
        field :user_id, partition_key;
        field :session_id: String, sort_key;
        field :expires_at: Option<i64>, ttl;
    }
}

fn epoch_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

#[tokio::test]
async fn create_table_if_missing_refuses_time_to_live_on_another_attribute() {
    isolated(async {
        let client = support::client();
        let mut spec = dynamo::table::spec_for::<Session>();
        spec.ttl_attribute = None;
        client.create_table_from_spec(&spec).await.unwrap();
        // No time to live yet: turned on for the schema's field.
        Session::create_table_if_missing().await.unwrap();
        let ttl = client.describe_ttl("sessions").await.unwrap();
        assert_eq!(ttl.attribute.as_deref(), Some("expires_at"));
        // Idempotent while it is on for that field.
        Session::create_table_if_missing().await.unwrap();

        client.delete_table::<Session>().await.unwrap();
        client.create_table_from_spec(&spec).await.unwrap();
        client.enable_ttl("sessions", "purge_after").await.unwrap();
        let e = Session::create_table_if_missing().await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ValidationError, "{e}");
        let msg = e.to_string();
        assert!(msg.contains("`purge_after`"), "{msg}");
        assert!(msg.contains("`expires_at`"), "{msg}");
        let ttl = client.describe_ttl("sessions").await.unwrap();
        assert_eq!(
            ttl.attribute.as_deref(),
            Some("purge_after"),
            "left as it was"
        );
    })
    .await;
}

#[tokio::test]
async fn expired_items_are_hidden_unless_asked_for() {
    isolated(async {
        let info = Session::create_table().await.unwrap();
        assert_eq!(info.name, "sessions");
        let ttl = support::client().describe_ttl("sessions").await.unwrap();
        assert_eq!(ttl.attribute.as_deref(), Some("expires_at"));
        assert!(
            matches!(ttl.status.as_str(), "ENABLED" | "ENABLING"),
            "{ttl:?}"
        );

        let now = epoch_now();
        for (sid, exp) in [
            ("old", Some(now - 100)),
            ("live", Some(now + 3600)),
            ("forever", None),
            // More than five years in the past (an integer field never
            // set): DynamoDB never deletes such an item, so it is shown.
            ("zero", Some(0)),
        ] {
            Session::put_item(item!(%Session{user_id: "u1", session_id: sid, expires_at: exp}))
                .await
                .unwrap();
        }
        let old = item!(%Session{user_id: "u1", session_id: "old"});
        // get
        assert!(Session::get_item(&old).await.unwrap().is_none());
        let zero = item!(%Session{user_id: "u1", session_id: "zero"});
        assert!(Session::get_item(&zero).await.unwrap().is_some());
        let shown = dynamo::table::get_item(&old, opts![include_expired: true])
            .await
            .unwrap();
        assert!(shown.is_some());
        let projected = dynamo::table::get_item(&old, opts![projection_expression: "session_id"])
            .await
            .unwrap();
        assert!(
            projected.is_none(),
            "an expired item stays hidden with a projection"
        );
        // query, count, stream
        let key = item!(%Session{user_id: "u1"});
        let ids = |v: Vec<Session>| {
            let mut ids: Vec<String> = v.into_iter().map(|s| s.session_id).collect();
            ids.sort();
            ids
        };
        assert_eq!(
            ids(Session::list_items(&key, opts![]).await.unwrap()),
            ["forever", "live", "zero"]
        );
        assert_eq!(
            ids(Session::list_items(&key, opts![include_expired: true])
                .await
                .unwrap()),
            ["forever", "live", "old", "zero"]
        );
        assert_eq!(Session::count_items(&key, opts![]).await.unwrap(), 3);
        let streamed: Vec<Session> = Session::stream_items(&key, opts![page_size: 1])
            .try_collect()
            .await
            .unwrap();
        assert_eq!(ids(streamed), ["forever", "live", "zero"]);
        // scan, parallel scan, batch get
        assert_eq!(
            ids(dynamo::table::scan::<Session>(opts![]).await.unwrap().items),
            ["forever", "live", "zero"]
        );
        assert_eq!(
            ids(dynamo::table::scan::<Session>(opts![include_expired: true])
                .await
                .unwrap()
                .items),
            ["forever", "live", "old", "zero"]
        );
        assert_eq!(
            ids(dynamo::table::parallel_scan::<Session>(opts![segments: 2])
                .await
                .unwrap()),
            ["forever", "live", "zero"]
        );
        let keys = vec![
            old.clone(),
            item!(%Session{user_id: "u1", session_id: "live"}),
        ];
        let got = dynamo::table::batch_get_item(&keys, opts![]).await.unwrap();
        assert_eq!(ids(got.items), ["live"]);
        let got = dynamo::table::batch_get_item(&keys, opts![include_expired: true])
            .await
            .unwrap();
        assert_eq!(got.items.len(), 2);
        // The option is refused where it means nothing.
        let e = dynamo::table::put_item(old, opts![include_expired: true])
            .await
            .unwrap_err();
        assert!(e.message().contains("include_expired"), "{}", e.message());
    })
    .await;
}

dynamo_item! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct Event {
        table_name "events";
        field :id, partition_key;
        field :tenant_id: String;
        field :region: String;
        field :day: String;
        // An `Option`: a key struct leaves it out of a query (a plain `u32`
        // would always be set, to 0).
        field :seq: Option<u32>;
        field :kind;
        global_secondary_index "ByRegion", partition_key: [:tenant_id, :region], sort_key: [:day, :seq];
        global_secondary_index "ByKind", partition_key: :kind;
    }
}

async fn events() {
    let info = Event::create_table().await.unwrap();
    let by_region = info.indexes.iter().find(|i| i.name == "ByRegion").unwrap();
    assert_eq!(by_region.partition_key, ["tenant_id", "region"]);
    assert_eq!(by_region.sort_key, ["day", "seq"]);
    assert_eq!(info.attribute_types["seq"], "N");
    let rows = [
        ("e1", "t1", "eu", "2025-11-01", 10),
        ("e2", "t1", "eu", "2025-11-01", 2),
        ("e3", "t1", "eu", "2025-11-01", 1),
        ("e4", "t1", "eu", "2025-11-02", 1),
        ("e5", "t1", "us", "2025-11-01", 5),
        ("e6", "t2", "eu", "2025-11-01", 7),
    ];
    for (id, tenant_id, region, day, seq) in rows {
        Event::put_item(item!(%Event{id, tenant_id, region, day, seq: seq as u32}))
            .await
            .unwrap();
    }
}

fn seqs(v: &[Event]) -> Vec<(String, u32)> {
    v.iter().map(|e| (e.day.clone(), e.seq.unwrap())).collect()
}

#[tokio::test]
async fn multi_attribute_gsi_keys_are_native_and_ordered() {
    isolated(async {
        events().await;
        // Each attribute stays its own, natively typed: nothing concatenated.
        let raw = support::client().scan_table("events", 10).await.unwrap();
        assert!(raw.iter().all(|m| m["seq"].as_number().is_some()));

        let key = item!(%Event{tenant_id: "t1", region: "eu"});
        let all = Event::list_items(&key, opts![index_name: "ByRegion"])
            .await
            .unwrap();
        // Numeric sort key attributes order numerically: 2 before 10.
        assert_eq!(
            seqs(&all),
            [
                ("2025-11-01".to_owned(), 1),
                ("2025-11-01".to_owned(), 2),
                ("2025-11-01".to_owned(), 10),
                ("2025-11-02".to_owned(), 1)
            ]
        );
        // The sort fields left to right: `day` set → that day only.
        let day = item!(%Event{tenant_id: "t1", region: "eu", day: "2025-11-01"});
        let on_day = Event::list_items(&day, opts![index_name: "ByRegion"])
            .await
            .unwrap();
        assert_eq!(on_day.len(), 3);
        // `sk_operator` applies to the last one set.
        let after = item!(%Event{tenant_id: "t1", region: "eu", day: "2025-11-01", seq: 1u32});
        let later = Event::list_items(&after, opts![index_name: "ByRegion", sk_operator: :gt])
            .await
            .unwrap();
        assert_eq!(
            seqs(&later).iter().map(|s| s.1).collect::<Vec<_>>(),
            [2, 10]
        );
        let between = Event::list_items(
            &after,
            opts![index_name: "ByRegion", sk_operator: :between, sk_end: 5],
        )
        .await
        .unwrap();
        assert_eq!(
            between.iter().map(|e| e.seq.unwrap()).collect::<Vec<_>>(),
            [1, 2]
        );
        let from_day = Event::list_items(
            &day,
            opts![index_name: "ByRegion", sk_operator: :gte, scan_index_forward: false],
        )
        .await
        .unwrap();
        assert_eq!(from_day.len(), 4);
        assert_eq!(from_day[0].day, "2025-11-02");
        // The other tenant's and region's items are apart.
        let us = item!(%Event{tenant_id: "t1", region: "us"});
        assert_eq!(
            Event::count_items(&us, opts![index_name: "ByRegion"])
                .await
                .unwrap(),
            1
        );
    })
    .await;
}

#[tokio::test]
async fn multi_attribute_gsi_mistakes_are_refused_before_sending() {
    let q = |key: Event, o: Opts| {
        futures_util::FutureExt::now_or_never(Event::list_items(key, o))
            .expect("refused before sending")
            .unwrap_err()
    };
    let e = q(
        item!(%Event{tenant_id: "t1"}),
        opts![index_name: "ByRegion"],
    );
    assert_eq!(e.field(), Some("region"), "{e}");
    assert!(
        e.message().contains("requires field 'region'"),
        "{}",
        e.message()
    );
    let e = q(
        item!(%Event{tenant_id: "t1", region: "eu", seq: 3u32}),
        opts![index_name: "ByRegion"],
    );
    assert!(e.message().contains("left to right"), "{}", e.message());
    assert_eq!(e.field(), Some("day"));
    // A plain number set after an unset field: the message says how to
    // leave it out.
    let e = futures_util::FutureExt::now_or_never(Plain::list_items(
        item!(%Plain{tenant_id: "t1", region: "eu", seq: 5u32}),
        opts![index_name: "ByRegion"],
    ))
    .expect("refused before sending")
    .unwrap_err();
    assert!(e.message().contains("`Option<u32>`"), "{}", e.message());
    let e = q(
        item!(%Event{tenant_id: "t1", region: "eu"}),
        opts![index_name: "ByRegion", sk_operator: :gt],
    );
    assert!(
        e.message().contains("requires field 'day'"),
        "{}",
        e.message()
    );
    let e = q(
        item!(%Event{tenant_id: "t1", region: "eu"}),
        opts![index_name: "ByRegion", consistent_read: true],
    );
    assert!(e.message().contains("Consistent reads"), "{}", e.message());
    let e = q(
        item!(%Event{kind: "k"}),
        opts![index_name: "ByKind", sk_operator: :gt],
    );
    assert!(
        e.message().contains("does not have a sort key"),
        "{}",
        e.message()
    );
}

dynamo_item! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct Plain {
        table_name "events";
        field :id, partition_key;
        field :tenant_id: String;
        field :region: String;
        field :day: String;
        field :seq: u32;
        global_secondary_index "ByRegion", partition_key: [:tenant_id, :region], sort_key: [:day, :seq];
    }
}

dynamo_item! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct Order {
        table_name "orders";
        field :customer_id, partition_key;
        field :order_id, sort_key;
        field :status: String;
        field :total: i64;
        local_secondary_index "ByStatus", sort_key: :status;
        local_secondary_index "ByTotal", sort_key: :total, projection: :keys_only;
    }
}

#[tokio::test]
async fn local_secondary_indexes_are_created_and_queried() {
    isolated(async {
        let info = Order::create_table().await.unwrap();
        let local: Vec<&str> = info
            .indexes
            .iter()
            .filter(|i| i.local)
            .map(|i| i.name.as_str())
            .collect();
        assert_eq!(local.len(), 2, "{:?}", info.indexes);
        // The idempotent form finds the table as the schema describes it,
        // local indexes included.
        Order::create_table_if_missing().await.unwrap();
        for (order_id, status, total) in [
            ("o1", "SHIPPED", 30),
            ("o2", "PENDING", 5),
            ("o3", "PENDING", 12),
        ] {
            Order::put_item(
                item!(%Order{customer_id: "c1", order_id, status, total: total as i64}),
            )
            .await
            .unwrap();
        }
        Order::put_item(
            item!(%Order{customer_id: "c2", order_id: "o9", status: "PENDING", total: 1i64}),
        )
        .await
        .unwrap();
        // Strongly consistent reads are allowed on a local index.
        let pending = Order::list_items(
            item!(%Order{customer_id: "c1", status: "PENDING"}),
            opts![index_name: "ByStatus", consistent_read: true],
        )
        .await
        .unwrap();
        let mut ids: Vec<String> = pending
            .iter()
            .map(|o| o.order_id.as_str().unwrap().to_owned())
            .collect();
        ids.sort();
        assert_eq!(ids, ["o2", "o3"]);
        // A numeric local sort key, with an operator.
        let big = Order::list_items(
            item!(%Order{customer_id: "c1", total: 10i64}),
            opts![index_name: "ByTotal", sk_operator: :gte],
        )
        .await
        .unwrap();
        assert_eq!(big.len(), 2);
        // The whole partition through the index, ordered by status.
        let all = Order::list_items(
            item!(%Order{customer_id: "c1"}),
            opts![index_name: "ByStatus"],
        )
        .await
        .unwrap();
        let statuses: Vec<&str> = all.iter().map(|o| o.status.as_str()).collect();
        assert_eq!(statuses, ["PENDING", "PENDING", "SHIPPED"]);
        // Scans of a local index work too; an unknown index is refused.
        let scanned =
            dynamo::table::scan::<Order>(opts![index_name: "ByStatus", consistent_read: true])
                .await
                .unwrap();
        assert_eq!(scanned.items.len(), 4);
        let e = Order::list_items(item!(%Order{customer_id: "c1"}), opts![index_name: "Nope"])
            .await
            .unwrap_err();
        assert!(e.message().contains("ByStatus, ByTotal"), "{}", e.message());
    })
    .await;
}

dynamo_item! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct Product {
        table_name "products";
        field :sku, partition_key;
        field :category: String;
        field :price: f64;
        global_secondary_index "ByCategory", partition_key: :category, sort_key: :price;
    }
}

#[tokio::test]
async fn a_plain_number_index_sort_key_is_not_a_silent_zero() {
    isolated(async {
        Product::create_table().await.unwrap();
        for (sku, price) in [("a", 5.0), ("b", 0.0), ("c", 12.5)] {
            Product::put_item(item!(%Product{sku, category: "tools", price}))
                .await
                .unwrap();
        }
        let prices = |v: Vec<Product>| v.into_iter().map(|p| p.price).collect::<Vec<_>>();
        // "All products in a category": the untouched `price` (0.0) is not
        // a `price = 0` condition.
        let key = item!(%Product{category: "tools"});
        let all = Product::list_items(&key, opts![index_name: "ByCategory"])
            .await
            .unwrap();
        assert_eq!(prices(all), [0.0, 5.0, 12.5]);
        // With an operator, 0 is the bound.
        let from_zero =
            Product::list_items(&key, opts![index_name: "ByCategory", sk_operator: :gt])
                .await
                .unwrap();
        assert_eq!(prices(from_zero), [5.0, 12.5]);
        let zero = Product::list_items(&key, opts![index_name: "ByCategory", sk_operator: :eq])
            .await
            .unwrap();
        assert_eq!(prices(zero), [0.0]);
        // Any other value is an equality, as before.
        let five = Product::list_items(
            item!(%Product{category: "tools", price: 5.0}),
            opts![index_name: "ByCategory"],
        )
        .await
        .unwrap();
        assert_eq!(prices(five), [5.0]);
    })
    .await;
}

dynamo_item! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct Member {
        table_name "members";
        field :tenant: String;
        field :user: String;
        field :note: String;
        partition_key [:tenant, :user];
    }
}

dynamo_item! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct LooseMember {
        use Dynamo.Schema, allow_separator_in_keys: true;
        table_name "members";
        field :tenant: String;
        field :user: String;
        partition_key [:tenant, :user];
    }
}

dynamo_item! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct UserData {
        table_name "user_data";
        field :user_id, partition_key;
        field :sk_value, sort_key;
    }
}

#[tokio::test]
async fn separators_inside_multi_part_keys_are_refused() {
    isolated(async {
        Member::create_table().await.unwrap();
        // Both halves of the collision: ("acme#c1", "x") and ("acme", "c1#x")
        // would both be "acme#c1#x".
        for (tenant, user, field) in [("acme#c1", "x", "tenant"), ("acme", "c1#x", "user")] {
            let m = item!(%Member{tenant, user});
            let e = m.partition_key().unwrap_err();
            assert_eq!(e.kind(), ErrorKind::ValidationError);
            assert_eq!(e.field(), Some(field), "{e}");
            assert!(
                e.message().contains("allow_separator_in_keys"),
                "{}",
                e.message()
            );
            let e = Member::put_item(m.clone()).await.unwrap_err();
            assert_eq!(e.field(), Some(field));
            let e = Member::get_item(&m).await.unwrap_err();
            assert_eq!(e.field(), Some(field));
            let e = Member::list_items(&m, opts![]).await.unwrap_err();
            assert_eq!(e.field(), Some(field));
        }
        // Nothing was written.
        assert!(
            dynamo::table::scan::<Member>(opts![])
                .await
                .unwrap()
                .items
                .is_empty()
        );
        // The schema that accepts the risk writes them as they are.
        let loose = item!(%LooseMember{tenant: "acme#c1", user: "x"});
        assert_eq!(loose.partition_key().unwrap(), "acme#c1#x");
        LooseMember::put_item(loose).await.unwrap();
        // One-part keys keep the guide's verbatim values.
        UserData::create_table().await.unwrap();
        let d = item!(%UserData{user_id: "user#123", sk_value: "ORDER#123"});
        assert_eq!(d.primary_key().unwrap().partition, "user#123");
        UserData::put_item(d.clone()).await.unwrap();
        assert!(UserData::get_item(&d).await.unwrap().is_some());
    })
    .await;
}

#[tokio::test]
async fn a_hand_written_update_expression_carries_the_version() {
    isolated(async {
        let current = doc_v1().await;
        let hand = opts![
            update_expression: "SET body = :b",
            expression_attribute_values: %{":b" => "by hand"},
        ];
        let updated = Doc::update_item_with(&current, updates!(%{}), hand.clone())
            .await
            .unwrap();
        assert_eq!((updated.version, updated.body.as_str()), (2, "by hand"));
        // The same version again is stale.
        let e = Doc::update_item_with(&current, updates!(%{}), hand)
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::VersionConflict, "{e}");
        // The version itself is the crate's.
        let e = Doc::update_item_with(
            &updated,
            updates!(%{}),
            opts![update_expression: "REMOVE version"],
        )
        .await
        .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ValidationError);
        assert!(e.message().contains("counts up"), "{}", e.message());
    })
    .await;
}

dynamo_item! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct Lease {
        table_name "leases";
        field :id: String, partition_key;
        field :owner: Option<String>;
        field :expires_at: Option<i64>, ttl;
        global_secondary_index "ByOwnerAll", partition_key: :owner;
        global_secondary_index "ByOwnerInc", partition_key: :owner, projection: :include, projected_attributes: [:id];
        global_secondary_index "ByOwnerKeys", partition_key: :owner, projection: :keys_only;
    }
}

/// Reads through an index leave out expired items too: `create_table`
/// projects the time-to-live attribute into `:include` indexes (as it does
/// the type attribute). Before, such an index held no `expires_at`, so the
/// filter let every item through. A `:keys_only` index cannot hold it:
/// reads from it show expired items (documented).
#[tokio::test]
async fn index_reads_leave_out_expired_items() {
    isolated(async {
        Lease::create_table().await.unwrap();
        let now = epoch_now();
        for (id, exp) in [("old", now - 100), ("live", now + 3600)] {
            Lease::put_item(
                item!(%Lease{id: id, owner: Some("o1".to_owned()), expires_at: Some(exp)}),
            )
            .await
            .unwrap();
        }
        let key = item!(%Lease{owner: Some("o1".to_owned())});
        let ids = |v: Vec<Lease>| {
            let mut ids: Vec<String> = v.into_iter().map(|l| l.id).collect();
            ids.sort();
            ids
        };
        for index in ["ByOwnerAll", "ByOwnerInc"] {
            let found = Lease::list_items(&key, opts![index_name: index])
                .await
                .unwrap();
            assert_eq!(ids(found), ["live"], "{index}");
            let n = Lease::count_items(&key, opts![index_name: index])
                .await
                .unwrap();
            assert_eq!(n, 1, "{index}");
            let all = Lease::list_items(&key, opts![index_name: index, include_expired: true])
                .await
                .unwrap();
            assert_eq!(ids(all), ["live", "old"], "{index}");
        }
        let keys_only = Lease::list_items(&key, opts![index_name: "ByOwnerKeys"])
            .await
            .unwrap();
        assert_eq!(ids(keys_only), ["live", "old"]);
    })
    .await;
}
