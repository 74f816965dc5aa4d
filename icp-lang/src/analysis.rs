//! Static analysis of a checked ICP: what its rules can and cannot do.
//!
//! Everything here is conservative: a warning is only given when it is
//! certain (a tier proven unreachable, a signal proven impossible); what
//! cannot be decided is left alone.

use crate::ast::{self, CmpOp, Expr, InSet, LitValue, Operand, RuleBody, RuleKind};
use crate::check::model::{Checked, DeclId, Effective, Options, Schema, Ty};
use crate::diagnostic::Diagnostic;
use crate::span::Span;
use std::collections::{BTreeMap, BTreeSet};

use crate::values::scalar;

/// The analysis pass, after the checker: the warnings about every ICP that
/// checked without errors and whose members all parsed (an incomplete ICP
/// would have its missing member's absence reported a second time).
pub fn analyze(checked: &Checked<'_>, opts: &Options) -> Vec<Diagnostic> {
    let mut cx = Cx {
        checked,
        project: checked.project,
        diags: Vec::new(),
    };
    for (id, eff) in &checked.effective {
        if !checked.has_errors.contains(id) {
            analyze_icp(&mut cx, eff, opts);
        }
    }
    cx.diags
}

/// What the analysis reads and writes: the checker's result, and the
/// diagnostics found so far.
struct Cx<'c, 'p> {
    checked: &'c Checked<'p>,
    project: &'p crate::project::Project,
    diags: Vec<Diagnostic>,
}

impl<'p> Cx<'_, 'p> {
    fn error(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    fn variants(&self, id: DeclId) -> Vec<&'p ast::Ident> {
        self.checked.variants(id)
    }
}

fn analyze_icp(cx: &mut Cx<'_, '_>, eff: &Effective<'_>, opts: &Options) {
    review(cx, eff, opts);
    jobs(cx, eff);
    let never = domains(cx, eff, opts.as_of(eff.file));
    redundant_gates(cx, eff, opts.as_of(eff.file));
    tiers(cx, eff, &never);
    undated_tests(cx, eff, opts);
}

/// Tests of an ICP that reads the date (`within`, decay) change meaning as
/// days pass unless they run on a fixed day: their own `as_of`, or the
/// product's `as_of` in `icp.toml`.
fn undated_tests(cx: &mut Cx<'_, '_>, eff: &Effective<'_>, opts: &Options) {
    if opts.pinned.contains(&eff.file) {
        return;
    }
    let by_date = eff.rules.iter().find_map(|(rule, _)| {
        if rule.decay.is_some() {
            return Some(format!("`{}` decays with time", rule.name.name));
        }
        let RuleBody::Condition { expr, .. } = &rule.body else {
            return None;
        };
        reads_date(cx, eff, expr, 0).then(|| format!("`{}` uses `within`", rule.name.name))
    });
    let Some(why) = by_date else { return };
    for m in &eff.decl.members {
        let ast::Member::Test(t) = m else { continue };
        if t.as_of.is_some() {
            continue;
        }
        let name = &t.name.value;
        cx.error(
            Diagnostic::new(
                "W0403",
                t.name.span,
                format!("test {name:?} depends on today's date"),
            )
            .label(format!("judged on the day it runs: {why}"))
            .help("give the test its day on its first line (`as_of 2026-11-01`), or pin `as_of` in the product's `icp.toml`"),
        );
    }
}

/// Whether a condition reads the date (`within`), through the segments it
/// names too (segments cannot nest deeper than the files that declare them;
/// the depth bound stops a cycle the checker reports anyway).
fn reads_date(cx: &Cx<'_, '_>, eff: &Effective<'_>, e: &Expr, depth: usize) -> bool {
    match e {
        Expr::Within { .. } => true,
        Expr::And(parts, _) | Expr::Or(parts, _) => {
            parts.iter().any(|p| reads_date(cx, eff, p, depth))
        }
        Expr::Not(inner, _) => reads_date(cx, eff, inner, depth),
        Expr::Operand(Operand::Name(n)) if depth < 16 => cx
            .checked
            .scopes
            .get(&eff.file)
            .and_then(|scope| scope.get(n.name.as_str()))
            .and_then(|id| cx.checked.decl(*id))
            .is_some_and(|d| match d.item {
                ast::Item::Segment(seg) => reads_date(cx, eff, &seg.expr, depth + 1),
                _ => false,
            }),
        _ => false,
    }
}

