//! Property-based fuzzing (proptest, fixed seed): arbitrary JSON attribute
//! maps through the decoders, arbitrary field values through key building
//! and encoding, arbitrary stream records through `dynamo::changes`.
//! Nothing may panic; failures must be typed errors.
//!
//! Cases per property: `DYNAMO_FUZZ_CASES` (default 5,000 for the JSON
//! decoders, a quarter of that for the slower properties). No server needed.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};

use dynamo::prelude::*;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed};
#[cfg(feature = "rusoto")]
use rusoto_dynamodb::AttributeValue;
use serde_json::{Value as Json, json};

dynamo_item! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct Everything {
        table_name "everything";
        field :id: String, partition_key;
        field :name: String;
        field :count: i64;
        field :small: u8;
        field :ratio: f64;
        field :flag: bool;
        field :tags: Vec<String>;
        field :labels: BTreeSet<String>;
        field :nums: BTreeSet<i64>;
        field :blob: Vec<u8>;
        field :nick: Option<String>;
        field :attrs: BTreeMap<String, i64>;
        field :nested;
        field :doc: serde_json::Value;
    }
}

dynamo_item! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct Keyed {
        table_name "keyed";
        field :a: String;
        field :e;
        field :b: i64;
        field :c: f64;
        field :d: bool;
        field :f: Option<String>;
        field :g;
        partition_key [:a, :e];
        sort_key [:b, :c, :d, :f, :g];
    }
}

dynamo_item! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct KeyedPrefixed {
        use Dynamo.Schema, key_separator: "::", prefix_sort_key: true;
        table_name "keyed";
        field :a: String, partition_key;
        field :s1: String, sort_key;
        field :s2, sort_key;
    }
}

fn cases(share: u32) -> u32 {
    let base = std::env::var("DYNAMO_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse::<u32>().ok())
        .unwrap_or(5_000);
    (base / share).max(1)
}

fn config(cases: u32, seed: u64) -> Config {
    Config {
        cases,
        rng_seed: RngSeed::Fixed(seed),
        failure_persistence: None,
        max_shrink_iters: 2_000,
        ..Config::default()
    }
}

/// Field names of `Everything`, the key attributes, and arbitrary ones.
fn attr_name() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(vec![
            "id", "name", "count", "small", "ratio", "flag", "tags", "labels", "nums", "blob",
            "nick", "attrs", "nested", "doc", "pk", "sk",
        ])
        .prop_map(str::to_owned),
        1 => any::<String>(),
    ]
}

/// Number-like text: valid decimals of every size, exponents, and junk.
fn number_text() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[-+]?[0-9]{0,45}(\\.[0-9]{0,45})?([eE][-+]?[0-9]{1,4})?",
        1 => any::<i64>().prop_map(|n| n.to_string()),
        1 => any::<f64>().prop_map(|f| f.to_string()),
        1 => prop::sample::select(vec!["NaN", "inf", "-inf", "Infinity", "", ".", "-", "1e", "0x10", "1_000", " 1", "١٢"]).prop_map(str::to_owned),
        1 => any::<String>(),
    ]
}

/// Base64-ish text: valid encodings and junk.
fn b64_text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::collection::vec(any::<u8>(), 0..24).prop_map(|b| {
            use base64::Engine as _;
            base64::engine::general_purpose::STANDARD.encode(b)
        }),
        1 => "[A-Za-z0-9+/=]{0,12}",
        1 => any::<String>(),
    ]
}

/// Any JSON value.
fn any_json() -> impl Strategy<Value = Json> {
    let leaf = prop_oneof![
        Just(Json::Null),
        any::<bool>().prop_map(Json::from),
        any::<i64>().prop_map(Json::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map_or(Json::Null, Json::Number)),
        any::<String>().prop_map(Json::from),
        number_text().prop_map(Json::from),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Json::Array),
            prop::collection::btree_map(
                prop_oneof![
                    3 => prop::sample::select(vec!["S", "N", "B", "BOOL", "NULL", "L", "M", "SS", "NS", "BS"]).prop_map(str::to_owned),
                    1 => any::<String>(),
                ],
                inner,
                0..4
            )
            .prop_map(|m| Json::Object(m.into_iter().collect())),
        ]
    })
}

