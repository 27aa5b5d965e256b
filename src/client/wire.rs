//! Conversions between the crate's values and rusoto's wire types.
//!
//! Items are encoded straight into rusoto's attribute maps (no intermediate
//! map), checked and sized on the way, and decoded straight out of them.

use std::collections::{BTreeMap, HashMap};

use bytes::Bytes;
use rusoto_dynamodb::AttributeValue;

use crate::codec::size::{check_value, value_size};
use crate::codec::{AttributeSink, AttributeSource, MAX_ITEM_SIZE};
use crate::error::{Error, Result};
use crate::schema::Schema;
use crate::value::{Number, Value};

/// A rusoto attribute map.
pub(crate) type AttrMap = HashMap<String, AttributeValue>;

/// Converts a value into rusoto's attribute value.
pub(crate) fn to_attr(value: Value) -> AttributeValue {
    let mut a = AttributeValue::default();
    match value {
        Value::Null => a.null = Some(true),
        Value::Bool(b) => a.bool = Some(b),
        Value::String(s) => a.s = Some(s),
        Value::Number(n) => a.n = Some(n.into_string()),
        Value::Binary(b) => a.b = Some(Bytes::from(b)),
        Value::List(l) => a.l = Some(l.into_iter().map(to_attr).collect()),
        Value::Map(m) => a.m = Some(m.into_iter().map(|(k, v)| (k, to_attr(v))).collect()),
        Value::StringSet(s) => a.ss = Some(s.into_iter().collect()),
        Value::NumberSet(s) => a.ns = Some(s.into_iter().map(Number::into_string).collect()),
        Value::BinarySet(s) => a.bs = Some(s.into_iter().map(Bytes::from).collect()),
    }
    a
}

/// Converts rusoto's attribute value into a value. An attribute value with no
/// type set, or a number that does not parse, is a `Decode` error.
pub(crate) fn from_attr(a: AttributeValue) -> Result<Value> {
    if let Some(s) = a.s {
        return Ok(Value::String(s));
    }
    if let Some(n) = a.n {
        return Number::parse_owned(n)
            .map(Value::Number)
            .map_err(|e| Error::new(crate::ErrorKind::Decode, e.to_string()));
    }
    if let Some(b) = a.bool {
        return Ok(Value::Bool(b));
    }
    if let Some(m) = a.m {
        return m
            .into_iter()
            .map(|(k, v)| Ok((k, from_attr(v)?)))
            .collect::<Result<BTreeMap<_, _>>>()
            .map(Value::Map);
    }
    if let Some(l) = a.l {
        return l
            .into_iter()
            .map(from_attr)
            .collect::<Result<Vec<_>>>()
            .map(Value::List);
    }
    if let Some(b) = a.b {
        return Ok(Value::Binary(b.to_vec()));
    }
    if let Some(ss) = a.ss {
        return Ok(Value::StringSet(ss.into_iter().collect()));
    }
    if let Some(ns) = a.ns {
        return ns
            .into_iter()
            .map(|n| {
                Number::parse_owned(n)
                    .map_err(|e| Error::new(crate::ErrorKind::Decode, e.to_string()))
            })
            .collect::<Result<_>>()
            .map(Value::NumberSet);
    }
    if let Some(bs) = a.bs {
        return Ok(Value::BinarySet(
            bs.into_iter().map(|b| b.to_vec()).collect(),
        ));
    }
    if a.null.is_some() {
        return Ok(Value::Null);
    }
    Err(Error::new(
        crate::ErrorKind::Decode,
        "attribute value has no type",
    ))
}

/// Converts a map of values into a rusoto map.
pub(crate) fn to_attr_map<I: IntoIterator<Item = (String, Value)>>(map: I) -> AttrMap {
    map.into_iter().map(|(k, v)| (k, to_attr(v))).collect()
}

/// Converts a rusoto map into a map of values.
pub(crate) fn from_attr_map(map: AttrMap) -> Result<crate::Item> {
    map.into_iter()
        .map(|(k, v)| Ok((k, from_attr(v)?)))
        .collect()
}

/// Encodes an item straight into a rusoto map, checking every value and
/// adding up the item size as it goes.
pub(crate) struct WireWriter {
    pub(crate) map: AttrMap,
    pub(crate) size: usize,
    error: Option<Error>,
}

impl WireWriter {
    pub(crate) fn with_capacity(n: usize) -> WireWriter {
        WireWriter {
            map: AttrMap::with_capacity(n),
            size: 0,
            error: None,
        }
    }

    /// Adds an attribute the crate generated (keys), counting its size.
    pub(crate) fn put(&mut self, name: String, value: Value) {
        self.size += name.len() + value_size(&value);
        self.map.insert(name, to_attr(value));
    }

