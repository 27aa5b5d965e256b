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
//! * [`transact_get`] — `TxGet` reads and the TransactGetItems request;
//! * [`table`] — table names, CreateTable from a schema.
//!
//! Each plan takes a [`Ctx`]: the schema's settings resolved once, when the
//! operation starts, and carried to every request and task it makes.

pub(crate) mod batch;
pub(crate) mod cursor;
pub(crate) mod item;
pub(crate) mod query;
pub(crate) mod table;
pub(crate) mod transact_get;
pub(crate) mod transaction;
pub(crate) mod update;

use std::collections::BTreeMap;

use crate::clock::Now;
use crate::codec::AttributeSource;
use crate::codec::wire::{EncodedItem, ItemWriter, WireItem};
use crate::error::{Error, Result};
use crate::expression::{ExprKind, Placeholders};
use crate::opts::{Opt, Opts};
use crate::request::{Exprs, KeyAttrs};
use crate::schema::{KeyContext, PrimaryKey, Schema, SchemaDef};
use crate::value::{Number, Value};

/// What every plan of one operation on one schema shares: the schema and
/// its key settings, resolved once when the operation starts.
#[derive(Clone, Debug)]
pub(crate) struct Ctx {
    pub(crate) schema: &'static SchemaDef,
    pub(crate) keys: KeyContext,
    /// The table name in effect (configured prefix included), checked.
    pub(crate) table: String,
    /// When the operation started: the time `timestamps;` write and `ttl`
    /// compares with.
    pub(crate) now: Now,
    /// Whether key fields an item lacks are recovered from its key
    /// attributes: for reads whose projection may have dropped them (an
    /// index, a `projection_expression`), never for whole items.
    pub(crate) recover_keys: bool,
    /// A collection read: the member schemas whose items a query keeps
    /// (instead of `schema`'s alone).
    pub(crate) collection: Option<&'static [&'static SchemaDef]>,
}

impl Ctx {
    /// Resolves `T`'s settings from the configuration in effect now.
    pub(crate) fn of<T: Schema>() -> Result<Ctx> {
        Ctx::for_schema(T::SCHEMA)
    }

    pub(crate) fn for_schema(schema: &'static SchemaDef) -> Result<Ctx> {
        // A version in the primary key would change the key on every write:
        // each put after the first would address a new item.
        if let Some(v) = schema.version
            && (schema.partition_key.contains(&v) || schema.sort_key.contains(&v))
        {
            return Err(Error::validation(format!(
                "`{}`: the `version` field `{v}` is part of the primary key; a version counts \
                 up on every write, so it cannot be part of the key",
                schema.name
            ))
            .with_field(v));
        }
        let keys = KeyContext::of(schema);
        check_key_names(schema, &keys.settings)?;
        let table = table::table_name(schema, &keys)?;
        Ok(Ctx {
            schema,
            keys,
            table,
            now: Now::current(),
            recover_keys: false,
            collection: None,
        })
    }

    /// `T`'s settings for a read with `opts`: key fields are recovered when
    /// the read goes to an index or has a projection.
    pub(crate) fn read<T: Schema>(opts: &Opts) -> Result<Ctx> {
        let mut ctx = Ctx::of::<T>()?;
        ctx.recover_keys = opts.index_name.is_some() || opts.projection_expression.is_some();
        Ok(ctx)
    }

