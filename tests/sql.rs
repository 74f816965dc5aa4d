//! The SQL back end's output, snapshot-tested per dialect for every example
//! (`icp compile --emit sql|ddl|dbt`), and its located diagnostics. Whether
//! the SQL scores as `icp score` does is tested on real engines by
//! `tests/sql` (Python: DuckDB, PostgreSQL, Spark; sqlglot for Snowflake and
//! BigQuery).
#![allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

mod common;

use common::{icp, repo, temp_dir};

const EXAMPLES: &[(&str, &str, &str)] = &[
    ("erp", "examples/erp/icp.icp", "mid_market_manufacturing"),
    ("intent", "examples/intent/icp.icp", "in_market"),
    ("saas", "examples/saas/icp.icp", "pipeline_analytics"),
    (
        "stationery",
        "examples/acme-print/stationery/icp.icp",
        "stationery",
    ),
    (
        "clothing",
        "examples/acme-print/clothing/icp.icp",
        "clothing",
    ),
];

const DIALECTS: &[&str] = &["duckdb", "postgres", "spark", "snowflake", "bigquery"];

#[test]
fn every_example_as_sql_and_ddl_in_every_dialect() {
    for (name, file, icp_name) in EXAMPLES {
        for d in DIALECTS {
            let (code, sql, err) = icp(
                &repo(),
                &[
                    "compile",
                    file,
                    "--icp",
                    icp_name,
                    "--emit",
                    "sql",
                    "--dialect",
                    d,
                    "--from",
                    "crm.accounts",
                    "--as-of",
                    "2026-11-01",
                ],
            );
            assert_eq!(code, 0, "{err}");
            insta::assert_snapshot!(format!("sql_{name}_{d}"), sql);
            let (code, ddl, err) = icp(
                &repo(),
                &[
                    "compile",
                    file,
                    "--icp",
                    icp_name,
                    "--emit",
                    "ddl",
                    "--dialect",
                    d,
                    "--from",
                    "crm.accounts",
                ],
            );
            assert_eq!(code, 0, "{err}");
            insta::assert_snapshot!(format!("ddl_{name}_{d}"), ddl);
        }
    }
}

#[test]
fn options_view_current_date_columns_and_arrays() {
    let (code, sql, err) = icp(
        &repo(),
        &[
            "compile",
            "examples/intent/icp.icp",
            "--emit",
            "sql",
            "--dialect",
            "postgres",
            "--from",
            "accounts",
            "--view",
            "analytics.in_market",
            "--as-of-current-date",
            "--columns",
            "id,tier,score_fit,fired,unknown,coverage",
        ],
    );
    assert_eq!(code, 0, "{err}");
    insta::assert_snapshot!("sql_intent_postgres_view", sql);
    let (code, ddl, err) = icp(
        &repo(),
        &[
            "compile",
            "examples/erp/icp.icp",
            "--emit",
            "ddl",
            "--dialect",
            "bigquery",
            "--from",
            "accounts",
            "--sets",
            "array",
        ],
    );
    assert_eq!(code, 0, "{err}");
    insta::assert_snapshot!("ddl_erp_bigquery_arrays", ddl);
}

