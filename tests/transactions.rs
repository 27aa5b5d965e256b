//! Transactions against DynamoDB Local: the guide's transfer, cancellation
//! with reasons, idempotent retries, limits, and belongs_to keys.

mod support;

use dynamo::prelude::*;
use dynamo::transaction::{self, Tx};
use support::isolated;

dynamo_item! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct Account {
        table_name "accounts";
        field :id, partition_key;
        field :owner;
        field :balance: i64;
    }
}

dynamo_item! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct Customer {
        table_name "shop";
        field :customer_id, partition_key;
        field :sk, sort_key, default: "PROFILE";
        field :orders: i64;
    }
}

dynamo_item! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct Order {
        table_name "shop";
        field :customer_id;
        field :order_id, sort_key;
        field :total: i64;
        belongs_to :customer, Customer;
    }
}

async fn accounts(source: i64, dest: i64) {
    Account::create_table().await.unwrap();
    Account::put_item(item!(Account {
        id: "source",
        owner: "ada",
        balance: source
    }))
    .await
    .unwrap();
    Account::put_item(item!(Account {
        id: "dest",
        owner: "bob",
        balance: dest
    }))
    .await
    .unwrap();
}

async fn balances() -> (i64, i64) {
    let s = Account::get_item(&item!(Account { id: "source" }))
        .await
        .unwrap()
        .unwrap();
    let d = Account::get_item(&item!(Account { id: "dest" }))
        .await
        .unwrap()
        .unwrap();
    (s.balance, d.balance)
}

fn transfer(amount: i64) -> Vec<Tx> {
    vec![
        Tx::check(
            &item!(Account { id: "source" }),
            "balance >= :amount",
            values! {":amount" => amount},
        ),
        Tx::update(
            &item!(Account { id: "source" }),
            updates! { balance: {:decrement, amount} },
        ),
        Tx::update(
            &item!(Account { id: "dest" }),
            updates! { balance: {:increment, amount} },
        ),
    ]
}

#[tokio::test]
async fn the_guides_transfer_moves_the_balance() {
    isolated(async {
        accounts(500, 20).await;
        // The guide's list as written: a check and an update on "source".
        // DynamoDB allows one action per item, so the check is sent as the
        // update's condition — the same meaning, in one action.
        transaction::transact(transfer(100)).await.unwrap();
        assert_eq!(balances().await, (400, 120));
        // The same with the condition written on the update itself.
        transaction::transact(vec![
            Tx::update(
                &item!(Account { id: "source" }),
                updates! { balance: {:decrement, 100} },
            )
            .condition("balance >= :amount", values! {":amount" => 100}),
            Tx::update(
                &item!(Account { id: "dest" }),
                updates! { balance: {:increment, 100} },
            ),
        ])
        .await
        .unwrap();
        assert_eq!(balances().await, (300, 220));
    })
    .await;
}

#[tokio::test]
async fn the_guides_transfer_cancelled_by_its_check() {
    isolated(async {
        accounts(50, 20).await;
        let e = transaction::transact(transfer(100)).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::TransactionCanceled, "{e:?}");
        // One reason per action as given (three), though two were sent.
        let reasons = e.cancellation_reasons();
        let codes: Vec<(usize, &str)> =
            reasons.iter().map(|r| (r.index, r.code.as_str())).collect();
        // The check and the update of "source" were sent as one action;
        // the update brought no condition, so only the check is the cause.
        assert_eq!(
            codes,
            vec![(0, "ConditionalCheckFailed"), (1, "None"), (2, "None")]
        );
        let update = reasons[1].message.as_deref().unwrap();
        assert!(update.starts_with("not the cause"), "{update}");
        assert!(update.contains("action 0 (check)"), "{update}");
        assert_eq!(balances().await, (50, 20), "both balances untouched");
    })
    .await;
}

