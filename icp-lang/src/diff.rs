//! The semantic difference between two plans of the same ICP: which rules
//! were added, removed, reweighted or rewritten, and which tiers moved.
//!
//! Plans are compared, not texts, so a change made through a segment, an
//! enum or an `extends` shows up on the rules it reaches, and a change of
//! layout or comments shows up as nothing.

use crate::plan::{BandPlan, BandTest, Bound, ColType, Cond, Const, Plan, Points};
use crate::testing::fmt_points;
use serde::Serialize;
use serde_json::{json, Value as Json};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    Added,
    Removed,
    /// Same condition, other points.
    Reweighted,
    /// A condition, band table, cap or kind that now means something else.
    Changed,
    /// A tier's threshold moved, or its place in the order.
    Moved,
}

impl ChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Added => "added",
            ChangeKind::Removed => "removed",
            ChangeKind::Reweighted => "reweighted",
            ChangeKind::Changed => "changed",
            ChangeKind::Moved => "moved",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Change {
    pub kind: ChangeKind,
    /// `filter`, `exclude`, `signal`, `group`, `tier` or `persona`.
    pub rule: &'static str,
    pub name: String,
    /// How it read before and after, as written (absent for added/removed).
    pub before: Option<String>,
    pub after: Option<String>,
    /// Why two identical texts differ (a segment or enum they use changed).
    pub note: Option<String>,
}

/// Every change from `base` to `head`, in the order a reader wants them:
/// gates, then signals and groups, then tiers, then personas.
pub fn diff_plans(base: &Plan, head: &Plan) -> Vec<Change> {
    let mut out = Vec::new();
    gates(base, head, &mut out);
    signals(base, head, &mut out);
    groups(base, head, &mut out);
    tiers(base, head, &mut out);
    personas(base, head, &mut out);
    out
}

fn change(kind: ChangeKind, rule: &'static str, name: &str) -> Change {
    Change {
        kind,
        rule,
        name: name.to_string(),
        before: None,
        after: None,
        note: None,
    }
}

/// Pairs items by name: removed ones in base order, then the rest in head order.
fn pair<'a, T>(
    base: &'a [T],
    head: &'a [T],
    name: impl Fn(&T) -> &str,
) -> Vec<(Option<&'a T>, Option<&'a T>)> {
    let mut out: Vec<(Option<&T>, Option<&T>)> = Vec::new();
    for b in base {
        if !head.iter().any(|h| name(h) == name(b)) {
            out.push((Some(b), None));
        }
    }
    for h in head {
        out.push((base.iter().find(|b| name(b) == name(h)), Some(h)));
    }
    out
}

fn gates(base: &Plan, head: &Plan, out: &mut Vec<Change>) {
    // Written order, not the evaluation order (which follows cost).
    let (bg, hg) = (by_order(base), by_order(head));
    for (b, h) in pair(&bg, &hg, |g| &g.name) {
        match (b, h) {
            (Some(b), None) => out.push(Change {
                before: Some(b.text.clone()),
                ..change(ChangeKind::Removed, b.kind.word(), &b.name)
            }),
            (None, Some(h)) => out.push(Change {
                after: Some(h.text.clone()),
                ..change(ChangeKind::Added, h.kind.word(), &h.name)
            }),
            (Some(b), Some(h)) => {
                let same_meaning = cond_meaning(base, b.cond) == cond_meaning(head, h.cond);
                if b.kind != h.kind || !same_meaning {
                    // Name the kind only when it is what changed.
                    let shown = |g: &crate::plan::Gate| match b.kind == h.kind {
                        true => g.text.clone(),
                        false => format!("{} {}", g.kind.word(), g.text),
                    };
                    out.push(Change {
                        before: Some(shown(b)),
                        after: Some(shown(h)),
                        note: (b.text == h.text && b.kind == h.kind)
                            .then(|| "same text: a segment or type it uses changed".to_string()),
                        ..change(ChangeKind::Changed, h.kind.word(), &h.name)
                    });
                }
            }
            (None, None) => {}
        }
    }
}

fn by_order(p: &Plan) -> Vec<&crate::plan::Gate> {
    let mut g: Vec<&crate::plan::Gate> = p.gates.iter().collect();
    g.sort_by_key(|g| g.order);
    g
}

