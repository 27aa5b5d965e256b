//! One client used from many tokio runtimes in turn (as every
//! `#[tokio::test]` does): a connection pooled by a runtime that has ended
//! must never fail the next request. Retries are off, so a single failure
//! shows.

mod support;

use dynamo::RetryPolicy;
use dynamo::prelude::*;

dynamo_item! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct Note {
        table_name "notes";
        field :id: String, partition_key;
        field :n: i64;
    }
}

#[test]
fn a_client_survives_its_runtimes() {
    let client = support::client().with_retry(RetryPolicy::none());
    let prefix = support::unique_prefix();
    let scoped = |client: Client, body: u32| {
        let prefix = prefix.clone();
        async move {
            dynamo::config::scope(
                dynamo::config::Config::new().table_prefix(prefix),
                async move {
                    if body == 0 {
                        client.create_table::<Note>().await.unwrap();
                    }
                    for i in 0..5 {
                        let n = item!(Note {
                            id: format!("n{body}-{i}"),
                            n: i64::from(i)
                        });
                        client.put_item(n.clone(), opts![]).await.unwrap();
                        assert_eq!(client.get_item(&n, opts![]).await.unwrap(), Some(n));
                    }
                },
            )
            .await
        }
    };
    for round in 0..20u32 {
        // Alternate runtime flavours; each runtime is dropped after its round.
        let rt = if round % 2 == 0 {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap()
        } else {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap()
        };
        rt.block_on(scoped(client.clone(), round));
        drop(rt);
    }
}

#[test]
fn overlapping_short_lived_runtimes_share_a_client() {
    // The case parallel `#[tokio::test]`s create: runtimes on several threads
    // start and end while requests of the others are in flight.
    let client = support::client().with_retry(RetryPolicy::none());
    let prefix = support::unique_prefix();
    {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let (c, p) = (client.clone(), prefix.clone());
        rt.block_on(dynamo::config::scope(
            dynamo::config::Config::new().table_prefix(p),
            async move {
                c.create_table::<Note>().await.unwrap();
            },
        ));
    }
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let (client, prefix) = (client.clone(), prefix.clone());
            std::thread::spawn(move || {
                for round in 0..25 {
                    let rt = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .unwrap();
                    let (c, p) = (client.clone(), prefix.clone());
                    rt.block_on(dynamo::config::scope(
                        dynamo::config::Config::new().table_prefix(p),
                        async move {
                            for i in 0..3 {
                                let n = item!(Note {
                                    id: format!("t{t}-r{round}-{i}"),
                                    n: 1
                                });
                                c.put_item(n.clone(), opts![]).await.unwrap();
                                assert_eq!(c.get_item(&n, opts![]).await.unwrap(), Some(n));
                            }
                        },
                    ));
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("no request failed");
    }
}

#[test]
fn the_default_client_survives_its_runtimes() {
    let prefix = support::unique_prefix();
    for round in 0..10u32 {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let prefix = prefix.clone();
        rt.block_on(dynamo::config::scope(
            dynamo::config::Config::new().table_prefix(prefix),
            async move {
                if round == 0 {
                    Note::create_table().await.unwrap();
                }
                let n = item!(Note {
                    id: format!("d{round}"),
                    n: 1
                });
                Note::put_item(n.clone()).await.unwrap();
                assert_eq!(Note::get_item(&n).await.unwrap(), Some(n));
            },
        ));
    }
}
