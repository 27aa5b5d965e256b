//! `dynamo_item!`: the schema block.
//!
//! How it works (see `docs/internals.md` for the longer story):
//!
//! * The public macro has one arm and forwards to `__dynamo_item!`, passing a
//!   `$` token along so the expansion can define a local helper macro.
//! * `@parse` matches the whole block with plain repetitions — one pass, no
//!   per-line recursion — so a 300-field schema compiles.
//! * Per-field and per-index work happens in small munchers that only walk
//!   one line's options (`@check_field`, `@push`, `@gsi`, …), with their state
//!   kept in labelled slots like `[pk = [] sk = [] def = []]`.
//! * The expansion emits data (`SchemaDef`) and calls into `key.rs` /
//!   `codec`; the key rules themselves are ordinary, unit-tested functions.
//! * Mistakes become `compile_error!`s whose text starts with
//!   `dynamo_item!:` and says what to write instead; where possible a second
//!   error points at the offending token (`__dynamo_blame!`).

/// Declares a DynamoDB schema: a struct with public fields, its `Default`,
/// its keys, and every operation of [`Schema`](crate::Schema).
///
/// # Grammar
///
/// ```text
/// dynamo_item! {
///     $(#[attr])*                                   // derives, doc comments …
///     $vis struct $Name {
///         [use Dynamo.Schema, $option: $value, …;]  // key_separator, prefix_sort_key,
///                                                   // partition_key_name, sort_key_name
///         table_name "$table";
///         $(#[attr])* field :$name [: $Type] [, partition_key [: true]] [, sort_key [: true]] [, default: $expr];   // one or more
///         [partition_key [:$field, …];]
///         [sort_key [:$field, …];]
///         [global_secondary_index "$Index", partition_key: :$field [, sort_key: :$field]
///              [, projection: :all | :keys_only | :include] [, projected_attributes: [:$field, …]];]*
///         [belongs_to :$relation, $Parent [, foreign_key: :$field] [, sk_strategy: :prefix | :use_defined];]*
///     }
/// }
/// ```
///
/// Lines end with `;` and come in the order shown. A field without a type is
/// a [`Value`](crate::Value) (Elixir fields are untyped); a typed field may
/// have any type implementing [`Encode`](crate::Encode) and
/// [`Decode`](crate::Decode). `default:` values go through `Into`.
/// `belongs_to` takes `foreign_key: :field` and `sk_strategy: :prefix` (the
/// default) or `sk_strategy: :use_defined`.
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
#[macro_export]
macro_rules! dynamo_item {
    ($($input:tt)+) => {
        $crate::__dynamo_item! { @parse ($) $($input)+ }
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __dynamo_item {
    // ===== Entry: the whole block in one match =============================
    (@parse ($d:tt)
        $(#[$($meta:tt)*])*
        $vis:vis struct $Name:ident {
            $( use Dynamo . Schema $( , $uopt:tt : $uval:tt )* $(,)? ; )?
            table_name $table:literal ;
            $(
                $(#[$fmeta:meta])*
                field : $f:ident $( : $fty:ty )? $( , $fopt:tt $( : $fval:expr )? )* ;
            )+
            $( partition_key [ $( : $pkl:tt ),* $(,)? ] ; )?
            $( sort_key [ $( : $skl:tt ),* $(,)? ] ; )?
            $(
                global_secondary_index $gname:tt
                    $( , $gopt:tt : $( : $gatom:tt )? $( [ $( : $glist:tt ),* $(,)? ] )? )* ;
            )*
            $( belongs_to : $rel:tt , $Parent:path $( , $bopt:tt : : $batom:tt )* ; )*
        }
    ) => {
        $(#[$($meta)*])*
        $vis struct $Name {
            $( $(#[$fmeta])* pub $f: $crate::__dynamo_item!(@ty $($fty)?), )+
        }

        // Field options: unknown, repeated, `partition_key: false`, `default` without a value.
        // (Each option is passed with a second copy of its name, to blame.)
        $( $crate::__dynamo_item!(@check_field $f [$($fty)?] [pk = [] sk = [] def = []] $( [$fopt $fopt $($fval)?] )*); )+
        // A list and per-field flags for the same key.
        $crate::__dynamo_item!(@no_flags_with_list partition_key [$( $( $pkl )* )?] $( $f [$( [$fopt $fopt] )*] )+);
        $crate::__dynamo_item!(@no_flags_with_list sort_key [$( $( $skl )* )?] $( $f [$( [$fopt $fopt] )*] )+);

        // `impl Default` from the `default:` values, unless the user derived
        // `Default` (an error, reported once, instead of conflicting impls).
        $crate::__dynamo_item!(@impl_default [$( [$($meta)*] )*] {
            impl $crate::__private::Default for $Name {
                fn default() -> Self {
                    Self {
                        $( $f: $crate::__dynamo_item!(@default [$( [$fopt $($fval)?] )*]), )+
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
            $(
                const _: () = $crate::__private::assert!(
                    $crate::__private::relation_fields_declared(
                        <$Name as $crate::Schema>::SCHEMA.fields,
                        <$Parent as $crate::Schema>::SCHEMA.partition_key,
                        $crate::__dynamo_item!(@rel_fk $( [$bopt $bopt $batom] )*),
                    ),
                    $crate::__private::concat!(
                        "dynamo_item!: belongs_to :", $crate::__private::stringify!($rel), ", ",
                        $crate::__private::stringify!($Parent), ": `", $crate::__private::stringify!($Name),
                        "` has no field for the partition key of `", $crate::__private::stringify!($Parent),
                        "`; declare a field named like its first partition-key field, or name the field ",
                        "that holds it with `foreign_key: :field` (a composite parent key also needs ",
                        "fields named like its other partition-key fields)"
                    )
                );
            )*

            impl $crate::Schema for $Name {
                const SCHEMA: &'static $crate::SchemaDef = &$crate::SchemaDef {
                    name: $crate::__private::stringify!($Name),
                    table_name: $table,
                    fields: &[
                        $(
                            $crate::FieldDef {
                                name: $crate::__private::stringify!($f),
                                rust_type: $crate::__dynamo_item!(@type_name $($fty)?),
                                attribute_type: <$crate::__dynamo_item!(@ty $($fty)?) as $crate::Encode>::KEY_TYPE,
                                has_default: $crate::__dynamo_item!(@has_default $( [$fopt] )*),
                            },
                        )+
                    ],
                    partition_key: $crate::__dynamo_item!(@key_names partition_key [$( $( $pkl )* )?] $( $f [$( [$fopt] )*] )+),
                    sort_key: $crate::__dynamo_item!(@key_names sort_key [$( $( $skl )* )?] $( $f [$( [$fopt] )*] )+),
                    indexes: &[
                        $(
                            $crate::__dynamo_item!(@gsi $gname [pk = [] sk = [] proj = [] attrs = []]
                                $( [$gopt $gopt $( : $gatom )? $( [ $( : $glist ),* ] )?] )*),
                        )*
                    ],
                    belongs_to: &[
                        $(
                            $crate::__dynamo_item!(@rel $rel [$Parent] [fk = [] sks = []] $( [$bopt $bopt $batom] )*),
                        )*
                    ],
                    options: $crate::__dynamo_item!(@use [ks = [] psk = [] pkn = [] skn = []] $( $( [$uopt $uopt $uval] )* )?),
                };

                fn __partition_parts<R>(
                    &self,
                    f: impl $crate::__private::FnOnce(&[$crate::key::KeyField<'_>]) -> R,
                ) -> R {
                    $crate::__dynamo_item!(@parts partition_key self f [$( $( $pkl )* )?] $( $f [$( [$fopt] )*] )+)
                }

                fn __sort_parts<R>(
                    &self,
                    f: impl $crate::__private::FnOnce(&[$crate::key::KeyField<'_>]) -> R,
                ) -> R {
                    $crate::__dynamo_item!(@parts sort_key self f [$( $( $skl )* )?] $( $f [$( [$fopt] )*] )+)
                }

                fn __key_part(&self, field: &str) -> $crate::__private::Option<$crate::key::KeyPart<'_>> {
                    match field {
                        $( $crate::__private::stringify!($f) => $crate::__private::Some($crate::Encode::key_part(&self.$f)), )+
                        _ => $crate::__private::None,
                    }
                }

                fn field_value(&self, field: &str) -> $crate::__private::Option<$crate::Value> {
                    match field {
                        $( $crate::__private::stringify!($f) => $crate::__private::Some($crate::Encode::encode(&self.$f)), )+
                        _ => $crate::__private::None,
                    }
                }

                fn encode_item<S: $crate::AttributeSink>(&self, sink: &mut S) {
                    $( $crate::AttributeSink::field(sink, $crate::__private::stringify!($f), &self.$f); )+
                }

                fn decode_item<S: $crate::AttributeSource>(source: &mut S) -> $crate::Result<Self> {
                    // Each field goes into a local first, and nothing returns
                    // early: a `?` (or a call that may unwind) in the middle
                    // of a struct literal makes rustc emit drop code for every
                    // field built so far at every field, quadratic in the
                    // number of fields (a 600-field schema spent 30 s in
                    // LLVM). A failed field takes its default; the first
                    // error in declared order is returned at the end.
                    let mut first_error: $crate::__private::Option<$crate::Error> = $crate::__private::None;
                    $(
                        let $f = match source.take($crate::__private::stringify!($f)) {
                            $crate::__private::Some(v) if !v.is_null() => match $crate::Decode::decode(v) {
                                $crate::__private::Ok(v) => v,
                                $crate::__private::Err(e) => {
                                    if first_error.is_none() {
                                        first_error = $crate::__private::Some(
                                            $crate::Error::decode($crate::__private::stringify!($f), e),
                                        );
                                    }
                                    $crate::__dynamo_item!(@default [$( [$fopt $($fval)?] )*])
                                }
                            },
                            _ => $crate::__dynamo_item!(@default [$( [$fopt $($fval)?] )*]),
                        };
                    )+
                    match first_error {
                        $crate::__private::None => $crate::__private::Ok(Self { $( $f, )+ }),
                        $crate::__private::Some(e) => $crate::__private::Err(e),
                    }
                }
            }

            impl $crate::Encode for $Name {
                fn encode(&self) -> $crate::Value {
                    let mut map = $crate::__private::BTreeMap::new();
                    <Self as $crate::Schema>::encode_item(self, &mut map);
                    $crate::Value::Map(map)
                }
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

    // A schema without `table_name`: say so instead of "no rules expected".
    (@parse ($d:tt)
        $(#[$($meta:tt)*])*
        $vis:vis struct $Name:ident {
            $( use Dynamo . Schema $( , $uopt:tt : $uval:tt )* $(,)? ; )?
            $(#[$fmeta:meta])*
            field $($rest:tt)*
        }
    ) => {
        $crate::__private::compile_error!($crate::__private::concat!(
            "dynamo_item!: `", $crate::__private::stringify!($Name),
            "` has no table name; add `table_name \"my_table\";` as the first line ",
            "(after the optional `use Dynamo.Schema, ...;` line)"
        ));
    };

    // Anything else does not fit the grammar: say what the block looks
    // like, then match it again against the grammar alone (`@grammar`) so
    // that rustc points at the first token that does not fit.
    (@parse ($d:tt) $($input:tt)*) => {
        $crate::__private::compile_error!(
            "dynamo_item!: this block does not follow the grammar (the next error points at the first \
             token that does not fit); it is `[use Dynamo.Schema, option: value, ...;]` \
             `table_name \"table\";` then one or more `field :name [: Type] [, option]*;` lines, then \
             the optional `partition_key [:field, ...];`, `sort_key [:field, ...];`, \
             `global_secondary_index \"Name\", partition_key: :field, ...;` and \
             `belongs_to :relation, Parent, ...;` lines, in this order, each ending with `;`"
        );
        $crate::__dynamo_item!(@grammar $($input)*);
    };
    (@grammar
        $(#[$($meta:tt)*])*
        $vis:vis struct $Name:ident {
            $( use Dynamo . Schema $( , $uopt:tt : $uval:tt )* $(,)? ; )?
            table_name $table:literal ;
            $(
                $(#[$fmeta:meta])*
                field : $f:ident $( : $fty:ty )? $( , $fopt:tt $( : $fval:expr )? )* ;
            )+
            $( partition_key [ $( : $pkl:tt ),* $(,)? ] ; )?
            $( sort_key [ $( : $skl:tt ),* $(,)? ] ; )?
            $(
                global_secondary_index $gname:tt
                    $( , $gopt:tt : $( : $gatom:tt )? $( [ $( : $glist:tt ),* $(,)? ] )? )* ;
            )*
            $( belongs_to : $rel:tt , $Parent:path $( , $bopt:tt : : $batom:tt )* ; )*
        }
    ) => {};

    (@one $x:tt) => { 1usize };

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

    // ===== Field types =======================================================
    (@ty) => { $crate::Value };
    (@ty $t:ty) => { $t };
    (@type_name) => { "Value" };
    (@type_name $t:ty) => { $crate::__private::stringify!($t) };

    // ===== Field options: validation (slots pk, sk, def) ====================
    // Each option comes as `[name name-again value?]`; the second copy of the
    // name is only there to put an error under it (`__dynamo_blame!`).
    // All options seen.
    (@check_field $f:ident [$($ty:ty)?] [pk = $pk:tt sk = $sk:tt def = $def:tt]) => {};
    // `partition_key` / `partition_key: <bool>`, first time.
    (@check_field $f:ident [$($ty:ty)?] [pk = [] sk = $sk:tt def = $def:tt] [partition_key $tok:tt] $($rest:tt)*) => {
        const _: fn() = $crate::__private::assert_key_type::<$crate::__dynamo_item!(@ty $($ty)?)>;
        $crate::__dynamo_item!(@check_field $f [$($ty)?] [pk = [x] sk = $sk def = $def] $($rest)*);
    };
    (@check_field $f:ident [$($ty:ty)?] [pk = [] sk = $sk:tt def = $def:tt] [partition_key $tok:tt $v:tt] $($rest:tt)*) => {
        const _: () = $crate::__private::assert!($v, $crate::__private::concat!(
            "dynamo_item!: `partition_key: false` on field `", $crate::__private::stringify!($f),
            "` is not allowed; a field is not a key unless marked, so remove the option"
        ));
        const _: fn() = $crate::__private::assert_key_type::<$crate::__dynamo_item!(@ty $($ty)?)>;
        $crate::__dynamo_item!(@check_field $f [$($ty)?] [pk = [x] sk = $sk def = $def] $($rest)*);
    };
    // `sort_key` / `sort_key: <bool>`, first time.
    (@check_field $f:ident [$($ty:ty)?] [pk = $pk:tt sk = [] def = $def:tt] [sort_key $tok:tt] $($rest:tt)*) => {
        const _: fn() = $crate::__private::assert_key_type::<$crate::__dynamo_item!(@ty $($ty)?)>;
        $crate::__dynamo_item!(@check_field $f [$($ty)?] [pk = $pk sk = [x] def = $def] $($rest)*);
    };
    (@check_field $f:ident [$($ty:ty)?] [pk = $pk:tt sk = [] def = $def:tt] [sort_key $tok:tt $v:tt] $($rest:tt)*) => {
        const _: () = $crate::__private::assert!($v, $crate::__private::concat!(
            "dynamo_item!: `sort_key: false` on field `", $crate::__private::stringify!($f),
            "` is not allowed; a field is not a key unless marked, so remove the option"
        ));
        const _: fn() = $crate::__private::assert_key_type::<$crate::__dynamo_item!(@ty $($ty)?)>;
        $crate::__dynamo_item!(@check_field $f [$($ty)?] [pk = $pk sk = [x] def = $def] $($rest)*);
    };
    // `default: <expr>`, first time.
    (@check_field $f:ident [$($ty:ty)?] [pk = $pk:tt sk = $sk:tt def = []] [default $tok:tt $v:tt] $($rest:tt)*) => {
        $crate::__dynamo_item!(@check_field $f [$($ty)?] [pk = $pk sk = $sk def = [x]] $($rest)*);
    };
    // `default` without a value.
    (@check_field $f:ident [$($ty:ty)?] [pk = $pk:tt sk = $sk:tt def = []] [default $tok:tt] $($rest:tt)*) => {
        $crate::__private::compile_error!($crate::__private::concat!(
            "dynamo_item!: `default` on field `", $crate::__private::stringify!($f),
            "` needs a value, e.g. `default: \"user\"` or `default: 0`"
        ));
        $crate::__dynamo_blame!($tok);
    };
    // A known option a second time, or an unknown option.
    (@check_field $f:ident [$($ty:ty)?] $slots:tt [$opt:tt $tok:tt $($v:tt)?] $($rest:tt)*) => {
        $crate::__dynamo_item!(@bad_field_option $f $opt $tok);
    };
    (@bad_field_option $f:ident partition_key $tok:tt) => { $crate::__dynamo_item!(@twice $f $tok); };
    (@bad_field_option $f:ident sort_key $tok:tt) => { $crate::__dynamo_item!(@twice $f $tok); };
    (@bad_field_option $f:ident default $tok:tt) => { $crate::__dynamo_item!(@twice $f $tok); };
    (@bad_field_option $f:ident $other:tt $tok:tt) => {
        $crate::__private::compile_error!($crate::__private::concat!(
            "dynamo_item!: unknown option `", $crate::__private::stringify!($other),
            "` on field `", $crate::__private::stringify!($f),
            "`; field options are `partition_key`, `sort_key` and `default: <value>`"
        ));
        $crate::__dynamo_blame!($tok);
    };
    (@twice $f:ident $tok:tt) => {
        $crate::__private::compile_error!($crate::__private::concat!(
            "dynamo_item!: option `", $crate::__private::stringify!($tok),
            "` is given twice on field `", $crate::__private::stringify!($f), "`; keep one"
        ));
        $crate::__dynamo_blame!($tok);
    };

    // ===== Keys declared twice ==============================================
    // Options come as `[name name-again]`.
    // No list: nothing to compare.
    (@no_flags_with_list $flag:ident [] $($f:ident [$($opts:tt)*])+) => {};
    // A list: no field may carry the same flag.
    (@no_flags_with_list $flag:ident [$($list:tt)+] $($f:ident [$($opts:tt)*])+) => {
        $( $crate::__dynamo_item!(@forbid_flag $flag $f $($opts)*); )+
    };
    (@forbid_flag partition_key $f:ident [partition_key $tok:tt] $($rest:tt)*) => {
        $crate::__private::compile_error!($crate::__private::concat!(
            "dynamo_item!: the partition key is declared twice: field `", $crate::__private::stringify!($f),
            "` is marked `partition_key` and there is a `partition_key [...]` list; ",
            "keep the list (and remove the flag) or the flags (and remove the list)"
        ));
        $crate::__dynamo_blame!($tok);
    };
    (@forbid_flag sort_key $f:ident [sort_key $tok:tt] $($rest:tt)*) => {
        $crate::__private::compile_error!($crate::__private::concat!(
            "dynamo_item!: the sort key is declared twice: field `", $crate::__private::stringify!($f),
            "` is marked `sort_key` and there is a `sort_key [...]` list; ",
            "keep the list (and remove the flag) or the flags (and remove the list)"
        ));
        $crate::__dynamo_blame!($tok);
    };
    (@forbid_flag $flag:ident $f:ident [$o:tt $tok:tt] $($rest:tt)*) => {
        $crate::__dynamo_item!(@forbid_flag $flag $f $($rest)*);
    };
    (@forbid_flag $flag:ident $f:ident) => {};

    // ===== Defaults ==========================================================
    (@default []) => { $crate::__private::Default::default() };
    (@default [[default $v:tt] $($rest:tt)*]) => { $crate::__private::Into::into($v) };
    (@default [[$o:tt $($v:tt)?] $($rest:tt)*]) => { $crate::__dynamo_item!(@default [$($rest)*]) };
    (@has_default) => { false };
    (@has_default [default] $($rest:tt)*) => { true };
    (@has_default [$o:tt] $($rest:tt)*) => { $crate::__dynamo_item!(@has_default $($rest)*) };

    // ===== Key field names as data ===========================================
    // A list wins (a flag next to it is an error reported above).
    (@key_names $flag:ident [$($list:tt)+] $($f:ident [$($opts:tt)*])+) => {
        &[$( $crate::__private::stringify!($list) ),+]
    };
    // Otherwise the flagged fields, in declared order, selected at compile time.
    (@key_names $flag:ident [] $($f:ident [$($opts:tt)*])+) => {{
        const N: usize = [$( $crate::__private::stringify!($f) ),+].len();
        const SEL: &([&str; N], usize) = &$crate::__private::select_names(
            [$( $crate::__private::stringify!($f) ),+],
            [$( $crate::__dynamo_item!(@flag $flag $($opts)*) ),+],
        );
        SEL.0.split_at(SEL.1).0
    }};
    (@flag partition_key [partition_key] $($rest:tt)*) => { true };
    (@flag sort_key [sort_key] $($rest:tt)*) => { true };
    (@flag $flag:ident [$o:tt] $($rest:tt)*) => { $crate::__dynamo_item!(@flag $flag $($rest)*) };
    (@flag $flag:ident) => { false };

    // ===== Key field values ==================================================
    (@parts $flag:ident $s:tt $cb:ident [$($list:tt)+] $($f:ident [$($opts:tt)*])+) => {
        $cb(&[$(
            $crate::key::KeyField::new($crate::__private::stringify!($list), __dynamo_field!(access $list, $s))
        ),+])
    };
    (@parts $flag:ident $s:tt $cb:ident [] $($f:ident [$($opts:tt)*])+) => {{
        const N: usize = 0 $( + $crate::__dynamo_item!(@flag_count $flag $($opts)*) )+;
        #[allow(unused_mut)]
        let mut parts = [$crate::key::KeyField::new("", $crate::key::KeyPart::Unset); N];
        #[allow(unused_mut)]
        let mut i = 0usize;
        $( $crate::__dynamo_item!(@push $flag parts i $s $f $($opts)*); )+
        let _ = i;
        $cb(&parts)
    }};
    (@flag_count $flag:ident $($opts:tt)*) => {
        if $crate::__dynamo_item!(@flag $flag $($opts)*) { 1 } else { 0 }
    };
    (@push partition_key $parts:ident $i:ident $s:tt $f:ident [partition_key] $($rest:tt)*) => {
        $parts[$i] = $crate::key::KeyField::new($crate::__private::stringify!($f), $crate::Encode::key_part(&$s.$f));
        $i += 1;
    };
    (@push sort_key $parts:ident $i:ident $s:tt $f:ident [sort_key] $($rest:tt)*) => {
        $parts[$i] = $crate::key::KeyField::new($crate::__private::stringify!($f), $crate::Encode::key_part(&$s.$f));
        $i += 1;
    };
    (@push $flag:ident $parts:ident $i:ident $s:tt $f:ident [$o:tt] $($rest:tt)*) => {
        $crate::__dynamo_item!(@push $flag $parts $i $s $f $($rest)*);
    };
    (@push $flag:ident $parts:ident $i:ident $s:tt $f:ident) => {};

    // ===== `use Dynamo.Schema, …` options (slots ks psk pkn skn) ============
    // Options come as `[name name-again value]`.
    (@use [ks = [$($ks:tt)?] psk = [$($psk:tt)?] pkn = [$($pkn:tt)?] skn = [$($skn:tt)?]]) => {
        $crate::SchemaOptions {
            key_separator: $crate::__dynamo_item!(@some $($ks)?),
            prefix_sort_key: $crate::__dynamo_item!(@some $($psk)?),
            partition_key_name: $crate::__dynamo_item!(@some $($pkn)?),
            sort_key_name: $crate::__dynamo_item!(@some $($skn)?),
        }
    };
    (@use [ks = [] psk = $psk:tt pkn = $pkn:tt skn = $skn:tt] [key_separator $tok:tt $v:tt] $($rest:tt)*) => {
        $crate::__dynamo_item!(@use [ks = [$v] psk = $psk pkn = $pkn skn = $skn] $($rest)*)
    };
    (@use [ks = $ks:tt psk = [] pkn = $pkn:tt skn = $skn:tt] [prefix_sort_key $tok:tt $v:tt] $($rest:tt)*) => {
        $crate::__dynamo_item!(@use [ks = $ks psk = [$v] pkn = $pkn skn = $skn] $($rest)*)
    };
    (@use [ks = $ks:tt psk = $psk:tt pkn = [] skn = $skn:tt] [partition_key_name $tok:tt $v:tt] $($rest:tt)*) => {
        $crate::__dynamo_item!(@use [ks = $ks psk = $psk pkn = [$v] skn = $skn] $($rest)*)
    };
    (@use [ks = $ks:tt psk = $psk:tt pkn = $pkn:tt skn = []] [sort_key_name $tok:tt $v:tt] $($rest:tt)*) => {
        $crate::__dynamo_item!(@use [ks = $ks psk = $psk pkn = $pkn skn = [$v]] $($rest)*)
    };
    // A known option a second time, or an unknown option.
    (@use $slots:tt [$opt:tt $tok:tt $v:tt] $($rest:tt)*) => {
        $crate::__dynamo_item!(@bad_use $opt $tok)
    };
    (@bad_use key_separator $tok:tt) => { $crate::__dynamo_item!(@use_twice $tok) };
    (@bad_use prefix_sort_key $tok:tt) => { $crate::__dynamo_item!(@use_twice $tok) };
    (@bad_use partition_key_name $tok:tt) => { $crate::__dynamo_item!(@use_twice $tok) };
    (@bad_use sort_key_name $tok:tt) => { $crate::__dynamo_item!(@use_twice $tok) };
    (@bad_use $other:tt $tok:tt) => {{
        $crate::__private::compile_error!($crate::__private::concat!(
            "dynamo_item!: unknown schema option `", $crate::__private::stringify!($other),
            "`; the `use Dynamo.Schema, ...;` options are `key_separator: \"#\"`, ",
            "`prefix_sort_key: true`, `partition_key_name: \"pk\"` and `sort_key_name: \"sk\"`"
        ));
        $crate::__dynamo_blame!($tok);
        $crate::SchemaOptions::EMPTY
    }};
    (@use_twice $tok:tt) => {{
        $crate::__private::compile_error!($crate::__private::concat!(
            "dynamo_item!: schema option `", $crate::__private::stringify!($tok),
            "` is given twice in the `use Dynamo.Schema, ...;` line; keep one"
        ));
        $crate::__dynamo_blame!($tok);
        $crate::SchemaOptions::EMPTY
    }};
    (@some) => { $crate::__private::None };
    (@some $v:tt) => { $crate::__private::Some($v) };

    // ===== Global secondary indexes (slots pk sk proj attrs) ================
    // Options come as `[name name-again : value]` or `[name name-again [list]]`.
    (@gsi $name:tt [pk = [$($pk:tt)?] sk = [$($sk:tt)?] proj = [$($proj:tt)?] attrs = [$($attrs:tt)*]]) => {
        $crate::__dynamo_item!(@gsi_emit $name [$($pk)?] [$($sk)?] [$($proj)?] [$($attrs)*])
    };
    (@gsi $name:tt [pk = [] sk = $sk:tt proj = $proj:tt attrs = $attrs:tt] [partition_key $tok:tt : $f:tt] $($rest:tt)*) => {
        $crate::__dynamo_item!(@gsi $name [pk = [$f] sk = $sk proj = $proj attrs = $attrs] $($rest)*)
    };
    (@gsi $name:tt [pk = $pk:tt sk = [] proj = $proj:tt attrs = $attrs:tt] [sort_key $tok:tt : $f:tt] $($rest:tt)*) => {
        $crate::__dynamo_item!(@gsi $name [pk = $pk sk = [$f] proj = $proj attrs = $attrs] $($rest)*)
    };
    (@gsi $name:tt [pk = $pk:tt sk = $sk:tt proj = [] attrs = $attrs:tt] [projection $tok:tt : $p:tt] $($rest:tt)*) => {
        $crate::__dynamo_item!(@gsi_projection $name [pk = $pk sk = $sk attrs = $attrs] $p $p $($rest)*)
    };
    (@gsi $name:tt [pk = $pk:tt sk = $sk:tt proj = $proj:tt attrs = []] [projected_attributes $tok:tt [$($a:tt)*]] $($rest:tt)*) => {
        $crate::__dynamo_item!(@gsi $name [pk = $pk sk = $sk proj = $proj attrs = [$tok $($a)*]] $($rest)*)
    };
    // A known option a second time or without its value, or an unknown option.
    (@gsi $name:tt $slots:tt [$opt:tt $tok:tt $($v:tt)*] $($rest:tt)*) => {
        $crate::__dynamo_item!(@gsi_bad $name $opt $tok)
    };
    (@gsi_projection $name:tt [pk = $pk:tt sk = $sk:tt attrs = $attrs:tt] all $tok:tt $($rest:tt)*) => {
        $crate::__dynamo_item!(@gsi $name [pk = $pk sk = $sk proj = [All] attrs = $attrs] $($rest)*)
    };
    (@gsi_projection $name:tt [pk = $pk:tt sk = $sk:tt attrs = $attrs:tt] keys_only $tok:tt $($rest:tt)*) => {
        $crate::__dynamo_item!(@gsi $name [pk = $pk sk = $sk proj = [KeysOnly] attrs = $attrs] $($rest)*)
    };
    (@gsi_projection $name:tt [pk = $pk:tt sk = $sk:tt attrs = $attrs:tt] include $tok:tt $($rest:tt)*) => {
        $crate::__dynamo_item!(@gsi $name [pk = $pk sk = $sk proj = [Include] attrs = $attrs] $($rest)*)
    };
    (@gsi_projection $name:tt $slots:tt $other:tt $tok:tt $($rest:tt)*) => {{
        $crate::__private::compile_error!($crate::__private::concat!(
            "dynamo_item!: global_secondary_index ", $crate::__private::stringify!($name),
            ": unknown projection `:", $crate::__private::stringify!($other),
            "`; use `projection: :all`, `projection: :keys_only` or `projection: :include`"
        ));
        $crate::__dynamo_blame!($tok);
        $crate::__dynamo_item!(@gsi_placeholder $name)
    }};
    (@gsi_bad $name:tt partition_key $tok:tt) => {
        $crate::__dynamo_item!(@gsi_error $name $tok "`partition_key` is given twice, or without a `:field` value; write `partition_key: :field` once")
    };
    (@gsi_bad $name:tt sort_key $tok:tt) => {
        $crate::__dynamo_item!(@gsi_error $name $tok "`sort_key` is given twice, or without a `:field` value; write `sort_key: :field` once")
    };
    (@gsi_bad $name:tt projection $tok:tt) => {
        $crate::__dynamo_item!(@gsi_error $name $tok "`projection` is given twice, or without a value; write `projection: :all`, `:keys_only` or `:include` once")
    };
    (@gsi_bad $name:tt projected_attributes $tok:tt) => {
        $crate::__dynamo_item!(@gsi_error $name $tok "`projected_attributes` is given twice, or is not a list; write `projected_attributes: [:field, ...]` once")
    };
    (@gsi_bad $name:tt $other:tt $tok:tt) => {
        $crate::__dynamo_item!(@gsi_error $name $tok $crate::__private::concat!(
            "unknown option `", $crate::__private::stringify!($other),
            "`; index options are `partition_key: :field`, `sort_key: :field`, ",
            "`projection: :all | :keys_only | :include` and `projected_attributes: [:field, ...]`"
        ))
    };
    (@gsi_error $name:tt $tok:tt $why:expr) => {{
        $crate::__private::compile_error!($crate::__private::concat!(
            "dynamo_item!: global_secondary_index ", $crate::__private::stringify!($name), ": ", $why
        ));
        $crate::__dynamo_blame!($tok);
        $crate::__dynamo_item!(@gsi_placeholder $name)
    }};
    // What an index that failed to parse expands to, so no other error follows.
    (@gsi_placeholder $name:tt) => {
        $crate::IndexDef {
            name: $crate::__dynamo_item!(@gsi_name $name),
            partition_key: "",
            sort_key: $crate::__private::None,
            projection: $crate::Projection::All,
            projected_attributes: &[],
        }
    };
    (@gsi_emit $name:tt [] $sk:tt $proj:tt $attrs:tt) => {{
        $crate::__private::compile_error!($crate::__private::concat!(
            "dynamo_item!: global_secondary_index ", $crate::__private::stringify!($name),
            " needs a partition key; add `partition_key: :field`, e.g. `global_secondary_index ",
            $crate::__private::stringify!($name), ", partition_key: :email;`"
        ));
        $crate::__dynamo_blame!($name);
        $crate::__dynamo_item!(@gsi_placeholder $name)
    }};
    (@gsi_emit $name:tt [$pk:tt] [$($sk:tt)?] [$($proj:ident)?] [$($kw:tt $( : $a:tt ),* $(,)?)?]) => {{
        __dynamo_field!(check ["global_secondary_index ", $crate::__private::stringify!($name), ", partition_key"] $pk);
        __dynamo_field!(index_key_type $pk);
        $( __dynamo_field!(check ["global_secondary_index ", $crate::__private::stringify!($name), ", sort_key"] $sk); __dynamo_field!(index_key_type $sk); )?
        $( $( __dynamo_field!(check ["global_secondary_index ", $crate::__private::stringify!($name), ", projected_attributes"] $a); )* )?
        $crate::__dynamo_item!(@gsi_attrs_need_include $name [$($proj)?] [$($kw)?]);
        $crate::IndexDef {
            name: $crate::__dynamo_item!(@gsi_name $name),
            partition_key: $crate::__private::stringify!($pk),
            sort_key: $crate::__dynamo_item!(@some_str $($sk)?),
            projection: $crate::__dynamo_item!(@projection $($proj)?),
            projected_attributes: &[$( $( $crate::__private::stringify!($a) ),* )?],
        }
    }};
    // The index name must be a string literal.
    (@gsi_name $name:literal) => { $name };
    (@gsi_name $name:tt) => {{
        $crate::__private::compile_error!($crate::__private::concat!(
            "dynamo_item!: the index name must be a string, e.g. `global_secondary_index \"",
            $crate::__private::stringify!($name), "\", partition_key: :field;`"
        ));
        $crate::__dynamo_blame!($name);
        ""
    }};
    (@gsi_attrs_need_include $name:tt [Include] $kw:tt) => {};
    (@gsi_attrs_need_include $name:tt [$($proj:ident)?] []) => {};
    (@gsi_attrs_need_include $name:tt [$($proj:ident)?] [$kw:tt]) => {
        $crate::__private::compile_error!($crate::__private::concat!(
            "dynamo_item!: global_secondary_index ", $crate::__private::stringify!($name),
            ": `projected_attributes` only apply with `projection: :include`; ",
            "add `projection: :include` or remove the list"
        ));
        $crate::__dynamo_blame!($kw);
    };
    (@projection) => { $crate::Projection::All };
    (@projection $p:ident) => { $crate::Projection::$p };
    (@some_str) => { $crate::__private::None };
    (@some_str $f:tt) => { $crate::__private::Some($crate::__private::stringify!($f)) };

    // ===== belongs_to (slots fk sks) =========================================
    // Options come as `[name name-again value]`.
    (@rel $rel:tt [$Parent:path] [fk = [$($fk:tt)?] sks = [$($sks:ident)?]]) => {{
        $( __dynamo_field!(check ["belongs_to :", $crate::__private::stringify!($rel), ", foreign_key"] $fk); )?
        $crate::RelationDef {
            name: $crate::__private::stringify!($rel),
            parent: <$Parent as $crate::Schema>::SCHEMA,
            foreign_key: $crate::__dynamo_item!(@some_str $($fk)?),
            sk_strategy: $crate::__dynamo_item!(@sk_strategy $($sks)?),
        }
    }};
    (@rel $rel:tt [$Parent:path] [fk = [] sks = $sks:tt] [foreign_key $tok:tt $f:tt] $($rest:tt)*) => {
        $crate::__dynamo_item!(@rel $rel [$Parent] [fk = [$f] sks = $sks] $($rest)*)
    };
    (@rel $rel:tt [$Parent:path] [fk = $fk:tt sks = []] [sk_strategy $tok:tt $s:tt] $($rest:tt)*) => {
        $crate::__dynamo_item!(@rel_strategy $rel [$Parent] [fk = $fk] $s $s $($rest)*)
    };
    // A known option a second time, or an unknown option.
    (@rel $rel:tt [$Parent:path] $slots:tt [$opt:tt $tok:tt $v:tt] $($rest:tt)*) => {
        $crate::__dynamo_item!(@rel_bad $rel [$Parent] $opt $tok)
    };
    (@rel_strategy $rel:tt [$Parent:path] [fk = $fk:tt] prefix $tok:tt $($rest:tt)*) => {
        $crate::__dynamo_item!(@rel $rel [$Parent] [fk = $fk sks = [Prefix]] $($rest)*)
    };
    (@rel_strategy $rel:tt [$Parent:path] [fk = $fk:tt] use_defined $tok:tt $($rest:tt)*) => {
        $crate::__dynamo_item!(@rel $rel [$Parent] [fk = $fk sks = [UseDefined]] $($rest)*)
    };
    (@rel_strategy $rel:tt [$Parent:path] $slots:tt $other:tt $tok:tt $($rest:tt)*) => {{
        $crate::__private::compile_error!($crate::__private::concat!(
            "dynamo_item!: belongs_to :", $crate::__private::stringify!($rel), ": unknown sk_strategy `:",
            $crate::__private::stringify!($other), "`; use `sk_strategy: :prefix` or `sk_strategy: :use_defined`"
        ));
        $crate::__dynamo_blame!($tok);
        $crate::__dynamo_item!(@rel $rel [$Parent] [fk = [] sks = []])
    }};
    (@rel_bad $rel:tt [$Parent:path] foreign_key $tok:tt) => {
        $crate::__dynamo_item!(@rel_error $rel [$Parent] $tok "`foreign_key` is given twice; keep one")
    };
    (@rel_bad $rel:tt [$Parent:path] sk_strategy $tok:tt) => {
        $crate::__dynamo_item!(@rel_error $rel [$Parent] $tok "`sk_strategy` is given twice; keep one")
    };
    (@rel_bad $rel:tt [$Parent:path] $other:tt $tok:tt) => {
        $crate::__dynamo_item!(@rel_error $rel [$Parent] $tok $crate::__private::concat!(
            "unknown option `", $crate::__private::stringify!($other),
            "`; belongs_to options are `foreign_key: :field` and `sk_strategy: :prefix | :use_defined`"
        ))
    };
    (@rel_error $rel:tt [$Parent:path] $tok:tt $why:expr) => {{
        $crate::__private::compile_error!($crate::__private::concat!(
            "dynamo_item!: belongs_to :", $crate::__private::stringify!($rel), ": ", $why
        ));
        $crate::__dynamo_blame!($tok);
        $crate::__dynamo_item!(@rel $rel [$Parent] [fk = [] sks = []])
    }};
    (@sk_strategy) => { $crate::SkStrategy::Prefix };
    (@sk_strategy $s:ident) => { $crate::SkStrategy::$s };
    (@rel_fk) => { $crate::__private::None };
    (@rel_fk [foreign_key $tok:tt $f:tt] $($rest:tt)*) => { $crate::__private::Some($crate::__private::stringify!($f)) };
    (@rel_fk [$o:tt $tok:tt $v:tt] $($rest:tt)*) => { $crate::__dynamo_item!(@rel_fk $($rest)*) };
}

/// Puts a second error under the user's token: it accepts no input, so rustc
/// reports "no rules expected `<token>`" right at the token.
#[doc(hidden)]
#[macro_export]
macro_rules! __dynamo_blame {
    () => {};
}
