//! The report page: one HTML file with its CSS and SVG inline, no script,
//! no fonts, no images, nothing fetched. Every section has a one-line
//! caption and every chart a plain table with the same numbers. All text
//! that comes from users (ICP names, titles, file names, cells, ids) goes
//! through [`escape`].

use super::svg::{self, Bar, Marker, Segment};
use super::{best_points, Report};
use crate::eval::evaluate;
use crate::plan::{Plan, Points};
use crate::reach;
use crate::testing::fmt_points;
use crate::values::group_digits;

pub use super::escape;

/// `37.5%`, or `–` of nothing.
pub fn percent(n: u64, of: u64) -> String {
    if of == 0 {
        return "–".to_string();
    }
    rate(n as f64 / of as f64)
}

/// A share as a percentage with at most one decimal: `0.375` is `37.5%`.
pub fn rate(share: f64) -> String {
    let p = share * 100.0;
    let r = (p * 10.0).round() / 10.0;
    if r.fract() == 0.0 {
        format!("{}%", r as i64)
    } else {
        format!("{r:.1}%")
    }
}

const STYLE: &str = r#"
:root { --ink: #1a202c; --muted: #4a5568; --rule: #cbd5e0; --bar: #2b6cb0; --unknown: #a0aec0; --warn: #c53030; --tier0: #276749; --tier1: #2b6cb0; --tier2: #b7791f; --tier3: #718096; }
* { box-sizing: border-box; }
body { margin: 0; font-family: system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; color: var(--ink); background: #fff; line-height: 1.4; }
main { max-width: 60rem; margin: 0 auto; padding: 1.5rem 1rem 3rem; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; }
h2 { font-size: 1.2rem; margin: 0 0 .5rem; border-bottom: 1px solid var(--rule); padding-bottom: .2rem; }
h3 { font-size: 1rem; margin: .8rem 0 .3rem; }
.sub { color: var(--muted); margin: 0 0 1rem; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; margin: 0 0 1rem; }
dl.meta dt { color: var(--muted); }
dl.meta dd { margin: 0; }
section { margin: 1.5rem 0; break-inside: avoid; page-break-inside: avoid; }
figure { margin: .5rem 0; }
svg.chart { display: block; width: 100%; height: auto; max-width: 100%; }
.caption { color: var(--muted); font-size: .9rem; margin: .25rem 0 .5rem; }
table { border-collapse: collapse; width: 100%; font-size: .85rem; margin: .5rem 0; }
th, td { text-align: left; padding: .2rem .4rem; border-bottom: 1px solid var(--rule); vertical-align: top; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .85em; overflow-wrap: anywhere; }
.overdue { color: var(--warn); font-weight: 600; }
.note { font-size: .85rem; color: var(--muted); }
svg .bar { fill: var(--bar); }
svg .bar.unknown { fill: var(--unknown); }
svg .bar.gap { fill: var(--warn); }
svg .bar.t0 { fill: var(--tier0); } svg .bar.t1 { fill: var(--tier1); } svg .bar.t2 { fill: var(--tier2); } svg .bar.t3 { fill: var(--tier3); }
svg .bar.none { fill: var(--unknown); }
svg .bar.before { fill: var(--unknown); }
svg .cell.stay { fill: var(--tier0); } svg .cell.move { fill: var(--warn); }
svg .count { font-size: 12px; } svg .count.light { fill: #fff; }
svg text { font-size: 12px; fill: var(--ink); font-family: inherit; }
svg .tick, svg .legend, svg .axis-label { fill: var(--muted); font-size: 11px; }
svg .axis, svg .frame { stroke: var(--muted); fill: none; stroke-width: 1; }
svg .marker { stroke: var(--warn); stroke-dasharray: 4 3; stroke-width: 1.5; }
svg .marker-label { fill: var(--warn); font-size: 11px; }
svg .interval { stroke: var(--ink); stroke-width: 1.5; fill: none; }
svg .diagonal { stroke: var(--rule); stroke-dasharray: 4 4; }
svg .curve { fill: none; stroke-width: 2; }
svg .c0 { stroke: var(--bar); fill: var(--bar); } svg .c1 { stroke: var(--tier2); fill: var(--tier2); }
svg polyline.curve { fill: none; }
ol.options { margin: .2rem 0 .6rem; padding-left: 1.4rem; }
@page { size: A4; margin: 14mm; }
@media print {
  main { max-width: none; padding: 0; }
  body { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  section, figure, table, tr, .account { break-inside: avoid; page-break-inside: avoid; }
  h2 { break-after: avoid; page-break-after: avoid; }
}
"#;

/// A table: header cells (a `#` prefix right-aligns a column of numbers)
/// and rows of already escaped cells.
pub fn table(label: &str, header: &[&str], rows: &[Vec<String>]) -> String {
    let numeric: Vec<bool> = header.iter().map(|h| h.starts_with('#')).collect();
    let mut s = format!("<table aria-label=\"{}\"><thead><tr>", escape(label));
    for h in header {
        let (class, text) = match h.strip_prefix('#') {
            Some(t) => (" class=\"n\"", t),
            None => ("", *h),
        };
        s.push_str(&format!("<th scope=\"col\"{class}>{}</th>", escape(text)));
    }
    s.push_str("</tr></thead><tbody>");
    for r in rows {
        s.push_str("<tr>");
        for (i, c) in r.iter().enumerate() {
            let class = if numeric.get(i).copied().unwrap_or(false) {
                " class=\"n\""
            } else {
                ""
            };
            s.push_str(&format!("<td{class}>{c}</td>"));
        }
        s.push_str("</tr>");
    }
    s.push_str("</tbody></table>");
    s
}

pub fn section(id: &str, title: &str, caption: &str, body: &str) -> String {
    format!(
        "<section id=\"{id}\"><h2>{}</h2><p class=\"caption\">{}</p>{body}</section>\n",
        escape(title),
        escape(caption)
    )
}

pub fn figure(svg: String) -> String {
    format!("<figure>{svg}</figure>")
}

pub fn tier_class(t: usize) -> &'static str {
    ["t0", "t1", "t2", "t3"].get(t).copied().unwrap_or("t3")
}

pub fn code(s: &str) -> String {
    format!("<code>{}</code>", escape(s))
}

/// The start of a page titled `title`, up to the opening of `<main>`.
pub fn open_page(title: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n",
        escape(title)
    )
}

/// The end of a page begun with [`open_page`].
pub const CLOSE_PAGE: &str = "</main>\n</body>\n</html>\n";

/// The whole page; `outcomes` is the outcome sections' HTML, if any.
pub fn page(r: &Report<'_>, outcomes: &str) -> String {
    let plan = r.plan;
    let name = plan.title.clone().unwrap_or_else(|| plan.icp.clone());
    let mut s = open_page(&format!("ICP report: {name}"));
    s.push_str(&header(r, &name));
    s.push_str(&funnel(r));
    s.push_str(&tiers(r));
    s.push_str(&distribution(r));
    s.push_str(&signals(r));
    s.push_str(&gaps(r));
    if r.contacts {
        s.push_str(&personas(r));
    }
    s.push_str(&near_misses(r));
    s.push_str(outcomes);
    s.push_str(CLOSE_PAGE);
    s
}

fn header(r: &Report<'_>, name: &str) -> String {
    let plan = r.plan;
    let t = r.tally;
    let mut s = format!(
        "<header><h1>{}</h1><p class=\"sub\">ICP {} for {}: how the accounts in {} score.</p><dl class=\"meta\">",
        escape(name),
        code(&plan.icp),
        code(&plan.schema),
        code(r.data_name)
    );
    let mut row = |k: &str, v: String| s.push_str(&format!("<dt>{}</dt><dd>{v}</dd>", escape(k)));
    row(
        "Owner",
        plan.owner
            .as_deref()
            .map_or("none named".to_string(), escape),
    );
    match plan.review {
        Some(rv) => {
            let overdue = rv.due.days() < plan.as_of_days;
            row("Last reviewed", rv.reviewed.to_string());
            row(
                "Next review",
                if overdue {
                    format!(
                        "{} <span class=\"overdue\">overdue by {} days</span>",
                        rv.due,
                        plan.as_of_days - rv.due.days()
                    )
                } else {
                    format!("{} (not yet due)", rv.due)
                },
            );
        }
        None => row("Last reviewed", "never".to_string()),
    }
    row("Data", code(r.data_name));
    let mut rows = format!("{} accounts read", group_digits(t.read));
    if t.unreadable + t.skipped > 0 {
        rows.push_str(&format!(
            ", {} left out (unreadable or bad data)",
            group_digits(t.unreadable + t.skipped)
        ));
    }
    if t.missing_cells > 0 {
        rows.push_str(&format!(
            ", {} bad cells read as missing",
            group_digits(t.missing_cells)
        ));
    }
    row("Rows", rows);
    row("As of", escape(&plan.as_of));
    s.push_str("</dl></header>\n");
    s
}

/// The gates in written order.
fn gates_in_order(plan: &Plan) -> Vec<usize> {
    let mut order: Vec<usize> = (0..plan.gates.len()).collect();
    order.sort_by_key(|&g| plan.gates.get(g).map(|x| x.order));
    order
}

fn funnel(r: &Report<'_>) -> String {
    let plan = r.plan;
    let t = r.tally;
    let get = |v: &[u64], i: usize| v.get(i).copied().unwrap_or(0);
    let bad = t.skipped + t.unreadable + t.failed;
    let mut bars = vec![Bar::one(
        "All accounts",
        t.read as f64,
        "bar",
        group_digits(t.read),
    )];
    let mut rows = vec![vec![
        "All accounts".to_string(),
        String::new(),
        String::new(),
        group_digits(t.read),
    ]];
    let mut remaining = t.read;
    if bad > 0 {
        remaining -= bad;
        bars.push(Bar::one(
            "Readable",
            remaining as f64,
            "bar",
            format!("{} (−{})", group_digits(remaining), group_digits(bad)),
        ));
        rows.push(vec![
            "Readable".to_string(),
            "unreadable or bad data".to_string(),
            group_digits(bad),
            group_digits(remaining),
        ]);
    }
    for g in gates_in_order(plan) {
        let Some(gate) = plan.gates.get(g) else {
            continue;
        };
        let removed = get(&t.removed, g);
        remaining = remaining.saturating_sub(removed);
        let label = format!("{} {}", gate.kind.word(), gate.name);
        bars.push(Bar::one(
            format!("after {label}"),
            remaining as f64,
            "bar",
            format!("{} (−{})", group_digits(remaining), group_digits(removed)),
        ));
        rows.push(vec![
            format!("after {}", code(&label)),
            code(&gate.text),
            group_digits(removed),
            group_digits(remaining),
        ]);
    }
    let body = format!(
        "{}{}",
        figure(svg::bars(
            "Accounts left after each filter and exclusion",
            &bars,
            t.read as f64
        )),
        table("Funnel", &["Step", "Rule", "#Removed", "#Left"], &rows)
    );
    section(
        "funnel",
        "Funnel",
        "How many accounts are left after each filter and exclusion, in the order they are written, and how many each one removes.",
        &body,
    )
}

fn tiers(r: &Report<'_>) -> String {
    let plan = r.plan;
    let t = r.tally;
    let passed = t.passed();
    let mut bars = Vec::new();
    let mut rows = Vec::new();
    for (i, tier) in plan.tiers.iter().enumerate() {
        let n = t.tiers.get(i).copied().unwrap_or(0);
        bars.push(Bar::one(
            format!("Tier {}", tier.name),
            n as f64,
            tier_class(i),
            format!("{} ({})", group_digits(n), percent(n, passed)),
        ));
        rows.push(vec![
            escape(&tier.name),
            code(&tier.text),
            group_digits(n),
            percent(n, passed),
        ]);
    }
    if t.no_tier > 0 {
        bars.push(Bar::one(
            "No tier",
            t.no_tier as f64,
            "none",
            format!(
                "{} ({})",
                group_digits(t.no_tier),
                percent(t.no_tier, passed)
            ),
        ));
        rows.push(vec![
            "no tier".to_string(),
            "no tier rule matched".to_string(),
            group_digits(t.no_tier),
            percent(t.no_tier, passed),
        ]);
    }
    let body = format!(
        "{}{}",
        figure(svg::bars("Accounts per tier", &bars, 0.0)),
        table("Tiers", &["Tier", "Rule", "#Accounts", "#Share"], &rows)
    );
    section(
        "tiers",
        "Accounts per tier",
        &format!(
            "Of the {} accounts that passed every filter, how many land in each tier.",
            group_digits(passed)
        ),
        &body,
    )
}

fn distribution(r: &Report<'_>) -> String {
    let plan = r.plan;
    let b = r.bins;
    let markers: Vec<Marker> = plan
        .tiers
        .iter()
        .filter_map(|t| {
            let at = t.cond.as_ref().and_then(reach::threshold)?;
            Some(Marker {
                at,
                label: format!("{} ≥ {}", t.name, fmt_points(at)),
            })
        })
        .collect();
    let counts: Vec<u64> = (0..b.count)
        .map(|i| r.facts.bins.get(i).copied().unwrap_or(0))
        .collect();
    let rows: Vec<Vec<String>> = counts
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let lo = b.start + b.width * i as f64;
            vec![
                format!("{} to {}", fmt_points(lo), fmt_points(lo + b.width)),
                group_digits(*n),
                percent(*n, r.facts.scored),
            ]
        })
        .filter(|row| row.get(1).is_some_and(|n| n != "0"))
        .collect();
    let thresholds: Vec<String> = markers.iter().map(|m| escape(&m.label)).collect();
    let body = format!(
        "{}{}{}",
        figure(svg::histogram(
            "Score distribution with the tier thresholds",
            b.start,
            b.width,
            &counts,
            &markers
        )),
        if thresholds.is_empty() {
            String::new()
        } else {
            format!(
                "<p class=\"note\">Thresholds: {}.</p>",
                thresholds.join(", ")
            )
        },
        table(
            "Score distribution",
            &["Score (from, up to)", "#Accounts", "#Share"],
            &rows
        )
    );
    section(
        "scores",
        "Score distribution",
        "How the scores of the accounts that passed the filters spread out; the dashed lines are the scores the tiers ask for.",
        &body,
    )
}

