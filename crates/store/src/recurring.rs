//! Recurring complaints, kept: each ticket's terms and links, the inverted index that finds a
//! new complaint's candidates among recent ones, document frequencies, and the issues.
//!
//! Tickets are indexed by a background task in id order, a batch per transaction. On
//! PostgreSQL an advisory lock lets one instance index at a time, so two servers never start
//! two issues for the same pair of complaints.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use helpdesk_recurring::grouping::{companions, near_duplicate};
use helpdesk_recurring::{
    Analyzer, Candidate, Decision, GroupingRule, Idf, IssueCandidate, SUBJECT_PREFIX, decide,
    display_term,
};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, OnConflict, Query};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction,
    DbBackend, EntityTrait, FromQueryResult, QueryFilter, QueryOrder, QuerySelect, Statement,
    Value,
};
use serde::Serialize;

use crate::entity::{message, recurring_issue, text_posting, text_term, ticket, ticket_text};
use crate::{Store, StoreError, StoreResult, one_of};

/// The `text_terms` row that counts documents rather than a term (terms never start with `#`).
const DOCS: &str = "#docs";
/// A ticket id may commit after a higher one (PostgreSQL); tickets this far below the highest
/// indexed id are still looked for.
const LATE_COMMIT_SLACK: i64 = 1_000;
/// Labels and lists show this many top terms.
const TOP_TERMS: usize = 5;
/// How long one indexing transaction goes on taking more complaints while submissions are
/// arriving. With SQLite the transaction holds the only writer, and a customer's submission
/// waits for it: a batch of 50 complaints held it for 150-250 ms at 100,000 indexed, far past
/// the submissions' p99 budget of 50 ms. Otherwise (a backlog after an import or a burst)
/// the whole batch goes in one transaction: on PostgreSQL at 100,000 indexed, transactions
/// of one or two complaints made the backlog ~7 times slower (40 ms per complaint, not 5.7).
/// The first complaint is always indexed, however long it takes.
const INDEX_HOLD: std::time::Duration = std::time::Duration::from_millis(10);

/// How recurring complaints are found.
#[derive(Debug, Clone)]
pub struct RecurringConfig {
    /// How far back a complaint's earlier tickets (same customer) and candidates (any
    /// customer) are looked for.
    pub window: Duration,
    pub rule: GroupingRule,
    /// How many of a complaint's rarest terms are looked up in the index.
    pub probe_terms: usize,
    /// How many of the most recent complaints per looked-up term become candidates.
    pub per_term: u64,
}

impl Default for RecurringConfig {
    fn default() -> Self {
        RecurringConfig {
            window: Duration::days(90),
            rule: GroupingRule::default(),
            probe_terms: 6,
            per_term: 50,
        }
    }
}

/// What ticket detail shows: the customer's earlier related tickets and the ticket's issue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TicketRecurring {
    pub customer_repeat_count: i32,
    pub previous_ticket_ids: Vec<i64>,
    pub issue_id: Option<i64>,
}

/// A recurring issue as managers see it in a list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IssueSummary {
    pub id: i64,
    pub label: String,
    pub terms: Vec<String>,
    /// Tickets and distinct customers in the window.
    pub ticket_count: usize,
    pub customer_count: usize,
    /// The issue's first and last complaint (any time).
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    /// The tickets in the window, newest first.
    pub ticket_ids: Vec<i64>,
    /// Complaints per UTC day in the window, oldest first; days without any are zero.
    pub trend: Vec<DayCount>,
    pub status: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DayCount {
    pub date: NaiveDate,
    pub count: usize,
}

#[derive(Debug, FromQueryResult)]
struct Pending {
    id: i64,
    customer_id: i64,
    created_at: DateTime<Utc>,
    subject: String,
    category: Option<String>,
}

/// Document frequencies read from the database once per term and kept up to date in memory
/// while a batch is indexed; written back at the end of the batch.
struct Frequencies {
    docs: u64,
    df: HashMap<String, u64>,
    added: HashMap<String, i64>,
}

impl Idf for Frequencies {
    fn docs(&self) -> u64 {
        self.docs
    }
    fn df(&self, term: &str) -> u64 {
        self.df.get(term).copied().unwrap_or(0)
    }
}

