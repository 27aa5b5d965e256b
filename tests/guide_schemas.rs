//! Every schema of the guide (`Agents.md`), written as `dynamo_item!` blocks
//! in the Rust struct spelling, one module per guide section, with the keys
//! the guide promises. No network: operations are covered by the integration
//! tests; here only what a schema builds. (`tests/guide/` ports the same
//! blocks with the guide's own `defmodule` header and `%X{…}` records; both
//! spellings define the same struct.)
//!
//! Transcription rules: `defmodule MyApp.X do use Dynamo.Schema; item do … end
//! end` becomes `dynamo_item! { pub struct X { … } }`; untyped Elixir fields
//! stay untyped (`dynamo::Value`); `%X{a: 1}` becomes `item!(X { a: 1 })`;
//! keyword lists become `opts![…]`. Where the guide's prose promises something
//! the library does not do, the test follows `API.md` and says so.

use dynamo::prelude::*;

/// `sort_key()`, for terse assertions.
fn sk<T: Schema>(item: &T) -> Option<String> {
    item.sort_key()
}

// =============================================================================
// Understanding the DSL
// =============================================================================

mod understanding_the_dsl {
    use super::*;

    /// "Basic Schema Structure": `MyApp.Entity`.
    pub mod basic_schema_structure {
        use super::*;

        dynamo_item! {
            #[derive(Debug, Clone, PartialEq)]
            pub struct Entity {
                table_name "table_name";

                field :field_name, partition_key: true;
                field :another_field, sort_key: true;
                field :regular_field;
                field :with_default, default: "value";
            }
        }
    }

    /// "Schema Options": the options of `use Dynamo.Schema`.
    pub mod schema_options {
        use super::*;

        dynamo_item! {
            #[derive(Debug, Clone, PartialEq)]
            pub struct Entity {
                use Dynamo.Schema,
                    key_separator: "#",      // Separator for composite keys (default: "#")
                    prefix_sort_key: true;   // Include field name prefix in sort key
                table_name "table_name";

                field :user_id, partition_key: true;
                field :order_date, sort_key: true;
                field :order_id, sort_key: true;
            }
        }
    }

    /// "Alternative Key Definition": keys as lists.
    pub mod alternative_key_definition {
        use super::*;

        dynamo_item! {
            #[derive(Debug, Clone, PartialEq)]
            pub struct Order {
                table_name "orders";

                field :tenant_id;
                field :customer_id;
                field :order_date;
                field :order_id;

                partition_key [:tenant_id, :customer_id];
                sort_key [:order_date, :order_id];
            }
        }
    }

    #[test]
    fn basic_schema_structure_keys_and_default() {
        use basic_schema_structure::Entity;
        let e = item!(Entity {
            field_name: "a",
            another_field: "b"
        });
        assert_eq!(e.partition_key().unwrap(), "a");
        assert_eq!(sk(&e).as_deref(), Some("b"));
        assert!(e.regular_field.is_null());
        assert_eq!(e.with_default, "value");
        assert_eq!(Entity::table_name(), "table_name");
        assert_eq!(Entity::schema().partition_key, &["field_name"]);
        assert_eq!(Entity::schema().sort_key, &["another_field"]);
    }

    #[test]
    fn schema_options_prefix_the_sort_key() {
        use schema_options::Entity;
        let e = item!(Entity {
            user_id: "u1",
            order_date: "2024-01-15",
            order_id: "order789"
        });
        assert_eq!(e.partition_key().unwrap(), "u1");
        assert_eq!(
            sk(&e).as_deref(),
            Some("order_date#2024-01-15#order_id#order789")
        );
        assert_eq!(Entity::schema().options.prefix_sort_key, Some(true));
        assert_eq!(Entity::schema().options.key_separator, Some("#"));
    }

    #[test]
    fn alternative_key_definition_generates_the_guide_keys() {
        use alternative_key_definition::Order;
        let o = item!(Order {
            tenant_id: "tenant123",
            customer_id: "customer456",
            order_date: "2024-01-15",
            order_id: "order789",
        });
        // "This generates keys like: PK: tenant123#customer456, SK: 2024-01-15#order789"
        assert_eq!(o.partition_key().unwrap(), "tenant123#customer456");
        assert_eq!(sk(&o).as_deref(), Some("2024-01-15#order789"));
    }
}

