//! `icp score` and `icp explain`: stream accounts from CSV or JSON lines
//! through a plan. Records are read in batches on this thread, scored on
//! every core, and written back in input order; output goes to a temporary
//! file that replaces the target only when everything succeeded.

use super::run::{open_clean, plans};
use icp_lang::ast::Date;
use icp_lang::data::{self, bind_headers, CellError, OnError};
use icp_lang::eval::{evaluate, Value};
use icp_lang::plan::Plan;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, IsTerminal, Read, Write};
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

pub struct ScoreArgs {
    pub icp_file: PathBuf,
    pub data: PathBuf,
    pub output: Option<PathBuf>,
    pub icp: Option<String>,
    pub as_of: Option<Date>,
    pub format: Option<OutFormat>,
    pub input_format: Option<InFormat>,
    pub on_error: OnErrorArg,
    pub list_separator: char,
    pub delimiter: Option<char>,
    pub columns: Option<Vec<String>>,
}

/// How many records make one unit of work for a thread.
const BATCH: usize = 4096;
/// How many bad cells are listed before giving up.
const SHOWN_ERRORS: usize = 10;

struct Input {
    format: InFormat,
    headers: Vec<String>,
    csv: Option<csv::Reader<Box<dyn Read>>>,
    lines: Option<Box<dyn BufRead>>,
    /// JSON lines: the first line, read to learn the keys.
    pending: Option<String>,
}

fn open_input(
    path: &Path,
    format: Option<InFormat>,
    delimiter: Option<char>,
) -> Result<Input, String> {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let format = format.unwrap_or(if ext == "jsonl" || ext == "ndjson" {
        InFormat::Jsonl
    } else {
        InFormat::Csv
    });
    let reader: Box<dyn Read> = if path.as_os_str() == "-" {
        Box::new(std::io::stdin())
    } else {
        Box::new(
            std::fs::File::open(path)
                .map_err(|e| format!("cannot read `{}`: {e}", path.display()))?,
        )
    };
    match format {
        InFormat::Csv => {
            let delim = delimiter.unwrap_or(if ext == "tsv" { '\t' } else { ',' });
            let mut r = csv::ReaderBuilder::new()
                .delimiter(u8::try_from(delim).unwrap_or(b','))
                .flexible(true)
                .from_reader(reader);
            let headers = r
                .byte_headers()
                .map_err(|e| format!("cannot read the header row of `{}`: {e}", path.display()))?;
            let headers: Vec<String> = headers
                .iter()
                .map(|h| {
                    String::from_utf8_lossy(h)
                        .trim_start_matches('\u{feff}')
                        .to_string()
                })
                .collect();
            Ok(Input {
                format,
                headers,
                csv: Some(r),
                lines: None,
                pending: None,
            })
        }
        InFormat::Jsonl => {
            let mut lines: Box<dyn BufRead> = Box::new(BufReader::new(reader));
            let mut first = String::new();
            loop {
                first.clear();
                if lines
                    .read_line(&mut first)
                    .map_err(|e| format!("cannot read `{}`: {e}", path.display()))?
                    == 0
                {
                    break;
                }
                if !first.trim().is_empty() {
                    break;
                }
            }
            let first = first.trim_start_matches('\u{feff}').to_string();
            let keys: Vec<String> = match serde_json::from_str::<serde_json::Value>(&first) {
                Ok(serde_json::Value::Object(m)) => m.keys().cloned().collect(),
                Ok(_) if first.trim().is_empty() => Vec::new(),
                _ => {
                    return Err(format!(
                        "line 1 of `{}` is not a JSON object",
                        path.display()
                    ))
                }
            };
            Ok(Input {
                format,
                headers: keys,
                csv: None,
                lines: Some(lines),
                pending: Some(first),
            })
        }
    }
}

/// One record as read: its cells as text, or why it could not be read.
enum Raw {
    Cells(Vec<String>),
    Bad(String),
}

