//! The bad-input catalogue: requests DynamoDB would refuse (or the crate
//! cannot send), built through the public API with a client pointed at the
//! fault proxy. Each must come back as the right `ErrorKind` with a message
//! naming the culprit (field, index, limit, table) — and the proxy must have
//! received nothing: refused before sending.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use dynamo::RetryPolicy;
use dynamo::config::{self, Config};
use dynamo::prelude::*;
use futures_util::StreamExt;

dynamo_item! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct User {
        table_name "users";
        field :tenant: String;
        field :id: String;
        field :created_at: String;
        field :kind: String;
        field :email: Option<String>;
        field :status;
        field :score: Option<i64>;
        field :data;
        field :labels: BTreeSet<String>;
        partition_key [:tenant, :id];
        sort_key [:created_at, :kind];
        global_secondary_index "EmailIndex", partition_key: :email;
        global_secondary_index "StatusScoreIndex", partition_key: :status, sort_key: :score;
    }
}

dynamo_item! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct Post {
        table_name "posts";
        field :id: String, partition_key;
        field :author: Option<String>;
        field :title: Option<String>;
        global_secondary_index "ByAuthor", partition_key: :author, sort_key: :title;
        global_secondary_index "AuthorKeys", partition_key: :author, projection: :keys_only;
    }
}

dynamo_item! {
    /// A binary index key that is not an `Option`: empty unless set.
    #[derive(Debug, Clone, PartialEq)]
    pub struct Photo {
        table_name "photos";
        field :id: String, partition_key;
        field :thumb: Vec<u8>;
        global_secondary_index "ByThumb", partition_key: :thumb;
    }
}

dynamo_item! {
    /// A `Json<T>` field serde cannot write as JSON (its map keys are
    /// pairs, and JSON object keys are strings).
    #[derive(Debug, Clone, PartialEq)]
    pub struct Routes {
        table_name "routes";
        field :id: String, partition_key;
        field :hops: dynamo::Json<BTreeMap<(u32, u32), String>>;
    }
}

dynamo_item! {
    /// Json fields holding floats: JSON has no NaN or infinity.
    #[derive(Debug, Clone, PartialEq)]
    pub struct Scored {
        table_name "scored";
        field :id: String, partition_key;
        field :score: dynamo::Json<f64>;
        field :readings: dynamo::Json<Vec<f64>>;
        field :meta: Option<dynamo::Json<Vec<f64>>>;
        field :series: Vec<dynamo::Json<f64>>;
    }
}

fn unwritable() -> dynamo::Json<BTreeMap<(u32, u32), String>> {
    dynamo::Json(BTreeMap::from([((1, 2), "a".to_owned())]))
}

dynamo_item! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct Flag {
        table_name "flags";
        field :name: String, partition_key;
        field :on: bool;
    }
}

dynamo_item! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct Customer {
        table_name "shop";
        field :customer_id: String, partition_key;
        field :name: String;
    }
}

dynamo_item! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct Purchase {
        table_name "shop";
        field :customer_id: String;
        field :purchase_id: String, sort_key;
        field :total: f64;
        belongs_to :customer, Customer;
    }
}

dynamo_item! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct BadName {
        table_name "bad name!";
        field :id: String, partition_key;
        field :n: i64;
    }
}

dynamo_item! {
    /// Number fields named like the key attributes (strings): stored as
    /// their text, they never read back.
    #[derive(Debug, Clone, PartialEq)]
    pub struct NumKey {
        table_name "numkeys";
        field :pk: i64, partition_key;
        field :sk: u32, sort_key;
        field :note: String;
    }
}

dynamo_item! {
    /// An optional bool named like the sort key attribute.
    #[derive(Debug, Clone, PartialEq)]
    pub struct BoolKey {
        table_name "boolkeys";
        field :id: String, partition_key;
        field :sk: Option<bool>, sort_key;
    }
}

dynamo_item! {
    /// Optimistic locking and timestamps.
    #[derive(Debug, Clone, PartialEq)]
    pub struct Locked {
        table_name "locked";
        field :id: String, partition_key;
        field :version: u32, version;
        timestamps;
    }
}

dynamo_item! {
    /// A schema holding another schema's struct, whose `Json` fields serde
    /// may not be able to write.
    #[derive(Debug, Clone, PartialEq)]
    pub struct Holder {
        table_name "holders";
        field :id: String, partition_key;
        field :inner: Scored;
        field :many: Vec<Scored>;
    }
}

dynamo_item! {
    /// Key fields that are also index keys: an untyped one (`S` in the
    /// index) and one limited to an index sort key's 1024 bytes.
    #[derive(Debug, Clone, PartialEq)]
    pub struct Shard {
        table_name "shards";
        field :region, partition_key;
        field :label: String, partition_key;
        field :name: Option<String>;
        global_secondary_index "ByName", partition_key: :name, sort_key: :region;
        global_secondary_index "ByNameLabel", partition_key: :name, sort_key: :label;
    }
}

fn shard(region: Value, label: String) -> Shard {
    item!(Shard {
        region: region,
        label: label
    })
}

dynamo_item! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct ShortName {
        table_name "ab";
        field :id: String, partition_key;
    }
}

type Run = fn(Client) -> Pin<Box<dyn Future<Output = dynamo::Result<()>> + Send>>;

struct Case {
    name: &'static str,
    kind: ErrorKind,
    /// Substrings the message must contain: the culprit.
    needles: &'static [&'static str],
    run: Run,
}

macro_rules! case {
    ($name:expr, $kind:ident, [$($needle:expr),* $(,)?], |$c:ident| $body:expr) => {
        Case {
            name: $name,
            kind: ErrorKind::$kind,
            needles: &[$($needle),*],
            run: |$c: Client| Box::pin(async move { $body.map(|_| ()) }),
        }
    };
}

/// A complete, valid user: every case changes one thing.
fn user() -> User {
    item!(User {
        tenant: "acme",
        id: "u1",
        created_at: "2024-01-15",
        kind: "admin",
        email: Some("a@example.com".to_owned()),
        status: "active",
        score: 10,
        data: "ok",
    })
}

dynamo_item! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct Untyped {
        table_name "untyped";
        field :tenant, partition_key;
        field :created_at, sort_key;
        field :kind, sort_key;
    }
}

dynamo_item! {
    /// Fields whose Rust types hold less than their attribute types.
    #[derive(Debug, Clone, PartialEq)]
    pub struct Narrow {
        table_name "narrow";
        field :id: String, partition_key;
        field :small: u8;
        field :whole: i64;
        field :flag: bool;
    }
}

fn narrow() -> Narrow {
    item!(Narrow { id: "n1" })
}

dynamo_item! {
    /// Timestamps under their default names.
    #[derive(Debug, Clone, PartialEq)]
    pub struct Stamped {
        table_name "stamped";
        field :id: String, partition_key;
        field :at: String, sort_key;
        timestamps;
    }
}

dynamo_item! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct Big {
        table_name "big";
        field :id: String, partition_key;
        field :seq: u128, sort_key;
    }
}

dynamo_item! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct Gsi {
        table_name "gsi";
        field :id, partition_key;
        field :status: String;
        field :score: f64;
        global_secondary_index "ByScore", partition_key: :status, sort_key: :score;
    }
}

/// A key of an untyped schema whose sort fields hold anything.
fn untyped_sort(first: Value, second: Option<Value>) -> Untyped {
    let mut k = item!(Untyped { tenant: "acme" });
    k.created_at = first;
    if let Some(v) = second {
        k.kind = v;
    }
    k
}

fn user_with(f: impl FnOnce(&mut User)) -> User {
    let mut u = user();
    f(&mut u);
    u
}

fn key() -> User {
    item!(User {
        tenant: "acme",
        id: "u1",
        created_at: "2024-01-15",
        kind: "admin"
    })
}

fn big(n: usize) -> Value {
    Value::from("x".repeat(n))
}

/// A condition of about 5 KB, over DynamoDB's 4 KB for an expression.
fn long_condition() -> String {
    vec!["attribute_exists(email)"; 200].join(" OR ")
}

/// An `IN` list of `n` placeholders, and their values.
fn in_list(n: usize) -> (String, BTreeMap<String, Value>) {
    let names: Vec<String> = (0..n).map(|i| format!(":s{i}")).collect();
    let values = names
        .iter()
        .map(|k| (k.clone(), Value::from(k.as_str())))
        .collect();
    (names.join(", "), values)
}

/// A number inside `levels` lists.
fn nested(levels: usize) -> Value {
    (0..levels).fold(Value::from(1), |v, _| Value::List(vec![v]))
}

fn num(text: &str) -> Value {
    Value::Number(text.parse().expect("a number"))
}

