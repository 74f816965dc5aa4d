//! Near misses: text cells that no rule lists but that look like a text a
//! rule does list (`U.S.` where a rule lists `US`, `Untied States` for
//! `United States`). Rules compare text ignoring case, so `united states`
//! is not a near miss but a match; a different spelling or a typo is, and
//! it silently fails the rule. `icp funnel` and the editor's lens name them.
//!
//! "Looks like": equal once case, spaces and punctuation are dropped, or
//! within one edit of it (two for texts of ten letters or more; texts of
//! four letters or fewer must be equal, so `UK` is never near `US`).

use crate::plan::{BandTest, ColType, Cond, Const, Plan, Points};
use crate::suggest::distance;
use crate::values::same_text;
use std::collections::{BTreeMap, HashMap};

/// How many different near-miss texts are kept per column (the most
/// common are what a reader acts on; the rest are counted).
const KEPT_PER_COLUMN: usize = 50;

/// Texts longer than this (in bytes) are not compared.
const MAX_LEN: usize = 200;

/// How many decided cells a counter remembers (per chunk of input).
const CACHE: usize = 4096;

/// A text seen in the data near a constant no cell matched exactly.
#[derive(Clone, Debug, PartialEq)]
pub struct NearMiss {
    /// Index into the plan's columns.
    pub column: usize,
    /// The cell as first seen (trimmed).
    pub text: String,
    /// Index into the plan's text constants: what it looks like.
    pub near: usize,
    /// Accounts (records) whose cell holds it.
    pub accounts: u64,
}

/// Near misses counted over some records, mergeable across chunks.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NearMisses {
    /// Per (column, text folded to lower case): the near miss.
    found: BTreeMap<(usize, String), NearMiss>,
    /// Per column: records with a near miss not kept (over the bound).
    pub others: BTreeMap<usize, u64>,
}

impl NearMisses {
    fn add(&mut self, column: usize, text: &str, near: usize) {
        let key = (column, crate::values::fold_text(text));
        if let Some(m) = self.found.get_mut(&key) {
            m.accounts += 1;
            return;
        }
        let kept = self
            .found
            .range((column, String::new())..)
            .take_while(|((c, _), _)| *c == column)
            .count();
        if kept >= KEPT_PER_COLUMN {
            *self.others.entry(column).or_insert(0) += 1;
            return;
        }
        self.found.insert(
            key,
            NearMiss {
                column,
                text: text.to_string(),
                near,
                accounts: 1,
            },
        );
    }

    pub fn merge(&mut self, other: NearMisses) {
        for (key, m) in other.found {
            match self.found.get_mut(&key) {
                Some(mine) => mine.accounts += m.accounts,
                None => {
                    let (column, text, near, n) = (m.column, m.text.clone(), m.near, m.accounts);
                    self.add(column, &text, near);
                    if let Some(mine) = self.found.get_mut(&key) {
                        mine.accounts += n - 1;
                    } else {
                        *self.others.entry(column).or_insert(0) += n - 1;
                    }
                }
            }
        }
        for (c, n) in other.others {
            *self.others.entry(c).or_insert(0) += n;
        }
    }

    /// The near misses, most accounts first (then by column and text, so
    /// the order never depends on threads).
    pub fn list(&self) -> Vec<&NearMiss> {
        let mut v: Vec<&NearMiss> = self.found.values().collect();
        v.sort_by(|a, b| {
            b.accounts
                .cmp(&a.accounts)
                .then(a.column.cmp(&b.column))
                .then(a.text.cmp(&b.text))
        });
        v
    }

    pub fn is_empty(&self) -> bool {
        self.found.is_empty()
    }

    /// "12 accounts have `U.S.` in `Country`, which no rule lists (a rule
    /// lists `US`)".
    pub fn describe(plan: &Plan, m: &NearMiss) -> String {
        let header = plan.columns.get(m.column).map_or("", |c| c.header.as_str());
        let near = plan.texts.get(m.near).map_or("", String::as_str);
        format!(
            "{} {} `{}` in `{header}`, which no rule lists (a rule lists `{near}`)",
            m.accounts,
            if m.accounts == 1 {
                "account has"
            } else {
                "accounts have"
            },
            m.text
        )
    }
}