impl Input {
    /// Up to `n` records; an empty batch is the end.
    fn batch(&mut self, n: usize, headers_for_json: &[String]) -> Vec<Raw> {
        let mut out = Vec::with_capacity(n);
        if let Some(r) = &mut self.csv {
            let width = self.headers.len();
            let mut rec = csv::ByteRecord::new();
            while out.len() < n {
                match r.read_byte_record(&mut rec) {
                    Ok(false) => break,
                    Ok(true) => {
                        if rec.len() != width {
                            out.push(Raw::Bad(format!(
                                "has {} fields, the header has {width}",
                                rec.len()
                            )));
                            continue;
                        }
                        let cells: Result<Vec<String>, usize> = rec
                            .iter()
                            .enumerate()
                            .map(|(i, f)| std::str::from_utf8(f).map(str::to_string).map_err(|_| i))
                            .collect();
                        match cells {
                            Ok(c) => out.push(Raw::Cells(c)),
                            Err(i) => out.push(Raw::Bad(format!(
                                "column `{}` is not UTF-8 text",
                                self.headers.get(i).cloned().unwrap_or_default()
                            ))),
                        }
                    }
                    Err(e) => {
                        out.push(Raw::Bad(format!("cannot be read as CSV: {e}")));
                        if !matches!(
                            e.kind(),
                            csv::ErrorKind::Utf8 { .. } | csv::ErrorKind::UnequalLengths { .. }
                        ) {
                            break;
                        }
                    }
                }
            }
        } else if let Some(lines) = &mut self.lines {
            while out.len() < n {
                let line = match self.pending.take() {
                    Some(l) => l,
                    None => {
                        let mut l = String::new();
                        match lines.read_line(&mut l) {
                            Ok(0) => break,
                            Ok(_) => l,
                            Err(e) => {
                                out.push(Raw::Bad(format!("cannot be read: {e}")));
                                break;
                            }
                        }
                    }
                };
                if line.trim().is_empty() {
                    continue;
                }
                out.push(json_cells(&line, headers_for_json));
            }
        }
        out
    }
}

fn json_cells(line: &str, headers: &[String]) -> Raw {
    let obj = match serde_json::from_str::<serde_json::Value>(line) {
        Ok(serde_json::Value::Object(m)) => m,
        Ok(_) => return Raw::Bad("is not a JSON object".into()),
        Err(e) => return Raw::Bad(format!("is not valid JSON: {e}")),
    };
    let text = |v: &serde_json::Value| match v {
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
    };
    Raw::Cells(
        headers
            .iter()
            .map(|h| obj.get(h).map(text).unwrap_or_default())
            .collect(),
    )
}

/// What one batch produced.
#[derive(Default)]
struct Scored {
    bytes: Vec<u8>,
    read: u64,
    removed: BTreeMap<usize, u64>,
    tiers: BTreeMap<usize, u64>,
    no_tier: u64,
    skipped: u64,
    /// Records that could not be split into cells (wrong field count, not CSV).
    unreadable: u64,
    missing_cells: u64,
    errors: Vec<String>,
}

struct Job<'a> {
    plan: &'a Plan,
    binding: &'a [usize],
    headers: &'a [String],
    key: Option<usize>,
    columns: &'a [String],
    format: OutFormat,
    on_error: OnError,
    list_separator: char,
}

