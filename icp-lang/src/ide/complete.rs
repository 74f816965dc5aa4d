//! Completion: what may be typed at the cursor, worked out from the tokens
//! before it, so it works on half-typed text that does not parse.

use crate::ast::{Item, RuleKind};
use crate::check::icp::Effective;
use crate::check::{Checked, DeclKind, Ty};
use crate::lexer::{lex, Token, TokenKind};
use crate::span::FileId;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompletionKind {
    Keyword,
    Snippet,
    Field,
    Value,
    Rule,
    Tier,
    Job,
    Type,
    Segment,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Completion {
    pub label: String,
    pub kind: CompletionKind,
    /// The type, or what a keyword does.
    pub detail: Option<String>,
    /// Snippet text (`$1` placeholders) for snippet completions.
    pub snippet: Option<String>,
}

fn item(label: &str, kind: CompletionKind, detail: Option<String>) -> Completion {
    Completion {
        label: label.to_string(),
        kind,
        detail,
        snippet: None,
    }
}

const ITEM_SNIPPETS: &[(&str, &str)] = &[
    ("icp", "icp ${1:name} \"${2:Title}\" for ${3:Account} {\n  owner \"${4:team@example.com}\"\n  reviewed ${5:2026-01-01} every 90d\n\n  $0\n\n  tier A: score >= 60\n  tier B: score >= 30\n  tier C: otherwise\n}"),
    ("schema", "schema ${1:Account} {\n  id: text key\n  $0\n}"),
    ("enum", "enum ${1:Name} { ${2:a}, ${3:b} }"),
    ("segment", "segment ${1:name} = $0"),
    ("import", "import \"${1:../shared/accounts.icp}\""),
    ("persona", "persona ${1:name} {\n  role ${2:decision_maker}\n  title matches any [\"$3\"]\n  seniority >= ${4:director}\n}"),
    ("job", "job ${1:name} {\n  job \"$2\"\n  today \"$3\"\n  pain \"$4\"\n  dream \"$5\"\n  trigger \"$6\"\n}"),
];

const MEMBER_SNIPPETS: &[(&str, &str)] = &[
    ("filter", "filter ${1:name}: $0"),
    ("exclude", "exclude ${1:name}: $2 because \"$3\""),
    ("signal", "signal ${1:name}: $2 weight ${3:10}"),
    (
        "signal (bands)",
        "signal ${1:name}: points by ${2:field} {\n  ${3:1..=50} => ${4:5}\n}",
    ),
    ("group", "group ${1:fit} cap ${2:50} {\n  $0\n}"),
    (
        "tier ladder",
        "tier A: score >= ${1:60}\ntier B: score >= ${2:30}\ntier C: otherwise",
    ),
    (
        "persona",
        "persona ${1:name} {\n  role ${2:decision_maker}\n  title matches any [\"$3\"]\n}",
    ),
    ("job", "job ${1:name} {\n  job \"$2\"\n  pain \"$3\"\n}"),
    (
        "test",
        "test \"${1:name}\" {\n  given { $2 }\n  expect tier ${3:A}\n}",
    ),
    ("owner", "owner \"${1:team@example.com}\""),
    ("reviewed", "reviewed ${1:2026-01-01} every ${2:90d}"),
];

/// Completions at `offset` in `file`.
/// Inside the path of an `import` (closed or still being typed): the path
/// typed before the cursor and the offset where the path text starts. The
/// caller lists the files, since only it can read folders.
pub fn import_path_at(src: &str, offset: u32) -> Option<(String, u32)> {
    let tokens = lex(src);
    let i = tokens.iter().position(|t| {
        matches!(t.kind, TokenKind::String | TokenKind::UnterminatedString)
            && t.start < offset
            && (offset < t.end || (offset == t.end && t.kind == TokenKind::UnterminatedString))
    })?;
    let string = tokens.get(i)?;
    let prev = tokens
        .get(..i)?
        .iter()
        .rev()
        .find(|t| !t.kind.is_trivia())?;
    if prev.text(src) != "import" {
        return None;
    }
    let typed = src.get(string.start as usize + 1..offset as usize)?;
    Some((typed.to_string(), string.start + 1))
}

pub fn complete(checked: &Checked<'_>, file: FileId, offset: u32) -> Vec<Completion> {
    let Some(src) = checked.project.sources.get(file) else {
        return Vec::new();
    };
    let tokens: Vec<Token> = lex(&src.text)
        .into_iter()
        .filter(|t| !t.kind.is_trivia() && t.end <= offset)
        .collect();
    // The word being typed is not context.
    let typing = tokens
        .last()
        .is_some_and(|t| t.end == offset && t.kind == TokenKind::Ident);
    let before: Vec<&str> = tokens
        .iter()
        .rev()
        .skip(usize::from(typing))
        .take(3)
        .map(|t| t.text(&src.text))
        .collect();
    let prev = before.first().copied().unwrap_or("");
    let prev2 = before.get(1).copied().unwrap_or("");
    let eff = checked.effective.values().find(|e| {
        e.file == file && e.decl.span.start <= offset && offset <= e.decl.span.end.max(offset)
    });
    let inside_icp = checked.decls.iter().any(|d| {
        d.kind == DeclKind::Icp
            && d.file == file
            && d.item.span().start < offset
            && offset < d.item.span().end
    });

    // After `expect ...` and `for job`: names of this ICP.
    if let Some(eff) = eff {
        let rules = |kinds: &[RuleKind]| -> Vec<Completion> {
            eff.rules
                .iter()
                .filter(|(r, _)| kinds.contains(&r.kind))
                .map(|(r, _)| {
                    item(
                        &r.name.name,
                        CompletionKind::Rule,
                        Some(r.kind.keyword().to_string()),
                    )
                })
                .collect()
        };
        match (prev2, prev) {
            ("expect", "tier") => {
                return eff
                    .tiers
                    .iter()
                    .map(|t| item(&t.name.name, CompletionKind::Tier, None))
                    .collect()
            }
            ("excluded", "by") => return rules(&[RuleKind::Filter, RuleKind::Exclude]),
            ("expect", "signal") => return rules(&[RuleKind::Signal]),
            ("for", "job") => {
                return eff
                    .jobs
                    .iter()
                    .map(|(j, _)| item(&j.name.name, CompletionKind::Job, None))
                    .collect()
            }
            _ => {}
        }
        if prev == "expect" {
            let mut out: Vec<Completion> = [
                "tier",
                "no tier",
                "passes",
                "excluded by",
                "signal",
                "score",
            ]
            .iter()
            .map(|k| item(k, CompletionKind::Keyword, None))
            .collect();
            out.extend(eff.groups.iter().map(|g| {
                item(
                    &g.name.name,
                    CompletionKind::Rule,
                    Some("group score".into()),
                )
            }));
            return out;
        }
        // A value for an enum field: after `field ==`, `field !=`, `field in [`.
        if let Some(field) = compared_field(&tokens, typing, &src.text) {
            if let Some(f) = eff.schema.field(field) {
                let elem = match &f.ty {
                    Ty::Set(inner) => (**inner).clone(),
                    other => other.clone(),
                };
                if let Ty::Enum(id) = elem {
                    let enum_name = checked.decl(id).map(|d| d.name.name.clone());
                    let labels = checked.labels(id);
                    return checked
                        .variants(id)
                        .iter()
                        .enumerate()
                        .map(|(i, v)| {
                            let ls = labels.get(i).copied().unwrap_or_default();
                            let detail = if ls.is_empty() {
                                enum_name.clone()
                            } else {
                                let shown: Vec<String> =
                                    ls.iter().map(|l| format!("{:?}", l.value)).collect();
                                Some(format!(
                                    "{} ({})",
                                    enum_name.clone().unwrap_or_default(),
                                    shown.join(", ")
                                ))
                            };
                            item(&v.name, CompletionKind::Value, detail)
                        })
                        .collect();
                }
                return Vec::new();
            }
        }
        let in_condition = matches!(prev, ":" | "and" | "or" | "not" | "(" | "=")
            || (prev2 == "points" && prev == "by");
        if in_condition {
            return fields_and_segments(checked, eff, file);
        }
    }
    if prev == "for" && prev2 != "job" {
        return checked
            .decls
            .iter()
            .filter(|d| d.kind == DeclKind::Schema)
            .map(|d| item(&d.name.name, CompletionKind::Type, Some("schema".into())))
            .collect();
    }
    // At the start of a line: keywords of the place the cursor is in.
    let line_start = tokens
        .last()
        .map(|t| {
            src.text
                .get(t.end as usize..offset as usize)
                .is_some_and(|gap| gap.contains(['\n', '\r']))
                || typing && first_on_line(&src.text, t)
        })
        .unwrap_or(true);
    if line_start {
        // Inside a block with its own vocabulary: only that.
        let words: &[&str] = match enclosing_block(&tokens, typing, &src.text) {
            Some("test") => &["given", "expect"],
            Some("persona") => crate::check::icp::PERSONA_PROPS,
            Some("job") => crate::check::icp::JOB_PROPS,
            Some("schema" | "enum" | "given" | "signal" | "override") => return Vec::new(),
            _ => &[],
        };
        if !words.is_empty() {
            return words
                .iter()
                .map(|w| item(w, CompletionKind::Keyword, None))
                .collect();
        }
        let snippets = if inside_icp {
            MEMBER_SNIPPETS
        } else {
            ITEM_SNIPPETS
        };
        return snippets
            .iter()
            .map(|(label, body)| Completion {
                label: label.to_string(),
                kind: CompletionKind::Snippet,
                detail: super::hover::keyword_help(label.split(' ').next().unwrap_or(label))
                    .map(str::to_string),
                snippet: Some(body.to_string()),
            })
            .collect();
    }
    Vec::new()
}

/// The first word of the line that opens the innermost `{` still open at
/// the cursor (`test`, `persona`, `icp`, ...), from the tokens alone.
fn enclosing_block<'t>(tokens: &[Token], typing: bool, text: &'t str) -> Option<&'t str> {
    let upto = tokens.len() - usize::from(typing && !tokens.is_empty());
    let mut open: Vec<&Token> = Vec::new();
    for t in tokens.get(..upto)? {
        match t.kind {
            TokenKind::LBrace => open.push(t),
            TokenKind::RBrace => {
                open.pop();
            }
            _ => {}
        }
    }
    let brace = open.last()?;
    let line_start = text
        .get(..brace.start as usize)?
        .rfind(['\n', '\r'])
        .map(|i| i + 1)
        .unwrap_or(0);
    text.get(line_start..brace.start as usize)?
        .split_whitespace()
        .next()
}

