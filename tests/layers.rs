//! The library's top-level modules import one another without cycles.
//!
//! The crate is built in layers (STYLE.md, "Layers"), and data flows one way:
//!
//! ```text
//! operations      async fns and the methods a schema type offers: plan, send, interpret
//! plans           pure: schema + key + options + settings -> request value
//! schema          SchemaDef and the Schema trait: a description, no operations
//! transport       one module per backend: request value -> call -> answer
//! data            Value, keys, codec, Error, settings: import nothing above
//! ```
//!
//! A module imports only from layers below it. Rust itself allows any
//! module to name any other, so nothing stops the layers from being crossed
//! one convenient `use crate::...` at a time until, say, `schema` calls
//! `table`, which calls `client`, which reads `schema`. This test catches
//! that: it reads `src/` as text, builds the graph "top-level module ->
//! top-level module it names", and fails on every cycle, giving the
//! shortest loops through it and one `file:line` for each of its edges, so
//! the reference to move is easy to find. Under `--nocapture` it also
//! prints the layers it found, bottom first.
//!
//! What counts:
//!
//! * A top-level module is `src/<name>.rs` and everything under
//!   `src/<name>/`; `src/lib.rs`, `src/main.rs` and `src/bin/` (the CLI) are
//!   not part of any.
//! * A reference is a `crate::<name>` path anywhere in a module's code,
//!   including each branch of a grouped `use crate::{a, b::{c, d}}`. Names
//!   that `src/lib.rs` brings into the crate root (`pub use error::Result;`)
//!   count as references to the module they come from, so `crate::Result`
//!   is a reference to `error`. Other root names (`crate::prelude`,
//!   macros) are not modules and are ignored, as are references a module
//!   makes to itself.
//! * Not counted: comments (doc comments included), string, raw string and
//!   char literals, `$crate::` paths in `macro_rules!` bodies (they resolve
//!   at the caller's site), and `#[cfg(test)] mod <name> { ... }` blocks:
//!   unit tests may reach up the layers. Test-only items outside such a
//!   block do count. `super::` paths stay inside a module and are not read.
//!
//! The scan is lexical: comments and literals are blanked out byte for byte
//! (so offsets and line numbers are kept), then `crate::` paths are parsed
//! from what remains. The unit tests at the end pin the lexer down.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

/// The library's sources.
const SRC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/src");

#[test]
fn no_import_cycle_among_top_level_modules() {
    let sources = Sources::load(Path::new(SRC));
    assert!(
        sources.modules.len() >= 5,
        "found only these top-level modules in {SRC}: {:?}",
        sources.modules.keys().collect::<Vec<_>>()
    );
    let graph = dependency_graph(&sources);
    let components = strongly_connected_components(&graph);
    println!("{}", layer_report(&graph, &components));
    let cycles = cycle_report(&graph, &components);
    assert!(cycles.is_empty(), "{cycles}");
}

// ---------------------------------------------------------------------------
// The modules and the graph

/// The library's sources as text.
struct Sources {
    /// `src/lib.rs`.
    lib: String,
    /// Top-level module name -> its files (path as shown in messages, text),
    /// in path order.
    modules: BTreeMap<String, Vec<(String, String)>>,
}

impl Sources {
    /// Reads `src`: `lib.rs` and every top-level module's files.
    fn load(src: &Path) -> Sources {
        let read = |path: &Path| {
            fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        };
        let mut modules: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
        for (name, path) in dir_entries(src) {
            let (module, files) = if path.is_dir() {
                if name == "bin" {
                    continue;
                }
                (name, rust_files_under(&path))
            } else {
                match name.strip_suffix(".rs") {
                    Some("lib" | "main") | None => continue,
                    Some(stem) => (stem.to_owned(), vec![path]),
                }
            };
            let files = files.into_iter().map(|file| {
                let shown = Path::new("src").join(file.strip_prefix(src).unwrap());
                (shown.display().to_string(), read(&file))
            });
            modules.entry(module).or_default().extend(files);
        }
        for files in modules.values_mut() {
            files.sort();
        }
        Sources {
            lib: read(&src.join("lib.rs")),
            modules,
        }
    }
}

