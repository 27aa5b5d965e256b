//! The request logger writes to standard output; when standard output is
//! closed (a CLI piped into `head`, a daemon without a terminal), a log line
//! that cannot be written is dropped — the program does not panic.
//!
//! Not a libtest harness (`harness = false` in Cargo.toml): the harness
//! itself writes to standard output, so it cannot run with it closed. This
//! binary runs itself as a child with standard output closed.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

use dynamo::local::LocalDynamo;
use dynamo::prelude::*;

dynamo_item! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct Note {
        table_name "notes";
        field :id: String, partition_key;
    }
}

fn main() {
    if std::env::var_os("DYNAMO_CLOSED_STDOUT_CHILD").is_some() {
        child();
        return;
    }
    let exe = std::env::current_exe().expect("own path");
    let mut child = Command::new(exe)
        .env("DYNAMO_CLOSED_STDOUT_CHILD", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the child");
    // Close the read end: every write to the child's stdout now fails.
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("the child ends");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "the child failed ({}):\n{stderr}",
        out.status
    );
    assert!(stderr.contains("logged 3 requests"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    println!("closed_stdout: a closed standard output drops log lines, no panic");
}

fn child() {
    // Wait until the parent has closed the pipe: a write fails then.
    let mut closed = false;
    for _ in 0..500 {
        if std::io::stdout()
            .write_all(b"probe\n")
            .and_then(|()| std::io::stdout().flush())
            .is_err()
        {
            closed = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(closed, "stdout never closed");
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let local = LocalDynamo::start().await.expect("engine");
        let client = local.client();
        dynamo::logger::enable();
        client.create_table::<Note>().await.expect("create");
        client
            .put_item(item!(Note { id: "n1" }), opts![])
            .await
            .expect("put");
        client
            .get_item(&item!(Note { id: "n1" }), opts![])
            .await
            .expect("get");
        dynamo::logger::disable();
    });
    eprintln!("logged 3 requests");
}
