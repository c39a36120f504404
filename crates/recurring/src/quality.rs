//! Measuring the grouping against labelled complaints: pairwise precision and recall.
//!
//! Every pair of complaints counts once. A pair is *predicted* together when both are in the
//! same recurring issue, and *truly* together when both carry the same problem label
//! (unlabelled complaints are one-offs, together with nothing). Pairs are split by whether
//! the two complaints are in one language or in two, to see how well the languages are
//! bridged.

use serde::Serialize;

/// Pair counts of one kind of pair.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct PairCounts {
    /// Predicted together and truly together.
    pub true_positive: u64,
    /// Predicted together, truly apart.
    pub false_positive: u64,
    /// Truly together, predicted apart.
    pub false_negative: u64,
}

impl PairCounts {
    /// `None` when nothing was predicted together.
    pub fn precision(&self) -> Option<f64> {
        let p = self.true_positive + self.false_positive;
        (p > 0).then(|| self.true_positive as f64 / p as f64)
    }

    /// `None` when nothing is truly together.
    pub fn recall(&self) -> Option<f64> {
        let t = self.true_positive + self.false_negative;
        (t > 0).then(|| self.true_positive as f64 / t as f64)
    }

    fn add(&mut self, predicted: bool, truth: bool) {
        match (predicted, truth) {
            (true, true) => self.true_positive += 1,
            (true, false) => self.false_positive += 1,
            (false, true) => self.false_negative += 1,
            (false, false) => {}
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct PairScores {
    pub all: PairCounts,
    pub same_language: PairCounts,
    pub cross_language: PairCounts,
}

/// One labelled complaint and where the grouping put it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Labelled<'a> {
    pub problem: Option<&'a str>,
    pub lang: &'a str,
    pub predicted_issue: Option<i64>,
}

/// Pairwise counts over every pair of `items`.
pub fn pairwise(items: &[Labelled<'_>]) -> PairScores {
    let mut s = PairScores::default();
    for (i, a) in items.iter().enumerate() {
        for b in &items[i + 1..] {
            let predicted = a.predicted_issue.is_some() && a.predicted_issue == b.predicted_issue;
            let truth = a.problem.is_some() && a.problem == b.problem;
            s.all.add(predicted, truth);
            if a.lang == b.lang {
                s.same_language.add(predicted, truth);
            } else {
                s.cross_language.add(predicted, truth);
            }
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_pairs_by_language() {
        let l = |problem, lang, predicted_issue| Labelled {
            problem,
            lang,
            predicted_issue,
        };
        let items = [
            l(Some("refund"), "en", Some(1)),
            l(Some("refund"), "id", Some(1)),
            l(Some("refund"), "en", None),
            l(None, "id", Some(1)),
        ];
        let s = pairwise(&items);
        // Together: (0,1) true, (0,3) false, (1,3) false. Apart but truly together: (0,2), (1,2).
        assert_eq!(
            s.all,
            PairCounts {
                true_positive: 1,
                false_positive: 2,
                false_negative: 2
            }
        );
        assert_eq!(
            s.cross_language,
            PairCounts {
                true_positive: 1,
                false_positive: 1,
                false_negative: 1
            }
        );
        assert_eq!(
            s.same_language,
            PairCounts {
                true_positive: 0,
                false_positive: 1,
                false_negative: 1
            }
        );
        assert_eq!(s.all.precision(), Some(1.0 / 3.0));
        assert_eq!(PairCounts::default().recall(), None);
    }
}
