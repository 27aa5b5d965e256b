//! The HTTP layer: axum handlers that call the contexts and map their errors
//! to statuses. Handlers know nothing of DynamoDB.
//!
//! | method and path                           | context call                          | success |
//! |-------------------------------------------|---------------------------------------|---------|
//! | `GET /users?limit=N`                      | `accounts::list_users`                | 200     |
//! | `POST /users` `{email, name, role?}`      | `accounts::create_user`               | 201     |
//! | `GET /users/{id}`                         | `accounts::get_user`                  | 200     |
//! | `GET /users/by-email/{email}`             | `accounts::get_user_by_email` (GSI)   | 200     |
//! | `PATCH /users/{id}` `{email?, name?, role?}` | `accounts::update_user`            | 200     |
//! | `DELETE /users/{id}`                      | `accounts::delete_user`, then leaves every organization | 200, the deleted user |
//! | `GET /users/{id}/organizations`           | `organizations::memberships_of` (GSI) | 200     |
//! | `POST /orgs` `{name, plan?}`              | `organizations::create_organization`  | 201     |
//! | `GET /orgs/{org_id}`                      | the organization with its members     | 200     |
//! | `GET /orgs/{org_id}/members`              | `organizations::list_members`         | 200     |
//! | `POST /orgs/{org_id}/members` `{user_id, role?}` | `organizations::add_member`    | 201     |
//! | `DELETE /orgs/{org_id}/members/{user_id}` | `organizations::remove_member`        | 200, the removed member |
//!
//! Errors are JSON, `{"error": "<code>", "message": "…", "field": "…"}`:
//!
//! | context error | status | why |
//! |---|---|---|
//! | `NotFound` | 404 `not_found` | |
//! | `Invalid` (the contexts' checks, and dynamo's `ErrorKind::ValidationError`) | 422 `invalid` | the request is well-formed JSON but its content is unacceptable |
//! | `Conflict` (an email taken on create or update, a member added twice: a failed `attribute_not_exists` condition, `ConditionalCheckFailed` in a cancelled transaction) | 409 `conflict` | the request itself is valid — the same one succeeds once the clash is gone — so it is not a 422; 409 tells the client to look at the current state |
//! | `Storage`, retryable (throttling, transport, 5xx) | 503 `unavailable` | worth retrying later |
//! | `Storage`, other | 500 `internal` | |
//! | a body that is not JSON / not `application/json` / wrong shape | 400 / 415 / 422 `invalid_body` | axum's own statuses |

use std::sync::Arc;

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use dynamo::config::{self, Config};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::accounts::{self, NewUser, User, UserChanges};
use crate::error::Error;
use crate::organizations::{self, Member, NewMember, NewOrganization, Organization};

/// The service's routes. Every request runs with `config` as its
/// task-scoped dynamo configuration (e.g. a table prefix), so several
/// instances — tests, say — can share one process and one DynamoDB.
pub fn router(config: Config) -> Router {
    Router::new()
        .route("/health", get(|| async { "ok" }))
        .route("/users", get(list_users).post(create_user))
        .route(
            "/users/{id}",
            get(get_user).patch(update_user).delete(delete_user),
        )
        .route("/users/by-email/{email}", get(get_user_by_email))
        .route("/users/{id}/organizations", get(user_organizations))
        .route("/orgs", axum::routing::post(create_organization))
        .route("/orgs/{org_id}", get(get_organization))
        .route("/orgs/{org_id}/members", get(list_members).post(add_member))
        .route(
            "/orgs/{org_id}/members/{user_id}",
            axum::routing::delete(remove_member),
        )
        .layer(middleware::from_fn_with_state(Arc::new(config), in_scope))
}

/// Runs the request under the service's dynamo configuration.
async fn in_scope(State(config): State<Arc<Config>>, request: Request, next: Next) -> Response {
    config::scope((*config).clone(), next.run(request)).await
}

/// A handler's failure, as an HTTP response.
#[derive(Debug)]
pub enum ApiError {
    Context(Error),
    Body(JsonRejection),
}

impl From<Error> for ApiError {
    fn from(e: Error) -> ApiError {
        ApiError::Context(e)
    }
}