/// The 100-action limit counts the actions as sent: a check merged into a
/// write on its item is none of its own. 100 puts and a check on one of
/// them were refused as 101 actions.
#[tokio::test]
async fn a_merged_check_does_not_count_towards_the_limit() {
    isolated(async {
        Account::create_table().await.unwrap();
        let mut actions: Vec<Tx> = (0..100)
            .map(|i| {
                Tx::put(item!(Account {
                    id: format!("m{i}"),
                    balance: 1
                }))
            })
            .collect();
        actions.push(Tx::check(
            &item!(Account { id: "m0" }),
            "attribute_not_exists(id)",
            values! {},
        ));
        transaction::transact(actions).await.unwrap();
        let got = Account::get_item(&item!(Account { id: "m99" }))
            .await
            .unwrap();
        assert_eq!(got.map(|a| a.balance), Some(1));
        // A check on an item of its own is an action: 101 are too many.
        let mut actions: Vec<Tx> = (0..100)
            .map(|i| {
                Tx::delete(&item!(Account {
                    id: format!("m{i}")
                }))
            })
            .collect();
        actions.push(Tx::check(
            &item!(Account { id: "elsewhere" }),
            "attribute_not_exists(id)",
            values! {},
        ));
        let e = transaction::transact(actions).await.unwrap_err();
        assert!(e.message().contains("101 actions"), "{}", e.message());
    })
    .await;
}

#[tokio::test]
async fn checks_merged_into_a_write_all_apply() {
    isolated(async {
        accounts(500, 20).await;
        // Two checks and a condition on one item: all must hold.
        let failing = vec![
            Tx::check(
                &item!(Account { id: "source" }),
                "balance >= :min",
                values! {":min" => 100},
            ),
            Tx::update(
                &item!(Account { id: "source" }),
                updates! { balance: {:decrement, 100} },
            )
            .condition("owner = :o", values! {":o" => "ada"}),
            Tx::check(
                &item!(Account { id: "source" }),
                "balance < :max",
                values! {":max" => 10},
            ),
        ];
        let e = transaction::transact(failing).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::TransactionCanceled, "{e:?}");
        assert_eq!(balances().await, (500, 20));
        let passing = vec![
            Tx::check(
                &item!(Account { id: "source" }),
                "balance >= :min",
                values! {":min" => 100},
            ),
            Tx::update(
                &item!(Account { id: "source" }),
                updates! { balance: {:decrement, 100} },
            )
            .condition("owner = :o", values! {":o" => "ada"}),
            Tx::check(
                &item!(Account { id: "source" }),
                "balance < :max",
                values! {":max" => 1000},
            ),
        ];
        transaction::transact(passing).await.unwrap();
        assert_eq!(balances().await, (400, 20));
    })
    .await;
}

#[tokio::test]
async fn merged_conditions_must_agree_on_placeholders() {
    isolated(async {
        // No table: a request that went out would be ResourceNotFound.
        let e = transaction::transact(vec![
            Tx::check(
                &item!(Account { id: "source" }),
                "balance >= :amount",
                values! {":amount" => 100},
            ),
            Tx::update(
                &item!(Account { id: "source" }),
                updates! { balance: {:decrement, 50} },
            )
            .condition("balance > :amount", values! {":amount" => 50}),
        ])
        .await
        .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ValidationError);
        assert!(e.message().contains("`:amount`"), "{}", e.message());
        assert!(e.message().contains("actions 0, 1"), "{}", e.message());
    })
    .await;
}

#[tokio::test]
async fn two_writes_on_one_item_are_refused_before_sending() {
    isolated(async {
        // No table: a request that went out would be ResourceNotFound.
        let e = transaction::transact(vec![
            Tx::check(
                &item!(Account { id: "source" }),
                "balance >= :amount",
                values! {":amount" => 100},
            ),
            Tx::update(
                &item!(Account { id: "source" }),
                updates! { balance: {:decrement, 100} },
            ),
            Tx::delete(&item!(Account { id: "source" })),
        ])
        .await
        .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ValidationError);
        assert!(
            e.message()
                .contains("actions 1 and 2 both write the item source"),
            "{}",
            e.message()
        );
    })
    .await;
}

#[tokio::test]
async fn a_failed_check_cancels_everything_and_says_why() {
    isolated(async {
        accounts(50, 20).await;
        let e = transaction::transact(vec![
            Tx::update(
                &item!(Account { id: "source" }),
                updates! { balance: {:decrement, 100} },
            )
            .condition("balance >= :amount", values! {":amount" => 100}),
            Tx::update(
                &item!(Account { id: "dest" }),
                updates! { balance: {:increment, 100} },
            ),
        ])
        .await
        .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::TransactionCanceled);
        let reasons = e.cancellation_reasons();
        assert_eq!(reasons.len(), 2, "{e:?}");
        assert_eq!(reasons[0].code, "ConditionalCheckFailed");
        assert_eq!(reasons[0].index, 0);
        assert!(reasons[1].is_none());
        assert_eq!(balances().await, (50, 20), "both balances untouched");
    })
    .await;
}

