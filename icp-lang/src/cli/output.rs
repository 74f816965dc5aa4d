//! Where `icp score`'s results go and how each row is written: CSV, JSON
//! lines or an aligned table, into a temporary file that replaces the
//! target only when everything succeeded.

use icp_lang::contacts;
use icp_lang::data::{self, ResultColumn};
use icp_lang::eval::Outcome;
use icp_lang::plan::Plan;
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum OutFormat {
    Csv,
    Jsonl,
    Table,
}

/// Writes result rows: the columns asked for, in one format.
pub struct Rows<'a> {
    pub plan: &'a Plan,
    /// The columns' names, as asked for.
    pub names: &'a [String],
    pub columns: &'a [ResultColumn],
    pub format: OutFormat,
    /// Account id -> the personas its contacts match (bit per persona).
    pub people: Option<&'a HashMap<String, u64>>,
}

impl Rows<'_> {
    /// The line before the rows (none for JSON lines).
    pub fn header(&self) -> String {
        match self.format {
            OutFormat::Csv => {
                // Input columns passed through may hold a comma or quote.
                let mut line = Vec::new();
                for (i, name) in self.names.iter().enumerate() {
                    if i > 0 {
                        line.push(b',');
                    }
                    csv_field(&mut line, name.as_bytes());
                }
                String::from_utf8_lossy(&line).into_owned() + "\n"
            }
            OutFormat::Jsonl => String::new(),
            OutFormat::Table => {
                self.names
                    .iter()
                    .map(|c| pad(c, width(c)))
                    .collect::<Vec<_>>()
                    .join("  ")
                    .trim_end()
                    .to_string()
                    + "\n"
            }
        }
    }

    /// The `personas` and `committee` cells, from the account's contacts.
    fn people_cell(&self, c: ResultColumn, key: &str) -> Option<String> {
        let people = self.people?;
        let mask = people.get(key).copied().unwrap_or(0);
        match c {
            ResultColumn::Personas => Some(contacts::persona_names(self.plan, mask).join(";")),
            ResultColumn::Committee => {
                let has_roles = self.plan.personas.iter().any(|p| {
                    p.role
                        .as_deref()
                        .is_some_and(|r| contacts::COMMITTEE.contains(&r))
                });
                let missing = contacts::missing_roles(self.plan, mask);
                Some(match (has_roles, missing.is_empty()) {
                    (false, _) => String::new(),
                    (true, true) => "complete".to_string(),
                    (true, false) => format!("missing {}", missing.join(", ")),
                })
            }
            _ => None,
        }
    }

    /// Appends one account's row to `buf`; `cells` are the input cells
    /// [`ResultColumn::Input`] columns index.
    pub fn write(&self, buf: &mut Vec<u8>, key: &str, o: &Outcome, cells: &[String]) {
        let input = |c: &ResultColumn| match c {
            ResultColumn::Input(i) => Some(cells.get(*i).map_or("", String::as_str)),
            _ => None,
        };
        match self.format {
            OutFormat::Csv => {
                for (i, c) in self.columns.iter().enumerate() {
                    if i > 0 {
                        buf.push(b',');
                    }
                    // Only the id can hold a delimiter or quote; the rest are
                    // names and numbers.
                    if let Some(text) = input(c) {
                        csv_field(buf, data::neutralize(text).as_bytes());
                    } else if let Some(text) = self.people_cell(*c, key) {
                        csv_field(buf, text.as_bytes());
                    } else if *c == ResultColumn::Id {
                        csv_field(buf, data::neutralize(key).as_bytes());
                    } else {
                        data::write_cell(buf, self.plan, *c, key, o);
                    }
                }
                buf.push(b'\n');
            }
            OutFormat::Jsonl => {
                // Keys in the order asked for (a JSON map would sort them).
                buf.push(b'{');
                for (i, (name, c)) in self.names.iter().zip(self.columns).enumerate() {
                    if i > 0 {
                        buf.push(b',');
                    }
                    let _ = serde_json::to_writer(&mut *buf, name);
                    buf.push(b':');
                    let value = match input(c)
                        .map(str::to_string)
                        .or_else(|| self.people_cell(*c, key))
                    {
                        Some(text) if text.is_empty() => serde_json::Value::Null,
                        Some(text) => serde_json::json!(text),
                        None => data::json_cell(self.plan, *c, key, o),
                    };
                    let _ = serde_json::to_writer(&mut *buf, &value);
                }
                buf.extend_from_slice(b"}\n");
            }
            OutFormat::Table => {
                // Each cell wrapped to its column's width; the row takes as
                // many lines as its longest cell.
                let cells: Vec<Vec<String>> = self
                    .names
                    .iter()
                    .zip(self.columns)
                    .map(|(name, c)| {
                        let mut cell = Vec::new();
                        match input(c)
                            .map(str::to_string)
                            .or_else(|| self.people_cell(*c, key))
                        {
                            Some(text) => cell.extend_from_slice(text.as_bytes()),
                            None => data::write_cell(&mut cell, self.plan, *c, key, o),
                        }
                        wrap(&String::from_utf8_lossy(&cell), width(name))
                    })
                    .collect();
                let lines = cells.iter().map(Vec::len).max().unwrap_or(1);
                for l in 0..lines {
                    let mut line = String::new();
                    for (name, cell) in self.names.iter().zip(&cells) {
                        let part = cell.get(l).map(String::as_str).unwrap_or("");
                        line.push_str(&pad(part, width(name)));
                        line.push_str("  ");
                    }
                    buf.extend_from_slice(line.trim_end().as_bytes());
                    buf.push(b'\n');
                }
            }
        }
    }
}

