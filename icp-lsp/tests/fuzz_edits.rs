//! A seeded random stream of edits through the server in process:
//! insertions, deletions and replacements at random UTF-16 positions (CRLF,
//! lone CR, emoji and CJK text included), incremental and full changes. The
//! server must not panic, and the diagnostics it publishes for the last
//! version must be what the library's check gives on the final text.
//!
//! `ICP_FUZZ_SEEDS=200` runs more seeds than CI's few (each seed a fresh
//! server and a few hundred edits); `ICP_FUZZ_FIRST_SEED=n` starts at seed n.
#![allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use futures::StreamExt;
use icp_lang::ide::position::{Encoding, Position, PositionIndex};
use icp_lang::rng::Rng;
use serde_json::{json, Value};
use std::path::PathBuf;
use tower_lsp::jsonrpc::Request;
use tower_lsp::LspService;
use tower_service::Service;

const PATH: &str = "/tmp/icp-lsp-fuzz/doc.icp";
const URI: &str = "file:///tmp/icp-lsp-fuzz/doc.icp";

/// Pieces an edit inserts: tokens of the language, line ends of every
/// kind, wide characters, and text that breaks things.
const PIECES: &[&str] = &[
    "\n",
    "\r\n",
    "\r",
    " ",
    "  ",
    "😀",
    "名前",
    "ż",
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    ":",
    ",",
    "==",
    "..=",
    "\"",
    "// c",
    "/// d",
    "icp ",
    "for ",
    "signal ",
    "filter ",
    "tier ",
    "weight 5",
    "score >= 10",
    "otherwise",
    "employees",
    "industry",
    "saas",
    "and ",
    "test \"t\" {",
    "given { employees: 5 }",
    "expect tier A",
    "not ",
    "\"x\"",
    "2026-01-01",
    "90d",
    "$5k",
    "30%",
    "@",
    "\t",
];

const BASE: &str = "// 😀 accounts, 名前\r\nenum Industry { saas, retail }\r\nschema Company {\n  id: text key\r\n  industry: Industry\r  employees: int\n}\nicp i for Company {\r\n  owner \"o@example.com\"\n  reviewed 2026-10-01 every 90d\n  filter big: employees >= 50 because \"small shops do not buy\"\n  signal software: industry == saas weight 20\n  tier A: score >= 20\n  tier B: otherwise\n  test \"t\" {\n    given { industry: saas, employees: 900 }\n    expect tier A\n  }\n}\n";

/// What the library says of `text`: (code, start, end, message) with
/// positions in UTF-16, as the server must publish them.
fn expected(text: &str) -> Vec<(String, Value, Value, String)> {
    // The document alone, through the same workspace as `icp check`.
    let tree = icp_lang::tree::MemTree::new([(PathBuf::from(PATH), text)]);
    let ws = icp_lang::workspace::Workspace::load(
        &tree,
        vec![PathBuf::from(PATH)],
        None,
        icp_lang::disk::today(),
    );
    let checked = ws.check();
    let diagnostics = ws.diagnostics(&checked.diagnostics, false);
    let index = PositionIndex::new(text);
    let pos = |o: u32| {
        let p = index.position(o, Encoding::Utf16);
        json!({ "line": p.line, "character": p.character })
    };
    diagnostics
        .iter()
        .filter(|d| d.span().file == icp_lang::span::FileId(0))
        .map(|d| {
            (
                d.code.to_string(),
                pos(d.span().start),
                pos(d.span().end),
                d.message.clone(),
            )
        })
        .collect()
}

