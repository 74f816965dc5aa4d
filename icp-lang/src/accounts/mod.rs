//! Accounts in: the one reader every command uses (`score`, `explain`,
//! `funnel`, `diff`'s impact, and the language server's sample-data lens).
//!
//! The caller opens the bytes (a file, standard input, a git blob) and
//! hands them in as a `Box<dyn Read + Send>` with a name for messages and
//! the [`ReadSettings`]; this module does no IO of its own. It reads the
//! header (bounded: [`Limits`]), binds it to a plan ([`Binding`]), cuts the
//! rest into chunks at record boundaries ([`Reader::next_chunk`]) and walks
//! a chunk's records ([`Shape::walk`]): regular CSV split 64 bytes at a time
//! (`crate::split`), anything else by the `csv` crate, JSON lines by
//! `serde_json`. Every command sees the same records, the same fields and
//! the same errors: a byte that is not UTF-8 is a located cell error, a
//! record with the wrong number of fields is unreadable.
//!
//! [`run`] scores chunks on worker threads and hands the results back in
//! input order; [`Counter`] is the per-record loop `icp score` runs (decode,
//! evaluate, count, handle bad data as asked); [`tally`] is that loop with
//! nothing written, for the language server.

pub mod cells;
pub mod near;
mod records;
mod run;
pub mod settings;

use crate::data::{BindError, Binding};
use crate::plan::Plan;
pub use records::Visit;
pub use run::{
    count, run, tally, workers_from_env, Counter, Scored, Tally, TallyError, SHOWN_ERRORS,
};
pub use settings::{shorten, FieldSettings, InputFormat, ReadSettings, SettingError};
use std::io::Read;

/// Bytes of input per unit of work for a thread.
pub const CHUNK: usize = 2 << 20;

/// Bounds on what one input may cost.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// The header row (CSV), or the lines before the first JSON object.
    pub max_header_bytes: usize,
    /// Columns in the header.
    pub max_columns: usize,
    /// One record (almost always an unclosed quote when it is this long).
    pub max_record_bytes: usize,
    /// Stop reading after this many bytes (the records before are counted,
    /// and the result says it stopped).
    pub max_input_bytes: Option<u64>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_header_bytes: 1 << 20,
            max_columns: 10_000,
            max_record_bytes: 64 << 20,
            max_input_bytes: None,
        }
    }
}

/// Accounts that cannot be read at all (as opposed to a bad record, which
/// is counted and handled as the caller asks).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadError {
    pub message: String,
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

fn fail<T>(message: impl Into<String>) -> Result<T, ReadError> {
    Err(ReadError {
        message: message.into(),
    })
}

/// How a chunk's records are cut into fields: what workers share.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shape {
    pub format: InputFormat,
    pub delimiter: u8,
    /// The header's names (JSON lines: the first object's keys), in order.
    pub headers: Vec<String>,
}

/// Opened accounts: the header read, the rest to come in chunks.
pub struct Reader {
    shape: Shape,
    name: String,
    reader: Box<dyn Read + Send>,
    /// Bytes read past the header and not yet handed out.
    buf: Vec<u8>,
    eof: bool,
    limits: Limits,
    /// Bytes read from `reader` so far.
    consumed: u64,
    /// Reading stopped at `limits.max_input_bytes`.
    truncated: bool,
    /// JSON lines without an object to take column names from.
    keys_from_plan: bool,
}

