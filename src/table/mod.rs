//! Table operations (Elixir's `Dynamo.Table`): item reads and writes,
//! queries, scans, batches and table management.
//!
//! Every function here runs on the default client ([`Client::default_client`]);
//! the same operations are methods of [`Client`] for an explicit client, and
//! the item operations are also methods of every schema type
//! ([`SchemaExt::put_item`], [`SchemaExt::list_items`], …).
//!
//! ```no_run
//! use dynamo::prelude::*;
//!
//! dynamo_item! {
//!     #[derive(Debug, Clone)]
//!     pub struct Product {
//!         table_name "products";
//!         field :category, partition_key;
//!         field :id, sort_key;
//!         field :name;
//!     }
//! }
//!
//! # async fn run() -> dynamo::Result<()> {
//! // A conditional write:
//! dynamo::table::put_item(
//!     item!(Product { category: "books", id: "b1", name: "Dune" }),
//!     opts![condition_expression: "attribute_not_exists(pk)"],
//! ).await?;
//!
//! // One page of a scan, then the next:
//! let page = dynamo::table::scan::<Product>(opts![limit: 100]).await?;
//! let next = dynamo::table::scan::<Product>(opts![exclusive_start_key: page.last_evaluated_key]).await?;
//!
//! // 25 items in one call (any number works: the crate chunks by 25):
//! let items = (1..=25)
//!     .map(|i| item!(Product { category: "electronics", id: format!("prod-{i}"), name: format!("Product {i}") }))
//!     .collect();
//! let out = dynamo::table::batch_write_item(items).await?;
//! assert!(out.unprocessed_items.is_empty());
//! # let _ = next; Ok(()) }
//! ```

mod admin;
mod batch;
mod ext;
mod scan;
pub mod stream;

use crate::client::Client;
use crate::error::{Error, ErrorKind, Result};
use crate::opts::{Key, Opts, Select};
use crate::plan::{self, Ctx};
use crate::schema::{AsKey, Schema};
use crate::update::Updates;

/// The most items a request of a read with a `limit` asks DynamoDB to read
/// per item still wanted, when a filter leaves items out.
const MAX_READ_SCALE: usize = 1000;

/// The `Limit` of each request of a read capped at a number of items
/// (`list_items`, the streams, parallel scans): no more than the items
/// still wanted — DynamoDB would otherwise read (and bill) up to 1 MB per
/// request — nor than `page_size`.
///
/// DynamoDB's `Limit` counts the items read before the filter: when the
/// filter (or the client, for a collection) leaves some out, the next
/// request asks for more in proportion to all the pages so far, so that a
/// sparse filter costs a few requests rather than one per item read.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Sizing {
    page_size: Option<usize>,
    /// Items read per item kept, as the pages so far tell.
    scale: usize,
    read: u64,
    kept: u64,
}

impl Sizing {
    pub(crate) fn new(page_size: Option<usize>) -> Sizing {
        Sizing {
            page_size,
            scale: 1,
            read: 0,
            kept: 0,
        }
    }

    /// The next request's `Limit` when `remaining` more items are wanted
    /// (`None`: no cap, `page_size` alone).
    pub(crate) fn limit(&self, remaining: Option<usize>) -> Option<u32> {
        let per_page = match remaining {
            None => self.page_size?,
            Some(r) => {
                let wanted = r.saturating_mul(self.scale);
                self.page_size.map_or(wanted, |p| p.min(wanted))
            }
        };
        Some(u32::try_from(per_page.max(1)).unwrap_or(u32::MAX))
    }

    /// Counts a page: `scanned` items read, `kept` of them kept.
    pub(crate) fn record(&mut self, scanned: u64, kept: usize) {
        self.read = self.read.saturating_add(scanned);
        self.kept = self.kept.saturating_add(kept as u64);
        let ratio = match self.kept {
            0 if self.read > 0 => self.scale.saturating_mul(10),
            0 => 1,
            kept => usize::try_from(self.read.div_ceil(kept)).unwrap_or(usize::MAX),
        };
        self.scale = ratio.clamp(1, MAX_READ_SCALE);
    }
}

