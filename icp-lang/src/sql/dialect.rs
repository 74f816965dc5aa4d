//! What differs between SQL engines, in one small trait: how names and text
//! are quoted (one function per dialect, the only place either is written),
//! types, and the handful of functions whose spelling differs. Everything
//! else the back end writes is SQL every dialect reads the same way.

use crate::ast::Duration;

/// The SQL engines the back end writes for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Dialect {
    DuckDb,
    Postgres,
    Spark,
    Snowflake,
    BigQuery,
}

impl Dialect {
    pub const ALL: [Dialect; 5] = [
        Dialect::DuckDb,
        Dialect::Postgres,
        Dialect::Spark,
        Dialect::Snowflake,
        Dialect::BigQuery,
    ];

    /// The dialect's handler.
    pub fn handler(self) -> &'static dyn DialectHandler {
        match self {
            Dialect::DuckDb => &DuckDb,
            Dialect::Postgres => &Postgres,
            Dialect::Spark => &Spark,
            Dialect::Snowflake => &Snowflake,
            Dialect::BigQuery => &BigQuery,
        }
    }

    /// The name used on the command line (`--dialect duckdb`).
    pub fn key(self) -> &'static str {
        match self {
            Dialect::DuckDb => "duckdb",
            Dialect::Postgres => "postgres",
            Dialect::Spark => "spark",
            Dialect::Snowflake => "snowflake",
            Dialect::BigQuery => "bigquery",
        }
    }

    pub fn name(self) -> &'static str {
        self.handler().name()
    }
}

/// A dialect's spelling of what differs between engines. Every identifier
/// and literal the back end writes goes through `ident` or `string`.
pub trait DialectHandler {
    /// The engine's name for people: `DuckDB`.
    fn name(&self) -> &'static str;
    /// A quoted identifier, whatever characters `name` holds.
    fn ident(&self, name: &str) -> String;
    /// A quoted string literal, whatever characters `s` holds.
    fn string(&self, s: &str) -> String;
    fn int_type(&self) -> &'static str {
        "BIGINT"
    }
    fn float_type(&self) -> &'static str {
        "DOUBLE"
    }
    /// Money and percent: exact decimals.
    fn decimal_type(&self) -> &'static str {
        "DECIMAL(38, 6)"
    }
    fn text_type(&self) -> &'static str {
        "VARCHAR"
    }
    fn bool_type(&self) -> &'static str {
        "BOOLEAN"
    }
    fn date_type(&self) -> &'static str {
        "DATE"
    }
    /// An array of text, for sets stored as arrays.
    fn text_array_type(&self) -> String;
    /// Whole days from `earlier` to `later` (both dates).
    fn days_between(&self, later: &str, earlier: &str) -> String;
    /// Whether `haystack` contains `needle` (unknown when `haystack` is missing).
    fn contains(&self, haystack: &str, needle: &str) -> String;
    /// Every match of the regular expression `pattern` (a literal) replaced.
    fn replace_all(&self, s: &str, pattern: &str, replacement: &str) -> String;
    /// `expr LIKE pattern`, where `\` escapes `%`, `_` and itself.
    fn like(&self, expr: &str, pattern: &str) -> String {
        format!("{expr} LIKE {pattern} ESCAPE {}", self.string("\\"))
    }
    /// Text compared code point by code point, for `<` between text columns.
    fn binary_text(&self, expr: &str) -> String {
        expr.to_string()
    }
    /// A number rounded to two decimals.
    fn round2(&self, expr: &str) -> String {
        format!("ROUND({expr}, 2)")
    }
    /// A number rounded to four decimals.
    fn round4(&self, expr: &str) -> String {
        format!("ROUND({expr}, 4)")
    }
    /// A number as text.
    fn number_text(&self, expr: &str) -> String {
        format!("CAST({expr} AS {})", self.text_type())
    }
    /// The texts that are not missing, joined by `;`.
    fn join_known(&self, parts: &[String]) -> String {
        format!("CONCAT_WS(';', {})", parts.join(", "))
    }
    fn current_date(&self) -> &'static str {
        "CURRENT_DATE"
    }
    /// `date` moved back by `d` (days and weeks as days; months and years as
    /// calendar months clamped to the month's last day).
    fn date_minus(&self, date: &str, d: Duration) -> String;
    /// Whether some part of a set written `;a;b;` satisfies `test` (given
    /// the part's SQL), unknown when the set is missing; `None` when the
    /// back end has no way to write it for this dialect.
    fn any_part(&self, set: &str, test: &dyn Fn(&str) -> String) -> Option<String> {
        let _ = (set, test);
        None
    }
    /// Whether some element of a text array satisfies `test` (given the
    /// element's SQL), unknown when the array is missing; `Err` says why the
    /// dialect cannot (sets stored as arrays, `--sets array`).
    fn any_elem(&self, array: &str, test: &dyn Fn(&str) -> String) -> Result<String, String> {
        let _ = (array, test);
        Err("sets stored as arrays are not written for this dialect".into())
    }
    /// `CREATE OR REPLACE VIEW`.
    fn create_view(&self, name: &str, query: &str) -> String {
        format!("CREATE OR REPLACE VIEW {name} AS\n{query}")
    }
}

