//! `icp discover SCHEMA_FILE DATA -o draft.icp`: a first ICP for a team
//! without one (`icp_lang::discover`). Three steps, each through the real
//! checker and evaluator: a probe ICP reading every field of the schema
//! profiles the closed accounts (won against lost, or a list of best
//! customers against everyone else); the chosen filters and signals are
//! written as a draft, which is checked and scored over the accounts to fit
//! its weights jointly (as `icp calibrate` does) and cut its tiers at the
//! score's quantiles; the final draft is checked again and written.

use super::input::{open_file, Accounts, OnErrorArg, OutcomeArgs, ReadOptions};
use super::labelled::Labelled;
use super::run::plans;
use icp_lang::accounts::{self, Counter, Reader, Scored, Tally};
use icp_lang::ast::{Date, Item};
use icp_lang::calibrate::{self as cal, Patterns};
use icp_lang::discover::{self as disc, Choice, Field, Stats, Thresholds};
use icp_lang::disk::{today, Disk};
use icp_lang::eval::{self, Value};
use icp_lang::infer::quote;
use icp_lang::outcomes::{Judge, Label, Outcome};
use icp_lang::plan::Plan;
use icp_lang::tree::Tree;
use icp_lang::workspace::{has_errors, Workspace};
use std::collections::{BTreeMap, HashSet};
use std::io::Write;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

#[derive(clap::Args, Debug)]
pub struct DiscoverArgs {
    /// The .icp file with the schema of the accounts.
    pub schema_file: PathBuf,
    /// Accounts: a .csv, .tsv or .jsonl file.
    pub data: PathBuf,
    /// Where to write the draft (a new .icp file).
    #[arg(short = 'o', long = "output")]
    pub output: PathBuf,
    /// The schema to use when the file has several.
    #[arg(long)]
    pub schema: Option<String>,
    /// A list of best customers (a CSV whose key column, or first column,
    /// holds their ids), judged against every other account, instead of
    /// won and lost deals.
    #[arg(long, value_name = "IDS")]
    pub best: Option<PathBuf>,
    /// The draft ICP's name.
    #[arg(long, default_value = "draft")]
    pub name: String,
    /// The draft's owner.
    #[arg(long, default_value = "revops@example.com")]
    pub owner: String,
    /// The most signals the draft gets.
    #[arg(long, default_value_t = 8)]
    pub max_signals: usize,
    /// The scale of the weights: points that double the odds of a win.
    #[arg(long, default_value_t = cal::POINTS_TO_DOUBLE_ODDS)]
    pub points_to_double_odds: f64,
    /// The L2 penalty of the weights' fit.
    #[arg(long, default_value_t = cal::LAMBDA)]
    pub lambda: f64,
    /// Replace the output file when it exists.
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub outcomes: OutcomeArgs,
    #[command(flatten)]
    pub read: ReadOptions,
    /// What to do with a record that has a bad cell (as for `icp score`).
    #[arg(long, value_enum, default_value = "fail")]
    pub on_error: OnErrorArg,
}

/// Checks `text` as if it were the file at `path`; its plan, or the
/// rendered problems.
fn check_text(
    path: &Path,
    text: &str,
    as_of: Option<Date>,
) -> Result<(Workspace, Plan, Option<icp_lang::span::FileId>, String), String> {
    let session = super::overlay::open_as(path, text, as_of)?;
    let checked = session.check();
    let diags = session.diagnostics(&checked.diagnostics, false);
    let rendered = icp_lang::render::human(&session.project.sources, &diags, false);
    if has_errors(&diags) {
        return Err(rendered);
    }
    let mut found = plans(&session, &checked, None);
    if found.len() != 1 {
        return Err("the draft has no ICP (a bug)".into());
    }
    let (id, plan) = found.remove(0);
    let file = checked.decl(id).map(|d| d.file);
    drop(checked);
    let warnings = if diags.is_empty() {
        String::new()
    } else {
        rendered
    };
    Ok((session, plan, file, warnings))
}

/// What one account says, for either kind of evidence.
trait Observe {
    fn observe(&mut self, key: &str, row: &[Value], scored: &eval::Outcome, won: Option<bool>);
}

