//! What would it take: the smallest sets of signal changes that move an
//! account into a tier (or a better one), and the filters and exclusions
//! that block it outright.
//!
//! The changes are counted in the ICP's own terms. A signal that is not
//! firing, or unknown, *fires* (at full weight: decayed signals as if their
//! date were the as-of date); a banded signal *moves to a band* that awards
//! more; a firing signal with a negative weight *stops firing* (its data
//! changes, e.g. a rival is no longer `rejected`); a firing decayed signal is
//! *refreshed* (its date moves to the as-of date). A signal with a negative
//! weight is never made to fire, nor a band to pay less.
//!
//! An option is minimal: no proper subset of its signals, with any of their
//! changes, reaches the tier. Options are found by size (one signal, then
//! two, ...), every smaller size searched in full first, so the sizes are
//! exact; at most [`MAX_OPTIONS`] are kept and the search is bounded by
//! [`BUDGET`] evaluations (`truncated` says when it stopped early).

use crate::eval::{add_up, gate_fails, tier_of, Outcome, Truth, Value};
use crate::explain::{columns_of, seen, show_value, signal_columns};
use crate::plan::{BandTest, Const, GateKind, Plan, Points, ScoreCond, ScoreVar};
use crate::testing::fmt_points;
use serde_json::{json, Value as Json};
use std::collections::BTreeSet;

/// Options kept per account.
pub const MAX_OPTIONS: usize = 5;
/// Most signals in one option.
pub const MAX_SIZE: usize = 6;
/// Most score evaluations per account.
pub const BUDGET: usize = 200_000;

