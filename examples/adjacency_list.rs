//! Adjacency list: a many-to-many graph of employees and projects in one
//! table (the guide's "Adjacency List (Graph)" pattern), read in both
//! directions through an inverted global secondary index.
//!
//! Every item is an edge `source → target`. A node is an edge to itself and
//! carries the node's data; an assignment is an edge from an employee to a
//! project and carries the edge's data (role, hours):
//!
//! ```text
//! source (pk)    target (sk)     what
//! EMP#ada        EMP#ada         employee node: name, title
//! EMP#ada        PROJ#apollo     assignment: role, hours
//! PROJ#apollo    PROJ#apollo     project node: name, budget
//! ```
//!
//! The table answers "which projects does Ada work on?" (her partition,
//! `begins_with(target, "PROJ#")`); the `InvertedIndex` (partition `target`,
//! sort `source`) answers "who works on Apollo?" with the same items seen
//! from the other side.
//!
//! Run it with `cargo run --example adjacency_list`.

use std::collections::BTreeSet;

use dynamo::config::{self, Config};
use dynamo::prelude::*;
use futures_util::future::try_join_all;

dynamo_item! {
    /// An employee node (`source == target == "EMP#<id>"`).
    #[derive(Debug, Clone, PartialEq)]
    pub struct Employee {
        table_name "org_graph";
        field :source: String, partition_key;
        field :target: String, sort_key;
        field :name: String;
        field :title: String;
    }
}

dynamo_item! {
    /// A project node (`source == target == "PROJ#<id>"`).
    #[derive(Debug, Clone, PartialEq)]
    pub struct Project {
        table_name "org_graph";
        field :source: String, partition_key;
        field :target: String, sort_key;
        field :name: String;
        field :budget: i64;
    }
}

dynamo_item! {
    /// An employee → project edge. The table is created from this schema:
    /// it declares the inverted index.
    #[derive(Debug, Clone, PartialEq)]
    pub struct Assignment {
        table_name "org_graph";
        field :source: String, partition_key;
        field :target: String, sort_key;
        field :role: String;
        field :hours: i64;
        global_secondary_index "InvertedIndex", partition_key: :target, sort_key: :source;
    }
}

fn emp(id: &str) -> String {
    format!("EMP#{id}")
}

fn proj(id: &str) -> String {
    format!("PROJ#{id}")
}

fn employee(id: &str, name: &str, title: &str) -> Employee {
    item!(Employee {
        source: emp(id),
        target: emp(id),
        name: name,
        title: title
    })
}

fn project(id: &str, name: &str, budget: i64) -> Project {
    item!(Project {
        source: proj(id),
        target: proj(id),
        name: name,
        budget: budget
    })
}

fn assign(employee: &str, project: &str, role: &str, hours: i64) -> Assignment {
    item!(Assignment {
        source: emp(employee),
        target: proj(project),
        role: role,
        hours: hours
    })
}

/// The projects an employee works on: the employee's partition, targets
/// beginning with `PROJ#`.
async fn projects_of(employee: &str) -> dynamo::Result<Vec<Assignment>> {
    Assignment::list_items(
        &item!(Assignment {
            source: emp(employee),
            target: "PROJ#"
        }),
        opts![sk_operator: :begins_with],
    )
    .await
}

/// The employees on a project: the inverted index, sources beginning with
/// `EMP#` (the project node itself, `PROJ#… → PROJ#…`, is left out).
async fn team_of(project: &str) -> dynamo::Result<Vec<Assignment>> {
    Assignment::list_items(
        &item!(Assignment {
            target: proj(project),
            source: "EMP#"
        }),
        opts![index_name: "InvertedIndex", sk_operator: :begins_with],
    )
    .await
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // The DynamoDB named by AWS_ENDPOINT_URL_DYNAMODB, or else a local engine
    // started here (and stopped when `_engine` is dropped).
    let _engine = dynamo::local::LocalDynamo::start_unless_configured().await?;
    let client = Client::default_client()?;
    println!(
        "DynamoDB at {}",
        client.endpoint().unwrap_or("the AWS regional endpoint")
    );
    config::set_global(Config::new().table_prefix(format!(
        "ex{}_{}_",
        std::process::id(),
        fastrand::u16(..)
    )));

    Assignment::create_table().await?;
    let table = Assignment::schema().effective_table_name();
    println!("created table `{table}` with index InvertedIndex (target, source)");
    let outcome = demo().await;
    Assignment::delete_table().await?;
    println!("deleted table `{table}`");
    outcome
}

