//! Property test: the compiled plan agrees with a straightforward reference
//! evaluator, written separately against the syntax tree, on generated ICPs
//! and generated accounts with plenty of missing values.
#![allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

mod common;

use icp_lang::ast::{
    self, CmpOp, Date, Expr, HasMode, InSet, LitValue, Member, Operand, RuleBody, RuleKind,
};
use icp_lang::check;
use icp_lang::diagnostic::Severity;
use icp_lang::eval::{evaluate, Truth, Value};
use icp_lang::plan::{lower_icp, ColType, Plan};
use std::collections::HashMap;
use std::path::PathBuf;

use icp_lang::rng::Rng;

const SCHEMA: &str = "enum E { a, b, c }\nschema S {\n  k: text key\n  n: int?\n  m: money?\n  p: percent?\n  t: text?\n  e: E?\n  s: set<text>?\n  d: date?\n  f: bool?\n}\n";
const TEXTS: &[&str] = &["x", "y", "z"];

/// A random condition over the schema's fields.
fn condition(r: &mut Rng, depth: u32) -> String {
    if depth > 0 && r.chance(35) {
        let a = condition(r, depth - 1);
        let b = condition(r, depth - 1);
        return match r.below(3) {
            0 => format!("({a} and {b})"),
            1 => format!("({a} or {b})"),
            _ => format!("not ({a})"),
        };
    }
    let op = *r.pick(&["==", "!=", "<", "<=", ">", ">="]);
    match r.below(14) {
        0 => format!("n {op} {}", r.below(10)),
        1 => format!(
            "n in {}..{}{}",
            r.below(5),
            if r.chance(50) { "=" } else { "" },
            3 + r.below(6)
        ),
        2 => format!("m {op} ${}k", r.below(10)),
        3 => format!("p {op} {}%", r.below(10)),
        4 => format!(
            "t {} \"{}\"",
            if r.chance(50) { "==" } else { "!=" },
            r.pick(TEXTS)
        ),
        5 => format!(
            "t {}in [\"{}\", \"{}\"]",
            if r.chance(30) { "not " } else { "" },
            r.pick(TEXTS),
            r.pick(TEXTS)
        ),
        6 => format!(
            "e {} {}",
            if r.chance(50) { "==" } else { "!=" },
            r.pick(&["a", "b", "c"])
        ),
        7 => format!(
            "e {}in [{}, {}]",
            if r.chance(30) { "not " } else { "" },
            r.pick(&["a", "b", "c"]),
            r.pick(&["a", "b", "c"])
        ),
        8 => format!(
            "s has {} [\"{}\", \"{}\"]",
            r.pick(&["any", "all", "none"]),
            r.pick(TEXTS),
            r.pick(TEXTS)
        ),
        9 => format!("s has \"{}\"", r.pick(TEXTS)),
        10 => format!("d within {}d", 1 + r.below(20)),
        11 => format!(
            "{} is {}",
            r.pick(&["n", "m", "t", "e", "s", "d", "f"]),
            r.pick(&["missing", "known"])
        ),
        12 => "f".to_string(),
        _ => format!(
            "t {}matches \"{}\"",
            if r.chance(30) { "not " } else { "" },
            r.pick(&["x*", "*y", "?", "*"])
        ),
    }
}