pub use crate::plan::batch::{DEFAULT_BATCH_CONCURRENCY, MAX_BATCH_GET, MAX_BATCH_WRITE};
pub use crate::request::{
    BillingMode, IndexInfo, IndexSpec, LocalIndexSpec, Projection, TableInfo, TableSpec, TtlInfo,
};
pub use admin::{ListTablesOutput, spec_for};
pub use batch::{BatchGetOutput, BatchWriteOutput};
pub use ext::SchemaExt;

/// One page of a query or scan.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// Where the next page starts: pass it back as `exclusive_start_key`.
    /// `None` on the last page.
    pub last_evaluated_key: Option<Key>,
    /// How many items matched (with `select: :count`, the only result).
    /// Items the crate leaves out after reading — in a collection, an item
    /// without a type that is none of its members' — do not count.
    pub count: usize,
    /// How many items were read before the filter.
    pub scanned_count: usize,
    /// `last_evaluated_key` as an opaque cursor.
    cursor: Option<String>,
}

impl<T> Page<T> {
    /// Where the next page starts, as an opaque URL-safe string to hand to
    /// a web client and take back as `opts![cursor: …]`; `None` on the last
    /// page. It is accepted only by the same table, index and query (the
    /// same partition, sort-key condition and order), and — when the client
    /// has a [`cursor_secret`](crate::ClientBuilder::cursor_secret) — only
    /// with its signature, so it cannot be forged.
    pub fn cursor(&self) -> Option<String> {
        self.cursor.clone()
    }

    /// `true` when this is the last page.
    pub fn is_last(&self) -> bool {
        self.last_evaluated_key.is_none()
    }
}

/// Turns one answered page of `read` into a [`Page`] of `T`.
pub(crate) fn page_of<T: Schema>(
    ctx: &Ctx,
    read: &crate::request::Read,
    answer: crate::request::PageAnswer,
    secret: Option<&[u8]>,
) -> Result<Page<T>> {
    Page::answered(read, answer, secret, |i| {
        plan::decode_item(ctx, i).map(Some)
    })
}

impl<T> Page<T> {
    /// The page `answer` to `read`: its items through `decode` (which
    /// leaves out an item by returning `None`), its counts and cursor.
    pub(crate) fn answered(
        read: &crate::request::Read,
        answer: crate::request::PageAnswer,
        secret: Option<&[u8]>,
        mut decode: impl FnMut(crate::codec::wire::WireItem) -> Result<Option<T>>,
    ) -> Result<Page<T>> {
        let mut items = Vec::with_capacity(answer.items.len());
        let mut left_out = 0usize;
        for item in answer.items {
            match decode(item)? {
                Some(t) => items.push(t),
                None => left_out += 1,
            }
        }
        let last_evaluated_key = answer.last_evaluated_key.map(|k| k.into_item());
        let cursor = last_evaluated_key
            .as_ref()
            .map(|k| plan::cursor::make(read, k, secret))
            .transpose()?;
        Ok(Page {
            items,
            last_evaluated_key,
            // What the page holds: items the decoder left out (not a
            // member of a collection) do not count as matched.
            count: usize::try_from(answer.count)
                .unwrap_or(usize::MAX)
                .saturating_sub(left_out),
            scanned_count: usize::try_from(answer.scanned_count).unwrap_or(usize::MAX),
            cursor,
        })
    }
}

impl Client {
    /// Writes `item` (replacing any item with the same key) and returns it.
    /// Options: `condition_expression` with its names and values.
    ///
    /// On a schema with a `version` field the stored item must be at the
    /// item's version (none stored when it is 0), the next version is
    /// written, and the item returned carries it; else the error is a
    /// [`VersionConflict`](crate::ErrorKind::VersionConflict). With
    /// `timestamps;`, `updated_at` is set, and `inserted_at` written once:
    /// an item built afresh (without one) put over a stored item takes the
    /// stored item's (a second request; see docs/schemas-and-keys.md).
    pub async fn put_item<T: Schema>(&self, item: T, opts: Opts) -> Result<T> {
        let ctx = Ctx::of::<T>()?;
        let mut item = item;
        // `timestamps;` on an item built afresh: a stored item's
        // `inserted_at` is kept (written once).
        let afresh =
            ctx.schema.timestamps && item.field_value("inserted_at").is_none_or(|v| v.is_unset());
        let version = plan::prepare_put(&ctx, &mut item)?;
        if afresh {
            return self
                .put_keeping_inserted_at(&ctx, item, &opts, version)
                .await;
        }
        let req = plan::item::put(&ctx, &item, &opts, version.as_ref(), None)?;
        if let Err(e) = self.execute(&req).await {
            return Err(conflict(
                &ctx,
                &item,
                version.as_ref(),
                opts.condition_expression.is_some(),
                e,
            ));
        }
        Ok(item)
    }

