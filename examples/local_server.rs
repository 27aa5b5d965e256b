//! Serves the crate's local engine (dynoxide, in memory) on a loopback port
//! until Ctrl-C, for other processes: a test suite of another language, the
//! `dynamo` command, or this crate's own suite
//! (`DYNAMO_TEST_ENDPOINT=http://127.0.0.1:8000 cargo test`).
//!
//! ```text
//! cargo run --example local_server               # a free port, printed
//! cargo run --example local_server -- 8000       # port 8000
//! ```

use dynamo::local::LocalDynamo;

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let port: u16 = match std::env::args().nth(1) {
        Some(p) => p
            .parse()
            .map_err(|_| anyhow::anyhow!("usage: local_server [PORT]"))?,
        None => 0,
    };
    let local = LocalDynamo::builder().port(port).start()?;
    println!("local engine at {}", local.endpoint());
    println!("stop with Ctrl-C");
    tokio::signal::ctrl_c().await?;
    drop(local);
    println!("stopped");
    Ok(())
}
