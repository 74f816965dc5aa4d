//! The server in process, driven the way an editor drives it: initialize,
//! open, many quick edits, then the questions an editor asks.
#![allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use futures::StreamExt;
use serde_json::{json, Value};
use tower_lsp::jsonrpc::Request;
use tower_lsp::{ClientSocket, LspService};
use tower_service::Service;

struct Editor {
    service: LspService<icp_lsp::Server>,
    /// publishDiagnostics params, as the server sends them.
    published: tokio::sync::mpsc::UnboundedReceiver<Value>,
    /// window/logMessage texts.
    logs: tokio::sync::mpsc::UnboundedReceiver<String>,
    next_id: i64,
}

impl Editor {
    fn new() -> Editor {
        let (service, socket) = LspService::new(icp_lsp::Server::new);
        let (tx, published) = tokio::sync::mpsc::unbounded_channel();
        let (log_tx, logs) = tokio::sync::mpsc::unbounded_channel();
        // Read everything the server sends, as an editor does.
        tokio::spawn(drain(socket, tx, log_tx));
        Editor {
            service,
            published,
            logs,
            next_id: 1,
        }
    }

    fn call(&mut self, req: Request) -> impl std::future::Future<Output = Option<Value>> + 'static {
        let fut = self.service.call(req);
        async move {
            fut.await.unwrap().map(|r| {
                let (_, result) = r.into_parts();
                result.unwrap_or(Value::Null)
            })
        }
    }

    async fn request(&mut self, method: &'static str, params: Value) -> Value {
        self.next_id += 1;
        let req = Request::build(method)
            .params(params)
            .id(self.next_id)
            .finish();
        self.call(req).await.unwrap_or(Value::Null)
    }

    async fn notify(&mut self, method: &'static str, params: Value) {
        self.call(Request::build(method).params(params).finish())
            .await;
    }

    /// The next log message.
    async fn log(&mut self) -> String {
        tokio::time::timeout(std::time::Duration::from_secs(10), self.logs.recv())
            .await
            .expect("a log message in time")
            .expect("a message")
    }

    /// The publishDiagnostics for `uri` at `version`, skipping older ones.
    async fn diagnostics_at(&mut self, uri: &str, version: i64) -> Value {
        loop {
            let d = self.diagnostics(uri).await;
            if d["version"].as_i64() == Some(version) {
                return d;
            }
        }
    }

    /// The next publishDiagnostics for `uri`.
    async fn diagnostics(&mut self, uri: &str) -> Value {
        loop {
            let params =
                tokio::time::timeout(std::time::Duration::from_secs(10), self.published.recv())
                    .await
                    .expect("diagnostics in time")
                    .expect("a message");
            if params["uri"] == uri {
                return params;
            }
        }
    }
}

async fn drain(
    mut socket: ClientSocket,
    tx: tokio::sync::mpsc::UnboundedSender<Value>,
    logs: tokio::sync::mpsc::UnboundedSender<String>,
) {
    while let Some(msg) = socket.next().await {
        if msg.method() == "textDocument/publishDiagnostics" {
            let _ = tx.send(msg.params().cloned().unwrap_or(Value::Null));
        } else if msg.method() == "window/logMessage" {
            let text = msg
                .params()
                .and_then(|p| p["message"].as_str())
                .unwrap_or("");
            let _ = logs.send(text.to_string());
        }
    }
}

const URI: &str = "file:///tmp/icp-lsp-test/main.icp";

// An emoji before the error: its column must be counted in UTF-16 units.
const TEXT: &str = "// 😀 accounts\nschema A {\n  id: text key\n  /// Head count.\n  employees: int from \"Employee Count\"\n}\nicp i for A {\n  owner \"o@example.com\"\n  reviewed 2026-10-01 every 90d\n  filter f: employees > 10\n  signal s: employes > 50 weight 5\n  tier T: otherwise\n}\n";

async fn start(utf8: bool) -> (Editor, Value) {
    let mut ed = Editor::new();
    let encodings = if utf8 {
        json!(["utf-8", "utf-16"])
    } else {
        json!(["utf-16"])
    };
    let init = ed
        .request(
            "initialize",
            json!({ "capabilities": { "general": { "positionEncodings": encodings } } }),
        )
        .await;
    ed.notify("initialized", json!({})).await;
    (ed, init)
}

