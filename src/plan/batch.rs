//! Batch plans: items and keys checked and cut into DynamoDB's chunks (25
//! writes, 100 keys), duplicates refused, and what DynamoDB hands back
//! unprocessed matched to what was sent.

use std::collections::HashMap;

use super::{Ctx, KeyId, encode_for_write, in_context, key_id, key_id_of, only, read_projection};
use crate::codec::wire::WireItem;
use crate::error::{Error, Result};
use crate::expression::Placeholders;
use crate::opts::{Opt, Opts};
use crate::request::{BatchGet, BatchWrite, KeyAttrs, LeftoverWrite, WriteRequest};
use crate::schema::Schema;

/// DynamoDB's limit of write requests per BatchWriteItem.
pub const MAX_BATCH_WRITE: usize = 25;
/// DynamoDB's limit of keys per BatchGetItem.
pub const MAX_BATCH_GET: usize = 100;
/// Chunks in flight at once unless `concurrency` says otherwise.
pub const DEFAULT_BATCH_CONCURRENCY: usize = 8;

/// The options of a batch write or delete.
pub(crate) const WRITE_OPTS: &[Opt] = &[Opt::Concurrency];

/// The options of a batch get.
pub(crate) const GET_OPTS: &[Opt] = &[
    Opt::ConsistentRead,
    Opt::ProjectionExpression,
    Opt::ExpressionAttributeNames,
    Opt::Concurrency,
    Opt::IncludeExpired,
];

/// `concurrency` (default 8), checked.
pub(crate) fn concurrency_of(opts: &Opts) -> Result<usize> {
    match opts.concurrency {
        Some(0) => Err(Error::validation("`concurrency` must be at least 1")),
        Some(c) => Ok(c),
        None => Ok(DEFAULT_BATCH_CONCURRENCY),
    }
}

fn duplicate(op: &str, first: usize, second: usize, id: &KeyId) -> Error {
    let reads = op == "batch_get_item";
    let per_request = if reads {
        MAX_BATCH_GET
    } else {
        MAX_BATCH_WRITE
    };
    let why = if first / per_request == second / per_request {
        "DynamoDB refuses duplicate keys in one request"
    } else if reads {
        "give each key once (DynamoDB refuses duplicate keys in one request)"
    } else {
        "they would go in two requests, which run at once, so which of the two writes \
         would stay is not known; give each key once"
    };
    Error::validation(format!(
        "{op}: items {first} and {second} have the same primary key ({}{}); {why}",
        id.0,
        id.1.as_deref()
            .map(|s| format!(" / {s}"))
            .unwrap_or_default()
    ))
}

/// Finds which of the sent items a key belongs to.
#[derive(Clone, Debug, Default)]
pub(crate) struct KeyIndex {
    positions: HashMap<KeyId, usize>,
}

impl KeyIndex {
    /// Adds the item at `position`; a key seen before is a duplicate,
    /// refused with both positions.
    fn add(&mut self, op: &str, id: KeyId, position: usize) -> Result<()> {
        if let Some(first) = self.positions.get(&id) {
            return Err(duplicate(op, *first, position, &id));
        }
        self.positions.insert(id, position);
        Ok(())
    }

    /// The position of the item whose key attributes `item` carries.
    pub(crate) fn position(&self, ctx: &Ctx, item: &WireItem) -> Option<usize> {
        self.positions.get(&key_id_of(ctx, item)).copied()
    }
}

/// A batch write, planned: the requests in chunks, each request's position
/// in the caller's list, and how to find a leftover's position.
#[derive(Debug)]
pub(crate) struct WritePlan {
    /// Chunks of at most 25 requests, with each request's position.
    pub(crate) chunks: Vec<Vec<(usize, WriteRequest)>>,
    pub(crate) index: KeyIndex,
}

/// A batch write cannot carry the condition optimistic locking needs.
pub(crate) fn refuse_versioned(ctx: &Ctx, op: &str, instead: &str) -> Result<()> {
    match ctx.schema.version {
        Some(field) => Err(Error::validation(format!(
            "{op}: `{}` has a `version` field (`{field}`), and batch writes cannot carry the \
             condition optimistic locking needs; use {instead}, or a transaction",
            ctx.schema.name
        ))
        .with_field(field)),
        None => Ok(()),
    }
}

/// Plans writing `items`: every item encoded and checked, no key twice.
/// Refused for a versioned schema.
pub(crate) fn write<T: Schema>(ctx: &Ctx, items: &[T], opts: &Opts) -> Result<WritePlan> {
    let op = "batch_write_item";
    only(opts, op, WRITE_OPTS)?;
    refuse_versioned(ctx, op, "put_item")?;
    let mut index = KeyIndex::default();
    let mut requests = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let encoded =
            encode_for_write(ctx, item).map_err(|e| in_context(format!("{op}: item {i}"), e))?;
        let key = ctx.primary_key(item)?;
        index.add(op, key_id(&key), i)?;
        requests.push((i, WriteRequest::Put(encoded)));
    }
    Ok(WritePlan {
        chunks: chunk(requests, MAX_BATCH_WRITE),
        index,
    })
}

