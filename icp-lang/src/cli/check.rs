//! `icp check`: load, check, apply each project's lint levels, render.

use super::fs::{collect_inputs, nearest_config, today, FsLoader};
use icp_lang::ast::Date;
use icp_lang::check::{self, Options};
use icp_lang::config::{self, Settings};
use icp_lang::diagnostic::{normalize, Diagnostic, Severity};
use icp_lang::render;
use icp_lang::source::Loader;
use std::collections::HashMap;
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
    pub format: Format,
    pub deny_warnings: bool,
    pub as_of: Option<Date>,
    pub color: bool,
}

/// Runs the check; returns the exit code (0 clean, 1 problems, 2 usage/IO).
pub fn run(args: &CheckArgs, out: &mut dyn std::io::Write, err: &mut dyn std::io::Write) -> i32 {
    let loader = FsLoader::new();
    let inputs = match collect_inputs(&loader, &args.paths) {
        Ok(i) => i,
        Err(e) => {
            let _ = writeln!(err, "error: {e}");
            return 2;
        }
    };
    let t0 = std::time::Instant::now();
    let mut project = icp_lang::project::load(&loader, &inputs);
    let t_load = t0.elapsed();

    // Each file's project settings, from the nearest icp.toml.
    let mut configs: HashMap<PathBuf, (Option<Settings>, Vec<Diagnostic>)> = HashMap::new();
    let mut config_of_file: HashMap<icp_lang::span::FileId, PathBuf> = HashMap::new();
    let file_paths: Vec<(icp_lang::span::FileId, PathBuf)> = project
        .sources
        .iter()
        .map(|(id, f)| (id, f.path.clone()))
        .collect();
    for (id, path) in &file_paths {
        let Some(cfg_path) = path.parent().and_then(nearest_config) else {
            continue;
        };
        if !configs.contains_key(&cfg_path) {
            let loaded = match loader.load(&cfg_path) {
                Ok(text) => {
                    let fid = project.sources.add(
                        loader.display_name(&cfg_path),
                        cfg_path.clone(),
                        text.clone(),
                    );
                    let (settings, diags) = config::parse(fid, &text);
                    (Some(settings), diags)
                }
                Err(_) => (None, Vec::new()),
            };
            configs.insert(cfg_path.clone(), loaded);
        }
        config_of_file.insert(*id, cfg_path);
    }

    let mut opts = Options::new(args.as_of.unwrap_or_else(today));
    if args.as_of.is_none() {
        for (id, cfg) in &config_of_file {
            if let Some((Some(s), _)) = configs.get(cfg) {
                if let Some(d) = s.as_of {
                    opts.as_of_by_file.insert(*id, d);
                }
            }
        }
    }

    let t1 = std::time::Instant::now();
    let checked = check::check(&project, &opts);
    if std::env::var_os("ICP_TIMINGS").is_some() {
        let _ = writeln!(err, "load+parse {:?}, check {:?}", t_load, t1.elapsed());
    }
    let mut diags: Vec<Diagnostic> = Vec::new();
    for d in checked.diagnostics {
        let level = config_of_file
            .get(&d.primary.span.file)
            .and_then(|c| configs.get(c))
            .and_then(|(s, _)| s.as_ref())
            .and_then(|s| s.levels.get(d.code).copied());
        diags.extend(config::apply(level, d));
    }
    for (_, cfg_diags) in configs.values() {
        diags.extend(cfg_diags.iter().cloned());
    }
    if args.deny_warnings {
        for d in &mut diags {
            d.severity = Severity::Error;
        }
    }
    normalize(&mut diags);

    let files = inputs.len();
    let text = match args.format {
        Format::Human => {
            let mut s = render::human(&project.sources, &diags, args.color);
            s.push_str(&render::Summary::of(&diags, files).line());
            s.push('\n');
            s
        }
        Format::Json => render::json(&project.sources, &diags, files),
        Format::Github => render::github(&project.sources, &diags),
        Format::Sarif => render::sarif(&project.sources, &diags),
    };
    if out.write_all(text.as_bytes()).is_err() {
        return 2;
    }
    i32::from(diags.iter().any(|d| d.severity == Severity::Error))
}
