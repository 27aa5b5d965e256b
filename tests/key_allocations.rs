//! Building a key allocates once: the key string itself. A counting global
//! allocator (counting per thread, so the test harness's other threads do not
//! interfere) checks it for 3-part partition and sort keys made of strings and
//! an integer, with the default configuration and with a schema-level
//! `key_separator`. A deterministic count, not a timing.

#[path = "support/counting_alloc.rs"]
mod counting_alloc;

use counting_alloc::allocations;
use dynamo::prelude::*;

dynamo_item! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct Typed {
        table_name "events";
        field :tenant_id: String;
        field :shard: i64;
        field :region: String;
        field :day: String;
        field :seq: u64;
        field :event_id: String;
        partition_key [:tenant_id, :shard, :region];
        sort_key [:day, :seq, :event_id];
    }
}

dynamo_item! {
    /// The same keys, untyped fields (`Value`), flags instead of lists.
    #[derive(Debug, Clone, PartialEq)]
    pub struct Untyped {
        table_name "events";
        field :tenant_id, partition_key;
        field :shard, partition_key;
        field :region, partition_key;
        field :day, sort_key;
        field :seq, sort_key;
        field :event_id, sort_key;
    }
}

dynamo_item! {
    /// A schema-level separator (and field names in the sort key).
    #[derive(Debug, Clone, PartialEq)]
    pub struct Separated {
        use Dynamo.Schema, key_separator: "::", prefix_sort_key: true;
        table_name "events";
        field :tenant_id: String;
        field :shard: i64;
        field :region: String;
        field :day: String;
        field :seq: u64;
        field :event_id: String;
        partition_key [:tenant_id, :shard, :region];
        sort_key [:day, :seq, :event_id];
    }
}

/// Asserts that the partition and sort keys of `item` take one allocation
/// each and have the expected text.
fn assert_one_allocation_each<T: Schema>(item: &T, pk: &str, sk: &str) {
    // Warm up: the first call may touch lazily initialised state.
    let _ = item.partition_key();
    let _ = item.sort_key();

    let (n, key) = allocations(|| item.partition_key());
    assert_eq!(key.unwrap(), pk);
    assert!(n <= 1, "partition key `{pk}`: {n} allocations");

    let (n, key) = allocations(|| item.sort_key());
    assert_eq!(key.as_deref(), Some(sk));
    assert!(n <= 1, "sort key `{sk}`: {n} allocations");

    let (n, key) = allocations(|| item.full_sort_key());
    assert_eq!(key.unwrap().as_deref(), Some(sk));
    assert!(n <= 1, "full sort key `{sk}`: {n} allocations");
}

#[test]
fn the_counter_counts() {
    let (n, v) = allocations(|| vec![1u8, 2, 3]);
    assert_eq!(n, 1);
    drop(v);
    let (n, _) = allocations(|| 1 + 1);
    assert_eq!(n, 0);
}

#[test]
fn typed_keys_with_the_default_separator() {
    let e = item!(Typed {
        tenant_id: "tenant123",
        shard: -42,
        region: "eu-west-1",
        day: "2024-01-15",
        seq: 18_446_744_073_709_551_615u64,
        event_id: "evt-9",
    });
    assert_one_allocation_each(
        &e,
        "tenant123#-42#eu-west-1",
        "2024-01-15#18446744073709551615#evt-9",
    );
}

#[test]
fn untyped_keys_with_the_default_separator() {
    let e = item!(Untyped {
        tenant_id: "tenant123",
        shard: 7,
        region: "eu-west-1",
        day: "2024-01-15",
        seq: 3,
        event_id: "evt9",
    });
    assert_one_allocation_each(&e, "tenant123#7#eu-west-1", "2024-01-15#3#evt9");
}

#[test]
fn typed_keys_with_a_schema_separator() {
    let e = item!(Separated {
        tenant_id: "tenant123",
        shard: 3,
        region: "eu-west-1",
        day: "2024-01-15",
        seq: 12u64,
        event_id: "evt9",
    });
    assert_one_allocation_each(
        &e,
        "tenant123::3::eu-west-1",
        "day::2024-01-15::seq::12::event_id::evt9",
    );
}

#[test]
fn partial_sort_keys_allocate_once_too() {
    let e = item!(Typed {
        tenant_id: "t",
        shard: 1,
        region: "r",
        day: "2024-01-15",
        seq: 4u64,
    });
    let _ = e.sort_key();
    let (n, key) = allocations(|| e.sort_key());
    assert_eq!(key.as_deref(), Some("2024-01-15#4"));
    assert!(n <= 1, "{n} allocations");
    // No sort-key field set: no key, no allocation.
    let e = item!(Untyped {
        tenant_id: "t",
        shard: 1,
        region: "r"
    });
    let (n, key) = allocations(|| e.sort_key());
    assert_eq!(key, None);
    assert_eq!(n, 0);
}
