//! The file system side of the CLI: reading sources, finding `icp.toml`,
//! collecting `.icp` files from folders. The same walk runs over the disk
//! ([`FsLoader`]) or over a git revision (`git.rs`), through [`Tree`].

use icp_lang::source::{decode, normalize, LoadError, Loader, MAX_SOURCE_BYTES};
use std::io::Read;
use std::path::{Path, PathBuf};

/// A file tree the CLI reads projects from; every tree is a [`Loader`].
pub trait Tree: Sync {
    /// The working directory paths on the command line are relative to.
    fn cwd(&self) -> &Path;
    /// The text of a file (checked to be UTF-8 and within the size limit).
    fn read(&self, path: &Path) -> Result<String, LoadError>;
    fn is_file(&self, path: &Path) -> bool;
    fn is_dir(&self, path: &Path) -> bool;
    /// The entries of a folder, sorted by name, each with whether it is a folder.
    fn entries(&self, dir: &Path) -> Vec<(String, bool)>;

    fn absolute(&self, p: &Path) -> PathBuf {
        normalize(&self.cwd().join(p))
    }
}

pub struct FsLoader {
    pub cwd: PathBuf,
}

impl FsLoader {
    pub fn new() -> FsLoader {
        FsLoader {
            cwd: std::env::current_dir()
                .map(|d| normalize(&d))
                .unwrap_or_default(),
        }
    }
}

impl Tree for FsLoader {
    fn cwd(&self) -> &Path {
        &self.cwd
    }

    fn read(&self, path: &Path) -> Result<String, LoadError> {
        let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => LoadError::NotFound,
            _ => LoadError::Io(e.to_string()),
        })?;
        if meta.is_dir() {
            return Err(LoadError::IsDirectory);
        }
        if meta.len() > MAX_SOURCE_BYTES {
            return Err(LoadError::TooLarge { bytes: meta.len() });
        }
        // Read at most one byte past the limit, in case the file grew.
        let file = std::fs::File::open(path).map_err(|e| LoadError::Io(e.to_string()))?;
        let mut bytes = Vec::with_capacity(meta.len() as usize);
        file.take(MAX_SOURCE_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| LoadError::Io(e.to_string()))?;
        decode(bytes)
    }

    fn is_file(&self, path: &Path) -> bool {
        path.is_file()
    }

    fn is_dir(&self, path: &Path) -> bool {
        path.is_dir()
    }

    fn entries(&self, dir: &Path) -> Vec<(String, bool)> {
        let Ok(rd) = std::fs::read_dir(dir) else {
            return Vec::new();
        };
        let mut out: Vec<(String, bool)> = rd
            .flatten()
            .map(|e| {
                let is_dir = e.file_type().is_ok_and(|t| t.is_dir());
                (e.file_name().to_string_lossy().into_owned(), is_dir)
            })
            .collect();
        out.sort();
        out
    }
}

/// A tree as the compiler's [`Loader`]: the same for the disk and for git.
pub struct TreeLoader<'t>(pub &'t dyn Tree);

impl Loader for TreeLoader<'_> {
    fn load(&self, path: &Path) -> Result<String, LoadError> {
        self.0.read(path)
    }

    fn project_root(&self, file: &Path) -> PathBuf {
        project_root(self.0, file)
    }

    fn list_dir(&self, dir: &Path) -> Vec<String> {
        self.0.entries(dir).into_iter().map(|(n, _)| n).collect()
    }

    fn display_name(&self, path: &Path) -> String {
        display_name(self.0.cwd(), path)
    }
}

/// The folder imports may not leave: that of the outermost `icp.toml`.
pub fn project_root(tree: &dyn Tree, file: &Path) -> PathBuf {
    let start = file.parent().unwrap_or(file);
    configs_above(tree, start)
        .pop()
        .and_then(|c| c.parent().map(Path::to_path_buf))
        .unwrap_or_else(|| start.to_path_buf())
}

/// A path as shown in messages: relative to the working directory.
pub fn display_name(cwd: &Path, path: &Path) -> String {
    let shown = path.strip_prefix(cwd).unwrap_or(path);
    let s = shown.to_string_lossy().replace('\\', "/");
    if s.is_empty() {
        ".".to_string()
    } else {
        s
    }
}

/// Every `icp.toml` from `dir` upward, nearest first.
pub fn configs_above(tree: &dyn Tree, dir: &Path) -> Vec<PathBuf> {
    dir.ancestors()
        .map(|d| d.join("icp.toml"))
        .filter(|p| tree.is_file(p))
        .collect()
}

pub fn nearest_config(tree: &dyn Tree, dir: &Path) -> Option<PathBuf> {
    configs_above(tree, dir).into_iter().next()
}

/// The `.icp` files a command line names: files as given, folders searched
/// recursively (hidden folders, `target` and `node_modules` skipped), sorted.
pub fn collect_inputs(tree: &dyn Tree, args: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    for arg in args {
        let abs = tree.absolute(arg);
        if tree.is_dir(&abs) {
            let before = out.len();
            walk(tree, &abs, &mut out);
            if out.len() == before {
                return Err(format!("no .icp files in `{}`", arg.display()));
            }
        } else if tree.is_file(&abs) {
            out.push(abs);
        } else {
            return Err(format!("`{}`: no such file or folder", arg.display()));
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

fn walk(tree: &dyn Tree, dir: &Path, out: &mut Vec<PathBuf>) {
    for (name, is_dir) in tree.entries(dir) {
        if is_dir {
            if !name.starts_with('.') && name != "target" && name != "node_modules" {
                walk(tree, &dir.join(&name), out);
            }
        } else if name.ends_with(".icp") {
            out.push(dir.join(&name));
        }
    }
}

/// Today in UTC, from the system clock.
pub fn today() -> icp_lang::ast::Date {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    icp_lang::ast::Date::from_days((secs / 86_400) as i64)
}
