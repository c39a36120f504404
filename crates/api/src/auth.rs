//! Staff authentication: the extractors that guard routes, and login, refresh, logout, me.

use std::sync::OnceLock;

use axum::Json;
use axum::extract::{FromRequestParts, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use chrono::{Duration, Utc};
use helpdesk_auth::{
    ACCESS_TOKEN_TTL_SECONDS, Role, hash_password, random_token, token_digest, verify_password,
};
use helpdesk_store::sessions::Rotation;
use helpdesk_store::users::User;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::error::{ApiError, ApiResult};
use crate::extract::{AppJson, ClientAddr, bearer};
use crate::state::AppState;
use crate::validate::Problems;

const REFRESH_TTL_DAYS: i64 = 30;
const LOGIN_WINDOW_MINUTES: i64 = 15;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(login))
        .routes(routes!(refresh))
        .routes(routes!(logout))
        .routes(routes!(me))
}

/// A logged-in staff member (any role). Handlers that take it answer 401 without a valid,
/// unexpired access token of an active account.
#[derive(Debug, Clone)]
pub struct Staff {
    pub id: i64,
    pub role: Role,
    pub user: User,
}

impl Staff {
    pub fn require(&self, role: Role) -> ApiResult<()> {
        if self.role.at_least(role) {
            Ok(())
        } else {
            Err(ApiError::Forbidden(role.as_str()))
        }
    }
}

impl FromRequestParts<AppState> for Staff {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = bearer(&parts.headers).ok_or_else(|| {
            ApiError::Unauthorized(
                "log in: an Authorization: Bearer access token is required".into(),
            )
        })?;
        let claims = state
            .keys
            .jwt
            .verify(token)
            .map_err(|e| ApiError::Unauthorized(e.to_string()))?;
        let id = claims
            .user_id()
            .ok_or_else(|| ApiError::Unauthorized("the access token is invalid".into()))?;
        // The account is checked on every request, so deactivation and role changes take
        // effect at once rather than when the token expires.
        let user = state
            .store
            .user_by_id(id)
            .await?
            .filter(|u| u.active)
            .ok_or_else(|| ApiError::Unauthorized("the account is not active".into()))?;
        let role: Role = user.role.parse().map_err(|e: String| {
            ApiError::internal(anyhow::anyhow!("user {id} has a bad role: {e}"))
        })?;
        Ok(Staff { id, role, user })
    }
}

/// Declares an extractor that requires at least `$role`.
macro_rules! role_extractor {
    ($name:ident, $role:expr) => {
        #[derive(Debug, Clone)]
        pub struct $name(pub Staff);

        impl FromRequestParts<AppState> for $name {
            type Rejection = ApiError;

            async fn from_request_parts(
                parts: &mut Parts,
                state: &AppState,
            ) -> Result<Self, Self::Rejection> {
                let staff = Staff::from_request_parts(parts, state).await?;
                staff.require($role)?;
                Ok($name(staff))
            }
        }
    };
}

role_extractor!(Manager, Role::Manager);
role_extractor!(Admin, Role::Admin);

#[derive(Debug, Serialize, ToSchema)]
pub struct UserOut {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub active: bool,
    /// Whether the account has a password (imported agents do not, until an admin sets one).
    pub can_log_in: bool,
    pub created_at: chrono::DateTime<Utc>,
}

