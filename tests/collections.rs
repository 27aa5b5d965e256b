//! Typed collections on the local engine: one query over a partition shared
//! by several schemas, every item handed back as its own type, with pages
//! and sort-key ranges.

mod support;

use dynamo::collection::{Collection, CollectionExt};
use dynamo::prelude::*;
use support::isolated;

dynamo_item! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct Customer {
        table_name "collection_shop";
        field :customer_id: String, partition_key;
        field :kind: String, sort_key, default: "PROFILE";
        field :name: String;
    }
}

dynamo_item! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct Order {
        table_name "collection_shop";
        field :customer_id: String;
        field :order_id: String, sort_key;
        field :total: f64;
        belongs_to :customer, Customer;
    }
}

dynamo_item! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct Address {
        table_name "collection_shop";
        field :customer_id: String;
        field :label: String, sort_key;
        field :city: String;
        belongs_to :customer, Customer;
    }
}

dynamo_item! {
    /// In the same partition, but not in the collection.
    #[derive(Debug, Clone, PartialEq)]
    pub struct Audit {
        table_name "collection_shop";
        field :customer_id: String;
        field :at: String, sort_key;
        belongs_to :customer, Customer;
    }
}

dynamo_item! {
    /// In the same partition, written with another type attribute: to the
    /// collection an item without a type that is none of its members'
    /// (as an older writer's would be).
    #[derive(Debug, Clone, PartialEq)]
    pub struct LegacyAudit {
        use Dynamo.Schema, type_attribute: "_kind";
        table_name "collection_shop";
        field :customer_id: String;
        field :at: String, sort_key;
        belongs_to :customer, Customer;
    }
}

dynamo_item! {
    /// In another table.
    #[derive(Debug, Clone, PartialEq)]
    pub struct Elsewhere {
        table_name "other_table";
        field :customer_id: String, partition_key;
    }
}

dynamo::collection! {
    /// A customer's partition: profile, orders and addresses.
    #[derive(Debug, Clone, PartialEq)]
    pub enum CustomerItems {
        Customer(Customer),
        Order(Order),
        Address(Address),
    }
}

dynamo_item! {
    /// Another schema storing its items as `Customer`'s type.
    #[derive(Debug, Clone, PartialEq)]
    pub struct Lookalike {
        use Dynamo.Schema, type_name: "Customer";
        table_name "collection_shop";
        field :customer_id: String;
        field :code: String, sort_key;
        belongs_to :customer, Customer;
    }
}

dynamo::collection! {
    /// Two members of one type name: the second would never be read.
    #[derive(Debug)]
    pub enum SameType {
        Customer(Customer),
        Lookalike(Lookalike),
    }
}

dynamo::collection! {
    #[derive(Debug)]
    pub enum Mixed {
        Customer(Customer),
        Elsewhere(Elsewhere),
    }
}

async fn shop() {
    Customer::create_table().await.unwrap();
    Customer::put_item(item!(Customer {
        customer_id: "c1",
        name: "Ada"
    }))
    .await
    .unwrap();
    for i in 0..5 {
        Order::put_item(item!(Order {
            customer_id: "c1",
            order_id: format!("o{i}"),
            total: f64::from(i)
        }))
        .await
        .unwrap();
    }
    for (label, city) in [("home", "Paris"), ("work", "Lyon")] {
        Address::put_item(item!(Address {
            customer_id: "c1",
            label,
            city
        }))
        .await
        .unwrap();
    }
    Audit::put_item(item!(Audit {
        customer_id: "c1",
        at: "2024-01-01"
    }))
    .await
    .unwrap();
    // Another customer's partition.
    Order::put_item(item!(Order {
        customer_id: "c2",
        order_id: "o9",
        total: 9.0
    }))
    .await
    .unwrap();
}

fn tally(items: &[CustomerItems]) -> (usize, usize, usize) {
    let mut t = (0, 0, 0);
    for i in items {
        match i {
            CustomerItems::Customer(c) => {
                assert_eq!(c.name, "Ada");
                t.0 += 1;
            }
            CustomerItems::Order(o) => {
                assert_eq!(o.customer_id, "c1");
                t.1 += 1;
            }
            CustomerItems::Address(a) => {
                assert!(["Paris", "Lyon"].contains(&a.city.as_str()));
                t.2 += 1;
            }
        }
    }
    t
}

