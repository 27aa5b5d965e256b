//! Single-table design on the local engine: a parent's reads never return
//! the `belongs_to` children (or other schemas) that share its table and
//! partition — every item carries its type (`_type`), and items written
//! without one (older versions, other writers) are told apart by their key
//! fields.

mod support;

use dynamo::prelude::*;
use futures_util::TryStreamExt;
use support::isolated;

dynamo_item! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct Order {
        table_name "single_table_shop";
        field :customer_id: String, partition_key;
        field :order_date: String, sort_key;
        field :total: f64;
    }
}

dynamo_item! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct Line {
        table_name "single_table_shop";
        field :customer_id: String;
        field :line_id: String, sort_key;
        field :sku: String;
        belongs_to :order, Order, foreign_key: :customer_id;
    }
}

dynamo_item! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct Payment {
        table_name "single_table_shop";
        field :customer_id: String;
        field :payment_id: String, sort_key;
        field :amount: f64;
        belongs_to :order, Order, foreign_key: :customer_id;
    }
}

dynamo_item! {
    /// One per parent: no sort field of its own.
    #[derive(Debug, Clone, PartialEq)]
    pub struct Note {
        table_name "single_table_shop";
        field :customer_id: String;
        field :text: String;
        belongs_to :order, Order, foreign_key: :customer_id;
    }
}

dynamo_item! {
    /// An order as an older writer stored it: no `_type` attribute (its type
    /// goes to another attribute, which `Order` does not look at).
    #[derive(Debug, Clone, PartialEq)]
    pub struct OldOrder {
        use Dynamo.Schema, type_attribute: "_old";
        table_name "single_table_shop";
        field :customer_id: String, partition_key;
        field :order_date: String, sort_key;
        field :total: f64;
    }
}

dynamo_item! {
    /// A line as an older writer stored it: no `_type`, no `order_date`.
    #[derive(Debug, Clone, PartialEq)]
    pub struct OldLine {
        use Dynamo.Schema, type_attribute: "_old";
        table_name "single_table_shop";
        field :customer_id: String;
        field :line_id: String, sort_key;
        field :sku: String;
        belongs_to :order, Order, foreign_key: :customer_id;
    }
}

dynamo_item! {
    /// Reads the type attribute of the orders (its own type attribute is
    /// another one).
    #[derive(Debug, Clone, PartialEq)]
    pub struct Peek {
        use Dynamo.Schema, type_attribute: "_peek";
        table_name "single_table_shop";
        field :customer_id: String, partition_key;
        field :order_date: String, sort_key;
        field :_type: Option<String>;
    }
}

fn order(date: &str, total: f64) -> Order {
    item!(Order {
        customer_id: "c1",
        order_date: date,
        total
    })
}

/// Two orders, an order an older writer stored, and beside them in the same
/// partition three kinds of children (and an old writer's child).
async fn shop() -> Vec<Order> {
    Order::create_table().await.unwrap();
    let orders = vec![order("2024-01-01", 10.0), order("2024-02-01", 20.0)];
    for o in &orders {
        Order::put_item(o.clone()).await.unwrap();
    }
    OldOrder::put_item(item!(OldOrder {
        customer_id: "c1",
        order_date: "2024-03-01",
        total: 30.0
    }))
    .await
    .unwrap();
    for (line_id, sku) in [("l1", "apple"), ("l2", "pear")] {
        Line::put_item(item!(Line {
            customer_id: "c1",
            line_id,
            sku
        }))
        .await
        .unwrap();
    }
    Payment::put_item(item!(Payment {
        customer_id: "c1",
        payment_id: "p1",
        amount: 30.0
    }))
    .await
    .unwrap();
    Note::put_item(item!(Note {
        customer_id: "c1",
        text: "leave at the door"
    }))
    .await
    .unwrap();
    OldLine::put_item(item!(OldLine {
        customer_id: "c1",
        line_id: "l9",
        sku: "plum"
    }))
    .await
    .unwrap();
    let mut all = orders;
    all.push(order("2024-03-01", 30.0));
    all
}

fn dates(orders: &[Order]) -> Vec<&str> {
    let mut v: Vec<&str> = orders.iter().map(|o| o.order_date.as_str()).collect();
    v.sort_unstable();
    v
}

