//! Why an account is where it is: the gates it passed or failed, each
//! signal with the values it saw, its points, decay and `because`, the data
//! gaps, and the tier rule that matched. As text for people, JSON for tools.

use crate::eval::{Outcome, Truth, Value};
use crate::plan::{Cond, GateKind, Plan, Points};
use crate::testing::fmt_points;
use serde_json::{json, Value as Json};
use std::collections::BTreeSet;

/// The columns a condition reads, in plan order.
pub fn columns_of(plan: &Plan, cond: usize, out: &mut BTreeSet<usize>) {
    match plan.conds.get(cond) {
        Some(Cond::And(ids) | Cond::Or(ids)) => ids.iter().for_each(|i| columns_of(plan, *i, out)),
        Some(Cond::Not(i)) => columns_of(plan, *i, out),
        Some(Cond::CmpColumns { a, b, .. }) => {
            out.insert(*a);
            out.insert(*b);
        }
        Some(
            Cond::IsTrue { column }
            | Cond::Cmp { column, .. }
            | Cond::InRange { column, .. }
            | Cond::InList { column, .. }
            | Cond::Has { column, .. }
            | Cond::Matches { column, .. }
            | Cond::Within { column, .. }
            | Cond::IsMissing { column, .. },
        ) => {
            out.insert(*column);
        }
        Some(Cond::True) | None => {}
    }
}

