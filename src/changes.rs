//! DynamoDB Streams records, decoded into schema types.
//!
//! A table's stream tells what happened to its items: one record per
//! insert, change or removal, with the key and, depending on the stream's
//! view type, the item before and after. AWS Lambda hands them over as an
//! event (`{"Records": [...]}`), and the Streams API's `GetRecords` answers
//! with the same records. This module reads either into [`ChangeRecord`]s
//! and decodes their images into the schemas' own types, checked like any
//! read: a record of another schema is a typed error, never a struct filled
//! with defaults.
//!
//! ```
//! use dynamo::prelude::*;
//! use dynamo::changes::{ChangeEvent, ChangeKind};
//!
//! dynamo_item! {
//!     #[derive(Debug, Clone, PartialEq)]
//!     pub struct User {
//!         table_name "users";
//!         field :id, partition_key;
//!         field :name: String;
//!     }
//! }
//!
//! // What Lambda passes a function subscribed to the table's stream.
//! let event = br#"{"Records": [{
//!     "eventID": "1", "eventName": "MODIFY", "eventSource": "aws:dynamodb",
//!     "dynamodb": {
//!         "Keys": {"pk": {"S": "u1"}},
//!         "OldImage": {"pk": {"S": "u1"}, "_type": {"S": "User"}, "id": {"S": "u1"}, "name": {"S": "Ada"}},
//!         "NewImage": {"pk": {"S": "u1"}, "_type": {"S": "User"}, "id": {"S": "u1"}, "name": {"S": "Ada L."}},
//!         "SequenceNumber": "100", "StreamViewType": "NEW_AND_OLD_IMAGES"
//!     }
//! }]}"#;
//! let event = ChangeEvent::from_json(event)?;
//! for record in event.records {
//!     if record.is::<User>() {
//!         let change = record.decode::<User>()?;
//!         assert_eq!(change.kind, ChangeKind::Modify);
//!         assert_eq!(change.old.unwrap().name, "Ada");
//!         assert_eq!(change.new.unwrap().name, "Ada L.");
//!     }
//! }
//! # Ok::<(), dynamo::Error>(())
//! ```
//!
//! [`ChangeEvent`] and [`ChangeRecord`] implement `serde::Deserialize`, so
//! a Lambda handler can take the event as its payload type directly. Several
//! schemas in one table are told apart by their type attribute (see
//! `docs/schemas-and-keys.md`); [`ChangeRecord::route`] decodes a record
//! into the matching variant of a [`collection!`](macro@crate::collection).
//! A stream of view type `KEYS_ONLY` carries no images, so its records
//! cannot be told apart by schema: read [`ChangeRecord::keys`].
//!
//! Without Lambda, [`Client::enable_stream`] turns a table's stream on and
//! [`Client::read_changes`] reads it from a [`StreamPosition`], a
//! checkpoint that moves past what each call returns.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Deserializer, Serialize};

use crate::client::Client;
use crate::codec::Item;
use crate::codec::wire::{WireItem, from_json_bytes};
use crate::collection::{self, Collection};
use crate::error::{Error, ErrorKind, Result};
use crate::plan::table::check_table_name;
use crate::plan::{self, Ctx};
use crate::request::{
    DescribeStream, DescribeTable, GetRecords, GetShardIterator, ShardDescription, ShardStart,
};
use crate::schema::{Schema, SchemaDef};

pub use crate::request::StreamView;

/// How many `GetRecords` pages one shard may take in one
/// [`Client::read_changes`] call (each holds up to 1,000 records or 1 MB);
/// the rest comes with the next call, which carries on from the last page.
const PAGES_PER_SHARD: usize = 100;

/// The error DynamoDB answers for a shard iterator older than 15 minutes.
const EXPIRED_ITERATOR: &str = "ExpiredIteratorException";

/// How long before a `latest()` call a record may have been made and still
/// be returned, when a shard entered by it must be read from its oldest
/// record (its iterator expired before any record came): room for the
/// difference between this machine's clock and DynamoDB's, erring towards
/// returning a record rather than losing one.
const LATEST_CLOCK_ROOM_SECS: i64 = 60;

/// What happened to the item (the record's `eventName`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ChangeKind {
    /// A new item was written (`INSERT`).
    Insert,
    /// An existing item was changed (`MODIFY`).
    Modify,
    /// The item was deleted (`REMOVE`), by a request or by time to live
    /// ([`ChangeRecord::is_expiry`]).
    Remove,
}

impl ChangeKind {
    /// DynamoDB's name for it: `INSERT`, `MODIFY` or `REMOVE`.
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Insert => "INSERT",
            ChangeKind::Modify => "MODIFY",
            ChangeKind::Remove => "REMOVE",
        }
    }

    fn parse(name: &str) -> Option<ChangeKind> {
        match name {
            "INSERT" => Some(ChangeKind::Insert),
            "MODIFY" => Some(ChangeKind::Modify),
            "REMOVE" => Some(ChangeKind::Remove),
            _ => None,
        }
    }
}

impl fmt::Display for ChangeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A batch of stream records: the event AWS Lambda passes a function
/// subscribed to a table's stream, or a `GetRecords` answer.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ChangeEvent {
    /// The records, in the stream's order.
    #[serde(rename = "Records")]
    pub records: Vec<ChangeRecord>,
}

impl ChangeEvent {
    /// Reads an event from its JSON text. A typed
    /// [`Decode`](ErrorKind::Decode) error, with the position, when the
    /// text is not one.
    pub fn from_json(json: &[u8]) -> Result<ChangeEvent> {
        parse(json, "a DynamoDB Streams event (`{\"Records\": [...]}`)")
    }
}

/// One stream record, its images not yet decoded.
#[derive(Clone)]
pub struct ChangeRecord {
    kind: ChangeKind,
    event_id: Option<String>,
    source_arn: Option<String>,
    expiry: bool,
    sequence_number: Option<String>,
    created: Option<SystemTime>,
    view: Option<StreamView>,
    keys: WireItem,
    old: Option<WireItem>,
    new: Option<WireItem>,
}

/// A stream record decoded into `T` (a schema, or a
/// [`collection!`](macro@crate::collection) of schemas).
#[derive(Clone, Debug, PartialEq)]
pub struct Change<T> {
    /// What happened.
    pub kind: ChangeKind,
    /// The item before the change: present for `MODIFY` and `REMOVE` on a
    /// stream with old images (`OLD_IMAGE`, `NEW_AND_OLD_IMAGES`).
    pub old: Option<T>,
    /// The item after the change: present for `INSERT` and `MODIFY` on a
    /// stream with new images (`NEW_IMAGE`, `NEW_AND_OLD_IMAGES`).
    pub new: Option<T>,
    /// The item's key attributes (`pk`, `sk`, …), as stored.
    pub keys: Item,
    /// The record's place in its shard (`SequenceNumber`).
    pub sequence_number: Option<String>,
    /// The record's unique id (`eventID`).
    pub event_id: Option<String>,
    /// Whether time to live deleted the item (a `REMOVE` by DynamoDB itself).
    pub expired: bool,
}

