//! Lazy streams over scans and queries (Elixir's `Dynamo.Table.Stream`).
//!
//! * [`scan`] fetches the next page only when the consumer asks for an item
//!   past the current page: memory stays at one page however big the table.
//! * [`parallel_scan`] scans the segments **concurrently** (one task per
//!   segment, at most `concurrency` at once — default all, up to 64),
//!   yielding items as pages arrive; each segment has at most one page
//!   waiting, so a slow consumer slows the scan down (backpressure).
//!   Dropping the stream stops every segment.
//! * [`scan_to_channel`] runs a scan in a task that sends
//!   [`ScanMessage`]s into a tokio channel.
//! * [`query`] streams the pages of a `list_items` query.
//!
//! A page is held as the text DynamoDB sent; each item is parsed and
//! decoded only when it is taken, so a page costs about its text's size,
//! not the several times more of parsed values.
//!
//! A stream that meets a failure yields the typed error once and ends; it
//! neither hangs nor stops silently. An item that does not parse or decode
//! ends the stream after the items before it in its page, which are all
//! yielded.
//! Every stream resolves its client and settings when it is made (inside
//! any `Client::scope` or `config::scope`) and carries them, wherever and
//! whenever it is polled.
//!
//! ```no_run
//! use dynamo::prelude::*;
//! use futures_util::{StreamExt, TryStreamExt};
//!
//! dynamo_item! {
//!     #[derive(Debug, Clone)]
//!     pub struct User {
//!         table_name "users";
//!         field :id, partition_key;
//!         field :active: bool;
//!     }
//! }
//!
//! # async fn process_user(_: User) {}
//! # async fn run() -> dynamo::Result<()> {
//! // Sequential, constant memory:
//! let mut users = dynamo::table::stream::scan::<User>(opts![page_size: 500]);
//! while let Some(user) = users.try_next().await? {
//!     if user.active { process_user(user).await; }
//! }
//!
//! // All segments at once:
//! let all: Vec<User> = dynamo::table::stream::parallel_scan::<User>(opts![segments: 8])
//!     .try_collect()
//!     .await?;
//!
//! // Into a channel, 50 items per message:
//! let (tx, mut rx) = tokio::sync::mpsc::channel(16);
//! let task = dynamo::table::stream::scan_to_channel::<User>(tx, opts![segments: 4, batch_size: 50]);
//! while let Some(msg) = rx.recv().await {
//!     match msg {
//!         dynamo::table::stream::ScanMessage::Batch(users) => { let _ = users; }
//!         dynamo::table::stream::ScanMessage::Complete => break,
//!         dynamo::table::stream::ScanMessage::Error(e) => return Err(e),
//!         _ => {}
//!     }
//! }
//! task.await.expect("scan task")?;
//! # let _ = all; Ok(()) }
//! ```

use std::collections::VecDeque;
use std::sync::Arc;

use futures_util::stream::{self, BoxStream, Stream, StreamExt};
use tokio::sync::mpsc;
use tokio::task::{JoinHandle, JoinSet};

use crate::client::Client;
use crate::error::{Error, Result};
use crate::opts::{Opts, Select};
use crate::plan::{self, Ctx};
use crate::request::{QueryText, Read, ScanText, TextItems};
use crate::schema::{AsKey, Schema};

/// Messages sent by [`scan_to_channel`].
///
/// These four variants are the whole set, so a `match` on them needs no
/// wildcard arm.
#[derive(Debug)]
pub enum ScanMessage<T> {
    /// One item (`batch_size` 1, the default).
    Item(T),
    /// Up to `batch_size` items.
    Batch(Vec<T>),
    /// The scan finished; nothing follows.
    Complete,
    /// The scan failed; nothing follows.
    Error(Error),
}

#[derive(Clone, Copy)]
enum Kind {
    Query,
    Scan,
}

/// What a stream needs, resolved when it is made.
struct Setup {
    client: Client,
    ctx: Arc<Ctx>,
}

fn setup<T: Schema>(client: Option<Client>, opts: &Opts) -> Result<Setup> {
    Ok(Setup {
        client: match client {
            Some(c) => c,
            None => Client::default_client()?,
        },
        ctx: Arc::new(Ctx::read::<T>(opts)?),
    })
}

fn failed<T: Send + 'static>(e: Error) -> BoxStream<'static, Result<T>> {
    stream::once(async move { Err(e) }).boxed()
}

