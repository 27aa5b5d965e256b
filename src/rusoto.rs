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

use rusoto_dynamodb::AttributeValue;

use crate::codec::wire::{WireItem, parse_value, value_json};
use crate::error::{Error, ErrorKind, Result};
use crate::plan::{self, Ctx};
use crate::schema::Schema;
use crate::value::Value;

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

/// Converts a [`Value`] into rusoto's `AttributeValue`.
pub fn to_rusoto_value(value: Value) -> AttributeValue {
    serde_json::from_str(&value_json(&value)).unwrap_or_default()
}

/// Converts rusoto's `AttributeValue` into a [`Value`]. An attribute value
/// with no type set, or a number that does not parse, is a `Decode` error.
pub fn from_rusoto_value(value: AttributeValue) -> Result<Value> {
    let json = serde_json::to_vec(&value).map_err(decode_error)?;
    parse_value(&json)
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
}
