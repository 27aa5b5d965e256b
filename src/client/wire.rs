//! Conversions between the crate's values and rusoto's wire types.
//!
//! Items are encoded straight into rusoto's attribute maps (no intermediate
//! map), checked and sized on the way, and decoded straight out of them.

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap};

use bytes::Bytes;
use rusoto_dynamodb::AttributeValue;

use crate::codec::size::{check_number, empty_set, number_size, value_size};
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

/// What [`to_attr`] does, writing into `a` (a default attribute value) in
/// place, checking on the way that DynamoDB can store the value and adding
/// its size to `size` — one pass instead of three (`check_value`,
/// `value_size`, `to_attr`), with the same rules and messages. This runs for
/// every attribute of every written item.
pub(crate) fn fill_attr_checked(
    value: Value,
    a: &mut AttributeValue,
    size: &mut usize,
) -> std::result::Result<(), String> {
    match value {
        Value::Null => {
            *size += 1;
            a.null = Some(true);
        }
        Value::Bool(b) => {
            *size += 1;
            a.bool = Some(b);
        }
        Value::String(s) => {
            *size += s.len();
            a.s = Some(s);
        }
        Value::Number(n) => {
            check_number(&n)?;
            *size += number_size(&n);
            a.n = Some(n.into_string());
        }
        Value::Binary(b) => {
            *size += b.len();
            a.b = Some(Bytes::from(b));
        }
        Value::List(l) => {
            *size += 3 + l.len();
            let out = a.l.insert(Vec::with_capacity(l.len()));
            for (i, v) in l.into_iter().enumerate() {
                out.push(AttributeValue::default());
                let slot = out.last_mut().expect("just pushed");
                fill_attr_checked(v, slot, size).map_err(|e| format!("[{i}]: {e}"))?;
            }
        }
        Value::Map(m) => {
            *size += 3;
            let out = a.m.insert(HashMap::with_capacity(m.len()));
            for (k, v) in m {
                *size += k.len() + 1;
                let mut slot = AttributeValue::default();
                if let Err(e) = fill_attr_checked(v, &mut slot, size) {
                    return Err(format!(".{k}: {e}"));
                }
                out.insert(k, slot);
            }
        }
        Value::StringSet(s) => {
            if s.is_empty() {
                return Err(empty_set("string"));
            }
            *size += s.iter().map(String::len).sum::<usize>();
            a.ss = Some(s.into_iter().collect());
        }
        Value::NumberSet(s) => {
            if s.is_empty() {
                return Err(empty_set("number"));
            }
            let out = a.ns.insert(Vec::with_capacity(s.len()));
            for n in s {
                check_number(&n)?;
                *size += number_size(&n);
                out.push(n.into_string());
            }
        }
        Value::BinarySet(s) => {
            if s.is_empty() {
                return Err(empty_set("binary"));
            }
            *size += s.iter().map(Vec::len).sum::<usize>();
            a.bs = Some(s.into_iter().map(Bytes::from).collect());
        }
    }
    Ok(())
}

/// Converts rusoto's attribute value into a value. An attribute value with no
/// type set, or a number that does not parse, is a `Decode` error.
pub(crate) fn from_attr(mut a: AttributeValue) -> Result<Value> {
    from_attr_mut(&mut a)
}

/// [`from_attr`], taking the value out of `a` in place (an attribute value
/// is 232 bytes; reading items moves none of them).
fn from_attr_mut(a: &mut AttributeValue) -> Result<Value> {
    if let Some(s) = a.s.take() {
        return Ok(Value::String(s));
    }
    if let Some(n) = a.n.take() {
        return Number::parse_owned(n)
            .map(Value::Number)
            .map_err(|e| Error::new(crate::ErrorKind::Decode, e.to_string()));
    }
    if let Some(b) = a.bool {
        return Ok(Value::Bool(b));
    }
    if let Some(m) = a.m.take() {
        return m
            .into_iter()
            .map(|(k, v)| Ok((k, from_attr(v)?)))
            .collect::<Result<BTreeMap<_, _>>>()
            .map(Value::Map);
    }
    if let Some(l) = a.l.take() {
        return l
            .into_iter()
            .map(from_attr)
            .collect::<Result<Vec<_>>>()
            .map(Value::List);
    }
    if let Some(b) = a.b.take() {
        return Ok(Value::Binary(b.to_vec()));
    }
    if let Some(ss) = a.ss.take() {
        return Ok(Value::StringSet(ss.into_iter().collect()));
    }
    if let Some(ns) = a.ns.take() {
        return ns
            .into_iter()
            .map(|n| {
                Number::parse_owned(n)
                    .map_err(|e| Error::new(crate::ErrorKind::Decode, e.to_string()))
            })
            .collect::<Result<_>>()
            .map(Value::NumberSet);
    }
    if let Some(bs) = a.bs.take() {
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
            // Rare, so worked out only now: the attribute to look at first.
            let (field, field_size) = self.largest();
            return Err(Error::validation(format!(
                "{} is {} bytes, over DynamoDB's item size limit of {MAX_ITEM_SIZE} bytes (400 KB); \
                 its largest attribute is `{field}` ({field_size} bytes); \
                 store large data elsewhere (e.g. S3) and keep a reference",
                what(),
                self.size
            ))
            .with_field(&field));
        }
        Ok((self.map, self.size))
    }

    /// The name and size (name included) of the largest attribute written.
    fn largest(&self) -> (String, usize) {
        self.map
            .iter()
            .map(|(name, a)| {
                let size = from_attr(a.clone()).map_or(0, |v| value_size(&v));
                (name, name.len() + size)
            })
            .max_by_key(|(_, size)| *size)
            .map(|(name, size)| (name.clone(), size))
            .unwrap_or_default()
    }
}