fn points_text(plan: &Plan, s: &crate::plan::Signal) -> String {
    match &s.points {
        Points::Weight { weight, .. } => format!("{} weight {}", s.text, fmt_points(*weight)),
        Points::Bands { column, bands } => {
            let shown: Vec<String> = bands.iter().map(|b| band_text(plan, *column, b)).collect();
            format!("{} {{ {} }}", s.text, shown.join(", "))
        }
    }
}

fn band_text(plan: &Plan, column: usize, b: &BandPlan) -> String {
    let test = match &b.test {
        BandTest::Range { lo, hi } => {
            let end = |x: &Option<Bound>| x.map(|b| num(plan, column, b.value)).unwrap_or_default();
            let op = if hi.is_some_and(|h| h.inclusive) {
                "..="
            } else {
                ".."
            };
            format!("{}{op}{}", end(lo), end(hi))
        }
        BandTest::Value(c) => const_text(plan, column, c),
    };
    format!("{test} => {}", fmt_points(b.points))
}

fn signals(base: &Plan, head: &Plan, out: &mut Vec<Change>) {
    for (b, h) in pair(&base.signals, &head.signals, |s| &s.name) {
        match (b, h) {
            (Some(b), None) => out.push(Change {
                before: Some(points_text(base, b)),
                ..change(ChangeKind::Removed, "signal", &b.name)
            }),
            (None, Some(h)) => out.push(Change {
                after: Some(points_text(head, h)),
                ..change(ChangeKind::Added, "signal", &h.name)
            }),
            (Some(b), Some(h)) => {
                let (bm, hm) = (signal_meaning(base, b), signal_meaning(head, h));
                let group = |p: &Plan, g: Option<usize>| {
                    g.and_then(|g| p.groups.get(g)).map(|g| g.name.clone())
                };
                let same_group = group(base, b.group) == group(head, h.group);
                let reweight_only = matches!(
                    (&b.points, &h.points),
                    (Points::Weight { cond: bc, .. }, Points::Weight { cond: hc, .. })
                        if cond_meaning(base, *bc) == cond_meaning(head, *hc)
                ) && b.decay.as_ref().map(|d| d.half_life_days)
                    == h.decay.as_ref().map(|d| d.half_life_days)
                    && same_group;
                if bm == hm && same_group {
                    continue;
                }
                let (before, after) = (points_text(base, b), points_text(head, h));
                let note = if !same_group {
                    Some(format!(
                        "group {} -> {}",
                        group(base, b.group).unwrap_or_else(|| "none".into()),
                        group(head, h.group).unwrap_or_else(|| "none".into())
                    ))
                } else if before == after {
                    Some("same text: a segment, type or decay it uses changed".to_string())
                } else {
                    None
                };
                let kind = if reweight_only {
                    ChangeKind::Reweighted
                } else {
                    ChangeKind::Changed
                };
                out.push(Change {
                    before: Some(before),
                    after: Some(after),
                    note,
                    ..change(kind, "signal", &h.name)
                });
            }
            (None, None) => {}
        }
    }
}

fn groups(base: &Plan, head: &Plan, out: &mut Vec<Change>) {
    let cap = |c: Option<f64>| {
        c.map(|c| format!("cap {}", fmt_points(c)))
            .unwrap_or_else(|| "no cap".into())
    };
    for (b, h) in pair(&base.groups, &head.groups, |g| &g.name) {
        match (b, h) {
            (Some(b), None) => out.push(Change {
                before: Some(cap(b.cap)),
                ..change(ChangeKind::Removed, "group", &b.name)
            }),
            (None, Some(h)) => out.push(Change {
                after: Some(cap(h.cap)),
                ..change(ChangeKind::Added, "group", &h.name)
            }),
            (Some(b), Some(h)) if b.cap != h.cap => out.push(Change {
                before: Some(cap(b.cap)),
                after: Some(cap(h.cap)),
                ..change(ChangeKind::Changed, "group", &h.name)
            }),
            _ => {}
        }
    }
}

