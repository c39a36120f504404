//! Whether a ticket repeats a recent contact (its customer created another ticket at most 30
//! days before it), kept on the ticket row. The TTR report reports the share per group; keeping
//! the flag spares every report a second pass over the cohort's customers and their earlier
//! tickets. The store sets it when tickets are created or imported (an imported older ticket can
//! make a later one a repeat); this migration computes it once for tickets that existed before.

use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("tickets")
                .add_column(boolean("repeat_contact").default(false))
                .take(),
        )
        .await?;
        backfill_repeat_contacts(m.get_connection()).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("tickets")
                .drop_column("repeat_contact")
                .take(),
        )
        .await?;
        Ok(())
    }
}

/// Sets `repeat_contact` on every ticket whose customer's previous ticket (by creation time,
/// then id) was created at most 30 days before it. Only ever sets the flag: more tickets can
/// only make more repeats.
pub async fn backfill_repeat_contacts<C: ConnectionTrait>(db: &C) -> Result<(), DbErr> {
    let within = match db.get_database_backend() {
        DbBackend::Postgres => "created_at - prev <= interval '30 days'",
        // Timestamps are stored as RFC 3339 text in UTC, whose order is their time order. The
        // bound keeps the fraction and offset (from character 20 on) and moves the seconds back
        // by whole days, so the comparison is exact to the nanosecond, as in Rust.
        _ => {
            "prev >= strftime('%Y-%m-%dT%H:%M:%S', created_at, '-30 days') || substr(created_at, 20)"
        }
    };
    db.execute_unprepared(&format!(
        "UPDATE tickets SET repeat_contact = TRUE WHERE id IN (
            SELECT id FROM (
                SELECT id, created_at,
                    LAG(created_at) OVER (PARTITION BY customer_id ORDER BY created_at, id) AS prev
                FROM tickets
            ) AS ordered
            WHERE prev IS NOT NULL AND {within}
        ) AND NOT repeat_contact"
    ))
    .await?;
    Ok(())
}