    /// `T`'s settings for decoding an item of unknown origin: key fields it
    /// lacks are recovered when that is unambiguous.
    pub(crate) fn recovering<T: Schema>() -> Result<Ctx> {
        let mut ctx = Ctx::of::<T>()?;
        ctx.recover_keys = true;
        Ok(ctx)
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

/// A write's condition with its placeholders: the user's
/// (`condition_expression`, `expression_attribute_names`,
/// `expression_attribute_values`) and the version check of a versioned
/// schema, both required.
pub(crate) fn condition(
    condition: Option<&str>,
    names: &BTreeMap<String, String>,
    values: &BTreeMap<String, Value>,
    version: Option<&VersionCheck>,
) -> Result<(Option<String>, Exprs)> {
    condition_with(condition, names, values, version, |_| None)
}

/// [`condition`], and the crate's own check `extra` makes with the same
/// placeholders.
pub(crate) fn condition_with(
    condition: Option<&str>,
    names: &BTreeMap<String, String>,
    values: &BTreeMap<String, Value>,
    version: Option<&VersionCheck>,
    extra: impl FnOnce(&mut Placeholders) -> Option<String>,
) -> Result<(Option<String>, Exprs)> {
    let mut ph = Placeholders::with_user(names, values)?;
    let user = condition
        .map(|c| ph.user_expression("condition_expression", c, ExprKind::Condition))
        .transpose()?;
    ph.check_all_used()?;
    let version = version.map(|v| v.condition(&mut ph));
    let extra = extra(&mut ph);
    Ok((and(and(user, version), extra), ph.into_exprs()))
}

/// `timestamps;`: how a put of an item built afresh (no `inserted_at`)
/// keeps the stored item's `inserted_at`. The first attempt writes only a
/// new item; when one exists, the second writes its `inserted_at` back,
/// on condition that it is still the one read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum InsertedAt {
    /// No item may be stored at the key.
    New,
    /// The stored item's `inserted_at` must be this (`None`: it has none
    /// that is a non-empty string — absent, or another writer's number).
    Kept(Option<String>),
}

impl InsertedAt {
    fn condition(&self, ctx: &Ctx, ph: &mut Placeholders) -> String {
        let pk_name = &*ctx.keys.settings.partition_key_name;
        match self {
            InsertedAt::New => format!("attribute_not_exists({})", ph.name(pk_name)),
            InsertedAt::Kept(Some(at)) => {
                let n = ph.name(ctx.schema.inserted_at_attribute());
                let v = ph.value(Value::String(at.clone()));
                format!("{n} = {v}")
            }
            InsertedAt::Kept(None) => {
                let pk = ph.name(pk_name);
                let n = ph.name(ctx.schema.inserted_at_attribute());
                let s = ph.value(Value::String("S".to_owned()));
                let empty = ph.value(Value::String(String::new()));
                format!(
                    "attribute_exists({pk}) AND (NOT attribute_type({n}, {s}) OR {n} = {empty})"
                )
            }
        }
    }
}

/// `a AND b`, each side parenthesised, when both are there.
pub(crate) fn and(a: Option<String>, b: Option<String>) -> Option<String> {
    match (a, b) {
        (Some(a), Some(b)) => Some(format!("{} AND {}", operand(&a), operand(&b))),
        (a, b) => a.or(b),
    }
}

/// `expr` as an operand of `AND`: in parentheses, unless one pair already
/// encloses all of it — DynamoDB refuses `((…))` as redundant parentheses.
/// (Expressions hold no literals, so every parenthesis is the grammar's.)
pub(crate) fn operand(expr: &str) -> std::borrow::Cow<'_, str> {
    let trimmed = expr.trim();
    let bytes = trimmed.as_bytes();
    let mut depth = 0usize;
    let enclosed = bytes.first() == Some(&b'(')
        && bytes.last() == Some(&b')')
        && bytes.iter().enumerate().all(|(i, &b)| {
            match b {
                b'(' => depth += 1,
                b')' => depth = depth.saturating_sub(1),
                _ => {}
            }
            depth > 0 || i == bytes.len() - 1
        });
    if enclosed {
        std::borrow::Cow::Borrowed(trimmed)
    } else {
        std::borrow::Cow::Owned(format!("({trimmed})"))
    }
}

/// Optimistic locking: the version the stored item must have for a write on
/// a schema with a `version` field (0: no item, or an item without one).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct VersionCheck {
    pub(crate) attr: &'static str,
    pub(crate) expected: i128,
}

impl VersionCheck {
    /// The error for a version its type cannot count past.
    pub(crate) fn at_its_limit(&self) -> Error {
        Error::validation(format!(
            "the `version` field `{}` is at {}, the largest its type holds",
            self.attr, self.expected
        ))
        .with_field(self.attr)
    }

