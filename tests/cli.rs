//! The `dynamo` binary against the local engine: create, list (across
//! pages), describe, generate a schema (and compile it), enable TTL, turn on
//! and read a table's stream (with a checkpoint), refuse an unconfirmed
//! delete, delete with `--force`.
#![cfg(feature = "cli")]

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use dynamo::config::{self, Config};
use dynamo::prelude::*;
use dynamo::table::TableSpec;

const BIN: &str = env!("CARGO_BIN_EXE_dynamo");

/// Runs the binary with `args`, stdin closed (not a terminal), against the
/// test server.
fn dynamo(args: &[&str]) -> Output {
    Command::new(BIN)
        .env("AWS_ENDPOINT_URL_DYNAMODB", support::endpoint())
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run the dynamo binary")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[track_caller]
fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "dynamo failed ({}):\nstdout: {}\nstderr: {}",
        o.status,
        stdout(o),
        stderr(o)
    );
    stdout(o)
}

/// A failure: non-zero exit and exactly one line on stderr.
#[track_caller]
fn failed(o: &Output) -> String {
    assert!(
        !o.status.success(),
        "dynamo should have failed:\nstdout: {}\nstderr: {}",
        stdout(o),
        stderr(o)
    );
    let err = stderr(o);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 1, "one line on stderr, got: {err:?}");
    assert!(lines[0].starts_with("dynamo: error: "), "{err:?}");
    lines[0].to_owned()
}

