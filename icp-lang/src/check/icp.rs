//! Checks of one ICP: its schema and base, every member, and the merged
//! ("effective") rule set that `extends`, `override` and `drop` produce.

pub use super::model::Effective;
use super::types::{Checker, ExprCx, Facts, Mode, Ty};
use super::{Context, DeclId, DeclKind};
use crate::ast::{self, Expr, Item, LitValue, Member, RuleBody, RuleKind};
use crate::diagnostic::{Diagnostic, Severity};
use crate::span::{FileId, Span};
use crate::suggest;
use std::collections::BTreeMap;
use std::rc::Rc;

pub const ROLES: &[&str] = &[
    "decision_maker",
    "influencer",
    "user",
    "champion",
    "blocker",
];
pub const SENIORITY: &[&str] = &["ic", "manager", "director", "vp", "c_level"];
pub const PERSONA_PROPS: &[&str] = &[
    "role",
    "title",
    "seniority",
    "department",
    "motivations",
    "watering_holes",
];
pub const JOB_PROPS: &[&str] = &["job", "today", "pain", "dream", "trigger"];

pub(super) fn check_icp<'p>(cx: &mut Context<'p>, id: DeclId) {
    let errors_before = count_errors(cx);
    let Some(eff) = effective(cx, id, &mut Vec::new()) else {
        return;
    };
    let decl = eff.decl;
    let mut ck = Checker::new(cx);
    let ecx = ExprCx {
        file: eff.file,
        schema: &eff.schema,
        mode: Mode::Rule,
    };
    // Rules, groups, tiers, personas and jobs of this ICP are their own definitions.
    for (rule, _) in &eff.rules {
        ck.cx.refer(rule.name.span, rule.name.span);
    }
    for g in &eff.groups {
        ck.cx.refer(g.name.span, g.name.span);
    }
    for t in &eff.tiers {
        ck.cx.refer(t.name.span, t.name.span);
    }
    for (j, _) in &eff.jobs {
        ck.cx.refer(j.name.span, j.name.span);
    }
    for p in &eff.personas {
        ck.cx.refer(p.name.span, p.name.span);
    }
    let mut seen_owner: Option<Span> = None;
    let mut seen_reviewed: Option<Span> = None;
    for m in &decl.members {
        match m {
            Member::Rule(r) => check_rule(&mut ck, &ecx, &eff, r, false),
            Member::Group(g) => {
                if let Some(cap) = &g.cap {
                    whole_points(ck.cx, cap, "a group cap", true);
                }
                for r in &g.rules {
                    check_rule(&mut ck, &ecx, &eff, r, true);
                }
            }
            Member::Tier(t) => {
                if let Some(cond) = &t.condition {
                    let names = eff.score_names();
                    let tcx = ExprCx {
                        file: eff.file,
                        schema: &eff.schema,
                        mode: Mode::Tier(&names),
                    };
                    ck.condition(&tcx, cond, &mut Facts::default());
                }
            }
            Member::Persona(p) => match &p.props {
                Some(_) => check_persona(ck.cx, p, eff.file),
                None => {
                    ck.cx
                        .resolve(eff.file, &p.name, &[DeclKind::Persona], "a persona");
                }
            },
            Member::Job(j) => {
                if j.props.is_some() {
                    check_job(ck.cx, j);
                }
            }
            Member::Test(t) => check_test(&mut ck, &ecx, &eff, t),
            Member::Owner(_, span) => duplicate_setting(ck.cx, &mut seen_owner, *span, "owner"),
            Member::Reviewed(r) => duplicate_setting(ck.cx, &mut seen_reviewed, r.span, "reviewed"),
            Member::Drop(..) => {}
        }
    }
    // An ICP with a member that did not parse is incomplete: analysing it
    // would report the missing member's absence as a second problem.
    let incomplete = cx.broken.contains(decl.name.name.as_str());
    // Otherwise it is analysed after the checker (`crate::analysis`).
    if count_errors(cx) != errors_before || incomplete {
        cx.icp_has_errors.insert(id);
    }
}

fn count_errors(cx: &Context<'_>) -> usize {
    cx.diags
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count()
}

fn duplicate_setting(cx: &mut Context<'_>, seen: &mut Option<Span>, span: Span, what: &str) {
    match seen {
        Some(prev) => cx.error(
            Diagnostic::new("E0202", span, format!("`{what}` is given twice"))
                .label("again here")
                .secondary(*prev, "first here"),
        ),
        None => *seen = Some(span),
    }
}

