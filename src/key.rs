//! Key building: the rules that turn field values into the `pk`/`sk` strings.
//!
//! These are plain functions; `dynamo_item!` only gathers the key fields'
//! values (as [`KeyPart`]s, in declared order) and calls them.
//!
//! * A **partition key** is the values joined by the separator. Every part
//!   must be set; an unset part is a `ValidationError` naming the field.
//! * A **sort key** is the values joined by the separator; with
//!   `prefix_sort_key: true` each value is preceded by its field name. It stops
//!   at the first unset part (a *partial* key, used for prefix queries).
//! * Values are written verbatim, separator and all. Numbers print in plain
//!   decimal (`3`, `1.5`), booleans as `true`/`false`.
//!
//! ```
//! use dynamo::key::{partition_key, sort_key, KeyField, KeyPart};
//!
//! let pk = partition_key("#", &[
//!     KeyField::new("tenant_id", KeyPart::Str("tenant123")),
//!     KeyField::new("customer_id", KeyPart::Str("customer456")),
//! ]).unwrap();
//! assert_eq!(pk, "tenant123#customer456");
//!
//! let sk = sort_key("#", true, &[
//!     KeyField::new("order_date", KeyPart::Str("2024-01-15")),
//!     KeyField::new("order_id", KeyPart::Unset),
//! ]);
//! assert_eq!(sk.as_deref(), Some("order_date#2024-01-15"));
//! ```
//!
//! "Unset" means [`Value::Null`](crate::Value::Null), `None`, or an empty string.

use crate::error::{Error, Result};
use crate::value::Number;

/// One field's value as it goes into a key.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum KeyPart<'a> {
    /// Not set: `None`, `Value::Null` or `""`.
    Unset,
    /// Text, written verbatim.
    Str(&'a str),
    /// A signed integer.
    Int(i64),
    /// An unsigned integer.
    UInt(u64),
    /// A 128-bit integer.
    BigInt(i128),
    /// A float, written in its shortest plain decimal form.
    Float(f64),
    /// An exact decimal.
    Num(&'a Number),
    /// A boolean, written `true`/`false`.
    Bool(bool),
    /// A value that cannot be part of a key (a list, map, set or bytes); the
    /// text names its type.
    Unsupported(&'static str),
}

impl KeyPart<'_> {
    /// `true` for [`KeyPart::Unset`] and empty strings.
    pub fn is_unset(&self) -> bool {
        match self {
            KeyPart::Unset => true,
            KeyPart::Str(s) => s.is_empty(),
            _ => false,
        }
    }

    /// `false` for [`KeyPart::Unsupported`]: a value that cannot be in a key.
    pub fn is_supported(&self) -> bool {
        !matches!(self, KeyPart::Unsupported(_))
    }

    /// An upper bound of the rendered length, used to size the key string.
    fn len_hint(&self) -> usize {
        match self {
            KeyPart::Str(s) => s.len(),
            KeyPart::Num(n) => n.as_str().len(),
            KeyPart::Int(_) | KeyPart::UInt(_) => 20,
            KeyPart::BigInt(_) => 40,
            KeyPart::Float(_) => 24,
            KeyPart::Bool(_) => 5,
            KeyPart::Unset | KeyPart::Unsupported(_) => 0,
        }
    }

    fn write_to(&self, out: &mut String) {
        match self {
            KeyPart::Str(s) => out.push_str(s),
            KeyPart::Num(n) => out.push_str(n.as_str()),
            KeyPart::Int(i) => out.push_str(itoa::Buffer::new().format(*i)),
            KeyPart::UInt(i) => out.push_str(itoa::Buffer::new().format(*i)),
            KeyPart::BigInt(i) => out.push_str(itoa::Buffer::new().format(*i)),
            // The same text as the attribute value of the float.
            KeyPart::Float(f) => crate::value::with_f64_text(*f, |t| out.push_str(t)),
            KeyPart::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            KeyPart::Unset | KeyPart::Unsupported(_) => {}
        }
    }

    /// The length in bytes of the rendered part.
    fn rendered_len(&self) -> usize {
        match self {
            KeyPart::Str(s) => s.len(),
            KeyPart::Num(n) => n.as_str().len(),
            _ => self.render().len(),
        }
    }

    /// The part rendered on its own.
    pub fn render(&self) -> String {
        let mut s = String::with_capacity(self.len_hint());
        self.write_to(&mut s);
        s
    }
}

/// A key part together with the name of the field it came from.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct KeyField<'a> {
    /// The schema field's name.
    pub name: &'static str,
    /// Its value.
    pub part: KeyPart<'a>,
}

