//! DynamoDB Streams records from the local engine's stream, decoded into
//! the schemas that wrote them: the crate writes, the test reads the
//! table's stream with signed Streams API calls of its own (the crate does
//! not read streams), and `dynamo::changes` decodes what came back.

mod support;

use dynamo::changes::{ChangeEvent, ChangeKind, ChangeRecord};
use dynamo::prelude::*;
use rusoto_core::Region;
use rusoto_core::request::{DispatchSignedRequest, HttpClient};
use rusoto_core::signature::SignedRequest;
use rusoto_credential::AwsCredentials;
use serde_json::{Value as Json, json};
use support::isolated;

use dynamo::local::LocalDynamo;

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

/// One signed call to the engine at `endpoint`: DynamoDB's API
/// (`DynamoDB_20120810`) or the Streams API (`DynamoDBStreams_20120810`),
/// which it serves on the same endpoint. The answer's body, which must be a
/// 200's.
async fn call_at(endpoint: &str, target: &str, body: Json) -> Vec<u8> {
    assert!(support::is_loopback(endpoint), "{endpoint}");
    let region = Region::Custom {
        name: "us-east-1".to_owned(),
        endpoint: endpoint.to_owned(),
    };
    let mut req = SignedRequest::new("POST", "dynamodb", &region, "/");
    req.set_content_type("application/x-amz-json-1.0".to_owned());
    req.add_header("x-amz-target", target);
    req.set_payload(Some(serde_json::to_vec(&body).unwrap()));
    req.sign(&AwsCredentials::new("local", "local", None, None));
    let connector = hyper_rustls::HttpsConnectorBuilder::new()
        .with_webpki_roots()
        .https_or_http()
        .enable_http1()
        .build();
    let answer = HttpClient::from_connector(connector)
        .dispatch(req, None)
        .await
        .expect("the engine answers")
        .buffer()
        .await
        .expect("the whole answer");
    assert_eq!(
        answer.status.as_u16(),
        200,
        "{target}: {}",
        String::from_utf8_lossy(&answer.body)
    );
    answer.body.to_vec()
}

async fn call_json(endpoint: &str, target: &str, body: Json) -> Json {
    serde_json::from_slice(&call_at(endpoint, target, body).await).unwrap()
}

/// Turns on `table`'s stream, with both images.
async fn enable_stream(endpoint: &str, table: &str) {
    call_at(
        endpoint,
        "DynamoDB_20120810.UpdateTable",
        json!({
            "TableName": table,
            "StreamSpecification": {
                "StreamEnabled": true,
                "StreamViewType": "NEW_AND_OLD_IMAGES",
            },
        }),
    )
    .await;
}

/// Every record of `table`'s stream so far, in shard order.
async fn stream_records(endpoint: &str, table: &str) -> Vec<ChangeRecord> {
    let mut records = Vec::new();
    for page in stream_pages(endpoint, table).await {
        records.extend(ChangeEvent::from_json(&page).unwrap().records);
    }
    records
}

/// Every record of the table's stream so far, as the `GetRecords` answers'
/// text (one per shard), in shard order.
async fn stream_pages(endpoint: &str, table: &str) -> Vec<Vec<u8>> {
    let described = call_json(
        endpoint,
        "DynamoDB_20120810.DescribeTable",
        json!({ "TableName": table }),
    )
    .await;
    let arn = described["Table"]["LatestStreamArn"]
        .as_str()
        .expect("the table has a stream")
        .to_owned();
    let stream = call_json(
        endpoint,
        "DynamoDBStreams_20120810.DescribeStream",
        json!({ "StreamArn": arn }),
    )
    .await;
    let shards = stream["StreamDescription"]["Shards"]
        .as_array()
        .unwrap()
        .clone();
    assert!(!shards.is_empty());
    let mut pages = Vec::new();
    for shard in shards {
        let it = call_json(
            endpoint,
            "DynamoDBStreams_20120810.GetShardIterator",
            json!({
                "StreamArn": arn,
                "ShardId": shard["ShardId"],
                "ShardIteratorType": "TRIM_HORIZON",
            }),
        )
        .await;
        pages.push(
            call_at(
                endpoint,
                "DynamoDBStreams_20120810.GetRecords",
                json!({ "ShardIterator": it["ShardIterator"] }),
            )
            .await,
        );
    }
    pages
}

#[tokio::test]
async fn the_engines_stream_records_decode_into_the_schemas_that_wrote_them() {
    isolated(async {
        Member::create_table().await.unwrap();
        let table = Member::schema().effective_table_name();
        let endpoint = support::endpoint();
        enable_stream(&endpoint, &table).await;

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

        let records = stream_records(&endpoint, &table).await;
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

/// On an engine of its own (the sweep is the local engine's): items deleted
/// by time to live come out of the stream marked as such.
#[tokio::test]
async fn time_to_live_deletions_are_marked_as_expiries() {
    let local = LocalDynamo::start().await.unwrap();
    let client = local.client();
    let endpoint = local.endpoint();
    client
        .scope(async {
            Session::create_table().await.unwrap();
            let table = Session::schema().effective_table_name();
            enable_stream(&endpoint, &table).await;
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

            let records = stream_records(&endpoint, &table).await;
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