/// Builds (once) the merged view of an ICP, reporting problems with
/// `for`, `extends`, `override` and `drop` as it goes.
pub(crate) fn effective<'p>(
    cx: &mut Context<'p>,
    id: DeclId,
    stack: &mut Vec<DeclId>,
) -> Option<Rc<Effective<'p>>> {
    if let Some(done) = cx.effective.get(&id) {
        return done.clone();
    }
    let decl = cx.decl(id)?;
    let (Item::Icp(icp), file) = (decl.item, decl.file) else {
        return None;
    };
    if stack.contains(&id) {
        let chain: Vec<String> = stack
            .iter()
            .filter_map(|d| cx.decl(*d).map(|d| format!("`{}`", d.name.name)))
            .chain(std::iter::once(format!("`{}`", icp.name.name)))
            .collect();
        let span = icp
            .extends
            .as_ref()
            .map(|e| e.span)
            .unwrap_or(icp.name.span);
        cx.error(
            Diagnostic::new(
                "E0207",
                span,
                format!("`{}` extends itself through a cycle", icp.name.name),
            )
            .label("part of the cycle")
            .note(format!("cycle: {}", chain.join(" extends ")))
            .help("make one of these ICPs stand on its own"),
        );
        return None;
    }
    stack.push(id);
    let result = build_effective(cx, id, icp, file, stack);
    stack.pop();
    cx.effective.insert(id, result.clone());
    result
}

