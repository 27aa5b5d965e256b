//! Lazy streams over scans and queries (Elixir's `Dynamo.Table.Stream`).
//!
//! * [`scan`] fetches the next page only when the consumer asks for an item
//!   past the current page: memory stays at one page however big the table.
//! * [`parallel_scan`] scans all segments **concurrently** (one task per
//!   segment), yielding items as pages arrive; each segment has at most one
//!   page waiting, so a slow consumer slows the scan down (backpressure).
//!   Dropping the stream stops every segment.
//! * [`scan_to_channel`] runs a scan in a task that sends
//!   [`ScanMessage`]s into a tokio channel.
//! * [`query`] streams the pages of a `list_items` query.
//!
//! A stream that meets a failure yields the typed error once and ends; it
//! neither hangs nor stops silently.
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

use futures_util::stream::{self, BoxStream, Stream, StreamExt};
use tokio::sync::mpsc;
use tokio::task::{JoinHandle, JoinSet};

use super::scan::segments_of;
use crate::client::wire::decode_item;
use crate::client::{Client, ReadReq};
use crate::error::{Error, Result};
use crate::opts::{Opts, Select};
use crate::query::{build_query, build_scan};
use crate::schema::Schema;

/// Messages sent by [`scan_to_channel`].
#[derive(Debug)]
#[non_exhaustive]
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

struct Lazy<T> {
    client: Option<Client>,
    req: ReadReq,
    kind: Kind,
    buffer: VecDeque<T>,
    done: bool,
    remaining: Option<usize>,
}

/// Pages fetched one at a time, when the consumer needs them.
fn lazy_pages<T: Schema>(
    client: Option<Client>,
    req: Result<ReadReq>,
    kind: Kind,
    limit: Option<usize>,
) -> BoxStream<'static, Result<T>> {
    let req = match req {
        Ok(r) => r,
        Err(e) => return stream::once(async move { Err(e) }).boxed(),
    };
    // The client is resolved now, where the stream is made (inside any
    // `Client::scope`), not where it is polled.
    let client = match client {
        Some(c) => Some(c),
        None => match Client::default_client() {
            Ok(c) => Some(c),
            Err(e) => return stream::once(async move { Err(e) }).boxed(),
        },
    };
    let state = Lazy {
        client,
        req,
        kind,
        buffer: VecDeque::new(),
        done: false,
        remaining: limit,
    };
    stream::unfold(state, |mut st| async move {
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
            let client = match st.client.clone() {
                Some(c) => c,
                None => match Client::default_client() {
                    Ok(c) => {
                        st.client = Some(c.clone());
                        c
                    }
                    Err(e) => {
                        st.done = true;
                        return Some((Err(e), st));
                    }
                },
            };
            let page = match st.kind {
                Kind::Query => client.raw_query(st.req.clone()).await,
                Kind::Scan => client.raw_scan(st.req.clone()).await,
            };
            match page {
                Err(e) => {
                    st.done = true;
                    return Some((Err(e), st));
                }
                Ok(page) => {
                    match page.last_key {
                        Some(k) => st.req.start = Some(k),
                        None => st.done = true,
                    }
                    for map in page.items {
                        match decode_item(map) {
                            Ok(item) => st.buffer.push_back(item),
                            Err(e) => {
                                st.done = true;
                                st.buffer.clear();
                                return Some((Err(e), st));
                            }
                        }
                    }
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
    let req = (|| {
        if opts.segments.is_some() || opts.batch_size.is_some() {
            return Err(Error::validation(
                "stream::scan is sequential; `segments` applies to stream::parallel_scan, `batch_size` to scan_to_channel",
            ));
        }
        build_scan::<T>(&stream_opts(&opts, "stream::scan")?, "stream::scan")
    })();
    lazy_pages(client, req, Kind::Scan, opts.limit)
}

/// A lazy stream over the pages of the query `list_items` would run for
/// `key` (default client). `limit` caps the items; `page_size` is each
/// request's limit.
pub fn query<T: Schema>(key: &T, opts: Opts) -> impl Stream<Item = Result<T>> + Send + 'static {
    query_with(None, key, opts)
}

fn query_with<T: Schema>(
    client: Option<Client>,
    key: &T,
    opts: Opts,
) -> BoxStream<'static, Result<T>> {
    let req = stream_opts(&opts, "stream::query").and_then(|o| build_query(key, &o));
    lazy_pages(client, req, Kind::Query, opts.limit)
}

/// A stream over the whole table with `segments` (default 4) segments
/// scanned concurrently, items yielded as their pages arrive (default
/// client). Options as for [`scan`], plus `segments`.
pub fn parallel_scan<T: Schema>(opts: Opts) -> impl Stream<Item = Result<T>> + Send + 'static {
    parallel_scan_with(None, opts)
}

