//! The guide's "Common Patterns" chapter: blocks 27–30 (`b27_…` to `b30_…`).

use super::*;

// ---- Block 27 · Pattern 1: User with Related Entities -----------------------
// Port: same lines

mod user_with_related_entities {
    use super::*;

    // Single table design
    dynamo_item! {
        #[derive(Debug, Clone, PartialEq)]
        defmodule MyApp.UserData do
          use Dynamo.Schema

          item do
            table_name "user_data";

            field :user_id, partition_key: true;
            field :sk, sort_key: true;  // "PROFILE", "ORDER#123", "ADDRESS#home"
            // ... other fields
          end
        end
    }
}

#[tokio::test]
async fn b27_pattern_1_user_with_related_entities() {
    use user_with_related_entities::UserData;
    isolated(async {
        UserData::create_table().await.unwrap();
        for sk in ["PROFILE", "ORDER#123", "ORDER#124", "ADDRESS#home"] {
            UserData::put_item(item!(%UserData{user_id: "user123", sk}))
                .await
                .unwrap();
        }
        UserData::put_item(item!(%UserData{user_id: "user999", sk: "ORDER#1"}))
            .await
            .unwrap();
        let sks = |items: Vec<UserData>| -> Vec<String> {
            items.iter().map(|d| d.sk.to_string()).collect()
        };

        // Query all user data
        let all = UserData::list_items(item!(%MyApp.UserData{user_id: "user123"}), opts![])
            .await
            .unwrap();
        assert_eq!(
            sks(all),
            vec!["ADDRESS#home", "ORDER#123", "ORDER#124", "PROFILE"]
        );

        // Query only orders
        let orders = UserData::list_items(
            item!(%MyApp.UserData{user_id: "user123", sk: "ORDER"}),
            opts![sk_operator: :begins_with],
        )
        .await
        .unwrap();
        assert_eq!(sks(orders), vec!["ORDER#123", "ORDER#124"]);
        // Values containing the separator are stored whole.
        assert!(
            raw_keys::<UserData>()
                .await
                .contains(&("user123".to_owned(), Some("ORDER#123".to_owned())))
        );
    })
    .await;
}

// ---- Block 28 · Pattern 2: Time-Series Data ---------------------------------
// Port: same lines

mod time_series_data {
    use super::*;

    dynamo_item! {
        #[derive(Debug, Clone, PartialEq)]
        defmodule MyApp.Metric do
          use Dynamo.Schema

          item do
            table_name "metrics";

            field :device_id, partition_key: true;
            field :timestamp, sort_key: true;
            field :value;
            field :ttl;  // Auto-expire old data
          end
        end
    }
}

#[tokio::test]
async fn b28_pattern_2_time_series_data() {
    use time_series_data::Metric;
    // The ISO 8601 helper itself, and `DateTime.add/2`.
    let at = DateTime(UNIX_EPOCH + Duration::from_secs(1_705_314_600));
    assert_eq!(at.to_iso8601(), "2024-01-15T10:30:00Z");
    assert_eq!(at.add(-86400).to_iso8601(), "2024-01-14T10:30:00Z");
    assert_eq!(at.add(90).to_iso8601(), "2024-01-15T10:31:30Z");
    assert_eq!(
        iso8601(UNIX_EPOCH + Duration::from_secs(1_705_314_600)),
        "2024-01-15T10:30:00Z"
    );
    assert_eq!(
        iso8601(UNIX_EPOCH + Duration::from_secs(951_782_400)),
        "2000-02-29T00:00:00Z"
    );
    isolated(async {
        Metric::create_table().await.unwrap();
        let now = SystemTime::now();
        let hours_ago = |h: u64| iso8601(now - Duration::from_secs(h * 3_600));
        for (h, value) in [(72, 1.0), (25, 2.0), (23, 3.0), (1, 4.0)] {
            Metric::put_item(item!(%Metric{
                device_id: "device123",
                timestamp: hours_ago(h),
                value,
                ttl: unix_time(30 * 86_400),
            }))
            .await
            .unwrap();
        }
        Metric::put_item(
            item!(%Metric{device_id: "device999", timestamp: hours_ago(1), value: 9.0}),
        )
        .await
        .unwrap();

        // Query last 24 hours
        let yesterday = DateTime::utc_now().add(-86400).to_iso8601();

        let metrics = Metric::list_items(
            item!(%MyApp.Metric{device_id: "device123", timestamp: yesterday}),
            opts![
                sk_operator: :gte,
                scan_index_forward: false  // Newest first
            ],
        )
        .await
        .unwrap();
        let values: Vec<f64> = metrics.iter().map(|m| m.value.as_f64().unwrap()).collect();
        assert_eq!(values, vec![4.0, 3.0]);
        assert_eq!(metrics[0].timestamp, hours_ago(1).as_str());
        assert!(matches!(metrics[0].ttl, Value::Number(_)));
    })
    .await;
}

