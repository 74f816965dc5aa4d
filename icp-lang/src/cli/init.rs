//! `icp init DATA`: a project started from a CRM export. Reads the export
//! through the accounts reader (with the same data flags as `icp score`),
//! guesses a schema (`icp_lang::infer`) and writes it with an `icp.toml`.
//! Existing files are never replaced without `--force`; each file is
//! written to a temporary file beside it and renamed.

use super::input::{open_file, ReadOptions};
use icp_lang::accounts::{self, Reader};
use icp_lang::infer::{Inferred, Options, Profile};
use icp_lang::span::FileId;
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(clap::Args, Debug)]
pub struct InitArgs {
    /// The CRM export: a .csv, .tsv or .jsonl file.
    pub data: PathBuf,
    /// The folder to write `icp.toml` and the schema file in.
    #[arg(long, default_value = ".")]
    pub dir: PathBuf,
    /// The schema file's name, in that folder.
    #[arg(long, default_value = "accounts.icp")]
    pub schema_file: String,
    /// The schema's name.
    #[arg(long, default_value = "Account")]
    pub schema: String,
    /// The project's name in icp.toml (default: the folder's name).
    #[arg(long)]
    pub name: Option<String>,
    /// Replace `icp.toml` and the schema file when they exist.
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub read: ReadOptions,
}

pub fn init(args: &InitArgs, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    match run(args, out, err) {
        Ok(()) => 0,
        Err((message, code)) => {
            let _ = writeln!(err, "error: {message}");
            code
        }
    }
}

fn run(args: &InitArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<(), (String, i32)> {
    let schema_ok = args.schema.chars().next().is_some_and(char::is_alphabetic)
        && args.schema.chars().all(|c| c.is_alphanumeric() || c == '_')
        && !icp_lang::lexer::RESERVED.contains(&args.schema.as_str());
    if !schema_ok {
        return Err((
            format!(
                "`{}` cannot name a schema; use letters, digits and `_`",
                args.schema
            ),
            2,
        ));
    }
    if !args.schema_file.ends_with(".icp") || args.schema_file.contains(['/', '\\']) {
        return Err((
            format!(
                "--schema-file `{}` must be a file name ending in .icp (use --dir for the folder)",
                args.schema_file
            ),
            2,
        ));
    }
    if !args.dir.is_dir() {
        return Err((format!("`{}` is not a folder", args.dir.display()), 2));
    }
    let toml_path = args.dir.join("icp.toml");
    let schema_path = args.dir.join(&args.schema_file);
    if !args.force {
        let existing: Vec<String> = [&toml_path, &schema_path]
            .iter()
            .filter(|p| p.symlink_metadata().is_ok())
            .map(|p| format!("`{}`", p.display()))
            .collect();
        if !existing.is_empty() {
            return Err((
                format!(
                    "{} already {}; nothing was written (--force replaces {})",
                    existing.join(" and "),
                    if existing.len() == 1 {
                        "exists"
                    } else {
                        "exist"
                    },
                    if existing.len() == 1 { "it" } else { "them" }
                ),
                2,
            ));
        }
    }
    let settings = args.read.settings();
    let name = args.data.display().to_string();
    let file = open_file(&args.data).map_err(|e| (e, 2))?;
    let mut reader = Reader::open(file, &name, &settings, accounts::Limits::default())
        .map_err(|e| (e.message, 2))?;
    let (list_separator, format) = settings
        .column("")
        .map_err(|e| (format!("the data setting {e}"), 2))?;
    let source = args
        .data
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| name.clone());
    let json = reader.shape().format == accounts::InputFormat::Jsonl;
    let opts = Options {
        // JSON arrays reach the reader joined by the unit separator.
        list_separator: if json { '\u{1f}' } else { list_separator },
        json,
        format,
        schema: args.schema.clone(),
        source,
    };
    let mut profile = Profile::new(reader.headers(), &opts);
    profile.read(&mut reader).map_err(|e| (e.message, 1))?;
    let inferred = profile.finish();
    if inferred.rows == inferred.unreadable {
        return Err((
            format!("`{name}` has no readable rows under its header: nothing to infer from"),
            1,
        ));
    }
    let schema_text = formatted(&inferred.schema_text());
    let toml_text = toml_text(args, &inferred);
    write_new(&schema_path, &schema_text, args.force).map_err(|e| (e, 2))?;
    write_new(&toml_path, &toml_text, args.force).map_err(|e| (e, 2))?;
    for w in inferred.warnings() {
        let _ = writeln!(err, "warning: {w}");
    }
    let key = inferred
        .key
        .and_then(|k| inferred.fields.get(k))
        .map(|f| format!(", key `{}`", f.name))
        .unwrap_or_else(|| ", no key".into());
    let _ = writeln!(
        out,
        "wrote `{}` ({} fields{key}, {} enums, from {}) and `{}`\nnext: read the comments in `{}`, then `icp check {}`",
        schema_path.display(),
        inferred.fields.len(),
        inferred.enums.len(),
        super::input::count_of(inferred.rows, "row", "rows"),
        toml_path.display(),
        schema_path.display(),
        schema_path.display()
    );
    Ok(())
}

