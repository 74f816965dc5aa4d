//! Running a plan on one account: decoding cells into values, three-valued
//! conditions (missing data is unknown, never false), gates, points, groups,
//! tiers. Pure and allocation-light; the CLI feeds it rows.

use crate::accounts::cells::{self, CellFormat, MoneyError};
use crate::ast::{CmpOp, Date, HasMode};
use crate::plan::{BandTest, Bound, ColType, Cond, Const, Plan, Points, ScoreCond, ScoreVar};
use crate::values::ordering;
use serde::Serialize;

/// A decoded cell.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Missing,
    /// Numbers, money and percent (percent as written: 12.5 for 12.5%).
    Num(f64),
    Bool(bool),
    /// Days since 1970-01-01.
    Date(i64),
    Enum(u16),
    /// The text and, when it equals one of the plan's constants, its index.
    Text {
        id: Option<usize>,
        text: String,
    },
    Set(Vec<Value>),
    /// A set of text or enum values read only by `has` tests: bit `i` is set
    /// when the set holds text constant `i` (or variant `i`). Values that are
    /// no constant cannot affect a `has` test, so they are not kept.
    Bits(u64),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Truth {
    True,
    False,
    Unknown,
}

impl Truth {
    fn from_bool(b: bool) -> Truth {
        if b {
            Truth::True
        } else {
            Truth::False
        }
    }

    fn not(self) -> Truth {
        match self {
            Truth::True => Truth::False,
            Truth::False => Truth::True,
            Truth::Unknown => Truth::Unknown,
        }
    }
}

/// Why a cell could not be decoded: what its column expects.
#[derive(Clone, Debug, PartialEq)]
pub struct DecodeError {
    pub expected: String,
}

/// Decodes one cell for column `col`, written as `fmt` says; an empty cell
/// is `Missing`. Text is kept only when `keep_text` (explanations) or the
/// column needs it; else only its match against the plan's constants is.
pub fn decode(
    plan: &Plan,
    col: usize,
    cell: &str,
    list_separator: char,
    fmt: &CellFormat,
    keep_text: bool,
) -> Result<Value, DecodeError> {
    let Some(column) = plan.columns.get(col) else {
        return Ok(Value::Missing);
    };
    if !(column.read || keep_text) {
        return Ok(Value::Missing);
    }
    let mut cell = trim(cell);
    let plain: CellFormat;
    let fmt = if cell.is_empty() {
        match &column.blank {
            // The declared value, written plainly whatever the file's formats.
            Some(blank) => {
                cell = blank;
                plain = CellFormat {
                    currency: fmt.currency,
                    ..CellFormat::default()
                };
                &plain
            }
            None => return Ok(Value::Missing),
        }
    } else {
        fmt
    };
    let keep = keep_text || column.needs_text;
    if column.fraction && !cell.ends_with('%') {
        // `0.24` in a `percent fraction` column is 24%; `24%` stays 24%.
        return match decode_general(plan, &column.ty, cell, list_separator, fmt, keep)? {
            Value::Num(n) => Ok(Value::Num(times_100(n))),
            v => Ok(v),
        };
    }
    match quick(plan, &column.ty, cell, list_separator, fmt, keep) {
        Some(v) => Ok(v),
        None => decode_general(plan, &column.ty, cell, list_separator, fmt, keep),
    }
}