#[test]
fn dbt_model_and_schema() {
    let dir = temp_dir();
    let (code, _, err) = icp(
        &repo(),
        &[
            "compile",
            "examples/saas/icp.icp",
            "--emit",
            "dbt",
            "--dialect",
            "snowflake",
            "--dbt-source",
            "crm.companies",
            "--as-of",
            "2026-11-01",
            "--out-dir",
            dir.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{err}");
    let model = std::fs::read_to_string(dir.join("pipeline_analytics.sql")).unwrap();
    let schema = std::fs::read_to_string(dir.join("schema.yml")).unwrap();
    assert!(
        model.contains("{{ source('crm', 'companies') }}"),
        "{model}"
    );
    insta::assert_snapshot!("dbt_saas_model", model);
    insta::assert_snapshot!("dbt_saas_schema", schema);
    let (code, _, err) = icp(
        &repo(),
        &[
            "compile",
            "examples/saas/icp.icp",
            "--emit",
            "dbt",
            "--dbt-ref",
            "stg_companies",
            "--out-dir",
            dir.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{err}");
    let model = std::fs::read_to_string(dir.join("pipeline_analytics.sql")).unwrap();
    assert!(model.contains("FROM {{ ref('stg_companies') }}"), "{model}");
}

#[test]
fn what_sql_cannot_express_is_a_located_error() {
    let dir = temp_dir();
    let file = dir.join("x.icp");
    std::fs::write(
        &file,
        "schema S {\n  k: text key\n  tech: set<text>\n}\nicp x for S {\n  owner \"o@example.com\"\n  reviewed 2026-10-01 every 90d\n  signal snow: tech matches \"Snow*\" weight 5\n  tier A: otherwise\n}\n",
    )
    .unwrap();
    let compile = |d: &str, extra: &[&str]| {
        let mut args = vec![
            "compile",
            "x.icp",
            "--emit",
            "sql",
            "--dialect",
            d,
            "--from",
            "t",
            "--as-of",
            "2026-11-01",
        ];
        args.extend(extra);
        icp(&dir, &args)
    };
    // `matches` on a set: written for four dialects, refused for Snowflake;
    // with sets stored as arrays, for DuckDB, PostgreSQL and Spark.
    for d in ["duckdb", "postgres", "spark", "bigquery"] {
        let (code, out, err) = compile(d, &[]);
        assert_eq!(code, 0, "{d}: {err}");
        assert!(out.contains("LIKE 'snow%'"), "{out}");
    }
    for d in ["duckdb", "postgres", "spark"] {
        let (code, out, err) = compile(d, &["--sets", "array"]);
        assert_eq!(code, 0, "{d}: {err}");
        assert!(out.contains("LIKE 'snow%'"), "{out}");
    }
    let cases: &[(&str, &[&str], &str, &str)] = &[
        ("snowflake", &[], "`matches` on the set `tech`", "Snowflake"),
        (
            "snowflake",
            &["--sets", "array"],
            "`matches` on `tech` with sets stored as arrays: sets stored as arrays are not written for this dialect",
            "Snowflake",
        ),
        (
            "bigquery",
            &["--sets", "array"],
            "BigQuery stores a missing (NULL) array as an empty one",
            "BigQuery",
        ),
    ];
    for (d, extra, what, name) in cases {
        let (code, out, err) = compile(d, extra);
        assert_eq!(code, 1, "{out}");
        assert!(out.is_empty(), "no query is written: {out}");
        assert!(err.contains("error[E0401]"), "{err}");
        assert!(err.contains("x.icp:8:3"), "located at the rule: {err}");
        assert!(err.contains(what), "{err}");
        assert!(err.contains(&format!("not expressible in {name}")), "{err}");
        assert!(
            err.contains(&format!("cannot be compiled for {name}")),
            "{err}"
        );
    }
}

#[test]
fn enum_sets_with_variants_written_alike_are_refused() {
    let dir = temp_dir();
    std::fs::write(
        dir.join("z.icp"),
        "enum K { a, A, b }\nschema S {\n  k: text key\n  kinds: set<K>\n}\nicp z for S {\n  owner \"o@example.com\"\n  reviewed 2026-10-01 every 90d\n  signal has_b: kinds has b weight 2\n  signal has_a: kinds has a weight 5\n  tier A: otherwise\n}\n",
    )
    .unwrap();
    let (code, out, err) = icp(
        &dir,
        &[
            "compile",
            "z.icp",
            "--emit",
            "sql",
            "--dialect",
            "duckdb",
            "--from",
            "t",
            "--as-of",
            "2026-11-01",
        ],
    );
    assert_eq!(code, 1, "{out}");
    assert!(err.contains("error[E0401]"), "{err}");
    assert!(err.contains("z.icp:9:3"), "{err}");
    assert!(err.contains("`a` and `A` are written alike"), "{err}");
}

#[test]
fn a_nul_character_is_refused_at_the_rule() {
    let dir = temp_dir();
    std::fs::write(
        dir.join("n.icp"),
        "schema S {\n  k: text key\n  t: text?\n}\nicp n for S {\n  owner \"o@example.com\"\n  reviewed 2026-10-01 every 90d\n  signal nul: t == \"a\\u{0}b\" weight 1\n  tier A: otherwise\n}\n",
    )
    .unwrap();
    for d in DIALECTS {
        let (code, out, err) = icp(
            &dir,
            &[
                "compile",
                "n.icp",
                "--emit",
                "sql",
                "--dialect",
                d,
                "--from",
                "t",
                "--as-of",
                "2026-11-01",
            ],
        );
        assert_eq!(code, 1, "{out}");
        assert!(err.contains("error[E0401]"), "{err}");
        assert!(err.contains("n.icp:8:3"), "{err}");
        assert!(
            err.contains("the text `a\\0b` holds a NUL character"),
            "{err}"
        );
    }
}

#[test]
fn enum_labels_are_decoded_in_every_dialect() {
    let icp_file = repo().join("tests/sql/corners/labels.icp");
    let dir = temp_dir();
    for d in DIALECTS {
        // Snowflake and BigQuery are not written with sets as arrays.
        let arrays = ["duckdb", "postgres", "spark"].contains(d);
        for sets in [None, Some("array")] {
            if sets.is_some() && !arrays {
                continue;
            }
            let mut args = vec![
                "compile",
                icp_file.to_str().unwrap(),
                "--emit",
                "sql",
                "--dialect",
                d,
                "--from",
                "t",
                "--as-of",
                "2026-11-01",
            ];
            if let Some(s) = sets {
                args.extend(["--sets", s]);
            }
            let (code, out, err) = icp(&dir, &args);
            assert_eq!(code, 0, "{d} {sets:?}: {err}");
            // The scalar decode reads each label as its variant.
            assert!(
                out.contains("WHEN 'hospital_&_health_care' THEN 'healthcare'"),
                "{d}: {out}"
            );
            assert!(
                out.contains("WHEN 'financial_services' THEN 'fintech'"),
                "{d}: {out}"
            );
            // A set part is read by its labels too.
            let part = if sets.is_some() {
                "IN ('fintech', 'financial_services')"
            } else {
                "';financial_services;'"
            };
            assert!(out.contains(part), "{d} {sets:?}: {out}");
        }
    }
}

#[test]
fn blank_values_and_fractions_read_as_icp_score_reads_them() {
    for d in DIALECTS {
        let (code, sql, err) = icp(
            &repo(),
            &[
                "compile",
                "tests/fixtures/ok/blanks.icp",
                "--icp",
                "i",
                "--emit",
                "sql",
                "--dialect",
                d,
                "--from",
                "crm.accounts",
                "--as-of",
                "2026-11-01",
            ],
        );
        assert_eq!(code, 0, "{err}");
        for expected in [
            "COALESCE(NULLIF(TRIM(",
            "'none') AS ",
            ", FALSE) AS ",
            ", 0) AS ",
            " * 100), 0) AS ",
        ] {
            assert!(sql.contains(expected), "{d}: no `{expected}` in\n{sql}");
        }
    }
}
