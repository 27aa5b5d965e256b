//! The [`Schema`] trait that `dynamo_item!` implements, and the schema as
//! data ([`SchemaDef`]) for tools such as the CLI.

use std::fmt;
use std::future::Future;

use crate::codec::{AttributeSink, AttributeSource, Item, ScalarType};
use crate::config::{self, KeySettings};
use crate::error::{Error, Result};
use crate::key::{self, KeyField, KeyPart};
use crate::opts::Opts;
use crate::update::Updates;
use crate::value::Value;

/// A schema's `use Dynamo.Schema, …;` options; `None` inherits from the
/// configuration levels below (see [`crate::config`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SchemaOptions {
    /// `key_separator: "…"`
    pub key_separator: Option<&'static str>,
    /// `prefix_sort_key: true|false`
    pub prefix_sort_key: Option<bool>,
    /// `partition_key_name: "…"`
    pub partition_key_name: Option<&'static str>,
    /// `sort_key_name: "…"`
    pub sort_key_name: Option<&'static str>,
}

impl SchemaOptions {
    /// No options set.
    pub const EMPTY: SchemaOptions = SchemaOptions {
        key_separator: None,
        prefix_sort_key: None,
        partition_key_name: None,
        sort_key_name: None,
    };
}

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
}

/// What a global secondary index copies from the table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Projection {
    /// `projection: :all` (the default): every attribute.
    All,
    /// `projection: :keys_only`: the table and index keys only.
    KeysOnly,
    /// `projection: :include`: the keys plus `projected_attributes`.
    Include,
}

impl Projection {
    /// DynamoDB's name: `ALL`, `KEYS_ONLY` or `INCLUDE`.
    pub fn as_str(self) -> &'static str {
        match self {
            Projection::All => "ALL",
            Projection::KeysOnly => "KEYS_ONLY",
            Projection::Include => "INCLUDE",
        }
    }
}

/// A `global_secondary_index` line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IndexDef {
    /// The index name.
    pub name: &'static str,
    /// The field whose attribute is the index's partition key.
    pub partition_key: &'static str,
    /// The field whose attribute is the index's sort key, if any.
    pub sort_key: Option<&'static str>,
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
    /// `belongs_to` relations; the first one places the item in its parent's
    /// partition.
    pub belongs_to: &'static [RelationDef],
    /// The `use` options.
    pub options: SchemaOptions,
}

