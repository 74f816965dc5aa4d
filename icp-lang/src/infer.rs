//! A schema guessed from a CRM export, for `icp init`: every column a
//! field named from its header, its type from its cells as the accounts
//! reader would read them (`eval::decode` judges every cell, so a guess is
//! never one the reader refuses), a key from a column unique in every row,
//! and the evidence for each guess as a comment. Memory is bounded: at most
//! [`MAX_DISTINCT`] distinct values and a budget of hashes per column are
//! kept, however many rows the export has.

use crate::accounts::cells::{money, number, CellFormat, DatePattern, MoneyError};
use crate::accounts::{ReadError, Reader, Shape, Visit};
use crate::ast::Date;
use crate::data::NotText;
use crate::eval::{decode, Value};
use crate::plan::{ColType, Column, Plan};
use crate::values::{format_number, group_digits as group, normalize_variant};
use std::borrow::Cow;
use std::collections::{BTreeMap, HashSet};
use std::hash::{Hash, Hasher};

/// Distinct values kept per column: enough to list an enum's values and a
/// set's members, bounded for exports of millions of rows.
pub const MAX_DISTINCT: usize = 1000;
/// At most this many values make an enum.
pub const ENUM_MAX: usize = 30;
/// A value longer than this is prose, never an enum value.
const ENUM_VALUE_CHARS: usize = 60;
/// Hashes kept, over all columns, to prove a column unique (8 bytes each).
const UNIQUE_BUDGET: usize = 8_000_000;
/// Cells shown per contradicted guess.
const EXAMPLES: usize = 3;

/// How the export is written and what to call things.
#[derive(Clone, Debug)]
pub struct Options {
    pub list_separator: char,
    pub format: CellFormat,
    /// The schema's name (`Account`).
    pub schema: String,
    /// The export's file name, for comments.
    pub source: String,
    /// JSON lines: lists are arrays, so any array is a set.
    pub json: bool,
}

/// The candidate types a cell is tried as, in the dummy plan's column order.
const CANDIDATES: [ColType; 6] = [
    ColType::Int,
    ColType::Number,
    ColType::Money,
    ColType::Percent,
    ColType::Bool,
    ColType::Date,
];
const INT: usize = 0;
const NUMBER: usize = 1;
const MONEY: usize = 2;
const PERCENT: usize = 3;
const BOOL: usize = 4;
const DATE: usize = 5;

/// What one column's cells looked like.
#[derive(Clone, Debug, Default)]
struct ColumnStats {
    header: String,
    filled: u64,
    empty: u64,
    /// Cells that read as each candidate type.
    fits: [u64; 6],
    /// The first cells (row, text) that do not, per candidate.
    misfits: [Vec<(u64, String)>; 6],
    /// Money cells that needed the currency to read (`$1.5M`, `USD 200`).
    currency_marked: u64,
    /// Amounts in another currency than the product's, by symbol.
    other_currency: BTreeMap<String, u64>,
    percent_marked: u64,
    /// Bool cells written as words (not only `0` and `1`), and true ones.
    bool_words: u64,
    bool_true: u64,
    /// Digits with a leading zero (`02139`): a code, not a number.
    leading_zero: u64,
    /// Cells with the list separator between two non-empty parts.
    lists: u64,
    /// The smallest and largest value read, per candidate.
    ranges: [Option<(f64, f64)>; 6],
    first_date: Option<i64>,
    last_date: Option<i64>,
    /// Whole cells and their counts, up to `MAX_DISTINCT`.
    values: BTreeMap<String, u64>,
    values_overflow: bool,
    /// A cell too long or odd (line breaks) to be an enum value.
    prose: bool,
    /// A list member too long or odd to be a set member.
    prose_member: bool,
    /// List members and their counts, up to `MAX_DISTINCT`.
    members: BTreeMap<String, u64>,
    members_overflow: bool,
    /// Hashes of the cells seen, while the column may still be unique.
    seen: Option<HashSet<u64>>,
    /// A repeated value was found.
    repeated: bool,
    /// The hash budget ran out before the end (unique only as far as seen).
    unique_rows: Option<u64>,
    not_text: u64,
    /// Cells that read as dates in each of [`OTHER_DATES`], and as numbers
    /// with the other decimal mark: settings to suggest.
    other_dates: [u64; 4],
    other_decimal: u64,
}

/// Date layouts to suggest when a column's cells are dates in one of them.
const OTHER_DATES: [&str; 4] = ["MM/DD/YYYY", "DD/MM/YYYY", "DD.MM.YYYY", "YYYY/MM/DD"];

/// The profile of an export, record by record.
pub struct Profile {
    columns: Vec<ColumnStats>,
    rows: u64,
    unreadable: u64,
    unreadable_examples: Vec<(u64, String)>,
    plan: Plan,
    opts: Options,
    unique_cap: usize,
    other_dates: Vec<DatePattern>,
}

