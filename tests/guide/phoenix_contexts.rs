//! The guide's "Phoenix Contexts" chapter: blocks 24–26 (`b24_…` to `b26_…`).

use super::*;

// ---- Block 24 · Basic Context Structure -------------------------------------
// Port: same shape — the context answers `{:error, :not_found}` next to
// DynamoDB's errors, so it has an error enum (`accounts::Error`); `attrs` is a
// string-keyed map (`attrs[:email]` → `attrs.get("email")`); the list of
// `get_user_by_email` is matched as a slice (`[user | _]` → `[user, ..]`);
// `get_user` answers `Ok(None)` for a missing user. The functions, their
// calls and their order are the guide's.

/// `MyApp.Accounts`, with its schema `MyApp.Accounts.User`.
mod accounts {
    use super::*;
    use base64::Engine as _;

    // Schema
    dynamo_item! {
        #[derive(Debug, Clone, PartialEq)]
        defmodule MyApp.Accounts.User do
          use Dynamo.Schema

          item do
            table_name "users";

            field :id, partition_key: true;
            field :email, sort_key: true;
            field :name;
            field :role, default: "user";
            field :inserted_at;

            global_secondary_index "EmailIndex", partition_key: :email;
          end
        end
    }

    /// `attrs`: Elixir's `%{email: …, name: …, role: …}`.
    pub type Attrs<'a> = BTreeMap<&'a str, &'a str>;

    /// The context's errors: `{:error, :not_found}` or a DynamoDB error.
    #[derive(Debug)]
    pub enum Error {
        NotFound,
        Dynamo(dynamo::Error),
    }

    impl From<dynamo::Error> for Error {
        fn from(e: dynamo::Error) -> Self {
            Error::Dynamo(e)
        }
    }

    // Context (`defmodule MyApp.Accounts`: this module; `alias
    // MyApp.Accounts.User`: `User` is defined above, in it.)

    pub async fn list_users() -> dynamo::Result<Vec<User>> {
        stream::scan::<User>(opts![]).try_collect().await
    }

    pub async fn get_user(id: &str, email: &str) -> dynamo::Result<Option<User>> {
        User::get_item(item!(%User{id: id, email: email})).await
    }

    pub async fn get_user_by_email(email: &str) -> Result<User, Error> {
        match User::list_items(item!(%User{email: email}), opts![index_name: "EmailIndex"])
            .await
            .as_deref()
        {
            Ok([user, ..]) => Ok(user.clone()),
            Ok([]) => Err(Error::NotFound),
            Err(error) => Err(error.clone().into()),
        }
    }

    pub async fn create_user(attrs: &Attrs<'_>) -> dynamo::Result<User> {
        let user = item!(%User{
            id: generate_id(),
            email: attrs.get("email").copied(),
            name: attrs.get("name").copied(),
            role: attrs.get("role").copied().unwrap_or("user"),
            inserted_at: DateTime::utc_now().to_iso8601()
        });

        User::put_item(user).await
    }

    pub async fn update_user(user: User, attrs: &Attrs<'_>) -> dynamo::Result<User> {
        let updated = User {
            name: attrs.get("name").map_or(user.name, |n| Value::from(*n)),
            ..user
        };
        User::put_item(updated).await
    }

    pub async fn delete_user(user: &User) -> dynamo::Result<Option<User>> {
        User::delete_item(user).await
    }

    /// `"user_" <> (:crypto.strong_rand_bytes(16) |> Base.url_encode64(padding: false))`
    /// (`fastrand` is not a cryptographic generator; the crate has none).
    fn generate_id() -> String {
        "user_".to_owned()
            + &base64::engine::general_purpose::URL_SAFE_NO_PAD
                .encode(fastrand::u128(..).to_le_bytes())
    }
}