fn build_effective<'p>(
    cx: &mut Context<'p>,
    id: DeclId,
    icp: &'p ast::IcpDecl,
    file: FileId,
    stack: &mut Vec<DeclId>,
) -> Option<Rc<Effective<'p>>> {
    let schema_id = cx.resolve(file, &icp.schema, &[DeclKind::Schema], "a schema");
    let schema = schema_id.and_then(|s| cx.schema_rc(s));
    let base = match &icp.extends {
        Some(name) => match cx.resolve(file, name, &[DeclKind::Icp], "an ICP") {
            Some(base_id) => {
                let base = effective(cx, base_id, stack);
                if let (Some(b), Some(s)) = (&base, schema_id) {
                    let base_schema = cx.decl(b.id).and_then(|d| match d.item {
                        Item::Icp(i) => Some(i.schema.name.clone()),
                        _ => None,
                    });
                    if base_schema.as_deref() != Some(icp.schema.name.as_str())
                        && cx.decl(s).is_some()
                    {
                        cx.error(
                            Diagnostic::new(
                                "E0208",
                                name.span,
                                format!(
                                    "`{}` is for `{}`, but this ICP is for `{}`",
                                    name.name,
                                    base_schema.unwrap_or_default(),
                                    icp.schema.name
                                ),
                            )
                            .label("different schema")
                            .help("an ICP can only extend an ICP for the same schema"),
                        );
                        return None;
                    }
                }
                base
            }
            None => None,
        },
        None => None,
    };
    let schema = schema?;
    if icp.extends.is_some() && base.is_none() {
        return None;
    }
    let mut eff = match &base {
        Some(b) => Effective {
            id,
            decl: icp,
            file,
            schema,
            rules: b.rules.clone(),
            groups: b.groups.clone(),
            tiers: b.tiers.clone(),
            personas: b.personas.clone(),
            jobs: b.jobs.clone(),
            owner: b.owner,
            reviewed: b.reviewed,
        },
        None => Effective {
            id,
            decl: icp,
            file,
            schema,
            rules: Vec::new(),
            groups: Vec::new(),
            tiers: Vec::new(),
            personas: Vec::new(),
            jobs: Vec::new(),
            owner: None,
            reviewed: None,
        },
    };
    let base_name = icp.extends.as_ref().map(|e| e.name.clone());
    let mut own_names: BTreeMap<&str, Span> = BTreeMap::new();
    let mut own_tiers = Vec::new();
    for m in &icp.members {
        match m {
            Member::Owner(s, _) => eff.owner = Some(s),
            Member::Reviewed(r) => eff.reviewed = Some(r),
            Member::Rule(r) => {
                if claim(cx, &mut own_names, &r.name) {
                    place_rule(cx, &mut eff, r, None, base_name.as_deref());
                }
            }
            Member::Group(g) => {
                if !claim(cx, &mut own_names, &g.name) {
                    continue;
                }
                let existing = eff.groups.iter().position(|x| x.name.name == g.name.name);
                if !override_ok(
                    cx,
                    g.overrides,
                    existing.is_some(),
                    &g.name,
                    "group",
                    base_name.as_deref(),
                ) {
                    continue;
                }
                let gi = match existing {
                    Some(i) => {
                        // An overriding group replaces the base group's signals.
                        eff.rules.retain(|(_, gr)| *gr != Some(i));
                        if let Some(slot) = eff.groups.get_mut(i) {
                            *slot = g;
                        }
                        i
                    }
                    None => {
                        eff.groups.push(g);
                        eff.groups.len() - 1
                    }
                };
                for r in &g.rules {
                    if claim(cx, &mut own_names, &r.name) {
                        place_rule(cx, &mut eff, r, Some(gi), None);
                    }
                }
            }
            Member::Tier(t) => own_tiers.push(t),
            Member::Persona(p) => {
                let existing = eff.personas.iter().position(|x| x.name.name == p.name.name);
                if override_ok(
                    cx,
                    p.overrides,
                    existing.is_some(),
                    &p.name,
                    "persona",
                    base_name.as_deref(),
                ) {
                    match existing {
                        Some(i) => {
                            if let Some(slot) = eff.personas.get_mut(i) {
                                *slot = p;
                            }
                        }
                        None => eff.personas.push(p),
                    }
                }
            }
            Member::Job(j) => {
                let resolved = match &j.props {
                    Some(_) => Some(j),
                    None => cx
                        .resolve(file, &j.name, &[DeclKind::Job], "a job")
                        .and_then(|jid| match cx.decl(jid).map(|d| d.item) {
                            Some(Item::Job(top)) => Some(top),
                            _ => None,
                        }),
                };
                let existing = eff
                    .jobs
                    .iter()
                    .position(|(x, _)| x.name.name == j.name.name);
                if let Some(job) = resolved {
                    if override_ok(
                        cx,
                        j.overrides,
                        existing.is_some(),
                        &j.name,
                        "job",
                        base_name.as_deref(),
                    ) {
                        match existing {
                            Some(i) => {
                                if let Some(slot) = eff.jobs.get_mut(i) {
                                    *slot = (job, j.span);
                                }
                            }
                            None => eff.jobs.push((job, j.span)),
                        }
                    }
                }
            }
            Member::Drop(name, span) => {
                let Some(base) = &base_name else {
                    cx.error(
                        Diagnostic::new(
                            "E0208",
                            *span,
                            "`drop` only works in an ICP that `extends` another",
                        )
                        .label("nothing to drop from")
                        .help("remove the line, or add `extends base_icp` to the ICP's header"),
                    );
                    continue;
                };
                let before = eff.rules.len();
                eff.rules.retain(|(r, _)| r.name.name != name.name);
                let mut found = eff.rules.len() != before;
                if let Some(gi) = eff.groups.iter().position(|g| g.name.name == name.name) {
                    eff.rules.retain(|(_, g)| *g != Some(gi));
                    found = true;
                }
                if let Some(pi) = eff.personas.iter().position(|p| p.name.name == name.name) {
                    eff.personas.remove(pi);
                    found = true;
                }
                if let Some(ji) = eff.jobs.iter().position(|(j, _)| j.name.name == name.name) {
                    eff.jobs.remove(ji);
                    found = true;
                }
                if !found {
                    let candidates: Vec<String> = base_rule_names(base, &eff);
                    let mut d = Diagnostic::new(
                        "E0208",
                        name.span,
                        format!("`{base}` has no rule `{}` to drop", name.name),
                    )
                    .label("not in the base ICP");
                    if let Some(best) =
                        suggest::closest(&name.name, candidates.iter().map(String::as_str))
                    {
                        d = d.help(format!("did you mean `{best}`?")).fix(
                            format!("change to `{best}`"),
                            name.span,
                            best.to_string(),
                        );
                    }
                    cx.error(d);
                }
            }
            Member::Test(_) => {}
        }
    }
    // Groups removed by `drop` stay as empty entries so indices hold; a
    // dropped group has no rules left and is skipped by analysis.
    if !own_tiers.is_empty() {
        eff.tiers = own_tiers;
    }
    let mut tier_names: BTreeMap<&str, Span> = BTreeMap::new();
    for t in &eff.tiers {
        if t.name.span.file != file {
            continue;
        }
        if let Some(prev) = tier_names.insert(t.name.name.as_str(), t.name.span) {
            cx.error(
                Diagnostic::new(
                    "E0202",
                    t.name.span,
                    format!("tier `{}` is declared twice", t.name.name),
                )
                .label("again here")
                .secondary(prev, "first here"),
            );
        }
    }
    Some(Rc::new(eff))
}

