//! Plans: every operation first becomes a request value here — a schema, a
//! key or item, options and resolved settings in; a [`crate::request`]
//! value out. Plans hold every DynamoDB rule and every check made before
//! sending, import nothing of the transport, and are unit-tested with no
//! server.
//!
//! * [`query`] — Query and Scan (key conditions, GSI rules, projections);
//! * [`item`] — PutItem, GetItem, DeleteItem;
//! * [`update`] — UpdateItem (the `updates!` operators);
//! * [`batch`] — BatchWriteItem and BatchGetItem chunks, and matching what
//!   DynamoDB hands back to what was sent;
//! * [`transaction`] — `Tx` actions and the TransactWriteItems request;
//! * [`table`] — table names, CreateTable from a schema.
//!
//! Each plan takes a [`Ctx`]: the schema's settings resolved once, when the
//! operation starts, and carried to every request and task it makes.

pub(crate) mod batch;
pub(crate) mod item;
pub(crate) mod query;
pub(crate) mod table;
pub(crate) mod transaction;
pub(crate) mod update;

use std::collections::BTreeMap;

use crate::codec::AttributeSource;
use crate::codec::wire::{EncodedItem, ItemWriter, WireItem};
use crate::error::{Error, Result};
use crate::expression::{ExprKind, Placeholders};
use crate::opts::{Opt, Opts};
use crate::request::{Exprs, KeyAttrs};
use crate::schema::{KeyContext, PrimaryKey, Schema, SchemaDef};
use crate::value::Value;

/// What every plan of one operation on one schema shares: the schema and
/// its key settings, resolved once when the operation starts.
#[derive(Clone, Debug)]
pub(crate) struct Ctx {
    pub(crate) schema: &'static SchemaDef,
    pub(crate) keys: KeyContext,
    /// The table name in effect (configured prefix included), checked.
    pub(crate) table: String,
}

impl Ctx {
    /// Resolves `T`'s settings from the configuration in effect now.
    pub(crate) fn of<T: Schema>() -> Result<Ctx> {
        Ctx::for_schema(T::SCHEMA)
    }

    pub(crate) fn for_schema(schema: &'static SchemaDef) -> Result<Ctx> {
        let keys = KeyContext::of(schema);
        let table = table::table_name(schema, &keys)?;
        Ok(Ctx {
            schema,
            keys,
            table,
        })
    }

    /// The primary key of `item` as request attributes.
    pub(crate) fn key_attrs<T: Schema>(&self, item: &T) -> Result<KeyAttrs> {
        Ok(crate::schema::primary_key(item, &self.keys)?.into_attrs())
    }

    /// The primary key of `item`.
    pub(crate) fn primary_key<T: Schema>(&self, item: &T) -> Result<PrimaryKey> {
        crate::schema::primary_key(item, &self.keys)
    }
}

/// Refuses the options `operation` does not use, naming the first one and
/// listing those it accepts.
pub(crate) fn only(opts: &Opts, operation: &str, allowed: &[Opt]) -> Result<()> {
    opts.only(operation, allowed)
}

/// A user condition with its placeholders (`condition_expression`,
/// `expression_attribute_names`, `expression_attribute_values`).
pub(crate) fn condition(
    condition: Option<&str>,
    names: &BTreeMap<String, String>,
    values: &BTreeMap<String, Value>,
) -> Result<(Option<String>, Exprs)> {
    let mut ph = Placeholders::with_user(names, values)?;
    let cond = condition
        .map(|c| ph.user_expression("condition_expression", c, ExprKind::Condition))
        .transpose()?;
    ph.check_all_used()?;
    Ok((cond, ph.into_exprs()))
}

/// A user projection, with the table's key attributes added so an item read
/// with a projection still knows its key.
pub(crate) fn projection(
    ctx: &Ctx,
    projection: Option<&str>,
    ph: &mut Placeholders,
) -> Result<Option<String>> {
    let Some(p) = projection else {
        return Ok(None);
    };
    let mut p = ph.user_expression("projection_expression", p, ExprKind::Projection)?;
    let s = &ctx.keys.settings;
    let sk = ctx
        .schema
        .has_sort_key()
        .then(|| s.sort_key_name.to_string());
    for attr in std::iter::once(s.partition_key_name.to_string()).chain(sk) {
        let n = ph.name(&attr);
        p.push_str(", ");
        p.push_str(&n);
    }
    Ok(Some(p))
}

