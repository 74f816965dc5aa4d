//! Go to definition and find references, from the checker's table of
//! resolved names; and the same over every file of a project, for
//! references and rename asked where a name is declared.

use crate::check::{Checked, Options};
use crate::project::Project;
use crate::source::normalize;
use crate::span::{FileId, Span};
use crate::tree::Tree;
use std::path::{Path, PathBuf};

/// The definition of the name at `offset` in `file`, if it names one. A
/// definition is its own definition, so the cursor on a declaration works too.
pub fn definition(checked: &Checked<'_>, file: FileId, offset: u32) -> Option<Span> {
    let hit = |s: &Span| s.file == file && s.start <= offset && offset <= s.end;
    // An import's path leads to the top of the file it names.
    if let Some((_, target)) = import_at(checked, file, offset) {
        return target.map(|t| Span::new(t, 0, 0));
    }
    checked
        .refs
        .iter()
        .find(|(used, _)| hit(used))
        .map(|(_, def)| *def)
        .or_else(|| checked.refs.iter().map(|(_, def)| *def).find(hit))
}

/// Every place that names the same thing as the name at `offset`, the
/// definition first, then uses in file and source order.
pub fn references(checked: &Checked<'_>, file: FileId, offset: u32) -> Vec<Span> {
    // On an import's path: every import of that file in the project.
    if let Some((_, Some(target))) = import_at(checked, file, offset) {
        let mut uses: Vec<Span> = checked
            .project
            .parsed()
            .flat_map(|f| f.imports.iter())
            .filter(|(_, t)| *t == Some(target))
            .map(|(s, _)| *s)
            .collect();
        uses.sort();
        return uses;
    }
    let Some(def) = definition(checked, file, offset) else {
        return Vec::new();
    };
    let mut uses: Vec<Span> = checked
        .refs
        .iter()
        .filter(|(_, d)| *d == def)
        .map(|(u, _)| *u)
        .collect();
    uses.sort();
    uses.dedup();
    std::iter::once(def)
        .chain(uses.into_iter().filter(|u| *u != def))
        .collect()
}

/// What renaming the name at `offset` changes: its references, but never
/// an import's path (that is renaming a file, which the editor does).
pub fn rename_targets(checked: &Checked<'_>, file: FileId, offset: u32) -> Vec<Span> {
    if import_at(checked, file, offset).is_some() {
        return Vec::new();
    }
    references(checked, file, offset)
}

/// The import whose path is at `offset`, and the file it resolved to.
fn import_at(checked: &Checked<'_>, file: FileId, offset: u32) -> Option<(Span, Option<FileId>)> {
    checked
        .project
        .file(file)?
        .imports
        .iter()
        .find(|(s, _)| s.file == file && s.start <= offset && offset <= s.end)
        .copied()
}

/// A project-wide search gives up on more `.icp` files than this...
pub const MAX_PROJECT_FILES: usize = 2_000;
/// ...or more source bytes than this, rather than hang the editor.
pub const MAX_PROJECT_BYTES: usize = 64 * 1024 * 1024;

/// What a project-wide search is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Search {
    References,
    Rename,
}

/// The answer of a project-wide search: every file of the project, loaded
/// (file 0 is the document asked from), and the spans found in them.
pub struct Found {
    pub project: Project,
    pub spans: Vec<Span>,
}

