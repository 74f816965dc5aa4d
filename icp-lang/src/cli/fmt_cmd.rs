//! `icp fmt`: rewrite files in the canonical layout, or with `--check` show
//! what would change. Files with syntax errors are reported and left as
//! they are; files are replaced atomically.

use icp_lang::disk::Disk;
use icp_lang::source::Sources;
use icp_lang::tree::{collect_inputs, display_name, read_text, Tree};
use std::io::Write;
use std::path::{Path, PathBuf};

/// How `--check` shows a file that is not formatted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum FmtFormat {
    /// A unified diff.
    Diff,
    /// A GitHub Actions annotation on the first changed line, then the diff.
    Github,
}

pub fn run(
    paths: &[PathBuf],
    check: bool,
    format: FmtFormat,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> i32 {
    let loader = Disk::new();
    let inputs = match collect_inputs(&loader, paths) {
        Ok(i) => i,
        Err(e) => {
            let _ = writeln!(err, "error: {e}");
            return 2;
        }
    };
    let (mut changed, mut broken, mut io_errors) = (0, 0, 0);
    for path in &inputs {
        let name = display_name(loader.cwd(), path);
        let root = icp_lang::tree::project_root(&loader, path);
        let text = match read_text(&loader, path, Some(&root)) {
            Ok(t) => t,
            Err(e) => {
                let mut sources = Sources::default();
                let id = sources.add(name.clone(), path.clone(), String::new());
                let d =
                    icp_lang::project::load_error(e, icp_lang::span::Span::new(id, 0, 0), &name);
                let _ = err.write_all(icp_lang::render::human(&sources, &[d], false).as_bytes());
                io_errors += 1;
                continue;
            }
        };
        let mut sources = Sources::default();
        let id = sources.add(name.clone(), path.clone(), text.clone());
        let formatted = match icp_lang::fmt::format_file(id, &text) {
            Ok(f) => f,
            Err(diags) => {
                let _ = err.write_all(icp_lang::render::human(&sources, &diags, false).as_bytes());
                let _ = writeln!(
                    err,
                    "error: `{name}` has syntax errors and was left as it is"
                );
                broken += 1;
                continue;
            }
        };
        if formatted == text {
            continue;
        }
        changed += 1;
        if check {
            let shown = diff(&name, &text, &formatted);
            if format == FmtFormat::Github {
                // The first hunk's old line: `@@ -LINE,...`.
                let line = shown
                    .lines()
                    .find_map(|l| l.strip_prefix("@@ -"))
                    .and_then(|l| l.split(',').next())
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(1);
                let _ = out.write_all(
                    icp_lang::render::github_error(
                        &name,
                        line,
                        "icp fmt",
                        &format!("`{name}` is not in the canonical layout; run `icp fmt {name}`"),
                    )
                    .as_bytes(),
                );
            }
            let _ = out.write_all(shown.as_bytes());
        } else if let Err(e) = write_atomically(path, &formatted) {
            let _ = writeln!(err, "error: cannot write `{name}`: {e}");
            io_errors += 1;
        } else {
            // Hooks and CI logs say which files changed.
            let _ = writeln!(err, "reformatted {name}");
        }
    }
    let verb = if check {
        "would reformat"
    } else {
        "reformatted"
    };
    let _ = writeln!(err, "{verb} {changed} of {} files", inputs.len());
    if io_errors > 0 {
        2
    } else {
        i32::from(broken > 0 || (check && changed > 0))
    }
}

pub fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.icp-fmt-{}.tmp", std::process::id()));
    std::fs::write(&tmp, text)?;
    if let Ok(meta) = std::fs::metadata(path) {
        let _ = std::fs::set_permissions(&tmp, meta.permissions());
    }
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

/// The lines of a text, each with its line end: LF, CRLF or a lone CR (old
/// Mac files).
fn lines(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let end = match rest.find(['\r', '\n']) {
            None => rest.len(),
            Some(i) if rest.get(i..i + 2) == Some("\r\n") => i + 2,
            Some(i) => i + 1,
        };
        out.push(rest.get(..end).unwrap_or(rest));
        rest = rest.get(end..).unwrap_or("");
    }
    out
}