/// Attribute values in DynamoDB's JSON form, mostly well-formed, sometimes
/// not (wrong payload types, several type keys, junk).
fn attr_json() -> impl Strategy<Value = Json> {
    let leaf = prop_oneof![
        3 => any::<String>().prop_map(|s| json!({ "S": s })),
        3 => number_text().prop_map(|n| json!({ "N": n })),
        2 => b64_text().prop_map(|b| json!({ "B": b })),
        2 => any::<bool>().prop_map(|b| json!({ "BOOL": b })),
        1 => any::<bool>().prop_map(|b| json!({ "NULL": b })),
        2 => prop::collection::vec(any::<String>(), 0..5).prop_map(|v| json!({ "SS": v })),
        2 => prop::collection::vec(number_text(), 0..5).prop_map(|v| json!({ "NS": v })),
        1 => prop::collection::vec(b64_text(), 0..4).prop_map(|v| json!({ "BS": v })),
        1 => any_json(),
        1 => (any_json(), any_json()).prop_map(|(a, b)| json!({ "S": a, "N": b })),
        1 => Just(json!({})),
    ];
    leaf.prop_recursive(4, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(|v| json!({ "L": v })),
            prop::collection::btree_map(attr_name(), inner.clone(), 0..6)
                .prop_map(|m| json!({ "M": m })),
            inner.clone().prop_map(|v| json!({ "L": v })),
            inner.prop_map(|v| json!({ "SS": [v] })),
        ]
    })
}

/// An item: attribute names to attribute JSON.
fn item_json() -> impl Strategy<Value = BTreeMap<String, Json>> {
    prop::collection::btree_map(attr_name(), attr_json(), 0..12)
}

static DECODED: AtomicU64 = AtomicU64::new(0);
static REFUSED: AtomicU64 = AtomicU64::new(0);

/// Decodes through `Value::from_dynamodb_json` and `decoder::decode`.
fn decode_via_values(item: &BTreeMap<String, Json>) {
    let mut map: HashMap<String, Value> = HashMap::new();
    for (k, j) in item {
        match Value::from_dynamodb_json(j) {
            Ok(v) => {
                // Round trip: the wire form of a parsed value parses back to it.
                let again = Value::from_dynamodb_json(&v.to_dynamodb_json())
                    .expect("a value's own wire form parses");
                assert_eq!(again, v, "round trip of {j}");
                map.insert(k.clone(), v);
            }
            Err(msg) => {
                assert!(!msg.is_empty());
            }
        }
    }
    match dynamo::decoder::decode::<Everything>(&map) {
        Ok(e) => {
            DECODED.fetch_add(1, Ordering::Relaxed);
            // A decoded item encodes again without panicking.
            let _ = dynamo::encoder::encode(&e);
            #[cfg(feature = "rusoto")]
            let _ = dynamo::rusoto::to_rusoto_item(&e);
        }
        Err(err) => {
            REFUSED.fetch_add(1, Ordering::Relaxed);
            assert_eq!(err.kind(), ErrorKind::Decode, "{err}");
            assert!(!err.message().is_empty());
        }
    }
    let _ = dynamo::decoder::decode::<Keyed>(&map);
}

#[cfg(feature = "rusoto")]
/// Decodes through rusoto's `AttributeValue` (deserialized from the JSON)
/// and `client::from_rusoto_item`.
fn decode_via_rusoto(item: &BTreeMap<String, Json>) {
    let mut map: HashMap<String, AttributeValue> = HashMap::new();
    for (k, j) in item {
        if let Ok(a) = serde_json::from_value::<AttributeValue>(j.clone()) {
            let _ = dynamo::rusoto::from_rusoto_value(a.clone());
            map.insert(k.clone(), a);
        }
    }
    match dynamo::rusoto::from_rusoto_item::<Everything>(map.clone()) {
        Ok(e) => {
            let _ = dynamo::rusoto::to_rusoto_item(&e);
        }
        Err(err) => assert_eq!(err.kind(), ErrorKind::Decode, "{err}"),
    }
    let _ = dynamo::rusoto::from_rusoto_item::<Keyed>(map);
}