/// One change to one signal.
#[derive(Clone, Debug, PartialEq)]
pub struct Change {
    pub signal: usize,
    pub kind: ChangeKind,
    /// The points the signal awards after the change.
    pub points: f64,
    /// `points` less the points it awards today.
    pub gain: f64,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ChangeKind {
    /// Not firing or unknown today; fires.
    Fire,
    /// A negative signal that fires today; stops firing.
    Unfire,
    /// A banded signal moves to `plan.signals[..].points` band `i`.
    Band(usize),
    /// A banded signal with negative points today falls outside every band.
    NoBand,
    /// A decayed signal that fires today, at its full weight.
    Refresh,
}

/// One way to reach the tier.
#[derive(Clone, Debug, PartialEq)]
pub struct Choice {
    pub changes: Vec<Change>,
    /// The score after the changes.
    pub score: f64,
}

impl Choice {
    /// Points gained by the changes (before group caps).
    pub fn gain(&self) -> f64 {
        self.changes.iter().map(|c| c.gain).sum()
    }
}

/// The answer for one account and one target tier.
#[derive(Clone, Debug, PartialEq)]
pub struct Reach {
    pub target: usize,
    /// Already in the target tier or a better one.
    pub reached: bool,
    /// Gates that fail today, in written order (each blocks on its own).
    pub blocked_by: Vec<usize>,
    pub options: Vec<Choice>,
    /// The search stopped at its bound before it was complete.
    pub truncated: bool,
    /// Proven out of reach by any signal change: tiers that only ask for
    /// more points and every change together does not suffice, or every
    /// set of changes was tried.
    pub unreachable: bool,
}

/// Whether `tier` is `target` or one written before it (a better tier).
fn reaches(tier: Option<usize>, target: usize) -> bool {
    tier.is_some_and(|t| t <= target)
}

/// The changes each signal can make, cheapest first.
fn alternatives(plan: &Plan, o: &Outcome) -> Vec<Vec<Change>> {
    let mut out = Vec::new();
    for (i, (s, r)) in plan.signals.iter().zip(&o.signals).enumerate() {
        let now = r.points;
        let mut alts = Vec::new();
        let mut push = |kind: ChangeKind, points: f64| {
            if points > now {
                alts.push(Change {
                    signal: i,
                    kind,
                    points,
                    gain: points - now,
                });
            }
        };
        match &s.points {
            Points::Weight { weight, .. } => match r.state {
                Truth::True if *weight < 0.0 => push(ChangeKind::Unfire, 0.0),
                Truth::True if r.decay.is_some_and(|d| d < 1.0) => {
                    push(ChangeKind::Refresh, *weight)
                }
                Truth::True => {}
                Truth::False | Truth::Unknown => push(ChangeKind::Fire, *weight),
            },
            Points::Bands { bands, .. } => {
                let mut seen_points = Vec::new();
                for (b, band) in bands.iter().enumerate() {
                    // One alternative per amount: the first band paying it.
                    if !seen_points.contains(&band.points) {
                        seen_points.push(band.points);
                        push(ChangeKind::Band(b), band.points);
                    }
                }
                if now < 0.0 {
                    push(ChangeKind::NoBand, 0.0);
                }
            }
        }
        alts.sort_by(|a, b| a.gain.total_cmp(&b.gain));
        if !alts.is_empty() {
            out.push(alts);
        }
    }
    out
}

/// Whether each tier up to `target` asks only for more points: then more
/// points never hurt, and the search can prove a tier out of reach.
fn monotone(plan: &Plan, target: usize) -> bool {
    fn up(c: &ScoreCond) -> bool {
        match c {
            ScoreCond::And(p) | ScoreCond::Or(p) => p.iter().all(up),
            ScoreCond::Cmp { op, .. } => {
                matches!(op, crate::ast::CmpOp::Ge | crate::ast::CmpOp::Gt)
            }
            ScoreCond::Not(_) | ScoreCond::CmpVars { .. } => false,
        }
    }
    plan.tiers
        .iter()
        .take(target + 1)
        .all(|t| t.cond.as_ref().is_none_or(up))
}

/// What it would take for the account (`row`, scored as `o`) to reach tier
/// `target` of `plan`.
pub fn reach(plan: &Plan, row: &[Value], o: &Outcome, target: usize) -> Reach {
    let mut r = Reach {
        target,
        reached: false,
        blocked_by: Vec::new(),
        options: Vec::new(),
        truncated: false,
        unreachable: false,
    };
    if o.removed_by.is_some() {
        let mut gates: Vec<usize> = (0..plan.gates.len())
            .filter(|&g| gate_fails(plan, row, g))
            .collect();
        gates.sort_by_key(|&g| plan.gates.get(g).map(|x| x.order));
        r.blocked_by = gates;
        return r;
    }
    if reaches(o.tier, target) {
        r.reached = true;
        return r;
    }
    let alts = alternatives(plan, o);
    let base: Vec<f64> = o.signals.iter().map(|s| s.points).collect();
    let mut points = base.clone();
    let mut groups = Vec::new();
    let mut score_with = |changes: &[&Change]| -> (Option<usize>, f64) {
        points.clone_from(&base);
        for c in changes {
            if let Some(p) = points.get_mut(c.signal) {
                *p = c.points;
            }
        }
        let score = add_up(plan, points.iter().copied(), &mut groups);
        (tier_of(plan, score, &groups), score)
    };
    if monotone(plan, target) {
        let best: Vec<&Change> = alts.iter().filter_map(|a| a.last()).collect();
        if !reaches(score_with(&best).0, target) {
            r.unreachable = true;
            return r;
        }
    }
    let mut found: Vec<(BTreeSet<usize>, Choice)> = Vec::new();
    let mut spent = 0usize;
    'sizes: for size in 1..=alts.len().min(MAX_SIZE) {
        let mut pick: Vec<usize> = (0..size).collect();
        loop {
            let signals: BTreeSet<usize> = pick
                .iter()
                .filter_map(|&k| alts.get(k).and_then(|a| a.first()).map(|c| c.signal))
                .collect();
            if !found.iter().any(|(f, _)| f.is_subset(&signals)) {
                // Each signal's alternatives, cheapest first, in odometer
                // order: the first assignment that reaches is kept.
                let mut which = vec![0usize; size];
                loop {
                    spent += 1;
                    if spent > BUDGET {
                        r.truncated = true;
                        break 'sizes;
                    }
                    let changes: Vec<&Change> = pick
                        .iter()
                        .zip(&which)
                        .filter_map(|(&k, &w)| alts.get(k).and_then(|a| a.get(w)))
                        .collect();
                    let (tier, score) = score_with(&changes);
                    if reaches(tier, target) {
                        let changes = changes.into_iter().cloned().collect();
                        found.push((signals, Choice { changes, score }));
                        break;
                    }
                    if !advance(&mut which, |j| {
                        pick.get(j).and_then(|&k| alts.get(k)).map_or(1, Vec::len)
                    }) {
                        break;
                    }
                }
            }
            if !next_combination(&mut pick, alts.len()) {
                break;
            }
        }
        if found.len() >= MAX_OPTIONS {
            // Stop after the size that filled the list: larger sets would
            // sort after these anyway.
            break;
        }
    }
    if found.is_empty() && !r.truncated {
        // Every size was searched: nothing reaches the tier. With more
        // candidates than the largest size tried, larger sets might.
        if alts.len() <= MAX_SIZE {
            r.unreachable = true;
        } else {
            r.truncated = true;
        }
    }
    let mut options: Vec<Choice> = found.into_iter().map(|(_, c)| c).collect();
    options.sort_by(|a, b| {
        a.changes
            .len()
            .cmp(&b.changes.len())
            .then(b.gain().total_cmp(&a.gain()))
            .then_with(|| {
                let names =
                    |c: &Choice| -> Vec<usize> { c.changes.iter().map(|x| x.signal).collect() };
                names(a).cmp(&names(b))
            })
    });
    options.truncate(MAX_OPTIONS);
    r.options = options;
    r
}