fn random_icp(r: &mut Rng) -> String {
    let mut s = String::from(SCHEMA);
    s.push_str("icp gen for S {\n  owner \"o@example.com\"\n  reviewed 2026-10-01 every 90d\n");
    for i in 0..(1 + r.below(3)) {
        // Filters say what missing means, so the generator's files check clean.
        let kind = if r.chance(50) { "filter" } else { "exclude" };
        let c = condition(r, 2);
        let guard = if kind == "filter" {
            " or n is missing or m is missing or p is missing or t is missing or e is missing or s is missing or d is missing or f is missing"
        } else {
            ""
        };
        s.push_str(&format!("  {kind} g{i}: ({c}){guard}\n"));
    }
    let groups = r.below(3);
    let mut signal = 0;
    let mut signals = |r: &mut Rng, s: &mut String, indent: &str| {
        for _ in 0..(1 + r.below(4)) {
            let w = r.below(40) as i64 - 10;
            if r.chance(15) {
                s.push_str(&format!("{indent}signal s{signal}: points by n {{\n{indent}  ..2 => {}\n{indent}  2..5 => {}\n{indent}  5.. => {}\n{indent}}}\n", r.below(9), r.below(9), r.below(9)));
            } else if r.chance(15) {
                s.push_str(&format!(
                    "{indent}signal s{signal}: d within {}d weight {w} decay half_life {}d\n",
                    1 + r.below(30),
                    1 + r.below(10)
                ));
            } else {
                s.push_str(&format!(
                    "{indent}signal s{signal}: {} weight {w}\n",
                    condition(r, 2)
                ));
            }
            signal += 1;
        }
    };
    let mut group_names = Vec::new();
    for gi in 0..groups {
        let cap = if r.chance(50) {
            format!(" cap {}", 5 + r.below(40))
        } else {
            String::new()
        };
        s.push_str(&format!("  group q{gi}{cap} {{\n"));
        signals(r, &mut s, "    ");
        s.push_str("  }\n");
        group_names.push(format!("q{gi}"));
    }
    signals(r, &mut s, "  ");
    let var = |r: &mut Rng| {
        if group_names.is_empty() || r.chance(50) {
            "score".to_string()
        } else {
            r.pick(&group_names).clone()
        }
    };
    let (v1, v2) = (var(r), var(r));
    s.push_str(&format!(
        "  tier T1: {v1} >= {} and {v2} >= {}\n",
        r.below(40),
        r.below(20)
    ));
    s.push_str(&format!("  tier T2: {} >= {}\n", var(r), r.below(15)));
    s.push_str("  tier T3: otherwise\n}\n");
    s
}

#[derive(Clone, Debug)]
enum RefVal {
    Missing,
    Num(f64),
    Text(String),
    Enum(String),
    Set(Vec<String>),
    Date(i64),
    Bool(bool),
}

fn random_row(r: &mut Rng, as_of: i64) -> HashMap<&'static str, RefVal> {
    let mut row = HashMap::new();
    let mut put = |r: &mut Rng, k: &'static str, v: RefVal| {
        row.insert(k, if r.chance(25) { RefVal::Missing } else { v });
    };
    let v = RefVal::Num(r.below(10) as f64);
    put(r, "n", v);
    let v = RefVal::Num((r.below(10) * 1000) as f64);
    put(r, "m", v);
    let v = RefVal::Num(r.below(10) as f64);
    put(r, "p", v);
    let v = RefVal::Text(r.pick(&["x", "y", "z", "xyz", "ay"]).to_string());
    put(r, "t", v);
    let v = RefVal::Enum(r.pick(&["a", "b", "c"]).to_string());
    put(r, "e", v);
    let n = r.below(4);
    let v = RefVal::Set(
        (0..n)
            .map(|_| r.pick(&["x", "y", "z", "w"]).to_string())
            .collect(),
    );
    put(r, "s", v);
    let v = RefVal::Date(as_of - r.below(40) as i64 + 5);
    put(r, "d", v);
    let v = RefVal::Bool(r.chance(50));
    put(r, "f", v);
    row
}

// ------------------------------------------------------------------ reference

fn lit_num(l: &ast::Literal) -> Option<f64> {
    match &l.value {
        LitValue::Number(n) | LitValue::Money(n) | LitValue::Percent(n) => Some(*n),
        LitValue::Date(d) => Some(d.days() as f64),
        _ => None,
    }
}