/// A cell as a person reads it.
pub fn show_value(plan: &Plan, col: usize, v: &Value) -> String {
    match v {
        Value::Missing => "missing".to_string(),
        Value::Num(n) => {
            let ty = plan.columns.get(col).map(|c| &c.ty);
            match ty {
                Some(crate::plan::ColType::Money) => {
                    format!("${}", crate::values::format_number(*n))
                }
                Some(crate::plan::ColType::Percent) => format!("{}%", fmt_points(*n)),
                _ => fmt_points(*n),
            }
        }
        Value::Bool(b) => b.to_string(),
        Value::Date(d) => crate::ast::Date::from_days(*d).to_string(),
        Value::Enum(e) => {
            let table = match plan.columns.get(col).map(|c| &c.ty) {
                Some(crate::plan::ColType::Enum(t)) => plan.enums.get(*t),
                Some(crate::plan::ColType::Set(inner)) => match inner.as_ref() {
                    crate::plan::ColType::Enum(t) => plan.enums.get(*t),
                    _ => None,
                },
                _ => None,
            };
            table
                .and_then(|t| t.variants.get(*e as usize))
                .cloned()
                .unwrap_or_default()
        }
        Value::Text { text, .. } => format!("{text:?}"),
        Value::Set(items) => format!(
            "[{}]",
            items
                .iter()
                .map(|i| show_value(plan, col, i))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        // Sets kept as masks: only the values the ICP tests for are known.
        Value::Bits(bits) => {
            let is_enum = matches!(plan.columns.get(col).map(|c| &c.ty), Some(crate::plan::ColType::Set(inner)) if matches!(**inner, crate::plan::ColType::Enum(_)));
            let names: Vec<String> = (0..64u16)
                .filter(|i| bits & (1 << i) != 0)
                .map(|i| {
                    if is_enum {
                        show_value(plan, col, &Value::Enum(i))
                    } else {
                        format!(
                            "{:?}",
                            plan.texts.get(usize::from(i)).cloned().unwrap_or_default()
                        )
                    }
                })
                .collect();
            format!("[{}, ...]", names.join(", "))
        }
    }
}

pub fn seen(plan: &Plan, row: &[Value], cols: &BTreeSet<usize>) -> String {
    cols.iter()
        .filter_map(|c| {
            Some(format!(
                "{} = {}",
                plan.columns.get(*c)?.field,
                show_value(plan, *c, row.get(*c)?)
            ))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The columns signal `i` reads.
pub fn signal_columns(plan: &Plan, i: usize) -> BTreeSet<usize> {
    let mut cols = BTreeSet::new();
    match plan.signals.get(i).map(|s| &s.points) {
        Some(Points::Weight { cond, .. }) => columns_of(plan, *cond, &mut cols),
        Some(Points::Bands { column, .. }) => {
            cols.insert(*column);
        }
        None => {}
    }
    cols
}

/// The most points signal `signal` can award (0 for one that only takes).
pub fn best_points(plan: &Plan, signal: usize) -> f64 {
    match plan.signals.get(signal).map(|s| &s.points) {
        Some(Points::Weight { weight, .. }) => weight.max(0.0),
        Some(Points::Bands { bands, .. }) => bands.iter().map(|b| b.points).fold(0.0, f64::max),
        None => 0.0,
    }
}

/// The most points the plan can award: positive weights and best bands,
/// capped per group.
pub fn max_score(plan: &Plan) -> f64 {
    let best = (0..plan.signals.len()).map(|i| best_points(plan, i));
    crate::eval::add_up(plan, best, &mut Vec::new())
}

/// The explanation as an indented tree.
pub fn text(plan: &Plan, row: &[Value], o: &Outcome, heading: &str) -> String {
    let mut out = format!(
        "{heading}\nICP `{}`{}, as of {}\n",
        plan.icp,
        plan.title
            .as_ref()
            .map(|t| format!(" ({t})"))
            .unwrap_or_default(),
        plan.as_of
    );
    out.push_str("├─ filters and exclusions\n");
    let mut gates: Vec<(usize, &crate::plan::Gate)> = plan.gates.iter().enumerate().collect();
    gates.sort_by_key(|(_, g)| g.order);
    let removed_order = o
        .removed_by
        .and_then(|r| plan.gates.get(r))
        .map(|g| g.order);
    for (n, (_, g)) in gates.iter().enumerate() {
        let branch = if n + 1 == gates.len() {
            "└─"
        } else {
            "├─"
        };
        let mut cols = BTreeSet::new();
        columns_of(plan, g.cond, &mut cols);
        let state = crate::eval::eval_cond(plan, row, g.cond);
        let kind = g.kind.word();
        let (mark, verdict) = match (g.kind, state) {
            (_, _) if removed_order.is_some_and(|r| g.order > r) => ("·", "not needed".to_string()),
            (GateKind::Filter, crate::eval::Truth::True) => ("✓", "passed".to_string()),
            (GateKind::Filter, crate::eval::Truth::False) => {
                ("✗", "REMOVED the account".to_string())
            }
            (GateKind::Filter, crate::eval::Truth::Unknown) => (
                "✗",
                "REMOVED the account: the data is missing, and a filter needs a known yes"
                    .to_string(),
            ),
            (GateKind::Exclude, crate::eval::Truth::True) => {
                ("✗", "REMOVED the account".to_string())
            }
            (GateKind::Exclude, crate::eval::Truth::False) => ("✓", "not excluded".to_string()),
            (GateKind::Exclude, crate::eval::Truth::Unknown) => {
                ("✓", "not excluded (the data is missing)".to_string())
            }
        };
        out.push_str(&format!(
            "│  {branch} {mark} {kind} {}: {} — {verdict}\n",
            g.name, g.text
        ));
        let values = seen(plan, row, &cols);
        let pipe = if n + 1 == gates.len() { "   " } else { "│  " };
        if !values.is_empty() {
            out.push_str(&format!("│  {pipe}   saw {values}\n"));
        }
        if let Some(b) = &g.because {
            out.push_str(&format!("│  {pipe}   because {b:?}\n"));
        }
    }
    if !o.passed() {
        out.push_str("└─ no score: the account did not pass the filters\n");
        return out;
    }
    let evaluated = (o.coverage * 100.0).round();
    out.push_str(&format!(
        "├─ signals: score {} of at most {} ({}% of the weight could be evaluated)\n",
        fmt_points(o.score),
        fmt_points(max_score(plan)),
        evaluated
    ));
    for (i, (s, r)) in plan.signals.iter().zip(&o.signals).enumerate() {
        let branch = if i + 1 == plan.signals.len() {
            "└─"
        } else {
            "├─"
        };
        let pipe = if i + 1 == plan.signals.len() {
            "   "
        } else {
            "│  "
        };
        let points = match r.state {
            Truth::True if r.points > 0.0 => format!("{:>6}", format!("+{}", fmt_points(r.points))),
            Truth::True => format!("{:>6}", fmt_points(r.points)),
            Truth::False => format!("{:>6}", "0"),
            Truth::Unknown => format!("{:>6}", "?"),
        };
        let group = s
            .group
            .and_then(|g| plan.groups.get(g))
            .map(|g| format!(" [{}]", g.name))
            .unwrap_or_default();
        let state = match r.state {
            Truth::True => "fired",
            Truth::False => "silent",
            Truth::Unknown => "unknown: data missing",
        };
        out.push_str(&format!(
            "│  {branch} {points}  {}{group}: {} — {state}\n",
            s.name, s.text
        ));
        let values = seen(plan, row, &signal_columns(plan, i));
        if !values.is_empty() {
            out.push_str(&format!("│  {pipe}         saw {values}\n"));
        }
        if let (Some(f), Some(d)) = (r.decay, &s.decay) {
            out.push_str(&format!(
                "│  {pipe}         decayed ×{f:.3} (half-life {} days)\n",
                fmt_points(d.half_life_days)
            ));
        }
        if let Some(b) = &s.because {
            out.push_str(&format!("│  {pipe}         because {b:?}\n"));
        }
    }
    for (g, score) in plan.groups.iter().zip(&o.groups) {
        let cap = g
            .cap
            .map(|c| format!(" (cap {})", fmt_points(c)))
            .unwrap_or_default();
        out.push_str(&format!(
            "├─ group {}: {}{cap}\n",
            g.name,
            fmt_points(*score)
        ));
    }
    match o.tier.and_then(|t| plan.tiers.get(t)) {
        Some(t) => out.push_str(&format!("└─ tier {}: {}\n", t.name, t.text)),
        None => out.push_str("└─ no tier matched\n"),
    }
    out
}

/// The explanation as JSON.
pub fn json(plan: &Plan, row: &[Value], o: &Outcome) -> Json {
    let mut gates: Vec<&crate::plan::Gate> = plan.gates.iter().collect();
    gates.sort_by_key(|g| g.order);
    let gates: Vec<Json> = gates
        .iter()
        .map(|g| {
            let mut cols = BTreeSet::new();
            columns_of(plan, g.cond, &mut cols);
            json!({
                "name": g.name,
                "kind": g.kind.word(),
                "condition": g.text,
                "result": crate::eval::eval_cond(plan, row, g.cond),
                "because": g.because,
                "values": values_json(plan, row, &cols),
            })
        })
        .collect();
    let signals: Vec<Json> = plan
        .signals
        .iter()
        .zip(&o.signals)
        .enumerate()
        .map(|(i, (s, r))| {
            json!({
                "name": s.name,
                "group": s.group.and_then(|g| plan.groups.get(g)).map(|g| &g.name),
                "condition": s.text,
                "state": r.state,
                "points": round2(r.points),
                "decay": r.decay.map(round4),
                "because": s.because,
                "values": values_json(plan, row, &signal_columns(plan, i)),
            })
        })
        .collect();
    json!({
        "icp": plan.icp,
        "as_of": plan.as_of,
        "passed": o.passed(),
        "removed_by": o.removed_by.and_then(|g| plan.gates.get(g)).map(|g| &g.name),
        "gates": gates,
        "signals": signals,
        "groups": plan.groups.iter().zip(&o.groups).map(|(g, s)| json!({ "name": g.name, "score": round2(*s), "cap": g.cap })).collect::<Vec<_>>(),
        "score": round2(o.score),
        "max_score": round2(max_score(plan)),
        "coverage": round4(o.coverage),
        "tier": o.tier.and_then(|t| plan.tiers.get(t)).map(|t| json!({ "name": t.name, "rule": t.text })),
    })
}

fn values_json(plan: &Plan, row: &[Value], cols: &BTreeSet<usize>) -> Json {
    let mut m = serde_json::Map::new();
    for c in cols {
        if let (Some(col), Some(v)) = (plan.columns.get(*c), row.get(*c)) {
            m.insert(col.field.clone(), json!(show_value(plan, *c, v)));
        }
    }
    Json::Object(m)
}

pub fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}
