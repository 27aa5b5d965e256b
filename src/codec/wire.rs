//! DynamoDB's JSON wire format, written and read straight from and into the
//! crate's own values — no intermediate map of backend types.
//!
//! * [`JsonWriter`] writes JSON text: objects, arrays, escaped strings, and
//!   attribute values in their typed form (`{"S":"x"}`, `{"N":"5"}`, …).
//!   Requests are rendered with it field by field.
//! * [`ItemWriter`] is the [`AttributeSink`] an item is encoded into: every
//!   attribute is checked (empty sets, non-finite or out-of-range numbers)
//!   and sized as DynamoDB sizes it while it is written, so an item over
//!   400 KB is refused before a request exists.
//! * [`WireValue`] and [`WireItem`] read typed JSON back with serde, without
//!   building a `serde_json::Value` first. A `WireItem` is an
//!   [`AttributeSource`]: an item is decoded by taking its attributes out by
//!   name.

use std::fmt;

use base64::Engine as _;
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

use super::size::{MAX_NESTING, check_number, empty_set, number_size, too_deep};
use super::{AttributeSink, AttributeSource, Encode, Item, MAX_ITEM_SIZE};
use crate::error::{Error, Result};
use crate::value::{Number, Value};

// ---------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------

/// Writes JSON text into a buffer, placing commas itself: a key or value
/// that follows a complete value in the same container gets one.
#[derive(Default)]
pub(crate) struct JsonWriter {
    buf: Vec<u8>,
    need_comma: bool,
}

impl JsonWriter {
    pub(crate) fn with_capacity(n: usize) -> JsonWriter {
        JsonWriter {
            buf: Vec::with_capacity(n),
            need_comma: false,
        }
    }

    /// The text written so far (always valid UTF-8).
    pub(crate) fn into_bytes(self) -> Vec<u8> {
        self.buf
    }

    fn sep(&mut self) {
        if self.need_comma {
            self.buf.push(b',');
        }
    }

    pub(crate) fn begin_object(&mut self) {
        self.sep();
        self.buf.push(b'{');
        self.need_comma = false;
    }

    pub(crate) fn end_object(&mut self) {
        self.buf.push(b'}');
        self.need_comma = true;
    }

    pub(crate) fn begin_array(&mut self) {
        self.sep();
        self.buf.push(b'[');
        self.need_comma = false;
    }

    pub(crate) fn end_array(&mut self) {
        self.buf.push(b']');
        self.need_comma = true;
    }

    /// An object key; its value follows.
    pub(crate) fn key(&mut self, k: &str) {
        self.sep();
        escape_into(&mut self.buf, k);
        self.buf.push(b':');
        self.need_comma = false;
    }

    pub(crate) fn string(&mut self, s: &str) {
        self.sep();
        escape_into(&mut self.buf, s);
        self.need_comma = true;
    }

    pub(crate) fn bool(&mut self, b: bool) {
        self.sep();
        self.buf
            .extend_from_slice(if b { b"true" } else { b"false" });
        self.need_comma = true;
    }

    pub(crate) fn int(&mut self, n: i64) {
        self.sep();
        self.buf
            .extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
        self.need_comma = true;
    }

    /// JSON text written as it is (it must be one complete JSON value).
    pub(crate) fn raw(&mut self, json: &[u8]) {
        self.sep();
        self.buf.extend_from_slice(json);
        self.need_comma = true;
    }

    /// `"key":"value"`.
    pub(crate) fn field_str(&mut self, k: &str, v: &str) {
        self.key(k);
        self.string(v);
    }

    /// `"key":"value"` when `v` is `Some`.
    pub(crate) fn field_opt_str(&mut self, k: &str, v: Option<&str>) {
        if let Some(v) = v {
            self.field_str(k, v);
        }
    }

    /// An attribute value in DynamoDB's typed form.
    pub(crate) fn value(&mut self, v: &Value) {
        self.sep();
        write_value(&mut self.buf, v);
        self.need_comma = true;
    }

