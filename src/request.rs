//! Requests and answers: what the plans produce and the transport sends,
//! as the crate's own values — DynamoDB's JSON shapes, no backend types.
//!
//! Every request renders itself as DynamoDB's JSON body
//! ([`Request::to_json`]); every answer parses from DynamoDB's JSON answer
//! with serde. Neither knows schemas, options or key rules: those are the
//! plans' (`crate::plan`). The transport (`crate::client`) knows nothing but
//! the operation name, the table (for logs) and the bytes.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::ops::Range;

use bytes::Bytes;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;

use crate::codec::ScalarType;
use crate::codec::wire::{EncodedItem, JsonWriter, WireItem, from_json_bytes};
use crate::value::Value;

/// The API a request belongs to. The Streams API has a host of its own on
/// AWS (`streams.dynamodb.<region>.amazonaws.com`) and the same signing
/// name; a configured endpoint serves both.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Api {
    /// DynamoDB's own (`DynamoDB_20120810`).
    DynamoDb,
    /// DynamoDB Streams (`DynamoDBStreams_20120810`).
    Streams,
}

impl Api {
    /// The `X-Amz-Target` header's prefix, up to the operation name.
    pub(crate) fn target_prefix(self) -> &'static str {
        match self {
            Api::DynamoDb => "DynamoDB_20120810.",
            Api::Streams => "DynamoDBStreams_20120810.",
        }
    }
}

/// A request of one DynamoDB operation.
pub(crate) trait Request {
    /// The operation name (`X-Amz-Target: DynamoDB_20120810.<OPERATION>`).
    const OPERATION: &'static str;
    /// The API the operation belongs to.
    const API: Api = Api::DynamoDb;
    /// What DynamoDB answers.
    type Answer: Answer;
    /// The table the request is about (for logs and spans; empty for
    /// `ListTables`).
    fn table(&self) -> &str;
    /// Writes the JSON body; `capacity` asks DynamoDB to report consumed
    /// capacity.
    fn write_json(&self, w: &mut JsonWriter, capacity: bool);

    /// Checks what DynamoDB would refuse in the request as a whole, once its
    /// parts are put together (an expression's length): a
    /// `ValidationError` before anything is sent.
    fn check_limits(&self) -> crate::error::Result<()> {
        Ok(())
    }

    /// The JSON body.
    fn to_json(&self, capacity: bool) -> Vec<u8> {
        let mut w = JsonWriter::with_capacity(256);
        self.write_json(&mut w, capacity);
        w.into_bytes()
    }
}

/// What every answer can tell, and how it is read from its bytes.
pub(crate) trait Answer: Sized {
    /// Consumed capacity units, when reported.
    fn capacity(&self) -> Option<f64>;
    /// Reads the answer from DynamoDB's JSON.
    fn from_bytes(bytes: Bytes) -> serde_json::Result<Self>;
}

/// An answer parsed from its JSON as a whole, with serde: every answer
/// but a stream's page ([`TextPageAnswer`]).
pub(crate) trait JsonAnswer: DeserializeOwned {
    /// Consumed capacity units, when reported.
    fn capacity_units(&self) -> Option<f64> {
        None
    }
}

impl<T: JsonAnswer> Answer for T {
    fn capacity(&self) -> Option<f64> {
        self.capacity_units()
    }
    fn from_bytes(bytes: Bytes) -> serde_json::Result<T> {
        from_json_bytes(&bytes)
    }
}

/// A primary key (or an exclusive start key) as attribute names and values.
pub(crate) type KeyAttrs = Vec<(String, Value)>;

/// Expression attribute names and values of one request.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Exprs {
    pub(crate) names: BTreeMap<String, String>,
    pub(crate) values: BTreeMap<String, Value>,
}

impl Exprs {
    fn write(&self, w: &mut JsonWriter) {
        if !self.names.is_empty() {
            w.key("ExpressionAttributeNames");
            w.begin_object();
            for (k, v) in &self.names {
                w.field_str(k, v);
            }
            w.end_object();
        }
        if !self.values.is_empty() {
            w.key("ExpressionAttributeValues");
            w.value_map(self.values.iter().map(|(k, v)| (k.as_str(), v)));
        }
    }
}

/// DynamoDB's limit on the length of one expression (a condition, filter,
/// key condition, projection or update), in bytes.
pub(crate) const MAX_EXPRESSION_BYTES: usize = 4 * 1024;

/// A `ValidationError` when the expression `name` (its request field, as
/// `ConditionExpression`) is longer than DynamoDB takes.
fn check_expression(name: &str, expr: Option<&str>) -> crate::error::Result<()> {
    match expr {
        Some(e) if e.len() > MAX_EXPRESSION_BYTES => Err(crate::error::Error::validation(format!(
            "the {name} is {} bytes, over DynamoDB's limit of \
                 {MAX_EXPRESSION_BYTES} bytes for an expression{}",
            e.len(),
            match name {
                "UpdateExpression" => "; update fewer attributes in one call",
                "ProjectionExpression" => "; ask for fewer attributes",
                _ => "; write a shorter one",
            }
        ))),
        _ => Ok(()),
    }
}

/// What a write returns (`ReturnValues`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ReturnValues {
    /// Nothing.
    None,
    /// The item as it was.
    AllOld,
    /// The item as it is now (updates).
    AllNew,
}

impl ReturnValues {
    fn as_str(self) -> Option<&'static str> {
        match self {
            ReturnValues::None => None,
            ReturnValues::AllOld => Some("ALL_OLD"),
            ReturnValues::AllNew => Some("ALL_NEW"),
        }
    }
}

fn write_key(w: &mut JsonWriter, name: &str, key: &KeyAttrs) {
    w.key(name);
    w.value_map(key.iter().map(|(k, v)| (k.as_str(), v)));
}

fn write_capacity(w: &mut JsonWriter, capacity: bool) {
    if capacity {
        w.field_str("ReturnConsumedCapacity", "TOTAL");
    }
}

// ---------------------------------------------------------------------------
// Item operations
// ---------------------------------------------------------------------------

/// PutItem.
#[derive(Clone, Debug)]
pub(crate) struct PutItem {
    pub(crate) table: String,
    pub(crate) item: EncodedItem,
    pub(crate) condition: Option<String>,
    pub(crate) exprs: Exprs,
    pub(crate) return_values: ReturnValues,
    /// Ask for the stored item when the condition fails.
    pub(crate) return_on_condition_failure: bool,
}

/// GetItem.
#[derive(Clone, Debug)]
pub(crate) struct GetItem {
    pub(crate) table: String,
    pub(crate) key: KeyAttrs,
    pub(crate) consistent: bool,
    pub(crate) projection: Option<String>,
    pub(crate) names: BTreeMap<String, String>,
}

/// DeleteItem.
#[derive(Clone, Debug)]
pub(crate) struct DeleteItem {
    pub(crate) table: String,
    pub(crate) key: KeyAttrs,
    pub(crate) condition: Option<String>,
    pub(crate) exprs: Exprs,
    pub(crate) return_values: ReturnValues,
    pub(crate) return_on_condition_failure: bool,
}

/// UpdateItem.
#[derive(Clone, Debug)]
pub(crate) struct UpdateItem {
    pub(crate) table: String,
    pub(crate) key: KeyAttrs,
    pub(crate) update: String,
    pub(crate) condition: Option<String>,
    pub(crate) exprs: Exprs,
    pub(crate) return_values: ReturnValues,
    pub(crate) return_on_condition_failure: bool,
}

fn write_condition(w: &mut JsonWriter, condition: Option<&str>, failure: bool) {
    if let Some(c) = condition {
        w.field_str("ConditionExpression", c);
        if failure {
            w.field_str("ReturnValuesOnConditionCheckFailure", "ALL_OLD");
        }
    }
}

impl Request for PutItem {
    const OPERATION: &'static str = "PutItem";
    type Answer = AttributesAnswer;
    fn table(&self) -> &str {
        &self.table
    }
    fn check_limits(&self) -> crate::error::Result<()> {
        check_expression("ConditionExpression", self.condition.as_deref())
    }
    fn write_json(&self, w: &mut JsonWriter, capacity: bool) {
        w.begin_object();
        w.field_str("TableName", &self.table);
        w.key("Item");
        w.raw(&self.item.json);
        write_condition(
            w,
            self.condition.as_deref(),
            self.return_on_condition_failure,
        );
        self.exprs.write(w);
        w.field_opt_str("ReturnValues", self.return_values.as_str());
        write_capacity(w, capacity);
        w.end_object();
    }
}

impl Request for GetItem {
    const OPERATION: &'static str = "GetItem";
    type Answer = GetAnswer;
    fn table(&self) -> &str {
        &self.table
    }
    fn check_limits(&self) -> crate::error::Result<()> {
        check_expression("ProjectionExpression", self.projection.as_deref())
    }
    fn write_json(&self, w: &mut JsonWriter, capacity: bool) {
        w.begin_object();
        w.field_str("TableName", &self.table);
        write_key(w, "Key", &self.key);
        if self.consistent {
            w.key("ConsistentRead");
            w.bool(true);
        }
        w.field_opt_str("ProjectionExpression", self.projection.as_deref());
        Exprs {
            names: self.names.clone(),
            values: BTreeMap::new(),
        }
        .write(w);
        write_capacity(w, capacity);
        w.end_object();
    }
}

