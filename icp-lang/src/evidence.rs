//! Evidence: how an ICP's tiers, filters and signals did against won and
//! lost deals. Pure computation: [`Evidence`] counts accounts (mergeable,
//! so chunks are counted on worker threads and added up in input order)
//! and [`validate`] turns the counts into a [`Validation`]: per tier, per
//! remover, per signal, overall AUC and Brier score, warnings with stable
//! codes, and the points of the ROC and cumulative-gains curves. Memory is
//! bounded by the plan and the distinct scores, not the accounts. Every
//! definition is in docs/evidence.md; the statistics are `crate::stats`.

use crate::eval::{self, Truth};
use crate::outcomes::Outcome;
use crate::plan::{Plan, Points};
use crate::stats;
use serde::Serialize;
use std::collections::BTreeMap;

/// Won, lost and open accounts of one group.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Split {
    pub won: u64,
    pub lost: u64,
    pub open: u64,
}

impl Split {
    fn add(&mut self, o: Outcome) {
        match o {
            Outcome::Won => self.won += 1,
            Outcome::Lost => self.lost += 1,
            Outcome::Open => self.open += 1,
        }
    }

    fn merge(&mut self, o: Split) {
        self.won += o.won;
        self.lost += o.lost;
        self.open += o.open;
    }

    pub fn accounts(&self) -> u64 {
        self.won + self.lost + self.open
    }

    pub fn closed(&self) -> u64 {
        self.won + self.lost
    }

    /// Won over closed; `None` without a closed account.
    pub fn win_rate(&self) -> Option<f64> {
        (self.closed() > 0).then(|| self.won as f64 / self.closed() as f64)
    }

    fn wilson(&self) -> Option<(f64, f64)> {
        stats::wilson(self.won, self.closed(), stats::Z95)
    }
}

/// What a signal did for one account.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignalState {
    Fired,
    NotFired,
    /// The data to judge it was missing.
    Unknown,
}

impl SignalState {
    /// A weighted signal fires when its condition holds; a `points by`
    /// signal when its band awards points other than 0.
    pub fn of(plan: &Plan, signal: usize, r: &eval::SignalResult) -> SignalState {
        match (r.state, plan.signals.get(signal).map(|s| &s.points)) {
            (Truth::Unknown, _) => SignalState::Unknown,
            (_, Some(Points::Bands { .. })) if r.points != 0.0 => SignalState::Fired,
            (Truth::True, Some(Points::Weight { .. })) => SignalState::Fired,
            _ => SignalState::NotFired,
        }
    }

    fn index(self) -> usize {
        match self {
            SignalState::Fired => 0,
            SignalState::NotFired => 1,
            SignalState::Unknown => 2,
        }
    }
}

/// Scores are compared in hundredths, as `icp score` writes them: the
/// score histogram then has a bounded number of bins even with decay.
fn score_key(score: f64) -> i64 {
    (score * 100.0).round() as i64
}

/// The counts validation is computed from; one per chunk, merged.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Evidence {
    /// Per tier of the plan (retained accounts).
    pub tiers: Vec<Split>,
    /// Retained accounts no tier took.
    pub no_tier: Split,
    /// Per gate of the plan: the accounts it removed first.
    pub removed: Vec<Split>,
    /// Per signal, retained accounts: fired, not fired, unknown.
    pub signals: Vec<[Split; 3]>,
    /// Retained closed accounts per score (in hundredths): (won, lost).
    pub scores: BTreeMap<i64, (u64, u64)>,
}

fn grow<T: Default + Clone>(v: &mut Vec<T>, i: usize) -> Option<&mut T> {
    if v.len() <= i {
        v.resize(i + 1, T::default());
    }
    v.get_mut(i)
}

impl Evidence {
    /// Counts one scored account with its outcome.
    pub fn add(&mut self, plan: &Plan, scored: &eval::Outcome, outcome: Outcome) {
        if let Some(g) = scored.removed_by {
            if let Some(s) = grow(&mut self.removed, g) {
                s.add(outcome);
            }
            return;
        }
        match scored.tier.and_then(|t| grow(&mut self.tiers, t)) {
            Some(s) => s.add(outcome),
            None => self.no_tier.add(outcome),
        }
        for (i, r) in scored.signals.iter().enumerate() {
            let state = SignalState::of(plan, i, r);
            if let Some(s) = grow(&mut self.signals, i).and_then(|s| s.get_mut(state.index())) {
                s.add(outcome);
            }
        }
        if outcome != Outcome::Open {
            let e = self.scores.entry(score_key(scored.score)).or_default();
            if outcome == Outcome::Won {
                e.0 += 1;
            } else {
                e.1 += 1;
            }
        }
    }

