//! `icp report` and `icp explain --to` end to end: the page's structure on
//! every example (snapshots of its outline: sections, captions, tables, and
//! each chart as its title and counts), determinism, escaping of hostile
//! text, nothing fetched, and atomic output.
#![allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

mod common;

use common::page::{assert_self_contained, outline};
use common::{icp, icp_env, repo, temp_dir};

/// (name, ICP file, data, extra arguments)
const EXAMPLES: &[(&str, &str, &str, &[&str])] = &[
    (
        "erp",
        "examples/erp/icp.icp",
        "examples/erp/accounts.csv",
        &["--contacts", "examples/erp/contacts.csv"],
    ),
    (
        "saas",
        "examples/saas/icp.icp",
        "examples/saas/companies.csv",
        &[],
    ),
    (
        "intent",
        "examples/intent/icp.icp",
        "examples/intent/accounts.csv",
        &[],
    ),
    (
        "clothing",
        "examples/acme-print/clothing/icp.icp",
        "examples/acme-print/shared/accounts.csv",
        &[],
    ),
    (
        "known",
        "tests/browser/fixture/icp.icp",
        "tests/browser/fixture/accounts.csv",
        &[],
    ),
];

#[test]
fn report_of_every_example() {
    for (name, file, data, extra) in EXAMPLES {
        let mut args = vec!["report", file, data];
        args.extend_from_slice(extra);
        let (code, html, err) = icp(&repo(), &args);
        assert_eq!(code, 0, "{name}: {err}");
        assert_self_contained(&html);
        insta::assert_snapshot!(format!("report_{name}"), outline(&html));
    }
}

