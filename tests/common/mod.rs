//! Shared by the end-to-end tests: a disk loader rooted at one folder, a
//! checker run with a fixed as-of date, and running the `icp` binary.
#![allow(dead_code)]

use icp_lang::ast::Date;
use icp_lang::check::{self, Options};
use icp_lang::diagnostic::Diagnostic;
use icp_lang::project::{self, Project};
use icp_lang::source::{decode, LoadError, Loader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

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

/// The repository root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A fresh, empty folder under the system temp dir, unique to this test
/// binary, process and call.
pub fn temp_dir() -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "icp-{}-{}-{}",
        env!("CARGO_CRATE_NAME"),
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create a temp dir");
    dir
}

/// Runs `icp` in `dir` with extra environment and, if given, standard
/// input; returns (exit code, stdout, stderr).
pub fn icp_env(
    dir: &Path,
    args: &[&str],
    env: &[(&str, &str)],
    stdin: Option<&[u8]>,
) -> (i32, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_icp"));
    cmd.args(args).current_dir(dir).env("NO_COLOR", "1");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("run icp");
    if let (Some(input), Some(mut pipe)) = (stdin, child.stdin.take()) {
        use std::io::Write;
        pipe.write_all(input).expect("write stdin");
    }
    let out = child.wait_with_output().expect("wait for icp");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Runs `icp` in `dir`; returns (exit code, stdout, stderr).
pub fn icp(dir: &Path, args: &[&str]) -> (i32, String, String) {
    icp_env(dir, args, &[], None)
}

/// Runs `icp` in `dir` with its address space limited to `mib` MiB (a
/// run that needs more fails instead of growing); returns (exit code,
/// stdout, stderr).
pub fn icp_limited(dir: &Path, args: &[&str], mib: u64) -> (i32, String, String) {
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -v {}; exec \"$0\" \"$@\"", mib * 1024))
        .arg(env!("CARGO_BIN_EXE_icp"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .expect("run icp");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
