//! Reading a table without a schema, for tools (the `dynamo` command's
//! `generate-schema`) that look at tables they have no Rust type for.

use super::wire::from_attr_map;
use super::{Client, ReadReq};
use crate::codec::Item;
use crate::error::{Error, Result};

impl Client {
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
        if table.is_empty() {
            return Err(Error::validation("the table name is empty"));
        }
        let mut out: Vec<Item> = Vec::new();
        let mut req = ReadReq {
            table: table.to_owned(),
            ..ReadReq::default()
        };
        while out.len() < limit {
            req.limit = Some((limit - out.len()).min(1000) as i64);
            let page = self.raw_scan(req.clone()).await?;
            for map in page.items {
                out.push(from_attr_map(map)?);
            }
            match page.last_key {
                Some(k) => req.start = Some(k),
                None => break,
            }
        }
        out.truncate(limit);
        Ok(out)
    }
}
