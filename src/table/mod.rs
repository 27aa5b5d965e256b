//! Table operations (Elixir's `Dynamo.Table`): item reads and writes,
//! queries, scans, batches and table management.
//!
//! Every function here runs on the default client ([`Client::default_client`]);
//! the same operations are methods of [`Client`] for an explicit client, and
//! the item operations are also methods of every schema type
//! ([`Schema::put_item`], [`Schema::list_items`], …).
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
mod scan;
pub mod stream;

use crate::client::wire::{decode_item, encode_for_write};
use crate::client::{Client, DeleteReq, Exprs, GetReq, PutReq, UpdateReq};
use crate::error::{Error, Result};
use crate::expression::{ExprKind, Placeholders};
use crate::opts::{Key, Opts, Select};
use crate::query;
use crate::schema::Schema;
use crate::update::{UpdateOp, Updates};
use crate::value::Value;

pub use crate::client::{BillingMode, IndexSpec, TableInfo, TableSpec, TtlInfo};
pub(crate) use admin::check_table_name;
pub use admin::{ListTablesOutput, spec_for};

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
    pub count: usize,
    /// How many items were read before the filter.
    pub scanned_count: usize,
}

impl<T> Page<T> {
    /// `true` when this is the last page.
    pub fn is_last(&self) -> bool {
        self.last_evaluated_key.is_none()
    }
}

/// What `batch_write_item` did.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct BatchWriteOutput<T> {
    /// How many items were written (or deleted).
    pub processed_items: usize,
    /// Items DynamoDB still had not processed when the retries ran out.
    /// Nothing is dropped: write them again later.
    pub unprocessed_items: Vec<T>,
}

/// What `batch_get_item` found.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct BatchGetOutput<T> {
    /// Every item found, once (in no particular order). Keys with no item are
    /// simply absent.
    pub items: Vec<T>,
    /// Keys DynamoDB still had not processed when the retries ran out.
    pub unprocessed_keys: Vec<Key>,
}

const WRITE_OPTS: &[&str] = &[
    "condition_expression",
    "expression_attribute_names",
    "expression_attribute_values",
];

/// Prepares a user condition with its placeholders.
fn condition(opts: &Opts) -> Result<(Option<String>, Exprs)> {
    condition_parts(
        opts.condition_expression.as_deref(),
        &opts.expression_attribute_names,
        &opts.expression_attribute_values,
    )
}

/// Prepares a condition given as parts.
pub(crate) fn condition_parts(
    condition: Option<&str>,
    names: &std::collections::BTreeMap<String, String>,
    values: &std::collections::BTreeMap<String, Value>,
) -> Result<(Option<String>, Exprs)> {
    let mut ph = Placeholders::with_user(names, values)?;
    let cond = condition
        .map(|c| ph.user_expression("condition_expression", c, ExprKind::Condition))
        .transpose()?;
    ph.check_all_used()?;
    let (names, values) = ph.into_maps();
    Ok((cond, Exprs { names, values }))
}

/// The attributes an update may not change: the key attributes, the fields
/// keys are built from, and a relation's foreign key.
fn frozen_fields(s: &'static crate::SchemaDef) -> Vec<String> {
    let settings = s.key_settings();
    let mut v: Vec<String> = vec![settings.partition_key_name.to_string()];
    if s.has_sort_key() {
        v.push(settings.sort_key_name.to_string());
    }
    v.extend(s.partition_key.iter().map(|f| f.to_string()));
    v.extend(s.sort_key.iter().map(|f| f.to_string()));
    if let Some(rel) = s.placement() {
        v.push(rel.foreign_key_field().to_owned());
        v.extend(
            rel.parent
                .partition_key
                .iter()
                .skip(1)
                .map(|f| f.to_string()),
        );
    }
    v
}

impl Client {
    /// Writes `item` (replacing any item with the same key) and returns it.
    /// Options: `condition_expression` with its names and values.
    pub async fn put_item<T: Schema>(&self, item: T, opts: Opts) -> Result<T> {
        opts.only("put_item", WRITE_OPTS)?;
        let (map, _) = encode_for_write(&item)?;
        let (cond, exprs) = condition(&opts)?;
        self.raw_put(PutReq {
            table: T::SCHEMA.effective_table_name(),
            item: map,
            condition: cond,
            exprs,
            return_old: false,
        })
        .await?;
        Ok(item)
    }

