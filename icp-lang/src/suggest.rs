//! "Did you mean": one helper for every unknown name.

/// The candidate closest to `wanted`: an exact case-insensitive match first,
/// then the smallest edit distance within a similarity floor.
pub fn closest<'a>(wanted: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let lower = wanted.to_lowercase();
    let mut best: Option<(usize, &'a str)> = None;
    for c in candidates {
        if c == wanted {
            continue;
        }
        if c.to_lowercase() == lower {
            return Some(c);
        }
        let d = distance(&lower, &c.to_lowercase());
        let len = wanted.chars().count().max(c.chars().count());
        // Allow about one edit in three characters, at least one.
        if d <= (len / 3).max(1) && best.is_none_or(|(bd, bc)| d < bd || (d == bd && c < bc)) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

/// Levenshtein distance over characters.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        if let Some(first) = cur.first_mut() {
            *first = i + 1;
        }
        for (j, cb) in b.iter().enumerate() {
            let sub = prev.get(j).copied().unwrap_or(0) + usize::from(ca != *cb);
            let del = prev.get(j + 1).copied().unwrap_or(0) + 1;
            let ins = cur.get(j).copied().unwrap_or(0) + 1;
            if let Some(slot) = cur.get_mut(j + 1) {
                *slot = sub.min(del).min(ins);
            }
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev.last().copied().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_typos_and_case_but_not_strangers() {
        let names = ["employees", "industry", "it_budget", "Industry"];
        assert_eq!(closest("employes", names), Some("employees"));
        assert_eq!(
            closest("INDUSTRY", ["employees", "industry"]),
            Some("industry")
        );
        assert_eq!(closest("revenue", names), None);
        assert_eq!(closest("x", ["y"]), Some("y"));
        assert_eq!(distance("przemysł", "przemysl"), 1);
    }
}
