//! Outcomes: which accounts were won, lost or are still open, read from a
//! column of the accounts (or from a deals file joined on the schema's
//! key). The settings come from `[outcomes]` in `icp.toml`, overridden by
//! the command line's flags (one shape for both: [`OutcomeConfig`]); the
//! per-record reading plugs into the accounts reader's scoring loop
//! ([`Labeling`]), so a command that needs outcomes scores and labels each
//! account in one pass. docs/evidence.md describes every rule here.

use crate::accounts::cells::CellFormat;
use crate::accounts::{shorten, Counter, Reader, Scored, SettingError, Shape, Visit};
use crate::ast::Date;
use crate::data::NotText;
use crate::eval::{self, Value};
use crate::plan::{ColType, Column, Plan};
use serde::Deserialize;
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::ops::ControlFlow;
use std::sync::atomic::{AtomicBool, Ordering};

/// What happened to an account.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Outcome {
    Won,
    Lost,
    /// Still open, or no deal at all: counted, never used in rates.
    Open,
}

/// A value that is none of the listed ones: an error (the default), or open.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Other {
    Open,
    #[default]
    Error,
}

/// `[outcomes]` in `icp.toml`, and the flags that override it.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutcomeConfig {
    /// The column holding the outcome (in the accounts, or in `deals`).
    pub column: Option<String>,
    #[serde(default)]
    pub won: Vec<String>,
    #[serde(default)]
    pub lost: Vec<String>,
    #[serde(default)]
    pub open: Vec<String>,
    /// `open` or `error` (default).
    pub other: Option<String>,
    /// A deals file (several rows per account) joined on the schema's key;
    /// in `icp.toml`, relative to it.
    pub deals: Option<String>,
    /// The column with the date each outcome was decided (a deal's close date).
    pub date_column: Option<String>,
    /// Only accounts whose outcome date is after this date are evaluated.
    pub holdout_after: Option<String>,
    /// Deals files: only deals whose date is after this date count.
    pub closed_after: Option<String>,
}

/// Outcome settings ready to use: every value checked.
#[derive(Clone, Debug, PartialEq)]
pub struct OutcomeSettings {
    pub column: String,
    pub won: Vec<String>,
    pub lost: Vec<String>,
    pub open: Vec<String>,
    pub other: Other,
    pub deals: Option<String>,
    pub date_column: Option<String>,
    pub holdout_after: Option<Date>,
    pub closed_after: Option<Date>,
}

impl OutcomeConfig {
    /// Whether anything is set: a product without `[outcomes]` and no flags.
    pub fn is_empty(&self) -> bool {
        *self == OutcomeConfig::default()
    }

    /// These settings with `over`'s wherever `over` sets one (flags over
    /// `icp.toml`); a list given on the command line replaces the file's.
    pub fn overridden_by(&self, over: &OutcomeConfig) -> OutcomeConfig {
        let pick = |a: &Option<String>, b: &Option<String>| b.clone().or_else(|| a.clone());
        let list = |a: &Vec<String>, b: &Vec<String>| {
            if b.is_empty() {
                a.clone()
            } else {
                b.clone()
            }
        };
        OutcomeConfig {
            column: pick(&self.column, &over.column),
            won: list(&self.won, &over.won),
            lost: list(&self.lost, &over.lost),
            open: list(&self.open, &over.open),
            other: pick(&self.other, &over.other),
            deals: pick(&self.deals, &over.deals),
            date_column: pick(&self.date_column, &over.date_column),
            holdout_after: pick(&self.holdout_after, &over.holdout_after),
            closed_after: pick(&self.closed_after, &over.closed_after),
        }
    }

