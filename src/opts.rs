//! [`Opts`]: the options of queries, scans, reads and writes — Elixir's
//! keyword lists, written `opts![key: value, …]`.
//!
//! ```
//! use dynamo::prelude::*;
//!
//! let o = opts![sk_operator: :gte, scan_index_forward: false, limit: 10];
//! assert_eq!(o.sk_operator, Some(SkOperator::Gte));
//! assert_eq!(o.limit, Some(10));
//!
//! let o = opts![
//!     filter_expression: "#n > :min",
//!     expression_attribute_names: {"#n" => "total"},
//!     expression_attribute_values: {":min" => 500},
//! ];
//! assert_eq!(o.expression_attribute_values[":min"], Value::from(500));
//! ```
//!
//! | key | value | used by |
//! |---|---|---|
//! | `sk_operator` | `:eq`, `:lt`, `:lte`, `:gt`, `:gte`, `:begins_with`, `:between` | queries |
//! | `sk_end` | the upper bound for `:between` (any `Into<Value>`) | queries |
//! | `scan_index_forward` | `false` for descending order | queries |
//! | `limit` | at most this many items | queries, scans |
//! | `index_name` | a GSI name | queries, scans |
//! | `consistent_read` | strongly consistent read (not on GSIs) | get, queries, scans, batch get |
//! | `filter_expression` | a filter on returned items | queries, scans |
//! | `projection_expression` | the attributes to return | get, queries, scans, batch get |
//! | `expression_attribute_names` | `{"#n" => "name", …}` | any operation with expressions |
//! | `expression_attribute_values` | `{":v" => value, …}` | any operation with expressions |
//! | `exclusive_start_key` | where a page starts (a previous `last_evaluated_key`) | queries, scans |
//! | `select` | `:count`, `:all_attributes`, `:all_projected_attributes`, `:specific_attributes` | queries, scans |
//! | `page_size` | items per request | queries, streams, scans |
//! | `segments` | parallel scan segments | parallel scans |
//! | `batch_size` | items per message | `scan_to_channel` |
//! | `condition_expression` | a condition the write must meet | put, delete, update |
//! | `update_expression` | the update written by hand (`SET`, `REMOVE`, `ADD`, `DELETE` clauses), in place of `updates!` | update |
//! | `concurrency` | requests in flight at once | batch operations, parallel scans |
//! | `include_expired` | `true`: also return items whose `ttl` time has passed (DynamoDB deletes them only within days) | get, queries, scans, streams, batch get |
//! | `cursor` | where a page starts, as an opaque string (a previous [`Page::cursor`](crate::Page::cursor)) | queries, scans, collections |
//!
//! Attribute names that are DynamoDB reserved words (`name`, `status`,
//! `date`, …) may be written bare in every expression: the crate replaces
//! them with `#` placeholders before sending.

use std::collections::BTreeMap;

use crate::codec::Item;
use crate::value::Value;

/// A primary key (or exclusive start key) as attribute names and values.
pub type Key = Item;

/// The comparison applied to the sort key in a query.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SkOperator {
    /// `sk = :v` (`:eq`)
    Eq,
    /// `sk < :v` (`:lt`)
    Lt,
    /// `sk <= :v` (`:lte`)
    Lte,
    /// `sk > :v` (`:gt`)
    Gt,
    /// `sk >= :v` (`:gte`)
    Gte,
    /// `begins_with(sk, :v)` (`:begins_with`)
    BeginsWith,
    /// `sk BETWEEN :v AND :end` (`:between`, needs `sk_end`)
    Between,
}

impl SkOperator {
    /// The Elixir atom's name (`"gte"`, `"begins_with"`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            SkOperator::Eq => "eq",
            SkOperator::Lt => "lt",
            SkOperator::Lte => "lte",
            SkOperator::Gt => "gt",
            SkOperator::Gte => "gte",
            SkOperator::BeginsWith => "begins_with",
            SkOperator::Between => "between",
        }
    }
}

