//! The helpdesk schema as sea-orm migrations, applied on start-up and by `helpdesk migrate`.
//!
//! An applied migration is never edited: a change to the schema is a new file.

pub use sea_orm_migration::prelude::*;

mod m20261122_000001_backbone;
mod m20261122_000002_sla;
mod m20261122_000003_reports;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261122_000001_backbone::Migration),
            Box::new(m20261122_000002_sla::Migration),
            Box::new(m20261122_000003_reports::Migration),
        ]
    }
}
