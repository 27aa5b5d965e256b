//! Encoding Rust values into DynamoDB attributes and back.
//!
//! [`Encode`] and [`Decode`] are the crate's counterparts of Elixir's
//! `Dynamo.Encodable` / `Dynamo.Decodable`. They are implemented for the
//! common Rust types; implement them for your own types to store those in
//! schema fields:
//!
//! ```
//! use dynamo::prelude::*;
//! use dynamo::{DecodeError, Encode, Decode, Value};
//!
//! #[derive(Clone, Debug, Default, PartialEq)]
//! struct Cents(i64);
//!
//! impl Encode for Cents {
//!     fn encode(&self) -> Value { Value::from(self.0) }
//! }
//! impl Decode for Cents {
//!     fn decode(value: Value) -> Result<Self, DecodeError> {
//!         i64::decode(value).map(Cents)
//!     }
//! }
//!
//! dynamo_item! {
//!     #[derive(Debug, Clone, PartialEq)]
//!     pub struct Invoice {
//!         table_name "invoices";
//!         field :id: String, partition_key;
//!         field :amount: Cents;
//!     }
//! }
//!
//! let inv = item!(Invoice { id: "i1", amount: Cents(1999) });
//! let map = dynamo::encoder::encode(&inv);
//! assert_eq!(map["amount"], Value::from(1999));
//! assert_eq!(dynamo::decoder::decode::<Invoice>(&map).unwrap(), inv);
//! ```
//!
//! Mapping of Rust types:
//!
//! | Rust | DynamoDB |
//! |---|---|
//! | `String`, `&str`, `char`, `Box<str>` | `S` |
//! | integers, `f32`, `f64`, [`Number`] | `N` (exact decimal text) |
//! | `bool` | `BOOL` |
//! | `Vec<u8>`, `[u8; N]`, [`Bytes`](bytes::Bytes) | `B` |
//! | `Vec<T>`, `VecDeque<T>` | `L` |
//! | `BTreeMap<String, T>`, `HashMap<String, T>`, schema structs | `M` |
//! | `BTreeSet`/`HashSet` of strings, numbers or byte strings | `SS`, `NS`, `BS` (an empty set is left out, as DynamoDB cannot store one) |
//! | `Option<T>` | `T`, or left out when `None` |
//! | [`Value`] | itself |
//! | [`Json<T>`] for any serde type | `M`/`L`/`S`/`N`/`BOOL` following its JSON |

pub(crate) mod size;
pub(crate) mod wire;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::fmt;
use std::hash::{BuildHasher, Hash};
use std::sync::Arc;

use crate::key::KeyPart;
use crate::value::{Number, Value};

pub(crate) use size::check_number;
pub use size::{MAX_ITEM_SIZE, item_size, value_size};

/// An item as a map of attribute names to values.
pub type Item = HashMap<String, Value>;

/// The scalar types a key attribute can have.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ScalarType {
    /// `S`
    String,
    /// `N`
    Number,
    /// `B`
    Binary,
}

impl ScalarType {
    /// The DynamoDB descriptor: `"S"`, `"N"` or `"B"`.
    pub fn as_str(self) -> &'static str {
        match self {
            ScalarType::String => "S",
            ScalarType::Number => "N",
            ScalarType::Binary => "B",
        }
    }
}

/// Turns a Rust value into a DynamoDB [`Value`].
pub trait Encode {
    /// The value to store. [`Value::Null`] means "leave the attribute out".
    fn encode(&self) -> Value;

    #[doc(hidden)]
    /// [`Encode::encode`], or why the value cannot be encoded at all (a
    /// [`Json`] whose value serde cannot serialize). Writes and `updates!`
    /// call this, so such a value is an error rather than a left-out
    /// attribute.
    fn encode_checked(&self) -> Result<Value, String> {
        Ok(self.encode())
    }

    #[doc(hidden)]
    /// Whether [`encode_checked`](Encode::encode_checked) can fail for
    /// this type (a [`Json`], or a container of one): containers check
    /// their elements only then, so plain values are encoded once.
    const CHECKED: bool = false;

    /// The value as a key part (for composite `pk`/`sk` strings). Types that
    /// cannot be part of a key keep the default, which names them.
    fn key_part(&self) -> KeyPart<'_> {
        KeyPart::Unsupported("a value of a type that is not a string, number or boolean")
    }

    /// The attribute type when this type is used as a GSI key attribute
    /// (`None`: not known at compile time; `S` is assumed).
    const KEY_TYPE: Option<ScalarType> = None;

    #[doc(hidden)]
    /// The attribute type of a `Vec<Self>` (or an array of `Self`) as an
    /// index key: `B` for bytes, none for lists.
    const VEC_KEY_TYPE: Option<ScalarType> = None;

    #[doc(hidden)]
    /// How a `Vec<Self>` is encoded: a list, except bytes (`Vec<u8>` → `B`).
    fn encode_vec(items: &[Self]) -> Value
    where
        Self: Sized,
    {
        Value::List(items.iter().map(Encode::encode).collect())
    }
}

/// Why a value could not be decoded into a Rust type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodeError {
    message: String,
}

impl DecodeError {
    /// A decode error with `message`.
    pub fn new(message: impl Into<String>) -> DecodeError {
        DecodeError {
            message: message.into(),
        }
    }

