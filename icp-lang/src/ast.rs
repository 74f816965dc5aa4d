//! The syntax tree: what the user wrote, with a span on every node. Names are
//! not resolved and types are not known here; see `check`.

use crate::span::Span;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StrLit {
    pub value: String,
    pub span: Span,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct File {
    pub items: Vec<Item>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum Item {
    Import(Import),
    Enum(EnumDecl),
    Schema(SchemaDecl),
    Segment(SegmentDecl),
    Icp(IcpDecl),
    Persona(PersonaDecl),
    Job(JobDecl),
}

impl Item {
    pub fn span(&self) -> Span {
        match self {
            Item::Import(i) => i.span,
            Item::Enum(i) => i.span,
            Item::Schema(i) => i.span,
            Item::Segment(i) => i.span,
            Item::Icp(i) => i.span,
            Item::Persona(i) => i.span,
            Item::Job(i) => i.span,
        }
    }

    /// The declared name; imports have none.
    pub fn name(&self) -> Option<&Ident> {
        match self {
            Item::Import(_) => None,
            Item::Enum(i) => Some(&i.name),
            Item::Schema(i) => Some(&i.name),
            Item::Segment(i) => Some(&i.name),
            Item::Icp(i) => Some(&i.name),
            Item::Persona(i) => Some(&i.name),
            Item::Job(i) => Some(&i.name),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Import {
    pub path: StrLit,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EnumDecl {
    pub name: Ident,
    pub variants: Vec<Ident>,
    /// The labels each variant is also read from (`healthcare "Health Care"`),
    /// one list per variant, in order.
    #[serde(skip_serializing_if = "no_labels")]
    pub labels: Vec<Vec<StrLit>>,
    pub doc: Option<String>,
    pub span: Span,
}

fn no_labels(labels: &[Vec<StrLit>]) -> bool {
    labels.iter().all(Vec::is_empty)
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SchemaDecl {
    pub name: Ident,
    pub fields: Vec<Field>,
    pub doc: Option<String>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Field {
    pub name: Ident,
    pub ty: TypeExpr,
    pub optional: bool,
    pub key: bool,
    pub from: Option<StrLit>,
    /// `blank = value`: what an empty cell means (else it is missing).
    pub blank: Option<Operand>,
    /// `fraction`: percent cells written as fractions (`0.24` is 24%).
    pub fraction: bool,
    /// `display`: the account's name in results (`icp score`'s `name`
    /// column, `icp explain`, the report).
    pub display: bool,
    pub doc: Option<String>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum TypeExpr {
    Named(Ident),
    Set(Box<TypeExpr>, Span),
}

impl TypeExpr {
    pub fn span(&self) -> Span {
        match self {
            TypeExpr::Named(i) => i.span,
            TypeExpr::Set(_, s) => *s,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SegmentDecl {
    pub name: Ident,
    pub expr: Expr,
    pub doc: Option<String>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct IcpDecl {
    pub name: Ident,
    pub title: Option<StrLit>,
    pub schema: Ident,
    pub extends: Option<Ident>,
    pub members: Vec<Member>,
    pub doc: Option<String>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum Member {
    Owner(StrLit, Span),
    Reviewed(Reviewed),
    Rule(Rule),
    Group(Group),
    Tier(Tier),
    Persona(PersonaDecl),
    Job(JobDecl),
    Drop(Ident, Span),
    Test(TestDecl),
}

impl Member {
    pub fn span(&self) -> Span {
        match self {
            Member::Owner(_, s) | Member::Drop(_, s) => *s,
            Member::Reviewed(r) => r.span,
            Member::Rule(r) => r.span,
            Member::Group(g) => g.span,
            Member::Tier(t) => t.span,
            Member::Persona(p) => p.span,
            Member::Job(j) => j.span,
            Member::Test(t) => t.span,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Reviewed {
    pub date: Literal,
    pub every: Literal,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum RuleKind {
    Filter,
    Exclude,
    Signal,
}

impl RuleKind {
    pub fn keyword(self) -> &'static str {
        match self {
            RuleKind::Filter => "filter",
            RuleKind::Exclude => "exclude",
            RuleKind::Signal => "signal",
        }
    }
}

/// A filter, an exclusion or a signal.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Rule {
    pub kind: RuleKind,
    pub name: Ident,
    pub overrides: bool,
    pub body: RuleBody,
    pub decay: Option<Literal>,
    pub for_job: Option<Ident>,
    pub because: Option<StrLit>,
    pub doc: Option<String>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum RuleBody {
    /// `condition` for filters and excludes; `condition weight N` for signals.
    Condition { expr: Expr, weight: Option<Literal> },
    /// `points by field { pattern => N ... }`
    Bands {
        field: Ident,
        bands: Vec<Band>,
        span: Span,
    },
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Band {
    pub pattern: BandPattern,
    pub points: Literal,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum BandPattern {
    Range(Range),
    Value(Operand),
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Group {
    pub name: Ident,
    pub overrides: bool,
    pub cap: Option<Literal>,
    pub rules: Vec<Rule>,
    pub doc: Option<String>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Tier {
    pub name: Ident,
    /// `None` is `otherwise`.
    pub condition: Option<Expr>,
    pub doc: Option<String>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PersonaDecl {
    pub name: Ident,
    pub overrides: bool,
    /// `None` for a bare `persona name` that uses a top-level persona.
    pub props: Option<Vec<Prop>>,
    pub doc: Option<String>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Prop {
    pub name: Ident,
    pub value: PropValue,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum PropValue {
    Matches { any: bool, patterns: Vec<StrLit> },
    Compare { op: CmpOp, value: Operand },
    In(Vec<Operand>),
    List(Vec<Operand>),
    Str(StrLit),
    Name(Ident),
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct JobDecl {
    pub name: Ident,
    pub overrides: bool,
    pub props: Option<Vec<JobProp>>,
    pub doc: Option<String>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct JobProp {
    pub name: Ident,
    pub value: StrLit,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TestDecl {
    pub name: StrLit,
    /// `as_of 2026-11-01`: the day the test is judged on (for `within` and
    /// decay), whatever day it runs.
    pub as_of: Option<Literal>,
    pub given: Vec<GivenField>,
    pub expects: Vec<Expect>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GivenField {
    pub name: Ident,
    pub value: GivenValue,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum GivenValue {
    One(Operand),
    List(Vec<Operand>, Span),
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum Expect {
    Tier(Ident, Span),
    NoTier(Span),
    ExcludedBy(Ident, Span),
    Passes(Span),
    Signal(Ident, SignalState, Span),
    Score {
        name: Ident,
        op: CmpOp,
        value: Literal,
        span: Span,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum SignalState {
    Fires,
    Silent,
    Unknown,
}

// ------------------------------------------------------------------ conditions

#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum Expr {
    Or(Vec<Expr>, Span),
    And(Vec<Expr>, Span),
    Not(Box<Expr>, Span),
    /// A bare operand: a segment, a bool field, a score name, or a literal.
    Operand(Operand),
    Compare {
        lhs: Operand,
        op: CmpOp,
        rhs: Operand,
        span: Span,
    },
    In {
        lhs: Operand,
        negated: bool,
        set: InSet,
        span: Span,
    },
    Has {
        lhs: Operand,
        mode: HasMode,
        items: Vec<Operand>,
        span: Span,
    },
    Matches {
        lhs: Operand,
        negated: bool,
        patterns: Vec<StrLit>,
        span: Span,
    },
    Within {
        lhs: Operand,
        duration: Literal,
        span: Span,
    },
    Is {
        lhs: Operand,
        known: bool,
        span: Span,
    },
}

impl Expr {
    pub fn span(&self) -> Span {
        match self {
            Expr::Or(_, s) | Expr::And(_, s) | Expr::Not(_, s) => *s,
            Expr::Operand(o) => o.span(),
            Expr::Compare { span, .. }
            | Expr::In { span, .. }
            | Expr::Has { span, .. }
            | Expr::Matches { span, .. }
            | Expr::Within { span, .. }
            | Expr::Is { span, .. } => *span,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum InSet {
    Range(Range),
    List(Vec<Operand>, Span),
    /// `in some_segment_or_list_name` is reserved for later; the checker rejects it.
    Name(Ident),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum HasMode {
    Any,
    All,
    None,
    One,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CmpOp {
    pub fn as_str(self) -> &'static str {
        match self {
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }

    pub fn is_ordering(self) -> bool {
        !matches!(self, CmpOp::Eq | CmpOp::Ne)
    }

    /// `a op b` is `b flipped(op) a`.
    pub fn flipped(self) -> CmpOp {
        match self {
            CmpOp::Lt => CmpOp::Gt,
            CmpOp::Le => CmpOp::Ge,
            CmpOp::Gt => CmpOp::Lt,
            CmpOp::Ge => CmpOp::Le,
            other => other,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum Operand {
    Name(Ident),
    Literal(Literal),
}

impl Operand {
    pub fn span(&self) -> Span {
        match self {
            Operand::Name(i) => i.span,
            Operand::Literal(l) => l.span,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Range {
    pub lo: Option<Literal>,
    pub hi: Option<Literal>,
    pub inclusive: bool,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Literal {
    pub value: LitValue,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum LitValue {
    /// A plain number; `250k` and `1.5M` are scaled here.
    Number(f64),
    /// An amount of money in currency units.
    Money(f64),
    /// `30%` is stored as 30.0.
    Percent(f64),
    Date(Date),
    Duration(Duration),
    Str(String),
    Bool(bool),
}

/// A calendar date (proleptic Gregorian).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Date {
    pub year: i32,
    pub month: u32,
    pub day: u32,
}

impl Date {
    pub fn new(year: i32, month: u32, day: u32) -> Option<Date> {
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return None;
        }
        Some(Date { year, month, day })
    }

    pub fn parse(text: &str) -> Option<Date> {
        let mut parts = text.splitn(3, '-');
        let y = parts.next()?.parse().ok()?;
        let m = parts.next()?.parse().ok()?;
        let d = parts.next()?.parse().ok()?;
        Date::new(y, m, d)
    }

    /// Days since 1970-01-01 (negative before).
    pub fn days(self) -> i64 {
        // Howard Hinnant's days_from_civil.
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = if y >= 0 { y } else { y - 399 } / 400;
        let yoe = y - era * 400;
        let m = i64::from(self.month);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    pub fn from_days(days: i64) -> Date {
        let z = days + 719_468;
        let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        Date { year, month, day }
    }

    /// This date moved back by a duration.
    pub fn minus(self, d: Duration) -> Date {
        self.shift(d, -1)
    }

    /// This date moved forward by a duration.
    pub fn plus(self, d: Duration) -> Date {
        self.shift(d, 1)
    }

    /// Days and weeks move by days; months and years are calendar months,
    /// clamped to the target month's last day.
    fn shift(self, d: Duration, sign: i64) -> Date {
        let n = sign * i64::from(d.amount);
        match d.unit {
            DurationUnit::Day => Date::from_days(self.days() + n),
            DurationUnit::Week => Date::from_days(self.days() + 7 * n),
            DurationUnit::Month | DurationUnit::Year => {
                let months = if d.unit == DurationUnit::Year {
                    12 * n
                } else {
                    n
                };
                let total = i64::from(self.year) * 12 + i64::from(self.month) - 1 + months;
                let year = total.div_euclid(12) as i32;
                let month = (total.rem_euclid(12) + 1) as u32;
                let day = self.day.min(days_in_month(year, month));
                Date { year, month, day }
            }
        }
    }
}

impl std::fmt::Display for Date {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        _ => 28,
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Duration {
    pub amount: u32,
    pub unit: DurationUnit,
}

impl Duration {
    /// Approximate length in days, for half-lives and static analysis.
    pub fn approx_days(self) -> f64 {
        let per = match self.unit {
            DurationUnit::Day => 1.0,
            DurationUnit::Week => 7.0,
            DurationUnit::Month => 30.436_875,
            DurationUnit::Year => 365.2425,
        };
        f64::from(self.amount) * per
    }
}

impl std::fmt::Display for Duration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let unit = match self.unit {
            DurationUnit::Day => "d",
            DurationUnit::Week => "w",
            DurationUnit::Month => "mo",
            DurationUnit::Year => "y",
        };
        write!(f, "{}{}", self.amount, unit)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum DurationUnit {
    Day,
    Week,
    Month,
    Year,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip_through_day_numbers() {
        for days in [-800_000, -1, 0, 1, 19_000, 20_393, 2_000_000] {
            assert_eq!(Date::from_days(days).days(), days);
        }
        assert_eq!(Date::new(2026, 9, 1).map(Date::days), Some(20_697));
        assert_eq!(Date::new(2026, 2, 29), None);
        assert!(Date::new(2024, 2, 29).is_some());
    }

    #[test]
    fn calendar_months_clamp_to_month_end() {
        let d = Date::new(2026, 3, 31).unwrap_or_default_date();
        let back = d.minus(Duration {
            amount: 1,
            unit: DurationUnit::Month,
        });
        assert_eq!(back.to_string(), "2026-02-28");
        let fwd = Date::new(2026, 1, 31)
            .unwrap_or_default_date()
            .plus(Duration {
                amount: 1,
                unit: DurationUnit::Month,
            });
        assert_eq!(fwd.to_string(), "2026-02-28");
        let days = Date::new(2026, 9, 1)
            .unwrap_or_default_date()
            .plus(Duration {
                amount: 90,
                unit: DurationUnit::Day,
            });
        assert_eq!(days.to_string(), "2026-11-30");
    }

    trait OrDefault {
        fn unwrap_or_default_date(self) -> Date;
    }
    impl OrDefault for Option<Date> {
        fn unwrap_or_default_date(self) -> Date {
            self.unwrap_or(Date {
                year: 0,
                month: 1,
                day: 1,
            })
        }
    }
}
