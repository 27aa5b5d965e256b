//! UpdateItem plans: the `updates!` operators rendered as a DynamoDB
//! update expression with generated `#name`/`:value` placeholders, the key
//! fields an update may not change, and the key fields set on an upsert.

use std::collections::BTreeMap;

use super::{Ctx, VersionCheck, only};
use crate::codec::size::{check_value, value_size};
use crate::codec::{DecodeError, MAX_ITEM_SIZE, ScalarType};
use crate::error::{Error, Result};
use crate::expression::{ExprKind, Placeholders};
use crate::opts::{Opt, Opts};
use crate::request::{Exprs, ReturnValues, UpdateItem};
use crate::schema::{Schema, SchemaDef};
use crate::update::{UpdateOp, Updates};
use crate::value::{Number, Value};

/// The options of a write with a condition.
pub(crate) const WRITE_OPTS: &[Opt] = &[
    Opt::ConditionExpression,
    Opt::ExpressionAttributeNames,
    Opt::ExpressionAttributeValues,
];

/// The options of an update: a write's, and an update written by hand.
pub(crate) const UPDATE_OPTS: &[Opt] = &[
    Opt::ConditionExpression,
    Opt::ExpressionAttributeNames,
    Opt::ExpressionAttributeValues,
    Opt::UpdateExpression,
];

/// Renders the update expression, registering names and values in
/// `ph`. `key_fields` are the attributes that may not change (the
/// primary key and the fields it is built from); `fields`, when given,
/// are the schema's fields, and a change to any other attribute is
/// refused.
pub(crate) fn render(
    updates: &Updates,
    ph: &mut Placeholders,
    key_fields: &[&str],
    fields: Option<&[&str]>,
) -> Result<String> {
    if updates.is_empty() {
        return Err(Error::validation(
            "updates!{} is empty: give at least one field to change",
        ));
    }
    let mut set: Vec<String> = Vec::new();
    let mut remove: Vec<String> = Vec::new();
    let mut seen: BTreeMap<&str, ()> = BTreeMap::new();
    for (field, op) in updates.actions() {
        if seen.insert(field.as_str(), ()).is_some() {
            return Err(Error::validation(format!(
                "updates!: field `{field}` is changed twice; give it once"
            ))
            .with_field(field));
        }
        if key_fields.contains(&field.as_str()) {
            return Err(Error::validation(format!(
                "updates!: field `{field}` is part of the primary key and cannot be updated; \
                 delete the item and put a new one instead"
            ))
            .with_field(field));
        }
        if let Some(fields) = fields
            && !fields.contains(&field.as_str())
        {
            return Err(Error::validation(format!(
                "updates!: `{field}` is not a field of this schema; fields are: {}",
                fields.join(", ")
            ))
            .with_field(field));
        }
        let n = ph.name(field);
        let number = |v: &Value, what: &str| -> Result<Number> {
            match v {
                Value::Number(n) => Ok(n.clone()),
                other => Err(Error::validation(format!(
                    "updates!: `{{:{what}, n}}` on field `{field}` needs a number, found a {} value",
                    other.type_name()
                ))
                .with_field(field)),
            }
        };
        let list = |v: &Value, what: &str| -> Result<()> {
            match v {
                Value::List(_) => Ok(()),
                other => Err(Error::validation(format!(
                    "updates!: `{{:{what}, list}}` on field `{field}` needs a list, found a {} value",
                    other.type_name()
                ))
                .with_field(field)),
            }
        };
        match op {
            UpdateOp::Set(Value::Null) | UpdateOp::Remove => remove.push(n),
            UpdateOp::Set(v) => {
                let v = ph.value(v.clone());
                set.push(format!("{n} = {v}"));
            }
            UpdateOp::Increment(v) | UpdateOp::Decrement(v) => {
                let what = if matches!(op, UpdateOp::Increment(_)) {
                    "increment"
                } else {
                    "decrement"
                };
                let num = number(v, what)?;
                let zero = ph.value(Value::Number(Number::from(0)));
                let v = ph.value(Value::Number(num));
                let sign = if what == "increment" { '+' } else { '-' };
                set.push(format!("{n} = if_not_exists({n}, {zero}) {sign} {v}"));
            }
            UpdateOp::Append(v) | UpdateOp::Prepend(v) => {
                let what = if matches!(op, UpdateOp::Append(_)) {
                    "append"
                } else {
                    "prepend"
                };
                list(v, what)?;
                let empty = ph.value(Value::List(Vec::new()));
                let v = ph.value(v.clone());
                if what == "append" {
                    set.push(format!(
                        "{n} = list_append(if_not_exists({n}, {empty}), {v})"
                    ));
                } else {
                    set.push(format!(
                        "{n} = list_append({v}, if_not_exists({n}, {empty}))"
                    ));
                }
            }
            UpdateOp::IfNotExists(Value::Null) => {
                return Err(Error::validation(format!(
                    "updates!: `{{:if_not_exists, None}}` on field `{field}` would store a null \
                     where the field is missing; leave the field out to keep it as it is, or \
                     `{field}: None` to remove it"
                ))
                .with_field(field));
            }
            UpdateOp::IfNotExists(v) => {
                let v = ph.value(v.clone());
                set.push(format!("{n} = if_not_exists({n}, {v})"));
            }
        }
    }
    let mut expr = String::new();
    if !set.is_empty() {
        expr.push_str("SET ");
        expr.push_str(&set.join(", "));
    }
    if !remove.is_empty() {
        if !expr.is_empty() {
            expr.push(' ');
        }
        expr.push_str("REMOVE ");
        expr.push_str(&remove.join(", "));
    }
    Ok(expr)
}

