//! The schema DSL used exactly as a user crate uses it: keys, defaults,
//! options, indexes, relations and encode/decode. No network.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use dynamo::prelude::*;
use dynamo::{IndexDef, Projection, SkStrategy};

dynamo_item! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct Order {
        table_name "orders";
        field :tenant_id;
        field :customer_id;
        field :order_date: String;
        field :order_id: String;
        field :total: f64, default: 0.0;
        partition_key [:tenant_id, :customer_id];
        sort_key [:order_date, :order_id];
    }
}

dynamo_item! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct Prefixed {
        use Dynamo.Schema, key_separator: "#", prefix_sort_key: true;
        table_name "orders";
        field :user_id, partition_key: true;
        field :status, sort_key: true;
        field :created_at, sort_key;
        field :order_id, sort_key;
    }
}

dynamo_item! {
    /// Field-level keys on several fields keep declared order.
    #[derive(Debug, Clone, PartialEq)]
    pub struct FieldMulti {
        table_name "multi";
        field :a, partition_key;
        field :b, partition_key;
        field :c, sort_key;
        field :d, sort_key;
    }
}

dynamo_item! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct Custom {
        use Dynamo.Schema, key_separator: "|", partition_key_name: "PK", sort_key_name: "SK";
        table_name "custom";
        field :id: String, partition_key;
        field :version: i64, sort_key;
    }
}

dynamo_item! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct Counter {
        table_name "counters";
        field :counter_name;
        field :shard, partition_key: true;
        field :count, default: 0;
    }
}

impl Counter {
    fn sharded_key(name: &str, shard: u32) -> String {
        format!("{name}#{shard}")
    }
}

dynamo_item! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct User {
        table_name "users";
        field :user_id, partition_key: true;
        field :created_at, sort_key: true;
        field :email;
        field :status;
        field :score: i64, default: 0;
        global_secondary_index "EmailIndex", partition_key: :email;
        global_secondary_index "StatusIndex",
            partition_key: :status,
            sort_key: :created_at,
            projection: :keys_only;
        global_secondary_index "ScoreIndex", partition_key: :status, sort_key: :score,
            projection: :include, projected_attributes: [:email];
    }
}

dynamo_item! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct Customer {
        table_name "shop";
        field :customer_id, partition_key;
        field :name;
    }
}

dynamo_item! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct OrderItem {
        table_name "shop";
        field :customer_id;
        field :created_at, sort_key;
        field :sku;
        belongs_to :customer, Customer;
    }
}

dynamo_item! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct CustomerNote {
        use Dynamo.Schema, prefix_sort_key: true;
        table_name "shop";
        field :owner;
        field :note_date, sort_key;
        field :note_id, sort_key;
        belongs_to :customer, Customer, foreign_key: :owner, sk_strategy: :use_defined;
    }
}

dynamo_item! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct Tenant {
        table_name "saas";
        field :tenant_id: String;
        field :org_id: String;
        partition_key [:tenant_id, :org_id];
    }
}

dynamo_item! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct Membership {
        table_name "saas";
        field :tenant: String;
        field :org_id: String;
        field :member_id: String, sort_key;
        belongs_to :tenant, Tenant, foreign_key: :tenant;
    }
}

dynamo_item! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct Typed {
        table_name "typed";
        field :id: String, partition_key;
        field :n_i64: i64;
        field :n_u8: u8;
        field :n_f64: f64;
        field :flag: bool;
        field :maybe: Option<String>;
        field :list: Vec<String>;
        field :bytes: Vec<u8>;
        field :tags: BTreeSet<String>;
        field :scores: BTreeSet<i64>;
        field :attrs: BTreeMap<String, i64>;
        field :hmap: HashMap<String, String>;
        field :any;
        field :exact: Number;
        field :json: Json<serde_json::Value>;
    }
}

#[test]
fn guide_alternative_key_definition() {
    let o = item!(Order {
        tenant_id: "tenant123",
        customer_id: "customer456",
        order_date: "2024-01-15",
        order_id: "order789"
    });
    assert_eq!(o.partition_key().unwrap(), "tenant123#customer456");
    assert_eq!(o.sort_key().as_deref(), Some("2024-01-15#order789"));
    assert_eq!(o.total, 0.0);
    assert_eq!(Order::table_name(), "orders");
    assert_eq!(Order::schema().partition_key, &["tenant_id", "customer_id"]);
    assert_eq!(Order::schema().sort_key, &["order_date", "order_id"]);
}