impl AttributeSink for WireWriter {
    fn attribute(&mut self, name: &str, value: Value) {
        if self.error.is_some() {
            return; // the write is refused anyway
        }
        // Filled in place: an attribute value is 232 bytes, worth not moving.
        let slot = match self.map.entry(name.to_owned()) {
            Entry::Vacant(v) => v.insert(AttributeValue::default()),
            Entry::Occupied(o) => {
                // The same name twice: the last value wins.
                let slot = o.into_mut();
                *slot = AttributeValue::default();
                slot
            }
        };
        let mut size = name.len();
        match fill_attr_checked(value, slot, &mut size) {
            Ok(()) => self.size += size,
            Err(e) => {
                self.error =
                    Some(Error::validation(format!("field `{name}`: {e}")).with_field(name));
            }
        }
    }
}

/// Reads attributes out of a rusoto map, converting on the way. A key field
/// the map lacks (an item read from a `keys_only` or `include` index) is
/// recovered from the key attributes when it is asked for, so an item that
/// has its fields pays nothing for the recovery.
pub(crate) struct WireReader {
    pub(crate) map: AttrMap,
    error: Option<Error>,
    recover: fn(&AttrMap, &str) -> Option<Value>,
}

impl WireReader {
    pub(crate) fn new<T: Schema>(map: AttrMap) -> WireReader {
        WireReader {
            map,
            error: None,
            recover: recover_key_field::<T>,
        }
    }
}

impl AttributeSource for WireReader {
    fn take(&mut self, name: &str) -> Option<Value> {
        // Taken out in place: the emptied entry stays in the map and is
        // freed with it, and no 232-byte value is moved out.
        let Some(a) = self.map.get_mut(name) else {
            return (self.recover)(&self.map, name);
        };
        match from_attr_mut(a) {
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
                    .with_field(field));
                }
                Some(Value::String(_) | Value::Number(_) | Value::Binary(_)) => {}
                Some(other) => {
                    return Err(Error::validation(format!(
                        "field `{field}` is a key of index `{}` and must be a string, number or \
                         binary, not a {} value",
                        index.name,
                        other.type_name()
                    ))
                    .with_field(field));
                }
            }
        }
    }
    Ok(())
}

