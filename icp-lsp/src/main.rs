//! `icp-lsp`: the icp language server, over standard input and output.
//! Exits 0 after `shutdown` and `exit`, 1 on `exit` without `shutdown`, on
//! input that is not LSP JSON-RPC, or when standard input closes first.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use tower_lsp::jsonrpc::{Request, Response};
use tower_lsp::{ExitedError, LspService};

fn main() {
    let _ = tracing::subscriber::set_global_default(Fatal);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("icp-lsp: cannot start: {e}");
            std::process::exit(2);
        }
    };
    runtime.block_on(async {
        let (service, socket) = LspService::new(icp_lsp::Server::new);
        let shut_down = Arc::new(AtomicBool::new(false));
        let service = ExitOnExit {
            inner: service,
            shut_down: Arc::clone(&shut_down),
        };
        tower_lsp::Server::new(tokio::io::stdin(), tokio::io::stdout(), socket)
            .serve(service)
            .await;
        // Standard input closed without `exit`.
        if !shut_down.load(Ordering::SeqCst) {
            eprintln!("icp-lsp: standard input closed before `shutdown` and `exit`");
            std::process::exit(1);
        }
    });
}

/// tower-lsp reports a message it cannot read (a bad `Content-Length`, a
/// body that is not JSON-RPC) only through `tracing`, then stops reading:
/// left alone the server would end with 0 as if told to. This subscriber
/// turns that report into a message on standard error and exit code 1;
/// other errors are printed.
struct Fatal;

impl tracing::Subscriber for Fatal {
    fn enabled(&self, meta: &tracing::Metadata<'_>) -> bool {
        *meta.level() == tracing::Level::ERROR
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        let mut message = Message(String::new());
        event.record(&mut message);
        let message = message.0;
        if message.starts_with("failed to decode message") {
            eprintln!("icp-lsp: {message}: the client's messages are not framed LSP JSON-RPC");
            std::process::exit(1);
        }
        eprintln!("icp-lsp: {message}");
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

struct Message(String);

impl tracing::field::Visit for Message {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            self.0 = format!("{value:?}");
        }
    }
}

/// Ends the process on `exit` as the protocol asks (code 0 after `shutdown`,
/// 1 without); tower-lsp alone waits for standard input to close.
struct ExitOnExit {
    inner: LspService<icp_lsp::Server>,
    shut_down: Arc<AtomicBool>,
}

impl tower_service::Service<Request> for ExitOnExit {
    type Response = Option<Response>;
    type Error = ExitedError;
    type Future = <LspService<icp_lsp::Server> as tower_service::Service<Request>>::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        match req.method() {
            "shutdown" => self.shut_down.store(true, Ordering::SeqCst),
            "exit" => std::process::exit(if self.shut_down.load(Ordering::SeqCst) {
                0
            } else {
                1
            }),
            _ => {}
        }
        self.inner.call(req)
    }
}