impl Profile {
    pub fn new(headers: &[String], opts: &Options) -> Profile {
        let columns = headers
            .iter()
            .map(|h| ColumnStats {
                header: h.clone(),
                seen: Some(HashSet::new()),
                ..ColumnStats::default()
            })
            .collect();
        let plan = Plan {
            columns: CANDIDATES
                .iter()
                .map(|ty| Column {
                    field: String::new(),
                    header: String::new(),
                    ty: ty.clone(),
                    optional: true,
                    needs_text: false,
                    blank: None,
                    fraction: false,
                    read: true,
                })
                .collect(),
            ..Plan::default()
        };
        Profile {
            columns,
            rows: 0,
            unreadable: 0,
            unreadable_examples: Vec::new(),
            plan,
            opts: opts.clone(),
            other_dates: OTHER_DATES
                .iter()
                .filter_map(|p| DatePattern::parse(p).ok())
                .collect(),
            unique_cap: (UNIQUE_BUDGET / headers.len().max(1)).clamp(10_000, 2_000_000),
        }
    }

    /// Reads every record of `reader` into the profile, chunk by chunk.
    pub fn read(&mut self, reader: &mut Reader) -> Result<(), ReadError> {
        let shape: Shape = reader.shape().clone();
        while let Some(chunk) = reader.next_chunk()? {
            let width = shape.headers.len();
            let records = shape.walk(&chunk, || Records {
                width,
                records: Vec::new(),
            });
            for r in records.records {
                match r {
                    Ok(fields) => self.record(&fields),
                    Err(why) => self.unreadable(why),
                }
            }
        }
        Ok(())
    }

    /// One record: each field's text, or its bytes shown when not UTF-8.
    pub fn record(&mut self, fields: &[Result<String, String>]) {
        self.rows += 1;
        let row = self.rows;
        let cap = self.unique_cap;
        for (stats, field) in self.columns.iter_mut().zip(fields) {
            match field {
                Ok(text) => {
                    let text = text.trim();
                    cell(stats, &self.plan, &self.opts, row, text, cap);
                    other_layouts(stats, &self.other_dates, &self.opts, text);
                }
                Err(shown) => {
                    stats.filled += 1;
                    stats.not_text += 1;
                    stats.prose = true;
                    for m in &mut stats.misfits {
                        if m.len() < EXAMPLES {
                            m.push((row, shown.clone()));
                        }
                    }
                }
            }
        }
    }

    /// A record that could not be cut into the header's fields.
    pub fn unreadable(&mut self, why: String) {
        self.rows += 1;
        self.unreadable += 1;
        if self.unreadable_examples.len() < EXAMPLES {
            self.unreadable_examples.push((self.rows, why));
        }
    }

    /// The guesses.
    pub fn finish(self) -> Inferred {
        guess(self)
    }
}

/// A chunk's records, kept in order for the profile: each a record's
/// fields (text, or the bytes shown when not UTF-8) or why it is unreadable.
struct Records {
    width: usize,
    records: Vec<Result<Vec<Result<String, String>>, String>>,
}

impl Visit for Records {
    fn record<'f>(&mut self, field: impl Fn(usize) -> Result<Cow<'f, str>, NotText<'f>>) {
        let fields = (0..self.width)
            .map(|i| match field(i) {
                Ok(text) => Ok(text.into_owned()),
                Err(bytes) => Err(bytes.shown()),
            })
            .collect();
        self.records.push(Ok(fields));
    }
    fn unreadable(&mut self, why: String) {
        self.records.push(Err(why));
    }
}

fn hash(s: &str) -> u64 {
    let mut h = std::hash::DefaultHasher::new();
    s.hash(&mut h);
    h.finish()
}

