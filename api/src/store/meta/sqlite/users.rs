//! Accounts on SQLite.

use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, Row, params};
use uuid::Uuid;

use super::{SqliteMetaStore, blob, from_unix, nodes, size, to_i64, unix};
use crate::crypto::keys::ProfileKeys;
use crate::store::StoreError;
use crate::store::meta::sealed;
use crate::store::meta::{InviteRecord, InviteUse, UserKeys, UserRecord, UserStore};

const USER_COLUMNS: &str = "id, email_index, email_ct, display_name_ct, password_hash, kek_salt, \
     kek_params, wrapped_umk, recovery_salt, recovery_params, recovery_wrapped_umk, quota_bytes, \
     used_bytes, created_at, disabled";

/// A user row read with `USER_COLUMNS`, its email and display name opened.
fn user_from_row(
    keys: &ProfileKeys,
    row: &Row<'_>,
) -> rusqlite::Result<Result<UserRecord, StoreError>> {
    let id = Uuid::from_bytes(row.get(0)?);
    let email_ct: Vec<u8> = row.get(2)?;
    let display_name_ct: Option<Vec<u8>> = row.get(3)?;
    let password_hash: String = row.get(4)?;
    let kek_salt: Vec<u8> = row.get(5)?;
    let kek_params: String = row.get(6)?;
    let wrapped_umk: Vec<u8> = row.get(7)?;
    let recovery_salt: Vec<u8> = row.get(8)?;
    let recovery_params: String = row.get(9)?;
    let recovery_wrapped_umk: Vec<u8> = row.get(10)?;
    let quota: i64 = row.get(11)?;
    let used: i64 = row.get(12)?;
    let created: i64 = row.get(13)?;
    let disabled: bool = row.get(14)?;
    Ok((|| {
        let (email, display_name) = sealed::open(keys, id, &email_ct, display_name_ct.as_deref())?;
        Ok(UserRecord {
            id,
            email,
            display_name,
            password_hash,
            keys: UserKeys {
                kek_salt: blob(kek_salt, "kek_salt")?,
                kek_params,
                wrapped_umk,
                recovery_salt: blob(recovery_salt, "recovery_salt")?,
                recovery_params,
                recovery_wrapped_umk,
            },
            quota_bytes: size(quota, "quota_bytes")?,
            used_bytes: size(used, "used_bytes")?,
            created_at: from_unix(created)?,
            disabled,
        })
    })())
}

/// One user, by a column that identifies it.
fn user_where(
    conn: &Connection,
    keys: &ProfileKeys,
    column: &str,
    value: &[u8],
) -> Result<Option<UserRecord>, StoreError> {
    conn.query_row(
        &format!("SELECT {USER_COLUMNS} FROM users WHERE {column} = ?1"),
        [value],
        |row| user_from_row(keys, row),
    )
    .optional()?
    .transpose()
}

