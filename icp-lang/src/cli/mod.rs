pub mod check;
pub mod compile;
pub mod diff;
pub mod explain;
pub mod fmt_cmd;
pub mod funnel;
pub mod git;
pub mod input;
pub mod output;
pub mod report;
pub mod run;
pub mod score;
pub mod validate;

use icp_lang::ast::Date;
use icp_lang::diagnostic::{Diagnostic, Severity};
use icp_lang::disk::{today, Disk};
use icp_lang::workspace::{has_errors, Workspace};
use std::io::Write;
use std::path::PathBuf;

/// Opens the files and folders of a command line from the disk; a usage
/// error is printed and its exit code returned.
pub fn open(paths: &[PathBuf], as_of: Option<Date>, err: &mut dyn Write) -> Result<Workspace, i32> {
    Workspace::open(&Disk::new(), paths, as_of, today()).map_err(|e| {
        let _ = writeln!(err, "error: {e}");
        2
    })
}

/// [`open`], with every file of the named files' projects loaded too.
pub fn open_in_context(
    paths: &[PathBuf],
    as_of: Option<Date>,
    err: &mut dyn Write,
) -> Result<(Workspace, std::collections::BTreeSet<PathBuf>), i32> {
    Workspace::open_in_context(&Disk::new(), paths, as_of, today()).map_err(|e| {
        let _ = writeln!(err, "error: {e}");
        2
    })
}

/// Refuses to run a workspace with errors: prints them and returns the
/// exit code. The caller checks once and hands the result in.
pub fn refuse_errors(
    ws: &Workspace,
    checked: &[Diagnostic],
    err: &mut dyn Write,
) -> Result<(), i32> {
    let diags = ws.diagnostics(checked, false);
    if !has_errors(&diags) {
        return Ok(());
    }
    print_errors(ws, &diags, err);
    let _ = writeln!(
        err,
        "error: fix the problems above first (`icp check` lists them all)"
    );
    Err(1)
}

/// Prints the errors among `diags` (warnings left out), as `icp check` does.
pub fn print_errors(ws: &Workspace, diags: &[Diagnostic], err: &mut dyn Write) {
    let errors: Vec<Diagnostic> = diags
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .cloned()
        .collect();
    let _ = err.write_all(icp_lang::render::human(&ws.project.sources, &errors, false).as_bytes());
}

/// A `--as-of` value.
pub fn parse_date(s: &str) -> Result<icp_lang::ast::Date, String> {
    icp_lang::ast::Date::parse(s).ok_or_else(|| format!("`{s}` is not a date such as 2026-11-01"))
}