/// A signal's points as written: `25`, `-10`, or `5 to 10` for bands.
fn points_text(plan: &Plan, i: usize) -> String {
    match plan.signals.get(i).map(|s| &s.points) {
        Some(Points::Weight { weight, .. }) => fmt_points(*weight),
        Some(Points::Bands { bands, .. }) => {
            let lo = bands.iter().map(|b| b.points).fold(f64::INFINITY, f64::min);
            let hi = bands
                .iter()
                .map(|b| b.points)
                .fold(f64::NEG_INFINITY, f64::max);
            if bands.is_empty() {
                "0".to_string()
            } else {
                format!("{} to {} (bands)", fmt_points(lo), fmt_points(hi))
            }
        }
        None => String::new(),
    }
}

fn signals(r: &Report<'_>) -> String {
    let plan = r.plan;
    let f = r.facts;
    let n = f.scored;
    let mut bars = Vec::new();
    let mut rows = Vec::new();
    for (i, s) in plan.signals.iter().enumerate() {
        let c = f.signals.get(i).copied().unwrap_or_default();
        bars.push(Bar {
            label: s.name.clone(),
            segments: vec![
                Segment {
                    value: c.fired as f64,
                    class: "fired",
                },
                Segment {
                    value: c.unknown as f64,
                    class: "unknown",
                },
            ],
            note: format!(
                "fires {} · unknown {}",
                percent(c.fired, n),
                percent(c.unknown, n)
            ),
            interval: None,
        });
        let group = s
            .group
            .and_then(|g| plan.groups.get(g))
            .map(|g| escape(&g.name))
            .unwrap_or_default();
        let average = if n == 0 {
            "–".to_string()
        } else {
            fmt_points(c.points / n as f64)
        };
        let decay = s
            .decay
            .as_ref()
            .map(|d| format!(" (decays, half-life {} days)", fmt_points(d.half_life_days)))
            .unwrap_or_default();
        rows.push(vec![
            code(&s.name),
            format!("{}{}", code(&s.text), escape(&decay)),
            group,
            escape(&points_text(plan, i)),
            group_digits(c.fired),
            percent(c.fired, n),
            group_digits(c.unknown),
            percent(c.unknown, n),
            average,
        ]);
    }
    let body = format!(
        "{}<p class=\"note\">Dark: the signal fires. Grey: it could not be evaluated because data is missing.</p>{}",
        figure(svg::bars("How often each signal fires or is unknown", &bars, n as f64)),
        table(
            "Signals",
            &[
                "Signal",
                "Condition",
                "Group",
                "#Points",
                "#Fires",
                "#Fire rate",
                "#Unknown",
                "#Unknown rate",
                "#Average points"
            ],
            &rows
        )
    );
    section(
        "signals",
        "Signals",
        &format!(
            "For each signal, how often it fires and how often it cannot be evaluated for missing data, among the {} accounts that passed the filters.",
            group_digits(n)
        ),
        &body,
    )
}

