//! Loading a set of files and everything they import: parse each once,
//! resolve import paths against the project root, report cycles.

use crate::ast::Item;
use crate::diagnostic::Diagnostic;
use crate::lexer::Token;
use crate::parser;
use crate::source::{normalize, LoadError, Sources};
use crate::span::{FileId, Span};
use crate::tree::{self, Tree};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

pub struct ParsedFile {
    pub id: FileId,
    pub ast: crate::ast::File,
    pub tokens: Vec<Token>,
    pub broken_names: Vec<String>,
    /// Each import's span and the file it resolved to (None when it failed).
    pub imports: Vec<(Span, Option<FileId>)>,
    /// Whether the user asked for this file (not only reached by import).
    pub is_root: bool,
}

pub struct Project {
    pub sources: Sources,
    /// Indexed by `FileId`; `None` for files that could not be read.
    pub files: Vec<Option<ParsedFile>>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Project {
    pub fn file(&self, id: FileId) -> Option<&ParsedFile> {
        self.files.get(id.0 as usize).and_then(Option::as_ref)
    }

    pub fn parsed(&self) -> impl Iterator<Item = &ParsedFile> {
        self.files.iter().flatten()
    }
}

/// Loads `roots` and, transitively, their imports; every file is read
/// through [`tree::read_text`] within its project root.
pub fn load(tree: &dyn Tree, roots: &[PathBuf]) -> Project {
    let mut b = Build {
        tree,
        sources: Sources::default(),
        files: Vec::new(),
        by_path: HashMap::new(),
        roots: HashMap::new(),
        diags: Vec::new(),
    };
    // Read the roots in order (ids follow the command line), then parse them
    // on every core: parsing is pure and per file, and most of the work.
    let mut texts: Vec<(FileId, String)> = Vec::new();
    for root in roots {
        let path = normalize(root);
        if b.by_path.contains_key(&path) {
            continue;
        }
        let root = b.root_of(&path);
        let (text, err) = match tree::read_text(tree, &path, Some(&root)) {
            Ok(text) => (text, None),
            Err(err) => (String::new(), Some(err)),
        };
        let id = b
            .sources
            .add(tree.display_name(&path), path.clone(), text.clone());
        b.by_path.insert(path.clone(), id);
        b.files.push(None);
        match err {
            None => texts.push((id, text)),
            Some(err) => b.diags.push(load_error(
                err,
                Span::new(id, 0, 0),
                &tree.display_name(&path),
            )),
        }
    }
    let mut queue: Vec<FileId> = Vec::new();
    for (id, parsed) in parse_all(texts) {
        b.attach(id, parsed, true);
        queue.push(id);
    }
    // Imports are resolved in a fixed order so that ids never depend on timing.
    queue.reverse();
    while let Some(id) = queue.pop() {
        b.resolve_imports(id, &mut queue);
    }
    b.report_cycles();
    Project {
        sources: b.sources,
        files: b.files,
        diagnostics: b.diags,
    }
}

/// Parses texts on up to `available_parallelism` threads; results in input order.
fn parse_all(texts: Vec<(FileId, String)>) -> Vec<(FileId, parser::Parsed)> {
    let threads = std::thread::available_parallelism()
        .map(usize::from)
        .unwrap_or(1)
        .clamp(1, 16);
    if threads == 1 || texts.len() < 2 {
        return texts
            .into_iter()
            .map(|(id, t)| (id, parser::parse(id, &t)))
            .collect();
    }
    let per = texts.len().div_ceil(threads);
    let chunks: Vec<&[(FileId, String)]> = texts.chunks(per).collect();
    std::thread::scope(|scope| {
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|chunk| {
                scope.spawn(move || {
                    chunk
                        .iter()
                        .map(|(id, t)| (*id, parser::parse(*id, t)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let mut out = Vec::with_capacity(texts.len());
        for (h, chunk) in handles.into_iter().zip(texts.chunks(per)) {
            match h.join() {
                Ok(parsed) => out.extend(parsed),
                // A parser panic is a bug; parse that chunk again here so
                // the panic surfaces with its message instead of a lost file.
                Err(_) => out.extend(chunk.iter().map(|(id, t)| (*id, parser::parse(*id, t)))),
            }
        }
        out
    })
}

struct Build<'l> {
    tree: &'l dyn Tree,
    sources: Sources,
    files: Vec<Option<ParsedFile>>,
    by_path: HashMap<PathBuf, FileId>,
    /// Project root by folder, found once per folder.
    roots: HashMap<PathBuf, PathBuf>,
    diags: Vec<Diagnostic>,
}

impl Build<'_> {
    fn root_of(&mut self, file: &Path) -> PathBuf {
        let dir = file.parent().unwrap_or(file).to_path_buf();
        if let Some(r) = self.roots.get(&dir) {
            return r.clone();
        }
        let root = normalize(&tree::project_root(self.tree, file));
        self.roots.insert(dir, root.clone());
        root
    }

    fn add(&mut self, path: &Path, text: String, is_root: bool) -> FileId {
        let id = self.sources.add(
            self.tree.display_name(path),
            path.to_path_buf(),
            text.clone(),
        );
        self.files.push(None);
        self.by_path.insert(path.to_path_buf(), id);
        let parsed = parser::parse(id, &text);
        self.attach(id, parsed, is_root);
        id
    }

    fn attach(&mut self, id: FileId, parsed: parser::Parsed, is_root: bool) {
        self.diags.extend(parsed.diagnostics);
        if let Some(slot) = self.files.get_mut(id.0 as usize) {
            *slot = Some(ParsedFile {
                id,
                ast: parsed.ast,
                tokens: parsed.tokens,
                broken_names: parsed.broken_names,
                imports: Vec::new(),
                is_root,
            });
        }
    }

    fn resolve_imports(&mut self, id: FileId, queue: &mut Vec<FileId>) {
        let Some(path) = self.sources.get(id).map(|s| s.path.clone()) else {
            return;
        };
        let imports: Vec<(Span, String)> =
            match self.files.get(id.0 as usize).and_then(Option::as_ref) {
                Some(f) => f
                    .ast
                    .items
                    .iter()
                    .filter_map(|i| match i {
                        Item::Import(imp) => Some((imp.path.span, imp.path.value.clone())),
                        _ => None,
                    })
                    .collect(),
                None => return,
            };
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let root = self.root_of(&path);
        let mut resolved = Vec::new();
        for (span, rel) in imports {
            let target = normalize(&dir.join(&rel));
            if !target.starts_with(&root) || Path::new(&rel).is_absolute() {
                self.diags.push(
                    Diagnostic::new("E0205", span, format!("`{rel}` is outside the project root"))
                        .label("leaves the project")
                        .note(format!("the project root is `{}`", self.tree.display_name(&root)))
                        .help("imports stay inside the folder of the outermost `icp.toml`; add one in a common parent folder to share files between products"),
                );
                resolved.push((span, None));
                continue;
            }
            if let Some(&existing) = self.by_path.get(&target) {
                resolved.push((span, Some(existing)));
                continue;
            }
            match tree::read_text(self.tree, &target, Some(&root)) {
                Ok(text) => {
                    let new_id = self.add(&target, text, false);
                    queue.push(new_id);
                    resolved.push((span, Some(new_id)));
                }
                Err(LoadError::NotFound) => {
                    let mut d = Diagnostic::new("E0203", span, format!("cannot find `{rel}`"))
                        .label("no such file")
                        .note(format!("looked for `{}`", self.tree.display_name(&target)));
                    let parent = target.parent().map(Path::to_path_buf).unwrap_or_default();
                    let wanted = target
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    let names: Vec<String> = self
                        .tree
                        .entries(&parent)
                        .into_iter()
                        .map(|e| e.name)
                        .collect();
                    if let Some(best) =
                        crate::suggest::closest(&wanted, names.iter().map(String::as_str))
                    {
                        let fixed = Path::new(&rel)
                            .with_file_name(best)
                            .to_string_lossy()
                            .replace('\\', "/");
                        d = d.help(format!("did you mean `{fixed}`?")).fix(
                            format!("import `{fixed}`"),
                            span,
                            format!("\"{fixed}\""),
                        );
                    }
                    self.diags.push(d);
                    resolved.push((span, None));
                }
                Err(err) => {
                    self.diags.push(load_error(err, span, &rel));
                    resolved.push((span, None));
                }
            }
        }
        if let Some(Some(f)) = self.files.get_mut(id.0 as usize) {
            f.imports = resolved;
        }
    }

    /// One diagnostic per cycle, at the import that closes it.
    fn report_cycles(&mut self) {
        let graph: BTreeMap<FileId, Vec<(Span, FileId)>> = self
            .files
            .iter()
            .flatten()
            .map(|f| {
                (
                    f.id,
                    f.imports
                        .iter()
                        .filter_map(|(s, t)| t.map(|t| (*s, t)))
                        .collect(),
                )
            })
            .collect();
        // Iterative DFS with colours: 0 new, 1 on stack, 2 done.
        let mut colour: HashMap<FileId, u8> = HashMap::new();
        for &start in graph.keys() {
            if colour.get(&start).copied().unwrap_or(0) != 0 {
                continue;
            }
            let mut stack: Vec<(FileId, usize)> = vec![(start, 0)];
            colour.insert(start, 1);
            while let Some(&mut (node, ref mut next)) = stack.last_mut() {
                let edges = graph.get(&node).map(Vec::as_slice).unwrap_or(&[]);
                if let Some(&(span, target)) = edges.get(*next) {
                    *next += 1;
                    match colour.get(&target).copied().unwrap_or(0) {
                        0 => {
                            colour.insert(target, 1);
                            stack.push((target, 0));
                        }
                        1 => {
                            let pos = stack.iter().position(|(n, _)| *n == target).unwrap_or(0);
                            let chain: Vec<String> = stack
                                .get(pos..)
                                .unwrap_or(&[])
                                .iter()
                                .map(|(n, _)| self.name(*n))
                                .chain(std::iter::once(self.name(target)))
                                .collect();
                            self.diags.push(
                                Diagnostic::new("E0204", span, "this import makes an import cycle")
                                    .label("closes the cycle")
                                    .note(format!("cycle: {}", chain.join(" -> ")))
                                    .help("move what both files need into a third file that both import"),
                            );
                        }
                        _ => {}
                    }
                } else {
                    colour.insert(node, 2);
                    stack.pop();
                }
            }
        }
    }

    fn name(&self, id: FileId) -> String {
        self.sources
            .get(id)
            .map(|s| format!("`{}`", s.name))
            .unwrap_or_default()
    }
}

/// What went wrong reading a file, as a diagnostic at `span`.
pub fn load_error(err: LoadError, span: Span, shown: &str) -> Diagnostic {
    match err {
        LoadError::NotFound => Diagnostic::new(
            "E0001",
            span,
            format!("cannot read `{shown}`: no such file"),
        )
        .label("not found"),
        LoadError::IsDirectory => {
            Diagnostic::new("E0206", span, format!("`{shown}` is a folder, not a file"))
                .label("a folder")
                .help("import one `.icp` file, e.g. `import \"shared/accounts.icp\"`")
        }
        LoadError::NotRegular => Diagnostic::new(
            "E0001",
            span,
            format!("cannot read `{shown}`: not a regular file (a pipe, device or socket)"),
        )
        .label("not a file")
        .help("only regular files are read; a pipe or device could block for ever"),
        LoadError::OutsideRoot => Diagnostic::new(
            "E0205",
            span,
            format!("`{shown}` leads outside the project root through a link"),
        )
        .label("leaves the project")
        .help("files are read only inside the folder of the outermost `icp.toml`, after following links; copy the file into the project instead of linking to it"),
        LoadError::TooLarge { bytes } => Diagnostic::new(
            "E0003",
            span,
            format!(
                "`{shown}` is {:.1} MiB; icp source files are limited to {} MiB",
                bytes as f64 / 1_048_576.0,
                crate::source::MAX_SOURCE_BYTES / 1_048_576
            ),
        )
        .label("too large")
        .help("is this a data file? score data with `icp score`"),
        LoadError::NotText { offset, byte } => {
            // UTF-16 starts with a byte-order mark, or has NULs between ASCII letters.
            let utf16 = (offset == 0 && matches!(byte, 0xff | 0xfe)) || (offset == 1 && byte == 0);
            Diagnostic::new(
                "E0002",
                span,
                format!("`{shown}` is not UTF-8 text (byte 0x{byte:02x} at offset {offset})"),
            )
            .label("not text")
            .help(if utf16 {
                "this looks like UTF-16 (as some Windows editors save); save the file as UTF-8"
            } else {
                "save the file as UTF-8; binary files cannot be checked"
            })
        }
        LoadError::Io(reason) => {
            Diagnostic::new("E0001", span, format!("cannot read `{shown}`: {reason}"))
                .label("unreadable")
        }
    }
}
