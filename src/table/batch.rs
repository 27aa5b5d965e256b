//! Batch writes, deletes and gets.
//!
//! Requests are cut into DynamoDB's chunks (25 writes, 100 keys), chunks are
//! sent concurrently (at most `concurrency` at once, default 8), and
//! whatever DynamoDB hands back unprocessed is re-sent with exponential
//! backoff and full jitter. One chunk's error retries and leftover rounds
//! spend one budget — the client's retry policy: its attempts and its
//! deadline — so retries never nest.
//!
//! Every item's fate is reported: written (counted in `processed_items`),
//! handed back unprocessed when the budget ran out (`unprocessed_items`,
//! with the reason in `unprocessed_reasons`), or failed with an error that
//! retrying cannot fix (`failed_items`). Nothing is dropped, and nothing
//! is only logged.

use std::collections::HashMap;
use std::sync::Arc;

use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::client::{Budget, Client};
use crate::codec::wire::WireItem;
use crate::error::{Error, ErrorKind, Result};
use crate::opts::{Key, Opts};
use crate::plan::batch::{self as plan_batch, GetPlan, KeyIndex};
use crate::plan::{self, Ctx};
use crate::request::{KeyAttrs, WriteRequest};
use crate::schema::Schema;

/// What `batch_write_item` (or `batch_delete_item`) did with every item.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct BatchWriteOutput<T> {
    /// How many items were written (or deleted).
    pub processed_items: usize,
    /// Items not written: DynamoDB still handed them back unprocessed, or
    /// their request kept failing with a retryable error, when the retry
    /// budget ran out, in the order given. Safe to write again later.
    pub unprocessed_items: Vec<T>,
    /// Why each of `unprocessed_items` is there, in the same order.
    pub unprocessed_reasons: Vec<Error>,
    /// Items whose request failed with an error that retrying cannot fix (a
    /// missing table, an item DynamoDB refused), each with that error. They
    /// were not written, except when the error is about DynamoDB's answer
    /// rather than the request (`Decode`: an answer that could not be
    /// read), which leaves it unknown. In the order given.
    pub failed_items: Vec<(T, Error)>,
}

impl<T> BatchWriteOutput<T> {
    /// `true` when every item was written.
    pub fn is_complete(&self) -> bool {
        self.unprocessed_items.is_empty() && self.failed_items.is_empty()
    }
}

/// What `batch_get_item` found.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct BatchGetOutput<T> {
    /// Every item found, once, in the order of the keys asked for. Keys with no item are
    /// simply absent.
    pub items: Vec<T>,
    /// Keys DynamoDB still had not processed (or whose request kept failing
    /// with a retryable error) when the retry budget ran out, in the order
    /// asked.
    pub unprocessed_keys: Vec<Key>,
    /// Keys whose request failed with an error that retrying cannot fix,
    /// each with that error, and keys whose item was found but does not
    /// decode as `T` (a `Decode` error naming the key's position and the
    /// field). In the order asked.
    pub failed_keys: Vec<(Key, Error)>,
}

impl<T> BatchGetOutput<T> {
    /// `true` when every key was answered (found or absent).
    pub fn is_complete(&self) -> bool {
        self.unprocessed_keys.is_empty() && self.failed_keys.is_empty()
    }
}

/// How one chunk ended, by position in the caller's list.
#[derive(Debug, Default)]
struct Fates {
    /// Positions handed back unprocessed (or in a failed retryable request),
    /// with the reason.
    unprocessed: Vec<(usize, Error)>,
    /// Positions whose request failed for good.
    failed: Vec<(usize, Error)>,
}

fn unprocessed_reason(rounds: u32, budget: &Budget) -> Error {
    Error::new(
        ErrorKind::ProvisionedThroughputExceeded,
        format!(
            "DynamoDB handed the request back unprocessed in {rounds} rounds ({}); \
             write it again later",
            budget.spent()
        ),
    )
}

