//! Table plans: DynamoDB's naming rule, a schema's table as a
//! [`TableSpec`], and the CreateTable request for a spec.

use std::collections::{BTreeMap, BTreeSet};

use crate::codec::ScalarType;
use crate::error::{Error, Result};
use crate::request::{BillingMode, CreateTable, IndexSpec, LocalIndexSpec, Projection, TableSpec};
use crate::schema::{KeyContext, SchemaDef};

/// DynamoDB's limit of global secondary indexes per table.
pub(crate) const MAX_GSIS: usize = 20;
/// DynamoDB's limit of local secondary indexes per table.
pub(crate) const MAX_LSIS: usize = 5;
/// DynamoDB's limit of attributes on each side of a multi-attribute key.
pub(crate) const MAX_KEY_ATTRIBUTES: usize = 4;
/// DynamoDB's limit of non-key attributes projected, summed over a table's
/// secondary indexes.
pub(crate) const MAX_PROJECTED_ATTRIBUTES: usize = 100;

/// DynamoDB's table name rule: 3–255 characters of `a-z A-Z 0-9 _ - .`.
pub(crate) fn check_table_name(name: &str) -> Result<()> {
    check_name("table name", name)
}

fn check_name(what: &str, name: &str) -> Result<()> {
    let ok_len = (3..=255).contains(&name.len());
    let ok_chars = name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
    if ok_len && ok_chars {
        Ok(())
    } else {
        Err(Error::validation(format!(
            "{what} `{name}` is not valid: DynamoDB {what}s are 3 to 255 characters of \
             a-z, A-Z, 0-9, '_', '-' and '.'"
        )))
    }
}

/// The table name in effect for `schema` (with any configured prefix),
/// checked.
pub(crate) fn table_name(schema: &SchemaDef, keys: &KeyContext) -> Result<String> {
    let name = match &keys.settings.table_prefix {
        Some(p) => format!("{p}{}", schema.table_name),
        None => schema.table_name.to_owned(),
    };
    check_table_name(&name)?;
    Ok(name)
}

/// The table a schema needs: `pk` (and `sk` when the schema has a sort key)
/// as strings, every index with its key attributes' types and projection,
/// on-demand billing.
pub(crate) fn spec(schema: &SchemaDef, keys: &KeyContext) -> TableSpec {
    let s = &keys.settings;
    let typed = |fields: &[&str]| -> Vec<(String, ScalarType)> {
        fields
            .iter()
            .map(|f| (f.to_string(), schema.attribute_type(f)))
            .collect()
    };
    // An `include` index also projects the type attribute, so reads from it
    // can tell the schemas sharing the table apart, and the time-to-live
    // attribute, so reads from it can leave out expired items (a key of the
    // index is projected anyway).
    let owned = |names: &[&str], projection: Projection, keys: &[&str]| -> Vec<String> {
        let mut v: Vec<String> = names.iter().map(|a| a.to_string()).collect();
        if projection == Projection::Include {
            let t = schema.type_attribute();
            if !names.contains(&t) {
                v.push(t.to_owned());
            }
            if let Some(ttl) = schema.ttl
                && !names.contains(&ttl)
                && !keys.contains(&ttl)
            {
                v.push(ttl.to_owned());
            }
        }
        v
    };
    TableSpec {
        name: match &s.table_prefix {
            Some(p) => format!("{p}{}", schema.table_name),
            None => schema.table_name.to_owned(),
        },
        partition_key: (s.partition_key_name.to_string(), ScalarType::String),
        sort_key: schema
            .has_sort_key()
            .then(|| (s.sort_key_name.to_string(), ScalarType::String)),
        indexes: schema
            .indexes
            .iter()
            .map(|i| IndexSpec {
                name: i.name.to_owned(),
                partition_key: typed(i.partition_key),
                sort_key: typed(i.sort_key),
                projection: i.projection,
                non_key_attributes: owned(
                    i.projected_attributes,
                    i.projection,
                    &[i.partition_key, i.sort_key].concat(),
                ),
            })
            .collect(),
        local_indexes: schema
            .local_indexes
            .iter()
            .map(|i| LocalIndexSpec {
                name: i.name.to_owned(),
                sort_key: (i.sort_key.to_owned(), schema.attribute_type(i.sort_key)),
                projection: i.projection,
                non_key_attributes: owned(
                    i.projected_attributes,
                    i.projection,
                    std::slice::from_ref(&i.sort_key),
                ),
            })
            .collect(),
        ttl_attribute: schema.ttl.map(str::to_owned),
        stream: None,
        billing: BillingMode::PayPerRequest,
    }
}

