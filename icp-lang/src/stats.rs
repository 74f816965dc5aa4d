//! The statistics evidence is built from, each with its textbook definition
//! (docs/evidence.md names them): Wilson intervals for win rates, AUC with
//! ties counted one half, weight of evidence and information value with a
//! small-count correction, the Brier score, and an L2-regularised logistic
//! regression fitted by Newton's method with standard errors. Pure numbers
//! in, numbers out; tested against hand-computed values here and against
//! scikit-learn and numpy in `tests/evidence/`.

/// The 97.5% quantile of the standard normal: a two-sided 95% interval.
pub const Z95: f64 = 1.959_963_984_540_054;

/// The Wilson score interval for `successes` of `n` (Wilson 1927): the
/// interval for a proportion that stays inside [0, 1] and behaves for small
/// `n` and rates near 0 or 1. `None` when `n` is 0.
pub fn wilson(successes: u64, n: u64, z: f64) -> Option<(f64, f64)> {
    if n == 0 {
        return None;
    }
    let (k, n) = (successes as f64, n as f64);
    let p = k / n;
    let z2 = z * z;
    let denom = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / denom;
    let half = z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / denom;
    Some(((centre - half).max(0.0), (centre + half).min(1.0)))
}

/// The area under the ROC curve of `scores` for the positives: the chance
/// that a random positive scores above a random negative, ties counting one
/// half (the Mann-Whitney U statistic over n_pos * n_neg). `None` without
/// both a positive and a negative.
pub fn auc(scored: &[(f64, bool)]) -> Option<f64> {
    let pos = scored.iter().filter(|(_, y)| *y).count();
    let neg = scored.len() - pos;
    if pos == 0 || neg == 0 {
        return None;
    }
    let mut order: Vec<&(f64, bool)> = scored.iter().collect();
    order.sort_by(|a, b| a.0.total_cmp(&b.0));
    // Sum of the positives' ranks, tied scores sharing their average rank.
    let mut rank_sum = 0.0;
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && order.get(j + 1).map(|x| x.0) == order.get(i).map(|x| x.0) {
            j += 1;
        }
        let average_rank = (i + j) as f64 / 2.0 + 1.0;
        let positives = order
            .get(i..=j)
            .unwrap_or_default()
            .iter()
            .filter(|x| x.1)
            .count();
        rank_sum += average_rank * positives as f64;
        i = j + 1;
    }
    let (p, n) = (pos as f64, neg as f64);
    Some((rank_sum - p * (p + 1.0) / 2.0) / (p * n))
}

/// [`auc`] over grouped scores: `(score, won, lost)` stands for `won`
/// positives and `lost` negatives at that score (a histogram of distinct
/// scores, so a million accounts cost as much as their distinct scores).
/// Pairs within a group are ties and count one half.
pub fn auc_grouped(groups: &[(f64, u64, u64)]) -> Option<f64> {
    let mut order: Vec<&(f64, u64, u64)> = groups.iter().collect();
    order.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (pos, neg): (u64, u64) = groups.iter().fold((0, 0), |(p, n), g| (p + g.1, n + g.2));
    if pos == 0 || neg == 0 {
        return None;
    }
    // Every positive beats the negatives below its score, ties one half.
    let mut below = 0.0;
    let mut wins = 0.0;
    let mut i = 0;
    while i < order.len() {
        let score = order.get(i).map(|g| g.0);
        let (mut p, mut n) = (0u64, 0u64);
        while let Some(g) = order.get(i).filter(|g| Some(g.0) == score) {
            p += g.1;
            n += g.2;
            i += 1;
        }
        wins += p as f64 * (below + 0.5 * n as f64);
        below += n as f64;
    }
    Some(wins / (pos as f64 * neg as f64))
}

/// [`brier`] over groups: `(p, won, lost)` predicts `p` for `won + lost`
/// accounts of which `won` were won.
pub fn brier_grouped(groups: &[(f64, u64, u64)]) -> Option<f64> {
    let n: u64 = groups.iter().map(|g| g.1 + g.2).sum();
    if n == 0 {
        return None;
    }
    let sum: f64 = groups
        .iter()
        .map(|&(p, w, l)| w as f64 * (1.0 - p).powi(2) + l as f64 * p * p)
        .sum();
    Some(sum / n as f64)
}