// =============================================================================
// Schema Design Decisions
// =============================================================================

mod schema_design_decisions {
    use super::*;

    /// "Single-Table Design": two entities in `app_data`.
    pub mod single_table_design {
        use super::*;

        dynamo_item! {
            #[derive(Debug, Clone, PartialEq)]
            pub struct UserEntity {
                table_name "app_data";

                field :entity_type, default: "USER";
                field :user_id, partition_key: true;
                field :sk_type, sort_key: true, default: "PROFILE";
                field :email;
                field :name;
            }
        }

        dynamo_item! {
            #[derive(Debug, Clone, PartialEq)]
            pub struct UserOrder {
                table_name "app_data";

                field :entity_type, default: "ORDER";
                field :user_id, partition_key: true;
                field :order_id, sort_key: true;
                field :total;
                field :status;
            }
        }
    }

    #[test]
    fn user_entity_and_user_order_share_a_partition() {
        use single_table_design::{UserEntity, UserOrder};
        let profile = item!(UserEntity {
            user_id: "user123",
            email: "a@example.com"
        });
        let order = item!(UserOrder {
            user_id: "user123",
            order_id: "order789",
            total: 99.5
        });
        assert_eq!(UserEntity::table_name(), UserOrder::table_name());
        // Same table, same partition: one query on "user123" reads both.
        // (The guide says "use prefixes to distinguish entity types"; the
        // library adds none — `entity_type` is an ordinary attribute and the
        // partition key is the plain `user_id`, per API.md §3.)
        assert_eq!(profile.partition_key().unwrap(), "user123");
        assert_eq!(
            order.partition_key().unwrap(),
            profile.partition_key().unwrap()
        );
        assert_eq!(sk(&profile).as_deref(), Some("PROFILE"));
        assert_eq!(sk(&order).as_deref(), Some("order789"));
        assert_eq!(profile.entity_type, "USER");
        assert_eq!(order.entity_type, "ORDER");
        let written = dynamo::encoder::encode_with_keys(&order).unwrap();
        assert_eq!(written["pk"], "user123");
        assert_eq!(written["sk"], "order789");
        assert_eq!(written["entity_type"], "ORDER");
        assert_eq!(written["total"], Value::from(99.5));
    }
}

// =============================================================================
// Partition Key Strategies
// =============================================================================

mod partition_key_strategies {
    use super::*;

    /// "Strategy 1: Natural Unique Identifier".
    pub mod natural_unique_identifier {
        use super::*;

        dynamo_item! {
            #[derive(Debug, Clone, PartialEq)]
            pub struct User {
                table_name "users";
                field :user_id, partition_key: true;  // UUID or unique ID
            }
        }
    }

    /// "Strategy 2: Composite Partition Key".
    pub mod composite_partition_key {
        use super::*;

        dynamo_item! {
            #[derive(Debug, Clone, PartialEq)]
            pub struct TenantEntity {
                table_name "saas_data";
                field :tenant_id;
                field :entity_type;
                field :entity_id, sort_key: true;
                partition_key [:tenant_id, :entity_type];
            }
        }
    }

    /// "Strategy 3: Write Sharding": `MyApp.Counter` and its helper.
    pub mod write_sharding {
        use super::*;

        dynamo_item! {
            #[derive(Debug, Clone, PartialEq)]
            pub struct Counter {
                table_name "counters";

                field :counter_name;
                field :shard, partition_key: true;  // counter_name#0, counter_name#1, etc.
                field :count, default: 0;
            }
        }

        impl Counter {
            /// `def sharded_key(name), do: "#{name}##{:rand.uniform(10) - 1}"`:
            /// `:rand.uniform(10)` is 1..=10, so the shard is 0..=9.
            pub fn sharded_key(name: &str) -> String {
                format!("{name}#{}", fastrand::u32(1..=10) - 1)
            }
        }
    }

    #[test]
    fn natural_unique_identifier() {
        use natural_unique_identifier::User;
        let u = item!(User {
            user_id: "550e8400-e29b-41d4-a716-446655440000"
        });
        assert_eq!(
            u.partition_key().unwrap(),
            "550e8400-e29b-41d4-a716-446655440000"
        );
        assert_eq!(sk(&u), None);
        assert!(!User::schema().has_sort_key(), "hash-only table");
    }

