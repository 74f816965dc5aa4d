//! `icp score`: stream accounts through a plan. The accounts reader
//! (`icp_lang::accounts`) cuts the input into chunks on this thread; workers
//! score them; results come back in input order and go to a temporary file
//! that replaces the target only when everything succeeded.

use super::input::{
    count_of, group_digits, open_for, pick_plan, read_settings, Accounts, OnErrorArg,
};
use super::output::{OutFormat, Output, Rows};
use icp_lang::accounts::{self, Counter, Scored, Tally};
use icp_lang::contacts;
use icp_lang::data;
use icp_lang::data::Binding;
use icp_lang::eval::{Outcome, Value};
use icp_lang::plan::Plan;
use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

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
    #[command(flatten)]
    pub contacts: ContactArgs,
}

/// The contacts to match against the personas, and their columns.
#[derive(clap::Args, Debug)]
pub struct ContactArgs {
    /// Contacts (CSV with Title, Seniority, Department and the account id) to match
    /// against the personas (score: the `personas` and `committee` columns; report:
    /// persona coverage per tier).
    #[arg(long)]
    pub contacts: Option<PathBuf>,
    /// The contacts' column holding the account id (default: `[contacts] key`, else the account key's header).
    #[arg(long)]
    pub contacts_key: Option<String>,
    /// The contacts' job title column (default: `[contacts] title`, else Title, Job Title, ...).
    #[arg(long)]
    pub contacts_title: Option<String>,
    /// The contacts' seniority column (default: `[contacts] seniority`, else Seniority, Job Level, ...).
    #[arg(long)]
    pub contacts_seniority: Option<String>,
    /// The contacts' department column (default: `[contacts] department`, else Department, Job Function, ...).
    #[arg(long)]
    pub contacts_department: Option<String>,
}

impl ContactArgs {
    /// Reads the contacts, when given, with the flags over the product's
    /// `[contacts]` columns: account id -> persona bits.
    pub fn load(
        &self,
        session: &icp_lang::workspace::Workspace,
        file: Option<icp_lang::span::FileId>,
        plan: &Plan,
    ) -> Result<Option<HashMap<String, u64>>, String> {
        let Some(path) = &self.contacts else {
            return Ok(None);
        };
        let product = file
            .and_then(|f| session.settings(f))
            .map(|s| s.config.contacts.clone())
            .unwrap_or_default();
        let columns = icp_lang::config::ContactColumns {
            key: self.contacts_key.clone().or(product.key),
            title: self.contacts_title.clone().or(product.title),
            seniority: self.contacts_seniority.clone().or(product.seniority),
            department: self.contacts_department.clone().or(product.department),
        };
        load_contacts(plan, path, &columns).map(Some)
    }
}

/// One chunk's rows, as written.
struct RowBuf<'a> {
    rows: &'a Rows<'a>,
    bytes: Vec<u8>,
}

impl Scored for RowBuf<'_> {
    fn scored(&mut self, key: &str, _: &[Value], outcome: &Outcome) {
        self.rows.write(&mut self.bytes, key, outcome, &[]);
    }

    fn scored_with_cells(&mut self, key: &str, _: &[Value], outcome: &Outcome, cells: &[String]) {
        self.rows.write(&mut self.bytes, key, outcome, cells);
    }
}

