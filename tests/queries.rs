//! Queries and GSIs against DynamoDB Local: sort-key conditions from the
//! key's fields, every operator, limits and pages, order, projections,
//! filters, counts, and every GSI rule.

mod support;

use dynamo::prelude::*;
use support::isolated;

dynamo_item! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct Order {
        table_name "orders";
        field :user_id: String, partition_key;
        field :status: String;
        field :created_at: String;
        field :order_id: String;
        field :total: f64;
        sort_key [:status, :created_at, :order_id];
    }
}

dynamo_item! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct Product {
        table_name "products";
        field :category: String, partition_key;
        field :id: String, sort_key;
        field :brand: Option<String>;
        field :price: Option<i64>;
        field :email;
        field :status;
        field :created_at;
        global_secondary_index "BrandPriceIndex", partition_key: :brand, sort_key: :price;
        global_secondary_index "EmailIndex", partition_key: :email;
        global_secondary_index "StatusIndex", partition_key: :status, sort_key: :created_at, projection: :keys_only;
    }
}

fn order(status: &str, created_at: &str, id: &str, total: f64) -> Order {
    item!(Order {
        user_id: "user123",
        status: status,
        created_at: created_at,
        order_id: id,
        total: total
    })
}

async fn seed_orders() {
    Order::create_table().await.unwrap();
    for o in [
        order("PENDING", "2024-01-15T10:30:00Z", "order123", 10.0),
        order("PENDING", "2024-02-01T08:00:00Z", "order124", 20.0),
        order("PENDING", "2023-12-31T23:59:59Z", "order100", 30.0),
        order("PENDINGX", "2024-01-20T00:00:00Z", "order999", 40.0),
        order("SHIPPED", "2024-01-10T00:00:00Z", "order050", 50.0),
        order("SHIPPED", "2024-03-01T00:00:00Z", "order051", 60.0),
    ] {
        Order::put_item(o).await.unwrap();
    }
    Order::put_item(item!(Order {
        user_id: "other",
        status: "PENDING",
        created_at: "2024-01-01",
        order_id: "x",
        total: 1.0
    }))
    .await
    .unwrap();
}

fn ids(orders: &[Order]) -> Vec<&str> {
    orders.iter().map(|o| o.order_id.as_str()).collect()
}

#[tokio::test]
async fn partition_only_when_no_sort_field_is_set() {
    isolated(async {
        seed_orders().await;
        let all = Order::list_items(&item!(Order { user_id: "user123" }), opts![])
            .await
            .unwrap();
        assert_eq!(all.len(), 6);
        // Ascending sort-key order.
        assert_eq!(
            ids(&all),
            vec![
                "order100", "order123", "order124", "order999", "order050", "order051"
            ]
        );
    })
    .await;
}

#[tokio::test]
async fn partial_key_is_a_prefix_of_whole_parts() {
    isolated(async {
        seed_orders().await;
        // `status` set, nothing after it: begins_with "PENDING#" — not "PENDINGX".
        let pending = Order::list_items(
            &item!(Order {
                user_id: "user123",
                status: "PENDING"
            }),
            opts![],
        )
        .await
        .unwrap();
        assert_eq!(ids(&pending), vec!["order100", "order123", "order124"]);
        // The guide's explicit begins_with on the built partial key "PENDING".
        let guide = Order::list_items(
            &item!(Order {
                user_id: "user123",
                status: "PENDING"
            }),
            opts![sk_operator: :begins_with],
        )
        .await
        .unwrap();
        assert_eq!(
            ids(&guide),
            vec!["order100", "order123", "order124", "order999"]
        );
        // Two parts set.
        let jan = Order::list_items(
            &item!(Order {
                user_id: "user123",
                status: "PENDING",
                created_at: "2024-01-15T10:30:00Z"
            }),
            opts![],
        )
        .await
        .unwrap();
        assert_eq!(ids(&jan), vec!["order123"]);
        // The guide's second query: status + created_at prefix with begins_with.
        let since = Order::list_items(
            &item!(Order {
                user_id: "user123",
                status: "PENDING",
                created_at: "2024-0"
            }),
            opts![sk_operator: :begins_with],
        )
        .await
        .unwrap();
        assert_eq!(ids(&since), vec!["order123", "order124"]);
    })
    .await;
}