impl Frequencies {
    /// Nothing read yet: the number of documents comes with the first [`Frequencies::fetch`]
    /// (a round trip of its own would be one more per complaint).
    fn new() -> Frequencies {
        Frequencies {
            docs: 0,
            df: HashMap::new(),
            added: HashMap::new(),
        }
    }

    /// Makes sure the frequencies of `terms` (and the number of documents) are in memory.
    async fn fetch(&mut self, txn: &DatabaseTransaction, terms: &[String]) -> StoreResult<()> {
        let first = !self.df.contains_key(DOCS);
        let missing: Vec<String> = terms
            .iter()
            .filter(|t| !self.df.contains_key(*t))
            .cloned()
            .chain(first.then(|| DOCS.to_owned()))
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        for chunk in missing.chunks(500) {
            let rows = text_term::Entity::find()
                .filter(one_of(
                    txn.get_database_backend(),
                    text_term::Column::Term,
                    chunk.to_vec(),
                ))
                .all(txn)
                .await?;
            for r in rows {
                self.df.insert(r.term, u64::try_from(r.df).unwrap_or(0));
            }
        }
        for t in missing {
            self.df.entry(t).or_insert(0);
        }
        if first {
            // Documents added earlier in this batch count on top of the stored number.
            self.docs += self.df[DOCS];
        }
        Ok(())
    }

    fn add_document(&mut self, terms: &[String]) {
        self.docs += 1;
        *self.added.entry(DOCS.to_owned()).or_default() += 1;
        for t in terms {
            *self.df.entry(t.clone()).or_default() += 1;
            *self.added.entry(t.clone()).or_default() += 1;
        }
    }

    async fn save(self, txn: &DatabaseTransaction) -> StoreResult<()> {
        if txn.get_database_backend() == DbBackend::Postgres {
            // One statement text for any number of terms (see `one_of`).
            let (terms, dfs): (Vec<String>, Vec<i64>) = self.added.into_iter().unzip();
            txn.execute_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "INSERT INTO text_terms (term, df) SELECT * FROM unnest($1::text[], $2::bigint[]) \
                 ON CONFLICT (term) DO UPDATE SET df = text_terms.df + excluded.df",
                [Value::from(terms), Value::from(dfs)],
            ))
            .await?;
            return Ok(());
        }
        let rows: Vec<text_term::ActiveModel> = self
            .added
            .into_iter()
            .map(|(term, df)| text_term::ActiveModel {
                term: Set(term),
                df: Set(df),
            })
            .collect();
        for chunk in rows.chunks(500) {
            text_term::Entity::insert_many(chunk.to_vec())
                .on_conflict(
                    OnConflict::column(text_term::Column::Term)
                        .value(
                            text_term::Column::Df,
                            Expr::col((text_term::Entity, text_term::Column::Df))
                                .add(Expr::col((Alias::new("excluded"), text_term::Column::Df))),
                        )
                        .to_owned(),
                )
                .exec_without_returning(txn)
                .await?;
        }
        Ok(())
    }
}

fn terms_of(json: &serde_json::Value) -> Vec<String> {
    let mut terms: Vec<String> = serde_json::from_value(json.clone()).unwrap_or_default();
    terms.sort();
    terms.dedup();
    terms
}

fn counts_of(json: &serde_json::Value) -> BTreeMap<String, i64> {
    serde_json::from_value(json.clone()).unwrap_or_default()
}

/// The issue's top terms: those most of its tickets share, rarer terms first on a tie. A
/// concept found in the subject is also a term of its own (`@=refund` beside `=refund`); both
/// read the same, so only the first of them is listed.
fn top_terms(counts: &BTreeMap<String, i64>, idf: &impl Idf) -> Vec<String> {
    let mut scored: Vec<(f64, &String)> = counts
        .iter()
        .map(|(t, n)| (*n as f64 * idf.weight(t), t))
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
    let mut shown = HashSet::new();
    scored
        .into_iter()
        .filter(|(_, t)| shown.insert(display_term(t)))
        .take(TOP_TERMS)
        .map(|(_, t)| t.clone())
        .collect()
}

fn label_of(top: &[String]) -> String {
    top.iter()
        .take(3)
        .map(|t| display_term(t))
        .collect::<Vec<_>>()
        .join(" · ")
}

