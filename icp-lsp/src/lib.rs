//! The icp language server. Only this crate knows LSP types: it keeps the
//! open documents, asks `icp_lang::ide` and the checker, and translates.
//!
//! Ordering: tower-lsp runs handlers concurrently, so every document change
//! is applied to the store synchronously, before the handler's first await;
//! requests then read whatever the store holds.

mod convert;
mod documents;

use convert::Converter;
use documents::Documents;
use icp_lang::ide::position::Encoding;
use std::sync::{Arc, Mutex};
use tower_lsp::jsonrpc::{Error, Result};
use tower_lsp::lsp_types::*;
use tower_lsp::{Client, LanguageServer};

pub struct Server {
    client: Client,
    docs: Arc<Mutex<Documents>>,
    /// What the client said it can do: register file watchers, refresh lenses.
    can: Mutex<ClientCan>,
    /// The diagnostics last published on each `icp.toml`.
    settings_shown: Mutex<std::collections::HashMap<Url, Vec<Diagnostic>>>,
}

#[derive(Default, Clone, Copy)]
struct ClientCan {
    watch_files: bool,
    refresh_lenses: bool,
}

impl Server {
    pub fn new(client: Client) -> Server {
        Server {
            client,
            docs: Arc::new(Mutex::new(Documents::default())),
            can: Mutex::new(ClientCan::default()),
            settings_shown: Mutex::new(std::collections::HashMap::new()),
        }
    }

    /// Runs `f` on the document store; a panic in it answers the request
    /// with an error instead of taking the server down.
    fn with_docs<T>(&self, f: impl FnOnce(&mut Documents) -> Option<T>) -> Result<Option<T>> {
        let docs = Arc::clone(&self.docs);
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || match docs.lock() {
            Ok(mut d) => f(&mut d),
            Err(poisoned) => f(&mut poisoned.into_inner()),
        }))
        .map_err(|_| Error::internal_error())
    }

    /// Checks `uri` and publishes its diagnostics tagged with its version,
    /// at once if no check of it is running; otherwise the running check
    /// picks up the newest version when it is done. So a keystroke is
    /// answered as soon as one check takes, and a burst of them costs one
    /// check more, not one each.
    async fn publish_soon(&self, uri: Url) {
        let claimed = self.with_docs(|d| Some(d.start_checking(&uri)));
        if claimed != Ok(Some(true)) {
            return;
        }
        loop {
            let result = self.with_docs(|d| Some((d.version(&uri)?, d.diagnostics(&uri))));
            let Ok(Some((version, (diagnostics, settings)))) = result else {
                let _ = self.with_docs(|d| Some(d.stop_checking(&uri, None)));
                return;
            };
            self.client
                .publish_diagnostics(uri.clone(), diagnostics, Some(version))
                .await;
            self.publish_settings(settings).await;
            // Files that import the changed one may have new problems (or
            // lost old ones): re-check the other open documents too.
            self.publish_others(&uri).await;
            let done = self.with_docs(|d| Some(d.stop_checking(&uri, Some(version))));
            if done != Ok(Some(false)) {
                return;
            }
        }
    }

    /// Lenses show test results and tier counts over the sample accounts:
    /// after a save or a change on disk, the client should ask again.
    async fn refresh_lenses(&self) {
        if self.can.lock().map(|c| c.refresh_lenses).unwrap_or(false) {
            let _ = self.client.code_lens_refresh().await;
        }
    }

    /// Problems of `icp.toml` files go on those files, open or not; sent
    /// only when they change (so a clean file costs no message).
    async fn publish_settings(&self, settings: Vec<(Url, Vec<Diagnostic>)>) {
        for (uri, diagnostics) in settings {
            let changed = match self.settings_shown.lock() {
                Ok(mut shown) => {
                    let before = shown.get(&uri).cloned().unwrap_or_default();
                    shown.insert(uri.clone(), diagnostics.clone());
                    before != diagnostics
                }
                Err(_) => true,
            };
            if changed {
                self.client
                    .publish_diagnostics(uri, diagnostics, None)
                    .await;
            }
        }
    }

    async fn publish_others(&self, except: &Url) {
        let others = self.with_docs(|d| {
            Some(
                d.open_documents()
                    .into_iter()
                    .filter(|(u, _)| u != except)
                    .map(|(u, v)| (d.diagnostics(&u), u, v))
                    .collect::<Vec<_>>(),
            )
        });
        for ((diagnostics, settings), uri, version) in others.ok().flatten().unwrap_or_default() {
            self.client
                .publish_diagnostics(uri, diagnostics, Some(version))
                .await;
            self.publish_settings(settings).await;
        }
    }
}