impl Request for DeleteItem {
    const OPERATION: &'static str = "DeleteItem";
    type Answer = AttributesAnswer;
    fn table(&self) -> &str {
        &self.table
    }
    fn check_limits(&self) -> crate::error::Result<()> {
        check_expression("ConditionExpression", self.condition.as_deref())
    }
    fn write_json(&self, w: &mut JsonWriter, capacity: bool) {
        w.begin_object();
        w.field_str("TableName", &self.table);
        write_key(w, "Key", &self.key);
        write_condition(
            w,
            self.condition.as_deref(),
            self.return_on_condition_failure,
        );
        self.exprs.write(w);
        w.field_opt_str("ReturnValues", self.return_values.as_str());
        write_capacity(w, capacity);
        w.end_object();
    }
}

impl Request for UpdateItem {
    const OPERATION: &'static str = "UpdateItem";
    type Answer = AttributesAnswer;
    fn table(&self) -> &str {
        &self.table
    }
    fn check_limits(&self) -> crate::error::Result<()> {
        check_expression("UpdateExpression", Some(&self.update))?;
        check_expression("ConditionExpression", self.condition.as_deref())
    }
    fn write_json(&self, w: &mut JsonWriter, capacity: bool) {
        w.begin_object();
        w.field_str("TableName", &self.table);
        write_key(w, "Key", &self.key);
        w.field_str("UpdateExpression", &self.update);
        write_condition(
            w,
            self.condition.as_deref(),
            self.return_on_condition_failure,
        );
        self.exprs.write(w);
        w.field_opt_str("ReturnValues", self.return_values.as_str());
        write_capacity(w, capacity);
        w.end_object();
    }
}

// ---------------------------------------------------------------------------
// Query and Scan
// ---------------------------------------------------------------------------

/// What a query or scan reads: one request per page; `start` moves on.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Read {
    pub(crate) table: String,
    pub(crate) index: Option<String>,
    /// `Some` for a Query, `None` for a Scan.
    pub(crate) key_condition: Option<String>,
    pub(crate) filter: Option<String>,
    pub(crate) projection: Option<String>,
    pub(crate) exprs: Exprs,
    pub(crate) limit: Option<u32>,
    pub(crate) forward: Option<bool>,
    pub(crate) consistent: bool,
    pub(crate) select: Option<&'static str>,
    pub(crate) start: Option<KeyAttrs>,
    /// `(segment, total)` of a parallel scan.
    pub(crate) segment: Option<(u32, u32)>,
}

/// The largest `Limit` DynamoDB takes (a 32-bit signed integer). A larger
/// limit asks for more than a page ever holds, so it is sent as this.
const MAX_LIMIT: u32 = i32::MAX as u32;

impl Read {
    fn check_limits(&self) -> crate::error::Result<()> {
        check_expression("KeyConditionExpression", self.key_condition.as_deref())?;
        check_expression("FilterExpression", self.filter.as_deref())?;
        check_expression("ProjectionExpression", self.projection.as_deref())
    }

    fn write_common(&self, w: &mut JsonWriter, capacity: bool) {
        w.field_str("TableName", &self.table);
        w.field_opt_str("IndexName", self.index.as_deref());
        w.field_opt_str("KeyConditionExpression", self.key_condition.as_deref());
        w.field_opt_str("FilterExpression", self.filter.as_deref());
        w.field_opt_str("ProjectionExpression", self.projection.as_deref());
        self.exprs.write(w);
        if let Some(l) = self.limit {
            w.key("Limit");
            w.int(i64::from(l.min(MAX_LIMIT)));
        }
        if let Some(f) = self.forward {
            w.key("ScanIndexForward");
            w.bool(f);
        }
        if self.consistent {
            w.key("ConsistentRead");
            w.bool(true);
        }
        w.field_opt_str("Select", self.select);
        if let Some(k) = &self.start {
            write_key(w, "ExclusiveStartKey", k);
        }
        if let Some((segment, total)) = self.segment {
            w.key("Segment");
            w.int(i64::from(segment));
            w.key("TotalSegments");
            w.int(i64::from(total));
        }
        write_capacity(w, capacity);
    }
}

/// Query: a [`Read`] with a key condition.
#[derive(Clone, Debug)]
pub(crate) struct Query(pub(crate) Read);

/// Scan: a [`Read`] without one.
#[derive(Clone, Debug)]
pub(crate) struct Scan(pub(crate) Read);

/// A [`Query`] read by a stream: its page keeps each item as text
/// ([`TextPageAnswer`]). Borrows the request, so a stream sends page after
/// page without copying it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct QueryText<'a>(pub(crate) &'a Read);

/// A [`Scan`] read by a stream (see [`QueryText`]).
#[derive(Clone, Copy, Debug)]
pub(crate) struct ScanText<'a>(pub(crate) &'a Read);

/// The `Request` of a page read: `Query` or `Scan` on a [`Read`], parsed
/// into `$answer`.
macro_rules! page_request {
    ($($ty:ty => $op:literal, $answer:ty;)*) => {$(
        impl Request for $ty {
            const OPERATION: &'static str = $op;
            type Answer = $answer;
            fn table(&self) -> &str {
                &self.0.table
            }
            fn check_limits(&self) -> crate::error::Result<()> {
                self.0.check_limits()
            }
            fn write_json(&self, w: &mut JsonWriter, capacity: bool) {
                w.begin_object();
                self.0.write_common(w, capacity);
                w.end_object();
            }
        }
    )*};
}

page_request! {
    Query => "Query", PageAnswer;
    Scan => "Scan", PageAnswer;
    QueryText<'_> => "Query", TextPageAnswer;
    ScanText<'_> => "Scan", TextPageAnswer;
}

// ---------------------------------------------------------------------------
// Batches
// ---------------------------------------------------------------------------

/// One request of a BatchWriteItem.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum WriteRequest {
    Put(EncodedItem),
    Delete(KeyAttrs),
}

/// BatchWriteItem on one table (at most 25 requests).
#[derive(Clone, Debug)]
pub(crate) struct BatchWrite {
    pub(crate) table: String,
    pub(crate) writes: Vec<WriteRequest>,
}

impl Request for BatchWrite {
    const OPERATION: &'static str = "BatchWriteItem";
    type Answer = BatchWriteAnswer;
    fn table(&self) -> &str {
        &self.table
    }
    fn write_json(&self, w: &mut JsonWriter, capacity: bool) {
        w.begin_object();
        w.key("RequestItems");
        w.begin_object();
        w.key(&self.table);
        w.begin_array();
        for r in &self.writes {
            w.begin_object();
            match r {
                WriteRequest::Put(item) => {
                    w.key("PutRequest");
                    w.begin_object();
                    w.key("Item");
                    w.raw(&item.json);
                    w.end_object();
                }
                WriteRequest::Delete(key) => {
                    w.key("DeleteRequest");
                    w.begin_object();
                    write_key(w, "Key", key);
                    w.end_object();
                }
            }
            w.end_object();
        }
        w.end_array();
        w.end_object();
        write_capacity(w, capacity);
        w.end_object();
    }
}

/// BatchGetItem on one table (at most 100 keys).
#[derive(Clone, Debug)]
pub(crate) struct BatchGet {
    pub(crate) table: String,
    pub(crate) keys: Vec<KeyAttrs>,
    pub(crate) consistent: bool,
    pub(crate) projection: Option<String>,
    pub(crate) names: BTreeMap<String, String>,
}

impl Request for BatchGet {
    const OPERATION: &'static str = "BatchGetItem";
    type Answer = BatchGetAnswer;
    fn table(&self) -> &str {
        &self.table
    }
    fn check_limits(&self) -> crate::error::Result<()> {
        check_expression("ProjectionExpression", self.projection.as_deref())
    }
    fn write_json(&self, w: &mut JsonWriter, capacity: bool) {
        w.begin_object();
        w.key("RequestItems");
        w.begin_object();
        w.key(&self.table);
        w.begin_object();
        w.key("Keys");
        w.begin_array();
        for k in &self.keys {
            w.value_map(k.iter().map(|(n, v)| (n.as_str(), v)));
        }
        w.end_array();
        if self.consistent {
            w.key("ConsistentRead");
            w.bool(true);
        }
        w.field_opt_str("ProjectionExpression", self.projection.as_deref());
        Exprs {
            names: self.names.clone(),
            values: BTreeMap::new(),
        }
        .write(w);
        w.end_object();
        w.end_object();
        write_capacity(w, capacity);
        w.end_object();
    }
}

// ---------------------------------------------------------------------------
// Transactions
// ---------------------------------------------------------------------------

/// One action of a TransactWriteItems.
#[derive(Clone, Debug)]
pub(crate) enum TxAction {
    Put {
        table: String,
        item: EncodedItem,
        condition: Option<String>,
        exprs: Exprs,
    },
    Update {
        table: String,
        key: KeyAttrs,
        update: String,
        condition: Option<String>,
        exprs: Exprs,
    },
    Delete {
        table: String,
        key: KeyAttrs,
        condition: Option<String>,
        exprs: Exprs,
    },
    Check {
        table: String,
        key: KeyAttrs,
        condition: String,
        exprs: Exprs,
    },
}

impl TxAction {
    /// Checks the lengths of the action's expressions, as
    /// [`Request::check_limits`] does a request's.
    pub(crate) fn check_limits(&self) -> crate::error::Result<()> {
        let (update, condition) = match self {
            TxAction::Put { condition, .. } | TxAction::Delete { condition, .. } => {
                (None, condition.as_deref())
            }
            TxAction::Update {
                update, condition, ..
            } => (Some(update.as_str()), condition.as_deref()),
            TxAction::Check { condition, .. } => (None, Some(condition.as_str())),
        };
        check_expression("UpdateExpression", update)?;
        check_expression("ConditionExpression", condition)
    }