/// Outcomes from won and lost deals.
struct ByOutcome<O>(O);

impl<O: Observe> Judge for ByOutcome<O> {
    fn judged(&mut self, key: &str, row: &[Value], scored: &eval::Outcome, label: Label) {
        let won = match label.outcome {
            Outcome::Won => Some(true),
            Outcome::Lost => Some(false),
            Outcome::Open => None,
        };
        self.0.observe(key, row, scored, won);
    }
}

/// Best customers against the rest.
struct ByList<'a, O> {
    best: &'a HashSet<String>,
    inner: O,
    found: u64,
}

impl<O: Observe> Scored for ByList<'_, O> {
    fn scored(&mut self, key: &str, row: &[Value], scored: &eval::Outcome) {
        let won = self.best.contains(key.trim());
        self.found += u64::from(won);
        self.inner.observe(key, row, scored, Some(won));
    }
}

/// Pass 1: the fields among closed accounts.
struct Profile<'a> {
    fields: &'a [Field],
    plan: &'a Plan,
    stats: Stats,
    open: u64,
}

impl Observe for Profile<'_> {
    fn observe(&mut self, _: &str, row: &[Value], _: &eval::Outcome, won: Option<bool>) {
        match won {
            Some(w) => self
                .stats
                .observe(self.fields, self.plan, row, self.plan.as_of_days, w),
            None => self.open += 1,
        }
    }
}

/// Pass 2: the draft's signal patterns (closed accounts, for the fit) and
/// every retained account's pattern (for the tiers).
#[derive(Default)]
struct Scores {
    closed: Patterns,
    all: BTreeMap<Vec<u8>, u64>,
    removed: u64,
}

impl Observe for Scores {
    fn observe(&mut self, _: &str, _: &[Value], scored: &eval::Outcome, won: Option<bool>) {
        if !scored.passed() {
            self.removed += 1;
            return;
        }
        let p: Vec<u8> = scored
            .signals
            .iter()
            .map(|s| cal::state_byte(s.state))
            .collect();
        if let Some(w) = won {
            let e = self.closed.entry(p.clone()).or_default();
            if w {
                e.0 += 1;
            } else {
                e.1 += 1;
            }
        }
        *self.all.entry(p).or_default() += 1;
    }
}

/// Where the evidence comes from.
enum Evidence {
    Outcomes(Box<Labelled>),
    Best(HashSet<String>),
}

pub fn discover(args: &DiscoverArgs, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    match run(args, out, err) {
        Ok(()) => 0,
        Err((m, code)) => {
            if !m.is_empty() {
                let _ = writeln!(err, "error: {m}");
            }
            code
        }
    }
}