impl From<&User> for UserOut {
    fn from(u: &User) -> Self {
        UserOut {
            id: u.id,
            email: u.email.clone(),
            name: u.name.clone(),
            role: u.role.parse().unwrap_or(Role::Agent),
            active: u.active,
            can_log_in: u.password_hash.is_some(),
            created_at: u.created_at,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct LoginRequest {
    pub email: Option<String>,
    pub password: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    pub access_token: String,
    pub refresh_token: String,
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    pub user: UserOut,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

/// A hash to verify against when the account does not exist, so that the answer takes as long
/// as for a real account and does not reveal which e-mails have accounts.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| hash_password(&random_token()).unwrap_or_default())
}

/// Verifies a password off the async runtime (argon2 takes tens of milliseconds on purpose).
pub async fn check_password(password: String, hash: Option<String>) -> ApiResult<bool> {
    Ok(tokio::task::spawn_blocking(move || match hash {
        Some(h) => verify_password(&password, &h),
        None => {
            verify_password(&password, dummy_hash());
            false
        }
    })
    .await?)
}

pub async fn hash_off_runtime(password: String) -> ApiResult<String> {
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await?
        .map_err(|e| ApiError::invalid("password", e.to_string()))
}

async fn issue_tokens(
    state: &AppState,
    user: &User,
    family: Option<String>,
) -> ApiResult<TokenResponse> {
    let now = Utc::now();
    let role: Role = user
        .role
        .parse()
        .map_err(|e: String| ApiError::internal(anyhow::anyhow!(e)))?;
    let access_token = state
        .keys
        .jwt
        .issue(user.id, role, now.timestamp())
        .map_err(ApiError::internal)?;
    let refresh_token = random_token();
    let family = family.unwrap_or_else(random_token);
    state
        .store
        .insert_refresh_token(
            user.id,
            &family,
            &token_digest(&refresh_token),
            now,
            Duration::days(REFRESH_TTL_DAYS),
        )
        .await?;
    Ok(TokenResponse {
        access_token,
        refresh_token,
        token_type: "Bearer",
        expires_in: ACCESS_TOKEN_TTL_SECONDS,
        user: user.into(),
    })
}

/// Log in with e-mail and password.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = TokenResponse), (status = 401, body = crate::error::Problem), (status = 429, body = crate::error::Problem)))]
async fn login(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    AppJson(req): AppJson<LoginRequest>,
) -> ApiResult<Json<TokenResponse>> {
    let mut p = Problems::new();
    let email = p.text("email", req.email.as_deref(), 254).to_lowercase();
    let password = req.password.unwrap_or_default();
    if password.is_empty() {
        p.add("password", "is required");
    }
    p.finish()?;
    let now = Utc::now();
    let limit = state.settings.rate_limit_login;
    if limit > 0 {
        // The attempt counts as a failure until the password is found right: counted after
        // checking, parallel attempts would all pass the count before any was recorded.
        state.store.record_login_failure(&email, &addr, now).await?;
        let window = Duration::minutes(LOGIN_WINDOW_MINUTES);
        let (attempts, oldest) = state
            .store
            .login_failures_since(&email, &addr, now - window)
            .await?;
        if attempts > u64::from(limit) {
            let retry_after =
                oldest.map_or(window.num_seconds(), |o| (o + window - now).num_seconds());
            return Err(ApiError::TooManyRequests {
                retry_after: retry_after.max(1) as u64,
            });
        }
    }
    let user = state.store.user_by_email(&email).await?;
    let hash = user
        .as_ref()
        .filter(|u| u.active)
        .and_then(|u| u.password_hash.clone());
    if !check_password(password, hash).await? {
        if limit == 0 {
            state.store.record_login_failure(&email, &addr, now).await?;
        }
        tracing::info!(%addr, "failed login");
        return Err(ApiError::Unauthorized("invalid e-mail or password".into()));
    }
    let Some(user) = user else {
        return Err(ApiError::Unauthorized("invalid e-mail or password".into()));
    };
    state.store.clear_login_failures(&email, &addr).await?;
    Ok(Json(issue_tokens(&state, &user, None).await?))
}

/// Exchange a refresh token for a new access token and a new refresh token. Each refresh token
/// works once; presenting a spent one ends the whole session.
#[utoipa::path(post, path = "/api/v1/auth/refresh", tag = "auth", request_body = RefreshRequest,
    responses((status = 200, body = TokenResponse), (status = 401, body = crate::error::Problem)))]
async fn refresh(
    State(state): State<AppState>,
    AppJson(req): AppJson<RefreshRequest>,
) -> ApiResult<Json<TokenResponse>> {
    let now = Utc::now();
    let new_token = random_token();
    let rotation = state
        .store
        .rotate_refresh_token(
            &token_digest(&req.refresh_token),
            &token_digest(&new_token),
            now,
            Duration::days(REFRESH_TTL_DAYS),
        )
        .await?;
    let user_id = match rotation {
        Rotation::Rotated { user_id } => user_id,
        Rotation::Reused => {
            tracing::warn!("refresh token reuse detected; session revoked");
            return Err(ApiError::Unauthorized(
                "this refresh token was already used; the session has been ended, log in again"
                    .into(),
            ));
        }
        Rotation::Expired => {
            return Err(ApiError::Unauthorized(
                "the refresh token has expired; log in again".into(),
            ));
        }
        Rotation::Unknown => return Err(ApiError::Unauthorized("unknown refresh token".into())),
    };
    let user = state
        .store
        .user_by_id(user_id)
        .await?
        .filter(|u| u.active)
        .ok_or_else(|| ApiError::Unauthorized("the account is not active".into()))?;
    let role: Role = user
        .role
        .parse()
        .map_err(|e: String| ApiError::internal(anyhow::anyhow!(e)))?;
    let access_token = state
        .keys
        .jwt
        .issue(user.id, role, now.timestamp())
        .map_err(ApiError::internal)?;
    Ok(Json(TokenResponse {
        access_token,
        refresh_token: new_token,
        token_type: "Bearer",
        expires_in: ACCESS_TOKEN_TTL_SECONDS,
        user: (&user).into(),
    }))
}

/// End the session the refresh token belongs to.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", request_body = RefreshRequest, responses((status = 204)))]
async fn logout(
    State(state): State<AppState>,
    AppJson(req): AppJson<RefreshRequest>,
) -> ApiResult<StatusCode> {
    state
        .store
        .revoke_refresh_family(&token_digest(&req.refresh_token), Utc::now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The logged-in user.
#[utoipa::path(get, path = "/api/v1/me", tag = "auth", security(("bearer" = [])), responses((status = 200, body = UserOut), (status = 401, body = crate::error::Problem)))]
async fn me(staff: Staff) -> Json<UserOut> {
    Json((&staff.user).into())
}