/// The entries of `dir` as (file name, path), sorted by name.
fn dir_entries(dir: &Path) -> Vec<(String, PathBuf)> {
    let entries = fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let mut entries: Vec<(String, PathBuf)> = entries
        .map(|entry| {
            let entry = entry.unwrap();
            (
                entry.file_name().to_string_lossy().into_owned(),
                entry.path(),
            )
        })
        .collect();
    entries.sort();
    entries
}

/// Every `.rs` file under `dir`, recursively.
fn rust_files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for (name, path) in dir_entries(dir) {
        if path.is_dir() {
            files.extend(rust_files_under(&path));
        } else if name.ends_with(".rs") {
            files.push(path);
        }
    }
    files
}

/// Where a module names another: the first place found.
#[derive(Clone, Debug)]
struct Site {
    file: String,
    line: usize,
    /// The path as written, e.g. `crate::table::put_item`.
    path: String,
}

/// Module -> module it references -> one place it does. Every module is a
/// key, also those that reference nothing.
type Graph = BTreeMap<String, BTreeMap<String, Site>>;

/// Which top-level modules each top-level module references.
fn dependency_graph(sources: &Sources) -> Graph {
    let modules: BTreeSet<&str> = sources.modules.keys().map(String::as_str).collect();
    let root_imports = root_imports(&sources.lib, &modules);
    let mut graph = Graph::new();
    for (module, files) in &sources.modules {
        let edges = graph.entry(module.clone()).or_default();
        for (file, text) in files {
            for reference in crate_references(text) {
                let first = reference.first.as_str();
                let target = if modules.contains(first) {
                    first
                } else if let Some(source) = root_imports.get(first) {
                    source.as_str()
                } else {
                    continue;
                };
                if target != module {
                    edges.entry(target.to_owned()).or_insert_with(|| Site {
                        file: file.clone(),
                        line: reference.line,
                        path: reference.path,
                    });
                }
            }
        }
    }
    graph
}