/// The CreateTable request for `spec`: names checked, at most 20 indexes,
/// every key attribute defined once with one type.
pub(crate) fn create(spec: &TableSpec) -> Result<CreateTable> {
    check_table_name(&spec.name)?;
    let mut index_names = BTreeSet::new();
    for name in spec
        .indexes
        .iter()
        .map(|i| &i.name)
        .chain(spec.local_indexes.iter().map(|i| &i.name))
    {
        check_name("index name", name)?;
        if !index_names.insert(name) {
            return Err(Error::validation(format!(
                "table `{}` declares the index name `{name}` twice (global and local indexes \
                 share one set of names)",
                spec.name
            )));
        }
    }
    // Key attribute names: not empty, and none twice in one key schema
    // (DynamoDB's refusal, "Some index key attribute have no definition",
    // names neither).
    let table_key: Vec<&str> = std::iter::once(spec.partition_key.0.as_str())
        .chain(spec.sort_key.as_ref().map(|(n, _)| n.as_str()))
        .collect();
    let key_schemas = std::iter::once((format!("table `{}`", spec.name), table_key.clone()))
        .chain(spec.indexes.iter().map(|i| {
            (
                format!("global secondary index `{}`", i.name),
                i.partition_key
                    .iter()
                    .chain(&i.sort_key)
                    .map(|(n, _)| n.as_str())
                    .collect(),
            )
        }))
        .chain(spec.local_indexes.iter().map(|i| {
            (
                format!("local secondary index `{}`", i.name),
                vec![table_key[0], i.sort_key.0.as_str()],
            )
        }));
    for (whose, attrs) in key_schemas {
        for (n, a) in attrs.iter().enumerate() {
            if a.is_empty() {
                return Err(Error::validation(format!(
                    "{whose} has a key attribute with an empty name"
                )));
            }
            if attrs[..n].contains(a) {
                return Err(Error::validation(format!(
                    "{whose} names the attribute `{a}` twice in its key; each key attribute of \
                     a table or index must be another attribute"
                )));
            }
        }
    }
    if spec.indexes.len() > MAX_GSIS {
        return Err(Error::validation(format!(
            "table `{}` has {} global secondary indexes; DynamoDB allows at most {MAX_GSIS}",
            spec.name,
            spec.indexes.len()
        )));
    }
    if spec.local_indexes.len() > MAX_LSIS {
        return Err(Error::validation(format!(
            "table `{}` has {} local secondary indexes; DynamoDB allows at most {MAX_LSIS}",
            spec.name,
            spec.local_indexes.len()
        )));
    }
    if let Some(i) = spec.local_indexes.first()
        && spec.sort_key.is_none()
    {
        return Err(Error::validation(format!(
            "local secondary index `{}`: table `{}` has no sort key, and local indexes only exist \
             on tables with one",
            i.name, spec.name
        )));
    }
    for i in &spec.indexes {
        for (side, attrs, min) in [("partition", &i.partition_key, 1), ("sort", &i.sort_key, 0)] {
            if attrs.len() < min || attrs.len() > MAX_KEY_ATTRIBUTES {
                return Err(Error::validation(format!(
                    "global secondary index `{}` has {} {side}-key attributes; DynamoDB allows \
                     {min} to {MAX_KEY_ATTRIBUTES}",
                    i.name,
                    attrs.len()
                )));
            }
        }
    }
    // Projections: non-key attributes go with `Include` alone (the others
    // would be dropped unsent), and DynamoDB takes at most 100 of them
    // summed over the table's indexes.
    let projections = spec
        .indexes
        .iter()
        .map(|i| ("global", &i.name, i.projection, &i.non_key_attributes))
        .chain(
            spec.local_indexes
                .iter()
                .map(|i| ("local", &i.name, i.projection, &i.non_key_attributes)),
        );
    let mut projected = 0;
    for (kind, name, projection, non_key) in projections {
        if projection != Projection::Include && !non_key.is_empty() {
            return Err(Error::validation(format!(
                "{kind} secondary index `{name}` lists non-key attributes ({}) with the \
                 projection {}; they apply to the projection INCLUDE only",
                non_key.join(", "),
                projection.as_str()
            )));
        }
        projected += non_key.len();
    }
    if projected > MAX_PROJECTED_ATTRIBUTES {
        return Err(Error::validation(format!(
            "table `{}`'s indexes project {projected} non-key attributes in all; DynamoDB allows \
             at most {MAX_PROJECTED_ATTRIBUTES} summed over a table's indexes",
            spec.name
        )));
    }
    if let BillingMode::Provisioned { read, write } = spec.billing
        && (read < 1 || write < 1)
    {
        return Err(Error::validation(format!(
            "provisioned capacity must be at least 1 read and 1 write unit, got {read} and {write}"
        )));
    }
    let mut attributes: BTreeMap<String, ScalarType> = BTreeMap::new();
    let mut add = |name: &str, t: ScalarType| -> Result<()> {
        match attributes.insert(name.to_owned(), t) {
            Some(prev) if prev != t => Err(Error::validation(format!(
                "attribute `{name}` is used as a key with two types ({} and {})",
                prev.as_str(),
                t.as_str()
            ))),
            _ => Ok(()),
        }
    };
    add(&spec.partition_key.0, spec.partition_key.1)?;
    if let Some((n, t)) = &spec.sort_key {
        add(n, *t)?;
    }
    for i in &spec.indexes {
        for (n, t) in i.partition_key.iter().chain(&i.sort_key) {
            add(n, *t)?;
        }
    }
    for i in &spec.local_indexes {
        add(&i.sort_key.0, i.sort_key.1)?;
    }
    Ok(CreateTable {
        spec: spec.clone(),
        attributes,
    })
}