fn cell(stats: &mut ColumnStats, plan: &Plan, opts: &Options, row: u64, text: &str, cap: usize) {
    if text.is_empty() {
        stats.empty += 1;
        stats.seen = None;
        return;
    }
    stats.filled += 1;
    for (i, fits) in stats.fits.iter_mut().enumerate() {
        let value = match i {
            // Money through the one money reader, to learn other currencies.
            MONEY => match money(text, &opts.format) {
                Ok(v) => Ok(Value::Num(v)),
                Err(MoneyError::OtherCurrency(symbol)) => {
                    if stats.other_currency.len() < 20 || stats.other_currency.contains_key(&symbol)
                    {
                        *stats.other_currency.entry(symbol).or_default() += 1;
                    }
                    Err(())
                }
                Err(MoneyError::NotAmount) => Err(()),
            },
            _ => decode(plan, i, text, opts.list_separator, &opts.format, false).map_err(drop),
        };
        match value {
            Ok(v) => {
                *fits += 1;
                if let (Some(r), Value::Num(n)) = (stats.ranges.get_mut(i), &v) {
                    *r = Some(r.map_or((*n, *n), |(lo, hi)| (lo.min(*n), hi.max(*n))));
                }
                match (i, v) {
                    (MONEY, Value::Num(_))
                        if decode(plan, NUMBER, text, opts.list_separator, &opts.format, false)
                            .is_err() =>
                    {
                        stats.currency_marked += 1;
                    }
                    (PERCENT, _) if text.ends_with('%') => stats.percent_marked += 1,
                    (BOOL, Value::Bool(b)) => {
                        if !matches!(text, "0" | "1") {
                            stats.bool_words += 1;
                        }
                        stats.bool_true += u64::from(b);
                    }
                    (DATE, Value::Date(d)) => {
                        stats.first_date = Some(stats.first_date.map_or(d, |m| m.min(d)));
                        stats.last_date = Some(stats.last_date.map_or(d, |m| m.max(d)));
                    }
                    _ => {}
                }
            }
            Err(()) => {
                if let Some(m) = stats.misfits.get_mut(i) {
                    if m.len() < EXAMPLES {
                        m.push((row, crate::accounts::shorten(text, 40)));
                    }
                }
            }
        }
    }
    let bytes = text.as_bytes();
    if bytes.len() > 1 && bytes.first() == Some(&b'0') && bytes.iter().all(u8::is_ascii_digit) {
        stats.leading_zero += 1;
    }
    let parts: Vec<&str> = text
        .split(opts.list_separator)
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    if parts.len() >= 2 {
        stats.lists += 1;
    }
    let odd = |c: char| c.is_control() && c != opts.list_separator;
    for p in parts {
        // Prose, not a member: long, several clauses or many words.
        if p.chars().count() > ENUM_VALUE_CHARS
            || p.chars().any(odd)
            || p.contains(", ")
            || p.split_whitespace().count() > 5
        {
            stats.prose_member = true;
        }
        count(&mut stats.members, &mut stats.members_overflow, p);
    }
    if text.chars().count() > ENUM_VALUE_CHARS || text.chars().any(odd) {
        stats.prose = true;
    } else {
        count(&mut stats.values, &mut stats.values_overflow, text);
    }
    if let Some(seen) = &mut stats.seen {
        if !seen.insert(hash(text)) {
            stats.repeated = true;
            stats.seen = None;
        } else if seen.len() >= cap {
            stats.unique_rows = Some(row);
            stats.seen = None;
        }
    }
}

/// Counts the cells that another date layout or decimal mark would read.
fn other_layouts(stats: &mut ColumnStats, patterns: &[DatePattern], opts: &Options, text: &str) {
    if text.is_empty() {
        return;
    }
    if text.contains(['/', '.']) {
        for (n, p) in stats.other_dates.iter_mut().zip(patterns) {
            if p.read(text).is_some() {
                *n += 1;
            }
        }
    }
    let decimal = opts.format.decimal_comma;
    if number(text, decimal).is_none() && number(text, !decimal).is_some() {
        stats.other_decimal += 1;
    }
}

fn count(map: &mut BTreeMap<String, u64>, overflow: &mut bool, value: &str) {
    if let Some(n) = map.get_mut(value) {
        *n += 1;
    } else if map.len() < MAX_DISTINCT {
        map.insert(value.to_string(), 1);
    } else {
        *overflow = true;
    }
}

// ------------------------------------------------------------------ guesses

/// A field's type as guessed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    Text,
    Int,
    Number,
    Money,
    Percent,
    Bool,
    Date,
    SetText,
    /// Index into [`Inferred::enums`].
    Enum(usize),
}

/// One field of the guessed schema.
#[derive(Clone, Debug)]
pub struct FieldGuess {
    pub name: String,
    pub header: String,
    pub kind: Kind,
    pub optional: bool,
    /// `blank = false`: a checkbox exported only when ticked.
    pub blank_false: bool,
    pub key: bool,
    /// `display`: the column a header names as the account's name.
    pub display: bool,
    /// Why, in a sentence for the comment above the field.
    pub evidence: String,
    /// Cells that contradict the guess, in a sentence (empty when none).
    pub contradictions: String,
    /// A setting that would read more of the column, in a sentence.
    pub hint: String,
    /// Another column has the same header: no field can read either (icp
    /// refuses to pick one of two equal headers), so both are left out.
    pub repeated_header: bool,
}

/// One guessed enum: its name and values (name, labels, rows), most common first.
#[derive(Clone, Debug)]
pub struct EnumGuess {
    pub name: String,
    pub header: String,
    pub values: Vec<(String, Vec<String>, u64)>,
}

/// The guessed schema and what could not be read.
#[derive(Clone, Debug)]
pub struct Inferred {
    pub schema: String,
    pub source: String,
    pub rows: u64,
    pub unreadable: u64,
    pub unreadable_examples: Vec<(u64, String)>,
    pub fields: Vec<FieldGuess>,
    pub enums: Vec<EnumGuess>,
    /// Index into `fields` of the key, if a column is unique in every row.
    pub key: Option<usize>,
    /// Why there is no key, when there is none.
    pub no_key: String,
}

/// `1 row`, `10,000 rows`.
fn rows(n: u64) -> String {
    format!("{} {}", group(n), if n == 1 { "row" } else { "rows" })
}

/// Whether `fits` of `filled` cells are enough for a guess: all of them, or
/// 95% of at least 20 (the rest are reported as contradicting it).
fn enough(fits: u64, filled: u64) -> bool {
    filled > 0 && (fits == filled || (filled >= 20 && fits * 100 >= filled * 95))
}