    /// A put of a timestamped item built afresh: first as a new item; when
    /// one is stored, again with its `inserted_at`, on condition that it is
    /// still the one read (a few rounds when other writers change it
    /// meanwhile).
    async fn put_keeping_inserted_at<T: Schema>(
        &self,
        ctx: &Ctx,
        mut item: T,
        opts: &Opts,
        version: Option<plan::VersionCheck>,
    ) -> Result<T> {
        const ROUNDS: usize = 4;
        let attr = ctx.schema.inserted_at_attribute();
        let stamped = item
            .field_value("inserted_at")
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        // What a failed attempt found stored: `None`, no item; else its
        // `inserted_at` when that is a non-empty string.
        let stored_at = |e: &Error| -> Option<Option<String>> {
            e.old_item().map(|old| {
                old.get(attr)
                    .and_then(|v| v.as_str())
                    .filter(|at| !at.is_empty())
                    .map(str::to_owned)
            })
        };
        let mut check = plan::InsertedAt::New;
        for _ in 0..ROUNDS {
            item.__set_inserted_at(match &check {
                plan::InsertedAt::Kept(Some(at)) => at,
                _ => &stamped,
            });
            let req = plan::item::put(ctx, &item, opts, version.as_ref(), Some(&check))?;
            let e = match self.execute(&req).await {
                Ok(_) => return Ok(item),
                Err(e) if e.kind() == crate::ErrorKind::ConditionalCheckFailed => e,
                Err(e) => return Err(e),
            };
            // What is stored now: nothing, or an item with this
            // `inserted_at` (or none).
            let now = stored_at(&e);
            let failed_on_ours = match (&check, &now) {
                (plan::InsertedAt::New, Some(_)) => true,
                (plan::InsertedAt::Kept(_), None) => true,
                (plan::InsertedAt::Kept(expected), Some(at)) => expected != at,
                (plan::InsertedAt::New, None) => false,
            };
            if !failed_on_ours {
                if opts.condition_expression.is_none() && version.is_none() {
                    // Only the crate's own check could fail, but the answer
                    // did not say what is stored (a server that does not
                    // return it): a plain put, as without timestamps.
                    let req = plan::item::put(ctx, &item, opts, None, None)?;
                    self.execute(&req).await?;
                    return Ok(item);
                }
                // The user's condition or the version check failed.
                return Err(conflict(
                    ctx,
                    &item,
                    version.as_ref(),
                    opts.condition_expression.is_some(),
                    e,
                ));
            }
            check = match now {
                Some(at) => plan::InsertedAt::Kept(at),
                None => plan::InsertedAt::New,
            };
        }
        Err(Error::new(
            crate::ErrorKind::TransactionConflict,
            format!(
                "put_item: the item at this key on table `{}` changed {ROUNDS} times while its \
                 `{attr}` was being kept (timestamps); try again",
                ctx.table
            ),
        ))
    }

    /// Reads the item with `key`'s primary key; `Ok(None)` when there is none
    /// (or when the item there is another schema's, by its type attribute).
    /// Options: `consistent_read`, `projection_expression`,
    /// `expression_attribute_names`, `include_expired`.
    pub async fn get_item<K: AsKey>(&self, key: K, opts: Opts) -> Result<Option<K::Item>> {
        let key = key.as_key();
        let ctx = Ctx::read::<K::Item>(&opts)?;
        let req = plan::item::get(&ctx, key, &opts)?;
        let answer = self.execute(&req).await?;
        // Single-table design: another schema's item at this key is none of
        // this schema's.
        let item = answer
            .item
            .filter(|i| plan::is_own(&ctx, i))
            .map(|i| plan::decode_item::<K::Item>(&ctx, i))
            .transpose()?;
        // Time to live: an expired item is gone, unless `include_expired`.
        Ok(item.filter(|i| !plan::is_expired(&ctx, i, &opts)))
    }