/// Plans deleting the items with the given keys.
pub(crate) fn delete<T: Schema>(ctx: &Ctx, keys: &[T], opts: &Opts) -> Result<WritePlan> {
    let op = "batch_delete_item";
    only(opts, op, WRITE_OPTS)?;
    refuse_versioned(ctx, op, "delete_item")?;
    let mut index = KeyIndex::default();
    let mut requests = Vec::with_capacity(keys.len());
    for (i, k) in keys.iter().enumerate() {
        let key = ctx
            .primary_key(k)
            .map_err(|e| in_context(format!("{op}: key {i}"), e))?;
        index.add(op, key_id(&key), i)?;
        requests.push((i, WriteRequest::Delete(key.into_attrs())));
    }
    Ok(WritePlan {
        chunks: chunk(requests, MAX_BATCH_WRITE),
        index,
    })
}

/// The request of one chunk of writes.
pub(crate) fn write_request(ctx: &Ctx, chunk: &[(usize, WriteRequest)]) -> BatchWrite {
    BatchWrite {
        table: ctx.table.clone(),
        writes: chunk.iter().map(|(_, w)| w.clone()).collect(),
    }
}

/// The positions of the writes DynamoDB handed back unprocessed; `None`
/// when a leftover matches nothing sent, so that which of the writes were
/// taken is not known (the caller sends them all again: batch writes are
/// plain puts and deletes, so one written twice is the same).
pub(crate) fn leftover_positions(
    ctx: &Ctx,
    index: &KeyIndex,
    left: &[LeftoverWrite],
) -> Option<Vec<usize>> {
    left.iter()
        .map(|l| {
            let item = match (&l.put_request, &l.delete_request) {
                (Some(p), _) => &p.item,
                (None, Some(d)) => &d.key,
                (None, None) => return None,
            };
            index.position(ctx, item)
        })
        .collect()
}

/// A batch get, planned.
#[derive(Debug)]
pub(crate) struct GetPlan {
    /// Chunks of at most 100 keys, with each key's position.
    pub(crate) chunks: Vec<Vec<(usize, KeyAttrs)>>,
    pub(crate) index: KeyIndex,
    pub(crate) consistent: bool,
    pub(crate) projection: Option<String>,
    pub(crate) names: std::collections::BTreeMap<String, String>,
}

/// Plans reading the items with the given keys.
pub(crate) fn get<T: Schema>(ctx: &Ctx, keys: &[T], opts: &Opts) -> Result<GetPlan> {
    let op = "batch_get_item";
    only(opts, op, GET_OPTS)?;
    let mut index = KeyIndex::default();
    let mut requests = Vec::with_capacity(keys.len());
    for (i, k) in keys.iter().enumerate() {
        let key = ctx
            .primary_key(k)
            .map_err(|e| in_context(format!("{op}: key {i}"), e))?;
        index.add(op, key_id(&key), i)?;
        requests.push((i, key.into_attrs()));
    }
    let mut ph = Placeholders::with_user(&opts.expression_attribute_names, &Default::default())?;
    // The key attributes come back too: they tell the items apart.
    let projection = read_projection(ctx, opts, &mut ph)?;
    ph.check_all_used()?;
    Ok(GetPlan {
        chunks: chunk(requests, MAX_BATCH_GET),
        index,
        consistent: opts.consistent_read == Some(true),
        projection,
        names: ph.into_exprs().names,
    })
}

impl GetPlan {
    /// The request of one chunk of keys.
    pub(crate) fn request(&self, ctx: &Ctx, keys: &[(usize, KeyAttrs)]) -> BatchGet {
        BatchGet {
            table: ctx.table.clone(),
            keys: keys.iter().map(|(_, k)| k.clone()).collect(),
            consistent: self.consistent,
            projection: self.projection.clone(),
            names: self.names.clone(),
        }
    }
}

