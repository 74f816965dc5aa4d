//! File trees, and the rules for reading from one.
//!
//! Every reader of projects goes through a [`Tree`]: the disk (`disk.rs`), a
//! git revision (the CLI's `icp diff`), open editor documents over the disk
//! (the server), or memory (tests). A tree answers only primitive questions;
//! the rules live here once, so the command line and the editor cannot
//! disagree on them:
//!
//! - only regular files are read: a FIFO, device or socket is an error, never
//!   a read that blocks;
//! - a file is read whole only below a size limit;
//! - a file of a project is read only if, after every link is followed, it
//!   lies inside the project root (the folder of the outermost `icp.toml`);
//! - folders are walked without hidden folders, `target` and `node_modules`,
//!   never into a folder outside the walked one, and never twice.

use crate::source::{decode, normalize, LoadError, MAX_SOURCE_BYTES};
use std::collections::BTreeSet;
use std::io::Read;
use std::path::{Path, PathBuf};

/// What a path names, after following links.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    File,
    Dir,
    /// A FIFO, device or socket: never read.
    Other,
}

/// One entry of a folder.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Entry {
    pub name: String,
    pub kind: Kind,
}

/// A file tree. Paths are absolute and normalised.
pub trait Tree: Sync {
    /// The folder paths on the command line are relative to.
    fn cwd(&self) -> &Path;
    /// What is at `path` after following links, and its size in bytes.
    fn stat(&self, path: &Path) -> Result<(Kind, u64), LoadError>;
    /// `path` with every link followed, as far as it exists; trees without
    /// links give it back unchanged.
    fn real_path(&self, path: &Path) -> PathBuf {
        path.to_path_buf()
    }
    /// Up to `limit` bytes of the file at `path`. Must refuse (not block on)
    /// anything but a regular file, even one swapped in after `stat`.
    fn read_bytes(&self, path: &Path, limit: u64) -> Result<Vec<u8>, LoadError>;
    /// The file at `path` as a stream (accounts are too large to hold).
    fn open(&self, path: &Path) -> Result<Box<dyn Read + Send>, LoadError> {
        let bytes = self.read_bytes(path, u64::MAX)?;
        Ok(Box::new(std::io::Cursor::new(bytes)))
    }
    /// A folder's entries, sorted by name; empty when it cannot be listed.
    fn entries(&self, dir: &Path) -> Vec<Entry>;
    /// How a path is shown in messages.
    fn display_name(&self, path: &Path) -> String {
        display_name(self.cwd(), path)
    }
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

/// Whether `path`, with links followed, lies inside `root` (links followed too).
pub fn check_inside(tree: &dyn Tree, path: &Path, root: &Path) -> Result<(), LoadError> {
    let real = tree.real_path(path);
    if real.starts_with(tree.real_path(root)) {
        Ok(())
    } else {
        Err(LoadError::OutsideRoot)
    }
}

/// A regular file that may be read: inside `root` when one is given.
pub fn check_file(tree: &dyn Tree, path: &Path, root: Option<&Path>) -> Result<u64, LoadError> {
    if let Some(root) = root {
        check_inside(tree, path, root)?;
    }
    match tree.stat(path)? {
        (Kind::File, len) => Ok(len),
        (Kind::Dir, _) => Err(LoadError::IsDirectory),
        (Kind::Other, _) => Err(LoadError::NotRegular),
    }
}

/// The text of a source or settings file: a regular file inside `root`,
/// UTF-8 without NUL bytes, within the size limit.
pub fn read_text(tree: &dyn Tree, path: &Path, root: Option<&Path>) -> Result<String, LoadError> {
    let len = check_file(tree, path, root)?;
    if len > MAX_SOURCE_BYTES {
        return Err(LoadError::TooLarge { bytes: len });
    }
    // One byte past the limit tells a file that grew since `stat`.
    let bytes = tree.read_bytes(path, MAX_SOURCE_BYTES + 1)?;
    decode(bytes)
}

/// A data file a project names (`sample_data`): a regular file inside `root`,
/// opened as a stream.
pub fn open_data(
    tree: &dyn Tree,
    path: &Path,
    root: &Path,
) -> Result<(Box<dyn Read + Send>, u64), LoadError> {
    let len = check_file(tree, path, Some(root))?;
    Ok((tree.open(path)?, len))
}

/// Every `icp.toml` from `dir` upward, nearest first. Anything of that name
/// counts (a folder or FIFO too), so that reading it reports what is wrong.
pub fn configs_above(tree: &dyn Tree, dir: &Path) -> Vec<PathBuf> {
    dir.ancestors()
        .map(|d| d.join("icp.toml"))
        .filter(|p| tree.stat(p).is_ok())
        .collect()
}

/// The folder a file's imports and settings may not leave: that of the
/// outermost `icp.toml` above it, else the file's own folder.
pub fn project_root(tree: &dyn Tree, file: &Path) -> PathBuf {
    let start = file.parent().unwrap_or(file);
    configs_above(tree, start)
        .pop()
        .and_then(|c| c.parent().map(Path::to_path_buf))
        .unwrap_or_else(|| start.to_path_buf())
}

/// Folders never searched for `.icp` files.
pub fn skipped_folder(name: &str) -> bool {
    name.starts_with('.') || name == "target" || name == "node_modules"
}

/// The `.icp` files a command line names: files as given, folders searched
/// recursively (see [`skipped_folder`]), sorted. `Err` is a usage error.
pub fn collect_inputs(tree: &dyn Tree, args: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    for arg in args {
        let abs = normalize(&tree.cwd().join(arg));
        match tree.stat(&abs) {
            Ok((Kind::Dir, _)) => {
                let before = out.len();
                let mut seen = BTreeSet::new();
                walk(
                    tree,
                    &abs,
                    &tree.real_path(&abs),
                    &mut seen,
                    &mut out,
                    usize::MAX,
                );
                if out.len() == before {
                    return Err(format!("no .icp files in `{}`", arg.display()));
                }
            }
            // A FIFO or device named directly is read, and refused, as a
            // file: a located error rather than "no such file".
            Ok(_) => out.push(abs),
            Err(_) => return Err(format!("`{}`: no such file or folder", arg.display())),
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// Every `.icp` file of a project folder (for references and rename);
/// `None` when there are more than `limit`, found without walking on.
pub fn project_files(tree: &dyn Tree, root: &Path, limit: usize) -> Option<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    walk(
        tree,
        root,
        &tree.real_path(root),
        &mut seen,
        &mut out,
        limit,
    );
    out.sort();
    (out.len() <= limit).then_some(out)
}

fn walk(
    tree: &dyn Tree,
    dir: &Path,
    top: &Path,
    seen: &mut BTreeSet<PathBuf>,
    out: &mut Vec<PathBuf>,
    limit: usize,
) {
    // A linked folder is searched only when it stays inside the folder being
    // walked, and each real folder once: no escape, no loop.
    let real = tree.real_path(dir);
    if !real.starts_with(top) || !seen.insert(real) {
        return;
    }
    for e in tree.entries(dir) {
        if out.len() > limit {
            return;
        }
        match e.kind {
            Kind::Dir if !skipped_folder(&e.name) => {
                walk(tree, &dir.join(&e.name), top, seen, out, limit)
            }
            Kind::Dir => {}
            // FIFOs and devices ending in `.icp` are listed so that reading
            // them reports them.
            Kind::File | Kind::Other if e.name.ends_with(".icp") => out.push(dir.join(&e.name)),
            _ => {}
        }
    }
}

/// Files in memory: for tests, and for text that is not on any disk.
#[derive(Default)]
pub struct MemTree {
    pub cwd: PathBuf,
    pub files: std::collections::BTreeMap<PathBuf, Vec<u8>>,
}

impl MemTree {
    pub fn new<T: Into<Vec<u8>>>(files: impl IntoIterator<Item = (PathBuf, T)>) -> MemTree {
        // No working directory: paths are shown as they are.
        MemTree {
            cwd: PathBuf::new(),
            files: files.into_iter().map(|(p, t)| (p, t.into())).collect(),
        }
    }
}

impl Tree for MemTree {
    fn cwd(&self) -> &Path {
        &self.cwd
    }

    fn stat(&self, path: &Path) -> Result<(Kind, u64), LoadError> {
        if let Some(t) = self.files.get(path) {
            return Ok((Kind::File, t.len() as u64));
        }
        if self.files.keys().any(|p| p.starts_with(path)) {
            return Ok((Kind::Dir, 0));
        }
        Err(LoadError::NotFound)
    }

    fn read_bytes(&self, path: &Path, limit: u64) -> Result<Vec<u8>, LoadError> {
        let t = self.files.get(path).ok_or(LoadError::NotFound)?;
        let n = usize::try_from(limit).unwrap_or(usize::MAX).min(t.len());
        Ok(t.get(..n).unwrap_or_default().to_vec())
    }

    fn entries(&self, dir: &Path) -> Vec<Entry> {
        let mut out: BTreeSet<Entry> = BTreeSet::new();
        for p in self.files.keys() {
            let Ok(rest) = p.strip_prefix(dir) else {
                continue;
            };
            let mut parts = rest.components();
            let (Some(first), more) = (parts.next(), parts.next().is_some()) else {
                continue;
            };
            out.insert(Entry {
                name: first.as_os_str().to_string_lossy().into_owned(),
                kind: if more { Kind::Dir } else { Kind::File },
            });
        }
        out.into_iter().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_trees_walk_like_folders() {
        let t = MemTree::new([
            (PathBuf::from("/p/icp.toml"), ""),
            (PathBuf::from("/p/a.icp"), "x"),
            (PathBuf::from("/p/sub/b.icp"), "y"),
            (PathBuf::from("/p/.hidden/c.icp"), "z"),
            (PathBuf::from("/p/target/d.icp"), "z"),
        ]);
        assert_eq!(
            collect_inputs(&t, &[PathBuf::from("/p")]).unwrap(),
            vec![PathBuf::from("/p/a.icp"), PathBuf::from("/p/sub/b.icp")]
        );
        assert_eq!(
            project_root(&t, Path::new("/p/sub/b.icp")),
            PathBuf::from("/p")
        );
        assert_eq!(
            read_text(&t, Path::new("/p/sub"), None),
            Err(LoadError::IsDirectory)
        );
        assert_eq!(
            read_text(&t, Path::new("/q/x.icp"), Some(Path::new("/p"))),
            Err(LoadError::OutsideRoot)
        );
    }
}
