//! The [`Schema`] trait that `dynamo_item!` implements, and the schema as
//! data ([`SchemaDef`]) for tools such as the CLI.

use std::fmt;
use std::sync::Arc;

use crate::codec::wire::WireItem;
use crate::codec::{AttributeSink, AttributeSource, DecodeError, ScalarType};
use crate::config::{self, KeySettings};
use crate::error::{Error, Result};
use crate::key::{self, KeyField};
use crate::request::KeyAttrs;
use crate::value::{Number, Value};

pub use crate::config::SchemaOptions;
pub use crate::request::Projection;

/// One declared field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FieldDef {
    /// The field's name, which is also its attribute name.
    pub name: &'static str,
    /// The Rust type as written (`"Value"` for untyped fields).
    pub rust_type: &'static str,
    /// The scalar attribute type when the Rust type fixes one.
    pub attribute_type: Option<ScalarType>,
    /// Whether a `default:` was given.
    pub has_default: bool,
    /// The line's options as bits (`__private::FLAG_*`), for the macro's
    /// compile-time selections.
    #[doc(hidden)]
    pub __flags: u8,
}

/// A `global_secondary_index` line.
///
/// Each key side is a list of fields: one field is an ordinary index key; two
/// to four are DynamoDB's multi-attribute key, each attribute stored in its
/// own native type (nothing concatenated).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IndexDef {
    /// The index name.
    pub name: &'static str,
    /// The fields whose attributes make the index's partition key (1 to 4).
    pub partition_key: &'static [&'static str],
    /// The fields whose attributes make the index's sort key (0 to 4).
    pub sort_key: &'static [&'static str],
    /// What the index copies.
    pub projection: Projection,
    /// Extra attributes for `Projection::Include`.
    pub projected_attributes: &'static [&'static str],
}

impl IndexDef {
    /// Every key field of the index, partition fields first.
    pub fn key_fields(&self) -> impl Iterator<Item = &'static str> + use<> {
        self.partition_key
            .iter()
            .chain(self.sort_key.iter())
            .copied()
    }
}

/// A `local_secondary_index` line: the table's partition key with another
/// sort key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LocalIndexDef {
    /// The index name.
    pub name: &'static str,
    /// The field whose attribute is the index's sort key.
    pub sort_key: &'static str,
    /// What the index copies.
    pub projection: Projection,
    /// Extra attributes for `Projection::Include`.
    pub projected_attributes: &'static [&'static str],
}

/// How a `belongs_to` child builds its sort key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SkStrategy {
    /// `sk_strategy: :prefix` (default): `"<lowercase struct name><sep><own sort key>"`.
    Prefix,
    /// `sk_strategy: :use_defined`: the child's own sort key.
    UseDefined,
}

/// A `belongs_to` line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RelationDef {
    /// The relation's name (`:customer`).
    pub name: &'static str,
    /// The parent schema.
    pub parent: &'static SchemaDef,
    /// The child field holding the parent's key; `None`: the parent's first
    /// partition-key field name.
    pub foreign_key: Option<&'static str>,
    /// Sort-key strategy.
    pub sk_strategy: SkStrategy,
}

impl RelationDef {
    /// The foreign-key field, defaulted.
    pub fn foreign_key_field(&self) -> &'static str {
        self.foreign_key
            .or_else(|| self.parent.partition_key.first().copied())
            .unwrap_or("")
    }
}

/// A key argument: a schema value, or a reference to one. Item operations
/// take `impl AsKey`, so the guide's `User.get_item(%User{…})` ports either
/// way — `User::get_item(&key)` or `User::get_item(item!(%User{…}))`.
///
/// `dynamo_item!` implements it for the schema type; every `&T` of a schema
/// type has it too.
///
/// ```
/// use dynamo::prelude::*;
/// use dynamo::AsKey;
///
/// dynamo_item! {
///     pub struct User {
///         table_name "users";
///         field :id, partition_key;
///     }
/// }
///
/// fn id_of(key: impl AsKey<Item = User>) -> String {
///     key.as_key().partition_key().unwrap()
/// }
/// let u = item!(%User{id: "u1"});
/// assert_eq!(id_of(&u), "u1");
/// assert_eq!(id_of(u), "u1");
/// ```
pub trait AsKey {
    /// The schema type.
    type Item: Schema;
    /// The key, borrowed.
    fn as_key(&self) -> &Self::Item;
}

