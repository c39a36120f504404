//! The grouping rule on the labelled corpus (`tests/fixtures/complaints.jsonl`), run in memory
//! in the order the complaints arrived: pairwise precision and recall, overall, within one
//! language and across languages, and how they move with the threshold.
//!
//! The same corpus goes through the real store and API in `crates/api/tests/api/recurring.rs`;
//! this test is the quick way to see the effect of a change to the lexicon or the rule:
//! `cargo test -p helpdesk-recurring --test quality -- --nocapture`. Figures are printed for a
//! tuning half and a held-out half of the corpus (no problem in both) and for the whole: tune
//! a change on the first half, then check that it holds on the second.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use helpdesk_recurring::quality::{Labelled, PairScores, pairwise};
use helpdesk_recurring::{
    Analyzer, Candidate, Decision, GroupingRule, IssueCandidate, companions, decide,
};
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

/// How the store finds a new complaint's candidates (`RecurringConfig` in `helpdesk-store`):
/// the most recent complaints sharing one of its rarest terms.
const PROBE_TERMS: usize = 6;
const PER_TERM: usize = 50;

/// Groups the corpus one complaint at a time, as the indexer does: each compared with the
/// earlier ones that share one of its [`PROBE_TERMS`] rarest terms ([`PER_TERM`] most recent
/// per term) and with their issues, document frequencies as they were when it arrived; the
/// lone candidates that come along ([`companions`]) are attached to its issue too.
fn simulate(analyzer: &Analyzer, corpus: &[&Complaint], rule: &GroupingRule) -> Vec<Option<i64>> {
    let mut customers: HashMap<&str, i64> = HashMap::new();
    let mut df: HashMap<String, u64> = HashMap::new();
    let mut postings: HashMap<String, Vec<usize>> = HashMap::new();
    let mut docs: Vec<(i64, Vec<String>)> = Vec::new();
    let mut issue_of: Vec<Option<i64>> = Vec::new();
    let mut issues: BTreeMap<i64, (i64, BTreeMap<String, i64>)> = BTreeMap::new();
    for (i, c) in corpus.iter().enumerate() {
        let n = customers.len() as i64;
        let customer = *customers.entry(c.customer.as_str()).or_insert(n);
        let terms = analyzer.analyze(&c.subject, &c.body).terms;
        let mut probes: Vec<&String> = terms
            .iter()
            .filter(|t| !t.starts_with(helpdesk_recurring::SUBJECT_PREFIX) && df.contains_key(*t))
            .collect();
        probes.sort_by(|a, b| df[*a].cmp(&df[*b]).then(a.cmp(b)));
        let found: BTreeSet<usize> = probes
            .into_iter()
            .take(PROBE_TERMS)
            .flat_map(|t| postings[t].iter().rev().take(PER_TERM).copied())
            .collect();
        let candidates: Vec<Candidate<'_>> = found
            .iter()
            .map(|&j| Candidate {
                ticket_id: j as i64,
                customer_id: docs[j].0,
                issue_id: issue_of[j],
                dismissed: false,
                terms: &docs[j].1,
            })
            .collect();
        let of_candidates: BTreeSet<i64> = found.iter().filter_map(|&j| issue_of[j]).collect();
        let issue_candidates: Vec<IssueCandidate<'_>> = of_candidates
            .iter()
            .map(|id| IssueCandidate {
                issue_id: *id,
                members: issues[id].0,
                counts: &issues[id].1,
            })
            .collect();
        let idf = (i as u64, |t: &str| df.get(t).copied().unwrap_or(0));
        let decision = decide(&terms, customer, &candidates, &issue_candidates, &idf, rule);
        let along = companions(
            &terms,
            customer,
            &decision,
            &candidates,
            &issue_candidates,
            &idf,
            rule,
        );
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
        if let Some(id) = issue {
            for j in along {
                let other = docs[j as usize].1.clone();
                add(&mut issues, id, &other);
                issue_of[j as usize] = Some(id);
            }
        }
        for t in &terms {
            *df.entry(t.clone()).or_default() += 1;
            postings.entry(t.clone()).or_default().push(i);
        }
        docs.push((customer, terms));
        issue_of.push(issue);
    }
    issue_of
}

