//! Types of fields and literals, and the typing of conditions.

pub use super::model::{compatible, FieldInfo, Schema, Ty};
use super::{Context, DeclId, DeclKind};
use crate::ast::{self, CmpOp, Expr, InSet, LitValue, Literal, Operand};
use crate::diagnostic::Diagnostic;
use crate::span::{FileId, Span};
use crate::values::format_number;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

pub const BUILTIN_TYPES: &[&str] = &[
    "int", "number", "money", "percent", "text", "bool", "date", "duration",
];

pub fn resolve_schema<'p>(
    cx: &mut Context<'p>,
    s: &'p ast::SchemaDecl,
    file: FileId,
) -> Rc<Schema<'p>> {
    let mut fields = Vec::new();
    let mut by_name: BTreeMap<&'p str, usize> = BTreeMap::new();
    let mut headers: BTreeMap<&str, Span> = BTreeMap::new();
    let mut keys = Vec::new();
    let mut displays = Vec::new();
    for f in &s.fields {
        let ty = resolve_type(cx, &f.ty, file, false);
        if let Some(&prev) = by_name.get(f.name.name.as_str()) {
            let prev_span = s.fields.get(prev).map(|p| p.name.span).unwrap_or_default();
            cx.error(
                Diagnostic::new(
                    "E0202",
                    f.name.span,
                    format!(
                        "field `{}` is declared twice in `{}`",
                        f.name.name, s.name.name
                    ),
                )
                .label("declared again here")
                .secondary(prev_span, "first declared here"),
            );
            continue;
        }
        let header = f
            .from
            .as_ref()
            .map(|h| (h.value.as_str(), h.span))
            .unwrap_or((f.name.name.as_str(), f.name.span));
        if let Some(prev) = headers.insert(header.0, header.1) {
            cx.error(
                Diagnostic::new(
                    "E0202",
                    header.1,
                    format!("two fields read the CRM column `{}`", header.0),
                )
                .label("second field reading it")
                .secondary(prev, "first field reading it"),
            );
        }
        if f.key {
            keys.push(f);
            if f.optional {
                cx.error(
                    Diagnostic::new(
                        "E0301",
                        f.name.span,
                        format!("the key field `{}` cannot be optional", f.name.name),
                    )
                    .label("every account needs an id")
                    .help("remove the `?`"),
                );
            }
        }
        if f.fraction && !matches!(ty, Ty::Percent | Ty::Error) {
            cx.error(
                Diagnostic::new(
                    "E0301",
                    f.name.span,
                    format!("`{}` is {}, not a percent", f.name.name, cx.ty_noun(&ty)),
                )
                .label("`fraction` is for percent fields")
                .help("remove `fraction`, or make the field a `percent`"),
            );
        }
        if f.display {
            displays.push(f);
            if !matches!(ty, Ty::Text | Ty::Error) {
                cx.error(
                    Diagnostic::new(
                        "E0301",
                        f.name.span,
                        format!("`{}` is {}, not text", f.name.name, cx.ty_noun(&ty)),
                    )
                    .label("`display` is for the account's name, a text field")
                    .help("move `display` to the field holding the company name"),
                );
            }
        }
        if let Some(blank) = &f.blank {
            check_blank(cx, f, &ty, blank);
        }
        cx.refer(f.name.span, f.name.span);
        by_name.insert(f.name.name.as_str(), fields.len());
        fields.push(FieldInfo { decl: f, ty });
    }
    if let [first, second, ..] = displays.as_slice() {
        cx.error(
            Diagnostic::new(
                "E0210",
                second.name.span,
                format!("schema `{}` has more than one `display` field", s.name.name),
            )
            .label("second display field")
            .secondary(first.name.span, "first display field")
            .help("results show one name per account; remove `display` from all but one field"),
        );
    }
    if keys.len() > 1 {
        let mut d = Diagnostic::new(
            "E0210",
            keys.get(1).map(|k| k.name.span).unwrap_or(s.name.span),
            format!("schema `{}` has more than one `key` field", s.name.name),
        )
        .label("second key");
        if let Some(first) = keys.first() {
            d = d.secondary(first.name.span, "first key");
        }
        cx.error(d.help("an account has exactly one id; remove `key` from all but one field"));
    } else if keys.is_empty() && !cx.broken.contains(s.name.name.as_str()) {
        cx.error(
            Diagnostic::new("W0105", s.name.span, format!("schema `{}` has no `key` field", s.name.name))
                .label("no key")
                .help("mark the account id, e.g. `id: text key`, so scores can be matched back to CRM records"),
        );
    }
    Rc::new(Schema {
        name: &s.name,
        fields,
        by_name,
    })
}