    /// Adds the counts of a later chunk.
    pub fn merge(&mut self, o: Evidence) {
        for (i, s) in o.tiers.into_iter().enumerate() {
            if let Some(m) = grow(&mut self.tiers, i) {
                m.merge(s);
            }
        }
        self.no_tier.merge(o.no_tier);
        for (i, s) in o.removed.into_iter().enumerate() {
            if let Some(m) = grow(&mut self.removed, i) {
                m.merge(s);
            }
        }
        for (i, s) in o.signals.into_iter().enumerate() {
            if let Some(m) = grow(&mut self.signals, i) {
                for (a, b) in m.iter_mut().zip(s) {
                    a.merge(b);
                }
            }
        }
        for (k, (w, l)) in o.scores {
            let e = self.scores.entry(k).or_default();
            e.0 += w;
            e.1 += l;
        }
    }

    fn retained(&self) -> Split {
        let mut all = self.no_tier;
        for t in &self.tiers {
            all.merge(*t);
        }
        all
    }

    /// Every account counted.
    pub fn all(&self) -> Split {
        let mut all = self.retained();
        for r in &self.removed {
            all.merge(*r);
        }
        all
    }
}

/// Thresholds of the warnings (docs/evidence.md).
pub const MIN_CLOSED: u64 = 30;
pub const MIN_IV: f64 = 0.02;
pub const MAX_FIRE_RATE: f64 = 0.95;
pub const MIN_FIRE_RATE: f64 = 0.01;
pub const SEPARATION: f64 = 0.95;

/// A warning's code, name and what it means.
pub const WARNINGS: &[(&str, &str, &str)] = &[
    ("V0101", "tiers-out-of-order", "a lower tier converts better than a higher one, beyond both 95% intervals"),
    ("V0102", "weight-contradicts-evidence", "a signal's win rate when it fires is on the other side of its win rate when it does not from what its weight's sign says, beyond the 95% interval"),
    ("V0103", "signal-not-predictive", "a signal's information value is below 0.02 (with at least 30 closed accounts)"),
    ("V0104", "signal-fires-for-almost-all", "a signal fires for more than 95% of the retained accounts"),
    ("V0105", "signal-fires-for-almost-none", "a signal fires for fewer than 1% of the retained accounts"),
    ("V0106", "tier-too-few-closed", "a tier has fewer than 30 closed accounts: its win rate means little"),
    ("V0107", "signal-separates-perfectly", "a signal alone separates won from lost with an AUC of 0.95 or more: likely leakage"),
    ("V0108", "filter-removes-winners", "a filter or exclusion removes accounts that win at or above the retained win rate"),
];

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Warning {
    pub code: &'static str,
    pub name: &'static str,
    pub message: String,
}

