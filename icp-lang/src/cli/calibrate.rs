//! `icp calibrate ICP DATA`: suggested weights from won and lost deals
//! (`icp_lang::calibrate`). One pass over the accounts fits the weights on
//! the accounts outside the holdout; a second scores the holdout with the
//! current and the suggested weights (the plan's own evaluator, so decay,
//! groups and caps count exactly as they score). `--write` edits only the
//! weight literals of the ICP's file, keeping comments and layout, and
//! only when the holdout AUC does not drop.

use super::input::{pick_plan, Accounts, OnErrorArg, OutcomeArgs, TextOrJson};
use super::labelled::Labelled;
use icp_lang::calibrate::{self as cal, Fit, Patterns};
use icp_lang::diagnostic::Diagnostic;
use icp_lang::eval::{self, Value};
use icp_lang::outcomes::{Holdout, Judge, Label, Outcome, OutcomeSettings};
use icp_lang::plan::Plan;
use icp_lang::rng::Rng;
use icp_lang::workspace::{has_errors, Workspace};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct CalibrateArgs {
    #[command(flatten)]
    pub input: Accounts,
    #[command(flatten)]
    pub outcomes: OutcomeArgs,
    #[arg(long, value_enum, default_value = "text")]
    pub format: TextOrJson,
    /// The scale of the suggested weights: points that double the odds of a win.
    #[arg(long, default_value_t = cal::POINTS_TO_DOUBLE_ODDS)]
    pub points_to_double_odds: f64,
    /// The L2 penalty on the coefficients (scikit-learn's C is 1/lambda).
    #[arg(long, default_value_t = cal::LAMBDA)]
    pub lambda: f64,
    /// Without --holdout-after: the share of closed accounts held out at
    /// random (by key) to compare current and suggested weights.
    #[arg(long, default_value_t = 0.3)]
    pub holdout_fraction: f64,
    /// The seed of that random holdout.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Rewrite the weights in the .icp file (only when the holdout AUC does not drop).
    #[arg(long)]
    pub write: bool,
    /// What to do with a record that has a bad cell (as for `icp score`).
    #[arg(long, value_enum, default_value = "fail")]
    pub on_error: OnErrorArg,
}

/// Which accounts are held out: by outcome date, or a seeded share by key.
#[derive(Clone, Copy)]
enum Split {
    Date,
    Random { fraction: f64, seed: u64 },
}

/// Where a closed account goes.
#[derive(PartialEq)]
enum Part {
    Fit,
    Holdout,
    /// Closed, without the date a holdout by date needs.
    NoDate,
}

impl Split {
    fn part(&self, settings: &OutcomeSettings, key: &str, label: &Label) -> Part {
        match self {
            Split::Date => match settings.in_holdout(label) {
                Holdout::In => Part::Holdout,
                Holdout::Before => Part::Fit,
                Holdout::NoDate => Part::NoDate,
            },
            Split::Random { fraction, seed } => {
                // FNV-1a of the key, mixed with the seed: the same account
                // lands on the same side whatever the chunking or threads.
                let mut h: u64 = 0xcbf2_9ce4_8422_2325;
                for b in key.as_bytes() {
                    h = (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
                }
                let mut rng = Rng((h ^ seed.wrapping_mul(0x9e37_79b9_7f4a_7c15)) | 1);
                rng.next_u64();
                if (rng.below(1_000_000) as f64) < fraction * 1_000_000.0 {
                    Part::Holdout
                } else {
                    Part::Fit
                }
            }
        }
    }
}

/// Scores in hundredths, as `icp score` writes them and `icp validate`
/// compares them.
fn score_key(s: f64) -> i64 {
    (s * 100.0).round() as i64
}

#[derive(Default)]
struct Counts {
    patterns: Patterns,
    /// Holdout: per score, (won, lost), for the current and suggested plan.
    current: BTreeMap<i64, (u64, u64)>,
    suggested: BTreeMap<i64, (u64, u64)>,
    fit_accounts: u64,
    holdout: u64,
    removed: u64,
    open: u64,
    no_date: u64,
}

impl Counts {
    fn add(&mut self, o: Counts) {
        for (k, (w, l)) in o.patterns {
            let e = self.patterns.entry(k).or_default();
            e.0 += w;
            e.1 += l;
        }
        for (mine, theirs) in [
            (&mut self.current, o.current),
            (&mut self.suggested, o.suggested),
        ] {
            for (k, (w, l)) in theirs {
                let e = mine.entry(k).or_default();
                e.0 += w;
                e.1 += l;
            }
        }
        self.fit_accounts += o.fit_accounts;
        self.holdout += o.holdout;
        self.removed += o.removed;
        self.open += o.open;
        self.no_date += o.no_date;
    }
}

struct Collect<'a> {
    /// Pass 2: the plan with the suggested weights.
    suggested: Option<&'a Plan>,
    settings: &'a OutcomeSettings,
    split: Split,
    counts: Counts,
}