struct Lazy<T> {
    setup: Setup,
    req: Read,
    kind: Kind,
    /// The current page's items as text, each parsed and decoded when it
    /// is yielded: the page is held once, as text, not also as parsed
    /// values or `T`s.
    page: TextItems,
    done: bool,
    remaining: Option<usize>,
    sizing: super::Sizing,
    _item: std::marker::PhantomData<fn() -> T>,
}

/// Pages fetched one at a time, when the consumer needs them.
fn lazy_pages<T: Schema>(
    setup: Setup,
    req: Read,
    kind: Kind,
    opts: &Opts,
) -> BoxStream<'static, Result<T>> {
    let state = Lazy::<T> {
        setup,
        req,
        kind,
        page: TextItems::default(),
        done: false,
        remaining: opts.limit,
        sizing: super::Sizing::new(opts.page_size),
        _item: std::marker::PhantomData,
    };
    stream::unfold(state, |mut st| async move {
        loop {
            if st.remaining == Some(0) {
                return None;
            }
            if let Some(item) = st.page.next() {
                // An item that does not parse or decode ends the stream
                // with its error, after the items before it.
                let item = item.and_then(|item| plan::decode_item::<T>(&st.setup.ctx, item));
                return match item {
                    Ok(item) => {
                        if let Some(r) = st.remaining.as_mut() {
                            *r -= 1;
                        }
                        Some((Ok(item), st))
                    }
                    Err(e) => {
                        st.done = true;
                        st.page = TextItems::default();
                        Some((Err(e), st))
                    }
                };
            }
            if st.done {
                return None;
            }
            // No more than the items still wanted (nor than page_size).
            if st.remaining.is_some() {
                st.req.limit = st.sizing.limit(st.remaining);
            }
            let (page, op) = match st.kind {
                Kind::Query => (st.setup.client.execute(&QueryText(&st.req)).await, "Query"),
                Kind::Scan => (st.setup.client.execute(&ScanText(&st.req)).await, "Scan"),
            };
            match page {
                Err(e) => {
                    st.done = true;
                    return Some((Err(e), st));
                }
                Ok(mut page) => {
                    match page.last_evaluated_key.take() {
                        Some(k) => st.req.start = Some(k.into_item().into_iter().collect()),
                        None => st.done = true,
                    }
                    st.sizing.record(page.scanned_count, page.len());
                    st.page = page.into_items(op);
                }
            }
        }
    })
    .boxed()
}

fn stream_opts(opts: &Opts, op: &str) -> Result<Opts> {
    if opts.select == Some(Select::Count) {
        return Err(Error::validation(format!(
            "{op} streams items; `select: :count` is not supported here"
        )));
    }
    // `page_size` is each request's limit; `limit` caps the whole stream.
    plan::query::check_total_limit(opts)?;
    Ok(Opts {
        limit: opts.page_size,
        page_size: None,
        ..opts.clone()
    })
}

/// A lazy stream over the whole table, one page at a time (default client).
/// Options: `page_size` (items per request), `limit` (items in all),
/// `filter_expression`, `projection_expression` with names and values,
/// `consistent_read`, `index_name`, `exclusive_start_key`.
pub fn scan<T: Schema>(opts: Opts) -> impl Stream<Item = Result<T>> + Send + 'static {
    scan_with(None, opts)
}

fn scan_with<T: Schema>(client: Option<Client>, opts: Opts) -> BoxStream<'static, Result<T>> {
    let made = (|| {
        if opts.segments.is_some() || opts.batch_size.is_some() || opts.concurrency.is_some() {
            return Err(Error::validation(
                "stream::scan is sequential; `segments` and `concurrency` apply to stream::parallel_scan, `batch_size` to scan_to_channel",
            ));
        }
        let setup = setup::<T>(client, &opts)?;
        let mut req = plan::query::scan(
            &setup.ctx,
            &stream_opts(&opts, "stream::scan")?,
            "stream::scan",
        )?;
        plan::cursor::start(&mut req, &opts, setup.client.cursor_key())?;
        Ok((setup, req))
    })();
    match made {
        Ok((setup, req)) => lazy_pages(setup, req, Kind::Scan, &opts),
        Err(e) => failed(e),
    }
}

