//! `icp diff`: what a change to the ICPs does, against a git revision.
//!
//! The ICPs at the base revision are read through git (see `git.rs`) and
//! compiled beside the working tree's. For each product and ICP the report
//! has the semantic change (`icp_lang::diff`) and, with accounts, the impact:
//! where accounts move between tiers, who is newly excluded or admitted and
//! by which rule, and the largest score changes.

use super::git::GitTree;
use super::input::{group_digits, OutcomeArgs, ReadOptions};
use super::run::runnable_plans;
use icp_lang::accounts::{self, ReadSettings, Reader, Visit};
use icp_lang::data::{Binding, NotText};
use icp_lang::diff::{diff_plans, Change};
use icp_lang::eval::{evaluate, Outcome};
use icp_lang::evidence::Validation;
use icp_lang::outcomes::OutcomeSettings;
use icp_lang::plan::Plan;
use icp_lang::testing::fmt_points;
use icp_lang::tree::Tree;
use icp_lang::workspace::{Product, Workspace};
use serde_json::json;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum DiffFormat {
    /// Aligned text for a terminal.
    Table,
    /// GitHub-flavoured Markdown, for a pull-request comment.
    Markdown,
    /// One JSON document, for tools.
    Json,
    /// One self-contained HTML page, with charts (use with -o).
    Html,
}

#[derive(clap::Args, Debug)]
pub struct DiffArgs {
    /// Files or folders of ICPs as they are now (default: the current folder).
    pub paths: Vec<PathBuf>,
    /// The git revision to compare against: a branch, tag or commit.
    #[arg(long, default_value = "HEAD")]
    pub base: String,
    /// Accounts to measure the change on (default: each product's `sample_data`).
    #[arg(long)]
    pub data: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "table")]
    pub format: DiffFormat,
    /// Write the report here (atomically) instead of standard output.
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// How many of the largest score changes to list per ICP.
    #[arg(long, default_value_t = 10)]
    pub top: usize,
    #[command(flatten)]
    pub read: ReadOptions,
    /// With outcomes (these flags or the product's `[outcomes]`), each
    /// changed ICP is validated before and after on the same accounts.
    #[command(flatten)]
    pub outcomes: OutcomeArgs,
}

/// One runnable ICP on one side of the comparison.
struct Side {
    product: Product,
    file: String,
    plan: Plan,
    /// The product's `[data]` settings with the flags over them.
    settings: ReadSettings,
    /// The product's outcomes with the flags over them (None: none set).
    outcomes: Outcomes,
}

/// A product's outcome settings and deals file, or why they are unusable.
type Outcomes = Result<Option<(OutcomeSettings, Option<PathBuf>)>, String>;

/// One ICP's comparison.
struct IcpDiff {
    product: Product,
    icp: String,
    file: String,
    base: Option<Plan>,
    head: Option<Plan>,
    changes: Vec<Change>,
    /// With accounts: the impact, or why it could not be measured.
    impact: Option<Result<Impact, String>>,
    /// Why it is not compared: its counterpart's file does not compile.
    broken: Option<String>,
    /// "renamed from `x`" or "moved from `folder/icp.icp`".
    was: Option<String>,
    /// How the accounts are read: the product's settings (the working
    /// tree's, else the base's for a removed ICP).
    settings: ReadSettings,
    outcomes: Outcomes,
    /// With outcomes and accounts: the validation before and after.
    evidence: Option<Result<Evidence, String>>,
}

/// How one ICP's change moves a set of accounts.
struct Impact {
    data: String,
    accounts: u64,
    unreadable: u64,
    /// Outcome labels before (rows) and after (columns), in display order.
    rows: Vec<String>,
    columns: Vec<String>,
    matrix: BTreeMap<(String, String), u64>,
    /// The rule that now removes them -> (accounts, first few ids).
    newly_excluded: BTreeMap<String, (u64, Vec<String>)>,
    /// The rule that removed them before -> (accounts, first few ids).
    newly_admitted: BTreeMap<String, (u64, Vec<String>)>,
    movers: Vec<Mover>,
}

struct Mover {
    record: u64,
    id: String,
    before: f64,
    after: f64,
    tier_before: String,
    tier_after: String,
}

const EXAMPLES: usize = 3;
const EXCLUDED: &str = "excluded";
const NO_TIER: &str = "no tier";
const ABSENT: &str = "not in this version";

pub fn diff(args: &DiffArgs, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let head_session = match super::open(&paths, args.read.as_of, err) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let head_checked = head_session.check();
    // A file that does not compile is reported, on either side, and every
    // other ICP is still compared: one broken product hides nothing else.
    let head_diags = head_session.diagnostics(&head_checked.diagnostics, false);
    let mut broken = broken_files(&head_session, &head_diags, "working tree");
    if !broken.is_empty() {
        super::print_errors(&head_session, &head_diags, err);
    }
    let head = sides(
        &head_session,
        &head_checked,
        &head_diags,
        &args.read,
        &args.outcomes,
    );
    let head_segments = segments(&head_session, &head_checked);
    let cwd = head_session.cwd.clone();
    let tree = match GitTree::open(&cwd, &args.base) {
        Ok(t) => t,
        Err(e) => {
            let _ = writeln!(err, "error: {e}");
            return 2;
        }
    };
    // Paths new since the base are simply absent there.
    let base_paths: Vec<PathBuf> = paths
        .iter()
        .filter(|p| {
            tree.stat(&icp_lang::source::normalize(&cwd.join(p)))
                .is_ok()
        })
        .cloned()
        .collect();
    let today = icp_lang::disk::today();
    let mut base_segments = BTreeMap::new();
    let base = match Workspace::open(&tree, &base_paths, args.read.as_of, today) {
        Ok(s) if !base_paths.is_empty() => {
            let checked = s.check();
            let diags = s.diagnostics(&checked.diagnostics, false);
            broken.extend(broken_files(&s, &diags, "base"));
            base_segments = segments(&s, &checked);
            sides(&s, &checked, &diags, &args.read, &args.outcomes)
        }
        _ => Vec::new(),
    };
    let mut diffs = pair_sides(base, head, &broken);
    let segment_changes = changed_segments(&base_segments, &head_segments, &mut diffs);
    for d in &mut diffs {
        if d.changes.is_empty() && d.base.is_some() && d.head.is_some() || d.broken.is_some() {
            continue;
        }
        let data = args.data.clone().or_else(|| d.product.sample_data.clone());
        d.impact = data.map(|path| {
            // A removed product's sample accounts may be gone from the
            // working tree: they are read as the base revision has them.
            let from_base = d.head.is_none() && args.data.is_none() && !path.exists();
            let shown = icp_lang::tree::display_name(&cwd, &path);
            let file = if from_base {
                tree.open(&path).map_err(|e| {
                    format!("cannot read `{shown}` at `{}`: {}", args.base, e.describe())
                })
            } else {
                super::input::open_file(&path)
            };
            // Messages name files as the command line does, never by a
            // runner's absolute path.
            let absolute = path.display().to_string();
            file.and_then(|f| {
                impact(
                    d.base.as_ref(),
                    d.head.as_ref(),
                    f,
                    &shown,
                    args,
                    &d.settings,
                )
            })
            .map_err(|e| e.replace(&absolute, &shown))
        });
        if let Some(path) = args.data.clone().or_else(|| d.product.sample_data.clone()) {
            d.evidence = evidence_of(d, &path, &cwd);
        }
    }
    let report = Report {
        base: &args.base,
        commit: &tree.commit,
        broken: &broken,
        segments: &segment_changes,
        diffs: &diffs,
    };
    let text = match args.format {
        DiffFormat::Table => report.table(),
        DiffFormat::Markdown => report.markdown(),
        DiffFormat::Json => serde_json::to_string_pretty(&report.json()).unwrap_or_default() + "\n",
        DiffFormat::Html => report.html(),
    };
    if let Err(code) = write_to(args, &head_session, &text, out, err) {
        return code;
    }
    // The report is written either way; a working tree that does not
    // compile still fails the run.
    i32::from(broken.iter().any(|b| b.side == "working tree"))
}

