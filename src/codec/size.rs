//! Item size as DynamoDB computes it, and the checks for values DynamoDB
//! cannot store. Both run before a request is sent.
//!
//! DynamoDB's rules (Developer Guide, "Item sizes and formats"):
//! strings and binaries count their UTF-8/byte length; numbers about one byte
//! per two significant digits plus one; booleans and nulls one byte; lists
//! and maps three bytes plus one byte per element plus the elements (a map
//! element also counts its name); sets count their elements; every attribute
//! counts its name's length. An item may be at most 400 KB (409,600 bytes).

use std::collections::HashMap;

use super::Value;
use crate::value::Number;

/// The largest item DynamoDB stores: 400 KB.
pub const MAX_ITEM_SIZE: usize = 400 * 1024;

/// The size DynamoDB counts for `value`.
pub fn value_size(value: &Value) -> usize {
    match value {
        Value::Null | Value::Bool(_) => 1,
        Value::String(s) => s.len(),
        Value::Number(n) => number_size(n),
        Value::Binary(b) => b.len(),
        Value::List(l) => 3 + l.iter().map(|v| value_size(v) + 1).sum::<usize>(),
        Value::Map(m) => {
            3 + m
                .iter()
                .map(|(k, v)| k.len() + value_size(v) + 1)
                .sum::<usize>()
        }
        Value::StringSet(s) => s.iter().map(String::len).sum(),
        Value::NumberSet(s) => s.iter().map(number_size).sum(),
        Value::BinarySet(s) => s.iter().map(Vec::len).sum(),
    }
}

pub(crate) fn number_size(n: &Number) -> usize {
    n.significant_digits().div_ceil(2) + 1
}

/// The size of a whole item: every attribute's name plus its value.
pub fn item_size<S>(item: &HashMap<String, Value, S>) -> usize {
    item.iter().map(|(k, v)| k.len() + value_size(v)).sum()
}

/// Checks that DynamoDB can store `value`; returns what is wrong with it.
///
/// Refused: empty sets, non-finite numbers, numbers outside DynamoDB's range
/// or precision, and (inside lists and maps) the same, with the path.
pub fn check_value(value: &Value) -> Result<(), String> {
    check_within(value, 0)
}

/// [`check_value`] for a value `depth` lists and maps down.
fn check_within(value: &Value, depth: usize) -> Result<(), String> {
    if depth >= MAX_NESTING {
        return Err(too_deep());
    }
    match value {
        Value::Number(n) => check_number(n),
        Value::StringSet(s) if s.is_empty() => Err(empty_set("string")),
        Value::NumberSet(s) if s.is_empty() => Err(empty_set("number")),
        Value::BinarySet(s) if s.is_empty() => Err(empty_set("binary")),
        Value::NumberSet(s) => s.iter().try_for_each(check_number),
        Value::List(l) => l
            .iter()
            .enumerate()
            .try_for_each(|(i, v)| check_within(v, depth + 1).map_err(|e| format!("[{i}]: {e}"))),
        Value::Map(m) => m
            .iter()
            .try_for_each(|(k, v)| check_within(v, depth + 1).map_err(|e| format!(".{k}: {e}"))),
        _ => Ok(()),
    }
}

/// DynamoDB's nesting limit: a value inside this many lists or maps is
/// refused (the attribute's own value is at level 0).
pub(crate) const MAX_NESTING: usize = 32;

pub(crate) fn too_deep() -> String {
    format!(
        "a value sits inside {MAX_NESTING} lists or maps, deeper than DynamoDB's limit for a \
         document"
    )
}

pub(crate) fn empty_set(kind: &str) -> String {
    format!(
        "an empty {kind} set cannot be stored (DynamoDB refuses empty sets; leave the attribute out instead)"
    )
}

pub(crate) fn check_number(n: &Number) -> Result<(), String> {
    if !n.is_finite() {
        return Err(format!(
            "`{n}` cannot be stored: DynamoDB numbers must be finite"
        ));
    }
    n.check_dynamodb_range()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{BTreeMap, BTreeSet};

    #[test]
    fn sizes() {
        assert_eq!(value_size(&Value::from("abc")), 3);
        assert_eq!(value_size(&Value::from("é")), 2);
        assert_eq!(value_size(&Value::Bool(true)), 1);
        assert_eq!(value_size(&Value::Null), 1);
        assert_eq!(value_size(&Value::from(1)), 2);
        assert_eq!(value_size(&Value::from(12345)), 4);
        assert_eq!(value_size(&Value::from(1000)), 2);
        assert_eq!(value_size(&Value::Binary(vec![0; 10])), 10);
        assert_eq!(value_size(&Value::from(vec!["ab", "c"])), 3 + 3 + 2);
        let m = BTreeMap::from([("k".to_owned(), Value::from("vv"))]);
        assert_eq!(value_size(&Value::Map(m)), 3 + 1 + 2 + 1);
        let s = BTreeSet::from(["a".to_owned(), "bc".to_owned()]);
        assert_eq!(value_size(&Value::StringSet(s)), 3);
        let item = HashMap::from([("name".to_owned(), Value::from("x"))]);
        assert_eq!(item_size(&item), 5);
    }

    /// A leaf inside 31 lists or maps is stored; inside 32 it is refused,
    /// as DynamoDB does, and a deeper value is refused without walking it
    /// (a recursion per level could run out of stack).
    #[test]
    fn nesting_up_to_dynamodbs_limit() {
        let nest = |levels: usize| {
            (0..levels).fold(Value::from(1), |v, i| {
                if i % 2 == 0 {
                    Value::List(vec![v])
                } else {
                    Value::Map(BTreeMap::from([("k".to_owned(), v)]))
                }
            })
        };
        assert_eq!(check_value(&nest(31)), Ok(()));
        let e = check_value(&nest(32)).unwrap_err();
        assert!(e.contains("inside 32 lists or maps"), "{e}");
        assert!(e.starts_with(".k: [0]: .k: "), "{e}");
        let deep = nest(5000);
        assert!(check_value(&deep).is_err());
        // Dropped a level at a time: the default drop recurses.
        let mut v = deep;
        loop {
            v = match v {
                Value::List(mut l) => l.pop().unwrap(),
                Value::Map(m) => m.into_values().next().unwrap(),
                _ => break,
            };
        }
    }

    #[test]
    fn checks() {
        assert!(
            check_value(&Value::StringSet(BTreeSet::new()))
                .unwrap_err()
                .contains("empty string set")
        );
        assert!(check_value(&Value::from(f64::NAN)).is_err());
        assert!(check_value(&Value::from(f64::INFINITY)).is_err());
        let nested = Value::from(vec![Value::from(1), Value::NumberSet(BTreeSet::new())]);
        assert!(check_value(&nested).unwrap_err().starts_with("[1]:"));
        assert!(check_value(&Value::from(1.5)).is_ok());
        assert!(check_value(&Value::from("")).is_ok());
        let big: Number = "1e200".parse().unwrap();
        assert!(check_value(&Value::Number(big)).is_err());
    }
}
