//! The crate's macros: `dynamo_item!` (in `schema.rs`), `item!`, and the
//! small builders `opts!`, `updates!` and `values!` (next to the types they
//! build, in `opts.rs` and `update.rs`).

mod schema;

/// Builds a schema struct like Elixir's `%Name{…}`: every given value goes
/// through `Into`, every other field takes its default.
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
/// ```
#[macro_export]
macro_rules! item {
    ($($name:ident)::+ { $( $field:ident : $value:expr ),* $(,)? }) => {{
        // With every field given, the `..Default::default()` is needless;
        // that is fine here.
        #[allow(clippy::needless_update)]
        let item = $($name)::+ {
            $( $field: $crate::__private::Into::into($value), )*
            ..$crate::__private::Default::default()
        };
        item
    }};
}