/// A named segment whose definition changed, shown once with the rules
/// that use it (they read the same, so only this says what moved).
struct SegmentChange {
    name: String,
    file: String,
    before: String,
    after: String,
    used_by: Vec<String>,
}

/// Every segment of a workspace by (file, name), with its definition as
/// written (white space folded).
fn segments(
    ws: &Workspace,
    checked: &icp_lang::check::Checked<'_>,
) -> BTreeMap<(String, String), String> {
    let mut out = BTreeMap::new();
    for d in &checked.decls {
        let icp_lang::ast::Item::Segment(seg) = d.item else {
            continue;
        };
        let Some(src) = ws.project.sources.get(d.file) else {
            continue;
        };
        let span = seg.expr.span();
        let text = src
            .text
            .get(span.start as usize..span.end as usize)
            .unwrap_or("");
        let folded = text.split_whitespace().collect::<Vec<_>>().join(" ");
        out.insert((src.name.clone(), seg.name.name.clone()), folded);
    }
    out
}

/// The segments whose definition differs; the rules that read the same but
/// changed through one of them point to it instead of a vague note.
fn changed_segments(
    base: &BTreeMap<(String, String), String>,
    head: &BTreeMap<(String, String), String>,
    diffs: &mut [IcpDiff],
) -> Vec<SegmentChange> {
    let mut out = Vec::new();
    for ((file, name), after) in head {
        let Some(before) = base.get(&(file.clone(), name.clone())) else {
            continue;
        };
        if before == after {
            continue;
        }
        let mut used_by = Vec::new();
        for d in diffs.iter_mut() {
            for c in &mut d.changes {
                let text = c.after.as_deref().or(c.before.as_deref()).unwrap_or("");
                let uses = text
                    .split(|ch: char| !(ch.is_alphanumeric() || ch == '_'))
                    .any(|w| w == name);
                if uses && c.note.is_some() {
                    c.note = Some(format!("same text: segment {name} changed, see above"));
                    used_by.push(format!("{}: {} {}", d.icp, c.rule, c.name));
                }
            }
        }
        out.push(SegmentChange {
            name: name.clone(),
            file: file.clone(),
            before: before.clone(),
            after: after.clone(),
            used_by,
        });
    }
    out
}

/// A file that does not compile on one side of the comparison.
struct Broken {
    side: &'static str,
    product: Product,
    file: String,
    errors: usize,
}

fn broken_files(
    session: &Workspace,
    diags: &[icp_lang::diagnostic::Diagnostic],
    side: &'static str,
) -> Vec<Broken> {
    let errors = diags
        .iter()
        .filter(|d| d.severity == icp_lang::diagnostic::Severity::Error)
        .count();
    session
        .broken_roots(diags)
        .into_iter()
        .filter_map(|id| {
            Some(Broken {
                side,
                product: session.product(id),
                file: session.project.sources.get(id)?.name.clone(),
                errors,
            })
        })
        .collect()
}

fn sides(
    session: &Workspace,
    checked: &icp_lang::check::Checked<'_>,
    diags: &[icp_lang::diagnostic::Diagnostic],
    flags: &ReadOptions,
    outcome_flags: &OutcomeArgs,
) -> Vec<Side> {
    let broken = session.broken_roots(diags);
    runnable_plans(session, checked, None, &broken)
        .into_iter()
        .filter_map(|(id, plan)| {
            let file = checked.decl(id)?.file;
            Some(Side {
                product: session.product(file),
                file: session.project.sources.get(file)?.name.clone(),
                plan,
                settings: super::input::read_settings(session, Some(file), flags),
                outcomes: super::input::outcome_settings(session, Some(file), outcome_flags),
            })
        })
        .collect()
}

/// Matches ICPs by product and name; the result is sorted by product, file
/// and ICP so the report never depends on the order files were found in.
fn pair_sides(base: Vec<Side>, head: Vec<Side>, broken: &[Broken]) -> Vec<IcpDiff> {
    // An ICP whose counterpart is in a file that does not compile is not
    // compared, rather than shown as new or removed.
    let broken_on = |side: &str, product: &Product, file: &str| {
        broken
            .iter()
            .any(|b| b.side == side && b.product.dir == product.dir && b.file == file)
            .then(|| format!("`{file}` does not compile at the {side}"))
    };
    let mut base: Vec<Option<Side>> = base.into_iter().map(Some).collect();
    let mut out = Vec::new();
    for h in head {
        let matched = base
            .iter_mut()
            .find(|b| {
                b.as_ref()
                    .is_some_and(|b| b.product.dir == h.product.dir && b.plan.icp == h.plan.icp)
            })
            .and_then(Option::take);
        let changes = match &matched {
            Some(b) => diff_plans(&b.plan, &h.plan),
            None => Vec::new(),
        };
        let why = matched
            .is_none()
            .then(|| broken_on("base", &h.product, &h.file))
            .flatten();
        out.push(IcpDiff {
            icp: h.plan.icp.clone(),
            file: h.file,
            product: h.product,
            base: matched.map(|b| b.plan),
            head: Some(h.plan),
            changes,
            impact: None,
            broken: why,
            was: None,
            settings: h.settings,
            outcomes: h.outcomes,
            evidence: None,
        });
    }
    // What is left on both sides may be one ICP renamed (same product, same
    // rules, another name) or a product folder moved (same product and ICP
    // names, another folder): paired as such, not as removed plus new.
    for d in out
        .iter_mut()
        .filter(|d| d.base.is_none() && d.broken.is_none())
    {
        let Some(h) = d.head.as_ref() else { continue };
        let found = base.iter_mut().find(|b| {
            b.as_ref().is_some_and(|b| {
                let moved = b.product.name == d.product.name
                    && b.product.dir != d.product.dir
                    && b.plan.icp == h.icp;
                // Renamed: the same rules under another name, or the one
                // ICP of the same file under another name (rules may
                // have changed too).
                let renamed = b.product.dir == d.product.dir
                    && b.plan.icp != h.icp
                    && (b.file == d.file || diff_plans(&b.plan, h).is_empty());
                moved || renamed
            })
        });
        if let Some(b) = found.and_then(Option::take) {
            d.was = Some(if b.plan.icp != h.icp {
                format!("renamed from `{}`", b.plan.icp)
            } else {
                format!("moved from `{}`", b.file)
            });
            d.changes = diff_plans(&b.plan, h);
            d.base = Some(b.plan);
        }
    }
    for b in base.into_iter().flatten() {
        let why = broken_on("working tree", &b.product, &b.file);
        out.push(IcpDiff {
            icp: b.plan.icp.clone(),
            file: b.file,
            product: b.product,
            base: Some(b.plan),
            head: None,
            changes: Vec::new(),
            impact: None,
            broken: why,
            was: None,
            settings: b.settings,
            outcomes: b.outcomes,
            evidence: None,
        });
    }
    out.sort_by(|a, b| (&a.product.dir, &a.file, &a.icp).cmp(&(&b.product.dir, &b.file, &b.icp)));
    out
}