#[test]
fn partial_sort_keys() {
    let o = item!(Order {
        tenant_id: "t",
        customer_id: "c",
        order_date: "2024-01-01"
    });
    assert_eq!(o.sort_key().as_deref(), Some("2024-01-01"));
    let o = item!(Order {
        tenant_id: "t",
        customer_id: "c",
        order_id: "x"
    });
    assert_eq!(o.sort_key(), None, "stops at the first unset field");
    let err = o.full_sort_key().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ValidationError);
    assert!(err.message().contains("`order_date`"), "{}", err.message());
}

#[test]
fn unset_partition_key_is_named() {
    let o = item!(Order { tenant_id: "t" });
    let err = o.partition_key().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ValidationError);
    assert!(err.message().contains("`customer_id`"), "{}", err.message());
    let o = item!(Order {
        tenant_id: "t",
        customer_id: ""
    });
    assert!(
        o.partition_key()
            .unwrap_err()
            .message()
            .contains("`customer_id`")
    );
}

#[test]
fn prefixed_sort_key_in_declared_order() {
    let p = item!(Prefixed {
        user_id: "u1",
        status: "PENDING",
        created_at: "2024-01-15T10:30:00Z",
        order_id: "order123"
    });
    assert_eq!(p.partition_key().unwrap(), "u1");
    assert_eq!(
        p.sort_key().as_deref(),
        Some("status#PENDING#created_at#2024-01-15T10:30:00Z#order_id#order123")
    );
    let p = item!(Prefixed {
        user_id: "u1",
        status: "PENDING"
    });
    assert_eq!(p.sort_key().as_deref(), Some("status#PENDING"));
}

#[test]
fn field_level_keys_keep_declared_order() {
    let f = item!(FieldMulti {
        a: "A",
        b: "B",
        c: "C",
        d: "D"
    });
    assert_eq!(f.partition_key().unwrap(), "A#B");
    assert_eq!(f.sort_key().as_deref(), Some("C#D"));
    assert_eq!(FieldMulti::schema().partition_key, &["a", "b"]);
    let f = item!(FieldMulti {
        a: "A",
        b: "B",
        c: Value::Null,
        d: "D"
    });
    assert_eq!(f.sort_key(), None);
}

#[test]
fn custom_separator_and_key_names() {
    let c = item!(Custom {
        id: "a|b",
        version: 3
    });
    assert_eq!(c.partition_key().unwrap(), "a|b");
    assert_eq!(c.sort_key().as_deref(), Some("3"));
    let k = c.primary_key().unwrap();
    assert_eq!(k.partition_name, "PK");
    assert_eq!(k.sort.as_ref().unwrap().0, "SK");
    let with_keys = dynamo::encoder::encode_with_keys(&c).unwrap();
    assert_eq!(with_keys["PK"], "a|b");
    assert_eq!(with_keys["SK"], "3");
    assert!(!with_keys.contains_key("pk"));
}

#[test]
fn hash_only_schema_has_no_sort_key_attribute() {
    let c = item!(Counter {
        counter_name: "visits",
        shard: Counter::sharded_key("visits", 3)
    });
    assert_eq!(c.partition_key().unwrap(), "visits#3");
    assert_eq!(c.sort_key(), None);
    assert!(!Counter::schema().has_sort_key());
    let with_keys = dynamo::encoder::encode_with_keys(&c).unwrap();
    assert!(!with_keys.contains_key("sk"));
    assert_eq!(c.count, 0);
}