    #[test]
    fn composite_partition_key_results_in_tenant_and_type() {
        use composite_partition_key::TenantEntity;
        let e = item!(TenantEntity {
            tenant_id: "tenant123",
            entity_type: "USER",
            entity_id: "u1"
        });
        // "# Results in: "tenant123#USER""
        assert_eq!(e.partition_key().unwrap(), "tenant123#USER");
    }

    #[test]
    fn write_sharding_spreads_a_counter_over_ten_shards() {
        use write_sharding::Counter;
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..500 {
            let key = Counter::sharded_key("page_views");
            let c = item!(Counter {
                counter_name: "page_views",
                shard: key.clone()
            });
            assert_eq!(c.count, 0);
            // The shard value contains the separator and is kept whole.
            assert_eq!(c.partition_key().unwrap(), key);
            let n: u32 = key.strip_prefix("page_views#").unwrap().parse().unwrap();
            assert!(n <= 9, "{key}");
            seen.insert(n);
        }
        assert_eq!(seen.len(), 10, "all ten shards are used: {seen:?}");
    }
}

// =============================================================================
// Sort Key Strategies
// =============================================================================

mod sort_key_strategies {
    use super::*;

    /// "Strategy 1: Hierarchical Data".
    pub mod hierarchical_data {
        use super::*;

        dynamo_item! {
            #[derive(Debug, Clone, PartialEq)]
            pub struct Order {
                table_name "orders";
                field :user_id;
                field :order_date;
                field :order_id;
                field :total;
                // Access pattern: Get all orders for a user, filter by date
                partition_key [:user_id];
                sort_key [:order_date, :order_id];
            }
        }
    }

    /// "Strategy 2: Entity Type Prefix".
    pub mod entity_type_prefix {
        use super::*;

        dynamo_item! {
            #[derive(Debug, Clone, PartialEq)]
            pub struct Entity {
                table_name "entities";
                field :user_id, partition_key: true;
                field :entity_type;
                field :entity_id;
                // Store multiple entity types, query by type
                sort_key [:entity_type, :entity_id];
            }
        }
    }

    /// "Strategy 3: Time-Based Ordering".
    pub mod time_based_ordering {
        use super::*;

        dynamo_item! {
            #[derive(Debug, Clone, PartialEq)]
            pub struct Item {
                table_name "items";
                field :user_id, partition_key: true;
                // Access pattern: Recent items first
                field :created_at, sort_key: true;
            }
        }
    }

    /// "Strategy 4: Composite Sort Key for Multiple Access Patterns".
    pub mod composite_sort_key {
        use super::*;

        dynamo_item! {
            #[derive(Debug, Clone, PartialEq)]
            pub struct Order {
                table_name "orders";
                field :user_id, partition_key: true;
                field :status;
                field :created_at;
                field :order_id;
                sort_key [:status, :created_at, :order_id];
            }
        }
    }

    #[test]
    fn hierarchical_data() {
        use hierarchical_data::Order;
        let o = item!(Order {
            user_id: "user123",
            order_date: "2024-01-15",
            order_id: "order123"
        });
        // "# SK: "2024-01-15#order123""
        assert_eq!(sk(&o).as_deref(), Some("2024-01-15#order123"));
        // "Query: All orders after a date": the key's set fields make a partial
        // sort key, compared with `:gte`.
        let query = item!(Order {
            user_id: "user123",
            order_date: "2024-01-01"
        });
        assert_eq!(query.partition_key().unwrap(), "user123");
        assert_eq!(sk(&query).as_deref(), Some("2024-01-01"));
        let opts = opts![sk_operator: :gte];
        assert_eq!(opts.sk_operator, Some(SkOperator::Gte));
    }

    #[test]
    fn entity_type_prefix() {
        use entity_type_prefix::Entity;
        let order = item!(Entity {
            user_id: "user123",
            entity_type: "ORDER",
            entity_id: "order123"
        });
        let profile = item!(Entity {
            user_id: "user123",
            entity_type: "PROFILE",
            entity_id: "profile456"
        });
        // "# SK: "ORDER#order123" or "PROFILE#profile456""
        assert_eq!(sk(&order).as_deref(), Some("ORDER#order123"));
        assert_eq!(sk(&profile).as_deref(), Some("PROFILE#profile456"));
        // "Query: All orders for user" with `sk_operator: :begins_with`.
        let query = item!(Entity {
            user_id: "user123",
            entity_type: "ORDER"
        });
        assert_eq!(sk(&query).as_deref(), Some("ORDER"));
        assert_eq!(
            opts![sk_operator: :begins_with].sk_operator,
            Some(SkOperator::BeginsWith)
        );
    }

