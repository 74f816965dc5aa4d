//! Diagnostics out: codespan-reporting for people, JSON for tools, GitHub
//! workflow commands for pull requests, SARIF 2.1.0 for code scanning.

use crate::codes;
use crate::diagnostic::{Diagnostic, Severity};
use crate::source::Sources;
use crate::span::{one_based_char_position, FileId, Span};
use codespan_reporting::diagnostic as cs;
use codespan_reporting::files::{Error as FilesError, Files};
use codespan_reporting::term;
use serde_json::{json, Value};

impl<'a> Files<'a> for Sources {
    type FileId = FileId;
    type Name = String;
    type Source = &'a str;

    fn name(&'a self, id: FileId) -> Result<String, FilesError> {
        self.get(id)
            .map(|f| f.name.clone())
            .ok_or(FilesError::FileMissing)
    }

    fn source(&'a self, id: FileId) -> Result<&'a str, FilesError> {
        self.get(id)
            .map(|f| f.text.as_str())
            .ok_or(FilesError::FileMissing)
    }

    fn line_index(&'a self, id: FileId, byte_index: usize) -> Result<usize, FilesError> {
        let f = self.get(id).ok_or(FilesError::FileMissing)?;
        Ok(f.lines
            .line_col(u32::try_from(byte_index).unwrap_or(u32::MAX))
            .line as usize)
    }

    fn line_range(
        &'a self,
        id: FileId,
        line_index: usize,
    ) -> Result<std::ops::Range<usize>, FilesError> {
        let f = self.get(id).ok_or(FilesError::FileMissing)?;
        let line = u32::try_from(line_index).unwrap_or(u32::MAX);
        let start = f.lines.line_start(line).ok_or(FilesError::LineTooLarge {
            given: line_index,
            max: f.lines.line_count() - 1,
        })?;
        let end = f.lines.line_start(line + 1).unwrap_or(f.text.len() as u32);
        Ok(start as usize..end as usize)
    }
}

fn to_codespan(d: &Diagnostic) -> cs::Diagnostic<FileId> {
    let severity = match d.severity {
        Severity::Error => cs::Severity::Error,
        Severity::Warning => cs::Severity::Warning,
    };
    let mut labels = vec![
        cs::Label::primary(d.primary.span.file, d.primary.span.range())
            .with_message(&d.primary.message),
    ];
    labels.extend(
        d.secondary
            .iter()
            .map(|l| cs::Label::secondary(l.span.file, l.span.range()).with_message(&l.message)),
    );
    let mut notes: Vec<String> = d.notes.iter().map(|n| format!("note: {n}")).collect();
    if let Some(h) = &d.help {
        notes.push(format!("help: {h}"));
    }
    cs::Diagnostic::new(severity)
        .with_code(d.code)
        .with_message(&d.message)
        .with_labels(labels)
        .with_notes(notes)
}

/// Renders for a terminal; `color` only when writing to a TTY.
pub fn human(sources: &Sources, diags: &[Diagnostic], color: bool) -> String {
    let mut buf = if color {
        term::termcolor::Buffer::ansi()
    } else {
        term::termcolor::Buffer::no_color()
    };
    let config = term::Config::default();
    for d in diags {
        if term::emit(&mut buf, &config, sources, &to_codespan(d)).is_err() {
            // A span outside its file would be a bug; say so rather than lose the diagnostic.
            buf_line(
                &mut buf,
                &format!("{}[{}]: {}", d.severity.as_str(), d.code, d.message),
            );
        }
    }
    String::from_utf8_lossy(buf.as_slice()).into_owned()
}

fn buf_line(buf: &mut term::termcolor::Buffer, line: &str) {
    use std::io::Write;
    let _ = writeln!(buf, "{line}");
}

/// Which product (the folder of an `icp.toml`) each file belongs to, so a
/// report over a monorepo says whose each finding is. Empty when unknown.
#[derive(Default)]
pub struct Products {
    pub list: Vec<Product>,
    /// File -> index into `list`.
    pub of_file: std::collections::HashMap<FileId, usize>,
}

pub struct Product {
    pub name: String,
    pub folder: String,
    pub files: usize,
}

impl Products {
    fn name_of(&self, file: FileId) -> Option<&str> {
        let i = *self.of_file.get(&file)?;
        self.list.get(i).map(|p| p.name.as_str())
    }

