//! Transparent escaping of reserved-word attribute names in DynamoDB
//! expressions.
//!
//! Users write expressions with plain attribute names (`status = :s`,
//! `user_id, email, name`). DynamoDB rejects a bare attribute name that is a
//! reserved word, so [`rewrite_reserved`] replaces each such name with a
//! `#placeholder` and records the placeholder in the expression attribute
//! names. Everything else — placeholders the user already wrote, `:values`,
//! operators, function names and non-reserved names — is copied through byte
//! for byte.
//!
//! The work is done by a small hand-written lexer over the bytes of the
//! expression plus a handful of state flags; there is no recursion, and the
//! only allocations are the output string and the placeholders added.

use std::collections::BTreeMap;
use std::fmt;

use super::reserved::is_reserved;

/// Which grammar the expression follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ExprKind {
    /// A condition, filter or key-condition expression: comparisons,
    /// functions, `BETWEEN`, `IN`, `AND`, `OR`, `NOT`.
    Condition,
    /// A projection expression: a comma-separated list of document paths.
    Projection,
    /// An update expression: `SET`, `REMOVE`, `ADD` and `DELETE` clauses,
    /// with `+`/`-` arithmetic in `SET`.
    Update,
}

/// Why an expression could not be rewritten (e.g. unbalanced parentheses, a
/// `#` or `:` with no name after it, an unexpected character). Carries a
/// message naming the offending text and its byte offset.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RewriteError {
    /// Human-readable description, naming the offending text and the byte
    /// offset at which it starts.
    pub(crate) message: String,
}

impl RewriteError {
    /// Builds an error whose message is `what` followed by the byte offset.
    fn at(offset: usize, what: fmt::Arguments<'_>) -> Self {
        RewriteError {
            message: format!("{what} at byte {offset}"),
        }
    }
}

impl fmt::Display for RewriteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for RewriteError {}

/// Returns `true` for bytes allowed after the first one of an identifier or
/// placeholder: ASCII letters, digits and `_`.
fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Returns `true` for bytes that may start an identifier: ASCII letters and
/// `_`.
fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_'
}

/// Returns `true` if `key` has the shape of an expression attribute name
/// placeholder: `#` followed by one or more letters, digits or `_`.
fn is_name_placeholder(key: &str) -> bool {
    match key.as_bytes().split_first() {
        Some((b'#', rest)) => !rest.is_empty() && rest.iter().all(|&b| is_name_byte(b)),
        _ => false,
    }
}

/// The kinds of token the lexer produces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TokKind {
    /// A run of ASCII whitespace.
    Space,
    /// `[A-Za-z_][A-Za-z0-9_]*`: an attribute name, function name or keyword.
    Ident,
    /// `#` followed by name bytes: an expression attribute name placeholder.
    NamePlaceholder,
    /// `:` followed by name bytes: an expression attribute value placeholder.
    ValuePlaceholder,
    /// A run of ASCII digits (only valid as a list index).
    Number,
    /// `.` between document path components.
    Dot,
    /// `[` opening a list index.
    OpenBracket,
    /// `]` closing a list index.
    CloseBracket,
    /// `(`.
    OpenParen,
    /// `)`.
    CloseParen,
    /// `,`.
    Comma,
    /// One of `=`, `<>`, `<`, `<=`, `>`, `>=`.
    Comparison,
    /// `+` or `-` (only valid in update expressions).
    Arithmetic,
}

/// One token: its kind and its byte range in the source.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Token {
    /// What the token is.
    kind: TokKind,
    /// Byte offset of the first byte.
    start: usize,
    /// Byte offset one past the last byte.
    end: usize,
}

/// A lexer over an expression. Every token it yields is pure ASCII, so every
/// offset it stops at is a `char` boundary of the source.
struct Lexer<'a> {
    /// The expression being lexed.
    src: &'a str,
    /// Byte offset of the next unread byte.
    pos: usize,
}

impl<'a> Lexer<'a> {
    /// Starts lexing `src` from its beginning.
    fn new(src: &'a str) -> Self {
        Lexer { src, pos: 0 }
    }

    /// Returns the first byte after `offset` that is not ASCII whitespace.
    fn next_significant_byte(&self, offset: usize) -> Option<u8> {
        self.src
            .as_bytes()
            .get(offset..)?
            .iter()
            .copied()
            .find(|b| !b.is_ascii_whitespace())
    }

    /// Advances past bytes matching `pred`, starting at `from`, and returns
    /// the offset of the first byte that does not match.
    fn skip_while(&self, from: usize, pred: impl Fn(u8) -> bool) -> usize {
        let bytes = self.src.as_bytes();
        let mut end = from;
        while end < bytes.len() && pred(bytes[end]) {
            end += 1;
        }
        end
    }