fn base_rule_names(_base: &str, eff: &Effective<'_>) -> Vec<String> {
    eff.rules
        .iter()
        .map(|(r, _)| r.name.name.clone())
        .chain(eff.groups.iter().map(|g| g.name.name.clone()))
        .collect()
}

/// Records a rule or group name of this ICP; false (and E0202) on a duplicate.
fn claim<'p>(
    cx: &mut Context<'p>,
    names: &mut BTreeMap<&'p str, Span>,
    name: &'p ast::Ident,
) -> bool {
    match names.get(name.name.as_str()) {
        Some(prev) => {
            cx.error(
                Diagnostic::new(
                    "E0202",
                    name.span,
                    format!("`{}` is declared twice in this ICP", name.name),
                )
                .label("declared again here")
                .secondary(*prev, "first declared here")
                .help("filters, exclusions, signals and groups share one set of names"),
            );
            false
        }
        None => {
            names.insert(&name.name, name.span);
            true
        }
    }
}

fn place_rule<'p>(
    cx: &mut Context<'p>,
    eff: &mut Effective<'p>,
    r: &'p ast::Rule,
    group: Option<usize>,
    base: Option<&str>,
) {
    let existing = eff
        .rules
        .iter()
        .position(|(x, _)| x.name.name == r.name.name);
    if group.is_none()
        && !override_ok(
            cx,
            r.overrides,
            existing.is_some(),
            &r.name,
            r.kind.keyword(),
            base,
        )
    {
        return;
    }
    match existing {
        Some(i) => {
            let keep_group = eff.rules.get(i).and_then(|(_, g)| *g);
            if let Some(slot) = eff.rules.get_mut(i) {
                *slot = (r, group.or(keep_group));
            }
        }
        None => eff.rules.push((r, group)),
    }
}

/// `override` must replace something, and replacing needs `override`.
fn override_ok(
    cx: &mut Context<'_>,
    overrides: bool,
    exists: bool,
    name: &ast::Ident,
    what: &str,
    base: Option<&str>,
) -> bool {
    match (overrides, exists, base) {
        (true, _, None) => {
            cx.error(
                Diagnostic::new(
                    "E0208",
                    name.span,
                    "`override` only works in an ICP that `extends` another",
                )
                .label("nothing to override")
                .help("remove `override`"),
            );
            false
        }
        (true, false, Some(base)) => {
            cx.error(
                Diagnostic::new(
                    "E0208",
                    name.span,
                    format!("`{base}` has no {what} `{}` to override", name.name),
                )
                .label("not in the base ICP")
                .help("remove `override` to add a new rule"),
            );
            false
        }
        (false, true, Some(base)) => {
            cx.error(
                Diagnostic::new(
                    "E0208",
                    name.span,
                    format!("`{}` is already defined in `{base}`", name.name),
                )
                .label("redefines a base rule")
                .help(format!(
                    "write `override {what} {}` to replace it, or choose another name",
                    name.name
                )),
            );
            false
        }
        _ => true,
    }
}