impl Store {
    /// Analyses tickets not indexed yet (at most `limit`, lowest id first), links each to the
    /// customer's earlier related tickets and to a recurring issue. Returns how many were
    /// indexed; 0 when there was nothing to do or another instance holds the lock.
    pub async fn index_new_tickets(
        &self,
        analyzer: &Analyzer,
        config: &RecurringConfig,
        limit: u64,
        now: DateTime<Utc>,
    ) -> StoreResult<usize> {
        let txn = self.begin().await?;
        let started = std::time::Instant::now();
        if self.is_postgres() {
            let row = txn
                .query_one_raw(Statement::from_string(
                    self.backend(),
                    "SELECT pg_try_advisory_xact_lock(7243002) AS locked",
                ))
                .await?;
            let locked: bool = row
                .map(|r| r.try_get("", "locked"))
                .transpose()?
                .unwrap_or(false);
            if !locked {
                return Ok(0);
            }
        }
        // The highest indexed id, and how many tickets in the slack below it are not indexed
        // (counted inside the database: reading the ids out costs ~1 µs each through the
        // driver). Almost always none, and then the pending tickets are simply those above.
        let row = txn
            .query_one_raw(Statement::from_string(
                self.backend(),
                format!(
                    "SELECT h.m AS highest, \
                       (SELECT count(*) FROM tickets WHERE id > h.m - {s} AND id <= h.m) \
                     - (SELECT count(*) FROM ticket_texts WHERE ticket_id > h.m - {s}) AS gaps \
                     FROM (SELECT max(ticket_id) AS m FROM ticket_texts) h",
                    s = LATE_COMMIT_SLACK
                ),
            ))
            .await?;
        let (highest, gaps): (Option<i64>, Option<i64>) = match row {
            Some(r) => (r.try_get("", "highest")?, r.try_get("", "gaps")?),
            None => (None, None),
        };
        let highest = highest.unwrap_or(0);
        let pending_tickets = || {
            ticket::Entity::find()
                .select_only()
                .columns([
                    ticket::Column::Id,
                    ticket::Column::CustomerId,
                    ticket::Column::CreatedAt,
                    ticket::Column::Subject,
                    ticket::Column::Category,
                ])
                .order_by_asc(ticket::Column::Id)
        };
        let pending: Vec<Pending> = if gaps.unwrap_or(0) <= 0 {
            pending_tickets()
                .filter(ticket::Column::Id.gt(highest))
                .limit(limit)
                .into_model::<Pending>()
                .all(&txn)
                .await?
        } else {
            let floor = highest - LATE_COMMIT_SLACK;
            // Two index range reads above the floor and the difference taken here: an
            // anti-join (NOT EXISTS) probes every id in the slack, and PostgreSQL's generic
            // plan for it hashes all of ticket_texts (50 ms at 100,000 complaints). At most
            // the slack's ids above the floor are indexed, so the first `limit` + that many
            // tickets hold every pending one the batch needs.
            let indexed: HashSet<i64> = ticket_text::Entity::find()
                .select_only()
                .column(ticket_text::Column::TicketId)
                .filter(ticket_text::Column::TicketId.gt(floor))
                .into_tuple::<i64>()
                .all(&txn)
                .await?
                .into_iter()
                .collect();
            let ids: Vec<i64> = ticket::Entity::find()
                .select_only()
                .column(ticket::Column::Id)
                .filter(ticket::Column::Id.gt(floor))
                .order_by_asc(ticket::Column::Id)
                .limit(limit + indexed.len() as u64)
                .into_tuple::<i64>()
                .all(&txn)
                .await?;
            let pending_ids: Vec<i64> = ids
                .into_iter()
                .filter(|id| !indexed.contains(id))
                .take(usize::try_from(limit).unwrap_or(usize::MAX))
                .collect();
            pending_tickets()
                .filter(ticket::Column::Id.is_in(pending_ids))
                .into_model::<Pending>()
                .all(&txn)
                .await?
        };
        if pending.is_empty() {
            return Ok(0);
        }
        let bodies = first_bodies(&txn, &pending.iter().map(|p| p.id).collect::<Vec<_>>()).await?;
        let mut freq = Frequencies::new();
        let hold = self.submissions_arriving().then_some(INDEX_HOLD);
        let mut indexed = 0;
        for p in &pending {
            let body = bodies.get(&p.id).map(String::as_str).unwrap_or("");
            let analysis = analyzer.analyze(&p.subject, body);
            self.index_one(&txn, p, analysis, config, &mut freq, now)
                .await?;
            indexed += 1;
            // Tickets are taken in id order, so the rest stay pending above the highest
            // indexed id for the next call.
            if hold.is_some_and(|hold| started.elapsed() >= hold) {
                break;
            }
        }
        freq.save(&txn).await?;
        txn.commit().await?;
        Ok(indexed)
    }

