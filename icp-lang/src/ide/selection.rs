//! Selection ranges ("expand selection"): from the token under the cursor
//! outward through operands and expressions, bracket groups, the rule, the
//! block and the item, to the whole file. Brackets come from the token
//! stream, so a half-typed file still expands sensibly.

use crate::ast::{Expr, File, InSet, Item, Member, Operand, RuleBody};
use crate::lexer::{Token, TokenKind};

/// Byte ranges around `offset`, innermost first, each inside the next.
pub fn selection_chain(file: &File, tokens: &[Token], len: u32, offset: u32) -> Vec<(u32, u32)> {
    let mut spans: Vec<(u32, u32)> = Vec::new();
    // The token under the cursor; at a boundary, the one that starts there.
    let under = tokens
        .iter()
        .filter(|t| !t.kind.is_trivia() && t.start <= offset && offset <= t.end)
        .max_by_key(|t| t.start);
    if let Some(t) = under {
        spans.push((t.start, t.end));
    }
    brackets(tokens, &mut spans);
    for item in &file.items {
        items(item, &mut spans);
    }
    spans.push((0, len));
    spans.retain(|&(s, e)| s <= offset && offset <= e && s < e);
    spans.sort_by_key(|&(s, e)| (e - s, std::cmp::Reverse(s)));
    let mut chain: Vec<(u32, u32)> = Vec::new();
    for s in spans {
        match chain.last() {
            Some(&(ls, le)) if s == (ls, le) || !(s.0 <= ls && le <= s.1) => {}
            _ => chain.push(s),
        }
    }
    chain
}

/// Every matched bracket pair: its contents, then the pair itself.
fn brackets(tokens: &[Token], out: &mut Vec<(u32, u32)>) {
    let significant: Vec<&Token> = tokens.iter().filter(|t| !t.kind.is_trivia()).collect();
    let mut open: Vec<(TokenKind, usize)> = Vec::new();
    for (i, t) in significant.iter().enumerate() {
        let closes = match t.kind {
            TokenKind::LBrace | TokenKind::LBracket | TokenKind::LParen => {
                open.push((t.kind, i));
                continue;
            }
            TokenKind::RBrace => TokenKind::LBrace,
            TokenKind::RBracket => TokenKind::LBracket,
            TokenKind::RParen => TokenKind::LParen,
            _ => continue,
        };
        // An unmatched closer (half-typed text) is skipped, not fatal.
        let Some(at) = open.iter().rposition(|(k, _)| *k == closes) else {
            continue;
        };
        let (_, o) = open.remove(at);
        open.truncate(at);
        let (Some(first), Some(last)) = (significant.get(o + 1), significant.get(i - 1)) else {
            continue;
        };
        if o + 1 < i {
            out.push((first.start, last.end));
        }
        if let Some(opener) = significant.get(o) {
            out.push((opener.start, t.end));
        }
    }
}

fn items(item: &Item, out: &mut Vec<(u32, u32)>) {
    let span = |s: crate::span::Span| (s.start, s.end);
    match item {
        Item::Segment(s) => {
            out.push(span(s.span));
            out.push(span(s.name.span));
            expr(&s.expr, out);
        }
        Item::Icp(icp) => {
            out.push(span(icp.span));
            out.push(span(icp.name.span));
            for m in &icp.members {
                member(m, out);
            }
        }
        Item::Import(i) => out.push(span(i.span)),
        Item::Enum(e) => {
            out.push(span(e.span));
            out.push(span(e.name.span));
        }
        Item::Schema(s) => {
            out.push(span(s.span));
            out.push(span(s.name.span));
        }
        Item::Persona(p) => out.push(span(p.span)),
        Item::Job(j) => out.push(span(j.span)),
    }
}

fn member(m: &Member, out: &mut Vec<(u32, u32)>) {
    out.push((m.span().start, m.span().end));
    match m {
        Member::Rule(r) => rule(r, out),
        Member::Group(g) => {
            for r in &g.rules {
                rule(r, out);
            }
        }
        Member::Tier(t) => {
            if let Some(e) = &t.condition {
                expr(e, out);
            }
        }
        _ => {}
    }
}

