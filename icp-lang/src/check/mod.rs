//! Name resolution, type checking and the checks that need whole-project
//! knowledge (unused items and imports). `icp.rs` checks each ICP,
//! `types.rs` types conditions, and `crate::analysis` reasons about what the
//! rules can and cannot do.

pub mod icp;
pub mod model;
pub mod types;

pub use model::{Checked, Decl, DeclId, DeclKind, Options, Ty};

use crate::ast::{self, Item};
use crate::diagnostic::{normalize, Diagnostic};
use crate::project::Project;
use crate::span::{FileId, Span};
use crate::suggest;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Checks a project: names and types, then the analysis pass over the
/// result. Diagnostics come sorted and deduplicated.
pub fn check<'p>(project: &'p Project, opts: &Options) -> Checked<'p> {
    let mut checked = check_names_and_types(project);
    let found = crate::analysis::analyze(&checked, opts);
    checked.diagnostics.extend(found);
    normalize(&mut checked.diagnostics);
    checked
}

/// Names, types and ICPs checked, without the analysis.
pub fn check_names_and_types(project: &Project) -> Checked<'_> {
    let mut cx = Context::new(project);
    cx.collect();
    for id in 0..cx.decls.len() {
        cx.check_decl(DeclId(id));
    }
    cx.report_unused();
    let mut diagnostics = std::mem::take(&mut cx.diags);
    diagnostics.extend(project.diagnostics.iter().cloned());
    normalize(&mut diagnostics);
    let mut refs = std::mem::take(&mut cx.refs);
    refs.sort();
    refs.dedup();
    let effective = cx
        .effective
        .into_iter()
        .filter_map(|(id, e)| e.map(|e| (id, e)))
        .collect();
    Checked {
        project,
        decls: cx.decls,
        diagnostics,
        scopes: cx.scopes,
        effective,
        has_errors: cx.icp_has_errors,
        refs,
    }
}

pub struct Context<'p> {
    pub project: &'p Project,
    pub decls: Vec<Decl<'p>>,
    /// Per file: the names visible in it (its own items and its imports').
    pub scopes: HashMap<FileId, BTreeMap<&'p str, DeclId>>,
    /// Which file used which declaration.
    pub uses: BTreeSet<(FileId, DeclId)>,
    pub broken: BTreeSet<&'p str>,
    pub diags: Vec<Diagnostic>,
    pub schemas: HashMap<DeclId, std::rc::Rc<types::Schema<'p>>>,
    /// ICPs whose checks found an error: their analysis is skipped.
    pub icp_has_errors: BTreeSet<DeclId>,
    /// Every resolved name: (where it is used, where it is defined).
    pub refs: Vec<(Span, Span)>,
    /// Merged views of ICPs, built once (`None`: could not be built).
    pub effective: HashMap<DeclId, Option<std::rc::Rc<icp::Effective<'p>>>>,
}

