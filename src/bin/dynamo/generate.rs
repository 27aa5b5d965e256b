//! `dynamo generate-schema`: infers a `dynamo_item!` block from a table's key
//! schema and a sample of its items.
//!
//! The rules:
//!
//! * The table's key attributes (`HASH`, `RANGE`) become fields marked
//!   `partition_key` / `sort_key`, and the `use` line pins
//!   `partition_key_name` / `sort_key_name` to the attribute names. A key
//!   built from one field is that field's value verbatim, so items read
//!   through the schema write back unchanged, whatever key format wrote them.
//! * Every other attribute seen in the sample becomes a field, sorted by
//!   name: `S` → `String`, `N` → `i64` when every value is an integer that
//!   fits, `f64` otherwise (`dynamo::Number` for values an `f64` cannot
//!   hold), `BOOL` → `bool`, `B` → `Vec<u8>`, `SS`/`NS`/`BS` → a `BTreeSet`,
//!   `L` → a `Vec` of the common element type (else of `dynamo::Value`, as
//!   for a list holding a `NULL`),
//!   `M` → `BTreeMap<String, dynamo::Value>`.
//! * An attribute missing (or `NULL`) in some sampled items is an
//!   `Option<T>`; one seen with conflicting types is an untyped field
//!   (`dynamo::Value`).
//! * Attribute names that are not Rust identifiers (`first-name`, `type`)
//!   are skipped and listed in a comment; key attributes with such names get
//!   a cleaned-up field name and a note.
//! * Global secondary indexes whose key attributes are fields are declared.
//! * When time to live is on, its attribute's field is marked `ttl` if it
//!   holds whole numbers (an `Option<i64>` field is added when no sampled
//!   item has it yet); otherwise a note says why it is not marked.

use std::collections::{BTreeMap, BTreeSet};

use dynamo::table::TableInfo;
use dynamo::{Item, Value};

/// How one attribute was seen across the sample.
#[derive(Clone, Debug, PartialEq)]
enum Shape {
    Str,
    Num(NumKind),
    Bool,
    Bytes,
    StrSet,
    NumSet(NumKind),
    BytesSet,
    /// A list with the merged shape of its elements (`None`: no element seen).
    List(Option<Box<Elem>>),
    Map,
    /// Conflicting types.
    Mixed,
}

/// Element shape of lists.
#[derive(Clone, Debug, PartialEq)]
enum Elem {
    Str,
    Num(NumKind),
    Bool,
    Other,
}

/// The narrowest Rust number type that holds every value seen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum NumKind {
    /// An integer an `f64` holds exactly too (at most 15 digits).
    Int,
    /// An `i64` with more digits than an `f64` keeps.
    LongInt,
    Float,
    Exact,
}

impl NumKind {
    fn of(n: &dynamo::Number) -> NumKind {
        let short = n.significant_digits() <= 15;
        if n.is_integer() && n.as_i64().is_some() {
            if short {
                NumKind::Int
            } else {
                NumKind::LongInt
            }
        } else if short && n.as_f64().is_finite() {
            NumKind::Float
        } else {
            NumKind::Exact
        }
    }

    /// The narrowest kind that holds the values of both: a fraction beside
    /// an integer of more digits than an `f64` keeps needs exact numbers.
    fn join(self, other: NumKind) -> NumKind {
        use NumKind::*;
        match (self, other) {
            (x, y) if x == y => x,
            (Exact, _) | (_, Exact) | (LongInt, Float) | (Float, LongInt) => Exact,
            (Int, LongInt) | (LongInt, Int) => LongInt,
            _ => Float,
        }
    }

    fn rust(self) -> &'static str {
        match self {
            NumKind::Int | NumKind::LongInt => "i64",
            NumKind::Float => "f64",
            NumKind::Exact => "dynamo::Number",
        }
    }
}