fn describe<'a>(attr: Option<&'a str>, ty: impl Fn(&str) -> Option<&'a str>) -> String {
    match attr {
        Some(a) => format!("`{a}` ({})", ty(a).unwrap_or("?")),
        None => "missing".to_owned(),
    }
}

/// An existing table is the one `spec` describes: the same key attributes
/// with the same types, and every index of the spec there with the same
/// keys. Extra indexes on the table are fine. The error names the first
/// difference.
pub(crate) fn check_matches(spec: &TableSpec, info: &crate::request::TableInfo) -> Result<()> {
    let name = &spec.name;
    let ty = |attr: &str| info.attribute_types.get(attr).map(String::as_str);
    let differ = |what: String| {
        Err(Error::validation(format!(
            "table `{name}` exists, but {what}; change the schema, or move the data to a new table"
        )))
    };
    let (pk, pk_type) = &spec.partition_key;
    if info.partition_key.as_deref() != Some(pk.as_str()) || ty(pk) != Some(pk_type.as_str()) {
        return differ(format!(
            "its partition key is {}, not `{pk}` ({})",
            describe(info.partition_key.as_deref(), ty),
            pk_type.as_str()
        ));
    }
    match (&spec.sort_key, info.sort_key.as_deref()) {
        (None, None) => {}
        (Some((sk, sk_type)), Some(found)) if found == sk && ty(sk) == Some(sk_type.as_str()) => {}
        (Some((sk, sk_type)), found) => {
            return differ(format!(
                "its sort key is {}, not `{sk}` ({})",
                describe(found, ty),
                sk_type.as_str()
            ));
        }
        (None, Some(found)) => {
            return differ(format!(
                "it has a sort key `{found}` and the schema has none"
            ));
        }
    }
    let keys_match = |want: &[(String, ScalarType)], found: &[String]| {
        want.len() == found.len()
            && want
                .iter()
                .zip(found)
                .all(|((a, t), f)| a == f && ty(a) == Some(t.as_str()))
    };
    let list = |keys: &[(String, ScalarType)]| {
        keys.iter()
            .map(|(a, t)| format!("`{a}` ({})", t.as_str()))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let local_pk = [spec.partition_key.clone()];
    let wanted = spec
        .indexes
        .iter()
        .map(|i| (&i.name, &i.partition_key[..], &i.sort_key[..], false))
        .chain(spec.local_indexes.iter().map(|i| {
            (
                &i.name,
                &local_pk[..],
                std::slice::from_ref(&i.sort_key),
                true,
            )
        }));
    for (index, pk, sk, local) in wanted {
        let kind = if local { "local index" } else { "index" };
        let Some(found) = info.indexes.iter().find(|i| &i.name == index) else {
            return differ(format!(
                "it has no {kind} `{index}`, which the schema declares"
            ));
        };
        if found.local != local {
            let (is, declared) = if found.local {
                ("local", "global")
            } else {
                ("global", "local")
            };
            return differ(format!(
                "its index `{index}` is a {is} secondary index, and the schema declares a \
                 {declared} one"
            ));
        }
        if !keys_match(pk, &found.partition_key) || !keys_match(sk, &found.sort_key) {
            return differ(format!(
                "its {kind} `{index}` has the keys [{}] / [{}], not [{}] / [{}]",
                found.partition_key.join(", "),
                found.sort_key.join(", "),
                list(pk),
                list(sk)
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prelude::*;
    use crate::request::Projection;

    crate::dynamo_item! {
        pub struct User {
            table_name "users";
            field :id, partition_key;
            field :email;
            field :score: i64;
            global_secondary_index "EmailIndex", partition_key: :email;
            global_secondary_index "ScoreIndex", partition_key: :email, sort_key: :score, projection: :keys_only;
        }
    }

    #[test]
    fn table_names() {
        assert!(check_table_name("users").is_ok());
        assert!(check_table_name("a.b-c_d").is_ok());
        assert!(check_table_name("ab").is_err());
        assert!(check_table_name("bad name!").is_err());
        assert!(check_table_name(&"x".repeat(256)).is_err());
        let e = check_table_name("ab").unwrap_err();
        assert!(
            e.message().contains("table name `ab` is not valid"),
            "{}",
            e.message()
        );
    }

    #[test]
    fn a_schema_spec() {
        let s = spec(User::schema(), &KeyContext::of(User::schema()));
        assert_eq!(s.name, "users");
        assert_eq!(s.partition_key, ("pk".to_owned(), ScalarType::String));
        assert!(s.sort_key.is_none());
        assert_eq!(
            s.indexes[1].sort_key,
            vec![("score".to_owned(), ScalarType::Number)]
        );
        assert_eq!(s.indexes[1].projection, Projection::KeysOnly);
        let c = create(&s).unwrap();
        assert_eq!(c.attributes.len(), 3);
    }

    #[test]
    fn key_schemas_name_each_attribute_once() {
        let base = spec(User::schema(), &KeyContext::of(User::schema()));
        let refused = |s: TableSpec| create(&s).unwrap_err().message().to_owned();
        // One name for the partition and the sort key.
        let m = refused(TableSpec {
            sort_key: Some(("pk".into(), ScalarType::String)),
            ..base.clone()
        });
        assert!(
            m.contains("table `users` names the attribute `pk` twice"),
            "{m}"
        );
        // An empty key attribute name.
        let m = refused(TableSpec {
            sort_key: Some((String::new(), ScalarType::String)),
            ..base.clone()
        });
        assert!(m.contains("empty name"), "{m}");
        // An index keyed twice on one attribute.
        let mut twice = base.clone();
        twice.indexes[1].sort_key = vec![("email".into(), ScalarType::String)];
        let m = refused(twice);
        assert!(
            m.contains("global secondary index `ScoreIndex` names the attribute `email` twice"),
            "{m}"
        );
        // One index name twice.
        let mut same = base.clone();
        same.indexes[1].name = "EmailIndex".into();
        let m = refused(same);
        assert!(m.contains("index name `EmailIndex` twice"), "{m}");
        // Non-key attributes with a projection that drops them.
        let mut dropped = base.clone();
        dropped.indexes[1].non_key_attributes = vec!["name".into()];
        let m = refused(dropped);
        assert!(
            m.contains(
                "`ScoreIndex` lists non-key attributes (name) with the projection KEYS_ONLY"
            ),
            "{m}"
        );
        // Over 100 non-key attributes over the indexes.
        let mut many = base.clone();
        for i in &mut many.indexes {
            i.projection = Projection::Include;
            i.non_key_attributes = (0..51).map(|n| format!("a{n}")).collect();
        }
        let m = refused(many.clone());
        assert!(m.contains("project 102 non-key attributes"), "{m}");
        many.indexes[1].non_key_attributes.truncate(49);
        create(&many).unwrap();
    }

    #[test]
    fn an_existing_table_must_match_the_schema() {
        use crate::request::{IndexInfo, TableInfo};
        let s = spec(User::schema(), &KeyContext::of(User::schema()));
        let types = |pairs: &[(&str, &str)]| {
            pairs
                .iter()
                .map(|(a, t)| (a.to_string(), t.to_string()))
                .collect()
        };
        let good = TableInfo {
            name: "users".into(),
            status: "ACTIVE".into(),
            partition_key: Some("pk".into()),
            attribute_types: types(&[("pk", "S"), ("email", "S"), ("score", "N")]),
            indexes: vec![
                IndexInfo::new("EmailIndex", vec!["email".into()], vec![], false),
                IndexInfo::new(
                    "ScoreIndex",
                    vec!["email".into()],
                    vec!["score".into()],
                    false,
                ),
                IndexInfo::new("Extra", vec!["x".into()], vec![], false),
            ],
            ..TableInfo::default()
        };
        check_matches(&s, &good).unwrap();
        let msg = |info: TableInfo| check_matches(&s, &info).unwrap_err().message().to_owned();
        let m = msg(TableInfo {
            partition_key: Some("id".into()),
            ..good.clone()
        });
        assert!(
            m.contains("its partition key is `id` (?), not `pk` (S)"),
            "{m}"
        );
        let m = msg(TableInfo {
            sort_key: Some("sk".into()),
            ..good.clone()
        });
        assert!(m.contains("a sort key `sk` and the schema has none"), "{m}");
        let m = msg(TableInfo {
            indexes: good.indexes[..1].to_vec(),
            ..good.clone()
        });
        assert!(m.contains("no index `ScoreIndex`"), "{m}");
        // The same keys, but a local index where the schema has a global
        // one: said as such (the keys were quoted as differing).
        let mut local = good.clone();
        local.indexes[1].local = true;
        let m = msg(local);
        assert!(
            m.contains(
                "its index `ScoreIndex` is a local secondary index, and the schema declares a \
                 global one"
            ),
            "{m}"
        );
        let m = msg(TableInfo {
            attribute_types: types(&[("pk", "S"), ("email", "S"), ("score", "S")]),
            ..good.clone()
        });
        assert!(
            m.contains(
                "`ScoreIndex` has the keys [email] / [score], not [`email` (S)] / [`score` (N)]"
            ),
            "{m}"
        );
    }

    #[test]
    fn bad_specs_are_refused() {
        let mut s = spec(User::schema(), &KeyContext::of(User::schema()));
        s.indexes[1].partition_key[0].1 = ScalarType::Number;
        let e = create(&s).unwrap_err();
        assert!(
            e.message()
                .contains("`email` is used as a key with two types"),
            "{}",
            e.message()
        );
        let mut s = spec(User::schema(), &KeyContext::of(User::schema()));
        s.indexes[0].name = "x".into();
        assert!(create(&s).unwrap_err().message().contains("index name `x`"));
        let mut s = spec(User::schema(), &KeyContext::of(User::schema()));
        s.indexes = (0..21)
            .map(|i| IndexSpec {
                name: format!("idx{i}"),
                ..s.indexes[0].clone()
            })
            .collect();
        assert!(create(&s).unwrap_err().message().contains("at most 20"));
        let mut s = spec(User::schema(), &KeyContext::of(User::schema()));
        s.billing = BillingMode::Provisioned { read: 0, write: 1 };
        assert!(create(&s).is_err());
    }
}
