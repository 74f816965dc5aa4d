//! Lowering: a checked ICP becomes an evaluation plan that is plain data.
//!
//! Only the columns the ICP reads are listed; enum values become indices,
//! text constants are interned, segments are inlined, conditions live in one
//! flat table, gates (filters and exclusions) are ordered cheapest first, and
//! tiers are a final step over the scores. The plan serialises (`icp compile
//! --emit plan`) and is what `eval` runs.

use crate::ast::{self, CmpOp, Date, Expr, HasMode, InSet, LitValue, Operand, RuleBody, RuleKind};
use crate::check::icp::{within_field, Effective};
use crate::check::{Checked, DeclId, Ty};
use crate::span::{FileId, Span};
use crate::values::scalar;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Plan {
    pub icp: String,
    pub title: Option<String>,
    pub schema: String,
    pub as_of: String,
    /// `as_of` as days since 1970-01-01, for the evaluator.
    #[serde(skip)]
    pub as_of_days: i64,
    /// The columns read from the data, in the order the plan refers to them.
    pub columns: Vec<Column>,
    /// Index into `columns` of the account id, if the schema has a key.
    pub key: Option<usize>,
    pub enums: Vec<EnumTable>,
    /// Text constants; conditions refer to them by index.
    pub texts: Vec<String>,
    /// Filters and exclusions, cheapest first.
    pub gates: Vec<Gate>,
    pub signals: Vec<Signal>,
    pub groups: Vec<GroupPlan>,
    pub tiers: Vec<TierPlan>,
    pub conds: Vec<Cond>,
    /// The ICP's personas, matched against contacts (`icp score --contacts`).
    pub personas: Vec<PersonaPlan>,
    /// Every field of the schema in declared order, read or not, with its doc
    /// comment: what the SQL back end's `CREATE TABLE` and dbt docs describe.
    #[serde(skip)]
    pub fields: Vec<FieldInfo>,
    /// The ICP's doc comment.
    #[serde(skip)]
    pub doc: Option<String>,
    /// `owner "..."`, for reports.
    #[serde(skip)]
    pub owner: Option<String>,
    /// `reviewed DATE every N`: the date and when the next review is due.
    #[serde(skip)]
    pub review: Option<Review>,
}

/// When an ICP was last reviewed and when the next review is due.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Review {
    pub reviewed: Date,
    pub due: Date,
}

/// A schema field as the SQL back end describes it.
#[derive(Clone, Debug, PartialEq)]
pub struct FieldInfo {
    pub field: String,
    /// The CSV header or JSON key.
    pub header: String,
    pub kind: FieldKind,
    pub optional: bool,
    pub key: bool,
    pub doc: Option<String>,
}

