//! A draft ICP from accounts with outcomes (`icp discover`): per field, the
//! values, set members and ranges over-represented among winners. Traits
//! nearly every winner has become filters; the strongest other traits
//! become signals, weighted by a joint logistic fit (as `icp calibrate`
//! weighs them), and tiers cut the score at its quantiles. Every rule gets
//! a `because` quoting its evidence. Pure: counts in, text out; memory is
//! bounded by [`MAX_VALUES`] values and [`MAX_NUMBERS`] numbers per field.

use crate::eval::Value;
use crate::infer::quote;
use crate::plan::{ColType, Plan};
use crate::stats;
use crate::values::format_number;
use std::collections::BTreeMap;

/// Distinct values (or set members) counted per field.
pub const MAX_VALUES: usize = 200;
/// Distinct numbers counted per field before they are rounded coarser.
pub const MAX_NUMBERS: usize = 4096;

/// (won, lost) counts.
pub type Counts = (u64, u64);

fn add(c: &mut Counts, won: bool) {
    if won {
        c.0 += 1;
    } else {
        c.1 += 1;
    }
}

/// How a field is written in a condition.
#[derive(Clone, Debug, PartialEq)]
pub enum Shape {
    /// An enum: its variants (written bare).
    Enum(Vec<String>),
    Text,
    Bool,
    /// A set of enum values (written bare) or of text (quoted).
    Set {
        enum_values: bool,
    },
    /// Numbers, with how a literal of the type is written.
    Number(NumberKind),
    Date,
    /// Durations: not used.
    Other,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum NumberKind {
    Int,
    Number,
    Money,
    Percent,
}

/// One schema field as the plan reads it.
#[derive(Clone, Debug)]
pub struct Field {
    pub name: String,
    pub column: usize,
    pub optional: bool,
    pub shape: Shape,
}

/// The fields of the plan's schema a draft may use (not the key).
pub fn fields(plan: &Plan, optional: impl Fn(&str) -> bool) -> Vec<Field> {
    plan.columns
        .iter()
        .enumerate()
        .filter(|(i, _)| plan.key != Some(*i))
        .map(|(i, c)| Field {
            name: c.field.clone(),
            column: i,
            optional: optional(&c.field),
            shape: match &c.ty {
                ColType::Enum(e) => Shape::Enum(
                    plan.enums
                        .get(*e)
                        .map(|t| t.variants.clone())
                        .unwrap_or_default(),
                ),
                ColType::Text => Shape::Text,
                ColType::Bool => Shape::Bool,
                ColType::Set(inner) => Shape::Set {
                    enum_values: matches!(**inner, ColType::Enum(_)),
                },
                ColType::Int => Shape::Number(NumberKind::Int),
                ColType::Number => Shape::Number(NumberKind::Number),
                ColType::Money => Shape::Number(NumberKind::Money),
                ColType::Percent => Shape::Number(NumberKind::Percent),
                ColType::Date => Shape::Date,
                ColType::Duration => Shape::Other,
            },
        })
        .collect()
}

/// What one field's values looked like among won and lost accounts.
#[derive(Clone, Debug, Default)]
pub struct FieldStats {
    pub missing: Counts,
    /// Values (or set members) as written in a condition, with counts.
    pub values: BTreeMap<String, Counts>,
    pub values_overflow: bool,
    /// Numbers (dates as their age in days) times 10^-`shift`, rounded.
    numbers: BTreeMap<i64, Counts>,
    shift: i32,
}

impl FieldStats {
    fn value(&mut self, v: String, won: bool) {
        if let Some(c) = self.values.get_mut(&v) {
            add(c, won);
        } else if self.values.len() < MAX_VALUES {
            add(self.values.entry(v).or_default(), won);
        } else {
            self.values_overflow = true;
        }
    }

    fn number(&mut self, x: f64, n: Counts) {
        // Thousandths, coarsened by tens until few enough: the final
        // rounding depends only on the values seen, not their order.
        let mut key = (x * 1000.0).round() as i64;
        for _ in 0..self.shift {
            key = tenth(key);
        }
        let e = self.numbers.entry(key).or_default();
        e.0 += n.0;
        e.1 += n.1;
        while self.numbers.len() > MAX_NUMBERS {
            self.shift += 1;
            let old = std::mem::take(&mut self.numbers);
            for (k, c) in old {
                let e = self.numbers.entry(tenth(k)).or_default();
                e.0 += c.0;
                e.1 += c.1;
            }
        }
    }