#[tokio::test]
async fn check_put_and_delete_actions() {
    isolated(async {
        accounts(500, 20).await;
        transaction::transact(vec![
            Tx::check(
                &item!(Account { id: "source" }),
                "owner = :o",
                values! {":o" => "ada"},
            ),
            Tx::put(item!(Account {
                id: "new",
                owner: "cy",
                balance: 1
            }))
            .condition("attribute_not_exists(pk)", values! {}),
            Tx::delete(&item!(Account { id: "dest" })),
        ])
        .await
        .unwrap();
        assert!(
            Account::get_item(&item!(Account { id: "new" }))
                .await
                .unwrap()
                .is_some()
        );
        assert!(
            Account::get_item(&item!(Account { id: "dest" }))
                .await
                .unwrap()
                .is_none()
        );
        // The check fails: nothing changes.
        let e = transaction::transact(vec![
            Tx::check(
                &item!(Account { id: "source" }),
                "owner = :o",
                values! {":o" => "mallory"},
            ),
            Tx::delete(&item!(Account { id: "new" })),
        ])
        .await
        .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::TransactionCanceled);
        assert_eq!(e.cancellation_reasons()[0].code, "ConditionalCheckFailed");
        assert!(
            Account::get_item(&item!(Account { id: "new" }))
                .await
                .unwrap()
                .is_some()
        );
    })
    .await;
}

#[tokio::test]
async fn the_same_token_applies_once() {
    isolated(async {
        accounts(500, 20).await;
        let actions = || {
            vec![
                Tx::update(
                    &item!(Account { id: "source" }),
                    updates! { balance: {:decrement, 10} },
                ),
                Tx::update(
                    &item!(Account { id: "dest" }),
                    updates! { balance: {:increment, 10} },
                ),
            ]
        };
        let token = format!("transfer-{}", fastrand::u64(..));
        transaction::transact_with_token(actions(), token.clone())
            .await
            .unwrap();
        transaction::transact_with_token(actions(), token.clone())
            .await
            .unwrap();
        assert_eq!(
            balances().await,
            (490, 30),
            "a retry with the same token is not applied again"
        );
        transaction::transact(actions()).await.unwrap();
        assert_eq!(balances().await, (480, 40), "a new call gets a new token");
    })
    .await;
}

#[tokio::test]
async fn limits_are_checked_before_sending() {
    isolated(async {
        let many: Vec<Tx> = (0..101)
            .map(|i| {
                Tx::put(item!(Account {
                    id: format!("a{i}")
                }))
            })
            .collect();
        let e = transaction::transact(many).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ValidationError);
        assert!(
            e.message().contains("101 actions") && e.message().contains("at most 100"),
            "{}",
            e.message()
        );
        let e = transaction::transact(vec![]).await.unwrap_err();
        assert!(
            e.message().contains("at least one action"),
            "{}",
            e.message()
        );
        let e = transaction::transact(vec![
            Tx::put(item!(Account { id: "a" })),
            Tx::delete(&item!(Account { id: "a" })),
        ])
        .await
        .unwrap_err();
        assert!(
            e.message().contains("one action per item"),
            "{}",
            e.message()
        );
        let big = |i: usize| {
            Tx::put(item!(Account {
                id: format!("a{i}"),
                owner: "x".repeat(300_000)
            }))
        };
        let e = transaction::transact((0..15).map(big).collect())
            .await
            .unwrap_err();
        assert!(
            e.message().contains("at most 4194304 bytes (4 MB)"),
            "{}",
            e.message()
        );
        let e = transaction::transact(vec![Tx::update(
            &item!(Account {}),
            updates! { balance: 1 },
        )])
        .await
        .unwrap_err();
        assert!(
            e.message().contains("transaction action 0") && e.message().contains("`id`"),
            "{}",
            e.message()
        );
        let e = transaction::transact(vec![Tx::update(
            &item!(Account { id: "a" }),
            updates! { id: "b" },
        )])
        .await
        .unwrap_err();
        assert!(
            e.message().contains("`id` is part of the primary key"),
            "{}",
            e.message()
        );
        let e = transaction::transact(vec![Tx::check(
            &item!(Account { id: "a" }),
            "balance > :missing",
            values! {},
        )])
        .await
        .unwrap_err();
        assert!(e.message().contains("`:missing`"), "{}", e.message());
        let e = transaction::transact_with_token(
            vec![Tx::delete(&item!(Account { id: "a" }))],
            "x".repeat(37),
        )
        .await
        .unwrap_err();
        assert!(
            e.message().contains("1 to 36 characters"),
            "{}",
            e.message()
        );
    })
    .await;
}