impl<T: Schema> AsKey for &T {
    type Item = T;
    #[inline]
    fn as_key(&self) -> &T {
        self
    }
}

/// The attribute a schema's items carry their type in unless the `use`
/// line says `type_attribute: "…"`.
pub const DEFAULT_TYPE_ATTRIBUTE: &str = "_type";

/// A schema as data: what `dynamo_item!` declared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SchemaDef {
    /// The struct's name.
    pub name: &'static str,
    /// `table_name "…"`.
    pub table_name: &'static str,
    /// Every field, in declared order.
    pub fields: &'static [FieldDef],
    /// The partition-key fields, in key order (empty for `belongs_to` children
    /// that declare none).
    pub partition_key: &'static [&'static str],
    /// The sort-key fields, in key order.
    pub sort_key: &'static [&'static str],
    /// Global secondary indexes, in declared order.
    pub indexes: &'static [IndexDef],
    /// Local secondary indexes, in declared order.
    pub local_indexes: &'static [LocalIndexDef],
    /// `belongs_to` relations; the first one places the item in its parent's
    /// partition.
    pub belongs_to: &'static [RelationDef],
    /// The `use` options.
    pub options: SchemaOptions,
    /// The `version` field (optimistic locking), if any.
    pub version: Option<&'static str>,
    /// The `ttl` field (time to live, epoch seconds), if any.
    pub ttl: Option<&'static str>,
    /// Whether a `timestamps;` line adds `inserted_at` and `updated_at`.
    pub timestamps: bool,
}