    #[test]
    fn time_based_ordering() {
        use time_based_ordering::Item;
        let i = item!(Item {
            user_id: "user123",
            created_at: "2024-01-15T10:30:00Z"
        });
        assert_eq!(sk(&i).as_deref(), Some("2024-01-15T10:30:00Z"));
        // "Query descending (newest first)": no sort-key field set → the whole
        // partition, in reverse.
        let query = item!(Item { user_id: "user123" });
        assert_eq!(sk(&query), None);
        assert_eq!(
            opts![scan_index_forward: false].scan_index_forward,
            Some(false)
        );
    }

    #[test]
    fn composite_sort_key_for_multiple_access_patterns() {
        use composite_sort_key::Order;
        let o = item!(Order {
            user_id: "user123",
            status: "PENDING",
            created_at: "2024-01-15T10:30:00Z",
            order_id: "order123",
        });
        // "# SK: "PENDING#2024-01-15T10:30:00Z#order123""
        assert_eq!(
            sk(&o).as_deref(),
            Some("PENDING#2024-01-15T10:30:00Z#order123")
        );

        // "Query: All pending orders" (`:begins_with` on the partial key).
        let pending = item!(Order {
            user_id: "user123",
            status: "PENDING"
        });
        assert_eq!(sk(&pending).as_deref(), Some("PENDING"));

        // "Query: Pending orders after date": the guide writes this with
        // `sk_operator: :begins_with`, which (per API.md §5, an explicit
        // operator applies to the built partial key) matches sort keys that
        // *begin with* "PENDING#2024-01-01" — pending orders created on that
        // day — not orders after it. "After" needs a range condition, e.g.
        // `:between` with `sk_end: "PENDING#~"`.
        let after = item!(Order {
            user_id: "user123",
            status: "PENDING",
            created_at: "2024-01-01"
        });
        assert_eq!(sk(&after).as_deref(), Some("PENDING#2024-01-01"));
        let range = opts![sk_operator: :between, sk_end: "PENDING#~"];
        assert_eq!(range.sk_operator, Some(SkOperator::Between));
    }
}

// =============================================================================
// DynamoDB Best Practices
// =============================================================================

mod dynamodb_best_practices {
    use super::*;

    /// "2. Item Size Optimization": an S3 reference instead of content.
    pub mod item_size_optimization {
        use super::*;

        dynamo_item! {
            #[derive(Debug, Clone, PartialEq)]
            pub struct Document {
                table_name "documents";
                field :document_id, partition_key: true;
                // Store S3 reference instead of large content
                field :document_s3_key;  // "bucket/path/to/document.pdf"
                field :document_metadata;  // Small metadata only
            }
        }
    }

    /// "3. Efficient Queries": the `MyApp.User` queried by tenant.
    pub mod efficient_queries {
        use super::*;

        dynamo_item! {
            #[derive(Debug, Clone, PartialEq)]
            pub struct User {
                table_name "tenant_users";
                field :tenant_id, partition_key: true;
                field :user_id, sort_key: true;
                field :email;
                field :name;
                field :active: bool, default: true;
            }
        }
    }

    /// "4. Batch Operations": `MyApp.Product` (used, not declared, by the guide).
    pub mod batch_operations {
        use super::*;

        dynamo_item! {
            #[derive(Debug, Clone, PartialEq)]
            pub struct Product {
                table_name "products";
                field :category, partition_key: true;
                field :id, sort_key: true;
                field :name;
            }
        }
    }

    /// "5. Use GSIs Strategically".
    pub mod use_gsis_strategically {
        use super::*;

