//! Commands that run ICPs: `test` and `compile` (and, with data, `score`
//! and `explain` in `score.rs`). Each refuses to run a project with errors.

use icp_lang::ast::Date;
use icp_lang::check::{Checked, DeclId};
use icp_lang::plan::{lower_icp, Plan};
use icp_lang::span::FileId;
use icp_lang::testing::{run_tests, TestResult};
use icp_lang::tree::display_name;
use icp_lang::workspace::Workspace;
use std::collections::BTreeSet;
use std::io::Write;
use std::path::PathBuf;

/// The runnable ICPs of the files the user named, in file and source order,
/// each lowered with its file's as-of date.
pub fn plans(
    session: &Workspace,
    checked: &Checked<'_>,
    only: Option<&str>,
) -> Vec<(DeclId, Plan)> {
    runnable_plans(session, checked, only, &BTreeSet::new())
}

/// [`plans`] of every file asked for but the `broken` ones.
pub fn runnable_plans(
    session: &Workspace,
    checked: &Checked<'_>,
    only: Option<&str>,
    broken: &BTreeSet<FileId>,
) -> Vec<(DeclId, Plan)> {
    let mut out = Vec::new();
    for f in session
        .project
        .parsed()
        .filter(|f| f.is_root && !broken.contains(&f.id))
    {
        for id in checked.icps_in(f.id) {
            let Some(name) = checked.decl(id).map(|d| d.name.name.as_str()) else {
                continue;
            };
            if only.is_some_and(|o| o != name) {
                continue;
            }
            if let Some(plan) = lower_icp(checked, id, session.as_of(f.id)) {
                out.push((id, plan));
            }
        }
    }
    out
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum TestFormat {
    Human,
    Junit,
    /// The human report with a GitHub Actions annotation on each failing
    /// test and on each file that does not compile.
    Github,
}

/// Runs the tests of the ICPs in `paths`; with `project_context`, of every
/// ICP in their projects (a staged shared file's importers are tested too).
pub fn test(
    paths: &[PathBuf],
    as_of: Option<Date>,
    format: TestFormat,
    project_context: bool,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> i32 {
    let opened = if project_context {
        super::open_in_context(paths, as_of, err).map(|(s, _)| s)
    } else {
        super::open(paths, as_of, err)
    };
    let session = match opened {
        Ok(s) => s,
        Err(code) => return code,
    };
    let checked = session.check();
    // A product that does not compile is reported, and every other one is
    // still tested: one broken product hides nothing else.
    let diags = session.diagnostics(&checked.diagnostics, false);
    let broken = session.broken_roots(&diags);
    if !broken.is_empty() {
        super::print_errors(&session, &diags, err);
    }
    let broken_files: Vec<(String, String)> = broken
        .iter()
        .map(|id| {
            let name = session
                .project
                .sources
                .get(*id)
                .map(|s| s.name.clone())
                .unwrap_or_default();
            (name, session.product(*id).name)
        })
        .collect();
    for (file, product) in &broken_files {
        let _ = writeln!(
            err,
            "error: `{file}` ({product}) does not compile: its tests were not run (`icp check` lists the problems)"
        );
    }
    let mut results: Vec<(String, TestResult, Plan, Vec<icp_lang::eval::Value>)> = Vec::new();
    for (id, plan) in runnable_plans(&session, &checked, None, &broken) {
        let file = checked
            .decl(id)
            .and_then(|d| session.project.sources.get(d.file))
            .map(|s| s.name.clone())
            .unwrap_or_default();
        for r in run_tests(&checked, id, &plan) {
            let row = checked
                .effective
                .get(&id)
                .and_then(|e| {
                    e.decl.members.iter().find_map(|m| match m {
                        icp_lang::ast::Member::Test(t) if t.span == r.span => {
                            Some(icp_lang::testing::given_row(&plan, &t.given))
                        }
                        _ => None,
                    })
                })
                .unwrap_or_default();
            let ran_on = r.plan.clone().unwrap_or_else(|| plan.clone());
            results.push((file.clone(), r, ran_on, row));
        }
    }
    let failed = results.iter().filter(|(_, r, _, _)| !r.passed()).count();
    let text = match format {
        TestFormat::Human => human(&session, &results),
        TestFormat::Github => {
            let mut s = String::new();
            for (file, product) in &broken_files {
                s.push_str(&icp_lang::render::github_error(
                    file,
                    1,
                    &format!("{product}: icp test"),
                    &format!("`{file}` does not compile, so its tests were not run"),
                ));
            }
            for (file, r, _, _) in results.iter().filter(|(_, r, _, _)| !r.passed()) {
                let line = session
                    .project
                    .sources
                    .get(r.span.file)
                    .map(|f| {
                        icp_lang::span::one_based_char_position(&f.text, &f.lines, r.span.start).0
                    })
                    .unwrap_or(1);
                s.push_str(&icp_lang::render::github_error(
                    file,
                    line,
                    "icp test",
                    &format!("{} {:?} failed: {}", r.icp, r.name, r.failures.join("; ")),
                ));
            }
            s + &human(&session, &results)
        }
        TestFormat::Junit => junit(&results, &broken_files),
    };
    if out.write_all(text.as_bytes()).is_err() {
        return 2;
    }
    i32::from(failed > 0 || !broken_files.is_empty())
}

fn human(
    session: &Workspace,
    results: &[(String, TestResult, Plan, Vec<icp_lang::eval::Value>)],
) -> String {
    let mut s = String::new();
    for (file, r, plan, row) in results {
        let (line, _) = session
            .project
            .sources
            .get(r.span.file)
            .map(|f| icp_lang::span::one_based_char_position(&f.text, &f.lines, r.span.start))
            .unwrap_or((1, 1));
        let verdict = if r.passed() { "ok" } else { "FAILED" };
        s.push_str(&format!(
            "test {file}:{line} {} {:?} ... {verdict}\n",
            r.icp, r.name
        ));
        if !r.passed() {
            for f in &r.failures {
                s.push_str(&format!("    {f}\n"));
            }
            let tree = icp_lang::explain::text(plan, row, &r.outcome, "what happened:");
            for l in tree.lines() {
                s.push_str(&format!("    {l}\n"));
            }
        }
    }
    let failed = results.iter().filter(|(_, r, _, _)| !r.passed()).count();
    // Over a monorepo, each product's count (a test belongs to its ICP's file).
    let mut by_product: std::collections::BTreeMap<String, (String, usize, usize)> =
        std::collections::BTreeMap::new();
    for (_, r, _, _) in results {
        let p = session.product(r.span.file);
        let folder = display_name(&session.cwd, &p.dir);
        let e = by_product.entry(folder).or_insert((p.name, 0, 0));
        if r.passed() {
            e.1 += 1;
        } else {
            e.2 += 1;
        }
    }
    if by_product.len() > 1 {
        s.push_str("\nby product:\n");
        for (folder, (name, ok, bad)) in &by_product {
            s.push_str(&format!("  {name} ({folder}): {ok} passed, {bad} failed\n"));
        }
    }
    s.push_str(&format!(
        "\ntest: {} passed, {failed} failed\n",
        results.len() - failed
    ));
    s
}

/// JUnit XML; a file that does not compile is a suite with one error case,
/// so CI's test report shows it beside the products that ran.
fn junit(
    results: &[(String, TestResult, Plan, Vec<icp_lang::eval::Value>)],
    broken: &[(String, String)],
) -> String {
    let failed = results.iter().filter(|(_, r, _, _)| !r.passed()).count();
    let mut s = format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"icp\" tests=\"{}\" failures=\"{failed}\" errors=\"{}\">\n", results.len() + broken.len(), broken.len());
    for (file, product) in broken {
        s.push_str(&format!(
            "  <testsuite name=\"{}\" tests=\"1\" failures=\"0\" errors=\"1\">\n    <testcase classname=\"{}\" name=\"compiles\">\n      <error message=\"{}\"/>\n    </testcase>\n  </testsuite>\n",
            xml(file),
            xml(file),
            xml(&format!("`{file}` ({product}) does not compile; `icp check` lists the problems"))
        ));
    }
    // One suite per ICP: results arrive grouped by file and ICP.
    for suite in results.chunk_by(|a, b| a.0 == b.0 && a.1.icp == b.1.icp) {
        let Some((file, first, _, _)) = suite.first() else {
            continue;
        };
        let suite_failed = suite.iter().filter(|(_, r, _, _)| !r.passed()).count();
        s.push_str(&format!(
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{suite_failed}\">\n",
            xml(&format!("{file}::{}", first.icp)),
            suite.len()
        ));
        for (file, r, plan, row) in suite {
            s.push_str(&format!(
                "    <testcase classname=\"{}\" name=\"{}\"",
                xml(&format!("{file}::{}", r.icp)),
                xml(&r.name)
            ));
            if r.passed() {
                s.push_str("/>\n");
            } else {
                let detail = icp_lang::explain::text(plan, row, &r.outcome, "what happened:");
                s.push_str(&format!(
                    ">\n      <failure message=\"{}\">{}</failure>\n    </testcase>\n",
                    xml(&r.failures.join("; ")),
                    xml(&detail)
                ));
            }
        }
        s.push_str("  </testsuite>\n");
    }
    s.push_str("</testsuites>\n");
    s
}

fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // XML 1.0 has no escape for most control characters: drop them.
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\t' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Emit {
    /// The evaluation plan as JSON.
    Plan,
    /// One SQL query scoring a table (needs --dialect and --from).
    Sql,
    /// The `CREATE TABLE` the query expects.
    Ddl,
    /// A dbt model and its schema.yml (needs --out-dir).
    Dbt,
}

