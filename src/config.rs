//! Layered configuration for key generation and table names.
//!
//! The levels, lowest to highest — the same as the Elixir library's:
//!
//! 1. the crate's defaults (`key_separator: "#"`, `prefix_sort_key: false`,
//!    `partition_key_name: "pk"`, `sort_key_name: "sk"`, no table prefix);
//! 2. the **global** configuration, set with [`set_global`] (Elixir's
//!    `config :dynamo, …`);
//! 3. a **task-scoped** override, set with [`scope`] for the duration of one
//!    future (Elixir's per-process configuration);
//! 4. the schema's own `use Dynamo.Schema, …;` options.
//!
//! Each level only overrides the settings it sets (`Some`). Key generation
//! reads the effective configuration when it runs, so a change takes effect
//! at once.
//!
//! ```
//! use dynamo::config::{self, Config};
//! use dynamo::prelude::*;
//!
//! dynamo_item! {
//!     pub struct Account {
//!         table_name "accounts";
//!         field :tenant: String, partition_key;
//!         field :id: String, partition_key;
//!     }
//! }
//!
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! let a = item!(Account { tenant: "t1", id: "a" });
//! assert_eq!(a.partition_key().unwrap(), "t1#a");
//! let scoped = config::scope(Config::new().key_separator("|"), async {
//!     a.partition_key().unwrap()
//! }).await;
//! assert_eq!(scoped, "t1|a");
//! # });
//! ```

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};

/// A schema's `use Dynamo.Schema, …;` options (level 4); `None` inherits
/// from the levels below. Plain data: `dynamo_item!` fills it in, and
/// [`key_settings`] resolves it against the other levels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SchemaOptions {
    /// `key_separator: "…"`
    pub key_separator: Option<&'static str>,
    /// `prefix_sort_key: true|false`
    pub prefix_sort_key: Option<bool>,
    /// `partition_key_name: "…"`
    pub partition_key_name: Option<&'static str>,
    /// `sort_key_name: "…"`
    pub sort_key_name: Option<&'static str>,
    /// `inserted_at: "…"`: the attribute `timestamps;` names `inserted_at`.
    pub inserted_at: Option<&'static str>,
    /// `updated_at: "…"`: the attribute `timestamps;` names `updated_at`.
    pub updated_at: Option<&'static str>,
    /// `allow_separator_in_keys: true`: values holding the separator are
    /// accepted in keys of two or more parts (where they can collide).
    pub allow_separator_in_keys: Option<bool>,
    /// `type_attribute: "…"`: the attribute every item of the schema carries
    /// its type in (default `_type`), so a schema's reads leave out the
    /// other schemas' items that share its table.
    pub type_attribute: Option<&'static str>,
    /// `type_name: "…"`: the value of the type attribute (default: the
    /// schema's name). Keep it when renaming the struct.
    pub type_name: Option<&'static str>,
}

impl SchemaOptions {
    /// No options set.
    pub const EMPTY: SchemaOptions = SchemaOptions {
        key_separator: None,
        prefix_sort_key: None,
        partition_key_name: None,
        sort_key_name: None,
        inserted_at: None,
        updated_at: None,
        allow_separator_in_keys: None,
        type_attribute: None,
        type_name: None,
    };
}

/// A set of configuration settings; `None` means "inherit from the level
/// below".
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Config {
    /// Joins the parts of composite keys (default `"#"`).
    pub key_separator: Option<String>,
    /// Puts each sort-key field's name before its value (default `false`).
    pub prefix_sort_key: Option<bool>,
    /// The table's partition-key attribute (default `"pk"`).
    pub partition_key_name: Option<String>,
    /// The table's sort-key attribute (default `"sk"`).
    pub sort_key_name: Option<String>,
    /// Prepended to every schema's table name (default none), e.g. `"dev_"`
    /// turns `users` into `dev_users`. Handy for per-environment or per-test
    /// tables.
    pub table_prefix: Option<String>,
}

impl Config {
    /// An empty configuration (inherits everything).
    pub fn new() -> Config {
        Config::default()
    }

    /// Sets `key_separator`.
    #[must_use]
    pub fn key_separator(mut self, sep: impl Into<String>) -> Config {
        self.key_separator = Some(sep.into());
        self
    }

    /// Sets `prefix_sort_key`.
    #[must_use]
    pub fn prefix_sort_key(mut self, on: bool) -> Config {
        self.prefix_sort_key = Some(on);
        self
    }

    /// Sets `partition_key_name`.
    #[must_use]
    pub fn partition_key_name(mut self, name: impl Into<String>) -> Config {
        self.partition_key_name = Some(name.into());
        self
    }

    /// Sets `sort_key_name`.
    #[must_use]
    pub fn sort_key_name(mut self, name: impl Into<String>) -> Config {
        self.sort_key_name = Some(name.into());
        self
    }

    /// Sets `table_prefix`.
    #[must_use]
    pub fn table_prefix(mut self, prefix: impl Into<String>) -> Config {
        self.table_prefix = Some(prefix.into());
        self
    }