    pub(crate) fn table(&self) -> &str {
        match self {
            TxAction::Put { table, .. }
            | TxAction::Update { table, .. }
            | TxAction::Delete { table, .. }
            | TxAction::Check { table, .. } => table,
        }
    }
}

/// TransactWriteItems with its client request token.
#[derive(Clone, Debug)]
pub(crate) struct TransactWrite {
    pub(crate) actions: Vec<TxAction>,
    pub(crate) token: String,
    /// Ask for the stored items of actions whose condition fails.
    pub(crate) return_on_condition_failure: bool,
}

impl Request for TransactWrite {
    const OPERATION: &'static str = "TransactWriteItems";
    type Answer = Empty;
    fn table(&self) -> &str {
        self.actions.first().map_or("", TxAction::table)
    }
    fn check_limits(&self) -> crate::error::Result<()> {
        // The plan checks each action as it builds it, naming the actions
        // as given (`crate::plan::transaction`); this is for any other
        // request built.
        self.actions.iter().try_for_each(TxAction::check_limits)
    }
    fn write_json(&self, w: &mut JsonWriter, capacity: bool) {
        let fail = self.return_on_condition_failure;
        let cond = |w: &mut JsonWriter, c: Option<&str>| {
            if let Some(c) = c {
                w.field_str("ConditionExpression", c);
                if fail {
                    w.field_str("ReturnValuesOnConditionCheckFailure", "ALL_OLD");
                }
            }
        };
        w.begin_object();
        w.key("TransactItems");
        w.begin_array();
        for a in &self.actions {
            w.begin_object();
            match a {
                TxAction::Put {
                    table,
                    item,
                    condition,
                    exprs,
                } => {
                    w.key("Put");
                    w.begin_object();
                    w.field_str("TableName", table);
                    w.key("Item");
                    w.raw(&item.json);
                    cond(w, condition.as_deref());
                    exprs.write(w);
                    w.end_object();
                }
                TxAction::Update {
                    table,
                    key,
                    update,
                    condition,
                    exprs,
                } => {
                    w.key("Update");
                    w.begin_object();
                    w.field_str("TableName", table);
                    write_key(w, "Key", key);
                    w.field_str("UpdateExpression", update);
                    cond(w, condition.as_deref());
                    exprs.write(w);
                    w.end_object();
                }
                TxAction::Delete {
                    table,
                    key,
                    condition,
                    exprs,
                } => {
                    w.key("Delete");
                    w.begin_object();
                    w.field_str("TableName", table);
                    write_key(w, "Key", key);
                    cond(w, condition.as_deref());
                    exprs.write(w);
                    w.end_object();
                }
                TxAction::Check {
                    table,
                    key,
                    condition,
                    exprs,
                } => {
                    w.key("ConditionCheck");
                    w.begin_object();
                    w.field_str("TableName", table);
                    write_key(w, "Key", key);
                    cond(w, Some(condition));
                    exprs.write(w);
                    w.end_object();
                }
            }
            w.end_object();
        }
        w.end_array();
        w.field_str("ClientRequestToken", &self.token);
        write_capacity(w, capacity);
        w.end_object();
    }
}

/// One read of a TransactGetItems: a table and a primary key.
#[derive(Clone, Debug)]
pub(crate) struct TxGetAction {
    pub(crate) table: String,
    pub(crate) key: KeyAttrs,
}

/// TransactGetItems (at most 100 reads).
#[derive(Clone, Debug)]
pub(crate) struct TransactGet {
    pub(crate) gets: Vec<TxGetAction>,
}

impl Request for TransactGet {
    const OPERATION: &'static str = "TransactGetItems";
    type Answer = TransactGetAnswer;
    fn table(&self) -> &str {
        self.gets.first().map_or("", |g| g.table.as_str())
    }
    fn write_json(&self, w: &mut JsonWriter, capacity: bool) {
        w.begin_object();
        w.key("TransactItems");
        w.begin_array();
        for g in &self.gets {
            w.begin_object();
            w.key("Get");
            w.begin_object();
            w.field_str("TableName", &g.table);
            write_key(w, "Key", &g.key);
            w.end_object();
            w.end_object();
        }
        w.end_array();
        write_capacity(w, capacity);
        w.end_object();
    }
}

/// TransactGetItems' answer: one response per read, in order.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct TransactGetAnswer {
    #[serde(default)]
    pub(crate) responses: Vec<TxGetResponse>,
    #[serde(default)]
    consumed_capacity: Option<Capacity>,
}

/// One read's response: the item, when there is one.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct TxGetResponse {
    #[serde(default)]
    pub(crate) item: Option<WireItem>,
}

impl JsonAnswer for TransactGetAnswer {
    fn capacity_units(&self) -> Option<f64> {
        self.consumed_capacity.map(|c| c.0)
    }
}

// ---------------------------------------------------------------------------
// Tables
// ---------------------------------------------------------------------------

/// How a new table is billed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BillingMode {
    /// On-demand (`PAY_PER_REQUEST`), the default.
    PayPerRequest,
    /// Provisioned capacity, in read and write capacity units (applied to
    /// the table and each index).
    Provisioned {
        /// Read capacity units.
        read: i64,
        /// Write capacity units.
        write: i64,
    },
}

/// What a secondary index copies from the table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Projection {
    /// `projection: :all` (the default): every attribute.
    All,
    /// `projection: :keys_only`: the table and index keys only.
    KeysOnly,
    /// `projection: :include`: the keys plus `projected_attributes`.
    Include,
}

impl Projection {
    /// DynamoDB's name: `ALL`, `KEYS_ONLY` or `INCLUDE`.
    pub fn as_str(self) -> &'static str {
        match self {
            Projection::All => "ALL",
            Projection::KeysOnly => "KEYS_ONLY",
            Projection::Include => "INCLUDE",
        }
    }
}

/// A table to create.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableSpec {
    /// The table name.
    pub name: String,
    /// Partition-key attribute and type.
    pub partition_key: (String, ScalarType),
    /// Sort-key attribute and type, if any.
    pub sort_key: Option<(String, ScalarType)>,
    /// Global secondary indexes.
    pub indexes: Vec<IndexSpec>,
    /// Local secondary indexes (they need a sort key on the table).
    pub local_indexes: Vec<LocalIndexSpec>,
    /// The time-to-live attribute to turn on once the table exists.
    pub ttl_attribute: Option<String>,
    /// The table's DynamoDB stream, turned on at creation (`None`: no
    /// stream; see [`Client::read_changes`](crate::Client::read_changes)).
    pub stream: Option<StreamView>,
    /// Billing.
    pub billing: BillingMode,
}

impl TableSpec {
    /// A table with a string partition key `partition_key`, no sort key, no
    /// index, on-demand billing.
    pub fn new(name: impl Into<String>, partition_key: impl Into<String>) -> TableSpec {
        TableSpec {
            name: name.into(),
            partition_key: (partition_key.into(), ScalarType::String),
            sort_key: None,
            indexes: Vec::new(),
            local_indexes: Vec::new(),
            ttl_attribute: None,
            stream: None,
            billing: BillingMode::PayPerRequest,
        }
    }
}

/// A global secondary index to create. One attribute on a side is an
/// ordinary key; two to four are DynamoDB's multi-attribute key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndexSpec {
    /// Index name.
    pub name: String,
    /// Partition-key attributes and types (1 to 4).
    pub partition_key: Vec<(String, ScalarType)>,
    /// Sort-key attributes and types (0 to 4).
    pub sort_key: Vec<(String, ScalarType)>,
    /// Projection.
    pub projection: Projection,
    /// Non-key attributes for `Projection::Include`.
    pub non_key_attributes: Vec<String>,
}

/// A local secondary index to create: the table's partition key with
/// another sort key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LocalIndexSpec {
    /// Index name.
    pub name: String,
    /// Sort-key attribute and type.
    pub sort_key: (String, ScalarType),
    /// Projection.
    pub projection: Projection,
    /// Non-key attributes for `Projection::Include`.
    pub non_key_attributes: Vec<String>,
}

/// CreateTable.
#[derive(Clone, Debug)]
pub(crate) struct CreateTable {
    pub(crate) spec: TableSpec,
    /// Every key attribute with its type, once.
    pub(crate) attributes: BTreeMap<String, ScalarType>,
}

fn write_key_schema<'a>(
    w: &mut JsonWriter,
    hash: impl IntoIterator<Item = &'a str>,
    range: impl IntoIterator<Item = &'a str>,
) {
    w.key("KeySchema");
    w.begin_array();
    for (names, key_type) in [
        (hash.into_iter().collect::<Vec<_>>(), "HASH"),
        (range.into_iter().collect(), "RANGE"),
    ] {
        for name in names {
            w.begin_object();
            w.field_str("AttributeName", name);
            w.field_str("KeyType", key_type);
            w.end_object();
        }
    }
    w.end_array();
}

fn write_projection(w: &mut JsonWriter, projection: Projection, non_key: &[String]) {
    w.key("Projection");
    w.begin_object();
    w.field_str("ProjectionType", projection.as_str());
    if projection == Projection::Include && !non_key.is_empty() {
        w.key("NonKeyAttributes");
        w.begin_array();
        for a in non_key {
            w.string(a);
        }
        w.end_array();
    }
    w.end_object();
}

fn write_throughput(w: &mut JsonWriter, billing: BillingMode) {
    if let BillingMode::Provisioned { read, write } = billing {
        w.key("ProvisionedThroughput");
        w.begin_object();
        w.key("ReadCapacityUnits");
        w.int(read);
        w.key("WriteCapacityUnits");
        w.int(write);
        w.end_object();
    }
}