#[tokio::test]
async fn full_key_is_equality() {
    isolated(async {
        seed_orders().await;
        let one = Order::list_items(
            &order("PENDING", "2024-01-15T10:30:00Z", "order123", 0.0),
            opts![],
        )
        .await
        .unwrap();
        assert_eq!(ids(&one), vec!["order123"]);
        let eq = Order::list_items(
            &order("PENDING", "2024-01-15T10:30:00Z", "order123", 0.0),
            opts![sk_operator: :eq],
        )
        .await
        .unwrap();
        assert_eq!(ids(&eq), vec!["order123"]);
    })
    .await;
}

#[tokio::test]
async fn comparison_operators() {
    isolated(async {
        seed_orders().await;
        let key = |created: &str| {
            item!(Order {
                user_id: "user123",
                status: "PENDING",
                created_at: created
            })
        };
        let q = |k, o| async move {
            ids(&Order::list_items(&k, o).await.unwrap())
                .iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            q(key("2024-01-15"), opts![sk_operator: :gte]).await,
            vec!["order123", "order124", "order999", "order050", "order051"]
        );
        assert_eq!(
            q(key("2024-01-15"), opts![sk_operator: :gt]).await,
            vec!["order123", "order124", "order999", "order050", "order051"]
        );
        assert_eq!(
            q(key("2024-01-15"), opts![sk_operator: :lt]).await,
            vec!["order100"]
        );
        assert_eq!(
            q(
                key("2024-01-15T10:30:00Z#order123"),
                opts![sk_operator: :lte]
            )
            .await,
            vec!["order100", "order123"]
        );
        assert_eq!(
            q(
                key("2024-01-01"),
                opts![sk_operator: :between, sk_end: "2024-01-31"]
            )
            .await,
            vec!["order123"],
            "between builds both bounds from the key's fields"
        );
        assert_eq!(
            q(key("2024"), opts![sk_operator: :between, sk_end: "2024-12"]).await,
            vec!["order123", "order124"]
        );
    })
    .await;
}

#[tokio::test]
async fn order_limit_and_pages() {
    isolated(async {
        seed_orders().await;
        let key = item!(Order { user_id: "user123" });
        let desc = Order::list_items(&key, opts![scan_index_forward: false])
            .await
            .unwrap();
        assert_eq!(
            ids(&desc),
            vec![
                "order051", "order050", "order999", "order124", "order123", "order100"
            ]
        );
        let newest_two = Order::list_items(&key, opts![scan_index_forward: false, limit: 2])
            .await
            .unwrap();
        assert_eq!(ids(&newest_two), vec!["order051", "order050"]);
        // `limit` across several small pages.
        let five = Order::list_items(&key, opts![limit: 5, page_size: 2])
            .await
            .unwrap();
        assert_eq!(five.len(), 5);
        // Manual pagination.
        let mut seen = Vec::new();
        let mut start: Option<dynamo::Key> = None;
        let mut pages = 0;
        loop {
            let page = Order::query_page(&key, opts![limit: 4, exclusive_start_key: start.take()])
                .await
                .unwrap();
            pages += 1;
            seen.extend(page.items.iter().map(|o| o.order_id.clone()));
            match page.last_evaluated_key {
                Some(k) => start = Some(k),
                None => break,
            }
        }
        assert_eq!(seen.len(), 6);
        assert!(pages >= 2);
        // A filter applies after the key condition (and after `limit` per page).
        let big = Order::list_items(
            &key,
            opts![filter_expression: "total >= :t", expression_attribute_values: {":t" => 35}],
        )
        .await
        .unwrap();
        assert_eq!(ids(&big), vec!["order999", "order050", "order051"]);
    })
    .await;
}

