//! The guide's "Schema Design Decisions" chapter: block 4 (`b04_single_table_design`).

use super::*;

// ---- Block 4 · Single-Table vs Multi-Table Design ---------------------------
// Port: same lines

mod single_table_design {
    use super::*;

    dynamo_item! {
        #[derive(Debug, Clone, PartialEq)]
        defmodule MyApp.UserEntity do
          use Dynamo.Schema

          item do
            table_name "app_data";

            field :entity_type, default: "USER";
            field :user_id, partition_key: true;
            field :sk_type, sort_key: true, default: "PROFILE";
            field :email;
            field :name;
          end
        end
    }

    dynamo_item! {
        #[derive(Debug, Clone, PartialEq)]
        defmodule MyApp.UserOrder do
          use Dynamo.Schema

          item do
            table_name "app_data";

            field :entity_type, default: "ORDER";
            field :user_id, partition_key: true;
            field :order_id, sort_key: true;
            field :total;
            field :status;
          end
        end
    }
}

#[tokio::test]
async fn b04_single_table_design() {
    use single_table_design::{UserEntity, UserOrder};
    isolated(async {
        assert_eq!(UserEntity::table_name(), UserOrder::table_name());
        // One table for both entities: created once.
        UserEntity::create_table().await.unwrap();
        UserEntity::put_item(item!(%UserEntity{
            user_id: "user123",
            email: "ada@example.com",
            name: "Ada",
        }))
        .await
        .unwrap();
        UserOrder::put_item(item!(%UserOrder{
            user_id: "user123",
            order_id: "order789",
            total: 99.5,
            status: "PENDING",
        }))
        .await
        .unwrap();

        // Both live in the partition "user123". The guide says "use prefixes
        // to distinguish entity types"; the library adds none (no entity-name
        // prefix on keys, API.md §3): `entity_type` is an ordinary attribute.
        assert_eq!(
            raw_keys::<UserEntity>().await,
            vec![
                ("user123".to_owned(), Some("PROFILE".to_owned())),
                ("user123".to_owned(), Some("order789".to_owned())),
            ]
        );
        // A query of the whole partition as `UserEntity` returns the user
        // only: every item stores its type (`_type`), so the order is not
        // decoded as a user (issue 17).
        let all = UserEntity::list_items(
            item!(%UserEntity{user_id: "user123", sk_type: Value::Null}),
            opts![],
        )
        .await
        .unwrap();
        let types: Vec<String> = all.iter().map(|e| e.entity_type.to_string()).collect();
        assert_eq!(types, vec!["USER"]);
        // "Efficient queries across related entities": a typed collection
        // reads the partition once, each item as its own type ("PROFILE"
        // sorts before "order789": uppercase letters come first in UTF-8).
        dynamo::collection! {
            enum UserData {
                User(UserEntity),
                Order(UserOrder),
            }
        }
        use dynamo::collection::CollectionExt;
        let related = UserData::list_items(
            item!(%UserEntity{user_id: "user123", sk_type: Value::Null}),
            opts![],
        )
        .await
        .unwrap();
        let kinds: Vec<String> = related
            .iter()
            .map(|i| match i {
                UserData::User(u) => u.entity_type.to_string(),
                UserData::Order(o) => format!("{}:{}", o.entity_type, o.order_id),
            })
            .collect();
        assert_eq!(kinds, vec!["USER", "ORDER:order789"]);
        // `entity_type` tells them apart.
        let orders = UserOrder::list_items(
            item!(%UserOrder{user_id: "user123"}),
            opts![
                filter_expression: "entity_type = :t",
                expression_attribute_values: %{":t" => "ORDER"}
            ],
        )
        .await
        .unwrap();
        assert_eq!(orders.len(), 1);
        assert_eq!(orders[0].order_id, "order789");
        assert_eq!(orders[0].total, 99.5);
        // The default sort key reads the profile.
        let profile = UserEntity::get_item(item!(%UserEntity{user_id: "user123"}))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(profile.email, "ada@example.com");
        assert_eq!(profile.entity_type, "USER");
    })
    .await;
}
