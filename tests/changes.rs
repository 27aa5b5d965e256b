//! DynamoDB Streams on the local engine: the crate turns a table's stream
//! on, writes, reads the stream back with `Client::read_changes` and
//! decodes each record into the schema that wrote it.

mod support;

use dynamo::changes::{ChangeKind, ChangeRecord, StreamPosition, StreamView};
use dynamo::local::LocalDynamo;
use dynamo::prelude::*;
use support::isolated;

dynamo_item! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct Member {
        table_name "stream_club";
        field :club: String, partition_key;
        field :name: String, sort_key;
        field :visits: i64;
    }
}

dynamo_item! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct Event {
        table_name "stream_club";
        field :club: String, partition_key;
        field :title: String, sort_key;
    }
}

dynamo_item! {
    /// In the same table, but not in the collection.
    #[derive(Debug, Clone, PartialEq)]
    pub struct Note {
        table_name "stream_club";
        field :club: String, partition_key;
        field :text: String, sort_key;
    }
}

dynamo_item! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct Session {
        table_name "stream_sessions";
        field :id: String, partition_key;
        field :expires_at: i64, ttl;
    }
}

dynamo::collection! {
    #[derive(Debug, Clone, PartialEq)]
    pub enum ClubItems {
        Member(Member),
        Event(Event),
    }
}

/// Every record `table`'s stream holds, read from the oldest.
async fn all_records(client: &Client, table: &str) -> Vec<ChangeRecord> {
    client
        .read_changes(table, &mut StreamPosition::oldest())
        .await
        .unwrap()
}

/// Creates `Member`'s table with its stream on (`view`): its name and the
/// stream's ARN.
async fn member_table_with_stream(view: StreamView) -> (String, String) {
    Member::create_table().await.unwrap();
    let table = Member::schema().effective_table_name();
    let arn = support::client().enable_stream(&table, view).await.unwrap();
    (table, arn)
}

#[tokio::test]
async fn the_engines_stream_records_decode_into_the_schemas_that_wrote_them() {
    isolated(async {
        let (table, arn) = member_table_with_stream(StreamView::NewAndOldImages).await;
        assert_eq!(
            support::client().describe_table(&table).await.unwrap().stream_arn,
            Some(arn)
        );

        // An insert, a change and a removal of a member; an event; a note.
        Member::put_item(item!(Member { club: "c1", name: "ada", visits: 1 }))
            .await
            .unwrap();
        Member::update_item(
            &item!(Member { club: "c1", name: "ada" }),
            updates! { visits: {:increment, 1} },
        )
        .await
        .unwrap();
        Event::put_item(item!(Event { club: "c1", title: "opening" }))
            .await
            .unwrap();
        Note::put_item(item!(Note { club: "c1", text: "hi" }))
            .await
            .unwrap();
        Member::delete_item(&item!(Member { club: "c1", name: "ada" }))
            .await
            .unwrap();

        let records = all_records(&support::client(), &table).await;
        let kinds: Vec<_> = records.iter().map(ChangeRecord::kind).collect();
        assert_eq!(
            kinds,
            [
                ChangeKind::Insert,
                ChangeKind::Modify,
                ChangeKind::Insert,
                ChangeKind::Insert,
                ChangeKind::Remove
            ]
        );

        // Each record is told by its schema, and only its own decodes.
        let members: Vec<_> = records.iter().filter(|r| r.is::<Member>()).collect();
        assert_eq!(members.len(), 3);
        let insert = members[0].decode::<Member>().unwrap();
        assert_eq!(insert.old, None);
        assert_eq!(insert.new, Some(item!(Member { club: "c1", name: "ada", visits: 1 })));
        assert_eq!(insert.keys["pk"], Value::from("c1"));
        let change = members[1].decode::<Member>().unwrap();
        assert_eq!(change.old.unwrap().visits, 1);
        assert_eq!(change.new.unwrap().visits, 2);
        let removal = members[2].decode::<Member>().unwrap();
        assert_eq!(removal.kind, ChangeKind::Remove);
        assert_eq!(removal.old.unwrap().visits, 2);
        assert_eq!(removal.new, None);
        assert!(!removal.expired);
        let e = records[2].decode::<Member>().unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Decode);
        assert!(e.message().contains("an item of `Event`"), "{}", e.message());

        // A collection routes each record to its member; the note is none.
        let routed: Vec<_> = records
            .iter()
            .map(|r| r.route::<ClubItems>().unwrap())
            .collect();
        assert!(matches!(
            &routed[2],
            Some(c) if c.new == Some(ClubItems::Event(item!(Event { club: "c1", title: "opening" })))
        ));
        assert!(matches!(&routed[0], Some(c) if matches!(c.new, Some(ClubItems::Member(_)))));
        assert!(routed[3].is_none(), "{:?}", routed[3]);
        assert_eq!(routed.iter().filter(|r| r.is_some()).count(), 4);

        // Sequence numbers are in the stream's order.
        let seqs: Vec<u128> = records
            .iter()
            .map(|r| r.sequence_number().unwrap().parse().unwrap())
            .collect();
        assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
    })
    .await;
}

