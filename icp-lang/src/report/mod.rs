//! `icp report`: what scoring a set of accounts came to, as one
//! self-contained HTML page for the people who sign an ICP off.
//!
//! [`Collector`] rides along the scoring loop (`accounts::Counter`) and
//! counts what the funnel's [`Tally`] does not: per signal fired and
//! unknown, the score histogram, the data gaps, persona coverage per tier,
//! and the first near-miss accounts. Chunks are merged in input order, so
//! the page is the same for any thread count. [`html::page`] draws it.

pub mod html;
pub mod outcomes;
pub mod svg;

use crate::accounts::{count, Scored, Tally};
use crate::contacts;
use crate::eval::add_up;
use crate::eval::{Outcome, Truth, Value};
pub use crate::explain::best_points;
use crate::explain::{max_score, signal_columns};
use crate::plan::{Plan, Points};
use std::collections::HashMap;

/// Text made safe for HTML element content and quoted attributes.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters other than white space have no business
            // in a page (and some are invalid in XML, hence in SVG).
            c if c.is_control() && !matches!(c, '\n' | '\t') => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// Equal-width bins over every score the ICP can give.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bins {
    pub start: f64,
    pub width: f64,
    pub count: usize,
}

/// At most this many bins.
const MAX_BINS: usize = 24;

impl Bins {
    /// Bins of a round width (1, 2 or 5 times a power of ten)
    /// covering the plan's lowest to highest possible score.
    pub fn for_plan(plan: &Plan) -> Bins {
        let (lo, hi) = score_range(plan);
        let span = (hi - lo).max(1.0);
        let mut width = 1.0;
        // Points are whole numbers but for decay: bins are at least 1 wide.
        'search: for power in 0..12 {
            for step in [1.0, 2.0, 5.0] {
                width = step * 10f64.powi(power);
                if span / width <= MAX_BINS as f64 {
                    break 'search;
                }
            }
        }
        let start = (lo / width).floor() * width;
        let count = (((hi - start) / width).floor() as usize + 1).clamp(1, MAX_BINS + 1);
        Bins {
            start,
            width,
            count,
        }
    }

    /// The bin of a score (scores outside the range go to the end bins).
    pub fn index(&self, score: f64) -> usize {
        let i = ((score - self.start) / self.width).floor();
        if i.is_nan() || i < 0.0 {
            0
        } else {
            (i as usize).min(self.count - 1)
        }
    }
}

/// The lowest and highest score the plan can give (groups capped).
pub fn score_range(plan: &Plan) -> (f64, f64) {
    let worst = plan.signals.iter().map(|s| match &s.points {
        Points::Weight { weight, .. } => weight.min(0.0),
        Points::Bands { bands, .. } => bands.iter().map(|b| b.points).fold(0.0, f64::min),
    });
    (add_up(plan, worst, &mut Vec::new()), max_score(plan))
}

/// Per signal, over the accounts that passed the filters.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SignalFacts {
    pub fired: u64,
    pub unknown: u64,
    /// Points awarded, summed (after decay).
    pub points: f64,
}

/// Per column: accounts whose missing value left a signal unknown, and the
/// points those signals could have awarded.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct GapFacts {
    pub accounts: u64,
    pub points: f64,
}

/// Per tier: accounts, and those whose contacts fill a decision maker, a
/// champion, and the whole buying committee.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct PersonaFacts {
    pub accounts: u64,
    pub decision_maker: u64,
    pub champion: u64,
    pub committee: u64,
}

/// An account one signal change away from a better tier.
#[derive(Clone, Debug, PartialEq)]
pub struct NearMiss {
    pub id: String,
    /// The schema's `display` field, when it has one and the cell is filled.
    pub name: Option<String>,
    pub row: Vec<Value>,
    /// The tier it could reach.
    pub target: usize,
}

/// What the report counts beyond the funnel.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Facts {
    /// Accounts that passed the filters.
    pub scored: u64,
    pub signals: Vec<SignalFacts>,
    pub bins: Vec<u64>,
    /// Per plan column.
    pub gaps: Vec<GapFacts>,
    /// Per tier index, then one for accounts with no tier.
    pub personas: Vec<PersonaFacts>,
    pub near: Vec<NearMiss>,
}

