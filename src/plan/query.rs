//! Query and Scan plans: the key condition from a key struct and [`Opts`],
//! the GSI rules, projections and filters — every check that can be made
//! before a request is sent.
//!
//! The rules (API.md §5, the guide's intent):
//!
//! * The partition comes from the key's partition-key fields (or, with
//!   `index_name`, the index's partition field of the key).
//! * The sort condition comes from the key's sort-key fields: none set →
//!   partition only; all set and no operator → equality; some set and no
//!   operator → `begins_with` on the partial key followed by the separator;
//!   an explicit `sk_operator` applies to the built (possibly partial) key;
//!   `:between` also needs `sk_end`, which replaces the last set field's value
//!   to build the upper bound.
//! * A sort-key field holding a value that cannot be in a key (a list, a map,
//!   a set, bytes, a non-finite float, a `u128` above `i128::MAX`) is a
//!   `ValidationError` naming it, wherever it stands in the key.
//! * `belongs_to` children with `sk_strategy: :prefix` always query within
//!   their own prefix (`"orderitem#…"`): a one-sided operator becomes a
//!   `BETWEEN` that stops at the prefix's edge ([`child_range`]).
//! * GSI mistakes are `ValidationError`s before any request: unknown index
//!   (the message lists the schema's indexes), partition field unset, sort
//!   operator on an index without a sort key, sort operator with the index's
//!   sort field unset, `consistent_read` on a GSI.

use super::{Ctx, only};
use crate::error::{Error, Result};
use crate::expression::{ExprKind, Placeholders};
use crate::key::{self, KeyField, KeyPart, MAX_SORT_KEY_BYTES};
use crate::opts::{Opt, Opts, Select, SkOperator};
use crate::request::Read;
use crate::schema::{Schema, SchemaDef};
use crate::value::Value;

/// The options a query accepts.
pub(crate) const QUERY_OPTS: &[Opt] = &[
    Opt::SkOperator,
    Opt::SkEnd,
    Opt::ScanIndexForward,
    Opt::Limit,
    Opt::IndexName,
    Opt::ConsistentRead,
    Opt::FilterExpression,
    Opt::ProjectionExpression,
    Opt::ExpressionAttributeNames,
    Opt::ExpressionAttributeValues,
    Opt::ExclusiveStartKey,
    Opt::Cursor,
    Opt::Select,
    Opt::PageSize,
    Opt::IncludeExpired,
];

/// The options a scan accepts (the parallel ones are checked by the
/// operation that reads them).
pub(crate) const SCAN_OPTS: &[Opt] = &[
    Opt::Limit,
    Opt::IndexName,
    Opt::ConsistentRead,
    Opt::FilterExpression,
    Opt::ProjectionExpression,
    Opt::ExpressionAttributeNames,
    Opt::ExpressionAttributeValues,
    Opt::ExclusiveStartKey,
    Opt::Cursor,
    Opt::Select,
    Opt::PageSize,
    Opt::Segments,
    Opt::Concurrency,
    Opt::BatchSize,
    Opt::IncludeExpired,
];

fn op_symbol(op: SkOperator) -> &'static str {
    match op {
        SkOperator::Eq => "=",
        SkOperator::Lt => "<",
        SkOperator::Lte => "<=",
        SkOperator::Gt => ">",
        SkOperator::Gte => ">=",
        SkOperator::BeginsWith | SkOperator::Between => "",
    }
}

fn needs_sk_end() -> Error {
    Error::validation(
        "sk_operator `:between` needs `sk_end`, the upper bound (e.g. `sk_end: \"2024-12-31\"`)",
    )
}

/// Renders `attr <op> value` into a key condition.
fn sort_condition(
    ph: &mut Placeholders,
    attr: &str,
    op: SkOperator,
    start: Value,
    end: Option<Value>,
) -> Result<String> {
    let n = ph.name(attr);
    let v = ph.value(start);
    Ok(match op {
        SkOperator::BeginsWith => format!("begins_with({n}, {v})"),
        SkOperator::Between => {
            let e = ph.value(end.ok_or_else(needs_sk_end)?);
            format!("{n} BETWEEN {v} AND {e}")
        }
        other => format!("{n} {} {v}", op_symbol(other)),
    })
}

/// The key's own sort-key fields: how many there are, how many leading ones
/// are set, and the (partial) sort key they build, with a `belongs_to`
/// prefix. A field that cannot be part of a key is an error naming it.
struct SortKey {
    fields: usize,
    set: usize,
    built: Option<String>,
}

/// `exact`: the key addresses items (no `sk_operator`), so a separator
/// inside a value of a multi-part key is refused; with an operator the key
/// is a bound, where a separator is a deliberate part of it.
fn sort_key_of<T: Schema>(
    ctx: &Ctx,
    key: &T,
    end: Option<KeyPart<'_>>,
    exact: bool,
) -> Result<SortKey> {
    let s = &ctx.keys.settings;
    let (sep, prefix_names) = (&*s.separator, s.prefix_sort_key);
    let (fields, set, own) = key.__sort_parts(|parts| -> Result<_> {
        let set = key::set_prefix_checked("sort key", parts)?;
        if exact {
            crate::schema::separators(ctx.schema, "sort key", sep, parts.len(), &parts[..set])?;
        }
        let own = match (set, end) {
            (0, _) => None,
            (n, None) => Some(key::join(sep, prefix_names, &parts[..n])),
            (n, Some(end)) => {
                let mut replaced: Vec<KeyField<'_>> = parts[..n].to_vec();
                replaced[n - 1].part = end;
                Some(key::join(sep, prefix_names, &replaced))
            }
        };
        Ok((parts.len(), set, own))
    })?;
    let built = match ctx.schema.sort_prefix() {
        Some(prefix) if own.is_some() || end.is_none() => {
            Some(key::prefixed(&prefix, sep, own.as_deref()))
        }
        _ => own,
    };
    Ok(SortKey { fields, set, built })
}

/// Builds the request for one page of a query on `key`'s partition.
/// `operation` names the caller in option errors.
pub(crate) fn query<T: Schema>(ctx: &Ctx, key: &T, opts: &Opts, operation: &str) -> Result<Read> {
    only(opts, operation, QUERY_OPTS)?;
    let mut ph = Placeholders::with_user(
        &opts.expression_attribute_names,
        &opts.expression_attribute_values,
    )?;
    let key_condition = match &opts.index_name {
        None => table_key_condition(ctx, key, opts, &mut ph)?,
        Some(index) => index_key_condition(ctx, key, index, opts, &mut ph)?,
    };
    let filter = opts
        .filter_expression
        .as_deref()
        .map(|f| ph.user_expression("filter_expression", f, ExprKind::Condition))
        .transpose()?;
    let projection = super::query_projection(ctx, opts, &mut ph)?;
    ph.check_all_used()?;
    // Time to live: expired items are left out, unless `include_expired`.
    let ttl = super::ttl_filter(ctx, opts, &mut ph);
    let filter = super::and(filter, ttl);
    // Single-table design: only this schema's items.
    let filter = super::and(filter, Some(super::type_filter(ctx, opts, &mut ph)));
    check_select(ctx, opts, projection.is_some())?;
    Ok(Read {
        table: ctx.table.clone(),
        index: opts.index_name.clone(),
        key_condition: Some(key_condition),
        filter,
        projection,
        exprs: ph.into_exprs(),
        limit: limit_of(opts)?,
        forward: opts.scan_index_forward,
        consistent: opts.consistent_read == Some(true),
        select: opts.select.map(Select::as_str),
        start: start_key(ctx, opts)?,
        segment: None,
    })
}