/// A CSV field, quoted (RFC 4180) when it holds a delimiter, quote or line break.
pub fn csv_field(buf: &mut Vec<u8>, s: &[u8]) {
    if s.iter().any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r')) {
        buf.push(b'"');
        for &b in s {
            if b == b'"' {
                buf.push(b'"');
            }
            buf.push(b);
        }
        buf.push(b'"');
    } else {
        buf.extend_from_slice(s);
    }
}

fn width(column: &str) -> usize {
    match column {
        "id" | "name" => 20,
        "passed" => 6,
        "removed_by" | "tier" => 12,
        "fired" => 40,
        "unknown" => 24,
        _ => 8.max(column.chars().count()),
    }
}

/// `s` padded to `w` characters (callers wrap longer text first).
fn pad(s: &str, w: usize) -> String {
    let n = s.chars().count();
    format!("{s}{}", " ".repeat(w.saturating_sub(n)))
}

/// Text cut into lines of at most `w` characters, at a `;` or space when
/// there is one (lists of signals break between items), never dropped.
fn wrap(s: &str, w: usize) -> Vec<String> {
    let w = w.max(1);
    let mut out = Vec::new();
    let mut rest: Vec<char> = s.chars().collect();
    while rest.len() > w {
        let head = rest.get(..w).unwrap_or_default();
        let cut = head
            .iter()
            .rposition(|c| *c == ';' || *c == ' ')
            .map(|i| i + 1)
            .filter(|&i| i > 0)
            .unwrap_or(w);
        out.push(rest.drain(..cut).collect::<String>().trim_end().to_string());
    }
    out.push(rest.into_iter().collect());
    out
}

/// The terminal's width: `COLUMNS` when set, else 120 (no terminal query,
/// so output is the same wherever it runs).
pub fn terminal_width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse().ok())
        .filter(|&c: &usize| c >= 20)
        .unwrap_or(120)
}

/// The columns that fit in `max` characters, from the left (the id always),
/// and the ones left out.
pub fn fit_table(names: &[String], max: usize) -> (Vec<String>, Vec<String>) {
    let (mut kept, mut dropped) = (Vec::new(), Vec::new());
    let mut used = 0;
    for (i, n) in names.iter().enumerate() {
        let w = width(n) + if i > 0 { 2 } else { 0 };
        if i == 0 || (dropped.is_empty() && used + w <= max) {
            kept.push(n.clone());
            used += w;
        } else {
            dropped.push(n.clone());
        }
    }
    (kept, dropped)
}

/// Where results go: a temporary file beside the target, renamed on success.
pub struct Output {
    target: Option<PathBuf>,
    tmp: Option<PathBuf>,
    pub w: Box<dyn Write + Send>,
}

impl Output {
    pub fn open(target: Option<&Path>) -> Result<Output, String> {
        match target {
            None => Ok(Output {
                target: None,
                tmp: None,
                w: Box::new(std::io::BufWriter::new(std::io::stdout())),
            }),
            Some(t) => {
                let cannot = |e: std::io::Error| format!("cannot write `{}`: {e}", t.display());
                // Write through a symbolic link to the file it names.
                let real = match std::fs::symlink_metadata(t) {
                    Ok(m) if m.file_type().is_symlink() => {
                        // The link may name a file that does not exist yet.
                        let link = std::fs::read_link(t).map_err(cannot)?;
                        t.parent().map(|dir| dir.join(&link)).unwrap_or(link)
                    }
                    _ => t.to_path_buf(),
                };
                // A device or pipe (`/dev/stdout`, a FIFO) cannot be replaced
                // by renaming: write to it directly.
                if std::fs::metadata(&real).is_ok_and(|m| !m.is_file()) {
                    let f = std::fs::OpenOptions::new()
                        .write(true)
                        .open(&real)
                        .map_err(cannot)?;
                    return Ok(Output {
                        target: None,
                        tmp: None,
                        w: Box::new(std::io::BufWriter::with_capacity(1 << 20, f)),
                    });
                }
                let name = real
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_else(|| "out".into());
                let tmp = real.with_file_name(format!(".{name}.icp-{}.tmp", std::process::id()));
                let f = std::fs::File::create(&tmp).map_err(cannot)?;
                Ok(Output {
                    target: Some(real),
                    tmp: Some(tmp),
                    w: Box::new(std::io::BufWriter::with_capacity(1 << 20, f)),
                })
            }
        }
    }

    pub fn finish(mut self) -> Result<(), String> {
        self.w
            .flush()
            .map_err(|e| format!("cannot write the results: {e}"))?;
        drop(std::mem::replace(&mut self.w, Box::new(std::io::sink())));
        if let (Some(tmp), Some(target)) = (self.tmp.take(), &self.target) {
            std::fs::rename(&tmp, target)
                .map_err(|e| format!("cannot write `{}`: {e}", target.display()))?;
        }
        Ok(())
    }
}

impl Drop for Output {
    fn drop(&mut self) {
        // Not finished: leave the target as it was.
        if let Some(tmp) = self.tmp.take() {
            let _ = std::fs::remove_file(tmp);
        }
    }
}
