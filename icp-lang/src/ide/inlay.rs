//! Inlay hints: what a signal is worth and how far an ICP or group can
//! score, shown after the names. Plain data; the server converts offsets.

use crate::ast::{RuleBody, RuleKind};
use crate::check::Checked;
use crate::span::FileId;
use crate::testing::fmt_points;
use crate::values::scalar;

/// A label to show at a byte offset of the file.
#[derive(Clone, Debug, PartialEq)]
pub struct Hint {
    pub offset: u32,
    pub label: String,
}

/// Points and share of the maximum after each signal; the maximum score
/// after each ICP's and group's name; for the ICPs declared in `file`.
pub fn hints(checked: &Checked<'_>, file: FileId) -> Vec<Hint> {
    let mut hints = Vec::new();
    for id in checked.icps_in(file) {
        let Some(eff) = checked.effective.get(&id) else {
            continue;
        };
        let ranges = crate::analysis::score_ranges(eff, &Default::default());
        let max = ranges.get("score").map(|r| r.1).unwrap_or(0.0);
        hints.push(Hint {
            offset: eff.decl.name.span.end,
            label: format!("max {}", fmt_points(max)),
        });
        for g in &eff.groups {
            if g.name.span.file == file {
                let gmax = ranges.get(&g.name.name).map(|r| r.1).unwrap_or(0.0);
                hints.push(Hint {
                    offset: g.name.span.end,
                    label: format!("max {}", fmt_points(gmax)),
                });
            }
        }
        for (rule, _) in &eff.rules {
            if rule.kind != RuleKind::Signal || rule.span.file != file {
                continue;
            }
            let points = match &rule.body {
                RuleBody::Condition {
                    weight: Some(w), ..
                } => scalar(&w.value).unwrap_or(0.0),
                RuleBody::Bands { bands, .. } => bands
                    .iter()
                    .filter_map(|b| scalar(&b.points.value))
                    .fold(0.0, f64::max),
                _ => 0.0,
            };
            let share = if max > 0.0 {
                format!(" · {:.0}%", 100.0 * points.max(0.0) / max)
            } else {
                String::new()
            };
            let sign = if points > 0.0 { "+" } else { "" };
            hints.push(Hint {
                offset: rule.span.end,
                label: format!("{sign}{}{share}", fmt_points(points)),
            });
        }
    }
    hints
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::check;
    use crate::ide::navigate::tests::{MAIN, SHARED};
    use crate::ide::testutil::{options, project};

    #[test]
    fn signals_show_their_points_and_icps_their_maximum() {
        let project = project(MAIN, SHARED);
        let checked = check(&project, &options());
        let shown: Vec<String> = hints(&checked, FileId(0))
            .into_iter()
            .map(|h| {
                let before = MAIN.get(..h.offset as usize).unwrap_or("");
                let word = before.rsplit([' ', '\n']).next().unwrap_or("");
                format!("{word} {}", h.label)
            })
            .collect();
        assert_eq!(
            shown,
            ["i max 20", "\"big\" +5 · 25%", "15 +15 · 75%"],
            "{shown:?}"
        );
    }
}