fn run(args: &DiscoverArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<(), (String, i32)> {
    let usage = |m: String| (m, 2);
    let name_ok = args.name.chars().next().is_some_and(char::is_alphabetic)
        && args.name.chars().all(|c| c.is_alphanumeric() || c == '_')
        && !icp_lang::lexer::is_keyword(&args.name);
    if !name_ok {
        return Err(usage(format!("`{}` cannot name an ICP", args.name)));
    }
    if args.data.as_os_str() == "-" {
        return Err(usage(
            "discover reads the accounts twice: give a file, not standard input".into(),
        ));
    }
    if args.output.extension().is_none_or(|e| e != "icp") {
        return Err(usage(format!(
            "the output `{}` must be a .icp file",
            args.output.display()
        )));
    }
    if !args.force && args.output.symlink_metadata().is_ok() {
        return Err(usage(format!(
            "`{}` already exists; nothing was written (--force replaces it)",
            args.output.display()
        )));
    }
    if !(args.points_to_double_odds > 0.0 && args.lambda >= 0.0 && args.lambda.is_finite()) {
        return Err(usage(
            "--points-to-double-odds must be positive and --lambda 0 or more".into(),
        ));
    }
    for input in [&args.schema_file, &args.data] {
        super::input::refuse_overwrite(&args.output, std::slice::from_ref(input))
            .map_err(|e| (e, 2))?;
    }
    // The schema.
    let session = super::open(
        std::slice::from_ref(&args.schema_file),
        args.read.as_of,
        err,
    )
    .map_err(|c| (String::new(), c))?;
    let checked = session.check();
    super::refuse_errors(&session, &checked.diagnostics, err).map_err(|c| (String::new(), c))?;
    drop(checked);
    let schema = pick_schema(&session, &args.schema_file, args.schema.as_deref())?;
    let as_of = session
        .project
        .parsed()
        .find(|f| f.is_root)
        .map(|f| session.as_of(f.id))
        .unwrap_or_else(today);
    let import = import_path(&args.output, &args.schema_file)?;
    inside_project(&args.output, &args.schema_file)?;
    // Pass 1: a probe reading every field.
    let probe_path = args.output.with_file_name(".icp-discover-probe.icp");
    let (probe_session, mut probe, probe_file, _) = check_text(
        &probe_path,
        &probe_text(&import, &schema.0, &schema.1, as_of),
        Some(as_of),
    )
    .map_err(|e| (format!("the schema cannot be probed:\n{e}"), 1))?;
    for c in &mut probe.columns {
        c.needs_text = true;
    }
    let optional: Vec<String> = schema
        .1
        .iter()
        .filter(|f| f.1)
        .map(|f| f.0.clone())
        .collect();
    let mut fields = disc::fields(&probe, |f| optional.iter().any(|o| o == f));
    let accounts = Accounts {
        icp_file: args.schema_file.clone(),
        data: args.data.clone(),
        icp: None,
        read: ReadOptions {
            as_of: Some(as_of),
            input_format: args.read.input_format,
            list_separator: args.read.list_separator,
            delimiter: args.read.delimiter,
            date_format: args.read.date_format.clone(),
            decimal_comma: args.read.decimal_comma,
            currency: args.read.currency.clone(),
        },
    };
    let evidence = match &args.best {
        Some(path) => Evidence::Best(read_best(path, &probe)?),
        None => Evidence::Outcomes(Box::new(Labelled::open(
            &probe_session,
            &probe,
            probe_file,
            &accounts.read,
            &args.outcomes,
        )?)),
    };
    // The outcome and its date are what is predicted: a rule on them would
    // be leakage (W0501), so they are no candidates.
    if let Evidence::Outcomes(l) = &evidence {
        let outcome_headers: Vec<String> =
            [Some(&l.settings.column), l.settings.date_column.as_ref()]
                .into_iter()
                .flatten()
                .map(|h| h.trim().to_lowercase())
                .collect();
        fields.retain(|f| {
            probe
                .columns
                .get(f.column)
                .is_none_or(|c| !outcome_headers.contains(&c.header.trim().to_lowercase()))
        });
    }
    let read = super::input::read_settings(&probe_session, probe_file, &accounts.read);
    let on_error = args.on_error.mode();
    let mut stats = Stats::new(&fields);
    let mut open = 0u64;
    let mut found = 0u64;
    let fresh = || Profile {
        fields: &fields,
        plan: &probe,
        stats: Stats::new(&fields),
        open: 0,
    };
    let mut merge = |p: Profile| {
        stats.merge(p.stats);
        open += p.open;
    };
    pass(
        &evidence, &probe, &args.data, &read, on_error, fresh, &mut merge, &mut found, true, err,
    )?;
    let best_mode = matches!(evidence, Evidence::Best(_));
    if let Evidence::Best(ids) = &evidence {
        if found == 0 {
            return Err((
                format!(
                    "none of the {} ids in the best-customers list is an account of `{}`",
                    ids.len(),
                    args.data.display()
                ),
                1,
            ));
        }
        if found < ids.len() as u64 {
            let _ = writeln!(
                err,
                "warning: {} of the {} best customers are not in `{}`",
                ids.len() as u64 - found,
                ids.len(),
                args.data.display()
            );
        }
    }
    let (won, lost) = stats.total;
    if won == 0 || lost == 0 {
        return Err((
            format!(
                "the {} closed accounts are all {}: a draft needs both {}",
                won + lost,
                if won == 0 {
                    if best_mode {
                        "outside the list"
                    } else {
                        "lost"
                    }
                } else if best_mode {
                    "best customers"
                } else {
                    "won"
                },
                if best_mode {
                    "best customers and others"
                } else {
                    "won and lost accounts"
                }
            ),
            1,
        ));
    }
    let thresholds = Thresholds {
        max_signals: args.max_signals,
        ..Thresholds::default()
    };
    let mut choice = disc::choose(&fields, &stats, &thresholds);
    if choice.signals.is_empty() && choice.filters.is_empty() {
        return Err((
            format!(
                "no field separates {} from the rest ({} against {}): nothing to draft",
                if best_mode {
                    "the best customers"
                } else {
                    "won accounts"
                },
                won,
                lost
            ),
            1,
        ));
    }
    // Pass 2: the draft scored, to weigh its signals together and cut tiers.
    let mut weights: Vec<f64> = vec![1.0; choice.signals.len()];
    let mut fit_notes: Vec<String> = vec![String::new(); choice.signals.len()];
    let header = Header {
        source: args.data.display().to_string(),
        won,
        lost,
        open,
        best: best_mode,
        as_of,
    };
    if choice.signals.is_empty() {
        // The filters say it all (the winners are exactly who passes them).
        let text = draft_text(args, &import, &schema.0, &header, &choice, &[], &[], &[]);
        return finish(args, &text, &choice, 0, &header, err, out, as_of);
    }
    let draft1 = draft_text(
        args,
        &import,
        &schema.0,
        &header,
        &choice,
        &weights,
        &fit_notes,
        &[],
    );
    let (_, plan1, _, _) = check_text(&args.output, &draft1, Some(as_of))
        .map_err(|e| (format!("the draft does not check (a bug):\n{e}"), 1))?;
    let mut scores = Scores::default();
    pass(
        &evidence,
        &plan1,
        &args.data,
        &read,
        on_error,
        Scores::default,
        &mut |s: Scores| {
            for (k, (w, l)) in s.closed {
                let e = scores.closed.entry(k).or_default();
                e.0 += w;
                e.1 += l;
            }
            for (k, n) in s.all {
                *scores.all.entry(k).or_default() += n;
            }
            scores.removed += s.removed;
        },
        &mut 0,
        false,
        err,
    )?;
    let fit = cal::fit(
        &plan1,
        &scores.closed,
        args.lambda,
        args.points_to_double_odds,
    )
    .map_err(|e| (format!("the draft's weights cannot be fitted: {e}"), 1))?;
    // Signals the joint fit gives no points (another signal says the same)
    // are left out.
    let mut kept = Vec::new();
    for (i, f) in fit.signals.iter().enumerate() {
        if let (Some(w), Some(c), Some(se)) = (f.suggested, f.coefficient, f.std_error) {
            if w != 0.0 {
                kept.push(i);
                if let Some(x) = weights.get_mut(i) {
                    *x = w;
                }
                if let Some(n) = fit_notes.get_mut(i) {
                    *n = format!("; weight from a joint fit: log odds {c:+.2} (std error {se:.2})");
                }
            }
        }
    }
    if kept.is_empty() {
        return Err((
            "no signal keeps any points once fitted together: nothing to draft".into(),
            1,
        ));
    }
    choice.signals = kept
        .iter()
        .filter_map(|&i| choice.signals.get(i).cloned())
        .collect();
    let weights: Vec<f64> = kept
        .iter()
        .filter_map(|&i| weights.get(i).copied())
        .collect();
    let fit_notes: Vec<String> = kept
        .iter()
        .filter_map(|&i| fit_notes.get(i).cloned())
        .collect();
    // Tiers: the scores of the retained accounts, best 20% and next 30%.
    let mut by_score: BTreeMap<i64, u64> = BTreeMap::new();
    for (p, n) in &scores.all {
        // The draft has no groups, caps or decay: a score is the sum of
        // the weights of the signals that fired.
        let s: f64 = kept
            .iter()
            .zip(&weights)
            .filter(|(i, _)| p.get(**i) == Some(&1))
            .map(|(_, w)| w)
            .sum();
        *by_score.entry(s.round() as i64).or_default() += n;
    }
    let cuts = disc::tier_cuts(&by_score, &[0.2, 0.5]);
    let text = draft_text(
        args, &import, &schema.0, &header, &choice, &weights, &fit_notes, &cuts,
    );
    finish(args, &text, &choice, cuts.len(), &header, err, out, as_of)
}

/// Formats, checks and writes the draft.
#[allow(clippy::too_many_arguments)]
fn finish(
    args: &DiscoverArgs,
    text: &str,
    choice: &Choice,
    cuts: usize,
    header: &Header,
    err: &mut dyn Write,
    out: &mut dyn Write,
    as_of: Date,
) -> Result<(), (String, i32)> {
    let text = icp_lang::fmt::format_source(icp_lang::span::FileId(0), text)
        .unwrap_or_else(|_| text.to_string());
    let (_, _, _, warnings) = check_text(&args.output, &text, Some(as_of))
        .map_err(|e| (format!("the draft does not check (a bug):\n{e}"), 1))?;
    if !warnings.is_empty() {
        let _ = write!(err, "{warnings}");
    }
    if args.force {
        super::fmt_cmd::write_atomically(&args.output, &text)
            .map_err(|e| (format!("cannot write `{}`: {e}", args.output.display()), 2))?;
    } else {
        super::init::write_new(&args.output, &text, false).map_err(|e| (e, 2))?;
    }
    let _ = writeln!(
        out,
        "wrote `{}`: {} filters, {} signals, {} tiers from {} closed accounts ({} {})\nnext: review each rule's `because`, then `icp validate {} {}`",
        args.output.display(),
        choice.filters.len(),
        choice.signals.len(),
        cuts + 1,
        header.won + header.lost,
        header.won,
        if header.best { "best customers" } else { "won" },
        args.output.display(),
        args.data.display()
    );
    Ok(())
}

/// One pass over the accounts with the plan, each account observed with
/// its outcome (or best-customer mark).
#[allow(clippy::too_many_arguments)]
fn pass<O: Observe + Send>(
    evidence: &Evidence,
    plan: &Plan,
    data: &Path,
    read: &icp_lang::accounts::ReadSettings,
    on_error: icp_lang::data::OnError,
    fresh: impl Fn() -> O + Sync,
    merge: &mut (impl FnMut(O) + Send),
    found: &mut u64,
    warn: bool,
    err: &mut dyn Write,
) -> Result<(), (String, i32)> {
    match evidence {
        Evidence::Outcomes(l) => {
            l.pass(
                plan,
                data,
                on_error,
                warn,
                || ByOutcome(fresh()),
                |j| merge(j.0),
                err,
            )
            .map_err(|c| (String::new(), c))?;
            Ok(())
        }
        Evidence::Best(ids) => {
            let (mut reader, binding): (Reader, _) =
                super::input::open_for(plan, data, read, err).map_err(|c| (String::new(), c))?;
            let shape = reader.shape().clone();
            let mut tally = Tally::default();
            let ran = accounts::run(
                &mut reader,
                accounts::workers_from_env(),
                |chunk| {
                    let c = shape.walk(chunk, || {
                        Counter::new(
                            plan,
                            &binding,
                            on_error,
                            ByList {
                                best: ids,
                                inner: fresh(),
                                found: 0,
                            },
                        )
                    });
                    c.finish()
                },
                |(t, by)| {
                    let failed = t.failed > 0;
                    tally.merge(t);
                    *found += by.found;
                    merge(by.inner);
                    Ok(if failed {
                        ControlFlow::Break(())
                    } else {
                        ControlFlow::Continue(())
                    })
                },
            );
            super::input::check_run(ran, &tally, data, false, err)
                .map_err(|code| (String::new(), code))?;
            if warn {
                super::input::warn_about_data(&tally, plan, err);
            }
            Ok(())
        }
    }
}

/// The ids of a best-customers list: the column with the schema key's
/// header, else the first column.
fn read_best(path: &Path, plan: &Plan) -> Result<HashSet<String>, (String, i32)> {
    let name = path.display().to_string();
    let file = open_file(path).map_err(|e| (e, 2))?;
    let mut reader = Reader::open(
        file,
        &name,
        &Default::default(),
        accounts::Limits::default(),
    )
    .map_err(|e| (e.message, 2))?;
    let key = plan
        .key
        .and_then(|k| plan.columns.get(k))
        .map(|c| c.header.to_lowercase());
    let column = key
        .and_then(|k| {
            reader
                .headers()
                .iter()
                .position(|h| h.trim().to_lowercase() == k)
        })
        .unwrap_or(0);
    let shape = reader.shape().clone();
    struct Ids(usize, Vec<String>, u64);
    impl icp_lang::accounts::Visit for Ids {
        fn record<'f>(
            &mut self,
            field: impl Fn(usize) -> Result<std::borrow::Cow<'f, str>, icp_lang::data::NotText<'f>>,
        ) {
            if let Ok(v) = field(self.0) {
                let v = v.trim();
                if !v.is_empty() {
                    self.1.push(v.to_string());
                }
            }
        }
        fn unreadable(&mut self, _: String) {
            self.2 += 1;
        }
    }
    let mut ids = HashSet::new();
    let mut unreadable = 0;
    while let Some(chunk) = reader.next_chunk().map_err(|e| (e.message, 1))? {
        let v = shape.walk(&chunk, || Ids(column, Vec::new(), 0));
        ids.extend(v.1);
        unreadable += v.2;
    }
    if unreadable > 0 {
        return Err((format!("{unreadable} rows of `{name}` cannot be read"), 1));
    }
    if ids.is_empty() {
        return Err((format!("`{name}` lists no ids"), 1));
    }
    Ok(ids)
}

