//! Transaction plans: [`Tx`] actions, prepared (and checked) when they are
//! built, and the TransactWriteItems request for a list of them.
//!
//! DynamoDB allows one action per item; a `Tx::check` on an item that the
//! transaction also writes is sent as that write's condition, which means
//! the same thing, and several checks on one item become one. Checked
//! before sending, each a `ValidationError`: no actions, more than 100
//! actions, more than 4 MB, two writes on the same item, and every action's
//! own problems (unset key fields, bad expressions, …), named by the
//! action's position.

use std::collections::{BTreeMap, HashMap};

use super::update::{CounterGuard, UpdatePlan};
use super::{
    Ctx, VersionCheck, condition as plain_condition, encode_for_write, in_context, prepare_put,
    version_of,
};
use crate::codec::size::value_size;
use crate::codec::wire::EncodedItem;
use crate::error::{CancellationReason, Error, Result};
use crate::request::{KeyAttrs, TransactWrite, TxAction};
use crate::schema::{AsKey, Schema};
use crate::update::{UpdateOp, Updates};
use crate::value::Value;

/// DynamoDB's limit of actions per transaction.
pub const MAX_ACTIONS: usize = 100;
/// DynamoDB's limit of a transaction's total size: 4 MB.
pub const MAX_TRANSACTION_SIZE: usize = 4 * 1024 * 1024;

/// One action of a transaction. Build with [`Tx::put`], [`Tx::update`],
/// [`Tx::delete`] or [`Tx::check`]; add a condition to the first three with
/// [`Tx::condition`]. Each is checked when it is built; a mistake is
/// reported by `transact` with the action's position.
#[must_use]
pub struct Tx {
    prepared: Result<Prepared>,
}

struct Prepared {
    kind: &'static str,
    table: String,
    key: (String, Option<String>),
    size: usize,
    action: Action,
    /// Conditions (with their `:placeholder` values) that must all hold:
    /// the one given with [`Tx::condition`] or [`Tx::check`], plus those of
    /// checks on the same item merged into this action.
    conds: Vec<(String, BTreeMap<String, Value>)>,
    /// A put or delete on a versioned schema: the version the stored item
    /// must have (an update's plan carries its own).
    version: Option<VersionCheck>,
}

enum Action {
    Put {
        item: EncodedItem,
    },
    Update {
        key: KeyAttrs,
        updates: Updates,
        plan: UpdatePlan,
        /// An update written by hand, with its `:placeholder` values, in
        /// place of `updates` ([`Tx::update_expression`]).
        expression: Option<Box<(String, BTreeMap<String, Value>)>>,
    },
    Delete {
        key: KeyAttrs,
    },
    Check {
        key: KeyAttrs,
    },
}

impl Action {
    fn is_check(&self) -> bool {
        matches!(self, Action::Check { .. })
    }
}

impl std::fmt::Debug for Tx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.prepared {
            Ok(p) => write!(f, "Tx::{}({} {:?})", p.kind, p.table, p.key),
            Err(e) => write!(f, "Tx(invalid: {e})"),
        }
    }
}

fn key_size(key: &KeyAttrs) -> usize {
    key.iter().map(|(k, v)| k.len() + value_size(v)).sum()
}

fn op_size(op: &UpdateOp) -> usize {
    match op {
        UpdateOp::Set(v)
        | UpdateOp::Increment(v)
        | UpdateOp::Decrement(v)
        | UpdateOp::Append(v)
        | UpdateOp::Prepend(v)
        | UpdateOp::IfNotExists(v) => value_size(v),
        UpdateOp::Remove => 0,
    }
}

/// The key of `key` and everything an action needs to know about it.
pub(super) fn keyed<T: Schema>(key: &T) -> Result<(Ctx, KeyAttrs, (String, Option<String>))> {
    let ctx = Ctx::of::<T>()?;
    let pk = ctx.primary_key(key)?;
    let id = (pk.partition.clone(), pk.sort.as_ref().map(|s| s.1.clone()));
    Ok((ctx, pk.into_attrs(), id))
}

impl Tx {
    /// What `tx!` puts in place of an action it reported as a compile
    /// error (so that only that error shows).
    #[doc(hidden)]
    pub fn __invalid() -> Tx {
        Tx {
            prepared: Err(crate::error::Error::validation("tx!: an invalid action")),
        }
    }