#[tower_lsp::async_trait]
impl LanguageServer for Server {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        let offered = params
            .capabilities
            .general
            .and_then(|g| g.position_encodings)
            .unwrap_or_default();
        let utf8 = offered.contains(&PositionEncodingKind::UTF8);
        let workspace = params.capabilities.workspace.as_ref();
        let can = ClientCan {
            watch_files: workspace
                .and_then(|w| w.did_change_watched_files)
                .and_then(|w| w.dynamic_registration)
                .unwrap_or(false),
            refresh_lenses: workspace
                .and_then(|w| w.code_lens.as_ref())
                .and_then(|c| c.refresh_support)
                .unwrap_or(false),
        };
        if let Ok(mut c) = self.can.lock() {
            *c = can;
        }
        let encoding = if utf8 {
            Encoding::Utf8
        } else {
            Encoding::Utf16
        };
        self.with_docs(|d| {
            d.encoding = encoding;
            Some(())
        })?;
        Ok(InitializeResult {
            server_info: Some(ServerInfo {
                name: "icp-lsp".into(),
                version: Some(env!("CARGO_PKG_VERSION").into()),
            }),
            capabilities: ServerCapabilities {
                position_encoding: Some(if utf8 {
                    PositionEncodingKind::UTF8
                } else {
                    PositionEncodingKind::UTF16
                }),
                text_document_sync: Some(TextDocumentSyncCapability::Options(
                    TextDocumentSyncOptions {
                        open_close: Some(true),
                        change: Some(TextDocumentSyncKind::INCREMENTAL),
                        // Saves refresh the code lenses (sample accounts are read
                        // from disk); their text puts a stale document back in step.
                        save: Some(TextDocumentSyncSaveOptions::SaveOptions(SaveOptions {
                            include_text: Some(true),
                        })),
                        ..Default::default()
                    },
                )),
                hover_provider: Some(HoverProviderCapability::Simple(true)),
                definition_provider: Some(OneOf::Left(true)),
                references_provider: Some(OneOf::Left(true)),
                document_highlight_provider: Some(OneOf::Left(true)),
                document_symbol_provider: Some(OneOf::Left(true)),
                code_action_provider: Some(CodeActionProviderCapability::Simple(true)),
                rename_provider: Some(OneOf::Right(RenameOptions {
                    prepare_provider: Some(true),
                    work_done_progress_options: Default::default(),
                })),
                inlay_hint_provider: Some(OneOf::Left(true)),
                document_formatting_provider: Some(OneOf::Left(true)),
                document_range_formatting_provider: Some(OneOf::Left(true)),
                selection_range_provider: Some(SelectionRangeProviderCapability::Simple(true)),
                workspace_symbol_provider: Some(OneOf::Left(true)),
                completion_provider: Some(CompletionOptions {
                    // `"` and `/` for import paths.
                    trigger_characters: Some(vec![" ".into(), "[".into(), "\"".into(), "/".into()]),
                    ..Default::default()
                }),
                code_lens_provider: Some(CodeLensOptions {
                    resolve_provider: Some(false),
                }),
                folding_range_provider: Some(FoldingRangeProviderCapability::Simple(true)),
                semantic_tokens_provider: Some(
                    SemanticTokensServerCapabilities::SemanticTokensOptions(
                        SemanticTokensOptions {
                            legend: SemanticTokensLegend {
                                token_types: convert::TOKEN_TYPES.to_vec(),
                                token_modifiers: Vec::new(),
                            },
                            full: Some(SemanticTokensFullOptions::Bool(true)),
                            range: Some(true),
                            ..Default::default()
                        },
                    ),
                ),
                ..Default::default()
            },
        })
    }

    /// Asks the client to tell us when `.icp` files, `icp.toml` files or
    /// sample accounts change on disk: imports of open documents are read
    /// from there.
    async fn initialized(&self, _: InitializedParams) {
        let watch = self.can.lock().map(|c| c.watch_files).unwrap_or(false);
        if !watch {
            return;
        }
        let watchers = ["**/*.icp", "**/icp.toml", "**/*.{csv,tsv,jsonl}"]
            .into_iter()
            .map(|glob| FileSystemWatcher {
                glob_pattern: GlobPattern::String(glob.to_string()),
                kind: None,
            })
            .collect();
        let options = DidChangeWatchedFilesRegistrationOptions { watchers };
        let registration = Registration {
            id: "icp-watch".to_string(),
            method: "workspace/didChangeWatchedFiles".to_string(),
            register_options: serde_json::to_value(options).ok(),
        };
        let _ = self.client.register_capability(vec![registration]).await;
    }

    async fn did_save(&self, params: DidSaveTextDocumentParams) {
        let uri = params.text_document.uri;
        let _ = self.with_docs(|d| {
            d.invalidate();
            if let Some(text) = params.text {
                d.resync(&uri, text);
            }
            Some(())
        });
        self.publish_soon(uri).await;
        self.refresh_lenses().await;
    }

    async fn shutdown(&self) -> Result<()> {
        Ok(())
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        let doc = params.text_document;
        let applied = self.with_docs(|d| {
            d.open(doc.uri.clone(), doc.text, doc.version);
            Some(())
        });
        if applied.is_ok() {
            self.publish_soon(doc.uri).await;
        }
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        let uri = params.text_document.uri;
        let version = params.text_document.version;
        // Applied before any await: changes keep their arrival order.
        let applied = self.with_docs(|d| Some(d.change(&uri, version, params.content_changes)));
        if let Ok(Some(Err(problem))) = &applied {
            self.client
                .log_message(MessageType::WARNING, format!("icp-lsp: {problem}"))
                .await;
        }
        if applied.is_ok() {
            self.publish_soon(uri).await;
        }
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        let uri = params.text_document.uri;
        let _ = self.with_docs(|d| {
            d.close(&uri);
            Some(())
        });
        self.client
            .publish_diagnostics(uri.clone(), Vec::new(), None)
            .await;
        // The importers of a closed, edited file now read it from disk:
        // their problems may have changed.
        self.publish_others(&uri).await;
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        let at = params.text_document_position_params;
        self.with_docs(|d| d.hover(&at.text_document.uri, at.position))
            .map(Option::flatten)
    }

    async fn goto_definition(
        &self,
        params: GotoDefinitionParams,
    ) -> Result<Option<GotoDefinitionResponse>> {
        let at = params.text_document_position_params;
        self.with_docs(|d| {
            d.definition(&at.text_document.uri, at.position)
                .map(GotoDefinitionResponse::Scalar)
        })
    }

    async fn references(&self, params: ReferenceParams) -> Result<Option<Vec<Location>>> {
        let at = params.text_document_position;
        let include = params.context.include_declaration;
        let found = self.with_docs(|d| {
            Some(d.references_everywhere(&at.text_document.uri, at.position, include))
        })?;
        match found {
            Some(Ok(locations)) => Ok(locations),
            Some(Err(why)) => Err(Error {
                code: tower_lsp::jsonrpc::ErrorCode::ServerError(-32803),
                message: why.into(),
                data: None,
            }),
            None => Ok(None),
        }
    }

    async fn document_highlight(
        &self,
        params: DocumentHighlightParams,
    ) -> Result<Option<Vec<DocumentHighlight>>> {
        let at = params.text_document_position_params;
        self.with_docs(|d| {
            let here = d.references(&at.text_document.uri, at.position, true)?;
            Some(
                here.into_iter()
                    .filter(|l| l.uri == at.text_document.uri)
                    .map(|l| DocumentHighlight {
                        range: l.range,
                        kind: None,
                    })
                    .collect(),
            )
        })
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        self.with_docs(|d| d.code_actions(&params.text_document.uri, params.range))
    }

    async fn prepare_rename(
        &self,
        params: TextDocumentPositionParams,
    ) -> Result<Option<PrepareRenameResponse>> {
        self.with_docs(|d| d.prepare_rename(&params.text_document.uri, params.position))
    }

    async fn rename(&self, params: RenameParams) -> Result<Option<WorkspaceEdit>> {
        let at = params.text_document_position;
        match self
            .with_docs(|d| Some(d.rename(&at.text_document.uri, at.position, &params.new_name)))?
        {
            Some(Ok(edit)) => Ok(edit),
            Some(Err(why)) => Err(Error::invalid_params(why)),
            None => Ok(None),
        }
    }

    async fn completion(&self, params: CompletionParams) -> Result<Option<CompletionResponse>> {
        let at = params.text_document_position;
        self.with_docs(|d| {
            d.completions(&at.text_document.uri, at.position)
                .map(CompletionResponse::Array)
        })
    }

    async fn did_change_watched_files(&self, _params: DidChangeWatchedFilesParams) {
        let _ = self.with_docs(|d| {
            d.invalidate();
            Some(())
        });
        // An imported file changed on disk: every open document may be affected.
        let none = Url::parse("file:///").ok();
        if let Some(none) = none {
            self.publish_others(&none).await;
        }
        self.refresh_lenses().await;
    }

    async fn symbol(
        &self,
        params: WorkspaceSymbolParams,
    ) -> Result<Option<Vec<SymbolInformation>>> {
        self.with_docs(|d| Some(d.workspace_symbols(&params.query)))
    }

    async fn semantic_tokens_range(
        &self,
        params: SemanticTokensRangeParams,
    ) -> Result<Option<SemanticTokensRangeResult>> {
        self.with_docs(|d| {
            let text = d.text(&params.text_document.uri)?;
            let conv = Converter::new(text, d.encoding);
            let (start, end) = (
                conv.offset(params.range.start),
                conv.offset(params.range.end),
            );
            Some(SemanticTokensRangeResult::Tokens(SemanticTokens {
                result_id: None,
                data: conv.semantic_tokens_in(start, end),
            }))
        })
    }

    async fn formatting(&self, params: DocumentFormattingParams) -> Result<Option<Vec<TextEdit>>> {
        self.with_docs(|d| d.format(&params.text_document.uri, None))
    }

    async fn range_formatting(
        &self,
        params: DocumentRangeFormattingParams,
    ) -> Result<Option<Vec<TextEdit>>> {
        self.with_docs(|d| d.format(&params.text_document.uri, Some(params.range)))
    }

    async fn selection_range(
        &self,
        params: SelectionRangeParams,
    ) -> Result<Option<Vec<SelectionRange>>> {
        self.with_docs(|d| d.selection_ranges(&params.text_document.uri, &params.positions))
    }

    async fn inlay_hint(&self, params: InlayHintParams) -> Result<Option<Vec<InlayHint>>> {
        self.with_docs(|d| d.inlay_hints(&params.text_document.uri))
    }

    async fn code_lens(&self, params: CodeLensParams) -> Result<Option<Vec<CodeLens>>> {
        self.with_docs(|d| d.code_lenses(&params.text_document.uri))
    }

    async fn folding_range(&self, params: FoldingRangeParams) -> Result<Option<Vec<FoldingRange>>> {
        self.with_docs(|d| d.folding_ranges(&params.text_document.uri))
    }

    async fn document_symbol(
        &self,
        params: DocumentSymbolParams,
    ) -> Result<Option<DocumentSymbolResponse>> {
        self.with_docs(|d| {
            d.symbols(&params.text_document.uri)
                .map(DocumentSymbolResponse::Nested)
        })
    }

    async fn semantic_tokens_full(
        &self,
        params: SemanticTokensParams,
    ) -> Result<Option<SemanticTokensResult>> {
        self.with_docs(|d| {
            let text = d.text(&params.text_document.uri)?;
            let conv = Converter::new(text, d.encoding);
            Some(SemanticTokensResult::Tokens(SemanticTokens {
                result_id: None,
                data: conv.semantic_tokens(),
            }))
        })
    }
}
