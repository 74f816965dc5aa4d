//! The canonical layout (`icp fmt`). It rewrites only white space between
//! tokens, so the tokens, and therefore the syntax tree and every comment,
//! are the same before and after; line breaks are the author's.
//!
//! The style (docs/style.md): two spaces of indentation per `{`; a line that
//! continues a rule (`because`, `weight`, `decay`, `and`, `or`, inside `(` or
//! `[`) one level more; one space between words and around operators; none
//! inside `( )` and `[ ]`, before `,` `:` `?` or around `..`; at most one blank
//! line, none after `{` or before `}`; no trailing spaces; one final newline.

use crate::diagnostic::Diagnostic;
use crate::lexer::{lex, Token, TokenKind};
use crate::span::FileId;

/// The file in canonical layout, or the syntax errors that prevent it.
pub fn format_source(file: FileId, src: &str) -> Result<String, Vec<Diagnostic>> {
    let parsed = crate::parser::parse(file, src);
    let errors: Vec<Diagnostic> = parsed
        .diagnostics
        .into_iter()
        .filter(|d| d.code.starts_with("E01"))
        .collect();
    if !errors.is_empty() {
        return Err(errors);
    }
    let out = layout(src, &parsed.tokens);
    // Never hand back text that reads differently: a layout bug would
    // otherwise rewrite someone's ICP.
    if significant(&out) != significant(src) {
        let span = crate::span::Span::new(file, 0, 0);
        return Err(vec![Diagnostic::new(
            "E0101",
            span,
            "icp fmt would change this file's tokens; please report this as a bug",
        )
        .label("left unchanged")]);
    }
    Ok(out)
}

fn layout(src: &str, tokens: &[Token]) -> String {
    // Lines of significant tokens and comments, as the author broke them.
    let mut lines: Vec<Vec<Token>> = vec![Vec::new()];
    let mut blank_before: Vec<bool> = vec![false];
    let mut newlines = 0;
    for t in tokens {
        match t.kind {
            TokenKind::Whitespace => {}
            TokenKind::Newline => {
                newlines += 1;
                if lines.last().is_some_and(|l| !l.is_empty()) {
                    lines.push(Vec::new());
                    blank_before.push(false);
                } else if newlines >= 2 {
                    if let Some(b) = blank_before.last_mut() {
                        *b = true;
                    }
                }
            }
            _ => {
                if lines.last().is_some_and(Vec::is_empty) {
                    newlines = 0;
                }
                if let Some(l) = lines.last_mut() {
                    l.push(*t);
                }
            }
        }
    }
    let mut out = String::with_capacity(src.len());
    let mut depth: usize = 0;
    let mut group: usize = 0; // open ( and [
    let mut in_type: usize = 0; // open `set<`
    let mut prev_line_opened = true;
    for (line, blank) in lines.iter().zip(&blank_before) {
        let Some(first) = line.first() else { continue };
        let closes_first = first.kind == TokenKind::RBrace;
        let line_depth = if closes_first {
            depth.saturating_sub(1)
        } else {
            depth
        };
        let word = first.text(src);
        let continues = group > 0
            || (first.kind == TokenKind::Ident
                && matches!(word, "because" | "weight" | "decay" | "and" | "or"));
        if *blank && !out.is_empty() && !prev_line_opened && !closes_first {
            out.push('\n');
        }
        out.push_str(&"  ".repeat(line_depth + usize::from(continues)));
        let mut prev: Option<Token> = None;
        for t in line {
            if let Some(p) = prev {
                if p.kind == TokenKind::Ident && p.text(src) == "set" && t.kind == TokenKind::Lt {
                    in_type += 1;
                }
                if space_between(src, p, *t, in_type > 0) {
                    out.push(' ');
                }
            }
            out.push_str(t.text(src));
            match t.kind {
                TokenKind::Gt if in_type > 0 => in_type -= 1,
                TokenKind::LBrace => depth += 1,
                TokenKind::RBrace => depth = depth.saturating_sub(1),
                TokenKind::LParen | TokenKind::LBracket => group += 1,
                TokenKind::RParen | TokenKind::RBracket => group = group.saturating_sub(1),
                _ => {}
            }
            prev = Some(*t);
        }
        prev_line_opened = line.last().is_some_and(|t| t.kind == TokenKind::LBrace);
        out.push('\n');
    }
    out
}

/// Whether a space goes between two tokens on a line; `in_type` says the
/// cursor is inside `set<...>`, where `<` and `>` are brackets.
fn space_between(src: &str, a: Token, b: Token, in_type: bool) -> bool {
    use TokenKind::*;
    if matches!(b.kind, Comment | DocComment) {
        return true;
    }
    match (a.kind, b.kind) {
        (_, Comma | Colon | Question | RParen | RBracket) => false,
        (LParen | LBracket, _) => false,
        // Ranges hug their bounds (`1..=5`, `5000..`, `..500`), but an open
        // end keeps its space before `=>`, which would read as `..=` `>`.
        (DotDot | DotDotEq, Number | Money | Percent | Date) => false,
        (Number | Money | Percent | Date, DotDot | DotDotEq) => false,
        (Ident, Lt) if a.text(src) == "set" => false,
        (Lt, _) | (_, Gt) if in_type => false,
        _ => true,
    }
}

