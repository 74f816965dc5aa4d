//! `icp validate ICP DATA`: the ICP against won and lost deals. Accounts
//! are scored as `icp score` scores them and labelled in the same pass
//! (`icp_lang::outcomes`), counted per chunk on worker threads
//! (`icp_lang::evidence`), and shown as a table, JSON or Markdown.

use super::input::{
    count_of, group_digits, open_for, outcome_settings, pick_plan, print_bad_data, read_deals,
    read_settings, Accounts, OnErrorArg, OutcomeArgs,
};
use icp_lang::accounts::{self, ReadSettings, Tally};
use icp_lang::data::OnError;
use icp_lang::eval::{self, Value};
use icp_lang::evidence::{self, Evidence, Validation};
use icp_lang::outcomes::{
    Columns, Holdout, Judge, Label, Labeling, OutcomeSettings, Problems, Source,
};
use icp_lang::plan::Plan;
use std::io::Write;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ValidateFormat {
    Table,
    Json,
    Markdown,
}

#[derive(clap::Args, Debug)]
pub struct ValidateArgs {
    #[command(flatten)]
    pub input: Accounts,
    #[command(flatten)]
    pub outcomes: OutcomeArgs,
    #[arg(long, value_enum, default_value = "table")]
    pub format: ValidateFormat,
    /// What to do with a record that has a bad cell (as for `icp score`).
    #[arg(long, value_enum, default_value = "fail")]
    pub on_error: OnErrorArg,
}

/// Accounts read but not evaluated, and why.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct Left {
    /// Records read: evaluated accounts plus every kind below.
    pub records: u64,
    /// Records with bad data left out (`--on-error skip`) or unreadable.
    pub bad_records: u64,
    /// Closed accounts decided on or before `--holdout-after`.
    pub before_holdout: u64,
    /// Closed accounts without an outcome date (with `--holdout-after`).
    pub no_outcome_date: u64,
    /// Empty outcome cells, counted as open.
    pub blank_outcomes: u64,
}

/// Counts one chunk's accounts.
struct Judging<'a> {
    plan: &'a Plan,
    settings: &'a OutcomeSettings,
    evidence: Evidence,
    left: Left,
}

impl Judge for Judging<'_> {
    fn judged(&mut self, _: &str, _: &[Value], scored: &eval::Outcome, label: Label) {
        match self.settings.in_holdout(&label) {
            Holdout::In => self.evidence.add(self.plan, scored, label.outcome),
            Holdout::Before => self.left.before_holdout += 1,
            Holdout::NoDate => self.left.no_outcome_date += 1,
        }
    }
}

/// What the outcomes are and where the deals are.
pub struct OutcomeInput<'a> {
    pub settings: &'a OutcomeSettings,
    pub deals: Option<&'a Path>,
}