fn check_rule<'p>(
    ck: &mut Checker<'_, 'p>,
    ecx: &ExprCx<'_, 'p>,
    eff: &Effective<'p>,
    r: &'p ast::Rule,
    in_group: bool,
) {
    if in_group && r.kind != RuleKind::Signal {
        ck.cx.error(
            Diagnostic::new(
                "E0209",
                r.name.span,
                format!(
                    "a group holds signals, but `{}` is {}",
                    r.name.name,
                    if r.kind == RuleKind::Filter {
                        "a filter"
                    } else {
                        "an exclusion"
                    }
                ),
            )
            .label("not a signal")
            .help("move filters and exclusions out of the group"),
        );
        return;
    }
    let mut facts = Facts::default();
    match &r.body {
        RuleBody::Condition { expr, weight } => {
            ck.condition(ecx, expr, &mut facts);
            if let Some(w) = weight {
                whole_points(ck.cx, w, "a weight", false);
            }
        }
        RuleBody::Bands { field, bands, .. } => check_bands(ck, ecx, field, bands, &mut facts),
    }
    if r.kind == RuleKind::Filter {
        for (name, span) in &facts.optional_refs {
            if !facts.missing_tested.contains(name) {
                let (start, end) = match &r.body {
                    RuleBody::Condition { expr, .. } => (expr.span(), expr.span()),
                    RuleBody::Bands { span, .. } => (*span, *span),
                };
                let keep = format!("({}) or {name} is missing", text_of(ck.cx, start));
                ck.cx.error(
                    Diagnostic::new("W0201", *span, format!("filter `{}` does not say what happens when `{name}` is missing", r.name.name))
                        .label(format!("`{name}` is optional"))
                        .note("a filter whose condition is unknown removes the account")
                        .help(format!("add `or {name} is missing` to keep accounts without this data, or `{name} is known and ...` to drop them on purpose"))
                        .fix(format!("keep accounts with no `{name}`"), start.to(end), keep),
                );
                break;
            }
        }
    }
    if let Some(decay) = &r.decay {
        let has_within = match &r.body {
            RuleBody::Condition { expr, .. } => within_field(expr).is_some(),
            RuleBody::Bands { .. } => false,
        };
        if !has_within {
            ck.cx.error(
                Diagnostic::new("E0304", decay.span, "`decay` needs a condition on a date")
                    .label("nothing to measure age from")
                    .help(
                        "write the signal as `date_field within 30d weight N decay half_life 14d`",
                    ),
            );
        } else if !matches!(decay.value, LitValue::Duration(d) if d.amount > 0) {
            ck.cx.error(
                Diagnostic::new(
                    "E0304",
                    decay.span,
                    "a half-life must be a positive duration such as `14d`",
                )
                .label("not a positive duration"),
            );
        }
    }
    if let Some(job) = &r.for_job {
        if let Some((j, _)) = eff.jobs.iter().find(|(j, _)| j.name.name == job.name) {
            ck.cx.refer(job.span, j.name.span);
        } else {
            let known_top = ck
                .cx
                .scopes
                .get(&ecx.file)
                .and_then(|s| s.get(job.name.as_str()))
                .and_then(|id| ck.cx.decl(*id))
                .is_some_and(|d| d.kind == DeclKind::Job);
            if known_top {
                ck.cx.error(
                    Diagnostic::new(
                        "E0201",
                        job.span,
                        format!("job `{}` is not part of this ICP", job.name),
                    )
                    .label("declared elsewhere")
                    .help(format!(
                        "include it in the ICP with a line `job {}`",
                        job.name
                    )),
                );
            } else {
                let names: Vec<String> =
                    eff.jobs.iter().map(|(j, _)| j.name.name.clone()).collect();
                ck.cx.unknown(job, "job", names.iter().map(String::as_str));
            }
        }
    }
}

fn text_of(cx: &Context<'_>, span: Span) -> String {
    cx.project
        .sources
        .get(span.file)
        .and_then(|s| s.text.get(span.range()))
        .unwrap_or("")
        .to_string()
}

/// The date field of a `within` test at the top of (or and-ed into) a condition.
pub fn within_field(e: &Expr) -> Option<&ast::Ident> {
    match e {
        Expr::Within {
            lhs: ast::Operand::Name(n),
            ..
        } => Some(n),
        Expr::And(parts, _) => parts.iter().find_map(within_field),
        _ => None,
    }
}

fn whole_points(cx: &mut Context<'_>, lit: &ast::Literal, what: &str, positive: bool) {
    let ok = match lit.value {
        LitValue::Number(n) => n.fract() == 0.0 && (!positive || n > 0.0) && n.abs() <= 1e9,
        _ => false,
    };
    if !ok {
        let need = if positive {
            "a positive whole number"
        } else {
            "a whole number"
        };
        cx.error(
            Diagnostic::new(
                "E0305",
                lit.span,
                format!("{what} must be {need} of points"),
            )
            .label(format!("not {need}"))
            .help("points are plain whole numbers such as `25` or `-10`"),
        );
    }
}

fn check_bands<'p>(
    ck: &mut Checker<'_, 'p>,
    ecx: &ExprCx<'_, 'p>,
    field: &'p ast::Ident,
    bands: &'p [ast::Band],
    facts: &mut Facts,
) {
    let subject = ast::Operand::Name(field.clone());
    let Some(f) = ecx.schema.field(&field.name) else {
        super::types::unknown_field(ck.cx, ecx.schema, field);
        return;
    };
    ck.cx.refer(field.span, f.decl.name.span);
    let t = f.ty.clone();
    if matches!(t, Ty::Set(_) | Ty::Bool) {
        ck.cx.error(
            Diagnostic::new("E0302", field.span, format!("`points by` needs a number, money, percent, date, enum or text field; `{}` is {}", field.name, ck.cx.ty_noun(&t)))
                .label("cannot be banded"),
        );
        return;
    }
    overlapping_bands(ck.cx, field, bands);
    for band in bands {
        whole_points(ck.cx, &band.points, "band points", false);
        match &band.pattern {
            ast::BandPattern::Range(r) => {
                if !t.is_ordered() {
                    ck.cx.error(
                        Diagnostic::new(
                            "E0302",
                            r.span,
                            format!(
                                "`{}` is {} and has no ranges",
                                field.name,
                                ck.cx.ty_noun(&t)
                            ),
                        )
                        .label("a range")
                        .help("give one band per value"),
                    );
                    continue;
                }
                for bound in r.lo.iter().chain(r.hi.iter()) {
                    let bt = Ty::of_literal(&bound.value);
                    if !super::types::compatible(&t, &bt) {
                        let d = ck.mismatch(&field.name, &t, bound, &bt);
                        ck.cx.error(d);
                    }
                }
            }
            ast::BandPattern::Value(v) => ck.value(ecx, &subject, &t, v, facts),
        }
    }
}