/// The usual cells, decoded without the general path's work: plain whole
/// numbers, exact enum variants and text constants, ISO dates, and sets of
/// exact constants read only by `has`. `None` hands the cell to
/// `decode_general`, which gives the same value for every cell `quick`
/// takes (a test compares them on generated cells).
#[inline]
fn quick(
    plan: &Plan,
    ty: &ColType,
    cell: &str,
    list_separator: char,
    fmt: &CellFormat,
    keep: bool,
) -> Option<Value> {
    let whole = |s: &str| plain_whole(s.as_bytes()).map(|n| Value::Num(n as f64));
    match ty {
        ColType::Int | ColType::Number => whole(cell),
        ColType::Money if fmt.dollar() => whole(cell.strip_prefix('$').unwrap_or(cell)),
        ColType::Money => whole(cell),
        ColType::Percent => whole(cell.strip_suffix('%').unwrap_or(cell)),
        ColType::Duration => whole(cell.trim_end_matches('d')),
        ColType::Date => iso_date(cell.as_bytes()).map(Value::Date),
        ColType::Bool => bool_word(cell).map(Value::Bool),
        ColType::Enum(e) => {
            let i = exact_variant(plan, *e, cell)?;
            Some(Value::Enum(u16::try_from(i).ok()?))
        }
        ColType::Text => Some(text_value(plan, cell, keep)),
        ColType::Set(elem) if !keep && bits_fit(plan, elem) => {
            let bits = set_bits(cell, list_separator, |part| match &**elem {
                ColType::Text => Ok(text_id(plan, part)),
                // A variant not written exactly goes to the general path.
                ColType::Enum(e) => exact_variant(plan, *e, part).map(Some).ok_or(()),
                _ => Err(()),
            });
            bits.ok().map(Value::Bits)
        }
        ColType::Set(_) => None,
    }
}

/// The words a bool cell may be, in any case.
fn bool_word(cell: &str) -> Option<bool> {
    ["true", "yes", "y", "1", "t", "false", "no", "n", "0", "f"]
        .iter()
        .position(|w| w.eq_ignore_ascii_case(cell))
        .map(|i| i < 5)
}

/// The index of the variant of enum `e` written exactly as `cell`.
fn exact_variant(plan: &Plan, e: usize, cell: &str) -> Option<usize> {
    plan.enums
        .get(e)?
        .variants
        .iter()
        .position(|v| same(v, cell))
}

/// The index of the plan's text constant equal to `text`.
fn text_id(plan: &Plan, text: &str) -> Option<usize> {
    plan.texts.iter().position(|t| same(t, text))
}

fn text_value(plan: &Plan, cell: &str, keep: bool) -> Value {
    Value::Text {
        id: text_id(plan, cell),
        text: if keep {
            cell.to_string()
        } else {
            String::new()
        },
    }
}

/// A set read only by `has` as a 64-bit mask: `id` gives each non-empty
/// part's constant, if it is one.
fn set_bits<E>(
    cell: &str,
    separator: char,
    mut id: impl FnMut(&str) -> Result<Option<usize>, E>,
) -> Result<u64, E> {
    let mut bits = 0u64;
    for part in cell.split(separator).map(trim).filter(|p| !p.is_empty()) {
        if let Some(i) = id(part)?.filter(|i| *i < 64) {
            bits |= 1 << i;
        }
    }
    Ok(bits)
}

/// An optional minus and 1 to 15 digits, as `number` reads them. Inlined
/// into the cell shortcut, where most numbers are read.
#[inline(always)]
fn plain_whole(b: &[u8]) -> Option<i64> {
    let (negative, digits) = match b.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, b),
    };
    if digits.is_empty() || digits.len() > 15 {
        return None;
    }
    let mut n = 0i64;
    for d in digits {
        if !d.is_ascii_digit() {
            return None;
        }
        n = n * 10 + i64::from(d - b'0');
    }
    Some(if negative { -n } else { n })
}

/// `YYYY-MM-DD` as days since 1970-01-01.
fn iso_date(b: &[u8]) -> Option<i64> {
    let digits = |r: std::ops::Range<usize>| {
        b.get(r)?.iter().try_fold(0u32, |n, d| {
            d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
        })
    };
    if b.len() != 10 || b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    let year = i32::try_from(digits(0..4)?).ok()?;
    Date::new(year, digits(5..7)?, digits(8..10)?).map(Date::days)
}

/// Everything `quick` does not take, and every error.
#[inline(never)]
fn decode_general(
    plan: &Plan,
    ty: &ColType,
    cell: &str,
    list_separator: char,
    fmt: &CellFormat,
    keep: bool,
) -> Result<Value, DecodeError> {
    match ty {
        ColType::Set(elem) if !keep && bits_fit(plan, elem) => {
            let bits = set_bits(cell, list_separator, |part| {
                Ok(match decode_scalar(plan, elem, part, fmt, false)? {
                    Value::Text { id, .. } => id,
                    Value::Enum(e) => Some(usize::from(e)),
                    _ => None,
                })
            })?;
            Ok(Value::Bits(bits))
        }
        ColType::Set(elem) => {
            let mut items = Vec::new();
            for part in cell.split(list_separator) {
                let part = part.trim();
                if !part.is_empty() {
                    items.push(decode_scalar(plan, elem, part, fmt, keep)?);
                }
            }
            Ok(Value::Set(items))
        }
        ty => decode_scalar(plan, ty, cell, fmt, keep),
    }
}

