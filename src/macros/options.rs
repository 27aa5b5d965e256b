//! `__dynamo_use!`: the `use Dynamo.Schema, option: value, …;` line, as
//! `SchemaOptions` data. Options arrive as `[name name-again value]`; state
//! is kept in the slots `[ks psk pkn skn ins upd]`.

#[doc(hidden)]
#[macro_export]
macro_rules! __dynamo_use {
    (@options [ks = [$($ks:tt)?] psk = [$($psk:tt)?] pkn = [$($pkn:tt)?] skn = [$($skn:tt)?] ins = [$($ins:tt)?] upd = [$($upd:tt)?]]) => {
        $crate::SchemaOptions {
            key_separator: $crate::__dynamo_use!(@some $($ks)?),
            prefix_sort_key: $crate::__dynamo_use!(@some $($psk)?),
            partition_key_name: $crate::__dynamo_use!(@some $($pkn)?),
            sort_key_name: $crate::__dynamo_use!(@some $($skn)?),
            inserted_at: $crate::__dynamo_use!(@some $($ins)?),
            updated_at: $crate::__dynamo_use!(@some $($upd)?),
        }
    };
    (@options [ks = [] psk = $psk:tt pkn = $pkn:tt skn = $skn:tt ins = $ins:tt upd = $upd:tt] [key_separator $tok:tt $v:tt] $($rest:tt)*) => {
        $crate::__dynamo_use!(@options [ks = [$v] psk = $psk pkn = $pkn skn = $skn ins = $ins upd = $upd] $($rest)*)
    };
    (@options [ks = $ks:tt psk = [] pkn = $pkn:tt skn = $skn:tt ins = $ins:tt upd = $upd:tt] [prefix_sort_key $tok:tt $v:tt] $($rest:tt)*) => {
        $crate::__dynamo_use!(@options [ks = $ks psk = [$v] pkn = $pkn skn = $skn ins = $ins upd = $upd] $($rest)*)
    };
    (@options [ks = $ks:tt psk = $psk:tt pkn = [] skn = $skn:tt ins = $ins:tt upd = $upd:tt] [partition_key_name $tok:tt $v:tt] $($rest:tt)*) => {
        $crate::__dynamo_use!(@options [ks = $ks psk = $psk pkn = [$v] skn = $skn ins = $ins upd = $upd] $($rest)*)
    };
    (@options [ks = $ks:tt psk = $psk:tt pkn = $pkn:tt skn = [] ins = $ins:tt upd = $upd:tt] [sort_key_name $tok:tt $v:tt] $($rest:tt)*) => {
        $crate::__dynamo_use!(@options [ks = $ks psk = $psk pkn = $pkn skn = [$v] ins = $ins upd = $upd] $($rest)*)
    };
    (@options [ks = $ks:tt psk = $psk:tt pkn = $pkn:tt skn = $skn:tt ins = [] upd = $upd:tt] [inserted_at $tok:tt $v:tt] $($rest:tt)*) => {
        $crate::__dynamo_use!(@options [ks = $ks psk = $psk pkn = $pkn skn = $skn ins = [$v] upd = $upd] $($rest)*)
    };
    (@options [ks = $ks:tt psk = $psk:tt pkn = $pkn:tt skn = $skn:tt ins = $ins:tt upd = []] [updated_at $tok:tt $v:tt] $($rest:tt)*) => {
        $crate::__dynamo_use!(@options [ks = $ks psk = $psk pkn = $pkn skn = $skn ins = $ins upd = [$v]] $($rest)*)
    };
    // A known option a second time, or an unknown option.
    (@options $slots:tt [$opt:tt $tok:tt $v:tt] $($rest:tt)*) => {
        $crate::__dynamo_use!(@bad $opt $tok)
    };
    (@bad key_separator $tok:tt) => { $crate::__dynamo_use!(@twice $tok) };
    (@bad prefix_sort_key $tok:tt) => { $crate::__dynamo_use!(@twice $tok) };
    (@bad partition_key_name $tok:tt) => { $crate::__dynamo_use!(@twice $tok) };
    (@bad sort_key_name $tok:tt) => { $crate::__dynamo_use!(@twice $tok) };
    (@bad inserted_at $tok:tt) => { $crate::__dynamo_use!(@twice $tok) };
    (@bad updated_at $tok:tt) => { $crate::__dynamo_use!(@twice $tok) };
    (@bad $other:tt $tok:tt) => {{
        $crate::__private::compile_error!($crate::__private::concat!(
            "dynamo_item!: unknown schema option `", $crate::__private::stringify!($other),
            "`; the `use Dynamo.Schema, ...;` options are `key_separator: \"#\"`, ",
            "`prefix_sort_key: true`, `partition_key_name: \"pk\"`, `sort_key_name: \"sk\"`, ",
            "`inserted_at: \"created\"` and `updated_at: \"modified\"`"
        ));
        $crate::__dynamo_blame!($tok);
        $crate::SchemaOptions::EMPTY
    }};
    (@twice $tok:tt) => {{
        $crate::__private::compile_error!($crate::__private::concat!(
            "dynamo_item!: schema option `", $crate::__private::stringify!($tok),
            "` is given twice in the `use Dynamo.Schema, ...;` line; keep one"
        ));
        $crate::__dynamo_blame!($tok);
        $crate::SchemaOptions::EMPTY
    }};
    (@some) => { $crate::__private::None };
    (@some $v:tt) => { $crate::__private::Some($v) };
}
