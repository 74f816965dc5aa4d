//! The SQL back end: a plan becomes one query (or view) that scores every
//! row of a table the way `icp score` scores a CRM export, for DuckDB,
//! PostgreSQL, Spark, Snowflake and BigQuery; plus the `CREATE TABLE` the
//! query expects and a dbt model.
//!
//! The query has one shape for every dialect:
//!
//! - `cells`: the columns the ICP reads, renamed to their fields; text
//!   trimmed, empty text missing (as `icp score` decodes cells);
//! - `account`: enum values matched as forgivingly as `icp score` matches
//!   them (`In Cycle` is `in_cycle`) and sets as `;a;b;` for membership;
//! - `rules`: the first remover in written order, and one `CASE` per
//!   signal, named after it, giving its points;
//! - `scored`: group sums with their caps, and the score;
//! - the result: `id, passed, removed_by, score, score_<group>..., tier`.
//!
//! Conditions keep the language's three-valued logic: every test is
//! unknown (SQL `NULL`) exactly when the language's is, so SQL's own
//! `AND`/`OR`/`NOT` (Kleene logic) agree with the language's; filters pass
//! only on a known yes and exclusions remove only on one.
//!
//! Every name and text from the ICP or the options is quoted by the
//! dialect's one quoting function (`dialect.rs`); comments are cut at line
//! breaks. Pure: no IO.

pub mod dialect;

use crate::ast::{CmpOp, Date, HasMode};
use crate::diagnostic::Diagnostic;
use crate::plan::{
    BandTest, Bound, ColType, Cond, Const, FieldKind, GateKind, Plan, Points, ScoreCond, ScoreVar,
};
use crate::span::Span;
use crate::values::fold_text;
pub use dialect::{Dialect, DialectHandler};

/// The stable code of every SQL back-end diagnostic.
pub const CODE: &str = "E0401";

/// Which date `within` and decay are judged against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AsOf {
    /// The plan's as-of date, written into the query.
    Plan,
    /// The engine's current date when the query runs.
    CurrentDate,
}

/// How `set<...>` columns are stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sets {
    /// `;`-separated text, as CRM exports write them.
    Delimited,
    /// The dialect's array type.
    Array,
}

/// Optional result columns, as `icp score --columns` names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Extra {
    Fired,
    Unknown,
    Coverage,
}

#[derive(Clone, Debug)]
pub struct Options {
    pub dialect: Dialect,
    /// The table, `name` or `schema.name` (each part quoted).
    pub from: String,
    pub as_of: AsOf,
    /// Write `CREATE OR REPLACE VIEW name AS ...`.
    pub view: Option<String>,
    /// The result columns, by `icp score`'s names; empty for the default.
    pub columns: Vec<String>,
    pub sets: Sets,
}

impl Options {
    pub fn new(dialect: Dialect, from: &str) -> Options {
        Options {
            dialect,
            from: from.to_string(),
            as_of: AsOf::Plan,
            view: None,
            columns: Vec::new(),
            sets: Sets::Delimited,
        }
    }
}

/// The columns of the result by default.
pub fn default_columns(plan: &Plan) -> Vec<String> {
    let mut cols = vec!["id".to_string()];
    if plan.display.is_some() {
        cols.push("name".into());
    }
    cols.extend(["passed".to_string(), "removed_by".into(), "score".into()]);
    cols.extend(plan.groups.iter().map(|g| format!("score_{}", g.name)));
    cols.push("tier".into());
    cols
}

fn error(span: Span, message: String, dialect: Dialect) -> Diagnostic {
    Diagnostic::new(CODE, span, message)
        .label(format!("not expressible in {}", dialect.name()))
        .note("icp never writes a query that scores differently from `icp score`")
}

/// A number as SQL: whole numbers without a point.
fn num(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

/// A comment's text: one line, whatever the ICP wrote.
fn comment(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_control() || c == '\u{2028}' || c == '\u{2029}' {
                ' '
            } else {
                c
            }
        })
        .collect()
}

/// A table or view name: dot-separated parts, each quoted.
fn path(h: &dyn DialectHandler, name: &str) -> String {
    name.split('.')
        .map(|p| h.ident(p))
        .collect::<Vec<_>>()
        .join(".")
}

fn date_lit(days: i64) -> String {
    format!("DATE '{}'", Date::from_days(days))
}

/// Where the rule that holds `text` (a name, constant or pattern) is
/// written; the start of the ICP's file when no rule does (a header).
fn rule_mentioning(plan: &Plan, text: &str) -> Span {
    fn mentions(plan: &Plan, id: usize, text: &str, depth: usize) -> bool {
        let is_text = |c: &Const| matches!(c, Const::Text(i) if plan.texts.get(*i).is_some_and(|t| t == text));
        match plan.conds.get(id) {
            _ if depth > 256 => false,
            Some(Cond::And(ids) | Cond::Or(ids)) => {
                ids.iter().any(|i| mentions(plan, *i, text, depth + 1))
            }
            Some(Cond::Not(i)) => mentions(plan, *i, text, depth + 1),
            Some(Cond::Cmp { value, .. }) => is_text(value),
            Some(Cond::InList { values, .. } | Cond::Has { values, .. }) => {
                values.iter().any(is_text)
            }
            Some(Cond::Matches { patterns, .. }) => patterns.iter().any(|p| p == text),
            _ => false,
        }
    }
    let gate = plan
        .gates
        .iter()
        .find(|g| g.name == text || mentions(plan, g.cond, text, 0))
        .map(|g| g.span);
    let signal = || {
        plan.signals
            .iter()
            .find(|s| {
                s.name == text
                    || match &s.points {
                        Points::Weight { cond, .. } => mentions(plan, *cond, text, 0),
                        Points::Bands { .. } => false,
                    }
            })
            .map(|s| s.span)
    };
    gate.or_else(signal).unwrap_or_default()
}