/// A unified diff (`@@ -start,count +start,count @@` hunks, three lines of
/// context), as `diff -u` and `git apply` read it. A difference in line ends
/// alone, which shows no changed text, is said in words.
pub fn diff(name: &str, old: &str, new: &str) -> String {
    let mut out = format!("--- {name}\n+++ {name} (formatted)\n");
    let (a, b) = (lines(old), lines(new));
    let lf = |s: &str| s.replace("\r\n", "\n").replace('\r', "\n");
    if lf(old) == lf(new) {
        let ends = match icp_lang::fmt::line_end(new) {
            "\r\n" => "CRLF",
            "\r" => "CR",
            _ => "LF",
        };
        out.push_str(&format!(
            "(only line ends differ: the file mixes line ends; icp fmt writes {ends}, the line end of its first line, on every line)\n"
        ));
        return out;
    }
    if a.len() * b.len() > 25_000_000 {
        out.push_str("(too large to show line by line)\n");
        return out;
    }
    // Longest common subsequence table, from the end.
    let width = b.len() + 1;
    let mut table = vec![0u32; (a.len() + 1) * width];
    let lcs = |t: &[u32], i: usize, j: usize| t.get(i * width + j).copied().unwrap_or(0);
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            let v = if a.get(i) == b.get(j) {
                lcs(&table, i + 1, j + 1) + 1
            } else {
                lcs(&table, i + 1, j).max(lcs(&table, i, j + 1))
            };
            if let Some(slot) = table.get_mut(i * width + j) {
                *slot = v;
            }
        }
    }
    // The edit script: (' ' | '-' | '+', line, old index, new index).
    let mut script: Vec<(char, &str, usize, usize)> = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a.get(i) == b.get(j) {
            script.push((' ', a.get(i).copied().unwrap_or(""), i, j));
            i += 1;
            j += 1;
        } else if i < a.len() && (j == b.len() || lcs(&table, i + 1, j) >= lcs(&table, i, j + 1)) {
            // Removals before additions, as unified diffs show them.
            script.push(('-', a.get(i).copied().unwrap_or(""), i, j));
            i += 1;
        } else {
            script.push(('+', b.get(j).copied().unwrap_or(""), i, j));
            j += 1;
        }
    }
    // Hunks: runs of changes with up to six unchanged lines between them.
    let changed: Vec<usize> = script
        .iter()
        .enumerate()
        .filter(|(_, s)| s.0 != ' ')
        .map(|(n, _)| n)
        .collect();
    let mut hunks: Vec<(usize, usize)> = Vec::new();
    for &n in &changed {
        let (from, to) = (n.saturating_sub(3), (n + 4).min(script.len()));
        match hunks.last_mut() {
            Some(last) if from <= last.1 => last.1 = to,
            _ => hunks.push((from, to)),
        }
    }
    for (from, to) in hunks {
        let lines = script.get(from..to).unwrap_or(&[]);
        let Some(first) = lines.first() else { continue };
        let old_n = lines.iter().filter(|l| l.0 != '+').count();
        let new_n = lines.iter().filter(|l| l.0 != '-').count();
        // Unified diffs number from 1; an empty side starts at the line before.
        let start = |idx: usize, n: usize| if n == 0 { idx } else { idx + 1 };
        out.push_str(&format!(
            "@@ -{},{old_n} +{},{new_n} @@\n",
            start(first.2, old_n),
            start(first.3, new_n)
        ));
        for (k, line, _, _) in lines {
            out.push(*k);
            // A CRLF file's lines keep their CR, so the diff applies as is.
            out.push_str(line.strip_suffix('\n').unwrap_or(line));
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod line_tests {
    use super::*;

    #[test]
    fn lines_end_at_lf_crlf_and_a_lone_cr() {
        assert_eq!(lines("a\rb\r\nc\nd"), ["a\r", "b\r\n", "c\n", "d"]);
        assert_eq!(lines("a\n\n"), ["a\n", "\n"]);
        assert_eq!(lines(""), Vec::<&str>::new());
    }
}
