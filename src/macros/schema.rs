//! `dynamo_item!`: the schema block.
//!
//! How it works (see `docs/internals.md` for the longer story):
//!
//! * The public macro's arms only recognise the block's *header* — `pub
//!   struct Name { … }`, the guide's `defmodule MyApp.Name do … item do …
//!   end end`, or no header at all (the design card's `table_name "x"; field
//!   …;`, which defines `Item`) — and hand one canonical form to
//!   `__dynamo_item!`, passing a `$` token along so the expansion can define
//!   a local helper macro.
//! * `__dynamo_item!` matches the lines **once**, with plain repetitions — no
//!   per-line recursion — so a 300-field schema compiles. A block that does
//!   not fit is matched again by the same arm in a mode with no fallback
//!   (`@strict`), so rustc points at the first token that does not fit.
//! * Each concern has its own macro, as bitflags splits its `__impl_*`
//!   macros: field options (`__dynamo_field_opts!`), key lists and flags
//!   (`__dynamo_keys!`), indexes (`__dynamo_index!`), relations
//!   (`__dynamo_relation!`), `use` options (`__dynamo_use!`). Their state is
//!   kept in labelled slots like `[pk = [] sk = [] def = []]`.
//! * The expansion emits data (`SchemaDef`) and calls into plain functions
//!   (`key.rs`, `codec`, `__private::decode_field`); the rules themselves are
//!   ordinary, unit-tested functions.
//! * Mistakes become `compile_error!`s whose text starts with
//!   `dynamo_item!:` and says what to write instead; where possible a second
//!   error points at the offending token (`__dynamo_blame!`).

