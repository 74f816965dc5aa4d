//! `icp init`: the schema inferred from every example's sample accounts and
//! from HubSpot- and Salesforce-like exports checks clean, is formatted,
//! and `icp score` reads the same export with it (every field read); the
//! generated files are snapshots; existing files are never replaced without
//! `--force`; seeded random exports never crash it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use common::{icp, repo, temp_dir};
use icp_lang::rng::Rng;
use std::path::Path;

/// An ICP over the schema with a signal on every field, so scoring decodes
/// every cell of every column.
fn probe(schema: &str) -> String {
    let mut fields = Vec::new();
    let mut in_schema = false;
    for line in schema.lines() {
        let t = line.trim();
        if t.starts_with("schema ") {
            in_schema = true;
        } else if in_schema && t == "}" {
            in_schema = false;
        } else if in_schema && !t.starts_with("//") && t.contains(':') {
            fields.push(t.split(':').next().unwrap().trim().to_string());
        }
    }
    let signals: String = fields
        .iter()
        .map(|f| format!("  signal has_{f}: {f} is known weight 1\n"))
        .collect();
    format!(
        "import \"accounts.icp\"\n\nicp probe for Account {{\n  owner \"revops@example.com\"\n  reviewed 2026-11-01 every 90d\n{signals}  tier all: otherwise\n}}\n"
    )
}

/// Runs `icp init` on a copy of `data` in a fresh folder and checks what
/// it wrote; returns the folder and the two files' texts.
fn init_and_check(data: &Path, flags: &[&str]) -> (std::path::PathBuf, String, String) {
    let dir = temp_dir();
    let name = data.file_name().unwrap().to_str().unwrap().to_string();
    std::fs::copy(data, dir.join(&name)).unwrap();
    let mut args = vec!["init", name.as_str(), "--name", "Sample"];
    args.extend_from_slice(flags);
    let (code, out, err) = icp(&dir, &args);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("wrote"), "{out}");
    let schema = std::fs::read_to_string(dir.join("accounts.icp")).unwrap();
    let toml = std::fs::read_to_string(dir.join("icp.toml")).unwrap();
    // Clean: no errors and no warnings, and already formatted.
    let (code, out, err) = icp(&dir, &["check", "--deny", "warnings", "accounts.icp"]);
    assert_eq!(code, 0, "{schema}\n{out}{err}");
    let (code, out, err) = icp(&dir, &["fmt", "--check", "accounts.icp"]);
    assert_eq!(code, 0, "{out}{err}");
    // Every cell of the export reads with the schema.
    std::fs::write(dir.join("probe.icp"), probe(&schema)).unwrap();
    let (code, out, err) = icp(
        &dir,
        &["score", "probe.icp", &name, "--as-of", "2026-11-01"],
    );
    assert_eq!(code, 0, "{schema}\n{err}");
    let rows = out.lines().count() - 1;
    assert!(err.contains(&format!("read {rows} accounts")), "{err}");
    (dir, schema, toml)
}

fn snapshot(name: &str, schema: &str, toml: &str) {
    insta::assert_snapshot!(
        format!("init_{name}"),
        format!("# icp.toml\n{toml}\n# accounts.icp\n{schema}")
    );
}

#[test]
fn init_reads_every_example_back() {
    for (name, path) in [
        ("erp", "examples/erp/accounts.csv"),
        ("intent", "examples/intent/accounts.csv"),
        ("saas", "examples/saas/companies.csv"),
        ("acme_print", "examples/acme-print/shared/accounts.csv"),
    ] {
        let (_, schema, toml) = init_and_check(&repo().join(path), &[]);
        snapshot(name, &schema, &toml);
    }
}

