//! `icp.toml`: a product folder's settings. Parsing only; finding the file
//! is the caller's job.

use crate::accounts::ReadSettings;
use crate::ast::Date;
use crate::codes;
use crate::diagnostic::{Diagnostic, Severity};
use crate::span::{FileId, Span};
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub project: ProjectSection,
    /// Code or name -> level.
    #[serde(default)]
    pub lints: BTreeMap<String, Level>,
    /// How the product's accounts are written (`[data]`).
    #[serde(default)]
    pub data: ReadSettings,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectSection {
    pub name: Option<String>,
    #[serde(default)]
    pub owners: Vec<String>,
    /// The date reviews and `within` are judged against (YYYY-MM-DD).
    pub as_of: Option<String>,
    /// Sample accounts, relative to the `icp.toml`.
    pub sample_data: Option<String>,
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
    for (key, level) in &config.lints {
        let span = find(file, text, key);
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
                let names = codes::CODES.iter().flat_map(|c| [c.code, c.name]);
                let mut d = Diagnostic::new("E0004", span, format!("unknown diagnostic `{key}`"))
                    .label("not a code or name");
                if let Some(best) = crate::suggest::closest(key, names) {
                    d = d.help(format!("did you mean `{best}`?"));
                }
                diags.push(d);
            }
        }
    }
    let as_of = match &config.project.as_of {
        Some(s) => match Date::parse(s) {
            Some(d) => Some(d),
            None => {
                diags.push(
                    Diagnostic::new(
                        "E0004",
                        find(file, text, s),
                        format!("`as_of` must be a date such as 2026-11-01, not `{s}`"),
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
    (
        Settings {
            config,
            levels,
            as_of,
        },
        diags,
    )
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
