//! Staff account management (admins only), and the staff directory every colleague sees.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::Utc;
use helpdesk_auth::{Role, validate_password};
use helpdesk_store::users::{NewUser, UserPatch};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::{Admin, Staff, UserOut, hash_off_runtime};
use crate::error::{ApiError, ApiResult};
use crate::extract::AppJson;
use crate::state::AppState;
use crate::validate::{MAX_NAME_CHARS, Problems};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_users, create_user))
        .routes(routes!(update_user))
        .routes(routes!(staff_directory))
}

/// A colleague, as any staff member may see them: enough to show and pick an assignee.
#[derive(Debug, Serialize, ToSchema)]
pub struct Colleague {
    pub id: i64,
    pub name: String,
    pub role: Role,
    pub active: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Directory {
    pub items: Vec<Colleague>,
}

/// Every staff member's name and role, for assignment (no e-mail addresses).
#[utoipa::path(get, path = "/api/v1/staff", tag = "users", security(("bearer" = [])), responses((status = 200, body = Directory), (status = 401, body = crate::error::Problem)))]
async fn staff_directory(
    State(state): State<AppState>,
    _staff: Staff,
) -> ApiResult<Json<Directory>> {
    let users = state.store.list_users().await?;
    Ok(Json(Directory {
        items: users
            .iter()
            .map(UserOut::from)
            .map(|u| Colleague {
                id: u.id,
                name: u.name,
                role: u.role,
                active: u.active,
            })
            .collect(),
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserList {
    pub items: Vec<UserOut>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateUser {
    pub email: Option<String>,
    pub name: Option<String>,
    pub role: Option<String>,
    pub password: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct UpdateUser {
    pub name: Option<String>,
    pub role: Option<String>,
    pub active: Option<bool>,
    pub password: Option<String>,
}

/// All staff accounts.
#[utoipa::path(get, path = "/api/v1/users", tag = "users", security(("bearer" = [])), responses((status = 200, body = UserList), (status = 403, body = crate::error::Problem)))]
async fn list_users(State(state): State<AppState>, _admin: Admin) -> ApiResult<Json<UserList>> {
    let users = state.store.list_users().await?;
    Ok(Json(UserList {
        items: users.iter().map(UserOut::from).collect(),
    }))
}

/// Create an agent, manager or admin.
#[utoipa::path(post, path = "/api/v1/users", tag = "users", security(("bearer" = [])), request_body = CreateUser,
    responses((status = 201, body = UserOut), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn create_user(
    State(state): State<AppState>,
    _admin: Admin,
    AppJson(req): AppJson<CreateUser>,
) -> ApiResult<(StatusCode, Json<UserOut>)> {
    let mut p = Problems::new();
    let email = p.email("email", req.email.as_deref());
    let name = p.text("name", req.name.as_deref(), MAX_NAME_CHARS);
    let role = p.choice::<Role>("role", Some(req.role.as_deref().unwrap_or("agent")));
    let password = req.password.unwrap_or_default();
    if let Err(e) = validate_password(&password) {
        p.add("password", e.to_string());
    }
    p.finish()?;
    let hash = hash_off_runtime(password).await?;
    let user = state
        .store
        .create_user(
            NewUser {
                email,
                name,
                role: role.unwrap_or(Role::Agent).as_str().into(),
                password_hash: Some(hash),
                active: true,
            },
            Utc::now(),
        )
        .await?;
    Ok((StatusCode::CREATED, Json((&user).into())))
}

/// Change a user's name, role, password or whether the account is active. Deactivating an
/// account or changing its password ends its sessions.
#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "users", security(("bearer" = [])), request_body = UpdateUser,
    params(("id" = i64, Path)), responses((status = 200, body = UserOut), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
async fn update_user(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(id): Path<i64>,
    AppJson(req): AppJson<UpdateUser>,
) -> ApiResult<Json<UserOut>> {
    let mut p = Problems::new();
    let name = req
        .name
        .as_deref()
        .map(|n| p.text("name", Some(n), MAX_NAME_CHARS));
    let role = p.choice::<Role>("role", req.role.as_deref());
    if let Some(pw) = &req.password
        && let Err(e) = validate_password(pw)
    {
        p.add("password", e.to_string());
    }
    p.finish()?;
    if id == admin.id && (req.active == Some(false) || role.is_some_and(|r| r != Role::Admin)) {
        return Err(ApiError::Conflict {
            code: "self_lockout",
            detail: "you cannot deactivate or demote your own account".into(),
            field: None,
        });
    }
    let password_hash = match req.password {
        Some(pw) => Some(hash_off_runtime(pw).await?),
        None => None,
    };
    let ends_sessions = req.active == Some(false) || password_hash.is_some();
    let now = Utc::now();
    let user = state
        .store
        .update_user(
            id,
            UserPatch {
                name,
                role: role.map(|r| r.as_str().into()),
                active: req.active,
                password_hash,
            },
            now,
        )
        .await?;
    if ends_sessions {
        state.store.revoke_user_sessions(id, now).await?;
    }
    Ok(Json((&user).into()))
}