/// A NEW_IMAGE stream's removals carry no image: decoded and routed, they
/// come with neither image and their keys, so a handler still sees them.
#[tokio::test]
async fn a_new_image_streams_removals_come_through_without_images() {
    isolated(async {
        let (table, _) = member_table_with_stream(StreamView::NewImage).await;
        Member::put_item(item!(Member {
            club: "c1",
            name: "ada",
            visits: 1
        }))
        .await
        .unwrap();
        Member::delete_item(&item!(Member {
            club: "c1",
            name: "ada"
        }))
        .await
        .unwrap();
        let records = all_records(&support::client(), &table).await;
        assert_eq!(records.len(), 2);
        assert_eq!(records[1].kind(), ChangeKind::Remove);
        assert_eq!(records[1].view(), Some(StreamView::NewImage));
        let routed: Vec<_> = records
            .iter()
            .map(|r| {
                r.route::<ClubItems>()
                    .unwrap()
                    .expect("every record is seen")
            })
            .collect();
        assert!(matches!(routed[0].new, Some(ClubItems::Member(_))));
        assert_eq!(
            (routed[1].old.as_ref(), routed[1].new.as_ref()),
            (None, None)
        );
        assert_eq!(routed[1].keys["pk"], Value::from("c1"));
        let removal = records[1].decode::<Member>().unwrap();
        assert_eq!(removal.kind, ChangeKind::Remove);
        assert_eq!(removal.keys, records[1].keys());
    })
    .await;
}

/// On an engine of its own (the sweep is the local engine's): items deleted
/// by time to live come out of the stream marked as such.
#[tokio::test]
async fn time_to_live_deletions_are_marked_as_expiries() {
    let local = LocalDynamo::start().await.unwrap();
    let client = local.client();
    client
        .scope(async {
            Session::create_table().await.unwrap();
            let table = Session::schema().effective_table_name();
            client
                .enable_stream(&table, StreamView::NewAndOldImages)
                .await
                .unwrap();
            let past = 1_000_000_000i64;
            let future = 4_000_000_000i64;
            Session::put_item(item!(Session {
                id: "old",
                expires_at: past
            }))
            .await
            .unwrap();
            Session::put_item(item!(Session {
                id: "new",
                expires_at: future
            }))
            .await
            .unwrap();
            Session::delete_item(&item!(Session { id: "new" }))
                .await
                .unwrap();

            assert_eq!(local.sweep_expired().await.unwrap(), 1);
            assert_eq!(
                local.sweep_expired().await.unwrap(),
                0,
                "nothing left to expire"
            );

            let records = all_records(&client, &table).await;
            let summary: Vec<_> = records.iter().map(|r| (r.kind(), r.is_expiry())).collect();
            assert_eq!(
                summary,
                [
                    (ChangeKind::Insert, false),
                    (ChangeKind::Insert, false),
                    (ChangeKind::Remove, false),
                    (ChangeKind::Remove, true),
                ]
            );
            let expired = records[3].decode::<Session>().unwrap();
            assert!(expired.expired);
            assert_eq!(expired.old.unwrap().id, "old");
            assert!(
                records
                    .iter()
                    .all(|r| r.approximate_creation_time().is_some())
            );
        })
        .await;
}

