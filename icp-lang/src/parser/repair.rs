//! Repairs for syntax errors: when a member does not parse, find the
//! smallest edit near the error after which it does, and offer it as "write
//! it like this" with a quick fix.
//!
//! Candidates come from two places, and every one is checked by parsing the
//! member again, so a repair is only ever offered when it really parses:
//!
//! - the tokens the grammar expected at the error (inserted before the token
//!   found, or replacing it), and deleting a stray punctuation token;
//! - rewrites of what newcomers write instead of the construct they meant,
//!   each a shape of tokens around the error: a comparison that lost its left
//!   side (`employees > 200 and < 2000`), a number with a unit word (`30
//!   days`, `every quarter`), thousands separators (`2,000`), `between ...
//!   and ...`, words in a list that need quotes (`[United States, Canada]`),
//!   a tier without `: score`, an operator split by a space (`> =`), and
//!   `!=`/`==` before a list.
//!
//! Candidates are tried in that order of likelihood; the first that parses wins.

use super::{Parsing, Rule};
use crate::lexer::{Token, TokenKind};
use pest::Parser as _;

/// An edit of the file: replace `start..end` with `replacement`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Repair {
    pub start: usize,
    pub end: usize,
    pub replacement: String,
}

/// Words of time a newcomer writes after a number, as a duration's unit and
/// how many of it one word means (`quarter` is three months).
const UNIT_WORDS: &[(&str, &str, u64)] = &[
    ("day", "d", 1),
    ("days", "d", 1),
    ("week", "w", 1),
    ("weeks", "w", 1),
    ("month", "mo", 1),
    ("months", "mo", 1),
    ("quarter", "mo", 3),
    ("quarters", "mo", 3),
    ("year", "y", 1),
    ("years", "y", 1),
];

/// The repair for a member `start..end` (parsed as `rule`, with `suffix`
/// appended) that failed at file offset `at`; `expected` are the tokens the
/// grammar wanted there, as shown in the message (`` `:` ``, `` `weight` ``).
pub(super) fn find(
    p: &Parsing<'_>,
    start: u32,
    end: u32,
    rule: Rule,
    suffix: &str,
    at: usize,
    expected: &[String],
) -> Option<Repair> {
    let member: Vec<Token> = p
        .tokens
        .iter()
        .copied()
        .filter(|t| t.start >= start && t.end <= end && !t.kind.is_trivia())
        .collect();
    let i = member
        .iter()
        .position(|t| t.start as usize >= at)
        .unwrap_or(member.len());
    let mut candidates = rewrites(p, &member, i);
    candidates.extend(from_grammar(&member, i, expected));
    candidates
        .into_iter()
        .find(|c| parses(p, start, end, rule, suffix, c))
}

fn parses(p: &Parsing<'_>, start: u32, end: u32, rule: Rule, suffix: &str, r: &Repair) -> bool {
    let (s, e) = (start as usize, end as usize);
    if r.start < s || r.end > e || r.start > r.end {
        return false;
    }
    let (Some(before), Some(after)) = (p.src.get(s..r.start), p.src.get(r.end..e)) else {
        return false;
    };
    let text = format!("{before}{}{after}{suffix}", r.replacement);
    super::IcpParser::parse(rule, &text).is_ok()
}

fn text<'s>(p: &Parsing<'s>, t: Option<&Token>) -> &'s str {
    t.map(|t| t.text(p.src)).unwrap_or("")
}

fn is_cmp(kind: TokenKind) -> bool {
    use TokenKind::*;
    matches!(kind, Lt | Gt | Le | Ge | EqEq | Ne)
}