impl ChangeRecord {
    /// Reads one record from its JSON text (an element of an event's
    /// `Records`).
    pub fn from_json(json: &[u8]) -> Result<ChangeRecord> {
        parse(json, "a DynamoDB Streams record")
    }

    /// What happened to the item.
    pub fn kind(&self) -> ChangeKind {
        self.kind
    }

    /// The record's unique id (`eventID`).
    pub fn event_id(&self) -> Option<&str> {
        self.event_id.as_deref()
    }

    /// The record's place in its shard (`SequenceNumber`).
    pub fn sequence_number(&self) -> Option<&str> {
        self.sequence_number.as_deref()
    }

    /// When the change was made, to the second (or better) as DynamoDB
    /// records it (`ApproximateCreationDateTime`).
    pub fn approximate_creation_time(&self) -> Option<SystemTime> {
        self.created
    }

    /// The table the record comes from, read from the stream's ARN
    /// (`eventSourceARN`, which Lambda events carry and `GetRecords`
    /// answers do not). With a configured table prefix this is the full
    /// name, prefix included.
    pub fn table_name(&self) -> Option<&str> {
        arn_table(self.source_arn.as_deref()?)
    }

    /// Whether time to live deleted the item: a `REMOVE` made by DynamoDB
    /// itself (`userIdentity` of type `Service`, principal
    /// `dynamodb.amazonaws.com`).
    pub fn is_expiry(&self) -> bool {
        self.expiry
    }

    /// The item's key attributes, as stored (`pk`, `sk`, …).
    pub fn keys(&self) -> Item {
        self.keys.clone().into_item()
    }

    /// The item before the change, undecoded (`None` for an insert or on a
    /// stream without old images).
    pub fn old_image(&self) -> Option<Item> {
        self.old.clone().map(WireItem::into_item)
    }

    /// The item after the change, undecoded (`None` for a removal or on a
    /// stream without new images).
    pub fn new_image(&self) -> Option<Item> {
        self.new.clone().map(WireItem::into_item)
    }

    /// The stream's view type, as the record names it
    /// (`StreamViewType`; `None` when it does not).
    pub fn view(&self) -> Option<StreamView> {
        self.view
    }

    /// The image that tells whose item this is: the new one, else the old.
    fn image(&self) -> Option<&WireItem> {
        self.new.as_ref().or(self.old.as_ref())
    }

    /// Whether the stream's view type leaves out the only image this
    /// record's event has: a `REMOVE` on a `NEW_IMAGE` stream, an `INSERT`
    /// on an `OLD_IMAGE` one. Such a record is decoded with neither image.
    fn image_left_out(&self) -> bool {
        self.image().is_none()
            && matches!(
                (self.view, self.kind),
                (Some(StreamView::NewImage), ChangeKind::Remove)
                    | (Some(StreamView::OldImage), ChangeKind::Insert)
            )
    }

    /// Whether the record is about an item of `T`: its type attribute names
    /// `T` (an item without one, written before the crate stored types,
    /// counts as `T`'s when it holds all of `T`'s key fields). `false` for a
    /// record without images (`KEYS_ONLY`, a `REMOVE` on a `NEW_IMAGE`
    /// stream, an `INSERT` on an `OLD_IMAGE` one): check
    /// [`kind`](Self::kind) too where those matter.
    pub fn is<T: Schema>(&self) -> bool {
        let Ok(ctx) = Ctx::of::<T>() else {
            return false;
        };
        self.image().is_some_and(|item| plan::is_own(&ctx, item))
    }

    /// The record with its images decoded into `T`. Errors, all
    /// [`Decode`](ErrorKind::Decode): an image is another schema's item
    /// (its type attribute named), the record has no images to decode
    /// (`KEYS_ONLY`), or an image does not fit `T` (the image and the field
    /// named). A record whose stream leaves out its event's only image (a
    /// `REMOVE` on a `NEW_IMAGE` stream, an `INSERT` on an `OLD_IMAGE` one)
    /// decodes with neither image: its kind and keys tell what happened.
    pub fn decode<T: Schema>(&self) -> Result<Change<T>> {
        let ctx = Ctx::recovering::<T>()?;
        if self.image_left_out() {
            return self.change(|_, _| Err(self.no_image(T::SCHEMA.name)));
        }
        if self.image().is_none() {
            return Err(self.no_image(T::SCHEMA.name));
        }
        self.change(|item, _| {
            if !plan::is_own(&ctx, &item) {
                return Err(Self::not_of(&item, T::SCHEMA));
            }
            plan::decode_item::<T>(&ctx, item)
        })
    }

    /// The record decoded into the members of collection `C` whose items
    /// its images are (by their type attribute; a `MODIFY` that replaced
    /// one schema's item with another's gives two members); `Ok(None)` when
    /// no image is a member's (an item of another schema in the same
    /// table). Errors as for [`decode`](Self::decode), and when one image
    /// is a member's and the other not. A record whose stream leaves out
    /// its event's only image (a `REMOVE` on a `NEW_IMAGE` stream, an
    /// `INSERT` on an `OLD_IMAGE` one) cannot tell whose item it was: it
    /// comes as `Some` change with neither image, so that a handler still
    /// sees it (its kind and keys tell what happened).
    pub fn route<C: Collection>(&self) -> Result<Option<Change<C>>> {
        let name = std::any::type_name::<C>();
        let name = name.rsplit("::").next().unwrap_or(name);
        if self.image_left_out() {
            return self.change(|_, _| Err(self.no_image(name))).map(Some);
        }
        if self.image().is_none() {
            return Err(self.no_image(name));
        }
        let old = self
            .old
            .as_ref()
            .map(collection::member_for::<C>)
            .transpose()?;
        let new = self
            .new
            .as_ref()
            .map(collection::member_for::<C>)
            .transpose()?;
        if !old.iter().chain(&new).any(Option::is_some) {
            return Ok(None);
        }
        let members = [old.flatten(), new.flatten()];
        self.change(|item, which| {
            let Some((member, ctx)) = members[usize::from(which == "new")].clone() else {
                return Err(Error::new(
                    ErrorKind::Decode,
                    format!("not an item of any member of `{name}`, while the other image is one"),
                ));
            };
            collection::decode_as_member::<C>(member, ctx, item)
        })
        .map(Some)
    }

