//! The alert engine's storage: which tickets to look at, the alerts themselves (each raised
//! exactly once, by a unique constraint), and the outbox that delivers them.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use helpdesk_tickets::sla::{AlertLevel, AlertPlan, SlaMetric, clocks, plan_alerts, select_policy};
use helpdesk_tickets::{
    Actor, BusinessCalendar, BusinessHoursSpec, Event, EventKind, SlaPolicy, Tier, Timeline,
};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction,
    EntityTrait, QueryFilter, QueryOrder, QuerySelect, Statement, Value,
};

use crate::entity::{customer, outbox, setting, sla_alert, ticket, ticket_event, user};
use crate::live::{self, LiveEvent};
use crate::tickets::{TicketRow, Write, append_many, event_from_row, reference};
use crate::{Store, StoreError, StoreResult, parse_stored};

pub use outbox::Model as OutboxRow;
pub use sla_alert::Model as AlertRow;

/// Where the SLA policies are kept in the settings table.
pub const POLICIES_KEY: &str = "sla_policies";
/// Where the business-hours calendar is kept in the settings table.
pub const BUSINESS_HOURS_KEY: &str = "business_hours";

/// What the engine measures against.
#[derive(Debug, Clone)]
pub struct SlaSettings {
    pub policies: Vec<SlaPolicy>,
    pub business: BusinessCalendar,
}

impl SlaSettings {
    /// The settings in force as `db` reads them: the stored ones, or a fresh installation's
    /// defaults.
    pub(crate) async fn load(db: &impl ConnectionTrait) -> StoreResult<SlaSettings> {
        // One read for both: this runs in every submission transaction.
        let mut policies = None;
        let mut spec = None;
        for row in setting::Entity::find()
            .filter(setting::Column::Key.is_in([POLICIES_KEY, BUSINESS_HOURS_KEY]))
            .all(db)
            .await?
        {
            if row.key == POLICIES_KEY {
                policies = Some(serde_json::from_value::<Vec<SlaPolicy>>(row.value)?);
            } else {
                spec = Some(serde_json::from_value::<BusinessHoursSpec>(row.value)?);
            }
        }
        let policies = policies.unwrap_or_else(SlaPolicy::defaults);
        let spec = spec.unwrap_or_default();
        Ok(SlaSettings {
            policies,
            // Only validated specs are stored; fall back to the default rather than fail a read.
            business: spec.validate().unwrap_or_default(),
        })
    }

    /// One ticket measured at `now`: its clocks under the policy that matches it, and what
    /// the alert engine is to do about them.
    pub(crate) fn measure(&self, tl: &Timeline, tier: Tier, now: DateTime<Utc>) -> Measured {
        let policy = select_policy(&self.policies, tl.ticket.priority, tier);
        let clocks = policy
            .map(|p| clocks(tl, p, &self.business, now))
            .unwrap_or_default();
        let plan = plan_alerts(&clocks, now);
        let sla_state = sla_outcome(tl, &clocks);
        Measured {
            clocks,
            plan,
            sla_state,
        }
    }
}

/// What measuring one ticket found.
pub(crate) struct Measured {
    pub clocks: Vec<helpdesk_tickets::SlaClock>,
    pub plan: AlertPlan,
    pub sla_state: Option<&'static str>,
}