    /// Lexes the next token, or returns `None` at the end of the input.
    fn next_token(&mut self) -> Option<Result<Token, RewriteError>> {
        let bytes = self.src.as_bytes();
        let start = self.pos;
        let &first = bytes.get(start)?;
        let single = |kind| Ok((kind, start + 1));
        let lexed = match first {
            b if b.is_ascii_whitespace() => Ok((
                TokKind::Space,
                self.skip_while(start, |b| b.is_ascii_whitespace()),
            )),
            b'#' | b':' => {
                let end = self.skip_while(start + 1, is_name_byte);
                if end == start + 1 {
                    Err(RewriteError::at(
                        start,
                        format_args!("`{}` is not followed by a placeholder name", first as char),
                    ))
                } else if first == b'#' {
                    Ok((TokKind::NamePlaceholder, end))
                } else {
                    Ok((TokKind::ValuePlaceholder, end))
                }
            }
            b if is_ident_start(b) => Ok((TokKind::Ident, self.skip_while(start, is_name_byte))),
            b if b.is_ascii_digit() => Ok((
                TokKind::Number,
                self.skip_while(start, |b| b.is_ascii_digit()),
            )),
            b'.' => single(TokKind::Dot),
            b'[' => single(TokKind::OpenBracket),
            b']' => single(TokKind::CloseBracket),
            b'(' => single(TokKind::OpenParen),
            b')' => single(TokKind::CloseParen),
            b',' => single(TokKind::Comma),
            b'=' => single(TokKind::Comparison),
            b'<' => match bytes.get(start + 1) {
                Some(b'>' | b'=') => Ok((TokKind::Comparison, start + 2)),
                _ => single(TokKind::Comparison),
            },
            b'>' => match bytes.get(start + 1) {
                Some(b'=') => Ok((TokKind::Comparison, start + 2)),
                _ => single(TokKind::Comparison),
            },
            b'+' | b'-' => single(TokKind::Arithmetic),
            _ => {
                let ch = self
                    .src
                    .get(start..)
                    .and_then(|rest| rest.chars().next())
                    .unwrap_or(char::REPLACEMENT_CHARACTER);
                Err(RewriteError::at(
                    start,
                    format_args!("unexpected character {ch:?}"),
                ))
            }
        };
        Some(match lexed {
            Ok((kind, end)) => {
                self.pos = end;
                Ok(Token { kind, start, end })
            }
            Err(err) => {
                // Stop for good: an error ends the token stream.
                self.pos = bytes.len();
                Err(err)
            }
        })
    }
}

/// Yields every `#name` and `:value` placeholder in `expr`, in order, as
/// `(sigil, text)` with `text` including the sigil. Never fails: bytes that
/// are not part of a placeholder are skipped.
fn scan_placeholders(expr: &str) -> impl Iterator<Item = (u8, &str)> + '_ {
    let bytes = expr.as_bytes();
    let mut i = 0;
    std::iter::from_fn(move || {
        while i < bytes.len() {
            let b = bytes[i];
            if b == b'#' || b == b':' {
                let start = i;
                i += 1;
                while i < bytes.len() && is_name_byte(bytes[i]) {
                    i += 1;
                }
                if i > start + 1 {
                    // `start` is an ASCII byte and `i` follows ASCII name
                    // bytes, so both are char boundaries.
                    return expr.get(start..i).map(|text| (b, text));
                }
            } else {
                i += 1;
            }
        }
        None
    })
}

/// Returns the `#name` placeholders and the `:value` placeholders that appear
/// in `expr`, each list without duplicates and in order of first appearance.
/// The sigil is included (`"#n"`, `":v"`), matching the keys of
/// `ExpressionAttributeNames` and `ExpressionAttributeValues`.
///
/// This is a lenient scan that never fails, even on malformed expressions.
pub(crate) fn placeholders_used(expr: &str) -> (Vec<String>, Vec<String>) {
    let mut names: Vec<String> = Vec::new();
    let mut values: Vec<String> = Vec::new();
    for (sigil, text) in scan_placeholders(expr) {
        let list = if sigil == b'#' {
            &mut names
        } else {
            &mut values
        };
        if !list.iter().any(|seen| seen == text) {
            list.push(text.to_owned());
        }
    }
    (names, values)
}

/// DynamoDB's limit on the operands of one `IN` list.
pub(crate) const MAX_IN_OPERANDS: usize = 100;

/// Returns `true` if `word` is one of the logical or range operators of the
/// condition grammar: `AND`, `OR`, `NOT`, `BETWEEN`, `IN` (any case).
fn is_condition_operator(word: &str) -> bool {
    ["AND", "OR", "NOT", "BETWEEN", "IN"]
        .iter()
        .any(|op| op.eq_ignore_ascii_case(word))
}

/// Returns `true` if `word` is an update clause keyword: `SET`, `REMOVE`,
/// `ADD`, `DELETE` (any case).
fn is_update_clause(word: &str) -> bool {
    ["SET", "REMOVE", "ADD", "DELETE"]
        .iter()
        .any(|kw| kw.eq_ignore_ascii_case(word))
}

/// What the previous significant token was, as far as the next token cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Prev {
    /// Nothing yet: the start of the expression.
    Start,
    /// The end of a document path (attribute name, `#placeholder` or `]`):
    /// a complete operand that may be followed by `.` or `[`.
    PathEnd,
    /// Another complete operand: a `:value` placeholder or `)`.
    Operand,
    /// Anything else: an operator, keyword, function name, `,`, `(` or `.`.
    Other,
}

impl Prev {
    /// Returns `true` after a complete operand, where an update clause
    /// keyword may start the next clause.
    fn is_complete_operand(self) -> bool {
        matches!(self, Prev::PathEnd | Prev::Operand)
    }
}

