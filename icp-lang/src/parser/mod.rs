//! Text to syntax tree. Parsing never fails: it returns a tree of everything
//! that parsed plus a diagnostic for everything that did not.
//!
//! pest stops at the first error, so the file is cut into top-level items
//! with the logos token stream and each item is parsed on its own. When an
//! ICP or schema does not parse, its body is cut again into members (fields)
//! and each is parsed alone, so one typo costs one member, not the file.

mod build;
mod repair;

use crate::ast::{self, Item};
use crate::diagnostic::Diagnostic;
use crate::lexer::{lex, Token, TokenKind};
use crate::span::{FileId, Span};
use pest::Parser as _;

#[derive(pest_derive::Parser)]
#[grammar = "../../grammar/icp.pest"]
pub struct IcpParser;

/// Deeper nesting of brackets is refused before pest sees it (E0104).
pub const MAX_NESTING: usize = 64;

const ITEM_KEYWORDS: &[&str] = &[
    "import", "enum", "schema", "segment", "icp", "persona", "job",
];
const MEMBER_KEYWORDS: &[&str] = &[
    "owner", "reviewed", "filter", "exclude", "signal", "group", "tier", "persona", "job", "drop",
    "test", "override",
];
const GROUP_KEYWORDS: &[&str] = &["filter", "exclude", "signal", "override"];

pub struct Parsed {
    pub ast: ast::File,
    pub tokens: Vec<Token>,
    pub diagnostics: Vec<Diagnostic>,
    /// Names of items and members that failed to parse; the checker does not
    /// report uses of them as unknown, since the real error is the syntax.
    pub broken_names: Vec<String>,
}

pub fn parse(file: FileId, src: &str) -> Parsed {
    let tokens = lex(src);
    let sig: Vec<usize> = tokens
        .iter()
        .enumerate()
        .filter(|(_, t)| !t.kind.is_trivia())
        .map(|(i, _)| i)
        .collect();
    let mut p = Parsing {
        file,
        src,
        tokens: &tokens,
        sig: &sig,
        diags: Vec::new(),
        broken: Vec::new(),
        bad_offsets: Vec::new(),
    };
    p.lexical_errors();
    let chunks = p.split(0..sig.len(), ITEM_KEYWORDS, true);
    let threads = if src.len() < PARALLEL_BYTES {
        1
    } else {
        std::thread::available_parallelism()
            .map(usize::from)
            .unwrap_or(1)
            .clamp(1, 8)
    };
    let mut items = Vec::new();
    if threads == 1 || chunks.len() < 2 * threads {
        for chunk in chunks {
            p.item(chunk, &mut items);
        }
    } else {
        // A large file (the editor's 5,000-line ICP): its items are parsed on
        // every core, each run of items by a parser of its own, and the
        // results joined in source order, so nothing depends on timing.
        let per = chunks.len().div_ceil(threads);
        let runs: Vec<&[Chunk]> = chunks.chunks(per).collect();
        let results: Vec<(Vec<Item>, Vec<Diagnostic>, Vec<String>)> = std::thread::scope(|scope| {
            let handles: Vec<_> = runs
                .iter()
                .map(|run| {
                    let mut q = p.fork();
                    scope.spawn(move || {
                        let mut items = Vec::new();
                        for chunk in run.iter() {
                            q.item(chunk.clone(), &mut items);
                        }
                        (items, q.diags, q.broken)
                    })
                })
                .collect();
            handles
                .into_iter()
                .zip(&runs)
                .map(|(h, run)| {
                    h.join().unwrap_or_else(|_| {
                        // A panic is a bug; parse the run here so it surfaces.
                        let mut q = p.fork();
                        let mut items = Vec::new();
                        for chunk in run.iter() {
                            q.item(chunk.clone(), &mut items);
                        }
                        (items, q.diags, q.broken)
                    })
                })
                .collect()
        });
        for (run_items, diags, broken) in results {
            items.extend(run_items);
            p.diags.extend(diags);
            p.broken.extend(broken);
        }
    }
    let Parsing { diags, broken, .. } = p;
    Parsed {
        ast: ast::File { items },
        tokens,
        diagnostics: diags,
        broken_names: broken,
    }
}

/// Files at least this large have their items parsed on several threads.
const PARALLEL_BYTES: usize = 64 * 1024;

/// A run of significant tokens: indices into `Parsing::sig`.
type Chunk = std::ops::Range<usize>;