    /// A map of attribute values (`{"name":{"S":"x"},…}`).
    pub(crate) fn value_map<'a>(
        &mut self,
        entries: impl IntoIterator<Item = (&'a str, &'a Value)>,
    ) {
        self.begin_object();
        for (k, v) in entries {
            self.key(k);
            self.value(v);
        }
        self.end_object();
    }
}

/// Which bytes a JSON string cannot hold as they are: control characters,
/// `"` and `\`.
const NEEDS_ESCAPE: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        table[b] = true;
        b += 1;
    }
    table[b'"' as usize] = true;
    table[b'\\' as usize] = true;
    table
};

/// `s` as a JSON string literal.
pub(crate) fn escape_into(out: &mut Vec<u8>, s: &str) {
    out.reserve(s.len() + 2);
    out.push(b'"');
    let bytes = s.as_bytes();
    let mut start = 0;
    // One table lookup per byte; runs without escapes are copied whole.
    while let Some(skip) = bytes[start..]
        .iter()
        .position(|&b| NEEDS_ESCAPE[usize::from(b)])
    {
        let i = start + skip;
        out.extend_from_slice(&bytes[start..i]);
        let b = bytes[i];
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            _ => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.extend_from_slice(b"\\u00");
                out.push(HEX[usize::from(b >> 4)]);
                out.push(HEX[usize::from(b & 0xf)]);
            }
        }
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

fn b64(out: &mut Vec<u8>, b: &[u8]) {
    out.push(b'"');
    let mut s = String::new();
    base64::engine::general_purpose::STANDARD.encode_string(b, &mut s);
    out.extend_from_slice(s.as_bytes());
    out.push(b'"');
}