    fn summaries(&self, diags: &[Diagnostic]) -> Vec<(&Product, Summary)> {
        self.list
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let mine: Vec<Diagnostic> = diags
                    .iter()
                    .filter(|d| self.of_file.get(&d.primary.span.file) == Some(&i))
                    .cloned()
                    .collect();
                (p, Summary::of(&mine, p.files))
            })
            .collect()
    }

    /// One line per product, when there is more than one.
    pub fn lines(&self, diags: &[Diagnostic]) -> String {
        if self.list.len() < 2 {
            return String::new();
        }
        let mut s = String::from("by product:\n");
        for (p, sum) in self.summaries(diags) {
            let line = sum.line();
            let rest = line.split_once(": ").map(|(_, r)| r).unwrap_or(&line);
            s.push_str(&format!("  {} ({}): {rest}\n", p.name, p.folder));
        }
        s
    }
}

pub struct Summary {
    pub errors: usize,
    pub warnings: usize,
    pub files: usize,
}

impl Summary {
    pub fn of(diags: &[Diagnostic], files: usize) -> Summary {
        let errors = diags
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count();
        Summary {
            errors,
            warnings: diags.len() - errors,
            files,
        }
    }

    pub fn line(&self) -> String {
        let plural = |n: usize, w: &str| {
            if n == 1 {
                format!("{n} {w}")
            } else {
                format!("{n} {w}s")
            }
        };
        if self.errors == 0 && self.warnings == 0 {
            format!("checked {}: no problems", plural(self.files, "file"))
        } else {
            format!(
                "checked {}: {}, {}",
                plural(self.files, "file"),
                plural(self.errors, "error"),
                plural(self.warnings, "warning")
            )
        }
    }
}

fn position(sources: &Sources, file: FileId, offset: u32) -> (usize, usize) {
    match sources.get(file) {
        Some(f) => one_based_char_position(&f.text, &f.lines, offset),
        None => (1, 1),
    }
}

fn file_name(sources: &Sources, id: FileId) -> String {
    sources
        .get(id)
        .map(|f| f.name.replace('\\', "/"))
        .unwrap_or_default()
}

fn location_json(sources: &Sources, span: Span) -> Value {
    let (sl, sc) = position(sources, span.file, span.start);
    let (el, ec) = position(sources, span.file, span.end);
    json!({
        "file": file_name(sources, span.file),
        "start": { "line": sl, "column": sc, "offset": span.start },
        "end": { "line": el, "column": ec, "offset": span.end },
    })
}

/// The `--format json` document; its schema is documented in docs/cli.md.
pub fn json(sources: &Sources, diags: &[Diagnostic], files: usize, products: &Products) -> String {
    let s = Summary::of(diags, files);
    let items: Vec<Value> = diags
        .iter()
        .map(|d| {
            json!({
                "product": products.name_of(d.primary.span.file),
                "code": d.code,
                "name": codes::lookup(d.code).map(|c| c.name),
                "severity": d.severity.as_str(),
                "message": d.message,
                "location": location_json(sources, d.primary.span),
                "label": d.primary.message,
                "related": d.secondary.iter().map(|l| json!({ "location": location_json(sources, l.span), "message": l.message })).collect::<Vec<_>>(),
                "notes": d.notes,
                "help": d.help,
                "fix": d.fix.as_ref().map(|f| json!({
                    "message": f.message,
                    "edits": f.edits.iter().map(|e| json!({ "location": location_json(sources, e.span), "replacement": e.replacement })).collect::<Vec<_>>(),
                })),
            })
        })
        .collect();
    let by_product: Vec<Value> = products
        .summaries(diags)
        .into_iter()
        .map(|(p, s)| json!({ "name": p.name, "folder": p.folder, "files": s.files, "errors": s.errors, "warnings": s.warnings }))
        .collect();
    let doc = json!({
        "version": 1,
        "diagnostics": items,
        "summary": { "files": s.files, "errors": s.errors, "warnings": s.warnings },
        "products": by_product,
    });
    serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
}