/// `n * 100` as decimal arithmetic gives it (`0.24` is exactly 24, as in SQL's
/// `DECIMAL`, not `24.000000000000004`): the point of `n`'s shortest decimal
/// form moved two places.
fn times_100(n: f64) -> f64 {
    let text = format!("{n}");
    let (whole, frac) = text.split_once('.').unwrap_or((&text, ""));
    let (moved, rest) = if frac.len() > 2 {
        frac.split_at(2)
    } else {
        (frac, "")
    };
    let shifted = format!("{whole}{moved:0<2}.{rest}0");
    shifted.parse().unwrap_or(n * 100.0)
}

/// `str::trim`, without its per-character work for the usual cell that
/// starts and ends with a visible ASCII character.
fn trim(cell: &str) -> &str {
    match (cell.as_bytes().first(), cell.as_bytes().last()) {
        (Some(a), Some(b)) if a.is_ascii_graphic() && b.is_ascii_graphic() => cell,
        _ => cell.trim(),
    }
}

/// Equality of short strings, checking the first byte before comparing
/// the rest (most candidates differ there).
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.as_bytes().first() == b.as_bytes().first() && a == b
}

/// Whether `cell` normalises (lower case, spaces and hyphens as `_`) to
/// `normalized`, without allocating for ASCII text.
fn same_normalized(cell: &str, normalized: &str) -> bool {
    if !cell.is_ascii() {
        return crate::plan::normalize_variant(cell) == normalized;
    }
    let cell = cell.trim();
    cell.len() == normalized.len()
        && cell.bytes().zip(normalized.bytes()).all(|(c, n)| {
            let c = match c {
                b' ' | b'-' => b'_',
                c => c.to_ascii_lowercase(),
            };
            c == n
        })
}

/// Whether a set of `elem` can be kept as a 64-bit mask of constants.
fn bits_fit(plan: &Plan, elem: &ColType) -> bool {
    match elem {
        ColType::Text => plan.texts.len() <= 64,
        ColType::Enum(e) => plan.enums.get(*e).is_some_and(|t| t.variants.len() <= 64),
        _ => false,
    }
}