fn json(o: &Output) -> serde_json::Value {
    let text = ok(o);
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

fn table_name(suffix: &str) -> String {
    format!("{}{suffix}", support::unique_prefix())
}

#[tokio::test]
async fn create_table_and_describe() {
    let client = support::client();
    let name = table_name("cli_create");
    let out = ok(&dynamo(&["create-table", &name]));
    assert!(out.contains(&name) && out.contains("ACTIVE"), "{out}");
    let info = client.describe_table(&name).await.unwrap();
    assert_eq!(info.status, "ACTIVE");
    assert_eq!(info.partition_key.as_deref(), Some("pk"));
    assert_eq!(info.sort_key.as_deref(), Some("sk"));
    assert_eq!(info.attribute_types["pk"], "S");

    // Custom key names, no sort key, provisioned, JSON out; the global flags
    // may come after the subcommand.
    let simple = table_name("cli_simple");
    let j = json(&dynamo(&[
        "create-table",
        &simple,
        "--partition-key",
        "id",
        "--no-sort-key",
        "--billing-mode",
        "PROVISIONED",
        "--read-capacity",
        "2",
        "--write-capacity",
        "3",
        "--output",
        "json",
        "--endpoint",
        &support::endpoint(),
    ]));
    assert_eq!(j["table"], simple.as_str());
    assert_eq!(j["status"], "ACTIVE");
    assert_eq!(j["partition_key"]["attribute"], "id");
    assert!(j["sort_key"].is_null(), "{j}");
    let info = client.describe_table(&simple).await.unwrap();
    assert_eq!(info.partition_key.as_deref(), Some("id"));
    assert_eq!(info.sort_key, None);

    // describe-table, text and JSON.
    let text = ok(&dynamo(&["describe-table", &name]));
    assert!(text.contains("pk (S)") && text.contains("sk (S)"), "{text}");
    let j = json(&dynamo(&["--output", "json", "describe-table", &simple]));
    assert_eq!(j["partition_key"]["type"], "S");

    // Errors are one line and a non-zero exit.
    let line = failed(&dynamo(&["create-table", &name]));
    assert!(line.contains(&name), "{line}");
    let line = failed(&dynamo(&[
        "create-table",
        &table_name("x"),
        "--read-capacity",
        "5",
    ]));
    assert!(line.contains("PROVISIONED"), "{line}");
    let line = failed(&dynamo(&["describe-table", &table_name("missing")]));
    assert!(line.contains("does not exist"), "{line}");
    let line = failed(&dynamo(&["--endpoint", "localhost:1", "list-tables"]));
    assert!(line.contains("http://"), "{line}");

    for t in [&name, &simple] {
        client.delete_table_named(t, |_| {}).await.unwrap();
    }
}

#[tokio::test]
async fn list_tables_across_pages() {
    let client = support::client();
    let prefix = support::unique_prefix();
    let mut names: Vec<String> = (0..12).map(|i| format!("{prefix}list_{i:02}")).collect();
    names.sort();
    let creates = names.iter().map(|n| {
        let client = client.clone();
        let spec = TableSpec::new(n.clone(), "pk");
        async move { client.create_table_from_spec(&spec).await.map(|_| ()) }
    });
    for r in futures_join_all(creates).await {
        r.unwrap();
    }

    // All twelve, five names a page: at least three pages were read.
    let j = json(&dynamo(&[
        "list-tables",
        "--name-contains",
        &prefix,
        "--page-size",
        "5",
        "--output",
        "json",
    ]));
    let got: Vec<String> = serde_json::from_value(j["tables"].clone()).unwrap();
    assert_eq!(got, names);
    assert_eq!(j["count"], 12);
    assert!(j["pages"].as_u64().unwrap() >= 3, "{j}");

    // Text: one name a line.
    let text = ok(&dynamo(&[
        "list-tables",
        "--name-contains",
        &prefix,
        "--page-size",
        "2",
    ]));
    assert_eq!(text.lines().collect::<Vec<_>>(), names);

    // --limit cuts the output (still across pages).
    let text = ok(&dynamo(&[
        "list-tables",
        "--name-contains",
        &prefix,
        "--page-size",
        "3",
        "--limit",
        "7",
    ]));
    assert_eq!(text.lines().collect::<Vec<_>>(), names[..7]);

    // Nothing matches: empty stdout, a note on stderr, success.
    let o = dynamo(&["list-tables", "--name-contains", &format!("{prefix}none")]);
    assert_eq!(ok(&o), "");
    assert!(stderr(&o).contains("No tables"), "{}", stderr(&o));

    for n in &names {
        client.delete_table_named(n, |_| {}).await.unwrap();
    }
}

/// Runs futures concurrently and collects their outputs.
async fn futures_join_all<F>(fs: impl IntoIterator<Item = F>) -> Vec<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    let handles: Vec<_> = fs.into_iter().map(tokio::spawn).collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

#[tokio::test]
async fn enable_ttl() {
    let client = support::client();
    let name = table_name("cli_ttl");
    ok(&dynamo(&["create-table", &name, "--no-sort-key"]));
    let text = ok(&dynamo(&["enable-ttl", &name, "--attribute", "expires_at"]));
    assert!(text.contains("expires_at"), "{text}");
    let ttl = client.describe_ttl(&name).await.unwrap();
    assert_eq!(ttl.status, "ENABLED");
    assert_eq!(ttl.attribute.as_deref(), Some("expires_at"));
    let j = json(&dynamo(&["--output", "json", "describe-table", &name]));
    assert_eq!(j["time_to_live"]["attribute"], "expires_at");
    // A missing table: one line, non-zero.
    failed(&dynamo(&[
        "enable-ttl",
        &table_name("missing"),
        "--attribute",
        "x",
    ]));
    client.delete_table_named(&name, |_| {}).await.unwrap();
}

dynamo_item! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct Doomed {
        table_name "doomed";
        field :id: String, partition_key;
        field :n: i64;
    }
}

#[tokio::test]
async fn delete_table_needs_force_without_a_terminal() {
    let client = support::client();
    let prefix = support::unique_prefix();
    let name = format!("{prefix}doomed");
    config::scope(Config::new().table_prefix(prefix.clone()), async {
        Doomed::create_table().await.unwrap();
        for i in 0..3 {
            item!(Doomed {
                id: format!("d{i}"),
                n: i
            })
            .put_item()
            .await
            .unwrap();
        }
    })
    .await;

    // No terminal, no --force: refused, the table stays.
    let o = dynamo(&["delete-table", &name]);
    let line = failed(&o);
    assert!(line.contains("--force"), "{line}");
    assert!(line.contains("terminal"), "{line}");
    assert!(line.contains(&name), "{line}");
    assert!(line.contains("items"), "{line}");
    assert_eq!(stdout(&o), "");
    let info = client.describe_table(&name).await.unwrap();
    assert_eq!(info.status, "ACTIVE");

    // --force deletes it and reports the item count.
    let j = json(&dynamo(&[
        "delete-table",
        &name,
        "--force",
        "--output",
        "json",
    ]));
    assert_eq!(j["deleted"], true);
    assert_eq!(j["table"], name.as_str());
    let e = client.describe_table(&name).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ResourceNotFound);

    // Deleting it again: one line, non-zero.
    let line = failed(&dynamo(&["delete-table", &name, "--force"]));
    assert!(line.contains("does not exist"), "{line}");
}

