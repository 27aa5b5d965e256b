//! The DynamoDB operations at the wire level: crate-level request structs
//! in, rusoto requests out. Everything above this file speaks `Value`, `Item`
//! and schema types.

use std::collections::{BTreeMap, HashMap};

use rusoto_dynamodb as ddb;

use super::Client;
use super::call::{Output, capacity_mode};
use super::wire::{AttrMap, from_attr_map, to_attr_map};
use crate::codec::{Item, ScalarType};
use crate::error::{Error, Result};
use crate::schema::Projection;
use crate::value::Value;

macro_rules! no_capacity {
    ($($t:ty),*) => { $( impl Output for $t {} )* };
}
macro_rules! single_capacity {
    ($($t:ty),*) => { $( impl Output for $t {
        fn capacity(&self) -> Option<f64> { self.consumed_capacity.as_ref().and_then(|c| c.capacity_units) }
    } )* };
}
macro_rules! multi_capacity {
    ($($t:ty),*) => { $( impl Output for $t {
        fn capacity(&self) -> Option<f64> {
            self.consumed_capacity.as_ref().map(|v| v.iter().filter_map(|c| c.capacity_units).sum())
        }
    } )* };
}
single_capacity!(
    ddb::PutItemOutput,
    ddb::GetItemOutput,
    ddb::DeleteItemOutput,
    ddb::UpdateItemOutput,
    ddb::QueryOutput,
    ddb::ScanOutput
);
multi_capacity!(
    ddb::BatchWriteItemOutput,
    ddb::BatchGetItemOutput,
    ddb::TransactWriteItemsOutput
);
no_capacity!(
    ddb::CreateTableOutput,
    ddb::DescribeTableOutput,
    ddb::DeleteTableOutput,
    ddb::ListTablesOutput,
    ddb::UpdateTimeToLiveOutput,
    ddb::DescribeTimeToLiveOutput
);

/// ExpressionAttributeNames / Values of one request.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Exprs {
    pub(crate) names: Option<BTreeMap<String, String>>,
    pub(crate) values: Option<BTreeMap<String, Value>>,
}

impl Exprs {
    fn names(&self) -> Option<HashMap<String, String>> {
        self.names
            .as_ref()
            .map(|n| n.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
    }
    fn values(&self) -> Option<AttrMap> {
        self.values.as_ref().map(|v| to_attr_map(v.clone()))
    }
}

/// PutItem.
pub(crate) struct PutReq {
    pub(crate) table: String,
    pub(crate) item: AttrMap,
    pub(crate) condition: Option<String>,
    pub(crate) exprs: Exprs,
    pub(crate) return_old: bool,
}

/// GetItem.
pub(crate) struct GetReq {
    pub(crate) table: String,
    pub(crate) key: Item,
    pub(crate) consistent: bool,
    pub(crate) projection: Option<String>,
    pub(crate) names: Option<BTreeMap<String, String>>,
}

/// DeleteItem.
pub(crate) struct DeleteReq {
    pub(crate) table: String,
    pub(crate) key: Item,
    pub(crate) condition: Option<String>,
    pub(crate) exprs: Exprs,
    pub(crate) return_old: bool,
}

/// UpdateItem (returns the new item).
pub(crate) struct UpdateReq {
    pub(crate) table: String,
    pub(crate) key: Item,
    pub(crate) update: String,
    pub(crate) condition: Option<String>,
    pub(crate) exprs: Exprs,
}

/// Query or Scan.
#[derive(Clone, Debug, Default)]
pub(crate) struct ReadReq {
    pub(crate) table: String,
    pub(crate) index: Option<String>,
    pub(crate) key_condition: Option<String>,
    pub(crate) filter: Option<String>,
    pub(crate) projection: Option<String>,
    pub(crate) exprs: Exprs,
    pub(crate) limit: Option<i64>,
    pub(crate) forward: Option<bool>,
    pub(crate) consistent: Option<bool>,
    pub(crate) select: Option<&'static str>,
    pub(crate) start: Option<Item>,
    pub(crate) segment: Option<(i64, i64)>,
}

/// One page of a Query or Scan.
pub(crate) struct RawPage {
    pub(crate) items: Vec<AttrMap>,
    pub(crate) last_key: Option<Item>,
    pub(crate) count: usize,
    pub(crate) scanned: usize,
}

/// One request of a BatchWriteItem.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum WireWrite {
    Put(AttrMap),
    Delete(Item),
}

