//! The SLA outcome per ticket, kept by the alert engine so reports can count met and breached
//! tickets without recomputing every clock.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // `met`, `breached`, or NULL while undecided (or without a policy).
        m.alter_table(
            Table::alter()
                .table("tickets")
                .add_column(string_null("sla_state"))
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_tickets_customer_created")
                .table("tickets")
                .col("customer_id")
                .col("created_at")
                .if_not_exists()
                .take(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("tickets")
                .drop_column("sla_state")
                .take(),
        )
        .await?;
        Ok(())
    }
}