/// Runs `work` for every chunk, at most `concurrency` at once, and collects
/// every chunk's fates. A chunk task that panics or is cancelled fails its
/// items with that error, so none is counted as written.
async fn run_chunks<C, F, Fut>(
    chunks: Vec<C>,
    positions: Vec<Vec<usize>>,
    concurrency: usize,
    work: F,
) -> Fates
where
    C: Send + 'static,
    F: Fn(C) -> Fut + Send + Sync + Clone + 'static,
    Fut: std::future::Future<Output = Fates> + Send + 'static,
{
    // More permits than chunks would never be used (and tokio refuses a
    // semaphore of more than `usize::MAX >> 3` permits).
    let permits = Arc::new(Semaphore::new(concurrency.min(chunks.len()).max(1)));
    let mut set = JoinSet::new();
    let mut task_positions = HashMap::with_capacity(chunks.len());
    for (chunk, pos) in chunks.into_iter().zip(positions) {
        let (work, permits) = (work.clone(), permits.clone());
        let handle = set.spawn(async move {
            let _permit = permits.acquire_owned().await;
            work(chunk).await
        });
        task_positions.insert(handle.id(), pos);
    }
    let mut all = Fates::default();
    while let Some(joined) = set.join_next_with_id().await {
        match joined {
            Ok((id, fates)) => {
                task_positions.remove(&id);
                all.unprocessed.extend(fates.unprocessed);
                all.failed.extend(fates.failed);
            }
            Err(e) => {
                let error = Error::transport(format!("a batch chunk's task failed: {e}"));
                tracing::warn!(target: "dynamo", error = %error, "batch chunk task failed; its items are reported as failed");
                for p in task_positions.remove(&e.id()).unwrap_or_default() {
                    all.failed.push((p, error.clone()));
                }
            }
        }
    }
    // In the order given, not the order the chunks ended.
    all.unprocessed.sort_by_key(|(p, _)| *p);
    all.failed.sort_by_key(|(p, _)| *p);
    all
}

impl Client {
    /// Writes every item, in chunks of 25 sent concurrently, re-sending
    /// unprocessed items with backoff. Duplicate keys and invalid items are
    /// a `ValidationError` before anything is sent. Options: `concurrency`.
    pub async fn batch_write_item<T: Schema>(
        &self,
        items: Vec<T>,
        opts: Opts,
    ) -> Result<BatchWriteOutput<T>> {
        let ctx = Ctx::of::<T>()?;
        // A versioned schema is refused as such before its items are
        // stamped (stamping counts the version up, which could fail first).
        plan_batch::refuse_versioned(&ctx, "batch_write_item", "put_item")?;
        let mut items = items;
        if ctx.schema.timestamps {
            for item in &mut items {
                plan::prepare_put(&ctx, item)?;
            }
        }
        let plan = plan_batch::write(&ctx, &items, &opts)?;
        self.run_writes("batch_write_item", ctx, plan, items, &opts)
            .await
    }

    /// Deletes the items with the given keys, like
    /// [`batch_write_item`](Client::batch_write_item); keys still
    /// unprocessed at the end come back in `unprocessed_items`.
    pub async fn batch_delete_item<T: Schema>(
        &self,
        keys: Vec<T>,
        opts: Opts,
    ) -> Result<BatchWriteOutput<T>> {
        let ctx = Ctx::of::<T>()?;
        let plan = plan_batch::delete(&ctx, &keys, &opts)?;
        self.run_writes("batch_delete_item", ctx, plan, keys, &opts)
            .await
    }

    async fn run_writes<T: Schema>(
        &self,
        op: &str,
        ctx: Ctx,
        plan: plan_batch::WritePlan,
        items: Vec<T>,
        opts: &Opts,
    ) -> Result<BatchWriteOutput<T>> {
        let concurrency = plan_batch::concurrency_of(opts)?;
        crate::client::runtime()?;
        let ctx = Arc::new(ctx);
        let index = Arc::new(plan.index);
        let positions = plan
            .chunks
            .iter()
            .map(|c| c.iter().map(|(p, _)| *p).collect())
            .collect();
        let client = self.clone();
        let fates = run_chunks(plan.chunks, positions, concurrency, move |chunk| {
            let (client, ctx, index) = (client.clone(), ctx.clone(), index.clone());
            async move { client.write_chunk(&ctx, &index, chunk).await }
        })
        .await;
        let mut slots: Vec<Option<T>> = items.into_iter().map(Some).collect();
        let total = slots.len();
        let mut out = BatchWriteOutput {
            processed_items: 0,
            unprocessed_items: Vec::with_capacity(fates.unprocessed.len()),
            unprocessed_reasons: Vec::with_capacity(fates.unprocessed.len()),
            failed_items: Vec::with_capacity(fates.failed.len()),
        };
        for (p, reason) in fates.unprocessed {
            if let Some(item) = slots.get_mut(p).and_then(Option::take) {
                out.unprocessed_items.push(item);
                out.unprocessed_reasons.push(reason);
            }
        }
        for (p, error) in fates.failed {
            if let Some(item) = slots.get_mut(p).and_then(Option::take) {
                out.failed_items.push((item, error));
            }
        }
        out.processed_items = total - out.unprocessed_items.len() - out.failed_items.len();
        // Every item failed for good (a missing table, say): the call
        // failed, as a single write would have.
        if total > 0 && out.failed_items.len() == total {
            let (_, e) = out.failed_items.swap_remove(0);
            return Err(
                e.map_message(|m| format!("{op}: none of the {total} items was written: {m}"))
            );
        }
        Ok(out)
    }