#[test]
fn indexes_as_data() {
    let s = User::schema();
    assert_eq!(s.indexes.len(), 3);
    assert_eq!(
        s.indexes[0],
        IndexDef {
            name: "EmailIndex",
            partition_key: &["email"],
            sort_key: &[],
            projection: Projection::All,
            projected_attributes: &[],
        }
    );
    assert_eq!(s.indexes[1].projection, Projection::KeysOnly);
    assert_eq!(s.indexes[1].sort_key, ["created_at"]);
    assert_eq!(s.indexes[2].projected_attributes, &["email"]);
    assert_eq!(s.attribute_type("score"), dynamo::ScalarType::Number);
    assert_eq!(s.attribute_type("email"), dynamo::ScalarType::String);
    assert_eq!(s.index_names(), "EmailIndex, ScoreIndex, StatusIndex");
}

#[test]
fn belongs_to_prefix_puts_child_in_parent_partition() {
    let child = item!(OrderItem {
        customer_id: "c1",
        created_at: "2024-01-15T11:01:00Z",
        sku: "s"
    });
    let parent = item!(Customer { customer_id: "c1" });
    assert_eq!(
        child.partition_key().unwrap(),
        parent.partition_key().unwrap()
    );
    assert_eq!(child.partition_key().unwrap(), "c1");
    assert_eq!(
        child.sort_key().as_deref(),
        Some("orderitem#2024-01-15T11:01:00Z")
    );
    let bare = item!(OrderItem { customer_id: "c1" });
    assert_eq!(bare.sort_key().as_deref(), Some("orderitem"));
    assert!(bare.full_sort_key().is_err());
    assert_eq!(
        OrderItem::schema().belongs_to[0].sk_strategy,
        SkStrategy::Prefix
    );
    assert_eq!(
        OrderItem::schema().belongs_to[0].foreign_key_field(),
        "customer_id"
    );
    let orphan = item!(OrderItem { created_at: "x" });
    assert!(
        orphan
            .partition_key()
            .unwrap_err()
            .message()
            .contains("`customer_id`")
    );
}

#[test]
fn belongs_to_use_defined_with_foreign_key() {
    let n = item!(CustomerNote {
        owner: "c9",
        note_date: "2024-02-01",
        note_id: "n1"
    });
    assert_eq!(n.partition_key().unwrap(), "c9");
    assert_eq!(
        n.sort_key().as_deref(),
        Some("note_date#2024-02-01#note_id#n1")
    );
}

#[test]
fn belongs_to_composite_parent_key() {
    let t = item!(Tenant {
        tenant_id: "t1",
        org_id: "o1"
    });
    let m = item!(Membership {
        tenant: "t1",
        org_id: "o1",
        member_id: "m1"
    });
    assert_eq!(m.partition_key().unwrap(), t.partition_key().unwrap());
    assert_eq!(m.sort_key().as_deref(), Some("membership#m1"));
}

#[test]
fn defaults_and_item_macro() {
    let u = item!(User {});
    assert!(u.user_id.is_null());
    assert_eq!(u.score, 0);
    let u = item!(User {
        user_id: "u",
        score: 5
    });
    assert_eq!(u.score, 5);
}

#[test]
fn typed_round_trip() {
    let t = Typed {
        id: "x".into(),
        n_i64: -5,
        n_u8: 7,
        n_f64: 2.5,
        flag: true,
        maybe: None,
        list: vec!["a".into(), "b".into()],
        bytes: vec![0, 1, 255],
        tags: BTreeSet::from(["t".to_owned()]),
        scores: BTreeSet::from([1, 2]),
        attrs: BTreeMap::from([("k".to_owned(), 9)]),
        hmap: HashMap::from([("a".to_owned(), "b".to_owned())]),
        any: Value::from(vec![Value::from(1), Value::from("two")]),
        exact: "12345678901234567890.123456789".parse().unwrap(),
        json: Json(serde_json::json!({"a": [1, 2, {"b": null}]})),
    };
    let map = dynamo::encoder::encode(&t);
    assert_eq!(map["bytes"], Value::Binary(vec![0, 1, 255]));
    assert_eq!(map["tags"].type_name(), "SS");
    assert_eq!(map["scores"].type_name(), "NS");
    assert!(!map.contains_key("maybe"));
    assert_eq!(
        map["exact"].as_number().unwrap().as_str(),
        "12345678901234567890.123456789"
    );
    let back: Typed = dynamo::decoder::decode(&map).unwrap();
    assert_eq!(back.n_i64, t.n_i64);
    assert_eq!(back.bytes, t.bytes);
    assert_eq!(back.exact, t.exact);
    assert_eq!(back.json, t.json);
    assert_eq!(back.hmap, t.hmap);
    assert_eq!(back.any, t.any);
}