    /// "expected `what`, found a `X` value".
    pub fn expected(what: &str, found: &Value) -> DecodeError {
        DecodeError::new(format!(
            "expected {what}, found a {} value",
            found.type_name()
        ))
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Prefixes the path of the element the error happened in.
    pub fn at(self, path: impl fmt::Display) -> DecodeError {
        DecodeError::new(format!("{path}: {}", self.message))
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for DecodeError {}

/// Turns a DynamoDB [`Value`] into a Rust value.
pub trait Decode: Sized {
    /// Decodes `value`. A missing or `NULL` attribute never reaches this: the
    /// field takes its default instead.
    fn decode(value: Value) -> Result<Self, DecodeError>;

    #[doc(hidden)]
    /// How a `Vec<Self>` is decoded: from a list, except bytes.
    fn decode_vec(value: Value) -> Result<Vec<Self>, DecodeError> {
        match value {
            Value::List(items) => items
                .into_iter()
                .enumerate()
                .map(|(i, v)| Self::decode(v).map_err(|e| e.at(format_args!("[{i}]"))))
                .collect(),
            other => Err(DecodeError::expected("a list (L)", &other)),
        }
    }
}

/// Receives an item's attributes one by one while it is encoded. Generated
/// code calls [`field`](AttributeSink::field) for every field; the crate
/// implements it for the wire format and for attribute maps.
pub trait AttributeSink {
    /// Adds one attribute. `value` is never `Null`.
    fn attribute(&mut self, name: &str, value: Value);

    /// Adds a field's value, leaving it out when it encodes to `Null`.
    fn field<E: Encode + ?Sized>(&mut self, name: &str, value: &E) {
        let v = value.encode();
        if !v.is_null() {
            self.attribute(name, v);
        }
    }
}

/// Hands out an item's attributes by name while it is decoded.
pub trait AttributeSource {
    /// Takes the attribute `name` out, if present.
    fn take(&mut self, name: &str) -> Option<Value>;
}

impl<S: BuildHasher> AttributeSink for HashMap<String, Value, S> {
    fn attribute(&mut self, name: &str, value: Value) {
        self.insert(name.to_owned(), value);
    }
}

impl AttributeSink for BTreeMap<String, Value> {
    fn attribute(&mut self, name: &str, value: Value) {
        self.insert(name.to_owned(), value);
    }
}

impl<S: BuildHasher> AttributeSource for HashMap<String, Value, S> {
    fn take(&mut self, name: &str) -> Option<Value> {
        self.remove(name)
    }
}

impl AttributeSource for BTreeMap<String, Value> {
    fn take(&mut self, name: &str) -> Option<Value> {
        self.remove(name)
    }
}

/// Reads attributes from a borrowed map, cloning each one taken.
pub struct BorrowedSource<'a, S>(pub &'a HashMap<String, Value, S>);

impl<S: BuildHasher> AttributeSource for BorrowedSource<'_, S> {
    fn take(&mut self, name: &str) -> Option<Value> {
        self.0.get(name).cloned()
    }
}

// ---------------------------------------------------------------------------
// Implementations
// ---------------------------------------------------------------------------

impl Encode for Value {
    fn encode(&self) -> Value {
        self.clone()
    }
    fn key_part(&self) -> KeyPart<'_> {
        match self {
            Value::Null => KeyPart::Unset,
            Value::String(s) => KeyPart::Str(s),
            Value::Number(n) if n.is_finite() => KeyPart::Num(n),
            Value::Number(_) => KeyPart::Unsupported("a non-finite number"),
            Value::Bool(b) => KeyPart::Bool(*b),
            Value::Binary(_) => KeyPart::Unsupported("bytes"),
            Value::List(_) => KeyPart::Unsupported("a list"),
            Value::Map(_) => KeyPart::Unsupported("a map"),
            Value::StringSet(_) | Value::NumberSet(_) | Value::BinarySet(_) => {
                KeyPart::Unsupported("a set")
            }
        }
    }
}

impl Decode for Value {
    fn decode(value: Value) -> Result<Self, DecodeError> {
        Ok(value)
    }
}

impl Encode for String {
    fn encode(&self) -> Value {
        Value::String(self.clone())
    }
    fn key_part(&self) -> KeyPart<'_> {
        KeyPart::Str(self)
    }
    const KEY_TYPE: Option<ScalarType> = Some(ScalarType::String);
}

impl Decode for String {
    fn decode(value: Value) -> Result<Self, DecodeError> {
        match value {
            Value::String(s) => Ok(s),
            other => Err(DecodeError::expected("a string (S)", &other)),
        }
    }
}

impl Encode for str {
    fn encode(&self) -> Value {
        Value::String(self.to_owned())
    }
    fn key_part(&self) -> KeyPart<'_> {
        KeyPart::Str(self)
    }
    const KEY_TYPE: Option<ScalarType> = Some(ScalarType::String);
}

impl Decode for Box<str> {
    fn decode(value: Value) -> Result<Self, DecodeError> {
        String::decode(value).map(String::into_boxed_str)
    }
}

impl Encode for std::borrow::Cow<'_, str> {
    fn encode(&self) -> Value {
        Value::String(self.to_string())
    }
    fn key_part(&self) -> KeyPart<'_> {
        KeyPart::Str(self)
    }
    const KEY_TYPE: Option<ScalarType> = Some(ScalarType::String);
}