/// Everything needed to render an update for one item, without the item's
/// type: the schema, the attributes that may not change, and the key
/// fields' values (set too, so an upserted item is whole).
#[derive(Clone, Debug)]
pub(crate) struct UpdatePlan {
    schema: &'static SchemaDef,
    /// The schema type's check of a field's value.
    accepts: Accepts,
    frozen: Vec<String>,
    key_values: Vec<(&'static str, Value)>,
    /// A versioned schema: the version the key carries (the stored item
    /// must have it; the update stores the next one).
    pub(crate) version: Option<VersionCheck>,
    /// `timestamps;`: the time to write (`updated_at` always, `inserted_at`
    /// when the update creates the item).
    stamp: Option<String>,
}

impl UpdatePlan {
    pub(crate) fn new<T: Schema>(ctx: &Ctx, key: &T) -> Result<UpdatePlan> {
        super::check_key_field_types(ctx)?;
        let schema = ctx.schema;
        let settings = &ctx.keys.settings;
        let frozen = schema.frozen_fields(settings);
        let key_values: Vec<(&'static str, Value)> = schema
            .fields
            .iter()
            .map(|f| f.name)
            .filter(|f| frozen.iter().any(|z| z == f))
            // A field named like a key attribute *is* the key attribute.
            .filter(|f| *f != &*settings.partition_key_name && *f != &*settings.sort_key_name)
            // Written below.
            .filter(|f| Some(*f) != schema.version)
            .filter_map(|f| key.field_value(f).filter(|v| !v.is_unset()).map(|v| (f, v)))
            .collect();
        // The key fields an update that creates the item writes: held to
        // the rules of an index they are a key of, as a put holds them.
        for (index_name, field) in schema.index_key_fields() {
            for (f, v) in &key_values {
                if *f == field {
                    super::index_key_value(schema, index_name, f, v, "")?;
                }
            }
        }
        let version = super::version_of(ctx, key)?;
        if let Some(v) = &version
            && !T::__version_fits(v.expected + 1)
        {
            return Err(v.at_its_limit());
        }
        Ok(UpdatePlan {
            schema,
            accepts: T::__field_accepts,
            frozen,
            key_values,
            version,
            stamp: schema.timestamps.then(|| ctx.now.rfc3339()),
        })
    }

    /// Renders `updates`, or the update written by hand (`expression`,
    /// the `update_expression` option), and an optional condition: the
    /// update expression, the condition, and their placeholders.
    pub(crate) fn render(
        &self,
        updates: &Updates,
        expression: Option<&str>,
        condition: Option<&str>,
        names: &BTreeMap<String, String>,
        values: &BTreeMap<String, Value>,
    ) -> Result<(String, Option<String>, Exprs)> {
        updates.check_encoded()?;
        let mut ph = Placeholders::with_user(names, values)?;
        let mut update = match expression {
            None => {
                self.check_managed(updates)?;
                let frozen_refs: Vec<&str> = self.frozen.iter().map(String::as_str).collect();
                let fields: Vec<&str> = self.schema.fields.iter().map(|f| f.name).collect();
                check_index_updates(self.schema, updates)?;
                check_size(&self.key_values, updates)?;
                check_field_types(self.schema, self.accepts, updates)?;
                render(updates, &mut ph, &frozen_refs, Some(&fields))?
            }
            Some(expression) => self.render_hand_written(updates, expression, &mut ph)?,
        };
        let mut sets: Vec<String> = self
            .key_values
            .iter()
            .map(|(f, v)| {
                let n = ph.name(f);
                let v = ph.value(v.clone());
                format!("{n} = if_not_exists({n}, {v})")
            })
            .collect();
        let cond = condition
            .map(|c| ph.user_expression("condition_expression", c, ExprKind::Condition))
            .transpose()?;
        ph.check_all_used()?;
        // The type attribute, so an item the update creates is read back as
        // this schema's.
        let t = ph.name(self.schema.type_attribute());
        let tv = ph.value(Value::String(self.schema.type_name().to_owned()));
        sets.push(format!("{t} = {tv}"));
        if let Some(v) = &self.version {
            let n = ph.name(v.attr);
            let next = ph.value(Value::Number(Number::from(v.expected + 1)));
            sets.push(format!("{n} = {next}"));
        }
        if let Some(now) = &self.stamp {
            let now = ph.value(Value::String(now.clone()));
            let u = ph.name(self.schema.updated_at_attribute());
            let i = ph.name(self.schema.inserted_at_attribute());
            sets.push(format!("{u} = {now}"));
            sets.push(format!("{i} = if_not_exists({i}, {now})"));
        }
        if !sets.is_empty() {
            update = if let Some(rest) = update.strip_prefix("SET ") {
                format!("SET {}, {rest}", sets.join(", "))
            } else {
                format!("SET {} {update}", sets.join(", "))
            };
        }
        let version = self.version.as_ref().map(|v| v.condition(&mut ph));
        let counters = match expression {
            None => counter_guards(self.schema, updates)
                .iter()
                .map(|g| g.condition(&mut ph))
                .fold(None, |all, c| super::and(all, Some(c))),
            Some(_) => None,
        };
        Ok((
            update,
            super::and(super::and(cond, version), counters),
            ph.into_exprs(),
        ))
    }

    /// The counter guards of `updates` (see [`CounterGuard`]).
    pub(crate) fn counter_guards(&self, updates: &Updates) -> Vec<CounterGuard> {
        counter_guards(self.schema, updates)
    }

    /// The attributes the crate writes itself may not be changed by hand.
    fn check_managed(&self, updates: &Updates) -> Result<()> {
        for (field, _) in updates.actions() {
            if let Some(why) = self.managed(field) {
                return Err(Error::validation(format!(
                    "updates!: field `{field}` {why}; leave it out"
                ))
                .with_field(field));
            }
        }
        Ok(())
    }

    /// Why the crate keeps `attribute` itself, if it does.
    fn managed(&self, attribute: &str) -> Option<&'static str> {
        if self.schema.version == Some(attribute) {
            Some("is the schema's `version`, which the crate counts up on every write")
        } else if attribute == self.schema.type_attribute() {
            Some("is the schema's type attribute, which the crate writes on every write")
        } else if self.schema.timestamps
            && (attribute == self.schema.inserted_at_attribute()
                || attribute == self.schema.updated_at_attribute()
                || attribute == "inserted_at"
                || attribute == "updated_at")
        {
            Some("is a timestamp, which the crate sets on every write")
        } else {
            None
        }
    }

