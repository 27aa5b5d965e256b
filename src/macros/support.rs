//! What the macros' expansions call: marker traits whose diagnostics name
//! the fix, the `const fn`s that select fields from their flags, the
//! version probe, and small helpers. Reached only through
//! `dynamo::__private`, which is not public API.

use crate::schema::{FieldDef, SchemaDef};

/// What an `updates!` / `values!` entry stands for: the value's
/// [`Encode`](crate::Encode) form, so it is written exactly as the field
/// itself would be (a `Vec<u8>` as binary, a set as a set, `None` as
/// null).
#[inline]
pub fn encode_update_value<T: crate::Encode + ?Sized>(value: &T) -> crate::Value {
    value.encode()
}

/// An `updates!` entry's value, or why it cannot be encoded
/// ([`Encode::encode_checked`](crate::Encode::encode_checked)).
#[inline]
pub fn encode_update_checked<T: crate::Encode + ?Sized>(value: &T) -> Result<crate::Value, String> {
    value.encode_checked()
}

/// Why a field of a schema struct (used as a field of another schema)
/// cannot be encoded, named by the field; `Ok` at once for types whose
/// encoding cannot fail.
#[inline]
pub fn check_field<T: crate::Encode + ?Sized>(value: &T, field: &str) -> Result<(), String> {
    if T::CHECKED {
        value
            .encode_checked()
            .map(drop)
            .map_err(|e| format!("`{field}`: {e}"))
    } else {
        Ok(())
    }
}

/// Types that can be part of a composite key.
#[diagnostic::on_unimplemented(
    message = "dynamo_item!: `{Self}` cannot be part of a key",
    label = "key fields must be strings, numbers, booleans, `Value` or `Option` of those",
    note = "use `String`, an integer, `f64`, `bool`, `dynamo::Number`, `dynamo::Value` or an `Option` of one of them"
)]
pub trait KeyType {}
impl KeyType for crate::Value {}
impl KeyType for crate::Number {}
impl KeyType for String {}
impl KeyType for Box<str> {}
impl KeyType for std::sync::Arc<str> {}
impl KeyType for bool {}
impl KeyType for f32 {}
impl KeyType for f64 {}
macro_rules! key_ints { ($($t:ty),*) => { $( impl KeyType for $t {} )* } }
key_ints!(
    i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize
);
impl<T: KeyType> KeyType for Option<T> {}

/// Fails to compile unless `T` can be part of a key.
pub fn assert_key_type<T: KeyType + ?Sized>() {}

/// Types a global secondary index key attribute can have: DynamoDB
/// indexes strings, numbers and binary — not booleans, lists or maps.
#[diagnostic::on_unimplemented(
    message = "dynamo_item!: `{Self}` cannot be a global secondary index key",
    label = "GSI key fields are stored as they are, and DynamoDB indexes only strings, numbers and binary",
    note = "use `String`, an integer, `f64`, `dynamo::Number`, `Vec<u8>`, `dynamo::Value` or an `Option` of one of them"
)]
pub trait IndexKeyType {}
impl IndexKeyType for crate::Value {}
impl IndexKeyType for crate::Number {}
impl IndexKeyType for String {}
impl IndexKeyType for Box<str> {}
impl IndexKeyType for std::sync::Arc<str> {}
impl IndexKeyType for Vec<u8> {}
impl IndexKeyType for bytes::Bytes {}
impl<const N: usize> IndexKeyType for [u8; N] {}
impl IndexKeyType for f32 {}
impl IndexKeyType for f64 {}
macro_rules! index_key_ints { ($($t:ty),*) => { $( impl IndexKeyType for $t {} )* } }
index_key_ints!(
    i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize
);
impl<T: IndexKeyType> IndexKeyType for Option<T> {}

/// Fails to compile unless `T` can be a GSI key attribute.
pub fn assert_index_key_type<T: IndexKeyType + ?Sized>() {}

/// Types a `version` field can have: integers, which the crate counts
/// up by one on every write.
#[diagnostic::on_unimplemented(
    message = "dynamo_item!: a `version` field must be an integer, not `{Self}`",
    label = "the crate counts the version up by one on every write",
    note = "write `field :version: u64, version;`"
)]
pub trait VersionType {}
macro_rules! version_ints { ($($t:ty),*) => { $( impl VersionType for $t {} )* } }
version_ints!(i32, i64, u32, u64);