fn word(o: &Operand) -> String {
    match o {
        Operand::Name(n) => n.name.clone(),
        Operand::Literal(ast::Literal {
            value: LitValue::Str(s),
            ..
        }) => s.clone(),
        Operand::Literal(l) => format!("{:?}", l.value),
    }
}

fn cmp(op: CmpOp, a: f64, b: f64) -> bool {
    match op {
        CmpOp::Eq => a == b,
        CmpOp::Ne => a != b,
        CmpOp::Lt => a < b,
        CmpOp::Le => a <= b,
        CmpOp::Gt => a > b,
        CmpOp::Ge => a >= b,
    }
}

fn tv(b: bool) -> Truth {
    if b {
        Truth::True
    } else {
        Truth::False
    }
}

fn glob_ref(p: &str, t: &str) -> bool {
    // Recursive, as the textbook writes it.
    fn go(p: &[char], t: &[char]) -> bool {
        match (p.first(), t.first()) {
            (None, None) => true,
            (Some('*'), _) => go(&p[1..], t) || (!t.is_empty() && go(p, &t[1..])),
            (Some('?'), Some(_)) => go(&p[1..], &t[1..]),
            (Some(a), Some(b)) if a.to_lowercase().eq(b.to_lowercase()) => go(&p[1..], &t[1..]),
            _ => false,
        }
    }
    go(
        &p.chars().collect::<Vec<_>>(),
        &t.chars().collect::<Vec<_>>(),
    )
}

fn eval_ref(e: &Expr, row: &HashMap<&str, RefVal>, as_of: i64) -> Truth {
    let field = |o: &Operand| match o {
        Operand::Name(n) => row.get(n.name.as_str()).cloned().unwrap_or(RefVal::Missing),
        Operand::Literal(_) => RefVal::Missing,
    };
    match e {
        Expr::And(parts, _) => {
            let vals: Vec<Truth> = parts.iter().map(|p| eval_ref(p, row, as_of)).collect();
            if vals.contains(&Truth::False) {
                Truth::False
            } else if vals.contains(&Truth::Unknown) {
                Truth::Unknown
            } else {
                Truth::True
            }
        }
        Expr::Or(parts, _) => {
            let vals: Vec<Truth> = parts.iter().map(|p| eval_ref(p, row, as_of)).collect();
            if vals.contains(&Truth::True) {
                Truth::True
            } else if vals.contains(&Truth::Unknown) {
                Truth::Unknown
            } else {
                Truth::False
            }
        }
        Expr::Not(inner, _) => match eval_ref(inner, row, as_of) {
            Truth::True => Truth::False,
            Truth::False => Truth::True,
            Truth::Unknown => Truth::Unknown,
        },
        Expr::Operand(o) => match field(o) {
            RefVal::Bool(b) => tv(b),
            _ => Truth::Unknown,
        },
        Expr::Compare { lhs, op, rhs, .. } => match (field(lhs), rhs) {
            (RefVal::Missing, _) => Truth::Unknown,
            (RefVal::Num(a), Operand::Literal(l)) => tv(cmp(*op, a, lit_num(l).unwrap())),
            (RefVal::Text(a), o) | (RefVal::Enum(a), o) => tv((a == word(o)) == (*op == CmpOp::Eq)),
            other => panic!("unexpected comparison {other:?}"),
        },
        Expr::In {
            lhs, negated, set, ..
        } => {
            let v = field(lhs);
            let hit = match (&v, set) {
                (RefVal::Missing, _) => return Truth::Unknown,
                (RefVal::Num(a), InSet::Range(r)) => {
                    let lo = r.lo.as_ref().is_none_or(|l| *a >= lit_num(l).unwrap());
                    let hi = r.hi.as_ref().is_none_or(|h| {
                        if r.inclusive {
                            *a <= lit_num(h).unwrap()
                        } else {
                            *a < lit_num(h).unwrap()
                        }
                    });
                    lo && hi
                }
                (RefVal::Text(a) | RefVal::Enum(a), InSet::List(items, _)) => {
                    items.iter().any(|i| word(i) == *a)
                }
                other => panic!("unexpected in {other:?}"),
            };
            tv(hit != *negated)
        }
        Expr::Has {
            lhs, mode, items, ..
        } => {
            let RefVal::Set(set) = field(lhs) else {
                return Truth::Unknown;
            };
            let has = |i: &Operand| set.contains(&word(i));
            tv(match mode {
                HasMode::Any | HasMode::One => items.iter().any(has),
                HasMode::All => items.iter().all(has),
                HasMode::None => !items.iter().any(has),
            })
        }
        Expr::Matches {
            lhs,
            negated,
            patterns,
            ..
        } => match field(lhs) {
            RefVal::Text(t) => tv(patterns.iter().any(|p| glob_ref(&p.value, &t)) != *negated),
            _ => Truth::Unknown,
        },
        Expr::Within { lhs, duration, .. } => match (field(lhs), &duration.value) {
            (RefVal::Date(d), LitValue::Duration(dur)) => {
                let from = Date::from_days(as_of).minus(*dur).days();
                tv(from <= d && d <= as_of)
            }
            _ => Truth::Unknown,
        },
        Expr::Is { lhs, known, .. } => tv(matches!(field(lhs), RefVal::Missing) != *known),
    }
}