fn guess(p: Profile) -> Inferred {
    let mut names: Vec<String> = Vec::new();
    let mut enums: Vec<EnumGuess> = Vec::new();
    let mut type_names: Vec<String> = vec![p.opts.schema.clone()];
    let mut fields = Vec::new();
    for (i, c) in p.columns.iter().enumerate() {
        let name = unique_name(field_name(&c.header, i), &mut names);
        fields.push(column_guess(
            c,
            name,
            p.opts.list_separator,
            p.opts.json,
            p.opts.format.currency.code,
            p.opts.format.decimal_comma,
            p.rows,
            p.unreadable,
            &mut enums,
            &mut type_names,
        ));
    }
    for i in 0..fields.len() {
        let header = fields.get(i).map(|f| f.header.clone());
        let twice = fields
            .iter()
            .filter(|f| Some(&f.header) == header.as_ref())
            .count()
            > 1;
        if let (true, Some(f)) = (twice, fields.get_mut(i)) {
            f.repeated_header = true;
            if let Kind::Enum(e) = f.kind {
                if let Some(en) = enums.get_mut(e) {
                    // Emptied, then dropped below with the renumbering.
                    en.header.clear();
                }
            }
        }
    }
    enums.retain(|e| !e.header.is_empty());
    renumber(&mut fields, &enums);
    let (key, no_key) = pick_key(&p.columns, &fields, p.rows - p.unreadable);
    if let Some(k) = key {
        if let (Some(f), Some(c)) = (fields.get_mut(k), p.columns.get(k)) {
            // Ids are names: `0011` stays `0011`, so the key is text.
            if let Kind::Enum(_) = f.kind {
                enums.retain(|e| e.header != c.header);
            }
            f.kind = Kind::Text;
            f.key = true;
            f.optional = false;
            f.blank_false = false;
            f.contradictions.clear();
            f.hint.clear();
            f.evidence = match c.unique_rows {
                None => format!(
                    "a different value in each of the {}: the key",
                    rows(c.filled)
                ),
                Some(n) => format!(
                    "a different value in each of the first {} (not tracked further): the key",
                    rows(n)
                ),
            };
        }
        renumber(&mut fields, &enums);
    }
    if let Some(f) = pick_display(&mut fields) {
        f.display = true;
        f.evidence
            .push_str("; its header names the account: shown as its name in results");
    }
    Inferred {
        schema: p.opts.schema.clone(),
        source: p.opts.source.clone(),
        rows: p.rows,
        unreadable: p.unreadable,
        unreadable_examples: p.unreadable_examples,
        fields,
        enums,
        key,
        no_key,
    }
}