impl SchemaDef {
    /// Looks up a field.
    pub fn field(&self, name: &str) -> Option<&'static FieldDef> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// Looks up an index.
    pub fn index(&self, name: &str) -> Option<&'static IndexDef> {
        self.indexes.iter().find(|i| i.name == name)
    }

    /// The relation that places items (the first `belongs_to`).
    pub fn placement(&self) -> Option<&'static RelationDef> {
        self.belongs_to.first()
    }

    /// Whether items of this schema have a sort-key attribute (the table has
    /// a composite primary key).
    pub fn has_sort_key(&self) -> bool {
        match self.placement() {
            Some(rel) if rel.sk_strategy == SkStrategy::Prefix => true,
            _ => !self.sort_key.is_empty(),
        }
    }

    /// The names of the indexes, sorted, for error messages.
    pub fn index_names(&self) -> String {
        let mut names: Vec<&str> = self.indexes.iter().map(|i| i.name).collect();
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
        if !uses.is_empty() {
            writeln!(f, "        use Dynamo.Schema, {};", uses.join(", "))?;
        }
        writeln!(f, "        table_name {:?};", self.table_name)?;
        for fd in self.fields {
            if fd.rust_type == "Value" {
                writeln!(f, "        field :{};", fd.name)?;
            } else {
                writeln!(f, "        field :{}: {};", fd.name, fd.rust_type)?;
            }
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
        for i in self.indexes {
            write!(
                f,
                "        global_secondary_index {:?}, partition_key: :{}",
                i.name, i.partition_key
            )?;
            if let Some(sk) = i.sort_key {
                write!(f, ", sort_key: :{sk}")?;
            }
            match i.projection {
                Projection::All => {}
                Projection::KeysOnly => write!(f, ", projection: :keys_only")?,
                Projection::Include => write!(
                    f,
                    ", projection: :include, projected_attributes: [{}]",
                    list(i.projected_attributes)
                )?,
            }
            writeln!(f, ";")?;
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
    /// The key as an attribute map.
    pub fn to_item(&self) -> Item {
        let mut m = Item::with_capacity(2);
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
/// Users never implement it by hand. Its required methods are hidden glue;
/// the rest — keys, and the operations (`put_item`, `get_item`, …) in
/// [`crate::table`] — come with it.
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

    #[doc(hidden)]
    /// A field's value as a key part, by name.
    fn __key_part(&self, field: &str) -> Option<KeyPart<'_>>;

    /// A field's value by name (`None` for an unknown name).
    fn field_value(&self, field: &str) -> Option<Value>;

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
            Some(rel) => relation_partition_key(self, rel),
            None => config::with_separator(&schema.options, |sep| {
                self.__partition_parts(|parts| key::partition_key(sep, parts))
            }),
        }
    }

    /// The sort key as far as its fields are set (a *partial* key stops at
    /// the first unset field); `None` when the schema has no sort key or no
    /// sort-key field is set. `belongs_to` children with `sk_strategy:
    /// :prefix` always have one, starting with their lowercase struct name.
    fn sort_key(&self) -> Option<String> {
        let schema = Self::SCHEMA;
        config::with_sort_settings(&schema.options, |sep, prefix| {
            let own = self.__sort_parts(|parts| key::sort_key(sep, prefix, parts));
            match schema.placement() {
                Some(rel) if rel.sk_strategy == SkStrategy::Prefix => Some(key::prefixed(
                    &schema.name.to_ascii_lowercase(),
                    sep,
                    own.as_deref(),
                )),
                _ => own,
            }
        })
    }

    /// The complete sort key a write needs: like [`sort_key`](Schema::sort_key)
    /// but every sort-key field must be set (`Ok(None)` for schemas without a
    /// sort key).
    fn full_sort_key(&self) -> Result<Option<String>> {
        let schema = Self::SCHEMA;
        if !schema.has_sort_key() {
            return Ok(None);
        }
        config::with_sort_settings(&schema.options, |sep, prefix| {
            let own = if schema.sort_key.is_empty() {
                None
            } else {
                Some(self.__sort_parts(|parts| key::required_key("sort key", sep, prefix, parts))?)
            };
            Ok(match schema.placement() {
                Some(rel) if rel.sk_strategy == SkStrategy::Prefix => Some(key::prefixed(
                    &schema.name.to_ascii_lowercase(),
                    sep,
                    own.as_deref(),
                )),
                _ => own,
            })
        })
    }

    /// Writes the item (replacing any item with its key) and returns it.
    /// Elixir: `User.put_item(user)`. For a condition use
    /// [`table::put_item`](crate::table::put_item) with `opts![condition_expression: …]`.
    fn put_item(self) -> impl Future<Output = Result<Self>> + Send {
        crate::table::put_item(self, Opts::new())
    }

    /// Reads the item with this key; `Ok(None)` when there is none.
    fn get_item(&self) -> impl Future<Output = Result<Option<Self>>> + Send {
        crate::table::get_item(self, Opts::new())
    }

    /// Deletes the item with this key and returns it as it was (`Ok(None)`
    /// when there was none).
    fn delete_item(&self) -> impl Future<Output = Result<Option<Self>>> + Send {
        crate::table::delete_item(self, Opts::new())
    }

    /// Changes the item with this key (`updates!{…}`) and returns it as it is
    /// now.
    fn update_item(&self, updates: Updates) -> impl Future<Output = Result<Self>> + Send {
        crate::table::update_item(self, updates, Opts::new())
    }

    /// Every item of this key's partition matching the sort-key condition
    /// (all pages, or at most `limit` items). See [`crate::query`].
    fn list_items(&self, opts: Opts) -> impl Future<Output = Result<Vec<Self>>> + Send {
        crate::table::list_items(self, opts)
    }

    /// One page of [`list_items`](Schema::list_items), with the key to
    /// continue from.
    fn query_page(
        &self,
        opts: Opts,
    ) -> impl Future<Output = Result<crate::table::Page<Self>>> + Send {
        crate::table::query_page(self, opts)
    }

    /// How many items [`list_items`](Schema::list_items) would return.
    fn count_items(&self, opts: Opts) -> impl Future<Output = Result<usize>> + Send {
        crate::table::count_items(self, opts)
    }

    /// A lazy stream over the pages of [`list_items`](Schema::list_items).
    fn stream_items(
        &self,
        opts: Opts,
    ) -> impl futures_util::Stream<Item = Result<Self>> + Send + 'static {
        crate::table::stream::query(self, opts)
    }

    /// Creates the schema's table (keys, attribute types, indexes and
    /// projections, on-demand billing) and waits until it is active.
    fn create_table() -> impl Future<Output = Result<crate::table::TableInfo>> + Send {
        crate::table::create_table::<Self>()
    }

    /// Deletes the schema's table and waits until it is gone.
    fn delete_table() -> impl Future<Output = Result<()>> + Send {
        crate::table::delete_table::<Self>()
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

/// The partition key of a `belongs_to` child: the parent's partition-key
/// format, filled from the child's foreign key (and, for a composite parent
/// key, the child's fields named like the parent's other key fields).
fn relation_partition_key<T: Schema>(item: &T, rel: &RelationDef) -> Result<String> {
    let parent = rel.parent;
    let fk = rel.foreign_key_field();
    let mut parts: Vec<KeyField<'_>> = Vec::with_capacity(parent.partition_key.len());
    for (i, pname) in parent.partition_key.iter().enumerate() {
        let child_field: &'static str = if i == 0 { fk } else { pname };
        let part = item.__key_part(child_field).ok_or_else(|| {
            Error::validation(format!(
                "belongs_to `{}`: `{}` has no field `{child_field}` for the parent's partition key",
                rel.name,
                T::SCHEMA.name
            ))
        })?;
        parts.push(KeyField::new(child_field, part));
    }
    config::with_separator(&parent.options, |sep| key::partition_key(sep, &parts))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn projection_names() {
        assert_eq!(Projection::KeysOnly.as_str(), "KEYS_ONLY");
        assert_eq!(Projection::All.as_str(), "ALL");
        assert_eq!(Projection::Include.as_str(), "INCLUDE");
    }
}
