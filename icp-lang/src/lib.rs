//! The icp language: parsing, name resolution, type checking and static
//! analysis of Ideal Customer Profiles. Pure: no file system, terminal or
//! editor types; callers hand in source text through [`source::Loader`].

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
pub mod eval;
pub mod explain;
pub mod fmt;
pub mod ide;
pub mod lexer;
pub mod parser;
pub mod plan;
pub mod project;
pub mod render;
pub mod rng;
pub mod source;
pub mod span;
pub mod split;
pub mod sql;
pub mod suggest;
pub mod testing;
