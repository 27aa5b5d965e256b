//! Table management: create a schema's table (keys, attribute types,
//! indexes and projections from the schema), delete it, describe it, list
//! tables, time to live, and schema-less reads for tools.

use std::time::{Duration, Instant};

use crate::client::Client;
use crate::codec::Item;
use crate::error::{Error, ErrorKind, Result};
use crate::plan::table::{check_matches, check_table_name, create, spec};
use crate::request::{
    DeleteTable, DescribeTable, DescribeTimeToLive, ListTables, Read, Scan, StreamView, TableInfo,
    TableSpec, TtlInfo, UpdateStream, UpdateTimeToLive,
};
use crate::schema::{KeyContext, Schema};

/// How long table creation and deletion are waited for.
const WAIT_LIMIT: Duration = Duration::from_secs(600);

/// The table a schema needs: `pk` (and `sk` when the schema has a sort key)
/// as strings, every index with its key attributes' types and projection,
/// on-demand billing; named with the configured table prefix, if any.
///
/// ```
/// use dynamo::prelude::*;
/// use dynamo::table::{spec_for, BillingMode};
///
/// dynamo_item! {
///     pub struct User {
///         table_name "users";
///         field :id, partition_key;
///         field :email;
///         field :score: i64;
///         global_secondary_index "EmailIndex", partition_key: :email;
///         global_secondary_index "ScoreIndex", partition_key: :email, sort_key: :score, projection: :keys_only;
///     }
/// }
///
/// let spec = spec_for::<User>();
/// assert_eq!(spec.partition_key.0, "pk");
/// assert!(spec.sort_key.is_none());
/// assert_eq!(spec.indexes[1].sort_key, vec![("score".to_owned(), dynamo::ScalarType::Number)]);
/// assert_eq!(spec.billing, BillingMode::PayPerRequest);
/// ```
pub fn spec_for<T: Schema>() -> TableSpec {
    spec(T::SCHEMA, &KeyContext::of(T::SCHEMA))
}

/// Every table, or those containing a text, across all pages.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListTablesOutput {
    /// Table names, sorted.
    pub table_names: Vec<String>,
    /// How many `ListTables` pages were read.
    pub pages: usize,
}

/// An error of one of `kinds` that came on a retry, after an attempt that
/// got no answer (or a 500): that attempt may have been applied, and this
/// answer may be the change it made seen again ("already exists", "not
/// found"). After a throttled attempt, which DynamoDB did not apply, the
/// answer is what it says.
fn lost_answer(e: &Error, kinds: &[ErrorKind]) -> bool {
    e.follows_unanswered() && kinds.contains(&e.kind())
}

/// What keeps a table from being ready: its status, and each index that
/// is not `ACTIVE` with its own.
fn not_active(info: &TableInfo) -> String {
    let mut out = format!("still {}", info.status);
    for i in info.indexes.iter().filter(|i| i.status != "ACTIVE") {
        out.push_str(&format!(", index `{}` {}", i.name, i.status));
    }
    out
}

impl Client {
    /// Creates `T`'s table from its schema (see [`spec_for`]) and waits until
    /// it and its indexes are `ACTIVE`.
    pub async fn create_table<T: Schema>(&self) -> Result<TableInfo> {
        self.create_table_from_spec(&spec_for::<T>()).await
    }

    /// Creates `T`'s table unless it exists already; either way waits until
    /// it is `ACTIVE`. Idempotent: run it at every start, also from several
    /// processes starting at once (a time to live another one turned on
    /// meanwhile is taken as done). A table that exists
    /// must be the one the schema describes — the same key attributes and
    /// types, and every index of the schema with the same keys (extra
    /// indexes are fine) — or the answer is a `ValidationError` naming the
    /// difference. Time to live is turned on if the schema has a `ttl` field;
    /// a table whose time to live is already on for another attribute is a
    /// `ValidationError` naming both (checked first: DynamoDB allows one).
    pub async fn create_table_if_missing<T: Schema>(&self) -> Result<TableInfo> {
        match self.create_table::<T>().await {
            Err(e) if e.kind() == ErrorKind::ResourceInUse => {
                let spec = spec_for::<T>();
                let info = self.wait_for_table(&spec.name, |_| {}).await?;
                check_matches(&spec, &info)?;
                if let Some(attr) = &spec.ttl_attribute {
                    let ttl = self.describe_ttl(&spec.name).await?;
                    let on = matches!(ttl.status.as_str(), "ENABLED" | "ENABLING");
                    match ttl.attribute.as_deref() {
                        Some(current) if on && current != attr => {
                            return Err(Error::validation(format!(
                                "table `{}` has time to live on attribute `{current}`, but \
                                 the schema's ttl field is `{attr}`; a table has one time to \
                                 live attribute: turn it off (`UpdateTimeToLive`) before \
                                 changing it",
                                spec.name
                            )));
                        }
                        Some(current) if on && current == attr => {}
                        _ => self.ensure_ttl(&spec.name, attr).await?,
                    }
                }
                Ok(info)
            }
            other => other,
        }
    }

