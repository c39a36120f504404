//! Start-up and shutdown of `helpdesk serve`.

use std::net::SocketAddr;

use anyhow::Context;
use chrono::Utc;
use helpdesk_auth::{Role, random_token};
use helpdesk_store::StoreError;
use helpdesk_store::users::NewUser;
use tokio_util::sync::CancellationToken;

use crate::auth::hash_off_runtime;
use crate::config::Config;
use crate::state::AppState;

/// On first start with an empty database, creates the admin account. Its password comes from
/// the configuration or is generated and printed once.
pub async fn ensure_admin(state: &AppState, config: &Config) -> anyhow::Result<()> {
    if state.store.count_users().await? > 0 {
        return Ok(());
    }
    let (password, generated) = match &config.admin_password {
        Some(p) => (p.clone(), false),
        None => (random_token()[..20].to_owned(), true),
    };
    let hash = hash_off_runtime(password.clone())
        .await
        .map_err(|e| anyhow::anyhow!("admin password: {e}"))?;
    let user = NewUser {
        email: config.admin_email.to_lowercase(),
        name: "Administrator".into(),
        role: Role::Admin.as_str().into(),
        password_hash: Some(hash),
        active: true,
    };
    match state.store.create_user(user, Utc::now()).await {
        Ok(_) => {
            if generated {
                // Printed, not logged: it must not end up in log storage.
                println!(
                    "\nCreated the first admin account.\n  e-mail:   {}\n  password: {password}\nThis password is shown only once; change it after logging in.\n",
                    config.admin_email
                );
            } else {
                tracing::info!(email = %config.admin_email, "created the first admin account");
            }
            Ok(())
        }
        // Another instance starting at the same moment created it.
        Err(StoreError::Conflict { .. }) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// Serves until SIGINT or SIGTERM, then lets in-flight requests finish.
pub async fn serve(config: Config) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let state = AppState::build(&config).await?;
    ensure_admin(&state, &config).await?;
    let stop = CancellationToken::new();
    let workers = crate::workers::spawn(
        &state,
        &stop,
        std::time::Duration::from_secs(config.sla_scan_interval.max(1)),
    );
    let app = crate::app::router(state.clone());
    let listener = tokio::net::TcpListener::bind(config.bind)
        .await
        .with_context(|| format!("binding {}", config.bind))?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, ready_ms = started.elapsed().as_millis() as u64, "helpdesk is ready");
    println!("Helpdesk is running at http://{addr}/ (API docs at http://{addr}/api/docs)");
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await?;
    tracing::info!("shutting down");
    stop.cancel();
    for w in workers {
        let _ = w.await;
    }
    state.store.close().await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