/// Writes `v` in DynamoDB's typed form.
pub(crate) fn write_value(out: &mut Vec<u8>, v: &Value) {
    match v {
        Value::Null => out.extend_from_slice(br#"{"NULL":true}"#),
        Value::Bool(b) => out.extend_from_slice(if *b {
            br#"{"BOOL":true}"#
        } else {
            br#"{"BOOL":false}"#
        }),
        Value::String(s) => {
            out.extend_from_slice(br#"{"S":"#);
            escape_into(out, s);
            out.push(b'}');
        }
        Value::Number(n) => {
            out.extend_from_slice(br#"{"N":""#);
            out.extend_from_slice(n.as_str().as_bytes());
            out.extend_from_slice(b"\"}");
        }
        Value::Binary(b) => {
            out.extend_from_slice(br#"{"B":"#);
            b64(out, b);
            out.push(b'}');
        }
        Value::List(l) => {
            out.extend_from_slice(br#"{"L":["#);
            for (i, e) in l.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_value(out, e);
            }
            out.extend_from_slice(b"]}");
        }
        Value::Map(m) => {
            out.extend_from_slice(br#"{"M":{"#);
            for (i, (k, e)) in m.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                escape_into(out, k);
                out.push(b':');
                write_value(out, e);
            }
            out.extend_from_slice(b"}}");
        }
        Value::StringSet(s) => {
            out.extend_from_slice(br#"{"SS":["#);
            for (i, e) in s.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                escape_into(out, e);
            }
            out.extend_from_slice(b"]}");
        }
        Value::NumberSet(s) => {
            out.extend_from_slice(br#"{"NS":["#);
            for (i, e) in s.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                out.push(b'"');
                out.extend_from_slice(e.as_str().as_bytes());
                out.push(b'"');
            }
            out.extend_from_slice(b"]}");
        }
        Value::BinarySet(s) => {
            out.extend_from_slice(br#"{"BS":["#);
            for (i, e) in s.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                b64(out, e);
            }
            out.extend_from_slice(b"]}");
        }
    }
}

/// Checks that DynamoDB can store `v` and adds its size to `size`, in one
/// pass (the rules of [`super::size::check_value`] and
/// [`super::size::value_size`]).
fn check_and_size(v: &Value, size: &mut usize) -> std::result::Result<(), String> {
    check_and_size_within(v, size, 0)
}

/// [`check_and_size`] for a value `depth` lists and maps down.
fn check_and_size_within(
    v: &Value,
    size: &mut usize,
    depth: usize,
) -> std::result::Result<(), String> {
    if depth >= MAX_NESTING {
        return Err(too_deep());
    }
    match v {
        Value::Null | Value::Bool(_) => *size += 1,
        Value::String(s) => *size += s.len(),
        Value::Number(n) => {
            check_number(n)?;
            *size += number_size(n);
        }
        Value::Binary(b) => *size += b.len(),
        Value::List(l) => {
            *size += 3 + l.len();
            for (i, e) in l.iter().enumerate() {
                check_and_size_within(e, size, depth + 1).map_err(|m| format!("[{i}]: {m}"))?;
            }
        }
        Value::Map(m) => {
            *size += 3;
            for (k, e) in m {
                *size += k.len() + 1;
                check_and_size_within(e, size, depth + 1).map_err(|msg| format!(".{k}: {msg}"))?;
            }
        }
        Value::StringSet(s) => {
            if s.is_empty() {
                return Err(empty_set("string"));
            }
            *size += s.iter().map(String::len).sum::<usize>();
        }
        Value::NumberSet(s) => {
            if s.is_empty() {
                return Err(empty_set("number"));
            }
            for n in s {
                check_number(n)?;
                *size += number_size(n);
            }
        }
        Value::BinarySet(s) => {
            if s.is_empty() {
                return Err(empty_set("binary"));
            }
            *size += s.iter().map(Vec::len).sum::<usize>();
        }
    }
    Ok(())
}

/// An item encoded as DynamoDB JSON (`{"name":{"S":"x"},…}`), checked and
/// sized.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct EncodedItem {
    /// The JSON object text.
    pub(crate) json: Vec<u8>,
    /// The item's size as DynamoDB counts it.
    pub(crate) size: usize,
}

impl fmt::Debug for EncodedItem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EncodedItem")
            .field("json", &String::from_utf8_lossy(&self.json))
            .field("size", &self.size)
            .finish()
    }
}

/// The [`AttributeSink`] items are encoded into for writing: JSON text,
/// every attribute checked and sized on the way. The first attribute
/// DynamoDB could not store is the error [`ItemWriter::finish`] returns.
pub(crate) struct ItemWriter {
    buf: Vec<u8>,
    size: usize,
    count: usize,
    /// The largest attribute so far: its size and name.
    largest: (usize, String),
    error: Option<Error>,
    /// Attribute names the item's own fields must not write (see
    /// [`ItemWriter::skipping`]); almost always empty.
    skip: Vec<String>,
}

impl ItemWriter {
    pub(crate) fn new(capacity: usize) -> ItemWriter {
        let mut buf = Vec::with_capacity(capacity);
        buf.push(b'{');
        ItemWriter {
            buf,
            size: 0,
            count: 0,
            largest: (0, String::new()),
            error: None,
            skip: Vec::new(),
        }
    }

    /// Leaves out the fields' own values for `names`: a schema field named
    /// like a key attribute (`field :sk, sort_key;` with the sort key
    /// stored in `sk`) would otherwise write that attribute twice — once
    /// as the field, once as the built key ([`ItemWriter::put_string`]) —
    /// and count it twice towards the 400 KB limit.
    pub(crate) fn skipping(mut self, names: Vec<String>) -> ItemWriter {
        self.skip = names;
        self
    }

    /// Adds a string attribute the crate generated (key attributes,
    /// timestamps), which needs no check.
    pub(crate) fn put_string(&mut self, name: &str, value: &str) {
        self.start(name);
        self.buf.extend_from_slice(br#"{"S":"#);
        escape_into(&mut self.buf, value);
        self.buf.push(b'}');
        self.account(name, name.len() + value.len());
    }

    fn start(&mut self, name: &str) {
        if self.count > 0 {
            self.buf.push(b',');
        }
        self.count += 1;
        escape_into(&mut self.buf, name);
        self.buf.push(b':');
    }

    fn account(&mut self, name: &str, size: usize) {
        self.size += size;
        if size > self.largest.0 {
            self.largest = (size, name.to_owned());
        }
    }

    /// The encoded item, or the first attribute DynamoDB could not store,
    /// or the 400 KB limit (the message names the largest attribute).
    /// `what` names the item in errors (`item of \`User\``).
    pub(crate) fn finish(mut self, what: impl FnOnce() -> String) -> Result<EncodedItem> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        if self.size > MAX_ITEM_SIZE {
            let (field_size, field) = self.largest;
            return Err(Error::validation(format!(
                "{} is {} bytes, over DynamoDB's item size limit of {MAX_ITEM_SIZE} bytes (400 KB); \
                 its largest attribute is `{field}` ({field_size} bytes); \
                 store large data elsewhere (e.g. S3) and keep a reference",
                what(),
                self.size,
            ))
            .with_field(&field));
        }
        self.buf.push(b'}');
        Ok(EncodedItem {
            json: self.buf,
            size: self.size,
        })
    }
}

impl AttributeSink for ItemWriter {
    fn attribute(&mut self, name: &str, value: Value) {
        if self.error.is_some() {
            return; // refused anyway
        }
        if !self.skip.is_empty() && self.skip.iter().any(|s| s == name) {
            return; // written as the key
        }
        let mut size = name.len();
        if let Err(e) = check_and_size(&value, &mut size) {
            self.error = Some(Error::validation(format!("field `{name}`: {e}")).with_field(name));
            return;
        }
        self.start(name);
        write_value(&mut self.buf, &value);
        self.account(name, size);
    }

    fn field<E: Encode + ?Sized>(&mut self, name: &str, value: &E) {
        match value.encode_checked() {
            Ok(v) if v.is_null() => {}
            Ok(v) => self.attribute(name, v),
            Err(why) => {
                if self.error.is_none() {
                    self.error =
                        Some(Error::validation(format!("field `{name}`: {why}")).with_field(name));
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------

/// An attribute value read from DynamoDB's typed JSON.
pub(crate) struct WireValue(pub(crate) Value);

impl<'de> Deserialize<'de> for WireValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        d.deserialize_map(ValueVisitor).map(WireValue)
    }
}

struct ValueVisitor;

fn bad<E: de::Error>(msg: impl fmt::Display) -> E {
    E::custom(msg)
}

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a DynamoDB attribute value such as {\"S\":\"x\"}")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<Value, A::Error> {
        let Some(tag) = map.next_key::<TypeTag>()? else {
            return Err(bad("an attribute value has no type"));
        };
        let v = match tag {
            TypeTag::S => Value::String(map.next_value()?),
            TypeTag::N => {
                let text: String = map.next_value()?;
                Value::Number(Number::parse_owned(text).map_err(bad)?)
            }
            TypeTag::B => Value::Binary(decode_b64(&map.next_value::<String>()?)?),
            TypeTag::Bool => Value::Bool(map.next_value()?),
            TypeTag::Null => {
                let _: serde::de::IgnoredAny = map.next_value()?;
                Value::Null
            }
            TypeTag::L => Value::List(map.next_value::<WireList>()?.0),
            TypeTag::M => Value::Map(map.next_value::<WireMap>()?.0),
            TypeTag::Ss => Value::StringSet(map.next_value::<Vec<String>>()?.into_iter().collect()),
            TypeTag::Ns => Value::NumberSet(
                map.next_value::<Vec<String>>()?
                    .into_iter()
                    .map(|t| Number::parse_owned(t).map_err(bad))
                    .collect::<std::result::Result<_, _>>()?,
            ),
            TypeTag::Bs => Value::BinarySet(
                map.next_value::<Vec<String>>()?
                    .iter()
                    .map(|t| decode_b64(t))
                    .collect::<std::result::Result<_, _>>()?,
            ),
        };
        if map.next_key::<de::IgnoredAny>()?.is_some() {
            return Err(bad("an attribute value has more than one type"));
        }
        Ok(v)
    }
}

fn decode_b64<E: de::Error>(text: &str) -> std::result::Result<Vec<u8>, E> {
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .map_err(|e| bad(format!("binary value is not base64: {e}")))
}

/// The type descriptor of an attribute value.
enum TypeTag {
    S,
    N,
    B,
    Bool,
    Null,
    L,
    M,
    Ss,
    Ns,
    Bs,
}

impl<'de> Deserialize<'de> for TypeTag {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = TypeTag;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an attribute type (S, N, B, BOOL, NULL, L, M, SS, NS, BS)")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> std::result::Result<TypeTag, E> {
                Ok(match s {
                    "S" => TypeTag::S,
                    "N" => TypeTag::N,
                    "B" => TypeTag::B,
                    "BOOL" => TypeTag::Bool,
                    "NULL" => TypeTag::Null,
                    "L" => TypeTag::L,
                    "M" => TypeTag::M,
                    "SS" => TypeTag::Ss,
                    "NS" => TypeTag::Ns,
                    "BS" => TypeTag::Bs,
                    other => return Err(bad(format!("unknown attribute type `{other}`"))),
                })
            }
        }
        d.deserialize_str(V)
    }
}

