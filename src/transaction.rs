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
//! Checked before sending, each a `ValidationError`: no actions, more than
//! 100 actions, more than 4 MB, two actions on the same item, and every
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
use crate::error::{Error, Result};
use crate::schema::Schema;
use crate::table::{condition_parts, UpdatePlan};
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
    Taken,
    Done(TxWire),
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
                let (cond, exprs) = condition_parts(Some(&condition), &BTreeMap::new(), &values)?;
                let size = key_size(&item)
                    + condition.len()
                    + values.values().map(value_size).sum::<usize>();
                Ok(Prepared {
                    kind: "check",
                    table: T::SCHEMA.effective_table_name(),
                    key: (pk.partition, pk.sort.map(|s| s.1)),
                    size,
                    action: Action::Done(TxWire::Check {
                        table: T::SCHEMA.effective_table_name(),
                        key: item,
                        condition: cond.expect("a condition was given"),
                        exprs,
                    }),
                })
            })(),
        }
    }

    /// Adds a condition to a put, update or delete: the whole transaction
    /// is cancelled unless it holds.
    pub fn condition(self, condition: impl Into<String>, values: BTreeMap<String, Value>) -> Tx {
        let condition = condition.into();
        let prepared = self.prepared.and_then(|mut p| {
            let wire = match p.action {
                Action::Put { item } => {
                    let (cond, exprs) = condition_parts(Some(&condition), &BTreeMap::new(), &values)?;
                    TxWire::Put { table: p.table.clone(), item, condition: cond, exprs }
                }
                Action::Update { key, updates, plan } => {
                    let (update, cond, exprs) = plan.render(&updates, Some(&condition), &BTreeMap::new(), &values)?;
                    TxWire::Update { table: p.table.clone(), key, update, condition: cond, exprs }
                }
                Action::Delete { key } => {
                    let (cond, exprs) = condition_parts(Some(&condition), &BTreeMap::new(), &values)?;
                    TxWire::Delete { table: p.table.clone(), key, condition: cond, exprs }
                }
                Action::Taken | Action::Done(TxWire::Check { .. }) => {
                    return Err(Error::validation(
                        "Tx::check already has its condition; use Tx::check(key, condition, values)",
                    ))
                }
                Action::Done(_) => {
                    return Err(Error::validation("this action already has a condition; give one condition per action"))
                }
            };
            p.size += condition.len() + values.values().map(value_size).sum::<usize>();
            p.action = Action::Done(wire);
            Ok(p)
        });
        Tx { prepared }
    }

    fn into_wire(self) -> Result<(Prepared, TxWire)> {
        let mut p = self.prepared?;
        let action = std::mem::replace(&mut p.action, Action::Taken);
        let wire = match action {
            Action::Put { item } => TxWire::Put {
                table: p.table.clone(),
                item,
                condition: None,
                exprs: Default::default(),
            },
            Action::Update { key, updates, plan } => {
                let (update, _, exprs) =
                    plan.render(&updates, None, &BTreeMap::new(), &BTreeMap::new())?;
                TxWire::Update {
                    table: p.table.clone(),
                    key,
                    update,
                    condition: None,
                    exprs,
                }
            }
            Action::Delete { key } => TxWire::Delete {
                table: p.table.clone(),
                key,
                condition: None,
                exprs: Default::default(),
            },
            Action::Taken => unreachable!("an action is converted once"),
            Action::Done(w) => w,
        };
        Ok((p, wire))
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
        let mut seen: HashMap<(String, String, Option<String>), usize> =
            HashMap::with_capacity(actions.len());
        let mut wires = Vec::with_capacity(actions.len());
        let mut total = 0usize;
        for (i, tx) in actions.into_iter().enumerate() {
            let (p, wire) = tx.into_wire().map_err(|e| {
                let mut out =
                    Error::new(e.kind(), format!("transaction action {i}: {}", e.message()));
                if let Some(f) = e.field() {
                    out = out.with_field(f);
                }
                out
            })?;
            crate::table::check_table_name(&p.table).map_err(|e| {
                Error::validation(format!("transaction action {i}: {}", e.message()))
            })?;
            let id = (p.table.clone(), p.key.0.clone(), p.key.1.clone());
            if let Some(first) = seen.insert(id, i) {
                return Err(Error::validation(format!(
                    "transaction actions {first} and {i} both touch the item {}{} in `{}`; DynamoDB allows one action per item",
                    p.key.0,
                    p.key.1.as_deref().map(|s| format!(" / {s}")).unwrap_or_default(),
                    p.table
                )));
            }
            total += p.size;
            wires.push(wire);
        }
        if total > MAX_TRANSACTION_SIZE {
            return Err(Error::validation(format!(
                "transaction is {total} bytes; DynamoDB allows at most {MAX_TRANSACTION_SIZE} bytes (4 MB)"
            )));
        }
        self.raw_transact(wires, token).await
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
