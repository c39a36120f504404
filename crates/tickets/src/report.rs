//! The figures of the TTR report for one group of tickets (DESIGN §2 "TTR report").
//!
//! Each ticket arrives as a [`ReportTicket`] read from the ticket row; durations are measured
//! by the caller's clock (calendar, or business time through a [`BusinessIndex`]).
//!
//! [`BusinessIndex`]: crate::calendar::BusinessIndex

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::stats::{Observation, kaplan_meier_median, mean_rounded, nearest_rank};

/// What the report needs of one ticket; instants in Unix seconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportTicket {
    pub created: i64,
    pub first_response: Option<i64>,
    /// Set while the ticket is resolved (or was closed after resolution): it has a TTR.
    pub resolved: Option<i64>,
    /// When it was closed without being resolved (censoring a Kaplan–Meier observation).
    pub closed_unresolved: Option<i64>,
    /// Closed as duplicate, spam or merged: left out of TTR statistics.
    pub excluded: bool,
    /// The SLA outcome: `Some(true)` breached, `Some(false)` met, `None` undecided or no policy.
    pub sla_breached: Option<bool>,
    /// The same customer complained within the previous 30 days.
    pub repeat_contact: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TtrFigures {
    pub median_s: Option<i64>,
    pub mean_s: Option<i64>,
    pub p90_s: Option<i64>,
    /// The Kaplan–Meier median, counting unresolved tickets as censored.
    pub km_median_s: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FrtFigures {
    pub responded: u64,
    pub median_s: Option<i64>,
    pub mean_s: Option<i64>,
    pub p90_s: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SlaFigures {
    pub met: u64,
    pub breached: u64,
    /// `met / (met + breached)` in percent, one decimal; `null` with no decided ticket.
    pub met_pct: Option<f64>,
}

/// One row of the report.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GroupFigures {
    pub key: String,
    /// A readable name for the key (an agent's name), when it differs from the key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    pub tickets: u64,
    pub resolved: u64,
    pub excluded: u64,
    pub ttr: TtrFigures,
    pub frt: FrtFigures,
    pub sla: SlaFigures,
    /// Share of the group's tickets whose customer had complained within the previous 30
    /// days, in percent, one decimal.
    pub repeat_contact_pct: Option<f64>,
}

/// A ticket repeats a contact when its customer created another ticket at most this many days
/// before it.
pub const REPEAT_WINDOW_DAYS: i64 = 30;

/// The ids of the tickets that repeat a contact, from `(customer, created_at, id)` sorted by
/// customer, time and id. Tickets are ordered by creation time, then id: of two tickets created
/// at the same instant only the later id is a repeat. Every earlier ticket counts, whatever
/// became of it. Only tickets whose predecessors within the window are in `contacts` get a
/// right answer; callers pass enough history.
pub fn repeat_contacts(contacts: &[(i64, DateTime<Utc>, i64)]) -> Vec<i64> {
    contacts
        .windows(2)
        .filter_map(|w| {
            let ((c1, t1, _), (c2, t2, id)) = (w[0], w[1]);
            (c1 == c2 && t2 - t1 <= Duration::days(REPEAT_WINDOW_DAYS)).then_some(id)
        })
        .collect()
}

fn pct(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| (part as f64 * 1000.0 / whole as f64).round() / 10.0)
}

