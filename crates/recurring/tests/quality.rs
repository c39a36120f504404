//! The grouping rule on the labelled corpus (`tests/fixtures/complaints.jsonl`), run in memory
//! in the order the complaints arrived: pairwise precision and recall, overall, within one
//! language and across languages, and how they move with the threshold.
//!
//! The same corpus goes through the real store and API in `crates/api/tests/api/recurring.rs`;
//! this test is the quick way to see the effect of a change to the lexicon or the rule:
//! `cargo test -p helpdesk-recurring --test quality -- --nocapture`.

use std::collections::{BTreeMap, HashMap};

use helpdesk_recurring::quality::{Labelled, PairScores, pairwise};
use helpdesk_recurring::{Analyzer, Candidate, Decision, GroupingRule, IssueCandidate, decide};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
struct Complaint {
    problem: Option<String>,
    lang: String,
    customer: String,
    subject: String,
    body: String,
}

fn corpus() -> Vec<Complaint> {
    include_str!("fixtures/complaints.jsonl")
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad corpus line {l}: {e}")))
        .collect()
}

/// Groups the corpus one complaint at a time, as the indexer does: each compared with every
/// earlier one and their issues, document frequencies as they were when it arrived.
fn simulate(analyzer: &Analyzer, corpus: &[Complaint], rule: &GroupingRule) -> Vec<Option<i64>> {
    let mut customers: HashMap<&str, i64> = HashMap::new();
    let mut df: HashMap<String, u64> = HashMap::new();
    let mut docs: Vec<(i64, Vec<String>)> = Vec::new();
    let mut issue_of: Vec<Option<i64>> = Vec::new();
    let mut issues: BTreeMap<i64, (i64, BTreeMap<String, i64>)> = BTreeMap::new();
    for (i, c) in corpus.iter().enumerate() {
        let n = customers.len() as i64;
        let customer = *customers.entry(c.customer.as_str()).or_insert(n);
        let terms = analyzer.analyze(&c.subject, &c.body).terms;
        let candidates: Vec<Candidate<'_>> = docs
            .iter()
            .enumerate()
            .map(|(j, (cust, t))| Candidate {
                ticket_id: j as i64,
                customer_id: *cust,
                issue_id: issue_of[j],
                dismissed: false,
                terms: t,
            })
            .collect();
        let issue_candidates: Vec<IssueCandidate<'_>> = issues
            .iter()
            .map(|(id, (members, counts))| IssueCandidate {
                issue_id: *id,
                members: *members,
                counts,
            })
            .collect();
        let idf = (i as u64, |t: &str| df.get(t).copied().unwrap_or(0));
        let decision = decide(&terms, customer, &candidates, &issue_candidates, &idf, rule);
        let add =
            |issues: &mut BTreeMap<i64, (i64, BTreeMap<String, i64>)>, id: i64, t: &[String]| {
                let e = issues.entry(id).or_default();
                e.0 += 1;
                for x in t {
                    *e.1.entry(x.clone()).or_default() += 1;
                }
            };
        let issue = match decision {
            Decision::Alone => None,
            Decision::Join { issue_id, .. } => {
                add(&mut issues, issue_id, &terms);
                Some(issue_id)
            }
            Decision::Start {
                matched_ticket_id, ..
            } => {
                let id = issues.len() as i64 + 1;
                let other = docs[matched_ticket_id as usize].1.clone();
                add(&mut issues, id, &other);
                add(&mut issues, id, &terms);
                issue_of[matched_ticket_id as usize] = Some(id);
                Some(id)
            }
        };
        for t in &terms {
            *df.entry(t.clone()).or_default() += 1;
        }
        docs.push((customer, terms));
        issue_of.push(issue);
    }
    issue_of
}

fn scores(corpus: &[Complaint], issues: &[Option<i64>]) -> PairScores {
    let items: Vec<Labelled<'_>> = corpus
        .iter()
        .zip(issues)
        .map(|(c, i)| Labelled {
            problem: c.problem.as_deref(),
            lang: &c.lang,
            predicted_issue: *i,
        })
        .collect();
    pairwise(&items)
}

fn pct(x: Option<f64>) -> String {
    x.map_or_else(|| "-".into(), |v| format!("{:.3}", v))
}

#[test]
fn the_corpus_is_what_the_measurement_needs() {
    let c = corpus();
    assert!(c.len() >= 300, "{} complaints", c.len());
    let mut per_problem: HashMap<&str, (usize, usize)> = HashMap::new();
    for x in &c {
        if let Some(p) = &x.problem {
            let e = per_problem.entry(p).or_default();
            if x.lang == "en" { e.0 += 1 } else { e.1 += 1 }
        }
    }
    assert!(per_problem.len() >= 40, "{} problems", per_problem.len());
    assert!(per_problem.values().all(|(en, id)| *en >= 2 && *id >= 2));
    assert!(c.iter().filter(|x| x.problem.is_none()).count() >= 50);
}

#[test]
fn grouping_meets_the_quality_targets_in_memory() {
    let analyzer = Analyzer::bundled().unwrap_or_else(|e| panic!("{e}"));
    let c = corpus();
    println!("threshold  precision  recall  same-language P / R   across languages P / R");
    for t in [0.30, 0.35, 0.40, 0.45, 0.50, 0.55, 0.60] {
        let rule = GroupingRule {
            threshold: t,
            ..GroupingRule::default()
        };
        let s = scores(&c, &simulate(&analyzer, &c, &rule));
        println!(
            "{t:.2}       {}      {}   {} / {}    {} / {}",
            pct(s.all.precision()),
            pct(s.all.recall()),
            pct(s.same_language.precision()),
            pct(s.same_language.recall()),
            pct(s.cross_language.precision()),
            pct(s.cross_language.recall()),
        );
    }
    let s = scores(&c, &simulate(&analyzer, &c, &GroupingRule::default()));
    println!("default rule: {s:?}");
    assert!(
        s.all.precision().unwrap_or(0.0) >= 0.90,
        "precision {:?}",
        s.all.precision()
    );
    // The issue's recall targets (0.80 within a language, 0.60 across) are not reached yet
    // (BENCHMARKS.md): these floors hold what was measured, so a change that loses recall fails.
    assert!(
        s.same_language.recall().unwrap_or(0.0) >= 0.25,
        "same-language recall {:?}",
        s.same_language.recall()
    );
    assert!(
        s.cross_language.recall().unwrap_or(0.0) >= 0.30,
        "cross-language recall {:?}",
        s.cross_language.recall()
    );
}
