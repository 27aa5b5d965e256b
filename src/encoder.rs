//! Turning schema items and values into attribute maps (Elixir's
//! `Dynamo.Encoder`).
//!
//! ```
//! use dynamo::prelude::*;
//!
//! dynamo_item! {
//!     pub struct User {
//!         table_name "users";
//!         field :id, partition_key;
//!         field :email;
//!         field :nickname: Option<String>;
//!     }
//! }
//!
//! let map = dynamo::encoder::encode(&item!(User { id: "u1", email: "a@b.c" }));
//! assert_eq!(map["id"], Value::from("u1"));
//! assert!(!map.contains_key("nickname")); // unset fields are left out
//!
//! let with_keys = dynamo::encoder::encode_with_keys(&item!(User { id: "u1" })).unwrap();
//! assert_eq!(with_keys["pk"], Value::from("u1"));
//! ```

use crate::codec::wire::WireItem;
use crate::codec::{Encode, Item};
use crate::error::Result;
use crate::plan::Ctx;
use crate::schema::Schema;
use crate::value::Value;

/// The item's set fields as an attribute map (unset fields are left out).
pub fn encode<T: Schema>(item: &T) -> Item {
    let mut map = Item::with_capacity(T::SCHEMA.fields.len());
    item.encode_item(&mut map);
    map
}

/// The attribute map with the key attributes: the set fields plus the
/// generated key attributes (`pk`, and `sk` when the schema has a sort
/// key). Fails when a key field is unset; for every check a write makes,
/// and the type attribute `put_item` adds, use [`encode_for_write`].
pub fn encode_with_keys<T: Schema>(item: &T) -> Result<Item> {
    let key = item.primary_key()?;
    let mut map = encode(item);
    map.insert(key.partition_name, Value::String(key.partition));
    if let Some((name, sk)) = key.sort {
        map.insert(name, Value::String(sk));
    }
    Ok(map)
}

/// The attribute map exactly as `put_item` writes it, through the same
/// checks: an unset key field, a value DynamoDB cannot store, an empty or
/// unindexable index key, or an item over 400 KB is the same
/// `ValidationError` `put_item` would return — without a server.
pub fn encode_for_write<T: Schema>(item: &T) -> Result<Item> {
    let ctx = Ctx::of::<T>()?;
    let encoded = crate::plan::encode_for_write(&ctx, item)?;
    let written: WireItem = serde_json::from_slice(&encoded.json).map_err(|e| {
        crate::Error::new(crate::ErrorKind::Decode, format!("encode_for_write: {e}"))
    })?;
    Ok(written.into_item())
}

/// The item as DynamoDB JSON (`{"pk":{"S":"u1"},"age":{"N":"3"},…}`),
/// byte for byte what `put_item` sends as its `Item`, through the same
/// checks as [`encode_for_write`]. For exports, logs, or other clients.
///
/// ```
/// use dynamo::prelude::*;
///
/// dynamo_item! {
///     pub struct User {
///         table_name "users";
///         field :id: String, partition_key;
///         field :age: u32;
///     }
/// }
///
/// let json = dynamo::encoder::to_json(&item!(%User{id: String::from("u1"), age: 3u32})).unwrap();
/// let text = String::from_utf8(json.clone()).unwrap();
/// assert!(text.contains(r#""age":{"N":"3"}"#), "{text}");
/// let back: User = dynamo::decoder::from_json(&json).unwrap();
/// assert_eq!(back.age, 3);
/// ```
pub fn to_json<T: Schema>(item: &T) -> Result<Vec<u8>> {
    let ctx = Ctx::of::<T>()?;
    Ok(crate::plan::encode_for_write(&ctx, item)?.json)
}

/// Any encodable value as a [`Value`].
pub fn encode_value<T: Encode + ?Sized>(value: &T) -> Value {
    value.encode()
}