/// Fails to compile unless `T` can be a `version` field.
pub fn assert_version_type<T: VersionType + ?Sized>() {}

/// Types a `ttl` field can have: epoch seconds, optional (`None` never
/// expires).
#[diagnostic::on_unimplemented(
    message = "dynamo_item!: a `ttl` field holds epoch seconds and must be an integer, not `{Self}`",
    label = "DynamoDB's time to live reads a number of seconds since 1970",
    note = "write `field :expires_at: i64, ttl;` (or `Option<i64>`, where `None` never expires)"
)]
pub trait TtlType {}
macro_rules! ttl_ints { ($($t:ty),*) => { $( impl TtlType for $t {} impl TtlType for Option<$t> {} )* } }
ttl_ints!(i64, u64, i32, u32);

/// Fails to compile unless `T` can be a `ttl` field.
pub fn assert_ttl_type<T: TtlType + ?Sized>() {}

/// Whether a `%{"N" => "…"}` literal is a number: an optional sign,
/// digits, an optional fraction, an optional exponent of at most three
/// digits (up to 300), 64 characters at most — texts that
/// [`Number`](crate::Number)'s parser always accepts. DynamoDB's own
/// range (38 digits) is checked before sending, like any number.
pub const fn number_literal_ok(s: &str) -> bool {
    let b = s.as_bytes();
    if b.is_empty() || b.len() > 64 {
        return false;
    }
    let mut i = 0;
    if b[0] == b'-' || b[0] == b'+' {
        i = 1;
    }
    let int_start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    if i == int_start {
        return false;
    }
    if i < b.len() && b[i] == b'.' {
        i += 1;
        let frac_start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == frac_start {
            return false;
        }
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
            i += 1;
        }
        let exp_start = i;
        let mut exp = 0u32;
        while i < b.len() && b[i].is_ascii_digit() {
            exp = exp * 10 + (b[i] - b'0') as u32;
            i += 1;
            if i - exp_start > 3 {
                return false;
            }
        }
        if i == exp_start || exp > 300 {
            return false;
        }
    }
    i == b.len()
}

/// The number of a literal [`number_literal_ok`] accepted (the macros
/// check it at compile time).
pub fn number_literal(s: &'static str) -> crate::Number {
    match s.parse() {
        Ok(n) => n,
        // `number_literal_ok` only accepts texts the parser reads; the
        // unit test `number_literals` holds the two together.
        Err(e) => unreachable!("a checked number literal did not parse: {e}"),
    }
}

/// Sets a version field (its type is checked to be a [`VersionType`]
/// on its own line; here any decodable type, so that a wrong type is
/// reported once).
pub fn set_version<T: crate::Decode>(slot: &mut T, version: i128) -> bool {
    match T::decode(crate::Value::Number(crate::Number::from(version))) {
        Ok(v) => {
            *slot = v;
            true
        }
        Err(_) => false,
    }
}

/// Whether a `version` field of type `T` holds `version`.
pub fn version_fits<T: crate::Decode>(version: i128) -> bool {
    T::decode(crate::Value::Number(crate::Number::from(version))).is_ok()
}

/// Reads one field out of a decoded item: `None` when the attribute is
/// missing or null, or when it does not decode — then the first such
/// error (in declared order) is kept in `first_error`. Not returning
/// early keeps `decode_item` linear in the number of fields.
#[inline]
pub fn decode_field<T: crate::Decode, S: crate::AttributeSource + ?Sized>(
    source: &mut S,
    name: &str,
    first_error: &mut Option<crate::Error>,
) -> Option<T> {
    match source.take(name) {
        Some(v) if !v.is_null() => match T::decode(v) {
            Ok(v) => Some(v),
            Err(e) => {
                if first_error.is_none() {
                    *first_error = Some(crate::Error::decode(name, e));
                }
                None
            }
        },
        _ => None,
    }
}