struct WireList(Vec<Value>);

impl<'de> Deserialize<'de> for WireList {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = WireList;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list of attribute values")
            }
            fn visit_seq<A: SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> std::result::Result<WireList, A::Error> {
                let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
                while let Some(WireValue(v)) = seq.next_element()? {
                    out.push(v);
                }
                Ok(WireList(out))
            }
        }
        d.deserialize_seq(V)
    }
}

struct WireMap(std::collections::BTreeMap<String, Value>);

impl<'de> Deserialize<'de> for WireMap {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = WireMap;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map of attribute values")
            }
            fn visit_map<A: MapAccess<'de>>(
                self,
                mut map: A,
            ) -> std::result::Result<WireMap, A::Error> {
                let mut out = std::collections::BTreeMap::new();
                while let Some((k, WireValue(v))) = map.next_entry::<String, WireValue>()? {
                    out.insert(k, v);
                }
                Ok(WireMap(out))
            }
        }
        d.deserialize_map(V)
    }
}

/// An item read from DynamoDB's JSON: its attributes in the order they came.
///
/// Decoding takes attributes out by name ([`AttributeSource`]); an item has
/// few enough attributes that a linear search beats hashing. The names live
/// in one buffer (one allocation per item, not one per attribute).
#[derive(Clone, Default)]
pub(crate) struct WireItem {
    /// Every attribute name, one after another.
    names: String,
    /// Each attribute: its name's range in `names`, and its value (`None`
    /// once taken).
    attrs: Vec<(u32, u32, Option<Value>)>,
    /// Where the next search by name starts: after the attribute taken
    /// last. Items come back in the order they were written often enough
    /// (the crate writes fields in declared order and decodes them in that
    /// order) that most searches then succeed at once; the search wraps
    /// around, so it is never worse than a plain linear one.
    next: usize,
}

