//! `icp-lsp`: the icp language server, over standard input and output.

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
        let (service, socket) = tower_lsp::LspService::new(icp_lsp::Server::new);
        tower_lsp::Server::new(tokio::io::stdin(), tokio::io::stdout(), socket)
            .serve(service)
            .await;
    });
}