    async fn index_one(
        &self,
        txn: &DatabaseTransaction,
        p: &Pending,
        analysis: helpdesk_recurring::Analysis,
        config: &RecurringConfig,
        freq: &mut Frequencies,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let terms = analysis.terms;
        let since = p.created_at - config.window;
        // The customer's earlier tickets about the same thing, each with its category.
        let earlier: Vec<(i64, Option<String>, serde_json::Value)> = ticket_text::Entity::find()
            .select_only()
            .column(ticket_text::Column::TicketId)
            .column_as(
                Expr::cust(
                    "(SELECT category FROM tickets WHERE tickets.id = ticket_texts.ticket_id)",
                ),
                "category",
            )
            .column(ticket_text::Column::Terms)
            .filter(ticket_text::Column::CustomerId.eq(p.customer_id))
            .filter(ticket_text::Column::CreatedAt.gte(since))
            .filter(ticket_text::Column::CreatedAt.lte(p.created_at))
            .filter(ticket_text::Column::TicketId.ne(p.id))
            .order_by_desc(ticket_text::Column::CreatedAt)
            .order_by_desc(ticket_text::Column::TicketId)
            .limit(100)
            .into_tuple()
            .all(txn)
            .await?;
        let earlier: Vec<(i64, Option<String>, Vec<String>)> = earlier
            .into_iter()
            .map(|(id, category, terms)| (id, category, terms_of(&terms)))
            .collect();
        // One read for the frequencies of all their terms: each read is a round trip.
        let known: Vec<String> = terms
            .iter()
            .chain(earlier.iter().flat_map(|e| &e.2))
            .cloned()
            .collect();
        freq.fetch(txn, &known).await?;
        let previous: Vec<i64> = earlier
            .iter()
            .filter(|(_, category, e_terms)| {
                (p.category.is_some() && *category == p.category)
                    || near_duplicate(&terms, e_terms, freq, &config.rule).is_some()
            })
            .map(|e| e.0)
            .collect();

        // Candidates from other complaints: the most recent ones sharing a rare term. A subject
        // term (`@…`) finds a subset of what its plain twin finds, so it would waste a probe.
        let mut probes: Vec<&String> = terms
            .iter()
            .filter(|t| !t.starts_with(SUBJECT_PREFIX) && freq.df(t) > 0)
            .collect();
        probes.sort_by(|a, b| freq.df(a).cmp(&freq.df(b)).then(a.cmp(b)));
        // One statement for all probes: each is an index range read, the round trips cost more.
        let probes: Vec<&String> = probes.into_iter().take(config.probe_terms).collect();
        let ids: HashSet<i64> = if probes.is_empty() {
            HashSet::new()
        } else {
            let sql = (0..probes.len())
                .map(|k| {
                    format!(
                        "SELECT ticket_id FROM (SELECT ticket_id FROM text_postings \
                         WHERE term = {} AND created_at >= {} \
                         ORDER BY created_at DESC LIMIT {}) AS p{k}",
                        self.placeholder(2 * k + 1),
                        self.placeholder(2 * k + 2),
                        config.per_term
                    )
                })
                .collect::<Vec<_>>()
                .join(" UNION ALL ");
            let values = probes
                .iter()
                .flat_map(|t| [Value::from(t.as_str()), Value::from(since)]);
            txn.query_all_raw(Statement::from_sql_and_values(self.backend(), sql, values))
                .await?
                .iter()
                .map(|r| r.try_get_by_index::<i64>(0))
                .collect::<Result<_, _>>()?
        };
        // Which issue each candidate is in, and the terms only of those in none (the only ones
        // compared one to one; issues are compared by their centroids).
        let rows: Vec<(i64, i64, Option<i64>, Option<serde_json::Value>)> = if ids.is_empty() {
            Vec::new()
        } else {
            ticket_text::Entity::find()
                .select_only()
                .columns([
                    ticket_text::Column::TicketId,
                    ticket_text::Column::CustomerId,
                    ticket_text::Column::IssueId,
                ])
                .column_as(
                    Expr::cust("CASE WHEN issue_id IS NULL THEN terms END"),
                    "lone_terms",
                )
                .filter(one_of(
                    self.backend(),
                    ticket_text::Column::TicketId,
                    ids.iter().copied().collect(),
                ))
                .into_tuple()
                .all(txn)
                .await?
        };
        let issue_ids: HashSet<i64> = rows.iter().filter_map(|r| r.2).collect();
        let open_issues: Vec<recurring_issue::Model> = if issue_ids.is_empty() {
            Vec::new()
        } else {
            recurring_issue::Entity::find()
                .filter(one_of(
                    self.backend(),
                    recurring_issue::Column::Id,
                    issue_ids.iter().copied().collect(),
                ))
                .filter(recurring_issue::Column::Status.eq("open"))
                .all(txn)
                .await?
        };
        let open_ids: HashSet<i64> = open_issues.iter().map(|i| i.id).collect();
        let issue_counts: Vec<BTreeMap<String, i64>> = open_issues
            .iter()
            .map(|i| counts_of(&i.term_counts))
            .collect();
        let lone_terms: HashMap<i64, Vec<String>> = rows
            .iter()
            .filter_map(|r| Some((r.0, terms_of(r.3.as_ref()?))))
            .collect();
        let needed: Vec<String> = issue_counts
            .iter()
            .flat_map(|c| c.keys().cloned())
            .chain(lone_terms.values().flatten().cloned())
            .collect();
        freq.fetch(txn, &needed).await?;
        let issues: Vec<IssueCandidate<'_>> = open_issues
            .iter()
            .zip(&issue_counts)
            .map(|(i, counts)| IssueCandidate {
                issue_id: i.id,
                members: i64::from(i.members),
                counts,
            })
            .collect();
        let candidates: Vec<Candidate<'_>> = rows
            .iter()
            .map(|&(ticket_id, customer_id, issue_id, _)| Candidate {
                ticket_id,
                customer_id,
                issue_id,
                // A complaint of a dismissed (or merged-away) issue is matched by no one.
                dismissed: issue_id.is_some_and(|i| !open_ids.contains(&i)),
                terms: lone_terms.get(&ticket_id).map_or(&[], Vec::as_slice),
            })
            .collect();
        let decision = decide(
            &terms,
            p.customer_id,
            &candidates,
            &issues,
            freq,
            &config.rule,
        );

        // Earlier lone complaints that the new one shows to belong with the issue come along;
        // they were compared only when they arrived, before the issue existed.
        let companions = companions(
            &terms,
            p.customer_id,
            &decision,
            &candidates,
            &issues,
            freq,
            &config.rule,
        );
        let companion_terms = companions.iter().map(|id| {
            candidates
                .iter()
                .find(|c| c.ticket_id == *id)
                .map_or(&[][..], |c| c.terms)
        });
        let issue_id = match decision {
            Decision::Alone => None,
            Decision::Join { issue_id, .. } => {
                let joining: Vec<&[String]> =
                    std::iter::once(&terms[..]).chain(companion_terms).collect();
                // The issue was loaded with the candidates, in this transaction.
                if let Some((issue, counts)) = open_issues
                    .iter()
                    .zip(&issue_counts)
                    .find(|(i, _)| i.id == issue_id)
                {
                    self.add_to_issue(txn, issue, counts.clone(), &joining, freq, now)
                        .await?;
                }
                Some(issue_id)
            }
            Decision::Start {
                matched_ticket_id, ..
            } => {
                let other = candidates
                    .iter()
                    .find(|c| c.ticket_id == matched_ticket_id)
                    .map_or(&[][..], |c| c.terms);
                let members: Vec<&[String]> = [&terms[..], other]
                    .into_iter()
                    .chain(companion_terms)
                    .collect();
                let mut counts: BTreeMap<String, i64> = BTreeMap::new();
                for t in members.iter().copied().flatten() {
                    *counts.entry(t.clone()).or_default() += 1;
                }
                let top = top_terms(&counts, freq);
                let issue = recurring_issue::ActiveModel {
                    label: Set(label_of(&top)),
                    custom_label: Set(None),
                    members: Set(i32::try_from(members.len()).unwrap_or(i32::MAX)),
                    term_counts: Set(serde_json::to_value(&counts)?),
                    status: Set("open".into()),
                    merged_into: Set(None),
                    created_at: Set(now),
                    updated_at: Set(now),
                    ..Default::default()
                }
                .insert(txn)
                .await?;
                Some(issue.id)
            }
        };
        // The complaint it started the issue with and those that came along move into it.
        let moved: Vec<i64> = match decision {
            Decision::Start {
                matched_ticket_id, ..
            } => std::iter::once(matched_ticket_id)
                .chain(companions.iter().copied())
                .collect(),
            _ => companions,
        };
        if let (Some(issue_id), false) = (issue_id, moved.is_empty()) {
            ticket_text::Entity::update_many()
                .col_expr(ticket_text::Column::IssueId, Expr::value(issue_id))
                .filter(one_of(self.backend(), ticket_text::Column::TicketId, moved))
                .exec(txn)
                .await?;
        }

        ticket_text::ActiveModel {
            ticket_id: Set(p.id),
            customer_id: Set(p.customer_id),
            created_at: Set(p.created_at),
            lang: Set(analysis
                .lang
                .and_then(|l| serde_json::to_value(l).ok())
                .and_then(|v| v.as_str().map(str::to_owned))),
            terms: Set(serde_json::to_value(&terms)?),
            issue_id: Set(issue_id),
            repeat_count: Set(previous.len() as i32),
            previous_ticket_ids: Set(serde_json::to_value(&previous)?),
            indexed_at: Set(now),
        }
        .insert(txn)
        .await?;
        if !terms.is_empty() {
            if self.is_postgres() {
                // One statement text for any number of terms (see `one_of`).
                txn.execute_raw(Statement::from_sql_and_values(
                    self.backend(),
                    "INSERT INTO text_postings (term, created_at, ticket_id) \
                     SELECT t, $2, $3 FROM unnest($1::text[]) AS t ON CONFLICT DO NOTHING",
                    [
                        Value::from(terms.clone()),
                        Value::from(p.created_at),
                        Value::from(p.id),
                    ],
                ))
                .await?;
            } else {
                text_posting::Entity::insert_many(terms.iter().map(|t| {
                    text_posting::ActiveModel {
                        term: Set(t.clone()),
                        created_at: Set(p.created_at),
                        ticket_id: Set(p.id),
                    }
                }))
                .on_conflict_do_nothing()
                .exec_without_returning(txn)
                .await?;
            }
        }
        freq.add_document(&terms);
        Ok(())
    }

