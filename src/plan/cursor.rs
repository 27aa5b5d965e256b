//! Opaque cursors: where the next page of a query or scan starts, as a
//! URL-safe string a web client can hand back ([`Page::cursor`](crate::Page::cursor),
//! `opts![cursor: …]`).
//!
//! A cursor is `c1.<payload>` or, with a secret key on the client,
//! `c1.<payload>.<signature>`: the payload is base64url (no padding) JSON
//! holding the table, the index, a digest of the query's shape (its key
//! condition and the values in it, its order; for a scan, its segment) and
//! the key to start from; the signature is HMAC-SHA-256 of the payload. A
//! cursor is accepted only by the same table, index and query shape, and,
//! when the client has a secret, only with a valid signature — so a client
//! cannot forge a start key into another partition. Without a secret the
//! digest catches mistakes, not forgeries.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::codec::wire::value_json;
use crate::error::{Error, Result};
use crate::opts::Opts;
use crate::request::{KeyAttrs, Read};
use crate::value::Value;

/// The version tag every cursor starts with.
const VERSION: &str = "c1";

/// The longest cursor accepted, and made: room for the largest start key
/// DynamoDB can hand back — a table's key (2048 + 1024 bytes) and an index
/// key of up to four partition (2048 bytes each) and four sort attributes
/// (1024 each), about 16 KB — with every byte escaped in JSON (`\u0001`:
/// six bytes for one) and the whole in base64 (4/3): about 128 KiB. A
/// bound, so that a cursor from outside is not parsed at any length; the
/// cursors of ordinary keys are a few hundred bytes.
const MAX_LEN: usize = 192 * 1024;

#[derive(Serialize, Deserialize)]
struct Payload {
    /// Table.
    t: String,
    /// Index, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    i: Option<String>,
    /// Shape digest (hex, 16 bytes).
    s: String,
    /// The start key, DynamoDB JSON (`{"pk":{"S":"…"}}`).
    k: serde_json::Map<String, serde_json::Value>,
}

/// The digest of what a cursor must be used with: the key condition with
/// its names and values, the order, the segment. The filter, projection,
/// select and limit may change from page to page.
///
/// The key condition counts with each placeholder replaced by what it
/// stands for: which placeholder names the crate picks for it depends on
/// those the caller's filter uses (`#pk` or `:v0` taken there makes it pick
/// others), so the names themselves must not count.
fn shape(read: &Read) -> String {
    let mut h = Sha256::new();
    let mut put = |tag: u8, s: &str| {
        h.update([tag]);
        h.update((s.len() as u64).to_be_bytes());
        h.update(s.as_bytes());
    };
    match &read.key_condition {
        None => put(b's', "scan"),
        Some(kc) => {
            let mut from = 0;
            for (at, token) in placeholders(kc) {
                put(b'l', &kc[from..at]);
                from = at + token.len();
                if token.starts_with('#') {
                    put(b'n', read.exprs.names.get(token).map_or("", String::as_str));
                } else {
                    let value = read.exprs.values.get(token).map(value_json);
                    put(b'v', value.as_deref().unwrap_or(""));
                }
            }
            put(b'l', &kc[from..]);
        }
    }
    put(
        b'o',
        match read.forward {
            Some(false) => "desc",
            _ => "asc",
        },
    );
    if let Some((segment, total)) = read.segment {
        put(b'g', &format!("{segment}/{total}"));
    }
    hex::encode(&h.finalize()[..16])
}

/// The `#name` and `:value` placeholders of an expression, in order, with
/// where each starts.
fn placeholders(expr: &str) -> impl Iterator<Item = (usize, &str)> {
    let bytes = expr.as_bytes();
    let mut at = 0;
    std::iter::from_fn(move || {
        while at < bytes.len() {
            if bytes[at] == b'#' || bytes[at] == b':' {
                let start = at;
                at += 1;
                while at < bytes.len() && (bytes[at].is_ascii_alphanumeric() || bytes[at] == b'_') {
                    at += 1;
                }
                if at > start + 1 {
                    return Some((start, &expr[start..at]));
                }
            } else {
                at += 1;
            }
        }
        None
    })
}

