//! `icp score` and `icp explain`: stream accounts from CSV or JSON lines
//! through a plan. Records are read in batches on this thread, scored on
//! every core, and written back in input order; output goes to a temporary
//! file that replaces the target only when everything succeeded.

use super::run::plans;
use icp_lang::ast::Date;
use icp_lang::contacts;
use icp_lang::data::{self, bind_headers, CellError, OnError};
use icp_lang::eval::evaluate;
use icp_lang::plan::Plan;
use icp_lang::split;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::collections::HashMap;
use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum OutFormat {
    Csv,
    Jsonl,
    Table,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum InFormat {
    Csv,
    Jsonl,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum OnErrorArg {
    Fail,
    Skip,
    Missing,
}

/// The ICP and the accounts every data command reads.
#[derive(clap::Args, Debug)]
pub struct Accounts {
    /// The .icp file.
    pub icp_file: PathBuf,
    /// Accounts: a .csv, .tsv or .jsonl file, or `-` for standard input.
    pub data: PathBuf,
    /// The ICP to use when the file has several.
    #[arg(long)]
    pub icp: Option<String>,
    #[command(flatten)]
    pub read: ReadOptions,
}

/// How accounts are read and judged; shared by every command that reads them.
#[derive(clap::Args, Debug)]
pub struct ReadOptions {
    /// The date `within` and decay are judged against (default: icp.toml's as_of, else today).
    #[arg(long, value_parser = super::parse_date)]
    pub as_of: Option<Date>,
    /// Input format (default: from the data's extension, else CSV).
    #[arg(long, value_enum)]
    pub input_format: Option<InFormat>,
    /// The separator of list cells (`set<...>` fields) in CSV.
    #[arg(long, default_value = ";")]
    pub list_separator: char,
    /// The CSV field delimiter (default `,`; tab for .tsv).
    #[arg(long)]
    pub delimiter: Option<char>,
}

/// Text for people or JSON for tools.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum TextOrJson {
    Text,
    Json,
}

#[derive(clap::Args, Debug)]
pub struct ScoreArgs {
    #[command(flatten)]
    pub input: Accounts,
    /// Write results here (atomically) instead of standard output.
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// Output format (default: from the output's extension; a table on a terminal; else CSV).
    #[arg(long, value_enum)]
    pub format: Option<OutFormat>,
    /// What to do with a record that has a bad cell.
    #[arg(long, value_enum, default_value = "fail")]
    pub on_error: OnErrorArg,
    /// Result columns to write, comma-separated (default: all).
    #[arg(long, value_delimiter = ',')]
    pub columns: Option<Vec<String>>,
    /// Contacts (CSV with Title, Seniority, Department and the account id) to match
    /// against the personas; adds the `personas` and `committee` columns.
    #[arg(long)]
    pub contacts: Option<PathBuf>,
    /// The contacts' column holding the account id (default: the account key's header).
    #[arg(long)]
    pub contacts_key: Option<String>,
}

/// Bytes of input per unit of work for a thread.
const CHUNK: usize = 2 << 20;
/// A record larger than this is refused (almost always an unclosed quote).
const MAX_RECORD: usize = 64 << 20;
/// How many bad cells are listed before giving up.
const SHOWN_ERRORS: usize = 10;

/// An opened input: its header, and a reader positioned after it.
pub(super) struct Source {
    pub(super) format: InFormat,
    pub(super) headers: Vec<String>,
    delimiter: u8,
    reader: Box<dyn Read + Send>,
    /// Bytes already read past the header.
    buf: Vec<u8>,
    eof: bool,
}

pub(super) fn open_input(
    path: &Path,
    format: Option<InFormat>,
    delimiter: Option<char>,
) -> Result<Source, String> {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let format = format.unwrap_or(if ext == "jsonl" || ext == "ndjson" {
        InFormat::Jsonl
    } else {
        InFormat::Csv
    });
    let reader: Box<dyn Read + Send> = if path.as_os_str() == "-" {
        Box::new(std::io::stdin())
    } else {
        Box::new(
            std::fs::File::open(path)
                .map_err(|e| format!("cannot read `{}`: {e}", path.display()))?,
        )
    };
    let delim = delimiter.unwrap_or(if ext == "tsv" { '\t' } else { ',' });
    let delimiter =
        u8::try_from(delim).map_err(|_| format!("the delimiter `{delim}` is not a single byte"))?;
    let mut src = Source {
        format,
        headers: Vec::new(),
        delimiter,
        reader,
        buf: Vec::new(),
        eof: false,
    };
    let first = src
        .next_chunk(1)
        .map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
    let first = first.unwrap_or_default();
    let first = first
        .strip_prefix(b"\xef\xbb\xbf".as_slice())
        .unwrap_or(&first);
    src.headers = match format {
        InFormat::Csv => {
            let mut r = csv::ReaderBuilder::new()
                .has_headers(false)
                .delimiter(delimiter)
                .from_reader(first);
            let mut rec = csv::ByteRecord::new();
            match r.read_byte_record(&mut rec) {
                Ok(true) => {
                    // The csv crate also ends a record at a lone CR, so in a
                    // file with CR line ends (which has no LF to cut at) the
                    // data follows the header here: give it back.
                    let used = usize::try_from(r.position().byte()).unwrap_or(first.len());
                    let rest = first.get(used..).unwrap_or_default();
                    if !rest.is_empty() {
                        let mut again = rest.to_vec();
                        again.extend_from_slice(&src.buf);
                        src.buf = again;
                    }
                    rec.iter()
                        .map(|h| String::from_utf8_lossy(h).to_string())
                        .collect()
                }
                _ => return Err(format!("`{}` has no header row", path.display())),
            }
        }
        InFormat::Jsonl => {
            // The first object's keys name the columns; the object itself is data.
            let line = String::from_utf8_lossy(first).to_string();
            let keys = match serde_json::from_str::<serde_json::Value>(line.trim()) {
                Ok(serde_json::Value::Object(m)) => m.keys().cloned().collect(),
                _ if line.trim().is_empty() => Vec::new(),
                _ => {
                    return Err(format!(
                        "line 1 of `{}` is not a JSON object",
                        path.display()
                    ))
                }
            };
            let mut again = first.to_vec();
            again.extend_from_slice(&src.buf);
            src.buf = again;
            keys
        }
    };
    Ok(src)
}

impl Source {
    /// The separator of list cells: JSON lists arrive joined with U+001F.
    pub(super) fn list_separator(&self, csv: char) -> char {
        if self.format == InFormat::Jsonl {
            '\u{1f}'
        } else {
            csv
        }
    }

    /// Calls `f` with each record's cells (a record that cannot be read
    /// comes as no cells, keeping the numbering) until it breaks.
    pub(super) fn each_record(
        &mut self,
        mut f: impl FnMut(&[String]) -> std::ops::ControlFlow<()>,
    ) -> std::io::Result<()> {
        while let Some(chunk) = self.next_chunk(usize::MAX)? {
            for cells in records(&chunk, self.format, self.delimiter, &self.headers) {
                if f(&cells).is_break() {
                    return Ok(());
                }
            }
        }
        Ok(())
    }

    /// The next run of whole records: at least `min_records` of them unless
    /// the input ends, cut after the last record boundary in the bytes read.
    /// CSV boundaries are newlines outside double quotes (RFC 4180).
    fn next_chunk(&mut self, min_records: usize) -> std::io::Result<Option<Vec<u8>>> {
        let quotes = self.format == InFormat::Csv;
        let target = if min_records == 1 { 64 << 10 } else { CHUNK };
        if self.buf.len() < target {
            self.fill(target - self.buf.len())?;
        }
        loop {
            if self.buf.is_empty() {
                return Ok(None);
            }
            let cut = if min_records == 1 {
                first_boundary(&self.buf, quotes)
            } else {
                last_boundary(&self.buf, quotes)
            };
            match cut {
                Some(end) => {
                    let rest = self.buf.split_off(end + 1);
                    return Ok(Some(std::mem::replace(&mut self.buf, rest)));
                }
                None if self.eof => return Ok(Some(std::mem::take(&mut self.buf))),
                None if self.buf.len() > MAX_RECORD => {
                    let cr_only = quotes
                        && memchr::memchr(b'\n', &self.buf).is_none()
                        && memchr::memchr(b'\r', &self.buf).is_some();
                    let why = if cr_only {
                        "a record is larger than 64 MiB: the lines end with CR alone \
                         (old Mac style); save the file with LF or CRLF line ends"
                    } else {
                        "a record is larger than 64 MiB; is a quote left open?"
                    };
                    return Err(std::io::Error::other(why));
                }
                // One record longer than what was read: read on.
                None => self.fill(CHUNK)?,
            }
        }
    }

    /// Appends up to `n` more bytes of input; notes the end of input.
    fn fill(&mut self, n: usize) -> std::io::Result<()> {
        // Room for all of it at once: growing by doubling would copy the chunk
        // several times over.
        self.buf.reserve(n);
        let got = (&mut self.reader)
            .take(n as u64)
            .read_to_end(&mut self.buf)?;
        if got < n {
            self.eof = true;
        }
        Ok(())
    }
}

/// Offsets of newlines outside quotes, scanning only quotes and newlines.
fn boundaries(buf: &[u8], quotes: bool) -> impl Iterator<Item = usize> + '_ {
    let mut in_quotes = false;
    let finder: Box<dyn Iterator<Item = usize>> = if quotes {
        Box::new(memchr::memchr2_iter(b'"', b'\n', buf))
    } else {
        Box::new(memchr::memchr_iter(b'\n', buf))
    };
    finder.filter(move |&i| {
        if buf.get(i) == Some(&b'"') {
            in_quotes = !in_quotes;
            false
        } else {
            !in_quotes
        }
    })
}

