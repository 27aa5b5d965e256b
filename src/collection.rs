//! Typed collections: the schemas that share a partition, read with one
//! query and handed back each as its own type.
//!
//! Single-table design keeps a parent and its `belongs_to` children in one
//! partition so that one query reads them all. A schema's own reads return
//! only its items (every item stores its type, see
//! `docs/schemas-and-keys.md`); a **collection** is the enum of the schemas
//! to read together, declared with [`collection!`](macro@crate::collection):
//!
//! ```
//! use dynamo::prelude::*;
//! use dynamo::collection::Collection;
//!
//! dynamo_item! {
//!     #[derive(Debug, Clone, PartialEq)]
//!     pub struct Customer {
//!         table_name "shop";
//!         field :customer_id: String, partition_key;
//!         field :kind: String, sort_key, default: "PROFILE";
//!     }
//! }
//!
//! dynamo_item! {
//!     #[derive(Debug, Clone, PartialEq)]
//!     pub struct OrderLine {
//!         table_name "shop";
//!         field :customer_id: String;
//!         field :line_id: String, sort_key;
//!         belongs_to :customer, Customer;
//!     }
//! }
//!
//! dynamo::collection! {
//!     /// A customer's partition.
//!     #[derive(Debug, Clone, PartialEq)]
//!     pub enum CustomerItems {
//!         Customer(Customer),
//!         Line(OrderLine),
//!     }
//! }
//!
//! assert_eq!(CustomerItems::MEMBERS.len(), 2);
//! # async fn read() -> dynamo::Result<()> {
//! use dynamo::collection::CollectionExt;
//! // One query on the customer's partition, every item as its own type
//! // (`kind: ""` clears the sort key's default, "PROFILE", which would
//! // read the profile alone):
//! let key = item!(Customer { customer_id: "c1", kind: "" });
//! for item in CustomerItems::list_items(&key, opts![]).await? {
//!     match item {
//!         CustomerItems::Customer(c) => println!("customer {}", c.customer_id),
//!         CustomerItems::Line(l) => println!("line {}", l.line_id),
//!     }
//! }
//! # Ok(()) }
//! ```
//!
//! The key is an item of any member (usually the parent) and says which
//! partition to read; its sort-key fields and `sk_operator` give a range
//! exactly as for that schema's `list_items`. Items of schemas outside the
//! collection are left out by the server; an item without a type attribute
//! (written by an older version or another writer) is handed back as the
//! first member whose key fields it all holds, and left out when there is
//! none.

use std::future::Future;

use crate::client::Client;
use crate::codec::wire::WireItem;
use crate::error::{Error, Result};
use crate::opts::{Opts, Select};
use crate::plan::{self, Ctx};
use crate::schema::{AsKey, Schema, SchemaDef};
use crate::table::Page;

/// The most schemas a collection may have: the operands DynamoDB's `IN`
/// takes in one filter.
pub const MAX_MEMBERS: usize = 100;

/// An enum of schemas read together, one variant per member; implemented
/// by [`collection!`](macro@crate::collection).
pub trait Collection: Sized + Send + 'static {
    /// The member schemas, in declared order.
    const MEMBERS: &'static [&'static SchemaDef];

    /// Decodes an item of member `member` (an index into [`MEMBERS`](Self::MEMBERS)).
    #[doc(hidden)]
    fn __decode(member: usize, item: RawItem) -> Result<Self>;
}

/// An item read for a collection, with the settings of the member it
/// belongs to. Not public API: [`collection!`](macro@crate::collection) passes it
/// to [`decode_member`].
#[doc(hidden)]
pub struct RawItem {
    item: WireItem,
    ctx: Ctx,
}

/// Decodes a collection's item as member `T`. Not public API.
#[doc(hidden)]
pub fn decode_member<T: Schema>(raw: RawItem) -> Result<T> {
    plan::decode_item(&raw.ctx, raw.item)
}

/// The error for a member index out of range. Not public API.
#[doc(hidden)]
pub fn no_member(collection: &str, member: usize) -> Error {
    Error::new(
        crate::ErrorKind::Decode,
        format!("collection `{collection}` has no member {member}"),
    )
}