#[tokio::test]
async fn belongs_to_keys_in_transactions() {
    isolated(async {
        Customer::create_table().await.unwrap();
        Customer::put_item(item!(Customer { customer_id: "c1" }))
            .await
            .unwrap();
        transaction::transact(vec![
            Tx::put(item!(Order {
                customer_id: "c1",
                order_id: "o1",
                total: 30
            }))
            .condition("attribute_not_exists(pk)", values! {}),
            Tx::update(
                &item!(Customer { customer_id: "c1" }),
                updates! { orders: {:increment, 1} },
            ),
        ])
        .await
        .unwrap();
        let o = Order::get_item(&item!(Order {
            customer_id: "c1",
            order_id: "o1"
        }))
        .await
        .unwrap()
        .unwrap();
        assert_eq!(o.total, 30);
        let c = Customer::get_item(&item!(Customer { customer_id: "c1" }))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(c.orders, 1);
        // The order lives in the customer's partition, under its own prefix.
        let all = Order::list_items(&item!(Order { customer_id: "c1" }), opts![])
            .await
            .unwrap();
        assert_eq!(all.len(), 1);
        transaction::transact(vec![
            Tx::delete(&item!(Order {
                customer_id: "c1",
                order_id: "o1"
            })),
            Tx::update(
                &item!(Customer { customer_id: "c1" }),
                updates! { orders: {:decrement, 1} },
            ),
        ])
        .await
        .unwrap();
        assert!(
            Order::get_item(&item!(Order {
                customer_id: "c1",
                order_id: "o1"
            }))
            .await
            .unwrap()
            .is_none()
        );
    })
    .await;
}

#[tokio::test]
async fn tx_tuples_carry_conditions_on_writes() {
    isolated(async {
        Account::create_table().await.unwrap();
        Account::put_item(item!(%Account{id: "a", owner: "ada", balance: 5i64}))
            .await
            .unwrap();
        // A conditional put of an existing item cancels the transaction,
        // and the reason names that action.
        let e = transaction::transact(tx![
            {:update, %Account{id: "a"}, %{balance: {:increment, 1}}, "balance < :cap", %{":cap" => 100}},
            {:put, item!(%Account{id: "a2", owner: "bob", balance: 1i64})},
            {:put, item!(%Account{id: "a", owner: "eve", balance: 0i64}), "attribute_not_exists(pk)"},
        ])
        .await;
        // Two writes on `a` are refused before sending; use separate items.
        assert_eq!(e.unwrap_err().kind(), ErrorKind::ValidationError);
        let e = transaction::transact(tx![
            {:update, %Account{id: "b"}, %{balance: {:increment, 1}}},
            {:put, item!(%Account{id: "a", owner: "eve", balance: 0i64}), "attribute_not_exists(pk)"},
        ])
        .await
        .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::TransactionCanceled, "{e}");
        let reasons = e.cancellation_reasons();
        assert_eq!(reasons[1].code, "ConditionalCheckFailed", "{reasons:?}");
        assert!(reasons[0].is_none());
        // Nothing was written.
        assert!(Account::get_item(item!(%Account{id: "b"})).await.unwrap().is_none());
        // Conditions that hold: the writes happen.
        transaction::transact(tx![
            {:update, %Account{id: "a"}, %{balance: {:increment, 1}}, "balance < :cap", %{":cap" => 100}},
            {:delete, %Account{id: "gone"}, "attribute_not_exists(pk)"},
        ])
        .await
        .unwrap();
        let a = Account::get_item(item!(%Account{id: "a"})).await.unwrap().unwrap();
        assert_eq!((a.owner.as_str(), a.balance), (Some("ada"), 6));
    })
    .await;
}