impl Encode for Arc<str> {
    fn encode(&self) -> Value {
        Value::String(self.to_string())
    }
    fn key_part(&self) -> KeyPart<'_> {
        KeyPart::Str(self)
    }
    const KEY_TYPE: Option<ScalarType> = Some(ScalarType::String);
}

impl Decode for Arc<str> {
    fn decode(value: Value) -> Result<Self, DecodeError> {
        String::decode(value).map(Arc::from)
    }
}

impl Encode for char {
    fn encode(&self) -> Value {
        Value::String(self.to_string())
    }
    const KEY_TYPE: Option<ScalarType> = Some(ScalarType::String);
}

impl Decode for char {
    fn decode(value: Value) -> Result<Self, DecodeError> {
        let s = String::decode(value)?;
        let mut chars = s.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) => Ok(c),
            _ => Err(DecodeError::new(format!(
                "expected a single character, found {s:?}"
            ))),
        }
    }
}

impl Encode for bool {
    fn encode(&self) -> Value {
        Value::Bool(*self)
    }
    fn key_part(&self) -> KeyPart<'_> {
        KeyPart::Bool(*self)
    }
}

impl Decode for bool {
    fn decode(value: Value) -> Result<Self, DecodeError> {
        match value {
            Value::Bool(b) => Ok(b),
            other => Err(DecodeError::expected("a boolean (BOOL)", &other)),
        }
    }
}

impl Encode for Number {
    fn encode(&self) -> Value {
        Value::Number(self.clone())
    }
    fn key_part(&self) -> KeyPart<'_> {
        if self.is_finite() {
            KeyPart::Num(self)
        } else {
            KeyPart::Unsupported("a non-finite number")
        }
    }
    const KEY_TYPE: Option<ScalarType> = Some(ScalarType::Number);
}

impl Decode for Number {
    fn decode(value: Value) -> Result<Self, DecodeError> {
        match value {
            Value::Number(n) => Ok(n),
            other => Err(DecodeError::expected("a number (N)", &other)),
        }
    }
}

fn number_of(value: Value, what: &str) -> Result<Number, DecodeError> {
    match value {
        Value::Number(n) => Ok(n),
        other => Err(DecodeError::expected(what, &other)),
    }
}

macro_rules! int_codec {
    ($($t:ty => $variant:ident as $wide:ty),* $(,)?) => {$(
        impl Encode for $t {
            fn encode(&self) -> Value {
                Value::Number(Number::from(*self))
            }
            fn key_part(&self) -> KeyPart<'_> {
                KeyPart::$variant(*self as $wide)
            }
            const KEY_TYPE: Option<ScalarType> = Some(ScalarType::Number);
        }
        impl Decode for $t {
            fn decode(value: Value) -> Result<Self, DecodeError> {
                let n = number_of(value, concat!("a number (N) for ", stringify!($t)))?;
                n.as_str().parse::<$t>().map_err(|_| {
                    DecodeError::new(format!(
                        "number {} does not fit in {}",
                        n.as_str(),
                        stringify!($t)
                    ))
                })
            }
        }
    )*};
}
int_codec!(
    i8 => Int as i64, i16 => Int as i64, i32 => Int as i64, i64 => Int as i64, isize => Int as i64,
    u16 => UInt as u64, u32 => UInt as u64, u64 => UInt as u64, usize => UInt as u64,
    i128 => BigInt as i128,
);

impl Encode for u8 {
    fn encode(&self) -> Value {
        Value::Number(Number::from(*self))
    }
    fn key_part(&self) -> KeyPart<'_> {
        KeyPart::UInt(u64::from(*self))
    }
    const KEY_TYPE: Option<ScalarType> = Some(ScalarType::Number);
    const VEC_KEY_TYPE: Option<ScalarType> = Some(ScalarType::Binary);
    fn encode_vec(items: &[u8]) -> Value {
        Value::Binary(items.to_vec())
    }
}

impl Decode for u8 {
    fn decode(value: Value) -> Result<Self, DecodeError> {
        let n = number_of(value, "a number (N) for u8")?;
        n.as_str()
            .parse()
            .map_err(|_| DecodeError::new(format!("number {} does not fit in u8", n.as_str())))
    }
    fn decode_vec(value: Value) -> Result<Vec<u8>, DecodeError> {
        match value {
            Value::Binary(b) => Ok(b),
            other => Err(DecodeError::expected("bytes (B)", &other)),
        }
    }
}

impl Encode for u128 {
    fn encode(&self) -> Value {
        Value::Number(Number::from(*self))
    }
    fn key_part(&self) -> KeyPart<'_> {
        match i128::try_from(*self) {
            Ok(v) => KeyPart::BigInt(v),
            Err(_) => KeyPart::Unsupported("a u128 above i128::MAX"),
        }
    }
    const KEY_TYPE: Option<ScalarType> = Some(ScalarType::Number);
}

impl Decode for u128 {
    fn decode(value: Value) -> Result<Self, DecodeError> {
        let n = number_of(value, "a number (N) for u128")?;
        n.as_str()
            .parse()
            .map_err(|_| DecodeError::new(format!("number {} does not fit in u128", n.as_str())))
    }
}

