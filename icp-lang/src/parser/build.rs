//! pest pairs to syntax tree, and pest errors to diagnostics.
//!
//! The builder never panics on a tree shape it does not expect: every step
//! returns `Option`, and `None` becomes a located diagnostic in the caller.

use super::{describe, Parsing, Rule};
use crate::ast::*;
use crate::diagnostic::Diagnostic;
use crate::lexer::{Token, TokenKind};
use crate::span::{FileId, Span};
use pest::iterators::Pair;

type P<'i> = Pair<'i, Rule>;

pub(super) struct Builder<'a> {
    file: FileId,
    src: &'a str,
    tokens: &'a [Token],
    base: u32,
    diags: Vec<Diagnostic>,
    /// A literal was malformed and already reported: the item is dropped
    /// without the generic "could not read" message.
    failed: bool,
}

fn is_keyword(rule: Rule) -> bool {
    use Rule::*;
    matches!(
        rule,
        kw_import
            | kw_enum
            | kw_schema
            | kw_set
            | kw_key
            | kw_from
            | kw_blank
            | kw_fraction
            | kw_display
            | kw_segment
            | kw_icp
            | kw_for
            | kw_extends
            | kw_owner
            | kw_reviewed
            | kw_every
            | kw_drop
            | kw_override
            | kw_filter
            | kw_exclude
            | kw_signal
            | kw_weight
            | kw_points
            | kw_by
            | kw_decay
            | kw_half_life
            | kw_job
            | kw_because
            | kw_group
            | kw_cap
            | kw_tier
            | kw_otherwise
            | kw_persona
            | kw_test
            | kw_as_of
            | kw_given
            | kw_expect
            | kw_no
            | kw_excluded
            | kw_passes
            | kw_fires
            | kw_silent
            | kw_unknown
            | kw_or
            | kw_and
            | kw_not
            | kw_in
            | kw_has
            | kw_any
            | kw_all
            | kw_none
            | kw_matches
            | kw_within
            | kw_is
            | kw_missing
            | kw_known
    )
}