fn catalogue() -> Vec<Case> {
    vec![
        // ---------------------------------------------------------------- keys
        case!(
            "put: partition-key field unset",
            ValidationError,
            ["`id`", "not set"],
            |c| {
                c.put_item(user_with(|u| u.id = String::new()), opts![])
                    .await
            }
        ),
        case!(
            "put: partition-key field is an empty string",
            ValidationError,
            ["`tenant`"],
            |c| {
                c.put_item(user_with(|u| u.tenant = "".into()), opts![])
                    .await
            }
        ),
        case!(
            "put: last sort-key field unset (partial key)",
            ValidationError,
            ["`kind`", "sort key"],
            |c| {
                c.put_item(user_with(|u| u.kind = String::new()), opts![])
                    .await
            }
        ),
        case!(
            "put: first sort-key field empty",
            ValidationError,
            ["`created_at`"],
            |c| {
                c.put_item(user_with(|u| u.created_at = "".into()), opts![])
                    .await
            }
        ),
        case!(
            "get: partition-key field unset",
            ValidationError,
            ["`tenant`"],
            |c| {
                c.get_item(
                    &item!(User {
                        id: "u1",
                        created_at: "d",
                        kind: "k"
                    }),
                    opts![],
                )
                .await
            }
        ),
        case!("get: partial sort key", ValidationError, ["`kind`"], |c| {
            c.get_item(
                &item!(User {
                    tenant: "t",
                    id: "u1",
                    created_at: "d"
                }),
                opts![],
            )
            .await
        }),
        case!(
            "delete: partition-key field unset",
            ValidationError,
            ["`id`"],
            |c| {
                c.delete_item(
                    &item!(User {
                        tenant: "t",
                        created_at: "d",
                        kind: "k"
                    }),
                    opts![],
                )
                .await
            }
        ),
        case!(
            "update: partial sort key",
            ValidationError,
            ["`kind`"],
            |c| {
                c.update_item(
                    &item!(User {
                        tenant: "t",
                        id: "u1",
                        created_at: "d"
                    }),
                    updates! { score: 1 },
                    opts![],
                )
                .await
            }
        ),
        // Key sizes: DynamoDB's 2048 / 1024-byte limits, before sending.
        case!(
            "put: partition key over 2048 bytes",
            ValidationError,
            ["partition key", "2055 bytes", "2048", "`id`"],
            |c| {
                c.put_item(user_with(|u| u.id = "i".repeat(2050)), opts![])
                    .await
            }
        ),
        case!(
            "get: sort key over 1024 bytes",
            ValidationError,
            ["sort key", "1025 bytes", "1024", "`kind`"],
            |c| {
                c.get_item(
                    &item!(User {
                        tenant: "t",
                        id: "u1",
                        created_at: "d",
                        kind: "k".repeat(1023)
                    }),
                    opts![],
                )
                .await
            }
        ),
        case!(
            "belongs_to: a child's prefixed sort key over 1024 bytes",
            ValidationError,
            ["sort key", "1025 bytes", "1024", "`purchase_id`"],
            |c| {
                // `purchase#` is 9 of the bytes.
                c.put_item(
                    item!(Purchase {
                        customer_id: "c1",
                        purchase_id: "p".repeat(1016),
                        total: 1.0
                    }),
                    opts![],
                )
                .await
            }
        ),
        case!(
            "belongs_to: foreign key over 2048 bytes",
            ValidationError,
            ["partition key", "2049 bytes", "2048", "`customer_id`"],
            |c| {
                c.put_item(
                    item!(Purchase {
                        customer_id: "c".repeat(2049),
                        purchase_id: "p1",
                        total: 1.0
                    }),
                    opts![],
                )
                .await
            }
        ),
        case!(
            "put: GSI partition attribute over 2048 bytes",
            ValidationError,
            ["`email`", "EmailIndex", "2049 bytes", "2048"],
            |c| {
                c.put_item(user_with(|u| u.email = Some("e".repeat(2049))), opts![])
                    .await
            }
        ),
        case!(
            "update: GSI partition attribute over 2048 bytes",
            ValidationError,
            ["`status`", "StatusScoreIndex", "2049 bytes", "2048"],
            |c| {
                c.update_item(&key(), updates! { status: "s".repeat(2049) }, opts![])
                    .await
            }
        ),
        case!(
            "put: GSI sort attribute over 1024 bytes",
            ValidationError,
            ["`title`", "ByAuthor", "1025 bytes", "1024"],
            |c| {
                c.put_item(
                    item!(Post {
                        id: "p1",
                        author: Some("a".to_owned()),
                        title: Some("t".repeat(1025))
                    }),
                    opts![],
                )
                .await
            }
        ),
        case!(
            "update: GSI sort attribute over 1024 bytes",
            ValidationError,
            ["`title`", "ByAuthor", "1025 bytes", "1024"],
            |c| {
                c.update_item(
                    &item!(Post { id: "p1" }),
                    updates! { title: "t".repeat(1025) },
                    opts![],
                )
                .await
            }
        ),
        // Index key values DynamoDB refuses: empty bytes, and a type other
        // than the one the index declares (an untyped field is `S`).
        case!(
            "put: empty bytes in a binary GSI key",
            ValidationError,
            ["`thumb`", "ByThumb", "empty bytes"],
            |c| { c.put_item(item!(Photo { id: "p1" }), opts![]).await }
        ),
        case!(
            "update: empty bytes in a binary GSI key",
            ValidationError,
            ["`thumb`", "ByThumb", "empty bytes"],
            |c| {
                c.update_item(
                    &item!(Photo { id: "p1" }),
                    updates! { thumb: Vec::<u8>::new() },
                    opts![],
                )
                .await
            }
        ),
        case!(
            "put: a number in an untyped GSI key (declared S)",
            ValidationError,
            ["`status`", "StatusScoreIndex", "untyped", "`N`"],
            |c| {
                c.put_item(user_with(|u| u.status = Value::from(5)), opts![])
                    .await
            }
        ),
        case!(
            "update: a number in an untyped GSI key (declared S)",
            ValidationError,
            ["`status`", "StatusScoreIndex", "untyped", "`N`"],
            |c| { c.update_item(&key(), updates! { status: 5 }, opts![]).await }
        ),
        // An update that creates the item writes its key fields too, held
        // to the rules of the indexes they are keys of (as a put holds them).
        case!(
            "update: a key field that is an untyped GSI key holds a number",
            ValidationError,
            ["`region`", "ByName", "untyped", "`N`"],
            |c| {
                c.update_item(
                    &shard(Value::from(5), "l".into()),
                    updates! { name: "n" },
                    opts![],
                )
                .await
            }
        ),
        case!(
            "update: a key field over an index sort key's 1024 bytes",
            ValidationError,
            ["`label`", "ByNameLabel", "1500 bytes", "1024"],
            |c| {
                c.update_item(
                    &shard(Value::from("r"), "l".repeat(1500)),
                    updates! { name: "n" },
                    opts![],
                )
                .await
            }
        ),
        case!(
            "transaction: an update's key field that is an untyped GSI key holds a number",
            ValidationError,
            ["transaction action 0", "`region`", "ByName", "untyped"],
            |c| {
                c.transact(vec![Tx::update(
                    shard(Value::from(5), "l".into()),
                    updates! { name: "n" },
                )])
                .await
            }
        ),
        case!(
            "query: a GSI partition value over 2048 bytes",
            ValidationError,
            ["ByName", "'name'", "3000 bytes", "2048"],
            |c| {
                let key = item!(Shard {
                    name: Some("n".repeat(3000))
                });
                c.list_items(&key, opts![index_name: "ByName"]).await
            }
        ),
        case!(
            "update: an increment of an untyped GSI key (declared S)",
            ValidationError,
            ["`status`", "StatusScoreIndex", "counted up or down"],
            |c| {
                c.update_item(&key(), updates! { status: {:increment, 1} }, opts![])
                    .await
            }
        ),
        // A start key must be a page's last_evaluated_key: every key
        // attribute of the table (and of the index read), nothing else.
        case!(
            "scan: an empty exclusive_start_key",
            ValidationError,
            ["`exclusive_start_key`", "has no `pk`"],
            |c| {
                c.scan::<User>(opts![exclusive_start_key: dynamo::Key::new()])
                    .await
            }
        ),
        case!(
            "query: an exclusive_start_key without the sort key",
            ValidationError,
            ["`exclusive_start_key`", "has no `sk`"],
            |c| {
                let mut half = dynamo::Key::new();
                half.insert("pk".into(), Value::from("acme#u1"));
                c.list_items(&key(), opts![exclusive_start_key: half]).await
            }
        ),
        case!(
            "query: an exclusive_start_key with another attribute",
            ValidationError,
            ["`exclusive_start_key`", "`kind`", "not a key attribute"],
            |c| {
                let mut odd = dynamo::Key::new();
                odd.insert("pk".into(), Value::from("acme#u1"));
                odd.insert("sk".into(), Value::from("x"));
                odd.insert("kind".into(), Value::from("admin"));
                c.list_items(&key(), opts![exclusive_start_key: odd]).await
            }
        ),
        // A set field is a DynamoDB set: no list in it or in its place.
        case!(
            "update: append to a set field",
            ValidationError,
            ["`labels`", "set field", "appended"],
            |c| {
                c.update_item(&key(), updates! { labels: {:append, vec!["y"]} }, opts![])
                    .await
            }
        ),
        case!(
            "update: a list in place of a set field",
            ValidationError,
            ["`labels`", "set field", "cannot be set to a list"],
            |c| {
                c.update_item(&key(), updates! { labels: vec!["a", "a"] }, opts![])
                    .await
            }
        ),
        case!(
            "put: a number field named like the partition key attribute",
            ValidationError,
            ["`pk`", "i64", "partition key attribute", "as a string"],
            |c| {
                c.put_item(
                    item!(NumKey {
                        pk: 5i64,
                        sk: 7u32,
                        note: "a"
                    }),
                    opts![],
                )
                .await
            }
        ),
        case!(
            "put: an Option<bool> field named like the sort key attribute",
            ValidationError,
            ["`sk`", "Option<bool>", "sort key attribute", "a bool"],
            |c| {
                c.put_item(
                    item!(BoolKey {
                        id: "b",
                        sk: Some(true)
                    }),
                    opts![],
                )
                .await
            }
        ),
        // The same values as query keys: refused naming the field, as the
        // writes above refuse them (they reached DynamoDB before).
        case!(
            "query: a number in an untyped GSI key (declared S)",
            ValidationError,
            ["'status'", "StatusScoreIndex", "untyped", "`S`"],
            |c| {
                c.list_items(
                    &item!(User { status: 5 }),
                    opts![index_name: "StatusScoreIndex"],
                )
                .await
            }
        ),
        case!(
            "query: empty bytes as a binary GSI partition key",
            ValidationError,
            ["ByThumb", "'thumb'", "populated"],
            |c| {
                c.list_items(&item!(Photo { id: "p1" }), opts![index_name: "ByThumb"])
                    .await
            }
        ),
        // Values DynamoDB would store and the item would then not read
        // back (every later read of it failing with a Decode error).
        case!(
            "update: a number too large for a u8 field",
            ValidationError,
            ["`small`", "`u8`", "would not read back", "300"],
            |c| {
                c.update_item(&narrow(), updates! { small: 300 }, opts![])
                    .await
            }
        ),
        case!(
            "update: a fraction in an i64 field",
            ValidationError,
            ["`whole`", "`i64`", "would not read back", "1.5"],
            |c| {
                c.update_item(&narrow(), updates! { whole: 1.5 }, opts![])
                    .await
            }
        ),
        case!(
            "update: a fraction counted onto an i64 field",
            ValidationError,
            ["`whole`", "counted up or down", "1.5"],
            |c| {
                c.update_item(&narrow(), updates! { whole: {:increment, 1.5} }, opts![])
                    .await
            }
        ),
        case!(
            "update: more than a u8 holds counted onto a u8 field",
            ValidationError,
            ["`small`", "counted up or down by 300"],
            |c| {
                c.update_item(&narrow(), updates! { small: {:increment, 300} }, opts![])
                    .await
            }
        ),
        case!(
            "update: a string in a bool field",
            ValidationError,
            ["`flag`", "`bool`", "would not read back"],
            |c| {
                c.update_item(&narrow(), updates! { flag: "yes" }, opts![])
                    .await
            }
        ),
        // A value serde cannot write as JSON: an error, not a left-out
        // attribute (a put dropped it; an update removed the stored one).
        case!(
            "put: a Json field serde cannot write",
            ValidationError,
            ["`hops`", "cannot be written as JSON"],
            |c| {
                c.put_item(
                    item!(Routes {
                        id: "r1",
                        hops: unwritable()
                    }),
                    opts![],
                )
                .await
            }
        ),
        case!(
            "update: a Json value serde cannot write",
            ValidationError,
            ["`hops`", "cannot be written as JSON"],
            |c| {
                c.update_item(
                    &item!(Routes { id: "r1" }),
                    updates! { hops: unwritable() },
                    opts![],
                )
                .await
            }
        ),
        // Non-finite floats, which serde_json writes as null: the value
        // was lost (an update removed the stored one), or read back as
        // null and failed every read.
        case!(
            "put: NaN inside a Json field",
            ValidationError,
            ["`readings`", "not a number JSON can hold"],
            |c| {
                c.put_item(
                    item!(Scored {
                        id: "s1",
                        readings: dynamo::Json(vec![1.0, f64::NAN])
                    }),
                    opts![],
                )
                .await
            }
        ),
        case!(
            "put: NaN inside an Option<Json>",
            ValidationError,
            ["`meta`", "not a number JSON can hold"],
            |c| {
                c.put_item(
                    item!(Scored {
                        id: "s1",
                        meta: Some(dynamo::Json(vec![1.0, f64::NAN]))
                    }),
                    opts![],
                )
                .await
            }
        ),
        case!(
            "put: infinity in a Vec<Json>",
            ValidationError,
            ["`series`", "[1]", "not a number JSON can hold"],
            |c| {
                c.put_item(
                    item!(Scored {
                        id: "s1",
                        series: vec![dynamo::Json(1.0), dynamo::Json(f64::INFINITY)]
                    }),
                    opts![],
                )
                .await
            }
        ),
        case!(
            "update: Some(Json) holding infinity",
            ValidationError,
            ["`meta`", "not a number JSON can hold"],
            |c| {
                c.update_item(
                    &item!(Scored { id: "s1" }),
                    updates! { meta: Some(dynamo::Json(vec![f64::INFINITY])) },
                    opts![],
                )
                .await
            }
        ),
        case!(
            "update: infinity as a Json value",
            ValidationError,
            ["`score`", "not a number JSON can hold"],
            |c| {
                c.update_item(
                    &item!(Scored { id: "s1" }),
                    updates! { score: dynamo::Json(f64::INFINITY) },
                    opts![],
                )
                .await
            }
        ),
        // The same inside another schema's struct held as a field: it was
        // left out of the nested map, and the put went through.
        case!(
            "put: NaN in a Json field of a nested schema struct",
            ValidationError,
            ["`inner`", "`readings`", "not a number JSON can hold"],
            |c| {
                c.put_item(
                    item!(Holder {
                        id: "h1",
                        inner: item!(Scored {
                            id: "s1",
                            readings: dynamo::Json(vec![f64::NAN])
                        })
                    }),
                    opts![],
                )
                .await
            }
        ),
        case!(
            "put: infinity in a nested schema struct in a Vec",
            ValidationError,
            ["`many`", "[1]", "`score`", "not a number JSON can hold"],
            |c| {
                c.put_item(
                    item!(Holder {
                        id: "h1",
                        many: vec![
                            item!(Scored { id: "s1" }),
                            item!(Scored {
                                id: "s2",
                                score: dynamo::Json(f64::INFINITY)
                            }),
                        ]
                    }),
                    opts![],
                )
                .await
            }
        ),
        case!(
            "update: NaN in a nested schema struct",
            ValidationError,
            ["`inner`", "`score`", "not a number JSON can hold"],
            |c| {
                c.update_item(
                    &item!(Holder { id: "h1" }),
                    updates! { inner: item!(Scored { id: "s1", score: dynamo::Json(f64::NAN) }) },
                    opts![],
                )
                .await
            }
        ),
        case!(
            "belongs_to: foreign key unset",
            ValidationError,
            ["`customer_id`"],
            |c| {
                c.put_item(
                    item!(Purchase {
                        purchase_id: "p1",
                        total: 1.0
                    }),
                    opts![],
                )
                .await
            }
        ),
        case!(
            "hash-only schema: key empty",
            ValidationError,
            ["`name`"],
            |c| {
                c.put_item(item!(Flag { name: "", on: true }), opts![])
                    .await
            }
        ),
        case!(
            "batch write: item 3 has no partition key",
            ValidationError,
            ["item 3", "`id`"],
            |c| {
                let mut items: Vec<User> = (0..5)
                    .map(|i| user_with(|u| u.id = format!("u{i}")))
                    .collect();
                items[3].id = String::new();
                c.batch_write_item(items, opts![]).await
            }
        ),
        case!(
            "batch get: partial sort key",
            ValidationError,
            ["`kind`"],
            |c| {
                c.batch_get_item(
                    &[
                        key(),
                        item!(User {
                            tenant: "t",
                            id: "u2",
                            created_at: "d"
                        }),
                    ],
                    opts![],
                )
                .await
            }
        ),
        case!(
            "batch delete: partition-key field unset",
            ValidationError,
            ["`tenant`"],
            |c| {
                c.batch_delete_item(
                    vec![
                        key(),
                        item!(User {
                            id: "u2",
                            created_at: "d",
                            kind: "k"
                        }),
                    ],
                    opts![],
                )
                .await
            }
        ),
        case!(
            "transaction put: key unset",
            ValidationError,
            ["transaction action 1", "`id`"],
            |c| {
                c.transact(vec![
                    Tx::put(user()),
                    Tx::put(user_with(|u| u.id = String::new())),
                ])
                .await
            }
        ),
        case!(
            "transaction update: key unset",
            ValidationError,
            ["transaction action 0", "`kind`"],
            |c| {
                c.transact(vec![Tx::update(
                    &item!(User {
                        tenant: "t",
                        id: "u",
                        created_at: "d"
                    }),
                    updates! { score: 1 },
                )])
                .await
            }
        ),
        case!(
            "transaction delete: key empty",
            ValidationError,
            ["transaction action 0", "`tenant`"],
            |c| {
                c.transact(vec![Tx::delete(&item!(User {
                    tenant: "",
                    id: "u",
                    created_at: "d",
                    kind: "k"
                }))])
                .await
            }
        ),
        case!(
            "transaction check: key unset",
            ValidationError,
            ["transaction action 0", "`id`"],
            |c| {
                c.transact(vec![Tx::check(
                    &item!(User { tenant: "t" }),
                    "attribute_exists(score)",
                    values! {},
                )])
                .await
            }
        ),
        // ---------------------------------------------------------------- sizes
        case!(
            "put: item over 400 KB (one attribute)",
            ValidationError,
            ["400 KB", "User", "largest attribute is `data`"],
            |c| {
                c.put_item(user_with(|u| u.data = big(410_000)), opts![])
                    .await
            }
        ),
        case!(
            "put: item over 400 KB (many small values)",
            ValidationError,
            ["400 KB"],
            |c| {
                let list: Vec<Value> = (0..500).map(|_| big(1_000)).collect();
                c.put_item(user_with(|u| u.data = Value::List(list)), opts![])
                    .await
            }
        ),
        case!(
            "batch write: item 2 over 400 KB",
            ValidationError,
            ["item 2", "400 KB", "`data`"],
            |c| {
                let mut items: Vec<User> = (0..4)
                    .map(|i| user_with(|u| u.id = format!("u{i}")))
                    .collect();
                items[2].data = big(409_700);
                c.batch_write_item(items, opts![]).await
            }
        ),
        case!(
            "transaction put: item over 400 KB",
            ValidationError,
            ["transaction action 0", "400 KB"],
            |c| {
                c.transact(vec![Tx::put(user_with(|u| u.data = big(500_000)))])
                    .await
            }
        ),
        case!("transaction over 4 MB", ValidationError, ["4 MB"], |c| {
            let actions = (0..11)
                .map(|i| {
                    Tx::put(user_with(|u| {
                        u.id = format!("u{i}");
                        u.data = big(390_000);
                    }))
                })
                .collect();
            c.transact(actions).await
        }),
        case!(
            "update: value over 400 KB",
            ValidationError,
            ["`data`", "400 KB"],
            |c| {
                c.update_item(&key(), updates! { data: big(410_000) }, opts![])
                    .await
            }
        ),
        case!(
            "update: if_not_exists value over 400 KB",
            ValidationError,
            ["`data`", "400 KB"],
            |c| {
                c.update_item(
                    &key(),
                    updates! { data: {:if_not_exists, big(410_000)} },
                    opts![],
                )
                .await
            }
        ),
        // -------------------------------------------------------- transactions
        case!(
            "transaction with 101 actions",
            ValidationError,
            ["101 actions", "at most 100"],
            |c| {
                let actions = (0..101)
                    .map(|i| Tx::put(user_with(|u| u.id = format!("u{i}"))))
                    .collect();
                c.transact(actions).await
            }
        ),
        case!(
            "transaction: put and update on one item",
            ValidationError,
            ["actions 0 and 1", "acme#u1"],
            |c| {
                c.transact(vec![
                    Tx::put(user()),
                    Tx::update(key(), updates! { score: {:increment, 1} }),
                ])
                .await
            }
        ),
        case!(
            "transaction: delete and put on one item (a check beside them is fine)",
            ValidationError,
            ["actions 1 and 3"],
            |c| {
                c.transact(vec![
                    Tx::put(user_with(|u| u.id = "other".into())),
                    Tx::delete(key()),
                    Tx::check(key(), "attribute_exists(score)", values! {}),
                    Tx::put(user()),
                ])
                .await
            }
        ),
        case!(
            "transaction update written by hand: changes a key field",
            ValidationError,
            ["transaction action 0", "`kind`", "part of the primary key"],
            |c| {
                c.transact(vec![Tx::update_expression(
                    key(),
                    "SET kind = :k",
                    values! {":k" => "user"},
                )])
                .await
            }
        ),
        case!(
            "transact_get with 101 reads",
            ValidationError,
            ["101 reads", "at most 100"],
            |c| {
                let gets = (0..101)
                    .map(|i| TxGet::get(user_with(|u| u.id = format!("u{i}"))))
                    .collect();
                c.transact_get(gets).await
            }
        ),
        case!(
            "transact_get: two reads of one item",
            ValidationError,
            ["reads 0 and 2", "acme#u1"],
            |c| {
                c.transact_get(vec![
                    TxGet::get(key()),
                    TxGet::get(user_with(|u| u.id = "other".into())),
                    TxGet::get(user()),
                ])
                .await
            }
        ),
        case!(
            "transact_get: key unset",
            ValidationError,
            ["transact_get read 1", "`kind`"],
            |c| {
                c.transact_get(vec![
                    TxGet::get(key()),
                    TxGet::get(&item!(User {
                        tenant: "t",
                        id: "u",
                        created_at: "d"
                    })),
                ])
                .await
            }
        ),
        case!(
            "transact_get without reads",
            ValidationError,
            ["at least one read"],
            |c| { c.transact_get(vec![]).await }
        ),
        case!(
            "transaction without actions",
            ValidationError,
            ["at least one action"],
            |c| { c.transact(vec![]).await }
        ),
        case!(
            "transaction token over 36 characters",
            ValidationError,
            ["token", "36"],
            |c| {
                c.transact_with_token(vec![Tx::put(user())], "t".repeat(37))
                    .await
            }
        ),
        case!("transaction token empty", ValidationError, ["token"], |c| {
            c.transact_with_token(vec![Tx::put(user())], String::new())
                .await
        }),
        case!(
            "transaction check: undefined placeholder",
            ValidationError,
            [":missing"],
            |c| {
                c.transact(vec![Tx::check(key(), "score > :missing", values! {})])
                    .await
            }
        ),
        case!(
            "transaction check: unused value",
            ValidationError,
            [":unused"],
            |c| {
                c.transact(vec![Tx::check(
                    key(),
                    "attribute_exists(score)",
                    values! { ":unused" => 1 },
                )])
                .await
            }
        ),
        case!(
            "transaction check given a second condition",
            ValidationError,
            ["Tx::check"],
            |c| {
                c.transact(vec![
                    Tx::check(key(), "attribute_exists(score)", values! {})
                        .condition("attribute_exists(email)", values! {}),
                ])
                .await
            }
        ),
        // --------------------------------------------------------------- batch
        case!(
            "batch write: duplicate keys",
            ValidationError,
            ["items 0 and 2", "same primary key"],
            |c| {
                c.batch_write_item(
                    vec![user(), user_with(|u| u.id = "u2".into()), user()],
                    opts![],
                )
                .await
            }
        ),
        case!(
            "batch get: duplicate keys",
            ValidationError,
            ["items 1 and 2", "same primary key"],
            |c| {
                c.batch_get_item(&[user_with(|u| u.id = "u0".into()), key(), key()], opts![])
                    .await
            }
        ),
        case!(
            "batch delete: duplicate keys",
            ValidationError,
            ["items 0 and 1", "same primary key"],
            |c| { c.batch_delete_item(vec![key(), key()], opts![]).await }
        ),
        case!(
            "batch write: concurrency 0",
            ValidationError,
            ["`concurrency`"],
            |c| {
                c.batch_write_item(vec![user()], opts![concurrency: 0])
                    .await
            }
        ),
        case!(
            "batch write: an option that does not apply",
            ValidationError,
            ["`limit`", "batch_write_item"],
            |c| { c.batch_write_item(vec![user()], opts![limit: 5]).await }
        ),
        // ------------------------------------------------------ queries and GSIs
        case!(
            "query: unknown GSI (lists the indexes)",
            ValidationError,
            ["NoSuchIndex", "EmailIndex, StatusScoreIndex"],
            |c| {
                c.list_items(&user(), opts![index_name: "NoSuchIndex"])
                    .await
            }
        ),
        case!(
            "scan: unknown GSI",
            ValidationError,
            ["Nope", "EmailIndex"],
            |c| { c.scan::<User>(opts![index_name: "Nope"]).await }
        ),
        case!(
            "query: consistent read on a GSI",
            ValidationError,
            ["Consistent reads", "EmailIndex"],
            |c| {
                c.list_items(
                    &user(),
                    opts![index_name: "EmailIndex", consistent_read: true],
                )
                .await
            }
        ),
        case!(
            "scan: consistent read on a GSI",
            ValidationError,
            ["Consistent reads", "StatusScoreIndex"],
            |c| {
                c.scan::<User>(opts![index_name: "StatusScoreIndex", consistent_read: true])
                    .await
            }
        ),
        case!(
            "query: :between without sk_end",
            ValidationError,
            ["`:between`", "sk_end"],
            |c| {
                c.list_items(
                    &item!(User {
                        tenant: "t",
                        id: "u",
                        created_at: "2024"
                    }),
                    opts![sk_operator: :between],
                )
                .await
            }
        ),
        case!(
            "GSI query: :between without sk_end",
            ValidationError,
            ["`:between`", "sk_end"],
            |c| {
                c.list_items(
                    &item!(User {
                        status: "active",
                        score: 5
                    }),
                    opts![index_name: "StatusScoreIndex", sk_operator: :between],
                )
                .await
            }
        ),
        case!(
            "GSI query: sort operator on an index without a sort key",
            ValidationError,
            ["EmailIndex", "does not have a sort key"],
            |c| {
                c.list_items(&user(), opts![index_name: "EmailIndex", sk_operator: :gt])
                    .await
            }
        ),
        case!(
            "GSI query: partition field unset",
            ValidationError,
            ["EmailIndex", "'email'"],
            |c| { c.list_items(&key(), opts![index_name: "EmailIndex"]).await }
        ),
        case!(
            "GSI query: sort operator with the sort field unset",
            ValidationError,
            ["StatusScoreIndex", "'score'"],
            |c| {
                c.list_items(
                    &item!(User { status: "active" }),
                    opts![index_name: "StatusScoreIndex", sk_operator: :gte],
                )
                .await
            }
        ),
        case!(
            "GSI query: begins_with on a numeric sort key",
            ValidationError,
            ["`:begins_with`", "'score'"],
            |c| {
                c.list_items(
                    &item!(User {
                        status: "active",
                        score: 5
                    }),
                    opts![index_name: "StatusScoreIndex", sk_operator: :begins_with],
                )
                .await
            }
        ),
        case!(
            "query: sk_end without :between",
            ValidationError,
            ["`sk_end`", "`sk_operator: :between`"],
            |c| { c.list_items(&key(), opts![sk_end: "z"]).await }
        ),
        case!(
            "query: sort operator on a hash-only schema",
            ValidationError,
            ["`:gt`", "`Flag` has no sort key"],
            |c| {
                c.list_items(&item!(Flag { name: "f" }), opts![sk_operator: :gt])
                    .await
            }
        ),
        case!(
            "query: sort operator with no sort-key field set",
            ValidationError,
            ["`:lt`", "created_at, kind"],
            |c| {
                c.list_items(
                    &item!(User {
                        tenant: "t",
                        id: "u"
                    }),
                    opts![sk_operator: :lt],
                )
                .await
            }
        ),
        case!(
            "query: partition field unset",
            ValidationError,
            ["`id`"],
            |c| { c.list_items(&item!(User { tenant: "t" }), opts![]).await }
        ),
        case!(
            "query: limit 0",
            ValidationError,
            ["`limit`", "at least 1"],
            |c| { c.list_items(&key(), opts![limit: 0]).await }
        ),
        // BETWEEN bounds DynamoDB refuses: upper below lower, two types.
        case!(
            "query: :between with sk_end below the bound",
            ValidationError,
            ["`sk_end`", "below the lower bound", "2024-12-31"],
            |c| {
                c.list_items(
                    &item!(User {
                        tenant: "acme",
                        id: "u1",
                        created_at: "2024-12-31"
                    }),
                    opts![sk_operator: :between, sk_end: "2024-01-01"],
                )
                .await
            }
        ),
        case!(
            "GSI query: :between with a number bound above sk_end",
            ValidationError,
            ["`sk_end` (5)", "below the lower bound", "'score' (10)"],
            |c| {
                c.list_items(
                    &item!(User {
                        status: "active",
                        score: Some(10)
                    }),
                    opts![index_name: "StatusScoreIndex", sk_operator: :between, sk_end: 5],
                )
                .await
            }
        ),
        case!(
            "GSI query: :between with sk_end of another type",
            ValidationError,
            ["`sk_end` holds a S value", "'score' holds a N value"],
            |c| {
                c.list_items(
                    &item!(User {
                        status: "active",
                        score: Some(10)
                    }),
                    opts![index_name: "StatusScoreIndex", sk_operator: :between, sk_end: "20"],
                )
                .await
            }
        ),
        case!(
            "query: select :all_projected_attributes with a projection",
            ValidationError,
            [
                "`select: :all_projected_attributes`",
                "projection_expression"
            ],
            |c| {
                c.query_page(
                    &item!(Post {
                        id: "p1",
                        author: Some("a".to_owned())
                    }),
                    opts![index_name: "ByAuthor", select: :all_projected_attributes, projection_expression: "title"],
                )
                .await
            }
        ),
        case!(
            "query: select :all_attributes on a keys_only GSI",
            ValidationError,
            ["`select: :all_attributes`", "AuthorKeys", "only the keys"],
            |c| {
                c.query_page(
                    &item!(Post {
                        id: "p1",
                        author: Some("a".to_owned())
                    }),
                    opts![index_name: "AuthorKeys", select: :all_attributes],
                )
                .await
            }
        ),
        case!(
            "count_items: an option it does not use names count_items",
            ValidationError,
            ["`segments` does not apply to count_items"],
            |c| { c.count_items(&key(), opts![segments: 2]).await }
        ),
        case!(
            "list_items with select: :count",
            ValidationError,
            ["`select: :count`", "count_items"],
            |c| { c.list_items(&key(), opts![select: :count]).await }
        ),
        case!(
            "query: filter with an undefined placeholder",
            ValidationError,
            [":nope"],
            |c| {
                c.list_items(&key(), opts![filter_expression: "score > :nope"])
                    .await
            }
        ),
        case!(
            "query: unused expression value",
            ValidationError,
            [":unused"],
            |c| {
                c.list_items(&key(), opts![expression_attribute_values: {":unused" => 1}])
                    .await
            }
        ),
        case!(
            "parallel scan: segments 0",
            ValidationError,
            ["`segments`", "at least 1"],
            |c| { c.parallel_scan::<User>(opts![segments: 0]).await }
        ),
        case!(
            "scan page with segments",
            ValidationError,
            ["`segments`", "parallel_scan"],
            |c| { c.scan::<User>(opts![segments: 4]).await }
        ),
        case!(
            "stream parallel scan with zero concurrency",
            ValidationError,
            ["`concurrency`", "at least 1"],
            |c| {
                match c
                    .parallel_scan_stream::<User>(opts![concurrency: 0])
                    .next()
                    .await
                {
                    Some(r) => r.map(|_| ()),
                    None => Ok(()),
                }
            }
        ),
        case!(
            "parallel scan: limit 0",
            ValidationError,
            ["`limit`", "at least 1"],
            |c| { c.parallel_scan::<User>(opts![limit: 0]).await }
        ),
        case!(
            "list_tables: limit 0",
            ValidationError,
            ["`limit` 0", "at least 1"],
            |c| { c.list_tables(None, Some(0), None).await }
        ),
        case!(
            "stream scan: limit 0",
            ValidationError,
            ["`limit`", "at least 1"],
            |c| {
                match c.scan_stream::<User>(opts![limit: 0]).next().await {
                    Some(r) => r.map(|_| ()),
                    None => Ok(()),
                }
            }
        ),
        case!(
            "stream query: limit 0",
            ValidationError,
            ["`limit`", "at least 1"],
            |c| {
                match c.query_stream(key(), opts![limit: 0]).next().await {
                    Some(r) => r.map(|_| ()),
                    None => Ok(()),
                }
            }
        ),
        case!(
            "stream parallel scan: limit 0",
            ValidationError,
            ["`limit`", "at least 1"],
            |c| {
                match c.parallel_scan_stream::<User>(opts![limit: 0]).next().await {
                    Some(r) => r.map(|_| ()),
                    None => Ok(()),
                }
            }
        ),
        case!(
            "stream parallel scan with batch_size",
            ValidationError,
            ["`batch_size`", "scan_to_channel"],
            |c| {
                match c
                    .parallel_scan_stream::<User>(opts![batch_size: 10])
                    .next()
                    .await
                {
                    Some(r) => r.map(|_| ()),
                    None => Ok(()),
                }
            }
        ),
        case!(
            "scan_to_channel: segments 0",
            ValidationError,
            ["`segments`", "at least 1"],
            |c| {
                let (tx, _rx) = tokio::sync::mpsc::channel(4);
                c.scan_to_channel::<User>(tx, opts![segments: 0])
                    .await
                    .expect("the scan task")
            }
        ),
        // ---------------------------------------------------------- table names
        case!(
            "put: table name with a space and '!'",
            ValidationError,
            ["`bad name!`", "3 to 255"],
            |c| { c.put_item(item!(BadName { id: "x", n: 1 }), opts![]).await }
        ),
        case!(
            "get: table name too short",
            ValidationError,
            ["`ab`", "3 to 255"],
            |c| { c.get_item(&item!(ShortName { id: "x" }), opts![]).await }
        ),
        case!(
            "delete: invalid table name",
            ValidationError,
            ["`bad name!`"],
            |c| { c.delete_item(&item!(BadName { id: "x" }), opts![]).await }
        ),
        case!(
            "update: invalid table name",
            ValidationError,
            ["`bad name!`"],
            |c| {
                c.update_item(&item!(BadName { id: "x" }), updates! { n: 1 }, opts![])
                    .await
            }
        ),
        case!(
            "query: invalid table name",
            ValidationError,
            ["`bad name!`"],
            |c| { c.list_items(&item!(BadName { id: "x" }), opts![]).await }
        ),
        case!(
            "scan: table name too short",
            ValidationError,
            ["`ab`"],
            |c| { c.scan::<ShortName>(opts![]).await }
        ),
        case!(
            "stream scan: invalid table name",
            ValidationError,
            ["`bad name!`"],
            |c| {
                match c.scan_stream::<BadName>(opts![]).next().await {
                    Some(r) => r.map(|_| ()),
                    None => Ok(()),
                }
            }
        ),
        case!(
            "batch write: invalid table name",
            ValidationError,
            ["`bad name!`"],
            |c| {
                c.batch_write_item(vec![item!(BadName { id: "x" })], opts![])
                    .await
            }
        ),
        case!(
            "batch get: table name too short",
            ValidationError,
            ["`ab`"],
            |c| {
                c.batch_get_item(&[item!(ShortName { id: "x" })], opts![])
                    .await
            }
        ),
        case!(
            "transaction: one action on an invalid table",
            ValidationError,
            ["`bad name!`"],
            |c| {
                c.transact(vec![Tx::put(user()), Tx::put(item!(BadName { id: "x" }))])
                    .await
            }
        ),
        case!(
            "create table: invalid name",
            ValidationError,
            ["`bad name!`"],
            |c| { c.create_table::<BadName>().await }
        ),
        case!(
            "stream: read the stream of an invalid table name",
            ValidationError,
            ["`bad name!`"],
            |c| {
                c.read_changes("bad name!", &mut dynamo::changes::StreamPosition::oldest())
                    .await
            }
        ),
        case!(
            "stream: turn on the stream of a table name too short",
            ValidationError,
            ["`ab`"],
            |c| {
                c.enable_stream("ab", dynamo::changes::StreamView::NewAndOldImages)
                    .await
            }
        ),
        case!(
            "table prefix that makes the name invalid",
            ValidationError,
            ["`my prefix/users`"],
            |c| {
                config::scope(Config::new().table_prefix("my prefix/"), async move {
                    c.put_item(user(), opts![]).await
                })
                .await
            }
        ),
        case!(
            "table prefix that makes the name too long",
            ValidationError,
            ["3 to 255"],
            |c| {
                config::scope(Config::new().table_prefix("p".repeat(251)), async move {
                    c.get_item(&key(), opts![]).await
                })
                .await
            }
        ),
        case!(
            "sort key attribute named like the partition key attribute",
            ValidationError,
            ["both named `pk`", "sort_key_name"],
            |c| {
                config::scope(Config::new().sort_key_name("pk"), async move {
                    c.put_item(user(), opts![]).await
                })
                .await
            }
        ),
        case!(
            "sort key attribute named like the type attribute",
            ValidationError,
            [
                "sort key attribute `_type`",
                "type attribute",
                "sort_key_name"
            ],
            |c| {
                config::scope(Config::new().sort_key_name("_type"), async move {
                    c.put_item(user(), opts![]).await
                })
                .await
            }
        ),
        case!(
            "sort key attribute named like a timestamp attribute",
            ValidationError,
            [
                "sort key attribute `inserted_at`",
                "inserted_at",
                "sort_key_name"
            ],
            |c| {
                config::scope(Config::new().sort_key_name("inserted_at"), async move {
                    c.put_item(item!(Stamped { id: "s1", at: "a1" }), opts![])
                        .await
                })
                .await
            }
        ),
        case!(
            "empty partition key attribute name",
            ValidationError,
            ["partition key attribute name is empty"],
            |c| {
                config::scope(Config::new().partition_key_name(""), async move {
                    c.get_item(&key(), opts![]).await
                })
                .await
            }
        ),
        case!(
            "key attribute named like a field that is not the key",
            ValidationError,
            [
                "field `status`",
                "partition key attribute",
                "partition_key_name"
            ],
            |c| {
                config::scope(Config::new().partition_key_name("status"), async move {
                    c.put_item(user(), opts![]).await
                })
                .await
            }
        ),
        // ---------------------------------------------- values DynamoDB refuses
        case!(
            "put: empty string set",
            ValidationError,
            ["`data`", "empty string set"],
            |c| {
                c.put_item(
                    user_with(|u| u.data = Value::StringSet(BTreeSet::new())),
                    opts![],
                )
                .await
            }
        ),
        case!(
            "put: empty number set",
            ValidationError,
            ["`data`", "empty number set"],
            |c| {
                c.put_item(
                    user_with(|u| u.data = Value::NumberSet(BTreeSet::new())),
                    opts![],
                )
                .await
            }
        ),
        case!(
            "put: empty binary set",
            ValidationError,
            ["`data`", "empty binary set"],
            |c| {
                c.put_item(
                    user_with(|u| u.data = Value::BinarySet(BTreeSet::new())),
                    opts![],
                )
                .await
            }
        ),
        case!("put: NaN", ValidationError, ["`data`", "finite"], |c| {
            c.put_item(user_with(|u| u.data = Value::from(f64::NAN)), opts![])
                .await
        }),
        case!(
            "put: infinity",
            ValidationError,
            ["`data`", "finite"],
            |c| {
                c.put_item(user_with(|u| u.data = Value::from(f64::INFINITY)), opts![])
                    .await
            }
        ),
        case!(
            "put: number too large",
            ValidationError,
            ["`data`", "too large"],
            |c| {
                c.put_item(user_with(|u| u.data = num("1e200")), opts![])
                    .await
            }
        ),
        case!(
            "put: number too small",
            ValidationError,
            ["`data`", "too small"],
            |c| {
                c.put_item(user_with(|u| u.data = num("1e-140")), opts![])
                    .await
            }
        ),
        case!(
            "put: number with 39 significant digits",
            ValidationError,
            ["`data`", "38"],
            |c| {
                c.put_item(
                    user_with(|u| u.data = num("123456789012345678901234567890123456789")),
                    opts![],
                )
                .await
            }
        ),
        case!(
            "put: empty set nested in a map",
            ValidationError,
            ["`data`", ".inner", "empty string set"],
            |c| {
                let m = BTreeMap::from([("inner".to_owned(), Value::StringSet(BTreeSet::new()))]);
                c.put_item(user_with(|u| u.data = Value::Map(m)), opts![])
                    .await
            }
        ),
        case!(
            "put: NaN nested in a list",
            ValidationError,
            ["`data`", "[1]"],
            |c| {
                c.put_item(
                    user_with(|u| {
                        u.data = Value::List(vec![Value::from(1), Value::from(f64::NAN)])
                    }),
                    opts![],
                )
                .await
            }
        ),
        case!(
            "put: GSI key an empty string",
            ValidationError,
            ["`email`", "EmailIndex"],
            |c| {
                c.put_item(user_with(|u| u.email = Some(String::new())), opts![])
                    .await
            }
        ),
        case!(
            "put: GSI key of a type DynamoDB cannot index",
            ValidationError,
            ["`status`", "StatusScoreIndex"],
            |c| {
                c.put_item(user_with(|u| u.status = Value::Bool(true)), opts![])
                    .await
            }
        ),
        case!(
            "update: empty set value",
            ValidationError,
            ["`data`", "empty number set"],
            |c| {
                c.update_item(
                    &key(),
                    updates! { data: Value::NumberSet(BTreeSet::new()) },
                    opts![],
                )
                .await
            }
        ),
        case!(
            "update: GSI key set to an empty string",
            ValidationError,
            ["`email`", "EmailIndex"],
            |c| { c.update_item(&key(), updates! { email: "" }, opts![]).await }
        ),
        case!("update: a key field", ValidationError, ["`id`"], |c| {
            c.update_item(&key(), updates! { id: "other" }, opts![])
                .await
        }),
        case!("update: NaN", ValidationError, ["`score`", "finite"], |c| {
            c.update_item(&key(), updates! { score: f64::NAN }, opts![])
                .await
        }),
        case!(
            "update: {:if_not_exists, None}",
            ValidationError,
            ["`email`", "if_not_exists"],
            |c| {
                c.update_item(
                    &key(),
                    updates! { email: {:if_not_exists, None::<String>} },
                    opts![],
                )
                .await
            }
        ),
        case!(
            "update: an increment by NaN",
            ValidationError,
            ["`score`", "finite"],
            |c| {
                c.update_item(&key(), updates! { score: {:increment, f64::NAN} }, opts![])
                    .await
            }
        ),
        case!(
            "update: appending an empty set",
            ValidationError,
            ["`data`", "empty"],
            |c| {
                c.update_item(
                    &key(),
                    updates! { data: {:append, vec![Value::StringSet(BTreeSet::new())]} },
                    opts![],
                )
                .await
            }
        ),
        case!(
            "update: a number field set to a string",
            ValidationError,
            ["`score`", "number", "string"],
            |c| {
                c.update_item(&key(), updates! { score: "ten" }, opts![])
                    .await
            }
        ),
        case!(
            "update: a string field incremented",
            ValidationError,
            ["`name`", "string", "increment"],
            |c| {
                c.update_item(
                    &item!(Customer { customer_id: "c1" }),
                    updates! { name: {:increment, 1} },
                    opts![],
                )
                .await
            }
        ),
        case!(
            "update: a number field appended to",
            ValidationError,
            ["`total`", "number", "list"],
            |c| {
                c.update_item(
                    &item!(Purchase {
                        customer_id: "c1",
                        purchase_id: "p1"
                    }),
                    updates! { total: {:append, vec![1]} },
                    opts![],
                )
                .await
            }
        ),
        case!(
            "update_expression: a key field through a placeholder",
            ValidationError,
            ["update_expression", "`kind`", "primary key"],
            |c| {
                c.update_item(
                    &key(),
                    updates! {},
                    opts![
                        update_expression: "SET score = :s REMOVE #k",
                        expression_attribute_names: %{"#k" => "kind"},
                        expression_attribute_values: %{":s" => 1},
                    ],
                )
                .await
            }
        ),
        case!(
            "update_expression: two SET clauses",
            ValidationError,
            ["update_expression", "two SET clauses"],
            |c| {
                c.update_item(
                    &key(),
                    updates! {},
                    opts![
                        update_expression: "SET score = :s SET data = :s",
                        expression_attribute_values: %{":s" => 1},
                    ],
                )
                .await
            }
        ),
        case!(
            "update_expression: with updates! too",
            ValidationError,
            ["update_expression", "not both"],
            |c| {
                c.update_item(
                    &key(),
                    updates! { score: 1 },
                    opts![update_expression: "SET data = :s", expression_attribute_values: %{":s" => 1}],
                )
                .await
            }
        ),
        case!(
            "update_expression: not an update",
            ValidationError,
            ["update_expression", "must start with SET"],
            |c| {
                c.update_item(
                    &key(),
                    updates! {},
                    opts![update_expression: "score = :s", expression_attribute_values: %{":s" => 1}],
                )
                .await
            }
        ),
        case!(
            "update_expression: on put_item",
            ValidationError,
            ["`update_expression`", "put_item"],
            |c| {
                c.put_item(user(), opts![update_expression: "SET a = :v"])
                    .await
            }
        ),
        case!(
            "transaction update: empty set value",
            ValidationError,
            ["transaction action 0", "`data`"],
            |c| {
                c.transact(vec![Tx::update(
                    key(),
                    updates! { data: Value::StringSet(BTreeSet::new()) },
                )])
                .await
            }
        ),
        // ------------------------------------------------------------- options
        case!(
            "put: an option that does not apply",
            ValidationError,
            ["`limit`", "put_item"],
            |c| { c.put_item(user(), opts![limit: 1]).await }
        ),
        case!(
            "get: an option that does not apply",
            ValidationError,
            ["`sk_operator`", "get_item"],
            |c| { c.get_item(&key(), opts![sk_operator: :gt]).await }
        ),
        // Sort-key values a key cannot hold: every read that builds a key
        // condition refuses them, naming the field — the first sort field
        // (the query used to panic) or a later one (the key used to be cut
        // short silently).
        case!(
            "list_items on a NaN first sort field",
            ValidationError,
            ["`created_at`", "non-finite"],
            |c| {
                c.list_items(&untyped_sort(Value::from(f64::NAN), None), opts![])
                    .await
            }
        ),
        case!(
            "query_page on an infinite first sort field",
            ValidationError,
            ["`created_at`", "non-finite"],
            |c| {
                c.query_page(
                    &untyped_sort(Value::from(f64::INFINITY), None),
                    opts![sk_operator: :gte],
                )
                .await
            }
        ),
        case!(
            "count_items on a list as first sort field",
            ValidationError,
            ["`created_at`", "a list"],
            |c| {
                c.count_items(&untyped_sort(Value::from(vec![1, 2]), None), opts![])
                    .await
            }
        ),
        case!(
            "stream query on a map as first sort field",
            ValidationError,
            ["`created_at`", "a map"],
            |c| {
                let k = untyped_sort(Value::Map(BTreeMap::new()), None);
                match c.query_stream(&k, opts![]).next().await {
                    Some(r) => r.map(|_| ()),
                    None => Ok(()),
                }
            }
        ),
        case!(
            "between on bytes as first sort field",
            ValidationError,
            ["`created_at`", "bytes"],
            |c| {
                c.list_items(
                    &untyped_sort(Value::Binary(vec![1]), None),
                    opts![sk_operator: :between, sk_end: "z"],
                )
                .await
            }
        ),
        case!(
            "a later sort field holding a set",
            ValidationError,
            ["`kind`", "a set"],
            |c| {
                c.list_items(
                    &untyped_sort(
                        Value::from("2024"),
                        Some(Value::StringSet(BTreeSet::from(["x".to_owned()]))),
                    ),
                    opts![],
                )
                .await
            }
        ),
        case!(
            "a later sort field holding a list, with an operator",
            ValidationError,
            ["`kind`", "a list"],
            |c| {
                c.query_page(
                    &untyped_sort(Value::from("2024"), Some(Value::from(vec!["a"]))),
                    opts![sk_operator: :lt],
                )
                .await
            }
        ),
        case!(
            "sk_end that cannot be in a key",
            ValidationError,
            ["`sk_end`"],
            |c| {
                c.list_items(
                    &untyped_sort(Value::from("2024"), None),
                    opts![sk_operator: :between, sk_end: Value::from(vec![1])],
                )
                .await
            }
        ),
        case!(
            "a u128 above i128::MAX as sort key",
            ValidationError,
            ["`seq`", "u128"],
            |c| {
                c.list_items(
                    &item!(Big {
                        id: "a",
                        seq: u128::MAX
                    }),
                    opts![],
                )
                .await
            }
        ),
        case!(
            "a GSI query on a NaN sort value",
            ValidationError,
            ["'score'", "ByScore"],
            |c| {
                let g = item!(Gsi {
                    id: "x",
                    status: "active",
                    score: f64::NAN
                });
                c.list_items(&g, opts![index_name: "ByScore"]).await
            }
        ),
        case!(
            "a plain http endpoint that is not loopback",
            ValidationError,
            ["http://", "not loopback"],
            |_c| { Client::builder().endpoint("http://10.9.8.7:8000").build() }
        ),
        case!(
            "an endpoint with user information",
            ValidationError,
            ["user information"],
            |_c| {
                Client::builder()
                    .endpoint("http://admin:hunter2@127.0.0.1:8000")
                    .build()
            }
        ),
        case!(
            "a call outside any tokio runtime",
            Transport,
            ["tokio runtime"],
            |c| {
                // Polled on a thread with no runtime: an error, not a panic.
                std::thread::spawn(move || {
                    futures_util::FutureExt::now_or_never(c.get_item(&key(), opts![]))
                        .unwrap_or(Ok(None))
                })
                .join()
                .expect("no panic")
            }
        ),
        // ------------------------------------------- expression lengths
        case!(
            "put: condition over 4 KB",
            ValidationError,
            ["ConditionExpression", "4096 bytes"],
            |c| {
                c.put_item(user(), opts![condition_expression: long_condition()])
                    .await
            }
        ),
        case!(
            "delete: condition over 4 KB",
            ValidationError,
            ["ConditionExpression", "4096 bytes"],
            |c| {
                c.delete_item(&key(), opts![condition_expression: long_condition()])
                    .await
            }
        ),
        case!(
            "update: update expression over 4 KB",
            ValidationError,
            ["UpdateExpression", "4096 bytes", "fewer attributes"],
            |c| {
                let set = (0..300)
                    .map(|i| format!("extra_{i} = :v"))
                    .collect::<Vec<_>>()
                    .join(", ");
                c.update_item(
                    &key(),
                    updates! {},
                    opts![
                        update_expression: format!("SET {set}"),
                        expression_attribute_values: %{":v" => 1},
                    ],
                )
                .await
            }
        ),
        case!(
            "get: projection over 4 KB",
            ValidationError,
            ["ProjectionExpression", "4096 bytes"],
            |c| {
                let names = (0..400)
                    .map(|i| format!("extra_{i}"))
                    .collect::<Vec<_>>()
                    .join(", ");
                c.get_item(&key(), opts![projection_expression: names])
                    .await
            }
        ),
        case!(
            "query: filter over 4 KB",
            ValidationError,
            ["FilterExpression", "4096 bytes"],
            |c| {
                c.list_items(&key(), opts![filter_expression: long_condition()])
                    .await
            }
        ),
        case!(
            "scan: a filter's IN list over 100 operands",
            ValidationError,
            ["filter_expression", "101 operands", "limit of 100"],
            |c| {
                let (list, values) = in_list(101);
                c.scan::<User>(opts![
                    filter_expression: format!("status IN ({list})"),
                    expression_attribute_values: values,
                ])
                .await
            }
        ),
        case!(
            "put: a condition's IN list over 100 operands",
            ValidationError,
            ["condition_expression", "101 operands", "limit of 100"],
            |c| {
                let (list, values) = in_list(101);
                c.put_item(
                    user(),
                    opts![
                        condition_expression: format!("attribute_not_exists(id) OR status IN ({list})"),
                        expression_attribute_values: values,
                    ],
                )
                .await
            }
        ),
        // Batch writes cannot carry optimistic locking's condition.
        case!(
            "batch write: a versioned schema",
            ValidationError,
            ["batch_write_item", "`version`", "put_item"],
            |c| {
                c.batch_write_item(vec![item!(Locked { id: "l1" })], opts![])
                    .await
                    .map(|_| ())
            }
        ),
        case!(
            "batch write: a versioned schema whose version is at its type's end",
            ValidationError,
            ["batch_write_item", "`version`", "put_item"],
            |c| {
                c.batch_write_item(
                    vec![item!(Locked {
                        id: "l1",
                        version: u32::MAX
                    })],
                    opts![],
                )
                .await
                .map(|_| ())
            }
        ),
        case!(
            "batch delete: a versioned schema",
            ValidationError,
            ["batch_delete_item", "`version`", "delete_item"],
            |c| {
                c.batch_delete_item(vec![item!(Locked { id: "l1" })], opts![])
                    .await
                    .map(|_| ())
            }
        ),
        // DynamoDB's 32 levels: a value inside 32 lists or maps.
        case!(
            "put: a value nested past DynamoDB's 32 levels",
            ValidationError,
            ["`data`", "inside 32 lists or maps"],
            |c| {
                c.put_item(user_with(|u| u.data = nested(32)), opts![])
                    .await
            }
        ),
        case!(
            "update: a value nested past DynamoDB's 32 levels",
            ValidationError,
            ["`data`", "inside 32 lists or maps"],
            |c| {
                c.update_item(&key(), updates! { data: nested(40) }, opts![])
                    .await
            }
        ),
        case!(
            "scan: an expression value nested past DynamoDB's 32 levels",
            ValidationError,
            ["`:deep`", "inside 32 lists or maps"],
            |c| {
                c.scan::<User>(opts![
                    filter_expression: "data = :deep",
                    expression_attribute_values: %{":deep" => nested(33)},
                ])
                .await
            }
        ),
        case!(
            "scan: filter over 4 KB",
            ValidationError,
            ["FilterExpression", "4096 bytes"],
            |c| {
                c.scan::<User>(opts![filter_expression: long_condition()])
                    .await
            }
        ),
        case!(
            "transaction: a condition over 4 KB names its action",
            ValidationError,
            [
                "transaction action 1: the ConditionExpression",
                "check on `users`",
                "4096 bytes"
            ],
            |c| {
                c.transact(vec![
                    Tx::put(user()),
                    Tx::check(
                        item!(User {
                            tenant: "acme",
                            id: "u2",
                            created_at: "2024-01-15",
                            kind: "admin"
                        }),
                        long_condition(),
                        values! {},
                    ),
                ])
                .await
            }
        ),
        case!(
            "transaction: a condition over 4 KB is named as given, after merged checks",
            ValidationError,
            [
                "transaction action 2: the ConditionExpression",
                "4096 bytes"
            ],
            |c| {
                c.transact(vec![
                    Tx::check(key(), "attribute_not_exists(email)", values! {}),
                    Tx::check(key(), "attribute_not_exists(score)", values! {}),
                    Tx::put(user_with(|u| u.id = "u2".into()))
                        .condition(long_condition(), values! {}),
                ])
                .await
            }
        ),
        case!(
            "transaction: checks on one item joined into a condition over 4 KB",
            ValidationError,
            [
                "transaction actions 0, 1: the ConditionExpression",
                "4096 bytes",
                "joined"
            ],
            |c| {
                let half = vec!["attribute_exists(email)"; 110].join(" OR ");
                c.transact(vec![
                    Tx::check(key(), half.clone(), values! {}),
                    Tx::check(key(), half, values! {}),
                ])
                .await
            }
        ),
        case!(
            "value placeholder over 255 bytes",
            ValidationError,
            ["expression attribute value", "255 bytes"],
            |c| {
                let name = format!(":{}", "v".repeat(300));
                let cond = format!("score = {name}");
                let mut o = Opts::new().condition_expression(cond);
                o.expression_attribute_values.insert(name, Value::from(1));
                c.put_item(user(), o).await
            }
        ),
        case!(
            "name placeholder over 255 bytes",
            ValidationError,
            ["expression attribute name", "255 bytes"],
            |c| {
                let name = format!("#{}", "n".repeat(300));
                let cond = format!("attribute_exists({name})");
                let mut o = Opts::new().condition_expression(cond);
                o.expression_attribute_names
                    .insert(name, "email".to_owned());
                c.put_item(user(), o).await
            }
        ),
        case!(
            "condition with an undefined name placeholder",
            ValidationError,
            ["#missing"],
            |c| {
                c.put_item(
                    user(),
                    opts![condition_expression: "attribute_not_exists(#missing)"],
                )
                .await
            }
        ),
    ]
}

