//! `icp report`: one self-contained HTML page of what an ICP does to a set
//! of accounts. The accounts stream through the scoring pipeline as for
//! `icp score` (same reader, same counts); `icp_lang::report` collects the
//! rest and draws the page, which replaces the target only when complete.

use super::input::{
    open_for, outcome_settings, pick_plan, read_settings, Accounts, OnErrorArg, OutcomeArgs,
};
use super::output::Output;
use super::score::ContactArgs;
use super::validate::{run_validation, OutcomeInput};
use icp_lang::accounts::{self, Counter, Tally};
use icp_lang::report::{self, Bins, Collector, Facts};
use std::io::Write;
use std::path::PathBuf;

/// Near-miss accounts shown.
const NEAR_MISSES: usize = 5;

#[derive(clap::Args, Debug)]
pub struct ReportArgs {
    #[command(flatten)]
    pub input: Accounts,
    /// Write the page here (atomically) instead of standard output.
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// What to do with a record that has a bad cell (as for `icp score`).
    #[arg(long, value_enum, default_value = "fail")]
    pub on_error: OnErrorArg,
    #[command(flatten)]
    pub contacts: ContactArgs,
    #[command(flatten)]
    pub outcomes: OutcomeArgs,
}

pub fn report(args: &ReportArgs, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let (session, plan, file) = match pick_plan(&args.input, err) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let others = std::iter::once(args.input.data.clone())
        .chain(args.contacts.contacts.clone())
        .chain(args.outcomes.deals.clone());
    if let Err(code) = super::input::guard_output(&session, args.output.as_deref(), others, err) {
        return code;
    }
    let settings = read_settings(&session, file, &args.input.read);
    super::input::warn_unknown_fields(&session, &plan, &settings, err);
    let people = match args.contacts.load(&session, file, &plan) {
        Ok(p) => p,
        Err(e) => {
            let _ = writeln!(err, "error: {e}");
            return 2;
        }
    };
    let (mut input, binding) = match open_for(&plan, &args.input.data, &settings, err) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let bins = Bins::for_plan(&plan);
    let shape = input.shape().clone();
    let on_error = args.on_error.mode();
    let mut tally = Tally::default();
    let mut facts = Facts::default();
    // The schema's `display` name goes with each near-miss account.
    let display_field: Vec<usize> = plan
        .display
        .and_then(|d| binding.columns.get(d).copied())
        .into_iter()
        .collect();
    let ran = accounts::run(
        &mut input,
        accounts::workers_from_env(),
        |chunk| {
            let counter = shape.walk(chunk, || {
                Counter::new(
                    &plan,
                    &binding,
                    on_error,
                    Collector::new(&plan, bins, people.as_ref(), NEAR_MISSES),
                )
                .with_cells(display_field.clone())
            });
            let (t, c) = counter.finish();
            (t, c.facts)
        },
        |(t, f)| {
            let flow = t.flow();
            tally.merge(t);
            facts.merge(f, NEAR_MISSES);
            Ok(flow)
        },
    );
    if let Err(code) = super::input::check_run(ran, &tally, &args.input.data, true, err) {
        return code;
    }
    super::input::warn_about_data(&tally, &plan, err);
    // The data file as the command line named it, relative to the current
    // folder when it is under it: a report is forwarded, so it never shows
    // an absolute path (one elsewhere is shown by its file name).
    let data = &args.input.data;
    let data_name = if data.as_os_str() == "-" {
        "standard input".to_string()
    } else {
        let shown = icp_lang::tree::display_name(&session.cwd, data);
        if std::path::Path::new(&shown).is_absolute() {
            data.file_name()
                .map_or(shown, |n| n.to_string_lossy().into_owned())
        } else {
            shown
        }
    };
    let outcomes = match validation(args, &session, file, &plan, &settings, err) {
        Ok(v) => v,
        Err(code) => return code,
    };
    let page = report::page(&report::Report {
        plan: &plan,
        data_name: &data_name,
        tally: &tally,
        facts: &facts,
        bins,
        contacts: people.is_some(),
        outcomes,
    });
    match &args.output {
        Some(target) => {
            let mut o = match Output::open(Some(target)) {
                Ok(o) => o,
                Err(e) => {
                    let _ = writeln!(err, "error: {e}");
                    return 2;
                }
            };
            if let Err(e) = o.w.write_all(page.as_bytes()) {
                let _ = writeln!(err, "error: cannot write `{}`: {e}", target.display());
                return 2;
            }
            if let Err(e) = o.finish() {
                let _ = writeln!(err, "error: {e}");
                return 2;
            }
            0
        }
        None => i32::from(out.write_all(page.as_bytes()).is_err()) * 2,
    }
}

/// With outcomes configured (flags, or `[outcomes]` in the product's
/// icp.toml): the validation `icp validate` computes, in a second pass over
/// the accounts. Outcomes named by flags must be measurable (else the run
/// fails as `icp validate` would); outcomes only from icp.toml that cannot
/// be measured on these accounts are said so on the page and in a warning.
fn validation(
    args: &ReportArgs,
    session: &icp_lang::workspace::Workspace,
    file: Option<icp_lang::span::FileId>,
    plan: &icp_lang::plan::Plan,
    read: &icp_lang::accounts::ReadSettings,
    err: &mut dyn Write,
) -> Result<Option<Result<icp_lang::evidence::Validation, String>>, i32> {
    let from_flags = args.outcomes.outcome.is_some() || args.outcomes.deals.is_some();
    let (settings, deals) = match outcome_settings(session, file, &args.outcomes) {
        Ok(Some(s)) => s,
        Ok(None) => return Ok(None),
        Err(e) => {
            let _ = writeln!(err, "error: {e}");
            return Err(2);
        }
    };
    if args.input.data.as_os_str() == "-" {
        let why = "the outcomes are read in a second pass over the accounts, so they must be a file, not standard input";
        if from_flags {
            let _ = writeln!(err, "error: {why}");
            return Err(2);
        }
        let _ = writeln!(err, "warning: {why}; the report has no outcome sections");
        return Ok(Some(Err(why.to_string())));
    }
    let input = OutcomeInput {
        settings: &settings,
        deals: deals.as_deref(),
    };
    let mut problems = Vec::new();
    let run = run_validation(
        plan,
        &args.input.data,
        read,
        &input,
        args.on_error.mode(),
        &mut problems,
    );
    let said = String::from_utf8_lossy(&problems).into_owned();
    match run {
        Ok((v, _)) => {
            let _ = err.write_all(said.as_bytes());
            Ok(Some(Ok(v)))
        }
        Err(code) if from_flags => {
            let _ = err.write_all(said.as_bytes());
            Err(code)
        }
        Err(_) => {
            let first = said
                .lines()
                .find_map(|l| l.strip_prefix("error: "))
                .unwrap_or("the outcomes could not be read")
                .to_string();
            let _ = writeln!(
                err,
                "warning: icp.toml's [outcomes] cannot be measured on `{}`: {first}",
                args.input.data.display()
            );
            Ok(Some(Err(first)))
        }
    }
}
