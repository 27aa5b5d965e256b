//! The guide's "Sort Key Strategies" chapter: blocks 8–11 (`b08_…` to `b11_…`).

use super::*;

// ---- Block 8 · Strategy 1: Hierarchical Data --------------------------------
// Port: same lines

mod hierarchical_data {
    use super::*;

    // The guide shows the key lines; the module and the fields are ours.
    dynamo_item! {
        #[derive(Debug, Clone, PartialEq)]
        defmodule MyApp.Order do
          use Dynamo.Schema

          item do
            table_name "orders";
            field :user_id;
            field :order_date;
            field :order_id;
            field :total;
            // Access pattern: Get all orders for a user, filter by date
            partition_key [:user_id];
            sort_key [:order_date, :order_id];
            // SK: "2024-01-15#order123"
          end
        end
    }
}

#[tokio::test]
async fn b08_sort_key_strategy_1_hierarchical_data() {
    use hierarchical_data::Order;
    isolated(async {
        Order::create_table().await.unwrap();
        for (user_id, order_date, order_id) in [
            ("user123", "2023-12-20", "order100"),
            ("user123", "2024-01-15", "order123"),
            ("user123", "2024-02-01", "order124"),
            ("user999", "2024-03-01", "order900"),
        ] {
            Order::put_item(item!(%Order{user_id, order_date, order_id, total: 10}))
                .await
                .unwrap();
        }
        assert!(
            raw_keys::<Order>()
                .await
                .contains(&("user123".to_owned(), Some("2024-01-15#order123".to_owned())))
        );

        // Query: All orders after a date
        let orders = Order::list_items(
            item!(%MyApp.Order{user_id: "user123", order_date: "2024-01-01"}),
            opts![sk_operator: :gte],
        )
        .await
        .unwrap();
        let ids: Vec<String> = orders.iter().map(|o| o.order_id.to_string()).collect();
        assert_eq!(ids, vec!["order123", "order124"]);
    })
    .await;
}

// ---- Block 9 · Strategy 2: Entity Type Prefix -------------------------------
// Port: same lines

mod entity_type_prefix {
    use super::*;

    // The guide shows the key line; the module and the fields are ours.
    dynamo_item! {
        #[derive(Debug, Clone, PartialEq)]
        defmodule MyApp.Entity do
          use Dynamo.Schema

          item do
            table_name "entities";
            field :user_id, partition_key: true;
            field :entity_type;
            field :entity_id;
            // Store multiple entity types, query by type
            sort_key [:entity_type, :entity_id];
            // SK: "ORDER#order123" or "PROFILE#profile456"
          end
        end
    }
}

#[tokio::test]
async fn b09_sort_key_strategy_2_entity_type_prefix() {
    use entity_type_prefix::Entity;
    isolated(async {
        Entity::create_table().await.unwrap();
        for (entity_type, entity_id) in [
            ("ORDER", "order123"),
            ("ORDER", "order124"),
            ("PROFILE", "profile456"),
            ("ORDERLINE", "line1"),
        ] {
            Entity::put_item(item!(%Entity{user_id: "user123", entity_type, entity_id}))
                .await
                .unwrap();
        }
        let sks: Vec<String> = raw_keys::<Entity>()
            .await
            .into_iter()
            .filter_map(|(_, sk)| sk)
            .collect();
        assert_eq!(
            sks,
            vec![
                "ORDER#order123",
                "ORDER#order124",
                "ORDERLINE#line1",
                "PROFILE#profile456"
            ]
        );

        // Query: All orders for user
        let orders = Entity::list_items(
            item!(%MyApp.Entity{user_id: "user123", entity_type: "ORDER"}),
            opts![sk_operator: :begins_with],
        )
        .await
        .unwrap();
        // DynamoDB's begins_with is a plain string prefix: "ORDER" also
        // matches "ORDERLINE#line1". The guide's "all orders" holds only
        // while no other entity type starts with "ORDER".
        let ids: Vec<String> = orders.iter().map(|o| o.entity_id.to_string()).collect();
        assert_eq!(ids, vec!["order123", "order124", "line1"]);
        // Without an operator the partial key is matched as a whole part
        // (begins_with "ORDER#"), which is exactly the orders.
        let exact = Entity::list_items(
            item!(%Entity{user_id: "user123", entity_type: "ORDER"}),
            opts![],
        )
        .await
        .unwrap();
        let ids: Vec<String> = exact.iter().map(|o| o.entity_id.to_string()).collect();
        assert_eq!(ids, vec!["order123", "order124"]);
    })
    .await;
}