        dynamo_item! {
            #[derive(Debug, Clone, PartialEq)]
            pub struct User {
                table_name "users";

                field :user_id, partition_key: true;
                field :created_at, sort_key: true;
                field :email;
                field :status;

                // GSI for email lookups
                global_secondary_index "EmailIndex", partition_key: :email;

                // GSI for status queries with time ordering
                global_secondary_index "StatusIndex",
                    partition_key: :status,
                    sort_key: :created_at,
                    projection: :keys_only;  // Minimize storage cost
            }
        }
    }

    /// "7. Transactions for Consistency": `%Account{id: …, balance: …}`.
    pub mod transactions_for_consistency {
        use super::*;

        dynamo_item! {
            #[derive(Debug, Clone, PartialEq)]
            pub struct Account {
                table_name "accounts";
                field :id, partition_key: true;
                field :balance: i64, default: 0;
            }
        }
    }

    /// "8. TTL for Data Lifecycle".
    pub mod ttl_for_data_lifecycle {
        use super::*;

        dynamo_item! {
            #[derive(Debug, Clone, PartialEq)]
            pub struct Session {
                table_name "sessions";
                field :session_id, partition_key: true;
                field :ttl;  // Unix timestamp for expiration
            }
        }
    }

    #[test]
    fn item_size_optimization() {
        use item_size_optimization::Document;
        let d = item!(Document {
            document_id: "d1",
            document_s3_key: "bucket/path/to/document.pdf",
            document_metadata: Value::from(std::collections::BTreeMap::from([("pages", 12)])),
        });
        let map = dynamo::encoder::encode(&d);
        assert_eq!(map["document_s3_key"], "bucket/path/to/document.pdf");
        assert_eq!(
            map["document_metadata"].get("pages"),
            Some(&Value::from(12))
        );
    }

    #[test]
    fn efficient_queries_use_a_projection() {
        use efficient_queries::User;
        let key = item!(User {
            tenant_id: "tenant123"
        });
        assert_eq!(key.partition_key().unwrap(), "tenant123");
        assert_eq!(sk(&key), None);
        let o = opts![
            projection_expression: "user_id, email, #name",
            expression_attribute_names: {"#name" => "name"}
        ];
        assert_eq!(
            o.projection_expression.as_deref(),
            Some("user_id, email, #name")
        );
        assert_eq!(
            o.expression_attribute_names
                .get("#name")
                .map(String::as_str),
            Some("name")
        );
    }

    #[test]
    fn batch_operations_build_25_items() {
        use batch_operations::Product;
        let items: Vec<Product> = (1..=25)
            .map(|i| {
                item!(Product {
                    category: "electronics",
                    id: format!("prod-{i}"),
                    name: format!("Product {i}")
                })
            })
            .collect();
        assert_eq!(items.len(), 25);
        assert!(
            items
                .iter()
                .all(|p| p.partition_key().unwrap() == "electronics")
        );
        assert_eq!(sk(&items[24]).as_deref(), Some("prod-25"));
    }

    #[test]
    fn gsis_are_declared_with_their_keys_and_projection() {
        use dynamo::Projection;
        use use_gsis_strategically::User;
        let s = User::schema();
        let email = s.index("EmailIndex").unwrap();
        assert_eq!(email.partition_key, ["email"]);
        assert!(email.sort_key.is_empty());
        assert_eq!(email.projection, Projection::All);
        let status = s.index("StatusIndex").unwrap();
        assert_eq!(
            (status.partition_key, status.sort_key),
            (&["status"][..], &["created_at"][..])
        );
        assert_eq!(status.projection, Projection::KeysOnly);
        // GSI keys are the fields' own attributes, never "empty", never prefixed.
        let u = item!(User {
            user_id: "u1",
            created_at: "2024-01-02",
            email: "user@example.com",
            status: "active"
        });
        let written = dynamo::encoder::encode_with_keys(&u).unwrap();
        assert_eq!(written["email"], "user@example.com");
        assert_eq!(written["status"], "active");
        // "Query by email": only the index's key fields are set.
        let by_email = item!(User {
            email: "user@example.com"
        });
        assert_eq!(by_email.email, "user@example.com");
        assert_eq!(
            opts![index_name: "EmailIndex"].index_name.as_deref(),
            Some("EmailIndex")
        );
        // "Query by status with time range".
        let o = opts![index_name: "StatusIndex", sk_operator: :gte];
        assert_eq!(
            (o.index_name.as_deref(), o.sk_operator),
            (Some("StatusIndex"), Some(SkOperator::Gte))
        );
    }