    /// `self` with every unset setting taken from `lower`.
    #[must_use]
    pub fn or(self, lower: &Config) -> Config {
        Config {
            key_separator: self.key_separator.or_else(|| lower.key_separator.clone()),
            prefix_sort_key: self.prefix_sort_key.or(lower.prefix_sort_key),
            partition_key_name: self
                .partition_key_name
                .or_else(|| lower.partition_key_name.clone()),
            sort_key_name: self.sort_key_name.or_else(|| lower.sort_key_name.clone()),
            table_prefix: self.table_prefix.or_else(|| lower.table_prefix.clone()),
        }
    }
}

/// The crate's defaults as a [`Config`] with every setting filled in.
pub fn defaults() -> Config {
    Config {
        key_separator: Some(DEFAULT_SEPARATOR.to_owned()),
        prefix_sort_key: Some(false),
        partition_key_name: Some(DEFAULT_PK_NAME.to_owned()),
        sort_key_name: Some(DEFAULT_SK_NAME.to_owned()),
        table_prefix: None,
    }
}

const DEFAULT_SEPARATOR: &str = "#";
const DEFAULT_PK_NAME: &str = "pk";
const DEFAULT_SK_NAME: &str = "sk";

static GLOBAL: RwLock<Option<Arc<Config>>> = RwLock::new(None);
static GLOBAL_SET: AtomicBool = AtomicBool::new(false);

tokio::task_local! {
    static SCOPED: Arc<Config>;
}

/// Replaces the global configuration (level 2).
pub fn set_global(config: Config) {
    let mut g = GLOBAL.write().unwrap_or_else(|e| e.into_inner());
    *g = Some(Arc::new(config));
    GLOBAL_SET.store(true, Ordering::Release);
}

/// Clears the global configuration back to the crate defaults.
pub fn clear_global() {
    let mut g = GLOBAL.write().unwrap_or_else(|e| e.into_inner());
    *g = None;
    GLOBAL_SET.store(false, Ordering::Release);
}

/// The global configuration (level 2) as set, without defaults filled in.
pub fn global() -> Config {
    global_arc().map(|c| (*c).clone()).unwrap_or_default()
}

fn global_arc() -> Option<Arc<Config>> {
    if !GLOBAL_SET.load(Ordering::Acquire) {
        return None;
    }
    GLOBAL.read().unwrap_or_else(|e| e.into_inner()).clone()
}

/// Runs `future` with `config` as the task-scoped override (level 3).
///
/// Scopes nest: an inner scope's settings win, unset ones come from the outer
/// scope. Tasks spawned inside do not inherit the scope, but every operation
/// reads its configuration once when it starts and carries it to the tasks it
/// spawns itself.
pub async fn scope<F: Future>(config: Config, future: F) -> F::Output {
    let merged = match SCOPED.try_with(Arc::clone) {
        Ok(outer) => config.or(&outer),
        Err(_) => config,
    };
    SCOPED.scope(Arc::new(merged), future).await
}

/// The task-scoped override in effect (level 3), if any.
pub fn scoped() -> Option<Config> {
    SCOPED.try_with(|c| (**c).clone()).ok()
}

/// The effective configuration for code outside any schema: defaults <
/// global < scope.
pub fn current() -> Config {
    let mut c = defaults();
    if let Some(g) = global_arc() {
        c = (*g).clone().or(&c);
    }
    if let Ok(s) = SCOPED.try_with(Arc::clone) {
        c = (*s).clone().or(&c);
    }
    c
}

/// The settings key generation needs, resolved for one schema.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeySettings {
    /// The separator.
    pub separator: Arc<str>,
    /// Whether sort keys carry field names.
    pub prefix_sort_key: bool,
    /// The partition-key attribute's name.
    pub partition_key_name: Arc<str>,
    /// The sort-key attribute's name.
    pub sort_key_name: Arc<str>,
    /// Prefix for table names.
    pub table_prefix: Option<Arc<str>>,
}

thread_local! {
    static DEFAULT_SETTINGS: KeySettings = KeySettings {
        separator: Arc::from(DEFAULT_SEPARATOR),
        prefix_sort_key: false,
        partition_key_name: Arc::from(DEFAULT_PK_NAME),
        sort_key_name: Arc::from(DEFAULT_SK_NAME),
        table_prefix: None,
    };
}

/// One text setting by precedence: the schema's own `use` option, then
/// the task's scoped configuration, then the global one (`None`: the
/// default applies).
fn pick_text<'a>(
    schema: Option<&'static str>,
    scoped: Option<&'a Config>,
    global: Option<&'a Config>,
    get: fn(&Config) -> Option<&String>,
) -> Option<&'a str> {
    schema
        .or_else(|| scoped.and_then(get).map(String::as_str))
        .or_else(|| global.and_then(get).map(String::as_str))
}

