pub mod check;
pub mod compile;
pub mod diff;
pub mod fmt_cmd;
pub mod fs;
pub mod git;
pub mod run;
pub mod score;
pub mod session;

/// A `--as-of` value.
pub fn parse_date(s: &str) -> Result<icp_lang::ast::Date, String> {
    icp_lang::ast::Date::parse(s).ok_or_else(|| format!("`{s}` is not a date such as 2026-11-01"))
}
