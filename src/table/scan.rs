//! Scans: one page, and a parallel scan over all segments.

use std::sync::Arc;

use tokio::task::JoinSet;

use super::{Page, page_of};
use crate::client::Client;
use crate::error::{Error, Result};
use crate::opts::{Opts, Select};
use crate::plan::{self, Ctx};
use crate::request::Scan;
use crate::schema::Schema;

impl Client {
    /// One page of a scan over the schema's table (`T`'s items only: the
    /// crate filters on the type attribute). Options: `limit` (the page's item limit),
    /// `index_name`, `consistent_read`, `filter_expression`,
    /// `projection_expression` with names and values, `page_size`,
    /// `exclusive_start_key` or `cursor`, `select`, `include_expired`.
    pub async fn scan<T: Schema>(&self, opts: Opts) -> Result<Page<T>> {
        if opts.segments.is_some() || opts.concurrency.is_some() || opts.batch_size.is_some() {
            return Err(Error::validation(
                "scan reads one page; `segments`, `concurrency` and `batch_size` apply to parallel_scan and the streams",
            ));
        }
        let ctx = Ctx::read::<T>(&opts)?;
        let mut req = Scan(plan::query::scan(&ctx, &opts, "scan")?);
        plan::cursor::start(&mut req.0, &opts, self.cursor_key())?;
        let answer = self.execute(&req).await?;
        page_of(&ctx, &req.0, answer, self.cursor_key())
    }

    /// Scans the whole table with `segments` (default 4) segments, at most
    /// `concurrency` of them at once (default: all, up to 64), every page of
    /// each, and returns every item. `limit` caps the total; `page_size` is
    /// each request's item limit. A failing segment fails the whole scan
    /// with its typed error (nothing is returned half-done).
    pub async fn parallel_scan<T: Schema>(&self, opts: Opts) -> Result<Vec<T>> {
        if opts.select == Some(Select::Count) {
            return Err(Error::validation(
                "parallel_scan returns items; `select: :count` is not supported here",
            ));
        }
        if opts.exclusive_start_key.is_some() || opts.cursor.is_some() {
            return Err(Error::validation(
                "parallel_scan reads every segment from its start; `exclusive_start_key` and `cursor` apply to scan",
            ));
        }
        if opts.batch_size.is_some() {
            return Err(Error::validation(
                "`batch_size` applies to scan_to_channel, not parallel_scan",
            ));
        }
        plan::query::check_total_limit(&opts)?;
        let segments = plan::query::segments_of(&opts)?;
        let concurrency = plan::query::segment_concurrency(&opts, segments)?;
        let (limit, page_size) = (opts.limit, opts.page_size);
        // Settings are resolved here, once, and carried into every task.
        let ctx = Arc::new(Ctx::read::<T>(&opts)?);
        let per_request = Opts {
            limit: opts.page_size,
            page_size: None,
            segments: None,
            concurrency: None,
            ..opts
        };
        let base = plan::query::scan(&ctx, &per_request, "parallel_scan")?;
        crate::client::runtime()?;
        // A task per segment running, `concurrency` at a time: the next
        // segment starts when one ends (a million segments are not a
        // million tasks at once).
        let spawn = |set: &mut JoinSet<Result<Vec<T>>>, segment: usize| {
            let mut req = Scan(plan::query::segment(&base, segment, segments));
            let (client, ctx) = (self.clone(), ctx.clone());
            set.spawn(async move {
                let mut items: Vec<T> = Vec::new();
                // A segment reads no more than `limit` items.
                let mut sizing = super::Sizing::new(page_size);
                loop {
                    if let Some(l) = limit {
                        req.0.limit = sizing.limit(Some(l.saturating_sub(items.len())));
                    }
                    let answer = client.execute(&req).await?;
                    let before = items.len();
                    for i in answer.items {
                        items.push(plan::decode_item(&ctx, i)?);
                    }
                    sizing.record(answer.scanned_count, items.len() - before);
                    match answer.last_evaluated_key {
                        Some(k) if limit.is_none_or(|l| items.len() < l) => {
                            req.0.start = Some(k.into_item().into_iter().collect());
                        }
                        _ => return Ok::<_, Error>(items),
                    }
                }
            });
        };
        let mut set = JoinSet::new();
        let mut next = 0;
        while next < segments.min(concurrency) {
            spawn(&mut set, next);
            next += 1;
        }
        let mut parts = Vec::new();
        let mut total = 0usize;
        while let Some(joined) = set.join_next().await {
            let items = joined
                .map_err(|e| Error::transport(format!("a scan segment task failed: {e}")))??;
            total += items.len();
            parts.push(items);
            // Enough for `limit`: the segments still running are dropped.
            if limit.is_some_and(|l| total >= l) {
                break;
            }
            if next < segments {
                spawn(&mut set, next);
                next += 1;
            }
        }
        let mut all: Vec<T> = parts.into_iter().flatten().collect();
        if let Some(l) = limit {
            all.truncate(l);
        }
        Ok(all)
    }
}
