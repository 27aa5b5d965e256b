//! The guide's "Phoenix Contexts" as an axum web service: an `Accounts`
//! context (users, unique emails, lookups through a GSI) and a multi-tenant
//! `Organizations` context (an organization and its members in one
//! partition), behind JSON handlers that map the contexts' errors to HTTP
//! statuses (see `web.rs` for the routes and the mapping).
//!
//! ```text
//! main.rs           this file: arguments, tables, serving
//! accounts.rs       the Accounts context and its schemas
//! organizations.rs  the Organizations context and its schemas
//! error.rs          the contexts' domain errors
//! web.rs            routes, handlers, error → status
//! demo.rs           an HTTP client and the --demo tour
//! util.rs           ids and timestamps
//! ```
//!
//! Run it:
//!
//! * `cargo run --example accounts_service` — starts the local engine (unless
//!   `AWS_ENDPOINT_URL_DYNAMODB` names a DynamoDB) and the service on a free
//!   port, sends the demo requests (`--demo`, the default), prints each
//!   exchange, deletes its tables and exits;
//! * `cargo run --example accounts_service -- --serve` — keeps serving until
//!   Ctrl-C, on `PORT` (default: a free port, printed), with table names
//!   prefixed by `TABLE_PREFIX` (default `accounts_service_`), tables
//!   created when missing and kept.
//!
//! ```text
//! curl -s localhost:$PORT/users -H 'content-type: application/json' \
//!      -d '{"email":"ada@example.com","name":"Ada"}'
//! ```
//!
//! `tests/accounts_service.rs` includes these modules and drives the router
//! over HTTP.

mod accounts;
mod demo;
mod error;
mod organizations;
mod util;
mod web;

use std::net::SocketAddr;

use dynamo::Client;
use dynamo::config::{self, Config};
use tokio::net::TcpListener;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // The DynamoDB named by AWS_ENDPOINT_URL_DYNAMODB, or else a local engine
    // started here (and stopped when `_engine` is dropped).
    let _engine = dynamo::local::LocalDynamo::start_unless_configured().await?;
    let args: Vec<String> = std::env::args().skip(1).collect();
    let demo = match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["--serve"] => false,
        [] | ["--demo"] => true,
        _ => anyhow::bail!("usage: accounts_service [--serve | --demo]"),
    };
    let client = Client::default_client()?;
    println!(
        "DynamoDB at {}",
        client.endpoint().unwrap_or("the AWS regional endpoint")
    );

    // The demo uses tables of its own and deletes them; serving keeps them.
    let prefix = if demo {
        format!("ex{}_{}_", std::process::id(), fastrand::u16(..))
    } else {
        std::env::var("TABLE_PREFIX").unwrap_or_else(|_| "accounts_service_".to_owned())
    };
    let scope = Config::new().table_prefix(prefix.as_str());
    config::scope(scope.clone(), async {
        accounts::create_tables().await?;
        organizations::create_tables().await
    })
    .await?;
    println!("tables ready (prefix `{prefix}`)");

    let port: u16 = match std::env::var("PORT") {
        Ok(p) => p.parse()?,
        Err(_) => 0,
    };
    let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], port))).await?;
    let addr = listener.local_addr()?;
    println!("serving on http://{addr}");
    let app = web::router(scope.clone());

    if !demo {
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await?;
        println!("stopped");
        return Ok(());
    }

    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await
    });
    let outcome = demo::run(addr).await;
    let _ = stop.send(());
    server.await??;
    config::scope(scope, async {
        accounts::delete_tables().await?;
        organizations::delete_tables().await
    })
    .await?;
    println!("stopped; tables deleted");
    outcome
}
