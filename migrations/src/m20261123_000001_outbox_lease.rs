//! Who holds an outbox message's lease. A worker records a delivery only while its lease is
//! still its own, so a worker that overran its lease cannot overwrite the outcome of the
//! instance that took the message over.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("outbox")
                .add_column(string_null("lease_token"))
                .take(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("outbox")
                .drop_column("lease_token")
                .take(),
        )
        .await?;
        Ok(())
    }
}
