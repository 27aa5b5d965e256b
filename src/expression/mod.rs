//! Expressions: placeholders, reserved words, and checks of user-written
//! expressions before they are sent.
//!
//! Every expression the crate sends goes through [`Placeholders`]: names the
//! crate generates are always `#placeholders`, and in expressions users write
//! (filters, projections, conditions) bare reserved words such as `name` or
//! `status` are replaced by placeholders automatically. Placeholders a user
//! writes must be defined, and every definition must be used — DynamoDB
//! refuses both mistakes, so the crate reports them first, naming the
//! placeholder.

mod reserved;
mod rewrite;

use std::collections::{BTreeMap, BTreeSet};

#[allow(unused_imports)]
pub(crate) use reserved::is_reserved;
pub(crate) use rewrite::{ExprKind, placeholders_used, rewrite_reserved};

use crate::error::{Error, Result};
use crate::value::Value;

/// The `ExpressionAttributeNames` / `ExpressionAttributeValues` of one
/// request, with generated placeholders that never clash with the user's.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Placeholders {
    names: BTreeMap<String, String>,
    values: BTreeMap<String, Value>,
    user_names: BTreeSet<String>,
    user_values: BTreeSet<String>,
    used: BTreeSet<String>,
    next_name: usize,
    next_value: usize,
}

/// DynamoDB's limit on the length of one expression attribute name or
/// value placeholder (`#name`, `:value`), in bytes.
pub(crate) const MAX_PLACEHOLDER_BYTES: usize = 255;

/// A `ValidationError` when the placeholder `k` of `map` is longer than
/// DynamoDB takes.
fn check_placeholder_len(map: &str, k: &str) -> Result<()> {
    if k.len() <= MAX_PLACEHOLDER_BYTES {
        return Ok(());
    }
    let start: String = k.chars().take(24).collect();
    Err(Error::validation(format!(
        "{map} `{start}…` is {} bytes, over DynamoDB's limit of {MAX_PLACEHOLDER_BYTES} \
         bytes for a placeholder",
        k.len()
    )))
}

