//! The `icp` binary end to end: exit codes, every output format, project
//! settings from `icp.toml`, and hard files given on the command line.
#![allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

mod common;

use common::{icp, repo, temp_dir};
use serde_json::Value;
use std::path::PathBuf;

/// A fresh folder under the system temp dir with the given files.
fn project(files: &[(&str, &[u8])]) -> PathBuf {
    let dir = temp_dir();
    for (name, body) in files {
        let p = dir.join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, body).unwrap();
    }
    dir
}

const SCHEMA: &str = "schema S {\n  id: text key\n  n: int\n}\n";

#[test]
fn examples_and_ok_fixtures_are_clean() {
    let (code, out, _) = icp(&repo(), &["check", "--deny", "warnings", "examples"]);
    assert_eq!(code, 0, "{out}");
    let (code, out, _) = icp(
        &repo(),
        &["check", "--as-of", "2026-11-01", "tests/fixtures/ok"],
    );
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("no problems"), "{out}");
}

#[test]
fn problems_exit_one_and_are_all_reported() {
    let (code, out, _) = icp(
        &repo(),
        &[
            "check",
            "--as-of",
            "2026-11-01",
            "tests/fixtures/err/syntax_many.icp",
        ],
    );
    assert_eq!(code, 1);
    assert_eq!(out.matches("error[E0101]").count(), 3, "{out}");
    assert!(out.contains("error[E0301]"), "{out}");
}

#[test]
fn usage_and_io_errors_exit_two() {
    let (code, _, err) = icp(&repo(), &["check", "no/such/dir"]);
    assert_eq!(code, 2);
    assert!(err.contains("no such file or folder"), "{err}");
    let (code, _, _) = icp(&repo(), &["check", "--format", "xml", "examples"]);
    assert_eq!(code, 2);
    let (code, _, _) = icp(&repo(), &[]);
    assert_eq!(code, 2);
}

#[test]
fn json_output_has_the_documented_shape() {
    let (code, out, _) = icp(
        &repo(),
        &[
            "check",
            "--format",
            "json",
            "--as-of",
            "2026-11-01",
            "tests/fixtures/err/mixed_units.icp",
        ],
    );
    assert_eq!(code, 1);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["version"], 1);
    let diags = v["diagnostics"].as_array().unwrap();
    assert_eq!(
        v["summary"]["errors"].as_u64().unwrap() + v["summary"]["warnings"].as_u64().unwrap(),
        diags.len() as u64
    );
    let first = &diags[0];
    assert_eq!(first["code"], "E0303");
    assert_eq!(first["name"], "mixed-units");
    assert_eq!(
        first["location"]["file"],
        "tests/fixtures/err/mixed_units.icp"
    );
    assert_eq!(first["location"]["start"]["line"], 6);
    assert_eq!(first["fix"]["edits"][0]["replacement"], "$1M");
}

#[test]
fn github_output_is_one_escaped_command_per_diagnostic() {
    let (_, out, _) = icp(
        &repo(),
        &[
            "check",
            "--format",
            "github",
            "--as-of",
            "2026-11-01",
            "tests/fixtures/err/filter_missing.icp",
        ],
    );
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    for l in &lines {
        assert!(
            l.starts_with("::warning file=tests/fixtures/err/filter_missing.icp,line="),
            "{l}"
        );
        // The product (icp.toml's name) leads the title; `:` is escaped.
        assert!(l.contains(",title=fixtures%3A W02"), "{l}");
        assert!(!l.contains('\n'));
    }
    assert!(
        lines[0].contains("%0Ahelp: "),
        "help is on an escaped second line: {}",
        lines[0]
    );
}

#[test]
fn sarif_output_is_sarif_2_1_0() {
    let (_, out, _) = icp(
        &repo(),
        &[
            "check",
            "--format",
            "sarif",
            "--as-of",
            "2026-11-01",
            "tests/fixtures/err/never_fires.icp",
        ],
    );
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["version"], "2.1.0");
    let run = &v["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    for r in run["results"].as_array().unwrap() {
        let idx = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[idx]["id"], r["ruleId"]);
        assert!(
            r["locations"][0]["physicalLocation"]["region"]["startLine"]
                .as_u64()
                .unwrap()
                >= 1
        );
    }
}