    /// The numbers as (value, counts), ascending.
    fn numbers(&self) -> Vec<(f64, Counts)> {
        let scale = 10f64.powi(self.shift) / 1000.0;
        self.numbers
            .iter()
            .map(|(k, c)| (*k as f64 * scale, *c))
            .collect()
    }
}

/// `k / 10` rounded half away from zero: every number takes the same chain
/// of roundings, whenever it arrived.
fn tenth(k: i64) -> i64 {
    (k as f64 / 10.0).round() as i64
}

/// The counts over all fields.
#[derive(Clone, Debug, Default)]
pub struct Stats {
    pub fields: Vec<FieldStats>,
    pub total: Counts,
}

impl Stats {
    pub fn new(fields: &[Field]) -> Stats {
        Stats {
            fields: vec![FieldStats::default(); fields.len()],
            total: (0, 0),
        }
    }

    /// One closed account: its decoded row (text kept) and whether it was won.
    pub fn observe(&mut self, fields: &[Field], plan: &Plan, row: &[Value], as_of: i64, won: bool) {
        add(&mut self.total, won);
        for (f, s) in fields.iter().zip(&mut self.fields) {
            let v = row.get(f.column).unwrap_or(&Value::Missing);
            let one = if won { (1, 0) } else { (0, 1) };
            match (v, &f.shape) {
                (Value::Missing, _) => add(&mut s.missing, won),
                (Value::Enum(e), Shape::Enum(variants)) => {
                    if let Some(name) = variants.get(usize::from(*e)) {
                        s.value(name.clone(), won);
                    }
                }
                (Value::Bool(b), _) => s.value(b.to_string(), won),
                (Value::Text { text, .. }, _) => s.value(text.clone(), won),
                (Value::Set(items), Shape::Set { .. }) => {
                    if items.is_empty() {
                        add(&mut s.missing, won);
                    }
                    let mut seen: Vec<String> = Vec::new();
                    for item in items {
                        let name = match item {
                            Value::Text { text, .. } => Some(text.clone()),
                            Value::Enum(e) => set_enum(plan, f.column, *e),
                            _ => None,
                        };
                        if let Some(n) = name.filter(|n| !seen.contains(n)) {
                            seen.push(n.clone());
                            s.value(n, won);
                        }
                    }
                }
                (Value::Num(x), Shape::Number(_)) => s.number(*x, one),
                (Value::Date(d), Shape::Date) if *d <= as_of => s.number((as_of - d) as f64, one),
                _ => add(&mut s.missing, won),
            }
        }
    }