/// NUL cannot be quoted in any of the engines: refuse it up front.
fn check_text(plan: &Plan, opts: &Options) -> Result<(), Vec<Diagnostic>> {
    let mut all: Vec<&str> = vec![opts.from.as_str()];
    all.extend(opts.view.as_deref());
    all.extend(plan.texts.iter().map(String::as_str));
    all.extend(plan.columns.iter().map(|c| c.header.as_str()));
    all.extend(plan.fields.iter().map(|c| c.header.as_str()));
    all.extend(plan.signals.iter().map(|s| s.name.as_str()));
    all.extend(plan.gates.iter().map(|s| s.name.as_str()));
    all.extend(plan.tiers.iter().map(|s| s.name.as_str()));
    all.extend(
        plan.enums
            .iter()
            .flat_map(|e| e.variants.iter().map(String::as_str)),
    );
    all.extend(
        plan.enums
            .iter()
            .flat_map(|e| e.labels.iter().map(|l| l.text.as_str())),
    );
    for c in &plan.conds {
        if let Cond::Matches { patterns, .. } = c {
            all.extend(patterns.iter().map(String::as_str));
        }
    }
    match all.iter().find(|t| t.contains('\0')) {
        Some(t) => Err(vec![error(
            rule_mentioning(plan, t),
            format!(
                "the text `{}` holds a NUL character, which {} cannot hold",
                t.replace('\0', "\\0"),
                opts.dialect.name()
            ),
            opts.dialect,
        )]),
        None => Ok(()),
    }
}

struct Writer<'a> {
    plan: &'a Plan,
    opts: &'a Options,
    h: &'static dyn DialectHandler,
    /// The rule being written, for diagnostics.
    span: Span,
    errors: Vec<Diagnostic>,
}

/// The query that scores every row of `opts.from`.
pub fn query(plan: &Plan, opts: &Options) -> Result<String, Vec<Diagnostic>> {
    check_text(plan, opts)?;
    let mut w = Writer {
        plan,
        opts,
        h: opts.dialect.handler(),
        span: Span::default(),
        errors: Vec::new(),
    };
    let sql = w.query();
    if w.errors.is_empty() {
        Ok(sql)
    } else {
        Err(w.errors)
    }
}