proptest! {
    #![proptest_config(config(cases(1), 0xF0_22_01))]

    /// Arbitrary DynamoDB-JSON attribute maps → `Value::from_dynamodb_json`
    /// → `decoder::decode`: no panic; failures are `Decode` errors.
    #[test]
    fn decoder_never_panics(item in item_json()) {
        decode_via_values(&item);
    }
}

#[cfg(feature = "rusoto")]
proptest! {
    #![proptest_config(config(cases(1), 0xF0_22_02))]

    /// The same maps as rusoto `AttributeValue`s → `from_rusoto_item`.
    #[test]
    fn rusoto_decoder_never_panics(item in item_json()) {
        decode_via_rusoto(&item);
    }
}

proptest! {
    #![proptest_config(config(cases(4), 0xF0_22_03))]

    /// Completely arbitrary JSON (not only attribute-shaped) as attribute
    /// values and as whole items.
    #[test]
    fn arbitrary_json_never_panics(j in any_json(), name in attr_name()) {
        let _ = Value::from_dynamodb_json(&j);
        #[cfg(feature = "rusoto")]
        let _ = serde_json::from_value::<AttributeValue>(j.clone()).map(dynamo::rusoto::from_rusoto_value);
        let item = BTreeMap::from([(name, j.clone())]);
        decode_via_values(&item);
        #[cfg(feature = "rusoto")]
        decode_via_rusoto(&item);
        if let Json::Object(m) = j {
            let item: BTreeMap<String, Json> = m.into_iter().collect();
            decode_via_values(&item);
            #[cfg(feature = "rusoto")]
            decode_via_rusoto(&item);
        }
    }
}

proptest! {
    #![proptest_config(config(cases(2), 0xF0_22_04))]

    /// Arbitrary text as a number: parses to a canonical number or is
    /// refused; the canonical text parses back to the same number.
    #[test]
    fn number_parsing_never_panics(text in number_text()) {
        if let Ok(n) = text.parse::<Number>() {
            let again: Number = n.as_str().parse().expect("canonical text parses");
            prop_assert_eq!(&again, &n);
            let _ = n.check_dynamodb_range();
            let _ = (n.as_i64(), n.as_f64(), n.significant_digits());
        }
    }
}

/// Any value the `e`/`g` fields (dynamic `Value`s) might hold.
fn any_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        3 => any::<String>().prop_map(Value::from),
        2 => any::<i64>().prop_map(Value::from),
        2 => any::<f64>().prop_map(Value::from),
        1 => any::<bool>().prop_map(Value::from),
        1 => Just(Value::Null),
        1 => number_text().prop_filter_map("a number", |t| t.parse::<Number>().ok()).prop_map(Value::Number),
        1 => prop::collection::vec(any::<u8>(), 0..8).prop_map(Value::Binary),
        1 => any_json().prop_map(|j| Value::from_plain_json(&j)),
        1 => prop::collection::btree_set(any::<String>(), 0..3).prop_map(Value::StringSet),
    ]
}

/// Key text: separators, empties, unicode.
fn key_text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => any::<String>(),
        2 => "[a-z#:]{0,6}",
        1 => Just(String::new()),
        1 => Just("#".to_owned()),
    ]
}

