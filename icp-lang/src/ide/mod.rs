//! What an editor asks of the compiler, as plain functions over the checked
//! project: positions in the client's encoding, definitions and references
//! (in one file's imports or across the whole project), hover text,
//! completions, inlay hints, code lenses, the outline and token classes.
//! The language server (`icp-lsp`) only translates these to and from LSP
//! types.

pub mod complete;
pub mod hover;
pub mod inlay;
pub mod lens;
pub mod navigate;
pub mod outline;
pub mod position;
pub mod selection;

#[cfg(test)]
mod snapshots_test;

#[cfg(test)]
pub(crate) mod testutil {
    //! An in-memory project for the editor features' tests.
    use crate::tree::MemTree;
    use std::path::PathBuf;

    /// `/p/main.icp` (file 0) and `/p/shared.icp`, loaded.
    pub fn project(main: &str, shared: &str) -> crate::project::Project {
        let files = MemTree::new([
            (PathBuf::from("/p/main.icp"), main),
            (PathBuf::from("/p/shared.icp"), shared),
        ]);
        crate::project::load(&files, &[PathBuf::from("/p/main.icp")])
    }

    pub fn options() -> crate::check::Options {
        crate::check::Options::new(crate::ast::Date {
            year: 2026,
            month: 11,
            day: 1,
        })
    }
}