    /// The record with each image decoded by `decode` (given the image and
    /// which it is, `"old"` or `"new"`); an image's error says which.
    fn change<T>(&self, decode: impl Fn(WireItem, &str) -> Result<T>) -> Result<Change<T>> {
        let image = |image: &Option<WireItem>, which: &str| {
            image
                .clone()
                .map(|item| decode(item, which))
                .transpose()
                .map_err(|e| {
                    e.map_message(|m| {
                        format!("stream record {}({which} image): {m}", self.id_text())
                    })
                })
        };
        Ok(Change {
            kind: self.kind,
            old: image(&self.old, "old")?,
            new: image(&self.new, "new")?,
            keys: self.keys(),
            sequence_number: self.sequence_number.clone(),
            event_id: self.event_id.clone(),
            expired: self.expiry,
        })
    }

    /// The error for an image that is not `schema`'s item.
    fn not_of(image: &WireItem, schema: &SchemaDef) -> Error {
        let attr = schema.type_attribute();
        let found = match image.get(attr) {
            Some(crate::Value::String(t)) => format!("an item of `{t}`"),
            Some(other) => format!("an item whose `{attr}` is {other:?}"),
            None => format!(
                "an item without `{attr}` or some of `{}`'s key fields",
                schema.name
            ),
        };
        Error::new(
            ErrorKind::Decode,
            format!(
                "{found}, not of `{}` (check `record.is::<{}>()` first, or decode with `route` \
                 into a collection)",
                schema.name, schema.name
            ),
        )
    }

    /// "`<eventID>` " for messages, or nothing.
    fn id_text(&self) -> String {
        self.event_id
            .as_deref()
            .map(|id| format!("`{id}` "))
            .unwrap_or_default()
    }

    fn no_image(&self, what: &str) -> Error {
        let view = match self.view {
            Some(v) => format!("its stream's view type is {}", v.as_str()),
            None => "a stream of view type KEYS_ONLY?".to_owned(),
        };
        Error::new(
            ErrorKind::Decode,
            format!(
                "the stream record {}has no item image to decode as `{what}` ({view}); read its \
                 `keys()`, or give the stream NEW_IMAGE, OLD_IMAGE or NEW_AND_OLD_IMAGES",
                self.id_text()
            ),
        )
    }
}

impl fmt::Debug for ChangeRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChangeRecord")
            .field("kind", &self.kind)
            .field("event_id", &self.event_id)
            .field("sequence_number", &self.sequence_number)
            .field("keys", &self.keys())
            .field("old_image", &self.old.is_some())
            .field("new_image", &self.new.is_some())
            .field("expired", &self.expiry)
            .finish()
    }
}

/// Where reading a table's stream has got to: for each shard, the last
/// record read and where the next read starts, and the shards read to
/// their end. Keep it between [`Client::read_changes`] calls; it is `serde`
/// data, so a consumer can store it as its checkpoint and carry on after a
/// restart.
///
/// Records come at least once: a call that fails leaves the position where
/// it was, so the next one returns what the failed one had read. Where the
/// next read of a shard starts is kept as DynamoDB's shard iterator, which
/// lasts 15 minutes; after that the read starts again just after the
/// shard's last record read, or at the shard's oldest record when none was.
///
/// A stream keeps records for 24 hours. A position older than that is an
/// error, never a silent gap: DynamoDB's `TrimmedDataAccessException` for a
/// shard still listed, a `ValidationError` naming the shard for one the
/// stream no longer lists.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamPosition {
    /// The stream this position is in (set by the first read).
    #[serde(default)]
    stream_arn: Option<String>,
    /// Shard id -> the sequence number of the last record read from it.
    #[serde(default)]
    read: BTreeMap<String, String>,
    /// Shards read to their end (closed ones).
    #[serde(default)]
    finished: BTreeSet<String>,
    /// Shard id -> where the next read starts: the shard iterator the last
    /// page handed back (DynamoDB's, valid for 15 minutes), kept after an
    /// empty page of an open shard (the records that come later, or a
    /// stretch of the shard with none), after the page limit, and for
    /// `latest()`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    next: BTreeMap<String, String>,
    /// Shard id -> when `latest()` entered it (seconds since 1970), while
    /// no record has been read from it. DynamoDB has no iterator "from a
    /// time", so should the kept iterator expire first, the shard is read
    /// from its oldest record, passing over those made before this (less
    /// [`LATEST_CLOCK_ROOM_SECS`]) — not returning the whole stream again.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    entered: BTreeMap<String, i64>,
    /// Shard id -> the time (seconds since 1970) before which records are
    /// passed over: a shard entered by `latest()` being read from its
    /// oldest record, until the first record made after it.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    passing: BTreeMap<String, i64>,
    /// Whether the first read passes over what the stream holds.
    #[serde(default)]
    skip_existing: bool,
}

impl StreamPosition {
    /// Everything the stream still holds (up to 24 hours of changes).
    pub fn oldest() -> StreamPosition {
        StreamPosition::default()
    }

    /// Only changes made after the first read: that read passes over what
    /// the stream holds without reading it (each open shard from its
    /// newest record on, closed shards not at all) and returns nothing.
    /// Should a shard's iterator expire (15 minutes) before any record
    /// comes, the shard is read from its oldest record, passing over those
    /// made before that first read (by their `ApproximateCreationDateTime`,
    /// less a minute for clock differences).
    pub fn latest() -> StreamPosition {
        StreamPosition {
            skip_existing: true,
            ..StreamPosition::default()
        }
    }

    /// The stream this position belongs to, once read from.
    pub fn stream_arn(&self) -> Option<&str> {
        self.stream_arn.as_deref()
    }
}

/// The shards to read, parents before children: a shard whose parent is
/// still listed and not finished waits for the next call, since its records
/// come after all of the parent's. (Shards split and close as DynamoDB
/// scales a table.)
fn ready_shards<'a>(
    shards: &'a [ShardDescription],
    finished: &BTreeSet<String>,
) -> Vec<&'a ShardDescription> {
    let listed: BTreeSet<&str> = shards.iter().map(|s| s.shard_id.as_str()).collect();
    shards
        .iter()
        .filter(|s| !finished.contains(&s.shard_id))
        .filter(|s| {
            s.parent_shard_id
                .as_deref()
                .is_none_or(|p| !listed.contains(p) || finished.contains(p))
        })
        .collect()
}

/// The table a table's or stream's ARN names (`…:table/<name>/stream/…`).
fn arn_table(arn: &str) -> Option<&str> {
    let rest = &arn[arn.find(":table/")? + ":table/".len()..];
    Some(rest.split('/').next().unwrap_or(rest))
}