fn warning(code: &'static str, message: String) -> Warning {
    let name = WARNINGS.iter().find(|w| w.0 == code).map_or("", |w| w.1);
    Warning {
        code,
        name,
        message,
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TierRow {
    /// The tier's name; `null` for retained accounts no tier took.
    pub tier: Option<String>,
    pub accounts: u64,
    pub won: u64,
    pub lost: u64,
    pub open: u64,
    pub win_rate: Option<f64>,
    pub win_rate_low: Option<f64>,
    pub win_rate_high: Option<f64>,
    pub lift: Option<f64>,
    pub share_of_wins: Option<f64>,
    pub cumulative_share_of_wins: Option<f64>,
    pub cumulative_share_of_accounts: Option<f64>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RemovedRow {
    pub rule: String,
    pub kind: &'static str,
    pub removed: u64,
    pub won: u64,
    pub lost: u64,
    pub open: u64,
    pub win_rate: Option<f64>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SignalRow {
    pub name: String,
    /// The weight; `null` for `points by` signals.
    pub weight: Option<f64>,
    pub fired: u64,
    pub not_fired: u64,
    pub unknown: u64,
    pub fire_rate: Option<f64>,
    pub unknown_rate: Option<f64>,
    pub win_rate_fired: Option<f64>,
    pub win_rate_not_fired: Option<f64>,
    pub lift: Option<f64>,
    pub woe: Option<f64>,
    pub iv: Option<f64>,
}

/// A point of a curve: ROC (false positive rate, true positive rate) or
/// cumulative gains (share of closed accounts, share of wins), from the
/// highest score down; both start at (0, 0) and end at (1, 1).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Point {
    pub x: f64,
    pub y: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Validation {
    pub icp: String,
    /// Accounts evaluated, and how many of them were won, lost and open.
    pub accounts: u64,
    pub won: u64,
    pub lost: u64,
    pub open: u64,
    /// Won over closed among every evaluated account (filtered out too).
    pub base_rate: Option<f64>,
    /// Won over closed among the accounts every filter kept.
    pub retained_win_rate: Option<f64>,
    /// AUC of the score among retained closed accounts (ties one half).
    pub auc: Option<f64>,
    /// AUC of the tier order (best tier highest, no tier lowest).
    pub auc_tiers: Option<f64>,
    /// Brier score of the per-tier win rates as predictions.
    pub brier: Option<f64>,
    pub tiers: Vec<TierRow>,
    pub removed: Vec<RemovedRow>,
    pub signals: Vec<SignalRow>,
    pub warnings: Vec<Warning>,
    #[serde(skip)]
    pub roc: Vec<Point>,
    #[serde(skip)]
    pub gains: Vec<Point>,
}

fn ratio(a: u64, b: u64) -> Option<f64> {
    (b > 0).then(|| a as f64 / b as f64)
}

fn pct(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

/// The validation of `plan` from its counts.
pub fn validate(plan: &Plan, ev: &Evidence) -> Validation {
    let all = ev.all();
    let retained = ev.retained();
    let base_rate = all.win_rate();
    let retained_rate = retained.win_rate();
    let mut warnings = Vec::new();

    // Tiers, best first as written, then the accounts no tier took.
    let mut groups: Vec<(Option<String>, Split)> = plan
        .tiers
        .iter()
        .enumerate()
        .map(|(i, t)| {
            (
                Some(t.name.clone()),
                ev.tiers.get(i).copied().unwrap_or_default(),
            )
        })
        .collect();
    if ev.no_tier.accounts() > 0 {
        groups.push((None, ev.no_tier));
    }
    let (mut cum_won, mut cum_accounts) = (0, 0);
    let tiers: Vec<TierRow> = groups
        .iter()
        .map(|(name, s)| {
            cum_won += s.won;
            cum_accounts += s.accounts();
            let interval = s.wilson();
            TierRow {
                tier: name.clone(),
                accounts: s.accounts(),
                won: s.won,
                lost: s.lost,
                open: s.open,
                win_rate: s.win_rate(),
                win_rate_low: interval.map(|i| i.0),
                win_rate_high: interval.map(|i| i.1),
                lift: s
                    .win_rate()
                    .zip(base_rate)
                    .and_then(|(r, b)| (b > 0.0).then(|| r / b)),
                share_of_wins: ratio(s.won, all.won),
                cumulative_share_of_wins: ratio(cum_won, all.won),
                cumulative_share_of_accounts: ratio(cum_accounts, all.accounts()),
            }
        })
        .collect();
    for (i, (name, s)) in groups.iter().enumerate() {
        let Some(name) = name else { continue };
        if s.closed() < MIN_CLOSED {
            warnings.push(warning(
                "V0106",
                format!(
                    "tier {name} has {} closed {} (fewer than {MIN_CLOSED}): its win rate means little",
                    s.closed(),
                    if s.closed() == 1 { "account" } else { "accounts" }
                ),
            ));
        }
        for (lower, t) in groups.iter().skip(i + 1) {
            let (Some(lower), Some((_, high)), Some((low, _))) = (lower, s.wilson(), t.wilson())
            else {
                continue;
            };
            if low > high {
                warnings.push(warning(
                    "V0101",
                    format!(
                        "tier {lower} converts better than tier {name}: {} (95% {}-{}) against {} (95% {}-{})",
                        pct(t.win_rate().unwrap_or(0.0)),
                        pct(low),
                        pct(t.wilson().map_or(0.0, |w| w.1)),
                        pct(s.win_rate().unwrap_or(0.0)),
                        pct(s.wilson().map_or(0.0, |w| w.0)),
                        pct(high)
                    ),
                ));
            }
        }
    }

    // Removers, in written order.
    let mut order: Vec<usize> = (0..plan.gates.len()).collect();
    order.sort_by_key(|&g| plan.gates.get(g).map(|x| x.order));
    let removed: Vec<RemovedRow> = order
        .iter()
        .filter_map(|&g| {
            let gate = plan.gates.get(g)?;
            let s = ev.removed.get(g).copied().unwrap_or_default();
            Some(RemovedRow {
                rule: gate.name.clone(),
                kind: gate.kind.word(),
                removed: s.accounts(),
                won: s.won,
                lost: s.lost,
                open: s.open,
                win_rate: s.win_rate(),
            })
        })
        .collect();
    for r in &removed {
        if let (Some(rate), Some(kept)) = (r.win_rate, retained_rate) {
            if r.won > 0 && rate >= kept {
                warnings.push(warning(
                    "V0108",
                    format!(
                        "{} `{}` removes {} won of {} closed accounts ({}), at or above the retained win rate ({})",
                        r.kind,
                        r.rule,
                        r.won,
                        r.won + r.lost,
                        pct(rate),
                        pct(kept)
                    ),
                ));
            }
        }
    }

    // Signals.
    let signals: Vec<SignalRow> = plan
        .signals
        .iter()
        .enumerate()
        .map(|(i, sig)| {
            let [fired, not, unknown] = ev.signals.get(i).copied().unwrap_or_default();
            let weight = match sig.points {
                Points::Weight { weight, .. } => Some(weight),
                Points::Bands { .. } => None,
            };
            let accounts = fired.accounts() + not.accounts() + unknown.accounts();
            // Unknown is a bin of its own when there is any.
            let mut bins = vec![(fired.won, fired.lost), (not.won, not.lost)];
            if unknown.accounts() > 0 {
                bins.push((unknown.won, unknown.lost));
            }
            let (total_won, total_lost) = bins.iter().fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
            let judged = total_won > 0 && total_lost > 0;
            let row = SignalRow {
                name: sig.name.clone(),
                weight,
                fired: fired.accounts(),
                not_fired: not.accounts(),
                unknown: unknown.accounts(),
                fire_rate: ratio(fired.accounts(), accounts),
                unknown_rate: ratio(unknown.accounts(), accounts),
                win_rate_fired: fired.win_rate(),
                win_rate_not_fired: not.win_rate(),
                lift: fired
                    .win_rate()
                    .zip(retained_rate)
                    .and_then(|(r, b)| (b > 0.0).then(|| r / b)),
                woe: judged
                    .then(|| stats::woe(fired.won, fired.lost, total_won, total_lost, bins.len())),
                iv: judged.then(|| stats::information_value(&bins)),
            };
            signal_warnings(&row, [fired, not, unknown], &mut warnings);
            row
        })
        .collect();

    // Overall: the score's AUC from its histogram, the tiers' from the tier
    // order, the Brier score of each tier's win rate as its prediction.
    let by_score: Vec<(f64, u64, u64)> = ev
        .scores
        .iter()
        .map(|(k, (w, l))| (*k as f64 / 100.0, *w, *l))
        .collect();
    let ranked: Vec<(f64, u64, u64)> = groups
        .iter()
        .enumerate()
        .map(|(i, (_, s))| (-(i as f64), s.won, s.lost))
        .collect();
    let predicted: Vec<(f64, u64, u64)> = groups
        .iter()
        .filter_map(|(_, s)| Some((s.win_rate()?, s.won, s.lost)))
        .collect();
    let (roc, gains) = curves(&by_score);
    Validation {
        icp: plan.icp.clone(),
        accounts: all.accounts(),
        won: all.won,
        lost: all.lost,
        open: all.open,
        base_rate,
        retained_win_rate: retained_rate,
        auc: stats::auc_grouped(&by_score),
        auc_tiers: stats::auc_grouped(&ranked),
        brier: stats::brier_grouped(&predicted),
        tiers,
        removed,
        signals,
        warnings,
        roc,
        gains,
    }
}

fn signal_warnings(row: &SignalRow, bins: [Split; 3], warnings: &mut Vec<Warning>) {
    let [fired, not, _] = bins;
    let name = &row.name;
    if let (Some(w), Some(rate_not)) = (row.weight, not.win_rate()) {
        if let Some((low, high)) = fired.wilson() {
            let against = (w > 0.0 && high < rate_not) || (w < 0.0 && low > rate_not);
            if against {
                warnings.push(warning(
                    "V0102",
                    format!(
                        "signal `{name}` has weight {w} but wins {} when it fires (95% {}-{}) and {} when it does not",
                        pct(fired.win_rate().unwrap_or(0.0)),
                        pct(low),
                        pct(high),
                        pct(rate_not)
                    ),
                ));
            }
        }
    }
    let closed: u64 = bins.iter().map(Split::closed).sum();
    if let Some(iv) = row.iv {
        if closed >= MIN_CLOSED && iv < MIN_IV {
            warnings.push(warning(
                "V0103",
                format!("signal `{name}` has an information value of {iv:.4} (below {MIN_IV}): it barely tells won from lost"),
            ));
        }
    }
    if let Some(rate) = row.fire_rate {
        if rate > MAX_FIRE_RATE {
            warnings.push(warning(
                "V0104",
                format!(
                    "signal `{name}` fires for {} of the retained accounts (more than 95%)",
                    pct(rate)
                ),
            ));
        } else if rate < MIN_FIRE_RATE {
            warnings.push(warning(
                "V0105",
                format!(
                    "signal `{name}` fires for {} of the retained accounts (fewer than 1%)",
                    pct(rate)
                ),
            ));
        }
    }
    // The signal alone as a classifier: fired against not fired or unknown.
    let won = bins.iter().map(|b| b.won).sum::<u64>();
    let lost = bins.iter().map(|b| b.lost).sum::<u64>();
    if let Some(auc) = stats::auc_grouped(&[
        (1.0, fired.won, fired.lost),
        (0.0, won - fired.won, lost - fired.lost),
    ]) {
        let separation = auc.max(1.0 - auc);
        if separation >= SEPARATION && fired.closed() >= 5 && won >= 5 && lost >= 5 {
            warnings.push(warning(
                "V0107",
                format!(
                    "signal `{name}` alone separates won from lost (AUC {separation:.3}): is it read from the outcome (leakage)?"
                ),
            ));
        }
    }
}

/// ROC and cumulative-gains points from the highest score down.
fn curves(by_score: &[(f64, u64, u64)]) -> (Vec<Point>, Vec<Point>) {
    let (won, lost) = by_score.iter().fold((0, 0), |a, g| (a.0 + g.1, a.1 + g.2));
    let closed = won + lost;
    if won == 0 || lost == 0 {
        return (Vec::new(), Vec::new());
    }
    let mut roc = vec![Point { x: 0.0, y: 0.0 }];
    let mut gains = vec![Point { x: 0.0, y: 0.0 }];
    let (mut w, mut l) = (0, 0);
    for (_, gw, gl) in by_score.iter().rev() {
        w += gw;
        l += gl;
        roc.push(Point {
            x: l as f64 / lost as f64,
            y: w as f64 / won as f64,
        });
        gains.push(Point {
            x: (w + l) as f64 / closed as f64,
            y: w as f64 / won as f64,
        });
    }
    (roc, gains)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn splits_merge_like_one_count() {
        let split = |won, lost, open| Split { won, lost, open };
        let mut a = Evidence {
            tiers: vec![split(1, 2, 0)],
            scores: [(500, (1, 2))].into_iter().collect(),
            ..Evidence::default()
        };
        let b = Evidence {
            tiers: vec![split(3, 0, 1), split(0, 1, 0)],
            scores: [(500, (3, 0))].into_iter().collect(),
            ..Evidence::default()
        };
        a.merge(b);
        assert_eq!(
            a.tiers[0],
            Split {
                won: 4,
                lost: 2,
                open: 1
            }
        );
        assert_eq!(a.tiers[1].lost, 1);
        assert_eq!(a.scores[&500], (4, 2));
        assert_eq!(a.all().accounts(), 8);
    }

    #[test]
    fn curves_run_from_zero_to_one() {
        // Scores 2 (2 won), 1 (1 won, 1 lost), 0 (1 lost).
        let (roc, gains) = curves(&[(0.0, 0, 1), (1.0, 1, 1), (2.0, 2, 0)]);
        let xy = |p: &[Point]| p.iter().map(|p| (p.x, p.y)).collect::<Vec<_>>();
        assert_eq!(
            xy(&roc),
            [(0.0, 0.0), (0.0, 2.0 / 3.0), (0.5, 1.0), (1.0, 1.0)]
        );
        assert_eq!(
            xy(&gains),
            [(0.0, 0.0), (0.4, 2.0 / 3.0), (0.8, 1.0), (1.0, 1.0)]
        );
    }
}