    /// Deletes the item with `key`'s primary key and returns it as it was
    /// (`Ok(None)` when there was none). Options: `condition_expression` with
    /// its names and values.
    pub async fn delete_item<K: AsKey>(&self, key: K, opts: Opts) -> Result<Option<K::Item>> {
        let key = key.as_key();
        let ctx = Ctx::of::<K::Item>()?;
        let version = plan::version_of(&ctx, key)?;
        let req = plan::item::delete(&ctx, key, &opts, version.as_ref())?;
        let answer = match self.execute(&req).await {
            Ok(a) => a,
            Err(e) => {
                return Err(conflict(
                    &ctx,
                    key,
                    version.as_ref(),
                    opts.condition_expression.is_some(),
                    e,
                ));
            }
        };
        answer
            .attributes
            .map(|i| plan::decode_item(&ctx, i))
            .transpose()
    }

    /// Changes the item with `key`'s primary key and returns it as it is
    /// now. Like DynamoDB's UpdateItem, this creates the item when it does
    /// not exist (with its key fields set); add `condition_expression:
    /// "attribute_exists(pk)"` to refuse that. Options:
    /// `condition_expression` with its names and values, and
    /// `update_expression`: an update written by hand (`SET`, `REMOVE`,
    /// `ADD`, `DELETE` clauses) sent in place of `updates` (then
    /// `updates!{}`). It is checked before sending like every expression,
    /// and may not change the key or the attributes the crate writes
    /// itself; the crate's own actions (type attribute, version,
    /// timestamps) join its `SET` clause.
    ///
    /// ```no_run
    /// # use dynamo::prelude::*;
    /// # dynamo_item! {
    /// #     pub struct Post {
    /// #         table_name "posts";
    /// #         field :id: String, partition_key;
    /// #         field :likes: i64;
    /// #         field :tags: std::collections::BTreeSet<String>;
    /// #     }
    /// # }
    /// # async fn run(client: dynamo::Client) -> dynamo::Result<()> {
    /// let post = client
    ///     .update_item(
    ///         item!(%Post{id: "p1"}),
    ///         updates!{},
    ///         opts![
    ///             update_expression: "SET likes = likes + :one ADD tags :t",
    ///             expression_attribute_values: %{":one" => 1, ":t" => %{"SS" => ["rust"]}},
    ///         ],
    ///     )
    ///     .await?;
    /// # let _ = post; Ok(()) }
    /// ```
    pub async fn update_item<K: AsKey>(
        &self,
        key: K,
        updates: Updates,
        opts: Opts,
    ) -> Result<K::Item> {
        let key = key.as_key();
        let ctx = Ctx::of::<K::Item>()?;
        let req = plan::update::update(&ctx, key, &updates, &opts)?;
        let answer = match self.execute(&req).await {
            Ok(a) => a,
            Err(e) => {
                let version = plan::version_of(&ctx, key)?;
                let counters = plan::update::guards_for(&ctx, &updates, &opts);
                // A version conflict first; then a counter without room.
                let other = opts.condition_expression.is_some() || !counters.is_empty();
                let e = conflict(&ctx, key, version.as_ref(), other, e);
                return Err(plan::update::explain_counters(&counters, e));
            }
        };
        match answer.attributes {
            Some(i) => plan::decode_item(&ctx, i),
            None => Err(Error::new(
                ErrorKind::Decode,
                "update_item: DynamoDB returned no attributes for the updated item",
            )),
        }
    }

