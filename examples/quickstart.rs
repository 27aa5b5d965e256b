//! Quick start: declare a schema, create its table, write, read and query.
//!
//! Run it with `cargo run --example quickstart`: it uses the DynamoDB named by
//! `AWS_ENDPOINT_URL_DYNAMODB`, or else starts the crate's local engine.

use dynamo::prelude::*;

dynamo_item! {
    /// An order, keyed the way the guide's "Alternative Key Definition" is.
    #[derive(Debug, Clone, PartialEq)]
    pub struct Order {
        table_name "quickstart_orders";
        field :tenant_id;
        field :customer_id;
        field :order_date: String;
        field :order_id: String;
        field :total: f64, default: 0.0;
        partition_key [:tenant_id, :customer_id];
        sort_key [:order_date, :order_id];
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

    // A fresh table from the schema: keys, types and indexes.
    if client.describe_table(Order::table_name()).await.is_ok() {
        Order::delete_table().await?;
    }
    Order::create_table().await?;
    println!("created table `{}`", Order::table_name());

    for (date, id, total) in [
        ("2023-12-30", "order700", 12.5),
        ("2024-01-15", "order789", 99.9),
        ("2024-02-02", "order801", 42.0),
    ] {
        let order = Order::put_item(item!(Order {
            tenant_id: "tenant123",
            customer_id: "customer456",
            order_date: date,
            order_id: id,
            total: total,
        }))
        .await?;
        println!(
            "put  pk={:<24} sk={:<22} total={}",
            order.partition_key()?,
            order.sort_key().unwrap_or_default(),
            order.total
        );
    }

    let key = item!(Order {
        tenant_id: "tenant123",
        customer_id: "customer456",
        order_date: "2024-01-15",
        order_id: "order789",
    });
    let got = Order::get_item(&key).await?.expect("just written");
    println!("get  {} -> total {}", got.order_id, got.total);

    // Orders since 2024-01-01, newest first.
    let recent = Order::list_items(
        &item!(Order {
            tenant_id: "tenant123",
            customer_id: "customer456",
            order_date: "2024-01-01"
        }),
        opts![sk_operator: :gte, scan_index_forward: false],
    )
    .await?;
    println!("query orders since 2024-01-01, newest first:");
    for o in &recent {
        println!("  {} {} {}", o.order_date, o.order_id, o.total);
    }
    assert_eq!(
        recent
            .iter()
            .map(|o| o.order_id.as_str())
            .collect::<Vec<_>>(),
        ["order801", "order789"]
    );

    Order::delete_table().await?;
    println!("deleted table `{}`; done", Order::table_name());
    Ok(())
}
