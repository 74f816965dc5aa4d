//! `icp fmt` is trustworthy: on every fixture and example it is idempotent,
//! keeps every token and comment, and leaves the syntax tree equal (spans
//! aside); random white space inside lines formats to the same text.
#![allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use icp_lang::fmt::{format_source, significant};
use icp_lang::span::FileId;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn files() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut out = Vec::new();
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|e| e == "icp") {
                out.push(p);
            }
        }
    }
    walk(&root.join("tests/fixtures"), &mut out);
    walk(&root.join("examples"), &mut out);
    out
}

/// The syntax tree with every span removed.
fn tree(src: &str) -> Value {
    fn strip(v: &mut Value) {
        let is_span = |m: &serde_json::Map<String, Value>| {
            m.len() == 3 && ["file", "start", "end"].iter().all(|k| m.contains_key(*k))
        };
        match v {
            Value::Object(m) if is_span(m) => *v = Value::Null,
            Value::Object(m) => {
                m.remove("span");
                m.values_mut().for_each(strip);
            }
            Value::Array(a) => a.iter_mut().for_each(strip),
            _ => {}
        }
    }
    let mut v = serde_json::to_value(icp_lang::parser::parse(FileId(0), src).ast).unwrap();
    strip(&mut v);
    v
}

#[test]
fn formatting_is_idempotent_and_changes_only_white_space() {
    let mut formatted = 0;
    for path in files() {
        let src = std::fs::read_to_string(&path).unwrap();
        let Ok(once) = format_source(FileId(0), &src) else {
            continue;
        };
        let twice = format_source(FileId(0), &once).unwrap();
        assert_eq!(once, twice, "{}: not idempotent", path.display());
        assert_eq!(
            significant(&src),
            significant(&once),
            "{}: tokens or comments changed",
            path.display()
        );
        assert_eq!(
            tree(&src),
            tree(&once),
            "{}: the syntax tree changed",
            path.display()
        );
        formatted += 1;
    }
    assert!(formatted >= 40, "only {formatted} files formatted");
}

#[test]
fn examples_are_already_formatted() {
    for path in files()
        .into_iter()
        .filter(|p| p.to_string_lossy().contains("examples"))
    {
        let src = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            format_source(FileId(0), &src).unwrap(),
            src,
            "{} is not in canonical layout",
            path.display()
        );
    }
}

#[test]
fn random_spaces_inside_lines_format_to_the_same_text() {
    let mut state = 0x1234_5678_9ABC_DEF1_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for path in files() {
        let src = std::fs::read_to_string(&path).unwrap();
        let Ok(expected) = format_source(FileId(0), &src) else {
            continue;
        };
        // Widen or add spaces between tokens, never inside one, never across lines.
        let mut messy = String::new();
        for t in icp_lang::lexer::lex(&src) {
            let text = t.text(&src);
            match t.kind {
                icp_lang::lexer::TokenKind::Whitespace => {
                    messy.push_str(&" ".repeat(1 + (next() % 4) as usize))
                }
                icp_lang::lexer::TokenKind::Newline => messy.push('\n'),
                _ => {
                    messy.push_str(text);
                    if next() % 3 == 0
                        && !matches!(
                            t.kind,
                            icp_lang::lexer::TokenKind::Comment
                                | icp_lang::lexer::TokenKind::DocComment
                        )
                    {
                        messy.push(' ');
                    }
                }
            }
        }
        if icp_lang::lexer::lex(&messy)
            .iter()
            .filter(|t| !t.kind.is_trivia())
            .count()
            != icp_lang::lexer::lex(&src)
                .iter()
                .filter(|t| !t.kind.is_trivia())
                .count()
        {
            continue; // a space split a token (`..=` into `.. =`): not the same program
        }
        assert_eq!(
            format_source(FileId(0), &messy).unwrap(),
            expected,
            "{}",
            path.display()
        );
    }
}

#[test]
fn formatted_fixtures() {
    insta::glob!("fixtures/ok/*.icp", |path| {
        let src = std::fs::read_to_string(path).unwrap();
        insta::with_settings!({ prepend_module_to_snapshot => false, omit_expression => true }, {
            insta::assert_snapshot!(format_source(FileId(0), &src).unwrap());
        });
    });
}