// ---- generate-schema ------------------------------------------------------

dynamo_item! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct Customer {
        table_name "mixed";
        field :tenant: String;
        field :customer_id: String;
        field :kind: String, default: "CUSTOMER";
        field :name: String;
        field :age: i64;
        field :balance: f64;
        field :active: bool;
        field :tags: BTreeSet<String>;
        field :status: String;
        partition_key [:tenant, :customer_id];
        sort_key [:kind];
    }
}

dynamo_item! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct Note {
        table_name "mixed";
        field :tenant: String, partition_key;
        field :note_id: String, sort_key;
        field :name: String;
        field :status: i64;
        field :scores: Vec<i64>;
        field :meta: BTreeMap<String, Value>;
        field :active: bool;
    }
}

/// Writes an item with attributes no schema could declare (names that are
/// not Rust identifiers, binary, number sets) as a raw PutItem request. The
/// local engine checks that a request is signed, not the signature, so a
/// well-formed placeholder `Authorization` header does.
async fn put_raw(table: &str, attrs: Vec<(&str, Value)>) {
    let item: serde_json::Map<String, serde_json::Value> = attrs
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_dynamodb_json()))
        .collect();
    let body = serde_json::json!({ "TableName": table, "Item": item }).to_string();
    let req = hyper::Request::post(support::endpoint())
        .header("content-type", "application/x-amz-json-1.0")
        .header("x-amz-target", "DynamoDB_20120810.PutItem")
        .header("x-amz-date", "20240101T000000Z")
        .header(
            "authorization",
            "AWS4-HMAC-SHA256 Credential=local/20240101/us-east-1/dynamodb/aws4_request, \
             SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=00",
        )
        .body(hyper::Body::from(body))
        .unwrap();
    let resp = hyper::Client::new().request(req).await.unwrap();
    let status = resp.status();
    let answer = hyper::body::to_bytes(resp.into_body()).await.unwrap();
    assert!(
        status.is_success(),
        "{status}: {}",
        String::from_utf8_lossy(&answer)
    );
}