/// References (or rename targets) of the name at `offset` in `doc`, over
/// every `.icp` file of `doc`'s project (the folder of the outermost
/// `icp.toml` above it; hidden folders, `target` and `node_modules`
/// skipped, as `icp check <folder>` does): so a name asked where it is
/// declared finds the files that import it, too. `Err` when the project is
/// too big to search.
pub fn search_project(
    tree: &dyn Tree,
    doc: &Path,
    offset: u32,
    opts: &Options,
    search: Search,
) -> Result<Found, String> {
    let doc = normalize(doc);
    let root = crate::tree::project_root(tree, &doc);
    let too_big = |what: String| {
        format!(
            "`{}` has {what}; references and rename search only the document and its imports' files up to that size",
            tree.display_name(&root)
        )
    };
    let Some(mut files) = crate::tree::project_files(tree, &root, MAX_PROJECT_FILES) else {
        return Err(too_big(format!("more than {MAX_PROJECT_FILES} .icp files")));
    };
    files.retain(|p| *p != doc);
    // Sizes first, so a huge project is refused before it is read.
    let bytes: u64 = files
        .iter()
        .filter_map(|p| tree.stat(p).ok())
        .map(|(_, len)| len)
        .sum();
    if bytes > MAX_PROJECT_BYTES as u64 {
        return Err(too_big(format!(
            "more than {} MiB of .icp files",
            MAX_PROJECT_BYTES >> 20
        )));
    }
    let roots: Vec<PathBuf> = std::iter::once(doc).chain(files).collect();
    let project = crate::project::load(tree, &roots);
    let checked = crate::check::check(&project, opts);
    let spans = match search {
        Search::References => references(&checked, FileId(0), offset),
        Search::Rename => rename_targets(&checked, FileId(0), offset),
    };
    drop(checked);
    Ok(Found { project, spans })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::check::check;
    use crate::ide::testutil::{options, project};

    pub const SHARED: &str = "/// How a company earns money.\nenum Industry { saas, retail }\nschema A {\n  id: text key\n  industry: Industry\n  /// Head count.\n  employees: int from \"Employee Count\"\n}\nsegment mid = employees in 10..=100\n";

    pub const MAIN: &str = "import \"shared.icp\"\nicp i for A {\n  owner \"o@example.com\"\n  reviewed 2026-10-01 every 90d\n  filter f: mid and industry == saas\n  signal s: employees > 50 weight 5 for job j because \"big\"\n  signal r: industry == retail weight 15\n  job j { job \"x\" }\n  tier T: score >= 5\n  tier U: otherwise\n  test \"t\" {\n    given { industry: retail, employees: 50 }\n    expect tier T\n    expect signal s fires\n  }\n}\n";

    /// The definition found from the `$0` cursor, as `file:text`.
    fn goto(main_with_cursor: &str) -> Option<String> {
        let offset = main_with_cursor.find("$0").map(|o| o as u32);
        let project = project(&main_with_cursor.replace("$0", ""), SHARED);
        let checked = check(&project, &options());
        let def = definition(&checked, FileId(0), offset?)?;
        let src = project.sources.get(def.file)?;
        Some(format!("{}:{}", src.name, src.text.get(def.range())?))
    }

    pub fn at(marker_after: &str) -> String {
        MAIN.replacen(marker_after, &format!("{marker_after}$0"), 1)
    }

    #[test]
    fn names_lead_to_their_definitions() {
        assert_eq!(
            goto(&at("filter f: mi")).as_deref(),
            Some("/p/shared.icp:mid")
        );
        assert_eq!(
            goto(&at("and indus")).as_deref(),
            Some("/p/shared.icp:industry")
        );
        assert_eq!(goto(&at("== sa")).as_deref(), Some("/p/shared.icp:saas"));
        assert_eq!(goto(&at("for A")).as_deref(), Some("/p/shared.icp:A"));
        assert_eq!(
            goto(&at("signal s: emp")).as_deref(),
            Some("/p/shared.icp:employees")
        );
        assert_eq!(goto(&at("for job j")).as_deref(), Some("/p/main.icp:j"));
        assert_eq!(goto(&at("expect tier T")).as_deref(), Some("/p/main.icp:T"));
        assert_eq!(
            goto(&at("expect signal s")).as_deref(),
            Some("/p/main.icp:s")
        );
        assert_eq!(
            goto(&at("given { industry: ret")).as_deref(),
            Some("/p/shared.icp:retail")
        );
        assert_eq!(goto(&at("owner \"o@")), None, "a string names nothing");
        assert_eq!(
            goto(&at("import \"sha")).as_deref(),
            Some("/p/shared.icp:"),
            "an import's path leads to the top of its file"
        );
    }

    #[test]
    fn an_import_path_finds_its_imports_and_is_not_renamed() {
        let project = project(MAIN, SHARED);
        let checked = check(&project, &options());
        let offset = MAIN.find("shared.icp").map(|o| o as u32 + 2).unwrap_or(0);
        let refs = references(&checked, FileId(0), offset);
        let shown: Vec<&str> = refs
            .iter()
            .filter_map(|s| project.sources.get(s.file)?.text.get(s.range()))
            .collect();
        assert_eq!(shown, ["\"shared.icp\""]);
        assert!(rename_targets(&checked, FileId(0), offset).is_empty());
    }

    #[test]
    fn references_include_the_definition_and_every_use() {
        let project = project(MAIN, SHARED);
        let checked = check(&project, &options());
        let offset = MAIN.find("employees > 50").map(|o| o as u32).unwrap_or(0);
        let refs = references(&checked, FileId(0), offset);
        let shown: Vec<String> = refs
            .iter()
            .filter_map(|s| {
                project
                    .sources
                    .get(s.file)
                    .map(|f| format!("{}@{}", f.name, s.start))
            })
            .collect();
        // Defined in the schema; used in the segment, the signal and the test.
        assert_eq!(shown.len(), 4, "{shown:?}");
        assert!(
            shown
                .first()
                .is_some_and(|s| s.starts_with("/p/shared.icp@")),
            "{shown:?}"
        );
    }
}

