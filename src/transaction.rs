//! Transactions (Elixir's `Dynamo.Transaction`): several writes and checks
//! that succeed or fail together, and reads of several items as one
//! snapshot ([`transact_get`]).
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
//! give each action's reason; one that no action cancelled (a conflict with
//! another transaction, throttling) is first sent again by the client's
//! retry policy ([`Error::is_retryable`](crate::Error::is_retryable)).

use crate::client::Client;
use crate::error::Result;
use crate::plan::transact_get;
use crate::plan::transaction::{plan, request_token};

pub use crate::plan::transact_get::{MAX_GETS, TxGet, TxItems};
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
            Err(e) => Err(plan.explain(e)),
        }
    }

    /// Reads up to 100 items, of any schemas and tables, as one
    /// consistent snapshot (`TransactGetItems`): no write made in between
    /// shows in some and not others.
    ///
    /// ```no_run
    /// # use dynamo::prelude::*;
    /// # use dynamo::transaction::TxGet;
    /// # dynamo_item! {
    /// #     pub struct Account {
    /// #         table_name "accounts";
    /// #         field :id, partition_key;
    /// #         field :balance: i64;
    /// #     }
    /// # }
    /// # async fn run(client: dynamo::Client) -> dynamo::Result<()> {
    /// let got = client
    ///     .transact_get(vec![
    ///         TxGet::get(&item!(Account { id: "source" })),
    ///         TxGet::get(&item!(Account { id: "dest" })),
    ///     ])
    ///     .await?;
    /// let source: Option<Account> = got.item(0)?;
    /// let dest: Option<Account> = got.item(1)?;
    /// # let _ = (source, dest); Ok(()) }
    /// ```
    ///
    /// Checked before sending, each a `ValidationError` naming the read's
    /// position: no reads, more than 100, two reads of one item, unset key
    /// fields. A read while a transaction writes the same item may be
    /// cancelled (reason `TransactionConflict`): it is read again by the
    /// client's retry policy, and what is left after the last attempt is
    /// `TransactionCanceled`.
    pub async fn transact_get(&self, gets: Vec<TxGet>) -> Result<TxItems> {
        let plan = transact_get::plan(gets)?;
        let answer = self.execute(&plan.request).await?;
        plan.items(answer)
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

/// [`Client::transact_get`] on the default client.
pub async fn transact_get(gets: Vec<TxGet>) -> Result<TxItems> {
    Client::default_client()?.transact_get(gets).await
}
