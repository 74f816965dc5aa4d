//! CSV records split 64 bytes at a time, for scoring large files.
//!
//! Each 64-byte block is classified into bit masks (SSE2 compares on x86-64,
//! word-wide bit tricks elsewhere): which bytes are quotes, delimiters, line
//! feeds and carriage returns, and which lie inside quotes (a running XOR of
//! the quote bits). Only the delimiters and line feeds outside quotes are
//! then visited, so a field costs a few instructions however long it is.
//!
//! Only regular RFC 4180 text is taken. Anything the `csv` crate would read
//! in its own forgiving way (a quote inside an unquoted field, text after a
//! closing quote, a carriage return not followed by a line feed, a quote
//! left open) stops the split with [`Irregular`], and the caller reads that
//! text with the `csv` crate instead, so both always agree.

use std::borrow::Cow;

/// The text is not regular RFC 4180; read it with the `csv` crate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Irregular;

/// One record of a split text.
pub struct Record<'a> {
    bytes: &'a [u8],
    /// The whole text, when all of it is UTF-8 (the usual case).
    text: Option<&'a str>,
    start: usize,
    /// The offset of each field's end (its delimiter or line end).
    ends: &'a [usize],
    /// Fields past the ones kept (see [`Fields`]): counted, not kept.
    more: usize,
}

impl<'a> Record<'a> {
    /// How many fields the record has, including any not kept.
    pub fn len(&self) -> usize {
        self.ends.len() + self.more
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Field `i` as written, quotes included.
    pub fn raw(&self, i: usize) -> &'a [u8] {
        self.bytes.get(self.range(i)).unwrap_or_default()
    }

    fn range(&self, i: usize) -> std::ops::Range<usize> {
        let start = match i {
            0 => self.start,
            _ => self.ends.get(i - 1).map_or(usize::MAX, |e| e + 1),
        };
        start..self.ends.get(i).copied().unwrap_or(0)
    }

    /// Field `i`'s value: outer quotes removed and doubled quotes undone;
    /// an error when it is not UTF-8.
    pub fn field(&self, i: usize) -> Result<Cow<'a, str>, std::str::Utf8Error> {
        let raw = match self.text {
            // Fields end at ASCII bytes, so each is UTF-8 too.
            Some(text) => text.get(self.range(i)).unwrap_or(""),
            None => std::str::from_utf8(self.raw(i))?,
        };
        Ok(unquote(raw))
    }
}

/// A field's value. The split has checked that a field starting with a
/// quote ends with one and holds only doubled quotes in between.
fn unquote(raw: &str) -> Cow<'_, str> {
    let Some(inner) = raw.strip_prefix('"').and_then(|r| r.strip_suffix('"')) else {
        return Cow::Borrowed(raw);
    };
    match memchr::memchr(b'"', inner.as_bytes()) {
        None => Cow::Borrowed(inner),
        Some(_) => Cow::Owned(inner.replace("\"\"", "\"")),
    }
}

/// Which bytes of a 64-byte block are quotes, delimiters, line feeds and
/// carriage returns: bit `i` for byte `i`.
#[derive(Clone, Copy, Default)]
struct Classes {
    quote: u64,
    delimiter: u64,
    line_end: u64,
    cr: u64,
}

/// Classifies a block sixteen bytes at a time with SSE2, which every
/// x86-64 processor has (`safe_arch` compiles it in when the target has it).
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
fn classify(block: &[u8; 64], delimiter: u8) -> Classes {
    use safe_arch::{cmp_eq_mask_i8_m128i, load_unaligned_m128i, move_mask_i8_m128i};
    let splat = |b: u8| safe_arch::set_splat_i8_m128i(b as i8);
    let (q, d, n, r) = (splat(b'"'), splat(delimiter), splat(b'\n'), splat(b'\r'));
    let mut c = Classes::default();
    for (i, part) in block.chunks_exact(16).enumerate() {
        let v = load_unaligned_m128i(part.try_into().unwrap_or(&[0; 16]));
        let bits = |m| u64::from(move_mask_i8_m128i(cmp_eq_mask_i8_m128i(v, m)) as u16) << (16 * i);
        c.quote |= bits(q);
        c.delimiter |= bits(d);
        c.line_end |= bits(n);
        c.cr |= bits(r);
    }
    c
}

