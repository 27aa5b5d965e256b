//! `collection!`: an enum of schemas read together ([`mod@crate::collection`]).

/// Declares a typed collection: an enum with one variant per schema that
/// shares a partition, read with one query by
/// [`CollectionExt`](crate::collection::CollectionExt). See
/// [`mod@crate::collection`].
///
/// ```
/// use dynamo::prelude::*;
///
/// dynamo_item! {
///     pub struct Team {
///         table_name "org";
///         field :team_id: String, partition_key;
///         field :sk: String, sort_key, default: "TEAM";
///     }
/// }
/// dynamo_item! {
///     pub struct Member {
///         table_name "org";
///         field :team_id: String;
///         field :user: String, sort_key;
///         belongs_to :team, Team;
///     }
/// }
/// dynamo::collection! {
///     pub enum TeamItems {
///         Team(Team),
///         Member(Member),
///     }
/// }
/// use dynamo::collection::Collection;
/// assert_eq!(TeamItems::MEMBERS[1].name, "Member");
/// ```
#[macro_export]
macro_rules! collection {
    (
        $(#[$meta:meta])*
        $vis:vis enum $Name:ident {
            $( $(#[$vmeta:meta])* $Variant:ident ( $T:ty ) ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        $vis enum $Name {
            $( $(#[$vmeta])* $Variant($T), )+
        }

        impl $crate::collection::Collection for $Name {
            const MEMBERS: &'static [&'static $crate::SchemaDef] =
                &[ $( <$T as $crate::Schema>::SCHEMA ),+ ];

            fn __decode(
                member: usize,
                item: $crate::collection::RawItem,
            ) -> $crate::Result<Self> {
                let mut at = 0usize;
                $(
                    if member == at {
                        return $crate::collection::decode_member::<$T>(item).map($Name::$Variant);
                    }
                    at += 1;
                )+
                let _ = at;
                $crate::__private::Err($crate::collection::no_member(
                    $crate::__private::stringify!($Name),
                    member,
                ))
            }
        }
    };
}