fn resolve_type(cx: &mut Context<'_>, t: &ast::TypeExpr, file: FileId, in_set: bool) -> Ty {
    match t {
        ast::TypeExpr::Set(inner, span) => {
            if in_set {
                cx.error(
                    Diagnostic::new("E0301", *span, "a set cannot hold sets").label("nested set"),
                );
                return Ty::Error;
            }
            Ty::Set(Box::new(resolve_type(cx, inner, file, true)))
        }
        ast::TypeExpr::Named(name) => match name.name.as_str() {
            "int" => Ty::Int,
            "number" => Ty::Number,
            "money" => Ty::Money,
            "percent" => Ty::Percent,
            "text" => Ty::Text,
            "bool" => Ty::Bool,
            "date" => Ty::Date,
            "duration" => Ty::Duration,
            _ => {
                let scope_has = cx
                    .scopes
                    .get(&file)
                    .and_then(|s| s.get(name.name.as_str()))
                    .copied();
                match scope_has {
                    Some(id) => match cx.resolve(file, name, &[DeclKind::Enum], "a type") {
                        Some(_) => Ty::Enum(id),
                        None => Ty::Error,
                    },
                    None => {
                        let enums: Vec<&str> = cx
                            .scopes
                            .get(&file)
                            .map(|s| {
                                s.iter()
                                    .filter(|(_, id)| {
                                        cx.decl(**id).is_some_and(|d| d.kind == DeclKind::Enum)
                                    })
                                    .map(|(n, _)| *n)
                                    .collect()
                            })
                            .unwrap_or_default();
                        let all: Vec<&str> = BUILTIN_TYPES.iter().copied().chain(enums).collect();
                        cx.unknown(name, "type", all);
                        Ty::Error
                    }
                }
            }
        },
    }
}

impl Context<'_> {
    pub fn ty_name(&self, t: &Ty) -> String {
        match t {
            Ty::Int => "int".into(),
            Ty::Number => "number".into(),
            Ty::Money => "money".into(),
            Ty::Percent => "percent".into(),
            Ty::Text => "text".into(),
            Ty::Bool => "bool".into(),
            Ty::Date => "date".into(),
            Ty::Duration => "duration".into(),
            Ty::Enum(id) => self
                .decl(*id)
                .map(|d| d.name.name.clone())
                .unwrap_or_default(),
            Ty::Set(inner) => format!("set<{}>", self.ty_name(inner)),
            Ty::Error => "unknown".into(),
        }
    }

    /// A type as a phrase in a sentence: "a number", "money", "the enum `Industry`".
    pub fn ty_noun(&self, t: &Ty) -> String {
        match t {
            Ty::Int | Ty::Number => "a number".into(),
            Ty::Money => "money".into(),
            Ty::Percent => "a percent".into(),
            Ty::Text => "text".into(),
            Ty::Bool => "yes/no (bool)".into(),
            Ty::Date => "a date".into(),
            Ty::Duration => "a duration".into(),
            Ty::Enum(_) => format!("the enum `{}`", self.ty_name(t)),
            Ty::Set(inner) => format!("a set of {}", self.ty_name(inner)),
            Ty::Error => "unknown".into(),
        }
    }

    pub fn variants(&self, id: DeclId) -> Vec<&ast::Ident> {
        match self.decl(id).map(|d| d.item) {
            Some(ast::Item::Enum(e)) => e.variants.iter().collect(),
            _ => Vec::new(),
        }
    }
}

