//! `icp fmt`: rewrite files in the canonical layout, or with `--check` show
//! what would change. Files with syntax errors are reported and left as
//! they are; files are replaced atomically.

use super::fs::{collect_inputs, display_name, FsLoader, Tree};
use icp_lang::source::Sources;
use std::io::Write;
use std::path::{Path, PathBuf};

pub fn run(paths: &[PathBuf], check: bool, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let loader = FsLoader::new();
    let inputs = match collect_inputs(&loader, paths) {
        Ok(i) => i,
        Err(e) => {
            let _ = writeln!(err, "error: {e}");
            return 2;
        }
    };
    let (mut changed, mut broken, mut io_errors) = (0, 0, 0);
    for path in &inputs {
        let name = display_name(&loader.cwd, path);
        let text = match loader.read(path) {
            Ok(t) => t,
            Err(e) => {
                let _ = writeln!(err, "error: cannot read `{name}`: {e:?}");
                io_errors += 1;
                continue;
            }
        };
        let mut sources = Sources::default();
        let id = sources.add(name.clone(), path.clone(), text.clone());
        let formatted = match icp_lang::fmt::format_source(id, &text) {
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
            let _ = out.write_all(diff(&name, &text, &formatted).as_bytes());
        } else if let Err(e) = write_atomically(path, &formatted) {
            let _ = writeln!(err, "error: cannot write `{name}`: {e}");
            io_errors += 1;
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

fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
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

/// The lines of a text: LF, CRLF and a lone CR (old Mac files) end a line.
fn lines(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let Some(i) = rest.find(['\r', '\n']) else {
            out.push(rest);
            break;
        };
        out.push(rest.get(..i).unwrap_or(""));
        let end = if rest.get(i..).is_some_and(|r| r.starts_with("\r\n")) {
            2
        } else {
            1
        };
        rest = rest.get(i + end..).unwrap_or("");
    }
    out
}

/// A line diff in unified style (`-` old, `+` new, three lines of context).
pub fn diff(name: &str, old: &str, new: &str) -> String {
    let (a, b) = (lines(old), lines(new));
    let mut out = format!("--- {name}\n+++ {name} (formatted)\n");
    if a == b {
        out.push_str("(only the line ends change: to LF)\n");
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
    // The edit script: (' ' | '-' | '+', line).
    let mut script: Vec<(char, &str, usize)> = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a.get(i) == b.get(j) {
            script.push((' ', a.get(i).copied().unwrap_or(""), i + 1));
            i += 1;
            j += 1;
        } else if i < a.len() && (j == b.len() || lcs(&table, i + 1, j) >= lcs(&table, i, j + 1)) {
            // Removals before additions, as unified diffs show them.
            script.push(('-', a.get(i).copied().unwrap_or(""), i + 1));
            i += 1;
        } else {
            script.push(('+', b.get(j).copied().unwrap_or(""), i + 1));
            j += 1;
        }
    }
    let changed: Vec<usize> = script
        .iter()
        .enumerate()
        .filter(|(_, (k, _, _))| *k != ' ')
        .map(|(n, _)| n)
        .collect();
    let mut shown_until = 0usize;
    for &n in &changed {
        let from = n.saturating_sub(3).max(shown_until);
        if from >= shown_until && (shown_until == 0 || from > shown_until) {
            out.push_str(&format!(
                "@@ line {} @@\n",
                script.get(from).map(|s| s.2).unwrap_or(1)
            ));
        }
        let to = (n + 4).min(script.len());
        for (k, line, _) in script.get(from.max(shown_until)..to).unwrap_or(&[]) {
            out.push_str(&format!("{k}{line}\n"));
        }
        shown_until = to;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_end_at_lf_crlf_and_a_lone_cr() {
        assert_eq!(lines("a\rb\r\nc\nd"), ["a", "b", "c", "d"]);
        assert_eq!(lines("a\n\n"), ["a", ""]);
        assert_eq!(lines(""), Vec::<&str>::new());
    }
}
