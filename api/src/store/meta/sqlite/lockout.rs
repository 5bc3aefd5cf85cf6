//! Failed attempts per account on SQLite, one row per account key.

use async_trait::async_trait;
use rusqlite::{OptionalExtension, TransactionBehavior, params};
use time::OffsetDateTime;

use super::{SqliteMetaStore, from_unix, unix};
use crate::store::StoreError;
use crate::store::meta::{Attempt, Failures, LockPolicy, LockoutStore};

fn read(conn: &rusqlite::Connection, account: &[u8; 32]) -> Result<Option<Failures>, StoreError> {
    let row = conn
        .query_row(
            "SELECT count, last_at, locked_until FROM failures WHERE account = ?1",
            params![&account[..]],
            |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    row.get::<_, i64>(1)?,
                    row.get::<_, Option<i64>>(2)?,
                ))
            },
        )
        .optional()?;
    row.map(|(count, last_at, locked_until)| {
        Ok(Failures {
            count: u32::try_from(count).unwrap_or(u32::MAX),
            last_at: from_unix(last_at)?,
            locked_until: locked_until.map(from_unix).transpose()?,
        })
    })
    .transpose()
}

#[async_trait]
impl LockoutStore for SqliteMetaStore {
    async fn failures(&self, account: &[u8; 32]) -> Result<Option<Failures>, StoreError> {
        let account = *account;
        self.run("failures", move |conn| read(conn, &account)).await
    }

    async fn claim_attempt(
        &self,
        account: &[u8; 32],
        now: OffsetDateTime,
        forget_before: OffsetDateTime,
        policy: LockPolicy,
    ) -> Result<Attempt, StoreError> {
        let account = *account;
        self.run("claim_attempt", move |conn| {
            // Immediate: the read and the write are one step for every writer.
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let previous = read(&tx, &account)?;
            if let Some(until) = previous.and_then(|f| f.locked_until)
                && until > now
            {
                return Ok(Attempt::Locked { until });
            }
            let count = match previous {
                Some(f) if f.last_at >= forget_before => f.count.saturating_add(1),
                _ => 1,
            };
            let locked_until = policy.lock_for(count).map(|lock| now + lock);
            tx.execute(
                "INSERT INTO failures (account, count, last_at, locked_until) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (account) DO UPDATE SET count = ?2, last_at = ?3, locked_until = ?4",
                params![&account[..], count, unix(now), locked_until.map(unix)],
            )?;
            tx.commit()?;
            Ok(Attempt::Counted(Failures {
                count,
                last_at: now,
                locked_until,
            }))
        })
        .await
    }

    async fn clear_failures(&self, account: &[u8; 32]) -> Result<(), StoreError> {
        let account = *account;
        self.run("clear_failures", move |conn| {
            conn.execute(
                "DELETE FROM failures WHERE account = ?1",
                params![&account[..]],
            )?;
            Ok(())
        })
        .await
    }
}