/// Enum indexes after a removed enum shift: found again by header.
fn renumber(fields: &mut [FieldGuess], enums: &[EnumGuess]) {
    for f in fields {
        if let Kind::Enum(_) = f.kind {
            match enums.iter().position(|e| e.header == f.header) {
                Some(e) => f.kind = Kind::Enum(e),
                None => f.kind = Kind::Text,
            }
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn column_guess(
    c: &ColumnStats,
    name: String,
    separator: char,
    json: bool,
    currency: &str,
    decimal_comma: bool,
    total_rows: u64,
    unreadable: u64,
    enums: &mut Vec<EnumGuess>,
    type_names: &mut Vec<String>,
) -> FieldGuess {
    let read = total_rows - unreadable;
    let n = c.filled;
    let empties = if c.empty > 0 {
        format!(", {} empty", group(c.empty))
    } else {
        String::new()
    };
    // `amounts in all 52 rows (52 with a currency), 8 empty`
    let all = |what: &str, fits: u64, extra: &str| {
        if fits == n {
            format!("{what} in all {}{extra}{empties}", rows(n))
        } else {
            format!(
                "{what} in {} of {} filled rows{extra}{empties}",
                group(fits),
                group(n)
            )
        }
    };
    let range = |k: usize, suffix: &str| match c.ranges.get(k).copied().flatten() {
        Some((a, b)) if a == b => format!(", all {}{suffix}", approx(a)),
        Some((a, b)) => format!(", from {}{suffix} to {}{suffix}", approx(a), approx(b)),
        None => String::new(),
    };
    let mut g = FieldGuess {
        name,
        header: c.header.clone(),
        kind: Kind::Text,
        optional: c.empty > 0,
        blank_false: false,
        key: false,
        display: false,
        evidence: String::new(),
        contradictions: String::new(),
        hint: String::new(),
        repeated_header: false,
    };
    let fits = |k: usize| c.fits.get(k).copied().unwrap_or(0);
    let misfit = |k: usize, what: &str| {
        let bad = n - fits(k);
        if bad == 0 {
            return String::new();
        }
        let shown: Vec<String> = c
            .misfits
            .get(k)
            .map(|m| m.iter().map(|(r, t)| format!("row {r} `{t}`")).collect())
            .unwrap_or_default();
        format!(
            "{} not {what} ({}{}): `icp score` reports {} until fixed",
            if bad == 1 {
                "1 cell is".to_string()
            } else {
                format!("{} cells are", group(bad))
            },
            shown.join(", "),
            if bad > shown.len() as u64 {
                ", ..."
            } else {
                ""
            },
            if bad == 1 { "it" } else { "them" }
        )
    };
    if n == 0 {
        g.optional = true;
        g.evidence = format!("empty in all {}: read as text", rows(read));
        return g;
    }
    let money_header = {
        let words: Vec<String> = snake(&c.header).split('_').map(str::to_string).collect();
        words.iter().any(|w| {
            matches!(
                w.as_str(),
                "revenue"
                    | "budget"
                    | "arr"
                    | "mrr"
                    | "acv"
                    | "amount"
                    | "spend"
                    | "price"
                    | "funding"
                    | "salary"
                    | "income"
                    | "turnover"
            )
        })
    };
    // Checkboxes exported as 0 and 1 (Salesforce reports do).
    let only_digits_01 = c.bool_words == 0
        && matches!(
            c.ranges.get(INT).copied().flatten(),
            Some((lo, hi)) if (lo == 0.0 || lo == 1.0) && (hi == 0.0 || hi == 1.0)
        );
    if enough(fits(BOOL), n) && (c.bool_words > 0 || (only_digits_01 && n >= 10)) {
        g.kind = Kind::Bool;
        let falses = fits(BOOL) - c.bool_true;
        let (written, checkbox) = if c.bool_words > 0 {
            ("yes or no", "")
        } else {
            (
                "0 or 1",
                "; a checkbox (make it `int` if it counts something)",
            )
        };
        if c.empty > 0 && falses == 0 {
            // A checkbox exported only when ticked.
            g.optional = false;
            g.blank_false = true;
            g.evidence = format!(
                "only true ({}) or empty ({}): an empty cell is read as false",
                group(c.bool_true),
                group(c.empty)
            );
        } else {
            g.evidence = format!(
                "{}: {} true, {} false{checkbox}",
                all(written, fits(BOOL), ""),
                group(c.bool_true),
                group(falses)
            );
        }
        g.contradictions = misfit(BOOL, "yes or no");
    } else if enough(fits(DATE), n) {
        g.kind = Kind::Date;
        let span = match (c.first_date, c.last_date) {
            (Some(a), Some(b)) if a == b => format!(", all {}", Date::from_days(a)),
            (Some(a), Some(b)) => {
                format!(", from {} to {}", Date::from_days(a), Date::from_days(b))
            }
            _ => String::new(),
        };
        g.evidence = format!("{}{span}", all("dates", fits(DATE), ""));
        g.contradictions = misfit(DATE, "a date");
    } else if c.percent_marked > 0 && enough(fits(PERCENT), n) {
        g.kind = Kind::Percent;
        let marked = if c.percent_marked == fits(PERCENT) {
            String::new()
        } else {
            format!(" ({} written with %)", group(c.percent_marked))
        };
        g.evidence = format!(
            "{}{}",
            all("percents", fits(PERCENT), &marked),
            range(PERCENT, "%")
        );
        g.contradictions = misfit(PERCENT, "a percent");
    } else if (c.currency_marked > 0 || (money_header && c.leading_zero == 0))
        && enough(fits(MONEY), n)
    {
        g.kind = Kind::Money;
        let why = if c.currency_marked > 0 {
            format!(" ({} with a currency)", group(c.currency_marked))
        } else {
            " (the header names money)".to_string()
        };
        g.evidence = format!("{}{}", all("amounts", fits(MONEY), &why), range(MONEY, ""));
        g.contradictions = misfit(MONEY, &format!("an amount in {}", currency));
    } else if c.leading_zero == 0 && enough(fits(INT), n) {
        g.kind = Kind::Int;
        g.evidence = format!("{}{}", all("whole numbers", fits(INT), ""), range(INT, ""));
        g.contradictions = misfit(INT, "a whole number");
    } else if c.leading_zero == 0 && enough(fits(NUMBER), n) {
        g.kind = Kind::Number;
        g.evidence = format!("{}{}", all("numbers", fits(NUMBER), ""), range(NUMBER, ""));
        g.contradictions = misfit(NUMBER, "a number");
    } else if c.lists > 0
        && !c.prose_member
        && (json || c.lists * 10 >= n || (!c.members_overflow && c.members.len() <= 50))
    {
        g.kind = Kind::SetText;
        let distinct = if c.members_overflow {
            format!("more than {} distinct members", group(MAX_DISTINCT as u64))
        } else {
            format!("{} distinct members", group(c.members.len() as u64))
        };
        let lists = if json {
            "lists".to_string()
        } else {
            format!("`{}`-separated lists", separator)
        };
        g.evidence = format!(
            "{lists} in {} of {}{empties}; {distinct}, most often {}",
            group(c.lists),
            rows(n),
            most_common(&c.members, 3)
        );
    } else if !c.prose
        && !c.values_overflow
        && c.values.len() <= ENUM_MAX
        && (c.values.len() as u64) * 2 <= n
    {
        let type_name = unique_name(pascal(&g.name), type_names);
        let values = variants(&c.values);
        let spellings = if values.len() < c.values.len() {
            format!(" ({} spellings)", group(c.values.len() as u64))
        } else {
            String::new()
        };
        g.evidence = format!(
            "{} distinct values{spellings} in {}{empties}",
            group(values.len() as u64),
            rows(n)
        );
        enums.push(EnumGuess {
            name: type_name,
            header: c.header.clone(),
            values,
        });
        g.kind = Kind::Enum(enums.len() - 1);
    } else {
        let distinct = if c.prose {
            "long values (notes or descriptions)".to_string()
        } else if c.values_overflow {
            format!("more than {} distinct values", group(MAX_DISTINCT as u64))
        } else {
            format!("{} distinct values", group(c.values.len() as u64))
        };
        g.evidence = format!("text: {distinct} in {}{empties}", rows(n));
    }
    let other: u64 = c.other_currency.values().sum();
    if other > 0 && matches!(g.kind, Kind::Text | Kind::Money) && enough(other + fits(MONEY), n) {
        g.hint = format!(
            "amounts in another currency than the product's: {}; set `currency` in icp.toml's [data] (or [data.fields.{}]) to read them",
            most_common(&c.other_currency, 3),
            g.name
        );
    }
    if matches!(g.kind, Kind::Text | Kind::Enum(_)) && g.hint.is_empty() {
        let layouts: Vec<&str> = OTHER_DATES
            .iter()
            .zip(c.other_dates)
            .filter(|(_, k)| enough(*k, n))
            .map(|(p, _)| *p)
            .collect();
        if let Some(first) = layouts.first() {
            g.hint = format!(
                "the cells read as dates written {}: run `icp init` again with --date-format {first} (or set `date_format` in icp.toml's [data]) to read them as dates",
                layouts.join(" or ")
            );
        } else if enough(c.other_decimal, n) {
            g.hint = format!(
                "the cells are numbers written with a decimal {}: run `icp init` again with {} to read them as numbers",
                if decimal_comma { "point" } else { "comma" },
                if decimal_comma { "--decimal-comma=false" } else { "--decimal-comma" }
            );
        }
    }
    if c.leading_zero > 0 && matches!(g.kind, Kind::Text) && enough(fits(INT), n) {
        g.evidence.push_str(&format!(
            "; digits with leading zeros in {}: a code, kept as text",
            rows(c.leading_zero)
        ));
    }
    if c.not_text > 0 {
        g.contradictions = format!(
            "{} not UTF-8 text",
            if c.not_text == 1 {
                "1 cell is".to_string()
            } else {
                format!("{} cells are", group(c.not_text))
            }
        );
    }
    g
}

/// A value for a comment: three significant digits, as users write
/// amounts (`116k`, `2B`, `12.5`).
fn approx(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return format_number(x);
    }
    let a = x.abs();
    let (v, suffix) = if a >= 1e9 {
        (x / 1e9, "B")
    } else if a >= 1e6 {
        (x / 1e6, "M")
    } else if a >= 1e4 {
        (x / 1e3, "k")
    } else {
        (x, "")
    };
    let digits = v.abs().log10().floor() as i32;
    let decimals = usize::try_from(2 - digits).unwrap_or(0);
    let mut s = format!("{v:.decimals$}");
    while s.contains('.') && (s.ends_with('0') || s.ends_with('.')) {
        s.pop();
    }
    format!("{s}{suffix}")
}

/// `SAP (400), Snowflake (220), dbt (150)`.
fn most_common(map: &BTreeMap<String, u64>, n: usize) -> String {
    let mut v: Vec<(&String, &u64)> = map.iter().collect();
    v.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    v.iter()
        .take(n)
        .map(|(k, c)| format!("{} ({})", crate::accounts::shorten(k, 30), group(**c)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// An enum's values from a column's distinct cells, most common first: a
/// cell that is an identifier once loosely normalised (`In Cycle` is
/// `in_cycle`) names its value; any other cell becomes a label of a value
/// named after it (`healthcare "Hospital & Health Care"`). Cells that
/// normalise alike share a value.
fn variants(values: &BTreeMap<String, u64>) -> Vec<(String, Vec<String>, u64)> {
    let mut order: Vec<(&String, &u64)> = values.iter().collect();
    order.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let mut out: Vec<(String, Vec<String>, u64)> = Vec::new();
    // First the cells that name themselves.
    // Labels by their normalised form (they are compared loosely too).
    let mut labelled: Vec<(String, &String, u64)> = Vec::new();
    for (cell, n) in &order {
        let normal = normalize_variant(cell);
        if is_identifier(&normal) && normal == words(cell) {
            match out.iter_mut().find(|v| v.0 == normal) {
                Some(v) => v.2 += **n,
                None => out.push((normal, Vec::new(), **n)),
            }
        } else {
            match labelled.iter_mut().find(|l| l.0 == normal) {
                Some(l) => l.2 += **n,
                None => labelled.push((normal, *cell, **n)),
            }
        }
    }
    // Then the labels, each under a fresh name no other cell reads as.
    let mut taken: Vec<String> = out.iter().map(|v| v.0.clone()).collect();
    for (_, cell, n) in labelled {
        let base = words(cell);
        let base = if base.is_empty() {
            "value".to_string()
        } else if base.starts_with(|c: char| c.is_ascii_digit()) {
            format!("n_{base}")
        } else if crate::lexer::RESERVED.contains(&base.as_str()) {
            format!("{base}_value")
        } else {
            base
        };
        // `Customer - Direct` and `customer_direct` are one value.
        if let Some(v) = out.iter_mut().find(|v| v.0 == base) {
            v.1.push(cell.clone());
            v.2 += n;
            continue;
        }
        let name = unique_name(base, &mut taken);
        out.push((name, vec![cell.clone()], n));
    }
    out.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)));
    out
}

/// `Customer - Direct` -> `customer_direct`: the lower-case words of
/// letters and digits joined by `_` (no split inside a word: `HubSpot` is
/// `hubspot`).
fn words(s: &str) -> String {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join("_")
}

/// Whether `s` is an identifier the grammar reads as a name (not a reserved word).
fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    (first.is_alphabetic() || first == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_')
        && !crate::lexer::RESERVED.contains(&s)
}

/// `Employee Count` -> `employee_count`, `AnnualRevenue` -> `annual_revenue`:
/// lower-case words of letters and digits joined by `_`.
pub fn snake(header: &str) -> String {
    let mut out = String::new();
    let mut prev_lower = false;
    for c in header.chars() {
        if c.is_alphanumeric() {
            if c.is_uppercase() && prev_lower && !out.ends_with('_') {
                out.push('_');
            }
            out.extend(c.to_lowercase());
            prev_lower = c.is_lowercase() || c.is_ascii_digit();
        } else {
            if !out.is_empty() && !out.ends_with('_') {
                out.push('_');
            }
            prev_lower = false;
        }
    }
    out.trim_end_matches('_').to_string()
}

/// The field name for a header: its snake case, made a valid name.
fn field_name(header: &str, index: usize) -> String {
    let s = snake(header);
    if s.is_empty() {
        return format!("column_{}", index + 1);
    }
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        return format!("n_{s}");
    }
    if crate::lexer::RESERVED.contains(&s.as_str()) {
        return format!("{s}_field");
    }
    s
}

/// `competitor_status` -> `CompetitorStatus`.
fn pascal(name: &str) -> String {
    name.split('_')
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect::<String>())
                .unwrap_or_default()
        })
        .collect()
}