fn sign(secret: &[u8], payload: &str) -> Result<Hmac<Sha256>> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret)
        .map_err(|_| Error::validation("the cursor secret key cannot be used for HMAC"))?;
    mac.update(payload.as_bytes());
    Ok(mac)
}

/// The cursor of the page after `read`, which ended at `last_key`.
pub(crate) fn make<'a>(
    read: &Read,
    last_key: impl IntoIterator<Item = (&'a String, &'a Value)>,
    secret: Option<&[u8]>,
) -> Result<String> {
    let mut k = serde_json::Map::new();
    for (name, value) in last_key {
        let json: serde_json::Value = serde_json::from_str(&value_json(value)).map_err(|e| {
            Error::validation(format!("cursor: a key value cannot be encoded: {e}"))
        })?;
        k.insert(name.clone(), json);
    }
    let payload = Payload {
        t: read.table.clone(),
        i: read.index.clone(),
        s: shape(read),
        k,
    };
    let json = serde_json::to_vec(&payload)
        .map_err(|e| Error::validation(format!("cursor: cannot be encoded: {e}")))?;
    let body = URL_SAFE_NO_PAD.encode(json);
    let cursor = match secret {
        Some(secret) => {
            let tag = sign(secret, &body)?.finalize().into_bytes();
            format!("{VERSION}.{body}.{}", URL_SAFE_NO_PAD.encode(tag))
        }
        None => format!("{VERSION}.{body}"),
    };
    // Never one that `resume` would refuse.
    if cursor.len() > MAX_LEN {
        return Err(invalid(format!(
            "the start key makes a cursor over {MAX_LEN} bytes; use `last_evaluated_key`"
        )));
    }
    Ok(cursor)
}

/// Sets where `read` starts from `opts.cursor`, checked against it.
pub(crate) fn start(read: &mut Read, opts: &Opts, secret: Option<&[u8]>) -> Result<()> {
    if let Some(c) = &opts.cursor {
        if opts.exclusive_start_key.is_some() {
            return Err(invalid("give `cursor` or `exclusive_start_key`, not both"));
        }
        read.start = Some(resume(read, c, secret)?);
    }
    Ok(())
}

fn invalid(why: impl std::fmt::Display) -> Error {
    Error::validation(format!("cursor: {why}")).with_field("cursor")
}

/// The start key a cursor holds, checked against the request it is to
/// continue: the same table, index and shape, and the signature when the
/// client has a secret.
pub(crate) fn resume(read: &Read, cursor: &str, secret: Option<&[u8]>) -> Result<KeyAttrs> {
    if cursor.len() > MAX_LEN {
        return Err(invalid(format!("longer than {MAX_LEN} bytes")));
    }
    let mut parts = cursor.split('.');
    let (Some(version), Some(body)) = (parts.next(), parts.next()) else {
        return Err(invalid("not a cursor of this crate"));
    };
    if version != VERSION {
        return Err(invalid(format!(
            "version `{version}` is not known (this crate writes `{VERSION}`)"
        )));
    }
    let signature = parts.next();
    if parts.next().is_some() {
        return Err(invalid("not a cursor of this crate"));
    }
    match (secret, signature) {
        (Some(secret), Some(sig)) => {
            let sig = URL_SAFE_NO_PAD
                .decode(sig)
                .map_err(|_| invalid("the signature is not valid"))?;
            sign(secret, body)?.verify_slice(&sig).map_err(|_| {
                invalid("the signature does not match (tampered with, or signed with another key)")
            })?;
        }
        (Some(_), None) => {
            return Err(invalid(
                "it is not signed, and this client signs its cursors",
            ));
        }
        (None, Some(_)) => {
            return Err(invalid(
                "it is signed, and this client has no secret key to check it with",
            ));
        }
        (None, None) => {}
    }
    let json = URL_SAFE_NO_PAD
        .decode(body)
        .map_err(|_| invalid("not valid base64url"))?;
    let payload: Payload =
        serde_json::from_slice(&json).map_err(|_| invalid("not a cursor of this crate"))?;
    if payload.t != read.table {
        return Err(invalid(format!(
            "it is from table `{}`, not `{}`",
            payload.t, read.table
        )));
    }
    if payload.i != read.index {
        return Err(invalid(format!(
            "it is from {}, not {}",
            index_name(payload.i.as_deref()),
            index_name(read.index.as_deref())
        )));
    }
    if payload.s != shape(read) {
        return Err(invalid(
            "it is from another query (another partition, sort-key condition, order or segment)",
        ));
    }
    let mut key = Vec::with_capacity(payload.k.len());
    for (name, v) in payload.k {
        let value = crate::codec::wire::parse_value(v.to_string().as_bytes())
            .map_err(|_| invalid(format!("the key attribute `{name}` is not valid")))?;
        key.push((name, value));
    }
    if key.is_empty() {
        return Err(invalid("it holds no key"));
    }
    Ok(key)
}

