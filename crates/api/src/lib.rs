//! The helpdesk HTTP API, its background workers and the `helpdesk` command line.
//!
//! `main` only parses the command line; everything else is here so that tests and tools can
//! build the same application.

pub mod app;
pub mod auth;
pub mod calendar;
pub mod cli;
pub mod config;
pub mod customers;
pub mod delivery;
pub mod demo;
pub mod error;
pub mod extract;
pub mod health;
pub mod import;
pub mod live;
pub mod openapi;
pub mod public;
pub mod recurring;
pub mod reports;
pub mod server;
pub mod sla;
pub mod state;
pub mod tickets;
pub mod users;
pub mod validate;
pub mod views;
pub mod web;
pub mod workers;

pub use app::router;
pub use config::Config;
pub use state::AppState;
