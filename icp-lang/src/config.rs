//! `icp.toml`: a product folder's settings. Parsing only; finding the file
//! is the caller's job.

use crate::accounts::ReadSettings;
use crate::ast::Date;
use crate::codes;
use crate::diagnostic::{Diagnostic, Severity};
use crate::outcomes::OutcomeConfig;
use crate::span::{FileId, Span};
use serde::Deserialize;
use std::collections::BTreeMap;
use toml::Spanned;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub project: ProjectSection,
    /// Code or name -> level, each key with its place in the file.
    #[serde(default)]
    pub lints: BTreeMap<Spanned<String>, Level>,
    /// How the product's accounts are written (`[data]`).
    #[serde(default)]
    pub data: ReadSettings,
    /// How the product's contacts export names its columns (`[contacts]`).
    #[serde(default)]
    pub contacts: ContactColumns,
    /// Which column says an account was won or lost (`[outcomes]`).
    #[serde(default)]
    pub outcomes: OutcomeConfig,
}

/// `[contacts]`: the headers of the contacts export, when they are not
/// among the usual ones (`Title`, `Job Title`, `Seniority`, `Department`...).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContactColumns {
    pub key: Option<String>,
    pub title: Option<String>,
    pub seniority: Option<String>,
    pub department: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectSection {
    pub name: Option<String>,
    #[serde(default)]
    pub owners: Vec<String>,
    /// The date reviews and `within` are judged against (YYYY-MM-DD).
    pub as_of: Option<Spanned<String>>,
    /// Sample accounts, relative to the `icp.toml`.
    pub sample_data: Option<Spanned<String>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Allow,
    Warn,
    Deny,
}

/// A parsed config with its lint table resolved to codes.
#[derive(Debug, Default)]
pub struct Settings {
    pub config: Config,
    pub levels: BTreeMap<&'static str, Level>,
    pub as_of: Option<Date>,
}

/// How many unknown lint keys get a "did you mean".
const SUGGESTED: usize = 50;

/// Parses `text` (the file `file`); problems come back as located diagnostics.
pub fn parse(file: FileId, text: &str) -> (Settings, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let config: Config = match toml::from_str(text) {
        Ok(c) => c,
        Err(e) => {
            let span = e
                .span()
                .map(|r| Span::new(file, r.start, r.end))
                .unwrap_or(Span::new(file, 0, 0));
            let message = e.message().trim().to_string();
            diags.push(
                Diagnostic::new("E0004", span, format!("invalid icp.toml: {message}"))
                    .label("here"),
            );
            return (Settings::default(), diags);
        }
    };
    let mut levels = BTreeMap::new();
    let names: Vec<&str> = codes::CODES.iter().flat_map(|c| [c.code, c.name]).collect();
    let mut unknown = 0;
    for (spanned, level) in &config.lints {
        let (key, span) = (spanned.get_ref(), located(file, spanned));
        match codes::lookup(key) {
            Some(info) if info.severity == Severity::Error => diags.push(
                Diagnostic::new(
                    "E0004",
                    span,
                    format!("`{key}` is an error and cannot be configured"),
                )
                .label("an error")
                .help("only warnings (codes starting with W) can be allowed or denied"),
            ),
            Some(info) => {
                levels.insert(info.code, *level);
            }
            None => {
                let shown: String = key.chars().take(60).collect();
                let mut d = Diagnostic::new("E0004", span, format!("unknown diagnostic `{shown}`"))
                    .label("not a code or name");
                // "Did you mean" for the first few: a table of thousands of
                // unknown keys is a generated file, not a typo.
                unknown += 1;
                let best = (unknown <= SUGGESTED)
                    .then(|| crate::suggest::closest(key, names.iter().copied()))
                    .flatten();
                if let Some(best) = best {
                    d = d.help(format!("did you mean `{best}`?"));
                }
                diags.push(d);
            }
        }
    }
    let as_of = match &config.project.as_of {
        Some(spanned) => match Date::parse(spanned.get_ref()) {
            Some(d) => Some(d),
            None => {
                let shown: String = spanned.get_ref().chars().take(60).collect();
                diags.push(
                    Diagnostic::new(
                        "E0004",
                        located(file, spanned),
                        format!("`as_of` must be a date such as 2026-11-01, not `{shown}`"),
                    )
                    .label("not a date"),
                );
                None
            }
        },
        None => None,
    };
    for e in config.data.validate() {
        let span = find_value(file, text, &e.key, &e.value);
        diags.push(
            Diagnostic::new("E0004", span, format!("invalid [data] setting {e}")).label("here"),
        );
    }
    for e in config.outcomes.validate() {
        let span = if e.value.is_empty() {
            find(file, text, "[outcomes]")
        } else {
            find_value(file, text, &e.key, &e.value)
        };
        diags.push(
            Diagnostic::new("E0004", span, format!("invalid [outcomes] setting {e}")).label("here"),
        );
    }
    (
        Settings {
            config,
            levels,
            as_of,
        },
        diags,
    )
}

/// Where a value stands in the file (toml gives every value its place, so
/// no search: a table of 60,000 lints is read in linear time).
pub fn located<T>(file: FileId, v: &Spanned<T>) -> Span {
    let r = v.span();
    Span::new(file, r.start, r.end)
}

/// The value of `key` (`date_format`, `fields.close_date.currency`): the
/// quoted value after the last part of the key, else the key.
fn find_value(file: FileId, text: &str, key: &str, value: &str) -> Span {
    let last = key.rsplit('.').next().unwrap_or(key);
    let mut from = 0;
    while let Some(i) = text.get(from..).and_then(|t| t.find(last)) {
        let at = from + i;
        let rest = text.get(at..).unwrap_or("");
        let line = rest.split('\n').next().unwrap_or("");
        if let Some(v) = line.find(value) {
            return Span::new(file, at + v, at + v + value.len());
        }
        from = at + last.len();
    }
    find(file, text, last)
}

fn find(file: FileId, text: &str, needle: &str) -> Span {
    match text.find(needle) {
        Some(i) => Span::new(file, i, i + needle.len()),
        None => Span::new(file, 0, 0),
    }
}

/// Applies a level to a diagnostic: `None` when it is allowed.
pub fn apply(level: Option<Level>, mut d: Diagnostic) -> Option<Diagnostic> {
    match level {
        Some(Level::Allow) if d.severity == Severity::Warning => None,
        Some(Level::Deny) => {
            d.severity = Severity::Error;
            Some(d)
        }
        _ => Some(d),
    }
}
