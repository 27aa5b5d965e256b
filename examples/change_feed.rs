//! A change feed: turn on a table's DynamoDB stream, write a customer and
//! their orders, then read the stream from a checkpoint and hand each record
//! to the schema that wrote it — what a Lambda function subscribed to the
//! stream would do, without Lambda.
//!
//! Run it with `cargo run --example change_feed`: it uses the DynamoDB named
//! by `AWS_ENDPOINT_URL_DYNAMODB`, or else starts the crate's local engine.

use dynamo::changes::{ChangeKind, StreamPosition, StreamView};
use dynamo::prelude::*;

dynamo_item! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct Customer {
        table_name "change_feed_shop";
        field :customer_id: String, partition_key;
        field :kind: String, sort_key, default: "PROFILE";
        field :name: String;
    }
}

dynamo_item! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct Order {
        table_name "change_feed_shop";
        field :customer_id: String;
        field :order_id: String, sort_key;
        field :total: i64;
        field :status: String, default: "open";
        belongs_to :customer, Customer;
    }
}

dynamo::collection! {
    /// Everything the shop table holds, each item as its own type.
    #[derive(Debug, Clone, PartialEq)]
    pub enum ShopItem {
        Customer(Customer),
        Order(Order),
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let _engine = dynamo::local::LocalDynamo::start_unless_configured().await?;
    let client = Client::default_client()?;

    // A fresh table with its stream on, from the schema.
    let table = Customer::schema().effective_table_name();
    if client.describe_table(&table).await.is_ok() {
        Customer::delete_table().await?;
    }
    Customer::create_table().await?;
    let arn = client
        .enable_stream(&table, StreamView::NewAndOldImages)
        .await?;
    println!("stream {arn}");

    // Some changes.
    Customer::put_item(item!(Customer {
        customer_id: "c1",
        name: "Ada"
    }))
    .await?;
    for (id, total) in [("o1", 25i64), ("o2", 40)] {
        Order::put_item(item!(Order {
            customer_id: "c1",
            order_id: id,
            total: total
        }))
        .await?;
    }
    Order::update_item(
        &item!(Order {
            customer_id: "c1",
            order_id: "o1"
        }),
        updates! { status: "shipped" },
    )
    .await?;
    Order::delete_item(&item!(Order {
        customer_id: "c1",
        order_id: "o2"
    }))
    .await?;

    // The feed: read from the oldest record, keep the position as the
    // checkpoint, stop when there is nothing new (a real consumer would
    // sleep and read again).
    let mut position = StreamPosition::oldest();
    let mut revenue = 0;
    loop {
        let records = client.read_changes(&table, &mut position).await?;
        if records.is_empty() {
            break;
        }
        for record in records {
            let Some(change) = record.route::<ShopItem>()? else {
                continue;
            };
            match (change.kind, change.old, change.new) {
                (ChangeKind::Insert, _, Some(ShopItem::Customer(c))) => {
                    println!("new customer   {} ({})", c.name, c.customer_id);
                }
                (ChangeKind::Insert, _, Some(ShopItem::Order(o))) => {
                    revenue += o.total;
                    println!("new order      {} for {}", o.order_id, o.total);
                }
                (
                    ChangeKind::Modify,
                    Some(ShopItem::Order(before)),
                    Some(ShopItem::Order(after)),
                ) => {
                    println!(
                        "order          {}: {} -> {}",
                        after.order_id, before.status, after.status
                    );
                }
                (ChangeKind::Remove, Some(ShopItem::Order(o)), _) => {
                    revenue -= o.total;
                    println!("cancelled      {} ({})", o.order_id, o.total);
                }
                (kind, _, _) => println!("{kind}"),
            }
        }
        println!("checkpoint     {}", serde_json::to_string(&position)?);
    }
    println!("open revenue   {revenue}");
    assert_eq!(revenue, 25);
    Ok(())
}
