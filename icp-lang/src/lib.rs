//! The icp language: parsing, name resolution, type checking and static
//! analysis of Ideal Customer Profiles. Pure: no file system, terminal or
//! editor types; callers hand in source text through [`source::Loader`].

pub mod lexer;
pub mod span;