#[tokio::test]
async fn generate_schema_from_mixed_items_compiles() {
    let client = support::client();
    let prefix = support::unique_prefix();
    let table = format!("{prefix}mixed");
    config::scope(Config::new().table_prefix(prefix.clone()), async {
        Customer::create_table().await.unwrap();
        for i in 0..4 {
            item!(Customer {
                tenant: "acme",
                customer_id: format!("c{i}"),
                name: format!("Customer {i}"),
                age: 30 + i,
                balance: 10.5 * i as f64,
                active: i % 2 == 0,
                tags: BTreeSet::from(["vip".to_owned()]),
                status: "active",
            })
            .put_item()
            .await
            .unwrap();
        }
        for i in 0..3i64 {
            item!(Note {
                tenant: "acme",
                note_id: format!("NOTE#{i}"),
                name: format!("Note {i}"),
                status: i,
                scores: vec![1, 2, i],
                meta: BTreeMap::from([("source".to_owned(), Value::from("import"))]),
                active: true,
            })
            .put_item()
            .await
            .unwrap();
        }
    })
    .await;
    put_raw(
        &table,
        vec![
            ("pk", "raw".into()),
            ("sk", "RAW#1".into()),
            ("first-name", "Ada".into()),
            // A name that would end a `//` comment and add code of its own.
            ("x\nfn injected() {}\n//", "y".into()),
            ("type", "raw".into()),
            ("name", "Raw".into()),
            ("active", false.into()),
            ("blob", Value::Binary(vec![1, 2, 3])),
            ("expires_at", Value::from(1_700_000_000i64)),
            (
                "lucky",
                Value::NumberSet(BTreeSet::from([
                    "7".parse().unwrap(),
                    "13".parse().unwrap(),
                ])),
            ),
        ],
    )
    .await;
    client.enable_ttl(&table, "expires_at").await.unwrap();

    // JSON: the inferred fields.
    let j = json(&dynamo(&[
        "generate-schema",
        &table,
        "--struct-name",
        "MixedItem",
        "--output",
        "json",
    ]));
    assert_eq!(j["table"], table.as_str());
    assert_eq!(j["struct_name"], "MixedItem");
    // Items of two schemas: the struct reads the more common type's.
    assert_eq!(j["type_name"], "Customer", "{j}");
    assert_eq!(j["sampled_items"], 8);
    assert_eq!(j["partition_key"]["attribute"], "pk");
    assert_eq!(j["sort_key"]["attribute"], "sk");
    let fields: BTreeMap<String, String> = j["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["field"].as_str().unwrap().to_owned(),
                f["rust_type"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expect = [
        ("pk", "String"),
        ("sk", "String"),
        ("active", "bool"),
        ("name", "String"),
        ("tenant", "Option<String>"),
        ("age", "Option<i64>"),
        ("balance", "Option<f64>"),
        ("tags", "Option<std::collections::BTreeSet<String>>"),
        ("status", "dynamo::Value"),
        ("scores", "Option<Vec<i64>>"),
        (
            "meta",
            "Option<std::collections::BTreeMap<String, dynamo::Value>>",
        ),
        ("blob", "Option<Vec<u8>>"),
        ("expires_at", "Option<i64>"),
        ("lucky", "Option<std::collections::BTreeSet<i64>>"),
        ("kind", "Option<String>"),
    ];
    for (f, t) in expect {
        assert_eq!(fields.get(f).map(String::as_str), Some(t), "field {f}: {j}");
    }
    let skipped: Vec<&str> = j["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["attribute"].as_str().unwrap())
        .collect();
    // The type attribute the crate wrote is listed, not made a field.
    assert_eq!(
        skipped,
        ["_type", "first-name", "type", "x\nfn injected() {}\n//"]
    );
    // Time to live is on for `expires_at`: only that field is marked.
    let ttl: Vec<&str> = j["fields"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["ttl"] == true)
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(ttl, ["expires_at"], "{j}");

    // Text: the block, sampling a part of the table.
    let code = ok(&dynamo(&[
        "generate-schema",
        &table,
        "--struct-name",
        "MixedItem",
    ]));
    assert!(code.contains("dynamo_item! {"), "{code}");
    assert!(code.contains("pub struct MixedItem {"), "{code}");
    assert!(code.contains("field :pk: String, partition_key;"), "{code}");
    assert!(code.contains("field :sk: String, sort_key;"), "{code}");
    assert!(
        code.contains(r#"partition_key_name: "pk", sort_key_name: "sk""#),
        "{code}"
    );
    assert!(code.contains(r#"type_name: "Customer";"#), "{code}");
    assert!(code.contains("types: `Customer` (4), `Note` (3)"), "{code}");
    assert!(code.contains("`first-name`"), "{code}");
    // Names go into comments escaped: one line each, no code of theirs.
    assert!(code.contains(r"`x\nfn injected() {}\n//`"), "{code}");
    assert!(
        !code
            .lines()
            .any(|l| l.trim_start().starts_with("fn injected")),
        "{code}"
    );
    assert!(
        code.contains("field :expires_at: Option<i64>, ttl;"),
        "{code}"
    );
    let sampled = ok(&dynamo(&["generate-schema", &table, "--sample", "2"]));
    assert!(sampled.contains("from 2 sampled items"), "{sampled}");
    assert!(sampled.contains("pub struct "), "{sampled}");

    cargo_check_generated(&code);

    client.delete_table_named(&table, |_| {}).await.unwrap();
}

dynamo_item! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct Order {
        table_name "orders";
        field :id: String, partition_key;
        field :total: i64;
    }
}

// What `generate-schema` writes for the table of `Order` (checked below):
// a plain `pk` field, and the type name the crate wrote into the items.
dynamo_item! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct OrdersGenerated {
        use Dynamo.Schema, partition_key_name: "pk", type_name: "Order";
        table_name "orders";
        field :pk: String, partition_key;
        field :total: i64;
    }
}

/// A table a schema of this crate wrote: the generated block names the
/// type the items carry, so that it reads them (before, it read none: its
/// own struct name was not theirs) and writes them back as theirs.
#[tokio::test]
async fn a_generated_schema_reads_the_items_the_crate_wrote() {
    let prefix = support::unique_prefix();
    let table = format!("{prefix}orders");
    config::scope(Config::new().table_prefix(prefix.clone()), async {
        Order::create_table().await.unwrap();
        item!(Order { id: "o1", total: 5 })
            .put_item()
            .await
            .unwrap();

        let code = ok(&dynamo(&["generate-schema", &table]));
        assert!(
            code.contains(r#"use Dynamo.Schema, partition_key_name: "pk", type_name: "Order";"#),
            "{code}"
        );
        assert!(code.contains("field :pk: String, partition_key;"), "{code}");
        assert!(code.contains("field :total: i64;"), "{code}");

        let read = OrdersGenerated::get_item(item!(OrdersGenerated { pk: "o1" }))
            .await
            .unwrap()
            .expect("the generated schema reads the item");
        assert_eq!(read.total, 5);
        OrdersGenerated { total: 6, ..read }
            .put_item()
            .await
            .unwrap();
        let back = Order::get_item(item!(Order { id: "o1" })).await.unwrap();
        assert_eq!(back.map(|o| o.total), Some(6));
        Order::delete_table().await.unwrap();
    })
    .await;
    // A struct name the block's own types would be shadowed by is refused.
    let e = failed(&dynamo(&[
        "generate-schema",
        &table,
        "--struct-name",
        "String",
    ]));
    assert!(e.contains("shadow"), "{e}");
}

dynamo_item! {
    // What `generate-schema` writes for a table whose partition key is a
    // number (N): the field is the key attribute.
    #[derive(Debug, Clone, PartialEq)]
    pub struct NumKeyed {
        table_name "numkeyed";
        field :pk: i64, partition_key;
        field :name: String;
    }
}

/// A table whose key attribute is a number reads through the generated
/// block; writes through it are refused (the crate writes key attributes as
/// strings, which would not read back), naming the field.
#[tokio::test]
async fn a_number_keyed_table_reads_through_its_generated_schema() {
    let prefix = support::unique_prefix();
    let table = format!("{prefix}numkeyed");
    let mut spec = TableSpec::new(table.clone(), "pk");
    spec.partition_key.1 = dynamo::ScalarType::Number;
    support::client()
        .create_table_from_spec(&spec)
        .await
        .unwrap();
    put_raw(&table, vec![("pk", Value::from(7)), ("name", "x".into())]).await;
    let code = ok(&dynamo(&["generate-schema", &table]));
    assert!(code.contains("field :pk: i64, partition_key;"), "{code}");
    config::scope(Config::new().table_prefix(prefix.clone()), async {
        let all = dynamo::table::scan::<NumKeyed>(opts![])
            .await
            .unwrap()
            .items;
        assert_eq!(all.len(), 1);
        assert_eq!((all[0].pk, all[0].name.as_str()), (7, "x"));
        let e = item!(NumKeyed {
            pk: 8i64,
            name: "y"
        })
        .put_item()
        .await
        .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ValidationError);
        assert_eq!(e.field(), Some("pk"));
    })
    .await;
    support::client()
        .delete_table_named(&table, |_| {})
        .await
        .unwrap();
}

/// Compiles `code` (a generated `dynamo_item!` block for `MixedItem`) in a
/// throwaway crate that depends on this one by path, with its own target
/// directory under `target/tmp` (reused between runs, so only the first run
/// compiles the dependencies).
fn cargo_check_generated(code: &str) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let base = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("generated-schema-check");
    let proj = base.join(format!("proj-{}", std::process::id()));
    std::fs::create_dir_all(&proj).unwrap();
    std::fs::write(
        proj.join("Cargo.toml"),
        format!(
            r#"[package]
name = "generated-schema-check"
version = "0.0.0"
edition = "2021"
publish = false

[lib]
path = "lib.rs"

[dependencies]
dynamo-dsl = {{ path = {root:?}, default-features = false }}

[workspace]
"#,
            root = root.display().to_string()
        ),
    )
    .unwrap();
    // The same dependency versions as this crate, without the network.
    std::fs::copy(root.join("Cargo.lock"), proj.join("Cargo.lock")).unwrap();
    std::fs::write(
        proj.join("lib.rs"),
        format!(
            r#"#![deny(warnings)]
use dynamo::prelude::*;

{code}

/// The generated type is a full schema: keys and operations.
pub async fn round_trip(item: MixedItem) -> dynamo::Result<Option<MixedItem>> {{
    let key = item.primary_key()?;
    assert_eq!(key.partition_name, "pk");
    let stored = item.clone().put_item().await?;
    let again = MixedItem::get_item(&stored).await?;
    let _ = MixedItem::list_items(&item, opts![sk_operator: :begins_with]).await?;
    Ok(again)
}}

pub fn blank() -> MixedItem {{
    MixedItem::default()
}}
"#
        ),
    )
    .unwrap();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let out = Command::new(cargo)
        .args(["check", "--offline", "--quiet", "--message-format", "short"])
        .current_dir(&proj)
        .env("CARGO_TARGET_DIR", base.join("target"))
        .env_remove("CARGO_BUILD_TARGET_DIR")
        .stdin(Stdio::null())
        .output()
        .expect("run cargo check");
    let _ = std::fs::remove_dir_all(&proj);
    assert!(
        out.status.success(),
        "the generated schema does not compile:\n{}\n--- code ---\n{code}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test]
async fn a_tables_stream_from_the_command_line() {
    let client = support::client();
    let name = table_name("cli_stream");
    ok(&dynamo(&["create-table", &name, "--no-sort-key"]));
    let e = failed(&dynamo(&["read-stream", &name]));
    assert!(e.contains("has no stream"), "{e}");

    let j = json(&dynamo(&["--output", "json", "enable-stream", &name]));
    let arn = j["stream_arn"].as_str().unwrap().to_owned();
    assert_eq!(j["view"], "NEW_AND_OLD_IMAGES");
    let d = json(&dynamo(&["--output", "json", "describe-table", &name]));
    assert_eq!(d["stream_arn"], arn.as_str());
    assert!(ok(&dynamo(&["describe-table", &name])).contains(&format!("Stream:        {arn}")));
    // A second stream is refused, in one line.
    let e = failed(&dynamo(&["enable-stream", &name, "--view", "keys-only"]));
    assert!(e.contains("already has a stream"), "{e}");

    put_raw(&name, vec![("pk", Value::from("a")), ("n", Value::from(1))]).await;
    let checkpoint = std::env::temp_dir().join(format!("{name}.position.json"));
    let _ = std::fs::remove_file(&checkpoint);
    let cp = checkpoint.to_str().unwrap();
    let out = ok(&dynamo(&["read-stream", &name, "--checkpoint", cp]));
    assert_eq!(out, "INSERT {\"pk\":\"a\"} {\"n\":1,\"pk\":\"a\"}\n");
    // The Streams API's endpoint of its own, from the environment: here
    // off loopback, so the safety switch refuses the first Streams request
    // by name, after DescribeTable went to the engine.
    let o = Command::new(BIN)
        .env("AWS_ENDPOINT_URL_DYNAMODB", support::endpoint())
        .env("AWS_ENDPOINT_URL_DYNAMODB_STREAMS", "http://192.0.2.1:8000")
        .env("DYNAMO_ALLOW_HTTP", "1")
        .env("DYNAMO_LOOPBACK_ONLY", "1")
        // Not both endpoints loopback: no placeholder credentials.
        .env("AWS_ACCESS_KEY_ID", "local")
        .env("AWS_SECRET_ACCESS_KEY", "local")
        .args(["read-stream", &name, "--from", "latest"])
        .stdin(Stdio::null())
        .output()
        .expect("run the dynamo binary");
    let e = failed(&o);
    assert!(
        e.contains("DYNAMO_LOOPBACK_ONLY")
            && e.contains("DescribeStream")
            && e.contains("192.0.2.1"),
        "{e}"
    );
    // The checkpoint moved past it; `--from latest` sees nothing yet.
    assert_eq!(ok(&dynamo(&["read-stream", &name, "--checkpoint", cp])), "");
    assert_eq!(ok(&dynamo(&["read-stream", &name, "--from", "latest"])), "");

    put_raw(&name, vec![("pk", Value::from("a")), ("n", Value::from(2))]).await;
    let out = ok(&dynamo(&[
        "--output",
        "json",
        "read-stream",
        &name,
        "--checkpoint",
        cp,
    ]));
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 1, "{out}");
    assert_eq!(lines[0]["kind"], "MODIFY");
    assert_eq!(lines[0]["old"]["n"], 1);
    assert_eq!(lines[0]["new"]["n"], 2);
    assert_eq!(lines[0]["expired"], false);
    // Without the checkpoint, everything from the oldest.
    assert_eq!(ok(&dynamo(&["read-stream", &name])).lines().count(), 2);

    // A checkpoint that is not one: one line, and the file left alone.
    std::fs::write(&checkpoint, "not json").unwrap();
    let e = failed(&dynamo(&["read-stream", &name, "--checkpoint", cp]));
    assert!(e.contains("is not a stream position"), "{e}");
    assert_eq!(std::fs::read_to_string(&checkpoint).unwrap(), "not json");
    // An empty file (as `mktemp` makes) is no checkpoint yet: everything
    // from the oldest, and the position written to it.
    std::fs::write(&checkpoint, "").unwrap();
    let out = ok(&dynamo(&["read-stream", &name, "--checkpoint", cp]));
    assert_eq!(out.lines().count(), 2, "{out}");
    let again = ok(&dynamo(&["read-stream", &name, "--checkpoint", cp]));
    assert_eq!(again, "");
    let _ = std::fs::remove_file(&checkpoint);
    // A checkpoint that cannot be written is refused before any record is
    // printed (and so marked as read nowhere).
    let nowhere = std::env::temp_dir()
        .join(format!("{name}-no-such-dir"))
        .join("position.json");
    let out = dynamo(&[
        "read-stream",
        &name,
        "--checkpoint",
        nowhere.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "");
    let e = String::from_utf8_lossy(&out.stderr);
    assert!(e.contains("cannot write the checkpoint"), "{e}");

    ok(&dynamo(&["disable-stream", &name]));
    let d = json(&dynamo(&["--output", "json", "describe-table", &name]));
    assert!(d["stream_arn"].is_null(), "{d}");
    client.delete_table_named(&name, |_| {}).await.unwrap();

    // A table created with its stream on.
    let born = table_name("cli_stream_born");
    let out = ok(&dynamo(&["create-table", &born, "--stream", "new-image"]));
    assert!(out.contains("\nStream: arn:"), "{out}");
    put_raw(
        &born,
        vec![("pk", Value::from("z")), ("sk", Value::from("1"))],
    )
    .await;
    let out = ok(&dynamo(&["read-stream", &born]));
    assert!(
        out.starts_with("INSERT {\"pk\":\"z\",\"sk\":\"1\"}"),
        "{out}"
    );
    client.delete_table_named(&born, |_| {}).await.unwrap();
}

/// Runs the binary with `args` and standard output going to `out`.
/// An empty `GetRecords` page part way through (DynamoDB gives them in a
/// stretch of a shard without records) does not end `read-stream`: it
/// reads until two reads in a row find nothing.
#[tokio::test]
async fn read_stream_reads_past_an_empty_page() {
    use dynamo::local::proxy::Fault;
    let client = support::client();
    let name = table_name("cli_stream_gap");
    ok(&dynamo(&["create-table", &name, "--no-sort-key"]));
    ok(&dynamo(&["enable-stream", &name]));
    put_raw(&name, vec![("pk", Value::from("a")), ("n", Value::from(1))]).await;
    put_raw(&name, vec![("pk", Value::from("b")), ("n", Value::from(2))]).await;
    let proxy = support::proxy(7);
    proxy.script("GetRecords", [Fault::EmptyPage]);
    let out = Command::new(BIN)
        .env("AWS_ENDPOINT_URL_DYNAMODB", proxy.url())
        .args(["read-stream", &name])
        .stdin(Stdio::null())
        .output()
        .expect("run the dynamo binary");
    let out = ok(&out);
    assert_eq!(out.lines().count(), 2, "{out}");
    assert_eq!(proxy.stats().fault(Fault::EmptyPage), 1);
    client.delete_table_named(&name, |_| {}).await.unwrap();
}

fn dynamo_to(args: &[&str], out: Stdio) -> Output {
    Command::new(BIN)
        .env("AWS_ENDPOINT_URL_DYNAMODB", support::endpoint())
        .args(args)
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(Stdio::piped())
        .output()
        .expect("run the dynamo binary")
}

/// A closed standard output (`dynamo … | head`) ends a command quietly,
/// exit 0; a failed write (a full disk) is an error, exit 1 — never a panic
/// (exit 101), never a silent success.
#[tokio::test]
async fn a_closed_or_full_standard_output() {
    let name = table_name("cli_pipe");
    ok(&dynamo(&["create-table", &name]));
    for args in [
        vec!["list-tables"],
        vec!["--output", "json", "list-tables"],
        vec!["describe-table", name.as_str()],
        vec!["--output", "json", "describe-table", name.as_str()],
        vec!["generate-schema", name.as_str()],
    ] {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let o = dynamo_to(&args, Stdio::from(writer));
        assert!(
            o.status.success() && !stderr(&o).contains("panicked"),
            "{args:?} to a closed pipe: {} {}",
            o.status,
            stderr(&o)
        );
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let o = dynamo_to(&args, Stdio::from(full));
        assert_eq!(
            o.status.code(),
            Some(1),
            "{args:?} to /dev/full: {}",
            stderr(&o)
        );
        let line = failed(&o);
        assert!(line.contains("cannot write"), "{line}");
    }
    ok(&dynamo(&["delete-table", &name, "--force"]));
}

/// A closed standard error drops the messages meant for it; the exit status
/// stays the command's own (0, or 1 for a failure), never a panic's 101.
#[tokio::test]
async fn a_closed_standard_error() {
    let name = table_name("cli_closed_stderr");
    for (args, code) in [
        // Progress lines (standard error is no terminal), then success.
        (vec!["create-table", name.as_str()], 0),
        // "No tables found." goes to standard error.
        (
            vec!["list-tables", "--name-contains", "no-such-table-here"],
            0,
        ),
        // A failure's one-line reason goes there too.
        (vec!["describe-table", "no_such_table_here"], 1),
        (vec!["delete-table", name.as_str(), "--force"], 0),
    ] {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let o = Command::new(BIN)
            .env("AWS_ENDPOINT_URL_DYNAMODB", support::endpoint())
            .args(&args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(writer))
            .output()
            .expect("run the dynamo binary");
        assert_eq!(o.status.code(), Some(code), "{args:?}: {}", o.status);
    }
}

/// The binary reads the environment as `Client::from_env` does: out-of-range
/// settings are refused, `DYNAMO_ALLOW_HTTP=1` is honoured. (Nothing here
/// reaches the network: `DYNAMO_LOOPBACK_ONLY=1` refuses the non-loopback
/// endpoint before sending, and it is a documentation address anyway.)
#[test]
fn the_environment_is_read_as_the_library_reads_it() {
    let run = |vars: &[(&str, &str)]| {
        let mut c = Command::new(BIN);
        c.env("AWS_ENDPOINT_URL_DYNAMODB", support::endpoint())
            .env("DYNAMO_LOOPBACK_ONLY", "1")
            .args(["list-tables"])
            .stdin(Stdio::null());
        for (k, v) in vars {
            c.env(k, v);
        }
        c.output().expect("run the dynamo binary")
    };
    for (var, value) in [("DYNAMO_TIMEOUT_MS", "0"), ("DYNAMO_MAX_ATTEMPTS", "1000")] {
        let line = failed(&run(&[(var, value)]));
        assert!(line.contains(var), "{line}");
    }
    ok(&run(&[("DYNAMO_TIMEOUT_MS", " 2500 ")]));
    let line = failed(&run(&[
        ("AWS_ENDPOINT_URL_DYNAMODB", "http://192.0.2.1:8000"),
        ("DYNAMO_ALLOW_HTTP", "1"),
    ]));
    assert!(line.contains("DYNAMO_LOOPBACK_ONLY"), "{line}");
    // A value that is not UTF-8 is refused naming its variable: taken for
    // unset, the endpoint was skipped and the requests went to AWS (here
    // the safety switch would have refused them instead).
    for var in ["AWS_ENDPOINT_URL_DYNAMODB", "AWS_REGION"] {
        use std::os::unix::ffi::OsStringExt;
        let o = Command::new(BIN)
            .env("AWS_ENDPOINT_URL_DYNAMODB", support::endpoint())
            .env("DYNAMO_LOOPBACK_ONLY", "1")
            .env(var, std::ffi::OsString::from_vec(vec![b'h', 0xff]))
            .args(["list-tables"])
            .stdin(Stdio::null())
            .output()
            .expect("run the dynamo binary");
        let line = failed(&o);
        assert!(line.contains(var) && line.contains("UTF-8"), "{line}");
    }
}