fn decode_scalar(
    plan: &Plan,
    ty: &ColType,
    cell: &str,
    fmt: &CellFormat,
    keep_text: bool,
) -> Result<Value, DecodeError> {
    let err = |expected: &str| DecodeError {
        expected: expected.to_string(),
    };
    let comma = fmt.decimal_comma;
    let num = |s: &str| number_in(s, comma);
    match ty {
        ColType::Int => match num(cell) {
            Some(n) if n.fract() == 0.0 => Ok(Value::Num(n)),
            _ => Err(err("a whole number")),
        },
        ColType::Number => num(cell).map(Value::Num).ok_or_else(|| {
            err(if comma {
                "a number such as 1.500,25"
            } else {
                "a number"
            })
        }),
        ColType::Money => match cells::money(cell, fmt) {
            Ok(n) => Ok(Value::Num(n)),
            Err(MoneyError::NotAmount) => {
                let symbol = fmt.currency.symbols.first().copied().unwrap_or("");
                let example = if comma { "1,5M" } else { "1.5M" };
                Err(err(&format!(
                    "an amount of money such as 1500000 or {symbol}{example}"
                )))
            }
            Err(MoneyError::OtherCurrency(other)) => Err(err(&format!(
                "an amount in {} (`{other}` is another currency)",
                fmt.currency.code
            ))),
        },
        ColType::Percent => num(cell.strip_suffix('%').unwrap_or(cell).trim_end())
            .map(Value::Num)
            .ok_or_else(|| {
                err(if comma {
                    "a percent such as 12,5 or 12,5%"
                } else {
                    "a percent such as 12.5 or 12.5%"
                })
            }),
        ColType::Text => Ok(text_value(plan, cell, keep_text)),
        ColType::Bool => bool_word(cell)
            .map(Value::Bool)
            .ok_or_else(|| err("true or false")),
        ColType::Date => {
            // ISO dates, optionally with a time part (`2026-09-01T10:00:00Z`).
            let day = cell.get(..10).unwrap_or(cell);
            let rest = cell.get(10..).unwrap_or("");
            let ok_rest = rest.is_empty() || rest.starts_with('T') || rest.starts_with(' ');
            match Date::parse(day) {
                Some(d) if ok_rest && day.len() == 10 => Ok(Value::Date(d.days())),
                _ => match &fmt.date {
                    Some(p) => p.read(cell).map(|d| Value::Date(d.days())).ok_or_else(|| {
                        err(&format!(
                            "a date such as {} ({}) or 2026-10-15",
                            p.example(),
                            p.text
                        ))
                    }),
                    None if cell.contains(['/', '.', ' ']) => Err(err(
                        "a date such as 2026-09-01 (set `date_format` in icp.toml's [data] to read other layouts)",
                    )),
                    None => Err(err("a date such as 2026-09-01")),
                },
            }
        }
        ColType::Duration => num(cell.trim_end_matches('d'))
            .map(Value::Num)
            .ok_or_else(|| err("a number of days")),
        ColType::Enum(e) => {
            let table = plan.enums.get(*e).ok_or_else(|| err("a known value"))?;
            // Exact first (the common case), then forgiving of case, spaces
            // and hyphens (`In Cycle` is `in_cycle`), neither allocating.
            match exact_variant(plan, *e, cell).or_else(|| {
                table
                    .normalized
                    .iter()
                    .position(|v| same_normalized(cell, v))
                    .or_else(|| {
                        table
                            .labels
                            .iter()
                            .find(|l| same_normalized(cell, &l.normalized))
                            .map(|l| usize::from(l.variant))
                    })
            }) {
                Some(i) => Ok(Value::Enum(u16::try_from(i).unwrap_or(u16::MAX))),
                None => {
                    let shown: Vec<&str> =
                        table.variants.iter().map(String::as_str).take(8).collect();
                    Err(err(&format!(
                        "one of {} ({}{})",
                        table.name,
                        shown.join(", "),
                        if table.variants.len() > 8 {
                            ", ..."
                        } else {
                            ""
                        }
                    )))
                }
            }
        }
        ColType::Set(_) => Err(err("a single value")),
    }
}

/// A plain number as CRMs export them: `1500000`, `1,500,000`, `1_500_000`,
/// `1.5M`, `250k`, `-3.5` (with a decimal point; see
/// [`cells::number`] for a decimal comma).
pub fn number(s: &str) -> Option<f64> {
    number_in(s, false)
}

/// [`number`], with a decimal comma when `comma`.
fn number_in(s: &str, comma: bool) -> Option<f64> {
    let s = trim(s);
    match plain_whole(s.as_bytes()) {
        Some(n) => Some(n as f64),
        None => cells::number(s, comma),
    }
}

// ------------------------------------------------------------------ conditions

