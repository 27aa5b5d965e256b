//! Building queries from a key struct and [`Opts`]: the key condition, the
//! GSI rules, and every check that can be made before a request is sent.
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
//! * `belongs_to` children with `sk_strategy: :prefix` always query within
//!   their own prefix (`"orderitem#…"`).
//! * GSI mistakes are `ValidationError`s before any request: unknown index
//!   (the message lists the schema's indexes), partition field unset, sort
//!   operator on an index without a sort key, sort operator with the index's
//!   sort field unset, `consistent_read` on a GSI.

use crate::client::{Exprs, ReadReq};
use crate::config;
use crate::error::{Error, Result};
use crate::expression::{ExprKind, Placeholders};
use crate::key::{self, KeyField};
use crate::opts::{Opts, Select, SkOperator};
use crate::schema::{Schema, SkStrategy};
use crate::value::Value;

/// The options a query accepts.
pub(crate) const QUERY_OPTS: &[&str] = &[
    "sk_operator",
    "sk_end",
    "scan_index_forward",
    "limit",
    "index_name",
    "consistent_read",
    "filter_expression",
    "projection_expression",
    "expression_attribute_names",
    "expression_attribute_values",
    "exclusive_start_key",
    "select",
    "page_size",
];

/// The options a scan accepts.
pub(crate) const SCAN_OPTS: &[&str] = &[
    "limit",
    "index_name",
    "consistent_read",
    "filter_expression",
    "projection_expression",
    "expression_attribute_names",
    "expression_attribute_values",
    "exclusive_start_key",
    "select",
    "page_size",
    "segments",
    "concurrency",
    "batch_size",
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
            let end = end.ok_or_else(|| {
                Error::validation("sk_operator `:between` needs `sk_end`, the upper bound (e.g. `sk_end: \"2024-12-31\"`)")
            })?;
            let e = ph.value(end);
            format!("{n} BETWEEN {v} AND {e}")
        }
        other => format!("{n} {} {v}", op_symbol(other)),
    })
}

/// The own sort-key fields of `key` and how many of them are set.
fn sort_fields_set<T: Schema>(key: &T) -> (usize, usize) {
    key.__sort_parts(|parts| (parts.len(), key::set_prefix_len(parts)))
}

/// The upper bound for `:between`: the sort key with the last set field's
/// value replaced by `end`.
fn between_end<T: Schema>(key: &T, end: &Value) -> Result<String> {
    let schema = T::SCHEMA;
    let end_part = crate::codec::Encode::key_part(end);
    if end_part.is_unset() || matches!(end_part, key::KeyPart::Unsupported(_)) {
        return Err(Error::validation(
            "`sk_end` must be a non-empty string, a number or a boolean",
        ));
    }
    config::with_sort_settings(&schema.options, |sep, prefix| {
        let own = key.__sort_parts(|parts| {
            let set = key::set_prefix_len(parts);
            if set == 0 {
                return None;
            }
            let mut replaced: Vec<KeyField<'_>> = parts[..set].to_vec();
            replaced[set - 1].part = end_part;
            key::sort_key(sep, prefix, &replaced)
        });
        let own = own.ok_or_else(|| {
            Error::validation(format!(
                "sk_operator `:between` needs the sort key's first field set in the key ({}), with `sk_end` as the upper bound of the last set field",
                schema.sort_key.join(", ")
            ))
        })?;
        Ok(match schema.placement() {
            Some(rel) if rel.sk_strategy == SkStrategy::Prefix => {
                key::prefixed(&schema.name.to_ascii_lowercase(), sep, Some(&own))
            }
            _ => own,
        })
    })
}

/// Builds the request for one page of a query on `key`'s partition.
pub(crate) fn build_query<T: Schema>(key: &T, opts: &Opts) -> Result<ReadReq> {
    opts.only("list_items/query_page", QUERY_OPTS)?;
    let schema = T::SCHEMA;
    let mut ph = Placeholders::with_user(
        &opts.expression_attribute_names,
        &opts.expression_attribute_values,
    )?;
    let key_condition = match &opts.index_name {
        None => table_key_condition(key, opts, &mut ph)?,
        Some(index) => index_key_condition(key, index, opts, &mut ph)?,
    };
    let filter = opts
        .filter_expression
        .as_deref()
        .map(|f| ph.user_expression("filter_expression", f, ExprKind::Condition))
        .transpose()?;
    let projection = opts
        .projection_expression
        .as_deref()
        .map(|p| ph.user_expression("projection_expression", p, ExprKind::Projection))
        .transpose()?
        .map(|p| with_key_attributes::<T>(p, &mut ph));
    ph.check_all_used()?;
    check_select(opts, projection.is_some())?;
    let (names, values) = ph.into_maps();
    Ok(ReadReq {
        table: schema.effective_table_name(),
        index: opts.index_name.clone(),
        key_condition: Some(key_condition),
        filter,
        projection,
        exprs: Exprs { names, values },
        limit: limit_of(opts)?,
        forward: opts.scan_index_forward,
        consistent: opts.consistent_read.filter(|c| *c),
        select: opts.select.map(Select::as_str),
        start: opts.exclusive_start_key.clone(),
        segment: None,
    })
}