// ---- Block 10 · Strategy 3: Time-Based Ordering -----------------------------
// Port: same lines

mod time_based_ordering {
    use super::*;

    // The guide shows the `created_at` line; the module around it is ours.
    dynamo_item! {
        #[derive(Debug, Clone, PartialEq)]
        defmodule MyApp.Item do
          use Dynamo.Schema

          item do
            table_name "items";
            field :user_id, partition_key: true;
            // Access pattern: Recent items first
            field :created_at, sort_key: true;
          end
        end
    }
}

#[tokio::test]
async fn b10_sort_key_strategy_3_time_based_ordering() {
    use time_based_ordering::Item;
    isolated(async {
        Item::create_table().await.unwrap();
        for created_at in [
            "2024-01-15T10:30:00Z",
            "2023-11-02T08:00:00Z",
            "2024-03-01T00:00:00Z",
        ] {
            Item::put_item(item!(%Item{user_id: "user123", created_at}))
                .await
                .unwrap();
        }
        // Query descending (newest first)
        let items = Item::list_items(
            item!(%MyApp.Item{user_id: "user123"}),
            opts![scan_index_forward: false],
        )
        .await
        .unwrap();
        let times: Vec<String> = items.iter().map(|i| i.created_at.to_string()).collect();
        assert_eq!(
            times,
            vec![
                "2024-03-01T00:00:00Z",
                "2024-01-15T10:30:00Z",
                "2023-11-02T08:00:00Z"
            ]
        );
    })
    .await;
}

// ---- Block 11 · Strategy 4: Composite Sort Key for Multiple Access Patterns -
// Port: same lines

mod composite_sort_key {
    use super::*;

    // The guide shows the key line; the module and the fields are ours.
    dynamo_item! {
        #[derive(Debug, Clone, PartialEq)]
        defmodule MyApp.Order do
          use Dynamo.Schema

          item do
            table_name "orders";
            field :user_id, partition_key: true;
            field :status;
            field :created_at;
            field :order_id;
            sort_key [:status, :created_at, :order_id];
            // SK: "PENDING#2024-01-15T10:30:00Z#order123"
          end
        end
    }
}

#[tokio::test]
async fn b11_sort_key_strategy_4_composite_sort_key() {
    use composite_sort_key::Order;
    isolated(async {
        Order::create_table().await.unwrap();
        for (status, created_at, order_id) in [
            ("PENDING", "2023-12-31T23:59:59Z", "order100"),
            ("PENDING", "2024-01-01T09:00:00Z", "order101"),
            ("PENDING", "2024-01-15T10:30:00Z", "order123"),
            ("SHIPPED", "2024-01-10T00:00:00Z", "order050"),
        ] {
            Order::put_item(item!(%Order{user_id: "user123", status, created_at, order_id}))
                .await
                .unwrap();
        }
        assert!(raw_keys::<Order>().await.contains(&(
            "user123".to_owned(),
            Some("PENDING#2024-01-15T10:30:00Z#order123".to_owned())
        )));
        let ids = |orders: Vec<Order>| -> Vec<String> {
            orders.iter().map(|o| o.order_id.to_string()).collect()
        };

        // Query: All pending orders
        let pending = Order::list_items(
            item!(%MyApp.Order{user_id: "user123", status: "PENDING"}),
            opts![sk_operator: :begins_with],
        )
        .await
        .unwrap();
        assert_eq!(ids(pending), vec!["order100", "order101", "order123"]);

        // Query: Pending orders after date
        let guide = Order::list_items(
            item!(%MyApp.Order{user_id: "user123", status: "PENDING", created_at: "2024-01-01"}),
            opts![sk_operator: :begins_with],
        )
        .await
        .unwrap();
        // The guide's comment is wrong about DynamoDB: begins_with
        // "PENDING#2024-01-01" is a prefix match, so it returns the pending
        // orders created *on* 2024-01-01, not after it.
        assert_eq!(ids(guide), vec!["order101"]);
        // "After a date" is a range: from the partial key up to the last
        // pending order (`sk_end` replaces the last set field's value, giving
        // the upper bound "PENDING#9999").
        let after = Order::list_items(
            item!(%Order{user_id: "user123", status: "PENDING", created_at: "2024-01-01"}),
            opts![sk_operator: :between, sk_end: "9999"],
        )
        .await
        .unwrap();
        assert_eq!(ids(after), vec!["order101", "order123"]);
    })
    .await;
}
