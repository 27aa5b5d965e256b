//! Batch writes, deletes and gets.
//!
//! Requests are cut into DynamoDB's chunks (25 writes, 100 keys), chunks are
//! sent concurrently (at most `concurrency` at once, default 8), and whatever
//! DynamoDB hands back unprocessed is re-sent with exponential backoff and
//! full jitter until it is done or the client's attempt limit is reached.
//! What is still left then is returned — never dropped, never only logged.

use std::collections::HashMap;
use std::sync::Arc;

use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::{BatchGetOutput, BatchWriteOutput};
use crate::client::wire::{AttrMap, decode_item, encode_for_write};
use crate::client::{Client, WireWrite};
use crate::error::{Error, Result};
use crate::expression::{ExprKind, Placeholders};
use crate::opts::{Key, Opts};
use crate::schema::Schema;
use crate::value::Value;

/// DynamoDB's limit of write requests per BatchWriteItem.
pub const MAX_BATCH_WRITE: usize = 25;
/// DynamoDB's limit of keys per BatchGetItem.
pub const MAX_BATCH_GET: usize = 100;
/// Chunks in flight at once unless `concurrency` says otherwise.
pub const DEFAULT_BATCH_CONCURRENCY: usize = 8;

/// A primary key as text, to match leftovers to what was sent.
type KeyId = (String, Option<String>);

fn key_id_of_item(item: &Key, pk: &str, sk: &str) -> KeyId {
    let text = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_owned);
    (text(item.get(pk)).unwrap_or_default(), text(item.get(sk)))
}

fn key_id_of_attrs(item: &AttrMap, pk: &str, sk: &str) -> KeyId {
    (
        item.get(pk).and_then(|a| a.s.clone()).unwrap_or_default(),
        item.get(sk).and_then(|a| a.s.clone()),
    )
}

fn concurrency_of(opts: &Opts) -> Result<usize> {
    match opts.concurrency {
        Some(0) => Err(Error::validation("`concurrency` must be at least 1")),
        Some(c) => Ok(c),
        None => Ok(DEFAULT_BATCH_CONCURRENCY),
    }
}

fn duplicate(op: &str, first: usize, second: usize, id: &KeyId) -> Error {
    Error::validation(format!(
        "{op}: items {first} and {second} have the same primary key ({}{}); DynamoDB refuses duplicate keys in one batch",
        id.0,
        id.1.as_deref()
            .map(|s| format!(" / {s}"))
            .unwrap_or_default()
    ))
}

/// How one chunk ended: what it finally left unprocessed, and the error that
/// stopped it, if any.
struct ChunkResult<W> {
    left: Vec<W>,
    sent: usize,
    error: Option<Error>,
}