impl From<JsonRejection> for ApiError {
    fn from(e: JsonRejection) -> ApiError {
        ApiError::Body(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code, message, field) = match self {
            ApiError::Body(rejection) => (
                rejection.status(),
                "invalid_body",
                rejection.body_text(),
                None,
            ),
            ApiError::Context(e) => {
                let message = e.to_string();
                match e {
                    Error::NotFound(_) => (StatusCode::NOT_FOUND, "not_found", message, None),
                    Error::Invalid { field, .. } => {
                        (StatusCode::UNPROCESSABLE_ENTITY, "invalid", message, field)
                    }
                    Error::Conflict(_) => (StatusCode::CONFLICT, "conflict", message, None),
                    Error::Storage(e) if e.is_retryable() => {
                        eprintln!("storage unavailable: {e}");
                        (
                            StatusCode::SERVICE_UNAVAILABLE,
                            "unavailable",
                            message,
                            None,
                        )
                    }
                    Error::Storage(e) => {
                        eprintln!("storage error: {e}");
                        (StatusCode::INTERNAL_SERVER_ERROR, "internal", message, None)
                    }
                }
            }
        };
        let mut body = json!({ "error": code, "message": message });
        if let Some(field) = field {
            body["field"] = json!(field);
        }
        (status, Json(body)).into_response()
    }
}

type ApiResult<T> = Result<T, ApiError>;

#[derive(Debug, Deserialize)]
struct ListParams {
    limit: Option<usize>,
}

async fn list_users(
    params: Result<Query<ListParams>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<Vec<User>>> {
    let limit = match params {
        Ok(Query(p)) => p.limit,
        Err(_) => return Err(Error::invalid("limit", "must be a positive integer").into()),
    };
    Ok(Json(accounts::list_users(limit).await?))
}

async fn create_user(
    body: Result<Json<NewUser>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<User>)> {
    let Json(attrs) = body?;
    let user = accounts::create_user(attrs).await?;
    Ok((StatusCode::CREATED, Json(user)))
}

async fn get_user(Path(id): Path<String>) -> ApiResult<Json<User>> {
    Ok(Json(accounts::get_user(&id).await?))
}

async fn get_user_by_email(Path(email): Path<String>) -> ApiResult<Json<User>> {
    Ok(Json(accounts::get_user_by_email(&email).await?))
}

async fn update_user(
    Path(id): Path<String>,
    body: Result<Json<UserChanges>, JsonRejection>,
) -> ApiResult<Json<User>> {
    let Json(changes) = body?;
    Ok(Json(accounts::update_user(&id, changes).await?))
}

/// Deleting a user also takes it out of every organization: the handler
/// orchestrates the two contexts, neither reaches into the other's tables.
async fn delete_user(Path(id): Path<String>) -> ApiResult<Json<User>> {
    let user = accounts::delete_user(&id).await?;
    for membership in organizations::memberships_of(&id).await? {
        match organizations::remove_member(&membership.org_id, &id).await {
            Ok(_) | Err(Error::NotFound(_)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(Json(user))
}

async fn user_organizations(Path(id): Path<String>) -> ApiResult<Json<Vec<Member>>> {
    accounts::get_user(&id).await?;
    Ok(Json(organizations::memberships_of(&id).await?))
}

/// An organization as the API shows it (without its storage-only sort
/// key), with its members when asked for.
#[derive(Debug, Serialize)]
struct OrganizationView {
    org_id: String,
    name: String,
    plan: String,
    member_count: i64,
    inserted_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    members: Option<Vec<Member>>,
}

impl OrganizationView {
    fn new(org: Organization, members: Option<Vec<Member>>) -> OrganizationView {
        OrganizationView {
            org_id: org.org_id,
            name: org.name,
            plan: org.plan,
            member_count: org.member_count,
            inserted_at: org.inserted_at,
            members,
        }
    }
}

async fn create_organization(
    body: Result<Json<NewOrganization>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<OrganizationView>)> {
    let Json(attrs) = body?;
    let org = organizations::create_organization(attrs).await?;
    Ok((StatusCode::CREATED, Json(OrganizationView::new(org, None))))
}

async fn get_organization(Path(org_id): Path<String>) -> ApiResult<Json<OrganizationView>> {
    let (org, members) = organizations::get_organization_with_members(&org_id).await?;
    Ok(Json(OrganizationView::new(org, Some(members))))
}

async fn list_members(Path(org_id): Path<String>) -> ApiResult<Json<Vec<Member>>> {
    Ok(Json(organizations::list_members(&org_id).await?))
}

async fn add_member(
    Path(org_id): Path<String>,
    body: Result<Json<NewMember>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<Member>)> {
    let Json(attrs) = body?;
    let member = organizations::add_member(&org_id, attrs).await?;
    Ok((StatusCode::CREATED, Json(member)))
}

async fn remove_member(Path((org_id, user_id)): Path<(String, String)>) -> ApiResult<Json<Member>> {
    Ok(Json(organizations::remove_member(&org_id, &user_id).await?))
}