/// Weight of evidence of one bin: the log of the share of all wins it holds
/// over the share of all losses it holds, with 0.5 added to every count
/// (the Haldane-Anscombe correction) so an empty cell gives a finite value.
/// `bins` is the number of bins the totals are spread over.
pub fn woe(won: u64, lost: u64, total_won: u64, total_lost: u64, bins: usize) -> f64 {
    let (g, b) = shares(won, lost, total_won, total_lost, bins);
    (g / b).ln()
}

fn shares(won: u64, lost: u64, total_won: u64, total_lost: u64, bins: usize) -> (f64, f64) {
    let k = bins as f64 * 0.5;
    (
        (won as f64 + 0.5) / (total_won as f64 + k),
        (lost as f64 + 0.5) / (total_lost as f64 + k),
    )
}

/// Information value over bins of (won, lost): the sum over bins of (share
/// of wins - share of losses) * WoE, with the same correction as [`woe`].
/// Rules of thumb (Siddiqi): below 0.02 not predictive, 0.02-0.1 weak,
/// 0.1-0.3 medium, above 0.3 strong, above 0.5 suspiciously strong.
pub fn information_value(bins: &[(u64, u64)]) -> f64 {
    let total_won: u64 = bins.iter().map(|b| b.0).sum();
    let total_lost: u64 = bins.iter().map(|b| b.1).sum();
    bins.iter()
        .map(|&(w, l)| {
            let (g, b) = shares(w, l, total_won, total_lost, bins.len());
            (g - b) * (g / b).ln()
        })
        .sum()
}

/// The Brier score: the mean squared difference between a predicted
/// probability and the outcome (1 won, 0 lost). 0 is perfect.
pub fn brier(predicted: &[(f64, bool)]) -> Option<f64> {
    if predicted.is_empty() {
        return None;
    }
    let sum: f64 = predicted
        .iter()
        .map(|(p, y)| (p - if *y { 1.0 } else { 0.0 }).powi(2))
        .sum();
    Some(sum / predicted.len() as f64)
}

/// A fitted logistic regression: the intercept first, then one coefficient
/// per column, each with its standard error.
#[derive(Clone, Debug, PartialEq)]
pub struct Logistic {
    pub coefficients: Vec<f64>,
    pub std_errors: Vec<f64>,
    pub iterations: usize,
}

/// Fits P(y) = 1 / (1 + exp(-(b0 + x.b))) by maximising the log-likelihood
/// minus `lambda / 2 * |b|^2` (the intercept is not penalised), as
/// scikit-learn's `LogisticRegression(penalty="l2", C=1/lambda)` does with
/// its default solver. Newton's method on the exact Hessian; standard errors
/// are the square roots of the diagonal of the inverse penalised Hessian at
/// the optimum. Rows come grouped: `(x, won, lost)` stands for `won` rows
/// with outcome 1 and `lost` with outcome 0 (accounts share few distinct
/// signal patterns, so a million accounts are a few hundred groups). `None`
/// when there are no rows or the system is singular.
pub fn logistic(rows: &[(Vec<f64>, u64, u64)], lambda: f64) -> Option<Logistic> {
    let p = rows.first()?.0.len() + 1;
    let mut beta = vec![0.0; p];
    let x = |row: &[f64], j: usize| -> f64 {
        if j == 0 {
            1.0
        } else {
            row.get(j - 1).copied().unwrap_or(0.0)
        }
    };
    let mut iterations = 0;
    let mut hessian;
    loop {
        iterations += 1;
        let mut gradient = vec![0.0; p];
        hessian = vec![vec![0.0; p]; p];
        for (row, won, lost) in rows {
            let n = (*won + *lost) as f64;
            let eta: f64 = (0..p)
                .map(|j| x(row, j) * beta.get(j).copied().unwrap_or(0.0))
                .sum();
            let mu = 1.0 / (1.0 + (-eta).exp());
            let w = n * mu * (1.0 - mu);
            let residual = *won as f64 - n * mu;
            for j in 0..p {
                if let Some(g) = gradient.get_mut(j) {
                    *g += x(row, j) * residual;
                }
                for k in 0..p {
                    if let Some(h) = hessian.get_mut(j).and_then(|r| r.get_mut(k)) {
                        *h += x(row, j) * x(row, k) * w;
                    }
                }
            }
        }
        for j in 1..p {
            if let (Some(g), Some(b)) = (gradient.get_mut(j), beta.get(j)) {
                *g -= lambda * b;
            }
            if let Some(h) = hessian.get_mut(j).and_then(|r| r.get_mut(j)) {
                *h += lambda;
            }
        }
        let step = solve(&hessian, &gradient)?;
        let mut largest: f64 = 0.0;
        for (b, s) in beta.iter_mut().zip(&step) {
            *b += s;
            largest = largest.max(s.abs());
        }
        if largest < 1e-10 || iterations >= 100 {
            break;
        }
    }
    let inverse = invert(&hessian)?;
    let std_errors = (0..p)
        .map(|j| {
            inverse
                .get(j)
                .and_then(|r| r.get(j))
                .map(|v| v.max(0.0).sqrt())
                .unwrap_or(f64::NAN)
        })
        .collect();
    Some(Logistic {
        coefficients: beta,
        std_errors,
        iterations,
    })
}

