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

dynamo::collection! {
    #[derive(Debug, Clone, PartialEq)]
    pub enum ClubItems {
        Member(Member),
        Event(Event),
    }
}

/// One signed call to the engine in use: DynamoDB's API (`DynamoDB_20120810`)
/// or the Streams API (`DynamoDBStreams_20120810`), which it serves on the
/// same endpoint. The answer's body, which must be a 200's.
async fn call(target: &str, body: Json) -> Vec<u8> {
    let region = Region::Custom {
        name: "us-east-1".to_owned(),
        endpoint: support::endpoint(),
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

async fn call_json(target: &str, body: Json) -> Json {
    serde_json::from_slice(&call(target, body).await).unwrap()
}

/// Every record of the table's stream so far, as the `GetRecords` answers'
/// text (one per shard), in shard order.
async fn stream_pages(table: &str) -> Vec<Vec<u8>> {
    let described = call_json(
        "DynamoDB_20120810.DescribeTable",
        json!({ "TableName": table }),
    )
    .await;
    let arn = described["Table"]["LatestStreamArn"]
        .as_str()
        .expect("the table has a stream")
        .to_owned();
    let stream = call_json(
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
            "DynamoDBStreams_20120810.GetShardIterator",
            json!({
                "StreamArn": arn,
                "ShardId": shard["ShardId"],
                "ShardIteratorType": "TRIM_HORIZON",
            }),
        )
        .await;
        pages.push(
            call(
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
        call(
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

        let mut records: Vec<ChangeRecord> = Vec::new();
        for page in stream_pages(&table).await {
            records.extend(ChangeEvent::from_json(&page).unwrap().records);
        }
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