    /// Reads the item with `key`'s primary key; `Ok(None)` when there is none.
    /// Options: `consistent_read`, `projection_expression`,
    /// `expression_attribute_names`.
    pub async fn get_item<T: Schema>(&self, key: &T, opts: Opts) -> Result<Option<T>> {
        opts.only(
            "get_item",
            &[
                "consistent_read",
                "projection_expression",
                "expression_attribute_names",
            ],
        )?;
        let pk = key.primary_key()?;
        let mut ph =
            Placeholders::with_user(&opts.expression_attribute_names, &Default::default())?;
        let projection = opts
            .projection_expression
            .as_deref()
            .map(|p| ph.user_expression("projection_expression", p, ExprKind::Projection))
            .transpose()?
            .map(|p| query::with_key_attributes::<T>(p, &mut ph));
        ph.check_all_used()?;
        let (names, _) = ph.into_maps();
        let found = self
            .raw_get(GetReq {
                table: T::SCHEMA.effective_table_name(),
                key: pk.to_item(),
                consistent: opts.consistent_read == Some(true),
                projection,
                names,
            })
            .await?;
        found.map(decode_item).transpose()
    }

    /// Deletes the item with `key`'s primary key and returns it as it was
    /// (`Ok(None)` when there was none). Options: `condition_expression` with
    /// its names and values.
    pub async fn delete_item<T: Schema>(&self, key: &T, opts: Opts) -> Result<Option<T>> {
        opts.only("delete_item", WRITE_OPTS)?;
        let pk = key.primary_key()?;
        let (cond, exprs) = condition(&opts)?;
        let old = self
            .raw_delete(DeleteReq {
                table: T::SCHEMA.effective_table_name(),
                key: pk.to_item(),
                condition: cond,
                exprs,
                return_old: true,
            })
            .await?;
        old.map(decode_item).transpose()
    }

    /// Changes the item with `key`'s primary key and returns it as it is
    /// now. Like DynamoDB's UpdateItem, this creates the item when it does
    /// not exist (with its key fields set); add `condition_expression:
    /// "attribute_exists(pk)"` to refuse that. Options:
    /// `condition_expression` with its names and values.
    pub async fn update_item<T: Schema>(&self, key: &T, updates: Updates, opts: Opts) -> Result<T> {
        opts.only("update_item", WRITE_OPTS)?;
        let pk = key.primary_key()?;
        let (update, cond, exprs) = UpdatePlan::new(key).render(
            &updates,
            opts.condition_expression.as_deref(),
            &opts.expression_attribute_names,
            &opts.expression_attribute_values,
        )?;
        let new = self
            .raw_update(UpdateReq {
                table: T::SCHEMA.effective_table_name(),
                key: pk.to_item(),
                update,
                condition: cond,
                exprs,
            })
            .await?;
        match new {
            Some(map) => decode_item(map),
            None => Err(Error::new(
                crate::ErrorKind::Decode,
                "update_item: DynamoDB returned no attributes for the updated item",
            )),
        }
    }