impl WireItem {
    #[cfg(test)]
    pub(crate) fn from_pairs(pairs: Vec<(String, Value)>) -> WireItem {
        let mut item = WireItem::default();
        for (k, v) in pairs {
            item.push(&k, v);
        }
        item
    }

    #[cfg(test)]
    fn push(&mut self, name: &str, value: Value) {
        let start = u32::try_from(self.names.len()).unwrap_or(u32::MAX);
        self.names.push_str(name);
        let end = u32::try_from(self.names.len()).unwrap_or(u32::MAX);
        self.attrs.push((start, end, Some(value)));
    }

    fn name(&self, start: u32, end: u32) -> &str {
        self.names.get(start as usize..end as usize).unwrap_or("")
    }

    fn position(&self, name: &str) -> Option<usize> {
        let n = self.attrs.len();
        let from = self.next.min(n);
        (from..n).chain(0..from).find(|&i| {
            let (s, e, v) = &self.attrs[i];
            v.is_some() && self.name(*s, *e) == name
        })
    }

    /// The attributes with their names, in order.
    fn pairs(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.attrs
            .iter()
            .filter_map(|(s, e, v)| v.as_ref().map(|v| (self.name(*s, *e), v)))
    }

    /// The attribute `name`, if present.
    pub(crate) fn get(&self, name: &str) -> Option<&Value> {
        self.position(name).and_then(|at| self.attrs[at].2.as_ref())
    }