/// `exclusive_start_key`, checked: DynamoDB takes a key of exactly the
/// attributes of the table's key and, reading an index, the index's — as
/// a page's `last_evaluated_key` is — and refuses any other without saying
/// which option it means.
fn start_key(ctx: &Ctx, opts: &Opts) -> Result<Option<Vec<(String, Value)>>> {
    let Some(key) = &opts.exclusive_start_key else {
        return Ok(None);
    };
    let schema = ctx.schema;
    let s = &ctx.keys.settings;
    let mut wanted: Vec<String> = vec![s.partition_key_name.to_string()];
    if schema.has_sort_key() {
        wanted.push(s.sort_key_name.to_string());
    }
    if let Some(name) = opts.index_name.as_deref() {
        if let Some(index) = schema.index(name) {
            wanted.extend(index.key_fields().map(str::to_owned));
        } else if let Some(lsi) = schema.local_index(name) {
            wanted.push(lsi.sort_key.to_owned());
        }
    }
    wanted.sort_unstable();
    wanted.dedup();
    let refuse = |why: String| {
        Err(Error::validation(format!(
            "`exclusive_start_key` {why}; pass back a page's `last_evaluated_key` (it holds \
             {})",
            wanted
                .iter()
                .map(|a| format!("`{a}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ))
        .with_field("exclusive_start_key"))
    };
    if let Some(missing) = wanted.iter().find(|a| !key.contains_key(a.as_str())) {
        return refuse(format!("has no `{missing}`"));
    }
    if let Some(extra) = key.keys().find(|a| !wanted.contains(a)) {
        return refuse(format!(
            "holds `{extra}`, which is not a key attribute here"
        ));
    }
    if let Some((a, v)) = key
        .iter()
        .find(|(_, v)| !matches!(v, Value::String(_) | Value::Number(_) | Value::Binary(_)))
    {
        return refuse(format!(
            "holds a {} value in `{a}`; key attributes are strings, numbers or bytes",
            v.type_name()
        ));
    }
    Ok(Some(key.clone().into_iter().collect()))
}

/// `limit` where it caps a whole read (streams, parallel scans) rather
/// than one request: at least 1.
pub(crate) fn check_total_limit(opts: &Opts) -> Result<()> {
    match opts.limit {
        Some(0) => Err(Error::validation("`limit` must be at least 1")),
        _ => Ok(()),
    }
}

/// The per-request item limit: `limit` and `page_size`, the smaller one.
pub(crate) fn limit_of(opts: &Opts) -> Result<Option<u32>> {
    let per_page = match (opts.limit, opts.page_size) {
        (Some(l), Some(p)) => Some(l.min(p)),
        (l, p) => l.or(p),
    };
    match per_page {
        Some(0) => Err(Error::validation(
            "`limit` and `page_size` must be at least 1",
        )),
        Some(n) => Ok(Some(u32::try_from(n).unwrap_or(u32::MAX))),
        None => Ok(None),
    }
}

/// The `select` rules DynamoDB applies, checked before sending: with a
/// `projection_expression` only `:specific_attributes` (or no `select`);
/// `:all_projected_attributes` only on an index; `:all_attributes` on a
/// global index only when it projects every attribute (a local index
/// fetches the rest from the table).
fn check_select(ctx: &Ctx, opts: &Opts, has_projection: bool) -> Result<()> {
    let Some(select) = opts.select else {
        return Ok(());
    };
    let name = match select {
        Select::AllAttributes => "all_attributes",
        Select::AllProjectedAttributes => "all_projected_attributes",
        Select::Count => "count",
        Select::SpecificAttributes => "specific_attributes",
    };
    match select {
        Select::SpecificAttributes if !has_projection => Err(Error::validation(
            "`select: :specific_attributes` needs a `projection_expression` naming the attributes",
        )),
        Select::SpecificAttributes => Ok(()),
        _ if has_projection => Err(Error::validation(format!(
            "`select: :{name}` cannot be combined with `projection_expression` \
             (with one, DynamoDB takes only `:specific_attributes`; leave `select` out)"
        ))),
        Select::AllProjectedAttributes if opts.index_name.is_none() => Err(Error::validation(
            "`select: :all_projected_attributes` only applies with `index_name`",
        )),
        Select::AllAttributes => match opts.index_name.as_deref().and_then(|i| ctx.schema.index(i))
        {
            Some(index) if index.projection != crate::request::Projection::All => {
                Err(Error::validation(format!(
                    "`select: :all_attributes` on GSI '{}', which projects {}: a global index \
                     only returns what it projects; use `:all_projected_attributes`, or an \
                     index with `projection: :all`",
                    index.name,
                    match index.projection {
                        crate::request::Projection::KeysOnly => "only the keys",
                        _ => "only some attributes",
                    }
                )))
            }
            _ => Ok(()),
        },
        _ => Ok(()),
    }
}

fn table_key_condition<T: Schema>(
    ctx: &Ctx,
    key: &T,
    opts: &Opts,
    ph: &mut Placeholders,
) -> Result<String> {
    let schema = ctx.schema;
    let s = &ctx.keys.settings;
    let pk = crate::schema::partition_key(key, &ctx.keys)?;
    let pk_cond = format!(
        "{} = {}",
        ph.name(&s.partition_key_name),
        ph.value(Value::String(pk))
    );
    if !schema.has_sort_key() {
        if let Some(op) = opts.sk_operator {
            return Err(Error::validation(format!(
                "sk_operator `:{}` was given, but `{}` has no sort key",
                op.as_str(),
                schema.name
            )));
        }
        if opts.sk_end.is_some() {
            return Err(Error::validation(format!(
                "`sk_end` was given, but `{}` has no sort key",
                schema.name
            )));
        }
        return Ok(pk_cond);
    }
    if opts.sk_end.is_some() && opts.sk_operator != Some(SkOperator::Between) {
        return Err(Error::validation(
            "`sk_end` only applies with `sk_operator: :between`",
        ));
    }
    let sk_attr = s.sort_key_name.to_string();
    let sep = s.separator.to_string();
    let prefix = schema.sort_prefix();
    let sort = sort_key_of(ctx, key, None, opts.sk_operator.is_none())?;
    let cond = match (opts.sk_operator, sort.built) {
        // No sort field set: the whole partition — or, for a `belongs_to`
        // child, only its own kind within the parent's partition.
        (None, _) if sort.set == 0 => match prefix {
            // A child without sort-key fields of its own has the bare
            // relation name as its sort key: one per parent.
            Some(p) if sort.fields == 0 => Some(sort_condition(
                ph,
                &sk_attr,
                SkOperator::Eq,
                Value::String(p),
                None,
            )?),
            Some(p) => Some(sort_condition(
                ph,
                &sk_attr,
                SkOperator::BeginsWith,
                Value::String(format!("{p}{sep}")),
                None,
            )?),
            None => None,
        },
        (None, Some(built)) if sort.set == sort.fields => Some(sort_condition(
            ph,
            &sk_attr,
            SkOperator::Eq,
            Value::String(built),
            None,
        )?),
        (None, Some(built)) => Some(sort_condition(
            ph,
            &sk_attr,
            SkOperator::BeginsWith,
            Value::String(format!("{built}{sep}")),
            None,
        )?),
        (None, None) => None,
        // A child without sort-key fields of its own: its one sort key is
        // the bare prefix, which `begins_with(sk, "orderitem#")` missed.
        (Some(SkOperator::BeginsWith), Some(b))
            if sort.set == 0 && sort.fields == 0 && prefix.is_some() =>
        {
            Some(sort_condition(
                ph,
                &sk_attr,
                SkOperator::Eq,
                Value::String(b),
                None,
            )?)
        }
        (Some(op), built) => {
            let start = match built {
                Some(b) if sort.set > 0 => b,
                // A child's own kind: its prefix and separator, so that a
                // longer prefix (`orderitemnote#…`) is not matched too.
                Some(b) if prefix.is_some() && op == SkOperator::BeginsWith => format!("{b}{sep}"),
                _ => {
                    return Err(Error::validation(format!(
                        "sk_operator `:{}` needs a sort key value: set the key's sort-key field(s) ({})",
                        op.as_str(),
                        schema.sort_key.join(", ")
                    )));
                }
            };
            // A child's range stays within its own kind: `sk > "orderitem#x"`
            // alone also read every later kind of the partition.
            let within = match &prefix {
                Some(p) if sort.fields > 0 => child_range(op, &format!("{p}{sep}"), &start),
                _ => None,
            };
            if let Some((low, high)) = within {
                Some(sort_condition(
                    ph,
                    &sk_attr,
                    SkOperator::Between,
                    Value::String(low),
                    Some(Value::String(high)),
                )?)
            } else {
                let end = match op {
                    SkOperator::Between => {
                        let end = opts.sk_end.as_ref().ok_or_else(needs_sk_end)?;
                        let end = Value::String(between_end(ctx, key, end)?);
                        between_in_order(&sk_attr, &Value::String(start.clone()), &end)?;
                        Some(end)
                    }
                    _ => None,
                };
                Some(sort_condition(ph, &sk_attr, op, Value::String(start), end)?)
            }
        }
    };
    Ok(match cond {
        Some(c) => format!("{pk_cond} AND {c}"),
        None => pk_cond,
    })
}

/// The bounds that keep a one-sided range of a `belongs_to` child (keys
/// `kind` + anything, `kind` being its prefix and separator) within its own
/// kind, as one `BETWEEN`: `> start` from the least key above `start`,
/// `< start` up to the greatest key below it, each to the kind's least or
/// greatest possible key. Exact for every key DynamoDB can hold (at most
/// [`MAX_SORT_KEY_BYTES`] bytes, compared as UTF-8 bytes, U+0000 first).
/// `None` keeps the operator as it is (other operators, a bound longer than
/// any key, no key of the kind on that side): the type filter still keeps
/// other kinds out of the answer.
fn child_range(op: SkOperator, kind: &str, start: &str) -> Option<(String, String)> {
    if start.len() > MAX_SORT_KEY_BYTES || !start.starts_with(kind) {
        return None;
    }
    let (low, high) = match op {
        SkOperator::Gt => (key_after(start)?, greatest_key_from(kind)),
        SkOperator::Gte => (start.to_owned(), greatest_key_from(kind)),
        SkOperator::Lt => (kind.to_owned(), key_before(start)?),
        SkOperator::Lte => (kind.to_owned(), start.to_owned()),
        _ => return None,
    };
    (low <= high && low.starts_with(kind) && high.starts_with(kind)).then_some((low, high))
}

/// The greatest string of at most `room` bytes: U+10FFFF, the greatest
/// character, as often as it fits, then the greatest that fits the rest.
fn push_greatest(out: &mut String, room: usize) {
    for _ in 0..room / 4 {
        out.push(char::MAX);
    }
    match room % 4 {
        3 => out.push('\u{FFFF}'),
        2 => out.push('\u{7FF}'),
        1 => out.push('\u{7F}'),
        _ => {}
    }
}

/// The greatest key starting with `prefix`.
fn greatest_key_from(prefix: &str) -> String {
    let mut out = String::with_capacity(MAX_SORT_KEY_BYTES);
    out.push_str(prefix);
    push_greatest(&mut out, MAX_SORT_KEY_BYTES.saturating_sub(prefix.len()));
    out
}

/// The least key greater than `s`: `s` and U+0000, or, for a key already at
/// the size limit, the next character in the last place that can take one.
fn key_after(s: &str) -> Option<String> {
    let mut out = s.to_owned();
    if out.len() < MAX_SORT_KEY_BYTES {
        out.push('\0');
        return Some(out);
    }
    while let Some(c) = out.pop() {
        let next = match c {
            '\u{D7FF}' => Some('\u{E000}'),
            c => char::from_u32(u32::from(c) + 1),
        };
        if let Some(n) = next.filter(|n| out.len() + n.len_utf8() <= MAX_SORT_KEY_BYTES) {
            out.push(n);
            return Some(out);
        }
    }
    None
}

/// The greatest key less than `s`: without its last character when that is
/// U+0000, else with the character before it followed by the greatest
/// string that fits.
fn key_before(s: &str) -> Option<String> {
    let mut out = s.to_owned();
    let last = out.pop()?;
    let before = match last {
        '\0' => return Some(out),
        '\u{E000}' => '\u{D7FF}',
        c => char::from_u32(u32::from(c) - 1)?,
    };
    out.push(before);
    let room = MAX_SORT_KEY_BYTES.saturating_sub(out.len());
    push_greatest(&mut out, room);
    Some(out)
}

/// The upper bound for `:between`: the sort key with the last set field's
/// value replaced by `end`.
fn between_end<T: Schema>(ctx: &Ctx, key: &T, end: &Value) -> Result<String> {
    let end_part = crate::codec::Encode::key_part(end);
    if end_part.is_unset() || !end_part.is_supported() {
        return Err(Error::validation(
            "`sk_end` must be a non-empty string, a number or a boolean",
        )
        .with_field("sk_end"));
    }
    let sort = sort_key_of(ctx, key, Some(end_part), false)?;
    match sort.built {
        Some(b) if sort.set > 0 => Ok(b),
        _ => Err(Error::validation(format!(
            "sk_operator `:between` needs the sort key's first field set in the key ({}), with `sk_end` as the upper bound of the last set field",
            ctx.schema.sort_key.join(", ")
        ))),
    }
}

fn index_key_condition<T: Schema>(
    ctx: &Ctx,
    key: &T,
    index_name: &str,
    opts: &Opts,
    ph: &mut Placeholders,
) -> Result<String> {
    let schema = ctx.schema;
    if let Some(lsi) = schema.local_index(index_name) {
        // A local index: the table's partition, the index's own sort field.
        let s = &ctx.keys.settings;
        let pk = crate::schema::partition_key(key, &ctx.keys)?;
        let mut conds = vec![format!(
            "{} = {}",
            ph.name(&s.partition_key_name),
            ph.value(Value::String(pk))
        )];
        let label = format!("LSI '{index_name}'");
        conds.extend(index_sort_conditions(
            schema,
            key,
            &label,
            std::slice::from_ref(&lsi.sort_key),
            opts,
            ph,
        )?);
        return Ok(conds.join(" AND "));
    }
    let index = schema.index(index_name).ok_or_else(|| {
        Error::validation(format!(
            "GSI '{index_name}' not found. Available indexes: {}",
            schema.index_names()
        ))
    })?;
    if opts.consistent_read == Some(true) {
        return Err(Error::validation(format!(
            "Consistent reads are not supported for Global Secondary Index queries (index '{index_name}')"
        )));
    }
    let label = format!("GSI '{index_name}'");
    // Every partition field, each in its own attribute.
    let mut conds = Vec::with_capacity(index.partition_key.len() + index.sort_key.len());
    for &field in index.partition_key {
        let value = key.field_value(field).unwrap_or(Value::Null);
        if unset_index_value(&value) {
            return Err(Error::validation(format!(
                "{label} requires field '{field}' to be populated"
            ))
            .with_field(field));
        }
        check_index_value(schema, &label, field, &value)?;
        // As a table query's partition key: no stored item has a longer one.
        let len = match &value {
            Value::String(s) => s.len(),
            Value::Binary(b) => b.len(),
            _ => 0,
        };
        if len > crate::key::MAX_PARTITION_KEY_BYTES {
            return Err(Error::validation(format!(
                "{label}: partition field '{field}' holds {len} bytes, over DynamoDB's limit of \
                 {} bytes for an index partition attribute",
                crate::key::MAX_PARTITION_KEY_BYTES
            ))
            .with_field(field));
        }
        conds.push(format!("{} = {}", ph.name(field), ph.value(value)));
    }
    conds.extend(index_sort_conditions(
        schema,
        key,
        &label,
        index.sort_key,
        opts,
        ph,
    )?);
    Ok(conds.join(" AND "))
}

/// The sort conditions of an index query: the sort fields set in the key,
/// left to right, each compared for equality — except the last one set,
/// which takes `sk_operator` (and `sk_end`) when given. A field set after an
/// unset one is an error: DynamoDB's multi-attribute keys are read left to
/// right.
fn index_sort_conditions<T: Schema>(
    schema: &SchemaDef,
    key: &T,
    label: &str,
    fields: &[&str],
    opts: &Opts,
    ph: &mut Placeholders,
) -> Result<Vec<String>> {
    if fields.is_empty() {
        if opts.sk_operator.is_some() || opts.sk_end.is_some() {
            return Err(Error::validation(format!(
                "{label} does not have a sort key but sort operation was requested"
            )));
        }
        return Ok(Vec::new());
    }
    if opts.sk_end.is_some() && opts.sk_operator != Some(SkOperator::Between) {
        return Err(Error::validation(
            "`sk_end` only applies with `sk_operator: :between`",
        ));
    }
    // A plain (non-`Option`) number is never unset, so its untouched
    // default must not become a silent `= 0`: plain zeros at the end of the
    // fields set count as unset — except that with an `sk_operator` the
    // first of them is the operator's bound (`price >= 0`). A plain zero
    // followed by a set field is an ordinary `= 0`.
    let plain_zero = |field: &str, value: &Value| {
        matches!(value, Value::Number(n) if n.as_i128() == Some(0))
            && schema.field(field).is_some_and(|f| {
                !matches!(crate::schema::type_head(f.rust_type), "Option" | "Value")
            })
    };
    let values: Vec<Value> = fields
        .iter()
        .map(|f| key.field_value(f).unwrap_or(Value::Null))
        .collect();
    // The fields before the first unset one…
    let unset_at = values
        .iter()
        .position(unset_index_value)
        .unwrap_or(fields.len());
    // …without their trailing plain zeros…
    let mut kept = unset_at;
    while kept > 0 && plain_zero(fields[kept - 1], &values[kept - 1]) {
        kept -= 1;
    }
    // …but the first of those is an operator's bound.
    if opts.sk_operator.is_some() && kept < unset_at {
        kept += 1;
    }
    // A field set after the fields kept (other than a plain zero) is a gap.
    if let Some(i) = (kept..fields.len())
        .find(|&i| !unset_index_value(&values[i]) && !plain_zero(fields[i], &values[i]))
    {
        let (field, value) = (fields[i], &values[i]);
        let gap = fields[kept.min(i)];
        // A plain number is never unset: say how to leave it out.
        let hint = match (value, schema.field(field)) {
            (Value::Number(n), Some(f)) if crate::schema::type_head(f.rust_type) != "Option" => {
                format!(
                    " (`{field}` holds {n}: a `{}` field is left out of a query only at 0; \
                 declare it `Option<{}>` to leave it out whatever it holds)",
                    f.rust_type, f.rust_type
                )
            }
            _ => String::new(),
        };
        return Err(Error::validation(format!(
            "{label}: sort field '{field}' is set but '{gap}' before it is not; \
             set the sort fields left to right ({}){hint}",
            fields.join(", ")
        ))
        .with_field(gap));
    }
    let mut set: Vec<(&str, Value)> = Vec::with_capacity(kept);
    for (field, value) in fields.iter().zip(values).take(kept) {
        check_index_value(schema, label, field, &value)?;
        set.push((field, value));
    }
    let Some(op) = opts.sk_operator else {
        return set
            .into_iter()
            .map(|(f, v)| sort_condition(ph, f, SkOperator::Eq, v, None))
            .collect();
    };
    let Some((last_field, last_value)) = set.pop() else {
        let field = fields[0];
        return Err(Error::validation(format!(
            "{label} sort operation requires field '{field}' to be populated"
        ))
        .with_field(field));
    };
    let mut conds = set
        .into_iter()
        .map(|(f, v)| sort_condition(ph, f, SkOperator::Eq, v, None))
        .collect::<Result<Vec<_>>>()?;
    if op == SkOperator::BeginsWith && !matches!(last_value, Value::String(_) | Value::Binary(_)) {
        return Err(Error::validation(format!(
            "sk_operator `:begins_with` needs a string sort key, but field '{last_field}' holds a {} value",
            last_value.type_name()
        ))
        .with_field(last_field));
    }
    let end = match op {
        SkOperator::Between => {
            let end = opts.sk_end.clone().ok_or_else(|| {
                Error::validation(
                    "sk_operator `:between` needs `sk_end`, the upper bound (e.g. `sk_end: 1000`)",
                )
            })?;
            check_index_value(schema, label, "sk_end", &end)?;
            between_in_order(last_field, &last_value, &end)?;
            Some(end)
        }
        _ => None,
    };
    conds.push(sort_condition(ph, last_field, op, last_value, end)?);
    Ok(conds)
}

/// A bound as a message shows it: a string quoted (cut at 60 characters),
/// a number as written, bytes by their length.
fn shown(v: &Value) -> String {
    match v {
        Value::String(s) if s.chars().count() > 60 => {
            format!("{:?}…", s.chars().take(60).collect::<String>())
        }
        Value::String(s) => format!("{s:?}"),
        Value::Number(n) => n.as_str().to_owned(),
        Value::Binary(b) => format!("{} bytes", b.len()),
        other => other.type_name().to_owned(),
    }
}

/// `BETWEEN low AND high` as DynamoDB takes it: both bounds of one type,
/// and `high` not below `low` (strings and bytes compared byte by byte,
/// numbers by value) — DynamoDB refuses anything else. `field` is the
/// sort field the bounds are for.
fn between_in_order(field: &str, low: &Value, high: &Value) -> Result<()> {
    let below = match (low, high) {
        (Value::String(a), Value::String(b)) => b < a,
        (Value::Number(a), Value::Number(b)) => b < a,
        (Value::Binary(a), Value::Binary(b)) => b < a,
        _ => {
            return Err(Error::validation(format!(
                "sk_operator `:between`: `sk_end` holds a {} value but the bound in field \
                 '{field}' holds a {} value; both bounds need the field's type",
                high.type_name(),
                low.type_name()
            ))
            .with_field("sk_end"));
        }
    };
    if below {
        return Err(Error::validation(format!(
            "sk_operator `:between`: the upper bound `sk_end` ({}) is below the lower bound in \
             field '{field}' ({}); DynamoDB needs the upper bound at or above the lower one",
            shown(high),
            shown(low)
        ))
        .with_field("sk_end"));
    }
    Ok(())
}

/// Whether an index key field leaves the item out of the index: unset, an
/// empty string or empty bytes (no item has such a key value, so a query
/// for one would find nothing; DynamoDB refuses them in a key condition).
fn unset_index_value(v: &Value) -> bool {
    v.is_unset() || matches!(v, Value::Binary(b) if b.is_empty())
}

/// An index key value must be a string, a finite number in DynamoDB's
/// range, or binary — a string for an untyped field, which `create_table`
/// declares `S`. `label` is `GSI 'Name'` or `LSI 'Name'`.
fn check_index_value(schema: &SchemaDef, label: &str, field: &str, v: &Value) -> Result<()> {
    if !matches!(v, Value::String(_))
        && schema
            .field(field)
            .is_some_and(|f| f.attribute_type.is_none())
    {
        return Err(Error::validation(format!(
            "{label}: field '{field}' is untyped, so the index declares it `S` (as \
             `create_table` does), but it holds a {} value; query with a string, or give the \
             field a Rust type",
            v.type_name()
        ))
        .with_field(field));
    }
    let refuse = |what: String| {
        Err(Error::validation(format!(
            "{label}: field '{field}' holds {what}, which cannot be an index key; \
             index keys are strings, numbers or binary"
        ))
        .with_field(field))
    };
    match v {
        Value::String(_) | Value::Binary(_) => Ok(()),
        Value::Number(n) => match crate::codec::check_number(n) {
            Ok(()) => Ok(()),
            Err(e) => refuse(format!("a number DynamoDB cannot store ({e})")),
        },
        other => refuse(format!("a {} value", other.type_name())),
    }
}

/// Builds the request for one page of a scan.
pub(crate) fn scan(ctx: &Ctx, opts: &Opts, operation: &str) -> Result<Read> {
    only(opts, operation, SCAN_OPTS)?;
    let schema = ctx.schema;
    if let Some(index) = &opts.index_name {
        let local = schema.local_index(index).is_some();
        if schema.index(index).is_none() && !local {
            return Err(Error::validation(format!(
                "GSI '{index}' not found. Available indexes: {}",
                schema.index_names()
            )));
        }
        if opts.consistent_read == Some(true) && !local {
            return Err(Error::validation(format!(
                "Consistent reads are not supported for Global Secondary Index scans (index '{index}')"
            )));
        }
    }
    let mut ph = Placeholders::with_user(
        &opts.expression_attribute_names,
        &opts.expression_attribute_values,
    )?;
    let filter = opts
        .filter_expression
        .as_deref()
        .map(|f| ph.user_expression("filter_expression", f, ExprKind::Condition))
        .transpose()?;
    let projection = super::query_projection(ctx, opts, &mut ph)?;
    ph.check_all_used()?;
    // Time to live: expired items are left out, unless `include_expired`.
    let ttl = super::ttl_filter(ctx, opts, &mut ph);
    let filter = super::and(filter, ttl);
    // Single-table design: only this schema's items.
    let filter = super::and(filter, Some(super::type_filter(ctx, opts, &mut ph)));
    check_select(ctx, opts, projection.is_some())?;
    Ok(Read {
        table: ctx.table.clone(),
        index: opts.index_name.clone(),
        key_condition: None,
        filter,
        projection,
        exprs: ph.into_exprs(),
        limit: limit_of(opts)?,
        forward: None,
        consistent: opts.consistent_read == Some(true),
        select: opts.select.map(Select::as_str),
        start: start_key(ctx, opts)?,
        segment: None,
    })
}

/// The largest number of segments DynamoDB accepts.
pub(crate) const MAX_SEGMENTS: usize = 1_000_000;

/// Segments scanned at once unless `concurrency` says otherwise.
pub(crate) const DEFAULT_SEGMENT_CONCURRENCY: usize = 64;

/// The segment count (default 4), checked.
pub(crate) fn segments_of(opts: &Opts) -> Result<usize> {
    match opts.segments.unwrap_or(4) {
        0 => Err(Error::validation("`segments` must be at least 1")),
        n if n > MAX_SEGMENTS => Err(Error::validation(format!(
            "`segments` is {n}; DynamoDB allows at most {MAX_SEGMENTS}"
        ))),
        n => Ok(n),
    }
}

/// How many segments run at once: `concurrency`, else all of them up to
/// [`DEFAULT_SEGMENT_CONCURRENCY`].
pub(crate) fn segment_concurrency(opts: &Opts, segments: usize) -> Result<usize> {
    match opts.concurrency {
        Some(0) => Err(Error::validation("`concurrency` must be at least 1")),
        Some(c) => Ok(c.min(segments)),
        None => Ok(segments.min(DEFAULT_SEGMENT_CONCURRENCY)),
    }
}

/// The request of one segment of a parallel scan.
pub(crate) fn segment(base: &Read, segment: usize, total: usize) -> Read {
    let mut r = base.clone();
    // Both fit: `total` was checked against MAX_SEGMENTS.
    r.segment = Some((
        u32::try_from(segment).unwrap_or(u32::MAX),
        u32::try_from(total).unwrap_or(u32::MAX),
    ));
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The query plan, as an operation named `query` calls it.
    fn query<T: Schema>(ctx: &Ctx, key: &T, opts: &Opts) -> Result<Read> {
        super::query(ctx, key, opts, "query")
    }
    use crate::prelude::*;

    crate::dynamo_item! {
        #[derive(Debug, Clone, PartialEq)]
        pub struct Session {
            table_name "sessions";
            field :user_id, partition_key;
            field :sid, sort_key;
            field :expires_at: Option<i64>, ttl;
        }
    }

    #[test]
    fn reads_keep_to_the_schemas_items() {
        let ctx = Ctx::of::<Session>().unwrap();
        let key = crate::item!(%Session{user_id: "u"});
        let r = query(&ctx, &key, &crate::opts![include_expired: true]).unwrap();
        // Its type, or no type and every key field (an older writer's item).
        assert_eq!(
            r.filter.as_deref(),
            Some(
                "#_type = :v1 OR (attribute_not_exists(#_type) AND attribute_exists(#user_id) \
                 AND attribute_exists(#sid))"
            )
        );
        assert_eq!(r.exprs.values[":v1"], Value::from("Session"));
        let r = scan(&ctx, &crate::opts![include_expired: true], "scan").unwrap();
        assert!(r.filter.unwrap().starts_with("#_type = :v0 OR ("));
        // Reads by key: the same rule after reading.
        let wire = |pairs: &[(&str, &str)]| {
            crate::codec::wire::WireItem::from_pairs(
                pairs
                    .iter()
                    .map(|(k, v)| (k.to_string(), Value::from(*v)))
                    .collect(),
            )
        };
        assert!(super::super::is_own(&ctx, &wire(&[("_type", "Session")])));
        assert!(!super::super::is_own(
            &ctx,
            &wire(&[("_type", "Line"), ("user_id", "u"), ("sid", "s")])
        ));
        assert!(super::super::is_own(
            &ctx,
            &wire(&[("user_id", "u"), ("sid", "s")])
        ));
        assert!(!super::super::is_own(
            &ctx,
            &wire(&[("user_id", "u"), ("line_id", "s")])
        ));
    }

    #[test]
    fn a_collection_keeps_every_members_items() {
        let mut ctx = Ctx::of::<Customer>().unwrap();
        ctx.collection = Some(&[Customer::SCHEMA, OrderItem::SCHEMA]);
        let r = query(
            &ctx,
            &crate::item!(Customer { customer_id: "c1" }),
            &opts![],
        )
        .unwrap();
        assert_eq!(
            r.filter.as_deref(),
            Some("attribute_not_exists(#_type) OR #_type IN (:v1, :v2)")
        );
        assert_eq!(r.exprs.values[":v1"], Value::from("Customer"));
        assert_eq!(r.exprs.values[":v2"], Value::from("OrderItem"));
    }

    #[test]
    fn index_reads_accept_items_whose_projection_dropped_the_type() {
        let r = q(&key(None, None), opts![include_expired: true]).unwrap();
        assert!(r.filter.unwrap().contains("attribute_exists("));
        let ctx = Ctx::of::<Order>().unwrap();
        let r = scan(&ctx, &opts![index_name: "StatusScore"], "scan").unwrap();
        assert_eq!(
            r.filter.as_deref(),
            Some("attribute_not_exists(#_type) OR #_type = :v0")
        );
        // A belongs_to child's key fields: the foreign key and its own.
        let r = scan(&Ctx::of::<OrderItem>().unwrap(), &opts![], "scan").unwrap();
        assert!(
            r.filter
                .unwrap()
                .ends_with("attribute_exists(#customer_id) AND attribute_exists(#line))")
        );
    }

    #[test]
    fn expired_items_are_filtered_unless_included() {
        let mut ctx = Ctx::of::<Session>().unwrap();
        ctx.now = crate::clock::Now::from_millis(1_700_000_000_999);
        let key = crate::item!(%Session{user_id: "u"});
        let r = query(&ctx, &key, &crate::opts![filter_expression: "sid <> :x", expression_attribute_values: %{":x" => "a"}]).unwrap();
        let f = r.filter.unwrap();
        assert!(
            f.starts_with("((sid <> :x) AND (NOT attribute_type(#expires_at, :v"),
            "{f}"
        );
        assert!(f.contains("OR #expires_at >= :v"), "{f}");
        assert!(
            r.exprs
                .values
                .values()
                .any(|v| v.as_i64() == Some(1_700_000_000))
        );
        let r = query(&ctx, &key, &crate::opts![include_expired: true]).unwrap();
        assert!(!r.filter.unwrap().contains("expires_at"));
        let r = scan(&ctx, &crate::opts![], "scan").unwrap();
        assert!(r.filter.unwrap().starts_with("(NOT attribute_type("));
        // Reads by key leave the expired out after reading.
        let expired = crate::item!(%Session{user_id: "u", sid: "s", expires_at: 1_699_999_999i64});
        let live = crate::item!(%Session{user_id: "u", sid: "s", expires_at: 1_700_000_000i64});
        let forever = crate::item!(%Session{user_id: "u", sid: "s"});
        assert!(super::super::is_expired(&ctx, &expired, &crate::opts![]));
        assert!(!super::super::is_expired(
            &ctx,
            &expired,
            &crate::opts![include_expired: true]
        ));
        assert!(!super::super::is_expired(&ctx, &live, &crate::opts![]));
        assert!(!super::super::is_expired(&ctx, &forever, &crate::opts![]));
        // DynamoDB never expires an item more than five years past its time
        // (an integer field left at 0, say): neither does the crate.
        let five_years = 157_788_000i64;
        for (t, expired) in [
            (0, false),
            (1_700_000_000 - five_years - 1, false),
            (1_700_000_000 - five_years, true),
        ] {
            let item = crate::item!(%Session{user_id: "u", sid: "s", expires_at: t});
            assert_eq!(
                super::super::is_expired(&ctx, &item, &crate::opts![]),
                expired,
                "{t}"
            );
        }
        let r = scan(&ctx, &crate::opts![], "scan").unwrap();
        let f = r.filter.unwrap();
        assert!(f.contains("OR #expires_at < :v"), "{f}");
        assert!(
            r.exprs
                .values
                .values()
                .any(|v| v.as_i64() == Some(1_700_000_000 - five_years)),
            "{:?}",
            r.exprs
        );
    }

    crate::dynamo_item! {
        #[derive(Debug, Clone, PartialEq)]
        pub struct Order {
            table_name "orders";
            field :tenant_id;
            field :customer_id;
            field :order_date;
            field :order_id;
            field :status;
            field :email: Option<String>;
            field :score: Option<f64>;
            field :total: f64;
            partition_key [:tenant_id, :customer_id];
            sort_key [:order_date, :order_id];
            global_secondary_index "EmailIndex", partition_key: :email;
            global_secondary_index "StatusScore", partition_key: :status, sort_key: :score;
        }
    }

    crate::dynamo_item! {
        #[derive(Debug, Clone, PartialEq)]
        pub struct Customer {
            table_name "shop";
            field :customer_id, partition_key;
            field :name;
        }
    }

    crate::dynamo_item! {
        #[derive(Debug, Clone, PartialEq)]
        pub struct OrderItem {
            table_name "shop";
            field :customer_id;
            field :line: Option<String>, sort_key;
            belongs_to :customer, Customer;
        }
    }

    crate::dynamo_item! {
        #[derive(Debug, Clone, PartialEq)]
        pub struct Memo {
            table_name "shop";
            field :customer_id;
            field :text: String;
            belongs_to :customer, Customer;
        }
    }

    fn ctx<T: Schema>() -> Ctx {
        Ctx::of::<T>().unwrap()
    }

    fn key(date: Option<&str>, id: Option<&str>) -> Order {
        let mut o = item!(Order {
            tenant_id: "t1",
            customer_id: "c1"
        });
        if let Some(d) = date {
            o.order_date = Value::from(d);
        }
        if let Some(i) = id {
            o.order_id = Value::from(i);
        }
        o
    }

    /// The key condition with placeholders replaced by their values.
    fn plain(r: &Read) -> String {
        let mut c = r.key_condition.clone().unwrap_or_default();
        for (k, v) in &r.exprs.names {
            c = c.replace(k.as_str(), v);
        }
        let mut values: Vec<_> = r.exprs.values.iter().collect();
        values.sort_by_key(|(k, _)| std::cmp::Reverse(k.len()));
        for (k, v) in values {
            let text = match v {
                Value::String(s) => format!("'{s}'"),
                Value::Number(n) => n.as_str().to_owned(),
                other => format!("{other:?}"),
            };
            c = c.replace(k.as_str(), &text);
        }
        c
    }

    fn q(k: &Order, o: Opts) -> Result<Read> {
        query(&ctx::<Order>(), k, &o)
    }

    #[test]
    fn partition_only_when_no_sort_field_is_set() {
        let r = q(&key(None, None), opts![]).unwrap();
        assert_eq!(plain(&r), "pk = 't1#c1'");
        assert_eq!(r.table, "orders");
        assert!(r.index.is_none());
    }

    #[test]
    fn every_sort_field_set_is_equality() {
        let r = q(&key(Some("2024-01-15"), Some("o1")), opts![]).unwrap();
        assert_eq!(plain(&r), "pk = 't1#c1' AND sk = '2024-01-15#o1'");
    }

    #[test]
    fn a_partial_key_is_a_prefix_with_the_separator() {
        let r = q(&key(Some("2024-01"), None), opts![]).unwrap();
        assert_eq!(plain(&r), "pk = 't1#c1' AND begins_with(sk, '2024-01#')");
    }

    #[test]
    fn explicit_operators_apply_to_the_built_key() {
        for (op, text) in [
            (SkOperator::Gte, "sk >= '2024-01-01'"),
            (SkOperator::Lt, "sk < '2024-01-01'"),
            (SkOperator::Lte, "sk <= '2024-01-01'"),
            (SkOperator::Gt, "sk > '2024-01-01'"),
            (SkOperator::Eq, "sk = '2024-01-01'"),
            (SkOperator::BeginsWith, "begins_with(sk, '2024-01-01')"),
        ] {
            let r = q(&key(Some("2024-01-01"), None), Opts::new().sk_operator(op)).unwrap();
            assert_eq!(plain(&r), format!("pk = 't1#c1' AND {text}"), "{op:?}");
        }
    }

    #[test]
    fn between_replaces_the_last_set_field() {
        let r = q(
            &key(Some("2024-01-01"), None),
            opts![sk_operator: :between, sk_end: "2024-12-31"],
        )
        .unwrap();
        assert_eq!(
            plain(&r),
            "pk = 't1#c1' AND sk BETWEEN '2024-01-01' AND '2024-12-31'"
        );
        let r = q(
            &key(Some("2024-01-01"), Some("a")),
            opts![sk_operator: :between, sk_end: "z"],
        )
        .unwrap();
        assert_eq!(
            plain(&r),
            "pk = 't1#c1' AND sk BETWEEN '2024-01-01#a' AND '2024-01-01#z'"
        );
    }

    #[test]
    fn between_without_sk_end_or_sk_end_alone() {
        let e = q(&key(Some("a"), None), opts![sk_operator: :between]).unwrap_err();
        assert!(e.message().contains("needs `sk_end`"), "{}", e.message());
        let e = q(&key(Some("a"), None), opts![sk_end: "b"]).unwrap_err();
        assert!(e.message().contains("only applies with"), "{}", e.message());
        let e = q(
            &key(Some("a"), None),
            opts![sk_operator: :between, sk_end: Value::List(vec![])],
        )
        .unwrap_err();
        assert_eq!(e.field(), Some("sk_end"));
    }

    #[test]
    fn an_operator_needs_a_sort_value() {
        let e = q(&key(None, None), opts![sk_operator: :gte]).unwrap_err();
        assert!(
            e.message().contains("needs a sort key value"),
            "{}",
            e.message()
        );
    }

    #[test]
    fn unsupported_sort_values_are_errors_naming_the_field() {
        // First field: the query used to panic; now every value that cannot
        // be in a key is a ValidationError naming the field.
        for bad in [
            Value::from(f64::NAN),
            Value::from(f64::INFINITY),
            Value::List(vec![Value::from(1)]),
            Value::Map(Default::default()),
            Value::Binary(vec![1]),
            Value::StringSet(["a".to_owned()].into()),
        ] {
            let mut k = key(None, None);
            k.order_date = bad.clone();
            for o in [
                opts![],
                opts![sk_operator: :gte],
                opts![sk_operator: :between, sk_end: "z"],
            ] {
                let e = q(&k, o).unwrap_err();
                assert_eq!(e.kind(), ErrorKind::ValidationError, "{bad:?}");
                assert_eq!(e.field(), Some("order_date"), "{bad:?}: {}", e.message());
            }
        }
        // A later field: refused, never silently dropped from the key.
        let mut k = key(Some("2024"), None);
        k.order_id = Value::List(vec![]);
        let e = q(&k, opts![]).unwrap_err();
        assert_eq!(e.field(), Some("order_id"), "{}", e.message());
    }

    #[test]
    fn unset_partition_field_is_named() {
        let k = item!(Order { tenant_id: "t1" });
        let e = q(&k, opts![]).unwrap_err();
        assert_eq!(e.field(), Some("customer_id"));
    }

    #[test]
    fn a_table_without_sort_key_refuses_sort_options() {
        let k = item!(Customer { customer_id: "c1" });
        let c = ctx::<Customer>();
        let e = query(&c, &k, &opts![sk_operator: :gte]).unwrap_err();
        assert!(e.message().contains("has no sort key"), "{}", e.message());
        let e = query(&c, &k, &opts![sk_end: "x"]).unwrap_err();
        assert!(e.message().contains("has no sort key"), "{}", e.message());
        assert_eq!(plain(&query(&c, &k, &opts![]).unwrap()), "pk = 'c1'");
    }

    crate::dynamo_item! {
        #[derive(Debug, Clone, PartialEq)]
        pub struct Ranked {
            table_name "ranked";
            field :id: String, partition_key;
            field :board: String;
            field :score: std::option::Option<i64>;
            global_secondary_index "ByScore", partition_key: :board, sort_key: :score;
        }
    }

    #[test]
    fn an_option_written_with_its_path_at_zero_is_set() {
        // `Some(0)` in a `std::option::Option<i64>` was taken for a plain
        // number's untouched 0, and the `= 0` condition dropped.
        let c = ctx::<Ranked>();
        let k = item!(Ranked {
            board: "b",
            score: Some(0)
        });
        assert_eq!(
            plain(&query(&c, &k, &opts![index_name: "ByScore"]).unwrap()),
            "board = 'b' AND score = 0"
        );
    }

    #[test]
    fn a_fields_type_is_known_by_its_own_name() {
        use crate::schema::type_head;
        for (written, head) in [
            ("Option<i64>", "Option"),
            ("std::option::Option<i64>", "Option"),
            ("core :: option :: Option < i64 >", "Option"),
            ("Value", "Value"),
            ("dynamo::Value", "Value"),
            ("i64", "i64"),
            ("Vec<Option<i64>>", "Vec"),
        ] {
            assert_eq!(type_head(written), head, "{written}");
        }
    }

    #[test]
    fn belongs_to_children_stay_within_their_prefix() {
        let c = ctx::<OrderItem>();
        let k = item!(OrderItem { customer_id: "c1" });
        assert_eq!(
            plain(&query(&c, &k, &opts![]).unwrap()),
            "pk = 'c1' AND begins_with(sk, 'orderitem#')"
        );
        let k = item!(OrderItem {
            customer_id: "c1",
            line: Some("l1".to_owned())
        });
        assert_eq!(
            plain(&query(&c, &k, &opts![]).unwrap()),
            "pk = 'c1' AND sk = 'orderitem#l1'"
        );
        let k = item!(OrderItem {
            customer_id: "c1",
            line: Some("l".to_owned())
        });
        assert_eq!(
            plain(&query(&c, &k, &opts![sk_operator: :between, sk_end: "m"]).unwrap()),
            "pk = 'c1' AND sk BETWEEN 'orderitem#l' AND 'orderitem#m'"
        );
        // `:begins_with` with no sort value: the prefix and its separator
        // (without it, `orderitemnote#…` of another kind matched too).
        let k = item!(OrderItem { customer_id: "c1" });
        assert_eq!(
            plain(&query(&c, &k, &opts![sk_operator: :begins_with]).unwrap()),
            "pk = 'c1' AND begins_with(sk, 'orderitem#')"
        );
        // A child without sort fields of its own has the bare prefix as its
        // one sort key.
        let c = ctx::<Memo>();
        let k = item!(Memo { customer_id: "c1" });
        assert_eq!(
            plain(&query(&c, &k, &opts![sk_operator: :begins_with]).unwrap()),
            "pk = 'c1' AND sk = 'memo'"
        );
    }

    #[test]
    fn a_childs_one_sided_range_stays_within_its_kind() {
        let c = ctx::<OrderItem>();
        let k = item!(OrderItem {
            customer_id: "c1",
            line: Some("l5".to_owned())
        });
        let top = greatest_key_from("orderitem#");
        let below = key_before("orderitem#l5").unwrap();
        let show = |op| {
            plain(&query(&c, &k, &opts![sk_operator: op]).unwrap())
                .replace(&top, "TOP")
                .replace(&below, "BELOW")
        };
        use SkOperator::*;
        assert_eq!(
            show(Gt),
            "pk = 'c1' AND sk BETWEEN 'orderitem#l5\0' AND 'TOP'"
        );
        assert_eq!(
            show(Gte),
            "pk = 'c1' AND sk BETWEEN 'orderitem#l5' AND 'TOP'"
        );
        assert_eq!(
            show(Lt),
            "pk = 'c1' AND sk BETWEEN 'orderitem#' AND 'BELOW'"
        );
        assert_eq!(
            show(Lte),
            "pk = 'c1' AND sk BETWEEN 'orderitem#' AND 'orderitem#l5'"
        );
        assert_eq!(show(Eq), "pk = 'c1' AND sk = 'orderitem#l5'");
        // A bound longer than any key keeps its operator (the type filter
        // still holds other kinds back).
        let long = item!(OrderItem {
            customer_id: "c1",
            line: Some("x".repeat(1100))
        });
        let r = query(&c, &long, &opts![sk_operator: :gt]).unwrap();
        assert!(plain(&r).starts_with("pk = 'c1' AND sk > 'orderitem#xxx"));
    }

    #[test]
    fn the_keys_next_to_a_key_leave_nothing_between() {
        assert_eq!(greatest_key_from("a#").len(), MAX_SORT_KEY_BYTES);
        // 1022 bytes of room: 255 × U+10FFFF, then U+07FF in the last two.
        assert!(greatest_key_from("a#").ends_with("\u{10FFFF}\u{7FF}"));
        assert!(greatest_key_from(&"a".repeat(1021)).ends_with('\u{FFFF}'));
        assert_eq!(key_after("ab").as_deref(), Some("ab\0"));
        assert_eq!(key_before("a\0").as_deref(), Some("a"));
        // At the size limit, the next key changes a character instead.
        let full = "a".repeat(MAX_SORT_KEY_BYTES);
        assert_eq!(key_after(&full), Some(format!("{}b", &full[1..])));
        let edge = format!("{}\u{7F}", &full[1..]);
        assert_eq!(key_after(&edge), Some(format!("{}b", &full[2..])));
        assert_eq!(key_after(&"\u{10FFFF}".repeat(256)), None);
        // Every short string over an alphabet of boundary characters lies
        // on the right side of each bound: above `s` exactly when at or
        // above `key_after(s)`, below exactly when at or below `key_before`.
        let alphabet = [
            "\0",
            "a",
            "b",
            "\u{7F}",
            "\u{80}",
            "\u{D7FF}",
            "\u{E000}",
            "\u{FFFF}",
            "\u{10FFFF}",
        ];
        let mut strings = vec![String::new()];
        for _ in 0..3 {
            let longer: Vec<String> = strings
                .iter()
                .flat_map(|s| alphabet.iter().map(move |c| format!("{s}{c}")))
                .collect();
            strings.extend(longer);
        }
        strings.sort();
        strings.dedup();
        for s in strings.iter().filter(|s| !s.is_empty()) {
            let after = key_after(s).unwrap();
            let before = key_before(s).unwrap();
            assert!(before.len() <= MAX_SORT_KEY_BYTES && after.len() <= MAX_SORT_KEY_BYTES);
            for k in &strings {
                assert_eq!(k > s, *k >= after, "{s:?} {k:?}");
                assert_eq!(k < s, *k <= before, "{s:?} {k:?}");
            }
        }
    }

    #[test]
    fn gsi_rules() {
        let mut k = key(None, None);
        let e = q(&k, opts![index_name: "Nope"]).unwrap_err();
        assert!(
            e.message()
                .contains("Available indexes: EmailIndex, StatusScore"),
            "{}",
            e.message()
        );
        let e = q(&k, opts![index_name: "EmailIndex"]).unwrap_err();
        assert_eq!(e.field(), Some("email"));
        k.email = Some("a@b".into());
        let r = q(&k, opts![index_name: "EmailIndex"]).unwrap();
        assert_eq!(plain(&r), "email = 'a@b'");
        assert_eq!(r.index.as_deref(), Some("EmailIndex"));
        let e = q(&k, opts![index_name: "EmailIndex", sk_operator: :gt]).unwrap_err();
        assert!(
            e.message().contains("does not have a sort key"),
            "{}",
            e.message()
        );
        let e = q(&k, opts![index_name: "EmailIndex", consistent_read: true]).unwrap_err();
        assert!(e.message().contains("Consistent reads"), "{}", e.message());

        k.status = Value::from("PAID");
        let e = q(&k, opts![index_name: "StatusScore", sk_operator: :gt]).unwrap_err();
        assert_eq!(e.field(), Some("score"));
        k.score = Some(5.0);
        let r = q(&k, opts![index_name: "StatusScore", sk_operator: :gt]).unwrap();
        assert_eq!(plain(&r), "status = 'PAID' AND score > 5");
        let e = q(
            &k,
            opts![index_name: "StatusScore", sk_operator: :begins_with],
        )
        .unwrap_err();
        assert!(
            e.message().contains("needs a string sort key"),
            "{}",
            e.message()
        );
        let r = q(
            &k,
            opts![index_name: "StatusScore", sk_operator: :between, sk_end: 10],
        )
        .unwrap();
        assert_eq!(plain(&r), "status = 'PAID' AND score BETWEEN 5 AND 10");
        k.score = Some(f64::NAN);
        let e = q(&k, opts![index_name: "StatusScore"]).unwrap_err();
        assert_eq!(e.field(), Some("score"), "{}", e.message());
        k.status = Value::List(vec![]);
        let e = q(&k, opts![index_name: "StatusScore"]).unwrap_err();
        assert_eq!(e.field(), Some("status"), "{}", e.message());
    }

    #[test]
    fn options_outside_a_query_are_refused() {
        let e = q(&key(None, None), opts![segments: 2]).unwrap_err();
        assert!(
            e.message().contains("`segments` does not apply to query;"),
            "{}",
            e.message()
        );
    }

    #[test]
    fn filters_projections_and_selects() {
        let r = q(
            &key(None, None),
            opts![
                filter_expression: "status = :s",
                projection_expression: "order_id, total",
                expression_attribute_values: {":s" => "PAID"},
            ],
        )
        .unwrap();
        // `status` is a reserved word: it got a placeholder.
        let f = r.filter.unwrap();
        assert!(f.starts_with("(#") && f.contains(" = :s) AND ("), "{f}");
        // The key attributes are always projected.
        // `total` is reserved too.
        let p = r.projection.unwrap();
        assert!(p.starts_with("order_id, #total, "), "{p}");
        assert_eq!(r.exprs.values[":s"], Value::from("PAID"));
        let e = q(&key(None, None), opts![select: :specific_attributes]).unwrap_err();
        assert!(e.message().contains("needs a `projection_expression`"));
        let e = q(&key(None, None), opts![select: :all_projected_attributes]).unwrap_err();
        assert!(e.message().contains("only applies with `index_name`"));
        let e = q(
            &key(None, None),
            opts![select: :count, projection_expression: "order_id"],
        )
        .unwrap_err();
        assert!(e.message().contains("cannot be combined"));
        let e = q(
            &key(None, None),
            opts![expression_attribute_values: {":x" => 1}],
        )
        .unwrap_err();
        assert!(
            e.message().contains("no expression uses it"),
            "{}",
            e.message()
        );
    }

    #[test]
    fn limits_and_pages() {
        assert_eq!(limit_of(&opts![limit: 10, page_size: 3]).unwrap(), Some(3));
        assert_eq!(limit_of(&opts![page_size: 7]).unwrap(), Some(7));
        assert_eq!(limit_of(&opts![]).unwrap(), None);
        assert!(limit_of(&opts![limit: 0]).is_err());
        assert_eq!(limit_of(&opts![limit: usize::MAX]).unwrap(), Some(u32::MAX));
        let start = std::collections::HashMap::from([
            ("pk".to_owned(), Value::from("x")),
            ("sk".to_owned(), Value::from("y")),
        ]);
        let r = q(
            &key(None, None),
            opts![exclusive_start_key: start, scan_index_forward: false],
        )
        .unwrap();
        let mut names: Vec<String> = r.start.unwrap().into_iter().map(|(k, _)| k).collect();
        names.sort();
        assert_eq!(names, ["pk", "sk"]);
        assert_eq!(r.forward, Some(false));
        // Half a key is refused, naming the option.
        let half = std::collections::HashMap::from([("pk".to_owned(), Value::from("x"))]);
        let e = q(&key(None, None), opts![exclusive_start_key: half]).unwrap_err();
        assert_eq!(e.field(), Some("exclusive_start_key"));
    }

    #[test]
    fn scans() {
        let c = ctx::<Order>();
        let r = scan(&c, &opts![limit: 5, consistent_read: true], "scan").unwrap();
        assert!(r.key_condition.is_none());
        assert!(r.consistent);
        assert_eq!(r.limit, Some(5));
        let e = scan(
            &c,
            &opts![index_name: "EmailIndex", consistent_read: true],
            "scan",
        )
        .unwrap_err();
        assert!(e.message().contains("Consistent reads"));
        let e = scan(&c, &opts![index_name: "X"], "scan").unwrap_err();
        assert!(e.message().contains("not found"));
        let e = scan(&c, &opts![sk_operator: :gte], "scan").unwrap_err();
        assert!(
            e.message().contains("does not apply to scan"),
            "{}",
            e.message()
        );
        let seg = segment(&r, 3, 8);
        assert_eq!(seg.segment, Some((3, 8)));
    }

    #[test]
    fn segment_counts() {
        assert_eq!(segments_of(&opts![]).unwrap(), 4);
        assert!(segments_of(&opts![segments: 0]).is_err());
        assert!(segments_of(&opts![segments: MAX_SEGMENTS + 1]).is_err());
        assert_eq!(segment_concurrency(&opts![], 8).unwrap(), 8);
        assert_eq!(segment_concurrency(&opts![], 1000).unwrap(), 64);
        assert_eq!(segment_concurrency(&opts![concurrency: 2], 8).unwrap(), 2);
        assert!(segment_concurrency(&opts![concurrency: 0], 8).is_err());
    }

    #[test]
    fn settings_come_from_the_context() {
        let mut c = ctx::<Order>();
        c.keys.settings.separator = "|".into();
        c.keys.settings.partition_key_name = "PK".into();
        let r = query(&c, &key(Some("d"), None), &opts![]).unwrap();
        assert_eq!(plain(&r), "PK = 't1|c1' AND begins_with(sk, 'd|')");
    }
}