impl Request for CreateTable {
    const OPERATION: &'static str = "CreateTable";
    type Answer = TableAnswer;
    fn table(&self) -> &str {
        &self.spec.name
    }
    fn write_json(&self, w: &mut JsonWriter, _capacity: bool) {
        let s = &self.spec;
        w.begin_object();
        w.field_str("TableName", &s.name);
        w.key("AttributeDefinitions");
        w.begin_array();
        for (name, t) in &self.attributes {
            w.begin_object();
            w.field_str("AttributeName", name);
            w.field_str("AttributeType", t.as_str());
            w.end_object();
        }
        w.end_array();
        write_key_schema(
            w,
            [s.partition_key.0.as_str()],
            s.sort_key.as_ref().map(|k| k.0.as_str()),
        );
        w.field_str(
            "BillingMode",
            match s.billing {
                BillingMode::PayPerRequest => "PAY_PER_REQUEST",
                BillingMode::Provisioned { .. } => "PROVISIONED",
            },
        );
        write_throughput(w, s.billing);
        if let Some(view) = s.stream {
            w.key("StreamSpecification");
            w.begin_object();
            w.key("StreamEnabled");
            w.bool(true);
            w.field_str("StreamViewType", view.as_str());
            w.end_object();
        }
        if !s.indexes.is_empty() {
            w.key("GlobalSecondaryIndexes");
            w.begin_array();
            for i in &s.indexes {
                w.begin_object();
                w.field_str("IndexName", &i.name);
                write_key_schema(
                    w,
                    i.partition_key.iter().map(|k| k.0.as_str()),
                    i.sort_key.iter().map(|k| k.0.as_str()),
                );
                write_projection(w, i.projection, &i.non_key_attributes);
                write_throughput(w, s.billing);
                w.end_object();
            }
            w.end_array();
        }
        if !s.local_indexes.is_empty() {
            w.key("LocalSecondaryIndexes");
            w.begin_array();
            for i in &s.local_indexes {
                w.begin_object();
                w.field_str("IndexName", &i.name);
                write_key_schema(w, [s.partition_key.0.as_str()], [i.sort_key.0.as_str()]);
                write_projection(w, i.projection, &i.non_key_attributes);
                w.end_object();
            }
            w.end_array();
        }
        w.end_object();
    }
}

/// DescribeTable.
#[derive(Clone, Debug)]
pub(crate) struct DescribeTable {
    pub(crate) table: String,
}

/// DeleteTable.
#[derive(Clone, Debug)]
pub(crate) struct DeleteTable {
    pub(crate) table: String,
}

impl Request for DescribeTable {
    const OPERATION: &'static str = "DescribeTable";
    type Answer = TableAnswer;
    fn table(&self) -> &str {
        &self.table
    }
    fn write_json(&self, w: &mut JsonWriter, _capacity: bool) {
        w.begin_object();
        w.field_str("TableName", &self.table);
        w.end_object();
    }
}

impl Request for DeleteTable {
    const OPERATION: &'static str = "DeleteTable";
    type Answer = TableAnswer;
    fn table(&self) -> &str {
        &self.table
    }
    fn write_json(&self, w: &mut JsonWriter, _capacity: bool) {
        w.begin_object();
        w.field_str("TableName", &self.table);
        w.end_object();
    }
}

/// ListTables (one page).
#[derive(Clone, Debug)]
pub(crate) struct ListTables {
    pub(crate) start: Option<String>,
    pub(crate) limit: Option<u32>,
}

impl Request for ListTables {
    const OPERATION: &'static str = "ListTables";
    type Answer = ListTablesAnswer;
    fn table(&self) -> &str {
        ""
    }
    fn write_json(&self, w: &mut JsonWriter, _capacity: bool) {
        w.begin_object();
        w.field_opt_str("ExclusiveStartTableName", self.start.as_deref());
        if let Some(l) = self.limit {
            w.key("Limit");
            w.int(i64::from(l));
        }
        w.end_object();
    }
}

/// UpdateTimeToLive.
#[derive(Clone, Debug)]
pub(crate) struct UpdateTimeToLive {
    pub(crate) table: String,
    pub(crate) attribute: String,
    pub(crate) enabled: bool,
}

impl Request for UpdateTimeToLive {
    const OPERATION: &'static str = "UpdateTimeToLive";
    type Answer = Empty;
    fn table(&self) -> &str {
        &self.table
    }
    fn write_json(&self, w: &mut JsonWriter, _capacity: bool) {
        w.begin_object();
        w.field_str("TableName", &self.table);
        w.key("TimeToLiveSpecification");
        w.begin_object();
        w.field_str("AttributeName", &self.attribute);
        w.key("Enabled");
        w.bool(self.enabled);
        w.end_object();
        w.end_object();
    }
}

/// What a table's DynamoDB stream records of each changed item
/// (`StreamViewType`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StreamView {
    /// The key attributes only: enough to know what changed, not to tell
    /// the schemas of one table apart.
    KeysOnly,
    /// The item as it is after the change.
    NewImage,
    /// The item as it was before the change.
    OldImage,
    /// Both (what `dynamo::changes` makes most of).
    NewAndOldImages,
}

impl StreamView {
    /// DynamoDB's name: `KEYS_ONLY`, `NEW_IMAGE`, `OLD_IMAGE` or
    /// `NEW_AND_OLD_IMAGES`.
    pub fn as_str(self) -> &'static str {
        match self {
            StreamView::KeysOnly => "KEYS_ONLY",
            StreamView::NewImage => "NEW_IMAGE",
            StreamView::OldImage => "OLD_IMAGE",
            StreamView::NewAndOldImages => "NEW_AND_OLD_IMAGES",
        }
    }

    /// The view named by DynamoDB's name (`KEYS_ONLY`, …); `None` for
    /// another text.
    pub fn parse(name: &str) -> Option<StreamView> {
        [
            StreamView::KeysOnly,
            StreamView::NewImage,
            StreamView::OldImage,
            StreamView::NewAndOldImages,
        ]
        .into_iter()
        .find(|v| v.as_str() == name)
    }
}

/// UpdateTable, turning the table's stream on (with `view`) or off.
#[derive(Clone, Debug)]
pub(crate) struct UpdateStream {
    pub(crate) table: String,
    /// `None` turns the stream off.
    pub(crate) view: Option<StreamView>,
}

impl Request for UpdateStream {
    const OPERATION: &'static str = "UpdateTable";
    type Answer = TableAnswer;
    fn table(&self) -> &str {
        &self.table
    }
    fn write_json(&self, w: &mut JsonWriter, _capacity: bool) {
        w.begin_object();
        w.field_str("TableName", &self.table);
        w.key("StreamSpecification");
        w.begin_object();
        w.key("StreamEnabled");
        w.bool(self.view.is_some());
        w.field_opt_str("StreamViewType", self.view.map(StreamView::as_str));
        w.end_object();
        w.end_object();
    }
}

/// DescribeStream (Streams API): one page of the stream's shards.
#[derive(Clone, Debug)]
pub(crate) struct DescribeStream {
    pub(crate) arn: String,
    /// The table, for logs.
    pub(crate) table: String,
    pub(crate) start_after: Option<String>,
}

impl Request for DescribeStream {
    const OPERATION: &'static str = "DescribeStream";
    const API: Api = Api::Streams;
    type Answer = DescribeStreamAnswer;
    fn table(&self) -> &str {
        &self.table
    }
    fn write_json(&self, w: &mut JsonWriter, _capacity: bool) {
        w.begin_object();
        w.field_str("StreamArn", &self.arn);
        w.field_opt_str("ExclusiveStartShardId", self.start_after.as_deref());
        w.end_object();
    }
}

/// DescribeStream's answer.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct DescribeStreamAnswer {
    #[serde(default)]
    pub(crate) stream_description: StreamDescription,
}

impl JsonAnswer for DescribeStreamAnswer {}

/// A stream and one page of its shards.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct StreamDescription {
    /// `ENABLING`, `ENABLED`, `DISABLING` or `DISABLED`.
    #[serde(default)]
    pub(crate) stream_status: Option<String>,
    #[serde(default)]
    pub(crate) shards: Vec<ShardDescription>,
    #[serde(default)]
    pub(crate) last_evaluated_shard_id: Option<String>,
}

/// One shard of a stream.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct ShardDescription {
    pub(crate) shard_id: String,
    #[serde(default)]
    pub(crate) parent_shard_id: Option<String>,
    #[serde(default)]
    pub(crate) sequence_number_range: SequenceNumberRange,
}

/// The sequence numbers a shard holds; a closed shard has an end.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct SequenceNumberRange {
    #[serde(default)]
    pub(crate) ending_sequence_number: Option<String>,
}

/// GetShardIterator (Streams API).
#[derive(Clone, Debug)]
pub(crate) struct GetShardIterator {
    pub(crate) arn: String,
    pub(crate) table: String,
    pub(crate) shard: String,
    pub(crate) from: ShardStart,
}

/// Where a shard iterator starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ShardStart {
    /// The oldest record the shard still holds (`TRIM_HORIZON`).
    Oldest,
    /// Just after this sequence number (`AFTER_SEQUENCE_NUMBER`).
    After(String),
    /// Just after the shard's newest record (`LATEST`).
    Latest,
}

impl Request for GetShardIterator {
    const OPERATION: &'static str = "GetShardIterator";
    const API: Api = Api::Streams;
    type Answer = ShardIteratorAnswer;
    fn table(&self) -> &str {
        &self.table
    }
    fn write_json(&self, w: &mut JsonWriter, _capacity: bool) {
        w.begin_object();
        w.field_str("StreamArn", &self.arn);
        w.field_str("ShardId", &self.shard);
        match &self.from {
            ShardStart::After(seq) => {
                w.field_str("ShardIteratorType", "AFTER_SEQUENCE_NUMBER");
                w.field_str("SequenceNumber", seq);
            }
            ShardStart::Oldest => w.field_str("ShardIteratorType", "TRIM_HORIZON"),
            ShardStart::Latest => w.field_str("ShardIteratorType", "LATEST"),
        }
        w.end_object();
    }
}