/// Where raised alerts go besides the browser.
#[derive(Debug, Clone, Copy, Default)]
pub struct Deliveries {
    pub webhook: bool,
    pub email: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Evaluated {
    pub tickets: usize,
    pub raised: usize,
    pub cleared: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertState {
    /// Neither acknowledged nor cleared.
    Open,
    /// Acknowledged, not cleared.
    Acked,
    Cleared,
    All,
}

const ACTIVE: [&str; 4] = ["new", "open", "pending", "on_hold"];

/// The JSON that describes an alert to browsers, webhooks and e-mails.
pub fn alert_json(a: &AlertRow, t: &TicketRow) -> serde_json::Value {
    serde_json::json!({
        "id": a.id,
        "ticket_id": a.ticket_id,
        "metric": a.metric,
        "level": a.level,
        "cycle": a.cycle,
        "due_at": a.due_at,
        "raised_at": a.raised_at,
        "acked_at": a.acked_at,
        "acked_by": a.acked_by,
        "cleared_at": a.cleared_at,
        "ticket": {
            "id": t.id,
            "reference": reference(t.id),
            "subject": t.subject,
            "priority": t.priority,
            "status": t.status,
            "assignee_id": t.assignee_id,
        },
    })
}

fn alert_live(change: &str, a: &AlertRow, t: &TicketRow) -> LiveEvent {
    let mut payload = alert_json(a, t);
    payload["change"] = change.into();
    LiveEvent {
        kind: "alert",
        ticket_id: Some(t.id),
        payload,
    }
}

impl Store {
    /// The SLA policies and business calendar in force.
    pub async fn sla_settings(&self) -> StoreResult<SlaSettings> {
        SlaSettings::load(self.read()).await
    }

    /// Marks every unresolved ticket (or those created since `created_since`) for
    /// re-evaluation, after a policy or calendar change.
    pub async fn mark_for_sla(
        &self,
        now: DateTime<Utc>,
        created_since: Option<DateTime<Utc>>,
    ) -> StoreResult<u64> {
        let txn = self.begin().await?;
        let mut q = ticket::Entity::update_many()
            .col_expr(ticket::Column::SlaNextCheckAt, Expr::value(now))
            .filter(ticket::Column::Status.is_in(ACTIVE));
        if let Some(since) = created_since {
            q = q.filter(ticket::Column::CreatedAt.gte(since));
        }
        let n = q.exec(&txn).await?.rows_affected;
        self.commit(txn).await?;
        Ok(n)
    }

    /// Takes up to `limit` tickets whose next check is due and leases them until
    /// `lease_until`, so that another instance scanning at the same time takes others; if this
    /// one dies mid-scan, the lease runs out and they are scanned again.
    pub async fn claim_sla_due(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u64,
    ) -> StoreResult<Vec<i64>> {
        let lock = if self.is_postgres() {
            " FOR UPDATE SKIP LOCKED"
        } else {
            ""
        };
        let p = |n: usize| self.placeholder(n);
        let stmt = format!(
            "UPDATE tickets SET sla_next_check_at = {} WHERE id IN (SELECT id FROM tickets WHERE sla_next_check_at <= {} ORDER BY sla_next_check_at LIMIT {}{lock}) RETURNING id",
            p(1),
            p(2),
            p(3)
        );
        let txn = self.begin().await?;
        let rows = txn
            .query_all_raw(Statement::from_sql_and_values(
                self.backend(),
                stmt,
                [
                    Value::from(lease_until),
                    Value::from(now),
                    Value::from(limit as i64),
                ],
            ))
            .await?;
        txn.commit().await?;
        rows.iter()
            .map(|r| r.try_get_by_index::<i64>(0).map_err(StoreError::from))
            .collect()
    }

    /// Measures the tickets' SLA clocks, raises the alerts that are due (once), clears those
    /// whose clock was met or stopped, and schedules each ticket's next check. A ticket that
    /// changed meanwhile is left alone: the change scheduled it again.
    pub async fn evaluate_sla(
        &self,
        ids: &[i64],
        now: DateTime<Utc>,
        deliveries: Deliveries,
    ) -> StoreResult<Evaluated> {
        let mut out = Evaluated::default();
        if ids.is_empty() {
            return Ok(out);
        }
        let rows = ticket::Entity::find()
            .filter(ticket::Column::Id.is_in(ids.iter().copied()))
            .all(self.read())
            .await?;
        // Read after the tickets, so that every ticket read was created before these rules
        // were read: rules read at the start of a scan could predate a ticket imported
        // meanwhile and measure it under rules it was never subject to.
        let settings = &SlaSettings::load(self.read()).await?;
        let customer_ids: Vec<i64> = rows.iter().map(|t| t.customer_id).collect();
        let tiers: HashMap<i64, String> = customer::Entity::find()
            .filter(customer::Column::Id.is_in(customer_ids))
            .all(self.read())
            .await?
            .into_iter()
            .map(|c| (c.id, c.tier))
            .collect();
        let mut events: HashMap<i64, Vec<Event>> = HashMap::new();
        for e in ticket_event::Entity::find()
            .filter(ticket_event::Column::TicketId.is_in(ids.iter().copied()))
            .order_by_asc(ticket_event::Column::Id)
            .all(self.read())
            .await?
        {
            events
                .entry(e.ticket_id)
                .or_default()
                .push(event_from_row(&e)?);
        }
        let mut alerts: HashMap<i64, Vec<AlertRow>> = HashMap::new();
        for a in sla_alert::Entity::find()
            .filter(sla_alert::Column::TicketId.is_in(ids.iter().copied()))
            .all(self.read())
            .await?
        {
            alerts.entry(a.ticket_id).or_default().push(a);
        }

        let mut plans = Vec::new();
        for row in rows {
            out.tickets += 1;
            let tl =
                Timeline::from_events(events.get(&row.id).map(Vec::as_slice).unwrap_or_default())?;
            let tier = tiers
                .get(&row.customer_id)
                .map(|t| parse_stored("tier", t))
                .transpose()?
                .unwrap_or_default();
            let Measured {
                clocks: cs,
                plan,
                sla_state,
            } = settings.measure(&tl, tier, now);
            let existing = alerts.remove(&row.id).unwrap_or_default();
            let raise: Vec<_> = plan
                .raise
                .iter()
                .filter(|r| {
                    !existing.iter().any(|a| {
                        a.metric == r.metric.as_str()
                            && a.cycle == r.cycle as i32
                            && a.level == r.level.as_str()
                    })
                })
                .copied()
                .collect();
            let clear: Vec<i64> = existing
                .iter()
                .filter(|a| a.cleared_at.is_none())
                .filter(|a| {
                    let key =
                        |m: &SlaMetric, c: &u32| m.as_str() == a.metric && *c as i32 == a.cycle;
                    plan.clear.iter().any(|(m, c)| key(m, c))
                        || !cs.iter().any(|c| key(&c.metric, &c.cycle))
                })
                .map(|a| a.id)
                .collect();
            plans.push(TicketPlan {
                row,
                raise,
                clear,
                next_check: plan.next_check,
                due_at: plan.due_at,
                sla_state,
            });
        }

        // One transaction for the batch: a commit per ticket would cost a disk flush each.
        let txn = self.begin().await?;
        let touched = self.write_plans(&txn, &plans, now).await?;
        // A ticket that changed, or was marked for re-evaluation, since it was read is left to
        // the evaluation that the change or the mark scheduled.
        let changed: Vec<TicketPlan> = plans
            .into_iter()
            .filter(|p| p.busy() && touched.contains(&p.row.id))
            .collect();
        let raises: Vec<sla_alert::ActiveModel> = changed
            .iter()
            .flat_map(|p| {
                p.raise.iter().map(|r| sla_alert::ActiveModel {
                    ticket_id: Set(p.row.id),
                    metric: Set(r.metric.as_str().into()),
                    cycle: Set(r.cycle as i32),
                    level: Set(r.level.as_str().into()),
                    due_at: Set(r.due_at),
                    raised_at: Set(now),
                    ..Default::default()
                })
            })
            .collect();
        // With ON CONFLICT DO NOTHING, RETURNING gives only the rows this transaction
        // inserted: only the instance whose insert took effect tells anyone.
        let raised: Vec<AlertRow> = if raises.is_empty() {
            Vec::new()
        } else {
            match sla_alert::Entity::insert_many(raises)
                .on_conflict_do_nothing_on([
                    sla_alert::Column::TicketId,
                    sla_alert::Column::Metric,
                    sla_alert::Column::Cycle,
                    sla_alert::Column::Level,
                ])
                .exec_with_returning_many(&txn)
                .await?
            {
                sea_orm::TryInsertResult::Inserted(rows) => rows,
                _ => Vec::new(),
            }
        };
        let clear_ids: Vec<i64> = changed
            .iter()
            .flat_map(|p| p.clear.iter().copied())
            .collect();
        let cleared: Vec<AlertRow> = if clear_ids.is_empty() {
            Vec::new()
        } else {
            sla_alert::Entity::update_many()
                .col_expr(sla_alert::Column::ClearedAt, Expr::value(now))
                .filter(sla_alert::Column::Id.is_in(clear_ids.iter().copied()))
                .filter(sla_alert::Column::ClearedAt.is_null())
                .exec(&txn)
                .await?;
            sla_alert::Entity::find()
                .filter(sla_alert::Column::Id.is_in(clear_ids))
                .all(&txn)
                .await?
        };
        let recipients = Recipients::read(&txn, deliveries, &raised, &changed).await?;
        let mut deliveries_out = Vec::new();
        let mut writes: HashMap<i64, Vec<Write>> = HashMap::new();
        let mut live = Vec::new();
        for (change, alerts) in [("raised", &raised), ("cleared", &cleared)] {
            for a in alerts.iter() {
                let Some(p) = changed.iter().find(|p| p.row.id == a.ticket_id) else {
                    continue;
                };
                let kind = if change == "raised" {
                    EventKind::AlertRaised {
                        metric: a.metric.clone(),
                        level: a.level.clone(),
                    }
                } else {
                    EventKind::AlertCleared {
                        metric: a.metric.clone(),
                        level: a.level.clone(),
                    }
                };
                writes
                    .entry(a.ticket_id)
                    .or_default()
                    .push(Write::bare(Event::new(now, Actor::System, kind)));
                live.push(alert_live(change, a, &p.row));
                if change == "raised" {
                    let level = if a.level == "breach" {
                        AlertLevel::Breach
                    } else {
                        AlertLevel::Warning
                    };
                    deliveries_out.extend(outbox_rows(a, &p.row, level, &recipients, now));
                }
            }
        }
        out.raised = raised.len();
        out.cleared = cleared.len();
        for chunk in deliveries_out.chunks(OUTBOX_ROWS_PER_INSERT) {
            outbox::Entity::insert_many(chunk.to_vec())
                .exec_without_returning(&txn)
                .await?;
        }
        append_many(&txn, writes.into_iter().collect()).await?;
        live::publish(&txn, live, now).await?;
        self.commit(txn).await?;
        Ok(out)
    }

    /// Alerts in a state, oldest first, with their tickets; continue after `after` (an id).
    pub async fn list_alerts(
        &self,
        state: AlertState,
        after: Option<i64>,
        limit: u64,
    ) -> StoreResult<Vec<(AlertRow, TicketRow)>> {
        let mut q = sla_alert::Entity::find();
        q = match state {
            AlertState::Open => q
                .filter(sla_alert::Column::ClearedAt.is_null())
                .filter(sla_alert::Column::AckedAt.is_null()),
            AlertState::Acked => q
                .filter(sla_alert::Column::ClearedAt.is_null())
                .filter(sla_alert::Column::AckedAt.is_not_null()),
            AlertState::Cleared => q.filter(sla_alert::Column::ClearedAt.is_not_null()),
            AlertState::All => q,
        };
        if let Some(after) = after {
            q = q.filter(sla_alert::Column::Id.gt(after));
        }
        let alerts = q
            .order_by_asc(sla_alert::Column::Id)
            .limit(limit)
            .all(self.read())
            .await?;
        self.with_tickets(alerts).await
    }

    /// A ticket's alerts that are not cleared.
    pub async fn ticket_alerts(&self, ticket_id: i64) -> StoreResult<Vec<AlertRow>> {
        Ok(sla_alert::Entity::find()
            .filter(sla_alert::Column::TicketId.eq(ticket_id))
            .filter(sla_alert::Column::ClearedAt.is_null())
            .order_by_asc(sla_alert::Column::Id)
            .all(self.read())
            .await?)
    }

    async fn with_tickets(&self, alerts: Vec<AlertRow>) -> StoreResult<Vec<(AlertRow, TicketRow)>> {
        let ids: Vec<i64> = alerts.iter().map(|a| a.ticket_id).collect();
        let tickets = ticket::Entity::find()
            .filter(ticket::Column::Id.is_in(ids))
            .all(self.read())
            .await?;
        alerts
            .into_iter()
            .map(|a| {
                let t = tickets
                    .iter()
                    .find(|t| t.id == a.ticket_id)
                    .cloned()
                    .ok_or(StoreError::NotFound("ticket"))?;
                Ok((a, t))
            })
            .collect()
    }

    /// Acknowledges an alert (once; acknowledging again changes nothing).
    pub async fn ack_alert(
        &self,
        id: i64,
        user_id: i64,
        now: DateTime<Utc>,
    ) -> StoreResult<(AlertRow, TicketRow)> {
        let txn = self.begin().await?;
        let a = sla_alert::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or(StoreError::NotFound("alert"))?;
        let t = ticket::Entity::find_by_id(a.ticket_id)
            .one(&txn)
            .await?
            .ok_or(StoreError::NotFound("ticket"))?;
        if a.acked_at.is_some() {
            txn.rollback().await?;
            return Ok((a, t));
        }
        let mut am: sla_alert::ActiveModel = a.into();
        am.acked_at = Set(Some(now));
        am.acked_by = Set(Some(user_id));
        let a = am.update(&txn).await?;
        live::publish(&txn, vec![alert_live("acked", &a, &t)], now).await?;
        self.commit(txn).await?;
        Ok((a, t))
    }

    /// Takes up to `limit` undelivered messages of a channel that are due, leased until
    /// `lease_until` under `token` so that no other instance sends them meanwhile. The rows
    /// come back carrying the token, which the outcome must present.
    pub async fn claim_outbox(
        &self,
        channel: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u64,
        token: &str,
    ) -> StoreResult<Vec<OutboxRow>> {
        let txn = self.begin().await?;
        let mut q = outbox::Entity::find()
            .filter(outbox::Column::Channel.eq(channel))
            .filter(outbox::Column::DeliveredAt.is_null())
            .filter(outbox::Column::FailedAt.is_null())
            .filter(outbox::Column::NextAttemptAt.lte(now))
            .order_by_asc(outbox::Column::Id)
            .limit(limit);
        if self.is_postgres() {
            q = q.lock_with_behavior(
                sea_orm::sea_query::LockType::Update,
                sea_orm::sea_query::LockBehavior::SkipLocked,
            );
        }
        let mut due = q.all(&txn).await?;
        if !due.is_empty() {
            outbox::Entity::update_many()
                .col_expr(outbox::Column::NextAttemptAt, Expr::value(lease_until))
                .col_expr(outbox::Column::LeaseToken, Expr::value(token))
                .filter(outbox::Column::Id.is_in(due.iter().map(|o| o.id)))
                .exec(&txn)
                .await?;
        }
        txn.commit().await?;
        for row in &mut due {
            row.next_attempt_at = lease_until;
            row.lease_token = Some(token.to_owned());
        }
        Ok(due)
    }

    /// Records that a claimed message was accepted. Returns `false`, changing nothing, when
    /// the claim's lease was lost to another instance (which now owns the outcome).
    pub async fn outbox_delivered(&self, row: &OutboxRow, now: DateTime<Utc>) -> StoreResult<bool> {
        self.update_leased(row, |u| {
            u.col_expr(outbox::Column::DeliveredAt, Expr::value(now))
        })
        .await
    }

    /// Records a failed attempt: retry at `retry_at`, or give up when it is `None`. Returns
    /// `false`, changing nothing, when the claim's lease was lost to another instance.
    pub async fn outbox_failed(
        &self,
        row: &OutboxRow,
        error: &str,
        retry_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let error: String = error.chars().take(1000).collect();
        self.update_leased(row, |u| {
            let u = u
                .col_expr(outbox::Column::Attempts, Expr::value(row.attempts + 1))
                .col_expr(outbox::Column::LastError, Expr::value(error));
            match retry_at {
                Some(t) => u.col_expr(outbox::Column::NextAttemptAt, Expr::value(t)),
                None => u.col_expr(outbox::Column::FailedAt, Expr::value(now)),
            }
        })
        .await
    }

    /// Hands claimed messages that were not attempted back at once, instead of at the end of
    /// the lease.
    pub async fn release_outbox(&self, rows: &[OutboxRow], now: DateTime<Utc>) -> StoreResult<()> {
        for row in rows {
            self.update_leased(row, |u| {
                u.col_expr(outbox::Column::NextAttemptAt, Expr::value(now))
            })
            .await?;
        }
        Ok(())
    }

    /// Applies `set` to a message only while `row`'s claim still holds it: same token, not yet
    /// delivered or given up.
    async fn update_leased(
        &self,
        row: &OutboxRow,
        set: impl FnOnce(sea_orm::UpdateMany<outbox::Entity>) -> sea_orm::UpdateMany<outbox::Entity>,
    ) -> StoreResult<bool> {
        let Some(token) = row.lease_token.as_deref() else {
            return Ok(false);
        };
        let txn = self.begin().await?;
        let n = set(outbox::Entity::update_many())
            .col_expr(
                outbox::Column::LeaseToken,
                Expr::value(Option::<String>::None),
            )
            .filter(outbox::Column::Id.eq(row.id))
            .filter(outbox::Column::LeaseToken.eq(token))
            .filter(outbox::Column::DeliveredAt.is_null())
            .filter(outbox::Column::FailedAt.is_null())
            .exec(&txn)
            .await?
            .rows_affected;
        txn.commit().await?;
        Ok(n == 1)
    }

    pub async fn outbox_rows(&self) -> StoreResult<Vec<OutboxRow>> {
        Ok(outbox::Entity::find()
            .order_by_asc(outbox::Column::Id)
            .all(self.read())
            .await?)
    }

    /// Deletes outbox messages delivered more than `keep` ago; returns how many. Messages given
    /// up on stay, as the record of what never arrived.
    pub async fn purge_outbox(&self, now: DateTime<Utc>, keep: Duration) -> StoreResult<u64> {
        let txn = self.begin().await?;
        let n = outbox::Entity::delete_many()
            .filter(outbox::Column::DeliveredAt.lt(now - keep))
            .exec(&txn)
            .await?
            .rows_affected;
        txn.commit().await?;
        Ok(n)
    }
}

/// What one evaluation decided for one ticket.
struct TicketPlan {
    row: TicketRow,
    raise: Vec<helpdesk_tickets::sla::AlertDue>,
    clear: Vec<i64>,
    next_check: Option<DateTime<Utc>>,
    due_at: Option<DateTime<Utc>>,
    sla_state: Option<&'static str>,
}

impl TicketPlan {
    /// Alert events are events of the ticket: raising or clearing one changes it.
    fn busy(&self) -> bool {
        !self.raise.is_empty() || !self.clear.is_empty()
    }
}

/// Tickets per `UPDATE` of [`Store::write_plans`]: 8 parameters each, well under SQLite's and
/// PostgreSQL's limits on bound parameters.
const PLANS_PER_UPDATE: usize = 200;

impl Store {
    /// Writes each ticket's next check, due time and SLA state (and, for a ticket whose alerts
    /// change, a new version) in one statement per [`PLANS_PER_UPDATE`] tickets, each only if
    /// the ticket is still at the version and next check it was read at. Returns the ids
    /// written.
    ///
    /// The next check counts as well as the version because a policy or calendar change marks
    /// tickets "check now" without a new version: a plan measured under the old rules must not
    /// overwrite that mark, or the ticket would wait for its old next check.
    ///
    /// One statement rather than one per ticket: on PostgreSQL each statement is a round trip,
    /// and a full scan writes every open ticket.
    async fn write_plans(
        &self,
        txn: &DatabaseTransaction,
        plans: &[TicketPlan],
        now: DateTime<Utc>,
    ) -> StoreResult<std::collections::HashSet<i64>> {
        let mut touched = std::collections::HashSet::new();
        for chunk in plans.chunks(PLANS_PER_UPDATE) {
            let pg = self.is_postgres();
            let mut values = Vec::with_capacity(chunk.len() * 8);
            let mut rows = Vec::with_capacity(chunk.len());
            for p in chunk {
                let n = values.len();
                let (updated_at, version) = if p.busy() {
                    (p.row.updated_at.max(now), p.row.version + 1)
                } else {
                    (p.row.updated_at, p.row.version)
                };
                values.extend([
                    Value::from(p.row.id),
                    Value::from(p.row.version),
                    Value::from(p.next_check),
                    Value::from(p.due_at),
                    Value::from(p.sla_state.map(str::to_owned)),
                    Value::from(updated_at),
                    Value::from(version),
                    Value::from(p.row.sla_next_check_at),
                ]);
                let ph = |i: usize| self.placeholder(n + i);
                rows.push(if pg {
                    // Types spelled out: a column of only NULLs would otherwise be text.
                    format!(
                        "({}::bigint, {}::integer, {}::timestamptz, {}::timestamptz, {}::text, {}::timestamptz, {}::integer, {}::timestamptz)",
                        ph(1), ph(2), ph(3), ph(4), ph(5), ph(6), ph(7), ph(8)
                    )
                } else {
                    format!(
                        "({}, {}, {}, {}, {}, {}, {}, {})",
                        ph(1), ph(2), ph(3), ph(4), ph(5), ph(6), ph(7), ph(8)
                    )
                });
            }
            // SQLite names a VALUES list's columns column1, column2, ...; PostgreSQL is given
            // the same names.
            // Both compare a timestamp as written: PostgreSQL's value, SQLite's text, which
            // sqlx writes in one format, so the value read and bound back matches itself.
            let (alias, same) = if pg {
                (
                    "v(column1, column2, column3, column4, column5, column6, column7, column8)",
                    "IS NOT DISTINCT FROM",
                )
            } else {
                ("v", "IS")
            };
            let sql = format!(
                "UPDATE tickets SET sla_next_check_at = v.column3, sla_due_at = v.column4, \
                 sla_state = v.column5, updated_at = v.column6, version = v.column7 \
                 FROM (VALUES {}) AS {alias} \
                 WHERE tickets.id = v.column1 AND tickets.version = v.column2 \
                 AND tickets.sla_next_check_at {same} v.column8 RETURNING tickets.id",
                rows.join(", ")
            );
            for r in txn
                .query_all_raw(Statement::from_sql_and_values(self.backend(), sql, values))
                .await?
            {
                touched.insert(r.try_get_by_index::<i64>(0)?);
            }
        }
        Ok(touched)
    }
}

/// A ticket's SLA outcome for reports: breached as soon as any clock went over its target;
/// met once it is resolved with every clock within target; undecided until then, and for
/// tickets left out of statistics or without a policy.
fn sla_outcome(tl: &Timeline, clocks: &[helpdesk_tickets::SlaClock]) -> Option<&'static str> {
    let t = &tl.ticket;
    let excluded = t.close_reason.is_some_and(|r| r.excluded_from_ttr()) && t.resolved_at.is_none();
    if clocks.is_empty() || excluded {
        None
    } else if clocks.iter().any(|c| c.breached) {
        Some("breached")
    } else if !t.status.is_active() && t.resolved_at.is_some() {
        Some("met")
    } else {
        None
    }
}

/// Outbox rows per `INSERT`: 5 parameters each, well under either database's limit.
const OUTBOX_ROWS_PER_INSERT: usize = 1_000;

/// Where the alerts raised in one evaluation are delivered, read once for all of them: a first
/// scan of a backlog raises hundreds per batch, and reading the managers per breach and each
/// assignee per alert was a round trip each.
struct Recipients {
    webhook: bool,
    /// `None` when e-mail is off.
    email: Option<EmailRecipients>,
}

struct EmailRecipients {
    /// Active assignees of the tickets with raised alerts, by id.
    assignees: HashMap<i64, String>,
    /// Active managers and admins; read only when a breach was raised.
    managers: Vec<String>,
}

impl Recipients {
    async fn read(
        txn: &DatabaseTransaction,
        d: Deliveries,
        raised: &[AlertRow],
        tickets: &[TicketPlan],
    ) -> StoreResult<Recipients> {
        if !d.email || raised.is_empty() {
            return Ok(Recipients {
                webhook: d.webhook,
                email: None,
            });
        }
        let assignee_ids: Vec<i64> = raised
            .iter()
            .filter_map(|a| tickets.iter().find(|p| p.row.id == a.ticket_id))
            .filter_map(|p| p.row.assignee_id)
            .collect();
        let assignees = if assignee_ids.is_empty() {
            HashMap::new()
        } else {
            user::Entity::find()
                .filter(user::Column::Id.is_in(assignee_ids))
                .filter(user::Column::Active.eq(true))
                .all(txn)
                .await?
                .into_iter()
                .map(|u| (u.id, u.email))
                .collect()
        };
        let managers = if raised
            .iter()
            .any(|a| a.level == AlertLevel::Breach.as_str())
        {
            user::Entity::find()
                .filter(user::Column::Active.eq(true))
                .filter(user::Column::Role.is_in(["manager", "admin"]))
                .all(txn)
                .await?
                .into_iter()
                .map(|u| u.email)
                .collect()
        } else {
            Vec::new()
        };
        Ok(Recipients {
            webhook: d.webhook,
            email: Some(EmailRecipients {
                assignees,
                managers,
            }),
        })
    }
}

/// The deliveries of a newly raised alert, to be written in the transaction that raised it.
fn outbox_rows(
    a: &AlertRow,
    t: &TicketRow,
    level: AlertLevel,
    r: &Recipients,
    now: DateTime<Utc>,
) -> Vec<outbox::ActiveModel> {
    let mut rows = Vec::new();
    if r.webhook {
        rows.push((
            "webhook",
            serde_json::json!({"type": "alert.raised", "alert": alert_json(a, t)}),
        ));
    }
    if let Some(email) = &r.email {
        // The assignee hears of every alert; managers of breaches.
        let mut to: Vec<String> = Vec::new();
        if let Some(e) = t.assignee_id.and_then(|id| email.assignees.get(&id)) {
            to.push(e.clone());
        }
        if level == AlertLevel::Breach {
            to.extend(email.managers.iter().cloned());
        }
        to.sort();
        to.dedup();
        if !to.is_empty() {
            let what = match a.metric.as_str() {
                "first_response" => "first response",
                "next_response" => "next response",
                _ => "resolution",
            };
            let subject = format!(
                "[{}] {} {} for {}: {}",
                level.as_str().to_uppercase(),
                what,
                if level == AlertLevel::Breach {
                    "overdue"
                } else {
                    "due soon"
                },
                reference(t.id),
                t.subject
            );
            let body = format!(
                "Ticket {} \"{}\" ({} priority).\nThe {what} target {} at {}.\n",
                reference(t.id),
                t.subject,
                t.priority,
                if level == AlertLevel::Breach {
                    "was due"
                } else {
                    "is due soon; the warning threshold passed"
                },
                a.due_at.to_rfc3339()
            );
            rows.push((
                "email",
                serde_json::json!({"to": to, "subject": subject, "body": body, "alert_id": a.id}),
            ));
        }
    }
    rows.into_iter()
        .map(|(channel, payload)| outbox::ActiveModel {
            channel: Set(channel.into()),
            payload: Set(payload),
            created_at: Set(now),
            attempts: Set(0),
            next_attempt_at: Set(now),
            ..Default::default()
        })
        .collect()
}
