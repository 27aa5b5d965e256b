//! Interop with code that uses `rusoto_dynamodb` directly (feature
//! `rusoto`): a schema item as rusoto's attribute map, exactly as the crate
//! writes it, and back. The one public module that names rusoto types.
//!
//! ```
//! use dynamo::prelude::*;
//!
//! dynamo_item! {
//!     #[derive(Debug, PartialEq)]
//!     pub struct User {
//!         table_name "users";
//!         field :id: String, partition_key;
//!         field :age: u32;
//!     }
//! }
//!
//! let map = dynamo::rusoto::to_rusoto_item(&item!(User { id: String::from("u1"), age: 3u32 })).unwrap();
//! assert_eq!(map["pk"].s.as_deref(), Some("u1"));
//! assert_eq!(map["age"].n.as_deref(), Some("3"));
//! let back: User = dynamo::rusoto::from_rusoto_item(map).unwrap();
//! assert_eq!(back.age, 3);
//! ```

use std::collections::HashMap;

use bytes::Bytes;
use rusoto_dynamodb::AttributeValue;

use crate::codec::wire::WireItem;
use crate::error::{Error, ErrorKind, Result};
use crate::plan::{self, Ctx};
use crate::schema::Schema;
use crate::value::{Number, Value};

fn decode_error(e: impl std::fmt::Display) -> Error {
    Error::new(
        ErrorKind::Decode,
        format!("not a DynamoDB attribute map: {e}"),
    )
}

/// The attribute map of a schema item exactly as the crate writes it (key
/// attributes included), in rusoto's types.
pub fn to_rusoto_item<T: Schema>(item: &T) -> Result<HashMap<String, AttributeValue>> {
    let ctx = Ctx::of::<T>()?;
    let encoded = plan::encode_for_write(&ctx, item)?;
    serde_json::from_slice(&encoded.json).map_err(decode_error)
}

/// Decodes a schema item from a rusoto attribute map (the inverse of
/// [`to_rusoto_item`]; key attributes are ignored).
pub fn from_rusoto_item<T: Schema>(map: HashMap<String, AttributeValue>) -> Result<T> {
    let json = serde_json::to_vec(&map).map_err(decode_error)?;
    let item: WireItem = crate::codec::wire::from_json_bytes(&json).map_err(decode_error)?;
    plan::decode_item(&Ctx::recovering::<T>()?, item)
}

/// Converts a [`Value`] into rusoto's `AttributeValue`, field by field
/// (any depth).
pub fn to_rusoto_value(value: Value) -> AttributeValue {
    let mut a = AttributeValue::default();
    match value {
        Value::Null => a.null = Some(true),
        Value::Bool(b) => a.bool = Some(b),
        Value::String(s) => a.s = Some(s),
        Value::Number(n) => a.n = Some(n.as_str().to_owned()),
        Value::Binary(b) => a.b = Some(Bytes::from(b)),
        Value::List(l) => a.l = Some(l.into_iter().map(to_rusoto_value).collect()),
        Value::Map(m) => {
            a.m = Some(
                m.into_iter()
                    .map(|(k, v)| (k, to_rusoto_value(v)))
                    .collect(),
            );
        }
        Value::StringSet(s) => a.ss = Some(s.into_iter().collect()),
        Value::NumberSet(s) => a.ns = Some(s.iter().map(|n| n.as_str().to_owned()).collect()),
        Value::BinarySet(s) => a.bs = Some(s.into_iter().map(Bytes::from).collect()),
    }
    a
}