impl<'p> Context<'p> {
    fn new(project: &'p Project) -> Context<'p> {
        let broken = project
            .parsed()
            .flat_map(|f| f.broken_names.iter().map(String::as_str))
            .collect();
        Context {
            project,
            decls: Vec::new(),
            scopes: HashMap::new(),
            uses: BTreeSet::new(),
            broken,
            diags: Vec::new(),
            schemas: HashMap::new(),
            icp_has_errors: BTreeSet::new(),
            refs: Vec::new(),
            effective: HashMap::new(),
        }
    }

    fn collect(&mut self) {
        let mut own: HashMap<FileId, BTreeMap<&'p str, DeclId>> = HashMap::new();
        for file in self.project.parsed() {
            let names = own.entry(file.id).or_default();
            for item in &file.ast.items {
                let kind = match item {
                    Item::Import(_) => continue,
                    Item::Enum(_) => DeclKind::Enum,
                    Item::Schema(_) => DeclKind::Schema,
                    Item::Segment(_) => DeclKind::Segment,
                    Item::Icp(_) => DeclKind::Icp,
                    Item::Persona(_) => DeclKind::Persona,
                    Item::Job(_) => DeclKind::Job,
                };
                let Some(name) = item.name() else { continue };
                let id = DeclId(self.decls.len());
                // A declaration is its own definition (hover and references on it).
                self.refs.push((name.span, name.span));
                self.decls.push(Decl {
                    kind,
                    name,
                    file: file.id,
                    item,
                });
                if let Some(&prev) = names.get(name.name.as_str()) {
                    let prev_span = self
                        .decls
                        .get(prev.0)
                        .map(|d| d.name.span)
                        .unwrap_or_default();
                    self.diags.push(
                        Diagnostic::new(
                            "E0202",
                            name.span,
                            format!("`{}` is declared twice", name.name),
                        )
                        .label("declared again here")
                        .secondary(prev_span, "first declared here")
                        .help("rename one of them"),
                    );
                } else {
                    names.insert(name.name.as_str(), id);
                }
            }
        }
        for file in self.project.parsed() {
            let mut scope = own.get(&file.id).cloned().unwrap_or_default();
            for (span, target) in &file.imports {
                let Some(target) = target else { continue };
                let Some(theirs) = own.get(target) else {
                    continue;
                };
                for (&name, &id) in theirs {
                    match scope.get(name) {
                        Some(&existing) if existing != id => {
                            let existing_span = self
                                .decls
                                .get(existing.0)
                                .map(|d| d.name.span)
                                .unwrap_or_default();
                            let msg = format!("`{name}` is declared here and in an imported file");
                            self.diags.push(
                                Diagnostic::new("E0202", *span, msg)
                                    .label(format!("this import also brings in `{name}`"))
                                    .secondary(existing_span, "already declared here"),
                            );
                        }
                        _ => {
                            scope.insert(name, id);
                        }
                    }
                }
            }
            self.scopes.insert(file.id, scope);
        }
    }

    pub fn decl(&self, id: DeclId) -> Option<&Decl<'p>> {
        self.decls.get(id.0)
    }

    /// Looks a top-level name up in `file`'s scope, reporting unknown names
    /// (with a suggestion) and names of the wrong kind.
    pub fn resolve(
        &mut self,
        file: FileId,
        name: &ast::Ident,
        want: &[DeclKind],
        what: &str,
    ) -> Option<DeclId> {
        let scope = self.scopes.get(&file);
        match scope.and_then(|s| s.get(name.name.as_str())).copied() {
            Some(id) => {
                let kind = self.decl(id).map(|d| d.kind)?;
                self.uses.insert((file, id));
                if let Some(def) = self.decl(id).map(|d| d.name.span) {
                    self.refer(name.span, def);
                }
                if want.contains(&kind) {
                    Some(id)
                } else {
                    self.error(
                        Diagnostic::new(
                            "E0209",
                            name.span,
                            format!("`{}` is {}, not {what}", name.name, kind.noun()),
                        )
                        .label(format!("expected {what}")),
                    );
                    None
                }
            }
            None => {
                let candidates: Vec<&str> = scope
                    .map(|s| {
                        s.iter()
                            .filter(|(_, id)| {
                                self.decl(**id).is_some_and(|d| want.contains(&d.kind))
                            })
                            .map(|(n, _)| *n)
                            .collect()
                    })
                    .unwrap_or_default();
                let noun = what
                    .strip_prefix("an ")
                    .or_else(|| what.strip_prefix("a "))
                    .unwrap_or(what);
                self.unknown(name, noun, candidates);
                None
            }
        }
    }