struct RefOutcome {
    removed_by: Option<String>,
    signals: Vec<(String, Truth, f64)>,
    score: f64,
    tier: Option<String>,
}

fn reference(icp: &ast::IcpDecl, row: &HashMap<&str, RefVal>, as_of: i64) -> RefOutcome {
    for m in &icp.members {
        if let Member::Rule(r) = m {
            let RuleBody::Condition { expr, .. } = &r.body else {
                continue;
            };
            let t = eval_ref(expr, row, as_of);
            let removed = match r.kind {
                RuleKind::Filter => t != Truth::True,
                RuleKind::Exclude => t == Truth::True,
                RuleKind::Signal => false,
            };
            if removed {
                return RefOutcome {
                    removed_by: Some(r.name.name.clone()),
                    signals: Vec::new(),
                    score: 0.0,
                    tier: None,
                };
            }
        }
    }
    let mut signals = Vec::new();
    let mut groups: Vec<(String, f64, Option<f64>)> = Vec::new();
    let mut loose = 0.0;
    let score_rule = |r: &ast::Rule,
                      group: Option<usize>,
                      groups: &mut Vec<(String, f64, Option<f64>)>,
                      loose: &mut f64,
                      signals: &mut Vec<(String, Truth, f64)>| {
        let (t, pts) = match &r.body {
            RuleBody::Condition { expr, weight } => {
                let t = eval_ref(expr, row, as_of);
                let mut pts = if t == Truth::True {
                    lit_num(weight.as_ref().unwrap()).unwrap()
                } else {
                    0.0
                };
                if let (Some(hl), Truth::True) = (&r.decay, t) {
                    let LitValue::Duration(h) = hl.value else {
                        unreachable!()
                    };
                    let Some(RefVal::Date(d)) = row.get("d") else {
                        unreachable!()
                    };
                    pts *= 0.5f64.powf((as_of - d).max(0) as f64 / h.approx_days());
                }
                (t, pts)
            }
            RuleBody::Bands { field, bands, .. } => match row.get(field.name.as_str()) {
                Some(RefVal::Num(v)) => {
                    let hit = bands.iter().find(|b| match &b.pattern {
                        ast::BandPattern::Range(r) => {
                            r.lo.as_ref().is_none_or(|l| *v >= lit_num(l).unwrap())
                                && r.hi.as_ref().is_none_or(|h| {
                                    if r.inclusive {
                                        *v <= lit_num(h).unwrap()
                                    } else {
                                        *v < lit_num(h).unwrap()
                                    }
                                })
                        }
                        _ => false,
                    });
                    match hit {
                        Some(b) => (Truth::True, lit_num(&b.points).unwrap()),
                        None => (Truth::False, 0.0),
                    }
                }
                _ => (Truth::Unknown, 0.0),
            },
        };
        match group {
            Some(g) => groups[g].1 += pts,
            None => *loose += pts,
        }
        signals.push((r.name.name.clone(), t, pts));
    };
    for m in &icp.members {
        match m {
            Member::Group(g) => {
                groups.push((g.name.name.clone(), 0.0, g.cap.as_ref().and_then(lit_num)));
                let gi = groups.len() - 1;
                for r in &g.rules {
                    score_rule(r, Some(gi), &mut groups, &mut loose, &mut signals);
                }
            }
            Member::Rule(r) if r.kind == RuleKind::Signal => {
                score_rule(r, None, &mut groups, &mut loose, &mut signals)
            }
            _ => {}
        }
    }
    for g in &mut groups {
        if let Some(cap) = g.2 {
            g.1 = g.1.min(cap);
        }
    }
    let score = loose + groups.iter().map(|g| g.1).sum::<f64>();
    let value = |o: &Operand| match o {
        Operand::Name(n) if n.name == "score" => score,
        Operand::Name(n) => groups.iter().find(|g| g.0 == n.name).map(|g| g.1).unwrap(),
        Operand::Literal(l) => lit_num(l).unwrap(),
    };
    fn tier_true(e: &Expr, value: &dyn Fn(&Operand) -> f64) -> bool {
        match e {
            Expr::And(p, _) => p.iter().all(|x| tier_true(x, value)),
            Expr::Or(p, _) => p.iter().any(|x| tier_true(x, value)),
            Expr::Not(x, _) => !tier_true(x, value),
            Expr::Compare { lhs, op, rhs, .. } => cmp(*op, value(lhs), value(rhs)),
            other => panic!("unexpected tier condition {other:?}"),
        }
    }
    let tier = icp.members.iter().find_map(|m| match m {
        Member::Tier(t) if t.condition.as_ref().is_none_or(|c| tier_true(c, &value)) => {
            Some(t.name.name.clone())
        }
        _ => None,
    });
    RefOutcome {
        removed_by: None,
        signals,
        score,
        tier,
    }
}

