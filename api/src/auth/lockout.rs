//! Per-account lock-out: after `free_failures` wrong passwords (or recovery
//! codes) in a row, an account refuses attempts for a while, doubling with
//! each further failure, from any number of addresses and on every server
//! instance (the count lives in the metadata store). Each attempt is counted
//! before its secret is checked, in one atomic step with the lock check, so
//! a burst of parallel guesses gets no more through than one at a time. A
//! success resets the count; a day without failures forgets it.
//!
//! Accounts are named in the store by a keyed hash of the normalised email,
//! unknown emails alike, so the lock says nothing about which emails exist
//! and a store dump does not list them.

use time::{Duration, OffsetDateTime};

use super::{Accounts, AuthError, TokenSecret};
use crate::config::Limits;
use crate::crypto::keys::{self, Key32};
use crate::store::meta::{Attempt, LockPolicy};

/// Failures older than this are forgotten.
const FORGET_AFTER: Duration = Duration::days(1);

pub struct Lockout {
    key: Key32,
    policy: LockPolicy,
}

impl Lockout {
    pub fn new(secret: &TokenSecret, limits: &Limits) -> Self {
        let seconds = |s: u64| Duration::seconds(i64::try_from(s).unwrap_or(i64::MAX));
        Self {
            key: keys::hkdf_sha256(secret.key().as_bytes(), b"strongroom lockout accounts"),
            policy: LockPolicy {
                free: limits.free_failures,
                first: seconds(limits.lockout_secs),
                max: seconds(limits.lockout_max_secs),
            },
        }
    }

    /// The store's name for the account of this email (normalised already,
    /// or as typed when it is not an email at all).
    pub fn account(&self, email: &str) -> [u8; 32] {
        keys::hmac_sha256(self.key.as_bytes(), &[email.as_bytes()])
    }
}

impl Accounts {
    /// One attempt at the account: `Locked` while its lock lasts; else it is
    /// counted as a failure before the secret is checked (so attempts sent at
    /// once cannot all pass one check), until `attempt_succeeded` clears it.
    pub(super) async fn attempt(&self, account: &[u8; 32]) -> Result<(), AuthError> {
        let now = OffsetDateTime::now_utc();
        let claimed = self
            .meta
            .claim_attempt(account, now, now - FORGET_AFTER, self.lockout.policy)
            .await?;
        match claimed {
            Attempt::Counted(_) => Ok(()),
            Attempt::Locked { until } => {
                let left = (until - now).whole_seconds().max(1);
                Err(AuthError::Locked {
                    retry_after_secs: u64::try_from(left).unwrap_or(1),
                })
            }
        }
    }

    /// The secret was right: the count starts again.
    pub(super) async fn attempt_succeeded(&self, account: &[u8; 32]) -> Result<(), AuthError> {
        self.meta.clear_failures(account).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_free_then_doubling_up_to_the_cap() {
        let policy = LockPolicy {
            free: 5,
            first: Duration::seconds(2),
            max: Duration::seconds(60),
        };
        let locks: Vec<_> = (1..=12).map(|n| policy.lock_for(n)).collect();
        assert_eq!(locks[..5], [None; 5]);
        assert_eq!(
            locks[5..],
            [2, 4, 8, 16, 32, 60, 60].map(|s| Some(Duration::seconds(s)))
        );
        assert_eq!(policy.lock_for(u32::MAX), Some(Duration::seconds(60)));
    }

    #[test]
    fn accounts_are_keyed_hashes() {
        let limits = Limits::default();
        let a = Lockout::new(&TokenSecret::from_bytes([1; 32]), &limits);
        let b = Lockout::new(&TokenSecret::from_bytes([2; 32]), &limits);
        assert_eq!(a.account("ada@example.com"), a.account("ada@example.com"));
        assert_ne!(a.account("ada@example.com"), a.account("bob@example.com"));
        assert_ne!(a.account("ada@example.com"), b.account("ada@example.com"));
    }
}