/// Declares a DynamoDB schema: a struct with public fields, its `Default`,
/// its keys, and its encoding. The operations come with
/// [`SchemaExt`](crate::SchemaExt).
///
/// # Grammar
///
/// ```text
/// dynamo_item! {
///     $(#[attr])*                                   // derives, doc comments …
///     $vis struct $Name {                           // or: defmodule MyApp.Name do
///                                                   //       use Dynamo.Schema[, option: value, …];
///                                                   //       item do   (lines)   end
///                                                   //       [def f(args) -> T { … } | defp …]*
///                                                   //     end
///                                                   // or no header at all: `pub struct Item`
///         [use Dynamo.Schema, $option: $value, …;]  // key_separator, prefix_sort_key,
///                                                   // partition_key_name, sort_key_name,
///                                                   // inserted_at, updated_at
///         table_name "$table";
///         $(#[attr])* field :$name [: $Type] [, partition_key [: true]] [, sort_key [: true]]
///                                            [, version] [, ttl] [, default: $expr];   // one or more
///         [timestamps;]
///         [partition_key [:$field, …];]
///         [sort_key [:$field, …];]
///         [global_secondary_index "$Index", partition_key: :$f | [:$f, …] [, sort_key: :$f | [:$f, …]]
///              [, projection: :all | :keys_only | :include] [, projected_attributes: [:$field, …]];]*
///         [local_secondary_index "$Index", sort_key: :$f
///              [, projection: :all | :keys_only | :include] [, projected_attributes: [:$field, …]];]*
///         [belongs_to :$relation, $Parent [, foreign_key: :$field] [, sk_strategy: :prefix | :use_defined];]*
///     }
/// }
/// ```
///
/// Lines end with `;` and come in the order shown. In a `defmodule` block,
/// the module's functions may follow `item do … end`, as in Elixir:
/// `def name(args) -> Type { body }` becomes a `pub fn` of the struct and
/// `defp` a private one (in any order; arguments, types and bodies are
/// Rust).
///
/// A field without a type is a [`Value`](crate::Value) (Elixir fields are untyped); a typed field may
/// have any type implementing [`Encode`](crate::Encode) and
/// [`Decode`](crate::Decode). `default:` values go through `Into`.
///
/// Keys follow the guide: `partition_key [:tenant_id, :customer_id]` with
/// `tenant123` and `customer456` gives `"tenant123#customer456"`. The full
/// rules are in [`crate::key`]; the error catalogue is in `docs/dsl.md`.
///
/// # Example
///
/// ```
/// use dynamo::prelude::*;
///
/// dynamo_item! {
///     #[derive(Debug, Clone, PartialEq)]
///     pub struct Order {
///         table_name "orders";
///         field :tenant_id;
///         field :customer_id;
///         field :order_date: String;
///         field :order_id: String;
///         field :total: f64, default: 0.0;
///         partition_key [:tenant_id, :customer_id];
///         sort_key [:order_date, :order_id];
///     }
/// }
///
/// let order = item!(Order {
///     tenant_id: "tenant123",
///     customer_id: "customer456",
///     order_date: "2024-01-15",
///     order_id: "order789",
/// });
/// assert_eq!(order.partition_key().unwrap(), "tenant123#customer456");
/// assert_eq!(order.sort_key().as_deref(), Some("2024-01-15#order789"));
/// assert_eq!(order.total, 0.0);
/// assert_eq!(Order::table_name(), "orders");
/// ```
///
/// The guide's Elixir header works as written, and so does the design
/// card's headerless form (put it in a module named for the entity):
///
/// ```
/// use dynamo::prelude::*;
///
/// dynamo_item! {
///     #[derive(Debug, Clone)]
///     defmodule MyApp.User do
///       use Dynamo.Schema, key_separator: "#";
///       item do
///         table_name "users";
///         field :id, partition_key: true;
///         field :email;
///       end
///
///       def key_for(id: &str) -> String { format!("user#{id}") }
///     end
/// }
///
/// mod product {
///     use dynamo::prelude::*;
///     dynamo_item! {
///         table_name "products";
///         field :sku, partition_key: true;
///     }
/// }
///
/// assert_eq!(User::table_name(), "users");
/// assert_eq!(User::key_for("u1"), "user#u1");
/// assert_eq!(product::Item::table_name(), "products");
/// ```
#[macro_export]
macro_rules! dynamo_item {
    // `pub struct Name { … }`
    (
        $(#[$($meta:tt)*])*
        $vis:vis struct $Name:ident { $($body:tt)* }
    ) => {
        $crate::__dynamo_item! { @parse ($) [$(#[$($meta)*])* $vis struct $Name] $($body)* }
    };
    // `defmodule MyApp.Name do use Dynamo.Schema, …; item do … end end`
    (
        $(#[$($meta:tt)*])*
        defmodule $($seg:ident).+ do
            $( use Dynamo . Schema $( , $uopt:tt : $uval:tt )* $(,)? $(;)? )?
            item do $($body:tt)*
    ) => {
        $crate::__dynamo_item! {
            @defmodule [$(#[$($meta)*])*] [$( use Dynamo . Schema $( , $uopt : $uval )* ; )?]
            [$($seg)+] $($body)*
        }
    };
    // The `item do … end` body alone: `pub struct Item`.
    (
        $(#[$($meta:tt)*])*
        $( use Dynamo . Schema $( , $uopt:tt : $uval:tt )* $(,)? ; )?
        table_name $($body:tt)*
    ) => {
        $crate::__dynamo_item! {
            @parse ($) [$(#[$($meta)*])* pub struct Item]
            $( use Dynamo . Schema $( , $uopt : $uval )* ; )?
            table_name $($body)*
        }
    };
    ($($input:tt)*) => {
        $crate::__private::compile_error!(
            "dynamo_item!: a schema block starts with `pub struct Name { … }`, with \
             `defmodule MyApp.Name do use Dynamo.Schema; item do … end end`, or directly with \
             `table_name \"table\";` (which defines `pub struct Item`)"
        );
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __dynamo_item {
    // ===== The defmodule header: the struct is named by the last segment ===
    (@defmodule $attrs:tt $use:tt [$last:ident] $($body:tt)*) => {
        $crate::__dynamo_item! { @defmodule_emit $attrs $use $last $($body)* }
    };
    (@defmodule $attrs:tt $use:tt [$first:ident $($rest:ident)+] $($body:tt)*) => {
        $crate::__dynamo_item! { @defmodule $attrs $use [$($rest)+] $($body)* }
    };
    (@defmodule_emit [$($attrs:tt)*] [$($use:tt)*] $Name:ident $($body:tt)*) => {
        $crate::__dynamo_item! { @parse ($) [$($attrs)* pub struct $Name] $($use)* $($body)* }
    };

    // ===== A defmodule's functions, after `item do … end` ==================
    // One function at a time, so `def` and `defp` may come in any order (a
    // repetition of either could not tell its keyword from the closing
    // `end`); the final `end` emits them as one `impl`.
    (@fns $Name:ident [$($done:tt)*]
        $(#[$m:meta])* def $f:ident ( $($args:tt)* ) $( -> $ret:ty )? $body:block $($rest:tt)*
    ) => {
        $crate::__dynamo_item!(@fns $Name [$($done)* $(#[$m])* pub fn $f ( $($args)* ) $( -> $ret )? $body] $($rest)*);
    };
    (@fns $Name:ident [$($done:tt)*]
        $(#[$m:meta])* defp $f:ident ( $($args:tt)* ) $( -> $ret:ty )? $body:block $($rest:tt)*
    ) => {
        $crate::__dynamo_item!(@fns $Name [$($done)* $(#[$m])* fn $f ( $($args)* ) $( -> $ret )? $body] $($rest)*);
    };
    (@fns $Name:ident [] end) => {};
    (@fns $Name:ident [$($done:tt)+] end) => {
        impl $Name { $($done)+ }
    };
    // A function whose signature or body does not fit (Elixir's `, do: expr`).
    (@fns $Name:ident $done:tt $(#[$m:meta])* def $f:tt $($rest:tt)*) => {
        $crate::__dynamo_item!(@fn_shape def $f);
    };
    (@fns $Name:ident $done:tt $(#[$m:meta])* defp $f:tt $($rest:tt)*) => {
        $crate::__dynamo_item!(@fn_shape defp $f);
    };
    (@fn_shape $kw:ident $f:tt) => {
        $crate::__private::compile_error!($crate::__private::concat!(
            "dynamo_item!: write `", $crate::__private::stringify!($kw), " ",
            $crate::__private::stringify!($f), "` as `", $crate::__private::stringify!($kw), " ",
            $crate::__private::stringify!($f),
            "(arg: Type, …) -> Type { body }`: Rust arguments and return type, the body in braces \
             (Elixir's one-line `, do: expr` is written `{ expr }`)"
        ));
        $crate::__dynamo_blame!($f);
    };
    (@fns $Name:ident $done:tt end $tok:tt $($rest:tt)*) => {
        $crate::__private::compile_error!(
            "dynamo_item!: nothing may follow the `end` that closes the `defmodule` block"
        );
        $crate::__dynamo_blame!($tok);
    };
    (@fns $Name:ident $done:tt) => {
        $crate::__private::compile_error!(
            "dynamo_item!: the block ends too early: after `item do … end`, a `defmodule` block \
             closes with `end` (its functions, if any, come before it)"
        );
    };
    (@fns $Name:ident $done:tt $tok:tt $($rest:tt)*) => {
        $crate::__private::compile_error!(
            "dynamo_item!: after `item do … end`, a `defmodule` block holds only functions \
             (`def name(arg: Type) -> Type { body }` or `defp …`, in any order), then `end`"
        );
        $crate::__dynamo_blame!($tok);
    };

    // ===== Misc ==============================================================
    (@one $x:tt) => { 1usize };
    (@ty) => { $crate::Value };
    (@ty $t:ty) => { $t };
    (@type_name) => { "Value" };
    (@type_name $t:ty) => { $crate::__private::stringify!($t) };

    // ===== `impl Default`, unless `Default` is derived ======================
    // Walks the struct's attributes looking for `derive(… Default …)`.
    (@impl_default [] { $($impl:tt)* }) => { $($impl)* };
    (@impl_default [[derive ( $($d:tt)* )] $($attrs:tt)*] $impl:tt) => {
        $crate::__dynamo_item!(@derive_scan [$($d)*] [$($attrs)*] $impl);
    };
    (@impl_default [[$($other:tt)*] $($attrs:tt)*] $impl:tt) => {
        $crate::__dynamo_item!(@impl_default [$($attrs)*] $impl);
    };
    (@derive_scan [] $attrs:tt $impl:tt) => { $crate::__dynamo_item!(@impl_default $attrs $impl); };
    (@derive_scan [$t:tt $($d:tt)*] $attrs:tt $impl:tt) => {
        $crate::__dynamo_item!(@derive_is_default $t $t [$($d)*] $attrs $impl);
    };
    (@derive_is_default Default $tok:tt $d:tt $attrs:tt $impl:tt) => {
        $crate::__private::compile_error!(
            "dynamo_item!: do not derive `Default`: the macro generates `impl Default` from the \
             fields' `default:` values; remove `Default` from the derive list"
        );
        $crate::__dynamo_blame!($tok);
    };
    (@derive_is_default $other:tt $tok:tt $d:tt $attrs:tt $impl:tt) => {
        $crate::__dynamo_item!(@derive_scan $d $attrs $impl);
    };

    // ===== The grammar, matched once =======================================
    // `$mode` is `parse` (with the fallbacks below) or `strict` (none: a
    // block that does not fit gets rustc's "no rules expected …" at the
    // first token that does not fit). The `end end` of a `defmodule` block
    // closes it.
    (@$mode:ident ($d:tt)
        [$(#[$($meta:tt)*])* $vis:vis struct $Name:ident]
        $( use Dynamo . Schema $( , $uopt:tt : $uval:tt )* $(,)? ; )?
        table_name $table:literal ;
        $(
            $(#[$fmeta:meta])*
            field : $f:ident $( : $fty:ty )? $( , $fopt:tt $( : $fval:expr )? )* ;
        )+
        $( timestamps $tstok:tt )?
        $( partition_key [ $( : $pkl:tt ),* $(,)? ] ; )?
        $( sort_key [ $( : $skl:tt ),* $(,)? ] ; )?
        $(
            global_secondary_index $gname:tt
                $( , $gopt:tt : $( : $gatom:tt )? $( [ $( : $glist:tt ),* $(,)? ] )? )* ;
        )*
        $(
            local_secondary_index $lname:tt
                $( , $lopt:tt : $( : $latom:tt )? $( [ $( : $llist:tt ),* $(,)? ] )? )* ;
        )*
        $( belongs_to : $rel:tt , $Parent:path $( , $bopt:tt : : $batom:tt )* ; )*
        // `end` of `item do`, then the module's functions and the `end` of
        // `defmodule` (read one by one by `@fns`: `def` and `defp` in any
        // order).
        $( end $($fns:tt)* )?
    ) => {
        $(#[$($meta)*])*
        $vis struct $Name {
            $( $(#[$fmeta])* pub $f: $crate::__dynamo_item!(@ty $($fty)?), )+
            $(
                /// When the item was first written (RFC 3339 UTC, milliseconds), set by the crate; a put of a struct built afresh (this empty) replaces the item and sets it anew.
                pub inserted_at: $crate::__dynamo_item!(@ts_type $tstok),
                /// When the item was last written (RFC 3339 UTC, milliseconds), set by the crate.
                pub updated_at: $crate::__dynamo_item!(@ts_type $tstok),
            )?
        }

        // The module's functions: `def` is `pub fn`, `defp` is `fn`.
        $( $crate::__dynamo_item!(@fns $Name [] $($fns)*); )?

        // Field options: unknown, repeated, `partition_key: false`, `default`
        // without a value, `version`/`ttl` on the wrong type. (Each option
        // is passed with a second copy of its name, to blame.)
        $( $crate::__dynamo_field_opts!(@check $Name $f [$($fty)?] [pk = [] sk = [] def = [] ver = [] ttl = []] $( [$fopt $fopt $($fval)?] )*); )+
        // A list and per-field flags for the same key.
        $crate::__dynamo_keys!(@no_flags_with_list partition_key [$( $( $pkl )* )?] $( $f [$( [$fopt $fopt] )*] )+);
        $crate::__dynamo_keys!(@no_flags_with_list sort_key [$( $( $skl )* )?] $( $f [$( [$fopt $fopt] )*] )+);
        $( $crate::__dynamo_item!(@ts_check $tstok); )?

        // `impl Default` from the `default:` values, unless the user derived
        // `Default` (an error, reported once, instead of conflicting impls).
        $crate::__dynamo_item!(@impl_default [$( [$($meta)*] )*] {
            impl $crate::__private::Default for $Name {
                fn default() -> Self {
                    Self {
                        $( $f: $crate::__dynamo_field_opts!(@default [$( [$fopt $($fval)?] )*]), )+
                        $(
                            inserted_at: $crate::__dynamo_item!(@ts_pass $tstok ($crate::__private::String::new())),
                            updated_at: $crate::__private::String::new(),
                        )?
                    }
                }
            }
        });

        const _: () = {
            // Resolves a field name written in a key list, index or relation:
            // a declared field expands to what was asked, anything else to an
            // error that says where the name was used (`[…]`: the line, as
            // pieces of a `concat!`) and points at it.
            macro_rules! __dynamo_field {
                $(
                    (check [$d ($d ctx:tt)*] $f) => {};
                    (access $f, $d s:tt) => { $crate::Encode::key_part(&$d s.$f) };
                    (key_type $f) => {
                        const _: fn() = $crate::__private::assert_key_type::<$crate::__dynamo_item!(@ty $($fty)?)>;
                    };
                    (index_key_type $f) => {
                        const _: fn() = $crate::__private::assert_index_key_type::<$crate::__dynamo_item!(@ty $($fty)?)>;
                    };
                )+
                (check [$d ($d ctx:tt)*] $d other:tt) => {
                    $crate::__private::compile_error!($crate::__private::concat!(
                        "dynamo_item!: `:", $crate::__private::stringify!($d other), "` (in ", $d ($d ctx)*,
                        ") is not a declared field; declare it with `field :", $crate::__private::stringify!($d other),
                        ";` or fix the name"
                    ));
                    $crate::__dynamo_blame!($d other);
                };
                // Already reported by `check`.
                (access $d other:tt, $d s:tt) => { $crate::key::KeyPart::Unset };
                (key_type $d other:tt) => {};
                (index_key_type $d other:tt) => {};
            }

            // Every field as data; `__flags` holds the line's options as bits,
            // one non-recursive macro call per option.
            const __FIELDS: [$crate::FieldDef; 0 $( + $crate::__dynamo_item!(@one $f) )+] = [
                $(
                    $crate::__private::field_def(
                        $crate::__private::stringify!($f),
                        $crate::__dynamo_item!(@type_name $($fty)?),
                        <$crate::__dynamo_item!(@ty $($fty)?) as $crate::Encode>::KEY_TYPE,
                        0 $( | $crate::__dynamo_field_opts!(@bit $fopt) )*,
                    ),
                )+
            ];
            // A raw identifier (`r#type`) would name its attribute `r#type`:
            // what other writers call `type` would never be read.
            $(
                const _: () = $crate::__private::assert!(
                    !$crate::__private::is_raw_ident($crate::__private::stringify!($f)),
                    $crate::__private::concat!(
                        "dynamo_item!: field `", $crate::__private::stringify!($f),
                        "` is a raw identifier, and an attribute name cannot be one (it would be ",
                        "stored as `", $crate::__private::stringify!($f), "`); give the field ",
                        "another name, e.g. `kind` or `type_name`"
                    )
                );
            )+
            // At most one `version` field and one `ttl` field.
            $crate::__dynamo_field_opts!(@once $Name version __FIELDS);
            $crate::__dynamo_field_opts!(@once $Name ttl __FIELDS);

            // Key lists: every name declared, and of a type that can be part of a key.
            $( $( __dynamo_field!(check ["partition_key [...]"] $pkl); __dynamo_field!(key_type $pkl); )* )?
            $( $( __dynamo_field!(check ["sort_key [...]"] $skl); __dynamo_field!(key_type $skl); )* )?

            // The whole-item rules that need the field list.
            #[allow(unused_comparisons)]
            const __HAS_RELATION: bool = 0usize $( + $crate::__dynamo_item!(@one $rel) )* > 0;
            const _: () = $crate::__private::assert!(
                <$Name as $crate::Schema>::SCHEMA.partition_key.len() > 0 || __HAS_RELATION,
                $crate::__private::concat!(
                    "dynamo_item!: `", $crate::__private::stringify!($Name),
                    "` has no partition key; mark a field with `partition_key` ",
                    "(e.g. `field :id, partition_key;`) or add `partition_key [:field, ...];`"
                )
            );
            const _: () = $crate::__private::assert!(
                $crate::__private::type_attribute_free(
                    &__FIELDS,
                    <$Name as $crate::Schema>::SCHEMA.type_attribute(),
                ),
                $crate::__private::concat!(
                    "dynamo_item!: `", $crate::__private::stringify!($Name),
                    "` has a field named like its type attribute (`_type` unless the `use` line's ",
                    "`type_attribute:` names another), or that name is empty; rename the field or ",
                    "set `use Dynamo.Schema, type_attribute: \"kind\";`"
                )
            );
            const _: () = $crate::__private::assert!(
                $crate::__private::timestamp_attributes_free(
                    &__FIELDS,
                    <$Name as $crate::Schema>::SCHEMA,
                ),
                $crate::__private::concat!(
                    "dynamo_item!: `", $crate::__private::stringify!($Name),
                    "`'s `timestamps;` attributes (the `use` line's `inserted_at:` and ",
                    "`updated_at:`) must be two names of their own: not empty, not the same, not ",
                    "the type attribute, and no field's; rename the field or the attribute"
                )
            );
            const _: () = $crate::__private::assert!(
                $crate::__private::version_outside_keys(<$Name as $crate::Schema>::SCHEMA),
                $crate::__private::concat!(
                    "dynamo_item!: `", $crate::__private::stringify!($Name),
                    "` builds its primary key from its `version` field; a version counts up on ",
                    "every write, so each put after the first would address a new item; keep the ",
                    "version out of `partition_key`/`sort_key`"
                )
            );
            const _: () = $crate::__private::assert!(
                $crate::__private::ttl_outside_keys(<$Name as $crate::Schema>::SCHEMA),
                $crate::__private::concat!(
                    "dynamo_item!: `", $crate::__private::stringify!($Name),
                    "` builds its primary key from its `ttl` field; a key never changes, so the ",
                    "time to live could never be moved; keep the ttl field out of ",
                    "`partition_key`/`sort_key`"
                )
            );
            const _: () = $crate::__private::assert!(
                $crate::__private::child_partition_key_fits(<$Name as $crate::Schema>::SCHEMA),
                $crate::__private::concat!(
                    "dynamo_item!: `", $crate::__private::stringify!($Name),
                    "` has `belongs_to`, so its partition key is its parent's, built from the ",
                    "foreign key in the parent's format; its own `partition_key` would be ",
                    "ignored: remove it (or declare exactly the fields it is built from)"
                )
            );
            const _: () = $crate::__private::assert!(
                $crate::__private::key_fields_distinct(<$Name as $crate::Schema>::SCHEMA),
                $crate::__private::concat!(
                    "dynamo_item!: `", $crate::__private::stringify!($Name),
                    "` names a field twice in its primary key (twice in `partition_key [...]` or ",
                    "`sort_key [...]`, or in both); each key field is named once"
                )
            );
            const _: () = $crate::__private::assert!(
                $crate::__private::index_names_distinct(<$Name as $crate::Schema>::SCHEMA),
                $crate::__private::concat!(
                    "dynamo_item!: `", $crate::__private::stringify!($Name),
                    "` declares an index name twice (global and local indexes share one set of ",
                    "names per table); give each index its own name"
                )
            );
            $(
                $crate::__dynamo_index!(@lsi_needs_sort_key $Name $lname);
            )*
            $(
                $crate::__dynamo_relation!(@check_declared $Name $rel [$Parent] $( [$bopt $bopt $batom] )*);
            )*

            impl $crate::Schema for $Name {
                const SCHEMA: &'static $crate::SchemaDef = &$crate::SchemaDef {
                    name: $crate::__private::stringify!($Name),
                    table_name: $table,
                    fields: &__FIELDS,
                    partition_key: $crate::__dynamo_keys!(@names partition_key [$( $( $pkl )* )?] __FIELDS),
                    sort_key: $crate::__dynamo_keys!(@names sort_key [$( $( $skl )* )?] __FIELDS),
                    indexes: &[
                        $(
                            $crate::__dynamo_index!(@opts gsi $gname [pk = [] sk = [] proj = [] attrs = []]
                                $( [$gopt $gopt $( : $gatom )? $( [ $( : $glist ),* ] )?] )*),
                        )*
                    ],
                    local_indexes: &[
                        $(
                            $crate::__dynamo_index!(@opts lsi $lname [pk = [] sk = [] proj = [] attrs = []]
                                $( [$lopt $lopt $( : $latom )? $( [ $( : $llist ),* ] )?] )*),
                        )*
                    ],
                    belongs_to: &[
                        $(
                            $crate::__dynamo_relation!(@def $rel [$Parent] [fk = [] sks = []] $( [$bopt $bopt $batom] )*),
                        )*
                    ],
                    options: $crate::__dynamo_use!(@options [ks = [] psk = [] pkn = [] skn = [] ins = [] upd = [] asp = [] tya = [] tyn = []] $( $( [$uopt $uopt $uval] )* )?),
                    version: $crate::__private::first_flagged(&__FIELDS, $crate::__private::FLAG_VERSION),
                    ttl: $crate::__private::first_flagged(&__FIELDS, $crate::__private::FLAG_TTL),
                    timestamps: false $( || $crate::__dynamo_item!(@ts_pass $tstok (true)) )?,
                };

                fn __partition_parts<R>(
                    &self,
                    f: impl $crate::__private::FnOnce(&[$crate::key::KeyField<'_>]) -> R,
                ) -> R {
                    $crate::__dynamo_keys!(@parts partition_key self f [$( $( $pkl )* )?] __FIELDS $( $f [$( [$fopt] )*] )+)
                }

                fn __sort_parts<R>(
                    &self,
                    f: impl $crate::__private::FnOnce(&[$crate::key::KeyField<'_>]) -> R,
                ) -> R {
                    $crate::__dynamo_keys!(@parts sort_key self f [$( $( $skl )* )?] __FIELDS $( $f [$( [$fopt] )*] )+)
                }

                fn field_value(&self, field: &str) -> $crate::__private::Option<$crate::Value> {
                    match field {
                        $( $crate::__private::stringify!($f) => $crate::__private::Some($crate::Encode::encode(&self.$f)), )+
                        $(
                            "inserted_at" if $crate::__dynamo_item!(@ts_pass $tstok (true)) => $crate::__private::Some($crate::Encode::encode(&self.inserted_at)),
                            "updated_at" => $crate::__private::Some($crate::Encode::encode(&self.updated_at)),
                        )?
                        _ => $crate::__private::None,
                    }
                }

                fn __set_version(&mut self, version: i128) -> bool {
                    // The `version` field, picked by its line's option bits
                    // (constants: the other fields' branches compile away).
                    // A second `version` field is reported once, by `@once`.
                    $(
                        if const { (0 $( | $crate::__dynamo_field_opts!(@bit $fopt) )*) & $crate::__private::FLAG_VERSION != 0 } {
                            return $crate::__private::set_version(&mut self.$f, version);
                        }
                    )+
                    false
                }

                fn __version_fits(version: i128) -> bool {
                    $(
                        if const { (0 $( | $crate::__dynamo_field_opts!(@bit $fopt) )*) & $crate::__private::FLAG_VERSION != 0 } {
                            return $crate::__private::version_fits::<$crate::__dynamo_item!(@ty $($fty)?)>(version);
                        }
                    )+
                    false
                }

                fn __field_accepts(
                    field: &str,
                    value: &$crate::Value,
                ) -> $crate::__private::Option<$crate::__private::Result<(), $crate::DecodeError>> {
                    match field {
                        $(
                            $crate::__private::stringify!($f) => $crate::__private::Some(
                                <$crate::__dynamo_item!(@ty $($fty)?) as $crate::Decode>::decode(
                                    $crate::__private::Clone::clone(value),
                                )
                                .map(|_| ()),
                            ),
                        )+
                        _ => $crate::__private::None,
                    }
                }

                $(
                    fn __stamp(&mut self, now: &str) {
                        $crate::__dynamo_item!(@ts_pass $tstok (()));
                        if self.inserted_at.is_empty() {
                            self.inserted_at = $crate::__private::Into::into(now);
                        }
                        self.updated_at = $crate::__private::Into::into(now);
                    }

                    fn __set_inserted_at(&mut self, at: &str) {
                        $crate::__dynamo_item!(@ts_pass $tstok (()));
                        self.inserted_at = $crate::__private::Into::into(at);
                    }
                )?

                fn encode_item<S: $crate::AttributeSink>(&self, sink: &mut S) {
                    $( $crate::AttributeSink::field(sink, $crate::__private::stringify!($f), &self.$f); )+
                    $(
                        $crate::__dynamo_item!(@ts_pass $tstok (()));
                        $crate::AttributeSink::field(sink, Self::SCHEMA.inserted_at_attribute(), &self.inserted_at);
                        $crate::AttributeSink::field(sink, Self::SCHEMA.updated_at_attribute(), &self.updated_at);
                    )?
                }

                // The locals are named after the fields, whatever their case.
                #[allow(non_snake_case)]
                fn decode_item<S: $crate::AttributeSource>(source: &mut S) -> $crate::Result<Self> {
                    // Each field goes into a local first, and nothing returns
                    // early: a `?` (or a call that may unwind) in the middle
                    // of a struct literal makes rustc emit drop code for every
                    // field built so far at every field, quadratic in the
                    // number of fields (a 600-field schema spent 30 s in
                    // LLVM). A failed field takes its default; the first
                    // error in declared order is returned at the end.
                    // The `default:` of each field that has one, declared
                    // before the locals named like the fields.
                    #[allow(non_snake_case)]
                    trait __DynamoItemDefaults {
                        $( $crate::__dynamo_field_opts!(
                            @default_decl $f $crate::__dynamo_item!(@ty $($fty)?); [$( [$fopt $($fval)?] )*]
                        ); )+
                    }
                    #[allow(non_snake_case)]
                    impl __DynamoItemDefaults for $Name {
                        $( $crate::__dynamo_field_opts!(
                            @default_fn $f $crate::__dynamo_item!(@ty $($fty)?); [$( [$fopt $($fval)?] )*]
                        ); )+
                    }
                    let mut first_error: $crate::__private::Option<$crate::Error> = $crate::__private::None;
                    $(
                        let $f = match $crate::__private::decode_field(source, $crate::__private::stringify!($f), &mut first_error) {
                            $crate::__private::Some(v) => v,
                            $crate::__private::None => $crate::__dynamo_field_opts!(
                                @read_default __DynamoItemDefaults $f; [$( [$fopt $($fval)?] )*]
                            ),
                        };
                    )+
                    $(
                        $crate::__dynamo_item!(@ts_pass $tstok (()));
                        let __inserted_at: $crate::__private::String = $crate::__private::decode_field(source, Self::SCHEMA.inserted_at_attribute(), &mut first_error).unwrap_or_default();
                        let __updated_at: $crate::__private::String = $crate::__private::decode_field(source, Self::SCHEMA.updated_at_attribute(), &mut first_error).unwrap_or_default();
                    )?
                    match first_error {
                        $crate::__private::None => $crate::__private::Ok(Self {
                            $( $f, )+
                            $(
                                inserted_at: $crate::__dynamo_item!(@ts_pass $tstok (__inserted_at)),
                                updated_at: __updated_at,
                            )?
                        }),
                        $crate::__private::Some(e) => $crate::__private::Err(e),
                    }
                }
            }

            impl $crate::AsKey for $Name {
                type Item = Self;
                #[inline]
                fn as_key(&self) -> &Self {
                    self
                }
            }

            impl $crate::Encode for $Name {
                fn encode(&self) -> $crate::Value {
                    let mut map = $crate::__private::BTreeMap::new();
                    <Self as $crate::Schema>::encode_item(self, &mut map);
                    $crate::Value::Map(map)
                }
                // As a field of another schema: a value of its own that
                // cannot be encoded (a `Json` serde cannot write) is an
                // error there too, not a left-out attribute.
                fn encode_checked(&self) -> $crate::__private::Result<$crate::Value, $crate::__private::String> {
                    $( $crate::__private::check_field(&self.$f, $crate::__private::stringify!($f))?; )+
                    $crate::__private::Ok($crate::Encode::encode(self))
                }
                const CHECKED: bool = true;
            }

            impl $crate::Decode for $Name {
                fn decode(value: $crate::Value) -> $crate::__private::Result<Self, $crate::DecodeError> {
                    match value {
                        $crate::Value::Map(mut map) => <Self as $crate::Schema>::decode_item(&mut map)
                            .map_err(|e| $crate::DecodeError::new(e.message())),
                        other => $crate::__private::Err($crate::DecodeError::expected("a map (M)", &other)),
                    }
                }
            }
        };
    };

    // The `timestamps;` line: its `;` is the captured token.
    (@ts_type $tok:tt) => { $crate::__private::String };
    (@ts_pass $tok:tt ($($e:tt)*)) => { $($e)* };
    (@ts_check ;) => {};
    (@ts_check $tok:tt) => {
        $crate::__private::compile_error!(
            "dynamo_item!: `timestamps` takes no options; write `timestamps;` on a line of its own, after the fields"
        );
        $crate::__dynamo_blame!($tok);
    };

    // ===== When the block does not fit =====================================
    // A schema without `table_name`: say so instead of "no rules expected".
    (@parse ($d:tt)
        [$(#[$($meta:tt)*])* $vis:vis struct $Name:ident]
        $( use Dynamo . Schema $( , $uopt:tt : $uval:tt )* $(,)? ; )?
        $(#[$fmeta:meta])*
        field $($rest:tt)*
    ) => {
        $crate::__private::compile_error!($crate::__private::concat!(
            "dynamo_item!: `", $crate::__private::stringify!($Name),
            "` has no table name; add `table_name \"my_table\";` as the first line ",
            "(after the optional `use Dynamo.Schema, ...;` line)"
        ));
    };
    // Anything else: say what the block looks like, then match it again in
    // strict mode so that rustc points at the first token that does not fit.
    (@parse ($d:tt) $($input:tt)*) => {
        $crate::__private::compile_error!(
            "dynamo_item!: this block does not follow the grammar (the next error points at the first \
             token that does not fit); it is `[use Dynamo.Schema, option: value, ...;]` \
             `table_name \"table\";` then one or more `field :name [: Type] [, option]*;` lines, then \
             the optional `timestamps;`, `partition_key [:field, ...];`, `sort_key [:field, ...];`, \
             `global_secondary_index \"Name\", partition_key: :field, ...;`, \
             `local_secondary_index \"Name\", sort_key: :field, ...;` and \
             `belongs_to :relation, Parent, ...;` lines, in this order, each ending with `;` \
             (a `defmodule` block closes with `end` for `item do`, then its functions, if any \
             (`def name(args) -> Type { body }` or `defp …`), then `end`)"
        );
        $crate::__dynamo_item!(@strict ($d) $($input)*);
    };
}

/// Puts a second error under the user's token: it accepts no input, so rustc
/// reports "no rules expected `<token>`" right at the token.
#[doc(hidden)]
#[macro_export]
macro_rules! __dynamo_blame {
    () => {};
}