/// The children that carry meaning (keywords dropped).
fn parts(p: P<'_>) -> Vec<P<'_>> {
    p.into_inner()
        .filter(|c| !is_keyword(c.as_rule()))
        .collect()
}

fn has_kw(p: &P<'_>, kw: Rule) -> bool {
    p.clone().into_inner().any(|c| c.as_rule() == kw)
}

impl<'a> Builder<'a> {
    pub(super) fn new(file: FileId, src: &'a str, tokens: &'a [Token], base: u32) -> Builder<'a> {
        Builder {
            file,
            src,
            tokens,
            base,
            diags: Vec::new(),
            failed: false,
        }
    }

    pub(super) fn finish(self) -> (Vec<Diagnostic>, bool) {
        (self.diags, self.failed)
    }

    /// A pair's span, ending at its last token: pest counts the white space
    /// (and comments) it skipped before a trailing `?` or `*` that matched
    /// nothing as part of the rule.
    fn span(&self, p: &P<'_>) -> Span {
        let s = p.as_span();
        let (start, mut end) = (self.base + s.start() as u32, self.base + s.end() as u32);
        let before_end = self.tokens.partition_point(|t| t.end <= end);
        if let Some(last) = self
            .tokens
            .get(..before_end)
            .and_then(|ts| ts.iter().rev().find(|t| !t.kind.is_trivia()))
        {
            if last.end > start {
                end = last.end;
            }
        }
        Span::new(self.file, start as usize, end as usize)
    }

    /// `///` lines directly above the token that starts at `offset`.
    fn doc(&self, offset: u32) -> Option<String> {
        let idx = self.tokens.partition_point(|t| t.start < offset);
        let mut lines = Vec::new();
        for t in self.tokens.get(..idx)?.iter().rev() {
            match t.kind {
                TokenKind::Whitespace | TokenKind::Newline => continue,
                TokenKind::DocComment => {
                    let text = t.text(self.src).trim_start_matches("///");
                    lines.push(
                        text.strip_prefix(' ')
                            .unwrap_or(text)
                            .trim_end()
                            .to_string(),
                    );
                }
                _ => break,
            }
        }
        if lines.is_empty() {
            return None;
        }
        lines.reverse();
        Some(lines.join("\n"))
    }

    fn doc_of(&self, p: &P<'_>) -> Option<String> {
        self.doc(self.span(p).start)
    }

    // ------------------------------------------------------------ entry points

    pub(super) fn item_only(&mut self, p: P<'_>) -> Option<Item> {
        let item = p.into_inner().find(|c| c.as_rule() != Rule::EOI)?;
        self.item(item)
    }

    pub(super) fn member_only(&mut self, p: P<'_>) -> Option<Member> {
        let m = p.into_inner().find(|c| c.as_rule() != Rule::EOI)?;
        self.member(m)
    }

    pub(super) fn group_member_only(&mut self, p: P<'_>) -> Option<Rule_> {
        let m = p.into_inner().find(|c| c.as_rule() == Rule::rule_decl)?;
        self.rule(m)
    }

    pub(super) fn field_only(&mut self, p: P<'_>) -> Option<Field> {
        let f = p.into_inner().find(|c| c.as_rule() == Rule::field)?;
        self.field(f)
    }

    // ------------------------------------------------------------ items

    fn item(&mut self, p: P<'_>) -> Option<Item> {
        Some(match p.as_rule() {
            Rule::import => {
                let span = self.span(&p);
                let path = self.string(parts(p).into_iter().next()?)?;
                Item::Import(Import { path, span })
            }
            Rule::enum_decl => {
                let span = self.span(&p);
                let doc = self.doc_of(&p);
                let mut it = parts(p).into_iter();
                let name = self.ident(it.next()?);
                let mut variants = Vec::new();
                let mut labels = Vec::new();
                for v in it {
                    let mut inner = v.into_inner();
                    let Some(id) = inner.next() else { continue };
                    variants.push(self.ident(id));
                    labels.push(inner.filter_map(|s| self.string(s)).collect());
                }
                Item::Enum(EnumDecl {
                    name,
                    variants,
                    labels,
                    doc,
                    span,
                })
            }
            Rule::schema_decl => {
                let span = self.span(&p);
                let doc = self.doc_of(&p);
                let mut it = parts(p).into_iter();
                let name = self.ident(it.next()?);
                let fields = it.filter_map(|f| self.field(f)).collect();
                Item::Schema(SchemaDecl {
                    name,
                    fields,
                    doc,
                    span,
                })
            }
            Rule::segment_decl => {
                let span = self.span(&p);
                let doc = self.doc_of(&p);
                let mut it = parts(p).into_iter();
                let name = self.ident(it.next()?);
                let expr = self.expr(it.next()?)?;
                Item::Segment(SegmentDecl {
                    name,
                    expr,
                    doc,
                    span,
                })
            }
            Rule::icp_decl => Item::Icp(self.icp(p)?),
            Rule::persona_decl => Item::Persona(self.persona(p)?),
            Rule::job_decl => Item::Job(self.job(p)?),
            _ => return None,
        })
    }

    fn field(&mut self, p: P<'_>) -> Option<Field> {
        let span = self.span(&p);
        let doc = self.doc_of(&p);
        let mut it = parts(p).into_iter();
        let name = self.ident(it.next()?);
        let ty = self.type_expr(it.next()?)?;
        let (mut optional, mut key, mut from, mut blank) = (false, false, None, None);
        let (mut fraction, mut display) = (false, false);
        for attr in it {
            match attr.as_rule() {
                Rule::optional_mark => optional = true,
                Rule::field_attr => {
                    let inner = attr.into_inner().next()?;
                    match inner.as_rule() {
                        Rule::kw_key => key = true,
                        Rule::kw_fraction => fraction = true,
                        Rule::kw_display => display = true,
                        Rule::from_header => {
                            from = Some(self.string(parts(inner).into_iter().next()?)?)
                        }
                        Rule::blank_value => {
                            let value = parts(inner).into_iter().next()?;
                            blank = Some(self.operand(value)?);
                        }
                        _ => return None,
                    }
                }
                _ => return None,
            }
        }
        Some(Field {
            name,
            ty,
            optional,
            key,
            from,
            blank,
            fraction,
            display,
            doc,
            span,
        })
    }

    fn type_expr(&mut self, p: P<'_>) -> Option<TypeExpr> {
        let inner = p.into_inner().next()?;
        match inner.as_rule() {
            Rule::ident => Some(TypeExpr::Named(self.ident(inner))),
            Rule::set_type => {
                let span = self.span(&inner);
                let elem = parts(inner).into_iter().next()?;
                Some(TypeExpr::Set(Box::new(self.type_expr(elem)?), span))
            }
            _ => None,
        }
    }

    fn icp(&mut self, p: P<'_>) -> Option<IcpDecl> {
        let span = self.span(&p);
        let doc = self.doc_of(&p);
        let mut it = parts(p).into_iter().peekable();
        let name = self.ident(it.next()?);
        let title = match it.peek() {
            Some(t) if t.as_rule() == Rule::string => self.string(it.next()?),
            _ => None,
        };
        let schema = self.ident(it.next()?);
        let extends = match it.peek() {
            Some(t) if t.as_rule() == Rule::extends_clause => {
                Some(self.ident(parts(it.next()?).into_iter().next()?))
            }
            _ => None,
        };
        let members = it.filter_map(|m| self.member(m)).collect();
        Some(IcpDecl {
            name,
            title,
            schema,
            extends,
            members,
            doc,
            span,
        })
    }

    fn member(&mut self, p: P<'_>) -> Option<Member> {
        let span = self.span(&p);
        Some(match p.as_rule() {
            Rule::owner => Member::Owner(self.string(parts(p).into_iter().next()?)?, span),
            Rule::reviewed => {
                let mut it = parts(p).into_iter();
                let date = self.literal_atom(it.next()?)?;
                let every = self.literal_atom(it.next()?)?;
                Member::Reviewed(Reviewed { date, every, span })
            }
            Rule::drop => Member::Drop(self.ident(parts(p).into_iter().next()?), span),
            Rule::rule_decl => Member::Rule(self.rule(p)?),
            Rule::group => Member::Group(self.group(p)?),
            Rule::tier => {
                let doc = self.doc_of(&p);
                let otherwise = has_kw(&p, Rule::kw_otherwise);
                let mut it = parts(p).into_iter();
                let name = self.ident(it.next()?);
                let condition = if otherwise {
                    None
                } else {
                    Some(self.expr(it.next()?)?)
                };
                Member::Tier(Tier {
                    name,
                    condition,
                    doc,
                    span,
                })
            }
            Rule::persona_decl => Member::Persona(self.persona(p)?),
            Rule::job_decl => Member::Job(self.job(p)?),
            Rule::test_decl => Member::Test(self.test(p)?),
            _ => return None,
        })
    }

    fn rule(&mut self, p: P<'_>) -> Option<Rule_> {
        let span = self.span(&p);
        let doc = self.doc_of(&p);
        let overrides = has_kw(&p, Rule::kw_override);
        let body = parts(p).into_iter().next()?;
        let kind = match body.as_rule() {
            Rule::filter => RuleKind::Filter,
            Rule::exclude => RuleKind::Exclude,
            Rule::signal => RuleKind::Signal,
            _ => return None,
        };
        let mut it = parts(body).into_iter();
        let name = self.ident(it.next()?);
        let head = it.next()?;
        let body = match head.as_rule() {
            Rule::expr => RuleBody::Condition {
                expr: self.expr(head)?,
                weight: None,
            },
            Rule::weighted => {
                let mut w = parts(head).into_iter();
                let expr = self.expr(w.next()?)?;
                let weight = Some(self.literal_atom(w.next()?)?);
                RuleBody::Condition { expr, weight }
            }
            Rule::bands => {
                let span = self.span(&head);
                let mut b = parts(head).into_iter();
                let field = self.ident(b.next()?);
                let mut bands = Vec::new();
                for band in b {
                    let bspan = self.span(&band);
                    let mut bp = parts(band).into_iter();
                    let pat = bp.next()?;
                    let pattern = match pat.as_rule() {
                        Rule::range => BandPattern::Range(self.range(pat)?),
                        Rule::literal => BandPattern::Value(Operand::Literal(self.literal(pat)?)),
                        Rule::ident => BandPattern::Value(Operand::Name(self.ident(pat))),
                        _ => return None,
                    };
                    let points = self.literal_atom(bp.next()?)?;
                    bands.push(Band {
                        pattern,
                        points,
                        span: bspan,
                    });
                }
                RuleBody::Bands { field, bands, span }
            }
            _ => return None,
        };
        let (mut decay, mut for_job, mut because) = (None, None, None);
        for opt in it {
            let inner = if opt.as_rule() == Rule::signal_option {
                opt.into_inner().next()?
            } else {
                opt
            };
            match inner.as_rule() {
                Rule::decay => decay = Some(self.literal_atom(parts(inner).into_iter().next()?)?),
                Rule::for_job => for_job = Some(self.ident(parts(inner).into_iter().next()?)),
                Rule::because => because = Some(self.string(parts(inner).into_iter().next()?)?),
                _ => return None,
            }
        }
        Some(Rule_ {
            kind,
            name,
            overrides,
            body,
            decay,
            for_job,
            because,
            doc,
            span,
        })
    }

    fn group(&mut self, p: P<'_>) -> Option<Group> {
        let span = self.span(&p);
        let doc = self.doc_of(&p);
        let overrides = has_kw(&p, Rule::kw_override);
        let mut it = parts(p).into_iter().peekable();
        let name = self.ident(it.next()?);
        let cap = match it.peek() {
            Some(c) if c.as_rule() == Rule::cap => {
                Some(self.literal_atom(parts(it.next()?).into_iter().next()?)?)
            }
            _ => None,
        };
        let rules = it.filter_map(|r| self.rule(r)).collect();
        Some(Group {
            name,
            overrides,
            cap,
            rules,
            doc,
            span,
        })
    }

    fn persona(&mut self, p: P<'_>) -> Option<PersonaDecl> {
        let span = self.span(&p);
        let doc = self.doc_of(&p);
        let overrides = has_kw(&p, Rule::kw_override);
        let has_body = p.as_str().trim_end().ends_with('}');
        let mut it = parts(p).into_iter();
        let name = self.ident(it.next()?);
        let props = if has_body {
            let mut props = Vec::new();
            for prop in it {
                props.push(self.prop(prop)?);
            }
            Some(props)
        } else {
            None
        };
        Some(PersonaDecl {
            name,
            overrides,
            props,
            doc,
            span,
        })
    }

    fn prop(&mut self, p: P<'_>) -> Option<Prop> {
        let span = self.span(&p);
        let mut it = parts(p).into_iter();
        let name = self.ident(it.next()?);
        let value_pair = it.next()?;
        let is_matches = has_kw(&value_pair, Rule::kw_matches);
        let any = has_kw(&value_pair, Rule::kw_any);
        let is_in = has_kw(&value_pair, Rule::kw_in);
        let vparts = parts(value_pair);
        let first = vparts.first()?.clone();
        let value = if is_matches {
            let patterns = match first.as_rule() {
                Rule::list => self.string_list(first)?,
                _ => vec![self.string(first)?],
            };
            PropValue::Matches { any, patterns }
        } else {
            match first.as_rule() {
                Rule::cmp_op => PropValue::Compare {
                    op: cmp_op(first.as_str())?,
                    value: self.operand(vparts.get(1)?.clone())?,
                },
                Rule::list if is_in => PropValue::In(self.list(first)?),
                Rule::list => PropValue::List(self.list(first)?),
                Rule::string => PropValue::Str(self.string(first)?),
                Rule::ident => PropValue::Name(self.ident(first)),
                _ => return None,
            }
        };
        Some(Prop { name, value, span })
    }

    fn job(&mut self, p: P<'_>) -> Option<JobDecl> {
        let span = self.span(&p);
        let doc = self.doc_of(&p);
        let overrides = has_kw(&p, Rule::kw_override);
        let has_body = p.as_str().trim_end().ends_with('}');
        let mut it = parts(p).into_iter();
        let name = self.ident(it.next()?);
        let props = if has_body {
            let mut props = Vec::new();
            for prop in it {
                let pspan = self.span(&prop);
                let mut pp = parts(prop).into_iter();
                let pname = self.ident(pp.next()?);
                let value = self.string(pp.next()?)?;
                props.push(JobProp {
                    name: pname,
                    value,
                    span: pspan,
                });
            }
            Some(props)
        } else {
            None
        };
        Some(JobDecl {
            name,
            overrides,
            props,
            doc,
            span,
        })
    }

    fn test(&mut self, p: P<'_>) -> Option<TestDecl> {
        let span = self.span(&p);
        let mut it = parts(p).into_iter();
        let name = self.string(it.next()?)?;
        let mut given_pair = it.next()?;
        let mut as_of = None;
        if given_pair.as_rule() == Rule::test_as_of {
            let date = parts(given_pair)
                .into_iter()
                .find(|p| p.as_rule() == Rule::date)?;
            as_of = Some(self.literal_atom(date)?);
            given_pair = it.next()?;
        }
        let mut given = Vec::new();
        for g in parts(given_pair) {
            let gspan = self.span(&g);
            let mut gp = parts(g).into_iter();
            let fname = self.ident(gp.next()?);
            let v = gp.next()?;
            let value = match v.as_rule() {
                Rule::list => GivenValue::List(self.list(v.clone())?, self.span(&v)),
                Rule::literal => GivenValue::One(Operand::Literal(self.literal(v)?)),
                Rule::ident => GivenValue::One(Operand::Name(self.ident(v))),
                _ => return None,
            };
            given.push(GivenField {
                name: fname,
                value,
                span: gspan,
            });
        }
        let mut expects = Vec::new();
        for e in it {
            let espan = self.span(&e);
            let inner = parts(e).into_iter().next()?;
            let expect = match inner.as_rule() {
                Rule::expect_tier if has_kw(&inner, Rule::kw_no) => Expect::NoTier(espan),
                Rule::expect_tier => {
                    Expect::Tier(self.ident(parts(inner).into_iter().next()?), espan)
                }
                Rule::expect_excluded => {
                    Expect::ExcludedBy(self.ident(parts(inner).into_iter().next()?), espan)
                }
                Rule::expect_passes => Expect::Passes(espan),
                Rule::expect_signal => {
                    let state = if has_kw(&inner, Rule::kw_fires) {
                        SignalState::Fires
                    } else if has_kw(&inner, Rule::kw_silent) {
                        SignalState::Silent
                    } else {
                        SignalState::Unknown
                    };
                    Expect::Signal(self.ident(parts(inner).into_iter().next()?), state, espan)
                }
                Rule::expect_score => {
                    let mut sp = parts(inner).into_iter();
                    let name = self.ident(sp.next()?);
                    let op = cmp_op(sp.next()?.as_str())?;
                    let value = self.literal_atom(sp.next()?)?;
                    Expect::Score {
                        name,
                        op,
                        value,
                        span: espan,
                    }
                }
                _ => return None,
            };
            expects.push(expect);
        }
        Some(TestDecl {
            name,
            as_of,
            given,
            expects,
            span,
        })
    }

    // ------------------------------------------------------------ conditions

    fn expr(&mut self, p: P<'_>) -> Option<Expr> {
        let span = self.span(&p);
        match p.as_rule() {
            Rule::expr | Rule::and_expr => {
                let is_or = p.as_rule() == Rule::expr;
                let mut subs = Vec::new();
                for c in parts(p) {
                    subs.push(self.expr(c)?);
                }
                if subs.len() == 1 {
                    return subs.pop();
                }
                Some(if is_or {
                    Expr::Or(subs, span)
                } else {
                    Expr::And(subs, span)
                })
            }
            Rule::not_expr => {
                let negated = has_kw(&p, Rule::kw_not);
                let inner = parts(p).into_iter().next()?;
                let e = self.expr(inner)?;
                Some(if negated {
                    Expr::Not(Box::new(e), span)
                } else {
                    e
                })
            }
            Rule::atom => {
                let inner = p.into_inner().next()?;
                self.expr(inner)
            }
            Rule::operand => Some(Expr::Operand(self.operand(p)?)),
            Rule::condition => self.condition(p),
            _ => None,
        }
    }

    fn condition(&mut self, p: P<'_>) -> Option<Expr> {
        let span = self.span(&p);
        let mut it = parts(p).into_iter();
        let lhs = self.operand(it.next()?)?;
        let test = it.next()?;
        let negated = has_kw(&test, Rule::kw_not);
        Some(match test.as_rule() {
            Rule::compare => {
                let mut c = parts(test).into_iter();
                let op = cmp_op(c.next()?.as_str())?;
                let rhs = self.operand(c.next()?)?;
                Expr::Compare { lhs, op, rhs, span }
            }
            Rule::in_test => {
                let target = parts(test).into_iter().next()?;
                let set = match target.as_rule() {
                    Rule::range => InSet::Range(self.range(target)?),
                    Rule::list => {
                        let lspan = self.span(&target);
                        InSet::List(self.list(target)?, lspan)
                    }
                    Rule::ident => InSet::Name(self.ident(target)),
                    _ => return None,
                };
                Expr::In {
                    lhs,
                    negated,
                    set,
                    span,
                }
            }
            Rule::has_test => {
                let mode = if has_kw(&test, Rule::kw_any) {
                    HasMode::Any
                } else if has_kw(&test, Rule::kw_all) {
                    HasMode::All
                } else if has_kw(&test, Rule::kw_none) {
                    HasMode::None
                } else {
                    HasMode::One
                };
                let target = parts(test).into_iter().next()?;
                let items = match target.as_rule() {
                    Rule::list => self.list(target)?,
                    Rule::literal => vec![Operand::Literal(self.literal(target)?)],
                    Rule::ident => vec![Operand::Name(self.ident(target))],
                    _ => return None,
                };
                Expr::Has {
                    lhs,
                    mode,
                    items,
                    span,
                }
            }
            Rule::matches_test => {
                let target = parts(test).into_iter().next()?;
                let patterns = match target.as_rule() {
                    Rule::list => self.string_list(target)?,
                    _ => vec![self.string(target)?],
                };
                Expr::Matches {
                    lhs,
                    negated,
                    patterns,
                    span,
                }
            }
            Rule::within_test => Expr::Within {
                lhs,
                duration: self.literal_atom(parts(test).into_iter().next()?)?,
                span,
            },
            Rule::is_test => Expr::Is {
                lhs,
                known: has_kw(&test, Rule::kw_known),
                span,
            },
            _ => return None,
        })
    }

    fn operand(&mut self, p: P<'_>) -> Option<Operand> {
        let inner = if p.as_rule() == Rule::operand || p.as_rule() == Rule::list_item {
            p.into_inner().next()?
        } else {
            p
        };
        match inner.as_rule() {
            Rule::ident => Some(Operand::Name(self.ident(inner))),
            Rule::literal => Some(Operand::Literal(self.literal(inner)?)),
            _ => None,
        }
    }

    fn list(&mut self, p: P<'_>) -> Option<Vec<Operand>> {
        let mut out = Vec::new();
        for item in p.into_inner() {
            out.push(self.operand(item)?);
        }
        Some(out)
    }

    /// A list that must hold only strings (glob patterns).
    fn string_list(&mut self, p: P<'_>) -> Option<Vec<StrLit>> {
        let mut out = Vec::new();
        for item in self.list(p)? {
            match item {
                Operand::Literal(Literal {
                    value: LitValue::Str(value),
                    span,
                }) => out.push(StrLit { value, span }),
                other => {
                    self.diags.push(
                        Diagnostic::new("E0301", other.span(), "a pattern must be a string")
                            .label("not a string")
                            .help("write patterns in quotes, e.g. `\"VP* Sales\"`"),
                    );
                    self.failed = true;
                    return None;
                }
            }
        }
        Some(out)
    }

    fn range(&mut self, p: P<'_>) -> Option<Range> {
        let span = self.span(&p);
        let (mut lo, mut hi, mut inclusive, mut seen_op) = (None, None, false, false);
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::range_op => {
                    inclusive = c.as_str() == "..=";
                    seen_op = true;
                }
                Rule::range_bound => {
                    let lit = self.literal_atom(c.into_inner().next()?)?;
                    if seen_op {
                        hi = Some(lit);
                    } else {
                        lo = Some(lit);
                    }
                }
                _ => return None,
            }
        }
        Some(Range {
            lo,
            hi,
            inclusive,
            span,
        })
    }

    // ------------------------------------------------------------ leaves

    fn ident(&self, p: P<'_>) -> Ident {
        Ident {
            name: p.as_str().to_string(),
            span: self.span(&p),
        }
    }

    fn string(&mut self, p: P<'_>) -> Option<StrLit> {
        let span = self.span(&p);
        let value = self.unescape(p.as_str(), span)?;
        Some(StrLit { value, span })
    }

    fn literal(&mut self, p: P<'_>) -> Option<Literal> {
        let inner = p.into_inner().next()?;
        self.literal_atom(inner)
    }

    /// One of the atomic literal rules (`number`, `money`, `date`, ...).
    fn literal_atom(&mut self, p: P<'_>) -> Option<Literal> {
        let span = self.span(&p);
        let text = p.as_str();
        let value = match p.as_rule() {
            Rule::number => LitValue::Number(self.number(text, span)?),
            Rule::money => LitValue::Money(self.number(&text.replacen('$', "", 1), span)?),
            Rule::percent => LitValue::Percent(self.number(text.trim_end_matches('%'), span)?),
            Rule::date => match Date::parse(text) {
                Some(d) => LitValue::Date(d),
                None => {
                    return self.bad_literal(
                        span,
                        format!("`{text}` is not a calendar date"),
                        "dates are written YYYY-MM-DD, e.g. `2026-09-01`",
                    )
                }
            },
            Rule::duration => {
                let (digits, unit) = if let Some(d) = text.strip_suffix("mo") {
                    (d, DurationUnit::Month)
                } else {
                    let unit = match text.chars().last() {
                        Some('d') => DurationUnit::Day,
                        Some('w') => DurationUnit::Week,
                        _ => DurationUnit::Year,
                    };
                    (text.get(..text.len().saturating_sub(1)).unwrap_or(""), unit)
                };
                match digits.replace('_', "").parse::<u32>() {
                    Ok(amount) if amount <= 100_000 => {
                        LitValue::Duration(Duration { amount, unit })
                    }
                    _ => {
                        return self.bad_literal(
                            span,
                            format!("`{text}` is too long a duration"),
                            "durations up to 100000 units are supported",
                        )
                    }
                }
            }
            Rule::string => LitValue::Str(self.unescape(text, span)?),
            Rule::boolean => LitValue::Bool(text == "true"),
            _ => return None,
        };
        Some(Literal { value, span })
    }

    fn number(&mut self, text: &str, span: Span) -> Option<f64> {
        let (body, scale) = match text.chars().last() {
            Some('k' | 'K') => (&text[..text.len() - 1], 1e3),
            Some('M') => (&text[..text.len() - 1], 1e6),
            Some('B') => (&text[..text.len() - 1], 1e9),
            _ => (text, 1.0),
        };
        match body.replace('_', "").parse::<f64>() {
            Ok(v) if (v * scale).is_finite() && (v * scale).abs() < 1e15 => Some(v * scale),
            _ => self.bad_literal(
                span,
                format!("`{text}` is too large a number"),
                "numbers up to a thousand trillion are supported",
            ),
        }
    }

    fn bad_literal<T>(&mut self, span: Span, message: String, help: &str) -> Option<T> {
        self.diags.push(
            Diagnostic::new("E0105", span, message)
                .label("invalid literal")
                .help(help),
        );
        self.failed = true;
        None
    }

    /// Decodes a quoted string's escapes; a bad escape is reported at its span.
    fn unescape(&mut self, quoted: &str, span: Span) -> Option<String> {
        let inner = quoted.get(1..quoted.len().saturating_sub(1)).unwrap_or("");
        let mut out = String::with_capacity(inner.len());
        let mut chars = inner.char_indices().peekable();
        let mut ok = true;
        while let Some((i, c)) = chars.next() {
            if c != '\\' {
                out.push(c);
                continue;
            }
            let decoded = match chars.next() {
                Some((_, '"')) => Some('"'),
                Some((_, '\\')) => Some('\\'),
                Some((_, 'n')) => Some('\n'),
                Some((_, 't')) => Some('\t'),
                Some((_, 'r')) => Some('\r'),
                Some((_, 'u')) => {
                    let rest = inner.get(i + 2..).unwrap_or("");
                    let hex = rest
                        .strip_prefix('{')
                        .and_then(|r| r.split_once('}'))
                        .map(|(h, _)| h);
                    match hex
                        .and_then(|h| u32::from_str_radix(h, 16).ok())
                        .and_then(char::from_u32)
                    {
                        Some(ch) => {
                            let skip = hex.map(|h| h.len() + 2).unwrap_or(0);
                            for _ in 0..skip {
                                chars.next();
                            }
                            Some(ch)
                        }
                        None => None,
                    }
                }
                _ => None,
            };
            match decoded {
                Some(ch) => out.push(ch),
                None => {
                    let start = span.start as usize + 1 + i;
                    let len = inner
                        .get(i..)
                        .and_then(|r| r.chars().nth(1))
                        .map(|c| 1 + c.len_utf8())
                        .unwrap_or(1);
                    let esc = Span::new(self.file, start, start + len);
                    self.diags.push(
                        Diagnostic::new("E0103", esc, "unknown escape in string")
                            .label("not an escape icp knows")
                            .help("escapes are `\\\"`, `\\\\`, `\\n`, `\\t`, `\\r` and `\\u{...}`; write `\\\\` for a backslash"),
                    );
                    ok = false;
                }
            }
        }
        if ok {
            Some(out)
        } else {
            self.failed = true;
            None
        }
    }
}