    /// The string attribute `name`, if present and a string.
    pub(crate) fn get_str(&self, name: &str) -> Option<&str> {
        self.get(name).and_then(Value::as_str)
    }

    /// The attributes as an [`Item`] map.
    pub(crate) fn into_item(self) -> Item {
        let WireItem { names, attrs, .. } = self;
        attrs
            .into_iter()
            .filter_map(|(s, e, v)| {
                let name = names.get(s as usize..e as usize).unwrap_or("");
                v.map(|v| (name.to_owned(), v))
            })
            .collect()
    }
}

impl PartialEq for WireItem {
    fn eq(&self, other: &WireItem) -> bool {
        self.pairs().eq(other.pairs())
    }
}

impl fmt::Debug for WireItem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.pairs()).finish()
    }
}

impl AttributeSource for WireItem {
    fn take(&mut self, name: &str) -> Option<Value> {
        let at = self.position(name)?;
        self.next = at + 1;
        self.attrs[at].2.take()
    }
}

/// Reads an attribute name into a [`WireItem`]'s name buffer, borrowing
/// from the input when it can (no escape in the name): no allocation.
struct NameInto<'a>(&'a mut String);

impl<'de> de::DeserializeSeed<'de> for NameInto<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<(), D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for NameInto<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an attribute name")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> std::result::Result<(), E> {
        self.0.push_str(v);
        Ok(())
    }
}

impl<'de> Deserialize<'de> for WireItem {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = WireItem;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an item: a map of attribute values")
            }
            fn visit_map<A: MapAccess<'de>>(
                self,
                mut map: A,
            ) -> std::result::Result<WireItem, A::Error> {
                let n = map.size_hint().unwrap_or(16).min(256);
                let mut item = WireItem {
                    names: String::with_capacity(n * 12),
                    attrs: Vec::with_capacity(n),
                    next: 0,
                };
                loop {
                    let start = u32::try_from(item.names.len()).unwrap_or(u32::MAX);
                    if map.next_key_seed(NameInto(&mut item.names))?.is_none() {
                        break;
                    }
                    let end = u32::try_from(item.names.len()).unwrap_or(u32::MAX);
                    let WireValue(v) = map.next_value()?;
                    item.attrs.push((start, end, Some(v)));
                }
                Ok(item)
            }
        }
        d.deserialize_map(V)
    }
}

/// Parses JSON `bytes` into `T`. The text is checked to be UTF-8 once, as a
/// whole, rather than string by string as `serde_json::from_slice` does
/// (measurably faster on items, which are mostly strings); text that is not
/// UTF-8 gets `serde_json`'s own error, with its position.
pub(crate) fn from_json_bytes<T: serde::de::DeserializeOwned>(
    bytes: &[u8],
) -> serde_json::Result<T> {
    match std::str::from_utf8(bytes) {
        Ok(text) => serde_json::from_str(text),
        Err(_) => serde_json::from_slice(bytes),
    }
}

/// Parses one attribute value from typed JSON text.
pub(crate) fn parse_value(json: &[u8]) -> Result<Value> {
    from_json_bytes::<WireValue>(json)
        .map(|w| w.0)
        .map_err(|e| {
            Error::new(
                crate::ErrorKind::Decode,
                format!("not a DynamoDB attribute value: {e}"),
            )
        })
}