/// One TransactWriteItems action.
pub(crate) enum TxWire {
    Put {
        table: String,
        item: AttrMap,
        condition: Option<String>,
        exprs: Exprs,
    },
    Update {
        table: String,
        key: Item,
        update: String,
        condition: Option<String>,
        exprs: Exprs,
    },
    Delete {
        table: String,
        key: Item,
        condition: Option<String>,
        exprs: Exprs,
    },
    Check {
        table: String,
        key: Item,
        condition: String,
        exprs: Exprs,
    },
}

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
    /// Billing.
    pub billing: BillingMode,
}

/// A global secondary index to create.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndexSpec {
    /// Index name.
    pub name: String,
    /// Partition-key attribute and type.
    pub partition_key: (String, ScalarType),
    /// Sort-key attribute and type, if any.
    pub sort_key: Option<(String, ScalarType)>,
    /// Projection.
    pub projection: Projection,
    /// Non-key attributes for `Projection::Include`.
    pub non_key_attributes: Vec<String>,
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
    /// Index names with their status and key attributes (partition, sort).
    pub indexes: Vec<(String, String, Option<String>, Option<String>)>,
    /// `PAY_PER_REQUEST` or `PROVISIONED`, when reported.
    pub billing_mode: Option<String>,
}

impl TableInfo {
    /// `true` when the table and all its indexes are `ACTIVE`.
    pub fn is_active(&self) -> bool {
        self.status == "ACTIVE" && self.indexes.iter().all(|(_, s, _, _)| s == "ACTIVE")
    }
}

/// A table's time-to-live setting.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TtlInfo {
    /// `ENABLED`, `DISABLED`, `ENABLING`, `DISABLING`.
    pub status: String,
    /// The TTL attribute, when set.
    pub attribute: Option<String>,
}

fn key_schema(pk: &str, sk: Option<&str>) -> Vec<ddb::KeySchemaElement> {
    let mut v = vec![ddb::KeySchemaElement {
        attribute_name: pk.to_owned(),
        key_type: "HASH".into(),
    }];
    if let Some(sk) = sk {
        v.push(ddb::KeySchemaElement {
            attribute_name: sk.to_owned(),
            key_type: "RANGE".into(),
        });
    }
    v
}

fn to_tx(a: TxWire) -> ddb::TransactWriteItem {
    let mut t = ddb::TransactWriteItem::default();
    match a {
        TxWire::Put {
            table,
            item,
            condition,
            exprs,
        } => {
            t.put = Some(ddb::Put {
                table_name: table,
                item,
                condition_expression: condition,
                expression_attribute_names: exprs.names(),
                expression_attribute_values: exprs.values(),
                ..Default::default()
            })
        }
        TxWire::Update {
            table,
            key,
            update,
            condition,
            exprs,
        } => {
            t.update = Some(ddb::Update {
                table_name: table,
                key: to_attr_map(key),
                update_expression: update,
                condition_expression: condition,
                expression_attribute_names: exprs.names(),
                expression_attribute_values: exprs.values(),
                ..Default::default()
            })
        }
        TxWire::Delete {
            table,
            key,
            condition,
            exprs,
        } => {
            t.delete = Some(ddb::Delete {
                table_name: table,
                key: to_attr_map(key),
                condition_expression: condition,
                expression_attribute_names: exprs.names(),
                expression_attribute_values: exprs.values(),
                ..Default::default()
            })
        }
        TxWire::Check {
            table,
            key,
            condition,
            exprs,
        } => {
            t.condition_check = Some(ddb::ConditionCheck {
                table_name: table,
                key: to_attr_map(key),
                condition_expression: condition,
                expression_attribute_names: exprs.names(),
                expression_attribute_values: exprs.values(),
                ..Default::default()
            })
        }
    }
    t
}

impl Client {
    pub(crate) async fn raw_put(&self, r: PutReq) -> Result<Option<AttrMap>> {
        let input = ddb::PutItemInput {
            item: r.item,
            condition_expression: r.condition,
            expression_attribute_names: r.exprs.names(),
            expression_attribute_values: r.exprs.values(),
            return_values: r.return_old.then(|| "ALL_OLD".to_owned()),
            return_consumed_capacity: capacity_mode(),
            table_name: r.table,
            ..Default::default()
        };
        let out: ddb::PutItemOutput = self.call("PutItem", &input.table_name, &input).await?;
        Ok(out.attributes)
    }

    pub(crate) async fn raw_get(&self, r: GetReq) -> Result<Option<AttrMap>> {
        let input = ddb::GetItemInput {
            key: to_attr_map(r.key),
            consistent_read: r.consistent.then_some(true),
            projection_expression: r.projection,
            expression_attribute_names: r.names.map(|n| n.into_iter().collect()),
            return_consumed_capacity: capacity_mode(),
            table_name: r.table,
            ..Default::default()
        };
        let out: ddb::GetItemOutput = self.call("GetItem", &input.table_name, &input).await?;
        Ok(out.item)
    }