/// The stream `read_changes` reads: the table's latest one (`latest`,
/// turned on or not), when it is on or the position is already in it — a
/// stream turned off stays readable for a day, so a position in it reads on
/// to its end (its shards are closed). A position of another table's
/// stream is refused as such.
fn stream_to_read(
    table: &str,
    position: Option<&str>,
    latest: Option<&str>,
    enabled: bool,
) -> Result<String> {
    // A position (a checkpoint file, say) of another table's stream.
    if let Some(other) = position.and_then(arn_table)
        && latest.and_then(arn_table).is_some_and(|t| t != other)
    {
        return Err(Error::validation(format!(
            "the stream position is for table `{other}`'s stream, not table `{table}`'s; use a \
             position (or checkpoint) of `{table}`, or start from StreamPosition::oldest()"
        )));
    }
    match (position, latest) {
        (Some(mine), Some(now)) if mine != now => Err(Error::validation(format!(
            "the stream position is for stream `{mine}`, but table `{table}`'s stream is \
             now `{now}` (turned off and on again); start from StreamPosition::oldest()"
        ))),
        (Some(_), Some(now)) => Ok(now.to_owned()),
        (None, Some(now)) if enabled => Ok(now.to_owned()),
        _ => Err(Error::validation(format!(
            "table `{table}` has no stream; turn one on with \
             `Client::enable_stream(table, StreamView::NewAndOldImages)`"
        ))),
    }
}

/// The shards that are closed: DynamoDB gives a closed shard an
/// `EndingSequenceNumber`, and closes one when it splits (its children are
/// listed) or when the stream is turned off. (The local engine marks its
/// open shard's newest record as its end too, so an end alone does not
/// tell.)
fn closed_shards<'a>(shards: &'a [ShardDescription], status: Option<&str>) -> BTreeSet<&'a str> {
    let stream_off = matches!(status, Some("DISABLING" | "DISABLED"));
    let parents: BTreeSet<&str> = shards
        .iter()
        .filter_map(|s| s.parent_shard_id.as_deref())
        .collect();
    shards
        .iter()
        .filter(|s| s.sequence_number_range.ending_sequence_number.is_some())
        .map(|s| s.shard_id.as_str())
        .filter(|id| stream_off || parents.contains(id))
        .collect()
}

impl Client {
    /// Reads the changes `table`'s DynamoDB stream holds from `position`
    /// on, and moves `position` past them.
    ///
    /// Each call reads every shard the stream lists, a parent shard before
    /// its children, and returns the records in the stream's order within a
    /// shard; records of an open shard not yet written come with a later
    /// call. Call it in a loop (with a pause when it returns nothing) to
    /// follow the table, keeping `position` as the checkpoint; decode each
    /// record with [`ChangeRecord::decode`] or [`ChangeRecord::route`].
    ///
    /// A call stops at an open shard's first empty page and keeps where it
    /// stopped in `position`, so a caught-up call costs a `DescribeTable`, a
    /// `DescribeStream` and one `GetRecords` per open shard, and the next
    /// call carries on from there (also through a stretch of a shard
    /// without records, which DynamoDB may answer with empty pages). One
    /// call returning nothing is therefore not the end of what the stream
    /// holds: to read it all and stop, call until two calls in a row return
    /// nothing.
    ///
    /// Errors: `ValidationError` when the table has no stream (turn one on
    /// with [`enable_stream`](Client::enable_stream)), when `position`
    /// belongs to another stream of the table (one turned off and on
    /// again), or when it is part way through a shard the stream no longer
    /// lists (trimmed after 24 hours); DynamoDB's own errors, such as
    /// `TrimmedDataAccessException` for a position older than the stream's
    /// 24 hours in a shard still listed. `position` moves only past records
    /// returned, so after an error the next call returns them again.
    ///
    /// ```
    /// use dynamo::prelude::*;
    /// use dynamo::changes::{StreamPosition, StreamView};
    ///
    /// dynamo_item! {
    ///     #[derive(Debug, Clone, PartialEq)]
    ///     pub struct Visit {
    ///         table_name "visits";
    ///         field :page: String, partition_key;
    ///         field :count: i64;
    ///     }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> dynamo::Result<()> {
    /// # let local = dynamo::local::LocalDynamo::start().await?;
    /// # let client = local.client();
    /// client.create_table::<Visit>().await?;
    /// let table = Visit::schema().effective_table_name();
    /// client.enable_stream(&table, StreamView::NewAndOldImages).await?;
    ///
    /// let mut position = StreamPosition::oldest();
    /// client.put_item(item!(Visit { page: "/", count: 1i64 }), opts![]).await?;
    /// let records = client.read_changes(&table, &mut position).await?;
    /// assert_eq!(records[0].decode::<Visit>()?.new.unwrap().count, 1);
    ///
    /// // The position moved past it: the next call has only what came since.
    /// assert!(client.read_changes(&table, &mut position).await?.is_empty());
    /// # Ok(()) }
    /// ```
    pub async fn read_changes(
        &self,
        table: &str,
        position: &mut StreamPosition,
    ) -> Result<Vec<ChangeRecord>> {
        check_table_name(table)?;
        let described = self
            .execute(&DescribeTable {
                table: table.to_owned(),
            })
            .await?;
        let (latest, enabled) = described.latest_stream();
        let arn = stream_to_read(table, position.stream_arn.as_deref(), latest, enabled)?;

        let mut shards = Vec::new();
        let mut status = None;
        let mut start_after = None;
        loop {
            let page = self
                .execute(&DescribeStream {
                    arn: arn.clone(),
                    table: table.to_owned(),
                    start_after,
                })
                .await?
                .stream_description;
            shards.extend(page.shards);
            status = status.or(page.stream_status);
            match page.last_evaluated_shard_id {
                Some(last) => start_after = Some(last),
                None => break,
            }
        }
        // Worked on a copy, kept only when the whole call succeeds: records
        // read before an error were not returned, so the position must not
        // move past them.
        let mut next = position.clone();
        let listed: BTreeSet<&str> = shards.iter().map(|s| s.shard_id.as_str()).collect();
        // A shard the position is part way through that the stream no
        // longer lists was trimmed (24 hours): what it held after the
        // position is gone, which must not pass unnoticed.
        if let Some(gone) = next
            .read
            .keys()
            .chain(next.next.keys())
            .find(|id| !listed.contains(id.as_str()))
        {
            let upto = next.read.get(gone).map_or_else(String::new, |seq| {
                format!(" (read up to sequence number {seq})")
            });
            return Err(Error::validation(format!(
                "the stream position is part way through shard `{gone}`{upto}, which table \
                 `{table}`'s stream no longer lists: the stream keeps records for 24 hours, so \
                 that shard's later records may be lost; start again from \
                 StreamPosition::oldest() or StreamPosition::latest()"
            )));
        }
        next.finished.retain(|id| listed.contains(id.as_str()));
        next.entered.retain(|id, _| listed.contains(id.as_str()));
        next.passing.retain(|id, _| listed.contains(id.as_str()));
        let closed = closed_shards(&shards, status.as_deref());

        if next.skip_existing && next.stream_arn.is_none() {
            // `latest()`: nothing is read; each open shard is entered at its
            // newest record, closed ones count as read.
            let now = crate::clock::Now::current().epoch_seconds();
            for shard in &shards {
                let id = &shard.shard_id;
                if closed.contains(id.as_str()) {
                    next.finished.insert(id.clone());
                    continue;
                }
                let iterator = self
                    .shard_iterator(table, &arn, id, ShardStart::Latest)
                    .await
                    .map_err(|e| {
                        e.map_message(|m| {
                            format!(
                                "stream of table `{table}`, shard `{id}` (entering it at its \
                                 newest record; the position was not moved): {m}"
                            )
                        })
                    })?;
                if let Some(it) = iterator {
                    next.next.insert(id.clone(), it);
                    next.entered.insert(id.clone(), now);
                }
            }
            next.stream_arn = Some(arn);
            next.skip_existing = false;
            *position = next;
            return Ok(Vec::new());
        }

        let mut out = Vec::new();
        // Each shard once; one finished in this call lets its children be
        // read in it too.
        let mut visited = BTreeSet::new();
        loop {
            let ready: Vec<ShardDescription> = ready_shards(&shards, &next.finished)
                .into_iter()
                .filter(|s| !visited.contains(&s.shard_id))
                .cloned()
                .collect();
            if ready.is_empty() {
                break;
            }
            for shard in &ready {
                visited.insert(shard.shard_id.clone());
                let is_closed = closed.contains(shard.shard_id.as_str());
                let read = self
                    .read_shard(table, &arn, shard, is_closed, &mut next)
                    .await;
                // Every error of a shard names it, and how far it was read:
                // by this call, or before it.
                let read = read.map_err(|e| {
                    let id = &shard.shard_id;
                    let upto = match (next.read.get(id), position.read.get(id)) {
                        (Some(now), before) if before != Some(now) => format!(
                            " (this call read it up to sequence number {now}; the position was \
                             not moved)"
                        ),
                        (Some(now), _) => format!(
                            " (read up to sequence number {now} before this call, which read \
                             nothing more of it; the position was not moved)"
                        ),
                        (None, _) => {
                            " (nothing of it read yet; the position was not moved)".to_owned()
                        }
                    };
                    e.map_message(|m| {
                        format!(
                            "stream of table `{table}`, shard `{}`{upto}: {m}",
                            shard.shard_id
                        )
                    })
                })?;
                out.extend(read);
            }
        }
        next.stream_arn = Some(arn);
        next.skip_existing = false;
        *position = next;
        Ok(out)
    }

