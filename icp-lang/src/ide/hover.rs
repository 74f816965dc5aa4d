//! Hover text (Markdown) for the thing under the cursor: a field's type and
//! CRM column, a signal's points and share of the maximum score, an enum's
//! values, a persona or job, or what a keyword does.

use super::navigate::definition;
use crate::ast::{Item, Member, RuleBody, RuleKind};
use crate::check::Checked;
use crate::lexer::{lex, TokenKind};
use crate::span::{FileId, Span};

pub fn hover(checked: &Checked<'_>, file: FileId, offset: u32) -> Option<String> {
    if let Some(def) = definition(checked, file, offset) {
        if let Some(text) = describe(checked, def) {
            return Some(text);
        }
    }
    let src = checked.project.sources.get(file)?;
    let token = lex(&src.text)
        .into_iter()
        .find(|t| t.start <= offset && offset <= t.end && t.kind == TokenKind::Ident)?;
    keyword_help(token.text(&src.text)).map(|h| format!("**{}**: {h}", token.text(&src.text)))
}

fn with_doc(mut text: String, doc: &Option<String>) -> String {
    if let Some(d) = doc {
        text.push_str("\n\n");
        text.push_str(d);
    }
    text
}

/// What the declaration at `def` is.
fn describe(checked: &Checked<'_>, def: Span) -> Option<String> {
    for d in &checked.decls {
        match d.item {
            Item::Enum(e) => {
                let values: Vec<String> =
                    e.variants.iter().map(|v| format!("`{}`", v.name)).collect();
                if e.name.span == def {
                    return Some(with_doc(
                        format!("enum **{}**: {}", e.name.name, values.join(", ")),
                        &e.doc,
                    ));
                }
                if let Some(i) = e.variants.iter().position(|v| v.span == def) {
                    let v = e.variants.get(i)?;
                    let mut text = format!(
                        "`{}`: a value of enum `{}` ({})",
                        v.name,
                        e.name.name,
                        values.join(", ")
                    );
                    let labels = e.labels.get(i).map(Vec::as_slice).unwrap_or_default();
                    if !labels.is_empty() {
                        let shown: Vec<String> =
                            labels.iter().map(|l| format!("{:?}", l.value)).collect();
                        text.push_str(&format!("\n\nalso read from {}", shown.join(", ")));
                    }
                    return Some(text);
                }
            }
            Item::Schema(s) => {
                if s.name.span == def {
                    return Some(with_doc(
                        format!("schema **{}**: {} fields", s.name.name, s.fields.len()),
                        &s.doc,
                    ));
                }
                if let Some(f) = s.fields.iter().find(|f| f.name.span == def) {
                    let ty = checked.text(f.ty.span());
                    let column = f
                        .from
                        .as_ref()
                        .map(|h| h.value.clone())
                        .unwrap_or_else(|| f.name.name.clone());
                    let optional = if f.optional { ", may be missing" } else { "" };
                    let key = match (f.key, f.display) {
                        (true, true) => " (the account id and name)",
                        (true, false) => " (the account id)",
                        (false, true) => " (the account's name in results)",
                        (false, false) => "",
                    };
                    return Some(with_doc(
                        format!(
                            "**{}**: `{ty}`{optional}{key}\n\nCRM column: `{column}`",
                            f.name.name
                        ),
                        &f.doc,
                    ));
                }
            }
            Item::Segment(s) if s.name.span == def => {
                return Some(with_doc(
                    format!(
                        "segment **{}**: `{}`",
                        s.name.name,
                        checked.text(s.expr.span())
                    ),
                    &s.doc,
                ));
            }
            Item::Persona(p) if p.name.span == def => return Some(persona(checked, p)),
            Item::Job(j) if j.name.span == def => return Some(job(j)),
            Item::Icp(i) if i.name.span == def => {
                let title = i
                    .title
                    .as_ref()
                    .map(|t| format!(" ({})", t.value))
                    .unwrap_or_default();
                return Some(with_doc(
                    format!("ICP **{}**{title} for `{}`", i.name.name, i.schema.name),
                    &i.doc,
                ));
            }
            _ => {}
        }
    }
    for eff in checked.effective.values() {
        let max = crate::analysis::score_ranges(eff, &Default::default())
            .get("score")
            .map(|r| r.1)
            .unwrap_or(0.0);
        for (rule, group) in &eff.rules {
            if rule.name.span != def {
                continue;
            }
            let kind = rule.kind.keyword();
            let mut text = match &rule.body {
                RuleBody::Condition { expr, .. } => format!(
                    "{kind} **{}**: `{}`",
                    rule.name.name,
                    checked.text(expr.span())
                ),
                RuleBody::Bands { field, .. } => {
                    format!("{kind} **{}**: points by `{}`", rule.name.name, field.name)
                }
            };
            if rule.kind == RuleKind::Signal {
                let points = match &rule.body {
                    RuleBody::Condition {
                        weight: Some(w), ..
                    } => crate::values::scalar(&w.value).unwrap_or(0.0),
                    RuleBody::Bands { bands, .. } => bands
                        .iter()
                        .filter_map(|b| crate::values::scalar(&b.points.value))
                        .fold(0.0, f64::max),
                    RuleBody::Condition { weight: None, .. } => 0.0,
                };
                let share = if max > 0.0 {
                    format!(
                        ", {:.0}% of the maximum score ({})",
                        100.0 * points.max(0.0) / max,
                        crate::testing::fmt_points(max)
                    )
                } else {
                    String::new()
                };
                text.push_str(&format!(
                    "\n\n{} points{share}",
                    crate::testing::fmt_points(points)
                ));
                if let Some(g) = group.and_then(|g| eff.groups.get(g)) {
                    text.push_str(&format!(", in group `{}`", g.name.name));
                }
            }
            if let Some(b) = &rule.because {
                text.push_str(&format!("\n\nbecause: {}", b.value));
            }
            return Some(with_doc(text, &rule.doc));
        }
        for m in &eff.decl.members {
            match m {
                Member::Tier(t) if t.name.span == def => {
                    let cond = t
                        .condition
                        .as_ref()
                        .map(|c| checked.text(c.span()))
                        .unwrap_or_else(|| "otherwise".into());
                    return Some(with_doc(
                        format!("tier **{}**: `{cond}`", t.name.name),
                        &t.doc,
                    ));
                }
                Member::Persona(p) if p.name.span == def && p.props.is_some() => {
                    return Some(persona(checked, p))
                }
                Member::Job(j) if j.name.span == def && j.props.is_some() => return Some(job(j)),
                _ => {}
            }
        }
    }
    None
}

