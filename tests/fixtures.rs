//! The fixture corpus: every `tests/fixtures/{ok,err}/*.icp` is checked and
//! snapshotted (source and rendered diagnostics), and every parse tree is
//! checked for span invariants and agreement between pest and logos.

#![allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

mod common;

use icp_lang::lexer::{lex, TokenKind};
use icp_lang::parser::{IcpParser, Rule};
use icp_lang::render;
use pest::Parser;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;

fn snapshot(path: &Path, expect_clean: bool) {
    let root = common::fixtures_dir();
    let (project, diags) = common::check_file(&root, path);
    let source = std::fs::read_to_string(path).unwrap_or_default();
    if expect_clean {
        assert!(
            diags.is_empty(),
            "{} should check clean:\n{}",
            path.display(),
            render::human(&project.sources, &diags, false)
        );
    } else {
        assert!(
            !diags.is_empty(),
            "{} should have diagnostics",
            path.display()
        );
    }
    for d in &diags {
        assert!(
            !d.primary.message.is_empty(),
            "{}: {} has no primary label",
            path.display(),
            d.code
        );
        let first = d.message.chars().next().unwrap_or('x');
        assert!(
            !first.is_uppercase() || d.message.starts_with("ICP"),
            "{}: message starts uppercase: {}",
            path.display(),
            d.message
        );
        assert!(
            !d.message.ends_with('.'),
            "{}: message ends with a period: {}",
            path.display(),
            d.message
        );
        let text = &project
            .sources
            .get(d.span().file)
            .map(|f| f.text.clone())
            .unwrap_or_default();
        for span in std::iter::once(d.span()).chain(d.secondary.iter().map(|l| l.span)) {
            assert!(
                span.start <= span.end && span.end as usize <= text.len(),
                "{}: span out of bounds: {d:?}",
                path.display()
            );
            assert!(
                text.is_char_boundary(span.start as usize)
                    && text.is_char_boundary(span.end as usize),
                "{}: span splits a character",
                path.display()
            );
        }
    }
    for f in project.parsed() {
        let text = project
            .sources
            .get(f.id)
            .map(|s| s.text.as_str())
            .unwrap_or("");
        let tree = serde_json::to_value(&f.ast).unwrap_or(Value::Null);
        check_spans(&tree, (0, text.len() as u64), path);
        if !diags
            .iter()
            .any(|d| d.span().file == f.id && d.code.starts_with("E01"))
        {
            pest_agrees_with_logos(text, path);
        }
    }
    let rendered = render::human(&project.sources, &diags, false);
    insta::with_settings!({ prepend_module_to_snapshot => false, omit_expression => true }, {
        insta::assert_snapshot!(format!("{source}\n----- diagnostics -----\n{rendered}"));
    });
}

#[test]
fn ok_fixtures() {
    insta::glob!("fixtures/ok/*.icp", |path| snapshot(path, true));
}

#[test]
fn err_fixtures() {
    insta::glob!("fixtures/err/*.icp", |path| snapshot(path, false));
}

/// Every node's span lies inside its parent's, and siblings come in order.
fn check_spans(v: &Value, parent: (u64, u64), path: &Path) {
    match v {
        Value::Object(map) => {
            let own = map.get("span").and_then(span_of);
            let bounds = match own {
                Some((s, e)) => {
                    assert!(
                        parent.0 <= s && e <= parent.1 && s <= e,
                        "{}: span {s}..{e} outside parent {parent:?} in {v}",
                        path.display()
                    );
                    (s, e)
                }
                None => parent,
            };
            for (k, child) in map {
                if k != "span" {
                    check_spans(child, bounds, path);
                }
            }
        }
        Value::Array(items) => {
            let mut last_start = 0;
            for item in items {
                if let Some((s, _)) = first_span(item) {
                    assert!(
                        s >= last_start,
                        "{}: siblings out of order at {s}",
                        path.display()
                    );
                    last_start = s;
                }
                check_spans(item, parent, path);
            }
        }
        _ => {}
    }
}

fn span_of(v: &Value) -> Option<(u64, u64)> {
    Some((v.get("start")?.as_u64()?, v.get("end")?.as_u64()?))
}

fn first_span(v: &Value) -> Option<(u64, u64)> {
    match v {
        Value::Object(map) => map
            .get("span")
            .and_then(span_of)
            .or_else(|| map.values().find_map(first_span)),
        Value::Array(items) => items.first().and_then(first_span),
        _ => None,
    }
}

