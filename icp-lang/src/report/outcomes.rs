//! The report's sections on won and lost deals, drawn from
//! `icp_lang::evidence`'s [`Validation`] (the numbers `icp validate`
//! shows, defined in docs/evidence.md): win rate per tier with its 95%
//! interval, the cumulative gains and ROC curves, and the winners each
//! filter removed.

use super::html::{code, escape, figure, rate, section, table, tier_class};
use super::svg::{self, Bar};
use crate::evidence::{Point, Validation};
use crate::values::group_digits;

fn maybe(x: Option<f64>) -> String {
    x.map_or("–".to_string(), rate)
}

fn ratio(x: Option<f64>) -> String {
    x.map_or("–".to_string(), |l| format!("{:.2}×", l))
}

fn pairs(points: &[Point]) -> Vec<(f64, f64)> {
    points.iter().map(|p| (p.x, p.y)).collect()
}

/// Every outcome section, in reading order.
pub fn sections(v: &Validation) -> String {
    let mut s = String::new();
    s.push_str(&win_rates(v));
    s.push_str(&gains(v));
    s.push_str(&roc(v));
    s.push_str(&removed(v));
    if !v.warnings.is_empty() {
        let items: Vec<String> = v
            .warnings
            .iter()
            .map(|w| format!("<li>{} {}</li>", code(w.code), escape(&w.message)))
            .collect();
        s.push_str(&section(
            "evidence-warnings",
            "What the deals say to check",
            "The warnings icp validate gives on these deals, each with its stable code.",
            &format!("<ol class=\"options\">{}</ol>", items.join("")),
        ));
    }
    s
}

fn win_rates(v: &Validation) -> String {
    let mut bars = Vec::new();
    let mut rows = Vec::new();
    for (i, t) in v.tiers.iter().enumerate() {
        let name = t
            .tier
            .as_ref()
            .map_or("No tier".to_string(), |n| format!("Tier {n}"));
        if let Some(r) = t.win_rate {
            bars.push(Bar {
                interval: t.win_rate_low.zip(t.win_rate_high),
                ..Bar::one(
                    name.clone(),
                    r,
                    if t.tier.is_some() {
                        tier_class(i)
                    } else {
                        "none"
                    },
                    format!(
                        "{} ({} to {}) of {} closed",
                        rate(r),
                        maybe(t.win_rate_low),
                        maybe(t.win_rate_high),
                        group_digits(t.won + t.lost)
                    ),
                )
            });
        }
        rows.push(vec![
            escape(&name),
            group_digits(t.accounts),
            group_digits(t.won),
            group_digits(t.lost),
            group_digits(t.open),
            maybe(t.win_rate),
            format!("{} to {}", maybe(t.win_rate_low), maybe(t.win_rate_high)),
            ratio(t.lift),
            maybe(t.share_of_wins),
            maybe(t.cumulative_share_of_wins),
        ]);
    }
    let body = format!(
        "{}<p class=\"note\">The line on each bar is the 95% Wilson interval: with few closed deals, a rate can sit anywhere on it.</p>{}",
        figure(svg::bars("Win rate per tier with its 95% interval", &bars, 0.0)),
        table(
            "Win rate per tier",
            &[
                "Tier",
                "#Accounts",
                "#Won",
                "#Lost",
                "#Open",
                "#Win rate",
                "#95% interval",
                "#Lift",
                "#Share of wins",
                "#Cumulative share of wins"
            ],
            &rows
        )
    );
    section(
        "win-rates",
        "Win rate per tier",
        &format!(
            "Of the closed deals in each tier, the share won (open deals are counted, never in rates); the overall win rate is {}.",
            maybe(v.base_rate)
        ),
        &body,
    )
}

fn curve_table(label: &str, x: &str, y: &str, points: &[Point]) -> String {
    let rows: Vec<Vec<String>> = points.iter().map(|p| vec![rate(p.x), rate(p.y)]).collect();
    let (x, y) = (format!("#{x}"), format!("#{y}"));
    table(label, &[x.as_str(), y.as_str()], &rows)
}

fn gains(v: &Validation) -> String {
    let pts = pairs(&v.gains);
    let body = format!(
        "{}{}",
        figure(svg::curves(
            "Cumulative gains: share of wins found by the best-scored accounts",
            "closed accounts, best score first",
            "share of wins",
            &[("score", &pts)],
        )),
        curve_table(
            "Cumulative gains",
            "Closed accounts, best score first",
            "Share of wins",
            &v.gains
        )
    );
    section(
        "gains",
        "Cumulative gains",
        "Working down the closed accounts from the highest score, the share of all wins found so far; the dashed diagonal is what a random order finds.",
        &body,
    )
}

fn roc(v: &Validation) -> String {
    let pts = pairs(&v.roc);
    let auc = v
        .auc
        .map_or("not measurable".to_string(), |a| format!("{a:.3}"));
    let body = format!(
        "{}{}",
        figure(svg::curves(
            &format!("ROC curve of the score (AUC {auc})"),
            "false positive rate (lost deals ranked above the cut)",
            "true positive rate",
            &[("score", &pts)],
        )),
        curve_table(
            "ROC curve",
            "False positive rate",
            "True positive rate",
            &v.roc
        )
    );
    section(
        "roc",
        "ROC curve",
        &format!(
            "How well the score ranks won deals above lost ones: AUC {auc} (0.5 is a coin toss, 1 ranks every win first; ties count one half)."
        ),
        &body,
    )
}

fn removed(v: &Validation) -> String {
    let kept = v.retained_win_rate;
    let mut bars = Vec::new();
    let mut rows = Vec::new();
    for r in &v.removed {
        let label = format!("{} {}", r.kind, r.rule);
        let flagged = matches!((r.win_rate, kept), (Some(a), Some(b)) if r.won > 0 && a >= b);
        bars.push(Bar::one(
            label.clone(),
            r.won as f64,
            if flagged { "gap" } else { "bar" },
            format!(
                "{} won of {} closed",
                group_digits(r.won),
                group_digits(r.won + r.lost)
            ),
        ));
        rows.push(vec![
            code(&label),
            group_digits(r.removed),
            group_digits(r.won),
            group_digits(r.lost),
            group_digits(r.open),
            maybe(r.win_rate),
            if flagged {
                "<span class=\"overdue\">at or above the retained rate</span>".to_string()
            } else {
                String::new()
            },
        ]);
    }
    let body = format!(
        "{}{}",
        figure(svg::bars("Won deals removed by each filter", &bars, 0.0)),
        table(
            "Winners removed",
            &[
                "Rule",
                "#Removed",
                "#Won",
                "#Lost",
                "#Open",
                "#Win rate",
                "Flag"
            ],
            &rows
        )
    );
    section(
        "removed-winners",
        "Winners removed by each filter",
        &format!(
            "Won deals each filter and exclusion removed first (as in the funnel); red when what it removes wins at or above the {} of the accounts it keeps.",
            maybe(kept)
        ),
        &body,
    )
}