    /// `attribute_not_exists(#v)` for version 0, else `#v = :v`.
    pub(crate) fn condition(&self, ph: &mut Placeholders) -> String {
        let n = ph.name(self.attr);
        if self.expected == 0 {
            format!("attribute_not_exists({n})")
        } else {
            let v = ph.value(Value::Number(Number::from(self.expected)));
            format!("{n} = {v}")
        }
    }

    /// What a failed conditional write means on a versioned schema: a
    /// [`VersionConflict`](crate::ErrorKind::VersionConflict) when the
    /// stored version is not the expected one (always, when the version
    /// was the only condition), else the user's condition failed.
    pub(crate) fn explain(
        &self,
        ctx: &Ctx,
        key: &PrimaryKey,
        user_condition: bool,
        e: Error,
    ) -> Error {
        if e.kind() != crate::error::ErrorKind::ConditionalCheckFailed {
            return e;
        }
        let Some(found) = self.conflict(e.old_item(), user_condition) else {
            return e;
        };
        let sort = key
            .sort
            .as_ref()
            .map(|(n, v)| format!(", {n} {v:?}"))
            .unwrap_or_default();
        let message = format!(
            "version conflict on table `{}`, item {} {:?}{sort}: the write expected version {} \
             (`{}`), but {found}; read the item again and retry",
            ctx.table, key.partition_name, key.partition, self.expected, self.attr
        );
        e.with_kind(crate::error::ErrorKind::VersionConflict, message)
    }

    /// Whether a failed condition on a write carrying this check was the
    /// version's: `None` when the stored item (`old`, as DynamoDB returned
    /// it, if it did) is at the expected version and `user_condition` — a
    /// condition of the user's sent with it — is what failed; else what was
    /// found instead of the expected version.
    pub(crate) fn conflict(
        &self,
        old: Option<&crate::codec::Item>,
        user_condition: bool,
    ) -> Option<String> {
        let stored = old.map(|old| {
            old.get(self.attr)
                .and_then(|v| v.as_number())
                .and_then(Number::as_i128)
                .unwrap_or(0)
        });
        if user_condition && stored.unwrap_or(0) == self.expected {
            return None;
        }
        Some(match stored {
            Some(v) if user_condition => format!("the stored item is at version {v}"),
            None if user_condition => "there is no stored item".to_owned(),
            _ if self.expected == 0 => "an item with a version exists already".to_owned(),
            _ => "the stored item is at another version, or is gone".to_owned(),
        })
    }
}

/// The version `key` carries, on a schema with a `version` field.
pub(crate) fn version_of<T: Schema>(ctx: &Ctx, key: &T) -> Result<Option<VersionCheck>> {
    let Some(attr) = ctx.schema.version else {
        return Ok(None);
    };
    let expected = match key.field_value(attr) {
        Some(Value::Number(n)) => n.as_i128(),
        _ => None,
    }
    .ok_or_else(|| {
        Error::validation(format!(
            "the `version` field `{attr}` does not hold an integer"
        ))
        .with_field(attr)
    })?;
    if expected < 0 {
        return Err(Error::validation(format!(
            "the `version` field `{attr}` is {expected}; versions start at 0 and only grow"
        ))
        .with_field(attr));
    }
    Ok(Some(VersionCheck { attr, expected }))
}

/// Readies an item for a put (or a batch write, or a transaction's put):
/// counts its version up — the check keeps the version it had — and sets
/// its timestamps (`inserted_at` only when it has none, `updated_at`
/// always).
pub(crate) fn prepare_put<T: Schema>(ctx: &Ctx, item: &mut T) -> Result<Option<VersionCheck>> {
    let check = version_of(ctx, item)?;
    if let Some(c) = &check
        && !item.__set_version(c.expected + 1)
    {
        return Err(c.at_its_limit());
    }
    if ctx.schema.timestamps {
        item.__stamp(&ctx.now.rfc3339());
    }
    Ok(check)
}