/// With no syntax errors, the whole-file pest parse succeeds and every leaf
/// pair is exactly one logos token of a matching kind; the tokens left over
/// are punctuation.
fn pest_agrees_with_logos(text: &str, path: &Path) {
    let pairs = match IcpParser::parse(Rule::file, text) {
        Ok(p) => p,
        Err(e) => panic!(
            "{}: item-wise parse succeeded but whole-file parse failed: {e}",
            path.display()
        ),
    };
    let mut leaves = Vec::new();
    for pair in pairs.flatten() {
        if pair.clone().into_inner().next().is_none() && pair.as_rule() != Rule::EOI {
            let s = pair.as_span();
            leaves.push((s.start() as u32, s.end() as u32, pair.as_rule()));
        }
    }
    let tokens: Vec<_> = lex(text)
        .into_iter()
        .filter(|t| !t.kind.is_trivia())
        .collect();
    let leaf_spans: BTreeSet<(u32, u32)> = leaves.iter().map(|(s, e, _)| (*s, *e)).collect();
    for (s, e, rule) in &leaves {
        let tok = tokens.iter().find(|t| t.start == *s && t.end == *e);
        let Some(tok) = tok else {
            panic!(
                "{}: pest leaf {rule:?} at {s}..{e} is not one logos token",
                path.display()
            )
        };
        let ok = match rule {
            Rule::ident | Rule::boolean => tok.kind == TokenKind::Ident,
            r if format!("{r:?}").starts_with("kw_") => tok.kind == TokenKind::Ident,
            Rule::number => tok.kind == TokenKind::Number,
            Rule::money => tok.kind == TokenKind::Money,
            Rule::percent => tok.kind == TokenKind::Percent,
            Rule::date => tok.kind == TokenKind::Date,
            Rule::duration => tok.kind == TokenKind::Duration,
            Rule::string => tok.kind == TokenKind::String,
            Rule::cmp_op => matches!(
                tok.kind,
                TokenKind::Lt
                    | TokenKind::Gt
                    | TokenKind::Le
                    | TokenKind::Ge
                    | TokenKind::EqEq
                    | TokenKind::Ne
            ),
            Rule::range_op => matches!(tok.kind, TokenKind::DotDot | TokenKind::DotDotEq),
            Rule::optional_mark => tok.kind == TokenKind::Question,
            _ => false,
        };
        assert!(
            ok,
            "{}: pest {rule:?} at {s}..{e} but logos says {:?}",
            path.display(),
            tok.kind
        );
    }
    for t in &tokens {
        if !leaf_spans.contains(&(t.start, t.end)) {
            assert!(
                t.kind.is_punct(),
                "{}: logos token {:?} `{}` has no pest leaf",
                path.display(),
                t.kind,
                t.text(text)
            );
        }
    }
}

/// Every diagnostic code has at least one fixture (the file-level ones have
/// their own tests in `hard_input.rs` and `cli.rs`, the SQL back end's in
/// `sql.rs`).
#[test]
fn every_code_has_a_fixture() {
    let root = common::fixtures_dir();
    let mut seen = BTreeSet::new();
    let mut entries: Vec<_> = std::fs::read_dir(root.join("err"))
        .map(|rd| rd.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    entries.sort();
    for path in entries {
        let (_, diags) = common::check_file(&root, &path);
        seen.extend(diags.iter().map(|d| d.code));
    }
    // E0401 comes from `icp compile --emit sql`, not `icp check` (tests/sql.rs);
    // W0403 needs a project without a pinned `as_of`, which the corpus has
    // (tests/cli.rs); W0501 needs an icp.toml with [outcomes] (tests/evidence.rs).
    let tested_elsewhere = [
        "E0001", "E0002", "E0003", "E0004", "E0401", "W0403", "W0501",
    ];
    let missing: Vec<&str> = icp_lang::codes::CODES
        .iter()
        .map(|c| c.code)
        .filter(|c| !seen.contains(c) && !tested_elsewhere.contains(c))
        .collect();
    assert!(missing.is_empty(), "codes without a fixture: {missing:?}");
}

/// Every quick fix offered for a newcomer's mistake, applied, gives a file
/// in which that mistake is gone: the fixes really parse and type, and only
/// the finding without a fix (a date that reads both ways) is left.
#[test]
fn newcomer_fixes_apply_and_check() {
    let root = common::fixtures_dir();
    let path = root.join("err/newcomer_mistakes.icp");
    let (_, diags) = common::check_file(&root, &path);
    let mut text = std::fs::read_to_string(&path).unwrap();
    let mut edits: Vec<(usize, usize, String)> = diags
        .iter()
        .filter_map(|d| d.fix.as_ref())
        .flat_map(|f| f.edits.iter())
        .map(|e| {
            (
                e.span.start as usize,
                e.span.end as usize,
                e.replacement.clone(),
            )
        })
        .collect();
    assert!(edits.len() >= 13, "a fix for each mistake: {edits:?}");
    edits.sort_by_key(|e| std::cmp::Reverse(e.0));
    for (s, e, r) in edits {
        text.replace_range(s..e, &r);
    }
    let fixed = common::temp_dir();
    std::fs::create_dir_all(fixed.join("err")).unwrap();
    std::fs::create_dir_all(fixed.join("shared")).unwrap();
    std::fs::copy(
        root.join("shared/account.icp"),
        fixed.join("shared/account.icp"),
    )
    .unwrap();
    std::fs::copy(root.join("icp.toml"), fixed.join("icp.toml")).unwrap();
    std::fs::write(fixed.join("err/fixed.icp"), &text).unwrap();
    let (_, after) = common::check_file(&fixed, &fixed.join("err/fixed.icp"));
    let errors: Vec<String> = after
        .iter()
        .filter(|d| d.severity == icp_lang::diagnostic::Severity::Error)
        .map(|d| format!("{} {}", d.code, d.message))
        .collect();
    assert_eq!(
        errors,
        ["E0106 `03/04/2026` is not a date icp reads"],
        "{text}"
    );
}