/// W0305: two bands that share a value (the first one wins, silently).
fn overlapping_bands(cx: &mut Context<'_>, field: &ast::Ident, bands: &[ast::Band]) {
    use crate::values::scalar;
    // Each band as (lo, hi, hi_inclusive) on one line; values are points.
    let as_range = |b: &ast::Band| -> Option<(f64, f64, bool)> {
        match &b.pattern {
            ast::BandPattern::Range(r) => {
                let lo =
                    r.lo.as_ref()
                        .map(|l| scalar(&l.value))
                        .unwrap_or(Some(f64::NEG_INFINITY))?;
                let hi =
                    r.hi.as_ref()
                        .map(|h| scalar(&h.value))
                        .unwrap_or(Some(f64::INFINITY))?;
                Some((lo, hi, r.inclusive || r.hi.is_none()))
            }
            ast::BandPattern::Value(ast::Operand::Literal(l)) => {
                scalar(&l.value).map(|v| (v, v, true))
            }
            ast::BandPattern::Value(ast::Operand::Name(_)) => None,
        }
    };
    let mut words: BTreeMap<String, Span> = BTreeMap::new();
    for (i, b) in bands.iter().enumerate() {
        if let ast::BandPattern::Value(op) = &b.pattern {
            let key = match op {
                ast::Operand::Name(n) => Some(n.name.clone()),
                ast::Operand::Literal(ast::Literal {
                    value: LitValue::Str(s),
                    ..
                }) => Some(format!("{s:?}")),
                _ => None,
            };
            if let Some(key) = key {
                if let Some(prev) = words.insert(key.clone(), b.span) {
                    cx.error(
                        Diagnostic::new("W0305", b.span, format!("`{key}` already has a band"))
                            .label("never used")
                            .secondary(prev, "this band takes it first"),
                    );
                }
                continue;
            }
        }
        let Some((lo, hi, hi_incl)) = as_range(b) else {
            continue;
        };
        for earlier in bands.iter().take(i) {
            let Some((elo, ehi, ehi_incl)) = as_range(earlier) else {
                continue;
            };
            // Overlap of [lo, hi] and [elo, ehi] with the exclusive ends respected.
            let start = lo.max(elo);
            let end_ok = if hi < ehi {
                hi_incl
            } else if ehi < hi {
                ehi_incl
            } else {
                hi_incl && ehi_incl
            };
            let end = hi.min(ehi);
            if start < end || (start == end && end_ok) {
                cx.error(
                    Diagnostic::new(
                        "W0305",
                        b.span,
                        format!("this band of `{}` overlaps an earlier one", field.name),
                    )
                    .label("shares values with an earlier band")
                    .secondary(earlier.span, "the earlier band wins for the shared values")
                    .help("make bands disjoint: `1..=50`, `51..=200`, or `..50`, `50..200`"),
                );
                break;
            }
        }
    }
}

