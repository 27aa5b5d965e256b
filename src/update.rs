//! [`Updates`]: what `update_item` and `Tx::update` change, written
//! `updates!{…}` with the guide's operators.
//!
//! ```
//! use dynamo::prelude::*;
//!
//! let u = updates!{
//!     name: "Ada",                       // SET name = :v
//!     balance: {:increment, 100},        // SET balance = if_not_exists(balance, 0) + :v
//!     stock: {:decrement, 2},            // SET stock = if_not_exists(stock, 0) - :v
//!     tags: {:append, vec!["new"]},      // SET tags = list_append(if_not_exists(tags, []), :v)
//!     history: {:prepend, vec!["first"]},// SET history = list_append(:v, if_not_exists(history, []))
//!     created_at: {:if_not_exists, "2024-01-01"},
//!     nickname: {:remove},               // REMOVE nickname
//! };
//! assert_eq!(u.len(), 7);
//! ```
//!
//! Setting a field to `None` or `Value::Null` removes the attribute, like
//! `{:remove}`.

use crate::value::Value;

/// One change to one attribute.
#[derive(Clone, Debug, PartialEq)]
pub enum UpdateOp {
    /// Set the attribute (`field: value`); `Null` removes it.
    Set(Value),
    /// Add a number, starting from 0 when absent (`{:increment, n}`).
    Increment(Value),
    /// Subtract a number, starting from 0 when absent (`{:decrement, n}`).
    Decrement(Value),
    /// Append a list (`{:append, list}`).
    Append(Value),
    /// Prepend a list (`{:prepend, list}`).
    Prepend(Value),
    /// Set only when the attribute is absent (`{:if_not_exists, value}`).
    IfNotExists(Value),
    /// Remove the attribute (`{:remove}`).
    Remove,
}

/// A list of attribute changes, in the order given.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Updates {
    actions: Vec<(String, UpdateOp)>,
    /// The first value `updates!` could not encode: its field and why.
    unencodable: Option<(String, String)>,
}

impl Updates {
    /// No changes.
    pub fn new() -> Updates {
        Updates::default()
    }

    /// Adds a change.
    #[must_use]
    pub fn with(mut self, field: impl Into<String>, op: UpdateOp) -> Updates {
        self.actions.push((field.into(), op));
        self
    }

    /// `updates!`: adds `make(value)`, or records why `value` could not be
    /// encoded (every update plan refuses such updates, naming the field).
    #[doc(hidden)]
    #[must_use]
    pub fn __with_value(
        mut self,
        field: &str,
        value: Result<Value, String>,
        make: fn(Value) -> UpdateOp,
    ) -> Updates {
        match value {
            Ok(v) => self.actions.push((field.to_owned(), make(v))),
            Err(why) => {
                if self.unencodable.is_none() {
                    self.unencodable = Some((field.to_owned(), why));
                }
            }
        }
        self
    }

    /// The first value `updates!` could not encode, as an error.
    pub(crate) fn check_encoded(&self) -> crate::Result<()> {
        match &self.unencodable {
            Some((field, why)) => Err(crate::Error::validation(format!(
                "updates!: field `{field}`: {why}"
            ))
            .with_field(field)),
            None => Ok(()),
        }
    }

    /// Adds a change in place.
    pub fn push(&mut self, field: impl Into<String>, op: UpdateOp) {
        self.actions.push((field.into(), op));
    }

    /// Number of changes.
    pub fn len(&self) -> usize {
        self.actions.len()
    }

    /// `true` when there are no changes.
    pub fn is_empty(&self) -> bool {
        self.actions.is_empty()
    }

    /// The changes.
    pub fn actions(&self) -> &[(String, UpdateOp)] {
        &self.actions
    }
}

