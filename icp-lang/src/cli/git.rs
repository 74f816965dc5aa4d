//! A git revision as a [`Tree`]: its `.icp` and `icp.toml` files are read
//! through `git` itself (one `ls-tree`, one `cat-file --batch`), so nothing
//! is checked out and the working tree is never touched.

use icp_lang::source::{normalize, LoadError};
use icp_lang::tree::{Entry, Kind, Tree};
use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

pub struct GitTree {
    cwd: PathBuf,
    /// The top of the repository, as the working directory spells it.
    top: PathBuf,
    /// The short commit id the revision resolved to.
    pub commit: String,
    /// Contents of the files a project can read, by absolute path.
    texts: BTreeMap<PathBuf, Vec<u8>>,
    /// Every folder's entries (name, is a folder), sorted.
    children: BTreeMap<PathBuf, BTreeSet<(String, bool)>>,
}

fn git(dir: &Path, args: &[&str]) -> Result<Vec<u8>, String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run `git` ({e}); `icp diff` needs git on the PATH"))?;
    if out.status.success() {
        Ok(out.stdout)
    } else {
        Err(String::from_utf8_lossy(&out.stderr).trim().to_string())
    }
}

fn line(bytes: Vec<u8>) -> String {
    String::from_utf8_lossy(&bytes).trim().to_string()
}

/// Whether the project reads this file: sources and their settings.
fn wanted(path: &str) -> bool {
    path.ends_with(".icp") || path == "icp.toml" || path.ends_with("/icp.toml")
}

impl GitTree {
    /// The tree of `rev` in the repository that holds `cwd`.
    pub fn open(cwd: &Path, rev: &str) -> Result<GitTree, String> {
        git(cwd, &["rev-parse", "--show-toplevel"]).map_err(|_| {
            format!(
                "`{}` is not inside a git repository; `icp diff` compares with a git revision",
                cwd.display()
            )
        })?;
        // The top of the repository as the working directory spells it
        // (git would resolve symbolic links), so paths line up with the disk.
        let prefix = line(git(cwd, &["rev-parse", "--show-prefix"])?);
        let mut top = cwd.to_path_buf();
        for _ in Path::new(&prefix).components() {
            top.pop();
        }
        let spec = format!("{rev}^{{commit}}");
        let commit = git(cwd, &["rev-parse", "--verify", "--quiet", "--short", &spec])
            .ok()
            .map(line)
            .filter(|c| !c.is_empty())
            .ok_or_else(|| {
                format!(
                    "`{rev}` is not a commit of this repository; in CI, fetch it first: {}",
                    fetch_hint(rev)
                )
            })?;
        let listing = git(&top, &["ls-tree", "-r", "-z", "--full-tree", &commit])?;
        let mut children: BTreeMap<PathBuf, BTreeSet<(String, bool)>> = BTreeMap::new();
        let mut blobs: Vec<(PathBuf, String)> = Vec::new();
        for entry in listing.split(|b| *b == 0).filter(|e| !e.is_empty()) {
            // `<mode> <type> <object>\t<path>`
            let entry = String::from_utf8_lossy(entry);
            let Some((meta, path)) = entry.split_once('\t') else {
                continue;
            };
            let mut meta = meta.split(' ');
            let (mode, kind, object) = (meta.next(), meta.next(), meta.next());
            let abs = normalize(&top.join(path));
            // Record the file in its folder, and every folder in its parent.
            let mut child = abs.clone();
            let mut is_dir = false;
            while let Some(parent) = child.parent().filter(|p| p.starts_with(&top)) {
                let name = child
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let fresh = children
                    .entry(parent.to_path_buf())
                    .or_default()
                    .insert((name, is_dir));
                if !fresh || parent == top {
                    break;
                }
                child = parent.to_path_buf();
                is_dir = true;
            }
            // Symbolic links (120000) and submodules are not followed.
            if kind == Some("blob") && mode != Some("120000") && wanted(path) {
                if let Some(object) = object {
                    blobs.push((abs, object.to_string()));
                }
            }
        }
        let texts = read_blobs(&top, blobs)?;
        Ok(GitTree {
            cwd: cwd.to_path_buf(),
            top,
            commit,
            texts,
            children,
        })
    }
}

/// A command that makes `rev` available, in shallow and single-branch
/// clones too: a plain `git fetch origin main` only sets FETCH_HEAD there,
/// so the ref is named on both sides of the refspec.
fn fetch_hint(rev: &str) -> String {
    let branch = rev.strip_prefix("origin/").unwrap_or(rev);
    let is_commit = branch.len() >= 7 && branch.chars().all(|c| c.is_ascii_hexdigit());
    if is_commit {
        format!("`git fetch --no-tags --depth=1 origin {branch}`")
    } else if rev.starts_with("origin/") {
        format!("`git fetch --no-tags --depth=1 origin +refs/heads/{branch}:refs/remotes/origin/{branch}`")
    } else {
        format!(
            "`git fetch --no-tags --depth=1 origin +refs/heads/{branch}:refs/remotes/origin/{branch}`, then compare with `--base origin/{branch}`"
        )
    }
}

