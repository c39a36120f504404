//! The ticket domain: what is allowed and what the numbers are.
//!
//! Everything here is pure: no I/O, no database, no HTTP. Storage and the API translate to and
//! from these types, so that a rule about tickets (a move, a clock, a metric) is decided and
//! tested in exactly one place.

pub mod calendar;
pub mod event;
pub mod import;
pub mod metrics;
pub mod report;
pub mod sla;
pub mod stats;
pub mod status;
pub mod survey;
pub mod ticket;
pub mod types;

pub use calendar::{BusinessCalendar, BusinessHoursSpec, BusinessIndex, CalendarError, WeeklySlot};
pub use event::{Actor, Event, EventKind};
pub use metrics::{Clock, ResponseWait, StatusInterval, TicketMetrics, Timeline};
pub use sla::{AlertLevel, SlaClock, SlaMetric, SlaPolicy};
pub use stats::{Observation, kaplan_meier_median, mean_rounded, nearest_rank};
pub use status::{CloseReason, Status, TransitionError, check_transition};
pub use survey::SurveyAnswer;
pub use ticket::{CustomerMessageOutcome, DomainError, Ticket, TicketPolicy};
pub use types::{Channel, ParseEnumError, Priority, Tier};
