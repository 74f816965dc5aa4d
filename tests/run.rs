//! Running ICPs end to end: plans, scores and explanations of every example
//! (snapshots), `icp test`, and every bad-data path of `icp score`.
#![allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

mod common;

use common::{git, icp, icp_env, repo, temp_dir};
use std::path::{Path, PathBuf};

/// (product folder, ICP file, sample data, ICP name, an account to explain)
const EXAMPLES: &[(&str, &str, &str, &str, &str)] = &[
    (
        "erp",
        "examples/erp/icp.icp",
        "examples/erp/accounts.csv",
        "mid_market_manufacturing",
        "0013",
    ),
    (
        "saas",
        "examples/saas/icp.icp",
        "examples/saas/companies.csv",
        "pipeline_analytics",
        "paystack.ng",
    ),
    (
        "intent",
        "examples/intent/icp.icp",
        "examples/intent/accounts.csv",
        "in_market",
        "A-1003",
    ),
    (
        "stationery",
        "examples/acme-print/stationery/icp.icp",
        "examples/acme-print/shared/accounts.csv",
        "stationery",
        "9008",
    ),
    (
        "clothing",
        "examples/acme-print/clothing/icp.icp",
        "examples/acme-print/shared/accounts.csv",
        "clothing",
        "9012",
    ),
];

#[test]
fn every_example_plan_score_and_explanation() {
    for (name, file, data, icp_name, id) in EXAMPLES {
        let (code, plan, err) = icp(&repo(), &["compile", file, "--icp", icp_name]);
        assert_eq!(code, 0, "{err}");
        insta::assert_snapshot!(format!("plan_{name}"), plan);
        let (code, scored, summary) = icp(
            &repo(),
            &["score", file, data, "--icp", icp_name, "--format", "csv"],
        );
        assert_eq!(code, 0, "{summary}");
        insta::assert_snapshot!(
            format!("score_{name}"),
            format!("{scored}\n----- summary (stderr) -----\n{summary}")
        );
        let (code, why, err) = icp(
            &repo(),
            &["explain", file, data, "--icp", icp_name, "--id", id],
        );
        assert_eq!(code, 0, "{err}");
        insta::assert_snapshot!(format!("explain_{name}"), why);
    }
}