impl Judge for Collect<'_> {
    fn judged(&mut self, key: &str, row: &[Value], scored: &eval::Outcome, label: Label) {
        let c = &mut self.counts;
        if !scored.passed() {
            c.removed += 1;
            return;
        }
        let won = match label.outcome {
            Outcome::Won => true,
            Outcome::Lost => false,
            Outcome::Open => {
                c.open += 1;
                return;
            }
        };
        let add = |m: &mut BTreeMap<i64, (u64, u64)>, s: f64| {
            let e = m.entry(score_key(s)).or_default();
            if won {
                e.0 += 1;
            } else {
                e.1 += 1;
            }
        };
        match self.split.part(self.settings, key, &label) {
            Part::NoDate => c.no_date += 1,
            Part::Fit => {
                c.fit_accounts += 1;
                if self.suggested.is_none() {
                    let p: Vec<u8> = scored
                        .signals
                        .iter()
                        .map(|s| cal::state_byte(s.state))
                        .collect();
                    let e = c.patterns.entry(p).or_default();
                    if won {
                        e.0 += 1;
                    } else {
                        e.1 += 1;
                    }
                }
            }
            Part::Holdout => {
                c.holdout += 1;
                if let Some(plan) = self.suggested {
                    add(&mut c.current, scored.score);
                    add(&mut c.suggested, eval::evaluate(plan, row).score);
                }
            }
        }
    }
}

fn usage(err: &mut dyn Write, m: &str) -> i32 {
    let _ = writeln!(err, "error: {m}");
    2
}

fn auc(m: &BTreeMap<i64, (u64, u64)>) -> Option<f64> {
    let counts: Vec<(f64, u64, u64)> = m.iter().map(|(k, (w, l))| (*k as f64, *w, *l)).collect();
    icp_lang::stats::auc_grouped(&counts)
}

pub fn calibrate(args: &CalibrateArgs, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    if !(args.points_to_double_odds.is_finite() && args.points_to_double_odds > 0.0) {
        return usage(err, "--points-to-double-odds must be a positive number");
    }
    if !(args.lambda.is_finite() && args.lambda >= 0.0) {
        return usage(err, "--lambda must be 0 or more");
    }
    if !(args.holdout_fraction > 0.0 && args.holdout_fraction < 1.0) {
        return usage(err, "--holdout-fraction must lie between 0 and 1");
    }
    if args.input.data.as_os_str() == "-" {
        return usage(err, "calibrate reads the accounts twice (fit, then holdout): give a file, not standard input");
    }
    let (session, plan, file) = match pick_plan(&args.input, err) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let labelled = match Labelled::open(&session, &plan, file, &args.input.read, &args.outcomes) {
        Ok(l) => l,
        Err((m, code)) => {
            let _ = writeln!(err, "error: {m}");
            return code;
        }
    };
    let split = if labelled.settings.holdout_after.is_some() {
        Split::Date
    } else {
        if plan.key.is_none() && labelled.deals.is_none() {
            return usage(err, &format!(
                "a random holdout is drawn by account key, and schema `{}` has none: mark the id field `key`, or hold out by date (--outcome-date COLUMN --holdout-after DATE)",
                plan.schema
            ));
        }
        Split::Random {
            fraction: args.holdout_fraction,
            seed: args.seed,
        }
    };
    let on_error = args.on_error.mode();
    let settings = &labelled.settings;
    // Pass 1: the fit; pass 2: the holdout, scored both ways.
    let collect = |suggested: Option<&Plan>, err: &mut dyn Write| {
        let mut counts = Counts::default();
        let fresh = || Collect {
            suggested,
            settings,
            split,
            counts: Counts::default(),
        };
        let first = suggested.is_none();
        labelled
            .pass(
                &plan,
                &args.input.data,
                on_error,
                first,
                fresh,
                |j| counts.add(j.counts),
                err,
            )
            .map(|_| counts)
    };
    let counts = match collect(None, err) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let fit = match cal::fit(
        &plan,
        &counts.patterns,
        args.lambda,
        args.points_to_double_odds,
    ) {
        Ok(f) => f,
        Err(e) => {
            let _ = writeln!(
                err,
                "error: cannot calibrate `{}`: {e} ({} fitted accounts, {} held out, {} removed by the filters, {} open)",
                plan.icp, counts.fit_accounts, counts.holdout, counts.removed, counts.open
            );
            return 1;
        }
    };
    let suggested = cal::suggested_plan(&plan, &fit);
    let held = match collect(Some(&suggested), err) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let (auc_current, auc_suggested) = (auc(&held.current), auc(&held.suggested));
    let holdout_by = match split {
        Split::Date => format!(
            "outcome date after {}",
            settings
                .holdout_after
                .map(|d| d.to_string())
                .unwrap_or_default()
        ),
        Split::Random { fraction, seed } => {
            format!("{:.0}% at random, seed {seed}", fraction * 100.0)
        }
    };
    let report = Report {
        plan: &plan,
        fit: &fit,
        counts: &counts,
        auc_current,
        auc_suggested,
        holdout_by: &holdout_by,
        args,
    };
    let text = match args.format {
        TextOrJson::Json => report.json(),
        TextOrJson::Text => report.text(),
    };
    let _ = out.write_all(text.as_bytes());
    if args.write {
        return write(
            &session,
            file,
            &plan,
            &fit,
            auc_current,
            auc_suggested,
            out,
            err,
        );
    }
    0
}