/// Where an account lands under a plan.
fn label(plan: Option<&Plan>, o: Option<&Outcome>) -> String {
    let (Some(plan), Some(o)) = (plan, o) else {
        return ABSENT.to_string();
    };
    if o.removed_by.is_some() {
        return EXCLUDED.to_string();
    }
    o.tier
        .and_then(|t| plan.tiers.get(t))
        .map(|t| t.name.clone())
        .unwrap_or_else(|| NO_TIER.to_string())
}

fn gate_name(plan: &Plan, o: &Outcome) -> String {
    o.removed_by
        .and_then(|g| plan.gates.get(g))
        .map(|g| format!("{} {}", g.kind.word(), g.name))
        .unwrap_or_default()
}

/// The labels one side can produce, in reading order.
fn labels(plan: Option<&Plan>) -> Vec<String> {
    match plan {
        None => vec![ABSENT.to_string()],
        Some(p) => p
            .tiers
            .iter()
            .map(|t| t.name.clone())
            .chain([NO_TIER.to_string(), EXCLUDED.to_string()])
            .collect(),
    }
}

/// One record as both plans see it.
enum Seen {
    /// Cannot be cut into fields, or a cell either plan reads is bad.
    Bad,
    Read {
        id: Option<String>,
        base: Option<Box<Outcome>>,
        head: Option<Box<Outcome>>,
    },
}

/// Collects a chunk's records as both plans see them.
struct Collect<'a> {
    base: Option<(&'a Plan, &'a Binding)>,
    head: Option<(&'a Plan, &'a Binding)>,
    key: Option<usize>,
    seen: Vec<Seen>,
}

impl Visit for Collect<'_> {
    fn unreadable(&mut self, _: String) {
        self.seen.push(Seen::Bad);
    }

    fn record<'f>(&mut self, field: impl Fn(usize) -> Result<Cow<'f, str>, NotText<'f>>) {
        let outcome = |side: Option<(&Plan, &Binding)>| {
            let (plan, binding) = side?;
            let (mut row, mut errors) = (Vec::new(), Vec::new());
            binding.decode_into(plan, &field, 0, false, &mut row, &mut errors);
            Some(if errors.is_empty() {
                Ok(evaluate(plan, &row))
            } else {
                Err(())
            })
        };
        let (b, h) = (outcome(self.base), outcome(self.head));
        if matches!(b, Some(Err(()))) || matches!(h, Some(Err(()))) {
            self.seen.push(Seen::Bad);
            return;
        }
        let id = self
            .key
            .map(|k| field(k).unwrap_or_else(|bad| Cow::Owned(bad.shown())))
            .map(|c| c.trim().to_string())
            .filter(|c| !c.is_empty());
        self.seen.push(Seen::Read {
            id,
            base: b.and_then(Result::ok).map(Box::new),
            head: h.and_then(Result::ok).map(Box::new),
        });
    }
}