    /// Adds another run's counts (the next chunk, in input order).
    pub fn merge(&mut self, other: Stats) {
        self.total.0 += other.total.0;
        self.total.1 += other.total.1;
        if self.fields.is_empty() {
            self.fields = other.fields;
            return;
        }
        for (mine, theirs) in self.fields.iter_mut().zip(other.fields) {
            mine.missing.0 += theirs.missing.0;
            mine.missing.1 += theirs.missing.1;
            let numbers = theirs.numbers();
            for (v, c) in theirs.values {
                if let Some(m) = mine.values.get_mut(&v) {
                    m.0 += c.0;
                    m.1 += c.1;
                } else if mine.values.len() < MAX_VALUES {
                    mine.values.insert(v, c);
                } else {
                    mine.values_overflow = true;
                }
            }
            mine.values_overflow |= theirs.values_overflow;
            for (x, c) in numbers {
                mine.number(x, c);
            }
        }
    }
}

/// The name of variant `e` of a set-of-enum column.
fn set_enum(plan: &Plan, column: usize, e: u16) -> Option<String> {
    let ColType::Set(inner) = &plan.columns.get(column)?.ty else {
        return None;
    };
    let ColType::Enum(t) = **inner else {
        return None;
    };
    plan.enums.get(t)?.variants.get(usize::from(e)).cloned()
}

// ------------------------------------------------------------------ candidates

/// A condition on one field and how it splits the closed accounts.
#[derive(Clone, Debug, PartialEq)]
pub struct Candidate {
    pub field: usize,
    /// The condition as written in the draft.
    pub condition: String,
    /// A short name for the rule.
    pub name: String,
    /// Accounts where it holds, and where it does not (or is unknown).
    pub holds: Counts,
    pub rest: Counts,
}

impl Candidate {
    pub fn win_rate(&self) -> f64 {
        rate(self.holds)
    }
    pub fn iv(&self) -> f64 {
        stats::information_value(&[self.holds, self.rest])
    }
    /// The win rate where it holds over the overall win rate.
    pub fn lift(&self) -> f64 {
        let all = (self.holds.0 + self.rest.0, self.holds.1 + self.rest.1);
        rate(self.holds) / rate(all).max(f64::MIN_POSITIVE)
    }
    fn support(&self) -> u64 {
        self.holds.0 + self.holds.1
    }
}

fn rate(c: Counts) -> f64 {
    let n = c.0 + c.1;
    if n == 0 {
        0.0
    } else {
        c.0 as f64 / n as f64
    }
}

fn minus(a: Counts, b: Counts) -> Counts {
    (a.0.saturating_sub(b.0), a.1.saturating_sub(b.1))
}

/// A value in a condition: an enum variant bare, text quoted.
fn literal(shape: &Shape, v: &str) -> String {
    match shape {
        Shape::Enum(_) | Shape::Set { enum_values: true } | Shape::Bool => v.to_string(),
        _ => quote(v),
    }
}

fn number_literal(kind: NumberKind, x: f64) -> String {
    let shown = match kind {
        NumberKind::Int => format!("{}", x.round() as i64),
        _ => {
            let s = format!("{:.4}", x);
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        }
    };
    match kind {
        NumberKind::Money if x < 0.0 => format!("-${}", format_number(-x)),
        NumberKind::Money => format!("${}", format_number(x)),
        NumberKind::Percent => format!("{shown}%"),
        _ => shown,
    }
}

/// A short rule name: `industry_manufacturing`, `employees_500_plus`.
fn rule_name(field: &str, what: &str) -> String {
    let words = crate::infer::snake(what);
    let words = if words.is_empty() {
        "value".into()
    } else {
        words
    };
    let mut name = format!("{field}_{words}");
    if name.len() > 40 {
        name.truncate(40);
        name = name.trim_end_matches('_').to_string();
    }
    name
}

/// Every candidate condition of field `i`.
pub fn candidates(fields: &[Field], stats: &Stats, i: usize) -> Vec<Candidate> {
    let (Some(f), Some(s)) = (fields.get(i), stats.fields.get(i)) else {
        return Vec::new();
    };
    let total = stats.total;
    let mut out = Vec::new();
    let mut push = |condition: String, name: String, holds: Counts| {
        out.push(Candidate {
            field: i,
            condition,
            name,
            holds,
            rest: minus(total, holds),
        });
    };
    match &f.shape {
        Shape::Enum(_) | Shape::Text | Shape::Bool if !s.values_overflow => {
            for (v, c) in &s.values {
                let cond = match f.shape {
                    Shape::Bool if v == "true" => f.name.clone(),
                    Shape::Bool => format!("not {}", f.name),
                    _ => format!("{} == {}", f.name, literal(&f.shape, v)),
                };
                push(cond, rule_name(&f.name, v), *c);
            }
            // The values that win more often than average, together.
            let base = rate(total);
            let better: Vec<(&String, &Counts)> =
                s.values.iter().filter(|(_, c)| rate(**c) > base).collect();
            if better.len() >= 2 && better.len() < s.values.len() {
                let held = better
                    .iter()
                    .fold((0, 0), |a, (_, c)| (a.0 + c.0, a.1 + c.1));
                let list: Vec<String> = better.iter().map(|(v, _)| literal(&f.shape, v)).collect();
                push(
                    format!("{} in [{}]", f.name, list.join(", ")),
                    format!("{}_fit", f.name),
                    held,
                );
            }
        }
        Shape::Set { .. } if !s.values_overflow => {
            for (v, c) in &s.values {
                push(
                    format!("{} has any [{}]", f.name, literal(&f.shape, v)),
                    rule_name(&f.name, v),
                    *c,
                );
            }
        }
        Shape::Number(kind) => {
            let numbers = s.numbers();
            for t in cut_points(&numbers) {
                let above = numbers
                    .iter()
                    .filter(|(x, _)| *x >= t)
                    .fold((0, 0), |a, (_, c)| (a.0 + c.0, a.1 + c.1));
                let known: Counts = numbers
                    .iter()
                    .fold((0, 0), |a, (_, c)| (a.0 + c.0, a.1 + c.1));
                let lit = number_literal(*kind, t);
                push(
                    format!("{} >= {lit}", f.name),
                    rule_name(&f.name, &format!("{lit} plus")),
                    above,
                );
                push(
                    format!("{} < {lit}", f.name),
                    rule_name(&f.name, &format!("under {lit}")),
                    minus(known, above),
                );
            }
            // Bands between two cut points: `employees in 500..2000`.
            let cuts = cut_points(&numbers);
            for (i, a) in cuts.iter().enumerate() {
                for b in cuts.iter().skip(i + 1) {
                    let inside = numbers
                        .iter()
                        .filter(|(x, _)| x >= a && x < b)
                        .fold((0, 0), |acc, (_, c)| (acc.0 + c.0, acc.1 + c.1));
                    let (la, lb) = (number_literal(*kind, *a), number_literal(*kind, *b));
                    push(
                        format!("{} in {la}..{lb}", f.name),
                        rule_name(&f.name, &format!("{la} to {lb}")),
                        inside,
                    );
                }
            }
        }
        Shape::Date => {
            let ages = s.numbers();
            for t in cut_points(&ages) {
                let days = t.ceil().max(1.0);
                let within = ages
                    .iter()
                    .filter(|(x, _)| *x <= days)
                    .fold((0, 0), |a, (_, c)| (a.0 + c.0, a.1 + c.1));
                push(
                    format!("{} within {}d", f.name, days as i64),
                    rule_name(&f.name, &format!("{}d", days as i64)),
                    within,
                );
            }
        }
        _ => {}
    }
    out
}

/// Up to nine cut points: the deciles of the values, distinct, above the
/// smallest value (a cut below every value splits nothing).
fn cut_points(values: &[(f64, Counts)]) -> Vec<f64> {
    let n: u64 = values.iter().map(|(_, c)| c.0 + c.1).sum();
    let mut out: Vec<f64> = Vec::new();
    if n == 0 {
        return out;
    }
    let smallest = values.first().map(|v| v.0);
    for q in 1..10u64 {
        let target = n * q / 10;
        let mut seen = 0;
        for (x, c) in values {
            seen += c.0 + c.1;
            if seen > target {
                if Some(*x) != smallest && !out.contains(x) {
                    out.push(*x);
                }
                break;
            }
        }
    }
    out
}

// ------------------------------------------------------------------ choosing

/// Thresholds for what the draft keeps.
#[derive(Clone, Copy, Debug)]
pub struct Thresholds {
    /// A filter keeps at least this share of the wins...
    pub filter_wins: f64,
    /// ...and removes at least this share of all closed accounts.
    pub filter_removes: f64,
    /// A signal holds for at least this share of closed accounts (and 10 accounts).
    pub min_support: f64,
    /// A signal's information value is at least this.
    pub min_iv: f64,
    pub max_signals: usize,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            filter_wins: 0.98,
            filter_removes: 0.05,
            min_support: 0.03,
            min_iv: 0.02,
            max_signals: 8,
        }
    }
}