    /// Every item in `key`'s partition that matches the sort-key condition
    /// (see `docs/queries-and-gsis.md` for the rules), following pages until
    /// the end or until `limit` items are collected.
    pub async fn list_items<K: AsKey>(&self, key: K, opts: Opts) -> Result<Vec<K::Item>> {
        let key = key.as_key();
        if opts.select == Some(Select::Count) {
            return Err(Error::validation(
                "list_items returns items; for `select: :count` use `count_items` or `query_page`",
            ));
        }
        let ctx = Ctx::read::<K::Item>(&opts)?;
        let mut req = crate::request::Query(plan::query::query(&ctx, key, &opts, "list_items")?);
        plan::cursor::start(&mut req.0, &opts, self.cursor_key())?;
        self.all_pages(req, &opts, |i| plan::decode_item(&ctx, i).map(Some))
            .await
    }

    /// Follows the pages of `req` until the end, or until `limit` items are
    /// collected (`page_size` bounds each request); `decode` turns each item
    /// read into one `T`, or none to leave it out.
    pub(crate) async fn all_pages<T>(
        &self,
        mut req: crate::request::Query,
        opts: &Opts,
        mut decode: impl FnMut(crate::codec::wire::WireItem) -> Result<Option<T>>,
    ) -> Result<Vec<T>> {
        let mut out: Vec<T> = Vec::new();
        let mut sizing = Sizing::new(opts.page_size);
        loop {
            if let Some(limit) = opts.limit {
                req.0.limit = sizing.limit(Some(limit.saturating_sub(out.len())));
            }
            let answer = self.execute(&req).await?;
            let before = out.len();
            for i in answer.items {
                out.extend(decode(i)?);
            }
            sizing.record(answer.scanned_count, out.len() - before);
            match answer.last_evaluated_key {
                Some(k) if opts.limit.is_none_or(|l| out.len() < l) => {
                    req.0.start = Some(k.into_item().into_iter().collect());
                }
                _ => break,
            }
        }
        if let Some(limit) = opts.limit {
            out.truncate(limit);
        }
        Ok(out)
    }

    /// One page of the query [`list_items`](Client::list_items) runs, with
    /// the key to continue from. `limit` is the page's item limit.
    pub async fn query_page<K: AsKey>(&self, key: K, opts: Opts) -> Result<Page<K::Item>> {
        let key = key.as_key();
        let ctx = Ctx::read::<K::Item>(&opts)?;
        let mut req = crate::request::Query(plan::query::query(&ctx, key, &opts, "query_page")?);
        plan::cursor::start(&mut req.0, &opts, self.cursor_key())?;
        let answer = self.execute(&req).await?;
        page_of(&ctx, &req.0, answer, self.cursor_key())
    }

    /// How many items the query [`list_items`](Client::list_items) would
    /// return (`select: :count`, following every page).
    pub async fn count_items<K: AsKey>(&self, key: K, opts: Opts) -> Result<usize> {
        let key = key.as_key();
        let mut opts = Opts {
            select: Some(Select::Count),
            ..opts
        };
        // A count returns no attributes: the options of the same list_items
        // call count as they are, a projection left out (and the names only
        // it used, which DynamoDB would refuse as unused).
        if let Some(projection) = opts.projection_expression.take() {
            let (names, _) = crate::expression::placeholders_used(&projection);
            let (kept, _) = opts
                .filter_expression
                .as_deref()
                .map(crate::expression::placeholders_used)
                .unwrap_or_default();
            opts.expression_attribute_names
                .retain(|n, _| !names.contains(n) || kept.contains(n));
        }
        let ctx = Ctx::read::<K::Item>(&opts)?;
        let mut req = crate::request::Query(plan::query::query(&ctx, key, &opts, "count_items")?);
        plan::cursor::start(&mut req.0, &opts, self.cursor_key())?;
        let mut total = 0usize;
        loop {
            let answer = self.execute(&req).await?;
            total += usize::try_from(answer.count).unwrap_or(usize::MAX);
            match answer.last_evaluated_key {
                Some(k) => req.0.start = Some(k.into_item().into_iter().collect()),
                None => return Ok(total),
            }
        }
    }
}

/// A failed write on a versioned schema, explained (see
/// `VersionCheck::explain`).
/// `other_condition`: the write carried a condition besides the version.
fn conflict<T: Schema>(
    ctx: &Ctx,
    key: &T,
    version: Option<&plan::VersionCheck>,
    other_condition: bool,
    e: Error,
) -> Error {
    match (version, ctx.primary_key(key)) {
        (Some(v), Ok(pk)) => v.explain(ctx, &pk, other_condition, e),
        _ => e,
    }
}