pub(super) fn check_persona(cx: &mut Context<'_>, p: &ast::PersonaDecl, _file: FileId) {
    let Some(props) = &p.props else { return };
    let mut seen: BTreeMap<&str, Span> = BTreeMap::new();
    for prop in props {
        let name = prop.name.name.as_str();
        if !PERSONA_PROPS.contains(&name) {
            let mut d = Diagnostic::new(
                "E0306",
                prop.name.span,
                format!("a persona has no property `{name}`"),
            )
            .label("unknown property");
            d = match suggest::closest(name, PERSONA_PROPS.iter().copied()) {
                Some(best) => d.help(format!("did you mean `{best}`?")).fix(
                    format!("change to `{best}`"),
                    prop.name.span,
                    best,
                ),
                None => d.help(format!("persona properties are {}", quoted(PERSONA_PROPS))),
            };
            cx.error(d);
            continue;
        }
        if let Some(prev) = seen.insert(name, prop.name.span) {
            cx.error(
                Diagnostic::new("E0306", prop.name.span, format!("`{name}` is given twice"))
                    .label("again here")
                    .secondary(prev, "first here"),
            );
            continue;
        }
        use ast::PropValue as V;
        let ok = match (name, &prop.value) {
            ("role", V::Name(n)) => vocabulary(cx, n, ROLES, "role"),
            ("title", V::Matches { .. }) => true,
            (
                "seniority",
                V::Compare {
                    value: ast::Operand::Name(n),
                    ..
                },
            ) => vocabulary(cx, n, SENIORITY, "seniority level"),
            ("seniority", V::In(items)) => items.iter().all(|i| match i {
                ast::Operand::Name(n) => vocabulary(cx, n, SENIORITY, "seniority level"),
                _ => false,
            }),
            ("department", V::In(items) | V::List(items)) => all_strings(items),
            ("department", V::Str(_)) => true,
            ("motivations" | "watering_holes", V::List(items)) => all_strings(items),
            ("motivations" | "watering_holes", V::Str(_)) => true,
            _ => false,
        };
        if !ok
            && !cx
                .diags
                .last()
                .is_some_and(|d| d.span().start >= prop.span.start && d.span().end <= prop.span.end)
        {
            let form = match name {
                "role" => "`role decision_maker` (or influencer, user, champion, blocker)",
                "title" => "`title matches any [\"VP* Sales\", \"CRO\"]`",
                "seniority" => {
                    "`seniority >= director` (levels: ic, manager, director, vp, c_level)"
                }
                "department" => "`department in [\"Operations\", \"IT\"]`",
                _ => "a list of strings, e.g. `[\"cost reduction\", \"uptime\"]`",
            };
            cx.error(
                Diagnostic::new(
                    "E0306",
                    prop.span,
                    format!("`{name}` is not written this way"),
                )
                .label("unexpected form")
                .help(format!("write {form}")),
            );
        }
    }
}

fn all_strings(items: &[ast::Operand]) -> bool {
    items.iter().all(|i| {
        matches!(
            i,
            ast::Operand::Literal(ast::Literal {
                value: LitValue::Str(_),
                ..
            })
        )
    })
}

fn vocabulary(cx: &mut Context<'_>, n: &ast::Ident, words: &[&str], what: &str) -> bool {
    if words.contains(&n.name.as_str()) {
        return true;
    }
    let mut d = Diagnostic::new("E0306", n.span, format!("unknown {what} `{}`", n.name))
        .label(format!("not a {what}"));
    d = match suggest::closest(&n.name, words.iter().copied()) {
        Some(best) => d.help(format!("did you mean `{best}`?")).fix(
            format!("change to `{best}`"),
            n.span,
            best,
        ),
        None => d.help(format!("use one of {}", quoted(words))),
    };
    cx.error(d);
    true
}

