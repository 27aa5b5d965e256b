//! The `Accounts` context (the guide's "Phoenix Contexts"): users, and the
//! only code that knows how they are stored.
//!
//! Access patterns:
//!
//! 1. get a user by id — `GetItem` on `pk = <id>`;
//! 2. get a user by email — a query on the `EmailIndex` GSI;
//! 3. list users — a lazy scan (fine for an admin page; a big table wants a
//!    partitioned design instead);
//! 4. create, update, delete — with the email kept **unique**: a GSI cannot
//!    enforce that, so every email is also *claimed* by an item in
//!    `accounts_user_emails` (`pk = <email>`), written in the same
//!    transaction as the user under `attribute_not_exists(pk)`. A taken
//!    email cancels the transaction: nothing is written, and the context
//!    reports a conflict.
//!
//! Differences from the guide's `MyApp.Accounts`: the user's key is its id
//! alone (the guide also puts the email in the sort key, so every read would
//! need the email and an email change would change the key), updates change
//! only the given attributes with `UpdateItem` instead of re-putting the
//! whole item, and the email is unique.

use dynamo::prelude::*;
use futures_util::{StreamExt, TryStreamExt};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result, condition_failed_at};
use crate::util::{new_id, now_iso8601};

dynamo_item! {
    /// A user account.
    #[derive(Debug, Clone, PartialEq, Serialize)]
    pub struct User {
        table_name "accounts_users";
        field :id: String, partition_key;
        field :email: String;
        field :name: String;
        field :role: String, default: "user";
        field :inserted_at: String;
        field :updated_at: String;
        global_secondary_index "EmailIndex", partition_key: :email;
    }
}

dynamo_item! {
    /// Reserves an email for one user.
    #[derive(Debug, Clone, PartialEq)]
    pub struct EmailClaim {
        table_name "accounts_user_emails";
        field :email: String, partition_key;
        field :user_id: String;
    }
}

/// The roles a user may have.
pub const ROLES: &[&str] = &["user", "admin"];

/// What `create_user` takes (every field optional here so that a missing one
/// is reported like an invalid one, naming the field).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    pub email: Option<String>,
    pub name: Option<String>,
    pub role: Option<String>,
}

/// What `update_user` takes: the attributes to change.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserChanges {
    pub email: Option<String>,
    pub name: Option<String>,
    pub role: Option<String>,
}

/// Creates the context's tables unless they exist.
pub async fn create_tables() -> dynamo::Result<()> {
    let client = Client::default_client()?;
    client.create_table_if_missing::<User>().await?;
    client.create_table_if_missing::<EmailClaim>().await?;
    Ok(())
}

/// Deletes the context's tables.
pub async fn delete_tables() -> dynamo::Result<()> {
    User::delete_table().await?;
    EmailClaim::delete_table().await
}

/// Users, oldest first, at most `limit`.
pub async fn list_users(limit: Option<usize>) -> Result<Vec<User>> {
    let limit = limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(Error::invalid("limit", "must be between 1 and 1000"));
    }
    // The guide's `Dynamo.Table.Stream.scan(User) |> Enum.to_list()`, with
    // a cap. Scans come in no particular order: sort what was read.
    let mut users: Vec<User> = dynamo::table::stream::scan::<User>(opts![page_size: 100])
        .take(limit)
        .try_collect()
        .await?;
    users.sort_by(|a, b| (&a.inserted_at, &a.id).cmp(&(&b.inserted_at, &b.id)));
    Ok(users)
}

/// The user with this id.
pub async fn get_user(id: &str) -> Result<User> {
    if id.trim().is_empty() {
        return Err(Error::invalid("id", "is empty"));
    }
    User::get_item(&item!(User { id: id }))
        .await?
        .ok_or_else(|| Error::NotFound(format!("user {id}")))
}

/// The user with this email, through the `EmailIndex` GSI.
pub async fn get_user_by_email(email: &str) -> Result<User> {
    let email = normalize_email(email)?;
    let found = User::list_items(
        &item!(User {
            email: email.as_str()
        }),
        opts![index_name: "EmailIndex", limit: 1],
    )
    .await?;
    found
        .into_iter()
        .next()
        .ok_or_else(|| Error::NotFound(format!("user with email {email}")))
}

/// Creates a user; a taken email is a conflict.
pub async fn create_user(attrs: NewUser) -> Result<User> {
    let email = normalize_email(required(attrs.email.as_deref(), "email")?)?;
    let name = validate_name(required(attrs.name.as_deref(), "name")?)?;
    let role = validate_role(attrs.role.as_deref().unwrap_or("user"))?;
    let now = now_iso8601();
    let user = item!(User {
        id: new_id("usr"),
        email: email.as_str(),
        name: name,
        role: role,
        inserted_at: now.as_str(),
        updated_at: now.as_str(),
    });
    let claim = item!(EmailClaim {
        email: email.as_str(),
        user_id: user.id.as_str()
    });
    let result = dynamo::transaction::transact(vec![
        Tx::put(user.clone()).condition("attribute_not_exists(pk)", values! {}),
        Tx::put(claim).condition("attribute_not_exists(pk)", values! {}),
    ])
    .await;
    match result {
        Ok(()) => Ok(user),
        Err(e) if condition_failed_at(&e, 1) => Err(email_taken(&email)),
        Err(e) => Err(e.into()),
    }
}