/// `Rule_` is the syntax tree's rule (filter, exclude or signal); pest's
/// generated `Rule` enum already owns the plain name in this module.
use crate::ast::Rule as Rule_;

fn cmp_op(text: &str) -> Option<CmpOp> {
    Some(match text {
        "==" => CmpOp::Eq,
        "!=" => CmpOp::Ne,
        "<" => CmpOp::Lt,
        "<=" => CmpOp::Le,
        ">" => CmpOp::Gt,
        ">=" => CmpOp::Ge,
        _ => return None,
    })
}

// ---------------------------------------------------------------- syntax errors

/// What a rule is called in "expected ..." messages; `None` hides it (its
/// first token is listed instead).
fn friendly(rule: Rule) -> Option<&'static str> {
    use Rule::*;
    Some(match rule {
        ident | variant => "a name",
        string => "a string",
        number => "a number",
        money | percent | date | duration | boolean | literal | range_bound | operand
        | list_item => "a value",
        cmp_op => "a comparison such as `>=`",
        range_op => "`..` or `..=`",
        expr | and_expr | not_expr | atom | condition => "a condition",
        compare | in_test | has_test | matches_test | within_test | is_test => {
            "an operator such as `==`, `in` or `has`"
        }
        type_expr | set_type => "a type",
        field => "a field",
        EOI => "the end of the item",
        kw_import => "`import`",
        kw_enum => "`enum`",
        kw_schema => "`schema`",
        kw_segment => "`segment`",
        kw_icp => "`icp`",
        kw_for => "`for`",
        kw_extends => "`extends`",
        kw_owner => "`owner`",
        kw_reviewed => "`reviewed`",
        kw_every => "`every`",
        kw_drop => "`drop`",
        kw_override => "`override`",
        kw_filter => "`filter`",
        kw_exclude => "`exclude`",
        kw_signal => "`signal`",
        kw_weight => "`weight`",
        kw_points => "`points`",
        kw_by => "`by`",
        kw_decay => "`decay`",
        kw_half_life => "`half_life`",
        kw_job => "`job`",
        kw_because => "`because`",
        kw_group => "`group`",
        kw_cap => "`cap`",
        kw_tier => "`tier`",
        kw_otherwise => "`otherwise`",
        kw_persona => "`persona`",
        kw_test => "`test`",
        kw_as_of => "`as_of`",
        kw_given => "`given`",
        kw_expect => "`expect`",
        kw_no => "`no`",
        kw_excluded => "`excluded`",
        kw_passes => "`passes`",
        kw_fires => "`fires`",
        kw_silent => "`silent`",
        kw_unknown => "`unknown`",
        kw_or => "`or`",
        kw_and => "`and`",
        kw_not => "`not`",
        kw_in => "`in`",
        kw_has => "`has`",
        kw_any => "`any`",
        kw_all => "`all`",
        kw_none => "`none`",
        kw_matches => "`matches`",
        kw_within => "`within`",
        kw_is => "`is`",
        kw_missing => "`missing`",
        kw_known => "`known`",
        kw_key => "`key`",
        kw_from => "`from`",
        kw_set => "`set`",
        optional_mark => "`?`",
        _ => return None,
    })
}