    /// A shard iterator of `shard` starting at `from` (`None` for a closed
    /// shard with nothing there).
    async fn shard_iterator(
        &self,
        table: &str,
        arn: &str,
        shard: &str,
        from: ShardStart,
    ) -> Result<Option<String>> {
        Ok(self
            .execute(&GetShardIterator {
                arn: arn.to_owned(),
                table: table.to_owned(),
                shard: shard.to_owned(),
                from,
            })
            .await?
            .shard_iterator)
    }

    /// Reads one shard from `position` on (at most [`PAGES_PER_SHARD`]
    /// pages), moving `position` past what it returns.
    async fn read_shard(
        &self,
        table: &str,
        arn: &str,
        shard: &ShardDescription,
        closed: bool,
        position: &mut StreamPosition,
    ) -> Result<Vec<ChangeRecord>> {
        let id = &shard.shard_id;
        // Where a sequence number says: just after the last record read.
        let restart = |position: &StreamPosition| match position.read.get(id) {
            Some(seq) => ShardStart::After(seq.clone()),
            None => ShardStart::Oldest,
        };
        // Where the last call left off, when it kept the iterator.
        let mut kept = position.next.remove(id);
        let mut iterator = match &kept {
            Some(it) => Some(it.clone()),
            None => {
                self.shard_iterator(table, arn, id, restart(position))
                    .await?
            }
        };
        // A shard entered by `latest()` whose iterator expired before any
        // record came: records made before then are passed over.
        let mut made_before: Option<i64> = position.passing.get(id).copied();
        let mut out = Vec::new();
        let mut pages = 0;
        while pages < PAGES_PER_SHARD {
            let Some(it) = iterator.take() else {
                break;
            };
            let answer = self
                .execute(&GetRecords {
                    iterator: it,
                    table: table.to_owned(),
                })
                .await;
            let page = match answer {
                // A kept iterator past its 15 minutes: start again from the
                // last record read.
                Err(e) if kept.is_some() && e.service_code() == Some(EXPIRED_ITERATOR) => {
                    kept = None;
                    if !position.read.contains_key(id)
                        && let Some(t) = position.entered.remove(id)
                    {
                        let limit = t.saturating_sub(LATEST_CLOCK_ROOM_SECS);
                        position.passing.insert(id.clone(), limit);
                        made_before = Some(limit);
                    }
                    iterator = self
                        .shard_iterator(table, arn, id, restart(position))
                        .await?;
                    continue;
                }
                answer => answer?,
            };
            kept = None;
            pages += 1;
            let empty = page.records.is_empty();
            for raw in &page.records {
                let record = ChangeRecord::from_json(raw.get().as_bytes())?;
                if let Some(seq) = &record.sequence_number {
                    position.read.insert(id.clone(), seq.clone());
                    position.entered.remove(id);
                }
                let before_latest = made_before.is_some_and(|limit| {
                    record
                        .created
                        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                        .is_some_and(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX) < limit)
                });
                if !before_latest {
                    if made_before.take().is_some() {
                        position.passing.remove(id);
                    }
                    out.push(record);
                }
            }
            iterator = page.next_shard_iterator;
            // An open shard with nothing more for now: what comes next (new
            // records, or the rest of a stretch of the shard with none, which
            // DynamoDB may answer with empty pages) comes with a later call,
            // from this iterator. A closed one is followed to its end.
            if empty && !closed && iterator.is_some() {
                break;
            }
        }
        match iterator {
            Some(it) => {
                position.next.insert(id.clone(), it);
            }
            None => {
                // A closed shard read to its end.
                position.read.remove(id);
                position.entered.remove(id);
                position.passing.remove(id);
                position.finished.insert(id.clone());
            }
        }
        Ok(out)
    }
}

/// The record as it comes, before its kind is checked.
#[derive(Deserialize)]
struct RawRecord {
    #[serde(rename = "eventID", default)]
    event_id: Option<String>,
    #[serde(rename = "eventName")]
    event_name: String,
    #[serde(rename = "eventSourceARN", default)]
    source_arn: Option<String>,
    #[serde(rename = "userIdentity", default)]
    user_identity: Option<RawIdentity>,
    dynamodb: RawStreamRecord,
}

/// Who made a change: `type` / `principalId` in a Lambda event,
/// `Type` / `PrincipalId` in a Streams API `GetRecords` answer.
#[derive(Deserialize)]
struct RawIdentity {
    #[serde(rename = "type", alias = "Type", default)]
    kind: Option<String>,
    #[serde(rename = "principalId", alias = "PrincipalId", default)]
    principal: Option<String>,
}

