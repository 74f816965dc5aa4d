//! Hostile accounts through `icp score`, seeded: random bytes, quotes, CR/LF
//! mixes, huge fields, stray delimiters, byte-order marks and mutations of
//! the examples' CSV, as CSV and as JSON lines, under every `--on-error`.
//!
//! Every run must end with exit code 0, 1 or 2 (never a panic), leave either
//! a whole output file or none (and no temporary file), account for every
//! record (read = passed + removed + unreadable + skipped, as the summary
//! says, and one output row per passed or removed account), and stay inside
//! an address-space limit.
//!
//! `ICP_FUZZ_ITERATIONS=2000 cargo test --test accounts_fuzz` runs longer;
//! `ICP_FUZZ_SEED` picks another sequence.
#![allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

mod common;

use common::{icp_limited, mutate, repo, temp_dir};
use icp_lang::rng::Rng;
use std::path::Path;

/// Address space for one run of `icp` (worker threads reserve arenas, so
/// this is well above what is touched).
const MEMORY_MIB: u64 = 1536;

const EXAMPLES: &[(&str, &str, &str)] = &[
    (
        "examples/erp/icp.icp",
        "examples/erp/accounts.csv",
        "mid_market_manufacturing",
    ),
    (
        "examples/saas/icp.icp",
        "examples/saas/companies.csv",
        "pipeline_analytics",
    ),
    (
        "examples/intent/icp.icp",
        "examples/intent/accounts.csv",
        "in_market",
    ),
];

/// The example's records as JSON lines (every cell a string).
fn to_json_lines(csv_text: &[u8]) -> Vec<u8> {
    let mut r = csv::ReaderBuilder::new().from_reader(csv_text);
    let headers: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    let mut out = Vec::new();
    for rec in r.records() {
        let rec = rec.unwrap();
        let obj: serde_json::Map<String, serde_json::Value> = headers
            .iter()
            .zip(rec.iter())
            .map(|(h, v)| (h.clone(), serde_json::Value::String(v.to_string())))
            .collect();
        out.extend(serde_json::to_vec(&obj).unwrap());
        out.push(b'\n');
    }
    out
}

/// The numbers of the summary's first line and its "left out" and
/// "skipped" lines.
fn summary_counts(err: &str) -> Option<(u64, u64, u64, u64, u64)> {
    let num = |s: &str| s.replace(',', "").parse::<u64>().ok();
    let line = err.lines().find(|l| l.contains(": read "))?;
    let rest = line.split(": read ").nth(1)?;
    let words: Vec<&str> = rest.split_whitespace().collect();
    let read = num(words.first()?)?;
    let passed = num(words.get(2)?)?;
    let removed = num(words.get(6)?)?;
    let after = |prefix: &str| {
        err.lines()
            .find_map(|l| l.trim().strip_prefix(prefix))
            .and_then(|r| num(r.split_whitespace().next()?))
            .unwrap_or(0)
    };
    Some((read, passed, removed, after("left out"), after("skipped")))
}

fn check_run(dir: &Path, icp_file: &str, name: &str, data: &str, on_error: &str, what: &str) {
    let out = dir.join("out.csv");
    let _ = std::fs::remove_file(&out);
    let (code, _, err) = icp_limited(
        dir,
        &[
            "score",
            icp_file,
            data,
            "--icp",
            name,
            "--on-error",
            on_error,
            "-o",
            "out.csv",
            "--format",
            "csv",
        ],
        MEMORY_MIB,
    );
    assert!(
        !err.contains("panicked") && matches!(code, 0..=2),
        "{what} --on-error {on_error}: exit {code}\n{err}"
    );
    let leftovers: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(
        leftovers.is_empty(),
        "{what}: temporary files {leftovers:?}"
    );
    if code != 0 {
        assert!(
            !out.exists(),
            "{what} --on-error {on_error}: a failed run wrote output"
        );
        return;
    }
    let (read, passed, removed, unreadable, skipped) = summary_counts(&err)
        .unwrap_or_else(|| panic!("{what} --on-error {on_error}: no summary in\n{err}"));
    assert_eq!(
        read,
        passed + removed + unreadable + skipped,
        "{what} --on-error {on_error}: every record accounted for\n{err}"
    );
    if on_error == "fail" {
        assert_eq!((unreadable, skipped), (0, 0), "{what}: {err}");
    }
    let text = std::fs::read(&out).unwrap();
    let mut r = csv::ReaderBuilder::new().from_reader(text.as_slice());
    let mut rows = 0u64;
    for record in r.byte_records() {
        record.unwrap();
        rows += 1;
    }
    assert_eq!(
        rows,
        passed + removed,
        "{what} --on-error {on_error}: one row per account scored\n{err}"
    );
}

#[test]
fn hostile_accounts_never_panic_lose_records_or_leave_partial_output() {
    let iterations: u64 = std::env::var("ICP_FUZZ_ITERATIONS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(30);
    let seed: u64 = std::env::var("ICP_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x05ee_d1c9_acc0_u64);
    let mut rng = Rng(seed.max(1));
    let dir = temp_dir();
    let started = std::time::Instant::now();
    for i in 0..iterations {
        let (icp_file, data_file, name) = *rng.pick(EXAMPLES);
        let original = std::fs::read(repo().join(data_file)).unwrap();
        let json = rng.chance(30);
        let mut data = if json {
            to_json_lines(&original)
        } else {
            original
        };
        if rng.chance(5) {
            data = (0..rng.below(4096)).map(|_| rng.next_u64() as u8).collect();
        }
        for _ in 0..1 + rng.below(6) {
            mutate(&mut rng, &mut data);
        }
        let file = if json { "data.jsonl" } else { "data.csv" };
        std::fs::write(dir.join(file), &data).unwrap();
        let icp_path = repo().join(icp_file);
        let what = format!("iteration {i} (seed {seed}, {file}, {} bytes)", data.len());
        for on_error in ["fail", "skip", "missing"] {
            check_run(
                &dir,
                icp_path.to_str().unwrap(),
                name,
                file,
                on_error,
                &what,
            );
        }
    }
    eprintln!("{iterations} inputs in {:?}", started.elapsed());
}