    /// Every bad value, with its key. Nothing set is not an error (the
    /// product has no outcomes); once anything is set, the column, at least
    /// one won value and one lost value are required.
    pub fn validate(&self) -> Vec<SettingError> {
        let mut errors = Vec::new();
        let mut bad = |key: &str, value: &str, message: String| {
            errors.push(SettingError {
                key: key.into(),
                value: value.into(),
                message,
            })
        };
        if self.is_empty() {
            return errors;
        }
        match &self.column {
            None => bad(
                "column",
                "",
                "no outcome column: set `column` (or --outcome) to the column that says won or lost"
                    .into(),
            ),
            Some(c) if c.trim().is_empty() => bad("column", c, "the column name is empty".into()),
            Some(_) => {}
        }
        if self.won.is_empty() {
            bad(
                "won",
                "",
                "no value means won: list them, e.g. won = [\"Closed Won\"] (or --won)".into(),
            );
        }
        if self.lost.is_empty() {
            bad(
                "lost",
                "",
                "no value means lost: list them, e.g. lost = [\"Closed Lost\"] (or --lost)".into(),
            );
        }
        // One value may mean one thing only.
        let mut seen: BTreeMap<String, &str> = BTreeMap::new();
        for (key, values) in [
            ("won", &self.won),
            ("lost", &self.lost),
            ("open", &self.open),
        ] {
            for v in values {
                if v.trim().is_empty() {
                    bad(
                        key,
                        v,
                        "an empty value (an empty cell is always open)".into(),
                    );
                    continue;
                }
                if let Some(first) = seen.insert(norm(v), key) {
                    if first != key {
                        bad(
                            key,
                            v,
                            format!("`{}` is listed as both {first} and {key}", shorten(v, 60)),
                        );
                    }
                }
            }
        }
        if let Some(o) = &self.other {
            if o != "open" && o != "error" {
                bad(
                    "other",
                    o,
                    format!("must be `open` or `error`, not `{}`", shorten(o, 60)),
                );
            }
        }
        for (key, v) in [
            ("holdout_after", &self.holdout_after),
            ("closed_after", &self.closed_after),
        ] {
            if let Some(v) = v {
                if Date::parse(v.trim()).is_none() {
                    bad(
                        key,
                        v,
                        format!(
                            "must be a date such as 2026-01-01, not `{}`",
                            shorten(v, 60)
                        ),
                    );
                }
            }
        }
        if self.date_column.is_none() {
            for (key, v) in [
                ("holdout_after", &self.holdout_after),
                ("closed_after", &self.closed_after),
            ] {
                if let Some(v) = v {
                    bad(
                        key,
                        v,
                        "needs the date of each outcome: set `date_column` (or --outcome-date)"
                            .into(),
                    );
                }
            }
        }
        if self.closed_after.is_some() && self.deals.is_none() {
            if let Some(v) = &self.closed_after {
                bad(
                    "closed_after",
                    v,
                    "applies to a deals file (`deals`, or --outcomes); for one outcome per account use `holdout_after`".into(),
                );
            }
        }
        errors
    }

    /// The checked settings; `Ok(None)` when nothing is set.
    pub fn resolve(&self) -> Result<Option<OutcomeSettings>, Vec<SettingError>> {
        if self.is_empty() {
            return Ok(None);
        }
        let errors = self.validate();
        if !errors.is_empty() {
            return Err(errors);
        }
        let date = |v: &Option<String>| v.as_deref().and_then(|d| Date::parse(d.trim()));
        Ok(Some(OutcomeSettings {
            column: self.column.clone().unwrap_or_default(),
            won: self.won.clone(),
            lost: self.lost.clone(),
            open: self.open.clone(),
            other: if self.other.as_deref() == Some("open") {
                Other::Open
            } else {
                Other::Error
            },
            deals: self.deals.clone(),
            date_column: self.date_column.clone(),
            holdout_after: date(&self.holdout_after),
            closed_after: date(&self.closed_after),
        }))
    }
}

/// Values are compared trimmed and without regard to case.
fn norm(s: &str) -> String {
    s.trim().to_lowercase()
}

/// What one outcome cell says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cell {
    Known(Outcome),
    /// Empty: no deal yet, open.
    Blank,
    /// None of the listed values.
    Unknown,
}