#[tokio::test]
async fn transact_get_reads_several_schemas_as_one_snapshot() {
    use dynamo::transaction::TxGet;
    isolated(async {
        accounts(100, 5).await;
        Customer::create_table().await.unwrap();
        Customer::put_item(item!(Customer {
            customer_id: "c1",
            orders: 1
        }))
        .await
        .unwrap();
        Order::put_item(item!(Order {
            customer_id: "c1",
            order_id: "o1",
            total: 30
        }))
        .await
        .unwrap();
        let got = transaction::transact_get(vec![
            TxGet::get(&item!(Account { id: "source" })),
            TxGet::get(&item!(Account { id: "nobody" })),
            TxGet::get(&item!(Order {
                customer_id: "c1",
                order_id: "o1"
            })),
            TxGet::get(&item!(Customer { customer_id: "c1" })),
            TxGet::get(&item!(Account { id: "dest" })),
        ])
        .await
        .unwrap();
        assert_eq!(got.len(), 5);
        assert_eq!(got.item::<Account>(0).unwrap().unwrap().balance, 100);
        assert_eq!(got.item::<Account>(1).unwrap(), None);
        let order: Order = got.item(2).unwrap().unwrap();
        assert_eq!((order.order_id.as_str(), order.total), (Some("o1"), 30));
        assert_eq!(got.item::<Customer>(3).unwrap().unwrap().orders, 1);
        assert_eq!(got.item::<Account>(4).unwrap().unwrap().owner, "bob");
        let e = got.item::<Customer>(2).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ValidationError);
        assert!(e.message().contains("read 2 is of `Order`"), "{e}");

        // All of one schema: every item at once, in order.
        let both = support::client()
            .transact_get(vec![
                TxGet::get(&item!(Account { id: "dest" })),
                TxGet::get(&item!(Account { id: "source" })),
            ])
            .await
            .unwrap()
            .into_items::<Account>()
            .unwrap();
        let balances: Vec<i64> = both.iter().map(|a| a.as_ref().unwrap().balance).collect();
        assert_eq!(balances, [5, 100]);

        // Refused before sending, naming the reads.
        let e = transaction::transact_get(vec![
            TxGet::get(&item!(Account { id: "source" })),
            TxGet::get(&item!(Account { id: "source" })),
        ])
        .await
        .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ValidationError);
        assert!(e.message().contains("reads 0 and 1"), "{e}");
        let e = transaction::transact_get(vec![]).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ValidationError);
    })
    .await;
}

#[tokio::test]
async fn an_update_written_by_hand_in_a_transaction() {
    isolated(async {
        accounts(100, 5).await;
        transaction::transact(vec![
            Tx::check(
                &item!(Account { id: "source" }),
                "balance >= :amount",
                values! {":amount" => 30},
            ),
            Tx::update_expression(
                &item!(Account { id: "source" }),
                "SET balance = balance - :amount",
                values! {":amount" => 30},
            ),
            Tx::update_expression(
                &item!(Account { id: "dest" }),
                "SET balance = balance + :amount, owner = :owner",
                values! {":amount" => 30, ":owner" => "carol"},
            )
            .condition("attribute_exists(balance)", values! {}),
        ])
        .await
        .unwrap();
        assert_eq!(balances().await, (70, 35));
        let dest = Account::get_item(&item!(Account { id: "dest" }))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(dest.owner, "carol");

        // Checked when built, named by position: a key attribute, an unused
        // placeholder, one placeholder with two values.
        let e = transaction::transact(vec![
            Tx::put(item!(Account {
                id: "x",
                owner: "x",
                balance: 1
            })),
            Tx::update_expression(
                &item!(Account { id: "dest" }),
                "SET pk = :v",
                values! {":v" => "y"},
            ),
        ])
        .await
        .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ValidationError);
        assert!(e.message().contains("transaction action 1"), "{e}");
        assert!(e.message().contains("`pk`"), "{e}");
        let e = transaction::transact(vec![Tx::update_expression(
            &item!(Account { id: "dest" }),
            "SET balance = :v",
            values! {":v" => 1, ":unused" => 2},
        )])
        .await
        .unwrap_err();
        assert!(e.message().contains(":unused"), "{e}");
        let e = transaction::transact(vec![
            Tx::update_expression(
                &item!(Account { id: "source" }),
                "SET balance = balance - :amount",
                values! {":amount" => 30},
            ),
            Tx::check(
                &item!(Account { id: "source" }),
                "balance >= :amount",
                values! {":amount" => 40},
            ),
        ])
        .await
        .unwrap_err();
        assert!(e.message().contains("both define `:amount`"), "{e}");
        assert_eq!(balances().await, (70, 35), "nothing sent");
    })
    .await;
}

dynamo_item! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct Lease {
        table_name "leases";
        field :id, partition_key;
        field :until: i64, ttl;
    }
}

dynamo_item! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct Holder {
        table_name "leases";
        field :id, partition_key;
        field :name;
    }
}

