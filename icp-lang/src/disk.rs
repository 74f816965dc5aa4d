//! The disk as a [`Tree`]: the one place the library touches the file
//! system, and only when a caller hands this tree in (the CLI and the server
//! both do, so they read files the same way). The compiler stages never see
//! it: they get text from a workspace.

use crate::ast::Date;
use crate::source::{normalize, LoadError};
use crate::tree::{Entry, Kind, Tree};
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

pub struct Disk {
    cwd: PathBuf,
}

impl Disk {
    /// The disk, with paths relative to the process's working directory.
    pub fn new() -> Disk {
        Disk::at(std::env::current_dir().unwrap_or_default())
    }

    pub fn at(cwd: impl AsRef<Path>) -> Disk {
        Disk {
            cwd: normalize(cwd.as_ref()),
        }
    }
}

impl Default for Disk {
    fn default() -> Self {
        Disk::new()
    }
}

fn io_error(e: std::io::Error) -> LoadError {
    match e.kind() {
        std::io::ErrorKind::NotFound => LoadError::NotFound,
        _ => LoadError::Io(e.to_string()),
    }
}

fn kind(m: &std::fs::Metadata) -> Kind {
    if m.is_file() {
        Kind::File
    } else if m.is_dir() {
        Kind::Dir
    } else {
        Kind::Other
    }
}

/// Opens a regular file without ever blocking: a FIFO opened for reading
/// waits for a writer, so it is opened non-blocking and refused after.
fn open_regular(path: &Path) -> Result<File, LoadError> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(path).map_err(io_error)?;
    match file.metadata().map(|m| kind(&m)).map_err(io_error)? {
        Kind::File => Ok(file),
        Kind::Dir => Err(LoadError::IsDirectory),
        Kind::Other => Err(LoadError::NotRegular),
    }
}

impl Tree for Disk {
    fn cwd(&self) -> &Path {
        &self.cwd
    }

    fn stat(&self, path: &Path) -> Result<(Kind, u64), LoadError> {
        let m = std::fs::metadata(path).map_err(io_error)?;
        Ok((kind(&m), m.len()))
    }

    fn real_path(&self, path: &Path) -> PathBuf {
        // The longest part that exists, resolved; the rest as written (a
        // missing file still has a place, inside the root or not).
        let mut rest = Vec::new();
        let mut head = path.to_path_buf();
        loop {
            if let Ok(real) = std::fs::canonicalize(&head) {
                let mut out = real;
                for part in rest.iter().rev() {
                    out.push(part);
                }
                return normalize(&out);
            }
            match (head.file_name().map(|n| n.to_os_string()), head.parent()) {
                (Some(name), Some(parent)) => {
                    rest.push(name);
                    head = parent.to_path_buf();
                }
                _ => return normalize(path),
            }
        }
    }

    fn read_bytes(&self, path: &Path, limit: u64) -> Result<Vec<u8>, LoadError> {
        let file = open_regular(path)?;
        let mut bytes = Vec::new();
        file.take(limit)
            .read_to_end(&mut bytes)
            .map_err(|e| LoadError::Io(e.to_string()))?;
        Ok(bytes)
    }

    fn open(&self, path: &Path) -> Result<Box<dyn Read + Send>, LoadError> {
        Ok(Box::new(open_regular(path)?))
    }

    fn entries(&self, dir: &Path) -> Vec<Entry> {
        let Ok(rd) = std::fs::read_dir(dir) else {
            return Vec::new();
        };
        let mut out: Vec<Entry> = rd
            .flatten()
            .filter_map(|e| {
                // Links are followed; a broken one is no entry.
                let m = std::fs::metadata(e.path()).ok()?;
                Some(Entry {
                    name: e.file_name().to_string_lossy().into_owned(),
                    kind: kind(&m),
                })
            })
            .collect();
        out.sort();
        out
    }
}

/// Today in UTC, from the system clock: the default as-of date.
pub fn today() -> Date {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    Date::from_days((secs / 86_400) as i64)
}