/// Gaps shown, the costliest first.
const GAPS_SHOWN: usize = 10;

fn gaps(r: &Report<'_>) -> String {
    let plan = r.plan;
    let f = r.facts;
    let mut list: Vec<(usize, super::GapFacts)> = f
        .gaps
        .iter()
        .copied()
        .enumerate()
        .filter(|(_, g)| g.accounts > 0)
        .collect();
    list.sort_by(|a, b| {
        b.1.points
            .total_cmp(&a.1.points)
            .then(b.1.accounts.cmp(&a.1.accounts))
            .then(a.0.cmp(&b.0))
    });
    list.truncate(GAPS_SHOWN);
    if list.is_empty() {
        return section(
            "gaps",
            "Data gaps",
            "No signal was left unknown by missing data: every account could be scored in full.",
            "",
        );
    }
    let mut bars = Vec::new();
    let mut rows = Vec::new();
    for (c, g) in &list {
        let Some(col) = plan.columns.get(*c) else {
            continue;
        };
        let signals: Vec<String> = plan
            .signals
            .iter()
            .enumerate()
            .filter(|(i, _)| crate::explain::signal_columns(plan, *i).contains(c))
            .filter(|(i, _)| best_points(plan, *i) > 0.0)
            .map(|(_, s)| code(&s.name))
            .collect();
        bars.push(Bar::one(
            col.field.clone(),
            g.points,
            "gap",
            format!(
                "{} points, {} accounts",
                fmt_points(g.points),
                group_digits(g.accounts)
            ),
        ));
        rows.push(vec![
            code(&col.field),
            escape(&col.header),
            signals.join(", "),
            group_digits(g.accounts),
            percent(g.accounts, f.scored),
            fmt_points(g.points),
            fmt_points(g.points / g.accounts.max(1) as f64),
        ]);
    }
    let body = format!(
        "{}{}",
        figure(svg::bars(
            "Points at stake for missing data, per field",
            &bars,
            0.0
        )),
        table(
            "Data gaps",
            &[
                "Field",
                "Column",
                "Signals it leaves unknown",
                "#Accounts missing it",
                "#Share",
                "#Points at stake",
                "#Per account"
            ],
            &rows
        )
    );
    section(
        "gaps",
        "Data gaps that cost the most points",
        "Fields whose missing values leave signals unknown, by the points those signals could have given had the data been there and matched.",
        &body,
    )
}

