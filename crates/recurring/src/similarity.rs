//! How alike two complaints are: the cosine of their term sets, each term weighted by its
//! inverse document frequency, so that "not" (in half of all complaints) counts for little and
//! "voucher" for much.

use std::collections::BTreeMap;

use crate::{CIRCUMSTANCE_PREFIX, CONCEPT_PREFIX, SUBJECT_PREFIX, TOPIC_PREFIX};

/// A circumstance concept (time, negation, judgement) counts this much of a problem concept:
/// "not", "already", "yesterday" are in complaints about anything, so they say little about
/// which problem a complaint is (at 0.5 both recall and held-out precision were lower).
pub const CIRCUMSTANCE_WEIGHT: f64 = 0.25;
/// A word outside the lexicon counts this much of a problem concept: the lexicon names what
/// complaints are about, other words add detail (and noise: names, places, typos).
pub const WORD_WEIGHT: f64 = 0.5;

/// How much a term says about what went wrong, before its rarity is taken into account.
pub fn class_weight(term: &str) -> f64 {
    // A subject term weighs what the concept or topic it repeats does.
    let term = term.strip_prefix(SUBJECT_PREFIX).unwrap_or(term);
    if term.starts_with(CONCEPT_PREFIX) || term.starts_with(TOPIC_PREFIX) {
        1.0
    } else if term.starts_with(CIRCUMSTANCE_PREFIX) {
        CIRCUMSTANCE_WEIGHT
    } else {
        WORD_WEIGHT
    }
}

/// Document frequencies: in how many of `docs` complaints a term appears.
pub trait Idf {
    fn docs(&self) -> u64;
    fn df(&self, term: &str) -> u64;

    /// The term's weight: its class weight times its smoothed IDF (never below 1, so a term
    /// seen everywhere still counts a little).
    fn weight(&self, term: &str) -> f64 {
        let n = self.docs() as f64;
        let df = self.df(term);
        let df = df as f64;
        class_weight(term) * (((n + 1.0) / (df + 1.0)).ln() + 1.0)
    }
}

impl<F: Fn(&str) -> u64> Idf for (u64, F) {
    fn docs(&self) -> u64 {
        self.0
    }
    fn df(&self, term: &str) -> u64 {
        (self.1)(term)
    }
}

/// IDF-weighted cosine of two sorted, unique term lists, in `[0, 1]`.
pub fn cosine(a: &[String], b: &[String], idf: &impl Idf) -> f64 {
    let norm = |t: &[String]| t.iter().map(|x| idf.weight(x).powi(2)).sum::<f64>().sqrt();
    let (na, nb) = (norm(a), norm(b));
    if na == 0.0 || nb == 0.0 {
        return 0.0;
    }
    let dot: f64 = common(a, b).map(|t| idf.weight(t).powi(2)).sum();
    (dot / (na * nb)).clamp(0.0, 1.0)
}

/// Cosine between a complaint and the centroid of an issue of `members` complaints whose
/// terms occur `counts` times: a term most of the complaints share weighs more than
/// one a single complaint brought in.
pub fn cosine_to_centroid(
    terms: &[String],
    counts: &BTreeMap<String, i64>,
    members: i64,
    idf: &impl Idf,
) -> f64 {
    if members <= 0 {
        return 0.0;
    }
    let n = members as f64;
    let centroid = |t: &str| counts.get(t).map_or(0.0, |c| *c as f64 / n) * idf.weight(t);
    let norm_a = terms
        .iter()
        .map(|t| idf.weight(t).powi(2))
        .sum::<f64>()
        .sqrt();
    let norm_c = counts
        .keys()
        .map(|t| centroid(t).powi(2))
        .sum::<f64>()
        .sqrt();
    if norm_a == 0.0 || norm_c == 0.0 {
        return 0.0;
    }
    let dot: f64 = terms.iter().map(|t| idf.weight(t) * centroid(t)).sum();
    (dot / (norm_a * norm_c)).clamp(0.0, 1.0)
}

/// How many terms two sorted, unique term lists share.
pub fn shared_terms(a: &[String], b: &[String]) -> usize {
    common(a, b).count()
}

fn common<'a>(a: &'a [String], b: &'a [String]) -> impl Iterator<Item = &'a String> + 'a {
    let (mut i, mut j) = (0, 0);
    std::iter::from_fn(move || {
        while i < a.len() && j < b.len() {
            match a[i].cmp(&b[j]) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    i += 1;
                    j += 1;
                    return Some(&a[i - 1]);
                }
            }
        }
        None
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(xs: &[&str]) -> Vec<String> {
        let mut v: Vec<String> = xs.iter().map(|s| s.to_string()).collect();
        v.sort();
        v.dedup();
        v
    }

    fn flat() -> (u64, impl Fn(&str) -> u64) {
        (10, |_: &str| 1)
    }

    #[test]
    fn identical_sets_are_one_and_disjoint_sets_zero() {
        let a = t(&["=refund", "=not", "receiv"]);
        assert!((cosine(&a, &a, &flat()) - 1.0).abs() < 1e-9);
        assert_eq!(cosine(&a, &t(&["voucher"]), &flat()), 0.0);
        assert_eq!(cosine(&a, &[], &flat()), 0.0);
        assert_eq!(shared_terms(&a, &t(&["=not", "receiv", "x"])), 2);
    }

    #[test]
    fn a_subject_term_weighs_what_its_concept_does() {
        assert_eq!(class_weight("@=refund"), class_weight("=refund"));
        assert_eq!(class_weight("@^not_received"), 1.0);
        assert_eq!(class_weight("@~week"), CIRCUMSTANCE_WEIGHT);
    }

    #[test]
    fn common_terms_weigh_less_than_rare_ones() {
        let idf = (1000, |term: &str| if term == "=not" { 500 } else { 3 });
        let a = t(&["=not", "voucher"]);
        let shares_common = t(&["=not", "login"]);
        let shares_rare = t(&["voucher", "login"]);
        assert!(cosine(&a, &shares_rare, &idf) > cosine(&a, &shares_common, &idf));
    }

    proptest::proptest! {
        #[test]
        fn cosine_is_symmetric_and_bounded(
            a in proptest::collection::btree_set("[a-e]{1,2}", 0..8),
            b in proptest::collection::btree_set("[a-e]{1,2}", 0..8),
        ) {
            let a: Vec<String> = a.into_iter().collect();
            let b: Vec<String> = b.into_iter().collect();
            let idf = (50, |term: &str| term.len() as u64 * 7);
            let ab = cosine(&a, &b, &idf);
            proptest::prop_assert!((0.0..=1.0).contains(&ab));
            proptest::prop_assert!((ab - cosine(&b, &a, &idf)).abs() < 1e-12);
        }
    }
}