/// What newcomers write instead, around token `i` of the member.
fn rewrites(p: &Parsing<'_>, m: &[Token], i: usize) -> Vec<Repair> {
    let mut out = Vec::new();
    let at = |k: usize| m.get(k);
    let here = at(i);
    let prev = i.checked_sub(1).and_then(at);
    let span = |a: &Token, b: &Token, replacement: String| Repair {
        start: a.start as usize,
        end: b.end as usize,
        replacement,
    };

    // `employees > 200 and < 2000`: the second comparison repeats the first's
    // left side.
    if let (Some(op), Some(joiner)) = (here, prev) {
        if is_cmp(op.kind) && matches!(text(p, Some(joiner)), "and" | "or") {
            let left = (0..i.saturating_sub(1)).rev().find_map(|k| {
                let t = at(k)?;
                let next = at(k + 1)?;
                (t.kind == TokenKind::Ident && is_cmp(next.kind)).then(|| text(p, Some(t)))
            });
            if let Some(left) = left {
                out.push(Repair {
                    start: op.start as usize,
                    end: op.start as usize,
                    replacement: format!("{left} "),
                });
            }
        }
    }

    // `within 30 days`, `every quarter`: a duration literal.
    for (k, unit_tok) in [(i, here), (i + 1, at(i + 1))] {
        let Some(unit_tok) = unit_tok else { continue };
        let word = text(p, Some(unit_tok)).to_lowercase();
        let Some(&(_, unit, times)) = UNIT_WORDS.iter().find(|(w, _, _)| *w == word) else {
            continue;
        };
        let number = k.checked_sub(1).and_then(at);
        match number {
            Some(n) if n.kind == TokenKind::Number => {
                if let Ok(count) = text(p, Some(n)).parse::<u64>() {
                    out.push(span(n, unit_tok, format!("{}{unit}", count * times)));
                }
            }
            _ => out.push(span(unit_tok, unit_tok, format!("{times}{unit}"))),
        }
    }

    // `2,000` or `1,500,000`: thousands separators.
    for k in [i, i.saturating_sub(1)] {
        let (Some(first), Some(comma)) = (at(k.saturating_sub(1)), at(k)) else {
            continue;
        };
        if comma.kind != TokenKind::Comma || first.kind != TokenKind::Number {
            continue;
        }
        let mut digits = text(p, Some(first)).to_string();
        let mut last = first;
        let mut j = k;
        while let (Some(c), Some(group)) = (at(j), at(j + 1)) {
            let g = text(p, Some(group));
            if c.kind != TokenKind::Comma || g.len() != 3 || !g.bytes().all(|b| b.is_ascii_digit())
            {
                break;
            }
            digits.push_str(g);
            last = group;
            j += 2;
        }
        if last.start != first.start {
            out.push(span(first, last, digits));
        }
    }

    // `employees between 200 and 2000`: a range.
    for k in [i, i.saturating_sub(1), i.saturating_sub(2)] {
        let (Some(b), Some(lo), Some(and), Some(hi)) = (at(k), at(k + 1), at(k + 2), at(k + 3))
        else {
            continue;
        };
        if text(p, Some(b)) == "between" && text(p, Some(and)) == "and" {
            let (lo, hi) = (text(p, Some(lo)), text(p, Some(hi)));
            out.push(span(b, at(k + 3).unwrap_or(b), format!("in {lo}..={hi}")));
        }
    }

    // `[United States, Canada]`: words in a list are text, and need quotes.
    let open = (0..=i.min(m.len().saturating_sub(1)))
        .rev()
        .find(|&k| at(k).is_some_and(|t| t.kind == TokenKind::LBracket));
    let close = (i..m.len()).find(|&k| at(k).is_some_and(|t| t.kind == TokenKind::RBracket));
    if let (Some(o), Some(c)) = (open, close) {
        let inside = m.get(o + 1..c).unwrap_or(&[]);
        if inside.iter().any(|t| t.kind == TokenKind::Ident) {
            let (Some(ot), Some(ct)) = (at(o), at(c)) else {
                return out;
            };
            let body = p.src.get(ot.end as usize..ct.start as usize).unwrap_or("");
            let items: Vec<String> = body
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| {
                    if s.starts_with('"') {
                        s.to_string()
                    } else {
                        format!("{s:?}")
                    }
                })
                .collect();
            out.push(span(ot, ct, format!("[{}]", items.join(", "))));
        }
    }

    // `tier A >= 50`: a tier's condition is on `score`.
    let has_colon = m.iter().any(|t| t.kind == TokenKind::Colon);
    if at(0).is_some_and(|t| text(p, Some(t)) == "tier") && !has_colon {
        if let Some(k) = m.iter().position(|t| is_cmp(t.kind)) {
            if let Some(name) = k.checked_sub(1).and_then(at) {
                out.push(Repair {
                    start: name.end as usize,
                    end: name.end as usize,
                    replacement: ": score".to_string(),
                });
            }
        }
    }

    // `score > = 50`: one operator, written without the space.
    if let (Some(a), Some(b)) = (prev, here) {
        let joined = format!("{}{}", text(p, Some(a)), text(p, Some(b)));
        if matches!(joined.as_str(), ">=" | "<=" | "==" | "!=") && a.end < b.start {
            out.push(span(a, b, joined));
        }
    }

    // `industry != [a, b]`: membership is `in` / `not in`.
    if let (Some(op), Some(list)) = (prev, here) {
        if list.kind == TokenKind::LBracket {
            match op.kind {
                TokenKind::Ne => out.push(span(op, op, "not in".to_string())),
                TokenKind::EqEq => out.push(span(op, op, "in".to_string())),
                _ => {}
            }
        }
    }
    out
}

/// What the grammar itself expected at token `i`: inserted, replacing the
/// token found, or the token found deleted when it is punctuation.
fn from_grammar(m: &[Token], i: usize, expected: &[String]) -> Vec<Repair> {
    let mut out = Vec::new();
    let Some(here) = m.get(i) else {
        return out;
    };
    let (s, e) = (here.start as usize, here.end as usize);
    let punctuation: Vec<&str> = expected
        .iter()
        .filter_map(|x| x.strip_prefix('`')?.strip_suffix('`'))
        .filter(|x| !x.chars().any(char::is_alphanumeric))
        .collect();
    for x in &punctuation {
        out.push(Repair {
            start: s,
            end: s,
            replacement: format!("{x} "),
        });
    }
    if here.kind.is_punct() || here.kind == TokenKind::Unknown {
        out.push(Repair {
            start: s,
            end: e,
            replacement: String::new(),
        });
        for x in &punctuation {
            out.push(Repair {
                start: s,
                end: e,
                replacement: x.to_string(),
            });
        }
    }
    out
}

/// The line of the repair with the repair made, for "write it like this".
pub(super) fn repaired_line(src: &str, r: &Repair) -> String {
    let line_start = src
        .get(..r.start)
        .and_then(|b| b.rfind(['\n', '\r']))
        .map_or(0, |i| i + 1);
    let line_end = src
        .get(r.end..)
        .and_then(|a| a.find(['\n', '\r']))
        .map_or(src.len(), |i| r.end + i);
    let before = src.get(line_start..r.start).unwrap_or("");
    let after = src.get(r.end..line_end).unwrap_or("");
    format!("{before}{}{after}", r.replacement)
        .trim()
        .to_string()
}
