//! The API's tests: a real server on a real database, once on SQLite and once on PostgreSQL.
//! One test binary keeps link time down.

mod common;

mod auth;
mod import;
mod instances;
mod public;
mod reports;
mod sla;
mod tickets;
