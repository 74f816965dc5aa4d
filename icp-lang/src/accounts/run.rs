//! Scoring chunks on worker threads, in input order: the pipeline, the
//! per-record scoring loop and its counts, and [`tally`] for the language
//! server.

use super::{Limits, ReadError, ReadSettings, Reader, Visit};
use crate::data::{BindError, Binding, CellError, NotText, OnError};
use crate::eval::{evaluate, evaluate_into, Outcome, Value};
use crate::plan::{ColType, Plan};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::Read;
use std::ops::ControlFlow;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex};

/// How many workers: `ICP_THREADS` when set (tests pin it to show output
/// does not depend on it), else every core; 1 to 32.
pub fn workers_from_env() -> usize {
    std::env::var("ICP_THREADS")
        .ok()
        .and_then(|t| t.parse::<usize>().ok())
        .unwrap_or_else(|| {
            std::thread::available_parallelism()
                .map(usize::from)
                .unwrap_or(1)
        })
        .clamp(1, 32)
}

/// Cuts the input into chunks on this thread, runs `work` on each on
/// `workers` threads, and hands the results to `consume` in input order on
/// one more thread. `consume` stops the run with `Break`, or fails it with
/// `Err`. Memory is bounded by the queues (two chunks per worker).
pub fn run<S: Send>(
    reader: &mut Reader,
    workers: usize,
    work: impl Fn(&[u8]) -> S + Sync,
    consume: impl FnMut(S) -> Result<ControlFlow<()>, String> + Send,
) -> Result<(), String> {
    let workers = workers.clamp(1, 64);
    let (work_tx, work_rx) = mpsc::sync_channel::<(usize, Vec<u8>)>(workers * 2);
    let work_rx = Arc::new(Mutex::new(work_rx));
    let (done_tx, done_rx) = mpsc::sync_channel::<(usize, S)>(workers * 2);
    let stop = AtomicBool::new(false);
    let work = &work;
    std::thread::scope(|scope| {
        for _ in 0..workers {
            let rx = Arc::clone(&work_rx);
            let tx = done_tx.clone();
            scope.spawn(move || loop {
                let next = rx.lock().ok().and_then(|r| r.recv().ok());
                let Some((index, chunk)) = next else { break };
                if tx.send((index, work(&chunk))).is_err() {
                    break;
                }
            });
        }
        drop(done_tx);
        // Only the workers hold the queue's receiving end: if they all stop
        // (the consumer failed), the reader's next send fails instead of
        // waiting.
        drop(work_rx);
        let stop = &stop;
        let mut consume = consume;
        let writer = scope.spawn(move || -> Result<(), String> {
            let mut pending: BTreeMap<usize, S> = BTreeMap::new();
            let mut next = 0usize;
            let mut stopped = false;
            for (index, s) in done_rx {
                pending.insert(index, s);
                while let Some(s) = pending.remove(&next) {
                    next += 1;
                    if stopped {
                        continue;
                    }
                    match consume(s) {
                        Ok(ControlFlow::Continue(())) => {}
                        Ok(ControlFlow::Break(())) => {
                            stopped = true;
                            stop.store(true, Ordering::Relaxed);
                        }
                        Err(e) => {
                            stop.store(true, Ordering::Relaxed);
                            return Err(e);
                        }
                    }
                }
            }
            Ok(())
        });
        let mut index = 0;
        let mut read_error = None;
        while !stop.load(Ordering::Relaxed) {
            match reader.next_chunk() {
                Ok(Some(chunk)) => {
                    if work_tx.send((index, chunk)).is_err() {
                        break;
                    }
                    index += 1;
                }
                Ok(None) => break,
                Err(e) => {
                    read_error = Some(e.message);
                    break;
                }
            }
        }
        drop(work_tx);
        writer
            .join()
            .unwrap_or_else(|_| Err("the writer thread failed".to_string()))?;
        match read_error {
            Some(e) => Err(e),
            None => Ok(()),
        }
    })
}

/// What scoring some records came to: the counts `icp score` reports.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Tally {
    /// Records read (good, bad and unreadable).
    pub read: u64,
    /// Accounts removed, per gate index of the plan.
    pub removed: Vec<u64>,
    /// Accounts per tier index of the plan.
    pub tiers: Vec<u64>,
    /// Accounts that passed but reached no tier.
    pub no_tier: u64,
    /// Records left out for a bad cell (`OnError::Skip`).
    pub skipped: u64,
    /// Records that could not be cut into fields.
    pub unreadable: u64,
    /// Bad cells read as missing (`OnError::Missing`).
    pub missing_cells: u64,
    /// With `OnError::Fail`: the first problems, as (record number, what):
    /// numbered within the chunk until [`Tally::merge`] numbers them in the
    /// whole input.
    pub errors: Vec<(u64, String)>,
    /// Records with problems under `OnError::Fail` (only the first few are
    /// listed in `errors`).
    pub failed: u64,
    /// Reading stopped at the byte limit.
    pub truncated: bool,
    /// Per plan column (percent columns without `fraction`): values read,
    /// and values outside 0..=1 (none of many suggests fractions).
    pub percents: Vec<(u64, u64)>,
}

