//! Accounts in and results out: binding a file's headers to a plan's
//! columns, decoding rows, and formatting result rows. Pure: the caller
//! reads and writes the bytes.

use crate::accounts::cells::CellFormat;
use crate::accounts::settings::{shorten, ReadSettings, SettingError};
use crate::eval::{decode, Outcome, Truth, Value};
use crate::explain::round2;
use crate::plan::Plan;
use crate::suggest;
use std::borrow::Cow;

/// A column of the plan that the data does not have.
#[derive(Clone, Debug, PartialEq)]
pub struct MissingColumn {
    pub field: String,
    pub header: String,
    pub suggestion: Option<String>,
}

impl std::fmt::Display for MissingColumn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "no column `{}` (field `{}`)", self.header, self.field)?;
        if let Some(s) = &self.suggestion {
            write!(f, "; did you mean `{s}`?")?;
        }
        Ok(())
    }
}

/// Where each of a plan's columns is in a file's records, and how its cells
/// are written: everything decoding a record needs besides the plan.
#[derive(Clone, Debug, PartialEq)]
pub struct Binding {
    /// For each plan column, the index of its field in a record.
    pub columns: Vec<usize>,
    /// The file's headers (for JSON lines: the keys of its first object).
    pub headers: Vec<String>,
    /// Per plan column: the separator inside its list cells.
    pub list_separators: Vec<char>,
    /// Per plan column: how its dates, numbers and money are written.
    pub formats: Vec<CellFormat>,
    /// Headers that appear more than once where no field reads them.
    pub warnings: Vec<String>,
}

/// Why a file's headers do not fit a plan.
#[derive(Clone, Debug, PartialEq)]
pub enum BindError {
    /// Columns the plan reads that the file lacks.
    Missing(Vec<MissingColumn>),
    /// Headers a field would read that appear more than once.
    Duplicate(Vec<String>),
    /// A setting that does not apply.
    Settings(SettingError),
}

impl Binding {
    /// Binds `headers` to `plan`'s columns: an exact match first, then one
    /// that differs only in case and surrounding space; two headers a field
    /// could read are an error naming the column. `json` lists arrive
    /// joined with U+001F whatever the separator setting.
    pub fn new(
        plan: &Plan,
        headers: &[String],
        settings: &ReadSettings,
        json: bool,
    ) -> Result<Binding, BindError> {
        let norm = |s: &str| s.trim().to_lowercase();
        let mut columns = Vec::with_capacity(plan.columns.len());
        let mut missing = Vec::new();
        let mut duplicate = Vec::new();
        for c in &plan.columns {
            let exact: Vec<usize> = (0..headers.len())
                .filter(|&i| headers.get(i) == Some(&c.header))
                .take(2)
                .collect();
            let found = if exact.is_empty() {
                let want = norm(&c.header);
                (0..headers.len())
                    .filter(|&i| headers.get(i).is_some_and(|h| norm(h) == want))
                    .take(2)
                    .collect()
            } else {
                exact
            };
            match found.as_slice() {
                [i] => columns.push(*i),
                [] => missing.push(MissingColumn {
                    field: shorten(&c.field, 60),
                    header: shorten(&c.header, 60),
                    suggestion: suggest::closest(
                        &c.header,
                        headers.iter().take(10_000).map(String::as_str),
                    )
                    .map(|s| shorten(s, 60)),
                }),
                _ => {
                    duplicate.push(format!(
                        "the column `{}` (field `{}`) appears more than once",
                        shorten(&c.header, 60),
                        shorten(&c.field, 60)
                    ));
                    columns.push(usize::MAX);
                }
            }
        }
        if !missing.is_empty() {
            return Err(BindError::Missing(missing));
        }
        if !duplicate.is_empty() {
            return Err(BindError::Duplicate(duplicate));
        }
        let mut warnings = Vec::new();
        let mut seen: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
        for h in headers {
            *seen.entry(h.as_str()).or_default() += 1;
        }
        let mut repeated: Vec<(&str, usize)> = seen.into_iter().filter(|(_, n)| *n > 1).collect();
        repeated.sort();
        for (h, n) in repeated.iter().take(10) {
            warnings.push(format!(
                "the column `{}` appears {n} times; no field reads it",
                shorten(h, 60)
            ));
        }
        if repeated.len() > 10 {
            warnings.push(format!("and {} more repeated columns", repeated.len() - 10));
        }
        let mut list_separators = Vec::with_capacity(plan.columns.len());
        let mut formats = Vec::with_capacity(plan.columns.len());
        for c in &plan.columns {
            let (sep, fmt) = settings.column(&c.field).map_err(BindError::Settings)?;
            list_separators.push(if json { '\u{1f}' } else { sep });
            formats.push(fmt);
        }
        Ok(Binding {
            columns,
            headers: headers.to_vec(),
            list_separators,
            formats,
            warnings,
        })
    }