struct Report<'a> {
    plan: &'a Plan,
    fit: &'a Fit,
    counts: &'a Counts,
    auc_current: Option<f64>,
    auc_suggested: Option<f64>,
    holdout_by: &'a str,
    args: &'a CalibrateArgs,
}

fn num(v: Option<f64>, decimals: usize) -> String {
    v.map(|x| format!("{x:.decimals$}"))
        .unwrap_or_else(|| "-".into())
}

fn points(v: Option<f64>) -> String {
    v.map(icp_lang::values::format_number)
        .unwrap_or_else(|| "-".into())
}

impl Report<'_> {
    fn json(&self) -> String {
        let signals: Vec<serde_json::Value> = self
            .fit
            .signals
            .iter()
            .map(|s| {
                serde_json::json!({
                    "name": s.name,
                    "weight": s.weight,
                    "suggested": s.suggested,
                    "coefficient": s.coefficient,
                    "std_error": s.std_error,
                    "unknown_coefficient": s.unknown_coefficient,
                    "unknown_std_error": s.unknown_std_error,
                    "fired": s.fired,
                    "unknown": s.unknown,
                    "calibrated": s.suggested.is_some(),
                    "note": s.note,
                })
            })
            .collect();
        let doc = serde_json::json!({
            "icp": self.plan.icp,
            "points_to_double_odds": self.args.points_to_double_odds,
            "lambda": self.args.lambda,
            "fitted": {"accounts": self.counts.fit_accounts, "won": self.fit.won, "lost": self.fit.lost},
            "holdout": {"accounts": self.counts.holdout, "by": self.holdout_by},
            "removed": self.counts.removed,
            "open": self.counts.open,
            "no_outcome_date": self.counts.no_date,
            "intercept": self.fit.intercept,
            "intercept_std_error": self.fit.intercept_std_error,
            "signals": signals,
            "auc_current": self.auc_current,
            "auc_suggested": self.auc_suggested,
        });
        serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
    }

    fn text(&self) -> String {
        let c = self.counts;
        let mut s = format!(
            "{}: fitted on {} closed accounts that passed the filters ({} won, {} lost); {} held out ({}); {} removed by the filters, {} open\n",
            self.plan.icp,
            c.fit_accounts,
            self.fit.won,
            self.fit.lost,
            c.holdout,
            self.holdout_by,
            c.removed,
            c.open
        );
        if c.fit_accounts < 100 {
            s.push_str(&format!(
                "only {} accounts fitted: read the standard errors before trusting any weight\n",
                c.fit_accounts
            ));
        }
        if c.no_date > 0 {
            s.push_str(&format!(
                "{} closed accounts without an outcome date are in neither part\n",
                c.no_date
            ));
        }
        s.push_str(&format!(
            "{} points double the odds of a win; {}\n\n",
            icp_lang::values::format_number(self.args.points_to_double_odds),
            if self.args.lambda > 0.0 {
                format!(
                    "L2 penalty {} (scikit-learn's C = {})",
                    self.args.lambda,
                    1.0 / self.args.lambda
                )
            } else {
                "no penalty".into()
            }
        ));
        let header = [
            "signal",
            "weight",
            "suggested",
            "coefficient",
            "std error",
            "fired",
            "unknown",
        ];
        let rows: Vec<[String; 7]> = self
            .fit
            .signals
            .iter()
            .map(|f| {
                [
                    f.name.clone(),
                    points(f.weight),
                    points(f.suggested),
                    num(f.coefficient, 3),
                    num(f.std_error, 3),
                    f.fired.to_string(),
                    f.unknown.to_string(),
                ]
            })
            .collect();
        let mut widths = header.map(str::len);
        for r in &rows {
            for (w, cell) in widths.iter_mut().zip(r) {
                *w = (*w).max(cell.chars().count());
            }
        }
        let line = |cells: Vec<&str>| -> String {
            let mut l = String::new();
            for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
                if i == 0 {
                    l.push_str(&format!("{cell:<w$}"));
                } else {
                    l.push_str(&format!("  {cell:>w$}"));
                }
            }
            l.trim_end().to_string() + "\n"
        };
        s.push_str(&line(header.to_vec()));
        for (r, f) in rows.iter().zip(&self.fit.signals) {
            s.push_str(&line(r.iter().map(String::as_str).collect()));
            if !f.note.is_empty() {
                s.push_str(&format!("  ^ {}\n", f.note));
            }
        }
        s.push_str(&format!(
            "\nholdout AUC: current weights {}, suggested weights {}\n",
            num(self.auc_current, 3),
            num(self.auc_suggested, 3)
        ));
        s
    }
}

