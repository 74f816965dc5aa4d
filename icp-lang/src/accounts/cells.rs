//! How one column's cells are written: its date layout, its decimal mark
//! and its currency. Nothing is guessed: ISO dates, a decimal point and
//! US dollars unless a product (or a field) declares otherwise, and a cell
//! that could mean two things is an error, never a number.

use crate::ast::Date;

/// The layout of one column's cells.
#[derive(Clone, Debug, PartialEq)]
pub struct CellFormat {
    /// A declared date layout; ISO dates are always read as well.
    pub date: Option<DatePattern>,
    /// `1.200,50`: a comma before the decimals, points (or spaces) between
    /// thousands.
    pub decimal_comma: bool,
    /// The one currency money cells may be written in.
    pub currency: Currency,
}

impl Default for CellFormat {
    fn default() -> Self {
        CellFormat {
            date: None,
            decimal_comma: false,
            currency: Currency::USD,
        }
    }
}

impl CellFormat {
    /// Whether `$` before an amount means this column's currency (every
    /// dollar currency lists `$` first).
    #[inline]
    pub fn dollar(&self) -> bool {
        self.currency
            .symbols
            .first()
            .is_some_and(|s| s.as_bytes() == b"$")
    }
}

// ------------------------------------------------------------------ numbers

/// A number as CRMs export it: `1500000`, `1,500,000`, `1_500_000`, `1.5M`,
/// `250k`, `-3.5`; with `decimal_comma`, `1.500.000,00`, `1 500 000` and
/// `2,5`. Thousands separators must group by three, and the decimals come
/// after every separator: `1.200,50` without a decimal comma is `None`, not
/// 1.2005.
pub fn number(s: &str, decimal_comma: bool) -> Option<f64> {
    let s = s.trim();
    let (body, scale) = match s.chars().last()? {
        'k' | 'K' => (s.get(..s.len() - 1)?, 1e3),
        'M' | 'm' => (s.get(..s.len() - 1)?, 1e6),
        'B' | 'b' => (s.get(..s.len() - 1)?, 1e9),
        _ => (s, 1.0),
    };
    let body = body.trim_end();
    let (negative, body) = match body.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, body),
    };
    let (point, is_group): (char, fn(char) -> bool) = if decimal_comma {
        (',', |c| {
            matches!(c, '.' | ' ' | '\u{a0}' | '\u{202f}' | '_')
        })
    } else {
        ('.', |c| matches!(c, ',' | '_'))
    };
    let (whole, fraction) = match body.split_once(point) {
        Some((w, f)) => (w, Some(f)),
        None => (body, None),
    };
    let mut cleaned = String::with_capacity(body.len() + 1);
    if negative {
        cleaned.push('-');
    }
    // The whole part: digits, or groups of three after a first of one to
    // three, all split by one kind of separator.
    let mut separator = None;
    let mut group = 0usize;
    let mut first = true;
    for c in whole.chars() {
        if c.is_ascii_digit() {
            group += 1;
            cleaned.push(c);
        } else if is_group(c) && separator.is_none_or(|s| s == c) {
            if group == 0 || group > 3 || (!first && group != 3) {
                return None;
            }
            separator = Some(c);
            first = false;
            group = 0;
        } else {
            return None;
        }
    }
    if separator.is_some() && group != 3 {
        return None;
    }
    match fraction {
        Some(f) => {
            if f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            if whole.is_empty() && f.is_empty() {
                return None;
            }
            cleaned.push('.');
            cleaned.push_str(f);
        }
        None if group == 0 => return None,
        None => {}
    }
    let v: f64 = cleaned.parse().ok()?;
    let v = v * scale;
    v.is_finite().then_some(v)
}

// ------------------------------------------------------------------ money

/// A currency: its ISO 4217 code and the symbols that mean it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Currency {
    pub code: &'static str,
    pub symbols: &'static [&'static str],
}

impl Currency {
    pub const USD: Currency = Currency {
        code: "USD",
        symbols: &["$", "US$"],
    };

    /// The currency of an ISO code icp knows ([`CURRENCIES`]), in any case.
    /// In a cell, any three capital letters are read as a code, so an
    /// unknown one is still named as another currency.
    pub fn from_code(code: &str) -> Option<Currency> {
        let code = code.trim();
        CURRENCIES
            .iter()
            .find(|c| c.code.eq_ignore_ascii_case(code))
            .copied()
    }
}