#[test]
fn decode_errors_name_the_field() {
    let mut map = dynamo::encoder::encode(&item!(Typed { id: "x" }));
    map.insert("n_u8".into(), Value::from(1000));
    let err = dynamo::decoder::decode::<Typed>(&map).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode);
    assert_eq!(err.field(), Some("n_u8"));
    assert!(err.message().contains("`n_u8`"), "{}", err.message());
}

#[test]
fn unknown_attributes_are_ignored_and_missing_take_defaults() {
    let map: Item = HashMap::from([
        ("pk".to_owned(), Value::from("u1")),
        ("user_id".to_owned(), Value::from("u1")),
        ("extra".to_owned(), Value::from(1)),
    ]);
    let u: User = dynamo::decoder::decode(&map).unwrap();
    assert_eq!(u.user_id, "u1");
    assert_eq!(u.score, 0);
    assert!(u.email.is_null());
}

#[test]
fn schema_prints_back_as_a_block() {
    let text = User::schema().to_string();
    assert!(text.contains("table_name \"users\";"), "{text}");
    assert!(text.contains("global_secondary_index \"StatusIndex\", partition_key: :status, sort_key: :created_at, projection: :keys_only;"), "{text}");
    assert!(text.contains("field :score: i64;"), "{text}");
}

dynamo_item! {
    /// Every `use` option set.
    #[derive(Debug, Clone, PartialEq)]
    pub struct Renamed {
        use Dynamo.Schema, key_separator: "|", allow_separator_in_keys: true,
            type_attribute: "kind", type_name: "Person";
        table_name "people";
        field :id, partition_key;
    }
}

/// The block printed back keeps what the items are read and written as:
/// without `type_name`, it read and wrote another type's items.
#[test]
fn schema_prints_back_its_use_options() {
    let text = Renamed::schema().to_string();
    assert!(
        text.contains(
            r#"use Dynamo.Schema, key_separator: "|", allow_separator_in_keys: true, type_attribute: "kind", type_name: "Person";"#
        ),
        "{text}"
    );
}

#[test]
fn nested_schema_structs_encode_as_maps() {
    let c = item!(Customer {
        customer_id: "c1",
        name: "Ada"
    });
    let v = c.encode();
    assert_eq!(v.get("name"), Some(&Value::from("Ada")));
    assert_eq!(Customer::decode(v).unwrap(), c);
}

dynamo_item! {
    /// The `version` field between others, of the narrowest version type.
    #[derive(Debug, Clone, PartialEq)]
    pub struct Revised {
        table_name "revised";
        field :id, partition_key;
        field :before: String;
        field :rev: i32, version;
        field :after: u64;
    }
}

#[test]
fn the_version_field_is_set_wherever_it_is_declared_and_only_when_it_fits() {
    let mut r = item!(Revised {
        id: "r",
        before: "b",
        after: 5u64
    });
    assert!(r.__set_version(7));
    assert_eq!((r.rev, r.before.as_str(), r.after), (7, "b", 5));
    // Past i32: refused, and the field keeps its value.
    assert!(!r.__set_version(i128::from(i32::MAX) + 1));
    assert_eq!(r.rev, 7);
    // A schema without a version field has nothing to set.
    let mut o = Order::default();
    assert!(!o.__set_version(1));
    assert_eq!(o, Order::default());
}

mod child_keyed_by_its_foreign_key {
    use dynamo::prelude::*;

    dynamo_item! {
        pub struct Customer {
            table_name "shop";
            field :customer_id, partition_key;
        }
    }

    // Marking the foreign key itself as the partition key is allowed: it
    // is what the parent's key is built from.
    dynamo_item! {
        pub struct Order {
            table_name "shop";
            field :customer_id, partition_key;
            field :n, sort_key;
            belongs_to :customer, Customer;
        }
    }

