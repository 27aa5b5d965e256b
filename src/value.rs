//! [`Value`], the dynamic DynamoDB attribute value, and [`Number`], its exact
//! decimal number.
//!
//! `Value` is what an untyped schema field (`field :name;`) holds, what
//! `values!{…}` and `opts![expression_attribute_values: {…}]` take, and what
//! [`crate::encoder::encode`] produces. Numbers keep their exact decimal text,
//! so `Value::from("12345678901234567890.123456789")` survives a round trip
//! through DynamoDB digit for digit.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt;
use std::str::FromStr;

/// A DynamoDB attribute value.
///
/// Every DynamoDB type has a variant; `Null` stands for an unset value (an
/// unset field is left out of the written item, it is not written as `NULL`).
///
/// ```
/// use dynamo::Value;
///
/// assert_eq!(Value::from("x"), Value::from("x"));
/// assert_eq!(Value::from(42).as_i64(), Some(42));
/// assert_eq!(Value::from(1.5).as_f64(), Some(1.5));
/// assert_eq!(Value::from(vec!["a", "b"]).as_list().map(|l| l.len()), Some(2));
/// assert!(Value::from(None::<String>).is_null());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum Value {
    /// No value (`NULL` on the wire; left out when a field is written).
    #[default]
    Null,
    /// A boolean (`BOOL`).
    Bool(bool),
    /// A UTF-8 string (`S`).
    String(String),
    /// A number (`N`), kept as exact decimal text.
    Number(Number),
    /// Raw bytes (`B`).
    Binary(Vec<u8>),
    /// An ordered list of values (`L`).
    List(Vec<Value>),
    /// A map of named values (`M`).
    Map(BTreeMap<String, Value>),
    /// A set of strings (`SS`). DynamoDB refuses empty sets.
    StringSet(BTreeSet<String>),
    /// A set of numbers (`NS`). DynamoDB refuses empty sets.
    NumberSet(BTreeSet<Number>),
    /// A set of byte strings (`BS`). DynamoDB refuses empty sets.
    BinarySet(BTreeSet<Vec<u8>>),
}

