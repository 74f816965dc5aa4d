//! Evidence: outcomes read from the accounts or a deals file, `icp
//! validate` on hand-computed fixtures in every format (the derivation of
//! each number is in the fixture's comments), every bad input, and the
//! leakage diagnostic.
#![allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

mod common;

use common::{icp, repo, temp_dir};

/// A rule on the outcome column (or its date) is W0501, in `icp check`
/// and so in the editor, which shows the same diagnostics.
#[test]
fn a_rule_reading_the_outcome_column_is_leakage() {
    let (code, out, err) = icp(
        &repo(),
        &["check", "tests/evidence/leak", "--format", "json"],
    );
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let leaks: Vec<&str> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "W0501")
        .map(|d| d["message"].as_str().unwrap())
        .collect();
    assert_eq!(leaks.len(), 3, "{out}");
    assert!(
        leaks[0].contains("exclude `lost_already` reads `stage`"),
        "{leaks:?}"
    );
    assert!(leaks[2].contains("outcome date column"), "{leaks:?}");
}

/// `[outcomes]` is validated like `[data]`: located errors.
#[test]
fn a_bad_outcomes_table_is_a_located_error() {
    let dir = temp_dir();
    std::fs::write(
        dir.join("icp.toml"),
        "[project]\nas_of = \"2026-11-01\"\n\n[outcomes]\ncolumn = \"Stage\"\nwon = [\"Won\"]\nlost = [\"Lost\"]\nother = \"maybe\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("a.icp"),
        "schema S { id: text key }\nicp a for S {\n  owner \"x@example.com\"\n  reviewed 2026-10-01 every 90d\n  signal s: id == \"x\" weight 1\n  tier A: otherwise\n}\n",
    )
    .unwrap();
    let (code, out, _) = icp(&dir, &["check", "."]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("invalid [outcomes] setting `other`: must be `open` or `error`, not `maybe`"),
        "{out}"
    );
    assert!(out.contains("icp.toml:8:10"), "{out}");
}
