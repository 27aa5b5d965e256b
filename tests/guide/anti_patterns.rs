//! The guide's "Anti-Patterns to Avoid" chapter: blocks 31–35 (`b31_…` to `b35_…`).

use super::*;

// ---- Block 31 · 1. Scan Operations in Production ----------------------------
// Port: same lines

#[tokio::test]
async fn b31_anti_pattern_1_scan_operations() {
    use my_app_user::User;
    isolated(async {
        let seeded = my_app_user::seed(30).await;

        let processed = Mutex::new(0usize);
        let process_user = |_user: User| {
            *processed.lock().unwrap() += 1;
            future::ok(())
        };

        // ❌ Bad: Full table scan loading all into memory
        let Page { items: users, .. } = dynamo::table::scan::<User>(opts![]).await.unwrap();
        assert_eq!(users.len(), 30, "every tenant's users");

        // ✅ Better: Use streaming for memory efficiency (but still expensive!)
        stream::scan::<User>(opts![])
            .try_filter(|u| future::ready(u.active))
            .try_for_each(process_user)
            .await
            .unwrap();
        assert_eq!(processed.into_inner().unwrap(), 10);

        // ✅ Best: Query with partition key
        let tenant = User::list_items(item!(%MyApp.User{tenant_id: "tenant123"}), opts![])
            .await
            .unwrap();
        assert_eq!(
            my_app_user::ids(&tenant),
            my_app_user::ids(seeded.iter().filter(|u| u.tenant_id == "tenant123"))
        );

        // "Scans consume read capacity for every item examined": a filtered
        // scan still reads all 30 items; the query reads only its partition.
        let filtered = dynamo::table::scan::<User>(opts![
            filter_expression: "active = :yes",
            expression_attribute_values: %{":yes" => true}
        ])
        .await
        .unwrap();
        assert_eq!((filtered.count, filtered.scanned_count), (10, 30));
        let page = User::query_page(item!(%User{tenant_id: "tenant123"}), opts![])
            .await
            .unwrap();
        assert_eq!(page.scanned_count, 15);
    })
    .await;
}

// ---- Block 32 · 2. Hot Partitions -------------------------------------------
// Port: same lines

mod hot_partitions {
    use super::*;

    // The guide shows one line of each schema; the modules around them are
    // ours.
    dynamo_item! {
        /// ❌ Bad: All writes to same partition
        #[derive(Debug, Clone, PartialEq)]
        defmodule MyApp.DailyEventBad do
          use Dynamo.Schema

          item do
            table_name "events";
            field :date, partition_key: true;  // "2024-01-15" - all day's data in one partition
            field :event_id, sort_key: true;
          end
        end
    }

    dynamo_item! {
        /// ✅ Good: Distribute writes
        #[derive(Debug, Clone, PartialEq)]
        defmodule MyApp.DailyEvent do
          use Dynamo.Schema

          item do
            table_name "events_sharded";
            field :date;
            field :shard;
            field :event_id, sort_key: true;
            partition_key [:date, :shard];  // "2024-01-15#3"
          end
        end
    }
}

#[tokio::test]
async fn b32_anti_pattern_2_hot_partitions() {
    use hot_partitions::{DailyEvent, DailyEventBad};
    isolated(async {
        DailyEventBad::create_table().await.unwrap();
        DailyEvent::create_table().await.unwrap();
        for i in 0..8 {
            DailyEventBad::put_item(
                item!(%DailyEventBad{date: "2024-01-15", event_id: format!("e{i}")}),
            )
            .await
            .unwrap();
            DailyEvent::put_item(item!(%DailyEvent{
                date: "2024-01-15",
                shard: i % 4,
                event_id: format!("e{i}"),
            }))
            .await
            .unwrap();
        }
        let partitions = |keys: Vec<(String, Option<String>)>| -> BTreeSet<String> {
            keys.into_iter().map(|(pk, _)| pk).collect()
        };
        // Bad: one partition takes every write of the day.
        assert_eq!(
            partitions(raw_keys::<DailyEventBad>().await),
            BTreeSet::from(["2024-01-15".to_owned()])
        );
        // Good: four.
        assert_eq!(
            partitions(raw_keys::<DailyEvent>().await),
            (0..4).map(|s| format!("2024-01-15#{s}")).collect()
        );
        // Reading the day back means one query per shard.
        let mut day = Vec::new();
        for shard in 0..4 {
            day.extend(
                DailyEvent::list_items(item!(%DailyEvent{date: "2024-01-15", shard}), opts![])
                    .await
                    .unwrap(),
            );
        }
        assert_eq!(day.len(), 8);
        assert_eq!(
            day.iter().filter(|e| e.shard == 3).count(),
            2,
            "events 3 and 7"
        );
    })
    .await;
}

