//! The statistics every report uses, exactly as DESIGN §2 defines them.

/// The p-th percentile by nearest rank: the value at 1-based position `ceil(p/100 · n)` of the
/// sorted values. `p` is a whole percentage in `1..=100`; the median is `p = 50`.
///
/// `sorted` must be sorted ascending. `None` for no values.
pub fn nearest_rank(sorted: &[i64], p: u32) -> Option<i64> {
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    let p = p.clamp(1, 100) as usize;
    // Integer ceiling avoids the float rounding that would move ranks at exact boundaries.
    let rank = (p * n).div_ceil(100).max(1);
    sorted.get(rank - 1).copied()
}

/// The mean rounded to whole seconds (half away from zero); `None` for no values.
pub fn mean_rounded(values: &[i64]) -> Option<i64> {
    if values.is_empty() {
        return None;
    }
    let sum: i128 = values.iter().map(|&v| v as i128).sum();
    let n = values.len() as i128;
    // Round half away from zero with integers only.
    let q = if sum >= 0 {
        (2 * sum + n) / (2 * n)
    } else {
        (2 * sum - n) / (2 * n)
    };
    Some(q as i64)
}

/// One ticket's observation for survival analysis: how long it took (or has been open) and
/// whether the resolution was observed (`false` = censored: still unresolved).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Observation {
    pub seconds: i64,
    pub resolved: bool,
}

/// The Kaplan–Meier median: the smallest observed resolution time `t` at which the estimated
/// share still unresolved `S(t)` is at most one half. `None` when `S` never falls to 0.5.
///
/// Tickets censored at the same instant as a resolution count as still at risk at that
/// instant (the usual convention).
pub fn kaplan_meier_median(observations: &[Observation]) -> Option<i64> {
    let mut obs = observations.to_vec();
    obs.sort_unstable_by_key(|o| o.seconds);
    let mut at_risk = obs.len() as f64;
    let mut survival = 1.0_f64;
    let mut i = 0;
    while i < obs.len() {
        let t = obs[i].seconds;
        let (mut events, mut leaving) = (0.0, 0.0);
        while i < obs.len() && obs[i].seconds == t {
            if obs[i].resolved {
                events += 1.0;
            }
            leaving += 1.0;
            i += 1;
        }
        if events > 0.0 {
            survival *= 1.0 - events / at_risk;
            // A product of fractions can land a hair above an exact 0.5.
            if survival <= 0.5 + 1e-12 {
                return Some(t);
            }
        }
        at_risk -= leaving;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn resolved(s: i64) -> Observation {
        Observation {
            seconds: s,
            resolved: true,
        }
    }
    fn open(s: i64) -> Observation {
        Observation {
            seconds: s,
            resolved: false,
        }
    }

    #[test]
    fn nearest_rank_on_odd_and_even_counts() {
        let odd = [10, 20, 30, 40, 50];
        assert_eq!(nearest_rank(&odd, 50), Some(30)); // ceil(2.5) = 3
        assert_eq!(nearest_rank(&odd, 90), Some(50)); // ceil(4.5) = 5
        let even = [10, 20, 30, 40];
        assert_eq!(nearest_rank(&even, 50), Some(20)); // ceil(2) = 2: no averaging
        assert_eq!(nearest_rank(&even, 90), Some(40)); // ceil(3.6) = 4
        let ten: Vec<i64> = (1..=10).collect();
        assert_eq!(nearest_rank(&ten, 90), Some(9)); // exactly 9, not 10
        assert_eq!(nearest_rank(&[7], 50), Some(7));
        assert_eq!(nearest_rank(&[], 50), None);
    }

    #[test]
    fn mean_rounds_half_away_from_zero() {
        assert_eq!(mean_rounded(&[1, 2]), Some(2)); // 1.5
        assert_eq!(mean_rounded(&[1, 1, 2]), Some(1)); // 1.33
        assert_eq!(mean_rounded(&[i64::MAX, i64::MAX]), Some(i64::MAX));
        assert_eq!(mean_rounded(&[]), None);
    }

    #[test]
    fn km_without_censoring_is_the_nearest_rank_median_when_n_is_even() {
        let obs = [resolved(10), resolved(20), resolved(30), resolved(40)];
        // S(20) = 0.5 exactly.
        assert_eq!(kaplan_meier_median(&obs), Some(20));
        let odd = [resolved(10), resolved(20), resolved(30)];
        assert_eq!(kaplan_meier_median(&odd), Some(20)); // S(20) = 1/3
    }

    #[test]
    fn km_counts_open_tickets_against_the_median() {
        // Resolved at 10 and 20; two still open at 100. Plain median of resolved = 10,
        // but half the tickets are not resolved by 10: S(10) = 3/4, S(20) = 1/2.
        let obs = [resolved(10), resolved(20), open(100), open(100)];
        assert_eq!(kaplan_meier_median(&obs), Some(20));
        // Three open out of four: S never reaches one half.
        assert_eq!(
            kaplan_meier_median(&[resolved(10), open(5), open(50), open(60)]),
            None
        );
    }

    #[test]
    fn km_censoring_before_a_resolution_shrinks_the_risk_set() {
        // Censored at 5 leaves 3 at risk: S(10) = 2/3, S(20) = 1/3.
        let obs = [open(5), resolved(10), resolved(20), resolved(30)];
        assert_eq!(kaplan_meier_median(&obs), Some(20));
    }

    proptest! {
        #[test]
        fn percentiles_are_members_and_monotonic(mut v in prop::collection::vec(-1000i64..1000, 1..50)) {
            v.sort_unstable();
            let p50 = nearest_rank(&v, 50);
            let p90 = nearest_rank(&v, 90);
            prop_assert!(p50.is_some_and(|x| v.contains(&x)));
            prop_assert!(p50 <= p90);
            prop_assert_eq!(nearest_rank(&v, 100), v.last().copied());
        }

        #[test]
        fn km_median_equals_nearest_rank_median_without_censoring(mut v in prop::collection::vec(0i64..1000, 1..50)) {
            v.sort_unstable();
            let obs: Vec<_> = v.iter().map(|&s| resolved(s)).collect();
            prop_assert_eq!(kaplan_meier_median(&obs), nearest_rank(&v, 50));
        }
    }
}