pub fn eval_cond(plan: &Plan, row: &[Value], id: usize) -> Truth {
    let Some(cond) = plan.conds.get(id) else {
        return Truth::Unknown;
    };
    let cell = |c: usize| row.get(c).unwrap_or(&Value::Missing);
    match cond {
        Cond::And(ids) => {
            let mut out = Truth::True;
            for i in ids {
                match eval_cond(plan, row, *i) {
                    Truth::False => return Truth::False,
                    Truth::Unknown => out = Truth::Unknown,
                    Truth::True => {}
                }
            }
            out
        }
        Cond::Or(ids) => {
            let mut out = Truth::False;
            for i in ids {
                match eval_cond(plan, row, *i) {
                    Truth::True => return Truth::True,
                    Truth::Unknown => out = Truth::Unknown,
                    Truth::False => {}
                }
            }
            out
        }
        Cond::Not(i) => eval_cond(plan, row, *i).not(),
        Cond::True => Truth::True,
        Cond::IsTrue { column } => match cell(*column) {
            Value::Bool(b) => Truth::from_bool(*b),
            _ => Truth::Unknown,
        },
        Cond::Cmp { column, op, value } => compare_const(cell(*column), *op, value),
        Cond::CmpColumns { a, op, b } => match (cell(*a), cell(*b)) {
            (Value::Num(x), Value::Num(y)) => Truth::from_bool(ordering(*op, x.partial_cmp(y))),
            (Value::Date(x), Value::Date(y)) => Truth::from_bool(ordering(*op, x.partial_cmp(y))),
            (Value::Enum(x), Value::Enum(y)) => Truth::from_bool(ordering(*op, x.partial_cmp(y))),
            (Value::Bool(x), Value::Bool(y)) => Truth::from_bool(ordering(*op, x.partial_cmp(y))),
            (Value::Text { text: x, .. }, Value::Text { text: y, .. }) => {
                Truth::from_bool(ordering(*op, x.partial_cmp(y)))
            }
            _ => Truth::Unknown,
        },
        Cond::InRange {
            column,
            negated,
            lo,
            hi,
        } => {
            let v = match cell(*column) {
                Value::Num(n) => *n,
                Value::Date(d) => *d as f64,
                _ => return Truth::Unknown,
            };
            let t = Truth::from_bool(in_range(v, *lo, *hi));
            if *negated {
                t.not()
            } else {
                t
            }
        }
        Cond::InList {
            column,
            negated,
            values,
        } => {
            let v = cell(*column);
            if matches!(v, Value::Missing) {
                return Truth::Unknown;
            }
            let t = Truth::from_bool(values.iter().any(|c| equals(v, c)));
            if *negated {
                t.not()
            } else {
                t
            }
        }
        Cond::Has {
            column,
            mode,
            values,
        } => {
            let set = cell(*column);
            if !matches!(set, Value::Set(_) | Value::Bits(_)) {
                return Truth::Unknown;
            }
            let contains = |c: &Const| match set {
                Value::Set(items) => items.iter().any(|i| equals(i, c)),
                Value::Bits(bits) => match c {
                    Const::Text(i) => *i < 64 && bits & (1 << i) != 0,
                    Const::Enum(e) => *e < 64 && bits & (1 << e) != 0,
                    _ => false,
                },
                _ => false,
            };
            Truth::from_bool(match mode {
                HasMode::Any => values.iter().any(contains),
                HasMode::All => values.iter().all(contains),
                HasMode::None => !values.iter().any(contains),
                HasMode::One => values.iter().any(contains),
            })
        }
        Cond::Matches {
            column,
            negated,
            patterns,
        } => {
            let hit = |text: &str| patterns.iter().any(|p| glob(p, text));
            let t = match cell(*column) {
                Value::Text { text, .. } => Truth::from_bool(hit(text)),
                Value::Set(items) => Truth::from_bool(
                    items
                        .iter()
                        .any(|i| matches!(i, Value::Text { text, .. } if hit(text))),
                ),
                _ => return Truth::Unknown,
            };
            if *negated {
                t.not()
            } else {
                t
            }
        }
        Cond::Within {
            column, from, to, ..
        } => match cell(*column) {
            Value::Date(d) => Truth::from_bool(*from <= *d && *d <= *to),
            _ => Truth::Unknown,
        },
        Cond::IsMissing { column, negated } => {
            Truth::from_bool(matches!(cell(*column), Value::Missing) != *negated)
        }
    }
}

fn compare_const(v: &Value, op: CmpOp, c: &Const) -> Truth {
    match (v, c) {
        (Value::Num(x), Const::Num(y)) => Truth::from_bool(ordering(op, x.partial_cmp(y))),
        (Value::Date(x), Const::Date(y)) => Truth::from_bool(ordering(op, x.partial_cmp(y))),
        (Value::Missing, _) => Truth::Unknown,
        (v, c) => match op {
            CmpOp::Eq => Truth::from_bool(equals(v, c)),
            CmpOp::Ne => Truth::from_bool(!equals(v, c)),
            _ => Truth::Unknown,
        },
    }
}

fn equals(v: &Value, c: &Const) -> bool {
    match (v, c) {
        (Value::Num(x), Const::Num(y)) => x == y,
        (Value::Date(x), Const::Date(y)) => x == y,
        (Value::Enum(x), Const::Enum(y)) => x == y,
        (Value::Bool(x), Const::Bool(y)) => x == y,
        (Value::Text { id, .. }, Const::Text(y)) => *id == Some(*y),
        _ => false,
    }
}

