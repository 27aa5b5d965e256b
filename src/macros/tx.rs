//! `tx!`: the guide's transaction list, `[{:check, %A{…}, "expr", %{…}},
//! {:update, %A{…}, %{…}}, {:put, a}, {:delete, %A{…}}]`, as a `Vec<Tx>`.

/// Builds the actions of a transaction from the guide's tuple list:
///
/// | Elixir | what it builds |
/// |---|---|
/// | `{:check, key, "expr", %{…}}` | [`Tx::check`](crate::Tx::check) (the map through [`values!`](crate::values)) |
/// | `{:update, key, %{…}}` | [`Tx::update`](crate::Tx::update) (the map through [`updates!`](crate::updates)) |
/// | `{:put, item}` | [`Tx::put`](crate::Tx::put) |
/// | `{:delete, key}` | [`Tx::delete`](crate::Tx::delete) |
/// | `…, "condition", %{…}` after a put, update or delete | the write only if the condition holds ([`Tx::condition`](crate::Tx::condition)) |
///
/// A key is written `%Account{id: "s"}` (as in [`item!`](crate::item)) or
/// is any expression: a value or a reference. A value in DynamoDB's typed
/// form, `%{"N" => "100"}`, is read as that attribute value. A map may also
/// be an expression (`values!{…}`, `updates!{…}`, a variable).
///
/// ```
/// use dynamo::prelude::*;
///
/// dynamo_item! {
///     #[derive(Debug, Clone)]
///     pub struct Account {
///         table_name "accounts";
///         field :id, partition_key;
///         field :balance: i64;
///     }
/// }
///
/// let a = item!(%Account{id: "new", balance: 0i64});
/// let actions = tx![
///     {:check, %Account{id: "source"}, "balance >= :amount", %{":amount" => %{"N" => "100"}}},
///     {:update, %Account{id: "source"}, %{balance: {:decrement, 100}}},
///     {:put, a},
///     {:delete, %Account{id: "x"}},
///     // Conditional writes: the condition and its values follow.
///     {:put, item!(%Account{id: "y"}), "attribute_not_exists(pk)"},
///     {:update, %Account{id: "dest"}, %{balance: {:increment, 100}}, "balance < :cap", %{":cap" => 1000}},
///     {:delete, %Account{id: "z"}, "balance = :zero", %{":zero" => 0}},
/// ];
/// assert_eq!(actions.len(), 7);
/// // dynamo::transaction::transact(actions).await?;
/// ```
#[macro_export]
macro_rules! tx {
    ($($action:tt),* $(,)?) => {
        <[_]>::into_vec($crate::__private::Box::new([ $( $crate::__tx!(@action $action) ),* ]))
    };
    ($($other:tt)*) => {{
        $crate::__private::compile_error!(
            "tx!: write the guide's list of tuples, e.g. `tx![{:put, item}, {:delete, %A{id: \"x\"}}]`; \
             for `Tx::put(...)` and friends, use `vec![...]`"
        );
        $crate::__private::Vec::<$crate::Tx>::new()
    }};
}

