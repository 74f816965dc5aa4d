//! The outline of a file (document symbols) and the classification of every
//! token for highlighting. Highlighting uses the token stream alone, so a
//! file that does not parse is still coloured.

use crate::ast::{File, Item, Member, RuleKind};
use crate::lexer::{lex, TokenKind, KEYWORDS, RESERVED};
use crate::span::Span;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SymbolKind {
    Enum,
    Schema,
    Segment,
    Icp,
    Filter,
    Exclude,
    Signal,
    Group,
    Tier,
    Persona,
    Job,
    Test,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Symbol {
    pub name: String,
    pub kind: SymbolKind,
    /// The whole declaration.
    pub span: Span,
    /// The name, to select.
    pub selection: Span,
    pub children: Vec<Symbol>,
}

fn leaf(name: &crate::ast::Ident, kind: SymbolKind, span: Span) -> Symbol {
    Symbol {
        name: name.name.clone(),
        kind,
        span,
        selection: name.span,
        children: Vec::new(),
    }
}

/// ICP -> filters, signals (inside their groups), tiers, personas, jobs, tests.
pub fn outline(file: &File) -> Vec<Symbol> {
    file.items
        .iter()
        .filter_map(|item| {
            Some(match item {
                Item::Import(_) => return None,
                Item::Enum(e) => leaf(&e.name, SymbolKind::Enum, e.span),
                Item::Schema(s) => leaf(&s.name, SymbolKind::Schema, s.span),
                Item::Segment(s) => leaf(&s.name, SymbolKind::Segment, s.span),
                Item::Persona(p) => leaf(&p.name, SymbolKind::Persona, p.span),
                Item::Job(j) => leaf(&j.name, SymbolKind::Job, j.span),
                Item::Icp(icp) => Symbol {
                    children: icp.members.iter().filter_map(member).collect(),
                    ..leaf(&icp.name, SymbolKind::Icp, icp.span)
                },
            })
        })
        .collect()
}

fn rule(r: &crate::ast::Rule) -> Symbol {
    let kind = match r.kind {
        RuleKind::Filter => SymbolKind::Filter,
        RuleKind::Exclude => SymbolKind::Exclude,
        RuleKind::Signal => SymbolKind::Signal,
    };
    leaf(&r.name, kind, r.span)
}

fn member(m: &Member) -> Option<Symbol> {
    Some(match m {
        Member::Rule(r) => rule(r),
        Member::Group(g) => Symbol {
            children: g.rules.iter().map(rule).collect(),
            ..leaf(&g.name, SymbolKind::Group, g.span)
        },
        Member::Tier(t) => leaf(&t.name, SymbolKind::Tier, t.span),
        Member::Persona(p) => leaf(&p.name, SymbolKind::Persona, p.span),
        Member::Job(j) => leaf(&j.name, SymbolKind::Job, j.span),
        Member::Test(t) => Symbol {
            name: t.name.value.clone(),
            kind: SymbolKind::Test,
            span: t.span,
            selection: t.name.span,
            children: Vec::new(),
        },
        Member::Owner(..) | Member::Reviewed(_) | Member::Drop(..) => return None,
    })
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenClass {
    Keyword,
    /// `and`, `or`, `not`, comparison and range operators.
    Operator,
    Name,
    String,
    Number,
    Comment,
    DocComment,
    Invalid,
}

/// Every token worth colouring: (start, end, class), in order.
pub fn semantic_tokens(text: &str) -> Vec<(u32, u32, TokenClass)> {
    lex(text)
        .into_iter()
        .filter_map(|t| {
            let class = match t.kind {
                TokenKind::Whitespace | TokenKind::Newline => return None,
                TokenKind::Comment => TokenClass::Comment,
                TokenKind::DocComment => TokenClass::DocComment,
                TokenKind::String => TokenClass::String,
                TokenKind::Number
                | TokenKind::Money
                | TokenKind::Percent
                | TokenKind::Date
                | TokenKind::Duration => TokenClass::Number,
                TokenKind::Unknown | TokenKind::BadLiteral | TokenKind::UnterminatedString => {
                    TokenClass::Invalid
                }
                TokenKind::Ident => {
                    let word = t.text(text);
                    if matches!(word, "and" | "or" | "not") {
                        TokenClass::Operator
                    } else if RESERVED.contains(&word) || KEYWORDS.contains(&word) {
                        TokenClass::Keyword
                    } else {
                        TokenClass::Name
                    }
                }
                k if k.is_punct() => match k {
                    TokenKind::Lt
                    | TokenKind::Gt
                    | TokenKind::Le
                    | TokenKind::Ge
                    | TokenKind::EqEq
                    | TokenKind::Ne
                    | TokenKind::DotDot
                    | TokenKind::DotDotEq
                    | TokenKind::FatArrow => TokenClass::Operator,
                    _ => return None,
                },
                _ => return None,
            };
            Some((t.start, t.end, class))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outline_nests_rules_in_icps_and_groups() {
        let src = "enum E { a }\nicp i for S {\n  filter f: x\n  group g { signal s: y weight 1 }\n  tier A: otherwise\n  test \"t\" { given { } expect passes }\n}\n";
        let parsed = crate::parser::parse(crate::span::FileId(0), src);
        let symbols = outline(&parsed.ast);
        type Child = (String, SymbolKind, usize);
        let shape: Vec<(String, SymbolKind, Vec<Child>)> = symbols
            .iter()
            .map(|s| {
                (
                    s.name.clone(),
                    s.kind,
                    s.children
                        .iter()
                        .map(|c| (c.name.clone(), c.kind, c.children.len()))
                        .collect(),
                )
            })
            .collect();
        assert_eq!(
            shape,
            vec![
                ("E".into(), SymbolKind::Enum, vec![]),
                (
                    "i".into(),
                    SymbolKind::Icp,
                    vec![
                        ("f".into(), SymbolKind::Filter, 0),
                        ("g".into(), SymbolKind::Group, 1),
                        ("A".into(), SymbolKind::Tier, 0),
                        ("t".into(), SymbolKind::Test, 0)
                    ]
                ),
            ]
        );
    }

    #[test]
    fn broken_files_are_still_classified() {
        let src = "icp x for { signal @ \"unterminated\n/// doc\n30d and 5";
        let classes: Vec<TokenClass> = semantic_tokens(src)
            .into_iter()
            .map(|(_, _, c)| c)
            .collect();
        use TokenClass::*;
        assert_eq!(
            classes,
            vec![
                Keyword, Name, Keyword, Keyword, Invalid, Invalid, DocComment, Number, Operator,
                Number
            ]
        );
    }
}