/// Months in a duration, or `None` for days and weeks.
fn months(d: Duration) -> Option<i64> {
    use crate::ast::DurationUnit::*;
    match d.unit {
        Day | Week => None,
        Month => Some(i64::from(d.amount)),
        Year => Some(12 * i64::from(d.amount)),
    }
}

fn days(d: Duration) -> i64 {
    if d.unit == crate::ast::DurationUnit::Week {
        7 * i64::from(d.amount)
    } else {
        i64::from(d.amount)
    }
}

/// Standard SQL quoting: double quotes doubled.
fn double_quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Standard SQL text: single quotes doubled, nothing else special.
fn standard_string(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// Text for engines that read backslash escapes in literals: backslashes,
/// the quote and control characters escaped.
fn backslash_string(s: &str, quote: char, quote_escape: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => out.push_str(quote_escape),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

pub struct DuckDb;

impl DialectHandler for DuckDb {
    fn name(&self) -> &'static str {
        "DuckDB"
    }
    fn ident(&self, name: &str) -> String {
        double_quoted(name)
    }
    fn string(&self, s: &str) -> String {
        standard_string(s)
    }
    fn text_array_type(&self) -> String {
        "VARCHAR[]".into()
    }
    fn days_between(&self, later: &str, earlier: &str) -> String {
        format!("({later} - {earlier})")
    }
    fn contains(&self, haystack: &str, needle: &str) -> String {
        format!("contains({haystack}, {needle})")
    }
    fn replace_all(&self, s: &str, pattern: &str, replacement: &str) -> String {
        format!("regexp_replace({s}, {pattern}, {replacement}, 'g')")
    }
    fn any_elem(&self, array: &str, test: &dyn Fn(&str) -> String) -> Result<String, String> {
        Ok(format!(
            "CASE WHEN {array} IS NOT NULL THEN EXISTS (SELECT 1 FROM unnest({array}) AS icp_parts(part) WHERE part IS NOT NULL AND {}) END",
            test("part")
        ))
    }
    fn any_part(&self, set: &str, test: &dyn Fn(&str) -> String) -> Option<String> {
        Some(format!(
            "CASE WHEN {set} IS NOT NULL THEN EXISTS (SELECT 1 FROM unnest(string_split({set}, ';')) AS icp_parts(part) WHERE part <> '' AND {}) END",
            test("part")
        ))
    }
    fn date_minus(&self, date: &str, d: Duration) -> String {
        match months(d) {
            Some(m) => format!("CAST({date} - INTERVAL {m} MONTH AS DATE)"),
            None => format!("CAST({date} - INTERVAL {} DAY AS DATE)", days(d)),
        }
    }
}

pub struct Postgres;

impl DialectHandler for Postgres {
    fn name(&self) -> &'static str {
        "PostgreSQL"
    }
    fn ident(&self, name: &str) -> String {
        double_quoted(name)
    }
    /// Plain quotes when there is no backslash (readable, and safe whatever
    /// `standard_conforming_strings` says); else an escape string.
    fn string(&self, s: &str) -> String {
        if s.contains('\\') {
            format!("E'{}'", s.replace('\\', "\\\\").replace('\'', "''"))
        } else {
            standard_string(s)
        }
    }
    fn float_type(&self) -> &'static str {
        "DOUBLE PRECISION"
    }
    fn decimal_type(&self) -> &'static str {
        "NUMERIC(38, 6)"
    }
    fn text_type(&self) -> &'static str {
        "TEXT"
    }
    fn text_array_type(&self) -> String {
        "TEXT[]".into()
    }
    fn days_between(&self, later: &str, earlier: &str) -> String {
        format!("({later} - {earlier})")
    }
    fn contains(&self, haystack: &str, needle: &str) -> String {
        format!("(strpos({haystack}, {needle}) > 0)")
    }
    fn replace_all(&self, s: &str, pattern: &str, replacement: &str) -> String {
        format!("regexp_replace({s}, {pattern}, {replacement}, 'g')")
    }
    fn binary_text(&self, expr: &str) -> String {
        format!("({expr} COLLATE \"C\")")
    }
    /// The backslash is PostgreSQL's default `LIKE` escape.
    fn like(&self, expr: &str, pattern: &str) -> String {
        format!("{expr} LIKE {pattern}")
    }
    /// `round(double, int)` does not exist in PostgreSQL.
    fn round2(&self, expr: &str) -> String {
        format!("ROUND(CAST({expr} AS NUMERIC), 2)")
    }
    fn round4(&self, expr: &str) -> String {
        format!("ROUND(CAST({expr} AS NUMERIC), 4)")
    }
    fn any_elem(&self, array: &str, test: &dyn Fn(&str) -> String) -> Result<String, String> {
        Ok(format!(
            "CASE WHEN {array} IS NOT NULL THEN EXISTS (SELECT 1 FROM unnest({array}) AS icp_parts(part) WHERE part IS NOT NULL AND {}) END",
            test("part")
        ))
    }
    fn any_part(&self, set: &str, test: &dyn Fn(&str) -> String) -> Option<String> {
        Some(format!(
            "CASE WHEN {set} IS NOT NULL THEN EXISTS (SELECT 1 FROM unnest(string_to_array({set}, ';')) AS icp_parts(part) WHERE part <> '' AND {}) END",
            test("part")
        ))
    }
    fn date_minus(&self, date: &str, d: Duration) -> String {
        match months(d) {
            Some(m) => format!("CAST({date} - INTERVAL '{m} months' AS DATE)"),
            None => format!("({date} - {})", days(d)),
        }
    }
}