    /// The field index of the plan's key column, if it has one.
    pub fn key(&self, plan: &Plan) -> Option<usize> {
        self.columns.get(plan.key?).copied()
    }

    /// Decodes a record into `row` (cleared first) and appends bad cells to
    /// `errors`; `field` gives a field's text, or `NotText` for bytes that
    /// are not UTF-8 (borrowed from the input unless quotes had to be
    /// undone). Bad cells are `Missing` in the row. `keep_text` keeps every
    /// text value (for explanations). The scoring loop reuses both buffers
    /// for every record.
    pub fn decode_into<'a>(
        &self,
        plan: &Plan,
        field: impl Fn(usize) -> Result<Cow<'a, str>, NotText<'a>>,
        record: u64,
        keep_text: bool,
        row: &mut Vec<Value>,
        errors: &mut Vec<CellError>,
    ) {
        row.clear();
        let columns = self
            .columns
            .iter()
            .zip(&self.list_separators)
            .zip(&self.formats);
        for (col, ((&idx, &sep), fmt)) in columns.enumerate() {
            let header = || shorten(self.headers.get(idx).map_or("", String::as_str), 60);
            let cell = match field(idx) {
                Ok(c) => c,
                // A column only written out (the `display` name) is never
                // a reason to refuse a record; it is shown with U+FFFD.
                Err(_)
                    if plan.key != Some(col) && !plan.columns.get(col).is_some_and(|c| c.read) =>
                {
                    row.push(Value::Missing);
                    continue;
                }
                Err(bad) => {
                    errors.push(CellError {
                        record,
                        header: header(),
                        value: bad.shown(),
                        expected: "UTF-8 text".to_string(),
                    });
                    row.push(Value::Missing);
                    continue;
                }
            };
            match decode(plan, col, &cell, sep, fmt, keep_text) {
                Ok(v) => row.push(v),
                Err(e) => {
                    errors.push(CellError {
                        record,
                        header: header(),
                        value: shorten(&cell, 60),
                        expected: e.expected,
                    });
                    row.push(Value::Missing);
                }
            }
        }
    }
}

/// A cell that did not decode.
#[derive(Clone, Debug, PartialEq)]
pub struct CellError {
    /// 1-based record number (the header is not counted).
    pub record: u64,
    pub header: String,
    pub value: String,
    pub expected: String,
}

impl std::fmt::Display for CellError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "record {}, column `{}`: {}",
            self.record,
            self.header,
            self.problem()
        )
    }
}

impl CellError {
    /// What is wrong, without where: `` `many` is not a whole number ``.
    pub fn problem(&self) -> String {
        let shown: String = self.value.chars().take(60).collect();
        format!("`{shown}` is not {}", self.expected)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OnError {
    /// Stop, list the first errors, write nothing.
    Fail,
    /// Leave the record out, and count it.
    Skip,
    /// Treat the bad cell as missing, and count it.
    Missing,
}

/// A field that is not UTF-8 text: its bytes, shown with each bad byte as
/// U+FFFD in messages (and for an account id, which must not be lost).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NotText<'a>(pub &'a [u8]);

impl NotText<'_> {
    pub fn shown(self) -> String {
        String::from_utf8_lossy(self.0).into_owned()
    }
}

/// A column of `icp score`'s results.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResultColumn {
    Id,
    Passed,
    RemovedBy,
    Score,
    /// A group's score (`score_fit`).
    Group(usize),
    Tier,
    /// The signals that fired, with their points: `high_intent:25;budget:20`.
    Fired,
    /// The signals that could not be evaluated (data gaps).
    Unknown,
    /// The share of the signals' weight that could be evaluated, 0 to 1.
    Coverage,
    /// The personas the account's contacts match (with `--contacts`).
    Personas,
    /// `complete`, or the committee roles no contact fills (with `--contacts`).
    Committee,
    /// An input cell passed through as it is: index into the cells the
    /// caller reads with each account (the `display` name, `--columns`).
    Input(usize),
}

