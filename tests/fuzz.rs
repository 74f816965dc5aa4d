//! Seeded mutation of every fixture and example: byte flips, token
//! deletions and duplications, truncations, CR/LF swaps and deep nesting.
//! Every mutant goes through parse, check and `fmt`: no panic, every
//! diagnostic span on character boundaries of its file, formatting
//! idempotent, and a formatted mutant checks with no new errors.
//!
//! CI runs a few mutants per file (seconds); `ICP_FUZZ_MUTANTS=500` runs
//! more, and `ICP_FUZZ_SEED=n` another sequence.
#![allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

mod common;

use icp_lang::check::{self, Options};
use icp_lang::lexer::lex;
use icp_lang::project;
use icp_lang::rng::Rng;
use icp_lang::source::{decode, normalize};
use icp_lang::span::FileId;
use std::collections::BTreeMap;
use std::path::Path;

/// One random change to the bytes of a file.
fn mutate(rng: &mut Rng, src: &[u8]) -> Vec<u8> {
    let mut out = src.to_vec();
    // Token offsets only for text (a flipped byte may have left UTF-8).
    let tokens = lex(std::str::from_utf8(src).unwrap_or(""));
    let at = |rng: &mut Rng, len: usize| rng.below(len as u64 + 1) as usize;
    match rng.below(7) {
        // Flip one byte (may leave UTF-8).
        0 if !out.is_empty() => {
            let i = at(rng, out.len() - 1);
            out[i] ^= 1 << rng.below(8);
        }
        // Delete a token.
        1 if !tokens.is_empty() => {
            let t = rng.pick(&tokens);
            out.drain(t.start as usize..t.end as usize);
        }
        // Duplicate a run of tokens.
        2 if !tokens.is_empty() => {
            let i = rng.below(tokens.len() as u64) as usize;
            let j = (i + 1 + rng.below(6) as usize).min(tokens.len());
            let (a, b) = (tokens[i].start as usize, tokens[j - 1].end as usize);
            let copy = out[a..b].to_vec();
            out.splice(b..b, copy);
        }
        // Truncate.
        3 => out.truncate(at(rng, out.len())),
        // Swap line ends: LF to CR or CRLF, CRLF to LF, CR to LF.
        4 => {
            let ends: [&[u8]; 4] = [b"\r", b"\r\n", b"\n\r", b""];
            let to = rng.pick(&ends);
            let mut swapped = Vec::with_capacity(out.len());
            for &b in &out {
                if b == b'\n' && rng.chance(50) {
                    swapped.extend_from_slice(to);
                } else {
                    swapped.push(b);
                }
            }
            out = swapped;
        }
        // Deep nesting at a random token.
        5 if !tokens.is_empty() => {
            let t = rng.pick(&tokens);
            let depth = 1 + rng.below(200) as usize;
            let (open, close) = *rng.pick(&[("(", ")"), ("[", "]"), ("{", "}"), ("not ", "")]);
            let nest = format!("{}x{}", open.repeat(depth), close.repeat(depth));
            out.splice(t.start as usize..t.start as usize, nest.into_bytes());
        }
        // Insert a piece of another part of the file.
        _ if !tokens.is_empty() => {
            let t = rng.pick(&tokens);
            let piece = out[t.start as usize..t.end as usize].to_vec();
            let i = rng.pick(&tokens).end as usize;
            out.splice(i..i, piece);
        }
        _ => out.push(b'}'),
    }
    out
}

/// Checks `text` as the file at `path`; the errors by (code, message).
fn errors(path: &Path, text: &str) -> BTreeMap<(String, String), usize> {
    let loader = common::Rewritten {
        disk: icp_lang::disk::Disk::at(normalize(&common::root_of(path))),
        path: normalize(path),
        text: text.to_string(),
    };
    let project = project::load(&loader, &[normalize(path)]);
    let checked = check::check(&project, &Options::new(common::as_of()));
    let mut out = BTreeMap::new();
    for d in &checked.diagnostics {
        let s = d.span();
        let file = &project.sources.get(s.file).unwrap().text;
        assert!(
            s.start <= s.end
                && file.is_char_boundary(s.start as usize)
                && file.is_char_boundary(s.end as usize),
            "{}: span {s:?} not on character boundaries: {d:?}",
            path.display()
        );
        if d.severity == icp_lang::diagnostic::Severity::Error {
            *out.entry((d.code.to_string(), d.message.clone()))
                .or_default() += 1;
        }
    }
    out
}

#[test]
fn mutated_files_check_and_format_safely() {
    let mutants: usize = std::env::var("ICP_FUZZ_MUTANTS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(30);
    let seed: u64 = std::env::var("ICP_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x1CF0_2026);
    let started = std::time::Instant::now();
    let mut formatted = 0;
    for (n, path) in common::corpus().into_iter().enumerate() {
        let original = std::fs::read(&path).unwrap();
        let mut rng = Rng((seed ^ (n as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15)) | 1);
        let mut bytes = original.clone();
        for m in 0..mutants {
            // Mostly one change to the original, sometimes a pile of them.
            if m % 4 == 0 {
                bytes = original.clone();
            }
            bytes = mutate(&mut rng, &bytes);
            let Ok(text) = decode(bytes.clone()) else {
                // Not text: the loader's E0002 path, checked for spans too.
                let lossy = String::from_utf8_lossy(&bytes).into_owned();
                let _ = icp_lang::parser::parse(FileId(0), &lossy);
                continue;
            };
            let before = errors(&path, &text);
            match icp_lang::fmt::format_file(FileId(0), &text) {
                Ok(f) => {
                    formatted += 1;
                    let again = icp_lang::fmt::format_file(FileId(0), &f);
                    assert_eq!(
                        again.as_ref().ok(),
                        Some(&f),
                        "{} mutant {m}: formatting is not idempotent\n{text:?}",
                        path.display()
                    );
                    let after = errors(&path, &f);
                    let new: Vec<_> = after
                        .iter()
                        .filter(|(k, n)| before.get(*k).is_none_or(|b| b < *n))
                        .collect();
                    assert!(
                        new.is_empty(),
                        "{} mutant {m}: formatting brought new errors {new:?}\n{text:?}",
                        path.display()
                    );
                }
                Err(diags) => assert!(
                    diags
                        .iter()
                        .all(|d| !d.message.contains("would change this file's tokens")),
                    "{} mutant {m}: the formatter would change tokens\n{text:?}",
                    path.display()
                ),
            }
        }
    }
    assert!(formatted > 0);
    eprintln!(
        "{mutants} mutants per file, {formatted} formatted, in {:?}",
        started.elapsed()
    );
}