impl Writer<'_> {
    fn id(&self, name: &str) -> String {
        self.h.ident(name)
    }

    fn s(&self, text: &str) -> String {
        self.h.string(text)
    }

    fn fail(&mut self, message: String) -> String {
        self.errors
            .push(error(self.span, message, self.opts.dialect));
        "NULL".into()
    }

    fn col(&self, c: usize) -> String {
        match self.plan.columns.get(c) {
            Some(col) => self.id(&col.field),
            None => "NULL".into(),
        }
    }

    fn col_type(&self, c: usize) -> ColType {
        self.plan
            .columns
            .get(c)
            .map(|c| c.ty.clone())
            .unwrap_or(ColType::Number)
    }

    fn null_bool(&self) -> String {
        format!("CAST(NULL AS {})", self.h.bool_type())
    }

    /// `value` when `col` is known, else unknown.
    fn known_then(&self, col: &str, value: &str) -> String {
        format!("CASE WHEN {col} IS NOT NULL THEN {value} END")
    }

    fn as_of(&self) -> String {
        match self.opts.as_of {
            AsOf::Plan => date_lit(self.plan.as_of_days),
            AsOf::CurrentDate => self.h.current_date().to_string(),
        }
    }

    fn query(&mut self) -> String {
        let h = self.h;
        let plan = self.plan;
        let mut q = String::new();
        q.push_str(&format!(
            "-- ICP {}{} for {}, compiled by icp for {}.\n",
            comment(&plan.icp),
            plan.title
                .as_ref()
                .map(|t| format!(" \"{}\"", comment(t)))
                .unwrap_or_default(),
            comment(&plan.schema),
            h.name()
        ));
        q.push_str(&match self.opts.as_of {
            AsOf::Plan => format!(
                "-- Dates are judged as of {} (`within`, decay).\n",
                plan.as_of
            ),
            AsOf::CurrentDate => {
                "-- Dates are judged against the current date when the query runs.\n".to_string()
            }
        });
        q.push_str("WITH cells AS (\n  -- The columns the ICP reads, as `icp score` decodes them:\n  -- text trimmed, empty text missing.\n  SELECT\n");
        let mut items = Vec::new();
        for c in &plan.columns {
            let src = self.id(&c.header);
            let textual = matches!(c.ty, ColType::Text | ColType::Enum(_) | ColType::Set(_));
            let e =
                if textual && !(self.opts.sets == Sets::Array && matches!(c.ty, ColType::Set(_))) {
                    format!("NULLIF(TRIM({src}), '')")
                } else {
                    src
                };
            // `fraction`: `0.24` is 24%, as in `icp score` (a typed column
            // holds no `%`).
            let e = if c.fraction {
                format!("({e} * 100)")
            } else {
                e
            };
            // `blank = value`: an empty cell reads as the value, as in `icp score`.
            let e = match (&c.blank, &c.ty) {
                (None, _) => e,
                (Some(b), ColType::Bool) => {
                    let v = if b == "true" { "TRUE" } else { "FALSE" };
                    format!("COALESCE({e}, {v})")
                }
                (Some(b), ColType::Text | ColType::Enum(_)) => {
                    format!("COALESCE({e}, {})", h.string(b))
                }
                (Some(b), _) => match b.trim_end_matches('%').parse::<f64>() {
                    Ok(n) => format!("COALESCE({e}, {})", num(n)),
                    Err(_) => e,
                },
            };
            items.push(format!("    {e} AS {}", self.id(&c.field)));
        }
        if items.is_empty() {
            items.push("    1 AS icp_none".into());
        }
        q.push_str(&items.join(",\n"));
        q.push_str(&format!("\n  FROM {}\n),\n", path(h, &self.opts.from)));

        // account: enums and sets decoded.
        q.push_str("account AS (\n  -- Enum values matched as `icp score` matches them (`In Cycle` is\n  -- `in_cycle`); sets as `;a;b;` for membership tests.\n  SELECT\n");
        let mut items = Vec::new();
        for c in &plan.columns {
            let f = self.id(&c.field);
            let e = match &c.ty {
                ColType::Enum(e) => self.enum_decode(&f, *e),
                ColType::Set(elem) if self.opts.sets == Sets::Delimited => {
                    // Parts trimmed: only when a space touches a separator
                    // (the cell itself is trimmed), so the usual cell takes
                    // no regular expression.
                    let parts = format!(
                        "CASE WHEN {} OR {} THEN {} ELSE {f} END",
                        h.contains(&f, "' ;'"),
                        h.contains(&f, "'; '"),
                        h.replace_all(&f, "' *; *'", "';'")
                    );
                    let norm = match elem.as_ref() {
                        ColType::Enum(_) => normalize_sql(&parts),
                        _ => parts,
                    };
                    format!("';' || {norm} || ';'")
                }
                _ => f.clone(),
            };
            if e == f {
                items.push(format!("    {f}"));
            } else {
                items.push(format!("    {e} AS {f}"));
            }
        }
        if items.is_empty() {
            items.push("    icp_none".into());
        }
        q.push_str(&items.join(",\n"));
        q.push_str("\n  FROM cells\n),\n");

        // rules: removed_by and one CASE per signal.
        q.push_str("rules AS (\n  SELECT\n");
        let key = match plan.key {
            Some(k) => self.col(k),
            None => format!("CAST(NULL AS {})", h.text_type()),
        };
        q.push_str(&format!("    {key} AS {},\n", self.id("icp id")));
        if let Some(d) = plan.display {
            q.push_str(&format!(
                "    {} AS {},\n",
                self.col(d),
                self.id("icp name")
            ));
        }
        let mut gates: Vec<&crate::plan::Gate> = plan.gates.iter().collect();
        gates.sort_by_key(|g| g.order);
        if gates.is_empty() {
            q.push_str(&format!(
                "    CAST(NULL AS {}) AS {}",
                h.text_type(),
                self.id("icp removed_by")
            ));
        } else {
            q.push_str(
                "    -- The first rule, in written order, that removes the account.\n    CASE\n",
            );
            for g in gates {
                self.span = g.span;
                let kind = g.kind.word();
                q.push_str(&format!(
                    "      -- {kind} {}: {}\n",
                    comment(&g.name),
                    comment(&g.text)
                ));
                if let Some(b) = &g.because {
                    q.push_str(&format!("      --   because \"{}\"\n", comment(b)));
                }
                let c = self.cond(g.cond);
                let test = match g.kind {
                    GateKind::Filter => format!("NOT COALESCE({c}, FALSE)"),
                    GateKind::Exclude => format!("COALESCE({c}, FALSE)"),
                };
                q.push_str(&format!("      WHEN {test} THEN {}\n", self.s(&g.name)));
            }
            q.push_str(&format!("    END AS {}", self.id("icp removed_by")));
        }
        let extras = self.extras();
        let want_known = extras
            .iter()
            .any(|e| matches!(e, Extra::Unknown | Extra::Coverage));
        for s in &plan.signals {
            self.span = s.span;
            q.push_str(&format!(
                ",\n    -- signal {}: {}",
                comment(&s.name),
                comment(&s.text)
            ));
            if let Points::Weight { weight, .. } = &s.points {
                q.push_str(&format!(" weight {}", num(*weight)));
            }
            if let Some(d) = &s.decay {
                q.push_str(&format!(" decay half_life {}d", num(d.half_life_days)));
            }
            q.push('\n');
            if let Some(b) = &s.because {
                q.push_str(&format!("    --   because \"{}\"\n", comment(b)));
            }
            for line in s.doc.iter().flat_map(|d| d.lines()) {
                q.push_str(&format!("    --   {}\n", comment(line.trim())));
            }
            let (points, known) = self.signal(s);
            q.push_str(&format!("    {points} AS {}", self.id(&s.name)));
            if want_known {
                q.push_str(&format!(
                    ",\n    {known} AS {}",
                    self.id(&format!("{} known", s.name))
                ));
            }
        }
        q.push_str("\n  FROM account\n),\n");

        // scored: groups and the score.
        q.push_str("scored AS (\n  SELECT\n    *");
        let mut group_cols = Vec::new();
        for (gi, g) in plan.groups.iter().enumerate() {
            let members: Vec<String> = plan
                .signals
                .iter()
                .filter(|s| s.group == Some(gi))
                .map(|s| self.id(&s.name))
                .collect();
            let sum = if members.is_empty() {
                "0".to_string()
            } else {
                members.join(" + ")
            };
            let e = match g.cap {
                Some(cap) => format!("LEAST({sum}, {})", num(cap)),
                None => sum,
            };
            let name = self.id(&format!("icp group {}", g.name));
            q.push_str(&format!(
                ",\n    -- group {}{}\n    {e} AS {name}",
                comment(&g.name),
                g.cap
                    .map(|c| format!(" cap {}", num(c)))
                    .unwrap_or_default()
            ));
            group_cols.push(name);
        }
        let loose: Vec<String> = plan
            .signals
            .iter()
            .filter(|s| s.group.is_none())
            .map(|s| self.id(&s.name))
            .collect();
        let loose = if loose.is_empty() {
            "0".to_string()
        } else {
            loose.join(" + ")
        };
        q.push_str("\n  FROM rules\n),\ntotals AS (\n  SELECT\n    *,\n");
        let score = if group_cols.is_empty() {
            loose
        } else {
            format!("({loose}) + ({})", group_cols.join(" + "))
        };
        q.push_str(&format!(
            "    {score} AS {}\n  FROM scored\n)\n",
            self.id("icp score")
        ));

        // The result.
        self.span = Span::default();
        let removed = self.id("icp removed_by");
        let passed_then = |e: String| format!("CASE WHEN {removed} IS NULL THEN {e} END");
        let mut cols = Vec::new();
        let names = if self.opts.columns.is_empty() {
            default_columns(plan)
        } else {
            self.opts.columns.clone()
        };
        for name in &names {
            let e = match name.as_str() {
                "id" => self.id("icp id"),
                "name" if plan.display.is_some() => self.id("icp name"),
                "passed" => format!("{removed} IS NULL"),
                "removed_by" => removed.clone(),
                "score" => passed_then(h.round2(&self.id("icp score"))),
                "tier" => self.tiers(),
                "fired" => {
                    let parts: Vec<String> = plan
                        .signals
                        .iter()
                        .map(|s| {
                            let p = self.id(&s.name);
                            format!(
                                "CASE WHEN {p} <> 0 THEN {} || {} END",
                                self.s(&format!("{}:", s.name)),
                                h.number_text(&h.round2(&p))
                            )
                        })
                        .collect();
                    if parts.is_empty() {
                        passed_then("''".into())
                    } else {
                        passed_then(h.join_known(&parts))
                    }
                }
                "unknown" => {
                    let parts: Vec<String> = plan
                        .signals
                        .iter()
                        .map(|s| {
                            format!(
                                "CASE WHEN NOT {} THEN {} END",
                                self.id(&format!("{} known", s.name)),
                                self.s(&s.name)
                            )
                        })
                        .collect();
                    if parts.is_empty() {
                        passed_then("''".into())
                    } else {
                        passed_then(h.join_known(&parts))
                    }
                }
                "coverage" => {
                    let total: f64 = plan.signals.iter().map(|s| s.max_abs).sum();
                    if total > 0.0 {
                        let parts: Vec<String> = plan
                            .signals
                            .iter()
                            .map(|s| {
                                format!(
                                    "CASE WHEN {} THEN {} ELSE 0 END",
                                    self.id(&format!("{} known", s.name)),
                                    num(s.max_abs)
                                )
                            })
                            .collect();
                        passed_then(h.round4(&format!(
                            "CAST({} AS {}) / {}",
                            parts.join(" + "),
                            h.float_type(),
                            num(total)
                        )))
                    } else {
                        passed_then("1".into())
                    }
                }
                other => match other
                    .strip_prefix("score_")
                    .and_then(|g| plan.groups.iter().position(|x| x.name == g))
                {
                    Some(gi) => {
                        let g = plan.groups.get(gi).map(|g| g.name.as_str()).unwrap_or("");
                        passed_then(h.round2(&self.id(&format!("icp group {g}"))))
                    }
                    None => self.fail(format!(
                        "`{other}` is not a result column SQL can give (id, name with a `display` field, passed, removed_by, score, score_<group>, tier, fired, unknown, coverage)"
                    )),
                },
            };
            cols.push(format!("  {e} AS {}", self.id(name)));
        }
        q.push_str(&format!("SELECT\n{}\nFROM totals", cols.join(",\n")));
        match &self.opts.view {
            Some(v) => h.create_view(&path(h, v), &q) + ";\n",
            None => q + ";\n",
        }
    }

    fn extras(&self) -> Vec<Extra> {
        self.opts
            .columns
            .iter()
            .filter_map(|c| match c.as_str() {
                "fired" => Some(Extra::Fired),
                "unknown" => Some(Extra::Unknown),
                "coverage" => Some(Extra::Coverage),
                _ => None,
            })
            .collect()
    }

    /// The enum value decoded to its variant: exact first, then lower case
    /// with spaces and hyphens as `_`, then by a label written as loosely,
    /// as `icp score` does.
    fn enum_decode(&self, f: &str, e: usize) -> String {
        let Some(table) = self.plan.enums.get(e) else {
            return f.to_string();
        };
        let exact: Vec<String> = table.variants.iter().map(|v| self.s(v)).collect();
        let mut s = format!(
            "CASE WHEN {f} IN ({}) THEN {f} ELSE CASE {}",
            exact.join(", "),
            normalize_sql(f)
        );
        for (v, n) in table.variants.iter().zip(&table.normalized) {
            s.push_str(&format!(" WHEN {} THEN {}", self.s(n), self.s(v)));
        }
        for l in &table.labels {
            if let Some(v) = table.variants.get(usize::from(l.variant)) {
                s.push_str(&format!(
                    " WHEN {} THEN {}",
                    self.s(&l.normalized),
                    self.s(v)
                ));
            }
        }
        s.push_str(" END END");
        s
    }

    /// A constant as the column holds it.
    fn constant(&self, c: &Const, ty: &ColType) -> String {
        match c {
            Const::Num(n) => num(*n),
            // Text is compared ignoring case: the column side is `LOWER`ed.
            Const::Text(i) => self.s(&fold_text(
                self.plan.texts.get(*i).map(String::as_str).unwrap_or(""),
            )),
            Const::Enum(v) => {
                let e = match ty {
                    ColType::Enum(e) => Some(*e),
                    ColType::Set(inner) => match inner.as_ref() {
                        ColType::Enum(e) => Some(*e),
                        _ => None,
                    },
                    _ => None,
                };
                let name = e
                    .and_then(|e| self.plan.enums.get(e))
                    .and_then(|t| t.variants.get(usize::from(*v)))
                    .map(String::as_str)
                    .unwrap_or("");
                self.s(name)
            }
            Const::Date(d) => date_lit(*d),
            Const::Bool(b) => if *b { "TRUE" } else { "FALSE" }.into(),
        }
    }

    /// Whether the column's value and the constant are of kinds that can
    /// be equal (as `eval::equals` decides).
    fn comparable(ty: &ColType, c: &Const) -> bool {
        matches!(
            (ty, c),
            (
                ColType::Int
                    | ColType::Number
                    | ColType::Money
                    | ColType::Percent
                    | ColType::Duration,
                Const::Num(_)
            ) | (ColType::Date, Const::Date(_))
                | (ColType::Enum(_), Const::Enum(_))
                | (ColType::Bool, Const::Bool(_))
                | (ColType::Text, Const::Text(_))
        )
    }

    fn is_numeric(ty: &ColType) -> bool {
        matches!(
            ty,
            ColType::Int | ColType::Number | ColType::Money | ColType::Percent | ColType::Duration
        )
    }

    /// `col op constant`, unknown when the language's comparison is.
    fn compare(&mut self, column: usize, op: CmpOp, value: &Const) -> String {
        let ty = self.col_type(column);
        let f = self.col(column);
        if let ColType::Set(_) = ty {
            return self.fail(format!(
                "comparing the set `{}` with `{}`",
                self.field_name(column),
                sql_op(op)
            ));
        }
        let ordered = (Self::is_numeric(&ty) && matches!(value, Const::Num(_)))
            || (ty == ColType::Date && matches!(value, Const::Date(_)));
        if ordered {
            return format!("{f} {} {}", sql_op(op), self.constant(value, &ty));
        }
        match op {
            CmpOp::Eq | CmpOp::Ne if Self::comparable(&ty, value) => {
                let sql_op = if op == CmpOp::Eq { "=" } else { "<>" };
                format!("{} {sql_op} {}", folded(&f, &ty), self.constant(value, &ty))
            }
            CmpOp::Eq => self.known_then(&f, "FALSE"),
            CmpOp::Ne => self.known_then(&f, "TRUE"),
            // The language knows no order between these values.
            _ => self.null_bool(),
        }
    }

    fn field_name(&self, c: usize) -> String {
        self.plan
            .columns
            .get(c)
            .map(|c| c.field.clone())
            .unwrap_or_default()
    }

    fn range(&self, f: &str, ty: &ColType, lo: Option<Bound>, hi: Option<Bound>) -> String {
        let lit = |v: f64| {
            if *ty == ColType::Date {
                date_lit(v as i64)
            } else {
                num(v)
            }
        };
        let mut parts = Vec::new();
        if let Some(b) = lo {
            parts.push(format!(
                "{f} {} {}",
                if b.inclusive { ">=" } else { ">" },
                lit(b.value)
            ));
        }
        if let Some(b) = hi {
            parts.push(format!(
                "{f} {} {}",
                if b.inclusive { "<=" } else { "<" },
                lit(b.value)
            ));
        }
        if parts.is_empty() {
            self.known_then(f, "TRUE")
        } else {
            format!("({})", parts.join(" AND "))
        }
    }

    /// Whether the set (an array) holds the constant: some element, trimmed,
    /// is it (enum elements matched forgivingly).
    fn array_has(&self, f: &str, elem: &ColType, c: &Const) -> Result<String, String> {
        let test = match (elem, c) {
            (ColType::Text, Const::Text(i)) => {
                let t = self.plan.texts.get(*i).map(String::as_str).unwrap_or("");
                if t.is_empty() || t.trim() != t {
                    return Ok(self.known_then(f, "FALSE"));
                }
                let lit = self.s(&fold_text(t));
                Box::new(move |e: &str| format!("LOWER(TRIM({e})) = {lit}"))
                    as Box<dyn Fn(&str) -> String>
            }
            (ColType::Enum(e), Const::Enum(v)) => {
                let names = self.set_names(*e, *v);
                if names.is_empty() {
                    return Ok(self.known_then(f, "FALSE"));
                }
                let lits: Vec<String> = names.iter().map(|n| self.s(n)).collect();
                let test = if let [one] = lits.as_slice() {
                    format!("= {one}")
                } else {
                    format!("IN ({})", lits.join(", "))
                };
                Box::new(move |e: &str| format!("{} {test}", normalize_sql(&format!("TRIM({e})"))))
            }
            _ => return Ok(self.known_then(f, "FALSE")),
        };
        self.h.any_elem(f, test.as_ref())
    }

    /// The normalised texts a set part may be to read as variant `v` of
    /// enum `e`: its name, then its labels (none that holds the separator,
    /// which no part can be).
    fn set_names(&self, e: usize, v: u16) -> Vec<String> {
        let Some(t) = self.plan.enums.get(e) else {
            return Vec::new();
        };
        let mut out: Vec<String> = t
            .normalized
            .get(usize::from(v))
            .cloned()
            .into_iter()
            .collect();
        for l in t.labels.iter().filter(|l| l.variant == v) {
            if !l.normalized.contains(';') && !out.contains(&l.normalized) {
                out.push(l.normalized.clone());
            }
        }
        out
    }

    /// Whether the set (as `;a;b;`) holds the constant.
    fn set_has(&self, f: &str, elem: &ColType, c: &Const) -> String {
        if let (ColType::Enum(e), Const::Enum(v)) = (elem, c) {
            let names = self.set_names(*e, *v);
            if names.is_empty() {
                return self.known_then(f, "FALSE");
            }
            let tests: Vec<String> = names
                .iter()
                .map(|n| self.h.contains(f, &self.s(&format!(";{n};"))))
                .collect();
            return if let [one] = tests.as_slice() {
                one.clone()
            } else {
                format!("({})", tests.join(" OR "))
            };
        }
        let needle = match (elem, c) {
            (ColType::Text, Const::Text(i)) => {
                let t = self.plan.texts.get(*i).map(String::as_str).unwrap_or("");
                // A part is trimmed, not empty and holds no separator.
                if t.is_empty() || t.contains(';') || t.trim() != t {
                    return self.known_then(f, "FALSE");
                }
                fold_text(t)
            }
            _ => return self.known_then(f, "FALSE"),
        };
        self.h
            .contains(&format!("LOWER({f})"), &self.s(&format!(";{needle};")))
    }

    fn cond(&mut self, id: usize) -> String {
        let Some(c) = self.plan.conds.get(id) else {
            return self.null_bool();
        };
        match c {
            Cond::And(ids) | Cond::Or(ids) => {
                let word = if matches!(c, Cond::And(_)) {
                    " AND "
                } else {
                    " OR "
                };
                let parts: Vec<String> = ids.iter().map(|i| self.cond(*i)).collect();
                if parts.is_empty() {
                    return if matches!(c, Cond::And(_)) {
                        "TRUE"
                    } else {
                        "FALSE"
                    }
                    .into();
                }
                format!("({})", parts.join(word))
            }
            Cond::Not(i) => format!("(NOT {})", self.cond(*i)),
            Cond::True => "TRUE".into(),
            Cond::IsTrue { column } => {
                let f = self.col(*column);
                if self.col_type(*column) == ColType::Bool {
                    f
                } else {
                    self.null_bool()
                }
            }
            Cond::Cmp { column, op, value } => self.compare(*column, *op, value),
            Cond::CmpColumns { a, op, b } => {
                let (ta, tb) = (self.col_type(*a), self.col_type(*b));
                let (fa, fb) = (self.col(*a), self.col(*b));
                let same = (Self::is_numeric(&ta) && Self::is_numeric(&tb)) || ta == tb;
                if !same || matches!(ta, ColType::Set(_)) {
                    if matches!(ta, ColType::Set(_)) || matches!(tb, ColType::Set(_)) {
                        return self.fail(format!(
                            "comparing the set columns `{}` and `{}`",
                            self.field_name(*a),
                            self.field_name(*b)
                        ));
                    }
                    return self.null_bool();
                }
                let (ea, eb) = match &ta {
                    ColType::Enum(e) => (self.enum_index(&fa, *e), self.enum_index(&fb, *e)),
                    ColType::Text => (
                        self.h.binary_text(&folded(&fa, &ta)),
                        self.h.binary_text(&folded(&fb, &tb)),
                    ),
                    _ => (fa, fb),
                };
                format!("({ea} {} {eb})", sql_op(*op))
            }
            Cond::InRange {
                column,
                negated,
                lo,
                hi,
            } => {
                let ty = self.col_type(*column);
                let f = self.col(*column);
                if !(Self::is_numeric(&ty) || ty == ColType::Date) {
                    return self.null_bool();
                }
                let r = self.range(&f, &ty, *lo, *hi);
                if *negated {
                    format!("(NOT {r})")
                } else {
                    r
                }
            }
            Cond::InList {
                column,
                negated,
                values,
            } => {
                let ty = self.col_type(*column);
                let f = self.col(*column);
                if let ColType::Set(_) = ty {
                    return self.fail(format!("`in` on the set `{}`", self.field_name(*column)));
                }
                let items: Vec<String> = values
                    .iter()
                    .filter(|v| Self::comparable(&ty, v))
                    .map(|v| self.constant(v, &ty))
                    .collect();
                let t = if items.is_empty() {
                    self.known_then(&f, "FALSE")
                } else {
                    format!("{} IN ({})", folded(&f, &ty), items.join(", "))
                };
                if *negated {
                    format!("(NOT {t})")
                } else {
                    t
                }
            }
            Cond::Has {
                column,
                mode,
                values,
            } => {
                let ty = self.col_type(*column);
                let f = self.col(*column);
                let ColType::Set(elem) = ty else {
                    return self.null_bool();
                };
                if let ColType::Enum(e) = elem.as_ref() {
                    if let Some((a, b)) = self.plan.enums.get(*e).and_then(clashing_variants) {
                        return self.fail(format!(
                            "`has` on the set `{}` of enum values, whose variants `{a}` and `{b}` are written alike (SQL matches set parts by case and `_`-insensitive text)",
                            self.field_name(*column)
                        ));
                    }
                }
                let tests: Vec<String> = if self.opts.sets == Sets::Array {
                    let mut tests = Vec::new();
                    for v in values {
                        match self.array_has(&f, &elem, v) {
                            Ok(t) => tests.push(t),
                            Err(why) => {
                                return self.fail(format!(
                                    "`has` on `{}` with sets stored as arrays: {why}",
                                    self.field_name(*column)
                                ))
                            }
                        }
                    }
                    tests
                } else {
                    values.iter().map(|v| self.set_has(&f, &elem, v)).collect()
                };
                match (mode, tests.is_empty()) {
                    (HasMode::All | HasMode::None, true) => self.known_then(&f, "TRUE"),
                    (_, true) => self.known_then(&f, "FALSE"),
                    (HasMode::Any | HasMode::One, false) => format!("({})", tests.join(" OR ")),
                    (HasMode::All, false) => format!("({})", tests.join(" AND ")),
                    (HasMode::None, false) => format!("(NOT ({}))", tests.join(" OR ")),
                }
            }
            Cond::Matches {
                column,
                negated,
                patterns,
            } => {
                let ty = self.col_type(*column);
                let f = self.col(*column);
                let text_set = matches!(&ty, ColType::Set(e) if **e == ColType::Text);
                if let (ColType::Set(_), false) = (&ty, text_set) {
                    // Parts that are no text never match (as `icp score`).
                    return self.known_then(&f, "FALSE");
                }
                if ty != ColType::Text && !text_set {
                    return self.null_bool();
                }
                let h = self.h;
                let pats: Vec<String> = patterns.iter().map(|p| self.s(&like_pattern(p))).collect();
                let test = |e: &str| -> String {
                    let lower = format!("LOWER({e})");
                    let tests: Vec<String> = pats.iter().map(|p| h.like(&lower, p)).collect();
                    format!("({})", tests.join(" OR "))
                };
                let tests: Vec<String> = if pats.is_empty() {
                    Vec::new()
                } else if text_set {
                    if self.opts.sets == Sets::Array {
                        let elem_test = |e: &str| {
                            format!("TRIM({e}) <> '' AND {}", test(&format!("TRIM({e})")))
                        };
                        match h.any_elem(&f, &elem_test) {
                            Ok(t) => vec![t],
                            Err(why) => {
                                return self.fail(format!(
                                    "`matches` on `{}` with sets stored as arrays: {why}",
                                    self.field_name(*column)
                                ))
                            }
                        }
                    } else {
                        match h.any_part(&f, &test) {
                            Some(t) => vec![t],
                            None => {
                                return self.fail(format!(
                                "`matches` on the set `{}` (a pattern against each part of a set)",
                                self.field_name(*column)
                            ))
                            }
                        }
                    }
                } else {
                    vec![test(&f)]
                };
                let t = if tests.is_empty() {
                    self.known_then(&f, "FALSE")
                } else {
                    format!("({})", tests.join(" OR "))
                };
                if *negated {
                    format!("(NOT {t})")
                } else {
                    t
                }
            }
            Cond::Within {
                column,
                from,
                to,
                duration,
            } => {
                let f = self.col(*column);
                if self.col_type(*column) != ColType::Date {
                    return self.null_bool();
                }
                match self.opts.as_of {
                    AsOf::Plan => format!("{f} BETWEEN {} AND {}", date_lit(*from), date_lit(*to)),
                    AsOf::CurrentDate => match duration {
                        Some(d) => {
                            let now = self.h.current_date();
                            format!("{f} BETWEEN {} AND {now}", self.h.date_minus(now, *d))
                        }
                        None => self.fail("a `within` without its duration".into()),
                    },
                }
            }
            Cond::IsMissing { column, negated } => {
                let f = self.col(*column);
                if *negated {
                    format!("{f} IS NOT NULL")
                } else {
                    format!("{f} IS NULL")
                }
            }
        }
    }

    fn enum_index(&self, f: &str, e: usize) -> String {
        let mut s = format!("CASE {f}");
        if let Some(t) = self.plan.enums.get(e) {
            for (i, v) in t.variants.iter().enumerate() {
                s.push_str(&format!(" WHEN {} THEN {i}", self.s(v)));
            }
        }
        s.push_str(" END");
        s
    }

    /// The signal's points (a `CASE`) and whether it could be evaluated.
    fn signal(&mut self, s: &crate::plan::Signal) -> (String, String) {
        match &s.points {
            Points::Weight { cond, weight } => {
                let c = self.cond(*cond);
                let mut points = num(*weight);
                if let Some(d) = &s.decay {
                    if d.half_life_days > 0.0 {
                        let date = self.col(d.column);
                        let age = self.h.days_between(&self.as_of(), &date);
                        points = format!(
                            "{points} * COALESCE(POWER(0.5, CAST(GREATEST({age}, 0) AS {}) / {}), 1)",
                            self.h.float_type(),
                            num(d.half_life_days)
                        );
                    }
                }
                let known = format!("({c}) IS NOT NULL");
                (format!("CASE WHEN {c} THEN {points} ELSE 0 END"), known)
            }
            Points::Bands { column, bands } => {
                let ty = self.col_type(*column);
                let f = self.col(*column);
                let mut out = format!("CASE WHEN {f} IS NULL THEN 0");
                for b in bands {
                    let test = match &b.test {
                        BandTest::Range { lo, hi } => {
                            if Self::is_numeric(&ty) || ty == ColType::Date {
                                self.range(&f, &ty, *lo, *hi)
                            } else {
                                "FALSE".into()
                            }
                        }
                        BandTest::Value(c) => {
                            if Self::comparable(&ty, c) {
                                format!("{} = {}", folded(&f, &ty), self.constant(c, &ty))
                            } else {
                                "FALSE".into()
                            }
                        }
                    };
                    out.push_str(&format!(" WHEN {test} THEN {}", num(b.points)));
                }
                out.push_str(" ELSE 0 END");
                (out, format!("{f} IS NOT NULL"))
            }
        }
    }

    fn tiers(&self) -> String {
        let removed = self.id("icp removed_by");
        let mut s = format!("CASE\n    WHEN {removed} IS NOT NULL THEN NULL\n");
        for t in &self.plan.tiers {
            s.push_str(&format!(
                "    -- tier {}: {}\n",
                comment(&t.name),
                comment(&t.text)
            ));
            match &t.cond {
                None => {
                    s.push_str(&format!("    ELSE {}\n", self.s(&t.name)));
                    break;
                }
                Some(c) => s.push_str(&format!(
                    "    WHEN {} THEN {}\n",
                    self.score_cond(c),
                    self.s(&t.name)
                )),
            }
        }
        s.push_str("  END");
        s
    }

    fn score_var(&self, v: &ScoreVar) -> String {
        match v {
            ScoreVar::Total => self.id("icp score"),
            ScoreVar::Group(g) => self.id(&format!(
                "icp group {}",
                self.plan
                    .groups
                    .get(*g)
                    .map(|g| g.name.as_str())
                    .unwrap_or("")
            )),
        }
    }

    fn score_cond(&self, c: &ScoreCond) -> String {
        match c {
            ScoreCond::And(p) | ScoreCond::Or(p) => {
                let word = if matches!(c, ScoreCond::And(_)) {
                    " AND "
                } else {
                    " OR "
                };
                let parts: Vec<String> = p.iter().map(|x| self.score_cond(x)).collect();
                if parts.is_empty() {
                    return if matches!(c, ScoreCond::And(_)) {
                        "TRUE"
                    } else {
                        "FALSE"
                    }
                    .into();
                }
                format!("({})", parts.join(word))
            }
            ScoreCond::Not(x) => format!("(NOT {})", self.score_cond(x)),
            ScoreCond::Cmp { var, op, value } => {
                format!("{} {} {}", self.score_var(var), sql_op(*op), num(*value))
            }
            ScoreCond::CmpVars { a, op, b } => {
                format!(
                    "{} {} {}",
                    self.score_var(a),
                    sql_op(*op),
                    self.score_var(b)
                )
            }
        }
    }
}