impl OutcomeSettings {
    /// Reads one outcome cell.
    pub fn classify(&self, cell: &str) -> Cell {
        let cell = cell.trim();
        if cell.is_empty() {
            return Cell::Blank;
        }
        // ASCII compares without allocating; other text by its lower case.
        let is = |list: &[String]| {
            list.iter().any(|v| {
                let v = v.trim();
                v.eq_ignore_ascii_case(cell)
                    || (!cell.is_ascii() && v.to_lowercase() == cell.to_lowercase())
            })
        };
        if is(&self.won) {
            Cell::Known(Outcome::Won)
        } else if is(&self.lost) {
            Cell::Known(Outcome::Lost)
        } else if is(&self.open) || self.other == Other::Open {
            Cell::Known(Outcome::Open)
        } else {
            Cell::Unknown
        }
    }

    /// Whether an outcome decided on `date` is evaluated (with
    /// `holdout_after`, only those after it are). Open accounts are always
    /// counted.
    pub fn in_holdout(&self, label: &Label) -> Holdout {
        match (self.holdout_after, label.outcome, label.date) {
            (None, _, _) | (_, Outcome::Open, _) => Holdout::In,
            (Some(after), _, Some(d)) if d.days() > after.days() => Holdout::In,
            (Some(_), _, Some(_)) => Holdout::Before,
            (Some(_), _, None) => Holdout::NoDate,
        }
    }
}

/// Whether an account's outcome falls in the evaluated period.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Holdout {
    In,
    /// Decided on or before `holdout_after`.
    Before,
    /// Closed, but without a date to judge it by.
    NoDate,
}

/// One account's outcome and the date it was decided, if known.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Label {
    pub outcome: Outcome,
    pub date: Option<Date>,
}

/// How many of each problem, with the first few located: what a run
/// reports instead of silently dropping a row.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Problems {
    /// Values that are none of the listed ones, with their counts (at most
    /// [`KEPT_VALUES`] distinct; the rest are counted in `unknown_more`).
    pub unknown: BTreeMap<String, u64>,
    pub unknown_more: u64,
    /// Outcome dates that are not dates: how many, and the first few as
    /// (record number, cell).
    pub bad_dates: u64,
    pub bad_date_examples: Vec<(u64, String)>,
    /// Empty outcome cells (open).
    pub blank: u64,
}

/// Distinct unknown values kept for the error message.
pub const KEPT_VALUES: usize = 50;
/// Bad dates shown.
const SHOWN: usize = 10;

impl Problems {
    fn unknown_value(&mut self, v: &str) {
        let v = shorten(v.trim(), 60);
        if let Some(n) = self.unknown.get_mut(&v) {
            *n += 1;
        } else if self.unknown.len() < KEPT_VALUES {
            self.unknown.insert(v, 1);
        } else {
            self.unknown_more += 1;
        }
    }

    fn bad_date(&mut self, record: u64, cell: &str) {
        self.bad_dates += 1;
        if self.bad_date_examples.len() < SHOWN {
            self.bad_date_examples.push((record, shorten(cell, 40)));
        }
    }

    /// Adds a later run of records; `offset` records came before it.
    pub fn merge(&mut self, other: Problems, offset: u64) {
        for (v, n) in other.unknown {
            if let Some(m) = self.unknown.get_mut(&v) {
                *m += n;
            } else if self.unknown.len() < KEPT_VALUES {
                self.unknown.insert(v, n);
            } else {
                self.unknown_more += n;
            }
        }
        self.unknown_more += other.unknown_more;
        self.bad_dates += other.bad_dates;
        for (r, c) in other.bad_date_examples {
            if self.bad_date_examples.len() < SHOWN {
                self.bad_date_examples.push((r + offset, c));
            }
        }
        self.blank += other.blank;
    }