/// A read finds `None` for an expired item (unless `include_expired`) and
/// for another schema's item at its key, as `get_item` does.
#[tokio::test]
async fn transact_get_hides_expired_items_and_other_schemas_items() {
    use dynamo::transaction::TxGet;
    isolated(async {
        Lease::create_table().await.unwrap();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        Lease::put_item(item!(Lease {
            id: "old",
            until: now - 100
        }))
        .await
        .unwrap();
        Lease::put_item(item!(Lease {
            id: "live",
            until: now + 3600
        }))
        .await
        .unwrap();
        Holder::put_item(item!(Holder {
            id: "h1",
            name: "ada"
        }))
        .await
        .unwrap();
        let got = transaction::transact_get(vec![
            TxGet::get(&item!(Lease { id: "old" })),
            TxGet::get(&item!(Lease { id: "live" })),
            TxGet::get(&item!(Lease { id: "h1" })),
        ])
        .await
        .unwrap();
        assert_eq!(got.item::<Lease>(0).unwrap(), None, "expired");
        assert_eq!(got.item::<Lease>(1).unwrap().unwrap().until, now + 3600);
        assert_eq!(got.item::<Lease>(2).unwrap(), None, "a Holder's item");
        let got = transaction::transact_get(vec![
            TxGet::get(&item!(Lease { id: "old" })).include_expired(),
            TxGet::get(&item!(Holder { id: "h1" })),
        ])
        .await
        .unwrap();
        assert_eq!(got.item::<Lease>(0).unwrap().unwrap().until, now - 100);
        assert_eq!(got.item::<Holder>(1).unwrap().unwrap().name, "ada");
    })
    .await;
}

/// A transaction DynamoDB cancels for a passing reason only (another
/// transaction on an item, throttling) is sent again, with its token, like
/// any throttled request; one cancelled by its own actions is not.
#[tokio::test]
async fn a_transaction_cancelled_by_a_conflict_is_sent_again() {
    use dynamo::RetryPolicy;
    use dynamo::local::proxy::Fault;
    use dynamo::transaction::TxGet;
    use std::time::Duration;
    isolated(async {
        accounts(500, 20).await;
        let proxy = support::proxy(0x7C);
        let client = support::proxy_client(&proxy, RetryPolicy::default(), Duration::from_secs(5));
        proxy.script(
            "TransactWriteItems",
            [Fault::TransactionConflict, Fault::TransactionConflict],
        );
        client.transact(transfer(100)).await.unwrap();
        assert_eq!(balances().await, (400, 120));
        let stats = proxy.stats();
        assert_eq!(stats.op("TransactWriteItems"), 3);
        assert_eq!(stats.fault(Fault::TransactionConflict), 2);
        assert_eq!(stats.tokens.len(), 3);
        assert!(
            stats.tokens.iter().all(|t| *t == stats.tokens[0]),
            "{:?}",
            stats.tokens
        );

        // Reads too.
        proxy.script("TransactGetItems", [Fault::TransactionConflict]);
        let got = client
            .transact_get(vec![
                TxGet::get(&item!(Account { id: "source" })),
                TxGet::get(&item!(Account { id: "dest" })),
            ])
            .await
            .unwrap();
        assert_eq!(got.item::<Account>(1).unwrap().unwrap().balance, 120);
        assert_eq!(proxy.stats().op("TransactGetItems"), 2);

        // Without retries it comes back as it is, with its reasons.
        let once = support::proxy_client(&proxy, RetryPolicy::none(), Duration::from_secs(5));
        proxy.script("TransactWriteItems", [Fault::TransactionConflict]);
        let e = once.transact(transfer(100)).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::TransactionCanceled);
        assert!(e.is_retryable());
        let reasons: Vec<&str> = e
            .cancellation_reasons()
            .iter()
            .map(|r| r.code.as_str())
            .collect();
        // As given: the check and the update on "source" were sent as one.
        assert_eq!(
            reasons,
            ["TransactionConflict", "TransactionConflict", "None"]
        );
        assert_eq!(balances().await, (400, 120));

        // Cancelled by its own check: not sent again.
        let before = proxy.stats().op("TransactWriteItems");
        let e = client.transact(transfer(1000)).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::TransactionCanceled);
        assert!(!e.is_retryable());
        assert_eq!(e.attempts(), 1);
        assert_eq!(proxy.stats().op("TransactWriteItems"), before + 1);
    })
    .await;
}