#[tokio::test]
async fn negotiates_the_position_encoding() {
    let (_, init) = start(true).await;
    assert_eq!(init["capabilities"]["positionEncoding"], "utf-8");
    let (_, init) = start(false).await;
    assert_eq!(init["capabilities"]["positionEncoding"], "utf-16");
}

#[tokio::test]
async fn diagnostics_hover_definition_symbols_and_tokens() {
    let (mut ed, _) = start(false).await;
    let open =
        json!({ "textDocument": { "uri": URI, "languageId": "icp", "version": 1, "text": TEXT } });
    ed.notify("textDocument/didOpen", open).await;
    let diags = ed.diagnostics(URI).await;
    assert_eq!(diags["version"], 1);
    let d = &diags["diagnostics"][0];
    assert_eq!(d["code"], "E0201");
    assert_eq!(d["range"]["start"], json!({ "line": 10, "character": 12 }));
    assert!(
        d["message"]
            .as_str()
            .unwrap()
            .contains("did you mean `employees`?"),
        "{d}"
    );

    let hover = ed
        .request(
            "textDocument/hover",
            json!({ "textDocument": { "uri": URI }, "position": { "line": 9, "character": 14 } }),
        )
        .await;
    let text = hover["contents"]["value"].as_str().unwrap_or("");
    assert!(
        text.contains("**employees**: `int`")
            && text.contains("Employee Count")
            && text.contains("Head count."),
        "{hover}"
    );

    let def = ed
        .request(
            "textDocument/definition",
            json!({ "textDocument": { "uri": URI }, "position": { "line": 9, "character": 14 } }),
        )
        .await;
    assert_eq!(def["range"]["start"], json!({ "line": 4, "character": 2 }));

    let refs = ed
        .request("textDocument/references", json!({ "textDocument": { "uri": URI }, "position": { "line": 4, "character": 3 }, "context": { "includeDeclaration": true } }))
        .await;
    assert_eq!(refs.as_array().map(Vec::len), Some(2), "{refs}");

    let symbols = ed
        .request(
            "textDocument/documentSymbol",
            json!({ "textDocument": { "uri": URI } }),
        )
        .await;
    assert_eq!(symbols[1]["name"], "i");
    let children: Vec<&str> = symbols[1]["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(children, ["f", "s", "T"]);

    let tokens = ed
        .request(
            "textDocument/semanticTokens/full",
            json!({ "textDocument": { "uri": URI } }),
        )
        .await;
    let data = tokens["data"].as_array().unwrap();
    // First token: the comment at 0:0, 14 UTF-16 units long (the emoji is
    // two units; in UTF-8 bytes it would be 16).
    assert_eq!(
        &data[..5],
        &[json!(0), json!(0), json!(14), json!(5), json!(0)]
    );

    // The did-you-mean fix as a quick fix.
    let actions = ed
        .request("textDocument/codeAction", json!({ "textDocument": { "uri": URI }, "range": { "start": { "line": 10, "character": 12 }, "end": { "line": 10, "character": 12 } }, "context": { "diagnostics": [] } }))
        .await;
    assert_eq!(actions[0]["title"], "change to `employees`");
    let edit = &actions[0]["edit"]["changes"][URI][0];
    assert_eq!(
        (edit["newText"].as_str(), &edit["range"]["start"]),
        (Some("employees"), &json!({ "line": 10, "character": 12 }))
    );

    // Rename the field: its declaration and every use.
    let prep = ed
        .request(
            "textDocument/prepareRename",
            json!({ "textDocument": { "uri": URI }, "position": { "line": 9, "character": 14 } }),
        )
        .await;
    assert_eq!(prep["start"], json!({ "line": 9, "character": 12 }));
    let renamed = ed.request("textDocument/rename", json!({ "textDocument": { "uri": URI }, "position": { "line": 9, "character": 14 }, "newName": "headcount" })).await;
    assert_eq!(
        renamed["changes"][URI].as_array().map(Vec::len),
        Some(2),
        "{renamed}"
    );
    let bad = ed.request("textDocument/rename", json!({ "textDocument": { "uri": URI }, "position": { "line": 9, "character": 14 }, "newName": "and" })).await;
    assert_eq!(bad, Value::Null, "a reserved word is refused");

    // Formatting: the document is already canonical, so no edits.
    let edits = ed.request("textDocument/formatting", json!({ "textDocument": { "uri": URI }, "options": { "tabSize": 2, "insertSpaces": true } })).await;
    assert_eq!(edits, json!([]), "{edits}");

    // Completion of fields in a condition (line 9: `  filter f: employees > 10`).
    let items = ed
        .request(
            "textDocument/completion",
            json!({ "textDocument": { "uri": URI }, "position": { "line": 9, "character": 12 } }),
        )
        .await;
    let labels: Vec<&str> = items
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["label"].as_str().unwrap())
        .collect();
    assert_eq!(labels, ["id", "employees"], "{items}");

    let folds = ed
        .request(
            "textDocument/foldingRange",
            json!({ "textDocument": { "uri": URI } }),
        )
        .await;
    assert_eq!(
        folds.as_array().map(Vec::len),
        Some(2),
        "schema and ICP: {folds}"
    );

    // A document the server does not know, and junk: answers, no crash.
    let none = ed.request("textDocument/hover", json!({ "textDocument": { "uri": "file:///nope.icp" }, "position": { "line": 0, "character": 0 } })).await;
    assert_eq!(none, Value::Null);
}