dynamo_item! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct Counter {
        table_name "stream_counters";
        field :name: String, partition_key;
        field :count: i64;
    }
}

fn counts(records: &[ChangeRecord]) -> Vec<i64> {
    records
        .iter()
        .map(|r| r.decode::<Counter>().unwrap().new.map_or(-1, |c| c.count))
        .collect()
}

async fn bump(n: i64) {
    Counter::put_item(item!(Counter {
        name: "c",
        count: n
    }))
    .await
    .unwrap();
}

/// A position moves past what each read returns, survives being stored,
/// and `latest()` passes over what was there before.
#[tokio::test]
async fn a_position_is_a_checkpoint() {
    isolated(async {
        let client = support::client();
        Counter::create_table().await.unwrap();
        let table = Counter::schema().effective_table_name();

        // No stream yet: a typed error naming the table, before any
        // Streams API call.
        let e = client
            .read_changes(&table, &mut StreamPosition::oldest())
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ValidationError);
        assert!(
            e.message()
                .contains(&format!("table `{table}` has no stream")),
            "{}",
            e.message()
        );

        let arn = client
            .enable_stream(&table, StreamView::NewAndOldImages)
            .await
            .unwrap();
        // DynamoDB refuses a second stream on the same table.
        let e = client
            .enable_stream(&table, StreamView::KeysOnly)
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ValidationError, "{e}");

        bump(1).await;
        bump(2).await;
        let mut from_now = StreamPosition::latest();
        assert!(
            client
                .read_changes(&table, &mut from_now)
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(from_now.stream_arn(), Some(arn.as_str()));

        let mut position = StreamPosition::oldest();
        assert_eq!(
            counts(&client.read_changes(&table, &mut position).await.unwrap()),
            [1, 2]
        );
        assert!(
            client
                .read_changes(&table, &mut position)
                .await
                .unwrap()
                .is_empty()
        );

        bump(3).await;
        Counter::delete_item(&item!(Counter { name: "c" }))
            .await
            .unwrap();
        // Stored and read back, as a consumer's checkpoint would be.
        let stored = serde_json::to_string(&position).unwrap();
        let mut restored: StreamPosition = serde_json::from_str(&stored).unwrap();
        let next = client.read_changes(&table, &mut restored).await.unwrap();
        assert_eq!(counts(&next), [3, -1]);
        assert_eq!(next[1].kind(), ChangeKind::Remove);
        assert_eq!(next[1].decode::<Counter>().unwrap().old.unwrap().count, 3);
        // The original position did not move; the `latest()` one sees only
        // what came after its first read.
        assert_eq!(
            counts(&client.read_changes(&table, &mut position).await.unwrap()),
            [3, -1]
        );
        assert_eq!(
            counts(&client.read_changes(&table, &mut from_now).await.unwrap()),
            [3, -1]
        );

        // Turned off: what the stream holds stays readable from a position
        // in it (DynamoDB keeps it for a day); a new position finds no
        // stream. Turned on again: a new stream, which an old position does
        // not belong to.
        bump(5).await;
        client.disable_stream(&table).await.unwrap();
        assert_eq!(
            client.describe_table(&table).await.unwrap().stream_arn,
            None
        );
        // (The local engine forgets a stream as soon as it is turned off:
        // there the read finds none. The choice of stream is unit-tested in
        // `changes::tests::a_position_reads_on_in_a_stream_turned_off`.)
        match client.read_changes(&table, &mut position).await {
            Ok(records) => assert_eq!(counts(&records), [5]),
            Err(e) => assert!(e.message().contains("has no stream"), "{e}"),
        }
        let e = client
            .read_changes(&table, &mut StreamPosition::oldest())
            .await
            .unwrap_err();
        assert!(e.message().contains("has no stream"), "{}", e.message());
        let again = client
            .enable_stream(&table, StreamView::NewAndOldImages)
            .await
            .unwrap();
        assert_ne!(again, arn);
        let e = client
            .read_changes(&table, &mut position)
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ValidationError);
        assert!(
            e.message().contains("turned off and on again"),
            "{}",
            e.message()
        );
        // A fresh position reads the new stream. (What a new stream holds
        // at first differs: DynamoDB starts it empty, the local engine
        // keeps the table's earlier records.)
        bump(4).await;
        let mut fresh = StreamPosition::oldest();
        let records = client.read_changes(&table, &mut fresh).await.unwrap();
        assert_eq!(counts(&records).last(), Some(&4));
        assert_eq!(fresh.stream_arn(), Some(again.as_str()));
    })
    .await;
}

