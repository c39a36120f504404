//! The installation's business calendar, kept in the settings table.

use helpdesk_store::Store;
use helpdesk_store::sla::BUSINESS_HOURS_KEY;
use helpdesk_tickets::{BusinessCalendar, BusinessHoursSpec};

use crate::error::ApiResult;

/// The stored calendar spec, or the default (Monday–Friday 09:00–17:00 UTC).
pub async fn business_hours(store: &Store) -> ApiResult<BusinessHoursSpec> {
    Ok(store
        .setting::<BusinessHoursSpec>(BUSINESS_HOURS_KEY)
        .await?
        .unwrap_or_default())
}

/// The calendar that business-time figures are measured in.
pub async fn business_calendar(store: &Store) -> ApiResult<BusinessCalendar> {
    Ok(store.sla_settings().await?.business)
}