fn impact(
    base: Option<&Plan>,
    head: Option<&Plan>,
    file: Box<dyn std::io::Read + Send>,
    shown: &str,
    args: &DiffArgs,
    settings: &ReadSettings,
) -> Result<Impact, String> {
    let shown = shown.to_string();
    let mut input =
        Reader::open(file, &shown, settings, accounts::Limits::default()).map_err(|e| e.message)?;
    let mut bind = |plan: Option<&Plan>| -> Result<Option<Binding>, String> {
        let Some(plan) = plan else { return Ok(None) };
        let headers = input.headers().to_vec();
        input
            .bind(plan, settings)
            .map(Some)
            .map_err(|e| super::input::bind_message(plan, &shown, &headers, &e).replace('\n', " "))
    };
    let (base_binding, head_binding) = (bind(base)?, bind(head)?);
    // The account id: the key of the newer plan, else of the older.
    let key_cell = [(head, &head_binding), (base, &base_binding)]
        .into_iter()
        .find_map(|(p, b)| b.as_ref()?.key(p?));
    let mut im = Impact {
        data: shown,
        accounts: 0,
        unreadable: 0,
        rows: labels(base),
        columns: labels(head),
        matrix: BTreeMap::new(),
        newly_excluded: BTreeMap::new(),
        newly_admitted: BTreeMap::new(),
        movers: Vec::new(),
    };
    let top = args.top;
    let shape = input.shape().clone();
    let base_side = base.zip(base_binding.as_ref());
    let head_side = head.zip(head_binding.as_ref());
    let mut read = Ok(());
    loop {
        let chunk = match input.next_chunk() {
            Ok(Some(c)) => c,
            Ok(None) => break,
            Err(e) => {
                read = Err(e.message);
                break;
            }
        };
        let collected = shape.walk(&chunk, || Collect {
            base: base_side,
            head: head_side,
            key: key_cell,
            seen: Vec::new(),
        });
        for seen in collected.seen {
            im.accounts += 1;
            let record = im.accounts;
            let Seen::Read {
                id,
                base: b,
                head: h,
            } = seen
            else {
                im.unreadable += 1;
                continue;
            };
            let (b, h) = (b.map(|b| *b), h.map(|h| *h));
            let (lb, lh) = (label(base, b.as_ref()), label(head, h.as_ref()));
            *im.matrix.entry((lb.clone(), lh.clone())).or_default() += 1;
            let id = || id.clone().unwrap_or_else(|| format!("record {record}"));
            let note = |map: &mut BTreeMap<String, (u64, Vec<String>)>, rule: String| {
                let e = map.entry(rule).or_default();
                e.0 += 1;
                if e.1.len() < EXAMPLES {
                    e.1.push(id());
                }
            };
            if let (Some(bo), Some(ho), Some(bp), Some(hp)) = (&b, &h, base, head) {
                match (bo.passed(), ho.passed()) {
                    (true, false) => note(&mut im.newly_excluded, gate_name(hp, ho)),
                    (false, true) => note(&mut im.newly_admitted, gate_name(bp, bo)),
                    (true, true) if (ho.score - bo.score).abs() >= 0.005 => {
                        im.movers.push(Mover {
                            record,
                            id: id(),
                            before: bo.score,
                            after: ho.score,
                            tier_before: lb,
                            tier_after: lh,
                        });
                        // Keep only the largest, so memory stays small on big exports.
                        if im.movers.len() > 4 * top.max(16) {
                            sort_movers(&mut im.movers);
                            im.movers.truncate(top);
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    read?;
    sort_movers(&mut im.movers);
    im.movers.truncate(top);
    // Show "no tier" only where it happens.
    let used = |l: &str, row: bool| {
        im.matrix
            .iter()
            .any(|((r, c), n)| *n > 0 && if row { r == l } else { c == l })
    };
    let rows: Vec<String> = im
        .rows
        .iter()
        .filter(|l| l.as_str() != NO_TIER || used(l, true))
        .cloned()
        .collect();
    let columns: Vec<String> = im
        .columns
        .iter()
        .filter(|l| l.as_str() != NO_TIER || used(l, false))
        .cloned()
        .collect();
    im.rows = rows;
    im.columns = columns;
    Ok(im)
}

/// Largest change first; ties in input order.
fn sort_movers(m: &mut [Mover]) {
    m.sort_by(|a, b| {
        let (da, db) = ((a.after - a.before).abs(), (b.after - b.before).abs());
        db.total_cmp(&da).then(a.record.cmp(&b.record))
    });
}

struct Report<'a> {
    base: &'a str,
    commit: &'a str,
    broken: &'a [Broken],
    segments: &'a [SegmentChange],
    diffs: &'a [IcpDiff],
}

fn status(d: &IcpDiff) -> &'static str {
    if d.broken.is_some() {
        return "not compared";
    }
    match (&d.base, &d.head) {
        _ if d.was.is_some() && d.changes.is_empty() => {
            if d.base.as_ref().map(|p| &p.icp) != d.head.as_ref().map(|p| &p.icp) {
                "renamed"
            } else {
                "moved"
            }
        }
        (None, Some(_)) => "new",
        (Some(_), None) => "removed",
        _ if d.changes.is_empty() => "unchanged",
        _ => "changed",
    }
}

fn signed(x: f64) -> String {
    if x > 0.0 {
        format!("+{}", fmt_points(x))
    } else {
        fmt_points(x)
    }
}

impl Report<'_> {
    fn headline(&self) -> String {
        let changed = self
            .diffs
            .iter()
            .filter(|d| !matches!(status(d), "unchanged" | "not compared"))
            .count();
        let total = self.diffs.len();
        format!(
            "{changed} of {total} {} changed since `{}` ({})",
            if total == 1 { "ICP" } else { "ICPs" },
            self.base,
            self.commit
        )
    }

    /// One line per file that does not compile, on either side.
    fn broken_notes(&self) -> Vec<String> {
        self.broken
            .iter()
            .map(|b| {
                let at = if b.side == "base" {
                    format!("at `{}`", self.base)
                } else {
                    "in the working tree".to_string()
                };
                format!(
                    "`{}` ({}) does not compile {at}, so its ICPs are not compared (`icp check` lists the problems)",
                    b.file, b.product.name
                )
            })
            .collect()
    }

    /// The diffs grouped by product, in order.
    fn products(&self) -> Vec<&[IcpDiff]> {
        self.diffs
            .chunk_by(|a, b| a.product.dir == b.product.dir)
            .collect()
    }

    fn table(&self) -> String {
        let mut s = format!("{}\n", self.headline());
        for n in self.broken_notes() {
            s.push_str(&format!("error: {n}\n"));
        }
        for seg in self.segments {
            s.push_str(&format!(
                "\nsegment {} ({}) changed\n    before: {}\n    after:  {}\n    used by: {}\n",
                seg.name,
                seg.file,
                seg.before,
                seg.after,
                if seg.used_by.is_empty() {
                    "no changed rule".to_string()
                } else {
                    seg.used_by.join(", ")
                }
            ));
        }
        for group in self.products() {
            let Some(first) = group.first() else { continue };
            s.push_str(&format!("\n{}\n", first.product.name));
            for d in group {
                s.push_str(&format!("  {} ({}): {}\n", d.icp, d.file, status(d)));
                if let Some(was) = &d.was {
                    s.push_str(&format!("    {was}\n"));
                }
                if let Some(why) = &d.broken {
                    s.push_str(&format!("    {why}\n"));
                }
                let rows: Vec<[String; 4]> = d
                    .changes
                    .iter()
                    .map(|c| {
                        [
                            c.kind.as_str().to_string(),
                            format!("{} {}", c.rule, c.name),
                            c.before.clone().unwrap_or_default(),
                            c.after.clone().unwrap_or_default(),
                        ]
                    })
                    .collect();
                if !rows.is_empty() {
                    s.push_str(&text_table(
                        &["change", "rule", "before", "after"],
                        &rows,
                        "    ",
                    ));
                    for c in d.changes.iter().filter(|c| c.note.is_some()) {
                        s.push_str(&format!(
                            "    note: {} {}: {}\n",
                            c.rule,
                            c.name,
                            c.note.as_deref().unwrap_or("")
                        ));
                    }
                }
                match &d.impact {
                    None if !matches!(status(d), "unchanged" | "not compared") => s.push_str(
                        "    no accounts to measure on: pass --data, or set sample_data in icp.toml\n",
                    ),
                    None => {}
                    Some(Err(e)) => s.push_str(&format!("    impact not measured: {e}\n")),
                    Some(Ok(im)) => s.push_str(&impact_table(im)),
                }
                if let Some(e) = &d.evidence {
                    s.push_str(&evidence_table(e));
                }
            }
        }
        s
    }

    fn markdown(&self) -> String {
        let mut s = format!("## icp diff\n\n{}.\n", md_inline(&self.headline()));
        for n in self.broken_notes() {
            s.push_str(&format!("\n> **Does not compile:** {}\n", md_inline(&n)));
        }
        if !self.segments.is_empty() {
            s.push_str("\n**Segments changed** (the rules that use them read the same):\n\n| segment | before | after | used by |\n| --- | --- | --- | --- |\n");
            for seg in self.segments {
                let used: Vec<String> = seg.used_by.iter().map(|u| md_text(u)).collect();
                s.push_str(&format!(
                    "| `{}` in `{}` | {} | {} | {} |\n",
                    seg.name,
                    seg.file,
                    md_code(&seg.before),
                    md_code(&seg.after),
                    used.join("<br>")
                ));
            }
        }
        // A pull-request comment shows what changed; the rest is one line.
        // A summary table first, then one collapsed section per product, so
        // a long report can be cut between sections, never inside a table.
        let groups: Vec<Vec<&IcpDiff>> = self
            .products()
            .into_iter()
            .map(|g| {
                g.iter()
                    .filter(|d| status(d) != "unchanged")
                    .collect::<Vec<_>>()
            })
            .filter(|g| !g.is_empty())
            .collect();
        if !groups.is_empty() {
            s.push_str("\n| product | ICPs | accounts moving tier | newly excluded | newly admitted |\n| --- | --- | ---: | ---: | ---: |\n");
            for group in &groups {
                let Some(first) = group.first() else { continue };
                let icps: Vec<String> = group
                    .iter()
                    .map(|d| format!("`{}` {}", d.icp, status(d)))
                    .collect();
                let measured: Vec<&Impact> = group
                    .iter()
                    .filter_map(|d| d.impact.as_ref()?.as_ref().ok())
                    .collect();
                let sum = |f: &dyn Fn(&Impact) -> u64| -> String {
                    if measured.is_empty() {
                        "not measured".to_string()
                    } else {
                        group_digits(measured.iter().map(|im| f(im)).sum())
                    }
                };
                s.push_str(&format!(
                    "| {} | {} | {} | {} | {} |\n",
                    md_text(&first.product.name),
                    icps.join(", "),
                    sum(&|im| im
                        .matrix
                        .iter()
                        .filter(|((r, c), _)| r != c)
                        .map(|(_, n)| n)
                        .sum()),
                    sum(&|im| im.newly_excluded.values().map(|(n, _)| n).sum()),
                    sum(&|im| im.newly_admitted.values().map(|(n, _)| n).sum()),
                ));
            }
        }
        for changed in groups {
            let Some(first) = changed.first() else {
                continue;
            };
            let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
            for d in &changed {
                *counts.entry(status(d)).or_default() += 1;
            }
            let said: Vec<String> = counts
                .iter()
                .map(|(st, n)| {
                    let icps = if *n == 1 { "ICP" } else { "ICPs" };
                    match *st {
                        "new" => format!("{n} new {icps}"),
                        _ => format!("{n} {icps} {st}"),
                    }
                })
                .collect();
            s.push_str(&format!(
                "\n<details><summary><b>{}</b>: {}</summary>\n",
                md_text(&first.product.name),
                said.join(", ")
            ));
            for d in changed {
                s.push_str(&format!(
                    "\n#### `{}` in `{}`: {}\n",
                    d.icp,
                    d.file,
                    status(d)
                ));
                if let Some(why) = &d.broken {
                    s.push_str(&format!("\n{}.\n", md_inline(why)));
                }
                if let Some(was) = &d.was {
                    s.push_str(&format!("\n{}.\n", md_inline(&capitalized(was))));
                }
                if !d.changes.is_empty() {
                    s.push_str("\n| change | rule | before | after |\n| --- | --- | --- | --- |\n");
                    for c in &d.changes {
                        let mut after = c.after.as_deref().map(md_code).unwrap_or_default();
                        if let Some(n) = &c.note {
                            after.push_str(&format!(" ({})", md_text(n)));
                        }
                        s.push_str(&format!(
                            "| {} | {} `{}` | {} | {} |\n",
                            c.kind.as_str(),
                            c.rule,
                            c.name,
                            c.before.as_deref().map(md_code).unwrap_or_default(),
                            after
                        ));
                    }
                }
                match &d.impact {
                    None if !matches!(status(d), "unchanged" | "not compared") => s.push_str(
                        "\nNo accounts to measure on: pass `--data`, or set `sample_data` in `icp.toml`.\n",
                    ),
                    None => {}
                    Some(Err(e)) => s.push_str(&format!("\nImpact not measured: {}\n", md_inline(e))),
                    Some(Ok(im)) => s.push_str(&impact_markdown(im)),
                }
                if let Some(e) = &d.evidence {
                    s.push_str(&evidence_markdown(e));
                }
            }
            s.push_str("\n</details>\n");
        }
        let unchanged: Vec<String> = self
            .diffs
            .iter()
            .filter(|d| status(d) == "unchanged")
            .map(|d| format!("`{}` ({})", d.icp, md_text(&d.product.name)))
            .collect();
        if !unchanged.is_empty() {
            s.push_str(&format!("\nUnchanged: {}.\n", unchanged.join(", ")));
        }
        s
    }

    /// The report as one self-contained page: the same sections as the
    /// Markdown, with the tier counts as bars and the transition matrix as
    /// a heat map.
    fn html(&self) -> String {
        use icp_lang::report::html::{code, escape, open_page, section, table, CLOSE_PAGE};
        let mut s = open_page(&format!("icp diff against {}", self.base));
        s.push_str(&format!(
            "<header><h1>icp diff</h1><p class=\"sub\">{}.</p></header>\n",
            escape(&self.headline().replace('`', ""))
        ));
        for n in self.broken_notes() {
            s.push_str(&format!(
                "<p class=\"overdue\">Does not compile: {}</p>\n",
                escape(&n.replace('`', ""))
            ));
        }
        if !self.segments.is_empty() {
            let rows: Vec<Vec<String>> = self
                .segments
                .iter()
                .map(|seg| {
                    vec![
                        format!("{} in {}", code(&seg.name), code(&seg.file)),
                        code(&seg.before),
                        code(&seg.after),
                        escape(&seg.used_by.join("; ")),
                    ]
                })
                .collect();
            s.push_str(&section(
                "segments",
                "Segments changed",
                "Named segments whose definition changed; the rules that use them read the same.",
                &table(
                    "Segments changed",
                    &["Segment", "Before", "After", "Used by"],
                    &rows,
                ),
            ));
        }
        for (k, d) in self
            .diffs
            .iter()
            .filter(|d| status(d) != "unchanged")
            .enumerate()
        {
            let mut body = String::new();
            for note in [&d.broken, &d.was].into_iter().flatten() {
                body.push_str(&format!(
                    "<p>{}.</p>",
                    escape(&capitalized(note).replace('`', ""))
                ));
            }
            if !d.changes.is_empty() {
                let rows: Vec<Vec<String>> = d
                    .changes
                    .iter()
                    .map(|c| {
                        let mut after = c.after.as_deref().map(code).unwrap_or_default();
                        if let Some(n) = &c.note {
                            after.push_str(&format!(" ({})", escape(n)));
                        }
                        vec![
                            escape(c.kind.as_str()),
                            format!("{} {}", c.rule, code(&c.name)),
                            c.before.as_deref().map(code).unwrap_or_default(),
                            after,
                        ]
                    })
                    .collect();
                body.push_str(&table(
                    "Rules changed",
                    &["Change", "Rule", "Before", "After"],
                    &rows,
                ));
            }
            match &d.impact {
                None if !matches!(status(d), "unchanged" | "not compared") => body.push_str(
                    "<p class=\"note\">No accounts to measure on: pass --data, or set sample_data in icp.toml.</p>",
                ),
                None => {}
                Some(Err(e)) => body.push_str(&format!(
                    "<p class=\"note\">Impact not measured: {}</p>",
                    escape(e)
                )),
                Some(Ok(im)) => body.push_str(&impact_html(im)),
            }
            if let Some(e) = &d.evidence {
                body.push_str(&evidence_html(e));
            }
            s.push_str(&section(
                &format!("icp-{k}"),
                &format!(
                    "{} ({}) in {}: {}",
                    d.icp,
                    d.product.name,
                    d.file,
                    status(d)
                ),
                "What changed in the rules, and where the accounts go because of it.",
                &body,
            ));
        }
        let unchanged: Vec<String> = self
            .diffs
            .iter()
            .filter(|d| status(d) == "unchanged")
            .map(|d| format!("{} ({})", code(&d.icp), escape(&d.product.name)))
            .collect();
        if !unchanged.is_empty() {
            s.push_str(&format!(
                "<p class=\"note\">Unchanged: {}.</p>\n",
                unchanged.join(", ")
            ));
        }
        s.push_str(CLOSE_PAGE);
        s
    }

    fn json(&self) -> serde_json::Value {
        let icps: Vec<serde_json::Value> = self
            .diffs
            .iter()
            .map(|d| {
                let impact = match &d.impact {
                    None => serde_json::Value::Null,
                    Some(Err(e)) => json!({ "error": e }),
                    Some(Ok(im)) => impact_json(im),
                };
                let mut doc = json!({
                    "product": d.product.name,
                    "icp": d.icp,
                    "file": d.file,
                    "status": status(d),
                    "was": d.was,
                    "changes": d.changes,
                    "impact": impact,
                });
                if let (Some(e), Some(o)) = (&d.evidence, doc.as_object_mut()) {
                    o.insert("validation".into(), evidence_json(e));
                }
                doc
            })
            .collect();
        json!({
            "version": 1,
            "base": self.base,
            "base_commit": self.commit,
            "base_errors": self.broken.iter().filter(|b| b.side == "base").map(|b| b.errors).max().unwrap_or(0),
            "segments": self.segments.iter().map(|g| json!({
                "name": g.name,
                "file": g.file,
                "before": g.before,
                "after": g.after,
                "used_by": g.used_by,
            })).collect::<Vec<_>>(),
            "broken": self.broken.iter().map(|b| json!({
                "side": b.side,
                "product": b.product.name,
                "file": b.file,
            })).collect::<Vec<_>>(),
            "icps": icps,
        })
    }
}

fn capitalized(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

fn moved_out_and_in(im: &Impact) -> String {
    if im.rows.iter().all(|r| r == ABSENT) {
        return "where the new ICP places them".to_string();
    }
    if im.columns.iter().all(|c| c == ABSENT) {
        return "where the removed ICP placed them".to_string();
    }
    let stayed: u64 = im
        .matrix
        .iter()
        .filter(|((r, c), _)| r == c)
        .map(|(_, n)| n)
        .sum();
    let scored = im.accounts - im.unreadable;
    format!(
        "{} of {} accounts change place",
        group_digits(scored - stayed),
        group_digits(scored)
    )
}

fn matrix_rows(im: &Impact) -> Vec<Vec<String>> {
    im.rows
        .iter()
        .map(|r| {
            std::iter::once(r.clone())
                .chain(im.columns.iter().map(|c| {
                    let n = im.matrix.get(&(r.clone(), c.clone())).copied().unwrap_or(0);
                    if n == 0 {
                        ".".to_string()
                    } else {
                        group_digits(n)
                    }
                }))
                .collect()
        })
        .collect()
}

fn impact_table(im: &Impact) -> String {
    let mut s = format!(
        "\n    impact on {} accounts in {}: {}\n",
        group_digits(im.accounts),
        im.data,
        moved_out_and_in(im)
    );
    if im.unreadable > 0 {
        s.push_str(&format!(
            "    ({} records with bad cells left out; `icp score` lists them)\n",
            group_digits(im.unreadable)
        ));
    }
    let mut head: Vec<String> = vec!["before \\ after".to_string()];
    head.extend(im.columns.iter().cloned());
    let header: Vec<&str> = head.iter().map(String::as_str).collect();
    s.push_str(&text_table(&header, &matrix_rows(im), "    "));
    for (title, map) in [
        ("newly excluded", &im.newly_excluded),
        ("newly admitted", &im.newly_admitted),
    ] {
        let total: u64 = map.values().map(|(n, _)| n).sum();
        if total == 0 {
            continue;
        }
        s.push_str(&format!("    {title}: {}\n", group_digits(total)));
        for (rule, (n, ids)) in map {
            let by = if title == "newly excluded" {
                "by"
            } else {
                "no longer removed by"
            };
            s.push_str(&format!(
                "      {by} {rule}: {} (e.g. {})\n",
                group_digits(*n),
                ids.join(", ")
            ));
        }
    }
    if !im.movers.is_empty() {
        s.push_str("    largest score changes:\n");
        let rows: Vec<Vec<String>> = im.movers.iter().map(mover_cells).collect();
        s.push_str(&text_table(
            &["account", "before", "after", "change", "tier"],
            &rows,
            "      ",
        ));
    }
    s
}

fn mover_cells(m: &Mover) -> Vec<String> {
    let tier = if m.tier_before == m.tier_after {
        m.tier_after.clone()
    } else {
        format!("{} -> {}", m.tier_before, m.tier_after)
    };
    vec![
        m.id.clone(),
        fmt_points(m.before),
        fmt_points(m.after),
        signed(m.after - m.before),
        tier,
    ]
}

fn impact_markdown(im: &Impact) -> String {
    let mut s = format!(
        "\n**Impact on {} accounts** in `{}`: {}.\n",
        group_digits(im.accounts),
        im.data,
        moved_out_and_in(im)
    );
    if im.unreadable > 0 {
        s.push_str(&format!(
            "{} records with bad cells were left out (`icp score` lists them).\n",
            group_digits(im.unreadable)
        ));
    }
    s.push_str(&tiers_mermaid(im));
    s.push_str("\n| before \\ after |");
    for c in &im.columns {
        s.push_str(&format!(" {} |", md_text(c)));
    }
    s.push_str("\n| --- |");
    s.push_str(&" ---: |".repeat(im.columns.len()));
    s.push('\n');
    for row in matrix_rows(im) {
        let cells: Vec<String> = row.iter().map(|c| md_text(c)).collect();
        s.push_str(&format!("| {} |\n", cells.join(" | ")));
    }
    for (title, by, map) in [
        ("Newly excluded", "now removed by", &im.newly_excluded),
        ("Newly admitted", "no longer removed by", &im.newly_admitted),
    ] {
        let total: u64 = map.values().map(|(n, _)| n).sum();
        if total == 0 {
            continue;
        }
        s.push_str(&format!(
            "\n**{title}: {}**\n\n| {by} | accounts | for example |\n| --- | ---: | --- |\n",
            group_digits(total)
        ));
        for (rule, (n, ids)) in map {
            let ids: Vec<String> = ids.iter().map(|i| md_code(i)).collect();
            s.push_str(&format!(
                "| `{rule}` | {} | {} |\n",
                group_digits(*n),
                ids.join(", ")
            ));
        }
    }
    if !im.movers.is_empty() {
        s.push_str("\n**Largest score changes**\n\n| account | before | after | change | tier |\n| --- | ---: | ---: | ---: | --- |\n");
        for m in &im.movers {
            let c = mover_cells(m);
            let cells: Vec<String> = c.iter().map(|x| md_text(x)).collect();
            s.push_str(&format!("| {} |\n", cells.join(" | ")));
        }
    }
    s
}

fn impact_json(im: &Impact) -> serde_json::Value {
    let matrix: Vec<serde_json::Value> = im
        .matrix
        .iter()
        .map(|((b, a), n)| json!({ "before": b, "after": a, "accounts": n }))
        .collect();
    let rules = |m: &BTreeMap<String, (u64, Vec<String>)>| {
        m.iter()
            .map(|(rule, (n, ids))| json!({ "rule": rule, "accounts": n, "examples": ids }))
            .collect::<Vec<_>>()
    };
    json!({
        "data": im.data,
        "accounts": im.accounts,
        "unreadable": im.unreadable,
        "transitions": matrix,
        "newly_excluded": rules(&im.newly_excluded),
        "newly_admitted": rules(&im.newly_admitted),
        "largest_changes": im.movers.iter().map(|m| json!({
            "id": m.id,
            "before": icp_lang::explain::round2(m.before),
            "after": icp_lang::explain::round2(m.after),
            "tier_before": m.tier_before,
            "tier_after": m.tier_after,
        })).collect::<Vec<_>>(),
    })
}

/// Left-aligned columns, two spaces apart, with a header row.
fn text_table<R: AsRef<[String]>>(header: &[&str], rows: &[R], indent: &str) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (w, c) in widths.iter_mut().zip(r.as_ref()) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        format!("{indent}{}\n", padded.join("  ").trim_end())
    };
    let mut s = line(header.to_vec());
    for r in rows {
        s.push_str(&line(r.as_ref().iter().map(String::as_str).collect()));
    }
    s
}

/// Text in a Markdown table cell: pipes and markup characters escaped.
fn md_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        // `>` and `#` only matter at the start of a line, which a cell never is.
        if matches!(c, '|' | '\\' | '*' | '_' | '`' | '<' | '[' | ']') {
            out.push('\\');
        }
        if c == '\n' {
            out.push(' ');
        } else {
            out.push(c);
        }
    }
    out
}