#[derive(Deserialize)]
struct RawStreamRecord {
    #[serde(rename = "Keys")]
    keys: WireItem,
    #[serde(rename = "OldImage", default)]
    old: Option<WireItem>,
    #[serde(rename = "NewImage", default)]
    new: Option<WireItem>,
    #[serde(rename = "SequenceNumber", default)]
    sequence_number: Option<String>,
    #[serde(rename = "ApproximateCreationDateTime", default)]
    created: Option<f64>,
    #[serde(rename = "StreamViewType", default)]
    view: Option<String>,
}

impl<'de> Deserialize<'de> for ChangeRecord {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let raw = RawRecord::deserialize(d)?;
        let kind = ChangeKind::parse(&raw.event_name).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "unknown eventName {:?} (expected INSERT, MODIFY or REMOVE)",
                raw.event_name
            ))
        })?;
        let expiry = kind == ChangeKind::Remove
            && raw.user_identity.is_some_and(|u| {
                u.kind.as_deref() == Some("Service")
                    && u.principal.as_deref() == Some("dynamodb.amazonaws.com")
            });
        // `checked_add`: how far a `SystemTime` reaches differs by platform
        // (about 30,000 years on Windows).
        let created = raw
            .dynamodb
            .created
            .filter(|s| s.is_finite() && *s >= 0.0 && *s < 1e15)
            .and_then(|s| SystemTime::UNIX_EPOCH.checked_add(Duration::from_secs_f64(s)));
        Ok(ChangeRecord {
            kind,
            event_id: raw.event_id,
            source_arn: raw.source_arn,
            expiry,
            sequence_number: raw.dynamodb.sequence_number,
            created,
            // An unknown name is left out, not refused: a newer view type
            // must not stop a reader.
            view: raw.dynamodb.view.as_deref().and_then(StreamView::parse),
            keys: raw.dynamodb.keys,
            old: raw.dynamodb.old,
            new: raw.dynamodb.new,
        })
    }
}

