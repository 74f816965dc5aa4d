//! A chunk's records, walked the same way for every command: regular CSV
//! split 64 bytes at a time (`crate::split`), anything irregular read again
//! by the `csv` crate, JSON lines by `serde_json`.

use super::{InputFormat, Shape};
use crate::data::NotText;
use crate::split;
use std::borrow::Cow;

/// What is done with each record of a chunk.
pub trait Visit {
    /// A record whose fields can be reached: `field(i)` is the text of the
    /// header's `i`th column, or the bytes when they are not UTF-8.
    fn record<'f>(&mut self, field: impl Fn(usize) -> Result<Cow<'f, str>, NotText<'f>>);
    /// A record that cannot be cut into the header's fields, and why.
    fn unreadable(&mut self, why: String);
}

impl Shape {
    /// Walks the records of `chunk` (whole records, as [`Reader::next_chunk`]
    /// cuts them) with a visitor from `fresh`, and returns it. Regular CSV
    /// is split 64 bytes at a time; when the split finds anything irregular
    /// the chunk is read again, with a fresh visitor, by the `csv` crate,
    /// which reads it in its own forgiving way and locates what it cannot.
    pub fn walk<V: Visit>(&self, chunk: &[u8], fresh: impl Fn() -> V) -> V {
        let mut v = fresh();
        match self.format {
            InputFormat::Csv => {
                if self.walk_split(chunk, &mut v).is_ok() {
                    return v;
                }
                let mut v = fresh();
                self.walk_csv(chunk, &mut v);
                v
            }
            InputFormat::Jsonl => {
                self.walk_json(chunk, &mut v);
                v
            }
        }
    }

    fn walk_split<V: Visit>(&self, chunk: &[u8], v: &mut V) -> Result<(), split::Irregular> {
        let n = self.headers.len();
        let mut ends = split::Fields::new(n + 1);
        split::each_record(chunk, self.delimiter, &mut ends, |rec| {
            if rec.len() != n {
                v.unreadable(format!("has {} fields, the header has {n}", rec.len()));
                return;
            }
            v.record(|i| rec.field(i).map_err(|_| NotText(rec.raw(i))));
        })
    }

    fn walk_csv<V: Visit>(&self, chunk: &[u8], v: &mut V) {
        let n = self.headers.len();
        let mut r = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(self.delimiter)
            .from_reader(chunk);
        let mut rec = csv::ByteRecord::new();
        loop {
            match r.read_byte_record(&mut rec) {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => {
                    v.unreadable(format!("cannot be read as CSV: {e}"));
                    break;
                }
            }
            if rec.len() != n {
                v.unreadable(format!("has {} fields, the header has {n}", rec.len()));
                continue;
            }
            // One UTF-8 check for the whole record is fastest; fields split
            // at ASCII delimiters, so each is then valid too. Otherwise check
            // field by field: only the ones read matter, and a bad one is a
            // located cell error.
            if let Ok(text) = std::str::from_utf8(rec.as_slice()) {
                v.record(|i| {
                    Ok(Cow::Borrowed(
                        rec.range(i).and_then(|r| text.get(r)).unwrap_or(""),
                    ))
                });
            } else {
                v.record(|i| match rec.get(i) {
                    Some(f) => std::str::from_utf8(f)
                        .map(Cow::Borrowed)
                        .map_err(|_| NotText(f)),
                    None => Ok(Cow::Borrowed("")),
                });
            }
        }
    }

    fn walk_json<V: Visit>(&self, chunk: &[u8], v: &mut V) {
        for line in chunk.split(|b| *b == b'\n') {
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            match serde_json::from_slice::<serde_json::Value>(line) {
                Ok(serde_json::Value::Object(obj)) => {
                    let cells: Vec<String> = self
                        .headers
                        .iter()
                        .map(|h| obj.get(h).map(json_text).unwrap_or_default())
                        .collect();
                    v.record(|i| Ok(Cow::Borrowed(cells.get(i).map_or("", String::as_str))));
                }
                Ok(_) => v.unreadable("is not a JSON object".to_string()),
                Err(e) => v.unreadable(format!("is not valid JSON: {e}")),
            }
        }
    }
}

/// A JSON value as cell text; arrays joined with the unit separator, which
/// is then the list separator.
fn json_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Array(items) => items
            .iter()
            .map(|i| {
                i.as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| i.to_string())
            })
            .collect::<Vec<_>>()
            .join("\u{1f}"),
        other => other.to_string(),
    }
}