fn review(cx: &mut Cx<'_, '_>, eff: &Effective<'_>, opts: &Options) {
    let name = &eff.decl.name;
    if eff.owner.is_none() || eff.reviewed.is_none() {
        let missing = match (eff.owner.is_none(), eff.reviewed.is_none()) {
            (true, true) => "no `owner` and no `reviewed` date",
            (true, false) => "no `owner`",
            _ => "no `reviewed` date",
        };
        cx.error(
            Diagnostic::new(
                "W0402",
                name.span,
                format!("ICP `{}` has {missing}", name.name),
            )
            .label("no one is accountable for it")
            .help("add `owner \"team@example.com\"` and `reviewed 2026-09-01 every 90d`"),
        );
    }
    let Some(r) = eff.reviewed else { return };
    let (LitValue::Date(date), LitValue::Duration(every)) = (&r.date.value, &r.every.value) else {
        return;
    };
    let as_of = opts.as_of(eff.file);
    let due = date.plus(*every);
    if due < as_of {
        let days = as_of.days() - due.days();
        cx.error(
            Diagnostic::new(
                "W0401",
                r.span,
                format!(
                    "the review of `{}` is overdue: it was due on {due}",
                    name.name
                ),
            )
            .label(format!("last reviewed {date}, due every {every}"))
            .note(format!("{days} days overdue as of {as_of}"))
            .help("review the ICP with its owner and update the `reviewed` date"),
        );
    }
}

fn jobs(cx: &mut Cx<'_, '_>, eff: &Effective<'_>) {
    for (job, span) in &eff.jobs {
        if !eff.decl.span.contains(span.start) {
            continue;
        }
        let evidenced = eff
            .rules
            .iter()
            .any(|(r, _)| r.for_job.as_ref().is_some_and(|j| j.name == job.name.name));
        if !evidenced {
            cx.error(
                Diagnostic::new(
                    "W0103",
                    *span,
                    format!("no signal is evidence for job `{}`", job.name.name),
                )
                .label("the score ignores this job")
                .help(format!(
                    "add `for job {}` to the signals that show an account has this job",
                    job.name.name
                )),
            );
        }
    }
}

// ------------------------------------------------------------------ field domains

#[derive(Clone, Copy, Debug, PartialEq)]
struct Bound {
    value: f64,
    inclusive: bool,
}

/// A set of real numbers between two optional bounds.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Interval {
    lo: Option<Bound>,
    hi: Option<Bound>,
}

impl Interval {
    const ALL: Interval = Interval { lo: None, hi: None };

    fn point(v: f64) -> Interval {
        let b = Some(Bound {
            value: v,
            inclusive: true,
        });
        Interval { lo: b, hi: b }
    }

    fn from_cmp(op: CmpOp, v: f64) -> Option<Interval> {
        let b = |inclusive| {
            Some(Bound {
                value: v,
                inclusive,
            })
        };
        Some(match op {
            CmpOp::Eq => Interval::point(v),
            CmpOp::Lt => Interval {
                lo: None,
                hi: b(false),
            },
            CmpOp::Le => Interval {
                lo: None,
                hi: b(true),
            },
            CmpOp::Gt => Interval {
                lo: b(false),
                hi: None,
            },
            CmpOp::Ge => Interval {
                lo: b(true),
                hi: None,
            },
            CmpOp::Ne => return None,
        })
    }

    fn intersect(self, other: Interval) -> Interval {
        let lo = match (self.lo, other.lo) {
            (Some(a), Some(b)) => Some(
                if a.value > b.value || (a.value == b.value && !a.inclusive) {
                    a
                } else {
                    b
                },
            ),
            (a, b) => a.or(b),
        };
        let hi = match (self.hi, other.hi) {
            (Some(a), Some(b)) => Some(
                if a.value < b.value || (a.value == b.value && !a.inclusive) {
                    a
                } else {
                    b
                },
            ),
            (a, b) => a.or(b),
        };
        Interval { lo, hi }
    }