impl SchemaDef {
    /// Looks up a field.
    pub fn field(&self, name: &str) -> Option<&'static FieldDef> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// Looks up a global secondary index.
    pub fn index(&self, name: &str) -> Option<&'static IndexDef> {
        self.indexes.iter().find(|i| i.name == name)
    }

    /// Every index key field with its index's name: what the index key
    /// checks walk (global indexes, then local ones).
    pub fn index_key_fields(&self) -> impl Iterator<Item = (&'static str, &'static str)> + use<> {
        let global = self
            .indexes
            .iter()
            .flat_map(|i| i.key_fields().map(move |f| (i.name, f)));
        let local = self.local_indexes.iter().map(|i| (i.name, i.sort_key));
        global.chain(local)
    }

    /// DynamoDB's size limit for `field` as a key of index `index_name`:
    /// 2048 bytes for a partition attribute, 1024 for a sort attribute.
    pub(crate) fn index_key_limit(&self, index_name: &str, field: &str) -> usize {
        match self.index(index_name) {
            Some(i) if i.partition_key.contains(&field) => crate::key::MAX_PARTITION_KEY_BYTES,
            _ => crate::key::MAX_SORT_KEY_BYTES,
        }
    }

    /// Looks up a local secondary index.
    pub fn local_index(&self, name: &str) -> Option<&'static LocalIndexDef> {
        self.local_indexes.iter().find(|i| i.name == name)
    }

    /// The attribute `timestamps;` writes the first write's time to
    /// (`inserted_at` unless the `use` line renames it).
    pub const fn inserted_at_attribute(&self) -> &'static str {
        match self.options.inserted_at {
            Some(n) => n,
            None => "inserted_at",
        }
    }

    /// The attribute `timestamps;` writes the last write's time to
    /// (`updated_at` unless the `use` line renames it).
    pub const fn updated_at_attribute(&self) -> &'static str {
        match self.options.updated_at {
            Some(n) => n,
            None => "updated_at",
        }
    }

    /// The attribute every item of the schema carries its type in (`_type`
    /// unless the `use` line's `type_attribute:` renames it): a schema's
    /// reads leave out the items of the other schemas sharing its table.
    pub const fn type_attribute(&self) -> &'static str {
        match self.options.type_attribute {
            Some(n) => n,
            None => DEFAULT_TYPE_ATTRIBUTE,
        }
    }

    /// The value of the type attribute on this schema's items: the `use`
    /// line's `type_name:`, else the schema's name.
    pub const fn type_name(&self) -> &'static str {
        match self.options.type_name {
            Some(n) => n,
            None => self.name,
        }
    }

    /// The fields a key of this schema is built from: the partition-key
    /// fields (for a `belongs_to` child, the foreign key and the fields named
    /// like the parent's other key fields) and the sort-key fields.
    pub fn key_fields(&self) -> Vec<&'static str> {
        let mut v: Vec<&'static str> = match self.placement() {
            Some(rel) => std::iter::once(rel.foreign_key_field())
                .chain(rel.parent.partition_key.iter().skip(1).copied())
                .collect(),
            None => self.partition_key.to_vec(),
        };
        for f in self.sort_key {
            if !v.contains(f) {
                v.push(f);
            }
        }
        v
    }

    /// The relation that places items (the first `belongs_to`).
    pub fn placement(&self) -> Option<&'static RelationDef> {
        self.belongs_to.first()
    }

    /// Whether items of this schema have a sort-key attribute (the table has
    /// a composite primary key).
    pub const fn has_sort_key(&self) -> bool {
        match self.belongs_to.first() {
            Some(RelationDef {
                sk_strategy: SkStrategy::Prefix,
                ..
            }) => true,
            _ => !self.sort_key.is_empty(),
        }
    }

    /// The names of the indexes (global and local), sorted, for error
    /// messages.
    pub fn index_names(&self) -> String {
        let mut names: Vec<&str> = self
            .indexes
            .iter()
            .map(|i| i.name)
            .chain(self.local_indexes.iter().map(|i| i.name))
            .collect();
        names.sort_unstable();
        if names.is_empty() {
            "none".to_owned()
        } else {
            names.join(", ")
        }
    }

    /// The key settings in effect now for this schema.
    pub fn key_settings(&self) -> KeySettings {
        config::key_settings(&self.options)
    }

    /// The sort-key prefix of a `belongs_to` child with `sk_strategy:
    /// :prefix` (the default): its struct name in lower case. The one place
    /// that rule is written.
    pub fn sort_prefix(&self) -> Option<String> {
        match self.placement() {
            Some(rel) if rel.sk_strategy == SkStrategy::Prefix => {
                Some(self.name.to_ascii_lowercase())
            }
            _ => None,
        }
    }

    /// The attributes an update may not change: the key attributes, the
    /// fields keys are built from, and a relation's foreign key.
    pub(crate) fn frozen_fields(&self, settings: &KeySettings) -> Vec<String> {
        let mut v: Vec<String> = vec![settings.partition_key_name.to_string()];
        if self.has_sort_key() {
            v.push(settings.sort_key_name.to_string());
        }
        v.extend(self.partition_key.iter().map(|f| f.to_string()));
        v.extend(self.sort_key.iter().map(|f| f.to_string()));
        // Written by the crate on every write.
        v.extend(self.version.map(str::to_owned));
        if self.timestamps {
            v.push(self.inserted_at_attribute().to_owned());
            v.push(self.updated_at_attribute().to_owned());
        }
        if let Some(rel) = self.placement() {
            v.push(rel.foreign_key_field().to_owned());
            v.extend(
                rel.parent
                    .partition_key
                    .iter()
                    .skip(1)
                    .map(|f| f.to_string()),
            );
        }
        v
    }

    /// The table name in effect now (with any configured `table_prefix`).
    pub fn effective_table_name(&self) -> String {
        match self.key_settings().table_prefix {
            Some(p) => format!("{p}{}", self.table_name),
            None => self.table_name.to_owned(),
        }
    }

    /// The attribute type of a field used as an index key (`S` unless the
    /// field's Rust type fixes another).
    pub fn attribute_type(&self, field: &str) -> ScalarType {
        self.field(field)
            .and_then(|f| f.attribute_type)
            .unwrap_or(ScalarType::String)
    }
}