    /// The error for these problems, if they are errors: unknown values
    /// (unless `other = open`) listed with their counts, most frequent
    /// first, and dates that are not dates. `what` names the file.
    pub fn error(&self, settings: &OutcomeSettings, what: &str) -> Option<String> {
        let mut lines = Vec::new();
        if !self.unknown.is_empty() || self.unknown_more > 0 {
            let mut values: Vec<(&String, &u64)> = self.unknown.iter().collect();
            values.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
            let total: u64 = self.unknown.values().sum::<u64>() + self.unknown_more;
            lines.push(format!(
                "{total} outcome {} in column `{}` of `{what}` {} none of the listed ones (won: {}; lost: {}; open: {}):",
                if total == 1 { "value" } else { "values" },
                shorten(&settings.column, 60),
                if total == 1 { "is" } else { "are" },
                list(&settings.won),
                list(&settings.lost),
                list(&settings.open),
            ));
            for (v, n) in values.iter().take(20) {
                lines.push(format!("  - `{v}`: {n}"));
            }
            let rest = values.len().saturating_sub(20) as u64;
            if rest > 0 || self.unknown_more > 0 {
                lines.push(format!(
                    "  - and {} more",
                    if self.unknown_more > 0 {
                        "others".to_string()
                    } else {
                        format!("{rest} other values")
                    }
                ));
            }
            lines.push("  (list each under --won, --lost or --open (or in icp.toml's [outcomes]), or pass --other open to count them as open)".into());
        }
        if self.bad_dates > 0 {
            lines.push(format!(
                "{} outcome {} in column `{}` of `{what}` {} not a date (ISO such as 2026-01-31, or [data] date_format):",
                self.bad_dates,
                if self.bad_dates == 1 { "date" } else { "dates" },
                shorten(settings.date_column.as_deref().unwrap_or(""), 60),
                if self.bad_dates == 1 { "is" } else { "are" },
            ));
            for (r, c) in &self.bad_date_examples {
                lines.push(format!("  - record {r}: `{c}`"));
            }
        }
        (!lines.is_empty()).then(|| lines.join("\n"))
    }
}