/// Currencies with symbols. A symbol several currencies share (`$`, `¥`,
/// `kr`) means the declared one when it is among them.
pub const CURRENCIES: &[Currency] = &[
    Currency::USD,
    Currency {
        code: "EUR",
        symbols: &["€"],
    },
    Currency {
        code: "GBP",
        symbols: &["£"],
    },
    Currency {
        code: "JPY",
        symbols: &["¥", "円"],
    },
    Currency {
        code: "CNY",
        symbols: &["¥", "CN¥", "元", "RMB"],
    },
    Currency {
        code: "INR",
        symbols: &["₹"],
    },
    Currency {
        code: "KRW",
        symbols: &["₩"],
    },
    Currency {
        code: "PLN",
        symbols: &["zł"],
    },
    Currency {
        code: "BRL",
        symbols: &["R$"],
    },
    Currency {
        code: "CAD",
        symbols: &["$", "C$", "CA$"],
    },
    Currency {
        code: "AUD",
        symbols: &["$", "A$", "AU$"],
    },
    Currency {
        code: "NZD",
        symbols: &["$", "NZ$"],
    },
    Currency {
        code: "SGD",
        symbols: &["$", "S$"],
    },
    Currency {
        code: "HKD",
        symbols: &["$", "HK$"],
    },
    Currency {
        code: "MXN",
        symbols: &["$", "MX$"],
    },
    Currency {
        code: "CHF",
        symbols: &["Fr.", "SFr."],
    },
    Currency {
        code: "SEK",
        symbols: &["kr"],
    },
    Currency {
        code: "NOK",
        symbols: &["kr"],
    },
    Currency {
        code: "DKK",
        symbols: &["kr"],
    },
    Currency {
        code: "RUB",
        symbols: &["₽"],
    },
    Currency {
        code: "TRY",
        symbols: &["₺"],
    },
    Currency {
        code: "ILS",
        symbols: &["₪"],
    },
    Currency {
        code: "NGN",
        symbols: &["₦"],
    },
    Currency {
        code: "ZAR",
        symbols: &["R"],
    },
];

/// Why a money cell was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MoneyError {
    /// Not an amount at all.
    NotAmount,
    /// An amount in another currency: its code or symbol.
    OtherCurrency(String),
}

/// An amount of money in `fmt`'s currency: `$1.5M`, `-$5`, `USD 2000000`,
/// `€1.2M` and `2.000.000 €` (with a decimal comma) when the currency is
/// EUR. A code or symbol of another currency is an error naming it.
pub fn money(cell: &str, fmt: &CellFormat) -> Result<f64, MoneyError> {
    let cell = cell.trim();
    let (negative, rest) = match cell.strip_prefix('-') {
        Some(r) => (true, r.trim_start()),
        None => (false, cell),
    };
    // The marker before or after the amount: the longest symbol or code
    // that fits, then the number around it.
    let (marker, amount) = split_marker(rest);
    if let Some(m) = marker {
        let ours = m.eq_ignore_ascii_case(fmt.currency.code) || fmt.currency.symbols.contains(&m);
        if !ours {
            return Err(MoneyError::OtherCurrency(m.to_string()));
        }
    }
    let (neg2, amount) = match amount.strip_prefix('-') {
        Some(r) if !negative => (true, r),
        _ => (false, amount),
    };
    let n = number(amount, fmt.decimal_comma).ok_or(MoneyError::NotAmount)?;
    Ok(if negative || neg2 { -n } else { n })
}

/// A currency marker at the start or the end of `s`, and the rest.
fn split_marker(s: &str) -> (Option<&str>, &str) {
    // The longest symbol that starts or ends the cell.
    let mut best: Option<(&str, &str)> = None;
    for sym in CURRENCIES.iter().flat_map(|c| c.symbols.iter().copied()) {
        let found = s
            .strip_prefix(sym)
            .map(|rest| (s.get(..sym.len()), rest))
            .or_else(|| {
                s.strip_suffix(sym)
                    .map(|rest| (s.get(s.len() - sym.len()..), rest))
            });
        if let Some((Some(marker), rest)) = found {
            if best.is_none_or(|(m, _)| m.len() < marker.len()) {
                best = Some((marker, rest));
            }
        }
    }
    if let Some((marker, rest)) = best {
        return (Some(marker), rest.trim());
    }
    // Three capital letters: an ISO code, before or after the amount.
    let code = |t: &str| t.len() == 3 && t.bytes().all(|b| b.is_ascii_uppercase());
    if let Some((head, rest)) = s.split_once(' ') {
        if code(head) {
            return (Some(head), rest.trim());
        }
    }
    if let Some((rest, tail)) = s.rsplit_once(' ') {
        if code(tail) {
            return (Some(tail), rest.trim());
        }
    }
    if let (Some(head), Some(rest)) = (s.get(..3), s.get(3..)) {
        if code(head) && rest.starts_with(|c: char| c.is_ascii_digit() || c == '-') {
            return (Some(head), rest);
        }
    }
    (None, s)
}