const ALL: [&str; 3] = ["2024-01-01", "2024-02-01", "2024-03-01"];

#[tokio::test]
async fn a_parents_range_query_returns_only_parents() {
    isolated(async {
        shop().await;
        // `>= "2000"` spans the whole partition, the children's sort keys
        // (`line#l1`, `note`, …) included.
        let from = order("2000", 0.0);
        let got = Order::list_items(&from, opts![sk_operator: :gte])
            .await
            .unwrap();
        assert_eq!(dates(&got), ALL, "{got:?}");
        // No sort field: the whole partition.
        let partition = item!(Order { customer_id: "c1" });
        let all = Order::list_items(&partition, opts![]).await.unwrap();
        assert_eq!(dates(&all), ALL);
        let page = Order::query_page(&partition, opts![]).await.unwrap();
        assert_eq!(dates(&page.items), ALL);
        assert_eq!(Order::count_items(&partition, opts![]).await.unwrap(), 3);
        // The children read as themselves, each kind apart.
        let line_key = item!(Line { customer_id: "c1" });
        let lines = Line::list_items(&line_key, opts![]).await.unwrap();
        let mut skus: Vec<&str> = lines.iter().map(|l| l.sku.as_str()).collect();
        skus.sort_unstable();
        assert_eq!(skus, ["apple", "pear"]);
        // The old writer's child has every key field: its own schema reads it.
        let old = OldLine::list_items(&item!(OldLine { customer_id: "c1" }), opts![])
            .await
            .unwrap();
        assert_eq!(old.len(), 1);
        assert_eq!(old[0].sku, "plum");
        let pays = Payment::list_items(&item!(Payment { customer_id: "c1" }), opts![])
            .await
            .unwrap();
        assert_eq!(pays.len(), 1);
    })
    .await;
}

#[tokio::test]
async fn a_parents_scan_and_streams_return_only_parents() {
    isolated(async {
        shop().await;
        let page = dynamo::table::scan::<Order>(opts![]).await.unwrap();
        assert_eq!(dates(&page.items), ALL, "{:?}", page.items);
        let par = dynamo::table::parallel_scan::<Order>(opts![segments: 3])
            .await
            .unwrap();
        assert_eq!(dates(&par), ALL);
        let streamed: Vec<Order> = dynamo::table::stream::scan::<Order>(opts![])
            .try_collect()
            .await
            .unwrap();
        assert_eq!(dates(&streamed), ALL);
        let queried: Vec<Order> =
            dynamo::table::stream::query(&order("2000", 0.0), opts![sk_operator: :gte])
                .try_collect()
                .await
                .unwrap();
        assert_eq!(dates(&queried), ALL);
    })
    .await;
}

#[tokio::test]
async fn a_parents_reads_by_key_skip_the_children_at_that_key() {
    isolated(async {
        let orders = shop().await;
        // Order keys that address the children's items.
        let line = item!(Line {
            customer_id: "c1",
            line_id: "l1"
        });
        let pay = item!(Payment {
            customer_id: "c1",
            payment_id: "p1"
        });
        let note = item!(Note { customer_id: "c1" });
        let old_line = item!(OldLine {
            customer_id: "c1",
            line_id: "l9"
        });
        let mut keys: Vec<Order> = Vec::new();
        for sk in [
            line.primary_key().unwrap().sort,
            pay.primary_key().unwrap().sort,
            note.primary_key().unwrap().sort,
            old_line.primary_key().unwrap().sort,
        ] {
            let (_, sk) = sk.unwrap();
            let key = order(&sk, 0.0);
            // The child is there under that key...
            assert!(
                dynamo::table::get_item(&key, opts![])
                    .await
                    .unwrap()
                    .is_none(),
                "{sk}"
            );
            keys.push(key);
        }
        assert!(Line::get_item(&line).await.unwrap().is_some());
        assert!(Note::get_item(&note).await.unwrap().is_some());
        // ... but a batch get of orders returns only the orders.
        keys.extend(orders.iter().cloned());
        let got = dynamo::table::batch_get_item::<Order>(&keys, opts![])
            .await
            .unwrap();
        assert_eq!(dates(&got.items), ALL);
        assert!(got.unprocessed_keys.is_empty());
        // A projection still tells them apart.
        let got = dynamo::table::batch_get_item::<Order>(
            &keys,
            opts![projection_expression: "customer_id, order_date"],
        )
        .await
        .unwrap();
        assert_eq!(dates(&got.items), ALL);
    })
    .await;
}

