//! The `helpdesk` commands.

use std::io::{BufRead, Read};

use anyhow::Context;
use helpdesk_auth::{Role, validate_password};
use helpdesk_store::users::NewUser;
use tracing_subscriber::EnvFilter;

use crate::auth::hash_off_runtime;
use crate::config::{Cli, Command, UserCommand};
use crate::state::AppState;
use crate::views::now;

pub fn init_tracing(format: &str) {
    // sqlx logs every statement at info.
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let config = cli.config;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => crate::server::serve(config).await,
        Command::Migrate => {
            AppState::build(&config).await?;
            println!("The database is up to date.");
            Ok(())
        }
        Command::User(UserCommand::Add { email, name, role }) => {
            // The same checks as `POST /api/v1/users`, so the CLI cannot create what the API
            // would refuse.
            let mut p = crate::validate::Problems::new();
            let email = p.email("email", Some(&email));
            let name = p.text("name", Some(&name), crate::validate::MAX_NAME_CHARS);
            p.finish().map_err(describe)?;
            let role: Role = role
                .parse()
                .map_err(|e: String| anyhow::anyhow!("role {e}"))?;
            let password = match std::env::var("HELPDESK_NEW_PASSWORD") {
                Ok(p) => p,
                Err(_) => {
                    eprint!("Password for {email} (at least 12 characters): ");
                    let mut line = String::new();
                    std::io::stdin().lock().read_line(&mut line)?;
                    line.trim_end_matches(['\r', '\n']).to_owned()
                }
            };
            validate_password(&password).map_err(|e| anyhow::anyhow!("password {e}"))?;
            let state = AppState::build(&config).await?;
            let hash = hash_off_runtime(password)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            let user = state
                .store
                .create_user(
                    NewUser {
                        email,
                        name,
                        role: role.as_str().into(),
                        password_hash: Some(hash),
                        active: true,
                    },
                    now(),
                )
                .await?;
            println!(
                "Created {} ({}) with id {}.",
                user.email, user.role, user.id
            );
            Ok(())
        }
        Command::Import { file } => {
            let mut bytes = Vec::new();
            if file.as_os_str() == "-" {
                std::io::stdin().read_to_end(&mut bytes)?;
            } else {
                bytes =
                    std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            }
            let state = AppState::build(&config).await?;
            let out = crate::import::import_bytes(&state.store, &state.settings.policy, &bytes)
                .await
                .map_err(describe)?;
            println!(
                "Imported {} tickets; created {} inactive agent accounts.",
                out.ticket_ids.len(),
                out.created_agents.len()
            );
            Ok(())
        }
        Command::Demo { tickets, seed, out } => {
            let batch = crate::demo::generate(tickets, seed, now());
            let bytes = serde_json::to_vec_pretty(&batch)?;
            if let Some(path) = out {
                std::fs::write(&path, bytes)?;
                println!("Wrote {tickets} demo tickets to {}.", path.display());
                return Ok(());
            }
            let state = AppState::build(&config).await?;
            crate::server::ensure_admin(&state, &config).await?;
            let out = crate::import::import_bytes(&state.store, &state.settings.policy, &bytes)
                .await
                .map_err(describe)?;
            let agents = crate::demo::activate_agents(&state).await?;
            println!(
                "Loaded {} demo tickets. Demo agents (password `{}`): {}",
                out.ticket_ids.len(),
                crate::demo::DEMO_PASSWORD,
                agents.join(", ")
            );
            Ok(())
        }
    }
}

/// An API error as a command-line message, with its field errors.
fn describe(e: crate::error::ApiError) -> anyhow::Error {
    match e {
        crate::error::ApiError::Unprocessable(errors) => {
            anyhow::anyhow!(
                "{}",
                errors
                    .iter()
                    .map(|f| format!("{}: {}", f.field, f.message))
                    .collect::<Vec<_>>()
                    .join("\n")
            )
        }
        e => anyhow::anyhow!("{e}"),
    }
}