pub struct Spark;

impl DialectHandler for Spark {
    fn name(&self) -> &'static str {
        "Spark SQL"
    }
    fn ident(&self, name: &str) -> String {
        format!("`{}`", name.replace('`', "``"))
    }
    fn string(&self, s: &str) -> String {
        backslash_string(s, '\'', "\\'")
    }
    fn text_type(&self) -> &'static str {
        "STRING"
    }
    fn text_array_type(&self) -> String {
        "ARRAY<STRING>".into()
    }
    fn days_between(&self, later: &str, earlier: &str) -> String {
        format!("datediff({later}, {earlier})")
    }
    fn contains(&self, haystack: &str, needle: &str) -> String {
        format!("(instr({haystack}, {needle}) > 0)")
    }
    /// Spark's `regexp_replace` replaces every match.
    fn replace_all(&self, s: &str, pattern: &str, replacement: &str) -> String {
        format!("regexp_replace({s}, {pattern}, {replacement})")
    }
    fn current_date(&self) -> &'static str {
        "current_date()"
    }
    fn any_elem(&self, array: &str, test: &dyn Fn(&str) -> String) -> Result<String, String> {
        Ok(format!(
            "exists({array}, part -> part IS NOT NULL AND {})",
            test("part")
        ))
    }
    /// `exists` is unknown when the array is missing.
    fn any_part(&self, set: &str, test: &dyn Fn(&str) -> String) -> Option<String> {
        Some(format!(
            "exists(split({set}, ';'), part -> part <> '' AND {})",
            test("part")
        ))
    }
    fn date_minus(&self, date: &str, d: Duration) -> String {
        match months(d) {
            Some(m) => format!("add_months({date}, -{m})"),
            None => format!("date_sub({date}, {})", days(d)),
        }
    }
}

pub struct Snowflake;

impl DialectHandler for Snowflake {
    fn name(&self) -> &'static str {
        "Snowflake"
    }
    fn ident(&self, name: &str) -> String {
        double_quoted(name)
    }
    fn string(&self, s: &str) -> String {
        backslash_string(s, '\'', "''")
    }
    fn decimal_type(&self) -> &'static str {
        "NUMBER(38, 6)"
    }
    fn text_array_type(&self) -> String {
        "ARRAY".into()
    }
    fn days_between(&self, later: &str, earlier: &str) -> String {
        format!("DATEDIFF(day, {earlier}, {later})")
    }
    fn contains(&self, haystack: &str, needle: &str) -> String {
        format!("(POSITION({needle}, {haystack}) > 0)")
    }
    /// Snowflake's `REGEXP_REPLACE` replaces every match.
    fn replace_all(&self, s: &str, pattern: &str, replacement: &str) -> String {
        format!("REGEXP_REPLACE({s}, {pattern}, {replacement})")
    }
    /// `CONCAT_WS` is missing when any part is: join the known parts.
    fn join_known(&self, parts: &[String]) -> String {
        format!(
            "ARRAY_TO_STRING(ARRAY_CONSTRUCT_COMPACT({}), ';')",
            parts.join(", ")
        )
    }
    fn date_minus(&self, date: &str, d: Duration) -> String {
        match months(d) {
            Some(m) => format!("DATEADD(month, -{m}, {date})"),
            None => format!("DATEADD(day, -{}, {date})", days(d)),
        }
    }
}

