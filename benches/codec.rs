//! The pure paths, no network: key building, and encoding/decoding a
//! 20-attribute item to and from the bytes that go over the wire (the
//! item's DynamoDB JSON in a request, and in an answer), side by side with
//! `serde_dynamo` on a serde-derived twin of the same item — whose map
//! rusoto then writes as that JSON, and parses back from it.
//!
//! `cargo bench --bench codec` (or `scripts/bench`, which turns the results
//! into the performance table). Groups:
//!
//! * `key/partition_key`, `key/sort_key`: a 3-part key each;
//! * `encode/{dynamo,serde_dynamo}`: struct → the item's JSON with the
//!   `pk`/`sk` attributes (the crate writes it directly; `serde_dynamo`
//!   builds rusoto's `HashMap<String, AttributeValue>`, which rusoto
//!   serializes);
//! * `decode/{dynamo,serde_dynamo}`: the item's JSON → struct (the crate
//!   reads it directly; rusoto parses the map, `serde_dynamo` decodes it);
//! * `roundtrip/{dynamo,serde_dynamo}`: encode then decode — the headline
//!   figure.
//!
//! After criterion's runs, a paired measurement (the two sides alternating
//! in short blocks, so both see the same load) prints `RESULT` lines with
//! the ratios `scripts/bench` reports.

mod support;

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group};
use dynamo::prelude::*;

use support::{
    crate_decode, crate_encode, hand_decode, hand_encode, order, parse, serde_decode, serde_encode,
    twin,
};

fn keys(c: &mut Criterion) {
    let o = order();
    assert_eq!(o.partition_key().unwrap(), "tenant-0042#7#eu-west-1");
    assert_eq!(
        o.sort_key().as_deref(),
        Some("2024-01-15#1234567#evt-9f8e7d6c")
    );
    let mut g = c.benchmark_group("key");
    g.bench_function("partition_key", |b| {
        b.iter(|| black_box(&o).partition_key())
    });
    g.bench_function("sort_key", |b| b.iter(|| black_box(&o).sort_key()));
    g.bench_function("primary_key", |b| b.iter(|| black_box(&o).primary_key()));
    g.finish();
}

fn codec(c: &mut Criterion) {
    let o = order();
    let t = twin(&o);

    // Both sides write the same attributes.
    let ours = crate_encode(&o);
    let theirs = serde_encode(&t);
    assert_eq!(
        parse(&ours),
        parse(&theirs),
        "both encoders write the same item"
    );
    assert_eq!(
        parse(&ours),
        parse(&hand_encode(&o)),
        "the hand-written floor writes it too"
    );
    assert_eq!(hand_decode(&ours), o);
    assert_eq!(crate_decode(&ours), o);
    assert_eq!(serde_decode(&theirs), t);

    let mut g = c.benchmark_group("encode");
    g.bench_function("dynamo", |b| b.iter(|| crate_encode(black_box(&o))));
    g.bench_function("serde_dynamo", |b| b.iter(|| serde_encode(black_box(&t))));
    g.finish();

    let mut g = c.benchmark_group("decode");
    g.bench_function("dynamo", |b| b.iter(|| crate_decode(black_box(&ours))));
    g.bench_function("serde_dynamo", |b| {
        b.iter(|| serde_decode(black_box(&theirs)))
    });
    g.finish();

    let mut g = c.benchmark_group("roundtrip");
    g.bench_function("dynamo", |b| {
        b.iter(|| crate_decode(&crate_encode(black_box(&o))))
    });
    g.bench_function("serde_dynamo", |b| {
        b.iter(|| serde_decode(&serde_encode(black_box(&t))))
    });
    g.finish();
}

fn config() -> Criterion {
    // Short by default: the machine is small and shared. Command-line flags
    // (`--warm-up-time`, `--measurement-time`) still override these.
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
}

criterion_group! {
    name = benches;
    config = config();
    targets = keys, codec
}

/// Seconds per call of `f`, over `iters` calls.
fn per_call(iters: usize, mut f: impl FnMut()) -> f64 {
    let started = Instant::now();
    for _ in 0..iters {
        f();
    }
    started.elapsed().as_secs_f64() / iters as f64
}