/// Whether one signal change moves a scored account into tier `target`
/// (or a better one): a near miss. Cheap next to [`reach`].
pub fn within_one(plan: &Plan, o: &Outcome, target: usize) -> bool {
    if o.removed_by.is_some() || reaches(o.tier, target) {
        return false;
    }
    let mut points: Vec<f64> = o.signals.iter().map(|s| s.points).collect();
    let mut groups = Vec::new();
    for c in alternatives(plan, o).iter().flatten() {
        let Some(before) = points.get(c.signal).copied() else {
            continue;
        };
        if let Some(p) = points.get_mut(c.signal) {
            *p = c.points;
        }
        let score = add_up(plan, points.iter().copied(), &mut groups);
        if let Some(p) = points.get_mut(c.signal) {
            *p = before;
        }
        if reaches(tier_of(plan, score, &groups), target) {
            return true;
        }
    }
    false
}

/// The next `k`-subset of `0..n` in lexicographic order.
fn next_combination(pick: &mut [usize], n: usize) -> bool {
    let k = pick.len();
    let mut i = k;
    while i > 0 {
        i -= 1;
        let limit = n - k + i;
        if pick.get(i).is_some_and(|&p| p < limit) {
            let start = pick.get(i).copied().unwrap_or(0) + 1;
            for (off, p) in pick.iter_mut().skip(i).enumerate() {
                *p = start + off;
            }
            return true;
        }
    }
    false
}

/// Counts `which` up like an odometer whose digit `j` runs to `len(j)`.
fn advance(which: &mut [usize], len: impl Fn(usize) -> usize) -> bool {
    for (j, w) in which.iter_mut().enumerate().rev() {
        *w += 1;
        if *w < len(j) {
            return true;
        }
        *w = 0;
    }
    false
}

/// The total score a tier rule asks for at least (`score >= 60` is 60),
/// when it asks for one.
pub fn threshold(c: &ScoreCond) -> Option<f64> {
    match c {
        ScoreCond::Cmp {
            var: ScoreVar::Total,
            op: crate::ast::CmpOp::Ge | crate::ast::CmpOp::Gt,
            value,
        } => Some(*value),
        ScoreCond::And(parts) => parts.iter().filter_map(threshold).reduce(f64::max),
        _ => None,
    }
}

/// A constant as a person reads it, in its column's terms.
fn show_const(plan: &Plan, column: usize, c: &Const) -> String {
    let v = match c {
        Const::Num(n) => Value::Num(*n),
        Const::Enum(e) => Value::Enum(*e),
        Const::Date(d) => Value::Date(*d),
        Const::Bool(b) => Value::Bool(*b),
        Const::Text(t) => return format!("{:?}", plan.texts.get(*t).cloned().unwrap_or_default()),
    };
    show_value(plan, column, &v)
}

/// A band's test as a condition: `employees >= 1000 and employees <= 2000`.
fn band_text(plan: &Plan, column: usize, test: &BandTest) -> String {
    let field = plan
        .columns
        .get(column)
        .map(|c| c.field.as_str())
        .unwrap_or("?");
    let is_date = matches!(
        plan.columns.get(column).map(|c| &c.ty),
        Some(crate::plan::ColType::Date)
    );
    let bound = |v: f64| {
        if is_date {
            crate::ast::Date::from_days(v as i64).to_string()
        } else {
            show_const(plan, column, &Const::Num(v))
        }
    };
    match test {
        BandTest::Value(c) => format!("{field} == {}", show_const(plan, column, c)),
        BandTest::Range { lo, hi } => {
            let mut parts = Vec::new();
            if let Some(l) = lo {
                let op = if l.inclusive { ">=" } else { ">" };
                parts.push(format!("{field} {op} {}", bound(l.value)));
            }
            if let Some(h) = hi {
                let op = if h.inclusive { "<=" } else { "<" };
                parts.push(format!("{field} {op} {}", bound(h.value)));
            }
            parts.join(" and ")
        }
    }
}