#[tokio::test]
async fn one_query_reads_three_entity_types_each_as_its_own() {
    isolated(async {
        shop().await;
        // No sort-key value (the default "PROFILE" cleared): the whole
        // partition.
        let key = item!(Customer {
            customer_id: "c1",
            kind: ""
        });
        let all = CustomerItems::list_items(&key, opts![]).await.unwrap();
        // The audit entry is in the partition but not in the collection.
        assert_eq!(tally(&all), (1, 5, 2), "{all:?}");
        // A child's key with no sort field reads that child's kind, as its
        // own list_items does.
        let orders = CustomerItems::list_items(&item!(Order { customer_id: "c1" }), opts![])
            .await
            .unwrap();
        assert_eq!(tally(&orders), (0, 5, 0));
        assert_eq!(CustomerItems::MEMBERS.len(), 3);

        // An item without a type that is no member's is read (the server
        // cannot tell) and left out; a page does not count it as matched.
        LegacyAudit::put_item(item!(LegacyAudit {
            customer_id: "c1",
            at: "2024-02-01"
        }))
        .await
        .unwrap();
        let page = CustomerItems::query_page(&key, opts![]).await.unwrap();
        assert_eq!(tally(&page.items), (1, 5, 2));
        assert_eq!(page.count, 8, "{page:?}");
        assert_eq!(page.scanned_count, 10, "{page:?}");
    })
    .await;
}

/// A projection that names none of the type attribute or the key fields:
/// the members are still told apart (the crate asks for what it needs).
#[tokio::test]
async fn a_projection_keeps_every_members_items() {
    isolated(async {
        shop().await;
        let key = item!(Customer {
            customer_id: "c1",
            kind: ""
        });
        let all = CustomerItems::list_items(
            &key,
            opts![projection_expression: "#n, total, city", expression_attribute_names: %{"#n" => "name"}],
        )
        .await
        .unwrap();
        assert_eq!(tally(&all), (1, 5, 2), "{all:?}");
        let page = CustomerItems::query_page(&key, opts![projection_expression: "city"])
            .await
            .unwrap();
        assert_eq!(page.items.len(), 8, "{:?}", page.items);
    })
    .await;
}

#[tokio::test]
async fn collections_page_and_take_sort_key_ranges() {
    isolated(async {
        shop().await;
        let key = item!(Customer {
            customer_id: "c1",
            kind: ""
        });
        // Pages of 3 until the end: every item once.
        let mut seen: Vec<CustomerItems> = Vec::new();
        let mut start: Option<Key> = None;
        let mut pages = 0;
        loop {
            let page = CustomerItems::query_page(
                &key,
                opts![limit: 3, exclusive_start_key: start.clone()],
            )
            .await
            .unwrap();
            pages += 1;
            seen.extend(page.items);
            match page.last_evaluated_key {
                Some(k) => start = Some(k),
                None => break,
            }
        }
        assert!(pages >= 3, "{pages}");
        assert_eq!(tally(&seen), (1, 5, 2));
        // `limit` on list_items stops after that many.
        let first = CustomerItems::list_items(&key, opts![limit: 4, page_size: 2])
            .await
            .unwrap();
        assert_eq!(first.len(), 4);
        // A sort-key range: the orders o1..o3 ("order#o1" to "order#o3").
        let o1 = item!(Order {
            customer_id: "c1",
            order_id: "o1"
        });
        let range = CustomerItems::list_items(&o1, opts![sk_operator: :between, sk_end: "o3"])
            .await
            .unwrap();
        let ids: Vec<&str> = range
            .iter()
            .map(|i| match i {
                CustomerItems::Order(o) => o.order_id.as_str(),
                other => panic!("not an order: {other:?}"),
            })
            .collect();
        assert_eq!(ids, ["o1", "o2", "o3"]);
    })
    .await;
}

#[tokio::test]
async fn a_key_outside_the_collection_or_table_is_refused() {
    isolated(async {
        let e = CustomerItems::list_items(&item!(Audit { customer_id: "c1" }), opts![])
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ValidationError);
        assert!(e.message().contains("`Audit`"), "{}", e.message());
        assert!(
            e.message().contains("not one of its members"),
            "{}",
            e.message()
        );
        let e = Mixed::list_items(&item!(Customer { customer_id: "c1" }), opts![])
            .await
            .unwrap_err();
        assert!(e.message().contains("other_table"), "{}", e.message());
        let e = SameType::list_items(&item!(Customer { customer_id: "c1" }), opts![])
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ValidationError);
        assert!(
            e.message()
                .contains("`Customer` and `Lookalike` both store")
                && e.message().contains("type `Customer`"),
            "{}",
            e.message()
        );
    })
    .await;
}