/// How many problems are kept per chunk (and shown).
pub const SHOWN_ERRORS: usize = 10;

impl Tally {
    /// Adds a later run of records: its record numbers follow ours.
    pub fn merge(&mut self, mut s: Tally) {
        for (record, _) in &mut s.errors {
            *record += self.read;
        }
        self.read += s.read;
        for (k, v) in s.removed.into_iter().enumerate() {
            count(&mut self.removed, k, v);
        }
        for (k, v) in s.tiers.into_iter().enumerate() {
            count(&mut self.tiers, k, v);
        }
        self.no_tier += s.no_tier;
        self.skipped += s.skipped;
        self.unreadable += s.unreadable;
        self.missing_cells += s.missing_cells;
        let room = SHOWN_ERRORS.saturating_sub(self.errors.len());
        self.errors.extend(s.errors.into_iter().take(room));
        self.failed += s.failed;
        self.truncated |= s.truncated;
        if self.percents.len() < s.percents.len() {
            self.percents.resize(s.percents.len(), (0, 0));
        }
        for (mine, (n, out)) in self.percents.iter_mut().zip(s.percents) {
            mine.0 += n;
            mine.1 += out;
        }
    }

    /// Warnings for percent columns whose values (at least 5) all lie in
    /// 0..=1: most likely fractions (`0.24` for 24%).
    pub fn fraction_warnings(&self, plan: &Plan) -> Vec<String> {
        self.percents
            .iter()
            .zip(&plan.columns)
            .filter(|((n, out), _)| *n >= 5 && *out == 0)
            .map(|((n, _), c)| {
                format!(
                    "warning: all {n} values of the percent column `{}` (field `{}`) lie between 0 and 1; \
                     if they are fractions (0.24 for 24%), declare `{}: percent fraction`",
                    c.header, c.field, c.field
                )
            })
            .collect()
    }

    /// How a run goes on after this chunk: it stops at the first chunk
    /// with bad data (`OnError::Fail` counts it in `failed`).
    pub fn flow(&self) -> ControlFlow<()> {
        if self.failed > 0 {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    }

    /// Accounts removed by any gate.
    pub fn removed_total(&self) -> u64 {
        self.removed.iter().sum()
    }

    /// Accounts scored: read, less the bad, the unreadable and the removed.
    pub fn passed(&self) -> u64 {
        self.read - self.skipped - self.unreadable - self.removed_total() - self.failed
    }
}

/// Adds `n` to `counts[i]`, growing `counts` to hold it.
pub fn count(counts: &mut Vec<u64>, i: usize, n: u64) {
    if counts.len() <= i {
        counts.resize(i + 1, 0);
    }
    if let Some(c) = counts.get_mut(i) {
        *c += n;
    }
}

/// What is done with each account [`Counter`] scores (write its row, count
/// more): it gets the id, the decoded row and the outcome.
pub trait Scored {
    fn scored(&mut self, key: &str, row: &[Value], outcome: &Outcome);
}

impl Scored for () {
    fn scored(&mut self, _: &str, _: &[Value], _: &Outcome) {}
}

/// The per-record loop of scoring: decode, handle bad data as asked,
/// evaluate, count, and hand each scored account to `each`.
pub struct Counter<'a, F> {
    pub plan: &'a Plan,
    pub binding: &'a Binding,
    pub on_error: OnError,
    pub tally: Tally,
    row: Vec<Value>,
    errors: Vec<CellError>,
    outcome: Outcome,
    each: F,
}

impl<'a, F: Scored> Counter<'a, F> {
    pub fn new(plan: &'a Plan, binding: &'a Binding, on_error: OnError, each: F) -> Self {
        Counter {
            plan,
            binding,
            on_error,
            tally: Tally::default(),
            row: Vec::new(),
            errors: Vec::new(),
            outcome: evaluate(&Plan::default(), &[]),
            each,
        }
    }

    /// The callback, between records (to hand it what the record says
    /// besides the plan's columns).
    pub fn each_mut(&mut self) -> &mut F {
        &mut self.each
    }