impl Value {
    /// The DynamoDB type descriptor of this value: `"S"`, `"N"`, `"B"`,
    /// `"BOOL"`, `"NULL"`, `"L"`, `"M"`, `"SS"`, `"NS"` or `"BS"`.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "NULL",
            Value::Bool(_) => "BOOL",
            Value::String(_) => "S",
            Value::Number(_) => "N",
            Value::Binary(_) => "B",
            Value::List(_) => "L",
            Value::Map(_) => "M",
            Value::StringSet(_) => "SS",
            Value::NumberSet(_) => "NS",
            Value::BinarySet(_) => "BS",
        }
    }

    /// `true` for [`Value::Null`].
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// `true` when the value counts as *unset* for key building: `Null` or an
    /// empty string.
    pub fn is_unset(&self) -> bool {
        match self {
            Value::Null => true,
            Value::String(s) => s.is_empty(),
            _ => false,
        }
    }

    /// The string, if this is a `String`.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The number, if this is a `Number`.
    pub fn as_number(&self) -> Option<&Number> {
        match self {
            Value::Number(n) => Some(n),
            _ => None,
        }
    }

    /// The number as `i64`, if this is a `Number` holding an integer in range.
    pub fn as_i64(&self) -> Option<i64> {
        self.as_number().and_then(Number::as_i64)
    }

    /// The number as `u64`, if this is a `Number` holding an integer in range.
    pub fn as_u64(&self) -> Option<u64> {
        self.as_number().and_then(Number::as_u64)
    }

    /// The number as the nearest `f64`, if this is a `Number`.
    pub fn as_f64(&self) -> Option<f64> {
        self.as_number().map(Number::as_f64)
    }

    /// The boolean, if this is a `Bool`.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The bytes, if this is `Binary`.
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            Value::Binary(b) => Some(b),
            _ => None,
        }
    }

    /// The elements, if this is a `List`.
    pub fn as_list(&self) -> Option<&[Value]> {
        match self {
            Value::List(l) => Some(l),
            _ => None,
        }
    }

    /// The entries, if this is a `Map`.
    pub fn as_map(&self) -> Option<&BTreeMap<String, Value>> {
        match self {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    /// Looks up `key` in a `Map` value.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.as_map().and_then(|m| m.get(key))
    }

    /// Renders the value as DynamoDB's JSON wire form, e.g. `{"S":"x"}`.
    ///
    /// ```
    /// use dynamo::Value;
    /// assert_eq!(Value::from(5).to_dynamodb_json().to_string(), r#"{"N":"5"}"#);
    /// ```
    pub fn to_dynamodb_json(&self) -> serde_json::Value {
        use base64::Engine as _;
        use serde_json::json;
        let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
        match self {
            Value::Null => json!({ "NULL": true }),
            Value::Bool(b) => json!({ "BOOL": b }),
            Value::String(s) => json!({ "S": s }),
            Value::Number(n) => json!({ "N": n.as_str() }),
            Value::Binary(b) => json!({ "B": b64(b) }),
            Value::List(l) => {
                json!({ "L": l.iter().map(Value::to_dynamodb_json).collect::<Vec<_>>() })
            }
            Value::Map(m) => {
                let inner: serde_json::Map<String, serde_json::Value> = m
                    .iter()
                    .map(|(k, v)| (k.clone(), v.to_dynamodb_json()))
                    .collect();
                json!({ "M": inner })
            }
            Value::StringSet(s) => json!({ "SS": s }),
            Value::NumberSet(s) => {
                json!({ "NS": s.iter().map(Number::as_str).collect::<Vec<_>>() })
            }
            Value::BinarySet(s) => json!({ "BS": s.iter().map(|b| b64(b)).collect::<Vec<_>>() }),
        }
    }

    /// Converts plain JSON into a value: objects become maps, arrays lists,
    /// numbers keep their exact text. This is *not* DynamoDB's typed wire
    /// form; see [`Value::from_dynamodb_json`] for that.
    pub fn from_plain_json(json: &serde_json::Value) -> Value {
        match json {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => Number::from_str(&n.to_string())
                .map(Value::Number)
                .unwrap_or(Value::Null),
            serde_json::Value::String(s) => Value::String(s.clone()),
            serde_json::Value::Array(a) => {
                Value::List(a.iter().map(Value::from_plain_json).collect())
            }
            serde_json::Value::Object(o) => Value::Map(
                o.iter()
                    .map(|(k, v)| (k.clone(), Value::from_plain_json(v)))
                    .collect(),
            ),
        }
    }

    /// Converts the value into plain JSON (maps to objects, sets to arrays,
    /// binary to base64 strings). Numbers keep their exact value: one that
    /// a JSON number here (an `i64`, `u64` or `f64`) cannot hold exactly —
    /// more than 17 significant digits, an integer beyond 64 bits — is
    /// written as a string of its digits rather than rounded.
    ///
    /// ```
    /// use dynamo::{Number, Value};
    /// let v = Value::List(vec![Value::from(7), Value::Number("0.1".parse().unwrap()),
    ///     Value::Number("123456789012345678901234567890".parse().unwrap())]);
    /// assert_eq!(v.to_plain_json(), serde_json::json!([7, 0.1, "123456789012345678901234567890"]));
    /// ```
    pub fn to_plain_json(&self) -> serde_json::Value {
        self.plain_json(true)
    }

    /// [`Value::to_plain_json`]; with `exact: false` every number is a JSON
    /// number, rounded to an `f64` when it must be (for reading into Rust
    /// number types, which round anyway).
    pub(crate) fn plain_json(&self, exact: bool) -> serde_json::Value {
        use base64::Engine as _;
        let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
        match self {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::String(s) => serde_json::Value::String(s.clone()),
            Value::Number(n) => n.to_json(exact),
            Value::Binary(b) => serde_json::Value::String(b64(b)),
            Value::List(l) => {
                serde_json::Value::Array(l.iter().map(|v| v.plain_json(exact)).collect())
            }
            Value::Map(m) => serde_json::Value::Object(
                m.iter()
                    .map(|(k, v)| (k.clone(), v.plain_json(exact)))
                    .collect(),
            ),
            Value::StringSet(s) => {
                serde_json::Value::Array(s.iter().cloned().map(serde_json::Value::String).collect())
            }
            Value::NumberSet(s) => {
                serde_json::Value::Array(s.iter().map(|n| n.to_json(exact)).collect())
            }
            Value::BinarySet(s) => serde_json::Value::Array(
                s.iter()
                    .map(|b| serde_json::Value::String(b64(b)))
                    .collect(),
            ),
        }
    }

    /// Parses DynamoDB's typed JSON wire form (`{"S":"x"}`, `{"N":"5"}`, …).
    ///
    /// Returns a message naming what was wrong when `json` is not a valid
    /// attribute value.
    pub fn from_dynamodb_json(json: &serde_json::Value) -> Result<Value, String> {
        use base64::Engine as _;
        let obj = json
            .as_object()
            .ok_or_else(|| format!("expected an attribute value object, found {json}"))?;
        if obj.len() != 1 {
            return Err(format!(
                "an attribute value must have exactly one type key, found {}",
                obj.len()
            ));
        }
        let Some((tag, v)) = obj.iter().next() else {
            return Err("an attribute value must have exactly one type key, found 0".to_owned());
        };
        let b64 = |v: &serde_json::Value| -> Result<Vec<u8>, String> {
            let s = v.as_str().ok_or("binary must be a base64 string")?;
            base64::engine::general_purpose::STANDARD
                .decode(s)
                .map_err(|e| format!("bad base64: {e}"))
        };
        let str_of = |v: &serde_json::Value, what: &str| -> Result<String, String> {
            v.as_str()
                .map(str::to_owned)
                .ok_or_else(|| format!("{what} must be a string"))
        };
        let arr_of =
            |v: &serde_json::Value, what: &str| -> Result<Vec<serde_json::Value>, String> {
                v.as_array()
                    .cloned()
                    .ok_or_else(|| format!("{what} must be an array"))
            };
        Ok(match tag.as_str() {
            "NULL" => Value::Null,
            "BOOL" => Value::Bool(v.as_bool().ok_or("BOOL must be a boolean")?),
            "S" => Value::String(str_of(v, "S")?),
            "N" => Value::Number(
                str_of(v, "N")?
                    .parse()
                    .map_err(|e: ParseNumberError| e.to_string())?,
            ),
            "B" => Value::Binary(b64(v)?),
            "L" => Value::List(
                arr_of(v, "L")?
                    .iter()
                    .map(Value::from_dynamodb_json)
                    .collect::<Result<_, _>>()?,
            ),
            "M" => Value::Map(
                v.as_object()
                    .ok_or("M must be an object")?
                    .iter()
                    .map(|(k, v)| Ok((k.clone(), Value::from_dynamodb_json(v)?)))
                    .collect::<Result<_, String>>()?,
            ),
            "SS" => Value::StringSet(
                arr_of(v, "SS")?
                    .iter()
                    .map(|e| str_of(e, "SS element"))
                    .collect::<Result<_, _>>()?,
            ),
            "NS" => Value::NumberSet(
                arr_of(v, "NS")?
                    .iter()
                    .map(|e| {
                        str_of(e, "NS element")?
                            .parse()
                            .map_err(|e: ParseNumberError| e.to_string())
                    })
                    .collect::<Result<_, _>>()?,
            ),
            "BS" => Value::BinarySet(arr_of(v, "BS")?.iter().map(b64).collect::<Result<_, _>>()?),
            other => return Err(format!("unknown attribute type `{other}`")),
        })
    }
}