#[tokio::test]
async fn rapid_edits_apply_in_order_and_the_last_version_wins() {
    let (mut ed, _) = start(true).await;
    ed.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": URI, "languageId": "icp", "version": 1, "text": "" } }),
    )
    .await;
    let _ = ed.diagnostics(URI).await;
    // Type a file character by character: every change is in flight at
    // once, as when the server reads them faster than it handles them.
    let typed = "enum Łódź { a, b }\nschema S { id: text key\n  k: Łódź }\nicp x for S {\n  filter f: k == c\n  tier T: otherwise\n}\n";
    let (mut line, mut col) = (0u32, 0u32);
    let mut pending = Vec::new();
    for (i, ch) in typed.chars().enumerate() {
        let change = json!({ "range": { "start": { "line": line, "character": col }, "end": { "line": line, "character": col } }, "text": ch.to_string() });
        let req = Request::build("textDocument/didChange").params(json!({ "textDocument": { "uri": URI, "version": i + 2 }, "contentChanges": [change] })).finish();
        pending.push(ed.call(req));
        if ch == '\n' {
            line += 1;
            col = 0;
        } else {
            col += ch.len_utf8() as u32;
        }
    }
    let final_version = typed.chars().count() + 1;
    futures::future::join_all(pending).await;
    // Checks run one at a time and each takes the newest text: versions are
    // published in increasing order, the last one is the final text, and a
    // burst of edits costs far fewer checks than edits.
    let mut published = Vec::new();
    let last = loop {
        let d = ed.diagnostics(URI).await;
        let v = d["version"].as_u64().unwrap();
        published.push(v);
        if v == final_version as u64 {
            break d;
        }
    };
    assert!(published.windows(2).all(|w| w[0] < w[1]), "{published:?}");
    assert!(published.len() < typed.chars().count() / 2, "{published:?}");
    let msgs: Vec<&str> = last["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["message"].as_str().unwrap())
        .collect();
    assert!(
        msgs.iter()
            .any(|m| m.starts_with("`Łódź` has no value `c`")),
        "the final text was checked: {msgs:?}"
    );
    let text = ed
        .request(
            "textDocument/documentSymbol",
            json!({ "textDocument": { "uri": URI } }),
        )
        .await;
    assert_eq!(
        text.as_array().map(Vec::len),
        Some(3),
        "enum, schema and ICP: {text}"
    );
}