pub struct BigQuery;

impl DialectHandler for BigQuery {
    fn name(&self) -> &'static str {
        "BigQuery"
    }
    fn ident(&self, name: &str) -> String {
        backslash_string(name, '`', "\\`")
    }
    fn string(&self, s: &str) -> String {
        backslash_string(s, '\'', "\\'")
    }
    fn int_type(&self) -> &'static str {
        "INT64"
    }
    fn float_type(&self) -> &'static str {
        "FLOAT64"
    }
    fn decimal_type(&self) -> &'static str {
        "BIGNUMERIC"
    }
    fn text_type(&self) -> &'static str {
        "STRING"
    }
    fn bool_type(&self) -> &'static str {
        "BOOL"
    }
    fn text_array_type(&self) -> String {
        "ARRAY<STRING>".into()
    }
    fn days_between(&self, later: &str, earlier: &str) -> String {
        format!("DATE_DIFF({later}, {earlier}, DAY)")
    }
    fn contains(&self, haystack: &str, needle: &str) -> String {
        format!("(STRPOS({haystack}, {needle}) > 0)")
    }
    fn replace_all(&self, s: &str, pattern: &str, replacement: &str) -> String {
        format!("REGEXP_REPLACE({s}, {pattern}, {replacement})")
    }
    /// BigQuery's `LIKE` has no `ESCAPE`; a backslash escapes.
    fn like(&self, expr: &str, pattern: &str) -> String {
        format!("{expr} LIKE {pattern}")
    }
    fn join_known(&self, parts: &[String]) -> String {
        format!(
            "ARRAY_TO_STRING(ARRAY(SELECT part FROM UNNEST([{}]) AS part WHERE part IS NOT NULL), ';')",
            parts.join(", ")
        )
    }
    fn current_date(&self) -> &'static str {
        "CURRENT_DATE()"
    }
    /// BigQuery stores a missing array as an empty one.
    fn any_elem(&self, _: &str, _: &dyn Fn(&str) -> String) -> Result<String, String> {
        Err("BigQuery stores a missing (NULL) array as an empty one, so a missing set cannot be told from an empty one".into())
    }
    fn any_part(&self, set: &str, test: &dyn Fn(&str) -> String) -> Option<String> {
        Some(format!(
            "CASE WHEN {set} IS NOT NULL THEN EXISTS (SELECT 1 FROM UNNEST(SPLIT({set}, ';')) AS part WHERE part <> '' AND {}) END",
            test("part")
        ))
    }
    fn date_minus(&self, date: &str, d: Duration) -> String {
        match months(d) {
            Some(m) => format!("DATE_SUB({date}, INTERVAL {m} MONTH)"),
            None => format!("DATE_SUB({date}, INTERVAL {} DAY)", days(d)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_survives_hostile_text() {
        let hostile = "a\"b`c'd\\e\nf;--g\u{1}ż";
        for d in Dialect::ALL {
            let h = d.handler();
            let id = h.ident(hostile);
            let s = h.string(hostile);
            // No unescaped line break: a comment or statement cannot start.
            assert!(
                !id.contains('\n')
                    || matches!(
                        d,
                        Dialect::DuckDb | Dialect::Postgres | Dialect::Spark | Dialect::Snowflake
                    )
            );
            assert!(!s.contains('\n') || matches!(d, Dialect::DuckDb | Dialect::Postgres));
        }
        assert_eq!(DuckDb.ident("a\"b"), "\"a\"\"b\"");
        assert_eq!(Spark.ident("a`b"), "`a``b`");
        assert_eq!(BigQuery.ident("a`b\\"), "`a\\`b\\\\`");
        assert_eq!(Postgres.string("it's"), "'it''s'");
        assert_eq!(Postgres.string("a\\'"), "E'a\\\\'''");
        assert_eq!(Spark.string("a\\'"), "'a\\\\\\''");
        assert_eq!(Snowflake.string("a\\'"), "'a\\\\'''");
        assert_eq!(BigQuery.string("a\\'\n"), "'a\\\\\\'\\n'");
    }
}
