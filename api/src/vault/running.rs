//! Uploads running on this server: how many per account (`uploads_per_account`)
//! and how much of the account's quota each holds while it streams, so that
//! parallel uploads cannot together store more than the quota before their
//! commits refuse them. Per server instance; the commit's atomic quota check
//! in the store stays the last word everywhere.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use uuid::Uuid;

use super::VaultError;

#[derive(Default)]
pub(super) struct Running {
    by_user: Arc<Mutex<HashMap<Uuid, Account>>>,
}

#[derive(Default)]
struct Account {
    uploads: usize,
    /// Bytes the running uploads hold between them.
    held: u64,
}

/// One running upload. Dropping it ends it and frees what it held.
pub(super) struct Ticket {
    by_user: Arc<Mutex<HashMap<Uuid, Account>>>,
    user: Uuid,
    held: u64,
    _in_flight: crate::metrics::UploadInFlight,
}

impl Running {
    /// Starts an upload of `user`; `TooManyUploads` when `max` run already.
    pub(super) fn start(&self, user: Uuid, max: usize) -> Result<Ticket, VaultError> {
        let mut by_user = lock(&self.by_user);
        let account = by_user.entry(user).or_default();
        if account.uploads >= max {
            return Err(VaultError::TooManyUploads { max });
        }
        account.uploads += 1;
        Ok(Ticket {
            by_user: self.by_user.clone(),
            user,
            held: 0,
            _in_flight: crate::metrics::UploadInFlight::start(),
        })
    }
}

impl Ticket {
    /// Holds `total` bytes for this upload, if the account's `room` (its
    /// quota left when the upload started) takes them next to what its other
    /// running uploads hold.
    pub(super) fn hold(&mut self, total: u64, room: u64) -> Result<(), VaultError> {
        if total <= self.held {
            return Ok(());
        }
        let mut by_user = lock(&self.by_user);
        let account = by_user.entry(self.user).or_default();
        let others = account.held - self.held;
        if others.saturating_add(total) > room {
            return Err(VaultError::QuotaExceeded);
        }
        account.held = others + total;
        self.held = total;
        Ok(())
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        let mut by_user = lock(&self.by_user);
        if let Some(account) = by_user.get_mut(&self.user) {
            account.uploads = account.uploads.saturating_sub(1);
            account.held = account.held.saturating_sub(self.held);
            if account.uploads == 0 {
                by_user.remove(&self.user);
            }
        }
    }
}

/// The map stays consistent whatever a panicking holder did, so a poisoned
/// lock is taken over rather than passed on.
fn lock(map: &Mutex<HashMap<Uuid, Account>>) -> std::sync::MutexGuard<'_, HashMap<Uuid, Account>> {
    map.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uploads_are_counted_and_hold_quota_together() {
        let running = Running::default();
        let user = Uuid::new_v4();
        let mut a = running.start(user, 2).unwrap_or_else(|e| panic!("{e}"));
        let mut b = running.start(user, 2).unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(
            running.start(user, 2),
            Err(VaultError::TooManyUploads { max: 2 })
        ));
        assert!(running.start(Uuid::new_v4(), 2).is_ok(), "per account");
        a.hold(60, 100).unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(b.hold(50, 100), Err(VaultError::QuotaExceeded)));
        b.hold(40, 100).unwrap_or_else(|e| panic!("{e}"));
        drop(a);
        b.hold(90, 100).unwrap_or_else(|e| panic!("{e}"));
        let _c = running.start(user, 2).unwrap_or_else(|e| panic!("{e}"));
    }
}
