//! `icp calibrate` and `icp discover` end to end. The small fixture
//! (tests/scorecard/small) is hand-computed: 100 fitted accounts where the
//! signal fires for 30 won and 10 lost and not for 20 won and 40 lost, so
//! without a penalty the coefficient is ln 6 = 1.792 with standard error
//! sqrt(1/30 + 1/10 + 1/20 + 1/40) = 0.456, 20 points to double the odds
//! make 1.792 * 20 / ln 2 = 51.7, suggested 52; the holdout (fired 3 won
//! 1 lost, not fired 1 won 3 lost) has AUC (9 + 1.5 + 1.5) / 16 = 0.75.
//! The differential tests against scikit-learn are in tests/scorecard/.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use common::{icp, repo, temp_dir};
use std::path::{Path, PathBuf};

/// A copy of the small fixture in a fresh folder.
fn small() -> PathBuf {
    let dir = temp_dir();
    let from = repo().join("tests/scorecard/small");
    for e in std::fs::read_dir(&from).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), dir.join(e.file_name())).unwrap();
    }
    dir
}

fn run(dir: &Path, args: &[&str]) -> (i32, String, String) {
    icp(dir, args)
}

#[test]
fn calibrate_small_hand_computed() {
    let dir = small();
    let (code, out, err) = run(
        &dir,
        &["calibrate", "icp.icp", "accounts.csv", "--lambda", "0"],
    );
    assert_eq!(code, 0, "{err}");
    insta::assert_snapshot!("calibrate_small_text", out);
    let (code, out, err) = run(
        &dir,
        &[
            "calibrate",
            "icp.icp",
            "accounts.csv",
            "--lambda",
            "0",
            "--format",
            "json",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let s = &v["signals"][0];
    assert_eq!(s["name"], "high_intent");
    assert_eq!(s["weight"], 10.0);
    assert_eq!(s["suggested"], 52.0);
    assert!((s["coefficient"].as_f64().unwrap() - 6f64.ln()).abs() < 1e-9);
    let se = (1.0 / 30.0 + 1.0 / 10.0 + 1.0 / 20.0 + 1.0 / 40.0f64).sqrt();
    assert!((s["std_error"].as_f64().unwrap() - se).abs() < 1e-9);
    assert_eq!(v["signals"][1]["calibrated"], false);
    assert_eq!(v["auc_current"], 0.75);
    assert_eq!(v["auc_suggested"], 0.75);
    insta::assert_snapshot!("calibrate_small_json", out);
}

#[test]
fn calibrate_write_edits_only_the_weight() {
    let dir = small();
    let before = std::fs::read_to_string(dir.join("icp.icp")).unwrap();
    let (code, out, err) = run(
        &dir,
        &[
            "calibrate",
            "icp.icp",
            "accounts.csv",
            "--lambda",
            "0",
            "--write",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let after = std::fs::read_to_string(dir.join("icp.icp")).unwrap();
    assert_eq!(
        after,
        before.replace("weight 10 because", "weight 52 because")
    );
    assert!(
        out.contains("-  signal high_intent: visits >= 5 weight 10"),
        "{out}"
    );
    assert!(
        out.contains("+  signal high_intent: visits >= 5 weight 52"),
        "{out}"
    );
    // Again: nothing left to change.
    let (code, out, _) = run(
        &dir,
        &[
            "calibrate",
            "icp.icp",
            "accounts.csv",
            "--lambda",
            "0",
            "--write",
        ],
    );
    assert_eq!(code, 0);
    assert!(out.contains("already the suggested ones"), "{out}");
}

#[test]
fn calibrate_write_names_the_warnings_the_new_weights_bring() {
    let dir = small();
    // A heavy penalty shrinks the weight to 1: tier A (15) is out of reach.
    let (code, out, err) = run(
        &dir,
        &[
            "calibrate",
            "icp.icp",
            "accounts.csv",
            "--lambda",
            "200",
            "--write",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("+++ icp.icp (calibrated)"), "{out}");
    assert!(out.contains("weight 1 because"), "{out}");
    assert!(
        err.contains("note: with the new weights `icp check` also says"),
        "{err}"
    );
    assert!(err.contains("W0301"), "{err}");
}

#[test]
fn calibrate_writes_nothing_when_the_holdout_gets_worse() {
    let dir = small();
    let before = std::fs::read_to_string(dir.join("icp.icp")).unwrap();
    // The holdout is reversed: the fitted weight ranks it backwards. With
    // the current weight of 10 both rank it the same, so make it negative.
    let negative = before.replace("weight 10 because", "weight -10 because");
    std::fs::write(dir.join("icp.icp"), &negative).unwrap();
    let (code, out, err) = run(
        &dir,
        &[
            "calibrate",
            "icp.icp",
            "reversed.csv",
            "--lambda",
            "0",
            "--write",
        ],
    );
    assert_eq!(code, 1, "{out}{err}");
    assert!(err.contains("nothing written: the suggested weights score the holdout worse (AUC 0.250 against 0.750)"), "{err}");
    assert_eq!(
        std::fs::read_to_string(dir.join("icp.icp")).unwrap(),
        negative
    );
}

#[test]
fn calibrate_refuses_bad_input_clearly() {
    let dir = small();
    // No outcomes configured.
    std::fs::write(
        dir.join("icp.toml"),
        "[project]\nname = \"x\"\nas_of = \"2026-11-01\"\n",
    )
    .unwrap();
    let (code, _, err) = run(&dir, &["calibrate", "icp.icp", "accounts.csv"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("no outcomes: say which column holds them"),
        "{err}"
    );
    // All wins.
    let (code, _, err) = run(
        &dir,
        &[
            "calibrate",
            "icp.icp",
            "accounts.csv",
            "--outcome",
            "Stage",
            "--won",
            "Won",
            "Lost",
            "--lost",
            "Nothing",
            "--open",
            "Open",
        ],
    );
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("are all won: a fit needs both won and lost accounts"),
        "{err}"
    );
    // No wins.
    let (code, _, err) = run(
        &dir,
        &[
            "calibrate",
            "icp.icp",
            "accounts.csv",
            "--outcome",
            "Stage",
            "--won",
            "Nothing",
            "--lost",
            "Won",
            "Lost",
            "--open",
            "Open",
        ],
    );
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("are all lost"), "{err}");
    // Unknown outcome values are listed.
    let (code, _, err) = run(
        &dir,
        &[
            "calibrate",
            "icp.icp",
            "accounts.csv",
            "--outcome",
            "Stage",
            "--won",
            "Won",
            "--lost",
            "Lost",
        ],
    );
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("`Open`: 4"), "{err}");
    // No such outcome column.
    let (code, _, err) = run(
        &dir,
        &[
            "calibrate",
            "icp.icp",
            "accounts.csv",
            "--outcome",
            "Stgae",
            "--won",
            "Won",
            "--lost",
            "Lost",
        ],
    );
    // As for `icp validate`: the data lacks the column (exit 1).
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("no column `Stgae`; did you mean `Stage`?"),
        "{err}"
    );
    // Standard input cannot be read twice.
    let (code, _, err) = run(
        &dir,
        &[
            "calibrate",
            "icp.icp",
            "-",
            "--outcome",
            "Stage",
            "--won",
            "Won",
            "--lost",
            "Lost",
        ],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("give a file, not standard input"), "{err}");
    let (code, _, err) = run(
        &dir,
        &[
            "calibrate",
            "icp.icp",
            "accounts.csv",
            "--holdout-fraction",
            "1.5",
        ],
    );
    assert_eq!(code, 2, "{err}");
}

#[test]
fn calibrate_random_holdout_is_seeded_and_thread_independent() {
    let dir = small();
    std::fs::write(
        dir.join("icp.toml"),
        "[project]\nname = \"x\"\nas_of = \"2026-11-01\"\n\n[outcomes]\ncolumn = \"Stage\"\nwon = [\"Won\"]\nlost = [\"Lost\"]\nopen = [\"Open\"]\n",
    )
    .unwrap();
    let args = ["calibrate", "icp.icp", "accounts.csv", "--format", "json"];
    let one = common::icp_env(&dir, &args, &[("ICP_THREADS", "1")], None);
    let four = common::icp_env(&dir, &args, &[("ICP_THREADS", "4")], None);
    assert_eq!(one.0, 0, "{}", one.2);
    assert_eq!(one.1, four.1);
    let other = run(
        &dir,
        &[
            "calibrate",
            "icp.icp",
            "accounts.csv",
            "--format",
            "json",
            "--seed",
            "2",
        ],
    );
    assert_ne!(one.1, other.1);
    assert!(one.1.contains("30% at random, seed 1"), "{}", one.1);
}

#[test]
fn discover_small_draft_checks_and_validates() {
    let dir = small();
    let (code, out, err) = run(
        &dir,
        &[
            "discover",
            "accounts.icp",
            "accounts.csv",
            "-o",
            "draft.icp",
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(err.is_empty(), "{err}");
    let draft = std::fs::read_to_string(dir.join("draft.icp")).unwrap();
    insta::assert_snapshot!("discover_small_draft", draft);
    assert!(draft.contains("reviewed 2026-11-01 every 90d"), "{draft}");
    assert!(
        draft.contains("filter visits_1_plus: visits >= 1"),
        "{draft}"
    );
    assert!(
        draft.contains("signal visits_7_plus: visits >= 7 weight"),
        "{draft}"
    );
    // The outcome date is what is predicted: never a rule.
    assert!(!draft.contains("close_date"), "{draft}");
    let (code, out, err) = run(&dir, &["check", "--deny", "warnings", "draft.icp"]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = run(&dir, &["validate", "draft.icp", "accounts.csv"]);
    assert_eq!(code, 0, "{out}{err}");
    // Never replaced without --force.
    let (code, _, err) = run(
        &dir,
        &[
            "discover",
            "accounts.icp",
            "accounts.csv",
            "-o",
            "draft.icp",
        ],
    );
    assert_eq!(code, 2);
    assert!(err.contains("already exists"), "{err}");
}

#[test]
fn discover_from_a_best_customers_list() {
    let dir = small();
    std::fs::write(
        dir.join("icp.toml"),
        "[project]\nname = \"x\"\nas_of = \"2026-11-01\"\n",
    )
    .unwrap();
    // The best customers: the won accounts with many visits.
    let accounts = std::fs::read_to_string(dir.join("accounts.csv")).unwrap();
    let mut ids = String::from("Id\n");
    for line in accounts.lines().skip(1) {
        let cells: Vec<&str> = line.split(',').collect();
        if cells[4] == "Won" && cells[1].parse::<u32>().unwrap() >= 5 {
            ids.push_str(cells[0]);
            ids.push('\n');
        }
    }
    std::fs::write(dir.join("best.csv"), ids).unwrap();
    let (code, out, err) = run(
        &dir,
        &[
            "discover",
            "accounts.icp",
            "accounts.csv",
            "--best",
            "best.csv",
            "-o",
            "best.icp",
            "--as-of",
            "2026-10-01",
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    let draft = std::fs::read_to_string(dir.join("best.icp")).unwrap();
    assert!(draft.contains("best customers"), "{draft}");
    assert!(draft.contains("reviewed 2026-10-01"), "{draft}");
    assert!(
        draft.contains("filter visits_7_plus: visits >= 7"),
        "{draft}"
    );
    let (code, out, err) = run(&dir, &["check", "--deny", "warnings", "best.icp"]);
    assert_eq!(code, 0, "{out}{err}");
}

#[test]
fn discover_refuses_bad_input_clearly() {
    let dir = small();
    let (code, _, err) = run(
        &dir,
        &["discover", "icp.icp", "accounts.csv", "-o", "x.icp"],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("`icp.icp` declares no schema"), "{err}");
    let (code, _, err) = run(
        &dir,
        &[
            "discover",
            "accounts.icp",
            "accounts.csv",
            "-o",
            "x.icp",
            "--outcome",
            "Stage",
            "--won",
            "Nothing",
            "--lost",
            "Won",
            "Lost",
            "--open",
            "Open",
        ],
    );
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("are all lost: a draft needs both won and lost accounts"),
        "{err}"
    );
    let (code, _, err) = run(
        &dir,
        &["discover", "accounts.icp", "accounts.csv", "-o", "x.txt"],
    );
    assert_eq!(code, 2, "{err}");
    std::fs::write(dir.join("nobody.csv"), "Id\nZ1\n").unwrap();
    let (code, _, err) = run(
        &dir,
        &[
            "discover",
            "accounts.icp",
            "accounts.csv",
            "--best",
            "nobody.csv",
            "-o",
            "x.icp",
        ],
    );
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("none of the 1 ids in the best-customers list"),
        "{err}"
    );
    assert!(!dir.join("x.icp").exists());
    // Outside the schema's project the draft could not import it.
    let elsewhere = temp_dir();
    let out = elsewhere.join("d.icp");
    let (code, _, err) = run(
        &dir,
        &[
            "discover",
            "accounts.icp",
            "accounts.csv",
            "-o",
            out.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("is outside the schema's project"), "{err}");
    assert!(!out.exists());
    // Writing over an input is refused.
    let (code, _, err) = run(
        &dir,
        &[
            "discover",
            "accounts.icp",
            "accounts.csv",
            "-o",
            "accounts.icp",
            "--force",
        ],
    );
    assert_eq!(code, 2, "{err}");
}