impl<'a> KeyField<'a> {
    /// Pairs a field name with its value.
    pub const fn new(name: &'static str, part: KeyPart<'a>) -> KeyField<'a> {
        KeyField { name, part }
    }
}

fn unsupported(role: &str, field: &str, what: &str) -> Error {
    Error::validation(format!(
        "{role} field `{field}` holds {what}, which cannot be part of a key; \
         key fields must be strings, numbers or booleans"
    ))
    .with_field(field)
}

/// In a key of two or more parts (`total`), a value holding the separator
/// lets different values make the same key — `("acme#c1", "x")` and
/// `("acme", "c1#x")` both give `acme#c1#x` — so such a value is a
/// `ValidationError` naming its field. A one-part key is written verbatim
/// (the guide's `"ORDER#123"`). Schemas that accept the risk opt out with
/// `use Dynamo.Schema, allow_separator_in_keys: true;`.
///
/// ```
/// use dynamo::key::{check_separator, KeyField, KeyPart};
///
/// let parts = [
///     KeyField::new("tenant", KeyPart::Str("acme#c1")),
///     KeyField::new("user", KeyPart::Str("x")),
/// ];
/// let e = check_separator("partition key", "#", 2, &parts).unwrap_err();
/// assert_eq!(e.field(), Some("tenant"));
/// assert!(check_separator("sort key", "#", 1, &parts[..1]).is_ok());
/// assert!(check_separator("partition key", "|", 2, &parts).is_ok());
/// // A separator of several characters: a value starting with its end or
/// // ending with its start joins ambiguously too.
/// let parts = [
///     KeyField::new("app", KeyPart::Str("web:")),
///     KeyField::new("user", KeyPart::Str("u1")),
/// ];
/// assert!(check_separator("partition key", "::", 2, &parts).is_err());
/// // No separator at all: any two parts can.
/// assert!(check_separator("partition key", "", 2, &parts).is_err());
/// ```
pub fn check_separator(role: &str, sep: &str, total: usize, parts: &[KeyField<'_>]) -> Result<()> {
    if total < 2 {
        return Ok(());
    }
    if sep.is_empty() {
        return Err(Error::validation(format!(
            "the {role} has {total} parts and the key separator is empty: different values make \
             the same key (\"ab\" + \"c\" and \"a\" + \"bc\" both give \"abc\"); set a \
             `key_separator`, or accept the risk with `use Dynamo.Schema, allow_separator_in_keys: true;`"
        )));
    }
    // Numbers and booleans can only hold a separator made of the characters
    // they are written with.
    let risky = sep
        .chars()
        .any(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '+'));
    // A separator of several characters also joins ambiguously with a value
    // that starts with its end or ends with its start ("web:" + "::" + "u1"
    // and "web" + "::" + ":u1" both give "web:::u1").
    let overlaps = |s: &str| {
        s.contains(sep)
            || sep
                .char_indices()
                .skip(1)
                .any(|(i, _)| s.starts_with(&sep[i..]) || s.ends_with(&sep[..i]))
    };
    for f in parts {
        let holds = match f.part {
            KeyPart::Str(s) => overlaps(s),
            KeyPart::Unset | KeyPart::Unsupported(_) => false,
            _ if risky => overlaps(&f.part.render()),
            _ => false,
        };
        if holds {
            return Err(Error::validation(format!(
                "{role} field `{}` holds {:?}, which contains the key separator `{sep}` (or runs into it: \
                 starts with its end or ends with its start): in a key of \
                 {total} parts that lets different values make the same key (\"a{sep}b\" + \"c\" and \
                 \"a\" + \"b{sep}c\" both give \"a{sep}b{sep}c\"); use values without `{sep}`, another \
                 `key_separator`, or accept the risk with `use Dynamo.Schema, allow_separator_in_keys: true;`",
                f.name,
                f.part.render()
            ))
            .with_field(f.name));
        }
    }
    Ok(())
}