fn scores(corpus: &[&Complaint], issues: &[Option<i64>]) -> PairScores {
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

/// The corpus split in two halves that share no problem, so that a change can be tuned on one
/// and checked on the other: the problems in order of first appearance alternate between the
/// halves (the first, third, ... tune), and so do the one-off complaints.
fn split(corpus: &[Complaint]) -> (Vec<&Complaint>, Vec<&Complaint>) {
    let mut problems: Vec<&str> = Vec::new();
    let mut noise = 0;
    let (mut tuning, mut held_out) = (Vec::new(), Vec::new());
    for c in corpus {
        let even = match &c.problem {
            Some(p) => {
                let at = problems.iter().position(|x| x == p).unwrap_or_else(|| {
                    problems.push(p);
                    problems.len() - 1
                });
                at % 2 == 0
            }
            None => {
                noise += 1;
                noise % 2 == 1
            }
        };
        if even {
            tuning.push(c)
        } else {
            held_out.push(c)
        }
    }
    (tuning, held_out)
}

fn line(s: &PairScores) -> String {
    format!(
        "{}      {}   {} / {}    {} / {}",
        pct(s.all.precision()),
        pct(s.all.recall()),
        pct(s.same_language.precision()),
        pct(s.same_language.recall()),
        pct(s.cross_language.precision()),
        pct(s.cross_language.recall()),
    )
}

#[test]
fn grouping_meets_the_quality_targets_in_memory() {
    let analyzer = Analyzer::bundled().unwrap_or_else(|e| panic!("{e}"));
    let c = corpus();
    let (tuning, held_out) = split(&c);
    let full: Vec<&Complaint> = c.iter().collect();
    let halves = [
        ("tuning", &tuning),
        ("held-out", &held_out),
        ("full", &full),
    ];
    println!(
        "threshold  corpus    precision  recall  same-language P / R   across languages P / R"
    );
    for t in [0.35, 0.40, 0.45, 0.50, 0.55] {
        let rule = GroupingRule {
            threshold: t,
            ..GroupingRule::default()
        };
        for (name, part) in halves {
            let s = scores(part, &simulate(&analyzer, part, &rule));
            println!("{t:.2}       {name:9} {}", line(&s));
        }
    }
    // Vocabulary added for the problems of one half must not buy recall there with false
    // merges on problems it was not written for.
    let h = scores(
        &held_out,
        &simulate(&analyzer, &held_out, &GroupingRule::default()),
    );
    assert!(
        h.all.precision().unwrap_or(0.0) >= 0.90,
        "held-out precision {:?}",
        h.all.precision()
    );
    let s = scores(&full, &simulate(&analyzer, &full, &GroupingRule::default()));
    println!("default rule: {s:?}");
    assert!(
        s.all.precision().unwrap_or(0.0) >= 0.90,
        "precision {:?}",
        s.all.precision()
    );
    // Cross-language recall meets the issue's target (0.60); same-language recall does not
    // (target 0.80; BENCHMARKS.md). The floors hold what was measured, so a change that loses
    // recall fails: 0.564 / 0.565 with `companions`; 0.622 / 0.609 with the English side of
    // the lexicon widened (written without reading this corpus) and stop phrases.
    assert!(
        s.same_language.recall().unwrap_or(0.0) >= 0.60,
        "same-language recall {:?}",
        s.same_language.recall()
    );
    assert!(
        s.cross_language.recall().unwrap_or(0.0) >= 0.60,
        "cross-language recall {:?}",
        s.cross_language.recall()
    );
}

/// Diagnostic, on the tuning half only (never look at the held-out half while choosing a
/// change): each problem's complaints with their issue and terms; those outside the problem's
/// main issue with their cosine to it, the terms they lack and bring; and which terms and
/// concept pairs go unshared most often in same-problem pairs below the threshold.
/// `cargo test -p helpdesk-recurring --test quality diagnose -- --ignored --nocapture`
#[test]
#[ignore]
fn diagnose_tuning_misses() {
    let analyzer = Analyzer::bundled().unwrap_or_else(|e| panic!("{e}"));
    let c = corpus();
    let (tuning, _) = split(&c);
    let issues = simulate(&analyzer, &tuning, &GroupingRule::default());
    let terms: Vec<Vec<String>> = tuning
        .iter()
        .map(|x| analyzer.analyze(&x.subject, &x.body).terms)
        .collect();
    let mut df: HashMap<&str, u64> = HashMap::new();
    for t in &terms {
        for x in t {
            *df.entry(x.as_str()).or_default() += 1;
        }
    }
    let n = tuning.len() as u64;
    let idf = (n, |t: &str| df.get(t).copied().unwrap_or(0));
    let mut by_problem: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, x) in tuning.iter().enumerate() {
        if let Some(p) = &x.problem {
            by_problem.entry(p).or_default().push(i);
        }
    }
    let mut missing: BTreeMap<String, usize> = BTreeMap::new();
    let mut pairs: BTreeMap<String, usize> = BTreeMap::new();
    for (p, ids) in &by_problem {
        println!("\n=== {p}");
        for &i in ids {
            println!(
                "  [{:?}] {} {} | {} || {}",
                issues[i],
                tuning[i].lang,
                tuning[i].subject,
                tuning[i].body,
                terms[i].join(" ")
            );
        }
        let mut votes: BTreeMap<i64, usize> = BTreeMap::new();
        for &i in ids {
            if let Some(x) = issues[i] {
                *votes.entry(x).or_default() += 1;
            }
        }
        if let Some((&major, _)) = votes.iter().max_by_key(|(_, n)| **n) {
            let mut counts: BTreeMap<String, i64> = BTreeMap::new();
            let members = ids.iter().filter(|&&i| issues[i] == Some(major)).count() as i64;
            for &i in ids.iter().filter(|&&i| issues[i] == Some(major)) {
                for t in &terms[i] {
                    *counts.entry(t.clone()).or_default() += 1;
                }
            }
            for &i in ids.iter().filter(|&&i| issues[i] != Some(major)) {
                let s = helpdesk_recurring::similarity::cosine_to_centroid(
                    &terms[i], &counts, members, &idf,
                );
                let common: Vec<&String> = counts
                    .iter()
                    .filter(|(t, c)| **c * 2 >= members && !terms[i].contains(t))
                    .map(|(t, _)| t)
                    .collect();
                let extra: Vec<&String> = terms[i]
                    .iter()
                    .filter(|t| !counts.contains_key(*t))
                    .collect();
                println!(
                    "  MISS {:.3} {} | lacks {:?} | extra {:?}",
                    s, tuning[i].subject, common, extra
                );
            }
        }
        for (a, &i) in ids.iter().enumerate() {
            for &j in &ids[a + 1..] {
                if issues[i].is_some() && issues[i] == issues[j] {
                    continue;
                }
                let s = helpdesk_recurring::cosine(&terms[i], &terms[j], &idf);
                if s < 0.45 {
                    let concepts = |a: &[String], b: &[String]| -> Vec<String> {
                        a.iter()
                            .filter(|x| x.starts_with('=') && !b.contains(x))
                            .cloned()
                            .collect()
                    };
                    for x in concepts(&terms[i], &terms[j]) {
                        for y in concepts(&terms[j], &terms[i]) {
                            let k = if x < y {
                                format!("{x} ~ {y}")
                            } else {
                                format!("{y} ~ {x}")
                            };
                            *pairs.entry(k).or_default() += 1;
                        }
                    }
                    for x in terms[i].iter().filter(|x| !terms[j].contains(x)) {
                        *missing.entry(x.clone()).or_default() += 1;
                    }
                    for x in terms[j].iter().filter(|x| !terms[i].contains(x)) {
                        *missing.entry(x.clone()).or_default() += 1;
                    }
                }
            }
        }
    }
    let mut m: Vec<_> = missing.into_iter().collect();
    m.sort_by_key(|b| std::cmp::Reverse(b.1));
    let mut p: Vec<_> = pairs.into_iter().collect();
    p.sort_by_key(|b| std::cmp::Reverse(b.1));
    println!("\nconcept pairs unshared in missed pairs:");
    for (t, k) in p.iter().take(60) {
        println!("  {k:4} {t}");
    }
    println!("\nterms most often unshared in missed pairs:");
    for (t, k) in m.iter().take(80) {
        println!("  {k:4} {t} (df {})", df.get(t.as_str()).unwrap_or(&0));
    }
}