/// The rules of a draft, before weights.
#[derive(Clone, Debug, Default)]
pub struct Choice {
    pub filters: Vec<Candidate>,
    pub signals: Vec<Candidate>,
}

/// Picks filters (conditions that keep nearly every win and remove a real
/// share of the accounts: the near-universal traits of winners) and then,
/// on the other fields, at most one signal per field: the condition with
/// the largest information value, strongest first.
pub fn choose(fields: &[Field], stats: &Stats, t: &Thresholds) -> Choice {
    let total = stats.total;
    let n = (total.0 + total.1) as f64;
    let mut choice = Choice::default();
    for (i, f) in fields.iter().enumerate() {
        // Filters on a field whose missing cells hold wins would need
        // `or x is missing`; keep it simple and honest: only where the
        // field is always known among closed accounts.
        let missing = stats.fields.get(i).map(|s| s.missing).unwrap_or_default();
        if missing.0 + missing.1 > 0 || matches!(f.shape, Shape::Date) {
            continue;
        }
        let best = candidates(fields, stats, i)
            .into_iter()
            .filter(|c| {
                total.0 > 0
                    && c.holds.0 as f64 >= t.filter_wins * total.0 as f64
                    && (c.rest.0 + c.rest.1) as f64 >= t.filter_removes * n
                    && rate(c.rest) < rate(total)
            })
            .max_by(|a, b| {
                (a.rest.0 + a.rest.1)
                    .cmp(&(b.rest.0 + b.rest.1))
                    .then(b.condition.cmp(&a.condition))
            });
        if let Some(c) = best {
            choice.filters.push(c);
        }
    }
    let mut picks: Vec<Candidate> = Vec::new();
    for (i, _) in fields.iter().enumerate() {
        // A field with a filter may still carry a signal, on another
        // condition (`visits >= 1` filters, `visits >= 7` scores).
        let filter = choice.filters.iter().find(|f| f.field == i);
        let best = candidates(fields, stats, i)
            .into_iter()
            .filter(|c| filter.is_none_or(|f| f.condition != c.condition && c.holds.0 < f.holds.0))
            .filter(|c| {
                let support = c.support() as f64;
                let rest = (c.rest.0 + c.rest.1) as f64;
                support >= (t.min_support * n).max(10.0)
                    && rest >= (t.min_support * n).max(10.0)
                    && c.iv() >= t.min_iv
                    // Read as "winners have it": lift above one.
                    && c.lift() > 1.0
            })
            .max_by(|a, b| {
                a.iv()
                    .total_cmp(&b.iv())
                    .then(b.condition.cmp(&a.condition))
            });
        if let Some(c) = best {
            picks.push(c);
        }
    }
    picks.sort_by(|a, b| {
        b.iv()
            .total_cmp(&a.iv())
            .then(a.condition.cmp(&b.condition))
    });
    picks.truncate(t.max_signals);
    choice.signals = picks;
    choice
}