    /// Adds complaints with these term lists to an issue (whose term counts are `counts`).
    async fn add_to_issue(
        &self,
        txn: &DatabaseTransaction,
        issue: &recurring_issue::Model,
        mut counts: BTreeMap<String, i64>,
        joining: &[&[String]],
        freq: &mut Frequencies,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        for t in joining.iter().copied().flatten() {
            *counts.entry(t.clone()).or_default() += 1;
        }
        let keys: Vec<String> = counts.keys().cloned().collect();
        freq.fetch(txn, &keys).await?;
        let label = label_of(&top_terms(&counts, freq));
        recurring_issue::ActiveModel {
            id: Set(issue.id),
            members: Set(issue.members + i32::try_from(joining.len()).unwrap_or(i32::MAX)),
            label: Set(label),
            term_counts: Set(serde_json::to_value(&counts)?),
            updated_at: Set(now),
            ..Default::default()
        }
        .update(txn)
        .await?;
        Ok(())
    }

    /// A ticket's recurring links; `None` until the ticket has been indexed.
    pub async fn ticket_recurring(&self, ticket_id: i64) -> StoreResult<Option<TicketRecurring>> {
        Ok(ticket_text::Entity::find_by_id(ticket_id)
            .one(self.read())
            .await?
            .map(|r| TicketRecurring {
                customer_repeat_count: r.repeat_count,
                previous_ticket_ids: serde_json::from_value(r.previous_ticket_ids)
                    .unwrap_or_default(),
                issue_id: r.issue_id,
            }))
    }