impl fmt::Display for SchemaDef {
    /// Prints the schema back as a `dynamo_item!` block.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "dynamo_item! {{")?;
        writeln!(f, "    pub struct {} {{", self.name)?;
        let o = &self.options;
        let mut uses = Vec::new();
        if let Some(s) = o.key_separator {
            uses.push(format!("key_separator: {s:?}"));
        }
        if let Some(p) = o.prefix_sort_key {
            uses.push(format!("prefix_sort_key: {p}"));
        }
        if let Some(n) = o.partition_key_name {
            uses.push(format!("partition_key_name: {n:?}"));
        }
        if let Some(n) = o.sort_key_name {
            uses.push(format!("sort_key_name: {n:?}"));
        }
        if let Some(n) = o.inserted_at {
            uses.push(format!("inserted_at: {n:?}"));
        }
        if let Some(n) = o.updated_at {
            uses.push(format!("updated_at: {n:?}"));
        }
        if let Some(a) = o.allow_separator_in_keys {
            uses.push(format!("allow_separator_in_keys: {a}"));
        }
        if let Some(n) = o.type_attribute {
            uses.push(format!("type_attribute: {n:?}"));
        }
        if let Some(n) = o.type_name {
            uses.push(format!("type_name: {n:?}"));
        }
        if !uses.is_empty() {
            writeln!(f, "        use Dynamo.Schema, {};", uses.join(", "))?;
        }
        writeln!(f, "        table_name {:?};", self.table_name)?;
        for fd in self.fields {
            write!(f, "        field :{}", fd.name)?;
            if fd.rust_type != "Value" {
                write!(f, ": {}", fd.rust_type)?;
            }
            if self.version == Some(fd.name) {
                write!(f, ", version")?;
            }
            if self.ttl == Some(fd.name) {
                write!(f, ", ttl")?;
            }
            writeln!(f, ";")?;
        }
        if self.timestamps {
            writeln!(f, "        timestamps;")?;
        }
        let list = |names: &[&str]| {
            names
                .iter()
                .map(|n| format!(":{n}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        if !self.partition_key.is_empty() {
            writeln!(f, "        partition_key [{}];", list(self.partition_key))?;
        }
        if !self.sort_key.is_empty() {
            writeln!(f, "        sort_key [{}];", list(self.sort_key))?;
        }
        let side = |names: &[&str]| match names {
            [one] => format!(":{one}"),
            more => format!("[{}]", list(more)),
        };
        let projection = |p: Projection, attrs: &[&str]| match p {
            Projection::All => String::new(),
            Projection::KeysOnly => ", projection: :keys_only".to_owned(),
            Projection::Include => format!(
                ", projection: :include, projected_attributes: [{}]",
                list(attrs)
            ),
        };
        for i in self.indexes {
            write!(
                f,
                "        global_secondary_index {:?}, partition_key: {}",
                i.name,
                side(i.partition_key)
            )?;
            if !i.sort_key.is_empty() {
                write!(f, ", sort_key: {}", side(i.sort_key))?;
            }
            writeln!(f, "{};", projection(i.projection, i.projected_attributes))?;
        }
        for i in self.local_indexes {
            writeln!(
                f,
                "        local_secondary_index {:?}, sort_key: :{}{};",
                i.name,
                i.sort_key,
                projection(i.projection, i.projected_attributes)
            )?;
        }
        for r in self.belongs_to {
            write!(f, "        belongs_to :{}, {}", r.name, r.parent.name)?;
            if let Some(fk) = r.foreign_key {
                write!(f, ", foreign_key: :{fk}")?;
            }
            if r.sk_strategy == SkStrategy::UseDefined {
                write!(f, ", sk_strategy: :use_defined")?;
            }
            writeln!(f, ";")?;
        }
        writeln!(f, "    }}")?;
        write!(f, "}}")
    }
}

/// The primary key of an item: attribute names and values as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrimaryKey {
    /// The partition-key attribute's name.
    pub partition_name: String,
    /// The partition key.
    pub partition: String,
    /// The sort-key attribute's name and value, for composite keys.
    pub sort: Option<(String, String)>,
}

