//! `icp check`: load, check, apply each project's lint levels, render.

use icp_lang::ast::Date;
use icp_lang::render;
use icp_lang::workspace::has_errors;
use std::path::PathBuf;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Json,
    Github,
    Sarif,
}

pub struct CheckArgs {
    pub paths: Vec<PathBuf>,
    /// Check the files as part of their whole projects; report on them only.
    pub project_context: bool,
    pub format: Format,
    pub deny_warnings: bool,
    pub as_of: Option<Date>,
    pub color: bool,
}

/// Runs the check; returns the exit code (0 clean, 1 problems, 2 usage/IO).
pub fn run(args: &CheckArgs, out: &mut dyn std::io::Write, err: &mut dyn std::io::Write) -> i32 {
    let (session, only) = if args.project_context {
        match super::open_in_context(&args.paths, args.as_of, err) {
            Ok((s, only)) => (s, Some(only)),
            Err(code) => return code,
        }
    } else {
        match super::open(&args.paths, args.as_of, err) {
            Ok(s) => (s, None),
            Err(code) => return code,
        }
    };
    let checked = session.check();
    let mut diags = session.diagnostics(&checked.diagnostics, args.deny_warnings);
    let mut files = session.inputs.len();
    if let Some(only) = &only {
        diags = session.only_in(diags, only);
        files = only.len();
    }
    let sources = &session.project.sources;
    let products = session.products();
    let text = match args.format {
        Format::Human => {
            let mut s = render::human(sources, &diags, args.color);
            s.push_str(&products.lines(&diags));
            s.push_str(&render::Summary::of(&diags, files).line());
            s.push('\n');
            s
        }
        Format::Json => render::json(sources, &diags, files, &products),
        Format::Github => render::github(sources, &diags, &products),
        Format::Sarif => render::sarif(sources, &diags, &products),
    };
    if out.write_all(text.as_bytes()).is_err() {
        return 2;
    }
    i32::from(has_errors(&diags))
}