impl Reader {
    /// Reads the header of `reader` (named `name` in messages; its extension
    /// gives the defaults: `.tsv` tabs, `.jsonl` and `.ndjson` JSON lines).
    pub fn open(
        reader: Box<dyn Read + Send>,
        name: &str,
        settings: &ReadSettings,
        limits: Limits,
    ) -> Result<Reader, ReadError> {
        if let Some(e) = settings.validate().into_iter().next() {
            return fail(format!("the data setting {e}"));
        }
        let ext = std::path::Path::new(name)
            .extension()
            .map(|e| e.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        let format = settings
            .input_format
            .unwrap_or(if ext == "jsonl" || ext == "ndjson" {
                InputFormat::Jsonl
            } else {
                InputFormat::Csv
            });
        let delimiter = match settings.delimiter_byte() {
            Ok(Some(d)) => d,
            Ok(None) if ext == "tsv" => b'\t',
            Ok(None) => b',',
            Err(e) => return fail(format!("the data setting {e}")),
        };
        let mut r = Reader {
            shape: Shape {
                format,
                delimiter,
                headers: Vec::new(),
            },
            name: name.to_string(),
            reader,
            buf: Vec::new(),
            eof: false,
            limits,
            consumed: 0,
            truncated: false,
            keys_from_plan: false,
        };
        let cannot = |e: std::io::Error| ReadError {
            message: format!("cannot read `{name}`: {e}"),
        };
        match format {
            InputFormat::Csv => r.csv_header().map_err(cannot)??,
            InputFormat::Jsonl => r.json_header().map_err(cannot)??,
        }
        Ok(r)
    }

    pub fn shape(&self) -> &Shape {
        &self.shape
    }

    pub fn headers(&self) -> &[String] {
        &self.shape.headers
    }

    /// The name given to [`Reader::open`].
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether reading stopped at `max_input_bytes`.
    pub fn truncated(&self) -> bool {
        self.truncated
    }

    /// Binds the header to `plan` with `settings` (see [`Binding::new`]).
    /// JSON lines with no object in their first `max_header_bytes` take the
    /// plan's headers as their keys.
    pub fn bind(&mut self, plan: &Plan, settings: &ReadSettings) -> Result<Binding, BindError> {
        if self.keys_from_plan {
            let mut headers: Vec<String> = Vec::new();
            for c in &plan.columns {
                if !headers.contains(&c.header) {
                    headers.push(c.header.clone());
                }
            }
            self.shape.headers = headers;
        }
        Binding::new(
            plan,
            &self.shape.headers,
            settings,
            self.shape.format == InputFormat::Jsonl,
        )
    }

    /// The CSV header: one record, at most `max_header_bytes` long.
    fn csv_header(&mut self) -> std::io::Result<Result<(), ReadError>> {
        let limit = self.limits.max_header_bytes;
        self.fill(64 << 10)?;
        let end = loop {
            let first = boundaries(&self.buf, true).next();
            match first {
                Some(nl) if nl < limit => break nl + 1,
                Some(_) => break limit + 1,
                None if self.eof || self.buf.len() > limit => break self.buf.len().min(limit + 1),
                None => self.fill(self.buf.len().max(64 << 10))?,
            }
        };
        let bom = if self.buf.starts_with(b"\xef\xbb\xbf") {
            3
        } else {
            0
        };
        let first = self.buf.get(bom..end).unwrap_or_default();
        if first.is_empty() {
            return Ok(fail(format!("`{}` has no header row", self.name)));
        }
        let mut r = csv::ReaderBuilder::new()
            .has_headers(false)
            .delimiter(self.shape.delimiter)
            .from_reader(first);
        let mut rec = csv::ByteRecord::new();
        match r.read_byte_record(&mut rec) {
            Ok(true) => {}
            _ => return Ok(fail(format!("`{}` has no header row", self.name))),
        }
        // The csv crate also ends a record at a lone CR, so in a file with
        // CR line ends (which has no LF to cut at) the data follows the
        // header here: it stays in the buffer.
        let used = usize::try_from(r.position().byte()).unwrap_or(first.len());
        if used > limit {
            return Ok(fail(format!(
                "the header row of `{}` is longer than {} (is it CSV with a header row?)",
                self.name,
                bytes(limit)
            )));
        }
        if rec.len() > self.limits.max_columns {
            return Ok(fail(format!(
                "the header row of `{}` has {} columns; at most {} are read",
                self.name,
                rec.len(),
                self.limits.max_columns
            )));
        }
        self.shape.headers = rec
            .iter()
            .map(|h| String::from_utf8_lossy(h).into_owned())
            .collect();
        self.buf.drain(..bom + used);
        Ok(Ok(()))
    }

    /// JSON lines name their columns by the keys of the first line that is
    /// a JSON object; lines before it are data like any other (bad records,
    /// handled as the caller asks). Every line stays in the buffer.
    fn json_header(&mut self) -> std::io::Result<Result<(), ReadError>> {
        let limit = self.limits.max_header_bytes;
        self.fill(64 << 10)?;
        if self.buf.starts_with(b"\xef\xbb\xbf") {
            self.buf.drain(..3);
        }
        let mut start = 0;
        loop {
            let nl = memchr::memchr(b'\n', self.buf.get(start..).unwrap_or_default());
            let end = match nl {
                Some(i) => start + i,
                None if self.eof => self.buf.len(),
                None if self.buf.len() > limit => break,
                None => {
                    self.fill(self.buf.len().max(64 << 10))?;
                    continue;
                }
            };
            let line = self.buf.get(start..end).unwrap_or_default();
            if let Ok(serde_json::Value::Object(m)) = serde_json::from_slice(line) {
                if m.len() > self.limits.max_columns {
                    return Ok(fail(format!(
                        "the first object of `{}` has {} keys; at most {} are read",
                        self.name,
                        m.len(),
                        self.limits.max_columns
                    )));
                }
                self.shape.headers = m.keys().cloned().collect();
                return Ok(Ok(()));
            }
            if end >= self.buf.len() || end > limit {
                break;
            }
            start = end + 1;
        }
        // No object to name the columns: the plan's headers will (see
        // `bind`), and every line is read against them.
        self.keys_from_plan = true;
        Ok(Ok(()))
    }

    /// The next run of whole records, cut after the last record boundary
    /// in the bytes read (CSV boundaries are line feeds outside double
    /// quotes, RFC 4180); `None` at the end.
    pub fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, ReadError> {
        self.next_chunk_io().map_err(|e| ReadError {
            message: format!("cannot read `{}`: {e}", self.name),
        })
    }

    fn next_chunk_io(&mut self) -> std::io::Result<Option<Vec<u8>>> {
        let quotes = self.shape.format == InputFormat::Csv;
        if self.buf.len() < CHUNK {
            self.fill(CHUNK - self.buf.len())?;
        }
        loop {
            if self.buf.is_empty() {
                return Ok(None);
            }
            match last_boundary(&self.buf, quotes) {
                Some(end) => {
                    let rest = self.buf.split_off(end + 1);
                    return Ok(Some(std::mem::replace(&mut self.buf, rest)));
                }
                // Stopped at the byte limit: the partial record is dropped.
                None if self.truncated => {
                    self.buf = Vec::new();
                    return Ok(None);
                }
                None if self.eof => return Ok(Some(std::mem::take(&mut self.buf))),
                None if self.buf.len() > self.limits.max_record_bytes => {
                    let cr_only = quotes
                        && memchr::memchr(b'\n', &self.buf).is_none()
                        && memchr::memchr(b'\r', &self.buf).is_some();
                    let size = bytes(self.limits.max_record_bytes);
                    let why = if cr_only {
                        format!(
                            "a record is larger than {size}: the lines end with CR alone \
                             (old Mac style); save the file with LF or CRLF line ends"
                        )
                    } else {
                        format!("a record is larger than {size}; is a quote left open?")
                    };
                    return Err(std::io::Error::other(why));
                }
                // One record longer than what was read: read on.
                None => self.fill(CHUNK)?,
            }
        }
    }

    /// Appends up to `n` more bytes of input; notes the end of input.
    fn fill(&mut self, n: usize) -> std::io::Result<()> {
        let allowed = match self.limits.max_input_bytes {
            Some(max) => {
                let left = max.saturating_sub(self.consumed);
                usize::try_from(left).unwrap_or(usize::MAX).min(n)
            }
            None => n,
        };
        if allowed == 0 && n > 0 {
            self.eof = true;
            self.truncated = true;
            return Ok(());
        }
        // Room for all of it at once: growing by doubling would copy the
        // chunk several times over.
        self.buf.reserve(allowed);
        let got = (&mut self.reader)
            .take(allowed as u64)
            .read_to_end(&mut self.buf)?;
        self.consumed += got as u64;
        if got < allowed {
            self.eof = true;
        } else if allowed < n {
            // The limit, not the input, ended this read: is there more?
            let mut probe = [0u8; 1];
            if self.reader.read(&mut probe)? == 0 {
                self.eof = true;
            } else {
                self.eof = true;
                self.truncated = true;
            }
        }
        Ok(())
    }
}

/// `2 MiB`, `64 MiB`, `1,000 bytes`.
fn bytes(n: usize) -> String {
    if n >= 1 << 20 && n.is_multiple_of(1 << 20) {
        format!("{} MiB", n >> 20)
    } else if n >= 1 << 10 && n.is_multiple_of(1 << 10) {
        format!("{} KiB", n >> 10)
    } else {
        format!("{n} bytes")
    }
}

/// Offsets of line feeds outside quotes, scanning only quotes and line feeds.
fn boundaries(buf: &[u8], quotes: bool) -> impl Iterator<Item = usize> + '_ {
    let mut in_quotes = false;
    let finder: Box<dyn Iterator<Item = usize>> = if quotes {
        Box::new(memchr::memchr2_iter(b'"', b'\n', buf))
    } else {
        Box::new(memchr::memchr_iter(b'\n', buf))
    };
    finder.filter(move |&i| {
        if buf.get(i) == Some(&b'"') {
            in_quotes = !in_quotes;
            false
        } else {
            !in_quotes
        }
    })
}