fn list(values: &[String]) -> String {
    if values.is_empty() {
        return "none".into();
    }
    values
        .iter()
        .take(10)
        .map(|v| format!("`{}`", shorten(v, 40)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Where the outcome (and its date) stand in a file's records, and how its
/// dates are written.
#[derive(Clone, Debug)]
pub struct Columns {
    pub outcome: usize,
    pub date: Option<usize>,
    /// A one-column plan to decode dates exactly as a `date` field is.
    dates: Plan,
    format: CellFormat,
}

/// Finds a header as the accounts reader binds one: exact, else ignoring
/// case and surrounding space. Two candidates are an error.
fn find_header(headers: &[String], name: &str, file: &str) -> Result<usize, String> {
    let exact: Vec<usize> = (0..headers.len())
        .filter(|&i| headers.get(i).is_some_and(|h| h == name))
        .collect();
    let found = if exact.is_empty() {
        (0..headers.len())
            .filter(|&i| headers.get(i).is_some_and(|h| norm(h) == norm(name)))
            .collect()
    } else {
        exact
    };
    match found.as_slice() {
        [i] => Ok(*i),
        [] => {
            let hint = crate::suggest::closest(name, headers.iter().map(String::as_str))
                .map(|s| format!("; did you mean `{}`?", shorten(s, 60)))
                .unwrap_or_default();
            Err(format!(
                "`{file}` has no column `{}`{hint}",
                shorten(name, 60)
            ))
        }
        _ => Err(format!(
            "`{file}` has the column `{}` more than once",
            shorten(name, 60)
        )),
    }
}

impl Columns {
    /// Locates `column` (the outcome) and the date column in `headers`.
    pub fn locate(
        settings: &OutcomeSettings,
        headers: &[String],
        file: &str,
        format: CellFormat,
    ) -> Result<Columns, String> {
        let outcome = find_header(headers, &settings.column, file)
            .map_err(|e| format!("{e} (the outcome column)"))?;
        let date = match &settings.date_column {
            Some(d) => Some(
                find_header(headers, d, file)
                    .map_err(|e| format!("{e} (the outcome date column)"))?,
            ),
            None => None,
        };
        let dates = Plan {
            columns: vec![Column {
                field: "outcome_date".into(),
                header: settings.date_column.clone().unwrap_or_default(),
                ty: ColType::Date,
                optional: true,
                needs_text: false,
                blank: None,
                fraction: false,
                read: true,
            }],
            ..Plan::default()
        };
        Ok(Columns {
            outcome,
            date,
            dates,
            format,
        })
    }

    /// Reads a record's outcome cell and date: the label, or `Err` with the
    /// problem noted in `problems`.
    fn read<'f>(
        &self,
        settings: &OutcomeSettings,
        field: &impl Fn(usize) -> Result<Cow<'f, str>, NotText<'f>>,
        record: u64,
        problems: &mut Problems,
    ) -> Result<Label, ()> {
        let cell = field(self.outcome).unwrap_or_else(|bad| Cow::Owned(bad.shown()));
        let outcome = match settings.classify(&cell) {
            Cell::Known(o) => o,
            Cell::Blank => {
                problems.blank += 1;
                Outcome::Open
            }
            Cell::Unknown => {
                problems.unknown_value(&cell);
                return Err(());
            }
        };
        let date = match self.date {
            Some(i) => {
                let cell = field(i).unwrap_or_else(|bad| Cow::Owned(bad.shown()));
                self.date_of(&cell, record, problems)?
            }
            None => None,
        };
        Ok(Label { outcome, date })
    }

    fn date_of(
        &self,
        cell: &str,
        record: u64,
        problems: &mut Problems,
    ) -> Result<Option<Date>, ()> {
        if cell.trim().is_empty() {
            return Ok(None);
        }
        match eval::decode(&self.dates, 0, cell.trim(), ';', &self.format, false) {
            Ok(Value::Date(d)) => Ok(Some(Date::from_days(d))),
            _ => {
                problems.bad_date(record, cell);
                Err(())
            }
        }
    }
}

/// A deals file folded to one outcome per account: any won deal makes the
/// account won; deals all closed and lost make it lost; anything else (an
/// open deal and no win) is open. With `closed_after`, deals dated on or
/// before it (or undated) are left out. The account's outcome date is the
/// latest date of the deals that decide it.
pub struct Deals {
    accounts: HashMap<String, (Summary, AtomicBool)>,
    /// Deal rows read, rows left out by `closed_after`, rows without a key.
    pub rows: u64,
    pub before_cutoff: u64,
    pub no_key: u64,
    pub unreadable: u64,
    pub problems: Problems,
    pub file: String,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Summary {
    won: u64,
    lost: u64,
    open: u64,
    won_date: Option<Date>,
    lost_date: Option<Date>,
}

impl Summary {
    fn label(&self) -> Label {
        if self.won > 0 {
            Label {
                outcome: Outcome::Won,
                date: self.won_date,
            }
        } else if self.open == 0 && self.lost > 0 {
            Label {
                outcome: Outcome::Lost,
                date: self.lost_date,
            }
        } else {
            Label {
                outcome: Outcome::Open,
                date: None,
            }
        }
    }
}

/// Folds a chunk of deal rows.
struct DealVisit<'a> {
    settings: &'a OutcomeSettings,
    columns: &'a Columns,
    key: usize,
    read: u64,
    before_cutoff: u64,
    no_key: u64,
    unreadable: u64,
    problems: Problems,
    summaries: HashMap<String, Summary>,
}

impl Visit for DealVisit<'_> {
    fn unreadable(&mut self, _why: String) {
        self.read += 1;
        self.unreadable += 1;
    }

    fn record<'f>(&mut self, field: impl Fn(usize) -> Result<Cow<'f, str>, NotText<'f>>) {
        self.read += 1;
        let key = field(self.key).unwrap_or_else(|bad| Cow::Owned(bad.shown()));
        let key = key.trim();
        if key.is_empty() {
            self.no_key += 1;
            return;
        }
        let Ok(label) = self
            .columns
            .read(self.settings, &field, self.read, &mut self.problems)
        else {
            return;
        };
        if let Some(after) = self.settings.closed_after {
            if label.date.is_none_or(|d| d.days() <= after.days()) {
                self.before_cutoff += 1;
                return;
            }
        }
        let s = self.summaries.entry(key.to_string()).or_default();
        let later = |a: Option<Date>, b: Option<Date>| match (a, b) {
            (Some(x), Some(y)) => Some(if x.days() >= y.days() { x } else { y }),
            (x, y) => x.or(y),
        };
        match label.outcome {
            Outcome::Won => {
                s.won += 1;
                s.won_date = later(s.won_date, label.date);
            }
            Outcome::Lost => {
                s.lost += 1;
                s.lost_date = later(s.lost_date, label.date);
            }
            Outcome::Open => s.open += 1,
        }
    }
}