// ---- Block 29 · Pattern 3: Multi-Tenant Application -------------------------
// Port: same lines

mod multi_tenant_application {
    use super::*;

    dynamo_item! {
        #[derive(Debug, Clone, PartialEq)]
        defmodule MyApp.TenantEntity do
          use Dynamo.Schema

          item do
            table_name "saas_data";

            field :tenant_id;
            field :entity_type;
            field :entity_id;

            partition_key [:tenant_id];
            sort_key [:entity_type, :entity_id];
          end
        end
    }
}

#[tokio::test]
async fn b29_pattern_3_multi_tenant_application() {
    use multi_tenant_application::TenantEntity;
    isolated(async {
        TenantEntity::create_table().await.unwrap();
        for (tenant_id, entity_type, entity_id) in [
            ("tenant123", "USER", "u1"),
            ("tenant123", "USER", "u2"),
            ("tenant123", "ORDER", "o1"),
            ("tenant456", "USER", "u3"),
        ] {
            TenantEntity::put_item(item!(%TenantEntity{tenant_id, entity_type, entity_id}))
                .await
                .unwrap();
        }
        assert!(
            raw_keys::<TenantEntity>()
                .await
                .contains(&("tenant123".to_owned(), Some("USER#u1".to_owned())))
        );

        // All users for tenant
        let users = TenantEntity::list_items(
            item!(%MyApp.TenantEntity{tenant_id: "tenant123", entity_type: "USER"}),
            opts![sk_operator: :begins_with],
        )
        .await
        .unwrap();
        let ids: Vec<String> = users.iter().map(|u| u.entity_id.to_string()).collect();
        assert_eq!(ids, vec!["u1", "u2"]);
        assert!(users.iter().all(|u| u.tenant_id == "tenant123"));
    })
    .await;
}

// ---- Block 30 · Pattern 4: Adjacency List (Graph) ---------------------------
// Port: same lines

mod adjacency_list {
    use super::*;

    dynamo_item! {
        #[derive(Debug, Clone, PartialEq)]
        defmodule MyApp.GraphEdge do
          use Dynamo.Schema

          item do
            table_name "graph";

            field :node_id, partition_key: true;
            field :edge, sort_key: true;  // "FOLLOWS#user456", "LIKED_BY#user789"
            field :created_at;
          end
        end
    }
}

#[tokio::test]
async fn b30_pattern_4_adjacency_list() {
    use adjacency_list::GraphEdge;
    isolated(async {
        GraphEdge::create_table().await.unwrap();
        for edge in [
            "FOLLOWED_BY#user456",
            "FOLLOWED_BY#user789",
            "FOLLOWS#user456",
            "LIKED_BY#user789",
        ] {
            GraphEdge::put_item(item!(%GraphEdge{
                node_id: "user123",
                edge,
                created_at: "2024-01-15T10:30:00Z",
            }))
            .await
            .unwrap();
        }

        // Get all followers
        let followers = GraphEdge::list_items(
            item!(%MyApp.GraphEdge{node_id: "user123", edge: "FOLLOWED_BY"}),
            opts![sk_operator: :begins_with],
        )
        .await
        .unwrap();
        let edges: Vec<String> = followers.iter().map(|e| e.edge.to_string()).collect();
        assert_eq!(edges, vec!["FOLLOWED_BY#user456", "FOLLOWED_BY#user789"]);
    })
    .await;
}