fn elem_of(v: &Value) -> Elem {
    match v {
        Value::String(_) => Elem::Str,
        Value::Number(n) => Elem::Num(NumKind::of(n)),
        Value::Bool(_) => Elem::Bool,
        // A NULL element too: a `Vec` of strings, numbers or booleans
        // cannot hold one.
        _ => Elem::Other,
    }
}

fn merge_elem(a: Option<Elem>, b: Option<Elem>) -> Option<Elem> {
    match (a, b) {
        (None, x) | (x, None) => x,
        (Some(Elem::Num(x)), Some(Elem::Num(y))) => Some(Elem::Num(x.join(y))),
        (Some(x), Some(y)) if x == y => Some(x),
        _ => Some(Elem::Other),
    }
}

fn shape_of(v: &Value) -> Option<Shape> {
    Some(match v {
        Value::Null => return None,
        Value::String(_) => Shape::Str,
        Value::Number(n) => Shape::Num(NumKind::of(n)),
        Value::Bool(_) => Shape::Bool,
        Value::Binary(_) => Shape::Bytes,
        Value::StringSet(_) => Shape::StrSet,
        Value::NumberSet(s) => Shape::NumSet(
            s.iter()
                .map(NumKind::of)
                .reduce(NumKind::join)
                .unwrap_or(NumKind::Int),
        ),
        Value::BinarySet(_) => Shape::BytesSet,
        Value::List(items) => Shape::List(
            items
                .iter()
                .map(|v| Some(elem_of(v)))
                .fold(None, merge_elem)
                .map(Box::new),
        ),
        Value::Map(_) => Shape::Map,
    })
}

fn merge(a: Shape, b: Shape) -> Shape {
    match (a, b) {
        (Shape::Num(x), Shape::Num(y)) => Shape::Num(x.join(y)),
        (Shape::NumSet(x), Shape::NumSet(y)) => Shape::NumSet(x.join(y)),
        (Shape::List(x), Shape::List(y)) => {
            Shape::List(merge_elem(x.map(|b| *b), y.map(|b| *b)).map(Box::new))
        }
        (x, y) if x == y => x,
        _ => Shape::Mixed,
    }
}

impl Shape {
    /// The Rust type, `None` for an untyped field.
    fn rust(&self) -> Option<String> {
        Some(match self {
            Shape::Str => "String".into(),
            Shape::Num(k) => k.rust().into(),
            Shape::Bool => "bool".into(),
            Shape::Bytes => "Vec<u8>".into(),
            Shape::StrSet => "std::collections::BTreeSet<String>".into(),
            Shape::NumSet(NumKind::Int | NumKind::LongInt) => {
                "std::collections::BTreeSet<i64>".into()
            }
            // f64 is not `Ord`: sets of fractions keep exact numbers.
            Shape::NumSet(_) => "std::collections::BTreeSet<dynamo::Number>".into(),
            Shape::BytesSet => "std::collections::BTreeSet<Vec<u8>>".into(),
            Shape::List(e) => match e.as_deref() {
                Some(Elem::Str) => "Vec<String>".into(),
                Some(Elem::Num(k)) => format!("Vec<{}>", k.rust()),
                Some(Elem::Bool) => "Vec<bool>".into(),
                _ => "Vec<dynamo::Value>".into(),
            },
            Shape::Map => "std::collections::BTreeMap<String, dynamo::Value>".into(),
            Shape::Mixed => return None,
        })
    }
}

/// A key attribute's role.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyRole {
    /// `HASH`.
    Partition,
    /// `RANGE`.
    Sort,
}

/// One generated field.
#[derive(Clone, Debug, PartialEq)]
pub struct GenField {
    /// The Rust field name.
    pub name: String,
    /// The DynamoDB attribute it holds.
    pub attribute: String,
    /// The Rust type as written, `None` for an untyped (`dynamo::Value`) field.
    pub rust_type: Option<String>,
    /// Whether the type is wrapped in `Option`.
    pub optional: bool,
    /// For key attributes: which key.
    pub key: Option<KeyRole>,
    /// In how many sampled items the attribute was set.
    pub present_in: usize,
    /// DynamoDB types seen (`S`, `N`, …).
    pub types_seen: BTreeSet<&'static str>,
    /// A remark printed after the field.
    pub comment: Option<String>,
    /// The table's time-to-live attribute (`ttl` in the block).
    pub ttl: bool,
}