#[test]
fn the_known_fixture_draws_what_it_counts() {
    let (code, html, err) = icp(
        &repo(),
        &[
            "report",
            "tests/browser/fixture/icp.icp",
            "tests/browser/fixture/accounts.csv",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let charts: Vec<String> = outline(&html)
        .lines()
        .filter(|l| l.starts_with("[chart"))
        .map(String::from)
        .collect();
    // The same counts the browser test (tests/browser/) asserts.
    assert_eq!(
        charts,
        [
            "[chart \"Accounts left after each filter and exclusion\": 3 bars, 0 points, 0 markers]",
            "[chart \"Accounts per tier\": 3 bars, 0 points, 0 markers]",
            "[chart \"Score distribution with the tier thresholds\": 13 bars, 0 points, 2 markers]",
            "[chart \"How often each signal fires or is unknown\": 6 bars, 0 points, 0 markers]",
            "[chart \"Points at stake for missing data, per field\": 2 bars, 0 points, 0 markers]",
            "[chart \"Win rate per tier with its 95% interval\": 3 bars, 0 points, 0 markers]",
            "[chart \"Cumulative gains: share of wins found by the best-scored accounts\": 0 bars, 7 points, 0 markers]",
            "[chart \"ROC curve of the score (AUC 0.900)\": 0 bars, 7 points, 0 markers]",
            "[chart \"Won deals removed by each filter\": 2 bars, 0 points, 0 markers]",
        ]
    );
    assert!(html.contains("overdue by 214 days"));
}

#[test]
fn same_bytes_for_any_thread_count_and_to_a_file() {
    let dir = temp_dir();
    let out = dir.join("report.html");
    let args = [
        "report",
        "examples/erp/icp.icp",
        "examples/erp/accounts.csv",
        "--contacts",
        "examples/erp/contacts.csv",
    ];
    let (_, one, _) = icp_env(&repo(), &args, &[("ICP_THREADS", "1")], None);
    let (_, three, _) = icp_env(&repo(), &args, &[("ICP_THREADS", "3")], None);
    assert_eq!(one, three);
    let mut with_o = args.to_vec();
    let target = out.to_str().unwrap();
    with_o.extend(["-o", target]);
    let (code, stdout, err) = icp(&repo(), &with_o);
    assert_eq!((code, stdout.as_str()), (0, ""), "{err}");
    assert_eq!(std::fs::read_to_string(&out).unwrap(), one);
}

#[test]
fn hostile_text_is_shown_never_run() {
    let dir = temp_dir();
    std::fs::write(
        dir.join("icp.icp"),
        r#"schema S {
  id: text key
  note: text? from "<b onmouseover=alert(1)>Note</b>"
  n: int
}
icp evil "</title><script>alert('title')</script>" for S {
  owner "<img src=x onerror=alert(1)>"
  reviewed 2026-10-01 every 90d
  filter ok: n >= 0 because "<iframe>"
  signal tagged: note == "<script>x</script>" weight 10
  signal big: n >= 5 weight 20
  tier A: score >= 20
  tier B: otherwise
}
"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("<svg onload=alert(1)>.csv"),
        "id,<b onmouseover=alert(1)>Note</b>,n\n\"<script>alert('id')</script>\",\"<script>x</script>\",1\n\"a&b\",,9\n\"<img src=x>\",,2\n",
    )
    .unwrap();
    let (code, html, err) = icp(
        &dir,
        &[
            "report",
            "icp.icp",
            "<svg onload=alert(1)>.csv",
            "--as-of",
            "2026-11-01",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert_self_contained(&html);
    assert!(html.contains("&lt;/title&gt;&lt;script&gt;alert(&#39;title&#39;)&lt;/script&gt;"));
    assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"));
    assert!(html.contains("&lt;svg onload=alert(1)&gt;.csv"));
    // The near miss's id is a cell of the file.
    assert!(html.contains("&lt;img src=x&gt;"), "{html}");
}

#[test]
fn the_data_file_is_never_shown_by_an_absolute_path() {
    let data = repo().join("examples/erp/accounts.csv");
    let data = std::fs::canonicalize(data).unwrap();
    let dir = temp_dir();
    let icp_file = std::fs::canonicalize(repo().join("examples/erp/icp.icp")).unwrap();
    let (code, html, err) = icp(
        &dir,
        &["report", icp_file.to_str().unwrap(), data.to_str().unwrap()],
    );
    assert_eq!(code, 0, "{err}");
    assert!(html.contains("<code>accounts.csv</code>"));
    assert!(!html.contains(data.to_str().unwrap()));
}

#[test]
fn bad_data_and_inputs_write_nothing() {
    let dir = temp_dir();
    std::fs::copy(repo().join("examples/erp/icp.icp"), dir.join("icp.icp")).unwrap();
    std::fs::copy(
        repo().join("examples/erp/accounts.icp"),
        dir.join("accounts.icp"),
    )
    .unwrap();
    let csv = std::fs::read_to_string(repo().join("examples/erp/accounts.csv")).unwrap();
    std::fs::write(dir.join("accounts.csv"), &csv).unwrap();
    // A report over its own input is refused.
    let (code, _, err) = icp(
        &dir,
        &["report", "icp.icp", "accounts.csv", "-o", "accounts.csv"],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("is an input"), "{err}");
    assert_eq!(
        std::fs::read_to_string(dir.join("accounts.csv")).unwrap(),
        csv
    );
    // A bad cell fails the run and leaves no file, nor a temporary one.
    let bad = csv.replacen(",800,", ",eight hundred,", 1);
    std::fs::write(dir.join("bad.csv"), bad).unwrap();
    let (code, _, err) = icp(&dir, &["report", "icp.icp", "bad.csv", "-o", "r.html"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("record 1"), "{err}");
    let left: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("r.html") || n.starts_with('.'))
        .collect();
    assert!(left.is_empty(), "{left:?}");
    // With --on-error skip, the record is left out and said so.
    let (code, html, err) = icp(
        &dir,
        &["report", "icp.icp", "bad.csv", "--on-error", "skip"],
    );
    assert_eq!(code, 0, "{err}");
    assert!(html.contains("1 left out (unreadable or bad data)"));
}

#[test]
fn what_would_it_take_in_text_and_json() {
    for (id, to) in [
        ("0012", "A"),
        ("0014", "A"),
        ("0015", "B"),
        ("0016", "B"),
        ("0011", "B"),
    ] {
        for format in ["text", "json"] {
            let (code, out, err) = icp(
                &repo(),
                &[
                    "explain",
                    "examples/erp/icp.icp",
                    "examples/erp/accounts.csv",
                    "--id",
                    id,
                    "--to",
                    to,
                    "--format",
                    format,
                ],
            );
            assert_eq!(code, 0, "{err}");
            insta::assert_snapshot!(format!("explain_to_{id}_{to}_{format}"), out);
        }
    }
    let (code, _, err) = icp(
        &repo(),
        &[
            "explain",
            "examples/erp/icp.icp",
            "examples/erp/accounts.csv",
            "--id",
            "0012",
            "--to",
            "AA",
        ],
    );
    assert_eq!(code, 2);
    assert!(err.contains("has no tier `AA`; did you mean `A`?"), "{err}");
}

#[test]
fn outcomes_named_by_flags_must_be_measurable() {
    let (code, html, err) = icp(
        &repo(),
        &[
            "report",
            "examples/erp/icp.icp",
            "examples/erp/accounts.csv",
            "--outcome",
            "Stage",
            "--won",
            "Won",
            "--lost",
            "Lost",
        ],
    );
    assert_eq!((code, html.as_str()), (1, ""));
    assert!(err.contains("no column `Stage`"), "{err}");
}

#[test]
fn outcomes_from_icp_toml_that_cannot_be_measured_are_said_so() {
    let dir = temp_dir();
    for f in ["icp.icp", "accounts.csv", "icp.toml"] {
        std::fs::copy(repo().join("tests/browser/fixture").join(f), dir.join(f)).unwrap();
    }
    let toml = std::fs::read_to_string(dir.join("icp.toml")).unwrap();
    std::fs::write(
        dir.join("icp.toml"),
        toml.replace("column = \"outcome\"", "column = \"Stage\""),
    )
    .unwrap();
    let (code, html, err) = icp(&dir, &["report", "icp.icp", "accounts.csv"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("warning: icp.toml's [outcomes] cannot be measured on `accounts.csv`"),
        "{err}"
    );
    assert!(html.contains("The outcomes are configured but could not be measured"));
    assert!(!html.contains("id=\"roc\""));
}

/// `icp diff --format html` with outcomes: the validation before and after
/// is on the page too, as the Markdown has it.
#[test]
fn the_diff_page_shows_the_validation_before_and_after() {
    let dir = temp_dir();
    for f in ["small.icp", "accounts.csv", "icp.toml"] {
        std::fs::copy(repo().join("tests/evidence/small").join(f), dir.join(f)).unwrap();
    }
    common::git(&dir, &["init", "-q"]);
    common::git(&dir, &["add", "-A"]);
    common::git(&dir, &["commit", "-q", "-m", "before"]);
    let path = dir.join("small.icp");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        text.replace(
            "signal hiring: hiring weight 30",
            "signal hiring: hiring weight 10",
        ),
    )
    .unwrap();
    let args = ["diff", ".", "--data", "accounts.csv", "--format"];
    let (code, html, err) = icp(&dir, &[&args[..], &["html"]].concat());
    assert_eq!(code, 0, "{err}");
    assert_self_contained(&html);
    let (_, markdown, _) = icp(&dir, &[&args[..], &["markdown"]].concat());
    assert!(markdown.contains("**Validation**"), "{markdown}");
    let page = outline(&html);
    let section = page
        .split_once("Validation against won and lost deals")
        .map(|(_, rest)| rest)
        .expect("a validation section");
    // The same rows as the Markdown's table, cell for cell.
    let rows: Vec<&str> = section
        .lines()
        .filter(|l| l.starts_with("| "))
        .skip(1)
        .collect();
    assert!(rows.len() >= 3, "{section}");
    for row in rows {
        let cells: Vec<&str> = row.trim_start_matches("| ").split(" | ").collect();
        let md = format!("| {} |", cells.join(" | "));
        assert!(markdown.contains(&md), "{md} not in\n{markdown}");
    }
}