/// Solves `a x = b` by Gaussian elimination with partial pivoting.
fn solve(a: &[Vec<f64>], b: &[f64]) -> Option<Vec<f64>> {
    let n = b.len();
    let mut m: Vec<Vec<f64>> = a
        .iter()
        .zip(b)
        .map(|(row, v)| row.iter().copied().chain([*v]).collect())
        .collect();
    eliminate(&mut m, n)?;
    Some(m.iter().map(|r| r.get(n).copied().unwrap_or(0.0)).collect())
}

fn invert(a: &[Vec<f64>]) -> Option<Vec<Vec<f64>>> {
    let n = a.len();
    let mut m: Vec<Vec<f64>> = a
        .iter()
        .enumerate()
        .map(|(i, row)| {
            row.iter()
                .copied()
                .chain((0..n).map(|j| if i == j { 1.0 } else { 0.0 }))
                .collect()
        })
        .collect();
    eliminate(&mut m, n)?;
    Some(
        m.into_iter()
            .map(|r| r.into_iter().skip(n).collect())
            .collect(),
    )
}

/// Gauss-Jordan elimination of the first `n` columns of `m` in place.
fn eliminate(m: &mut [Vec<f64>], n: usize) -> Option<()> {
    let at = |m: &[Vec<f64>], r: usize, c: usize| m.get(r).and_then(|row| row.get(c)).copied();
    for col in 0..n {
        let pivot = (col..n).max_by(|&a, &b| {
            let (x, y) = (at(m, a, col).unwrap_or(0.0), at(m, b, col).unwrap_or(0.0));
            x.abs().total_cmp(&y.abs())
        })?;
        let value = at(m, pivot, col)?;
        if value.abs() < 1e-12 {
            return None;
        }
        m.swap(col, pivot);
        let pivot_row: Vec<f64> = m.get(col)?.iter().map(|v| v / value).collect();
        for (r, row) in m.iter_mut().enumerate() {
            if r == col {
                continue;
            }
            let factor = row.get(col).copied().unwrap_or(0.0);
            if factor != 0.0 {
                for (v, p) in row.iter_mut().zip(&pivot_row) {
                    *v -= factor * p;
                }
            }
        }
        *m.get_mut(col)? = pivot_row;
    }
    Some(())
}

