//! Allocations per key (and, for reference, per encode/decode), counted by a
//! global allocator that counts the calls made on the current thread. A
//! deterministic count, not a timing: `cargo bench --bench allocations`.
//!
//! Prints one `RESULT` line per figure for `scripts/bench`.

mod support;

#[path = "../tests/support/counting_alloc.rs"]
mod counting_alloc;

use std::hint::black_box;

use dynamo::prelude::*;

use support::{
    crate_decode, crate_encode, hand_decode, hand_encode, order, serde_decode, serde_encode, twin,
};

/// Allocations (and reallocations) `f` makes on this thread; the result is
/// dropped outside the count.
fn count<R>(mut f: impl FnMut() -> R) -> usize {
    drop(f()); // warm up lazily initialised state
    counting_alloc::allocations(f).0
}

/// `--profile WHAT N`: runs one path N times and nothing else, for
/// `perf record` or `valgrind --tool=callgrind` (see docs/performance.md).
fn profile(what: &str, n: usize) {
    let o = order();
    let t = twin(&o);
    let json = crate_encode(&o);
    for _ in 0..n {
        match what {
            "roundtrip/dynamo" => drop(black_box(crate_decode(&crate_encode(black_box(&o))))),
            "roundtrip/serde_dynamo" => drop(black_box(serde_decode(&serde_encode(black_box(&t))))),
            "roundtrip/hand" => drop(black_box(hand_decode(&hand_encode(black_box(&o))))),
            "encode/hand" => drop(black_box(hand_encode(black_box(&o)))),
            "decode/hand" => drop(black_box(hand_decode(black_box(&json)))),
            "encode/dynamo" => drop(black_box(crate_encode(black_box(&o)))),
            "encode/serde_dynamo" => drop(black_box(serde_encode(black_box(&t)))),
            "decode/dynamo" => drop(black_box(crate_decode(black_box(&json)))),
            "decode/serde_dynamo" => drop(black_box(serde_decode(black_box(&json)))),
            "key/partition_key" => drop(black_box(black_box(&o).partition_key())),
            "key/sort_key" => drop(black_box(black_box(&o).sort_key())),
            other => panic!("unknown path `{other}`"),
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--profile") {
        let what = args.get(i + 1).expect("--profile WHAT N");
        let n = args
            .get(i + 2)
            .and_then(|n| n.parse().ok())
            .unwrap_or(100_000);
        profile(what, n);
        return;
    }
    let o = order();
    let t = twin(&o);
    let pk = count(|| o.partition_key().unwrap());
    let sk = count(|| o.sort_key().unwrap());
    let full_sk = count(|| o.full_sort_key().unwrap());
    let primary = count(|| o.primary_key().unwrap());
    let json = crate_encode(&o);
    let enc = count(|| crate_encode(&o));
    let dec = count(|| crate_decode(&json));
    let senc = count(|| serde_encode(&t));
    let sdec = count(|| serde_decode(&json));

    println!(
        "allocations: partition_key {pk}, sort_key {sk}, full_sort_key {full_sk}, primary_key {primary} (names and values)"
    );
    println!(
        "allocations (item to and from its JSON): encode dynamo {enc} / serde_dynamo {senc}; decode dynamo {dec} / serde_dynamo {sdec}"
    );
    println!(
        "(a rusoto AttributeValue is {} bytes)",
        std::mem::size_of::<rusoto_dynamodb::AttributeValue>()
    );
    let worst = pk.max(sk).max(full_sk);
    let met = if worst <= 1 { "yes" } else { "no" };
    // figure | crate | reference | ratio | target | met
    println!("RESULT\tkey allocations (3-part pk, sk)\t{worst} per key\t-\t-\t<= 1 per key\t{met}");
    if worst > 1 {
        std::process::exit(1);
    }
}