/// A field line's options as bits ([`FieldDef::__flags`]).
pub const FLAG_PARTITION_KEY: u8 = 1;
/// `sort_key`
pub const FLAG_SORT_KEY: u8 = 2;
/// `default: …`
pub const FLAG_DEFAULT: u8 = 4;
/// `version`
pub const FLAG_VERSION: u8 = 8;
/// `ttl`
pub const FLAG_TTL: u8 = 16;

/// A field as data (`has_default` from the flags).
pub const fn field_def(
    name: &'static str,
    rust_type: &'static str,
    attribute_type: Option<crate::ScalarType>,
    flags: u8,
) -> FieldDef {
    FieldDef {
        name,
        rust_type,
        attribute_type,
        has_default: flags & FLAG_DEFAULT != 0,
        __flags: flags,
    }
}

/// The names of the fields carrying `flag`, in declared order (the
/// array's first `.1` entries).
pub const fn select_flagged<const N: usize>(
    fields: &[FieldDef; N],
    flag: u8,
) -> ([&'static str; N], usize) {
    let mut out = [""; N];
    let mut n = 0;
    let mut i = 0;
    while i < N {
        if fields[i].__flags & flag != 0 {
            out[n] = fields[i].name;
            n += 1;
        }
        i += 1;
    }
    (out, n)
}

/// How many fields carry `flag`.
pub const fn count_flagged(fields: &[FieldDef], flag: u8) -> usize {
    let mut n = 0;
    let mut i = 0;
    while i < fields.len() {
        if fields[i].__flags & flag != 0 {
            n += 1;
        }
        i += 1;
    }
    n
}

/// The first field carrying `flag`.
pub const fn first_flagged(fields: &[FieldDef], flag: u8) -> Option<&'static str> {
    let mut i = 0;
    while i < fields.len() {
        if fields[i].__flags & flag != 0 {
            return Some(fields[i].name);
        }
        i += 1;
    }
    None
}

const fn str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

const fn has_field(fields: &[FieldDef], name: &str) -> bool {
    let mut i = 0;
    while i < fields.len() {
        if str_eq(fields[i].name, name) {
            return true;
        }
        i += 1;
    }
    false
}

const fn in_list(list: &[&str], name: &str) -> bool {
    let mut i = 0;
    while i < list.len() {
        if str_eq(list[i], name) {
            return true;
        }
        i += 1;
    }
    false
}

/// A `belongs_to` child's partition key is its parent's, built from the
/// foreign key: it declares no partition key of its own, or exactly the
/// fields it is built from (the foreign key, then the fields named like the
/// parent's other partition-key fields).
pub const fn child_partition_key_fits(schema: &SchemaDef) -> bool {
    let Some(rel) = schema.belongs_to.first() else {
        return true;
    };
    let pk = schema.partition_key;
    if pk.is_empty() {
        return true;
    }
    let fk = match rel.foreign_key {
        Some(f) => f,
        None => match rel.parent.partition_key.first() {
            Some(f) => f,
            None => "",
        },
    };
    // The fields the parent's key is built from, as the child holds them:
    // the foreign key, then fields named like the parent's other key fields.
    let parent = rel.parent.partition_key;
    if pk.len() != parent.len() || pk.is_empty() || !str_eq(pk[0], fk) {
        return false;
    }
    let mut i = 1;
    while i < pk.len() {
        if !str_eq(pk[i], parent[i]) {
            return false;
        }
        i += 1;
    }
    true
}

/// The `version` field, if any, is not one the primary key is built from:
/// it counts up on every write, so such a key would move with each put.
pub const fn version_outside_keys(schema: &SchemaDef) -> bool {
    match schema.version {
        Some(v) => !in_list(schema.partition_key, v) && !in_list(schema.sort_key, v),
        None => true,
    }
}

/// The `ttl` field, if any, is not one the primary key is built from: a
/// key never changes, and a time to live is there to be moved.
pub const fn ttl_outside_keys(schema: &SchemaDef) -> bool {
    match schema.ttl {
        Some(t) => !in_list(schema.partition_key, t) && !in_list(schema.sort_key, t),
        None => true,
    }
}