impl Job<'_> {
    fn score(&self, first_record: u64, batch: Vec<Raw>) -> Scored {
        let mut s = Scored::default();
        for (i, raw) in batch.into_iter().enumerate() {
            let record = first_record + i as u64;
            s.read += 1;
            let cells = match raw {
                Raw::Cells(c) => c,
                Raw::Bad(why) => {
                    match self.on_error {
                        OnError::Fail => s.errors.push(format!("record {record} {why}")),
                        _ => s.unreadable += 1,
                    }
                    continue;
                }
            };
            let refs: Vec<&str> = cells.iter().map(String::as_str).collect();
            let (row, errors) = data::decode_row(
                self.plan,
                self.binding,
                &refs,
                record,
                self.list_separator,
                self.headers,
            );
            if !errors.is_empty() {
                match self.on_error {
                    OnError::Fail => {
                        s.errors.extend(errors.iter().map(CellError::to_string));
                        continue;
                    }
                    OnError::Skip => {
                        s.skipped += 1;
                        continue;
                    }
                    OnError::Missing => s.missing_cells += errors.len() as u64,
                }
            }
            let outcome = evaluate(self.plan, &row);
            match (outcome.removed_by, outcome.tier) {
                (Some(g), _) => *s.removed.entry(g).or_default() += 1,
                (None, Some(t)) => *s.tiers.entry(t).or_default() += 1,
                (None, None) => s.no_tier += 1,
            }
            let key = self
                .key
                .and_then(|k| {
                    refs.get(*self.binding.get(k).unwrap_or(&usize::MAX))
                        .copied()
                })
                .unwrap_or("");
            let key = key.trim();
            self.write_row(&mut s.bytes, key, &outcome);
        }
        s
    }

    fn write_row(&self, buf: &mut Vec<u8>, key: &str, o: &icp_lang::eval::Outcome) {
        let cells: Vec<data::Cell> = self
            .columns
            .iter()
            .map(|c| data::cell(self.plan, c, key, o))
            .collect();
        match self.format {
            OutFormat::Csv => {
                let mut w = csv::WriterBuilder::new()
                    .has_headers(false)
                    .from_writer(Vec::new());
                let _ = w.write_record(cells.iter().map(|c| c.csv()));
                if let Ok(bytes) = w.into_inner() {
                    buf.extend_from_slice(&bytes);
                }
            }
            OutFormat::Jsonl => {
                let mut m = serde_json::Map::new();
                for (name, c) in self.columns.iter().zip(&cells) {
                    m.insert(name.clone(), c.json());
                }
                let _ = serde_json::to_writer(&mut *buf, &m);
                buf.push(b'\n');
            }
            OutFormat::Table => {
                let line: Vec<String> = cells
                    .iter()
                    .zip(self.columns)
                    .map(|(c, name)| pad(&c.csv(), width(name)))
                    .collect();
                buf.extend_from_slice(line.join("  ").trim_end().as_bytes());
                buf.push(b'\n');
            }
        }
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
                let name = t
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_else(|| "out".into());
                let tmp = t.with_file_name(format!(".{name}.icp-{}.tmp", std::process::id()));
                let f = std::fs::File::create(&tmp)
                    .map_err(|e| format!("cannot write `{}`: {e}", t.display()))?;
                Ok(Output {
                    target: Some(t.to_path_buf()),
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
    args_icp: &Option<String>,
    icp_file: &Path,
    as_of: Option<Date>,
    err: &mut dyn Write,
) -> Result<(super::session::Session, Plan), i32> {
    let session = open_clean(std::slice::from_ref(&icp_file.to_path_buf()), as_of, err)?;
    let checked = session.check();
    let mut found = plans(&session, &checked, args_icp.as_deref());
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
                args_icp
                    .as_ref()
                    .map(|n| format!("no ICP named `{n}` in `{}`", icp_file.display()))
                    .unwrap_or_else(|| format!("no ICP in `{}`", icp_file.display()))
            );
            Err(2)
        }
        _ => {
            let names: Vec<String> = found.iter().map(|(_, p)| format!("`{}`", p.icp)).collect();
            let _ = writeln!(
                err,
                "error: `{}` has several ICPs ({}); choose one with --icp",
                icp_file.display(),
                names.join(", ")
            );
            Err(2)
        }
    }
}