/// Where a condition is written: rules see the schema's fields; tiers and
/// score expectations see `score` and the group names.
pub enum Mode<'a> {
    Rule,
    Tier(&'a [String]),
}

pub struct ExprCx<'a, 'p> {
    pub file: FileId,
    pub schema: &'a Schema<'p>,
    pub mode: Mode<'a>,
}

/// What a condition touches, for the missing-data checks.
#[derive(Default)]
pub struct Facts {
    /// Optional fields compared (not just tested for missing), first use.
    pub optional_refs: BTreeMap<String, Span>,
    /// Fields with an `is missing` / `is known` test.
    pub missing_tested: BTreeSet<String>,
    /// Segments used, so a segment is typed once per use site.
    pub segments: Vec<DeclId>,
}

pub struct Checker<'c, 'p> {
    pub cx: &'c mut Context<'p>,
    /// Segments being expanded, to catch a segment that uses itself.
    pub segment_stack: Vec<DeclId>,
}

impl<'c, 'p> Checker<'c, 'p> {
    pub fn new(cx: &'c mut Context<'p>) -> Self {
        Checker {
            cx,
            segment_stack: Vec::new(),
        }
    }

    pub fn condition(&mut self, ecx: &ExprCx<'_, 'p>, e: &'p Expr, facts: &mut Facts) {
        match e {
            Expr::Or(parts, _) | Expr::And(parts, _) => {
                for p in parts {
                    self.condition(ecx, p, facts);
                }
            }
            Expr::Not(inner, _) => self.condition(ecx, inner, facts),
            Expr::Operand(op) => self.bare(ecx, op, facts),
            Expr::Compare { lhs, op, rhs, .. } => self.compare(ecx, lhs, *op, rhs, facts),
            Expr::In { lhs, set, .. } => {
                let Some(t) = self.subject(ecx, lhs, facts) else {
                    return;
                };
                match set {
                    InSet::Range(r) => self.range(ecx, lhs, &t, r),
                    InSet::List(items, _) => {
                        if let Ty::Set(_) = t {
                            self.cx.error(
                                Diagnostic::new("E0302", lhs.span(), format!("`{}` is a set; `in` compares one value", operand_text(lhs)))
                                    .label(format!("`{}` is {}", operand_text(lhs), self.cx.ty_noun(&t)))
                                    .help("to test a set's contents use `has any [...]` or `has all [...]`"),
                            );
                            return;
                        }
                        for item in items {
                            self.value(ecx, lhs, &t, item, facts);
                        }
                    }
                    InSet::Name(name) => self.cx.error(
                        Diagnostic::new(
                            "E0301",
                            name.span,
                            "expected a list `[...]` or a range `a..=b` after `in`",
                        )
                        .label("not a list or range"),
                    ),
                }
            }
            Expr::Has { lhs, items, .. } => {
                let Some(t) = self.subject(ecx, lhs, facts) else {
                    return;
                };
                match t {
                    Ty::Set(elem) => {
                        for item in items {
                            self.value(ecx, lhs, &elem, item, facts);
                        }
                    }
                    Ty::Error => {}
                    other => self.cx.error(
                        Diagnostic::new(
                            "E0302",
                            lhs.span(),
                            format!(
                                "`has` needs a set, but `{}` is {}",
                                operand_text(lhs),
                                self.cx.ty_noun(&other)
                            ),
                        )
                        .label("not a set")
                        .help("compare a single value with `==` or `in [...]`"),
                    ),
                }
            }
            Expr::Matches { lhs, .. } => {
                let Some(t) = self.subject(ecx, lhs, facts) else {
                    return;
                };
                let ok = match &t {
                    Ty::Text | Ty::Error => true,
                    Ty::Set(e) => **e == Ty::Text,
                    _ => false,
                };
                if !ok {
                    self.cx.error(
                        Diagnostic::new(
                            "E0302",
                            lhs.span(),
                            format!(
                                "`matches` needs text, but `{}` is {}",
                                operand_text(lhs),
                                self.cx.ty_noun(&t)
                            ),
                        )
                        .label("not text"),
                    );
                }
            }
            Expr::Within { lhs, duration, .. } => {
                let Some(t) = self.subject(ecx, lhs, facts) else {
                    return;
                };
                if !matches!(t, Ty::Date | Ty::Error) {
                    self.cx.error(
                        Diagnostic::new("E0302", lhs.span(), format!("`within` needs a date, but `{}` is {}", operand_text(lhs), self.cx.ty_noun(&t)))
                            .label("not a date")
                            .help("`within 30d` asks whether a date lies in the 30 days before the as-of date"),
                    );
                }
                if !matches!(duration.value, LitValue::Duration(_)) {
                    self.cx.error(
                        Diagnostic::new(
                            "E0301",
                            duration.span,
                            "expected a duration such as `30d`",
                        )
                        .label("not a duration"),
                    );
                }
            }
            Expr::Is { lhs, .. } => {
                let Some(name) = self.field_name(ecx, lhs) else {
                    return;
                };
                let optional = ecx.schema.field(&name).map(|f| f.decl.optional);
                facts.missing_tested.insert(name.clone());
                if optional == Some(false) {
                    self.cx.error(
                        Diagnostic::new("W0202", e.span(), format!("`{name}` is never missing"))
                            .label("always the same answer")
                            .help(format!("`{name}` is not optional in the schema; mark it `?` there if the CRM can leave it empty")),
                    );
                }
            }
        }
    }