fn parallel_scan_with<T: Schema>(
    client: Option<Client>,
    opts: Opts,
) -> BoxStream<'static, Result<T>> {
    let setup = (|| {
        if opts.batch_size.is_some() {
            return Err(Error::validation(
                "`batch_size` applies to scan_to_channel, not stream::parallel_scan",
            ));
        }
        if opts.exclusive_start_key.is_some() {
            return Err(Error::validation(
                "stream::parallel_scan reads every segment from its start; `exclusive_start_key` applies to stream::scan",
            ));
        }
        if opts.concurrency.is_some() {
            return Err(Error::validation(
                "stream::parallel_scan scans all `segments` at once (its consumer sets the pace); `concurrency` applies to parallel_scan and batches",
            ));
        }
        let segments = segments_of(&opts)?;
        let base = build_scan::<T>(
            &Opts {
                segments: None,
                concurrency: None,
                ..stream_opts(&opts, "stream::parallel_scan")?
            },
            "stream::parallel_scan",
        )?;
        let client = match client {
            Some(c) => c,
            None => Client::default_client()?,
        };
        Ok((segments, base, client))
    })();
    let (segments, base, client) = match setup {
        Ok(s) => s,
        Err(e) => return stream::once(async move { Err(e) }).boxed(),
    };
    let limit = opts.limit;
    // One page per segment may wait in the channel; a segment's task blocks
    // on `send` until the consumer takes items.
    let (tx, rx) = mpsc::channel::<Result<Vec<T>>>(segments.clamp(1, 64));
    /// What starts the segment tasks on first poll.
    type Start<T> = (Client, ReadReq, usize, mpsc::Sender<Result<Vec<T>>>);
    struct State<T> {
        rx: mpsc::Receiver<Result<Vec<T>>>,
        tasks: Option<JoinSet<()>>,
        pending: Option<Start<T>>,
        buffer: VecDeque<T>,
        done: bool,
        remaining: Option<usize>,
    }
    let state = State {
        rx,
        tasks: None,
        pending: Some((client, base, segments, tx)),
        buffer: VecDeque::new(),
        done: false,
        remaining: limit,
    };
    stream::unfold(state, |mut st| async move {
        // Tasks start on first poll, inside the consumer's runtime.
        if let Some((client, base, segments, tx)) = st.pending.take() {
            let mut set = JoinSet::new();
            for segment in 0..segments {
                let mut req = base.clone();
                req.segment = Some((segment as i64, segments as i64));
                let (client, tx) = (client.clone(), tx.clone());
                set.spawn(async move {
                    loop {
                        let page = client.raw_scan(req.clone()).await;
                        let (items, next) = match page {
                            Err(e) => {
                                let _ = tx.send(Err(e)).await;
                                return;
                            }
                            Ok(p) => {
                                let items: Result<Vec<T>> =
                                    p.items.into_iter().map(decode_item).collect();
                                (items, p.last_key)
                            }
                        };
                        let failed = items.is_err();
                        if tx.send(items).await.is_err() || failed {
                            return;
                        }
                        match next {
                            Some(k) => req.start = Some(k),
                            None => return,
                        }
                    }
                });
            }
            drop(tx);
            st.tasks = Some(set);
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

/// Runs a scan in a new task, sending [`ScanMessage::Item`]s (or
/// [`ScanMessage::Batch`]es of `batch_size`) into `sender`, then
/// [`ScanMessage::Complete`] — or [`ScanMessage::Error`] when the scan fails.
/// `segments` (default 1) greater than 1 scans segments concurrently. The
/// task returns the same outcome. If the receiver goes away, the scan stops
/// and the task returns `Ok(())`.
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
    // The task runs under the caller's task-scoped configuration, with the
    // client resolved here (inside any `Client::scope`).
    let scoped = crate::config::scoped();
    let client = client.or_else(|| Client::default_client().ok());
    let work = async move {
        let batch = match opts.batch_size {
            Some(0) => {
                let e = Error::validation("`batch_size` must be at least 1");
                let _ = sender.send(ScanMessage::Error(e.clone())).await;
                return Err(e);
            }
            Some(b) => b,
            None => 1,
        };
        let opts = Opts {
            batch_size: None,
            ..opts
        };
        let mut items: BoxStream<'static, Result<T>> = if opts.segments.unwrap_or(1) > 1 {
            parallel_scan_with(client, opts)
        } else {
            scan_with(
                client,
                Opts {
                    segments: None,
                    ..opts
                },
            )
        };
        let mut buf: Vec<T> = Vec::with_capacity(batch.min(1024));
        while let Some(next) = items.next().await {
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
    tokio::spawn(async move {
        match scoped {
            Some(cfg) => crate::config::scope(cfg, work).await,
            None => work.await,
        }
    })
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
    pub fn query_stream<T: Schema>(
        &self,
        key: &T,
        opts: Opts,
    ) -> impl Stream<Item = Result<T>> + Send + 'static {
        query_with(Some(self.clone()), key, opts)
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