#[test]
fn init_reads_crm_exports() {
    let (_, schema, toml) = init_and_check(&repo().join("tests/init/hubspot_companies.csv"), &[]);
    snapshot("hubspot", &schema, &toml);
    // Salesforce reports write US dates: the flag is kept in [data].
    let (_, schema, toml) = init_and_check(
        &repo().join("tests/init/salesforce_accounts.csv"),
        &["--date-format", "MM/DD/YYYY"],
    );
    assert!(toml.contains("date_format = \"MM/DD/YYYY\""), "{toml}");
    snapshot("salesforce", &schema, &toml);
}

#[test]
fn init_reads_json_lines() {
    let dir = temp_dir();
    let lines = [
        r#"{"id": "a1", "name": "Acme", "tech": ["SAP", "dbt"], "employees": 120, "public": true, "segment": "Mid Market"}"#,
        r#"{"id": "a2", "name": "Globex", "tech": ["SAP"], "employees": 5400, "public": false, "segment": "Enterprise"}"#,
        r#"{"id": "a3", "name": "Initech", "tech": [], "employees": null, "public": false, "segment": "Mid Market"}"#,
        r#"{"id": "a4", "name": "Hooli", "tech": ["Snowflake", "dbt"], "employees": 80, "public": true, "segment": "Enterprise"}"#,
    ];
    let path = dir.join("accounts.jsonl");
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    let (_, schema, _) = init_and_check(&path, &[]);
    assert!(
        schema.contains("tech: set<text>? from \"tech\"") || schema.contains("tech: set<text>?"),
        "{schema}"
    );
    assert!(schema.contains("employees: int?"), "{schema}");
    assert!(schema.contains("public: bool"), "{schema}");
    assert!(schema.contains("id: text key"), "{schema}");
}

#[test]
fn init_types_labels_blanks_and_contradictions() {
    let dir = temp_dir();
    let mut csv = String::from("Record ID,Industry,Revenue,Growth,Webinar,Zip,Score,Stage\n");
    for i in 0..40 {
        let industry = ["Hospital & Health Care", "Computer Software", "Retail"][i % 3];
        let revenue = if i == 7 {
            "n/a".to_string()
        } else {
            format!("${}k", 100 + i)
        };
        let webinar = if i % 4 == 0 { "Yes" } else { "" };
        let score = if i == 3 {
            "n/a".to_string()
        } else {
            (i * 3).to_string()
        };
        csv.push_str(&format!(
            "{},{industry},{revenue},{}%,{webinar},0{},{score},{}\n",
            1000 + i,
            i as f64 / 2.0,
            2100 + i,
            ["Customer - Direct", "customer_direct", "Prospect"][i % 3]
        ));
    }
    std::fs::write(dir.join("export.csv"), &csv).unwrap();
    let (code, out, err) = icp(&dir, &["init", "export.csv"]);
    assert_eq!(code, 0, "{out}{err}");
    let schema = std::fs::read_to_string(dir.join("accounts.icp")).unwrap();
    insta::assert_snapshot!(
        "init_types",
        format!("# stderr\n{err}\n# accounts.icp\n{schema}")
    );
    // The contradictions are named with their rows.
    assert!(
        err.contains("column `Revenue`: 1 cell is not an amount in USD")
            && err.contains("row 8 `n/a`"),
        "{err}"
    );
    assert!(
        err.contains("column `Score`: 1 cell is not a whole number") && err.contains("row 4 `n/a`"),
        "{err}"
    );
    let (code, out, err) = icp(&dir, &["check", "--deny", "warnings", "accounts.icp"]);
    assert_eq!(code, 0, "{out}{err}");
}