impl Facts {
    /// Adds a later chunk's facts (near misses keep input order).
    pub fn merge(&mut self, other: Facts, near_limit: usize) {
        self.scored += other.scored;
        grow(&mut self.signals, other.signals.len());
        for (a, b) in self.signals.iter_mut().zip(other.signals) {
            a.fired += b.fired;
            a.unknown += b.unknown;
            a.points += b.points;
        }
        for (i, n) in other.bins.into_iter().enumerate() {
            count(&mut self.bins, i, n);
        }
        grow(&mut self.gaps, other.gaps.len());
        for (a, b) in self.gaps.iter_mut().zip(other.gaps) {
            a.accounts += b.accounts;
            a.points += b.points;
        }
        grow(&mut self.personas, other.personas.len());
        for (a, b) in self.personas.iter_mut().zip(other.personas) {
            a.accounts += b.accounts;
            a.decision_maker += b.decision_maker;
            a.champion += b.champion;
            a.committee += b.committee;
        }
        let room = near_limit.saturating_sub(self.near.len());
        self.near.extend(other.near.into_iter().take(room));
    }
}

fn grow<T: Default + Clone>(v: &mut Vec<T>, n: usize) {
    if v.len() < n {
        v.resize(n, T::default());
    }
}

/// Counts one chunk's accounts for the report; hand it to
/// `accounts::Counter` as its [`Scored`].
pub struct Collector<'a> {
    pub plan: &'a Plan,
    pub bins: Bins,
    /// Account id -> persona bits, with `--contacts`.
    pub people: Option<&'a HashMap<String, u64>>,
    pub near_limit: usize,
    pub facts: Facts,
    touched: Vec<bool>,
    /// Per signal: the columns it reads and the most points it can give
    /// (worked out once, not per account).
    reads: Vec<(Vec<usize>, f64)>,
    /// Whether the personas define any committee role.
    committee_defined: bool,
    /// The account's name (`display` field) while it is being scored.
    name: Option<String>,
}

impl<'a> Collector<'a> {
    pub fn new(
        plan: &'a Plan,
        bins: Bins,
        people: Option<&'a HashMap<String, u64>>,
        near_limit: usize,
    ) -> Self {
        let facts = Facts {
            signals: vec![SignalFacts::default(); plan.signals.len()],
            bins: vec![0; bins.count],
            gaps: vec![GapFacts::default(); plan.columns.len()],
            personas: vec![PersonaFacts::default(); plan.tiers.len() + 1],
            ..Facts::default()
        };
        Collector {
            plan,
            bins,
            people,
            near_limit,
            facts,
            touched: vec![false; plan.columns.len()],
            reads: (0..plan.signals.len())
                .map(|i| {
                    (
                        signal_columns(plan, i).into_iter().collect(),
                        best_points(plan, i),
                    )
                })
                .collect(),
            committee_defined: contacts::COMMITTEE
                .iter()
                .any(|r| plan.personas.iter().any(|p| p.role.as_deref() == Some(r))),
            name: None,
        }
    }
}

/// Whether any persona with `role` is among the matched ones.
fn has_role(plan: &Plan, mask: u64, role: &str) -> bool {
    plan.personas
        .iter()
        .enumerate()
        .any(|(i, p)| i < 64 && p.role.as_deref() == Some(role) && mask & (1 << i) != 0)
}

impl Scored for Collector<'_> {
    /// The one cell asked for is the `display` name (`cli/report.rs`).
    fn scored_with_cells(&mut self, key: &str, row: &[Value], o: &Outcome, cells: &[String]) {
        self.name = cells.first().filter(|n| !n.is_empty()).cloned();
        self.scored(key, row, o);
        self.name = None;
    }

    fn scored(&mut self, key: &str, row: &[Value], o: &Outcome) {
        if o.removed_by.is_some() {
            return;
        }
        let plan = self.plan;
        let f = &mut self.facts;
        f.scored += 1;
        count(&mut f.bins, self.bins.index(o.score), 1);
        self.touched.iter_mut().for_each(|t| *t = false);
        for (i, r) in o.signals.iter().enumerate() {
            if let Some(s) = f.signals.get_mut(i) {
                s.points += r.points;
                match r.state {
                    Truth::True => s.fired += 1,
                    Truth::Unknown => s.unknown += 1,
                    Truth::False => {}
                }
            }
            if r.state != Truth::Unknown {
                continue;
            }
            let Some((columns, stake)) = self.reads.get(i) else {
                continue;
            };
            for &c in columns {
                if !matches!(row.get(c), Some(Value::Missing)) {
                    continue;
                }
                if let (Some(g), Some(t)) = (f.gaps.get_mut(c), self.touched.get_mut(c)) {
                    g.points += *stake;
                    if !*t {
                        g.accounts += 1;
                        *t = true;
                    }
                }
            }
        }
        let tier = o.tier.unwrap_or(plan.tiers.len());
        if let (Some(people), Some(p)) = (self.people, f.personas.get_mut(tier)) {
            let mask = people.get(key).copied().unwrap_or(0);
            p.accounts += 1;
            p.decision_maker += u64::from(has_role(plan, mask, "decision_maker"));
            p.champion += u64::from(has_role(plan, mask, "champion"));
            p.committee +=
                u64::from(self.committee_defined && contacts::missing_roles(plan, mask).is_empty());
        }
        if f.near.len() < self.near_limit {
            let target = match o.tier {
                Some(0) => None,
                Some(t) => Some(t - 1),
                None => plan.tiers.len().checked_sub(1),
            };
            if let Some(target) = target {
                if crate::reach::within_one(plan, o, target) {
                    f.near.push(NearMiss {
                        id: key.to_string(),
                        name: self.name.take(),
                        row: row.to_vec(),
                        target,
                    });
                }
            }
        }
    }
}