/// Picks the placeholder for the reserved attribute name `word`.
///
/// Reuses a placeholder already mapped to exactly `word` (first in `names`,
/// then in `added`); otherwise returns `#word`, or `#word_1`, `#word_2`, …,
/// the first that is neither a key of `names` or `added` nor a placeholder
/// written in `expr`. Returns the placeholder and whether it is new.
fn choose_placeholder(
    word: &str,
    expr: &str,
    names: &BTreeMap<String, String>,
    added: &[(String, String)],
) -> (String, bool) {
    let existing = names
        .iter()
        .chain(added.iter().map(|(k, v)| (k, v)))
        .find(|(key, value)| value.as_str() == word && is_name_placeholder(key));
    if let Some((key, _)) = existing {
        return (key.clone(), false);
    }
    let is_free = |key: &str| {
        !names.contains_key(key)
            && !added.iter().any(|(k, _)| k == key)
            && !scan_placeholders(expr).any(|(_, text)| text == key)
    };
    let plain = format!("#{word}");
    if is_free(&plain) {
        return (plain, true);
    }
    let mut n: u64 = 1;
    loop {
        let candidate = format!("#{word}_{n}");
        if is_free(&candidate) {
            return (candidate, true);
        }
        n += 1;
    }
}

/// Rewrites reserved-word attribute names in `expr` to `#placeholders`,
/// registering each placeholder in `names` (placeholder -> attribute name).
/// Returns the new text.
///
/// Only bare attribute names that [`is_reserved`] reports are replaced; each
/// component of a document path (`a.b[3].c`) is checked separately. Function
/// names (an identifier followed by `(`), condition operators (`AND`, `OR`,
/// `NOT`, `BETWEEN`, `IN`) in [`ExprKind::Condition`], and update clause
/// keywords (`SET`, `REMOVE`, `ADD`, `DELETE` at the start or after a complete
/// operand) in [`ExprKind::Update`] are kept, as are all placeholders,
/// whitespace and punctuation. An expression with no reserved attribute names
/// comes back unchanged, and rewriting the output again changes nothing.
///
/// A list after `IN` with more than [`MAX_IN_OPERANDS`] operands is an
/// error: DynamoDB refuses it, and the local engine would not.
///
/// On error `names` is left untouched.
pub(crate) fn rewrite_reserved(
    expr: &str,
    kind: ExprKind,
    names: &mut BTreeMap<String, String>,
) -> Result<String, RewriteError> {
    let mut out = String::with_capacity(expr.len());
    // Bytes of `expr` before this offset are already in `out`.
    let mut copied = 0;
    let mut added: Vec<(String, String)> = Vec::new();

    let mut prev = Prev::Start;
    // Offset of a `.` still waiting for its path component.
    let mut pending_dot: Option<usize> = None;
    // Offset of an open `[` and whether its index has been read.
    let mut open_bracket: Option<(usize, bool)> = None;
    // The `(` not yet closed: its offset, and for the list after `IN` the
    // commas read so far at its own depth.
    let mut open_parens: Vec<(usize, Option<usize>)> = Vec::new();
    // An `IN` was just read: the next `(` opens its list of operands.
    let mut after_in = false;

    let mut lexer = Lexer::new(expr);
    while let Some(token) = lexer.next_token() {
        let token = token?;
        let text = expr.get(token.start..token.end).unwrap_or("");

        if token.kind == TokKind::Space {
            continue;
        }
        if let Some((bracket, has_index)) = open_bracket {
            match token.kind {
                TokKind::Number if !has_index => {
                    open_bracket = Some((bracket, true));
                    continue;
                }
                TokKind::CloseBracket if has_index => {
                    open_bracket = None;
                    prev = Prev::PathEnd;
                    continue;
                }
                TokKind::CloseBracket => {
                    return Err(RewriteError::at(
                        bracket,
                        format_args!("list index `[]` has no number"),
                    ));
                }
                _ => {
                    return Err(RewriteError::at(
                        token.start,
                        format_args!(
                            "unexpected `{text}` in the list index opened at byte {bracket} \
                             (expected a number, then `]`)"
                        ),
                    ));
                }
            }
        }
        let opens_in_list = std::mem::take(&mut after_in) && token.kind == TokKind::OpenParen;
        if let Some(dot) = pending_dot
            && !matches!(token.kind, TokKind::Ident | TokKind::NamePlaceholder)
        {
            return Err(RewriteError::at(
                dot,
                format_args!("`.` is not followed by an attribute name"),
            ));
        }

        match token.kind {
            TokKind::Space => {}
            TokKind::Ident => {
                let after_dot = pending_dot.take().is_some();
                let is_keyword = !after_dot
                    && (lexer.next_significant_byte(token.end) == Some(b'(')
                        || (kind == ExprKind::Condition && is_condition_operator(text))
                        || (kind == ExprKind::Update
                            && is_update_clause(text)
                            && (prev == Prev::Start || prev.is_complete_operand())));
                if is_keyword {
                    after_in = kind == ExprKind::Condition && text.eq_ignore_ascii_case("IN");
                    prev = Prev::Other;
                    continue;
                }
                // A clause keyword in a name's place is a name: `REMOVE` is
                // not a reserved word, but left bare it would read as a
                // clause (`SET remove = :v`).
                if is_reserved(text) || (kind == ExprKind::Update && is_update_clause(text)) {
                    let (placeholder, is_new) = choose_placeholder(text, expr, names, &added);
                    out.push_str(expr.get(copied..token.start).unwrap_or(""));
                    out.push_str(&placeholder);
                    copied = token.end;
                    if is_new {
                        added.push((placeholder, text.to_owned()));
                    }
                }
                prev = Prev::PathEnd;
            }
            TokKind::NamePlaceholder => {
                pending_dot = None;
                prev = Prev::PathEnd;
            }
            TokKind::ValuePlaceholder => prev = Prev::Operand,
            TokKind::Number => {
                return Err(RewriteError::at(
                    token.start,
                    format_args!(
                        "unexpected number `{text}` (numbers are only allowed as list \
                         indexes such as `[0]`; use a `:value` placeholder)"
                    ),
                ));
            }
            TokKind::Dot | TokKind::OpenBracket => {
                if prev != Prev::PathEnd {
                    return Err(RewriteError::at(
                        token.start,
                        format_args!("`{text}` does not follow an attribute name"),
                    ));
                }
                if token.kind == TokKind::Dot {
                    pending_dot = Some(token.start);
                } else {
                    open_bracket = Some((token.start, false));
                }
                prev = Prev::Other;
            }
            TokKind::CloseBracket => {
                return Err(RewriteError::at(
                    token.start,
                    format_args!("`]` has no matching `[`"),
                ));
            }
            TokKind::OpenParen => {
                open_parens.push((token.start, opens_in_list.then_some(0)));
                prev = Prev::Other;
            }
            TokKind::CloseParen => {
                let Some((open, in_list)) = open_parens.pop() else {
                    return Err(RewriteError::at(
                        token.start,
                        format_args!("`)` has no matching `(`"),
                    ));
                };
                if let Some(commas) = in_list
                    && commas >= MAX_IN_OPERANDS
                {
                    return Err(RewriteError {
                        message: format!(
                            "the `IN` list at byte {open} has {} operands, over DynamoDB's \
                             limit of {MAX_IN_OPERANDS}; split it into lists joined with `OR`",
                            commas + 1
                        ),
                    });
                }
                prev = Prev::Operand;
            }
            TokKind::Comma => {
                if let Some((_, Some(commas))) = open_parens.last_mut() {
                    *commas += 1;
                }
                prev = Prev::Other;
            }
            TokKind::Arithmetic if kind != ExprKind::Update => {
                return Err(RewriteError::at(
                    token.start,
                    format_args!("`{text}` is only allowed in update expressions"),
                ));
            }
            TokKind::Comparison | TokKind::Arithmetic => prev = Prev::Other,
        }
    }

    if let Some(dot) = pending_dot {
        return Err(RewriteError::at(
            dot,
            format_args!("`.` is not followed by an attribute name"),
        ));
    }
    if let Some((bracket, _)) = open_bracket {
        return Err(RewriteError::at(
            bracket,
            format_args!("`[` is never closed"),
        ));
    }
    if let Some(&(paren, _)) = open_parens.last() {
        return Err(RewriteError::at(paren, format_args!("`(` is never closed")));
    }

    out.push_str(expr.get(copied..).unwrap_or(""));
    names.extend(added);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Builds a name map from `(placeholder, attribute)` pairs.
    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    /// Rewrites `expr` starting from `given`, checks that a second rewrite of
    /// the output is a no-op, and returns the output and the final names.
    fn rewrite(
        expr: &str,
        kind: ExprKind,
        given: &[(&str, &str)],
    ) -> (String, BTreeMap<String, String>) {
        let mut names = map(given);
        let out = rewrite_reserved(expr, kind, &mut names)
            .unwrap_or_else(|e| panic!("{expr:?} failed: {e}"));
        let mut again = names.clone();
        let out2 = rewrite_reserved(&out, kind, &mut again).expect("output must rewrite");
        assert_eq!(out2, out, "rewrite of {expr:?} is not idempotent");
        assert_eq!(again, names, "second rewrite of {expr:?} changed names");
        (out, names)
    }

    /// Asserts that `expr` fails to rewrite, leaves `names` alone, and that
    /// the message mentions `needle` and `byte {offset}`.
    fn assert_error(expr: &str, kind: ExprKind, needle: &str, offset: usize) {
        let mut names = map(&[("#k", "keep")]);
        let err =
            rewrite_reserved(expr, kind, &mut names).expect_err(&format!("{expr:?} should fail"));
        assert!(
            err.message.contains(needle),
            "{expr:?}: message {:?} lacks {needle:?}",
            err.message
        );
        assert!(
            err.message.contains(&format!("byte {offset}")),
            "{expr:?}: message {:?} lacks offset {offset}",
            err.message
        );
        assert_eq!(err.to_string(), err.message);
        assert_eq!(names, map(&[("#k", "keep")]), "names changed on error");
    }

    #[test]
    fn projection_with_given_placeholder_is_unchanged() {
        let (out, names) = rewrite(
            "user_id, email, #name",
            ExprKind::Projection,
            &[("#name", "name")],
        );
        assert_eq!(out, "user_id, email, #name");
        assert_eq!(names, map(&[("#name", "name")]));
    }

    #[test]
    fn projection_reserved_name_gets_placeholder() {
        let (out, names) = rewrite("user_id, email, name", ExprKind::Projection, &[]);
        assert_eq!(out, "user_id, email, #name");
        assert_eq!(names, map(&[("#name", "name")]));
    }

    #[test]
    fn condition_status() {
        let (out, names) = rewrite("status = :s", ExprKind::Condition, &[]);
        assert_eq!(out, "#status = :s");
        assert_eq!(names, map(&[("#status", "status")]));
    }

    #[test]
    fn function_with_plain_argument_is_unchanged() {
        let (out, names) = rewrite("attribute_not_exists(pk)", ExprKind::Condition, &[]);
        assert_eq!(out, "attribute_not_exists(pk)");
        assert!(names.is_empty());
    }

    #[test]
    fn size_function_kept_data_argument_replaced() {
        let (out, names) = rewrite(
            "begins_with(#sk, :p) AND size(data) > :n",
            ExprKind::Condition,
            &[("#sk", "sk")],
        );
        assert_eq!(out, "begins_with(#sk, :p) AND size(#data) > :n");
        assert_eq!(names, map(&[("#sk", "sk"), ("#data", "data")]));
    }

    #[test]
    fn function_name_may_be_separated_from_paren() {
        let (out, _) = rewrite("size (data) > :n", ExprKind::Condition, &[]);
        assert_eq!(out, "size (#data) > :n");
        // Without a `(` the same word is an attribute name.
        let (out, names) = rewrite("size > :n", ExprKind::Condition, &[]);
        assert_eq!(out, "#size > :n");
        assert_eq!(names, map(&[("#size", "size")]));
    }

    #[test]
    fn between_and_operators_kept() {
        let (out, names) = rewrite("#a BETWEEN :lo AND :hi", ExprKind::Condition, &[]);
        assert_eq!(out, "#a BETWEEN :lo AND :hi");
        assert!(names.is_empty());
    }

    #[test]
    fn lower_case_operators_and_in_list() {
        let (out, names) = rewrite(
            "not contains(tags, :t) and value in (:a, :b) or (status <> :c)",
            ExprKind::Condition,
            &[],
        );
        assert_eq!(
            out,
            "not contains(tags, :t) and #value in (:a, :b) or (#status <> :c)"
        );
        assert_eq!(names, map(&[("#status", "status"), ("#value", "value")]));
    }

    #[test]
    fn in_lists_up_to_dynamodbs_limit() {
        let list = |n: usize| {
            (0..n)
                .map(|i| format!(":v{i}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let at_limit = format!("a IN ({}) AND b in ({})", list(100), list(2));
        assert_eq!(rewrite(&at_limit, ExprKind::Condition, &[]).0, at_limit);
        // Commas of a function call inside the list are not its operands.
        let nested = format!("a IN ({}, size(b))", list(99));
        assert_eq!(rewrite(&nested, ExprKind::Condition, &[]).0, nested);
        let over = format!("x = :x OR a in ({})", list(101));
        assert_error(
            &over,
            ExprKind::Condition,
            "101 operands, over DynamoDB's limit of 100",
            15,
        );
        let nested_over = format!("(x IN (:a) OR a IN ({}))", list(101));
        assert_error(&nested_over, ExprKind::Condition, "101 operands", 19);
        // Only conditions have `IN`; a projection's `in` is an attribute.
        let projection = format!(
            "a, b, {}",
            (0..120)
                .map(|i| format!("c{i}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        assert!(rewrite_reserved(&projection, ExprKind::Projection, &mut map(&[])).is_ok());
    }

    #[test]
    fn nested_paths_check_each_component() {
        let (out, names) = rewrite("address.zone[0].name = :x", ExprKind::Condition, &[]);
        assert_eq!(out, "address.#zone[0].#name = :x");
        assert_eq!(names, map(&[("#name", "name"), ("#zone", "zone")]));
    }

    #[test]
    fn keywords_after_a_dot_are_attribute_names() {
        let (out, _) = rewrite("a.and = :x AND a.size(b) <= :y", ExprKind::Condition, &[]);
        // `a.size(b)` is not valid DynamoDB, but a path component is never
        // taken for a function or operator.
        assert_eq!(out, "a.#and = :x AND a.#size(b) <= :y");
    }

    #[test]
    fn projection_paths() {
        let (out, names) = rewrite(
            "data.items[2].size, #x, list[10][3]",
            ExprKind::Projection,
            &[("#x", "x")],
        );
        assert_eq!(out, "#data.#items[2].#size, #x, #list[10][3]");
        assert_eq!(names.len(), 5);
        assert_eq!(names["#items"], "items");
    }

    #[test]
    fn whitespace_is_copied_through() {
        let expr = "  user_id ,\temail\n,\r\n name  ";
        let (out, _) = rewrite(expr, ExprKind::Projection, &[]);
        assert_eq!(out, "  user_id ,\temail\n,\r\n #name  ");
        let (out, _) = rewrite("a [ 1 ] . b", ExprKind::Projection, &[]);
        assert_eq!(out, "a [ 1 ] . b");
    }

    #[test]
    fn update_clauses() {
        let (out, names) = rewrite(
            "SET count = count + :one, #x = :v REMOVE date",
            ExprKind::Update,
            &[("#x", "x")],
        );
        assert_eq!(out, "SET #count = #count + :one, #x = :v REMOVE #date");
        assert_eq!(
            names,
            map(&[("#count", "count"), ("#date", "date"), ("#x", "x")])
        );
    }

    #[test]
    fn update_keyword_used_as_attribute_name() {
        let (out, names) = rewrite("SET delete = :v", ExprKind::Update, &[]);
        assert_eq!(out, "SET #delete = :v");
        assert_eq!(names, map(&[("#delete", "delete")]));

        let (out, _) = rewrite("REMOVE a, add", ExprKind::Update, &[]);
        assert_eq!(out, "REMOVE a, #add");

        let (out, _) = rewrite("REMOVE set", ExprKind::Update, &[]);
        assert_eq!(out, "REMOVE #set");

        let (out, _) = rewrite("SET a = :v - delete", ExprKind::Update, &[]);
        assert_eq!(out, "SET a = :v - #delete");

        // REMOVE is a clause keyword but not a reserved word; as an
        // attribute name it still gets a placeholder, or it would read as
        // the start of a clause.
        let (out, names) = rewrite("SET remove = :v", ExprKind::Update, &[]);
        assert_eq!(out, "SET #remove = :v");
        assert_eq!(names, map(&[("#remove", "remove")]));
        let (out, _) = rewrite(
            "SET n = remove REMOVE remove, Remove.x",
            ExprKind::Update,
            &[],
        );
        assert_eq!(out, "SET n = #remove REMOVE #remove, #Remove.x");
        // Elsewhere it is an ordinary name.
        let (out, names) = rewrite("remove = :v", ExprKind::Condition, &[]);
        assert_eq!(out, "remove = :v");
        assert!(names.is_empty());
    }

    #[test]
    fn update_all_clauses_any_case() {
        let (out, names) = rewrite(
            "set a = :v add count :one delete tags :t remove b.c[1], d",
            ExprKind::Update,
            &[],
        );
        assert_eq!(
            out,
            "set a = :v add #count :one delete tags :t remove b.c[1], d"
        );
        assert_eq!(names, map(&[("#count", "count")]));

        let (out, _) = rewrite(
            "SET a = if_not_exists(a, :z) ADD b :one REMOVE c SET d = :d",
            ExprKind::Update,
            &[],
        );
        assert_eq!(
            out,
            "SET a = if_not_exists(a, :z) ADD b :one REMOVE c SET d = :d"
        );
    }

    #[test]
    fn update_functions_kept() {
        let (out, names) = rewrite(
            "SET items = list_append(items, :new), total = if_not_exists(total, :zero) + :n",
            ExprKind::Update,
            &[],
        );
        assert_eq!(
            out,
            "SET #items = list_append(#items, :new), #total = if_not_exists(#total, :zero) + :n"
        );
        assert_eq!(names, map(&[("#items", "items"), ("#total", "total")]));
    }

    #[test]
    fn update_keywords_are_names_in_other_kinds() {
        let (out, _) = rewrite("set, remove, add, delete", ExprKind::Projection, &[]);
        assert_eq!(out, "#set, remove, #add, #delete");
        let (out, _) = rewrite("and, in", ExprKind::Projection, &[]);
        assert_eq!(out, "#and, #in");
    }

    #[test]
    fn repeated_name_shares_one_placeholder() {
        let (out, names) = rewrite("name = :a OR name = :b", ExprKind::Condition, &[]);
        assert_eq!(out, "#name = :a OR #name = :b");
        assert_eq!(names, map(&[("#name", "name")]));
    }

    #[test]
    fn existing_mapping_is_reused() {
        let (out, names) = rewrite("name = :v", ExprKind::Condition, &[("#n", "name")]);
        assert_eq!(out, "#n = :v");
        assert_eq!(names, map(&[("#n", "name")]));
    }

    #[test]
    fn malformed_existing_key_is_not_reused() {
        let (out, names) = rewrite(
            "name = :v",
            ExprKind::Condition,
            &[("bad key", "name"), ("#", "name")],
        );
        assert_eq!(out, "#name = :v");
        assert_eq!(names["#name"], "name");
    }

    #[test]
    fn conflicting_user_placeholder_gets_suffix() {
        let (out, names) = rewrite(
            "#name = :a AND name = :b",
            ExprKind::Condition,
            &[("#name", "full_name")],
        );
        assert_eq!(out, "#name = :a AND #name_1 = :b");
        assert_eq!(names, map(&[("#name", "full_name"), ("#name_1", "name")]));

        let (out, names) = rewrite(
            "name = :b",
            ExprKind::Condition,
            &[("#name", "full_name"), ("#name_1", "other")],
        );
        assert_eq!(out, "#name_2 = :b");
        assert_eq!(names["#name_2"], "name");
    }

    #[test]
    fn placeholder_written_but_undefined_is_not_taken() {
        // The user wrote `#name` without defining it yet; the rewriter must
        // not silently define it as `name`.
        let (out, names) = rewrite("#name = :a OR name = :b", ExprKind::Condition, &[]);
        assert_eq!(out, "#name = :a OR #name_1 = :b");
        assert_eq!(names, map(&[("#name_1", "name")]));
    }

    #[test]
    fn mixed_case_names_are_distinct_attributes() {
        let (out, names) = rewrite("Name = :v", ExprKind::Condition, &[]);
        assert_eq!(out, "#Name = :v");
        assert_eq!(names, map(&[("#Name", "Name")]));

        let (out, names) = rewrite("name, Name, NAME, name", ExprKind::Projection, &[]);
        assert_eq!(out, "#name, #Name, #NAME, #name");
        assert_eq!(
            names,
            map(&[("#NAME", "NAME"), ("#Name", "Name"), ("#name", "name")])
        );
    }

    #[test]
    fn non_reserved_expressions_are_unchanged() {
        for (expr, kind) in [
            ("user_id, email, tenant_id", ExprKind::Projection),
            ("pk = :pk AND begins_with(sk, :prefix)", ExprKind::Condition),
            ("attribute_exists(#n) OR price >= :p", ExprKind::Condition),
            (
                "SET email = :e, created_at = if_not_exists(created_at, :now)",
                ExprKind::Update,
            ),
            ("", ExprKind::Condition),
            ("   ", ExprKind::Projection),
        ] {
            let (out, names) = rewrite(expr, kind, &[]);
            assert_eq!(out, expr);
            assert!(names.is_empty());
        }
    }

    #[test]
    fn errors_name_offending_text_and_offset() {
        use ExprKind::*;
        assert_error("a = :v;", Condition, "';'", 6);
        assert_error("\"name\" = :v", Condition, "'\"'", 0);
        assert_error("# = :v", Condition, "`#`", 0);
        assert_error("a = :", Condition, "`:`", 4);
        assert_error("a = #1 AND b = :x#", Condition, "`#`", 17);
        assert_error("(a = :v", Condition, "`(` is never closed", 0);
        assert_error("((a = :v)", Condition, "`(` is never closed", 0);
        assert_error("(a = :v) AND (b", Condition, "`(` is never closed", 13);
        assert_error("a = :v)", Condition, "`)` has no matching `(`", 6);
        assert_error("a..b", Projection, "`.`", 1);
        assert_error("a.", Projection, "`.`", 1);
        assert_error("a. , b", Projection, "`.`", 1);
        assert_error(".a", Projection, "`.` does not follow", 0);
        assert_error("a[]", Projection, "`[]`", 1);
        assert_error("a[x]", Projection, "`x`", 2);
        assert_error("a[0", Projection, "`[` is never closed", 1);
        assert_error("a[0 1]", Projection, "`1`", 4);
        assert_error("a]", Projection, "`]` has no matching `[`", 1);
        assert_error("[0]", Projection, "`[` does not follow", 0);
        assert_error(":v[0]", Condition, "`[` does not follow", 2);
        assert_error("é = :v", Condition, "'é'", 0);
        assert_error("a = :v AND ü", Condition, "'ü'", 11);
        assert_error("a + :v", Condition, "`+`", 2);
        assert_error("a, b - c", Projection, "`-`", 5);
        assert_error("5 = :v", Condition, "`5`", 0);
        assert_error("a = 5abc", Condition, "`5`", 4);
        assert_error("a != :v", Condition, "'!'", 2);
        assert_error("a = :v\u{0}", Condition, "'\\0'", 6);
    }

    #[test]
    fn error_after_a_replacement_leaves_names_untouched() {
        let mut names = BTreeMap::new();
        let err = rewrite_reserved("name = :v AND (", ExprKind::Condition, &mut names)
            .expect_err("unbalanced");
        assert!(err.message.contains("byte 14"), "{}", err.message);
        assert!(names.is_empty());
    }

    #[test]
    fn placeholders_used_lists_each_once_in_order() {
        let (names, values) =
            placeholders_used("#b = :x AND #a.#b[0] = :y OR c = :x AND d IN (:z, :y)");
        assert_eq!(names, vec!["#b", "#a"]);
        assert_eq!(values, vec![":x", ":y", ":z"]);

        let (names, values) = placeholders_used("a = b");
        assert!(names.is_empty() && values.is_empty());

        // Lenient on malformed input.
        let (names, values) = placeholders_used("# : #ok;:v1é#_ :");
        assert_eq!(names, vec!["#ok", "#_"]);
        assert_eq!(values, vec![":v1"]);
    }

    #[test]
    fn placeholders_used_matches_rewrite_output() {
        let mut names = map(&[("#x", "x")]);
        let out = rewrite_reserved(
            "SET count = count + :one, #x = :v REMOVE date",
            ExprKind::Update,
            &mut names,
        )
        .expect("valid");
        let (used_names, used_values) = placeholders_used(&out);
        assert_eq!(used_names, vec!["#count", "#x", "#date"]);
        assert_eq!(used_values, vec![":one", ":v"]);
        for key in used_names {
            assert!(names.contains_key(&key), "{key} undefined");
        }
    }

    #[test]
    fn lexer_offsets_cover_input() {
        let expr = "a.b[10] <> :v AND size(#c) >= :w";
        let mut lexer = Lexer::new(expr);
        let mut end = 0;
        while let Some(token) = lexer.next_token() {
            let token = token.expect("valid");
            assert_eq!(token.start, end);
            end = token.end;
        }
        assert_eq!(end, expr.len());
    }

    /// Lexes `s` fully, panicking on error.
    fn tokens(s: &str) -> Vec<Token> {
        let mut lexer = Lexer::new(s);
        std::iter::from_fn(|| lexer.next_token())
            .map(|t| t.expect("output must lex"))
            .collect()
    }

    /// Checks that `out` is `expr` with only reserved identifiers (and, in
    /// an update, clause keywords used as names) replaced by placeholders
    /// that `names` maps back to exactly those identifiers.
    fn assert_only_reserved_replaced(
        expr: &str,
        kind: ExprKind,
        out: &str,
        names: &BTreeMap<String, String>,
    ) {
        let before = tokens(expr);
        let after = tokens(out);
        assert_eq!(before.len(), after.len(), "{expr:?} -> {out:?}");
        for (b, a) in before.iter().zip(&after) {
            let b_text = &expr[b.start..b.end];
            let a_text = &out[a.start..a.end];
            if b_text == a_text {
                assert_eq!(b.kind, a.kind);
            } else {
                assert_eq!(b.kind, TokKind::Ident, "{expr:?} -> {out:?}");
                assert_eq!(a.kind, TokKind::NamePlaceholder, "{expr:?} -> {out:?}");
                // Reserved words, and clause keywords in a name's place.
                assert!(
                    is_reserved(b_text) || (kind == ExprKind::Update && is_update_clause(b_text)),
                    "{b_text} replaced but not reserved"
                );
                assert_eq!(names.get(a_text).map(String::as_str), Some(b_text));
            }
        }
    }

    /// Pieces from which the structured strategy builds plausible
    /// expressions.
    const PIECES: &[&str] = &[
        "name",
        "Name",
        "status",
        "data",
        "count",
        "size",
        "user",
        "date",
        "value",
        "zone",
        "user_id",
        "email",
        "pk",
        "sk",
        "a",
        "b_2",
        "SET",
        "set",
        "REMOVE",
        "ADD",
        "add",
        "DELETE",
        "AND",
        "or",
        "NOT",
        "BETWEEN",
        "IN",
        "#name",
        "#name_1",
        "#x",
        ":v",
        ":one",
        "=",
        "<>",
        "<",
        "<=",
        ">",
        ">=",
        "+",
        "-",
        "(",
        ")",
        ",",
        ".",
        "[",
        "]",
        "0",
        "12",
        "size(",
        "begins_with(",
        "if_not_exists(",
        " ",
        "  ",
        "\t",
        "\n",
    ];

    /// Kinds to draw from.
    fn any_kind() -> impl Strategy<Value = ExprKind> {
        prop_oneof![
            Just(ExprKind::Condition),
            Just(ExprKind::Projection),
            Just(ExprKind::Update),
        ]
    }

    /// Expressions assembled from [`PIECES`], joined with or without spaces.
    fn structured_expr() -> impl Strategy<Value = String> {
        prop::collection::vec((prop::sample::select(PIECES), any::<bool>()), 0..24).prop_map(
            |parts| {
                let mut s = String::new();
                for (piece, space) in parts {
                    s.push_str(piece);
                    if space {
                        s.push(' ');
                    }
                }
                s
            },
        )
    }

    /// Starting name maps, some of which collide with generated words.
    fn starting_names() -> impl Strategy<Value = BTreeMap<String, String>> {
        prop::collection::btree_map(
            prop::sample::select(&["#name", "#name_1", "#x", "#n", "#data", "bad"][..]),
            prop::sample::select(&["name", "Name", "x", "data", "other"][..]),
            0..4,
        )
        .prop_map(|m| {
            m.into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        })
    }

    /// Runs the properties every generated input must satisfy.
    fn check_properties(expr: &str, kind: ExprKind, start: &BTreeMap<String, String>) {
        let mut names = start.clone();
        let _ = placeholders_used(expr);
        match rewrite_reserved(expr, kind, &mut names) {
            Err(err) => {
                assert_eq!(&names, start, "names changed on error");
                assert!(err.message.contains(" at byte "), "{}", err.message);
            }
            Ok(out) => {
                // Nothing is removed from the map, existing entries kept.
                for (k, v) in start {
                    assert_eq!(names.get(k), Some(v));
                }
                // Idempotent.
                let mut again = names.clone();
                let out2 = rewrite_reserved(&out, kind, &mut again).expect("output rewrites");
                assert_eq!(out2, out);
                assert_eq!(again, names);
                // Only reserved identifiers changed (so an expression without
                // any comes back unchanged).
                assert_only_reserved_replaced(expr, kind, &out, &names);
                // Every `#name` the rewrite introduced is defined.
                let (written, _) = placeholders_used(expr);
                for key in placeholders_used(&out).0 {
                    assert!(written.contains(&key) || names.contains_key(&key), "{key}");
                }
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn arbitrary_unicode_never_panics(expr in any::<String>(), kind in any_kind()) {
            check_properties(&expr, kind, &BTreeMap::new());
        }

        #[test]
        fn arbitrary_ascii_never_panics(expr in "[ -~\t\n]{0,60}", kind in any_kind()) {
            check_properties(&expr, kind, &BTreeMap::new());
        }

        #[test]
        fn structured_expressions(
            expr in structured_expr(),
            kind in any_kind(),
            start in starting_names(),
        ) {
            check_properties(&expr, kind, &start);
        }
    }
}