/// What a change needs of the data, as a condition.
pub fn condition(plan: &Plan, c: &Change) -> String {
    let Some(s) = plan.signals.get(c.signal) else {
        return String::new();
    };
    match (&c.kind, &s.points) {
        (ChangeKind::Fire, _) => s.text.clone(),
        (ChangeKind::Unfire, _) => format!("not ({})", s.text),
        (ChangeKind::Band(b), Points::Bands { column, bands }) => bands
            .get(*b)
            .map(|band| band_text(plan, *column, &band.test))
            .unwrap_or_default(),
        (ChangeKind::NoBand, Points::Bands { column, .. }) => format!(
            "{} outside every band of {}",
            plan.columns.get(*column).map_or("?", |c| c.field.as_str()),
            s.name
        ),
        (ChangeKind::Refresh, _) => {
            let field = s
                .decay
                .as_ref()
                .and_then(|d| plan.columns.get(d.column))
                .map_or("?", |c| c.field.as_str());
            format!("{} and {field} on {} (no decay)", s.text, plan.as_of)
        }
        _ => s.text.clone(),
    }
}

/// The data a change reads, as it is today: `2` for one column, else
/// `a = 1, b = missing`.
pub fn today(plan: &Plan, row: &[Value], c: &Change) -> String {
    let mut cols = signal_columns(plan, c.signal);
    if let Some(d) = plan.signals.get(c.signal).and_then(|s| s.decay.as_ref()) {
        cols.insert(d.column);
    }
    if cols.len() == 1 {
        if let Some(col) = cols.iter().next() {
            return row
                .get(*col)
                .map(|v| show_value(plan, *col, v))
                .unwrap_or_default();
        }
    }
    seen(plan, row, &cols)
}

/// What a blocking gate needs: its condition holds (a filter) or does not
/// (an exclusion).
pub fn gate_needs(plan: &Plan, gate: usize) -> String {
    match plan.gates.get(gate) {
        Some(g) if g.kind == GateKind::Filter => g.text.clone(),
        Some(g) => format!("not ({})", g.text),
        None => String::new(),
    }
}

fn gate_today(plan: &Plan, row: &[Value], gate: usize) -> String {
    let mut cols = BTreeSet::new();
    if let Some(g) = plan.gates.get(gate) {
        columns_of(plan, g.cond, &mut cols);
    }
    seen(plan, row, &cols)
}

/// The tier rule's score threshold, when it has one.
pub fn target_threshold(plan: &Plan, target: usize) -> Option<f64> {
    plan.tiers
        .get(target)
        .and_then(|t| t.cond.as_ref())
        .and_then(threshold)
}