// ---------------------------------------------------------------------------
// Number
// ---------------------------------------------------------------------------

/// An exact decimal number, as DynamoDB stores it.
///
/// The text is kept in canonical plain decimal form (`"3"`, `"1.5"`,
/// `"-0.001"`; no exponent, no leading or trailing zeros), so equal numbers
/// have equal text and nothing is lost between Rust and DynamoDB.
///
/// ```
/// use dynamo::Number;
/// let n: Number = "1.50e2".parse().unwrap();
/// assert_eq!(n.as_str(), "150");
/// assert_eq!(n.as_i64(), Some(150));
/// assert_eq!(Number::from(2.5_f64).as_str(), "2.5");
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Number(Box<str>);

/// Why a text is not a number.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{text}` is not a valid number: {reason}")]
pub struct ParseNumberError {
    text: String,
    reason: &'static str,
}

/// The largest exponent magnitude accepted when parsing. DynamoDB itself
/// stores magnitudes from 1E-130 to below 1E+126; anything further out is
/// refused by [`Number::check_dynamodb_range`] before sending.
const MAX_PARSE_EXPONENT: i64 = 400;

impl Number {
    /// The canonical decimal text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The value as `i64` when it is an integer in range.
    pub fn as_i64(&self) -> Option<i64> {
        self.0.parse().ok()
    }

    /// The value as `u64` when it is a non-negative integer in range.
    pub fn as_u64(&self) -> Option<u64> {
        self.0.parse().ok()
    }

    /// The value as `i128` when it is an integer in range.
    pub fn as_i128(&self) -> Option<i128> {
        self.0.parse().ok()
    }

    /// The nearest `f64`.
    pub fn as_f64(&self) -> f64 {
        self.0.parse().unwrap_or(f64::NAN)
    }

    /// `true` when the number has no fractional part.
    pub fn is_integer(&self) -> bool {
        !self.0.contains('.')
    }

    /// `true` when the number is below zero.
    pub fn is_negative(&self) -> bool {
        self.0.starts_with('-')
    }

    /// The number with its sign flipped.
    pub fn negated(&self) -> Number {
        if &*self.0 == "0" {
            self.clone()
        } else if let Some(rest) = self.0.strip_prefix('-') {
            Number(rest.into())
        } else {
            Number(format!("-{}", self.0).into_boxed_str())
        }
    }

    /// Number of significant digits (leading and trailing zeros trimmed).
    pub fn significant_digits(&self) -> usize {
        // Digits from the first to the last non-zero one; counted in place
        // (this runs for every number of every written item).
        let mut first = None;
        let mut last = 0;
        for (i, d) in self.0.bytes().filter(u8::is_ascii_digit).enumerate() {
            if d != b'0' {
                first.get_or_insert(i);
                last = i;
            }
        }
        first.map_or(1, |f| last - f + 1)
    }

    /// Decimal exponent of the most significant digit (`123.4` → 2,
    /// `0.05` → -2); `None` for zero.
    fn magnitude(&self) -> Option<i64> {
        let s = self.0.trim_start_matches('-');
        let (int, frac) = s.split_once('.').unwrap_or((s, ""));
        if int != "0" {
            Some(int.len() as i64 - 1)
        } else {
            let zeros = frac.bytes().take_while(|b| *b == b'0').count();
            if zeros == frac.len() {
                None
            } else {
                Some(-(zeros as i64) - 1)
            }
        }
    }

    /// Checks DynamoDB's limits: at most 38 significant digits, magnitude
    /// between 1E-130 and 9.9999999999999999999999999999999999999E+125.
    /// Returns a message saying which limit is broken.
    pub fn check_dynamodb_range(&self) -> Result<(), String> {
        // At most 38 characters: at most 38 digits, and a magnitude far
        // inside both bounds. Every number of every written item comes
        // through here; most are short.
        if self.0.len() <= 38 {
            return Ok(());
        }
        if self.significant_digits() > 38 {
            return Err(format!(
                "number `{}` has {} significant digits; DynamoDB keeps at most 38",
                self.0,
                self.significant_digits()
            ));
        }
        match self.magnitude() {
            Some(m) if m > 125 => Err(format!(
                "number `{}` is too large for DynamoDB (largest magnitude is below 1E+126)",
                self.0
            )),
            Some(m) if m < -130 => Err(format!(
                "number `{}` is too small for DynamoDB (smallest magnitude is 1E-130)",
                self.0
            )),
            _ => Ok(()),
        }
    }

