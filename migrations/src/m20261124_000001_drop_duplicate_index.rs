//! `idx_tickets_customer_created` repeated the backbone's `idx_tickets_customer` column for
//! column (customer id, created at). A second copy of an index serves no query and costs every
//! ticket write: on PostgreSQL an update of an indexed column (every SLA claim and evaluation
//! moves `sla_next_check_at`) writes an entry into each index of the table.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name("idx_tickets_customer_created")
                .table("tickets")
                .if_exists()
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_index(
            Index::create()
                .name("idx_tickets_customer_created")
                .table("tickets")
                .col("customer_id")
                .col("created_at")
                .if_not_exists()
                .take(),
        )
        .await
    }
}