/// Rewrites the weight literals of the ICP's own signals with the
/// suggestions and prints the diff; nothing when the holdout AUC would drop.
#[allow(clippy::too_many_arguments)]
fn write(
    session: &Workspace,
    file: Option<icp_lang::span::FileId>,
    plan: &Plan,
    fit: &Fit,
    auc_current: Option<f64>,
    auc_suggested: Option<f64>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> i32 {
    match (auc_current, auc_suggested) {
        (Some(a), Some(b)) if b >= a => {}
        (Some(a), Some(b)) => {
            let _ = writeln!(
                err,
                "error: nothing written: the suggested weights score the holdout worse (AUC {b:.3} against {a:.3})"
            );
            return 1;
        }
        _ => {
            let _ = writeln!(
                err,
                "error: nothing written: the holdout needs both won and lost accounts to compare the weights"
            );
            return 1;
        }
    }
    let Some(file) = file else {
        let _ = writeln!(err, "error: nothing written: the ICP's file is unknown");
        return 2;
    };
    let Some(source) = session.project.sources.get(file) else {
        return 2;
    };
    let spans = cal::weight_spans(&session.project, file, &plan.icp);
    let mut edits = Vec::new();
    let mut inherited = Vec::new();
    for f in &fit.signals {
        let (Some(new), Some(old)) = (f.suggested, f.weight) else {
            continue;
        };
        if new == old {
            continue;
        }
        match spans.get(&f.name) {
            Some(span) => edits.push((
                span.start as usize,
                span.end as usize,
                format!("{}", new as i64),
            )),
            None => inherited.push(format!("`{}`", f.name)),
        }
    }
    if !inherited.is_empty() {
        let _ = writeln!(
            err,
            "note: {} inherited from the ICP this one extends: not written here (calibrate that ICP)",
            inherited.join(", ")
        );
    }
    let Some(new_text) = cal::replace_ranges(&source.text, &edits) else {
        let _ = writeln!(err, "error: nothing written: the weights overlap (a bug)");
        return 2;
    };
    if new_text == source.text {
        let _ = writeln!(
            out,
            "the weights are already the suggested ones: nothing to write"
        );
        return 0;
    }
    let path: PathBuf = source.path.clone();
    // The new weights through the checker first: errors write nothing;
    // warnings the old text did not have are shown (the tiers are not
    // moved, so one may become unreachable).
    let before = problems(session, &session.check().diagnostics);
    let after = match super::overlay::open_as(&path, &new_text, Some(session.as_of(file))) {
        Ok(ws) => {
            let checked = ws.check();
            let diags = ws.diagnostics(&checked.diagnostics, false);
            if has_errors(&diags) {
                let _ = writeln!(err, "error: nothing written: the new weights do not check:");
                super::print_errors(&ws, &diags, err);
                return 1;
            }
            let fresh: Vec<Diagnostic> = diags
                .into_iter()
                .filter(|d| !before.contains(&(d.code.to_string(), d.message.clone())))
                .collect();
            icp_lang::render::human(&ws.project.sources, &fresh, false)
        }
        Err(e) => {
            let _ = writeln!(err, "error: nothing written: {e}");
            return 2;
        }
    };
    if let Err(e) = super::fmt_cmd::write_atomically(&path, &new_text) {
        let _ = writeln!(err, "error: cannot write `{}`: {e}", path.display());
        return 2;
    }
    let _ = write!(
        out,
        "\n{}",
        super::fmt_cmd::diff(&source.name, &source.text, &new_text).replacen(
            "(formatted)",
            "(calibrated)",
            1
        )
    );
    if !after.is_empty() {
        let _ = writeln!(
            err,
            "note: with the new weights `icp check` also says (tiers are not moved; `icp validate` shows them):"
        );
        let _ = err.write_all(after.as_bytes());
    }
    0
}

/// Each diagnostic of the workspace as (code, message), to tell new ones.
fn problems(session: &Workspace, checked: &[Diagnostic]) -> Vec<(String, String)> {
    session
        .diagnostics(checked, false)
        .into_iter()
        .map(|d| (d.code.to_string(), d.message))
        .collect()
}