fn personas(r: &Report<'_>) -> String {
    let plan = r.plan;
    let f = r.facts;
    let mut bars = Vec::new();
    let mut rows = Vec::new();
    let names: Vec<String> = plan
        .tiers
        .iter()
        .map(|t| format!("Tier {}", t.name))
        .chain(std::iter::once("No tier".to_string()))
        .collect();
    for (i, (p, name)) in f.personas.iter().zip(&names).enumerate() {
        if p.accounts == 0 && i == plan.tiers.len() {
            continue;
        }
        bars.push(Bar::one(
            name.clone(),
            if p.accounts == 0 {
                0.0
            } else {
                p.committee as f64 / p.accounts as f64
            },
            tier_class(i),
            format!("{} full committee", percent(p.committee, p.accounts)),
        ));
        rows.push(vec![
            escape(name),
            group_digits(p.accounts),
            format!(
                "{} ({})",
                group_digits(p.decision_maker),
                percent(p.decision_maker, p.accounts)
            ),
            format!(
                "{} ({})",
                group_digits(p.champion),
                percent(p.champion, p.accounts)
            ),
            format!(
                "{} ({})",
                group_digits(p.committee),
                percent(p.committee, p.accounts)
            ),
        ]);
    }
    let body = format!(
        "{}{}",
        figure(svg::bars(
            "Share of accounts with a full buying committee, per tier",
            &bars,
            1.0
        )),
        table(
            "Persona coverage",
            &[
                "Tier",
                "#Accounts",
                "#With a decision maker",
                "#With a champion",
                "#Full buying committee"
            ],
            &rows
        )
    );
    section(
        "personas",
        "Persona coverage",
        "Per tier, how many accounts have a contact matching a decision-maker persona, a champion persona, and every committee role the personas define.",
        &body,
    )
}

