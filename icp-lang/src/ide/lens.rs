//! Code lenses: on each test whether it passes; on each ICP, when the
//! caller has counted sample accounts, its tiers. Plain data; the server
//! converts spans and reads the sample accounts.

use crate::accounts::near::{self, NearMisses};
use crate::ast::Date;
use crate::check::Checked;
use crate::plan::Plan;
use crate::span::{FileId, Span};

/// A title to show above a span of the file.
#[derive(Clone, Debug, PartialEq)]
pub struct Lens {
    pub span: Span,
    pub title: String,
}

/// What the caller found in sample accounts for one plan.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Sample {
    /// Shown on the ICP's name ([`sample_title`], or why it could not count).
    pub title: String,
    /// Each is shown on the first rule that lists the text it looks like.
    pub near: NearMisses,
}

/// The lenses of the ICPs declared in `file` that could be checked
/// without errors: first, on the ICP's name, whatever `sample` says of its
/// plan (the tier counts over sample accounts, see [`sample_title`]); then
/// one per test, "✓ passes" or what failed.
pub fn lenses(
    checked: &Checked<'_>,
    file: FileId,
    as_of: Date,
    mut sample: impl FnMut(&Plan) -> Option<Sample>,
) -> Vec<Lens> {
    let mut lenses = Vec::new();
    for id in checked.icps_in(file) {
        if checked.has_errors.contains(&id) {
            continue;
        }
        let Some(plan) = crate::plan::lower_icp(checked, id, as_of) else {
            continue;
        };
        let Some(decl) = checked.decl(id) else {
            continue;
        };
        if let Some(found) = sample(&plan) {
            lenses.push(Lens {
                span: decl.name.span,
                title: found.title,
            });
            // On the rule that lists what the data spells differently.
            for m in found.near.list() {
                let Some(span) = near::listed_at(&plan, m).filter(|s| s.file == file) else {
                    continue;
                };
                lenses.push(Lens {
                    span,
                    title: format!("sample data: {}", NearMisses::describe(&plan, m)),
                });
            }
        }
        for r in crate::testing::run_tests(checked, id, &plan) {
            let title = if r.passed() {
                "✓ passes".to_string()
            } else {
                format!("✗ {}", r.failures.join("; "))
            };
            lenses.push(Lens {
                span: r.span,
                title,
            });
        }
    }
    lenses
}

/// Only the test lenses.
pub fn test_lenses(checked: &Checked<'_>, file: FileId, as_of: Date) -> Vec<Lens> {
    lenses(checked, file, as_of, |_| None)
}

/// How sample accounts fell: per tier of the plan (in its order), removed
/// by a gate, and rows that could not be read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TierCounts {
    pub tiers: Vec<u64>,
    pub removed: u64,
    pub bad: u64,
}

/// "sample data: A 7 · B 3 · C 7 · removed 9" (and "· 2 bad rows").
pub fn sample_title(plan: &Plan, counts: &TierCounts) -> String {
    let mut parts: Vec<String> = plan
        .tiers
        .iter()
        .enumerate()
        .map(|(i, t)| format!("{} {}", t.name, counts.tiers.get(i).copied().unwrap_or(0)))
        .collect();
    parts.push(format!("removed {}", counts.removed));
    if counts.bad > 0 {
        parts.push(format!("{} bad rows", counts.bad));
    }
    format!("sample data: {}", parts.join(" · "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::check;
    use crate::ide::navigate::tests::{MAIN, SHARED};
    use crate::ide::testutil::{options, project};

    #[test]
    fn tests_show_whether_they_pass_and_samples_come_first() {
        let project = project(MAIN, SHARED);
        let checked = check(&project, &options());
        let as_of = options().as_of;
        let shown: Vec<String> = lenses(&checked, FileId(0), as_of, |plan| {
            let counts = TierCounts {
                tiers: vec![3, 4],
                removed: 2,
                bad: 1,
            };
            Some(Sample {
                title: sample_title(plan, &counts),
                ..Sample::default()
            })
        })
        .into_iter()
        .map(|l| l.title)
        .collect();
        assert_eq!(shown.len(), 2, "{shown:?}");
        assert_eq!(shown[0], "sample data: T 3 · U 4 · removed 2 · 1 bad rows");
        assert!(
            shown[1] == "✓ passes" || shown[1].starts_with("✗ "),
            "{shown:?}"
        );
        let tests = test_lenses(&checked, FileId(0), as_of);
        assert_eq!(tests.len(), 1);
        assert_eq!(
            MAIN.get(tests[0].span.range()).map(|t| &t[..4]),
            Some("test")
        );
    }
}