impl Deals {
    /// Reads a deals file (opened by the caller with the product's `[data]`
    /// settings) whose key column is `key_header` (the schema's key).
    /// Memory grows with the accounts that have deals, not with the deals.
    pub fn read(
        mut reader: Reader,
        key_header: &str,
        settings: &OutcomeSettings,
        format: CellFormat,
    ) -> Result<Deals, String> {
        let file = reader.name().to_string();
        let headers = reader.headers().to_vec();
        let key = find_header(&headers, key_header, &file)
            .map_err(|e| format!("{e} (the key the deals are joined on)"))?;
        let columns = Columns::locate(settings, &headers, &file, format)?;
        let shape: Shape = reader.shape().clone();
        let mut deals = Deals {
            accounts: HashMap::new(),
            rows: 0,
            before_cutoff: 0,
            no_key: 0,
            unreadable: 0,
            problems: Problems::default(),
            file: file.clone(),
        };
        crate::accounts::run(
            &mut reader,
            1,
            |chunk| {
                shape.walk(chunk, || DealVisit {
                    settings,
                    columns: &columns,
                    key,
                    read: 0,
                    before_cutoff: 0,
                    no_key: 0,
                    unreadable: 0,
                    problems: Problems::default(),
                    summaries: HashMap::new(),
                })
            },
            |v| {
                deals.problems.merge(v.problems, deals.rows);
                deals.rows += v.read;
                deals.before_cutoff += v.before_cutoff;
                deals.no_key += v.no_key;
                deals.unreadable += v.unreadable;
                for (k, s) in v.summaries {
                    let (mine, _) = deals
                        .accounts
                        .entry(k)
                        .or_insert_with(|| (Summary::default(), AtomicBool::new(false)));
                    mine.won += s.won;
                    mine.lost += s.lost;
                    mine.open += s.open;
                    for (a, b) in [
                        (&mut mine.won_date, s.won_date),
                        (&mut mine.lost_date, s.lost_date),
                    ] {
                        if b.is_some_and(|b| a.is_none_or(|a| b.days() > a.days())) {
                            *a = b;
                        }
                    }
                }
                Ok(ControlFlow::Continue(()))
            },
        )?;
        if reader.truncated() {
            return Err(format!("`{file}` was not read to the end"));
        }
        Ok(deals)
    }

    /// The outcome of the account `key`: open when it has no deal.
    pub fn label(&self, key: &str) -> Label {
        match self.accounts.get(key) {
            Some((s, seen)) => {
                seen.store(true, Ordering::Relaxed);
                s.label()
            }
            None => Label {
                outcome: Outcome::Open,
                date: None,
            },
        }
    }

    /// Accounts with deals.
    pub fn accounts(&self) -> usize {
        self.accounts.len()
    }

    /// Keys of the deals file that no account had, sorted, the first `n`,
    /// and how many there are.
    pub fn unjoined(&self, n: usize) -> (Vec<String>, usize) {
        let mut keys: Vec<&String> = self
            .accounts
            .iter()
            .filter(|(_, (_, seen))| !seen.load(Ordering::Relaxed))
            .map(|(k, _)| k)
            .collect();
        let count = keys.len();
        keys.sort();
        (keys.into_iter().take(n).cloned().collect(), count)
    }
}