    /// A lone name as a condition: a bool field, a segment, or in tiers an error.
    fn bare(&mut self, ecx: &ExprCx<'_, 'p>, op: &'p Operand, facts: &mut Facts) {
        let name = match op {
            Operand::Literal(Literal {
                value: LitValue::Bool(_),
                ..
            }) => return,
            Operand::Literal(l) => {
                self.cx.error(
                    Diagnostic::new("E0301", l.span, "a value on its own is not a condition")
                        .label("compare it with a field"),
                );
                return;
            }
            Operand::Name(n) => n,
        };
        if let Mode::Tier(_) = ecx.mode {
            self.cx.error(
                Diagnostic::new(
                    "E0301",
                    name.span,
                    format!("`{}` on its own is not a condition", name.name),
                )
                .label("needs a comparison")
                .help(format!("compare it, e.g. `{} >= 50`", name.name)),
            );
            return;
        }
        if let Some(f) = ecx.schema.field(&name.name) {
            self.cx.refer(name.span, f.decl.name.span);
            if f.ty != Ty::Bool && f.ty != Ty::Error {
                let ty = self.cx.ty_noun(&f.ty);
                self.cx.error(
                    Diagnostic::new(
                        "E0301",
                        name.span,
                        format!("`{}` is {ty}, not a yes/no condition", name.name),
                    )
                    .label("not a condition")
                    .help(format!("compare it, e.g. `{} == ...`", name.name)),
                );
            } else if f.decl.optional {
                facts
                    .optional_refs
                    .entry(name.name.clone())
                    .or_insert(name.span);
            }
            return;
        }
        let is_segment = self
            .cx
            .scopes
            .get(&ecx.file)
            .and_then(|s| s.get(name.name.as_str()))
            .and_then(|id| self.cx.decl(*id))
            .is_some_and(|d| d.kind == DeclKind::Segment);
        if !is_segment {
            let fields: Vec<String> = ecx.schema.field_names().map(str::to_string).collect();
            let segments: Vec<String> = self
                .cx
                .scopes
                .get(&ecx.file)
                .map(|s| {
                    s.iter()
                        .filter(|(_, id)| {
                            self.cx
                                .decl(**id)
                                .is_some_and(|d| d.kind == DeclKind::Segment)
                        })
                        .map(|(n, _)| n.to_string())
                        .collect()
                })
                .unwrap_or_default();
            self.cx.unknown(
                name,
                "field or segment",
                fields.iter().chain(segments.iter()).map(String::as_str),
            );
            return;
        }
        let Some(id) = self
            .cx
            .resolve(ecx.file, name, &[DeclKind::Segment], "a segment")
        else {
            return;
        };
        if self.segment_stack.contains(&id) {
            self.cx.error(
                Diagnostic::new(
                    "E0207",
                    name.span,
                    format!("segment `{}` uses itself", name.name),
                )
                .label("refers back to the segment being defined")
                .help("a segment cannot be defined in terms of itself"),
            );
            return;
        }
        let Some(decl) = self.cx.decl(id) else { return };
        let (ast::Item::Segment(seg), seg_file) = (decl.item, decl.file) else {
            return;
        };
        facts.segments.push(id);
        self.segment_stack.push(id);
        let inner = ExprCx {
            file: seg_file,
            schema: ecx.schema,
            mode: Mode::Rule,
        };
        self.condition(&inner, &seg.expr, facts);
        self.segment_stack.pop();
    }

