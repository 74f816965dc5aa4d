//! `icp-lsp`: the icp language server, over standard input and output.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use tower_lsp::jsonrpc::{Request, Response};
use tower_lsp::{ExitedError, LspService};

fn main() {
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
        let service = ExitOnExit {
            inner: service,
            shut_down: Arc::new(AtomicBool::new(false)),
        };
        tower_lsp::Server::new(tokio::io::stdin(), tokio::io::stdout(), socket)
            .serve(service)
            .await;
    });
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