/// `base`, or `base_2`, `base_3`... when taken; the result is taken.
fn unique_name(base: String, taken: &mut Vec<String>) -> String {
    let mut name = base.clone();
    let mut n = 2;
    while taken.iter().any(|t| t == &name) {
        name = format!("{base}_{n}");
        n += 1;
    }
    taken.push(name.clone());
    name
}

/// The account's name: the first text column (not the key) whose header
/// is a name of a company or account (`Company name`, `Account Name`,
/// `Name`, `Organization`).
fn pick_display(fields: &mut [FieldGuess]) -> Option<&mut FieldGuess> {
    fields.iter_mut().find(|f| {
        let h = f.header.trim().to_lowercase();
        let named = matches!(
            h.as_str(),
            "name" | "company" | "account" | "organization" | "organisation"
        ) || [
            "company name",
            "account name",
            "organization name",
            "organisation name",
        ]
        .contains(&h.as_str());
        named && f.kind == Kind::Text && !f.key && !f.repeated_header
    })
}

/// The key: a column filled and different in every row, preferring one
/// whose header says it is an id.
fn pick_key(columns: &[ColumnStats], fields: &[FieldGuess], rows: u64) -> (Option<usize>, String) {
    let candidates: Vec<usize> = columns
        .iter()
        .enumerate()
        .filter(|(_, c)| {
            c.empty == 0 && c.filled == rows && rows >= 2 && !c.repeated && c.not_text == 0
        })
        .filter(|(i, _)| {
            fields
                .get(*i)
                .is_some_and(|f| matches!(f.kind, Kind::Text | Kind::Int | Kind::Enum(_)))
        })
        .map(|(i, _)| i)
        .collect();
    let id_like = |i: &usize| {
        fields.get(*i).is_some_and(|f| {
            let words: Vec<&str> = f.name.split('_').collect();
            words
                .iter()
                .any(|w| matches!(*w, "id" | "key" | "domain" | "uuid" | "guid"))
        })
    };
    let key = candidates
        .iter()
        .find(|i| id_like(i))
        .or(candidates.first())
        .copied();
    let why = if key.is_some() {
        String::new()
    } else if rows < 2 {
        "too few rows to tell which column is the key".into()
    } else {
        "no column holds a different value in every row, so there is no key; add `key` to the field that identifies an account".into()
    };
    (key, why)
}