/// Classifies a block eight bytes at a time with word-wide bit tricks.
#[cfg_attr(all(target_arch = "x86_64", target_feature = "sse2"), allow(dead_code))]
fn classify_words(block: &[u8; 64], delimiter: u8) -> Classes {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    // The high bit of each byte equal to `b`, exactly (the shorter "has a
    // zero byte" trick marks some bytes after a match too), gathered into
    // eight bits by a multiply that moves bit 8k to bit 56 + k.
    let equal = |w: u64, b: u8| {
        let x = w ^ (ONES * u64::from(b));
        let high = !(((x & LOW7) + LOW7) | x | LOW7);
        ((high >> 7).wrapping_mul(0x0102_0408_1020_4080)) >> 56
    };
    let mut c = Classes::default();
    for (i, word) in block.chunks_exact(8).enumerate() {
        let w = u64::from_le_bytes(word.try_into().unwrap_or([0; 8]));
        c.quote |= equal(w, b'"') << (8 * i);
        c.delimiter |= equal(w, delimiter) << (8 * i);
        c.line_end |= equal(w, b'\n') << (8 * i);
        c.cr |= equal(w, b'\r') << (8 * i);
    }
    c
}

#[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
use classify_words as classify;

/// Bit `i` is the XOR of bits `0..=i`: inside quotes after an odd number.
fn prefix_xor(m: u64) -> u64 {
    let mut m = m;
    for shift in [1, 2, 4, 8, 16, 32] {
        m ^= m << shift;
    }
    m
}

/// Where the fields of the current record end, reused from record to record.
/// Only the first `keep` are kept; the rest are counted, so a line of a
/// million commas costs no memory (a record with more fields than the header
/// is refused anyway).
pub struct Fields {
    ends: Vec<usize>,
    keep: usize,
    more: usize,
}

impl Fields {
    pub fn new(keep: usize) -> Fields {
        let keep = keep.max(1);
        Fields {
            ends: Vec::with_capacity(keep),
            keep,
            more: 0,
        }
    }

    fn push(&mut self, end: usize) {
        if self.ends.len() < self.keep {
            self.ends.push(end);
        } else {
            self.more += 1;
        }
    }

    fn clear(&mut self) {
        self.ends.clear();
        self.more = 0;
    }
}

/// Splits `bytes` (whole records, as cut by the caller) into records and
/// calls `each` with every one that is not an empty line, in order. Stops at
/// the first irregularity, which may be after some records were handed out;
/// the caller then reads the whole text again with the `csv` crate.
pub fn each_record(
    bytes: &[u8],
    delimiter: u8,
    ends: &mut Fields,
    mut each: impl FnMut(&Record),
) -> Result<(), Irregular> {
    if matches!(delimiter, b'"' | b'\n' | b'\r') || !delimiter.is_ascii() {
        return Err(Irregular);
    }
    // One check of the whole text is much faster than one per field; when
    // it fails, only the fields asked for are checked.
    let text = std::str::from_utf8(bytes).ok();
    ends.clear();
    let mut start = 0usize;
    // Carried from block to block: inside quotes (all ones or none), and the
    // previous block's separators, closing quotes and carriage returns in
    // its top bit. The text starts where a record starts.
    let mut inside_carry = 0u64;
    let (mut prev_sep, mut prev_close, mut prev_cr) = (1u64 << 63, 0u64, 0u64);
    let mut blocks = bytes.chunks_exact(64);
    let tail = blocks.remainder();
    let mut padded = [0u8; 64];
    for (p, b) in padded.iter_mut().zip(tail) {
        *p = *b;
    }
    let full = blocks.len();
    for (index, block) in blocks.by_ref().chain([&padded[..]]).enumerate() {
        let block: &[u8; 64] = block.try_into().unwrap_or(&padded);
        let valid = match index < full {
            true => u64::MAX,
            false => (1u64 << tail.len()) - 1, // tail.len() < 64
        };
        let c = classify(block, delimiter);
        let quote = c.quote & valid;
        let inside = prefix_xor(quote) ^ inside_carry;
        inside_carry = 0u64.wrapping_sub(inside >> 63);
        let open = quote & inside;
        let close = quote & !inside;
        let line_end = c.line_end & valid & !inside;
        let sep = (c.delimiter | c.line_end) & valid & !inside;
        let cr = c.cr & valid & !inside;
        // A quote opens only at a field's start (or right after a closing
        // quote: an escaped quote); a closing quote ends its field; a
        // carriage return outside quotes ends a line with a line feed.
        let after = |m: u64, prev: u64| (m << 1) | (prev >> 63);
        let after_close = after(close, prev_close);
        let irregular = (open & !(after(sep, prev_sep) | after_close))
            | (after_close & valid & !(sep | cr | open))
            | (after(cr, prev_cr) & valid & !line_end);
        if irregular != 0 {
            return Err(Irregular);
        }
        (prev_sep, prev_close, prev_cr) = (sep, close, cr);
        let base = index * 64;
        let mut rest = sep;
        while rest != 0 {
            let bit = rest.trailing_zeros();
            rest &= rest - 1;
            let pos = base + bit as usize;
            if line_end >> bit & 1 == 0 {
                ends.push(pos);
            } else {
                end_record((bytes, text), pos, &mut start, ends, &mut each);
            }
        }
    }
    // The text ends inside quotes or with a lone carriage return.
    if inside_carry != 0 || bytes.last() == Some(&b'\r') {
        return Err(Irregular);
    }
    // The last record, without a line end.
    if start < bytes.len() || !ends.ends.is_empty() {
        end_record((bytes, text), bytes.len(), &mut start, ends, &mut each);
    }
    Ok(())
}