    /// Writes `item` (replacing any item with its key). On a versioned
    /// schema the stored item must be at the item's version, and the next
    /// one is written; `timestamps;` are set.
    pub fn put<T: Schema>(mut item: T) -> Tx {
        Tx {
            prepared: (|| {
                let (ctx, _, key) = keyed(&item)?;
                let version = prepare_put(&ctx, &mut item)?;
                let encoded = encode_for_write(&ctx, &item)?;
                Ok(Prepared {
                    kind: "put",
                    table: ctx.table,
                    key,
                    size: encoded.size,
                    action: Action::Put { item: encoded },
                    conds: Vec::new(),
                    version,
                })
            })(),
        }
    }

    /// Changes the item with `key`'s primary key, with the `updates!`
    /// operators.
    pub fn update<K: AsKey>(key: K, updates: Updates) -> Tx {
        Tx::updating(key.as_key(), updates, None)
    }

    /// Changes the item with `key`'s primary key with an update written by
    /// hand (`SET`, `REMOVE`, `ADD`, `DELETE` clauses), as `update_item`'s
    /// `update_expression` option does: checked when built, bare reserved
    /// words are fine, and it may not change the key or the attributes the
    /// crate writes itself (whose own actions join its `SET` clause).
    /// `values` defines its `:placeholders`.
    ///
    /// ```
    /// # use dynamo::prelude::*;
    /// # dynamo_item! {
    /// #     pub struct Post {
    /// #         table_name "posts";
    /// #         field :id, partition_key;
    /// #         field :likes: i64;
    /// #     }
    /// # }
    /// let tx = Tx::update_expression(
    ///     &item!(Post { id: "p1" }),
    ///     "SET likes = likes + :one",
    ///     values! {":one" => 1},
    /// );
    /// # let _ = tx;
    /// ```
    pub fn update_expression<K: AsKey>(
        key: K,
        expression: impl Into<String>,
        values: BTreeMap<String, Value>,
    ) -> Tx {
        Tx::updating(
            key.as_key(),
            Updates::new(),
            Some((expression.into(), values)),
        )
    }

    /// An update action: `updates`, or an update written by hand with its
    /// values; rendered now, so that mistakes are reported with the action.
    fn updating<T: Schema>(
        key: &T,
        updates: Updates,
        expression: Option<(String, BTreeMap<String, Value>)>,
    ) -> Tx {
        Tx {
            prepared: (|| {
                let (ctx, attrs, id) = keyed(key)?;
                let plan = UpdatePlan::new(&ctx, key)?;
                let none = BTreeMap::new();
                let (text, values) = match &expression {
                    Some((e, v)) => (Some(e.as_str()), v),
                    None => (None, &none),
                };
                plan.render(&updates, text, None, &BTreeMap::new(), values)?;
                let size = key_size(&attrs)
                    + text.map_or(0, str::len)
                    + values.values().map(value_size).sum::<usize>()
                    + updates
                        .actions()
                        .iter()
                        .map(|(f, op)| f.len() + op_size(op))
                        .sum::<usize>();
                Ok(Prepared {
                    kind: "update",
                    table: ctx.table,
                    key: id,
                    size,
                    action: Action::Update {
                        key: attrs,
                        updates,
                        plan,
                        expression: expression.map(Box::new),
                    },
                    conds: Vec::new(),
                    version: None,
                })
            })(),
        }
    }

    /// Deletes the item with `key`'s primary key.
    pub fn delete<K: AsKey>(key: K) -> Tx {
        let key = key.as_key();
        Tx {
            prepared: (|| {
                let (ctx, attrs, id) = keyed(key)?;
                let version = version_of(&ctx, key)?;
                Ok(Prepared {
                    kind: "delete",
                    table: ctx.table,
                    key: id,
                    size: key_size(&attrs),
                    action: Action::Delete { key: attrs },
                    conds: Vec::new(),
                    version,
                })
            })(),
        }
    }

    /// Requires `condition` to hold for the item with `key`'s primary key,
    /// without changing it. `values` defines the condition's `:placeholders`
    /// (`values!{":amount" => 100}`); bare reserved words in the condition
    /// are fine.
    pub fn check<K: AsKey>(
        key: K,
        condition: impl Into<String>,
        values: BTreeMap<String, Value>,
    ) -> Tx {
        let key = key.as_key();
        let condition = condition.into();
        Tx {
            prepared: (|| {
                let (ctx, attrs, id) = keyed(key)?;
                // Checked now, so mistakes are reported with the action.
                plain_condition(Some(&condition), &BTreeMap::new(), &values, None)?;
                let size = key_size(&attrs)
                    + condition.len()
                    + values.values().map(value_size).sum::<usize>();
                Ok(Prepared {
                    kind: "check",
                    table: ctx.table,
                    key: id,
                    size,
                    action: Action::Check { key: attrs },
                    conds: vec![(condition, values)],
                    version: None,
                })
            })(),
        }
    }