/// GetShardIterator's answer.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct ShardIteratorAnswer {
    #[serde(default)]
    pub(crate) shard_iterator: Option<String>,
}

impl JsonAnswer for ShardIteratorAnswer {}

/// GetRecords (Streams API).
#[derive(Clone, Debug)]
pub(crate) struct GetRecords {
    pub(crate) iterator: String,
    pub(crate) table: String,
}

impl Request for GetRecords {
    const OPERATION: &'static str = "GetRecords";
    const API: Api = Api::Streams;
    type Answer = GetRecordsAnswer;
    fn table(&self) -> &str {
        &self.table
    }
    fn write_json(&self, w: &mut JsonWriter, _capacity: bool) {
        w.begin_object();
        w.field_str("ShardIterator", &self.iterator);
        w.end_object();
    }
}

/// GetRecords' answer: the records' text, parsed by `crate::changes`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct GetRecordsAnswer {
    #[serde(default)]
    pub(crate) records: Vec<Box<RawValue>>,
    /// `None` once a closed shard has been read to its end.
    #[serde(default)]
    pub(crate) next_shard_iterator: Option<String>,
}

impl JsonAnswer for GetRecordsAnswer {}

/// DescribeTimeToLive.
#[derive(Clone, Debug)]
pub(crate) struct DescribeTimeToLive {
    pub(crate) table: String,
}

impl Request for DescribeTimeToLive {
    const OPERATION: &'static str = "DescribeTimeToLive";
    type Answer = TtlAnswer;
    fn table(&self) -> &str {
        &self.table
    }
    fn write_json(&self, w: &mut JsonWriter, _capacity: bool) {
        w.begin_object();
        w.field_str("TableName", &self.table);
        w.end_object();
    }
}

// ---------------------------------------------------------------------------
// Answers
// ---------------------------------------------------------------------------

/// Consumed capacity, reported as one object or a list of them.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct Capacity(pub(crate) f64);

impl<'de> Deserialize<'de> for Capacity {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(rename_all = "PascalCase")]
        struct One {
            #[serde(default)]
            capacity_units: Option<f64>,
        }
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Either {
            One(One),
            Many(Vec<One>),
        }
        Ok(Capacity(match Either::deserialize(d)? {
            Either::One(o) => o.capacity_units.unwrap_or(0.0),
            Either::Many(v) => v.iter().filter_map(|o| o.capacity_units).sum(),
        }))
    }
}

/// An answer that carries nothing the crate reads but capacity.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Empty {
    #[serde(default)]
    consumed_capacity: Option<Capacity>,
}

impl JsonAnswer for Empty {
    fn capacity_units(&self) -> Option<f64> {
        self.consumed_capacity.map(|c| c.0)
    }
}

/// GetItem's answer.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct GetAnswer {
    #[serde(default)]
    pub(crate) item: Option<WireItem>,
    #[serde(default)]
    consumed_capacity: Option<Capacity>,
}

impl JsonAnswer for GetAnswer {
    fn capacity_units(&self) -> Option<f64> {
        self.consumed_capacity.map(|c| c.0)
    }
}

/// PutItem's, DeleteItem's and UpdateItem's answer.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct AttributesAnswer {
    #[serde(default)]
    pub(crate) attributes: Option<WireItem>,
    #[serde(default)]
    consumed_capacity: Option<Capacity>,
}

impl JsonAnswer for AttributesAnswer {
    fn capacity_units(&self) -> Option<f64> {
        self.consumed_capacity.map(|c| c.0)
    }
}

/// A page of a Query or Scan.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct PageAnswer {
    #[serde(default)]
    pub(crate) items: Vec<WireItem>,
    #[serde(default)]
    pub(crate) count: u64,
    #[serde(default)]
    pub(crate) scanned_count: u64,
    #[serde(default)]
    pub(crate) last_evaluated_key: Option<WireItem>,
    #[serde(default)]
    consumed_capacity: Option<Capacity>,
}

impl JsonAnswer for PageAnswer {
    fn capacity_units(&self) -> Option<f64> {
        self.consumed_capacity.map(|c| c.0)
    }
}

/// A page of a Query or Scan read by a stream. The answer's bytes are kept
/// as they came; its items are checked to be JSON and noted as byte
/// ranges, and each is parsed only when the stream takes it
/// ([`TextItems`]). A page is then held once, as its text: parsed, an
/// item's values, names and vectors take several times the room.
#[derive(Debug, Default)]
pub(crate) struct TextPageAnswer {
    text: Bytes,
    items: Vec<Range<usize>>,
    pub(crate) last_evaluated_key: Option<WireItem>,
    /// Items read before the filter.
    pub(crate) scanned_count: u64,
    consumed_capacity: Option<Capacity>,
}

impl TextPageAnswer {
    /// How many items the page holds.
    pub(crate) fn len(&self) -> usize {
        self.items.len()
    }

    /// The page's items, each parsed when taken; `op` names the operation
    /// in the error of one that is not a DynamoDB item.
    pub(crate) fn into_items(self, op: &'static str) -> TextItems {
        TextItems {
            text: self.text,
            items: self.items.into_iter(),
            op,
        }
    }
}

impl Answer for TextPageAnswer {
    fn capacity(&self) -> Option<f64> {
        self.consumed_capacity.map(|c| c.0)
    }

    fn from_bytes(bytes: Bytes) -> serde_json::Result<TextPageAnswer> {
        /// The page, its items borrowed from the answer's text.
        #[derive(Deserialize)]
        #[serde(rename_all = "PascalCase")]
        struct Page<'a> {
            #[serde(default, borrow)]
            items: Vec<&'a RawValue>,
            #[serde(default)]
            last_evaluated_key: Option<WireItem>,
            #[serde(default)]
            scanned_count: u64,
            #[serde(default)]
            consumed_capacity: Option<Capacity>,
        }
        let page: Page<'_> = match std::str::from_utf8(&bytes) {
            Ok(text) => serde_json::from_str(text)?,
            // serde_json's own error, with its position.
            Err(_) => serde_json::from_slice(&bytes)?,
        };
        // Each item's text is borrowed, so it lies inside the answer's
        // bytes: its range is where.
        let base = bytes.as_ptr() as usize;
        let items = page
            .items
            .iter()
            .map(|raw| {
                let len = raw.get().len();
                (raw.get().as_ptr() as usize)
                    .checked_sub(base)
                    .filter(|start| start + len <= bytes.len())
                    .map(|start| start..start + len)
                    .ok_or_else(|| {
                        <serde_json::Error as serde::de::Error>::custom(
                            "an item outside the answer",
                        )
                    })
            })
            .collect::<serde_json::Result<_>>()?;
        Ok(TextPageAnswer {
            items,
            last_evaluated_key: page.last_evaluated_key,
            scanned_count: page.scanned_count,
            consumed_capacity: page.consumed_capacity,
            text: bytes,
        })
    }
}

/// The items of a [`TextPageAnswer`], each parsed as it is taken; the
/// page's text is freed with the last of them.
#[derive(Debug, Default)]
pub(crate) struct TextItems {
    text: Bytes,
    items: std::vec::IntoIter<Range<usize>>,
    op: &'static str,
}

impl Iterator for TextItems {
    type Item = crate::error::Result<WireItem>;

    fn next(&mut self) -> Option<Self::Item> {
        let range = self.items.next()?;
        let op = self.op;
        let item = from_json_bytes(&self.text[range]).map_err(|e| {
            crate::error::Error::new(
                crate::error::ErrorKind::Decode,
                format!("{op}: cannot parse an item of DynamoDB's answer: {e}"),
            )
            .with_operation(op)
        });
        if self.items.len() == 0 {
            self.text = Bytes::new();
        }
        Some(item)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.items.size_hint()
    }
}

impl ExactSizeIterator for TextItems {}

/// One leftover of a BatchWriteItem.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct LeftoverWrite {
    #[serde(default)]
    pub(crate) put_request: Option<LeftoverPut>,
    #[serde(default)]
    pub(crate) delete_request: Option<LeftoverDelete>,
}

/// A put handed back unprocessed.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct LeftoverPut {
    pub(crate) item: WireItem,
}

/// A delete handed back unprocessed.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct LeftoverDelete {
    pub(crate) key: WireItem,
}

/// BatchWriteItem's answer.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct BatchWriteAnswer {
    #[serde(default)]
    pub(crate) unprocessed_items: HashMap<String, Vec<LeftoverWrite>>,
    #[serde(default)]
    consumed_capacity: Option<Capacity>,
}

impl JsonAnswer for BatchWriteAnswer {
    fn capacity_units(&self) -> Option<f64> {
        self.consumed_capacity.map(|c| c.0)
    }
}

/// The keys of a BatchGetItem handed back unprocessed.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct LeftoverKeys {
    #[serde(default)]
    pub(crate) keys: Vec<WireItem>,
}

/// BatchGetItem's answer.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct BatchGetAnswer {
    #[serde(default)]
    pub(crate) responses: HashMap<String, Vec<WireItem>>,
    #[serde(default)]
    pub(crate) unprocessed_keys: HashMap<String, LeftoverKeys>,
    #[serde(default)]
    consumed_capacity: Option<Capacity>,
}