#[tokio::test]
async fn lenses_and_hints_on_a_real_example() {
    let (mut ed, _) = start(false).await;
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/erp/icp.icp");
    let path = icp_lang::source::normalize(&path);
    let uri = tower_lsp::lsp_types::Url::from_file_path(&path)
        .unwrap()
        .to_string();
    let text = std::fs::read_to_string(&path).unwrap();
    ed.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": uri, "languageId": "icp", "version": 1, "text": text } }),
    )
    .await;
    let diags = ed.diagnostics(&uri).await;
    assert_eq!(diags["diagnostics"], json!([]), "the example is clean");

    let lenses = ed
        .request(
            "textDocument/codeLens",
            json!({ "textDocument": { "uri": uri } }),
        )
        .await;
    let titles: Vec<&str> = lenses
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["command"]["title"].as_str().unwrap())
        .collect();
    // The same counts `icp score` prints for the sample accounts.
    assert_eq!(titles[0], "sample data: A 7 · B 3 · C 7 · removed 9");
    assert_eq!(titles[1..], ["✓ passes"; 4]);

    let hints = ed.request("textDocument/inlayHint", json!({ "textDocument": { "uri": uri }, "range": { "start": { "line": 0, "character": 0 }, "end": { "line": 200, "character": 0 } } })).await;
    let labels: Vec<&str> = hints
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["label"].as_str().unwrap())
        .collect();
    assert!(labels.contains(&"max 120"), "{labels:?}");
    assert!(
        labels.contains(&"+25 · 21%") && labels.contains(&"-10 · 0%"),
        "{labels:?}"
    );
}

#[tokio::test]
async fn editing_an_imported_file_rechecks_its_importers() {
    let (mut ed, _) = start(false).await;
    let shared = "file:///tmp/icp-lsp-test2/shared.icp";
    let main = "file:///tmp/icp-lsp-test2/main.icp";
    let open = |uri: &str, text: &str| json!({ "textDocument": { "uri": uri, "languageId": "icp", "version": 1, "text": text } });
    ed.notify(
        "textDocument/didOpen",
        open(shared, "schema S {\n  id: text key\n  n: int\n}\n"),
    )
    .await;
    let _ = ed.diagnostics(shared).await;
    let main_text = "import \"shared.icp\"\nicp i for S {\n  owner \"o@example.com\"\n  reviewed 2026-10-01 every 90d\n  filter f: n > 1\n  tier A: otherwise\n}\n";
    ed.notify("textDocument/didOpen", open(main, main_text))
        .await;
    let d = ed.diagnostics(main).await;
    assert!(
        d["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .all(|x| x["code"] != "E0201"),
        "{d}"
    );

    // Rename the field in the shared file only: the importer is re-checked.
    let change = json!({ "textDocument": { "uri": shared, "version": 2 }, "contentChanges": [{ "text": "schema S {\n  id: text key\n  m: int\n}\n" }] });
    ed.notify("textDocument/didChange", change).await;
    let d = loop {
        let d = ed.diagnostics(main).await;
        if d["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["code"] == "E0201")
        {
            break d;
        }
    };
    assert!(
        d["diagnostics"][0]["message"]
            .as_str()
            .unwrap()
            .contains("`S` has no field `n`"),
        "{d}"
    );

    let symbols = ed
        .request("workspace/symbol", json!({ "query": "f" }))
        .await;
    let names: Vec<&str> = symbols
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["f"], "{symbols}");

    let ranged = ed.request("textDocument/semanticTokens/range", json!({ "textDocument": { "uri": main }, "range": { "start": { "line": 4, "character": 0 }, "end": { "line": 4, "character": 99 } } })).await;
    // `filter f : n > 1`: keyword, name, name, operator, number (the colon is not coloured).
    assert_eq!(
        ranged["data"].as_array().map(|d| d.len() / 5),
        Some(5),
        "{ranged}"
    );
}

#[tokio::test]
async fn formatting_edits_white_space_only_and_range_formatting_keeps_to_its_range() {
    let (mut ed, _) = start(false).await;
    let messy = "schema   A{\n  id: text key\n}\nsegment  s =   id is missing\n";
    ed.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": URI, "languageId": "icp", "version": 1, "text": messy } }),
    )
    .await;
    let options = json!({ "tabSize": 2, "insertSpaces": true });
    let all = ed
        .request(
            "textDocument/formatting",
            json!({ "textDocument": { "uri": URI }, "options": options }),
        )
        .await;
    // `schema   A`, `A{`, `segment  s`, `=   id`: four small edits, not one big one.
    let ranges: Vec<(u64, u64, u64, &str)> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["range"]["start"]["line"].as_u64().unwrap(),
                e["range"]["start"]["character"].as_u64().unwrap(),
                e["range"]["end"]["character"].as_u64().unwrap(),
                e["newText"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        ranges,
        [
            (0, 6, 9, " "),
            (0, 10, 10, " "),
            (3, 7, 9, " "),
            (3, 12, 15, " ")
        ],
        "{all}"
    );
    // Only the last line.
    let some = ed
        .request(
            "textDocument/rangeFormatting",
            json!({ "textDocument": { "uri": URI }, "options": options,
                    "range": { "start": { "line": 3, "character": 0 }, "end": { "line": 3, "character": 20 } } }),
        )
        .await;
    assert_eq!(some.as_array().map(Vec::len), Some(2), "{some}");
    assert!(some
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["range"]["start"]["line"] == 3));
}