/// The names of every result column, in the default order.
pub fn available_columns(plan: &Plan, with_contacts: bool) -> Vec<String> {
    let mut cols = vec!["id".to_string()];
    if plan.display.is_some() {
        cols.push("name".into());
    }
    cols.extend(["passed".to_string(), "removed_by".into(), "score".into()]);
    cols.extend(plan.groups.iter().map(|g| format!("score_{}", g.name)));
    cols.extend([
        "tier".to_string(),
        "fired".into(),
        "unknown".into(),
        "coverage".into(),
    ]);
    if with_contacts {
        cols.extend(["personas".to_string(), "committee".into()]);
    }
    cols
}

pub fn result_column(plan: &Plan, name: &str) -> Option<ResultColumn> {
    Some(match name {
        "id" => ResultColumn::Id,
        "passed" => ResultColumn::Passed,
        "removed_by" => ResultColumn::RemovedBy,
        "score" => ResultColumn::Score,
        "tier" => ResultColumn::Tier,
        "fired" => ResultColumn::Fired,
        "unknown" => ResultColumn::Unknown,
        "coverage" => ResultColumn::Coverage,
        "personas" => ResultColumn::Personas,
        "committee" => ResultColumn::Committee,
        other => ResultColumn::Group(
            plan.groups
                .iter()
                .position(|g| Some(g.name.as_str()) == other.strip_prefix("score_"))?,
        ),
    })
}

/// Writes one result cell as CSV text (not yet quoted): lists joined with
/// `;`, numbers rounded to two decimals, and text a spreadsheet would run as
/// a formula neutralised with a leading `'`.
pub fn write_cell(buf: &mut Vec<u8>, plan: &Plan, col: ResultColumn, key: &str, o: &Outcome) {
    use std::io::Write;
    let passed = o.passed();
    match col {
        ResultColumn::Id => buf.extend_from_slice(neutralize(key).as_bytes()),
        ResultColumn::Passed => buf.extend_from_slice(if passed { b"true" } else { b"false" }),
        ResultColumn::RemovedBy => {
            if let Some(g) = o.removed_by.and_then(|g| plan.gates.get(g)) {
                buf.extend_from_slice(g.name.as_bytes());
            }
        }
        ResultColumn::Score if passed => write_points(buf, o.score),
        ResultColumn::Group(i) if passed => {
            write_points(buf, o.groups.get(i).copied().unwrap_or(0.0))
        }
        ResultColumn::Tier => {
            if let Some(t) = o.tier.and_then(|t| plan.tiers.get(t)) {
                buf.extend_from_slice(t.name.as_bytes());
            }
        }
        ResultColumn::Fired => {
            let mut first = true;
            for (s, r) in plan.signals.iter().zip(&o.signals) {
                if r.state == Truth::True && r.points != 0.0 {
                    if !first {
                        buf.push(b';');
                    }
                    first = false;
                    buf.extend_from_slice(s.name.as_bytes());
                    buf.push(b':');
                    write_points(buf, r.points);
                }
            }
        }
        ResultColumn::Unknown => {
            let mut first = true;
            for (s, r) in plan.signals.iter().zip(&o.signals) {
                if r.state == Truth::Unknown {
                    if !first {
                        buf.push(b';');
                    }
                    first = false;
                    buf.extend_from_slice(s.name.as_bytes());
                }
            }
        }
        ResultColumn::Coverage if passed => {
            let _ = write!(buf, "{}", (o.coverage * 10_000.0).round() / 10_000.0);
        }
        // Filled in by the caller, which holds the contacts.
        ResultColumn::Score
        | ResultColumn::Group(_)
        | ResultColumn::Coverage
        | ResultColumn::Personas
        | ResultColumn::Committee
        | ResultColumn::Input(_) => {}
    }
}

