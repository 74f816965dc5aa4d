//! The open documents, and answering questions about them: each question
//! loads the document's project (open documents override the disk), checks
//! it and asks `icp_lang::ide`.

use crate::convert::Converter;
use icp_lang::ast::Date;
use icp_lang::check::{check, Checked, Options};
use icp_lang::ide::position::Encoding;
use icp_lang::project::Project;
use icp_lang::source::{decode, normalize, LoadError, Loader};
use icp_lang::span::{FileId, Span};
use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tower_lsp::lsp_types::{self as lsp, Url};

struct Doc {
    text: String,
    version: i32,
    /// A change could not be applied, so the text may differ from the
    /// client's: incremental changes are ignored, and nothing is published,
    /// until the whole text arrives again (a full change, a save with text,
    /// or opening the document again).
    stale: bool,
}

pub struct Documents {
    docs: HashMap<Url, Doc>,
    pub encoding: Encoding,
    /// Bumped by every change to any document or watched file.
    generation: u64,
    /// Parsed projects by document, valid for one generation: a request
    /// then costs a check and the query, not a parse.
    parsed: RefCell<HashMap<Url, (u64, Arc<Project>)>>,
    /// Documents whose diagnostics are being computed (one check at a time each).
    checking: std::collections::HashSet<Url>,
}

impl Default for Documents {
    fn default() -> Self {
        Documents {
            docs: HashMap::new(),
            encoding: Encoding::Utf16,
            generation: 0,
            parsed: RefCell::new(HashMap::new()),
            checking: std::collections::HashSet::new(),
        }
    }
}

impl Documents {
    /// Something changed (a document, or a file on disk): cached parses are stale.
    pub fn invalidate(&mut self) {
        self.generation += 1;
        self.parsed.borrow_mut().clear();
    }

    pub fn open(&mut self, uri: Url, text: String, version: i32) {
        self.invalidate();
        self.docs.insert(
            uri,
            Doc {
                text,
                version,
                stale: false,
            },
        );
    }

    /// Applies changes in order; a range is converted against the text as it
    /// is after the previous change. A change that cannot be applied (an
    /// old version, a range outside the text or inside a character) leaves
    /// the document stale until the whole text arrives again; the `Err`
    /// says what happened, for the log.
    pub fn change(
        &mut self,
        uri: &Url,
        version: i32,
        changes: Vec<lsp::TextDocumentContentChangeEvent>,
    ) -> Result<(), String> {
        let enc = self.encoding;
        self.invalidate();
        let Some(doc) = self.docs.get_mut(uri) else {
            return Err(format!("ignored a change to `{uri}`, which is not open"));
        };
        let mut problem = None;
        if version <= doc.version {
            doc.stale = true;
            problem = Some(format!(
                "version {version} of `{uri}` arrived after version {}",
                doc.version
            ));
        }
        for c in changes {
            match c.range {
                None => {
                    doc.text = c.text;
                    doc.stale = false;
                    problem = None;
                }
                Some(_) if doc.stale => {}
                Some(r) => {
                    let conv = Converter::new(&doc.text, enc);
                    let (Some(a), Some(b)) =
                        (conv.checked_offset(r.start), conv.checked_offset(r.end))
                    else {
                        doc.stale = true;
                        problem = Some(format!(
                            "a change to `{uri}` (version {version}) has a range outside the text or inside a character: {}:{} to {}:{}",
                            r.start.line, r.start.character, r.end.line, r.end.character
                        ));
                        continue;
                    };
                    let (a, b) = (a.min(b) as usize, a.max(b) as usize);
                    if doc.text.is_char_boundary(a) && doc.text.is_char_boundary(b) {
                        doc.text.replace_range(a..b, &c.text);
                    } else {
                        doc.stale = true;
                    }
                }
            }
        }
        doc.version = doc.version.max(version);
        match problem {
            Some(p) if doc.stale => Err(format!(
                "{p}; the document may now differ from the editor's, so it is not checked \
                 until its whole text arrives again (save it, or close and reopen it)"
            )),
            _ => Ok(()),
        }
    }

    /// The whole text of a document, from a save that includes it: a stale
    /// document is in step again.
    pub fn resync(&mut self, uri: &Url, text: String) {
        if let Some(doc) = self.docs.get_mut(uri) {
            if doc.text != text || doc.stale {
                self.generation += 1;
                self.parsed.borrow_mut().clear();
                doc.text = text;
                doc.stale = false;
            }
        }
    }

