//! `icp`: check, format, test and run Ideal Customer Profiles: score
//! accounts, explain them, size the market and diff two revisions.

mod cli;

use clap::{Parser, Subcommand};
use cli::check::{CheckArgs, Format};
use icp_lang::ast::Date;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "icp",
    version,
    about = "Ideal Customer Profiles as code",
    disable_help_subcommand = true
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check .icp files (and folders of them) for every problem.
    Check {
        /// Files or folders; folders are searched for .icp files.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value = "human")]
        format: Format,
        /// `--deny warnings` treats warnings as errors (what CI runs).
        #[arg(long, value_parser = ["warnings"])]
        deny: Option<String>,
        /// The date reviews are judged against (default: icp.toml's as_of, else today).
        #[arg(long, value_parser = cli::parse_date)]
        as_of: Option<Date>,
        /// Colour in terminal output.
        #[arg(long, value_enum, default_value = "auto")]
        color: Color,
        /// Check the files as part of their whole projects (every .icp file
        /// under the outermost icp.toml) and report only on them: for
        /// pre-commit on staged files, where a shared file's segments are
        /// used by files that are not staged.
        #[arg(long)]
        project_context: bool,
    },
    /// Run every `test` block of the ICPs in these files or folders.
    Test {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// `junit` writes JUnit XML for CI test reports.
        #[arg(long, value_enum, default_value = "human")]
        format: cli::run::TestFormat,
        /// The date `within` and decay are judged against (default: icp.toml's as_of, else today).
        #[arg(long, value_parser = cli::parse_date)]
        as_of: Option<Date>,
        /// Run the tests of every ICP in the files' projects (for pre-commit
        /// on staged files: a shared file's importers are tested too).
        #[arg(long)]
        project_context: bool,
    },
    /// Score accounts from a CRM export (CSV or JSON lines) with an ICP.
    Score(cli::score::ScoreArgs),
    /// Explain why one account is where it is.
    Explain(cli::explain::ExplainArgs),
    /// The ICP against won and lost deals: win rate and lift per tier, what
    /// each filter removed, each signal's evidence, AUC, and warnings.
    Validate(cli::validate::ValidateArgs),
    /// Market sizing: accounts left after each filter, what each filter removes, per tier.
    Funnel(cli::funnel::FunnelArgs),
    /// One self-contained HTML page for the people who sign an ICP off: funnel,
    /// tiers, score distribution, signals, data gaps, personas, near misses.
    Report(cli::report::ReportArgs),
    /// What a change does, against a git revision: rules changed and, with
    /// accounts, tier moves, accounts newly excluded or admitted, largest score changes.
    Diff(cli::diff::DiffArgs),
    /// Compile ICPs: evaluation plans as JSON, or SQL, DDL and dbt models.
    Compile {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// What to print.
        #[arg(long, value_enum, default_value = "plan")]
        emit: cli::run::Emit,
        /// Only the ICP of this name.
        #[arg(long)]
        icp: Option<String>,
        #[arg(long, value_parser = cli::parse_date)]
        as_of: Option<Date>,
        #[command(flatten)]
        sql: cli::compile::SqlArgs,
    },
    /// Rewrite .icp files in the canonical layout (only white space changes).
    Fmt {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Change nothing; show a diff and exit 1 when a file is not formatted.
        #[arg(long)]
        check: bool,
        /// With --check: `github` adds an annotation per file for pull requests.
        #[arg(long, value_enum, default_value = "diff")]
        format: cli::fmt_cmd::FmtFormat,
    },
    /// Explain a diagnostic code, with an example.
    ExplainCode {
        /// A code such as W0301, or its name such as unreachable-tier.
        #[arg(required_unless_present = "all")]
        code: Option<String>,
        /// Print every code as the Markdown reference (docs/diagnostics.md).
        #[arg(long)]
        all: bool,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Color {
    Auto,
    Always,
    Never,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut err = std::io::stderr();
    let code = match cli.command {
        Command::Check {
            paths,
            format,
            deny,
            as_of,
            color,
            project_context,
        } => {
            let color = match color {
                Color::Always => true,
                Color::Never => false,
                Color::Auto => {
                    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
                }
            };
            let args = CheckArgs {
                paths,
                project_context,
                format,
                deny_warnings: deny.is_some(),
                as_of,
                color,
            };
            cli::check::run(&args, &mut out, &mut err)
        }
        Command::ExplainCode { code, all } => explain(code.as_deref(), all, &mut out, &mut err),
        Command::Diff(args) => cli::diff::diff(&args, &mut out, &mut err),
        Command::Funnel(args) => cli::funnel::funnel(&args, &mut out, &mut err),
        Command::Report(args) => cli::report::report(&args, &mut out, &mut err),
        Command::Validate(args) => cli::validate::validate(&args, &mut out, &mut err),
        Command::Fmt {
            paths,
            check,
            format,
        } => cli::fmt_cmd::run(&paths, check, format, &mut out, &mut err),
        Command::Score(args) => {
            drop(out);
            let code = cli::score::score(&args, &mut err);
            return ExitCode::from(u8::try_from(code).unwrap_or(2));
        }
        Command::Explain(args) => cli::explain::explain(&args, &mut out, &mut err),
        Command::Test {
            paths,
            format,
            as_of,
            project_context,
        } => cli::run::test(&paths, as_of, format, project_context, &mut out, &mut err),
        Command::Compile {
            paths,
            emit,
            icp,
            as_of,
            sql,
        } => cli::run::compile(
            &paths,
            as_of,
            icp.as_deref(),
            emit,
            &sql,
            &mut out,
            &mut err,
        ),
    };
    let _ = out.flush();
    ExitCode::from(u8::try_from(code).unwrap_or(2))
}

fn explain(code: Option<&str>, all: bool, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    if all {
        let _ = out.write_all(icp_lang::codes::markdown_reference().as_bytes());
        return 0;
    }
    let code = code.unwrap_or("");
    match icp_lang::codes::lookup(code) {
        Some(c) => {
            let _ = writeln!(
                out,
                "{} ({}, {}): {}\n\n{}",
                c.code,
                c.name,
                c.severity.as_str(),
                c.summary,
                c.explanation
            );
            0
        }
        None => {
            let names = icp_lang::codes::CODES.iter().flat_map(|c| [c.code, c.name]);
            let hint = icp_lang::suggest::closest(code, names)
                .map(|b| format!("; did you mean `{b}`?"))
                .unwrap_or_default();
            let _ = writeln!(err, "error: unknown diagnostic code `{code}`{hint}");
            2
        }
    }
}
