//! Suggested weights for an ICP's signals from won and lost deals
//! (`icp calibrate`): an L2-regularised logistic regression of won/lost on
//! each signal's state (fired and unknown as separate indicators, not
//! fired the baseline) over the accounts that passed the filters, its
//! coefficients turned into points with points-to-double-the-odds scaling
//! (`stats::points`). Accounts arrive grouped by their pattern of signal
//! states, so memory is bounded by the patterns, not the accounts. Pure:
//! the command reads the accounts and writes the file.

use crate::ast::{Item, Member, RuleBody};
use crate::eval::Truth;
use crate::plan::{Plan, Points};
use crate::project::Project;
use crate::span::{FileId, Span};
use crate::stats;
use std::collections::BTreeMap;

/// The default scale: 20 points double the odds of a win (the usual
/// scorecard convention).
pub const POINTS_TO_DOUBLE_ODDS: f64 = 20.0;
/// The default L2 penalty on the sum of log-likelihoods: scikit-learn's
/// default `C = 1`.
pub const LAMBDA: f64 = 1.0;

/// A signal state as one byte of a pattern.
pub fn state_byte(t: Truth) -> u8 {
    match t {
        Truth::False => 0,
        Truth::True => 1,
        Truth::Unknown => 2,
    }
}

/// Why a signal's weight is not fitted, or `None` when it is: banded
/// points have no one weight.
pub fn not_calibrated(plan: &Plan, signal: usize) -> Option<String> {
    let s = plan.signals.get(signal)?;
    match s.points {
        Points::Bands { .. } => Some("banded points (one weight per band): not calibrated".into()),
        Points::Weight { .. } => None,
    }
}

/// Notes on a calibrated signal whose points are more than its weight.
fn note(plan: &Plan, signal: usize) -> String {
    let Some(s) = plan.signals.get(signal) else {
        return String::new();
    };
    let mut notes = Vec::new();
    if s.decay.is_some() {
        notes.push("fitted on whether it fired; its decay still applies".to_string());
    }
    if let Some(g) = s.group.and_then(|g| plan.groups.get(g)) {
        if let Some(cap) = g.cap {
            notes.push(format!(
                "group `{}` is capped at {}: the cap still applies",
                g.name,
                crate::values::format_number(cap)
            ));
        }
    }
    notes.join("; ")
}

/// Grouped accounts: per pattern of signal states (one byte per signal of
/// the plan, [`state_byte`]), the won and lost accounts.
pub type Patterns = BTreeMap<Vec<u8>, (u64, u64)>;

/// One signal's result.
#[derive(Clone, Debug, PartialEq)]
pub struct SignalFit {
    pub name: String,
    /// The weight as written (`None` for banded points).
    pub weight: Option<f64>,
    /// The suggested weight, rounded to whole points (`None`: not calibrated).
    pub suggested: Option<f64>,
    pub coefficient: Option<f64>,
    pub std_error: Option<f64>,
    /// The log odds of a win when the signal is unknown, against not fired.
    pub unknown_coefficient: Option<f64>,
    pub unknown_std_error: Option<f64>,
    /// Accounts (fitted) where it fired, and where it was unknown.
    pub fired: u64,
    pub unknown: u64,
    /// Why it is not calibrated, or what still applies.
    pub note: String,
}

/// The fit.
#[derive(Clone, Debug, PartialEq)]
pub struct Fit {
    pub intercept: f64,
    pub intercept_std_error: f64,
    pub signals: Vec<SignalFit>,
    pub won: u64,
    pub lost: u64,
    pub iterations: usize,
}

