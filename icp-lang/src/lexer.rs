//! The token stream: every byte of the source belongs to exactly one token,
//! trivia (whitespace, comments) included, so highlighting and formatting work
//! on files that do not parse. Keywords are lexed as `Ident`; [`KEYWORDS`]
//! tells them apart, because most of them are contextual in the grammar.

use logos::Logos;
use serde::Serialize;

#[derive(Logos, Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum TokenKind {
    #[regex(r"[ \t\x{FEFF}]+")]
    Whitespace,
    /// A line end: LF, CRLF or a lone CR (old Mac files), as LSP counts them.
    #[regex(r"\r\n|\r|\n")]
    Newline,
    #[regex(r"//[^\r\n]*")]
    Comment,
    #[regex(r"///[^\r\n]*")]
    DocComment,
    #[regex(r"[\p{XID_Start}_]\p{XID_Continue}*")]
    Ident,
    #[regex(r"-?[0-9][0-9_]*(\.[0-9][0-9_]*)?[kKMB]?", priority = 10)]
    Number,
    #[regex(r"-?\$[0-9][0-9_]*(\.[0-9][0-9_]*)?[kKMB]?", priority = 10)]
    Money,
    #[regex(r"-?[0-9][0-9_]*(\.[0-9][0-9_]*)?%", priority = 10)]
    Percent,
    #[regex(r"[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]", priority = 10)]
    Date,
    #[regex(r"[0-9][0-9_]*(d|w|mo|y)", priority = 10)]
    Duration,
    /// Digits run into letters (`30dx`, `5mm`): not a literal of any type.
    #[regex(r"-?[0-9][0-9_]*(\.[0-9][0-9_]*)?\p{XID_Continue}+", priority = 1)]
    BadLiteral,
    #[regex(r#""([^"\\\r\n]|\\[^\r\n])*""#)]
    String,
    #[regex(r#""([^"\\\r\n]|\\[^\r\n])*"#)]
    UnterminatedString,
    #[token("{")]
    LBrace,
    #[token("}")]
    RBrace,
    #[token("(")]
    LParen,
    #[token(")")]
    RParen,
    #[token("[")]
    LBracket,
    #[token("]")]
    RBracket,
    #[token("<")]
    Lt,
    #[token(">")]
    Gt,
    #[token("<=")]
    Le,
    #[token(">=")]
    Ge,
    #[token("==")]
    EqEq,
    #[token("!=")]
    Ne,
    #[token("=")]
    Eq,
    #[token("=>")]
    FatArrow,
    #[token(":")]
    Colon,
    #[token(",")]
    Comma,
    #[token("?")]
    Question,
    #[token("..")]
    DotDot,
    #[token("..=")]
    DotDotEq,
    /// A character that starts no token.
    Unknown,
}

impl TokenKind {
    pub fn is_trivia(self) -> bool {
        matches!(
            self,
            TokenKind::Whitespace | TokenKind::Newline | TokenKind::Comment | TokenKind::DocComment
        )
    }

    pub fn is_punct(self) -> bool {
        use TokenKind::*;
        matches!(
            self,
            LBrace
                | RBrace
                | LParen
                | RParen
                | LBracket
                | RBracket
                | Lt
                | Gt
                | Le
                | Ge
                | EqEq
                | Ne
                | Eq
                | FatArrow
                | Colon
                | Comma
                | Question
                | DotDot
                | DotDotEq
        )
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Token {
    pub kind: TokenKind,
    pub start: u32,
    pub end: u32,
}

impl Token {
    pub fn text(self, source: &str) -> &str {
        source
            .get(self.start as usize..self.end as usize)
            .unwrap_or("")
    }
}

/// Every word the grammar gives a meaning to. Only the first group is
/// reserved (cannot name a field); the rest are keywords where they appear.
pub const RESERVED: &[&str] = &[
    "and",
    "or",
    "not",
    "in",
    "has",
    "is",
    "within",
    "matches",
    "true",
    "false",
    "weight",
    "because",
    "decay",
    "otherwise",
];
pub const KEYWORDS: &[&str] = &[
    "import",
    "enum",
    "schema",
    "set",
    "key",
    "from",
    "blank",
    "fraction",
    "display",
    "segment",
    "icp",
    "for",
    "extends",
    "owner",
    "reviewed",
    "every",
    "drop",
    "override",
    "filter",
    "exclude",
    "signal",
    "points",
    "by",
    "half_life",
    "job",
    "group",
    "cap",
    "tier",
    "persona",
    "test",
    "as_of",
    "given",
    "expect",
    "no",
    "excluded",
    "passes",
    "fires",
    "silent",
    "unknown",
    "any",
    "all",
    "none",
    "missing",
    "known",
];

pub fn is_keyword(word: &str) -> bool {
    RESERVED.contains(&word) || KEYWORDS.contains(&word)
}

/// Lexes the whole text. Never fails: unmatched bytes become `Unknown` tokens.
pub fn lex(source: &str) -> Vec<Token> {
    let mut tokens = Vec::with_capacity(source.len() / 4);
    let mut lexer = TokenKind::lexer(source);
    while let Some(result) = lexer.next() {
        let span = lexer.span();
        let kind = result.unwrap_or(TokenKind::Unknown);
        let (start, end) = (span.start as u32, span.end as u32);
        // Merge runs of unknown bytes into one token so binary input yields few tokens.
        if kind == TokenKind::Unknown {
            if let Some(last) = tokens.last_mut() {
                let last: &mut Token = last;
                if last.kind == TokenKind::Unknown && last.end == start {
                    last.end = end;
                    continue;
                }
            }
        }
        tokens.push(Token { kind, start, end });
    }
    tokens
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<(TokenKind, &str)> {
        lex(src)
            .into_iter()
            .filter(|t| !t.kind.is_trivia())
            .map(|t| (t.kind, t.text(src)))
            .collect()
    }

    #[test]
    fn literals_with_suffixes_and_ranges() {
        use TokenKind::*;
        assert_eq!(
            kinds("500..=2000 $1.5M 250k 30% 2026-09-01 6mo 12w -10 30dx"),
            vec![
                (Number, "500"),
                (DotDotEq, "..="),
                (Number, "2000"),
                (Money, "$1.5M"),
                (Number, "250k"),
                (Percent, "30%"),
                (Date, "2026-09-01"),
                (Duration, "6mo"),
                (Duration, "12w"),
                (Number, "-10"),
                (BadLiteral, "30dx"),
            ]
        );
    }

    #[test]
    fn comments_are_trivia_and_doc_comments_distinct() {
        let toks = lex("/// doc\n// plain\nx");
        assert_eq!(toks.first().map(|t| t.kind), Some(TokenKind::DocComment));
        assert_eq!(toks.get(2).map(|t| t.kind), Some(TokenKind::Comment));
    }

    #[test]
    fn unicode_identifiers_and_unterminated_strings() {
        use TokenKind::*;
        assert_eq!(
            kinds("przemysł 行业 \"abc"),
            vec![
                (Ident, "przemysł"),
                (Ident, "行业"),
                (UnterminatedString, "\"abc")
            ]
        );
    }

    #[test]
    fn tokens_cover_every_byte() {
        let src = "icp x \u{0}\u{1} for A { @@ }";
        let toks = lex(src);
        let mut at = 0;
        for t in &toks {
            assert_eq!(t.start, at);
            at = t.end;
        }
        assert_eq!(at as usize, src.len());
    }
}