/// Every case is refused before sending: right kind, the culprit named in
/// the message, no attempt made, and the proxy received nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_inputs_are_refused_before_sending() {
    let proxy = support::proxy(0xBAD1);
    let client = support::proxy_client(&proxy, RetryPolicy::none(), Duration::from_secs(5));
    let cases = catalogue();
    let mut failures = Vec::new();
    for case in &cases {
        let before = proxy.received();
        let outcome = tokio::time::timeout(Duration::from_secs(30), (case.run)(client.clone()))
            .await
            .unwrap_or_else(|_| panic!("case `{}` hung", case.name));
        let sent = proxy.received() - before;
        let mut problems = Vec::new();
        match &outcome {
            Ok(()) => problems.push("was accepted".to_owned()),
            Err(e) => {
                if e.kind() != case.kind {
                    problems.push(format!("kind {:?}, expected {:?}", e.kind(), case.kind));
                }
                for needle in case.needles {
                    if !e.message().contains(needle) {
                        problems.push(format!("message lacks {needle:?}"));
                    }
                }
                if e.attempts() != 0 {
                    problems.push(format!("{} attempts", e.attempts()));
                }
            }
        }
        if sent != 0 {
            problems.push(format!("{sent} request(s) reached the proxy"));
        }
        if !problems.is_empty() {
            failures.push(format!(
                "{}: {} — got {:?}",
                case.name,
                problems.join("; "),
                outcome.err().map(|e| e.message().to_owned())
            ));
        }
    }
    let stats = proxy.stats();
    eprintln!(
        "FIGURES bad_inputs_are_refused_before_sending: {} bad inputs tried, {} refused before sending, {} requests reached the proxy",
        cases.len(),
        cases.len() - failures.len(),
        stats.received
    );
    assert!(cases.len() >= 40);
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    assert_eq!(stats.received, 0);
}

