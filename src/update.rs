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
/// ```
/// use dynamo::prelude::*;
/// let u = updates!{ balance: {:decrement, 100} };
/// assert_eq!(u.actions()[0].1, UpdateOp::Decrement(Value::from(100)));
/// ```
#[macro_export]
macro_rules! updates {
    () => { $crate::Updates::new() };
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
    (@munch ($u:expr) $f:ident : { : $op:ident , $v:expr $(,)? } $(, $($rest:tt)*)?) => {
        $crate::__updates!(@munch ($u.with($crate::__private::stringify!($f), $crate::__updates!(@op $op $v))) $($($rest)*)?)
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
    (@munch ($u:expr) $f:ident : $v:expr $(, $($rest:tt)*)?) => {
        $crate::__updates!(@munch ($u.with($crate::__private::stringify!($f), $crate::UpdateOp::Set($crate::__private::encode_update_value(&$v)))) $($($rest)*)?)
    };

    (@op increment $v:expr) => { $crate::UpdateOp::Increment($crate::__private::encode_update_value(&$v)) };
    (@op decrement $v:expr) => { $crate::UpdateOp::Decrement($crate::__private::encode_update_value(&$v)) };
    (@op append $v:expr) => { $crate::UpdateOp::Append($crate::__private::encode_update_value(&$v)) };
    (@op prepend $v:expr) => { $crate::UpdateOp::Prepend($crate::__private::encode_update_value(&$v)) };
    (@op if_not_exists $v:expr) => { $crate::UpdateOp::IfNotExists($crate::__private::encode_update_value(&$v)) };
    (@op remove $v:expr) => {{
        $crate::__private::compile_error!(
            "updates!: `{:remove}` takes no value; write `field: {:remove}` (or set the field to `None`)"
        );
        $crate::UpdateOp::Remove
    }};
    (@op $other:ident $v:expr) => {{
        $crate::__private::compile_error!($crate::__private::concat!(
            "updates!: `:", $crate::__private::stringify!($other), "` is not an update operator; use ",
            ":increment, :decrement, :append, :prepend, :if_not_exists or :remove"
        ));
        $crate::__dynamo_blame!($other);
        $crate::UpdateOp::Remove
    }};
}

/// Expression attribute values: `values!{":amount" => 100, ":s" => "x"}`.
/// Values go through `Into<Value>`.
///
/// ```
/// use dynamo::prelude::*;
/// let v = values!{":amount" => 100};
/// assert_eq!(v[":amount"], Value::from(100));
/// ```
#[macro_export]
macro_rules! values {
    ($($k:expr => $v:expr),* $(,)?) => {{
        #[allow(unused_mut)]
        let mut map = $crate::__private::BTreeMap::<$crate::__private::String, $crate::Value>::new();
        $( map.insert($crate::__private::Into::into($k), $crate::__private::encode_update_value(&$v)); )*
        map
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
    fn values_macro() {
        let v = values! {":a" => 1, ":b" => "x"};
        assert_eq!(v.len(), 2);
        assert_eq!(v[":b"], Value::from("x"));
        let empty = values! {};
        assert!(empty.is_empty());
    }
}