    /// Builds a number from text that is already canonical. Used on hot paths
    /// for integers.
    pub(crate) fn from_canonical(text: String) -> Number {
        debug_assert!(
            text.parse::<Number>()
                .map(|n| n.0.as_ref() == text)
                .unwrap_or(false),
            "{text}"
        );
        Number(text.into_boxed_str())
    }

    /// Parses `text`, keeping its buffer when it is already canonical (the
    /// usual case for numbers read from DynamoDB).
    pub(crate) fn parse_owned(text: String) -> Result<Number, ParseNumberError> {
        match canonicalize(&text)? {
            Cow::Borrowed(c) if c.len() == text.len() => Ok(Number(text.into_boxed_str())),
            c => Ok(Number(c.into())),
        }
    }

    /// As a JSON number; when `exact`, as a string of its digits if a JSON
    /// number would not give back this value.
    fn to_json(&self, exact: bool) -> serde_json::Value {
        // Rust's own parsers: serde_json's float parser (without its
        // `float_roundtrip` feature) can land one step off for 16 or 17
        // digits, and such a number would not come back as itself.
        let text = &*self.0;
        let parsed = match text.parse::<i64>() {
            Ok(i) => Some(serde_json::Number::from(i)),
            Err(_) => match text.parse::<u64>() {
                Ok(u) => Some(serde_json::Number::from(u)),
                Err(_) => text
                    .parse::<f64>()
                    .ok()
                    .and_then(serde_json::Number::from_f64),
            },
        };
        match parsed {
            Some(n)
                if !exact || Number::from_str(&n.to_string()).is_ok_and(|back| back == *self) =>
            {
                serde_json::Value::Number(n)
            }
            _ => serde_json::Value::String(self.0.to_string()),
        }
    }
}

impl FromStr for Number {
    type Err = ParseNumberError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        canonicalize(text).map(|c| Number(c.into_owned().into_boxed_str()))
    }
}

/// Whether `text` is already canonical plain decimal: `-?(0|[1-9][0-9]*)`,
/// then optionally `.` and digits not ending in `0`, and not `-0`. One
/// pass; the usual case for numbers read from DynamoDB or formatted here.
fn is_canonical(text: &str) -> bool {
    let b = text.as_bytes();
    let mut i = usize::from(b.first() == Some(&b'-'));
    let int_start = i;
    match b.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => {
            i += 1;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
        }
        _ => return false,
    }
    if i == b.len() {
        // `-0` is not canonical; `0` and other integers are.
        return !(int_start == 1 && &b[1..] == b"0");
    }
    if b[i] != b'.' {
        return false;
    }
    i += 1;
    let frac_start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    i == b.len() && i > frac_start && b[i - 1] != b'0'
}

/// Turns any decimal or scientific notation into canonical plain decimal.
fn canonicalize(text: &str) -> Result<Cow<'_, str>, ParseNumberError> {
    if is_canonical(text) {
        return Ok(Cow::Borrowed(text));
    }
    let err = |reason| ParseNumberError {
        text: text.chars().take(64).collect(),
        reason,
    };
    let bytes = text.as_bytes();
    let mut i = 0;
    let mut negative = false;
    if i < bytes.len() && (bytes[i] == b'-' || bytes[i] == b'+') {
        negative = bytes[i] == b'-';
        i += 1;
    }
    let int_start = i;
    while i < bytes.len() && bytes[i].is_ascii_digit() {
        i += 1;
    }
    let int_digits = &text[int_start..i];
    let mut frac_digits = "";
    if i < bytes.len() && bytes[i] == b'.' {
        i += 1;
        let fs = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        frac_digits = &text[fs..i];
    }
    if int_digits.is_empty() && frac_digits.is_empty() {
        return Err(err("no digits"));
    }
    let mut exponent: i64 = 0;
    if i < bytes.len() && (bytes[i] == b'e' || bytes[i] == b'E') {
        i += 1;
        let mut exp_neg = false;
        if i < bytes.len() && (bytes[i] == b'-' || bytes[i] == b'+') {
            exp_neg = bytes[i] == b'-';
            i += 1;
        }
        let es = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        if es == i {
            return Err(err("exponent has no digits"));
        }
        let digits = &text[es..i];
        if digits.len() > 6 {
            return Err(err("exponent out of range"));
        }
        exponent = digits
            .parse::<i64>()
            .map_err(|_| err("exponent out of range"))?;
        if exp_neg {
            exponent = -exponent;
        }
    }
    if i != bytes.len() {
        return Err(err("unexpected character"));
    }
    if exponent.abs() > MAX_PARSE_EXPONENT {
        return Err(err("exponent out of range"));
    }

    // Fast path: the text is already canonical.
    let has_exponent = text.contains(['e', 'E']);
    let has_dot = text.contains('.');
    let int_ok = !int_digits.is_empty() && (int_digits == "0" || !int_digits.starts_with('0'));
    let frac_ok = !has_dot || (!frac_digits.is_empty() && !frac_digits.ends_with('0'));
    let not_negative_zero = !(negative && int_digits == "0" && frac_digits.is_empty());
    if !has_exponent && !text.starts_with('+') && int_ok && frac_ok && not_negative_zero {
        return Ok(Cow::Borrowed(text));
    }

    // General path: digits string + decimal point position.
    let mut digits: Vec<u8> = Vec::with_capacity(int_digits.len() + frac_digits.len());
    digits.extend_from_slice(int_digits.as_bytes());
    digits.extend_from_slice(frac_digits.as_bytes());
    let mut point = int_digits.len() as i64 + exponent; // digits before the point
    // trim leading zeros
    let lead = digits.iter().take_while(|d| **d == b'0').count();
    digits.drain(..lead);
    point -= lead as i64;
    // trim trailing zeros
    while digits.last() == Some(&b'0') {
        digits.pop();
    }
    if digits.is_empty() {
        return Ok(Cow::Borrowed("0"));
    }
    let mut out = String::with_capacity(digits.len() + 4);
    if negative {
        out.push('-');
    }
    if point <= 0 {
        out.push_str("0.");
        for _ in 0..(-point) {
            out.push('0');
        }
        out.extend(digits.iter().map(|&d| char::from(d)));
    } else if point as usize >= digits.len() {
        out.extend(digits.iter().map(|&d| char::from(d)));
        for _ in 0..(point as usize - digits.len()) {
            out.push('0');
        }
    } else {
        let (a, b) = digits.split_at(point as usize);
        out.extend(a.iter().map(|&d| char::from(d)));
        out.push('.');
        out.extend(b.iter().map(|&d| char::from(d)));
    }
    Ok(Cow::Owned(out))
}

