//! The icp language: parsing, name resolution, type checking and static
//! analysis of Ideal Customer Profiles. The stages are pure: no file system,
//! terminal or editor types. Files arrive through a [`tree::Tree`] that the
//! caller hands to a [`workspace::Workspace`]; `disk` is that tree for the
//! disk, the only file-system code here, used only when a caller picks it.

pub mod accounts;
pub mod analysis;
pub mod ast;
pub mod check;
pub mod codes;
pub mod config;
pub mod diagnostic;
// pest_derive without its `std` feature names `alloc` directly.
extern crate alloc;

pub mod contacts;
pub mod data;
pub mod diff;
pub mod disk;
pub mod eval;
pub mod evidence;
pub mod explain;
pub mod fmt;
pub mod ide;
pub mod lexer;
pub mod outcomes;
pub mod parser;
pub mod plan;
pub mod project;
pub mod reach;
pub mod render;
pub mod report;
pub mod rng;
pub mod source;
pub mod span;
pub mod split;
pub mod sql;
pub mod stats;
pub mod suggest;
pub mod testing;
pub mod tree;
pub mod values;
pub mod workspace;