    fn is_stale(&self, uri: &Url) -> bool {
        self.docs.get(uri).is_some_and(|d| d.stale)
    }

    /// Claims the check of `uri`: false when one is already running.
    pub fn start_checking(&mut self, uri: &Url) -> bool {
        self.checking.insert(uri.clone())
    }

    /// Ends the check of `uri` if `published` is still its version (or the
    /// document is gone); false means a newer version waits to be checked.
    pub fn stop_checking(&mut self, uri: &Url, published: Option<i32>) -> bool {
        let current = self.version(uri);
        if current.is_none() || current == published || published.is_none() {
            self.checking.remove(uri);
            true
        } else {
            false
        }
    }

    pub fn close(&mut self, uri: &Url) {
        self.invalidate();
        self.docs.remove(uri);
    }

    /// Every open document and its version, in a stable order.
    pub fn open_documents(&self) -> Vec<(Url, i32)> {
        let mut v: Vec<(Url, i32)> = self
            .docs
            .iter()
            .map(|(u, d)| (u.clone(), d.version))
            .collect();
        v.sort_by(|a, b| a.0.as_str().cmp(b.0.as_str()));
        v
    }

    /// Declarations of every open document whose name contains `query`
    /// (case ignored).
    #[allow(deprecated)] // `SymbolInformation::deprecated` must be written out.
    pub fn workspace_symbols(&self, query: &str) -> Vec<lsp::SymbolInformation> {
        let q = query.to_lowercase();
        let mut out = Vec::new();
        for (uri, _) in self.open_documents() {
            let Some(text) = self.text(&uri) else {
                continue;
            };
            let conv = Converter::new(text, self.encoding);
            let parsed = icp_lang::parser::parse(FileId(0), text);
            fn walk(
                symbols: &[icp_lang::ide::outline::Symbol],
                container: Option<&str>,
                uri: &Url,
                conv: &Converter<'_>,
                q: &str,
                out: &mut Vec<lsp::SymbolInformation>,
            ) {
                for s in symbols {
                    if s.name.to_lowercase().contains(q) {
                        let d = conv.symbol(s);
                        out.push(lsp::SymbolInformation {
                            name: s.name.clone(),
                            kind: d.kind,
                            tags: None,
                            deprecated: None,
                            location: lsp::Location {
                                uri: uri.clone(),
                                range: d.selection_range,
                            },
                            container_name: container.map(str::to_string),
                        });
                    }
                    walk(&s.children, Some(&s.name), uri, conv, q, out);
                }
            }
            walk(
                &icp_lang::ide::outline::outline(&parsed.ast),
                None,
                &uri,
                &conv,
                &q,
                &mut out,
            );
        }
        out
    }

    pub fn version(&self, uri: &Url) -> Option<i32> {
        self.docs.get(uri).map(|d| d.version)
    }

    pub fn text(&self, uri: &Url) -> Option<&str> {
        self.docs.get(uri).map(|d| d.text.as_str())
    }

