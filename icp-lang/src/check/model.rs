//! What the checker learned, as data: declarations, types, schemas, the
//! merged view of each ICP and the options a check ran with. The checker
//! (`check/mod.rs`, `types.rs`, `icp.rs`) builds it; the analysis
//! (`crate::analysis`), the plan and the editor features read it. It
//! imports no part of the checker, so the analysis can run as its own pass
//! after the checker without a loop between them.

use crate::ast::{self, Date, Item, LitValue};
use crate::diagnostic::Diagnostic;
use crate::project::Project;
use crate::span::{FileId, Span};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::rc::Rc;

pub struct Options {
    /// The date reviews and `within` are judged against...
    pub as_of: Date,
    /// ...unless a file's own project pins another (`as_of` in `icp.toml`).
    pub as_of_by_file: HashMap<FileId, Date>,
    /// Files whose project pins `as_of` in `icp.toml` (whether or not a
    /// flag overrides it this run): their tests are judged on a fixed day.
    pub pinned: std::collections::HashSet<FileId>,
}

impl Options {
    pub fn new(as_of: Date) -> Options {
        Options {
            as_of,
            as_of_by_file: HashMap::new(),
            pinned: std::collections::HashSet::new(),
        }
    }

    pub fn as_of(&self, file: FileId) -> Date {
        self.as_of_by_file.get(&file).copied().unwrap_or(self.as_of)
    }
}

/// What kind of thing a top-level name is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeclKind {
    Enum,
    Schema,
    Segment,
    Icp,
    Persona,
    Job,
}

impl DeclKind {
    pub fn noun(self) -> &'static str {
        match self {
            DeclKind::Enum => "an enum",
            DeclKind::Schema => "a schema",
            DeclKind::Segment => "a segment",
            DeclKind::Icp => "an ICP",
            DeclKind::Persona => "a persona",
            DeclKind::Job => "a job",
        }
    }
}

/// A top-level declaration: which file and which item.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DeclId(pub usize);

pub struct Decl<'p> {
    pub kind: DeclKind,
    pub name: &'p ast::Ident,
    pub file: FileId,
    pub item: &'p Item,
}

/// Everything the checker learned, for the commands that run ICPs.
pub struct Checked<'p> {
    pub project: &'p Project,
    pub decls: Vec<Decl<'p>>,
    pub diagnostics: Vec<Diagnostic>,
    /// Per file: the names visible in it.
    pub scopes: HashMap<FileId, BTreeMap<&'p str, DeclId>>,
    /// Every ICP that could be built, with its base merged in.
    pub effective: BTreeMap<DeclId, Rc<Effective<'p>>>,
    /// ICPs with errors: they cannot be run.
    pub has_errors: BTreeSet<DeclId>,
    /// Every resolved name, (use, definition), sorted by use.
    pub refs: Vec<(Span, Span)>,
}