/// A table created with its stream on, from a spec.
#[tokio::test]
async fn a_table_created_with_its_stream() {
    isolated(async {
        let client = support::client();
        let mut spec = dynamo::table::spec_for::<Counter>();
        spec.name = format!("{}_born", spec.name);
        spec.stream = Some(StreamView::NewImage);
        assert!(spec.to_string().ends_with("; stream NEW_IMAGE)"), "{spec}");
        let info = client.create_table_from_spec(&spec).await.unwrap();
        assert!(info.stream_arn.is_some(), "{info:?}");
        let mut position = StreamPosition::oldest();
        assert!(
            client
                .read_changes(&spec.name, &mut position)
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(position.stream_arn(), info.stream_arn.as_deref());
        // Without a stream in the spec, none.
        let plain = client
            .create_table_from_spec(&dynamo::table::TableSpec::new(
                format!("{}_plain", spec.name),
                "pk",
            ))
            .await
            .unwrap();
        assert_eq!(plain.stream_arn, None);
    })
    .await;
}

/// `Counter`'s table with its stream on and two writes on it: its name.
async fn counters_with_two_changes() -> String {
    Counter::create_table().await.unwrap();
    let table = Counter::schema().effective_table_name();
    support::client()
        .enable_stream(&table, StreamView::NewAndOldImages)
        .await
        .unwrap();
    bump(1).await;
    bump(2).await;
    table
}

/// `Counter`'s table with two changes, a fault proxy in front of the engine
/// (seeded with `seed`), and a client of the proxy that does not retry.
async fn counters_behind_a_proxy(seed: u64) -> (String, dynamo::local::proxy::FaultProxy, Client) {
    let table = counters_with_two_changes().await;
    let proxy = support::proxy(seed);
    let client = support::proxy_client(
        &proxy,
        dynamo::RetryPolicy::default().max_attempts(1),
        std::time::Duration::from_secs(10),
    );
    (table, proxy, client)
}

/// The Streams API calls go through the same retries as DynamoDB's: through
/// the fault proxy, throttled, failed and dropped calls of every step are
/// retried and the records come out once each.
#[tokio::test]
async fn stream_reads_are_retried_like_any_request() {
    use dynamo::local::proxy::Fault;
    use std::time::Duration;
    isolated(async {
        let table = counters_with_two_changes().await;
        let proxy = support::proxy(0x5EED_0051);
        let retry = dynamo::RetryPolicy::default()
            .base_delay(Duration::from_millis(1))
            .max_delay(Duration::from_millis(20))
            .max_attempts(10);
        let client = support::proxy_client(&proxy, retry, Duration::from_secs(5));
        proxy.script("DescribeStream", [Fault::Http500, Fault::Throttling]);
        proxy.script("GetShardIterator", [Fault::DropBefore]);
        proxy.script("GetRecords", [Fault::Http503, Fault::DropAfter]);
        // An empty page is GetRecords' fault alone: met elsewhere, the
        // request goes on and nothing is counted.
        proxy.script("DescribeTable", [Fault::EmptyPage]);
        let mut position = StreamPosition::oldest();
        let records = client.read_changes(&table, &mut position).await.unwrap();
        assert_eq!(counts(&records), [1, 2]);
        // Every scripted fault was met (and retried).
        let faults: u64 = proxy.stats().faults.values().sum();
        assert_eq!(faults, 5, "{:?}", proxy.stats());
        assert_eq!(proxy.stats().fault(Fault::EmptyPage), 0);
        assert!(
            client
                .read_changes(&table, &mut position)
                .await
                .unwrap()
                .is_empty()
        );
    })
    .await;
}

/// A read that fails part way leaves the position where it was: the
/// records it had read (and not returned) come with the next call.
#[tokio::test]
async fn a_failed_read_does_not_move_the_position() {
    use dynamo::local::proxy::Fault;
    use std::time::Duration;
    isolated(async {
        let (table, proxy, client) = counters_behind_a_proxy(0x5EED_0052).await;
        // The first GetRecords (the records) is held back; meanwhile the
        // next one (past them) is set to fail with an error retrying cannot
        // fix.
        proxy.set_slow_delay(Duration::from_millis(1500));
        proxy.script("GetRecords", [Fault::Slow]);
        let mut position = StreamPosition::oldest();
        let before = position.clone();
        let read = {
            let client = client.clone();
            let table = table.clone();
            tokio::spawn(async move {
                let r = client.read_changes(&table, &mut position).await;
                (r, position)
            })
        };
        while proxy.stats().by_op.get("GetRecords").copied().unwrap_or(0) == 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        proxy.script("GetRecords", [Fault::Validation]);
        let (result, mut position) = read.await.unwrap();
        let e = result.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ValidationError, "{e}");
        // The error names the shard, and how far it was read.
        assert!(
            e.message().contains(", shard `")
                && e.message().contains("read it up to sequence number")
                && e.message().contains("the position was not moved"),
            "{e}"
        );
        assert_eq!(proxy.stats().by_op["GetRecords"], 2);
        assert_eq!(position, before, "the position did not move");
        // The next call returns the records the failed one had read.
        let records = client.read_changes(&table, &mut position).await.unwrap();
        assert_eq!(counts(&records), [1, 2]);
    })
    .await;
}