    /// Tickets created in `[from, to)` that repeat an earlier complaint of their customer (same
    /// category or near-duplicate text within the repeat window), each with the earlier
    /// tickets it repeats. Tickets not indexed yet are not listed.
    pub async fn customer_repeats(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<(i64, Vec<i64>)>> {
        let rows: Vec<(i64, serde_json::Value)> = ticket_text::Entity::find()
            .select_only()
            .columns([
                ticket_text::Column::TicketId,
                ticket_text::Column::PreviousTicketIds,
            ])
            .filter(ticket_text::Column::CreatedAt.gte(from))
            .filter(ticket_text::Column::CreatedAt.lt(to))
            .filter(ticket_text::Column::RepeatCount.gt(0))
            .into_tuple()
            .all(self.read())
            .await?;
        Ok(rows
            .into_iter()
            .map(|(id, prev)| (id, serde_json::from_value(prev).unwrap_or_default()))
            .collect())
    }

    /// Open recurring issues with complaints since `since`, most complaints first.
    pub async fn recurring_issues(
        &self,
        since: DateTime<Utc>,
        now: DateTime<Utc>,
        only: Option<i64>,
    ) -> StoreResult<Vec<IssueSummary>> {
        let mut q = ticket_text::Entity::find()
            .select_only()
            .columns([
                ticket_text::Column::TicketId,
                ticket_text::Column::CustomerId,
                ticket_text::Column::CreatedAt,
                ticket_text::Column::IssueId,
            ])
            .filter(ticket_text::Column::IssueId.is_not_null())
            .filter(ticket_text::Column::CreatedAt.gte(since));
        if let Some(id) = only {
            q = q.filter(ticket_text::Column::IssueId.eq(id));
        }
        let rows: Vec<(i64, i64, DateTime<Utc>, Option<i64>)> = q
            .order_by_desc(ticket_text::Column::CreatedAt)
            .order_by_desc(ticket_text::Column::TicketId)
            .into_tuple()
            .all(self.read())
            .await?;
        let mut by_issue: BTreeMap<i64, Vec<(i64, i64, DateTime<Utc>)>> = BTreeMap::new();
        for (ticket, customer, at, issue) in rows {
            if let Some(issue) = issue {
                by_issue
                    .entry(issue)
                    .or_default()
                    .push((ticket, customer, at));
            }
        }
        if by_issue.is_empty() {
            return Ok(Vec::new());
        }
        let mut issues_q = recurring_issue::Entity::find()
            .filter(recurring_issue::Column::Id.is_in(by_issue.keys().copied()));
        if only.is_none() {
            issues_q = issues_q.filter(recurring_issue::Column::Status.eq("open"));
        }
        let issues = issues_q.all(self.read()).await?;
        let spans: HashMap<i64, (DateTime<Utc>, DateTime<Utc>)> = ticket_text::Entity::find()
            .select_only()
            .column(ticket_text::Column::IssueId)
            .column_as(ticket_text::Column::CreatedAt.min(), "first")
            .column_as(ticket_text::Column::CreatedAt.max(), "last")
            .filter(ticket_text::Column::IssueId.is_in(issues.iter().map(|i| i.id)))
            .group_by(ticket_text::Column::IssueId)
            .into_tuple::<(i64, DateTime<Utc>, DateTime<Utc>)>()
            .all(self.read())
            .await?
            .into_iter()
            .map(|(i, f, l)| (i, (f, l)))
            .collect();
        let first_day = since.date_naive();
        let last_day = now.date_naive();
        let mut out = Vec::new();
        for issue in issues {
            let Some(tickets) = by_issue.get(&issue.id) else {
                continue;
            };
            let customers: HashSet<i64> = tickets.iter().map(|t| t.1).collect();
            let mut per_day: BTreeMap<NaiveDate, usize> = BTreeMap::new();
            for t in tickets {
                *per_day.entry(t.2.date_naive()).or_default() += 1;
            }
            let (first_seen, last_seen) = spans
                .get(&issue.id)
                .copied()
                .unwrap_or((tickets[tickets.len() - 1].2, tickets[0].2));
            let trend = std::cmp::max(first_day, first_seen.date_naive())
                .iter_days()
                .take_while(|d| *d <= last_day)
                .map(|date| DayCount {
                    date,
                    count: per_day.get(&date).copied().unwrap_or(0),
                })
                .collect();
            let counts = counts_of(&issue.term_counts);
            // Display terms weigh by frequency only: the list must not cost a df lookup.
            let flat = (1u64, |_: &str| 0u64);
            out.push(IssueSummary {
                id: issue.id,
                label: issue.custom_label.clone().unwrap_or(issue.label.clone()),
                terms: top_terms(&counts, &flat)
                    .iter()
                    .map(|t| display_term(t))
                    .collect(),
                ticket_count: tickets.len(),
                customer_count: customers.len(),
                first_seen,
                last_seen,
                ticket_ids: tickets.iter().map(|t| t.0).collect(),
                trend,
                status: issue.status,
            });
        }
        out.sort_by(|a, b| {
            b.ticket_count
                .cmp(&a.ticket_count)
                .then(b.last_seen.cmp(&a.last_seen))
        });
        Ok(out)
    }

    /// Gives an issue a name of a manager's choosing; `None` goes back to the automatic label.
    pub async fn rename_issue(
        &self,
        id: i64,
        label: Option<String>,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let txn = self.begin().await?;
        open_issue(&txn, id).await?;
        recurring_issue::ActiveModel {
            id: Set(id),
            custom_label: Set(label),
            updated_at: Set(now),
            ..Default::default()
        }
        .update(&txn)
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// Dismisses an issue: it leaves the list, and its tickets are never matched again, so
    /// it does not come back for the same complaints.
    pub async fn dismiss_issue(&self, id: i64, now: DateTime<Utc>) -> StoreResult<()> {
        let txn = self.begin().await?;
        open_issue(&txn, id).await?;
        recurring_issue::ActiveModel {
            id: Set(id),
            status: Set("dismissed".into()),
            updated_at: Set(now),
            ..Default::default()
        }
        .update(&txn)
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// Moves every ticket of `from` into `into`; `from` is left as `merged`.
    pub async fn merge_issues(&self, from: i64, into: i64, now: DateTime<Utc>) -> StoreResult<()> {
        if from == into {
            return Err(StoreError::conflict(
                "into",
                "an issue cannot be merged into itself",
            ));
        }
        let txn = self.begin().await?;
        let source = open_issue(&txn, from).await?;
        let target = match open_issue(&txn, into).await {
            Err(StoreError::NotFound(_)) => {
                return Err(StoreError::conflict("into", "no open issue with that id"));
            }
            other => other?,
        };
        let mut counts = counts_of(&target.term_counts);
        for (t, n) in counts_of(&source.term_counts) {
            *counts.entry(t).or_default() += n;
        }
        ticket_text::Entity::update_many()
            .col_expr(ticket_text::Column::IssueId, Expr::value(into))
            .filter(ticket_text::Column::IssueId.eq(from))
            .exec(&txn)
            .await?;
        let mut freq = Frequencies::new();
        let keys: Vec<String> = counts.keys().cloned().collect();
        freq.fetch(&txn, &keys).await?;
        recurring_issue::ActiveModel {
            id: Set(into),
            members: Set(target.members + source.members),
            label: Set(label_of(&top_terms(&counts, &freq))),
            term_counts: Set(serde_json::to_value(&counts)?),
            updated_at: Set(now),
            ..Default::default()
        }
        .update(&txn)
        .await?;
        recurring_issue::ActiveModel {
            id: Set(from),
            status: Set("merged".into()),
            merged_into: Set(Some(into)),
            updated_at: Set(now),
            ..Default::default()
        }
        .update(&txn)
        .await?;
        txn.commit().await?;
        Ok(())
    }
}

async fn open_issue(txn: &DatabaseTransaction, id: i64) -> StoreResult<recurring_issue::Model> {
    let issue = recurring_issue::Entity::find_by_id(id)
        .one(txn)
        .await?
        .ok_or(StoreError::NotFound("recurring issue"))?;
    if issue.status != "open" {
        return Err(StoreError::Conflict {
            field: None,
            message: format!("the issue is {}", issue.status),
        });
    }
    Ok(issue)
}

/// The first message of each ticket: the complaint itself.
async fn first_bodies(txn: &DatabaseTransaction, ids: &[i64]) -> StoreResult<HashMap<i64, String>> {
    let firsts = Query::select()
        .expr(Expr::col(message::Column::Id).min())
        .from(message::Entity)
        .and_where(Expr::col(message::Column::TicketId).is_in(ids.iter().copied()))
        .group_by_col(message::Column::TicketId)
        .to_owned();
    Ok(message::Entity::find()
        .select_only()
        .columns([message::Column::TicketId, message::Column::Body])
        .filter(message::Column::Id.in_subquery(firsts))
        .into_tuple::<(i64, String)>()
        .all(txn)
        .await?
        .into_iter()
        .collect())
}