proptest! {
    #![proptest_config(config(cases(2), 0xF0_22_05))]

    /// Arbitrary field values → partition key, sort key, primary key, the
    /// encoded item: no panic; unset partition fields are `ValidationError`s
    /// naming the field; string parts are written verbatim.
    #[test]
    fn key_building_never_panics(
        a in key_text(),
        e in any_value(),
        b in any::<i64>(),
        c in any::<f64>(),
        d in any::<bool>(),
        f in prop::option::of(key_text()),
        g in any_value(),
    ) {
        let k = item!(Keyed { a: a.clone(), e: e.clone(), b: b, c: c, d: d, f: f.clone(), g: g.clone() });
        let pk = k.partition_key();
        let holds_separator =
            a.contains('#') || matches!(&e, Value::String(es) if es.contains('#'));
        match (&pk, a.is_empty(), &e) {
            (Err(err), true, _) => {
                prop_assert_eq!(err.kind(), ErrorKind::ValidationError);
                prop_assert!(err.message().contains("`a`"), "{}", err.message());
            }
            // A value holding the separator in this two-part key is refused,
            // naming the field.
            (Err(err), false, _) if holds_separator => {
                prop_assert_eq!(err.kind(), ErrorKind::ValidationError);
                prop_assert!(err.field().is_some(), "{}", err.message());
            }
            (Ok(pk), false, Value::String(es)) if !es.is_empty() => {
                prop_assert!(!holds_separator, "a separator inside a part was accepted: {}", pk);
                prop_assert_eq!(pk, &format!("{a}#{es}"));
            }
            (Ok(_), true, _) => prop_assert!(false, "an empty partition field was accepted"),
            _ => {}
        }
        if let Some(sk) = k.sort_key() {
            prop_assert!(sk.starts_with(&b.to_string()), "{} / {}", sk, b);
        }
        match k.primary_key() {
            Ok(key) => {
                prop_assert!(!key.partition.is_empty());
                let _ = key.to_item();
            }
            Err(err) => prop_assert_eq!(err.kind(), ErrorKind::ValidationError),
        }
        let _ = dynamo::encoder::encode(&k);
        #[cfg(feature = "rusoto")]
        match dynamo::rusoto::to_rusoto_item(&k) {
            Ok(map) => {
                prop_assert!(map.contains_key("pk"));
                let back: Keyed = dynamo::rusoto::from_rusoto_item(map).expect("own encoding decodes");
                prop_assert_eq!(back.a, a);
            }
            Err(err) => prop_assert_eq!(err.kind(), ErrorKind::ValidationError, "{}", err),
        }
        // Building the query (the stream is never polled: no request).
        let _ = Keyed::stream_items(&k, opts![sk_operator: :between, sk_end: g.clone()]);
        let _ = Keyed::stream_items(&k, opts![sk_operator: :begins_with]);
    }
}

proptest! {
    #![proptest_config(config(cases(4), 0xF0_22_06))]

    /// Field-name-prefixed sort keys with a two-character separator.
    #[test]
    fn prefixed_keys_never_panic(a in key_text(), s1 in key_text(), s2 in any_value()) {
        let k = item!(KeyedPrefixed { a: a.clone(), s1: s1.clone(), s2: s2.clone() });
        match k.partition_key() {
            Ok(pk) => prop_assert_eq!(pk, a),
            Err(err) => {
                prop_assert!(a.is_empty());
                prop_assert_eq!(err.kind(), ErrorKind::ValidationError);
            }
        }
        match k.sort_key() {
            Some(sk) => {
                prop_assert!(!s1.is_empty());
                let expected = format!("s1::{s1}");
                prop_assert!(sk.starts_with(&expected), "{} vs {}", sk, expected);
            }
            None => prop_assert!(s1.is_empty()),
        }
        let _ = k.primary_key();
        #[cfg(feature = "rusoto")]
        let _ = dynamo::rusoto::to_rusoto_item(&k);
    }
}

dynamo_item! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct Neighbour {
        table_name "everything";
        field :id: String, partition_key;
        field :count: i64;
    }
}

dynamo::collection! {
    #[derive(Debug, Clone, PartialEq)]
    pub enum EverythingTable {
        Everything(Everything),
        Neighbour(Neighbour),
    }
}