    /// E0201 with "did you mean", unless the name belongs to an item that
    /// failed to parse (its syntax error already explains).
    pub fn unknown<'c>(
        &mut self,
        name: &ast::Ident,
        what: &str,
        candidates: impl IntoIterator<Item = &'c str>,
    ) {
        let message = format!("unknown {what} `{}`", name.name);
        self.unknown_as(name, message, format!("not a known {what}"), candidates);
    }

    /// `unknown` with the caller's own wording.
    pub fn unknown_as<'c>(
        &mut self,
        name: &ast::Ident,
        message: String,
        label: String,
        candidates: impl IntoIterator<Item = &'c str>,
    ) {
        if self.broken.contains(name.name.as_str()) {
            return;
        }
        let mut d = Diagnostic::new("E0201", name.span, message).label(label);
        if let Some(best) = suggest::closest(&name.name, candidates) {
            d = d.help(format!("did you mean `{best}`?")).fix(
                format!("change to `{best}`"),
                name.span,
                best,
            );
        }
        self.error(d);
    }

    /// Records that the name at `used` refers to the definition at `def`.
    pub fn refer(&mut self, used: Span, def: Span) {
        self.refs.push((used, def));
    }

    /// The source text under a span, as the user wrote it.
    pub fn source_text(&self, span: Span) -> Option<String> {
        self.project
            .sources
            .get(span.file)
            .and_then(|s| s.text.get(span.range()))
            .map(str::to_string)
    }

    pub fn error(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    fn check_decl(&mut self, id: DeclId) {
        let Some(decl) = self.decl(id) else { return };
        match (decl.kind, decl.item) {
            (DeclKind::Enum, Item::Enum(e)) => self.check_enum(e),
            (DeclKind::Schema, Item::Schema(_)) => {
                self.schema_rc(id);
            }
            (DeclKind::Icp, Item::Icp(_)) => icp::check_icp(self, id),
            (DeclKind::Persona, Item::Persona(p)) => icp::check_persona(self, p, decl.file),
            (DeclKind::Job, Item::Job(j)) => icp::check_job(self, j),
            _ => {}
        }
    }

    fn check_enum(&mut self, e: &ast::EnumDecl) {
        let mut seen: BTreeMap<&str, Span> = BTreeMap::new();
        for v in &e.variants {
            self.refer(v.span, v.span);
            if let Some(prev) = seen.insert(v.name.as_str(), v.span) {
                self.error(
                    Diagnostic::new(
                        "E0202",
                        v.span,
                        format!("variant `{}` appears twice in `{}`", v.name, e.name.name),
                    )
                    .label("again here")
                    .secondary(prev, "first here"),
                );
            }
        }
        for d in enum_label_errors(e) {
            self.error(d);
        }
    }

    /// The resolved schema, checked once and cached.
    pub fn schema_rc(&mut self, id: DeclId) -> Option<std::rc::Rc<types::Schema<'p>>> {
        if !self.schemas.contains_key(&id) {
            let decl = self.decl(id)?;
            let (Item::Schema(s), file) = (decl.item, decl.file) else {
                return None;
            };
            let schema = types::resolve_schema(self, s, file);
            self.schemas.insert(id, schema);
        }
        self.schemas.get(&id).cloned()
    }

    fn report_unused(&mut self) {
        let used: BTreeSet<DeclId> = self.uses.iter().map(|(_, d)| *d).collect();
        for (i, d) in self.decls.iter().enumerate() {
            // A file reached only by import may serve other projects too.
            if !self.project.file(d.file).is_some_and(|f| f.is_root) {
                continue;
            }
            let unused = matches!(
                d.kind,
                DeclKind::Enum | DeclKind::Segment | DeclKind::Persona | DeclKind::Job
            ) && !used.contains(&DeclId(i));
            if unused {
                let what = d
                    .kind
                    .noun()
                    .split_once(' ')
                    .map(|(_, n)| n)
                    .unwrap_or("item");
                let how = match d.kind {
                    DeclKind::Enum => "use it as a field type in a schema, or remove it",
                    DeclKind::Segment => "use it in a condition, or remove it",
                    _ => "include it in an ICP with a bare line, or remove it",
                };
                self.diags.push(
                    Diagnostic::new(
                        "W0101",
                        d.name.span,
                        format!("{what} `{}` is never used", d.name.name),
                    )
                    .label("unused")
                    .help(how)
                    .fix(
                        format!("remove `{}`", d.name.name),
                        d.item.span(),
                        "",
                    ),
                );
            }
        }
        for file in self.project.parsed() {
            for (span, target) in &file.imports {
                let Some(target) = target else { continue };
                let any_used = self.uses.iter().any(|(from, d)| {
                    *from == file.id && self.decls.get(d.0).is_some_and(|d| d.file == *target)
                });
                let has_decls = self.decls.iter().any(|d| d.file == *target);
                if !any_used && has_decls {
                    let import_span = file
                        .ast
                        .items
                        .iter()
                        .find(|i| matches!(i, Item::Import(imp) if imp.path.span == *span))
                        .map(Item::span)
                        .unwrap_or(*span);
                    self.diags.push(
                        Diagnostic::new("W0102", *span, "nothing from this import is used")
                            .label("unused import")
                            .fix("remove the import", import_span, ""),
                    );
                }
            }
        }
    }
}