/// Encodes `item` for writing: its set fields and its key attributes, every
/// value checked, index key attributes checked, the 400 KB limit checked.
pub(crate) fn encode_for_write<T: Schema>(ctx: &Ctx, item: &T) -> Result<EncodedItem> {
    let key = ctx.primary_key(item)?;
    check_index_keys(ctx.schema, item)?;
    let mut w = ItemWriter::new(64 + 24 * ctx.schema.fields.len());
    item.encode_item(&mut w);
    w.put_string(&key.partition_name, &key.partition);
    if let Some((name, sk)) = &key.sort {
        w.put_string(name, sk);
    }
    w.finish(|| format!("item of `{}`", ctx.schema.name))
}

/// A value in a GSI key attribute must be a string, number or binary, and
/// not an empty string (DynamoDB refuses both). Unset means "not indexed".
pub(crate) fn check_index_keys<T: Schema>(schema: &SchemaDef, item: &T) -> Result<()> {
    for (index_name, field) in schema.index_key_fields() {
        {
            match item.field_value(field) {
                None | Some(Value::Null) => {}
                Some(Value::String(s)) if s.is_empty() => {
                    return Err(Error::validation(format!(
                        "field `{field}` is a key of index `{}` and cannot be an empty string; \
                         leave it unset (Null/None) to keep the item out of the index",
                        index_name
                    ))
                    .with_field(field));
                }
                Some(Value::String(_) | Value::Number(_) | Value::Binary(_)) => {}
                Some(other) => {
                    return Err(Error::validation(format!(
                        "field `{field}` is a key of index `{}` and must be a string, number or \
                         binary, not a {} value",
                        index_name,
                        other.type_name()
                    ))
                    .with_field(field));
                }
            }
        }
    }
    Ok(())
}

/// Reads a schema item out of a [`WireItem`]. A key field the item lacks
/// (an item read from a `keys_only` or `include` index) is recovered from
/// the key attributes when it is asked for.
struct Reader<'a> {
    item: WireItem,
    ctx: &'a Ctx,
    error: Option<Error>,
}

impl AttributeSource for Reader<'_> {
    fn take(&mut self, name: &str) -> Option<Value> {
        match self.item.take(name) {
            Some(v) => Some(v),
            None => {
                crate::schema::recover_key_field(self.ctx.schema, &self.ctx.keys, &self.item, name)
            }
        }
    }
}

/// Decodes a schema item read from DynamoDB.
pub(crate) fn decode_item<T: Schema>(ctx: &Ctx, item: WireItem) -> Result<T> {
    let mut r = Reader {
        item,
        ctx,
        error: None,
    };
    let out = T::decode_item(&mut r);
    if let Some(e) = r.error {
        return Err(e);
    }
    out
}

/// The text of a key, to match what DynamoDB hands back to what was sent:
/// the partition and sort attributes' values.
pub(crate) type KeyId = (String, Option<String>);

/// The key id of an item or key read from DynamoDB.
pub(crate) fn key_id_of(ctx: &Ctx, item: &WireItem) -> KeyId {
    let s = &ctx.keys.settings;
    (
        item.get_str(&s.partition_key_name)
            .unwrap_or_default()
            .to_owned(),
        item.get_str(&s.sort_key_name).map(str::to_owned),
    )
}

/// The key id of a primary key.
pub(crate) fn key_id(key: &PrimaryKey) -> KeyId {
    (
        key.partition.clone(),
        key.sort.as_ref().map(|s| s.1.clone()),
    )
}

/// Prefixes an error's message with where it happened (`batch_write_item:
/// item 3: …`), keeping its kind and field.
pub(crate) fn in_context(prefix: impl std::fmt::Display, e: Error) -> Error {
    let mut out = Error::new(e.kind(), format!("{prefix}: {}", e.message()));
    if let Some(f) = e.field() {
        out = out.with_field(f);
    }
    out
}