/// A well-formed image of `Everything` or `Neighbour` (their type names or
/// another), with some of its attributes left out.
fn good_image() -> impl Strategy<Value = Json> {
    (
        any::<String>(),
        any::<i64>(),
        prop::option::of(any::<String>()),
        prop::option::of(any::<bool>()),
        prop::option::of(prop::collection::vec(any::<String>(), 0..3)),
        prop::sample::select(vec!["Everything", "Neighbour", "Other", ""]),
    )
        .prop_map(|(id, count, name, flag, tags, ty)| {
            let mut m = serde_json::Map::new();
            m.insert("id".to_owned(), json!({ "S": id }));
            m.insert("count".to_owned(), json!({ "N": count.to_string() }));
            if let Some(name) = name {
                m.insert("name".to_owned(), json!({ "S": name }));
            }
            if let Some(flag) = flag {
                m.insert("flag".to_owned(), json!({ "BOOL": flag }));
            }
            if let Some(tags) = tags {
                let l: Vec<Json> = tags.into_iter().map(|t| json!({ "S": t })).collect();
                m.insert("tags".to_owned(), json!({ "L": l }));
            }
            if !ty.is_empty() {
                m.insert("_type".to_owned(), json!({ "S": ty }));
            }
            Json::Object(m)
        })
}

/// An image: mostly well-formed, sometimes an arbitrary item (often
/// marked as one schema's or another's).
fn image_json() -> impl Strategy<Value = Json> {
    let arbitrary = (
        item_json(),
        prop_oneof![
            2 => Just(None),
            2 => Just(Some(json!({ "S": "Everything" }))),
            2 => Just(Some(json!({ "S": "Neighbour" }))),
            1 => attr_json().prop_map(Some),
        ],
    )
        .prop_map(|(item, ty)| {
            let mut m: serde_json::Map<String, Json> = item.into_iter().collect();
            if let Some(ty) = ty {
                m.insert("_type".to_owned(), ty);
            }
            Json::Object(m)
        });
    prop_oneof![3 => good_image(), 1 => arbitrary]
}

/// A stream record as Lambda or `GetRecords` gives it: mostly well-formed,
/// with arbitrary images, names, identities, times and ARNs.
fn record_json() -> impl Strategy<Value = Json> {
    let name = prop_oneof![
        4 => prop::sample::select(vec!["INSERT", "MODIFY", "REMOVE"]).prop_map(str::to_owned),
        1 => any::<String>(),
    ];
    let arn = prop::option::of(prop_oneof![
        "arn:aws:dynamodb:us-east-1:1:table/[a-z:/]{0,12}(/stream/[0-9:T.-]{0,20})?",
        any::<String>(),
    ]);
    let identity = prop::option::of(prop_oneof![
        Just(json!({ "type": "Service", "principalId": "dynamodb.amazonaws.com" })),
        any_json(),
    ]);
    let created = prop::option::of(prop_oneof![
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map_or(Json::Null, Json::Number)),
        any::<i64>().prop_map(Json::from),
        any_json(),
    ]);
    let body = (
        prop::option::of(prop_oneof![
            4 => any::<String>().prop_map(|id| json!({ "id": { "S": id } })),
            1 => item_json().prop_map(|k| json!(k)),
        ]),
        prop::option::of(image_json()),
        prop::option::of(image_json()),
        prop::option::of(any::<String>()),
        created,
    )
        .prop_map(|(keys, old, new, seq, created)| {
            let mut m = serde_json::Map::new();
            if let Some(keys) = keys {
                m.insert("Keys".to_owned(), keys);
            }
            for (k, v) in [("OldImage", old), ("NewImage", new)] {
                if let Some(v) = v {
                    m.insert(k.to_owned(), v);
                }
            }
            if let Some(seq) = seq {
                m.insert("SequenceNumber".to_owned(), Json::from(seq));
            }
            if let Some(c) = created {
                m.insert("ApproximateCreationDateTime".to_owned(), c);
            }
            Json::Object(m)
        });
    (name, prop::option::of(any::<String>()), arn, identity, body).prop_map(
        |(name, id, arn, identity, body)| {
            let mut m = serde_json::Map::new();
            m.insert("eventName".to_owned(), Json::from(name));
            if let Some(id) = id {
                m.insert("eventID".to_owned(), Json::from(id));
            }
            if let Some(arn) = arn {
                m.insert("eventSourceARN".to_owned(), Json::from(arn));
            }
            if let Some(identity) = identity {
                m.insert("userIdentity".to_owned(), identity);
            }
            m.insert("dynamodb".to_owned(), body);
            Json::Object(m)
        },
    )
}

