//! The multi-tenant `Organizations` context (the guide's "Multi-Tenant
//! Pattern"): an organization and its members live in **one partition**, the
//! organization's, so everything about a tenant is one query away and no
//! query can wander into another tenant's data.
//!
//! ```text
//! pk (org_id)   sk                  item
//! org_8Kq…      PROFILE             Organization: name, plan, member_count
//! org_8Kq…      member#usr_1a…      Member: user_id, role, joined_at
//! org_8Kq…      member#usr_7c…      Member
//! ```
//!
//! `Member` `belongs_to :organization, Organization`: its partition key is
//! the organization's (from its `org_id`), its sort key `member#<user_id>`.
//! A sparse `UserIndex` GSI on the members' `user_id` answers "which
//! organizations is this user in?". Adding and removing a member changes the
//! member item and the organization's `member_count` in one transaction.

use dynamo::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result, condition_failed_at};
use crate::util::{new_id, now_iso8601};

dynamo_item! {
    /// An organization (a tenant): the `PROFILE` item of its partition.
    #[derive(Debug, Clone, PartialEq)]
    pub struct Organization {
        table_name "accounts_organizations";
        field :org_id: String, partition_key;
        field :sk: String, sort_key, default: "PROFILE";
        field :name: String;
        field :plan: String, default: "free";
        field :member_count: i64, default: 0;
        field :inserted_at: String;
    }
}

dynamo_item! {
    /// A user's membership, in the organization's partition. The table is
    /// created from this schema: it declares the `UserIndex`.
    #[derive(Debug, Clone, PartialEq, Serialize)]
    pub struct Member {
        table_name "accounts_organizations";
        field :org_id: String;
        field :user_id: String, sort_key;
        field :role: String, default: "member";
        field :joined_at: String;
        global_secondary_index "UserIndex", partition_key: :user_id, sort_key: :org_id;
        belongs_to :organization, Organization;
    }
}

/// The plans an organization may be on.
pub const PLANS: &[&str] = &["free", "team", "enterprise"];
/// The roles a member may have.
pub const MEMBER_ROLES: &[&str] = &["owner", "admin", "member"];

/// What `create_organization` takes.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewOrganization {
    pub name: Option<String>,
    pub plan: Option<String>,
}

/// What `add_member` takes.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewMember {
    pub user_id: Option<String>,
    pub role: Option<String>,
}

/// Creates the context's table unless it exists.
pub async fn create_tables() -> dynamo::Result<()> {
    Client::default_client()?
        .create_table_if_missing::<Member>()
        .await?;
    Ok(())
}

/// Deletes the context's table.
pub async fn delete_tables() -> dynamo::Result<()> {
    Member::delete_table().await
}

/// Creates an organization.
pub async fn create_organization(attrs: NewOrganization) -> Result<Organization> {
    let name = attrs
        .name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .ok_or_else(|| Error::invalid("name", "is required"))?;
    if name.chars().count() > 100 {
        return Err(Error::invalid("name", "is longer than 100 characters"));
    }
    let plan = attrs.plan.as_deref().unwrap_or("free");
    if !PLANS.contains(&plan) {
        return Err(Error::invalid(
            "plan",
            format!("must be one of: {}", PLANS.join(", ")),
        ));
    }
    let org = item!(Organization {
        org_id: new_id("org"),
        name: name,
        plan: plan,
        inserted_at: now_iso8601(),
    });
    dynamo::table::put_item(
        org.clone(),
        opts![condition_expression: "attribute_not_exists(pk)"],
    )
    .await?;
    Ok(org)
}

/// The organization with this id.
pub async fn get_organization(org_id: &str) -> Result<Organization> {
    Organization::get_item(&item!(Organization { org_id: org_id }))
        .await?
        .ok_or_else(|| Error::NotFound(format!("organization {org_id}")))
}

/// The organization and its members, read concurrently from its partition.
pub async fn get_organization_with_members(org_id: &str) -> Result<(Organization, Vec<Member>)> {
    let (org, members) = tokio::join!(get_organization(org_id), list_members_unchecked(org_id));
    Ok((org?, members?))
}

/// The organization's members (404 for an unknown organization).
pub async fn list_members(org_id: &str) -> Result<Vec<Member>> {
    get_organization_with_members(org_id)
        .await
        .map(|(_, members)| members)
}

async fn list_members_unchecked(org_id: &str) -> Result<Vec<Member>> {
    // `belongs_to` children query within their own prefix: sk begins with
    // "member#", so the organization's PROFILE item is not among them.
    Ok(Member::list_items(&item!(Member { org_id: org_id }), opts![]).await?)
}

/// Adds a user (who must exist) to an organization (which must exist);
/// adding the same user twice is a conflict.
pub async fn add_member(org_id: &str, attrs: NewMember) -> Result<Member> {
    let user_id = attrs
        .user_id
        .as_deref()
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .ok_or_else(|| Error::invalid("user_id", "is required"))?;
    let role = attrs.role.as_deref().unwrap_or("member");
    if !MEMBER_ROLES.contains(&role) {
        return Err(Error::invalid(
            "role",
            format!("must be one of: {}", MEMBER_ROLES.join(", ")),
        ));
    }
    // The user lives in the Accounts context: ask it.
    crate::accounts::get_user(user_id).await?;
    let member = item!(Member {
        org_id: org_id,
        user_id: user_id,
        role: role,
        joined_at: now_iso8601(),
    });
    let result = dynamo::transaction::transact(vec![
        Tx::update(
            &item!(Organization { org_id: org_id }),
            updates! { member_count: {:increment, 1} },
        )
        .condition("attribute_exists(pk)", values! {}),
        Tx::put(member.clone()).condition("attribute_not_exists(pk)", values! {}),
    ])
    .await;
    match result {
        Ok(()) => Ok(member),
        Err(e) if condition_failed_at(&e, 0) => {
            Err(Error::NotFound(format!("organization {org_id}")))
        }
        Err(e) if condition_failed_at(&e, 1) => Err(Error::Conflict(format!(
            "user {user_id} is already a member of {org_id}"
        ))),
        Err(e) => Err(e.into()),
    }
}

/// Removes a member; returns the membership as it was.
pub async fn remove_member(org_id: &str, user_id: &str) -> Result<Member> {
    let key = item!(Member {
        org_id: org_id,
        user_id: user_id
    });
    let member = Member::get_item(&key)
        .await?
        .ok_or_else(|| Error::NotFound(format!("member {user_id} of {org_id}")))?;
    let result = dynamo::transaction::transact(vec![
        Tx::delete(&key).condition("attribute_exists(pk)", values! {}),
        Tx::update(
            &item!(Organization { org_id: org_id }),
            updates! { member_count: {:decrement, 1} },
        )
        .condition("attribute_exists(pk)", values! {}),
    ])
    .await;
    match result {
        Ok(()) => Ok(member),
        Err(e) if condition_failed_at(&e, 0) => {
            Err(Error::NotFound(format!("member {user_id} of {org_id}")))
        }
        Err(e) => Err(e.into()),
    }
}

/// The memberships of a user across organizations, through `UserIndex`.
pub async fn memberships_of(user_id: &str) -> Result<Vec<Member>> {
    Ok(Member::list_items(
        &item!(Member { user_id: user_id }),
        opts![index_name: "UserIndex"],
    )
    .await?)
}