fn first_on_line(text: &str, t: &Token) -> bool {
    let before = text.get(..t.start as usize).unwrap_or("");
    before
        .rsplit(['\n', '\r'])
        .next()
        .is_some_and(|l| l.trim().is_empty())
}

/// The field a value is being written for: `field == |`, `field in [a, |`.
fn compared_field<'t>(tokens: &[Token], typing: bool, text: &'t str) -> Option<&'t str> {
    let mut i = tokens.len().checked_sub(1 + usize::from(typing))?;
    // Walk back over a list being written.
    while let Some(t) = tokens.get(i) {
        match t.kind {
            TokenKind::Comma | TokenKind::Ident | TokenKind::String => i = i.checked_sub(1)?,
            TokenKind::LBracket => {
                i = i.checked_sub(1)?;
                break;
            }
            _ => break,
        }
    }
    let op = tokens.get(i)?;
    let word = if op.kind == TokenKind::Ident {
        op.text(text)
    } else {
        ""
    };
    let is_op = matches!(op.kind, TokenKind::EqEq | TokenKind::Ne)
        || matches!(word, "in" | "has" | "any" | "all" | "none");
    if !is_op {
        return None;
    }
    let mut j = i.checked_sub(1)?;
    // `not in`, and `has any` / `has all` / `has none`.
    if tokens
        .get(j)
        .is_some_and(|t| matches!(t.text(text), "not" | "has"))
        && word != "has"
    {
        j = j.checked_sub(1)?;
    }
    let f = tokens.get(j)?;
    (f.kind == TokenKind::Ident).then(|| f.text(text))
}