/// The figures of one group. `measure(a, b)` is the duration from `a` to `b` on the report's
/// clock; `now` censors tickets still open.
pub fn group_figures<'a>(
    key: String,
    tickets: impl IntoIterator<Item = &'a ReportTicket>,
    measure: &dyn Fn(i64, i64) -> i64,
    now: i64,
) -> GroupFigures {
    let mut g = GroupFigures {
        key,
        ..Default::default()
    };
    let mut ttr = Vec::new();
    let mut frt = Vec::new();
    let mut km = Vec::new();
    let mut repeats = 0;
    for t in tickets {
        g.tickets += 1;
        if t.repeat_contact {
            repeats += 1;
        }
        match t.sla_breached {
            Some(true) => g.sla.breached += 1,
            Some(false) => g.sla.met += 1,
            None => {}
        }
        if let Some(r) = t.first_response {
            frt.push(measure(t.created, r));
        }
        if t.excluded {
            g.excluded += 1;
            continue;
        }
        match t.resolved {
            Some(r) => {
                let d = measure(t.created, r);
                ttr.push(d);
                km.push(Observation {
                    seconds: d,
                    resolved: true,
                });
            }
            None => {
                let until = t.closed_unresolved.unwrap_or(now).max(t.created);
                km.push(Observation {
                    seconds: measure(t.created, until),
                    resolved: false,
                });
            }
        }
    }
    g.resolved = ttr.len() as u64;
    ttr.sort_unstable();
    frt.sort_unstable();
    g.ttr = TtrFigures {
        median_s: nearest_rank(&ttr, 50),
        mean_s: mean_rounded(&ttr),
        p90_s: nearest_rank(&ttr, 90),
        km_median_s: kaplan_meier_median(&km),
    };
    g.frt = FrtFigures {
        responded: frt.len() as u64,
        median_s: nearest_rank(&frt, 50),
        mean_s: mean_rounded(&frt),
        p90_s: nearest_rank(&frt, 90),
    };
    g.sla.met_pct = pct(g.sla.met, g.sla.met + g.sla.breached);
    g.repeat_contact_pct = pct(repeats, g.tickets);
    g
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(created: i64, resolved: Option<i64>) -> ReportTicket {
        ReportTicket {
            created,
            first_response: None,
            resolved,
            closed_unresolved: None,
            excluded: false,
            sla_breached: None,
            repeat_contact: false,
        }
    }

    #[test]
    fn excluded_tickets_are_counted_but_measure_nothing() {
        let mut dup = t(0, None);
        dup.excluded = true;
        dup.first_response = Some(50);
        let rows = [t(0, Some(100)), t(0, Some(300)), dup, t(0, None)];
        let g = group_figures("all".into(), &rows, &|a, b| b - a, 1000);
        assert_eq!((g.tickets, g.resolved, g.excluded), (4, 2, 1));
        assert_eq!(g.ttr.median_s, Some(100));
        assert_eq!(g.ttr.mean_s, Some(200));
        // Three observations: 100, 300 resolved and one open for 1000: S(100) = 2/3, S(300) = 1/3.
        assert_eq!(g.ttr.km_median_s, Some(300));
        assert_eq!(
            g.frt.responded, 1,
            "a first response counts even on an excluded ticket"
        );
    }

    #[test]
    fn sla_and_repeat_shares_are_percentages_of_their_bases() {
        let mut rows = vec![t(0, Some(1)); 3];
        rows[0].sla_breached = Some(true);
        rows[1].sla_breached = Some(false);
        rows[2].repeat_contact = true;
        let g = group_figures("x".into(), &rows, &|a, b| b - a, 10);
        assert_eq!(
            (g.sla.met, g.sla.breached, g.sla.met_pct),
            (1, 1, Some(50.0))
        );
        assert_eq!(g.repeat_contact_pct, Some(33.3));
        let empty = group_figures("e".into(), &[], &|a, b| b - a, 10);
        assert_eq!(
            (
                empty.ttr.median_s,
                empty.sla.met_pct,
                empty.repeat_contact_pct
            ),
            (None, None, None)
        );
    }

    #[test]
    fn repeats_are_by_ticket_within_thirty_days() {
        let at = |s: &str| {
            DateTime::parse_from_rfc3339(s)
                .map(|t| t.with_timezone(&Utc))
                .unwrap_or_default()
        };
        let contacts = [
            (1, at("2026-05-01T10:00:00Z"), 10),
            (1, at("2026-05-31T10:00:00Z"), 11), // exactly 30 days: a repeat
            (1, at("2026-07-01T10:00:00Z"), 12), // 31 days: not
            (2, at("2026-07-01T10:00:00Z"), 13), // another customer
            (2, at("2026-07-01T10:00:00Z"), 14), // same instant: only the later id
        ];
        assert_eq!(repeat_contacts(&contacts), vec![11, 14]);
    }
}
