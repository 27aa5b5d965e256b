//! Every Rust snippet in README.md and docs/ is compiled as a doc test: each
//! page must be included in the `#[cfg(doctest)]` module of `src/lib.rs`.
//! This test fails when a page is added without being included there.

use std::fs;

#[test]
fn every_docs_page_is_doc_tested() {
    let lib = fs::read_to_string("src/lib.rs").expect("src/lib.rs");
    let mut pages = vec!["README.md".to_owned()];
    for entry in fs::read_dir("docs").expect("docs/") {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if name.ends_with(".md") {
            pages.push(format!("docs/{name}"));
        }
    }
    assert!(pages.len() > 10, "docs/ has only {pages:?}");
    let missing: Vec<&String> = pages
        .iter()
        .filter(|p| !lib.contains(&format!("include_str!(\"../{p}\")")))
        .collect();
    assert!(
        missing.is_empty(),
        "not included in src/lib.rs's doc_snippets module, so their snippets are not compiled: {missing:?}"
    );
}

#[test]
fn every_rust_snippet_is_marked_as_rust() {
    // A fenced block without a language is compiled as Rust by rustdoc; one
    // marked `rs` or `rust2` would silently not be. Only known labels pass.
    for entry in fs::read_dir("docs").expect("docs/") {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "md") {
            continue;
        }
        let text = fs::read_to_string(&path).unwrap();
        let mut open = false;
        for (n, line) in text.lines().enumerate() {
            let t = line.trim_start();
            if let Some(label) = t.strip_prefix("```") {
                if open {
                    open = false;
                    continue;
                }
                open = true;
                let lang = label.split(',').next().unwrap_or("").trim();
                assert!(
                    matches!(
                        lang,
                        "rust" | "text" | "sh" | "toml" | "json" | "elixir" | "console" | "bash"
                    ),
                    "{}:{}: fenced block labelled `{label}`; use rust, text, sh, toml, json or elixir",
                    path.display(),
                    n + 1
                );
            }
        }
    }
}