dynamo_item! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct Account {
        table_name "collection_accounts";
        field :account_id: String, partition_key;
        field :kind: String, sort_key, default: "ACCOUNT";
        field :closes_at: Option<i64>, ttl;
    }
}

dynamo_item! {
    /// Its own time to live, in another attribute; `closes_at` is a plain
    /// number here.
    #[derive(Debug, Clone, PartialEq)]
    pub struct Session {
        table_name "collection_accounts";
        field :account_id: String;
        field :token: String, sort_key;
        field :expires_at: Option<i64>, ttl;
        field :closes_at: i64;
        belongs_to :account, Account;
    }
}

dynamo::collection! {
    #[derive(Debug, Clone, PartialEq)]
    pub enum AccountItems {
        Account(Account),
        Session(Session),
    }
}

/// Each member's own time to live decides whether its items are left out:
/// a session past its `expires_at` is hidden, one whose plain `closes_at`
/// number is in the past is not (the collection once filtered every item
/// by the key schema's `ttl` attribute alone).
#[tokio::test]
async fn a_collection_hides_each_members_expired_items_by_its_own_ttl() {
    isolated(async {
        Account::create_table().await.unwrap();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        Account::put_item(item!(Account {
            account_id: "a1",
            closes_at: Some(now + 3600)
        }))
        .await
        .unwrap();
        for (token, expires_at) in [("live", now + 3600), ("expired", now - 3600)] {
            Session::put_item(item!(Session {
                account_id: "a1",
                token,
                expires_at: Some(expires_at),
                closes_at: now - 7200
            }))
            .await
            .unwrap();
        }
        let key = item!(Account {
            account_id: "a1",
            kind: ""
        });
        let tokens = |items: &[AccountItems]| -> Vec<String> {
            items
                .iter()
                .map(|i| match i {
                    AccountItems::Account(_) => "account".to_owned(),
                    AccountItems::Session(s) => s.token.clone(),
                })
                .collect()
        };
        let items = AccountItems::list_items(&key, opts![]).await.unwrap();
        assert_eq!(tokens(&items), ["account", "live"]);
        let all = AccountItems::list_items(&key, opts![include_expired: true])
            .await
            .unwrap();
        assert_eq!(tokens(&all), ["account", "expired", "live"]);
        // A page counts the same way.
        let page = AccountItems::query_page(&key, opts![]).await.unwrap();
        assert_eq!(tokens(&page.items), ["account", "live"]);
        assert_eq!(page.count, 2);
        let counted = AccountItems::query_page(&key, opts![select: :count])
            .await
            .unwrap();
        assert_eq!(counted.count, 2, "an expired item is not counted");
        let counted = AccountItems::query_page(&key, opts![select: :count, include_expired: true])
            .await
            .unwrap();
        assert_eq!(counted.count, 3);
    })
    .await;
}

dynamo_item! {
    /// With a `:keys_only` index and an `:include` one.
    #[derive(Debug, Clone, PartialEq)]
    pub struct Team {
        table_name "collection_teams";
        field :team_id: String, partition_key;
        field :kind: String, sort_key, default: "TEAM";
        field :region: Option<String>;
        global_secondary_index "ByRegionKeys", partition_key: :region, projection: :keys_only;
        global_secondary_index "ByRegion", partition_key: :region, projection: :include, projected_attributes: [:kind];
    }
}

dynamo::collection! {
    #[derive(Debug, Clone, PartialEq)]
    pub enum TeamItems {
        Team(Team),
    }
}

/// A `:keys_only` index copies no type attribute: its items cannot be told
/// apart, and the read is refused, naming the index (it came back empty,
/// every item left out). An `:include` index reads as documented.
#[tokio::test]
async fn a_collection_is_not_read_through_a_keys_only_index() {
    isolated(async {
        Team::create_table().await.unwrap();
        item!(Team {
            team_id: "t1",
            region: Some("eu".to_owned())
        })
        .put_item()
        .await
        .unwrap();
        let key = item!(Team {
            region: Some("eu".to_owned())
        });
        let e = TeamItems::list_items(&key, opts![index_name: "ByRegionKeys"])
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ValidationError, "{e}");
        assert!(e.message().contains("ByRegionKeys"), "{e}");
        assert_eq!(e.field(), Some("index_name"));
        let found = TeamItems::list_items(&key, opts![index_name: "ByRegion"])
            .await
            .unwrap();
        assert_eq!(found.len(), 1, "{found:?}");
    })
    .await;
}
