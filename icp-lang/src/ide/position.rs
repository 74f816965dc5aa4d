//! Editor positions: a line and a column counted in the client's encoding
//! (UTF-8 bytes or UTF-16 code units, negotiated at start-up). The index
//! keeps line starts and, per line, only the non-ASCII characters, so an
//! ASCII line converts in O(1) and no entry per byte is ever stored.
//!
//! A line ends at LF, at CRLF (one line end) or at a lone CR, as LSP counts
//! lines. A column past the end of a line means the end of its content,
//! before the line end, so an edit never lands between a CR and its LF.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf16,
}

/// A zero-based line and column in some encoding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    pub line: u32,
    pub character: u32,
}

/// A non-ASCII character: where it starts in its line (bytes) and its width.
#[derive(Clone, Copy, Debug)]
struct Wide {
    byte: u32,
    utf8_len: u8,
    utf16_len: u8,
}

pub struct PositionIndex {
    line_starts: Vec<u32>,
    /// Where each line's content ends: before its LF, CRLF or CR.
    line_ends: Vec<u32>,
    /// For each line, its non-ASCII characters in order (empty for ASCII lines).
    wide: Vec<Vec<Wide>>,
    len: u32,
}

impl PositionIndex {
    pub fn new(text: &str) -> PositionIndex {
        let mut line_starts = vec![0u32];
        let mut line_ends = Vec::new();
        let mut wide = vec![Vec::new()];
        let bytes = text.as_bytes();
        for (i, c) in text.char_indices() {
            if c == '\n' || (c == '\r' && bytes.get(i + 1) != Some(&b'\n')) {
                let crlf = c == '\n' && i > 0 && bytes.get(i - 1) == Some(&b'\r');
                line_ends.push(i as u32 - u32::from(crlf));
                line_starts.push(i as u32 + 1);
                wide.push(Vec::new());
            } else if !c.is_ascii() {
                let start = line_starts.last().copied().unwrap_or(0);
                if let Some(line) = wide.last_mut() {
                    line.push(Wide {
                        byte: i as u32 - start,
                        utf8_len: c.len_utf8() as u8,
                        utf16_len: c.len_utf16() as u8,
                    });
                }
            }
        }
        line_ends.push(text.len() as u32);
        PositionIndex {
            line_starts,
            line_ends,
            wide,
            len: text.len() as u32,
        }
    }

    /// The position of a byte offset (clamped to the text; an offset inside
    /// a character counts as that character's start, one between a CR and
    /// its LF as the line's end).
    pub fn position(&self, offset: u32, enc: Encoding) -> Position {
        let offset = offset.min(self.len);
        let line = self
            .line_starts
            .partition_point(|&s| s <= offset)
            .saturating_sub(1);
        let start = self.line_starts.get(line).copied().unwrap_or(0);
        let end = self.line_ends.get(line).copied().unwrap_or(self.len);
        let offset = offset.min(end);
        let mut col = offset - start;
        if enc == Encoding::Utf16 {
            for w in self.wide.get(line).map(Vec::as_slice).unwrap_or(&[]) {
                if w.byte >= offset - start {
                    break;
                }
                if w.byte + u32::from(w.utf8_len) > offset - start {
                    // Inside a character: snap to its start.
                    col -= offset - start - w.byte;
                    break;
                }
                col = col - u32::from(w.utf8_len) + u32::from(w.utf16_len);
            }
        } else {
            for w in self.wide.get(line).map(Vec::as_slice).unwrap_or(&[]) {
                if w.byte < offset - start && w.byte + u32::from(w.utf8_len) > offset - start {
                    col = w.byte;
                }
            }
        }
        Position {
            line: line as u32,
            character: col,
        }
    }

    /// The byte offset of a position. A column past the end of its line is
    /// the end of the line's content (before its LF, CRLF or CR); a line
    /// past the end is the end of the text; a column inside a UTF-16
    /// surrogate pair is the character's start.
    pub fn offset(&self, pos: Position, enc: Encoding) -> u32 {
        let Some(&start) = self.line_starts.get(pos.line as usize) else {
            return self.len;
        };
        let end = self
            .line_ends
            .get(pos.line as usize)
            .copied()
            .unwrap_or(self.len);
        let line_len = end - start;
        let wide = self
            .wide
            .get(pos.line as usize)
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        let byte = match enc {
            Encoding::Utf8 => {
                let mut b = pos.character.min(line_len);
                for w in wide {
                    if w.byte < b && w.byte + u32::from(w.utf8_len) > b {
                        b = w.byte;
                    }
                }
                b
            }
            Encoding::Utf16 => {
                // Walk the wide characters, converting units back to bytes.
                let mut units = pos.character;
                let mut byte = 0u32;
                for w in wide {
                    let ascii_run = w.byte - byte;
                    if units <= ascii_run {
                        break;
                    }
                    units -= ascii_run;
                    byte = w.byte;
                    if units < u32::from(w.utf16_len) {
                        units = 0;
                        break;
                    }
                    units -= u32::from(w.utf16_len);
                    byte += u32::from(w.utf8_len);
                }
                (byte + units).min(line_len)
            }
        };
        start + byte
    }

