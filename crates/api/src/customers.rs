//! Customer profiles and their history, for agents.

use axum::Json;
use axum::extract::{Path, State};
use chrono::{DateTime, Utc};
use helpdesk_store::customers::{Customer, CustomerPatch};
use helpdesk_tickets::Tier;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::Staff;
use crate::error::{ApiError, ApiResult};
use crate::extract::AppJson;
use crate::state::AppState;
use crate::tickets::HistoryItem;
use crate::validate::{MAX_NAME_CHARS, Problems};
use crate::views::now;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_customer, update_customer))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerOut {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub tier: Tier,
    pub notes: String,
    pub created_at: DateTime<Utc>,
    /// Their tickets, newest first.
    pub tickets: Vec<HistoryItem>,
}

async fn customer_out(state: &AppState, c: Customer) -> ApiResult<CustomerOut> {
    let history = state.store.customer_tickets(c.id, None, 100).await?;
    Ok(CustomerOut {
        id: c.id,
        tier: c.tier.parse().unwrap_or_default(),
        tickets: history
            .iter()
            .map(|(t, s)| HistoryItem::new(t, s.as_ref()))
            .collect(),
        name: c.name,
        email: c.email,
        notes: c.notes,
        created_at: c.created_at,
    })
}

/// A customer's profile and tickets.
#[utoipa::path(get, path = "/api/v1/customers/{id}", tag = "customers", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = CustomerOut), (status = 404, body = crate::error::Problem)))]
async fn get_customer(
    State(state): State<AppState>,
    _staff: Staff,
    Path(id): Path<i64>,
) -> ApiResult<Json<CustomerOut>> {
    let c = state
        .store
        .customer(id)
        .await?
        .ok_or(ApiError::NotFound("customer"))?;
    Ok(Json(customer_out(&state, c).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct UpdateCustomer {
    pub name: Option<String>,
    pub tier: Option<String>,
    pub notes: Option<String>,
}

/// Edit a customer's name, tier (VIP customers may have their own SLA targets) or notes.
#[utoipa::path(patch, path = "/api/v1/customers/{id}", tag = "customers", security(("bearer" = [])), params(("id" = i64, Path)), request_body = UpdateCustomer,
    responses((status = 200, body = CustomerOut), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn update_customer(
    State(state): State<AppState>,
    _staff: Staff,
    Path(id): Path<i64>,
    AppJson(req): AppJson<UpdateCustomer>,
) -> ApiResult<Json<CustomerOut>> {
    let mut p = Problems::new();
    let name = req
        .name
        .as_deref()
        .map(|n| p.text("name", Some(n), MAX_NAME_CHARS));
    let tier = p.choice::<Tier>("tier", req.tier.as_deref());
    if req
        .notes
        .as_deref()
        .is_some_and(|n| n.chars().count() > 10_000)
    {
        p.add("notes", "must be at most 10000 characters");
    }
    p.finish()?;
    let tier_changed = tier.is_some();
    let c = state
        .store
        .update_customer(
            id,
            CustomerPatch {
                name,
                tier: tier.map(|t| t.as_str().to_owned()),
                notes: req.notes,
            },
            now(),
        )
        .await?;
    if tier_changed {
        // A VIP may have a policy of their own: measure their open tickets again.
        for (t, _) in state.store.customer_tickets(c.id, None, 100).await? {
            if !matches!(t.status.as_str(), "resolved" | "closed") {
                state.sla.changed(t.id).await;
            }
        }
    }
    Ok(Json(customer_out(&state, c).await?))
}