fn first_boundary(buf: &[u8], quotes: bool) -> Option<usize> {
    boundaries(buf, quotes).next()
}

/// The last newline outside quotes. `buf` starts at a record boundary, so
/// a newline is outside quotes when an even number of quotes precede it.
/// Counting quotes is one fast pass, where walking every newline is not;
/// going back from newline to newline only subtracts the quotes between.
fn last_boundary(buf: &[u8], quotes: bool) -> Option<usize> {
    let mut nl = memchr::memrchr(b'\n', buf)?;
    if !quotes {
        return Some(nl);
    }
    let count = |part: &[u8]| memchr::memchr_iter(b'"', part).count();
    let mut before = count(buf.get(..nl)?);
    loop {
        if before % 2 == 0 {
            return Some(nl);
        }
        let prev = memchr::memrchr(b'\n', buf.get(..nl)?)?;
        before -= count(buf.get(prev..nl)?);
        nl = prev;
    }
}

/// Buffers a worker reuses for every record.
struct Scratch {
    row: Vec<icp_lang::eval::Value>,
    errors: Vec<CellError>,
    outcome: icp_lang::eval::Outcome,
}

impl Default for Scratch {
    fn default() -> Self {
        Scratch {
            row: Vec::new(),
            errors: Vec::new(),
            outcome: evaluate(&Plan::default(), &[]),
        }
    }
}

/// What one chunk produced.
#[derive(Default)]
struct Scored {
    bytes: Vec<u8>,
    read: u64,
    /// Accounts per gate and per tier, by index (grown as they are seen).
    removed: Vec<u64>,
    tiers: Vec<u64>,
    no_tier: u64,
    skipped: u64,
    /// Records that could not be split into cells (wrong field count, not CSV).
    unreadable: u64,
    missing_cells: u64,
    /// (record number within the chunk, what was wrong): numbered by the writer.
    errors: Vec<(u64, String)>,
}

