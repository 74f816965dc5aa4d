//! Accounts with outcomes, scored and labelled in one pass: what
//! `icp calibrate` and `icp discover` read (through `outcomes::Labeling`,
//! the scoring loop of `icp score` with each account's outcome read from
//! its record or joined from a deals file).

use super::input::{
    check_run, count_of, open_for, outcome_settings, read_deals, read_settings, warn_about_data,
    OutcomeArgs, ReadOptions,
};
use icp_lang::accounts::{self, Counter, ReadSettings, Reader, Tally};
use icp_lang::data::{Binding, OnError};
use icp_lang::outcomes::{Columns, Deals, Judge, Labeling, OutcomeSettings, Problems, Source};
use icp_lang::plan::Plan;
use icp_lang::span::FileId;
use icp_lang::workspace::Workspace;
use std::io::Write;
use std::ops::ControlFlow;
use std::path::Path;

/// Accounts with outcomes: what calibrate and discover read.
pub struct Labelled {
    pub settings: OutcomeSettings,
    pub deals: Option<Deals>,
    pub read: ReadSettings,
}

impl Labelled {
    /// The product's outcome settings (with the flags) and the deals file,
    /// if any; an error when no outcome is configured.
    pub fn open(
        session: &Workspace,
        plan: &Plan,
        file: Option<FileId>,
        options: &ReadOptions,
        flags: &OutcomeArgs,
    ) -> Result<Labelled, (String, i32)> {
        let read = read_settings(session, file, options);
        let (settings, deals) = match outcome_settings(session, file, flags) {
            Ok(Some(x)) => x,
            Ok(None) => {
                return Err((
                    "no outcomes: say which column holds them (--outcome COLUMN --won VALUE... --lost VALUE...) or set [outcomes] in icp.toml".into(),
                    2,
                ))
            }
            Err(e) => return Err((e, 2)),
        };
        Labelled::new(plan, settings, deals.as_deref(), read)
    }

    /// Outcomes as `settings` say, with the deals file at `deals` read
    /// (several deals per account decided by the documented rule).
    pub fn new(
        plan: &Plan,
        settings: OutcomeSettings,
        deals: Option<&Path>,
        read: ReadSettings,
    ) -> Result<Labelled, (String, i32)> {
        let deals = match deals {
            Some(path) => Some(read_deals(plan, path, &settings, &read).map_err(|e| (e, 1))?),
            None => None,
        };
        if let Some(e) = deals
            .as_ref()
            .and_then(|d| d.problems.error(&settings, &d.file))
        {
            return Err((e, 1));
        }
        Ok(Labelled {
            settings,
            deals,
            read,
        })
    }

    /// One pass over `data`: every account scored by `plan` and labelled,
    /// handed to a judge from `fresh` (one per chunk, merged in input
    /// order by `merge`). Bad data and bad outcomes are errors (with
    /// `on_error` as for `icp score`); warnings about the data are printed
    /// when `warn` (once, when the data is read twice). Returns the counts.
    #[allow(clippy::too_many_arguments)]
    pub fn pass<J: Judge + Send>(
        &self,
        plan: &Plan,
        data: &Path,
        on_error: OnError,
        warn: bool,
        fresh: impl Fn() -> J + Sync,
        mut merge: impl FnMut(J) + Send,
        err: &mut dyn Write,
    ) -> Result<Passed, i32> {
        let (mut reader, binding): (Reader, Binding) = open_for(plan, data, &self.read, err)?;
        let name = data.display().to_string();
        let columns;
        let source = match &self.deals {
            Some(d) => Source::Deals(d),
            None => {
                let (_, format) = self.read.column("").map_err(|e| {
                    let _ = writeln!(err, "error: the data setting {e}");
                    2
                })?;
                columns = Columns::locate(&self.settings, reader.headers(), &name, format)
                    .map_err(|e| {
                        let _ = writeln!(
                            err,
                            "error: {e}\n  (name the column with --outcome, or `column` in icp.toml's [outcomes]; or give a deals file with --outcomes)"
                        );
                        1
                    })?;
                Source::Column(&columns)
            }
        };
        let shape = reader.shape().clone();
        let mut tally = Tally::default();
        let mut problems = Problems::default();
        let settings = &self.settings;
        let source = &source;
        let ran = accounts::run(
            &mut reader,
            accounts::workers_from_env(),
            |chunk| {
                let l = shape.walk(chunk, || {
                    Labeling::new(
                        |j| Counter::new(plan, &binding, on_error, j),
                        settings,
                        source,
                        fresh(),
                    )
                });
                let (t, joined) = l.counter.finish();
                (t, joined.judge, joined.problems)
            },
            |(t, judge, p)| {
                let failed = t.failed > 0;
                problems.merge(p, tally.read);
                tally.merge(t);
                merge(judge);
                Ok(if failed {
                    ControlFlow::Break(())
                } else {
                    ControlFlow::Continue(())
                })
            },
        );
        check_run(ran, &tally, data, false, err)?;
        let what = match &self.settings.deals {
            Some(d) => d.clone(),
            None => name.clone(),
        };
        if let Some(e) = problems.error(&self.settings, &what) {
            let _ = writeln!(err, "error: {e}");
            return Err(1);
        }
        if let Some(d) = &self.deals {
            deal_warnings(plan, d, &name, err)?;
        }
        if warn {
            warn_about_data(&tally, plan, err);
        }
        Ok(Passed {
            tally,
            blank: problems.blank,
        })
    }
}

/// What a pass counted besides its judges.
pub struct Passed {
    pub tally: Tally,
    /// Empty outcome cells, counted as open.
    pub blank: u64,
}

/// A deals file none of whose accounts is in the data is an error; deals
/// of other accounts, without a key or unreadable are counted and said.
fn deal_warnings(plan: &Plan, d: &Deals, name: &str, err: &mut dyn Write) -> Result<(), i32> {
    let (keys, unjoined) = d.unjoined(5);
    let examples = keys
        .iter()
        .map(|k| format!("`{}`", accounts::shorten(k, 40)))
        .collect::<Vec<_>>()
        .join(", ");
    if unjoined > 0 && unjoined == d.accounts() {
        let _ = writeln!(
            err,
            "error: none of the {} in `{}` joins an account of `{name}` on the key `{}` (the deals' keys look like {examples})",
            count_of(d.accounts() as u64, "account", "accounts"),
            d.file,
            plan.key
                .and_then(|k| plan.columns.get(k))
                .map_or("", |c| c.header.as_str()),
        );
        return Err(1);
    }
    if unjoined > 0 {
        let _ = writeln!(
            err,
            "warning: {} in `{}` {} not in `{name}` (e.g. {examples}); their deals are not counted",
            count_of(unjoined as u64, "account", "accounts"),
            d.file,
            if unjoined == 1 { "is" } else { "are" },
        );
    }
    if d.no_key > 0 {
        let _ = writeln!(
            err,
            "warning: {} in `{}` {} no key and {} not counted",
            count_of(d.no_key, "deal", "deals"),
            d.file,
            if d.no_key == 1 { "has" } else { "have" },
            if d.no_key == 1 { "is" } else { "are" },
        );
    }
    if d.unreadable > 0 {
        let _ = writeln!(
            err,
            "warning: {} in `{}` could not be read and {} not counted",
            count_of(d.unreadable, "deal row", "deal rows"),
            d.file,
            if d.unreadable == 1 { "is" } else { "are" },
        );
    }
    Ok(())
}