pub fn score(args: &ScoreArgs, err: &mut dyn Write) -> i32 {
    let (_session, plan) = match pick_plan(&args.icp, &args.icp_file, args.as_of, err) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let mut input = match open_input(&args.data, args.input_format, args.delimiter) {
        Ok(i) => i,
        Err(e) => {
            let _ = writeln!(err, "error: {e}");
            return 2;
        }
    };
    let binding = match bind_headers(&plan, &input.headers) {
        Ok(b) => b,
        Err(missing) => {
            let _ = writeln!(
                err,
                "error: `{}` lacks columns the ICP `{}` reads:",
                args.data.display(),
                plan.icp
            );
            for m in &missing {
                let _ = writeln!(err, "  - {m}");
            }
            let _ = writeln!(
                err,
                "  (the columns present are: {})",
                input
                    .headers
                    .iter()
                    .map(|h| format!("`{h}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            return 1;
        }
    };
    let columns = match &args.columns {
        Some(c) => {
            let available = data::available_columns(&plan);
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
        None => data::available_columns(&plan),
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
    let separator = if input.format == InFormat::Jsonl {
        '\u{1f}'
    } else {
        args.list_separator
    };
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
    if out.w.write_all(header_line.as_bytes()).is_err() {
        return 2;
    }
    let headers_for_json = input.headers.clone();
    let job = Job {
        plan: &plan,
        binding: &binding,
        headers: &headers_for_json,
        key: plan.key,
        columns: &columns,
        format,
        on_error,
        list_separator: separator,
    };
    let progress = std::io::stderr().is_terminal();
    let started = std::time::Instant::now();
    let totals = run_pipeline(
        &job,
        &mut input,
        &headers_for_json,
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
            args.data.display()
        );
        for e in totals.errors.iter().take(SHOWN_ERRORS) {
            let _ = writeln!(err, "  - {e}");
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

/// Reads batches here, scores them on worker threads, writes them in order.
fn run_pipeline(
    job: &Job<'_>,
    input: &mut Input,
    headers_for_json: &[String],
    w: &mut (dyn Write + Send),
    progress: bool,
    started: std::time::Instant,
) -> Result<Scored, String> {
    let workers = std::thread::available_parallelism()
        .map(usize::from)
        .unwrap_or(1)
        .clamp(1, 32);
    let (work_tx, work_rx) = mpsc::sync_channel::<(usize, u64, Vec<Raw>)>(workers * 2);
    let work_rx = Arc::new(Mutex::new(work_rx));
    let (done_tx, done_rx) = mpsc::sync_channel::<(usize, Scored)>(workers * 2);
    let stop = AtomicBool::new(false);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            let rx = Arc::clone(&work_rx);
            let tx = done_tx.clone();
            scope.spawn(move || loop {
                let next = rx.lock().ok().and_then(|r| r.recv().ok());
                let Some((index, first, batch)) = next else {
                    break;
                };
                if tx.send((index, job.score(first, batch))).is_err() {
                    break;
                }
            });
        }
        drop(done_tx);
        let stop = &stop;
        let writer = scope.spawn(move || -> Result<Scored, String> {
            let mut totals = Scored::default();
            let mut pending: BTreeMap<usize, Scored> = BTreeMap::new();
            let mut next = 0usize;
            let mut last_report = std::time::Instant::now();
            for (index, scored) in done_rx {
                pending.insert(index, scored);
                while let Some(s) = pending.remove(&next) {
                    next += 1;
                    if !totals.errors.is_empty() {
                        continue;
                    }
                    if s.errors.is_empty() {
                        w.write_all(&s.bytes)
                            .map_err(|e| format!("cannot write the results: {e}"))?;
                    } else {
                        // The first batch with bad data, in input order: stop reading.
                        stop.store(true, Ordering::Relaxed);
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
            Ok(totals)
        });
        let mut index = 0;
        let mut first = 1u64;
        while !stop.load(Ordering::Relaxed) {
            let batch = input.batch(BATCH, headers_for_json);
            if batch.is_empty() {
                break;
            }
            let n = batch.len() as u64;
            if work_tx.send((index, first, batch)).is_err() {
                break;
            }
            index += 1;
            first += n;
        }
        drop(work_tx);
        writer
            .join()
            .unwrap_or_else(|_| Err("the writer thread failed".to_string()))
    })
}

fn merge(t: &mut Scored, s: Scored) {
    t.read += s.read;
    for (k, v) in s.removed {
        *t.removed.entry(k).or_default() += v;
    }
    for (k, v) in s.tiers {
        *t.tiers.entry(k).or_default() += v;
    }
    t.no_tier += s.no_tier;
    t.skipped += s.skipped;
    t.unreadable += s.unreadable;
    t.missing_cells += s.missing_cells;
    t.errors.extend(s.errors);
}

fn group_digits(n: u64) -> String {
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

fn summary(plan: &Plan, t: &Scored, on_error: OnErrorArg) -> String {
    let removed: u64 = t.removed.values().sum();
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
        let n = t.removed.get(&i).copied().unwrap_or(0);
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
                group_digits(t.tiers.get(&i).copied().unwrap_or(0))
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
            "  left out {} records that could not be read\n",
            group_digits(t.unreadable)
        ));
    }
    if t.skipped > 0 {
        s.push_str(&format!(
            "  skipped {} records with bad data (--on-error skip)\n",
            group_digits(t.skipped)
        ));
    }
    if t.missing_cells > 0 && on_error == OnErrorArg::Missing {
        s.push_str(&format!(
            "  treated {} bad cells as missing (--on-error missing)\n",
            group_digits(t.missing_cells)
        ));
    }
    s
}

pub struct ExplainArgs {
    pub icp_file: PathBuf,
    pub data: PathBuf,
    pub id: String,
    pub icp: Option<String>,
    pub as_of: Option<Date>,
    pub json: bool,
    pub input_format: Option<InFormat>,
    pub list_separator: char,
    pub delimiter: Option<char>,
}

pub fn explain(args: &ExplainArgs, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let (_session, plan) = match pick_plan(&args.icp, &args.icp_file, args.as_of, err) {
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
    let mut input = match open_input(&args.data, args.input_format, args.delimiter) {
        Ok(i) => i,
        Err(e) => {
            let _ = writeln!(err, "error: {e}");
            return 2;
        }
    };
    let binding = match bind_headers(&plan, &input.headers) {
        Ok(b) => b,
        Err(missing) => {
            for m in &missing {
                let _ = writeln!(err, "error: {m}");
            }
            return 1;
        }
    };
    let separator = if input.format == InFormat::Jsonl {
        '\u{1f}'
    } else {
        args.list_separator
    };
    let key_idx = binding.get(key).copied().unwrap_or(usize::MAX);
    let headers = input.headers.clone();
    let mut record = 0u64;
    loop {
        let batch = input.batch(BATCH, &headers);
        if batch.is_empty() {
            break;
        }
        for raw in batch {
            record += 1;
            let Raw::Cells(cells) = raw else { continue };
            if cells.get(key_idx).map(|k| k.trim()) != Some(args.id.trim()) {
                continue;
            }
            let refs: Vec<&str> = cells.iter().map(String::as_str).collect();
            let (row, errors): (Vec<Value>, Vec<CellError>) =
                data::decode_row(&plan, &binding, &refs, record, separator, &headers);
            let outcome = evaluate(&plan, &row);
            let text = if args.json {
                let mut j = icp_lang::explain::json(&plan, &row, &outcome);
                if let Some(obj) = j.as_object_mut() {
                    obj.insert("id".into(), serde_json::json!(args.id));
                    obj.insert(
                        "bad_cells".into(),
                        serde_json::json!(errors
                            .iter()
                            .map(CellError::to_string)
                            .collect::<Vec<_>>()),
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
            };
            return i32::from(out.write_all(text.as_bytes()).is_err()) * 2;
        }
    }
    let _ = writeln!(
        err,
        "error: no account with id `{}` in `{}`",
        args.id,
        args.data.display()
    );
    1
}
