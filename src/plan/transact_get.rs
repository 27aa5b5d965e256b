//! TransactGetItems plans: [`TxGet`] reads, checked when they are built;
//! the request for a list of them; and [`TxItems`], what came back,
//! decoded into each read's schema on demand.
//!
//! Checked before sending, each a `ValidationError`: no reads, more than
//! 100, two reads of the same item (DynamoDB refuses them), and every
//! read's own problems (unset key fields, keys over DynamoDB's sizes),
//! named by the read's position.

use std::any::{TypeId, type_name};
use std::collections::HashMap;

use super::transaction::keyed;
use super::{Ctx, decode_item, in_context, is_expired_item, is_own};
use crate::codec::wire::WireItem;
use crate::error::{Error, ErrorKind, Result};
use crate::request::{KeyAttrs, TransactGet, TransactGetAnswer, TxGetAction};
use crate::schema::{AsKey, Schema};

/// DynamoDB's limit of reads per `TransactGetItems`.
pub const MAX_GETS: usize = 100;

/// One read of [`transact_get`](crate::transaction::transact_get): the item
/// with a key's primary key, of the key's schema. Build with
/// [`TxGet::get`]; it is checked when it is built, and a mistake is
/// reported by `transact_get` with the read's position.
#[must_use]
pub struct TxGet {
    prepared: Result<Read>,
}

/// A read as planned, and then with its item.
struct Read {
    ctx: Ctx,
    key: KeyAttrs,
    id: (String, Option<String>),
    schema: TypeId,
    schema_name: &'static str,
    include_expired: bool,
    item: Option<WireItem>,
}

impl std::fmt::Debug for TxGet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.prepared {
            Ok(r) => write!(f, "TxGet({} {:?})", r.ctx.table, r.id),
            Err(e) => write!(f, "TxGet(invalid: {e})"),
        }
    }
}

impl TxGet {
    /// Reads the item with `key`'s primary key, as `key`'s schema.
    pub fn get<K: AsKey>(key: K) -> TxGet {
        let key = key.as_key();
        TxGet {
            prepared: keyed(key).map(|(ctx, key, id)| Read {
                ctx,
                key,
                id,
                schema: TypeId::of::<K::Item>(),
                schema_name: short_name::<K::Item>(),
                include_expired: false,
                item: None,
            }),
        }
    }

    /// Keeps the item even when its `ttl` is past (DynamoDB may not have
    /// deleted it yet); by default an expired item reads as `None`, as
    /// `get_item` does.
    pub fn include_expired(self) -> TxGet {
        TxGet {
            prepared: self.prepared.map(|mut r| {
                r.include_expired = true;
                r
            }),
        }
    }
}

/// The schema type's own name, without its module path.
fn short_name<T>() -> &'static str {
    let full = type_name::<T>();
    full.rsplit("::").next().unwrap_or(full)
}

/// The items a [`transact_get`](crate::transaction::transact_get) read, one
/// per [`TxGet`] in the order given; read each with [`item`](TxItems::item)
/// as the schema its `TxGet` was built with.
pub struct TxItems {
    reads: Vec<Read>,
}

impl std::fmt::Debug for TxItems {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.reads.iter().map(|r| {
                (
                    r.schema_name,
                    &r.id,
                    if r.item.is_some() { "found" } else { "none" },
                )
            }))
            .finish()
    }
}

impl TxItems {
    /// How many reads there were.
    pub fn len(&self) -> usize {
        self.reads.len()
    }

    /// `true` when there were no reads (never, for an answer of
    /// `transact_get`).
    pub fn is_empty(&self) -> bool {
        self.reads.is_empty()
    }

    /// The item of read `position` (counting from 0), as `T`: `None` when
    /// there is none — no item at that key, an item of another schema there
    /// (single-table design), or an expired one. `T` must be the schema
    /// the read's `TxGet` was built with; another, or a position past the
    /// end, is a `ValidationError` naming the position.
    pub fn item<T: Schema>(&self, position: usize) -> Result<Option<T>> {
        let read = self.read::<T>(position)?;
        read.decode(read.item.clone(), position)
    }

