//! The `accounts_service` example (examples/accounts_service/) driven over
//! HTTP: its modules are compiled into this test, each test starts the
//! router on a free loopback port with tables of its own (a unique table
//! prefix), and talks to it with a hyper client, against DynamoDB Local.

#[path = "../examples/accounts_service/accounts.rs"]
mod accounts;
#[path = "../examples/accounts_service/demo.rs"]
mod demo;
#[path = "../examples/accounts_service/error.rs"]
mod error;
#[path = "../examples/accounts_service/organizations.rs"]
mod organizations;
mod support;
#[path = "../examples/accounts_service/util.rs"]
mod util;
#[path = "../examples/accounts_service/web.rs"]
mod web;

use std::net::SocketAddr;

use demo::Api;
use dynamo::config::{self, Config};
use hyper::Method;
use serde_json::{Value, json};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A running service with its own tables.
struct Service {
    api: Api,
    addr: SocketAddr,
    scope: Config,
    stop: oneshot::Sender<()>,
    server: JoinHandle<std::io::Result<()>>,
}

impl Service {
    async fn start() -> Service {
        support::endpoint();
        let scope = Config::new().table_prefix(support::unique_prefix());
        config::scope(scope.clone(), async {
            accounts::create_tables().await.expect("accounts tables");
            organizations::create_tables()
                .await
                .expect("organizations table");
        })
        .await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a free loopback port");
        let addr = listener.local_addr().unwrap();
        let app = web::router(scope.clone());
        let (stop, stopped) = oneshot::channel::<()>();
        let server = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await
        });
        Service {
            api: Api::new(addr),
            addr,
            scope,
            stop,
            server,
        }
    }

    async fn stop(self) {
        let _ = self.stop.send(());
        self.server.await.unwrap().unwrap();
        config::scope(self.scope, async {
            accounts::delete_tables().await.unwrap();
            organizations::delete_tables().await.unwrap();
        })
        .await;
    }

    async fn get(&self, path: &str) -> (u16, Value) {
        self.api.get(path).await.unwrap()
    }

    async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.api.post(path, body).await.unwrap()
    }

    async fn patch(&self, path: &str, body: Value) -> (u16, Value) {
        self.api.patch(path, body).await.unwrap()
    }

    async fn delete(&self, path: &str) -> (u16, Value) {
        self.api.delete(path).await.unwrap()
    }

    /// Creates a user; returns its id.
    async fn user(&self, email: &str, name: &str) -> String {
        let (status, body) = self
            .post("/users", json!({"email": email, "name": name}))
            .await;
        assert_eq!(status, 201, "{body}");
        body["id"].as_str().unwrap().to_owned()
    }
}