/// `won 48% where it holds (212 of 441) against 31% overall: lift 1.55, IV 0.21`.
pub fn evidence(c: &Candidate, won_word: &str) -> String {
    let all = (c.holds.0 + c.rest.0, c.holds.1 + c.rest.1);
    format!(
        "{won_word} {:.0}% where it holds ({} of {}) against {:.0}% overall: lift {:.2}, IV {:.2}",
        rate(c.holds) * 100.0,
        c.holds.0,
        c.support(),
        rate(all) * 100.0,
        c.lift(),
        c.iv()
    )
}

/// `keeps 99% of wins (297 of 300) and removes 18% of accounts (win rate 3% among them)`.
pub fn filter_evidence(c: &Candidate, wins_word: &str) -> String {
    let all = (c.holds.0 + c.rest.0, c.holds.1 + c.rest.1);
    let n = all.0 + all.1;
    format!(
        "keeps {:.0}% of {wins_word} ({} of {}) and removes {:.0}% of accounts, whose win rate is {:.0}% against {:.0}% overall",
        c.holds.0 as f64 / all.0.max(1) as f64 * 100.0,
        c.holds.0,
        all.0,
        (c.rest.0 + c.rest.1) as f64 / n.max(1) as f64 * 100.0,
        rate(c.rest) * 100.0,
        rate(all) * 100.0
    )
}

/// Tier thresholds from scores and how many accounts have each: the
/// scores at which the top `shares` of accounts (cumulative, best first)
/// begin, distinct and above the lowest score.
pub fn tier_cuts(scores: &BTreeMap<i64, u64>, shares: &[f64]) -> Vec<(i64, f64)> {
    let n: u64 = scores.values().sum();
    let lowest = scores.keys().next().copied();
    let mut cuts: Vec<(i64, f64)> = Vec::new();
    for share in shares {
        let want = (share * n as f64).ceil() as u64;
        let mut seen = 0;
        for (s, c) in scores.iter().rev() {
            seen += c;
            if seen >= want {
                if Some(*s) != lowest && cuts.last().is_none_or(|l| *s < l.0) {
                    // The share of accounts at or above the cut.
                    cuts.push((*s, seen as f64 / n as f64));
                }
                break;
            }
        }
    }
    cuts
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn cuts_and_literals() {
        let v: Vec<(f64, Counts)> = (1..=10).map(|x| (x as f64, (1, 1))).collect();
        assert_eq!(
            cut_points(&v),
            vec![2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0]
        );
        assert_eq!(number_literal(NumberKind::Money, 1_500_000.0), "$1.5M");
        assert_eq!(number_literal(NumberKind::Percent, 12.5), "12.5%");
        assert_eq!(number_literal(NumberKind::Int, 500.0), "500");
        let mut scores = BTreeMap::new();
        for (s, c) in [(0, 50), (10, 30), (20, 15), (30, 5)] {
            scores.insert(s, c);
        }
        // Top 20%: 30 (5) + 20 (15) = 20 accounts; top 50%: + 10 (30).
        assert_eq!(tier_cuts(&scores, &[0.2, 0.5]), vec![(20, 0.2), (10, 0.5)]);
    }

    #[test]
    fn numbers_coarsen_in_any_order() {
        let mut a = FieldStats::default();
        let mut b = FieldStats::default();
        let xs: Vec<f64> = (0..10_000)
            .map(|i| (i * 7919 % 10_000) as f64 * 1.37)
            .collect();
        for x in &xs {
            a.number(*x, (1, 0));
        }
        for x in xs.iter().rev() {
            b.number(*x, (1, 0));
        }
        assert_eq!(a.numbers(), b.numbers());
        assert!(a.numbers.len() <= MAX_NUMBERS);
    }
}