/// Builds [`Updates`]: `field: value` sets a field; `{:increment, n}`,
/// `{:decrement, n}`, `{:append, list}`, `{:prepend, list}`,
/// `{:if_not_exists, value}` and `{:remove}` are the guide's operators.
/// Values go through `Into<Value>`.
///
/// The guide's Elixir map works as written: `updates!(%{balance:
/// {:decrement, 100}})`.
///
/// ```
/// use dynamo::prelude::*;
/// let u = updates!{ balance: {:decrement, 100} };
/// assert_eq!(u.actions()[0].1, UpdateOp::Decrement(Value::from(100)));
/// let v = updates!(%{balance: {:decrement, 100}, name: "Ada"});
/// assert_eq!(v.actions()[0].1, UpdateOp::Decrement(Value::from(100)));
/// ```
#[macro_export]
macro_rules! updates {
    () => { $crate::Updates::new() };
    (% { $($rest:tt)* }) => { $crate::updates!($($rest)*) };
    ($($rest:tt)+) => { $crate::__updates!(@munch ($crate::Updates::new()) $($rest)+) };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __updates {
    (@munch ($u:expr)) => { $u };
    (@munch ($u:expr) ,) => { $u };
    (@munch ($u:expr) $f:ident : { : remove } $(, $($rest:tt)*)?) => {
        $crate::__updates!(@munch ($u.with($crate::__private::stringify!($f), $crate::UpdateOp::Remove)) $($($rest)*)?)
    };
    (@munch ($u:expr) $f:ident : { : $op:ident , None $(,)? } $(, $($rest:tt)*)?) => {
        $crate::__updates!(@munch ($u.with(
            $crate::__private::stringify!($f),
            $crate::__updates!(@op $op)($crate::Value::Null),
        )) $($($rest)*)?)
    };
    (@munch ($u:expr) $f:ident : { : $op:ident , $v:expr $(,)? } $(, $($rest:tt)*)?) => {
        $crate::__updates!(@munch ($u.__with_value(
            $crate::__private::stringify!($f),
            $crate::__private::encode_update_checked(&$v),
            $crate::__updates!(@op $op),
        )) $($($rest)*)?)
    };
    (@munch ($u:expr) $f:ident : { : $op:tt $($x:tt)* } $(, $($rest:tt)*)?) => {{
        $crate::__private::compile_error!($crate::__private::concat!(
            "updates!: `{:", $crate::__private::stringify!($op), " ...}` on field `",
            $crate::__private::stringify!($f), "` is not an update operator; use {:increment, n}, ",
            "{:decrement, n}, {:append, list}, {:prepend, list}, {:if_not_exists, value} or {:remove}"
        ));
        $crate::__dynamo_blame!($op);
        $u
    }};
    // A bare `None` has no type to infer: it removes the attribute.
    (@munch ($u:expr) $f:ident : None $(, $($rest:tt)*)?) => {
        $crate::__updates!(@munch ($u.with(
            $crate::__private::stringify!($f),
            $crate::UpdateOp::Set($crate::Value::Null),
        )) $($($rest)*)?)
    };
    (@munch ($u:expr) $f:ident : $v:expr $(, $($rest:tt)*)?) => {
        $crate::__updates!(@munch ($u.__with_value(
            $crate::__private::stringify!($f),
            $crate::__private::encode_update_checked(&$v),
            $crate::UpdateOp::Set,
        )) $($($rest)*)?)
    };

    (@op increment) => { $crate::UpdateOp::Increment };
    (@op decrement) => { $crate::UpdateOp::Decrement };
    (@op append) => { $crate::UpdateOp::Append };
    (@op prepend) => { $crate::UpdateOp::Prepend };
    (@op if_not_exists) => { $crate::UpdateOp::IfNotExists };
    (@op remove) => {{
        $crate::__private::compile_error!(
            "updates!: `{:remove}` takes no value; write `field: {:remove}` (or set the field to `None`)"
        );
        |_| $crate::UpdateOp::Remove
    }};
    (@op $other:ident) => {{
        $crate::__private::compile_error!($crate::__private::concat!(
            "updates!: `:", $crate::__private::stringify!($other), "` is not an update operator; use ",
            ":increment, :decrement, :append, :prepend, :if_not_exists or :remove"
        ));
        $crate::__dynamo_blame!($other);
        |_| $crate::UpdateOp::Remove
    }};
}

/// Expression attribute values: `values!{":amount" => 100, ":s" => "x"}`.
/// Values are written as their field would be ([`Encode`](crate::Encode)).
///
/// The guide's Elixir map works as written, `values!(%{":amount" => 100})`,
/// and so does a value in DynamoDB's own typed form, `%{"N" => "100"}`:
/// `"S"`, `"N"` (a number literal, checked at compile time), `"BOOL"`,
/// `"NULL"`, `"SS"` and `"NS"`.
///
/// ```
/// use dynamo::prelude::*;
/// let v = values!{":amount" => 100};
/// assert_eq!(v[":amount"], Value::from(100));
/// let w = values!(%{":amount" => %{"N" => "100"}, ":name" => %{"S" => "Ada"}});
/// assert_eq!(w[":amount"], Value::from(100));
/// assert_eq!(w[":name"], Value::from("Ada"));
/// ```
#[macro_export]
macro_rules! values {
    (% { $($entries:tt)* }) => { $crate::values!($($entries)*) };
    ($($entries:tt)*) => {{
        #[allow(unused_mut)]
        let mut map = $crate::__private::BTreeMap::<$crate::__private::String, $crate::Value>::new();
        $crate::__values!(@munch map [] $($entries)*);
        map
    }};
}

/// A compile error when a map written in a macro names one key twice
/// (compared as written: two equal literals, or one expression twice): the
/// last entry would silently win. `$what` starts the message.
#[doc(hidden)]
#[macro_export]
macro_rules! __distinct_keys {
    ($what:literal, $($k:expr),*) => {
        const _: () = $crate::__private::assert!(
            $crate::__private::all_distinct(&[$($crate::__private::stringify!($k)),*]),
            $crate::__private::concat!(
                $what, ": a key is given twice (",
                $crate::__private::stringify!($($k),*),
                "); the last entry would silently win: give each once"
            )
        );
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __values {
    (@munch $m:ident [$($seen:expr),*] $(,)?) => {
        $crate::__distinct_keys!("values!", $($seen),*);
    };
    (@munch $m:ident [$($seen:expr),*] $k:expr => % { $($raw:tt)* } $(, $($rest:tt)*)?) => {
        $m.insert($crate::__private::Into::into($k), $crate::__raw_value!($($raw)*));
        $crate::__values!(@munch $m [$($seen,)* $k] $($($rest)*)?);
    };
    // A bare `None` has no type to infer: DynamoDB's NULL.
    (@munch $m:ident [$($seen:expr),*] $k:expr => None $(, $($rest:tt)*)?) => {
        $m.insert($crate::__private::Into::into($k), $crate::Value::Null);
        $crate::__values!(@munch $m [$($seen,)* $k] $($($rest)*)?);
    };
    (@munch $m:ident [$($seen:expr),*] $k:expr => $v:expr $(, $($rest:tt)*)?) => {
        $m.insert($crate::__private::Into::into($k), $crate::__private::encode_update_value(&$v));
        $crate::__values!(@munch $m [$($seen,)* $k] $($($rest)*)?);
    };
    (@munch $m:ident $seen:tt $($other:tt)*) => {
        $crate::__private::compile_error!(
            "values!: entries are `\":name\" => value`, separated by commas, e.g. `%{\":amount\" => 100}`"
        );
    };
}

/// A value in DynamoDB's typed form, `%{"N" => "100"}`, inside `values!`,
/// `opts!` and `tx!`.
#[doc(hidden)]
#[macro_export]
macro_rules! __raw_value {
    ("S" => $v:expr $(,)?) => {
        $crate::Value::String($crate::__private::Into::<$crate::__private::String>::into($v))
    };
    ("N" => $v:literal $(,)?) => {{
        const _: () = $crate::__private::assert!(
            $crate::__private::number_literal_ok($v),
            $crate::__private::concat!(
                "values!: %{{\"N\" => ", $crate::__private::stringify!($v),
                "}} is not a number DynamoDB accepts; write digits with an optional sign, fraction and exponent, e.g. \"100\" or \"-1.5e3\""
            )
        );
        $crate::Value::Number($crate::__private::number_literal($v))
    }};
    ("N" => $v:expr $(,)?) => {{
        $crate::__private::compile_error!(
            "values!: `%{\"N\" => ...}` takes the number as a string literal, as DynamoDB writes it (`%{\"N\" => \"100\"}`); for a number in a variable write the value itself, e.g. `\":amount\" => amount`"
        );
        $crate::Value::Null
    }};
    ("BOOL" => $v:expr $(,)?) => { $crate::Value::Bool($v) };
    ("NULL" => true $(,)?) => { $crate::Value::Null };
    ("NULL" => $($v:tt)*) => {{
        $crate::__private::compile_error!(
            "values!: `%{\"NULL\" => ...}` takes only `true`, as DynamoDB writes it (`%{\"NULL\" => true}`)"
        );
        $crate::Value::Null
    }};
    ("SS" => [$($s:expr),* $(,)?] $(,)?) => {
        $crate::Value::StringSet([$( $crate::__private::Into::<$crate::__private::String>::into($s) ),*].into_iter().collect())
    };
    ("NS" => [$($n:literal),* $(,)?] $(,)?) => {
        $crate::Value::NumberSet([$( $crate::__raw_value!(@number $n) ),*].into_iter().collect())
    };
    (@number $n:literal) => {{
        const _: () = $crate::__private::assert!(
            $crate::__private::number_literal_ok($n),
            $crate::__private::concat!("values!: ", $crate::__private::stringify!($n), " in a number set is not a number")
        );
        $crate::__private::number_literal($n)
    }};
    ($tag:tt => $($v:tt)*) => {{
        $crate::__private::compile_error!($crate::__private::concat!(
            "values!: `%{", $crate::__private::stringify!($tag), " => ...}` is not a typed value this macro reads; ",
            "use \"S\", \"N\", \"BOOL\", \"NULL\", \"SS\" or \"NS\" (for binary, lists and maps write the value itself, ",
            "e.g. `vec![1u8, 2]`)"
        ));
        $crate::__dynamo_blame!($tag);
        $crate::Value::Null
    }};
    ($($other:tt)*) => {{
        $crate::__private::compile_error!(
            "values!: a typed value is `%{\"TYPE\" => value}`, e.g. `%{\"N\" => \"100\"}` or `%{\"S\" => \"x\"}`"
        );
        $crate::Value::Null
    }};
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_written_as_their_field_would_be() {
        use std::collections::{BTreeMap, BTreeSet};
        let u = updates! {
            data: vec![1u8, 2],
            tags: BTreeSet::from([3i64, 1]),
            note: None::<String>,
            names: {:append, vec!["a"]},
        };
        assert_eq!(u.actions()[0].1, UpdateOp::Set(Value::Binary(vec![1, 2])));
        assert!(matches!(&u.actions()[1].1, UpdateOp::Set(Value::NumberSet(s)) if s.len() == 2));
        assert_eq!(u.actions()[2].1, UpdateOp::Set(Value::Null));
        assert_eq!(
            u.actions()[3].1,
            UpdateOp::Append(Value::List(vec![Value::from("a")]))
        );
        let u = updates! { tags: {:append, ["x"]}, meta: BTreeMap::from([("k", 1)]) };
        assert_eq!(u.actions()[0].1, UpdateOp::Append(Value::from(vec!["x"])));
        assert_eq!(
            u.actions()[1].1,
            UpdateOp::Set(Value::from(BTreeMap::from([(
                "k".to_owned(),
                Value::from(1)
            )])))
        );
        let v = values! {":blob" => vec![9u8], ":n" => 5};
        assert_eq!(v[":blob"], Value::Binary(vec![9]));
        assert_eq!(v[":n"], Value::from(5));
    }

    #[test]
    fn number_literals() {
        use crate::__private::{number_literal, number_literal_ok};
        // Every text the compile-time check accepts, the parser reads.
        let ints = [
            "0",
            "7",
            "-12",
            "+3",
            "1234567890123456789012345678901234567890",
        ];
        let fracs = ["", ".5", ".000001", ".1234567890123"];
        let exps = ["", "e0", "E5", "e-300", "e+300", "e300", "e-7"];
        for i in ints {
            for f in fracs {
                for e in exps {
                    let text = format!("{i}{f}{e}");
                    assert!(number_literal_ok(&text), "{text}");
                    assert!(text.parse::<crate::Number>().is_ok(), "{text}");
                }
            }
        }
        assert_eq!(number_literal("-1.5e3").as_str(), "-1500");
        for bad in [
            "", "-", "1.", ".5", "1e", "1e+", "e5", "1e301", "1e1000", "12abc", "0x10", "1_000",
            " 1", "1 ", "NaN", "inf", "--1",
        ] {
            assert!(!number_literal_ok(bad), "{bad:?}");
        }
        assert!(!number_literal_ok(&"1".repeat(65)));
    }

    #[test]
    fn values_macro() {
        let v = values! {":a" => 1, ":b" => "x"};
        assert_eq!(v.len(), 2);
        assert_eq!(v[":b"], Value::from("x"));
        let empty = values! {};
        assert!(empty.is_empty());
    }
}
