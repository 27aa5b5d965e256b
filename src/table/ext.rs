//! [`SchemaExt`]: the operations every schema type offers, on the default
//! client — `User::put_item(user)`, `User::get_item(&key)`, … as in the
//! guide. Keys are taken by value or by reference ([`AsKey`]).

use std::future::Future;

use futures_util::Stream;

use super::{Page, TableInfo};
use crate::error::Result;
use crate::opts::Opts;
use crate::schema::{AsKey, Schema};
use crate::update::Updates;

/// The operations of a schema type (Elixir's `User.put_item(user)` and
/// friends), implemented for every [`Schema`] and run on the default client
/// ([`Client::default_client`](crate::Client::default_client)). For an
/// explicit client, call the same methods on a [`Client`](crate::Client).
///
/// It is in the prelude: `use dynamo::prelude::*;` brings it.
pub trait SchemaExt: Schema {
    /// Writes the item (replacing any item with its key) and returns it.
    /// Elixir: `User.put_item(user)`. For a condition use
    /// [`put_item_with`](SchemaExt::put_item_with).
    fn put_item(self) -> impl Future<Output = Result<Self>> + Send {
        super::put_item(self, Opts::new())
    }

    /// [`put_item`](SchemaExt::put_item) with options: a conditional put
    /// (`opts![condition_expression: "attribute_not_exists(pk)"]`, with
    /// `expression_attribute_names` / `_values`). Elixir:
    /// `User.put_item(user, condition_expression: …)`.
    fn put_item_with(self, opts: Opts) -> impl Future<Output = Result<Self>> + Send {
        super::put_item(self, opts)
    }

    /// [`get_item`](SchemaExt::get_item) with options: `consistent_read`,
    /// `projection_expression`, `expression_attribute_names`,
    /// `include_expired`.
    fn get_item_with(
        key: impl AsKey<Item = Self> + Send,
        opts: Opts,
    ) -> impl Future<Output = Result<Option<Self>>> + Send {
        super::get_item(key, opts)
    }

    /// [`delete_item`](SchemaExt::delete_item) with options: a conditional
    /// delete (`condition_expression` with its names and values).
    fn delete_item_with(
        key: impl AsKey<Item = Self> + Send,
        opts: Opts,
    ) -> impl Future<Output = Result<Option<Self>>> + Send {
        super::delete_item(key, opts)
    }

    /// [`update_item`](SchemaExt::update_item) with options: a conditional
    /// update (`condition_expression` with its names and values), or an
    /// update written by hand (`update_expression`, with `updates!{}`; see
    /// [`Client::update_item`](crate::Client::update_item)).
    fn update_item_with(
        key: impl AsKey<Item = Self> + Send,
        updates: Updates,
        opts: Opts,
    ) -> impl Future<Output = Result<Self>> + Send {
        super::update_item(key, updates, opts)
    }

    /// Reads the item with this key (a value or a reference); `Ok(None)`
    /// when there is none.
    fn get_item(
        key: impl AsKey<Item = Self> + Send,
    ) -> impl Future<Output = Result<Option<Self>>> + Send {
        super::get_item(key, Opts::new())
    }

    /// Deletes the item with this key and returns it as it was (`Ok(None)`
    /// when there was none).
    fn delete_item(
        key: impl AsKey<Item = Self> + Send,
    ) -> impl Future<Output = Result<Option<Self>>> + Send {
        super::delete_item(key, Opts::new())
    }

    /// Changes the item with this key (`updates!{…}`) and returns it as it is
    /// now.
    fn update_item(
        key: impl AsKey<Item = Self> + Send,
        updates: Updates,
    ) -> impl Future<Output = Result<Self>> + Send {
        super::update_item(key, updates, Opts::new())
    }

    /// Every item of this key's partition matching the sort-key condition
    /// (all pages, or at most `limit` items). See `docs/queries-and-gsis.md`.
    fn list_items(
        key: impl AsKey<Item = Self> + Send,
        opts: Opts,
    ) -> impl Future<Output = Result<Vec<Self>>> + Send {
        super::list_items(key, opts)
    }

    /// One page of [`list_items`](SchemaExt::list_items), with the key to
    /// continue from.
    fn query_page(
        key: impl AsKey<Item = Self> + Send,
        opts: Opts,
    ) -> impl Future<Output = Result<Page<Self>>> + Send {
        super::query_page(key, opts)
    }

    /// How many items [`list_items`](SchemaExt::list_items) would return.
    fn count_items(
        key: impl AsKey<Item = Self> + Send,
        opts: Opts,
    ) -> impl Future<Output = Result<usize>> + Send {
        super::count_items(key, opts)
    }

    /// A lazy stream over the pages of [`list_items`](SchemaExt::list_items).
    fn stream_items(
        key: impl AsKey<Item = Self>,
        opts: Opts,
    ) -> impl Stream<Item = Result<Self>> + Send + 'static {
        super::stream::query(key, opts)
    }

    /// Creates the schema's table (keys, attribute types, indexes and
    /// projections, on-demand billing) and waits until it is active.
    fn create_table() -> impl Future<Output = Result<TableInfo>> + Send {
        super::create_table::<Self>()
    }

    /// Creates the schema's table unless it exists; a table that exists must
    /// have the schema's keys and indexes (else a `ValidationError` naming
    /// the difference). Idempotent: run it at every start.
    fn create_table_if_missing() -> impl Future<Output = Result<TableInfo>> + Send {
        super::create_table_if_missing::<Self>()
    }

    /// Deletes the schema's table and waits until it is gone.
    fn delete_table() -> impl Future<Output = Result<()>> + Send {
        super::delete_table::<Self>()
    }
}

impl<T: Schema> SchemaExt for T {}