#[async_trait]
impl UserStore for SqliteMetaStore {
    async fn create_user(
        &self,
        user: &UserRecord,
        invite: Option<&InviteUse>,
    ) -> Result<(), StoreError> {
        let user = user.clone();
        let invite = invite.copied();
        let profile = sealed::seal(
            &self.keys,
            user.id,
            &user.email,
            user.display_name.as_deref(),
        );
        self.run("create_user", move |conn| {
            let tx = conn.transaction()?;
            if let Some(invite) = invite {
                let used = tx.execute(
                    "DELETE FROM invites WHERE code_hash = ?1 AND expires_at > ?2",
                    params![&invite.code_hash[..], unix(invite.now)],
                )?;
                if used == 0 {
                    return Err(StoreError::InviteUnusable);
                }
            }
            tx.execute(
                &format!("INSERT INTO users ({USER_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)"),
                params![
                    user.id.as_bytes(),
                    &profile.email_index[..],
                    profile.email_ct,
                    profile.display_name_ct,
                    user.password_hash,
                    &user.keys.kek_salt[..],
                    user.keys.kek_params,
                    user.keys.wrapped_umk,
                    &user.keys.recovery_salt[..],
                    user.keys.recovery_params,
                    user.keys.recovery_wrapped_umk,
                    to_i64(user.quota_bytes)?,
                    to_i64(user.used_bytes)?,
                    unix(user.created_at),
                    user.disabled,
                ],
            )?;
            nodes::insert_root(&tx, user.id, unix(user.created_at))?;
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn user_by_email(&self, email: &str) -> Result<Option<UserRecord>, StoreError> {
        let index = sealed::email_index(&self.keys, email);
        let keys = self.keys.clone();
        self.run("user_by_email", move |conn| {
            user_where(conn, &keys, "email_index", &index)
        })
        .await
    }

    async fn user_by_id(&self, id: Uuid) -> Result<Option<UserRecord>, StoreError> {
        let keys = self.keys.clone();
        self.run("user_by_id", move |conn| {
            user_where(conn, &keys, "id", id.as_bytes())
        })
        .await
    }

    async fn update_credentials(
        &self,
        id: Uuid,
        password_hash: &str,
        keys: &UserKeys,
    ) -> Result<(), StoreError> {
        match self
            .write_credentials(id, password_hash, keys, None)
            .await?
        {
            true => Ok(()),
            false => Err(StoreError::NotFound),
        }
    }

    async fn upgrade_credentials(
        &self,
        id: Uuid,
        expected_hash: &str,
        password_hash: &str,
        keys: &UserKeys,
    ) -> Result<bool, StoreError> {
        self.write_credentials(id, password_hash, keys, Some(expected_hash))
            .await
    }

    async fn delete_user(&self, id: Uuid) -> Result<(), StoreError> {
        self.run("delete_user", move |conn| {
            // One transaction, so nothing is ever half deleted. Sessions go
            // first anyway, in the order the DynamoDB store needs; everything
            // else the user owns goes with the cascade.
            let tx = conn.transaction()?;
            tx.execute("DELETE FROM sessions WHERE user_id = ?1", [id.as_bytes()])?;
            tx.execute(
                "DELETE FROM app_passwords WHERE user_id = ?1",
                [id.as_bytes()],
            )?;
            let changed = tx.execute("DELETE FROM users WHERE id = ?1", [id.as_bytes()])?;
            tx.commit()?;
            match changed {
                0 => Err(StoreError::NotFound),
                _ => Ok(()),
            }
        })
        .await
    }

    async fn all_users(&self) -> Result<Vec<UserRecord>, StoreError> {
        let keys = self.keys.clone();
        let mut users = self
            .run("all_users", move |conn| {
                let mut stmt = conn.prepare_cached(&format!("SELECT {USER_COLUMNS} FROM users"))?;
                let rows = stmt.query_map([], |row| user_from_row(&keys, row))?;
                rows.map(|row| row?).collect::<Result<Vec<_>, _>>()
            })
            .await?;
        // Emails are ciphertext in the table: sorted once opened.
        users.sort_by(|a, b| (a.created_at, &a.email).cmp(&(b.created_at, &b.email)));
        Ok(users)
    }

    async fn set_disabled(&self, id: Uuid, disabled: bool) -> Result<(), StoreError> {
        self.run("set_disabled", move |conn| {
            let changed = conn.execute(
                "UPDATE users SET disabled = ?2 WHERE id = ?1",
                params![id.as_bytes(), disabled],
            )?;
            match changed {
                0 => Err(StoreError::NotFound),
                _ => Ok(()),
            }
        })
        .await
    }

    async fn set_quota(&self, id: Uuid, quota_bytes: u64) -> Result<(), StoreError> {
        self.run("set_quota", move |conn| {
            let changed = conn.execute(
                "UPDATE users SET quota_bytes = ?2 WHERE id = ?1",
                params![id.as_bytes(), to_i64(quota_bytes)?],
            )?;
            match changed {
                0 => Err(StoreError::NotFound),
                _ => Ok(()),
            }
        })
        .await
    }

    async fn create_invite(&self, invite: &InviteRecord) -> Result<(), StoreError> {
        let invite = invite.clone();
        self.run("create_invite", move |conn| {
            conn.execute(
                "INSERT INTO invites (code_hash, created_at, expires_at) VALUES (?1, ?2, ?3)",
                params![
                    &invite.code_hash[..],
                    unix(invite.created_at),
                    unix(invite.expires_at)
                ],
            )?;
            Ok(())
        })
        .await
    }
}

impl SqliteMetaStore {
    /// Writes the password hash and key wraps, if the user exists and (with
    /// `expected`) still has that hash; `false` otherwise.
    async fn write_credentials(
        &self,
        id: Uuid,
        password_hash: &str,
        keys: &UserKeys,
        expected: Option<&str>,
    ) -> Result<bool, StoreError> {
        let password_hash = password_hash.to_owned();
        let keys = keys.clone();
        let expected = expected.map(str::to_owned);
        self.run("write_credentials", move |conn| {
            let changed = conn.execute(
                "UPDATE users SET password_hash = ?2, kek_salt = ?3, kek_params = ?4, wrapped_umk = ?5,
                     recovery_salt = ?6, recovery_params = ?7, recovery_wrapped_umk = ?8
                 WHERE id = ?1 AND (?9 IS NULL OR password_hash = ?9)",
                params![
                    id.as_bytes(),
                    password_hash,
                    &keys.kek_salt[..],
                    keys.kek_params,
                    keys.wrapped_umk,
                    &keys.recovery_salt[..],
                    keys.recovery_params,
                    keys.recovery_wrapped_umk,
                    expected,
                ],
            )?;
            Ok(changed == 1)
        })
        .await
    }
}