/// The schema to draft for: (name, fields as (name, optional)).
#[allow(clippy::type_complexity)]
fn pick_schema(
    session: &Workspace,
    file: &Path,
    wanted: Option<&str>,
) -> Result<(String, Vec<(String, bool)>), (String, i32)> {
    let mut schemas = Vec::new();
    for f in session.project.parsed().filter(|f| f.is_root) {
        for item in &f.ast.items {
            if let Item::Schema(s) = item {
                let fields = s
                    .fields
                    .iter()
                    .map(|x| (x.name.name.clone(), x.optional))
                    .collect();
                schemas.push((s.name.name.clone(), fields));
            }
        }
    }
    let names: Vec<String> = schemas.iter().map(|s| format!("`{}`", s.0)).collect();
    match wanted {
        Some(w) => schemas.into_iter().find(|s| s.0 == w).ok_or_else(|| {
            (
                format!(
                    "`{}` has no schema `{w}` (it has {})",
                    file.display(),
                    if names.is_empty() {
                        "none".into()
                    } else {
                        names.join(", ")
                    }
                ),
                2,
            )
        }),
        None if schemas.len() == 1 => Ok(schemas.remove(0)),
        None if schemas.is_empty() => Err((format!("`{}` declares no schema", file.display()), 2)),
        None => Err((
            format!(
                "`{}` has several schemas ({}); choose one with --schema",
                file.display(),
                names.join(", ")
            ),
            2,
        )),
    }
}

