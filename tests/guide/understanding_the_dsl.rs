//! The guide's "Understanding the DSL" chapter: blocks 1–3 (`b01_…` to `b03_…`).

use super::*;

// ---- Block 1 · Basic Schema Structure ---------------------------------------
// Port: same lines

mod my_app_entity {
    use super::*;

    dynamo_item! {
        #[derive(Debug, Clone, PartialEq)]
        defmodule MyApp.Entity do
          use Dynamo.Schema

          item do
            table_name "table_name";

            field :field_name, partition_key: true;
            field :another_field, sort_key: true;
            field :regular_field;
            field :with_default, default: "value";
          end
        end
    }
}

#[tokio::test]
async fn b01_basic_schema_structure() {
    use my_app_entity::Entity;
    isolated(async {
        assert_eq!(Entity::table_name(), "table_name");
        Entity::create_table().await.unwrap();
        let written = Entity::put_item(item!(%Entity{
            field_name: "a",
            another_field: "b",
            regular_field: 42,
        }))
        .await
        .unwrap();
        assert_eq!(written.with_default, "value", "default: \"value\"");

        let got = Entity::get_item(item!(%Entity{field_name: "a", another_field: "b"}))
            .await
            .unwrap()
            .expect("the item just written");
        assert_eq!(got, written);
        assert_eq!(got.regular_field, 42);
        assert_eq!(got.with_default, "value");

        // `partition_key: true` / `sort_key: true` fields become `pk` / `sk`.
        let raw = raw_items::<Entity>().await;
        assert_eq!(raw.len(), 1);
        assert_eq!(raw[0]["pk"], "a");
        assert_eq!(raw[0]["sk"], "b");
        assert_eq!(raw[0]["with_default"], "value");
        assert_eq!(raw[0]["regular_field"], 42);
    })
    .await;
}

// ---- Block 2 · Schema Options -----------------------------------------------
// Port: same lines

mod schema_options {
    use super::*;

    // The guide shows only the `use` line; the module and the fields are ours.
    dynamo_item! {
        #[derive(Debug, Clone, PartialEq)]
        defmodule MyApp.Order do
          use Dynamo.Schema,
            key_separator: "#",      // Separator for composite keys (default: "#")
            prefix_sort_key: true    // Include field name prefix in sort key

          item do
            table_name "orders";

            field :user_id, partition_key: true;
            field :order_date, sort_key: true;
            field :order_id, sort_key: true;
          end
        end
    }
}

#[tokio::test]
async fn b02_schema_options() {
    use schema_options::Order;
    isolated(async {
        assert_eq!(Order::schema().options.key_separator, Some("#"));
        assert_eq!(Order::schema().options.prefix_sort_key, Some(true));
        Order::create_table().await.unwrap();
        for (order_date, order_id) in [("2024-01-15", "order789"), ("2024-01-16", "order790")] {
            Order::put_item(item!(%Order{user_id: "user123", order_date, order_id}))
                .await
                .unwrap();
        }
        // `prefix_sort_key: true`: each value follows its field name.
        assert_eq!(
            raw_keys::<Order>().await,
            vec![
                (
                    "user123".to_owned(),
                    Some("order_date#2024-01-15#order_id#order789".to_owned())
                ),
                (
                    "user123".to_owned(),
                    Some("order_date#2024-01-16#order_id#order790".to_owned())
                ),
            ]
        );
        // A partial prefixed key still selects whole parts.
        let jan15 = Order::list_items(
            item!(%Order{user_id: "user123", order_date: "2024-01-15"}),
            opts![],
        )
        .await
        .unwrap();
        assert_eq!(jan15.len(), 1);
        assert_eq!(jan15[0].order_id, "order789");
    })
    .await;
}

// ---- Block 3 · Alternative Key Definition -----------------------------------
// Port: same lines

mod alternative_key_definition {
    use super::*;

    // The guide shows the `item do … end` body; the `defmodule` around it is
    // ours.
    dynamo_item! {
        #[derive(Debug, Clone, PartialEq)]
        defmodule MyApp.Order do
          item do
            table_name "orders";

            field :tenant_id;
            field :customer_id;
            field :order_date;
            field :order_id;

            partition_key [:tenant_id, :customer_id];
            sort_key [:order_date, :order_id];
          end
        end
    }
}

#[tokio::test]
async fn b03_alternative_key_definition() {
    use alternative_key_definition::Order;
    isolated(async {
        Order::create_table().await.unwrap();
        let order = item!(%Order{
            tenant_id: "tenant123",
            customer_id: "customer456",
            order_date: "2024-01-15",
            order_id: "order789",
        });
        // "This generates keys like: PK: tenant123#customer456, SK: 2024-01-15#order789"
        assert_eq!(order.partition_key().unwrap(), "tenant123#customer456");
        assert_eq!(order.sort_key().as_deref(), Some("2024-01-15#order789"));
        Order::put_item(order.clone()).await.unwrap();
        assert_eq!(
            raw_keys::<Order>().await,
            vec![(
                "tenant123#customer456".to_owned(),
                Some("2024-01-15#order789".to_owned())
            )]
        );
        assert_eq!(Order::get_item(&order).await.unwrap(), Some(order));
    })
    .await;
}