    #[test]
    fn the_key_is_the_parents() {
        let o = item!(Order {
            customer_id: "c1",
            n: "1"
        });
        assert_eq!(o.partition_key().unwrap(), "c1");
        assert_eq!(o.sort_key().unwrap(), "order#1");
    }
}

mod child_declaring_its_parents_composite_key {
    use dynamo::prelude::*;

    dynamo_item! {
        pub struct Org {
            table_name "orgs";
            field :tenant: String;
            field :org_id: String;
            partition_key [:tenant, :org_id];
        }
    }

    // The fields the parent's key is built from, declared as the child's
    // partition key too: allowed, the same key.
    dynamo_item! {
        pub struct Team {
            table_name "orgs";
            field :tenant: String;
            field :org_id: String;
            field :team: String, sort_key;
            partition_key [:tenant, :org_id];
            belongs_to :org, Org, foreign_key: :tenant;
        }
    }

    #[test]
    fn the_key_is_the_parents() {
        let team = item!(Team {
            tenant: "t1",
            org_id: "o1",
            team: "a"
        });
        let org = item!(Org {
            tenant: "t1",
            org_id: "o1"
        });
        assert_eq!(team.partition_key().unwrap(), org.partition_key().unwrap());
    }
}

/// Attribute names in camelCase (as other tools write them) make fields
/// of that name: the struct takes the user's `allow`, and nothing the
/// macro writes for the fields warns under `deny(warnings)`.
#[deny(warnings)]
mod camel_case_fields {
    use dynamo::prelude::*;

    dynamo_item! {
        #[allow(non_snake_case)]
        #[derive(Debug, Clone, PartialEq)]
        pub struct Camel {
            table_name "camels";
            field :userId: String, partition_key;
            field :displayName: Option<String>;
            field :Value: i64;
        }
    }

    #[test]
    fn camel_case_fields_round_trip() {
        let c = item!(Camel {
            userId: "u1",
            displayName: Some("Ada".to_owned()),
            Value: 3
        });
        let mut item = dynamo::Item::new();
        c.encode_item(&mut item);
        assert_eq!(item.get("displayName"), Some(&dynamo::Value::from("Ada")));
        assert_eq!(Camel::decode_item(&mut item.clone()).unwrap(), c);
    }
}

/// A bare `None` has no type of its own: `updates!` and `values!` take it
/// as the docs show (it failed to compile, asking for a type annotation).
#[test]
fn a_bare_none_in_updates_and_values() {
    let u = updates! { nickname: None, count: {:increment, 1}, role: {:if_not_exists, None} };
    assert_eq!(
        u.actions(),
        [
            ("nickname".to_owned(), UpdateOp::Set(Value::Null)),
            ("count".to_owned(), UpdateOp::Increment(Value::from(1))),
            ("role".to_owned(), UpdateOp::IfNotExists(Value::Null)),
        ]
    );
    let typed = updates!(%{nickname: None::<String>});
    assert_eq!(typed.actions()[0].1, UpdateOp::Set(Value::Null));
    let v = values! {":gone" => None, ":n" => 1};
    assert_eq!(v[":gone"], Value::Null);
    assert_eq!(v[":n"], Value::from(1));
}

/// A `default:` may call a function that shares its name with a field read
/// before it: the value of a missing field is made where the fields read
/// so far cannot shadow it (it failed to compile).
mod defaults_named_like_fields {
    use dynamo::prelude::*;

    fn region() -> String {
        "eu".to_owned()
    }

    dynamo_item! {
        #[derive(Debug, Clone, PartialEq)]
        pub struct Site {
            table_name "sites";
            field :id: String, partition_key;
            field :region: String, default: region();
            field :home: String, default: region();
            field :role: String, default: (Self::ROLE);
        }
    }

    impl Site {
        const ROLE: &str = "viewer";
    }

    #[test]
    fn defaults_fill_missing_fields() {
        let mut item = dynamo::Item::new();
        item.insert("id".into(), Value::from("s1"));
        item.insert("region".into(), Value::from("us"));
        let s = Site::decode_item(&mut item).unwrap();
        assert_eq!((s.region.as_str(), s.home.as_str()), ("us", "eu"));
        assert_eq!(s.role, "viewer");
        assert_eq!(item!(Site { id: "s2" }).home, "eu");
    }
}
