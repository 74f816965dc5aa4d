//! How a product's accounts are written: the `[data]` table of `icp.toml`
//! and the command-line flags that override it, as one value.

use super::cells::{CellFormat, Currency, DatePattern};
use serde::Deserialize;
use std::collections::BTreeMap;

/// CSV or JSON lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InputFormat {
    Csv,
    Jsonl,
}

/// How accounts are read. Every setting is optional: unset, the file's
/// extension decides (`.tsv` is tab-separated, `.jsonl` JSON lines), else
/// the defaults (comma, `;` inside lists, ISO dates, a decimal point, USD).
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReadSettings {
    pub input_format: Option<InputFormat>,
    /// The CSV field delimiter: one character (`"tab"` or `"\t"` for tab).
    pub delimiter: Option<String>,
    /// The separator inside `set<...>` cells.
    pub list_separator: Option<String>,
    /// A date layout such as `MM/DD/YYYY` (see [`DatePattern`]).
    pub date_format: Option<String>,
    pub decimal_comma: Option<bool>,
    /// The currency of money cells: an ISO code such as `EUR`.
    pub currency: Option<String>,
    /// Per schema field, where one column differs from the rest.
    #[serde(default)]
    pub fields: BTreeMap<String, FieldSettings>,
}

/// The settings one field may override.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldSettings {
    pub date_format: Option<String>,
    pub decimal_comma: Option<bool>,
    pub currency: Option<String>,
    pub list_separator: Option<String>,
}

/// A setting with a bad value: which key, the value as written, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SettingError {
    /// `delimiter`, or `fields.close_date.date_format`.
    pub key: String,
    pub value: String,
    pub message: String,
}

impl std::fmt::Display for SettingError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "`{}`: {}", self.key, self.message)
    }
}

impl ReadSettings {
    /// These settings with `over`'s wherever `over` sets one (flags over
    /// `icp.toml`); per-field tables are merged field by field.
    pub fn overridden_by(&self, over: &ReadSettings) -> ReadSettings {
        let pick = |a: &Option<String>, b: &Option<String>| b.clone().or_else(|| a.clone());
        let mut fields = self.fields.clone();
        for (name, f) in &over.fields {
            let base = fields.entry(name.clone()).or_default();
            *base = FieldSettings {
                date_format: pick(&base.date_format, &f.date_format),
                decimal_comma: f.decimal_comma.or(base.decimal_comma),
                currency: pick(&base.currency, &f.currency),
                list_separator: pick(&base.list_separator, &f.list_separator),
            };
        }
        ReadSettings {
            input_format: over.input_format.or(self.input_format),
            delimiter: pick(&self.delimiter, &over.delimiter),
            list_separator: pick(&self.list_separator, &over.list_separator),
            date_format: pick(&self.date_format, &over.date_format),
            decimal_comma: over.decimal_comma.or(self.decimal_comma),
            currency: pick(&self.currency, &over.currency),
            fields,
        }
    }

    /// Every bad value, with its key.
    pub fn validate(&self) -> Vec<SettingError> {
        let mut errors = Vec::new();
        let mut check = |key: String, value: &Option<String>, f: fn(&str) -> Result<(), String>| {
            if let Some(v) = value {
                if let Err(message) = f(v) {
                    errors.push(SettingError {
                        key,
                        value: v.clone(),
                        message,
                    });
                }
            }
        };
        check("delimiter".into(), &self.delimiter, |v| {
            delimiter(v).map(drop)
        });
        check("list_separator".into(), &self.list_separator, |v| {
            separator(v).map(drop)
        });
        check("date_format".into(), &self.date_format, |v| {
            DatePattern::parse(v).map(drop)
        });
        check("currency".into(), &self.currency, |v| currency(v).map(drop));
        for (name, f) in &self.fields {
            let key = |k: &str| format!("fields.{name}.{k}");
            check(key("date_format"), &f.date_format, |v| {
                DatePattern::parse(v).map(drop)
            });
            check(key("currency"), &f.currency, |v| currency(v).map(drop));
            check(key("list_separator"), &f.list_separator, |v| {
                separator(v).map(drop)
            });
        }
        errors
    }

    /// The CSV delimiter, when set (already validated: a bad one is `None`).
    pub fn delimiter_byte(&self) -> Result<Option<u8>, SettingError> {
        match &self.delimiter {
            None => Ok(None),
            Some(v) => delimiter(v).map(Some).map_err(|message| SettingError {
                key: "delimiter".into(),
                value: v.clone(),
                message,
            }),
        }
    }

    /// The list separator and cell format of schema field `field`.
    pub fn column(&self, field: &str) -> Result<(char, CellFormat), SettingError> {
        let over = self.fields.get(field);
        let from = |key: &str, own: Option<&String>, all: &Option<String>| {
            let scoped = own.is_some();
            own.or(all.as_ref()).map(|v| {
                let key = if scoped {
                    format!("fields.{field}.{key}")
                } else {
                    key.to_string()
                };
                (key, v.clone())
            })
        };
        let fail = |(key, value): (String, String), message: String| SettingError {
            key,
            value,
            message,
        };
        let list = match from(
            "list_separator",
            over.and_then(|f| f.list_separator.as_ref()),
            &self.list_separator,
        ) {
            Some(kv) => separator(&kv.1).map_err(|m| fail(kv, m))?,
            None => ';',
        };
        let date = match from(
            "date_format",
            over.and_then(|f| f.date_format.as_ref()),
            &self.date_format,
        ) {
            Some(kv) => Some(DatePattern::parse(&kv.1).map_err(|m| fail(kv, m))?),
            None => None,
        };
        let currency = match from(
            "currency",
            over.and_then(|f| f.currency.as_ref()),
            &self.currency,
        ) {
            Some(kv) => currency(&kv.1).map_err(|m| fail(kv, m))?,
            None => Currency::USD,
        };
        let decimal_comma = over
            .and_then(|f| f.decimal_comma)
            .or(self.decimal_comma)
            .unwrap_or(false);
        Ok((
            list,
            CellFormat {
                date,
                decimal_comma,
                currency,
            },
        ))
    }
}

fn one_char(v: &str) -> Result<char, String> {
    let v = match v {
        "tab" | "\\t" => "\t",
        v => v,
    };
    let mut chars = v.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) => Ok(c),
        _ => Err(format!("must be one character, not `{}`", shorten(v, 20))),
    }
}

fn delimiter(v: &str) -> Result<u8, String> {
    let c = one_char(v)?;
    match u8::try_from(c) {
        Ok(b'"' | b'\n' | b'\r') => Err("a quote or line break cannot separate fields".into()),
        Ok(b) if b.is_ascii() => Ok(b),
        _ => Err(format!("the delimiter `{c}` is not a single byte")),
    }
}

fn separator(v: &str) -> Result<char, String> {
    one_char(v)
}

fn currency(v: &str) -> Result<Currency, String> {
    Currency::from_code(v).ok_or_else(|| {
        let known: Vec<&str> = super::cells::CURRENCIES.iter().map(|c| c.code).collect();
        format!(
            "`{}` is not a currency code icp knows ({})",
            shorten(v, 20),
            known.join(", ")
        )
    })
}

/// At most `n` characters of `s`, with `…` when cut: long names and values
/// in messages.
pub fn shorten(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let cut: String = s.chars().take(n.saturating_sub(1)).collect();
        format!("{cut}…")
    }
}