/// Resolves the effective settings for a schema with `options` (level 4 on
/// top of the others). Cheap when neither a global nor a scoped configuration
/// is set.
pub fn key_settings(options: &SchemaOptions) -> KeySettings {
    let global = global_arc();
    let scoped = SCOPED.try_with(Arc::clone).ok();
    let pick_str = |schema: Option<&'static str>,
                    get: fn(&Config) -> Option<&String>,
                    default: &Arc<str>|
     -> Arc<str> {
        pick_text(schema, scoped.as_deref(), global.as_deref(), get)
            .map_or_else(|| default.clone(), Arc::from)
    };
    DEFAULT_SETTINGS.with(|d| {
        if global.is_none() && scoped.is_none() {
            let mut s = d.clone();
            if let Some(sep) = options.key_separator {
                s.separator = Arc::from(sep);
            }
            if let Some(p) = options.prefix_sort_key {
                s.prefix_sort_key = p;
            }
            if let Some(n) = options.partition_key_name {
                s.partition_key_name = Arc::from(n);
            }
            if let Some(n) = options.sort_key_name {
                s.sort_key_name = Arc::from(n);
            }
            return s;
        }
        KeySettings {
            separator: pick_str(
                options.key_separator,
                |c| c.key_separator.as_ref(),
                &d.separator,
            ),
            prefix_sort_key: options
                .prefix_sort_key
                .or_else(|| scoped.as_deref().and_then(|c| c.prefix_sort_key))
                .or_else(|| global.as_deref().and_then(|c| c.prefix_sort_key))
                .unwrap_or(false),
            partition_key_name: pick_str(
                options.partition_key_name,
                |c| c.partition_key_name.as_ref(),
                &d.partition_key_name,
            ),
            sort_key_name: pick_str(
                options.sort_key_name,
                |c| c.sort_key_name.as_ref(),
                &d.sort_key_name,
            ),
            table_prefix: scoped
                .as_deref()
                .and_then(|c| c.table_prefix.as_deref())
                .or_else(|| global.as_deref().and_then(|c| c.table_prefix.as_deref()))
                .map(Arc::from),
        }
    })
}

/// Calls `f` with the key separator in effect for a schema with `options`,
/// without allocating when the schema sets its own separator or no global or
/// scoped configuration exists.
pub(crate) fn with_separator<R>(options: &SchemaOptions, f: impl FnOnce(&str) -> R) -> R {
    if let Some(sep) = options.key_separator {
        return f(sep);
    }
    let scoped = SCOPED.try_with(Arc::clone).ok();
    let global = global_arc();
    f(pick_text(None, scoped.as_deref(), global.as_deref(), |c| {
        c.key_separator.as_ref()
    })
    .unwrap_or(DEFAULT_SEPARATOR))
}

/// Calls `f` with the partition- and sort-key attribute names in effect for
/// a schema with `options`, without building a whole [`KeySettings`]: key
/// building reads them for every item written.
pub(crate) fn with_key_names<R>(options: &SchemaOptions, f: impl FnOnce(&str, &str) -> R) -> R {
    if let (Some(p), Some(s)) = (options.partition_key_name, options.sort_key_name) {
        return f(p, s);
    }
    let scoped = SCOPED.try_with(Arc::clone).ok();
    let global = global_arc();
    let pick = |schema, get| pick_text(schema, scoped.as_deref(), global.as_deref(), get);
    f(
        pick(options.partition_key_name, |c| {
            c.partition_key_name.as_ref()
        })
        .unwrap_or(DEFAULT_PK_NAME),
        pick(options.sort_key_name, |c| c.sort_key_name.as_ref()).unwrap_or(DEFAULT_SK_NAME),
    )
}

/// Like [`with_separator`], also passing whether sort keys carry field names.
pub(crate) fn with_sort_settings<R>(options: &SchemaOptions, f: impl FnOnce(&str, bool) -> R) -> R {
    let prefix = match options.prefix_sort_key {
        Some(p) => p,
        None => SCOPED
            .try_with(|c| c.prefix_sort_key)
            .ok()
            .flatten()
            .or_else(|| global_arc().and_then(|g| g.prefix_sort_key))
            .unwrap_or(false),
    };
    with_separator(options, |sep| f(sep, prefix))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn or_merges() {
        let a = Config::new().key_separator("|");
        let b = Config::new().key_separator("#").prefix_sort_key(true);
        let m = a.or(&b);
        assert_eq!(m.key_separator.as_deref(), Some("|"));
        assert_eq!(m.prefix_sort_key, Some(true));
    }

    #[tokio::test]
    async fn schema_options_win() {
        let opts = SchemaOptions {
            key_separator: Some("_"),
            ..SchemaOptions::EMPTY
        };
        let s = scope(
            Config::new().key_separator("|").prefix_sort_key(true),
            async { key_settings(&opts) },
        )
        .await;
        assert_eq!(&*s.separator, "_");
        assert!(s.prefix_sort_key);
        assert_eq!(&*s.partition_key_name, "pk");
    }

    #[tokio::test]
    async fn nested_scopes() {
        let s = scope(
            Config::new().key_separator("|").sort_key_name("SK"),
            async {
                scope(Config::new().key_separator("-"), async {
                    key_settings(&SchemaOptions::EMPTY)
                })
                .await
            },
        )
        .await;
        assert_eq!(&*s.separator, "-");
        assert_eq!(&*s.sort_key_name, "SK");
    }
}