impl<'p> Checked<'p> {
    pub fn decl(&self, id: DeclId) -> Option<&Decl<'p>> {
        self.decls.get(id.0)
    }

    /// The ICPs declared in `file`, in source order.
    pub fn icps_in(&self, file: FileId) -> Vec<DeclId> {
        (0..self.decls.len())
            .map(DeclId)
            .filter(|id| {
                self.decl(*id)
                    .is_some_and(|d| d.kind == DeclKind::Icp && d.file == file)
            })
            .collect()
    }

    pub fn variants(&self, id: DeclId) -> Vec<&'p ast::Ident> {
        match self.decl(id).map(|d| d.item) {
            Some(Item::Enum(e)) => e.variants.iter().collect(),
            _ => Vec::new(),
        }
    }

    /// The labels of each variant of the enum, in the variants' order.
    pub fn labels(&self, id: DeclId) -> Vec<&'p [ast::StrLit]> {
        match self.decl(id).map(|d| d.item) {
            Some(Item::Enum(e)) => e.labels.iter().map(Vec::as_slice).collect(),
            _ => Vec::new(),
        }
    }

    /// The source text under a span, with runs of white space folded.
    pub fn text(&self, span: Span) -> String {
        let raw = self
            .project
            .sources
            .get(span.file)
            .and_then(|s| s.text.get(span.range()))
            .unwrap_or("");
        raw.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    /// A segment visible in `file`.
    pub fn segment(&self, file: FileId, name: &str) -> Option<(&'p ast::SegmentDecl, FileId)> {
        let id = self.scopes.get(&file)?.get(name)?;
        match self.decl(*id) {
            Some(Decl {
                item: Item::Segment(s),
                file,
                ..
            }) => Some((s, *file)),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Ty {
    Int,
    Number,
    Money,
    Percent,
    Text,
    Bool,
    Date,
    Duration,
    Enum(DeclId),
    Set(Box<Ty>),
    /// Already reported; compatible with everything so errors do not cascade.
    Error,
}

impl Ty {
    pub fn is_numeric(&self) -> bool {
        matches!(self, Ty::Int | Ty::Number)
    }

    /// Supports `<`, `<=`, `>`, `>=` and ranges.
    pub fn is_ordered(&self) -> bool {
        matches!(
            self,
            Ty::Int | Ty::Number | Ty::Money | Ty::Percent | Ty::Date | Ty::Duration | Ty::Error
        )
    }

    pub fn of_literal(v: &LitValue) -> Ty {
        match v {
            LitValue::Number(n) if n.fract() == 0.0 => Ty::Int,
            LitValue::Number(_) => Ty::Number,
            LitValue::Money(_) => Ty::Money,
            LitValue::Percent(_) => Ty::Percent,
            LitValue::Date(_) => Ty::Date,
            LitValue::Duration(_) => Ty::Duration,
            LitValue::Str(_) => Ty::Text,
            LitValue::Bool(_) => Ty::Bool,
        }
    }
}

/// Whether a value of type `b` may be compared with a field of type `a`.
pub fn compatible(a: &Ty, b: &Ty) -> bool {
    match (a, b) {
        (Ty::Error, _) | (_, Ty::Error) => true,
        (x, y) if x.is_numeric() && y.is_numeric() => true,
        (x, y) => x == y,
    }
}

pub struct FieldInfo<'p> {
    pub decl: &'p ast::Field,
    pub ty: Ty,
}

impl FieldInfo<'_> {
    pub fn name(&self) -> &str {
        &self.decl.name.name
    }
}

pub struct Schema<'p> {
    pub name: &'p ast::Ident,
    pub fields: Vec<FieldInfo<'p>>,
    pub by_name: BTreeMap<&'p str, usize>,
}

impl<'p> Schema<'p> {
    pub fn field(&self, name: &str) -> Option<&FieldInfo<'p>> {
        self.by_name.get(name).and_then(|&i| self.fields.get(i))
    }

    pub fn field_names(&self) -> impl Iterator<Item = &str> {
        self.fields.iter().map(|f| f.name())
    }
}

/// An ICP with its base merged in: what the ICP actually does.
pub struct Effective<'p> {
    pub id: DeclId,
    pub decl: &'p ast::IcpDecl,
    pub file: FileId,
    pub schema: Rc<Schema<'p>>,
    /// Filters, exclusions and signals in evaluation order, with the group
    /// (index into `groups`) each signal belongs to.
    pub rules: Vec<(&'p ast::Rule, Option<usize>)>,
    pub groups: Vec<&'p ast::Group>,
    pub tiers: Vec<&'p ast::Tier>,
    pub personas: Vec<&'p ast::PersonaDecl>,
    /// Jobs with the span where this ICP declares or includes them.
    pub jobs: Vec<(&'p ast::JobDecl, Span)>,
    pub owner: Option<&'p ast::StrLit>,
    pub reviewed: Option<&'p ast::Reviewed>,
}

impl<'p> Effective<'p> {
    /// `score` and the group names: what tiers may test.
    pub fn score_names(&self) -> Vec<String> {
        std::iter::once("score".to_string())
            .chain(self.groups.iter().map(|g| g.name.name.clone()))
            .collect()
    }

    pub fn rule(&self, name: &str) -> Option<&'p ast::Rule> {
        self.rules
            .iter()
            .map(|(r, _)| *r)
            .find(|r| r.name.name == name)
    }
}