/// Two variants of the enum that match the same loosely written value
/// (`a` and `A`), which set parts cannot tell apart in SQL.
fn clashing_variants(t: &crate::plan::EnumTable) -> Option<(String, String)> {
    for (i, n) in t.normalized.iter().enumerate() {
        if let Some(j) = t.normalized.iter().skip(i + 1).position(|m| m == n) {
            let a = t.variants.get(i)?.clone();
            let b = t.variants.get(i + 1 + j)?.clone();
            return Some((a, b));
        }
    }
    None
}

/// A comparison as SQL writes it.
fn sql_op(op: CmpOp) -> &'static str {
    match op {
        CmpOp::Eq => "=",
        CmpOp::Ne => "<>",
        other => other.as_str(),
    }
}

/// A text column as rules compare it (case ignored, as `eval` does); other
/// columns as they are.
fn folded(f: &str, ty: &ColType) -> String {
    if *ty == ColType::Text {
        format!("LOWER({f})")
    } else {
        f.to_string()
    }
}

/// SQL that lower-cases text and writes spaces and hyphens as `_`.
fn normalize_sql(e: &str) -> String {
    format!("LOWER(REPLACE(REPLACE({e}, ' ', '_'), '-', '_'))")
}

/// A glob (`*`, `?`; case-insensitive) as a lower-case `LIKE` pattern with
/// `\` escaping `%`, `_` and itself.
pub fn like_pattern(glob: &str) -> String {
    let mut out = String::new();
    for c in glob.chars().flat_map(char::to_lowercase) {
        match c {
            '*' => out.push('%'),
            '?' => out.push('_'),
            '%' | '_' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// The `CREATE TABLE` the query expects: every field of the schema in
/// declared order, named as the CRM names it.
pub fn ddl(
    plan: &Plan,
    dialect: Dialect,
    table: &str,
    sets: Sets,
) -> Result<String, Vec<Diagnostic>> {
    let opts = Options {
        sets,
        ..Options::new(dialect, table)
    };
    check_text(plan, &opts)?;
    let h = dialect.handler();
    let ty = |k: &FieldKind| -> String {
        match k {
            FieldKind::Int => h.int_type().into(),
            FieldKind::Number | FieldKind::Duration => h.float_type().into(),
            FieldKind::Money | FieldKind::Percent => h.decimal_type().into(),
            FieldKind::Text | FieldKind::Enum(_) => h.text_type().into(),
            FieldKind::Bool => h.bool_type().into(),
            FieldKind::Date => h.date_type().into(),
            FieldKind::Set(_) => match sets {
                Sets::Delimited => h.text_type().into(),
                Sets::Array => h.text_array_type(),
            },
        }
    };
    let describe = |k: &FieldKind| -> String {
        match k {
            FieldKind::Int => "int".into(),
            FieldKind::Number => "number".into(),
            FieldKind::Money => "money".into(),
            FieldKind::Percent => "percent, as written (12.5 for 12.5%)".into(),
            FieldKind::Text => "text".into(),
            FieldKind::Bool => "bool".into(),
            FieldKind::Date => "date".into(),
            FieldKind::Duration => "duration in days".into(),
            FieldKind::Enum(e) => format!("enum {e}"),
            FieldKind::Set(inner) => match sets {
                Sets::Delimited => "set, `;`-separated".into(),
                Sets::Array => format!(
                    "set of {}",
                    matches!(**inner, FieldKind::Enum(_))
                        .then_some("enum values")
                        .unwrap_or("text")
                ),
            },
        }
    };
    let mut s = format!(
        "-- The table ICP {} reads (schema {}), for {}.\nCREATE TABLE {} (\n",
        comment(&plan.icp),
        comment(&plan.schema),
        h.name(),
        path(h, table)
    );
    let n = plan.fields.len();
    for (i, f) in plan.fields.iter().enumerate() {
        // The comma before the comment.
        s.push_str(&format!(
            "  {} {}{}{}  -- {}: {}{}\n",
            h.ident(&f.header),
            ty(&f.kind),
            if f.key { " NOT NULL" } else { "" },
            if i + 1 < n { "," } else { "" },
            comment(&f.field),
            describe(&f.kind),
            if f.optional { ", may be missing" } else { "" }
        ));
    }
    s.push_str(");\n");
    Ok(s)
}

/// Where a dbt model reads its accounts from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DbtInput {
    /// `{{ source('source', 'table') }}`.
    Source { source: String, table: String },
    /// `{{ ref('model') }}`.
    Ref(String),
}

/// A Jinja string literal: single-quoted, backslash escapes.
fn jinja_string(s: &str) -> String {
    let mut out = String::from("'");
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// A dbt model: the query over a `source()` or `ref()`.
pub fn dbt_model(plan: &Plan, opts: &Options, input: &DbtInput) -> Result<String, Vec<Diagnostic>> {
    // The table name is a placeholder replaced by the Jinja call: quoted
    // names cannot hold it.
    const PLACEHOLDER: &str = "icp_dbt_input_placeholder";
    let o = Options {
        from: PLACEHOLDER.into(),
        view: None,
        ..opts.clone()
    };
    let sql = query(plan, &o)?;
    let call = match input {
        DbtInput::Source { source, table } => {
            format!(
                "{{{{ source({}, {}) }}}}",
                jinja_string(source),
                jinja_string(table)
            )
        }
        DbtInput::Ref(m) => format!("{{{{ ref({}) }}}}", jinja_string(m)),
    };
    let quoted = path(opts.dialect.handler(), PLACEHOLDER);
    // Jinja reads `{{`, `{%` and `{#` anywhere, comments included: keep the
    // ICP's text out of its syntax.
    let sql = sql
        .replace("{{", "{ {")
        .replace("{%", "{ %")
        .replace("{#", "{ #")
        .replace(&quoted, &call);
    let body = sql.trim_end().trim_end_matches(';');
    Ok(format!("{{{{ config(materialized='view') }}}}\n{body}\n"))
}

/// YAML text, double-quoted.
fn yaml(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

/// The dbt `schema.yml` for the model: column descriptions from the ICP's
/// doc comments, and tests on the key and the tier.
pub fn dbt_schema(plan: &Plan, model: &str, columns: &[String]) -> String {
    let mut s = format!("version: 2\n\nmodels:\n  - name: {}\n", yaml(model));
    let desc = plan
        .doc
        .clone()
        .or_else(|| plan.title.clone())
        .unwrap_or_else(|| format!("Accounts scored by the ICP {}", plan.icp));
    s.push_str(&format!(
        "    description: {}\n    columns:\n",
        yaml(desc.trim())
    ));
    let key_doc = plan
        .key
        .and_then(|k| plan.columns.get(k))
        .and_then(|c| plan.fields.iter().find(|f| f.field == c.field))
        .and_then(|f| f.doc.clone());
    let tiers: Vec<String> = plan.tiers.iter().map(|t| yaml(&t.name)).collect();
    for c in columns {
        let (d, tests): (String, Vec<String>) = match c.as_str() {
            "id" => (
                key_doc
                    .clone()
                    .unwrap_or_else(|| "The account's key.".into()),
                vec!["not_null".into(), "unique".into()],
            ),
            "passed" => (
                "Whether the account passed every filter and exclusion.".into(),
                vec!["not_null".into()],
            ),
            "removed_by" => (
                "The first filter or exclusion, in written order, that removed the account.".into(),
                vec![],
            ),
            "score" => (
                "The score (passed accounts only), rounded to two decimals.".into(),
                vec![],
            ),
            "tier" => (
                "The tier (passed accounts only).".into(),
                vec![format!(
                    "accepted_values:\n              values: [{}]",
                    tiers.join(", ")
                )],
            ),
            "fired" => {
                let mut d =
                    String::from("The signals that fired, with their points (`name:points;...`).");
                for sig in &plan.signals {
                    let why = sig.doc.as_deref().or(sig.because.as_deref());
                    d.push_str(&format!(
                        "\n- {}: {}{}",
                        sig.name,
                        sig.text,
                        why.map(|w| format!(" ({})", w.trim())).unwrap_or_default()
                    ));
                }
                (d, vec![])
            }
            "unknown" => (
                "The signals that could not be evaluated (data gaps).".into(),
                vec![],
            ),
            "coverage" => (
                "The share of the signals' weight that could be evaluated.".into(),
                vec![],
            ),
            other => {
                let g = other.trim_start_matches("score_");
                let doc = plan
                    .groups
                    .iter()
                    .find(|x| x.name == g)
                    .and_then(|x| x.doc.clone());
                (
                    doc.unwrap_or_else(|| format!("The score of group {g}.")),
                    vec![],
                )
            }
        };
        s.push_str(&format!(
            "      - name: {}\n        description: {}\n",
            yaml(c),
            yaml(d.trim())
        ));
        if !tests.is_empty() {
            s.push_str("        data_tests:\n");
            for t in tests {
                s.push_str(&format!("          - {t}\n"));
            }
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_become_escaped_like_patterns() {
        assert_eq!(like_pattern("VP* Operations"), "vp% operations");
        assert_eq!(like_pattern("C?O"), "c_o");
        assert_eq!(like_pattern("100%_\\*"), "100\\%\\_\\\\%");
        assert_eq!(like_pattern("ŁÓDŹ*"), "łódź%");
    }

    #[test]
    fn numbers_and_comments() {
        assert_eq!(num(25.0), "25");
        assert_eq!(num(-10.0), "-10");
        assert_eq!(num(2.5), "2.5");
        assert_eq!(num(30.436875), "30.436875");
        assert_eq!(
            comment("a\nDROP TABLE x; --\r\u{2028}b"),
            "a DROP TABLE x; --  b"
        );
    }

    #[test]
    fn table_names_are_quoted_part_by_part() {
        let h = Dialect::Postgres.handler();
        assert_eq!(path(h, "crm.accounts"), "\"crm\".\"accounts\"");
        assert_eq!(path(h, "a\"b"), "\"a\"\"b\"");
        let h = Dialect::Spark.handler();
        assert_eq!(path(h, "db.t`x"), "`db`.`t``x`");
    }
}