/// Where the first rule that lists the text a near miss looks like is
/// written (gates first, as `icp funnel` lists them).
pub fn listed_at(plan: &Plan, m: &NearMiss) -> Option<crate::span::Span> {
    fn lists(plan: &Plan, id: usize, m: &NearMiss, depth: usize) -> bool {
        let is = |c: &Const| *c == Const::Text(m.near);
        match plan.conds.get(id) {
            _ if depth > 256 => false,
            Some(Cond::And(ids) | Cond::Or(ids)) => {
                ids.iter().any(|i| lists(plan, *i, m, depth + 1))
            }
            Some(Cond::Not(i)) => lists(plan, *i, m, depth + 1),
            Some(Cond::Cmp { column, value, .. }) => *column == m.column && is(value),
            Some(Cond::InList { column, values, .. } | Cond::Has { column, values, .. }) => {
                *column == m.column && values.iter().any(is)
            }
            _ => false,
        }
    }
    let mut gates: Vec<_> = plan.gates.iter().collect();
    gates.sort_by_key(|g| g.order);
    let gate = gates
        .into_iter()
        .find(|g| lists(plan, g.cond, m, 0))
        .map(|g| g.span);
    gate.or_else(|| {
        plan.signals
            .iter()
            .find(|s| match &s.points {
                Points::Weight { cond, .. } => lists(plan, *cond, m, 0),
                Points::Bands { column, bands } => {
                    *column == m.column
                        && bands
                            .iter()
                            .any(|b| b.test == BandTest::Value(Const::Text(m.near)))
                }
            })
            .map(|s| s.span)
    })
}

/// Per plan column, the text constants rules compare it with; empty for
/// columns no rule compares with text.
pub fn text_targets(plan: &Plan) -> Vec<Vec<usize>> {
    let mut targets: Vec<Vec<usize>> = vec![Vec::new(); plan.columns.len()];
    let mut add = |column: usize, c: &Const| {
        if let (Const::Text(t), Some(list)) = (c, targets.get_mut(column)) {
            if !list.contains(t) {
                list.push(*t);
            }
        }
    };
    for cond in &plan.conds {
        match cond {
            Cond::Cmp { column, value, .. } => add(*column, value),
            Cond::InList { column, values, .. } | Cond::Has { column, values, .. } => {
                values.iter().for_each(|v| add(*column, v));
            }
            _ => {}
        }
    }
    for s in &plan.signals {
        if let Points::Bands { column, bands } = &s.points {
            for b in bands {
                if let BandTest::Value(c) = &b.test {
                    add(*column, c);
                }
            }
        }
    }
    targets
}

/// Finds near misses in records' raw cells for one chunk of input.
#[derive(Debug, Default)]
pub struct NearFinder {
    targets: Vec<Vec<usize>>,
    /// Per column, per cell: the constant it is near, if any (looked up
    /// without allocating: most cells repeat).
    decided: Vec<HashMap<String, Option<usize>>>,
    pub found: NearMisses,
}

impl NearFinder {
    pub fn new(plan: &Plan) -> Self {
        let targets = text_targets(plan);
        NearFinder {
            decided: vec![HashMap::new(); targets.len()],
            targets,
            found: NearMisses::default(),
        }
    }

    /// Whether any column is worth looking at.
    pub fn active(&self) -> bool {
        self.targets.iter().any(|t| !t.is_empty())
    }

    /// Whether plan column `column` is compared with text.
    pub fn wants(&self, column: usize) -> bool {
        self.targets.get(column).is_some_and(|t| !t.is_empty())
    }

    /// Looks at plan column `column`'s raw cell (`separator` splits sets).
    pub fn look(&mut self, plan: &Plan, column: usize, cell: &str, separator: char) {
        let (Some(targets), Some(decided)) =
            (self.targets.get(column), self.decided.get_mut(column))
        else {
            return;
        };
        if targets.is_empty() {
            return;
        }
        let is_set = matches!(
            plan.columns.get(column).map(|c| &c.ty),
            Some(ColType::Set(_))
        );
        let whole = [cell];
        let parts: &mut dyn Iterator<Item = &str> = if is_set {
            &mut cell.split(separator)
        } else {
            &mut whole.into_iter()
        };
        for part in parts.map(str::trim).filter(|p| !p.is_empty()) {
            let near = match decided.get(part) {
                Some(n) => *n,
                None => {
                    let n = near_constant(plan, targets, part);
                    if decided.len() >= CACHE {
                        decided.clear();
                    }
                    decided.insert(part.to_string(), n);
                    n
                }
            };
            if let Some(c) = near {
                self.found.add(column, part, c);
            }
        }
    }
}