/// The labels of an enum that are empty, claimed by two variants, or
/// written like another variant's name (all compared as cells are read:
/// `values::normalize_variant`).
pub fn enum_label_errors(e: &ast::EnumDecl) -> Vec<Diagnostic> {
    use crate::values::normalize_variant;
    let mut out = Vec::new();
    let names: Vec<String> = e
        .variants
        .iter()
        .map(|v| normalize_variant(&v.name))
        .collect();
    let mut claimed: BTreeMap<String, (usize, Span)> = BTreeMap::new();
    for (i, (v, labels)) in e.variants.iter().zip(&e.labels).enumerate() {
        for l in labels {
            let n = normalize_variant(&l.value);
            if n.is_empty() {
                out.push(
                    Diagnostic::new("E0211", l.span, format!("an empty label for `{}`", v.name))
                        .label("no cell reads as this")
                        .help("remove the label"),
                );
                continue;
            }
            let other = names
                .iter()
                .zip(&e.variants)
                .enumerate()
                .find_map(|(j, (m, w))| (j != i && *m == n).then_some(w));
            if let Some(other) = other {
                out.push(
                    Diagnostic::new(
                        "E0211",
                        l.span,
                        format!(
                            "the label {:?} of `{}` reads as the variant `{}`",
                            l.value, v.name, other.name
                        ),
                    )
                    .label("a label of another variant")
                    .secondary(other.span, "this variant")
                    .help("a cell written like a variant's name reads as that variant; remove the label"),
                );
                continue;
            }
            match claimed.get(&n) {
                Some(&(j, prev)) if j != i => {
                    let w = e.variants.get(j).map(|w| w.name.as_str()).unwrap_or("");
                    out.push(
                        Diagnostic::new(
                            "E0211",
                            l.span,
                            format!(
                                "the label {:?} is claimed by both `{w}` and `{}`",
                                l.value, v.name
                            ),
                        )
                        .label("claimed again here")
                        .secondary(prev, "first claimed here")
                        .help("keep the label on the one variant it means"),
                    );
                }
                Some(_) => {}
                None => {
                    claimed.insert(n, (i, l.span));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::enum_label_errors;
    use crate::ast::Item;
    use crate::span::FileId;

    /// The messages of the label errors of the file's first enum.
    fn label_errors(src: &str) -> Vec<String> {
        let parsed = crate::parser::parse(FileId(0), src);
        assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
        match parsed.ast.items.first() {
            Some(Item::Enum(e)) => enum_label_errors(e)
                .into_iter()
                .map(|d| format!("{}: {}", d.code, d.message))
                .collect(),
            other => panic!("not an enum: {other:?}"),
        }
    }

    #[test]
    fn a_label_is_one_variants_and_never_another_variants_name() {
        assert!(label_errors(
            r#"enum I { healthcare "Hospital & Health Care" "Health Care", fintech "Financial Services", retail }"#
        )
        .is_empty());
        // Written like another variant's name, after normalisation.
        assert_eq!(
            label_errors(r#"enum I { in_cycle, won "In Cycle" }"#),
            [r#"E0211: the label "In Cycle" of `won` reads as the variant `in_cycle`"#]
        );
        // Claimed twice, after normalisation; a label repeated on its own
        // variant, or equal to its own variant's name, is harmless.
        assert_eq!(
            label_errors(r#"enum I { a "Health Care" "health care" "A", b " HEALTH-CARE " }"#),
            [r#"E0211: the label " HEALTH-CARE " is claimed by both `a` and `b`"#]
        );
        assert_eq!(
            label_errors(r#"enum I { a "", b " " }"#),
            [
                "E0211: an empty label for `a`",
                "E0211: an empty label for `b`"
            ]
        );
    }
}
