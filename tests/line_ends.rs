//! Line ends: LF, CRLF and a lone CR (old Mac exports) are all line ends.
//! A CR-only file checks, formats and runs its tests exactly as its LF twin,
//! and so does every fixture and example rewritten with CR or CRLF.
#![allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

mod common;

use icp_lang::check::{self, Options};
use icp_lang::project;
use icp_lang::source::normalize;
use std::path::Path;

/// What a user sees of a file: its diagnostics (code, line:col to
/// line:col, message), its formatting and its tests' results.
#[derive(Debug, PartialEq)]
struct Outcome {
    diagnostics: Vec<String>,
    formatted: Option<String>,
    tests: Vec<String>,
}

fn outcome(root: &Path, path: &Path, text: &str) -> Outcome {
    let path = normalize(path);
    let loader = common::Rewritten {
        disk: icp_lang::disk::Disk::at(normalize(root)),
        path: path.clone(),
        text: text.to_string(),
    };
    let project = project::load(&loader, std::slice::from_ref(&path));
    let checked = check::check(&project, &Options::new(common::as_of()));
    let diagnostics = checked
        .diagnostics
        .iter()
        .map(|d| {
            let s = d.span();
            let lines = &project.sources.get(s.file).unwrap().lines;
            let (a, b) = (lines.line_col(s.start), lines.line_col(s.end));
            format!(
                "{} {}:{}-{}:{} {}",
                d.code, a.line, a.col, b.line, b.col, d.message
            )
        })
        .collect();
    let formatted = icp_lang::fmt::format_source(icp_lang::span::FileId(0), text).ok();
    let mut tests = Vec::new();
    for id in checked.icps_in(icp_lang::span::FileId(0)) {
        if checked.has_errors.contains(&id) {
            continue;
        }
        let Some(plan) = icp_lang::plan::lower_icp(&checked, id, common::as_of()) else {
            continue;
        };
        for r in icp_lang::testing::run_tests(&checked, id, &plan) {
            let lc = project
                .sources
                .get(r.span.file)
                .unwrap()
                .lines
                .line_col(r.span.start);
            tests.push(format!(
                "{}:{} {} {:?}",
                lc.line, lc.col, r.name, r.failures
            ));
        }
    }
    Outcome {
        diagnostics,
        formatted,
        tests,
    }
}

#[test]
fn a_cr_only_file_is_its_lf_twin() {
    let path = common::repo().join("tests/line_ends/old_mac.icp");
    let cr = std::fs::read_to_string(&path).unwrap();
    assert!(
        cr.contains('\r') && !cr.contains('\n'),
        "the fixture lost its CRs"
    );
    let lf = cr.replace('\r', "\n");
    let root = path.parent().unwrap();
    let (a, b) = (outcome(root, &path, &cr), outcome(root, &path, &lf));
    assert_eq!(a, b);
    assert!(a.diagnostics.is_empty(), "{:?}", a.diagnostics);
    assert_eq!(a.tests.len(), 3, "{:?}", a.tests);
    assert_eq!(
        a.tests.iter().filter(|t| t.ends_with("[]")).count(),
        2,
        "{:?}",
        a.tests
    );
    assert_eq!(a.formatted.as_deref(), Some(lf.as_str()));
    // Formatting a file keeps its line ends: an old Mac file stays CR.
    let kept = icp_lang::fmt::format_file(icp_lang::span::FileId(0), &cr).ok();
    assert_eq!(kept.as_deref(), Some(cr.as_str()));
}

/// Every fixture and example, with its line ends turned into CR or CRLF,
/// reads as the original: same diagnostics at the same lines and columns,
/// same formatting, same test results.
#[test]
fn every_file_reads_the_same_with_cr_or_crlf_line_ends() {
    let files = common::corpus();
    assert!(files.len() > 20);
    for f in files {
        let lf = std::fs::read_to_string(&f).unwrap();
        let root = common::root_of(&f);
        let want = outcome(&root, &f, &lf);
        for end in ["\r", "\r\n"] {
            let got = outcome(&root, &f, &lf.replace('\n', end));
            assert_eq!(got, want, "{} with {end:?} line ends", f.display());
        }
    }
}