    /// The byte offset of a position the client claims is in the text:
    /// `None` when its line does not exist or its column falls inside a
    /// character (a UTF-16 surrogate pair, a UTF-8 sequence). A column past
    /// the end of its line is the line's end, as LSP says.
    pub fn checked_offset(&self, pos: Position, enc: Encoding) -> Option<u32> {
        let end = *self.line_ends.get(pos.line as usize)?;
        let o = self.offset(pos, enc);
        let line_units = self.position(end, enc).character;
        (pos.character >= line_units || self.position(o, enc) == pos).then_some(o)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every character boundary round-trips, except the one between a CR
    /// and its LF, which is no position (it reads as the line's end).
    fn roundtrip_all(text: &str) {
        let idx = PositionIndex::new(text);
        let b = text.as_bytes();
        for enc in [Encoding::Utf8, Encoding::Utf16] {
            for (i, _) in text
                .char_indices()
                .chain(std::iter::once((text.len(), ' ')))
                .filter(|&(i, _)| !(i > 0 && b[i - 1] == b'\r' && b.get(i) == Some(&b'\n')))
            {
                let p = idx.position(i as u32, enc);
                assert_eq!(
                    idx.offset(p, enc),
                    i as u32,
                    "{enc:?} offset {i} -> {p:?} in {text:?}"
                );
            }
        }
    }

    #[test]
    fn utf16_columns_count_surrogate_pairs_as_two() {
        let text = "a😀b\nżółw 名前 x";
        let idx = PositionIndex::new(text);
        let b = text.find('b').unwrap_or(0) as u32;
        assert_eq!(
            idx.position(b, Encoding::Utf16),
            Position {
                line: 0,
                character: 3
            }
        );
        assert_eq!(
            idx.position(b, Encoding::Utf8),
            Position {
                line: 0,
                character: 5
            }
        );
        let x = text.find('x').unwrap_or(0) as u32;
        assert_eq!(
            idx.position(x, Encoding::Utf16),
            Position {
                line: 1,
                character: 8
            }
        );
        // Inside the emoji's surrogate pair: the emoji's start.
        assert_eq!(
            idx.offset(
                Position {
                    line: 0,
                    character: 2
                },
                Encoding::Utf16
            ),
            1
        );
        // Past the end of a line: the line's end; past the last line: the end.
        assert_eq!(
            idx.offset(
                Position {
                    line: 0,
                    character: 99
                },
                Encoding::Utf16
            ),
            6
        );
        assert_eq!(
            idx.offset(
                Position {
                    line: 9,
                    character: 0
                },
                Encoding::Utf8
            ),
            text.len() as u32
        );
    }

    /// Every character boundary round-trips in both encodings, on generated
    /// text mixing ASCII, Polish, Chinese, emoji and line breaks.
    #[test]
    fn positions_round_trip_on_generated_text() {
        let pieces = [
            "a",
            "Z",
            " ",
            "\n",
            "ż",
            "ł",
            "名",
            "前",
            "😀",
            "🏭",
            "\u{301}",
            "\r\n",
            "é",
            "\r",
            "漢字",
            "👩‍💻",
        ];
        let mut rng = crate::rng::Rng(0x9E37_79B9);
        for _ in 0..600 {
            let mut text = String::new();
            for _ in 0..rng.below(40) {
                let piece: &&str = rng.pick(&pieces);
                text.push_str(piece);
            }
            roundtrip_all(&text);
        }
        roundtrip_all("");
        roundtrip_all("\n\n");
        roundtrip_all("\r\r\n\n\r");
    }

    /// Lines end at LF, CRLF and a lone CR, the same in both encodings; a
    /// column past a line's end lands before its line end, never between a
    /// CR and its LF.
    #[test]
    fn cr_crlf_and_lf_end_lines_and_columns_clamp_before_them() {
        let text = "名a\r😀b\r\nc\nd";
        let idx = PositionIndex::new(text);
        for enc in [Encoding::Utf8, Encoding::Utf16] {
            let at = |line, character| idx.offset(Position { line, character }, enc);
            let cr = text.find('\r').unwrap_or(0) as u32;
            let crlf = text.find("\r\n").unwrap_or(0) as u32;
            assert_eq!(at(0, 99), cr, "{enc:?}");
            assert_eq!(at(1, 0), cr + 1, "{enc:?}");
            assert_eq!(at(1, 99), crlf, "{enc:?}");
            assert_eq!(at(2, 0), crlf + 2, "{enc:?}");
            assert_eq!(at(2, 1), crlf + 3, "{enc:?}");
            assert_eq!(at(3, 1), text.len() as u32, "{enc:?}");
            // Between the CR and the LF: the end of line 1.
            let p = idx.position(crlf + 1, enc);
            assert_eq!(p.line, 1);
            assert_eq!(idx.offset(p, enc), crlf);
        }
        let p = idx.position(text.find('b').unwrap_or(0) as u32, Encoding::Utf16);
        assert_eq!(
            p,
            Position {
                line: 1,
                character: 2
            }
        );
        // Strict: no line 4; inside the emoji; inside `名` in UTF-8.
        let strict = |line, character, enc| idx.checked_offset(Position { line, character }, enc);
        assert_eq!(strict(4, 0, Encoding::Utf16), None);
        assert_eq!(strict(1, 1, Encoding::Utf16), None);
        assert_eq!(strict(0, 1, Encoding::Utf8), None);
        assert_eq!(strict(1, 2, Encoding::Utf16), Some(p_offset(text, 'b')));
        assert_eq!(
            strict(1, 99, Encoding::Utf16),
            Some(text.find("\r\n").unwrap_or(0) as u32)
        );
    }

    fn p_offset(text: &str, c: char) -> u32 {
        text.find(c).unwrap_or(0) as u32
    }
}