fn in_range(v: f64, lo: Option<Bound>, hi: Option<Bound>) -> bool {
    let lo_ok = lo.is_none_or(|b| {
        if b.inclusive {
            v >= b.value
        } else {
            v > b.value
        }
    });
    let hi_ok = hi.is_none_or(|b| {
        if b.inclusive {
            v <= b.value
        } else {
            v < b.value
        }
    });
    lo_ok && hi_ok
}

/// Case-insensitive glob: `*` any run of characters, `?` exactly one.
pub fn glob(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().flat_map(char::to_lowercase).collect();
    let t: Vec<char> = text.chars().flat_map(char::to_lowercase).collect();
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        match p.get(pi) {
            Some('*') => {
                star = Some((pi, ti));
                pi += 1;
            }
            Some(c) if *c == '?' || Some(c) == t.get(ti) => {
                pi += 1;
                ti += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    pi = sp + 1;
                    ti = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    p.get(pi..)
        .is_some_and(|rest| rest.iter().all(|c| *c == '*'))
}

// ------------------------------------------------------------------ accounts

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SignalResult {
    pub state: Truth,
    pub points: f64,
    /// The decay factor applied, when the signal decays and fired.
    pub decay: Option<f64>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Outcome {
    /// Index into `plan.gates` of the gate that removed the account: the
    /// first failing one in written order.
    pub removed_by: Option<usize>,
    /// Per signal of the plan; empty when the account was removed.
    pub signals: Vec<SignalResult>,
    pub groups: Vec<f64>,
    pub score: f64,
    /// Index into `plan.tiers`.
    pub tier: Option<usize>,
    /// The share (0..=1) of the signals' weight that could be evaluated.
    pub coverage: f64,
}

impl Outcome {
    pub fn passed(&self) -> bool {
        self.removed_by.is_none()
    }
}

/// Whether `gate` removes the account (a filter without a known yes, or an
/// exclusion with one).
pub fn gate_fails(plan: &Plan, row: &[Value], gate: usize) -> bool {
    let Some(g) = plan.gates.get(gate) else {
        return false;
    };
    let t = eval_cond(plan, row, g.cond);
    match g.kind {
        // A filter passes only on a known yes; an exclusion excludes only on a known yes.
        crate::plan::GateKind::Filter => t != Truth::True,
        crate::plan::GateKind::Exclude => t == Truth::True,
    }
}

pub fn evaluate(plan: &Plan, row: &[Value]) -> Outcome {
    let mut out = Outcome {
        removed_by: None,
        signals: Vec::new(),
        groups: Vec::new(),
        score: 0.0,
        tier: None,
        coverage: 0.0,
    };
    evaluate_into(plan, row, &mut out);
    out
}

/// `evaluate` into an existing outcome, reusing its buffers (the scoring
/// loop runs this once per account).
pub fn evaluate_into(plan: &Plan, row: &[Value], out: &mut Outcome) {
    // Gates run cheapest first; when one fails, the earlier-written gates are
    // checked too, so the reported reason never depends on the cost order.
    let mut removed_by: Option<usize> = None;
    for (i, g) in plan.gates.iter().enumerate() {
        if removed_by.is_some_and(|r| plan.gates.get(r).is_some_and(|rg| rg.order < g.order)) {
            continue;
        }
        if gate_fails(plan, row, i) {
            match removed_by {
                Some(r) if plan.gates.get(r).is_some_and(|rg| rg.order <= g.order) => {}
                _ => removed_by = Some(i),
            }
        }
    }
    if removed_by.is_some() {
        out.removed_by = removed_by;
        out.signals.clear();
        out.groups.clear();
        out.groups.resize(plan.groups.len(), 0.0);
        out.score = 0.0;
        out.tier = None;
        out.coverage = 0.0;
        return;
    }
    let as_of = plan.as_of_days;
    let mut signals = std::mem::take(&mut out.signals);
    signals.clear();
    let mut groups = std::mem::take(&mut out.groups);
    let (mut evaluated, mut total) = (0.0, 0.0);
    for s in &plan.signals {
        let (state, mut points) = match &s.points {
            Points::Weight { cond, weight } => {
                let t = eval_cond(plan, row, *cond);
                (t, if t == Truth::True { *weight } else { 0.0 })
            }
            Points::Bands { column, bands } => {
                let v = row.get(*column).unwrap_or(&Value::Missing);
                if matches!(v, Value::Missing) {
                    (Truth::Unknown, 0.0)
                } else {
                    match bands.iter().find(|b| band_matches(&b.test, v)) {
                        Some(b) => (Truth::True, b.points),
                        None => (Truth::False, 0.0),
                    }
                }
            }
        };
        let mut decay = None;
        if let (Some(d), Truth::True) = (&s.decay, state) {
            if let Some(Value::Date(day)) = row.get(d.column) {
                let age = (as_of - day).max(0) as f64;
                let factor = if d.half_life_days > 0.0 {
                    0.5f64.powf(age / d.half_life_days)
                } else {
                    1.0
                };
                points *= factor;
                decay = Some(factor);
            }
        }
        total += s.max_abs;
        if state != Truth::Unknown {
            evaluated += s.max_abs;
        }
        signals.push(SignalResult {
            state,
            points,
            decay,
        });
    }
    let score = add_up(plan, signals.iter().map(|s| s.points), &mut groups);
    let tier = tier_of(plan, score, &groups);
    let coverage = if total > 0.0 { evaluated / total } else { 1.0 };
    *out = Outcome {
        removed_by: None,
        signals,
        groups,
        score,
        tier,
        coverage,
    };
}

fn band_matches(test: &BandTest, v: &Value) -> bool {
    match (test, v) {
        (BandTest::Range { lo, hi }, Value::Num(n)) => in_range(*n, *lo, *hi),
        (BandTest::Range { lo, hi }, Value::Date(d)) => in_range(*d as f64, *lo, *hi),
        (BandTest::Value(c), v) => equals(v, c),
        _ => false,
    }
}

/// Adds up per-signal points (in plan order) into `groups` (each capped)
/// and returns the total score.
pub fn add_up(plan: &Plan, points: impl Iterator<Item = f64>, groups: &mut Vec<f64>) -> f64 {
    groups.clear();
    groups.resize(plan.groups.len(), 0.0);
    let mut loose = 0.0;
    for (s, p) in plan.signals.iter().zip(points) {
        match s.group.and_then(|g| groups.get_mut(g)) {
            Some(g) => *g += p,
            None => loose += p,
        }
    }
    for (g, plan_g) in groups.iter_mut().zip(&plan.groups) {
        if let Some(cap) = plan_g.cap {
            *g = g.min(cap);
        }
    }
    loose + groups.iter().sum::<f64>()
}

/// The first tier whose rule holds for these scores.
pub fn tier_of(plan: &Plan, score: f64, groups: &[f64]) -> Option<usize> {
    plan.tiers.iter().position(|t| match &t.cond {
        None => true,
        Some(c) => score_true(c, score, groups),
    })
}

fn score_true(c: &ScoreCond, score: f64, groups: &[f64]) -> bool {
    let var = |v: &ScoreVar| match v {
        ScoreVar::Total => score,
        ScoreVar::Group(g) => groups.get(*g).copied().unwrap_or(0.0),
    };
    match c {
        ScoreCond::And(parts) => parts.iter().all(|p| score_true(p, score, groups)),
        ScoreCond::Or(parts) => parts.iter().any(|p| score_true(p, score, groups)),
        ScoreCond::Not(inner) => !score_true(inner, score, groups),
        ScoreCond::Cmp { var: v, op, value } => ordering(*op, var(v).partial_cmp(value)),
        ScoreCond::CmpVars { a, op, b } => ordering(*op, var(a).partial_cmp(&var(b))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fractions_are_scaled_as_decimals() {
        assert_eq!(times_100(0.24), 24.0);
        assert_eq!(times_100(0.5), 50.0);
        assert_eq!(times_100(-0.07), -7.0);
        assert_eq!(times_100(1.0), 100.0);
        assert_eq!(times_100(0.12345), 12.345);
        assert_eq!(times_100(3.0), 300.0);
    }

    #[test]
    fn numbers_as_crms_write_them() {
        assert_eq!(number("1,500,000"), Some(1_500_000.0));
        assert_eq!(number("1.5M"), Some(1_500_000.0));
        assert_eq!(number("250k"), Some(250_000.0));
        assert_eq!(number("-3.5"), Some(-3.5));
        assert_eq!(number("12,34"), None);
        assert_eq!(number("ten"), None);
        assert_eq!(number("1e9"), None);
    }

    /// `quick` is only a shortcut: on every cell it takes it must give what
    /// the general path gives, and it must take the usual cells.
    #[test]
    fn quick_decoding_agrees_with_the_general_path() {
        use crate::plan::EnumTable;
        let variants: Vec<String> = ["saas", "in_cycle", "B2B"].map(String::from).into();
        let plan = Plan {
            enums: vec![EnumTable {
                name: "Kind".into(),
                normalized: variants
                    .iter()
                    .map(|v| crate::plan::normalize_variant(v))
                    .collect(),
                variants,
                labels: vec![crate::plan::Label {
                    variant: 0,
                    text: "Software & Services".into(),
                    normalized: crate::plan::normalize_variant("Software & Services"),
                }],
            }],
            texts: ["US", "dbt", "Snowflake", "Łódź"].map(String::from).into(),
            ..Plan::default()
        };
        let cells = [
            "Software & Services",
            " software  & services",
            "software_&_services",
            "0",
            "-0",
            "7",
            "-42",
            "17560",
            "123456789012345",
            "1234567890123456",
            "+5",
            "1.5",
            "1,500",
            "250k",
            "$100",
            "$-5",
            "-$5",
            "$",
            "-",
            "12%",
            "12 %",
            "30d",
            "30dd",
            "d",
            "2026-04-03",
            "2024-02-29",
            "2026-02-29",
            "2026-13-01",
            "2026-4-03",
            "12026-04-03",
            "2026-04-03T10:00",
            "true",
            "TRUE",
            "Yes",
            "n",
            "F",
            "false",
            "No",
            "maybe",
            "saas",
            "SaaS",
            "In Cycle",
            "in-cycle",
            "b2b",
            "B2B",
            "US",
            "us",
            "dbt",
            "Łódź",
            "Snowflake;dbt",
            "dbt; US ;Snowflake",
            ";;",
            "Snowflake;;x",
            "US;Lodz",
            "saas;B2B",
            "saas;In Cycle",
            "saas;bogus",
            "x y",
            "é",
        ];
        let types = [
            ColType::Int,
            ColType::Number,
            ColType::Money,
            ColType::Percent,
            ColType::Duration,
            ColType::Date,
            ColType::Bool,
            ColType::Enum(0),
            ColType::Text,
            ColType::Set(Box::new(ColType::Text)),
            ColType::Set(Box::new(ColType::Enum(0))),
        ];
        let mut taken = 0;
        let fmt = CellFormat::default();
        for ty in &types {
            for cell in cells {
                for (sep, keep) in [(';', false), (';', true), ('|', false), ('·', false)] {
                    if let Some(v) = quick(&plan, ty, cell, sep, &fmt, keep) {
                        taken += 1;
                        let general = decode_general(&plan, ty, cell, sep, &fmt, keep);
                        assert_eq!(Ok(v), general, "{ty:?} {cell:?} sep {sep:?} keep {keep}");
                    }
                }
            }
        }
        assert!(taken > 150, "quick took only {taken} cells");
        // A label reads as its variant, as loosely as a variant's name.
        for cell in ["Software & Services", " SOFTWARE & services "] {
            let v = decode_general(&plan, &ColType::Enum(0), cell, ';', &fmt, false);
            assert_eq!(v, Ok(Value::Enum(0)), "{cell:?}");
        }
    }

    #[test]
    fn globs() {
        assert!(glob("VP* Operations", "vp of operations"));
        assert!(glob("*GmbH", "Müller Werkzeug GmbH"));
        assert!(glob("C?O", "CFO"));
        assert!(!glob("C?O", "CTIO"));
        assert!(glob("*", ""));
        assert!(!glob("a*b", "acd"));
    }

    #[test]
    fn kleene_logic() {
        assert_eq!(Truth::Unknown.not(), Truth::Unknown);
        assert_eq!(Truth::from_bool(true).not(), Truth::False);
    }
}