/// Where each account's outcome comes from.
pub enum Source<'a> {
    /// A column of the accounts themselves.
    Column(&'a Columns),
    /// A deals file joined on the key.
    Deals(&'a Deals),
}

/// What is done with each scored and labelled account.
pub trait Judge {
    fn judged(&mut self, key: &str, row: &[Value], scored: &eval::Outcome, label: Label);
}

/// The scoring loop's per-account callback: hands the label read from the
/// record (or looked up by key) on to the judge.
pub struct Joined<'a, J> {
    pub judge: J,
    settings: &'a OutcomeSettings,
    source: &'a Source<'a>,
    /// The label of the record being scored (`Err`: it had a problem).
    pending: Option<Result<Label, ()>>,
    pub problems: Problems,
    /// Accounts with an outcome problem, left out of the evidence.
    pub bad: u64,
}

impl<J: Judge> Scored for Joined<'_, J> {
    fn scored(&mut self, key: &str, row: &[Value], scored: &eval::Outcome) {
        let label = match self.source {
            Source::Deals(d) => Ok(d.label(key)),
            Source::Column(_) => self.pending.take().unwrap_or(Err(())),
        };
        match label {
            Ok(label) => self.judge.judged(key, row, scored, label),
            Err(()) => self.bad += 1,
        }
    }
}

/// The accounts reader's visitor for commands that need outcomes: the
/// scoring loop of `icp score` (bad data handled as asked), with each
/// account's outcome read from its record or joined from the deals.
pub struct Labeling<'a, J> {
    pub counter: Counter<'a, Joined<'a, J>>,
}

impl<'a, J: Judge> Labeling<'a, J> {
    pub fn new(
        counter: impl FnOnce(Joined<'a, J>) -> Counter<'a, Joined<'a, J>>,
        settings: &'a OutcomeSettings,
        source: &'a Source<'a>,
        judge: J,
    ) -> Self {
        Labeling {
            counter: counter(Joined {
                judge,
                settings,
                source,
                pending: None,
                problems: Problems::default(),
                bad: 0,
            }),
        }
    }
}

impl<J: Judge> Visit for Labeling<'_, J> {
    fn unreadable(&mut self, why: String) {
        self.counter.unreadable(why);
    }

    fn record<'f>(&mut self, field: impl Fn(usize) -> Result<Cow<'f, str>, NotText<'f>>) {
        let record = self.counter.tally.read + 1;
        let joined = self.counter.each_mut();
        if let Source::Column(columns) = joined.source {
            let label = columns.read(joined.settings, &field, record, &mut joined.problems);
            joined.pending = Some(label);
        }
        self.counter.record(&field);
        // A record the loop left out (bad data) is not scored: its label
        // must not stick to the next one.
        self.counter.each_mut().pending = None;
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    fn config() -> OutcomeConfig {
        OutcomeConfig {
            column: Some("Stage".into()),
            won: vec!["Closed Won".into()],
            lost: vec!["Closed Lost".into(), "Disqualified".into()],
            open: vec!["Negotiation".into()],
            ..OutcomeConfig::default()
        }
    }

    #[test]
    fn cells_are_read_trimmed_and_without_case() {
        let s = config().resolve().unwrap().unwrap();
        assert_eq!(s.classify(" closed won "), Cell::Known(Outcome::Won));
        assert_eq!(s.classify("DISQUALIFIED"), Cell::Known(Outcome::Lost));
        assert_eq!(s.classify("Negotiation"), Cell::Known(Outcome::Open));
        assert_eq!(s.classify(""), Cell::Blank);
        assert_eq!(s.classify("Pending"), Cell::Unknown);
        let accents = OutcomeConfig {
            won: vec!["Gewonnen Ä".into()],
            ..config()
        };
        let s2 = accents.resolve().unwrap().unwrap();
        assert_eq!(s2.classify("gewonnen ä"), Cell::Known(Outcome::Won));
        let open = OutcomeConfig {
            other: Some("open".into()),
            ..config()
        };
        let s = open.resolve().unwrap().unwrap();
        assert_eq!(s.classify("Pending"), Cell::Known(Outcome::Open));
    }