/// The value of key field `name`, which the item lacks (it was read from a
/// `keys_only` or `include` index), recovered from the `pk`/`sk` attribute
/// it was built from — when that is unambiguous: the key splits into
/// exactly one part per field (or name/value pairs with `prefix_sort_key`),
/// and the field holds a string, a number or an untyped `Value`. `None` for
/// fields that are not key fields.
fn recover_key_field<T: Schema>(map: &AttrMap, name: &str) -> Option<Value> {
    let s = T::SCHEMA;
    let placement = s.placement();
    let foreign_key: [&'static str; 1];
    let pk_fields: &[&'static str] = match placement {
        Some(rel) if rel.parent.partition_key.len() == 1 => {
            foreign_key = [rel.foreign_key_field()];
            &foreign_key
        }
        Some(_) => &[],
        None => s.partition_key,
    };
    let in_pk = pk_fields.contains(&name);
    let in_sk = s.sort_key.contains(&name);
    if !in_pk && !in_sk {
        return None;
    }
    let settings = s.key_settings();
    let key_text = |attr: &str| map.get(attr).and_then(|a| a.s.as_deref());
    if in_pk {
        let pk_sep = match placement {
            Some(rel) => crate::config::key_settings(&rel.parent.options).separator,
            None => settings.separator.clone(),
        };
        let found = key_text(&settings.partition_key_name)
            .and_then(|pk| key_part::<T>(pk, pk_fields, &pk_sep, false, name));
        if found.is_some() {
            return found;
        }
    }
    if in_sk {
        let sk = key_text(&settings.sort_key_name)?;
        let sep = &settings.separator;
        let prefix;
        let own = match placement {
            Some(rel) if rel.sk_strategy == crate::SkStrategy::Prefix => {
                prefix = format!("{}{sep}", s.name.to_ascii_lowercase());
                sk.strip_prefix(prefix.as_str())?
            }
            _ => sk,
        };
        return key_part::<T>(own, s.sort_key, sep, settings.prefix_sort_key, name);
    }
    None
}

/// The part of `key` that holds field `name`, one of `fields` (the key's
/// fields in order), as a value of that field's type.
fn key_part<T: Schema>(
    key: &str,
    fields: &[&str],
    sep: &str,
    prefixed: bool,
    name: &str,
) -> Option<Value> {
    let at = fields.iter().position(|f| *f == name)?;
    let text = if fields.len() == 1 && !prefixed {
        key
    } else if sep.is_empty() {
        return None;
    } else if prefixed {
        // name, value, name, value, … with every name in order.
        let mut parts = key.split(sep);
        let mut found = None;
        let mut n = 0;
        while let Some(part_name) = parts.next() {
            let value = parts.next()?;
            if fields.get(n) != Some(&part_name) {
                return None;
            }
            if n == at {
                found = Some(value);
            }
            n += 1;
        }
        if n != fields.len() {
            return None;
        }
        found?
    } else {
        if key.split(sep).count() != fields.len() {
            return None;
        }
        key.split(sep).nth(at)?
    };
    let def = T::SCHEMA.field(name)?;
    match (def.attribute_type, def.rust_type) {
        (Some(crate::ScalarType::Number), _) => text.parse::<Number>().ok().map(Value::Number),
        (Some(crate::ScalarType::String), _) | (None, "Value") => {
            Some(Value::String(text.to_owned()))
        }
        _ => None,
    }
}

/// Decodes a schema item from a rusoto map.
pub(crate) fn decode_item<T: Schema>(map: AttrMap) -> Result<T> {
    let mut r = WireReader::new::<T>(map);
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
    fn an_item_over_the_limit_names_its_largest_attribute() {
        let mut w = WireWriter::with_capacity(3);
        w.attribute("id", Value::from("u1"));
        w.attribute("notes", Value::List(vec![Value::from("x".repeat(1000)); 3]));
        w.attribute("body", Value::from("y".repeat(MAX_ITEM_SIZE)));
        let e = w.finish(|| "item of `Doc`".to_owned()).unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::ValidationError);
        assert_eq!(e.field(), Some("body"));
        let msg = e.message();
        assert!(msg.contains("item of `Doc` is 412"), "{msg}");
        let body = 4 + MAX_ITEM_SIZE;
        assert!(
            msg.contains(&format!("largest attribute is `body` ({body} bytes)")),
            "{msg}"
        );
        // Under the limit: no error, and the size is what DynamoDB counts.
        let mut w = WireWriter::with_capacity(1);
        w.attribute("id", Value::from("u1"));
        assert_eq!(w.finish(String::new).unwrap().1, 4);
    }

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

    /// The one-pass writer agrees with the three separate passes it
    /// replaces: the same attribute, the same size, the same refusal.
    #[test]
    fn checked_conversion_agrees_with_check_size_and_convert() {
        use crate::codec::size::check_value;
        let num = |t: &str| Value::Number(t.parse().unwrap());
        let mut cases = vec![
            Value::Null,
            Value::Bool(true),
            Value::from(""),
            Value::from("héllo"),
            num("0"),
            num("-120.0300"),
            num("12345678901234567890123456789012345678"),
            num("123456789012345678901234567890123456789"),
            num("1e126"),
            num("1e-131"),
            Value::from(f64::NAN),
            Value::Binary(vec![]),
            Value::Binary(vec![1, 2, 3]),
            Value::StringSet(BTreeSet::new()),
            Value::NumberSet(BTreeSet::new()),
            Value::BinarySet(BTreeSet::new()),
            Value::StringSet(BTreeSet::from(["a".to_owned(), "bc".to_owned()])),
            Value::NumberSet(BTreeSet::from([Number::from(7), Number::from(1.25)])),
            Value::NumberSet(BTreeSet::from(["1e200".parse::<Number>().unwrap()])),
            Value::BinarySet(BTreeSet::from([vec![1u8], vec![]])),
        ];
        let scalars = cases.clone();
        cases.push(Value::List(scalars.clone()));
        cases.push(Value::List(vec![]));
        let map: BTreeMap<String, Value> = scalars
            .iter()
            .enumerate()
            .map(|(i, v)| (format!("k{i:02}"), v.clone()))
            .collect();
        cases.push(Value::Map(map.clone()));
        cases.push(Value::List(vec![Value::Map(map), Value::from(1)]));
        let ok = |v: Value| Value::Map(BTreeMap::from([("x".to_owned(), v)]));
        cases.push(ok(Value::List(vec![Value::from("a"), Value::from(2)])));
        for v in cases {
            let (mut size, mut a) = (0, AttributeValue::default());
            match (
                fill_attr_checked(v.clone(), &mut a, &mut size),
                check_value(&v),
            ) {
                (Ok(()), Ok(())) => {
                    assert_eq!(size, value_size(&v), "{v:?}");
                    assert_eq!(a, to_attr(v.clone()), "{v:?}");
                }
                (Err(e), Err(expected)) => assert_eq!(e, expected, "{v:?}"),
                (got, expected) => panic!("{v:?}: {got:?} against {expected:?}"),
            }
        }
    }
}