    #[test]
    fn transactions_for_consistency() {
        use transactions_for_consistency::Account;
        let source = item!(Account { id: "source" });
        let dest = item!(Account { id: "dest" });
        assert_eq!(source.partition_key().unwrap(), "source");
        assert_eq!(dest.partition_key().unwrap(), "dest");
        // The guide passes `%{":amount" => %{"N" => "100"}}`, a raw attribute
        // value; in Rust values go through `Into<Value>` (API.md §5).
        let values = values! {":amount" => 100};
        assert_eq!(values[":amount"], Value::from(100));
        let u = updates! { balance: {:decrement, 100} };
        assert_eq!(u.actions()[0].1, UpdateOp::Decrement(Value::from(100)));
        let u = updates! { balance: {:increment, 100} };
        assert_eq!(u.actions()[0].1, UpdateOp::Increment(Value::from(100)));
    }

    #[test]
    fn ttl_is_an_ordinary_number_attribute() {
        use ttl_for_data_lifecycle::Session;
        let s = item!(Session {
            session_id: "s1",
            ttl: 1_705_312_200
        });
        assert_eq!(
            dynamo::encoder::encode(&s)["ttl"].as_i64(),
            Some(1_705_312_200)
        );
    }
}

// =============================================================================
// Phoenix Contexts
// =============================================================================

mod phoenix_contexts {
    use super::*;

    /// `MyApp.Accounts` and its schema `MyApp.Accounts.User`.
    pub mod accounts {
        use super::*;

        dynamo_item! {
            #[derive(Debug, Clone, PartialEq)]
            pub struct User {
                table_name "users";

                field :id, partition_key: true;
                field :email, sort_key: true;
                field :name;
                field :role, default: "user";
                field :inserted_at;

                global_secondary_index "EmailIndex", partition_key: :email;
            }
        }

        /// The struct `create_user/1` builds before `User.put_item(user)`.
        pub fn new_user(email: &str, name: &str, role: Option<&str>) -> User {
            item!(User {
                id: generate_id(),
                email: email,
                name: name,
                role: role.unwrap_or("user"),
                inserted_at: "2024-01-15T10:30:00Z",
            })
        }

        /// `"user_" <> Base.url_encode64(:crypto.strong_rand_bytes(16), padding: false)`
        /// (here: 16 random bytes as hex; the format does not matter to keys).
        fn generate_id() -> String {
            format!("user_{:032x}", fastrand::u128(..))
        }
    }

    /// `MyApp.Organizations` and its schema `MyApp.Organizations.Member`.
    pub mod organizations {
        use super::*;

        dynamo_item! {
            #[derive(Debug, Clone, PartialEq)]
            pub struct Member {
                table_name "org_members";
                field :org_id, partition_key: true;
                field :user_id, sort_key: true;
                field :role;
                field :joined_at;
            }
        }

        /// The struct `add_member/3` builds (`role \\ "member"`).
        pub fn new_member(org_id: &str, user_id: &str, role: Option<&str>) -> Member {
            item!(Member {
                org_id: org_id,
                user_id: user_id,
                role: role.unwrap_or("member"),
                joined_at: "2024-01-15T10:30:00Z",
            })
        }
    }

    #[test]
    fn accounts_user() {
        use accounts::User;
        let u = accounts::new_user("ada@example.com", "Ada", None);
        assert!(u.id.as_str().unwrap().starts_with("user_"));
        assert_eq!(u.role, "user");
        assert_eq!(u.partition_key().unwrap(), u.id.as_str().unwrap());
        assert_eq!(sk(&u).as_deref(), Some("ada@example.com"));
        // `get_user(id, email)`: both key fields → a complete key.
        let key = item!(User {
            id: "user_1",
            email: "ada@example.com"
        });
        assert_eq!(
            key.primary_key().unwrap().sort,
            Some(("sk".to_owned(), "ada@example.com".to_owned()))
        );
        // `get_user_by_email(email)`: EmailIndex, keyed by the email attribute.
        assert_eq!(
            User::schema().index("EmailIndex").unwrap().partition_key,
            ["email"]
        );
        // `update_user`: `%{user | name: …}`.
        let updated = User {
            name: Value::from("Ada L."),
            ..u.clone()
        };
        assert_eq!(updated.partition_key().unwrap(), u.partition_key().unwrap());
        assert_eq!(
            accounts::new_user("b@example.com", "B", Some("admin")).role,
            "admin"
        );
    }

