//! PutItem, GetItem and DeleteItem plans.

use super::update::WRITE_OPTS;
use super::{
    Ctx, InsertedAt, VersionCheck, condition, condition_with, encode_for_write, only,
    read_projection,
};
use crate::error::Result;
use crate::expression::Placeholders;
use crate::opts::{Opt, Opts};
use crate::request::{DeleteItem, GetItem, PutItem, ReturnValues};
use crate::schema::Schema;

/// The options of a read by key.
pub(crate) const GET_OPTS: &[Opt] = &[
    Opt::ConsistentRead,
    Opt::ProjectionExpression,
    Opt::ExpressionAttributeNames,
    Opt::IncludeExpired,
];

/// Writes `item` (replacing any item with its key). `version`: the check
/// [`prepare_put`](super::prepare_put) made, for a versioned schema.
pub(crate) fn put<T: Schema>(
    ctx: &Ctx,
    item: &T,
    opts: &Opts,
    version: Option<&VersionCheck>,
    inserted_at: Option<&InsertedAt>,
) -> Result<PutItem> {
    only(opts, "put_item", WRITE_OPTS)?;
    let encoded = encode_for_write(ctx, item)?;
    let (condition, exprs) = condition_with(
        opts.condition_expression.as_deref(),
        &opts.expression_attribute_names,
        &opts.expression_attribute_values,
        version,
        |ph| inserted_at.map(|i| i.condition(ctx, ph)),
    )?;
    Ok(PutItem {
        table: ctx.table.clone(),
        item: encoded,
        condition,
        exprs,
        return_values: ReturnValues::None,
        // To tell a version conflict from the user's condition failing, and
        // to read the stored `inserted_at`.
        return_on_condition_failure: (version.is_some() && opts.condition_expression.is_some())
            || inserted_at.is_some(),
    })
}

/// Reads the item with `key`'s primary key.
pub(crate) fn get<T: Schema>(ctx: &Ctx, key: &T, opts: &Opts) -> Result<GetItem> {
    only(opts, "get_item", GET_OPTS)?;
    let key = ctx.key_attrs(key)?;
    let mut ph = Placeholders::with_user(&opts.expression_attribute_names, &Default::default())?;
    let projection = read_projection(ctx, opts, &mut ph)?;
    Ok(GetItem {
        table: ctx.table.clone(),
        key,
        consistent: opts.consistent_read == Some(true),
        projection,
        names: ph.into_exprs().names,
    })
}

/// Deletes the item with `key`'s primary key, returning it as it was.
/// `version`: the key's version, for a versioned schema.
pub(crate) fn delete<T: Schema>(
    ctx: &Ctx,
    key: &T,
    opts: &Opts,
    version: Option<&VersionCheck>,
) -> Result<DeleteItem> {
    only(opts, "delete_item", WRITE_OPTS)?;
    let key = ctx.key_attrs(key)?;
    let (condition, exprs) = condition(
        opts.condition_expression.as_deref(),
        &opts.expression_attribute_names,
        &opts.expression_attribute_values,
        version,
    )?;
    Ok(DeleteItem {
        table: ctx.table.clone(),
        key,
        condition,
        exprs,
        return_values: ReturnValues::AllOld,
        return_on_condition_failure: version.is_some() && opts.condition_expression.is_some(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::wire::WireItem;
    use crate::prelude::*;

    crate::dynamo_item! {
        #[derive(Debug, Clone, PartialEq)]
        pub struct User {
            table_name "users";
            field :id: String, partition_key;
            field :name: Option<String>;
            field :tags: std::collections::BTreeSet<String>;
            field :email: Option<String>;
            global_secondary_index "ByEmail", partition_key: :email;
        }
    }

    fn ctx() -> Ctx {
        Ctx::of::<User>().unwrap()
    }

    /// `dynamo_item!` refuses a version in a key list at compile time
    /// (tests/ui); a schema put together by hand meets the same rule here.
    #[test]
    fn a_version_in_the_key_is_refused_for_any_schema() {
        let mut def = *User::SCHEMA;
        def.version = Some("id");
        let e = Ctx::for_schema(Box::leak(Box::new(def))).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ValidationError);
        assert_eq!(e.field(), Some("id"));
        assert!(
            e.message().contains("part of the primary key"),
            "{}",
            e.message()
        );
        assert!(User::SCHEMA.version.is_none());
        assert!(crate::macros::support::version_outside_keys(User::SCHEMA));
        assert!(!crate::macros::support::version_outside_keys(&def));
    }

    #[test]
    fn a_put_carries_the_item_and_its_key() {
        let u = item!(User {
            id: "u1",
            name: Some("Ada".to_owned())
        });
        let r = put(
            &ctx(),
            &u,
            &opts![condition_expression: "attribute_not_exists(id)"],
            None,
            None,
        )
        .unwrap();
        let written: WireItem = serde_json::from_slice(&r.item.json).unwrap();
        assert_eq!(written.get_str("pk"), Some("u1"));
        assert_eq!(written.get_str("name"), Some("Ada"));
        // Unset fields are left out, not written as NULL; empty sets too.
        assert!(written.get("email").is_none());
        assert!(written.get("tags").is_none());
        assert_eq!(r.condition.as_deref(), Some("attribute_not_exists(id)"));
        assert_eq!(r.return_values, ReturnValues::None);
    }

    #[test]
    fn bad_items_are_refused_before_a_request_exists() {
        let e = put(&ctx(), &item!(User {}), &opts![], None, None).unwrap_err();
        assert_eq!(e.field(), Some("id"));
        let e = put(
            &ctx(),
            &item!(User {
                id: "u",
                email: Some(String::new())
            }),
            &opts![],
            None,
            None,
        )
        .unwrap_err();
        assert!(e.message().contains("index `ByEmail`"), "{}", e.message());
        let e = put(
            &ctx(),
            &item!(User { id: "u" }),
            &opts![limit: 1],
            None,
            None,
        )
        .unwrap_err();
        assert!(
            e.message().contains("does not apply to put_item"),
            "{}",
            e.message()
        );
        let e = put(
            &ctx(),
            &item!(User { id: "u" }),
            &opts![condition_expression: "a = :missing"],
            None,
            None,
        )
        .unwrap_err();
        assert!(e.message().contains("`:missing`"), "{}", e.message());
    }

    #[test]
    fn gets_and_deletes_by_key() {
        let k = item!(User { id: "u1" });
        let g = get(
            &ctx(),
            &k,
            &opts![consistent_read: true, projection_expression: "name"],
        )
        .unwrap();
        assert_eq!(g.key, vec![("pk".to_owned(), Value::from("u1"))]);
        assert!(g.consistent);
        // `name` is reserved: a placeholder, and the key attribute comes along.
        let p = g.projection.unwrap();
        assert!(p.starts_with("#name, "), "{p}");
        assert_eq!(g.names["#name"], "name");
        let e = get(&ctx(), &k, &opts![condition_expression: "x"]).unwrap_err();
        assert!(
            e.message().contains("does not apply to get_item"),
            "{}",
            e.message()
        );
        let d = delete(&ctx(), &k, &opts![], None).unwrap();
        assert_eq!(d.return_values, ReturnValues::AllOld);
        assert!(delete(&ctx(), &item!(User {}), &opts![], None).is_err());
    }
}