/// The same row as the plan's columns see it.
fn plan_row(plan: &Plan, row: &HashMap<&str, RefVal>) -> Vec<Value> {
    plan.columns
        .iter()
        .map(|c| {
            match row
                .get(c.field.as_str())
                .cloned()
                .unwrap_or(RefVal::Missing)
            {
                RefVal::Missing => Value::Missing,
                RefVal::Num(n) => Value::Num(n),
                RefVal::Bool(b) => Value::Bool(b),
                RefVal::Date(d) => Value::Date(d),
                RefVal::Text(t) => Value::Text {
                    id: plan.texts.iter().position(|x| *x == t),
                    text: t,
                },
                RefVal::Enum(v) => {
                    let ColType::Enum(e) = c.ty else {
                        panic!("not an enum column")
                    };
                    Value::Enum(plan.enums[e].variants.iter().position(|x| *x == v).unwrap() as u16)
                }
                RefVal::Set(items) => Value::Set(
                    items
                        .into_iter()
                        .map(|t| Value::Text {
                            id: plan.texts.iter().position(|x| *x == t),
                            text: t,
                        })
                        .collect(),
                ),
            }
        })
        .collect()
}

#[test]
fn plan_agrees_with_the_reference_evaluator() {
    let as_of = Date::new(2026, 11, 1).unwrap();
    let mut r = Rng(0x2545_F491_4F6C_DD1D);
    let (mut programs, mut rows) = (0, 0);
    for case in 0..300 {
        let src = random_icp(&mut r);
        let path = PathBuf::from("/gen/x.icp");
        let one = icp_lang::tree::MemTree::new([(path.clone(), src.clone())]);
        let project = icp_lang::project::load(&one, &[path]);
        let checked = check::check(&project, &check::Options::new(as_of));
        let errors: Vec<_> = checked
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .collect();
        assert!(
            errors.is_empty(),
            "case {case}: generated ICP has errors:\n{src}\n{errors:?}"
        );
        let id = checked.icps_in(icp_lang::span::FileId(0))[0];
        let plan = lower_icp(&checked, id, as_of).unwrap();
        let icp = match checked.decl(id).unwrap().item {
            ast::Item::Icp(i) => i,
            _ => unreachable!(),
        };
        programs += 1;
        for _ in 0..60 {
            let row = random_row(&mut r, as_of.days());
            let want = reference(icp, &row, as_of.days());
            let got = evaluate(&plan, &plan_row(&plan, &row));
            let ctx = || format!("case {case}\n{src}\nrow {row:?}");
            assert_eq!(
                got.removed_by.map(|g| plan.gates[g].name.clone()),
                want.removed_by,
                "{}",
                ctx()
            );
            if want.removed_by.is_none() {
                for (i, (name, t, pts)) in want.signals.iter().enumerate() {
                    let s = plan.signals.iter().position(|s| s.name == *name).unwrap();
                    assert_eq!(got.signals[s].state, *t, "signal {name} (#{i}) {}", ctx());
                    assert!(
                        (got.signals[s].points - pts).abs() < 1e-9,
                        "signal {name} points {} vs {pts} {}",
                        got.signals[s].points,
                        ctx()
                    );
                }
                assert!(
                    (got.score - want.score).abs() < 1e-9,
                    "score {} vs {} {}",
                    got.score,
                    want.score,
                    ctx()
                );
                assert_eq!(
                    got.tier.map(|t| plan.tiers[t].name.clone()),
                    want.tier,
                    "{}",
                    ctx()
                );
            }
            rows += 1;
        }
    }
    assert_eq!((programs, rows), (300, 18_000));
}

