//! Single-table design: a customer's profile, addresses and orders live in
//! one table — and in one partition, the customer's — told apart by an
//! entity-type prefix on the sort key (the guide's "Single-Table vs
//! Multi-Table Design" and "Sort Key Strategies: Entity Type Prefix"):
//!
//! ```text
//! pk     sk                              entity
//! c-ada  ADDRESS#home                    Address
//! c-ada  ADDRESS#work                    Address
//! c-ada  ORDER#2024-01-15#o-1001         Order
//! c-ada  ORDER#2024-02-02#o-1002         Order
//! c-ada  PROFILE                         Customer
//! ```
//!
//! One query reads the whole customer as a typed collection (every item as
//! its own type); a `begins_with` on the sort key reads one entity type, or
//! one type within a date prefix.
//!
//! Run it with `cargo run --example single_table`.

use dynamo::config::{self, Config};
use dynamo::prelude::*;

dynamo_item! {
    /// The customer profile: `sk = PROFILE`.
    #[derive(Debug, Clone, PartialEq)]
    pub struct Customer {
        table_name "app_data";
        field :customer_id: String, partition_key;
        field :entity_type: String, sort_key, default: "PROFILE";
        field :name: String;
        field :email: String;
        field :order_count: i64, default: 0;
    }
}

dynamo_item! {
    /// A shipping address: `sk = ADDRESS#<label>`.
    #[derive(Debug, Clone, PartialEq)]
    pub struct Address {
        table_name "app_data";
        field :customer_id: String, partition_key;
        field :entity_type: String, sort_key, default: "ADDRESS";
        field :label: String, sort_key;
        field :street: String;
        field :city: String;
    }
}

dynamo_item! {
    /// An order: `sk = ORDER#<order_date>#<order_id>`, so a customer's orders
    /// sort by date.
    #[derive(Debug, Clone, PartialEq)]
    pub struct Order {
        table_name "app_data";
        field :customer_id: String;
        field :entity_type: String, default: "ORDER";
        field :order_date: String;
        field :order_id: String;
        field :total: f64, default: 0.0;
        field :status: String, default: "PENDING";
        partition_key [:customer_id];
        sort_key [:entity_type, :order_date, :order_id];
    }
}