fn field(body: &Value) -> &str {
    body["field"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn users_crud_over_http() {
    let s = Service::start().await;

    // create
    let (status, ada) = s
        .post(
            "/users",
            json!({"email": "  Ada@Example.COM ", "name": " Ada Lovelace ", "role": "admin"}),
        )
        .await;
    assert_eq!(status, 201, "{ada}");
    let id = ada["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("usr_"), "{id}");
    assert_eq!(ada["email"], "ada@example.com", "normalized");
    assert_eq!(ada["name"], "Ada Lovelace", "trimmed");
    assert_eq!(ada["role"], "admin");
    assert_eq!(ada["inserted_at"], ada["updated_at"]);
    let bob = s.user("bob@example.com", "Bob").await;
    let (_, bob_json) = s.get(&format!("/users/{bob}")).await;
    assert_eq!(bob_json["role"], "user", "the default role");

    // get
    let (status, got) = s.get(&format!("/users/{id}")).await;
    assert_eq!(status, 200);
    assert_eq!(got, ada);

    // get by email, through the GSI, whatever the case
    let (status, by_email) = s.get("/users/by-email/ADA@example.com").await;
    assert_eq!(status, 200, "{by_email}");
    assert_eq!(by_email, ada);
    let (status, body) = s.get("/users/by-email/nobody@example.com").await;
    assert_eq!((status, body["error"].as_str()), (404, Some("not_found")));

    // list
    let (status, list) = s.get("/users").await;
    assert_eq!(status, 200);
    let ids: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [id.as_str(), bob.as_str()], "oldest first");
    let (status, one) = s.get("/users?limit=1").await;
    assert_eq!(status, 200);
    assert_eq!(one.as_array().unwrap().len(), 1);

    // update: name and role
    let (status, updated) = s
        .patch(
            &format!("/users/{id}"),
            json!({"name": "Augusta Ada King", "role": "user"}),
        )
        .await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["name"], "Augusta Ada King");
    assert_eq!(updated["role"], "user");
    assert_eq!(updated["email"], "ada@example.com");
    assert_eq!(updated["inserted_at"], ada["inserted_at"]);
    assert!(updated["updated_at"].as_str() >= ada["updated_at"].as_str());
    assert_eq!(s.get(&format!("/users/{id}")).await.1, updated);

    // update: the email moves, the old one is free again
    let (status, moved) = s
        .patch(
            &format!("/users/{id}"),
            json!({"email": "ada@lovelace.org"}),
        )
        .await;
    assert_eq!(status, 200, "{moved}");
    assert_eq!(moved["email"], "ada@lovelace.org");
    assert_eq!(moved["name"], "Augusta Ada King");
    assert_eq!(s.get("/users/by-email/ada@example.com").await.0, 404);
    assert_eq!(
        s.get("/users/by-email/ada@lovelace.org").await.1["id"],
        id.as_str()
    );
    let reuse = s.user("ada@example.com", "Someone Else").await;
    // the same email again is no change, not a conflict
    let (status, same) = s
        .patch(
            &format!("/users/{id}"),
            json!({"email": "ADA@lovelace.org"}),
        )
        .await;
    assert_eq!(status, 200, "{same}");

    // delete
    let (status, deleted) = s.delete(&format!("/users/{id}")).await;
    assert_eq!(status, 200);
    assert_eq!(deleted["id"], id.as_str());
    assert_eq!(s.get(&format!("/users/{id}")).await.0, 404);
    assert_eq!(s.get("/users/by-email/ada@lovelace.org").await.0, 404);
    // and its email can be taken again
    s.user("ada@lovelace.org", "New Ada").await;

    // 404s
    for (status, body) in [
        s.get("/users/usr_nope").await,
        s.delete(&format!("/users/{id}")).await,
        s.patch("/users/usr_nope", json!({"name": "X"})).await,
        s.patch("/users/usr_nope", json!({"email": "x@example.com"}))
            .await,
    ] {
        assert_eq!(status, 404, "{body}");
        assert_eq!(body["error"], "not_found");
    }
    // a PATCH on a missing user must not have created it
    assert_eq!(s.get("/users/usr_nope").await.0, 404);

    let (_, list) = s.get("/users").await;
    assert_eq!(list.as_array().unwrap().len(), 3, "bob, reuse, new ada");
    let _ = reuse;
    s.stop().await;
}

#[tokio::test]
async fn duplicate_emails_are_conflicts() {
    let s = Service::start().await;
    let ada = s.user("ada@example.com", "Ada").await;
    let bob = s.user("bob@example.com", "Bob").await;

    let (status, body) = s
        .post(
            "/users",
            json!({"email": "ADA@example.com", "name": "Impostor"}),
        )
        .await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"], "conflict");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("ada@example.com")
    );

    let (status, body) = s
        .patch(
            &format!("/users/{bob}"),
            json!({"email": "ada@example.com"}),
        )
        .await;
    assert_eq!(status, 409, "{body}");
    // nothing changed
    assert_eq!(
        s.get(&format!("/users/{bob}")).await.1["email"],
        "bob@example.com"
    );
    assert_eq!(
        s.get("/users/by-email/ada@example.com").await.1["id"],
        ada.as_str()
    );
    let (_, list) = s.get("/users").await;
    assert_eq!(
        list.as_array().unwrap().len(),
        2,
        "the impostor was not written"
    );
    s.stop().await;
}

