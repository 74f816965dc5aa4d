//! What every command that reads accounts shares: its arguments, picking
//! the ICP, the product's `[data]` settings merged with the flags, opening
//! the accounts through `icp_lang::accounts`, and refusing an output that
//! is one of the inputs.

use super::run::plans;
use icp_lang::accounts::{self, InputFormat, ReadSettings, Reader};
use icp_lang::ast::Date;
use icp_lang::data::{BindError, Binding, OnError};
use icp_lang::outcomes::{Deals, OutcomeConfig, OutcomeSettings};
use icp_lang::plan::Plan;
use icp_lang::span::FileId;
use icp_lang::workspace::Workspace;
use std::io::Write;
use std::path::{Path, PathBuf};

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

impl OnErrorArg {
    pub fn mode(self) -> OnError {
        match self {
            OnErrorArg::Fail => OnError::Fail,
            OnErrorArg::Skip => OnError::Skip,
            OnErrorArg::Missing => OnError::Missing,
        }
    }
}

/// Text for people or JSON for tools.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum TextOrJson {
    Text,
    Json,
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

/// How accounts are read and judged; shared by every command that reads
/// them. Each flag overrides the product's `[data]` setting of that name.
#[derive(clap::Args, Debug)]
pub struct ReadOptions {
    /// The date `within` and decay are judged against (default: icp.toml's as_of, else today).
    #[arg(long, value_parser = super::parse_date)]
    pub as_of: Option<Date>,
    /// Input format (default: icp.toml's [data], else from the data's extension, else CSV).
    #[arg(long, value_enum)]
    pub input_format: Option<InFormat>,
    /// The separator of list cells (`set<...>` fields) in CSV (default `;`).
    #[arg(long)]
    pub list_separator: Option<char>,
    /// The CSV field delimiter (default `,`; tab for .tsv).
    #[arg(long)]
    pub delimiter: Option<char>,
    /// How dates are written, e.g. MM/DD/YYYY, DD.MM.YYYY, MMM D YYYY (ISO is always read).
    #[arg(long)]
    pub date_format: Option<String>,
    /// Numbers use a decimal comma: 1.200,50 (`--decimal-comma=false` to turn off).
    #[arg(long, num_args = 0..=1, default_missing_value = "true", require_equals = true)]
    pub decimal_comma: Option<bool>,
    /// The currency of money cells, an ISO code such as EUR (default USD).
    #[arg(long)]
    pub currency: Option<String>,
}

impl ReadOptions {
    /// The flags as settings, to override a product's.
    pub fn settings(&self) -> ReadSettings {
        ReadSettings {
            input_format: self.input_format.map(|f| match f {
                InFormat::Csv => InputFormat::Csv,
                InFormat::Jsonl => InputFormat::Jsonl,
            }),
            delimiter: self.delimiter.map(String::from),
            list_separator: self.list_separator.map(String::from),
            date_format: self.date_format.clone(),
            decimal_comma: self.decimal_comma,
            currency: self.currency.clone(),
            fields: Default::default(),
        }
    }
}

/// The product's `[data]` settings for the ICP in `file`, overridden by
/// the flags. The one place data commands reach into the session's
/// configs.
pub fn read_settings(
    session: &Workspace,
    file: Option<FileId>,
    flags: &ReadOptions,
) -> ReadSettings {
    let product = file
        .and_then(|f| session.settings(f))
        .map(|s| s.config.data.clone())
        .unwrap_or_default();
    product.overridden_by(&flags.settings())
}

/// Warns about `[data.fields.NAME]` tables that name no field of the plan's
/// schema (a typo would otherwise change nothing, silently).
pub fn warn_unknown_fields(
    session: &Workspace,
    plan: &Plan,
    settings: &ReadSettings,
    err: &mut dyn Write,
) {
    if settings.fields.is_empty() {
        return;
    }
    let schema = session.project.parsed().find_map(|f| {
        f.ast.items.iter().find_map(|i| match i {
            icp_lang::ast::Item::Schema(s) if s.name.name == plan.schema => Some(s),
            _ => None,
        })
    });
    let Some(schema) = schema else { return };
    let names: Vec<&str> = schema.fields.iter().map(|f| f.name.name.as_str()).collect();
    for name in settings.fields.keys() {
        if !names.contains(&name.as_str()) {
            let hint = icp_lang::suggest::closest(name, names.iter().copied())
                .map(|s| format!("; did you mean `{s}`?"))
                .unwrap_or_default();
            let _ = writeln!(
                err,
                "warning: [data.fields.{}] names no field of schema `{}`{hint}",
                accounts::shorten(name, 60),
                plan.schema
            );
        }
    }
}