/// Time to live: whether `item`'s `ttl` time has passed (DynamoDB has not
/// deleted it yet), unless `include_expired`.
pub(crate) fn is_expired<T: Schema>(ctx: &Ctx, item: &T, opts: &Opts) -> bool {
    let Some(attr) = ctx.schema.ttl else {
        return false;
    };
    if opts.include_expired == Some(true) {
        return false;
    }
    is_past(ctx, item.field_value(attr).as_ref())
}

/// How far in the past a time to live may be and still expire the item:
/// DynamoDB never deletes an item whose time is more than five years old
/// (5 × 365.25 days), so neither does the crate hide it — an integer `ttl`
/// field left at 0 would otherwise hide its item for good.
pub(crate) const TTL_HORIZON_SECS: i64 = 157_788_000;

/// Whether a `ttl` attribute's value is a time that has passed, within the
/// last five years (anything but a number never expires).
fn is_past(ctx: &Ctx, value: Option<&Value>) -> bool {
    let now = i128::from(ctx.now.epoch_seconds());
    match value {
        Some(Value::Number(n)) => n
            .as_i128()
            .is_some_and(|t| t < now && t >= now - i128::from(TTL_HORIZON_SECS)),
        _ => false,
    }
}

/// Time to live: whether a stored item of `ctx`'s schema has passed its
/// `ttl` time (as [`is_expired`], on the item as read).
pub(crate) fn is_expired_item(ctx: &Ctx, item: &WireItem) -> bool {
    let Some(attr) = ctx.schema.ttl else {
        return false;
    };
    is_past(ctx, item.get(attr))
}

/// Time to live: the filter that leaves out expired items in queries and
/// scans — an item is kept when its `ttl` attribute is not a number (unset:
/// it never expires), is not in the past, or is more than five years in the
/// past (which DynamoDB never expires).
///
/// A collection read: each member keeps its time to live in an attribute
/// of its own (or none), so the filter holds each typed item to its own
/// member's — and each item is checked again after reading, by its member's
/// (`is_expired_item`: items without a type attribute are told apart only
/// then). Counts (`select: :count`) leave expired items out this way too.
pub(crate) fn ttl_filter(ctx: &Ctx, opts: &Opts, ph: &mut Placeholders) -> Option<String> {
    if opts.include_expired == Some(true) {
        return None;
    }
    if let Some(members) = ctx.collection {
        let t = ph.name(ctx.schema.type_attribute());
        let clauses: Vec<String> = members
            .iter()
            .filter_map(|m| {
                let live = live_clause(ctx, m.ttl?, ph);
                let name = ph.value(Value::String(m.type_name().to_owned()));
                Some(format!(
                    "(attribute_not_exists({t}) OR {t} <> {name} OR {live})"
                ))
            })
            .collect();
        return (!clauses.is_empty()).then(|| clauses.join(" AND "));
    }
    let attr = ctx.schema.ttl?;
    Some(live_clause(ctx, attr, ph))
}

/// An item whose `attr` does not expire it now: not a number (unset), not
/// in the past, or more than five years in the past.
fn live_clause(ctx: &Ctx, attr: &str, ph: &mut Placeholders) -> String {
    let n = ph.name(attr);
    let number = ph.value(Value::String("N".to_owned()));
    let secs = ctx.now.epoch_seconds();
    let now = ph.value(Value::Number(Number::from(secs)));
    let horizon = ph.value(Value::Number(Number::from(secs - TTL_HORIZON_SECS)));
    format!("NOT attribute_type({n}, {number}) OR {n} >= {now} OR {n} < {horizon}")
}