    fn is_empty(self) -> bool {
        match (self.lo, self.hi) {
            (Some(l), Some(h)) => {
                l.value > h.value || (l.value == h.value && !(l.inclusive && h.inclusive))
            }
            _ => false,
        }
    }

    fn contains(self, inner: Interval) -> bool {
        let lo_ok = match (self.lo, inner.lo) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(a), Some(b)) => {
                a.value < b.value || (a.value == b.value && (a.inclusive || !b.inclusive))
            }
        };
        let hi_ok = match (self.hi, inner.hi) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(a), Some(b)) => {
                a.value > b.value || (a.value == b.value && (a.inclusive || !b.inclusive))
            }
        };
        lo_ok && hi_ok
    }
}

/// What a single test says about one field's known value.
enum Constraint {
    Range(Interval),
    OneOf(BTreeSet<String>),
    NoneOf(BTreeSet<String>),
}

/// The constraint of an atom on a field, when the atom has one.
fn atom_constraint(
    e: &Expr,
    as_of: ast::Date,
    schema: &Schema<'_>,
) -> Option<(String, Constraint)> {
    match e {
        // `industry == saas`: a field against an enum variant.
        Expr::Compare {
            lhs: Operand::Name(f),
            op,
            rhs: Operand::Name(v),
            ..
        } if schema.field(&v.name).is_none() => {
            let set = BTreeSet::from([v.name.clone()]);
            match op {
                CmpOp::Eq => Some((f.name.clone(), Constraint::OneOf(set))),
                CmpOp::Ne => Some((f.name.clone(), Constraint::NoneOf(set))),
                _ => None,
            }
        }
        Expr::Compare { lhs, op, rhs, .. } => {
            let (field, op, lit) = match (lhs, rhs) {
                (Operand::Name(n), Operand::Literal(l)) => (n, *op, l),
                (Operand::Literal(l), Operand::Name(n)) => (n, op.flipped(), l),
                _ => return None,
            };
            if let Some(v) = scalar(&lit.value) {
                return Interval::from_cmp(op, v)
                    .map(|i| (field.name.clone(), Constraint::Range(i)));
            }
            let word = match &lit.value {
                LitValue::Str(s) => s.clone(),
                _ => return None,
            };
            let set = BTreeSet::from([word]);
            match op {
                CmpOp::Eq => Some((field.name.clone(), Constraint::OneOf(set))),
                CmpOp::Ne => Some((field.name.clone(), Constraint::NoneOf(set))),
                _ => None,
            }
        }
        Expr::In {
            lhs: Operand::Name(n),
            negated,
            set,
            ..
        } => match set {
            InSet::Range(r) if !negated => {
                let lo = r.lo.as_ref().and_then(|l| scalar(&l.value)).map(|v| Bound {
                    value: v,
                    inclusive: true,
                });
                let hi = r.hi.as_ref().and_then(|h| scalar(&h.value)).map(|v| Bound {
                    value: v,
                    inclusive: r.inclusive,
                });
                Some((n.name.clone(), Constraint::Range(Interval { lo, hi })))
            }
            InSet::List(items, _) => {
                let words: Option<BTreeSet<String>> = items.iter().map(word).collect();
                let words = words?;
                Some((
                    n.name.clone(),
                    if *negated {
                        Constraint::NoneOf(words)
                    } else {
                        Constraint::OneOf(words)
                    },
                ))
            }
            _ => None,
        },
        Expr::Within {
            lhs: Operand::Name(n),
            duration,
            ..
        } => {
            let LitValue::Duration(d) = duration.value else {
                return None;
            };
            let from = as_of.minus(d).days() as f64;
            let to = as_of.days() as f64;
            Some((
                n.name.clone(),
                Constraint::Range(Interval {
                    lo: Some(Bound {
                        value: from,
                        inclusive: true,
                    }),
                    hi: Some(Bound {
                        value: to,
                        inclusive: true,
                    }),
                }),
            ))
        }
        _ => None,
    }
}

/// An enum variant or a string, as a word for set reasoning.
fn word(op: &Operand) -> Option<String> {
    match op {
        Operand::Name(n) => Some(n.name.clone()),
        Operand::Literal(ast::Literal {
            value: LitValue::Str(s),
            ..
        }) => Some(s.clone()),
        _ => None,
    }
}