/// What a query or scan returns (`select:`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Select {
    /// Every attribute (`:all_attributes`).
    AllAttributes,
    /// The index's projected attributes (`:all_projected_attributes`).
    AllProjectedAttributes,
    /// Only the count (`:count`); see [`Page::count`](crate::Page::count).
    Count,
    /// The attributes of `projection_expression` (`:specific_attributes`).
    SpecificAttributes,
}

impl Select {
    /// DynamoDB's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Select::AllAttributes => "ALL_ATTRIBUTES",
            Select::AllProjectedAttributes => "ALL_PROJECTED_ATTRIBUTES",
            Select::Count => "COUNT",
            Select::SpecificAttributes => "SPECIFIC_ATTRIBUTES",
        }
    }
}

/// Options for an operation. Build with `opts![…]`; every key is optional.
///
/// An option the operation does not use is refused with a
/// `ValidationError` naming it, before anything is sent.
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct Opts {
    /// `sk_operator:`
    pub sk_operator: Option<SkOperator>,
    /// `sk_end:`
    pub sk_end: Option<Value>,
    /// `scan_index_forward:`
    pub scan_index_forward: Option<bool>,
    /// `limit:`
    pub limit: Option<usize>,
    /// `index_name:`
    pub index_name: Option<String>,
    /// `consistent_read:`
    pub consistent_read: Option<bool>,
    /// `filter_expression:`
    pub filter_expression: Option<String>,
    /// `projection_expression:`
    pub projection_expression: Option<String>,
    /// `expression_attribute_names:`
    pub expression_attribute_names: BTreeMap<String, String>,
    /// `expression_attribute_values:`
    pub expression_attribute_values: BTreeMap<String, Value>,
    /// `exclusive_start_key:`
    pub exclusive_start_key: Option<Key>,
    /// `select:`
    pub select: Option<Select>,
    /// `page_size:`
    pub page_size: Option<usize>,
    /// `segments:`
    pub segments: Option<usize>,
    /// `batch_size:`
    pub batch_size: Option<usize>,
    /// `condition_expression:`
    pub condition_expression: Option<String>,
    /// `concurrency:`
    pub concurrency: Option<usize>,
    /// `include_expired:`
    pub include_expired: Option<bool>,
    /// `cursor:`
    pub cursor: Option<String>,
    /// `update_expression:`
    pub update_expression: Option<String>,
}

impl Opts {
    /// No options.
    pub fn new() -> Opts {
        Opts::default()
    }

    /// Sets `sk_operator`.
    #[must_use]
    pub fn sk_operator(mut self, op: SkOperator) -> Opts {
        self.sk_operator = Some(op);
        self
    }

    /// Sets `sk_end`.
    #[must_use]
    pub fn sk_end(mut self, end: impl Into<Value>) -> Opts {
        self.sk_end = Some(end.into());
        self
    }

    /// Sets `scan_index_forward`.
    #[must_use]
    pub fn scan_index_forward(mut self, forward: bool) -> Opts {
        self.scan_index_forward = Some(forward);
        self
    }

    /// Sets `limit`.
    #[must_use]
    pub fn limit(mut self, limit: usize) -> Opts {
        self.limit = Some(limit);
        self
    }

    /// Sets `index_name`.
    #[must_use]
    pub fn index_name(mut self, name: impl Into<String>) -> Opts {
        self.index_name = Some(name.into());
        self
    }

    /// Sets `consistent_read`.
    #[must_use]
    pub fn consistent_read(mut self, on: bool) -> Opts {
        self.consistent_read = Some(on);
        self
    }

    /// Sets `filter_expression`.
    #[must_use]
    pub fn filter_expression(mut self, expr: impl Into<String>) -> Opts {
        self.filter_expression = Some(expr.into());
        self
    }

    /// Sets `projection_expression`.
    #[must_use]
    pub fn projection_expression(mut self, expr: impl Into<String>) -> Opts {
        self.projection_expression = Some(expr.into());
        self
    }