fn parse<T: serde::de::DeserializeOwned>(json: &[u8], what: &str) -> Result<T> {
    from_json_bytes(json).map_err(|e| Error::new(ErrorKind::Decode, format!("not {what}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Value;

    crate::dynamo_item! {
        #[derive(Debug, Clone, PartialEq)]
        pub struct User {
            table_name "users";
            field :id: String, partition_key;
            field :age: u32, default: 18u32;
        }
    }

    crate::dynamo_item! {
        #[derive(Debug, Clone, PartialEq)]
        pub struct Order {
            table_name "users";
            field :id: String, partition_key;
        }
    }

    /// A Lambda event of three records, as AWS documents it.
    const EVENT: &str = r#"{"Records": [
      {"eventID": "e1", "eventName": "INSERT", "eventVersion": "1.1", "eventSource": "aws:dynamodb",
       "awsRegion": "us-east-1",
       "dynamodb": {"ApproximateCreationDateTime": 1479499740,
         "Keys": {"pk": {"S": "u1"}},
         "NewImage": {"pk": {"S": "u1"}, "_type": {"S": "User"}, "id": {"S": "u1"}, "age": {"N": "36"}},
         "SequenceNumber": "111", "SizeBytes": 26, "StreamViewType": "NEW_AND_OLD_IMAGES"},
       "eventSourceARN": "arn:aws:dynamodb:us-east-1:123456789012:table/users/stream/2015-06-27T00:48:05.899"},
      {"eventID": "e2", "eventName": "MODIFY", "eventSource": "aws:dynamodb",
       "dynamodb": {"Keys": {"pk": {"S": "o1"}},
         "OldImage": {"pk": {"S": "o1"}, "_type": {"S": "Order"}, "id": {"S": "o1"}},
         "NewImage": {"pk": {"S": "o1"}, "_type": {"S": "Order"}, "id": {"S": "o1"}},
         "SequenceNumber": "222"}},
      {"eventID": "e3", "eventName": "REMOVE", "eventSource": "aws:dynamodb",
       "userIdentity": {"type": "Service", "principalId": "dynamodb.amazonaws.com"},
       "dynamodb": {"Keys": {"pk": {"S": "u1"}},
         "OldImage": {"pk": {"S": "u1"}, "_type": {"S": "User"}, "id": {"S": "u1"}, "age": {"N": "37"}},
         "SequenceNumber": "333"}}
    ]}"#;

    fn records() -> Vec<ChangeRecord> {
        ChangeEvent::from_json(EVENT.as_bytes()).unwrap().records
    }

    #[test]
    fn an_expiry_in_a_get_records_answer_is_one() {
        // The Streams API spells the identity's members PrincipalId / Type
        // (a Lambda event: principalId / type).
        let answer = br#"{"NextShardIterator":"it","Records":[{"eventID":"e3","eventName":"REMOVE",
          "userIdentity":{"PrincipalId":"dynamodb.amazonaws.com","Type":"Service"},
          "dynamodb":{"Keys":{"pk":{"S":"u1"}},"SequenceNumber":"333","OldImage":{"pk":{"S":"u1"}}}}]}"#;
        let event = ChangeEvent::from_json(answer).unwrap();
        assert!(event.records[0].is_expiry());
    }

    #[test]
    fn a_lambda_event_is_read_record_by_record() {
        let r = records();
        assert_eq!(r.len(), 3);
        assert_eq!(
            r.iter().map(ChangeRecord::kind).collect::<Vec<_>>(),
            [ChangeKind::Insert, ChangeKind::Modify, ChangeKind::Remove]
        );
        assert_eq!(r[0].event_id(), Some("e1"));
        assert_eq!(r[0].sequence_number(), Some("111"));
        assert_eq!(r[0].table_name(), Some("users"));
        assert_eq!(r[1].table_name(), None);
        assert_eq!(
            r[0].approximate_creation_time(),
            Some(SystemTime::UNIX_EPOCH + Duration::from_secs(1_479_499_740))
        );
        assert_eq!(r[0].keys()["pk"], Value::from("u1"));
        assert!(r[0].old_image().is_none());
        assert_eq!(r[0].new_image().unwrap()["age"], Value::from(36));
        assert!(!r[0].is_expiry() && !r[1].is_expiry());
        assert!(
            r[2].is_expiry(),
            "a REMOVE by dynamodb.amazonaws.com is time to live's"
        );
        assert_eq!(ChangeKind::Modify.to_string(), "MODIFY");
    }

    #[test]
    fn records_are_decoded_into_their_own_schema_only() {
        let r = records();
        assert!(r[0].is::<User>() && !r[0].is::<Order>());
        assert!(r[1].is::<Order>() && !r[1].is::<User>());
        assert!(r[2].is::<User>(), "a removal is told by its old image");

        let insert = r[0].decode::<User>().unwrap();
        assert_eq!(insert.kind, ChangeKind::Insert);
        assert_eq!(insert.old, None);
        assert_eq!(insert.new.unwrap().age, 36);
        assert_eq!(insert.event_id.as_deref(), Some("e1"));
        assert_eq!(insert.sequence_number.as_deref(), Some("111"));

        let removal = r[2].decode::<User>().unwrap();
        assert_eq!(removal.old.unwrap().age, 37);
        assert_eq!(removal.new, None);
        assert!(removal.expired);

        let e = r[1].decode::<User>().unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Decode);
        assert!(
            e.message()
                .contains("stream record `e2` (old image): an item of `Order`, not of `User`"),
            "{}",
            e.message()
        );
    }

    #[test]
    fn an_image_that_does_not_fit_names_the_image_and_the_field() {
        let json = br#"{"eventID": "x", "eventName": "MODIFY", "dynamodb": {
            "Keys": {"pk": {"S": "u1"}},
            "OldImage": {"_type": {"S": "User"}, "id": {"S": "u1"}, "age": {"N": "3"}},
            "NewImage": {"_type": {"S": "User"}, "id": {"S": "u1"}, "age": {"S": "old"}}}}"#;
        let e = ChangeRecord::from_json(json)
            .unwrap()
            .decode::<User>()
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Decode);
        assert!(e.message().contains("new image"), "{}", e.message());
        assert!(e.message().contains("`age`"), "{}", e.message());
    }

    #[test]
    fn a_keys_only_record_is_nobodys_and_says_why() {
        let json = br#"{"eventName": "REMOVE", "dynamodb": {"Keys": {"pk": {"S": "u1"}},
            "StreamViewType": "KEYS_ONLY"}}"#;
        let r = ChangeRecord::from_json(json).unwrap();
        assert!(!r.is::<User>());
        assert_eq!(r.keys()["pk"], Value::from("u1"));
        assert!(!r.is_expiry());
        let e = r.decode::<User>().unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Decode);
        assert!(e.message().contains("KEYS_ONLY"), "{}", e.message());
    }

    #[test]
    fn a_record_whose_view_leaves_out_its_only_image_decodes_without_images() {
        for (event, view, kind) in [
            ("REMOVE", "NEW_IMAGE", ChangeKind::Remove),
            ("INSERT", "OLD_IMAGE", ChangeKind::Insert),
        ] {
            let json = format!(
                r#"{{"eventID": "e1", "eventName": "{event}", "dynamodb": {{"Keys": {{"pk": {{"S": "u1"}}}},
                    "SequenceNumber": "7", "StreamViewType": "{view}"}}}}"#
            );
            let r = ChangeRecord::from_json(json.as_bytes()).unwrap();
            assert_eq!(r.view().map(StreamView::as_str), Some(view));
            assert!(!r.is::<User>());
            let c = r.decode::<User>().unwrap();
            assert_eq!((c.kind, c.old, c.new), (kind, None, None));
            assert_eq!(c.keys["pk"], Value::from("u1"));
            assert_eq!(c.sequence_number.as_deref(), Some("7"));
            let routed = r.route::<Both>().unwrap().expect("a handler sees it");
            assert_eq!((routed.kind, routed.old, routed.new), (kind, None, None));
            assert_eq!(routed.keys["pk"], Value::from("u1"));
        }
        // The same event with an image it should not lack is still an error
        // that names the stream's view type.
        let json = br#"{"eventName": "MODIFY", "dynamodb": {"Keys": {"pk": {"S": "u1"}},
            "StreamViewType": "NEW_IMAGE"}}"#;
        let e = ChangeRecord::from_json(json)
            .unwrap()
            .decode::<User>()
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Decode);
        assert!(
            e.message().contains("view type is NEW_IMAGE"),
            "{}",
            e.message()
        );
        assert!(!e.message().contains("KEYS_ONLY)"), "{}", e.message());
    }

    #[test]
    fn an_item_without_a_type_counts_when_it_holds_the_key_fields() {
        let json = br#"{"eventName": "INSERT", "dynamodb": {"Keys": {"pk": {"S": "u9"}},
            "NewImage": {"pk": {"S": "u9"}, "id": {"S": "u9"}}}}"#;
        let r = ChangeRecord::from_json(json).unwrap();
        assert!(r.is::<User>());
        assert_eq!(r.decode::<User>().unwrap().new.unwrap().age, 18);
        let json = br#"{"eventName": "INSERT", "dynamodb": {"Keys": {"pk": {"S": "u9"}},
            "NewImage": {"pk": {"S": "u9"}, "_type": {"N": "1"}}}}"#;
        let e = ChangeRecord::from_json(json)
            .unwrap()
            .decode::<User>()
            .unwrap_err();
        assert!(e.message().contains("whose `_type` is"), "{}", e.message());
    }

    crate::collection! {
        #[derive(Debug, Clone, PartialEq)]
        pub enum Both {
            User(User),
            Order(Order),
        }
    }

    crate::collection! {
        #[derive(Debug, Clone, PartialEq)]
        pub enum UsersOnly {
            User(User),
        }
    }

    #[test]
    fn an_item_replaced_by_another_schemas_is_neither_schemas_alone() {
        // A put of an Order over a User's key: one MODIFY, two schemas.
        let json = br#"{"eventID": "r", "eventName": "MODIFY", "dynamodb": {
            "Keys": {"pk": {"S": "k"}},
            "OldImage": {"_type": {"S": "User"}, "id": {"S": "k"}, "age": {"N": "40"}},
            "NewImage": {"_type": {"S": "Order"}, "id": {"S": "k"}}}}"#;
        let r = ChangeRecord::from_json(json).unwrap();
        let e = r.decode::<User>().unwrap_err();
        assert!(
            e.message()
                .contains("(new image): an item of `Order`, not of `User`"),
            "{}",
            e.message()
        );
        let e = r.decode::<Order>().unwrap_err();
        assert!(
            e.message().contains("(old image): an item of `User`"),
            "{}",
            e.message()
        );

        let both = r.route::<Both>().unwrap().unwrap();
        assert!(matches!(both.old, Some(Both::User(ref u)) if u.age == 40));
        assert!(matches!(both.new, Some(Both::Order(ref o)) if o.id == "k"));

        let e = r.route::<UsersOnly>().unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Decode);
        assert!(
            e.message()
                .contains("(new image): not an item of any member of `UsersOnly`"),
            "{}",
            e.message()
        );

        // No image of a member: nobody's record, not an error.
        let json = br#"{"eventName": "INSERT", "dynamodb": {"Keys": {"pk": {"S": "k"}},
            "NewImage": {"_type": {"S": "Order"}, "id": {"S": "k"}}}}"#;
        let r = ChangeRecord::from_json(json).unwrap();
        assert_eq!(r.route::<UsersOnly>().unwrap(), None);
        let keys_only =
            ChangeRecord::from_json(br#"{"eventName": "INSERT", "dynamodb": {"Keys": {}}}"#)
                .unwrap();
        let e = keys_only.route::<UsersOnly>().unwrap_err();
        assert!(e.message().contains("`UsersOnly`"), "{}", e.message());
    }

    fn shard(id: &str, parent: Option<&str>, closed: bool) -> ShardDescription {
        ShardDescription {
            shard_id: id.to_owned(),
            parent_shard_id: parent.map(str::to_owned),
            sequence_number_range: crate::request::SequenceNumberRange {
                ending_sequence_number: closed.then(|| "9".to_owned()),
            },
        }
    }

    #[test]
    fn parent_shards_are_read_before_their_children() {
        let ids = |v: Vec<&ShardDescription>| -> Vec<String> {
            v.into_iter().map(|s| s.shard_id.clone()).collect()
        };
        // a (closed) split into b and c; d's parent is gone (trimmed).
        let shards = [
            shard("a", None, true),
            shard("b", Some("a"), false),
            shard("c", Some("a"), false),
            shard("d", Some("gone"), false),
        ];
        let mut finished = BTreeSet::new();
        assert_eq!(ids(ready_shards(&shards, &finished)), ["a", "d"]);
        finished.insert("a".to_owned());
        assert_eq!(ids(ready_shards(&shards, &finished)), ["b", "c", "d"]);
        finished.extend(["b".to_owned(), "c".to_owned(), "d".to_owned()]);
        assert!(ready_shards(&shards, &finished).is_empty());
    }

    #[test]
    fn a_position_reads_on_in_a_stream_turned_off() {
        let read = |position, latest, enabled| {
            stream_to_read("t", position, latest, enabled).map_err(|e| e.message().to_owned())
        };
        assert_eq!(read(None, Some("s1"), true).unwrap(), "s1");
        assert_eq!(read(Some("s1"), Some("s1"), true).unwrap(), "s1");
        // Turned off: a position in it reads what is left; a new one has
        // no stream to read.
        assert_eq!(read(Some("s1"), Some("s1"), false).unwrap(), "s1");
        assert!(
            read(None, Some("s1"), false)
                .unwrap_err()
                .contains("has no stream")
        );
        assert!(
            read(None, None, false)
                .unwrap_err()
                .contains("has no stream")
        );
        assert!(
            read(Some("s1"), None, false)
                .unwrap_err()
                .contains("has no stream")
        );
        // Turned off and on again: another stream.
        let e = read(Some("s1"), Some("s2"), true).unwrap_err();
        assert!(e.contains("turned off and on again"), "{e}");
        let e = read(Some("s1"), Some("s2"), false).unwrap_err();
        assert!(e.contains("turned off and on again"), "{e}");
        // Another table's stream: said so, not "turned off and on again".
        let arn = |t: &str| {
            format!(
                "arn:aws:dynamodb:us-east-1:000000000000:table/{t}/stream/2026-12-04T00:00:00.000"
            )
        };
        let (a, t, t2) = (arn("a"), arn("t"), format!("{}1", arn("t")));
        let e = stream_to_read("t", Some(&a), Some(&t), true).unwrap_err();
        assert!(
            e.message()
                .contains("for table `a`'s stream, not table `t`'s"),
            "{e}"
        );
        let e = stream_to_read("t", Some(&t), Some(&t2), true).unwrap_err();
        assert!(e.message().contains("turned off and on again"), "{e}");
        assert_eq!(arn_table(&arn("my-table")), Some("my-table"));
        assert_eq!(arn_table("not an arn"), None);
    }

    #[test]
    fn a_shard_is_closed_when_split_or_when_the_stream_is_off() {
        let shards = [
            shard("a", None, true),
            shard("b", Some("a"), false),
            // The local engine's one open shard, its newest record as "end".
            shard("c", None, true),
            shard("d", None, false),
        ];
        let closed = |status| {
            closed_shards(&shards, status)
                .into_iter()
                .collect::<Vec<_>>()
        };
        assert_eq!(closed(Some("ENABLED")), ["a"]);
        assert_eq!(closed(None), ["a"]);
        assert_eq!(closed(Some("DISABLED")), ["a", "c"]);
        assert_eq!(closed(Some("DISABLING")), ["a", "c"]);
    }

    #[test]
    fn a_position_is_serde_data() {
        let mut p = StreamPosition::latest();
        p.stream_arn = Some("arn:s".into());
        p.read.insert("shard-1".into(), "100".into());
        p.finished.insert("shard-0".into());
        p.next.insert("shard-1".into(), "iterator-1".into());
        let text = serde_json::to_string(&p).unwrap();
        assert_eq!(serde_json::from_str::<StreamPosition>(&text).unwrap(), p);
        assert_eq!(
            serde_json::from_str::<StreamPosition>("{}").unwrap(),
            StreamPosition::oldest()
        );
        assert_eq!(p.stream_arn(), Some("arn:s"));
        assert_eq!(StreamView::NewAndOldImages.as_str(), "NEW_AND_OLD_IMAGES");
    }

    #[test]
    fn text_that_is_not_a_record_is_a_typed_error() {
        for (json, says) in [
            (&br#"{"Records": [{"eventName": "UPSERT", "dynamodb": {"Keys": {}}}]}"#[..], "UPSERT"),
            // Another kind of event (here API Gateway's) is not zero records.
            (br#"{"body": "{}", "httpMethod": "POST"}"#, "missing field `Records`"),
            (br#"{"Records": [{"eventName": "INSERT", "dynamodb": {}}]}"#, "missing field `Keys`"),
            (br#"{"Records": [{"dynamodb": {"Keys": {}}}]}"#, "eventName"),
            (br#"{"Records": [{"eventName": "INSERT"}]}"#, "dynamodb"),
            (br#"{"Records": [{"eventName": "INSERT", "dynamodb": {"Keys": {"pk": {"Q": "1"}}}}]}"#, "Q"),
            (br#"{"Records": "#, "EOF"),
        ] {
            let e = ChangeEvent::from_json(json).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Decode);
            assert!(e.message().contains(says), "{says}: {}", e.message());
            assert!(e.message().starts_with("not a DynamoDB Streams event"), "{}", e.message());
        }
        // A `GetRecords` answer has the same records, and more fields.
        let answer = br#"{"NextShardIterator": "it", "Records": []}"#;
        assert!(ChangeEvent::from_json(answer).unwrap().records.is_empty());
        // A creation time that is no time is left out, not a panic.
        let json = br#"{"eventName": "INSERT", "dynamodb": {"Keys": {}, "ApproximateCreationDateTime": -5}}"#;
        assert_eq!(
            ChangeRecord::from_json(json)
                .unwrap()
                .approximate_creation_time(),
            None
        );
    }
}