/// Single-table design: the filter that keeps a query's or scan's items to
/// this schema's. An item is this schema's when its type attribute holds
/// the schema's type name. An item without a type attribute (written by an
/// older version of this crate or by another writer) is taken as this
/// schema's when it holds every key field as an attribute, as every writer
/// of this crate and of the Elixir library stores them — on an index read,
/// whose projection may have dropped both, whenever it lacks the type
/// attribute.
pub(crate) fn type_filter(ctx: &Ctx, opts: &Opts, ph: &mut Placeholders) -> String {
    let schema = ctx.schema;
    let t = ph.name(schema.type_attribute());
    if let Some(members) = ctx.collection {
        // A collection: any member's type; an item without one is sorted
        // out after reading (`collection::Plan::member_of`).
        let names: Vec<String> = members
            .iter()
            .map(|m| ph.value(Value::String(m.type_name().to_owned())))
            .collect();
        return format!("attribute_not_exists({t}) OR {t} IN ({})", names.join(", "));
    }
    let name = ph.value(Value::String(schema.type_name().to_owned()));
    if opts.index_name.is_some() {
        return format!("attribute_not_exists({t}) OR {t} = {name}");
    }
    let s = &ctx.keys.settings;
    let mut legacy = format!("attribute_not_exists({t})");
    for f in schema.key_fields() {
        if f != &*s.partition_key_name && f != &*s.sort_key_name {
            let n = ph.name(f);
            legacy.push_str(&format!(" AND attribute_exists({n})"));
        }
    }
    format!("{t} = {name} OR ({legacy})")
}

/// The client-side form of [`type_filter`] for reads by key (`get_item`,
/// `batch_get_item`): whether `item` is this schema's. A projection asks for
/// the type attribute and the key fields too ([`read_projection`]).
pub(crate) fn is_own(ctx: &Ctx, item: &WireItem) -> bool {
    let schema = ctx.schema;
    match item.get(schema.type_attribute()) {
        Some(Value::String(t)) => t == schema.type_name(),
        Some(_) => false,
        None => schema.key_fields().iter().all(|f| {
            item.get(f).is_some()
                || *f == &*ctx.keys.settings.partition_key_name
                || *f == &*ctx.keys.settings.sort_key_name
        }),
    }
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
    let sk = ctx.schema.has_sort_key().then_some(&*s.sort_key_name);
    project(
        &mut p,
        ph,
        std::iter::once(&*s.partition_key_name).chain(sk),
    );
    Ok(Some(p))
}

/// The projection of a query or scan: the user's, with the table's key
/// attributes ([`projection`]). A collection read tells its members apart
/// and leaves out expired items on the client, so it also asks for the
/// type attribute, every member's key fields (for items without a type
/// attribute) and, unless `include_expired`, every member's `ttl`.
pub(crate) fn query_projection(
    ctx: &Ctx,
    opts: &Opts,
    ph: &mut Placeholders,
) -> Result<Option<String>> {
    let mut p = projection(ctx, opts.projection_expression.as_deref(), ph)?;
    if let (Some(p), Some(members)) = (p.as_mut(), ctx.collection) {
        project(p, ph, [ctx.schema.type_attribute()]);
        for m in members {
            project(p, ph, m.key_fields());
            if opts.include_expired != Some(true) {
                project(p, ph, m.ttl);
            }
        }
    }
    Ok(p)
}

/// Adds `attrs` to projection `p`, each unless `p` already names it (or a
/// part of it: DynamoDB refuses overlapping paths).
fn project<'a>(p: &mut String, ph: &mut Placeholders, attrs: impl IntoIterator<Item = &'a str>) {
    for attr in attrs {
        let named = p.split(',').any(|path| {
            let path = path.trim();
            let top = &path[..path.find(['.', '[']).unwrap_or(path.len())];
            top == attr || ph.resolve(top) == Some(attr)
        });
        if !named {
            let n = ph.name(attr);
            p.push_str(", ");
            p.push_str(&n);
        }
    }
}

/// The projection of a read by key (`get_item`, `batch_get_item`): the
/// user's, with the key attributes — and the `ttl` attribute, since expired
/// items are left out after reading.
pub(crate) fn read_projection(
    ctx: &Ctx,
    opts: &Opts,
    ph: &mut Placeholders,
) -> Result<Option<String>> {
    let mut p = projection(ctx, opts.projection_expression.as_deref(), ph)?;
    ph.check_all_used()?;
    // The type attribute and the key fields, to tell this schema's items
    // from the others' ([`is_own`]).
    if let Some(p) = p.as_mut() {
        let keys = ctx.schema.key_fields();
        project(
            p,
            ph,
            std::iter::once(ctx.schema.type_attribute()).chain(keys),
        );
        if let Some(ttl) = ctx.schema.ttl
            && opts.include_expired != Some(true)
        {
            project(p, ph, [ttl]);
        }
    }
    Ok(p)
}

