//! Shared by the end-to-end tests: a checker run over the disk with a fixed
//! as-of date, and running the `icp` binary.
#![allow(dead_code)]

pub mod page;

use icp_lang::ast::Date;
use icp_lang::check::{self, Options};
use icp_lang::diagnostic::Diagnostic;
use icp_lang::project::{self, Project};
use icp_lang::rng::Rng;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

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
    // Names are shown relative to `root`, as `icp check` run there shows them.
    let disk = icp_lang::disk::Disk::at(icp_lang::source::normalize(root));
    let project = project::load(&disk, &[icp_lang::source::normalize(file)]);
    // The corpus's icp.toml pins `as_of`, as the examples' do.
    let mut opts = Options::new(as_of());
    opts.pinned = project.sources.iter().map(|(id, _)| id).collect();
    let diags = check::check(&project, &opts).diagnostics;
    (project, diags)
}

/// The disk, except one file whose text is given (an editor's buffer, a
/// mutated file).
pub struct Rewritten {
    pub disk: icp_lang::disk::Disk,
    pub path: PathBuf,
    pub text: String,
}

impl icp_lang::tree::Tree for Rewritten {
    fn cwd(&self) -> &Path {
        self.disk.cwd()
    }
    fn stat(
        &self,
        path: &Path,
    ) -> Result<(icp_lang::tree::Kind, u64), icp_lang::source::LoadError> {
        if path == self.path {
            return Ok((icp_lang::tree::Kind::File, self.text.len() as u64));
        }
        self.disk.stat(path)
    }
    fn real_path(&self, path: &Path) -> PathBuf {
        self.disk.real_path(path)
    }
    fn read_bytes(&self, path: &Path, limit: u64) -> Result<Vec<u8>, icp_lang::source::LoadError> {
        if path == self.path {
            let n = usize::try_from(limit)
                .unwrap_or(usize::MAX)
                .min(self.text.len());
            return Ok(self.text.as_bytes()[..n].to_vec());
        }
        self.disk.read_bytes(path, limit)
    }
    fn entries(&self, dir: &Path) -> Vec<icp_lang::tree::Entry> {
        self.disk.entries(dir)
    }
}

/// Every `.icp` file of the fixtures and the examples, sorted.
pub fn corpus() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .map(|rd| rd.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|e| e == "icp") {
                out.push(p);
            }
        }
    }
    let mut out = Vec::new();
    walk(&fixtures_dir(), &mut out);
    walk(&repo().join("examples"), &mut out);
    out
}

/// The folder a corpus file's names are shown relative to.
pub fn root_of(file: &Path) -> PathBuf {
    if file.starts_with(fixtures_dir()) {
        fixtures_dir()
    } else {
        file.ancestors()
            .filter(|d| d.join("icp.toml").is_file())
            .last()
            .unwrap_or(file)
            .to_path_buf()
    }
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

/// git with no user or system configuration and fixed identities and dates.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args([
            "-c",
            "init.defaultBranch=main",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Rev Ops")
        .env("GIT_AUTHOR_EMAIL", "revops@example.com")
        .env("GIT_COMMITTER_NAME", "Rev Ops")
        .env("GIT_COMMITTER_EMAIL", "revops@example.com")
        .env("GIT_AUTHOR_DATE", "2026-11-01T12:00:00Z")
        .env("GIT_COMMITTER_DATE", "2026-11-01T12:00:00Z")
        .output()
        .expect("run git");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

const PIECES: &[&[u8]] = &[
    b"\"",
    b"\"\"",
    b",",
    b";",
    b"\t",
    b"\n",
    b"\r",
    b"\r\n",
    b"\xef\xbb\xbf",
    b"\xff",
    b"\xc3",
    b"\x00",
    b"{",
    b"}",
    b"[",
    b"null",
    b"1.200,50",
    b"10/15/2026",
    b"\xe2\x82\xac1.2M",
    b"2026-13-01",
    b"\"a,\"\"b\"\"\"",
    b"\xe5\x8c\x97\xe4\xba\xac",
];

/// One mutation of `data`.
/// One random change to `data`: a hostile piece, random bytes, a cut, a
/// huge field, a repeated line, other line ends, a flipped bit, a BOM, or a
/// truncation (the accounts fuzz tests share it).
pub fn mutate(rng: &mut Rng, data: &mut Vec<u8>) {
    let at = |rng: &mut Rng, data: &Vec<u8>| rng.below(data.len() as u64 + 1) as usize;
    match rng.below(9) {
        0 => {
            let i = at(rng, data);
            let piece = *rng.pick(PIECES);
            data.splice(i..i, piece.iter().copied());
        }
        1 => {
            let i = at(rng, data);
            let n = rng.below(16) as usize;
            let bytes: Vec<u8> = (0..n).map(|_| rng.next_u64() as u8).collect();
            data.splice(i..i, bytes);
        }
        2 => {
            let i = at(rng, data);
            let j = (i + rng.below(40) as usize).min(data.len());
            data.drain(i..j);
        }
        3 => {
            // A huge field: up to 3 MB of one byte (letters, delimiters or
            // quotes).
            let i = at(rng, data);
            let byte = *rng.pick(b"x,\"\n ");
            let n = rng.below(3 << 20) as usize;
            data.splice(i..i, std::iter::repeat_n(byte, n));
        }
        4 => {
            // A line repeated.
            let lines: Vec<&[u8]> = data.split(|b| *b == b'\n').collect();
            if let Some(line) = lines.get(rng.below(lines.len() as u64) as usize) {
                let line = line.to_vec();
                let i = at(rng, data);
                data.splice(i..i, line.into_iter().chain([b'\n']));
            }
        }
        5 => {
            // Line ends changed throughout.
            let ends: [&[u8]; 3] = [b"\r\n", b"\r", b"\n\n"];
            let to = *rng.pick(&ends);
            let mut out = Vec::with_capacity(data.len());
            for &b in data.iter() {
                if b == b'\n' && rng.chance(50) {
                    out.extend_from_slice(to);
                } else {
                    out.push(b);
                }
            }
            *data = out;
        }
        6 => {
            if !data.is_empty() {
                let i = rng.below(data.len() as u64) as usize;
                data[i] ^= 1 << rng.below(8);
            }
        }
        7 => data
            .splice(0..0, b"\xef\xbb\xbf".iter().copied())
            .for_each(drop),
        _ => {
            let cut = at(rng, data);
            data.truncate(cut);
        }
    }
}