/// Scorecard points for a coefficient: `points_to_double_odds / ln 2`
/// points per unit of log-odds (the "PDO" scaling of credit scorecards).
pub fn points(coefficient: f64, points_to_double_odds: f64) -> f64 {
    coefficient * points_to_double_odds / std::f64::consts::LN_2
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    #[test]
    fn wilson_matches_hand_computed_intervals() {
        // 8 of 10 at z = 1.96: p = 0.8, the textbook (0.4902, 0.9433).
        let (lo, hi) = wilson(8, 10, Z95).unwrap();
        assert!(
            close(lo, 0.490_16, 1e-4) && close(hi, 0.943_32, 1e-4),
            "{lo} {hi}"
        );
        // 0 of 20: starts at exactly 0.
        let (lo, hi) = wilson(0, 20, Z95).unwrap();
        assert_eq!(lo, 0.0);
        assert!(close(hi, 0.161_13, 1e-4), "{hi}");
        assert_eq!(wilson(0, 0, Z95), None);
    }

    #[test]
    fn auc_counts_ties_one_half() {
        // Positives 0.9 and 0.5, negatives 0.5 and 0.1: pairs (0.9>0.5),
        // (0.9>0.1), (0.5=0.5: one half), (0.5>0.1) -> 3.5 of 4.
        let s = [(0.9, true), (0.5, true), (0.5, false), (0.1, false)];
        assert_eq!(auc(&s), Some(0.875));
        assert_eq!(auc(&[(1.0, true), (1.0, false)]), Some(0.5));
        assert_eq!(auc(&[(1.0, true)]), None);
        let perfect = [(3.0, true), (2.0, true), (1.0, false)];
        assert_eq!(auc(&perfect), Some(1.0));
    }

    #[test]
    fn woe_and_iv_match_hand_computed_values() {
        // Fired: 30 won, 10 lost; not fired: 20 won, 40 lost (50 won, 50 lost).
        // Corrected shares, 2 bins: fired (30.5/51, 10.5/51), not (20.5/51, 40.5/51).
        let fired = woe(30, 10, 50, 50, 2);
        assert!(close(fired, (30.5f64 / 10.5).ln(), 1e-12), "{fired}");
        let iv = information_value(&[(30, 10), (20, 40)]);
        let expected = (30.5 - 10.5) / 51.0 * (30.5f64 / 10.5).ln()
            + (20.5 - 40.5) / 51.0 * (20.5f64 / 40.5).ln();
        assert!(close(iv, expected, 1e-12), "{iv} {expected}");
        // An empty cell stays finite.
        assert!(woe(5, 0, 5, 5, 2).is_finite());
    }

    #[test]
    fn grouped_auc_and_brier_match_the_per_account_ones() {
        // Deterministic pseudo-random scores on a few values (many ties).
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..50 {
            let rows: Vec<(f64, bool)> = (0..200)
                .map(|_| ((next() % 7) as f64, next() % 3 == 0))
                .collect();
            let mut groups: Vec<(f64, u64, u64)> = Vec::new();
            for s in 0..7 {
                let at = rows.iter().filter(|r| r.0 == s as f64);
                let won = at.clone().filter(|r| r.1).count() as u64;
                let lost = at.filter(|r| !r.1).count() as u64;
                groups.push((s as f64, won, lost));
            }
            let a = auc(&rows).unwrap();
            let g = auc_grouped(&groups).unwrap();
            assert!(close(a, g, 1e-12), "{a} {g}");
            let p = |s: f64| s / 10.0;
            let each: Vec<(f64, bool)> = rows.iter().map(|r| (p(r.0), r.1)).collect();
            let grouped: Vec<(f64, u64, u64)> = groups.iter().map(|g| (p(g.0), g.1, g.2)).collect();
            let (b, bg) = (brier(&each).unwrap(), brier_grouped(&grouped).unwrap());
            assert!(close(b, bg, 1e-12), "{b} {bg}");
        }
        assert_eq!(auc_grouped(&[(1.0, 3, 0)]), None);
        assert_eq!(brier_grouped(&[]), None);
    }

    #[test]
    fn brier_is_the_mean_squared_error() {
        let b = brier(&[(0.8, true), (0.3, false), (0.5, true)]).unwrap();
        assert!(close(b, (0.04 + 0.09 + 0.25) / 3.0, 1e-12), "{b}");
    }

    #[test]
    fn logistic_regression_recovers_a_known_fit() {
        // One binary column; without a penalty the fit is exact: the log odds
        // of each group. x=1: 30 won 10 lost (ln 3); x=0: 20 won 40 lost (ln 0.5).
        let rows = vec![(vec![1.0], 30, 10), (vec![0.0], 20, 40)];
        let fit = logistic(&rows, 0.0).unwrap();
        let (b0, b1) = (fit.coefficients[0], fit.coefficients[1]);
        assert!(close(b0, 0.5f64.ln(), 1e-9), "{b0}");
        assert!(close(b1, 3f64.ln() - 0.5f64.ln(), 1e-9), "{b1}");
        // The textbook standard error of a log odds ratio: sqrt(sum 1/cell).
        let se = (1.0 / 30.0 + 1.0 / 10.0 + 1.0 / 20.0 + 1.0 / 40.0f64).sqrt();
        assert!(
            close(fit.std_errors[1], se, 1e-9),
            "{} {se}",
            fit.std_errors[1]
        );
        // A penalty shrinks the coefficient toward 0.
        let shrunk = logistic(&rows, 10.0).unwrap();
        assert!(shrunk.coefficients[1] > 0.0 && shrunk.coefficients[1] < b1);
        // Points to double the odds: ln 2 of log odds is 20 points.
        assert!(close(points(std::f64::consts::LN_2, 20.0), 20.0, 1e-12));
    }
}