    /// Creates a table from a spec and waits until it is `ACTIVE`; then
    /// turns time to live on for the spec's `ttl_attribute`, if any.
    pub async fn create_table_from_spec(&self, spec: &TableSpec) -> Result<TableInfo> {
        let req = create(spec)?;
        let info = match self.execute(&req).await {
            Ok(answer) => answer.info(),
            // "Already exists" on a retry: an earlier attempt may have
            // created the table and its answer been lost. A table just like
            // the spec is taken as that one; any other keeps the error.
            Err(e) if lost_answer(&e, &[ErrorKind::ResourceInUse]) => {
                let info = self.wait_for_table(&spec.name, |_| {}).await?;
                check_matches(spec, &info).map_err(|_| e)?;
                info
            }
            Err(e) => return Err(e),
        };
        let info = if info.is_active() {
            info
        } else {
            self.wait_for_table(&spec.name, |_| {}).await?
        };
        if let Some(attr) = &spec.ttl_attribute {
            self.ensure_ttl(&spec.name, attr).await?;
        }
        Ok(info)
    }

    /// Turns time to live on for `attr`, for a table being made ready:
    /// several processes starting at once may each find it off and turn it
    /// on, and DynamoDB refuses all but the first ("already enabled"). A
    /// refusal is checked against the table: on for `attr` is done.
    async fn ensure_ttl(&self, table: &str, attr: &str) -> Result<()> {
        match self.enable_ttl(table, attr).await {
            Err(e) if e.kind() == ErrorKind::ValidationError => {
                if self.ttl_on_for(table, attr).await? {
                    Ok(())
                } else {
                    Err(e)
                }
            }
            other => other,
        }
    }

    /// Whether `table`'s time to live is on (or turning on) for `attr`.
    async fn ttl_on_for(&self, table: &str, attr: &str) -> Result<bool> {
        let ttl = self.describe_ttl(table).await?;
        let on = matches!(ttl.status.as_str(), "ENABLED" | "ENABLING");
        Ok(on && ttl.attribute.as_deref() == Some(attr))
    }

