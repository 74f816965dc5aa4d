//! The parse floor for the scoring benchmark: the `csv` crate reading every
//! record of a file and writing one column, single-threaded, with nothing
//! else. `icp score` is measured against it (docs/benchmarks.md).
//!
//!     cargo run --release -p icp-lang --example parse_floor -- accounts.csv out.csv

use std::io::Write;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(input), Some(output)) = (args.next(), args.next()) else {
        return Err("usage: parse_floor INPUT.csv OUTPUT.csv".into());
    };
    let mut reader = csv::Reader::from_path(input)?;
    let mut out = std::io::BufWriter::new(std::fs::File::create(output)?);
    let mut record = csv::ByteRecord::new();
    while reader.read_byte_record(&mut record)? {
        out.write_all(record.get(0).unwrap_or_default())?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(())
}