impl GenField {
    /// The full type as declared (`Option<…>` included; `dynamo::Value` for
    /// untyped fields).
    pub fn declared_type(&self) -> String {
        match (&self.rust_type, self.optional) {
            (None, _) => "dynamo::Value".into(),
            (Some(t), true) => format!("Option<{t}>"),
            (Some(t), false) => t.clone(),
        }
    }
}

/// A generated index line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GenIndex {
    /// Index name.
    pub name: String,
    /// Partition-key fields (one, or up to four for a multi-attribute key;
    /// none for a local index, which uses the table's).
    pub partition_key: Vec<String>,
    /// Sort-key fields, in key order.
    pub sort_key: Vec<String>,
    /// A local secondary index.
    pub local: bool,
}

/// The inferred schema.
#[derive(Clone, Debug, PartialEq)]
pub struct Generated {
    /// The table.
    pub table: String,
    /// The struct's name.
    pub struct_name: String,
    /// How many items were sampled.
    pub sampled: usize,
    /// Fields: keys first, then by attribute name.
    pub fields: Vec<GenField>,
    /// Declared indexes.
    pub indexes: Vec<GenIndex>,
    /// Attributes left out, with the reason.
    pub skipped: Vec<(String, String)>,
    /// Remarks printed as comments above the block.
    pub notes: Vec<String>,
    /// The type name the crate wrote into the sampled items (the most
    /// common, when several): the struct's `type_name`.
    pub type_name: Option<String>,
}

const KEYWORDS: &[&str] = &[
    "as", "break", "const", "continue", "crate", "else", "enum", "extern", "false", "fn", "for",
    "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return",
    "self", "Self", "static", "struct", "super", "trait", "true", "type", "unsafe", "use", "where",
    "while", "async", "await", "dyn", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "typeof", "unsized", "virtual", "yield", "try", "gen",
];

/// Whether `s` can be written as a plain (non-raw) Rust identifier.
pub fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    let first_ok = matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_');
    first_ok
        && s != "_"
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !KEYWORDS.contains(&s)
}

/// A field name for a key attribute whose name is not an identifier.
fn clean_identifier(s: &str, taken: &BTreeSet<String>) -> String {
    let mut out: String = s
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) || out == "_" {
        out.insert_str(0, "key_");
    }
    if KEYWORDS.contains(&out.as_str()) {
        out.push('_');
    }
    let base = out.clone();
    let mut n = 2;
    while taken.contains(&out) {
        out = format!("{base}_{n}");
        n += 1;
    }
    out
}

/// Names a generated struct cannot have: the block's field types and the
/// paths it writes (`String`, `Option<…>`, `Vec<u8>`, `std::collections::…`,
/// `dynamo::Value`) would name the struct instead, and it would not compile.
const SHADOWED: &[&str] = &[
    "String", "Option", "Vec", "bool", "f64", "i64", "u8", "std", "core", "alloc", "dynamo",
];

/// Why `name` cannot be the generated struct's name (it would shadow a type
/// or path the block uses), if so.
pub fn shadows(name: &str) -> Option<String> {
    SHADOWED.contains(&name).then(|| {
        format!("`{name}` is a type or path the generated block uses; the struct would shadow it")
    })
}

/// The default struct name for a table: its name's words capitalised
/// (`users_data-v2` → `UsersDataV2`).
pub fn struct_name_for(table: &str) -> String {
    let mut out = String::new();
    for word in table.split(|c: char| !c.is_ascii_alphanumeric()) {
        let mut cs = word.chars();
        if let Some(c) = cs.next() {
            out.push(c.to_ascii_uppercase());
            out.extend(cs);
        }
    }
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert_str(0, "Table");
    }
    if KEYWORDS.contains(&out.as_str()) || shadows(&out).is_some() {
        out.push_str("Item");
    }
    out
}

