//! Shared by the end-to-end tests: a disk loader rooted at one folder, and a
//! checker run with a fixed as-of date.
#![allow(dead_code)]

use icp_lang::ast::Date;
use icp_lang::check::{self, Options};
use icp_lang::diagnostic::Diagnostic;
use icp_lang::project::{self, Project};
use icp_lang::source::{decode, LoadError, Loader};
use std::path::{Path, PathBuf};

pub struct DirLoader {
    pub root: PathBuf,
}

impl Loader for DirLoader {
    fn load(&self, path: &Path) -> Result<String, LoadError> {
        match std::fs::metadata(path) {
            Err(_) => Err(LoadError::NotFound),
            Ok(m) if m.is_dir() => Err(LoadError::IsDirectory),
            Ok(_) => decode(std::fs::read(path).map_err(|e| LoadError::Io(e.to_string()))?),
        }
    }

    fn project_root(&self, _file: &Path) -> PathBuf {
        self.root.clone()
    }

    fn list_dir(&self, dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .map(|rd| {
                rd.flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        v.sort();
        v
    }

    fn display_name(&self, path: &Path) -> String {
        let shown = path
            .strip_prefix(&self.root)
            .unwrap_or(path)
            .to_string_lossy()
            .replace('\\', "/");
        if shown.is_empty() {
            ".".to_string()
        } else {
            shown
        }
    }
}

pub fn as_of() -> Date {
    Date::new(2026, 11, 1).unwrap_or(Date {
        year: 2026,
        month: 11,
        day: 1,
    })
}

pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures")
}

/// Loads and checks one file; diagnostics in output order.
pub fn check_file(root: &Path, file: &Path) -> (Project, Vec<Diagnostic>) {
    let loader = DirLoader {
        root: icp_lang::source::normalize(root),
    };
    let project = project::load(&loader, &[icp_lang::source::normalize(file)]);
    let diags = check::check(&project, &Options::new(as_of())).diagnostics;
    (project, diags)
}