    pub(crate) async fn raw_delete(&self, r: DeleteReq) -> Result<Option<AttrMap>> {
        let input = ddb::DeleteItemInput {
            key: to_attr_map(r.key),
            condition_expression: r.condition,
            expression_attribute_names: r.exprs.names(),
            expression_attribute_values: r.exprs.values(),
            return_values: r.return_old.then(|| "ALL_OLD".to_owned()),
            return_consumed_capacity: capacity_mode(),
            table_name: r.table,
            ..Default::default()
        };
        let out: ddb::DeleteItemOutput = self.call("DeleteItem", &input.table_name, &input).await?;
        Ok(out.attributes)
    }

    pub(crate) async fn raw_update(&self, r: UpdateReq) -> Result<Option<AttrMap>> {
        let input = ddb::UpdateItemInput {
            key: to_attr_map(r.key),
            update_expression: Some(r.update),
            condition_expression: r.condition,
            expression_attribute_names: r.exprs.names(),
            expression_attribute_values: r.exprs.values(),
            return_values: Some("ALL_NEW".to_owned()),
            return_consumed_capacity: capacity_mode(),
            table_name: r.table,
            ..Default::default()
        };
        let out: ddb::UpdateItemOutput = self.call("UpdateItem", &input.table_name, &input).await?;
        Ok(out.attributes)
    }

    pub(crate) async fn raw_query(&self, r: ReadReq) -> Result<RawPage> {
        let input = ddb::QueryInput {
            index_name: r.index,
            key_condition_expression: r.key_condition,
            filter_expression: r.filter,
            projection_expression: r.projection,
            expression_attribute_names: r.exprs.names(),
            expression_attribute_values: r.exprs.values(),
            limit: r.limit,
            scan_index_forward: r.forward,
            consistent_read: r.consistent,
            select: r.select.map(str::to_owned),
            exclusive_start_key: r.start.map(to_attr_map),
            return_consumed_capacity: capacity_mode(),
            table_name: r.table,
            ..Default::default()
        };
        let out: ddb::QueryOutput = self.call("Query", &input.table_name, &input).await?;
        Ok(RawPage {
            items: out.items.unwrap_or_default(),
            last_key: out.last_evaluated_key.map(from_attr_map).transpose()?,
            count: out.count.unwrap_or(0).max(0) as usize,
            scanned: out.scanned_count.unwrap_or(0).max(0) as usize,
        })
    }

    pub(crate) async fn raw_scan(&self, r: ReadReq) -> Result<RawPage> {
        let input = ddb::ScanInput {
            index_name: r.index,
            filter_expression: r.filter,
            projection_expression: r.projection,
            expression_attribute_names: r.exprs.names(),
            expression_attribute_values: r.exprs.values(),
            limit: r.limit,
            consistent_read: r.consistent,
            select: r.select.map(str::to_owned),
            exclusive_start_key: r.start.map(to_attr_map),
            segment: r.segment.map(|s| s.0),
            total_segments: r.segment.map(|s| s.1),
            return_consumed_capacity: capacity_mode(),
            table_name: r.table,
            ..Default::default()
        };
        let out: ddb::ScanOutput = self.call("Scan", &input.table_name, &input).await?;
        Ok(RawPage {
            items: out.items.unwrap_or_default(),
            last_key: out.last_evaluated_key.map(from_attr_map).transpose()?,
            count: out.count.unwrap_or(0).max(0) as usize,
            scanned: out.scanned_count.unwrap_or(0).max(0) as usize,
        })
    }

    /// Sends one BatchWriteItem (at most 25 requests); returns what DynamoDB
    /// left unprocessed.
    pub(crate) async fn raw_batch_write(
        &self,
        table: &str,
        requests: Vec<WireWrite>,
    ) -> Result<Vec<WireWrite>> {
        let reqs: Vec<ddb::WriteRequest> = requests
            .into_iter()
            .map(|w| match w {
                WireWrite::Put(item) => ddb::WriteRequest {
                    put_request: Some(ddb::PutRequest { item }),
                    delete_request: None,
                },
                WireWrite::Delete(key) => ddb::WriteRequest {
                    put_request: None,
                    delete_request: Some(ddb::DeleteRequest {
                        key: to_attr_map(key),
                    }),
                },
            })
            .collect();
        let input = ddb::BatchWriteItemInput {
            request_items: HashMap::from([(table.to_owned(), reqs)]),
            return_consumed_capacity: capacity_mode(),
            ..Default::default()
        };
        let out: ddb::BatchWriteItemOutput = self.call("BatchWriteItem", table, &input).await?;
        let mut left = Vec::new();
        for (_, reqs) in out.unprocessed_items.unwrap_or_default() {
            for r in reqs {
                if let Some(p) = r.put_request {
                    left.push(WireWrite::Put(p.item));
                } else if let Some(d) = r.delete_request {
                    left.push(WireWrite::Delete(from_attr_map(d.key)?));
                }
            }
        }
        Ok(left)
    }