/// The checked project, the one plan the arguments choose, and the file it
/// is in; on failure the message is written and the exit code returned.
pub fn pick_plan(
    input: &Accounts,
    err: &mut dyn Write,
) -> Result<(Workspace, Plan, Option<FileId>), i32> {
    let session = super::open(std::slice::from_ref(&input.icp_file), input.read.as_of, err)?;
    // Checked once: the errors are refused and the plan lowered from it.
    let checked = session.check();
    super::refuse_errors(&session, &checked.diagnostics, err)?;
    let mut found = plans(&session, &checked, input.icp.as_deref());
    match found.len() {
        1 => {
            let (id, plan) = found.remove(0);
            let file = checked.decl(id).map(|d| d.file);
            drop(checked);
            Ok((session, plan, file))
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

/// How a run over the accounts ended, said once for every data command:
/// its error, or the bad data that stopped it under `--on-error fail` (the
/// first problems by record number, and the other choices; `writes`: the
/// command writes results, and wrote none). `Err` holds the exit code.
pub fn check_run(
    ran: Result<(), String>,
    t: &accounts::Tally,
    data: &Path,
    writes: bool,
    err: &mut dyn Write,
) -> Result<(), i32> {
    if let Err(e) = ran {
        let _ = writeln!(err, "error: {e}");
        return Err(1);
    }
    if t.failed == 0 {
        return Ok(());
    }
    let nothing = if writes { "; nothing was written" } else { "" };
    let _ = writeln!(err, "error: bad data in `{}`{nothing}", data.display());
    for (record, e) in t.errors.iter().take(accounts::SHOWN_ERRORS) {
        let _ = writeln!(err, "  - record {record}: {e}");
    }
    let _ = writeln!(err, "  (use --on-error skip to leave such records out, or --on-error missing to treat bad cells as missing)");
    Err(1)
}

/// Warnings about the data every data command prints once it has read it
/// (a percent column that holds fractions).
pub fn warn_about_data(t: &accounts::Tally, plan: &Plan, err: &mut dyn Write) {
    for w in t.fraction_warnings(plan) {
        let _ = writeln!(err, "{w}");
    }
}

/// Opens `path` (`-` is standard input) for the accounts reader.
pub fn open_file(path: &Path) -> Result<Box<dyn std::io::Read + Send>, String> {
    if path.as_os_str() == "-" {
        return Ok(Box::new(std::io::stdin()));
    }
    let f =
        std::fs::File::open(path).map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
    Ok(Box::new(f))
}

/// Opens the accounts at `path` and binds them to `plan`; the error is a
/// message and whether it is a usage error (exit 2) or bad data (exit 1).
pub fn open_bound(
    plan: &Plan,
    path: &Path,
    settings: &ReadSettings,
) -> Result<(Reader, Binding), (String, i32)> {
    let name = path.display().to_string();
    let file = open_file(path).map_err(|e| (e, 2))?;
    let mut reader = Reader::open(file, &name, settings, accounts::Limits::default())
        .map_err(|e| (e.message, 2))?;
    match reader.bind(plan, settings) {
        Ok(b) => Ok((reader, b)),
        Err(e) => Err((bind_message(plan, &name, reader.headers(), &e), 1)),
    }
}

/// A binding failure as lines for stderr (long names and lists shortened).
pub fn bind_message(plan: &Plan, name: &str, headers: &[String], e: &BindError) -> String {
    match e {
        BindError::Missing(missing) => {
            let mut s = format!("`{name}` lacks columns the ICP `{}` reads:", plan.icp);
            for m in missing.iter().take(20) {
                s.push_str(&format!("\n  - {m}"));
            }
            if missing.len() > 20 {
                s.push_str(&format!("\n  - and {} more", missing.len() - 20));
            }
            let present: Vec<String> = headers
                .iter()
                .take(20)
                .map(|h| format!("`{}`", accounts::shorten(h, 40)))
                .collect();
            let more = if headers.len() > 20 {
                format!(" and {} more", headers.len() - 20)
            } else {
                String::new()
            };
            s.push_str(&format!(
                "\n  (the columns present are: {}{more})",
                present.join(", ")
            ));
            s
        }
        BindError::Duplicate(d) => {
            let mut s = format!("`{name}` has a column the ICP `{}` reads twice:", plan.icp);
            for line in d.iter().take(20) {
                s.push_str(&format!("\n  - {line}"));
            }
            s.push_str("\n  (rename or remove one of them: icp will not pick one for you)");
            s
        }
        BindError::Settings(e) => format!("the data setting {e}"),
    }
}

/// Opens and binds, writing any problem to `err`; warnings (repeated
/// columns no field reads) go there too.
pub fn open_for(
    plan: &Plan,
    path: &Path,
    settings: &ReadSettings,
    err: &mut dyn Write,
) -> Result<(Reader, Binding), i32> {
    match open_bound(plan, path, settings) {
        Ok((r, b)) => {
            for w in &b.warnings {
                let _ = writeln!(err, "warning: `{}`: {w}", path.display());
            }
            Ok((r, b))
        }
        Err((message, code)) => {
            let _ = writeln!(err, "error: {message}");
            Err(code)
        }
    }
}

/// Refuses to write `output` when it is, after following links, one of
/// `inputs` (the data, the ICP and every file it imports, `icp.toml`, the
/// contacts): a run must never destroy what it reads.
pub fn refuse_overwrite(output: &Path, inputs: &[PathBuf]) -> Result<(), String> {
    let out = resolve(output);
    for input in inputs {
        if input.as_os_str() == "-" {
            continue;
        }
        let same = match (&out, std::fs::canonicalize(input)) {
            (Some(o), Ok(i)) => *o == i || same_file(o, &i),
            _ => false,
        };
        if same {
            return Err(format!(
                "`{}` is an input of this command (`{}`); write the results to another file",
                output.display(),
                input.display()
            ));
        }
    }
    Ok(())
}

/// [`refuse_overwrite`] for a command's `-o`: the target must be none of
/// the session's source files, nor `others` (the data, contacts, deals);
/// the message is written and the exit code returned.
pub fn guard_output(
    session: &Workspace,
    target: Option<&Path>,
    others: impl IntoIterator<Item = PathBuf>,
    err: &mut dyn Write,
) -> Result<(), i32> {
    let Some(target) = target else {
        return Ok(());
    };
    let mut inputs = source_files(session);
    inputs.extend(others);
    refuse_overwrite(target, &inputs).map_err(|e| {
        let _ = writeln!(err, "error: {e}; nothing was written");
        2
    })
}

/// Where writing to `p` would land: links followed, even to a file that
/// does not exist yet.
fn resolve(p: &Path) -> Option<PathBuf> {
    let mut p = p.to_path_buf();
    for _ in 0..40 {
        if let Ok(c) = std::fs::canonicalize(&p) {
            return Some(c);
        }
        match std::fs::read_link(&p) {
            Ok(target) => {
                p = match p.parent() {
                    Some(dir) => dir.join(target),
                    None => target,
                }
            }
            Err(_) => {
                let dir = match p.parent() {
                    Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
                    _ => PathBuf::from("."),
                };
                return Some(std::fs::canonicalize(dir).ok()?.join(p.file_name()?));
            }
        }
    }
    None
}

#[cfg(unix)]
fn same_file(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(x), Ok(y)) => x.dev() == y.dev() && x.ino() == y.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_file(_: &Path, _: &Path) -> bool {
    false
}

/// Every file a data command reads besides the accounts: the ICP file,
/// what it imports, and the `icp.toml` files.
pub fn source_files(session: &Workspace) -> Vec<PathBuf> {
    session
        .project
        .sources
        .iter()
        .map(|(_, f)| f.path.clone())
        .collect()
}

pub use icp_lang::values::group_digits;

/// `1 record`, `2,500 records`.
pub fn count_of(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", group_digits(n), if n == 1 { one } else { many })
}

/// Where each account's outcome comes from: the flags every command that
/// judges an ICP against won and lost deals shares (validate, calibrate,
/// discover, report, diff). Each overrides the product's `[outcomes]`
/// setting of that name (docs/evidence.md).
#[derive(clap::Args, Debug, Clone, Default)]
pub struct OutcomeArgs {
    /// The column that says whether an account was won or lost (in the
    /// accounts, or in the --outcomes deals file).
    #[arg(long, value_name = "COLUMN")]
    pub outcome: Option<String>,
    /// Values of the outcome column that mean won (case and surrounding space ignored).
    #[arg(long, value_name = "VALUE", num_args = 1.., action = clap::ArgAction::Append)]
    pub won: Vec<String>,
    /// Values that mean lost.
    #[arg(long, value_name = "VALUE", num_args = 1.., action = clap::ArgAction::Append)]
    pub lost: Vec<String>,
    /// Values that mean still open (counted, never used in rates; an empty cell is open).
    #[arg(long, value_name = "VALUE", num_args = 1.., action = clap::ArgAction::Append)]
    pub open: Vec<String>,
    /// A value that is none of the listed ones: an error (default) or open.
    #[arg(long, value_parser = ["open", "error"])]
    pub other: Option<String>,
    /// A deals file (several rows per account) joined on the schema's key:
    /// any won deal makes the account won, all deals lost makes it lost.
    #[arg(long = "outcomes", value_name = "DEALS")]
    pub deals: Option<PathBuf>,
    /// The column with the date each outcome was decided (a close date).
    #[arg(long, value_name = "COLUMN")]
    pub outcome_date: Option<String>,
    /// Only evaluate accounts whose outcome date is after this date (a backtest).
    #[arg(long, value_name = "DATE", value_parser = super::parse_date)]
    pub holdout_after: Option<Date>,
    /// Deals files: only count deals whose date is after this date.
    #[arg(long, value_name = "DATE", value_parser = super::parse_date)]
    pub closed_after: Option<Date>,
}

impl OutcomeArgs {
    /// The flags as settings, to override a product's.
    pub fn config(&self) -> OutcomeConfig {
        OutcomeConfig {
            column: self.outcome.clone(),
            won: self.won.clone(),
            lost: self.lost.clone(),
            open: self.open.clone(),
            other: self.other.clone(),
            deals: self.deals.as_ref().map(|p| p.display().to_string()),
            date_column: self.outcome_date.clone(),
            holdout_after: self.holdout_after.map(|d| d.to_string()),
            closed_after: self.closed_after.map(|d| d.to_string()),
        }
    }
}

/// The outcome settings for the ICP in `file`: the product's `[outcomes]`
/// overridden by the flags, checked, with the deals file (a flag's relative
/// to the working folder, `icp.toml`'s to its folder and kept inside the
/// project root) as a path. `Ok(None)`: no outcomes configured.
pub fn outcome_settings(
    session: &Workspace,
    file: Option<FileId>,
    flags: &OutcomeArgs,
) -> Result<Option<(OutcomeSettings, Option<PathBuf>)>, String> {
    let product = file
        .and_then(|f| session.settings(f))
        .map(|s| s.config.outcomes.clone())
        .unwrap_or_default();
    let merged = product.overridden_by(&flags.config());
    let settings = match merged.resolve() {
        Ok(Some(s)) => s,
        Ok(None) => return Ok(None),
        Err(errors) => {
            let lines: Vec<String> = errors.iter().map(|e| format!("  - {e}")).collect();
            return Err(format!(
                "the outcome settings (icp.toml's [outcomes] and the flags) are not usable:\n{}",
                lines.join("\n")
            ));
        }
    };
    let deals = match (&flags.deals, &product.deals) {
        (Some(p), _) => Some(p.clone()),
        (None, Some(d)) => {
            let p = file.map(|f| session.product(f));
            let (dir, root) = p
                .map(|p| (p.dir, p.root))
                .unwrap_or_else(|| (PathBuf::from("."), PathBuf::from(".")));
            let path = icp_lang::source::normalize(&dir.join(d));
            let disk = icp_lang::disk::Disk::new();
            if icp_lang::tree::check_inside(&disk, &path, &root).is_err() {
                return Err(format!(
                    "icp.toml's [outcomes] deals file `{}` leads outside the project root",
                    accounts::shorten(d, 80)
                ));
            }
            Some(path)
        }
        (None, None) => None,
    };
    Ok(Some((settings, deals)))
}

/// Reads the deals file at `path` with the product's `[data]` settings.
pub fn read_deals(
    plan: &Plan,
    path: &Path,
    settings: &OutcomeSettings,
    read: &ReadSettings,
) -> Result<Deals, String> {
    let Some(key) = plan.key.and_then(|k| plan.columns.get(k)) else {
        return Err(format!(
            "a deals file is joined on the schema's key, and schema `{}` has none (mark the id field `key`)",
            plan.schema
        ));
    };
    if path.as_os_str() != "-" && std::fs::metadata(path).is_ok_and(|m| !m.is_file()) {
        return Err(format!("`{}` is not a regular file", path.display()));
    }
    let name = path.display().to_string();
    let file = open_file(path)?;
    let reader =
        Reader::open(file, &name, read, accounts::Limits::default()).map_err(|e| e.message)?;
    let (_, format) = read
        .column("")
        .map_err(|e| format!("the data setting {e}"))?;
    Deals::read(reader, &key.header, settings, format)
}
