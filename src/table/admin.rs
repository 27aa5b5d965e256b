//! Table management: create a schema's table (keys, attribute types,
//! indexes and projections from the schema), delete it, describe it, list
//! tables, and time to live.

use std::time::{Duration, Instant};

use crate::client::{BillingMode, Client, IndexSpec, TableInfo, TableSpec, TtlInfo};
use crate::codec::ScalarType;
use crate::error::{Error, ErrorKind, Result};
use crate::schema::Schema;

/// How long table creation and deletion are waited for.
const WAIT_LIMIT: Duration = Duration::from_secs(600);

/// The table a schema needs: `pk` (and `sk` when the schema has a sort key)
/// as strings, every index with its key attributes' types and projection,
/// on-demand billing.
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
/// assert_eq!(spec.indexes[1].sort_key, Some(("score".to_owned(), dynamo::ScalarType::Number)));
/// assert_eq!(spec.billing, BillingMode::PayPerRequest);
/// ```
pub fn spec_for<T: Schema>() -> TableSpec {
    let s = T::SCHEMA;
    let settings = s.key_settings();
    TableSpec {
        name: s.effective_table_name(),
        partition_key: (settings.partition_key_name.to_string(), ScalarType::String),
        sort_key: s
            .has_sort_key()
            .then(|| (settings.sort_key_name.to_string(), ScalarType::String)),
        indexes: s
            .indexes
            .iter()
            .map(|i| IndexSpec {
                name: i.name.to_owned(),
                partition_key: (
                    i.partition_key.to_owned(),
                    s.attribute_type(i.partition_key),
                ),
                sort_key: i.sort_key.map(|f| (f.to_owned(), s.attribute_type(f))),
                projection: i.projection,
                non_key_attributes: i
                    .projected_attributes
                    .iter()
                    .map(|a| a.to_string())
                    .collect(),
            })
            .collect(),
        billing: BillingMode::PayPerRequest,
    }
}

/// DynamoDB's table name rule: 3–255 characters of `a-z A-Z 0-9 _ - .`.
pub(crate) fn check_table_name(name: &str) -> Result<()> {
    let ok_len = (3..=255).contains(&name.len());
    let ok_chars = name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
    if ok_len && ok_chars {
        Ok(())
    } else {
        Err(Error::validation(format!(
            "table name `{name}` is not valid: DynamoDB table names are 3 to 255 characters of \
             a-z, A-Z, 0-9, '_', '-' and '.'"
        )))
    }
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

impl Client {
    /// Creates `T`'s table from its schema (see [`spec_for`]) and waits until
    /// it and its indexes are `ACTIVE`.
    pub async fn create_table<T: Schema>(&self) -> Result<TableInfo> {
        self.create_table_from_spec(&spec_for::<T>()).await
    }

    /// Creates `T`'s table unless it exists already; either way waits until
    /// it is `ACTIVE`.
    pub async fn create_table_if_missing<T: Schema>(&self) -> Result<TableInfo> {
        match self.create_table::<T>().await {
            Err(e) if e.kind() == ErrorKind::ResourceInUse => {
                self.wait_for_table(&spec_for::<T>().name, |_| {}).await
            }
            other => other,
        }
    }

    /// Creates a table from a spec and waits until it is `ACTIVE`.
    pub async fn create_table_from_spec(&self, spec: &TableSpec) -> Result<TableInfo> {
        check_table_name(&spec.name)?;
        for i in &spec.indexes {
            check_table_name(&i.name).map_err(|_| {
                Error::validation(format!(
                    "index name `{}` is not valid: 3 to 255 characters of a-z, A-Z, 0-9, '_', '-' and '.'",
                    i.name
                ))
            })?;
        }
        if spec.indexes.len() > 20 {
            return Err(Error::validation(format!(
                "table `{}` has {} global secondary indexes; DynamoDB allows at most 20",
                spec.name,
                spec.indexes.len()
            )));
        }
        let info = self.raw_create_table(spec).await?;
        if info.is_active() {
            return Ok(info);
        }
        self.wait_for_table(&spec.name, |_| {}).await
    }

    /// Polls until the table and its indexes are `ACTIVE`, calling
    /// `on_poll` with each status seen (for progress displays).
    pub async fn wait_for_table(
        &self,
        name: &str,
        mut on_poll: impl FnMut(&TableInfo),
    ) -> Result<TableInfo> {
        let started = Instant::now();
        loop {
            let info = self.raw_describe_table(name).await?;
            on_poll(&info);
            if info.is_active() {
                return Ok(info);
            }
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
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    /// Deletes `T`'s table and waits until it is gone.
    pub async fn delete_table<T: Schema>(&self) -> Result<()> {
        self.delete_table_named(&T::SCHEMA.effective_table_name(), |_| {})
            .await
    }

    /// Deletes a table by name and waits until it is gone, calling `on_poll`
    /// with each status seen.
    pub async fn delete_table_named(
        &self,
        name: &str,
        mut on_poll: impl FnMut(&TableInfo),
    ) -> Result<()> {
        check_table_name(name)?;
        self.raw_delete_table(name).await?;
        let started = Instant::now();
        loop {
            match self.raw_describe_table(name).await {
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
        self.raw_describe_table(name).await
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
        if let Some(p) = page_size
            && !(1..=100).contains(&p)
        {
            return Err(Error::validation(format!(
                "page size {p} is out of range: ListTables returns 1 to 100 names per page"
            )));
        }
        let mut out = ListTablesOutput::default();
        let mut start: Option<String> = None;
        loop {
            let (names, next) = self
                .raw_list_tables(start.take(), page_size.map(|p| p as i64))
                .await?;
            out.pages += 1;
            out.table_names.extend(
                names
                    .into_iter()
                    .filter(|n| name_contains.is_none_or(|c| n.contains(c))),
            );
            match next {
                Some(n) if limit.is_none_or(|l| out.table_names.len() < l) => start = Some(n),
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
        self.raw_update_ttl(table, attribute, true).await
    }

    /// The table's time-to-live setting.
    pub async fn describe_ttl(&self, table: &str) -> Result<TtlInfo> {
        check_table_name(table)?;
        self.raw_describe_ttl(table).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_names() {
        assert!(check_table_name("users").is_ok());
        assert!(check_table_name("a.b-c_d").is_ok());
        assert!(check_table_name("ab").is_err());
        assert!(check_table_name("bad name!").is_err());
        assert!(check_table_name(&"x".repeat(256)).is_err());
    }
}