#[tokio::test]
async fn b24_phoenix_basic_context_structure() {
    isolated(async {
        // `error -> error`: a DynamoDB error passes through (no table yet).
        assert!(matches!(
            accounts::get_user_by_email("ada@example.com").await,
            Err(accounts::Error::Dynamo(e)) if e.kind() == ErrorKind::ResourceNotFound
        ));
        accounts::User::create_table().await.unwrap();

        let ada = accounts::create_user(&BTreeMap::from([
            ("email", "ada@example.com"),
            ("name", "Ada"),
        ]))
        .await
        .unwrap();
        let id = ada.id.as_str().unwrap().to_owned();
        assert!(id.starts_with("user_"), "{id}");
        assert_eq!(id.len(), "user_".len() + 22, "16 bytes, base64url unpadded");
        assert_eq!(ada.role, "user", "attrs[:role] || \"user\"");
        let at = ada.inserted_at.as_str().unwrap();
        assert!(
            at.len() == 20 && at.as_bytes()[10] == b'T' && at.ends_with('Z'),
            "{at}"
        );
        let bob = accounts::create_user(&BTreeMap::from([
            ("email", "bob@example.com"),
            ("name", "Bob"),
            ("role", "admin"),
        ]))
        .await
        .unwrap();
        assert_eq!(bob.role, "admin");
        assert_ne!(bob.id, ada.id);

        let mut all = accounts::list_users().await.unwrap();
        all.sort_by_key(|u| u.email.to_string());
        assert_eq!(all, vec![ada.clone(), bob.clone()]);

        assert_eq!(
            accounts::get_user(&id, "ada@example.com").await.unwrap(),
            Some(ada.clone())
        );
        assert_eq!(
            accounts::get_user(&id, "someone@else.com").await.unwrap(),
            None
        );

        assert_eq!(
            accounts::get_user_by_email("bob@example.com")
                .await
                .unwrap(),
            bob
        );
        assert!(matches!(
            accounts::get_user_by_email("nobody@example.com").await,
            Err(accounts::Error::NotFound)
        ));

        let renamed = accounts::update_user(ada.clone(), &BTreeMap::from([("name", "Ada L.")]))
            .await
            .unwrap();
        assert_eq!(renamed.name, "Ada L.");
        assert_eq!(renamed.role, "user");
        // `attrs[:name] || user.name`: no name keeps the old one.
        let same = accounts::update_user(renamed.clone(), &BTreeMap::new())
            .await
            .unwrap();
        assert_eq!(same.name, "Ada L.");
        assert_eq!(
            accounts::get_user(&id, "ada@example.com")
                .await
                .unwrap()
                .unwrap()
                .name,
            "Ada L."
        );

        assert_eq!(
            accounts::delete_user(&renamed).await.unwrap(),
            Some(renamed.clone())
        );
        assert_eq!(
            accounts::get_user(&id, "ada@example.com").await.unwrap(),
            None
        );
        assert_eq!(accounts::list_users().await.unwrap(), vec![bob]);
    })
    .await;
}

// ---- Block 25 · Phoenix Controller Integration ------------------------------
// Port: restructured — Phoenix (`use MyAppWeb, :controller`, `conn`,
// `render`, `put_flash`, `redirect`, `~p`) has no counterpart here: each
// action calls the context as the guide's does and returns what it would do
// to the connection (the HTTP version is `examples/accounts_service`).

/// `MyAppWeb.UserController`, without a web framework: each action returns
/// what it would do to the connection. (The HTTP version is the axum example
/// service in `examples/`.)
mod user_controller {
    use super::*;

