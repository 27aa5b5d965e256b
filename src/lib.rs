//! # dynamo — DynamoDB schemas in a near-Elixir macro block
//!
//! `dynamo` (package `dynamo-dsl`) lets async Rust services declare DynamoDB
//! schemas the way the Elixir `Dynamo` library does, and work with them:
//! composite keys, queries, GSIs, batches, streams, transactions, and a
//! `dynamo` command-line tool. It runs on `rusoto_dynamodb`, and its feature
//! `local` brings an open-source DynamoDB-compatible engine for tests and
//! quick starts ([`local`]).
//!
//! ```no_run
//! use dynamo::prelude::*;
//!
//! dynamo_item! {
//!     #[derive(Debug, Clone, PartialEq)]
//!     pub struct Order {
//!         table_name "orders";
//!         field :tenant_id;
//!         field :customer_id;
//!         field :order_date: String;
//!         field :order_id: String;
//!         field :total: f64, default: 0.0;
//!         partition_key [:tenant_id, :customer_id];
//!         sort_key [:order_date, :order_id];
//!     }
//! }
//!
//! # async fn run() -> dynamo::Result<()> {
//! Order::create_table().await?;
//! Order::put_item(item!(Order {
//!     tenant_id: "tenant123", customer_id: "customer456",
//!     order_date: "2024-01-15", order_id: "order789", total: 99.5,
//! })).await?;
//!
//! let recent = Order::list_items(
//!     &item!(Order { tenant_id: "tenant123", customer_id: "customer456", order_date: "2024-01-01" }),
//!     opts![sk_operator: :gte, scan_index_forward: false],
//! ).await?;
//! assert_eq!(recent[0].order_id, "order789");
//! # Ok(()) }
//! ```
//!
//! Where to look:
//!
//! * [`dynamo_item!`] — the schema block; [`item!`] — build a struct;
//!   [`opts!`], [`updates!`], [`values!`] — options, updates, expression values.
//! * [`Schema`] — the schema as data and its keys; [`SchemaExt`] — the item
//!   operations (`put_item`, `get_item`, `list_items`, …) of every schema
//!   type.
//! * [`table`] — scans, batches; [`table::stream`] — lazy streams;
//!   [`transaction`] — `transact`; [`mod@collection`] — several schemas of one
//!   partition; [`changes`] — DynamoDB Streams records as schema types.
//! * [`Client`] — the connection; [`config`] — layered settings;
//!   [`logger`] — request logging; [`Error`] — the one error type.
//!
//! The guides in `docs/` (getting started, schemas and keys, queries and
//! GSIs, batches and streams, transactions, errors and retries, configuration
//! and logging, the CLI, testing) are compiled as part of this crate's tests.

#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![warn(rust_2018_idioms)]

mod macros;

// The layers, bottom up (docs/internals.md; tests/layers.rs keeps imports
// flowing one way). Data: values, keys, the codec, errors, settings,
// options, updates, expressions, requests and answers.
pub(crate) mod clock;
pub mod codec;
pub mod config;
mod error;
pub(crate) mod expression;
pub mod key;
pub mod logger;
pub mod opts;
pub(crate) mod request;
pub mod update;
mod value;
// The schema as data.
mod schema;
// Schema items to and from attribute maps.
pub mod decoder;
pub mod encoder;
// Pure plans: every DynamoDB rule and check before sending.
pub(crate) mod plan;
// The one transport.
pub mod client;
// Operations on top.
#[cfg(feature = "local")]
pub mod local;
#[cfg(feature = "rusoto")]
pub mod rusoto;
pub mod table;
pub mod transaction;
// Typed collections: several schemas of one partition in one query.
pub mod collection;
// DynamoDB Streams records decoded into schema types.
pub mod changes;