impl Encode for f64 {
    fn encode(&self) -> Value {
        Value::Number(Number::from(*self))
    }
    fn key_part(&self) -> KeyPart<'_> {
        if self.is_finite() {
            KeyPart::Float(*self)
        } else {
            KeyPart::Unsupported("a non-finite float")
        }
    }
    const KEY_TYPE: Option<ScalarType> = Some(ScalarType::Number);
}

impl Decode for f64 {
    fn decode(value: Value) -> Result<Self, DecodeError> {
        Ok(number_of(value, "a number (N) for f64")?.as_f64())
    }
}

impl Encode for f32 {
    fn encode(&self) -> Value {
        Value::Number(Number::from(*self))
    }
    fn key_part(&self) -> KeyPart<'_> {
        if self.is_finite() {
            // Its own shortest decimal, the same text as its attribute.
            KeyPart::Float(crate::value::f32_as_decimal_f64(*self))
        } else {
            KeyPart::Unsupported("a non-finite float")
        }
    }
    const KEY_TYPE: Option<ScalarType> = Some(ScalarType::Number);
}

impl Decode for f32 {
    fn decode(value: Value) -> Result<Self, DecodeError> {
        let n = number_of(value, "a number (N) for f32")?;
        // Parsing gives infinity past f32's range (DynamoDB's reaches 1e126).
        n.as_str()
            .parse::<f32>()
            .ok()
            .filter(|f| f.is_finite())
            .ok_or_else(|| DecodeError::new(format!("number {} is not an f32", n.as_str())))
    }
}

impl<T: Encode> Encode for Option<T> {
    fn encode(&self) -> Value {
        match self {
            Some(v) => v.encode(),
            None => Value::Null,
        }
    }
    fn key_part(&self) -> KeyPart<'_> {
        match self {
            Some(v) => v.key_part(),
            None => KeyPart::Unset,
        }
    }
    fn encode_checked(&self) -> Result<Value, String> {
        match self {
            Some(v) => v.encode_checked(),
            None => Ok(Value::Null),
        }
    }
    const CHECKED: bool = T::CHECKED;
    const KEY_TYPE: Option<ScalarType> = T::KEY_TYPE;
}

impl<T: Decode> Decode for Option<T> {
    fn decode(value: Value) -> Result<Self, DecodeError> {
        match value {
            Value::Null => Ok(None),
            v => T::decode(v).map(Some),
        }
    }
}

impl<T: Encode + ?Sized> Encode for Box<T> {
    fn encode(&self) -> Value {
        (**self).encode()
    }
    fn encode_checked(&self) -> Result<Value, String> {
        (**self).encode_checked()
    }
    const CHECKED: bool = T::CHECKED;
    fn key_part(&self) -> KeyPart<'_> {
        (**self).key_part()
    }
    const KEY_TYPE: Option<ScalarType> = T::KEY_TYPE;
}

impl<T: Decode> Decode for Box<T> {
    fn decode(value: Value) -> Result<Self, DecodeError> {
        T::decode(value).map(Box::new)
    }
}

impl<T: Encode + ?Sized> Encode for &T {
    fn encode(&self) -> Value {
        (**self).encode()
    }
    fn encode_checked(&self) -> Result<Value, String> {
        (**self).encode_checked()
    }
    const CHECKED: bool = T::CHECKED;
    fn key_part(&self) -> KeyPart<'_> {
        (**self).key_part()
    }
    const KEY_TYPE: Option<ScalarType> = T::KEY_TYPE;
}

impl<T: Encode> Encode for Vec<T> {
    fn encode(&self) -> Value {
        T::encode_vec(self)
    }
    fn encode_checked(&self) -> Result<Value, String> {
        if T::CHECKED {
            // Each element encoded once, checked as it is: what the default
            // `encode_vec` makes (no type whose encoding can fail has its
            // own), without encoding every element a second time.
            return self
                .iter()
                .enumerate()
                .map(|(i, v)| v.encode_checked().map_err(|e| format!("[{i}]: {e}")))
                .collect::<Result<Vec<_>, _>>()
                .map(Value::List);
        }
        Ok(self.encode())
    }
    const CHECKED: bool = T::CHECKED;
    const KEY_TYPE: Option<ScalarType> = T::VEC_KEY_TYPE;
}

impl<T: Decode> Decode for Vec<T> {
    fn decode(value: Value) -> Result<Self, DecodeError> {
        T::decode_vec(value)
    }
}

impl<T: Encode> Encode for [T] {
    fn encode(&self) -> Value {
        T::encode_vec(self)
    }
    fn encode_checked(&self) -> Result<Value, String> {
        check_elements(self.iter())?;
        Ok(self.encode())
    }
    const CHECKED: bool = T::CHECKED;
    const KEY_TYPE: Option<ScalarType> = T::VEC_KEY_TYPE;
}

impl<T: Encode> Encode for VecDeque<T> {
    fn encode(&self) -> Value {
        Value::List(self.iter().map(Encode::encode).collect())
    }
    fn encode_checked(&self) -> Result<Value, String> {
        check_elements(self.iter())?;
        Ok(self.encode())
    }
    const CHECKED: bool = T::CHECKED;
}