/// Ends the record at the line end at `pos` and hands it out, unless the
/// line is empty (the csv crate skips those too).
fn end_record(
    (bytes, text): (&[u8], Option<&str>),
    pos: usize,
    start: &mut usize,
    ends: &mut Fields,
    each: &mut impl FnMut(&Record),
) {
    // A CRLF line end: the last field stops before the CR.
    let end = match pos > *start && bytes.get(pos - 1) == Some(&b'\r') {
        true => pos - 1,
        false => pos,
    };
    if end > *start || !ends.ends.is_empty() {
        ends.push(end);
        each(&Record {
            bytes,
            text,
            start: *start,
            ends: &ends.ends,
            more: ends.more,
        });
    }
    ends.clear();
    *start = pos + 1;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    fn split(text: &str) -> Result<Vec<Vec<String>>, Irregular> {
        let mut records = Vec::new();
        each_record(text.as_bytes(), b',', &mut Fields::new(64), |r| {
            records.push(
                (0..r.len())
                    .map(|i| r.field(i).unwrap().into_owned())
                    .collect(),
            )
        })?;
        Ok(records)
    }

    /// What the `csv` crate reads, configured as `icp score` configures it.
    fn csv_crate(text: &str) -> Result<Vec<Vec<String>>, csv::Error> {
        let mut r = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes());
        r.records()
            .map(|rec| rec.map(|r| r.iter().map(str::to_string).collect()))
            .collect()
    }

    #[test]
    fn both_classifiers_agree_with_a_byte_loop() {
        let mut rng = Rng(7);
        for round in 0..2000 {
            let mut block = [0u8; 64];
            for b in block.iter_mut() {
                *b = match rng.below(4) {
                    0 => *rng.pick(b"\",\n\r;\t"),
                    _ => rng.below(256) as u8,
                };
            }
            let delimiter = [b',', b';', b'\t', 0x7f][round % 4];
            let want = |b: u8| {
                (0..64)
                    .filter(|&i| block[i] == b)
                    .fold(0u64, |m, i| m | 1 << i)
            };
            for c in [
                classify(&block, delimiter),
                classify_words(&block, delimiter),
            ] {
                assert_eq!(c.quote, want(b'"'));
                assert_eq!(c.delimiter, want(delimiter));
                assert_eq!(c.line_end, want(b'\n'));
                assert_eq!(c.cr, want(b'\r'));
            }
        }
    }

    #[test]
    fn regular_csv_splits_as_the_csv_crate_reads_it() {
        let text =
            "id,name,note\r\n1,\"Contoso, \"\"GmbH\"\"\",\r\n\r\n2,,\"two\nlines\"\n3,\"\",x";
        assert_eq!(split(text).unwrap(), csv_crate(text).unwrap());
        assert_eq!(split(text).unwrap()[1][1], "Contoso, \"GmbH\"");
        assert_eq!(split("").unwrap(), Vec::<Vec<String>>::new());
        assert_eq!(split("\n\n").unwrap(), Vec::<Vec<String>>::new());
        assert_eq!(split("a").unwrap(), vec![vec!["a".to_string()]]);
        assert_eq!(
            split(",").unwrap(),
            vec![vec![String::new(), String::new()]]
        );
    }

    #[test]
    fn only_the_fields_asked_for_must_be_utf8() {
        let bytes = b"ok,bad \xff,\"\xc5\x82\xc3\xb3d\xc5\xba\"\n";
        let mut fields = Vec::new();
        each_record(bytes, b',', &mut Fields::new(64), |r| {
            fields.extend((0..r.len()).map(|i| r.field(i).map(|f| f.into_owned()).ok()));
        })
        .unwrap();
        assert_eq!(fields, [Some("ok".into()), None, Some("łódź".into())]);
    }

    #[test]
    fn fields_past_the_kept_ones_are_counted() {
        let mut lens = Vec::new();
        let text = format!("a,b\n{}\nc\n", ",".repeat(100_000));
        each_record(text.as_bytes(), b',', &mut Fields::new(3), |r| {
            lens.push((r.len(), r.raw(0).to_vec(), r.raw(5).to_vec()))
        })
        .unwrap();
        assert_eq!(lens[0], (2, b"a".to_vec(), vec![]));
        assert_eq!(lens[1].0, 100_001);
        assert_eq!(lens[2], (1, b"c".to_vec(), vec![]));
    }

    #[test]
    fn irregular_text_is_left_to_the_csv_crate() {
        for text in [
            "a,b\"c\n",
            "a,\"b\"c\n",
            "a,\"b\" \n",
            "a,\"open\n",
            "a\rb\n",
            "a,b\r",
            "x\"\n",
            "ab\"c,d\",x\n",
        ] {
            assert_eq!(split(text), Err(Irregular), "{text:?}");
        }
    }

    /// Regular CSV of every shape (quoted delimiters, doubled quotes, line
    /// breaks in quotes, CRLF, empty lines and fields, non-ASCII text, any
    /// length across the 64-byte blocks) splits exactly as the `csv` crate
    /// reads it; irregular text is either refused or read the same.
    #[test]
    fn generated_text_agrees_with_the_csv_crate() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let plain = [
            "",
            "a",
            "Acme",
            "Łódź",
            "李伟",
            "12.5",
            " sp ",
            "x y z w v u t",
        ];
        let quoted = [
            "\"\"",
            "\"a,b\"",
            "\"say \"\"hi\"\"\"",
            "\"two\nlines\"",
            "\"\r\n\"",
            "\"é,\"\"\"",
        ];
        let noise = ["\"", "\r", "\n", ",", "a\"b", "\"\"x"];
        let (mut regular, mut refused) = (0, 0);
        for case in 0..4000 {
            let mut text = String::new();
            for _ in 0..rng.below(6) {
                for f in 0..1 + rng.below(5) {
                    if f > 0 {
                        text.push(',');
                    }
                    let from = if rng.chance(33) {
                        &quoted[..]
                    } else {
                        &plain[..]
                    };
                    text.push_str(rng.pick::<&str>(from));
                    if case % 4 == 3 && rng.chance(12) {
                        text.push_str(rng.pick::<&str>(&noise));
                    }
                }
                text.push_str(rng.pick::<&str>(&["\n", "\r\n", "\n\n"]));
            }
            if rng.chance(25) {
                text.pop();
            }
            match split(&text) {
                Ok(records) => {
                    regular += 1;
                    assert_eq!(
                        Ok(records),
                        csv_crate(&text).map_err(|e| e.to_string()),
                        "{text:?}"
                    );
                }
                Err(Irregular) => {
                    refused += 1;
                    assert!(
                        case % 4 == 3 || text.ends_with('\r'),
                        "regular text refused: {text:?}"
                    );
                }
            }
        }
        assert!(
            regular > 3000 && refused > 100,
            "{regular} split, {refused} refused"
        );
    }
}