fn limit_of(opts: &Opts) -> Result<Option<i64>> {
    let per_page = match (opts.limit, opts.page_size) {
        (Some(l), Some(p)) => Some(l.min(p)),
        (l, p) => l.or(p),
    };
    match per_page {
        Some(0) => Err(Error::validation(
            "`limit` and `page_size` must be at least 1",
        )),
        Some(n) => Ok(Some(n.min(i64::MAX as usize) as i64)),
        None => Ok(None),
    }
}

fn check_select(opts: &Opts, has_projection: bool) -> Result<()> {
    match opts.select {
        Some(Select::SpecificAttributes) if !has_projection => Err(Error::validation(
            "`select: :specific_attributes` needs a `projection_expression` naming the attributes",
        )),
        Some(Select::AllProjectedAttributes) if opts.index_name.is_none() => Err(
            Error::validation("`select: :all_projected_attributes` only applies with `index_name`"),
        ),
        Some(Select::Count | Select::AllAttributes) if has_projection => {
            Err(Error::validation(format!(
                "`select: :{}` cannot be combined with `projection_expression`",
                if opts.select == Some(Select::Count) {
                    "count"
                } else {
                    "all_attributes"
                }
            )))
        }
        _ => Ok(()),
    }
}

fn table_key_condition<T: Schema>(key: &T, opts: &Opts, ph: &mut Placeholders) -> Result<String> {
    let schema = T::SCHEMA;
    let settings = schema.key_settings();
    let pk = key.partition_key()?;
    let pk_cond = format!(
        "{} = {}",
        ph.name(&settings.partition_key_name),
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
    let prefix_child = matches!(schema.placement(), Some(r) if r.sk_strategy == SkStrategy::Prefix);
    let (n_fields, n_set) = sort_fields_set(key);
    let built = key.sort_key();
    let sk_attr = settings.sort_key_name.to_string();
    let sep = settings.separator.to_string();
    if opts.sk_end.is_some() && opts.sk_operator != Some(SkOperator::Between) {
        return Err(Error::validation(
            "`sk_end` only applies with `sk_operator: :between`",
        ));
    }
    let cond = match opts.sk_operator {
        None => {
            if n_set == 0 {
                if prefix_child && n_fields == 0 {
                    // A child without sort-key fields of its own has the
                    // bare relation name as its sort key: one per parent.
                    Some(sort_condition(
                        ph,
                        &sk_attr,
                        SkOperator::Eq,
                        Value::String(schema.name.to_ascii_lowercase()),
                        None,
                    )?)
                } else if prefix_child {
                    // Only this child type, within the parent's partition.
                    let prefix = format!("{}{sep}", schema.name.to_ascii_lowercase());
                    Some(sort_condition(
                        ph,
                        &sk_attr,
                        SkOperator::BeginsWith,
                        Value::String(prefix),
                        None,
                    )?)
                } else {
                    None
                }
            } else if n_set == n_fields {
                let b = built.expect("set fields give a key");
                Some(sort_condition(
                    ph,
                    &sk_attr,
                    SkOperator::Eq,
                    Value::String(b),
                    None,
                )?)
            } else {
                let b = format!("{}{sep}", built.expect("set fields give a key"));
                Some(sort_condition(
                    ph,
                    &sk_attr,
                    SkOperator::BeginsWith,
                    Value::String(b),
                    None,
                )?)
            }
        }
        Some(op) => {
            if n_set == 0 && !(prefix_child && op == SkOperator::BeginsWith) {
                return Err(Error::validation(format!(
                    "sk_operator `:{}` needs a sort key value: set the key's sort-key field(s) ({})",
                    op.as_str(),
                    schema.sort_key.join(", ")
                )));
            }
            let start = built.expect("a sort key is set");
            let end = match op {
                SkOperator::Between => {
                    let end = opts.sk_end.as_ref().ok_or_else(|| {
                        Error::validation("sk_operator `:between` needs `sk_end`, the upper bound (e.g. `sk_end: \"2024-12-31\"`)")
                    })?;
                    Some(Value::String(between_end(key, end)?))
                }
                _ => None,
            };
            Some(sort_condition(ph, &sk_attr, op, Value::String(start), end)?)
        }
    };
    Ok(match cond {
        Some(c) => format!("{pk_cond} AND {c}"),
        None => pk_cond,
    })
}

fn index_key_condition<T: Schema>(
    key: &T,
    index_name: &str,
    opts: &Opts,
    ph: &mut Placeholders,
) -> Result<String> {
    let schema = T::SCHEMA;
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
    let pk_value = key.field_value(index.partition_key).unwrap_or(Value::Null);
    if pk_value.is_unset() {
        return Err(Error::validation(format!(
            "GSI '{index_name}' requires field '{}' to be populated",
            index.partition_key
        ))
        .with_field(index.partition_key));
    }
    let pk_cond = format!("{} = {}", ph.name(index.partition_key), ph.value(pk_value));
    let Some(sk_field) = index.sort_key else {
        if opts.sk_operator.is_some() || opts.sk_end.is_some() {
            return Err(Error::validation(format!(
                "GSI '{index_name}' does not have a sort key but sort operation was requested"
            )));
        }
        return Ok(pk_cond);
    };
    let sk_value = key.field_value(sk_field).unwrap_or(Value::Null);
    if opts.sk_end.is_some() && opts.sk_operator != Some(SkOperator::Between) {
        return Err(Error::validation(
            "`sk_end` only applies with `sk_operator: :between`",
        ));
    }
    let cond = match opts.sk_operator {
        None if sk_value.is_unset() => None,
        None => Some(sort_condition(
            ph,
            sk_field,
            SkOperator::Eq,
            sk_value,
            None,
        )?),
        Some(op) => {
            if sk_value.is_unset() {
                return Err(Error::validation(format!(
                    "GSI '{index_name}' sort operation requires field '{sk_field}' to be populated"
                ))
                .with_field(sk_field));
            }
            if op == SkOperator::BeginsWith
                && !matches!(sk_value, Value::String(_) | Value::Binary(_))
            {
                return Err(Error::validation(format!(
                    "sk_operator `:begins_with` needs a string sort key, but field '{sk_field}' holds a {} value",
                    sk_value.type_name()
                )));
            }
            let end = match op {
                SkOperator::Between => Some(opts.sk_end.clone().ok_or_else(|| {
                    Error::validation("sk_operator `:between` needs `sk_end`, the upper bound (e.g. `sk_end: 1000`)")
                })?),
                _ => None,
            };
            Some(sort_condition(ph, sk_field, op, sk_value, end)?)
        }
    };
    Ok(match cond {
        Some(c) => format!("{pk_cond} AND {c}"),
        None => pk_cond,
    })
}

/// Adds the table's key attributes to a projection, so items read with a
/// projection still know their key (and the key fields can be recovered).
pub(crate) fn with_key_attributes<T: Schema>(projection: String, ph: &mut Placeholders) -> String {
    let schema = T::SCHEMA;
    let settings = schema.key_settings();
    let mut p = projection;
    let sk = schema
        .has_sort_key()
        .then(|| settings.sort_key_name.to_string());
    for attr in std::iter::once(settings.partition_key_name.to_string()).chain(sk) {
        let n = ph.name(&attr);
        p.push_str(", ");
        p.push_str(&n);
    }
    p
}

/// Builds the request for one page of a scan.
pub(crate) fn build_scan<T: Schema>(opts: &Opts, operation: &str) -> Result<ReadReq> {
    opts.only(operation, SCAN_OPTS)?;
    let schema = T::SCHEMA;
    if let Some(index) = &opts.index_name {
        if schema.index(index).is_none() {
            return Err(Error::validation(format!(
                "GSI '{index}' not found. Available indexes: {}",
                schema.index_names()
            )));
        }
        if opts.consistent_read == Some(true) {
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
    let projection = opts
        .projection_expression
        .as_deref()
        .map(|p| ph.user_expression("projection_expression", p, ExprKind::Projection))
        .transpose()?
        .map(|p| with_key_attributes::<T>(p, &mut ph));
    ph.check_all_used()?;
    check_select(opts, projection.is_some())?;
    let (names, values) = ph.into_maps();
    Ok(ReadReq {
        table: schema.effective_table_name(),
        index: opts.index_name.clone(),
        key_condition: None,
        filter,
        projection,
        exprs: Exprs { names, values },
        limit: limit_of(opts)?,
        forward: None,
        consistent: opts.consistent_read.filter(|c| *c),
        select: opts.select.map(Select::as_str),
        start: opts.exclusive_start_key.clone(),
        segment: None,
    })
}