#[tokio::test]
async fn bad_input_is_rejected() {
    let s = Service::start().await;
    let id = s.user("ada@example.com", "Ada").await;

    // 422 from the context's checks, naming the field
    for (body, bad) in [
        (json!({"email": "not-an-email", "name": "X"}), "email"),
        (json!({"email": "a@b", "name": "X"}), "email"),
        (json!({"email": "a b@example.com", "name": "X"}), "email"),
        (json!({"name": "X"}), "email"),
        (json!({"email": "x@example.com"}), "name"),
        (json!({"email": "x@example.com", "name": "   "}), "name"),
        (
            json!({"email": "x@example.com", "name": "n".repeat(101)}),
            "name",
        ),
        (
            json!({"email": "x@example.com", "name": "X", "role": "root"}),
            "role",
        ),
    ] {
        let (status, resp) = s.post("/users", body.clone()).await;
        assert_eq!(status, 422, "{body} -> {resp}");
        assert_eq!(resp["error"], "invalid", "{resp}");
        assert_eq!(field(&resp), bad, "{body} -> {resp}");
    }
    let path = format!("/users/{id}");
    for (body, bad) in [
        (json!({"email": "nope"}), "email"),
        (json!({"name": ""}), "name"),
        (json!({"role": "superuser"}), "role"),
    ] {
        let (status, resp) = s.patch(&path, body.clone()).await;
        assert_eq!(status, 422, "{body} -> {resp}");
        assert_eq!(field(&resp), bad, "{resp}");
    }
    let (status, resp) = s.patch(&path, json!({})).await;
    assert_eq!(status, 422, "nothing to update: {resp}");
    let (status, resp) = s.get("/users/by-email/not-an-email").await;
    assert_eq!((status, field(&resp)), (422, "email"), "{resp}");
    for q in ["0", "5000", "-1", "many"] {
        let (status, resp) = s.get(&format!("/users?limit={q}")).await;
        assert_eq!((status, field(&resp)), (422, "limit"), "limit={q}: {resp}");
    }

    // the body itself: wrong shape 422, not JSON 400, not declared JSON 415
    let (status, resp) = s
        .post(
            "/users",
            json!({"email": "x@example.com", "name": "X", "admin": true}),
        )
        .await;
    assert_eq!(
        (status, resp["error"].as_str()),
        (422, Some("invalid_body")),
        "{resp}"
    );
    let (status, resp) = s.post("/users", json!({"email": 42, "name": "X"})).await;
    assert_eq!(status, 422, "{resp}");
    let (status, _) = s
        .api
        .call_raw(Method::POST, "/users", "application/json", "{not json")
        .await
        .unwrap();
    assert_eq!(status, 400);
    let (status, _) = s
        .api
        .call_raw(
            Method::POST,
            "/users",
            "text/plain",
            r#"{"email":"x@example.com","name":"X"}"#,
        )
        .await
        .unwrap();
    assert_eq!(status, 415);

    // nothing was written by any of that
    let (_, list) = s.get("/users").await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(s.get(&path).await.1["email"], "ada@example.com");
    s.stop().await;
}