/// A cell as a CRM export writes it, varied the ways `icp score` forgives
/// (spaces around text and set parts, enum values in other cases).
fn csv_cell(v: &RefVal, look: &mut Rng) -> String {
    let quote = |s: String| {
        if s.contains([',', '"', '\n']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s
        }
    };
    match v {
        RefVal::Missing => String::new(),
        RefVal::Num(n) => format!("{n}"),
        RefVal::Bool(b) => format!("{b}"),
        RefVal::Date(d) => Date::from_days(*d).to_string(),
        RefVal::Text(t) => quote(if look.chance(20) {
            format!(" {t} ")
        } else {
            t.clone()
        }),
        RefVal::Enum(e) => quote(match look.below(4) {
            0 => e.to_uppercase(),
            1 => format!(" {e}"),
            _ => e.clone(),
        }),
        RefVal::Set(items) => {
            let sep = if look.chance(30) { " ; " } else { ";" };
            let s = items.join(sep);
            // A set with no parts is written as a lone separator (known, empty).
            quote(if s.is_empty() { ";".into() } else { s })
        }
    }
}

/// The generated cases of `plan_agrees_with_the_reference_evaluator` (same
/// seed, same ICPs and rows) for the SQL back end's tests on real engines
/// (`tests/sql`): with `ICP_SQL_CASES` set to a folder, writes
/// `case_NNN.icp` and `case_NNN.csv` there. Always checks that every case
/// compiles to SQL for every dialect.
#[test]
fn generated_cases_compile_to_sql() {
    let as_of = Date::new(2026, 11, 1).unwrap();
    let out = std::env::var_os("ICP_SQL_CASES").map(PathBuf::from);
    if let Some(dir) = &out {
        std::fs::create_dir_all(dir).unwrap();
    }
    let mut r = Rng(0x2545_F491_4F6C_DD1D);
    let mut look = Rng(0x9E37_79B9_7F4A_7C15);
    let fields = ["k", "n", "m", "p", "t", "e", "s", "d", "f"];
    for case in 0..300 {
        let src = random_icp(&mut r);
        let path = PathBuf::from("/gen/x.icp");
        let one = icp_lang::tree::MemTree::new([(path.clone(), src.clone())]);
        let project = icp_lang::project::load(&one, &[path]);
        let checked = check::check(&project, &check::Options::new(as_of));
        let id = checked.icps_in(icp_lang::span::FileId(0))[0];
        let plan = lower_icp(&checked, id, as_of).unwrap();
        for d in icp_lang::sql::Dialect::ALL {
            let opts = icp_lang::sql::Options::new(d, "accounts");
            let sql = icp_lang::sql::query(&plan, &opts);
            assert!(sql.is_ok(), "case {case} {d:?}: {sql:?}\n{src}");
        }
        let mut csv = fields.join(",") + "\n";
        for row_no in 0..60 {
            let row = random_row(&mut r, as_of.days());
            let mut cells = vec![format!("c{case}r{row_no}")];
            for f in &fields[1..] {
                cells.push(csv_cell(row.get(f).unwrap_or(&RefVal::Missing), &mut look));
            }
            csv.push_str(&cells.join(","));
            csv.push('\n');
        }
        if let Some(dir) = &out {
            std::fs::write(dir.join(format!("case_{case:03}.icp")), &src).unwrap();
            std::fs::write(dir.join(format!("case_{case:03}.csv")), &csv).unwrap();
        }
    }
}