    /// Sends one chunk until DynamoDB took all of it or the budget is spent.
    async fn write_chunk(
        &self,
        ctx: &Ctx,
        index: &KeyIndex,
        chunk: Vec<(usize, WriteRequest)>,
    ) -> Fates {
        let mut pending = chunk;
        let mut budget = self.retry_policy().budget();
        let mut rounds = 0u32;
        loop {
            rounds += 1;
            let req = plan_batch::write_request(ctx, &pending);
            match self.execute_within(&req, &mut budget).await {
                Ok(answer) => {
                    let left: Vec<_> = answer.unprocessed_items.into_values().flatten().collect();
                    if left.is_empty() {
                        return Fates::default();
                    }
                    match plan_batch::leftover_positions(ctx, index, &left) {
                        Some(back) => pending.retain(|(p, _)| back.contains(p)),
                        None => {
                            tracing::warn!(target: "dynamo", left = left.len(), "unprocessed batch writes that match none sent; sending the chunk again");
                        }
                    }
                    if pending.is_empty() {
                        return Fates::default();
                    }
                    match budget.next_wait() {
                        Some(wait) => {
                            tracing::debug!(target: "dynamo", left = pending.len(), rounds, "re-sending unprocessed batch requests");
                            tokio::time::sleep(wait).await;
                        }
                        None => {
                            let reason = unprocessed_reason(rounds, &budget);
                            tracing::warn!(target: "dynamo", left = pending.len(), "batch leftovers remain; returning them");
                            return Fates {
                                unprocessed: pending
                                    .into_iter()
                                    .map(|(p, _)| (p, reason.clone()))
                                    .collect(),
                                failed: Vec::new(),
                            };
                        }
                    }
                }
                Err(e) => {
                    // The request failed as a whole (after its retries): none
                    // of `pending` is known to be written.
                    let positions = pending.into_iter().map(|(p, _)| (p, e.clone()));
                    return if e.is_retryable() {
                        Fates {
                            unprocessed: positions.collect(),
                            failed: Vec::new(),
                        }
                    } else {
                        Fates {
                            unprocessed: Vec::new(),
                            failed: positions.collect(),
                        }
                    };
                }
            }
        }
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
        let ctx = Ctx::read::<T>(&opts)?;
        let plan = plan_batch::get(&ctx, keys, &opts)?;
        let concurrency = plan_batch::concurrency_of(&opts)?;
        crate::client::runtime()?;
        let all_keys: Vec<KeyAttrs> = plan
            .chunks
            .iter()
            .flat_map(|c| c.iter().map(|(_, k)| k.clone()))
            .collect();
        let positions = plan
            .chunks
            .iter()
            .map(|c| c.iter().map(|(p, _)| *p).collect())
            .collect();
        let chunks = plan.chunks.clone();
        let ctx = Arc::new(ctx);
        let plan = Arc::new(plan);
        let found = Arc::new(std::sync::Mutex::new(Vec::<WireItem>::new()));
        let (client, sink) = (self.clone(), found.clone());
        let fates = run_chunks(chunks, positions, concurrency, {
            let (ctx, plan) = (ctx.clone(), plan.clone());
            move |chunk| {
                let (client, ctx, plan, sink) =
                    (client.clone(), ctx.clone(), plan.clone(), sink.clone());
                async move { client.get_chunk(&ctx, &plan, chunk, &sink).await }
            }
        })
        .await;
        let maps = std::mem::take(&mut *found.lock().unwrap_or_else(|e| e.into_inner()));
        // A key answered twice (after a retry) yields one item.
        let mut seen = std::collections::HashSet::with_capacity(maps.len());
        let mut items = Vec::with_capacity(maps.len());
        // An item that does not decode fails its own key, not the call.
        let mut undecodable = Vec::new();
        for m in maps {
            // Single-table design: another schema's item at a key is none
            // of this schema's.
            if seen.insert(plan::key_id_of(&ctx, &m)) && plan::is_own(&ctx, &m) {
                let position = plan.index.position(&ctx, &m);
                let item: T = match (plan::decode_item(&ctx, m), position) {
                    (Ok(item), _) => item,
                    (Err(e), Some(p)) => {
                        undecodable
                            .push((p, plan::in_context(format!("batch_get_item: key {p}"), e)));
                        continue;
                    }
                    (Err(e), None) => return Err(plan::in_context("batch_get_item", e)),
                };
                // Time to live: an expired item is gone, unless `include_expired`.
                if !plan::is_expired(&ctx, &item, &opts) {
                    items.push((position.unwrap_or(usize::MAX), item));
                }
            }
        }
        // In the order of the keys asked for (DynamoDB answers, and the
        // chunks finish, in any order).
        items.sort_by_key(|(p, _)| *p);
        let items: Vec<T> = items.into_iter().map(|(_, item)| item).collect();
        // Every key failed for good (a missing table, say): the call
        // failed, as a single read would have.
        let failed = fates
            .failed
            .iter()
            .chain(&undecodable)
            .map(|(p, _)| *p)
            .collect::<std::collections::HashSet<_>>()
            .len();
        if failed == keys.len()
            && items.is_empty()
            && let Some((_, e)) = fates
                .failed
                .iter()
                .chain(&undecodable)
                .min_by_key(|(p, _)| *p)
        {
            return Err(e.clone().map_message(|m| {
                format!("batch_get_item: none of the {failed} keys was read: {m}")
            }));
        }
        let key_at = |p: usize| -> Key { all_keys_by_position(&all_keys, keys.len(), p) };
        Ok(BatchGetOutput {
            items,
            unprocessed_keys: fates
                .unprocessed
                .into_iter()
                .map(|(p, _)| key_at(p))
                .collect(),
            failed_keys: {
                let mut failed: Vec<_> = fates.failed.into_iter().chain(undecodable).collect();
                failed.sort_by_key(|(p, _)| *p);
                failed.into_iter().map(|(p, e)| (key_at(p), e)).collect()
            },
        })
    }

