pub mod check;
pub mod fs;