    #[test]
    fn settings_are_validated() {
        assert_eq!(OutcomeConfig::default().resolve(), Ok(None));
        let keys =
            |c: OutcomeConfig| -> Vec<String> { c.validate().into_iter().map(|e| e.key).collect() };
        let no_column = OutcomeConfig {
            column: None,
            ..config()
        };
        assert_eq!(keys(no_column), ["column"]);
        let both = OutcomeConfig {
            lost: vec!["closed won".into()],
            ..config()
        };
        assert_eq!(keys(both), ["lost"]);
        let bad = OutcomeConfig {
            other: Some("maybe".into()),
            holdout_after: Some("2026-13-01".into()),
            date_column: Some("Close Date".into()),
            ..config()
        };
        assert_eq!(keys(bad), ["other", "holdout_after"]);
        let no_date = OutcomeConfig {
            holdout_after: Some("2026-01-01".into()),
            ..config()
        };
        assert_eq!(keys(no_date), ["holdout_after"]);
    }

    #[test]
    fn flags_override_the_file() {
        let flags = OutcomeConfig {
            won: vec!["Won".into()],
            other: Some("open".into()),
            ..OutcomeConfig::default()
        };
        let c = config().overridden_by(&flags);
        assert_eq!(c.won, ["Won"]);
        assert_eq!(c.lost, config().lost);
        assert_eq!(c.other.as_deref(), Some("open"));
    }

    #[test]
    fn deals_fold_to_one_outcome_per_account() {
        let s = OutcomeConfig {
            column: Some("Stage".into()),
            won: vec!["won".into()],
            lost: vec!["lost".into()],
            open: vec!["open".into()],
            date_column: Some("Closed".into()),
            ..OutcomeConfig::default()
        };
        let text = "Domain,Stage,Closed\n\
                    a.com,lost,2026-01-01\na.com,won,2026-02-01\na.com,lost,2026-03-01\n\
                    b.com,lost,2026-01-05\nb.com,lost,2026-02-05\n\
                    c.com,lost,2026-01-01\nc.com,open,\n\
                    ,won,2026-01-01\n";
        let read = |s: &OutcomeConfig| {
            let settings = s.resolve().unwrap().unwrap();
            let reader = Reader::open(
                Box::new(std::io::Cursor::new(text.as_bytes().to_vec())),
                "deals.csv",
                &Default::default(),
                Default::default(),
            )
            .unwrap();
            Deals::read(reader, "domain", &settings, CellFormat::default()).unwrap()
        };
        let d = read(&s);
        assert_eq!((d.rows, d.no_key), (8, 1));
        let won = d.label("a.com");
        assert_eq!(won.outcome, Outcome::Won);
        assert_eq!(won.date, Date::parse("2026-02-01"));
        let lost = d.label("b.com");
        assert_eq!(
            (lost.outcome, lost.date),
            (Outcome::Lost, Date::parse("2026-02-05"))
        );
        assert_eq!(d.label("c.com").outcome, Outcome::Open);
        assert_eq!(d.label("z.com").outcome, Outcome::Open);
        assert_eq!(d.unjoined(5), (vec![], 0));
        // Only deals closed after February: a.com's win (1 February) no
        // longer counts, its March loss does.
        let later = OutcomeConfig {
            deals: Some("deals.csv".into()),
            closed_after: Some("2026-02-01".into()),
            ..s.clone()
        };
        let d = read(&later);
        assert_eq!(d.label("a.com").outcome, Outcome::Lost);
        assert_eq!(d.label("b.com").outcome, Outcome::Lost);
        assert_eq!(d.label("c.com").outcome, Outcome::Open);
        assert_eq!(d.before_cutoff, 5);
    }

    #[test]
    fn unknown_values_are_listed_with_counts() {
        let s = config().resolve().unwrap().unwrap();
        let mut p = Problems::default();
        for v in ["Pending", "Pending", "Churned"] {
            p.unknown_value(v);
        }
        let e = p.error(&s, "accounts.csv").unwrap();
        assert!(e.contains("3 outcome values"), "{e}");
        assert!(e.contains("`Pending`: 2\n  - `Churned`: 1"), "{e}");
    }
}