    /// Sends one BatchGetItem (at most 100 keys); returns the items found and
    /// the keys DynamoDB left unprocessed.
    pub(crate) async fn raw_batch_get(
        &self,
        table: &str,
        keys: Vec<Item>,
        consistent: bool,
        projection: Option<String>,
        names: Option<BTreeMap<String, String>>,
    ) -> Result<(Vec<AttrMap>, Vec<Item>)> {
        let ka = ddb::KeysAndAttributes {
            keys: keys.into_iter().map(to_attr_map).collect(),
            consistent_read: consistent.then_some(true),
            projection_expression: projection,
            expression_attribute_names: names.map(|n| n.into_iter().collect()),
            ..Default::default()
        };
        let input = ddb::BatchGetItemInput {
            request_items: HashMap::from([(table.to_owned(), ka)]),
            return_consumed_capacity: capacity_mode(),
        };
        let out: ddb::BatchGetItemOutput = self.call("BatchGetItem", table, &input).await?;
        let items = out
            .responses
            .unwrap_or_default()
            .into_values()
            .flatten()
            .collect();
        let mut left = Vec::new();
        for (_, ka) in out.unprocessed_keys.unwrap_or_default() {
            for k in ka.keys {
                left.push(from_attr_map(k)?);
            }
        }
        Ok((items, left))
    }

    pub(crate) async fn raw_transact(&self, actions: Vec<TxWire>, token: String) -> Result<()> {
        let table = match actions.first() {
            Some(
                TxWire::Put { table, .. }
                | TxWire::Update { table, .. }
                | TxWire::Delete { table, .. }
                | TxWire::Check { table, .. },
            ) => table.clone(),
            None => String::new(),
        };
        let input = ddb::TransactWriteItemsInput {
            transact_items: actions.into_iter().map(to_tx).collect(),
            client_request_token: Some(token),
            return_consumed_capacity: capacity_mode(),
            ..Default::default()
        };
        let _: ddb::TransactWriteItemsOutput =
            self.call("TransactWriteItems", &table, &input).await?;
        Ok(())
    }

    pub(crate) async fn raw_create_table(&self, spec: &TableSpec) -> Result<TableInfo> {
        let mut attrs: BTreeMap<String, ScalarType> = BTreeMap::new();
        let mut add = |name: &str, t: ScalarType| -> Result<()> {
            match attrs.insert(name.to_owned(), t) {
                Some(prev) if prev != t => Err(Error::validation(format!(
                    "attribute `{name}` is used as a key with two types ({} and {})",
                    prev.as_str(),
                    t.as_str()
                ))),
                _ => Ok(()),
            }
        };
        add(&spec.partition_key.0, spec.partition_key.1)?;
        if let Some((n, t)) = &spec.sort_key {
            add(n, *t)?;
        }
        for i in &spec.indexes {
            add(&i.partition_key.0, i.partition_key.1)?;
            if let Some((n, t)) = &i.sort_key {
                add(n, *t)?;
            }
        }
        let throughput = match spec.billing {
            BillingMode::PayPerRequest => None,
            BillingMode::Provisioned { read, write } => Some(ddb::ProvisionedThroughput {
                read_capacity_units: read,
                write_capacity_units: write,
            }),
        };
        let gsis: Vec<ddb::GlobalSecondaryIndex> = spec
            .indexes
            .iter()
            .map(|i| ddb::GlobalSecondaryIndex {
                index_name: i.name.clone(),
                key_schema: key_schema(
                    &i.partition_key.0,
                    i.sort_key.as_ref().map(|s| s.0.as_str()),
                ),
                projection: ddb::Projection {
                    projection_type: Some(i.projection.as_str().to_owned()),
                    non_key_attributes: (i.projection == Projection::Include
                        && !i.non_key_attributes.is_empty())
                    .then(|| i.non_key_attributes.clone()),
                },
                provisioned_throughput: throughput.clone(),
            })
            .collect();
        let input = ddb::CreateTableInput {
            table_name: spec.name.clone(),
            attribute_definitions: attrs
                .into_iter()
                .map(|(n, t)| ddb::AttributeDefinition {
                    attribute_name: n,
                    attribute_type: t.as_str().to_owned(),
                })
                .collect(),
            key_schema: key_schema(
                &spec.partition_key.0,
                spec.sort_key.as_ref().map(|s| s.0.as_str()),
            ),
            billing_mode: Some(
                match spec.billing {
                    BillingMode::PayPerRequest => "PAY_PER_REQUEST",
                    BillingMode::Provisioned { .. } => "PROVISIONED",
                }
                .to_owned(),
            ),
            provisioned_throughput: throughput,
            global_secondary_indexes: (!gsis.is_empty()).then_some(gsis),
            ..Default::default()
        };
        let out: ddb::CreateTableOutput = self.call("CreateTable", &spec.name, &input).await?;
        Ok(table_info(out.table_description.unwrap_or_default()))
    }