dynamo::collection! {
    /// Any item of a customer's partition, each as its own type (the guide's
    /// "User with Related Entities"): one query, three entity types. (Each
    /// schema's own reads return only its items: every item stores its type.)
    #[derive(Debug, Clone, PartialEq)]
    pub enum CustomerItem {
        Profile(Customer),
        Address(Address),
        Order(Order),
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // The DynamoDB named by AWS_ENDPOINT_URL_DYNAMODB, or else a local engine
    // started here (and stopped when `_engine` is dropped).
    let _engine = dynamo::local::LocalDynamo::start_unless_configured().await?;
    let client = Client::default_client()?;
    println!(
        "DynamoDB at {}",
        client.endpoint().unwrap_or("the AWS regional endpoint")
    );
    // A per-run table prefix: running twice, or next to other runs, is fine.
    config::set_global(Config::new().table_prefix(format!(
        "ex{}_{}_",
        std::process::id(),
        fastrand::u16(..)
    )));

    // One table for all four schemas (they declare the same keys).
    Customer::create_table().await?;
    println!(
        "created table `{}`",
        Customer::schema().effective_table_name()
    );
    let outcome = demo().await;
    Customer::delete_table().await?;
    println!(
        "deleted table `{}`",
        Customer::schema().effective_table_name()
    );
    outcome
}

async fn demo() -> anyhow::Result<()> {
    // --- write three entity types into each customer's partition -----------
    for (id, name) in [("c-ada", "Ada Lovelace"), ("c-bob", "Bob Babbage")] {
        Customer::put_item(item!(Customer {
            customer_id: id,
            name: name,
            email: format!("{}@example.com", &id[2..]),
        }))
        .await?;
    }
    for (label, street, city) in [
        ("home", "12 St James's Square", "London"),
        ("work", "1 Analytical Row", "Cambridge"),
    ] {
        Address::put_item(item!(Address {
            customer_id: "c-ada",
            label: label,
            street: street,
            city: city,
        }))
        .await?;
    }
    let orders = [
        ("c-ada", "2024-01-15", "o-1001", 99.90),
        ("c-ada", "2024-01-28", "o-1003", 12.50),
        ("c-ada", "2024-02-02", "o-1002", 42.00),
        ("c-ada", "2024-02-20", "o-1007", 250.00),
        ("c-bob", "2024-02-03", "o-1004", 7.25),
    ];
    let batch: Vec<Order> = orders
        .iter()
        .map(|(c, date, id, total)| {
            item!(Order {
                customer_id: *c,
                order_date: *date,
                order_id: *id,
                total: *total,
            })
        })
        .collect();
    let written = dynamo::table::batch_write_item(batch).await?;
    println!(
        "wrote 2 profiles, 2 addresses, {} orders",
        written.processed_items
    );

    // --- one query, the whole customer -------------------------------------
    // The profile's key with its sort-key default cleared: the whole
    // partition, every item as its own type.
    let everything = CustomerItem::list_items(
        &item!(Customer {
            customer_id: "c-ada",
            entity_type: ""
        }),
        opts![],
    )
    .await?;
    println!("\nall of c-ada's items, one query:");
    for it in &everything {
        match it {
            CustomerItem::Profile(c) => println!("  PROFILE  {} <{}>", c.name, c.email),
            CustomerItem::Address(a) => {
                println!("  ADDRESS  {}: {}, {}", a.label, a.street, a.city)
            }
            CustomerItem::Order(o) => {
                println!("  ORDER    {} {} {:.2}", o.order_date, o.order_id, o.total)
            }
        }
    }
    assert_eq!(everything.len(), 1 + 2 + 4);

    // --- one entity type: a partial sort key is a `begins_with` ------------
    // `entity_type` defaults to "ORDER", so the key's sort key is the
    // partial "ORDER": the query is `begins_with(sk, "ORDER#")`.
    let ada_orders = Order::list_items(
        &item!(Order {
            customer_id: "c-ada"
        }),
        opts![],
    )
    .await?;
    println!("\nc-ada's orders (sk begins with ORDER#):");
    for o in &ada_orders {
        println!(
            "  {} {} {:>7.2} {}",
            o.order_date, o.order_id, o.total, o.status
        );
    }
    assert_eq!(ada_orders.len(), 4);

    let addresses = Address::list_items(
        &item!(Address {
            customer_id: "c-ada"
        }),
        opts![],
    )
    .await?;
    println!("\nc-ada's addresses (sk begins with ADDRESS#):");
    for a in &addresses {
        println!("  {:<5} {}, {}", a.label, a.street, a.city);
    }
    assert_eq!(addresses.len(), 2);

    // --- a type within a date prefix, newest first -------------------------
    let february = Order::list_items(
        &item!(Order {
            customer_id: "c-ada",
            order_date: "2024-02"
        }),
        opts![sk_operator: :begins_with, scan_index_forward: false],
    )
    .await?;
    println!("\nc-ada's February orders, newest first (begins_with ORDER#2024-02):");
    for o in &february {
        println!("  {} {}", o.order_date, o.order_id);
    }
    assert_eq!(
        february
            .iter()
            .map(|o| o.order_id.as_str())
            .collect::<Vec<_>>(),
        ["o-1007", "o-1002"]
    );

    // --- a date range: BETWEEN ORDER#2024-01-01 AND ORDER#2024-01-31~ ------
    // `sk_end` replaces the last set field's value for the upper bound; every
    // order's key continues with `#<id>`, so "2024-01-31~" (`~` sorts after
    // `#`) includes the whole of January 31st.
    let january = Order::list_items(
        &item!(Order {
            customer_id: "c-ada",
            order_date: "2024-01-01"
        }),
        opts![sk_operator: :between, sk_end: "2024-01-31~"],
    )
    .await?;
    println!("\nc-ada's January orders (between):");
    for o in &january {
        println!("  {} {}", o.order_date, o.order_id);
    }
    assert_eq!(january.len(), 2);

    // --- counting without reading ------------------------------------------
    let count = Order::count_items(
        &item!(Order {
            customer_id: "c-ada"
        }),
        opts![],
    )
    .await?;
    println!("\nc-ada has {count} orders (select: :count)");

    // --- two entity types changed atomically --------------------------------
    // Placing an order adds the order item and bumps the profile's counter in
    // one transaction; the order must be new.
    let new_order = item!(Order {
        customer_id: "c-ada",
        order_date: "2024-03-01",
        order_id: "o-1010",
        total: 19.99,
    });
    let place = || {
        vec![
            Tx::put(new_order.clone()).condition("attribute_not_exists(pk)", values! {}),
            Tx::update(
                &item!(Customer {
                    customer_id: "c-ada"
                }),
                updates! { order_count: {:increment, 1} },
            ),
        ]
    };
    dynamo::transaction::transact(place()).await?;
    let again = dynamo::transaction::transact(place()).await;
    let err = again.expect_err("the same order twice is refused");
    println!(
        "\nplaced o-1010 in a transaction; placing it again: {} ({})",
        err.kind(),
        err.cancellation_reasons()
            .iter()
            .map(|r| r.code.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
    let profile = Customer::get_item(&item!(Customer {
        customer_id: "c-ada"
    }))
    .await?
    .expect("profile");
    println!(
        "{} <{}>: order_count = {}",
        profile.name, profile.email, profile.order_count
    );
    assert_eq!(profile.order_count, 1);

    // --- partitions do not mix ---------------------------------------------
    let bob = CustomerItem::list_items(
        &item!(Customer {
            customer_id: "c-bob",
            entity_type: ""
        }),
        opts![],
    )
    .await?;
    let kinds: Vec<&str> = bob
        .iter()
        .map(|i| match i {
            CustomerItem::Profile(_) => "PROFILE",
            CustomerItem::Address(_) => "ADDRESS",
            CustomerItem::Order(_) => "ORDER",
        })
        .collect();
    println!("\nc-bob's partition: {}", kinds.join(", "));
    assert_eq!(kinds, ["ORDER", "PROFILE"]);
    Ok(())
}
