//! The API's tests: a real server on a real database, once on SQLite and once on PostgreSQL.
//! One test binary keeps link time down.

mod common;

mod auth;
mod cli;
mod import;
mod instances;
mod public;
mod recurring;
mod reports;
mod sla;
mod storage;
mod tickets;