/// GitHub Actions workflow commands (`::error file=...::message`).
pub fn github(sources: &Sources, diags: &[Diagnostic], products: &Products) -> String {
    let mut out = String::new();
    for d in diags {
        let mut title = format!(
            "{} {}",
            d.code,
            codes::lookup(d.code).map(|c| c.name).unwrap_or("")
        );
        if let Some(p) = products.name_of(d.primary.span.file) {
            title = format!("{p}: {title}");
        }
        let (line, col) = position(sources, d.primary.span.file, d.primary.span.start);
        let (end_line, end_col) = position(sources, d.primary.span.file, d.primary.span.end);
        let mut message = d.message.clone();
        if let Some(h) = &d.help {
            message.push_str("\nhelp: ");
            message.push_str(h);
        }
        out.push_str(&format!(
            "::{} file={},line={line},col={col},endLine={end_line},endColumn={end_col},title={}::{}\n",
            d.severity.as_str(),
            escape_property(&file_name(sources, d.primary.span.file)),
            escape_property(&title),
            escape_data(&message),
        ));
    }
    out
}

/// One GitHub Actions error annotation on a file's line (for findings that
/// are not diagnostics: an unformatted file, a failing test).
pub fn github_error(file: &str, line: usize, title: &str, message: &str) -> String {
    format!(
        "::error file={},line={line},title={}::{}\n",
        escape_property(file),
        escape_property(title),
        escape_data(message)
    )
}

/// Escaping as the Actions toolkit does for a command's message.
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escaping for a command's properties (`file=`, `title=`).
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// A SARIF 2.1.0 log with one run.
pub fn sarif(sources: &Sources, diags: &[Diagnostic], products: &Products) -> String {
    let rules: Vec<Value> = codes::CODES
        .iter()
        .map(|c| {
            json!({
                "id": c.code,
                "name": kebab_to_pascal(c.name),
                "shortDescription": { "text": c.summary },
                "fullDescription": { "text": c.explanation },
                "help": { "text": c.explanation, "markdown": c.explanation },
                "defaultConfiguration": { "level": level(c.severity) },
            })
        })
        .collect();
    let results: Vec<Value> = diags
        .iter()
        .map(|d| {
            let rule_index = codes::CODES.iter().position(|c| c.code == d.code);
            let mut text = d.message.clone();
            if let Some(h) = &d.help {
                text.push_str(&format!(" (help: {h})"));
            }
            let mut r = json!({
                "ruleId": d.code,
                "level": level(d.severity),
                "message": { "text": text },
                "locations": [ sarif_location(sources, d.primary.span, None) ],
            });
            if let (Some(obj), Some(i)) = (r.as_object_mut(), rule_index) {
                obj.insert("ruleIndex".into(), json!(i));
            }
            if let (Some(obj), Some(p)) = (r.as_object_mut(), products.name_of(d.primary.span.file))
            {
                obj.insert("properties".into(), json!({ "product": p }));
            }
            if !d.secondary.is_empty() {
                if let Some(obj) = r.as_object_mut() {
                    let related: Vec<Value> = d
                        .secondary
                        .iter()
                        .enumerate()
                        .map(|(i, l)| sarif_location(sources, l.span, Some((i, &l.message))))
                        .collect();
                    obj.insert("relatedLocations".into(), json!(related));
                }
            }
            r
        })
        .collect();
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "icp",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/icp-lang/icp",
                "rules": rules,
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    });
    serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
}

fn sarif_location(sources: &Sources, span: Span, related: Option<(usize, &String)>) -> Value {
    let (sl, sc) = position(sources, span.file, span.start);
    let (el, ec) = position(sources, span.file, span.end);
    let mut loc = json!({
        "physicalLocation": {
            "artifactLocation": { "uri": uri(&file_name(sources, span.file)) },
            "region": { "startLine": sl, "startColumn": sc, "endLine": el, "endColumn": ec },
        }
    });
    if let (Some((id, message)), Some(obj)) = (related, loc.as_object_mut()) {
        obj.insert("id".into(), json!(id));
        obj.insert("message".into(), json!({ "text": message }));
    }
    loc
}

/// A relative URI reference: percent-encode what RFC 3986 does not allow.
fn uri(path: &str) -> String {
    let mut out = String::new();
    for b in path.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

fn kebab_to_pascal(s: &str) -> String {
    s.split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_escaping_follows_the_toolkit() {
        assert_eq!(escape_data("50% off\nnext"), "50%25 off%0Anext");
        assert_eq!(escape_property("a:b,c"), "a%3Ab%2Cc");
    }

    #[test]
    fn uris_are_percent_encoded() {
        assert_eq!(
            uri("products/zakup ówek.icp"),
            "products/zakup%20%C3%B3wek.icp"
        );
    }
}