    /// Adds one `expression_attribute_names` entry.
    #[must_use]
    pub fn name(mut self, placeholder: impl Into<String>, attribute: impl Into<String>) -> Opts {
        self.expression_attribute_names
            .insert(placeholder.into(), attribute.into());
        self
    }

    /// Adds one `expression_attribute_values` entry.
    #[must_use]
    pub fn value(mut self, placeholder: impl Into<String>, value: impl Into<Value>) -> Opts {
        self.expression_attribute_values
            .insert(placeholder.into(), value.into());
        self
    }

    /// Sets `cursor`: where a page starts, as a previous page's
    /// [`Page::cursor`](crate::Page::cursor) (a `String`, `&str` or an
    /// `Option` of one; `None` starts at the beginning).
    #[must_use]
    pub fn cursor(mut self, cursor: impl IntoCursor) -> Opts {
        self.cursor = cursor.into_cursor();
        self
    }

    /// Sets `exclusive_start_key` (a `Key` or an `Option<Key>`, such as a
    /// page's `last_evaluated_key`).
    #[must_use]
    pub fn exclusive_start_key(mut self, key: impl Into<Option<Key>>) -> Opts {
        self.exclusive_start_key = key.into();
        self
    }

    /// Sets `select`.
    #[must_use]
    pub fn select(mut self, select: Select) -> Opts {
        self.select = Some(select);
        self
    }

    /// Sets `page_size`.
    #[must_use]
    pub fn page_size(mut self, n: usize) -> Opts {
        self.page_size = Some(n);
        self
    }

    /// Sets `segments`.
    #[must_use]
    pub fn segments(mut self, n: usize) -> Opts {
        self.segments = Some(n);
        self
    }

    /// Sets `batch_size`.
    #[must_use]
    pub fn batch_size(mut self, n: usize) -> Opts {
        self.batch_size = Some(n);
        self
    }

    /// Sets `condition_expression`.
    #[must_use]
    pub fn condition_expression(mut self, expr: impl Into<String>) -> Opts {
        self.condition_expression = Some(expr.into());
        self
    }

    /// Sets `update_expression`: an update written by hand, sent in place
    /// of the one `updates!` would build (see
    /// [`Client::update_item`](crate::Client::update_item)).
    #[must_use]
    pub fn update_expression(mut self, expr: impl Into<String>) -> Opts {
        self.update_expression = Some(expr.into());
        self
    }

    /// Sets `concurrency`.
    #[must_use]
    pub fn concurrency(mut self, n: usize) -> Opts {
        self.concurrency = Some(n);
        self
    }

    /// Sets `include_expired`: `true` returns items whose time to live has
    /// passed but that DynamoDB has not deleted yet.
    #[must_use]
    pub fn include_expired(mut self, include: bool) -> Opts {
        self.include_expired = Some(include);
        self
    }

    /// Whether `opt` is set.
    pub fn is_set(&self, opt: Opt) -> bool {
        opt.is_set_in(self)
    }

    /// The options that are set, in the table's order.
    pub fn set_options(&self) -> impl Iterator<Item = Opt> + '_ {
        Opt::ALL.iter().copied().filter(|o| self.is_set(*o))
    }

    /// Refuses options that `operation` does not use, naming the first and
    /// listing those it accepts.
    pub(crate) fn only(&self, operation: &str, allowed: &[Opt]) -> crate::Result<()> {
        if let Some(opt) = self.set_options().find(|o| !allowed.contains(o)) {
            return Err(crate::Error::validation(format!(
                "option `{}` does not apply to {operation}; it accepts: {}",
                opt.name(),
                if allowed.is_empty() {
                    "no options".to_owned()
                } else {
                    allowed
                        .iter()
                        .map(|o| o.name())
                        .collect::<Vec<_>>()
                        .join(", ")
                }
            )));
        }
        Ok(())
    }
}