impl Default for Number {
    /// Zero.
    fn default() -> Number {
        Number(Box::from("0"))
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Number({})", self.0)
    }
}

impl Ord for Number {
    /// Numeric order.
    fn cmp(&self, other: &Self) -> Ordering {
        let (a, b) = (&*self.0, &*other.0);
        match (a.starts_with('-'), b.starts_with('-')) {
            (false, true) => Ordering::Greater,
            (true, false) => Ordering::Less,
            (false, false) => cmp_abs(a, b),
            (true, true) => cmp_abs(&a[1..], &b[1..]).reverse(),
        }
    }
}

impl PartialOrd for Number {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Compares two canonical non-negative decimals.
fn cmp_abs(a: &str, b: &str) -> Ordering {
    let (ai, af) = a.split_once('.').unwrap_or((a, ""));
    let (bi, bf) = b.split_once('.').unwrap_or((b, ""));
    ai.len()
        .cmp(&bi.len())
        .then_with(|| ai.cmp(bi))
        .then_with(|| af.cmp(bf))
}

macro_rules! number_from_int {
    ($($t:ty),*) => {$(
        impl From<$t> for Number {
            fn from(v: $t) -> Number {
                let mut buf = itoa::Buffer::new();
                Number::from_canonical(buf.format(v).to_owned())
            }
        }
    )*};
}
number_from_int!(
    i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize
);

impl From<f64> for Number {
    /// Non-finite floats become the text `NaN`/`inf`, which DynamoDB cannot
    /// store: writing one is refused before sending.
    fn from(v: f64) -> Number {
        if !v.is_finite() {
            return Number(v.to_string().into_boxed_str());
        }
        with_f64_text(v, |text| Number(Box::from(text)))
    }
}

/// Calls `f` with the canonical text of a finite `f64`: the text Rust's
/// `Display` gives it (the shortest digits that read back as the same float),
/// in plain decimal with no trailing `.0`. Attribute values and key parts
/// both come from here, so they always agree.
///
/// `ryu` formats it on the stack. Up to 15 significant digits the shortest
/// text is unique, so `ryu`'s is `Display`'s; from 16 digits on, two texts
/// can be equally short and equally close (`-2089403881563505.25` is
/// `…505.2` or `…505.3`), and `ryu` and `Display` break that tie
/// differently, so long texts are taken from `Display`.
pub(crate) fn with_f64_text<R>(v: f64, f: impl FnOnce(&str) -> R) -> R {
    let mut buf = ryu::Buffer::new();
    let short = buf.format_finite(v);
    let display;
    let text = if significant_digits_reach(short, 16) {
        display = v.to_string();
        display.as_str()
    } else {
        short
    };
    match canonicalize(text) {
        Ok(c) => f(&c),
        Err(_) => f(text),
    }
}

/// Whether the mantissa of a formatted float (`"123.45"`, `"1.5e-7"`) has at
/// least `n` digits after its leading zeros. Trailing zeros count too: a
/// `true` that is not needed only costs a slower path.
fn significant_digits_reach(text: &str, n: usize) -> bool {
    let mantissa = text.split(['e', 'E']).next().unwrap_or(text);
    mantissa
        .bytes()
        .filter(u8::is_ascii_digit)
        .skip_while(|b| *b == b'0')
        .count()
        >= n
}

impl From<f32> for Number {
    /// The shortest digits that read back as the same `f32` (`0.1f32` is
    /// `0.1`, not the `0.10000000149011612` of its `f64` widening).
    fn from(v: f32) -> Number {
        if !v.is_finite() {
            return Number(v.to_string().into_boxed_str());
        }
        with_f64_text(f32_as_decimal_f64(v), |text| Number(Box::from(text)))
    }
}

/// The `f64` nearest to the shortest decimal of `v` (`0.1f32` → `0.1`).
/// That decimal has at most 9 significant digits, so it is also the `f64`'s
/// own shortest text: an `f32` reads the same as an attribute and as a key
/// part.
pub(crate) fn f32_as_decimal_f64(v: f32) -> f64 {
    let mut buf = ryu::Buffer::new();
    let short = buf.format_finite(v);
    // As for `f64`: from 7 digits on, ties are broken as `Display` does.
    let parsed = if significant_digits_reach(short, 7) {
        v.to_string().parse()
    } else {
        short.parse()
    };
    parsed.unwrap_or(f64::from(v))
}

impl Number {
    /// `true` unless this came from a non-finite float.
    pub fn is_finite(&self) -> bool {
        let s = self.0.trim_start_matches('-');
        s.as_bytes().first().is_some_and(u8::is_ascii_digit)
    }
}

// ---------------------------------------------------------------------------
// From conversions into Value
// ---------------------------------------------------------------------------

impl From<&str> for Value {
    fn from(v: &str) -> Value {
        Value::String(v.to_owned())
    }
}
impl From<String> for Value {
    fn from(v: String) -> Value {
        Value::String(v)
    }
}
impl From<&String> for Value {
    fn from(v: &String) -> Value {
        Value::String(v.clone())
    }
}
impl From<Cow<'_, str>> for Value {
    fn from(v: Cow<'_, str>) -> Value {
        Value::String(v.into_owned())
    }
}
impl From<bool> for Value {
    fn from(v: bool) -> Value {
        Value::Bool(v)
    }
}
impl From<Number> for Value {
    fn from(v: Number) -> Value {
        Value::Number(v)
    }
}
macro_rules! value_from_num {
    ($($t:ty),*) => {$(
        impl From<$t> for Value {
            fn from(v: $t) -> Value { Value::Number(Number::from(v)) }
        }
    )*};
}
value_from_num!(
    i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize, f32, f64
);