/// A shard error on a later call says how far earlier calls read it, not
/// that the failed call did.
#[tokio::test]
async fn a_failed_read_after_a_good_one_names_what_came_before() {
    use dynamo::local::proxy::Fault;
    isolated(async {
        let (table, proxy, client) = counters_behind_a_proxy(0x5EED_0054).await;
        let mut position = StreamPosition::oldest();
        let records = client.read_changes(&table, &mut position).await.unwrap();
        assert_eq!(counts(&records), [1, 2]);
        let before = position.clone();
        proxy.script("GetRecords", [Fault::Validation]);
        let e = client
            .read_changes(&table, &mut position)
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ValidationError, "{e}");
        assert!(
            e.message().contains(", shard `")
                && e.message()
                    .contains("before this call, which read nothing more of it")
                && !e.message().contains("this call read it")
                && e.message().contains("the position was not moved"),
            "{e}"
        );
        assert_eq!(position, before, "the position did not move");
    })
    .await;
}

/// DynamoDB may answer an empty page over a stretch of a shard with no
/// records (its GetRecords documentation: "it might take multiple calls to
/// get to a portion of the shard that contains stream records"). Through the
/// fault proxy every fresh iterator meets such a page first: each call moves
/// on from where the last one stopped, so the records come, once each.
#[tokio::test]
async fn an_empty_stretch_of_a_shard_does_not_stall_it() {
    use dynamo::local::proxy::{Fault, Faults};
    isolated(async {
        let (table, proxy, client) = counters_behind_a_proxy(0x5EED_0053).await;
        proxy.set_op_faults("GetRecords", Faults::none().with(Fault::EmptyPage, 1.0));
        let mut position = StreamPosition::oldest();
        let mut got = Vec::new();
        for _ in 0..3 {
            got.extend(counts(
                &client.read_changes(&table, &mut position).await.unwrap(),
            ));
        }
        assert_eq!(got, [1, 2]);
        // Stored and restored on the way, as a checkpoint would be.
        let mut position: StreamPosition =
            serde_json::from_str(&serde_json::to_string(&position).unwrap()).unwrap();
        bump(3).await;
        let mut got = Vec::new();
        for _ in 0..3 {
            got.extend(counts(
                &client.read_changes(&table, &mut position).await.unwrap(),
            ));
        }
        assert_eq!(got, [3]);
        assert!(
            proxy.stats().fault(Fault::EmptyPage) >= 2,
            "{}",
            proxy.stats()
        );

        // `latest()` passes over what is there without reading it, so an
        // empty page on the way cannot make it return older records later.
        let mut from_now = StreamPosition::latest();
        assert!(
            client
                .read_changes(&table, &mut from_now)
                .await
                .unwrap()
                .is_empty()
        );
        bump(4).await;
        let mut got = Vec::new();
        for _ in 0..3 {
            got.extend(counts(
                &client.read_changes(&table, &mut from_now).await.unwrap(),
            ));
        }
        assert_eq!(got, [4]);
    })
    .await;
}

