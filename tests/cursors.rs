//! Opaque page cursors on the local engine: `Page::cursor()` and
//! `opts![cursor: …]`, refused for another query, table or index, when
//! tampered with, and — on a client with a secret — when not signed by it.

mod support;

use dynamo::prelude::*;
use support::isolated;

dynamo_item! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct Event {
        table_name "cursor_events";
        field :stream: String, partition_key;
        field :seq: String, sort_key;
        field :kind: String;
        global_secondary_index "ByKind", partition_key: :kind, sort_key: :seq;
    }
}

async fn events() {
    Event::create_table().await.unwrap();
    for stream in ["s1", "s2"] {
        for n in 1..=7u32 {
            Event::put_item(item!(Event {
                stream,
                seq: format!("{n:02}"),
                kind: "click"
            }))
            .await
            .unwrap();
        }
    }
}

fn s1() -> Event {
    item!(Event { stream: "s1" })
}

#[tokio::test]
async fn pages_follow_their_cursor_to_the_end() {
    isolated(async {
        events().await;
        let mut seqs = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let page = Event::query_page(s1(), opts![limit: 3, cursor: cursor.clone()])
                .await
                .unwrap();
            seqs.extend(page.items.iter().map(|e| e.seq.clone()));
            match page.cursor() {
                Some(c) => {
                    assert!(
                        c.bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)),
                        "{c}"
                    );
                    cursor = Some(c);
                }
                None => break,
            }
        }
        assert_eq!(seqs, ["01", "02", "03", "04", "05", "06", "07"]);
        // list_items continues from a cursor too, and scans have them.
        let first = Event::query_page(s1(), opts![limit: 5]).await.unwrap();
        let rest = Event::list_items(s1(), opts![cursor: first.cursor()])
            .await
            .unwrap();
        assert_eq!(
            rest.iter().map(|e| e.seq.as_str()).collect::<Vec<_>>(),
            ["06", "07"]
        );
        let scan = dynamo::table::scan::<Event>(opts![limit: 4]).await.unwrap();
        let more = dynamo::table::scan::<Event>(opts![cursor: scan.cursor()])
            .await
            .unwrap();
        assert_eq!(scan.items.len() + more.items.len(), 14);
    })
    .await;
}

/// The filter, projection and limit may change between pages, whatever
/// placeholders they use: a filter's `:v0` or a `#pk` of its own once made
/// the crate name the key condition's placeholders differently, and the
/// cursor was refused as another query's.
#[tokio::test]
async fn the_filter_may_change_between_pages_whatever_its_placeholders() {
    isolated(async {
        events().await;
        let first = Event::query_page(s1(), opts![limit: 3]).await.unwrap();
        let cursor = first.cursor().expect("more pages");
        let rest = Event::list_items(
            s1(),
            opts![
                cursor: Some(cursor.clone()),
                filter_expression: "#k = :v0",
                expression_attribute_names: %{"#k" => "kind"},
                expression_attribute_values: %{":v0" => "click"},
            ],
        )
        .await
        .unwrap();
        assert_eq!(rest.len(), 4);
        let rest = Event::list_items(
            s1(),
            opts![
                cursor: Some(cursor.clone()),
                filter_expression: "#p = :v0 AND #k = :v1",
                expression_attribute_names: %{"#p" => "stream", "#k" => "kind"},
                expression_attribute_values: %{":v0" => "s1", ":v1" => "click"},
            ],
        )
        .await
        .unwrap();
        assert_eq!(rest.len(), 4);
        // Another partition is still another query.
        let e = Event::list_items(item!(Event { stream: "s2" }), opts![cursor: Some(cursor)])
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ValidationError);
    })
    .await;
}

#[tokio::test]
async fn a_cursor_of_another_query_or_a_tampered_one_is_refused() {
    isolated(async {
        events().await;
        let page = Event::query_page(s1(), opts![limit: 2]).await.unwrap();
        let c = page.cursor().unwrap();
        let refused = |e: Error, what: &str| {
            assert_eq!(e.kind(), ErrorKind::ValidationError, "{e}");
            assert_eq!(e.field(), Some("cursor"), "{e}");
            assert!(e.message().contains(what), "{}", e.message());
        };
        // Another partition: a client that edits the key in the URL.
        let e = Event::query_page(item!(Event { stream: "s2" }), opts![cursor: c.clone()])
            .await
            .unwrap_err();
        refused(e, "another query");
        // Another order, a scan, an index.
        let e = Event::query_page(s1(), opts![cursor: c.clone(), scan_index_forward: false])
            .await
            .unwrap_err();
        refused(e, "another query");
        let e = dynamo::table::scan::<Event>(opts![cursor: c.clone()])
            .await
            .unwrap_err();
        refused(e, "another query");
        let by_kind = item!(Event { kind: "click" });
        let e = Event::query_page(by_kind, opts![index_name: "ByKind", cursor: c.clone()])
            .await
            .unwrap_err();
        refused(e, "not index `ByKind`");
        // Tampered: one character of the payload changed.
        let mut bytes = c.clone().into_bytes();
        let at = bytes.len() - 3;
        bytes[at] = if bytes[at] == b'A' { b'B' } else { b'A' };
        let tampered = String::from_utf8(bytes).unwrap();
        let e = Event::query_page(s1(), opts![cursor: tampered])
            .await
            .unwrap_err();
        assert_eq!(e.field(), Some("cursor"), "{e}");
        // Both ways to say where to start.
        let e = Event::query_page(
            s1(),
            opts![cursor: c.clone(), exclusive_start_key: page.last_evaluated_key.clone()],
        )
        .await
        .unwrap_err();
        refused(e, "not both");
    })
    .await;
}

#[tokio::test]
async fn a_client_with_a_secret_signs_its_cursors_and_refuses_forged_ones() {
    isolated(async {
        events().await;
        let client = support::client().with_cursor_secret(*b"0123456789abcdef0123456789abcdef");
        let page = client.query_page(s1(), opts![limit: 2]).await.unwrap();
        let signed = page.cursor().unwrap();
        assert_eq!(signed.split('.').count(), 3, "{signed}");
        let next = client
            .query_page(s1(), opts![limit: 2, cursor: signed.clone()])
            .await
            .unwrap();
        assert_eq!(
            next.items
                .iter()
                .map(|e| e.seq.as_str())
                .collect::<Vec<_>>(),
            ["03", "04"]
        );
        // An unsigned cursor (what a client could build itself) is refused.
        let unsigned = Event::query_page(s1(), opts![limit: 2])
            .await
            .unwrap()
            .cursor()
            .unwrap();
        let e = client
            .query_page(s1(), opts![cursor: unsigned])
            .await
            .unwrap_err();
        assert!(e.message().contains("not signed"), "{}", e.message());
        // Signed with another secret: refused.
        let other = support::client().with_cursor_secret(b"another secret".to_vec());
        let e = other
            .query_page(s1(), opts![cursor: signed])
            .await
            .unwrap_err();
        assert!(e.message().contains("does not match"), "{}", e.message());
        // The secret never shows in the client's Debug output.
        assert!(!format!("{client:?}").contains("0123456789"));
    })
    .await;
}
