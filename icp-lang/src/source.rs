//! Source texts by [`FileId`], and what can go wrong reading one. Files
//! arrive through a [`crate::tree::Tree`]; nothing here touches a file system.

use crate::span::{FileId, LineIndex};
use std::path::{Component, Path, PathBuf};

/// icp source files larger than this are refused (E0003).
pub const MAX_SOURCE_BYTES: u64 = 8 * 1024 * 1024;

pub struct SourceFile {
    /// The path as shown to users (relative where the caller made it so).
    pub name: String,
    pub path: PathBuf,
    pub text: String,
    pub lines: LineIndex,
}

#[derive(Default)]
pub struct Sources {
    files: Vec<SourceFile>,
}

impl Sources {
    pub fn add(&mut self, name: String, path: PathBuf, text: String) -> FileId {
        let lines = LineIndex::new(&text);
        self.files.push(SourceFile {
            name,
            path,
            text,
            lines,
        });
        FileId(u32::try_from(self.files.len() - 1).unwrap_or(u32::MAX))
    }

    pub fn get(&self, id: FileId) -> Option<&SourceFile> {
        self.files.get(id.0 as usize)
    }

    pub fn iter(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files
            .iter()
            .enumerate()
            .map(|(i, f)| (FileId(i as u32), f))
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoadError {
    NotFound,
    IsDirectory,
    /// A FIFO, device or socket: reading it could block forever.
    NotRegular,
    /// After following links, the file lies outside the project root.
    OutsideRoot,
    TooLarge {
        bytes: u64,
    },
    /// Not UTF-8, or has NUL bytes: `offset` is the first bad byte.
    NotText {
        offset: usize,
        byte: u8,
    },
    Io(String),
}

impl LoadError {
    /// What went wrong, in a few words.
    pub fn describe(&self) -> String {
        match self {
            LoadError::NotFound => "no such file".into(),
            LoadError::IsDirectory => "a folder, not a file".into(),
            LoadError::NotRegular => "not a regular file (a pipe, device or socket)".into(),
            LoadError::OutsideRoot => "it leads outside the project root".into(),
            LoadError::TooLarge { bytes } => format!("too large ({} MiB)", bytes >> 20),
            LoadError::NotText { offset, byte } => {
                format!("not UTF-8 text (byte 0x{byte:02x} at offset {offset})")
            }
            LoadError::Io(e) => e.clone(),
        }
    }
}

/// Checks bytes read from anywhere: text, no NUL, within the size limit.
pub fn decode(bytes: Vec<u8>) -> Result<String, LoadError> {
    if bytes.len() as u64 > MAX_SOURCE_BYTES {
        return Err(LoadError::TooLarge {
            bytes: bytes.len() as u64,
        });
    }
    // Report whichever comes first: a byte that is not UTF-8, or a NUL.
    let nul = bytes.iter().position(|&b| b == 0);
    let bad_utf8 = std::str::from_utf8(&bytes).err().map(|e| e.valid_up_to());
    let first_bad = match (nul, bad_utf8) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    if let Some(offset) = first_bad {
        let byte = bytes.get(offset).copied().unwrap_or(0);
        return Err(LoadError::NotText { offset, byte });
    }
    String::from_utf8(bytes).map_err(|e| LoadError::NotText {
        offset: e.utf8_error().valid_up_to(),
        byte: 0,
    })
}

/// Resolves `.` and `..` without touching the disk, so that a path's
/// relation to the project root is decided on its text alone.
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                // `..` above the root stays at the root, as the OS does.
                if !out.pop() && !out.has_root() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_resolves_dots_lexically() {
        assert_eq!(
            normalize(Path::new("/a/b/../c/./d.icp")),
            PathBuf::from("/a/c/d.icp")
        );
        assert_eq!(normalize(Path::new("/a/../../x")), PathBuf::from("/x"));
    }

    #[test]
    fn decode_reports_first_bad_byte() {
        assert_eq!(
            decode(b"ok\0".to_vec()),
            Err(LoadError::NotText { offset: 2, byte: 0 })
        );
        assert_eq!(
            decode(vec![b'a', 0xff]),
            Err(LoadError::NotText {
                offset: 1,
                byte: 0xff
            })
        );
        assert_eq!(decode(b"fine".to_vec()), Ok("fine".to_string()));
    }
}