/// Fits the signals of `plan` to the accounts in `patterns`. An error says
/// why nothing can be fitted (no wins, no losses, no signal to fit).
pub fn fit(plan: &Plan, patterns: &Patterns, lambda: f64, pdo: f64) -> Result<Fit, String> {
    let won: u64 = patterns.values().map(|c| c.0).sum();
    let lost: u64 = patterns.values().map(|c| c.1).sum();
    if won == 0 || lost == 0 {
        return Err(format!(
            "the {} closed accounts that passed the filters are all {}: a fit needs both won and lost accounts",
            won + lost,
            if won == 0 { "lost" } else { "won" }
        ));
    }
    let count = |signal: usize, state: u8| -> u64 {
        patterns
            .iter()
            .filter(|(p, _)| p.get(signal) == Some(&state))
            .map(|(_, c)| c.0 + c.1)
            .sum()
    };
    let n = won + lost;
    // The design: a fired column for each calibrated signal that both fires
    // and does not, an unknown column where it is ever unknown.
    let mut columns: Vec<(usize, u8)> = Vec::new();
    let mut signals = Vec::new();
    for (i, s) in plan.signals.iter().enumerate() {
        let (fired, unknown) = (count(i, 1), count(i, 2));
        let weight = match s.points {
            Points::Weight { weight, .. } => Some(weight),
            Points::Bands { .. } => None,
        };
        let mut why = not_calibrated(plan, i);
        if why.is_none() && fired == 0 {
            why = Some("never fired for a closed account: not calibrated".into());
        } else if why.is_none() && fired + unknown == n {
            why = Some("fired (or was unknown) for every closed account: not calibrated".into());
        }
        if why.is_none() {
            columns.push((i, 1));
            if unknown > 0 {
                columns.push((i, 2));
            }
        }
        signals.push(SignalFit {
            name: s.name.clone(),
            weight,
            suggested: None,
            coefficient: None,
            std_error: None,
            unknown_coefficient: None,
            unknown_std_error: None,
            fired,
            unknown,
            note: why.unwrap_or_else(|| note(plan, i)),
        });
    }
    if columns.is_empty() {
        return Err("no signal can be calibrated (see each signal's note)".into());
    }
    let rows: Vec<(Vec<f64>, u64, u64)> = patterns
        .iter()
        .map(|(p, c)| {
            let x = columns
                .iter()
                .map(|(s, state)| f64::from(u8::from(p.get(*s) == Some(state))))
                .collect();
            (x, c.0, c.1)
        })
        .collect();
    let model = stats::logistic(&rows, lambda)
        .ok_or("the regression has no unique solution (try a larger --lambda)")?;
    let coef = |j: usize| model.coefficients.get(j).copied();
    let se = |j: usize| model.std_errors.get(j).copied();
    for (j, (s, state)) in columns.iter().enumerate() {
        let Some(fit) = signals.get_mut(*s) else {
            continue;
        };
        if *state == 1 {
            fit.coefficient = coef(j + 1);
            fit.std_error = se(j + 1);
            fit.suggested = fit.coefficient.map(|b| stats::points(b, pdo).round() + 0.0);
        } else {
            fit.unknown_coefficient = coef(j + 1);
            fit.unknown_std_error = se(j + 1);
        }
    }
    Ok(Fit {
        intercept: coef(0).unwrap_or(0.0),
        intercept_std_error: se(0).unwrap_or(0.0),
        signals,
        won,
        lost,
        iterations: model.iterations,
    })
}

/// `plan` with the suggested weights: what the holdout is scored with.
pub fn suggested_plan(plan: &Plan, fit: &Fit) -> Plan {
    let mut p = plan.clone();
    for (s, f) in p.signals.iter_mut().zip(&fit.signals) {
        if let (Points::Weight { weight, .. }, Some(new)) = (&mut s.points, f.suggested) {
            *weight = new;
            s.max_abs = new.abs();
        }
    }
    p
}

/// The weight literals of `icp`'s own signals in `file` (not inherited
/// ones, which belong to the parent), by signal name: where `--write` edits.
pub fn weight_spans(project: &Project, file: FileId, icp: &str) -> BTreeMap<String, Span> {
    let mut out = BTreeMap::new();
    if let Some(file) = project.file(file) {
        for item in &file.ast.items {
            let Item::Icp(decl) = item else { continue };
            if decl.name.name != icp {
                continue;
            }
            let mut rules = Vec::new();
            for m in &decl.members {
                match m {
                    Member::Rule(r) => rules.push(r),
                    Member::Group(g) => rules.extend(g.rules.iter()),
                    _ => {}
                }
            }
            for r in rules {
                if let RuleBody::Condition {
                    weight: Some(w), ..
                } = &r.body
                {
                    out.insert(r.name.name.clone(), w.span);
                }
            }
        }
    }
    out
}

/// `src` with each `(start, end, text)` byte range replaced; ranges must
/// not overlap. Only those bytes change: comments and layout stay.
pub fn replace_ranges(src: &str, edits: &[(usize, usize, String)]) -> Option<String> {
    let mut sorted: Vec<&(usize, usize, String)> = edits.iter().collect();
    sorted.sort_by_key(|e| e.0);
    let mut out = String::with_capacity(src.len());
    let mut at = 0;
    for (start, end, text) in sorted {
        if *start < at || end < start {
            return None;
        }
        out.push_str(src.get(at..*start)?);
        out.push_str(text);
        at = *end;
    }
    out.push_str(src.get(at..)?);
    Some(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn ranges_are_replaced_in_place() {
        let src = "signal a: x weight 10 // keep\nsignal b: y weight -5\n";
        let a = src.find("10").unwrap();
        let b = src.find("-5").unwrap();
        let out = replace_ranges(src, &[(b, b + 2, "-8".into()), (a, a + 2, "31".into())]).unwrap();
        assert_eq!(
            out,
            "signal a: x weight 31 // keep\nsignal b: y weight -8\n"
        );
        assert_eq!(
            replace_ranges(src, &[(3, 5, "".into()), (4, 6, "".into())]),
            None
        );
    }
}
