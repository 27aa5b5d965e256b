//! Transactions (Elixir's `Dynamo.Transaction`): several writes and checks
//! that succeed or fail together.
//!
//! ```no_run
//! use dynamo::prelude::*;
//! use dynamo::transaction::Tx;
//!
//! dynamo_item! {
//!     #[derive(Debug, Clone)]
//!     pub struct Account {
//!         table_name "accounts";
//!         field :id, partition_key;
//!         field :balance: i64;
//!     }
//! }
//!
//! # async fn run() -> dynamo::Result<()> {
//! dynamo::transaction::transact(vec![
//!     Tx::check(&item!(Account { id: "source" }), "balance >= :amount", values!{":amount" => 100}),
//!     Tx::update(&item!(Account { id: "source" }), updates!{ balance: {:decrement, 100} }),
//!     Tx::update(&item!(Account { id: "dest" }), updates!{ balance: {:increment, 100} }),
//! ]).await?;
//! # Ok(()) }
//! ```
//!
//! DynamoDB allows one action per item; a `Tx::check` on an item that the
//! transaction also writes (as above) is sent as that write's condition,
//! which means the same thing, and several checks on one item become one.
//!
//! Checked before sending, each a `ValidationError`: no actions, more than
//! 100 actions, more than 4 MB, two writes on the same item, and every
//! action's own problems (unset key fields, bad expressions, …), named by
//! the action's position. Every call carries a client request token, so a
//! retry after a lost answer cannot apply the transaction twice. A cancelled
//! transaction is a [`TransactionCanceled`](crate::ErrorKind::TransactionCanceled)
//! error whose [`cancellation_reasons`](crate::Error::cancellation_reasons)
//! give each action's reason.

use std::collections::{BTreeMap, HashMap};

use crate::client::wire::encode_for_write;
use crate::client::{Client, TxWire};
use crate::codec::size::value_size;
use crate::error::{CancellationReason, Error, Result};
use crate::schema::Schema;
use crate::table::{UpdatePlan, condition_parts};
use crate::update::Updates;
use crate::value::Value;

/// DynamoDB's limit of actions per transaction.
pub const MAX_ACTIONS: usize = 100;
/// DynamoDB's limit of a transaction's total size: 4 MB.
pub const MAX_TRANSACTION_SIZE: usize = 4 * 1024 * 1024;

/// One action of a transaction. Build with [`Tx::put`], [`Tx::update`],
/// [`Tx::delete`] or [`Tx::check`]; add a condition to the first three with
/// [`Tx::condition`].
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
}