    pub(crate) async fn raw_describe_table(&self, name: &str) -> Result<TableInfo> {
        let input = ddb::DescribeTableInput {
            table_name: name.to_owned(),
        };
        let out: ddb::DescribeTableOutput = self.call("DescribeTable", name, &input).await?;
        Ok(table_info(out.table.unwrap_or_default()))
    }

    pub(crate) async fn raw_delete_table(&self, name: &str) -> Result<TableInfo> {
        let input = ddb::DeleteTableInput {
            table_name: name.to_owned(),
        };
        let out: ddb::DeleteTableOutput = self.call("DeleteTable", name, &input).await?;
        Ok(table_info(out.table_description.unwrap_or_default()))
    }

    pub(crate) async fn raw_list_tables(
        &self,
        start: Option<String>,
        limit: Option<i64>,
    ) -> Result<(Vec<String>, Option<String>)> {
        let input = ddb::ListTablesInput {
            exclusive_start_table_name: start,
            limit,
        };
        let out: ddb::ListTablesOutput = self.call("ListTables", "", &input).await?;
        Ok((
            out.table_names.unwrap_or_default(),
            out.last_evaluated_table_name,
        ))
    }

    pub(crate) async fn raw_update_ttl(
        &self,
        table: &str,
        attribute: &str,
        enabled: bool,
    ) -> Result<()> {
        let input = ddb::UpdateTimeToLiveInput {
            table_name: table.to_owned(),
            time_to_live_specification: ddb::TimeToLiveSpecification {
                attribute_name: attribute.to_owned(),
                enabled,
            },
        };
        let _: ddb::UpdateTimeToLiveOutput = self.call("UpdateTimeToLive", table, &input).await?;
        Ok(())
    }

    pub(crate) async fn raw_describe_ttl(&self, table: &str) -> Result<TtlInfo> {
        let input = ddb::DescribeTimeToLiveInput {
            table_name: table.to_owned(),
        };
        let out: ddb::DescribeTimeToLiveOutput =
            self.call("DescribeTimeToLive", table, &input).await?;
        let d = out.time_to_live_description.unwrap_or_default();
        Ok(TtlInfo {
            status: d.time_to_live_status.unwrap_or_else(|| "DISABLED".into()),
            attribute: d.attribute_name,
        })
    }
}

fn table_info(d: ddb::TableDescription) -> TableInfo {
    let find = |ks: &Option<Vec<ddb::KeySchemaElement>>, t: &str| {
        ks.as_ref()
            .and_then(|k| k.iter().find(|e| e.key_type == t))
            .map(|e| e.attribute_name.clone())
    };
    TableInfo {
        name: d.table_name.clone().unwrap_or_default(),
        status: d.table_status.clone().unwrap_or_default(),
        item_count: d.item_count,
        partition_key: find(&d.key_schema, "HASH"),
        sort_key: find(&d.key_schema, "RANGE"),
        attribute_types: d
            .attribute_definitions
            .unwrap_or_default()
            .into_iter()
            .map(|a| (a.attribute_name, a.attribute_type))
            .collect(),
        indexes: d
            .global_secondary_indexes
            .unwrap_or_default()
            .into_iter()
            .map(|g| {
                (
                    g.index_name.unwrap_or_default(),
                    g.index_status.unwrap_or_else(|| "ACTIVE".into()),
                    find(&g.key_schema, "HASH"),
                    find(&g.key_schema, "RANGE"),
                )
            })
            .collect(),
        billing_mode: d.billing_mode_summary.and_then(|b| b.billing_mode),
    }
}