/// Cuts `items` into chunks of at most `size`.
pub(crate) fn chunk<W>(items: Vec<W>, size: usize) -> Vec<Vec<W>> {
    let size = size.max(1);
    let mut out = Vec::with_capacity(items.len().div_ceil(size));
    let mut it = items.into_iter().peekable();
    while it.peek().is_some() {
        out.push(it.by_ref().take(size).collect());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prelude::*;

    crate::dynamo_item! {
        #[derive(Debug, Clone, PartialEq)]
        pub struct Product {
            table_name "products";
            field :category: String, partition_key;
            field :id: String, sort_key;
            field :tags: std::collections::BTreeSet<String>;
        }
    }

    fn ctx() -> Ctx {
        Ctx::of::<Product>().unwrap()
    }

    fn p(i: usize) -> Product {
        item!(Product {
            category: "c",
            id: format!("p{i}")
        })
    }

    #[test]
    fn chunks() {
        let c = chunk((0..60).collect::<Vec<_>>(), 25);
        assert_eq!(c.iter().map(Vec::len).collect::<Vec<_>>(), vec![25, 25, 10]);
        assert!(chunk(Vec::<u8>::new(), 25).is_empty());
        assert_eq!(chunk(vec![1, 2], 0).len(), 2);
    }

    #[test]
    fn writes_are_chunked_by_25_with_positions() {
        let items: Vec<Product> = (0..60).map(p).collect();
        let plan = write(&ctx(), &items, &opts![]).unwrap();
        assert_eq!(
            plan.chunks.iter().map(Vec::len).collect::<Vec<_>>(),
            vec![25, 25, 10]
        );
        assert_eq!(plan.chunks[2][0].0, 50);
        let req = write_request(&ctx(), &plan.chunks[0]);
        assert_eq!(req.writes.len(), 25);
        assert_eq!(req.table, "products");
    }

    #[test]
    fn duplicates_and_bad_items_are_named() {
        let e = write(&ctx(), &[p(1), p(2), p(1)], &opts![]).unwrap_err();
        assert!(
            e.message()
                .contains("items 0 and 2 have the same primary key (c / p1)")
                && e.message().contains("in one request"),
            "{}",
            e.message()
        );
        // In two requests (chunks of 25) the reason is another: both would
        // be sent, at once.
        let mut many: Vec<Product> = (0..40).map(p).collect();
        many.push(p(0));
        let e = write(&ctx(), &many, &opts![]).unwrap_err();
        assert!(
            e.message().contains("items 0 and 40") && e.message().contains("which run at once"),
            "{}",
            e.message()
        );
        let mut bad = p(3);
        bad.tags = Default::default();
        assert!(
            write(&ctx(), &[bad], &opts![]).is_ok(),
            "an empty set is left out"
        );
        let e = write(&ctx(), &[p(1), item!(Product { category: "c" })], &opts![]).unwrap_err();
        assert!(
            e.message().starts_with("batch_write_item: item 1:"),
            "{}",
            e.message()
        );
        assert_eq!(e.field(), Some("id"));
        let e = delete(&ctx(), &[p(1), p(1)], &opts![]).unwrap_err();
        assert!(
            e.message().starts_with("batch_delete_item: items 0 and 1"),
            "{}",
            e.message()
        );
        let e = write(&ctx(), &[p(1)], &opts![limit: 1]).unwrap_err();
        assert!(e.message().contains("does not apply to batch_write_item"));
        assert!(concurrency_of(&opts![concurrency: 0]).is_err());
        assert_eq!(concurrency_of(&opts![]).unwrap(), 8);
    }

    #[test]
    fn leftovers_are_matched_to_what_was_sent() {
        let items: Vec<Product> = (0..30).map(p).collect();
        let plan = write(&ctx(), &items, &opts![]).unwrap();
        let left: Vec<LeftoverWrite> = serde_json::from_str(
            r#"[{"PutRequest":{"Item":{"pk":{"S":"c"},"sk":{"S":"p7"},"id":{"S":"p7"}}}},
                {"DeleteRequest":{"Key":{"pk":{"S":"c"},"sk":{"S":"p29"}}}}]"#,
        )
        .unwrap();
        assert_eq!(
            leftover_positions(&ctx(), &plan.index, &left),
            Some(vec![7, 29])
        );
        // One that matches nothing sent: which were taken is not known.
        let unknown: Vec<LeftoverWrite> = serde_json::from_str(
            r#"[{"PutRequest":{"Item":{"pk":{"S":"c"},"sk":{"S":"p7"},"id":{"S":"p7"}}}},
                {"PutRequest":{"Item":{"pk":{"S":"c"},"sk":{"S":"nope"}}}}]"#,
        )
        .unwrap();
        assert_eq!(leftover_positions(&ctx(), &plan.index, &unknown), None);
    }

    #[test]
    fn gets_are_chunked_by_100() {
        let keys: Vec<Product> = (0..250).map(p).collect();
        let plan = get(
            &ctx(),
            &keys,
            &opts![projection_expression: "id", consistent_read: true],
        )
        .unwrap();
        assert_eq!(
            plan.chunks.iter().map(Vec::len).collect::<Vec<_>>(),
            vec![100, 100, 50]
        );
        let req = plan.request(&ctx(), &plan.chunks[2]);
        assert_eq!(req.keys.len(), 50);
        assert!(req.consistent);
        // The key attributes, type and key fields are always projected (`id`
        // only once).
        assert_eq!(
            req.projection.as_deref(),
            Some("id, #pk, #sk, #_type, #category")
        );
        let e = get(&ctx(), &[p(1), p(1)], &opts![]).unwrap_err();
        assert!(
            e.message().contains("batch_get_item: items 0 and 1"),
            "{}",
            e.message()
        );
    }
}
