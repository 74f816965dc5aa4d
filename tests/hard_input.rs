//! Input that must never hurt: binary and non-UTF-8 files, huge files, deep
//! nesting, half-typed text and random bytes all end in located diagnostics,
//! never a panic, stack overflow or hang.
#![allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

mod common;

use icp_lang::check::{self, Options};
use icp_lang::diagnostic::Diagnostic;
use icp_lang::project;
use std::path::PathBuf;

fn check_bytes(bytes: Vec<u8>) -> Vec<Diagnostic> {
    let path = PathBuf::from("/p/x.icp");
    let loader = icp_lang::tree::MemTree::new([(path.clone(), bytes)]);
    let project = project::load(&loader, &[path]);
    let diags = check::check(&project, &Options::new(common::as_of())).diagnostics;
    for d in &diags {
        let len = project
            .sources
            .get(d.span().file)
            .map(|f| f.text.len())
            .unwrap_or(0);
        assert!(d.span().end as usize <= len, "span beyond its file: {d:?}");
    }
    diags
}

fn codes(diags: &[Diagnostic]) -> Vec<&'static str> {
    diags.iter().map(|d| d.code).collect()
}

#[test]
fn binary_and_invalid_utf8_are_reported_once() {
    let png = vec![0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13];
    let d = check_bytes(png);
    assert_eq!(codes(&d), ["E0002"]);
    assert!(d[0].message.contains("offset 0"), "{}", d[0].message);

    let latin2 = b"icp zak\xb3ad for A {}".to_vec();
    let d = check_bytes(latin2);
    assert_eq!(codes(&d), ["E0002"]);
    assert!(
        d[0].message.contains("0xb3 at offset 7"),
        "{}",
        d[0].message
    );
}

#[test]
fn a_fifty_megabyte_file_is_refused_not_read() {
    let d = check_bytes(vec![b'x'; 50 * 1024 * 1024]);
    assert_eq!(codes(&d), ["E0003"]);
    assert!(d[0].message.contains("50.0 MiB"), "{}", d[0].message);
}

#[test]
fn deep_nesting_is_a_diagnostic_not_a_stack_overflow() {
    for (open, close) in [("(", ")"), ("[", "]"), ("{", "}")] {
        let src = format!(
            "segment s = {}employees > 1{}\n",
            open.repeat(100_000),
            close.repeat(100_000)
        );
        let d = check_bytes(src.into_bytes());
        assert!(codes(&d).contains(&"E0104"), "{open}: {:?}", codes(&d));
    }
    let nots = format!("segment s = {}x\n", "not ".repeat(100_000));
    assert!(codes(&check_bytes(nots.into_bytes())).contains(&"E0104"));
    // Unbalanced: 100,000 openers and no closers.
    assert!(codes(&check_bytes("(".repeat(100_000).into_bytes())).contains(&"E0104"));
}

#[test]
fn long_flat_files_and_long_chains_check() {
    let mut src = String::from("enum K { a, b }\nschema S { id: text key\n k: K\n n: int }\n");
    src.push_str("icp big for S {\n  owner \"o@example.com\"\n  reviewed 2026-10-01 every 90d\n");
    for i in 0..20_000 {
        src.push_str(&format!("  signal s{i}: n > {i} weight 1\n"));
    }
    src.push_str("  filter chain: ");
    src.push_str(&vec!["n > 1"; 20_000].join(" and "));
    src.push_str("\n  tier A: otherwise\n}\n");
    let d = check_bytes(src.into_bytes());
    assert!(d.is_empty(), "{:?}", codes(&d));
}

/// Every prefix of every fixture (half-typed text, as an editor sees it).
#[test]
fn every_prefix_of_every_fixture_checks_without_panic() {
    let mut files = Vec::new();
    for dir in ["ok", "err"] {
        let mut v: Vec<_> = std::fs::read_dir(common::fixtures_dir().join(dir))
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .collect();
        v.sort();
        files.extend(v);
    }
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        let mut cut = 0;
        while cut < text.len() {
            if text.is_char_boundary(cut) {
                check_bytes(text.as_bytes()[..cut].to_vec());
            }
            cut += 5;
        }
    }
}

#[test]
fn random_token_soup_and_random_bytes_never_panic() {
    let vocab = [
        "icp",
        "x",
        "for",
        "Account",
        "{",
        "}",
        "(",
        ")",
        "[",
        "]",
        "filter",
        "signal",
        "tier",
        "A",
        ":",
        "score",
        ">=",
        "60",
        "weight",
        "25",
        "otherwise",
        "and",
        "or",
        "not",
        "in",
        "500..=2000",
        "$1M",
        "30%",
        "2026-09-01",
        "30d",
        "\"s\"",
        "\n",
        " ",
        "schema",
        "enum",
        "import",
        "\"../x.icp\"",
        "group",
        "cap",
        "persona",
        "job",
        "test",
        "given",
        "expect",
        "extends",
        "override",
        "drop",
        "points",
        "by",
        "=>",
        ",",
        "has",
        "any",
        "matches",
        "within",
        "is",
        "missing",
        "decay",
        "half_life",
        "14d",
        "\"",
        "//",
        "///",
        "?",
        "key",
        "from",
        "set",
        "<",
        ">",
        "segment",
        "=",
        "-10",
    ];
    let mut rng = icp_lang::rng::Rng(0x9E37_79B9_7F4A_7C15);
    for _ in 0..400 {
        let len = rng.below(120) as usize;
        let text: Vec<&str> = (0..len).map(|_| *rng.pick(&vocab)).collect();
        check_bytes(text.join(" ").into_bytes());
    }
    for _ in 0..200 {
        let len = rng.below(300) as usize;
        let bytes: Vec<u8> = (0..len)
            .map(|_| rng.below(128) as u8)
            .filter(|b| *b != 0)
            .collect();
        check_bytes(bytes);
    }
}