/// The crate against `serde_dynamo`, measured in alternating short blocks
/// so that both sides see the same machine load; the ratio is the median
/// of the per-pair ratios. Criterion's separate runs (above) give the
/// absolute times; on a shared machine their ratio drifts with the load of
/// the moment, this one much less.
fn paired(rounds: usize) {
    let o = order();
    let t = twin(&o);
    let ours = crate_encode(&o);
    let iters = 2000;
    type Pair<'a> = (
        &'a str,
        Box<dyn Fn() -> f64 + 'a>,
        Box<dyn Fn() -> f64 + 'a>,
    );
    let figures: [Pair<'_>; 4] = [
        (
            "encode+decode (roundtrip) vs serde_dynamo",
            Box::new(|| {
                per_call(iters, || {
                    drop(black_box(crate_decode(&crate_encode(black_box(&o)))))
                })
            }),
            Box::new(|| {
                per_call(iters, || {
                    drop(black_box(serde_decode(&serde_encode(black_box(&t)))))
                })
            }),
        ),
        (
            "encode vs serde_dynamo",
            Box::new(|| per_call(iters, || drop(black_box(crate_encode(black_box(&o)))))),
            Box::new(|| per_call(iters, || drop(black_box(serde_encode(black_box(&t)))))),
        ),
        (
            "decode vs serde_dynamo",
            Box::new(|| per_call(iters, || drop(black_box(crate_decode(black_box(&ours)))))),
            Box::new(|| per_call(iters, || drop(black_box(serde_decode(black_box(&ours)))))),
        ),
        (
            // The yardstick: hand-written code for this one struct, with no
            // checks at all, building the same rusoto map.
            "hand-written rusoto map code (no checks), roundtrip, vs serde_dynamo",
            Box::new(|| {
                per_call(iters, || {
                    drop(black_box(hand_decode(&hand_encode(black_box(&o)))))
                })
            }),
            Box::new(|| {
                per_call(iters, || {
                    drop(black_box(serde_decode(&serde_encode(black_box(&t)))))
                })
            }),
        ),
    ];
    for (name, ours, theirs) in figures {
        // Warm up.
        ours();
        theirs();
        let (mut a, mut b, mut r) = (Vec::new(), Vec::new(), Vec::new());
        for round in 0..rounds {
            let (x, y) = if round % 2 == 0 {
                let x = ours();
                (x, theirs())
            } else {
                let y = theirs();
                (ours(), y)
            };
            a.push(x);
            b.push(y);
            r.push(y / x);
        }
        let med = |mut v: Vec<f64>| {
            v.sort_by(f64::total_cmp);
            v[v.len() / 2]
        };
        let (a, b, ratio) = (med(a), med(b), med(r));
        let headline = name.starts_with("encode+decode");
        let (target, met) = if headline {
            (">= 3x", if ratio >= 3.0 { "yes" } else { "no" })
        } else {
            ("-", "-")
        };
        // Cut toward missing the target (2.999 shows as 2.99, not 3.00).
        let ratio = if headline {
            (ratio * 100.0).floor() / 100.0
        } else {
            ratio
        };
        println!(
            "RESULT\t{name} (20 attributes)\t{:.2} us\t{:.2} us\t{ratio:.2}\t{target}\t{met}",
            a * 1e6,
            b * 1e6
        );
    }
}

/// Whether criterion's command line names benchmarks to run (a positional
/// argument that is not the value of an option).
fn has_filter(args: &[String]) -> bool {
    const WITH_VALUE: &[&str] = &[
        "--warm-up-time",
        "--measurement-time",
        "--sample-size",
        "--profile-time",
        "--save-baseline",
        "--baseline",
        "--baseline-lenient",
        "--load-baseline",
        "--color",
        "--plotting-backend",
        "--output-format",
        "--noise-threshold",
        "--confidence-level",
        "--significance-level",
        "--nresamples",
        "--format",
        "--logfile",
    ];
    let mut args = args.iter();
    while let Some(a) = args.next() {
        if WITH_VALUE.contains(&a.as_str()) {
            args.next();
        } else if !a.starts_with('-') {
            return true;
        }
    }
    false
}

fn main() {
    benches();
    // Only when benchmarking (`cargo bench`), not under `cargo test --benches`,
    // and not when a filter picks some benchmarks (e.g. for profiling).
    let args: Vec<String> = std::env::args().skip(1).collect();
    let filtered = has_filter(&args) || args.iter().any(|a| a == "--profile-time");
    if args.iter().any(|a| a == "--bench") && !filtered {
        let rounds = std::env::var("DYNAMO_BENCH_PAIRED_ROUNDS")
            .ok()
            .and_then(|r| r.parse().ok())
            .unwrap_or(41);
        paired(rounds);
    }
    Criterion::default().configure_from_args().final_summary();
}
