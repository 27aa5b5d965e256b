//! Scans: one page, and a parallel scan over all segments at once.

use super::Page;
use crate::client::Client;
use crate::client::wire::decode_item;
use crate::error::{Error, Result};
use crate::opts::{Opts, Select};
use crate::query::build_scan;
use crate::schema::Schema;

/// The largest number of segments DynamoDB accepts.
pub(crate) const MAX_SEGMENTS: usize = 1_000_000;

/// Segments scanned at once unless `concurrency` says otherwise.
pub(crate) const DEFAULT_SEGMENT_CONCURRENCY: usize = 64;

/// Checks and returns the segment count (default 4).
pub(crate) fn segments_of(opts: &Opts) -> Result<usize> {
    match opts.segments.unwrap_or(4) {
        0 => Err(Error::validation("`segments` must be at least 1")),
        n if n > MAX_SEGMENTS => Err(Error::validation(format!(
            "`segments` is {n}; DynamoDB allows at most {MAX_SEGMENTS}"
        ))),
        n => Ok(n),
    }
}

impl Client {
    /// One page of a scan over the schema's table (every item in the table
    /// is decoded as `T`). Options: `limit` (the page's item limit),
    /// `index_name`, `consistent_read`, `filter_expression`,
    /// `projection_expression` with names and values,
    /// `exclusive_start_key`, `select`.
    pub async fn scan<T: Schema>(&self, opts: Opts) -> Result<Page<T>> {
        if opts.segments.is_some() || opts.concurrency.is_some() || opts.batch_size.is_some() {
            return Err(Error::validation(
                "scan reads one page; `segments`, `concurrency` and `batch_size` apply to parallel_scan and the streams",
            ));
        }
        let req = build_scan::<T>(&opts, "scan")?;
        let page = self.raw_scan(req).await?;
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

    /// Scans the whole table with `segments` (default 4) segments fetched
    /// concurrently, every page of each, and returns every item. `limit`
    /// caps the total; `page_size` is each request's item limit. A failing
    /// segment fails the whole scan with its typed error (nothing is
    /// returned half-done).
    pub async fn parallel_scan<T: Schema>(&self, opts: Opts) -> Result<Vec<T>> {
        if opts.select == Some(Select::Count) {
            return Err(Error::validation(
                "parallel_scan returns items; `select: :count` is not supported here",
            ));
        }
        if opts.exclusive_start_key.is_some() {
            return Err(Error::validation(
                "parallel_scan reads every segment from its start; `exclusive_start_key` applies to scan",
            ));
        }
        if opts.batch_size.is_some() {
            return Err(Error::validation(
                "`batch_size` applies to scan_to_channel, not parallel_scan",
            ));
        }
        let segments = segments_of(&opts)?;
        let limit = opts.limit;
        let concurrency = match opts.concurrency {
            Some(0) => return Err(Error::validation("`concurrency` must be at least 1")),
            Some(c) => c,
            None => segments.min(DEFAULT_SEGMENT_CONCURRENCY),
        };
        let per_request = Opts {
            limit: opts.page_size,
            page_size: None,
            segments: None,
            concurrency: None,
            ..opts.clone()
        };
        let base = build_scan::<T>(&per_request, "parallel_scan")?;
        let permits = std::sync::Arc::new(tokio::sync::Semaphore::new(concurrency));
        let mut set = tokio::task::JoinSet::new();
        for segment in 0..segments {
            let mut req = base.clone();
            req.segment = Some((segment as i64, segments as i64));
            let client = self.clone();
            let permits = permits.clone();
            set.spawn(async move {
                let _permit = permits
                    .acquire_owned()
                    .await
                    .map_err(|_| Error::transport("scan was cancelled"))?;
                let mut items: Vec<T> = Vec::new();
                loop {
                    let page = client.raw_scan(req.clone()).await?;
                    for map in page.items {
                        items.push(decode_item(map)?);
                    }
                    match page.last_key {
                        Some(k) if limit.is_none_or(|l| items.len() < l) => req.start = Some(k),
                        _ => return Ok::<_, Error>(items),
                    }
                }
            });
        }
        let mut parts = Vec::with_capacity(segments);
        while let Some(joined) = set.join_next().await {
            let items = joined
                .map_err(|e| Error::transport(format!("a scan segment task failed: {e}")))??;
            parts.push(items);
        }
        let mut all: Vec<T> = parts.into_iter().flatten().collect();
        if let Some(l) = limit {
            all.truncate(l);
        }
        Ok(all)
    }
}
