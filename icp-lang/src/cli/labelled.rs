//! Accounts with outcomes, scored and labelled in one pass: what
//! `icp calibrate` and `icp discover` read (through `outcomes::Labeling`,
//! the scoring loop of `icp score` with each account's outcome read from
//! its record or joined from a deals file).

use super::input::{
    open_for, outcome_settings, print_bad_data, read_deals, read_settings, OutcomeArgs, ReadOptions,
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
        let deals = match deals {
            Some(path) => Some(read_deals(plan, &path, &settings, &read).map_err(|e| (e, 1))?),
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
    ) -> Result<(Tally, u64), i32> {
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
                        let _ = writeln!(err, "error: {e}");
                        2
                    })?;
                Source::Column(&columns)
            }
        };
        let shape = reader.shape().clone();
        let mut tally = Tally::default();
        let mut problems = Problems::default();
        let mut bad = 0u64;
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
                (t, joined.judge, joined.problems, joined.bad)
            },
            |(t, judge, p, b)| {
                let failed = t.failed > 0;
                problems.merge(p, tally.read);
                tally.merge(t);
                bad += b;
                merge(judge);
                Ok(if failed {
                    ControlFlow::Break(())
                } else {
                    ControlFlow::Continue(())
                })
            },
        );
        if let Err(e) = ran {
            let _ = writeln!(err, "error: {e}");
            return Err(1);
        }
        if tally.failed > 0 {
            print_bad_data(err, &format!("bad data in `{name}`"), &tally);
            return Err(1);
        }
        let what = match &self.settings.deals {
            Some(d) => d.clone(),
            None => name.clone(),
        };
        if let Some(e) = problems.error(&self.settings, &what) {
            let _ = writeln!(err, "error: {e}");
            return Err(1);
        }
        if let Some(d) = &self.deals {
            let (keys, unjoined) = d.unjoined(5);
            if unjoined > 0 && unjoined == d.accounts() {
                let _ = writeln!(
                    err,
                    "error: none of the {} accounts in `{}` joins an account of `{name}` on the schema's key (the deals' keys look like {})",
                    d.accounts(),
                    d.file,
                    keys.iter()
                        .map(|k| format!("`{}`", accounts::shorten(k, 40)))
                        .collect::<Vec<_>>()
                        .join(", ")
                );
                return Err(1);
            }
        }
        if warn {
            for w in tally.fraction_warnings(plan) {
                let _ = writeln!(err, "{w}");
            }
        }
        Ok((tally, bad))
    }
}