impl From<&[u8]> for Value {
    fn from(v: &[u8]) -> Value {
        Value::Binary(v.to_vec())
    }
}
impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Value {
        v.map_or(Value::Null, Into::into)
    }
}
impl<T: Into<Value>> From<Vec<T>> for Value {
    /// A `Vec` becomes a `List`. (`Vec<u8>` too: use [`Value::Binary`] for bytes.)
    fn from(v: Vec<T>) -> Value {
        Value::List(v.into_iter().map(Into::into).collect())
    }
}
impl<T: Into<Value>, const N: usize> From<[T; N]> for Value {
    fn from(v: [T; N]) -> Value {
        Value::List(v.into_iter().map(Into::into).collect())
    }
}
impl<K: Into<String>, V: Into<Value>> From<BTreeMap<K, V>> for Value {
    fn from(v: BTreeMap<K, V>) -> Value {
        Value::Map(v.into_iter().map(|(k, v)| (k.into(), v.into())).collect())
    }
}
impl<K: Into<String>, V: Into<Value>, S> From<HashMap<K, V, S>> for Value {
    fn from(v: HashMap<K, V, S>) -> Value {
        Value::Map(v.into_iter().map(|(k, v)| (k.into(), v.into())).collect())
    }
}
impl From<BTreeSet<String>> for Value {
    fn from(v: BTreeSet<String>) -> Value {
        Value::StringSet(v)
    }
}
impl<S> From<HashSet<String, S>> for Value {
    fn from(v: HashSet<String, S>) -> Value {
        Value::StringSet(v.into_iter().collect())
    }
}
impl From<BTreeSet<Number>> for Value {
    fn from(v: BTreeSet<Number>) -> Value {
        Value::NumberSet(v)
    }
}
impl From<serde_json::Value> for Value {
    /// Plain JSON (see [`Value::from_plain_json`]).
    fn from(v: serde_json::Value) -> Value {
        Value::from_plain_json(&v)
    }
}

impl PartialEq<str> for Value {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == Some(other)
    }
}
impl PartialEq<&str> for Value {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == Some(*other)
    }
}
impl PartialEq<String> for Value {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == Some(other.as_str())
    }
}
impl PartialEq<i64> for Value {
    fn eq(&self, other: &i64) -> bool {
        self.as_i64() == Some(*other)
    }
}
impl PartialEq<i32> for Value {
    fn eq(&self, other: &i32) -> bool {
        self.as_i64() == Some(i64::from(*other))
    }
}
impl PartialEq<f64> for Value {
    fn eq(&self, other: &f64) -> bool {
        self.as_f64() == Some(*other)
    }
}
impl PartialEq<bool> for Value {
    fn eq(&self, other: &bool) -> bool {
        self.as_bool() == Some(*other)
    }
}