/// `v` as typed JSON text.
pub(crate) fn value_json(v: &Value) -> String {
    let mut out = Vec::new();
    write_value(&mut out, v);
    // Only ASCII punctuation and the value's own UTF-8 text were written.
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{BTreeMap, BTreeSet};

    fn sample() -> Value {
        Value::Map(BTreeMap::from([
            ("s".to_owned(), Value::from("x \"quoted\" \\ \n\t\u{1}é")),
            ("n".to_owned(), Value::from(-1.5)),
            ("b".to_owned(), Value::Binary(vec![0, 1, 254, 255])),
            ("t".to_owned(), Value::Bool(true)),
            ("z".to_owned(), Value::Null),
            (
                "l".to_owned(),
                Value::List(vec![Value::from(1), Value::from("a"), Value::List(vec![])]),
            ),
            (
                "ss".to_owned(),
                Value::StringSet(BTreeSet::from(["a".to_owned(), "b\"".to_owned()])),
            ),
            (
                "ns".to_owned(),
                Value::NumberSet(BTreeSet::from([Number::from(2), Number::from(0.5)])),
            ),
            (
                "bs".to_owned(),
                Value::BinarySet(BTreeSet::from([vec![7u8]])),
            ),
            ("m".to_owned(), Value::Map(BTreeMap::new())),
        ]))
    }

    #[test]
    fn values_round_trip_through_typed_json() {
        let v = sample();
        let text = value_json(&v);
        assert_eq!(parse_value(text.as_bytes()).unwrap(), v);
        // The same text the serde_json-based public conversion gives.
        let via_serde = v.to_dynamodb_json();
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&text).unwrap(),
            via_serde
        );
    }

    #[test]
    fn strings_are_escaped_as_json_requires() {
        let mut out = Vec::new();
        escape_into(&mut out, "a\"b\\c\nd\u{0}e\u{1f}f/é");
        let s = String::from_utf8(out).unwrap();
        assert_eq!(s, r#""a\"b\\c\nd\u0000e\u001ff/é""#);
        let back: String = serde_json::from_str(&s).unwrap();
        assert_eq!(back, "a\"b\\c\nd\u{0}e\u{1f}f/é");
        // Every ASCII character, alone and between others, reads back.
        for c in (0u8..128).map(char::from) {
            for text in [c.to_string(), format!("ab{c}cd{c}")] {
                let mut out = Vec::new();
                escape_into(&mut out, &text);
                let back: String = serde_json::from_slice(&out).unwrap();
                assert_eq!(back, text, "{:?}", c);
            }
        }
    }

    #[test]
    fn malformed_values_are_refused() {
        for bad in [
            r#"{}"#,
            r#"{"X":"1"}"#,
            r#"{"N":"abc"}"#,
            r#"{"S":"a","N":"1"}"#,
            r#"{"B":"not base64!"}"#,
            r#"{"L":{}}"#,
            r#""S""#,
        ] {
            assert!(parse_value(bad.as_bytes()).is_err(), "{bad}");
        }
        let e = parse_value(br#"{"N":"1x"}"#).unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::Decode);
    }

    #[test]
    fn the_writer_places_commas() {
        let mut w = JsonWriter::default();
        w.begin_object();
        w.field_str("A", "x");
        w.key("B");
        w.begin_array();
        w.int(1);
        w.bool(false);
        w.begin_object();
        w.end_object();
        w.end_array();
        w.key("C");
        w.value(&Value::from(3));
        w.key("D");
        w.value_map([("k", &Value::from("v"))]);
        w.field_opt_str("E", None);
        w.end_object();
        let text = String::from_utf8(w.into_bytes()).unwrap();
        assert_eq!(
            text,
            r#"{"A":"x","B":[1,false,{}],"C":{"N":"3"},"D":{"k":{"S":"v"}}}"#
        );
        serde_json::from_str::<serde_json::Value>(&text).unwrap();
    }

    #[test]
    fn items_are_checked_and_sized_while_written() {
        let mut w = ItemWriter::new(64);
        w.attribute("id", Value::from("u1"));
        w.attribute("age", Value::from(42));
        w.put_string("pk", "u1");
        let item = w.finish(String::new).unwrap();
        assert_eq!(item.size, 2 + 2 + 3 + 2 + 2 + 2);
        let parsed: WireItem = serde_json::from_slice(&item.json).unwrap();
        assert_eq!(parsed.get_str("pk"), Some("u1"));
        assert_eq!(parsed.get("age"), Some(&Value::from(42)));

        let mut w = ItemWriter::new(8);
        w.attribute("tags", Value::StringSet(BTreeSet::new()));
        w.attribute("n", Value::from(f64::NAN));
        let e = w.finish(|| "item".into()).unwrap_err();
        assert_eq!(e.field(), Some("tags"), "the first refusal wins");

        let mut w = ItemWriter::new(8);
        w.attribute("id", Value::from("u1"));
        w.attribute("body", Value::from("y".repeat(MAX_ITEM_SIZE)));
        let e = w.finish(|| "item of `Doc`".into()).unwrap_err();
        assert_eq!(e.field(), Some("body"));
        assert!(
            e.message().contains("item of `Doc` is 409608 bytes"),
            "{}",
            e.message()
        );
        assert!(
            e.message().contains("`body` (409604 bytes)"),
            "{}",
            e.message()
        );
    }

    #[test]
    fn a_wire_item_hands_out_attributes_by_name() {
        let mut item: WireItem =
            serde_json::from_str(r#"{"a":{"S":"1"},"b":{"N":"2"},"c":{"BOOL":true}}"#).unwrap();
        assert_eq!(item.take("b"), Some(Value::from(2)));
        assert_eq!(item.take("b"), None);
        assert_eq!(item.take("a"), Some(Value::from("1")));
        assert_eq!(item.into_item().len(), 1);
        // Any order, wrapping around from where the last search stopped.
        let json = r#"{"a":{"N":"1"},"b":{"N":"2"},"c":{"N":"3"},"d":{"N":"4"}}"#;
        let mut item: WireItem = serde_json::from_str(json).unwrap();
        for (name, n) in [("c", 3), ("d", 4), ("a", 1), ("d", 0), ("b", 2), ("c", 0)] {
            let want = (n > 0).then(|| Value::from(n));
            assert_eq!(item.take(name), want, "{name}");
        }
        assert!(item.get("a").is_none());
        assert_eq!(item, WireItem::default());
        // Names with escapes, non-ASCII names, an empty name; equality and
        // Debug by name and value.
        let json = r#"{"q\"x":{"S":"1"},"é":{"N":"2"},"":{"NULL":true}}"#;
        let item: WireItem = serde_json::from_str(json).unwrap();
        let from_reader: WireItem = serde_json::from_reader(json.as_bytes()).unwrap();
        assert_eq!(item, from_reader);
        assert_eq!(item.get_str("q\"x"), Some("1"));
        assert_eq!(item.get("é"), Some(&Value::from(2)));
        assert_eq!(item.get(""), Some(&Value::Null));
        assert_eq!(
            item,
            WireItem::from_pairs(vec![
                ("q\"x".into(), Value::from("1")),
                ("é".into(), Value::from(2)),
                ("".into(), Value::Null),
            ])
        );
        assert!(format!("{item:?}").contains("\"é\": Number"), "{item:?}");
        let map = item.into_item();
        assert_eq!(map["q\"x"], Value::from("1"));
    }

    #[test]
    fn json_bytes_are_checked_once_and_bad_text_is_refused() {
        let item: WireItem =
            from_json_bytes(br#"{"a":{"S":"h\u00e9llo \u00e9"},"b":{"N":"2"}}"#).unwrap();
        assert_eq!(item.attrs.len(), 2);
        let v: WireValue = from_json_bytes("{\"S\":\"d\u{e9}j\u{e0} vu\"}".as_bytes()).unwrap();
        assert_eq!(v.0, Value::String("d\u{e9}j\u{e0} vu".into()));
        // Not UTF-8: serde_json's own error, with its position.
        let e = from_json_bytes::<WireValue>(b"{\"S\":\"\xff\"}")
            .map(|_| ())
            .unwrap_err();
        assert!(e.to_string().contains("line 1"), "{e}");
        assert!(
            from_json_bytes::<WireValue>(b"{\"S\":")
                .map(|_| ())
                .is_err()
        );
    }
}