// ------------------------------------------------------------------ writing

/// A string literal of the language.
pub fn quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

impl Inferred {
    /// The schema file: a comment saying where it came from, the enums, the
    /// schema, each field with its evidence.
    pub fn schema_text(&self) -> String {
        let mut s = String::new();
        s.push_str(&format!(
            "// The accounts export `{}` as icp reads it, inferred by `icp init` from\n\
             // its {}. The comment above each field says why its type was chosen:\n\
             // check the guesses, rename fields and values as your team says them,\n\
             // and keep each `from \"...\"` and each label (the strings after an enum\n\
             // value): they are how the export writes them.\n",
            self.source.replace('\n', " "),
            rows(self.rows)
        ));
        if self.unreadable > 0 {
            s.push_str(&format!(
                "// {} could not be read and were left out of the guesses.\n",
                rows(self.unreadable)
            ));
        }
        for e in &self.enums {
            s.push_str(&format!(
                "\n/// The values of `{}`.\nenum {} {{\n",
                e.header.replace('\n', " "),
                e.name
            ));
            for (name, labels, n) in &e.values {
                let labels: String = labels.iter().map(|l| format!(" {}", quote(l))).collect();
                s.push_str(&format!("  {name}{labels} // {}\n", rows(*n)));
            }
            s.push_str("}\n");
        }
        s.push_str(&format!(
            "\n/// One row of `{}`.\nschema {} {{\n",
            self.source.replace('\n', " "),
            self.schema
        ));
        if self.key.is_none() && !self.no_key.is_empty() {
            s.push_str(&format!("  // {}\n", self.no_key));
        }
        for (i, f) in self.fields.iter().enumerate() {
            if i > 0 {
                s.push('\n');
            }
            if f.repeated_header {
                s.push_str(&format!(
                    "  // column {} has the header {} of another column: icp will not pick one of them, so both are left out\n",
                    i + 1,
                    quote(&f.header).replace(['\n', '\r'], " ")
                ));
                continue;
            }
            for line in [&f.evidence, &f.contradictions, &f.hint] {
                if !line.is_empty() {
                    s.push_str(&format!("  // {}\n", line.replace(['\n', '\r'], " ")));
                }
            }
            let ty = match &f.kind {
                Kind::Text => "text".to_string(),
                Kind::Int => "int".into(),
                Kind::Number => "number".into(),
                Kind::Money => "money".into(),
                Kind::Percent => "percent".into(),
                Kind::Bool => "bool".into(),
                Kind::Date => "date".into(),
                Kind::SetText => "set<text>".into(),
                Kind::Enum(e) => self
                    .enums
                    .get(*e)
                    .map(|e| e.name.clone())
                    .unwrap_or_else(|| "text".into()),
            };
            let mut line = format!("  {}: {ty}", f.name);
            if f.optional {
                line.push('?');
            }
            if f.key {
                line.push_str(" key");
            }
            if f.display {
                line.push_str(" display");
            }
            if f.blank_false {
                line.push_str(" blank = false");
            }
            if f.header != f.name {
                line.push_str(&format!(" from {}", quote(&f.header)));
            }
            s.push_str(&line);
            s.push('\n');
        }
        s.push_str("}\n");
        s
    }