/// What `opts![cursor: …]` takes: a cursor (`String`, `&str`) or an
/// `Option` of one, such as [`Page::cursor`](crate::Page::cursor)'s.
pub trait IntoCursor {
    /// The cursor, if any.
    fn into_cursor(self) -> Option<String>;
}

impl IntoCursor for String {
    fn into_cursor(self) -> Option<String> {
        Some(self)
    }
}

impl IntoCursor for &str {
    fn into_cursor(self) -> Option<String> {
        Some(self.to_owned())
    }
}

impl IntoCursor for &String {
    fn into_cursor(self) -> Option<String> {
        Some(self.clone())
    }
}

impl<C: IntoCursor> IntoCursor for Option<C> {
    fn into_cursor(self) -> Option<String> {
        self.and_then(IntoCursor::into_cursor)
    }
}

/// The option table: every option's variant and name, once. [`Opt`], the
/// checks of which option applies where, and the `opts!` error that lists
/// the known options are all generated from it.
#[doc(hidden)]
#[macro_export]
macro_rules! __dynamo_option_table {
    ($callback:ident) => {
        $crate::$callback! {
            SkOperator sk_operator,
            SkEnd sk_end,
            ScanIndexForward scan_index_forward,
            Limit limit,
            IndexName index_name,
            ConsistentRead consistent_read,
            FilterExpression filter_expression,
            ProjectionExpression projection_expression,
            ExpressionAttributeNames expression_attribute_names,
            ExpressionAttributeValues expression_attribute_values,
            ExclusiveStartKey exclusive_start_key,
            Select select,
            PageSize page_size,
            Segments segments,
            BatchSize batch_size,
            ConditionExpression condition_expression,
            Concurrency concurrency,
            IncludeExpired include_expired,
            Cursor cursor,
            UpdateExpression update_expression
        }
    };
}

/// The option names of the table, as one string (`"sk_operator, …"`).
#[doc(hidden)]
#[macro_export]
macro_rules! __dynamo_option_names {
    ($first_v:ident $first:ident $(, $v:ident $n:ident)*) => {
        $crate::__private::concat!($crate::__private::stringify!($first) $(, ", ", $crate::__private::stringify!($n))*)
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __dynamo_define_opt {
    ($($variant:ident $name:ident),* $(,)?) => {
        /// One option of [`Opts`], by name (see the [module docs](self)).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum Opt {
            $(
                #[doc = $crate::__private::concat!("`", $crate::__private::stringify!($name), ":`")]
                $variant,
            )*
        }

        impl Opt {
            /// Every option, in the table's order.
            pub const ALL: &'static [Opt] = &[$(Opt::$variant),*];

            /// The option's name as written in `opts![…]`.
            pub fn name(self) -> &'static str {
                match self {
                    $(Opt::$variant => $crate::__private::stringify!($name),)*
                }
            }

            fn is_set_in(self, o: &Opts) -> bool {
                match self {
                    $(Opt::$variant => IsSet::is_set(&o.$name),)*
                }
            }
        }
    };
}

__dynamo_option_table!(__dynamo_define_opt);

/// Whether an option field holds a value.
trait IsSet {
    fn is_set(&self) -> bool;
}

impl<T> IsSet for Option<T> {
    fn is_set(&self) -> bool {
        self.is_some()
    }
}

impl<K, V> IsSet for BTreeMap<K, V> {
    fn is_set(&self) -> bool {
        !self.is_empty()
    }
}

