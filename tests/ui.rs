//! Compile-time diagnostics of the DSL macros: every `tests/ui/fail_*.rs` must
//! fail with the blessed `.stderr` next to it, every `tests/ui/pass_*.rs` must
//! compile. The `.stderr` files were blessed with the toolchain pinned in
//! `rust-toolchain.toml`; after a bump, re-bless with
//! `TRYBUILD=overwrite cargo test --test ui` and review each file.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/fail_*.rs");
    t.pass("tests/ui/pass_*.rs");
}