fn fields_and_segments(
    checked: &Checked<'_>,
    eff: &Effective<'_>,
    file: FileId,
) -> Vec<Completion> {
    let mut out: Vec<Completion> = eff
        .schema
        .fields
        .iter()
        .map(|f| {
            let ty = checked.text(f.decl.ty.span());
            let detail = format!("{ty}{}", if f.decl.optional { "?" } else { "" });
            item(f.name(), CompletionKind::Field, Some(detail))
        })
        .collect();
    if let Some(scope) = checked.scopes.get(&file) {
        for (name, id) in scope {
            if let Some(d) = checked.decl(*id) {
                if let Item::Segment(s) = d.item {
                    out.push(item(
                        name,
                        CompletionKind::Segment,
                        Some(checked.text(s.expr.span())),
                    ));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_path_of_an_import_is_found_while_typed() {
        use super::import_path_at;
        let src = "import \"../shared/acc\"\nimport \"sub/x";
        let at = |s: &str| src.find(s).map(|o| (o + s.len()) as u32).unwrap_or(0);
        assert_eq!(
            import_path_at(src, at("../shared/a")),
            Some(("../shared/a".into(), 8))
        );
        assert_eq!(
            import_path_at(src, at("import \"")),
            Some((String::new(), 8))
        );
        assert_eq!(
            import_path_at(src, at("sub/x")).map(|p| p.0),
            Some("sub/x".into())
        );
        // Before the quote, after the closing one, and in other strings: no.
        assert_eq!(import_path_at(src, 7), None);
        assert_eq!(import_path_at(src, at("acc\"")), None);
        assert_eq!(import_path_at("owner \"a@b", 9), None);
    }

    use super::*;
    use crate::check::check;
    use crate::ide::testutil::{options, project};

    const SHARED: &str = "enum Industry { saas, retail }\nschema A {\n  id: text key\n  industry: Industry\n  tags: set<Industry>\n  employees: int?\n}\nsegment mid = employees in 10..=100\n";

    fn labels(main_with_cursor: &str) -> Vec<String> {
        let offset = main_with_cursor.find("$0").map(|o| o as u32).unwrap_or(0);
        let project = project(&main_with_cursor.replace("$0", ""), SHARED);
        let checked = check(&project, &options());
        complete(&checked, FileId(0), offset)
            .into_iter()
            .map(|c| c.label)
            .collect()
    }

    const HEAD: &str = "import \"shared.icp\"\nicp i for A {\n  signal s: industry == saas weight 5\n  job j { job \"x\" }\n  tier T: otherwise\n";

    #[test]
    fn a_variant_completion_shows_its_labels() {
        let shared = "enum Industry { healthcare \"Hospital & Health Care\", retail }\nschema A {\n  id: text key\n  industry: Industry\n}\n";
        let main = "import \"shared.icp\"\nicp i for A {\n  filter f: industry == \n  tier T: otherwise\n}\n";
        let project = project(main, shared);
        let checked = check(&project, &options());
        let offset = main.find("== ").map(|o| o as u32 + 3).unwrap_or(0);
        let details: Vec<(String, Option<String>)> = complete(&checked, FileId(0), offset)
            .into_iter()
            .map(|c| (c.label, c.detail))
            .collect();
        assert_eq!(
            details,
            [
                (
                    "healthcare".to_string(),
                    Some("Industry (\"Hospital & Health Care\")".to_string())
                ),
                ("retail".to_string(), Some("Industry".to_string())),
            ]
        );
    }

    #[test]
    fn completes_in_context_even_when_half_typed() {
        let labels_at = |tail: &str| labels(&format!("{HEAD}{tail}\n}}\n"));
        assert_eq!(labels_at("  filter f: industry == $0"), ["saas", "retail"]);
        assert_eq!(
            labels_at("  filter f: industry in [saas, $0"),
            ["saas", "retail"]
        );
        assert_eq!(
            labels_at("  filter f: tags has any [ret$0"),
            ["saas", "retail"]
        );
        assert_eq!(
            labels_at("  filter f: industry not in [$0"),
            ["saas", "retail"]
        );
        assert_eq!(
            labels_at("  filter f: emp$0"),
            ["id", "industry", "tags", "employees", "mid"]
        );
        assert_eq!(labels_at("  test \"t\" { given { } expect tier $0"), ["T"]);
        // At the start of a line inside a block: that block's words only.
        assert_eq!(labels_at("  test \"t\" {\n    ex$0"), ["given", "expect"]);
        assert_eq!(
            labels_at("  test \"t\" {\n    given { }\n    $0"),
            ["given", "expect"]
        );
        assert_eq!(
            labels_at("  persona p {\n    $0"),
            crate::check::icp::PERSONA_PROPS
        );
        assert_eq!(
            labels_at("  job j {\n    to$0"),
            crate::check::icp::JOB_PROPS
        );
        assert_eq!(
            labels_at("  test \"t\" { given { } expect signal $0"),
            ["s"]
        );
        assert_eq!(
            labels_at("  signal u: employees > 3 weight 1 for job $0"),
            ["j"]
        );
        let members = labels_at("  $0");
        assert!(
            members.contains(&"filter".to_string()) && members.contains(&"tier ladder".to_string()),
            "{members:?}"
        );
        let items = labels("import \"shared.icp\"\n$0");
        assert!(
            items.contains(&"icp".to_string()) && items.contains(&"schema".to_string()),
            "{items:?}"
        );
        assert_eq!(labels("import \"shared.icp\"\nicp x for $0"), ["A"]);
    }
}
