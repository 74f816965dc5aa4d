//! `icp report`: one self-contained HTML page of what an ICP does to a set
//! of accounts. The accounts stream through the scoring pipeline as for
//! `icp score` (same reader, same counts); `icp_lang::report` collects the
//! rest and draws the page, which replaces the target only when complete.

use super::input::{
    open_for, pick_plan, read_settings, refuse_overwrite, source_files, Accounts, OnErrorArg,
};
use super::output::Output;
use super::score::ContactArgs;
use icp_lang::accounts::{self, Counter, Tally, SHOWN_ERRORS};
use icp_lang::report::{self, Bins, Collector, Facts};
use std::io::Write;
use std::ops::ControlFlow;
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
}

pub fn report(args: &ReportArgs, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let (session, plan, file) = match pick_plan(&args.input, err) {
        Ok(p) => p,
        Err(code) => return code,
    };
    if let Some(target) = &args.output {
        let mut inputs = source_files(&session);
        inputs.push(args.input.data.clone());
        inputs.extend(args.contacts.contacts.clone());
        if let Err(e) = refuse_overwrite(target, &inputs) {
            let _ = writeln!(err, "error: {e}; nothing was written");
            return 2;
        }
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
            });
            let (t, c) = counter.finish();
            (t, c.facts)
        },
        |(t, f)| {
            let failed = t.failed > 0;
            tally.merge(t);
            facts.merge(f, NEAR_MISSES);
            Ok(if failed {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            })
        },
    );
    if let Err(e) = ran {
        let _ = writeln!(err, "error: {e}");
        return 1;
    }
    if tally.failed > 0 {
        let _ = writeln!(
            err,
            "error: bad data in `{}`; nothing was written",
            args.input.data.display()
        );
        for (record, e) in tally.errors.iter().take(SHOWN_ERRORS) {
            let _ = writeln!(err, "  - record {record}: {e}");
        }
        let _ = writeln!(err, "  (use --on-error skip to leave such records out, or --on-error missing to treat bad cells as missing)");
        return 1;
    }
    for w in tally.fraction_warnings(&plan) {
        let _ = writeln!(err, "{w}");
    }
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
    let page = report::html::page(&report::Report {
        plan: &plan,
        data_name: &data_name,
        tally: &tally,
        facts: &facts,
        bins,
        contacts: people.is_some(),
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