impl Client {
    /// Writes every item, in chunks of 25 sent concurrently, re-sending
    /// unprocessed items with backoff. Duplicate keys are a
    /// `ValidationError` before anything is sent. Options: `concurrency`.
    pub async fn batch_write_item<T: Schema>(
        &self,
        items: Vec<T>,
        opts: Opts,
    ) -> Result<BatchWriteOutput<T>> {
        opts.only("batch_write_item", &["concurrency"])?;
        let settings = T::SCHEMA.key_settings();
        let (pk, sk) = (
            settings.partition_key_name.to_string(),
            settings.sort_key_name.to_string(),
        );
        let mut index: HashMap<KeyId, usize> = HashMap::with_capacity(items.len());
        let mut writes = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let (map, _) = encode_for_write(item).map_err(|e| {
                let msg = format!("batch_write_item: item {i}: {}", e.message());
                let mut out = Error::new(e.kind(), msg);
                if let Some(f) = e.field() {
                    out = out.with_field(f);
                }
                out
            })?;
            let id = key_id_of_attrs(&map, &pk, &sk);
            if let Some(first) = index.insert(id.clone(), i) {
                return Err(duplicate("batch_write_item", first, i, &id));
            }
            writes.push(WireWrite::Put(map));
        }
        let left = self
            .run_batch_writes(
                T::SCHEMA.effective_table_name(),
                writes,
                concurrency_of(&opts)?,
            )
            .await?;
        let mut slots: Vec<Option<T>> = items.into_iter().map(Some).collect();
        let mut unprocessed = Vec::with_capacity(left.len());
        for w in left {
            let id = match &w {
                WireWrite::Put(m) => key_id_of_attrs(m, &pk, &sk),
                WireWrite::Delete(k) => key_id_of_item(k, &pk, &sk),
            };
            if let Some(item) = index.get(&id).and_then(|i| slots[*i].take()) {
                unprocessed.push(item);
            }
        }
        Ok(BatchWriteOutput {
            processed_items: slots.len() - unprocessed.len(),
            unprocessed_items: unprocessed,
        })
    }

    /// Deletes the items with the given keys, like
    /// [`batch_write_item`](Client::batch_write_item); keys still
    /// unprocessed at the end come back in `unprocessed_items`.
    pub async fn batch_delete_item<T: Schema>(
        &self,
        keys: Vec<T>,
        opts: Opts,
    ) -> Result<BatchWriteOutput<T>> {
        opts.only("batch_delete_item", &["concurrency"])?;
        let settings = T::SCHEMA.key_settings();
        let (pk, sk) = (
            settings.partition_key_name.to_string(),
            settings.sort_key_name.to_string(),
        );
        let mut index: HashMap<KeyId, usize> = HashMap::with_capacity(keys.len());
        let mut writes = Vec::with_capacity(keys.len());
        for (i, key) in keys.iter().enumerate() {
            let k = key.primary_key()?.to_item();
            let id = key_id_of_item(&k, &pk, &sk);
            if let Some(first) = index.insert(id.clone(), i) {
                return Err(duplicate("batch_delete_item", first, i, &id));
            }
            writes.push(WireWrite::Delete(k));
        }
        let left = self
            .run_batch_writes(
                T::SCHEMA.effective_table_name(),
                writes,
                concurrency_of(&opts)?,
            )
            .await?;
        let mut slots: Vec<Option<T>> = keys.into_iter().map(Some).collect();
        let mut unprocessed = Vec::new();
        for w in left {
            let id = match &w {
                WireWrite::Put(m) => key_id_of_attrs(m, &pk, &sk),
                WireWrite::Delete(k) => key_id_of_item(k, &pk, &sk),
            };
            if let Some(item) = index.get(&id).and_then(|i| slots[*i].take()) {
                unprocessed.push(item);
            }
        }
        Ok(BatchWriteOutput {
            processed_items: slots.len() - unprocessed.len(),
            unprocessed_items: unprocessed,
        })
    }

    /// Sends write requests in chunks; returns what is left unprocessed.
    async fn run_batch_writes(
        &self,
        table: String,
        writes: Vec<WireWrite>,
        concurrency: usize,
    ) -> Result<Vec<WireWrite>> {
        let chunks = chunk(writes, MAX_BATCH_WRITE);
        let table = Arc::new(table);
        let results = self
            .run_chunks(chunks, concurrency, move |client, chunk| {
                let table = table.clone();
                async move { client.raw_batch_write(&table, chunk).await }
            })
            .await;
        settle(results)
    }

    /// Reads the items with the given keys, in chunks of 100 sent
    /// concurrently, re-sending unprocessed keys with backoff. Every found
    /// item is returned once. Options: `consistent_read`,
    /// `projection_expression`, `expression_attribute_names`, `concurrency`.
    pub async fn batch_get_item<T: Schema>(
        &self,
        keys: &[T],
        opts: Opts,
    ) -> Result<BatchGetOutput<T>> {
        opts.only(
            "batch_get_item",
            &[
                "consistent_read",
                "projection_expression",
                "expression_attribute_names",
                "concurrency",
            ],
        )?;
        let settings = T::SCHEMA.key_settings();
        let (pk, sk) = (
            settings.partition_key_name.to_string(),
            settings.sort_key_name.to_string(),
        );
        let mut seen: HashMap<KeyId, usize> = HashMap::with_capacity(keys.len());
        let mut wire_keys = Vec::with_capacity(keys.len());
        for (i, key) in keys.iter().enumerate() {
            let k = key.primary_key()?.to_item();
            let id = key_id_of_item(&k, &pk, &sk);
            if let Some(first) = seen.insert(id.clone(), i) {
                return Err(duplicate("batch_get_item", first, i, &id));
            }
            wire_keys.push(k);
        }
        let mut ph =
            Placeholders::with_user(&opts.expression_attribute_names, &Default::default())?;
        let projection = opts
            .projection_expression
            .as_deref()
            .map(|p| ph.user_expression("projection_expression", p, ExprKind::Projection))
            .transpose()?
            // The key attributes come back too: they tell the items apart.
            .map(|p| crate::query::with_key_attributes::<T>(p, &mut ph));
        ph.check_all_used()?;
        let (names, _) = ph.into_maps();
        let consistent = opts.consistent_read == Some(true);
        let table = Arc::new(T::SCHEMA.effective_table_name());
        let found = Arc::new(std::sync::Mutex::new(Vec::<AttrMap>::new()));
        let sink = found.clone();
        let results = self
            .run_chunks(
                chunk(wire_keys, MAX_BATCH_GET),
                concurrency_of(&opts)?,
                move |client, chunk| {
                    let (table, projection, names, sink) = (
                        table.clone(),
                        projection.clone(),
                        names.clone(),
                        sink.clone(),
                    );
                    async move {
                        let (items, left) = client
                            .raw_batch_get(&table, chunk, consistent, projection, names)
                            .await?;
                        sink.lock().unwrap_or_else(|e| e.into_inner()).extend(items);
                        Ok(left)
                    }
                },
            )
            .await;
        let unprocessed_keys = settle(results)?;
        let maps = std::mem::take(&mut *found.lock().unwrap_or_else(|e| e.into_inner()));
        // A key answered twice (after a retry) yields one item.
        let mut seen_items: HashMap<KeyId, ()> = HashMap::with_capacity(maps.len());
        let mut items = Vec::with_capacity(maps.len());
        for m in maps {
            if seen_items
                .insert(key_id_of_attrs(&m, &pk, &sk), ())
                .is_none()
            {
                items.push(decode_item(m)?);
            }
        }
        Ok(BatchGetOutput {
            items,
            unprocessed_keys,
        })
    }

    /// Runs `send` over every chunk (at most `concurrency` at once),
    /// re-sending what each call leaves over with backoff.
    async fn run_chunks<W, F, Fut>(
        &self,
        chunks: Vec<Vec<W>>,
        concurrency: usize,
        send: F,
    ) -> Vec<ChunkResult<W>>
    where
        W: Clone + Send + 'static,
        F: Fn(Client, Vec<W>) -> Fut + Send + Sync + Clone + 'static,
        Fut: std::future::Future<Output = Result<Vec<W>>> + Send + 'static,
    {
        let permits = Arc::new(Semaphore::new(concurrency.max(1)));
        let mut set = JoinSet::new();
        for (n, chunk) in chunks.into_iter().enumerate() {
            let client = self.clone();
            let send = send.clone();
            let permits = permits.clone();
            set.spawn(async move {
                let _permit = permits.acquire_owned().await;
                let sent = chunk.len();
                let attempts = client.retry_policy().attempts();
                let mut pending = chunk;
                let mut round = 0u32;
                loop {
                    round += 1;
                    match send(client.clone(), pending.clone()).await {
                        Ok(left) if left.is_empty() => return (n, ChunkResult { left, sent, error: None }),
                        Ok(left) => {
                            if round >= attempts {
                                tracing::warn!(target: "dynamo", chunk = n, left = left.len(), "batch leftovers remain after {round} rounds; returning them");
                                return (n, ChunkResult { left, sent, error: None });
                            }
                            tracing::debug!(target: "dynamo", chunk = n, left = left.len(), round, "re-sending unprocessed batch requests");
                            tokio::time::sleep(client.retry_policy().backoff(round)).await;
                            pending = left;
                        }
                        Err(e) => {
                            // The request failed as a whole (after the client's own
                            // retries): none of `pending` is known to be written, so
                            // all of it comes back as unprocessed.
                            tracing::warn!(target: "dynamo", chunk = n, left = pending.len(), error = %e, "batch request failed; returning its items as unprocessed");
                            return (n, ChunkResult { left: pending, sent, error: Some(e) });
                        }
                    }
                }
            });
        }
        let mut results: Vec<(usize, ChunkResult<W>)> = Vec::new();
        while let Some(joined) = set.join_next().await {
            match joined {
                Ok(r) => results.push(r),
                Err(e) => results.push((
                    usize::MAX,
                    ChunkResult {
                        left: Vec::new(),
                        sent: 0,
                        error: Some(Error::transport(format!("batch task failed: {e}"))),
                    },
                )),
            }
        }
        results.sort_by_key(|(n, _)| *n);
        results.into_iter().map(|(_, r)| r).collect()
    }
}

/// Turns chunk results into leftovers. A non-retryable error (the request
/// itself is wrong: a missing table, an invalid item) is returned as the
/// error; a retryable one that outlasted the retries leaves its chunk's
/// requests in the leftovers, so nothing is lost.
fn settle<W>(results: Vec<ChunkResult<W>>) -> Result<Vec<W>> {
    let mut left = Vec::new();
    for r in results {
        if let Some(e) = r.error
            && !e.is_retryable()
        {
            return Err(e);
        }
        let _ = r.sent;
        left.extend(r.left);
    }
    Ok(left)
}

fn chunk<W>(items: Vec<W>, size: usize) -> Vec<Vec<W>> {
    let mut out = Vec::with_capacity(items.len().div_ceil(size));
    let mut it = items.into_iter().peekable();
    while it.peek().is_some() {
        out.push(it.by_ref().take(size).collect());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks() {
        let c = chunk((0..60).collect::<Vec<_>>(), 25);
        assert_eq!(c.iter().map(Vec::len).collect::<Vec<_>>(), vec![25, 25, 10]);
        assert!(chunk(Vec::<u8>::new(), 25).is_empty());
    }
}
