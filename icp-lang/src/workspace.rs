//! A workspace: the files a command (or the editor) works on, the files they
//! import, and the settings of the products they belong to. The CLI and the
//! language server both open one over a [`Tree`] of their own, so roots,
//! `icp.toml` settings, lint levels, as-of dates and products are decided
//! here once and the two cannot disagree.

use crate::ast::Date;
use crate::check::{self, Checked, Options};
use crate::config::{self, Level, Settings};
use crate::diagnostic::{normalize, Diagnostic, Severity};
use crate::project::{self, Project};
use crate::render;
use crate::source::normalize as normalize_path;
use crate::span::{FileId, Span};
use crate::tree::{self, Kind, Tree};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

/// One `icp.toml`: its text's id, what it says, and what is wrong with it.
struct ConfigFile {
    settings: Option<Settings>,
    diags: Vec<Diagnostic>,
    /// The project root it lies in.
    root: PathBuf,
}

pub struct Workspace {
    /// The `.icp` files asked for, absolute.
    pub inputs: Vec<PathBuf>,
    pub project: Project,
    pub opts: Options,
    pub cwd: PathBuf,
    configs: BTreeMap<PathBuf, ConfigFile>,
    config_of_file: HashMap<FileId, PathBuf>,
}

/// A product: the folder of an `icp.toml` (or of a file without one).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Product {
    pub dir: PathBuf,
    /// `[project] name`, else the folder as shown.
    pub name: String,
    /// `[project] sample_data`, resolved against the folder.
    pub sample_data: Option<PathBuf>,
    /// The folder no file of the product may leave (after links).
    pub root: PathBuf,
}

impl Workspace {
    /// The files and folders of a command line (relative to the tree's
    /// working directory); `Err` is a usage error.
    pub fn open(
        tree: &dyn Tree,
        paths: &[PathBuf],
        as_of: Option<Date>,
        today: Date,
    ) -> Result<Workspace, String> {
        let inputs = tree::collect_inputs(tree, paths)?;
        Ok(Workspace::load(tree, inputs, as_of, today))
    }

    /// The files of a command line checked as part of their whole projects:
    /// every `.icp` file under each one's project root is loaded, so a
    /// shared file is judged with the files that import it (its segments
    /// are used there). Returns the workspace and the files asked for, to
    /// which findings are then limited (pre-commit on staged files).
    pub fn open_in_context(
        tree: &dyn Tree,
        paths: &[PathBuf],
        as_of: Option<Date>,
        today: Date,
    ) -> Result<(Workspace, BTreeSet<PathBuf>), String> {
        let asked = tree::collect_inputs(tree, paths)?;
        let mut inputs: BTreeSet<PathBuf> = asked.iter().cloned().collect();
        let roots: BTreeSet<PathBuf> = asked
            .iter()
            .map(|f| normalize_path(&tree::project_root(tree, f)))
            .collect();
        for root in roots {
            // A project too large to load whole is checked as asked.
            if let Some(files) = tree::project_files(tree, &root, 20_000) {
                inputs.extend(files);
            }
        }
        let ws = Workspace::load(tree, inputs.into_iter().collect(), as_of, today);
        Ok((ws, asked.into_iter().collect()))
    }

    /// Diagnostics in the files asked for (and their `icp.toml`) only.
    pub fn only_in(&self, diags: Vec<Diagnostic>, files: &BTreeSet<PathBuf>) -> Vec<Diagnostic> {
        diags
            .into_iter()
            .filter(|d| {
                self.project
                    .sources
                    .get(d.primary.span.file)
                    .is_some_and(|s| files.contains(&s.path) || self.configs.contains_key(&s.path))
            })
            .collect()
    }

    /// `files` (absolute) with their imports and settings. `as_of` (a flag)
    /// wins over each product's `as_of`, which wins over `today`.
    pub fn load(
        tree: &dyn Tree,
        inputs: Vec<PathBuf>,
        as_of: Option<Date>,
        today: Date,
    ) -> Workspace {
        let t0 = std::time::Instant::now();
        let mut project = project::load(tree, &inputs);
        if std::env::var_os("ICP_TIMINGS").is_some() {
            eprintln!("load+parse {:?}", t0.elapsed());
        }
        let mut configs: BTreeMap<PathBuf, ConfigFile> = BTreeMap::new();
        let mut config_of_file = HashMap::new();
        let mut nearest: HashMap<PathBuf, Option<PathBuf>> = HashMap::new();
        let file_paths: Vec<(FileId, PathBuf)> = project
            .sources
            .iter()
            .map(|(id, f)| (id, f.path.clone()))
            .collect();
        for (id, path) in &file_paths {
            let Some(dir) = path.parent() else { continue };
            let cfg = nearest
                .entry(dir.to_path_buf())
                .or_insert_with(|| tree::configs_above(tree, dir).into_iter().next())
                .clone();
            let Some(cfg) = cfg else { continue };
            if !configs.contains_key(&cfg) {
                let loaded = read_config(tree, &mut project, &cfg);
                configs.insert(cfg.clone(), loaded);
            }
            config_of_file.insert(*id, cfg);
        }
        let mut opts = Options::new(as_of.unwrap_or(today));
        for (id, cfg) in &config_of_file {
            if let Some(d) = configs
                .get(cfg)
                .and_then(|c| c.settings.as_ref())
                .and_then(|s| s.as_of)
            {
                opts.pinned.insert(*id);
                if as_of.is_none() {
                    opts.as_of_by_file.insert(*id, d);
                }
            }
        }
        Workspace {
            cwd: tree.cwd().to_path_buf(),
            inputs,
            project,
            opts,
            configs,
            config_of_file,
        }
    }