/// A lazy stream over the pages of the query `list_items` would run for
/// `key` (default client). `limit` caps the items; `page_size` is each
/// request's limit.
pub fn query<K: AsKey>(key: K, opts: Opts) -> impl Stream<Item = Result<K::Item>> + Send + 'static {
    query_with(None, key.as_key(), opts)
}

fn query_with<T: Schema>(
    client: Option<Client>,
    key: &T,
    opts: Opts,
) -> BoxStream<'static, Result<T>> {
    let made = (|| {
        let setup = setup::<T>(client, &opts)?;
        let mut req = plan::query::query(
            &setup.ctx,
            key,
            &stream_opts(&opts, "stream::query")?,
            "stream::query",
        )?;
        plan::cursor::start(&mut req, &opts, setup.client.cursor_key())?;
        Ok((setup, req))
    })();
    match made {
        Ok((setup, req)) => lazy_pages(setup, req, Kind::Query, &opts),
        Err(e) => failed(e),
    }
}

/// A stream over the whole table with `segments` (default 4) segments
/// scanned concurrently — at most `concurrency` at once (default all, up to
/// 64) — items yielded as their pages arrive (default client). Options as
/// for [`scan`], plus `segments` and `concurrency`.
pub fn parallel_scan<T: Schema>(opts: Opts) -> impl Stream<Item = Result<T>> + Send + 'static {
    parallel_scan_with(None, opts)
}

/// What starts the segment tasks on first poll.
struct Start<T> {
    setup: Setup,
    base: Read,
    segments: usize,
    concurrency: usize,
    /// The stream's `limit` (a segment reads no more) and `page_size`.
    limit: Option<usize>,
    page_size: Option<usize>,
    tx: mpsc::Sender<Result<Vec<T>>>,
}

struct Parallel<T> {
    rx: mpsc::Receiver<Result<Vec<T>>>,
    tasks: Option<JoinSet<()>>,
    pending: Option<Start<T>>,
    buffer: VecDeque<T>,
    done: bool,
    remaining: Option<usize>,
}

fn parallel_scan_with<T: Schema>(
    client: Option<Client>,
    opts: Opts,
) -> BoxStream<'static, Result<T>> {
    let made = (|| {
        plan::query::check_total_limit(&opts)?;
        if opts.batch_size.is_some() {
            return Err(Error::validation(
                "`batch_size` applies to scan_to_channel, not stream::parallel_scan",
            ));
        }
        if opts.exclusive_start_key.is_some() || opts.cursor.is_some() {
            return Err(Error::validation(
                "stream::parallel_scan reads every segment from its start; `exclusive_start_key` and `cursor` apply to stream::scan",
            ));
        }
        let segments = plan::query::segments_of(&opts)?;
        let concurrency = plan::query::segment_concurrency(&opts, segments)?;
        let setup = setup::<T>(client, &opts)?;
        let base = plan::query::scan(
            &setup.ctx,
            &Opts {
                segments: None,
                concurrency: None,
                ..stream_opts(&opts, "stream::parallel_scan")?
            },
            "stream::parallel_scan",
        )?;
        Ok((setup, base, segments, concurrency))
    })();
    let (setup, base, segments, concurrency) = match made {
        Ok(m) => m,
        Err(e) => return failed(e),
    };
    // One page per running segment may wait in the channel; a segment's
    // task blocks on `send` until the consumer takes items.
    let (tx, rx) = mpsc::channel::<Result<Vec<T>>>(concurrency.clamp(1, 64));
    let state = Parallel {
        rx,
        tasks: None,
        pending: Some(Start {
            setup,
            base,
            segments,
            concurrency,
            limit: opts.limit,
            page_size: opts.page_size,
            tx,
        }),
        buffer: VecDeque::new(),
        done: false,
        remaining: opts.limit,
    };
    stream::unfold(state, |mut st| async move {
        // Tasks start on first poll, inside the consumer's runtime.
        if let Some(start) = st.pending.take() {
            if let Err(e) = crate::client::runtime() {
                st.done = true;
                return Some((Err(e), st));
            }
            st.tasks = Some(spawn_segments(start));
        }
        loop {
            if st.remaining == Some(0) {
                return None;
            }
            if let Some(item) = st.buffer.pop_front() {
                if let Some(r) = st.remaining.as_mut() {
                    *r -= 1;
                }
                return Some((Ok(item), st));
            }
            if st.done {
                return None;
            }
            match st.rx.recv().await {
                Some(Ok(items)) => st.buffer.extend(items),
                Some(Err(e)) => {
                    st.done = true;
                    if let Some(mut t) = st.tasks.take() {
                        t.abort_all();
                    }
                    return Some((Err(e), st));
                }
                None => {
                    // Every sender is gone. A task that panicked or was
                    // cancelled ends its segment early: report it.
                    st.done = true;
                    if let Some(mut t) = st.tasks.take() {
                        while let Some(j) = t.join_next().await {
                            if let Err(e) = j {
                                return Some((
                                    Err(Error::transport(format!(
                                        "a scan segment task failed: {e}"
                                    ))),
                                    st,
                                ));
                            }
                        }
                    }
                }
            }
        }
    })
    .boxed()
}