/// `plan` with signal `i` awarding exactly `points` (condition always true,
/// no decay): a change applied in the ICP's own terms, then scored by the
/// real evaluator.
fn with_points(plan: &Plan, set: &[(usize, f64)]) -> Plan {
    use icp_lang::plan::{Cond, Points};
    let mut p = plan.clone();
    let yes = p.conds.len();
    p.conds.push(Cond::True);
    for &(i, points) in set {
        p.signals[i].points = Points::Weight {
            cond: yes,
            weight: points,
        };
        p.signals[i].decay = None;
    }
    p
}

/// Every amount a signal can award, other than today's.
fn amounts(plan: &Plan, i: usize, now: f64) -> Vec<f64> {
    use icp_lang::plan::Points;
    let mut v = vec![0.0];
    match &plan.signals[i].points {
        Points::Weight { weight, .. } => v.push(*weight),
        Points::Bands { bands, .. } => v.extend(bands.iter().map(|b| b.points)),
    }
    v.retain(|p| (p - now).abs() > 1e-12);
    v.dedup();
    v
}

/// Whether some assignment of other amounts to exactly these signals
/// reaches tier `target` or better.
fn any_reaches(plan: &Plan, row: &[Value], now: &[f64], signals: &[usize], target: usize) -> bool {
    let choices: Vec<Vec<f64>> = signals.iter().map(|&i| amounts(plan, i, now[i])).collect();
    if choices.iter().any(Vec::is_empty) {
        return false;
    }
    let mut which = vec![0usize; signals.len()];
    loop {
        let set: Vec<(usize, f64)> = signals
            .iter()
            .zip(&which)
            .enumerate()
            .map(|(k, (&i, &w))| (i, choices[k][w]))
            .collect();
        if evaluate(&with_points(plan, &set), row)
            .tier
            .is_some_and(|t| t <= target)
        {
            return true;
        }
        let mut k = signals.len();
        loop {
            if k == 0 {
                return false;
            }
            k -= 1;
            which[k] += 1;
            if which[k] < choices[k].len() {
                break;
            }
            which[k] = 0;
        }
    }
}

