//! `__dynamo_field_opts!`: one `field` line's options — their checks, the
//! field's default, and the `version` / `ttl` flags.
//!
//! Options arrive as `[name name-again value?]`; the second copy of the name
//! is only there to put an error under it (`__dynamo_blame!`). The checks
//! walk one line's options, never the whole block, so the recursion depth
//! does not grow with the number of fields.

#[doc(hidden)]
#[macro_export]
macro_rules! __dynamo_field_opts {
    // ===== Validation (slots pk sk def ver ttl) =============================
    (@check $Name:ident $f:ident [$($ty:ty)?] [pk = $pk:tt sk = $sk:tt def = $def:tt ver = $ver:tt ttl = $ttl:tt]) => {};
    // `partition_key` / `partition_key: <bool>`, first time.
    (@check $Name:ident $f:ident [$($ty:ty)?] [pk = [] sk = $sk:tt def = $def:tt ver = [] ttl = []] [partition_key $tok:tt] $($rest:tt)*) => {
        const _: fn() = $crate::__private::assert_key_type::<$crate::__dynamo_item!(@ty $($ty)?)>;
        $crate::__dynamo_field_opts!(@check $Name $f [$($ty)?] [pk = [x] sk = $sk def = $def ver = [] ttl = []] $($rest)*);
    };
    (@check $Name:ident $f:ident [$($ty:ty)?] [pk = [] sk = $sk:tt def = $def:tt ver = [] ttl = []] [partition_key $tok:tt $v:tt] $($rest:tt)*) => {
        const _: () = $crate::__private::assert!($v, $crate::__private::concat!(
            "dynamo_item!: `partition_key: false` on field `", $crate::__private::stringify!($f),
            "` is not allowed; a field is not a key unless marked, so remove the option"
        ));
        const _: fn() = $crate::__private::assert_key_type::<$crate::__dynamo_item!(@ty $($ty)?)>;
        $crate::__dynamo_field_opts!(@check $Name $f [$($ty)?] [pk = [x] sk = $sk def = $def ver = [] ttl = []] $($rest)*);
    };
    // `sort_key` / `sort_key: <bool>`, first time.
    (@check $Name:ident $f:ident [$($ty:ty)?] [pk = $pk:tt sk = [] def = $def:tt ver = [] ttl = []] [sort_key $tok:tt] $($rest:tt)*) => {
        const _: fn() = $crate::__private::assert_key_type::<$crate::__dynamo_item!(@ty $($ty)?)>;
        $crate::__dynamo_field_opts!(@check $Name $f [$($ty)?] [pk = $pk sk = [x] def = $def ver = [] ttl = []] $($rest)*);
    };
    (@check $Name:ident $f:ident [$($ty:ty)?] [pk = $pk:tt sk = [] def = $def:tt ver = [] ttl = []] [sort_key $tok:tt $v:tt] $($rest:tt)*) => {
        const _: () = $crate::__private::assert!($v, $crate::__private::concat!(
            "dynamo_item!: `sort_key: false` on field `", $crate::__private::stringify!($f),
            "` is not allowed; a field is not a key unless marked, so remove the option"
        ));
        const _: fn() = $crate::__private::assert_key_type::<$crate::__dynamo_item!(@ty $($ty)?)>;
        $crate::__dynamo_field_opts!(@check $Name $f [$($ty)?] [pk = $pk sk = [x] def = $def ver = [] ttl = []] $($rest)*);
    };
    // `default: <expr>`, first time.
    (@check $Name:ident $f:ident [$($ty:ty)?] [pk = $pk:tt sk = $sk:tt def = [] ver = $ver:tt ttl = $ttl:tt] [default $tok:tt $v:tt] $($rest:tt)*) => {
        $crate::__dynamo_field_opts!(@check $Name $f [$($ty)?] [pk = $pk sk = $sk def = [x] ver = $ver ttl = $ttl] $($rest)*);
    };
    // `default` without a value.
    (@check $Name:ident $f:ident [$($ty:ty)?] [pk = $pk:tt sk = $sk:tt def = [] ver = $ver:tt ttl = $ttl:tt] [default $tok:tt] $($rest:tt)*) => {
        $crate::__private::compile_error!($crate::__private::concat!(
            "dynamo_item!: `default` on field `", $crate::__private::stringify!($f),
            "` needs a value, e.g. `default: \"user\"` or `default: 0`"
        ));
        $crate::__dynamo_blame!($tok);
    };
    // `version`, first time: an integer field, not a key.
    (@check $Name:ident $f:ident [$($ty:ty)?] [pk = [] sk = [] def = $def:tt ver = [] ttl = $ttl:tt] [version $tok:tt] $($rest:tt)*) => {
        const _: fn() = $crate::__private::assert_version_type::<$crate::__dynamo_item!(@ty $($ty)?)>;
        $crate::__dynamo_field_opts!(@check $Name $f [$($ty)?] [pk = [] sk = [] def = $def ver = [$tok] ttl = $ttl] $($rest)*);
    };
    // `ttl`, first time: epoch seconds in an integer field, not a key.
    (@check $Name:ident $f:ident [$($ty:ty)?] [pk = [] sk = [] def = $def:tt ver = $ver:tt ttl = []] [ttl $tok:tt] $($rest:tt)*) => {
        const _: fn() = $crate::__private::assert_ttl_type::<$crate::__dynamo_item!(@ty $($ty)?)>;
        $crate::__dynamo_field_opts!(@check $Name $f [$($ty)?] [pk = [] sk = [] def = $def ver = $ver ttl = [$tok]] $($rest)*);
    };
    // A key field marked `version` or `ttl` (in either order).
    (@check $Name:ident $f:ident [$($ty:ty)?] [pk = [x] sk = $sk:tt def = $def:tt ver = $ver:tt ttl = $ttl:tt] [version $tok:tt] $($rest:tt)*) => {
        $crate::__dynamo_field_opts!(@key_flag $f version $tok);
    };
    (@check $Name:ident $f:ident [$($ty:ty)?] [pk = $pk:tt sk = [x] def = $def:tt ver = $ver:tt ttl = $ttl:tt] [version $tok:tt] $($rest:tt)*) => {
        $crate::__dynamo_field_opts!(@key_flag $f version $tok);
    };
    (@check $Name:ident $f:ident [$($ty:ty)?] [pk = [x] sk = $sk:tt def = $def:tt ver = $ver:tt ttl = $ttl:tt] [ttl $tok:tt] $($rest:tt)*) => {
        $crate::__dynamo_field_opts!(@key_flag $f ttl $tok);
    };
    (@check $Name:ident $f:ident [$($ty:ty)?] [pk = $pk:tt sk = [x] def = $def:tt ver = $ver:tt ttl = $ttl:tt] [ttl $tok:tt] $($rest:tt)*) => {
        $crate::__dynamo_field_opts!(@key_flag $f ttl $tok);
    };
    (@check $Name:ident $f:ident [$($ty:ty)?] [pk = $pk:tt sk = $sk:tt def = $def:tt ver = [$vtok:tt] ttl = $ttl:tt] [partition_key $tok:tt $($v:tt)?] $($rest:tt)*) => {
        $crate::__dynamo_field_opts!(@key_flag $f version $vtok);
    };
    (@check $Name:ident $f:ident [$($ty:ty)?] [pk = $pk:tt sk = $sk:tt def = $def:tt ver = [$vtok:tt] ttl = $ttl:tt] [sort_key $tok:tt $($v:tt)?] $($rest:tt)*) => {
        $crate::__dynamo_field_opts!(@key_flag $f version $vtok);
    };
    (@check $Name:ident $f:ident [$($ty:ty)?] [pk = $pk:tt sk = $sk:tt def = $def:tt ver = $ver:tt ttl = [$ttok:tt]] [partition_key $tok:tt $($v:tt)?] $($rest:tt)*) => {
        $crate::__dynamo_field_opts!(@key_flag $f ttl $ttok);
    };
    (@check $Name:ident $f:ident [$($ty:ty)?] [pk = $pk:tt sk = $sk:tt def = $def:tt ver = $ver:tt ttl = [$ttok:tt]] [sort_key $tok:tt $($v:tt)?] $($rest:tt)*) => {
        $crate::__dynamo_field_opts!(@key_flag $f ttl $ttok);
    };
    // `version` and `ttl` on one field.
    (@check $Name:ident $f:ident [$($ty:ty)?] [pk = $pk:tt sk = $sk:tt def = $def:tt ver = [$vtok:tt] ttl = $ttl:tt] [ttl $tok:tt] $($rest:tt)*) => {
        $crate::__dynamo_field_opts!(@version_and_ttl $f $tok);
    };
    (@check $Name:ident $f:ident [$($ty:ty)?] [pk = $pk:tt sk = $sk:tt def = $def:tt ver = $ver:tt ttl = [$ttok:tt]] [version $tok:tt] $($rest:tt)*) => {
        $crate::__dynamo_field_opts!(@version_and_ttl $f $tok);
    };
    // A known option a second time or with a value it does not take, or an
    // unknown option.
    (@check $Name:ident $f:ident [$($ty:ty)?] $slots:tt [$opt:tt $tok:tt $($v:tt)?] $($rest:tt)*) => {
        $crate::__dynamo_field_opts!(@bad $f $opt $tok [$($v)?]);
    };
    (@bad $f:ident partition_key $tok:tt $v:tt) => { $crate::__dynamo_field_opts!(@twice $f $tok); };
    (@bad $f:ident sort_key $tok:tt $v:tt) => { $crate::__dynamo_field_opts!(@twice $f $tok); };
    (@bad $f:ident default $tok:tt $v:tt) => { $crate::__dynamo_field_opts!(@twice $f $tok); };
    (@bad $f:ident version $tok:tt []) => { $crate::__dynamo_field_opts!(@twice $f $tok); };
    (@bad $f:ident ttl $tok:tt []) => { $crate::__dynamo_field_opts!(@twice $f $tok); };
    (@bad $f:ident version $tok:tt [$v:tt]) => { $crate::__dynamo_field_opts!(@no_value $f $tok); };
    (@bad $f:ident ttl $tok:tt [$v:tt]) => { $crate::__dynamo_field_opts!(@no_value $f $tok); };
    (@bad $f:ident $other:tt $tok:tt $v:tt) => {
        $crate::__private::compile_error!($crate::__private::concat!(
            "dynamo_item!: unknown option `", $crate::__private::stringify!($other),
            "` on field `", $crate::__private::stringify!($f),
            "`; field options are `partition_key`, `sort_key`, `version`, `ttl` and `default: <value>`"
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
    (@no_value $f:ident $tok:tt) => {
        $crate::__private::compile_error!($crate::__private::concat!(
            "dynamo_item!: `", $crate::__private::stringify!($tok), "` on field `",
            $crate::__private::stringify!($f), "` takes no value; write `field :",
            $crate::__private::stringify!($f), ": u64, ", $crate::__private::stringify!($tok), ";`"
        ));
        $crate::__dynamo_blame!($tok);
    };
    (@key_flag $f:ident $flag:ident $tok:tt) => {
        $crate::__private::compile_error!($crate::__private::concat!(
            "dynamo_item!: field `", $crate::__private::stringify!($f), "` is part of a key and cannot be the `",
            $crate::__private::stringify!($flag), "` field (a key never changes); use a field of its own, e.g. `field :",
            $crate::__private::stringify!($flag), ": ", $crate::__dynamo_field_opts!(@flag_type $flag), ", ",
            $crate::__private::stringify!($flag), ";`"
        ));
        $crate::__dynamo_blame!($tok);
    };
    (@flag_type version) => { "u64" };
    (@flag_type ttl) => { "i64" };
    (@version_and_ttl $f:ident $tok:tt) => {
        $crate::__private::compile_error!($crate::__private::concat!(
            "dynamo_item!: field `", $crate::__private::stringify!($f),
            "` cannot be both `version` and `ttl`; give each its own field"
        ));
        $crate::__dynamo_blame!($tok);
    };

    // ===== The options as bits (`FieldDef::__flags`) ========================
    // One call per option, no recursion.
    (@bit partition_key) => { $crate::__private::FLAG_PARTITION_KEY };
    (@bit sort_key) => { $crate::__private::FLAG_SORT_KEY };
    (@bit default) => { $crate::__private::FLAG_DEFAULT };
    (@bit version) => { $crate::__private::FLAG_VERSION };
    (@bit ttl) => { $crate::__private::FLAG_TTL };
    (@bit $other:tt) => { 0 };

    // At most one field carries `version` (or `ttl`).
    (@once $Name:ident $flag:ident $fields:ident) => {
        const _: () = $crate::__private::assert!(
            $crate::__private::count_flagged(&$fields, $crate::__dynamo_field_opts!(@bit $flag)) <= 1,
            $crate::__private::concat!(
                "dynamo_item!: `", $crate::__private::stringify!($Name), "` marks more than one field `",
                $crate::__private::stringify!($flag), "`; a schema has at most one, so keep one"
            )
        );
    };

    // ===== Defaults ==========================================================
    // A missing field's value when an item is read: its `default:`, made
    // by a function of a trait implemented for the schema (so `Self` is the
    // schema) and declared before the fields read so far, which are locals
    // named like them and would shadow what it names; else the type's
    // default.
    (@default_decl $f:ident $ty:ty; []) => {};
    (@default_decl $f:ident $ty:ty; [[default $v:tt] $($rest:tt)*]) => {
        fn $f() -> $ty;
    };
    (@default_decl $f:ident $ty:ty; [[$o:tt $($v:tt)?] $($rest:tt)*]) => {
        $crate::__dynamo_field_opts!(@default_decl $f $ty; [$($rest)*]);
    };
    (@default_fn $f:ident $ty:ty; []) => {};
    (@default_fn $f:ident $ty:ty; [[default $v:tt] $($rest:tt)*]) => {
        fn $f() -> $ty {
            $crate::__private::Into::into($v)
        }
    };
    (@default_fn $f:ident $ty:ty; [[$o:tt $($v:tt)?] $($rest:tt)*]) => {
        $crate::__dynamo_field_opts!(@default_fn $f $ty; [$($rest)*]);
    };
    (@read_default $d:ident $f:ident; []) => { $crate::__private::Default::default() };
    (@read_default $d:ident $f:ident; [[default $v:tt] $($rest:tt)*]) => { <Self as $d>::$f() };
    (@read_default $d:ident $f:ident; [[$o:tt $($v:tt)?] $($rest:tt)*]) => {
        $crate::__dynamo_field_opts!(@read_default $d $f; [$($rest)*])
    };
    (@default []) => { $crate::__private::Default::default() };
    (@default [[default $v:tt] $($rest:tt)*]) => { $crate::__private::Into::into($v) };
    (@default [[$o:tt $($v:tt)?] $($rest:tt)*]) => { $crate::__dynamo_field_opts!(@default [$($rest)*]) };
}