/// DynamoDB's limit on a partition key's value, in bytes (a string's UTF-8
/// bytes): for a table's partition key and an index's partition attributes.
pub const MAX_PARTITION_KEY_BYTES: usize = 2048;

/// DynamoDB's limit on a sort key's value, in bytes: for a table's sort key
/// and an index's sort attributes.
pub const MAX_SORT_KEY_BYTES: usize = 1024;

/// A built key of `len` bytes over `limit` is a `ValidationError` naming the
/// limit and the field holding the most of it (DynamoDB refuses such a key
/// on every item operation; the crate refuses it before sending).
pub(crate) fn check_size(
    role: &str,
    limit: usize,
    len: usize,
    parts: &[KeyField<'_>],
) -> Result<()> {
    if len <= limit {
        return Ok(());
    }
    let longest = parts
        .iter()
        .map(|f| (f.name, f.part.rendered_len()))
        .max_by_key(|&(_, n)| n);
    let mut e = Error::validation(format!(
        "the {role} is {len} bytes, over DynamoDB's limit of {limit} bytes for a {role}{}",
        match longest {
            Some((name, n)) => format!("; field `{name}` makes {n} bytes of it"),
            None => String::new(),
        }
    ));
    if let Some((name, _)) = longest {
        e = e.with_field(name);
    }
    Err(e)
}

/// Builds a partition key: every part joined by `sep`. Each part must be set.
///
/// Errors with a `ValidationError` naming the first unset field, or a field
/// whose type cannot be part of a key, or when `parts` is empty.
pub fn partition_key(sep: &str, parts: &[KeyField<'_>]) -> Result<String> {
    required_key("partition key", sep, false, parts)
}

/// Builds a key from parts that must all be set (a partition key, or the full
/// sort key that a write needs). `role` names the key in error messages.
pub fn required_key(
    role: &str,
    sep: &str,
    prefix_names: bool,
    parts: &[KeyField<'_>],
) -> Result<String> {
    if parts.is_empty() {
        return Err(Error::validation(format!(
            "the schema has no {role} fields"
        )));
    }
    for f in parts {
        if let KeyPart::Unsupported(what) = f.part {
            return Err(unsupported(role, f.name, what));
        }
        if f.part.is_unset() {
            return Err(Error::validation(format!(
                "{role} field `{}` is not set; every {role} field needs a value \
                 (a non-empty string, a number or a boolean)",
                f.name
            ))
            .with_field(f.name));
        }
    }
    Ok(join(sep, prefix_names, parts))
}

/// Builds a (possibly partial) sort key: parts joined by `sep`, each preceded
/// by its field name when `prefix_names` is true, stopping at the first unset
/// part. Returns `None` when no part is set.
///
/// A part whose type cannot be in a key ends the key like an unset part; the
/// write path uses [`required_key`], which reports it.
pub fn sort_key(sep: &str, prefix_names: bool, parts: &[KeyField<'_>]) -> Option<String> {
    match set_prefix_len(parts) {
        0 => None,
        set => Some(join(sep, prefix_names, &parts[..set])),
    }
}

/// How many leading parts are set (the length of a partial key). A part
/// that cannot be in a key ends the count like an unset one; queries use
/// [`set_prefix_checked`], which reports it.
pub fn set_prefix_len(parts: &[KeyField<'_>]) -> usize {
    parts
        .iter()
        .take_while(|f| !f.part.is_unset() && f.part.is_supported())
        .count()
}

/// How many leading parts are set, for a query's partial key. Every part —
/// set or not, before or after the first unset one — must be of a kind a
/// key can hold: a list, map, set, bytes, a non-finite float or a `u128`
/// above `i128::MAX` anywhere is a `ValidationError` naming its field, so a
/// query is never sent on a key cut short without saying so. `role` names
/// the key (`"sort key"`).
pub fn set_prefix_checked(role: &str, parts: &[KeyField<'_>]) -> Result<usize> {
    if let Some(f) = parts.iter().find(|f| !f.part.is_supported()) {
        let KeyPart::Unsupported(what) = f.part else {
            return Ok(0);
        };
        return Err(unsupported(role, f.name, what));
    }
    Ok(set_prefix_len(parts))
}

/// Joins `parts` (all set and supported) with `sep`, each preceded by its
/// field name when `prefix_names` is true. The builder behind every key.
pub fn join(sep: &str, prefix_names: bool, parts: &[KeyField<'_>]) -> String {
    let mut cap = sep.len() * parts.len();
    for f in parts {
        cap += f.part.len_hint();
        if prefix_names {
            cap += f.name.len() + sep.len();
        }
    }
    let mut out = String::with_capacity(cap);
    for (i, f) in parts.iter().enumerate() {
        if i > 0 {
            out.push_str(sep);
        }
        if prefix_names {
            out.push_str(f.name);
            out.push_str(sep);
        }
        f.part.write_to(&mut out);
    }
    out
}

/// Parses a key built from `names` back into each field's text — the
/// inverse of [`join`] — when that is unambiguous: a one-field key without
/// names is the whole text; otherwise the key must split on `sep` into
/// exactly one part per field (or name/value pairs, every name in order,
/// with `prefix_names`). `None` when it does not (a value held the
/// separator, or the key is of another shape).
///
/// ```
/// use dynamo::key::parse;
/// assert_eq!(parse("t1#c1", &["tenant", "customer"], "#", false), Some(vec!["t1", "c1"]));
/// assert_eq!(parse("date#2024#id#7", &["date", "id"], "#", true), Some(vec!["2024", "7"]));
/// assert_eq!(parse("ORDER#123", &["sk"], "#", false), Some(vec!["ORDER#123"]));
/// assert_eq!(parse("a#b#c", &["x", "y"], "#", false), None);
/// ```
pub fn parse<'k>(
    key: &'k str,
    names: &[&str],
    sep: &str,
    prefix_names: bool,
) -> Option<Vec<&'k str>> {
    if names.len() == 1 && !prefix_names {
        return Some(vec![key]);
    }
    if sep.is_empty() || names.is_empty() {
        return None;
    }
    let mut pieces = key.split(sep);
    let mut out = Vec::with_capacity(names.len());
    for name in names {
        if prefix_names && pieces.next()? != *name {
            return None;
        }
        out.push(pieces.next()?);
    }
    if pieces.next().is_some() {
        return None;
    }
    Some(out)
}

/// Prepends `prefix` (already rendered) and `sep` to an optional key:
/// `prefixed("orderitem", "#", Some("x"))` → `"orderitem#x"`, with `None` →
/// `"orderitem"`.
pub fn prefixed(prefix: &str, sep: &str, rest: Option<&str>) -> String {
    match rest {
        Some(r) => {
            let mut s = String::with_capacity(prefix.len() + sep.len() + r.len());
            s.push_str(prefix);
            s.push_str(sep);
            s.push_str(r);
            s
        }
        None => prefix.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f<'a>(name: &'static str, part: KeyPart<'a>) -> KeyField<'a> {
        KeyField::new(name, part)
    }

    #[test]
    fn keys_over_dynamodbs_limits_name_the_longest_field() {
        let parts = [
            f("tenant", KeyPart::Str("t")),
            f("user", KeyPart::Int(12345)),
        ];
        assert!(check_size("sort key", MAX_SORT_KEY_BYTES, 1024, &parts).is_ok());
        let e = check_size("sort key", MAX_SORT_KEY_BYTES, 1025, &parts).unwrap_err();
        assert_eq!(e.field(), Some("user"));
        assert_eq!(
            e.message(),
            "the sort key is 1025 bytes, over DynamoDB's limit of 1024 bytes for a sort key; \
             field `user` makes 5 bytes of it"
        );
        let e = check_size("partition key", MAX_PARTITION_KEY_BYTES, 2049, &[]).unwrap_err();
        assert_eq!(e.field(), None);
        assert!(
            e.message()
                .ends_with("limit of 2048 bytes for a partition key")
        );
    }

    #[test]
    fn guide_partition_key() {
        let pk = partition_key(
            "#",
            &[
                f("tenant_id", KeyPart::Str("tenant123")),
                f("customer_id", KeyPart::Str("customer456")),
            ],
        )
        .unwrap();
        assert_eq!(pk, "tenant123#customer456");
    }

    #[test]
    fn guide_sort_key_in_declared_order() {
        let sk = sort_key(
            "#",
            false,
            &[
                f("order_date", KeyPart::Str("2024-01-15")),
                f("order_id", KeyPart::Str("order789")),
            ],
        );
        assert_eq!(sk.as_deref(), Some("2024-01-15#order789"));
    }

    #[test]
    fn prefixed_sort_key() {
        let sk = sort_key(
            "#",
            true,
            &[
                f("order_date", KeyPart::Str("2024-01-15")),
                f("order_id", KeyPart::Str("order789")),
            ],
        );
        assert_eq!(
            sk.as_deref(),
            Some("order_date#2024-01-15#order_id#order789")
        );
    }

    #[test]
    fn partial_sort_key_stops_at_first_unset() {
        let parts = [
            f("status", KeyPart::Str("PENDING")),
            f("created_at", KeyPart::Unset),
            f("order_id", KeyPart::Str("order123")),
        ];
        assert_eq!(sort_key("#", false, &parts).as_deref(), Some("PENDING"));
        assert_eq!(set_prefix_len(&parts), 1);
        let parts = [
            f("status", KeyPart::Str("")),
            f("created_at", KeyPart::Str("x")),
        ];
        assert_eq!(sort_key("#", false, &parts), None);
        assert_eq!(sort_key("#", false, &[]), None);
    }

    #[test]
    fn values_with_separator_stay_whole() {
        let sk = sort_key("#", false, &[f("sk", KeyPart::Str("ORDER#123"))]);
        assert_eq!(sk.as_deref(), Some("ORDER#123"));
        let pk = partition_key("_", &[f("user_id", KeyPart::Str("u_1"))]).unwrap();
        assert_eq!(pk, "u_1");
        let sk = sort_key("_", true, &[f("created_at", KeyPart::Str("2024_01"))]);
        assert_eq!(sk.as_deref(), Some("created_at_2024_01"));
    }

    #[test]
    fn other_separators() {
        let parts = [
            f("a", KeyPart::Str("x")),
            f("b", KeyPart::Str("y")),
            f("c", KeyPart::Str("z")),
        ];
        assert_eq!(partition_key("|", &parts).unwrap(), "x|y|z");
        assert_eq!(partition_key("::", &parts).unwrap(), "x::y::z");
        assert_eq!(partition_key("", &parts).unwrap(), "xyz");
        assert_eq!(sort_key("-", true, &parts).as_deref(), Some("a-x-b-y-c-z"));
    }

    #[test]
    fn numbers_and_booleans() {
        let n: Number = "1.50".parse().unwrap();
        let parts = [
            f("date", KeyPart::Str("2024-01-15")),
            f("shard", KeyPart::Int(3)),
            f("ratio", KeyPart::Float(1.5)),
            f("whole", KeyPart::Float(3.0)),
            f("big", KeyPart::UInt(u64::MAX)),
            f("exact", KeyPart::Num(&n)),
            f("flag", KeyPart::Bool(true)),
            f("neg", KeyPart::Int(-7)),
            f(
                "huge",
                KeyPart::BigInt(-170141183460469231731687303715884105728),
            ),
        ];
        assert_eq!(
            partition_key("#", &parts).unwrap(),
            "2024-01-15#3#1.5#3#18446744073709551615#1.5#true#-7#-170141183460469231731687303715884105728"
        );
        assert_eq!(KeyPart::Float(-0.0).render(), "0");
        assert_eq!(KeyPart::Float(1e21).render(), "1000000000000000000000");
        assert_eq!(KeyPart::Float(0.1).render(), "0.1");
        // Two shortest texts tie here (…505.2 and …505.3); keys use the one
        // `Display` prints, as attributes do.
        let tie = -2089403881563505.3f64;
        assert_eq!(KeyPart::Float(tie).render(), tie.to_string());
        assert_eq!(
            KeyPart::Float(tie).render(),
            crate::Number::from(tie).as_str()
        );
    }

    #[test]
    fn unset_partition_field_is_named() {
        let err = partition_key(
            "#",
            &[
                f("tenant_id", KeyPart::Str("t")),
                f("customer_id", KeyPart::Unset),
            ],
        )
        .unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::ValidationError);
        assert!(err.message().contains("`customer_id`"), "{}", err.message());
        assert_eq!(err.field(), Some("customer_id"));
        let err = partition_key("#", &[f("id", KeyPart::Str(""))]).unwrap_err();
        assert!(err.message().contains("`id`"));
        let err = partition_key("#", &[f("tags", KeyPart::Unsupported("a list"))]).unwrap_err();
        assert!(
            err.message().contains("`tags` holds a list"),
            "{}",
            err.message()
        );
        assert!(partition_key("#", &[]).is_err());
    }

    #[test]
    fn required_sort_key() {
        let parts = [f("a", KeyPart::Str("x")), f("b", KeyPart::Unset)];
        let err = required_key("sort key", "#", false, &parts).unwrap_err();
        assert!(
            err.message().contains("sort key field `b` is not set"),
            "{}",
            err.message()
        );
        let parts = [f("a", KeyPart::Str("x")), f("b", KeyPart::Int(2))];
        assert_eq!(
            required_key("sort key", "#", true, &parts).unwrap(),
            "a#x#b#2"
        );
    }

    #[test]
    fn checked_prefix_reports_unsupported_parts_anywhere() {
        let parts = [
            f("a", KeyPart::Str("x")),
            f("b", KeyPart::Unset),
            f("c", KeyPart::Unsupported("a list")),
        ];
        let e = set_prefix_checked("sort key", &parts).unwrap_err();
        assert_eq!(e.field(), Some("c"));
        assert!(
            e.message().contains("sort key field `c` holds a list"),
            "{}",
            e.message()
        );
        let parts = [f("a", KeyPart::Unsupported("a non-finite float"))];
        assert_eq!(
            set_prefix_checked("sort key", &parts).unwrap_err().field(),
            Some("a")
        );
        let parts = [
            f("a", KeyPart::Str("x")),
            f("b", KeyPart::Unset),
            f("c", KeyPart::Int(1)),
        ];
        assert_eq!(set_prefix_checked("sort key", &parts).unwrap(), 1);
        assert_eq!(set_prefix_len(&[f("a", KeyPart::Unsupported("bytes"))]), 0);
    }

    #[test]
    fn parse_is_the_inverse_of_join() {
        let parts = [
            f("tenant", KeyPart::Str("t1")),
            f("n", KeyPart::Int(-3)),
            f("day", KeyPart::Str("2024-01-15")),
        ];
        for prefixed in [false, true] {
            for sep in ["#", "::", "|"] {
                let k = join(sep, prefixed, &parts);
                assert_eq!(
                    parse(&k, &["tenant", "n", "day"], sep, prefixed),
                    Some(vec!["t1", "-3", "2024-01-15"]),
                    "{k}"
                );
            }
        }
        // Ambiguous or foreign shapes give nothing.
        assert_eq!(parse("a#b#c", &["x", "y"], "#", false), None);
        assert_eq!(parse("a", &["x", "y"], "#", false), None);
        assert_eq!(parse("x#1#z#2", &["x", "y"], "#", true), None);
        assert_eq!(parse("ab", &["x", "y"], "", false), None);
        assert_eq!(
            parse("whole#thing", &["x"], "#", false),
            Some(vec!["whole#thing"])
        );
    }

    #[test]
    fn prefixed_helper() {
        assert_eq!(prefixed("orderitem", "#", Some("2024")), "orderitem#2024");
        assert_eq!(prefixed("orderitem", "#", None), "orderitem");
    }
}
