pub mod check;
pub mod fs;
pub mod run;
pub mod score;
pub mod session;