/// Reads blobs through one `git cat-file --batch`.
fn read_blobs(
    top: &Path,
    blobs: Vec<(PathBuf, String)>,
) -> Result<BTreeMap<PathBuf, Vec<u8>>, String> {
    let mut texts = BTreeMap::new();
    if blobs.is_empty() {
        return Ok(texts);
    }
    let mut child = Command::new("git")
        .arg("-C")
        .arg(top)
        .args(["cat-file", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot run `git cat-file` ({e})"))?;
    let request: String = blobs.iter().map(|(_, o)| format!("{o}\n")).collect();
    let mut stdin = child.stdin.take().ok_or("git cat-file has no input")?;
    // Written from another thread: git answers while we still ask.
    let writer = std::thread::spawn(move || stdin.write_all(request.as_bytes()));
    let stdout = child.stdout.take().ok_or("git cat-file has no output")?;
    let mut reader = BufReader::new(stdout);
    for (path, object) in blobs {
        let mut header = String::new();
        reader
            .read_line(&mut header)
            .map_err(|e| format!("reading `git cat-file`: {e}"))?;
        // `<object> blob <size>`, or `<object> missing`.
        let size: usize = header
            .split(' ')
            .nth(2)
            .and_then(|s| s.trim().parse().ok())
            .ok_or_else(|| format!("git cannot read object {object}: {}", header.trim()))?;
        let mut bytes = vec![0; size + 1];
        reader
            .read_exact(&mut bytes)
            .map_err(|e| format!("reading `git cat-file`: {e}"))?;
        bytes.pop(); // the newline after each object
        texts.insert(path, bytes);
    }
    let _ = writer.join();
    let _ = child.wait();
    Ok(texts)
}

impl Tree for GitTree {
    fn cwd(&self) -> &Path {
        &self.cwd
    }

    fn stat(&self, path: &Path) -> Result<(Kind, u64), LoadError> {
        if let Some(bytes) = self.texts.get(path) {
            return Ok((Kind::File, bytes.len() as u64));
        }
        if self.children.contains_key(path) {
            return Ok((Kind::Dir, 0));
        }
        let listed = match (path.parent(), path.file_name()) {
            (Some(parent), Some(name)) => self
                .children
                .get(parent)
                .is_some_and(|c| c.contains(&(name.to_string_lossy().into_owned(), false))),
            _ => false,
        };
        // A file the project does not read (data): present, its bytes not fetched.
        if listed {
            Ok((Kind::File, 0))
        } else {
            Err(LoadError::NotFound)
        }
    }

    fn read_bytes(&self, path: &Path, limit: u64) -> Result<Vec<u8>, LoadError> {
        match self.texts.get(path) {
            Some(bytes) => {
                let n = usize::try_from(limit)
                    .unwrap_or(usize::MAX)
                    .min(bytes.len());
                Ok(bytes.get(..n).unwrap_or_default().to_vec())
            }
            None if self.children.contains_key(path) => Err(LoadError::IsDirectory),
            None if self.stat(path).is_ok() => Err(LoadError::Io(
                "only `.icp` and `icp.toml` files are read from a git revision".into(),
            )),
            None => Err(LoadError::NotFound),
        }
    }

    /// A data file at the revision (the sample accounts of a product that
    /// was since deleted), streamed from `git cat-file`.
    fn open(&self, path: &Path) -> Result<Box<dyn Read + Send>, LoadError> {
        let rel = path
            .strip_prefix(&self.top)
            .map_err(|_| LoadError::NotFound)?;
        let rel = rel.to_string_lossy().replace('\\', "/");
        let mut child = Command::new("git")
            .arg("-C")
            .arg(&self.top)
            .args(["cat-file", "blob", &format!("{}:{rel}", self.commit)])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| LoadError::Io(format!("cannot run `git cat-file` ({e})")))?;
        let out = child.stdout.take().ok_or(LoadError::NotFound)?;
        Ok(Box::new(Blob { child, out }))
    }

    fn entries(&self, dir: &Path) -> Vec<Entry> {
        self.children
            .get(dir)
            .map(|c| {
                c.iter()
                    .map(|(name, is_dir)| Entry {
                        name: name.clone(),
                        kind: if *is_dir { Kind::Dir } else { Kind::File },
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// A blob being read from `git cat-file`; the process is reaped when done.
struct Blob {
    child: std::process::Child,
    out: std::process::ChildStdout,
}

impl Read for Blob {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.out.read(buf)
    }
}

impl Drop for Blob {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