#[tokio::test]
async fn every_write_stores_the_type_and_it_cannot_be_updated() {
    isolated(async {
        Order::create_table().await.unwrap();
        Order::put_item(order("2024-01-01", 1.0)).await.unwrap();
        // An update that creates the item stores the type too.
        Order::update_item(&order("2024-05-05", 0.0), updates!(%{total: 5.0}))
            .await
            .unwrap();
        for date in ["2024-01-01", "2024-05-05"] {
            let seen = Peek::get_item(&item!(Peek {
                customer_id: "c1",
                order_date: date
            }))
            .await
            .unwrap()
            .unwrap();
            assert_eq!(seen._type.as_deref(), Some("Order"), "{date}");
        }
        let e = Order::update_item(&order("2024-05-05", 0.0), updates!(%{_type: "Line"}))
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ValidationError);
        assert_eq!(e.field(), Some("_type"), "{e}");
    })
    .await;
}

/// A child's one-sided range (`:gt`, `:gte`, `:lt`, `:lte`) reads its own
/// kind only. `sk > "line#l1"` alone read on through `note`, `oldline#l9`
/// and `payment#p1`, and returned the old writer's line (it has no type
/// attribute, and its fields fit a `Line`) as one of these lines; `<` read
/// the orders before them. `scanned_count` shows what was read.
#[tokio::test]
async fn a_childs_range_reads_only_its_own_kind() {
    isolated(async {
        shop().await;
        // The partition, in key order: three orders, `line#l1`, `line#l2`,
        // `note`, `oldline#l9` (the old writer's, no type attribute),
        // `payment#p1`.
        let line = |id: &str| {
            item!(Line {
                customer_id: "c1",
                line_id: id
            })
        };
        let cases = [
            (SkOperator::Gt, "l1", vec!["l2"]),
            (SkOperator::Gte, "l2", vec!["l2"]),
            (SkOperator::Lt, "l9", vec!["l1", "l2"]),
            (SkOperator::Lte, "l2", vec!["l1", "l2"]),
        ];
        for (op, from, want) in cases {
            for forward in [true, false] {
                let page = Line::query_page(
                    &line(from),
                    opts![sk_operator: op, scan_index_forward: forward],
                )
                .await
                .unwrap();
                let mut got: Vec<&str> = page.items.iter().map(|l| l.line_id.as_str()).collect();
                got.sort_unstable();
                assert_eq!(got, want, "{op:?} {from}");
                assert_eq!(
                    page.scanned_count,
                    want.len(),
                    "{op:?} {from}: read beyond the lines"
                );
                assert!(page.is_last());
            }
        }
        // A bound at the key size limit: the least key above it is found
        // within the limit too.
        let longest = "m".repeat(1024 - "line#".len());
        Line::put_item(item!(Line {
            customer_id: "c1",
            line_id: longest.clone(),
            sku: "melon"
        }))
        .await
        .unwrap();
        let page = Line::query_page(&line(&longest), opts![sk_operator: :gt])
            .await
            .unwrap();
        assert!(page.items.is_empty(), "{:?}", page.items);
        assert_eq!(page.scanned_count, 0);
        let page = Line::query_page(&line(&longest), opts![sk_operator: :gte])
            .await
            .unwrap();
        assert_eq!((page.items.len(), page.scanned_count), (1, 1));
        let page = Line::query_page(&line(&longest), opts![sk_operator: :lt])
            .await
            .unwrap();
        assert_eq!((page.items.len(), page.scanned_count), (2, 2), "l1, l2");
        // A child with no sort field of its own: its one key is the bare
        // prefix, which `:begins_with` now finds.
        let note = item!(Note { customer_id: "c1" });
        let notes = Note::list_items(&note, opts![sk_operator: :begins_with])
            .await
            .unwrap();
        assert_eq!(notes.len(), 1);
    })
    .await;
}
