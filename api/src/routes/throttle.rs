//! Per-address rate limits (`limits.*_per_minute`, `*_per_hour`) on the
//! operations that cost a server the most or that guessing goes through:
//! log-in (and recovery and password changes), sign-up and refresh. GCRA from
//! the `governor` crate, keyed by client address (IPv6 by its /64, which one
//! subscriber usually holds whole), in memory on each server instance; the
//! per-account lock-out, which must hold across instances, is in the store
//! (`auth::Lockout`). Refusals are 429 `rate_limited` with `Retry-After`.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};

use uuid::Uuid;

use crate::config::Limits;
use crate::error::ApiError;

type Keyed = RateLimiter<IpAddr, DefaultKeyedStateStore<IpAddr>, DefaultClock>;
type PerShare = RateLimiter<Uuid, DefaultKeyedStateStore<Uuid>, DefaultClock>;

/// Which budget a request draws on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bucket {
    /// Log-in, recovery, password change and account deletion.
    Login,
    Signup,
    Refresh,
    /// Public share links.
    Share,
}

pub struct Throttle {
    login: Keyed,
    signup: Keyed,
    refresh: Keyed,
    share: Keyed,
    /// Password attempts per share, from any address.
    share_passwords: PerShare,
    clock: DefaultClock,
}

fn quota(per: Duration, n: u32) -> Quota {
    let n = NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN);
    Quota::with_period(per / n.get())
        .unwrap_or_else(|| Quota::per_second(n))
        .allow_burst(n)
}

impl Throttle {
    pub fn new(limits: &Limits) -> Self {
        let minute = Duration::from_secs(60);
        Self {
            login: RateLimiter::keyed(quota(minute, limits.login_per_minute)),
            signup: RateLimiter::keyed(quota(minute * 60, limits.signup_per_hour)),
            refresh: RateLimiter::keyed(quota(minute, limits.refresh_per_minute)),
            share: RateLimiter::keyed(quota(minute, limits.share_per_minute)),
            share_passwords: RateLimiter::keyed(quota(minute, limits.share_password_per_minute)),
            clock: DefaultClock::default(),
        }
    }

    /// One request of `bucket` from `client`, or 429 with when to try again.
    pub fn check(&self, bucket: Bucket, client: IpAddr) -> Result<(), ApiError> {
        let limiter = match bucket {
            Bucket::Login => &self.login,
            Bucket::Signup => &self.signup,
            Bucket::Refresh => &self.refresh,
            Bucket::Share => &self.share,
        };
        limiter
            .check_key(&key(client))
            .map_err(|not_until| self.refusal(not_until))
    }

    /// One password attempt at a share, whoever makes it.
    pub fn check_share_password(&self, share: Uuid) -> Result<(), ApiError> {
        self.share_passwords
            .check_key(&share)
            .map_err(|not_until| self.refusal(not_until))
    }

    fn refusal(&self, not_until: governor::NotUntil<<DefaultClock as Clock>::Instant>) -> ApiError {
        let wait = not_until.wait_time_from(self.clock.now());
        ApiError::rate_limited(wait.as_secs() + u64::from(wait.subsec_nanos() > 0))
    }

    /// Forgets addresses whose budget is full again, so memory follows the
    /// number of recent clients, not of all clients ever.
    pub fn forget_idle(&self) {
        for limiter in [&self.login, &self.signup, &self.refresh, &self.share] {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
        self.share_passwords.retain_recent();
        self.share_passwords.shrink_to_fit();
    }
}

/// IPv4 as it is; IPv6 by its /64.
fn key(client: IpAddr) -> IpAddr {
    match client {
        IpAddr::V4(_) => client,
        IpAddr::V6(v6) => {
            let mut octets = v6.octets();
            octets[8..].fill(0);
            IpAddr::from(octets)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_then_429_with_retry_after_per_address() {
        let limits = Limits {
            login_per_minute: 3,
            ..Limits::default()
        };
        let throttle = Throttle::new(&limits);
        let a: IpAddr = [192, 0, 2, 1].into();
        let b: IpAddr = [192, 0, 2, 2].into();
        for _ in 0..3 {
            assert!(throttle.check(Bucket::Login, a).is_ok());
        }
        let refused = throttle.check(Bucket::Login, a);
        assert!(refused.is_err());
        assert!(throttle.check(Bucket::Login, b).is_ok(), "per address");
        assert!(throttle.check(Bucket::Signup, a).is_ok(), "per bucket");
    }

    #[test]
    fn ipv6_clients_are_counted_by_their_64() {
        let one: IpAddr = "2001:db8:1:2:aaaa::1"
            .parse()
            .unwrap_or_else(|e| panic!("{e}"));
        let same: IpAddr = "2001:db8:1:2:bbbb::9"
            .parse()
            .unwrap_or_else(|e| panic!("{e}"));
        let other: IpAddr = "2001:db8:1:3::1".parse().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(key(one), key(same));
        assert_ne!(key(one), key(other));
    }
}