/// Points rounded to two decimals, whole numbers without a `.0`: what
/// `round2(p)` displays as, written from whole cents without the float
/// formatter, which is slow (a test holds the two together).
pub fn write_points(buf: &mut Vec<u8>, p: f64) {
    use std::io::Write;
    let cents = (p * 100.0).round();
    if cents.is_nan() || cents.abs() >= 1e15 {
        let _ = write!(buf, "{}", round2(p));
        return;
    }
    let cents = cents as i64;
    if cents < 0 {
        buf.push(b'-');
    }
    let (whole, fraction) = (cents.unsigned_abs() / 100, cents.unsigned_abs() % 100);
    let _ = write!(buf, "{whole}");
    if fraction != 0 {
        buf.extend_from_slice(&[b'.', b'0' + (fraction / 10) as u8]);
        if fraction % 10 != 0 {
            buf.push(b'0' + (fraction % 10) as u8);
        }
    }
}

/// One result cell as JSON.
pub fn json_cell(plan: &Plan, col: ResultColumn, key: &str, o: &Outcome) -> serde_json::Value {
    use serde_json::{json, Value as J};
    let passed = o.passed();
    let names = |state: Truth| -> Vec<&str> {
        plan.signals
            .iter()
            .zip(&o.signals)
            .filter(|(_, r)| r.state == state && (state != Truth::True || r.points != 0.0))
            .map(|(s, _)| s.name.as_str())
            .collect()
    };
    match col {
        ResultColumn::Id => json!(key),
        ResultColumn::Passed => json!(passed),
        ResultColumn::RemovedBy => o
            .removed_by
            .and_then(|g| plan.gates.get(g))
            .map(|g| json!(g.name))
            .unwrap_or(J::Null),
        ResultColumn::Score if passed => json!(round2(o.score)),
        ResultColumn::Group(i) if passed => json!(round2(o.groups.get(i).copied().unwrap_or(0.0))),
        ResultColumn::Tier => o
            .tier
            .and_then(|t| plan.tiers.get(t))
            .map(|t| json!(t.name))
            .unwrap_or(J::Null),
        ResultColumn::Fired => {
            let mut m = serde_json::Map::new();
            for (s, r) in plan.signals.iter().zip(&o.signals) {
                if r.state == Truth::True && r.points != 0.0 {
                    m.insert(s.name.clone(), json!(round2(r.points)));
                }
            }
            J::Object(m)
        }
        ResultColumn::Unknown => json!(names(Truth::Unknown)),
        ResultColumn::Coverage if passed => json!((o.coverage * 10_000.0).round() / 10_000.0),
        ResultColumn::Score
        | ResultColumn::Group(_)
        | ResultColumn::Coverage
        | ResultColumn::Personas
        | ResultColumn::Committee
        | ResultColumn::Input(_) => J::Null,
    }
}

pub fn neutralize(t: &str) -> std::borrow::Cow<'_, str> {
    match t.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => std::borrow::Cow::Owned(format!("'{t}")),
        _ => std::borrow::Cow::Borrowed(t),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised() {
        assert_eq!(neutralize("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(neutralize("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(neutralize("Acme"), "Acme");
        let mut buf = Vec::new();
        write_points(&mut buf, -10.0);
        write_points(&mut buf, 2.499);
        assert_eq!(buf, b"-102.5");
    }

    /// Points are written as the float formatter writes them rounded.
    #[test]
    fn points_are_written_as_rounded_floats_display() {
        let displayed = |p: f64| {
            let r = round2(p);
            if r.fract() == 0.0 && r.abs() < 1e15 {
                format!("{}", r as i64)
            } else {
                format!("{r}")
            }
        };
        let mut rng = crate::rng::Rng(0x2545_f491_4f6c_dd1d);
        let mut values = vec![
            0.0,
            -0.0,
            -0.004,
            0.005,
            0.015,
            1.005,
            99.995,
            -0.3,
            1e13,
            9.99e12,
            1e17,
            f64::NAN,
            -7.1,
        ];
        for _ in 0..20_000 {
            let magnitude = *rng.pick(&[1.0, 100.0, 1e4, 1e9]);
            let unit = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
            values.push(unit * magnitude * 2.0 - magnitude);
        }
        for p in values {
            let mut buf = Vec::new();
            write_points(&mut buf, p);
            assert_eq!(String::from_utf8(buf).unwrap(), displayed(p), "{p}");
        }
    }
}