fn spawn_segments<T: Schema>(start: Start<T>) -> JoinSet<()> {
    let Start {
        setup,
        base,
        segments,
        concurrency,
        limit,
        page_size,
        tx,
    } = start;
    // One task per segment running, `concurrency` at a time, started by a
    // task of their own as others end (a million segments are not a
    // million tasks at once). Dropping the stream aborts it, and with it
    // every segment's task.
    let failed_tx = tx.clone();
    let spawn = move |set: &mut JoinSet<()>, segment: usize| {
        let mut req = plan::query::segment(&base, segment, segments);
        let (client, ctx, tx) = (setup.client.clone(), setup.ctx.clone(), tx.clone());
        set.spawn(async move {
            // The stream ends at `limit` items: a segment reads no more.
            let mut sizing = super::Sizing::new(page_size);
            let mut sent = 0usize;
            loop {
                let remaining = limit.map(|l| l.saturating_sub(sent));
                if remaining == Some(0) {
                    return;
                }
                if remaining.is_some() {
                    req.limit = sizing.limit(remaining);
                }
                let mut page = match client.execute(&ScanText(&req)).await {
                    Err(e) => {
                        let _ = tx.send(Err(e)).await;
                        return;
                    }
                    Ok(p) => p,
                };
                // The items before one that does not decode are sent, then
                // its error, which ends the stream.
                let start = page.last_evaluated_key.take();
                sizing.record(page.scanned_count, page.len());
                let page = page.into_items("Scan");
                let mut items = Vec::with_capacity(page.len());
                let mut failed = None;
                for item in page {
                    match item.and_then(|item| plan::decode_item(&ctx, item)) {
                        Ok(item) => items.push(item),
                        Err(e) => {
                            failed = Some(e);
                            break;
                        }
                    }
                }
                sent += items.len();
                if !items.is_empty() && tx.send(Ok(items)).await.is_err() {
                    return;
                }
                if let Some(e) = failed {
                    let _ = tx.send(Err(e)).await;
                    return;
                }
                match start {
                    Some(k) => req.start = Some(k.into_item().into_iter().collect()),
                    None => return,
                }
            }
        });
    };
    let mut driver = JoinSet::new();
    driver.spawn(async move {
        let mut set = JoinSet::new();
        let mut next = 0;
        loop {
            while next < segments && set.len() < concurrency {
                spawn(&mut set, next);
                next += 1;
            }
            match set.join_next().await {
                None => return,
                Some(Ok(())) => {}
                // A segment's task that panicked ends its segment early:
                // report it (the consumer's channel is still open).
                Some(Err(e)) => {
                    let failed = Error::transport(format!("a scan segment task failed: {e}"));
                    let _ = failed_tx.send(Err(failed)).await;
                    return;
                }
            }
        }
    });
    driver
}

/// Runs a scan in a new task, sending [`ScanMessage::Item`]s (or
/// [`ScanMessage::Batch`]es of `batch_size`) into `sender`, then
/// [`ScanMessage::Complete`] — or, when the scan fails, the items read
/// before the error and then [`ScanMessage::Error`]. With `segments` or
/// `concurrency` given, segments are scanned concurrently (as
/// [`parallel_scan`], `segments` default 4); else one. The task returns
/// the same outcome. If the receiver goes away, the scan stops at once and
/// the task returns `Ok(())`.
///
/// Called outside a tokio runtime, it cannot start a task: the handle it
/// returns is then a finished one, holding the error (and the error is sent
/// to `sender` when there is room).
pub fn scan_to_channel<T: Schema>(
    sender: mpsc::Sender<ScanMessage<T>>,
    opts: Opts,
) -> JoinHandle<Result<()>> {
    scan_to_channel_with(None, sender, opts)
}