struct Seen {
    shape: Option<Shape>,
    present: usize,
    types: BTreeSet<&'static str>,
}

/// Marks the field of the time-to-live attribute `attr` as `ttl`, adds it
/// when no sampled item has it, or says in a note why it cannot be marked.
fn mark_ttl(g: &mut Generated, attr: &str, taken: &BTreeSet<String>) {
    let cannot = |why: String| {
        format!("time to live is on for `{attr}`, but {why}: no field is marked `ttl`")
    };
    if let Some(f) = g.fields.iter_mut().find(|f| f.attribute == attr) {
        if f.key.is_some() {
            g.notes.push(cannot("it is a key attribute".to_owned()));
        } else if f.rust_type.as_deref() == Some("i64") {
            f.ttl = true;
        } else {
            let seen = f.types_seen.iter().copied().collect::<Vec<_>>().join(", ");
            g.notes.push(cannot(format!(
                "the sample holds values that are not whole numbers of seconds ({seen})"
            )));
        }
        return;
    }
    if g.skipped.iter().any(|(a, _)| a == attr) || !is_identifier(attr) || taken.contains(attr) {
        g.notes
            .push(cannot("its name cannot be a field".to_owned()));
        return;
    }
    // Not in the sample: items get it when they are given an expiry.
    let at = g
        .fields
        .iter()
        .position(|f| f.key.is_none() && f.attribute.as_str() > attr)
        .unwrap_or(g.fields.len());
    g.fields.insert(
        at,
        GenField {
            name: attr.to_owned(),
            attribute: attr.to_owned(),
            rust_type: Some("i64".to_owned()),
            optional: true,
            key: None,
            present_in: 0,
            types_seen: BTreeSet::new(),
            comment: Some("time to live, not in the sampled items".to_owned()),
            ttl: true,
        },
    );
}