fn published(d: &Value) -> Vec<(String, Value, Value, String)> {
    d["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["code"].as_str().unwrap().to_string(),
                x["range"]["start"].clone(),
                x["range"]["end"].clone(),
                x["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// A random position in `text`: usually a character boundary turned into
/// UTF-16, sometimes a column past the end of its line (which means the
/// line's end). Returns the position and the byte offset it means.
fn random_position(rng: &mut Rng, text: &str) -> (Position, usize) {
    let index = PositionIndex::new(text);
    let mut at = rng.below(text.len() as u64 + 1) as usize;
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    let mut p = index.position(at as u32, Encoding::Utf16);
    if rng.chance(10) {
        // Past the end of the line, as Neovim sends for "append".
        let end = index.offset(
            Position {
                line: p.line,
                character: u32::MAX / 2,
            },
            Encoding::Utf16,
        );
        p.character = index.position(end, Encoding::Utf16).character + 1 + rng.below(5) as u32;
    }
    (p, index.offset(p, Encoding::Utf16) as usize)
}

/// Runs one seed; the number of diagnostics compared.
async fn run(seed: u64, edits: usize) -> usize {
    let (mut service, socket) = LspService::new(icp_lsp::Server::new);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        let mut socket = socket;
        while let Some(msg) = socket.next().await {
            if msg.method() == "textDocument/publishDiagnostics" {
                let _ = tx.send(msg.params().cloned().unwrap_or(Value::Null));
            } else if msg.method() == "window/logMessage" {
                let _ = tx.send(json!({ "log": msg.params().cloned() }));
            }
        }
    });
    let mut call = |req: Request| service.call(req);
    let init = Request::build("initialize")
        .params(json!({ "capabilities": { "general": { "positionEncodings": ["utf-16"] } } }))
        .id(1)
        .finish();
    call(init).await.unwrap();
    call(Request::build("initialized").params(json!({})).finish())
        .await
        .unwrap();
    let open =
        json!({ "textDocument": { "uri": URI, "languageId": "icp", "version": 1, "text": BASE } });
    call(Request::build("textDocument/didOpen").params(open).finish())
        .await
        .unwrap();

    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let mut text = BASE.to_string();
    let mut pending = Vec::new();
    for version in 2..(edits as i64 + 2) {
        let change = if rng.chance(3) {
            // A full change: the text with a random piece cut out.
            let (_, a) = random_position(&mut rng, &text);
            let (_, b) = random_position(&mut rng, &text);
            let (a, b) = (a.min(b), a.max(b));
            let mut b = b.min(a + 40);
            while !text.is_char_boundary(b) {
                b -= 1;
            }
            text.replace_range(a..b, "");
            json!({ "text": text })
        } else {
            let (pa, a) = random_position(&mut rng, &text);
            let (pb, b) = if rng.chance(50) {
                (pa, a)
            } else {
                random_position(&mut rng, &text)
            };
            let ((pa, a), (pb, b)) = if a <= b {
                ((pa, a), (pb, b))
            } else {
                ((pb, b), (pa, a))
            };
            // Keep deletions short, so the text stays a file.
            let (pb, b) = if b - a > 30 { (pa, a) } else { (pb, b) };
            let insert: String = (0..rng.below(3)).map(|_| *rng.pick(PIECES)).collect();
            text.replace_range(a..b, &insert);
            let range = json!({ "start": { "line": pa.line, "character": pa.character }, "end": { "line": pb.line, "character": pb.character } });
            json!({ "range": range, "text": insert })
        };
        let params = json!({ "textDocument": { "uri": URI, "version": version }, "contentChanges": [change] });
        let req = Request::build("textDocument/didChange")
            .params(params)
            .finish();
        // Several in flight at once, as a fast typist's editor sends them.
        pending.push(call(req));
        if pending.len() >= 8 {
            for f in pending.drain(..) {
                f.await.unwrap();
            }
        }
        // Now and then a question in between, as an editor asks.
        if rng.chance(5) {
            let (p, _) = random_position(&mut rng, &text);
            let method = *rng.pick(&[
                "textDocument/hover",
                "textDocument/completion",
                "textDocument/definition",
                "textDocument/documentHighlight",
                "textDocument/selectionRange",
            ]);
            let params = if method == "textDocument/selectionRange" {
                json!({ "textDocument": { "uri": URI }, "positions": [{ "line": p.line, "character": p.character }] })
            } else {
                json!({ "textDocument": { "uri": URI }, "position": { "line": p.line, "character": p.character } })
            };
            let req = Request::build(method).params(params).id(version).finish();
            let answer = call(req).await.unwrap();
            let failed = answer.and_then(|r| r.error().cloned());
            assert!(failed.is_none(), "seed {seed}: {method} failed: {failed:?}");
        }
    }
    for f in pending.drain(..) {
        f.await.unwrap();
    }
    let last = edits as i64 + 1;
    let got = loop {
        let d = tokio::time::timeout(std::time::Duration::from_secs(20), rx.recv())
            .await
            .expect("diagnostics in time")
            .expect("a message");
        assert!(d.get("log").is_none(), "seed {seed}: the server logged {d}");
        if d["uri"] == URI && d["version"].as_i64() == Some(last) {
            break d;
        }
    };
    let (got, want) = (published(&got), expected(&text));
    assert_eq!(
        got.len(),
        want.len(),
        "seed {seed}: {got:?}\nwant {want:?}\ntext {text:?}"
    );
    for (g, w) in got.iter().zip(&want) {
        assert_eq!(
            (&g.0, &g.1, &g.2),
            (&w.0, &w.1, &w.2),
            "seed {seed}, text {text:?}"
        );
        assert!(g.3.starts_with(&w.3), "seed {seed}: {} vs {}", g.3, w.3);
    }
    want.len()
}

#[tokio::test]
async fn random_edit_streams_end_in_the_libraries_diagnostics() {
    let seeds: u64 = std::env::var("ICP_FUZZ_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(30);
    let started = std::time::Instant::now();
    let mut compared = 0;
    let first: u64 = std::env::var("ICP_FUZZ_FIRST_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    for seed in first..first + seeds {
        compared += run(seed, 200).await;
    }
    assert!(compared > 0, "the final texts should have some problems");
    eprintln!(
        "{seeds} seeds, {compared} diagnostics compared, in {:?}",
        started.elapsed()
    );
}