fn scan_to_channel_with<T: Schema>(
    client: Option<Client>,
    sender: mpsc::Sender<ScanMessage<T>>,
    opts: Opts,
) -> JoinHandle<Result<()>> {
    let batch = opts.batch_size.unwrap_or(1);
    let opts = Opts {
        batch_size: None,
        ..opts
    };
    // The stream resolves its client and settings here, in the caller's
    // scopes, and carries them into the task.
    let mut items: BoxStream<'static, Result<T>> = if batch == 0 {
        failed(Error::validation("`batch_size` must be at least 1"))
    } else if opts.segments.is_some() || opts.concurrency.is_some() {
        // The parallel scan checks them (`segments: 0` is refused there).
        parallel_scan_with(client, opts)
    } else {
        scan_with(client, opts)
    };
    let early = sender.clone();
    let work = async move {
        let mut buf: Vec<T> = Vec::with_capacity(batch.clamp(1, 1024));
        loop {
            // A receiver gone stops the scan at once, not at the next send
            // (which a large batch or a sparse filter may put far off).
            let next = tokio::select! {
                biased;
                () = sender.closed() => return Ok(()),
                next = items.next() => next,
            };
            let Some(next) = next else { break };
            match next {
                Ok(item) => {
                    if batch == 1 {
                        if sender.send(ScanMessage::Item(item)).await.is_err() {
                            return Ok(());
                        }
                    } else {
                        buf.push(item);
                        if buf.len() == batch {
                            let full =
                                std::mem::replace(&mut buf, Vec::with_capacity(batch.min(1024)));
                            if sender.send(ScanMessage::Batch(full)).await.is_err() {
                                return Ok(());
                            }
                        }
                    }
                }
                Err(e) => {
                    // The items read before the error come first.
                    if !buf.is_empty() && sender.send(ScanMessage::Batch(buf)).await.is_err() {
                        return Ok(());
                    }
                    let _ = sender.send(ScanMessage::Error(e.clone())).await;
                    return Err(e);
                }
            }
        }
        if !buf.is_empty() && sender.send(ScanMessage::Batch(buf)).await.is_err() {
            return Ok(());
        }
        let _ = sender.send(ScanMessage::Complete).await;
        Ok(())
    };
    match crate::client::runtime() {
        Ok(handle) => handle.spawn(work),
        Err(e) => {
            // No runtime: no task can run. Say so without panicking, through
            // the channel (if it has room) and a handle that is already done.
            let _ = early.try_send(ScanMessage::Error(e.clone()));
            finished_handle(e)
        }
    }
}

/// A `JoinHandle` that is already finished with `Err(e)`, made on a small
/// runtime of its own (for callers outside any runtime).
fn finished_handle(e: Error) -> JoinHandle<Result<()>> {
    static FALLBACK: std::sync::OnceLock<Option<tokio::runtime::Runtime>> =
        std::sync::OnceLock::new();
    let rt = FALLBACK.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .build()
            .ok()
    });
    match rt {
        Some(rt) => rt.spawn(async move { Err(e) }),
        // Cannot even make a runtime: nothing better is left than the
        // panic `tokio::spawn` gives.
        None => tokio::spawn(async move { Err(e) }),
    }
}

impl Client {
    /// [`scan`] on this client.
    pub fn scan_stream<T: Schema>(
        &self,
        opts: Opts,
    ) -> impl Stream<Item = Result<T>> + Send + 'static {
        scan_with(Some(self.clone()), opts)
    }

    /// [`parallel_scan`] on this client.
    pub fn parallel_scan_stream<T: Schema>(
        &self,
        opts: Opts,
    ) -> impl Stream<Item = Result<T>> + Send + 'static {
        parallel_scan_with(Some(self.clone()), opts)
    }

    /// [`query`] on this client.
    pub fn query_stream<K: AsKey>(
        &self,
        key: K,
        opts: Opts,
    ) -> impl Stream<Item = Result<K::Item>> + Send + 'static {
        query_with(Some(self.clone()), key.as_key(), opts)
    }

    /// [`scan_to_channel`] on this client.
    pub fn scan_to_channel<T: Schema>(
        &self,
        sender: mpsc::Sender<ScanMessage<T>>,
        opts: Opts,
    ) -> JoinHandle<Result<()>> {
        scan_to_channel_with(Some(self.clone()), sender, opts)
    }
}