fn persona(checked: &Checked<'_>, p: &crate::ast::PersonaDecl) -> String {
    let mut text = format!("persona **{}**", p.name.name);
    for prop in p.props.iter().flatten() {
        text.push_str(&format!(
            "\n- {}: `{}`",
            prop.name.name,
            checked
                .text(Span {
                    start: prop.name.span.end,
                    ..prop.span
                })
                .trim()
        ));
    }
    with_doc(text, &p.doc)
}

fn job(j: &crate::ast::JobDecl) -> String {
    let mut text = format!("job **{}**", j.name.name);
    for prop in j.props.iter().flatten() {
        text.push_str(&format!("\n- {}: {}", prop.name.name, prop.value.value));
    }
    with_doc(text, &j.doc)
}

/// One line of help per keyword.
pub fn keyword_help(word: &str) -> Option<&'static str> {
    Some(match word {
        "filter" => "keeps only accounts for which the condition is true; unknown (missing data) removes the account",
        "exclude" => "removes accounts for which the condition is true; unknown does not remove",
        "signal" => "adds points when its condition is true; unknown does not fire and is listed as a data gap",
        "weight" => "the points a signal adds (negative subtracts)",
        "tier" => "tiers are tried in order; the first whose condition holds is the account's tier",
        "otherwise" => "the tier for every account no earlier tier took",
        "group" => "signals scored together, with an optional `cap` on the group's points",
        "cap" => "the most points a group can give",
        "points" | "by" => "`points by field { band => points }`: the first band containing the value gives the points",
        "decay" | "half_life" => "the points halve for every half-life the date lies before the as-of date",
        "because" => "the reason for a rule, shown in explanations and hovers",
        "within" => "`date within 30d`: the date lies in the 30 days up to the as-of date",
        "has" => "`set has x`, `has any [...]`, `has all [...]`, `has none [...]`",
        "matches" => "text matches a pattern: `*` any text, `?` one character, case ignored",
        "is" | "missing" | "known" => "`field is missing` / `field is known` test whether the CRM cell is empty",
        "in" => "`x in [a, b]` one of the values; `x in 10..=20` in the range",
        "extends" => "starts from another ICP's rules; change them with `override` and `drop`",
        "override" => "replaces the base ICP's rule of the same name",
        "drop" => "removes a rule of the base ICP",
        "import" => "brings another file's declarations into scope; the path is relative to this file",
        "segment" => "a named condition that rules can use by name",
        "persona" => "a person at the account: role, title, seniority, department",
        "job" => "a job to be done; signals say `for job name` to be evidence for it",
        "test" => "an example account and what must happen to it; `icp test` runs it",
        "owner" => "who is accountable for the ICP",
        "key" => "the field that identifies an account (its CRM id); one per schema",
        "display" => "the field results show as the account's name (`icp score`'s `name` column, `icp explain`, the report); at most one per schema",
        "blank" => "`blank = value`: what an empty cell means (else it is missing data)",
        "fraction" => "percent cells written as fractions: `0.24` is 24%",
        "reviewed" => "when the ICP was last reviewed, and how often it must be (`every 90d`)",
        "and" | "or" | "not" => "combine conditions; missing data follows three-valued logic",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::check;
    use crate::ide::navigate::tests::{at, SHARED};
    use crate::ide::testutil::{options, project};

    fn hover_at(main_with_cursor: &str) -> String {
        let offset = main_with_cursor.find("$0").map(|o| o as u32).unwrap_or(0);
        let project = project(&main_with_cursor.replace("$0", ""), SHARED);
        let checked = check(&project, &options());
        hover(&checked, FileId(0), offset).unwrap_or_default()
    }

    #[test]
    fn a_hover_on_a_variant_lists_its_labels() {
        let shared = "enum Industry { healthcare \"Hospital & Health Care\" \"Health Care\", retail }\nschema A {\n  id: text key\n  industry: Industry\n}\n";
        let main = "import \"shared.icp\"\nicp i for A {\n  owner \"o@example.com\"\n  signal s: industry == healthcare weight 5\n  tier T: otherwise\n}\n";
        let project = project(main, shared);
        let checked = check(&project, &options());
        let offset = main.find("== health").map(|o| o as u32 + 5).unwrap_or(0);
        assert_eq!(
            hover(&checked, FileId(0), offset).unwrap_or_default(),
            "`healthcare`: a value of enum `Industry` (`healthcare`, `retail`)\n\nalso read from \"Hospital & Health Care\", \"Health Care\""
        );
        let retail = main.find("tier").map(|o| o as u32).unwrap_or(0);
        assert!(!hover(&checked, FileId(0), retail)
            .unwrap_or_default()
            .contains("also read"));
    }

    #[test]
    fn hovers_say_what_a_name_is() {
        assert_eq!(
            hover_at(&at("signal s: emp")),
            "**employees**: `int`\n\nCRM column: `Employee Count`\n\nHead count."
        );
        assert_eq!(
            hover_at(&at("== sa")),
            "`saas`: a value of enum `Industry` (`saas`, `retail`)"
        );
        assert_eq!(
            hover_at(&at("expect signal s")),
            "signal **s**: `employees > 50`\n\n5 points, 25% of the maximum score (20)\n\nbecause: big"
        );
        assert_eq!(
            hover_at(&at("filter f: mi")),
            "segment **mid**: `employees in 10..=100`"
        );
        assert_eq!(hover_at(&at("expect tier T")), "tier **T**: `score >= 5`");
        assert!(
            hover_at(&at("  filte")).starts_with("**filter**: keeps only accounts"),
            "{}",
            hover_at(&at("  filte"))
        );
        assert_eq!(hover_at(&at("owner \"o@")), "");
        // On a declaration itself.
        assert_eq!(
            hover_at(&at("  signal r")),
            "signal **r**: `industry == retail`\n\n15 points, 75% of the maximum score (20)"
        );
        assert!(hover_at(&at("tier U")).starts_with("tier **U**: `otherwise`"));
    }
}