/// Changes the given attributes; a new email must be free.
pub async fn update_user(id: &str, changes: UserChanges) -> Result<User> {
    let mut updates = Updates::new();
    if let Some(name) = changes.name.as_deref() {
        updates.push("name", UpdateOp::Set(validate_name(name)?.into()));
    }
    if let Some(role) = changes.role.as_deref() {
        updates.push("role", UpdateOp::Set(validate_role(role)?.into()));
    }
    let email = changes.email.as_deref().map(normalize_email).transpose()?;
    if updates.is_empty() && email.is_none() {
        return Err(Error::Invalid {
            field: None,
            message: "nothing to update: give email, name or role".into(),
        });
    }
    updates.push("updated_at", UpdateOp::Set(now_iso8601().into()));
    let key = item!(User { id: id });

    let current = match &email {
        Some(_) => Some(get_user(id).await?),
        None => None,
    };
    match (email, current) {
        // A new email: move the claim and change the user in one
        // transaction, provided nobody changed the email meanwhile.
        (Some(new), Some(current)) if new != current.email => {
            updates.push("email", UpdateOp::Set(new.as_str().into()));
            let result = dynamo::transaction::transact(vec![
                Tx::update(&key, updates).condition(
                    "attribute_exists(pk) AND email = :old",
                    values! {":old" => current.email.as_str()},
                ),
                Tx::delete(&item!(EmailClaim {
                    email: current.email.as_str()
                }))
                .condition("user_id = :id", values! {":id" => id}),
                Tx::put(item!(EmailClaim {
                    email: new.as_str(),
                    user_id: id
                }))
                .condition("attribute_not_exists(pk)", values! {}),
            ])
            .await;
            match result {
                Ok(()) => get_user(id).await,
                Err(e) if condition_failed_at(&e, 2) => Err(email_taken(&new)),
                Err(e) if condition_failed_at(&e, 0) || condition_failed_at(&e, 1) => Err(
                    Error::Conflict(format!("user {id} changed meanwhile; try again")),
                ),
                Err(e) => Err(e.into()),
            }
        }
        // The same email or none: a plain conditional update, which must not
        // create a user that is not there.
        _ => {
            let result = dynamo::table::update_item(
                &key,
                updates,
                opts![condition_expression: "attribute_exists(pk)"],
            )
            .await;
            match result {
                Ok(user) => Ok(user),
                Err(e) if e.is_conditional_check_failed() => {
                    Err(Error::NotFound(format!("user {id}")))
                }
                Err(e) => Err(e.into()),
            }
        }
    }
}

/// Deletes the user and frees the email; returns the user as it was.
pub async fn delete_user(id: &str) -> Result<User> {
    let user = get_user(id).await?;
    let result = dynamo::transaction::transact(vec![
        Tx::delete(&item!(User { id: id })).condition(
            "attribute_exists(pk) AND email = :email",
            values! {":email" => user.email.as_str()},
        ),
        Tx::delete(&item!(EmailClaim {
            email: user.email.as_str()
        }))
        .condition("user_id = :id", values! {":id" => id}),
    ])
    .await;
    match result {
        Ok(()) => Ok(user),
        Err(e) if condition_failed_at(&e, 0) || condition_failed_at(&e, 1) => Err(Error::Conflict(
            format!("user {id} changed meanwhile; try again"),
        )),
        Err(e) => Err(e.into()),
    }
}

fn email_taken(email: &str) -> Error {
    Error::Conflict(format!("email {email} is already taken"))
}

fn required<'a>(value: Option<&'a str>, field: &str) -> Result<&'a str> {
    value.ok_or_else(|| Error::invalid(field, "is required"))
}

/// Trims and lowercases; requires one `@` with something on both sides and
/// a dot in the domain.
pub fn normalize_email(email: &str) -> Result<String> {
    let email = email.trim().to_lowercase();
    let valid = email.len() <= 254
        && !email.chars().any(char::is_whitespace)
        && match email.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
            }
            None => false,
        };
    if valid {
        Ok(email)
    } else {
        Err(Error::invalid("email", "is not a valid email address"))
    }
}

fn validate_name(name: &str) -> Result<String> {
    let name = name.trim();
    match name.chars().count() {
        0 => Err(Error::invalid("name", "is empty")),
        n if n > 100 => Err(Error::invalid("name", "is longer than 100 characters")),
        _ => Ok(name.to_owned()),
    }
}

fn validate_role(role: &str) -> Result<String> {
    if ROLES.contains(&role) {
        Ok(role.to_owned())
    } else {
        Err(Error::invalid(
            "role",
            format!("must be one of: {}", ROLES.join(", ")),
        ))
    }
}