#[test]
fn deny_warnings_and_project_levels() {
    let src = format!("{SCHEMA}enum Unused {{ a }}\n");
    let dir = project(&[("x.icp", src.as_bytes())]);
    let (code, out, _) = icp(&dir, &["check", "x.icp"]);
    assert_eq!(code, 0, "warnings alone pass: {out}");
    assert!(out.contains("warning[W0101]"));
    let (code, out, _) = icp(&dir, &["check", "--deny", "warnings", "x.icp"]);
    assert_eq!(code, 1);
    assert!(out.contains("error[W0101]"), "{out}");

    std::fs::write(dir.join("icp.toml"), "[lints]\nunused-item = \"allow\"\n").unwrap();
    let (code, out, _) = icp(&dir, &["check", "--deny", "warnings", "x.icp"]);
    assert_eq!((code, out.contains("no problems")), (0, true), "{out}");

    std::fs::write(dir.join("icp.toml"), "[lints]\nW0101 = \"deny\"\n").unwrap();
    let (code, _, _) = icp(&dir, &["check", "x.icp"]);
    assert_eq!(code, 1);
}

#[test]
fn bad_icp_toml_is_located() {
    let dir = project(&[
        ("x.icp", SCHEMA.as_bytes()),
        (
            "icp.toml",
            b"[lints]\nE0101 = \"allow\"\nunused-iten = \"allow\"\n[project]\ncolour = 1\n",
        ),
    ]);
    let (code, out, _) = icp(&dir, &["check", "x.icp"]);
    assert_eq!(code, 1);
    assert!(
        out.contains("error[E0004]") && out.contains("icp.toml:5:1"),
        "{out}"
    );
    std::fs::write(
        dir.join("icp.toml"),
        "[lints]\nE0101 = \"allow\"\nunused-iten = \"allow\"\n",
    )
    .unwrap();
    let (_, out, _) = icp(&dir, &["check", "x.icp"]);
    assert!(
        out.contains("`E0101` is an error and cannot be configured"),
        "{out}"
    );
    assert!(out.contains("did you mean `unused-item`?"), "{out}");
}

#[test]
fn as_of_comes_from_the_flag_then_icp_toml() {
    let src = format!("{SCHEMA}icp i for S {{\n  owner \"o@example.com\"\n  reviewed 2026-01-01 every 90d\n  tier A: otherwise\n}}\n");
    let dir = project(&[
        ("x.icp", src.as_bytes()),
        ("icp.toml", b"[project]\nas_of = \"2026-02-01\"\n"),
    ]);
    let (_, out, _) = icp(&dir, &["check", "x.icp"]);
    assert!(!out.contains("W0401"), "{out}");
    let (_, out, _) = icp(&dir, &["check", "--as-of", "2026-11-01", "x.icp"]);
    assert!(
        out.contains("W0401") && out.contains("due on 2026-04-01"),
        "{out}"
    );
}

#[test]
fn hard_files_on_the_command_line() {
    let big = vec![b' '; 50 * 1024 * 1024];
    let dir = project(&[
        ("bin.icp", &[0x89, b'P', b'N', b'G', 0][..]),
        ("big.icp", &big[..]),
        ("dir.icp/x.icp", SCHEMA.as_bytes()),
    ]);
    let (code, out, _) = icp(&dir, &["check", "bin.icp", "big.icp"]);
    assert_eq!(code, 1);
    assert!(
        out.contains("error[E0002]") && out.contains("error[E0003]"),
        "{out}"
    );
    let importer = "import \"dir.icp\"\n";
    std::fs::write(dir.join("imp.icp"), importer).unwrap();
    let (_, out, _) = icp(&dir, &["check", "imp.icp"]);
    assert!(out.contains("error[E0206]"), "{out}");
}

#[test]
fn output_is_deterministic() {
    let args = [
        "check",
        "--format",
        "json",
        "--as-of",
        "2026-11-01",
        "tests/fixtures",
    ];
    let (_, a, _) = icp(&repo(), &args);
    let (_, b, _) = icp(&repo(), &args);
    assert_eq!(a, b);
}