enum Action {
    Put {
        item: crate::client::wire::AttrMap,
    },
    Update {
        key: crate::Item,
        updates: Updates,
        plan: UpdatePlan,
    },
    Delete {
        key: crate::Item,
    },
    Check {
        key: crate::Item,
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

fn key_size(key: &crate::Item) -> usize {
    key.iter().map(|(k, v)| k.len() + value_size(v)).sum()
}

impl Tx {
    /// Writes `item` (replacing any item with its key).
    pub fn put<T: Schema>(item: T) -> Tx {
        Tx {
            prepared: (|| {
                let (map, size) = encode_for_write(&item)?;
                let pk = item.primary_key()?;
                Ok(Prepared {
                    kind: "put",
                    table: T::SCHEMA.effective_table_name(),
                    key: (pk.partition, pk.sort.map(|s| s.1)),
                    size,
                    action: Action::Put { item: map },
                    conds: Vec::new(),
                })
            })(),
        }
    }

    /// Changes the item with `key`'s primary key, with the `updates!`
    /// operators.
    pub fn update<T: Schema>(key: &T, updates: Updates) -> Tx {
        Tx {
            prepared: (|| {
                let pk = key.primary_key()?;
                let item = pk.to_item();
                let plan = UpdatePlan::new(key);
                // Render now so mistakes are reported with the action.
                plan.render(&updates, None, &BTreeMap::new(), &BTreeMap::new())?;
                let size = key_size(&item)
                    + updates
                        .actions()
                        .iter()
                        .map(|(f, op)| f.len() + op_size(op))
                        .sum::<usize>();
                Ok(Prepared {
                    kind: "update",
                    table: T::SCHEMA.effective_table_name(),
                    key: (pk.partition, pk.sort.map(|s| s.1)),
                    size,
                    action: Action::Update {
                        key: item,
                        updates,
                        plan,
                    },
                    conds: Vec::new(),
                })
            })(),
        }
    }

    /// Deletes the item with `key`'s primary key.
    pub fn delete<T: Schema>(key: &T) -> Tx {
        Tx {
            prepared: (|| {
                let pk = key.primary_key()?;
                let item = pk.to_item();
                Ok(Prepared {
                    kind: "delete",
                    table: T::SCHEMA.effective_table_name(),
                    key: (pk.partition, pk.sort.map(|s| s.1)),
                    size: key_size(&item),
                    action: Action::Delete { key: item },
                    conds: Vec::new(),
                })
            })(),
        }
    }

    /// Requires `condition` to hold for the item with `key`'s primary key,
    /// without changing it. `values` defines the condition's `:placeholders`
    /// (`values!{":amount" => 100}`); bare reserved words in the condition
    /// are fine.
    pub fn check<T: Schema>(
        key: &T,
        condition: impl Into<String>,
        values: BTreeMap<String, Value>,
    ) -> Tx {
        let condition = condition.into();
        Tx {
            prepared: (|| {
                let pk = key.primary_key()?;
                let item = pk.to_item();
                // Checked now, so mistakes are reported with the action.
                condition_parts(Some(&condition), &BTreeMap::new(), &values)?;
                let size = key_size(&item)
                    + condition.len()
                    + values.values().map(value_size).sum::<usize>();
                Ok(Prepared {
                    kind: "check",
                    table: T::SCHEMA.effective_table_name(),
                    key: (pk.partition, pk.sort.map(|s| s.1)),
                    size,
                    action: Action::Check { key: item },
                    conds: vec![(condition, values)],
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
                Action::Update { updates, plan, .. } => {
                    plan.render(updates, Some(&condition), &BTreeMap::new(), &values)?;
                }
                _ => {
                    condition_parts(Some(&condition), &BTreeMap::new(), &values)?;
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
    /// The request for this action, with every condition it carries.
    fn into_wire(self) -> Result<TxWire> {
        let (condition, values) = combine_conditions(&self.conds)?;
        let condition = condition.as_deref();
        let none = BTreeMap::new();
        Ok(match self.action {
            Action::Put { item } => {
                let (condition, exprs) = condition_parts(condition, &none, &values)?;
                TxWire::Put {
                    table: self.table,
                    item,
                    condition,
                    exprs,
                }
            }
            Action::Update { key, updates, plan } => {
                let (update, condition, exprs) =
                    plan.render(&updates, condition, &none, &values)?;
                TxWire::Update {
                    table: self.table,
                    key,
                    update,
                    condition,
                    exprs,
                }
            }
            Action::Delete { key } => {
                let (condition, exprs) = condition_parts(condition, &none, &values)?;
                TxWire::Delete {
                    table: self.table,
                    key,
                    condition,
                    exprs,
                }
            }
            Action::Check { key } => {
                let (condition, exprs) = condition_parts(condition, &none, &values)?;
                TxWire::Check {
                    table: self.table,
                    key,
                    condition: condition.expect("a check has a condition"),
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
                for (k, v) in vs {
                    match values.get(k) {
                        Some(old) if old != v => {
                            return Err(Error::validation(format!(
                                "the conditions merged on one item both define `{k}`, with different values \
                                 ({old:?} and {v:?}); rename one of them"
                            )));
                        }
                        _ => {
                            values.insert(k.clone(), v.clone());
                        }
                    }
                }
            }
            let joined = conds
                .iter()
                .map(|(c, _)| format!("({c})"))
                .collect::<Vec<_>>()
                .join(" AND ");
            Ok((Some(joined), values))
        }
    }
}

fn op_size(op: &crate::UpdateOp) -> usize {
    use crate::UpdateOp::*;
    match op {
        Set(v) | Increment(v) | Decrement(v) | Append(v) | Prepend(v) | IfNotExists(v) => {
            value_size(v)
        }
        Remove => 0,
    }
}

/// A client request token: 32 random hex digits.
fn request_token() -> String {
    format!("{:016x}{:016x}", fastrand::u64(..), fastrand::u64(..))
}

impl Client {
    /// Runs the actions as one transaction (`TransactWriteItems`).
    pub async fn transact(&self, actions: Vec<Tx>) -> Result<()> {
        self.transact_with_token(actions, request_token()).await
    }

    /// Like [`transact`](Client::transact) with your own client request
    /// token (1–36 characters): calling again with the same token and the
    /// same actions within ten minutes does not apply them twice.
    pub async fn transact_with_token(&self, actions: Vec<Tx>, token: String) -> Result<()> {
        if token.is_empty() || token.len() > 36 {
            return Err(Error::validation(format!(
                "client request token must be 1 to 36 characters, got {}",
                token.len()
            )));
        }
        if actions.is_empty() {
            return Err(Error::validation("transact needs at least one action"));
        }
        if actions.len() > MAX_ACTIONS {
            return Err(Error::validation(format!(
                "transaction has {} actions; DynamoDB allows at most {MAX_ACTIONS} per transaction",
                actions.len()
            )));
        }
        let with_index = |i: usize, e: Error| {
            let mut out = Error::new(e.kind(), format!("transaction action {i}: {}", e.message()));
            if let Some(f) = e.field() {
                out = out.with_field(f);
            }
            out
        };
        // Prepare every action; group the actions on each item.
        let mut prepared: Vec<Option<Prepared>> = Vec::with_capacity(actions.len());
        let mut groups: Vec<Vec<usize>> = Vec::new();
        let mut group_of: HashMap<(String, String, Option<String>), usize> =
            HashMap::with_capacity(actions.len());
        let mut total = 0usize;
        for (i, tx) in actions.into_iter().enumerate() {
            let p = tx.prepared.map_err(|e| with_index(i, e))?;
            crate::table::check_table_name(&p.table).map_err(|e| with_index(i, e))?;
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
        if total > MAX_TRANSACTION_SIZE {
            return Err(Error::validation(format!(
                "transaction is {total} bytes; DynamoDB allows at most {MAX_TRANSACTION_SIZE} bytes (4 MB)"
            )));
        }
        // DynamoDB allows one action per item. A check on an item that is
        // also written is the same as a condition on that write (both are
        // evaluated before anything changes), so it is merged into it; so
        // are several checks on one item. Two writes on one item are refused.
        let mut wires = Vec::with_capacity(groups.len());
        // For each original action, the position of the request it went into.
        let mut sent_as = vec![0usize; prepared.len()];
        for group in &groups {
            let writes: Vec<usize> = group
                .iter()
                .copied()
                .filter(|&i| !prepared[i].as_ref().expect("not taken").action.is_check())
                .collect();
            if let [first, second, ..] = writes[..] {
                let p = prepared[second].as_ref().expect("not taken");
                return Err(Error::validation(format!(
                    "transaction actions {first} and {second} both write the item {}; DynamoDB allows one action per item \
                     (a Tx::check on a written item is merged into the write as its condition)",
                    p.describe_item()
                )));
            }
            let target = writes.first().copied().unwrap_or(group[0]);
            let mut p = prepared[target].take().expect("not taken");
            for &i in group {
                if i != target {
                    let other = prepared[i].take().expect("not taken");
                    p.conds.extend(other.conds);
                }
                sent_as[i] = wires.len();
            }
            let merged = group.len() > 1;
            let wire = p.into_wire().map_err(|e| {
                if merged {
                    Error::new(
                        e.kind(),
                        format!(
                            "transaction actions {}: {}",
                            group
                                .iter()
                                .map(|i| i.to_string())
                                .collect::<Vec<_>>()
                                .join(", "),
                            e.message()
                        ),
                    )
                } else {
                    with_index(target, e)
                }
            })?;
            wires.push(wire);
        }
        let merged_any = wires.len() < sent_as.len();
        match self.raw_transact(wires, token).await {
            Err(e) if merged_any && !e.cancellation_reasons().is_empty() => {
                // Report a reason for every action as given, not as sent.
                let sent = e.cancellation_reasons().to_vec();
                let reasons = sent_as
                    .iter()
                    .enumerate()
                    .filter_map(|(i, &pos)| {
                        sent.iter()
                            .find(|r| r.index == pos)
                            .map(|r| CancellationReason {
                                index: i,
                                ..r.clone()
                            })
                    })
                    .collect();
                Err(e.with_reasons(reasons))
            }
            other => other,
        }
    }
}

/// [`Client::transact`] on the default client.
pub async fn transact(actions: Vec<Tx>) -> Result<()> {
    Client::default_client()?.transact(actions).await
}

/// [`Client::transact_with_token`] on the default client.
pub async fn transact_with_token(actions: Vec<Tx>, token: impl Into<String>) -> Result<()> {
    Client::default_client()?
        .transact_with_token(actions, token.into())
        .await
}