    /// The counts and the callback's state.
    pub fn finish(self) -> (Tally, F) {
        (self.tally, self.each)
    }

    fn problem(&mut self, why: String) {
        self.tally.failed += 1;
        if self.tally.errors.len() < SHOWN_ERRORS {
            self.tally.errors.push((self.tally.read, why));
        }
    }
}

impl<F: Scored> Visit for Counter<'_, F> {
    fn unreadable(&mut self, why: String) {
        self.tally.read += 1;
        match self.on_error {
            OnError::Fail => self.problem(why),
            _ => self.tally.unreadable += 1,
        }
    }

    fn record<'f>(&mut self, field: impl Fn(usize) -> Result<Cow<'f, str>, NotText<'f>>) {
        self.tally.read += 1;
        self.errors.clear();
        let record = self.tally.read;
        self.binding.decode_into(
            self.plan,
            &field,
            record,
            false,
            &mut self.row,
            &mut self.errors,
        );
        if !self.errors.is_empty() {
            match self.on_error {
                OnError::Fail => {
                    self.tally.failed += 1;
                    for e in &self.errors {
                        if self.tally.errors.len() < SHOWN_ERRORS {
                            self.tally
                                .errors
                                .push((record, format!("column `{}`: {}", e.header, e.problem())));
                        }
                    }
                    return;
                }
                OnError::Skip => {
                    self.tally.skipped += 1;
                    return;
                }
                OnError::Missing => self.tally.missing_cells += self.errors.len() as u64,
            }
        }
        for (i, c) in self.plan.columns.iter().enumerate() {
            if let (ColType::Percent, false, Some(Value::Num(n))) =
                (&c.ty, c.fraction, self.row.get(i))
            {
                if self.tally.percents.len() <= i {
                    self.tally.percents.resize(i + 1, (0, 0));
                }
                if let Some(p) = self.tally.percents.get_mut(i) {
                    p.0 += 1;
                    p.1 += u64::from(!(0.0..=1.0).contains(n));
                }
            }
        }
        evaluate_into(self.plan, &self.row, &mut self.outcome);
        let outcome = &self.outcome;
        match (outcome.removed_by, outcome.tier) {
            (Some(g), _) => count(&mut self.tally.removed, g, 1),
            (None, Some(t)) => count(&mut self.tally.tiers, t, 1),
            (None, None) => self.tally.no_tier += 1,
        }
        // An id that is not UTF-8 (kept with OnError::Missing) is shown with
        // its bad bytes as U+FFFD rather than lost.
        let key = match self.binding.key(self.plan) {
            Some(i) => field(i).unwrap_or_else(|bad| Cow::Owned(bad.shown())),
            None => Cow::Borrowed(""),
        };
        self.each.scored(key.trim(), &self.row, outcome);
    }
}

/// Why [`tally`] could not count.
#[derive(Clone, Debug, PartialEq)]
pub enum TallyError {
    Read(ReadError),
    Bind(BindError),
}

impl std::fmt::Display for TallyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TallyError::Read(e) => write!(f, "{e}"),
            TallyError::Bind(BindError::Missing(m)) => {
                let list: Vec<String> = m.iter().take(5).map(|m| m.to_string()).collect();
                write!(
                    f,
                    "the accounts lack columns the ICP reads: {}",
                    list.join("; ")
                )
            }
            TallyError::Bind(BindError::Duplicate(d)) => {
                write!(f, "{}", d.first().map_or("", String::as_str))
            }
            TallyError::Bind(BindError::Settings(e)) => write!(f, "the data setting {e}"),
        }
    }
}

/// Counts `reader`'s accounts through `plan` exactly as `icp score
/// --on-error skip` counts them (per gate, per tier, skipped and
/// unreadable records), reading at most `limits.max_input_bytes`
/// (`Tally::truncated` says so) on one thread besides the caller's.
pub fn tally(
    plan: &Plan,
    reader: Box<dyn Read + Send>,
    name: &str,
    settings: &ReadSettings,
    limits: Limits,
) -> Result<Tally, TallyError> {
    let mut input = Reader::open(reader, name, settings, limits).map_err(TallyError::Read)?;
    let binding = input.bind(plan, settings).map_err(TallyError::Bind)?;
    let shape = input.shape().clone();
    let mut total = Tally::default();
    run(
        &mut input,
        1,
        |chunk| {
            shape
                .walk(chunk, || Counter::new(plan, &binding, OnError::Skip, ()))
                .tally
        },
        |t| {
            total.merge(t);
            Ok(ControlFlow::Continue(()))
        },
    )
    .map_err(|message| TallyError::Read(ReadError { message }))?;
    total.truncated = input.truncated();
    Ok(total)
}