    /// Adds a condition to a put, update or delete: the whole transaction
    /// is cancelled unless it holds.
    pub fn condition(self, condition: impl Into<String>, values: BTreeMap<String, Value>) -> Tx {
        let condition = condition.into();
        let prepared = self.prepared.and_then(|mut p| {
            if p.action.is_check() {
                return Err(Error::validation(
                    "Tx::check already has its condition; use Tx::check(key, condition, values)",
                ));
            }
            if !p.conds.is_empty() {
                return Err(Error::validation(
                    "this action already has a condition; give one condition per action",
                ));
            }
            // Checked now, so mistakes are reported with the action.
            match &p.action {
                Action::Update {
                    updates,
                    plan,
                    expression,
                    ..
                } => {
                    let (expression, values) = with_expression(expression.as_deref(), &values)?;
                    plan.render(
                        updates,
                        expression,
                        Some(&condition),
                        &BTreeMap::new(),
                        &values,
                    )?;
                }
                _ => {
                    plain_condition(Some(&condition), &BTreeMap::new(), &values, None)?;
                }
            }
            p.size += condition.len() + values.values().map(value_size).sum::<usize>();
            p.conds.push((condition, values));
            Ok(p)
        });
        Tx { prepared }
    }
}

impl Prepared {
    /// The request action, with every condition it carries.
    fn into_action(self) -> Result<TxAction> {
        let (condition, values) = combine_conditions(&self.conds)?;
        let condition = condition.as_deref();
        let none = BTreeMap::new();
        Ok(match self.action {
            Action::Put { item } => {
                let (condition, exprs) =
                    plain_condition(condition, &none, &values, self.version.as_ref())?;
                TxAction::Put {
                    table: self.table,
                    item,
                    condition,
                    exprs,
                }
            }
            Action::Update {
                key,
                updates,
                plan,
                expression,
            } => {
                let (expression, values) = with_expression(expression.as_deref(), &values)?;
                let (update, condition, exprs) =
                    plan.render(&updates, expression, condition, &none, &values)?;
                TxAction::Update {
                    table: self.table,
                    key,
                    update,
                    condition,
                    exprs,
                }
            }
            Action::Delete { key } => {
                let (condition, exprs) =
                    plain_condition(condition, &none, &values, self.version.as_ref())?;
                TxAction::Delete {
                    table: self.table,
                    key,
                    condition,
                    exprs,
                }
            }
            Action::Check { key } => {
                let (condition, exprs) = plain_condition(condition, &none, &values, None)?;
                TxAction::Check {
                    table: self.table,
                    key,
                    condition: condition.unwrap_or_default(),
                    exprs,
                }
            }
        })
    }

    fn describe_item(&self) -> String {
        format!(
            "{}{} in `{}`",
            self.key.0,
            self.key
                .1
                .as_deref()
                .map(|s| format!(" / {s}"))
                .unwrap_or_default(),
            self.table
        )
    }
}

/// A hand-written update's expression, and its values merged with the
/// conditions' `values` (the same placeholder must mean the same value).
fn with_expression<'a>(
    expression: Option<&'a (String, BTreeMap<String, Value>)>,
    values: &BTreeMap<String, Value>,
) -> Result<(Option<&'a str>, BTreeMap<String, Value>)> {
    let Some((expression, own)) = expression else {
        return Ok((None, values.clone()));
    };
    let mut all = own.clone();
    merge_values(&mut all, values, "the update expression and its condition")?;
    Ok((Some(expression.as_str()), all))
}

/// Adds `from` to `into`; a placeholder both define with different values
/// is a `ValidationError` naming `what` defined them.
fn merge_values(
    into: &mut BTreeMap<String, Value>,
    from: &BTreeMap<String, Value>,
    what: &str,
) -> Result<()> {
    for (k, v) in from {
        match into.get(k) {
            Some(old) if old != v => {
                return Err(Error::validation(format!(
                    "{what} both define `{k}`, with different values ({old:?} and {v:?}); rename \
                     one of them"
                )));
            }
            _ => {
                into.insert(k.clone(), v.clone());
            }
        }
    }
    Ok(())
}

/// All conditions joined with `AND`, and their placeholder values merged
/// (the same placeholder must mean the same value everywhere).
fn combine_conditions(
    conds: &[(String, BTreeMap<String, Value>)],
) -> Result<(Option<String>, BTreeMap<String, Value>)> {
    match conds {
        [] => Ok((None, BTreeMap::new())),
        [(c, v)] => Ok((Some(c.clone()), v.clone())),
        _ => {
            let mut values: BTreeMap<String, Value> = BTreeMap::new();
            for (_, vs) in conds {
                merge_values(&mut values, vs, "the conditions merged on one item")?;
            }
            let joined = conds
                .iter()
                .map(|(c, _)| super::operand(c))
                .collect::<Vec<_>>()
                .join(" AND ");
            Ok((Some(joined), values))
        }
    }
}

