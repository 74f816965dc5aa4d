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

/// Edit distance over characters, counting a swap of two neighbours as one
/// edit (optimal string alignment), since `titel` for `title` is one slip.
pub(crate) fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let w = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * w];
    let at = |i: usize, j: usize| i * w + j;
    for i in 0..=a.len() {
        if let Some(x) = d.get_mut(at(i, 0)) {
            *x = i;
        }
    }
    for j in 0..=b.len() {
        if let Some(x) = d.get_mut(at(0, j)) {
            *x = j;
        }
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let (ca, cb) = (a.get(i - 1), b.get(j - 1));
            let cost = usize::from(ca != cb);
            let get = |i: usize, j: usize| d.get(at(i, j)).copied().unwrap_or(usize::MAX / 2);
            let mut best = (get(i - 1, j) + 1)
                .min(get(i, j - 1) + 1)
                .min(get(i - 1, j - 1) + cost);
            if i > 1 && j > 1 && ca == b.get(j - 2) && a.get(i - 2) == cb {
                best = best.min(get(i - 2, j - 2) + 1);
            }
            if let Some(x) = d.get_mut(at(i, j)) {
                *x = best;
            }
        }
    }
    d.last().copied().unwrap_or(0)
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
        assert_eq!(distance("titel", "title"), 1);
        assert_eq!(closest("titel", ["role", "title"]), Some("title"));
    }
}