    pub fn check(&self) -> Checked<'_> {
        let t0 = std::time::Instant::now();
        let mut checked = check::check(&self.project, &self.opts);
        let leaks = self.outcome_leaks(&checked);
        checked.diagnostics.extend(leaks);
        if std::env::var_os("ICP_TIMINGS").is_some() {
            eprintln!("check {:?}", t0.elapsed());
        }
        checked
    }

    /// A rule that reads the product's outcome column (or its date) would
    /// score an account by how its deal ended: leakage (W0501). Judged on
    /// each ICP's plan, whose columns carry the headers they are read from.
    fn outcome_leaks(&self, checked: &Checked<'_>) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        for (id, decl) in checked.decls.iter().enumerate() {
            let id = check::DeclId(id);
            if decl.kind != check::DeclKind::Icp || checked.has_errors.contains(&id) {
                continue;
            }
            let Some(outcomes) = self.settings(decl.file).map(|s| &s.config.outcomes) else {
                continue;
            };
            let norm = |s: &str| s.trim().to_lowercase();
            let watched: Vec<(String, &str)> = [
                (outcomes.column.as_deref(), "outcome column"),
                (outcomes.date_column.as_deref(), "outcome date column"),
            ]
            .into_iter()
            .filter_map(|(c, what)| Some((norm(c?), what)))
            .collect();
            if watched.is_empty() {
                continue;
            }
            let Some(plan) = crate::plan::lower_icp(checked, id, self.as_of(decl.file)) else {
                continue;
            };
            let mut rules: Vec<(&str, &str, Span, std::collections::BTreeSet<usize>)> = Vec::new();
            for g in &plan.gates {
                let mut cols = std::collections::BTreeSet::new();
                crate::explain::columns_of(&plan, g.cond, &mut cols);
                rules.push((g.kind.word(), &g.name, g.span, cols));
            }
            for (i, s) in plan.signals.iter().enumerate() {
                rules.push((
                    "signal",
                    &s.name,
                    s.span,
                    crate::explain::signal_columns(&plan, i),
                ));
            }
            for (kind, name, span, cols) in rules {
                for c in cols.iter().filter_map(|c| plan.columns.get(*c)) {
                    let Some((_, what)) = watched.iter().find(|(w, _)| *w == norm(&c.header))
                    else {
                        continue;
                    };
                    out.push(
                        Diagnostic::new(
                            "W0501",
                            span,
                            format!(
                                "{kind} `{name}` reads `{}`, the product's {what} ([outcomes] in icp.toml)",
                                c.field
                            ),
                        )
                        .label(format!("reads column `{}`", c.header))
                        .note("a rule on how the deal ended scores the outcome itself: validation would look perfect and mean nothing")
                        .help("score accounts on what is known before the deal closes; remove the rule or the field"),
                    );
                }
            }
        }
        out
    }

    /// The checker's diagnostics with each product's levels applied, plus the
    /// problems of the `icp.toml` files themselves, in output order.
    pub fn diagnostics(&self, checked: &[Diagnostic], deny_warnings: bool) -> Vec<Diagnostic> {
        let mut diags: Vec<Diagnostic> = Vec::new();
        for d in checked {
            diags.extend(config::apply(
                self.level(d.primary.span.file, d.code),
                d.clone(),
            ));
        }
        for c in self.configs.values() {
            diags.extend(c.diags.iter().cloned());
        }
        if deny_warnings {
            for d in &mut diags {
                d.severity = Severity::Error;
            }
        }
        normalize(&mut diags);
        diags
    }

    fn level(&self, file: FileId, code: &str) -> Option<Level> {
        let cfg = self.config_of_file.get(&file)?;
        let settings = self.configs.get(cfg)?.settings.as_ref()?;
        settings.levels.get(code).copied()
    }

    /// The as-of date that applies to a file.
    pub fn as_of(&self, file: FileId) -> Date {
        self.opts.as_of(file)
    }

    /// The settings of the product a file belongs to, when its `icp.toml`
    /// could be read.
    pub fn settings(&self, file: FileId) -> Option<&Settings> {
        let cfg = self.config_of_file.get(&file)?;
        self.configs.get(cfg)?.settings.as_ref()
    }

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
            .and_then(|c| c.settings.as_ref())
            .map(|s| &s.config.project);
        let shown = tree::display_name(&self.cwd, &dir);
        let root = cfg
            .and_then(|c| self.configs.get(c))
            .map(|c| c.root.clone())
            .unwrap_or_else(|| dir.clone());
        Product {
            name: project.and_then(|p| p.name.clone()).unwrap_or(shown),
            sample_data: project
                .and_then(|p| p.sample_data.as_ref())
                .map(|d| normalize_path(&dir.join(d.get_ref()))),
            dir,
            root,
        }
    }

    /// Every product of the files (and the files they import), for reports;
    /// ordered by folder.
    pub fn products(&self) -> render::Products {
        let mut by_dir: BTreeMap<PathBuf, (Product, Vec<FileId>)> = BTreeMap::new();
        for (id, _) in self.project.sources.iter() {
            let p = self.product(id);
            by_dir
                .entry(p.dir.clone())
                .or_insert((p, Vec::new()))
                .1
                .push(id);
        }
        let mut out = render::Products::default();
        for (i, (dir, (p, ids))) in by_dir.into_iter().enumerate() {
            let roots = ids
                .iter()
                .filter(|id| self.project.file(**id).is_some_and(|f| f.is_root))
                .count();
            out.list.push(render::Product {
                name: p.name,
                folder: tree::display_name(&self.cwd, &dir),
                files: roots,
            });
            for id in ids {
                out.of_file.insert(id, i);
            }
        }
        out
    }

    /// The files asked for whose ICPs cannot run, because of an error in
    /// them, in a file they import (at any depth) or in their `icp.toml`.
    /// The others can: one broken product hides nothing else.
    pub fn broken_roots(&self, diags: &[Diagnostic]) -> BTreeSet<FileId> {
        let with_errors: BTreeSet<FileId> = diags
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .map(|d| d.primary.span.file)
            .collect();
        let config_id: HashMap<&Path, FileId> = self
            .config_files()
            .into_iter()
            .map(|(id, p)| (p, id))
            .collect();
        let broken = |id: FileId| {
            let settings = self
                .config_of_file
                .get(&id)
                .and_then(|c| config_id.get(c.as_path()));
            with_errors.contains(&id) || settings.is_some_and(|c| with_errors.contains(c))
        };
        let mut out = BTreeSet::new();
        for root in self.project.parsed().filter(|f| f.is_root) {
            let mut seen = BTreeSet::from([root.id]);
            let mut queue = vec![root.id];
            while let Some(id) = queue.pop() {
                if broken(id) {
                    out.insert(root.id);
                    break;
                }
                for (_, target) in self
                    .project
                    .file(id)
                    .map(|f| f.imports.as_slice())
                    .unwrap_or(&[])
                {
                    if let Some(t) = target {
                        if seen.insert(*t) {
                            queue.push(*t);
                        }
                    }
                }
            }
        }
        out
    }

    /// Each `icp.toml` read, with the id of its text (for its diagnostics).
    pub fn config_files(&self) -> Vec<(FileId, &Path)> {
        self.project
            .sources
            .iter()
            .filter(|(_, f)| self.configs.contains_key(&f.path))
            .map(|(id, f)| (id, f.path.as_path()))
            .collect()
    }
}