#[tokio::test]
async fn selection_expands_from_the_word_outward() {
    let (mut ed, _) = start(false).await;
    let text = "schema A {\n  id: text key\n  n: int\n}\nicp p for A {\n  filter f: n >= 5 and id is missing\n  tier T: otherwise\n}\n";
    ed.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": URI, "languageId": "icp", "version": 1, "text": text } }),
    )
    .await;
    let got = ed
        .request(
            "textDocument/selectionRange",
            json!({ "textDocument": { "uri": URI }, "positions": [{ "line": 5, "character": 17 }] }),
        )
        .await;
    let mut node = &got[0];
    let mut shown = Vec::new();
    loop {
        let r = &node["range"];
        shown.push(format!(
            "{}:{}-{}:{}",
            r["start"]["line"], r["start"]["character"], r["end"]["line"], r["end"]["character"]
        ));
        match node.get("parent") {
            Some(p) if !p.is_null() => node = p,
            _ => break,
        }
    }
    // `5`, `n >= 5`, the `and`, the filter, the ICP's body, the ICP, the file.
    assert_eq!(
        shown,
        [
            "5:17-5:18",
            "5:12-5:18",
            "5:12-5:36",
            "5:2-5:36",
            "5:2-6:19",
            "4:12-7:1",
            "4:0-7:1",
            "0:0-8:0"
        ],
        "{got}"
    );
}

#[tokio::test]
async fn import_paths_complete_from_the_folder_and_lead_to_the_file() {
    let dir = std::env::temp_dir().join(format!("icp-lsp-imports-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("shared")).unwrap();
    std::fs::create_dir_all(dir.join("erp")).unwrap();
    std::fs::write(
        dir.join("shared/accounts.icp"),
        "schema S {\n  id: text key\n}\n",
    )
    .unwrap();
    std::fs::write(dir.join("shared/notes.txt"), "not an icp file").unwrap();
    // The project root, so `erp/` may import from `shared/`.
    std::fs::write(dir.join("icp.toml"), "[project]\nname = \"t\"\n").unwrap();
    let main = tower_lsp::lsp_types::Url::from_file_path(dir.join("erp/main.icp")).unwrap();
    let main = main.as_str();
    let (mut ed, _) = start(false).await;
    let text = "import \"../shared/accounts.icp\"\nimport \"../shared/\n";
    ed.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": main, "languageId": "icp", "version": 1, "text": text } }),
    )
    .await;
    let items = ed
        .request(
            "textDocument/completion",
            json!({ "textDocument": { "uri": main }, "position": { "line": 1, "character": 18 } }),
        )
        .await;
    let labels: Vec<&str> = items
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["label"].as_str().unwrap())
        .collect();
    assert_eq!(labels, ["../", "accounts.icp"], "{items}");
    assert_eq!(
        items[1]["textEdit"]["range"]["start"],
        json!({ "line": 1, "character": 18 })
    );
    // The first import's path leads to the file; renaming it is refused.
    let def = ed
        .request(
            "textDocument/definition",
            json!({ "textDocument": { "uri": main }, "position": { "line": 0, "character": 12 } }),
        )
        .await;
    assert!(
        def["uri"]
            .as_str()
            .unwrap()
            .ends_with("/shared/accounts.icp"),
        "{def}"
    );
    let rename = ed
        .request(
            "textDocument/prepareRename",
            json!({ "textDocument": { "uri": main }, "position": { "line": 0, "character": 12 } }),
        )
        .await;
    assert_eq!(rename, Value::Null);
    let _ = std::fs::remove_dir_all(&dir);
}