struct Parsing<'a> {
    file: FileId,
    src: &'a str,
    tokens: &'a [Token],
    /// Indices of the non-trivia tokens.
    sig: &'a [usize],
    diags: Vec<Diagnostic>,
    broken: Vec<String>,
    /// Start offsets of tokens that already have a lexical or nesting error;
    /// a chunk containing one is not handed to pest (its error would repeat).
    bad_offsets: Vec<u32>,
}

impl<'a> Parsing<'a> {
    /// A parser for some of the same file's items, with no findings yet.
    fn fork(&self) -> Parsing<'a> {
        Parsing {
            file: self.file,
            src: self.src,
            tokens: self.tokens,
            sig: self.sig,
            diags: Vec::new(),
            broken: Vec::new(),
            bad_offsets: self.bad_offsets.clone(),
        }
    }

    fn tok(&self, sig_index: usize) -> Option<Token> {
        self.sig
            .get(sig_index)
            .and_then(|&i| self.tokens.get(i))
            .copied()
    }

    fn text(&self, t: Token) -> &'a str {
        t.text(self.src)
    }

    fn span(&self, start: u32, end: u32) -> Span {
        Span {
            file: self.file,
            start,
            end,
        }
    }

    fn lexical_errors(&mut self) {
        let mut depth = 0usize;
        let mut reported_depth = false;
        // `not not not ...` nests like brackets do.
        let mut nots = 0usize;
        // A date written with slashes is one finding, not one per slash.
        let mut covered_until = 0u32;
        for (k, &i) in self.sig.iter().enumerate() {
            let Some(&t) = self.tokens.get(i) else {
                continue;
            };
            let span = self.span(t.start, t.end);
            let text = t.text(self.src);
            nots = if t.kind == TokenKind::Ident && text == "not" {
                nots + 1
            } else {
                0
            };
            if nots == MAX_NESTING + 1 {
                self.bad_offsets.push(t.start);
                self.diags.push(
                    Diagnostic::new(
                        "E0104",
                        span,
                        format!("more than {MAX_NESTING} `not`s in a row"),
                    )
                    .label("too deep")
                    .help("two `not`s cancel out; remove them in pairs"),
                );
            }
            let diag = match t.kind {
                TokenKind::Unknown if t.start < covered_until => None,
                TokenKind::Unknown => {
                    let near = |d: isize| {
                        k.checked_add_signed(d)
                            .and_then(|j| self.sig.get(j))
                            .and_then(|&j| self.tokens.get(j))
                            .copied()
                    };
                    let d = unexpected_character(span, text);
                    Some(
                        match slash_date(self.src, [near(-1), near(1), near(2), near(3)], t) {
                            Some((whole, iso, help)) => {
                                covered_until = whole.end;
                                let mut d = Diagnostic::new(
                                    "E0106",
                                    Span::new(self.file, whole.start as usize, whole.end as usize),
                                    format!("`{}` is not a date icp reads", whole.text(self.src)),
                                )
                                .label("dates are written year-month-day")
                                .help(help);
                                if let Some(iso) = iso {
                                    d = d.fix(
                                        format!("write `{iso}`"),
                                        Span::new(
                                            self.file,
                                            whole.start as usize,
                                            whole.end as usize,
                                        ),
                                        iso,
                                    );
                                }
                                d
                            }
                            None => match (text, near(1)) {
                                // `weight +15`: a number needs no sign.
                                ("+", Some(n))
                                    if n.start == t.end
                                        && matches!(
                                            n.kind,
                                            TokenKind::Number
                                                | TokenKind::Money
                                                | TokenKind::Percent
                                        ) =>
                                {
                                    let number = n.text(self.src);
                                    d.help(format!(
                                        "numbers are positive without a sign: write `{number}`"
                                    ))
                                    .fix(
                                        format!("write `{number}`"),
                                        span,
                                        String::new(),
                                    )
                                }
                                _ => d,
                            },
                        },
                    )
                }
                TokenKind::UnterminatedString => Some(
                    Diagnostic::new("E0102", span, "this string has no closing quote")
                        .label("the string starts here and runs to the end of the line")
                        .help("add a closing `\"`; write `\\\"` for a quote inside the string"),
                ),
                TokenKind::BadLiteral => Some(
                    Diagnostic::new(
                        "E0105",
                        span,
                        format!(
                            "`{text}` is not a valid number, money amount, percent or duration"
                        ),
                    )
                    .label("not a literal")
                    .help("numbers may end in `k`, `M` or `B`; durations in `d`, `w`, `mo` or `y`"),
                ),
                TokenKind::LBrace | TokenKind::LParen | TokenKind::LBracket => {
                    depth += 1;
                    if depth > MAX_NESTING && !reported_depth {
                        reported_depth = true;
                        Some(
                            Diagnostic::new(
                                "E0104",
                                span,
                                format!("brackets are nested more than {MAX_NESTING} levels deep"),
                            )
                            .label("too deep")
                            .help("split the condition into named segments"),
                        )
                    } else {
                        None
                    }
                }
                TokenKind::RBrace | TokenKind::RParen | TokenKind::RBracket => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        reported_depth = false;
                    }
                    None
                }
                _ => None,
            };
            if let Some(d) = diag {
                self.bad_offsets.push(t.start);
                self.diags.push(d);
            }
        }
        self.bad_offsets.sort_unstable();
    }

    /// Cuts `range` into pieces, each starting at a keyword from `keywords`
    /// that is the first token on its line and at the range's own bracket
    /// depth. With `at_col0`, a keyword at column 0 starts a piece whatever the
    /// depth, so an unclosed `{` in one item does not swallow the next.
    fn split(&self, range: Chunk, keywords: &[&str], at_col0: bool) -> Vec<Chunk> {
        let mut pieces = Vec::new();
        let mut start = range.start;
        let mut depth = 0usize;
        for si in range.clone() {
            let Some(t) = self.tok(si) else { continue };
            let is_start = si > range.start
                && t.kind == TokenKind::Ident
                && keywords.contains(&self.text(t))
                && self.first_on_line(si)
                && (depth == 0 || (at_col0 && self.at_col0(t)));
            if is_start {
                pieces.push(start..si);
                start = si;
                depth = 0;
            }
            match t.kind {
                TokenKind::LBrace | TokenKind::LParen | TokenKind::LBracket => depth += 1,
                TokenKind::RBrace | TokenKind::RParen | TokenKind::RBracket => {
                    depth = depth.saturating_sub(1)
                }
                _ => {}
            }
        }
        if start < range.end {
            pieces.push(start..range.end);
        }
        pieces
    }

    fn first_on_line(&self, si: usize) -> bool {
        let Some(prev) = si.checked_sub(1).and_then(|p| self.tok(p)) else {
            return true;
        };
        let Some(t) = self.tok(si) else { return false };
        self.src
            .get(prev.end as usize..t.start as usize)
            .is_some_and(|gap| gap.contains(['\n', '\r']))
    }

    fn at_col0(&self, t: Token) -> bool {
        t.start == 0
            || matches!(
                self.src.as_bytes().get(t.start as usize - 1),
                Some(b'\n' | b'\r')
            )
    }

    fn chunk_bounds(&self, chunk: &Chunk) -> Option<(u32, u32)> {
        let first = self.tok(chunk.start)?;
        let last = self.tok(chunk.end.checked_sub(1)?)?;
        Some((first.start, last.end))
    }

    fn has_bad_token(&self, start: u32, end: u32) -> bool {
        let i = self.bad_offsets.partition_point(|&o| o < start);
        self.bad_offsets.get(i).is_some_and(|&o| o < end)
    }

    /// The name right after the chunk's keyword(s), for `broken_names`.
    fn chunk_name(&self, chunk: &Chunk) -> Option<String> {
        chunk
            .clone()
            .filter_map(|si| self.tok(si))
            .filter(|t| t.kind == TokenKind::Ident)
            .map(|t| self.text(t))
            .find(|w| !crate::lexer::is_keyword(w))
            .map(str::to_string)
    }

    fn item(&mut self, chunk: Chunk, items: &mut Vec<Item>) {
        let Some((start, end)) = self.chunk_bounds(&chunk) else {
            return;
        };
        let keyword = self.tok(chunk.start).map(|t| self.text(t)).unwrap_or("");
        if !self.has_bad_token(start, end) {
            match self.parse_build(Rule::item_only, start, end, "", |b, p| b.item_only(p)) {
                Ok(item) => {
                    items.extend(item);
                    return;
                }
                Err(e) if keyword != "icp" && keyword != "schema" => {
                    self.syntax_error(*e, start, end, Rule::item_only, "");
                }
                Err(_) => {}
            }
        }
        if let Some(name) = self.chunk_name(&chunk) {
            self.broken.push(name);
        }
        match keyword {
            "icp" => {
                if let Some(item) = self.recover_block(chunk, MEMBER_KEYWORDS, Rule::member_only) {
                    items.push(item);
                }
            }
            "schema" => {
                if let Some(item) = self.recover_block(chunk, &[], Rule::field_only) {
                    items.push(item);
                }
            }
            _ => {}
        }
    }

    /// Parses `head {` on its own, then each member of the body on its own,
    /// and puts together the item from the pieces that parsed.
    fn recover_block(
        &mut self,
        chunk: Chunk,
        keywords: &[&str],
        member_rule: Rule,
    ) -> Option<Item> {
        let (start, end) = self.chunk_bounds(&chunk)?;
        let open = chunk
            .clone()
            .find(|&si| self.tok(si).is_some_and(|t| t.kind == TokenKind::LBrace));
        let Some(open) = open else {
            // No body at all: the header's own error is the whole story.
            if let Err(e) = self.parse_build(Rule::item_only, start, end, "", |b, p| b.item_only(p))
            {
                self.syntax_error(*e, start, end, Rule::item_only, "");
            }
            return None;
        };
        let open_tok = self.tok(open)?;
        let body = self.body_range(open, chunk.end);
        let closed = body.end < chunk.end;
        let head = if self.has_bad_token(start, open_tok.end) {
            None
        } else {
            match self.parse_build(Rule::item_only, start, open_tok.end, "}", |b, p| {
                b.item_only(p)
            }) {
                Ok(item) => item,
                Err(e) => {
                    self.syntax_error(*e, start, open_tok.end, Rule::item_only, "}");
                    None
                }
            }
        };
        if !closed {
            self.diags.push(
                Diagnostic::new(
                    "E0101",
                    self.span(open_tok.start, open_tok.end),
                    "this `{` is never closed",
                )
                .label("opened here")
                .help("add the matching `}` at the end of the block"),
            );
        }
        let pieces = if member_rule == Rule::field_only {
            self.split_fields(body.clone())
        } else {
            self.split(body.clone(), keywords, false)
        };
        let mut members = Vec::new();
        for piece in pieces {
            self.member(piece, member_rule, &mut members);
        }
        // Anything after the closing brace inside this chunk is stray text.
        if closed && body.end + 1 < chunk.end {
            if let Some(t) = self.tok(body.end + 1) {
                if !self.has_bad_token(t.start, t.end) {
                    self.diags.push(
                        Diagnostic::new(
                            "E0101",
                            self.span(t.start, t.end),
                            format!(
                                "unexpected {} after the end of the block",
                                describe(self.text(t), t.kind)
                            ),
                        )
                        .label("expected a new item such as `icp`, `schema` or `enum`"),
                    );
                }
            }
        }
        let mut item = head?;
        match &mut item {
            Item::Icp(icp) => {
                icp.span = self.span(start, end);
                icp.members = members.into_iter().filter_map(Piece::into_member).collect();
            }
            Item::Schema(schema) => {
                schema.span = self.span(start, end);
                schema.fields = members.into_iter().filter_map(Piece::into_field).collect();
            }
            _ => {}
        }
        Some(item)
    }

    /// The tokens strictly inside the block opened at `open`; ends at the
    /// matching `}` or at `limit`.
    fn body_range(&self, open: usize, limit: usize) -> Chunk {
        let mut depth = 0usize;
        for si in open..limit {
            match self.tok(si).map(|t| t.kind) {
                Some(TokenKind::LBrace | TokenKind::LParen | TokenKind::LBracket) => depth += 1,
                Some(TokenKind::RBrace | TokenKind::RParen | TokenKind::RBracket) => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        return open + 1..si;
                    }
                }
                _ => {}
            }
        }
        open + 1..limit
    }

    /// Schema fields start at a name that is first on its line, or at a
    /// `name:` after a comma.
    fn split_fields(&self, range: Chunk) -> Vec<Chunk> {
        let mut pieces = Vec::new();
        let mut start = range.start;
        let mut depth = 0usize;
        for si in range.clone() {
            let Some(t) = self.tok(si) else { continue };
            let next_is_colon = self.tok(si + 1).is_some_and(|n| n.kind == TokenKind::Colon);
            let after_comma = si
                .checked_sub(1)
                .and_then(|p| self.tok(p))
                .is_some_and(|p| p.kind == TokenKind::Comma);
            if si > range.start
                && depth == 0
                && t.kind == TokenKind::Ident
                && next_is_colon
                && (self.first_on_line(si) || after_comma)
            {
                pieces.push(start..si);
                start = si;
            }
            match t.kind {
                TokenKind::LBrace | TokenKind::LParen | TokenKind::LBracket | TokenKind::Lt => {
                    depth += 1
                }
                TokenKind::RBrace | TokenKind::RParen | TokenKind::RBracket | TokenKind::Gt => {
                    depth = depth.saturating_sub(1)
                }
                _ => {}
            }
        }
        if start < range.end {
            pieces.push(start..range.end);
        }
        pieces
    }

    fn member(&mut self, piece: Chunk, rule: Rule, out: &mut Vec<Piece>) {
        let Some((start, end)) = self.chunk_bounds(&piece) else {
            return;
        };
        if self.has_bad_token(start, end) {
            self.mark_broken(&piece);
            return;
        }
        let built = self.parse_build(rule, start, end, "", |b, pair| match rule {
            Rule::field_only => b.field_only(pair).map(Piece::Field),
            Rule::group_member_only => b
                .group_member_only(pair)
                .map(|r| Piece::Member(Box::new(ast::Member::Rule(r)))),
            _ => b.member_only(pair).map(|m| Piece::Member(Box::new(m))),
        });
        match built {
            Ok(piece) => out.extend(piece),
            Err(e) => {
                self.mark_broken(&piece);
                let is_group = self.first_word(&piece, "group");
                if rule == Rule::member_only && is_group {
                    if let Some(group) = self.recover_group(piece) {
                        out.push(Piece::Member(Box::new(ast::Member::Group(group))));
                    }
                } else {
                    self.syntax_error(*e, start, end, rule, "");
                }
            }
        }
    }

    fn first_word(&self, piece: &Chunk, word: &str) -> bool {
        piece
            .clone()
            .take(2)
            .filter_map(|si| self.tok(si))
            .any(|t| self.text(t) == word)
    }

    fn mark_broken(&mut self, piece: &Chunk) {
        if let Some(name) = self.chunk_name(piece) {
            self.broken.push(name);
        }
    }

    fn recover_group(&mut self, piece: Chunk) -> Option<ast::Group> {
        let (start, end) = self.chunk_bounds(&piece)?;
        let open = piece
            .clone()
            .find(|&si| self.tok(si).is_some_and(|t| t.kind == TokenKind::LBrace))?;
        let open_tok = self.tok(open)?;
        let body = self.body_range(open, piece.end);
        let head = match self.parse_build(Rule::member_only, start, open_tok.end, "}", |b, p| {
            b.member_only(p)
        }) {
            Ok(member) => member,
            Err(e) => {
                self.syntax_error(*e, start, open_tok.end, Rule::member_only, "}");
                None
            }
        };
        if body.end >= piece.end {
            self.diags.push(
                Diagnostic::new(
                    "E0101",
                    self.span(open_tok.start, open_tok.end),
                    "this `{` is never closed",
                )
                .label("opened here")
                .help("add the matching `}` at the end of the group"),
            );
        }
        let mut rules = Vec::new();
        for p in self.split(body, GROUP_KEYWORDS, false) {
            self.member(p, Rule::group_member_only, &mut rules);
        }
        match head {
            Some(ast::Member::Group(mut g)) => {
                g.span = self.span(start, end);
                g.rules = rules
                    .into_iter()
                    .filter_map(|p| match p.into_member() {
                        Some(ast::Member::Rule(r)) => Some(r),
                        _ => None,
                    })
                    .collect();
                Some(g)
            }
            _ => None,
        }
    }

    /// Runs pest on `src[start..end] + suffix` (the suffix closes a header
    /// cut off from its body) and builds the tree from the pairs in the same
    /// scope, since pairs borrow the text they were parsed from.
    fn parse_build<T>(
        &mut self,
        rule: Rule,
        start: u32,
        end: u32,
        suffix: &str,
        f: impl FnOnce(&mut build::Builder<'_>, pest::iterators::Pair<'_, Rule>) -> Option<T>,
    ) -> Result<Option<T>, PestError> {
        let text = self.src.get(start as usize..end as usize).unwrap_or("");
        let owned;
        let input = if suffix.is_empty() {
            text
        } else {
            owned = format!("{text}{suffix}");
            owned.as_str()
        };
        let mut pairs = IcpParser::parse(rule, input).map_err(Box::new)?;
        let Some(pair) = pairs.next() else {
            return Ok(None);
        };
        let mut b = build::Builder::new(self.file, self.src, self.tokens, start);
        let out = f(&mut b, pair);
        let (diags, failed) = b.finish();
        self.diags.extend(diags);
        if out.is_none() && !failed {
            // The tree had a shape the builder did not expect: a bug, but the
            // user still deserves a located message rather than silence.
            self.diags.push(
                Diagnostic::new(
                    "E0101",
                    self.span(start, end),
                    "icp could not read this item; please report this as a bug",
                )
                .label("not understood"),
            );
        }
        Ok(out)
    }

    fn syntax_error(
        &mut self,
        err: pest::error::Error<Rule>,
        start: u32,
        end: u32,
        rule: Rule,
        suffix: &str,
    ) {
        let d = build::syntax_error(self, err, start, end, rule, suffix);
        self.diags.push(d);
    }
}

