//! A small HTTP client for the service (hyper 0.14), and the `--demo` tour
//! that `cargo run --example accounts_service` runs.

use std::net::SocketAddr;

use anyhow::Context as _;
use hyper::{Body, Method, Request};
use serde_json::{Value as Json, json};

/// Talks JSON to the service at one address.
#[derive(Clone)]
pub struct Api {
    base: String,
    client: hyper::Client<hyper::client::HttpConnector>,
}

impl Api {
    pub fn new(addr: SocketAddr) -> Api {
        Api {
            base: format!("http://{addr}"),
            client: hyper::Client::new(),
        }
    }

    /// Sends a request with an optional JSON body; returns the status and
    /// the JSON answer (`null` for an empty body).
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<Json>,
    ) -> anyhow::Result<(u16, Json)> {
        let mut req = Request::builder()
            .method(method.clone())
            .uri(format!("{}{path}", self.base));
        let body = match body {
            Some(b) => {
                req = req.header("content-type", "application/json");
                Body::from(serde_json::to_vec(&b)?)
            }
            None => Body::empty(),
        };
        self.send(req.body(body)?, &method, path).await
    }

    /// Sends a raw body with a content type (for malformed-input checks).
    pub async fn call_raw(
        &self,
        method: Method,
        path: &str,
        content_type: &str,
        body: &'static str,
    ) -> anyhow::Result<(u16, Json)> {
        let req = Request::builder()
            .method(method.clone())
            .uri(format!("{}{path}", self.base))
            .header("content-type", content_type)
            .body(Body::from(body))?;
        self.send(req, &method, path).await
    }

    async fn send(
        &self,
        req: Request<Body>,
        method: &Method,
        path: &str,
    ) -> anyhow::Result<(u16, Json)> {
        let resp = self
            .client
            .request(req)
            .await
            .with_context(|| format!("{method} {path}"))?;
        let status = resp.status().as_u16();
        let bytes = hyper::body::to_bytes(resp.into_body()).await?;
        let json = if bytes.is_empty() {
            Json::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Json::String(String::from_utf8_lossy(&bytes).into_owned()))
        };
        Ok((status, json))
    }

    pub async fn get(&self, path: &str) -> anyhow::Result<(u16, Json)> {
        self.call(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Json) -> anyhow::Result<(u16, Json)> {
        self.call(Method::POST, path, Some(body)).await
    }

    pub async fn patch(&self, path: &str, body: Json) -> anyhow::Result<(u16, Json)> {
        self.call(Method::PATCH, path, Some(body)).await
    }

    pub async fn delete(&self, path: &str) -> anyhow::Result<(u16, Json)> {
        self.call(Method::DELETE, path, None).await
    }
}

/// Prints one exchange and checks its status.
fn show(method: &str, path: &str, (status, body): &(u16, Json), expect: u16) -> anyhow::Result<()> {
    let text = body.to_string();
    let text = if text.len() > 150 {
        format!("{}…", &text[..text.floor_char_boundary(150)])
    } else {
        text
    };
    println!("{method:<6} {path:<48} -> {status} {text}");
    anyhow::ensure!(
        *status == expect,
        "{method} {path}: expected {expect}, got {status}"
    );
    Ok(())
}

/// A tour of the API: every route, the happy paths and the errors.
pub async fn run(addr: SocketAddr) -> anyhow::Result<()> {
    let api = Api::new(addr);

    // --- Accounts ----------------------------------------------------------------
    let r = api
        .post(
            "/users",
            json!({"email": "Ada@Example.com", "name": "Ada Lovelace", "role": "admin"}),
        )
        .await?;
    show("POST", "/users", &r, 201)?;
    let ada = r.1["id"].as_str().context("an id")?.to_owned();
    let r = api
        .post(
            "/users",
            json!({"email": "bob@example.com", "name": "Bob Babbage"}),
        )
        .await?;
    show("POST", "/users", &r, 201)?;
    let bob = r.1["id"].as_str().context("an id")?.to_owned();

    let path = format!("/users/{ada}");
    show("GET", &path, &api.get(&path).await?, 200)?;
    let path = "/users/by-email/ada@example.com";
    show("GET", path, &api.get(path).await?, 200)?;
    show("GET", "/users", &api.get("/users").await?, 200)?;
    let path = format!("/users/{bob}");
    let r = api
        .patch(
            &path,
            json!({"name": "Charles Babbage", "email": "charles@example.com"}),
        )
        .await?;
    show("PATCH", &path, &r, 200)?;

    // Errors: duplicate email (409), bad input (422), unknown user (404).
    let r = api
        .post(
            "/users",
            json!({"email": "ada@example.com", "name": "Impostor"}),
        )
        .await?;
    show("POST", "/users (email taken)", &r, 409)?;
    let r = api
        .post("/users", json!({"email": "not-an-email", "name": "X"}))
        .await?;
    show("POST", "/users (bad email)", &r, 422)?;
    let r = api.post("/users", json!({"name": "No Email"})).await?;
    show("POST", "/users (no email)", &r, 422)?;
    let r = api
        .call_raw(Method::POST, "/users", "application/json", "{not json")
        .await?;
    show("POST", "/users (not JSON)", &r, 400)?;
    show(
        "GET",
        "/users/usr_missing",
        &api.get("/users/usr_missing").await?,
        404,
    )?;

    // --- Organizations -----------------------------------------------------------
    let r = api
        .post(
            "/orgs",
            json!({"name": "Analytical Engines Ltd", "plan": "team"}),
        )
        .await?;
    show("POST", "/orgs", &r, 201)?;
    let org = r.1["org_id"].as_str().context("an org_id")?.to_owned();
    let members = format!("/orgs/{org}/members");
    let r = api
        .post(&members, json!({"user_id": ada, "role": "owner"}))
        .await?;
    show("POST", &members, &r, 201)?;
    let r = api.post(&members, json!({"user_id": bob})).await?;
    show("POST", &members, &r, 201)?;
    let r = api.post(&members, json!({"user_id": bob})).await?;
    show("POST", &format!("{members} (again)"), &r, 409)?;
    let r = api
        .post(&members, json!({"user_id": "usr_missing"}))
        .await?;
    show("POST", &format!("{members} (no user)"), &r, 404)?;
    let path = format!("/orgs/{org}");
    show("GET", &path, &api.get(&path).await?, 200)?;
    let path = format!("/users/{ada}/organizations");
    show("GET", &path, &api.get(&path).await?, 200)?;
    let path = format!("{members}/{bob}");
    show("DELETE", &path, &api.delete(&path).await?, 200)?;
    show("GET", &members, &api.get(&members).await?, 200)?;

    // --- clean-up ------------------------------------------------------------------
    for id in [&ada, &bob] {
        let path = format!("/users/{id}");
        show("DELETE", &path, &api.delete(&path).await?, 200)?;
    }
    let path = format!("/users/{ada}");
    show("GET", &path, &api.get(&path).await?, 404)?;
    // Deleting Ada took her out of the organization too.
    let path = format!("/orgs/{org}");
    let r = api.get(&path).await?;
    show("GET", &path, &r, 200)?;
    anyhow::ensure!(r.1["member_count"] == 0, "no members left");
    Ok(())
}