    /// The map and its size; `what` names the item in errors.
    pub(crate) fn finish(self, what: impl FnOnce() -> String) -> Result<(AttrMap, usize)> {
        if let Some(e) = self.error {
            return Err(e);
        }
        if self.size > MAX_ITEM_SIZE {
            return Err(Error::validation(format!(
                "{} is {} bytes, over DynamoDB's item size limit of {MAX_ITEM_SIZE} bytes (400 KB); \
                 store large data elsewhere (e.g. S3) and keep a reference",
                what(),
                self.size
            )));
        }
        Ok((self.map, self.size))
    }
}

impl AttributeSink for WireWriter {
    fn attribute(&mut self, name: &str, value: Value) {
        if self.error.is_none() {
            if let Err(e) = check_value(&value) {
                self.error =
                    Some(Error::validation(format!("field `{name}`: {e}")).with_field(name));
                return;
            }
        }
        self.size += name.len() + value_size(&value);
        self.map.insert(name.to_owned(), to_attr(value));
    }
}

/// Reads attributes out of a rusoto map, converting on the way.
pub(crate) struct WireReader {
    pub(crate) map: AttrMap,
    error: Option<Error>,
}

impl WireReader {
    pub(crate) fn new(map: AttrMap) -> WireReader {
        WireReader { map, error: None }
    }
}

impl AttributeSource for WireReader {
    fn take(&mut self, name: &str) -> Option<Value> {
        let a = self.map.remove(name)?;
        match from_attr(a) {
            Ok(v) => Some(v),
            Err(e) => {
                if self.error.is_none() {
                    self.error = Some(Error::decode(name, e.message()));
                }
                None
            }
        }
    }
}

/// Encodes a schema item with its key attributes into a rusoto map, checking
/// values, index key types and the 400 KB limit. Returns the map and its size.
pub(crate) fn encode_for_write<T: Schema>(item: &T) -> Result<(AttrMap, usize)> {
    let key = item.primary_key()?;
    check_index_keys(item)?;
    let mut w = WireWriter::with_capacity(T::SCHEMA.fields.len() + 2);
    item.encode_item(&mut w);
    w.put(key.partition_name, Value::String(key.partition));
    if let Some((name, sk)) = key.sort {
        w.put(name, Value::String(sk));
    }
    w.finish(|| format!("item of `{}`", T::SCHEMA.name))
}

/// A value in a GSI key attribute must be a string, number or binary, and
/// not an empty string (DynamoDB refuses both). Unset means "not indexed".
pub(crate) fn check_index_keys<T: Schema>(item: &T) -> Result<()> {
    for index in T::SCHEMA.indexes {
        for field in std::iter::once(index.partition_key).chain(index.sort_key) {
            match item.field_value(field) {
                None | Some(Value::Null) => {}
                Some(Value::String(s)) if s.is_empty() => {
                    return Err(Error::validation(format!(
                        "field `{field}` is a key of index `{}` and cannot be an empty string; \
                         leave it unset (Null/None) to keep the item out of the index",
                        index.name
                    ))
                    .with_field(field))
                }
                Some(Value::String(_) | Value::Number(_) | Value::Binary(_)) => {}
                Some(other) => {
                    return Err(Error::validation(format!(
                        "field `{field}` is a key of index `{}` and must be a string, number or \
                         binary, not a {} value",
                        index.name,
                        other.type_name()
                    ))
                    .with_field(field))
                }
            }
        }
    }
    Ok(())
}

