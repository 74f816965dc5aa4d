//! Small value helpers shared by the checker, the analysis, the plan and
//! the evaluator: literals as numbers on one line, numbers written the way
//! users write them, seniority levels compared. They sit below all of
//! those modules so none of them has to import another for them.

use crate::ast::{CmpOp, LitValue};
use std::cmp::Ordering;

/// A number, money amount, percent, date (as a day number) or duration (in
/// days) on one line, for interval reasoning.
pub fn scalar(v: &LitValue) -> Option<f64> {
    match v {
        LitValue::Number(n) | LitValue::Money(n) | LitValue::Percent(n) => Some(*n),
        LitValue::Date(d) => Some(d.days() as f64),
        LitValue::Duration(d) => Some(d.approx_days()),
        _ => None,
    }
}

/// `1234567` -> `1,234,567`.
pub fn group_digits(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `1500000` -> `1.5M`, `250000` -> `250k`, `12` -> `12`.
pub fn format_number(n: f64) -> String {
    let abs = n.abs();
    let (v, suffix) = if abs >= 1e9 && (n / 1e9 * 100.0).fract() == 0.0 {
        (n / 1e9, "B")
    } else if abs >= 1e6 && (n / 1e6 * 100.0).fract() == 0.0 {
        (n / 1e6, "M")
    } else if abs >= 1e3 && (n / 1e3 * 100.0).fract() == 0.0 && abs >= 10_000.0 {
        (n / 1e3, "k")
    } else {
        (n, "")
    };
    let mut s = format!("{v:.4}");
    while s.contains('.') && (s.ends_with('0') || s.ends_with('.')) {
        s.pop();
    }
    format!("{s}{suffix}")
}

/// Whether `a op b` holds for an ordering of `a` against `b` (`None`: not
/// comparable, which nothing accepts).
pub fn ordering(op: CmpOp, o: Option<Ordering>) -> bool {
    use Ordering::*;
    match (op, o) {
        (_, None) => false,
        (CmpOp::Eq, Some(o)) => o == Equal,
        (CmpOp::Ne, Some(o)) => o != Equal,
        (CmpOp::Lt, Some(o)) => o == Less,
        (CmpOp::Le, Some(o)) => o != Greater,
        (CmpOp::Gt, Some(o)) => o == Greater,
        (CmpOp::Ge, Some(o)) => o != Less,
    }
}

/// `a op b` on seniority levels.
pub fn compare_levels(op: CmpOp, a: u8, b: u8) -> bool {
    ordering(op, a.partial_cmp(&b))
}

/// How a cell is matched against an enum variant or label when it is not
/// written exactly: case, surrounding spaces, and spaces or hyphens as `_`.
pub fn normalize_variant(s: &str) -> String {
    s.trim().to_lowercase().replace([' ', '-'], "_")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_print_the_way_users_write_them() {
        assert_eq!(format_number(1_500_000.0), "1.5M");
        assert_eq!(format_number(250_000.0), "250k");
        assert_eq!(format_number(2000.0), "2000");
        assert_eq!(format_number(2.5), "2.5");
        assert_eq!(format_number(-10.0), "-10");
        assert_eq!(format_number(3_000_000_000.0), "3B");
    }
}