/// Infers the schema of `table` from its description and sampled items;
/// `ttl_attribute` is the table's time-to-live attribute, when it is on.
pub fn infer(
    info: &TableInfo,
    items: &[Item],
    struct_name: String,
    ttl_attribute: Option<&str>,
) -> Generated {
    let mut seen: BTreeMap<&str, Seen> = BTreeMap::new();
    for item in items {
        for (name, value) in item {
            let s = seen.entry(name.as_str()).or_insert(Seen {
                shape: None,
                present: 0,
                types: BTreeSet::new(),
            });
            s.types.insert(value.type_name());
            if let Some(shape) = shape_of(value) {
                s.present += 1;
                s.shape = Some(match s.shape.take() {
                    None => shape,
                    Some(prev) => merge(prev, shape),
                });
            }
        }
    }

    // The type names the crate wrote (its type attribute): a schema reads
    // only the items of its own type, so the block must name theirs.
    let mut types: BTreeMap<&str, usize> = BTreeMap::new();
    for item in items {
        if let Some(t) = item
            .get(dynamo::DEFAULT_TYPE_ATTRIBUTE)
            .and_then(|v| v.as_str())
            .filter(|t| !t.is_empty())
        {
            *types.entry(t).or_default() += 1;
        }
    }
    let type_name = types
        .iter()
        .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
        .map(|(t, _)| (*t).to_owned());
    let mut g = Generated {
        table: info.name.clone(),
        struct_name,
        sampled: items.len(),
        fields: Vec::new(),
        indexes: Vec::new(),
        skipped: Vec::new(),
        notes: Vec::new(),
        type_name,
    };
    if let (Some(chosen), true) = (&g.type_name, types.len() > 1) {
        let list: Vec<String> = types.iter().map(|(t, n)| format!("`{t}` ({n})")).collect();
        g.notes.push(format!(
            "the sampled items are of {} types: {}; this struct reads those of type `{chosen}` \
             (`type_name`), so write a schema for each of the others",
            types.len(),
            list.join(", ")
        ));
    }
    let mut taken: BTreeSet<String> = BTreeSet::new();

    // Key attributes first.
    let keys = [
        (info.partition_key.as_deref(), KeyRole::Partition),
        (info.sort_key.as_deref(), KeyRole::Sort),
    ];
    for (attr, role) in keys {
        let Some(attr) = attr else { continue };
        let which = match role {
            KeyRole::Partition => "partition",
            KeyRole::Sort => "sort",
        };
        let ty = info
            .attribute_types
            .get(attr)
            .map(String::as_str)
            .unwrap_or("S");
        let (rust_type, comment) = match ty {
            "S" => (Some("String".to_owned()), None),
            // The narrowest number type every sampled key holds.
            "N" => (
                Some(
                    match seen.get(attr).and_then(|s| s.shape.as_ref()) {
                        Some(Shape::Num(k)) => k.rust(),
                        _ => "i64",
                    }
                    .to_owned(),
                ),
                Some(format!(
                    "the {which} key `{attr}` is a number (N); dynamo writes key attributes as strings (S), \
                     so this schema reads the table's items (a scan decodes them) but its gets, \
                     queries and writes fail (writes are refused before sending)"
                )),
            ),
            other => (
                None,
                Some(format!(
                    "the {which} key `{attr}` has type {other}; dynamo keys are strings (S), \
                     so key operations through this schema fail on this table"
                )),
            ),
        };
        let name = if is_identifier(attr) && !taken.contains(attr) {
            attr.to_owned()
        } else {
            // Not the name of another attribute of the table: the field is
            // stored under its own name, which must not be that one's.
            let mut avoid = taken.clone();
            avoid.extend(
                seen.keys()
                    .copied()
                    .chain(info.attribute_types.keys().map(String::as_str))
                    .filter(|a| *a != attr)
                    .map(str::to_owned),
            );
            let n = clean_identifier(attr, &avoid);
            g.notes.push(format!(
                "the {which} key attribute `{attr}` is not a Rust identifier: the field is `{n}` \
                 (the key attribute keeps its name; the field is also stored as `{n}`)"
            ));
            n
        };
        if let Some(c) = &comment {
            g.notes.push(c.clone());
        }
        taken.insert(name.clone());
        let s = seen.remove(attr);
        g.fields.push(GenField {
            name,
            attribute: attr.to_owned(),
            rust_type,
            optional: false,
            key: Some(role),
            present_in: s.as_ref().map_or(0, |s| s.present),
            types_seen: s.map(|s| s.types).unwrap_or_default(),
            comment: None,
            ttl: false,
        });
    }

    // Index key attributes never seen in the sample still get a field, typed
    // from the table's attribute definitions.
    for index in &info.indexes {
        for attr in index.partition_key.iter().chain(&index.sort_key) {
            if seen.contains_key(attr.as_str()) || g.fields.iter().any(|f| &f.attribute == attr) {
                continue;
            }
            let shape = match info.attribute_types.get(attr).map(String::as_str) {
                Some("N") => Shape::Num(NumKind::Int),
                Some("B") => Shape::Bytes,
                _ => Shape::Str,
            };
            seen.insert(
                attr.as_str(),
                Seen {
                    shape: Some(shape),
                    present: 0,
                    types: BTreeSet::new(),
                },
            );
        }
    }

    for (attr, s) in seen {
        // The type attribute the crate writes on every item is not a field.
        if attr == dynamo::DEFAULT_TYPE_ATTRIBUTE {
            g.skipped.push((
                attr.to_owned(),
                "the type attribute the crate writes".to_owned(),
            ));
            continue;
        }
        if !is_identifier(attr) || taken.contains(attr) {
            let reason = if KEYWORDS.contains(&attr) {
                "a Rust keyword"
            } else {
                "not a Rust identifier"
            };
            g.skipped.push((attr.to_owned(), reason.to_owned()));
            continue;
        }
        taken.insert(attr.to_owned());
        let all = s.present == items.len() && !items.is_empty();
        let rust_type = s.shape.as_ref().and_then(Shape::rust);
        let types = s.types.iter().copied().collect::<Vec<_>>().join(", ");
        let comment = if s.shape.is_none() {
            Some(if s.present == 0 && s.types.is_empty() {
                "an index key, not in the sampled items".to_owned()
            } else {
                "only NULL in the sample".to_owned()
            })
        } else if rust_type.is_none() {
            Some(format!("mixed types: {types}"))
        } else if !all {
            Some(if s.present == 0 {
                "an index key, not in the sampled items".to_owned()
            } else {
                format!("set in {} of {} sampled items", s.present, items.len())
            })
        } else {
            None
        };
        g.fields.push(GenField {
            name: attr.to_owned(),
            attribute: attr.to_owned(),
            optional: rust_type.is_some() && !all,
            rust_type,
            key: None,
            present_in: s.present,
            types_seen: s.types,
            comment,
            ttl: false,
        });
    }
    if let Some(attr) = ttl_attribute {
        mark_ttl(&mut g, attr, &taken);
    }

    for index in &info.indexes {
        let name = &index.name;
        let field_of = |a: &String| {
            g.fields
                .iter()
                .find(|f| &f.attribute == a && f.name == *a)
                .map(|f| f.name.clone())
        };
        let pk: Option<Vec<String>> = index.partition_key.iter().map(field_of).collect();
        let sk: Option<Vec<String>> = index.sort_key.iter().map(field_of).collect();
        let (Some(pk), Some(sk)) = (pk, sk) else {
            g.notes.push(format!(
                "index `{name}` is left out: its key attributes are not all fields"
            ));
            continue;
        };
        if !index.local && pk.is_empty() {
            g.notes.push(format!(
                "index `{name}` is left out: it has no partition key"
            ));
            continue;
        }
        if index.local && sk.len() != 1 {
            g.notes.push(format!(
                "local index `{name}` is left out: it has no sort key attribute"
            ));
            continue;
        }
        g.indexes.push(GenIndex {
            name: name.clone(),
            partition_key: pk,
            sort_key: sk,
            local: index.local,
        });
    }
    g
}