    async fn get_chunk(
        &self,
        ctx: &Ctx,
        plan: &GetPlan,
        chunk: Vec<(usize, KeyAttrs)>,
        sink: &std::sync::Mutex<Vec<WireItem>>,
    ) -> Fates {
        let mut pending = chunk;
        let mut budget = self.retry_policy().budget();
        let mut rounds = 0u32;
        loop {
            rounds += 1;
            let req = plan.request(ctx, &pending);
            match self.execute_within(&req, &mut budget).await {
                Ok(answer) => {
                    sink.lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .extend(answer.responses.into_values().flatten());
                    let left: Vec<WireItem> = answer
                        .unprocessed_keys
                        .into_values()
                        .flat_map(|k| k.keys)
                        .collect();
                    // A key handed back that matches none sent: which were
                    // answered is not known, so all are asked again (an
                    // item found twice is kept once).
                    let back: Option<Vec<usize>> =
                        left.iter().map(|k| plan.index.position(ctx, k)).collect();
                    if let Some(back) = back {
                        pending.retain(|(p, _)| back.contains(p));
                    }
                    if pending.is_empty() {
                        return Fates::default();
                    }
                    match budget.next_wait() {
                        Some(wait) => tokio::time::sleep(wait).await,
                        None => {
                            let reason = unprocessed_reason(rounds, &budget);
                            return Fates {
                                unprocessed: pending
                                    .into_iter()
                                    .map(|(p, _)| (p, reason.clone()))
                                    .collect(),
                                failed: Vec::new(),
                            };
                        }
                    }
                }
                Err(e) => {
                    let positions = pending.into_iter().map(|(p, _)| (p, e.clone()));
                    return if e.is_retryable() {
                        Fates {
                            unprocessed: positions.collect(),
                            failed: Vec::new(),
                        }
                    } else {
                        Fates {
                            unprocessed: Vec::new(),
                            failed: positions.collect(),
                        }
                    };
                }
            }
        }
    }
}

/// The key at position `p` of the caller's list (keys are planned in order,
/// one per position).
fn all_keys_by_position(all: &[KeyAttrs], n: usize, p: usize) -> Key {
    debug_assert_eq!(all.len(), n);
    all.get(p)
        .map(|k| k.iter().cloned().collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_chunk_task_that_panics_fails_its_items() {
        let chunks = vec![1u8, 2, 3];
        let positions = vec![vec![0, 1], vec![2, 3, 4], vec![5]];
        let fates = run_chunks(chunks, positions, 2, |c| async move {
            if c == 2 {
                panic!("chunk 2 fails");
            }
            if c == 3 {
                return Fates {
                    unprocessed: vec![(5, Error::transport("left"))],
                    failed: Vec::new(),
                };
            }
            Fates::default()
        })
        .await;
        let mut failed: Vec<usize> = fates.failed.iter().map(|(p, _)| *p).collect();
        failed.sort_unstable();
        assert_eq!(
            failed,
            vec![2, 3, 4],
            "the panicking chunk's items, none counted as written"
        );
        assert!(
            fates.failed[0].1.message().contains("task failed"),
            "{}",
            fates.failed[0].1
        );
        assert_eq!(fates.unprocessed.len(), 1);
    }
}
