//! Byte-offset spans and the line index that turns them into lines and columns.

use serde::Serialize;

/// Which source file a span points into; an index into [`crate::source::Sources`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize)]
pub struct FileId(pub u32);

/// A half-open byte range `start..end` in one file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize)]
pub struct Span {
    pub file: FileId,
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(file: FileId, start: usize, end: usize) -> Span {
        Span {
            file,
            start: clamp_u32(start),
            end: clamp_u32(end.max(start)),
        }
    }

    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span {
            file: self.file,
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }

    pub fn contains(self, offset: u32) -> bool {
        self.start <= offset && offset <= self.end
    }
}

fn clamp_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Line starts of one text; positions are computed by binary search, never by
/// rescanning the text. A line ends at LF, CRLF (one line end) or a lone CR.
#[derive(Clone, Debug)]
pub struct LineIndex {
    line_starts: Vec<u32>,
    len: u32,
}

/// A zero-based line and a zero-based column counted in bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineCol {
    pub line: u32,
    pub col: u32,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let mut line_starts = vec![0];
        let bytes = text.as_bytes();
        for (i, b) in bytes.iter().enumerate() {
            let ends = match b {
                b'\n' => true,
                b'\r' => bytes.get(i + 1) != Some(&b'\n'),
                _ => false,
            };
            if ends {
                line_starts.push(clamp_u32(i + 1));
            }
        }
        LineIndex {
            line_starts,
            len: clamp_u32(text.len()),
        }
    }

    pub fn line_col(&self, offset: u32) -> LineCol {
        let offset = offset.min(self.len);
        let line = self
            .line_starts
            .partition_point(|&s| s <= offset)
            .saturating_sub(1);
        let start = self.line_starts.get(line).copied().unwrap_or(0);
        LineCol {
            line: clamp_u32(line),
            col: offset - start,
        }
    }

    pub fn line_start(&self, line: u32) -> Option<u32> {
        self.line_starts.get(line as usize).copied()
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }
}

/// One-based line and column in Unicode scalar values, the way terminals,
/// GitHub and SARIF count.
pub fn one_based_char_position(text: &str, index: &LineIndex, offset: u32) -> (usize, usize) {
    let lc = index.line_col(offset);
    let start = index.line_start(lc.line).unwrap_or(0) as usize;
    let end = (start + lc.col as usize).min(text.len());
    let col = text
        .get(start..end)
        .map(|s| s.chars().count())
        .unwrap_or(lc.col as usize);
    (lc.line as usize + 1, col + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_at_line_boundaries() {
        let idx = LineIndex::new("ab\ncd\n\nx");
        assert_eq!(idx.line_col(0), LineCol { line: 0, col: 0 });
        assert_eq!(idx.line_col(2), LineCol { line: 0, col: 2 });
        assert_eq!(idx.line_col(3), LineCol { line: 1, col: 0 });
        assert_eq!(idx.line_col(6), LineCol { line: 2, col: 0 });
        assert_eq!(idx.line_col(7), LineCol { line: 3, col: 0 });
        assert_eq!(idx.line_col(99), LineCol { line: 3, col: 1 });
    }

    #[test]
    fn lone_cr_and_crlf_end_lines() {
        let text = "a\rb\r\nc\nd\r";
        let idx = LineIndex::new(text);
        assert_eq!(idx.line_count(), 5);
        assert_eq!(idx.line_col(2), LineCol { line: 1, col: 0 });
        // Between CR and LF: still the CRLF line.
        assert_eq!(idx.line_col(4), LineCol { line: 1, col: 2 });
        assert_eq!(idx.line_col(5), LineCol { line: 2, col: 0 });
        assert_eq!(idx.line_col(7), LineCol { line: 3, col: 0 });
        assert_eq!(idx.line_col(9), LineCol { line: 4, col: 0 });
    }

    #[test]
    fn char_columns_count_scalars_not_bytes() {
        let text = "名前 x\nżółw y";
        let idx = LineIndex::new(text);
        let x = text.find('x').map(|i| i as u32).unwrap_or(0);
        assert_eq!(one_based_char_position(text, &idx, x), (1, 4));
        let y = text.find('y').map(|i| i as u32).unwrap_or(0);
        assert_eq!(one_based_char_position(text, &idx, y), (2, 6));
    }
}