fn open_params(uri: &str, version: i64, text: &str) -> Value {
    json!({ "textDocument": { "uri": uri, "languageId": "icp", "version": version, "text": text } })
}

fn change_params(uri: &str, version: i64, changes: Value) -> Value {
    json!({ "textDocument": { "uri": uri, "version": version }, "contentChanges": changes })
}

/// The errors (warnings left out): code and line.
fn codes_and_lines(d: &Value) -> Vec<(String, u64)> {
    d["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["severity"] == 1)
        .map(|x| {
            (
                x["code"].as_str().unwrap().to_string(),
                x["range"]["start"]["line"].as_u64().unwrap(),
            )
        })
        .collect()
}

/// Neovim sends a column past the end of a CRLF line for "insert at the end
/// of the line": the text lands before the CR, not between CR and LF.
#[tokio::test]
async fn an_edit_past_the_end_of_a_crlf_line_lands_before_its_line_end() {
    let (mut ed, _) = start(false).await;
    let uri = "file:///tmp/icp-lsp-crlf/main.icp";
    let text = "enum K { a }\r\nenum L { b }\r\n";
    ed.notify("textDocument/didOpen", open_params(uri, 1, text))
        .await;
    assert_eq!(codes_and_lines(&ed.diagnostics(uri).await), []);
    // ` x` after the `}` of line 0, with a column far past its end.
    let change = json!([{ "range": { "start": { "line": 0, "character": 40 }, "end": { "line": 0, "character": 40 } }, "text": " x" }]);
    ed.notify("textDocument/didChange", change_params(uri, 2, change))
        .await;
    let d = ed.diagnostics_at(uri, 2).await;
    let lines: Vec<u64> = codes_and_lines(&d).into_iter().map(|(_, l)| l).collect();
    assert!(!lines.is_empty() && lines.iter().all(|l| *l == 0), "{d}");
    // No line was added: `L` (the item that still parses) is on line 1.
    let symbols = ed
        .request(
            "textDocument/documentSymbol",
            json!({ "textDocument": { "uri": uri } }),
        )
        .await;
    let starts: Vec<u64> = symbols
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["range"]["start"]["line"].as_u64().unwrap())
        .collect();
    assert_eq!(starts, [1], "{symbols}");
}

/// A change that cannot be applied is logged; the document is not checked
/// (its text may differ from the editor's) until the whole text arrives.
#[tokio::test]
async fn a_change_that_cannot_be_applied_is_logged_and_the_document_resynchronised() {
    let (mut ed, _) = start(false).await;
    let uri = "file:///tmp/icp-lsp-resync/main.icp";
    ed.notify(
        "textDocument/didOpen",
        open_params(uri, 1, "enum K { a }\n// 😀\n"),
    )
    .await;
    let _ = ed.diagnostics(uri).await;

    // A range on a line that does not exist.
    let bad = json!([{ "range": { "start": { "line": 9, "character": 0 }, "end": { "line": 9, "character": 1 } }, "text": "x" }]);
    ed.notify("textDocument/didChange", change_params(uri, 2, bad))
        .await;
    let log = ed.log().await;
    assert!(log.contains("outside the text"), "{log}");
    assert_eq!(ed.diagnostics_at(uri, 2).await["diagnostics"], json!([]));
    // Incremental changes to a stale document are ignored.
    let more = json!([{ "range": { "start": { "line": 0, "character": 0 }, "end": { "line": 0, "character": 0 } }, "text": "@" }]);
    ed.notify("textDocument/didChange", change_params(uri, 3, more))
        .await;
    assert_eq!(ed.diagnostics_at(uri, 3).await["diagnostics"], json!([]));
    // The whole text: in step again.
    let full = json!([{ "text": "enum K { a }\nenum K { b } // 😀\n" }]);
    ed.notify("textDocument/didChange", change_params(uri, 4, full))
        .await;
    assert_eq!(
        codes_and_lines(&ed.diagnostics_at(uri, 4).await),
        [("E0202".to_string(), 1)]
    );

    // Inside the emoji's surrogate pair (UTF-16 column 17 of line 1).
    let inside = json!([{ "range": { "start": { "line": 1, "character": 17 }, "end": { "line": 1, "character": 17 } }, "text": "x" }]);
    ed.notify("textDocument/didChange", change_params(uri, 5, inside))
        .await;
    assert!(ed.log().await.contains("inside a character"));
    // A save with the text puts it back in step.
    ed.notify(
        "textDocument/didSave",
        json!({ "textDocument": { "uri": uri }, "text": "enum K { a }\nenum K { c }\n" }),
    )
    .await;
    loop {
        let d = ed.diagnostics(uri).await;
        if d["version"] == 5 && codes_and_lines(&d) == [("E0202".to_string(), 1)] {
            break;
        }
    }

    // An old version after a newer one.
    let old = json!([{ "range": { "start": { "line": 0, "character": 0 }, "end": { "line": 0, "character": 0 } }, "text": " " }]);
    ed.notify("textDocument/didChange", change_params(uri, 3, old))
        .await;
    let log = ed.log().await;
    assert!(
        log.contains("version 3") && log.contains("after version 5"),
        "{log}"
    );
}

