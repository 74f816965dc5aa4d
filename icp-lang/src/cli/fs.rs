//! The file system side of the CLI: reading sources, finding `icp.toml`,
//! collecting `.icp` files from folders.

use icp_lang::source::{decode, normalize, LoadError, Loader, MAX_SOURCE_BYTES};
use std::io::Read;
use std::path::{Path, PathBuf};

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

    pub fn absolute(&self, p: &Path) -> PathBuf {
        normalize(&self.cwd.join(p))
    }
}

impl Loader for FsLoader {
    fn load(&self, path: &Path) -> Result<String, LoadError> {
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

    fn project_root(&self, file: &Path) -> PathBuf {
        let start = file.parent().unwrap_or(file);
        outermost_config(start)
            .and_then(|c| c.parent().map(Path::to_path_buf))
            .unwrap_or_else(|| start.to_path_buf())
    }

    fn list_dir(&self, dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .map(|rd| {
                rd.flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    }

    fn display_name(&self, path: &Path) -> String {
        let shown = path.strip_prefix(&self.cwd).unwrap_or(path);
        let s = shown.to_string_lossy().replace('\\', "/");
        if s.is_empty() {
            ".".to_string()
        } else {
            s
        }
    }
}

/// Every `icp.toml` from `dir` upward, nearest first.
pub fn configs_above(dir: &Path) -> Vec<PathBuf> {
    dir.ancestors()
        .map(|d| d.join("icp.toml"))
        .filter(|p| p.is_file())
        .collect()
}

pub fn nearest_config(dir: &Path) -> Option<PathBuf> {
    configs_above(dir).into_iter().next()
}

fn outermost_config(dir: &Path) -> Option<PathBuf> {
    configs_above(dir).into_iter().last()
}

/// The `.icp` files a command line names: files as given, folders searched
/// recursively (hidden folders, `target` and `node_modules` skipped), sorted.
pub fn collect_inputs(loader: &FsLoader, args: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    for arg in args {
        let abs = loader.absolute(arg);
        match std::fs::metadata(&abs) {
            Ok(m) if m.is_dir() => {
                let before = out.len();
                walk(&abs, &mut out);
                if out.len() == before {
                    return Err(format!("no .icp files in `{}`", arg.display()));
                }
            }
            Ok(_) => out.push(abs),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(format!("`{}`: no such file or folder", arg.display()))
            }
            Err(e) => return Err(format!("`{}`: {e}", arg.display())),
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = rd.flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let name = e.file_name().to_string_lossy().into_owned();
        let Ok(ft) = e.file_type() else { continue };
        if ft.is_dir() {
            if !name.starts_with('.') && name != "target" && name != "node_modules" {
                walk(&e.path(), out);
            }
        } else if name.ends_with(".icp") {
            out.push(e.path());
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