/// Fills in key fields that an item read from a `keys_only` (or `include`)
/// index lacks, from the `pk`/`sk` attributes they were built from — when
/// that is unambiguous: the key splits into exactly one part per field (or
/// name/value pairs with `prefix_sort_key`), and the field holds a string,
/// a number or an untyped `Value`.
fn recover_key_fields<T: Schema>(map: &mut AttrMap) {
    let s = T::SCHEMA;
    let missing = |map: &AttrMap, fields: &[&str]| fields.iter().any(|f| !map.contains_key(*f));
    let placement = s.placement();
    // No allocation here: this runs for every item read.
    let foreign_key: [&'static str; 1];
    let pk_fields: &[&'static str] = match placement {
        Some(rel) if rel.parent.partition_key.len() == 1 => {
            foreign_key = [rel.foreign_key_field()];
            &foreign_key
        }
        Some(_) => &[],
        None => s.partition_key,
    };
    if !missing(map, pk_fields) && !missing(map, s.sort_key) {
        return;
    }
    let settings = s.key_settings();
    let pk_sep = match placement {
        Some(rel) => crate::config::key_settings(&rel.parent.options).separator,
        None => settings.separator.clone(),
    };
    if let Some(pk) = map
        .get(&*settings.partition_key_name)
        .and_then(|a| a.s.clone())
    {
        fill_parts::<T>(map, &pk, pk_fields, &pk_sep, false);
    }
    if let Some(sk) = map.get(&*settings.sort_key_name).and_then(|a| a.s.clone()) {
        let sep = &settings.separator;
        let own = match placement {
            Some(rel) if rel.sk_strategy == crate::SkStrategy::Prefix => {
                let prefix = format!("{}{sep}", s.name.to_ascii_lowercase());
                sk.strip_prefix(&prefix).map(str::to_owned)
            }
            _ => Some(sk),
        };
        if let Some(own) = own {
            fill_parts::<T>(map, &own, s.sort_key, sep, settings.prefix_sort_key);
        }
    }
}

fn fill_parts<T: Schema>(map: &mut AttrMap, key: &str, fields: &[&str], sep: &str, prefixed: bool) {
    if fields.is_empty() || !fields.iter().any(|f| !map.contains_key(*f)) {
        return;
    }
    let values: Vec<&str> = if fields.len() == 1 && !prefixed {
        vec![key]
    } else if sep.is_empty() {
        return;
    } else {
        let parts: Vec<&str> = key.split(sep).collect();
        if prefixed {
            if parts.len() != fields.len() * 2
                || parts.iter().step_by(2).zip(fields).any(|(n, f)| n != f)
            {
                return;
            }
            parts.into_iter().skip(1).step_by(2).collect()
        } else {
            if parts.len() != fields.len() {
                return;
            }
            parts
        }
    };
    for (field, text) in fields.iter().zip(values) {
        if map.contains_key(*field) {
            continue;
        }
        let Some(def) = T::SCHEMA.field(field) else {
            continue;
        };
        let attr = match (def.attribute_type, def.rust_type) {
            (Some(crate::ScalarType::Number), _) => match text.parse::<Number>() {
                Ok(n) => to_attr(Value::Number(n)),
                Err(_) => continue,
            },
            (Some(crate::ScalarType::String), _) | (None, "Value") => {
                to_attr(Value::String(text.to_owned()))
            }
            _ => continue,
        };
        map.insert((*field).to_owned(), attr);
    }
}

/// Decodes a schema item from a rusoto map.
pub(crate) fn decode_item<T: Schema>(mut map: AttrMap) -> Result<T> {
    recover_key_fields::<T>(&mut map);
    let mut r = WireReader::new(map);
    let item = T::decode_item(&mut r);
    if let Some(e) = r.error {
        return Err(e);
    }
    item
}

/// The attribute map of a schema item exactly as it would be written, in
/// rusoto's types: for interoperating with code that uses `rusoto_dynamodb`
/// directly.
///
/// ```
/// use dynamo::prelude::*;
///
/// dynamo_item! {
///     #[derive(Debug, PartialEq)]
///     pub struct User {
///         table_name "users";
///         field :id: String, partition_key;
///         field :age: u32;
///     }
/// }
///
/// let map = dynamo::client::to_rusoto_item(&item!(User { id: String::from("u1"), age: 3u32 })).unwrap();
/// assert_eq!(map["pk"].s.as_deref(), Some("u1"));
/// assert_eq!(map["age"].n.as_deref(), Some("3"));
/// let back: User = dynamo::client::from_rusoto_item(map).unwrap();
/// assert_eq!(back.age, 3);
/// ```
pub fn to_rusoto_item<T: Schema>(item: &T) -> Result<HashMap<String, AttributeValue>> {
    encode_for_write(item).map(|(m, _)| m)
}

/// Decodes a schema item from a rusoto attribute map (the inverse of
/// [`to_rusoto_item`]; key attributes are ignored).
pub fn from_rusoto_item<T: Schema>(map: HashMap<String, AttributeValue>) -> Result<T> {
    decode_item(map)
}

/// Converts a [`Value`] into rusoto's `AttributeValue`.
pub fn to_rusoto_value(value: Value) -> AttributeValue {
    to_attr(value)
}

/// Converts rusoto's `AttributeValue` into a [`Value`].
pub fn from_rusoto_value(value: AttributeValue) -> Result<Value> {
    from_attr(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn value_round_trip() {
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
                "ns".to_owned(),
                Value::NumberSet(BTreeSet::from([Number::from(2)])),
            ),
            (
                "bs".to_owned(),
                Value::BinarySet(BTreeSet::from([vec![9u8]])),
            ),
        ]));
        assert_eq!(from_attr(to_attr(v.clone())).unwrap(), v);
        assert!(from_attr(AttributeValue::default()).is_err());
        let bad = AttributeValue {
            n: Some("x".into()),
            ..Default::default()
        };
        assert!(from_attr(bad).is_err());
    }
}