static STREAM_READ: AtomicU64 = AtomicU64::new(0);
static STREAM_DECODED: AtomicU64 = AtomicU64::new(0);
static STREAM_ROUTED: AtomicU64 = AtomicU64::new(0);

/// Everything a consumer may ask of a record: no panic, only `Decode`
/// errors, and a decoded change that agrees with the record.
fn check_record(r: &dynamo::changes::ChangeRecord) {
    STREAM_READ.fetch_add(1, Ordering::Relaxed);
    let _ = (
        r.event_id(),
        r.sequence_number(),
        r.approximate_creation_time(),
    );
    let _ = (r.table_name(), r.is_expiry(), r.keys(), format!("{r:?}"));
    let (old, new) = (r.old_image(), r.new_image());
    let _ = (r.is::<Everything>(), r.is::<Neighbour>(), r.is::<Keyed>());
    match r.decode::<Everything>() {
        Ok(c) => {
            STREAM_DECODED.fetch_add(1, Ordering::Relaxed);
            assert_eq!(c.kind, r.kind());
            assert_eq!(c.old.is_some(), old.is_some());
            assert_eq!(c.new.is_some(), new.is_some());
            assert_eq!(c.expired, r.is_expiry());
            assert!(r.is::<Everything>());
        }
        Err(e) => assert_eq!(e.kind(), ErrorKind::Decode, "{e}"),
    }
    let _ = r
        .decode::<Keyed>()
        .map_err(|e| assert_eq!(e.kind(), ErrorKind::Decode, "{e}"));
    match r.route::<EverythingTable>() {
        Ok(Some(c)) => {
            STREAM_ROUTED.fetch_add(1, Ordering::Relaxed);
            assert_eq!(c.kind, r.kind());
            assert!(c.old.is_some() || c.new.is_some());
        }
        Ok(None) => assert!(!r.is::<Everything>() && !r.is::<Neighbour>()),
        Err(e) => assert_eq!(e.kind(), ErrorKind::Decode, "{e}"),
    }
}

proptest! {
    #![proptest_config(config(cases(4), 0xF0_22_07))]

    /// Stream records and Lambda events (`dynamo::changes`): read, decoded
    /// and routed with no panic; failures are `Decode` errors.
    #[test]
    fn stream_records_never_panic(rec in record_json(), other in record_json(), junk in any_json()) {
        let text = serde_json::to_vec(&rec).unwrap();
        match dynamo::changes::ChangeRecord::from_json(&text) {
            Ok(r) => check_record(&r),
            Err(e) => prop_assert_eq!(e.kind(), ErrorKind::Decode),
        }
        let event = json!({ "Records": [rec, other, junk.clone()] });
        match dynamo::changes::ChangeEvent::from_json(&serde_json::to_vec(&event).unwrap()) {
            Ok(ev) => ev.records.iter().for_each(check_record),
            Err(e) => prop_assert_eq!(e.kind(), ErrorKind::Decode),
        }
        let _ = dynamo::changes::ChangeEvent::from_json(&serde_json::to_vec(&junk).unwrap());
        let _ = serde_json::from_value::<dynamo::changes::StreamPosition>(junk);
    }
}

/// Prints how many fuzzed items decoded and how many were refused (after
/// the properties above, when run in one process; informational).
#[test]
fn zz_fuzz_summary() {
    eprintln!(
        "FIGURES fuzz_props: {} cases per decoder property; decoded {} / refused {} so far in this process; \
         stream records read {}, decoded {}, routed {}",
        cases(1),
        DECODED.load(Ordering::Relaxed),
        REFUSED.load(Ordering::Relaxed),
        STREAM_READ.load(Ordering::Relaxed),
        STREAM_DECODED.load(Ordering::Relaxed),
        STREAM_ROUTED.load(Ordering::Relaxed)
    );
}