/// The first value whose [`Encode::encode_checked`] fails, named by its
/// place (`[2]` in a list, `.key` in a map) — looked for only when the
/// value type can fail.
fn check_each<'a, V: Encode + 'a>(
    values: impl Iterator<Item = (String, &'a V)>,
) -> Result<(), String> {
    if V::CHECKED {
        for (at, v) in values {
            v.encode_checked().map_err(|e| format!("{at}: {e}"))?;
        }
    }
    Ok(())
}

/// [`check_each`] over a list's elements.
fn check_elements<'a, T: Encode + 'a>(items: impl Iterator<Item = &'a T>) -> Result<(), String> {
    check_each(items.enumerate().map(|(i, v)| (format!("[{i}]"), v)))
}

/// [`check_each`] over a map's values.
fn check_values<'a, K: AsRef<str> + 'a, V: Encode + 'a>(
    entries: impl Iterator<Item = (&'a K, &'a V)>,
) -> Result<(), String> {
    check_each(entries.map(|(k, v)| (format!(".{}", k.as_ref()), v)))
}

impl<T: Decode> Decode for VecDeque<T> {
    /// A list element by element, as it is written (a `VecDeque<u8>` is a
    /// list of numbers, not bytes as a `Vec<u8>` is).
    fn decode(value: Value) -> Result<Self, DecodeError> {
        match value {
            Value::List(items) => items
                .into_iter()
                .enumerate()
                .map(|(i, v)| T::decode(v).map_err(|e| e.at(format_args!("[{i}]"))))
                .collect(),
            other => Err(DecodeError::expected("a list (L)", &other)),
        }
    }
}

/// Arrays encode like `Vec`s: `[u8; N]` is binary, other arrays are lists.
impl<T: Encode, const N: usize> Encode for [T; N] {
    fn encode(&self) -> Value {
        T::encode_vec(self)
    }
    fn encode_checked(&self) -> Result<Value, String> {
        check_elements(self.iter())?;
        Ok(self.encode())
    }
    const CHECKED: bool = T::CHECKED;
    const KEY_TYPE: Option<ScalarType> = T::VEC_KEY_TYPE;
}

impl<const N: usize> Decode for [u8; N] {
    fn decode(value: Value) -> Result<Self, DecodeError> {
        let v = Vec::<u8>::decode(value)?;
        let len = v.len();
        v.try_into()
            .map_err(|_| DecodeError::new(format!("expected {N} bytes, found {len}")))
    }
}

impl Encode for bytes::Bytes {
    fn encode(&self) -> Value {
        Value::Binary(self.to_vec())
    }
    const KEY_TYPE: Option<ScalarType> = Some(ScalarType::Binary);
}

impl Decode for bytes::Bytes {
    fn decode(value: Value) -> Result<Self, DecodeError> {
        Vec::<u8>::decode(value).map(bytes::Bytes::from)
    }
}

/// Map keys: anything that turns into and comes from a string.
fn map_encode<'a, K: AsRef<str> + 'a, V: Encode + 'a>(
    it: impl Iterator<Item = (&'a K, &'a V)>,
) -> Value {
    Value::Map(
        it.map(|(k, v)| (k.as_ref().to_owned(), v.encode()))
            .collect(),
    )
}

impl<K: AsRef<str> + Ord, V: Encode> Encode for BTreeMap<K, V> {
    fn encode(&self) -> Value {
        map_encode(self.iter())
    }
    fn encode_checked(&self) -> Result<Value, String> {
        check_values(self.iter())?;
        Ok(self.encode())
    }
    const CHECKED: bool = V::CHECKED;
}

impl<V: Decode> Decode for BTreeMap<String, V> {
    fn decode(value: Value) -> Result<Self, DecodeError> {
        match value {
            Value::Map(m) => m
                .into_iter()
                .map(|(k, v)| {
                    let v = V::decode(v).map_err(|e| e.at(format_args!(".{k}")))?;
                    Ok((k, v))
                })
                .collect(),
            other => Err(DecodeError::expected("a map (M)", &other)),
        }
    }
}

impl<K: AsRef<str>, V: Encode, S: BuildHasher> Encode for HashMap<K, V, S> {
    fn encode(&self) -> Value {
        map_encode(self.iter())
    }
    fn encode_checked(&self) -> Result<Value, String> {
        check_values(self.iter())?;
        Ok(self.encode())
    }
    const CHECKED: bool = V::CHECKED;
}

impl<V: Decode, S: BuildHasher + Default> Decode for HashMap<String, V, S> {
    fn decode(value: Value) -> Result<Self, DecodeError> {
        BTreeMap::<String, V>::decode(value).map(|m| m.into_iter().collect())
    }
}

/// Element types a DynamoDB set can hold.
pub trait SetElement: Sized {
    #[doc(hidden)]
    fn set_of<'a>(items: impl Iterator<Item = &'a Self>) -> Value
    where
        Self: 'a;
    #[doc(hidden)]
    fn from_set(value: Value) -> Result<Vec<Self>, DecodeError>;
}

impl SetElement for String {
    fn set_of<'a>(items: impl Iterator<Item = &'a Self>) -> Value {
        let s: BTreeSet<String> = items.cloned().collect();
        if s.is_empty() {
            Value::Null
        } else {
            Value::StringSet(s)
        }
    }
    fn from_set(value: Value) -> Result<Vec<Self>, DecodeError> {
        match value {
            Value::StringSet(s) => Ok(s.into_iter().collect()),
            Value::List(l) => l.into_iter().map(String::decode).collect(),
            other => Err(DecodeError::expected("a string set (SS)", &other)),
        }
    }
}

