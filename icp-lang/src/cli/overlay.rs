//! A file that exists only in memory, opened with the disk around it: a
//! text is checked as if it were written at its path before anything is
//! written (`icp discover`'s drafts, `icp calibrate --write`'s edit).

use icp_lang::ast::Date;
use icp_lang::disk::{today, Disk};
use icp_lang::source::LoadError;
use icp_lang::tree::{Entry, Kind, Tree};
use icp_lang::workspace::Workspace;
use std::io::Read;
use std::path::{Path, PathBuf};

/// The disk, with one file that exists only in memory (the probe and the
/// drafts, checked before anything is written).
pub struct Overlay {
    disk: Disk,
    path: PathBuf,
    text: String,
}

impl Tree for Overlay {
    fn cwd(&self) -> &Path {
        self.disk.cwd()
    }
    fn stat(&self, path: &Path) -> Result<(Kind, u64), LoadError> {
        if path == self.path {
            return Ok((Kind::File, self.text.len() as u64));
        }
        self.disk.stat(path)
    }
    fn real_path(&self, path: &Path) -> PathBuf {
        if path == self.path {
            return path.to_path_buf();
        }
        self.disk.real_path(path)
    }
    fn read_bytes(&self, path: &Path, limit: u64) -> Result<Vec<u8>, LoadError> {
        if path == self.path {
            let n = usize::try_from(limit)
                .unwrap_or(usize::MAX)
                .min(self.text.len());
            return Ok(self.text.as_bytes().get(..n).unwrap_or_default().to_vec());
        }
        self.disk.read_bytes(path, limit)
    }
    fn open(&self, path: &Path) -> Result<Box<dyn Read + Send>, LoadError> {
        self.disk.open(path)
    }
    fn entries(&self, dir: &Path) -> Vec<Entry> {
        self.disk.entries(dir)
    }
}

/// The workspace of `text` as the file at `path` (and what it imports
/// from the disk).
pub fn open_as(path: &Path, text: &str, as_of: Option<Date>) -> Result<Workspace, String> {
    let disk = Disk::new();
    let path = icp_lang::source::normalize(&disk.cwd().join(path));
    let tree = Overlay {
        disk,
        path: path.clone(),
        text: text.to_string(),
    };
    Workspace::open(&tree, &[path], as_of, today())
}