#[cfg(test)]
mod project_tests {
    use super::*;
    use crate::tree::MemTree;

    const SHARED: &str = "schema A {\n  id: text key\n  employees: int\n}\n";

    fn tree() -> MemTree {
        let user = |n: u32| {
            format!("import \"../shared.icp\"\nicp i{n} for A {{\n  filter f: employees > {n}\n  tier T: otherwise\n}}\n")
        };
        MemTree::new([
            (PathBuf::from("/p/icp.toml"), String::new()),
            (PathBuf::from("/p/shared.icp"), SHARED.to_string()),
            (
                PathBuf::from("/p/main.icp"),
                "import \"shared.icp\"\nicp big for A {\n  filter f: employees > 500\n  tier T: otherwise\n}\n".to_string(),
            ),
            (PathBuf::from("/p/sub/deep.icp"), user(1)),
            (PathBuf::from("/p/target/built.icp"), user(2)),
            (PathBuf::from("/p/.git/x.icp"), user(3)),
            (PathBuf::from("/p/node_modules/y.icp"), user(4)),
            (PathBuf::from("/p/accounts.csv"), "id\n".to_string()),
        ])
    }

    #[test]
    fn asked_where_declared_a_name_is_found_in_every_importer() {
        let tree = tree();
        let offset = SHARED.find("employees").map(|o| o as u32 + 2).unwrap_or(0);
        let opts = crate::ide::testutil::options();
        for search in [Search::References, Search::Rename] {
            let found = search_project(&tree, Path::new("/p/shared.icp"), offset, &opts, search);
            let Ok(found) = found else {
                panic!("not searched")
            };
            let shown: Vec<String> = found
                .spans
                .iter()
                .filter_map(|s| {
                    let f = found.project.sources.get(s.file)?;
                    Some(format!("{}:{}", f.path.display(), f.text.get(s.range())?))
                })
                .collect();
            assert_eq!(
                shown,
                [
                    "/p/shared.icp:employees",
                    "/p/main.icp:employees",
                    "/p/sub/deep.icp:employees"
                ],
                "{search:?}"
            );
        }
    }

    #[test]
    fn too_many_bytes_are_refused_before_reading() {
        let big = "x".repeat(MAX_PROJECT_BYTES / 4 + 1);
        let files = (0..4).map(|i| (PathBuf::from(format!("/p/f{i}.icp")), big.clone()));
        let tree = MemTree::new(files.chain([(PathBuf::from("/p/doc.icp"), String::new())]));
        let opts = crate::ide::testutil::options();
        let r = search_project(&tree, Path::new("/p/doc.icp"), 0, &opts, Search::Rename);
        assert!(r.is_err_and(|e| e.contains("MiB")));
    }

    #[test]
    fn too_many_files_are_refused() {
        let files = (0..=MAX_PROJECT_FILES).map(|i| (PathBuf::from(format!("/p/f{i}.icp")), ""));
        let tree = MemTree::new(files);
        let opts = crate::ide::testutil::options();
        let r = search_project(&tree, Path::new("/p/f0.icp"), 0, &opts, Search::References);
        assert!(r.is_err_and(|e| e.contains("more than 2000")));
    }
}