pub fn has_errors(diags: &[Diagnostic]) -> bool {
    diags.iter().any(|d| d.severity == Severity::Error)
}

/// Reads and parses one `icp.toml`; whatever is wrong (unreadable, not a
/// file, not UTF-8, too large, invalid, a path leaving the project) is a
/// diagnostic located in it.
fn read_config(tree: &dyn Tree, project: &mut Project, path: &Path) -> ConfigFile {
    let root = tree::project_root(tree, path);
    let shown = tree.display_name(path);
    let (text, err) = match tree::read_text(tree, path, Some(&root)) {
        Ok(t) => (t, None),
        Err(e) => (String::new(), Some(e)),
    };
    let fid = project
        .sources
        .add(shown.clone(), path.to_path_buf(), text.clone());
    if let Some(e) = err {
        return ConfigFile {
            settings: None,
            diags: vec![project::load_error(e, Span::new(fid, 0, 0), &shown)],
            root,
        };
    }
    let (settings, mut diags) = config::parse(fid, &text);
    let dir = path.parent().unwrap_or(path);
    if let Some(sample) = &settings.config.project.sample_data {
        let data = normalize_path(&dir.join(sample.get_ref()));
        let problem = match tree::check_inside(tree, &data, &root) {
            Err(_) => Some("leads outside the project root"),
            Ok(()) => match tree.stat(&data) {
                Ok((Kind::Dir, _)) => Some("is a folder, not a file"),
                Ok((Kind::Other, _)) => Some("is not a regular file (a pipe, device or socket)"),
                _ => None,
            },
        };
        if let Some(problem) = problem {
            let value: String = sample.get_ref().chars().take(80).collect();
            diags.push(
                Diagnostic::new(
                    "E0004",
                    config::located(fid, sample),
                    format!("`sample_data` `{value}` {problem}"),
                )
                .label("cannot be read")
                .help("name a CSV or JSON-lines file inside the product's project folder"),
            );
        }
    }
    ConfigFile {
        settings: Some(settings),
        diags,
        root,
    }
}
