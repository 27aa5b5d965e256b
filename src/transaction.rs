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

use crate::client::Client;
use crate::error::Result;
use crate::plan::transaction::{plan, request_token};

pub use crate::plan::transaction::{MAX_ACTIONS, MAX_TRANSACTION_SIZE, Tx};

impl Client {
    /// Runs the actions as one transaction (`TransactWriteItems`).
    pub async fn transact(&self, actions: Vec<Tx>) -> Result<()> {
        self.transact_with_token(actions, request_token()).await
    }

    /// Like [`transact`](Client::transact) with your own client request
    /// token (1–36 characters): calling again with the same token and the
    /// same actions within ten minutes does not apply them twice.
    pub async fn transact_with_token(&self, actions: Vec<Tx>, token: String) -> Result<()> {
        let plan = plan(actions, token)?;
        match self.execute(&plan.request).await {
            Ok(_) => Ok(()),
            Err(e) if plan.merged_any() && !e.cancellation_reasons().is_empty() => {
                // Report a reason for every action as given, not as sent.
                let reasons = plan.reasons_as_given(e.cancellation_reasons());
                Err(e.with_reasons(reasons))
            }
            Err(e) => Err(e),
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