type PestError = Box<pest::error::Error<Rule>>;

enum Piece {
    Member(Box<ast::Member>),
    Field(ast::Field),
}

impl Piece {
    fn into_member(self) -> Option<ast::Member> {
        match self {
            Piece::Member(m) => Some(*m),
            Piece::Field(_) => None,
        }
    }

    fn into_field(self) -> Option<ast::Field> {
        match self {
            Piece::Field(f) => Some(f),
            Piece::Member(_) => None,
        }
    }
}

/// `11/15/2026` at the first slash: the whole date (month/day/year or
/// day/month/year), the ISO date when only one reading is possible, and
/// help. `around` holds the tokens before the slash and the three after it.
fn slash_date(
    src: &str,
    around: [Option<Token>; 4],
    slash: Token,
) -> Option<(Token, Option<String>, String)> {
    let [Some(a), Some(b), Some(slash2), Some(c)] = around else {
        return None;
    };
    let num = |t: Token| -> Option<u32> {
        (t.kind == TokenKind::Number)
            .then(|| t.text(src).parse().ok())
            .flatten()
    };
    let (x, y, year) = (num(a)?, num(b)?, num(c)?);
    let adjacent = a.end == slash.start
        && slash.end == b.start
        && b.end == slash2.start
        && slash2.end == c.start;
    if !adjacent
        || slash.text(src) != "/"
        || slash2.text(src) != "/"
        || !(1000..=9999).contains(&year)
    {
        return None;
    }
    let whole = Token {
        kind: TokenKind::Date,
        start: a.start,
        end: c.end,
    };
    let iso = |m: u32, d: u32| {
        crate::ast::Date::new(year as i32, m, d).map(|_| format!("{year:04}-{m:02}-{d:02}"))
    };
    let (us, eu) = (iso(x, y), iso(y, x));
    Some(match (us, eu) {
        (Some(u), Some(e)) if u != e => (
            whole,
            None,
            format!("write dates year-month-day: `{u}` if this is month/day, `{e}` if day/month"),
        ),
        (Some(u), _) | (None, Some(u)) => (
            whole,
            Some(u.clone()),
            format!("write dates year-month-day: `{u}`"),
        ),
        (None, None) => return None,
    })
}

fn unexpected_character(span: Span, text: &str) -> Diagnostic {
    let shown: String = text.chars().take(8).flat_map(char::escape_debug).collect();
    let d = Diagnostic::new("E0106", span, format!("unexpected character `{shown}`"))
        .label("not part of the language");
    match text {
        t if t.starts_with("&&") || t.starts_with('&') => d.help("combine conditions with `and`"),
        t if t.starts_with("||") || t.starts_with('|') => d.help("combine conditions with `or`"),
        t if t.starts_with('!') => d.help("negate a condition with `not`"),
        t if t.starts_with('#') => d.help("comments start with `//`"),
        t if t.starts_with('\'') => d.help("strings use double quotes: `\"...\"`"),
        t if t.starts_with(';') => {
            d.help("separate list items with `,`; a `;` list belongs in the CSV, not the ICP")
        }
        _ => d,
    }
}

/// How a token is named in a message.
fn describe(text: &str, kind: TokenKind) -> String {
    match kind {
        TokenKind::String => "a string".to_string(),
        TokenKind::Unknown => "an unexpected character".to_string(),
        _ => {
            let short: String = text.chars().take(24).collect();
            format!("`{short}`")
        }
    }
}
