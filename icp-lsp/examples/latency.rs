//! Language server latency on a 5,000-line ICP file, in process:
//! keystroke-to-diagnostics, hover and completion percentiles, and resident
//! memory over 10,000 edits.
//!
//!     cargo run --release -p icp-lsp --example latency

use futures::StreamExt;
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use tower_lsp::jsonrpc::Request;
use tower_lsp::LspService;
use tower_service::Service;

const URI: &str = "file:///tmp/icp-lsp-latency/big.icp";

fn big_file() -> String {
    let mut s = String::from("enum Industry { saas, retail, fintech }\nschema A {\n  id: text key\n  industry: Industry\n  employees: int\n  visits: int\n}\n");
    let mut n = 0;
    while s.lines().count() < 5000 {
        s.push_str(&format!("icp p{n} for A {{\n  owner \"o@example.com\"\n  reviewed 2026-10-01 every 90d\n  filter f: employees >= 50\n"));
        for k in 0..20 {
            s.push_str(&format!(
                "  signal s{k}: visits >= {k} weight {}\n",
                1 + k % 7
            ));
        }
        s.push_str("  tier A: score >= 40\n  tier B: otherwise\n}\n");
        n += 1;
    }
    s
}

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| {
            s.split_whitespace()
                .nth(1)
                .and_then(|p| p.parse::<u64>().ok())
        })
        .map(|pages| pages * 4)
        .unwrap_or(0)
}

fn percentile(v: &mut [Duration], p: f64) -> Duration {
    v.sort();
    v.get(((v.len() as f64 - 1.0) * p).round() as usize)
        .copied()
        .unwrap_or_default()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let (mut service, mut socket) = LspService::new(icp_lsp::Server::new);
    let (tx, mut published) = tokio::sync::mpsc::unbounded_channel::<Value>();
    tokio::spawn(async move {
        while let Some(msg) = socket.next().await {
            if msg.method() == "textDocument/publishDiagnostics" {
                let _ = tx.send(msg.params().cloned().unwrap_or(Value::Null));
            }
        }
    });
    let mut id = 0i64;
    let mut call = |method: &'static str, params: Value, request: bool| {
        let req = if request {
            id += 1;
            Request::build(method).params(params).id(id).finish()
        } else {
            Request::build(method).params(params).finish()
        };
        service.call(req)
    };
    let _ = call("initialize", json!({ "capabilities": {} }), true).await;
    let _ = call("initialized", json!({}), false).await;
    let text = big_file();
    let lines = text.lines().count();
    let _ = call(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": URI, "languageId": "icp", "version": 1, "text": text } }),
        false,
    )
    .await;
    let _ = published.recv().await;

    // Keystroke to diagnostics: type one character, wait for the version.
    let mut diag = Vec::new();
    for v in 2..52 {
        let start = Instant::now();
        let change = json!({ "range": { "start": { "line": 3, "character": 0 }, "end": { "line": 3, "character": 0 } }, "text": if v % 2 == 0 { " " } else { "" } });
        let _ = call(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": URI, "version": v }, "contentChanges": [change] }),
            false,
        )
        .await;
        while let Some(p) = published.recv().await {
            if p.get("version") == Some(&json!(v)) {
                break;
            }
        }
        diag.push(start.elapsed());
    }

    let mut hover = Vec::new();
    let mut completion = Vec::new();
    for i in 0..300u32 {
        let line = 12 + (i * 37) % (lines as u32 - 20);
        let start = Instant::now();
        let _ = call("textDocument/hover", json!({ "textDocument": { "uri": URI }, "position": { "line": line, "character": 14 } }), true).await;
        hover.push(start.elapsed());
        let start = Instant::now();
        let _ = call("textDocument/completion", json!({ "textDocument": { "uri": URI }, "position": { "line": line, "character": 13 } }), true).await;
        completion.push(start.elapsed());
    }

    // Memory over 10,000 edits, sampled every 2,000: flat means the samples
    // stop growing once the allocator has its working set.
    let before = rss_kib();
    let mut samples = Vec::new();
    for v in 100..10_100 {
        let change = json!({ "range": { "start": { "line": 3, "character": 0 }, "end": { "line": 3, "character": 0 } }, "text": if v % 2 == 0 { " " } else { "" } });
        let _ = call(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": URI, "version": v }, "contentChanges": [change] }),
            false,
        )
        .await;
        if (v - 99) % 2_000 == 0 {
            while let Some(p) = published.recv().await {
                if p.get("version") == Some(&json!(v)) {
                    break;
                }
            }
            samples.push(rss_kib());
        }
    }

    println!("file: {lines} lines");
    println!(
        "keystroke to diagnostics: p50 {:?}, p99 {:?} (50 edits, one at a time)",
        percentile(&mut diag.clone(), 0.5),
        percentile(&mut diag, 0.99)
    );
    println!(
        "hover: p50 {:?}, p99 {:?} (300 requests)",
        percentile(&mut hover.clone(), 0.5),
        percentile(&mut hover, 0.99)
    );
    println!(
        "completion: p50 {:?}, p99 {:?} (300 requests)",
        percentile(&mut completion.clone(), 0.5),
        percentile(&mut completion, 0.99)
    );
    let shown: Vec<String> = samples.iter().map(|k| format!("{k}")).collect();
    println!(
        "resident memory: {before} KiB before 10,000 edits; after each 2,000: {} KiB",
        shown.join(", ")
    );
}