fn index_name(i: Option<&str>) -> String {
    match i {
        Some(i) => format!("index `{i}`"),
        None => "the table".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::Exprs;

    fn read(pk: &str, index: Option<&str>) -> Read {
        let mut exprs = Exprs::default();
        exprs.names.insert("#pk".into(), "pk".into());
        exprs.values.insert(":v0".into(), Value::from(pk));
        Read {
            table: "orders".into(),
            index: index.map(str::to_owned),
            key_condition: Some("#pk = :v0".into()),
            filter: None,
            projection: None,
            exprs,
            limit: Some(10),
            forward: None,
            consistent: false,
            select: None,
            start: None,
            segment: None,
        }
    }

    fn key() -> KeyAttrs {
        vec![
            ("pk".to_owned(), Value::from("c1")),
            ("sk".to_owned(), Value::from("o#7")),
            ("n".to_owned(), Value::from(7)),
        ]
    }

    #[test]
    fn a_cursor_round_trips_and_is_url_safe() {
        let r = read("c1", None);
        let c = make(&r, key().iter().map(|(k, v)| (k, v)), None).unwrap();
        assert!(c.starts_with("c1."), "{c}");
        assert!(
            c.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)),
            "{c}"
        );
        let mut back = resume(&r, &c, None).unwrap();
        back.sort_by(|a, b| a.0.cmp(&b.0));
        let mut want = key();
        want.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(back, want);
        // The filter and limit may change between pages.
        let mut other = read("c1", None);
        other.limit = Some(3);
        other.filter = Some("x = :y".into());
        assert!(resume(&other, &c, None).is_ok());
    }

    /// The largest start key DynamoDB can hand back — a table key and an
    /// index key of four partition and four sort attributes, each at its
    /// size limit and all control characters (six bytes each in JSON) —
    /// makes a cursor that `resume` takes back. At 8 KiB it refused the
    /// cursor of a GSI page whose last keys were long.
    #[test]
    fn the_largest_start_key_makes_a_cursor_that_is_taken_back() {
        let text = |n: usize| Value::from("\u{1}".repeat(n));
        let mut key: KeyAttrs = vec![("pk".to_owned(), text(2048)), ("sk".to_owned(), text(1024))];
        for i in 0..4 {
            key.push((format!("gp{i}"), text(2048)));
            key.push((format!("gs{i}"), text(1024)));
        }
        let r = read("c1", Some("ByEverything"));
        let c = make(&r, key.iter().map(|(k, v)| (k, v)), Some(b"secret")).unwrap();
        assert!(c.len() > 8 * 1024, "{}", c.len());
        let back = resume(&r, &c, Some(b"secret")).unwrap();
        assert_eq!(back.len(), key.len());
    }

    #[test]
    fn a_cursor_of_another_query_table_or_index_is_refused() {
        let c = make(&read("c1", None), key().iter().map(|(k, v)| (k, v)), None).unwrap();
        let e = resume(&read("c2", None), &c, None).unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::ValidationError);
        assert_eq!(e.field(), Some("cursor"));
        assert!(e.message().contains("another query"), "{}", e.message());
        let e = resume(&read("c1", Some("ByDate")), &c, None).unwrap_err();
        assert!(
            e.message().contains("from the table, not index `ByDate`"),
            "{}",
            e.message()
        );
        let mut elsewhere = read("c1", None);
        elsewhere.table = "users".into();
        let e = resume(&elsewhere, &c, None).unwrap_err();
        assert!(e.message().contains("table `orders`, not `users`"));
        let mut desc = read("c1", None);
        desc.forward = Some(false);
        assert!(resume(&desc, &c, None).is_err());
    }

    #[test]
    fn tampered_and_forged_cursors_are_refused() {
        let r = read("c1", None);
        for bad in ["", "c1", "c2.e30", "c1.!!!", "c1.e30", "c1.a.b.c", "x.y"] {
            let e = resume(&r, bad, None).unwrap_err();
            assert_eq!(e.field(), Some("cursor"), "{bad}");
        }
        let secret = b"server side secret".as_slice();
        let signed = make(&r, key().iter().map(|(k, v)| (k, v)), Some(secret)).unwrap();
        assert_eq!(signed.split('.').count(), 3);
        assert!(resume(&r, &signed, Some(secret)).is_ok());
        // Another key, no signature, or a changed payload: refused.
        let e = resume(&r, &signed, Some(b"another")).unwrap_err();
        assert!(e.message().contains("does not match"), "{}", e.message());
        let unsigned = make(&r, key().iter().map(|(k, v)| (k, v)), None).unwrap();
        let e = resume(&r, &unsigned, Some(secret)).unwrap_err();
        assert!(e.message().contains("not signed"), "{}", e.message());
        // A forged payload (another partition's key) with the old signature.
        let forged_body = make(&read("c2", None), key().iter().map(|(k, v)| (k, v)), None).unwrap();
        let sig = signed.rsplit('.').next().unwrap();
        let forged = format!("{forged_body}.{sig}");
        assert!(resume(&read("c2", None), &forged, Some(secret)).is_err());
        // A signed cursor where no secret is configured.
        let e = resume(&r, &signed, None).unwrap_err();
        assert!(e.message().contains("no secret key"), "{}", e.message());
    }

    #[test]
    fn placeholders_are_found() {
        let p: Vec<(usize, &str)> = placeholders("#pk = :v0 AND begins_with(#sk, :v_1)").collect();
        assert_eq!(p, [(0, "#pk"), (6, ":v0"), (26, "#sk"), (31, ":v_1")]);
    }

    #[test]
    fn the_shape_does_not_depend_on_placeholder_names() {
        let r = read("c1", None);
        // The same condition under other names (as when a filter took
        // `#pk` and `:v0`).
        let mut renamed = read("c1", None);
        renamed.key_condition = Some("#pk1 = :v1".into());
        renamed.exprs.names.insert("#pk1".into(), "pk".into());
        renamed.exprs.values.insert(":v1".into(), Value::from("c1"));
        assert_eq!(shape(&r), shape(&renamed));
        // Another value, attribute or operator is another shape.
        assert_ne!(shape(&r), shape(&read("c2", None)));
        let mut other_attr = read("c1", None);
        other_attr.exprs.names.insert("#pk".into(), "sk".into());
        assert_ne!(shape(&r), shape(&other_attr));
        let mut other_op = read("c1", None);
        other_op.key_condition = Some("#pk < :v0".into());
        assert_ne!(shape(&r), shape(&other_op));
        // A literal and a value that print alike do not collide.
        let mut swapped = read("c1", None);
        swapped.key_condition = Some("#pk = c1".into());
        assert_ne!(shape(&r), shape(&swapped));
    }
}
