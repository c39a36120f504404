//! SLA alerts, the scheduling columns the alert engine needs on tickets, the live event log
//! behind server-sent events, and the durable outbox for webhook and e-mail deliveries.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn index(name: &str, table: &'static str, cols: &[&'static str]) -> IndexCreateStatement {
    let mut i = Index::create()
        .name(name)
        .table(table)
        .if_not_exists()
        .take();
    for c in cols {
        i.col(*c);
    }
    i
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // SQLite takes one new column per ALTER TABLE.
        for col in [
            // When the alert engine should look at the ticket next; NULL = nothing can come due.
            timestamp_with_time_zone_null("sla_next_check_at"),
            // The earliest target of a running clock: "most urgent first".
            timestamp_with_time_zone_null("sla_due_at"),
            // Bumped on every change, so work based on a stale read can tell.
            integer("version").default(0).take(),
        ] {
            m.alter_table(Table::alter().table("tickets").add_column(col).take())
                .await?;
        }
        m.create_index(index(
            "idx_tickets_sla_check",
            "tickets",
            &["sla_next_check_at"],
        ))
        .await?;
        m.create_index(index(
            "idx_tickets_sla_due",
            "tickets",
            &["sla_due_at", "id"],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table("sla_alerts")
                .if_not_exists()
                .col(big_pk_auto("id"))
                .col(big_integer("ticket_id"))
                .col(string("metric"))
                .col(integer("cycle"))
                .col(string("level"))
                .col(timestamp_with_time_zone("due_at"))
                .col(timestamp_with_time_zone("raised_at"))
                .col(timestamp_with_time_zone_null("acked_at"))
                .col(big_integer_null("acked_by"))
                .col(timestamp_with_time_zone_null("cleared_at"))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_alert_ticket")
                        .from("sla_alerts", "ticket_id")
                        .to("tickets", "id")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_alert_acked_by")
                        .from("sla_alerts", "acked_by")
                        .to("users", "id")
                        .on_delete(ForeignKeyAction::SetNull),
                )
                .take(),
        )
        .await?;
        // Each (ticket, metric, cycle, level) is raised exactly once, however many servers scan.
        m.create_index(
            Index::create()
                .name("uq_sla_alert")
                .table("sla_alerts")
                .col("ticket_id")
                .col("metric")
                .col("cycle")
                .col("level")
                .unique()
                .if_not_exists()
                .take(),
        )
        .await?;
        m.create_index(index(
            "idx_sla_alerts_open",
            "sla_alerts",
            &["cleared_at", "id"],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table("live_events")
                .if_not_exists()
                .col(big_pk_auto("id"))
                .col(string("kind"))
                .col(big_integer_null("ticket_id"))
                .col(json("payload"))
                .col(timestamp_with_time_zone("created_at"))
                .take(),
        )
        .await?;
        m.create_index(index(
            "idx_live_events_created",
            "live_events",
            &["created_at"],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table("outbox")
                .if_not_exists()
                .col(big_pk_auto("id"))
                .col(string("channel"))
                .col(json("payload"))
                .col(timestamp_with_time_zone("created_at"))
                .col(integer("attempts"))
                .col(timestamp_with_time_zone("next_attempt_at"))
                .col(timestamp_with_time_zone_null("delivered_at"))
                .col(timestamp_with_time_zone_null("failed_at"))
                .col(text_null("last_error"))
                .take(),
        )
        .await?;
        m.create_index(index(
            "idx_outbox_due",
            "outbox",
            &["channel", "delivered_at", "next_attempt_at"],
        ))
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in ["outbox", "live_events", "sla_alerts"] {
            m.drop_table(Table::drop().table(t).if_exists().take())
                .await?;
        }
        for c in ["version", "sla_due_at", "sla_next_check_at"] {
            m.alter_table(Table::alter().table("tickets").drop_column(c).take())
                .await?;
        }
        Ok(())
    }
}