#[doc(hidden)]
#[macro_export]
macro_rules! __tx {
    // `{:action, key, …}`: the key first.
    (@action { : $act:tt , $($rest:tt)* }) => {
        $crate::__tx!(@key $act $($rest)*)
    };
    (@action { : $act:tt $(,)? }) => {
        $crate::__tx!(@bad $act $act)
    };
    (@action $other:tt) => {{
        $crate::__private::compile_error!(
            "tx!: each action is a tuple like the guide's: `{:check, %A{...}, \"expr\", %{...}}`, \
             `{:update, %A{...}, %{...}}`, `{:put, item}` or `{:delete, %A{...}}`"
        );
        $crate::__dynamo_blame!($other);
        $crate::Tx::__invalid()
    }};

    (@key $act:tt % $($kp:ident)::+ { $($kf:tt)* } $(, $($rest:tt)*)?) => {
        $crate::__tx!(@do $act $act ($crate::item!(% $($kp)::+ { $($kf)* })) $($($rest)*)?)
    };
    (@key $act:tt % $k0:ident $(. $kp:ident)+ { $($kf:tt)* } $(, $($rest:tt)*)?) => {
        $crate::__tx!(@do $act $act ($crate::item!(% $k0 $(. $kp)+ { $($kf)* })) $($($rest)*)?)
    };
    (@key $act:tt $key:expr $(, $($rest:tt)*)?) => {
        $crate::__tx!(@do $act $act ($key) $($($rest)*)?)
    };

    // The actions. (`$tok` is the action's name again, to blame.)
    (@do check $tok:tt ($k:expr) $cond:expr , % { $($vals:tt)* } $(,)?) => {
        $crate::Tx::check($k, $cond, $crate::values!($($vals)*))
    };
    (@do check $tok:tt ($k:expr) $cond:expr , $vals:expr $(,)?) => {
        $crate::Tx::check($k, $cond, $vals)
    };
    (@do check $tok:tt ($k:expr) $cond:expr $(,)?) => {
        $crate::Tx::check($k, $cond, $crate::__private::BTreeMap::new())
    };
    (@do update $tok:tt ($k:expr) % { $($u:tt)* } $(, $($cond:tt)+)?) => {
        $crate::__tx!(@cond update $tok ($crate::Tx::update($k, $crate::updates!($($u)*))) $($($cond)+)?)
    };
    (@do update $tok:tt ($k:expr) $u:expr $(, $($cond:tt)+)?) => {
        $crate::__tx!(@cond update $tok ($crate::Tx::update($k, $u)) $($($cond)+)?)
    };
    (@do put $tok:tt ($item:expr) $($cond:tt)*) => {
        $crate::__tx!(@cond put $tok ($crate::Tx::put($item)) $($cond)*)
    };
    (@do delete $tok:tt ($k:expr) $($cond:tt)*) => {
        $crate::__tx!(@cond delete $tok ($crate::Tx::delete($k)) $($cond)*)
    };

    // A write's optional condition: `"expr"`, then its values.
    (@cond $act:tt $tok:tt ($tx:expr)) => { $tx };
    (@cond $act:tt $tok:tt ($tx:expr) ,) => { $tx };
    (@cond $act:tt $tok:tt ($tx:expr) $cond:expr , % { $($vals:tt)* } $(,)?) => {
        $tx.condition($cond, $crate::values!($($vals)*))
    };
    (@cond $act:tt $tok:tt ($tx:expr) $cond:expr , $vals:expr $(,)?) => {
        $tx.condition($cond, $vals)
    };
    (@cond $act:tt $tok:tt ($tx:expr) $cond:expr $(,)?) => {
        $tx.condition($cond, $crate::__private::BTreeMap::new())
    };
    (@cond $act:tt $tok:tt ($tx:expr) $($other:tt)*) => {
        $crate::__tx!(@bad $act $tok)
    };
    (@do $act:tt $tok:tt ($k:expr) $($rest:tt)*) => {
        $crate::__tx!(@bad $act $tok)
    };

    (@bad check $tok:tt) => {
        $crate::__tx!(@error $tok "`{:check, key, \"condition\", %{\":v\" => value}}` takes a key, a condition and its values (the values may be left out)")
    };
    (@bad update $tok:tt) => {
        $crate::__tx!(@error $tok "`{:update, key, %{field: value}}` takes a key and the changes (and may add a condition: `, \"expr\", %{\":v\" => value}`)")
    };
    (@bad put $tok:tt) => {
        $crate::__tx!(@error $tok "`{:put, item}` takes the item (and may add a condition: `, \"expr\", %{\":v\" => value}`)")
    };
    (@bad delete $tok:tt) => {
        $crate::__tx!(@error $tok "`{:delete, key}` takes the key (and may add a condition: `, \"expr\", %{\":v\" => value}`)")
    };
    (@bad $other:tt $tok:tt) => {
        $crate::__tx!(@error $tok $crate::__private::concat!(
            "`:", $crate::__private::stringify!($other),
            "` is not a transaction action; use :check, :update, :put or :delete"
        ))
    };
    (@error $tok:tt $why:expr) => {{
        $crate::__private::compile_error!($crate::__private::concat!("tx!: ", $why));
        $crate::__dynamo_blame!($tok);
        $crate::Tx::__invalid()
    }};
}