/// Converts rusoto's `AttributeValue` into a [`Value`]. An attribute value
/// with no type set or more than one, `NULL` set to false, or a number that
/// does not parse, is a `Decode` error.
pub fn from_rusoto_value(value: AttributeValue) -> Result<Value> {
    let AttributeValue {
        b,
        bool,
        bs,
        l,
        m,
        n,
        ns,
        null,
        s,
        ss,
    } = value;
    let set = [
        b.is_some(),
        bool.is_some(),
        bs.is_some(),
        l.is_some(),
        m.is_some(),
        n.is_some(),
        ns.is_some(),
        null.is_some(),
        s.is_some(),
        ss.is_some(),
    ];
    match set.iter().filter(|x| **x).count() {
        0 => return Err(decode_error("an attribute value with no type set")),
        1 => {}
        more => {
            return Err(decode_error(format!(
                "an attribute value with {more} types set (one is allowed)"
            )));
        }
    }
    let number = |text: String| {
        text.parse::<Number>()
            .map_err(|_| decode_error(format!("`{text}` is not a number")))
    };
    Ok(if let Some(b) = b {
        Value::Binary(b.to_vec())
    } else if let Some(b) = bool {
        Value::Bool(b)
    } else if let Some(bs) = bs {
        Value::BinarySet(bs.into_iter().map(|b| b.to_vec()).collect())
    } else if let Some(l) = l {
        Value::List(
            l.into_iter()
                .map(from_rusoto_value)
                .collect::<Result<_>>()?,
        )
    } else if let Some(m) = m {
        Value::Map(
            m.into_iter()
                .map(|(k, v)| Ok((k, from_rusoto_value(v)?)))
                .collect::<Result<_>>()?,
        )
    } else if let Some(n) = n {
        Value::Number(number(n)?)
    } else if let Some(ns) = ns {
        Value::NumberSet(ns.into_iter().map(number).collect::<Result<_>>()?)
    } else if let Some(null) = null {
        if !null {
            return Err(decode_error("`NULL` set to false"));
        }
        Value::Null
    } else if let Some(s) = s {
        Value::String(s)
    } else {
        Value::StringSet(ss.unwrap_or_default().into_iter().collect())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{BTreeMap, BTreeSet};

    #[test]
    fn values_round_trip_through_rusoto() {
        let v = Value::Map(BTreeMap::from([
            ("s".to_owned(), Value::from("x")),
            ("n".to_owned(), Value::from(1.5)),
            ("b".to_owned(), Value::Binary(vec![1, 2])),
            (
                "l".to_owned(),
                Value::from(vec![Value::Null, Value::Bool(false)]),
            ),
            (
                "ss".to_owned(),
                Value::StringSet(BTreeSet::from(["a".to_owned()])),
            ),
            (
                "bs".to_owned(),
                Value::BinarySet(BTreeSet::from([vec![9u8]])),
            ),
        ]));
        assert_eq!(from_rusoto_value(to_rusoto_value(v.clone())).unwrap(), v);
        assert!(from_rusoto_value(AttributeValue::default()).is_err());
        let bad = AttributeValue {
            n: Some("x".into()),
            ..Default::default()
        };
        assert!(from_rusoto_value(bad).is_err());
    }

    #[test]
    fn every_kind_converts_both_ways_at_any_depth() {
        let n = |s: &str| s.parse::<Number>().unwrap();
        let v = Value::Map(BTreeMap::from([
            ("null".to_owned(), Value::Null),
            ("n".to_owned(), Value::Number(n("-12.5"))),
            (
                "ns".to_owned(),
                Value::NumberSet(BTreeSet::from([n("1"), n("2.5")])),
            ),
        ]));
        let a = to_rusoto_value(v.clone());
        let m = a.m.as_ref().unwrap();
        assert_eq!(m["null"].null, Some(true));
        assert_eq!(m["n"].n.as_deref(), Some("-12.5"));
        assert_eq!(m["ns"].ns.as_ref().unwrap().len(), 2);
        assert_eq!(from_rusoto_value(a).unwrap(), v);

        // Deeper than a JSON parser's recursion limit (DynamoDB itself
        // allows 32 levels; a conversion must not lose the value).
        let mut deep = Value::from("bottom");
        for i in 0..200 {
            deep = if i % 2 == 0 {
                Value::List(vec![deep])
            } else {
                Value::Map(BTreeMap::from([("k".to_owned(), deep)]))
            };
        }
        let a = to_rusoto_value(deep.clone());
        assert!(a.m.is_some());
        assert_eq!(from_rusoto_value(a).unwrap(), deep);
    }

    #[test]
    fn ill_formed_attribute_values_are_decode_errors() {
        let two = AttributeValue {
            s: Some("x".into()),
            n: Some("1".into()),
            ..Default::default()
        };
        let e = from_rusoto_value(two).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Decode);
        assert!(e.message().contains("2 types set"), "{}", e.message());
        let null_false = AttributeValue {
            null: Some(false),
            ..Default::default()
        };
        assert!(from_rusoto_value(null_false).is_err());
        let e = from_rusoto_value(AttributeValue::default()).unwrap_err();
        assert!(e.message().contains("no type set"), "{}", e.message());
        let bad_set = AttributeValue {
            ns: Some(vec!["1".into(), "one".into()]),
            ..Default::default()
        };
        let e = from_rusoto_value(bad_set).unwrap_err();
        assert!(e.message().contains("`one`"), "{}", e.message());
        let nested = AttributeValue {
            l: Some(vec![AttributeValue::default()]),
            ..Default::default()
        };
        assert!(from_rusoto_value(nested).is_err());
    }
}