    #[test]
    fn organizations_member() {
        use organizations::Member;
        let m = organizations::new_member("org1", "user_1", None);
        assert_eq!(m.role, "member");
        assert_eq!(m.partition_key().unwrap(), "org1");
        assert_eq!(sk(&m).as_deref(), Some("user_1"));
        // `list_members(org_id)`: the whole partition.
        let key = item!(Member { org_id: "org1" });
        assert_eq!(key.partition_key().unwrap(), "org1");
        assert_eq!(sk(&key), None);
    }
}

// =============================================================================
// Common Patterns
// =============================================================================

mod common_patterns {
    use super::*;

    /// "Pattern 1: User with Related Entities".
    pub mod user_with_related_entities {
        use super::*;

        dynamo_item! {
            #[derive(Debug, Clone, PartialEq)]
            pub struct UserData {
                table_name "user_data";

                field :user_id, partition_key: true;
                field :sk, sort_key: true;  // "PROFILE", "ORDER#123", "ADDRESS#home"
                // ... other fields
            }
        }
    }

    /// "Pattern 2: Time-Series Data".
    pub mod time_series_data {
        use super::*;

        dynamo_item! {
            #[derive(Debug, Clone, PartialEq)]
            pub struct Metric {
                table_name "metrics";

                field :device_id, partition_key: true;
                field :timestamp, sort_key: true;
                field :value;
                field :ttl;  // Auto-expire old data
            }
        }
    }

    /// "Pattern 3: Multi-Tenant Application".
    pub mod multi_tenant_application {
        use super::*;

        dynamo_item! {
            #[derive(Debug, Clone, PartialEq)]
            pub struct TenantEntity {
                table_name "saas_data";

                field :tenant_id;
                field :entity_type;
                field :entity_id;

                partition_key [:tenant_id];
                sort_key [:entity_type, :entity_id];
            }
        }
    }

    /// "Pattern 4: Adjacency List (Graph)".
    pub mod adjacency_list {
        use super::*;

        dynamo_item! {
            #[derive(Debug, Clone, PartialEq)]
            pub struct GraphEdge {
                table_name "graph";

                field :node_id, partition_key: true;
                field :edge, sort_key: true;  // "FOLLOWS#user456", "LIKED_BY#user789"
                field :created_at;
            }
        }
    }

    #[test]
    fn user_with_related_entities() {
        use user_with_related_entities::UserData;
        for s in ["PROFILE", "ORDER#123", "ADDRESS#home"] {
            let d = item!(UserData {
                user_id: "user123",
                sk: s
            });
            assert_eq!(d.partition_key().unwrap(), "user123");
            // A value containing the separator is written whole.
            assert_eq!(sk(&d).as_deref(), Some(s));
        }
        // "Query only orders": begins_with "ORDER" on the partial key.
        let q = item!(UserData {
            user_id: "user123",
            sk: "ORDER"
        });
        assert_eq!(sk(&q).as_deref(), Some("ORDER"));
        // "Query all user data": partition only.
        assert_eq!(sk(&item!(UserData { user_id: "user123" })), None);
    }

    #[test]
    fn time_series_data() {
        use time_series_data::Metric;
        let m = item!(Metric {
            device_id: "device123",
            timestamp: "2024-01-15T10:30:00Z",
            value: 21.5,
            ttl: 1_705_398_600
        });
        assert_eq!(m.partition_key().unwrap(), "device123");
        assert_eq!(sk(&m).as_deref(), Some("2024-01-15T10:30:00Z"));
        let o = opts![sk_operator: :gte, scan_index_forward: false];
        assert_eq!(
            (o.sk_operator, o.scan_index_forward),
            (Some(SkOperator::Gte), Some(false))
        );
    }