// ---- Block 33 · 3. Large Items ----------------------------------------------
// Port: same lines

mod large_items {
    use super::*;

    // The guide shows the `field` lines; the modules around them are ours.
    dynamo_item! {
        /// ❌ Bad: Storing large blobs
        #[derive(Debug, Clone, PartialEq)]
        defmodule MyApp.FileBad do
          use Dynamo.Schema

          item do
            table_name "files";
            field :file_id, partition_key: true;
            field :file_content;  // Could exceed 400KB
          end
        end
    }

    dynamo_item! {
        /// ✅ Good: Store reference
        #[derive(Debug, Clone, PartialEq)]
        defmodule MyApp.File do
          use Dynamo.Schema

          item do
            table_name "files";
            field :file_id, partition_key: true;
            field :s3_bucket;
            field :s3_key;
          end
        end
    }
}

#[tokio::test]
async fn b33_anti_pattern_3_large_items() {
    use large_items::{File, FileBad};
    isolated(async {
        File::create_table().await.unwrap();
        // A 500 KB blob cannot be stored: refused before sending.
        let e = FileBad::put_item(item!(%FileBad{
            file_id: "f1",
            file_content: vec![0u8; 500 * 1024].as_slice(),
        }))
        .await
        .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ValidationError);
        assert!(e.message().contains("400 KB"), "{}", e.message());
        assert!(e.message().contains("FileBad"), "{}", e.message());
        assert!(raw_items::<File>().await.is_empty());

        File::put_item(item!(%File{
            file_id: "f1",
            s3_bucket: "my-bucket",
            s3_key: "uploads/f1.bin",
        }))
        .await
        .unwrap();
        let f = File::get_item(item!(%File{file_id: "f1"}))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (f.s3_bucket, f.s3_key),
            ("my-bucket".into(), "uploads/f1.bin".into())
        );
    })
    .await;
}

// ---- Block 34 · 4. Unbounded Lists in Items ---------------------------------
// Port: same lines

mod unbounded_lists {
    use super::*;

    // The guide shows the `field :comments` line, and the good design as a
    // comment; both schemas around them are ours.
    dynamo_item! {
        /// ❌ Bad: Growing list in single item
        #[derive(Debug, Clone, PartialEq)]
        defmodule MyApp.Post do
          use Dynamo.Schema

          item do
            table_name "posts_bad";
            field :post_id, partition_key: true;
            field :comments;  // List that grows forever
          end
        end
    }

    dynamo_item! {
        /// ✅ Good: Separate items per comment
        /// PK: post_id, SK: COMMENT#timestamp#comment_id
        #[derive(Debug, Clone, PartialEq)]
        defmodule MyApp.Comment do
          use Dynamo.Schema

          item do
            table_name "posts";
            field :post_id, partition_key: true;
            field :kind, default: "COMMENT";
            field :timestamp;
            field :comment_id;
            field :body;
            sort_key [:kind, :timestamp, :comment_id];
          end
        end
    }
}

#[tokio::test]
async fn b34_anti_pattern_4_unbounded_lists() {
    use unbounded_lists::{Comment, Post};
    isolated(async {
        // Bad: every comment makes the one item bigger, until DynamoDB
        // refuses the write at 400 KB.
        Post::create_table().await.unwrap();
        let post = item!(%Post{post_id: "post1"});
        let chunk = "x".repeat(100 * 1024);
        for n in 1..=3 {
            let p = Post::update_item(
                &post,
                updates!(%{comments: {:append, vec![chunk.as_str()]}}),
            )
            .await
            .unwrap();
            assert_eq!(p.comments.as_list().unwrap().len(), n);
        }
        let e = Post::update_item(
            &post,
            updates!(%{comments: {:append, vec![chunk.as_str()]}}),
        )
        .await
        .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ValidationError, "{e:?}");
        // DynamoDB's own refusal ("Item size to update has exceeded the
        // maximum allowed size"): the crate cannot see the stored item.
        assert_eq!(e.service_code(), Some("ValidationException"));
        let p = Post::get_item(&post).await.unwrap().unwrap();
        assert_eq!(p.comments.as_list().unwrap().len(), 3);

        // Good: one item per comment, in time order.
        Comment::create_table().await.unwrap();
        for (timestamp, comment_id, body) in [
            ("2024-01-15T10:30:00Z", "c2", "second"),
            ("2024-01-15T09:00:00Z", "c1", "first"),
            ("2024-01-16T08:00:00Z", "c3", "third"),
        ] {
            Comment::put_item(item!(%Comment{post_id: "post1", timestamp, comment_id, body}))
                .await
                .unwrap();
        }
        assert!(raw_keys::<Comment>().await.contains(&(
            "post1".to_owned(),
            Some("COMMENT#2024-01-15T10:30:00Z#c2".to_owned())
        )));
        let comments = Comment::list_items(item!(%Comment{post_id: "post1"}), opts![])
            .await
            .unwrap();
        let bodies: Vec<String> = comments.iter().map(|c| c.body.to_string()).collect();
        assert_eq!(bodies, vec!["first", "second", "third"]);
    })
    .await;
}