    /// Loads and checks the project of `uri`, then asks `f`; the document is
    /// always `FileId(0)`.
    fn analyse<T>(&self, uri: &Url, f: impl FnOnce(&Checked<'_>, &Project) -> T) -> Option<T> {
        let path = normalize(&uri.to_file_path().ok()?);
        let cached = self
            .parsed
            .borrow()
            .get(uri)
            .filter(|(g, _)| *g == self.generation)
            .map(|(_, p)| Arc::clone(p));
        let project = match cached {
            Some(p) => p,
            None => {
                let overlay: HashMap<PathBuf, String> = self
                    .docs
                    .iter()
                    .filter_map(|(u, d)| Some((normalize(&u.to_file_path().ok()?), d.text.clone())))
                    .collect();
                let loader = Overlay { docs: overlay };
                let p = Arc::new(icp_lang::project::load(
                    &loader,
                    std::slice::from_ref(&path),
                ));
                self.parsed
                    .borrow_mut()
                    .insert(uri.clone(), (self.generation, Arc::clone(&p)));
                p
            }
        };
        let as_of = project_as_of(&path).unwrap_or_else(today);
        let checked = check(&project, &Options::new(as_of));
        Some(f(&checked, &project))
    }

    fn location(&self, project: &Project, span: Span) -> Option<lsp::Location> {
        let src = project.sources.get(span.file)?;
        let uri = Url::from_file_path(&src.path).ok()?;
        let conv = Converter::new(&src.text, self.encoding);
        Some(lsp::Location {
            uri,
            range: conv.range(span),
        })
    }

    pub fn diagnostics(&self, uri: &Url) -> Vec<lsp::Diagnostic> {
        if self.is_stale(uri) {
            return Vec::new();
        }
        let text = self.text(uri).unwrap_or("");
        let conv = Converter::new(text, self.encoding);
        self.analyse(uri, |checked, project| {
            checked
                .diagnostics
                .iter()
                .filter(|d| d.span().file == FileId(0))
                .map(|d| conv.diagnostic(d, |s| self.location(project, s)))
                .collect()
        })
        .unwrap_or_default()
    }

    fn offset(&self, uri: &Url, p: lsp::Position) -> Option<u32> {
        Some(Converter::new(self.text(uri)?, self.encoding).offset(p))
    }

    pub fn hover(&self, uri: &Url, p: lsp::Position) -> Option<Option<lsp::Hover>> {
        let offset = self.offset(uri, p)?;
        self.analyse(uri, |checked, _| {
            icp_lang::ide::hover::hover(checked, FileId(0), offset).map(|text| lsp::Hover {
                contents: lsp::HoverContents::Markup(lsp::MarkupContent {
                    kind: lsp::MarkupKind::Markdown,
                    value: text,
                }),
                range: None,
            })
        })
    }

    pub fn definition(&self, uri: &Url, p: lsp::Position) -> Option<lsp::Location> {
        let offset = self.offset(uri, p)?;
        self.analyse(uri, |checked, project| {
            let def = icp_lang::ide::navigate::definition(checked, FileId(0), offset)?;
            self.location(project, def)
        })?
    }

    /// The name at `p` in the document and the files it imports (what
    /// highlighting needs).
    pub fn references(
        &self,
        uri: &Url,
        p: lsp::Position,
        include_declaration: bool,
    ) -> Option<Vec<lsp::Location>> {
        let offset = self.offset(uri, p)?;
        self.analyse(uri, |checked, project| {
            let spans = icp_lang::ide::navigate::references(checked, FileId(0), offset);
            let skip = usize::from(!include_declaration);
            spans
                .into_iter()
                .skip(skip)
                .filter_map(|s| self.location(project, s))
                .collect()
        })
    }

    /// The name at `p` in every file of the project, so asking where a
    /// name is declared finds the files that import it; `Err` when the
    /// project is too big to search.
    pub fn references_everywhere(
        &self,
        uri: &Url,
        p: lsp::Position,
        include_declaration: bool,
    ) -> Result<Option<Vec<lsp::Location>>, String> {
        use icp_lang::ide::navigate::Search;
        let Some(found) = self.search_project(uri, p, Search::References) else {
            return Ok(None);
        };
        let found = found?;
        let skip = usize::from(!include_declaration);
        Ok(Some(
            found
                .spans
                .into_iter()
                .skip(skip)
                .filter_map(|s| self.location(&found.project, s))
                .collect(),
        ))
    }

    /// Every file of the document's project (the folder of the outermost
    /// `icp.toml` above it), open documents over the disk, searched by
    /// `icp_lang::ide::navigate::search_project`.
    fn search_project(
        &self,
        uri: &Url,
        p: lsp::Position,
        search: icp_lang::ide::navigate::Search,
    ) -> Option<Result<icp_lang::ide::navigate::Found, String>> {
        let offset = self.offset(uri, p)?;
        let path = normalize(&uri.to_file_path().ok()?);
        let docs: HashMap<PathBuf, String> = self
            .docs
            .iter()
            .filter_map(|(u, d)| Some((normalize(&u.to_file_path().ok()?), d.text.clone())))
            .collect();
        let also: Vec<PathBuf> = docs.keys().cloned().collect();
        let loader = Overlay { docs };
        let as_of = project_as_of(&path).unwrap_or_else(today);
        Some(icp_lang::ide::navigate::search_project(
            &loader,
            &path,
            &also,
            offset,
            &Options::new(as_of),
            search,
        ))
    }

    /// Quick fixes: the fixes of the diagnostics that touch `range`.
    pub fn code_actions(
        &self,
        uri: &Url,
        range: lsp::Range,
    ) -> Option<Vec<lsp::CodeActionOrCommand>> {
        let text = self.text(uri)?;
        let conv = Converter::new(text, self.encoding);
        let (start, end) = (conv.offset(range.start), conv.offset(range.end));
        self.analyse(uri, |checked, project| {
            checked
                .diagnostics
                .iter()
                .filter(|d| {
                    d.span().file == FileId(0) && d.span().start <= end && start <= d.span().end
                })
                .filter_map(|d| {
                    let fix = d.fix.as_ref()?;
                    let mut changes: HashMap<Url, Vec<lsp::TextEdit>> = HashMap::new();
                    for e in &fix.edits {
                        let loc = self.location(project, e.span)?;
                        changes.entry(loc.uri).or_default().push(lsp::TextEdit {
                            range: loc.range,
                            new_text: e.replacement.clone(),
                        });
                    }
                    Some(lsp::CodeActionOrCommand::CodeAction(lsp::CodeAction {
                        title: fix.message.clone(),
                        kind: Some(lsp::CodeActionKind::QUICKFIX),
                        diagnostics: Some(vec![conv.diagnostic(d, |s| self.location(project, s))]),
                        edit: Some(lsp::WorkspaceEdit {
                            changes: Some(changes),
                            ..Default::default()
                        }),
                        is_preferred: Some(true),
                        ..Default::default()
                    }))
                })
                .collect()
        })
    }

    /// The name under the cursor, if it can be renamed.
    pub fn prepare_rename(
        &self,
        uri: &Url,
        p: lsp::Position,
    ) -> Option<lsp::PrepareRenameResponse> {
        let offset = self.offset(uri, p)?;
        let conv = Converter::new(self.text(uri)?, self.encoding);
        self.analyse(uri, |checked, _| {
            let here = icp_lang::ide::navigate::rename_targets(checked, FileId(0), offset)
                .into_iter()
                .find(|s| s.file == FileId(0) && s.start <= offset && offset <= s.end)?;
            Some(lsp::PrepareRenameResponse::Range(conv.range(here)))
        })?
    }

    /// Renames the name under the cursor everywhere it is used, in every file
    /// of the project; `Err` explains why not.
    pub fn rename(
        &self,
        uri: &Url,
        p: lsp::Position,
        new_name: &str,
    ) -> Result<Option<lsp::WorkspaceEdit>, String> {
        let valid = new_name
            .chars()
            .next()
            .is_some_and(|c| c == '_' || c.is_alphabetic())
            && new_name.chars().all(|c| c == '_' || c.is_alphanumeric())
            && !icp_lang::lexer::RESERVED.contains(&new_name);
        if !valid {
            return Err(format!("`{new_name}` is not a valid name"));
        }
        let Some(found) = self.search_project(uri, p, icp_lang::ide::navigate::Search::Rename)
        else {
            return Ok(None);
        };
        let found = found?;
        if found.spans.is_empty() {
            return Ok(None);
        }
        let mut changes: HashMap<Url, Vec<lsp::TextEdit>> = HashMap::new();
        for s in found.spans {
            let Some(loc) = self.location(&found.project, s) else {
                return Ok(None);
            };
            changes.entry(loc.uri).or_default().push(lsp::TextEdit {
                range: loc.range,
                new_text: new_name.to_string(),
            });
        }
        Ok(Some(lsp::WorkspaceEdit {
            changes: Some(changes),
            ..Default::default()
        }))
    }

    /// The edits that format the document (or only those within `range`):
    /// just the white space that changes, so the cursor and folds stay put.
    /// A file with syntax errors is left alone.
    pub fn format(&self, uri: &Url, range: Option<lsp::Range>) -> Option<Vec<lsp::TextEdit>> {
        let text = self.text(uri)?;
        let formatted = icp_lang::fmt::format_source(FileId(0), text).ok()?;
        let conv = Converter::new(text, self.encoding);
        let Some(edits) = icp_lang::fmt::whitespace_edits(text, &formatted) else {
            // Cannot happen (the formatter refuses to change tokens); if it
            // did, replacing the whole text is still correct.
            let all = Span::new(FileId(0), 0, text.len());
            return Some(vec![lsp::TextEdit {
                range: conv.range(all),
                new_text: formatted,
            }]);
        };
        let wanted = range.map(|r| (conv.offset(r.start), conv.offset(r.end)));
        Some(
            edits
                .into_iter()
                // In range formatting, a gap that touches the range is fixed.
                .filter(|(s, e, _)| wanted.is_none_or(|(ws, we)| *s <= we && *e >= ws))
                .map(|(s, e, new_text)| lsp::TextEdit {
                    range: conv.range(Span::new(FileId(0), s as usize, e as usize)),
                    new_text,
                })
                .collect(),
        )
    }

    /// "Expand selection" at each position: innermost range first, each
    /// with the next as its parent.
    pub fn selection_ranges(
        &self,
        uri: &Url,
        positions: &[lsp::Position],
    ) -> Option<Vec<lsp::SelectionRange>> {
        let text = self.text(uri)?;
        let conv = Converter::new(text, self.encoding);
        let parsed = icp_lang::parser::parse(FileId(0), text);
        let out = positions
            .iter()
            .map(|p| {
                let chain = icp_lang::ide::selection::selection_chain(
                    &parsed.ast,
                    &parsed.tokens,
                    text.len() as u32,
                    conv.offset(*p),
                );
                let mut node: Option<lsp::SelectionRange> = None;
                for (s, e) in chain.into_iter().rev() {
                    node = Some(lsp::SelectionRange {
                        range: conv.range(Span::new(FileId(0), s as usize, e as usize)),
                        parent: node.map(Box::new),
                    });
                }
                // An empty file: the position itself.
                node.unwrap_or(lsp::SelectionRange {
                    range: lsp::Range::new(*p, *p),
                    parent: None,
                })
            })
            .collect();
        Some(out)
    }

    pub fn completions(&self, uri: &Url, p: lsp::Position) -> Option<Vec<lsp::CompletionItem>> {
        use icp_lang::ide::complete::CompletionKind as K;
        let offset = self.offset(uri, p)?;
        let text = self.text(uri)?;
        if let Some((typed, start)) = icp_lang::ide::complete::import_path_at(text, offset) {
            return self.import_paths(uri, &typed, start, offset);
        }
        self.analyse(uri, |checked, _| {
            icp_lang::ide::complete::complete(checked, FileId(0), offset)
                .into_iter()
                .map(|c| lsp::CompletionItem {
                    label: c.label.clone(),
                    kind: Some(match c.kind {
                        K::Keyword => lsp::CompletionItemKind::KEYWORD,
                        K::Snippet => lsp::CompletionItemKind::SNIPPET,
                        K::Field => lsp::CompletionItemKind::FIELD,
                        K::Value => lsp::CompletionItemKind::ENUM_MEMBER,
                        K::Rule => lsp::CompletionItemKind::PROPERTY,
                        K::Tier => lsp::CompletionItemKind::ENUM_MEMBER,
                        K::Job => lsp::CompletionItemKind::EVENT,
                        K::Type => lsp::CompletionItemKind::STRUCT,
                        K::Segment => lsp::CompletionItemKind::CONSTANT,
                    }),
                    detail: c.detail,
                    insert_text: c.snippet.clone(),
                    insert_text_format: c.snippet.as_ref().map(|_| lsp::InsertTextFormat::SNIPPET),
                    ..Default::default()
                })
                .collect()
        })
    }

    /// Inside `import "...`: the `.icp` files and folders of the folder typed
    /// so far (relative to the document), open documents included.
    fn import_paths(
        &self,
        uri: &Url,
        typed: &str,
        start: u32,
        offset: u32,
    ) -> Option<Vec<lsp::CompletionItem>> {
        let me = normalize(&uri.to_file_path().ok()?);
        let typed_dir = typed.rfind('/').map(|i| &typed[..=i]).unwrap_or("");
        let dir = normalize(&me.parent()?.join(typed_dir));
        let mut entries: Vec<(String, bool)> = std::fs::read_dir(&dir)
            .map(|rd| {
                rd.flatten()
                    .map(|e| {
                        let is_dir = e.file_type().is_ok_and(|t| t.is_dir());
                        (e.file_name().to_string_lossy().into_owned(), is_dir)
                    })
                    .collect()
            })
            .unwrap_or_default();
        // Open documents not yet saved are files too.
        for u in self.docs.keys() {
            let Ok(path) = u.to_file_path() else { continue };
            let path = normalize(&path);
            if path.parent() == Some(dir.as_path()) {
                if let Some(name) = path.file_name() {
                    entries.push((name.to_string_lossy().into_owned(), false));
                }
            }
        }
        entries.sort();
        entries.dedup();
        let text = self.text(uri)?;
        let conv = Converter::new(text, self.encoding);
        let replace = conv.range(Span::new(
            FileId(0),
            (start as usize) + typed_dir.len(),
            offset as usize,
        ));
        let item = |label: String, kind: lsp::CompletionItemKind| lsp::CompletionItem {
            text_edit: Some(lsp::CompletionTextEdit::Edit(lsp::TextEdit {
                range: replace,
                new_text: label.clone(),
            })),
            label,
            kind: Some(kind),
            ..Default::default()
        };
        let mut out = vec![item("../".to_string(), lsp::CompletionItemKind::FOLDER)];
        for (name, is_dir) in entries {
            if name.starts_with('.') || name == "target" || name == "node_modules" {
                continue;
            }
            if is_dir {
                out.push(item(format!("{name}/"), lsp::CompletionItemKind::FOLDER));
            } else if name.ends_with(".icp") && dir.join(&name) != me {
                out.push(item(name, lsp::CompletionItemKind::FILE));
            }
        }
        Some(out)
    }

    /// Points and share of the maximum after each signal; the maximum score
    /// after each ICP's and group's name (`icp_lang::ide::inlay`).
    pub fn inlay_hints(&self, uri: &Url) -> Option<Vec<lsp::InlayHint>> {
        let text = self.text(uri)?;
        let conv = Converter::new(text, self.encoding);
        self.analyse(uri, |checked, _| {
            icp_lang::ide::inlay::hints(checked, FileId(0))
                .into_iter()
                .map(|h| lsp::InlayHint {
                    position: conv.position(h.offset),
                    label: lsp::InlayHintLabel::String(h.label),
                    kind: None,
                    text_edits: None,
                    tooltip: None,
                    padding_left: Some(true),
                    padding_right: None,
                    data: None,
                })
                .collect()
        })
    }

    /// On each test, whether it passes; on each ICP, its tiers over the
    /// project's sample accounts (`sample_data` in `icp.toml`); from
    /// `icp_lang::ide::lens`.
    pub fn code_lenses(&self, uri: &Url) -> Option<Vec<lsp::CodeLens>> {
        let text = self.text(uri)?;
        let path = uri.to_file_path().ok()?;
        let conv = Converter::new(text, self.encoding);
        let sample = sample_data(&path);
        let as_of = project_as_of(&path).unwrap_or_else(today);
        self.analyse(uri, |checked, _| {
            let counts = |plan: &icp_lang::plan::Plan| tier_counts(plan, sample.as_deref()?);
            icp_lang::ide::lens::lenses(checked, FileId(0), as_of, counts)
                .into_iter()
                .map(|l| lsp::CodeLens {
                    range: conv.range(l.span),
                    command: Some(lsp::Command {
                        title: l.title,
                        command: String::new(),
                        arguments: None,
                    }),
                    data: None,
                })
                .collect()
        })
    }

    /// Folds for every declaration that spans several lines.
    pub fn folding_ranges(&self, uri: &Url) -> Option<Vec<lsp::FoldingRange>> {
        let text = self.text(uri)?;
        let parsed = icp_lang::parser::parse(FileId(0), text);
        let conv = Converter::new(text, self.encoding);
        let mut out = Vec::new();
        fn walk(
            symbols: &[icp_lang::ide::outline::Symbol],
            conv: &Converter<'_>,
            out: &mut Vec<lsp::FoldingRange>,
        ) {
            for s in symbols {
                let r = conv.range(s.span);
                if r.end.line > r.start.line {
                    out.push(lsp::FoldingRange {
                        start_line: r.start.line,
                        end_line: r.end.line,
                        ..Default::default()
                    });
                }
                walk(&s.children, conv, out);
            }
        }
        walk(
            &icp_lang::ide::outline::outline(&parsed.ast),
            &conv,
            &mut out,
        );
        Some(out)
    }

    pub fn symbols(&self, uri: &Url) -> Option<Vec<lsp::DocumentSymbol>> {
        let text = self.text(uri)?;
        let parsed = icp_lang::parser::parse(FileId(0), text);
        let conv = Converter::new(text, self.encoding);
        Some(
            icp_lang::ide::outline::outline(&parsed.ast)
                .iter()
                .map(|s| conv.symbol(s))
                .collect(),
        )
    }
}

/// Open documents over the file system. (The CLI has the same disk rules
/// in `icp-lang/src/cli/fs.rs`.)
struct Overlay {
    docs: HashMap<PathBuf, String>,
}

impl Loader for Overlay {
    fn load(&self, path: &Path) -> Result<String, LoadError> {
        if let Some(text) = self.docs.get(path) {
            return Ok(text.clone());
        }
        match std::fs::metadata(path) {
            Err(_) => Err(LoadError::NotFound),
            Ok(m) if m.is_dir() => Err(LoadError::IsDirectory),
            Ok(m) if m.len() > icp_lang::source::MAX_SOURCE_BYTES => {
                Err(LoadError::TooLarge { bytes: m.len() })
            }
            Ok(_) => decode(std::fs::read(path).map_err(|e| LoadError::Io(e.to_string()))?),
        }
    }