/// The atoms of a condition that is a plain conjunction (`a and b and c`).
fn conjuncts(e: &Expr) -> Vec<&Expr> {
    match e {
        Expr::And(parts, _) => parts.iter().flat_map(conjuncts).collect(),
        other => vec![other],
    }
}

/// A field's possible known values given the filters so far.
struct Domain {
    range: Interval,
    /// For enum fields, every variant still possible; for text, `None` until
    /// a filter lists the allowed values.
    words: Option<BTreeSet<String>>,
    /// The rules that narrowed it, for labels.
    by: Vec<(Span, String)>,
}

/// Narrows each field by the filters, reports filters that leave nothing and
/// signals that cannot fire. Returns the names of those signals.
fn domains(cx: &mut Cx<'_, '_>, eff: &Effective<'_>, as_of: ast::Date) -> BTreeSet<String> {
    let mut doms: BTreeMap<String, Domain> = BTreeMap::new();
    let mut reported_empty = false;
    for (rule, _) in &eff.rules {
        let RuleBody::Condition { expr, .. } = &rule.body else {
            continue;
        };
        let atoms: Vec<&Expr> = match rule.kind {
            RuleKind::Filter => conjuncts(expr),
            // An exclusion removes known values only when it is one test.
            RuleKind::Exclude => vec![expr],
            RuleKind::Signal => continue,
        };
        for atom in atoms {
            let Some((field, c)) = atom_constraint(atom, as_of, &eff.schema) else {
                continue;
            };
            let c = match (rule.kind, c) {
                (RuleKind::Filter, c) => c,
                (_, Constraint::OneOf(words)) => Constraint::NoneOf(words),
                _ => continue,
            };
            let Some(info) = eff.schema.field(&field) else {
                continue;
            };
            let dom = doms.entry(field.clone()).or_insert_with(|| Domain {
                range: Interval::ALL,
                words: match &info.ty {
                    Ty::Enum(id) => Some(cx.variants(*id).iter().map(|v| v.name.clone()).collect()),
                    _ => None,
                },
                by: Vec::new(),
            });
            apply(dom, &c);
            dom.by.push((rule.name.span, rule.name.name.clone()));
            let empty = dom.range.is_empty() || dom.words.as_ref().is_some_and(BTreeSet::is_empty);
            if empty && !reported_empty {
                reported_empty = true;
                let mut d = Diagnostic::new(
                    "W0304",
                    rule.name.span,
                    format!("no account can pass the filters on `{field}`"),
                )
                .label(format!("leaves no possible `{field}`"));
                for (span, name) in dom.by.iter().rev().skip(1) {
                    d = d.secondary(*span, format!("`{name}` also restricts `{field}`"));
                }
                cx.error(d.help("the filters contradict each other; widen or remove one"));
            }
        }
    }
    let mut never = BTreeSet::new();
    for (rule, _) in &eff.rules {
        if rule.kind != RuleKind::Signal {
            continue;
        }
        let RuleBody::Condition { expr, .. } = &rule.body else {
            continue;
        };
        for atom in conjuncts(expr) {
            let Some((field, c)) = atom_constraint(atom, as_of, &eff.schema) else {
                continue;
            };
            let Some(dom) = doms.get(&field) else {
                continue;
            };
            let impossible = match &c {
                Constraint::Range(i) => dom.range.intersect(*i).is_empty(),
                Constraint::OneOf(words) => {
                    dom.words.as_ref().is_some_and(|w| w.is_disjoint(words))
                }
                Constraint::NoneOf(words) => dom.words.as_ref().is_some_and(|w| w.is_subset(words)),
            };
            if impossible {
                never.insert(rule.name.name.clone());
                let mut d = Diagnostic::new(
                    "W0303",
                    rule.name.span,
                    format!("signal `{}` can never fire", rule.name.name),
                )
                .label(format!("its test on `{field}` contradicts the filters"));
                for (span, name) in &dom.by {
                    d = d.secondary(*span, format!("`{name}` restricts `{field}`"));
                }
                cx.error(d.help("every account that reaches the signals has passed the filters; change the signal or the filter"));
                break;
            }
        }
    }
    never
}