    /// Every item, in the order of the reads, when all of them are of
    /// schema `T`; see [`item`](TxItems::item).
    pub fn into_items<T: Schema>(self) -> Result<Vec<Option<T>>> {
        for i in 0..self.reads.len() {
            self.read::<T>(i)?;
        }
        self.reads
            .into_iter()
            .enumerate()
            .map(|(i, mut r)| {
                let item = r.item.take();
                r.decode(item, i)
            })
            .collect()
    }

    fn read<T: Schema>(&self, position: usize) -> Result<&Read> {
        let read = self.reads.get(position).ok_or_else(|| {
            Error::validation(format!(
                "transact_get: there is no read {position}: {} read{} were made (counting from 0)",
                self.reads.len(),
                if self.reads.len() == 1 { " was" } else { "s" }
            ))
        })?;
        if read.schema != TypeId::of::<T>() {
            return Err(Error::validation(format!(
                "transact_get: read {position} is of `{}`, not `{}`; read it as the schema its \
                 TxGet was built with",
                read.schema_name,
                short_name::<T>()
            )));
        }
        Ok(read)
    }
}

impl Read {
    fn decode<T: Schema>(&self, item: Option<WireItem>, position: usize) -> Result<Option<T>> {
        let Some(item) = item else { return Ok(None) };
        // Single-table design: another schema's item at this key is none
        // of this one's. Time to live: an expired item is gone.
        if !is_own(&self.ctx, &item) || (!self.include_expired && is_expired_item(&self.ctx, &item))
        {
            return Ok(None);
        }
        decode_item(&self.ctx, item)
            .map(Some)
            .map_err(|e| in_context(format!("transact_get read {position}"), e))
    }
}

/// A list of reads, planned: the request, and the reads to fill in.
pub(crate) struct GetPlan {
    pub(crate) request: TransactGet,
    reads: Vec<Read>,
}

/// Plans `gets` as one TransactGetItems.
pub(crate) fn plan(gets: Vec<TxGet>) -> Result<GetPlan> {
    if gets.is_empty() {
        return Err(Error::validation("transact_get needs at least one read"));
    }
    if gets.len() > MAX_GETS {
        return Err(Error::validation(format!(
            "transact_get has {} reads; DynamoDB allows at most {MAX_GETS} per TransactGetItems",
            gets.len()
        )));
    }
    let mut reads = Vec::with_capacity(gets.len());
    let mut seen: HashMap<(&str, &str, Option<&str>), usize> = HashMap::with_capacity(gets.len());
    for (i, g) in gets.into_iter().enumerate() {
        reads.push(
            g.prepared
                .map_err(|e| in_context(format!("transact_get read {i}"), e))?,
        );
    }
    for (i, r) in reads.iter().enumerate() {
        let id = (r.ctx.table.as_str(), r.id.0.as_str(), r.id.1.as_deref());
        if let Some(first) = seen.insert(id, i) {
            return Err(Error::validation(format!(
                "transact_get reads {first} and {i} are of the same item ({}{} in `{}`); \
                 DynamoDB allows one read per item",
                r.id.0,
                r.id.1
                    .as_deref()
                    .map(|s| format!(" / {s}"))
                    .unwrap_or_default(),
                r.ctx.table
            )));
        }
    }
    let request = TransactGet {
        gets: reads
            .iter()
            .map(|r| TxGetAction {
                table: r.ctx.table.clone(),
                key: r.key.clone(),
            })
            .collect(),
    };
    Ok(GetPlan { request, reads })
}