pub use client::{Backend, Client, ClientBuilder, RetryPolicy};
pub use codec::{
    AttributeSink, AttributeSource, Decode, DecodeError, Encode, Item, Json, ScalarType, SetElement,
};
pub use config::SchemaOptions;
pub use error::{CancellationReason, Error, ErrorKind, Result};
pub use opts::{Key, Opt, Opts, Select, SkOperator};
pub use schema::{
    AsKey, DEFAULT_TYPE_ATTRIBUTE, FieldDef, IndexDef, LocalIndexDef, PrimaryKey, RelationDef,
    Schema, SchemaDef, SkStrategy,
};
pub use table::{BatchGetOutput, BatchWriteOutput, Page, Projection, SchemaExt};
pub use transaction::{Tx, TxGet};
pub use update::{UpdateOp, Updates};
pub use value::{Number, ParseNumberError, Value};

/// Everything a schema module needs: `use dynamo::prelude::*;`.
///
/// It includes [`Result`], `Result<T, E = dynamo::Error>`:
/// `Result<T>` means `dynamo::Result<T>`, and two-parameter uses such as
/// `Result<(), Box<dyn std::error::Error>>` keep their meaning.
pub mod prelude {
    pub use crate::collection::CollectionExt;
    pub use crate::table::stream::ScanMessage;
    pub use crate::{
        BatchGetOutput, BatchWriteOutput, Client, Decode, Encode, Error, ErrorKind, Item, Json,
        Key, Number, Opts, Page, Result, Schema, SchemaExt, Select, SkOperator, Tx, TxGet,
        UpdateOp, Updates, Value,
    };
    pub use crate::{dynamo_item, item, opts, tx, updates, values};
}

/// Support for macro expansions. Not public API.
#[doc(hidden)]
pub mod __private {
    pub use core::{assert, compile_error, concat, stringify, unreachable};
    pub use std::boxed::Box;
    pub use std::clone::Clone;
    pub use std::collections::BTreeMap;
    pub use std::convert::Into;
    pub use std::default::Default;
    pub use std::ops::FnOnce;
    pub use std::option::Option::{self, None, Some};
    pub use std::result::Result::{self, Err, Ok};
    pub use std::string::String;
    pub use std::vec::Vec;

    pub use crate::macros::support::*;
}

/// Every Rust snippet in the README and in `docs/` is compiled (and, unless
/// marked `no_run`, run) as a doc test through these items.
#[cfg(doctest)]
mod doc_snippets {
    #[doc = include_str!("../README.md")]
    pub struct Readme;
    #[doc = include_str!("../docs/dsl.md")]
    pub struct Dsl;
    #[doc = include_str!("../docs/schemas-and-keys.md")]
    pub struct SchemasAndKeys;
    #[doc = include_str!("../docs/queries-and-gsis.md")]
    pub struct QueriesAndGsis;
    #[doc = include_str!("../docs/batches-and-streams.md")]
    pub struct BatchesAndStreams;
    #[doc = include_str!("../docs/transactions.md")]
    pub struct Transactions;
    #[doc = include_str!("../docs/errors-and-retries.md")]
    pub struct ErrorsAndRetries;
    #[doc = include_str!("../docs/getting-started.md")]
    pub struct GettingStarted;
    #[doc = include_str!("../docs/configuration.md")]
    pub struct Configuration;
    #[doc = include_str!("../docs/cli.md")]
    pub struct Cli;
    #[doc = include_str!("../docs/testing.md")]
    pub struct Testing;
    #[doc = include_str!("../docs/local-engine.md")]
    pub struct LocalEngine;
    #[doc = include_str!("../docs/reliability.md")]
    pub struct Reliability;
    #[doc = include_str!("../docs/internals.md")]
    pub struct Internals;
    #[doc = include_str!("../docs/elixir.md")]
    pub struct Elixir;
    #[doc = include_str!("../docs/performance.md")]
    pub struct Performance;
    #[doc = include_str!("../docs/api.md")]
    pub struct Api;
}
