//! The helpdesk schema as sea-orm migrations, applied on start-up and by `helpdesk migrate`.
//!
//! An applied migration is never edited: a change to the schema is a new file.

pub use sea_orm_migration::prelude::*;

mod m20261122_000001_backbone;
mod m20261122_000002_sla;
mod m20261122_000003_reports;
mod m20261123_000001_outbox_lease;
mod m20261123_000010_recurring;
mod m20261123_000020_repeat_contact;
mod m20261124_000001_drop_duplicate_index;

pub use m20261123_000020_repeat_contact::backfill_repeat_contacts;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261122_000001_backbone::Migration),
            Box::new(m20261122_000002_sla::Migration),
            Box::new(m20261122_000003_reports::Migration),
            Box::new(m20261123_000001_outbox_lease::Migration),
            Box::new(m20261123_000010_recurring::Migration),
            Box::new(m20261123_000020_repeat_contact::Migration),
            Box::new(m20261124_000001_drop_duplicate_index::Migration),
        ]
    }
}