/// The constraints of a rule's condition when it is a plain conjunction of
/// constraints on fields (anything else: `None`, and it is left alone).
fn rule_constraints(
    rule: &ast::Rule,
    as_of: ast::Date,
    schema: &Schema<'_>,
) -> Option<Vec<(String, Constraint)>> {
    let RuleBody::Condition { expr, .. } = &rule.body else {
        return None;
    };
    let atoms = match rule.kind {
        RuleKind::Filter => conjuncts(expr),
        RuleKind::Exclude => vec![expr],
        RuleKind::Signal => return None,
    };
    atoms
        .into_iter()
        .map(|a| atom_constraint(a, as_of, schema))
        .collect()
}

/// Whether every value in `dom` satisfies `c`.
fn implied(dom: &Domain, c: &Constraint) -> bool {
    match c {
        Constraint::Range(i) => i.contains(dom.range),
        Constraint::OneOf(words) => dom.words.as_ref().is_some_and(|w| w.is_subset(words)),
        Constraint::NoneOf(words) => dom.words.as_ref().is_some_and(|w| w.is_disjoint(words)),
    }
}

/// Whether no value in `dom` satisfies `c`.
fn excluded(dom: &Domain, c: &Constraint) -> bool {
    match c {
        Constraint::Range(i) => dom.range.intersect(*i).is_empty(),
        Constraint::OneOf(words) => dom.words.as_ref().is_some_and(|w| w.is_disjoint(words)),
        Constraint::NoneOf(words) => dom.words.as_ref().is_some_and(|w| w.is_subset(words)),
    }
}

/// Filters and exclusions that can never remove an account on their own
/// (what `icp funnel` shows as 0 in its "alone" column, proven for every
/// possible account): a filter whose test the other filters already imply,
/// an exclusion whose values the filters have already removed or another
/// exclusion removes too. Only plain conjunctions of field tests are judged.
fn redundant_gates(cx: &mut Cx<'_, '_>, eff: &Effective<'_>, as_of: ast::Date) {
    let gates: Vec<(&ast::Rule, Vec<(String, Constraint)>)> = eff
        .rules
        .iter()
        .filter_map(|(r, _)| Some((*r, rule_constraints(r, as_of, &eff.schema)?)))
        .collect();
    for (k, (rule, mine)) in gates.iter().enumerate() {
        // The fields' possible values given every filter but this one; a
        // field a filter tests is known (a filter fails on a missing value).
        let mut doms: BTreeMap<&str, (Domain, Vec<String>)> = BTreeMap::new();
        for (j, (other, cs)) in gates.iter().enumerate() {
            if j == k || other.kind != RuleKind::Filter {
                continue;
            }
            for (field, c) in cs {
                let Some(info) = eff.schema.field(field) else {
                    continue;
                };
                let (dom, by) = doms.entry(field.as_str()).or_insert_with(|| {
                    let words = match &info.ty {
                        Ty::Enum(id) => {
                            Some(cx.variants(*id).iter().map(|v| v.name.clone()).collect())
                        }
                        _ => None,
                    };
                    (
                        Domain {
                            range: Interval::ALL,
                            words,
                            by: Vec::new(),
                        },
                        Vec::new(),
                    )
                });
                apply(dom, c);
                if !by.contains(&other.name.name) {
                    by.push(other.name.name.clone());
                }
            }
        }
        let because = |fields: &[&String]| -> Vec<String> {
            let mut names: Vec<String> = fields
                .iter()
                .filter_map(|f| doms.get(f.as_str()))
                .flat_map(|(_, by)| by.iter().map(|n| format!("`{n}`")))
                .collect();
            names.sort();
            names.dedup();
            names
        };
        let fields: Vec<&String> = mine.iter().map(|(f, _)| f).collect();
        let why = match rule.kind {
            RuleKind::Filter => mine
                .iter()
                .all(|(f, c)| doms.get(f.as_str()).is_some_and(|(d, _)| implied(d, c)))
                .then(|| {
                    format!(
                        "every account that passes {} passes it too",
                        because(&fields).join(", ")
                    )
                }),
            RuleKind::Exclude => {
                let (Some((field, c)), 1) = (mine.first(), mine.len()) else {
                    continue;
                };
                let by_filters = doms
                    .get(field.as_str())
                    .is_some_and(|(d, _)| excluded(d, c))
                    .then(|| {
                        format!(
                            "{} already removed every account it would",
                            because(&fields).join(", ")
                        )
                    });
                // Another exclusion removes at least what this one does.
                let by_other = || {
                    gates.iter().enumerate().find_map(|(j, (other, cs))| {
                        let (Some((of, oc)), 1) = (cs.first(), cs.len()) else {
                            return None;
                        };
                        if j == k || other.kind != RuleKind::Exclude || of != field {
                            return None;
                        }
                        let covered = match (c, oc) {
                            (Constraint::OneOf(a), Constraint::OneOf(b)) => a.is_subset(b),
                            (Constraint::Range(a), Constraint::Range(b)) => b.contains(*a),
                            _ => false,
                        };
                        // Of two identical exclusions, the later one is the extra.
                        let later = j < k || !matches!((c, oc), (Constraint::OneOf(a), Constraint::OneOf(b)) if a == b);
                        (covered && later).then(|| format!("`{}` removes every account it would", other.name.name))
                    })
                };
                by_filters.or_else(by_other)
            }
            RuleKind::Signal => None,
        };
        if let Some(why) = why {
            let kind = rule.kind.keyword();
            cx.error(
                Diagnostic::new(
                    "W0306",
                    rule.name.span,
                    format!("{kind} `{}` never removes an account on its own", rule.name.name),
                )
                .label(format!("redundant: {why}"))
                .help("remove it, or change the rule that makes it redundant; `icp funnel` shows each rule's \"alone\" count on real accounts"),
            );
        }
    }
}

