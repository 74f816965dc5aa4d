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

const SMALL: &str = "tests/evidence/small/small.icp";
const SMALL_DATA: &str = "tests/evidence/small/accounts.csv";

/// The hand-computed fixture (every number derived in small.icp's
/// comments) in the three formats.
#[test]
fn validate_the_hand_computed_fixture_in_every_format() {
    for (format, name) in [
        ("table", "validate_small_table"),
        ("json", "validate_small_json"),
        ("markdown", "validate_small_markdown"),
    ] {
        let (code, out, err) = icp(
            &repo(),
            &["validate", SMALL, SMALL_DATA, "--format", format],
        );
        assert_eq!(code, 0, "{err}");
        insta::assert_snapshot!(name, out);
    }
    // The numbers themselves, against the derivation.
    let (_, out, _) = icp(
        &repo(),
        &["validate", SMALL, SMALL_DATA, "--format", "json"],
    );
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let close = |a: &serde_json::Value, b: f64| (a.as_f64().unwrap() - b).abs() < 1e-6;
    assert!(close(&v["auc"], 42.5 / 56.0), "{}", v["auc"]);
    assert!(close(&v["auc_tiers"], 41.0 / 56.0));
    assert!(close(&v["brier"], 3.05 / 15.0));
    assert!(close(&v["base_rate"], 10.0 / 18.0));
    assert!(close(&v["tiers"][0]["lift"], 0.8 / (10.0 / 18.0)));
    assert!(close(
        &v["signals"][0]["woe"],
        ((6.5f64 / 9.5) / (2.5 / 8.5)).ln()
    ));
    assert_eq!(v["removed"][0]["won"], 2);
    let codes: Vec<&str> = v["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["V0106", "V0106", "V0106", "V0108"]);
    // Same bytes on one thread and on four.
    let one = common::icp_env(
        &repo(),
        &["validate", SMALL, SMALL_DATA, "--format", "json"],
        &[("ICP_THREADS", "1")],
        None,
    );
    assert_eq!(one.1, out);
}

/// `--holdout-after` evaluates only outcomes decided after the date; open
/// accounts are always counted.
#[test]
fn a_holdout_evaluates_later_outcomes_only() {
    let (code, out, err) = icp(
        &repo(),
        &[
            "validate",
            SMALL,
            SMALL_DATA,
            "--format",
            "json",
            "--holdout-after",
            "2026-04-30",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    // Closed after 30 April: r3 a3 a4 a5 b2 b3 b7 c3 c4 (won a3 a4 b2;
    // lost r3 a5 b3 b7 c3 c4), and the 2 open accounts.
    assert_eq!(
        (v["won"].as_u64(), v["lost"].as_u64(), v["open"].as_u64()),
        (Some(3), Some(6), Some(2))
    );
    assert_eq!(v["not_evaluated"]["before_holdout"], 9);
}

fn write(dir: &std::path::Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

/// A project with the fixture's ICP and the given accounts (and deals).
fn project(accounts: &str, toml_outcomes: &str) -> std::path::PathBuf {
    let dir = temp_dir();
    let icp_text = std::fs::read_to_string(repo().join(SMALL)).unwrap();
    write(&dir, "small.icp", &icp_text);
    write(&dir, "accounts.csv", accounts);
    write(
        &dir,
        "icp.toml",
        &format!("[project]\nas_of = \"2026-11-01\"\n{toml_outcomes}"),
    );
    dir
}

fn validate_in(dir: &std::path::Path, extra: &[&str]) -> (i32, String, String) {
    let mut args = vec!["validate", "small.icp", "accounts.csv"];
    args.extend_from_slice(extra);
    icp(dir, &args)
}

const OUTCOMES: &str = "[outcomes]\ncolumn = \"Stage\"\nwon = [\"Won\"]\nlost = [\"Lost\"]\n";

#[test]
fn bad_input_no_outcomes_configured() {
    let dir = project("Id,Employees,Hiring\n1,50,true\n", "");
    let (code, _, err) = validate_in(&dir, &[]);
    assert_eq!(code, 2);
    assert!(
        err.contains("error: no outcomes: say which column holds them"),
        "{err}"
    );
}

#[test]
fn bad_input_no_outcome_column() {
    let dir = project("Id,Employees,Hiring,Stag\n1,50,true,Won\n", OUTCOMES);
    let (code, _, err) = validate_in(&dir, &[]);
    assert_eq!(code, 1);
    assert!(
        err.contains(
            "`accounts.csv` has no column `Stage`; did you mean `Stag`? (the outcome column)"
        ),
        "{err}"
    );
}

#[test]
fn bad_input_unknown_outcome_values_are_listed_with_counts() {
    let dir = project(
        "Id,Employees,Hiring,Stage\n1,50,true,Won\n2,50,true,Lost\n3,50,true,Pending\n4,50,true,Pending\n5,50,true,Churned\n",
        OUTCOMES,
    );
    let (code, _, err) = validate_in(&dir, &[]);
    assert_eq!(code, 1);
    assert!(
        err.contains(
            "3 outcome values in column `Stage` of `accounts.csv` are none of the listed ones"
        ),
        "{err}"
    );
    assert!(err.contains("  - `Pending`: 2\n  - `Churned`: 1"), "{err}");
    // --other open counts them as open.
    let (code, out, err) = validate_in(&dir, &["--other", "open", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["open"], 3);
}

#[test]
fn bad_input_no_wins_and_all_wins() {
    let dir = project(
        "Id,Employees,Hiring,Stage\n1,50,true,Lost\n2,50,true,Lost\n3,50,true,\n",
        OUTCOMES,
    );
    let (code, _, err) = validate_in(&dir, &[]);
    assert_eq!(code, 1);
    assert!(err.contains("error: no account was won (2 lost)"), "{err}");
    let dir = project(
        "Id,Employees,Hiring,Stage\n1,50,true,Won\n2,50,true,won\n",
        OUTCOMES,
    );
    let (code, _, err) = validate_in(&dir, &[]);
    assert_eq!(code, 1);
    assert!(
        err.contains("error: every closed account was won (2 won)"),
        "{err}"
    );
}

#[test]
fn bad_input_an_outcome_date_that_is_not_a_date() {
    let dir = project(
        "Id,Employees,Hiring,Stage,Closed\n1,50,true,Won,2026-01-01\n2,50,true,Lost,last week\n",
        OUTCOMES,
    );
    let (code, _, err) = validate_in(&dir, &["--outcome-date", "Closed"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("1 outcome date in column `Closed` of `accounts.csv` is not a date"),
        "{err}"
    );
    assert!(err.contains("  - record 2: `last week`"), "{err}");
}

/// Deals: several per account (any won -> won; all lost -> lost; else
/// open), keys that do not join, and `--closed-after`.
#[test]
fn deals_files_join_on_the_key() {
    let dir = project(
        "Id,Employees,Hiring\nA,600,true\nB,50,true\nC,50,false\nD,20,false\n",
        "",
    );
    write(
        &dir,
        "deals.csv",
        "Id,Stage,Closed\nA,Lost,2026-01-01\nA,Won,2026-02-01\nB,Lost,2026-01-01\nB,Lost,2026-03-01\nC,Open,\nC,Lost,2026-01-01\nZ,Won,2026-01-01\n",
    );
    let flags = [
        "--outcomes",
        "deals.csv",
        "--outcome",
        "Stage",
        "--won",
        "Won",
        "--lost",
        "Lost",
        "--open",
        "Open",
        "--outcome-date",
        "Closed",
        "--format",
        "json",
    ];
    let (code, out, err) = validate_in(&dir, &flags);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    // A won (one win among its deals), B lost (all lost), C open (an open
    // deal), D open (no deal).
    assert_eq!(
        (v["won"].as_u64(), v["lost"].as_u64(), v["open"].as_u64()),
        (Some(1), Some(1), Some(2))
    );
    assert!(
        err.contains("warning: 1 account in `deals.csv` is not in `accounts.csv` (e.g. `Z`)"),
        "{err}"
    );
    // Only deals closed after 1 January: A won, B lost (1 March), C none counted, open.
    let mut later = flags.to_vec();
    later.extend(["--closed-after", "2026-01-01"]);
    let (code, out, err) = validate_in(&dir, &later);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        (v["won"].as_u64(), v["lost"].as_u64(), v["open"].as_u64()),
        (Some(1), Some(1), Some(2))
    );
    // Keys that do not join at all.
    write(&dir, "deals.csv", "Id,Stage\nx,Won\ny,Lost\n");
    let (code, _, err) = validate_in(&dir, &flags[..10]);
    assert_eq!(code, 1);
    assert!(err.contains("error: none of the 2 accounts in `deals.csv` joins an account of `accounts.csv` on the key `Id`"), "{err}");
}

/// Hostile accounts and deals through `icp validate`, seeded (as
/// tests/accounts_fuzz.rs does for `icp score`): the examples mutated, and
/// outcome cells replaced by unknown values, blanks, other cases and dates
/// that are not dates. Every run ends with exit 0, 1 or 2, never a panic,
/// inside an address-space limit; a run that succeeds accounts for every
/// record. `ICP_FUZZ_ITERATIONS` and `ICP_FUZZ_SEED` as there.
#[test]
fn hostile_outcomes_never_panic_or_lose_records() {
    use icp_lang::rng::Rng;
    let iterations: u64 = std::env::var("ICP_FUZZ_ITERATIONS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(25);
    let seed: u64 = std::env::var("ICP_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x0000_e71d_e9ce_5eed_u64);
    let mut rng = Rng(seed.max(1));
    let dir = temp_dir();
    let cells: &[&str] = &[
        "Closed Won",
        "closed won",
        " CLOSED LOST ",
        "",
        "Pending",
        "Negotiation",
        "2026-02-30",
        "last week",
        "\u{fffd}",
        "\"",
        "Closed Won;Closed Lost",
    ];
    for i in 0..iterations {
        // Outcomes in the accounts (the small fixture) or in a deals file
        // (the saas example).
        let deals = rng.chance(50);
        let (icp_file, data_file, mutated) = if deals {
            (
                "examples/saas/icp.icp",
                "examples/saas/companies.csv",
                "examples/saas/deals.csv",
            )
        } else {
            (SMALL, SMALL_DATA, SMALL_DATA)
        };
        let text = std::fs::read_to_string(repo().join(mutated)).unwrap();
        // Replace some cells of the outcome and date columns.
        let mut lines: Vec<String> = text.lines().map(String::from).collect();
        for line in lines.iter_mut().skip(1) {
            if rng.chance(20) {
                let mut parts: Vec<String> = line.split(',').map(String::from).collect();
                let n = parts.len();
                let col = n - 1 - rng.below(2) as usize;
                parts[col] = rng.pick(cells).to_string();
                *line = parts.join(",");
            }
        }
        let mut data = (lines.join("\n") + "\n").into_bytes();
        for _ in 0..rng.below(3) {
            common::mutate(&mut rng, &mut data);
        }
        std::fs::write(dir.join("mutated.csv"), &data).unwrap();
        let (accounts, outcome_flags): (String, Vec<&str>) = if deals {
            (
                repo().join(data_file).display().to_string(),
                vec!["--outcomes", "mutated.csv"],
            )
        } else {
            ("mutated.csv".to_string(), vec![])
        };
        let icp_path = repo().join(icp_file).display().to_string();
        let what = format!(
            "iteration {i} (seed {seed}, deals {deals}, {} bytes)",
            data.len()
        );
        for on_error in ["fail", "skip", "missing"] {
            let mut args = vec![
                "validate",
                icp_path.as_str(),
                accounts.as_str(),
                "--format",
                "json",
                "--on-error",
                on_error,
            ];
            args.extend(&outcome_flags);
            if rng.chance(30) {
                args.extend(["--other", "open"]);
            }
            let (code, out, err) = common::icp_limited(&dir, &args, 1536);
            assert!(
                !err.contains("panicked") && matches!(code, 0..=2),
                "{what} --on-error {on_error}: exit {code}\n{err}"
            );
            if code == 0 {
                let v: serde_json::Value =
                    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{what}: {e}\n{out}"));
                let n = |k: &str| v["not_evaluated"][k].as_u64().unwrap();
                assert_eq!(
                    v["accounts"].as_u64().unwrap()
                        + n("bad_records")
                        + n("before_holdout")
                        + n("no_outcome_date"),
                    n("records"),
                    "{what} --on-error {on_error}: every record accounted for\n{out}"
                );
            } else {
                assert!(!err.trim().is_empty(), "{what}: a failure says why");
            }
        }
    }
}

/// `icp diff` with `[outcomes]`: each changed ICP's validation before and
/// after on the same accounts. The fixture reweighted (hiring 30 -> 10) and
/// its filter tightened (employees >= 40): c1 (won), c2 (lost) and c5
/// (open) are newly filtered out; no account reaches 40 points, so tier A
/// is empty; B holds a1-a5 and b5-b7 (5 won, 3 lost: 62.5%), C b1-b4, c3
/// and c4 (2 won, 3 lost, 1 open: 40%). The score's AUC: (won, lost) at
/// 30: 4,1; 20: 1,2; 10: 2,1; 0: 0,2, so 4(5 + 0.5) + 1(3 + 1) + 2(2 + 0.5)
/// = 31 of 7 x 6: 0.738, from 0.759.
#[test]
fn diff_shows_the_validation_before_and_after() {
    let dir = temp_dir();
    for f in ["small.icp", "accounts.csv", "icp.toml"] {
        std::fs::copy(repo().join("tests/evidence/small").join(f), dir.join(f)).unwrap();
    }
    common::git(&dir, &["init", "-q"]);
    common::git(&dir, &["add", "-A"]);
    common::git(&dir, &["commit", "-q", "-m", "before"]);
    let path = dir.join("small.icp");
    let text = std::fs::read_to_string(&path).unwrap();
    let text = text
        .replace(
            "signal hiring: hiring weight 30",
            "signal hiring: hiring weight 10",
        )
        .replace(
            "filter sized: employees >= 10",
            "filter sized: employees >= 40",
        );
    std::fs::write(&path, text).unwrap();
    let (code, out, err) = icp(
        &dir,
        &[
            "diff",
            ".",
            "--data",
            "accounts.csv",
            "--format",
            "markdown",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let commit = common::git(&dir, &["rev-parse", "--short", "HEAD"]);
    let out = out.replace(commit.trim(), "<commit>");
    assert!(
        out.contains("**Validation** against won and lost deals: AUC 0.759 before, 0.738 after; 1 won account newly filtered out."),
        "{out}"
    );
    insta::assert_snapshot!("diff_validation_markdown", out);
    let (code, table, _) = icp(&dir, &["diff", ".", "--data", "accounts.csv"]);
    assert_eq!(code, 0);
    assert!(
        table.contains("validation against won and lost deals: AUC 0.759 before, 0.738 after"),
        "{table}"
    );
}

/// The warnings fire at their thresholds, on data built for them (the
/// fixture's ICP: hiring 30 and big (500+ employees) 20; A >= 40, B >= 20).
#[test]
fn warnings_fire_at_their_thresholds() {
    let codes = |rows: &[String]| -> Vec<(String, String)> {
        let dir = project(
            &format!("Id,Employees,Hiring,Stage\n{}\n", rows.join("\n")),
            OUTCOMES,
        );
        let (code, out, err) = validate_in(&dir, &["--format", "json"]);
        assert_eq!(code, 0, "{err}");
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        v["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| {
                let m = w["message"].as_str().unwrap();
                let subject = m
                    .split(['`', ' '])
                    .find(|s| ["A", "B", "C", "hiring", "big"].contains(s));
                (
                    w["code"].as_str().unwrap().to_string(),
                    subject.unwrap_or("").to_string(),
                )
            })
            .collect()
    };
    let row = |i: usize, emp: u32, hiring: bool, won: bool| {
        format!("{i},{emp},{hiring},{}", if won { "Won" } else { "Lost" })
    };
    // A (hiring and big): 10 won of 40, 25% (Wilson 14.2-40.2%); C (neither):
    // 30 won of 40, 75% (59.8-85.8%): C converts better beyond both
    // intervals (V0101); both signals win 25% when they fire and 75% when
    // not, against their positive weights (V0102); B is empty (V0106).
    let mut rows = Vec::new();
    for i in 0..40 {
        rows.push(row(i, 600, true, i < 10));
        rows.push(row(100 + i, 100, false, i < 30));
    }
    assert_eq!(
        codes(&rows),
        [
            ("V0101".into(), "C".into()),
            ("V0106".into(), "B".into()),
            ("V0102".into(), "hiring".into()),
            ("V0102".into(), "big".into()),
        ]
    );
    // hiring says exactly who won (V0107: AUC 1); big fires for 199 of
    // 200 (99.5%, V0104) and, firing for nearly everyone, barely tells won
    // from lost (IV 0.011, V0103); C holds one lost account (V0106).
    let mut rows = Vec::new();
    for i in 0..200 {
        rows.push(row(
            i,
            if i == 0 { 100 } else { 600 },
            i % 2 == 1,
            i % 2 == 1,
        ));
    }
    assert_eq!(
        codes(&rows),
        [
            ("V0106".into(), "C".into()),
            ("V0107".into(), "hiring".into()),
            ("V0103".into(), "big".into()),
            ("V0104".into(), "big".into()),
        ]
    );
    // big fires for 1 of 200 (0.5%, V0105).
    let mut rows = Vec::new();
    for i in 0..200 {
        rows.push(row(
            i,
            if i == 0 { 600 } else { 100 },
            i % 3 == 0,
            i % 2 == 0,
        ));
    }
    let found = codes(&rows);
    assert!(found.contains(&("V0105".into(), "big".into())), "{found:?}");
}
