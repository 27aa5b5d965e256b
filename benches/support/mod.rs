//! The item the codec and key benchmarks work on: 20 attributes (strings,
//! numbers, a bool, a list, an optional field) with a 3-part partition key
//! and a 3-part sort key, plus its serde-derived twin for `serde_dynamo`.
#![allow(dead_code)]

use std::collections::HashMap;

use dynamo::prelude::*;
use rusoto_dynamodb::AttributeValue;
use serde::{Deserialize, Serialize};

dynamo_item! {
    /// 20 attributes; keys from 6 of them.
    #[derive(Debug, Clone, PartialEq)]
    pub struct Order {
        table_name "bench_orders";
        field :tenant_id: String;
        field :shard: i64;
        field :region: String;
        field :day: String;
        field :seq: u64;
        field :event_id: String;
        field :customer_name: String;
        field :email: String;
        field :status: String;
        field :currency: String;
        field :description: String;
        field :amount: f64;
        field :quantity: i64;
        field :discount: f64;
        field :version: u32;
        field :created_at: i64;
        field :priority: i32;
        field :active: bool;
        field :tags: Vec<String>;
        field :note: Option<String>;
        partition_key [:tenant_id, :shard, :region];
        sort_key [:day, :seq, :event_id];
    }
}

/// The same 20 fields, for `serde_dynamo`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderTwin {
    pub tenant_id: String,
    pub shard: i64,
    pub region: String,
    pub day: String,
    pub seq: u64,
    pub event_id: String,
    pub customer_name: String,
    pub email: String,
    pub status: String,
    pub currency: String,
    pub description: String,
    pub amount: f64,
    pub quantity: i64,
    pub discount: f64,
    pub version: u32,
    pub created_at: i64,
    pub priority: i32,
    pub active: bool,
    pub tags: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

pub fn order() -> Order {
    item!(Order {
        tenant_id: "tenant-0042",
        shard: 7i64,
        region: "eu-west-1",
        day: "2024-01-15",
        seq: 1_234_567u64,
        event_id: "evt-9f8e7d6c",
        customer_name: "Ada Lovelace",
        email: "ada@example.com",
        status: "SHIPPED",
        currency: "EUR",
        description: "Two analytical engines, one difference engine, spare punch cards",
        amount: 1299.95,
        quantity: 3i64,
        discount: 0.15,
        version: 12u32,
        created_at: 1_705_312_800i64,
        priority: -2i32,
        active: true,
        tags: vec!["priority".to_owned(), "gift".to_owned(), "eu".to_owned()],
        note: Some("leave at the door".to_owned()),
    })
}

pub fn twin(o: &Order) -> OrderTwin {
    OrderTwin {
        tenant_id: o.tenant_id.clone(),
        shard: o.shard,
        region: o.region.clone(),
        day: o.day.clone(),
        seq: o.seq,
        event_id: o.event_id.clone(),
        customer_name: o.customer_name.clone(),
        email: o.email.clone(),
        status: o.status.clone(),
        currency: o.currency.clone(),
        description: o.description.clone(),
        amount: o.amount,
        quantity: o.quantity,
        discount: o.discount,
        version: o.version,
        created_at: o.created_at,
        priority: o.priority,
        active: o.active,
        tags: o.tags.clone(),
        note: o.note.clone(),
    }
}

fn s(v: String) -> AttributeValue {
    AttributeValue {
        s: Some(v),
        ..Default::default()
    }
}

/// An item's DynamoDB JSON as rusoto reads it: its attribute map.
pub fn parse(json: &[u8]) -> HashMap<String, AttributeValue> {
    serde_json::from_slice(json).expect("DynamoDB JSON")
}

/// What a `serde_dynamo` user sends to store the twin with the same `pk`,
/// `sk` and `_type` attributes the crate generates: the map `serde_dynamo` builds,
/// as the JSON rusoto writes into the request.
pub fn serde_encode(t: &OrderTwin) -> Vec<u8> {
    serde_json::to_vec(&serde_map(t)).expect("JSON")
}

/// The twin from an answer's item JSON, as a `serde_dynamo` user reads it:
/// rusoto parses the map, `serde_dynamo` decodes it.
pub fn serde_decode(json: &[u8]) -> OrderTwin {
    serde_dynamo::from_item(parse(json)).expect("serde_dynamo")
}

/// The attribute map `serde_dynamo` builds for the twin, with `pk`/`sk`.
pub fn serde_map(t: &OrderTwin) -> HashMap<String, AttributeValue> {
    let mut map: HashMap<String, AttributeValue> = serde_dynamo::to_item(t).expect("serde_dynamo");
    let mut shard = itoa::Buffer::new();
    let mut seq = itoa::Buffer::new();
    let pk = [&*t.tenant_id, shard.format(t.shard), &*t.region].join("#");
    let sk = [&*t.day, seq.format(t.seq), &*t.event_id].join("#");
    map.insert("pk".to_owned(), s(pk));
    map.insert("sk".to_owned(), s(sk));
    // The type attribute the crate writes (single-table reads rely on it).
    map.insert("_type".to_owned(), s("Order".to_owned()));
    map
}

