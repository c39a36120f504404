//! Recurring-complaint detection, without I/O.
//!
//! A complaint's text becomes a small set of *terms* ([`Analyzer`]): Unicode-normalised, HTML,
//! links and numbers dropped, informal Indonesian spellings normalised, English and Indonesian
//! stop-words removed, phrases of a bilingual support lexicon replaced by shared *concept* terms
//! (so "refund not received" and "dana belum kembali" meet), and the remaining words stemmed
//! (Snowball for English, Sastrawi for Indonesian). Concepts named in the subject are kept a
//! second time as subject terms ([`SUBJECT_PREFIX`]), so they count double. Two complaints are
//! near-duplicates when the IDF-weighted cosine of their term sets reaches a threshold and they share at least two terms
//! ([`similarity`]). The grouping rule ([`grouping::decide`]) assigns a new complaint to the
//! recurring issue of its best match among recent complaints, and [`grouping::companions`]
//! brings along lone candidates that are close to both; the store supplies those candidates
//! from an inverted index, so nothing is ever compared all-pairs over history.

pub mod analyze;
pub mod grouping;
pub mod lexicon;
pub mod similarity;

pub use analyze::{Analysis, Analyzer, Lang};
pub use grouping::{Candidate, Decision, GroupingRule, IssueCandidate, companions, decide};
pub use similarity::{Idf, cosine, shared_terms};

/// Terms of a concept from the bilingual lexicon start with this; other terms are stems.
pub const CONCEPT_PREFIX: &str = "=";
/// Concepts that describe a complaint's circumstances (time, negation, judgement) rather
/// than what went wrong start with this, in the lexicon and as terms.
pub const CIRCUMSTANCE_PREFIX: &str = "~";
/// Topics — groups of concepts customers use interchangeably for one failure — start with
/// this, so complaints that pick different words of a topic still share a term.
pub const TOPIC_PREFIX: &str = "^";

/// A concept or topic term that occurs in the complaint's subject is kept a second time with
/// this in front (`@=refund`): the subject names the problem, so its concepts count double.
pub const SUBJECT_PREFIX: &str = "@";

/// How a term reads to a person: concepts by name ("not received" rather than
/// `=not_received`), stems as they are.
pub fn display_term(term: &str) -> String {
    let term = term.strip_prefix(SUBJECT_PREFIX).unwrap_or(term);
    match term
        .strip_prefix(CONCEPT_PREFIX)
        .or_else(|| term.strip_prefix(CIRCUMSTANCE_PREFIX))
        .or_else(|| term.strip_prefix(TOPIC_PREFIX))
    {
        Some(concept) => concept.replace('_', " "),
        None => term.to_owned(),
    }
}

pub mod quality;