impl SetElement for Vec<u8> {
    fn set_of<'a>(items: impl Iterator<Item = &'a Self>) -> Value {
        let s: BTreeSet<Vec<u8>> = items.cloned().collect();
        if s.is_empty() {
            Value::Null
        } else {
            Value::BinarySet(s)
        }
    }
    fn from_set(value: Value) -> Result<Vec<Self>, DecodeError> {
        match value {
            Value::BinarySet(s) => Ok(s.into_iter().collect()),
            other => Err(DecodeError::expected("a binary set (BS)", &other)),
        }
    }
}

macro_rules! num_set_element {
    ($($t:ty),*) => {$(
        impl SetElement for $t {
            fn set_of<'a>(items: impl Iterator<Item = &'a Self>) -> Value {
                let s: BTreeSet<Number> = items.map(|v| Number::from(*v)).collect();
                if s.is_empty() { Value::Null } else { Value::NumberSet(s) }
            }
            fn from_set(value: Value) -> Result<Vec<Self>, DecodeError> {
                match value {
                    Value::NumberSet(s) => s.into_iter().map(|n| <$t>::decode(Value::Number(n))).collect(),
                    Value::List(l) => l.into_iter().map(<$t>::decode).collect(),
                    other => Err(DecodeError::expected("a number set (NS)", &other)),
                }
            }
        }
    )*};
}
num_set_element!(
    i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize
);

impl SetElement for Number {
    fn set_of<'a>(items: impl Iterator<Item = &'a Self>) -> Value {
        let s: BTreeSet<Number> = items.cloned().collect();
        if s.is_empty() {
            Value::Null
        } else {
            Value::NumberSet(s)
        }
    }
    fn from_set(value: Value) -> Result<Vec<Self>, DecodeError> {
        match value {
            Value::NumberSet(s) => Ok(s.into_iter().collect()),
            other => Err(DecodeError::expected("a number set (NS)", &other)),
        }
    }
}

impl<T: SetElement + Ord> Encode for BTreeSet<T> {
    fn encode(&self) -> Value {
        T::set_of(self.iter())
    }
}

// DynamoDB has no empty set: an empty one is written as NULL (inside a map
// or a list, where it cannot be left out), and NULL reads back as empty.
impl<T: SetElement + Ord> Decode for BTreeSet<T> {
    fn decode(value: Value) -> Result<Self, DecodeError> {
        match value {
            Value::Null => Ok(BTreeSet::new()),
            value => T::from_set(value).map(|v| v.into_iter().collect()),
        }
    }
}

impl<T: SetElement + Hash + Eq, S: BuildHasher> Encode for HashSet<T, S> {
    fn encode(&self) -> Value {
        T::set_of(self.iter())
    }
}

impl<T: SetElement + Hash + Eq, S: BuildHasher + Default> Decode for HashSet<T, S> {
    fn decode(value: Value) -> Result<Self, DecodeError> {
        match value {
            Value::Null => Ok(HashSet::default()),
            value => T::from_set(value).map(|v| v.into_iter().collect()),
        }
    }
}

impl Encode for serde_json::Value {
    fn encode(&self) -> Value {
        Value::from_plain_json(self)
    }
}

impl Decode for serde_json::Value {
    fn decode(value: Value) -> Result<Self, DecodeError> {
        Ok(value.to_plain_json())
    }
}

/// Stores any serde type as its JSON shape (objects as `M`, arrays as `L`).
///
/// ```
/// use dynamo::{Encode, Decode, Json, Value};
/// #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq, Clone, Default)]
/// struct Address { city: String, zip: u32 }
///
/// let v = Json(Address { city: "Oslo".into(), zip: 150 }).encode();
/// assert_eq!(v.get("zip"), Some(&Value::from(150)));
/// let back: Json<Address> = Json::decode(v).unwrap();
/// assert_eq!(back.0.city, "Oslo");
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Json<T>(pub T);

impl<T: serde::Serialize> Encode for Json<T> {
    /// The JSON shape of the value; `Null` when serde cannot serialize it
    /// (writes and `updates!` report that instead: [`Encode::encode_checked`]).
    fn encode(&self) -> Value {
        self.encode_checked().unwrap_or(Value::Null)
    }

    const CHECKED: bool = true;

    fn encode_checked(&self) -> Result<Value, String> {
        // JSON has no NaN or infinity: serde_json writes them as null,
        // which would silently lose the value (or fail every read of it).
        serde::Serialize::serialize(&self.0, finite::Check)
            .map_err(|e| format!("cannot be written as JSON: {e}"))?;
        serde_json::to_value(&self.0)
            .map(|v| Value::from_plain_json(&v))
            .map_err(|e| format!("cannot be written as JSON: {e}"))
    }
}

/// A serializer that writes nothing and fails on the first non-finite
/// float, so that [`Json`] refuses what JSON cannot hold.
mod finite {
    use serde::ser::{self, Serialize};
    use std::fmt;

    #[derive(Debug)]
    pub(super) struct NotFinite(String);