// ------------------------------------------------------------------ dates

/// A date layout such as `MM/DD/YYYY`, `DD.MM.YYYY` or `MMM D YYYY`.
///
/// `YYYY` is a four-digit year; `MM`, `M`, `DD` and `D` a month or day of
/// one or two digits; `MMM` (or `MMMM`) a month's English name, short or
/// long, in any case (`Oct`, `October`). Every other character must appear
/// as written. A time after the date (`T...` or ` ...`) is ignored, as in
/// ISO cells.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DatePattern {
    pub text: String,
    parts: Vec<Part>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Part {
    Year,
    Month,
    MonthName,
    Day,
    Literal(char),
}

const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

impl DatePattern {
    /// Reads a pattern; the error says what is wrong with it.
    pub fn parse(text: &str) -> Result<DatePattern, String> {
        let mut parts = Vec::new();
        let chars: Vec<char> = text.chars().collect();
        let mut i = 0;
        while let Some(&c) = chars.get(i) {
            let run = chars
                .get(i..)
                .unwrap_or_default()
                .iter()
                .take_while(|x| **x == c)
                .count();
            let part = match (c, run) {
                ('Y', 4) => Part::Year,
                ('M', 1 | 2) => Part::Month,
                ('M', 3 | 4) => Part::MonthName,
                ('D', 1 | 2) => Part::Day,
                ('Y' | 'M' | 'D', n) => {
                    let token: String = std::iter::repeat_n(c, n).collect();
                    return Err(format!(
                        "`{token}` is not a date token (use YYYY, MM, M, MMM, DD or D)"
                    ));
                }
                (c, _) if c.is_ascii_alphabetic() => {
                    return Err(format!(
                        "`{c}` is not a date token (use YYYY, MM, M, MMM, DD or D; other letters are not read)"
                    ))
                }
                (c, _) => {
                    parts.push(Part::Literal(c));
                    i += 1;
                    continue;
                }
            };
            parts.push(part);
            i += run;
        }
        let count = |p: &[Part]| parts.iter().filter(|x| p.contains(x)).count();
        if count(&[Part::Year]) != 1
            || count(&[Part::Month, Part::MonthName]) != 1
            || count(&[Part::Day]) != 1
        {
            return Err(
                "a date format needs one year (YYYY), one month (MM or MMM) and one day (DD)"
                    .into(),
            );
        }
        Ok(DatePattern {
            text: text.to_string(),
            parts,
        })
    }

    /// The date in `cell`, when it follows the pattern.
    pub fn read(&self, cell: &str) -> Option<Date> {
        let mut s = cell.trim();
        let (mut y, mut m, mut d) = (None, None, None);
        let digits = |s: &str, min: usize, max: usize| -> Option<(u32, usize)> {
            let n = s.bytes().take(max).take_while(u8::is_ascii_digit).count();
            if n < min {
                return None;
            }
            Some((s.get(..n)?.parse().ok()?, n))
        };
        for part in &self.parts {
            match part {
                Part::Year => {
                    let (v, n) = digits(s, 4, 4)?;
                    y = Some(i32::try_from(v).ok()?);
                    s = s.get(n..)?;
                }
                Part::Month => {
                    let (v, n) = digits(s, 1, 2)?;
                    m = Some(v);
                    s = s.get(n..)?;
                }
                Part::Day => {
                    let (v, n) = digits(s, 1, 2)?;
                    d = Some(v);
                    s = s.get(n..)?;
                }
                Part::MonthName => {
                    let n = s.chars().take_while(char::is_ascii_alphabetic).count();
                    let word = s.get(..n)?.to_ascii_lowercase();
                    let i = MONTHS.iter().position(|full| {
                        *full == word
                            || (word.len() >= 3
                                && full.starts_with(&word)
                                && (word.len() == 3 || word == "sept"))
                    })?;
                    m = Some(u32::try_from(i).ok()? + 1);
                    s = s.get(n..)?;
                }
                Part::Literal(' ') => {
                    let rest = s.trim_start();
                    if rest.len() == s.len() {
                        return None;
                    }
                    s = rest;
                }
                Part::Literal(c) => s = s.strip_prefix(*c)?,
            }
        }
        if !(s.is_empty() || s.starts_with('T') || s.starts_with(' ')) {
            return None;
        }
        Date::new(y?, m?, d?)
    }