impl GetPlan {
    /// The items of `answer`, one per read.
    pub(crate) fn items(self, answer: TransactGetAnswer) -> Result<TxItems> {
        let mut reads = self.reads;
        if answer.responses.len() != reads.len() {
            return Err(Error::new(
                ErrorKind::Decode,
                format!(
                    "TransactGetItems answered {} responses for {} reads",
                    answer.responses.len(),
                    reads.len()
                ),
            ));
        }
        for (r, response) in reads.iter_mut().zip(answer.responses) {
            r.item = response.item;
        }
        Ok(TxItems { reads })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prelude::*;

    crate::dynamo_item! {
        #[derive(Debug, Clone, PartialEq)]
        pub struct Account {
            table_name "tg_accounts";
            field :id: String, partition_key;
            field :balance: i64;
        }
    }

    crate::dynamo_item! {
        #[derive(Debug, Clone, PartialEq)]
        pub struct Order {
            table_name "tg_orders";
            field :customer: String, partition_key;
            field :id: String, sort_key;
        }
    }

    fn message(r: Result<GetPlan>) -> String {
        match r {
            Ok(_) => panic!("planned"),
            Err(e) => {
                assert_eq!(e.kind(), ErrorKind::ValidationError);
                e.message().to_owned()
            }
        }
    }

    #[test]
    fn plans_one_get_per_read_in_order() {
        let p = plan(vec![
            TxGet::get(&item!(%Account{id: "a1"})),
            TxGet::get(&item!(%Order{customer: "c1", id: "o1"})),
            TxGet::get(&item!(%Order{customer: "c1", id: "o2"})),
        ])
        .unwrap();
        let g = &p.request.gets;
        assert_eq!(g.len(), 3);
        assert_eq!(g[0].table, "tg_accounts");
        assert_eq!(g[1].table, "tg_orders");
        assert_eq!(g[2].key[1].1, Value::from("o2"));
    }

    #[test]
    fn refuses_no_reads_too_many_and_the_same_item_twice() {
        assert!(message(plan(vec![])).contains("at least one read"));
        let many = (0..101)
            .map(|i| TxGet::get(&item!(%Account{id: format!("a{i}")})))
            .collect();
        let m = message(plan(many));
        assert!(m.contains("101 reads") && m.contains("at most 100"), "{m}");
        let hundred = (0..100)
            .map(|i| TxGet::get(&item!(%Account{id: format!("a{i}")})))
            .collect();
        assert!(plan(hundred).is_ok());
        let m = message(plan(vec![
            TxGet::get(&item!(%Order{customer: "c", id: "o"})),
            TxGet::get(&item!(%Account{id: "c"})),
            TxGet::get(&item!(%Order{customer: "c", id: "o"})),
        ]));
        assert!(m.contains("reads 0 and 2") && m.contains("c / o"), "{m}");
    }

    #[test]
    fn a_bad_key_is_named_by_its_position() {
        let m = message(plan(vec![
            TxGet::get(&item!(%Account{id: "a"})),
            TxGet::get(&item!(%Order{customer: "c"})),
        ]));
        assert!(m.starts_with("transact_get read 1: "), "{m}");
        assert!(m.contains("`id`"), "{m}");
    }

    fn answer(json: &str) -> TransactGetAnswer {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn items_decode_as_their_schema_only() {
        let p = plan(vec![
            TxGet::get(&item!(%Account{id: "a1"})),
            TxGet::get(&item!(%Order{customer: "c1", id: "o1"})),
        ])
        .unwrap();
        let items = p
            .items(answer(
                r#"{"Responses":[{"Item":{"id":{"S":"a1"},"balance":{"N":"5"}}},{}]}"#,
            ))
            .unwrap();
        assert_eq!(items.len(), 2);
        let a: Option<Account> = items.item(0).unwrap();
        assert_eq!(a.unwrap().balance, 5);
        assert_eq!(items.item::<Order>(1).unwrap(), None);
        let e = items.item::<Order>(0).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ValidationError);
        assert!(
            e.to_string()
                .contains("read 0 is of `Account`, not `Order`"),
            "{e}"
        );
        let e = items.item::<Account>(2).unwrap_err();
        assert!(
            e.to_string().contains("no read 2: 2 reads were made"),
            "{e}"
        );
        let e = items.into_items::<Account>().unwrap_err();
        assert!(e.to_string().contains("read 1 is of `Order`"), "{e}");
    }

    #[test]
    fn an_answer_with_the_wrong_number_of_responses_is_a_decode_error() {
        let p = plan(vec![TxGet::get(&item!(%Account{id: "a1"}))]).unwrap();
        let e = p.items(answer(r#"{"Responses":[]}"#)).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Decode);
    }
}