#[tokio::test]
async fn projections_and_counts() {
    isolated(async {
        seed_orders().await;
        let key = item!(Order {
            user_id: "user123",
            status: "SHIPPED"
        });
        let thin = Order::list_items(&key, opts![projection_expression: "order_id, status"])
            .await
            .unwrap();
        assert_eq!(thin.len(), 2);
        assert_eq!(thin[0].total, 0.0, "not projected, so the default");
        assert_eq!(thin[0].status, "SHIPPED");
        let page = Order::query_page(&key, opts![select: :count])
            .await
            .unwrap();
        assert_eq!(page.count, 2);
        assert!(page.items.is_empty());
        assert_eq!(
            Order::count_items(&item!(Order { user_id: "user123" }), opts![])
                .await
                .unwrap(),
            6
        );
        let e = Order::list_items(&key, opts![select: :count])
            .await
            .unwrap_err();
        assert!(e.message().contains("count_items"), "{}", e.message());
        // The options of a list_items call count what it lists: a
        // projection is left out, and with it the names only it used (it
        // was refused, blaming a `select` the caller never gave).
        let everyone = item!(Order { user_id: "user123" });
        let listing = opts![
            projection_expression: "order_id, #t, #s",
            filter_expression: "#s <> :shipped",
            expression_attribute_names: %{"#t" => "total", "#s" => "status"},
            expression_attribute_values: %{":shipped" => "SHIPPED"},
        ];
        let listed = Order::list_items(&everyone, listing.clone()).await.unwrap();
        assert_eq!(listed.len(), 4);
        assert_eq!(Order::count_items(&everyone, listing).await.unwrap(), 4);
    })
    .await;
}

#[tokio::test]
async fn sort_operator_rules() {
    isolated(async {
        let e = Order::list_items(&item!(Order { user_id: "u" }), opts![sk_operator: :gte])
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ValidationError);
        assert!(
            e.message().contains("needs a sort key value"),
            "{}",
            e.message()
        );
        let e = Order::list_items(
            &item!(Order {
                user_id: "u",
                status: "A"
            }),
            opts![sk_operator: :between],
        )
        .await
        .unwrap_err();
        assert!(e.message().contains("`sk_end`"), "{}", e.message());
        let e = Order::list_items(
            &item!(Order {
                user_id: "u",
                status: "A"
            }),
            opts![sk_end: "B"],
        )
        .await
        .unwrap_err();
        assert!(
            e.message()
                .contains("only applies with `sk_operator: :between`"),
            "{}",
            e.message()
        );
        let e = Order::list_items(&item!(Order { status: "A" }), opts![])
            .await
            .unwrap_err();
        assert!(e.message().contains("`user_id`"), "{}", e.message());
    })
    .await;
}

async fn seed_products() {
    Product::create_table().await.unwrap();
    let p =
        |id: &str, brand: Option<&str>, price: i64, email: &str, status: &str, created: &str| {
            item!(Product {
                category: "electronics",
                id: id,
                brand: brand.map(str::to_owned),
                price: Some(price),
                email: email,
                status: status,
                created_at: created
            })
        };
    for prod in [
        p("p1", Some("acme"), 100, "a@x.com", "active", "2024-01-01"),
        p("p2", Some("acme"), 900, "b@x.com", "active", "2024-02-01"),
        p("p3", Some("acme"), 2500, "c@x.com", "retired", "2024-03-01"),
        p("p4", Some("zeta"), 50, "a@x.com", "active", "2023-06-01"),
        // No brand: not in the sparse BrandPriceIndex.
        p("p5", None, 10, "d@x.com", "active", "2024-04-01"),
    ] {
        Product::put_item(prod).await.unwrap();
    }
}