/// Scores and labels the accounts at `data` with `plan` and validates it;
/// problems are written to `err` and the exit code returned.
pub fn run_validation(
    plan: &Plan,
    data: &Path,
    read: &ReadSettings,
    outcomes: &OutcomeInput<'_>,
    on_error: OnError,
    err: &mut dyn Write,
) -> Result<(Validation, Left), i32> {
    let settings = outcomes.settings;
    let (mut input, binding) = open_for(plan, data, read, err)?;
    let name = data.display().to_string();
    let deals = match outcomes.deals {
        Some(path) => match read_deals(plan, path, settings, read) {
            Ok(d) => Some(d),
            Err(e) => {
                let _ = writeln!(err, "error: {e}");
                return Err(1);
            }
        },
        None => None,
    };
    if let Some(d) = &deals {
        if let Some(e) = d.problems.error(settings, &d.file) {
            let _ = writeln!(err, "error: {e}");
            return Err(1);
        }
    }
    let columns = match &deals {
        Some(_) => None,
        None => {
            let format = match read.column("") {
                Ok((_, f)) => f,
                Err(e) => {
                    let _ = writeln!(err, "error: the data setting {e}");
                    return Err(2);
                }
            };
            match Columns::locate(settings, input.headers(), &name, format) {
                Ok(c) => Some(c),
                Err(e) => {
                    let _ = writeln!(
                        err,
                        "error: {e}\n  (name the column with --outcome, or `column` in icp.toml's [outcomes]; or give a deals file with --outcomes)"
                    );
                    return Err(1);
                }
            }
        }
    };
    let source = match (&columns, &deals) {
        (Some(c), _) => Source::Column(c),
        (None, Some(d)) => Source::Deals(d),
        (None, None) => return Err(2),
    };
    let shape = input.shape().clone();
    let mut tally = Tally::default();
    let mut problems = Problems::default();
    let mut evidence = Evidence::default();
    let mut left = Left::default();
    let source = &source;
    let ran = accounts::run(
        &mut input,
        accounts::workers_from_env(),
        |chunk| {
            let v = shape.walk(chunk, || {
                Labeling::new(
                    |j| accounts::Counter::new(plan, &binding, on_error, j),
                    settings,
                    source,
                    Judging {
                        plan,
                        settings,
                        evidence: Evidence::default(),
                        left: Left::default(),
                    },
                )
            });
            v.counter.finish()
        },
        |(t, joined)| {
            let failed = t.failed > 0;
            problems.merge(joined.problems, tally.read);
            tally.merge(t);
            evidence.merge(joined.judge.evidence);
            left.before_holdout += joined.judge.left.before_holdout;
            left.no_outcome_date += joined.judge.left.no_outcome_date;
            Ok(if failed {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            })
        },
    );
    if let Err(e) = ran {
        let _ = writeln!(err, "error: {e}");
        return Err(1);
    }
    if tally.failed > 0 {
        print_bad_data(err, &format!("bad data in `{name}`"), &tally);
        return Err(1);
    }
    if let Some(e) = problems.error(settings, &name) {
        let _ = writeln!(err, "error: {e}");
        return Err(1);
    }
    for w in tally.fraction_warnings(plan) {
        let _ = writeln!(err, "{w}");
    }
    left.records = tally.read;
    left.bad_records = tally.skipped + tally.unreadable;
    left.blank_outcomes = problems.blank;
    if let Some(d) = &deals {
        let (keys, unjoined) = d.unjoined(5);
        if unjoined > 0 && unjoined == d.accounts() {
            let _ = writeln!(
                err,
                "error: none of the {} in `{}` joins an account of `{}` on the key `{}` (the deals' keys look like {})",
                count_of(d.accounts() as u64, "account", "accounts"),
                d.file,
                name,
                plan.key
                    .and_then(|k| plan.columns.get(k))
                    .map_or("", |c| c.header.as_str()),
                keys.iter()
                    .map(|k| format!("`{}`", accounts::shorten(k, 40)))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            return Err(1);
        }
        if unjoined > 0 {
            let _ = writeln!(
                err,
                "warning: {} in `{}` {} not in `{name}` (e.g. {}); their deals are not counted",
                count_of(unjoined as u64, "account", "accounts"),
                d.file,
                if unjoined == 1 { "is" } else { "are" },
                keys.iter()
                    .map(|k| format!("`{}`", accounts::shorten(k, 40)))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        if d.no_key > 0 {
            let _ = writeln!(
                err,
                "warning: {} in `{}` {} no key and {} not counted",
                count_of(d.no_key, "deal", "deals"),
                d.file,
                if d.no_key == 1 { "has" } else { "have" },
                if d.no_key == 1 { "is" } else { "are" },
            );
        }
        if d.unreadable > 0 {
            let _ = writeln!(
                err,
                "warning: {} in `{}` could not be read and {} not counted",
                count_of(d.unreadable, "deal row", "deal rows"),
                d.file,
                if d.unreadable == 1 { "is" } else { "are" },
            );
        }
    }
    let all = evidence.all();
    let holdout = settings
        .holdout_after
        .map(|d| format!(" decided after {d}"))
        .unwrap_or_default();
    if all.won == 0 || all.lost == 0 {
        let what = match (all.won, all.lost) {
            (0, 0) => format!("no account{holdout} was won or lost"),
            (0, l) => format!(
                "no account{holdout} was won ({}): win rates and the AUC need wins and losses",
                count_of(l, "lost", "lost")
            ),
            (w, _) => format!(
                "every closed account{holdout} was won ({}): win rates and the AUC need wins and losses",
                count_of(w, "won", "won")
            ),
        };
        let _ = writeln!(
            err,
            "error: {what}; {} evaluated, {} open\n  (check --won and --lost against the values of the column `{}`)",
            count_of(all.accounts(), "account", "accounts"),
            group_digits(all.open),
            accounts::shorten(&settings.column, 60)
        );
        return Err(1);
    }
    Ok((evidence::validate(plan, &evidence), left))
}

pub fn validate(args: &ValidateArgs, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let (session, plan, file) = match pick_plan(&args.input, err) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let read = read_settings(&session, file, &args.input.read);
    super::input::warn_unknown_fields(&session, &plan, &read, err);
    let (settings, deals): (OutcomeSettings, Option<PathBuf>) = match outcome_settings(
        &session,
        file,
        &args.outcomes,
    ) {
        Ok(Some(s)) => s,
        Ok(None) => {
            let _ = writeln!(
                    err,
                    "error: no outcomes: say which column holds them, e.g. --outcome Stage --won \"Closed Won\" --lost \"Closed Lost\",\n  or set them once in the product's icp.toml:\n\n  [outcomes]\n  column = \"Stage\"\n  won = [\"Closed Won\"]\n  lost = [\"Closed Lost\"]"
                );
            return 2;
        }
        Err(e) => {
            let _ = writeln!(err, "error: {e}");
            return 2;
        }
    };
    let input = OutcomeInput {
        settings: &settings,
        deals: deals.as_deref(),
    };
    let (v, left) = match run_validation(
        &plan,
        &args.input.data,
        &read,
        &input,
        args.on_error.mode(),
        err,
    ) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let text = match args.format {
        ValidateFormat::Json => json(&v, &left),
        ValidateFormat::Table => table(&v, &left),
        ValidateFormat::Markdown => markdown(&v, &left),
    };
    i32::from(out.write_all(text.as_bytes()).is_err()) * 2
}

/// Floats rounded to six decimals: the same bytes on every machine.
pub fn rounded(v: serde_json::Value) -> serde_json::Value {
    use serde_json::Value as J;
    match v {
        J::Number(n) if n.is_f64() => n
            .as_f64()
            // `+ 0.0` turns a rounded -0.0 into 0.0.
            .map(|f| J::from((f * 1e6).round() / 1e6 + 0.0))
            .unwrap_or(J::Null),
        J::Array(a) => J::Array(a.into_iter().map(rounded).collect()),
        J::Object(o) => J::Object(o.into_iter().map(|(k, v)| (k, rounded(v))).collect()),
        other => other,
    }
}

pub fn json(v: &Validation, left: &Left) -> String {
    let mut doc = serde_json::to_value(v).unwrap_or_default();
    if let Some(o) = doc.as_object_mut() {
        o.insert(
            "not_evaluated".into(),
            serde_json::to_value(left).unwrap_or_default(),
        );
    }
    serde_json::to_string_pretty(&rounded(doc)).unwrap_or_default() + "\n"
}

fn rate(x: Option<f64>) -> String {
    x.map_or("-".into(), |x| format!("{:.1}%", x * 100.0))
}

fn num(x: Option<f64>, places: usize) -> String {
    x.map_or("-".into(), |x| {
        let shown = format!("{x:.places$}");
        // A tiny negative number rounds to "-0.000": show it as 0.
        match shown.strip_prefix('-') {
            Some(rest) if rest.bytes().all(|b| b == b'0' || b == b'.') => rest.to_string(),
            _ => shown,
        }
    })
}

fn lift(x: Option<f64>) -> String {
    x.map_or("-".into(), |x| format!("{x:.2}x"))
}

fn interval(low: Option<f64>, high: Option<f64>) -> String {
    match (low, high) {
        (Some(l), Some(h)) => format!("{:.1}-{:.1}%", l * 100.0, h * 100.0),
        _ => "-".into(),
    }
}

/// The sections every format shows, as rows of cells.
struct Sections {
    tiers: Vec<Vec<String>>,
    removed: Vec<Vec<String>>,
    signals: Vec<Vec<String>>,
}

const TIER_HEAD: [&str; 11] = [
    "tier",
    "accounts",
    "won",
    "lost",
    "open",
    "win rate",
    "95% interval",
    "lift",
    "wins",
    "cum. wins",
    "cum. accounts",
];
const REMOVED_HEAD: [&str; 7] = ["rule", "kind", "removed", "won", "lost", "open", "win rate"];
const SIGNAL_HEAD: [&str; 9] = [
    "signal",
    "weight",
    "fires",
    "unknown",
    "win rate fired",
    "win rate not fired",
    "lift",
    "WoE",
    "IV",
];

fn sections(v: &Validation) -> Sections {
    let tiers = v
        .tiers
        .iter()
        .map(|t| {
            vec![
                t.tier.clone().unwrap_or_else(|| "(no tier)".into()),
                group_digits(t.accounts),
                group_digits(t.won),
                group_digits(t.lost),
                group_digits(t.open),
                rate(t.win_rate),
                interval(t.win_rate_low, t.win_rate_high),
                lift(t.lift),
                rate(t.share_of_wins),
                rate(t.cumulative_share_of_wins),
                rate(t.cumulative_share_of_accounts),
            ]
        })
        .collect();
    let removed = v
        .removed
        .iter()
        .map(|r| {
            vec![
                r.rule.clone(),
                r.kind.to_string(),
                group_digits(r.removed),
                group_digits(r.won),
                group_digits(r.lost),
                group_digits(r.open),
                rate(r.win_rate),
            ]
        })
        .collect();
    let signals = v
        .signals
        .iter()
        .map(|s| {
            vec![
                s.name.clone(),
                s.weight
                    .map_or("bands".into(), icp_lang::testing::fmt_points),
                rate(s.fire_rate),
                rate(s.unknown_rate),
                rate(s.win_rate_fired),
                rate(s.win_rate_not_fired),
                lift(s.lift),
                num(s.woe, 3),
                num(s.iv, 3),
            ]
        })
        .collect();
    Sections {
        tiers,
        removed,
        signals,
    }
}

fn headline(v: &Validation, left: &Left) -> Vec<String> {
    let mut lines = vec![format!(
        "{} evaluated: {} won, {} lost, {} open; base rate {} (retained {})",
        count_of(v.accounts, "account", "accounts"),
        group_digits(v.won),
        group_digits(v.lost),
        group_digits(v.open),
        rate(v.base_rate),
        rate(v.retained_win_rate),
    )];
    lines.push(format!(
        "AUC {} (score), {} (tiers); Brier score of the tier win rates {}",
        num(v.auc, 3),
        num(v.auc_tiers, 3),
        num(v.brier, 4)
    ));
    let mut notes = Vec::new();
    if left.bad_records > 0 {
        notes.push(format!(
            "{} with bad data",
            count_of(left.bad_records, "record", "records")
        ));
    }
    if left.before_holdout > 0 {
        notes.push(format!(
            "{} decided before the holdout",
            group_digits(left.before_holdout)
        ));
    }
    if left.no_outcome_date > 0 {
        notes.push(format!(
            "{} closed without an outcome date",
            group_digits(left.no_outcome_date)
        ));
    }
    if !notes.is_empty() {
        lines.push(format!("not evaluated: {}", notes.join(", ")));
    }
    if left.blank_outcomes > 0 {
        lines.push(format!(
            "{} with an empty outcome counted as open",
            count_of(left.blank_outcomes, "account", "accounts")
        ));
    }
    lines
}

/// Whether column `i` holds numbers (right-aligned) rather than names.
fn numeric(rows: &[Vec<String>], i: usize) -> bool {
    rows.iter().all(|r| {
        r.get(i).is_some_and(|c| {
            let c = c.strip_prefix('-').unwrap_or(c);
            c.is_empty() || c.starts_with(|ch: char| ch.is_ascii_digit())
        })
    })
}

/// Columns padded to their widest cell; numbers right-aligned.
fn aligned(head: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = head.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let parts: Vec<String> = cells
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(i, (c, w))| {
                if !numeric(rows, i) {
                    format!("{c:<w$}")
                } else {
                    format!("{c:>w$}")
                }
            })
            .collect();
        format!("  {}\n", parts.join("  ").trim_end())
    };
    let mut s = line(head.to_vec());
    for r in rows {
        s.push_str(&line(r.iter().map(String::as_str).collect()));
    }
    s
}

pub fn table(v: &Validation, left: &Left) -> String {
    let sec = sections(v);
    let mut s = format!("{}: {}\n", v.icp, headline(v, left).join("\n  "));
    s.push_str("\nTiers (best first)\n");
    s.push_str(&aligned(&TIER_HEAD, &sec.tiers));
    if !sec.removed.is_empty() {
        s.push_str("\nFiltered out (by the first rule that removes each account)\n");
        s.push_str(&aligned(&REMOVED_HEAD, &sec.removed));
    }
    if !sec.signals.is_empty() {
        s.push_str("\nSignals (retained accounts)\n");
        s.push_str(&aligned(&SIGNAL_HEAD, &sec.signals));
    }
    s.push_str(&warnings_text(v, "\nWarnings\n", |w| {
        format!("  {} {}: {}\n", w.code, w.name, w.message)
    }));
    s
}

fn warnings_text(
    v: &Validation,
    title: &str,
    each: impl Fn(&evidence::Warning) -> String,
) -> String {
    if v.warnings.is_empty() {
        return String::new();
    }
    let mut s = title.to_string();
    for w in &v.warnings {
        s.push_str(&each(w));
    }
    s
}

/// A GitHub table; `|` in a cell escaped.
pub fn md_table(head: &[&str], rows: &[Vec<String>]) -> String {
    let cell = |c: &str| c.replace('|', "\\|");
    let mut s = format!(
        "| {} |\n",
        head.iter().map(|h| cell(h)).collect::<Vec<_>>().join(" | ")
    );
    let align: Vec<&str> = (0..head.len())
        .map(|i| if numeric(rows, i) { "---:" } else { "---" })
        .collect();
    s.push_str(&format!("| {} |\n", align.join(" | ")));
    for r in rows {
        s.push_str(&format!(
            "| {} |\n",
            r.iter().map(|c| cell(c)).collect::<Vec<_>>().join(" | ")
        ));
    }
    s
}

pub fn markdown(v: &Validation, left: &Left) -> String {
    let sec = sections(v);
    let mut s = format!("### Validation of `{}`\n\n", v.icp);
    for line in headline(v, left) {
        s.push_str(&format!("- {line}\n"));
    }
    s.push_str("\n**Tiers** (best first)\n\n");
    s.push_str(&md_table(&TIER_HEAD, &sec.tiers));
    if !sec.removed.is_empty() {
        s.push_str("\n**Filtered out** (by the first rule that removes each account)\n\n");
        s.push_str(&md_table(&REMOVED_HEAD, &sec.removed));
    }
    if !sec.signals.is_empty() {
        s.push_str("\n**Signals** (retained accounts)\n\n");
        s.push_str(&md_table(&SIGNAL_HEAD, &sec.signals));
    }
    s.push_str(&warnings_text(v, "\n**Warnings**\n\n", |w| {
        format!(
            "- `{}` {}: {}\n",
            w.code,
            w.name,
            w.message.replace('|', "\\|")
        )
    }));
    s
}
