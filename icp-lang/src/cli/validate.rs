//! `icp validate ICP DATA`: the ICP against won and lost deals. Accounts
//! are scored as `icp score` scores them and labelled in the same pass
//! (`cli/labelled.rs`, as for calibrate and discover), counted per chunk
//! on worker threads (`icp_lang::evidence`), and shown as a table, JSON or
//! Markdown.

use super::input::{
    count_of, group_digits, outcome_settings, pick_plan, read_settings, Accounts, OnErrorArg,
    OutcomeArgs,
};
use super::labelled::Labelled;
use icp_lang::accounts::{self, ReadSettings};
use icp_lang::data::OnError;
use icp_lang::eval::{self, Value};
use icp_lang::evidence::{self, Evidence, Validation};
use icp_lang::outcomes::{Holdout, Judge, Label, OutcomeSettings};
use icp_lang::plan::Plan;
use std::io::Write;
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
    let labelled = Labelled::new(plan, settings.clone(), outcomes.deals, read.clone()).map_err(
        |(e, code)| {
            let _ = writeln!(err, "error: {e}");
            code
        },
    )?;
    let mut evidence = Evidence::default();
    let mut left = Left::default();
    let fresh = || Judging {
        plan,
        settings,
        evidence: Evidence::default(),
        left: Left::default(),
    };
    let merge = |j: Judging<'_>| {
        evidence.merge(j.evidence);
        left.before_holdout += j.left.before_holdout;
        left.no_outcome_date += j.left.no_outcome_date;
    };
    let passed = labelled.pass(plan, data, on_error, true, fresh, merge, err)?;
    left.records = passed.tally.read;
    left.bad_records = passed.tally.skipped + passed.tally.unreadable;
    left.blank_outcomes = passed.blank;
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
    // The product's `[lints]` apply: `allow` hides a warning, `deny` fails
    // the run (after the report is written).
    let mut v = v;
    let levels = file.and_then(|f| session.settings(f)).map(|s| &s.levels);
    let level = |code: &str| levels.and_then(|l| l.get(code)).copied();
    v.warnings
        .retain(|w| level(w.code) != Some(icp_lang::config::Level::Allow));
    let denied = v
        .warnings
        .iter()
        .filter(|w| level(w.code) == Some(icp_lang::config::Level::Deny))
        .count();
    let text = match args.format {
        ValidateFormat::Json => json(&v, &left),
        ValidateFormat::Table => table(&v, &left),
        ValidateFormat::Markdown => markdown(&v, &left),
    };
    if out.write_all(text.as_bytes()).is_err() {
        return 2;
    }
    if denied > 0 {
        let _ = writeln!(
            err,
            "error: {denied} warning{} denied in icp.toml",
            if denied == 1 { " is" } else { "s are" }
        );
        return 1;
    }
    0
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
    "share of wins",
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