    fn compare(
        &mut self,
        ecx: &ExprCx<'_, 'p>,
        lhs: &'p Operand,
        op: CmpOp,
        rhs: &'p Operand,
        facts: &mut Facts,
    ) {
        // The side that names a field (or score) is the subject.
        let (subject, other) = if self.names_subject(ecx, lhs) || !self.names_subject(ecx, rhs) {
            (lhs, rhs)
        } else {
            (rhs, lhs)
        };
        let Some(t) = self.subject(ecx, subject, facts) else {
            return;
        };
        if op.is_ordering() && !t.is_ordered() {
            let help = match t {
                Ty::Enum(_) => "enum values have no order; list the ones you mean with `in [...]`",
                Ty::Set(_) => "test a set's contents with `has any [...]` or `has all [...]`",
                _ => "only numbers, money, percent, dates and durations are ordered",
            };
            self.cx.error(
                Diagnostic::new(
                    "E0302",
                    subject.span(),
                    format!(
                        "`{}` cannot be compared with `{}`",
                        operand_text(subject),
                        op.as_str()
                    ),
                )
                .label(format!(
                    "`{}` is {}",
                    operand_text(subject),
                    self.cx.ty_noun(&t)
                ))
                .help(help),
            );
            return;
        }
        if let Ty::Set(_) = t {
            self.cx.error(
                Diagnostic::new(
                    "E0302",
                    subject.span(),
                    format!(
                        "`{}` is a set and cannot be compared with `{}`",
                        operand_text(subject),
                        op.as_str()
                    ),
                )
                .label("a set")
                .help("test a set's contents with `has \"x\"`, `has any [...]` or `has all [...]`"),
            );
            return;
        }
        self.value(ecx, subject, &t, other, facts);
    }

    fn names_subject(&self, ecx: &ExprCx<'_, 'p>, op: &Operand) -> bool {
        match (op, &ecx.mode) {
            (Operand::Name(n), Mode::Rule) => ecx.schema.field(&n.name).is_some(),
            (Operand::Name(n), Mode::Tier(vars)) => vars.contains(&n.name),
            _ => false,
        }
    }

    /// The type of the thing being tested: a field (rules) or a score (tiers).
    fn subject(&mut self, ecx: &ExprCx<'_, 'p>, op: &'p Operand, facts: &mut Facts) -> Option<Ty> {
        let name = match op {
            Operand::Name(n) => n,
            Operand::Literal(l) => {
                self.cx.error(
                    Diagnostic::new("E0301", l.span, "a condition must test a field")
                        .label("a fixed value")
                        .help("put a field name here, e.g. `employees >= 100`"),
                );
                return None;
            }
        };
        match &ecx.mode {
            Mode::Tier(vars) => {
                if vars.contains(&name.name) {
                    return Some(Ty::Number);
                }
                let vars: Vec<&str> = vars.iter().map(String::as_str).collect();
                self.cx.unknown(name, "score or group", vars);
                None
            }
            Mode::Rule => match ecx.schema.field(&name.name) {
                Some(f) => {
                    self.cx.refer(name.span, f.decl.name.span);
                    if f.decl.optional {
                        facts
                            .optional_refs
                            .entry(name.name.clone())
                            .or_insert(name.span);
                    }
                    Some(f.ty.clone())
                }
                None => {
                    unknown_field(self.cx, ecx.schema, name);
                    None
                }
            },
        }
    }

