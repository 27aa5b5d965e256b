//! HTTP connection pools, one per tokio runtime.
//!
//! A pooled connection is driven by a task of the runtime that opened it;
//! once that runtime ends, the connection is dead. Every runtime therefore
//! gets its own pool, owned by a small sentinel task of that runtime: the
//! runtime drops the task on shutdown, and with it the pool and its idle
//! connections (their sockets close then, not at the client's next use).
//! The sentinel also ends when the pools are dropped (the last clone of the
//! client), so a dropped client leaves no task behind. So a client used from
//! several runtimes in turn — every `#[tokio::test]` has its own — never
//! sends a request down a dead connection.
//!
//! The first use in a runtime also checks that the runtime has timers (a
//! runtime built without `enable_time` cannot run timeouts): such a runtime
//! gets a typed error instead of a panic, and the answer is kept for the
//! runtime's life (the check panics inside `catch_unwind`, once).

#![cfg_attr(not(any(feature = "rusoto", feature = "aws")), allow(dead_code))]

use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use tokio::sync::watch;

use crate::error::{Error, Result};

struct Entry<C> {
    runtime: tokio::runtime::Id,
    /// Held by the runtime's sentinel task: gone when the runtime ends.
    alive: Weak<()>,
    /// The runtime's client, owned by the sentinel task too; `None`: the
    /// runtime has no timers.
    http: Option<Weak<C>>,
}

/// One `C` (an HTTP client) per runtime, made by `make` on first use.
pub(crate) struct Pools<C> {
    entries: Mutex<Vec<Entry<C>>>,
    make: Box<dyn Fn() -> C + Send + Sync>,
    /// Dropped with the pools: ends every sentinel task.
    _closed: watch::Sender<()>,
    closed: watch::Receiver<()>,
}

impl<C> Pools<C> {
    pub(crate) fn new(make: impl Fn() -> C + Send + Sync + 'static) -> Pools<C> {
        let (tx, rx) = watch::channel(());
        Pools {
            entries: Mutex::new(Vec::new()),
            make: Box::new(make),
            _closed: tx,
            closed: rx,
        }
    }

    /// The client of the current runtime. A typed error outside a runtime,
    /// or in a runtime without timers.
    pub(crate) fn current(&self) -> Result<Arc<C>>
    where
        C: Send + Sync + 'static,
    {
        let handle = current_runtime()?;
        let id = handle.id();
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.retain(|e| e.alive.strong_count() > 0);
        if let Some(e) = entries.iter().find(|e| e.runtime == id) {
            match &e.http {
                None => return Err(no_timers()),
                Some(http) => {
                    if let Some(http) = http.upgrade() {
                        return Ok(http);
                    }
                }
            }
        }
        entries.retain(|e| e.runtime != id);
        let timers = check_timers();
        let http = timers.then(|| Arc::new((self.make)()));
        let sentinel = Arc::new(());
        let entry = Entry {
            runtime: id,
            alive: Arc::downgrade(&sentinel),
            http: http.as_ref().map(Arc::downgrade),
        };
        let owned = http.clone();
        let mut closed = self.closed.clone();
        handle.spawn(async move {
            let _owned = (sentinel, owned);
            // Ends when the pools are dropped; the runtime drops it earlier
            // when it shuts down.
            while closed.changed().await.is_ok() {}
        });
        entries.push(entry);
        http.ok_or_else(no_timers)
    }

    /// How many runtimes have a live pool (for tests).
    #[cfg(test)]
    pub(crate) fn live(&self) -> usize {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries
            .iter()
            .filter(|e| e.alive.strong_count() > 0)
            .count()
    }
}

/// The current tokio runtime, or the typed error for code run outside one.
pub(crate) fn current_runtime() -> Result<tokio::runtime::Handle> {
    tokio::runtime::Handle::try_current().map_err(|_| {
        Error::transport(
            "dynamo operations must run inside a tokio runtime (with timers enabled: \
             `#[tokio::main]`, `#[tokio::test]` or a runtime built with `enable_all()`)",
        )
        .permanent()
    })
}

/// Whether the current runtime has timers. Tokio has no way to ask; making
/// a timer in a runtime without them panics, so the first use in each
/// runtime makes one inside `catch_unwind` (the panic message may be
/// printed once; the answer is kept with the runtime's entry).
fn check_timers() -> bool {
    #[cfg(test)]
    TIMER_CHECKS.with(|n| n.set(n.get() + 1));
    std::panic::catch_unwind(|| drop(tokio::time::sleep(Duration::ZERO))).is_ok()
}

#[cfg(test)]
thread_local! {
    /// Timer checks made on this thread (tests run on threads of their own).
    static TIMER_CHECKS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

fn no_timers() -> Error {
    Error::transport(
        "dynamo operations need a tokio runtime with timers: build it with `enable_all()` \
         or `enable_time()`",
    )
    .permanent()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_pool_per_runtime_and_none_after_it_ends() {
        let pools = Pools::new(|| 7u8);
        assert!(pools.current().is_err(), "outside a runtime");
        for _ in 0..3 {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                let a = pools.current().unwrap();
                let b = pools.current().unwrap();
                assert!(Arc::ptr_eq(&a, &b));
                assert_eq!(pools.live(), 1);
            });
            drop(rt);
            assert_eq!(pools.live(), 0, "the runtime's end drops its pool");
        }
    }

    #[test]
    fn dropping_the_pools_ends_the_sentinel_task() {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let before = tokio::runtime::Handle::current()
                .metrics()
                .num_alive_tasks();
            let pools = Pools::new(|| 1u8);
            pools.current().unwrap();
            assert_eq!(
                tokio::runtime::Handle::current()
                    .metrics()
                    .num_alive_tasks(),
                before + 1
            );
            drop(pools);
            for _ in 0..100 {
                if tokio::runtime::Handle::current()
                    .metrics()
                    .num_alive_tasks()
                    == before
                {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            panic!("the sentinel task outlived its pools");
        });
    }

    #[test]
    fn a_runtime_without_timers_gets_an_error_checked_once() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let pools = Pools::new(|| 1u8);
        let before = TIMER_CHECKS.with(std::cell::Cell::get);
        for _ in 0..3 {
            let e = rt
                .block_on(async { pools.current().map(|_| ()) })
                .unwrap_err();
            assert_eq!(e.kind(), crate::ErrorKind::Transport);
            assert!(e.message().contains("timers"), "{}", e.message());
        }
        // One check for the runtime (each call made one, with a panic,
        // before).
        assert_eq!(TIMER_CHECKS.with(std::cell::Cell::get) - before, 1);
    }

    /// A runtime's pool (its idle connections) is dropped when the runtime
    /// ends, not at the client's next use.
    #[test]
    fn a_runtime_s_pool_is_dropped_with_the_runtime() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        struct Counted(Arc<AtomicUsize>);
        impl Drop for Counted {
            fn drop(&mut self) {
                self.0.fetch_add(1, Ordering::SeqCst);
            }
        }
        let dropped = Arc::new(AtomicUsize::new(0));
        let pools = {
            let dropped = dropped.clone();
            Pools::new(move || Counted(dropped.clone()))
        };
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            pools.current().unwrap();
        });
        assert_eq!(
            dropped.load(Ordering::SeqCst),
            0,
            "kept while the runtime lives"
        );
        drop(rt);
        assert_eq!(
            dropped.load(Ordering::SeqCst),
            1,
            "dropped with the runtime"
        );
        drop(pools);
    }
}