#[test]
fn example_tests_pass_and_failures_explain_themselves() {
    let (code, out, err) = icp(&repo(), &["test", "examples"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.ends_with("test: 15 passed, 0 failed\n"), "{out}");

    let dir = temp_dir();
    let src = "schema S { id: text key\n n: int }\nicp i for S {\n  owner \"o@example.com\"\n  reviewed 2026-10-01 every 90d\n  signal big: n > 10 weight 5\n  tier A: score >= 5\n  tier B: otherwise\n  test \"wrong\" {\n    given { n: 3 }\n    expect tier A\n  }\n}\n";
    std::fs::write(dir.join("x.icp"), src).unwrap();
    let (code, out, _) = icp(&dir, &["test", "--as-of", "2026-11-01", "x.icp"]);
    assert_eq!(code, 1);
    assert!(
        out.contains("expected tier `A`, got tier `B` (score 0)"),
        "{out}"
    );
    assert!(
        out.contains("saw n = 3"),
        "the failure shows the explanation: {out}"
    );
    let (_, xml, _) = icp(
        &dir,
        &[
            "test",
            "--format",
            "junit",
            "--as-of",
            "2026-11-01",
            "x.icp",
        ],
    );
    assert!(
        xml.contains("<testsuites name=\"icp\" tests=\"1\" failures=\"1\" errors=\"0\">")
            && xml.contains("<failure message=\"expected tier `A`"),
        "{xml}"
    );
}

#[test]
fn one_broken_product_hides_no_other_products_tests() {
    let dir = temp_dir();
    let icp_of = |test_tier: &str, signal: &str| {
        format!("schema S {{ id: text key\n n: int }}\nicp i for S {{\n  owner \"o@example.com\"\n  reviewed 2026-10-01 every 90d\n  signal big: {signal} weight 5\n  tier A: score >= 5\n  tier B: otherwise\n  test \"t\" {{\n    given {{ n: 30 }}\n    expect tier {test_tier}\n  }}\n}}\n")
    };
    for (product, text) in [
        ("broken", icp_of("A", "n > $10")),
        ("failing", icp_of("B", "n > 10")),
        ("fine", icp_of("A", "n > 10")),
    ] {
        std::fs::create_dir_all(dir.join(product)).unwrap();
        std::fs::write(
            dir.join(product).join("icp.toml"),
            format!("[project]\nname = \"{product}\"\nas_of = \"2026-11-01\"\n"),
        )
        .unwrap();
        std::fs::write(dir.join(product).join("icp.icp"), text).unwrap();
    }
    let (code, out, err) = icp(&dir, &["test", "."]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(err.contains("error[E0303]"), "the errors are shown: {err}");
    assert!(
        err.contains("`broken/icp.icp` (broken) does not compile: its tests were not run"),
        "{err}"
    );
    assert!(
        out.contains("test failing/icp.icp:9 i \"t\" ... FAILED"),
        "{out}"
    );
    assert!(out.contains("test fine/icp.icp:9 i \"t\" ... ok"), "{out}");
    let (code, xml, _) = icp(&dir, &["test", "--format", "junit", "."]);
    assert_eq!(code, 1);
    assert!(
        xml.contains("tests=\"3\" failures=\"1\" errors=\"1\"")
            && xml.contains("<testcase classname=\"broken/icp.icp\" name=\"compiles\">")
            && xml.contains("<error message=\"`broken/icp.icp` (broken) does not compile"),
        "{xml}"
    );
}

fn erp(dir: &Path) -> PathBuf {
    let target = dir.join("icp.icp");
    std::fs::copy(
        repo().join("examples/erp/accounts.icp"),
        dir.join("accounts.icp"),
    )
    .unwrap();
    std::fs::copy(repo().join("examples/erp/icp.icp"), &target).unwrap();
    std::fs::write(dir.join("icp.toml"), "[project]\nas_of = \"2026-11-01\"\n").unwrap();
    target
}

const HEADER: &str = "Account ID,Account Name,Industry,Employees,IT Budget,Billing Country,ERP Systems,Technologies,Plants,Site Visits (30d),Competitor Status,Last Activity\n";

#[test]
fn a_missing_column_is_an_error_before_any_row() {
    let dir = temp_dir();
    erp(&dir);
    std::fs::write(
        dir.join("a.csv"),
        HEADER
            .replace("Employees", "Employee")
            .replace("Plants,", ""),
    )
    .unwrap();
    let (code, out, err) = icp(&dir, &["score", "icp.icp", "a.csv", "-o", "out.csv"]);
    assert_eq!(code, 1);
    assert!(out.is_empty() && !dir.join("out.csv").exists());
    assert!(
        err.contains("no column `Employees` (field `employees`); did you mean `Employee`?"),
        "{err}"
    );
    assert!(
        err.contains("no column `Plants` (field `plants`)"),
        "every missing column is listed: {err}"
    );
}

#[test]
fn bad_cells_are_located_and_handled_as_asked() {
    let dir = temp_dir();
    erp(&dir);
    let rows = "1,Good,manufacturing,800,,US,SAP,,,1,,\n2,Bad size,manufacturing,many,,US,SAP,,,1,,\n3,Bad date,manufacturing,900,,US,SAP,,,1,,2026-13-01\n4,Short,manufacturing\n5,Good too,automotive,900,,US,SAP,,,1,,\n";
    std::fs::write(dir.join("a.csv"), format!("{HEADER}{rows}")).unwrap();
    std::fs::write(dir.join("out.csv"), "previous results\n").unwrap();

    let (code, out, err) = icp(&dir, &["score", "icp.icp", "a.csv", "-o", "out.csv"]);
    assert_eq!((code, out.as_str()), (1, ""));
    assert!(
        err.contains("record 2: column `Employees`: `many` is not a whole number"),
        "{err}"
    );
    assert!(
        err.contains(
            "record 3: column `Last Activity`: `2026-13-01` is not a date such as 2026-09-01"
        ),
        "{err}"
    );
    assert!(
        err.contains("record 4: has 3 fields, the header has 12"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("out.csv")).unwrap(),
        "previous results\n",
        "a failed run leaves the output untouched"
    );
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        5,
        "no temporary file is left behind"
    );

    let (code, out, err) = icp(
        &dir,
        &[
            "score",
            "icp.icp",
            "a.csv",
            "--on-error",
            "skip",
            "--columns",
            "id,tier",
        ],
    );
    assert_eq!(code, 0);
    assert_eq!(out, "id,tier\n1,C\n5,C\n");
    assert!(
        err.contains("left out 1 record that could not be read")
            && err.contains("skipped 2 records with bad data"),
        "{err}"
    );

    let (code, out, err) = icp(
        &dir,
        &[
            "score",
            "icp.icp",
            "a.csv",
            "--on-error",
            "missing",
            "--columns",
            "id,removed_by,tier",
        ],
    );
    assert_eq!(code, 0);
    assert_eq!(
        out, "id,removed_by,tier\n1,,C\n2,right_size,\n3,,C\n5,,C\n",
        "a missing size fails the size filter"
    );
    assert!(err.contains("treated 2 bad cells as missing"), "{err}");
}

#[test]
fn text_encodings_quoting_and_formulas() {
    let dir = temp_dir();
    erp(&dir);
    // BOM, a quoted name with a comma and a quote, non-ASCII, invalid UTF-8 in
    // a column the ICP does not read, a formula-looking id.
    let mut bytes = b"\xef\xbb\xbf".to_vec();
    bytes.extend_from_slice(HEADER.as_bytes());
    bytes.extend_from_slice(
        "\"=cmd|' /C calc'!A0\",\"Acme, \"\"the\"\" best\",manufacturing,800,,US,SAP,,,1,,\n"
            .as_bytes(),
    );
    bytes.extend_from_slice(b"7,Bad \xff name,manufacturing,900,,US,SAP,,,1,,\n");
    bytes.extend_from_slice(
        "8,Zak\u{142}ad \u{141}\u{f3}d\u{17a},manufacturing,900,,US,SAP,,,1,,\n".as_bytes(),
    );
    std::fs::write(dir.join("a.csv"), &bytes).unwrap();
    let (code, out, err) = icp(&dir, &["score", "icp.icp", "a.csv", "--columns", "id,tier"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "id,tier\n'=cmd|' /C calc'!A0,C\n7,C\n8,C\n");

    // Invalid UTF-8 in a column the ICP reads is a located error.
    std::fs::write(
        dir.join("b.csv"),
        [
            HEADER.as_bytes(),
            b"9,X,manufacturing,900,,U\xffS,SAP,,,1,,\n",
        ]
        .concat(),
    )
    .unwrap();
    let (code, _, err) = icp(&dir, &["score", "icp.icp", "b.csv"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("record 1: column `Billing Country`: `U\u{fffd}S` is not UTF-8 text"),
        "{err}"
    );
    // An id that is not UTF-8, kept with --on-error missing, is written with
    // the bad byte shown, not as an empty id; on the fast split and on the
    // csv crate's (a stray quote sends the chunk there).
    for name in ["Ana", "An\"a"] {
        std::fs::write(
            dir.join("c.csv"),
            [
                HEADER.as_bytes(),
                b"9\xff1,",
                name.as_bytes(),
                b",manufacturing,900,,US,SAP,,,1,,\n",
            ]
            .concat(),
        )
        .unwrap();
        let (code, out, err) = icp(
            &dir,
            &[
                "score",
                "icp.icp",
                "c.csv",
                "--on-error",
                "missing",
                "--columns",
                "id,tier",
            ],
        );
        assert_eq!(
            (code, out.as_str()),
            (0, "id,tier\n9\u{fffd}1,C\n"),
            "{err}"
        );
        assert!(err.contains("treated 1 bad cell as missing"), "{err}");
    }
}

#[test]
fn crlf_and_quotes_the_fast_split_refuses_read_as_the_csv_crate_reads_them() {
    let dir = temp_dir();
    erp(&dir);
    let rows = [
        "1,\"Acme, \"\"the\"\" best\",manufacturing,800,2000000,US,SAP,Snowflake;dbt,4,7,,\n",
        "2,Plain,manufacturing,900,,DE,SAP,,,12,in_cycle,2026-10-01\n",
        "3,,education,900,,US,SAP,,,1,,\n",
    ];
    let score = |name: &str, text: String| {
        std::fs::write(dir.join(name), text).unwrap();
        let (code, out, err) = icp(
            &dir,
            &["score", "icp.icp", name, "--columns", "id,score,tier,fired"],
        );
        assert_eq!(code, 0, "{err}");
        out
    };
    let regular = score("a.csv", format!("{HEADER}{}", rows.concat()));
    assert_eq!(regular.lines().count(), 4, "{regular}");
    // CRLF line ends, and an empty line.
    let crlf = format!("{HEADER}{}\n", rows.concat()).replace('\n', "\r\n");
    assert_eq!(score("b.csv", crlf), regular);
    // A quote inside an unquoted field: the csv crate reads it as a
    // character, and so does icp.
    let stray = format!("{HEADER}{}", rows.concat()).replace(",Plain,", ",Pl\"ain,");
    assert_eq!(score("c.csv", stray), regular);
    // CR line ends (old Mac style): a file with no LF at all.
    let cr = format!("{HEADER}{}", rows.concat()).replace('\n', "\r");
    assert_eq!(score("e.csv", cr), regular);
    // A lone CR ends a record for the csv crate, and for icp.
    let lone_cr = format!("{HEADER}{}", rows.concat()).replace("3,,", "3,x\ry,");
    std::fs::write(dir.join("d.csv"), lone_cr).unwrap();
    let (code, _, err) = icp(&dir, &["score", "icp.icp", "d.csv"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("record 3: has 2 fields, the header has 12"),
        "{err}"
    );
}

#[test]
fn json_lines_tsv_and_stdin() {
    let dir = temp_dir();
    erp(&dir);
    let jsonl = "{\"Account ID\": \"1\", \"Account Name\": \"A\", \"Industry\": \"manufacturing\", \"Employees\": 800, \"IT Budget\": 2000000, \"Billing Country\": \"US\", \"ERP Systems\": [\"SAP\"], \"Technologies\": [\"Snowflake\", \"dbt\"], \"Plants\": 4, \"Site Visits (30d)\": 7, \"Competitor Status\": null, \"Last Activity\": null}\n\n{\"Account ID\": \"2\", \"Account Name\": \"B\", \"Industry\": \"education\", \"Employees\": 800, \"IT Budget\": null, \"Billing Country\": \"US\", \"ERP Systems\": [], \"Technologies\": [], \"Plants\": null, \"Site Visits (30d)\": 0, \"Competitor Status\": null, \"Last Activity\": null}\n";
    std::fs::write(dir.join("a.jsonl"), jsonl).unwrap();
    let (code, out, err) = icp(
        &dir,
        &[
            "score",
            "icp.icp",
            "a.jsonl",
            "--format",
            "jsonl",
            "--columns",
            "id,tier,score,removed_by",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "{\"id\":\"1\",\"tier\":\"A\",\"score\":85.0,\"removed_by\":null}\n{\"id\":\"2\",\"tier\":null,\"score\":null,\"removed_by\":\"makes_things\"}\n");

    let tsv = HEADER.replace(',', "\t") + "1\tA\tmanufacturing\t800\t\tUS\tSAP\t\t\t1\t\t\n";
    std::fs::write(dir.join("a.tsv"), tsv).unwrap();
    let (code, out, _) = icp(&dir, &["score", "icp.icp", "a.tsv", "--columns", "id,tier"]);
    assert_eq!((code, out.as_str()), (0, "id,tier\n1,C\n"));

    let csv = format!("{HEADER}1,A,manufacturing,800,,US,SAP,,,1,,\n");
    let (code, out, _) = icp_env(
        &dir,
        &["score", "icp.icp", "-", "--columns", "id,tier"],
        &[],
        Some(csv.as_bytes()),
    );
    assert_eq!((code, out.as_str()), (0, "id,tier\n1,C\n"));
}

#[test]
fn order_and_bytes_do_not_depend_on_threads() {
    let dir = temp_dir();
    erp(&dir);
    // About 8 MB: several chunks, so workers finish out of order.
    let mut csv = String::from(HEADER);
    let industries = [
        "manufacturing",
        "automotive",
        "education",
        "chemicals",
        "retail",
    ];
    for i in 0..60_000u32 {
        let visits = i % 13;
        let budget = if i % 3 == 0 {
            String::new()
        } else {
            (i * 97 % 3_000_000).to_string()
        };
        csv.push_str(&format!(
            "{i},\"Company {i}, Ltd\",{},{},{budget},{},SAP;Infor,Snowflake;dbt,{},{visits},{},2026-10-{:02}\n",
            industries[(i % 5) as usize],
            400 + i % 1800,
            ["US", "DE", "FR", "PL"][(i % 4) as usize],
            i % 7,
            ["", "in_cycle", "rejected"][(i % 3) as usize],
            1 + i % 28,
        ));
    }
    std::fs::write(dir.join("big.csv"), csv).unwrap();
    let (c1, one, _) = icp_env(
        &dir,
        &["score", "icp.icp", "big.csv", "--format", "csv"],
        &[("ICP_THREADS", "1")],
        None,
    );
    let (c4, four, _) = icp_env(
        &dir,
        &["score", "icp.icp", "big.csv", "--format", "csv"],
        &[("ICP_THREADS", "4")],
        None,
    );
    assert_eq!((c1, c4), (0, 0));
    assert_eq!(one.lines().count(), 60_001);
    assert!(one == four, "output differs between 1 and 4 threads");
    let ids: Vec<&str> = one
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap_or(""))
        .collect();
    assert!(
        ids.iter().enumerate().all(|(i, id)| *id == i.to_string()),
        "input order is kept"
    );
}

#[test]
fn usage_errors_for_score() {
    let (code, _, err) = icp(
        &repo(),
        &[
            "score",
            "examples/erp/icp.icp",
            "examples/erp/accounts.csv",
            "--columns",
            "id,scor",
        ],
    );
    assert_eq!(code, 2);
    assert!(
        err.contains("unknown column `scor`; did you mean `score`?"),
        "{err}"
    );
    let (code, _, err) = icp(
        &repo(),
        &[
            "explain",
            "examples/erp/icp.icp",
            "examples/erp/accounts.csv",
            "--id",
            "nope",
        ],
    );
    assert_eq!(code, 1);
    assert!(err.contains("no account with id `nope`"), "{err}");
    let (code, _, err) = icp(
        &repo(),
        &[
            "score",
            "tests/fixtures/err/mixed_units.icp",
            "examples/erp/accounts.csv",
        ],
    );
    assert_eq!(code, 1);
    assert!(
        err.contains("error[E0303]") && err.contains("fix the problems above first"),
        "{err}"
    );
}

#[test]
fn contacts_are_matched_to_personas_and_committees() {
    let (code, out, err) = icp(
        &repo(),
        &[
            "score",
            "examples/erp/icp.icp",
            "examples/erp/accounts.csv",
            "--contacts",
            "examples/erp/contacts.csv",
            "--columns",
            "id,personas,committee",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "id,personas,committee");
    // VP of Operations + an ERP administrator: both roles the ICP's personas name.
    assert!(
        lines.contains(&"0011,ops_leader;erp_admin,complete"),
        "{out}"
    );
    // A COO (decision maker) but no ERP user.
    assert!(lines.contains(&"0012,ops_leader,missing user"), "{out}");
    // An Operations *Manager* is below the persona's `seniority >= director`.
    assert!(
        lines.contains(&"0033,,\"missing decision_maker, user\""),
        "{out}"
    );

    let dir = temp_dir();
    std::fs::write(
        dir.join("c.csv"),
        "Account,Title,Seniority,Department\n0011,COO,C-Level,operations\n",
    )
    .unwrap();
    let data = repo().join("examples/erp/accounts.csv");
    let file = repo().join("examples/erp/icp.icp");
    let (code, _, err) = icp(
        &dir,
        &[
            "score",
            file.to_str().unwrap(),
            data.to_str().unwrap(),
            "--contacts",
            "c.csv",
        ],
    );
    assert_eq!(code, 2);
    assert!(
        err.contains(
            "has no column `Account ID` to join contacts to accounts (use --contacts-key)"
        ),
        "{err}"
    );
    let (code, out, _) = icp(
        &dir,
        &[
            "score",
            file.to_str().unwrap(),
            data.to_str().unwrap(),
            "--contacts",
            "c.csv",
            "--contacts-key",
            "Account",
            "--columns",
            "id,personas",
        ],
    );
    assert_eq!(code, 0);
    assert!(out.contains("0011,ops_leader\n"), "{out}");
}

#[test]
fn special_outputs_are_written_through_not_replaced() {
    let dir = temp_dir();
    erp(&dir);
    // Big enough that the queue fills while the writer is failing.
    let mut csv = String::from(HEADER);
    for i in 0..40_000 {
        csv.push_str(&format!(
            "{i},Company {i},manufacturing,900,,US,SAP,Snowflake;dbt,3,7,,2026-10-{:02}\n",
            1 + i % 28
        ));
    }
    std::fs::write(dir.join("big.csv"), csv).unwrap();
    if Path::new("/dev/full").exists() {
        let (code, _, err) = icp(&dir, &["score", "icp.icp", "big.csv", "-o", "/dev/full"]);
        assert_eq!(code, 1, "a full disk is an error, not a hang: {err}");
        assert!(err.contains("No space left on device"), "{err}");
        let meta = std::fs::metadata("/dev/full").unwrap();
        assert!(!meta.is_file(), "the device is still a device");
    }
    // A symbolic link is written through, and stays a link.
    std::os::unix::fs::symlink(dir.join("real.csv"), dir.join("link.csv")).unwrap();
    let (code, _, err) = icp(
        &dir,
        &[
            "score",
            "icp.icp",
            "big.csv",
            "-o",
            "link.csv",
            "--columns",
            "id",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(std::fs::symlink_metadata(dir.join("link.csv"))
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(
        std::fs::read_to_string(dir.join("real.csv"))
            .unwrap()
            .lines()
            .count(),
        40_001
    );
}

#[test]
fn funnel_counts_each_filter_in_order_and_alone() {
    let (code, out, err) = icp(
        &repo(),
        &[
            "funnel",
            "examples/erp/icp.icp",
            "examples/erp/accounts.csv",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("alone"), "{out}");
    let (code, out, _) = icp(
        &repo(),
        &[
            "funnel",
            "examples/erp/icp.icp",
            "examples/erp/accounts.csv",
            "--format",
            "json",
        ],
    );
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let removed: u64 = v["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["removed"].as_u64().unwrap())
        .sum();
    let tiers: u64 = v["tiers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["accounts"].as_u64().unwrap())
        .sum();
    // Every account is removed once, or reaches a tier.
    assert_eq!(
        removed + tiers + v["no_tier"].as_u64().unwrap(),
        v["accounts"].as_u64().unwrap()
    );
    assert_eq!(v["stages"][0]["name"], "makes_things");
}

#[test]
fn funnel_of_every_example_in_both_formats() {
    for (product, icp_file, data, _, _) in EXAMPLES {
        for format in ["text", "json"] {
            let (code, out, err) = icp(&repo(), &["funnel", icp_file, data, "--format", format]);
            assert_eq!(code, 0, "{product}: {err}");
            insta::assert_snapshot!(format!("funnel_{product}_{format}"), out);
        }
    }
}

// ------------------------------------------------------------------ how accounts are written

/// The ERP example with `[data]` settings in its `icp.toml`.
fn erp_with_data(dir: &Path, data: &str) -> PathBuf {
    let target = erp(dir);
    std::fs::write(
        dir.join("icp.toml"),
        format!("[project]\nas_of = \"2026-11-01\"\n\n[data]\n{data}"),
    )
    .unwrap();
    target
}

#[test]
fn data_settings_from_icp_toml_are_used_by_every_command_and_flags_override_them() {
    let dir = temp_dir();
    erp_with_data(
        &dir,
        "delimiter = \";\"\nlist_separator = \"|\"\ndate_format = \"MM/DD/YYYY\"\ndecimal_comma = true\ncurrency = \"EUR\"\n",
    );
    let header = HEADER.replace(',', ";");
    let row =
        "1;Acme, Inc.;manufacturing;1.200;2.000.000 €;US;SAP|Infor;Snowflake|dbt;4;7;;10/28/2026\n";
    std::fs::write(dir.join("a.csv"), format!("{header}{row}")).unwrap();

    let (code, out, err) = icp(
        &dir,
        &["score", "icp.icp", "a.csv", "--columns", "id,tier,fired"],
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with("id,tier,fired\n1,A,")
            && out.contains("budget:20")
            && out.contains("modern_data:20")
            && out.contains("recent_activity:"),
        "{out}"
    );
    let (code, why, err) = icp(&dir, &["explain", "icp.icp", "a.csv", "--id", "1"]);
    assert_eq!(code, 0, "{err}");
    assert!(!why.contains("note:") && why.contains("budget"), "{why}");
    let (code, funnel, err) = icp(&dir, &["funnel", "icp.icp", "a.csv", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&funnel).unwrap();
    assert_eq!(
        (v["accounts"].as_u64(), v["unreadable"].as_u64()),
        (Some(1), Some(0))
    );
    assert_eq!(v["tiers"][0]["accounts"], 1, "{funnel}");

    // diff measures its impact with the same settings.
    git(&dir, &["init", "-q"]);
    git(&dir, &["add", "-A"]);
    git(&dir, &["commit", "-q", "-m", "base"]);
    let text = std::fs::read_to_string(dir.join("icp.icp")).unwrap();
    std::fs::write(
        dir.join("icp.icp"),
        text.replacen("weight 20\n", "weight 30\n", 1),
    )
    .unwrap();
    let (code, report, err) = icp(&dir, &["diff", "--data", "a.csv", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&report).unwrap();
    let impact = &v["icps"][0]["impact"];
    assert_eq!(
        (impact["accounts"].as_u64(), impact["unreadable"].as_u64()),
        (Some(1), Some(0)),
        "{report}"
    );

    // Flags override the file's settings, one by one.
    std::fs::write(dir.join("b.csv"), format!("{HEADER}1,Acme,manufacturing,1200,$2000000,US,SAP;Infor,Snowflake;dbt,4,7,,2026-10-28\n")).unwrap();
    let (code, out, err) = icp(
        &dir,
        &[
            "score",
            "icp.icp",
            "b.csv",
            "--delimiter",
            ",",
            "--list-separator",
            ";",
            "--currency",
            "USD",
            "--decimal-comma=false",
            "--columns",
            "id,tier,fired",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("budget:30") && out.contains("modern_data:20"),
        "{out}"
    );
    // A flag alone: the file's EUR is overridden, so the euro amount is
    // now in another currency.
    let (code, _, err) = icp(&dir, &["score", "icp.icp", "a.csv", "--currency", "USD"]);
    assert_eq!(code, 1);
    assert!(
        err.contains(
            "column `IT Budget`: `2.000.000 €` is not an amount in USD (`€` is another currency)"
        ),
        "{err}"
    );
}

#[test]
fn bad_data_settings_are_located_errors() {
    let dir = temp_dir();
    erp_with_data(
        &dir,
        "date_format = \"%m/%d/%Y\"\ncurrency = \"EURO\"\n\n[data.fields.last_activity]\ndate_format = \"DD.MM.YY\"\n",
    );
    let (code, err, _) = icp(&dir, &["check", "icp.icp"]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("invalid [data] setting `date_format`: `m` is not a date token"),
        "{err}"
    );
    assert!(err.contains("icp.toml:5:16"), "located at the value: {err}");
    assert!(err.contains("icp.toml:6:13"), "located at the value: {err}");
    assert!(err.contains("`EURO` is not a currency code"), "{err}");
    assert!(
        err.contains("`fields.last_activity.date_format`: `YY` is not a date token"),
        "{err}"
    );
    let (code, _, err) = icp(&dir, &["score", "icp.icp", "examples.csv"]);
    assert_eq!(code, 1, "{err}");
    let (code, _, err) = icp(
        &repo(),
        &[
            "score",
            "examples/erp/icp.icp",
            "examples/erp/accounts.csv",
            "--date-format",
            "MM/DD",
        ],
    );
    assert_eq!(code, 2);
    assert!(err.contains("a date format needs one year"), "{err}");
    std::fs::write(dir.join("icp.toml"), "[data]\nseparator = \";\"\n").unwrap();
    let (code, err, _) = icp(&dir, &["check", "icp.icp"]);
    assert_eq!(code, 1);
    assert!(err.contains("unknown field `separator`"), "{err}");
}

#[test]
fn dates_as_us_and_european_crms_export_them() {
    let dir = temp_dir();
    erp(&dir);
    let rows = |date: &str| format!("{HEADER}1,A,manufacturing,900,,US,SAP,,,1,,{date}\n");
    let score = |date: &str, flags: &[&str]| {
        std::fs::write(dir.join("a.csv"), rows(date)).unwrap();
        let mut args = vec!["score", "icp.icp", "a.csv", "--columns", "id,fired"];
        args.extend_from_slice(flags);
        icp(&dir, &args)
    };
    // Without a declared format, only ISO dates are read: 10/15/2026 is an
    // error on every row, and 03/04/2026 is never guessed.
    for date in ["10/28/2026", "03/04/2026", "28.10.2026", "Oct 28 2026"] {
        let (code, _, err) = score(date, &[]);
        assert_eq!(code, 1, "{date}");
        assert!(
            err.contains(&format!(
                "`{date}` is not a date such as 2026-09-01 (set `date_format`"
            )),
            "{err}"
        );
    }
    for (date, format) in [
        ("10/28/2026", "MM/DD/YYYY"),
        ("10/28/2026 09:15 AM", "MM/DD/YYYY"),
        ("28/10/2026", "DD/MM/YYYY"),
        ("28.10.2026", "DD.MM.YYYY"),
        ("Oct 28 2026", "MMM D YYYY"),
        ("2026-10-28", "DD.MM.YYYY"),
    ] {
        let (code, out, err) = score(date, &["--date-format", format]);
        assert_eq!(code, 0, "{date} {format}: {err}");
        assert!(out.contains("recent_activity:"), "{date} {format}: {out}");
    }
    let (code, _, err) = score("28/10/2026", &["--date-format", "MM/DD/YYYY"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("`28/10/2026` is not a date such as 10/15/2026 (MM/DD/YYYY) or 2026-10-15"),
        "{err}"
    );
    // A field may differ from the rest of the file.
    erp_with_data(
        &dir,
        "date_format = \"MM/DD/YYYY\"\n\n[data.fields.last_activity]\ndate_format = \"DD.MM.YYYY\"\n",
    );
    let (code, out, err) = score("28.10.2026", &[]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("recent_activity:"), "{out}");
    // A table for a field the schema does not have is a warning.
    erp_with_data(
        &dir,
        "[data.fields.last_activty]\ndate_format = \"DD.MM.YYYY\"\n",
    );
    let (code, _, err) = score("2026-10-28", &[]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("warning: [data.fields.last_activty] names no field of schema `Account`; did you mean `last_activity`?"),
        "{err}"
    );
}

#[test]
fn numbers_with_a_decimal_comma_and_money_in_one_currency() {
    let dir = temp_dir();
    erp(&dir);
    let score = |budget: &str, flags: &[&str]| {
        std::fs::write(
            dir.join("a.csv"),
            format!("{HEADER}1,A,manufacturing,900,\"{budget}\",US,SAP,,,1,,\n"),
        )
        .unwrap();
        let mut args = vec!["score", "icp.icp", "a.csv", "--columns", "id,fired"];
        args.extend_from_slice(flags);
        let (code, out, err) = icp(&dir, &args);
        (
            code,
            out.replace(";size_band:5", "").replace("size_band:5", ""),
            err,
        )
    };
    // `1.200,50` was read as $1.2005: now an error, never a wrong number.
    for budget in ["1.200,50", "1.500.000,00", "2,5", "$1.200,50"] {
        let (code, _, err) = score(budget, &[]);
        assert_eq!(code, 1, "{budget}");
        assert!(
            err.contains(&format!(
                "`{budget}` is not an amount of money such as 1500000 or $1.5M"
            )),
            "{err}"
        );
    }
    // With a decimal comma, European amounts are read exactly.
    let (code, out, err) = score("1.500.000,00", &["--decimal-comma"]);
    assert_eq!(
        (code, out.as_str()),
        (0, "id,fired\n1,budget:20\n"),
        "{err}"
    );
    let (code, out, _) = score("999.999,99", &["--decimal-comma"]);
    assert_eq!((code, out.as_str()), (0, "id,fired\n1,\n"));
    let (code, _, err) = score("1.5M", &["--decimal-comma"]);
    assert_eq!(
        code, 1,
        "a point before one digit is ambiguous with a decimal comma"
    );
    assert!(err.contains("`1.5M` is not an amount"), "{err}");
    // The declared currency by symbol or code, and no other.
    for (budget, flags) in [
        ("€1.2M", vec!["--currency", "EUR"]),
        ("EUR 2000000", vec!["--currency", "EUR"]),
        ("2.000.000 €", vec!["--currency", "EUR", "--decimal-comma"]),
        ("USD 2000000", vec![]),
        ("$2M", vec![]),
    ] {
        let (code, out, err) = score(budget, &flags);
        assert_eq!(
            (code, out.as_str()),
            (0, "id,fired\n1,budget:20\n"),
            "{budget}: {err}"
        );
    }
    for (budget, flags, other) in [
        ("€1.2M", vec![], "€"),
        ("GBP 2000000", vec!["--currency", "EUR"], "GBP"),
        ("$2M", vec!["--currency", "EUR"], "$"),
    ] {
        let (code, _, err) = score(budget, &flags);
        assert_eq!(code, 1, "{budget}");
        assert!(
            err.contains(&format!("(`{other}` is another currency)")),
            "{err}"
        );
    }
}

#[test]
fn duplicate_columns_are_refused_where_a_field_reads_them() {
    let dir = temp_dir();
    erp(&dir);
    let header = HEADER.replace('\n', ",Employees\n");
    std::fs::write(
        dir.join("a.csv"),
        format!("{header}1,A,manufacturing,900,,US,SAP,,,1,,,5000\n"),
    )
    .unwrap();
    std::fs::write(dir.join("out.csv"), "before\n").unwrap();
    for cmd in ["score", "funnel", "explain"] {
        let (code, _, err) = icp(
            &dir,
            &[cmd, "icp.icp", "a.csv", "--id", "1"][..if cmd == "explain" { 5 } else { 3 }],
        );
        assert_eq!(code, 1, "{cmd}: {err}");
        assert!(
            err.contains("the column `Employees` (field `employees`) appears more than once"),
            "{cmd}: {err}"
        );
    }
    // A repeated column no field reads is only a warning.
    std::fs::write(
        dir.join("x.icp"),
        "schema S { id: text key from \"ID\"\n n: int from \"N\" }\nicp i for S {\n  owner \"o@example.com\"\n  reviewed 2026-10-01 every 90d\n  signal big: n > 10 weight 5\n  tier A: score >= 5\n  tier C: otherwise\n}\n",
    )
    .unwrap();
    std::fs::write(dir.join("b.csv"), "ID,Notes,N,Notes\n1,a,50,b\n").unwrap();
    let (code, out, err) = icp(&dir, &["score", "x.icp", "b.csv", "--columns", "id,tier"]);
    assert_eq!((code, out.as_str()), (0, "id,tier\n1,A\n"), "{err}");
    assert!(
        err.contains("warning: `b.csv`: the column `Notes` appears 2 times; no field reads it"),
        "{err}"
    );
}

#[test]
fn a_huge_header_is_a_short_error_in_bounded_memory() {
    let dir = temp_dir();
    erp(&dir);
    // 8 MB of header: 1,000,000 column names.
    let mut header = String::with_capacity(8 << 20);
    for i in 0..1_000_000 {
        header.push_str(&format!("col{i:06},"));
    }
    header.push_str("\n1\n");
    std::fs::write(dir.join("a.csv"), &header).unwrap();
    let started = std::time::Instant::now();
    let (code, out, err) = common::icp_limited(&dir, &["score", "icp.icp", "a.csv"], 512);
    assert_eq!((code, out.as_str()), (2, ""), "{err}");
    assert!(
        err.contains("the header row of `a.csv` is longer than 1 MiB"),
        "{err}"
    );
    assert!(err.len() < 300, "the message is short: {} bytes", err.len());
    assert!(started.elapsed().as_secs() < 20);
    // Many columns within the size: named in the message, shortened.
    let wide: String = (0..20_000).map(|i| format!("c{i},")).collect::<String>() + "\n";
    std::fs::write(dir.join("b.csv"), wide).unwrap();
    let (code, _, err) = icp(&dir, &["score", "icp.icp", "b.csv"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("has 20001 columns; at most 10000 are read"),
        "{err}"
    );
    // A long header name in a message is shortened.
    let long = "x".repeat(5000);
    std::fs::write(dir.join("c.csv"), format!("{long}\n1\n")).unwrap();
    let (code, _, err) = icp(&dir, &["score", "icp.icp", "c.csv"]);
    assert_eq!(code, 1);
    assert!(err.len() < 3000, "{} bytes: {err}", err.len());
}

#[test]
fn a_bad_first_json_line_is_a_bad_record_like_any_other() {
    let dir = temp_dir();
    erp(&dir);
    let good = "{\"Account ID\": \"1\", \"Account Name\": \"A\", \"Industry\": \"manufacturing\", \"Employees\": 800, \"IT Budget\": null, \"Billing Country\": \"US\", \"ERP Systems\": [\"SAP\"], \"Technologies\": [], \"Plants\": 4, \"Site Visits (30d)\": 7, \"Competitor Status\": null, \"Last Activity\": null}";
    std::fs::write(
        dir.join("a.jsonl"),
        format!(
            "{{\"Account ID\": oops\n{good}\n[1, 2]\n{}\n",
            good.replace("\"1\"", "\"2\"")
        ),
    )
    .unwrap();
    let run = |on_error: &str| {
        icp(
            &dir,
            &[
                "score",
                "icp.icp",
                "a.jsonl",
                "--on-error",
                on_error,
                "--columns",
                "id,tier",
            ],
        )
    };
    let (code, out, err) = run("fail");
    assert_eq!((code, out.as_str()), (1, ""));
    assert!(
        err.contains("record 1: is not valid JSON")
            && err.contains("record 3: is not a JSON object"),
        "{err}"
    );
    for mode in ["skip", "missing"] {
        let (code, out, err) = run(mode);
        assert_eq!(
            (code, out.as_str()),
            (0, "id,tier\n1,B\n2,B\n"),
            "{mode}: {err}"
        );
        assert!(
            err.contains("read 4 accounts")
                && err.contains("left out 2 records that could not be read"),
            "{mode}: {err}"
        );
    }
    // No object at all: the lines are read against the schema's headers,
    // so they are bad records, not a missing-column error.
    std::fs::write(dir.join("b.jsonl"), "nope\n[]\n").unwrap();
    let (code, out, err) = icp(&dir, &["score", "icp.icp", "b.jsonl", "--on-error", "skip"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        "id,name,passed,removed_by,score,tier,fired,unknown,coverage\n"
    );
    assert!(
        err.contains("left out 2 records that could not be read"),
        "{err}"
    );
}

#[test]
fn an_output_that_is_an_input_is_refused_and_the_input_kept() {
    let dir = temp_dir();
    erp(&dir);
    std::fs::write(
        dir.join("a.csv"),
        format!("{HEADER}1,A,manufacturing,900,,US,SAP,,,1,,\n"),
    )
    .unwrap();
    std::fs::write(dir.join("c.csv"), "Account ID,Title\n1,COO\n").unwrap();
    std::os::unix::fs::symlink(dir.join("a.csv"), dir.join("link.csv")).unwrap();
    std::fs::create_dir(dir.join("sub")).unwrap();
    let before: Vec<(String, Vec<u8>)> = ["a.csv", "icp.icp", "accounts.icp", "icp.toml", "c.csv"]
        .iter()
        .map(|f| (f.to_string(), std::fs::read(dir.join(f)).unwrap()))
        .collect();
    for target in [
        "a.csv",
        "./a.csv",
        "sub/../a.csv",
        "link.csv",
        "icp.icp",
        "accounts.icp",
        "icp.toml",
        "c.csv",
    ] {
        let (code, _, err) = icp(
            &dir,
            &[
                "score",
                "icp.icp",
                "a.csv",
                "--contacts",
                "c.csv",
                "-o",
                target,
            ],
        );
        assert_eq!(code, 2, "{target}: {err}");
        assert!(
            err.contains("is an input of this command") && err.contains("nothing was written"),
            "{target}: {err}"
        );
    }
    for (f, bytes) in &before {
        assert_eq!(&std::fs::read(dir.join(f)).unwrap(), bytes, "{f} is intact");
    }
    assert!(std::fs::symlink_metadata(dir.join("link.csv"))
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        7,
        "no temporary file"
    );
    // Data read through a link is protected as the file it names.
    let (code, _, _) = icp(&dir, &["score", "icp.icp", "link.csv", "-o", "a.csv"]);
    assert_eq!(code, 2);
    let (code, _, err) = icp(&dir, &["score", "icp.icp", "a.csv", "-o", "out.csv"]);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn a_byte_that_is_not_utf8_is_located_in_explain_and_funnel_as_in_score() {
    let dir = temp_dir();
    erp(&dir);
    std::fs::write(
        dir.join("b.csv"),
        [
            HEADER.as_bytes(),
            b"9,X,manufacturing,900,,U\xffS,SAP,,,1,,\n",
        ]
        .concat(),
    )
    .unwrap();
    let located = "record 1, column `Billing Country`: `U\u{fffd}S` is not UTF-8 text";
    let (code, _, err) = icp(&dir, &["score", "icp.icp", "b.csv"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("record 1: column `Billing Country`: `U\u{fffd}S` is not UTF-8 text"),
        "{err}"
    );
    let (code, _, err) = icp(&dir, &["funnel", "icp.icp", "b.csv"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("record 1: column `Billing Country`: `U\u{fffd}S` is not UTF-8 text"),
        "{err}"
    );
    let (code, out, _) = icp(&dir, &["funnel", "icp.icp", "b.csv", "--on-error", "skip"]);
    assert_eq!(code, 0);
    assert!(out.contains("(1 with bad data left out)"), "{out}");
    let (code, why, err) = icp(&dir, &["explain", "icp.icp", "b.csv", "--id", "9"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        why.contains(&format!("note: {located}; read as missing")),
        "{why}"
    );
    let (code, why, _) = icp(
        &dir,
        &[
            "explain", "icp.icp", "b.csv", "--id", "9", "--format", "json",
        ],
    );
    assert_eq!(code, 0);
    assert!(why.contains("is not UTF-8 text"), "{why}");
}

/// The language server's lens counts what `icp score --on-error skip`
/// counts, through the one function it calls.
#[test]
fn tally_counts_as_score_does() {
    use icp_lang::accounts::{tally, Limits, ReadSettings};
    let root = repo().join("examples/erp");
    let loader = icp_lang::disk::Disk::at(icp_lang::source::normalize(&root));
    let file = icp_lang::source::normalize(&root.join("icp.icp"));
    let project = icp_lang::project::load(&loader, &[file]);
    let checked = icp_lang::check::check(&project, &icp_lang::check::Options::new(common::as_of()));
    let root_file = project.parsed().find(|f| f.is_root).unwrap().id;
    let id = checked.icps_in(root_file)[0];
    let plan = icp_lang::plan::lower_icp(&checked, id, common::as_of()).unwrap();
    let dir = temp_dir();
    let mut csv = std::fs::read(root.join("accounts.csv")).unwrap();
    csv.extend_from_slice(b"77,Bad,manufacturing,many,,US,SAP,,,1,,\n78,Short\n");
    std::fs::write(dir.join("a.csv"), &csv).unwrap();
    let t = tally(
        &plan,
        Box::new(std::io::Cursor::new(csv.clone())),
        "a.csv",
        &ReadSettings::default(),
        Limits::default(),
    )
    .unwrap();
    std::fs::copy(root.join("icp.icp"), dir.join("icp.icp")).unwrap();
    std::fs::copy(root.join("accounts.icp"), dir.join("accounts.icp")).unwrap();
    std::fs::write(dir.join("icp.toml"), "[project]\nas_of = \"2026-11-01\"\n").unwrap();
    let (code, _, err) = icp(&dir, &["score", "icp.icp", "a.csv", "--on-error", "skip"]);
    assert_eq!(code, 0, "{err}");
    let tiers: Vec<String> = plan
        .tiers
        .iter()
        .enumerate()
        .map(|(i, tier)| format!("{} {}", tier.name, t.tiers.get(i).copied().unwrap_or(0)))
        .collect();
    assert!(
        err.contains(&format!(
            "read {} accounts; {} passed the filters, {} removed",
            t.read,
            t.passed(),
            t.removed_total()
        )) && err.contains(&format!("tiers: {}", tiers.join(", ")))
            && (t.skipped, t.unreadable) == (1, 1),
        "{t:?}\n{err}"
    );
    // A byte limit stops at a record boundary and says so.
    let t = tally(
        &plan,
        Box::new(std::io::Cursor::new(csv)),
        "a.csv",
        &ReadSettings::default(),
        Limits {
            max_input_bytes: Some(600),
            ..Limits::default()
        },
    )
    .unwrap();
    assert!(t.truncated && t.read > 0 && t.read < 10, "{t:?}");
}

/// docs/walkthrough.md, run as written: each `<!-- file: NAME -->` block is
/// written (a later block of the same name replaces it), and each `<!-- run:
/// ARGS -->` block must be exactly what `icp ARGS` prints, so the page cannot
/// drift from what icp does.
#[test]
fn the_walkthrough_runs_as_written() {
    let doc = std::fs::read_to_string(repo().join("docs/walkthrough.md")).unwrap();
    let dir = temp_dir();
    let mut lines = doc.lines();
    let (mut files, mut runs) = (0, 0);
    while let Some(line) = lines.next() {
        let marker = line.trim();
        let (kind, arg) = if let Some(name) = marker.strip_prefix("<!-- file: ") {
            ("file", name.trim_end_matches(" -->"))
        } else if let Some(cmd) = marker.strip_prefix("<!-- run: ") {
            ("run", cmd.trim_end_matches(" -->"))
        } else {
            continue;
        };
        assert!(lines.next().unwrap().starts_with("```"), "{line}");
        let mut body = String::new();
        for l in lines.by_ref() {
            if l == "```" {
                break;
            }
            body.push_str(l);
            body.push('\n');
        }
        if kind == "file" {
            std::fs::write(dir.join(arg), &body).unwrap();
            files += 1;
        } else {
            let args: Vec<&str> = arg.split_whitespace().collect();
            let (_, out, err) = icp(&dir, &args);
            let shown = format!("$ icp {arg}\n{out}");
            assert_eq!(
                shown.trim_end(),
                body.trim_end(),
                "`icp {arg}` prints otherwise:\n{err}"
            );
            runs += 1;
        }
    }
    assert_eq!((files, runs), (5, 5), "every block was found");
}

/// A table never cuts a cell: long cells wrap within their column, and
/// columns that do not fit the terminal are left out and named.
#[test]
fn the_table_wraps_and_says_what_it_leaves_out() {
    let erp = repo().join("examples/erp");
    let (code, out, err) = common::icp_env(
        &erp,
        &[
            "score",
            "icp.icp",
            "accounts.csv",
            "--format",
            "table",
            "--columns",
            "id,tier,fired",
        ],
        &[("COLUMNS", "200")],
        None,
    );
    assert_eq!(code, 0, "{err}");
    assert!(!out.contains('…'), "nothing is cut: {out}");
    // Every fired signal of account 0013 is shown, over several lines.
    let csv = icp(
        &erp,
        &[
            "score",
            "icp.icp",
            "accounts.csv",
            "--format",
            "csv",
            "--columns",
            "id,fired",
        ],
    )
    .1;
    let fired_0013 = csv
        .lines()
        .find(|l| l.starts_with("0013,"))
        .unwrap()
        .split_once(',')
        .unwrap()
        .1;
    let table_text: String = out.split_whitespace().collect();
    for part in fired_0013.split(';') {
        assert!(table_text.contains(part), "{part} missing from:\n{out}");
    }
    assert!(out.lines().all(|l| l.chars().count() <= 200), "{out}");
    // A narrow terminal: the columns that do not fit are named.
    let (_, out, err) = common::icp_env(
        &erp,
        &["score", "icp.icp", "accounts.csv", "--format", "table"],
        &[("COLUMNS", "60")],
        None,
    );
    assert!(
        err.contains(
            "note: the table leaves out score, passed, removed_by, fired, unknown, coverage to fit 60 characters"
        ),
        "{err}"
    );
    assert!(out.lines().all(|l| l.chars().count() <= 60), "{out}");
}

/// Contacts exported by HubSpot (`Job Title`, `Job Level`) are read without
/// options; other headers are named once in `icp.toml` or by flags; a
/// champion persona is a seat of the buying committee.
#[test]
fn contacts_as_crms_export_them() {
    let dir = temp_dir();
    let erp = repo().join("examples/erp");
    for f in ["icp.icp", "accounts.icp", "accounts.csv"] {
        std::fs::copy(erp.join(f), dir.join(f)).unwrap();
    }
    let icp_file = dir.join("icp.icp");
    let text = std::fs::read_to_string(&icp_file).unwrap();
    let with_champion = text.replacen(
        "  /// The person who signs.",
        "  persona data_champion {\n    role champion\n    title matches any [\"*Data*\"]\n  }\n\n  /// The person who signs.",
        1,
    );
    std::fs::write(&icp_file, with_champion).unwrap();
    std::fs::write(
        dir.join("hubspot.csv"),
        "Account ID,Job Title,Job Level,Department\n0011,VP Operations,VP,Operations\n0011,ERP Manager,Manager,IT\n0011,Head of Data,Director,IT\n0012,COO,C-Level,Operations\n0012,SAP Lead,Manager,IT\n",
    )
    .unwrap();
    let args = [
        "score",
        "icp.icp",
        "accounts.csv",
        "--contacts",
        "hubspot.csv",
        "--format",
        "csv",
        "--columns",
        "id,personas,committee",
    ];
    let (code, out, err) = icp(&dir, &args);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("0011,data_champion;ops_leader;erp_admin,complete"),
        "{out}"
    );
    assert!(
        out.contains("0012,ops_leader;erp_admin,missing champion"),
        "{out}"
    );
    // Other headers: named in icp.toml, or by a flag over it.
    std::fs::write(
        dir.join("crm.csv"),
        "Acct,Role Name,Rank,Team\n0011,VP Operations,VP,Operations\n",
    )
    .unwrap();
    let args = [
        "score",
        "icp.icp",
        "accounts.csv",
        "--contacts",
        "crm.csv",
        "--format",
        "csv",
        "--columns",
        "id,personas",
    ];
    let mut keyed = args.to_vec();
    keyed.extend(["--contacts-key", "Acct"]);
    let (code, _, err) = icp(&dir, &keyed);
    assert_eq!(code, 2);
    assert!(
        err.contains("no job title column (looked for Title, Job Title"),
        "{err}"
    );
    std::fs::write(
        dir.join("icp.toml"),
        "[contacts]\nkey = \"Acct\"\ntitle = \"Role Name\"\nseniority = \"Rank\"\ndepartment = \"Team\"\n",
    )
    .unwrap();
    let (code, out, err) = icp(&dir, &args);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("0011,ops_leader"), "{out}");
    let mut flagged = args.to_vec();
    flagged.extend(["--contacts-title", "Nope"]);
    let (code, _, err) = icp(&dir, &flagged);
    assert_eq!(code, 2);
    assert!(
        err.contains("no column `Nope` for the contacts' job title"),
        "{err}"
    );
}

#[test]
fn enum_cells_are_read_by_their_labels() {
    let dir = temp_dir();
    std::fs::write(
        dir.join("icp.icp"),
        r#"/// HubSpot's and Salesforce's industry picklists.
enum Industry {
  healthcare "Hospital & Health Care" "Health Care",
  fintech "Financial Services",
  retail
}

schema Company {
  id:       text key from "Record ID"
  industry: Industry from "Industry"
  markets:  set<Industry> from "Markets"
}

icp labels for Company {
  owner "t@example.com"
  reviewed 2026-10-01 every 90d

  signal health: industry == healthcare weight 20
  signal money: industry == fintech weight 10
  signal sells_to_banks: markets has any [fintech] weight 5

  tier A: score >= 20
  tier B: score >= 10
  tier C: score >= 5
  tier D: otherwise
}
"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("a.csv"),
        "Record ID,Industry,Markets\n\
         1,Hospital & Health Care,\n\
         2,financial services,\n\
         3,Retail,Financial Services;retail\n\
         4, health-care ,\n",
    )
    .unwrap();
    let (code, out, err) = icp(&dir, &["score", "icp.icp", "a.csv", "-o", "out.csv"]);
    let scored = std::fs::read_to_string(dir.join("out.csv")).unwrap_or_default();
    assert_eq!(code, 0, "{out}{err}{scored}");
    let tier = |id: &str| -> String {
        let header: Vec<&str> = scored.lines().next().unwrap().split(',').collect();
        let col = header.iter().position(|h| *h == "tier").unwrap();
        let row = scored
            .lines()
            .find(|l| l.split(',').next() == Some(id))
            .unwrap_or_else(|| panic!("no row {id}: {scored}"));
        row.split(',').nth(col).unwrap().to_string()
    };
    assert_eq!(tier("1"), "A", "{scored}");
    assert_eq!(tier("2"), "B", "{scored}");
    assert_eq!(tier("3"), "C", "{scored}");
    assert_eq!(tier("4"), "A", "{scored}");
    // A cell that is neither a variant nor a label is still a bad cell.
    std::fs::write(
        dir.join("b.csv"),
        "Record ID,Industry,Markets\n5,Banking,\n",
    )
    .unwrap();
    let (code, _, err) = icp(&dir, &["score", "icp.icp", "b.csv", "-o", "out.csv"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("Banking"), "{err}");
}

#[test]
fn blank_cells_read_as_the_declared_value() {
    let dir = temp_dir();
    std::fs::write(
        dir.join("icp.icp"),
        "enum Rivalry { none, evaluating, incumbent }\n\
         schema Account {\n  id: text key\n  webinar_attended: bool blank = false\n  \
         competitor_status: Rivalry blank = none\n  seats: int blank = 0\n  budget: money?\n  growth: percent fraction\n}\n\
         icp i for Account {\n  owner \"a@b.c\"\n  reviewed 2026-09-01 every 90d\n  \
         exclude rival: competitor_status == incumbent\n  \
         signal webinar: webinar_attended == false weight 10\n  \
         signal calm: competitor_status == none weight 5\n  \
         signal few: seats < 10 weight 1\n  signal rich: budget > $1M weight 4\n  signal growing: growth > 20% weight 2\n  \
         tier a: score >= 15\n  tier b: otherwise\n}\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("a.csv"),
        "id,webinar_attended,competitor_status,seats,budget,growth\n1,,,,$2M,0.24\n2,true,incumbent,3,,0.1\n3,  ,evaluating,12,,24%\n",
    )
    .unwrap();
    let (code, out, err) = icp(&dir, &["score", "icp.icp", "a.csv", "--format", "csv"]);
    assert_eq!(code, 0, "{err}");
    let rows: Vec<&str> = out.lines().collect();
    assert_eq!(
        rows,
        [
            "id,passed,removed_by,score,tier,fired,unknown,coverage",
            "1,true,,22,a,webinar:10;calm:5;few:1;rich:4;growing:2,,1",
            "2,false,rival,,,,,",
            // Only the budget is a data gap: blank checkboxes are no.
            "3,true,,12,b,webinar:10;growing:2,rich,0.8182",
        ],
        "{out}"
    );
    let (code, why, err) = icp(&dir, &["explain", "icp.icp", "a.csv", "--id", "1"]);
    assert_eq!(code, 0, "{err}");
    assert!(why.contains("saw webinar_attended = false"), "{why}");
    assert!(why.contains("saw competitor_status = none"), "{why}");
    assert!(
        why.contains("saw growth = 24%"),
        "a fraction reads as a percent: {why}"
    );
}

#[test]
fn percent_columns_of_fractions_are_named() {
    let dir = temp_dir();
    std::fs::write(
        dir.join("icp.icp"),
        "schema Account {\n  id: text key\n  growth: percent\n  churn: percent fraction\n}\n\
         icp i for Account {\n  owner \"a@b.c\"\n  reviewed 2026-09-01 every 90d\n  \
         signal growing: growth > 20% weight 1\n  signal churning: churn > 20% weight 1\n  \
         tier a: otherwise\n}\n",
    )
    .unwrap();
    let rows = "id,growth,churn\n1,0.24,0.1\n2,0.5,0.3\n3,0.1,0.2\n4,,0.9\n5,1,0.5\n6,0.05,0.5\n";
    std::fs::write(dir.join("a.csv"), rows).unwrap();
    let warning = "warning: all 5 values of the percent column `growth` (field `growth`) lie between 0 and 1; \
                   if they are fractions (0.24 for 24%), declare `growth: percent fraction`";
    let (code, _, err) = icp(&dir, &["score", "icp.icp", "a.csv", "--format", "csv"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains(warning), "{err}");
    assert!(
        !err.contains("`churn`"),
        "a fraction column is not named: {err}"
    );
    let (code, _, err) = icp(&dir, &["funnel", "icp.icp", "a.csv"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains(warning), "{err}");
    // One value above 1 (24 written as a percent): no warning.
    std::fs::write(dir.join("a.csv"), rows.replace("1,0.24,", "1,24%,")).unwrap();
    let (code, _, err) = icp(&dir, &["score", "icp.icp", "a.csv", "--format", "csv"]);
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("warning"), "{err}");
}

// ------------------------------------------------------------------ text as CRMs write it

const COUNTRIES_ICP: &str = r#"schema S {
  id:      text key
  country: text   from "Country"
  tools:   set<text>? from "Tools"
}

icp na for S {
  filter in_north_america: country in ["United States", "Canada"]
  signal uses_dbt: tools has "dbt" weight 10
  tier A: score >= 10
  tier B: otherwise
}
"#;

const COUNTRIES_CSV: &str = "id,Country,Tools\n\
1,United States,dbt\n\
2,united states,DBT;Looker\n\
3, UNITED STATES ,\n\
4,U.S.,dbt\n\
5,Untied States,\n\
6,Untied States,\n\
7,USA,\n\
8,canada,Dbt\n\
9,Mexico,\n\
10,Canada,d.b.t\n";

/// Rules compare text ignoring case (cells are trimmed), so `united
/// states` and ` UNITED STATES ` pass `country in ["United States"]`;
/// a typo (`Untied States`) or other punctuation (`d.b.t`) does not, and
/// `icp funnel` names them; `U.S.`, `USA` and `Mexico` are other texts,
/// not near misses of `United States`.
#[test]
fn text_ignores_case_and_funnel_names_near_misses() {
    let dir = temp_dir();
    std::fs::write(dir.join("na.icp"), COUNTRIES_ICP).unwrap();
    std::fs::write(dir.join("a.csv"), COUNTRIES_CSV).unwrap();
    let (code, out, err) = icp(
        &dir,
        &["score", "na.icp", "a.csv", "--columns", "id,tier,score"],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out, "id,tier,score\n1,A,10\n2,A,10\n3,B,0\n4,,\n5,,\n6,,\n7,,\n8,A,10\n9,,\n10,B,0\n",
        "{out}"
    );
    let (code, out, err) = icp(&dir, &["funnel", "na.icp", "a.csv"]);
    assert_eq!(code, 0, "{err}");
    insta::assert_snapshot!("funnel_near_misses_text", out);
    let (code, out, err) = icp(&dir, &["funnel", "na.icp", "a.csv", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        v["near_misses"],
        serde_json::json!([
            {"field": "country", "column": "Country", "value": "Untied States", "accounts": 2, "near": "United States"},
            {"field": "tools", "column": "Tools", "value": "d.b.t", "accounts": 1, "near": "dbt"},
        ]),
        "{out}"
    );
}

/// The schema's `display` field is the `name` column beside the id and
/// heads `icp explain`; `--columns` passes input columns through, by
/// header or field name, quoted and neutralised like the id.
#[test]
fn display_name_and_input_columns_pass_through() {
    let dir = temp_dir();
    std::fs::write(
        dir.join("a.icp"),
        "schema Account {\n  id: text key from \"Record ID\"\n  name: text display from \"Company name\"\n  employees: int from \"Number of Employees\"\n}\n\nicp mid for Account {\n  filter sized: employees in 200..=2000\n  tier A: otherwise\n}\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("a.csv"),
        "Record ID,Company name,Number of Employees,Website\n1,Acme Corp,500,acme.com\n2,\"=HYPERLINK(1), Inc\",50,\n",
    )
    .unwrap();
    let (code, out, err) = icp(&dir, &["score", "a.icp", "a.csv"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        "id,name,passed,removed_by,score,tier,fired,unknown,coverage\n1,Acme Corp,true,,0,A,,,1\n2,\"'=HYPERLINK(1), Inc\",false,sized,,,,,\n"
    );
    let (code, out, err) = icp(
        &dir,
        &[
            "score",
            "a.icp",
            "a.csv",
            "--columns",
            "id,name,website,employees,tier",
            "--format",
            "jsonl",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        "{\"id\":\"1\",\"name\":\"Acme Corp\",\"website\":\"acme.com\",\"employees\":\"500\",\"tier\":\"A\"}\n{\"id\":\"2\",\"name\":\"=HYPERLINK(1), Inc\",\"website\":null,\"employees\":\"50\",\"tier\":null}\n"
    );
    let (code, _, err) = icp(
        &dir,
        &["score", "a.icp", "a.csv", "--columns", "id,Webiste"],
    );
    assert_eq!(code, 2);
    assert!(
        err.contains("unknown column `Webiste`; did you mean `Website`?"),
        "{err}"
    );
    let (code, out, err) = icp(&dir, &["explain", "a.icp", "a.csv", "--id", "1"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with("account 1 \"Acme Corp\" (record 1)\n"),
        "{out}"
    );
}