impl PrimaryKey {
    /// The key as request attributes.
    pub(crate) fn into_attrs(self) -> KeyAttrs {
        let mut v = Vec::with_capacity(2);
        v.push((self.partition_name, Value::String(self.partition)));
        if let Some((n, s)) = self.sort {
            v.push((n, Value::String(s)));
        }
        v
    }

    /// The key as an attribute map.
    pub fn to_item(&self) -> crate::codec::Item {
        let mut m = crate::codec::Item::with_capacity(2);
        m.insert(
            self.partition_name.clone(),
            Value::String(self.partition.clone()),
        );
        if let Some((n, v)) = &self.sort {
            m.insert(n.clone(), Value::String(v.clone()));
        }
        m
    }
}

/// A DynamoDB schema: what `dynamo_item!` generates for your struct.
///
/// The trait describes: the schema as data, the keys, and the encoding of
/// the struct. Users never implement it by hand; its hidden methods are
/// glue for the generated code. The operations a schema type offers
/// (`put_item`, `get_item`, `list_items`, …) come from
/// [`SchemaExt`](crate::SchemaExt), implemented for every schema and
/// brought in by the prelude.
pub trait Schema: Sized + Send + Sync + 'static {
    /// The schema as data.
    const SCHEMA: &'static SchemaDef;

    /// `table_name "…"` as declared.
    fn table_name() -> &'static str {
        Self::SCHEMA.table_name
    }

    /// The schema as data (fields, keys, indexes, options).
    fn schema() -> &'static SchemaDef {
        Self::SCHEMA
    }

    #[doc(hidden)]
    /// Calls `f` with the schema's own partition-key fields' values.
    fn __partition_parts<R>(&self, f: impl FnOnce(&[KeyField<'_>]) -> R) -> R;

    #[doc(hidden)]
    /// Calls `f` with the schema's own sort-key fields' values.
    fn __sort_parts<R>(&self, f: impl FnOnce(&[KeyField<'_>]) -> R) -> R;

    /// A field's value by name (`None` for an unknown name).
    fn field_value(&self, field: &str) -> Option<Value>;

    /// Sets the `version` field; `false` when the schema has none or the
    /// value does not fit its type. What the crate counts a version up with.
    #[doc(hidden)]
    fn __set_version(&mut self, version: i128) -> bool {
        let _ = version;
        false
    }

    /// Whether the `version` field's type holds `version`; `false` when the
    /// schema has none. What an update checks before counting one up.
    #[doc(hidden)]
    fn __version_fits(version: i128) -> bool {
        let _ = version;
        false
    }

    /// Whether `value` reads back as `field`'s Rust type: `None` when the
    /// schema has no such field (or does not say: a schema put together by
    /// hand), else the decode error, if any. What an update checks the
    /// values it writes with.
    #[doc(hidden)]
    fn __field_accepts(field: &str, value: &Value) -> Option<Result<(), DecodeError>> {
        let _ = (field, value);
        None
    }

    /// Sets `timestamps;`: `inserted_at` when empty, `updated_at` always.
    #[doc(hidden)]
    fn __stamp(&mut self, now: &str) {
        let _ = now;
    }

    /// `timestamps;`: sets `inserted_at` (to keep a stored item's).
    #[doc(hidden)]
    fn __set_inserted_at(&mut self, at: &str) {
        let _ = at;
    }

    /// Writes the item's set fields into `sink` (unset fields are left out).
    fn encode_item<S: AttributeSink>(&self, sink: &mut S);

    /// Builds an item from attributes: missing ones take the field default,
    /// unknown ones are ignored, a wrong type is a `Decode` error naming the
    /// field.
    fn decode_item<S: AttributeSource>(source: &mut S) -> Result<Self>;

    /// The partition key: the partition-key fields' values joined by the
    /// separator (for `belongs_to` children: the parent's format, from the
    /// foreign key). An unset field is a `ValidationError` naming it.
    fn partition_key(&self) -> Result<String> {
        let schema = Self::SCHEMA;
        match schema.placement() {
            Some(rel) => config::with_separator(&rel.parent.options, |sep| {
                relation_partition_key(self, rel, sep)
            }),
            None => config::with_separator(&schema.options, |sep| {
                self.__partition_parts(|parts| {
                    let key = key::partition_key(sep, parts)?;
                    separators(schema, "partition key", sep, parts.len(), parts)?;
                    Ok(key)
                })
            }),
        }
    }

    /// The sort key as far as its fields are set (a *partial* key stops at
    /// the first unset field); `None` when the schema has no sort key or no
    /// sort-key field is set. `belongs_to` children with `sk_strategy:
    /// :prefix` always have one, starting with their lowercase struct name.
    fn sort_key(&self) -> Option<String> {
        config::with_sort_settings(&Self::SCHEMA.options, |sep, prefix| {
            sort_key_with(self, sep, prefix)
        })
    }

    /// The complete sort key a write needs: like [`sort_key`](Schema::sort_key)
    /// but every sort-key field must be set (`Ok(None)` for schemas without a
    /// sort key).
    fn full_sort_key(&self) -> Result<Option<String>> {
        config::with_sort_settings(&Self::SCHEMA.options, |sep, prefix| {
            full_sort_key_with(self, sep, prefix)
        })
    }

    /// The item's primary key with the attribute names in effect.
    fn primary_key(&self) -> Result<PrimaryKey> {
        let partition = self.partition_key()?;
        let sort = self.full_sort_key()?;
        Ok(config::with_key_names(&Self::SCHEMA.options, |pk, sk| {
            PrimaryKey {
                partition_name: pk.to_owned(),
                partition,
                sort: sort.map(|s| (sk.to_owned(), s)),
            }
        }))
    }
}

/// A schema's key settings, resolved once: what an operation carries from
/// its start to every request and task it makes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct KeyContext {
    pub(crate) settings: KeySettings,
    /// For `belongs_to` children: the parent's separator, which builds the
    /// partition key.
    pub(crate) parent_separator: Option<Arc<str>>,
}

impl KeyContext {
    /// Resolves `schema`'s settings from the configuration in effect now.
    pub(crate) fn of(schema: &SchemaDef) -> KeyContext {
        KeyContext {
            settings: schema.key_settings(),
            parent_separator: schema
                .placement()
                .map(|rel| config::key_settings(&rel.parent.options).separator),
        }
    }

    fn partition_separator(&self) -> &str {
        self.parent_separator
            .as_deref()
            .unwrap_or(&self.settings.separator)
    }
}

/// [`key::check_separator`], unless the schema opted out.
pub(crate) fn separators(
    schema: &SchemaDef,
    role: &str,
    sep: &str,
    total: usize,
    parts: &[KeyField<'_>],
) -> Result<()> {
    if schema.options.allow_separator_in_keys == Some(true) {
        return Ok(());
    }
    key::check_separator(role, sep, total, parts)
}

/// The partition key of `item` with resolved settings.
pub(crate) fn partition_key<T: Schema>(item: &T, k: &KeyContext) -> Result<String> {
    match T::SCHEMA.placement() {
        Some(rel) => relation_partition_key(item, rel, k.partition_separator()),
        None => item.__partition_parts(|parts| {
            let sep = &k.settings.separator;
            let key = key::partition_key(sep, parts)?;
            separators(T::SCHEMA, "partition key", sep, parts.len(), parts)?;
            key::check_size(
                "partition key",
                key::MAX_PARTITION_KEY_BYTES,
                key.len(),
                parts,
            )?;
            Ok(key)
        }),
    }
}

/// The complete sort key of `item` with resolved settings.
pub(crate) fn full_sort_key<T: Schema>(item: &T, k: &KeyContext) -> Result<Option<String>> {
    full_sort_key_with(item, &k.settings.separator, k.settings.prefix_sort_key)
}

/// The primary key of `item` with resolved settings.
pub(crate) fn primary_key<T: Schema>(item: &T, k: &KeyContext) -> Result<PrimaryKey> {
    let partition = partition_key(item, k)?;
    let sort = full_sort_key(item, k)?;
    Ok(PrimaryKey {
        partition_name: k.settings.partition_key_name.to_string(),
        partition,
        sort: sort.map(|s| (k.settings.sort_key_name.to_string(), s)),
    })
}

fn sort_key_with<T: Schema>(item: &T, sep: &str, prefix: bool) -> Option<String> {
    let own = item.__sort_parts(|parts| key::sort_key(sep, prefix, parts));
    match T::SCHEMA.sort_prefix() {
        Some(p) => Some(key::prefixed(&p, sep, own.as_deref())),
        None => own,
    }
}

fn full_sort_key_with<T: Schema>(item: &T, sep: &str, prefix: bool) -> Result<Option<String>> {
    let schema = T::SCHEMA;
    if !schema.has_sort_key() {
        return Ok(None);
    }
    let kind = schema.sort_prefix();
    let own = if schema.sort_key.is_empty() {
        None
    } else {
        Some(item.__sort_parts(|parts| {
            let key = key::required_key("sort key", sep, prefix, parts)?;
            separators(schema, "sort key", sep, parts.len(), parts)?;
            let before = kind.as_ref().map_or(0, |p| p.len() + sep.len());
            key::check_size(
                "sort key",
                key::MAX_SORT_KEY_BYTES,
                before + key.len(),
                parts,
            )?;
            Ok::<_, Error>(key)
        })?)
    };
    Ok(match kind {
        Some(p) => Some(key::prefixed(&p, sep, own.as_deref())),
        None => own,
    })
}

/// The partition key of a `belongs_to` child: the parent's partition-key
/// format, filled from the child's foreign key (and, for a composite parent
/// key, the child's fields named like the parent's other key fields).
fn relation_partition_key<T: Schema>(item: &T, rel: &RelationDef, sep: &str) -> Result<String> {
    let parent = rel.parent;
    let fk = rel.foreign_key_field();
    let mut values: Vec<(&'static str, Value)> = Vec::with_capacity(parent.partition_key.len());
    for (i, pname) in parent.partition_key.iter().enumerate() {
        let child_field: &'static str = if i == 0 { fk } else { pname };
        let value = item.field_value(child_field).ok_or_else(|| {
            Error::validation(format!(
                "belongs_to `{}`: `{}` has no field `{child_field}` for the parent's partition key",
                rel.name,
                T::SCHEMA.name
            ))
        })?;
        values.push((child_field, value));
    }
    let parts: Vec<KeyField<'_>> = values
        .iter()
        .map(|(f, v)| KeyField::new(f, crate::codec::Encode::key_part(v)))
        .collect();
    let key = key::partition_key(sep, &parts)?;
    separators(parent, "partition key", sep, parts.len(), &parts)?;
    key::check_size(
        "partition key",
        key::MAX_PARTITION_KEY_BYTES,
        key.len(),
        &parts,
    )?;
    Ok(key)
}

/// The value of key field `name`, which `item` lacks (it was read from a
/// `keys_only` or `include` index), recovered from the `pk`/`sk` attribute
/// it was built from — when that is unambiguous ([`key::parse`]) and the
/// field holds a string, a number or an untyped `Value`. `None` for fields
/// that are not key fields.
pub(crate) fn recover_key_field(
    schema: &SchemaDef,
    k: &KeyContext,
    item: &WireItem,
    name: &str,
) -> Option<Value> {
    let placement = schema.placement();
    let foreign_key: [&'static str; 1];
    let pk_fields: &[&'static str] = match placement {
        Some(rel) if rel.parent.partition_key.len() == 1 => {
            foreign_key = [rel.foreign_key_field()];
            &foreign_key
        }
        Some(_) => &[],
        None => schema.partition_key,
    };
    let s = &k.settings;
    let text = if let Some(at) = pk_fields.iter().position(|f| *f == name) {
        let pk = item.get_str(&s.partition_key_name)?;
        key::parse(pk, pk_fields, k.partition_separator(), false)?[at]
    } else if let Some(at) = schema.sort_key.iter().position(|f| *f == name) {
        let sk = item.get_str(&s.sort_key_name)?;
        let own = match schema.sort_prefix() {
            Some(p) => sk.strip_prefix(p.as_str())?.strip_prefix(&*s.separator)?,
            None => sk,
        };
        key::parse(own, schema.sort_key, &s.separator, s.prefix_sort_key)?[at]
    } else {
        return None;
    };
    let def = schema.field(name)?;
    match (def.attribute_type, def.rust_type) {
        (Some(ScalarType::Number), _) => text.parse::<Number>().ok().map(Value::Number),
        (Some(ScalarType::String), _) => Some(Value::String(text.to_owned())),
        (None, t) if type_head(t) == "Value" => Some(Value::String(text.to_owned())),
        _ => None,
    }
}

/// The outer type's own name, as a field's Rust type is written:
/// `Option` for `Option<i64>`, `std::option::Option<i64>` or
/// `core::option::Option < i64 >`; `Value` for `dynamo::Value`.
pub(crate) fn type_head(rust_type: &str) -> &str {
    let outer = rust_type.split('<').next().unwrap_or(rust_type);
    outer.rsplit("::").next().unwrap_or(outer).trim()
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::prelude::*;

    #[test]
    fn projection_names() {
        assert_eq!(Projection::KeysOnly.as_str(), "KEYS_ONLY");
        assert_eq!(Projection::All.as_str(), "ALL");
        assert_eq!(Projection::Include.as_str(), "INCLUDE");
    }

    crate::dynamo_item! {
        #[derive(Debug, Clone, PartialEq)]
        pub struct Customer {
            use Dynamo.Schema, key_separator: "|";
            table_name "shop";
            field :tenant: String, partition_key;
            field :customer_id: String, partition_key;
        }
    }

    crate::dynamo_item! {
        #[derive(Debug, Clone, PartialEq)]
        pub struct Line {
            table_name "shop";
            field :tenant: String;
            field :customer_id: String;
            field :day: String, sort_key;
            field :n: i64, sort_key;
            belongs_to :customer, Customer, foreign_key: :tenant;
        }
    }

    #[test]
    fn children_use_the_parents_separator_and_their_own_prefix() {
        let l = item!(Line {
            tenant: "t",
            customer_id: "c",
            day: "d1",
            n: 7
        });
        assert_eq!(l.partition_key().unwrap(), "t|c");
        assert_eq!(l.sort_key().as_deref(), Some("line#d1#7"));
        let k = KeyContext::of(Line::schema());
        assert_eq!(partition_key(&l, &k).unwrap(), "t|c");
        assert_eq!(primary_key(&l, &k).unwrap(), l.primary_key().unwrap());
        assert_eq!(Line::schema().sort_prefix().as_deref(), Some("line"));
        assert_eq!(Customer::schema().sort_prefix(), None);
        let frozen = Line::schema().frozen_fields(&k.settings);
        assert_eq!(
            frozen,
            vec!["pk", "sk", "day", "n", "tenant", "customer_id"]
        );
    }

    #[test]
    fn key_fields_are_recovered_from_the_keys() {
        let l = item!(Line {
            tenant: "t",
            customer_id: "c",
            day: "d1",
            n: 7
        });
        let k = KeyContext::of(Line::schema());
        let key = primary_key(&l, &k).unwrap();
        let item = WireItem::from_pairs(key.into_attrs());
        let s = Line::schema();
        assert_eq!(
            recover_key_field(s, &k, &item, "day"),
            Some(Value::from("d1"))
        );
        assert_eq!(recover_key_field(s, &k, &item, "n"), Some(Value::from(7)));
        // The parent's key has two parts: its first is not the foreign key alone.
        assert_eq!(recover_key_field(s, &k, &item, "tenant"), None);
        let c = item!(Customer {
            tenant: "t",
            customer_id: "c"
        });
        let kc = KeyContext::of(Customer::schema());
        let item = WireItem::from_pairs(primary_key(&c, &kc).unwrap().into_attrs());
        assert_eq!(
            recover_key_field(Customer::schema(), &kc, &item, "customer_id"),
            Some(Value::from("c"))
        );
        assert_eq!(
            recover_key_field(Customer::schema(), &kc, &item, "nope"),
            None
        );
    }
}