/// The member of `C` whose item `item` is, with its settings: by the item's
/// type attribute, else (an item without one) the first member whose key
/// fields it holds. For items read outside a query (stream records).
pub(crate) fn member_for<C: Collection>(item: &WireItem) -> Result<Option<(usize, Ctx)>> {
    for (at, m) in C::MEMBERS.iter().enumerate() {
        let mut ctx = Ctx::for_schema(m)?;
        if plan::is_own(&ctx, item) {
            ctx.recover_keys = true;
            return Ok(Some((at, ctx)));
        }
    }
    Ok(None)
}

/// Decodes `item` as member `member` of `C`, with that member's settings.
pub(crate) fn decode_as_member<C: Collection>(
    member: usize,
    ctx: Ctx,
    item: WireItem,
) -> Result<C> {
    C::__decode(member, RawItem { item, ctx })
}

/// The settings of one collection read: the key schema's (for the query)
/// and every member's (for decoding), checked.
struct Plan {
    ctx: Ctx,
    members: Vec<Ctx>,
    /// Expired items are left out by each member's own `ttl` after reading
    /// (no filter on the query: the members may keep it in different
    /// attributes), unless `include_expired`.
    include_expired: bool,
}

impl Plan {
    fn new<C: Collection, T: Schema>(opts: &Opts) -> Result<Plan> {
        let members = C::MEMBERS;
        let name = std::any::type_name::<C>();
        let name = name.rsplit("::").next().unwrap_or(name);
        if members.is_empty() || members.len() > MAX_MEMBERS {
            return Err(Error::validation(format!(
                "collection `{name}` has {} members; it needs 1 to {MAX_MEMBERS}",
                members.len()
            )));
        }
        let mut ctx = Ctx::read::<T>(opts)?;
        // A `:keys_only` index copies no type attribute and no member's
        // fields: its items could not be told apart (they were all left
        // out, and the read came back empty).
        if let Some(index) = opts.index_name.as_deref() {
            let keys_only = T::SCHEMA
                .index(index)
                .map(|i| i.projection)
                .or_else(|| T::SCHEMA.local_index(index).map(|i| i.projection))
                == Some(crate::schema::Projection::KeysOnly);
            if keys_only {
                return Err(Error::validation(format!(
                    "collection `{name}`: index `{index}` is `:keys_only`, so its items carry                      no type attribute and the members' items cannot be told apart; read                      through an `:include` or `:all` index, or read `{}` alone",
                    T::SCHEMA.name
                ))
                .with_field("index_name"));
            }
        }
        let same = |m: &SchemaDef| {
            m.name == T::SCHEMA.name
                && m.table_name == T::SCHEMA.table_name
                && m.type_name() == T::SCHEMA.type_name()
        };
        if !members.iter().any(|m| same(m)) {
            return Err(Error::validation(format!(
                "collection `{name}`: the key is a `{}`, which is not one of its members ({})",
                T::SCHEMA.name,
                members
                    .iter()
                    .map(|m| m.name)
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        let mut ctxs = Vec::with_capacity(members.len());
        for m in members {
            let mut c = Ctx::for_schema(m)?;
            c.recover_keys = ctx.recover_keys;
            if c.table != ctx.table {
                return Err(Error::validation(format!(
                    "collection `{name}`: `{}` is in table `{}`, `{}` in `{}`; a collection reads one table",
                    m.name,
                    c.table,
                    T::SCHEMA.name,
                    ctx.table
                )));
            }
            if let Some(other) = members[..ctxs.len()]
                .iter()
                .find(|o| o.type_name() == m.type_name())
            {
                return Err(Error::validation(format!(
                    "collection `{name}`: `{}` and `{}` both store their items as type `{}`, so \
                     the second would never be read; give one of them its own `type_name:`",
                    other.name,
                    m.name,
                    m.type_name()
                )));
            }
            if m.type_attribute() != T::SCHEMA.type_attribute() {
                return Err(Error::validation(format!(
                    "collection `{name}`: `{}` stores its type in `{}`, `{}` in `{}`; use one type attribute per table",
                    m.name,
                    m.type_attribute(),
                    T::SCHEMA.name,
                    T::SCHEMA.type_attribute()
                )));
            }
            ctxs.push(c);
        }
        ctx.collection = Some(members);
        Ok(Plan {
            ctx,
            members: ctxs,
            include_expired: opts.include_expired == Some(true),
        })
    }

    /// The member an item belongs to: by its type, else (an item without
    /// one) the first member whose key fields it holds.
    fn member_of(&self, item: &WireItem) -> Option<usize> {
        let attr = self.ctx.schema.type_attribute();
        match item.get(attr) {
            Some(crate::Value::String(t)) => {
                self.members.iter().position(|m| m.schema.type_name() == t)
            }
            Some(_) => None,
            None => self.members.iter().position(|m| plan::is_own(m, item)),
        }
    }

    /// An item as its member's variant; `None` for an item of no member.
    fn decode<C: Collection>(&self, item: WireItem) -> Result<Option<C>> {
        let Some(m) = self.member_of(&item) else {
            return Ok(None);
        };
        let ctx = self.members[m].clone();
        if !self.include_expired && plan::is_expired_item(&ctx, &item) {
            return Ok(None);
        }
        C::__decode(m, RawItem { item, ctx }).map(Some)
    }

    fn page<C: Collection>(
        &self,
        read: &crate::request::Read,
        answer: crate::request::PageAnswer,
        secret: Option<&[u8]>,
    ) -> Result<Page<C>> {
        Page::answered(read, answer, secret, |item| self.decode::<C>(item))
    }
}

impl Client {
    /// One page of collection `C` in `key`'s partition: the items of every
    /// member, each as its own type, and the key to continue from. The key
    /// is an item of a member; its sort-key fields and the options work as
    /// in [`query_page`](Client::query_page).
    pub async fn collection_page<C: Collection, K: AsKey>(
        &self,
        key: K,
        opts: Opts,
    ) -> Result<Page<C>> {
        let key = key.as_key();
        let plan = Plan::new::<C, K::Item>(&opts)?;
        let mut req = crate::request::Query(plan::query::query(
            &plan.ctx,
            key,
            &opts,
            "collection_page",
        )?);
        plan::cursor::start(&mut req.0, &opts, self.cursor_key())?;
        let answer = self.execute(&req).await?;
        plan.page(&req.0, answer, self.cursor_key())
    }

    /// Every item of collection `C` in `key`'s partition, following pages
    /// until the end or until `limit` items are collected.
    pub async fn collection_items<C: Collection, K: AsKey>(
        &self,
        key: K,
        opts: Opts,
    ) -> Result<Vec<C>> {
        let key = key.as_key();
        if opts.select == Some(Select::Count) {
            return Err(Error::validation(
                "collection list_items returns items; for `select: :count` use `collection_page`",
            ));
        }
        let plan = Plan::new::<C, K::Item>(&opts)?;
        let mut req = crate::request::Query(plan::query::query(
            &plan.ctx,
            key,
            &opts,
            "collection_items",
        )?);
        plan::cursor::start(&mut req.0, &opts, self.cursor_key())?;
        self.all_pages(req, &opts, |i| plan.decode::<C>(i)).await
    }
}

/// The reads of a collection type on the default client:
/// `CustomerItems::list_items(&key, opts![])`. It is in the prelude
/// (`use dynamo::prelude::*;`).
pub trait CollectionExt: Collection {
    /// [`Client::collection_items`] on the default client.
    fn list_items<K: AsKey + Send>(
        key: K,
        opts: Opts,
    ) -> impl Future<Output = Result<Vec<Self>>> + Send {
        async move { Client::default_client()?.collection_items(key, opts).await }
    }

    /// [`Client::collection_page`] on the default client.
    fn query_page<K: AsKey + Send>(
        key: K,
        opts: Opts,
    ) -> impl Future<Output = Result<Page<Self>>> + Send {
        async move { Client::default_client()?.collection_page(key, opts).await }
    }
}

impl<C: Collection> CollectionExt for C {}
