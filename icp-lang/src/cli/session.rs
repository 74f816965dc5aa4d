//! What every command starts with: find the files, load them with their
//! imports, read each file's `icp.toml`, and check.

use super::fs::{collect_inputs, nearest_config, today, FsLoader, Tree, TreeLoader};
use icp_lang::ast::Date;
use icp_lang::check::{self, Checked, Options};
use icp_lang::config::{self, Settings};
use icp_lang::diagnostic::{normalize, Diagnostic, Severity};
use icp_lang::project::Project;
use icp_lang::source::Loader;
use icp_lang::span::FileId;
use std::collections::HashMap;
use std::path::PathBuf;

pub struct Session {
    pub inputs: Vec<PathBuf>,
    pub project: Project,
    pub opts: Options,
    pub cwd: PathBuf,
    configs: HashMap<PathBuf, (Option<Settings>, Vec<Diagnostic>)>,
    config_of_file: HashMap<FileId, PathBuf>,
}

impl Session {
    /// Loads `paths` (files or folders) from the disk; `Err` is a usage
    /// error for stderr.
    pub fn open(paths: &[PathBuf], as_of: Option<Date>) -> Result<Session, String> {
        Session::open_in(&FsLoader::new(), paths, as_of)
    }

    /// [`Session::open`] over any tree (the disk, or a git revision).
    pub fn open_in(
        tree: &dyn Tree,
        paths: &[PathBuf],
        as_of: Option<Date>,
    ) -> Result<Session, String> {
        let inputs = collect_inputs(tree, paths)?;
        let t0 = std::time::Instant::now();
        let loader = TreeLoader(tree);
        let mut project = icp_lang::project::load(&loader, &inputs);
        if std::env::var_os("ICP_TIMINGS").is_some() {
            eprintln!("load+parse {:?}", t0.elapsed());
        }
        let mut configs: HashMap<PathBuf, (Option<Settings>, Vec<Diagnostic>)> = HashMap::new();
        let mut config_of_file = HashMap::new();
        let file_paths: Vec<(FileId, PathBuf)> = project
            .sources
            .iter()
            .map(|(id, f)| (id, f.path.clone()))
            .collect();
        for (id, path) in &file_paths {
            let Some(cfg_path) = path.parent().and_then(|d| nearest_config(tree, d)) else {
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
        let mut opts = Options::new(as_of.unwrap_or_else(today));
        if as_of.is_none() {
            for (id, cfg) in &config_of_file {
                if let Some((Some(s), _)) = configs.get(cfg) {
                    if let Some(d) = s.as_of {
                        opts.as_of_by_file.insert(*id, d);
                    }
                }
            }
        }
        Ok(Session {
            cwd: tree.cwd().to_path_buf(),
            inputs,
            project,
            opts,
            configs,
            config_of_file,
        })
    }

    pub fn check(&self) -> Checked<'_> {
        let t0 = std::time::Instant::now();
        let checked = check::check(&self.project, &self.opts);
        if std::env::var_os("ICP_TIMINGS").is_some() {
            eprintln!("check {:?}", t0.elapsed());
        }
        checked
    }

    /// The checker's diagnostics with each project's levels applied, plus
    /// the problems of the `icp.toml` files themselves, in output order.
    pub fn diagnostics(&self, checked: Vec<Diagnostic>, deny_warnings: bool) -> Vec<Diagnostic> {
        let mut diags: Vec<Diagnostic> = Vec::new();
        for d in checked {
            diags.extend(config::apply(self.level(d.primary.span.file, d.code), d));
        }
        for (_, cfg_diags) in self.configs.values() {
            diags.extend(cfg_diags.iter().cloned());
        }
        if deny_warnings {
            for d in &mut diags {
                d.severity = Severity::Error;
            }
        }
        normalize(&mut diags);
        diags
    }

    fn level(&self, file: FileId, code: &str) -> Option<config::Level> {
        let cfg = self.config_of_file.get(&file)?;
        let (settings, _) = self.configs.get(cfg)?;
        settings.as_ref()?.levels.get(code).copied()
    }

    /// The `[data]` settings of the `icp.toml` that applies to a file.
    pub fn data_settings(&self, file: FileId) -> icp_lang::accounts::ReadSettings {
        self.config_of_file
            .get(&file)
            .and_then(|c| self.configs.get(c))
            .and_then(|(s, _)| s.as_ref())
            .map(|s| s.config.data.clone())
            .unwrap_or_default()
    }

    /// The as-of date that applies to a file.
    pub fn as_of(&self, file: FileId) -> Date {
        self.opts.as_of(file)
    }
}

pub fn has_errors(diags: &[Diagnostic]) -> bool {
    diags.iter().any(|d| d.severity == Severity::Error)
}

/// A product: the folder of an `icp.toml` (or of a file without one).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Product {
    pub dir: PathBuf,
    /// `[project] name`, else the folder as shown.
    pub name: String,
    /// `[project] sample_data`, resolved against the folder.
    pub sample_data: Option<PathBuf>,
}

impl Session {
    /// The product a file belongs to.
    pub fn product(&self, file: FileId) -> Product {
        let path = self
            .project
            .sources
            .get(file)
            .map(|f| f.path.clone())
            .unwrap_or_default();
        // An `icp.toml` belongs to its own product.
        let cfg = self
            .config_of_file
            .get(&file)
            .or_else(|| self.configs.get_key_value(&path).map(|(k, _)| k));
        let dir = match cfg {
            Some(c) => c.parent().map(PathBuf::from).unwrap_or_default(),
            None => path.parent().map(PathBuf::from).unwrap_or_default(),
        };
        let project = cfg
            .and_then(|c| self.configs.get(c))
            .and_then(|(s, _)| s.as_ref())
            .map(|s| &s.config.project);
        let shown = super::fs::display_name(&self.cwd, &dir);
        Product {
            name: project.and_then(|p| p.name.clone()).unwrap_or(shown),
            sample_data: project
                .and_then(|p| p.sample_data.as_ref())
                .map(|d| icp_lang::source::normalize(&dir.join(d))),
            dir,
        }
    }
}

impl Session {
    /// Every product of the files on the command line (and the files they
    /// import), for reports; products are ordered by folder.
    pub fn products(&self) -> icp_lang::render::Products {
        let mut by_dir: std::collections::BTreeMap<PathBuf, (Product, Vec<FileId>)> =
            std::collections::BTreeMap::new();
        for (id, _) in self.project.sources.iter() {
            let p = self.product(id);
            by_dir
                .entry(p.dir.clone())
                .or_insert((p, Vec::new()))
                .1
                .push(id);
        }
        let mut out = icp_lang::render::Products::default();
        for (i, (dir, (p, ids))) in by_dir.into_iter().enumerate() {
            let roots = ids
                .iter()
                .filter(|id| self.project.file(**id).is_some_and(|f| f.is_root))
                .count();
            out.list.push(icp_lang::render::Product {
                name: p.name,
                folder: super::fs::display_name(&self.cwd, &dir),
                files: roots,
            });
            for id in ids {
                out.of_file.insert(id, i);
            }
        }
        out
    }
}