impl JsonAnswer for BatchGetAnswer {
    fn capacity_units(&self) -> Option<f64> {
        self.consumed_capacity.map(|c| c.0)
    }
}

/// What `describe_table` tells about a table.
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct TableInfo {
    /// The table name.
    pub name: String,
    /// `CREATING`, `ACTIVE`, `DELETING`, …
    pub status: String,
    /// DynamoDB's approximate item count (updated about every six hours on AWS).
    pub item_count: Option<i64>,
    /// The partition-key attribute.
    pub partition_key: Option<String>,
    /// The sort-key attribute.
    pub sort_key: Option<String>,
    /// Attribute types of the key attributes (`S`, `N`, `B`).
    pub attribute_types: BTreeMap<String, String>,
    /// The table's indexes, global then local.
    pub indexes: Vec<IndexInfo>,
    /// `PAY_PER_REQUEST` or `PROVISIONED`, when reported.
    pub billing_mode: Option<String>,
    /// The ARN of the table's DynamoDB stream, when it has one turned on
    /// (see [`Client::read_changes`](crate::Client::read_changes)).
    pub stream_arn: Option<String>,
}

impl TableInfo {
    /// `true` when the table and all its indexes are `ACTIVE`.
    pub fn is_active(&self) -> bool {
        self.status == "ACTIVE" && self.indexes.iter().all(|i| i.status == "ACTIVE")
    }
}

/// One index of a described table.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct IndexInfo {
    /// The index name.
    pub name: String,
    /// `CREATING`, `ACTIVE`, … (local indexes are always `ACTIVE`).
    pub status: String,
    /// The partition-key attributes (several for a multi-attribute key).
    pub partition_key: Vec<String>,
    /// The sort-key attributes, in key order (empty when there is none).
    pub sort_key: Vec<String>,
    /// `true` for a local secondary index.
    pub local: bool,
}