pub fn compile(
    paths: &[PathBuf],
    as_of: Option<Date>,
    only: Option<&str>,
    emit: Emit,
    sql_args: &super::compile::SqlArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> i32 {
    let session = match super::open(paths, as_of, err) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let checked = session.check();
    if let Err(code) = super::refuse_errors(&session, &checked.diagnostics, err) {
        return code;
    }
    let plans: Vec<Plan> = plans(&session, &checked, only)
        .into_iter()
        .map(|(_, p)| p)
        .collect();
    if plans.is_empty() {
        let _ = writeln!(
            err,
            "error: {}",
            only.map(|o| format!("no ICP named `{o}`"))
                .unwrap_or_else(|| "no ICP in these files".to_string())
        );
        return 2;
    }
    let target = match emit {
        Emit::Plan => None,
        Emit::Sql => Some(super::compile::Target::Sql),
        Emit::Ddl => Some(super::compile::Target::Ddl),
        Emit::Dbt => Some(super::compile::Target::Dbt),
    };
    if let Some(t) = target {
        return super::compile::emit(t, sql_args, &plans, &session.project.sources, out, err);
    }
    let doc = serde_json::json!({ "plans": plans });
    let text = serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n";
    i32::from(out.write_all(text.as_bytes()).is_err()) * 2
}