fn default_client() -> Result<Client> {
    Client::default_client()
}

/// [`Client::put_item`] on the default client.
pub async fn put_item<T: Schema>(item: T, opts: Opts) -> Result<T> {
    default_client()?.put_item(item, opts).await
}

/// [`Client::get_item`] on the default client.
pub async fn get_item<K: AsKey>(key: K, opts: Opts) -> Result<Option<K::Item>> {
    default_client()?.get_item(key, opts).await
}

/// [`Client::delete_item`] on the default client.
pub async fn delete_item<K: AsKey>(key: K, opts: Opts) -> Result<Option<K::Item>> {
    default_client()?.delete_item(key, opts).await
}

/// [`Client::update_item`] on the default client.
pub async fn update_item<K: AsKey>(key: K, updates: Updates, opts: Opts) -> Result<K::Item> {
    default_client()?.update_item(key, updates, opts).await
}

/// [`Client::list_items`] on the default client.
pub async fn list_items<K: AsKey>(key: K, opts: Opts) -> Result<Vec<K::Item>> {
    default_client()?.list_items(key, opts).await
}

/// [`Client::query_page`] on the default client.
pub async fn query_page<K: AsKey>(key: K, opts: Opts) -> Result<Page<K::Item>> {
    default_client()?.query_page(key, opts).await
}

/// [`Client::count_items`] on the default client.
pub async fn count_items<K: AsKey>(key: K, opts: Opts) -> Result<usize> {
    default_client()?.count_items(key, opts).await
}

/// [`Client::scan`] on the default client: one page.
pub async fn scan<T: Schema>(opts: Opts) -> Result<Page<T>> {
    default_client()?.scan(opts).await
}

/// [`Client::parallel_scan`] on the default client: every page of every
/// segment, segments fetched concurrently.
pub async fn parallel_scan<T: Schema>(opts: Opts) -> Result<Vec<T>> {
    default_client()?.parallel_scan(opts).await
}

/// [`Client::batch_write_item`] on the default client, default options.
pub async fn batch_write_item<T: Schema>(items: Vec<T>) -> Result<BatchWriteOutput<T>> {
    default_client()?.batch_write_item(items, Opts::new()).await
}

/// [`Client::batch_write_item`] on the default client, with options
/// (`concurrency`).
pub async fn batch_write_item_opts<T: Schema>(
    items: Vec<T>,
    opts: Opts,
) -> Result<BatchWriteOutput<T>> {
    default_client()?.batch_write_item(items, opts).await
}

/// [`Client::batch_delete_item`] on the default client.
pub async fn batch_delete_item<T: Schema>(keys: Vec<T>) -> Result<BatchWriteOutput<T>> {
    default_client()?.batch_delete_item(keys, Opts::new()).await
}

/// [`Client::batch_delete_item`] on the default client, with options
/// (`concurrency`).
pub async fn batch_delete_item_opts<T: Schema>(
    keys: Vec<T>,
    opts: Opts,
) -> Result<BatchWriteOutput<T>> {
    default_client()?.batch_delete_item(keys, opts).await
}

/// [`Client::batch_get_item`] on the default client.
pub async fn batch_get_item<T: Schema>(keys: &[T], opts: Opts) -> Result<BatchGetOutput<T>> {
    default_client()?.batch_get_item(keys, opts).await
}

/// [`Client::create_table`] on the default client.
pub async fn create_table<T: Schema>() -> Result<TableInfo> {
    default_client()?.create_table::<T>().await
}

/// [`Client::create_table_if_missing`] on the default client.
pub async fn create_table_if_missing<T: Schema>() -> Result<TableInfo> {
    default_client()?.create_table_if_missing::<T>().await
}

/// [`Client::delete_table`] on the default client.
pub async fn delete_table<T: Schema>() -> Result<()> {
    default_client()?.delete_table::<T>().await
}

/// [`Client::describe_table`] on the default client.
pub async fn describe_table(name: &str) -> Result<TableInfo> {
    default_client()?.describe_table(name).await
}