fn apply(dom: &mut Domain, c: &Constraint) {
    match c {
        Constraint::Range(i) => dom.range = dom.range.intersect(*i),
        Constraint::OneOf(words) => {
            dom.words = Some(match &dom.words {
                Some(w) => w.intersection(words).cloned().collect(),
                None => words.clone(),
            })
        }
        Constraint::NoneOf(words) => {
            if let Some(w) = &mut dom.words {
                w.retain(|x| !words.contains(x));
            }
        }
    }
}

// ------------------------------------------------------------------ scores and tiers

/// The smallest and largest number of points a signal can award.
fn points_range(rule: &ast::Rule) -> (f64, f64) {
    match &rule.body {
        RuleBody::Condition {
            weight: Some(w), ..
        } => {
            let w = scalar(&w.value).unwrap_or(0.0);
            (w.min(0.0), w.max(0.0))
        }
        RuleBody::Condition { weight: None, .. } => (0.0, 0.0),
        RuleBody::Bands { bands, .. } => bands
            .iter()
            .filter_map(|b| scalar(&b.points.value))
            .fold((0.0, 0.0), |(lo, hi), p| (lo.min(p), hi.max(p))),
    }
}

/// The range of `score` and of each group's score.
pub fn score_ranges(eff: &Effective<'_>, never: &BTreeSet<String>) -> BTreeMap<String, (f64, f64)> {
    let mut groups: Vec<(f64, f64)> = vec![(0.0, 0.0); eff.groups.len()];
    let mut loose = (0.0, 0.0);
    for (rule, group) in &eff.rules {
        if rule.kind != RuleKind::Signal || never.contains(&rule.name.name) {
            continue;
        }
        let (lo, hi) = points_range(rule);
        let slot = match group.and_then(|g| groups.get_mut(g)) {
            Some(s) => s,
            None => &mut loose,
        };
        slot.0 += lo;
        slot.1 += hi;
    }
    let mut out = BTreeMap::new();
    let mut total = loose;
    for (g, (lo, hi)) in eff.groups.iter().zip(groups) {
        let cap = g.cap.as_ref().and_then(|c| scalar(&c.value));
        let (lo, hi) = match cap {
            Some(c) => (lo.min(c), hi.min(c)),
            None => (lo, hi),
        };
        total.0 += lo;
        total.1 += hi;
        out.insert(g.name.name.clone(), (lo, hi));
    }
    out.insert("score".to_string(), total);
    out
}

/// A box: an interval per score variable (missing = unconstrained).
type ScoreBox = BTreeMap<String, Interval>;