/// The crate's encoder: the item's JSON exactly as `put_item` sends it,
/// every value checked and the size counted.
pub fn crate_encode(o: &Order) -> Vec<u8> {
    dynamo::encoder::to_json(o).expect("to_json")
}

/// The crate's decoder: the struct straight from an answer's item JSON.
pub fn crate_decode(json: &[u8]) -> Order {
    dynamo::decoder::from_json(json).expect("from_json")
}

/// The hand-written floor, to the wire: its map as rusoto's JSON.
pub fn hand_encode(o: &Order) -> Vec<u8> {
    serde_json::to_vec(&hand_map(o)).expect("JSON")
}

/// The hand-written floor, from the wire: rusoto parses the map, the
/// hand-written code reads it.
pub fn hand_decode(json: &[u8]) -> Order {
    hand_from_map(parse(json))
}

/// The hand-written floor: what a rusoto user writes for this one struct,
/// with no checks at all (no number range or precision check, no size
/// limit, no empty-set check, no key-field recovery). Not a library; a
/// yardstick for what rusoto's map itself costs.
pub fn hand_map(o: &Order) -> HashMap<String, AttributeValue> {
    fn n(v: String) -> AttributeValue {
        AttributeValue {
            n: Some(v),
            ..Default::default()
        }
    }
    let int = |v: i64| n(itoa::Buffer::new().format(v).to_owned());
    let float = |v: f64| n(ryu::Buffer::new().format_finite(v).to_owned());
    let mut shard = itoa::Buffer::new();
    let mut seq = itoa::Buffer::new();
    let mut m = HashMap::with_capacity(22);
    m.insert(
        "pk".to_owned(),
        s([&*o.tenant_id, shard.format(o.shard), &*o.region].join("#")),
    );
    m.insert(
        "sk".to_owned(),
        s([&*o.day, seq.format(o.seq), &*o.event_id].join("#")),
    );
    m.insert("_type".to_owned(), s("Order".to_owned()));
    m.insert("tenant_id".to_owned(), s(o.tenant_id.clone()));
    m.insert("shard".to_owned(), int(o.shard));
    m.insert("region".to_owned(), s(o.region.clone()));
    m.insert("day".to_owned(), s(o.day.clone()));
    m.insert("seq".to_owned(), int(o.seq as i64));
    m.insert("event_id".to_owned(), s(o.event_id.clone()));
    m.insert("customer_name".to_owned(), s(o.customer_name.clone()));
    m.insert("email".to_owned(), s(o.email.clone()));
    m.insert("status".to_owned(), s(o.status.clone()));
    m.insert("currency".to_owned(), s(o.currency.clone()));
    m.insert("description".to_owned(), s(o.description.clone()));
    m.insert("amount".to_owned(), float(o.amount));
    m.insert("quantity".to_owned(), int(o.quantity));
    m.insert("discount".to_owned(), float(o.discount));
    m.insert("version".to_owned(), int(o.version.into()));
    m.insert("created_at".to_owned(), int(o.created_at));
    m.insert("priority".to_owned(), int(o.priority.into()));
    m.insert(
        "active".to_owned(),
        AttributeValue {
            bool: Some(o.active),
            ..Default::default()
        },
    );
    m.insert(
        "tags".to_owned(),
        AttributeValue {
            l: Some(o.tags.iter().map(|t| s(t.clone())).collect()),
            ..Default::default()
        },
    );
    if let Some(note) = &o.note {
        m.insert("note".to_owned(), s(note.clone()));
    }
    m
}

/// The hand-written floor's decoder (see [`hand_map`]).
pub fn hand_from_map(mut m: HashMap<String, AttributeValue>) -> Order {
    let mut text = |k: &str| m.remove(k).and_then(|a| a.s).unwrap_or_default();
    let tenant_id = text("tenant_id");
    let region = text("region");
    let day = text("day");
    let event_id = text("event_id");
    let customer_name = text("customer_name");
    let email = text("email");
    let status = text("status");
    let currency = text("currency");
    let description = text("description");
    let note = m.remove("note").and_then(|a| a.s);
    let num = |m: &mut HashMap<String, AttributeValue>, k: &str| {
        m.remove(k).and_then(|a| a.n).unwrap_or_default()
    };
    Order {
        tenant_id,
        shard: num(&mut m, "shard").parse().unwrap_or_default(),
        region,
        day,
        seq: num(&mut m, "seq").parse().unwrap_or_default(),
        event_id,
        customer_name,
        email,
        status,
        currency,
        description,
        amount: num(&mut m, "amount").parse().unwrap_or_default(),
        quantity: num(&mut m, "quantity").parse().unwrap_or_default(),
        discount: num(&mut m, "discount").parse().unwrap_or_default(),
        version: num(&mut m, "version").parse().unwrap_or_default(),
        created_at: num(&mut m, "created_at").parse().unwrap_or_default(),
        priority: num(&mut m, "priority").parse().unwrap_or_default(),
        active: m.remove("active").and_then(|a| a.bool).unwrap_or_default(),
        tags: m
            .remove("tags")
            .and_then(|a| a.l)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|a| a.s)
            .collect(),
        note,
    }
}