/// Text that already holds backticks for code: only pipes and newlines matter.
fn md_inline(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// Code in a table cell; a backtick inside picks a longer fence.
fn md_code(s: &str) -> String {
    let s = s.replace('|', "\\|").replace('\n', " ");
    if s.contains('`') {
        format!("`` {s} ``")
    } else {
        format!("`{s}`")
    }
}

// ------------------------------------------------------------------ charts

/// Writes the report to `-o` (atomically, never over an input) or `out`.
fn write_to(
    args: &DiffArgs,
    session: &Workspace,
    text: &str,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<(), i32> {
    let Some(target) = &args.output else {
        return out.write_all(text.as_bytes()).map_err(|_| 2);
    };
    super::input::guard_output(session, Some(target), args.data.clone(), err)?;
    let written = super::output::Output::open(Some(target)).and_then(|mut o| {
        o.w.write_all(text.as_bytes())
            .map_err(|e| format!("cannot write `{}`: {e}", target.display()))?;
        o.finish()
    });
    written.map_err(|e| {
        let _ = writeln!(err, "error: {e}");
        2
    })
}

/// Accounts per label before and after, in reading order (the head's
/// labels, then any only the base has), leaving out labels with none.
fn tier_counts(im: &Impact) -> Vec<(String, u64, u64)> {
    let mut labels: Vec<&String> = im.columns.iter().filter(|c| *c != ABSENT).collect();
    for r in &im.rows {
        if r != ABSENT && !labels.contains(&r) {
            labels.push(r);
        }
    }
    labels
        .into_iter()
        .map(|l| {
            let before = im
                .matrix
                .iter()
                .filter(|((r, _), _)| r == l)
                .map(|(_, n)| n)
                .sum();
            let after = im
                .matrix
                .iter()
                .filter(|((_, c), _)| c == l)
                .map(|(_, n)| n)
                .sum();
            (l.clone(), before, after)
        })
        .filter(|(_, b, a)| b + a > 0)
        .collect()
}

/// A label as Mermaid reads it inside double quotes.
fn mermaid_label(s: &str) -> String {
    s.chars()
        .filter(|c| !matches!(c, '"' | '[' | ']' | ',' | '`' | '\n' | '\r' | ';' | '#'))
        .collect()
}

/// A Mermaid bar chart of the accounts per tier before and after, which
/// GitHub draws in a comment (other renderers show the code; the table
/// below has the numbers).
fn tiers_mermaid(im: &Impact) -> String {
    let counts = tier_counts(im);
    if counts.is_empty() {
        return String::new();
    }
    let mut labels = Vec::new();
    let mut values = Vec::new();
    for (l, before, after) in &counts {
        let l = mermaid_label(l);
        labels.push(format!("\"{l} before\""));
        labels.push(format!("\"{l} after\""));
        values.push(before.to_string());
        values.push(after.to_string());
    }
    let max = counts
        .iter()
        .map(|(_, b, a)| *b.max(a))
        .max()
        .unwrap_or(0)
        .max(1);
    format!(
        "\n```mermaid\nxychart-beta\n    title \"Accounts per tier, before and after\"\n    x-axis [{}]\n    y-axis \"accounts\" 0 --> {max}\n    bar [{}]\n```\n",
        labels.join(", "),
        values.join(", ")
    )
}

/// The validation before and after (the Markdown's rows) as HTML.
fn evidence_html(e: &Result<Evidence, String>) -> String {
    use icp_lang::report::html::{escape, table};
    match e {
        Err(why) => format!(
            "<p class=\"note\">Validation not measured: {}</p>",
            escape(why)
        ),
        Ok(e) => {
            let (rows, notes) = evidence_rows(e);
            let rows: Vec<Vec<String>> = rows
                .iter()
                .map(|r| r.iter().map(|c| escape(&c.replace('`', ""))).collect())
                .collect();
            let head: Vec<String> = EVIDENCE_HEAD
                .iter()
                .enumerate()
                .map(|(i, h)| {
                    let h = capitalized(h);
                    if i == 0 {
                        h
                    } else {
                        format!("#{h}")
                    }
                })
                .collect();
            let head: Vec<&str> = head.iter().map(String::as_str).collect();
            format!(
                "<h3>Validation against won and lost deals</h3><p class=\"caption\">{}.</p>{}",
                escape(&notes.join("; ").replace('`', "")),
                table("Validation before and after", &head, &rows)
            )
        }
    }
}

/// One ICP's impact as HTML: tier bars before and after, the transition
/// matrix as a heat map and a table, who is newly excluded or admitted,
/// and the largest score changes.
fn impact_html(im: &Impact) -> String {
    use icp_lang::report::html::{code, escape, figure, table, tier_class};
    use icp_lang::report::svg::{self, Bar};
    let mut s = format!(
        "<p>Impact on {} accounts in {}: {}.</p>",
        group_digits(im.accounts),
        code(&im.data),
        escape(&moved_out_and_in(im))
    );
    if im.unreadable > 0 {
        s.push_str(&format!(
            "<p class=\"note\">{} records with bad cells were left out (icp score lists them).</p>",
            group_digits(im.unreadable)
        ));
    }
    let mut bars = Vec::new();
    let mut rows = Vec::new();
    for (i, (l, before, after)) in tier_counts(im).into_iter().enumerate() {
        bars.push(Bar::one(
            format!("{l} before"),
            before as f64,
            "before",
            group_digits(before),
        ));
        bars.push(Bar::one(
            format!("{l} after"),
            after as f64,
            tier_class(i),
            group_digits(after),
        ));
        rows.push(vec![
            escape(&l),
            group_digits(before),
            group_digits(after),
            signed(after as f64 - before as f64),
        ]);
    }
    s.push_str("<h3>Accounts per tier</h3><p class=\"caption\">Grey: before the change; coloured: after it.</p>");
    s.push_str(&figure(svg::bars(
        "Accounts per tier, before and after",
        &bars,
        0.0,
    )));
    s.push_str(&table(
        "Accounts per tier",
        &["Tier", "#Before", "#After", "#Change"],
        &rows,
    ));
    let counts: Vec<Vec<u64>> = im
        .rows
        .iter()
        .map(|r| {
            im.columns
                .iter()
                .map(|c| im.matrix.get(&(r.clone(), c.clone())).copied().unwrap_or(0))
                .collect()
        })
        .collect();
    s.push_str("<h3>Where accounts go</h3><p class=\"caption\">Each cell counts the accounts that were in the row's tier before and are in the column's tier after; green cells stayed, red ones moved.</p>");
    s.push_str(&figure(svg::heatmap(
        "Tier transitions",
        &im.rows,
        &im.columns,
        &counts,
    )));
    let mut head: Vec<String> = vec!["Before \\ after".to_string()];
    head.extend(im.columns.iter().map(|c| format!("#{c}")));
    let header: Vec<&str> = head.iter().map(String::as_str).collect();
    let cells: Vec<Vec<String>> = matrix_rows(im)
        .into_iter()
        .map(|r| r.iter().map(|c| escape(c)).collect())
        .collect();
    s.push_str(&table("Tier transitions", &header, &cells));
    for (title, by, map) in [
        ("Newly excluded", "Now removed by", &im.newly_excluded),
        ("Newly admitted", "No longer removed by", &im.newly_admitted),
    ] {
        let total: u64 = map.values().map(|(n, _)| n).sum();
        if total == 0 {
            continue;
        }
        let rows: Vec<Vec<String>> = map
            .iter()
            .map(|(rule, (n, ids))| {
                let ids: Vec<String> = ids.iter().map(|i| code(i)).collect();
                vec![code(rule), group_digits(*n), ids.join(", ")]
            })
            .collect();
        s.push_str(&format!("<h3>{title}: {}</h3>", group_digits(total)));
        s.push_str(&table(title, &[by, "#Accounts", "For example"], &rows));
    }
    if !im.movers.is_empty() {
        let rows: Vec<Vec<String>> = im
            .movers
            .iter()
            .map(|m| mover_cells(m).iter().map(|c| escape(c)).collect())
            .collect();
        s.push_str("<h3>Largest score changes</h3>");
        s.push_str(&table(
            "Largest score changes",
            &["Account", "#Before", "#After", "#Change", "Tier"],
            &rows,
        ));
    }
    s
}

// ------------------------------------------------------------ evidence

/// One ICP validated before and after the change on the same accounts.
struct Evidence {
    before: Option<Validation>,
    after: Option<Validation>,
}

/// Validates both sides of a changed ICP when its product has outcomes;
/// `None` when it has none or the ICP did not change.
fn evidence_of(
    d: &IcpDiff,
    data: &std::path::Path,
    cwd: &std::path::Path,
) -> Option<Result<Evidence, String>> {
    if d.changes.is_empty() && d.base.is_some() && d.head.is_some() {
        return None;
    }
    let (settings, deals) = match &d.outcomes {
        Ok(Some(o)) => o,
        Ok(None) => return None,
        Err(e) => return Some(Err(e.clone())),
    };
    let input = super::validate::OutcomeInput {
        settings,
        deals: deals.as_deref(),
    };
    let shown = icp_lang::tree::display_name(cwd, data);
    let run = |plan: Option<&Plan>| -> Result<Option<Validation>, String> {
        let Some(plan) = plan else { return Ok(None) };
        let mut err = Vec::new();
        super::validate::run_validation(
            plan,
            data,
            &d.settings,
            &input,
            icp_lang::data::OnError::Skip,
            &mut err,
        )
        .map(|(v, _)| Some(v))
        .map_err(|_| {
            String::from_utf8_lossy(&err)
                .lines()
                .next()
                .unwrap_or("")
                .trim_start_matches("error: ")
                .replace(&data.display().to_string(), &shown)
        })
    };
    Some(run(d.base.as_ref()).and_then(|before| {
        Ok(Evidence {
            before,
            after: run(d.head.as_ref())?,
        })
    }))
}

/// Tier rows of both sides (by tier name), then AUC and newly lost wins.
fn evidence_rows(e: &Evidence) -> (Vec<Vec<String>>, Vec<String>) {
    let rate = |x: Option<f64>| x.map_or("-".to_string(), |x| format!("{:.1}%", x * 100.0));
    let lift = |x: Option<f64>| x.map_or("-".to_string(), |x| format!("{x:.2}x"));
    let mut names: Vec<Option<String>> = Vec::new();
    for v in [&e.before, &e.after].into_iter().flatten() {
        for t in &v.tiers {
            if !names.contains(&t.tier) {
                names.push(t.tier.clone());
            }
        }
    }
    let find = |v: &Option<Validation>, n: &Option<String>| {
        v.as_ref()
            .and_then(|v| v.tiers.iter().find(|t| &t.tier == n).cloned())
    };
    let rows = names
        .iter()
        .map(|n| {
            let (b, a) = (find(&e.before, n), find(&e.after, n));
            vec![
                n.clone().unwrap_or_else(|| NO_TIER.to_string()),
                b.as_ref().map_or("-".into(), |t| group_digits(t.accounts)),
                rate(b.as_ref().and_then(|t| t.win_rate)),
                lift(b.as_ref().and_then(|t| t.lift)),
                a.as_ref().map_or("-".into(), |t| group_digits(t.accounts)),
                rate(a.as_ref().and_then(|t| t.win_rate)),
                lift(a.as_ref().and_then(|t| t.lift)),
            ]
        })
        .collect();
    let auc = |v: &Option<Validation>| {
        v.as_ref()
            .and_then(|v| v.auc)
            .map_or("-".to_string(), |a| format!("{a:.3}"))
    };
    let removed_won = |v: &Option<Validation>| {
        v.as_ref()
            .map(|v| v.removed.iter().map(|r| r.won).sum::<u64>())
    };
    let mut notes = vec![format!(
        "AUC {} before, {} after",
        auc(&e.before),
        auc(&e.after)
    )];
    if let (Some(b), Some(a)) = (removed_won(&e.before), removed_won(&e.after)) {
        if a > b {
            notes.push(format!(
                "{} newly filtered out",
                super::input::count_of(a - b, "won account", "won accounts")
            ));
        } else if b > a {
            notes.push(format!(
                "{} no longer filtered out",
                super::input::count_of(b - a, "won account", "won accounts")
            ));
        }
    }
    (rows, notes)
}

const EVIDENCE_HEAD: [&str; 7] = [
    "tier",
    "accounts before",
    "win rate",
    "lift",
    "accounts after",
    "win rate",
    "lift",
];

/// `{"before": validation, "after": validation}` (`icp validate`'s JSON
/// schema, `null` for a side without the ICP), or `{"error": ...}`.
fn evidence_json(e: &Result<Evidence, String>) -> serde_json::Value {
    match e {
        Err(why) => json!({ "error": why }),
        Ok(e) => super::validate::rounded(json!({ "before": e.before, "after": e.after })),
    }
}

fn evidence_table(e: &Result<Evidence, String>) -> String {
    match e {
        Err(why) => format!(
            "    validation not measured: {why}
"
        ),
        Ok(e) => {
            let (rows, notes) = evidence_rows(e);
            let mut s = format!(
                "    validation against won and lost deals: {}
",
                notes.join("; ")
            );
            s.push_str(&text_table(&EVIDENCE_HEAD, &rows, "    "));
            s
        }
    }
}

fn evidence_markdown(e: &Result<Evidence, String>) -> String {
    match e {
        Err(why) => format!(
            "
Validation not measured: {}
",
            md_inline(why)
        ),
        Ok(e) => {
            let (rows, notes) = evidence_rows(e);
            let mut s = format!(
                "
**Validation** against won and lost deals: {}.

",
                md_inline(&notes.join("; "))
            );
            s.push_str(&super::validate::md_table(&EVIDENCE_HEAD, &rows));
            s
        }
    }
}