impl fmt::Display for Value {
    /// Strings print bare, numbers in their decimal text, other values as
    /// their plain JSON.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::String(s) => f.write_str(s),
            Value::Number(n) => f.write_str(n.as_str()),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Null => f.write_str("null"),
            other => write!(f, "{}", other.to_plain_json()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Plain JSON keeps every number's value: one a JSON number would round
    /// (more than 17 digits, beyond 64 bits) becomes a string of its digits.
    /// It was rounded through `f64`: 123456789012345678901234567890 came
    /// out as 1.2345678901234568e29.
    #[test]
    fn plain_json_numbers_keep_their_value() {
        let n = |t: &str| Value::Number(t.parse().unwrap());
        for (text, json) in [
            ("7", serde_json::json!(7)),
            ("-9223372036854775808", serde_json::json!(i64::MIN)),
            ("18446744073709551615", serde_json::json!(u64::MAX)),
            ("0.1", serde_json::json!(0.1)),
            ("0.0000001", serde_json::json!(1e-7)),
            (
                "18446744073709551616",
                serde_json::json!("18446744073709551616"),
            ),
            (
                "0.12345678901234567890",
                serde_json::json!("0.1234567890123456789"),
            ),
            // Its shortest text, 1e+100, is the same value.
            ("1e100", serde_json::json!(1e100)),
            // 16 and 17 digits an f64 holds exactly.
            ("1.4000000000000001", serde_json::json!(1.4000000000000001)),
            (
                "-105395.24977253417",
                serde_json::json!(-105395.24977253417),
            ),
            ("13.270000000000001", serde_json::json!(13.270000000000001)),
        ] {
            assert_eq!(n(text).to_plain_json(), json, "{text}");
        }
        // Inside maps, lists and number sets too.
        let set = Value::NumberSet(
            [
                "1".parse().unwrap(),
                "123456789012345678901".parse().unwrap(),
            ]
            .into(),
        );
        assert_eq!(
            set.to_plain_json(),
            serde_json::json!([1, "123456789012345678901"])
        );
        // Read into Rust numbers, values round as they would anyway.
        assert_eq!(
            n("0.12345678901234567890").plain_json(false),
            serde_json::json!(0.12345678901234568)
        );
    }

    fn canon(s: &str) -> String {
        s.parse::<Number>().unwrap().as_str().to_owned()
    }

    #[test]
    fn canonical_numbers() {
        assert_eq!(canon("0"), "0");
        assert_eq!(canon("-0"), "0");
        assert_eq!(canon("+5"), "5");
        assert_eq!(canon("007"), "7");
        assert_eq!(canon("1.50"), "1.5");
        assert_eq!(canon("1.0"), "1");
        assert_eq!(canon("1."), "1");
        assert_eq!(canon(".5"), "0.5");
        assert_eq!(canon("-.5"), "-0.5");
        assert_eq!(canon("1e10"), "10000000000");
        assert_eq!(canon("1E+2"), "100");
        assert_eq!(canon("1.5e-3"), "0.0015");
        assert_eq!(canon("123.456e1"), "1234.56");
        assert_eq!(canon("0.000"), "0");
        assert_eq!(
            canon("12345678901234567890.123456789"),
            "12345678901234567890.123456789"
        );
        assert_eq!(canon("-12.340e2"), "-1234");
    }

    #[test]
    fn bad_numbers() {
        for bad in [
            "",
            "-",
            ".",
            "e5",
            "1e",
            "1e+",
            "abc",
            "1.2.3",
            "1 ",
            " 1",
            "1e99999999",
            "--1",
            "NaN",
            "inf",
        ] {
            assert!(bad.parse::<Number>().is_err(), "{bad:?} parsed");
        }
    }

    #[test]
    fn floats_print_plainly() {
        assert_eq!(Number::from(1.5f64).as_str(), "1.5");
        assert_eq!(Number::from(3.0f64).as_str(), "3");
        assert_eq!(Number::from(-0.0f64).as_str(), "0");
        assert_eq!(Number::from(1e21f64).as_str(), "1000000000000000000000");
        assert_eq!(Number::from(0.1f64).as_str(), "0.1");
        assert_eq!(Number::from(1e-7f64).as_str(), "0.0000001");
        assert!(!Number::from(f64::NAN).is_finite());
        assert!(Number::from(2.0f64).is_finite());
        assert_eq!(Number::from(0.25f32).as_str(), "0.25");
    }

    #[test]
    fn ints() {
        assert_eq!(Number::from(-42i64).as_str(), "-42");
        assert_eq!(
            Number::from(u128::MAX).as_str(),
            "340282366920938463463374607431768211455"
        );
        assert_eq!(Number::from(7u8).as_i64(), Some(7));
    }

    #[test]
    fn ordering_is_numeric() {
        let n = |s: &str| s.parse::<Number>().unwrap();
        assert!(n("2") < n("10"));
        assert!(n("-10") < n("-2"));
        assert!(n("-1") < n("0"));
        assert!(n("0.5") < n("1"));
        assert!(n("1.25") < n("1.3"));
        assert!(n("-1.3") < n("-1.25"));
        assert_eq!(n("1.0").cmp(&n("1")), Ordering::Equal);
    }

    #[test]
    fn ranges() {
        let n = |s: &str| s.parse::<Number>().unwrap();
        assert!(n("1e125").check_dynamodb_range().is_ok());
        assert!(n("1e126").check_dynamodb_range().is_err());
        assert!(n("1e-130").check_dynamodb_range().is_ok());
        assert!(n("1e-131").check_dynamodb_range().is_err());
        assert!(
            n("12345678901234567890123456789012345678")
                .check_dynamodb_range()
                .is_ok()
        );
        assert!(
            n("123456789012345678901234567890123456789")
                .check_dynamodb_range()
                .is_err()
        );
        assert_eq!(n("1000").significant_digits(), 1);
        assert_eq!(n("0.00120").significant_digits(), 2);
    }

    #[test]
    fn negation() {
        let n = |s: &str| s.parse::<Number>().unwrap();
        assert_eq!(n("5").negated(), n("-5"));
        assert_eq!(n("-5.5").negated(), n("5.5"));
        assert_eq!(n("0").negated(), n("0"));
    }

    #[test]
    fn dynamodb_json_round_trip() {
        let mut m = BTreeMap::new();
        m.insert("a".to_owned(), Value::from(1));
        m.insert("b".to_owned(), Value::Binary(vec![0, 255]));
        let v = Value::List(vec![
            Value::Map(m),
            Value::StringSet(["x".to_owned()].into()),
            Value::NumberSet([Number::from(3)].into()),
            Value::BinarySet([vec![1u8]].into()),
            Value::Null,
            Value::Bool(true),
        ]);
        let json = v.to_dynamodb_json();
        assert_eq!(Value::from_dynamodb_json(&json).unwrap(), v);
        assert!(Value::from_dynamodb_json(&serde_json::json!({"X": 1})).is_err());
        assert!(Value::from_dynamodb_json(&serde_json::json!({"S": "a", "N": "1"})).is_err());
    }

    #[test]
    fn equality_and_accessors() {
        assert_eq!(Value::from("x"), Value::from("x"));
        assert_eq!(Value::from("x"), "x");
        assert_eq!(Value::from(3), 3);
        assert!(Value::from("").is_unset());
        assert!(!Value::from(0).is_unset());
        assert_eq!(Value::from(Some(1.5)).as_f64(), Some(1.5));
        assert_eq!(Value::from(true).type_name(), "BOOL");
        assert_eq!(Value::from(vec![1, 2]).as_list().unwrap().len(), 2);
    }

    #[test]
    fn hot_path_helpers_agree_with_the_general_ones() {
        // Floats: the same text as `Display` for these, and the long ones.
        for f in [
            0.1,
            -2.5,
            1e21,
            1e-7,
            1299.95,
            f64::MAX,
            f64::MIN_POSITIVE,
            5e-324,
        ] {
            let text = f.to_string();
            assert_eq!(Number::from(f), text.parse::<Number>().unwrap(), "{f}");
        }
        // Floats of every magnitude: exactly `Display`'s text (made
        // canonical), which reads back as the same float — including the
        // long ones where two shortest texts tie.
        let mut rng = fastrand::Rng::with_seed(7);
        let check = |f: f64| {
            let n = Number::from(f);
            assert_eq!(n.as_str().parse::<f64>().unwrap(), f, "{f:?}");
            assert_eq!(n.as_str().parse::<Number>().unwrap(), n, "{f:?}");
            assert_eq!(n, f.to_string().parse::<Number>().unwrap(), "{f:?}");
        };
        check(-2089403881563505.3);
        for _ in 0..100_000 {
            let f = f64::from_bits(rng.u64(..));
            if f.is_finite() {
                check(f);
            }
        }
        // And f32s: `Display`'s text for the f32, as attribute and key part.
        for _ in 0..100_000 {
            let f = f32::from_bits(rng.u32(..));
            if f.is_finite() {
                let n = Number::from(f);
                assert_eq!(n, f.to_string().parse::<Number>().unwrap(), "{f:?}");
                assert_eq!(n.as_str().parse::<f32>().unwrap(), f, "{f:?}");
            }
        }
        for i in -300..300 {
            check(10f64.powi(i) * 1.5);
        }
        for cents in 0..20_000 {
            // Prices and other short decimals: exactly what Display prints.
            let f = f64::from(cents) / 100.0;
            assert_eq!(Number::from(f), f.to_string().parse::<Number>().unwrap());
        }
        // The one-pass canonical check agrees with the general path.
        for t in [
            "0", "-0", "7", "-7", "10", "007", "0.5", "-0.5", "0.50", "1.", ".5", "1.05", "-", "",
            "+1", "1e3", "1E-3", "12a", "0.0", "-0.0", "1.000001", "-120.03",
        ] {
            let canonical = is_canonical(t);
            let general = t
                .parse::<Number>()
                .map(|n| n.as_str() == t)
                .unwrap_or(false);
            assert_eq!(canonical, general, "{t:?}");
        }
        // Parsing an owned text keeps canonical ones and canonicalises others.
        for t in ["0", "-12", "1.5", "1.50", "+3", "1e3", "0.000", "-0"] {
            assert_eq!(
                Number::parse_owned(t.to_owned()).unwrap(),
                t.parse::<Number>().unwrap(),
                "{t}"
            );
        }
        assert!(Number::parse_owned("x".to_owned()).is_err());
        assert_eq!(Number::from(7).as_str(), "7");
        // Significant digits, counted in place.
        for (t, d) in [
            ("0", 1),
            ("-0.05", 1),
            ("120.0300", 5),
            ("99", 2),
            ("-1000", 1),
        ] {
            assert_eq!(t.parse::<Number>().unwrap().significant_digits(), d, "{t}");
        }
        // The short-text fast path of the range check, and the long texts.
        assert!(Number::from(i64::MIN).check_dynamodb_range().is_ok());
        let long: Number = "1".repeat(39).parse().unwrap();
        assert!(long.check_dynamodb_range().is_err());
        let big: Number = format!("1{}", "0".repeat(126)).parse().unwrap();
        assert!(big.check_dynamodb_range().is_err());
        let small: Number = format!("0.{}1", "0".repeat(130)).parse().unwrap();
        assert!(small.check_dynamodb_range().is_err());
        let fine: Number = format!("1{}", "0".repeat(60)).parse().unwrap();
        assert!(fine.check_dynamodb_range().is_ok());
    }
}
