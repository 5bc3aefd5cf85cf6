//! `strongroom admin invite create`: the code is printed once and only its
//! hash is stored (`Accounts::create_invite`).

use super::args::Format;
use super::values::Validity;
use super::{AdminError, render};
use crate::config::SignupPolicy;
use crate::state::AppState;

pub async fn create(
    state: &AppState,
    validity: Validity,
    format: Format,
) -> Result<String, AdminError> {
    let invite = state
        .accounts
        .create_invite(validity.duration())
        .await
        .map_err(AdminError::Auth)?;
    if state.config.signup != SignupPolicy::Invite {
        // Still made: the policy may be about to change. But say so, on stderr.
        eprintln!(
            "note: this configuration has signup = \"{}\": sign-up asks for invite codes only with signup = \"invite\"",
            policy_name(state.config.signup)
        );
    }
    match format.json {
        true => render::invite_json(&invite),
        false => Ok(render::invite_text(&invite)),
    }
}

fn policy_name(policy: SignupPolicy) -> &'static str {
    match policy {
        SignupPolicy::Open => "open",
        SignupPolicy::Invite => "invite",
        SignupPolicy::Closed => "closed",
    }
}