#[test]
fn init_never_replaces_files_without_force() {
    let dir = temp_dir();
    std::fs::copy(repo().join("examples/erp/accounts.csv"), dir.join("a.csv")).unwrap();
    std::fs::write(dir.join("icp.toml"), "# mine\n").unwrap();
    let (code, out, err) = icp(&dir, &["init", "a.csv"]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains("icp.toml` already exists; nothing was written"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("icp.toml")).unwrap(),
        "# mine\n"
    );
    assert!(!dir.join("accounts.icp").exists());
    let (code, _, err) = icp(&dir, &["init", "a.csv", "--force"]);
    assert_eq!(code, 0, "{err}");
    assert!(std::fs::read_to_string(dir.join("icp.toml"))
        .unwrap()
        .contains("[project]"));
    // No temporary file is left behind.
    let left: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn init_refuses_bad_input_clearly() {
    let dir = temp_dir();
    std::fs::write(dir.join("empty.csv"), "").unwrap();
    let (code, _, err) = icp(&dir, &["init", "empty.csv"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("has no header row"), "{err}");
    std::fs::write(dir.join("header.csv"), "a,b\n").unwrap();
    let (code, _, err) = icp(&dir, &["init", "header.csv"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("no readable rows"), "{err}");
    let (code, _, err) = icp(&dir, &["init", "missing.csv"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("cannot read `missing.csv`"), "{err}");
    let (code, _, err) = icp(&dir, &["init", "header.csv", "--schema", "and"]);
    assert_eq!(code, 2, "{err}");
    assert!(!dir.join("icp.toml").exists() && !dir.join("accounts.icp").exists());
}

/// Seeded random exports: odd headers (duplicates, keywords, symbols,
/// empty), mixed and broken cells, quotes and empty rows. `icp init` exits
/// 0, 1 or 2 and never panics; whatever it writes checks without errors and
/// scores the export (bad cells as missing).
#[test]
fn init_fuzz() {
    let seed: u64 = std::env::var("ICP_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(14);
    let iterations: usize = std::env::var("ICP_FUZZ_ITERATIONS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(12);
    let mut rng = Rng(seed.max(1));
    let headers = [
        "Id",
        "id",
        "ID",
        "and",
        "weight",
        "Employee Count",
        "",
        "€ Revenue",
        "30d visits",
        "Name \"quoted\"",
        "Stage",
        "tech",
        "Łódź",
        "schema",
        "A-B",
        "true",
    ];
    for _ in 0..iterations {
        let dir = temp_dir();
        let cols = 1 + rng.below(7) as usize;
        let hs: Vec<String> = (0..cols)
            .map(|_| {
                let h = rng.pick(&headers).to_string();
                format!("\"{}\"", h.replace('"', "\"\""))
            })
            .collect();
        let mut csv = hs.join(",") + "\n";
        let rows = rng.below(60);
        for _ in 0..rows {
            let cells: Vec<String> = (0..cols)
                .map(|_| {
                    let cell = match rng.below(14) {
                        0 => String::new(),
                        1 => rng.below(1000).to_string(),
                        2 => format!("{}.{}", rng.below(100), rng.below(100)),
                        3 => format!("${}k", rng.below(900)),
                        4 => format!("{}%", rng.below(100)),
                        5 => format!("2026-{:02}-{:02}", 1 + rng.below(12), 1 + rng.below(28)),
                        6 => rng.pick(&["true", "false", "Yes", "no"]).to_string(),
                        7 => rng.pick(&["SAP;dbt", "Snowflake", "a;;b", ";"]).to_string(),
                        8 => rng
                            .pick(&[
                                "In Cycle",
                                "in-cycle",
                                "Hospital & Health Care",
                                "none",
                                "and",
                            ])
                            .to_string(),
                        9 => "line\nbreak".to_string(),
                        10 => "0042".to_string(),
                        11 => "€5".to_string(),
                        12 => rng.pick(&["\"", "\\", "x\"y"]).to_string(),
                        _ => format!("v{}", rng.below(5)),
                    };
                    format!("\"{}\"", cell.replace('"', "\"\""))
                })
                .collect();
            csv.push_str(&cells.join(","));
            csv.push('\n');
        }
        std::fs::write(dir.join("x.csv"), &csv).unwrap();
        let (code, out, err) = icp(&dir, &["init", "x.csv"]);
        assert!(
            matches!(code, 0..=2) && !err.contains("panicked"),
            "{code}\n{csv}\n{out}{err}"
        );
        if code != 0 {
            continue;
        }
        let schema = std::fs::read_to_string(dir.join("accounts.icp")).unwrap();
        let (code, out, err) = icp(&dir, &["check", "accounts.icp"]);
        assert_eq!(code, 0, "{csv}\n{schema}\n{out}{err}");
        std::fs::write(dir.join("probe.icp"), probe(&schema)).unwrap();
        let (code, _, err) = icp(
            &dir,
            &[
                "score",
                "probe.icp",
                "x.csv",
                "--as-of",
                "2026-11-01",
                "--on-error",
                "missing",
            ],
        );
        assert_eq!(code, 0, "{csv}\n{schema}\n{err}");
    }
}

#[test]
fn init_suggests_the_settings_that_read_more() {
    let dir = temp_dir();
    std::fs::copy(
        repo().join("tests/init/salesforce_accounts.csv"),
        dir.join("sf.csv"),
    )
    .unwrap();
    std::fs::write(
        dir.join("eu.csv"),
        "Id,Amount\n1,\"1.200,50\"\n2,\"3,5\"\n3,\"10,25\"\n",
    )
    .unwrap();
    let (code, _, err) = icp(&dir, &["init", "sf.csv", "--schema-file", "sf.icp"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("column `Created Date`: the cells read as dates written MM/DD/YYYY: run `icp init` again with --date-format MM/DD/YYYY"),
        "{err}"
    );
    let (code, _, err) = icp(
        &dir,
        &["init", "eu.csv", "--schema-file", "eu.icp", "--force"],
    );
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("column `Amount`: the cells are numbers written with a decimal comma: run `icp init` again with --decimal-comma"), "{err}");
    let (code, _, err) = icp(
        &dir,
        &[
            "init",
            "eu.csv",
            "--schema-file",
            "eu.icp",
            "--force",
            "--decimal-comma",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let schema = std::fs::read_to_string(dir.join("eu.icp")).unwrap();
    assert!(schema.contains("amount: money from \"Amount\""), "{schema}");
    let toml = std::fs::read_to_string(dir.join("icp.toml")).unwrap();
    assert!(toml.contains("decimal_comma = true"), "{toml}");
}

#[test]
fn init_into_another_folder_names_the_sample_data_it_can_reach() {
    let dir = temp_dir();
    std::fs::create_dir_all(dir.join("product/data")).unwrap();
    std::fs::create_dir_all(dir.join("outside")).unwrap();
    let erp = repo().join("examples/erp/accounts.csv");
    std::fs::copy(&erp, dir.join("product/data/accounts.csv")).unwrap();
    std::fs::copy(&erp, dir.join("outside/accounts.csv")).unwrap();
    let (code, _, err) = icp(
        &dir,
        &["init", "product/data/accounts.csv", "--dir", "product"],
    );
    assert_eq!(code, 0, "{err}");
    let toml = std::fs::read_to_string(dir.join("product/icp.toml")).unwrap();
    assert!(
        toml.contains("sample_data = \"data/accounts.csv\""),
        "{toml}"
    );
    assert!(toml.contains("name = \"product\""), "{toml}");
    let (code, _, err) = icp(
        &dir,
        &[
            "init",
            "outside/accounts.csv",
            "--dir",
            "product",
            "--force",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let toml = std::fs::read_to_string(dir.join("product/icp.toml")).unwrap();
    assert!(
        toml.contains("# sample_data = \"accounts.csv\"  # the export lies outside this folder"),
        "{toml}"
    );
    let (code, out, err) = icp(
        &dir.join("product"),
        &["check", "--deny", "warnings", "accounts.icp"],
    );
    assert_eq!(code, 0, "{out}{err}");
    let (code, _, err) = icp(&dir, &["init", "outside/accounts.csv", "--dir", "nowhere"]);
    assert_eq!(code, 2);
    assert!(err.contains("`nowhere` is not a folder"), "{err}");
}
