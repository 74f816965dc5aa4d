//! What an editor asks of the compiler, as plain functions over the checked
//! project: positions in the client's encoding, and (to come) hover,
//! definitions and the rest. The language server only translates these to
//! and from LSP types.

pub mod navigate;
pub mod position;
