//! Failed attempts per account on DynamoDB: one item per account key,
//! updated with compare-and-swap, expiring (TTL) once forgotten.

use async_trait::async_trait;
use time::OffsetDateTime;

use super::expr::{Ex, Item, Reader, key, n};
use super::items::{self, LOCKOUT};
use super::{DynamoMetaStore, TTL_ATTRIBUTE};
use crate::store::StoreError;
use crate::store::meta::{Attempt, Failures, LockPolicy, LockoutStore};

fn failures_from_item(item: &Item) -> Result<Failures, StoreError> {
    let r = Reader::new(item, "lockout");
    Ok(Failures {
        count: u32::try_from(r.u64("count")?).unwrap_or(u32::MAX),
        last_at: r.time("last_at")?,
        locked_until: r
            .opt_u64("locked_until")?
            .and_then(|t| i64::try_from(t).ok())
            .and_then(|t| OffsetDateTime::from_unix_timestamp(t).ok()),
    })
}

#[async_trait]
impl LockoutStore for DynamoMetaStore {
    async fn failures(&self, account: &[u8; 32]) -> Result<Option<Failures>, StoreError> {
        self.get(items::lockout_pk(account), LOCKOUT)
            .await?
            .map(|item| failures_from_item(&item))
            .transpose()
    }

    async fn claim_attempt(
        &self,
        account: &[u8; 32],
        now: OffsetDateTime,
        forget_before: OffsetDateTime,
        policy: LockPolicy,
    ) -> Result<Attempt, StoreError> {
        for _ in 0..5 {
            let previous = self.failures(account).await?;
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
            let mut item = key(items::lockout_pk(account), LOCKOUT);
            item.insert("count".to_owned(), n(count));
            item.insert("last_at".to_owned(), n(now.unix_timestamp()));
            // Kept while it matters: until forgotten, or the lock ends.
            let expires = locked_until.unwrap_or(now).max(now + (now - forget_before));
            item.insert(TTL_ATTRIBUTE.to_owned(), n(expires.unix_timestamp()));
            if let Some(until) = locked_until {
                item.insert("locked_until".to_owned(), n(until.unix_timestamp()));
            }
            // Compare-and-swap on what was read: of attempts sent at once, one
            // counts and the others read again (and may find the lock).
            let ex = match previous {
                None => Ex::new().cond("attribute_not_exists(#PK)").name("PK"),
                Some(f) => Ex::new()
                    .cond("#count = :count AND #last_at = :last_at")
                    .name("count")
                    .name("last_at")
                    .value(":count", n(f.count))
                    .value(":last_at", n(f.last_at.unix_timestamp())),
            };
            if self.put_one(item, ex).await? {
                return Ok(Attempt::Counted(Failures {
                    count,
                    last_at: now,
                    locked_until,
                }));
            }
        }
        // Attempts at this account keep colliding: a burst, answered like a
        // lock of a second rather than as an outage.
        Ok(Attempt::Locked {
            until: now + time::Duration::seconds(1),
        })
    }

    async fn clear_failures(&self, account: &[u8; 32]) -> Result<(), StoreError> {
        self.delete_one(key(items::lockout_pk(account), LOCKOUT))
            .await
    }
}