pub(super) fn syntax_error(
    p: &Parsing<'_>,
    err: pest::error::Error<Rule>,
    start: u32,
    end: u32,
    rule: Rule,
    suffix: &str,
) -> Diagnostic {
    let pos = match err.location {
        pest::error::InputLocation::Pos(p) => p,
        pest::error::InputLocation::Span((s, _)) => s,
    };
    // Re-run with pest's detailed tracking to learn which punctuation was
    // expected; it costs time, so only on the error path.
    let text = p.src.get(start as usize..end as usize).unwrap_or("");
    let input = format!("{text}{suffix}");
    pest::set_error_detail(true);
    let detailed = <super::IcpParser as pest::Parser<Rule>>::parse(rule, &input).err();
    pest::set_error_detail(false);

    let mut expected: Vec<String> = Vec::new();
    let mut push = |s: String| {
        if !expected.contains(&s) {
            expected.push(s);
        }
    };
    if let pest::error::ErrorVariant::ParsingError { positives, .. } = &err.variant {
        for r in positives {
            if let Some(name) = friendly(*r) {
                push(name.to_string());
            }
        }
    }
    if let Some(attempts) = detailed.as_ref().and_then(|e| e.parse_attempts()) {
        if attempts.max_position == pos {
            // The token type is not exported; its Display is the literal text.
            for token in attempts.expected_tokens().iter().map(ToString::to_string) {
                let punctuation = !token.is_empty()
                    && token.chars().all(|c| {
                        !c.is_alphanumeric() && c != '_' && !c.is_whitespace() && c != '\u{feff}'
                    });
                if punctuation
                    && !matches!(
                        token.as_str(),
                        "\"" | "-" | "$" | "\\" | "//" | "BUILTIN_RULE"
                    )
                    && !token.contains("..")
                {
                    push(format!("`{token}`"));
                }
            }
        }
    }
    expected.sort_by_key(|e| expectation_rank(e));
    expected.truncate(8);

    let offset = start as usize + pos;
    let at_end = offset >= end as usize;
    let found_tok = p
        .tokens
        .iter()
        .find(|t| t.start as usize >= offset && !t.kind.is_trivia())
        .copied();
    let (found, span) = match found_tok {
        Some(t) => (
            describe(t.text(p.src), t.kind),
            Span::new(p.file, t.start as usize, t.end as usize),
        ),
        None => (
            "the end of the file".to_string(),
            Span::new(p.file, p.src.len(), p.src.len()),
        ),
    };
    let found = if at_end && found_tok.is_none() {
        "the end of the file".to_string()
    } else {
        found
    };
    let message = match expected.as_slice() {
        [] => format!("unexpected {found}"),
        [one] => format!("expected {one}, found {found}"),
        many => {
            let (last, rest) = many
                .split_last()
                .map(|(l, r)| (l.clone(), r.join(", ")))
                .unwrap_or_default();
            format!("expected {rest} or {last}, found {found}")
        }
    };
    let mut d = Diagnostic::new("E0101", span, message).label(if at_end {
        "the item ends here"
    } else {
        "unexpected here"
    });
    // The smallest edit after which the member parses, if there is one.
    if let Some(r) = super::repair::find(p, start, end, rule, suffix, offset, &expected) {
        let line = super::repair::repaired_line(p.src, &r);
        let shown = if r.replacement.trim().is_empty() {
            format!(
                "remove `{}`",
                p.src.get(r.start..r.end).unwrap_or("").trim()
            )
        } else {
            format!("write `{}`", r.replacement.trim())
        };
        // pest gives up at the start of a member it cannot read at all
        // (`tier A >= 50`); the repair knows where the mistake is.
        if offset <= start as usize && r.start > offset {
            if let Some(t) = p
                .tokens
                .iter()
                .find(|t| t.start as usize >= r.start && !t.kind.is_trivia())
            {
                let wanted = r.replacement.trim();
                d = Diagnostic::new(
                    "E0101",
                    Span::new(p.file, t.start as usize, t.end as usize),
                    format!(
                        "expected `{wanted}`, found {}",
                        describe(t.text(p.src), t.kind)
                    ),
                )
                .label(format!("`{wanted}` goes before this"));
            }
        }
        d = d.help(format!("write it like this: `{line}`")).fix(
            shown,
            Span::new(p.file, r.start, r.end),
            r.replacement,
        );
    } else if let Some(help) = hint(&expected, found_tok.map(|t| t.text(p.src)).unwrap_or("")) {
        d = d.help(help);
    }
    d
}

/// Names of things come first, then keywords, then punctuation.
fn expectation_rank(e: &str) -> u8 {
    if !e.starts_with('`') {
        0
    } else if e.chars().nth(1).is_some_and(char::is_alphabetic) {
        1
    } else {
        2
    }
}

fn hint(expected: &[String], found: &str) -> Option<&'static str> {
    let wants = |s: &str| expected.iter().any(|e| e == s);
    if wants("`weight`")
        && found
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_digit() || c == '-')
    {
        return Some("a signal's points follow the word `weight`: `... weight 25`");
    }
    if matches!(found, "&&" | "||") {
        return Some("combine conditions with `and` and `or`");
    }
    if found == "=" && wants("a comparison such as `>=`") {
        return Some("compare with `==`; a single `=` only names a segment");
    }
    if crate::lexer::RESERVED.contains(&found) && wants("a name") {
        return Some("this word is reserved by the language and cannot be used as a name");
    }
    None
}
