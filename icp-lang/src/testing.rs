//! Running an ICP's `test` blocks: `given` becomes a row, the plan runs, and
//! each `expect` is compared with what happened.

use crate::ast::{self, Expect, GivenValue, LitValue, Member, Operand, SignalState};
use crate::check::{Checked, DeclId};
use crate::eval::{evaluate, Outcome, Truth, Value};
use crate::plan::{lower_icp, ColType, GateKind, Plan};
use crate::span::Span;
use serde::Serialize;

#[derive(Clone, Debug, Serialize)]
pub struct TestResult {
    pub icp: String,
    pub name: String,
    pub span: Span,
    /// One line per expectation that did not hold; empty when the test passed.
    pub failures: Vec<String>,
    /// What the plan did with the given account, for explanations.
    #[serde(skip)]
    pub outcome: Outcome,
    /// The plan the test ran on when it names its own day (`as_of`): the
    /// ICP's plan lowered for that day.
    #[serde(skip)]
    pub plan: Option<Plan>,
}

impl TestResult {
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

/// Runs the tests written in ICP `id` against its plan.
pub fn run_tests(checked: &Checked<'_>, id: DeclId, plan: &Plan) -> Vec<TestResult> {
    let Some(eff) = checked.effective.get(&id) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for m in &eff.decl.members {
        let Member::Test(t) = m else { continue };
        // A test that names its day runs on it, whatever day it is run.
        let dated = match t.as_of.as_ref().map(|l| &l.value) {
            Some(LitValue::Date(d)) => lower_icp(checked, id, *d),
            _ => None,
        };
        let plan = dated.as_ref().unwrap_or(plan);
        let row = given_row(plan, &t.given);
        let outcome = evaluate(plan, &row);
        let failures = t
            .expects
            .iter()
            .filter_map(|e| check_expect(plan, &outcome, e))
            .collect();
        out.push(TestResult {
            icp: plan.icp.clone(),
            name: t.name.value.clone(),
            span: t.span,
            failures,
            outcome,
            plan: dated,
        });
    }
    out
}

/// The row a `given` block describes: every column the plan reads, missing
/// unless given.
pub fn given_row(plan: &Plan, given: &[ast::GivenField]) -> Vec<Value> {
    plan.columns
        .iter()
        .map(|c| match given.iter().find(|g| g.name.name == c.field) {
            None => Value::Missing,
            Some(g) => match (&g.value, &c.ty) {
                (GivenValue::List(items, _), ColType::Set(elem)) => {
                    Value::Set(items.iter().map(|i| operand_value(plan, elem, i)).collect())
                }
                (GivenValue::One(v), ColType::Set(elem)) => {
                    Value::Set(vec![operand_value(plan, elem, v)])
                }
                (GivenValue::One(v), ty) => operand_value(plan, ty, v),
                (GivenValue::List(..), _) => Value::Missing,
            },
        })
        .collect()
}

fn operand_value(plan: &Plan, ty: &ColType, op: &Operand) -> Value {
    match op {
        Operand::Name(n) => match ty {
            ColType::Enum(e) => plan
                .enums
                .get(*e)
                .and_then(|t| t.variants.iter().position(|v| *v == n.name))
                .and_then(|i| u16::try_from(i).ok())
                .map(Value::Enum)
                .unwrap_or(Value::Missing),
            _ => Value::Missing,
        },
        Operand::Literal(l) => match &l.value {
            LitValue::Number(n) | LitValue::Money(n) | LitValue::Percent(n) => Value::Num(*n),
            LitValue::Duration(d) => Value::Num(d.approx_days()),
            LitValue::Date(d) => Value::Date(d.days()),
            LitValue::Bool(b) => Value::Bool(*b),
            LitValue::Str(s) => Value::Text {
                id: plan
                    .texts
                    .iter()
                    .position(|t| crate::values::same_text(t, s)),
                text: s.clone(),
            },
        },
    }
}

fn tier_name(plan: &Plan, o: &Outcome) -> String {
    match (
        o.removed_by.and_then(|g| plan.gates.get(g)),
        o.tier.and_then(|t| plan.tiers.get(t)),
    ) {
        (Some(g), _) => format!("removed by `{}`", g.name),
        (None, Some(t)) => format!("tier `{}` (score {})", t.name, fmt_points(o.score)),
        (None, None) => format!("no tier (score {})", fmt_points(o.score)),
    }
}

/// Points rounded to two decimals, without a trailing `.0`.
pub fn fmt_points(p: f64) -> String {
    let r = (p * 100.0).round() / 100.0;
    if r.fract() == 0.0 && r.abs() < 1e15 {
        (r as i64).to_string()
    } else {
        r.to_string()
    }
}

fn check_expect(plan: &Plan, o: &Outcome, e: &Expect) -> Option<String> {
    match e {
        Expect::Tier(name, _) => {
            let got = o
                .tier
                .and_then(|t| plan.tiers.get(t))
                .map(|t| t.name.as_str());
            (got != Some(name.name.as_str()) || !o.passed())
                .then(|| format!("expected tier `{}`, got {}", name.name, tier_name(plan, o)))
        }
        Expect::NoTier(_) => (o.tier.is_some() && o.passed())
            .then(|| format!("expected no tier, got {}", tier_name(plan, o))),
        Expect::ExcludedBy(name, _) => {
            let by = o.removed_by.and_then(|g| plan.gates.get(g));
            match by {
                Some(g) if g.name == name.name => None,
                Some(g) => Some(format!(
                    "expected removal by `{}`, but `{}` removed it first",
                    name.name, g.name
                )),
                None => Some(format!(
                    "expected removal by `{}`, but the account passed every filter ({})",
                    name.name,
                    tier_name(plan, o)
                )),
            }
        }
        Expect::Passes(_) => o.removed_by.and_then(|g| plan.gates.get(g)).map(|g| {
            let what = if g.kind == GateKind::Filter {
                "filter"
            } else {
                "exclusion"
            };
            format!(
                "expected the account to pass, but {what} `{}` removed it",
                g.name
            )
        }),
        Expect::Signal(name, state, _) => {
            let Some(i) = plan.signals.iter().position(|s| s.name == name.name) else {
                return Some(format!("no signal `{}`", name.name));
            };
            if !o.passed() {
                return Some(format!(
                    "signal `{}` was not evaluated: the account was {}",
                    name.name,
                    tier_name(plan, o)
                ));
            }
            let got = o.signals.get(i).map(|s| s.state).unwrap_or(Truth::Unknown);
            let want = match state {
                SignalState::Fires => Truth::True,
                SignalState::Silent => Truth::False,
                SignalState::Unknown => Truth::Unknown,
            };
            let word = |t: Truth| match t {
                Truth::True => "fires",
                Truth::False => "is silent",
                Truth::Unknown => "is unknown (data missing)",
            };
            (got != want).then(|| {
                format!(
                    "expected signal `{}` {}, but it {}",
                    name.name,
                    word(want),
                    word(got)
                )
            })
        }
        Expect::Score {
            name, op, value, ..
        } => {
            let want = crate::values::scalar(&value.value).unwrap_or(0.0);
            let got = if name.name == "score" {
                o.score
            } else {
                let g = plan.groups.iter().position(|g| g.name == name.name)?;
                o.groups.get(g).copied().unwrap_or(0.0)
            };
            let holds = match op {
                ast::CmpOp::Eq => (got - want).abs() < 1e-9,
                ast::CmpOp::Ne => (got - want).abs() >= 1e-9,
                ast::CmpOp::Lt => got < want,
                ast::CmpOp::Le => got <= want,
                ast::CmpOp::Gt => got > want,
                ast::CmpOp::Ge => got >= want,
            };
            let removed = if o.passed() {
                String::new()
            } else {
                format!(" ({})", tier_name(plan, o))
            };
            (!holds).then(|| {
                format!(
                    "expected {} {} {}, got {}{removed}",
                    name.name,
                    op.as_str(),
                    fmt_points(want),
                    fmt_points(got)
                )
            })
        }
    }
}
