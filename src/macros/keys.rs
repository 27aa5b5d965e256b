//! `__dynamo_keys!`: the primary key's field lists — from a `partition_key
//! [...]` / `sort_key [...]` list or from the fields' flags — as names
//! (data) and as values (the `__partition_parts` / `__sort_parts` bodies).
//!
//! Fields come as `name [[option] [option] …]`, the options of each field's
//! line; nothing here recurses over the fields, only over one line's options.

#[doc(hidden)]
#[macro_export]
macro_rules! __dynamo_keys {
    // ===== Key field names as data ===========================================
    // A list wins (a flag next to it is an error reported by
    // `@no_flags_with_list`).
    (@names $flag:ident [$($list:tt)+] $fields:ident) => {
        &[$( $crate::__private::stringify!($list) ),+]
    };
    // Otherwise the flagged fields, in declared order, selected at compile
    // time from the fields' data.
    (@names $flag:ident [] $fields:ident) => {{
        const SEL: &([&str; $fields.len()], usize) =
            &$crate::__private::select_flagged(&$fields, $crate::__dynamo_keys!(@bit $flag));
        SEL.0.split_at(SEL.1).0
    }};
    (@bit partition_key) => { $crate::__private::FLAG_PARTITION_KEY };
    (@bit sort_key) => { $crate::__private::FLAG_SORT_KEY };

    // ===== Key field values ==================================================
    // `$s` is `self`, `$cb` the callback that receives the parts.
    (@parts $flag:ident $s:tt $cb:ident [$($list:tt)+] $fields:ident $($f:ident [$($opts:tt)*])+) => {
        $cb(&[$(
            $crate::key::KeyField::new($crate::__private::stringify!($list), __dynamo_field!(access $list, $s))
        ),+])
    };
    (@parts $flag:ident $s:tt $cb:ident [] $fields:ident $($f:ident [$($opts:tt)*])+) => {{
        const N: usize = $crate::__private::count_flagged(&$fields, $crate::__dynamo_keys!(@bit $flag));
        #[allow(unused_mut)]
        let mut parts = [$crate::key::KeyField::new("", $crate::key::KeyPart::Unset); N];
        #[allow(unused_mut)]
        let mut i = 0usize;
        $( $crate::__dynamo_keys!(@push $flag parts i $s $f $($opts)*); )+
        let _ = i;
        $cb(&parts)
    }};
    (@push partition_key $parts:ident $i:ident $s:tt $f:ident [partition_key] $($rest:tt)*) => {
        $parts[$i] = $crate::key::KeyField::new($crate::__private::stringify!($f), $crate::Encode::key_part(&$s.$f));
        $i += 1;
    };
    (@push sort_key $parts:ident $i:ident $s:tt $f:ident [sort_key] $($rest:tt)*) => {
        $parts[$i] = $crate::key::KeyField::new($crate::__private::stringify!($f), $crate::Encode::key_part(&$s.$f));
        $i += 1;
    };
    (@push $flag:ident $parts:ident $i:ident $s:tt $f:ident [$o:tt] $($rest:tt)*) => {
        $crate::__dynamo_keys!(@push $flag $parts $i $s $f $($rest)*);
    };
    (@push $flag:ident $parts:ident $i:ident $s:tt $f:ident) => {};

    // ===== A key declared twice ==============================================
    // Options come as `[name name-again]`.
    // No list: nothing to compare.
    (@no_flags_with_list $flag:ident [] $($f:ident [$($opts:tt)*])+) => {};
    // A list: no field may carry the same flag.
    (@no_flags_with_list $flag:ident [$($list:tt)+] $($f:ident [$($opts:tt)*])+) => {
        $( $crate::__dynamo_keys!(@forbid_flag $flag $f $($opts)*); )+
    };
    (@forbid_flag partition_key $f:ident [partition_key $tok:tt] $($rest:tt)*) => {
        $crate::__dynamo_keys!(@declared_twice partition_key $f $tok);
    };
    (@forbid_flag sort_key $f:ident [sort_key $tok:tt] $($rest:tt)*) => {
        $crate::__dynamo_keys!(@declared_twice sort_key $f $tok);
    };
    (@forbid_flag $flag:ident $f:ident [$o:tt $tok:tt] $($rest:tt)*) => {
        $crate::__dynamo_keys!(@forbid_flag $flag $f $($rest)*);
    };
    (@forbid_flag $flag:ident $f:ident) => {};
    (@declared_twice $flag:ident $f:ident $tok:tt) => {
        $crate::__private::compile_error!($crate::__private::concat!(
            "dynamo_item!: the ", $crate::__dynamo_keys!(@key_words $flag), " is declared twice: field `",
            $crate::__private::stringify!($f), "` is marked `", $crate::__private::stringify!($flag),
            "` and there is a `", $crate::__private::stringify!($flag), " [...]` list; ",
            "keep the list (and remove the flag) or the flags (and remove the list)"
        ));
        $crate::__dynamo_blame!($tok);
    };
    (@key_words partition_key) => { "partition key" };
    (@key_words sort_key) => { "sort key" };
}