/// `text` made safe for a `//` comment: attribute names are the table's
/// data, and one holding a line break would end the comment and put what
/// follows into the generated code. Control characters are written as
/// escapes (`\n`, `\u{7}`).
fn comment_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

impl Generated {
    /// The `dynamo_item!` block, with explanatory comments above it.
    pub fn render(&self) -> String {
        use std::fmt::Write as _;
        let mut o = String::new();
        let _ = writeln!(
            o,
            "// Generated by `dynamo generate-schema {}` from {} sampled item{}.",
            self.table,
            self.sampled,
            if self.sampled == 1 { "" } else { "s" }
        );
        o.push_str("// Needs `use dynamo::prelude::*;` in scope.\n");
        o.push_str(
            "// The key attributes are plain fields holding the stored keys. If a dynamo schema with\n\
             // composite keys wrote these items, its own `partition_key [...]` / `sort_key [...]`\n\
             // lines describe them better.\n",
        );
        for n in &self.notes {
            let _ = writeln!(o, "// Note: {}.", comment_text(n));
        }
        if !self.skipped.is_empty() {
            let list: Vec<String> = self
                .skipped
                .iter()
                .map(|(a, why)| format!("`{a}` ({why})"))
                .collect();
            let _ = writeln!(
                o,
                "// Skipped attributes: {}.",
                comment_text(&list.join(", "))
            );
        }
        o.push_str("dynamo_item! {\n");
        let _ = writeln!(o, "    /// An item of the DynamoDB table `{}`.", self.table);
        o.push_str("    #[derive(Debug, Clone, PartialEq)]\n");
        if self
            .fields
            .iter()
            .any(|f| f.name.chars().any(|c| c.is_ascii_uppercase()))
        {
            o.push_str("    #[allow(non_snake_case)]\n");
        }
        let _ = writeln!(o, "    pub struct {} {{", self.struct_name);
        let mut uses = Vec::new();
        for f in &self.fields {
            match f.key {
                Some(KeyRole::Partition) => {
                    uses.push(format!("partition_key_name: {:?}", f.attribute))
                }
                Some(KeyRole::Sort) => {
                    uses.push(format!("sort_key_name: {:?}", f.attribute));
                    uses.push("prefix_sort_key: false".to_owned());
                }
                None => {}
            }
        }
        if let Some(t) = &self.type_name {
            uses.push(format!("type_name: {t:?}"));
        }
        if !uses.is_empty() {
            let _ = writeln!(o, "        use Dynamo.Schema, {};", uses.join(", "));
        }
        let _ = writeln!(o, "        table_name {:?};", self.table);
        for f in &self.fields {
            let mut line = format!("        field :{}", f.name);
            if f.rust_type.is_some() {
                let _ = write!(line, ": {}", f.declared_type());
            }
            match f.key {
                Some(KeyRole::Partition) => line.push_str(", partition_key"),
                Some(KeyRole::Sort) => line.push_str(", sort_key"),
                None => {}
            }
            if f.ttl {
                line.push_str(", ttl");
            }
            line.push(';');
            if let Some(c) = &f.comment {
                let _ = write!(line, " // {}", comment_text(c));
            }
            let _ = writeln!(o, "{line}");
        }
        let side = |names: &[String]| match names {
            [one] => format!(":{one}"),
            more => format!(
                "[{}]",
                more.iter()
                    .map(|n| format!(":{n}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        // Global indexes first: the grammar puts local ones after them.
        for i in self.indexes.iter().filter(|i| !i.local) {
            let _ = write!(
                o,
                "        global_secondary_index {:?}, partition_key: {}",
                i.name,
                side(&i.partition_key)
            );
            if !i.sort_key.is_empty() {
                let _ = write!(o, ", sort_key: {}", side(&i.sort_key));
            }
            o.push_str(";\n");
        }
        for i in self.indexes.iter().filter(|i| i.local) {
            let _ = writeln!(
                o,
                "        local_secondary_index {:?}, sort_key: {};",
                i.name,
                side(&i.sort_key)
            );
        }
        o.push_str("    }\n}\n");
        o
    }

    /// The schema as JSON (`--output json`).
    pub fn to_json(&self) -> serde_json::Value {
        let key = |role: KeyRole| {
            self.fields
                .iter()
                .find(|f| f.key == Some(role))
                .map(|f| {
                    serde_json::json!({
                        "attribute": f.attribute,
                        "field": f.name,
                        "rust_type": f.declared_type(),
                    })
                })
                .unwrap_or(serde_json::Value::Null)
        };
        serde_json::json!({
            "table": self.table,
            "struct_name": self.struct_name,
            "type_name": self.type_name,
            "sampled_items": self.sampled,
            "partition_key": key(KeyRole::Partition),
            "sort_key": key(KeyRole::Sort),
            "fields": self.fields.iter().map(|f| serde_json::json!({
                "field": f.name,
                "attribute": f.attribute,
                "rust_type": f.declared_type(),
                "typed": f.rust_type.is_some(),
                "optional": f.optional,
                "key": match f.key {
                    Some(KeyRole::Partition) => "partition",
                    Some(KeyRole::Sort) => "sort",
                    None => "",
                },
                "present_in": f.present_in,
                "types_seen": f.types_seen,
                "ttl": f.ttl,
            })).collect::<Vec<_>>(),
            "indexes": self.indexes.iter().map(|i| serde_json::json!({
                "name": i.name,
                "partition_key": i.partition_key,
                "sort_key": i.sort_key,
                "local": i.local,
            })).collect::<Vec<_>>(),
            "skipped": self.skipped.iter().map(|(a, why)| serde_json::json!({
                "attribute": a,
                "reason": why,
            })).collect::<Vec<_>>(),
            "notes": self.notes,
            "code": self.render(),
        })
    }
}