fn near_misses(r: &Report<'_>) -> String {
    let plan = r.plan;
    if r.facts.near.is_empty() {
        return section(
            "near-misses",
            "Near misses",
            "No account is one signal change away from a better tier.",
            "",
        );
    }
    let mut body = String::new();
    for n in &r.facts.near {
        let o = evaluate(plan, &n.row);
        let answer = reach::reach(plan, &n.row, &o, n.target);
        let now = o
            .tier
            .and_then(|t| plan.tiers.get(t))
            .map_or("no tier".to_string(), |t| format!("tier {}", t.name));
        let target = plan.tiers.get(n.target).map_or("?", |t| t.name.as_str());
        body.push_str(&format!(
            "<div class=\"account\"><h3>Account {}: {} with score {}, could be tier {}</h3><ol class=\"options\">",
            match (n.id.is_empty(), &n.name) {
                (true, _) => "without an id (the schema has no key)".to_string(),
                (false, Some(name)) => format!("{} ({})", code(&n.id), escape(name)),
                (false, None) => code(&n.id),
            },
            escape(&now),
            fmt_points(o.score),
            escape(target)
        ));
        for c in answer.options.iter().filter(|c| c.changes.len() == 1) {
            for ch in &c.changes {
                let name = plan.signals.get(ch.signal).map_or("", |s| s.name.as_str());
                body.push_str(&format!(
                    "<li>{}: {} (+{} points; today {}), score {}</li>",
                    code(name),
                    code(&reach::condition(plan, ch)),
                    fmt_points(ch.gain),
                    escape(&reach::today(plan, &n.row, ch)),
                    fmt_points(c.score)
                ));
            }
        }
        body.push_str("</ol></div>");
    }
    section(
        "near-misses",
        "Near misses",
        &format!(
            "The first {} accounts in the file that one signal change would move up a tier, and each change that would do it (icp explain --to gives the rest).",
            r.facts.near.len()
        ),
        &body,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_quotes_and_controls() {
        assert_eq!(
            escape("<script>alert('x')</script> & \"q\"\u{0}"),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;\u{FFFD}"
        );
    }

    #[test]
    fn percentages() {
        assert_eq!(percent(1, 3), "33.3%");
        assert_eq!(percent(1, 2), "50%");
        assert_eq!(percent(0, 0), "–");
    }
}