/// The constant among `targets` that `cell` is a near miss of: it equals
/// none of them (case ignored) but looks like one.
fn near_constant(plan: &Plan, targets: &[usize], cell: &str) -> Option<usize> {
    let texts = || {
        targets
            .iter()
            .filter_map(|&t| Some((t, plan.texts.get(t)?)))
    };
    // Long text (a description, not a label) is never a near miss, and the
    // edit distance's cost must stay small whatever a cell holds.
    if cell.len() > MAX_LEN || texts().any(|(_, t)| same_text(t, cell)) {
        return None;
    }
    let k = skeleton(cell);
    if k.is_empty() {
        return None;
    }
    let mut best: Option<(usize, usize)> = None;
    for (t, text) in texts() {
        let tk = skeleton(text);
        if tk.is_empty() {
            continue;
        }
        let len = k.chars().count().min(tk.chars().count());
        let allowed = match len {
            0..=4 => 0,
            5..=9 => 1,
            _ => 2,
        };
        let (kn, tn) = (k.chars().count(), tk.chars().count());
        if kn.abs_diff(tn) > allowed || tn > MAX_LEN {
            continue;
        }
        let d = if k == tk { 0 } else { distance(&k, &tk) };
        if d <= allowed && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, t));
        }
    }
    best.map(|(_, t)| t)
}

/// Lower case letters and digits only: `U.S.` and `us` are both `us`.
fn skeleton(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(texts: &[&str]) -> Plan {
        Plan {
            texts: texts.iter().map(|t| t.to_string()).collect(),
            ..Plan::default()
        }
    }

    #[test]
    fn spellings_and_typos_are_near_and_other_values_are_not() {
        let p = plan(&["US", "United States", "Healthcare"]);
        let all = [0, 1, 2];
        let near = |cell: &str| near_constant(&p, &all, cell).map(|t| p.texts[t].as_str());
        assert_eq!(near("U.S."), Some("US"));
        assert_eq!(near("u s"), Some("US"));
        assert_eq!(near("Untied States"), Some("United States"));
        assert_eq!(near("United-States"), Some("United States"));
        assert_eq!(near("Health Care"), Some("Healthcare"));
        assert_eq!(near("Helthcare"), Some("Healthcare"));
        // Case alone is a match, not a near miss.
        assert_eq!(near("united states"), None);
        assert_eq!(near("us"), None);
        // Short texts must be equal: `UK` is another country.
        assert_eq!(near("UK"), None);
        assert_eq!(near("USA"), None);
        assert_eq!(near("Canada"), None);
        assert_eq!(near("..."), None);
        // Long cells are not compared (nor is the cost of comparing them paid).
        assert_eq!(near(&"United States ".repeat(1000)), None);
    }

    #[test]
    fn counts_merge_and_stay_bounded() {
        let p = plan(&["United States"]);
        let mut a = NearMisses::default();
        a.add(0, "Untied States", 0);
        a.add(0, "untied states", 0);
        let mut b = NearMisses::default();
        b.add(0, "Untied States", 0);
        for i in 0..KEPT_PER_COLUMN + 5 {
            b.add(1, &format!("x{i}"), 0);
        }
        a.merge(b);
        let list = a.list();
        assert_eq!(
            list.first().map(|m| (m.text.as_str(), m.accounts)),
            Some(("Untied States", 3))
        );
        assert_eq!(a.found.len(), 1 + KEPT_PER_COLUMN);
        assert_eq!(a.others.get(&1), Some(&5));
        let first = list.first().copied();
        assert_eq!(
            first.map(|m| NearMisses::describe(&p, m)).unwrap_or_default(),
            "3 accounts have `Untied States` in ``, which no rule lists (a rule lists `United States`)"
        );
    }
}