fn tiers(base: &Plan, head: &Plan, out: &mut Vec<Change>) {
    let position = |p: &Plan, name: &str| p.tiers.iter().position(|t| t.name == name);
    // Tiers common to both, in head order: did their relative order change?
    let common: Vec<&str> = head
        .tiers
        .iter()
        .map(|t| t.name.as_str())
        .filter(|n| position(base, n).is_some())
        .collect();
    let base_rank = |n: &str| {
        common
            .iter()
            .filter(|c| position(base, c) < position(base, n))
            .count()
    };
    for (b, h) in pair(&base.tiers, &head.tiers, |t| &t.name) {
        match (b, h) {
            (Some(b), None) => out.push(Change {
                before: Some(b.text.clone()),
                ..change(ChangeKind::Removed, "tier", &b.name)
            }),
            (None, Some(h)) => out.push(Change {
                after: Some(h.text.clone()),
                ..change(ChangeKind::Added, "tier", &h.name)
            }),
            (Some(b), Some(h)) => {
                let head_rank = common.iter().position(|c| *c == h.name);
                let reordered = head_rank != Some(base_rank(&h.name));
                let groups = |p: &Plan| p.groups.iter().map(|g| g.name.clone()).collect::<Vec<_>>();
                let same = b.cond == h.cond && groups(base) == groups(head);
                if same && !reordered {
                    continue;
                }
                out.push(Change {
                    before: Some(b.text.clone()),
                    after: Some(h.text.clone()),
                    note: reordered.then(|| "now checked in another order".to_string()),
                    ..change(ChangeKind::Moved, "tier", &h.name)
                });
            }
            (None, None) => {}
        }
    }
}

fn personas(base: &Plan, head: &Plan, out: &mut Vec<Change>) {
    let text = |p: &crate::plan::PersonaPlan| {
        let mut parts = Vec::new();
        if let Some(r) = &p.role {
            parts.push(format!("role {r}"));
        }
        if !p.titles.is_empty() {
            parts.push(format!("title matches {:?}", p.titles));
        }
        if !p.seniority.is_empty() {
            let names: Vec<&str> = p
                .seniority
                .iter()
                .filter_map(|l| crate::plan::SENIORITY.get(*l as usize).copied())
                .collect();
            parts.push(format!("seniority in [{}]", names.join(", ")));
        }
        if !p.departments.is_empty() {
            parts.push(format!("department in {:?}", p.departments));
        }
        parts.join("; ")
    };
    for (b, h) in pair(&base.personas, &head.personas, |p| &p.name) {
        match (b, h) {
            (Some(b), None) => out.push(Change {
                before: Some(text(b)),
                ..change(ChangeKind::Removed, "persona", &b.name)
            }),
            (None, Some(h)) => out.push(Change {
                after: Some(text(h)),
                ..change(ChangeKind::Added, "persona", &h.name)
            }),
            (Some(b), Some(h)) if b != h => out.push(Change {
                before: Some(text(b)),
                after: Some(text(h)),
                ..change(ChangeKind::Changed, "persona", &h.name)
            }),
            _ => {}
        }
    }
}

/// A signal's meaning with every index resolved, so plans compare by value.
fn signal_meaning(plan: &Plan, s: &crate::plan::Signal) -> Json {
    let points = match &s.points {
        Points::Weight { cond, weight } => {
            json!({ "when": cond_meaning(plan, *cond), "weight": weight })
        }
        Points::Bands { column, bands } => json!({
            "by": column_meaning(plan, *column),
            "bands": bands.iter().map(|b| band_text(plan, *column, b)).collect::<Vec<_>>(),
        }),
    };
    let decay = s
        .decay
        .as_ref()
        .map(|d| json!([column_meaning(plan, d.column), d.half_life_days]));
    json!({ "points": points, "decay": decay })
}

fn column_meaning(plan: &Plan, column: usize) -> Json {
    match plan.columns.get(column) {
        Some(c) => json!([
            c.header,
            format!("{:?}", resolved_type(plan, &c.ty)),
            c.optional
        ]),
        None => Json::Null,
    }
}