/// The result column each name asks for, and the input fields whose cells
/// the `Input` columns index: `name` is the schema's `display` field; a
/// name that is no result is a schema field or a header of the input,
/// passed through as it is.
fn resolve_columns(
    plan: &Plan,
    binding: &Binding,
    headers: &[String],
    names: &[String],
    available: &[String],
) -> Result<(Vec<data::ResultColumn>, Vec<usize>), String> {
    let mut fields: Vec<usize> = Vec::new();
    let mut input = |field: usize| {
        let i = fields.iter().position(|f| *f == field).unwrap_or_else(|| {
            fields.push(field);
            fields.len() - 1
        });
        data::ResultColumn::Input(i)
    };
    let mut out = Vec::new();
    for name in names {
        let display = plan.display.filter(|_| name == "name");
        let column = if let Some(d) = display {
            binding.columns.get(d).map(|f| input(*f))
        } else if let Some(c) = data::result_column(plan, name).filter(|_| available.contains(name))
        {
            Some(c)
        } else {
            // A schema field by name, else a header as the input spells it
            // (case and surrounding spaces aside, as fields bind).
            let header = plan
                .fields
                .iter()
                .find(|f| f.field == *name)
                .map_or(name.as_str(), |f| f.header.as_str());
            headers
                .iter()
                .position(|h| h == header)
                .or_else(|| {
                    headers
                        .iter()
                        .position(|h| h.trim().eq_ignore_ascii_case(header.trim()))
                })
                .map(&mut input)
        };
        match column {
            Some(c) => out.push(c),
            None => {
                let everything = available
                    .iter()
                    .map(String::as_str)
                    .chain(headers.iter().map(String::as_str));
                let hint = icp_lang::suggest::closest(name, everything)
                    .map(|s| format!("; did you mean `{s}`?"))
                    .unwrap_or_default();
                return Err(format!(
                    "unknown column `{name}`{hint} (results: {}; or any column of the input, by its header or its field's name)",
                    available.join(", ")
                ));
            }
        }
    }
    Ok((out, fields))
}

