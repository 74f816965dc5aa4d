//! The open documents, and answering questions about them: each question
//! opens the document's workspace (open documents over the disk, through the
//! same `icp_lang::workspace` as the CLI), checks it and asks `icp_lang::ide`.

use crate::convert::Converter;
use icp_lang::check::Checked;
use icp_lang::disk::{today, Disk};
use icp_lang::ide::lens::Sample;
use icp_lang::ide::position::Encoding;
use icp_lang::project::Project;
use icp_lang::source::{normalize, LoadError};
use icp_lang::span::{FileId, Span};
use icp_lang::tree::{Entry, Kind, Tree};
use icp_lang::workspace::Workspace;
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
    /// Workspaces by document, valid for one generation: a request then
    /// costs a check and the query, not a parse.
    parsed: RefCell<HashMap<Url, (u64, Arc<Workspace>)>>,
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

    /// The workspace of `uri`: the document (always `FileId(0)`), its
    /// imports and its product's settings, read as the CLI reads them.
    fn workspace(&self, uri: &Url) -> Option<Arc<Workspace>> {
        let path = normalize(&uri.to_file_path().ok()?);
        let cached = self
            .parsed
            .borrow()
            .get(uri)
            .filter(|(g, _)| *g == self.generation)
            .map(|(_, w)| Arc::clone(w));
        if let Some(w) = cached {
            return Some(w);
        }
        let ws = Arc::new(Workspace::load(&self.tree(), vec![path], None, today()));
        self.parsed
            .borrow_mut()
            .insert(uri.clone(), (self.generation, Arc::clone(&ws)));
        Some(ws)
    }

    /// Open documents over the disk.
    fn tree(&self) -> Overlay {
        Overlay {
            docs: self
                .docs
                .iter()
                .filter_map(|(u, d)| Some((normalize(&u.to_file_path().ok()?), d.text.clone())))
                .collect(),
            disk: Disk::new(),
        }
    }

    /// Checks the workspace of `uri`, then asks `f`.
    fn analyse_ws<T>(&self, uri: &Url, f: impl FnOnce(&Checked<'_>, &Workspace) -> T) -> Option<T> {
        let ws = self.workspace(uri)?;
        let checked = ws.check();
        Some(f(&checked, &ws))
    }

    fn analyse<T>(&self, uri: &Url, f: impl FnOnce(&Checked<'_>, &Project) -> T) -> Option<T> {
        self.analyse_ws(uri, |checked, ws| f(checked, &ws.project))
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

    /// The document's diagnostics exactly as `icp check` gives them (its
    /// product's lint levels and as-of date applied), and those of each
    /// `icp.toml` it reads, by that file (empty when it is fine, which
    /// clears an error once fixed).
    pub fn diagnostics(
        &self,
        uri: &Url,
    ) -> (Vec<lsp::Diagnostic>, Vec<(Url, Vec<lsp::Diagnostic>)>) {
        if self.is_stale(uri) {
            return Default::default();
        }
        let text = self.text(uri).unwrap_or("");
        let conv = Converter::new(text, self.encoding);
        self.analyse_ws(uri, |checked, ws| {
            let all = ws.diagnostics(&checked.diagnostics, false);
            let located = |d: &icp_lang::diagnostic::Diagnostic, conv: &Converter<'_>| {
                conv.diagnostic(d, |s| self.location(&ws.project, s))
            };
            let mine = all
                .iter()
                .filter(|d| d.span().file == FileId(0))
                .map(|d| located(d, &conv))
                .collect();
            let settings = ws
                .config_files()
                .into_iter()
                .filter_map(|(fid, path)| {
                    let src = ws.project.sources.get(fid)?;
                    let conv = Converter::new(&src.text, self.encoding);
                    let diags = all
                        .iter()
                        .filter(|d| d.span().file == fid)
                        .map(|d| located(d, &conv))
                        .collect();
                    Some((Url::from_file_path(path).ok()?, diags))
                })
                .collect();
            (mine, settings)
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
        let opts = icp_lang::check::Options::new(today());
        Some(icp_lang::ide::navigate::search_project(
            &self.tree(),
            &path,
            offset,
            &opts,
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
    /// A file with syntax errors is left alone; a file keeps its own line
    /// end (that of its first line), as with `icp fmt`.
    pub fn format(&self, uri: &Url, range: Option<lsp::Range>) -> Option<Vec<lsp::TextEdit>> {
        let text = self.text(uri)?;
        let formatted = icp_lang::fmt::format_file(FileId(0), text).ok()?;
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
        // Open documents not yet saved are files too.
        let entries: Vec<(String, bool)> = self
            .tree()
            .entries(&dir)
            .into_iter()
            .map(|e| (e.name, e.kind == Kind::Dir))
            .collect();
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
            if icp_lang::tree::skipped_folder(&name) {
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
        let conv = Converter::new(text, self.encoding);
        self.analyse_ws(uri, |checked, ws| {
            let product = ws.product(FileId(0));
            let tree = self.tree();
            let settings = ws
                .settings(FileId(0))
                .map(|s| s.config.data.clone())
                .unwrap_or_default();
            let sample = |plan: &icp_lang::plan::Plan| {
                let data = product.sample_data.as_ref()?;
                Some(tier_counts(&tree, plan, data, &product.root, &settings))
            };
            icp_lang::ide::lens::lenses(checked, FileId(0), ws.as_of(FileId(0)), sample)
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

/// Open documents over the disk: what the editor shows wins over what is saved.
struct Overlay {
    docs: HashMap<PathBuf, String>,
    disk: Disk,
}

impl Tree for Overlay {
    fn cwd(&self) -> &Path {
        self.disk.cwd()
    }

    fn stat(&self, path: &Path) -> Result<(Kind, u64), LoadError> {
        match self.docs.get(path) {
            Some(text) => Ok((Kind::File, text.len() as u64)),
            None => self.disk.stat(path),
        }
    }

    fn real_path(&self, path: &Path) -> PathBuf {
        self.disk.real_path(path)
    }

    fn read_bytes(&self, path: &Path, limit: u64) -> Result<Vec<u8>, LoadError> {
        match self.docs.get(path) {
            Some(text) => {
                let n = usize::try_from(limit).unwrap_or(usize::MAX).min(text.len());
                Ok(text.as_bytes().get(..n).unwrap_or_default().to_vec())
            }
            None => self.disk.read_bytes(path, limit),
        }
    }

    fn open(&self, path: &Path) -> Result<Box<dyn std::io::Read + Send>, LoadError> {
        self.disk.open(path)
    }

    fn entries(&self, dir: &Path) -> Vec<Entry> {
        let mut out = self.disk.entries(dir);
        // Open documents not yet saved are files too.
        for path in self.docs.keys() {
            if path.parent() == Some(dir) {
                if let Some(name) = path.file_name() {
                    out.push(Entry {
                        name: name.to_string_lossy().into_owned(),
                        kind: Kind::File,
                    });
                }
            }
        }
        out.sort();
        out.dedup();
        out
    }
}

/// The most of a product's sample accounts a lens reads: the editor must
/// answer at once, whatever `sample_data` names.
const LENS_BYTES: u64 = 32 << 20;

/// "tiers on sample data: A 7 · B 3 · C 7 · removed 9", or why not, and
/// the texts near one a rule lists.
fn tier_counts(
    tree: &Overlay,
    plan: &icp_lang::plan::Plan,
    data: &Path,
    root: &Path,
    settings: &icp_lang::accounts::ReadSettings,
) -> Sample {
    let why = |title: String| Sample {
        title,
        ..Sample::default()
    };
    let shown = tree.display_name(data);
    let (reader, len) = match icp_lang::tree::open_data(tree, data, root) {
        Ok(r) => r,
        Err(e) => {
            return why(format!(
                "sample data: cannot read `{shown}`: {}",
                e.describe()
            ))
        }
    };
    if len > LENS_BYTES {
        return why(format!(
            "sample data: `{shown}` is {} MiB; lenses read at most {} MiB (use `icp score`)",
            len >> 20,
            LENS_BYTES >> 20
        ));
    }
    // The same reader and counts as `icp score`, with the product's [data]
    // settings, bounded in bytes (the file may grow after the check above).
    let limits = icp_lang::accounts::Limits {
        max_input_bytes: Some(LENS_BYTES),
        ..Default::default()
    };
    let t = match icp_lang::accounts::tally(plan, reader, &shown, settings, limits) {
        Ok(t) => t,
        Err(e) => return why(format!("sample data: {e}")),
    };
    let counts = icp_lang::ide::lens::TierCounts {
        tiers: t.tiers,
        removed: t.removed.iter().sum(),
        bad: t.skipped + t.unreadable,
    };
    Sample {
        title: icp_lang::ide::lens::sample_title(plan, &counts),
        near: t.near,
    }
}