/// A column type with enums named, since enum indices differ between plans.
/// The enum's values are left out: adding one cannot change a rule's result
/// (conditions name the values they test, and those are compared as text).
fn resolved_type(plan: &Plan, ty: &ColType) -> String {
    match ty {
        ColType::Enum(e) => plan
            .enums
            .get(*e)
            .map(|t| format!("enum {}", t.name))
            .unwrap_or_default(),
        ColType::Set(inner) => format!("set<{}>", resolved_type(plan, inner)),
        other => format!("{other:?}"),
    }
}

/// A condition with columns, texts and enum values resolved.
pub fn cond_meaning(plan: &Plan, id: usize) -> Json {
    let sub = |ids: &[usize]| {
        ids.iter()
            .map(|i| cond_meaning(plan, *i))
            .collect::<Vec<_>>()
    };
    let consts = |column: usize, values: &[Const]| {
        values
            .iter()
            .map(|c| const_text(plan, column, c))
            .collect::<Vec<_>>()
    };
    let bound = |b: &Option<Bound>| b.map(|b| json!([b.value, b.inclusive]));
    match plan.conds.get(id) {
        None => Json::Null,
        Some(Cond::And(ids)) => json!({ "and": sub(ids) }),
        Some(Cond::Or(ids)) => json!({ "or": sub(ids) }),
        Some(Cond::Not(i)) => json!({ "not": cond_meaning(plan, *i) }),
        Some(Cond::True) => json!(true),
        Some(Cond::IsTrue { column }) => json!({ "is_true": column_meaning(plan, *column) }),
        Some(Cond::Cmp { column, op, value }) => json!({
            "cmp": [column_meaning(plan, *column), op.as_str(), const_text(plan, *column, value)]
        }),
        Some(Cond::CmpColumns { a, op, b }) => json!({
            "cmp_columns": [column_meaning(plan, *a), op.as_str(), column_meaning(plan, *b)]
        }),
        Some(Cond::InRange {
            column,
            negated,
            lo,
            hi,
        }) => json!({ "range": [column_meaning(plan, *column), negated, bound(lo), bound(hi)] }),
        Some(Cond::InList {
            column,
            negated,
            values,
        }) => json!({ "in": [column_meaning(plan, *column), negated, consts(*column, values)] }),
        Some(Cond::Has {
            column,
            mode,
            values,
        }) => {
            json!({ "has": [column_meaning(plan, *column), format!("{mode:?}"), consts(*column, values)] })
        }
        Some(Cond::Matches {
            column,
            negated,
            patterns,
        }) => json!({ "matches": [column_meaning(plan, *column), negated, patterns] }),
        Some(Cond::Within {
            column, from, to, ..
        }) => {
            // Relative to the as-of date, so two plans made on other days agree.
            json!({ "within": [column_meaning(plan, *column), plan.as_of_days - from, plan.as_of_days - to] })
        }
        Some(Cond::IsMissing { column, negated }) => {
            json!({ "missing": [column_meaning(plan, *column), negated] })
        }
    }
}

fn num(plan: &Plan, column: usize, n: f64) -> String {
    match plan.columns.get(column).map(|c| &c.ty) {
        Some(ColType::Money) => format!("${}", crate::values::format_number(n)),
        Some(ColType::Percent) => format!("{}%", fmt_points(n)),
        _ => fmt_points(n),
    }
}

/// A constant as it would be written.
fn const_text(plan: &Plan, column: usize, c: &Const) -> String {
    match c {
        Const::Num(n) => num(plan, column, *n),
        Const::Text(t) => format!("{:?}", plan.texts.get(*t).map(String::as_str).unwrap_or("")),
        Const::Enum(e) => {
            let table = match plan.columns.get(column).map(|c| &c.ty) {
                Some(ColType::Enum(t)) => plan.enums.get(*t),
                Some(ColType::Set(inner)) => match inner.as_ref() {
                    ColType::Enum(t) => plan.enums.get(*t),
                    _ => None,
                },
                _ => None,
            };
            table
                .and_then(|t| t.variants.get(*e as usize))
                .cloned()
                .unwrap_or_else(|| e.to_string())
        }
        Const::Date(d) => crate::ast::Date::from_days(*d).to_string(),
        Const::Bool(b) => b.to_string(),
    }
}