#[test]
fn what_would_it_take_reaches_the_tier_with_minimal_sets() {
    use icp_lang::reach::{reach, MAX_SIZE};
    let as_of = Date::new(2026, 11, 1).unwrap();
    let mut r = Rng(0x0DDB_1A5E_5BAD_5EED);
    let (mut options_checked, mut blocked, mut reached) = (0, 0, 0);
    for case in 0..150 {
        let src = random_icp(&mut r);
        let path = PathBuf::from("/gen/x.icp");
        let one = icp_lang::tree::MemTree::new([(path.clone(), src.clone())]);
        let project = icp_lang::project::load(&one, &[path]);
        let checked = check::check(&project, &check::Options::new(as_of));
        let id = checked.icps_in(icp_lang::span::FileId(0))[0];
        let plan = lower_icp(&checked, id, as_of).unwrap();
        for _ in 0..30 {
            let row = plan_row(&plan, &random_row(&mut r, as_of.days()));
            let o = evaluate(&plan, &row);
            for target in 0..plan.tiers.len() {
                let got = reach(&plan, &row, &o, target);
                let ctx = || format!("case {case} target {target}\n{src}\nrow {row:?}\n{got:?}");
                if o.removed_by.is_some() {
                    let failing: Vec<usize> = (0..plan.gates.len())
                        .filter(|&g| icp_lang::eval::gate_fails(&plan, &row, g))
                        .collect();
                    let mut want = failing.clone();
                    want.sort_by_key(|&g| plan.gates[g].order);
                    assert_eq!(got.blocked_by, want, "{}", ctx());
                    assert!(got.options.is_empty(), "{}", ctx());
                    blocked += 1;
                    continue;
                }
                assert_eq!(
                    got.reached,
                    o.tier.is_some_and(|t| t <= target),
                    "{}",
                    ctx()
                );
                if got.reached {
                    reached += 1;
                    continue;
                }
                let now: Vec<f64> = o.signals.iter().map(|s| s.points).collect();
                for option in &got.options {
                    // Applying the changes reaches the tier.
                    let set: Vec<(usize, f64)> = option
                        .changes
                        .iter()
                        .map(|c| (c.signal, c.points))
                        .collect();
                    let after = evaluate(&with_points(&plan, &set), &row);
                    assert!(after.tier.is_some_and(|t| t <= target), "{}", ctx());
                    assert!((after.score - option.score).abs() < 1e-9, "{}", ctx());
                    // No proper subset of its signals would, with any amounts.
                    let signals: Vec<usize> = set.iter().map(|(i, _)| *i).collect();
                    for mask in 1..(1u32 << signals.len()) - 1 {
                        let sub: Vec<usize> = signals
                            .iter()
                            .enumerate()
                            .filter(|(k, _)| mask & (1 << k) != 0)
                            .map(|(_, &i)| i)
                            .collect();
                        assert!(
                            !any_reaches(&plan, &row, &now, &sub, target),
                            "subset {sub:?} suffices: {}",
                            ctx()
                        );
                    }
                    options_checked += 1;
                }
                // The first option is as small as any set can be.
                let n = plan.signals.len();
                let smallest = (1..(1u32 << n))
                    .filter(|m| m.count_ones() as usize <= MAX_SIZE)
                    .filter(|m| {
                        let sub: Vec<usize> = (0..n).filter(|k| m & (1 << k) != 0).collect();
                        any_reaches(&plan, &row, &now, &sub, target)
                    })
                    .map(|m| m.count_ones() as usize)
                    .min();
                match smallest {
                    Some(k) => assert_eq!(
                        got.options.first().map(|o| o.changes.len()),
                        Some(k),
                        "{}",
                        ctx()
                    ),
                    None => assert!(
                        got.options.is_empty() && (got.unreachable || got.truncated),
                        "{}",
                        ctx()
                    ),
                }
            }
        }
    }
    assert!(
        options_checked > 1000 && blocked > 100 && reached > 100,
        "{options_checked} {blocked} {reached}"
    );
}