    /// 2026-10-15 written in the pattern, for messages.
    pub fn example(&self) -> String {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Year => out.push_str("2026"),
                Part::Month => out.push_str("10"),
                Part::MonthName => out.push_str("Oct"),
                Part::Day => out.push_str("15"),
                Part::Literal(c) => out.push(*c),
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn numbers_with_a_decimal_point() {
        let n = |s| number(s, false);
        assert_eq!(n("1500000"), Some(1_500_000.0));
        assert_eq!(n("1,500,000"), Some(1_500_000.0));
        assert_eq!(n("1,500,000.25"), Some(1_500_000.25));
        assert_eq!(n("1_500_000"), Some(1_500_000.0));
        assert_eq!(n("1.5M"), Some(1_500_000.0));
        assert_eq!(n("250k"), Some(250_000.0));
        assert_eq!(n("-3.5"), Some(-3.5));
        assert_eq!(n(".5"), Some(0.5));
        // Wrong numbers are refused, never guessed.
        assert_eq!(n("1.200,50"), None);
        assert_eq!(n("1.500.000,00"), None);
        assert_eq!(n("2,5"), None);
        assert_eq!(n("12,34"), None);
        assert_eq!(n("1,5000"), None);
        assert_eq!(n("1,500_000"), None);
        assert_eq!(n(",500"), None);
        assert_eq!(n("1,500,"), None);
        assert_eq!(n("1."), None);
        assert_eq!(n("1.2.3"), None);
        assert_eq!(n("ten"), None);
        assert_eq!(n("1e9"), None);
        assert_eq!(n("--5"), None);
        assert_eq!(n("-"), None);
        assert_eq!(n(""), None);
        assert_eq!(n("+5"), None);
    }

    #[test]
    fn numbers_with_a_decimal_comma() {
        let n = |s| number(s, true);
        assert_eq!(n("1.200,50"), Some(1200.5));
        assert_eq!(n("1.500.000,00"), Some(1_500_000.0));
        assert_eq!(n("2,5"), Some(2.5));
        assert_eq!(n("1 500 000"), Some(1_500_000.0));
        assert_eq!(n("1\u{a0}500,75"), Some(1500.75));
        assert_eq!(n("1,5M"), Some(1_500_000.0));
        assert_eq!(n("1.500"), Some(1500.0));
        assert_eq!(n("-0,25"), Some(-0.25));
        // A point with fewer than three digits after it is a decimal point
        // in someone else's locale: ambiguous, so refused.
        assert_eq!(n("1.5"), None);
        assert_eq!(n("1.5M"), None);
        assert_eq!(n("1,500,000"), None);
        assert_eq!(n("1.500 000"), None);
    }

    fn eur(comma: bool) -> CellFormat {
        CellFormat {
            currency: Currency::from_code("EUR").unwrap(),
            decimal_comma: comma,
            ..CellFormat::default()
        }
    }

    #[test]
    fn money_in_the_declared_currency_only() {
        let usd = CellFormat::default();
        assert_eq!(money("$1.5M", &usd), Ok(1_500_000.0));
        assert_eq!(money("-$5", &usd), Ok(-5.0));
        assert_eq!(money("$-5", &usd), Ok(-5.0));
        assert_eq!(money("USD 2000000", &usd), Ok(2_000_000.0));
        assert_eq!(money("2000000 USD", &usd), Ok(2_000_000.0));
        assert_eq!(money("USD2000", &usd), Ok(2000.0));
        assert_eq!(money("250k", &usd), Ok(250_000.0));
        assert_eq!(
            money("€1.2M", &usd),
            Err(MoneyError::OtherCurrency("€".into()))
        );
        assert_eq!(
            money("EUR 5", &usd),
            Err(MoneyError::OtherCurrency("EUR".into()))
        );
        assert_eq!(money("$1.200,50", &usd), Err(MoneyError::NotAmount));

        assert_eq!(money("€1.2M", &eur(false)), Ok(1_200_000.0));
        assert_eq!(money("EUR 2000000", &eur(false)), Ok(2_000_000.0));
        assert_eq!(money("2.000.000 €", &eur(true)), Ok(2_000_000.0));
        assert_eq!(money("1.200,50 €", &eur(true)), Ok(1200.5));
        assert_eq!(money("-€3,5", &eur(true)), Ok(-3.5));
        assert_eq!(money("1200", &eur(true)), Ok(1200.0));
        assert_eq!(
            money("$5", &eur(false)),
            Err(MoneyError::OtherCurrency("$".into()))
        );
        assert_eq!(
            money("£5", &eur(false)),
            Err(MoneyError::OtherCurrency("£".into()))
        );
        assert_eq!(
            money("GBP 5", &eur(false)),
            Err(MoneyError::OtherCurrency("GBP".into()))
        );
        assert_eq!(
            money("5 zł", &eur(false)),
            Err(MoneyError::OtherCurrency("zł".into()))
        );
        let cad = CellFormat {
            currency: Currency::from_code("cad").unwrap(),
            ..CellFormat::default()
        };
        assert_eq!(money("$5", &cad), Ok(5.0));
        assert_eq!(money("C$5", &cad), Ok(5.0));
        assert_eq!(
            money("US$5", &cad),
            Err(MoneyError::OtherCurrency("US$".into()))
        );
    }

    #[test]
    fn dollar_currencies_list_the_dollar_first() {
        for c in CURRENCIES {
            let fmt = CellFormat {
                currency: *c,
                ..CellFormat::default()
            };
            assert_eq!(fmt.dollar(), c.symbols.contains(&"$"), "{}", c.code);
        }
    }

    #[test]
    fn date_patterns() {
        let p = |s| DatePattern::parse(s).unwrap();
        let d = |y, m, day| Date::new(y, m, day);
        assert_eq!(p("MM/DD/YYYY").read("10/15/2026"), d(2026, 10, 15));
        assert_eq!(p("MM/DD/YYYY").read("1/5/2026"), d(2026, 1, 5));
        assert_eq!(p("MM/DD/YYYY").read("10/15/2026 10:30 AM"), d(2026, 10, 15));
        assert_eq!(p("MM/DD/YYYY").read("15/10/2026"), None);
        assert_eq!(p("DD/MM/YYYY").read("15/10/2026"), d(2026, 10, 15));
        assert_eq!(p("DD.MM.YYYY").read("15.10.2026"), d(2026, 10, 15));
        assert_eq!(p("DD.MM.YYYY").read("15/10/2026"), None);
        assert_eq!(p("MMM D YYYY").read("Oct 15 2026"), d(2026, 10, 15));
        assert_eq!(p("MMM D YYYY").read("october 15 2026"), d(2026, 10, 15));
        assert_eq!(p("MMM D YYYY").read("Sept 5 2026"), d(2026, 9, 5));
        assert_eq!(p("MMM D, YYYY").read("Oct 15, 2026"), d(2026, 10, 15));
        assert_eq!(p("MMM D YYYY").read("Okt 15 2026"), None);
        assert_eq!(p("D MMM YYYY").read("29 Feb 2025"), None);
        assert_eq!(p("YYYY/MM/DD").read("2026/10/15"), d(2026, 10, 15));
        assert_eq!(p("MM/DD/YYYY").read("10/15/26"), None);
        assert_eq!(p("MM/DD/YYYY").read("10/15/2026x"), None);
        assert_eq!(p("MM/DD/YYYY").example(), "10/15/2026");
        assert_eq!(p("MMM D YYYY").example(), "Oct 15 2026");
        assert!(DatePattern::parse("%m/%d/%Y").is_err());
        assert!(DatePattern::parse("MM/DD/YY").is_err());
        assert!(DatePattern::parse("MM/YYYY").is_err());
        assert!(DatePattern::parse("DD/DD/YYYY").is_err());
    }
}