/// Diagnostic, on the tuning half only: the issues that mix problems (or take in one-off
/// complaints), each member with its label and terms — where precision is lost.
/// `cargo test -p helpdesk-recurring --test quality false_merges -- --ignored --nocapture`
#[test]
#[ignore]
fn diagnose_tuning_false_merges() {
    let analyzer = Analyzer::bundled().unwrap_or_else(|e| panic!("{e}"));
    let c = corpus();
    let (tuning, _) = split(&c);
    let issues = simulate(&analyzer, &tuning, &GroupingRule::default());
    let mut members: BTreeMap<i64, Vec<usize>> = BTreeMap::new();
    for (i, issue) in issues.iter().enumerate() {
        if let Some(issue) = issue {
            members.entry(*issue).or_default().push(i);
        }
    }
    for (id, m) in members {
        let labels: BTreeSet<&str> = m
            .iter()
            .map(|&i| tuning[i].problem.as_deref().unwrap_or("one-off"))
            .collect();
        if labels.len() > 1 {
            println!("\n=== issue {id}");
            for &i in &m {
                println!(
                    "  {:?} | {} | {} || {}",
                    tuning[i].problem,
                    tuning[i].subject,
                    tuning[i].body,
                    analyzer
                        .analyze(&tuning[i].subject, &tuning[i].body)
                        .terms
                        .join(" ")
                );
            }
        }
    }
}