/// The schema file as the draft imports it: relative to the draft's folder.
fn import_path(output: &Path, schema: &Path) -> Result<String, (String, i32)> {
    let abs = |p: &Path| {
        let p = if p.is_absolute() {
            p.to_path_buf()
        } else {
            std::env::current_dir().unwrap_or_default().join(p)
        };
        icp_lang::source::normalize(&p)
    };
    let from = abs(output);
    let from = from.parent().unwrap_or(Path::new("/"));
    let to = abs(schema);
    let a: Vec<_> = from.components().collect();
    let b: Vec<_> = to.components().collect();
    let common = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut parts: Vec<String> = vec!["..".into(); a.len() - common];
    parts.extend(
        b.iter()
            .skip(common)
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    let path = parts.join("/");
    if path.contains('"') || path.contains('\\') {
        return Err((
            format!(
                "cannot import `{}` from the draft's folder",
                schema.display()
            ),
            2,
        ));
    }
    Ok(path)
}

/// The draft imports the schema, and imports never leave a project: the
/// draft must be written inside the schema's project root.
fn inside_project(output: &Path, schema: &Path) -> Result<(), (String, i32)> {
    let disk = Disk::new();
    let abs = |p: &Path| disk.real_path(&icp_lang::source::normalize(&disk.cwd().join(p)));
    let schema = abs(schema);
    let root = icp_lang::tree::project_root(&disk, &schema);
    let folder = abs(output
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new(".")));
    if folder.starts_with(&root) {
        Ok(())
    } else {
        Err((
            format!(
                "`{}` is outside the schema's project (`{}`), so the draft could not import the schema; write it inside that folder",
                output.display(),
                root.display()
            ),
            2,
        ))
    }
}

