//! What the commands print: tables and sentences for people, JSON for
//! programs. Sizes are shown in powers of 1024 (what `10GiB` means), times in
//! UTC; JSON carries exact bytes and RFC 3339 times.

use bytesize::ByteSize;
use comfy_table::{CellAlignment, Table, presets};
use serde::Serialize;
use time::OffsetDateTime;
use time::macros::format_description;
use uuid::Uuid;

use super::AdminError;
use crate::auth::Invite;
use crate::store::meta::UserRecord;

/// An account as `user list --json` prints it.
#[derive(Serialize)]
struct UserJson<'a> {
    id: Uuid,
    email: &'a str,
    #[serde(with = "time::serde::rfc3339")]
    created_at: OffsetDateTime,
    used_bytes: u64,
    quota_bytes: u64,
    disabled: bool,
}

#[derive(Serialize)]
struct InviteJson<'a> {
    code: &'a str,
    #[serde(with = "time::serde::rfc3339")]
    expires_at: OffsetDateTime,
}

const USED_COLUMN: usize = 2;
const QUOTA_COLUMN: usize = 3;

pub fn users_table(users: &[UserRecord]) -> String {
    if users.is_empty() {
        return "No accounts.".to_owned();
    }
    let mut table = Table::new();
    table
        .load_style(presets::UTF8_FULL_CONDENSED)
        .set_header(["Email", "Created", "Used", "Quota", "Disabled"]);
    for user in users {
        table.add_row([
            user.email.clone(),
            timestamp(user.created_at),
            size(user.used_bytes),
            size(user.quota_bytes),
            if user.disabled { "yes" } else { "no" }.to_owned(),
        ]);
    }
    for column in [USED_COLUMN, QUOTA_COLUMN] {
        if let Some(column) = table.column_mut(column) {
            column.set_cell_alignment(CellAlignment::Right);
        }
    }
    table.to_string()
}

pub fn users_json(users: &[UserRecord]) -> Result<String, AdminError> {
    let rows: Vec<UserJson<'_>> = users
        .iter()
        .map(|user| UserJson {
            id: user.id,
            email: &user.email,
            created_at: user.created_at,
            used_bytes: user.used_bytes,
            quota_bytes: user.quota_bytes,
            disabled: user.disabled,
        })
        .collect();
    Ok(serde_json::to_string_pretty(&rows)?)
}

pub fn invite_text(invite: &Invite) -> String {
    format!(
        "Invite code: {}\nValid until: {}\n\
         It works for one sign-up and is not shown again.",
        invite.code,
        timestamp(invite.expires_at)
    )
}

pub fn invite_json(invite: &Invite) -> Result<String, AdminError> {
    Ok(serde_json::to_string_pretty(&InviteJson {
        code: &invite.code,
        expires_at: invite.expires_at,
    })?)
}

pub fn quota_set(email: &str, quota_bytes: u64, used_bytes: u64) -> String {
    let mut text = format!(
        "The quota of {email} is now {} ({quota_bytes} bytes); it uses {}.",
        size(quota_bytes),
        size(used_bytes)
    );
    if used_bytes > quota_bytes {
        text.push_str("\nThat is more than the quota: its uploads are refused until it is under.");
    }
    text
}

/// `1.5 GiB`, or `0 B`.
pub fn size(bytes: u64) -> String {
    ByteSize(bytes).display().iec().to_string()
}

/// `2025-06-01 14:03:59 UTC`
fn timestamp(at: OffsetDateTime) -> String {
    let format = format_description!("[year]-[month]-[day] [hour]:[minute]:[second] UTC");
    at.to_offset(time::UtcOffset::UTC)
        .format(format)
        .unwrap_or_else(|_| at.to_string())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::store::meta::UserKeys;
    use time::macros::datetime;

    fn user(email: &str, used: u64, quota: u64, disabled: bool) -> UserRecord {
        UserRecord {
            id: Uuid::nil(),
            email: email.to_owned(),
            display_name: Some("Ann".to_owned()),
            password_hash: "$argon2id$secret-hash".to_owned(),
            keys: UserKeys {
                kek_salt: [1; 16],
                kek_params: "m=19456,t=2,p=1".to_owned(),
                wrapped_umk: vec![2; 60],
                recovery_salt: [3; 16],
                recovery_params: "m=19456,t=2,p=1".to_owned(),
                recovery_wrapped_umk: vec![4; 60],
            },
            quota_bytes: quota,
            used_bytes: used,
            created_at: datetime!(2025-06-01 14:03:59 UTC),
            disabled,
        }
    }

    #[test]
    fn the_table_has_a_row_per_account_in_human_units() {
        let table = users_table(&[
            user("ann@example.com", 1_610_612_736, 10 << 30, false),
            user("bob@example.com", 0, 500_000_000, true),
        ]);
        let lines: Vec<&str> = table.lines().collect();
        assert!(
            lines[1].contains("Email") && lines[1].contains("Disabled"),
            "{table}"
        );
        let ann = lines
            .iter()
            .find(|l| l.contains("ann@example.com"))
            .unwrap();
        for cell in ["2025-06-01 14:03:59 UTC", "1.5 GiB", "10.0 GiB", "no"] {
            assert!(ann.contains(cell), "{cell}: {table}");
        }
        let bob = lines
            .iter()
            .find(|l| l.contains("bob@example.com"))
            .unwrap();
        for cell in ["0 B", "476.8 MiB", "yes"] {
            assert!(bob.contains(cell), "{cell}: {table}");
        }
        assert_eq!(users_table(&[]), "No accounts.");
    }

    #[test]
    fn json_has_exact_numbers_and_nothing_secret() {
        let text = users_json(&[user("ann@example.com", 12, 34, true)]).unwrap();
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            value,
            serde_json::json!([{
                "id": "00000000-0000-0000-0000-000000000000",
                "email": "ann@example.com",
                "created_at": "2025-06-01T14:03:59Z",
                "used_bytes": 12,
                "quota_bytes": 34,
                "disabled": true,
            }])
        );
        assert_eq!(users_json(&[]).unwrap(), "[]");
    }

    #[test]
    fn an_invite_shows_its_code_and_expiry() {
        let invite = Invite {
            code: "ABCD-EFGH".to_owned(),
            expires_at: datetime!(2025-06-08 14:03:59 UTC),
        };
        let text = invite_text(&invite);
        assert!(text.contains("ABCD-EFGH") && text.contains("2025-06-08 14:03:59 UTC"));
        let value: serde_json::Value =
            serde_json::from_str(&invite_json(&invite).unwrap()).unwrap();
        assert_eq!(
            value,
            serde_json::json!({ "code": "ABCD-EFGH", "expires_at": "2025-06-08T14:03:59Z" })
        );
    }

    #[test]
    fn a_quota_below_the_usage_is_pointed_out() {
        assert!(!quota_set("ann@example.com", 2048, 1024).contains("more than"));
        let over = quota_set("ann@example.com", 1024, 2048);
        assert!(
            over.contains("1.0 KiB (1024 bytes)") && over.contains("more than"),
            "{over}"
        );
    }
}