/// The tokens that carry meaning, as text: equal before and after formatting.
pub fn significant(src: &str) -> Vec<String> {
    lex(src)
        .into_iter()
        .filter(|t| !matches!(t.kind, TokenKind::Whitespace | TokenKind::Newline))
        .map(|t| t.text(src).to_string())
        .collect()
}

/// The formatting of `src` as the smallest edits: only the white space
/// between tokens that changed, as (byte range in `src`, new text), in
/// order. `None` when the two texts differ in more than white space.
pub fn whitespace_edits(src: &str, formatted: &str) -> Option<Vec<(u32, u32, String)>> {
    let solid = |text: &str| -> Vec<(u32, u32)> {
        lex(text)
            .into_iter()
            .filter(|t| !matches!(t.kind, TokenKind::Whitespace | TokenKind::Newline))
            .map(|t| (t.start, t.end))
            .collect()
    };
    let (a, b) = (solid(src), solid(formatted));
    if a.len() != b.len() {
        return None;
    }
    let text = |s: &str, (x, y): (u32, u32)| s.get(x as usize..y as usize).map(str::to_string);
    let mut edits = Vec::new();
    // The gaps: before the first token, between tokens, after the last.
    let mut gap_a = 0u32;
    let mut gap_b = 0u32;
    for (ta, tb) in a.iter().zip(&b).chain(std::iter::once((
        &(src.len() as u32, src.len() as u32),
        &(formatted.len() as u32, formatted.len() as u32),
    ))) {
        let before = text(src, (gap_a, ta.0))?;
        let after = text(formatted, (gap_b, tb.0))?;
        if before != after {
            edits.push((gap_a, ta.0, after));
        }
        if text(src, *ta)? != text(formatted, *tb)? {
            return None;
        }
        gap_a = ta.1;
        gap_b = tb.1;
    }
    Some(edits)
}

/// The line end a file uses: that of its first line (LF, CRLF or a lone CR;
/// LF when it has one line).
pub fn line_end(src: &str) -> &'static str {
    let Some(i) = src.find(['\r', '\n']) else {
        return "\n";
    };
    match src.as_bytes().get(i..i + 2) {
        Some(b"\r\n") => "\r\n",
        _ if src.as_bytes().get(i) == Some(&b'\r') => "\r",
        _ => "\n",
    }
}

/// Whether a file's first line ends in CRLF.
pub fn uses_crlf(src: &str) -> bool {
    line_end(src) == "\r\n"
}

/// [`format_source`] for a whole file as saved: the file keeps its own line
/// end (that of its first line: LF, CRLF or a lone CR) on every line, so a
/// CRLF file stays CRLF, an old Mac file stays CR, and one with mixed ends
/// comes out consistent. (The lexer reads all three as line ends, so the
/// layout itself writes LF.)
pub fn format_file(file: FileId, src: &str) -> Result<String, Vec<Diagnostic>> {
    let formatted = format_source(file, src)?;
    Ok(match line_end(src) {
        "\n" => formatted,
        end => formatted.replace('\n', end),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(s: &str) -> String {
        format_source(FileId(0), s).unwrap_or_else(|_| "<syntax errors>".into())
    }

    #[test]
    fn canonical_spacing_and_indentation() {
        let messy = "schema   A{\nid : text key\n   tags:set < text >?\n}\n\n\n\nicp i for A {\n\n   filter f:tags has any[ \"a\" ,\"b\" ]   // why\n      because \"x\"\n  signal s : n in 1 ..= 5 weight 3\n\n}\n";
        assert_eq!(
            fmt(messy),
            "schema A {\n  id: text key\n  tags: set<text>?\n}\n\nicp i for A {\n  filter f: tags has any [\"a\", \"b\"] // why\n    because \"x\"\n  signal s: n in 1..=5 weight 3\n}\n"
        );
    }

    #[test]
    fn comparisons_keep_their_spaces() {
        assert_eq!(
            fmt("segment s = n<5 and n>2\n"),
            "segment s = n < 5 and n > 2\n"
        );
    }

    #[test]
    fn open_ranges_keep_their_arrow() {
        let src = "icp i for A {\n  signal s: points by n {\n    ..2 => 1\n    5.. => 3\n  }\n}\n";
        assert_eq!(fmt(src), src);
    }

    #[test]
    fn edits_are_the_changed_white_space_only() {
        let src = "schema   A{\nid : text key\n}\n";
        let formatted = fmt(src);
        let edits = whitespace_edits(src, &formatted).unwrap();
        let mut out = src.to_string();
        for (start, end, text) in edits.iter().rev() {
            out.replace_range(*start as usize..*end as usize, text);
        }
        assert_eq!(out, formatted);
        // `schema   A`, `A{`, the indent of `id` and `id :`; the gaps already
        // right (`text key`, the line ends) are no edits.
        let changed: Vec<(&str, &str)> = edits
            .iter()
            .map(|(s, e, t)| (&src[*s as usize..*e as usize], t.as_str()))
            .collect();
        assert_eq!(
            changed,
            [("   ", " "), ("", " "), ("\n", "\n  "), (" ", "")]
        );
        assert_eq!(whitespace_edits(src, "schema B {}\n"), None);
    }

    #[test]
    fn refuses_files_with_syntax_errors() {
        assert!(format_source(FileId(0), "icp x for {").is_err());
    }
}