    #[test]
    fn multi_tenant_application() {
        use multi_tenant_application::TenantEntity;
        let e = item!(TenantEntity {
            tenant_id: "tenant123",
            entity_type: "USER",
            entity_id: "u1"
        });
        assert_eq!(e.partition_key().unwrap(), "tenant123");
        assert_eq!(sk(&e).as_deref(), Some("USER#u1"));
        // "All users for tenant".
        let q = item!(TenantEntity {
            tenant_id: "tenant123",
            entity_type: "USER"
        });
        assert_eq!(sk(&q).as_deref(), Some("USER"));
    }

    #[test]
    fn adjacency_list() {
        use adjacency_list::GraphEdge;
        let e = item!(GraphEdge {
            node_id: "user123",
            edge: "FOLLOWED_BY#user456"
        });
        assert_eq!(e.partition_key().unwrap(), "user123");
        assert_eq!(sk(&e).as_deref(), Some("FOLLOWED_BY#user456"));
        let followers = item!(GraphEdge {
            node_id: "user123",
            edge: "FOLLOWED_BY"
        });
        assert_eq!(sk(&followers).as_deref(), Some("FOLLOWED_BY"));
    }
}

// =============================================================================
// Anti-Patterns to Avoid
// =============================================================================

mod anti_patterns_to_avoid {
    use super::*;

    /// "2. Hot Partitions".
    pub mod hot_partitions {
        use super::*;

        dynamo_item! {
            /// ❌ Bad: All writes to same partition.
            #[derive(Debug, Clone, PartialEq)]
            pub struct DailyEventBad {
                table_name "events";
                field :date, partition_key: true;  // "2024-01-15" - all day's data in one partition
                field :event_id, sort_key: true;
            }
        }

        dynamo_item! {
            /// ✅ Good: Distribute writes.
            #[derive(Debug, Clone, PartialEq)]
            pub struct DailyEvent {
                table_name "events";
                field :date;
                field :shard;
                field :event_id, sort_key: true;
                partition_key [:date, :shard];  // "2024-01-15#3"
            }
        }
    }

    /// "3. Large Items".
    pub mod large_items {
        use super::*;

        dynamo_item! {
            #[derive(Debug, Clone, PartialEq)]
            pub struct Attachment {
                table_name "attachments";
                field :attachment_id, partition_key: true;
                // ✅ Good: Store reference
                field :s3_bucket;
                field :s3_key;
            }
        }
    }

    /// "4. Unbounded Lists in Items": one item per comment,
    /// "PK: post_id, SK: COMMENT#timestamp#comment_id".
    pub mod unbounded_lists {
        use super::*;

        dynamo_item! {
            #[derive(Debug, Clone, PartialEq)]
            pub struct Comment {
                table_name "posts";
                field :post_id, partition_key: true;
                field :kind, default: "COMMENT";
                field :timestamp;
                field :comment_id;
                field :body;
                sort_key [:kind, :timestamp, :comment_id];
            }
        }
    }

    #[test]
    fn hot_partitions() {
        use hot_partitions::{DailyEvent, DailyEventBad};
        let bad = item!(DailyEventBad {
            date: "2024-01-15",
            event_id: "e1"
        });
        assert_eq!(bad.partition_key().unwrap(), "2024-01-15");
        let good = item!(DailyEvent {
            date: "2024-01-15",
            shard: 3,
            event_id: "e1"
        });
        assert_eq!(good.partition_key().unwrap(), "2024-01-15#3");
        let missing = item!(DailyEvent {
            date: "2024-01-15",
            event_id: "e1"
        });
        let err = missing.partition_key().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ValidationError);
        assert!(err.message().contains("`shard`"), "{}", err.message());
    }

    #[test]
    fn large_items_store_a_reference() {
        use large_items::Attachment;
        let a = item!(Attachment {
            attachment_id: "a1",
            s3_bucket: "files",
            s3_key: "2024/a1.bin"
        });
        let map = dynamo::encoder::encode(&a);
        assert_eq!(map.len(), 3);
        assert!(dynamo::codec::item_size(&map) < 100);
    }

    #[test]
    fn unbounded_lists_become_items() {
        use unbounded_lists::Comment;
        let c = item!(Comment {
            post_id: "post1",
            timestamp: "2024-01-15T10:30:00Z",
            comment_id: "c9",
            body: "hi"
        });
        assert_eq!(c.partition_key().unwrap(), "post1");
        assert_eq!(sk(&c).as_deref(), Some("COMMENT#2024-01-15T10:30:00Z#c9"));
    }
}