/// The last line feed outside quotes. `buf` starts at a record boundary, so
/// a line feed is outside quotes when an even number of quotes precede it.
/// Counting quotes is one fast pass, where walking every line is not;
/// going back from line to line only subtracts the quotes between.
fn last_boundary(buf: &[u8], quotes: bool) -> Option<usize> {
    let mut nl = memchr::memrchr(b'\n', buf)?;
    if !quotes {
        return Some(nl);
    }
    let count = |part: &[u8]| memchr::memchr_iter(b'"', part).count();
    let mut before = count(buf.get(..nl)?);
    loop {
        if before % 2 == 0 {
            return Some(nl);
        }
        let prev = memchr::memrchr(b'\n', buf.get(..nl)?)?;
        before -= count(buf.get(prev..nl)?);
        nl = prev;
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn the_last_boundary_is_the_last_newline_outside_quotes() {
        // Deterministic pseudo-random text over quotes, newlines and letters,
        // against the newline-by-newline walk.
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        for _ in 0..20_000 {
            let mut text = Vec::new();
            for _ in 0..(seed % 50) {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                text.push([b'"', b'\n', b'a', b','][(seed % 4) as usize]);
            }
            for quotes in [true, false] {
                assert_eq!(
                    last_boundary(&text, quotes),
                    boundaries(&text, quotes).last(),
                    "{:?}",
                    String::from_utf8_lossy(&text)
                );
            }
        }
    }

    fn open(text: &str, name: &str, limits: Limits) -> Result<Reader, ReadError> {
        Reader::open(
            Box::new(std::io::Cursor::new(text.as_bytes().to_vec())),
            name,
            &ReadSettings::default(),
            limits,
        )
    }

    #[test]
    fn headers_are_bounded() {
        let long = "a,".repeat(600_000) + "\n1\n";
        let e = open(&long, "x.csv", Limits::default()).err().unwrap();
        assert!(e.message.contains("longer than 1 MiB"), "{e}");
        assert!(e.message.len() < 200);
        let wide = "a,".repeat(20_000) + "b\n";
        let e = open(&wide, "x.csv", Limits::default()).err().unwrap();
        assert!(e.message.contains("has 20001 columns"), "{e}");
        let r = open("a,b\r\n1,2\r\n", "x.csv", Limits::default()).unwrap();
        assert_eq!(r.headers(), ["a", "b"]);
    }

    #[test]
    fn json_lines_take_their_keys_from_the_first_object() {
        let r = open(
            "not json\n[1]\n{\"a\": 1, \"b\": 2}\n",
            "x.jsonl",
            Limits::default(),
        )
        .unwrap();
        assert_eq!(r.headers(), ["a", "b"]);
        let r = open("nope\n", "x.jsonl", Limits::default()).unwrap();
        assert!(r.keys_from_plan && r.headers().is_empty());
        assert!(open("", "x.jsonl", Limits::default())
            .unwrap()
            .headers()
            .is_empty());
    }

    #[test]
    fn a_byte_limit_stops_at_a_record_boundary() {
        let mut text = String::from("a,b\n");
        for i in 0..1000 {
            text.push_str(&format!("{i},x\n"));
        }
        let limits = Limits {
            max_input_bytes: Some(100),
            ..Limits::default()
        };
        let mut r = open(&text, "x.csv", limits).unwrap();
        let chunk = r.next_chunk().unwrap().unwrap();
        assert!(chunk.ends_with(b"\n") && chunk.len() <= 96);
        assert_eq!(r.next_chunk().unwrap(), None);
        assert!(r.truncated());
    }
}