struct Job<'a> {
    plan: &'a Plan,
    binding: &'a [usize],
    headers: &'a [String],
    key: Option<usize>,
    /// Account id -> the personas its contacts match (bit per persona).
    people: Option<&'a HashMap<String, u64>>,
    names: &'a [String],
    columns: &'a [data::ResultColumn],
    format: OutFormat,
    on_error: OnError,
    list_separator: char,
    delimiter: u8,
    input: InFormat,
}

impl Job<'_> {
    fn score(&self, chunk: &[u8]) -> Scored {
        let fresh = || Scored {
            bytes: Vec::with_capacity(chunk.len() / 2),
            ..Scored::default()
        };
        let mut s = fresh();
        let mut scratch = Scratch::default();
        match self.input {
            InFormat::Csv => {
                // Regular CSV is split 64 bytes at a time; anything else is
                // read again by the csv crate, which locates the problem.
                if self.score_split(chunk, &mut s, &mut scratch).is_ok() {
                    return s;
                }
                s = fresh();
                let mut r = csv::ReaderBuilder::new()
                    .has_headers(false)
                    .flexible(true)
                    .delimiter(self.delimiter)
                    .from_reader(chunk);
                let mut rec = csv::ByteRecord::new();
                loop {
                    match r.read_byte_record(&mut rec) {
                        Ok(true) => {}
                        Ok(false) => break,
                        Err(e) => {
                            s.read += 1;
                            self.bad(&mut s, format!("cannot be read as CSV: {e}"));
                            break;
                        }
                    }
                    s.read += 1;
                    if rec.len() != self.headers.len() {
                        self.bad(
                            &mut s,
                            format!(
                                "has {} fields, the header has {}",
                                rec.len(),
                                self.headers.len()
                            ),
                        );
                        continue;
                    }
                    // One UTF-8 check for the whole record is fastest; fields
                    // split at ASCII delimiters, so each is then valid too.
                    // Otherwise check field by field: only the ones the ICP
                    // reads matter, and a bad one is a located cell error.
                    if let Ok(text) = std::str::from_utf8(rec.as_slice()) {
                        self.record(&mut s, &mut scratch, |i| {
                            Ok(Cow::Borrowed(
                                rec.range(i).and_then(|r| text.get(r)).unwrap_or(""),
                            ))
                        });
                    } else {
                        let field = |i: usize| match rec.get(i) {
                            Some(f) => std::str::from_utf8(f)
                                .map(Cow::Borrowed)
                                .map_err(|_| data::NotText(f)),
                            None => Ok(Cow::Borrowed("")),
                        };
                        self.record(&mut s, &mut scratch, field);
                    }
                }
            }
            InFormat::Jsonl => {
                for line in chunk.split(|b| *b == b'\n') {
                    let line = String::from_utf8_lossy(line);
                    if line.trim().is_empty() {
                        continue;
                    }
                    s.read += 1;
                    match serde_json::from_str::<serde_json::Value>(&line) {
                        Ok(serde_json::Value::Object(obj)) => {
                            let cells: Vec<String> = self
                                .headers
                                .iter()
                                .map(|h| obj.get(h).map(json_text).unwrap_or_default())
                                .collect();
                            self.record(&mut s, &mut scratch, |i| {
                                Ok(Cow::Borrowed(
                                    cells.get(i).map(String::as_str).unwrap_or(""),
                                ))
                            });
                        }
                        Ok(_) => self.bad(&mut s, "is not a JSON object".to_string()),
                        Err(e) => self.bad(&mut s, format!("is not valid JSON: {e}")),
                    }
                }
            }
        }
        s
    }

    /// Scores a chunk split by `icp_lang::split`; stops when the text is
    /// not regular CSV, and the caller starts again with the csv crate.
    fn score_split(
        &self,
        chunk: &[u8],
        s: &mut Scored,
        scratch: &mut Scratch,
    ) -> Result<(), split::Irregular> {
        let mut ends = split::Fields::new(self.headers.len() + 1);
        split::each_record(chunk, self.delimiter, &mut ends, |rec| {
            s.read += 1;
            if rec.len() != self.headers.len() {
                let why = format!(
                    "has {} fields, the header has {}",
                    rec.len(),
                    self.headers.len()
                );
                self.bad(s, why);
                return;
            }
            self.record(s, scratch, |i| {
                rec.field(i).map_err(|_| data::NotText(rec.raw(i)))
            });
        })
    }

    /// A record that could not be split into cells.
    fn bad(&self, s: &mut Scored, why: String) {
        match self.on_error {
            OnError::Fail => s.errors.push((s.read, why)),
            _ => s.unreadable += 1,
        }
    }

    fn record<'f>(
        &self,
        s: &mut Scored,
        scratch: &mut Scratch,
        field: impl Fn(usize) -> Result<Cow<'f, str>, data::NotText<'f>>,
    ) {
        scratch.errors.clear();
        data::decode_into(
            self.plan,
            self.binding,
            &field,
            s.read,
            self.list_separator,
            self.headers,
            false,
            &mut scratch.row,
            &mut scratch.errors,
        );
        if !scratch.errors.is_empty() {
            match self.on_error {
                OnError::Fail => {
                    for e in &scratch.errors {
                        let shown: String = e.value.chars().take(60).collect();
                        s.errors.push((
                            s.read,
                            format!("column `{}`: `{shown}` is not {}", e.header, e.expected),
                        ));
                    }
                    return;
                }
                OnError::Skip => {
                    s.skipped += 1;
                    return;
                }
                OnError::Missing => s.missing_cells += scratch.errors.len() as u64,
            }
        }
        icp_lang::eval::evaluate_into(self.plan, &scratch.row, &mut scratch.outcome);
        let outcome = &scratch.outcome;
        match (outcome.removed_by, outcome.tier) {
            (Some(g), _) => count(&mut s.removed, g, 1),
            (None, Some(t)) => count(&mut s.tiers, t, 1),
            (None, None) => s.no_tier += 1,
        }
        // An id that is not UTF-8 (kept with --on-error missing) is written
        // with its bad bytes as U+FFFD rather than lost.
        let key = match self.key.and_then(|k| self.binding.get(k)) {
            Some(&i) => field(i).unwrap_or_else(|bad| Cow::Owned(bad.shown())),
            None => Cow::Borrowed(""),
        };
        self.write_row(&mut s.bytes, key.trim(), outcome);
    }

    /// The `personas` and `committee` cells, from the account's contacts.
    fn people_cell(&self, c: data::ResultColumn, key: &str) -> Option<String> {
        let people = self.people?;
        let mask = people.get(key).copied().unwrap_or(0);
        match c {
            data::ResultColumn::Personas => {
                Some(contacts::persona_names(self.plan, mask).join(";"))
            }
            data::ResultColumn::Committee => {
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

    fn write_row(&self, buf: &mut Vec<u8>, key: &str, o: &icp_lang::eval::Outcome) {
        match self.format {
            OutFormat::Csv => {
                for (i, c) in self.columns.iter().enumerate() {
                    if i > 0 {
                        buf.push(b',');
                    }
                    // Only the id can hold a delimiter or quote; the rest are
                    // names and numbers.
                    if let Some(text) = self.people_cell(*c, key) {
                        csv_field(buf, text.as_bytes());
                    } else if *c == data::ResultColumn::Id {
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
                    let value = match self.people_cell(*c, key) {
                        Some(text) if text.is_empty() => serde_json::Value::Null,
                        Some(text) => serde_json::json!(text),
                        None => data::json_cell(self.plan, *c, key, o),
                    };
                    let _ = serde_json::to_writer(&mut *buf, &value);
                }
                buf.extend_from_slice(b"}\n");
            }
            OutFormat::Table => {
                let mut line = String::new();
                for (name, c) in self.names.iter().zip(self.columns) {
                    let mut cell = Vec::new();
                    match self.people_cell(*c, key) {
                        Some(text) => cell.extend_from_slice(text.as_bytes()),
                        None => data::write_cell(&mut cell, self.plan, *c, key, o),
                    }
                    line.push_str(&pad(&String::from_utf8_lossy(&cell), width(name)));
                    line.push_str("  ");
                }
                buf.extend_from_slice(line.trim_end().as_bytes());
                buf.push(b'\n');
            }
        }
    }
}

/// A CSV field, quoted (RFC 4180) when it holds a delimiter, quote or line break.
fn csv_field(buf: &mut Vec<u8>, s: &[u8]) {
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

/// A JSON value as cell text; arrays joined with the unit separator, which
/// is then the list separator.
fn json_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Array(items) => items
            .iter()
            .map(|i| {
                i.as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| i.to_string())
            })
            .collect::<Vec<_>>()
            .join("\u{1f}"),
        other => other.to_string(),
    }
}

fn width(column: &str) -> usize {
    match column {
        "id" => 20,
        "passed" => 6,
        "removed_by" | "tier" => 12,
        "fired" => 40,
        "unknown" => 24,
        _ => 8.max(column.chars().count()),
    }
}

fn pad(s: &str, w: usize) -> String {
    let n = s.chars().count();
    if n > w {
        let cut: String = s.chars().take(w.saturating_sub(1)).collect();
        format!("{cut}…")
    } else {
        format!("{s}{}", " ".repeat(w - n))
    }
}

/// Where results go: a temporary file beside the target, renamed on success.
struct Output {
    target: Option<PathBuf>,
    tmp: Option<PathBuf>,
    w: Box<dyn Write + Send>,
}

impl Output {
    fn open(target: Option<&Path>) -> Result<Output, String> {
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

    fn finish(mut self) -> Result<(), String> {
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

fn pick_plan(
    input: &Accounts,
    err: &mut dyn Write,
) -> Result<(icp_lang::workspace::Workspace, Plan), i32> {
    let session = super::open(std::slice::from_ref(&input.icp_file), input.read.as_of, err)?;
    let checked = session.check();
    super::refuse_errors(&session, &checked.diagnostics, err)?;
    let mut found = plans(&session, &checked, input.icp.as_deref());
    match found.len() {
        1 => {
            let (_, plan) = found.remove(0);
            drop(checked);
            Ok((session, plan))
        }
        0 => {
            let _ = writeln!(
                err,
                "error: {}",
                input
                    .icp
                    .as_ref()
                    .map(|n| format!("no ICP named `{n}` in `{}`", input.icp_file.display()))
                    .unwrap_or_else(|| format!("no ICP in `{}`", input.icp_file.display()))
            );
            Err(2)
        }
        _ => {
            let names: Vec<String> = found.iter().map(|(_, p)| format!("`{}`", p.icp)).collect();
            let _ = writeln!(
                err,
                "error: `{}` has several ICPs ({}); choose one with --icp",
                input.icp_file.display(),
                names.join(", ")
            );
            Err(2)
        }
    }
}

/// Opens the accounts and binds their headers to the plan's columns; on
/// failure the message is written and the exit code returned.
fn open_bound(
    plan: &Plan,
    accounts: &Accounts,
    err: &mut dyn Write,
) -> Result<(Source, Vec<usize>), i32> {
    let data = &accounts.data;
    let input =
        open_input(data, accounts.read.input_format, accounts.read.delimiter).map_err(|e| {
            let _ = writeln!(err, "error: {e}");
            2
        })?;
    match bind_headers(plan, &input.headers) {
        Ok(binding) => Ok((input, binding)),
        Err(missing) => {
            let _ = writeln!(
                err,
                "error: `{}` lacks columns the ICP `{}` reads:",
                data.display(),
                plan.icp
            );
            for m in &missing {
                let _ = writeln!(err, "  - {m}");
            }
            let present: Vec<String> = input.headers.iter().map(|h| format!("`{h}`")).collect();
            let _ = writeln!(err, "  (the columns present are: {})", present.join(", "));
            Err(1)
        }
    }
}

pub fn score(args: &ScoreArgs, err: &mut dyn Write) -> i32 {
    let (_session, plan) = match pick_plan(&args.input, err) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let (mut input, binding) = match open_bound(&plan, &args.input, err) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let people = match &args.contacts {
        Some(path) => match load_contacts(&plan, path, args.contacts_key.as_deref()) {
            Ok(p) => Some(p),
            Err(e) => {
                let _ = writeln!(err, "error: {e}");
                return 2;
            }
        },
        None => None,
    };
    let columns = match &args.columns {
        Some(c) => {
            let available = data::available_columns(&plan, people.is_some());
            if let Some(bad) = c.iter().find(|c| !available.contains(c)) {
                let hint = icp_lang::suggest::closest(bad, available.iter().map(String::as_str))
                    .map(|s| format!("; did you mean `{s}`?"))
                    .unwrap_or_default();
                let _ = writeln!(
                    err,
                    "error: unknown column `{bad}`{hint} (available: {})",
                    available.join(", ")
                );
                return 2;
            }
            c.clone()
        }
        None => data::available_columns(&plan, people.is_some()),
    };
    let format = args.format.unwrap_or_else(|| {
        match args
            .output
            .as_ref()
            .and_then(|o| o.extension())
            .map(|e| e.to_string_lossy().to_lowercase())
        {
            Some(e) if e == "jsonl" || e == "ndjson" => OutFormat::Jsonl,
            Some(_) => OutFormat::Csv,
            None if std::io::stdout().is_terminal() => OutFormat::Table,
            None => OutFormat::Csv,
        }
    });
    let separator = input.list_separator(args.input.read.list_separator);
    let on_error = match args.on_error {
        OnErrorArg::Fail => OnError::Fail,
        OnErrorArg::Skip => OnError::Skip,
        OnErrorArg::Missing => OnError::Missing,
    };
    let mut out = match Output::open(args.output.as_deref()) {
        Ok(o) => o,
        Err(e) => {
            let _ = writeln!(err, "error: {e}");
            return 2;
        }
    };
    let header_line = match format {
        OutFormat::Csv => columns.join(",") + "\n",
        OutFormat::Jsonl => String::new(),
        OutFormat::Table => {
            columns
                .iter()
                .map(|c| pad(c, width(c)))
                .collect::<Vec<_>>()
                .join("  ")
                .trim_end()
                .to_string()
                + "\n"
        }
    };
    let headers_for_json = input.headers.clone();
    let result_columns: Vec<data::ResultColumn> = columns
        .iter()
        .filter_map(|c| data::result_column(&plan, c))
        .collect();
    let job = Job {
        plan: &plan,
        binding: &binding,
        headers: &headers_for_json,
        key: plan.key,
        people: people.as_ref(),
        names: &columns,
        columns: &result_columns,
        format,
        on_error,
        list_separator: separator,
        delimiter: input.delimiter,
        input: input.format,
    };
    let progress = std::io::stderr().is_terminal();
    let started = std::time::Instant::now();
    let totals = run_pipeline(
        &job,
        &mut input,
        header_line.as_bytes(),
        &mut out.w,
        progress,
        started,
    );
    let totals = match totals {
        Ok(t) => t,
        Err(e) => {
            let _ = writeln!(err, "error: {e}");
            return 1;
        }
    };
    if progress {
        let _ = write!(err, "\r\x1b[2K");
    }
    if !totals.errors.is_empty() {
        let _ = writeln!(
            err,
            "error: bad data in `{}`; nothing was written",
            args.input.data.display()
        );
        for (record, e) in totals.errors.iter().take(SHOWN_ERRORS) {
            let _ = writeln!(err, "  - record {record}: {e}");
        }
        let _ = writeln!(err, "  (use --on-error skip to leave such records out, or --on-error missing to treat bad cells as missing)");
        return 1;
    }
    if let Err(e) = out.finish() {
        let _ = writeln!(err, "error: {e}");
        return 2;
    }
    let _ = err.write_all(summary(&plan, &totals, args.on_error).as_bytes());
    0
}

/// Cuts the input into chunks here, scores them on worker threads, writes
/// them in input order.
fn run_pipeline(
    job: &Job<'_>,
    input: &mut Source,
    header: &[u8],
    w: &mut (dyn Write + Send),
    progress: bool,
    started: std::time::Instant,
) -> Result<Scored, String> {
    // ICP_THREADS pins the worker count (tests use it to show the output
    // does not depend on it).
    let workers = std::env::var("ICP_THREADS")
        .ok()
        .and_then(|t| t.parse::<usize>().ok())
        .unwrap_or_else(|| {
            std::thread::available_parallelism()
                .map(usize::from)
                .unwrap_or(1)
        })
        .clamp(1, 32);
    let (work_tx, work_rx) = mpsc::sync_channel::<(usize, Vec<u8>)>(workers * 2);
    let work_rx = Arc::new(Mutex::new(work_rx));
    let (done_tx, done_rx) = mpsc::sync_channel::<(usize, Scored)>(workers * 2);
    let stop = AtomicBool::new(false);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            let rx = Arc::clone(&work_rx);
            let tx = done_tx.clone();
            scope.spawn(move || loop {
                let next = rx.lock().ok().and_then(|r| r.recv().ok());
                let Some((index, chunk)) = next else { break };
                if tx.send((index, job.score(&chunk))).is_err() {
                    break;
                }
            });
        }
        drop(done_tx);
        // Only the workers hold the queue's receiving end: if they all stop
        // (the writer failed), the reader's next send fails instead of waiting.
        drop(work_rx);
        let stop = &stop;
        let writer = scope.spawn(move || -> Result<Scored, String> {
            let mut totals = Scored::default();
            // The header goes out with the first results, so a run that
            // fails on bad data writes nothing at all.
            let mut header = Some(header);
            let mut pending: BTreeMap<usize, Scored> = BTreeMap::new();
            let mut next = 0usize;
            let mut last_report = std::time::Instant::now();
            for (index, scored) in done_rx {
                pending.insert(index, scored);
                while let Some(mut s) = pending.remove(&next) {
                    next += 1;
                    if !totals.errors.is_empty() {
                        continue;
                    }
                    if s.errors.is_empty() {
                        if let Some(h) = header.take() {
                            w.write_all(h).map_err(|e| {
                                stop.store(true, Ordering::Relaxed);
                                format!("cannot write the results: {e}")
                            })?;
                        }
                        w.write_all(&s.bytes).map_err(|e| {
                            stop.store(true, Ordering::Relaxed);
                            format!("cannot write the results: {e}")
                        })?;
                    } else {
                        // The first chunk with bad data, in input order: stop reading.
                        stop.store(true, Ordering::Relaxed);
                        for (record, _) in &mut s.errors {
                            *record += totals.read;
                        }
                    }
                    merge(&mut totals, s);
                    if progress
                        && last_report.elapsed().as_millis() > 250
                        && started.elapsed().as_secs() >= 1
                    {
                        last_report = std::time::Instant::now();
                        eprint!(
                            "\r\x1b[2Kscored {} accounts ({:.0}/s)",
                            group_digits(totals.read),
                            totals.read as f64 / started.elapsed().as_secs_f64()
                        );
                    }
                }
            }
            if let (Some(h), true) = (header, totals.errors.is_empty()) {
                w.write_all(h).map_err(|e| {
                    stop.store(true, Ordering::Relaxed);
                    format!("cannot write the results: {e}")
                })?;
            }
            Ok(totals)
        });
        let mut index = 0;
        let mut read_error = None;
        while !stop.load(Ordering::Relaxed) {
            match input.next_chunk(usize::MAX) {
                Ok(Some(chunk)) => {
                    if work_tx.send((index, chunk)).is_err() {
                        break;
                    }
                    index += 1;
                }
                Ok(None) => break,
                Err(e) => {
                    read_error = Some(format!("cannot read the accounts: {e}"));
                    break;
                }
            }
        }
        drop(work_tx);
        let totals = writer
            .join()
            .unwrap_or_else(|_| Err("the writer thread failed".to_string()))?;
        match read_error {
            Some(e) => Err(e),
            None => Ok(totals),
        }
    })
}

/// Adds `n` to `counts[i]`, growing `counts` to hold it.
fn count(counts: &mut Vec<u64>, i: usize, n: u64) {
    if counts.len() <= i {
        counts.resize(i + 1, 0);
    }
    if let Some(c) = counts.get_mut(i) {
        *c += n;
    }
}

fn merge(t: &mut Scored, s: Scored) {
    t.read += s.read;
    for (k, v) in s.removed.into_iter().enumerate() {
        count(&mut t.removed, k, v);
    }
    for (k, v) in s.tiers.into_iter().enumerate() {
        count(&mut t.tiers, k, v);
    }
    t.no_tier += s.no_tier;
    t.skipped += s.skipped;
    t.unreadable += s.unreadable;
    t.missing_cells += s.missing_cells;
    t.errors.extend(s.errors);
}

pub(super) fn group_digits(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `1 record`, `2,500 records`.
fn count_of(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", group_digits(n), if n == 1 { one } else { many })
}

fn summary(plan: &Plan, t: &Scored, on_error: OnErrorArg) -> String {
    let removed: u64 = t.removed.iter().sum();
    let scored = t.read - t.skipped - t.unreadable - removed;
    let mut s = format!(
        "{}: read {} accounts; {} passed the filters, {} removed\n",
        plan.icp,
        group_digits(t.read),
        group_digits(scored),
        group_digits(removed)
    );
    let mut gates: Vec<(usize, &icp_lang::plan::Gate)> = plan.gates.iter().enumerate().collect();
    gates.sort_by_key(|(_, g)| g.order);
    for (i, g) in gates {
        let n = t.removed.get(i).copied().unwrap_or(0);
        let kind = if g.kind == icp_lang::plan::GateKind::Filter {
            "filter"
        } else {
            "exclude"
        };
        s.push_str(&format!(
            "  removed by {kind} {}: {}\n",
            g.name,
            group_digits(n)
        ));
    }
    let tiers: Vec<String> = plan
        .tiers
        .iter()
        .enumerate()
        .map(|(i, tp)| {
            format!(
                "{} {}",
                tp.name,
                group_digits(t.tiers.get(i).copied().unwrap_or(0))
            )
        })
        .collect();
    s.push_str(&format!("  tiers: {}", tiers.join(", ")));
    if t.no_tier > 0 {
        s.push_str(&format!(", no tier {}", group_digits(t.no_tier)));
    }
    s.push('\n');
    if t.unreadable > 0 {
        s.push_str(&format!(
            "  left out {} that could not be read\n",
            count_of(t.unreadable, "record", "records")
        ));
    }
    if t.skipped > 0 {
        s.push_str(&format!(
            "  skipped {} with bad data (--on-error skip)\n",
            count_of(t.skipped, "record", "records")
        ));
    }
    if t.missing_cells > 0 && on_error == OnErrorArg::Missing {
        s.push_str(&format!(
            "  treated {} as missing (--on-error missing)\n",
            count_of(t.missing_cells, "bad cell", "bad cells")
        ));
    }
    s
}

/// Reads a contacts CSV and matches every contact against the personas:
/// account id -> persona bits. Contacts are few next to accounts, so they
/// are held in memory.
fn load_contacts(
    plan: &Plan,
    path: &Path,
    key_header: Option<&str>,
) -> Result<HashMap<String, u64>, String> {
    let key_header = match key_header {
        Some(k) => k.to_string(),
        None => plan
            .key
            .and_then(|k| plan.columns.get(k))
            .map(|c| c.header.clone())
            .ok_or("the schema has no `key` field to join contacts on")?,
    };
    let mut r = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(path)
        .map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
    let headers: Vec<String> = r
        .headers()
        .map_err(|e| format!("cannot read the header row of `{}`: {e}", path.display()))?
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').to_string())
        .collect();
    let find = |name: &str| {
        headers
            .iter()
            .position(|h| h.trim().eq_ignore_ascii_case(name))
    };
    let key = find(&key_header).ok_or_else(|| {
        format!(
            "`{}` has no column `{key_header}` to join contacts to accounts (use --contacts-key)",
            path.display()
        )
    })?;
    let title =
        find("Title").ok_or_else(|| format!("`{}` has no `Title` column", path.display()))?;
    let (seniority, department) = (find("Seniority"), find("Department"));
    let mut people: HashMap<String, u64> = HashMap::new();
    for (n, rec) in r.records().enumerate() {
        let rec = rec.map_err(|e| format!("`{}`, contact {}: {e}", path.display(), n + 1))?;
        let cell = |i: Option<usize>| i.and_then(|i| rec.get(i)).unwrap_or("");
        let mask =
            contacts::match_contact(plan, cell(Some(title)), cell(seniority), cell(department));
        *people
            .entry(cell(Some(key)).trim().to_string())
            .or_default() |= mask;
    }
    Ok(people)
}

#[derive(clap::Args, Debug)]
pub struct ExplainArgs {
    #[command(flatten)]
    pub input: Accounts,
    /// The account's id (its `key` field).
    #[arg(long)]
    pub id: String,
    #[arg(long, value_enum, default_value = "text")]
    pub format: TextOrJson,
}

pub fn explain(args: &ExplainArgs, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let (_session, plan) = match pick_plan(&args.input, err) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let Some(key) = plan.key else {
        let _ = writeln!(
            err,
            "error: schema `{}` has no `key` field, so accounts cannot be found by id",
            plan.schema
        );
        return 2;
    };
    let (mut input, binding) = match open_bound(&plan, &args.input, err) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let separator = input.list_separator(args.input.read.list_separator);
    let key_idx = binding.get(key).copied().unwrap_or(usize::MAX);
    let headers = input.headers.clone();
    let wanted = args.id.trim();
    let mut record = 0u64;
    let mut found: Option<String> = None;
    let read = input.each_record(|cells| {
        record += 1;
        if cells.get(key_idx).map(|k| k.trim()) != Some(wanted) {
            return std::ops::ControlFlow::Continue(());
        }
        let (row, errors) = data::decode_fields(
            &plan,
            &binding,
            |i| cells.get(i).map(String::as_str),
            record,
            separator,
            &headers,
            true,
        );
        let outcome = evaluate(&plan, &row);
        found = Some(if args.format == TextOrJson::Json {
            let mut j = icp_lang::explain::json(&plan, &row, &outcome);
            if let Some(obj) = j.as_object_mut() {
                obj.insert("id".into(), serde_json::json!(args.id));
                obj.insert(
                    "bad_cells".into(),
                    serde_json::json!(errors.iter().map(CellError::to_string).collect::<Vec<_>>()),
                );
            }
            serde_json::to_string_pretty(&j).unwrap_or_default() + "\n"
        } else {
            let mut t = icp_lang::explain::text(
                &plan,
                &row,
                &outcome,
                &format!("account {} (record {record})", args.id),
            );
            for e in &errors {
                t.push_str(&format!("note: {e}; read as missing\n"));
            }
            t
        });
        std::ops::ControlFlow::Break(())
    });
    if let Err(e) = read {
        let _ = writeln!(err, "error: cannot read the accounts: {e}");
        return 2;
    }
    if let Some(text) = found {
        return i32::from(out.write_all(text.as_bytes()).is_err()) * 2;
    }
    let _ = writeln!(
        err,
        "error: no account with id `{}` in `{}`",
        args.id,
        args.input.data.display()
    );
    1
}

/// A chunk's records as text cells, for the one-account path (`explain`);
/// records that cannot be read come back empty, keeping the numbering.
fn records(chunk: &[u8], format: InFormat, delimiter: u8, headers: &[String]) -> Vec<Vec<String>> {
    match format {
        InFormat::Csv => {
            let mut r = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .delimiter(delimiter)
                .from_reader(chunk);
            r.byte_records()
                .map(|rec| {
                    rec.map(|rec| {
                        rec.iter()
                            .map(|f| String::from_utf8_lossy(f).into_owned())
                            .collect()
                    })
                    .unwrap_or_default()
                })
                .collect()
        }
        InFormat::Jsonl => chunk
            .split(|b| *b == b'\n')
            .map(String::from_utf8_lossy)
            .filter(|l| !l.trim().is_empty())
            .map(|l| match serde_json::from_str::<serde_json::Value>(&l) {
                Ok(serde_json::Value::Object(o)) => headers
                    .iter()
                    .map(|h| o.get(h).map(json_text).unwrap_or_default())
                    .collect(),
                _ => Vec::new(),
            })
            .collect(),
    }
}

#[derive(clap::Args, Debug)]
pub struct FunnelArgs {
    #[command(flatten)]
    pub input: Accounts,
    #[arg(long, value_enum, default_value = "text")]
    pub format: TextOrJson,
}

/// Market sizing: all accounts, then what is left after each filter and
/// exclusion in written order, then the tiers; and for each, how many
/// accounts it alone removes (they would return if it were dropped).
pub fn funnel(args: &FunnelArgs, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let (_session, plan) = match pick_plan(&args.input, err) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let (mut input, binding) = match open_bound(&plan, &args.input, err) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let separator = input.list_separator(args.input.read.list_separator);
    let headers = input.headers.clone();
    let mut order: Vec<usize> = (0..plan.gates.len()).collect();
    order.sort_by_key(|&g| plan.gates.get(g).map(|x| x.order));
    let (mut total, mut bad) = (0u64, 0u64);
    let mut removed_in_order = vec![0u64; plan.gates.len()];
    let mut alone = vec![0u64; plan.gates.len()];
    let mut tiers = vec![0u64; plan.tiers.len()];
    let mut no_tier = 0u64;
    let read = input.each_record(|cells| {
        total += 1;
        if cells.len() != headers.len() {
            bad += 1;
            return std::ops::ControlFlow::Continue(());
        }
        let (row, errors) = data::decode_fields(
            &plan,
            &binding,
            |i| cells.get(i).map(String::as_str),
            total,
            separator,
            &headers,
            false,
        );
        if !errors.is_empty() {
            bad += 1;
            return std::ops::ControlFlow::Continue(());
        }
        let fails: Vec<usize> = order
            .iter()
            .copied()
            .filter(|&g| icp_lang::eval::gate_fails(&plan, &row, g))
            .collect();
        if let Some(&first) = fails.first() {
            if let Some(c) = removed_in_order.get_mut(first) {
                *c += 1;
            }
            if fails.len() == 1 {
                if let Some(c) = alone.get_mut(first) {
                    *c += 1;
                }
            }
            return std::ops::ControlFlow::Continue(());
        }
        match evaluate(&plan, &row).tier.and_then(|t| tiers.get_mut(t)) {
            Some(c) => *c += 1,
            None => no_tier += 1,
        }
        std::ops::ControlFlow::Continue(())
    });
    if let Err(e) = read {
        let _ = writeln!(err, "error: cannot read the accounts: {e}");
        return 2;
    }
    let text = if args.format == TextOrJson::Json {
        let mut remaining = total - bad;
        let stages: Vec<serde_json::Value> = order
            .iter()
            .filter_map(|&g| {
                let gate = plan.gates.get(g)?;
                let removed = removed_in_order.get(g).copied().unwrap_or(0);
                remaining -= removed;
                Some(serde_json::json!({
                    "name": gate.name,
                    "kind": if gate.kind == icp_lang::plan::GateKind::Filter { "filter" } else { "exclude" },
                    "removed": removed,
                    "remaining": remaining,
                    "removed_alone": alone.get(g).copied().unwrap_or(0),
                }))
            })
            .collect();
        let tier_counts: Vec<serde_json::Value> = plan
            .tiers
            .iter()
            .zip(&tiers)
            .map(|(t, n)| serde_json::json!({ "tier": t.name, "accounts": n }))
            .collect();
        let doc = serde_json::json!({ "icp": plan.icp, "accounts": total, "unreadable": bad, "stages": stages, "passed": remaining, "tiers": tier_counts, "no_tier": no_tier });
        serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
    } else {
        let mut s = format!("{}: {} accounts", plan.icp, group_digits(total));
        if bad > 0 {
            s.push_str(&format!(" ({} with bad data left out)", group_digits(bad)));
        }
        s.push_str(&format!(
            "\n\n  {:<36} {:>10} {:>10} {:>10}\n",
            "stage", "remaining", "removed", "alone"
        ));
        let mut remaining = total - bad;
        s.push_str(&format!(
            "  {:<36} {:>10}\n",
            "all accounts",
            group_digits(remaining)
        ));
        for &g in &order {
            let Some(gate) = plan.gates.get(g) else {
                continue;
            };
            let removed = removed_in_order.get(g).copied().unwrap_or(0);
            remaining -= removed;
            let kind = if gate.kind == icp_lang::plan::GateKind::Filter {
                "filter"
            } else {
                "exclude"
            };
            let label: String = format!("{kind} {}", gate.name).chars().take(36).collect();
            let alone_n = alone.get(g).copied().unwrap_or(0);
            s.push_str(&format!(
                "  {label:<36} {:>10} {:>10} {:>10}\n",
                group_digits(remaining),
                group_digits(removed),
                group_digits(alone_n)
            ));
        }
        s.push_str(&format!(
            "  {:<36} {:>10}\n",
            "passed every filter",
            group_digits(remaining)
        ));
        for (t, n) in plan.tiers.iter().zip(&tiers) {
            let label: String = format!("tier {}", t.name).chars().take(36).collect();
            s.push_str(&format!("  {label:<36} {:>10}\n", group_digits(*n)));
        }
        if no_tier > 0 {
            s.push_str(&format!(
                "  {:<36} {:>10}\n",
                "no tier",
                group_digits(no_tier)
            ));
        }
        s.push_str("\n  removed: by this filter, after the ones above it; alone: only this filter removes them,\n  so they would come back if it were dropped.\n");
        s
    };
    i32::from(out.write_all(text.as_bytes()).is_err()) * 2
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_boundary_is_the_last_newline_outside_quotes() {
        // Deterministic pseudo-random text over quotes, newlines and letters,
        // against the newline-by-newline walk.
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        for _ in 0..20_000 {
            let mut text = Vec::new();
            for _ in 0..(seed % 50) {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                text.push([b'"', b'\n', b'a', b','][(seed % 4) as usize]);
            }
            for quotes in [true, false] {
                assert_eq!(
                    last_boundary(&text, quotes),
                    boundaries(&text, quotes).last(),
                    "{:?}",
                    String::from_utf8_lossy(&text)
                );
            }
        }
    }
}