    /// An update written by hand: checked (placeholders defined, reserved
    /// words escaped, each clause once, no change to the key or to what
    /// the crate writes itself) and rendered with its `SET` clause first,
    /// so the crate's own actions can join it.
    fn render_hand_written(
        &self,
        updates: &Updates,
        expression: &str,
        ph: &mut Placeholders,
    ) -> Result<String> {
        if !updates.is_empty() {
            return Err(Error::validation(
                "update_item: the changes come from updates!{…} or from update_expression, \
                 not both; pass updates!{} with update_expression, or leave update_expression out",
            ));
        }
        let rewritten = ph.user_expression("update_expression", expression, ExprKind::Update)?;
        let clauses = clauses(&rewritten)?;
        for (keyword, actions) in &clauses {
            for action in actions {
                let attribute = ph.attribute(target(action));
                let why = self.managed(attribute).or_else(|| {
                    self.frozen.iter().any(|f| f == attribute).then_some(
                        "is part of the primary key (or a field it is built from) and cannot \
                         be updated; delete the item and put a new one instead",
                    )
                });
                if let Some(why) = why {
                    return Err(Error::validation(format!(
                        "update_expression: its {keyword} clause changes `{attribute}`, which {why}"
                    ))
                    .with_field(attribute));
                }
            }
        }
        let mut out = String::new();
        for (keyword, actions) in &clauses {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(keyword);
            out.push(' ');
            out.push_str(&actions.join(", "));
        }
        Ok(out)
    }
}

/// The clause keywords of an update expression, `SET` first.
const CLAUSES: [&str; 4] = ["SET", "REMOVE", "ADD", "DELETE"];

/// Splits an update expression (already through [`Placeholders::user_expression`],
/// so every bare word that is a clause keyword is one) into its clauses,
/// each with its actions, trimmed: `SET` first, the others as written.
fn clauses(expr: &str) -> Result<Vec<(&'static str, Vec<&str>)>> {
    let bytes = expr.as_bytes();
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut clauses: Vec<(&'static str, Vec<&str>)> = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'(' | b'[' => depth += 1,
            b')' | b']' => depth = depth.saturating_sub(1),
            b',' if depth == 0 => {
                end_action(expr, &mut clauses, start, i)?;
                start = i + 1;
            }
            b'#' | b':' => {
                while i + 1 < bytes.len() && word(bytes[i + 1]) {
                    i += 1;
                }
            }
            b if word(b) => {
                let s = i;
                while i + 1 < bytes.len() && word(bytes[i + 1]) {
                    i += 1;
                }
                let keyword = CLAUSES
                    .iter()
                    .find(|k| k.eq_ignore_ascii_case(&expr[s..=i]));
                if let (Some(&keyword), 0) = (keyword, depth) {
                    if clauses.is_empty() {
                        if !expr[..s].trim().is_empty() {
                            return Err(no_clause(expr));
                        }
                    } else {
                        end_action(expr, &mut clauses, start, s)?;
                    }
                    if clauses.iter().any(|(k, _)| *k == keyword) {
                        return Err(Error::validation(format!(
                            "update_expression `{expr}` has two {keyword} clauses; DynamoDB takes \
                             each clause once: put all its actions in one, separated by commas"
                        )));
                    }
                    clauses.push((keyword, Vec::new()));
                    start = i + 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    if clauses.is_empty() {
        return Err(no_clause(expr));
    }
    end_action(expr, &mut clauses, start, expr.len())?;
    clauses.sort_by_key(|(k, _)| *k != "SET");
    Ok(clauses)
}

/// Adds `expr[start..end]` to the last clause as an action.
fn end_action<'a>(
    expr: &'a str,
    clauses: &mut [(&'static str, Vec<&'a str>)],
    start: usize,
    end: usize,
) -> Result<()> {
    let action = expr[start..end].trim();
    match clauses.last_mut() {
        Some((_, actions)) if !action.is_empty() => {
            actions.push(action);
            Ok(())
        }
        Some((keyword, _)) => Err(Error::validation(format!(
            "update_expression `{expr}`: its {keyword} clause has an empty action"
        ))),
        None => Err(no_clause(expr)),
    }
}

/// An update expression that does not start with a clause keyword.
fn no_clause(expr: &str) -> Error {
    Error::validation(format!(
        "update_expression `{expr}` must start with SET, REMOVE, ADD or DELETE"
    ))
}

/// The attribute an action changes: its path's first name (`#n` or a bare
/// name), before any `.`, `[`, `=` or value.
fn target(action: &str) -> &str {
    let end = action
        .char_indices()
        .skip(1)
        .find(|&(_, c)| !(c.is_ascii_alphanumeric() || c == '_'))
        .map_or(action.len(), |(i, _)| i);
    &action[..end]
}

/// Every value an update writes must be storable; what it writes for sure
/// (set and appended values, key fields) is a lower bound of the new item's
/// size, refused over 400 KB.
fn check_size(key_values: &[(&'static str, Value)], updates: &Updates) -> Result<()> {
    let mut written: usize = key_values
        .iter()
        .map(|(f, v)| f.len() + value_size(v))
        .sum();
    let mut largest: Option<(&str, usize)> = None;
    for (field, op) in updates.actions() {
        if let UpdateOp::Set(v)
        | UpdateOp::IfNotExists(v)
        | UpdateOp::Increment(v)
        | UpdateOp::Decrement(v)
        | UpdateOp::Append(v)
        | UpdateOp::Prepend(v) = op
        {
            check_value(v).map_err(|e| {
                Error::validation(format!("updates!: field `{field}`: {e}")).with_field(field)
            })?;
        }
        // `{:if_not_exists, v}` writes v when the attribute is absent: the
        // item must hold it then.
        if let UpdateOp::Set(v)
        | UpdateOp::IfNotExists(v)
        | UpdateOp::Append(v)
        | UpdateOp::Prepend(v) = op
        {
            let size = field.len() + value_size(v);
            written += size;
            if largest.is_none_or(|(_, l)| size > l) {
                largest = Some((field, size));
            }
        }
    }
    if let Some((field, size)) = largest.filter(|_| written > MAX_ITEM_SIZE) {
        return Err(Error::validation(format!(
            "updates!: the values written come to {written} bytes (field `{field}`: {size} bytes), \
             over DynamoDB's item size limit of {MAX_ITEM_SIZE} bytes (400 KB)"
        ))
        .with_field(field));
    }
    Ok(())
}

/// What a schema says of a value for one of its fields
/// ([`Schema::__field_accepts`]).
pub(crate) type Accepts = fn(&str, &Value) -> Option<std::result::Result<(), DecodeError>>;

/// Every value an update writes must read back as its field's Rust type:
/// DynamoDB would store anything, and the item would then no longer decode
/// as the schema's (every later read of it failing). A field whose Rust
/// type fixes its attribute type (a string, number or binary field) is
/// refused other types with that type named; then every value is decoded
/// as the field's type (`accepts`): a number that does not fit (300 in a
/// `u8`, 1.5 in an `i64`), a string in a `bool` field.
fn check_field_types(schema: &SchemaDef, accepts: Accepts, updates: &Updates) -> Result<()> {
    for (field, op) in updates.actions() {
        let Some(def) = schema.field(field) else {
            continue;
        };
        let refuse = |what: String| {
            Err(Error::validation(format!("updates!: field `{field}` {what}")).with_field(field))
        };
        if let Some(want) = def.attribute_type {
            let kind = match want {
                ScalarType::String => "string",
                ScalarType::Number => "number",
                ScalarType::Binary => "binary",
            };
            match op {
                UpdateOp::Set(v) | UpdateOp::IfNotExists(v) => {
                    let fits = matches!(
                        (want, v),
                        (_, Value::Null)
                            | (ScalarType::String, Value::String(_))
                            | (ScalarType::Number, Value::Number(_))
                            | (ScalarType::Binary, Value::Binary(_))
                    );
                    if !fits {
                        return refuse(format!(
                            "is a {kind} field (`{}`); it cannot be set to a value of type {} \
                             (DynamoDB's `{}`)",
                            def.rust_type,
                            match v {
                                Value::String(_) => "string",
                                Value::Number(_) => "number",
                                Value::Binary(_) => "binary",
                                Value::Bool(_) => "boolean",
                                Value::List(_) => "list",
                                Value::Map(_) => "map",
                                _ => "set",
                            },
                            v.type_name()
                        ));
                    }
                }
                UpdateOp::Increment(_) | UpdateOp::Decrement(_) if want != ScalarType::Number => {
                    return refuse(format!(
                        "is a {kind} field (`{}`); only a number field can be incremented or \
                         decremented",
                        def.rust_type
                    ));
                }
                UpdateOp::Append(_) | UpdateOp::Prepend(_) => {
                    return refuse(format!(
                        "is a {kind} field (`{}`); only a list field can be appended or \
                         prepended to",
                        def.rust_type
                    ));
                }
                _ => {}
            }
        }
        // A set field (`BTreeSet`/`HashSet`, or an `Option` of one) is a
        // DynamoDB set: a list appended to it, or set in its place, would
        // store a list (`L`, duplicates kept), or be refused by DynamoDB
        // when the set is stored already.
        if is_set_type(def.rust_type) {
            match op {
                UpdateOp::Append(_) | UpdateOp::Prepend(_) => {
                    return refuse(format!(
                        "is a set field (`{}`); only a list field can be appended or prepended \
                         to: set the whole set, or add elements with an update_expression \
                         (`ADD {field} :new`)",
                        def.rust_type
                    ));
                }
                UpdateOp::Set(Value::List(_)) | UpdateOp::IfNotExists(Value::List(_)) => {
                    return refuse(format!(
                        "is a set field (`{}`); it cannot be set to a list (it would be stored \
                         as a list, `L`): give a set",
                        def.rust_type
                    ));
                }
                _ => {}
            }
        }
        let (value, what) = match op {
            UpdateOp::Set(v) | UpdateOp::IfNotExists(v) if !matches!(v, Value::Null) => {
                (v, "cannot be set to this value")
            }
            // An amount is held to the field's type up to its sign (a
            // fraction on an integer field, or more than the type holds,
            // could never read back; -1 on an unsigned field can, counting
            // down). Amounts and lists of another kind are refused as such
            // when the update is rendered.
            UpdateOp::Increment(Value::Number(n)) | UpdateOp::Decrement(Value::Number(n)) => {
                let either = |v: Value| accepts(field, &v);
                if let (Some(Err(e)), Some(Err(_))) = (
                    either(Value::Number(n.clone())),
                    either(Value::Number(n.negated())),
                ) {
                    return refuse(format!(
                        "(`{}`) cannot be counted up or down by {n}: it would not read back as \
                         the field's type ({e})",
                        def.rust_type
                    ));
                }
                continue;
            }
            UpdateOp::Append(v) | UpdateOp::Prepend(v) if matches!(v, Value::List(_)) => {
                (v, "cannot take this list")
            }
            _ => continue,
        };
        if let Some(Err(e)) = accepts(field, value) {
            return refuse(format!(
                "(`{}`) {what}: it would not read back as the field's type ({e})",
                def.rust_type
            ));
        }
    }
    Ok(())
}

/// The range of a bounded integer type (`u8` … `u64`, `i8` … `i64`,
/// `usize`, `isize`, in an `Option` or not), from the field's Rust type as
/// written; `None` for any other type. (`u128` and `i128` are left out:
/// their bounds have more digits than DynamoDB's 38.)
fn integer_range(rust_type: &str) -> Option<(i128, i128)> {
    let compact: String = rust_type.chars().filter(|c| !c.is_whitespace()).collect();
    let inner = match crate::schema::type_head(&compact) {
        "Option" => compact
            .split_once('<')
            .and_then(|(_, rest)| rest.strip_suffix('>'))?,
        _ => compact.as_str(),
    };
    if inner.contains('<') {
        return None;
    }
    Some(match crate::schema::type_head(inner) {
        "u8" => (0, u8::MAX.into()),
        "u16" => (0, u16::MAX.into()),
        "u32" => (0, u32::MAX.into()),
        "u64" => (0, u64::MAX.into()),
        "usize" => (0, usize::MAX as i128),
        "i8" => (i8::MIN.into(), i8::MAX.into()),
        "i16" => (i16::MIN.into(), i16::MAX.into()),
        "i32" => (i32::MIN.into(), i32::MAX.into()),
        "i64" => (i64::MIN.into(), i64::MAX.into()),
        "isize" => (isize::MIN as i128, isize::MAX as i128),
        _ => return None,
    })
}

/// A count up or down (`{:increment, n}`, `{:decrement, n}`) of a bounded
/// integer field. DynamoDB makes the sum, and a sum past the field's type
/// would be stored and then fail every read of the item; the update
/// carries a condition that the stored value leaves room, and a failed
/// one is reported as a `ValidationError` naming the field. (Not for a
/// direction in which the type reaches past an `i64`: an `i64` counted
/// either way, a `u64` counted up.)
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct CounterGuard {
    field: String,
    rust_type: &'static str,
    /// What the update adds (negative: counts down).
    delta: i128,
    min: i128,
    max: i128,
}

/// The counter guards an `update_item` with `opts` carries: those of
/// `updates`, none for an update written by hand (`update_expression`).
pub(crate) fn guards_for(ctx: &Ctx, updates: &Updates, opts: &Opts) -> Vec<CounterGuard> {
    match opts.update_expression {
        None => counter_guards(ctx.schema, updates),
        Some(_) => Vec::new(),
    }
}

/// The counter guards of `updates` on `schema`'s fields.
pub(crate) fn counter_guards(schema: &SchemaDef, updates: &Updates) -> Vec<CounterGuard> {
    let mut guards = Vec::new();
    for (field, op) in updates.actions() {
        let (UpdateOp::Increment(Value::Number(n)) | UpdateOp::Decrement(Value::Number(n))) = op
        else {
            continue;
        };
        let Some(def) = schema.field(field) else {
            continue;
        };
        let (Some((min, max)), Some(amount)) = (integer_range(def.rust_type), n.as_i128()) else {
            continue;
        };
        let delta = if matches!(op, UpdateOp::Increment(_)) {
            amount
        } else {
            -amount
        };
        // Sums past an `i64`'s range (9.2 × 10^18) are not guarded: a
        // counter of 64 bits is the type with room, and only its unsigned
        // kind can be counted out of it, below 0.
        let has_room =
            (delta > 0 && max >= i64::MAX.into()) || (delta < 0 && min <= i64::MIN.into());
        if delta != 0 && !has_room {
            guards.push(CounterGuard {
                field: field.clone(),
                rust_type: def.rust_type,
                delta,
                min,
                max,
            });
        }
    }
    guards
}

impl CounterGuard {
    /// The field counted.
    pub(crate) fn field(&self) -> &str {
        &self.field
    }

    /// The condition that the stored value leaves room for the sum: at
    /// most `max - delta` counting up, at least `min - delta` counting
    /// down; a missing attribute counts from 0.
    fn condition(&self, ph: &mut Placeholders) -> String {
        let n = ph.name(&self.field);
        let (op, bound) = if self.delta > 0 {
            ("<=", self.max - self.delta)
        } else {
            (">=", self.min - self.delta)
        };
        let b = ph.value(Value::Number(Number::from(bound)));
        if (self.min..=self.max).contains(&self.delta) {
            format!("attribute_not_exists({n}) OR {n} {op} {b}")
        } else {
            format!("{n} {op} {b}")
        }
    }

    /// Why this guard failed on the stored item `old` (`None`: no item, or
    /// none returned), if it did.
    pub(crate) fn failed_on(&self, old: Option<&crate::codec::Item>) -> Option<String> {
        let (by, bound_text) = if self.delta > 0 {
            (
                format!("up by {}", self.delta),
                format!("over {}, the largest", self.max),
            )
        } else {
            (
                format!("down by {}", -self.delta),
                format!("below {}, the smallest", self.min),
            )
        };
        let what = format!("counting `{}` (`{}`) {by}", self.field, self.rust_type);
        let stored = match old.and_then(|item| item.get(self.field.as_str())) {
            None => 0,
            Some(Value::Number(n)) => match n.as_i128() {
                Some(v) => v,
                None => {
                    return Some(format!(
                        "{what}: the stored value {n} is not a whole number in its range"
                    ));
                }
            },
            Some(other) => {
                return Some(format!(
                    "{what}: the stored value is a {} value, not a number",
                    other.type_name()
                ));
            }
        };
        let sum = stored.checked_add(self.delta)?;
        if (self.min..=self.max).contains(&sum) {
            return None;
        }
        Some(format!(
            "{what} would take it from {stored} to {sum}, {bound_text} a `{}` holds",
            self.rust_type
        ))
    }
}

/// A failed conditional update, explained: a `ValidationError` naming the
/// field when a counter guard is what failed (the stored value, as
/// DynamoDB returned it, has no room for the sum); else `e` as it is.
pub(crate) fn explain_counters(guards: &[CounterGuard], e: Error) -> Error {
    if e.kind() != crate::error::ErrorKind::ConditionalCheckFailed {
        return e;
    }
    let failed = guards
        .iter()
        .find_map(|g| g.failed_on(e.old_item()).map(|why| (g, why)));
    match failed {
        Some((g, why)) => {
            let field = g.field.clone();
            e.with_kind(
                crate::error::ErrorKind::ValidationError,
                format!("updates!: {why}; nothing was written"),
            )
            .with_field(&field)
        }
        None => e,
    }
}

/// Whether a field's Rust type is a set (`BTreeSet<…>`, `HashSet<…>`,
/// either in an `Option`).
fn is_set_type(rust_type: &str) -> bool {
    let inner = match crate::schema::type_head(rust_type) {
        "Option" => rust_type
            .split_once('<')
            .map_or(rust_type, |(_, rest)| rest),
        _ => rust_type,
    };
    matches!(crate::schema::type_head(inner), "BTreeSet" | "HashSet")
}

/// Index key fields may only be set to values an index key can hold, of
/// the attribute type the index declares ([`super::index_key_value`]); they
/// cannot hold a list, and only a number key can be counted up or down.
fn check_index_updates(schema: &SchemaDef, updates: &Updates) -> Result<()> {
    for (index_name, field) in schema.index_key_fields() {
        for (f, op) in updates.actions() {
            if f != field {
                continue;
            }
            match op {
                UpdateOp::Set(v) | UpdateOp::IfNotExists(v) => {
                    super::index_key_value(schema, index_name, f, v, "updates!: ")?;
                }
                UpdateOp::Append(_) | UpdateOp::Prepend(_) => {
                    return Err(Error::validation(format!(
                        "updates!: field `{f}` is a key of index `{index_name}`; it cannot hold a list"
                    ))
                    .with_field(f));
                }
                UpdateOp::Increment(_) | UpdateOp::Decrement(_)
                    if schema.attribute_type(f) != ScalarType::Number =>
                {
                    return Err(Error::validation(format!(
                        "updates!: field `{f}` is a key of index `{index_name}`, which declares it `{}` \
                         (an untyped field is `S`); only a number key can be counted up or down",
                        schema.attribute_type(f).as_str()
                    ))
                    .with_field(f));
                }
                _ => {}
            }
        }
    }
    Ok(())
}

/// The UpdateItem request: changes `updates` on `key`'s item and returns
/// the item as it is after the update.
pub(crate) fn update<T: Schema>(
    ctx: &Ctx,
    key: &T,
    updates: &Updates,
    opts: &Opts,
) -> Result<UpdateItem> {
    only(opts, "update_item", UPDATE_OPTS)?;
    let key_attrs = ctx.key_attrs(key)?;
    let plan = UpdatePlan::new(ctx, key)?;
    let versioned = plan.version.is_some();
    let counted = !guards_for(ctx, updates, opts).is_empty();
    let (update, condition, exprs) = plan.render(
        updates,
        opts.update_expression.as_deref(),
        opts.condition_expression.as_deref(),
        &opts.expression_attribute_names,
        &opts.expression_attribute_values,
    )?;
    Ok(UpdateItem {
        table: ctx.table.clone(),
        key: key_attrs,
        update,
        condition,
        exprs,
        return_values: ReturnValues::AllNew,
        // The stored item tells a failed counter guard, or a version, from
        // a failed condition of the user's.
        return_on_condition_failure: counted || (versioned && opts.condition_expression.is_some()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prelude::*;

    crate::dynamo_item! {
        #[derive(Debug, Clone, PartialEq)]
        pub struct Doc {
            table_name "docs";
            field :id, partition_key;
            field :body;
            field :version: u64, version;
            timestamps;
        }
    }

    #[test]
    fn a_versioned_stamped_update() {
        let mut ctx = Ctx::of::<Doc>().unwrap();
        ctx.now = crate::clock::Now::from_millis(1_700_000_000_123);
        let key = crate::item!(%Doc{id: "d1", version: 3u64});
        let plan = UpdatePlan::new(&ctx, &key).unwrap();
        let (update, cond, exprs) = plan
            .render(
                &crate::updates!(%{body: "x"}),
                None,
                Some("attribute_exists(body)"),
                &BTreeMap::new(),
                &BTreeMap::new(),
            )
            .unwrap();
        // The version counts up, updated_at is set, inserted_at only when new.
        assert!(update.contains("#version = :v"), "{update}");
        assert!(update.contains("#updated_at = :v"), "{update}");
        assert!(
            update.contains("#inserted_at = if_not_exists(#inserted_at, :v"),
            "{update}"
        );
        assert!(
            exprs.values.values().any(|v| v.as_i64() == Some(4)),
            "{exprs:?}"
        );
        assert!(
            exprs
                .values
                .values()
                .any(|v| v.as_str() == Some("2023-11-14T22:13:20.123Z")),
            "{exprs:?}"
        );
        // Both conditions must hold.
        let cond = cond.unwrap();
        assert!(
            cond.starts_with("(attribute_exists(body)) AND (#version = :v"),
            "{cond}"
        );
        // Version 0: the item must not exist with a version.
        let fresh = UpdatePlan::new(&ctx, &crate::item!(%Doc{id: "d2"})).unwrap();
        let (_, cond, _) = fresh
            .render(
                &crate::updates!(%{body: "x"}),
                None,
                None,
                &BTreeMap::new(),
                &BTreeMap::new(),
            )
            .unwrap();
        assert_eq!(cond.as_deref(), Some("attribute_not_exists(#version)"));
        // The crate's attributes are not the user's.
        for u in [
            crate::updates!(%{version: 9}),
            crate::updates!(%{updated_at: "x"}),
        ] {
            let e = fresh
                .render(&u, None, None, &BTreeMap::new(), &BTreeMap::new())
                .unwrap_err();
            assert!(e.message().contains("leave it out"), "{}", e.message());
        }
    }

    #[test]
    fn hand_written_clauses_split_set_first() {
        let c = clauses(
            "REMOVE c[1], d.e SET a = a + :v, #b = list_append(#b, :l) ADD f :n DELETE g :s",
        )
        .unwrap();
        assert_eq!(
            c,
            vec![
                ("SET", vec!["a = a + :v", "#b = list_append(#b, :l)"]),
                ("REMOVE", vec!["c[1]", "d.e"]),
                ("ADD", vec!["f :n"]),
                ("DELETE", vec!["g :s"]),
            ]
        );
        // Keywords in any case; a keyword inside a placeholder is not one.
        assert_eq!(
            clauses("set #set = :add remove x").unwrap(),
            vec![("SET", vec!["#set = :add"]), ("REMOVE", vec!["x"])]
        );
        for (bad, says) in [
            ("a = :v", "must start with SET"),
            ("", "must start with SET"),
            ("SET a = :v SET b = :w", "two SET clauses"),
            ("SET a = :v,", "empty action"),
            ("SET a = :v REMOVE", "REMOVE clause has an empty action"),
            ("SET , a = :v", "empty action"),
            ("SET", "SET clause has an empty action"),
            ("a, SET b = :v", "must start with SET"),
        ] {
            let e = clauses(bad).unwrap_err();
            assert_eq!(e.kind(), crate::ErrorKind::ValidationError);
            assert!(e.message().contains(says), "{bad}: {}", e.message());
        }
        assert_eq!(target("#b = list_append(#b, :l)"), "#b");
        assert_eq!(target("c[1]"), "c");
        assert_eq!(target("d.e"), "d");
        assert_eq!(target("f :n"), "f");
    }

    #[test]
    fn a_hand_written_update_joins_the_crates_actions() {
        let mut ctx = Ctx::of::<Doc>().unwrap();
        ctx.now = crate::clock::Now::from_millis(1_700_000_000_123);
        let key = crate::item!(%Doc{id: "d1", version: 3u64});
        let plan = UpdatePlan::new(&ctx, &key).unwrap();
        let values: BTreeMap<String, Value> = [
            (":n".to_owned(), Value::from(2)),
            (":b".to_owned(), Value::from("x")),
        ]
        .into();
        let names: BTreeMap<String, String> = [("#t".to_owned(), "tags".to_owned())].into();
        let (update, cond, exprs) = plan
            .render(
                &Updates::new(),
                Some("ADD #t :n set body = :b remove status"),
                None,
                &names,
                &values,
            )
            .unwrap();
        // One SET clause: the crate's actions, then the user's; the other
        // clauses after it; the reserved word `status` escaped.
        assert!(
            update.starts_with("SET #id = if_not_exists(#id, :v"),
            "{update}"
        );
        assert!(update.contains(", #_type = :v"), "{update}");
        assert!(update.contains(", #version = :v"), "{update}");
        assert!(
            update.ends_with(", body = :b ADD #t :n REMOVE #status"),
            "{update}"
        );
        assert_eq!(update.matches("SET").count(), 1, "{update}");
        assert_eq!(exprs.names["#t"], "tags");
        assert_eq!(exprs.names["#status"], "status");
        assert!(cond.unwrap().starts_with("#version = :v"));
        // Only REMOVE: the crate's SET comes first.
        let (update, _, _) = plan
            .render(
                &Updates::new(),
                Some("REMOVE body"),
                None,
                &BTreeMap::new(),
                &BTreeMap::new(),
            )
            .unwrap();
        assert!(
            update.starts_with("SET #id = if_not_exists(#id, :v"),
            "{update}"
        );
        assert!(update.ends_with(" REMOVE body"), "{update}");

        let refused = |expr: &str, names: &[(&str, &str)], updates: Updates| {
            let names: BTreeMap<String, String> = names
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect();
            plan.render(&updates, Some(expr), None, &names, &values)
                .unwrap_err()
        };
        // The key, by name or through a placeholder; what the crate writes.
        let e = refused("SET id = :b", &[], Updates::new());
        assert!(
            e.message()
                .contains("changes `id`, which is part of the primary key"),
            "{}",
            e.message()
        );
        assert_eq!(e.field(), Some("id"));
        let e = refused("REMOVE #k", &[("#k", "pk")], Updates::new());
        assert!(
            e.message().contains("REMOVE clause changes `pk`"),
            "{}",
            e.message()
        );
        let e = refused("SET version = :n", &[], Updates::new());
        assert!(e.message().contains("counts up"), "{}", e.message());
        let e = refused("SET updated_at = :b", &[], Updates::new());
        assert!(e.message().contains("timestamp"), "{}", e.message());
        let e = refused("SET #_type = :b", &[("#_type", "_type")], Updates::new());
        assert!(e.message().contains("type attribute"), "{}", e.message());
        // Undefined placeholders, and updates!{…} besides.
        let e = refused("SET body = :nope", &[], Updates::new());
        assert!(
            e.message().contains("`:nope`, which is not defined"),
            "{}",
            e.message()
        );
        let e = refused("SET body = :b", &[], crate::updates!(%{body: "y"}));
        assert!(e.message().contains("not both"), "{}", e.message());
    }

    fn rendered(u: &Updates) -> (String, Placeholders) {
        let mut ph = Placeholders::default();
        let e = render(u, &mut ph, &["pk", "sk", "id"], None).unwrap();
        (e, ph)
    }

    #[test]
    fn every_operator_is_valid_syntax() {
        let u = updates! {
            name: "x",
            balance: {:increment, 5},
            stock: {:decrement, 2},
            tags: {:append, vec!["a"]},
            hist: {:prepend, vec![1]},
            created: {:if_not_exists, "now"},
            gone: {:remove},
            nulled: None::<String>,
        };
        let (e, ph) = rendered(&u);
        assert_eq!(
            e,
            "SET #name = :v0, #balance = if_not_exists(#balance, :v1) + :v2, \
             #stock = if_not_exists(#stock, :v1) - :v3, \
             #tags = list_append(if_not_exists(#tags, :v4), :v5), \
             #hist = list_append(:v6, if_not_exists(#hist, :v4)), \
             #created = if_not_exists(#created, :v7) REMOVE #gone, #nulled"
        );
        assert_eq!(ph.names()["#name"], "name");
        assert_eq!(ph.values()[":v1"], Value::from(0));
    }

    #[test]
    fn refusals() {
        let mut ph = Placeholders::default();
        let e = render(&updates! { id: "x" }, &mut ph, &["id"], None).unwrap_err();
        assert!(
            e.message().contains("`id` is part of the primary key"),
            "{}",
            e.message()
        );
        let e = render(&updates! { a: {:increment, "x"} }, &mut ph, &[], None).unwrap_err();
        assert!(e.message().contains("needs a number"), "{}", e.message());
        let e = render(&updates! { a: {:append, 5} }, &mut ph, &[], None).unwrap_err();
        assert!(e.message().contains("needs a list"), "{}", e.message());
        let e = render(&Updates::new(), &mut ph, &[], None).unwrap_err();
        assert!(e.message().contains("empty"));
        let e = render(&updates! { nme: 1 }, &mut ph, &[], Some(&["name"])).unwrap_err();
        assert!(
            e.message().contains("`nme` is not a field"),
            "{}",
            e.message()
        );
        let e = render(&updates! { a: 1, a: 2 }, &mut ph, &[], None).unwrap_err();
        assert!(e.message().contains("twice"));
    }

    crate::dynamo_item! {
        #[derive(Debug, Clone, PartialEq)]
        pub struct Account {
            table_name "accounts";
            field :tenant: String, partition_key;
            field :id: String, sort_key;
            field :balance: i64;
            field :email: Option<String>;
            field :tags: Vec<String>;
            global_secondary_index "ByEmail", partition_key: :email;
        }
    }

    fn plan(o: Opts, u: Updates) -> Result<UpdateItem> {
        let ctx = Ctx::of::<Account>().unwrap();
        update(
            &ctx,
            &item!(Account {
                tenant: "t",
                id: "a1"
            }),
            &u,
            &o,
        )
    }

    #[test]
    fn an_update_sets_the_key_fields_when_the_item_is_new() {
        let r = plan(opts![], updates! { balance: {:increment, 5} }).unwrap();
        assert_eq!(r.table, "accounts");
        assert_eq!(
            r.key,
            vec![
                ("pk".to_owned(), Value::from("t")),
                ("sk".to_owned(), Value::from("a1"))
            ]
        );
        assert_eq!(r.return_values, ReturnValues::AllNew);
        // tenant and id are written with if_not_exists, so an upsert is whole.
        assert!(
            r.update
                .starts_with("SET #tenant = if_not_exists(#tenant, "),
            "{}",
            r.update
        );
        assert!(
            r.update.contains("#id = if_not_exists(#id, "),
            "{}",
            r.update
        );
        assert!(
            r.update.contains("#balance = if_not_exists(#balance, "),
            "{}",
            r.update
        );
        assert_eq!(r.exprs.names["#balance"], "balance");
    }

    #[test]
    fn key_fields_and_unknown_fields_are_refused() {
        let e = plan(opts![], updates! { id: "a2" }).unwrap_err();
        assert!(
            e.message().contains("part of the primary key"),
            "{}",
            e.message()
        );
        let e = plan(opts![], updates! { pk: "x" }).unwrap_err();
        assert!(
            e.message().contains("part of the primary key"),
            "{}",
            e.message()
        );
        let e = plan(opts![], updates! { balanse: 1 }).unwrap_err();
        assert!(e.message().contains("not a field"), "{}", e.message());
        assert_eq!(e.field(), Some("balanse"));
    }

    #[test]
    fn index_keys_and_sizes_are_checked() {
        let e = plan(opts![], updates! { email: "" }).unwrap_err();
        assert!(e.message().contains("an empty string"), "{}", e.message());
        let e = plan(opts![], updates! { email: {:append, vec!["x"]} }).unwrap_err();
        assert!(
            e.message().contains("cannot hold a list"),
            "{}",
            e.message()
        );
        let e = plan(opts![], updates! { tags: vec!["y".repeat(MAX_ITEM_SIZE)] }).unwrap_err();
        assert!(e.message().contains("item size limit"), "{}", e.message());
        let e = plan(opts![], updates! { balance: f64::NAN }).unwrap_err();
        assert_eq!(e.field(), Some("balance"));
    }

    #[test]
    fn conditions_join_the_placeholders() {
        let r = plan(
            opts![condition_expression: "balance >= :min", expression_attribute_values: {":min" => 10}],
            updates! { balance: {:decrement, 10} },
        )
        .unwrap();
        // An `i64` has room for any count: no guard.
        assert_eq!(r.condition.as_deref(), Some("balance >= :min"));
        assert_eq!(r.exprs.values[":min"], Value::from(10));
        let e = plan(opts![segments: 1], updates! { balance: 1 }).unwrap_err();
        assert!(
            e.message().contains("does not apply to update_item"),
            "{}",
            e.message()
        );
    }

    #[test]
    fn integer_ranges_from_the_rust_type() {
        assert_eq!(integer_range("u8"), Some((0, 255)));
        assert_eq!(integer_range("Option<u8>"), Some((0, 255)));
        assert_eq!(integer_range("Option < i16 >"), Some((-32768, 32767)));
        assert_eq!(
            integer_range("std::primitive::u32"),
            Some((0, 4_294_967_295))
        );
        assert_eq!(
            integer_range("i64"),
            Some((i64::MIN.into(), i64::MAX.into()))
        );
        assert_eq!(integer_range("u64"), Some((0, u64::MAX.into())));
        for other in [
            "u128",
            "i128",
            "f64",
            "String",
            "Vec<u8>",
            "Option<Vec<u8>>",
            "Number",
        ] {
            assert_eq!(integer_range(other), None, "{other}");
        }
    }

    crate::dynamo_item! {
        #[derive(Debug, Clone, PartialEq)]
        pub struct Stock {
            table_name "stock";
            field :sku, partition_key;
            field :small: u8;
            field :count: Option<u32>;
            field :signed: i8;
            field :wide: i128;
            field :big: i64;
            field :unsigned: u64;
            field :price: f64;
        }
    }

    #[test]
    fn counters_on_bounded_integers_carry_a_guard() {
        let ctx = Ctx::of::<Stock>().unwrap();
        let key = crate::item!(%Stock{sku: "s1"});
        let plan = UpdatePlan::new(&ctx, &key).unwrap();
        let render = |u: Updates| {
            let (_, cond, exprs) = plan
                .render(&u, None, None, &BTreeMap::new(), &BTreeMap::new())
                .unwrap();
            // The bound: the value of the condition's last placeholder.
            let bound = cond.as_deref().and_then(|c| {
                let p = c.trim_end_matches(')').rsplit(' ').next()?;
                exprs.values.get(p).and_then(Value::as_i64)
            });
            let cond = cond.map(|c| {
                let p = c
                    .trim_end_matches(')')
                    .rsplit(' ')
                    .next()
                    .unwrap()
                    .to_owned();
                c.replace(&p, ":b")
            });
            (cond, (), bound)
        };
        // Up: the stored value must be at most max - n (missing counts 0).
        let (cond, _, b) = render(crate::updates!(%{small: {:increment, 5}}));
        assert_eq!(
            cond.as_deref(),
            Some("attribute_not_exists(#small) OR #small <= :b")
        );
        assert_eq!(b, Some(250));
        // Down an unsigned field: a missing one has no room.
        let (cond, _, b) = render(crate::updates!(%{count: {:decrement, 3}}));
        assert_eq!(cond.as_deref(), Some("#count >= :b"));
        assert_eq!(b, Some(3));
        let (cond, _, b) = render(crate::updates!(%{unsigned: {:increment, -3}}));
        assert_eq!(cond.as_deref(), Some("#unsigned >= :b"));
        assert_eq!(b, Some(3));
        // -128 fits an i8 from 0; +128 (allowed up to its sign) never does.
        let (cond, _, b) = render(crate::updates!(%{signed: {:increment, -128}}));
        assert_eq!(
            cond.as_deref(),
            Some("attribute_not_exists(#signed) OR #signed >= :b")
        );
        assert_eq!(b, Some(0));
        let (cond, _, b) = render(crate::updates!(%{signed: {:decrement, -128}}));
        assert_eq!(cond.as_deref(), Some("#signed <= :b"));
        assert_eq!(b, Some(-1));
        // No guard: floats, 128-bit integers, 0, values set outright, and
        // the ways 64 bits go past an i64.
        for u in [
            crate::updates!(%{big: {:increment, 1}}),
            crate::updates!(%{big: {:decrement, 1}}),
            crate::updates!(%{unsigned: {:increment, 1}}),
            crate::updates!(%{price: {:increment, 1}}),
            crate::updates!(%{wide: {:increment, 1}}),
            crate::updates!(%{small: {:increment, 0}}),
            crate::updates!(%{small: 3}),
        ] {
            assert_eq!(render(u).0, None);
        }
        // A user's condition and two guards: all must hold.
        let (_, cond, _) = plan
            .render(
                &crate::updates!(%{small: {:increment, 1}, count: {:increment, 1}}),
                None,
                Some("price > :p"),
                &BTreeMap::new(),
                &BTreeMap::from([(":p".to_owned(), Value::from(1))]),
            )
            .unwrap();
        let cond = cond.unwrap();
        assert!(cond.starts_with("(price > :p) AND ("), "{cond}");
        assert!(
            cond.contains("#small <= ") && cond.contains("#count <= "),
            "{cond}"
        );
        // An update written by hand is the user's own: no guard.
        let (_, cond, _) = plan
            .render(
                &Updates::new(),
                Some("SET small = small + :one"),
                None,
                &BTreeMap::new(),
                &BTreeMap::from([(":one".to_owned(), Value::from(1))]),
            )
            .unwrap();
        assert_eq!(cond, None);
    }

    #[test]
    fn a_failed_guard_names_the_field_and_the_bound() {
        let ctx = Ctx::of::<Stock>().unwrap();
        let guards = counter_guards(ctx.schema, &crate::updates!(%{count: {:decrement, 2}}));
        let old = |v: Option<Value>| {
            let mut item = crate::codec::Item::new();
            if let Some(v) = v {
                item.insert("count".into(), v);
            }
            item
        };
        let g = &guards[0];
        let why = g.failed_on(Some(&old(Some(Value::from(1))))).unwrap();
        assert_eq!(
            why,
            "counting `count` (`Option<u32>`) down by 2 would take it from 1 to -1, below 0, \
             the smallest a `Option<u32>` holds"
        );
        assert!(g.failed_on(None).unwrap().contains("from 0 to -2"));
        assert!(
            g.failed_on(Some(&old(None)))
                .unwrap()
                .contains("from 0 to -2")
        );
        assert_eq!(g.failed_on(Some(&old(Some(Value::from(2))))), None);
        assert!(
            g.failed_on(Some(&old(Some(Value::from("x")))))
                .unwrap()
                .contains("not a number")
        );
        // Only a failed condition is explained.
        let failed = Error::new(crate::error::ErrorKind::ConditionalCheckFailed, "failed");
        let e = explain_counters(&guards, failed);
        assert_eq!(e.kind(), crate::error::ErrorKind::ValidationError);
        assert_eq!(e.field(), Some("count"));
        assert!(
            e.message().contains("nothing was written"),
            "{}",
            e.message()
        );
        let other = Error::new(crate::error::ErrorKind::Throttling, "slow down");
        assert_eq!(
            explain_counters(&guards, other).kind(),
            crate::error::ErrorKind::Throttling
        );
    }
}