impl IndexInfo {
    /// An index description, for tools and tests.
    pub fn new(
        name: impl Into<String>,
        partition_key: Vec<String>,
        sort_key: Vec<String>,
        local: bool,
    ) -> IndexInfo {
        IndexInfo {
            name: name.into(),
            status: "ACTIVE".into(),
            partition_key,
            sort_key,
            local,
        }
    }
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct KeySchemaElement {
    attribute_name: String,
    key_type: String,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AttributeDefinition {
    attribute_name: String,
    attribute_type: String,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct IndexDescription {
    #[serde(default)]
    index_name: String,
    #[serde(default)]
    index_status: Option<String>,
    #[serde(default)]
    key_schema: Vec<KeySchemaElement>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct BillingModeSummary {
    #[serde(default)]
    billing_mode: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct TableDescription {
    #[serde(default)]
    table_name: String,
    #[serde(default)]
    table_status: String,
    #[serde(default)]
    item_count: Option<i64>,
    #[serde(default)]
    key_schema: Vec<KeySchemaElement>,
    #[serde(default)]
    attribute_definitions: Vec<AttributeDefinition>,
    #[serde(default)]
    global_secondary_indexes: Vec<IndexDescription>,
    #[serde(default)]
    local_secondary_indexes: Vec<IndexDescription>,
    #[serde(default)]
    billing_mode_summary: Option<BillingModeSummary>,
    #[serde(default)]
    latest_stream_arn: Option<String>,
    #[serde(default)]
    stream_specification: Option<StreamSpecification>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct StreamSpecification {
    #[serde(default)]
    stream_enabled: bool,
}

fn find_key(ks: &[KeySchemaElement], t: &str) -> Option<String> {
    ks.iter()
        .find(|e| e.key_type == t)
        .map(|e| e.attribute_name.clone())
}

fn all_keys(ks: &[KeySchemaElement], t: &str) -> Vec<String> {
    ks.iter()
        .filter(|e| e.key_type == t)
        .map(|e| e.attribute_name.clone())
        .collect()
}

fn index_info(i: IndexDescription, local: bool) -> IndexInfo {
    IndexInfo {
        partition_key: all_keys(&i.key_schema, "HASH"),
        sort_key: all_keys(&i.key_schema, "RANGE"),
        name: i.index_name,
        status: i.index_status.unwrap_or_else(|| "ACTIVE".into()),
        local,
    }
}

impl From<TableDescription> for TableInfo {
    fn from(d: TableDescription) -> TableInfo {
        TableInfo {
            partition_key: find_key(&d.key_schema, "HASH"),
            sort_key: find_key(&d.key_schema, "RANGE"),
            name: d.table_name,
            status: d.table_status,
            item_count: d.item_count,
            attribute_types: d
                .attribute_definitions
                .into_iter()
                .map(|a| (a.attribute_name, a.attribute_type))
                .collect(),
            indexes: d
                .global_secondary_indexes
                .into_iter()
                .map(|g| index_info(g, false))
                .chain(
                    d.local_secondary_indexes
                        .into_iter()
                        .map(|l| index_info(l, true)),
                )
                .collect(),
            billing_mode: d.billing_mode_summary.and_then(|b| b.billing_mode),
            // A stream turned off keeps its ARN for a day: only an enabled
            // one counts.
            stream_arn: d
                .latest_stream_arn
                .filter(|_| d.stream_specification.is_some_and(|s| s.stream_enabled)),
        }
    }
}

/// CreateTable's, DescribeTable's and DeleteTable's answer.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct TableAnswer {
    #[serde(default, alias = "TableDescription")]
    table: Option<TableDescription>,
}

impl TableAnswer {
    /// The table's latest stream (kept for a day after it is turned off)
    /// and whether it is on.
    pub(crate) fn latest_stream(&self) -> (Option<&str>, bool) {
        match &self.table {
            Some(d) => (
                d.latest_stream_arn.as_deref(),
                d.stream_specification
                    .as_ref()
                    .is_some_and(|s| s.stream_enabled),
            ),
            None => (None, false),
        }
    }

    pub(crate) fn info(self) -> TableInfo {
        self.table.map(TableInfo::from).unwrap_or_default()
    }
}

impl JsonAnswer for TableAnswer {}

/// ListTables' answer.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct ListTablesAnswer {
    #[serde(default)]
    pub(crate) table_names: Vec<String>,
    #[serde(default)]
    pub(crate) last_evaluated_table_name: Option<String>,
}

impl JsonAnswer for ListTablesAnswer {}

/// A table's time-to-live setting.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TtlInfo {
    /// `ENABLED`, `DISABLED`, `ENABLING`, `DISABLING`.
    pub status: String,
    /// The TTL attribute, when set.
    pub attribute: Option<String>,
}

/// DescribeTimeToLive's answer.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct TtlAnswer {
    #[serde(default)]
    time_to_live_description: Option<TtlDescription>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct TtlDescription {
    #[serde(default)]
    time_to_live_status: Option<String>,
    #[serde(default)]
    attribute_name: Option<String>,
}

impl TtlAnswer {
    pub(crate) fn info(self) -> TtlInfo {
        let d = self.time_to_live_description.unwrap_or_default();
        TtlInfo {
            status: d.time_to_live_status.unwrap_or_else(|| "DISABLED".into()),
            attribute: d.attribute_name,
        }
    }
}

impl JsonAnswer for TtlAnswer {}

impl fmt::Display for TableSpec {
    /// `name (pk S, sk S; 2 indexes)`, and `; stream NEW_IMAGE` when the
    /// table gets a stream.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} ({} {}",
            self.name,
            self.partition_key.0,
            self.partition_key.1.as_str()
        )?;
        if let Some((n, t)) = &self.sort_key {
            write!(f, ", {n} {}", t.as_str())?;
        }
        write!(
            f,
            "; {} indexes",
            self.indexes.len() + self.local_indexes.len()
        )?;
        if let Some(view) = self.stream {
            write!(f, "; stream {}", view.as_str())?;
        }
        f.write_str(")")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::AttributeSink;
    use crate::codec::wire::ItemWriter;
    use serde_json::{Value as Json, json};

    #[test]
    fn expressions_longer_than_4_kb_are_refused() {
        let mut u = UpdateItem {
            table: "t".to_owned(),
            key: key("a"),
            update: "x".repeat(MAX_EXPRESSION_BYTES),
            condition: None,
            exprs: Exprs::default(),
            return_values: ReturnValues::None,
            return_on_condition_failure: false,
        };
        assert!(u.check_limits().is_ok());
        u.update.push('x');
        let e = u.check_limits().unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::ValidationError);
        assert!(
            e.message()
                .starts_with("the UpdateExpression is 4097 bytes, over DynamoDB's limit of 4096"),
            "{}",
            e.message()
        );
        u.update.pop();
        u.condition = Some("c".repeat(MAX_EXPRESSION_BYTES + 1));
        assert!(
            u.check_limits()
                .unwrap_err()
                .message()
                .contains("ConditionExpression")
        );

        let mut r = Read {
            table: "t".to_owned(),
            key_condition: Some("k".repeat(MAX_EXPRESSION_BYTES)),
            filter: Some("f".repeat(MAX_EXPRESSION_BYTES)),
            projection: Some("p".repeat(MAX_EXPRESSION_BYTES)),
            ..Read::default()
        };
        assert!(Query(r.clone()).check_limits().is_ok());
        assert!(ScanText(&r).check_limits().is_ok());
        r.projection.as_mut().unwrap().push('p');
        for e in [
            Query(r.clone()).check_limits().unwrap_err(),
            Scan(r.clone()).check_limits().unwrap_err(),
            QueryText(&r).check_limits().unwrap_err(),
        ] {
            assert!(
                e.message().contains("ProjectionExpression"),
                "{}",
                e.message()
            );
        }

        let tx = TransactWrite {
            actions: vec![
                TxAction::Delete {
                    table: "a".to_owned(),
                    key: key("1"),
                    condition: Some("c".repeat(MAX_EXPRESSION_BYTES)),
                    exprs: Exprs::default(),
                },
                TxAction::Update {
                    table: "b".to_owned(),
                    key: key("2"),
                    update: "u".repeat(MAX_EXPRESSION_BYTES + 1),
                    condition: None,
                    exprs: Exprs::default(),
                },
            ],
            token: "t".to_owned(),
            return_on_condition_failure: false,
        };
        let e = tx.check_limits().unwrap_err();
        assert!(
            e.message().starts_with("the UpdateExpression is 4097"),
            "{}",
            e.message()
        );
    }

    fn body<R: Request>(r: &R, capacity: bool) -> Json {
        serde_json::from_slice(&r.to_json(capacity)).expect("valid JSON")
    }

    fn key(pk: &str) -> KeyAttrs {
        vec![("pk".to_owned(), Value::from(pk))]
    }

    fn item(id: &str) -> EncodedItem {
        let mut w = ItemWriter::new(32);
        w.attribute("id", Value::from(id));
        w.put_string("pk", id);
        w.finish(String::new).unwrap()
    }

    #[test]
    fn put_item_body() {
        let r = PutItem {
            table: "users".into(),
            item: item("u1"),
            condition: Some("attribute_not_exists(#pk)".into()),
            exprs: Exprs {
                names: BTreeMap::from([("#pk".into(), "pk".into())]),
                values: BTreeMap::new(),
            },
            return_values: ReturnValues::AllOld,
            return_on_condition_failure: true,
        };
        assert_eq!(
            body(&r, true),
            json!({
                "TableName": "users",
                "Item": {"id": {"S": "u1"}, "pk": {"S": "u1"}},
                "ConditionExpression": "attribute_not_exists(#pk)",
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                "ExpressionAttributeNames": {"#pk": "pk"},
                "ReturnValues": "ALL_OLD",
                "ReturnConsumedCapacity": "TOTAL"
            })
        );
        assert_eq!(PutItem::OPERATION, "PutItem");
    }

    #[test]
    fn query_and_scan_bodies() {
        let read = Read {
            table: "orders".into(),
            index: Some("ByDate".into()),
            key_condition: Some("#a = :v0".into()),
            exprs: Exprs {
                names: BTreeMap::from([("#a".into(), "a".into())]),
                values: BTreeMap::from([(":v0".into(), Value::from(1))]),
            },
            limit: Some(10),
            forward: Some(false),
            select: Some("COUNT"),
            start: Some(key("x")),
            ..Read::default()
        };
        assert_eq!(
            body(&Query(read.clone()), false),
            json!({
                "TableName": "orders", "IndexName": "ByDate",
                "KeyConditionExpression": "#a = :v0",
                "ExpressionAttributeNames": {"#a": "a"},
                "ExpressionAttributeValues": {":v0": {"N": "1"}},
                "Limit": 10, "ScanIndexForward": false, "Select": "COUNT",
                "ExclusiveStartKey": {"pk": {"S": "x"}}
            })
        );
        let scan = Read {
            key_condition: None,
            segment: Some((2, 8)),
            consistent: true,
            ..Read::default()
        };
        let b = body(&Scan(scan.clone()), false);
        assert_eq!(b["Segment"], 2);
        assert_eq!(b["TotalSegments"], 8);
        assert_eq!(b["ConsistentRead"], true);
        assert!(b.get("KeyConditionExpression").is_none());
        // DynamoDB's Limit is a 32-bit signed integer.
        for (limit, sent) in [(u32::MAX, 2_147_483_647), (2_147_483_647, 2_147_483_647)] {
            let big = Read {
                limit: Some(limit),
                ..scan.clone()
            };
            assert_eq!(body(&Scan(big), false)["Limit"], sent);
        }
    }

    #[test]
    fn batch_bodies() {
        let w = BatchWrite {
            table: "t".into(),
            writes: vec![WriteRequest::Put(item("a")), WriteRequest::Delete(key("b"))],
        };
        assert_eq!(
            body(&w, false),
            json!({"RequestItems": {"t": [
                {"PutRequest": {"Item": {"id": {"S": "a"}, "pk": {"S": "a"}}}},
                {"DeleteRequest": {"Key": {"pk": {"S": "b"}}}}
            ]}})
        );
        let g = BatchGet {
            table: "t".into(),
            keys: vec![key("a"), key("b")],
            consistent: true,
            projection: Some("#n".into()),
            names: BTreeMap::from([("#n".into(), "name".into())]),
        };
        assert_eq!(
            body(&g, true),
            json!({"RequestItems": {"t": {
                "Keys": [{"pk": {"S": "a"}}, {"pk": {"S": "b"}}],
                "ConsistentRead": true,
                "ProjectionExpression": "#n",
                "ExpressionAttributeNames": {"#n": "name"}
            }}, "ReturnConsumedCapacity": "TOTAL"})
        );
    }

    #[test]
    fn transaction_body() {
        let t = TransactWrite {
            actions: vec![
                TxAction::Check {
                    table: "a".into(),
                    key: key("s"),
                    condition: "#b >= :v".into(),
                    exprs: Exprs::default(),
                },
                TxAction::Update {
                    table: "a".into(),
                    key: key("d"),
                    update: "SET #b = #b + :v".into(),
                    condition: None,
                    exprs: Exprs::default(),
                },
                TxAction::Put {
                    table: "a".into(),
                    item: item("p"),
                    condition: None,
                    exprs: Exprs::default(),
                },
                TxAction::Delete {
                    table: "a".into(),
                    key: key("x"),
                    condition: None,
                    exprs: Exprs::default(),
                },
            ],
            token: "tok".into(),
            return_on_condition_failure: false,
        };
        let b = body(&t, false);
        assert_eq!(b["ClientRequestToken"], "tok");
        let items = b["TransactItems"].as_array().unwrap();
        assert_eq!(items.len(), 4);
        assert_eq!(
            items[0]["ConditionCheck"]["ConditionExpression"],
            "#b >= :v"
        );
        assert_eq!(items[1]["Update"]["UpdateExpression"], "SET #b = #b + :v");
        assert_eq!(items[2]["Put"]["Item"]["pk"]["S"], "p");
        assert_eq!(items[3]["Delete"]["Key"]["pk"]["S"], "x");
        assert_eq!(t.table(), "a");
    }

    #[test]
    fn transact_get_body_and_answer() {
        let t = TransactGet {
            gets: vec![
                TxGetAction {
                    table: "a".into(),
                    key: key("x"),
                },
                TxGetAction {
                    table: "b".into(),
                    key: key("y"),
                },
            ],
        };
        let b = body(&t, true);
        assert_eq!(
            b,
            json!({
                "TransactItems": [
                    {"Get": {"TableName": "a", "Key": {"pk": {"S": "x"}}}},
                    {"Get": {"TableName": "b", "Key": {"pk": {"S": "y"}}}},
                ],
                "ReturnConsumedCapacity": "TOTAL",
            })
        );
        assert_eq!(t.table(), "a");
        let a = TransactGetAnswer::from_bytes(Bytes::from_static(
            br#"{"Responses":[{"Item":{"pk":{"S":"x"}}},{}],"ConsumedCapacity":[{"CapacityUnits":2.0},{"CapacityUnits":2.0}]}"#,
        ))
        .unwrap();
        assert_eq!(a.responses.len(), 2);
        assert_eq!(
            a.responses[0].item.as_ref().unwrap().get("pk"),
            Some(&Value::from("x"))
        );
        assert!(a.responses[1].item.is_none());
        assert_eq!(a.capacity(), Some(4.0));
    }

    #[test]
    fn create_table_body() {
        let spec = TableSpec {
            name: "users".into(),
            partition_key: ("pk".into(), ScalarType::String),
            sort_key: None,
            indexes: vec![IndexSpec {
                name: "ByScore".into(),
                partition_key: vec![("email".into(), ScalarType::String)],
                sort_key: vec![("score".into(), ScalarType::Number)],
                projection: Projection::Include,
                non_key_attributes: vec!["name".into()],
            }],
            local_indexes: Vec::new(),
            ttl_attribute: None,
            stream: Some(StreamView::NewImage),
            billing: BillingMode::Provisioned { read: 5, write: 2 },
        };
        let attributes = BTreeMap::from([
            ("pk".to_owned(), ScalarType::String),
            ("email".to_owned(), ScalarType::String),
            ("score".to_owned(), ScalarType::Number),
        ]);
        let b = body(&CreateTable { spec, attributes }, false);
        assert_eq!(b["BillingMode"], "PROVISIONED");
        assert_eq!(b["ProvisionedThroughput"]["ReadCapacityUnits"], 5);
        assert_eq!(
            b["KeySchema"],
            json!([{"AttributeName": "pk", "KeyType": "HASH"}])
        );
        let gsi = &b["GlobalSecondaryIndexes"][0];
        assert_eq!(
            gsi["Projection"],
            json!({"ProjectionType": "INCLUDE", "NonKeyAttributes": ["name"]})
        );
        assert_eq!(
            gsi["KeySchema"][1],
            json!({"AttributeName": "score", "KeyType": "RANGE"})
        );
        assert_eq!(b["AttributeDefinitions"].as_array().unwrap().len(), 3);
        assert_eq!(
            b["StreamSpecification"],
            json!({"StreamEnabled": true, "StreamViewType": "NEW_IMAGE"})
        );
        // No stream asked for: none mentioned.
        let plain = CreateTable {
            spec: TableSpec::new("t", "pk"),
            attributes: BTreeMap::from([("pk".to_owned(), ScalarType::String)]),
        };
        assert!(body(&plain, false).get("StreamSpecification").is_none());
    }

    #[test]
    fn stream_bodies_and_answers() {
        assert_eq!(Api::DynamoDb.target_prefix(), "DynamoDB_20120810.");
        assert_eq!(Api::Streams.target_prefix(), "DynamoDBStreams_20120810.");
        assert_eq!(<GetItem as Request>::API, Api::DynamoDb);
        assert_eq!(<GetRecords as Request>::API, Api::Streams);
        assert_eq!(<UpdateStream as Request>::API, Api::DynamoDb);

        let on = UpdateStream {
            table: "t".into(),
            view: Some(StreamView::NewImage),
        };
        assert_eq!(
            body(&on, false),
            json!({"TableName": "t", "StreamSpecification": {"StreamEnabled": true, "StreamViewType": "NEW_IMAGE"}})
        );
        let off = UpdateStream {
            table: "t".into(),
            view: None,
        };
        assert_eq!(
            body(&off, false),
            json!({"TableName": "t", "StreamSpecification": {"StreamEnabled": false}})
        );
        let d = DescribeStream {
            arn: "arn:s".into(),
            table: "t".into(),
            start_after: Some("shard-1".into()),
        };
        assert_eq!(
            body(&d, false),
            json!({"StreamArn": "arn:s", "ExclusiveStartShardId": "shard-1"})
        );
        let mut it = GetShardIterator {
            arn: "arn:s".into(),
            table: "t".into(),
            shard: "shard-1".into(),
            from: ShardStart::Oldest,
        };
        assert_eq!(
            body(&it, false),
            json!({"StreamArn": "arn:s", "ShardId": "shard-1", "ShardIteratorType": "TRIM_HORIZON"})
        );
        it.from = ShardStart::After("42".into());
        assert_eq!(
            body(&it, false),
            json!({"StreamArn": "arn:s", "ShardId": "shard-1",
                   "ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": "42"})
        );
        it.from = ShardStart::Latest;
        assert_eq!(
            body(&it, false),
            json!({"StreamArn": "arn:s", "ShardId": "shard-1", "ShardIteratorType": "LATEST"})
        );
        let g = GetRecords {
            iterator: "it-1".into(),
            table: "t".into(),
        };
        assert_eq!(body(&g, false), json!({"ShardIterator": "it-1"}));

        let a: DescribeStreamAnswer = serde_json::from_str(
            r#"{"StreamDescription": {"StreamArn": "arn:s", "Shards": [
                {"ShardId": "a", "SequenceNumberRange": {"StartingSequenceNumber": "1", "EndingSequenceNumber": "9"}},
                {"ShardId": "b", "ParentShardId": "a", "SequenceNumberRange": {"StartingSequenceNumber": "10"}}],
                "LastEvaluatedShardId": "b"}}"#,
        )
        .unwrap();
        let d = a.stream_description;
        assert_eq!(d.last_evaluated_shard_id.as_deref(), Some("b"));
        assert_eq!(
            d.shards[0]
                .sequence_number_range
                .ending_sequence_number
                .as_deref(),
            Some("9")
        );
        assert_eq!(d.shards[1].parent_shard_id.as_deref(), Some("a"));
        assert_eq!(
            d.shards[1].sequence_number_range.ending_sequence_number,
            None
        );

        let r: GetRecordsAnswer = serde_json::from_str(
            r#"{"Records": [{"eventName": "INSERT"}], "NextShardIterator": "n"}"#,
        )
        .unwrap();
        assert_eq!(r.records[0].get(), r#"{"eventName": "INSERT"}"#);
        assert_eq!(r.next_shard_iterator.as_deref(), Some("n"));
        let end: GetRecordsAnswer = serde_json::from_str(r#"{"Records": []}"#).unwrap();
        assert_eq!(end.next_shard_iterator, None);

        // A stream turned off keeps its ARN in the description; it is not
        // the table's stream any more.
        let on: TableAnswer = serde_json::from_str(
            r#"{"Table": {"TableName": "t", "LatestStreamArn": "arn:s",
                "StreamSpecification": {"StreamEnabled": true, "StreamViewType": "KEYS_ONLY"}}}"#,
        )
        .unwrap();
        assert_eq!(on.info().stream_arn.as_deref(), Some("arn:s"));
        let off: TableAnswer = serde_json::from_str(
            r#"{"Table": {"TableName": "t", "LatestStreamArn": "arn:s",
                "StreamSpecification": {"StreamEnabled": false}}}"#,
        )
        .unwrap();
        assert_eq!(off.info().stream_arn, None);
    }

    #[test]
    fn answers_parse() {
        let a: PageAnswer = serde_json::from_str(
            r#"{"Items":[{"id":{"S":"a"}},{"id":{"S":"b"}}],"Count":2,"ScannedCount":5,
                "LastEvaluatedKey":{"pk":{"S":"b"}},"ConsumedCapacity":{"TableName":"t","CapacityUnits":1.5}}"#,
        )
        .unwrap();
        assert_eq!(a.items.len(), 2);
        assert_eq!((a.count, a.scanned_count), (2, 5));
        assert_eq!(
            a.last_evaluated_key.as_ref().unwrap().get_str("pk"),
            Some("b")
        );
        assert_eq!(a.capacity(), Some(1.5));

        // A stream's page keeps its items as text: one that is no DynamoDB
        // item does not spoil the page, only its own parse.
        let text = r#"{"Items":[{"id":{"S":"a"}}, {"id":{"Q":"?"}},{"id":{"N":"7"}}],"Count":3,
                "LastEvaluatedKey":{"pk":{"S":"b"}},"ConsumedCapacity":{"CapacityUnits":0.5}}"#;
        let t = TextPageAnswer::from_bytes(Bytes::from_static(text.as_bytes())).unwrap();
        assert_eq!(
            t.items.iter().map(|r| &text[r.clone()]).collect::<Vec<_>>(),
            [
                r#"{"id":{"S":"a"}}"#,
                r#"{"id":{"Q":"?"}}"#,
                r#"{"id":{"N":"7"}}"#
            ]
        );
        assert_eq!(
            t.last_evaluated_key.as_ref().unwrap().get_str("pk"),
            Some("b")
        );
        assert_eq!(t.capacity(), Some(0.5));
        let mut items = t.into_items("Scan");
        assert_eq!(items.size_hint(), (3, Some(3)));
        assert_eq!(items.next().unwrap().unwrap().get_str("id"), Some("a"));
        let bad = items.next().unwrap().unwrap_err();
        assert_eq!(bad.kind(), crate::ErrorKind::Decode);
        assert!(
            bad.message()
                .starts_with("Scan: cannot parse an item of DynamoDB's answer"),
            "{bad}"
        );
        assert!(items.next().unwrap().is_ok());
        assert!(items.next().is_none());
        // The text is let go with the last item.
        assert!(items.text.is_empty());
        // An answer that is not JSON, or not UTF-8, is refused as a whole.
        assert!(TextPageAnswer::from_bytes(Bytes::from_static(b"{\"Items\":[{")).is_err());
        assert!(TextPageAnswer::from_bytes(Bytes::from_static(b"{\"Items\":[\"\xff\"]}")).is_err());
        let none = TextPageAnswer::from_bytes(Bytes::from_static(b"{}")).unwrap();
        assert_eq!(none.into_items("Query").count(), 0);

        let w: BatchWriteAnswer = serde_json::from_str(
            r#"{"UnprocessedItems":{"t":[{"PutRequest":{"Item":{"pk":{"S":"x"}}}},{"DeleteRequest":{"Key":{"pk":{"S":"y"}}}}]},
                "ConsumedCapacity":[{"CapacityUnits":1},{"CapacityUnits":2}]}"#,
        )
        .unwrap();
        let left = &w.unprocessed_items["t"];
        assert!(left[0].put_request.is_some());
        assert_eq!(
            left[1].delete_request.as_ref().unwrap().key.get_str("pk"),
            Some("y")
        );
        assert_eq!(w.capacity(), Some(3.0));

        let g: BatchGetAnswer = serde_json::from_str(
            r#"{"Responses":{"t":[{"pk":{"S":"a"}}]},"UnprocessedKeys":{"t":{"Keys":[{"pk":{"S":"b"}}]}}}"#,
        )
        .unwrap();
        assert_eq!(g.responses["t"].len(), 1);
        assert_eq!(g.unprocessed_keys["t"].keys.len(), 1);

        let t: TableAnswer = serde_json::from_str(
            r#"{"TableDescription":{"TableName":"users","TableStatus":"ACTIVE","KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],
                "AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],
                "GlobalSecondaryIndexes":[{"IndexName":"I","IndexStatus":"CREATING","KeySchema":[{"AttributeName":"e","KeyType":"HASH"}]}],
                "BillingModeSummary":{"BillingMode":"PAY_PER_REQUEST"}}}"#,
        )
        .unwrap();
        let info = t.info();
        assert_eq!(info.name, "users");
        assert_eq!(info.partition_key.as_deref(), Some("pk"));
        assert!(!info.is_active());
        assert_eq!(info.billing_mode.as_deref(), Some("PAY_PER_REQUEST"));
        let empty: GetAnswer = serde_json::from_str("{}").unwrap();
        assert!(empty.item.is_none());
        let ttl: TtlAnswer = serde_json::from_str(
            r#"{"TimeToLiveDescription":{"TimeToLiveStatus":"ENABLED","AttributeName":"exp"}}"#,
        )
        .unwrap();
        assert_eq!(ttl.info().attribute.as_deref(), Some("exp"));
    }
}