/// Where a shard's next read starts is kept as DynamoDB's iterator, which
/// expires after 15 minutes: an expired one is replaced by a new iterator
/// just after the last record read, so nothing is skipped or repeated.
#[tokio::test]
async fn an_expired_iterator_reads_on_from_the_last_record() {
    use dynamo::local::proxy::Fault;
    isolated(async {
        let (table, proxy, client) = counters_behind_a_proxy(0x5EED_0054).await;
        let mut position = StreamPosition::oldest();
        let records = client.read_changes(&table, &mut position).await.unwrap();
        assert_eq!(counts(&records), [1, 2]);
        let iterators = proxy.stats().op("GetShardIterator");
        bump(3).await;
        proxy.script("GetRecords", [Fault::ExpiredIterator]);
        let records = client.read_changes(&table, &mut position).await.unwrap();
        assert_eq!(counts(&records), [3]);
        let stats = proxy.stats();
        assert_eq!(stats.fault(Fault::ExpiredIterator), 1, "{stats}");
        assert_eq!(stats.op("GetShardIterator"), iterators + 1, "{stats}");
        // An expired iterator met on a fresh one is DynamoDB's error.
        let mut fresh = StreamPosition::oldest();
        proxy.script("GetRecords", [Fault::ExpiredIterator]);
        let e = client.read_changes(&table, &mut fresh).await.unwrap_err();
        assert_eq!(e.service_code(), Some("ExpiredIteratorException"), "{e}");
    })
    .await;
}

/// A `latest()` position whose iterator expires before any record came (a
/// checkpoint left for over 15 minutes on a quiet table) reads the shard
/// from its oldest record but passes over what was made before `latest()`:
/// it returned the whole stream again. The checkpoint's entry times are
/// moved to test both sides: records made well before `latest()` are
/// passed over, records made after it are returned.
#[tokio::test]
async fn a_latest_position_that_expires_first_does_not_replay_the_stream() {
    use dynamo::local::proxy::Fault;
    isolated(async {
        let (table, proxy, client) = counters_behind_a_proxy(0x5EED_0055).await;
        let mut position = StreamPosition::latest();
        assert!(
            client
                .read_changes(&table, &mut position)
                .await
                .unwrap()
                .is_empty()
        );
        let shifted = |by: i64| -> StreamPosition {
            let mut json = serde_json::to_value(&position).unwrap();
            let entered = json["entered"].as_object_mut().expect("entry times kept");
            assert!(!entered.is_empty());
            for t in entered.values_mut() {
                *t = (t.as_i64().unwrap() + by).into();
            }
            serde_json::from_value(json).unwrap()
        };
        // `latest()` two minutes after the two changes were made.
        let mut later = shifted(120);
        proxy.script("GetRecords", [Fault::ExpiredIterator]);
        let records = client.read_changes(&table, &mut later).await.unwrap();
        assert_eq!(counts(&records), Vec::<i64>::new(), "the stream came back");
        assert_eq!(proxy.stats().fault(Fault::ExpiredIterator), 1);
        // `latest()` an hour before them: both are after it.
        let mut earlier = shifted(-3600);
        proxy.script("GetRecords", [Fault::ExpiredIterator]);
        let records = client.read_changes(&table, &mut earlier).await.unwrap();
        assert_eq!(counts(&records), [1, 2]);
        // Both read on from there as usual.
        bump(3).await;
        assert_eq!(
            counts(&client.read_changes(&table, &mut earlier).await.unwrap()),
            [3]
        );
    })
    .await;
}