// ---- Block 35 · 5. Ignoring Access Patterns ---------------------------------
// Port: restructured — the block has no code, only comments: a list of access
// patterns to write down before designing. The test keeps the list (as the
// schema's doc comment) and writes the schema and the four queries it asks
// for.

mod access_patterns {
    use super::*;

    // ❌ Bad: Designing schema without knowing queries
    // Results in expensive scans or multiple GSIs
    dynamo_item! {
        /// ✅ Good: Document access patterns first
        /// 1. Get user by ID
        /// 2. Get user by email
        /// 3. List users by tenant, ordered by created_at
        /// 4. List active users by tenant
        /// Then design schema to support these patterns
        #[derive(Debug, Clone, PartialEq)]
        defmodule MyApp.User do
          use Dynamo.Schema

          item do
            table_name "users";
            field :user_id, partition_key: true;                // 1.
            field :email;                                        // 2.
            field :tenant_id;                                    // 3.
            field :created_at;                                   // 3., 4.
            field :status;
            field :active_tenant: Option<String>;                // 4. (set only while active)
            global_secondary_index "EmailIndex", partition_key: :email;
            global_secondary_index "TenantIndex", partition_key: :tenant_id, sort_key: :created_at;
            global_secondary_index "ActiveUsersIndex", partition_key: :active_tenant, sort_key: :created_at;
          end
        end
    }

    pub fn user(user_id: &str, tenant_id: &str, created_at: &str, active: bool) -> User {
        item!(%User{
            user_id,
            email: format!("{user_id}@example.com"),
            tenant_id,
            created_at,
            status: if active { "active" } else { "inactive" },
            active_tenant: active.then(|| tenant_id.to_owned()),
        })
    }
}

#[tokio::test]
async fn b35_anti_pattern_5_ignoring_access_patterns() {
    use access_patterns::{User, user};
    isolated(async {
        User::create_table().await.unwrap();
        for u in [
            user("u1", "tenant123", "2024-01-03", true),
            user("u2", "tenant123", "2024-01-01", false),
            user("u3", "tenant123", "2024-01-02", true),
            user("u4", "tenant456", "2024-01-01", true),
        ] {
            User::put_item(u).await.unwrap();
        }
        let ids = |users: Vec<User>| -> Vec<String> {
            users.iter().map(|u| u.user_id.to_string()).collect()
        };
        // 1. Get user by ID
        let u1 = User::get_item(item!(%User{user_id: "u1"}))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(u1.email, "u1@example.com");
        // 2. Get user by email
        let by_email = User::list_items(
            item!(%User{email: "u3@example.com"}),
            opts![index_name: "EmailIndex"],
        )
        .await
        .unwrap();
        assert_eq!(ids(by_email), vec!["u3"]);
        // 3. List users by tenant, ordered by created_at
        let by_tenant = User::list_items(
            item!(%User{tenant_id: "tenant123"}),
            opts![index_name: "TenantIndex"],
        )
        .await
        .unwrap();
        assert_eq!(ids(by_tenant), vec!["u2", "u3", "u1"]);
        // 4. List active users by tenant (a sparse index: inactive users
        //    have no `active_tenant` and are not in it)
        let active = User::list_items(
            item!(%User{active_tenant: Some("tenant123".to_owned())}),
            opts![index_name: "ActiveUsersIndex"],
        )
        .await
        .unwrap();
        assert_eq!(ids(active), vec!["u3", "u1"]);
        // No scans were needed; a scan of the sparse index shows what it holds.
        let indexed = dynamo::table::scan::<User>(opts![index_name: "ActiveUsersIndex"])
            .await
            .unwrap();
        assert_eq!(indexed.items.len(), 3);
    })
    .await;
}
