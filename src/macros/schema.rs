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
///         [belongs_to :$relation, $Parent [, foreign_key: :$field] [, sort_key_strategy …];]*
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
        $(#[$meta:meta])*
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
                global_secondary_index $gname:literal
                    $( , $gopt:tt : $( : $gatom:tt )? $( [ $( : $glist:tt ),* $(,)? ] )? )* ;
            )*
            $( belongs_to : $rel:tt , $Parent:path $( , $bopt:tt : : $batom:tt )* ; )*
        }
    ) => {
        $(#[$meta])*
        $vis struct $Name {
            $( $(#[$fmeta])* pub $f: $crate::__dynamo_item!(@ty $($fty)?), )+
        }

        // Field options: unknown, repeated, `partition_key: false`, `default` without a value.
        $( $crate::__dynamo_item!(@check_field $f [$($fty)?] [pk = [] sk = [] def = []] $( [$fopt $($fval)?] )*); )+
        // A list and per-field flags for the same key.
        $crate::__dynamo_item!(@no_flags_with_list partition_key [$( $( $pkl )* )?] $( $f [$( [$fopt $($fval)?] )*] )+);
        $crate::__dynamo_item!(@no_flags_with_list sort_key [$( $( $skl )* )?] $( $f [$( [$fopt $($fval)?] )*] )+);

        impl $crate::__private::Default for $Name {
            fn default() -> Self {
                Self {
                    $( $f: $crate::__dynamo_item!(@default [$( [$fopt $($fval)?] )*]), )+
                }
            }
        }

        const _: () = {
            // Resolves a field name written in a key list, index or relation:
            // a declared field expands to what was asked, anything else to an error.
            macro_rules! __dynamo_field {
                $(
                    (check $f) => {};
                    (access $f, $d s:tt) => { $crate::Encode::key_part(&$d s.$f) };
                    (key_type $f) => {
                        const _: fn() = $crate::__private::assert_key_type::<$crate::__dynamo_item!(@ty $($fty)?)>;
                    };
                )+
                (check $d other:tt) => {
                    $crate::__private::compile_error!($crate::__private::concat!(
                        "dynamo_item!: `:", $crate::__private::stringify!($d other),
                        "` is not a declared field; add `field :", $crate::__private::stringify!($d other),
                        ";` before the key and index lines, or fix the name"
                    ));
                    $crate::__dynamo_blame!($d other);
                };
                (access $d other:tt, $d s:tt) => {{
                    __dynamo_field!(check $d other);
                    $crate::key::KeyPart::Unset
                }};
                (key_type $d other:tt) => {};
            }

            // Key lists: every name declared, and of a type that can be part of a key.
            $( $( __dynamo_field!(check $pkl); __dynamo_field!(key_type $pkl); )* )?
            $( $( __dynamo_field!(check $skl); __dynamo_field!(key_type $skl); )* )?

            // The whole-item rules that need the field list.
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
                        $crate::__dynamo_item!(@rel_fk $( [$bopt $batom] )*),
                    ),
                    $crate::__private::concat!(
                        "dynamo_item!: belongs_to `:", $crate::__private::stringify!($rel),
                        "`: the child needs a field for the parent's partition key; declare a field named ",
                        "like the parent's first partition-key field, or name one with `foreign_key: :field` ",
                        "(a composite parent key also needs fields named like its other key fields)"
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
                                $( [$gopt $( : $gatom )? $( [ $( : $glist ),* ] )?] )*),
                        )*
                    ],
                    belongs_to: &[
                        $(
                            $crate::__dynamo_item!(@rel $rel [$Parent] [fk = [] sks = []] $( [$bopt $batom] )*),
                        )*
                    ],
                    options: $crate::__dynamo_item!(@use [ks = [] psk = [] pkn = [] skn = []] $( $( [$uopt $uval] )* )?),
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
                    $(
                        let v = $crate::Encode::encode(&self.$f);
                        if !v.is_null() {
                            sink.attribute($crate::__private::stringify!($f), v);
                        }
                    )+
                }

                fn decode_item<S: $crate::AttributeSource>(source: &mut S) -> $crate::Result<Self> {
                    $crate::__private::Ok(Self {
                        $(
                            $f: match source.take($crate::__private::stringify!($f)) {
                                $crate::__private::Some(v) if !v.is_null() => {
                                    $crate::Decode::decode(v).map_err(|e| {
                                        $crate::Error::decode($crate::__private::stringify!($f), e)
                                    })?
                                }
                                _ => $crate::__dynamo_item!(@default [$( [$fopt $($fval)?] )*]),
                            },
                        )+
                    })
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
        $(#[$meta:meta])*
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

    (@one $x:tt) => { 1usize };

    // ===== Field types =======================================================
    (@ty) => { $crate::Value };
    (@ty $t:ty) => { $t };
    (@type_name) => { "Value" };
    (@type_name $t:ty) => { $crate::__private::stringify!($t) };

    // ===== Field options: validation (slots pk, sk, def) ====================
    // All options seen.
    (@check_field $f:ident [$($ty:ty)?] [pk = $pk:tt sk = $sk:tt def = $def:tt]) => {};
    // `partition_key` / `partition_key: <bool>`, first time.
    (@check_field $f:ident [$($ty:ty)?] [pk = [] sk = $sk:tt def = $def:tt] [partition_key] $($rest:tt)*) => {
        const _: fn() = $crate::__private::assert_key_type::<$crate::__dynamo_item!(@ty $($ty)?)>;
        $crate::__dynamo_item!(@check_field $f [$($ty)?] [pk = [x] sk = $sk def = $def] $($rest)*);
    };
    (@check_field $f:ident [$($ty:ty)?] [pk = [] sk = $sk:tt def = $def:tt] [partition_key $v:tt] $($rest:tt)*) => {
        const _: () = $crate::__private::assert!($v, $crate::__private::concat!(
            "dynamo_item!: `partition_key: false` on field `", $crate::__private::stringify!($f),
            "` is not allowed; a field is not a key unless marked, so remove the option"
        ));
        const _: fn() = $crate::__private::assert_key_type::<$crate::__dynamo_item!(@ty $($ty)?)>;
        $crate::__dynamo_item!(@check_field $f [$($ty)?] [pk = [x] sk = $sk def = $def] $($rest)*);
    };
    // `sort_key` / `sort_key: <bool>`, first time.
    (@check_field $f:ident [$($ty:ty)?] [pk = $pk:tt sk = [] def = $def:tt] [sort_key] $($rest:tt)*) => {
        const _: fn() = $crate::__private::assert_key_type::<$crate::__dynamo_item!(@ty $($ty)?)>;
        $crate::__dynamo_item!(@check_field $f [$($ty)?] [pk = $pk sk = [x] def = $def] $($rest)*);
    };
    (@check_field $f:ident [$($ty:ty)?] [pk = $pk:tt sk = [] def = $def:tt] [sort_key $v:tt] $($rest:tt)*) => {
        const _: () = $crate::__private::assert!($v, $crate::__private::concat!(
            "dynamo_item!: `sort_key: false` on field `", $crate::__private::stringify!($f),
            "` is not allowed; a field is not a key unless marked, so remove the option"
        ));
        const _: fn() = $crate::__private::assert_key_type::<$crate::__dynamo_item!(@ty $($ty)?)>;
        $crate::__dynamo_item!(@check_field $f [$($ty)?] [pk = $pk sk = [x] def = $def] $($rest)*);
    };
    // `default: <expr>`, first time.
    (@check_field $f:ident [$($ty:ty)?] [pk = $pk:tt sk = $sk:tt def = []] [default $v:tt] $($rest:tt)*) => {
        $crate::__dynamo_item!(@check_field $f [$($ty)?] [pk = $pk sk = $sk def = [x]] $($rest)*);
    };
    // `default` without a value.
    (@check_field $f:ident [$($ty:ty)?] [pk = $pk:tt sk = $sk:tt def = []] [default] $($rest:tt)*) => {
        $crate::__private::compile_error!($crate::__private::concat!(
            "dynamo_item!: `default` on field `", $crate::__private::stringify!($f),
            "` needs a value, e.g. `default: \"user\"`"
        ));
    };
    // A known option given a second time.
    (@check_field $f:ident [$($ty:ty)?] $slots:tt [partition_key $($v:tt)?] $($rest:tt)*) => {
        $crate::__dynamo_item!(@twice $f partition_key);
    };
    (@check_field $f:ident [$($ty:ty)?] $slots:tt [sort_key $($v:tt)?] $($rest:tt)*) => {
        $crate::__dynamo_item!(@twice $f sort_key);
    };
    (@check_field $f:ident [$($ty:ty)?] $slots:tt [default $($v:tt)?] $($rest:tt)*) => {
        $crate::__dynamo_item!(@twice $f default);
    };
    // Anything else is not a field option.
    (@check_field $f:ident [$($ty:ty)?] $slots:tt [$other:tt $($v:tt)?] $($rest:tt)*) => {
        $crate::__private::compile_error!($crate::__private::concat!(
            "dynamo_item!: unknown option `", $crate::__private::stringify!($other),
            "` on field `", $crate::__private::stringify!($f),
            "`; field options are `partition_key`, `sort_key` and `default: <value>`"
        ));
        $crate::__dynamo_blame!($other);
    };
    (@twice $f:ident $opt:tt) => {
        $crate::__private::compile_error!($crate::__private::concat!(
            "dynamo_item!: option `", $crate::__private::stringify!($opt),
            "` is given twice on field `", $crate::__private::stringify!($f), "`; keep one"
        ));
        $crate::__dynamo_blame!($opt);
    };

    // ===== Keys declared twice ==============================================
    // No list: nothing to compare.
    (@no_flags_with_list $flag:ident [] $($f:ident [$($opts:tt)*])+) => {};
    // A list: no field may carry the same flag.
    (@no_flags_with_list $flag:ident [$($list:tt)+] $($f:ident [$($opts:tt)*])+) => {
        $( $crate::__dynamo_item!(@forbid_flag $flag $f $($opts)*); )+
    };
    (@forbid_flag partition_key $f:ident [partition_key $($v:tt)?] $($rest:tt)*) => {
        $crate::__private::compile_error!($crate::__private::concat!(
            "dynamo_item!: the partition key is declared twice: field `", $crate::__private::stringify!($f),
            "` is marked `partition_key` and a `partition_key [...]` list is given; keep one of them"
        ));
    };
    (@forbid_flag sort_key $f:ident [sort_key $($v:tt)?] $($rest:tt)*) => {
        $crate::__private::compile_error!($crate::__private::concat!(
            "dynamo_item!: the sort key is declared twice: field `", $crate::__private::stringify!($f),
            "` is marked `sort_key` and a `sort_key [...]` list is given; keep one of them"
        ));
    };
    (@forbid_flag $flag:ident $f:ident [$o:tt $($v:tt)?] $($rest:tt)*) => {
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
        let mut parts = [$crate::key::KeyField::new("", $crate::key::KeyPart::Unset); N];
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
    (@use [ks = [$($ks:tt)?] psk = [$($psk:tt)?] pkn = [$($pkn:tt)?] skn = [$($skn:tt)?]]) => {
        $crate::SchemaOptions {
            key_separator: $crate::__dynamo_item!(@some $($ks)?),
            prefix_sort_key: $crate::__dynamo_item!(@some $($psk)?),
            partition_key_name: $crate::__dynamo_item!(@some $($pkn)?),
            sort_key_name: $crate::__dynamo_item!(@some $($skn)?),
        }
    };
    (@use [ks = [] psk = $psk:tt pkn = $pkn:tt skn = $skn:tt] [key_separator $v:tt] $($rest:tt)*) => {
        $crate::__dynamo_item!(@use [ks = [$v] psk = $psk pkn = $pkn skn = $skn] $($rest)*)
    };
    (@use [ks = $ks:tt psk = [] pkn = $pkn:tt skn = $skn:tt] [prefix_sort_key $v:tt] $($rest:tt)*) => {
        $crate::__dynamo_item!(@use [ks = $ks psk = [$v] pkn = $pkn skn = $skn] $($rest)*)
    };
    (@use [ks = $ks:tt psk = $psk:tt pkn = [] skn = $skn:tt] [partition_key_name $v:tt] $($rest:tt)*) => {
        $crate::__dynamo_item!(@use [ks = $ks psk = $psk pkn = [$v] skn = $skn] $($rest)*)
    };
    (@use [ks = $ks:tt psk = $psk:tt pkn = $pkn:tt skn = []] [sort_key_name $v:tt] $($rest:tt)*) => {
        $crate::__dynamo_item!(@use [ks = $ks psk = $psk pkn = $pkn skn = [$v]] $($rest)*)
    };
    (@use $slots:tt [key_separator $v:tt] $($rest:tt)*) => { $crate::__dynamo_item!(@use_twice key_separator) };
    (@use $slots:tt [prefix_sort_key $v:tt] $($rest:tt)*) => { $crate::__dynamo_item!(@use_twice prefix_sort_key) };
    (@use $slots:tt [partition_key_name $v:tt] $($rest:tt)*) => { $crate::__dynamo_item!(@use_twice partition_key_name) };
    (@use $slots:tt [sort_key_name $v:tt] $($rest:tt)*) => { $crate::__dynamo_item!(@use_twice sort_key_name) };
    (@use $slots:tt [$other:tt $v:tt] $($rest:tt)*) => {{
        $crate::__private::compile_error!($crate::__private::concat!(
            "dynamo_item!: unknown schema option `", $crate::__private::stringify!($other),
            "`; the `use Dynamo.Schema, ...;` options are `key_separator`, `prefix_sort_key`, ",
            "`partition_key_name` and `sort_key_name`"
        ));
        $crate::__dynamo_blame!($other)
    }};
    (@use_twice $opt:tt) => {{
        $crate::__private::compile_error!($crate::__private::concat!(
            "dynamo_item!: schema option `", $crate::__private::stringify!($opt),
            "` is given twice in the `use Dynamo.Schema, ...;` line; keep one"
        ));
        $crate::__dynamo_blame!($opt)
    }};
    (@some) => { $crate::__private::None };
    (@some $v:tt) => { $crate::__private::Some($v) };

    // ===== Global secondary indexes (slots pk sk proj attrs) ================
    (@gsi $name:literal [pk = [$($pk:tt)?] sk = [$($sk:tt)?] proj = [$($proj:tt)?] attrs = [$($attrs:tt)*]]) => {
        $crate::__dynamo_item!(@gsi_emit $name [$($pk)?] [$($sk)?] [$($proj)?] [$($attrs)*])
    };
    (@gsi $name:literal [pk = [] sk = $sk:tt proj = $proj:tt attrs = $attrs:tt] [partition_key : $f:tt] $($rest:tt)*) => {
        $crate::__dynamo_item!(@gsi $name [pk = [$f] sk = $sk proj = $proj attrs = $attrs] $($rest)*)
    };
    (@gsi $name:literal [pk = $pk:tt sk = [] proj = $proj:tt attrs = $attrs:tt] [sort_key : $f:tt] $($rest:tt)*) => {
        $crate::__dynamo_item!(@gsi $name [pk = $pk sk = [$f] proj = $proj attrs = $attrs] $($rest)*)
    };
    (@gsi $name:literal [pk = $pk:tt sk = $sk:tt proj = [] attrs = $attrs:tt] [projection : all] $($rest:tt)*) => {
        $crate::__dynamo_item!(@gsi $name [pk = $pk sk = $sk proj = [All] attrs = $attrs] $($rest)*)
    };
    (@gsi $name:literal [pk = $pk:tt sk = $sk:tt proj = [] attrs = $attrs:tt] [projection : keys_only] $($rest:tt)*) => {
        $crate::__dynamo_item!(@gsi $name [pk = $pk sk = $sk proj = [KeysOnly] attrs = $attrs] $($rest)*)
    };
    (@gsi $name:literal [pk = $pk:tt sk = $sk:tt proj = [] attrs = $attrs:tt] [projection : include] $($rest:tt)*) => {
        $crate::__dynamo_item!(@gsi $name [pk = $pk sk = $sk proj = [Include] attrs = $attrs] $($rest)*)
    };
    (@gsi $name:literal [pk = $pk:tt sk = $sk:tt proj = [] attrs = $attrs:tt] [projection : $other:tt] $($rest:tt)*) => {{
        $crate::__private::compile_error!($crate::__private::concat!(
            "dynamo_item!: global_secondary_index ", $name, ": unknown projection `:",
            $crate::__private::stringify!($other), "`; use `:all`, `:keys_only` or `:include`"
        ));
        $crate::__dynamo_blame!($other)
    }};
    (@gsi $name:literal [pk = $pk:tt sk = $sk:tt proj = $proj:tt attrs = []] [projected_attributes [$($a:tt)*]] $($rest:tt)*) => {
        $crate::__dynamo_item!(@gsi $name [pk = $pk sk = $sk proj = $proj attrs = [$($a)*]] $($rest)*)
    };
    (@gsi $name:literal $slots:tt [partition_key $($v:tt)*] $($rest:tt)*) => { $crate::__dynamo_item!(@gsi_bad $name partition_key "is given twice or has no `:field` value") };
    (@gsi $name:literal $slots:tt [sort_key $($v:tt)*] $($rest:tt)*) => { $crate::__dynamo_item!(@gsi_bad $name sort_key "is given twice or has no `:field` value") };
    (@gsi $name:literal $slots:tt [projection $($v:tt)*] $($rest:tt)*) => { $crate::__dynamo_item!(@gsi_bad $name projection "is given twice or has no value; use `projection: :all`, `:keys_only` or `:include`") };
    (@gsi $name:literal $slots:tt [projected_attributes $($v:tt)*] $($rest:tt)*) => { $crate::__dynamo_item!(@gsi_bad $name projected_attributes "is given twice or is not a list like `[:a, :b]`") };
    (@gsi $name:literal $slots:tt [$other:tt $($v:tt)*] $($rest:tt)*) => {{
        $crate::__private::compile_error!($crate::__private::concat!(
            "dynamo_item!: global_secondary_index ", $name, ": unknown option `",
            $crate::__private::stringify!($other),
            "`; index options are `partition_key`, `sort_key`, `projection` and `projected_attributes`"
        ));
        $crate::__dynamo_blame!($other)
    }};
    (@gsi_bad $name:literal $opt:tt $why:literal) => {{
        $crate::__private::compile_error!($crate::__private::concat!(
            "dynamo_item!: global_secondary_index ", $name, ": `", $crate::__private::stringify!($opt), "` ", $why
        ));
        $crate::__dynamo_blame!($opt)
    }};
    (@gsi_emit $name:literal [] $sk:tt $proj:tt $attrs:tt) => {{
        $crate::__private::compile_error!($crate::__private::concat!(
            "dynamo_item!: global_secondary_index ", $name,
            " needs a partition key, e.g. `global_secondary_index ", $name, ", partition_key: :email;`"
        ));
        $crate::__private::unreachable!()
    }};
    (@gsi_emit $name:literal [$pk:tt] [$($sk:tt)?] [$($proj:ident)?] [$( : $a:tt ),* $(,)?]) => {{
        __dynamo_field!(check $pk);
        $( __dynamo_field!(check $sk); )?
        $( __dynamo_field!(check $a); )*
        $crate::__dynamo_item!(@gsi_attrs_need_include $name [$($proj)?] [$($a)*]);
        $crate::IndexDef {
            name: $name,
            partition_key: $crate::__private::stringify!($pk),
            sort_key: $crate::__dynamo_item!(@some_str $($sk)?),
            projection: $crate::__dynamo_item!(@projection $($proj)?),
            projected_attributes: &[$( $crate::__private::stringify!($a) ),*],
        }
    }};
    (@gsi_attrs_need_include $name:literal [Include] [$($a:tt)*]) => {};
    (@gsi_attrs_need_include $name:literal [$($proj:ident)?] []) => {};
    (@gsi_attrs_need_include $name:literal [$($proj:ident)?] [$first:tt $($a:tt)*]) => {
        $crate::__private::compile_error!($crate::__private::concat!(
            "dynamo_item!: global_secondary_index ", $name,
            ": `projected_attributes` only apply with `projection: :include`; add it or remove the list"
        ));
    };
    (@projection) => { $crate::Projection::All };
    (@projection $p:ident) => { $crate::Projection::$p };
    (@some_str) => { $crate::__private::None };
    (@some_str $f:tt) => { $crate::__private::Some($crate::__private::stringify!($f)) };

    // ===== belongs_to (slots fk sks) =========================================
    (@rel $rel:tt [$Parent:path] [fk = [$($fk:tt)?] sks = [$($sks:ident)?]]) => {{
        $( __dynamo_field!(check $fk); )?
        $crate::RelationDef {
            name: $crate::__private::stringify!($rel),
            parent: <$Parent as $crate::Schema>::SCHEMA,
            foreign_key: $crate::__dynamo_item!(@some_str $($fk)?),
            sk_strategy: $crate::__dynamo_item!(@sk_strategy $($sks)?),
        }
    }};
    (@rel $rel:tt [$Parent:path] [fk = [] sks = $sks:tt] [foreign_key $f:tt] $($rest:tt)*) => {
        $crate::__dynamo_item!(@rel $rel [$Parent] [fk = [$f] sks = $sks] $($rest)*)
    };
    (@rel $rel:tt [$Parent:path] [fk = $fk:tt sks = []] [sk_strategy prefix] $($rest:tt)*) => {
        $crate::__dynamo_item!(@rel $rel [$Parent] [fk = $fk sks = [Prefix]] $($rest)*)
    };
    (@rel $rel:tt [$Parent:path] [fk = $fk:tt sks = []] [sk_strategy use_defined] $($rest:tt)*) => {
        $crate::__dynamo_item!(@rel $rel [$Parent] [fk = $fk sks = [UseDefined]] $($rest)*)
    };
    (@rel $rel:tt [$Parent:path] [fk = $fk:tt sks = []] [sk_strategy $other:tt] $($rest:tt)*) => {{
        $crate::__private::compile_error!($crate::__private::concat!(
            "dynamo_item!: belongs_to `:", $crate::__private::stringify!($rel), "`: unknown sk_strategy `:",
            $crate::__private::stringify!($other), "`; use `sk_strategy: :prefix` or `sk_strategy: :use_defined`"
        ));
        $crate::__dynamo_blame!($other)
    }};
    (@rel $rel:tt [$Parent:path] $slots:tt [foreign_key $f:tt] $($rest:tt)*) => {{
        $crate::__private::compile_error!("dynamo_item!: belongs_to: `foreign_key` is given twice; keep one");
        $crate::__dynamo_blame!(foreign_key)
    }};
    (@rel $rel:tt [$Parent:path] $slots:tt [sk_strategy $f:tt] $($rest:tt)*) => {{
        $crate::__private::compile_error!("dynamo_item!: belongs_to: `sk_strategy` is given twice; keep one");
        $crate::__dynamo_blame!(sk_strategy)
    }};
    (@rel $rel:tt [$Parent:path] $slots:tt [$other:tt $v:tt] $($rest:tt)*) => {{
        $crate::__private::compile_error!($crate::__private::concat!(
            "dynamo_item!: belongs_to `:", $crate::__private::stringify!($rel), "`: unknown option `",
            $crate::__private::stringify!($other), "`; belongs_to options are `foreign_key: :field` and `sk_strategy: :prefix | :use_defined`"
        ));
        $crate::__dynamo_blame!($other)
    }};
    (@sk_strategy) => { $crate::SkStrategy::Prefix };
    (@sk_strategy $s:ident) => { $crate::SkStrategy::$s };
    (@rel_fk) => { $crate::__private::None };
    (@rel_fk [foreign_key $f:tt] $($rest:tt)*) => { $crate::__private::Some($crate::__private::stringify!($f)) };
    (@rel_fk [$o:tt $v:tt] $($rest:tt)*) => { $crate::__dynamo_item!(@rel_fk $($rest)*) };
}

/// Puts a second error under the user's token: it accepts no input, so rustc
/// reports "no rules expected `<token>`" right at the token.
#[doc(hidden)]
#[macro_export]
macro_rules! __dynamo_blame {
    () => {};
}