#[tokio::test]
async fn organizations_and_members() {
    let s = Service::start().await;
    let ada = s.user("ada@example.com", "Ada").await;
    let bob = s.user("bob@example.com", "Bob").await;

    // create
    let (status, org) = s
        .post(
            "/orgs",
            json!({"name": "Analytical Engines", "plan": "team"}),
        )
        .await;
    assert_eq!(status, 201, "{org}");
    let org_id = org["org_id"].as_str().unwrap().to_owned();
    assert!(org_id.starts_with("org_"));
    assert_eq!(org["member_count"], 0);
    assert!(org.get("sk").is_none(), "the storage key is not shown");
    let (status, other) = s.post("/orgs", json!({"name": "Difference Ltd"})).await;
    assert_eq!((status, other["plan"].as_str()), (201, Some("free")));
    let other_id = other["org_id"].as_str().unwrap().to_owned();

    // bad input
    for (body, bad) in [
        (json!({}), "name"),
        (json!({"name": " "}), "name"),
        (json!({"name": "X", "plan": "platinum"}), "plan"),
    ] {
        let (status, resp) = s.post("/orgs", body.clone()).await;
        assert_eq!((status, field(&resp)), (422, bad), "{body} -> {resp}");
    }

    // members
    let members = format!("/orgs/{org_id}/members");
    let (status, m) = s
        .post(&members, json!({"user_id": ada, "role": "owner"}))
        .await;
    assert_eq!(status, 201, "{m}");
    assert_eq!(m["org_id"], org_id.as_str());
    assert_eq!(m["role"], "owner");
    let (status, m) = s.post(&members, json!({"user_id": bob})).await;
    assert_eq!((status, m["role"].as_str()), (201, Some("member")), "{m}");
    let (status, _) = s
        .post(
            &format!("/orgs/{other_id}/members"),
            json!({"user_id": bob, "role": "admin"}),
        )
        .await;
    assert_eq!(status, 201);

    // errors: twice (409), unknown user / org (404), bad role and no user (422)
    let (status, resp) = s.post(&members, json!({"user_id": bob})).await;
    assert_eq!(
        (status, resp["error"].as_str()),
        (409, Some("conflict")),
        "{resp}"
    );
    let (status, _) = s.post(&members, json!({"user_id": "usr_nope"})).await;
    assert_eq!(status, 404);
    let (status, resp) = s
        .post("/orgs/org_nope/members", json!({"user_id": ada}))
        .await;
    assert_eq!(status, 404, "{resp}");
    assert!(resp["message"].as_str().unwrap().contains("organization"));
    let (status, resp) = s
        .post(&members, json!({"user_id": ada, "role": "king"}))
        .await;
    assert_eq!((status, field(&resp)), (422, "role"));
    let (status, resp) = s.post(&members, json!({"role": "admin"})).await;
    assert_eq!((status, field(&resp)), (422, "user_id"));

    // the organization with its members: one partition, counts kept
    let (status, full) = s.get(&format!("/orgs/{org_id}")).await;
    assert_eq!(status, 200, "{full}");
    assert_eq!(full["name"], "Analytical Engines");
    assert_eq!(full["member_count"], 2);
    let mut users: Vec<&str> = full["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["user_id"].as_str().unwrap())
        .collect();
    users.sort_unstable();
    let mut expected = [ada.as_str(), bob.as_str()];
    expected.sort_unstable();
    assert_eq!(users, expected);
    let (status, list) = s.get(&members).await;
    assert_eq!((status, list.as_array().unwrap().len()), (200, 2));
    // tenants do not mix
    let (_, other_members) = s.get(&format!("/orgs/{other_id}/members")).await;
    assert_eq!(other_members.as_array().unwrap().len(), 1);
    assert_eq!(s.get("/orgs/org_nope").await.0, 404);
    assert_eq!(s.get("/orgs/org_nope/members").await.0, 404);

    // a user's organizations, through the UserIndex GSI
    let (status, mine) = s.get(&format!("/users/{bob}/organizations")).await;
    assert_eq!(status, 200, "{mine}");
    let mut orgs: Vec<&str> = mine
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["org_id"].as_str().unwrap())
        .collect();
    orgs.sort_unstable();
    let mut expected = [org_id.as_str(), other_id.as_str()];
    expected.sort_unstable();
    assert_eq!(orgs, expected);
    assert_eq!(s.get("/users/usr_nope/organizations").await.0, 404);

    // remove a member
    let (status, removed) = s.delete(&format!("{members}/{bob}")).await;
    assert_eq!(status, 200, "{removed}");
    assert_eq!(removed["user_id"], bob.as_str());
    assert_eq!(s.delete(&format!("{members}/{bob}")).await.0, 404);
    let (_, full) = s.get(&format!("/orgs/{org_id}")).await;
    assert_eq!(full["member_count"], 1);
    assert_eq!(full["members"].as_array().unwrap().len(), 1);

    // deleting a user takes it out of every organization
    assert_eq!(s.delete(&format!("/users/{bob}")).await.0, 200);
    let (_, other) = s.get(&format!("/orgs/{other_id}")).await;
    assert_eq!(other["member_count"], 0, "{other}");
    assert_eq!(other["members"].as_array().unwrap().len(), 0);
    s.stop().await;
}

#[tokio::test]
async fn the_demo_tour_passes() {
    let s = Service::start().await;
    demo::run(s.addr).await.expect("the --demo tour");
    s.stop().await;
}

#[tokio::test]
async fn two_services_have_separate_tables() {
    let (a, b) = tokio::join!(Service::start(), Service::start());
    let id = a.user("ada@example.com", "Ada").await;
    assert_eq!(b.get(&format!("/users/{id}")).await.0, 404);
    // the same email is free in the other service's tables
    b.user("ada@example.com", "Other Ada").await;
    assert_eq!(a.get("/users").await.1.as_array().unwrap().len(), 1);
    a.stop().await;
    b.stop().await;
}