#[test]
fn explain_code() {
    let (code, out, _) = icp(&repo(), &["explain-code", "W0301"]);
    assert_eq!(code, 0);
    assert!(
        out.starts_with("W0301 (unreachable-tier, warning)"),
        "{out}"
    );
    let (code, out, _) = icp(&repo(), &["explain-code", "unreachable-tier"]);
    assert!(code == 0 && out.starts_with("W0301"));
    let (code, _, err) = icp(&repo(), &["explain-code", "W0310"]);
    assert_eq!(code, 2);
    assert!(err.contains("did you mean"), "{err}");
}

#[test]
fn docs_diagnostics_md_is_generated_from_the_codes() {
    let (_, out, _) = icp(&repo(), &["explain-code", "--all"]);
    let doc = std::fs::read_to_string(repo().join("docs/diagnostics.md")).unwrap_or_default();
    assert!(
        doc == out,
        "docs/diagnostics.md is stale: run `icp explain-code --all > docs/diagnostics.md`"
    );
}

#[test]
fn fmt_rewrites_checks_and_refuses_broken_files() {
    let dir = project(&[
        ("a.icp", b"schema   A{\nid : text key\n}\n"),
        ("b.icp", b"icp x for {\n"),
    ]);
    let (code, out, err) = icp(&dir, &["fmt", "--check", "a.icp"]);
    assert_eq!(code, 1, "{err}");
    assert!(
        out.contains("-schema   A{\n-id : text key\n+schema A {\n+  id: text key\n }\n"),
        "{out}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("a.icp")).unwrap(),
        "schema   A{\nid : text key\n}\n",
        "--check changes nothing"
    );
    let (code, _, _) = icp(&dir, &["fmt", "a.icp"]);
    assert_eq!(code, 0);
    assert_eq!(
        std::fs::read_to_string(dir.join("a.icp")).unwrap(),
        "schema A {\n  id: text key\n}\n"
    );
    let (code, _, _) = icp(&dir, &["fmt", "--check", "a.icp"]);
    assert_eq!(code, 0, "formatted now");
    let (code, _, err) = icp(&dir, &["fmt", "b.icp"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("has syntax errors and was left as it is"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("b.icp")).unwrap(),
        "icp x for {\n"
    );
}

#[test]
fn a_monorepo_check_says_which_product_each_finding_belongs_to() {
    let dir = temp_dir();
    for (product, name) in [("erp", "ERP connector"), ("saas", "Pipeline analytics")] {
        let from = repo().join("examples").join(product);
        let to = dir.join(product);
        std::fs::create_dir_all(&to).unwrap();
        for e in std::fs::read_dir(&from).unwrap() {
            let e = e.unwrap();
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
        assert!(std::fs::read_to_string(to.join("icp.toml"))
            .unwrap()
            .contains(name));
    }
    // One warning in one product: an unused segment.
    let saas = dir.join("saas/icp.icp");
    let text = std::fs::read_to_string(&saas).unwrap();
    std::fs::write(
        &saas,
        format!("{text}\nsegment never_used = employees > 10\n"),
    )
    .unwrap();
    let (code, out, _) = icp(&dir, &["check", "."]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("by product:\n  ERP connector (erp): no problems\n  Pipeline analytics (saas): 0 errors, 1 warning\n"),
        "{out}"
    );
    let (_, out, _) = icp(&dir, &["check", ".", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["diagnostics"][0]["product"], "Pipeline analytics");
    assert_eq!(v["products"][0]["name"], "ERP connector");
    assert_eq!(v["products"][0]["files"], 2);
    assert_eq!(v["products"][1]["warnings"], 1);
    let (_, out, _) = icp(&dir, &["check", ".", "--format", "sarif"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        v["runs"][0]["results"][0]["properties"]["product"],
        "Pipeline analytics"
    );
}

/// Runs `icp` with a time limit: a read that blocks (a FIFO) fails the test
/// instead of hanging it.
fn icp_bounded(dir: &std::path::Path, args: &[&str]) -> (i32, String, String) {
    let (tx, rx) = std::sync::mpsc::channel();
    let (dir, args): (PathBuf, Vec<String>) = (
        dir.to_path_buf(),
        args.iter().map(|a| a.to_string()).collect(),
    );
    std::thread::spawn(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let _ = tx.send(icp(&dir, &args));
    });
    rx.recv_timeout(std::time::Duration::from_secs(30))
        .expect("icp did not answer within 30 s: a read blocked")
}

fn mkfifo(path: &std::path::Path) {
    let ok = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    assert!(ok, "mkfifo failed for {}", path.display());
}

#[test]
fn links_never_lead_outside_the_project() {
    // A secret outside the project, and a project whose files link to it.
    let outside = project(&[("secret.icp", b"enum Leak { the_secret_value }\n")]);
    let dir = project(&[
        ("icp.toml", b"[project]\nname = \"p\"\n"),
        ("main.icp", b"import \"l.icp\"\n"),
        ("sub/inner.icp", b"enum Fine { yes }\n"),
    ]);
    std::os::unix::fs::symlink(outside.join("secret.icp"), dir.join("l.icp")).unwrap();
    std::os::unix::fs::symlink("/etc/passwd", dir.join("passwd.icp")).unwrap();
    // A folder link out of the project, and one that loops back into it.
    std::os::unix::fs::symlink(&outside, dir.join("out")).unwrap();
    std::os::unix::fs::symlink(&dir, dir.join("sub/loop")).unwrap();
    let (code, out, err) = icp_bounded(&dir, &["check", "--format", "json", "."]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        !out.contains("the_secret_value") && !out.contains("root:"),
        "{out}"
    );
    let json: Value = serde_json::from_str(&out).unwrap();
    let diags = json["diagnostics"].as_array().unwrap();
    let escapes: Vec<&Value> = diags.iter().filter(|d| d["code"] == "E0205").collect();
    // The link as a file of the project, and the password file: each
    // located, none read.
    assert_eq!(escapes.len(), 2, "{out}");
    assert!(escapes.iter().all(|d| d["message"]
        .as_str()
        .unwrap()
        .contains("outside the project root")));
    // The loop and the linked folder are not walked: each file is checked once.
    let files: Vec<&str> = diags
        .iter()
        .filter_map(|d| d["location"]["file"].as_str())
        .collect();
    assert!(
        !files
            .iter()
            .any(|f| f.contains("loop/") || f.starts_with("out/")),
        "{out}"
    );
    // Reached by import only, the link is reported at the import.
    let (code, out, _) = icp_bounded(&dir, &["check", "main.icp"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("main.icp:1:8"), "{out}");
    assert!(out.contains("outside the project root"), "{out}");
    assert!(!out.contains("the_secret_value"), "{out}");
}

#[test]
fn pipes_and_devices_are_refused_not_read() {
    let dir = project(&[
        ("icp.toml", b"[project]\nname = \"p\"\n"),
        ("main.icp", b"import \"pipe.icp\"\nimport \"stdin.icp\"\n"),
    ]);
    mkfifo(&dir.join("pipe.icp"));
    mkfifo(&dir.join("direct.icp"));
    std::fs::create_dir(dir.join("folder")).unwrap();
    mkfifo(&dir.join("folder/fifo"));
    std::os::unix::fs::symlink("/dev/stdin", dir.join("stdin.icp")).unwrap();
    // An import of a FIFO and of a link to /dev/stdin.
    let (code, out, err) = icp_bounded(&dir, &["check", "main.icp"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.contains("not a regular file") || out.contains("outside the project root"),
        "{out}"
    );
    assert!(out.contains("pipe.icp"), "{out}");
    // A FIFO named on the command line is a located error, not "no such file".
    let (code, out, err) = icp_bounded(&dir, &["check", "direct.icp"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("not a regular file"), "{out}");
    assert!(!err.contains("no such file"), "{err}");
    // A folder holding one: checked, the FIFO not opened.
    let (code, _, err) = icp_bounded(&dir, &["check", "folder", "main.icp"]);
    assert!(code == 1 || code == 2, "{err}");
}

#[test]
fn every_unreadable_icp_toml_is_a_located_error() {
    let icp_file: &[u8] = b"enum E { a }\n";
    let mut big = b"[project]\nname = \"x\"\n#".to_vec();
    big.resize(9 << 20, b'x');
    let utf16: Vec<u8> = [0xff, 0xfe]
        .into_iter()
        .chain("[project]\n".encode_utf16().flat_map(|u| u.to_le_bytes()))
        .collect();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("too large", big, "MiB"),
        ("utf-16", utf16, "UTF-16"),
        ("nul", b"[project]\nname = \"a\0b\"\n".to_vec(), "not UTF-8"),
        (
            "invalid",
            b"[project\nname = 1\n".to_vec(),
            "invalid icp.toml",
        ),
        (
            "unknown key",
            b"[project]\nnmae = \"x\"\n".to_vec(),
            "invalid icp.toml",
        ),
    ];
    for (what, toml, says) in cases {
        let dir = project(&[("icp.toml", &toml), ("a.icp", icp_file)]);
        let (code, out, err) = icp_bounded(&dir, &["check", "a.icp"]);
        assert_eq!(code, 1, "{what}: {out}{err}");
        assert!(out.contains("icp.toml"), "{what}: {out}");
        assert!(out.contains(says), "{what}: {out}");
    }
    // A folder and a FIFO named icp.toml.
    let dir = project(&[("a.icp", icp_file)]);
    std::fs::create_dir(dir.join("icp.toml")).unwrap();
    let (code, out, _) = icp_bounded(&dir, &["check", "a.icp"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("icp.toml") && out.contains("folder"), "{out}");
    let dir = project(&[("a.icp", icp_file)]);
    mkfifo(&dir.join("icp.toml"));
    let (code, out, _) = icp_bounded(&dir, &["check", "a.icp"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("icp.toml") && out.contains("not a regular file"),
        "{out}"
    );
    // sample_data outside the project, or a device.
    for (value, says) in [
        ("../elsewhere.csv", "outside the project root"),
        ("/dev/zero", "outside the project root"),
    ] {
        let toml = format!("[project]\nsample_data = \"{value}\"\n");
        let dir = project(&[("icp.toml", toml.as_bytes()), ("a.icp", icp_file)]);
        let (code, out, _) = icp_bounded(&dir, &["check", "a.icp"]);
        assert_eq!(code, 1, "{value}: {out}");
        assert!(
            out.contains(says) && out.contains("icp.toml:2"),
            "{value}: {out}"
        );
    }
}

#[test]
fn a_large_lints_table_is_read_and_every_bad_key_located() {
    // 60,000 keys took 10 s when each was found by searching the text.
    let mut toml = String::from("[lints]\n");
    for i in 0..60_000 {
        toml.push_str(&format!("nope{i} = \"allow\"\n"));
    }
    let dir = project(&[("icp.toml", toml.as_bytes()), ("a.icp", b"enum E { a }\n")]);
    let (code, out, _) = icp_bounded(&dir, &["check", "--format", "json", "a.icp"]);
    assert_eq!(code, 1);
    let json: Value = serde_json::from_str(&out).unwrap();
    let diags = json["diagnostics"].as_array().unwrap();
    assert_eq!(diags.len(), 60_000 + 1, "every key, and the unused enum");
    let last = diags
        .iter()
        .find(|d| d["message"] == "unknown diagnostic `nope59999`")
        .unwrap();
    assert_eq!(last["location"]["start"]["line"], 60_001, "{last}");
}

#[test]
fn fmt_keeps_a_files_line_ends_and_prints_unified_hunks() {
    // A CRLF file that needs formatting: real hunks, numbered as `diff -u`
    // numbers them, and the file stays CRLF on every line, comments too.
    let crlf = b"enum  E { a }\r\n// note\r\nschema S {\r\n  id:   text key\r\n}\r\n";
    let dir = project(&[("x.icp", crlf)]);
    let (code, out, _) = icp(&dir, &["fmt", "--check", "x.icp"]);
    assert_eq!(code, 1);
    assert_eq!(
        out,
        "--- x.icp\n+++ x.icp (formatted)\n@@ -1,5 +1,5 @@\n-enum  E { a }\r\n+enum E { a }\r\n // note\r\n schema S {\r\n-  id:   text key\r\n+  id: text key\r\n }\r\n"
    );
    let (code, _, err) = icp(&dir, &["fmt", "x.icp"]);
    assert_eq!(code, 0);
    assert!(
        err.contains("reformatted x.icp\n"),
        "the files changed are named: {err}"
    );
    assert_eq!(
        std::fs::read(dir.join("x.icp")).unwrap(),
        b"enum E { a }\r\n// note\r\nschema S {\r\n  id: text key\r\n}\r\n"
    );
    let (code, out, _) = icp(&dir, &["fmt", "--check", "x.icp"]);
    assert_eq!(
        (code, out.as_str()),
        (0, ""),
        "a formatted CRLF file is formatted"
    );

    // Mixed line ends and nothing else: said in words, then made consistent.
    let dir = project(&[("y.icp", b"enum E { a }\r\n// c\nenum F { b }\n")]);
    let (code, out, _) = icp(&dir, &["fmt", "--check", "y.icp"]);
    assert_eq!(code, 1);
    assert!(out.contains("only line ends differ"), "{out}");
    icp(&dir, &["fmt", "y.icp"]);
    assert_eq!(
        std::fs::read(dir.join("y.icp")).unwrap(),
        b"enum E { a }\r\n// c\r\nenum F { b }\r\n"
    );

    // Hunks far apart are separate, with their own line numbers; a removed
    // blank line makes the counts differ.
    let mut text = String::from("enum  A { a }\n\n\n");
    for i in 0..10 {
        text.push_str(&format!("enum E{i} {{ a }}\n"));
    }
    text.push_str("enum  Z { z }\n");
    let dir = project(&[("z.icp", text.as_bytes())]);
    let (_, out, _) = icp(&dir, &["fmt", "--check", "z.icp"]);
    let headers: Vec<&str> = out.lines().filter(|l| l.starts_with("@@")).collect();
    assert_eq!(headers, ["@@ -1,5 +1,4 @@", "@@ -11,4 +10,4 @@"], "{out}");
}

#[test]
fn tests_that_read_the_date_run_on_a_fixed_day() {
    let icp_text = |test_header: &str| {
        format!(
            "schema S {{\n  id: text key\n  seen: date?\n}}\nicp p for S {{\n  owner \"o@example.com\"\n  reviewed 2026-10-01 every 90d\n  signal recent: seen within 30d weight 10\n  tier A: score >= 10\n  tier B: otherwise\n\n  test \"seen lately is A\" {{\n{test_header}    given {{ seen: 2026-10-20 }}\n    expect tier A\n  }}\n}}\n"
        )
    };
    // No day anywhere: a warning, since the test passes now and fails later.
    let dir = project(&[
        ("icp.toml", b"[project]\n"),
        ("a.icp", icp_text("").as_bytes()),
    ]);
    let (code, out, _) = icp(&dir, &["check", "a.icp"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("warning[W0403]: test \"seen lately is A\" depends on today's date"),
        "{out}"
    );
    assert!(out.contains("`recent` uses `within`"), "{out}");
    // The test's own day: no warning, and it is judged on that day, today
    // or in a year (--as-of stands for the day it runs).
    let dir = project(&[
        ("icp.toml", b"[project]\n"),
        ("a.icp", icp_text("    as_of 2026-11-01\n").as_bytes()),
    ]);
    let (code, out, _) = icp(&dir, &["check", "a.icp"]);
    assert_eq!((code, out.contains("W0403")), (0, false), "{out}");
    for today in ["2026-11-01", "2027-11-01"] {
        let (code, out, _) = icp(&dir, &["test", "--as-of", today, "a.icp"]);
        assert_eq!(code, 0, "{today}: {out}");
        assert!(out.contains("... ok"), "{out}");
    }
    // Without its own day the same test fails a year later: the warning was right.
    let dir = project(&[
        ("icp.toml", b"[project]\n"),
        ("a.icp", icp_text("").as_bytes()),
    ]);
    let (code, _, _) = icp(&dir, &["test", "--as-of", "2027-11-01", "a.icp"]);
    assert_eq!(code, 1);
    // The product's pinned `as_of` is a fixed day too, even under --as-of.
    let dir = project(&[
        ("icp.toml", b"[project]\nas_of = \"2026-11-01\"\n"),
        ("a.icp", icp_text("").as_bytes()),
    ]);
    let (_, out, _) = icp(&dir, &["check", "--as-of", "2027-01-01", "a.icp"]);
    assert!(!out.contains("W0403"), "{out}");
    // The formatter keeps the line.
    let dir = project(&[("a.icp", icp_text("    as_of   2026-11-01\n").as_bytes())]);
    icp(&dir, &["fmt", "a.icp"]);
    let formatted = std::fs::read_to_string(dir.join("a.icp")).unwrap();
    assert!(
        formatted.contains("\n    as_of 2026-11-01\n    given"),
        "{formatted}"
    );
}