/// The whole page: [`html::page`] with the outcome sections.
pub fn page(r: &Report<'_>) -> String {
    let outcomes = match &r.outcomes {
        None => String::new(),
        Some(Err(why)) => html::section(
            "outcomes",
            "Won and lost deals",
            &format!("The outcomes are configured but could not be measured: {why}."),
            "",
        ),
        Some(Ok(v)) => outcomes::sections(v),
    };
    html::page(r, &outcomes)
}

/// The report's inputs besides the plan.
pub struct Report<'a> {
    pub plan: &'a Plan,
    /// The data file as the user named it (never an absolute path).
    pub data_name: &'a str,
    pub tally: &'a Tally,
    pub facts: &'a Facts,
    pub bins: Bins,
    /// Whether contacts were given (`--contacts`).
    pub contacts: bool,
    /// With outcomes configured: the validation, or why it could not be
    /// measured.
    pub outcomes: Option<Result<crate::evidence::Validation, String>>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{BandPlan, BandTest, GroupPlan, Signal};
    use crate::span::Span;

    fn signal(points: Points, group: Option<usize>) -> Signal {
        Signal {
            name: "s".into(),
            text: String::new(),
            group,
            points,
            decay: None,
            for_job: None,
            because: None,
            max_abs: 0.0,
            span: Span::default(),
            doc: None,
        }
    }

    #[test]
    fn score_range_counts_negative_weights_bands_and_caps() {
        let plan = Plan {
            signals: vec![
                signal(
                    Points::Weight {
                        cond: 0,
                        weight: 25.0,
                    },
                    None,
                ),
                signal(
                    Points::Weight {
                        cond: 0,
                        weight: -10.0,
                    },
                    None,
                ),
                signal(
                    Points::Bands {
                        column: 0,
                        bands: vec![
                            BandPlan {
                                test: BandTest::Range { lo: None, hi: None },
                                points: 5.0,
                            },
                            BandPlan {
                                test: BandTest::Range { lo: None, hi: None },
                                points: 10.0,
                            },
                        ],
                    },
                    Some(0),
                ),
                signal(
                    Points::Weight {
                        cond: 0,
                        weight: 30.0,
                    },
                    Some(0),
                ),
            ],
            groups: vec![GroupPlan {
                name: "g".into(),
                cap: Some(20.0),
                doc: None,
            }],
            ..Plan::default()
        };
        assert_eq!(score_range(&plan), (-10.0, 45.0));
        let bins = Bins::for_plan(&plan);
        // 55 points wide: bins of 5 from -10 (2 would need 28), the last
        // one for the top score.
        assert_eq!((bins.start, bins.width, bins.count), (-10.0, 5.0, 12));
        assert_eq!(bins.index(-10.0), 0);
        assert_eq!(bins.index(44.9), 10);
        assert_eq!(bins.index(45.0), 11);
        assert_eq!(bins.index(1e9), 11);
        assert_eq!(bins.index(f64::NAN), 0);
        // An ICP without signals scores 0: one bin, 1 wide.
        let none = Bins::for_plan(&Plan::default());
        assert_eq!((none.start, none.width, none.count), (0.0, 1.0, 1));
    }
}
