//! `icp diff`: what a change to the ICPs does, against a git revision.
//!
//! The ICPs at the base revision are read through git (see `git.rs`) and
//! compiled beside the working tree's. For each product and ICP the report
//! has the semantic change (`icp_lang::diff`) and, with accounts, the impact:
//! where accounts move between tiers, who is newly excluded or admitted and
//! by which rule, and the largest score changes.

use super::fs::FsLoader;
use super::git::GitTree;
use super::input::{group_digits, ReadOptions};
use super::run::plans;
use super::session::{has_errors, Product, Session};
use icp_lang::accounts::{self, ReadSettings, Reader, Visit};
use icp_lang::data::{Binding, NotText};
use icp_lang::diff::{diff_plans, Change};
use icp_lang::eval::{evaluate, Outcome};
use icp_lang::plan::Plan;
use icp_lang::testing::fmt_points;
use serde_json::json;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum DiffFormat {
    /// Aligned text for a terminal.
    Table,
    /// GitHub-flavoured Markdown, for a pull-request comment.
    Markdown,
    /// One JSON document, for tools.
    Json,
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
    /// How many of the largest score changes to list per ICP.
    #[arg(long, default_value_t = 10)]
    pub top: usize,
    #[command(flatten)]
    pub read: ReadOptions,
}

/// One runnable ICP on one side of the comparison.
struct Side {
    product: Product,
    file: String,
    plan: Plan,
    /// The product's `[data]` settings with the flags over them.
    settings: ReadSettings,
}

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
    /// How the accounts are read: the working tree's product settings.
    settings: ReadSettings,
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
    let head_session = match super::run::open_clean(&paths, args.read.as_of, err) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let head = sides(&head_session, &args.read);
    let loader = FsLoader::new();
    let tree = match GitTree::open(&loader.cwd, &args.base) {
        Ok(t) => t,
        Err(e) => {
            let _ = writeln!(err, "error: {e}");
            return 2;
        }
    };
    // Paths new since the base are simply absent there.
    use super::fs::Tree;
    let base_paths: Vec<PathBuf> = paths
        .iter()
        .filter(|p| {
            let abs = tree.absolute(p);
            tree.is_file(&abs) || tree.is_dir(&abs)
        })
        .cloned()
        .collect();
    let mut base_errors = 0;
    let base = match Session::open_in(&tree, &base_paths, args.read.as_of) {
        Ok(s) if !base_paths.is_empty() => {
            let checked = s.check();
            let diags = s.diagnostics(checked.diagnostics.clone(), false);
            if has_errors(&diags) {
                base_errors = diags
                    .iter()
                    .filter(|d| d.severity == icp_lang::diagnostic::Severity::Error)
                    .count();
                Vec::new()
            } else {
                drop(checked);
                sides(&s, &args.read)
            }
        }
        _ => Vec::new(),
    };
    let mut diffs = pair_sides(base, head);
    for d in &mut diffs {
        if d.changes.is_empty() && d.base.is_some() && d.head.is_some() {
            continue;
        }
        let data = args.data.clone().or_else(|| d.product.sample_data.clone());
        d.impact = data.map(|path| {
            impact(
                d.base.as_ref(),
                d.head.as_ref(),
                &path,
                &loader.cwd,
                args,
                &d.settings,
            )
        });
    }
    let report = Report {
        base: &args.base,
        commit: &tree.commit,
        base_errors,
        diffs: &diffs,
    };
    let text = match args.format {
        DiffFormat::Table => report.table(),
        DiffFormat::Markdown => report.markdown(),
        DiffFormat::Json => serde_json::to_string_pretty(&report.json()).unwrap_or_default() + "\n",
    };
    i32::from(out.write_all(text.as_bytes()).is_err()) * 2
}

fn sides(session: &Session, flags: &ReadOptions) -> Vec<Side> {
    let checked = session.check();
    plans(session, &checked, None)
        .into_iter()
        .filter_map(|(id, plan)| {
            let file = checked.decl(id)?.file;
            Some(Side {
                product: session.product(file),
                file: session.project.sources.get(file)?.name.clone(),
                plan,
                settings: super::input::read_settings(session, Some(file), flags),
            })
        })
        .collect()
}