/// A field's type, enums by name (the plan lists only the enums it reads).
#[derive(Clone, Debug, PartialEq)]
pub enum FieldKind {
    Int,
    Number,
    Money,
    Percent,
    Text,
    Bool,
    Date,
    Duration,
    Enum(String),
    Set(Box<FieldKind>),
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Column {
    pub field: String,
    /// The CSV header or JSON key this field is read from.
    pub header: String,
    pub ty: ColType,
    pub optional: bool,
    /// Whether conditions need the text itself (`matches`, comparing two
    /// columns), not only whether it equals a constant.
    pub needs_text: bool,
    /// `blank = value`: the cell an empty cell reads as (plain: numbers as
    /// `1500000`, bools as `true`, enum values by name), else `None` (missing).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blank: Option<String>,
    /// `fraction`: a percent cell without `%` is multiplied by 100.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub fraction: bool,
    /// Whether any rule reads the column (the key alone is only written out,
    /// so scoring need not decode it).
    #[serde(skip)]
    pub read: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum ColType {
    Int,
    Number,
    Money,
    Percent,
    Text,
    Bool,
    Date,
    Duration,
    /// Index into `Plan::enums`.
    Enum(usize),
    Set(Box<ColType>),
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EnumTable {
    pub name: String,
    pub variants: Vec<String>,
    /// The variants as data is matched against them: lower case, with
    /// spaces and hyphens as `_` (`In Cycle` is `in_cycle`).
    #[serde(skip)]
    pub normalized: Vec<String>,
    /// The labels variants are also read from (`"Hospital & Health Care"`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<Label>,
}

/// A text a variant is also read from, as a CRM exports it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Label {
    pub variant: u16,
    pub text: String,
    /// `text` as cells are matched against it (`normalize_variant`).
    #[serde(skip)]
    pub normalized: String,
}

pub use crate::values::normalize_variant;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum GateKind {
    Filter,
    Exclude,
}

impl GateKind {
    /// The keyword that declares a gate of this kind: `filter` or `exclude`.
    pub fn word(self) -> &'static str {
        self.rule_kind().keyword()
    }

    pub fn rule_kind(self) -> ast::RuleKind {
        match self {
            GateKind::Filter => ast::RuleKind::Filter,
            GateKind::Exclude => ast::RuleKind::Exclude,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Gate {
    pub name: String,
    /// The condition as written.
    pub text: String,
    pub kind: GateKind,
    /// Position among the gates as written; the first failing gate in this
    /// order is the one reported.
    pub order: usize,
    pub cond: usize,
    pub because: Option<String>,
    /// Relative cost estimate used for the evaluation order.
    pub cost: u32,
    /// Where the rule is written, for diagnostics of later stages.
    #[serde(skip)]
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Signal {
    pub name: String,
    /// The condition (or `points by field`) as written.
    pub text: String,
    pub group: Option<usize>,
    pub points: Points,
    /// Column of the date whose age fades the points, and the half-life in days.
    pub decay: Option<Decay>,
    pub for_job: Option<String>,
    pub because: Option<String>,
    /// The most points the signal can award (in absolute value), for the
    /// share of weight that could be evaluated.
    pub max_abs: f64,
    /// Where the rule is written, for diagnostics of later stages.
    #[serde(skip)]
    pub span: Span,
    /// The rule's doc comment.
    #[serde(skip)]
    pub doc: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum Points {
    /// `condition weight N`.
    Weight { cond: usize, weight: f64 },
    /// `points by column { band => points }`; the first matching band wins.
    Bands { column: usize, bands: Vec<BandPlan> },
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BandPlan {
    pub test: BandTest,
    pub points: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum BandTest {
    Range {
        lo: Option<Bound>,
        hi: Option<Bound>,
    },
    Value(Const),
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Bound {
    pub value: f64,
    pub inclusive: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Decay {
    pub column: usize,
    pub half_life_days: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GroupPlan {
    pub name: String,
    pub cap: Option<f64>,
    /// The group's doc comment.
    #[serde(skip)]
    pub doc: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TierPlan {
    pub name: String,
    /// The condition as written, or `otherwise`.
    pub text: String,
    /// `None` is `otherwise`.
    pub cond: Option<ScoreCond>,
}

/// A tier condition over `score` and the group scores.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum ScoreCond {
    And(Vec<ScoreCond>),
    Or(Vec<ScoreCond>),
    Not(Box<ScoreCond>),
    Cmp {
        var: ScoreVar,
        op: CmpOp,
        value: f64,
    },
    CmpVars {
        a: ScoreVar,
        op: CmpOp,
        b: ScoreVar,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub enum ScoreVar {
    Total,
    Group(usize),
}

/// A constant in a condition, already in the column's representation.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum Const {
    /// Numbers, money and percent (percent as written: 30 for `30%`).
    Num(f64),
    /// Index into `Plan::texts`.
    Text(usize),
    Enum(u16),
    /// Days since 1970-01-01.
    Date(i64),
    Bool(bool),
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum Cond {
    And(Vec<usize>),
    Or(Vec<usize>),
    Not(usize),
    True,
    /// A bool column on its own.
    IsTrue {
        column: usize,
    },
    Cmp {
        column: usize,
        op: CmpOp,
        value: Const,
    },
    CmpColumns {
        a: usize,
        op: CmpOp,
        b: usize,
    },
    InRange {
        column: usize,
        negated: bool,
        lo: Option<Bound>,
        hi: Option<Bound>,
    },
    InList {
        column: usize,
        negated: bool,
        values: Vec<Const>,
    },
    Has {
        column: usize,
        mode: HasMode,
        values: Vec<Const>,
    },
    /// Glob patterns (`*` any run, `?` one character), case-insensitive.
    Matches {
        column: usize,
        negated: bool,
        patterns: Vec<String>,
    },
    /// The date lies in `from..=to` (days), i.e. within the duration before the as-of date.
    Within {
        column: usize,
        from: i64,
        to: i64,
        /// The duration as written, for back ends that judge it against
        /// another date than the plan's as-of date.
        #[serde(skip)]
        duration: Option<ast::Duration>,
    },
    IsMissing {
        column: usize,
        negated: bool,
    },
}

/// Lowers ICP `id` to its plan; `as_of` is the date `within` and decay are
/// judged against. `None` when the checker could not build the ICP's merged
/// view; callers skip ICPs in `checked.has_errors`, which must not run.
pub fn lower_icp(checked: &Checked<'_>, id: DeclId, as_of: Date) -> Option<Plan> {
    let eff = checked.effective.get(&id)?;
    Some(Lowering::new(checked, eff, as_of).run())
}

struct Lowering<'c, 'p> {
    checked: &'c Checked<'p>,
    eff: &'c Effective<'p>,
    as_of: Date,
    plan: Plan,
    column_of: BTreeMap<String, usize>,
    enum_of: BTreeMap<DeclId, usize>,
    text_of: BTreeMap<String, usize>,
}

impl<'c, 'p> Lowering<'c, 'p> {
    fn new(checked: &'c Checked<'p>, eff: &'c Effective<'p>, as_of: Date) -> Self {
        let plan = Plan {
            icp: eff.decl.name.name.clone(),
            title: eff.decl.title.as_ref().map(|t| t.value.clone()),
            schema: eff.schema.name.name.clone(),
            as_of: as_of.to_string(),
            as_of_days: as_of.days(),
            columns: Vec::new(),
            key: None,
            enums: Vec::new(),
            texts: Vec::new(),
            gates: Vec::new(),
            signals: Vec::new(),
            groups: Vec::new(),
            tiers: Vec::new(),
            personas: Vec::new(),
            conds: Vec::new(),
            fields: Vec::new(),
            doc: eff.decl.doc.clone(),
            owner: eff.owner.map(|o| o.value.clone()),
            review: eff
                .reviewed
                .and_then(|r| match (&r.date.value, &r.every.value) {
                    (ast::LitValue::Date(d), ast::LitValue::Duration(every)) => Some(Review {
                        reviewed: *d,
                        due: d.plus(*every),
                    }),
                    _ => None,
                }),
        };
        Lowering {
            checked,
            eff,
            as_of,
            plan,
            column_of: BTreeMap::new(),
            enum_of: BTreeMap::new(),
            text_of: BTreeMap::new(),
        }
    }

    fn run(mut self) -> Plan {
        let eff = self.eff;
        if let Some(key) = eff.schema.fields.iter().find(|f| f.decl.key) {
            self.plan.key = self.column(&key.decl.name.name);
            if let Some(col) = self.plan.key.and_then(|k| self.plan.columns.get_mut(k)) {
                col.read = false;
            }
        }
        self.plan.groups = eff
            .groups
            .iter()
            .map(|g| GroupPlan {
                name: g.name.name.clone(),
                cap: g.cap.as_ref().and_then(|c| scalar(&c.value)),
                doc: g.doc.clone(),
            })
            .collect();
        let mut order = 0;
        for (rule, group) in &eff.rules {
            let file = rule.name.span.file;
            match (&rule.kind, &rule.body) {
                (RuleKind::Filter | RuleKind::Exclude, RuleBody::Condition { expr, .. }) => {
                    let cond = self.cond(expr, file);
                    let kind = if rule.kind == RuleKind::Filter {
                        GateKind::Filter
                    } else {
                        GateKind::Exclude
                    };
                    let cost = self.cost(cond);
                    self.plan.gates.push(Gate {
                        name: rule.name.name.clone(),
                        text: self.checked.text(expr.span()),
                        kind,
                        order,
                        cond,
                        because: rule.because.as_ref().map(|b| b.value.clone()),
                        cost,
                        span: rule.span,
                    });
                    order += 1;
                }
                (RuleKind::Signal, body) => {
                    let (points, max_abs) = match body {
                        RuleBody::Condition { expr, weight } => {
                            let w = weight
                                .as_ref()
                                .and_then(|w| scalar(&w.value))
                                .unwrap_or(0.0);
                            (
                                Points::Weight {
                                    cond: self.cond(expr, file),
                                    weight: w,
                                },
                                w.abs(),
                            )
                        }
                        RuleBody::Bands { field, bands, .. } => {
                            let column = self.column(&field.name).unwrap_or(0);
                            let ty = self.column_type(column, ColType::Number);
                            let bands: Vec<BandPlan> = bands
                                .iter()
                                .filter_map(|b| {
                                    let points = scalar(&b.points.value)?;
                                    let test = match &b.pattern {
                                        ast::BandPattern::Range(r) => BandTest::Range {
                                            lo: bound(&r.lo, true),
                                            hi: bound(&r.hi, r.inclusive),
                                        },
                                        ast::BandPattern::Value(v) => {
                                            BandTest::Value(self.constant(v, &ty)?)
                                        }
                                    };
                                    Some(BandPlan { test, points })
                                })
                                .collect();
                            let max_abs = bands.iter().map(|b| b.points.abs()).fold(0.0, f64::max);
                            (Points::Bands { column, bands }, max_abs)
                        }
                    };
                    let decay = match (&rule.decay, body) {
                        (Some(d), RuleBody::Condition { expr, .. }) => {
                            let half_life_days = match d.value {
                                LitValue::Duration(d) => d.approx_days(),
                                _ => 0.0,
                            };
                            within_field(expr)
                                .and_then(|f| self.column(&f.name))
                                .map(|column| Decay {
                                    column,
                                    half_life_days,
                                })
                        }
                        _ => None,
                    };
                    let text = match body {
                        RuleBody::Condition { expr, .. } => self.checked.text(expr.span()),
                        RuleBody::Bands { field, .. } => format!("points by {}", field.name),
                    };
                    self.plan.signals.push(Signal {
                        name: rule.name.name.clone(),
                        text,
                        group: *group,
                        points,
                        decay,
                        for_job: rule.for_job.as_ref().map(|j| j.name.clone()),
                        because: rule.because.as_ref().map(|b| b.value.clone()),
                        max_abs,
                        span: rule.span,
                        doc: rule.doc.clone(),
                    });
                }
                _ => {}
            }
        }
        let text_columns: Vec<usize> = self
            .plan
            .conds
            .iter()
            .flat_map(|c| match c {
                Cond::Matches { column, .. } => vec![*column],
                Cond::CmpColumns { a, b, .. } => vec![*a, *b],
                _ => Vec::new(),
            })
            .collect();
        for c in text_columns {
            if let Some(col) = self.plan.columns.get_mut(c) {
                col.needs_text = true;
            }
        }
        // Cheapest first; ties keep the written order, so the plan is stable.
        self.plan.gates.sort_by_key(|g| (g.cost, g.order));
        let groups: Vec<String> = self.plan.groups.iter().map(|g| g.name.clone()).collect();
        self.plan.tiers = eff
            .tiers
            .iter()
            .map(|t| TierPlan {
                name: t.name.name.clone(),
                text: t
                    .condition
                    .as_ref()
                    .map(|c| self.checked.text(c.span()))
                    .unwrap_or_else(|| "otherwise".to_string()),
                cond: t.condition.as_ref().and_then(|c| score_cond(c, &groups)),
            })
            .collect();
        self.plan.fields = eff
            .schema
            .fields
            .iter()
            .map(|f| FieldInfo {
                field: f.name().to_string(),
                header: f
                    .decl
                    .from
                    .as_ref()
                    .map(|h| h.value.clone())
                    .unwrap_or_else(|| f.name().to_string()),
                kind: self.field_kind(&f.ty),
                optional: f.decl.optional,
                key: f.decl.key,
                doc: f.decl.doc.clone(),
            })
            .collect();
        self.plan.personas = eff
            .personas
            .iter()
            .filter_map(|p| persona_plan(self.checked, p))
            .collect();
        self.plan
    }

    fn column(&mut self, field: &str) -> Option<usize> {
        if let Some(&i) = self.column_of.get(field) {
            if let Some(col) = self.plan.columns.get_mut(i) {
                col.read = true;
            }
            return Some(i);
        }
        let info = self.eff.schema.field(field)?;
        let ty = self.col_type(&info.ty);
        let header = info
            .decl
            .from
            .as_ref()
            .map(|h| h.value.clone())
            .unwrap_or_else(|| field.to_string());
        let fraction = info.decl.fraction && matches!(ty, ColType::Percent);
        let i = self.plan.columns.len();
        self.plan.columns.push(Column {
            field: field.to_string(),
            header,
            ty,
            optional: info.decl.optional,
            needs_text: false,
            blank: info.decl.blank.as_ref().and_then(blank_cell),
            fraction,
            read: true,
        });
        self.column_of.insert(field.to_string(), i);
        Some(i)
    }

    fn col_type(&mut self, t: &Ty) -> ColType {
        match t {
            Ty::Int => ColType::Int,
            Ty::Number | Ty::Error => ColType::Number,
            Ty::Money => ColType::Money,
            Ty::Percent => ColType::Percent,
            Ty::Text => ColType::Text,
            Ty::Bool => ColType::Bool,
            Ty::Date => ColType::Date,
            Ty::Duration => ColType::Duration,
            Ty::Set(inner) => ColType::Set(Box::new(self.col_type(inner))),
            Ty::Enum(id) => {
                if let Some(&i) = self.enum_of.get(id) {
                    return ColType::Enum(i);
                }
                let name = self
                    .checked
                    .decl(*id)
                    .map(|d| d.name.name.clone())
                    .unwrap_or_default();
                let variants: Vec<String> = self
                    .checked
                    .variants(*id)
                    .iter()
                    .map(|v| v.name.clone())
                    .collect();
                let i = self.plan.enums.len();
                let normalized = variants
                    .iter()
                    .map(|v: &String| normalize_variant(v))
                    .collect();
                let labels = self
                    .checked
                    .labels(*id)
                    .iter()
                    .enumerate()
                    .flat_map(|(i, ls)| {
                        ls.iter().map(move |l| Label {
                            variant: u16::try_from(i).unwrap_or(u16::MAX),
                            text: l.value.clone(),
                            normalized: normalize_variant(&l.value),
                        })
                    })
                    .collect();
                self.plan.enums.push(EnumTable {
                    name,
                    variants,
                    normalized,
                    labels,
                });
                self.enum_of.insert(*id, i);
                ColType::Enum(i)
            }
        }
    }

    fn field_kind(&self, t: &Ty) -> FieldKind {
        match t {
            Ty::Int => FieldKind::Int,
            Ty::Number | Ty::Error => FieldKind::Number,
            Ty::Money => FieldKind::Money,
            Ty::Percent => FieldKind::Percent,
            Ty::Text => FieldKind::Text,
            Ty::Bool => FieldKind::Bool,
            Ty::Date => FieldKind::Date,
            Ty::Duration => FieldKind::Duration,
            Ty::Set(inner) => FieldKind::Set(Box::new(self.field_kind(inner))),
            Ty::Enum(id) => FieldKind::Enum(
                self.checked
                    .decl(*id)
                    .map(|d| d.name.name.clone())
                    .unwrap_or_default(),
            ),
        }
    }

    /// The type of a column already added (`default` if it is not).
    fn column_type(&self, column: usize, default: ColType) -> ColType {
        self.plan
            .columns
            .get(column)
            .map(|c| c.ty.clone())
            .unwrap_or(default)
    }

    fn text(&mut self, s: &str) -> usize {
        if let Some(&i) = self.text_of.get(s) {
            return i;
        }
        let i = self.plan.texts.len();
        self.plan.texts.push(s.to_string());
        self.text_of.insert(s.to_string(), i);
        i
    }

    /// A literal or enum variant in the representation of a column of type `ty`.
    fn constant(&mut self, op: &Operand, ty: &ColType) -> Option<Const> {
        let elem = match ty {
            ColType::Set(inner) => inner.as_ref(),
            other => other,
        };
        match op {
            Operand::Name(n) => match elem {
                ColType::Enum(e) => {
                    let idx = self
                        .plan
                        .enums
                        .get(*e)?
                        .variants
                        .iter()
                        .position(|v| *v == n.name)?;
                    Some(Const::Enum(u16::try_from(idx).ok()?))
                }
                _ => None,
            },
            Operand::Literal(l) => Some(match &l.value {
                LitValue::Number(n) | LitValue::Money(n) | LitValue::Percent(n) => Const::Num(*n),
                LitValue::Duration(d) => Const::Num(d.approx_days()),
                LitValue::Date(d) => Const::Date(d.days()),
                LitValue::Str(s) => Const::Text(self.text(s)),
                LitValue::Bool(b) => Const::Bool(*b),
            }),
        }
    }

    fn push(&mut self, c: Cond) -> usize {
        self.plan.conds.push(c);
        self.plan.conds.len() - 1
    }

    /// Lowers a checked condition; `file` resolves segment names.
    fn cond(&mut self, e: &Expr, file: FileId) -> usize {
        let c = match e {
            Expr::And(parts, _) | Expr::Or(parts, _) => {
                let ids: Vec<usize> = parts.iter().map(|p| self.cond(p, file)).collect();
                if matches!(e, Expr::And(..)) {
                    Cond::And(ids)
                } else {
                    Cond::Or(ids)
                }
            }
            Expr::Not(inner, _) => {
                let id = self.cond(inner, file);
                Cond::Not(id)
            }
            Expr::Operand(Operand::Literal(ast::Literal {
                value: LitValue::Bool(b),
                ..
            })) => {
                if *b {
                    Cond::True
                } else {
                    let t = self.push(Cond::True);
                    Cond::Not(t)
                }
            }
            Expr::Operand(Operand::Name(n)) => {
                if let Some(column) = self.column(&n.name) {
                    Cond::IsTrue { column }
                } else if let Some((seg, seg_file)) = self.checked.segment(file, &n.name) {
                    return self.cond(&seg.expr, seg_file);
                } else {
                    Cond::True
                }
            }
            Expr::Operand(Operand::Literal(_)) => Cond::True,
            Expr::Compare { lhs, op, rhs, .. } => self.compare(lhs, *op, rhs),
            Expr::In {
                lhs, negated, set, ..
            } => {
                let Some(column) = self.operand_column(lhs) else {
                    return self.push(Cond::True);
                };
                let ty = self.column_type(column, ColType::Number);
                match set {
                    InSet::Range(r) => Cond::InRange {
                        column,
                        negated: *negated,
                        lo: bound(&r.lo, true),
                        hi: bound(&r.hi, r.inclusive),
                    },
                    InSet::List(items, _) => {
                        let values = items.iter().filter_map(|i| self.constant(i, &ty)).collect();
                        Cond::InList {
                            column,
                            negated: *negated,
                            values,
                        }
                    }
                    InSet::Name(_) => Cond::True,
                }
            }
            Expr::Has {
                lhs, mode, items, ..
            } => {
                let Some(column) = self.operand_column(lhs) else {
                    return self.push(Cond::True);
                };
                let ty = self.column_type(column, ColType::Text);
                let values = items.iter().filter_map(|i| self.constant(i, &ty)).collect();
                Cond::Has {
                    column,
                    mode: *mode,
                    values,
                }
            }
            Expr::Matches {
                lhs,
                negated,
                patterns,
                ..
            } => {
                let Some(column) = self.operand_column(lhs) else {
                    return self.push(Cond::True);
                };
                Cond::Matches {
                    column,
                    negated: *negated,
                    patterns: patterns.iter().map(|p| p.value.clone()).collect(),
                }
            }
            Expr::Within { lhs, duration, .. } => {
                let Some(column) = self.operand_column(lhs) else {
                    return self.push(Cond::True);
                };
                let LitValue::Duration(d) = duration.value else {
                    return self.push(Cond::True);
                };
                Cond::Within {
                    column,
                    from: self.as_of.minus(d).days(),
                    to: self.as_of.days(),
                    duration: Some(d),
                }
            }
            Expr::Is { lhs, known, .. } => {
                let Some(column) = self.operand_column(lhs) else {
                    return self.push(Cond::True);
                };
                Cond::IsMissing {
                    column,
                    negated: *known,
                }
            }
        };
        self.push(c)
    }

    fn operand_column(&mut self, op: &Operand) -> Option<usize> {
        match op {
            Operand::Name(n) => self.column(&n.name),
            Operand::Literal(_) => None,
        }
    }

    fn compare(&mut self, lhs: &Operand, op: CmpOp, rhs: &Operand) -> Cond {
        let is_field = |o: &Operand, eff: &Effective<'_>| matches!(o, Operand::Name(n) if eff.schema.field(&n.name).is_some());
        let (l_field, r_field) = (is_field(lhs, self.eff), is_field(rhs, self.eff));
        if let (true, true, Operand::Name(a), Operand::Name(b)) = (l_field, r_field, lhs, rhs) {
            if let (Some(a), Some(b)) = (self.column(&a.name), self.column(&b.name)) {
                return Cond::CmpColumns { a, op, b };
            }
        }
        let (field, op, other) = if l_field {
            (lhs, op, rhs)
        } else {
            (rhs, op.flipped(), lhs)
        };
        let Some(column) = self.operand_column(field) else {
            return Cond::True;
        };
        let ty = self.column_type(column, ColType::Number);
        match self.constant(other, &ty) {
            Some(value) => Cond::Cmp { column, op, value },
            None => Cond::True,
        }
    }

    /// A rough cost: pattern matching and set tests cost more than a number
    /// comparison; a compound costs the sum of its parts.
    fn cost(&self, cond: usize) -> u32 {
        match self.plan.conds.get(cond) {
            Some(Cond::And(ids) | Cond::Or(ids)) => {
                ids.iter().map(|i| self.cost(*i)).sum::<u32>() + 1
            }
            Some(Cond::Not(i)) => self.cost(*i) + 1,
            Some(Cond::Matches { patterns, .. }) => 8 * patterns.len() as u32,
            Some(Cond::Has { values, .. } | Cond::InList { values, .. }) => 2 + values.len() as u32,
            Some(_) => 1,
            None => 0,
        }
    }
}

/// A persona as contacts are matched against it. Every property given must
/// hold; a property left out matches any contact.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PersonaPlan {
    pub name: String,
    /// decision_maker, influencer, user, champion or blocker.
    pub role: Option<String>,
    /// Glob patterns, case-insensitive; any may match.
    pub titles: Vec<String>,
    /// The seniority levels (0 = ic .. 4 = c_level) that match.
    pub seniority: Vec<u8>,
    /// Departments, compared case-insensitively; any may match.
    pub departments: Vec<String>,
}

/// Seniority levels, lowest first.
pub const SENIORITY: &[&str] = &["ic", "manager", "director", "vp", "c_level"];

fn persona_plan(checked: &Checked<'_>, p: &ast::PersonaDecl) -> Option<PersonaPlan> {
    // A bare `persona name` uses the top-level persona of that name.
    let decl = match &p.props {
        Some(_) => p,
        None => checked.decls.iter().find_map(|d| match d.item {
            ast::Item::Persona(top) if top.name.name == p.name.name && top.props.is_some() => {
                Some(top)
            }
            _ => None,
        })?,
    };
    let mut plan = PersonaPlan {
        name: p.name.name.clone(),
        role: None,
        titles: Vec::new(),
        seniority: Vec::new(),
        departments: Vec::new(),
    };
    let level = |o: &Operand| match o {
        Operand::Name(n) => SENIORITY.iter().position(|s| *s == n.name).map(|i| i as u8),
        Operand::Literal(_) => None,
    };
    let strings = |items: &[Operand]| -> Vec<String> {
        items
            .iter()
            .filter_map(|i| match i {
                Operand::Literal(ast::Literal {
                    value: LitValue::Str(s),
                    ..
                }) => Some(s.clone()),
                _ => None,
            })
            .collect()
    };
    for prop in decl.props.iter().flatten() {
        match (prop.name.name.as_str(), &prop.value) {
            ("role", ast::PropValue::Name(n)) => plan.role = Some(n.name.clone()),
            ("title", ast::PropValue::Matches { patterns, .. }) => {
                plan.titles = patterns.iter().map(|p| p.value.clone()).collect()
            }
            ("seniority", ast::PropValue::Compare { op, value }) => {
                let Some(at) = level(value) else { continue };
                plan.seniority = (0..SENIORITY.len() as u8)
                    .filter(|l| crate::values::compare_levels(*op, *l, at))
                    .collect();
            }
            ("seniority", ast::PropValue::In(items)) => {
                plan.seniority = items.iter().filter_map(level).collect()
            }
            ("department", ast::PropValue::In(items) | ast::PropValue::List(items)) => {
                plan.departments = strings(items)
            }
            ("department", ast::PropValue::Str(s)) => plan.departments = vec![s.value.clone()],
            _ => {}
        }
    }
    Some(plan)
}

fn bound(lit: &Option<ast::Literal>, inclusive: bool) -> Option<Bound> {
    let l = lit.as_ref()?;
    let value = match &l.value {
        LitValue::Date(d) => d.days() as f64,
        v => scalar(v)?,
    };
    Some(Bound { value, inclusive })
}

fn score_cond(e: &Expr, groups: &[String]) -> Option<ScoreCond> {
    let var = |o: &Operand| match o {
        Operand::Name(n) if n.name == "score" => Some(ScoreVar::Total),
        Operand::Name(n) => groups
            .iter()
            .position(|g| *g == n.name)
            .map(ScoreVar::Group),
        Operand::Literal(_) => None,
    };
    Some(match e {
        Expr::And(parts, _) => ScoreCond::And(
            parts
                .iter()
                .map(|p| score_cond(p, groups))
                .collect::<Option<_>>()?,
        ),
        Expr::Or(parts, _) => ScoreCond::Or(
            parts
                .iter()
                .map(|p| score_cond(p, groups))
                .collect::<Option<_>>()?,
        ),
        Expr::Not(inner, _) => ScoreCond::Not(Box::new(score_cond(inner, groups)?)),
        Expr::Compare { lhs, op, rhs, .. } => match (var(lhs), var(rhs)) {
            (Some(a), Some(b)) => ScoreCond::CmpVars { a, op: *op, b },
            (Some(v), None) => ScoreCond::Cmp {
                var: v,
                op: *op,
                value: literal_num(rhs)?,
            },
            (None, Some(v)) => ScoreCond::Cmp {
                var: v,
                op: op.flipped(),
                value: literal_num(lhs)?,
            },
            (None, None) => return None,
        },
        _ => return None,
    })
}

fn literal_num(o: &Operand) -> Option<f64> {
    match o {
        Operand::Literal(l) => scalar(&l.value),
        Operand::Name(_) => None,
    }
}

/// A checked `blank = value` as the plain cell it stands for.
pub fn blank_cell(v: &crate::ast::Operand) -> Option<String> {
    use crate::ast::{LitValue, Operand};
    match v {
        Operand::Name(n) => Some(n.name.clone()),
        Operand::Literal(l) => match &l.value {
            LitValue::Number(n) | LitValue::Money(n) => Some(format!("{n}")),
            // With its `%`, so a `fraction` column does not scale it.
            LitValue::Percent(n) => Some(format!("{n}%")),
            LitValue::Str(s) => Some(s.clone()),
            LitValue::Bool(b) => Some(b.to_string()),
            LitValue::Date(_) | LitValue::Duration(_) => None,
        },
    }
}