    fn field_name(&mut self, ecx: &ExprCx<'_, 'p>, op: &'p Operand) -> Option<String> {
        let mut ignore = Facts::default();
        self.subject(ecx, op, &mut ignore)?;
        match op {
            Operand::Name(n) => Some(n.name.clone()),
            Operand::Literal(_) => None,
        }
    }

    /// Checks that `value` can stand beside `subject` of type `t`.
    pub fn value(
        &mut self,
        ecx: &ExprCx<'_, 'p>,
        subject: &Operand,
        t: &Ty,
        value: &'p Operand,
        facts: &mut Facts,
    ) {
        let subject_text = operand_text(subject);
        match value {
            Operand::Literal(l) => {
                let lt = Ty::of_literal(&l.value);
                if !compatible(t, &lt) {
                    let d = self.mismatch(&subject_text, t, l, &lt);
                    self.cx.error(d);
                }
            }
            Operand::Name(n) => {
                if let Ty::Enum(e) = t {
                    let variants = self.cx.variants(*e);
                    if let Some(def) = variants.iter().find(|v| v.name == n.name).map(|v| v.span) {
                        self.cx.refer(n.span, def);
                        return;
                    }
                    if ecx.schema.field(&n.name).is_none() {
                        let enum_name = self.cx.ty_name(t);
                        let names: Vec<String> = variants.iter().map(|v| v.name.clone()).collect();
                        let message = format!("`{enum_name}` has no value `{}`", n.name);
                        self.cx.unknown_as(
                            n,
                            message,
                            format!("not a value of `{enum_name}`"),
                            names.iter().map(String::as_str),
                        );
                        return;
                    }
                }
                // Another field (or, in tiers, another score).
                if let Mode::Tier(_) = ecx.mode {
                    let _ = self.subject(ecx, value, facts);
                    return;
                }
                match ecx.schema.field(&n.name) {
                    Some(f) => {
                        self.cx.refer(n.span, f.decl.name.span);
                        let ft = f.ty.clone();
                        if f.decl.optional {
                            facts.optional_refs.entry(n.name.clone()).or_insert(n.span);
                        }
                        if !compatible(t, &ft) {
                            let (a, b) = (self.cx.ty_noun(t), self.cx.ty_noun(&ft));
                            let code = if is_unit(t) && is_unit(&ft) {
                                "E0303"
                            } else {
                                "E0301"
                            };
                            self.cx.error(
                                Diagnostic::new(
                                    code,
                                    n.span,
                                    format!("`{subject_text}` is {a} but `{}` is {b}", n.name),
                                )
                                .label(format!("{b}, but {a} is needed")),
                            );
                        }
                    }
                    None => {
                        unknown_field(self.cx, ecx.schema, n);
                        if *t == Ty::Text {
                            if let Some(last) = self.cx.diags.last_mut() {
                                if last.help.is_none() && last.code == "E0201" {
                                    last.help = Some(format!(
                                        "text values are written in quotes: `\"{}\"`",
                                        n.name
                                    ));
                                    last.fix = Some(crate::diagnostic::Fix {
                                        message: "quote it".into(),
                                        edits: vec![crate::diagnostic::Edit {
                                            span: n.span,
                                            replacement: format!("\"{}\"", n.name),
                                        }],
                                    });
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    fn range(&mut self, _ecx: &ExprCx<'_, 'p>, subject: &Operand, t: &Ty, r: &'p ast::Range) {
        if !t.is_ordered() {
            self.cx.error(
                Diagnostic::new(
                    "E0302",
                    r.span,
                    format!(
                        "`{}` is {} and has no ranges",
                        operand_text(subject),
                        self.cx.ty_noun(t)
                    ),
                )
                .label("a range")
                .help("list the values you mean with `in [...]`"),
            );
            return;
        }
        let subject_text = operand_text(subject);
        for bound in r.lo.iter().chain(r.hi.iter()) {
            let bt = Ty::of_literal(&bound.value);
            if !compatible(t, &bt) {
                let d = self.mismatch(&subject_text, t, bound, &bt);
                self.cx.error(d);
            }
        }
        if let (Some(lo), Some(hi)) = (&r.lo, &r.hi) {
            if let (Some(a), Some(b)) = (
                crate::values::scalar(&lo.value),
                crate::values::scalar(&hi.value),
            ) {
                if a > b || (a == b && !r.inclusive) {
                    self.cx.error(
                        Diagnostic::new("W0304", r.span, "this range is empty")
                            .label("no value lies in it")
                            .help("write the smaller bound first; `a..b` excludes `b`, `a..=b` includes it"),
                    );
                }
            }
        }
    }

    /// The message for a literal of the wrong type, with a fix where the
    /// intent is clear.
    pub fn mismatch(&self, subject: &str, t: &Ty, lit: &Literal, lt: &Ty) -> Diagnostic {
        let (tn, ln) = (self.cx.ty_noun(t), self.cx.ty_noun(lt));
        let text = self
            .cx
            .source_text(lit.span)
            .unwrap_or_else(|| literal_text(lit));
        match (t, lt) {
            (Ty::Money, x) if x.is_numeric() => {
                let money = format!("${}", literal_text(lit));
                Diagnostic::new(
                    "E0303",
                    lit.span,
                    format!("`{subject}` is money but `{text}` is a plain number"),
                )
                .label("a plain number")
                .help(format!("write amounts of money with `$`: `{money}`"))
                .fix(format!("change to `{money}`"), lit.span, money)
            }
            (Ty::Percent, x) if x.is_numeric() => {
                // A number between -1 and 1 is almost always a fraction
                // (`0.2` for 20%), as spreadsheets write percents.
                let fraction = match lit.value {
                    LitValue::Number(n) if n != 0.0 && n.abs() < 1.0 => Some(n * 100.0),
                    _ => None,
                };
                let (percent, help) = match fraction {
                    Some(p) => {
                        let p = format!("{}%", format_number((p * 1e9).round() / 1e9));
                        let help = format!(
                            "as a fraction, `{text}` is `{p}`; if you mean {text} of a percent, write `{text}%`"
                        );
                        (p, help)
                    }
                    None => (
                        format!("{text}%"),
                        format!("write percentages with `%`: `{text}%`"),
                    ),
                };
                Diagnostic::new(
                    "E0303",
                    lit.span,
                    format!("`{subject}` is a percent but `{text}` is a plain number"),
                )
                .label("a plain number")
                .help(help)
                .fix(format!("change to `{percent}`"), lit.span, percent)
            }
            (a, b) if is_unit(a) && is_unit(b) => Diagnostic::new(
                "E0303",
                lit.span,
                format!("`{subject}` is {tn} but `{text}` is {ln}"),
            )
            .label(format!("{ln}, but {tn} is needed"))
            .help("money, percent and plain numbers never compare with each other"),
            (Ty::Enum(e), Ty::Text) => {
                let value = match &lit.value {
                    LitValue::Str(s) => s.clone(),
                    _ => String::new(),
                };
                let variants = self.cx.variants(*e);
                let exact = variants.iter().find(|v| {
                    v.name.eq_ignore_ascii_case(&value)
                        || v.name == value.replace(' ', "_").to_lowercase()
                });
                let enum_name = self.cx.ty_name(t);
                let mut d = Diagnostic::new(
                    "E0301",
                    lit.span,
                    format!("`{subject}` is {tn}; its values are names, not text"),
                )
                .label("text, expected a value of the enum");
                if let Some(v) = exact {
                    d = d.help(format!("write `{}` without quotes", v.name)).fix(
                        format!("change to `{}`", v.name),
                        lit.span,
                        v.name.clone(),
                    );
                } else {
                    let names: Vec<&str> = variants.iter().map(|v| v.name.as_str()).collect();
                    d = d.help(format!(
                        "the values of `{enum_name}` are {}",
                        list_names(&names)
                    ));
                }
                d
            }
            _ => Diagnostic::new(
                "E0301",
                lit.span,
                format!("`{subject}` is {tn} but `{text}` is {ln}"),
            )
            .label(format!("{ln}, but {tn} is needed")),
        }
    }
}

/// E0201 for a name that is not a field of the schema.
pub fn unknown_field(cx: &mut Context<'_>, schema: &Schema<'_>, name: &ast::Ident) {
    let fields: Vec<String> = schema.field_names().map(str::to_string).collect();
    let message = format!("`{}` has no field `{}`", schema.name.name, name.name);
    cx.unknown_as(
        name,
        message,
        "not a field".to_string(),
        fields.iter().map(String::as_str),
    );
}

fn is_unit(t: &Ty) -> bool {
    matches!(t, Ty::Int | Ty::Number | Ty::Money | Ty::Percent)
}

pub fn operand_text(op: &Operand) -> String {
    match op {
        Operand::Name(n) => n.name.clone(),
        Operand::Literal(l) => literal_text(l),
    }
}

/// A literal as the user would write it (normalised).
pub fn literal_text(l: &Literal) -> String {
    match &l.value {
        LitValue::Number(n) => format_number(*n),
        LitValue::Money(n) => format!("${}", format_number(*n)),
        LitValue::Percent(n) => format!("{}%", format_number(*n)),
        LitValue::Date(d) => d.to_string(),
        LitValue::Duration(d) => d.to_string(),
        LitValue::Str(s) => format!("{s:?}"),
        LitValue::Bool(b) => b.to_string(),
    }
}

fn list_names(names: &[&str]) -> String {
    let shown: Vec<String> = names.iter().take(8).map(|n| format!("`{n}`")).collect();
    let more = if names.len() > 8 { ", ..." } else { "" };
    format!("{}{more}", shown.join(", "))
}

/// `blank = value`: the value must have the field's type, and only scalar
/// fields read as one cell (no sets, dates or durations) take one.
fn check_blank(cx: &mut Context<'_>, f: &ast::Field, ty: &Ty, blank: &Operand) {
    let name = &f.name.name;
    let span = match blank {
        Operand::Literal(l) => l.span,
        Operand::Name(n) => n.span,
    };
    match ty {
        Ty::Error => {}
        Ty::Set(_) | Ty::Date | Ty::Duration => cx.error(
            Diagnostic::new(
                "E0301",
                span,
                format!("`{name}` is {}, which cannot have a blank value", cx.ty_noun(ty)),
            )
            .label("no blank value for this type")
            .help("`blank = ...` is for numbers, money, percents, text, bools and enums; remove it so a blank cell stays missing"),
        ),
        Ty::Enum(e) => match blank {
            Operand::Name(n) => {
                let variants = cx.variants(*e);
                match variants.iter().find(|v| v.name == n.name).map(|v| v.span) {
                    Some(def) => cx.refer(n.span, def),
                    None => {
                        let enum_name = cx.ty_name(ty);
                        let names: Vec<String> = variants.iter().map(|v| v.name.clone()).collect();
                        cx.error(
                            Diagnostic::new(
                                "E0301",
                                n.span,
                                format!("`{enum_name}` has no value `{}`", n.name),
                            )
                            .label(format!("not a value of `{enum_name}`"))
                            .help(format!(
                                "a blank `{name}` must read as one of {}",
                                names.iter().map(|v| format!("`{v}`")).collect::<Vec<_>>().join(", ")
                            )),
                        );
                    }
                }
            }
            Operand::Literal(_) => cx.error(
                Diagnostic::new(
                    "E0301",
                    span,
                    format!("the blank value of `{name}` is not a value of `{}`", cx.ty_name(ty)),
                )
                .label("not a value of the enum")
                .help(format!("write one of the values of `{}`", cx.ty_name(ty))),
            ),
        },
        _ => {
            let ok = match blank {
                Operand::Literal(l) => compatible(ty, &Ty::of_literal(&l.value)),
                Operand::Name(_) => false,
            };
            if !ok {
                cx.error(
                    Diagnostic::new(
                        "E0301",
                        span,
                        format!("the blank value of `{name}` is not {}", cx.ty_noun(ty)),
                    )
                    .label(format!("not {}", cx.ty_noun(ty)))
                    .help(format!("write the value a blank `{name}` cell means, as {}", cx.ty_noun(ty))),
                );
            }
        }
    }
}