/// Builds [`Opts`] from Elixir-style keyword pairs. See the [module docs](mod@crate::opts)
/// for every key. An unknown key is a compile error, and so is a key given
/// twice (but for `expression_attribute_names` / `_values`, whose entries
/// add up).
///
/// ```
/// use dynamo::prelude::*;
/// let page_key: Option<dynamo::Key> = None;
/// let o = opts![
///     index_name: "StatusIndex",
///     sk_operator: :between, sk_end: "2024-12-31",
///     select: :count,
///     exclusive_start_key: page_key,
/// ];
/// assert_eq!(o.select, Some(Select::Count));
/// assert_eq!(opts![], Opts::default());
/// ```
#[macro_export]
macro_rules! opts {
    () => { $crate::Opts::new() };
    ($($rest:tt)+) => { $crate::__opts!(@munch [] ($crate::Opts::new()) $($rest)+) };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __opts {
    // Done: no option given twice (the last would silently win; the
    // guide's keyword lists take the first). The two expression maps are
    // not counted: each occurrence adds to its map.
    (@munch [$($seen:ident)*] ($o:expr) $(,)?) => {{
        const _: () = $crate::__private::assert!(
            $crate::__private::all_distinct(&[$($crate::__private::stringify!($seen)),*]),
            $crate::__private::concat!(
                "opts![", $crate::__private::stringify!($($seen),*),
                "]: an option is given twice; give each option once"
            )
        );
        $o
    }};
    // Atom-valued keys.
    (@munch [$($seen:ident)*] ($o:expr) sk_operator : : $op:tt $(, $($rest:tt)*)?) => {
        $crate::__opts!(@munch [$($seen)* sk_operator] ($o.sk_operator($crate::__opts!(@sk_op $op))) $($($rest)*)?)
    };
    (@munch [$($seen:ident)*] ($o:expr) select : : $sel:tt $(, $($rest:tt)*)?) => {
        $crate::__opts!(@munch [$($seen)* select] ($o.select($crate::__opts!(@select $sel))) $($($rest)*)?)
    };
    // Map-valued keys, as the guide writes them (`%{…}`) or without the `%`.
    (@munch [$($seen:ident)*] ($o:expr) expression_attribute_names : % { $($k:expr => $v:expr),* $(,)? } $(, $($rest:tt)*)?) => {
        $crate::__opts!(@munch [$($seen)*] ({
            $crate::__distinct_keys!("opts![expression_attribute_names: …]", $($k),*);
            $o $(.name($k, $v))*
        }) $($($rest)*)?)
    };
    (@munch [$($seen:ident)*] ($o:expr) expression_attribute_values : % { $($m:tt)* } $(, $($rest:tt)*)?) => {
        $crate::__opts!(@munch [$($seen)*] ($crate::__private::extend_values($o, $crate::values!($($m)*))) $($($rest)*)?)
    };
    (@munch [$($seen:ident)*] ($o:expr) expression_attribute_names : { $($k:expr => $v:expr),* $(,)? } $(, $($rest:tt)*)?) => {
        $crate::__opts!(@munch [$($seen)*] ({
            $crate::__distinct_keys!("opts![expression_attribute_names: …]", $($k),*);
            $o $(.name($k, $v))*
        }) $($($rest)*)?)
    };
    // Without the `%`: each value by `Into<Value>` (API.md §6), a typed
    // value (`%{"N" => "500"}`) as `values!` reads it.
    (@munch [$($seen:ident)*] ($o:expr) expression_attribute_values : { $($m:tt)* } $(, $($rest:tt)*)?) => {
        $crate::__opts!(@munch [$($seen)*] ($crate::__opts!(@values [] ($o) $($m)*)) $($($rest)*)?)
    };
    // The two maps, given as expressions: each occurrence adds to the map,
    // so they may be given more than once.
    (@munch [$($seen:ident)*] ($o:expr) expression_attribute_names : $v:expr $(, $($rest:tt)*)?) => {
        $crate::__opts!(@munch [$($seen)*] ($crate::__opts!(@set $o, expression_attribute_names, $v)) $($($rest)*)?)
    };
    (@munch [$($seen:ident)*] ($o:expr) expression_attribute_values : $v:expr $(, $($rest:tt)*)?) => {
        $crate::__opts!(@munch [$($seen)*] ($crate::__opts!(@set $o, expression_attribute_values, $v)) $($($rest)*)?)
    };
    // Plain keys: `key: expression`.
    (@munch [$($seen:ident)*] ($o:expr) $key:ident : $v:expr $(, $($rest:tt)*)?) => {
        $crate::__opts!(@munch [$($seen)* $key] ($crate::__opts!(@set $o, $key, $v)) $($($rest)*)?)
    };

    // The brace map of values, entry by entry; a placeholder written twice
    // would silently keep the last value.
    (@values [$($k:expr),*] ($o:expr) $(,)?) => {{
        $crate::__distinct_keys!("opts![expression_attribute_values: …]", $($k),*);
        $o
    }};
    (@values [$($seen:expr),*] ($o:expr) $k:expr => % { $($raw:tt)* } $(, $($rest:tt)*)?) => {
        $crate::__opts!(@values [$($seen,)* $k] ($o.value($k, $crate::__raw_value!($($raw)*))) $($($rest)*)?)
    };
    (@values [$($seen:expr),*] ($o:expr) $k:expr => $v:expr $(, $($rest:tt)*)?) => {
        $crate::__opts!(@values [$($seen,)* $k] ($o.value($k, $v)) $($($rest)*)?)
    };
    (@set $o:expr, sk_operator, $v:expr) => { $o.sk_operator($v) };
    (@set $o:expr, select, $v:expr) => { $o.select($v) };
    (@set $o:expr, sk_end, $v:expr) => { $o.sk_end($v) };
    (@set $o:expr, scan_index_forward, $v:expr) => { $o.scan_index_forward($v) };
    (@set $o:expr, limit, $v:expr) => { $o.limit($v) };
    (@set $o:expr, index_name, $v:expr) => { $o.index_name($v) };
    (@set $o:expr, consistent_read, $v:expr) => { $o.consistent_read($v) };
    (@set $o:expr, filter_expression, $v:expr) => { $o.filter_expression($v) };
    (@set $o:expr, projection_expression, $v:expr) => { $o.projection_expression($v) };
    (@set $o:expr, exclusive_start_key, $v:expr) => { $o.exclusive_start_key($v) };
    (@set $o:expr, page_size, $v:expr) => { $o.page_size($v) };
    (@set $o:expr, segments, $v:expr) => { $o.segments($v) };
    (@set $o:expr, batch_size, $v:expr) => { $o.batch_size($v) };
    (@set $o:expr, condition_expression, $v:expr) => { $o.condition_expression($v) };
    (@set $o:expr, concurrency, $v:expr) => { $o.concurrency($v) };
    (@set $o:expr, include_expired, $v:expr) => { $o.include_expired($v) };
    (@set $o:expr, cursor, $v:expr) => { $o.cursor($v) };
    (@set $o:expr, update_expression, $v:expr) => { $o.update_expression($v) };
    (@set $o:expr, expression_attribute_names, $v:expr) => {
        $crate::__private::extend_names($o, $v)
    };
    (@set $o:expr, expression_attribute_values, $v:expr) => {
        $crate::__private::extend_values($o, $v)
    };
    (@set $o:expr, $other:ident, $v:expr) => {{
        $crate::__private::compile_error!($crate::__private::concat!(
            "opts!: unknown option `", $crate::__private::stringify!($other),
            "`; known options: ", $crate::__dynamo_option_table!(__dynamo_option_names)
        ));
        $crate::__dynamo_blame!($other);
        $o
    }};

    (@sk_op eq) => { $crate::SkOperator::Eq };
    (@sk_op lt) => { $crate::SkOperator::Lt };
    (@sk_op lte) => { $crate::SkOperator::Lte };
    (@sk_op gt) => { $crate::SkOperator::Gt };
    (@sk_op gte) => { $crate::SkOperator::Gte };
    (@sk_op begins_with) => { $crate::SkOperator::BeginsWith };
    (@sk_op between) => { $crate::SkOperator::Between };
    (@sk_op $other:tt) => {{
        $crate::__private::compile_error!($crate::__private::concat!(
            "opts!: unknown sk_operator `:", $crate::__private::stringify!($other),
            "`; use :eq, :lt, :lte, :gt, :gte, :begins_with or :between"
        ));
        $crate::__dynamo_blame!($other);
        $crate::SkOperator::Eq
    }};
    (@select count) => { $crate::Select::Count };
    (@select all_attributes) => { $crate::Select::AllAttributes };
    (@select all_projected_attributes) => { $crate::Select::AllProjectedAttributes };
    (@select projected_attributes) => { $crate::Select::AllProjectedAttributes };
    (@select specific_attributes) => { $crate::Select::SpecificAttributes };
    (@select $other:tt) => {{
        $crate::__private::compile_error!($crate::__private::concat!(
            "opts!: unknown select `:", $crate::__private::stringify!($other),
            "`; use :count, :all_attributes, :all_projected_attributes or :specific_attributes"
        ));
        $crate::__dynamo_blame!($other);
        $crate::Select::Count
    }};
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_names_every_option_once() {
        let names: Vec<&str> = Opt::ALL.iter().map(|o| o.name()).collect();
        assert_eq!(names.len(), 20);
        let mut unique = names.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), names.len());
        assert_eq!(
            crate::__dynamo_option_table!(__dynamo_option_names),
            names.join(", ")
        );
        // Every option can be set, and is then the one option set.
        let every = opts![
            sk_operator: :gte, sk_end: 1, scan_index_forward: true, limit: 1,
            index_name: "I", consistent_read: true, filter_expression: "f",
            projection_expression: "p", expression_attribute_names: {"#n" => "n"},
            expression_attribute_values: {":v" => 1}, exclusive_start_key: crate::Key::new(),
            select: :count, page_size: 1, segments: 1, batch_size: 1,
            condition_expression: "c", concurrency: 1, include_expired: true, cursor: "c1.x",
            update_expression: "SET a = :v",
        ];
        assert_eq!(every.set_options().count(), Opt::ALL.len());
        assert_eq!(Opts::new().set_options().count(), 0);
        assert!(opts![limit: 3].is_set(Opt::Limit));
        assert!(!opts![limit: 3].is_set(Opt::PageSize));
    }

    #[test]
    fn the_expression_maps_add_up_when_given_twice() {
        let names = std::collections::BTreeMap::from([("#c".to_owned(), "c".to_owned())]);
        let o = opts![
            expression_attribute_values: %{":a" => 1},
            expression_attribute_names: {"#a" => "a"},
            expression_attribute_values: {":b" => 2},
            expression_attribute_names: names,
            limit: 1,
        ];
        assert_eq!(o.expression_attribute_values.len(), 2);
        assert_eq!(o.expression_attribute_names.len(), 2);
        assert_eq!(o.limit, Some(1));
    }

    #[test]
    fn the_values_map_without_the_percent_takes_into_value_and_typed_values() {
        // Any `Into<Value>` (API.md §6), as `Opts::value` takes it.
        struct Status;
        impl From<Status> for crate::Value {
            fn from(_: Status) -> crate::Value {
                crate::Value::from("active")
            }
        }
        let o = opts![expression_attribute_values: {":s" => Status, ":b" => vec![1u8, 2]}];
        assert_eq!(
            o.expression_attribute_values,
            Opts::new()
                .value(":s", "active")
                .value(":b", vec![1u8, 2])
                .expression_attribute_values
        );
        // A typed value is read as with the `%` (it did not parse).
        let typed = opts![expression_attribute_values: {":min" => %{"N" => "500"}}];
        assert_eq!(
            typed.expression_attribute_values[":min"],
            crate::Value::from(500)
        );
    }

    #[test]
    fn only_refuses_unused_options() {
        let o = Opts::new().segments(4);
        let e = o.only("put_item", &[Opt::ConditionExpression]).unwrap_err();
        assert!(
            e.message()
                .contains("`segments` does not apply to put_item"),
            "{}",
            e.message()
        );
        assert!(
            e.message().ends_with("it accepts: condition_expression"),
            "{}",
            e.message()
        );
        assert!(Opts::new().only("put_item", &[]).is_ok());
    }
}