/// No field appears twice in the primary key: twice in one key list, or
/// in both (the key would not tell the items apart by the field meant).
pub const fn key_fields_distinct(schema: &SchemaDef) -> bool {
    let (pk, sk) = (schema.partition_key, schema.sort_key);
    let mut i = 0;
    while i < pk.len() {
        if in_list(sk, pk[i]) {
            return false;
        }
        i += 1;
    }
    all_distinct(pk) && all_distinct(sk)
}

/// `list[from..]`, in a `const fn`.
const fn split_at<'a>(list: &'a [&'a str], from: usize) -> &'a [&'a str] {
    list.split_at(from).1
}

/// Every index name (global and local) is declared once: a table's index
/// names are unique.
pub const fn index_names_distinct(schema: &SchemaDef) -> bool {
    let (g, l) = (schema.indexes, schema.local_indexes);
    let mut i = 0;
    while i < g.len() + l.len() {
        let name = if i < g.len() {
            g[i].name
        } else {
            l[i - g.len()].name
        };
        let mut j = i + 1;
        while j < g.len() + l.len() {
            let other = if j < g.len() {
                g[j].name
            } else {
                l[j - g.len()].name
            };
            if str_eq(name, other) {
                return false;
            }
            j += 1;
        }
        i += 1;
    }
    true
}

/// With `timestamps;`: the two timestamp attributes are not empty, differ
/// from each other and from the type attribute, and no field is named like
/// either (each would be written twice, and read back as the other).
pub const fn timestamp_attributes_free(fields: &[FieldDef], schema: &SchemaDef) -> bool {
    if !schema.timestamps {
        return true;
    }
    let (ins, upd) = (
        schema.inserted_at_attribute(),
        schema.updated_at_attribute(),
    );
    !ins.is_empty()
        && !upd.is_empty()
        && !str_eq(ins, upd)
        && !str_eq(ins, schema.type_attribute())
        && !str_eq(upd, schema.type_attribute())
        && !has_field(fields, ins)
        && !has_field(fields, upd)
}

/// No name given twice (`opts![…]`'s keys, a key list).
pub const fn all_distinct(names: &[&str]) -> bool {
    let mut i = 0;
    while i < names.len() {
        if in_list(split_at(names, i + 1), names[i]) {
            return false;
        }
        i += 1;
    }
    true
}

/// Whether a field name is a raw identifier (`r#type`): its attribute would
/// be named with the `r#`.
pub const fn is_raw_ident(name: &str) -> bool {
    let b = name.as_bytes();
    b.len() > 2 && b[0] == b'r' && b[1] == b'#'
}

/// The type attribute is not empty and no field is named like it.
pub const fn type_attribute_free(fields: &[FieldDef], attribute: &str) -> bool {
    !attribute.is_empty() && !has_field(fields, attribute)
}

/// `belongs_to`: the child declares the foreign key (default: the
/// parent's first partition-key field) and, for a composite parent key,
/// fields named like the parent's other key fields.
pub const fn relation_fields_declared(
    child: &[FieldDef],
    parent_pk: &[&str],
    foreign_key: Option<&str>,
) -> bool {
    if parent_pk.is_empty() {
        return false;
    }
    let fk = match foreign_key {
        Some(f) => f,
        None => parent_pk[0],
    };
    if !has_field(child, fk) {
        return false;
    }
    let mut i = 1;
    while i < parent_pk.len() {
        if !has_field(child, parent_pk[i]) {
            return false;
        }
        i += 1;
    }
    true
}

/// `expression_attribute_names: some_map` in `opts!`.
pub fn extend_names<K: Into<String>, V: Into<String>>(
    mut o: crate::Opts,
    names: impl IntoIterator<Item = (K, V)>,
) -> crate::Opts {
    o.expression_attribute_names
        .extend(names.into_iter().map(|(k, v)| (k.into(), v.into())));
    o
}

/// `expression_attribute_values: some_map` in `opts!`.
pub fn extend_values<K: Into<String>, V: Into<crate::Value>>(
    mut o: crate::Opts,
    values: impl IntoIterator<Item = (K, V)>,
) -> crate::Opts {
    o.expression_attribute_values
        .extend(values.into_iter().map(|(k, v)| (k.into(), v.into())));
    o
}