fn temp_project(name: &str, files: &[(&str, &str)]) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("icp-lsp-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for (path, text) in files {
        let p = dir.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    icp_lang::source::normalize(&dir)
}

fn uri_of(path: &std::path::Path) -> String {
    tower_lsp::lsp_types::Url::from_file_path(path)
        .unwrap()
        .to_string()
}

const SHARED_SCHEMA: &str = "schema S {\n  id: text key\n  employees: int\n}\n";

fn importer(name: &str, n: u32) -> String {
    format!("import \"shared.icp\"\nicp {name} for S {{\n  owner \"o@example.com\"\n  reviewed 2026-10-01 every 90d\n  filter big: employees > {n}\n  tier A: otherwise\n}}\n")
}

/// Closing an edited, unsaved file: its importers read the disk again, so
/// their diagnostics are published again.
#[tokio::test]
async fn closing_an_unsaved_file_rechecks_its_importers() {
    let (mut ed, _) = start(false).await;
    let dir = temp_project(
        "close",
        &[
            (
                "icp.toml",
                "[project]\nname = \"t\"\nas_of = \"2026-11-01\"\n",
            ),
            ("shared.icp", SHARED_SCHEMA),
            ("a.icp", &importer("a", 10)),
        ],
    );
    let (shared, a) = (uri_of(&dir.join("shared.icp")), uri_of(&dir.join("a.icp")));
    ed.notify(
        "textDocument/didOpen",
        open_params(&shared, 1, SHARED_SCHEMA),
    )
    .await;
    let _ = ed.diagnostics(&shared).await;
    ed.notify(
        "textDocument/didOpen",
        open_params(&a, 1, &importer("a", 10)),
    )
    .await;
    assert_eq!(codes_and_lines(&ed.diagnostics(&a).await), []);
    let renamed = SHARED_SCHEMA.replace("employees", "staff");
    ed.notify(
        "textDocument/didChange",
        change_params(&shared, 2, json!([{ "text": renamed }])),
    )
    .await;
    loop {
        let d = ed.diagnostics(&a).await;
        if codes_and_lines(&d).iter().any(|(c, _)| c == "E0201") {
            break;
        }
    }
    ed.notify(
        "textDocument/didClose",
        json!({ "textDocument": { "uri": shared } }),
    )
    .await;
    // The disk still has `employees`: the error is gone.
    let d = ed.diagnostics(&a).await;
    assert_eq!(codes_and_lines(&d), [], "{d}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// References and rename asked where a name is declared reach every file
/// that uses it, open or not.
#[tokio::test]
async fn references_and_rename_from_the_declaration_reach_every_importer() {
    let (mut ed, _) = start(false).await;
    let dir = temp_project(
        "rename",
        &[
            ("icp.toml", "[project]\nname = \"t\"\n"),
            ("shared.icp", SHARED_SCHEMA),
            ("a.icp", &importer("a", 10)),
            ("b.icp", &importer("b", 20)),
            ("target/skipped.icp", &importer("c", 30)),
        ],
    );
    let shared = uri_of(&dir.join("shared.icp"));
    ed.notify(
        "textDocument/didOpen",
        open_params(&shared, 1, SHARED_SCHEMA),
    )
    .await;
    let _ = ed.diagnostics(&shared).await;
    // `a.icp` is open with an edit not on disk: its text is the one renamed.
    let a_text = importer("a", 10).replace("tier A", "signal s: employees > 99 weight 5\n  tier A");
    ed.notify(
        "textDocument/didOpen",
        open_params(&uri_of(&dir.join("a.icp")), 1, &a_text),
    )
    .await;
    let at =
        json!({ "textDocument": { "uri": shared }, "position": { "line": 2, "character": 4 } });

    let mut refs = at.clone();
    refs["context"] = json!({ "includeDeclaration": true });
    let found = ed.request("textDocument/references", refs).await;
    let mut files: Vec<String> = found
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            let uri = l["uri"].as_str().unwrap();
            uri.rsplit('/').next().unwrap().to_string()
        })
        .collect();
    files.sort();
    assert_eq!(files, ["a.icp", "a.icp", "b.icp", "shared.icp"], "{found}");

    let mut rename = at.clone();
    rename["newName"] = json!("headcount");
    let edit = ed.request("textDocument/rename", rename).await;
    let changes = edit["changes"].as_object().unwrap();
    let mut edited: Vec<(String, usize)> = changes
        .iter()
        .map(|(u, e)| {
            (
                u.rsplit('/').next().unwrap().to_string(),
                e.as_array().unwrap().len(),
            )
        })
        .collect();
    edited.sort();
    assert_eq!(
        edited,
        [
            ("a.icp".to_string(), 2),
            ("b.icp".to_string(), 1),
            ("shared.icp".to_string(), 1)
        ],
        "{edit}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Formatting keeps the document's line ends: a formatted CRLF or CR
/// document needs no edits, and a messy one only its white space.
#[tokio::test]
async fn formatting_keeps_crlf_and_cr_line_ends() {
    let (mut ed, _) = start(false).await;
    for (n, end) in ["\r\n", "\r"].into_iter().enumerate() {
        let uri = format!("file:///tmp/icp-lsp-fmt-ends/doc{n}.icp");
        let clean = "schema A {\n  id: text key\n}\n".replace('\n', end);
        ed.notify("textDocument/didOpen", open_params(&uri, 1, &clean))
            .await;
        let edits = ed
            .request(
                "textDocument/formatting",
                json!({ "textDocument": { "uri": uri }, "options": { "tabSize": 2, "insertSpaces": true } }),
            )
            .await;
        assert_eq!(edits, json!([]), "{end:?}");
        let messy = "schema A {\n id : text key\n}\n".replace('\n', end);
        ed.notify(
            "textDocument/didChange",
            change_params(&uri, 2, json!([{ "text": messy }])),
        )
        .await;
        let edits = ed
            .request(
                "textDocument/formatting",
                json!({ "textDocument": { "uri": uri }, "options": { "tabSize": 2, "insertSpaces": true } }),
            )
            .await;
        let texts: Vec<&str> = edits
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["newText"].as_str().unwrap())
            .collect();
        assert_eq!(texts, [&format!("{end}  ")[..], ""], "{end:?}: {edits}");
    }
}

/// A rule on the product's outcome column (`[outcomes]` in icp.toml) is
/// W0501 in the editor too, as in `icp check`.
#[tokio::test]
async fn a_rule_on_the_outcome_column_is_diagnosed_in_the_editor() {
    let (mut ed, _) = start(false).await;
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/evidence/leak/leak.icp");
    let path = icp_lang::source::normalize(&path);
    let uri = tower_lsp::lsp_types::Url::from_file_path(&path)
        .unwrap()
        .to_string();
    let text = std::fs::read_to_string(&path).unwrap();
    ed.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": uri, "languageId": "icp", "version": 1, "text": text } }),
    )
    .await;
    let d = ed.diagnostics(&uri).await;
    // Warnings (severity 2), one per rule, where the rule is written.
    let found: Vec<(&str, u64)> = d["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            assert_eq!(x["severity"], 2, "{x}");
            (
                x["code"].as_str().unwrap(),
                x["range"]["start"]["line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(found, [("W0501", 12), ("W0501", 14), ("W0501", 15)], "{d}");
}
