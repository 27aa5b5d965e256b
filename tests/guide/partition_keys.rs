//! The guide's "Partition Key Strategies" chapter: blocks 5–7 (`b05_…` to `b07_…`).

use super::*;

// ---- Block 5 · Strategy 1: Natural Unique Identifier ------------------------
// Port: same lines

mod natural_unique_identifier {
    use super::*;

    // The guide shows the one `field` line; the module around it is ours.
    dynamo_item! {
        #[derive(Debug, Clone, PartialEq)]
        defmodule MyApp.User do
          use Dynamo.Schema

          item do
            table_name "users";
            field :user_id, partition_key: true;  // UUID or unique ID
            field :name;
          end
        end
    }
}

#[tokio::test]
async fn b05_partition_key_strategy_1_natural_unique_identifier() {
    use natural_unique_identifier::User;
    isolated(async {
        let info = User::create_table().await.unwrap();
        // No sort key declared: the table is hash-only.
        assert_eq!(info.partition_key.as_deref(), Some("pk"));
        assert_eq!(info.sort_key, None);
        let user_id = "550e8400-e29b-41d4-a716-446655440000";
        User::put_item(item!(%User{user_id, name: "Ada"}))
            .await
            .unwrap();
        assert_eq!(raw_keys::<User>().await, vec![(user_id.to_owned(), None)]);
        let got = User::get_item(item!(%User{user_id}))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(got.name, "Ada");
    })
    .await;
}

// ---- Block 6 · Strategy 2: Composite Partition Key --------------------------
// Port: same lines

mod composite_partition_key {
    use super::*;

    // The guide shows the `partition_key` line; the module around it is ours.
    dynamo_item! {
        #[derive(Debug, Clone, PartialEq)]
        defmodule MyApp.TenantEntity do
          use Dynamo.Schema

          item do
            table_name "saas_data";
            field :tenant_id;
            field :entity_type;
            field :entity_id, sort_key: true;
            partition_key [:tenant_id, :entity_type];
            // Results in: "tenant123#USER"
          end
        end
    }
}

#[tokio::test]
async fn b06_partition_key_strategy_2_composite() {
    use composite_partition_key::TenantEntity;
    isolated(async {
        TenantEntity::create_table().await.unwrap();
        for (tenant_id, entity_type, entity_id) in [
            ("tenant123", "USER", "u1"),
            ("tenant123", "USER", "u2"),
            ("tenant123", "ORDER", "o1"),
            ("tenant456", "USER", "u9"),
        ] {
            TenantEntity::put_item(item!(%TenantEntity{tenant_id, entity_type, entity_id}))
                .await
                .unwrap();
        }
        let pks: BTreeSet<String> = raw_keys::<TenantEntity>()
            .await
            .into_iter()
            .map(|(pk, _)| pk)
            .collect();
        assert_eq!(
            pks,
            BTreeSet::from([
                "tenant123#ORDER".to_owned(),
                "tenant123#USER".to_owned(),
                "tenant456#USER".to_owned()
            ])
        );
        // One partition per tenant and type.
        let users = TenantEntity::list_items(
            item!(%TenantEntity{tenant_id: "tenant123", entity_type: "USER"}),
            opts![],
        )
        .await
        .unwrap();
        let ids: Vec<String> = users.iter().map(|u| u.entity_id.to_string()).collect();
        assert_eq!(ids, vec!["u1", "u2"]);
    })
    .await;
}

// ---- Block 7 · Strategy 3: Write Sharding -----------------------------------
// Port: same lines — `def sharded_key/1` keeps its place, with Rust's
// argument type, return type and braces; `:rand.uniform(10)` is
// `fastrand::u32(1..=10)`.

mod write_sharding {
    use super::*;

    dynamo_item! {
        #[derive(Debug, Clone, PartialEq)]
        defmodule MyApp.Counter do
          use Dynamo.Schema

          item do
            table_name "counters";

            field :counter_name;
            field :shard, partition_key: true;  // counter_name#0, counter_name#1, etc.
            field :count, default: 0;
          end

          def sharded_key(name: &str) -> String { format!("{name}#{}", fastrand::u32(1..=10) - 1) }
        end
    }
}

#[tokio::test]
async fn b07_partition_key_strategy_3_write_sharding() {
    use write_sharding::Counter;
    isolated(async {
        Counter::create_table().await.unwrap();
        // 40 increments, each on a random shard.
        for _ in 0..40 {
            let shard = Counter::sharded_key("page_views");
            let c = Counter::update_item(
                item!(%Counter{shard: shard.clone()}),
                updates!(%{counter_name: "page_views", count: {:increment, 1}}),
            )
            .await
            .unwrap();
            // The shard value contains the separator and is kept whole.
            assert_eq!(c.shard, shard.as_str());
        }
        for (pk, sk) in raw_keys::<Counter>().await {
            let n: u32 = pk.strip_prefix("page_views#").unwrap().parse().unwrap();
            assert!(n <= 9, "{pk}");
            assert_eq!(sk, None);
        }
        // Reading the counter: every shard in one batch get, summed.
        let keys: Vec<Counter> = (0..10)
            .map(|i| item!(%Counter{shard: format!("page_views#{i}")}))
            .collect();
        let out = dynamo::table::batch_get_item(&keys, opts![]).await.unwrap();
        assert!(out.unprocessed_keys.is_empty());
        let total: i64 = out.items.iter().map(|c| c.count.as_i64().unwrap()).sum();
        assert_eq!(total, 40);
        assert!(out.items.iter().all(|c| c.counter_name == "page_views"));
    })
    .await;
}