/// An ICP that reads every field (each `is known`), so the accounts are
/// decoded in full.
fn probe_text(import: &str, schema: &str, fields: &[(String, bool)], as_of: Date) -> String {
    let signals: String = fields
        .iter()
        .enumerate()
        .map(|(i, f)| format!("  signal probe_{i}: {} is known weight 1\n", f.0))
        .collect();
    format!(
        "import {}\n\nicp discover_probe for {schema} {{\n  owner \"icp discover\"\n  reviewed {as_of} every 10y\n{signals}  tier all: otherwise\n}}\n",
        quote(import)
    )
}

struct Header {
    source: String,
    won: u64,
    lost: u64,
    open: u64,
    best: bool,
    as_of: Date,
}

/// The draft: a comment saying where it came from, filters, signals and
/// tiers, each rule with its evidence as its `because`.
#[allow(clippy::too_many_arguments)]
fn draft_text(
    args: &DiscoverArgs,
    import: &str,
    schema: &str,
    h: &Header,
    choice: &Choice,
    weights: &[f64],
    fit_notes: &[String],
    cuts: &[(i64, f64)],
) -> String {
    let what = if h.best {
        format!("{} best customers against {} other accounts", h.won, h.lost)
    } else {
        format!(
            "{} won and {} lost accounts ({} open, not used)",
            h.won, h.lost, h.open
        )
    };
    let mut s = format!(
        "// A draft ICP written by `icp discover` from `{}`: {what}.\n\
         // Every rule quotes its evidence in its `because`. It is a starting point, not\n\
         // a verdict: keep what matches how you sell, drop what is an accident of\n\
         // the data, then check it against outcomes with `icp validate`.\n\
         import {}\n\n",
        h.source.replace(['\n', '\r'], " "),
        quote(import)
    );
    let wins = if h.best { "best customers" } else { "wins" };
    let rate_word = if h.best { "best" } else { "won" };
    s.push_str(&format!(
        "icp {} {} for {schema} {{\n  owner {}\n  reviewed {} every 90d\n",
        args.name,
        quote(&format!("Drafted from {what}")),
        quote(&args.owner),
        h.as_of
    ));
    if !choice.filters.is_empty() {
        s.push('\n');
    }
    let mut names: Vec<String> = Vec::new();
    let mut unique = |n: &str| {
        let mut name = n.to_string();
        let mut k = 2;
        while names.contains(&name) || icp_lang::lexer::is_keyword(&name) {
            name = format!("{n}_{k}");
            k += 1;
        }
        names.push(name.clone());
        name
    };
    for f in &choice.filters {
        s.push_str(&format!(
            "  filter {}: {}\n    because {}\n",
            unique(&f.name),
            f.condition,
            quote(&disc::filter_evidence(f, wins))
        ));
    }
    s.push('\n');
    for ((c, w), note) in choice.signals.iter().zip(weights).zip(fit_notes) {
        s.push_str(&format!(
            "  signal {}: {} weight {}\n    because {}\n",
            unique(&c.name),
            c.condition,
            *w as i64,
            quote(&format!("{}{note}", disc::evidence(c, rate_word)))
        ));
    }
    s.push('\n');
    let tiers = ["A", "B", "C"];
    for (i, (cut, share)) in cuts.iter().enumerate() {
        s.push_str(&format!(
            "  tier {}: score >= {cut} // the best {:.0}% of the accounts that pass the filters\n",
            tiers.get(i).unwrap_or(&"B"),
            share * 100.0
        ));
    }
    s.push_str(&format!(
        "  tier {}: otherwise\n}}\n",
        tiers.get(cuts.len()).unwrap_or(&"C")
    ));
    s
}