/// A position part way through a shard the stream no longer lists (trimmed
/// after 24 hours) is an error naming the shard, never a silent gap.
#[tokio::test]
async fn a_position_in_a_shard_no_longer_listed_is_an_error() {
    isolated(async {
        let client = support::client();
        let table = counters_with_two_changes().await;
        let mut position = StreamPosition::oldest();
        assert_eq!(
            counts(&client.read_changes(&table, &mut position).await.unwrap()),
            [1, 2]
        );
        // The same checkpoint, as if its shard had been trimmed away.
        let mut stored: serde_json::Value = serde_json::to_value(&position).unwrap();
        let read = stored["read"].as_object_mut().unwrap();
        let (_, seq) = read
            .iter()
            .next()
            .map(|(k, v)| (k.clone(), v.clone()))
            .unwrap();
        read.clear();
        read.insert("shardId-trimmed".into(), seq);
        stored["next"] = serde_json::json!({});
        let mut old: StreamPosition = serde_json::from_value(stored).unwrap();
        let before = old.clone();
        let e = client.read_changes(&table, &mut old).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ValidationError);
        assert!(
            e.message().contains("shard `shardId-trimmed`")
                && e.message().contains("no longer lists"),
            "{}",
            e.message()
        );
        assert_eq!(old, before);
    })
    .await;
}

/// A read that has caught up costs one `GetRecords` per open shard: the
/// open shard's empty page ends it (the local engine gives its open shard
/// an end sequence number, which once made every read follow it for 100
/// pages, as for a closed shard).
#[tokio::test]
async fn a_caught_up_read_asks_once_per_shard() {
    isolated(async {
        let (table, proxy, client) = counters_behind_a_proxy(0x5EED_0055).await;
        let mut position = StreamPosition::oldest();
        let records = client.read_changes(&table, &mut position).await.unwrap();
        assert_eq!(counts(&records), [1, 2]);
        assert_eq!(proxy.stats().op("GetRecords"), 2, "{}", proxy.stats());
        for _ in 0..3 {
            assert!(
                client
                    .read_changes(&table, &mut position)
                    .await
                    .unwrap()
                    .is_empty()
            );
        }
        let stats = proxy.stats();
        assert_eq!(stats.op("GetRecords"), 5, "{stats}");
        // Carried on from the kept iterator: no new one asked for.
        assert_eq!(stats.op("GetShardIterator"), 1, "{stats}");
    })
    .await;
}

/// With a streams endpoint of its own, the Streams API's requests go there
/// and the others to the endpoint.
#[tokio::test]
async fn a_streams_endpoint_of_its_own_gets_the_streams_requests() {
    isolated(async {
        let (table, _) = member_table_with_stream(StreamView::NewAndOldImages).await;
        Member::put_item(item!(Member {
            club: "c1",
            name: "ada",
            visits: 1
        }))
        .await
        .unwrap();
        let proxy = support::proxy(0x5EA);
        let client = Client::builder()
            .endpoint(support::endpoint())
            .streams_endpoint(proxy.url())
            .credentials("local", "local")
            .build()
            .unwrap();
        assert!(format!("{client:?}").contains(&proxy.url()), "{client:?}");
        let records = client
            .read_changes(&table, &mut StreamPosition::oldest())
            .await
            .unwrap();
        assert_eq!(records.len(), 1);
        assert_eq!(records[0].kind(), ChangeKind::Insert);
        let stats = proxy.stats();
        assert_eq!(stats.op("DescribeTable"), 0);
        for op in ["DescribeStream", "GetShardIterator", "GetRecords"] {
            assert!(stats.op(op) >= 1, "{op}: {}", stats.op(op));
        }
        client
            .put_item(
                item!(Member {
                    club: "c1",
                    name: "bo",
                    visits: 1
                }),
                opts![],
            )
            .await
            .unwrap();
        assert_eq!(proxy.stats().op("PutItem"), 0);

        // The same rules as for the endpoint: plain http:// off loopback is
        // refused unless allowed, and the message says which endpoint.
        let e = Client::builder()
            .endpoint(support::endpoint())
            .streams_endpoint("http://192.0.2.1:8000")
            .build()
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ValidationError);
        assert!(
            e.message().starts_with("streams endpoint: "),
            "{}",
            e.message()
        );
    })
    .await;
}
