//! Accounts in and results out: binding a file's headers to a plan's
//! columns, decoding rows, and formatting result rows. Pure: the caller
//! reads and writes the bytes.

use crate::eval::{decode, Outcome, Truth, Value};
use crate::explain::round2;
use crate::plan::Plan;
use crate::suggest;

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

/// For each plan column, the index of its header in `headers`: an exact
/// match first, then one that differs only in case and surrounding space.
pub fn bind_headers(plan: &Plan, headers: &[String]) -> Result<Vec<usize>, Vec<MissingColumn>> {
    let norm = |s: &str| s.trim().to_lowercase();
    let mut found = Vec::with_capacity(plan.columns.len());
    let mut missing = Vec::new();
    for c in &plan.columns {
        let exact = headers.iter().position(|h| *h == c.header);
        let loose = || headers.iter().position(|h| norm(h) == norm(&c.header));
        match exact.or_else(loose) {
            Some(i) => found.push(i),
            None => missing.push(MissingColumn {
                field: c.field.clone(),
                header: c.header.clone(),
                suggestion: suggest::closest(&c.header, headers.iter().map(String::as_str))
                    .map(str::to_string),
            }),
        }
    }
    if missing.is_empty() {
        Ok(found)
    } else {
        Err(missing)
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
        let shown: String = self.value.chars().take(60).collect();
        write!(
            f,
            "record {}, column `{}`: `{shown}` is not {}",
            self.record, self.header, self.expected
        )
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

/// Decodes one record's cells (already split) into a row for `plan`.
/// Returns the row and the cells that did not decode; with `OnError::Missing`
/// those cells are `Missing` in the row.
pub fn decode_row(
    plan: &Plan,
    binding: &[usize],
    cells: &[&str],
    record: u64,
    list_separator: char,
    headers: &[String],
) -> (Vec<Value>, Vec<CellError>) {
    let mut row = Vec::with_capacity(binding.len());
    let mut errors = Vec::new();
    for (col, &idx) in binding.iter().enumerate() {
        let cell = cells.get(idx).copied().unwrap_or("");
        match decode(plan, col, cell, list_separator) {
            Ok(v) => row.push(v),
            Err(e) => {
                errors.push(CellError {
                    record,
                    header: headers.get(idx).cloned().unwrap_or_default(),
                    value: cell.to_string(),
                    expected: e.expected,
                });
                row.push(Value::Missing);
            }
        }
    }
    (row, errors)
}

/// The result columns `icp score` can write.
pub fn available_columns(plan: &Plan) -> Vec<String> {
    let mut cols = vec![
        "id".to_string(),
        "passed".into(),
        "removed_by".into(),
        "score".into(),
    ];
    cols.extend(plan.groups.iter().map(|g| format!("score_{}", g.name)));
    cols.extend([
        "tier".to_string(),
        "fired".into(),
        "unknown".into(),
        "coverage".into(),
    ]);
    cols
}

/// One result cell.
pub fn cell(plan: &Plan, column: &str, key: &str, o: &Outcome) -> Cell {
    match column {
        "id" => Cell::Text(key.to_string()),
        "passed" => Cell::Bool(o.passed()),
        "removed_by" => Cell::Text(
            o.removed_by
                .and_then(|g| plan.gates.get(g))
                .map(|g| g.name.clone())
                .unwrap_or_default(),
        ),
        "score" if o.passed() => Cell::Num(round2(o.score)),
        "tier" => Cell::Text(
            o.tier
                .and_then(|t| plan.tiers.get(t))
                .map(|t| t.name.clone())
                .unwrap_or_default(),
        ),
        "fired" => Cell::List(
            plan.signals
                .iter()
                .zip(&o.signals)
                .filter(|(_, r)| r.state == Truth::True && r.points != 0.0)
                .map(|(s, r)| format!("{}:{}", s.name, crate::testing::fmt_points(r.points)))
                .collect(),
        ),
        "unknown" => Cell::List(
            plan.signals
                .iter()
                .zip(&o.signals)
                .filter(|(_, r)| r.state == Truth::Unknown)
                .map(|(s, _)| s.name.clone())
                .collect(),
        ),
        "coverage" if o.passed() => Cell::Num((o.coverage * 10_000.0).round() / 10_000.0),
        group => match group
            .strip_prefix("score_")
            .and_then(|g| plan.groups.iter().position(|x| x.name == g))
        {
            Some(i) if o.passed() => Cell::Num(round2(o.groups.get(i).copied().unwrap_or(0.0))),
            _ => Cell::Empty,
        },
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Num(f64),
    Bool(bool),
    List(Vec<String>),
}

impl Cell {
    /// As a CSV field: lists joined with `;`, and text that a spreadsheet
    /// would run as a formula (`=`, `+`, `-`, `@`, tab, CR first) prefixed
    /// with `'` so it stays text.
    pub fn csv(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(t) => neutralize(t),
            Cell::Num(n) => crate::testing::fmt_points(*n),
            Cell::Bool(b) => b.to_string(),
            Cell::List(items) => neutralize(&items.join(";")),
        }
    }

    pub fn json(&self) -> serde_json::Value {
        match self {
            Cell::Empty => serde_json::Value::Null,
            Cell::Text(t) if t.is_empty() => serde_json::Value::Null,
            Cell::Text(t) => serde_json::json!(t),
            Cell::Num(n) => serde_json::json!(n),
            Cell::Bool(b) => serde_json::json!(b),
            Cell::List(items) => serde_json::json!(items),
        }
    }
}

pub fn neutralize(t: &str) -> String {
    match t.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{t}"),
        _ => t.to_string(),
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
        assert_eq!(Cell::Num(-10.0).csv(), "-10");
    }
}