pub fn score(args: &ScoreArgs, err: &mut dyn Write) -> i32 {
    let (session, plan, file) = match pick_plan(&args.input, err) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let others = std::iter::once(args.input.data.clone()).chain(args.contacts.contacts.clone());
    if let Err(code) = super::input::guard_output(&session, args.output.as_deref(), others, err) {
        return code;
    }
    let settings = read_settings(&session, file, &args.input.read);
    super::input::warn_unknown_fields(&session, &plan, &settings, err);
    let (mut input, binding) = match open_for(&plan, &args.input.data, &settings, err) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let people = match args.contacts.load(&session, file, &plan) {
        Ok(p) => p,
        Err(e) => {
            let _ = writeln!(err, "error: {e}");
            return 2;
        }
    };
    let available = data::available_columns(&plan, people.is_some());
    let names = args.columns.clone().unwrap_or_else(|| available.clone());
    // Resolved once, before a table leaves any out: a wrong name is an
    // error even when it would not have fitted.
    let (resolved, cell_fields) =
        match resolve_columns(&plan, &binding, input.headers(), &names, &available) {
            Ok(c) => c,
            Err(e) => {
                let _ = writeln!(err, "error: {e}");
                return 2;
            }
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
    // A table fits the terminal: columns that do not fit are left out, and
    // said so; what is shown is never cut (long cells wrap).
    let names = if format == OutFormat::Table {
        // By default a table puts what a reader looks for first, so a
        // narrow terminal leaves out the details, not the tier.
        let names = if args.columns.is_none() {
            let first = ["id", "name", "tier", "score"];
            let mut ordered: Vec<String> = first
                .iter()
                .filter(|f| names.iter().any(|n| n == *f))
                .map(|f| f.to_string())
                .collect();
            ordered.extend(
                names
                    .iter()
                    .filter(|n| !first.contains(&n.as_str()))
                    .cloned(),
            );
            ordered
        } else {
            names
        };
        let (kept, dropped) = super::output::fit_table(&names, super::output::terminal_width());
        if !dropped.is_empty() {
            let _ = writeln!(
                err,
                "note: the table leaves out {} to fit {} characters (set COLUMNS, choose with --columns, or use --format csv)",
                dropped.join(", "),
                super::output::terminal_width()
            );
        }
        kept
    } else {
        names
    };
    let mut out = match Output::open(args.output.as_deref()) {
        Ok(o) => o,
        Err(e) => {
            let _ = writeln!(err, "error: {e}");
            return 2;
        }
    };
    // The columns the table kept, in its order, as resolved above.
    let asked = args.columns.as_ref().unwrap_or(&available);
    let columns: Vec<data::ResultColumn> = names
        .iter()
        .filter_map(|n| resolved.get(asked.iter().position(|a| a == n)?).copied())
        .collect();
    let rows = Rows {
        plan: &plan,
        names: &names,
        columns: &columns,
        format,
        people: people.as_ref(),
    };
    let header = rows.header();
    let on_error = args.on_error.mode();
    let progress = std::io::stderr().is_terminal();
    let started = std::time::Instant::now();
    let shape = input.shape().clone();
    let mut totals = Tally::default();
    let w = &mut out.w;
    // The header goes out with the first results, so a run that fails on
    // bad data writes nothing at all.
    let mut header = Some(header.as_bytes());
    let mut last_report = std::time::Instant::now();
    let ran = accounts::run(
        &mut input,
        accounts::workers_from_env(),
        |chunk| {
            let counter = shape.walk(chunk, || {
                Counter::new(
                    &plan,
                    &binding,
                    on_error,
                    RowBuf {
                        rows: &rows,
                        bytes: Vec::with_capacity(chunk.len() / 2),
                    },
                )
                .with_cells(cell_fields.clone())
            });
            let (tally, buf) = counter.finish();
            (tally, buf.bytes)
        },
        |(tally, bytes)| {
            let failed = tally.failed > 0;
            if !failed {
                if let Some(h) = header.take() {
                    w.write_all(h)
                        .map_err(|e| format!("cannot write the results: {e}"))?;
                }
                w.write_all(&bytes)
                    .map_err(|e| format!("cannot write the results: {e}"))?;
            }
            totals.merge(tally);
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
            // The first chunk with bad data, in input order: stop reading.
            Ok(if failed {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            })
        },
    );
    if progress {
        let _ = write!(err, "\r\x1b[2K");
    }
    if let Err(code) = super::input::check_run(ran, &totals, &args.input.data, true, err) {
        return code;
    }
    super::input::warn_about_data(&totals, &plan, err);
    if let Some(h) = header {
        if let Err(e) = out.w.write_all(h) {
            let _ = writeln!(err, "error: cannot write the results: {e}");
            return 1;
        }
    }
    if let Err(e) = out.finish() {
        let _ = writeln!(err, "error: {e}");
        return 2;
    }
    let _ = err.write_all(summary(&plan, &totals, args.on_error).as_bytes());
    0
}

fn summary(plan: &Plan, t: &Tally, on_error: OnErrorArg) -> String {
    let mut s = format!(
        "{}: read {} accounts; {} passed the filters, {} removed\n",
        plan.icp,
        group_digits(t.read),
        group_digits(t.passed()),
        group_digits(t.removed_total())
    );
    let mut gates: Vec<(usize, &icp_lang::plan::Gate)> = plan.gates.iter().enumerate().collect();
    gates.sort_by_key(|(_, g)| g.order);
    for (i, g) in gates {
        let n = t.removed.get(i).copied().unwrap_or(0);
        s.push_str(&format!(
            "  removed by {} {}: {}\n",
            g.kind.word(),
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
    names: &icp_lang::config::ContactColumns,
) -> Result<HashMap<String, u64>, String> {
    let key_header = match names.key.as_deref() {
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
            .position(|h| h.trim().eq_ignore_ascii_case(name.trim()))
    };
    // A column named in settings or flags must exist; otherwise the first
    // of the usual headers that does.
    let column =
        |named: &Option<String>, usual: &[&str], what: &str| -> Result<Option<usize>, String> {
            match named {
                Some(n) => find(n).map(Some).ok_or_else(|| {
                    format!(
                        "`{}` has no column `{n}` for the contacts' {what}",
                        path.display()
                    )
                }),
                None => Ok(usual.iter().find_map(|u| find(u))),
            }
        };
    let key = find(&key_header).ok_or_else(|| {
        format!(
            "`{}` has no column `{key_header}` to join contacts to accounts (use --contacts-key)",
            path.display()
        )
    })?;
    let title = column(&names.title, contacts::TITLE_HEADERS, "job title")?.ok_or_else(|| {
        format!(
            "`{}` has no job title column (looked for {}); name it with --contacts-title or `[contacts] title` in icp.toml",
            path.display(),
            contacts::TITLE_HEADERS.join(", ")
        )
    })?;
    let seniority = column(&names.seniority, contacts::SENIORITY_HEADERS, "seniority")?;
    let department = column(
        &names.department,
        contacts::DEPARTMENT_HEADERS,
        "department",
    )?;
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