/// A condition over scores as a union of boxes; `None` when it is not of
/// that shape (e.g. compares two scores) or would need too many boxes.
fn boxes(e: &Expr, negate: bool) -> Option<Vec<ScoreBox>> {
    const LIMIT: usize = 64;
    match e {
        Expr::Not(inner, _) => boxes(inner, !negate),
        Expr::Or(parts, _) | Expr::And(parts, _) => {
            let is_union = matches!(e, Expr::Or(..)) != negate;
            let mut acc: Option<Vec<ScoreBox>> = None;
            for p in parts {
                let b = boxes(p, negate)?;
                acc = Some(match acc {
                    None => b,
                    Some(a) if is_union => a.into_iter().chain(b).collect(),
                    Some(a) => {
                        let mut out = Vec::new();
                        for x in &a {
                            for y in &b {
                                let mut m = x.clone();
                                for (k, v) in y {
                                    let cur = m.get(k).copied().unwrap_or(Interval::ALL);
                                    m.insert(k.clone(), cur.intersect(*v));
                                }
                                out.push(m);
                            }
                        }
                        out
                    }
                });
                if acc.as_ref().is_some_and(|a| a.len() > LIMIT) {
                    return None;
                }
            }
            acc
        }
        Expr::Compare { lhs, op, rhs, .. } => {
            let (name, op, lit) = match (lhs, rhs) {
                (Operand::Name(n), Operand::Literal(l)) => (n, *op, l),
                (Operand::Literal(l), Operand::Name(n)) => (n, op.flipped(), l),
                _ => return None,
            };
            let v = scalar(&lit.value)?;
            let op = if negate { negated(op) } else { op };
            if op == CmpOp::Ne {
                let below = Interval::from_cmp(CmpOp::Lt, v)?;
                let above = Interval::from_cmp(CmpOp::Gt, v)?;
                return Some(vec![
                    BTreeMap::from([(name.name.clone(), below)]),
                    BTreeMap::from([(name.name.clone(), above)]),
                ]);
            }
            Some(vec![BTreeMap::from([(
                name.name.clone(),
                Interval::from_cmp(op, v)?,
            )])])
        }
        _ => None,
    }
}

fn negated(op: CmpOp) -> CmpOp {
    match op {
        CmpOp::Eq => CmpOp::Ne,
        CmpOp::Ne => CmpOp::Eq,
        CmpOp::Lt => CmpOp::Ge,
        CmpOp::Le => CmpOp::Gt,
        CmpOp::Gt => CmpOp::Le,
        CmpOp::Ge => CmpOp::Lt,
    }
}

fn clip(b: &ScoreBox, domain: &ScoreBox) -> ScoreBox {
    let mut out = domain.clone();
    for (k, v) in b {
        let cur = out.get(k).copied().unwrap_or(Interval::ALL);
        out.insert(k.clone(), cur.intersect(*v));
    }
    out
}

fn box_empty(b: &ScoreBox) -> bool {
    b.values().any(|i| i.is_empty())
}

fn box_contains(outer: &ScoreBox, inner: &ScoreBox) -> bool {
    inner
        .iter()
        .all(|(k, v)| outer.get(k).copied().unwrap_or(Interval::ALL).contains(*v))
}

