//! `__dynamo_relation!`: `belongs_to` lines, as `RelationDef` data, with
//! their checks. Options arrive as `[name name-again value]`; state is kept
//! in the slots `[fk = [] sks = []]`.

#[doc(hidden)]
#[macro_export]
macro_rules! __dynamo_relation {
    (@def $rel:tt [$Parent:path] [fk = [$($fk:tt)?] sks = [$($sks:ident)?]]) => {{
        $(
            __dynamo_field!(check ["belongs_to :", $crate::__private::stringify!($rel), ", foreign_key"] $fk);
            // The parent's key is built from it: a type that can be a key part.
            __dynamo_field!(key_type $fk);
        )?
        $crate::RelationDef {
            name: $crate::__private::stringify!($rel),
            parent: <$Parent as $crate::Schema>::SCHEMA,
            foreign_key: $crate::__dynamo_relation!(@some_str $($fk)?),
            sk_strategy: $crate::__dynamo_relation!(@sk_strategy $($sks)?),
        }
    }};
    (@def $rel:tt [$Parent:path] [fk = [] sks = $sks:tt] [foreign_key $tok:tt $f:tt] $($rest:tt)*) => {
        $crate::__dynamo_relation!(@def $rel [$Parent] [fk = [$f] sks = $sks] $($rest)*)
    };
    (@def $rel:tt [$Parent:path] [fk = $fk:tt sks = []] [sk_strategy $tok:tt $s:tt] $($rest:tt)*) => {
        $crate::__dynamo_relation!(@strategy $rel [$Parent] [fk = $fk] $s $s $($rest)*)
    };
    // A known option a second time, or an unknown option.
    (@def $rel:tt [$Parent:path] $slots:tt [$opt:tt $tok:tt $v:tt] $($rest:tt)*) => {
        $crate::__dynamo_relation!(@bad $rel [$Parent] $opt $tok)
    };
    (@strategy $rel:tt [$Parent:path] [fk = $fk:tt] prefix $tok:tt $($rest:tt)*) => {
        $crate::__dynamo_relation!(@def $rel [$Parent] [fk = $fk sks = [Prefix]] $($rest)*)
    };
    (@strategy $rel:tt [$Parent:path] [fk = $fk:tt] use_defined $tok:tt $($rest:tt)*) => {
        $crate::__dynamo_relation!(@def $rel [$Parent] [fk = $fk sks = [UseDefined]] $($rest)*)
    };
    (@strategy $rel:tt [$Parent:path] $slots:tt $other:tt $tok:tt $($rest:tt)*) => {
        $crate::__dynamo_relation!(@error $rel [$Parent] $tok $crate::__private::concat!(
            "unknown sk_strategy `:", $crate::__private::stringify!($other),
            "`; use `sk_strategy: :prefix` or `sk_strategy: :use_defined`"
        ))
    };
    (@bad $rel:tt [$Parent:path] foreign_key $tok:tt) => {
        $crate::__dynamo_relation!(@error $rel [$Parent] $tok "`foreign_key` is given twice; keep one")
    };
    (@bad $rel:tt [$Parent:path] sk_strategy $tok:tt) => {
        $crate::__dynamo_relation!(@error $rel [$Parent] $tok "`sk_strategy` is given twice; keep one")
    };
    (@bad $rel:tt [$Parent:path] $other:tt $tok:tt) => {
        $crate::__dynamo_relation!(@error $rel [$Parent] $tok $crate::__private::concat!(
            "unknown option `", $crate::__private::stringify!($other),
            "`; belongs_to options are `foreign_key: :field` and `sk_strategy: :prefix | :use_defined`"
        ))
    };
    (@error $rel:tt [$Parent:path] $tok:tt $why:expr) => {{
        $crate::__private::compile_error!($crate::__private::concat!(
            "dynamo_item!: belongs_to :", $crate::__private::stringify!($rel), ": ", $why
        ));
        $crate::__dynamo_blame!($tok);
        $crate::__dynamo_relation!(@def $rel [$Parent] [fk = [] sks = []])
    }};
    (@sk_strategy) => { $crate::SkStrategy::Prefix };
    (@sk_strategy $s:ident) => { $crate::SkStrategy::$s };
    (@some_str) => { $crate::__private::None };
    (@some_str $f:tt) => { $crate::__private::Some($crate::__private::stringify!($f)) };

    // The child has fields for the parent's partition key.
    (@check_declared $Name:ident $rel:tt [$Parent:path] $($opts:tt)*) => {
        // A parent is a top-level schema: a child's partition is its
        // parent's, and a child of a child has none of its own to share.
        const _: () = $crate::__private::assert!(
            <$Parent as $crate::Schema>::SCHEMA.belongs_to.is_empty(),
            $crate::__private::concat!(
                "dynamo_item!: belongs_to :", $crate::__private::stringify!($rel), ", ",
                $crate::__private::stringify!($Parent), ": `", $crate::__private::stringify!($Parent),
                "` is itself a belongs_to child, and a parent must be a schema with a partition key ",
                "of its own; to share that partition, belong to the top parent (the one `",
                $crate::__private::stringify!($Parent), "` belongs to)"
            )
        );
        const _: () = $crate::__private::assert!(
            !<$Parent as $crate::Schema>::SCHEMA.belongs_to.is_empty()
                || $crate::__private::relation_fields_declared(
                <$Name as $crate::Schema>::SCHEMA.fields,
                <$Parent as $crate::Schema>::SCHEMA.partition_key,
                $crate::__dynamo_relation!(@fk $($opts)*),
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
    };
    (@fk) => { $crate::__private::None };
    (@fk [foreign_key $tok:tt $f:tt] $($rest:tt)*) => { $crate::__private::Some($crate::__private::stringify!($f)) };
    (@fk [$o:tt $tok:tt $v:tt] $($rest:tt)*) => { $crate::__dynamo_relation!(@fk $($rest)*) };
}