    /// The contradictions, hints and unreadable rows, as warnings for the terminal.
    pub fn warnings(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (i, f) in self.fields.iter().enumerate() {
            if f.repeated_header {
                out.push(format!(
                    "column {} has the header `{}` of another column: left out (rename one to read both)",
                    i + 1,
                    f.header
                ));
                continue;
            }
            if !f.contradictions.is_empty() {
                out.push(format!("column `{}`: {}", f.header, f.contradictions));
            }
            if !f.hint.is_empty() {
                out.push(format!("column `{}`: {}", f.header, f.hint));
            }
        }
        for (row, why) in &self.unreadable_examples {
            out.push(format!("row {row} {why}"));
        }
        if self.unreadable > self.unreadable_examples.len() as u64 {
            out.push(format!(
                "{} more could not be read",
                rows(self.unreadable - self.unreadable_examples.len() as u64)
            ));
        }
        if self.key.is_none() && !self.no_key.is_empty() {
            out.push(self.no_key.clone());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn names_from_headers() {
        assert_eq!(snake("Employee Count"), "employee_count");
        assert_eq!(snake("AnnualRevenue"), "annual_revenue");
        assert_eq!(snake("Site Visits (30d)"), "site_visits_30d");
        assert_eq!(snake("  "), "");
        assert_eq!(field_name("30d visits", 0), "n_30d_visits");
        assert_eq!(field_name("Weight", 0), "weight_field");
        assert_eq!(field_name("€", 3), "column_4");
        assert_eq!(pascal("competitor_status"), "CompetitorStatus");
        assert_eq!(approx(115_692.0), "116k");
        assert_eq!(approx(1_999_995_669.0), "2B");
        assert_eq!(approx(49_999_980.0), "50M");
        assert_eq!(approx(19_898.0), "19.9k");
        assert_eq!(approx(0.5), "0.5");
        assert_eq!(approx(12.5), "12.5");
        assert_eq!(approx(-4.56789), "-4.57");
    }

    #[test]
    fn enum_values_get_labels_when_they_are_not_names() {
        let mut m = BTreeMap::new();
        m.insert("Hospital & Health Care".to_string(), 3);
        m.insert("In Cycle".to_string(), 5);
        m.insert("in-cycle".to_string(), 1);
        m.insert("true".to_string(), 1);
        let v = variants(&m);
        assert_eq!(v[0], ("in_cycle".to_string(), vec![], 6));
        assert_eq!(
            v[1],
            (
                "hospital_health_care".to_string(),
                vec!["Hospital & Health Care".to_string()],
                3
            )
        );
        // A reserved word cannot name a value: it becomes a label.
        assert_eq!(
            v[2],
            ("true_value".to_string(), vec!["true".to_string()], 1)
        );
    }
}
