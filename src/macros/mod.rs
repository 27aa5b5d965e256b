//! The crate's macros: `dynamo_item!` (in `schema.rs`, with a helper macro
//! per concern in `fields.rs`, `keys.rs`, `indexes.rs`, `relations.rs` and
//! `options.rs`), `item!`, `tx!` (in `tx.rs`), `collection!` (in
//! `collection.rs`), and the small builders
//! `opts!`, `updates!` and `values!` (next to the types they build, in
//! `opts.rs` and `update.rs`).

mod collection;
mod fields;
mod indexes;
mod keys;
mod options;
mod relations;
mod schema;
pub(crate) mod support;
mod tx;

/// Builds a schema struct like Elixir's `%Name{…}`: every given value goes
/// through `Into`, every other field takes its default.
///
/// The Elixir spelling works too: `item!(%User{id: "u1"})`,
/// `item!(%my_app::User{…})`, and the guide's own `item!(%MyApp.User{…})`,
/// which names `User` (its last segment; `User` must be in scope). A field
/// written alone takes the variable of that name, as in Rust's struct
/// literals: `item!(%User{id, email})`.
///
/// ```
/// use dynamo::prelude::*;
///
/// dynamo_item! {
///     #[derive(Debug)]
///     pub struct User {
///         table_name "users";
///         field :id, partition_key;
///         field :role, default: "user";
///         field :age: u32;
///     }
/// }
///
/// let u = item!(User { id: "u1", age: 42u32 });
/// assert_eq!(u.id, "u1");
/// assert_eq!(u.role, "user");
/// let empty = item!(User {});
/// assert!(empty.id.is_null());
///
/// let id = "u2";
/// let v = item!(%MyApp.User{id, role: "admin"});
/// assert_eq!((v.id.as_str(), v.role.as_str()), (Some("u2"), Some("admin")));
/// ```
#[macro_export]
macro_rules! item {
    // `%User{…}`, `%my_app::User{…}`
    (% $($name:ident)::+ { $($fields:tt)* }) => {
        $crate::item!(@build [$($name)::+] $($fields)*)
    };
    // `%MyApp.User{…}`: the last segment names the type.
    (% $first:ident $(. $seg:ident)+ { $($fields:tt)* }) => {
        $crate::item!(@last [$first $($seg)+] $($fields)*)
    };
    (@last [$name:ident] $($fields:tt)*) => {
        $crate::item!(@build [$name] $($fields)*)
    };
    (@last [$first:ident $($rest:ident)+] $($fields:tt)*) => {
        $crate::item!(@last [$($rest)+] $($fields)*)
    };
    (@build [$($name:tt)*] $( $field:ident $( : $value:expr )? ),* $(,)?) => {{
        // With every field given, the `..Default::default()` is needless;
        // that is fine here.
        #[allow(clippy::needless_update)]
        let item = $($name)* {
            $( $field: $crate::__private::Into::into($crate::item!(@value $field $($value)?)), )*
            ..$crate::__private::Default::default()
        };
        item
    }};
    (@build [$($name:tt)*] $($other:tt)*) => {
        $crate::__private::compile_error!($crate::__private::concat!(
            "item!: the fields of `%", $crate::__private::stringify!($($name)*),
            "{...}` are `field: value` or `field` alone, separated by commas, e.g. `%",
            $crate::__private::stringify!($($name)*), "{id: \"u1\", email}`"
        ))
    };
    (@value $field:ident) => { $field };
    (@value $field:ident $value:expr) => { $value };
    // `User {…}`
    ($($name:ident)::+ { $($fields:tt)* }) => {
        $crate::item!(@build [$($name)::+] $($fields)*)
    };
    ($($other:tt)*) => {
        $crate::__private::compile_error!(
            "item!: write a struct name and its fields, e.g. `item!(%User{id: \"u1\"})` or `item!(User { id: \"u1\" })`"
        )
    };
}