    /// Every item in `key`'s partition that matches the sort-key condition
    /// (see [`crate::query`] for the rules), following pages until the end
    /// or until `limit` items are collected.
    pub async fn list_items<T: Schema>(&self, key: &T, opts: Opts) -> Result<Vec<T>> {
        if opts.select == Some(Select::Count) {
            return Err(Error::validation(
                "list_items returns items; for `select: :count` use `count_items` or `query_page`",
            ));
        }
        let mut req = query::build_query(key, &opts)?;
        let mut out: Vec<T> = Vec::new();
        loop {
            if let Some(limit) = opts.limit {
                let remaining = limit - out.len();
                let per_page = opts.page_size.map_or(remaining, |p| p.min(remaining));
                req.limit = Some(per_page as i64);
            }
            let page = self.raw_query(req.clone()).await?;
            for map in page.items {
                out.push(decode_item(map)?);
            }
            match page.last_key {
                Some(k) if opts.limit.is_none_or(|l| out.len() < l) => req.start = Some(k),
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
    pub async fn query_page<T: Schema>(&self, key: &T, opts: Opts) -> Result<Page<T>> {
        let req = query::build_query(key, &opts)?;
        let page = self.raw_query(req).await?;
        Ok(Page {
            items: page
                .items
                .into_iter()
                .map(decode_item)
                .collect::<Result<_>>()?,
            last_evaluated_key: page.last_key,
            count: page.count,
            scanned_count: page.scanned,
        })
    }

    /// How many items the query [`list_items`](Client::list_items) would
    /// return (`select: :count`, following every page).
    pub async fn count_items<T: Schema>(&self, key: &T, opts: Opts) -> Result<usize> {
        let opts = Opts {
            select: Some(Select::Count),
            ..opts
        };
        let mut req = query::build_query(key, &opts)?;
        let mut total = 0;
        loop {
            let page = self.raw_query(req.clone()).await?;
            total += page.count;
            match page.last_key {
                Some(k) => req.start = Some(k),
                None => return Ok(total),
            }
        }
    }
}

/// Everything needed to render an update for one item, without the item's
/// type: the schema, the attributes that may not change, and the key
/// fields' values (set too, so an upserted item is whole).
pub(crate) struct UpdatePlan {
    schema: &'static crate::SchemaDef,
    frozen: Vec<String>,
    key_values: Vec<(&'static str, Value)>,
}

impl UpdatePlan {
    pub(crate) fn new<T: Schema>(key: &T) -> UpdatePlan {
        let schema = T::SCHEMA;
        let frozen = frozen_fields(schema);
        let settings = schema.key_settings();
        let key_values = schema
            .fields
            .iter()
            .map(|f| f.name)
            .filter(|f| frozen.iter().any(|z| z == f))
            // A field named like a key attribute *is* the key attribute.
            .filter(|f| *f != &*settings.partition_key_name && *f != &*settings.sort_key_name)
            .filter_map(|f| key.field_value(f).filter(|v| !v.is_unset()).map(|v| (f, v)))
            .collect();
        UpdatePlan {
            schema,
            frozen,
            key_values,
        }
    }

    /// Renders `updates` (and an optional condition).
    pub(crate) fn render(
        &self,
        updates: &Updates,
        condition: Option<&str>,
        names: &std::collections::BTreeMap<String, String>,
        values: &std::collections::BTreeMap<String, Value>,
    ) -> Result<(String, Option<String>, Exprs)> {
        let mut ph = Placeholders::with_user(names, values)?;
        let frozen_refs: Vec<&str> = self.frozen.iter().map(String::as_str).collect();
        let fields: Vec<&str> = self.schema.fields.iter().map(|f| f.name).collect();
        check_index_updates(self.schema, updates)?;
        // What the update writes for sure (set and appended values, key
        // fields) is a lower bound of the new item's size.
        let mut written: usize = self
            .key_values
            .iter()
            .map(|(f, v)| f.len() + crate::codec::size::value_size(v))
            .sum();
        let mut largest: Option<(&str, usize)> = None;
        for (field, op) in updates.actions() {
            if let UpdateOp::Set(v) | UpdateOp::IfNotExists(v) = op {
                crate::codec::size::check_value(v).map_err(|e| {
                    Error::validation(format!("updates!: field `{field}`: {e}")).with_field(field)
                })?;
            }
            if let UpdateOp::Set(v) | UpdateOp::Append(v) | UpdateOp::Prepend(v) = op {
                let size = field.len() + crate::codec::size::value_size(v);
                written += size;
                if largest.is_none_or(|(_, l)| size > l) {
                    largest = Some((field, size));
                }
            }
        }
        if let Some((field, size)) = largest.filter(|_| written > crate::codec::MAX_ITEM_SIZE) {
            return Err(Error::validation(format!(
                "updates!: the values written come to {written} bytes (field `{field}`: {size} bytes), \
                 over DynamoDB's item size limit of {} bytes (400 KB)",
                crate::codec::MAX_ITEM_SIZE
            ))
            .with_field(field));
        }
        let mut update = updates.render(&mut ph, &frozen_refs, Some(&fields))?;
        let key_sets: Vec<String> = self
            .key_values
            .iter()
            .map(|(f, v)| {
                let n = ph.name(f);
                let v = ph.value(v.clone());
                format!("{n} = if_not_exists({n}, {v})")
            })
            .collect();
        if !key_sets.is_empty() {
            update = if let Some(rest) = update.strip_prefix("SET ") {
                format!("SET {}, {rest}", key_sets.join(", "))
            } else {
                format!("SET {} {update}", key_sets.join(", "))
            };
        }
        let cond = condition
            .map(|c| ph.user_expression("condition_expression", c, ExprKind::Condition))
            .transpose()?;
        ph.check_all_used()?;
        let (names, values) = ph.into_maps();
        Ok((update, cond, Exprs { names, values }))
    }
}

/// Index key fields may only be set to strings, numbers or binaries (and not
/// to empty strings).
fn check_index_updates(schema: &'static crate::SchemaDef, updates: &Updates) -> Result<()> {
    for index in schema.indexes {
        for field in std::iter::once(index.partition_key).chain(index.sort_key) {
            for (f, op) in updates.actions() {
                if f != field {
                    continue;
                }
                let v = match op {
                    UpdateOp::Set(v) | UpdateOp::IfNotExists(v) => v,
                    UpdateOp::Append(_) | UpdateOp::Prepend(_) => {
                        return Err(Error::validation(format!(
                            "updates!: field `{f}` is a key of index `{}`; it cannot hold a list",
                            index.name
                        ))
                        .with_field(f));
                    }
                    _ => continue,
                };
                match v {
                    Value::Null | Value::Number(_) | Value::Binary(_) => {}
                    Value::String(s) if !s.is_empty() => {}
                    other => {
                        return Err(Error::validation(format!(
                            "updates!: field `{f}` is a key of index `{}` and must be a non-empty string, a number or binary, not {}",
                            index.name,
                            if other.as_str() == Some("") { "an empty string".to_owned() } else { format!("a {} value", other.type_name()) }
                        ))
                        .with_field(f))
                    }
                }
            }
        }
    }
    Ok(())
}

fn default_client() -> Result<Client> {
    Client::default_client()
}

/// [`Client::put_item`] on the default client.
pub async fn put_item<T: Schema>(item: T, opts: Opts) -> Result<T> {
    default_client()?.put_item(item, opts).await
}

/// [`Client::get_item`] on the default client.
pub async fn get_item<T: Schema>(key: &T, opts: Opts) -> Result<Option<T>> {
    default_client()?.get_item(key, opts).await
}

/// [`Client::delete_item`] on the default client.
pub async fn delete_item<T: Schema>(key: &T, opts: Opts) -> Result<Option<T>> {
    default_client()?.delete_item(key, opts).await
}

/// [`Client::update_item`] on the default client.
pub async fn update_item<T: Schema>(key: &T, updates: Updates, opts: Opts) -> Result<T> {
    default_client()?.update_item(key, updates, opts).await
}

/// [`Client::list_items`] on the default client.
pub async fn list_items<T: Schema>(key: &T, opts: Opts) -> Result<Vec<T>> {
    default_client()?.list_items(key, opts).await
}

/// [`Client::query_page`] on the default client.
pub async fn query_page<T: Schema>(key: &T, opts: Opts) -> Result<Page<T>> {
    default_client()?.query_page(key, opts).await
}

/// [`Client::count_items`] on the default client.
pub async fn count_items<T: Schema>(key: &T, opts: Opts) -> Result<usize> {
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

/// [`Client::batch_get_item`] on the default client.
pub async fn batch_get_item<T: Schema>(keys: &[T], opts: Opts) -> Result<BatchGetOutput<T>> {
    default_client()?.batch_get_item(keys, opts).await
}

/// [`Client::create_table`] on the default client.
pub async fn create_table<T: Schema>() -> Result<TableInfo> {
    default_client()?.create_table::<T>().await
}

/// [`Client::delete_table`] on the default client.
pub async fn delete_table<T: Schema>() -> Result<()> {
    default_client()?.delete_table::<T>().await
}

/// [`Client::describe_table`] on the default client.
pub async fn describe_table(name: &str) -> Result<TableInfo> {
    default_client()?.describe_table(name).await
}