async fn demo() -> anyhow::Result<()> {
    // --- nodes and edges -----------------------------------------------------
    let employees = vec![
        employee("ada", "Ada Lovelace", "Principal Engineer"),
        employee("bob", "Bob Babbage", "Engineer"),
        employee("cy", "Cy Hopper", "Engineering Manager"),
        employee("dee", "Dee Turing", "Engineer"),
    ];
    let projects = vec![
        project("apollo", "Apollo", 120_000),
        project("gemini", "Gemini", 80_000),
        project("mercury", "Mercury", 30_000),
    ];
    let assignments = vec![
        assign("ada", "apollo", "lead", 20),
        assign("ada", "gemini", "reviewer", 5),
        assign("bob", "apollo", "developer", 40),
        assign("cy", "apollo", "manager", 8),
        assign("cy", "gemini", "manager", 8),
        assign("cy", "mercury", "manager", 8),
        assign("dee", "gemini", "lead", 35),
        assign("dee", "mercury", "developer", 5),
    ];
    let (n_emp, n_proj, n_edges) = (employees.len(), projects.len(), assignments.len());
    dynamo::table::batch_write_item(employees).await?;
    dynamo::table::batch_write_item(projects).await?;
    dynamo::table::batch_write_item(assignments).await?;
    println!("wrote {n_emp} employee nodes, {n_proj} project nodes, {n_edges} assignment edges");

    // --- one direction: the table ----------------------------------------------
    let ada = projects_of("ada").await?;
    println!("\nAda's projects (table: source = EMP#ada, target begins_with PROJ#):");
    for a in &ada {
        println!("  {:<13} as {:<9} {:>2} h/week", a.target, a.role, a.hours);
    }
    assert_eq!(ada.len(), 2);

    // The project nodes for those edges, in one batch get.
    let keys: Vec<Project> = ada
        .iter()
        .map(|a| {
            item!(Project {
                source: a.target.as_str(),
                target: a.target.as_str()
            })
        })
        .collect();
    let found = dynamo::table::batch_get_item(&keys, opts![]).await?;
    let mut names: Vec<String> = found
        .items
        .iter()
        .map(|p| format!("{} (budget {})", p.name, p.budget))
        .collect();
    names.sort();
    println!("  project details (batch get): {}", names.join(", "));

    // --- the other direction: the inverted index --------------------------------
    let apollo = team_of("apollo").await?;
    println!("\nApollo's team (InvertedIndex: target = PROJ#apollo, source begins_with EMP#):");
    for a in &apollo {
        println!("  {:<8} as {}", a.source, a.role);
    }
    assert_eq!(apollo.len(), 3);

    // The employees' nodes, read from their own partitions.
    let people = dynamo::table::batch_get_item(
        &apollo
            .iter()
            .map(|a| {
                item!(Employee {
                    source: a.source.as_str(),
                    target: a.source.as_str()
                })
            })
            .collect::<Vec<_>>(),
        opts![],
    )
    .await?;
    let mut titles: Vec<String> = people
        .items
        .iter()
        .map(|e| format!("{} ({})", e.name, e.title))
        .collect();
    titles.sort();
    println!("  who they are (batch get): {}", titles.join(", "));

    // --- two hops: Ada's coworkers ------------------------------------------------
    // Every team of every project of Ada's, queried concurrently.
    let teams = try_join_all(
        ada.iter()
            .map(|a| team_of(a.target.trim_start_matches("PROJ#"))),
    )
    .await?;
    let coworkers: BTreeSet<&str> = teams
        .iter()
        .flatten()
        .map(|a| a.source.as_str())
        .filter(|s| *s != emp("ada"))
        .collect();
    println!("\nAda's coworkers (two hops, teams queried concurrently): {coworkers:?}");
    assert_eq!(
        coworkers.into_iter().collect::<Vec<_>>(),
        ["EMP#bob", "EMP#cy", "EMP#dee"]
    );

    // --- a filter on the edge's data -------------------------------------------------
    let leads = Assignment::list_items(
        &item!(Assignment {
            target: proj("gemini"),
            source: "EMP#"
        }),
        opts![
            index_name: "InvertedIndex",
            sk_operator: :begins_with,
            filter_expression: "#role = :lead",
            expression_attribute_names: {"#role" => "role"},
            expression_attribute_values: {":lead" => "lead"}
        ],
    )
    .await?;
    println!(
        "Gemini's leads (filter on the edge): {:?}",
        leads.iter().map(|a| a.source.as_str()).collect::<Vec<_>>()
    );

    // --- moving an edge atomically -------------------------------------------------
    // Bob moves from Apollo to Mercury: delete one edge and add the other in
    // one transaction, so no reader sees him on both or on neither.
    dynamo::transaction::transact(vec![
        Tx::delete(assign("bob", "apollo", "", 0)).condition("attribute_exists(pk)", values! {}),
        Tx::put(assign("bob", "mercury", "developer", 40)),
    ])
    .await?;
    let apollo = team_of("apollo").await?;
    let mercury = team_of("mercury").await?;
    println!(
        "\nafter moving Bob (transaction): Apollo {:?}, Mercury {:?}",
        apollo.iter().map(|a| a.source.as_str()).collect::<Vec<_>>(),
        mercury
            .iter()
            .map(|a| a.source.as_str())
            .collect::<Vec<_>>()
    );
    assert_eq!(apollo.len(), 2);
    assert_eq!(mercury.len(), 3);
    assert_eq!(projects_of("bob").await?[0].target, proj("mercury"));
    Ok(())
}
