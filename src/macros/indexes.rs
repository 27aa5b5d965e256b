//! `__dynamo_index!`: `global_secondary_index` and `local_secondary_index`
//! lines, as `IndexDef` / `LocalIndexDef` data, with their checks.
//!
//! Options arrive as `[name name-again : value]` or `[name name-again [: a,
//! : b]]`; state is kept in the slots `[pk = [] sk = [] proj = [] attrs =
//! []]`, each key slot holding the option's token (to blame) and its fields.
//! `$kind` is `gsi` or `lsi`.

#[doc(hidden)]
#[macro_export]
macro_rules! __dynamo_index {
    // ===== Options ===========================================================
    (@opts $kind:ident $name:tt $slots:tt) => {
        $crate::__dynamo_index!(@emit $kind $name $slots)
    };
    // A local index's key: the table's partition key, and one sort field.
    (@opts lsi $name:tt $slots:tt [partition_key $tok:tt $($v:tt)*] $($rest:tt)*) => {
        $crate::__dynamo_index!(@error lsi $name $tok
            "a local secondary index uses the table's partition key; remove `partition_key` and keep `sort_key: :field`")
    };
    (@opts lsi $name:tt $slots:tt [sort_key $tok:tt [$($l:tt)*]] $($rest:tt)*) => {
        $crate::__dynamo_index!(@error lsi $name $tok
            "a local secondary index's sort key is one field (multi-attribute keys are for global indexes); write `sort_key: :field`")
    };
    (@opts $kind:ident $name:tt [pk = [] sk = $sk:tt proj = $proj:tt attrs = $attrs:tt] [partition_key $tok:tt : $f:tt] $($rest:tt)*) => {
        $crate::__dynamo_index!(@opts $kind $name [pk = [$tok $f] sk = $sk proj = $proj attrs = $attrs] $($rest)*)
    };
    (@opts $kind:ident $name:tt [pk = [] sk = $sk:tt proj = $proj:tt attrs = $attrs:tt] [partition_key $tok:tt [$( : $f:tt ),*]] $($rest:tt)*) => {{
        $crate::__dynamo_index!(@list $kind $name partition_key $tok [$($f)*]);
        $crate::__dynamo_index!(@opts $kind $name [pk = [$tok $($f)*] sk = $sk proj = $proj attrs = $attrs] $($rest)*)
    }};
    (@opts $kind:ident $name:tt [pk = $pk:tt sk = [] proj = $proj:tt attrs = $attrs:tt] [sort_key $tok:tt : $f:tt] $($rest:tt)*) => {
        $crate::__dynamo_index!(@opts $kind $name [pk = $pk sk = [$tok $f] proj = $proj attrs = $attrs] $($rest)*)
    };
    (@opts $kind:ident $name:tt [pk = $pk:tt sk = [] proj = $proj:tt attrs = $attrs:tt] [sort_key $tok:tt [$( : $f:tt ),*]] $($rest:tt)*) => {{
        $crate::__dynamo_index!(@list $kind $name sort_key $tok [$($f)*]);
        $crate::__dynamo_index!(@opts $kind $name [pk = $pk sk = [$tok $($f)*] proj = $proj attrs = $attrs] $($rest)*)
    }};
    (@opts $kind:ident $name:tt [pk = $pk:tt sk = $sk:tt proj = [] attrs = $attrs:tt] [projection $tok:tt : $p:tt] $($rest:tt)*) => {
        $crate::__dynamo_index!(@projection $kind $name [pk = $pk sk = $sk attrs = $attrs] $p $p $($rest)*)
    };
    (@opts $kind:ident $name:tt [pk = $pk:tt sk = $sk:tt proj = $proj:tt attrs = []] [projected_attributes $tok:tt [$($a:tt)*]] $($rest:tt)*) => {
        $crate::__dynamo_index!(@opts $kind $name [pk = $pk sk = $sk proj = $proj attrs = [$tok $($a)*]] $($rest)*)
    };
    // A known option a second time or without its value, or an unknown option.
    (@opts $kind:ident $name:tt $slots:tt [$opt:tt $tok:tt $($v:tt)*] $($rest:tt)*) => {
        $crate::__dynamo_index!(@bad $kind $name $opt $tok)
    };

    (@projection $kind:ident $name:tt [pk = $pk:tt sk = $sk:tt attrs = $attrs:tt] all $tok:tt $($rest:tt)*) => {
        $crate::__dynamo_index!(@opts $kind $name [pk = $pk sk = $sk proj = [All] attrs = $attrs] $($rest)*)
    };
    (@projection $kind:ident $name:tt [pk = $pk:tt sk = $sk:tt attrs = $attrs:tt] keys_only $tok:tt $($rest:tt)*) => {
        $crate::__dynamo_index!(@opts $kind $name [pk = $pk sk = $sk proj = [KeysOnly] attrs = $attrs] $($rest)*)
    };
    (@projection $kind:ident $name:tt [pk = $pk:tt sk = $sk:tt attrs = $attrs:tt] include $tok:tt $($rest:tt)*) => {
        $crate::__dynamo_index!(@opts $kind $name [pk = $pk sk = $sk proj = [Include] attrs = $attrs] $($rest)*)
    };
    (@projection $kind:ident $name:tt $slots:tt $other:tt $tok:tt $($rest:tt)*) => {
        $crate::__dynamo_index!(@error $kind $name $tok $crate::__private::concat!(
            "unknown projection `:", $crate::__private::stringify!($other),
            "`; use `projection: :all`, `projection: :keys_only` or `projection: :include`"
        ))
    };

    // A key list: one to four fields.
    (@list $kind:ident $name:tt $side:ident $tok:tt []) => {
        $crate::__dynamo_index!(@error_item $kind $name $tok $crate::__private::concat!(
            "`", $crate::__private::stringify!($side), ": []` names no field; write `",
            $crate::__private::stringify!($side), ": :field` or a list of up to 4 fields"
        ));
    };
    (@list $kind:ident $name:tt $side:ident $tok:tt [$a:tt $b:tt $c:tt $d:tt $e:tt $($more:tt)*]) => {
        $crate::__dynamo_index!(@error_item $kind $name $e $crate::__private::concat!(
            "a multi-attribute `", $crate::__private::stringify!($side),
            "` has at most 4 fields (DynamoDB's limit); this is the fifth"
        ));
    };
    (@list $kind:ident $name:tt $side:ident $tok:tt [$($f:tt)+]) => {};

    (@bad $kind:ident $name:tt partition_key $tok:tt) => {
        $crate::__dynamo_index!(@error $kind $name $tok "`partition_key` is given twice, or without a value; write `partition_key: :field` (or a list, `[:a, :b]`) once")
    };
    (@bad $kind:ident $name:tt sort_key $tok:tt) => {
        $crate::__dynamo_index!(@error $kind $name $tok "`sort_key` is given twice, or without a value; write `sort_key: :field` once")
    };
    (@bad $kind:ident $name:tt projection $tok:tt) => {
        $crate::__dynamo_index!(@error $kind $name $tok "`projection` is given twice, or without a value; write `projection: :all`, `:keys_only` or `:include` once")
    };
    (@bad $kind:ident $name:tt projected_attributes $tok:tt) => {
        $crate::__dynamo_index!(@error $kind $name $tok "`projected_attributes` is given twice, or is not a list; write `projected_attributes: [:field, ...]` once")
    };
    (@bad gsi $name:tt $other:tt $tok:tt) => {
        $crate::__dynamo_index!(@error gsi $name $tok $crate::__private::concat!(
            "unknown option `", $crate::__private::stringify!($other),
            "`; index options are `partition_key: :field`, `sort_key: :field` (either may be a list of up to 4), ",
            "`projection: :all | :keys_only | :include` and `projected_attributes: [:field, ...]`"
        ))
    };
    (@bad lsi $name:tt $other:tt $tok:tt) => {
        $crate::__dynamo_index!(@error lsi $name $tok $crate::__private::concat!(
            "unknown option `", $crate::__private::stringify!($other),
            "`; local index options are `sort_key: :field`, ",
            "`projection: :all | :keys_only | :include` and `projected_attributes: [:field, ...]`"
        ))
    };

    // ===== Errors ============================================================
    // In expression position: the error, then a placeholder so no other
    // error follows.
    (@error $kind:ident $name:tt $tok:tt $why:expr) => {{
        $crate::__dynamo_index!(@error_item $kind $name $tok $why);
        $crate::__dynamo_index!(@placeholder $kind $name)
    }};
    (@error_item $kind:ident $name:tt $tok:tt $why:expr) => {
        $crate::__private::compile_error!($crate::__private::concat!(
            "dynamo_item!: ", $crate::__dynamo_index!(@line $kind), " ",
            $crate::__private::stringify!($name), ": ", $why
        ));
        $crate::__dynamo_blame!($tok);
    };
    (@line gsi) => { "global_secondary_index" };
    (@line lsi) => { "local_secondary_index" };
    (@placeholder gsi $name:tt) => {
        $crate::IndexDef {
            name: "",
            partition_key: &[],
            sort_key: &[],
            projection: $crate::Projection::All,
            projected_attributes: &[],
        }
    };
    (@placeholder lsi $name:tt) => {
        $crate::LocalIndexDef {
            name: "",
            sort_key: "",
            projection: $crate::Projection::All,
            projected_attributes: &[],
        }
    };

    // ===== Emitting the definition ==========================================
    (@emit gsi $name:tt [pk = [] sk = $sk:tt proj = $proj:tt attrs = $attrs:tt]) => {
        $crate::__dynamo_index!(@error gsi $name $name $crate::__private::concat!(
            "needs a partition key; add `partition_key: :field`, e.g. `global_secondary_index ",
            $crate::__private::stringify!($name), ", partition_key: :email;`"
        ))
    };
    (@emit gsi $name:tt [pk = [$ptok:tt $($pk:tt)*] sk = [$($stok:tt $($sk:tt)*)?] proj = [$($proj:ident)?] attrs = [$($kw:tt $( : $a:tt ),* $(,)?)?]]) => {{
        $( __dynamo_field!(check ["global_secondary_index ", $crate::__private::stringify!($name), ", partition_key"] $pk); __dynamo_field!(index_key_type $pk); )*
        $( $( __dynamo_field!(check ["global_secondary_index ", $crate::__private::stringify!($name), ", sort_key"] $sk); __dynamo_field!(index_key_type $sk); )* )?
        $( $( __dynamo_field!(check ["global_secondary_index ", $crate::__private::stringify!($name), ", projected_attributes"] $a); )* )?
        $crate::__dynamo_index!(@attrs_need_include gsi $name [$($proj)?] [$($kw)?]);
        $crate::IndexDef {
            name: $crate::__dynamo_index!(@name gsi $name),
            partition_key: &[$( $crate::__private::stringify!($pk) ),*],
            sort_key: &[$( $( $crate::__private::stringify!($sk) ),* )?],
            projection: $crate::__dynamo_index!(@projection_value $($proj)?),
            projected_attributes: &[$( $( $crate::__private::stringify!($a) ),* )?],
        }
    }};
    (@emit lsi $name:tt [pk = $pk:tt sk = [] proj = $proj:tt attrs = $attrs:tt]) => {
        $crate::__dynamo_index!(@error lsi $name $name $crate::__private::concat!(
            "needs a sort key; add `sort_key: :field`, e.g. `local_secondary_index ",
            $crate::__private::stringify!($name), ", sort_key: :status;`"
        ))
    };
    (@emit lsi $name:tt [pk = [] sk = [$stok:tt $sk:tt] proj = [$($proj:ident)?] attrs = [$($kw:tt $( : $a:tt ),* $(,)?)?]]) => {{
        __dynamo_field!(check ["local_secondary_index ", $crate::__private::stringify!($name), ", sort_key"] $sk);
        __dynamo_field!(index_key_type $sk);
        $( $( __dynamo_field!(check ["local_secondary_index ", $crate::__private::stringify!($name), ", projected_attributes"] $a); )* )?
        $crate::__dynamo_index!(@attrs_need_include lsi $name [$($proj)?] [$($kw)?]);
        $crate::LocalIndexDef {
            name: $crate::__dynamo_index!(@name lsi $name),
            sort_key: $crate::__private::stringify!($sk),
            projection: $crate::__dynamo_index!(@projection_value $($proj)?),
            projected_attributes: &[$( $( $crate::__private::stringify!($a) ),* )?],
        }
    }};

    // The index name must be a string literal.
    (@name $kind:ident $name:literal) => { $name };
    (@name $kind:ident $name:tt) => {{
        $crate::__private::compile_error!($crate::__private::concat!(
            "dynamo_item!: the index name must be a string, e.g. `", $crate::__dynamo_index!(@line $kind), " \"",
            $crate::__private::stringify!($name), "\", ...;`"
        ));
        $crate::__dynamo_blame!($name);
        ""
    }};
    (@attrs_need_include $kind:ident $name:tt [Include] $kw:tt) => {};
    (@attrs_need_include $kind:ident $name:tt [$($proj:ident)?] []) => {};
    (@attrs_need_include $kind:ident $name:tt [$($proj:ident)?] [$kw:tt]) => {
        $crate::__dynamo_index!(@error_item $kind $name $kw
            "`projected_attributes` only apply with `projection: :include`; add `projection: :include` or remove the list");
    };
    (@projection_value) => { $crate::Projection::All };
    (@projection_value $p:ident) => { $crate::Projection::$p };

    // ===== Whole-schema rules ================================================
    // A local index sorts a partition of the table: the table needs a sort key.
    (@lsi_needs_sort_key $Name:ident $name:tt) => {
        const _: () = $crate::__private::assert!(
            <$Name as $crate::Schema>::SCHEMA.has_sort_key(),
            $crate::__private::concat!(
                "dynamo_item!: local_secondary_index ", $crate::__private::stringify!($name), ": `",
                $crate::__private::stringify!($Name), "` has no sort key, and a local secondary index ",
                "only exists on a table with one; declare a sort key (`field :x, sort_key;`) or use ",
                "`global_secondary_index` instead"
            )
        );
    };
}
