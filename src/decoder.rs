//! Turning attribute maps back into schema items and values (Elixir's
//! `Dynamo.Decoder`).
//!
//! Missing attributes take the field's default, unknown attributes (such as
//! `pk`/`sk`) are ignored, and a wrong type is a
//! [`Decode`](crate::ErrorKind::Decode) error naming the field.
//!
//! ```
//! use dynamo::prelude::*;
//! use std::collections::HashMap;
//!
//! dynamo_item! {
//!     #[derive(Debug)]
//!     pub struct User {
//!         table_name "users";
//!         field :id, partition_key;
//!         field :age: u32, default: 18u32;
//!     }
//! }
//!
//! let map: Item = HashMap::from([("id".to_owned(), Value::from("u1"))]);
//! let user: User = dynamo::decoder::decode(&map).unwrap();
//! assert_eq!(user.age, 18);
//!
//! let bad: Item = HashMap::from([("age".to_owned(), Value::from("old"))]);
//! let err = dynamo::decoder::decode::<User>(&bad).unwrap_err();
//! assert_eq!(err.kind(), ErrorKind::Decode);
//! assert!(err.message().contains("`age`"));
//! ```

use crate::codec::wire::WireItem;
use crate::codec::{BorrowedSource, Decode, Item};
use crate::error::{Error, Result};
use crate::schema::Schema;
use crate::value::Value;

/// Decodes an item from a borrowed attribute map.
pub fn decode<T: Schema>(map: &Item) -> Result<T> {
    T::decode_item(&mut BorrowedSource(map))
}

/// Decodes an item, consuming the map (no clones).
pub fn decode_owned<T: Schema>(mut map: Item) -> Result<T> {
    T::decode_item(&mut map)
}

/// Decodes an item from DynamoDB JSON (`{"id":{"S":"u1"},…}`), as
/// `get_item` reads an answer's `Item` — the inverse of
/// [`encoder::to_json`](crate::encoder::to_json). Key fields the JSON lacks
/// are recovered from its key attributes when that is unambiguous.
pub fn from_json<T: Schema>(json: &[u8]) -> Result<T> {
    let item: WireItem = crate::codec::wire::from_json_bytes(json).map_err(|e| {
        Error::new(
            crate::ErrorKind::Decode,
            format!("not a DynamoDB item in JSON: {e}"),
        )
    })?;
    crate::plan::decode_item(&crate::plan::Ctx::recovering::<T>()?, item)
}

/// Decodes any decodable value.
pub fn decode_value<T: Decode>(value: Value) -> Result<T> {
    T::decode(value).map_err(|e| Error::new(crate::ErrorKind::Decode, e.message()))
}