/// Matches ICPs by product and name; the result is sorted by product, file
/// and ICP so the report never depends on the order files were found in.
fn pair_sides(base: Vec<Side>, head: Vec<Side>) -> Vec<IcpDiff> {
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
        out.push(IcpDiff {
            icp: h.plan.icp.clone(),
            file: h.file,
            product: h.product,
            base: matched.map(|b| b.plan),
            head: Some(h.plan),
            changes,
            impact: None,
            settings: h.settings,
        });
    }
    for b in base.into_iter().flatten() {
        out.push(IcpDiff {
            icp: b.plan.icp.clone(),
            file: b.file,
            product: b.product,
            base: Some(b.plan),
            head: None,
            changes: Vec::new(),
            impact: None,
            settings: b.settings,
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
    data: &Path,
    cwd: &Path,
    args: &DiffArgs,
    settings: &ReadSettings,
) -> Result<Impact, String> {
    let shown = super::fs::display_name(cwd, data);
    let file = super::input::open_file(data)?;
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
    base_errors: usize,
    diffs: &'a [IcpDiff],
}

fn status(d: &IcpDiff) -> &'static str {
    match (&d.base, &d.head) {
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
            .filter(|d| status(d) != "unchanged")
            .count();
        let total = self.diffs.len();
        format!(
            "{changed} of {total} {} changed since `{}` ({})",
            if total == 1 { "ICP" } else { "ICPs" },
            self.base,
            self.commit
        )
    }

    fn base_note(&self) -> Option<String> {
        (self.base_errors > 0).then(|| {
            format!(
                "the ICPs at `{}` do not compile ({} errors), so there is nothing to compare with: every ICP is shown as new",
                self.base, self.base_errors
            )
        })
    }

    /// The diffs grouped by product, in order.
    fn products(&self) -> Vec<&[IcpDiff]> {
        self.diffs
            .chunk_by(|a, b| a.product.dir == b.product.dir)
            .collect()
    }

    fn table(&self) -> String {
        let mut s = format!("{}\n", self.headline());
        if let Some(n) = self.base_note() {
            s.push_str(&format!("note: {n}\n"));
        }
        for group in self.products() {
            let Some(first) = group.first() else { continue };
            s.push_str(&format!("\n{}\n", first.product.name));
            for d in group {
                s.push_str(&format!("  {} ({}): {}\n", d.icp, d.file, status(d)));
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
                    None if status(d) != "unchanged" => s.push_str(
                        "    no accounts to measure on: pass --data, or set sample_data in icp.toml\n",
                    ),
                    None => {}
                    Some(Err(e)) => s.push_str(&format!("    impact not measured: {e}\n")),
                    Some(Ok(im)) => s.push_str(&impact_table(im)),
                }
            }
        }
        s
    }

    fn markdown(&self) -> String {
        let mut s = format!("## icp diff\n\n{}.\n", md_inline(&self.headline()));
        if let Some(n) = self.base_note() {
            s.push_str(&format!("\n> **Note:** {}\n", md_inline(&n)));
        }
        // A pull-request comment shows what changed; the rest is one line.
        for group in self.products() {
            let changed: Vec<&IcpDiff> =
                group.iter().filter(|d| status(d) != "unchanged").collect();
            let Some(first) = changed.first() else {
                continue;
            };
            s.push_str(&format!("\n### {}\n", md_text(&first.product.name)));
            for d in changed {
                s.push_str(&format!(
                    "\n#### `{}` in `{}`: {}\n",
                    d.icp,
                    d.file,
                    status(d)
                ));
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
                    None if status(d) != "unchanged" => s.push_str(
                        "\nNo accounts to measure on: pass `--data`, or set `sample_data` in `icp.toml`.\n",
                    ),
                    None => {}
                    Some(Err(e)) => s.push_str(&format!("\nImpact not measured: {}\n", md_inline(e))),
                    Some(Ok(im)) => s.push_str(&impact_markdown(im)),
                }
            }
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
                json!({
                    "product": d.product.name,
                    "icp": d.icp,
                    "file": d.file,
                    "status": status(d),
                    "changes": d.changes,
                    "impact": impact,
                })
            })
            .collect();
        json!({
            "version": 1,
            "base": self.base,
            "base_commit": self.commit,
            "base_errors": self.base_errors,
            "icps": icps,
        })
    }
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