fn tiers(cx: &mut Cx<'_, '_>, eff: &Effective<'_>, never: &BTreeSet<String>) {
    if eff.tiers.is_empty() {
        return;
    }
    let ranges = score_ranges(eff, never);
    let domain: ScoreBox = ranges
        .iter()
        .map(|(k, (lo, hi))| {
            (
                k.clone(),
                Interval {
                    lo: Some(Bound {
                        value: *lo,
                        inclusive: true,
                    }),
                    hi: Some(Bound {
                        value: *hi,
                        inclusive: true,
                    }),
                },
            )
        })
        .collect();
    let mut earlier: Vec<(&ast::Tier, Vec<ScoreBox>)> = Vec::new();
    let mut otherwise: Option<&ast::Tier> = None;
    let mut covered_all = false;
    for tier in &eff.tiers {
        let own_file = tier.span.file == eff.file && eff.decl.span.contains(tier.span.start);
        if let Some(o) = otherwise {
            if own_file {
                cx.error(
                    Diagnostic::new(
                        "W0301",
                        tier.name.span,
                        format!("tier `{}` can never be reached", tier.name.name),
                    )
                    .label(format!("comes after `{}: otherwise`", o.name.name))
                    .secondary(o.span, "every remaining account stops here")
                    .help("`otherwise` must be the last tier"),
                );
            }
            continue;
        }
        let Some(cond) = &tier.condition else {
            otherwise = Some(tier);
            continue;
        };
        let Some(bs) = boxes(cond, false) else {
            earlier.push((tier, Vec::new()));
            continue;
        };
        let live: Vec<ScoreBox> = bs
            .iter()
            .map(|b| clip(b, &domain))
            .filter(|b| !box_empty(b))
            .collect();
        if live.iter().any(|b| box_contains(b, &domain)) {
            covered_all = true;
        }
        if own_file {
            if live.is_empty() {
                let vars: BTreeSet<&String> = bs.iter().flat_map(|b| b.keys()).collect();
                let mut d = Diagnostic::new(
                    "W0301",
                    tier.name.span,
                    format!("tier `{}` can never be reached", tier.name.name),
                )
                .label("no possible score meets this condition");
                for v in vars {
                    if let Some((lo, hi)) = ranges.get(v) {
                        d = d.note(format!(
                            "`{v}` ranges from {} to {}",
                            crate::values::format_number(*lo),
                            crate::values::format_number(*hi)
                        ));
                    }
                }
                cx.error(d.help("lower the threshold, or raise the weights of the signals"));
            } else if let Some((by, _)) = earlier
                .iter()
                .find(|(_, prev)| live.iter().all(|b| prev.iter().any(|p| box_contains(p, b))))
            {
                cx.error(
                    Diagnostic::new("W0302", tier.name.span, format!("tier `{}` can never be reached: every account it matches is already tier `{}`", tier.name.name, by.name.name))
                        .label("unreachable")
                        .secondary(by.span, "this earlier tier takes those accounts")
                        .help("tiers are tried in order; list them from the highest threshold to the lowest"),
                );
            }
        }
        earlier.push((tier, live));
    }
    if otherwise.is_none() && !covered_all {
        if let Some(last) = eff.tiers.last() {
            if eff.decl.span.contains(last.span.start) {
                let next = next_tier_name(&last.name.name);
                let indent = " ".repeat(indent_of(cx, last.span));
                cx.error(
                    Diagnostic::new(
                        "W0104",
                        last.name.span,
                        "accounts that match no tier get no tier at all",
                    )
                    .label("the last tier has a condition")
                    .help(format!("end the ladder with `tier {next}: otherwise`"))
                    .fix(
                        format!("add `tier {next}: otherwise`"),
                        Span {
                            start: last.span.end,
                            end: last.span.end,
                            ..last.span
                        },
                        format!("\n{indent}tier {next}: otherwise"),
                    ),
                );
            }
        }
    }
}

fn indent_of(cx: &Cx<'_, '_>, span: Span) -> usize {
    let Some(src) = cx.project.sources.get(span.file) else {
        return 2;
    };
    let lc = src.lines.line_col(span.start);
    lc.col as usize
}

/// `B` -> `C`, `tier2` -> `tier3`, anything else -> `other`.
fn next_tier_name(last: &str) -> String {
    let mut chars: Vec<char> = last.chars().collect();
    match chars.last_mut() {
        Some(c) if c.is_ascii_uppercase() && *c != 'Z' && last.len() == 1 => {
            *c = (*c as u8 + 1) as char;
            chars.into_iter().collect()
        }
        Some(c) if c.is_ascii_digit() && *c != '9' => {
            *c = (*c as u8 + 1) as char;
            chars.into_iter().collect()
        }
        _ => "other".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_intersect_and_contain() {
        let a = Interval::from_cmp(CmpOp::Ge, 60.0).unwrap_or(Interval::ALL);
        let b = Interval::from_cmp(CmpOp::Ge, 35.0).unwrap_or(Interval::ALL);
        assert!(b.contains(a));
        assert!(!a.contains(b));
        let lt = Interval::from_cmp(CmpOp::Lt, 60.0).unwrap_or(Interval::ALL);
        assert!(a.intersect(lt).is_empty());
        assert!(!Interval::point(5.0).is_empty());
    }

    #[test]
    fn next_tier_names() {
        assert_eq!(next_tier_name("B"), "C");
        assert_eq!(next_tier_name("tier2"), "tier3");
        assert_eq!(next_tier_name("gold"), "other");
    }
}