#[tokio::test]
async fn gsi_queries() {
    isolated(async {
        seed_products().await;
        // Partition only.
        let by_email = Product::list_items(
            &item!(Product { email: "a@x.com" }),
            opts![index_name: "EmailIndex"],
        )
        .await
        .unwrap();
        let mut got: Vec<_> = by_email.iter().map(|p| p.id.clone()).collect();
        got.sort();
        assert_eq!(got, vec!["p1", "p4"]);
        // Numeric sort key: N ordering, not string ordering (100 < 900 < 2500).
        let acme = Product::list_items(
            &item!(Product {
                brand: Some("acme".into())
            }),
            opts![index_name: "BrandPriceIndex"],
        )
        .await
        .unwrap();
        assert_eq!(
            acme.iter().map(|p| p.price.unwrap()).collect::<Vec<_>>(),
            vec![100, 900, 2500]
        );
        let mid = Product::list_items(
            &item!(Product {
                brand: Some("acme".into()),
                price: Some(500)
            }),
            opts![index_name: "BrandPriceIndex", sk_operator: :between, sk_end: 1000],
        )
        .await
        .unwrap();
        assert_eq!(
            mid.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(),
            vec!["p2"]
        );
        let cheap = Product::list_items(
            &item!(Product {
                brand: Some("acme".into()),
                price: Some(900)
            }),
            opts![index_name: "BrandPriceIndex", sk_operator: :lt],
        )
        .await
        .unwrap();
        assert_eq!(cheap.len(), 1);
        // Equality when the index's sort field is set and no operator is given.
        let exact = Product::list_items(
            &item!(Product {
                brand: Some("acme".into()),
                price: Some(2500)
            }),
            opts![index_name: "BrandPriceIndex"],
        )
        .await
        .unwrap();
        assert_eq!(exact.len(), 1);
        // Keys-only projection: only keys come back; other fields take defaults.
        let active = Product::list_items(
            &item!(Product {
                status: "active",
                created_at: "2024-01-01"
            }),
            opts![index_name: "StatusIndex", sk_operator: :gte, scan_index_forward: false],
        )
        .await
        .unwrap();
        assert_eq!(
            active.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(),
            vec!["p5", "p2", "p1"]
        );
        assert_eq!(
            active[0].price, None,
            "price is not projected into a KEYS_ONLY index"
        );
        assert_eq!(
            active[0].created_at, "2024-04-01",
            "index keys are projected"
        );
    })
    .await;
}

#[tokio::test]
async fn sparse_gsi_leaves_unset_items_out() {
    isolated(async {
        seed_products().await;
        let all_branded = dynamo::table::scan::<Product>(opts![index_name: "BrandPriceIndex"])
            .await
            .unwrap();
        assert_eq!(
            all_branded.items.len(),
            4,
            "p5 has no brand and is not indexed"
        );
        assert!(all_branded.items.iter().all(|p| p.brand.is_some()));
    })
    .await;
}