    /// Polls until the table and its indexes are `ACTIVE`, calling
    /// `on_poll` with each status seen (for progress displays).
    pub async fn wait_for_table(
        &self,
        name: &str,
        mut on_poll: impl FnMut(&TableInfo),
    ) -> Result<TableInfo> {
        check_table_name(name)?;
        let started = Instant::now();
        loop {
            let info = self.describe_table(name).await?;
            on_poll(&info);
            if info.is_active() {
                return Ok(info);
            }
            if started.elapsed() > WAIT_LIMIT {
                return Err(Error::new(
                    ErrorKind::ResourceInUse,
                    format!(
                        "table `{name}` is {} after {} s",
                        not_active(&info),
                        WAIT_LIMIT.as_secs()
                    ),
                ));
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    /// Deletes `T`'s table and waits until it is gone.
    pub async fn delete_table<T: Schema>(&self) -> Result<()> {
        self.delete_table_named(&spec_for::<T>().name, |_| {}).await
    }

    /// Deletes a table by name and waits until it is gone, calling `on_poll`
    /// with each status seen.
    pub async fn delete_table_named(
        &self,
        name: &str,
        mut on_poll: impl FnMut(&TableInfo),
    ) -> Result<()> {
        check_table_name(name)?;
        match self
            .execute(&DeleteTable {
                table: name.to_owned(),
            })
            .await
        {
            Ok(_) => {}
            // On a retry, an earlier attempt whose answer was lost may have
            // deleted the table: gone, or still being deleted, is done.
            Err(e) if lost_answer(&e, &[ErrorKind::ResourceNotFound]) => return Ok(()),
            Err(e) if lost_answer(&e, &[ErrorKind::ResourceInUse]) => {
                match self.describe_table(name).await {
                    Err(gone) if gone.kind() == ErrorKind::ResourceNotFound => return Ok(()),
                    Ok(info) if info.status == "DELETING" => {}
                    _ => return Err(e),
                }
            }
            Err(e) => return Err(e),
        }
        let started = Instant::now();
        loop {
            match self.describe_table(name).await {
                Err(e) if e.kind() == ErrorKind::ResourceNotFound => return Ok(()),
                Err(e) => return Err(e),
                Ok(info) => {
                    on_poll(&info);
                    if started.elapsed() > WAIT_LIMIT {
                        return Err(Error::new(
                            ErrorKind::ResourceInUse,
                            format!(
                                "table `{name}` is still {} after {} s",
                                info.status,
                                WAIT_LIMIT.as_secs()
                            ),
                        ));
                    }
                }
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    /// Describes a table.
    pub async fn describe_table(&self, name: &str) -> Result<TableInfo> {
        check_table_name(name)?;
        Ok(self
            .execute(&DescribeTable {
                table: name.to_owned(),
            })
            .await?
            .info())
    }

    /// Lists tables across every page: those whose name contains
    /// `name_contains` (when given), at most `limit` (when given), sorted.
    /// `page_size` sets how many names each `ListTables` call returns
    /// (1–100, default 100).
    pub async fn list_tables(
        &self,
        name_contains: Option<&str>,
        limit: Option<usize>,
        page_size: Option<usize>,
    ) -> Result<ListTablesOutput> {
        if limit == Some(0) {
            return Err(
                Error::validation("`limit` 0 lists nothing: give at least 1, or no limit")
                    .with_field("limit"),
            );
        }
        let page_size = match page_size {
            Some(p) if !(1..=100).contains(&p) => {
                return Err(Error::validation(format!(
                    "page size {p} is out of range: ListTables returns 1 to 100 names per page"
                )));
            }
            Some(p) => u32::try_from(p).ok(),
            None => None,
        };
        let mut out = ListTablesOutput::default();
        let mut req = ListTables {
            start: None,
            limit: page_size,
        };
        loop {
            let answer = self.execute(&req).await?;
            out.pages += 1;
            out.table_names.extend(
                answer
                    .table_names
                    .into_iter()
                    .filter(|n| name_contains.is_none_or(|c| n.contains(c))),
            );
            match answer.last_evaluated_table_name {
                Some(n) if limit.is_none_or(|l| out.table_names.len() < l) => req.start = Some(n),
                _ => break,
            }
        }
        out.table_names.sort();
        if let Some(l) = limit {
            out.table_names.truncate(l);
        }
        Ok(out)
    }

    /// Turns on time to live for `table`, expiring items whose `attribute`
    /// (epoch seconds) is in the past.
    pub async fn enable_ttl(&self, table: &str, attribute: &str) -> Result<()> {
        check_table_name(table)?;
        if attribute.is_empty() {
            return Err(Error::validation("the TTL attribute name is empty"));
        }
        match self
            .execute(&UpdateTimeToLive {
                table: table.to_owned(),
                attribute: attribute.to_owned(),
                enabled: true,
            })
            .await
        {
            Ok(_) => Ok(()),
            // "Already enabled" on a retry: an earlier attempt whose answer
            // was lost may have turned it on. On for this attribute is done.
            Err(e) if lost_answer(&e, &[ErrorKind::ValidationError]) => {
                if self.ttl_on_for(table, attribute).await? {
                    Ok(())
                } else {
                    Err(e)
                }
            }
            Err(e) => Err(e),
        }
    }

    /// Turns on `table`'s DynamoDB stream, recording what `view` says of
    /// each change, waits until the table is active again, and returns the
    /// stream's ARN. Read it with [`read_changes`](Client::read_changes)
    /// or from AWS Lambda; its records decode with
    /// [`dynamo::changes`](crate::changes). A table whose stream is
    /// already on is a `ValidationError` naming that stream, as DynamoDB
    /// answers (checked first, so that every engine says so).
    pub async fn enable_stream(&self, table: &str, view: StreamView) -> Result<String> {
        check_table_name(table)?;
        if let Some(arn) = self.describe_table(table).await?.stream_arn {
            return Err(Error::validation(format!(
                "table `{table}` already has a stream turned on (`{arn}`); turn it off with \
                 `disable_stream` first to change its view type"
            )));
        }
        let turned_on = self
            .execute(&UpdateStream {
                table: table.to_owned(),
                view: Some(view),
            })
            .await;
        match turned_on {
            Ok(_) => {}
            // "Already has a stream" (or "being updated") on a retry: an
            // earlier attempt whose answer was lost may have turned it on;
            // the table had none when this call began.
            Err(e) if lost_answer(&e, &[ErrorKind::ValidationError, ErrorKind::ResourceInUse]) => {
                let info = self.wait_for_table(table, |_| {}).await?;
                if info.stream_arn.is_none() {
                    return Err(e);
                }
            }
            Err(e) => return Err(e),
        }
        let info = self.wait_for_table(table, |_| {}).await?;
        info.stream_arn.ok_or_else(|| {
            Error::new(
                ErrorKind::InternalServerError,
                format!("table `{table}` reports no stream after turning one on"),
            )
        })
    }

    /// Turns off `table`'s DynamoDB stream and waits until the table is
    /// active again. (DynamoDB keeps its records readable for 24 hours: a
    /// [`StreamPosition`](crate::changes::StreamPosition) already in it reads
    /// on to its end with [`read_changes`](Client::read_changes). The local
    /// engine forgets the stream at once.)
    pub async fn disable_stream(&self, table: &str) -> Result<()> {
        check_table_name(table)?;
        let turned_off = self
            .execute(&UpdateStream {
                table: table.to_owned(),
                view: None,
            })
            .await;
        match turned_off {
            Ok(_) => {}
            // "No stream" (or "being updated") on a retry: an earlier
            // attempt whose answer was lost may have turned it off.
            Err(e) if lost_answer(&e, &[ErrorKind::ValidationError, ErrorKind::ResourceInUse]) => {
                if self
                    .wait_for_table(table, |_| {})
                    .await?
                    .stream_arn
                    .is_none()
                {
                    return Ok(());
                }
                return Err(e);
            }
            Err(e) => return Err(e),
        }
        self.wait_for_table(table, |_| {}).await?;
        Ok(())
    }

    /// The table's time-to-live setting.
    pub async fn describe_ttl(&self, table: &str) -> Result<TtlInfo> {
        check_table_name(table)?;
        Ok(self
            .execute(&DescribeTimeToLive {
                table: table.to_owned(),
            })
            .await?
            .info())
    }

    /// Reads up to `limit` items of the table named `table` (the name as
    /// given: no configured `table_prefix` is added), following pages, with
    /// every attribute as a [`Value`](crate::Value). For looking at tables
    /// you have no schema for; with a schema use [`Client::scan`].
    ///
    /// ```no_run
    /// # async fn run() -> dynamo::Result<()> {
    /// let client = dynamo::Client::from_env()?;
    /// for item in client.scan_table("users", 10).await? {
    ///     println!("{} attributes", item.len());
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn scan_table(&self, table: &str, limit: usize) -> Result<Vec<Item>> {
        check_table_name(table)?;
        let mut out: Vec<Item> = Vec::new();
        let mut req = Scan(Read {
            table: table.to_owned(),
            ..Read::default()
        });
        while out.len() < limit {
            req.0.limit = u32::try_from((limit - out.len()).min(1000)).ok();
            let page = self.execute(&req).await?;
            out.extend(page.items.into_iter().map(|i| i.into_item()));
            match page.last_evaluated_key {
                Some(k) => req.0.start = Some(k.into_item().into_iter().collect()),
                None => break,
            }
        }
        out.truncate(limit);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::IndexInfo;

    /// A table that waits on an index names the index.
    #[test]
    fn what_keeps_a_table_from_being_ready() {
        let mut info = TableInfo {
            status: "ACTIVE".into(),
            ..TableInfo::default()
        };
        let index = |name: &str, status: &str| {
            let mut i = IndexInfo::new(name, vec!["a".into()], Vec::new(), false);
            i.status = status.into();
            i
        };
        info.indexes = vec![index("ByA", "ACTIVE"), index("ByB", "CREATING")];
        assert_eq!(not_active(&info), "still ACTIVE, index `ByB` CREATING");
        info.status = "UPDATING".into();
        info.indexes.clear();
        assert_eq!(not_active(&info), "still UPDATING");
    }
}