/// The same client does reach the server with good input (so "zero
/// requests" above means refused, not unreachable).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn good_input_through_the_same_proxy_is_sent() {
    support::isolated(async {
        let proxy = support::proxy(0xBAD2);
        let client = support::proxy_client(&proxy, RetryPolicy::none(), Duration::from_secs(5));
        client.create_table::<User>().await.unwrap();
        client.put_item(user(), opts![]).await.unwrap();
        let got = client.get_item(&key(), opts![]).await.unwrap();
        assert_eq!(got, Some(user()));
        // A value at DynamoDB's deepest is stored and read back.
        let deep = user_with(|u| u.data = nested(31));
        client.put_item(deep.clone(), opts![]).await.unwrap();
        assert_eq!(client.get_item(&key(), opts![]).await.unwrap(), Some(deep));
        client.put_item(user(), opts![]).await.unwrap();
        let stats = proxy.stats();
        assert_eq!(stats.op("PutItem"), 3);
        assert_eq!(stats.op("GetItem"), 2);
        // Counting an unsigned field down by a negative amount, or up by
        // one, is sent (the amount is held to the type up to its sign).
        client.create_table::<Narrow>().await.unwrap();
        let mut n = narrow();
        n.small = 5;
        client.put_item(n, opts![]).await.unwrap();
        let counted = client
            .update_item(&narrow(), updates! { small: {:increment, -2} }, opts![])
            .await
            .unwrap();
        assert_eq!(counted.small, 3);
        let counted = client
            .update_item(&narrow(), updates! { small: {:decrement, -1} }, opts![])
            .await
            .unwrap();
        assert_eq!(counted.small, 4);
    })
    .await;
}
