//! `strongroom admin user ...`: each command finds the account by its email
//! first, so a wrong email is reported as such before anything changes.

use super::args::Format;
use super::{AdminError, confirm, render};
use crate::state::AppState;
use crate::store::meta::UserRecord;

pub async fn list(state: &AppState, format: Format) -> Result<String, AdminError> {
    let users = state.accounts.all_users().await.map_err(AdminError::Auth)?;
    match format.json {
        true => render::users_json(&users),
        false => Ok(render::users_table(&users)),
    }
}

/// Disabling also ends the account's sessions (`Accounts::set_disabled`).
pub async fn set_disabled(
    state: &AppState,
    email: &str,
    disabled: bool,
) -> Result<String, AdminError> {
    let user = find(state, email).await?;
    state
        .accounts
        .set_disabled(user.id, disabled)
        .await
        .map_err(AdminError::about(email))?;
    Ok(match disabled {
        true => format!(
            "Disabled {}: it cannot log in, and its sessions have ended.",
            user.email
        ),
        false => format!("Enabled {}: it can log in again.", user.email),
    })
}

pub async fn set_quota(
    state: &AppState,
    email: &str,
    quota_bytes: u64,
) -> Result<String, AdminError> {
    let user = find(state, email).await?;
    state
        .accounts
        .set_quota(user.id, quota_bytes)
        .await
        .map_err(AdminError::about(email))?;
    Ok(render::quota_set(&user.email, quota_bytes, user.used_bytes))
}

/// Asks first unless `yes`; then the records go, then the objects
/// (`AppState::remove_account`).
pub async fn delete(state: &AppState, email: &str, yes: bool) -> Result<String, AdminError> {
    let user = find(state, email).await?;
    if !yes {
        confirm::deletion(&user.email, user.used_bytes).await?;
    }
    state
        .remove_account(user.id)
        .await
        .map_err(AdminError::about(email))?;
    Ok(format!("Deleted the account {} and its files.", user.email))
}

async fn find(state: &AppState, email: &str) -> Result<UserRecord, AdminError> {
    state
        .accounts
        .user_by_email(email)
        .await
        .map_err(AdminError::about(email))
}
