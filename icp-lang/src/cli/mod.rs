pub mod check;
pub mod fmt_cmd;
pub mod fs;
pub mod run;
pub mod score;
pub mod session;