/// The names `lib.rs` brings into the crate root with a `use` from one of
/// `modules`, mapped to that module: `pub use error::{Error, Result};` maps
/// `Error` and `Result` to `error`. Private imports count too: a child
/// module can name them as `crate::Name` just the same. Glob imports
/// (`pub use error::*;`) are not resolved.
fn root_imports(lib: &str, modules: &BTreeSet<&str>) -> BTreeMap<String, String> {
    let code = strip_comments_and_literals(lib);
    let mut imports = BTreeMap::new();
    let mut depth = 0usize;
    let mut i = 0;
    while i < code.len() {
        match code[i] {
            b'{' => depth += 1,
            b'}' => depth = depth.saturating_sub(1),
            b'u' if depth == 0 && word_at(&code, i, "use") => {
                let (leaves, end) = parse_use_tree(&code, i + "use".len());
                for leaf in leaves {
                    let mut segments: Vec<&str> =
                        leaf.segments.iter().map(String::as_str).collect();
                    if matches!(segments.first(), Some(&("crate" | "self"))) {
                        segments.remove(0);
                    }
                    if segments.last() == Some(&"self") {
                        segments.pop();
                    }
                    let (Some(&module), Some(&last)) = (segments.first(), segments.last()) else {
                        continue;
                    };
                    let name = leaf.alias.as_deref().unwrap_or(last);
                    if modules.contains(module) && name != "*" && name != "_" {
                        imports.insert(name.to_owned(), module.to_owned());
                    }
                }
                i = end;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    imports
}

// ---------------------------------------------------------------------------
// Cycles and layers

/// Tarjan's algorithm. A component comes out only after every component it
/// references, so the result is in layer order, bottom first.
fn strongly_connected_components(graph: &Graph) -> Vec<Vec<String>> {
    struct Tarjan<'g> {
        graph: &'g Graph,
        next_index: usize,
        index: BTreeMap<&'g str, usize>,
        low_link: BTreeMap<&'g str, usize>,
        stack: Vec<&'g str>,
        components: Vec<Vec<String>>,
    }

    impl<'g> Tarjan<'g> {
        fn visit(&mut self, node: &'g str) {
            self.index.insert(node, self.next_index);
            self.low_link.insert(node, self.next_index);
            self.next_index += 1;
            self.stack.push(node);
            for next in self.graph[node].keys() {
                let next = next.as_str();
                if !self.index.contains_key(next) {
                    self.visit(next);
                    let low = self.low_link[node].min(self.low_link[next]);
                    self.low_link.insert(node, low);
                } else if self.stack.contains(&next) {
                    let low = self.low_link[node].min(self.index[next]);
                    self.low_link.insert(node, low);
                }
            }
            if self.low_link[node] == self.index[node] {
                let start = self.stack.iter().rposition(|&n| n == node).unwrap();
                let mut component: Vec<String> =
                    self.stack.drain(start..).map(str::to_owned).collect();
                component.sort();
                self.components.push(component);
            }
        }
    }

    let mut tarjan = Tarjan {
        graph,
        next_index: 0,
        index: BTreeMap::new(),
        low_link: BTreeMap::new(),
        stack: Vec::new(),
        components: Vec::new(),
    };
    for node in graph.keys() {
        if !tarjan.index.contains_key(node.as_str()) {
            tarjan.visit(node);
        }
    }
    tarjan.components
}

/// The layers, bottom first: each component with its level (one above the
/// highest component it imports) and the modules it imports. `components`
/// must be in dependency order, as `strongly_connected_components` gives.
fn layer_report(graph: &Graph, components: &[Vec<String>]) -> String {
    let mut level_of: BTreeMap<&str, usize> = BTreeMap::new();
    let mut rows = Vec::new();
    for component in components {
        let imports: BTreeSet<&str> = component
            .iter()
            .flat_map(|module| graph[module].keys())
            .map(String::as_str)
            .filter(|target| !component.iter().any(|m| m == target))
            .collect();
        let level = imports.iter().map(|m| level_of[m] + 1).max().unwrap_or(0);
        for module in component {
            level_of.insert(module, level);
        }
        let name = match component.as_slice() {
            [single] => single.clone(),
            several => format!("{{{}}} (CYCLE)", several.join(", ")),
        };
        rows.push((level, name, imports));
    }
    rows.sort();

    let mut report = String::from(
        "Top-level modules in layer order, bottom first \
         (level: module -> the modules it imports):\n",
    );
    for (level, name, imports) in rows {
        let imports: Vec<&str> = imports.into_iter().collect();
        match imports.as_slice() {
            [] => writeln!(report, "  {level:>2}: {name}"),
            _ => writeln!(report, "  {level:>2}: {name} -> {}", imports.join(", ")),
        }
        .unwrap();
    }
    report
}

/// Empty when there is no cycle. Otherwise, for each cycle: its modules, the
/// shortest cycle through each of them (the short ones are where to cut),
/// and every edge inside it with the place it comes from.
fn cycle_report(graph: &Graph, components: &[Vec<String>]) -> String {
    let cycles: Vec<&Vec<String>> = components.iter().filter(|c| c.len() > 1).collect();
    if cycles.is_empty() {
        return String::new();
    }
    let mut report = format!(
        "{} import cycle(s) among the top-level modules of src/. A module may import \
         only from the layers below it (STYLE.md, \"Layers\"); move the shared rule \
         down to the lowest layer both sides can see.\n",
        cycles.len()
    );
    for component in cycles {
        let members: BTreeSet<&str> = component.iter().map(String::as_str).collect();
        writeln!(report, "\ncycle among {{{}}}", component.join(", ")).unwrap();
        writeln!(report, "  shortest cycle through each module:").unwrap();
        let mut shown = BTreeSet::new();
        for module in component {
            let cycle = shortest_cycle(graph, &members, module);
            // The same cycle, reached from another module on it, is shown once.
            let mut ring = cycle[1..].to_vec();
            let smallest = (0..ring.len()).min_by_key(|&i| &ring[i]).unwrap();
            ring.rotate_left(smallest);
            if shown.insert(ring) {
                writeln!(report, "    {}", cycle.join(" -> ")).unwrap();
            }
        }
        writeln!(report, "  its imports (one place each):").unwrap();
        for module in component {
            for (target, site) in &graph[module] {
                if members.contains(target.as_str()) {
                    let Site { file, line, path } = site;
                    writeln!(report, "    {module} -> {target} ({file}:{line}: {path})").unwrap();
                }
            }
        }
    }
    report
}

/// A shortest cycle from `start` back to itself inside `members`, which must
/// be a strongly connected component of more than one module.
fn shortest_cycle(graph: &Graph, members: &BTreeSet<&str>, start: &str) -> Vec<String> {
    let mut came_from: BTreeMap<&str, &str> = BTreeMap::new();
    let mut queue = VecDeque::from([start]);
    while let Some(node) = queue.pop_front() {
        for next in graph[node].keys().map(String::as_str) {
            if !members.contains(next) {
                continue;
            }
            if next == start {
                let mut cycle = vec![start.to_owned()];
                let mut at = node;
                while at != start {
                    cycle.push(at.to_owned());
                    at = came_from[at];
                }
                cycle.push(start.to_owned());
                cycle.reverse();
                return cycle;
            }
            if !came_from.contains_key(next) {
                came_from.insert(next, node);
                queue.push_back(next);
            }
        }
    }
    unreachable!("{start} is in a strongly connected component of {members:?}")
}

// ---------------------------------------------------------------------------
// The lexer: comments, literals and test modules out, `crate::` paths in

/// A `crate::` path found in a file.
#[derive(Debug, PartialEq)]
struct CrateRef {
    /// The segment after `crate::`: a module, or a name `lib.rs` imports.
    first: String,
    /// The whole path as written, one branch of a use group at a time:
    /// `crate::table::put_item`, `crate::b::c`.
    path: String,
    /// 1-based.
    line: usize,
}

/// Every `crate::` path in `source`'s code; see the header for what is left
/// out.
fn crate_references(source: &str) -> Vec<CrateRef> {
    let mut code = strip_comments_and_literals(source);
    strip_test_modules(&mut code);
    let newlines: Vec<usize> = code
        .iter()
        .enumerate()
        .filter(|&(_, &b)| b == b'\n')
        .map(|(i, _)| i)
        .collect();
    let line_of = |offset: usize| newlines.partition_point(|&n| n < offset) + 1;

    let mut references = Vec::new();
    let mut from = 0;
    while let Some(at) = find(&code, from, b"crate") {
        from = at + "crate".len();
        // `$crate` in a macro body, or `my_crate`.
        if at > 0 && (is_ident_byte(code[at - 1]) || code[at - 1] == b'$') {
            continue;
        }
        // `crates`, or `pub(crate)` and `extern crate` (no `::`).
        let Some(after) = token_at(&code, from, "::") else {
            continue;
        };
        let (leaves, _) = parse_use_tree(&code, after);
        for leaf in leaves {
            let first = leaf.segments[0].clone();
            if matches!(first.as_str(), "self" | "super" | "*") {
                continue;
            }
            references.push(CrateRef {
                first,
                path: display_path(&leaf.segments),
                line: line_of(leaf.offset),
            });
        }
    }
    references
}

/// `crate::` and `segments`; a trailing `self` (from `use crate::a::{self}`)
/// is left out.
fn display_path(segments: &[String]) -> String {
    let shown = match segments {
        [init @ .., last] if last == "self" => init,
        all => all,
    };
    format!("crate::{}", shown.join("::"))
}

/// `source` with every comment, string literal (plain, byte, C, raw) and
/// char literal replaced by spaces, byte for byte; newlines are kept, so
/// offsets and line numbers are those of `source`.
fn strip_comments_and_literals(source: &str) -> Vec<u8> {
    let bytes = source.as_bytes();
    let mut code = bytes.to_vec();
    let mut i = 0;
    while i < bytes.len() {
        match comment_or_literal_end(bytes, i) {
            Some(end) => {
                blank(&mut code, i, end);
                i = end;
            }
            None => i += 1,
        }
    }
    code
}

/// The end of the comment or literal that starts at `i`, if one does.
fn comment_or_literal_end(b: &[u8], i: usize) -> Option<usize> {
    let rest = &b[i..];
    if rest.starts_with(b"//") {
        return Some(find(b, i, b"\n").unwrap_or(b.len()));
    }
    if rest.starts_with(b"/*") {
        return Some(block_comment_end(b, i));
    }
    if let Some(end) = raw_string_end(b, i) {
        return Some(end);
    }
    match b[i] {
        b'"' => Some(string_end(b, i + 1)),
        b'\'' => char_literal_end(b, i),
        _ => None,
    }
}

/// Block comments nest: `/* a /* b */ c */` is one comment.
fn block_comment_end(b: &[u8], start: usize) -> usize {
    let mut depth = 0;
    let mut i = start;
    while i < b.len() {
        if b[i..].starts_with(b"/*") {
            depth += 1;
            i += 2;
        } else if b[i..].starts_with(b"*/") {
            depth -= 1;
            i += 2;
            if depth == 0 {
                return i;
            }
        } else {
            i += 1;
        }
    }
    b.len()
}

/// After the opening quote: the end of a string with `\` escapes.
fn string_end(b: &[u8], mut i: usize) -> usize {
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    b.len()
}

/// `r"..."`, `r#"..."#`, `br##"..."##`, `cr"..."`: ends at the first quote
/// followed by as many `#` as opened it. `r#type` (a raw identifier) is not
/// a raw string.
fn raw_string_end(b: &[u8], i: usize) -> Option<usize> {
    let starts_token = |at: usize| at == 0 || !is_ident_byte(b[at - 1]);
    let prefixed = i > 0 && matches!(b[i - 1], b'b' | b'c') && starts_token(i - 1);
    if b[i] != b'r' || !(starts_token(i) || prefixed) {
        return None;
    }
    let hashes = b[i + 1..].iter().take_while(|&&c| c == b'#').count();
    let quote = i + 1 + hashes;
    if b.get(quote) != Some(&b'"') {
        return None;
    }
    let mut closing = vec![b'"'];
    closing.resize(1 + hashes, b'#');
    Some(find(b, quote + 1, &closing).map_or(b.len(), |at| at + closing.len()))
}

/// `'x'`, `'\n'`, `'\''`, `'\u{1F600}'`, `'é'`, but not the lifetime or
/// label `'a`: a char literal is one char (or one escape) and a quote.
fn char_literal_end(b: &[u8], i: usize) -> Option<usize> {
    let first = *b.get(i + 1)?;
    if first == b'\\' {
        // The escaped byte may be a quote itself; the closing one comes after.
        return find(b, i + 3, b"'").map(|close| close + 1);
    }
    let close = i + 1 + utf8_len(first);
    (b.get(close) == Some(&b'\'')).then_some(close + 1)
}

/// The length of the UTF-8 character that starts with `first`.
fn utf8_len(first: u8) -> usize {
    match first {
        0x00..=0x7f => 1,
        0x80..=0xdf => 2,
        0xe0..=0xef => 3,
        _ => 4,
    }
}

/// Blanks out every `#[cfg(test)] mod <name> { ... }` in code already free
/// of comments and literals (so braces balance). Other attributes and a
/// visibility may stand between the `#[cfg(test)]` and the `mod`.
fn strip_test_modules(code: &mut [u8]) {
    const CFG_TEST: [&str; 7] = ["#", "[", "cfg", "(", "test", ")", "]"];
    let mut from = 0;
    while let Some(at) = find(code, from, b"#") {
        from = at + 1;
        let Some(after) = tokens_at(code, at, &CFG_TEST) else {
            continue;
        };
        let Some(open) = test_module_body(code, after) else {
            continue;
        };
        let end = matching_close(code, open);
        blank(code, at, end);
        from = end;
    }
}

/// After a `#[cfg(test)]`: the position of the `{` of `mod <name> {`, past
/// any further attributes and a visibility.
fn test_module_body(code: &[u8], mut i: usize) -> Option<usize> {
    loop {
        i = skip_whitespace(code, i);
        if code.get(i) == Some(&b'#') {
            let open = token_at(code, i + 1, "[")? - 1;
            i = matching_close(code, open);
        } else {
            break;
        }
    }
    if let Some(after) = token_at(code, i, "pub") {
        i = match token_at(code, after, "(") {
            Some(open) => matching_close(code, open - 1),
            None => after,
        };
    }
    let (_, after_name) = ident_at(code, token_at(code, i, "mod")?)?;
    Some(token_at(code, after_name, "{")? - 1)
}

/// The position after the bracket that closes the one at `open`.
fn matching_close(code: &[u8], open: usize) -> usize {
    let mut depth = 0usize;
    for (i, &c) in code.iter().enumerate().skip(open) {
        match c {
            b'{' | b'[' | b'(' => depth += 1,
            b'}' | b']' | b')' => {
                depth -= 1;
                if depth == 0 {
                    return i + 1;
                }
            }
            _ => {}
        }
    }
    code.len()
}

/// One leaf of a use tree: `a::{b, c::d as e}` has the leaves `a::b` and
/// `a::c::d` (alias `e`).
#[derive(Debug)]
struct UseLeaf {
    segments: Vec<String>,
    alias: Option<String>,
    /// Where the leaf's first segment is written.
    offset: usize,
}

/// The leaves of the use tree (or plain path) at `i`, and where it ends. A
/// path in an expression stops at its first non-path token:
/// `a::f::<T>(x)` is the leaf `a::f`.
fn parse_use_tree(code: &[u8], i: usize) -> (Vec<UseLeaf>, usize) {
    let mut leaves = Vec::new();
    let end = use_tree(code, i, &[], None, &mut leaves);
    (leaves, end)
}

fn use_tree(
    code: &[u8],
    mut i: usize,
    prefix: &[String],
    mut offset: Option<usize>,
    leaves: &mut Vec<UseLeaf>,
) -> usize {
    let mut segments = prefix.to_vec();
    loop {
        i = skip_whitespace(code, i);
        match code.get(i) {
            Some(b'{') => return use_group(code, i + 1, &segments, offset, leaves),
            Some(b'*') => {
                segments.push("*".to_owned());
                offset.get_or_insert(i);
                i += 1;
                break;
            }
            _ => {}
        }
        let Some((name, end)) = ident_at(code, i) else {
            break;
        };
        offset.get_or_insert(i);
        segments.push(name);
        i = end;
        match token_at(code, i, "::") {
            Some(after) => i = after,
            None => break,
        }
    }
    let mut alias = None;
    if let Some((name, end)) = token_at(code, i, "as").and_then(|after| ident_at(code, after)) {
        alias = Some(name);
        i = end;
    }
    if segments.len() > prefix.len()
        && let Some(offset) = offset
    {
        leaves.push(UseLeaf {
            segments,
            alias,
            offset,
        });
    }
    i
}

/// After the `{` of a use group: its comma-separated trees, up to the `}`.
fn use_group(
    code: &[u8],
    mut i: usize,
    prefix: &[String],
    offset: Option<usize>,
    leaves: &mut Vec<UseLeaf>,
) -> usize {
    loop {
        i = skip_whitespace(code, i);
        match code.get(i) {
            None => return i,
            Some(b'}') => return i + 1,
            Some(b',') => i += 1,
            Some(_) => {
                let end = use_tree(code, i, prefix, offset, leaves);
                // Not a tree (malformed code): step over the byte.
                i = if end == i { i + 1 } else { end };
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Byte helpers

fn is_ident_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80
}

fn blank(code: &mut [u8], start: usize, end: usize) {
    for c in &mut code[start..end] {
        if *c != b'\n' {
            *c = b' ';
        }
    }
}

fn find(code: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    code.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|at| from + at)
}

fn skip_whitespace(code: &[u8], i: usize) -> usize {
    i + code[i.min(code.len())..]
        .iter()
        .take_while(|c| c.is_ascii_whitespace())
        .count()
}

/// `word` at `i` as a whole word (not part of a longer identifier).
fn word_at(code: &[u8], i: usize, word: &str) -> bool {
    (i == 0 || !is_ident_byte(code[i - 1]))
        && code[i..].starts_with(word.as_bytes())
        && !code.get(i + word.len()).is_some_and(|&c| is_ident_byte(c))
}

/// After optional whitespace at `i`, `token` (a whole word if it is one):
/// the position after it.
fn token_at(code: &[u8], i: usize, token: &str) -> Option<usize> {
    let i = skip_whitespace(code, i);
    if !code.get(i..)?.starts_with(token.as_bytes()) {
        return None;
    }
    let end = i + token.len();
    let is_word = token.bytes().all(is_ident_byte);
    if is_word && code.get(end).is_some_and(|&c| is_ident_byte(c)) {
        return None;
    }
    Some(end)
}

/// `tokens`, in order, each after optional whitespace.
fn tokens_at(code: &[u8], i: usize, tokens: &[&str]) -> Option<usize> {
    tokens
        .iter()
        .try_fold(i, |at, token| token_at(code, at, token))
}

/// An identifier (`r#` raw ones too) at `i`, after optional whitespace, and
/// the position after it.
fn ident_at(code: &[u8], i: usize) -> Option<(String, usize)> {
    let mut start = skip_whitespace(code, i);
    if code.get(start..)?.starts_with(b"r#") {
        start += 2;
    }
    let len = code[start..]
        .iter()
        .take_while(|&&c| is_ident_byte(c))
        .count();
    if len == 0 || code[start].is_ascii_digit() {
        return None;
    }
    let name = String::from_utf8_lossy(&code[start..start + len]).into_owned();
    Some((name, start + len))
}

// ---------------------------------------------------------------------------
// The lexer's own tests

/// The first segments of the `crate::` paths in `source`.
fn firsts(source: &str) -> Vec<String> {
    crate_references(source)
        .into_iter()
        .map(|r| r.first)
        .collect()
}

#[test]
fn comments_are_not_code() {
    let source = "\
// crate::a::f
/// [`x`](crate::b)
//! crate::c
/* crate::d /* nested crate::e */ crate::f */
use crate::g; // crate::h
/** crate::i */ fn f() -> crate::j::T {}
";
    assert_eq!(firsts(source), ["g", "j"]);
}

#[test]
fn strings_are_not_code() {
    let source = r#"
let s = "crate::a \" crate::b \\";
let t = b"crate::c"; let u = c"crate::d";
let v = "
    crate::e
";
use crate::f;
"#;
    assert_eq!(firsts(source), ["f"]);
}

#[test]
fn raw_strings_are_not_code() {
    let source = r###"
let a = r"crate::a \";
let b = r#"crate::b " crate::c"#;
let c = br##"crate::d "# crate::e"##;
let r#type = crate::f::g;
let x = crate::h::i;
"###;
    assert_eq!(firsts(source), ["f", "h"]);
}

#[test]
fn char_literals_are_not_code_but_lifetimes_are() {
    let source = r#"
fn f<'a, 'b>(x: &'a str, y: &'b crate::a::T) -> crate::b::U<'a> {
    let quotes = ['"', '\'', '\\', b'"', '\u{22}', 'é'];
    let braces = ['{', '}'];
    'outer: loop { break 'outer; }
    crate::c::g(x)
}
"#;
    assert_eq!(firsts(source), ["a", "b", "c"]);
}

#[test]
fn grouped_uses_count_every_branch() {
    let source = "\
use crate::{
    a,
    b::{c, d::{e, f}},
    g::h as i,
    self,
};
use crate::j::{k::*, l};
fn f() { crate::m::n::<u8>(); }
use crate::o::{self, p};
";
    let paths: Vec<(String, String, usize)> = crate_references(source)
        .into_iter()
        .map(|r| (r.first, r.path, r.line))
        .collect();
    let expected = [
        ("a", "crate::a", 2),
        ("b", "crate::b::c", 3),
        ("b", "crate::b::d::e", 3),
        ("b", "crate::b::d::f", 3),
        ("g", "crate::g::h", 4),
        ("j", "crate::j::k::*", 7),
        ("j", "crate::j::l", 7),
        ("m", "crate::m::n", 8),
        ("o", "crate::o", 9),
        ("o", "crate::o::p", 9),
    ];
    let expected: Vec<(String, String, usize)> = expected
        .iter()
        .map(|&(first, path, line)| (first.to_owned(), path.to_owned(), line))
        .collect();
    assert_eq!(paths, expected);
}

#[test]
fn dollar_crate_and_other_crate_words_are_not_references() {
    let source = "
macro_rules! m { () => { $crate::a::f() }; }
pub(crate) fn f() { my_crate::b(); crates::c(); }
extern crate alloc;
pub(in crate::d) fn g() { crate :: e :: h() }
";
    assert_eq!(firsts(source), ["d", "e"]);
}

#[test]
fn cfg_test_modules_are_skipped() {
    let source = "\
use crate::a;

#[cfg(test)]
#[allow(unused)]
mod tests {
    use crate::b;
    const BRACE: char = '}';
    /* } */
    fn nested() { crate::c::f(); }
}

#[cfg(test)]
fn test_helper() { crate::d::f(); }

#[cfg(test)] pub(crate) mod more { use crate::e; }

fn after() { crate::f::g(); }
";
    let found: Vec<(String, usize)> = crate_references(source)
        .into_iter()
        .map(|r| (r.first, r.line))
        .collect();
    let expected = [("a", 1), ("d", 13), ("f", 17)];
    let expected: Vec<(String, usize)> = expected
        .iter()
        .map(|&(first, line)| (first.to_owned(), line))
        .collect();
    assert_eq!(found, expected);
}

#[test]
fn root_imports_map_names_to_their_module() {
    let lib = "
mod error;
pub mod codec;
pub use error::{Error, Result};
pub(crate) use codec::{
    Decode,   // a comment
    encoder as enc,
    self,
};
use crate::codec::Encode;
pub use serde_json::Value;
pub use error::*;
pub mod prelude { pub use crate::codec::Item; }
";
    let modules = BTreeSet::from(["codec", "error"]);
    let imports = root_imports(lib, &modules);
    let expected = [
        ("Decode", "codec"),
        ("Encode", "codec"),
        ("Error", "error"),
        ("Result", "error"),
        ("codec", "codec"),
        ("enc", "codec"),
    ];
    let expected: BTreeMap<String, String> = expected
        .iter()
        .map(|&(name, module)| (name.to_owned(), module.to_owned()))
        .collect();
    assert_eq!(imports, expected);
}

/// `a` imports `b`, `b` names `c` through a root re-export, `c` imports `a`;
/// `d` and `e` hang off the cycle.
fn synthetic_crate() -> Sources {
    let files = [
        ("a", "src/a.rs", "use crate::b::X;\nuse crate::d;"),
        ("b", "src/b/mod.rs", "mod inner;"),
        ("b", "src/b/inner.rs", "\n\nfn f() { crate::Thing::new(); }"),
        ("c", "src/c.rs", "use crate::{a::Y, c::Z, Unknown};"),
        ("d", "src/d.rs", ""),
        ("e", "src/e.rs", "use crate::c;"),
    ];
    let mut modules: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for (module, path, text) in files {
        let file = (path.to_owned(), text.to_owned());
        modules.entry(module.to_owned()).or_default().push(file);
    }
    Sources {
        lib: "pub use c::Thing;".to_owned(),
        modules,
    }
}

#[test]
fn a_cycle_through_three_modules_is_found_and_explained() {
    let graph = dependency_graph(&synthetic_crate());
    let components = strongly_connected_components(&graph);
    assert_eq!(
        components,
        [vec!["d"], vec!["a", "b", "c"], vec!["e"]],
        "{graph:#?}"
    );

    let report = cycle_report(&graph, &components);
    let expected = "
cycle among {a, b, c}
  shortest cycle through each module:
    a -> b -> c -> a
  its imports (one place each):
    a -> b (src/a.rs:1: crate::b::X)
    b -> c (src/b/inner.rs:3: crate::Thing::new)
    c -> a (src/c.rs:1: crate::a::Y)
";
    assert!(report.starts_with("1 import cycle(s)"), "{report}");
    assert!(report.ends_with(expected), "{report}");

    let layers = layer_report(&graph, &components);
    assert!(layers.contains("   0: d\n"), "{layers}");
    assert!(
        layers.contains("   1: {a, b, c} (CYCLE) -> d\n"),
        "{layers}"
    );
    assert!(layers.contains("   2: e -> c\n"), "{layers}");
}

#[test]
fn no_cycle_gives_an_empty_report() {
    let mut sources = synthetic_crate();
    sources.modules.remove("c");
    let graph = dependency_graph(&sources);
    let components = strongly_connected_components(&graph);
    assert!(components.iter().all(|c| c.len() == 1), "{components:?}");
    assert_eq!(cycle_report(&graph, &components), "");
}