fn quoted(words: &[&str]) -> String {
    words
        .iter()
        .map(|w| format!("`{w}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

pub(super) fn check_job(cx: &mut Context<'_>, j: &ast::JobDecl) {
    let Some(props) = &j.props else { return };
    let mut seen: BTreeMap<&str, Span> = BTreeMap::new();
    for prop in props {
        let name = prop.name.name.as_str();
        if !JOB_PROPS.contains(&name) {
            let mut d = Diagnostic::new(
                "E0306",
                prop.name.span,
                format!("a job has no property `{name}`"),
            )
            .label("unknown property");
            d = match suggest::closest(name, JOB_PROPS.iter().copied()) {
                Some(best) => d.help(format!("did you mean `{best}`?")).fix(
                    format!("change to `{best}`"),
                    prop.name.span,
                    best,
                ),
                None => d.help(format!("job properties are {}", quoted(JOB_PROPS))),
            };
            cx.error(d);
        } else if let Some(prev) = seen.insert(name, prop.name.span) {
            cx.error(
                Diagnostic::new("E0306", prop.name.span, format!("`{name}` is given twice"))
                    .label("again here")
                    .secondary(prev, "first here"),
            );
        }
    }
}

fn check_test<'p>(
    ck: &mut Checker<'_, 'p>,
    ecx: &ExprCx<'_, 'p>,
    eff: &Effective<'p>,
    t: &'p ast::TestDecl,
) {
    let mut seen: BTreeMap<&str, Span> = BTreeMap::new();
    for g in &t.given {
        if let Some(prev) = seen.insert(g.name.name.as_str(), g.name.span) {
            ck.cx.error(
                Diagnostic::new(
                    "E0202",
                    g.name.span,
                    format!("`{}` is given twice", g.name.name),
                )
                .label("again here")
                .secondary(prev, "first here"),
            );
            continue;
        }
        let Some(f) = ecx.schema.field(&g.name.name) else {
            super::types::unknown_field(ck.cx, ecx.schema, &g.name);
            continue;
        };
        ck.cx.refer(g.name.span, f.decl.name.span);
        let t = f.ty.clone();
        let subject = ast::Operand::Name(g.name.clone());
        let mut facts = Facts::default();
        match (&g.value, &t) {
            (ast::GivenValue::List(items, _), Ty::Set(elem)) => {
                for item in items {
                    ck.value(ecx, &subject, elem, item, &mut facts);
                }
            }
            (ast::GivenValue::List(_, span), _) => ck.cx.error(
                Diagnostic::new(
                    "E0301",
                    *span,
                    format!("`{}` is {}, not a set", g.name.name, ck.cx.ty_noun(&t)),
                )
                .label("a list"),
            ),
            (ast::GivenValue::One(v), Ty::Set(elem)) => {
                let elem = (**elem).clone();
                ck.value(ecx, &subject, &elem, v, &mut facts);
            }
            (ast::GivenValue::One(v), _) => ck.value(ecx, &subject, &t, v, &mut facts),
        }
    }
    if t.expects.is_empty() {
        ck.cx.error(
            Diagnostic::new("E0307", t.name.span, "this test expects nothing")
                .label("no `expect`")
                .help("add e.g. `expect tier A` or `expect excluded by rule_name`"),
        );
    }
    let tiers: Vec<String> = eff.tiers.iter().map(|t| t.name.name.clone()).collect();
    for e in &t.expects {
        // Names in expectations refer to the ICP's tiers and rules.
        let named = match e {
            ast::Expect::Tier(n, _) => eff
                .tiers
                .iter()
                .find(|t| t.name.name == n.name)
                .map(|t| (n.span, t.name.span)),
            ast::Expect::ExcludedBy(n, _) | ast::Expect::Signal(n, ..) => {
                eff.rule(&n.name).map(|r| (n.span, r.name.span))
            }
            _ => None,
        };
        if let Some((used, def)) = named {
            ck.cx.refer(used, def);
        }
        match e {
            ast::Expect::Tier(name, _) if !tiers.contains(&name.name) => {
                ck.cx
                    .unknown(name, "tier", tiers.iter().map(String::as_str))
            }
            ast::Expect::ExcludedBy(name, _) => match eff.rule(&name.name) {
                Some(r) if r.kind == RuleKind::Signal => ck.cx.error(
                    Diagnostic::new(
                        "E0209",
                        name.span,
                        format!(
                            "`{}` is a signal; only filters and exclusions remove accounts",
                            name.name
                        ),
                    )
                    .label("a signal"),
                ),
                Some(_) => {}
                None => {
                    let names: Vec<String> = eff
                        .rules
                        .iter()
                        .filter(|(r, _)| r.kind != RuleKind::Signal)
                        .map(|(r, _)| r.name.name.clone())
                        .collect();
                    ck.cx.unknown(
                        name,
                        "filter or exclusion",
                        names.iter().map(String::as_str),
                    );
                }
            },
            ast::Expect::Signal(name, ..) => match eff.rule(&name.name) {
                Some(r) if r.kind != RuleKind::Signal => ck.cx.error(
                    Diagnostic::new(
                        "E0209",
                        name.span,
                        format!(
                            "`{}` is {}, not a signal",
                            name.name,
                            if r.kind == RuleKind::Filter {
                                "a filter"
                            } else {
                                "an exclusion"
                            }
                        ),
                    )
                    .label("not a signal"),
                ),
                Some(_) => {}
                None => {
                    let names: Vec<String> = eff
                        .rules
                        .iter()
                        .filter(|(r, _)| r.kind == RuleKind::Signal)
                        .map(|(r, _)| r.name.name.clone())
                        .collect();
                    ck.cx
                        .unknown(name, "signal", names.iter().map(String::as_str));
                }
            },
            ast::Expect::Score { name, .. } => {
                let names = eff.score_names();
                if !names.contains(&name.name) {
                    ck.cx
                        .unknown(name, "score or group", names.iter().map(String::as_str));
                }
            }
            _ => {}
        }
    }
}