fn rule(r: &crate::ast::Rule, out: &mut Vec<(u32, u32)>) {
    out.push((r.span.start, r.span.end));
    out.push((r.name.span.start, r.name.span.end));
    match &r.body {
        RuleBody::Condition { expr: e, weight } => {
            expr(e, out);
            if let Some(w) = weight {
                out.push((w.span.start, w.span.end));
            }
        }
        RuleBody::Bands { span, .. } => out.push((span.start, span.end)),
    }
}

fn operand(o: &Operand, out: &mut Vec<(u32, u32)>) {
    let s = o.span();
    out.push((s.start, s.end));
}

fn expr(e: &Expr, out: &mut Vec<(u32, u32)>) {
    let s = e.span();
    out.push((s.start, s.end));
    match e {
        Expr::Or(parts, _) | Expr::And(parts, _) => parts.iter().for_each(|p| expr(p, out)),
        Expr::Not(inner, _) => expr(inner, out),
        Expr::Operand(o) => operand(o, out),
        Expr::Compare { lhs, rhs, .. } => {
            operand(lhs, out);
            operand(rhs, out);
        }
        Expr::In { lhs, set, .. } => {
            operand(lhs, out);
            match set {
                InSet::List(items, span) => {
                    out.push((span.start, span.end));
                    items.iter().for_each(|i| operand(i, out));
                }
                InSet::Range(r) => out.push((r.span.start, r.span.end)),
                InSet::Name(n) => out.push((n.span.start, n.span.end)),
            }
        }
        Expr::Has { lhs, items, .. } => {
            operand(lhs, out);
            items.iter().for_each(|i| operand(i, out));
        }
        Expr::Matches { lhs, patterns, .. } => {
            operand(lhs, out);
            patterns
                .iter()
                .for_each(|p| out.push((p.span.start, p.span.end)));
        }
        Expr::Within { lhs, duration, .. } => {
            operand(lhs, out);
            out.push((duration.span.start, duration.span.end));
        }
        Expr::Is { lhs, .. } => operand(lhs, out),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::span::FileId;

    /// The chain at `$0`, each range shown as its text.
    fn chain(marked: &str) -> Vec<String> {
        let offset = marked.find("$0").unwrap();
        let src = marked.replacen("$0", "", 1);
        let parsed = crate::parser::parse(FileId(0), &src);
        selection_chain(&parsed.ast, &parsed.tokens, src.len() as u32, offset as u32)
            .into_iter()
            .map(|(s, e)| src[s as usize..e as usize].to_string())
            .collect()
    }

    const ICP: &str = "enum I { saas, retail }\nschema A {\n  id: text key\n  industry: I\n  employees: int\n}\nicp p for A {\n  filter f: industry in [saas, re$0tail] and employees >= 50\n  tier T: otherwise\n}\n";

    #[test]
    fn expands_from_the_word_to_the_file() {
        let c = chain(ICP);
        assert_eq!(
            c,
            [
                "retail",
                "saas, retail",
                "[saas, retail]",
                "industry in [saas, retail]",
                "industry in [saas, retail] and employees >= 50",
                "filter f: industry in [saas, retail] and employees >= 50",
                "filter f: industry in [saas, retail] and employees >= 50\n  tier T: otherwise",
                "{\n  filter f: industry in [saas, retail] and employees >= 50\n  tier T: otherwise\n}",
                "icp p for A {\n  filter f: industry in [saas, retail] and employees >= 50\n  tier T: otherwise\n}",
                &ICP.replacen("$0", "", 1),
            ]
        );
        // Each range holds the one before it.
        for w in c.windows(2) {
            assert!(w[1].contains(w[0].as_str()), "{w:?}");
        }
    }

    #[test]
    fn half_typed_text_still_expands_by_brackets() {
        let c = chain(
            "icp p for A {\n  filter f: industry in [saas, re$0tail\n  tier T: (score >= 3\n}\n",
        );
        assert_eq!(c[0], "retail");
        assert!(
            c.iter().any(|s| s.starts_with("{") && s.ends_with("}")),
            "{c:?}"
        );
    }
}