#[tokio::test]
async fn gsi_mistakes_are_refused_before_any_request() {
    // No table exists: anything that reached DynamoDB would be ResourceNotFound.
    isolated(async {
        let k = item!(Product {
            email: "a@x.com",
            brand: Some("acme".into())
        });
        let e = Product::list_items(&k, opts![index_name: "NopeIndex"])
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ValidationError);
        assert_eq!(
            e.message(),
            "GSI 'NopeIndex' not found. Available indexes: BrandPriceIndex, EmailIndex, StatusIndex"
        );
        let e = Product::list_items(&item!(Product {}), opts![index_name: "EmailIndex"])
            .await
            .unwrap_err();
        assert_eq!(
            e.message(),
            "GSI 'EmailIndex' requires field 'email' to be populated"
        );
        let e = Product::list_items(&k, opts![index_name: "EmailIndex", sk_operator: :gte])
            .await
            .unwrap_err();
        assert_eq!(
            e.message(),
            "GSI 'EmailIndex' does not have a sort key but sort operation was requested"
        );
        let e = Product::list_items(&k, opts![index_name: "BrandPriceIndex", sk_operator: :gte])
            .await
            .unwrap_err();
        assert_eq!(
            e.message(),
            "GSI 'BrandPriceIndex' sort operation requires field 'price' to be populated"
        );
        let e = Product::list_items(&k, opts![index_name: "EmailIndex", consistent_read: true])
            .await
            .unwrap_err();
        assert!(
            e.message().starts_with(
                "Consistent reads are not supported for Global Secondary Index queries"
            ),
            "{}",
            e.message()
        );
        let e = Product::list_items(
            &item!(Product {
                brand: Some("acme".into()),
                price: Some(5)
            }),
            opts![index_name: "BrandPriceIndex", sk_operator: :begins_with],
        )
        .await
        .unwrap_err();
        assert!(
            e.message().contains("needs a string sort key"),
            "{}",
            e.message()
        );
        let e = Product::list_items(
            &item!(Product {
                brand: Some("acme".into()),
                price: Some(5)
            }),
            opts![index_name: "BrandPriceIndex", sk_operator: :between],
        )
        .await
        .unwrap_err();
        assert!(e.message().contains("`sk_end`"), "{}", e.message());
        // The write side: an empty string in an index key is refused, naming both.
        let e = Product::put_item(item!(Product {
            category: "c",
            id: "i",
            email: ""
        }))
        .await
        .unwrap_err();
        assert!(
            e.message()
                .contains("`email` is a key of index `EmailIndex`"),
            "{}",
            e.message()
        );
    })
    .await;
}

#[tokio::test]
async fn consistent_reads_on_the_table() {
    // On DynamoDB `consistent_read` asks for a strongly consistent read; the
    // local engine reads consistently anyway. What both give, and what is
    // asserted: the option is accepted on the table and every item just
    // written is read back.
    isolated(async {
        seed_orders().await;
        let strong = Order::list_items(
            &item!(Order { user_id: "user123" }),
            opts![consistent_read: true],
        )
        .await
        .unwrap();
        assert_eq!(strong.len(), 6);
        let got = dynamo::table::get_item(
            &order("PENDING", "2024-01-15T10:30:00Z", "order123", 0.0),
            opts![consistent_read: true],
        )
        .await
        .unwrap();
        assert!(got.is_some());
    })
    .await;
}

dynamo_item! {
    /// A binary GSI sort key that is not an `Option`: empty bytes unless set.
    #[derive(Debug, Clone, PartialEq)]
    pub struct Blob {
        table_name "blobs";
        field :id: String, partition_key;
        field :bucket: String;
        field :hash: Vec<u8>;
        global_secondary_index "ByBucketHash", partition_key: :bucket, sort_key: :hash;
    }
}

/// Empty bytes in an index sort field are no key value (no item has one,
/// and DynamoDB refuses them in a key condition): the field counts as
/// unset, so the query reads the whole index partition. It was sent as
/// `hash = <empty>` and found nothing.
#[tokio::test]
async fn empty_bytes_in_an_index_sort_field_read_the_whole_partition() {
    isolated(async {
        Blob::create_table().await.unwrap();
        for (id, hash) in [("b1", vec![1u8, 2]), ("b2", vec![3])] {
            item!(Blob {
                id: id,
                bucket: "k",
                hash: hash
            })
            .put_item()
            .await
            .unwrap();
        }
        let found = Blob::list_items(item!(%Blob{bucket: "k"}), opts![index_name: "ByBucketHash"])
            .await
            .unwrap();
        let ids: Vec<&str> = found.iter().map(|b| b.id.as_str()).collect();
        assert_eq!(ids, ["b1", "b2"]);
        let one = Blob::list_items(
            item!(%Blob{bucket: "k", hash: vec![3u8]}),
            opts![index_name: "ByBucketHash"],
        )
        .await
        .unwrap();
        assert_eq!(one.len(), 1);
        assert_eq!(one[0].id, "b2");
    })
    .await;
}