    /// The connection after an action.
    #[derive(Debug, PartialEq)]
    pub enum Conn {
        /// `render(conn, template, assigns)` (with a flash, if put).
        Render {
            template: &'static str,
            users: Vec<accounts::User>,
            flash: Option<(&'static str, String)>,
        },
        /// `put_flash(kind, text) |> redirect(to: path)`.
        Redirect {
            to: String,
            flash: (&'static str, String),
        },
        /// What Phoenix does when an action raises: a 500.
        ServerError(String),
    }

    pub async fn index() -> Conn {
        // `{:ok, users} = Accounts.list_users()` raises on an error.
        match accounts::list_users().await {
            Ok(users) => Conn::Render {
                template: "index",
                users,
                flash: None,
            },
            Err(e) => Conn::ServerError(e.to_string()),
        }
    }

    pub async fn show(params: &BTreeMap<&str, &str>) -> Conn {
        let (id, email) = (params["id"], params["email"]);
        match accounts::get_user(id, email).await {
            Ok(Some(user)) => Conn::Render {
                template: "show",
                users: vec![user],
                flash: None,
            },
            // `{:error, :not_found}`: the Rust `get_item` answers `Ok(None)`.
            Ok(None) => Conn::Redirect {
                to: "/users".to_owned(),
                flash: ("error", "User not found".to_owned()),
            },
            // Not matched by the guide's `case`: a CaseClauseError, a 500.
            Err(e) => Conn::ServerError(e.to_string()),
        }
    }

    pub async fn create(user_params: &accounts::Attrs<'_>) -> Conn {
        match accounts::create_user(user_params).await {
            Ok(user) => Conn::Redirect {
                to: format!("/users/{}", user.id),
                flash: ("info", "User created".to_owned()),
            },
            Err(reason) => Conn::Render {
                template: "new",
                users: Vec::new(),
                flash: Some(("error", format!("Failed: {reason:?}"))),
            },
        }
    }
}

#[tokio::test]
async fn b25_phoenix_controller_integration() {
    use user_controller::Conn;
    isolated(async {
        accounts::User::create_table().await.unwrap();

        // create: `%{"user" => user_params}`. (In the Elixir original the
        // string-keyed params reach `create_user`, which reads atom keys
        // `attrs[:email]` and would get nil; Rust has one kind of key.)
        let created = user_controller::create(&BTreeMap::from([
            ("email", "ada@example.com"),
            ("name", "Ada"),
        ]))
        .await;
        let Conn::Redirect { to, flash } = created else {
            panic!("expected a redirect, got {created:?}")
        };
        assert_eq!(flash, ("info", "User created".to_owned()));
        let id = to.strip_prefix("/users/").unwrap().to_owned();
        assert!(id.starts_with("user_"), "{to}");

        // A user without an email has no sort key: the error is shown.
        let failed = user_controller::create(&BTreeMap::from([("name", "Nameless")])).await;
        let Conn::Render {
            template: "new",
            flash: Some(("error", text)),
            ..
        } = failed
        else {
            panic!("expected render(:new), got {failed:?}")
        };
        assert!(text.starts_with("Failed: "), "{text}");
        assert!(
            text.contains("ValidationError") && text.contains("email"),
            "{text}"
        );

        // index
        let Conn::Render {
            template: "index",
            users,
            ..
        } = user_controller::index().await
        else {
            panic!("expected render(:index)")
        };
        assert_eq!(users.len(), 1);
        assert_eq!(users[0].name, "Ada");

        // show: found, then not found.
        let shown = user_controller::show(&BTreeMap::from([
            ("id", id.as_str()),
            ("email", "ada@example.com"),
        ]))
        .await;
        let Conn::Render {
            template: "show",
            users,
            ..
        } = shown
        else {
            panic!("expected render(:show), got {shown:?}")
        };
        assert_eq!(users[0].id, id.as_str());
        assert_eq!(
            user_controller::show(&BTreeMap::from([("id", "user_x"), ("email", "x@y.z")])).await,
            Conn::Redirect {
                to: "/users".to_owned(),
                flash: ("error", "User not found".to_owned())
            }
        );
    })
    .await;
}

// ---- Block 26 · Multi-Tenant Pattern ----------------------------------------
// Port: same shape — `role \\ "member"` (a default argument) becomes an
// `Option` parameter, read as `role.unwrap_or("member")`.

/// `MyApp.Organizations`, with its schema `MyApp.Organizations.Member`.
mod organizations {
    use super::*;

    // (`alias MyApp.Organizations.Member`: `Member` is defined below, in
    // this module.)

    pub async fn list_members(org_id: &str) -> dynamo::Result<Vec<Member>> {
        Member::list_items(item!(%Member{org_id: org_id}), opts![]).await
    }

    /// `add_member(org_id, user_id, role \\ "member")`: Rust has no default
    /// arguments, so `role` is an `Option`.
    pub async fn add_member(
        org_id: &str,
        user_id: &str,
        role: Option<&str>,
    ) -> dynamo::Result<Member> {
        let member = item!(%Member{
            org_id: org_id,
            user_id: user_id,
            role: role.unwrap_or("member"),
            joined_at: DateTime::utc_now().to_iso8601()
        });
        Member::put_item(member).await
    }

    dynamo_item! {
        #[derive(Debug, Clone, PartialEq)]
        defmodule MyApp.Organizations.Member do
          use Dynamo.Schema

          item do
            table_name "org_members";
            field :org_id, partition_key: true;
            field :user_id, sort_key: true;
            field :role;
            field :joined_at;
          end
        end
    }
}

#[tokio::test]
async fn b26_phoenix_multi_tenant_pattern() {
    isolated(async {
        organizations::Member::create_table().await.unwrap();
        organizations::add_member("org1", "user_b", None)
            .await
            .unwrap();
        organizations::add_member("org1", "user_a", Some("admin"))
            .await
            .unwrap();
        organizations::add_member("org1", "user_c", None)
            .await
            .unwrap();
        organizations::add_member("org2", "user_a", None)
            .await
            .unwrap();

        let members = organizations::list_members("org1").await.unwrap();
        let got: Vec<(String, String)> = members
            .iter()
            .map(|m| (m.user_id.to_string(), m.role.to_string()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("user_a".to_owned(), "admin".to_owned()),
                ("user_b".to_owned(), "member".to_owned()),
                ("user_c".to_owned(), "member".to_owned()),
            ]
        );
        assert!(members.iter().all(|m| m.joined_at.as_str().is_some()));
        assert_eq!(organizations::list_members("org2").await.unwrap().len(), 1);
        assert!(
            organizations::list_members("org3")
                .await
                .unwrap()
                .is_empty()
        );
        assert!(
            raw_keys::<organizations::Member>()
                .await
                .contains(&("org1".to_owned(), Some("user_a".to_owned())))
        );
    })
    .await;
}