/// The answer as JSON (the shape in docs/cli.md).
pub fn json(plan: &Plan, row: &[Value], o: &Outcome, id: &str, r: &Reach) -> Json {
    let round = crate::explain::round2;
    json!({
        "id": id,
        "tier": o.tier.and_then(|t| plan.tiers.get(t)).map(|t| &t.name),
        "target": plan.tiers.get(r.target).map(|t| &t.name),
        "target_rule": plan.tiers.get(r.target).map(|t| &t.text),
        "score": round(o.score),
        "threshold": target_threshold(plan, r.target),
        "reached": r.reached,
        "unreachable": r.unreachable,
        "truncated": r.truncated,
        "blocked_by": r.blocked_by.iter().filter_map(|&g| {
            let gate = plan.gates.get(g)?;
            Some(json!({
                "rule": gate.name,
                "kind": gate.kind.word(),
                "needs": gate_needs(plan, g),
                "today": gate_today(plan, row, g),
            }))
        }).collect::<Vec<_>>(),
        "options": r.options.iter().map(|c| json!({
            "points": round(c.gain()),
            "score": round(c.score),
            "signals": c.changes.iter().map(|ch| json!({
                "name": plan.signals.get(ch.signal).map(|s| &s.name),
                "change": kind_word(&ch.kind),
                "points": round(ch.gain),
                "condition": condition(plan, ch),
                "today": today(plan, row, ch),
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })
}

fn kind_word(k: &ChangeKind) -> &'static str {
    match k {
        ChangeKind::Fire => "fire",
        ChangeKind::Unfire => "stop",
        ChangeKind::Band(_) => "band",
        ChangeKind::NoBand => "no band",
        ChangeKind::Refresh => "refresh",
    }
}

/// The answer as text for people.
pub fn text(plan: &Plan, row: &[Value], o: &Outcome, id: &str, r: &Reach) -> String {
    let tier_name = |t: Option<usize>| {
        t.and_then(|t| plan.tiers.get(t))
            .map_or("no tier".to_string(), |t| format!("tier {}", t.name))
    };
    let target = plan.tiers.get(r.target);
    let target_name = target.map_or("?", |t| t.name.as_str());
    let rule = target.map_or(String::new(), |t| t.text.clone());
    let mut s = if o.removed_by.is_some() {
        format!("account {id} is removed by the filters; tier {target_name} needs {rule}\n")
    } else {
        format!(
            "account {id} is in {} with score {}; tier {target_name} needs {rule}\n",
            tier_name(o.tier),
            fmt_points(o.score)
        )
    };
    if !r.blocked_by.is_empty() {
        s.push_str("blocked: no signal can help until these hold:\n");
        for &g in &r.blocked_by {
            if let Some(gate) = plan.gates.get(g) {
                let today = gate_today(plan, row, g);
                let today = if today.is_empty() {
                    String::new()
                } else {
                    format!(" (today {today})")
                };
                s.push_str(&format!(
                    "  - {} {}: {}{today}\n",
                    gate.kind.word(),
                    gate.name,
                    gate_needs(plan, g)
                ));
            }
        }
        return s;
    }
    if r.reached {
        s.push_str(&format!(
            "already there: {} is tier {target_name} or a better one\n",
            tier_name(o.tier)
        ));
        return s;
    }
    if r.unreachable {
        s.push_str(&format!(
            "out of reach: even every signal change together does not make tier {target_name}\n"
        ));
        return s;
    }
    if r.options.is_empty() {
        s.push_str(&format!(
            "no set of at most {MAX_SIZE} signal changes was found (search bounded)\n"
        ));
        return s;
    }
    s.push_str("smallest sets of changes (each is enough on its own):\n");
    for (n, c) in r.options.iter().enumerate() {
        s.push_str(&format!(
            "  {}. +{} points, score {}:\n",
            n + 1,
            fmt_points(c.gain()),
            fmt_points(c.score)
        ));
        for ch in &c.changes {
            let name = plan.signals.get(ch.signal).map_or("?", |x| x.name.as_str());
            s.push_str(&format!(
                "     - {name}: {} (+{}; today {})\n",
                condition(plan, ch),
                fmt_points(ch.gain),
                today(plan, row, ch)
            ));
        }
    }
    if r.truncated {
        s.push_str("  (the search stopped at its bound; larger sets were not tried)\n");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ast::CmpOp;

    fn cmp(var: ScoreVar, op: CmpOp, value: f64) -> ScoreCond {
        ScoreCond::Cmp { var, op, value }
    }

    #[test]
    fn thresholds_of_tier_rules() {
        assert_eq!(
            threshold(&cmp(ScoreVar::Total, CmpOp::Ge, 60.0)),
            Some(60.0)
        );
        assert_eq!(
            threshold(&cmp(ScoreVar::Total, CmpOp::Gt, 35.0)),
            Some(35.0)
        );
        assert_eq!(threshold(&cmp(ScoreVar::Total, CmpOp::Lt, 35.0)), None);
        assert_eq!(threshold(&cmp(ScoreVar::Group(0), CmpOp::Ge, 35.0)), None);
        let both = ScoreCond::And(vec![
            cmp(ScoreVar::Total, CmpOp::Ge, 40.0),
            cmp(ScoreVar::Group(0), CmpOp::Ge, 10.0),
            cmp(ScoreVar::Total, CmpOp::Ge, 50.0),
        ]);
        assert_eq!(threshold(&both), Some(50.0));
    }

    #[test]
    fn combinations_in_order() {
        let mut pick = vec![0, 1];
        let mut seen = vec![pick.clone()];
        while next_combination(&mut pick, 4) {
            seen.push(pick.clone());
        }
        assert_eq!(
            seen,
            [[0, 1], [0, 2], [0, 3], [1, 2], [1, 3], [2, 3]].map(|p| p.to_vec())
        );
        let mut which = vec![0, 0];
        let mut n = 1;
        while advance(&mut which, |j| [2, 3][j]) {
            n += 1;
        }
        assert_eq!(n, 6);
    }
}