    fn project_root(&self, file: &Path) -> PathBuf {
        let dir = file.parent().unwrap_or(file);
        dir.ancestors()
            .filter(|d| d.join("icp.toml").is_file())
            .last()
            .unwrap_or(dir)
            .to_path_buf()
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
}

/// The sample accounts named by the nearest `icp.toml`, if any.
fn sample_data(file: &Path) -> Option<PathBuf> {
    let cfg = file
        .parent()?
        .ancestors()
        .map(|d| d.join("icp.toml"))
        .find(|p| p.is_file())?;
    let text = std::fs::read_to_string(&cfg).ok()?;
    let rel = icp_lang::config::parse(FileId(0), &text)
        .0
        .config
        .project
        .sample_data?;
    Some(cfg.parent()?.join(rel))
}

/// "tiers on sample data: A 7 · B 3 · C 7 · removed 9", or why not.
fn tier_counts(plan: &icp_lang::plan::Plan, data: &Path) -> Option<String> {
    let mut r = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(data)
        .ok()?;
    let headers: Vec<String> = r
        .headers()
        .ok()?
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').to_string())
        .collect();
    let Ok(binding) = icp_lang::data::bind_headers(plan, &headers) else {
        return Some(format!(
            "sample data: `{}` lacks columns this ICP reads",
            data.display()
        ));
    };
    let (mut tiers, mut removed, mut bad) = (vec![0u64; plan.tiers.len()], 0u64, 0u64);
    for (n, rec) in r.records().enumerate() {
        let Ok(rec) = rec else {
            bad += 1;
            continue;
        };
        let cells: Vec<&str> = rec.iter().collect();
        let (row, errors) =
            icp_lang::data::decode_row(plan, &binding, &cells, n as u64 + 1, ';', &headers);
        if !errors.is_empty() {
            bad += 1;
            continue;
        }
        let o = icp_lang::eval::evaluate(plan, &row);
        match (o.removed_by, o.tier) {
            (Some(_), _) => removed += 1,
            (None, Some(t)) => {
                if let Some(c) = tiers.get_mut(t) {
                    *c += 1;
                }
            }
            (None, None) => {}
        }
    }
    let mut parts: Vec<String> = plan
        .tiers
        .iter()
        .zip(&tiers)
        .map(|(t, n)| format!("{} {n}", t.name))
        .collect();
    parts.push(format!("removed {removed}"));
    if bad > 0 {
        parts.push(format!("{bad} bad rows"));
    }
    Some(format!("sample data: {}", parts.join(" · ")))
}

/// The `as_of` of the nearest `icp.toml`, if it pins one.
fn project_as_of(file: &Path) -> Option<Date> {
    let cfg = file
        .parent()?
        .ancestors()
        .map(|d| d.join("icp.toml"))
        .find(|p| p.is_file())?;
    let text = std::fs::read_to_string(cfg).ok()?;
    icp_lang::config::parse(FileId(0), &text).0.as_of
}

fn today() -> Date {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    Date::from_days((secs / 86_400) as i64)
}