    impl fmt::Display for NotFinite {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(&self.0)
        }
    }

    impl std::error::Error for NotFinite {}

    impl ser::Error for NotFinite {
        fn custom<T: fmt::Display>(msg: T) -> Self {
            NotFinite(msg.to_string())
        }
    }

    #[derive(Clone, Copy)]
    pub(super) struct Check;

    type R = Result<(), NotFinite>;

    fn float(v: f64) -> R {
        if v.is_finite() {
            Ok(())
        } else {
            Err(NotFinite(format!(
                "{v} is not a number JSON can hold (non-finite numbers are refused)"
            )))
        }
    }

    impl ser::Serializer for Check {
        type Ok = ();
        type Error = NotFinite;
        type SerializeSeq = Check;
        type SerializeTuple = Check;
        type SerializeTupleStruct = Check;
        type SerializeTupleVariant = Check;
        type SerializeMap = Check;
        type SerializeStruct = Check;
        type SerializeStructVariant = Check;

        fn serialize_bool(self, _: bool) -> R {
            Ok(())
        }
        fn serialize_i8(self, _: i8) -> R {
            Ok(())
        }
        fn serialize_i16(self, _: i16) -> R {
            Ok(())
        }
        fn serialize_i32(self, _: i32) -> R {
            Ok(())
        }
        fn serialize_i64(self, _: i64) -> R {
            Ok(())
        }
        fn serialize_i128(self, _: i128) -> R {
            Ok(())
        }
        fn serialize_u8(self, _: u8) -> R {
            Ok(())
        }
        fn serialize_u16(self, _: u16) -> R {
            Ok(())
        }
        fn serialize_u32(self, _: u32) -> R {
            Ok(())
        }
        fn serialize_u64(self, _: u64) -> R {
            Ok(())
        }
        fn serialize_u128(self, _: u128) -> R {
            Ok(())
        }
        fn serialize_f32(self, v: f32) -> R {
            float(f64::from(v))
        }
        fn serialize_f64(self, v: f64) -> R {
            float(v)
        }
        fn serialize_char(self, _: char) -> R {
            Ok(())
        }
        fn serialize_str(self, _: &str) -> R {
            Ok(())
        }
        fn serialize_bytes(self, _: &[u8]) -> R {
            Ok(())
        }
        fn serialize_none(self) -> R {
            Ok(())
        }
        fn serialize_some<T: ?Sized + Serialize>(self, v: &T) -> R {
            v.serialize(self)
        }
        fn serialize_unit(self) -> R {
            Ok(())
        }
        fn serialize_unit_struct(self, _: &'static str) -> R {
            Ok(())
        }
        fn serialize_unit_variant(self, _: &'static str, _: u32, _: &'static str) -> R {
            Ok(())
        }
        fn serialize_newtype_struct<T: ?Sized + Serialize>(self, _: &'static str, v: &T) -> R {
            v.serialize(self)
        }
        fn serialize_newtype_variant<T: ?Sized + Serialize>(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
            v: &T,
        ) -> R {
            v.serialize(self)
        }
        fn serialize_seq(self, _: Option<usize>) -> Result<Check, NotFinite> {
            Ok(self)
        }
        fn serialize_tuple(self, _: usize) -> Result<Check, NotFinite> {
            Ok(self)
        }
        fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Check, NotFinite> {
            Ok(self)
        }
        fn serialize_tuple_variant(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
            _: usize,
        ) -> Result<Check, NotFinite> {
            Ok(self)
        }
        fn serialize_map(self, _: Option<usize>) -> Result<Check, NotFinite> {
            Ok(self)
        }
        fn serialize_struct(self, _: &'static str, _: usize) -> Result<Check, NotFinite> {
            Ok(self)
        }
        fn serialize_struct_variant(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
            _: usize,
        ) -> Result<Check, NotFinite> {
            Ok(self)
        }
    }

    // Every compound part: serialize its elements (a field or variant
    // name, when the part has one, is no value).
    macro_rules! compound {
        ($($tr:ident :: $m:ident $(($name:ty))?),*) => {$(
            impl ser::$tr for Check {
                type Ok = ();
                type Error = NotFinite;
                fn $m<T: ?Sized + Serialize>(&mut self, $(_: $name,)? v: &T) -> R {
                    v.serialize(*self)
                }
                fn end(self) -> R {
                    Ok(())
                }
            }
        )*};
    }
    compound!(
        SerializeSeq::serialize_element,
        SerializeTuple::serialize_element,
        SerializeTupleStruct::serialize_field,
        SerializeTupleVariant::serialize_field,
        SerializeStruct::serialize_field(&'static str),
        SerializeStructVariant::serialize_field(&'static str)
    );

    impl ser::SerializeMap for Check {
        type Ok = ();
        type Error = NotFinite;
        fn serialize_key<T: ?Sized + Serialize>(&mut self, k: &T) -> R {
            k.serialize(*self)
        }
        fn serialize_value<T: ?Sized + Serialize>(&mut self, v: &T) -> R {
            v.serialize(*self)
        }
        fn end(self) -> R {
            Ok(())
        }
    }
}

impl<T: serde::de::DeserializeOwned> Decode for Json<T> {
    fn decode(value: Value) -> Result<Self, DecodeError> {
        // Numbers as JSON numbers: `T`'s number fields round them anyway.
        serde_json::from_value(value.plain_json(false))
            .map(Json)
            .map_err(|e| DecodeError::new(format!("JSON shape does not match: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round<T: Encode + Decode + PartialEq + fmt::Debug>(v: T) {
        let enc = v.encode();
        assert_eq!(T::decode(enc).unwrap(), v);
    }

    /// A list of values whose encoding can fail encodes, checked, to what
    /// `encode` makes; the first that cannot is named by its position.
    #[test]
    fn a_checked_list_is_the_list() {
        let ok = vec![Json(1.5), Json(-2.0)];
        assert_eq!(ok.encode_checked(), Ok(ok.encode()));
        let nested = vec![Some(Json(vec![1.0])), None];
        assert_eq!(nested.encode_checked(), Ok(nested.encode()));
        let bad = vec![Json(1.0), Json(f64::NAN)];
        let e = bad.encode_checked().unwrap_err();
        assert!(e.starts_with("[1]: "), "{e}");
        let empty: Vec<Json<f64>> = Vec::new();
        assert_eq!(empty.encode_checked(), Ok(Value::List(Vec::new())));
    }

    #[test]
    fn a_number_beyond_f32_is_a_decode_error_not_infinity() {
        let n = |t: &str| Value::Number(t.parse().unwrap());
        assert_eq!(f32::decode(n("3.4e38")).unwrap(), 3.4e38f32);
        let e = f32::decode(n("1e39")).unwrap_err();
        assert!(e.to_string().contains("is not an f32"), "{e}");
        assert!(f32::decode(n("-1e39")).is_err());
    }

    #[test]
    fn f32_key_parts_read_like_their_attributes() {
        // 0.1f32 widened to f64 is 0.10000000149011612; neither the key nor
        // the attribute may show that.
        assert_eq!(0.1f32.key_part().render(), "0.1");
        assert_eq!(Number::from(0.1f32).as_str(), "0.1");
        // A sweep over the f32 bit patterns (every sign, exponent and a
        // spread of mantissas): key text = attribute text, and both read
        // back as the same f32.
        let mut checked = 0;
        for bits in (0u32..=u32::MAX).step_by(65_521) {
            let v = f32::from_bits(bits);
            if !v.is_finite() {
                assert!(matches!(v.key_part(), KeyPart::Unsupported(_)));
                continue;
            }
            let key = v.key_part().render();
            let attr = Number::from(v);
            assert_eq!(key, attr.as_str(), "{v:e}");
            assert_eq!(key.parse::<f32>().unwrap(), v, "{v:e}");
            checked += 1;
        }
        assert!(checked > 60_000, "{checked}");
    }

    #[test]
    fn round_trips() {
        round(String::from("hi"));
        round(42i64);
        round(-3i8);
        round(u64::MAX);
        round(i128::MIN);
        round(1.25f64);
        round(0.1f32);
        round(f32::MAX);
        round(f32::MIN_POSITIVE);
        round(1e-45f32);
        round(true);
        round(Some(5u32));
        round(vec![1i32, 2, 3]);
        round(vec![0u8, 255, 7]);
        round(BTreeSet::from(["a".to_owned(), "b".to_owned()]));
        round(BTreeSet::from([1i64, 5]));
        round(BTreeSet::from([vec![1u8], vec![2u8]]));
        round(BTreeMap::from([("k".to_owned(), 1i64)]));
        round(Value::from("v"));
        round('x');
        round([1u8, 2, 3]);
        round(bytes::Bytes::from_static(b"abc"));
        round(VecDeque::from([String::from("a")]));
    }

    #[test]
    fn bytes_are_binary() {
        assert_eq!(vec![1u8, 2].encode(), Value::Binary(vec![1, 2]));
        assert_eq!(vec![1u16, 2].encode().type_name(), "L");
    }

    #[test]
    fn empty_sets_are_left_out() {
        assert_eq!(BTreeSet::<String>::new().encode(), Value::Null);
        assert_eq!(HashSet::<i64>::new().encode(), Value::Null);
    }

    #[test]
    fn decode_errors_name_the_problem() {
        let e = i64::decode(Value::from("x")).unwrap_err();
        assert!(
            e.message()
                .contains("expected a number (N) for i64, found a S value"),
            "{e}"
        );
        let e = u8::decode(Value::from(300)).unwrap_err();
        assert!(e.message().contains("does not fit in u8"), "{e}");
        let e =
            Vec::<i64>::decode(Value::from(vec![Value::from(1), Value::from("x")])).unwrap_err();
        assert!(e.message().starts_with("[1]:"), "{e}");
        let e = i32::decode(Value::from(1.5)).unwrap_err();
        assert!(e.message().contains("does not fit in i32"), "{e}");
    }

    #[test]
    fn key_parts() {
        assert_eq!(String::from("a").key_part(), KeyPart::Str("a"));
        assert_eq!(5u8.key_part(), KeyPart::UInt(5));
        assert_eq!(None::<String>.key_part(), KeyPart::Unset);
        assert_eq!(Value::Null.key_part(), KeyPart::Unset);
        assert!(matches!(vec![1].key_part(), KeyPart::Unsupported(_)));
        assert!(matches!(f64::NAN.key_part(), KeyPart::Unsupported(_)));
    }
}