/// The text in the canonical layout (`icp fmt`); unchanged if it does not parse.
fn formatted(text: &str) -> String {
    icp_lang::fmt::format_source(FileId(0), text).unwrap_or_else(|_| text.to_string())
}

/// A TOML basic string.
fn toml_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `icp.toml`: the project's name, the export as its sample data when it
/// lies in the folder, and the data flags given as its `[data]`.
fn toml_text(args: &InitArgs, inferred: &Inferred) -> String {
    let folder = std::fs::canonicalize(&args.dir).ok();
    let name = args.name.clone().unwrap_or_else(|| {
        folder
            .as_ref()
            .and_then(|f| f.file_name())
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "accounts".into())
    });
    let mut s = format!(
        "# Written by `icp init` from `{}`.\n[project]\nname = {}\n",
        inferred.source.replace('\n', " "),
        toml_string(&name)
    );
    let data = std::fs::canonicalize(&args.data).ok();
    match (folder, data) {
        (Some(f), Some(d)) if d.starts_with(&f) => {
            let rel = d.strip_prefix(&f).unwrap_or(&d);
            let rel = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            s.push_str(&format!(
                "# The sample accounts the editor counts tiers on.\nsample_data = {}\n",
                toml_string(&rel)
            ));
        }
        _ => s.push_str(
            "# sample_data = \"accounts.csv\"  # the export lies outside this folder: copy it in to use it\n",
        ),
    }
    let set = args.read.settings();
    let mut data = String::new();
    let mut line = |k: &str, v: String| data.push_str(&format!("{k} = {v}\n"));
    if let Some(f) = set.input_format {
        line(
            "input_format",
            toml_string(match f {
                accounts::InputFormat::Csv => "csv",
                accounts::InputFormat::Jsonl => "jsonl",
            }),
        );
    }
    for (k, v) in [
        ("delimiter", &set.delimiter),
        ("list_separator", &set.list_separator),
        ("date_format", &set.date_format),
        ("currency", &set.currency),
    ] {
        if let Some(v) = v {
            line(k, toml_string(v));
        }
    }
    if let Some(b) = set.decimal_comma {
        line("decimal_comma", b.to_string());
    }
    if !data.is_empty() {
        s.push_str("\n# How the export is written (the flags `icp init` was given).\n[data]\n");
        s.push_str(&data);
    }
    s
}

/// Writes `text` to `path` through a temporary file beside it: renamed
/// over the file with `force`, else linked in only if nothing is there.
pub fn write_new(path: &Path, text: &str, force: bool) -> Result<(), String> {
    let cannot = |e: std::io::Error| format!("cannot write `{}`: {e}", path.display());
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.icp-init-{}.tmp", std::process::id()));
    std::fs::write(&tmp, text).map_err(cannot)?;
    let placed = if force {
        std::fs::rename(&tmp, path)
    } else {
        // A link fails when the name is taken: never replaces a file
        // created since the check above.
        std::fs::hard_link(&tmp, path)
    };
    let _ = std::fs::remove_file(&tmp);
    placed.map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            format!("`{}` already exists; nothing was replaced", path.display())
        } else {
            cannot(e)
        }
    })
}
