mod support;
use dynamo::prelude::*;

dynamo_item! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct Order {
        table_name "orders";
        field :tenant_id;
        field :customer_id;
        field :order_date: String;
        field :order_id: String;
        field :total: f64, default: 0.0;
        partition_key [:tenant_id, :customer_id];
        sort_key [:order_date, :order_id];
    }
}

#[tokio::test]
async fn smoke() {
    support::isolated(async {
        Order::create_table().await.unwrap();
        let o = item!(Order {
            tenant_id: "t",
            customer_id: "c",
            order_date: "2024-01-15",
            order_id: "o1",
            total: 5.5
        });
        Order::put_item(o.clone()).await.unwrap();
        let got = Order::get_item(&o).await.unwrap();
        assert_eq!(got, Some(o.clone()));
        let list = Order::list_items(
            &item!(Order {
                tenant_id: "t",
                customer_id: "c",
                order_date: "2024-01-01"
            }),
            opts![sk_operator: :gte],
        )
        .await
        .unwrap();
        assert_eq!(list, vec![o]);
    })
    .await;
}
