//! Editor positions: a line and a column counted in the client's encoding
//! (UTF-8 bytes or UTF-16 code units, negotiated at start-up). The index
//! keeps line starts and, per line, only the non-ASCII characters, so an
//! ASCII line converts in O(1) and no entry per byte is ever stored.

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
    /// For each line, its non-ASCII characters in order (empty for ASCII lines).
    wide: Vec<Vec<Wide>>,
    len: u32,
}

impl PositionIndex {
    pub fn new(text: &str) -> PositionIndex {
        let mut line_starts = vec![0u32];
        let mut wide = vec![Vec::new()];
        for (i, c) in text.char_indices() {
            if c == '\n' {
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
        PositionIndex {
            line_starts,
            wide,
            len: text.len() as u32,
        }
    }

    /// The position of a byte offset (clamped to the text; an offset inside
    /// a character counts as that character's start).
    pub fn position(&self, offset: u32, enc: Encoding) -> Position {
        let offset = offset.min(self.len);
        let line = self
            .line_starts
            .partition_point(|&s| s <= offset)
            .saturating_sub(1);
        let start = self.line_starts.get(line).copied().unwrap_or(0);
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
    /// the line's end; a line past the end is the end of the text; a column
    /// inside a UTF-16 surrogate pair is the character's start.
    pub fn offset(&self, pos: Position, enc: Encoding) -> u32 {
        let Some(&start) = self.line_starts.get(pos.line as usize) else {
            return self.len;
        };
        let end = self
            .line_starts
            .get(pos.line as usize + 1)
            .map(|n| n - 1)
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
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip_all(text: &str) {
        let idx = PositionIndex::new(text);
        for enc in [Encoding::Utf8, Encoding::Utf16] {
            for (i, _) in text
                .char_indices()
                .chain(std::iter::once((text.len(), ' ')))
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
            "a", "Z", " ", "\n", "ż", "ł", "名", "前", "😀", "🏭", "\u{301}", "\r\n", "é",
        ];
        let mut state = 0x9E37_79B9_u64;
        for _ in 0..400 {
            let mut text = String::new();
            for _ in 0..(state % 40) {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                text.push_str(pieces[(state % pieces.len() as u64) as usize]);
            }
            roundtrip_all(&text);
        }
        roundtrip_all("");
        roundtrip_all("\n\n");
    }
}