/// A client request token: 32 random hex digits, from the operating
/// system's generator, which nothing in the process can seed (two
/// transactions with one token within ten minutes are one to DynamoDB).
pub(crate) fn request_token() -> String {
    let mut bytes = [0u8; 16];
    if getrandom::getrandom(&mut bytes).is_err() {
        // No system generator: fastrand's, which is seeded from the time,
        // the thread and the process unless user code seeds it.
        bytes = fastrand::u128(..).to_le_bytes();
    }
    hex::encode(bytes)
}

/// A transaction, planned: the request, and for every action as given the
/// position of the request action it went into.
#[derive(Debug)]
pub(crate) struct TxPlan {
    pub(crate) request: TransactWrite,
    pub(crate) sent_as: Vec<usize>,
    /// For every action as given: its kind, and whether it brought a
    /// condition of its own (a check's, `Tx::condition`, a version).
    pub(crate) given: Vec<(&'static str, bool)>,
    /// For every request action that writes a versioned item: its version
    /// check, to tell a version conflict from a failed condition.
    versioned: Vec<Option<SentVersion>>,
    /// For every request action: the counter guards of its update (empty
    /// for other actions), with the position of the update as given and
    /// its item.
    counters: Vec<(Vec<CounterGuard>, usize, String)>,
}

/// A request action's version check, and what a report of it needs.
#[derive(Debug)]
struct SentVersion {
    check: VersionCheck,
    /// Whether the action also carries a condition of the user's
    /// (`Tx::condition`, or a `Tx::check` merged into it).
    user_condition: bool,
    /// The position of the write as given, its kind and its item.
    given: usize,
    kind: &'static str,
    item: String,
}

/// Plans `actions` as one TransactWriteItems with client request token
/// `token`.
pub(crate) fn plan(actions: Vec<Tx>, token: String) -> Result<TxPlan> {
    if token.is_empty() || token.len() > 36 {
        return Err(Error::validation(format!(
            "client request token must be 1 to 36 characters, got {}",
            token.len()
        )));
    }
    if actions.is_empty() {
        return Err(Error::validation("transact needs at least one action"));
    }
    let given_count = actions.len();
    let at = |i: usize, e: Error| in_context(format!("transaction action {i}"), e);
    // Prepare every action; group the actions on each item.
    let mut prepared: Vec<Option<Prepared>> = Vec::with_capacity(actions.len());
    let mut groups: Vec<Vec<usize>> = Vec::new();
    let mut group_of: HashMap<(String, String, Option<String>), usize> =
        HashMap::with_capacity(actions.len());
    let mut total = 0usize;
    for (i, tx) in actions.into_iter().enumerate() {
        let p = tx.prepared.map_err(|e| at(i, e))?;
        total += p.size;
        let id = (p.table.clone(), p.key.0.clone(), p.key.1.clone());
        match group_of.get(&id) {
            Some(&g) => groups[g].push(i),
            None => {
                group_of.insert(id, groups.len());
                groups.push(vec![i]);
            }
        }
        prepared.push(Some(p));
    }
    // Counted as sent: a check merged into a write on its item is no
    // action of its own.
    if groups.len() > MAX_ACTIONS {
        let merged = if groups.len() < given_count {
            format!(" on {} items", groups.len())
        } else {
            String::new()
        };
        return Err(Error::validation(format!(
            "transaction has {given_count} actions{merged}; DynamoDB allows at most {MAX_ACTIONS} per transaction"
        )));
    }
    if total > MAX_TRANSACTION_SIZE {
        return Err(Error::validation(format!(
            "transaction is {total} bytes; DynamoDB allows at most {MAX_TRANSACTION_SIZE} bytes (4 MB)"
        )));
    }
    // DynamoDB allows one action per item. A check on an item that is also
    // written is the same as a condition on that write (both are evaluated
    // before anything changes), so it is merged into it; so are several
    // checks on one item. Two writes on one item are refused.
    let given: Vec<(&'static str, bool)> = prepared
        .iter()
        .map(|p| {
            p.as_ref().map_or(("action", false), |p| {
                let versioned = match &p.action {
                    Action::Update { plan, .. } => plan.version.is_some(),
                    _ => p.version.is_some(),
                };
                (p.kind, !p.conds.is_empty() || versioned)
            })
        })
        .collect();
    let mut sent = Vec::with_capacity(groups.len());
    let mut versioned = Vec::with_capacity(groups.len());
    let mut counters = Vec::with_capacity(groups.len());
    let mut sent_as = vec![0usize; prepared.len()];
    for group in &groups {
        let writes: Vec<usize> = group
            .iter()
            .copied()
            .filter(|&i| prepared[i].as_ref().is_some_and(|p| !p.action.is_check()))
            .collect();
        if let [first, second, ..] = writes[..] {
            let item = prepared[second]
                .as_ref()
                .map(Prepared::describe_item)
                .unwrap_or_default();
            return Err(Error::validation(format!(
                "transaction actions {first} and {second} both write the item {item}; DynamoDB allows one action per item \
                 (a Tx::check on a written item is merged into the write as its condition)"
            )));
        }
        let target = writes.first().copied().unwrap_or(group[0]);
        let Some(mut p) = prepared[target].take() else {
            continue;
        };
        for &i in group {
            if i != target
                && let Some(other) = prepared[i].take()
            {
                p.conds.extend(other.conds);
            }
            sent_as[i] = sent.len();
        }
        let version = match &p.action {
            Action::Update { plan, .. } => plan.version.clone(),
            _ => p.version.clone(),
        };
        let guards = match &p.action {
            Action::Update {
                updates,
                plan,
                expression: None,
                ..
            } => plan.counter_guards(updates),
            _ => Vec::new(),
        };
        counters.push((guards, target, p.describe_item()));
        let guarded = counters.last().is_some_and(|(g, _, _)| !g.is_empty());
        versioned.push(version.map(|check| SentVersion {
            check,
            user_condition: !p.conds.is_empty() || guarded,
            given: target,
            kind: p.kind,
            item: p.describe_item(),
        }));
        let what = format!("{} on `{}`", p.kind, p.table);
        let action = p.into_action().and_then(|a| {
            // Checked here, where the actions as given are known: a check
            // merged into a write joins its condition to the write's.
            a.check_limits().map_err(|e| {
                e.map_message(|m| {
                    if group.len() > 1 {
                        format!(
                            "{m} (the {what}; the conditions of the actions on one item are \
                             joined into one)"
                        )
                    } else {
                        format!("{m} (the {what})")
                    }
                })
            })?;
            Ok(a)
        });
        let action = action.map_err(|e| {
            if group.len() > 1 {
                let list = group
                    .iter()
                    .map(|i| i.to_string())
                    .collect::<Vec<_>>()
                    .join(", ");
                in_context(format!("transaction actions {list}"), e)
            } else {
                at(target, e)
            }
        })?;
        sent.push(action);
    }
    // A failed condition on a versioned write that carries a condition of
    // the user's too is told apart by the stored item's version.
    let return_on_condition_failure = versioned
        .iter()
        .any(|v: &Option<SentVersion>| v.as_ref().is_some_and(|v| v.user_condition))
        || counters.iter().any(|(g, _, _)| !g.is_empty());
    Ok(TxPlan {
        request: TransactWrite {
            actions: sent,
            token,
            return_on_condition_failure,
        },
        sent_as,
        given,
        versioned,
        counters,
    })
}

impl TxPlan {
    /// The error of a cancelled transaction, as the user should see it: a
    /// [`VersionConflict`](crate::ErrorKind::VersionConflict) when a
    /// versioned write found its item at another version (as a single
    /// write would report it), and the cancellation reasons per action as
    /// given.
    pub(crate) fn explain(&self, e: Error) -> Error {
        let conflicts: Vec<String> = e
            .cancellation_reasons()
            .iter()
            .filter(|r| r.code == "ConditionalCheckFailed")
            .filter_map(|r| {
                let v = self.versioned.get(r.index)?.as_ref()?;
                let found = v.check.conflict(e.reason_item(r.index), v.user_condition)?;
                Some(format!(
                    "action {} ({}) on {} expected version {} (`{}`), but {found}",
                    v.given, v.kind, v.item, v.check.expected, v.check.attr
                ))
            })
            .collect();
        // A counter without room for its sum, as a single update reports it.
        let no_room = e
            .cancellation_reasons()
            .iter()
            .filter(|r| r.code == "ConditionalCheckFailed")
            .find_map(|r| {
                let (guards, given, item) = self.counters.get(r.index)?;
                guards.iter().find_map(|g| {
                    let why = g.failed_on(e.reason_item(r.index))?;
                    Some((g.field().to_owned(), *given, item, why))
                })
            });
        let e = if let (true, Some((field, given, item, why))) = (conflicts.is_empty(), no_room) {
            let message = format!(
                "transaction cancelled: action {given} (update) on {item}: {why}; nothing was written"
            );
            e.with_kind(crate::error::ErrorKind::ValidationError, message)
                .with_field(&field)
        } else if conflicts.is_empty() {
            e
        } else {
            let message = format!(
                "transaction cancelled by a version conflict: {}; read the item{} again and retry",
                conflicts.join("; "),
                if conflicts.len() > 1 { "s" } else { "" }
            );
            e.with_kind(crate::error::ErrorKind::VersionConflict, message)
        };
        if self.merged_any() && !e.cancellation_reasons().is_empty() {
            // Report a reason for every action as given, not as sent.
            let reasons = self.reasons_as_given(e.cancellation_reasons());
            e.with_reasons(reasons)
        } else {
            e
        }
    }

    /// The cancellation reasons DynamoDB gave per request action, reported
    /// per action as given. Actions merged into one share its reason, with
    /// two refinements when that reason is a failed condition: an action
    /// that brought no condition of its own is reported `None` (not the
    /// cause), and when several brought one, each reason says they were
    /// sent together and that which one failed cannot be told.
    pub(crate) fn reasons_as_given(&self, sent: &[CancellationReason]) -> Vec<CancellationReason> {
        self.sent_as
            .iter()
            .enumerate()
            .filter_map(|(i, &pos)| {
                let r = sent.iter().find(|r| r.index == pos)?;
                let group: Vec<usize> = (0..self.sent_as.len())
                    .filter(|&j| self.sent_as[j] == pos)
                    .collect();
                let mut out = CancellationReason {
                    index: i,
                    ..r.clone()
                };
                if group.len() > 1 && r.code == "ConditionalCheckFailed" {
                    let describe = |js: &[usize]| {
                        js.iter()
                            .map(|&j| format!("{j} ({})", self.given[j].0))
                            .collect::<Vec<_>>()
                            .join(" and ")
                    };
                    let conditioned: Vec<usize> =
                        group.iter().copied().filter(|&j| self.given[j].1).collect();
                    let others: Vec<usize> = group.iter().copied().filter(|&j| j != i).collect();
                    if !self.given[i].1 {
                        out.code = "None".to_owned();
                        out.message = Some(format!(
                            "not the cause: this {} has no condition; it was sent as one action \
                             with action {} on the same item (DynamoDB allows one action per \
                             item), and that condition failed",
                            self.given[i].0,
                            describe(&conditioned)
                        ));
                    } else if conditioned.len() > 1 {
                        out.message = Some(format!(
                            "the conditions of actions {} on one item were sent as one action \
                             (DynamoDB allows one action per item) and together did not hold; \
                             which of them failed cannot be told",
                            describe(&conditioned)
                        ));
                    } else {
                        out.message = Some(format!(
                            "this {}'s condition failed (sent as one action with action {} on \
                             the same item)",
                            self.given[i].0,
                            describe(&others)
                        ));
                    }
                }
                Some(out)
            })
            .collect()
    }

    /// Whether some actions were merged into others.
    pub(crate) fn merged_any(&self) -> bool {
        self.request.actions.len() < self.sent_as.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prelude::*;

    crate::dynamo_item! {
        #[derive(Debug, Clone, PartialEq)]
        pub struct Account {
            table_name "accounts";
            field :id: String, partition_key;
            field :balance: i64;
        }
    }

    fn acc(id: &str) -> Account {
        item!(Account { id: id })
    }

    crate::dynamo_item! {
        #[derive(Debug, Clone, PartialEq)]
        pub struct Doc {
            table_name "docs";
            field :id: String, partition_key;
            field :body: String;
            field :version: u64, version;
        }
    }

    /// A cancelled transaction's error with the reasons `codes`, and the
    /// stored item's `version` returned with the first reason, if given.
    fn cancelled(codes: &[&str], version: Option<u64>) -> Error {
        let reasons = crate::error::reasons(codes);
        let items = version
            .map(|v| {
                let mut item = crate::codec::Item::new();
                item.insert("id".to_owned(), Value::from("d"));
                item.insert("version".to_owned(), Value::from(v));
                vec![(0, item)]
            })
            .unwrap_or_default();
        Error::new(ErrorKind::TransactionCanceled, "Transaction cancelled")
            .with_reasons(reasons)
            .with_reason_items(items)
    }

    #[test]
    fn a_version_that_does_not_match_is_a_version_conflict() {
        let doc = item!(Doc {
            id: "d",
            version: 3u64
        });
        // Version only: the failed condition is the version's. Nothing
        // asks for the stored items.
        let p = plan(vec![Tx::put(acc("a")), Tx::delete(&doc)], "t".into()).unwrap();
        assert!(!p.request.return_on_condition_failure);
        let e = p.explain(cancelled(&["None", "ConditionalCheckFailed"], None));
        assert_eq!(e.kind(), ErrorKind::VersionConflict);
        assert_eq!(
            e.message(),
            "transaction cancelled by a version conflict: action 1 (delete) on d in `docs` \
             expected version 3 (`version`), but the stored item is at another version, or is \
             gone; read the item again and retry"
        );
        assert_eq!(e.cancellation_reasons().len(), 2);
        // Another reason stays a cancellation.
        let e = p.explain(cancelled(&["None", "TransactionConflict"], None));
        assert_eq!(e.kind(), ErrorKind::TransactionCanceled);
        let e = p.explain(cancelled(&["ConditionalCheckFailed", "None"], None));
        assert_eq!(e.kind(), ErrorKind::TransactionCanceled);

        // With a user's condition too (here a merged check), the stored
        // item, asked for, tells them apart.
        let p = plan(
            vec![
                Tx::check(&doc, "body = :b", values! {":b" => "x"}),
                Tx::update(&doc, updates!(%{body: "y"})),
            ],
            "t".into(),
        )
        .unwrap();
        assert!(p.request.return_on_condition_failure);
        let at = |v: u64| cancelled(&["ConditionalCheckFailed"], Some(v));
        let e = p.explain(at(3));
        assert_eq!(e.kind(), ErrorKind::TransactionCanceled, "{e}");
        let e = p.explain(at(4));
        assert_eq!(e.kind(), ErrorKind::VersionConflict);
        assert!(
            e.message()
                .contains("action 1 (update) on d in `docs` expected version 3 (`version`), but the stored item is at version 4"),
            "{}",
            e.message()
        );
        // Reported per action as given: the merged check is named too.
        assert_eq!(e.cancellation_reasons().len(), 2);
        let e = p.explain(cancelled(&["ConditionalCheckFailed"], None));
        assert!(
            e.message().contains("but there is no stored item"),
            "{}",
            e.message()
        );
    }

    #[test]
    fn the_guides_transfer() {
        let p = plan(
            vec![
                Tx::check(acc("src"), "balance >= :amount", values! {":amount" => 100}),
                Tx::update(acc("src"), updates! { balance: {:decrement, 100} }),
                Tx::update(acc("dst"), updates! { balance: {:increment, 100} }),
            ],
            "tok".into(),
        )
        .unwrap();
        // The check went into the update of the same item.
        assert_eq!(p.request.actions.len(), 2);
        assert_eq!(p.sent_as, vec![0, 0, 1]);
        assert!(p.merged_any());
        let TxAction::Update {
            condition, exprs, ..
        } = &p.request.actions[0]
        else {
            panic!("an update");
        };
        assert_eq!(condition.as_deref(), Some("balance >= :amount"));
        assert_eq!(exprs.values[":amount"], Value::from(100));
        let reasons = p.reasons_as_given(&[
            CancellationReason {
                index: 0,
                code: "ConditionalCheckFailed".into(),
                message: None,
            },
            CancellationReason {
                index: 1,
                code: "None".into(),
                message: None,
            },
        ]);
        assert_eq!(
            reasons
                .iter()
                .map(|r| (r.index, r.code.as_str()))
                .collect::<Vec<_>>(),
            vec![
                (0, "ConditionalCheckFailed"),
                // The update had no condition of its own: not the cause.
                (1, "None"),
                (2, "None")
            ]
        );
        assert!(
            reasons[0]
                .message
                .as_deref()
                .unwrap()
                .contains("action 1 (update)")
        );
        assert!(
            reasons[1]
                .message
                .as_deref()
                .unwrap()
                .starts_with("not the cause")
        );
        assert!(
            reasons[1]
                .message
                .as_deref()
                .unwrap()
                .contains("action 0 (check)")
        );
        assert!(reasons[2].message.is_none());

        // Both brought a condition: both are reported, and said to be merged.
        let p = plan(
            vec![
                Tx::check(acc("src"), "balance >= :amount", values! {":amount" => 100}),
                Tx::update(acc("src"), updates! { balance: {:decrement, 100} })
                    .condition("attribute_exists(balance)", values! {}),
            ],
            "tok".into(),
        )
        .unwrap();
        let reasons = p.reasons_as_given(&[CancellationReason {
            index: 0,
            code: "ConditionalCheckFailed".into(),
            message: None,
        }]);
        assert_eq!(reasons.len(), 2);
        for r in &reasons {
            assert_eq!(r.code, "ConditionalCheckFailed");
            let m = r.message.as_deref().unwrap();
            assert!(m.contains("0 (check) and 1 (update)"), "{m}");
            assert!(m.contains("cannot be told"), "{m}");
        }
    }

    #[test]
    fn limits_and_mistakes_are_found_before_sending() {
        assert!(
            plan(vec![], "t".into())
                .unwrap_err()
                .message()
                .contains("at least one")
        );
        let many: Vec<Tx> = (0..101)
            .map(|i| Tx::delete(acc(&format!("a{i}"))))
            .collect();
        assert!(
            plan(many, "t".into())
                .unwrap_err()
                .message()
                .contains("at most 100")
        );
        let e = plan(vec![Tx::delete(acc("a"))], String::new()).unwrap_err();
        assert!(e.message().contains("token"), "{}", e.message());
        let e = plan(vec![Tx::delete(acc("a"))], "x".repeat(37)).unwrap_err();
        assert!(e.message().contains("1 to 36"), "{}", e.message());
        let e = plan(vec![Tx::delete(acc("a")), Tx::put(acc("a"))], "t".into()).unwrap_err();
        assert!(
            e.message()
                .contains("actions 0 and 1 both write the item a"),
            "{}",
            e.message()
        );
        let e = plan(
            vec![Tx::delete(acc("ok")), Tx::delete(&item!(Account {}))],
            "t".into(),
        )
        .unwrap_err();
        assert!(
            e.message().starts_with("transaction action 1:"),
            "{}",
            e.message()
        );
        assert_eq!(e.field(), Some("id"));
        let e = plan(vec![Tx::update(acc("a"), updates! { id: "b" })], "t".into()).unwrap_err();
        assert!(
            e.message().contains("part of the primary key"),
            "{}",
            e.message()
        );
        let big = item!(Account { id: "a" });
        let e = plan(
            (0..11)
                .map(|i| {
                    Tx::check(
                        acc(&format!("b{i}")),
                        "balance > :v",
                        values! {":v" => "x".repeat(400_000)},
                    )
                })
                .chain([Tx::put(big)])
                .collect(),
            "t".into(),
        )
        .unwrap_err();
        assert!(
            e.message().contains("at most 4194304 bytes"),
            "{}",
            e.message()
        );
    }

    #[test]
    fn merged_conditions_must_agree() {
        let e = plan(
            vec![
                Tx::check(acc("a"), "balance > :v", values! {":v" => 1}),
                Tx::check(acc("a"), "balance < :v", values! {":v" => 2}),
            ],
            "t".into(),
        )
        .unwrap_err();
        assert!(
            e.message().starts_with("transaction actions 0, 1:"),
            "{}",
            e.message()
        );
        let p = plan(
            vec![
                Tx::check(acc("a"), "balance > :lo", values! {":lo" => 1}),
                Tx::check(acc("a"), "balance < :hi", values! {":hi" => 9}),
            ],
            "t".into(),
        )
        .unwrap();
        let TxAction::Check { condition, .. } = &p.request.actions[0] else {
            panic!("a check");
        };
        assert_eq!(condition, "(balance > :lo) AND (balance < :hi)");
    }

    #[test]
    fn conditions_on_actions() {
        let t = Tx::put(acc("a")).condition("attribute_not_exists(id)", values! {});
        let p = plan(vec![t], "t".into()).unwrap();
        let TxAction::Put { condition, .. } = &p.request.actions[0] else {
            panic!("a put");
        };
        assert_eq!(condition.as_deref(), Some("attribute_not_exists(id)"));
        let twice = Tx::delete(acc("a"))
            .condition("attribute_exists(id)", values! {})
            .condition("attribute_exists(id)", values! {});
        assert!(
            plan(vec![twice], "t".into())
                .unwrap_err()
                .message()
                .contains("already has a condition")
        );
        let on_check = Tx::check(acc("a"), "attribute_exists(id)", values! {})
            .condition("x = :y", values! {":y" => 1});
        assert!(format!("{on_check:?}").contains("invalid"));
        assert!(request_token().len() == 32);
    }

    /// Code that seeds fastrand (for a deterministic test, say) must not
    /// make two transactions share a token: DynamoDB would skip the second.
    #[test]
    fn tokens_do_not_follow_a_seeded_generator() {
        fastrand::seed(7);
        let first = request_token();
        fastrand::seed(7);
        let second = request_token();
        assert_ne!(first, second);
        assert!(first.len() == 32 && first.bytes().all(|b| b.is_ascii_hexdigit()));
    }
}
