//! `__dynamo_use!`: the `use Dynamo.Schema, option: value, …;` line, as
//! `SchemaOptions` data. Options arrive as `[name name-again value]`; state
//! is kept in the slots `[ks psk pkn skn ins upd asp tya tyn]`.

#[doc(hidden)]
#[macro_export]
macro_rules! __dynamo_use {
    (@options [ks = [$($ks:tt)?] psk = [$($psk:tt)?] pkn = [$($pkn:tt)?] skn = [$($skn:tt)?] ins = [$($ins:tt)?] upd = [$($upd:tt)?] asp = [$($asp:tt)?] tya = [$($tya:tt)?] tyn = [$($tyn:tt)?]]) => {
        $crate::SchemaOptions {
            key_separator: $crate::__dynamo_use!(@some $($ks)?),
            prefix_sort_key: $crate::__dynamo_use!(@some $($psk)?),
            partition_key_name: $crate::__dynamo_use!(@some $($pkn)?),
            sort_key_name: $crate::__dynamo_use!(@some $($skn)?),
            inserted_at: $crate::__dynamo_use!(@some $($ins)?),
            updated_at: $crate::__dynamo_use!(@some $($upd)?),
            allow_separator_in_keys: $crate::__dynamo_use!(@some $($asp)?),
            type_attribute: $crate::__dynamo_use!(@some $($tya)?),
            type_name: $crate::__dynamo_use!(@some $($tyn)?),
        }
    };
    (@options [ks = [] psk = $psk:tt pkn = $pkn:tt skn = $skn:tt ins = $ins:tt upd = $upd:tt asp = $asp:tt tya = $tya:tt tyn = $tyn:tt] [key_separator $tok:tt $v:tt] $($rest:tt)*) => {
        $crate::__dynamo_use!(@options [ks = [$v] psk = $psk pkn = $pkn skn = $skn ins = $ins upd = $upd asp = $asp tya = $tya tyn = $tyn] $($rest)*)
    };
    (@options [ks = $ks:tt psk = [] pkn = $pkn:tt skn = $skn:tt ins = $ins:tt upd = $upd:tt asp = $asp:tt tya = $tya:tt tyn = $tyn:tt] [prefix_sort_key $tok:tt $v:tt] $($rest:tt)*) => {
        $crate::__dynamo_use!(@options [ks = $ks psk = [$v] pkn = $pkn skn = $skn ins = $ins upd = $upd asp = $asp tya = $tya tyn = $tyn] $($rest)*)
    };
    (@options [ks = $ks:tt psk = $psk:tt pkn = [] skn = $skn:tt ins = $ins:tt upd = $upd:tt asp = $asp:tt tya = $tya:tt tyn = $tyn:tt] [partition_key_name $tok:tt $v:tt] $($rest:tt)*) => {
        $crate::__dynamo_use!(@options [ks = $ks psk = $psk pkn = [$v] skn = $skn ins = $ins upd = $upd asp = $asp tya = $tya tyn = $tyn] $($rest)*)
    };
    (@options [ks = $ks:tt psk = $psk:tt pkn = $pkn:tt skn = [] ins = $ins:tt upd = $upd:tt asp = $asp:tt tya = $tya:tt tyn = $tyn:tt] [sort_key_name $tok:tt $v:tt] $($rest:tt)*) => {
        $crate::__dynamo_use!(@options [ks = $ks psk = $psk pkn = $pkn skn = [$v] ins = $ins upd = $upd asp = $asp tya = $tya tyn = $tyn] $($rest)*)
    };
    (@options [ks = $ks:tt psk = $psk:tt pkn = $pkn:tt skn = $skn:tt ins = [] upd = $upd:tt asp = $asp:tt tya = $tya:tt tyn = $tyn:tt] [inserted_at $tok:tt $v:tt] $($rest:tt)*) => {
        $crate::__dynamo_use!(@options [ks = $ks psk = $psk pkn = $pkn skn = $skn ins = [$v] upd = $upd asp = $asp tya = $tya tyn = $tyn] $($rest)*)
    };
    (@options [ks = $ks:tt psk = $psk:tt pkn = $pkn:tt skn = $skn:tt ins = $ins:tt upd = [] asp = $asp:tt tya = $tya:tt tyn = $tyn:tt] [updated_at $tok:tt $v:tt] $($rest:tt)*) => {
        $crate::__dynamo_use!(@options [ks = $ks psk = $psk pkn = $pkn skn = $skn ins = $ins upd = [$v] asp = $asp tya = $tya tyn = $tyn] $($rest)*)
    };
    (@options [ks = $ks:tt psk = $psk:tt pkn = $pkn:tt skn = $skn:tt ins = $ins:tt upd = $upd:tt asp = [] tya = $tya:tt tyn = $tyn:tt] [allow_separator_in_keys $tok:tt $v:tt] $($rest:tt)*) => {
        $crate::__dynamo_use!(@options [ks = $ks psk = $psk pkn = $pkn skn = $skn ins = $ins upd = $upd asp = [$v] tya = $tya tyn = $tyn] $($rest)*)
    };
    (@options [ks = $ks:tt psk = $psk:tt pkn = $pkn:tt skn = $skn:tt ins = $ins:tt upd = $upd:tt asp = $asp:tt tya = [] tyn = $tyn:tt] [type_attribute $tok:tt $v:tt] $($rest:tt)*) => {
        $crate::__dynamo_use!(@options [ks = $ks psk = $psk pkn = $pkn skn = $skn ins = $ins upd = $upd asp = $asp tya = [$v] tyn = $tyn] $($rest)*)
    };
    (@options [ks = $ks:tt psk = $psk:tt pkn = $pkn:tt skn = $skn:tt ins = $ins:tt upd = $upd:tt asp = $asp:tt tya = $tya:tt tyn = []] [type_name $tok:tt $v:tt] $($rest:tt)*) => {
        $crate::__dynamo_use!(@options [ks = $ks psk = $psk pkn = $pkn skn = $skn ins = $ins upd = $upd asp = $asp tya = $tya tyn = [$v]] $($rest)*)
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
    (@bad allow_separator_in_keys $tok:tt) => { $crate::__dynamo_use!(@twice $tok) };
    (@bad type_attribute $tok:tt) => { $crate::__dynamo_use!(@twice $tok) };
    (@bad type_name $tok:tt) => { $crate::__dynamo_use!(@twice $tok) };
    (@bad $other:tt $tok:tt) => {{
        $crate::__private::compile_error!($crate::__private::concat!(
            "dynamo_item!: unknown schema option `", $crate::__private::stringify!($other),
            "`; the `use Dynamo.Schema, ...;` options are `key_separator: \"#\"`, ",
            "`prefix_sort_key: true`, `partition_key_name: \"pk\"`, `sort_key_name: \"sk\"`, ",
            "`inserted_at: \"created\"`, `updated_at: \"modified\"`, `allow_separator_in_keys: true`, ",
            "`type_attribute: \"_type\"` and `type_name: \"Order\"`"
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
