//! `icp diff` end to end: a git repository is built inside each test from the
//! examples, changed in the working tree, and compared with its last commit.
#![allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

mod common;

use common::{git, icp, repo, temp_dir};
use std::path::{Path, PathBuf};

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{} lacks {from:?}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

/// A monorepo of two product folders (ERP and the two Acme products),
/// committed, so the working tree can be changed against `HEAD`.
fn monorepo() -> PathBuf {
    let dir = temp_dir();
    copy_dir(&repo().join("examples/erp"), &dir.join("products/erp"));
    copy_dir(
        &repo().join("examples/acme-print"),
        &dir.join("products/acme-print"),
    );
    git(&dir, &["init", "-q"]);
    git(&dir, &["add", "-A"]);
    git(&dir, &["commit", "-q", "-m", "ICPs as they are"]);
    dir
}

/// The short commit id changes whenever an example does; the report's
/// shape is what the snapshots hold.
fn redact(dir: &Path, text: &str) -> String {
    let commit = git(dir, &["rev-parse", "--short", "HEAD"]);
    text.replace(commit.trim(), "<commit>")
}

/// The changes a pull request might make: a reweight, a tighter filter, a
/// looser one, a tier threshold, a removed signal, a new exclusion, and a segment edited
/// in a shared file (which only shows through the rules that use it).
fn change_icps(dir: &Path) {
    let erp = dir.join("products/erp/icp.icp");
    edit(
        &erp,
        "it_budget >= $1M weight 20",
        "it_budget >= $1M weight 30",
    );
    edit(&erp, "employees in 500..=2000", "employees in 500..=1500");
    edit(&erp, "tier A: score >= 60", "tier A: score >= 55");
    edit(&erp, r#""PL", "CN"]"#, r#""PL", "CN", "FR"]"#);
    edit(
        &erp,
        "  signal rejected_rival: competitor_status == rejected weight -10\n",
        "",
    );
    let shared = dir.join("products/acme-print/shared/accounts.icp");
    edit(&shared, "employees >= 50 and", "employees >= 80 and");
    let clothing = dir.join("products/acme-print/clothing/icp.icp");
    let text = std::fs::read_to_string(&clothing).unwrap();
    let at = text.find("  signal").unwrap();
    let mut changed = text.clone();
    changed.insert_str(at, "  exclude resellers: channel == reseller\n\n");
    std::fs::write(&clothing, changed).unwrap();
}

/// `--format html -o`: one page, fetching nothing, with a tier chart and a
/// heat map per measured ICP; its outline is snapshot.
#[test]
fn a_pull_request_as_a_page() {
    let dir = monorepo();
    change_icps(&dir);
    let (code, out, err) = icp(
        &dir,
        &["diff", "products", "--format", "html", "-o", "diff.html"],
    );
    assert_eq!((code, out.as_str()), (0, ""), "{err}");
    let html = std::fs::read_to_string(dir.join("diff.html")).unwrap();
    common::page::assert_self_contained(&html);
    insta::assert_snapshot!("diff_html", redact(&dir, &common::page::outline(&html)));
    // The same page to standard output; and never over an input.
    let (_, stdout, _) = icp(&dir, &["diff", "products", "--format", "html"]);
    assert_eq!(stdout, html);
    let (code, _, err) = icp(
        &dir,
        &[
            "diff",
            "products",
            "--format",
            "html",
            "-o",
            "products/erp/icp.icp",
        ],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("is an input"), "{err}");
}

#[test]
fn a_pull_request_in_every_format() {
    let dir = monorepo();
    change_icps(&dir);
    // The tests of the changed ICPs may now fail; diff must still report.
    for (format, name) in [
        ("table", "diff_table"),
        ("markdown", "diff_markdown"),
        ("json", "diff_json"),
    ] {
        let (code, out, err) = icp(&dir, &["diff", "products", "--format", format]);
        assert_eq!(code, 0, "{err}");
        insta::assert_snapshot!(name, redact(&dir, &out));
    }
    let (_, out, _) = icp(&dir, &["diff", "products", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    for icp in v["icps"].as_array().unwrap() {
        let Some(impact) = icp["impact"].as_object() else {
            continue;
        };
        // Every readable account is in exactly one cell of the matrix.
        let placed: u64 = impact["transitions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["accounts"].as_u64().unwrap())
            .sum();
        assert_eq!(
            placed + impact["unreadable"].as_u64().unwrap(),
            impact["accounts"].as_u64().unwrap()
        );
        let moved_out = |before: &str, after: &str| -> u64 {
            impact["transitions"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|t| t["before"] != "excluded" && t["before"] == before)
                .filter(|t| t["after"] == after)
                .map(|t| t["accounts"].as_u64().unwrap())
                .sum()
        };
        // Newly excluded accounts are those that went from a tier to excluded.
        let newly: u64 = impact["newly_excluded"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["accounts"].as_u64().unwrap())
            .sum();
        let tiers_to_excluded: u64 = ["A", "B", "C", "no tier"]
            .iter()
            .map(|t| moved_out(t, "excluded"))
            .sum();
        assert_eq!(newly, tiers_to_excluded, "{icp}");
    }
    // The segment edit shows on the filter that uses it, in the ICP that imports it.
    let stationery = v["icps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["icp"] == "stationery")
        .unwrap();
    assert_eq!(stationery["changes"][0]["name"], "sized");
    assert!(stationery["changes"][0]["note"]
        .as_str()
        .unwrap()
        .contains("segment"));
}

#[test]
fn layout_and_comments_are_no_change_and_git_is_read_not_the_disk() {
    let dir = monorepo();
    let erp = dir.join("products/erp/icp.icp");
    edit(
        &erp,
        "  signal budget:",
        "  // budgets are in USD\n  signal   budget:",
    );
    let (code, out, err) = icp(&dir, &["diff", "products/erp"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("0 of 1 ICP changed since `HEAD`"), "{out}");
    assert!(out.contains("unchanged"), "{out}");
    // A revision other than HEAD: the change is committed on a branch and
    // compared with `main`, while the working tree stays as it is.
    edit(&erp, "weight 20", "weight 22");
    git(&dir, &["checkout", "-q", "-b", "tune"]);
    git(&dir, &["commit", "-q", "-am", "tune"]);
    let (code, out, _) = icp(&dir, &["diff", "--base", "main", "products/erp"]);
    assert_eq!(code, 0);
    assert!(out.contains("reweighted"), "{out}");
    let (_, out, _) = icp(&dir, &["diff", "products/erp"]);
    assert!(out.contains("unchanged"), "{out}");
    assert_eq!(git(&dir, &["status", "--porcelain"]), "");
    // From inside a product folder too.
    let (code, out, err) = icp(&dir.join("products/erp"), &["diff", "--base", "main"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("reweighted"), "{out}");
}

#[test]
fn new_removed_and_broken_icps() {
    let dir = monorepo();
    // A new product with no sample data, and a removed one.
    let new = dir.join("products/new");
    std::fs::create_dir_all(&new).unwrap();
    std::fs::copy(dir.join("products/erp/icp.icp"), new.join("icp.icp")).unwrap();
    std::fs::copy(
        dir.join("products/erp/accounts.icp"),
        new.join("accounts.icp"),
    )
    .unwrap();
    std::fs::remove_dir_all(dir.join("products/acme-print/clothing")).unwrap();
    let (code, out, err) = icp(&dir, &["diff", "products", "--format", "markdown"]);
    assert_eq!(code, 0, "{err}");
    insta::assert_snapshot!("diff_new_and_removed", redact(&dir, &out));

    // A base where one product does not compile: that file is named, its
    // ICP is not compared (not shown as new), and every other product's
    // change is still reported.
    let dir = monorepo();
    let erp = dir.join("products/erp/icp.icp");
    edit(&erp, "weight 20", "weight twenty");
    git(&dir, &["commit", "-q", "-am", "broken"]);
    edit(&erp, "weight twenty", "weight 20");
    change_icps(&dir);
    let (code, out, _) = icp(&dir, &["diff", "products"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("error: `products/erp/icp.icp` (ERP connector) does not compile at `HEAD`"),
        "{out}"
    );
    assert!(
        out.contains("mid_market_manufacturing (products/erp/icp.icp): not compared"),
        "{out}"
    );
    assert!(!out.contains(": new"), "{out}");
    assert!(
        out.contains("Branded clothing"),
        "other products are compared: {out}"
    );
    assert!(out.contains(": changed"), "{out}");

    // A working tree where one product does not compile: its errors are
    // shown and the run fails, but the other products are still reported.
    edit(&erp, "weight 20", "weight twenty");
    let (code, out, err) = icp(&dir, &["diff", "products"]);
    assert_eq!(code, 1);
    assert!(err.contains("error[E0"), "{err}");
    assert!(
        out.contains("`products/erp/icp.icp` (ERP connector) does not compile in the working tree"),
        "{out}"
    );
    assert!(out.contains(": changed"), "{out}");
    let (code, out, _) = icp(&dir, &["diff", "products", "--format", "json"]);
    assert_eq!(code, 1);
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["broken"][0]["side"], "working tree", "{json}");
    assert_eq!(json["broken"][0]["file"], "products/erp/icp.icp", "{json}");
}

#[test]
fn data_problems_and_usage_errors() {
    let dir = monorepo();
    change_icps(&dir);
    // Accounts that lack a column the ICP reads: said in the report.
    std::fs::write(dir.join("thin.csv"), "Account ID,Industry\n1,automotive\n").unwrap();
    let (code, out, _) = icp(&dir, &["diff", "products/erp", "--data", "thin.csv"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("impact not measured: `thin.csv` lacks columns"),
        "{out}"
    );
    // Rows that cannot be read are counted, never dropped silently.
    let csv = std::fs::read_to_string(dir.join("products/erp/accounts.csv")).unwrap();
    let mut lines: Vec<&str> = csv.lines().collect();
    lines.insert(2, "x,y");
    std::fs::write(dir.join("bad.csv"), lines.join("\n") + "\n").unwrap();
    let (_, out, _) = icp(
        &dir,
        &[
            "diff",
            "products/erp",
            "--data",
            "bad.csv",
            "--format",
            "json",
        ],
    );
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["icps"][0]["impact"]["unreadable"], 1);

    let (code, _, err) = icp(&dir, &["diff", "products", "--base", "no-such-branch"]);
    assert_eq!(code, 2);
    assert!(err.contains("`no-such-branch` is not a commit"), "{err}");
    let outside = temp_dir();
    copy_dir(&repo().join("examples/erp"), &outside.join("erp"));
    let (code, _, err) = icp(&outside, &["diff", "erp"]);
    assert_eq!(code, 2);
    assert!(err.contains("is not inside a git repository"), "{err}");
}

#[test]
fn renames_moves_and_enum_values_say_exactly_what_changed() {
    let dir = monorepo();
    // A value added to an enum that rules use: no rule's result can change.
    let shared = dir.join("products/acme-print/shared/accounts.icp");
    edit(
        &shared,
        "enum Channel { direct, reseller, marketplace }",
        "enum Channel { direct, wholesale, reseller, marketplace }",
    );
    let (code, out, err) = icp(&dir, &["diff", "products"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("0 of 3 ICPs changed"), "{out}");
    git(&dir, &["commit", "-q", "-am", "enum"]);

    // An ICP renamed, and a product folder moved: paired, not removed + new.
    let clothing = dir.join("products/acme-print/clothing/icp.icp");
    edit(&clothing, "icp clothing ", "icp branded_clothing ");
    git(&dir, &["mv", "products/erp", "products/erp-connector"]);
    let (code, out, err) = icp(&dir, &["diff", "products"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("2 of 3 ICPs changed"), "{out}");
    assert!(
        out.contains("branded_clothing (products/acme-print/clothing/icp.icp): renamed\n    renamed from `clothing`"),
        "{out}"
    );
    assert!(
        out.contains("mid_market_manufacturing (products/erp-connector/icp.icp): moved\n    moved from `products/erp/icp.icp`"),
        "{out}"
    );
    assert!(
        !out.contains(": new") && !out.contains(": removed"),
        "{out}"
    );
    let (_, json, _) = icp(&dir, &["diff", "products", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    let icps = json["icps"].as_array().unwrap();
    assert_eq!(icps.len(), 3, "{json}");
    assert!(icps
        .iter()
        .any(|i| i["status"] == "moved" && i["was"] == "moved from `products/erp/icp.icp`"));
}

#[test]
fn a_deleted_product_is_measured_on_its_sample_data_at_the_base() {
    let dir = monorepo();
    std::fs::remove_dir_all(dir.join("products/erp")).unwrap();
    for format in ["table", "markdown", "json"] {
        let (code, out, err) = icp(&dir, &["diff", "products", "--format", format]);
        assert_eq!(code, 0, "{err}");
        assert!(out.contains("removed"), "{out}");
        assert!(
            out.contains("products/erp/accounts.csv"),
            "measured on the base's sample data: {out}"
        );
        assert!(
            !out.contains("not measured") && !out.contains("cannot read"),
            "{out}"
        );
        // No absolute path of the machine appears in a report.
        assert!(!out.contains(dir.to_str().unwrap()), "{out}");
    }
    let (_, out, _) = icp(&dir, &["diff", "products"]);
    assert!(
        out.contains("impact on 26 accounts in products/erp/accounts.csv"),
        "{out}"
    );
    // A data file that cannot be read is named as the command line names it.
    let (_, out, _) = icp(&dir, &["diff", "products", "--data", "nope.csv"]);
    assert!(
        out.contains("`nope.csv`") && !out.contains(dir.to_str().unwrap()),
        "{out}"
    );
}
