//! The `aws` build's supply chain: `cargo build --no-default-features
//! --features aws` must have no rusoto crate, no rustls below 0.21.11, no
//! ring 0.16 and no h2 0.3 in its tree (RUSTSEC-2022-0071, -2024-0336,
//! -2025-0009, -2025-0010, -2026-0258). Read from `cargo tree` over the
//! committed lock file, offline; the default (rusoto) tree is read too, to
//! show the check sees those crates when they are there.

use std::process::Command;

/// `name version` of every crate in the normal dependency tree of the
/// library with `args` (feature flags).
fn tree(args: &[&str]) -> Vec<(String, Vec<u64>)> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let out = Command::new(cargo)
        .args([
            "tree",
            "--locked",
            "--offline",
            "-e",
            "normal",
            "--prefix",
            "none",
            "--format",
            "{p}",
        ])
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run cargo tree");
    assert!(
        out.status.success(),
        "cargo tree failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut crates: Vec<(String, Vec<u64>)> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let mut words = l.split_whitespace();
            let name = words.next()?.to_owned();
            let version = words.next()?.trim_start_matches('v');
            let numbers = version
                .split(['.', '-', '+'])
                .take(3)
                .map(|n| n.parse().unwrap_or(0))
                .collect();
            Some((name, numbers))
        })
        .collect();
    crates.sort();
    crates.dedup();
    crates
}

/// The crates of a tree that the `aws` build must not have.
fn banned(tree: &[(String, Vec<u64>)]) -> Vec<String> {
    tree.iter()
        .filter(|(name, v)| {
            name.starts_with("rusoto")
                || (name == "rustls" && v.as_slice() < [0, 21, 11].as_slice())
                || (name == "ring" && v.first() == Some(&0) && v.get(1) == Some(&16))
                || (name == "h2" && v.first() == Some(&0) && v.get(1) == Some(&3))
        })
        .map(|(name, v)| format!("{name} {v:?}"))
        .collect()
}

#[test]
fn the_aws_build_has_none_of_the_flagged_crates() {
    let aws = tree(&["--no-default-features", "--features", "aws"]);
    assert!(
        aws.iter().any(|(n, _)| n == "aws-config"),
        "the aws tree was read: {aws:?}"
    );
    let found = banned(&aws);
    assert!(found.is_empty(), "the aws build's tree has {found:?}");
}

#[test]
fn the_check_sees_them_in_the_rusoto_build() {
    let rusoto = tree(&[]);
    let found = banned(&rusoto);
    assert!(
        found.iter().any(|c| c.starts_with("rusoto_core")),
        "{found:?}"
    );
    assert!(
        found.iter().any(|c| c.starts_with("rustls [0, 20")),
        "{found:?}"
    );
    assert!(
        found.iter().any(|c| c.starts_with("ring [0, 16")),
        "{found:?}"
    );
}