fn is_simple(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

impl Placeholders {
    /// Registers the user's own names and values (from `opts!`), checking
    /// their syntax.
    pub(crate) fn with_user(
        names: &BTreeMap<String, String>,
        values: &BTreeMap<String, Value>,
    ) -> Result<Placeholders> {
        let mut ph = Placeholders::default();
        for (k, v) in names {
            if !k.starts_with('#') || !is_simple(&k[1..]) {
                return Err(Error::validation(format!(
                    "expression attribute name `{k}` must be `#` followed by letters, digits or `_`"
                )));
            }
            check_placeholder_len("expression attribute name", k)?;
            if v.is_empty() {
                return Err(Error::validation(format!(
                    "expression attribute name `{k}` maps to an empty attribute name"
                )));
            }
            ph.names.insert(k.clone(), v.clone());
            ph.user_names.insert(k.clone());
        }
        for (k, v) in values {
            if !k.starts_with(':') || !is_simple(&k[1..]) {
                return Err(Error::validation(format!(
                    "expression attribute value `{k}` must be `:` followed by letters, digits or `_`"
                )));
            }
            check_placeholder_len("expression attribute value", k)?;
            crate::codec::size::check_value(v)
                .map_err(|e| Error::validation(format!("expression attribute value `{k}`: {e}")))?;
            if v.is_null() {
                // DynamoDB's NULL is a real value in expressions; keep it.
            }
            ph.values.insert(k.clone(), v.clone());
            ph.user_values.insert(k.clone());
        }
        Ok(ph)
    }

    /// A `#placeholder` for attribute `attr`, reusing one that already maps
    /// to it.
    pub(crate) fn name(&mut self, attr: &str) -> String {
        if let Some((k, _)) = self.names.iter().find(|(_, v)| v.as_str() == attr) {
            let k = k.clone();
            self.used.insert(k.clone());
            return k;
        }
        let mut key = if is_simple(attr) && attr.len() <= 64 {
            format!("#{attr}")
        } else {
            String::new()
        };
        while key.is_empty() || self.names.contains_key(&key) {
            key = format!("#n{}", self.next_name);
            self.next_name += 1;
        }
        self.names.insert(key.clone(), attr.to_owned());
        self.used.insert(key.clone());
        key
    }

    /// A `:placeholder` for `value`, reusing one that already holds an equal
    /// generated value.
    pub(crate) fn value(&mut self, value: Value) -> String {
        if let Some((k, _)) = self
            .values
            .iter()
            .find(|(k, v)| !self.user_values.contains(*k) && **v == value)
        {
            let k = k.clone();
            self.used.insert(k.clone());
            return k;
        }
        let mut key;
        loop {
            key = format!(":v{}", self.next_value);
            self.next_value += 1;
            if !self.values.contains_key(&key) {
                break;
            }
        }
        self.values.insert(key.clone(), value);
        self.used.insert(key.clone());
        key
    }

    /// The attribute a `#name` placeholder stands for.
    pub(crate) fn resolve(&self, placeholder: &str) -> Option<&str> {
        self.names.get(placeholder).map(String::as_str)
    }

    /// Prepares a user-written expression: replaces bare reserved words with
    /// placeholders and checks that every placeholder it uses is defined.
    /// `what` names the option in error messages.
    pub(crate) fn user_expression(
        &mut self,
        what: &str,
        expr: &str,
        kind: ExprKind,
    ) -> Result<String> {
        if expr.trim().is_empty() {
            return Err(Error::validation(format!("{what} is empty")));
        }
        let rewritten = rewrite_reserved(expr, kind, &mut self.names)
            .map_err(|e| Error::validation(format!("{what} `{expr}`: {}", e.message)))?;
        let (names, values) = placeholders_used(&rewritten);
        for n in names {
            if !self.names.contains_key(&n) {
                return Err(Error::validation(format!(
                    "{what} uses `{n}`, which is not defined; add it to \
                     expression_attribute_names (or write the attribute name bare)"
                )));
            }
            self.used.insert(n);
        }
        for v in values {
            if !self.values.contains_key(&v) || !self.user_values.contains(&v) {
                return Err(Error::validation(format!(
                    "{what} uses `{v}`, which is not defined; add it to expression_attribute_values"
                )));
            }
            self.used.insert(v);
        }
        Ok(rewritten)
    }

    /// The attribute a name in an expression stands for: a `#placeholder`'s
    /// attribute, or the name itself.
    pub(crate) fn attribute<'a>(&'a self, name: &'a str) -> &'a str {
        if name.starts_with('#') {
            self.names.get(name).map_or(name, String::as_str)
        } else {
            name
        }
    }

    /// Checks that every name and value the user defined is used by some
    /// expression (DynamoDB refuses unused ones).
    pub(crate) fn check_all_used(&self) -> Result<()> {
        for k in self.user_names.iter().chain(self.user_values.iter()) {
            if !self.used.contains(k) {
                let which = if k.starts_with('#') {
                    "expression_attribute_names"
                } else {
                    "expression_attribute_values"
                };
                return Err(Error::validation(format!(
                    "{which} defines `{k}`, but no expression uses it; remove it or use it"
                )));
            }
        }
        Ok(())
    }

    /// The names map.
    #[cfg(test)]
    pub(crate) fn names(&self) -> &BTreeMap<String, String> {
        &self.names
    }

    /// The values map.
    #[cfg(test)]
    pub(crate) fn values(&self) -> &BTreeMap<String, Value> {
        &self.values
    }

    /// Both maps, as a request's expression attribute names and values.
    pub(crate) fn into_exprs(self) -> crate::request::Exprs {
        crate::request::Exprs {
            names: self.names,
            values: self.values,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_names_avoid_user_names() {
        let names = BTreeMap::from([("#pk".to_owned(), "something_else".to_owned())]);
        let mut ph = Placeholders::with_user(&names, &BTreeMap::new()).unwrap();
        let n = ph.name("pk");
        assert_ne!(n, "#pk");
        assert_eq!(ph.names()[&n], "pk");
        assert_eq!(ph.name("pk"), n);
        assert_eq!(ph.name("some-attr"), "#n1");
        assert!(ph.check_all_used().is_err());
    }

    #[test]
    fn placeholders_up_to_255_bytes() {
        let longest = format!("#{}", "n".repeat(MAX_PLACEHOLDER_BYTES - 1));
        let names = BTreeMap::from([(longest.clone(), "a".to_owned())]);
        assert!(Placeholders::with_user(&names, &BTreeMap::new()).is_ok());
        let names = BTreeMap::from([(format!("{longest}n"), "a".to_owned())]);
        let e = Placeholders::with_user(&names, &BTreeMap::new()).unwrap_err();
        assert!(e.message().contains("is 256 bytes"), "{}", e.message());
        let values = BTreeMap::from([(format!(":{}", "v".repeat(255)), Value::from(1))]);
        let e = Placeholders::with_user(&BTreeMap::new(), &values).unwrap_err();
        assert!(
            e.message().starts_with("expression attribute value `:vvv"),
            "{}",
            e.message()
        );
    }

    #[test]
    fn generated_values_avoid_user_values() {
        let values = BTreeMap::from([(":v0".to_owned(), Value::from(1))]);
        let mut ph = Placeholders::with_user(&BTreeMap::new(), &values).unwrap();
        let v = ph.value(Value::from(1));
        assert_eq!(v, ":v1");
        assert_eq!(ph.value(Value::from(1)), ":v1");
        assert_eq!(ph.value(Value::from(2)), ":v2");
    }

    #[test]
    fn user_expressions() {
        let values = BTreeMap::from([(":s".to_owned(), Value::from("x"))]);
        let mut ph = Placeholders::with_user(&BTreeMap::new(), &values).unwrap();
        let e = ph
            .user_expression("filter_expression", "status = :s", ExprKind::Condition)
            .unwrap();
        assert_eq!(e, "#status = :s");
        assert!(ph.check_all_used().is_ok());
        let err = ph
            .user_expression("filter_expression", "a = :missing", ExprKind::Condition)
            .unwrap_err();
        assert!(err.message().contains("`:missing`"), "{}", err.message());
        let err = ph
            .user_expression("filter_expression", "#x = :s", ExprKind::Condition)
            .unwrap_err();
        assert!(err.message().contains("`#x`"), "{}", err.message());
        let err = ph
            .user_expression("filter_expression", "a = ;", ExprKind::Condition)
            .unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::ValidationError);
    }

    #[test]
    fn bad_user_placeholders() {
        let names = BTreeMap::from([("name".to_owned(), "name".to_owned())]);
        assert!(Placeholders::with_user(&names, &BTreeMap::new()).is_err());
        let values = BTreeMap::from([(":x".to_owned(), Value::StringSet(BTreeSet::new()))]);
        assert!(Placeholders::with_user(&BTreeMap::new(), &values).is_err());
    }
}
