//! Byte spans and compiler results to LSP positions and types, in the
//! negotiated encoding.

use icp_lang::diagnostic::{Diagnostic, Severity};
use icp_lang::ide::outline::{Symbol, SymbolKind as Kind, TokenClass};
use icp_lang::ide::position::{Encoding, Position as Pos, PositionIndex};
use icp_lang::span::Span;
use tower_lsp::lsp_types::{self as lsp, SemanticToken, SemanticTokenType};

/// The semantic token types, in legend order.
pub const TOKEN_TYPES: &[SemanticTokenType] = &[
    SemanticTokenType::KEYWORD,
    SemanticTokenType::OPERATOR,
    SemanticTokenType::VARIABLE,
    SemanticTokenType::STRING,
    SemanticTokenType::NUMBER,
    SemanticTokenType::COMMENT,
];

pub struct Converter<'t> {
    text: &'t str,
    index: PositionIndex,
    enc: Encoding,
}

impl<'t> Converter<'t> {
    pub fn new(text: &'t str, enc: Encoding) -> Converter<'t> {
        Converter {
            text,
            index: PositionIndex::new(text),
            enc,
        }
    }

    pub fn position(&self, offset: u32) -> lsp::Position {
        let p = self.index.position(offset, self.enc);
        lsp::Position {
            line: p.line,
            character: p.character,
        }
    }

    pub fn offset(&self, p: lsp::Position) -> u32 {
        self.index.offset(
            Pos {
                line: p.line,
                character: p.character,
            },
            self.enc,
        )
    }

    /// The offset of a position the client says is in the text; `None`
    /// when it is not (no such line, or inside a character).
    pub fn checked_offset(&self, p: lsp::Position) -> Option<u32> {
        self.index.checked_offset(
            Pos {
                line: p.line,
                character: p.character,
            },
            self.enc,
        )
    }

    pub fn range(&self, span: Span) -> lsp::Range {
        lsp::Range {
            start: self.position(span.start),
            end: self.position(span.end),
        }
    }

    pub fn diagnostic(
        &self,
        d: &Diagnostic,
        related: impl Fn(Span) -> Option<lsp::Location>,
    ) -> lsp::Diagnostic {
        let mut message = d.message.clone();
        if !d.primary.message.is_empty() {
            message.push_str(&format!(" ({})", d.primary.message));
        }
        for n in &d.notes {
            message.push_str(&format!("\nnote: {n}"));
        }
        if let Some(h) = &d.help {
            message.push_str(&format!("\nhelp: {h}"));
        }
        let related: Vec<lsp::DiagnosticRelatedInformation> = d
            .secondary
            .iter()
            .filter_map(|l| {
                Some(lsp::DiagnosticRelatedInformation {
                    location: related(l.span)?,
                    message: l.message.clone(),
                })
            })
            .collect();
        lsp::Diagnostic {
            range: self.range(d.primary.span),
            severity: Some(match d.severity {
                Severity::Error => lsp::DiagnosticSeverity::ERROR,
                Severity::Warning => lsp::DiagnosticSeverity::WARNING,
            }),
            code: Some(lsp::NumberOrString::String(d.code.to_string())),
            source: Some("icp".to_string()),
            message,
            related_information: (!related.is_empty()).then_some(related),
            ..Default::default()
        }
    }

    #[allow(deprecated)] // `DocumentSymbol::deprecated` must be written out.
    pub fn symbol(&self, s: &Symbol) -> lsp::DocumentSymbol {
        let kind = match s.kind {
            Kind::Enum => lsp::SymbolKind::ENUM,
            Kind::Schema => lsp::SymbolKind::STRUCT,
            Kind::Segment => lsp::SymbolKind::CONSTANT,
            Kind::Icp => lsp::SymbolKind::CLASS,
            Kind::Filter | Kind::Exclude => lsp::SymbolKind::PROPERTY,
            Kind::Signal => lsp::SymbolKind::FIELD,
            Kind::Group => lsp::SymbolKind::NAMESPACE,
            Kind::Tier => lsp::SymbolKind::ENUM_MEMBER,
            Kind::Persona => lsp::SymbolKind::INTERFACE,
            Kind::Job => lsp::SymbolKind::EVENT,
            Kind::Test => lsp::SymbolKind::METHOD,
        };
        lsp::DocumentSymbol {
            name: s.name.clone(),
            detail: None,
            kind,
            tags: None,
            deprecated: None,
            range: self.range(s.span),
            selection_range: self.range(s.selection),
            children: Some(s.children.iter().map(|c| self.symbol(c)).collect()),
        }
    }

    /// Every token as LSP's relative encoding.
    pub fn semantic_tokens(&self) -> Vec<SemanticToken> {
        self.semantic_tokens_in(0, u32::MAX)
    }

    /// The tokens that overlap `start..end` (bytes), in LSP's relative encoding.
    pub fn semantic_tokens_in(&self, from: u32, to: u32) -> Vec<SemanticToken> {
        let mut out = Vec::new();
        let (mut prev_line, mut prev_start) = (0, 0);
        let tokens = icp_lang::ide::outline::semantic_tokens(self.text)
            .into_iter()
            .filter(|(s, e, _)| *e >= from && *s <= to);
        for (start, end, class) in tokens {
            let token_type = match class {
                TokenClass::Keyword => 0,
                TokenClass::Operator => 1,
                TokenClass::Name => 2,
                TokenClass::String => 3,
                TokenClass::Number => 4,
                TokenClass::Comment | TokenClass::DocComment => 5,
                TokenClass::Invalid => continue,
            };
            let (a, b) = (self.position(start), self.position(end));
            if a.line != b.line {
                continue;
            }
            let delta_line = a.line - prev_line;
            let delta_start = if delta_line == 0 {
                a.character - prev_start
            } else {
                a.character
            };
            out.push(SemanticToken {
                delta_line,
                delta_start,
                length: b.character - a.character,
                token_type,
                token_modifiers_bitset: 0,
            });
            (prev_line, prev_start) = (a.line, a.character);
        }
        out
    }
}
