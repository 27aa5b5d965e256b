//! The `aws` backend finds credentials (and the region) in EC2 instance
//! metadata that requires IMDSv2 — session tokens only, as on current
//! instances, which rusoto's chain cannot read. A loopback stand-in for the
//! metadata service answers only requests carrying the token it issued.
//!
//! Its own test binary: it sets the process's AWS environment so that the
//! chain finds nothing before instance metadata.
#![cfg(feature = "aws")]

mod support;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, put};
use dynamo::prelude::*;

const TOKEN: &str = "AQAEAIMDSv2-only-token";
const ACCESS_KEY: &str = "ASIAIMDSV2TEST000001";

dynamo_item! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct Note {
        table_name "notes";
        field :id: String, partition_key;
    }
}

#[derive(Default)]
struct Seen {
    token_requests: usize,
    refused_without_token: usize,
    served: Vec<String>,
}

fn authorized(headers: &HeaderMap, seen: &Mutex<Seen>, path: &str) -> Result<(), StatusCode> {
    let ok = headers
        .get("x-aws-ec2-metadata-token")
        .and_then(|v| v.to_str().ok())
        == Some(TOKEN);
    let mut s = seen.lock().unwrap();
    if ok {
        s.served.push(path.to_owned());
        Ok(())
    } else {
        // IMDSv1 (no token) is refused, as on an instance that requires v2.
        s.refused_without_token += 1;
        Err(StatusCode::UNAUTHORIZED)
    }
}

async fn stand_in(seen: Arc<Mutex<Seen>>) -> SocketAddr {
    let (s1, s2, s3, s4) = (seen.clone(), seen.clone(), seen.clone(), seen.clone());
    let app =
        Router::new()
            .route(
                "/latest/api/token",
                put(move |headers: HeaderMap| async move {
                    if !headers.contains_key("x-aws-ec2-metadata-token-ttl-seconds") {
                        return Err(StatusCode::BAD_REQUEST);
                    }
                    s1.lock().unwrap().token_requests += 1;
                    Ok(([("x-aws-ec2-metadata-token-ttl-seconds", "21600")], TOKEN))
                }),
            )
            .route(
                "/latest/meta-data/iam/security-credentials/",
                get(move |h: HeaderMap| async move {
                    authorized(&h, &s2, "role list").map(|()| "dynamo-test-role")
                }),
            )
            .route(
                "/latest/meta-data/iam/security-credentials/dynamo-test-role",
                get(move |h: HeaderMap| async move {
                    authorized(&h, &s3, "credentials").map(|()| {
                        serde_json::json!({
                            "Code": "Success",
                            "LastUpdated": "2026-12-02T00:00:00Z",
                            "Type": "AWS-HMAC",
                            "AccessKeyId": ACCESS_KEY,
                            "SecretAccessKey": "imds-secret-key",
                            "Token": "imds-session-token",
                            "Expiration": "2099-01-01T00:00:00Z"
                        })
                        .to_string()
                    })
                }),
            )
            .route(
                "/latest/meta-data/placement/region",
                get(move |h: HeaderMap| async move {
                    authorized(&h, &s4, "region").map(|()| "eu-north-1")
                }),
            );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    addr
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credentials_and_region_come_from_imdsv2() {
    let seen = Arc::new(Mutex::new(Seen::default()));
    let imds = stand_in(seen.clone()).await;
    // Nothing earlier in the chain: no environment credentials, no profile
    // files, no web identity, no container credentials, no region.
    // SAFETY: set before any thread of this test reads the environment;
    // this binary has this one test.
    unsafe {
        support::empty_aws_chain();
        std::env::set_var(
            "AWS_EC2_METADATA_SERVICE_ENDPOINT",
            format!("http://{imds}"),
        );
        // Exported but empty (as CI systems do) is the same as not set.
        std::env::set_var("AWS_ACCESS_KEY_ID", "");
    }

    let engine = support::Engine::start();
    let proxy = dynamo::local::proxy::FaultProxy::start(&engine.endpoint(), 1).unwrap();

    // A loopback endpoint without the chain asked for: placeholder
    // credentials, and no region lookup — instance metadata is not asked.
    let local = Client::builder()
        .backend(dynamo::Backend::Aws)
        .endpoint(engine.endpoint())
        .build()
        .unwrap();
    assert_eq!(local.region(), "us-east-1");
    local.list_tables(None, None, None).await.unwrap();
    {
        let seen = seen.lock().unwrap();
        assert_eq!(
            (
                seen.token_requests,
                seen.refused_without_token,
                seen.served.len()
            ),
            (0, 0, 0),
            "instance metadata was asked for a local engine"
        );
    }
    // Credentials in the environment and the region given: the chain
    // finds the credentials there and is not asked for a region (it asked
    // instance metadata before).
    // SAFETY: no thread reads the environment meanwhile.
    unsafe {
        std::env::set_var("AWS_ACCESS_KEY_ID", "AKIDLOCALENV");
        std::env::set_var("AWS_SECRET_ACCESS_KEY", "local-secret");
    }
    let with_env_keys = Client::builder()
        .backend(dynamo::Backend::Aws)
        .endpoint(engine.endpoint())
        .region("us-east-1")
        .build()
        .unwrap();
    with_env_keys.list_tables(None, None, None).await.unwrap();
    {
        let seen = seen.lock().unwrap();
        assert_eq!(
            (seen.token_requests, seen.served.len()),
            (0, 0),
            "instance metadata was asked for the region of a client that has one"
        );
    }
    // SAFETY: no thread reads the environment meanwhile (the chain below
    // is loaded at the first request of the client built after this).
    unsafe {
        std::env::remove_var("AWS_ACCESS_KEY_ID");
        std::env::remove_var("AWS_SECRET_ACCESS_KEY");
    }

    let client = Client::builder()
        .backend(dynamo::Backend::Aws)
        .endpoint(proxy.url())
        // A loopback endpoint signs with placeholders unless told otherwise.
        .credential_chain(true)
        .build()
        .unwrap();
    assert_eq!(client.region(), "", "not known before the first request");

    client.create_table::<Note>().await.unwrap();
    client
        .put_item(item!(Note { id: "n1" }), opts![])
        .await
        .unwrap();
    assert!(
        client
            .get_item(&item!(Note { id: "n1" }), opts![])
            .await
            .unwrap()
            .is_some()
    );

    // Signed with the instance's credentials, session token included.
    let stats = proxy.stats();
    assert_eq!(
        stats.access_key_ids.iter().cloned().collect::<Vec<_>>(),
        vec![ACCESS_KEY.to_owned()]
    );
    assert_eq!(stats.with_session_token, stats.received);
    assert_eq!(
        client.region(),
        "eu-north-1",
        "the region came from instance metadata"
    );
    let seen = seen.lock().unwrap();
    assert!(seen.token_requests >= 1, "an IMDSv2 token was requested");
    assert!(
        seen.served.contains(&"credentials".to_owned()),
        "{:?}",
        seen.served
    );
    assert_eq!(seen.refused_without_token, 0, "no IMDSv1 request was made");
}