/// The key attribute names in effect (`partition_key_name`,
/// `sort_key_name`) for `schema`: not empty, not one name for both, and not
/// the name of a field that is not the whole key of that role — such a
/// field's own value would never be stored (the attribute holds the key).
fn check_key_names(schema: &SchemaDef, settings: &crate::config::KeySettings) -> Result<()> {
    let refuse = |m: String| Err(Error::validation(format!("`{}`: {m}", schema.name)));
    let pk = &*settings.partition_key_name;
    let sk = &*settings.sort_key_name;
    if schema.has_sort_key() && pk == sk {
        return refuse(format!(
            "the partition and sort key attributes are both named `{pk}`; give \
             sort_key_name another name"
        ));
    }
    // Checked on every operation: nothing here allocates unless it refuses.
    let sort = schema
        .has_sort_key()
        .then_some((sk, "sort", schema.sort_key));
    for (attr, role, fields) in std::iter::once((pk, "partition", schema.partition_key)).chain(sort)
    {
        if attr.is_empty() {
            return refuse(format!(
                "the {role} key attribute name is empty; set {role}_key_name to a name"
            ));
        }
        // The crate's own attributes: written beside the key, each would
        // overwrite it (or be overwritten by it) in the stored item.
        let own = if attr == schema.type_attribute() {
            Some("type attribute (type_attribute)")
        } else if schema.timestamps && attr == schema.inserted_at_attribute() {
            Some("insertion timestamp attribute (inserted_at)")
        } else if schema.timestamps && attr == schema.updated_at_attribute() {
            Some("update timestamp attribute (updated_at)")
        } else {
            None
        };
        if let Some(own) = own {
            return refuse(format!(
                "the {role} key attribute `{attr}` is also the schema's {own}; the two would \
                 overwrite each other in every item written: give {role}_key_name or the other \
                 another name"
            ));
        }
        // Whether the attribute holds exactly the field of its name: the
        // one field of the key, with nothing added — no field name
        // (`prefix_sort_key`), no kind (a `belongs_to` child's sort key);
        // a child's partition key is its foreign key alone when the
        // parent's has one field.
        let whole = match (role, schema.placement()) {
            ("partition", Some(rel)) => {
                rel.parent.partition_key.len() == 1 && rel.foreign_key_field() == attr
            }
            _ => {
                fields == [attr]
                    && (role == "partition"
                        || (schema.sort_prefix().is_none() && !settings.prefix_sort_key))
            }
        };
        if schema.field(attr).is_some() && !whole {
            let from = match (role, schema.placement()) {
                ("partition", Some(rel)) => format!(
                    "`{}` in `{}`'s key format",
                    rel.foreign_key_field(),
                    rel.parent.name
                ),
                _ if fields.is_empty() => "no field of its own".to_owned(),
                _ => fields
                    .iter()
                    .map(|f| format!("`{f}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
            };
            return Err(Error::validation(format!(
                "`{}`: field `{attr}` is named like the {role} key attribute, which holds the \
                 key built from {from}{}; the field's own value would never be stored: rename \
                 the field, or set {role}_key_name to another attribute name",
                schema.name,
                match (role, schema.sort_prefix()) {
                    ("sort", Some(kind)) => format!(" after the kind `{kind}`"),
                    ("sort", None) if settings.prefix_sort_key => {
                        " with each field's name before it (prefix_sort_key)".to_owned()
                    }
                    _ => String::new(),
                }
            ))
            .with_field(attr));
        }
    }
    Ok(())
}

/// Before a write: the key attributes the crate writes are strings (S), so
/// a field of another type named like one would be stored as its text, and
/// no read could decode it. (Reads are left alone: a table whose key
/// attribute is a number, read through the block `dynamo generate-schema`
/// writes for it, decodes.)
pub(crate) fn check_key_field_types(ctx: &Ctx) -> Result<()> {
    let schema = ctx.schema;
    let s = &ctx.keys.settings;
    let sort = schema.has_sort_key().then_some((&*s.sort_key_name, "sort"));
    for (attr, role) in std::iter::once((&*s.partition_key_name, "partition")).chain(sort) {
        let Some(f) = schema.field(attr) else {
            continue;
        };
        // `Option<bool>` as `bool`.
        let inner = match crate::schema::type_head(f.rust_type) {
            "Option" => f
                .rust_type
                .split_once('<')
                .map_or(f.rust_type, |(_, rest)| {
                    rest.trim_end().strip_suffix('>').unwrap_or(rest).trim()
                }),
            _ => f.rust_type,
        };
        let kind = match f.attribute_type {
            Some(crate::codec::ScalarType::Number) => "a number",
            Some(crate::codec::ScalarType::Binary) => "bytes",
            _ if crate::schema::type_head(inner) == "bool" => "a bool",
            _ => continue,
        };
        return Err(Error::validation(format!(
            "`{}`: field `{attr}` ({}) is named like the {role} key attribute, which the crate \
             writes as a string; {kind} would be stored as its text and not read back: rename \
             the field, or set {role}_key_name to another attribute name",
            schema.name, f.rust_type
        ))
        .with_field(attr));
    }
    Ok(())
}

/// Encodes `item` for writing: its set fields, its key attributes and its
/// type attribute, every
/// value checked, index key attributes checked, the 400 KB limit checked.
pub(crate) fn encode_for_write<T: Schema>(ctx: &Ctx, item: &T) -> Result<EncodedItem> {
    check_key_field_types(ctx)?;
    let key = ctx.primary_key(item)?;
    check_index_keys(ctx.schema, item)?;
    let mut w = ItemWriter::new(64 + 24 * ctx.schema.fields.len());
    // A field named like a key attribute is written once, as the key.
    let shadowed: Vec<String> = std::iter::once(&key.partition_name)
        .chain(key.sort.as_ref().map(|(name, _)| name))
        .filter(|name| ctx.schema.field(name).is_some())
        .cloned()
        .collect();
    if !shadowed.is_empty() {
        w = w.skipping(shadowed);
    }
    item.encode_item(&mut w);
    w.put_string(&key.partition_name, &key.partition);
    if let Some((name, sk)) = &key.sort {
        w.put_string(name, sk);
    }
    w.put_string(ctx.schema.type_attribute(), ctx.schema.type_name());
    w.finish(|| format!("item of `{}`", ctx.schema.name))
}

/// A value in a GSI key attribute must be a string, number or binary, and
/// not an empty string (DynamoDB refuses both). Unset means "not indexed".
pub(crate) fn check_index_keys<T: Schema>(schema: &SchemaDef, item: &T) -> Result<()> {
    for (index_name, field) in schema.index_key_fields() {
        if let Some(v) = item.field_value(field) {
            index_key_value(schema, index_name, field, &v, "")?;
        }
    }
    Ok(())
}

/// The value `v` for `field`, a key of index `index_name`: unset (null)
/// keeps the item out of the index; otherwise a non-empty string or binary
/// or a number, of the attribute type the index declares for the field
/// (`S` for an untyped field, as `create_table` declares it), within
/// DynamoDB's key size limit. `context` starts the messages.
pub(crate) fn index_key_value(
    schema: &SchemaDef,
    index_name: &str,
    field: &str,
    v: &Value,
    context: &str,
) -> Result<()> {
    let refuse = |why: String| {
        Err(Error::validation(format!(
            "{context}field `{field}` is a key of index `{index_name}` and {why}"
        ))
        .with_field(field))
    };
    let found = match v {
        Value::Null => return Ok(()),
        Value::String(s) if s.is_empty() => {
            return refuse(
                "cannot be an empty string; leave it unset (Null/None) to keep the item out of \
                 the index"
                    .to_owned(),
            );
        }
        Value::Binary(b) if b.is_empty() => {
            return refuse(
                "cannot be empty bytes; leave it unset (None) to keep the item out of the index"
                    .to_owned(),
            );
        }
        Value::String(_) => crate::codec::ScalarType::String,
        Value::Number(_) => crate::codec::ScalarType::Number,
        Value::Binary(_) => crate::codec::ScalarType::Binary,
        other => {
            return refuse(format!(
                "must be a string, number or binary, not a {} value",
                other.type_name()
            ));
        }
    };
    // A typed field's Rust type fixes its attribute type (a value of
    // another type is refused with the field's own type named); an untyped
    // one is declared `S` by `create_table`.
    let untyped = schema
        .field(field)
        .is_some_and(|f| f.attribute_type.is_none());
    if untyped && found != crate::codec::ScalarType::String {
        return refuse(format!(
            "is untyped, so the index declares it `S` (as `create_table` does); a `{}` value \
             cannot be stored in it: write a string, or give the field a Rust type",
            found.as_str()
        ));
    }
    // DynamoDB's size limit for an index key attribute.
    let len = match v {
        Value::String(s) => s.len(),
        Value::Binary(b) => b.len(),
        _ => return Ok(()),
    };
    let limit = schema.index_key_limit(index_name, field);
    if len > limit {
        let role = if limit == crate::key::MAX_PARTITION_KEY_BYTES {
            "partition"
        } else {
            "sort"
        };
        return refuse(format!(
            "holds {len} bytes, over DynamoDB's limit of {limit} bytes for an index {role} attribute"
        ));
    }
    Ok(())
}

/// Reads a schema item out of a [`WireItem`]. A key field the item lacks
/// (an item read from a `keys_only` or `include` index, or with a
/// projection) is recovered from the key attributes when the context allows
/// it ([`Ctx::recover_keys`]).
struct Reader<'a> {
    item: WireItem,
    ctx: &'a Ctx,
    error: Option<Error>,
}

impl AttributeSource for Reader<'_> {
    fn take(&mut self, name: &str) -> Option<Value> {
        match self.item.take(name) {
            Some(v) => Some(v),
            None if self.ctx.recover_keys => {
                crate::schema::recover_key_field(self.ctx.schema, &self.ctx.keys, &self.item, name)
            }
            None => None,
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

/// The key id of an item or key read from DynamoDB. A schema without a
/// sort key has no sort attribute, whatever the item holds under that
/// name (a field of its own may be called `sk`).
pub(crate) fn key_id_of(ctx: &Ctx, item: &WireItem) -> KeyId {
    let s = &ctx.keys.settings;
    (
        item.get_str(&s.partition_key_name)
            .unwrap_or_default()
            .to_owned(),
        item.get_str(&s.sort_key_name)
            .filter(|_| ctx.schema.has_sort_key())
            .map(str::to_owned),
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

#[cfg(test)]
mod tests {
    use super::{and, operand};

    /// DynamoDB refuses `((…))`: an expression already in one pair of
    /// parentheses joins `AND` as it is.
    #[test]
    fn and_never_doubles_parentheses() {
        let s = |t: &str| Some(t.to_owned());
        assert_eq!(
            and(s("a = :a"), s("b")).as_deref(),
            Some("(a = :a) AND (b)")
        );
        assert_eq!(
            and(s("(a = :a OR c = :c)"), s(" (b) ")).as_deref(),
            Some("(a = :a OR c = :c) AND (b)")
        );
        assert_eq!(and(None, s("(b)")).as_deref(), Some("(b)"));
        assert_eq!(operand("(a) AND (b)"), "((a) AND (b))");
        assert_eq!(operand("size(a) > :n"), "(size(a) > :n)");
        assert_eq!(operand("(size(a) > :n)"), "(size(a) > :n)");
        assert_eq!(operand("(a))"), "((a)))");
        assert_eq!(operand("()"), "()");
        assert_eq!(operand(""), "()");
    }
}
