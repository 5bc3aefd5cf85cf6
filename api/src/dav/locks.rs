//! WebDAV locks (class 2: LOCK, UNLOCK, and the lock checks before writes),
//! one table per user, with expiry.
//!
//! dav-server's `MemLs` is keyed by path only, so one instance shared by all
//! users would let one user's lock block, and show up for, another user's
//! same path; and it never expires a lock, so a client that crashes holding
//! one would block that file until the server restarts. This is `MemLs`'s
//! semantics (dav-server 0.11 `src/memls.rs`, Apache-2.0, which this adapts)
//! scoped to one user, with every lock expiring.
//!
//! Kept in memory, per server process: several instances behind a load
//! balancer need sticky routing for `/dav` (a lock taken on one instance is
//! unknown to the others), or a store-backed lock system later (the trait is
//! async, so a DynamoDB table would fit).
//!
//! Differences from `MemLs`, each on purpose:
//! - A user's locks are a flat list compared by path segments, not a tree:
//!   at most [`MAX_LOCKS_PER_USER`] of them, so a scan is cheap, and there is
//!   no tree of empty nodes to clean up.
//! - `discover`, `unlock` and `refresh` see only the locks that cover the
//!   path (a lock on the path itself, or a deep lock on a folder above it);
//!   `MemLs` also counts a `Depth: 0` lock on a folder above, which does not
//!   apply to the path (RFC 4918 §9.10).
//! - Nothing is logged: paths are names, and tokens are the keys to a lock.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use dav_server::davpath::DavPath;
use dav_server::ls::{DavLock, DavLockSystem, LsFuture};
use uuid::Uuid;
use xmltree::{Element, XMLNode};

/// The longest a lock lives without a refresh. dav-server already caps what
/// a client asks for at 600 s for an exclusive lock and 86 400 s for a shared
/// one (`handle_lock.rs` `get_timeout`), and passes no timeout at all for a
/// LOCK without a `Timeout` header or a refresh asking for `Infinite`. Those
/// get this cap too, as do shared locks asking for longer: a crashed client's
/// lock is gone within the hour. The lock's `timeout` says what was granted,
/// so the client learns when to refresh.
pub const MAX_LOCK_TIMEOUT: Duration = Duration::from_secs(3600);

/// Live locks one user may hold; a LOCK beyond it is refused (dav-server
/// answers 423 Locked: the trait can only report a conflicting lock).
/// Bounds the memory one account can make the server hold.
pub const MAX_LOCKS_PER_USER: usize = 1000;

/// The largest `<owner>` element kept with a lock (names, attributes and
/// text, roughly its size as XML). Clients send a URL or a user name;
/// dav-server accepts request bodies up to 64 KiB, and without this a user's
/// locks could hold 1000 times that.
pub const MAX_OWNER_BYTES: usize = 4096;

/// How often a call also prunes other users' expired locks, so a user who
/// never comes back does not keep an entry.
const SWEEP_INTERVAL: Duration = Duration::from_secs(60);

/// Monotonic, so a wall-clock jump neither expires nor revives locks;
/// injectable so tests move time without sleeping.
type Clock = Arc<dyn Fn() -> Instant + Send + Sync>;

/// The server's lock table: one per process (in `AppState`), cheap to clone.
/// Each request gets its caller's part with [`DavLocks::for_user`].
#[derive(Clone)]
pub struct DavLocks {
    inner: Arc<Inner>,
}

struct Inner {
    table: Mutex<Table>,
    clock: Clock,
}

struct Table {
    /// Only users with at least one lock (possibly expired, until the next
    /// sweep) have an entry.
    users: HashMap<Uuid, Vec<Held>>,
    last_sweep: Instant,
}

struct Held {
    /// The lock's path as segments, so `/a/b/` and `/a/b` are the same path
    /// and `/a/bc` is not below `/a/b`.
    segments: Vec<Vec<u8>>,
    expires: Instant,
    lock: DavLock,
}

impl Held {
    /// Whether this lock applies to `path`: it is on it, or a deep lock on a
    /// folder above it.
    fn covers(&self, path: &[Vec<u8>]) -> bool {
        self.segments == path || (self.lock.deep && path.starts_with(&self.segments))
    }

    /// Whether this lock is on `path` or anything below it.
    fn is_within(&self, path: &[Vec<u8>]) -> bool {
        self.segments.starts_with(path)
    }
}

impl Default for DavLocks {
    fn default() -> Self {
        Self::new()
    }
}

impl DavLocks {
    pub fn new() -> Self {
        Self::with_clock(Arc::new(Instant::now))
    }

    fn with_clock(clock: Clock) -> Self {
        let now = clock();
        Self {
            inner: Arc::new(Inner {
                table: Mutex::new(Table {
                    users: HashMap::new(),
                    last_sweep: now,
                }),
                clock,
            }),
        }
    }

    /// The lock system for one user's requests: it sees and takes only that
    /// user's locks.
    pub fn for_user(&self, user_id: Uuid) -> Box<dyn DavLockSystem> {
        Box::new(UserLocks {
            inner: self.inner.clone(),
            user_id,
        })
    }
}

impl Inner {
    fn table(&self) -> MutexGuard<'_, Table> {
        // Every change below completes or leaves the list as it was, so a
        // panic elsewhere while holding the guard leaves nothing half-done.
        self.table.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// One user's view of the table.
#[derive(Clone)]
struct UserLocks {
    inner: Arc<Inner>,
    user_id: Uuid,
}

// Required by the trait; says nothing about paths or tokens.
impl fmt::Debug for UserLocks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserLocks").finish_non_exhaustive()
    }
}

impl UserLocks {
    /// Runs `f` on this user's live locks (expired ones pruned first), then
    /// drops the user's entry if no lock is left.
    fn with_locks<T>(&self, f: impl FnOnce(&mut Vec<Held>, Instant) -> T) -> T {
        let now = (self.inner.clock)();
        let mut table = self.inner.table();
        if now.duration_since(table.last_sweep) >= SWEEP_INTERVAL {
            table.users.retain(|_, held| {
                held.retain(|h| h.expires > now);
                !held.is_empty()
            });
            table.last_sweep = now;
        }
        let held = table.users.entry(self.user_id).or_default();
        held.retain(|h| h.expires > now);
        let out = f(held, now);
        if held.is_empty() {
            table.users.remove(&self.user_id);
        }
        out
    }
}

fn ready<'a, T: Send + 'a>(value: T) -> LsFuture<'a, T> {
    Box::pin(std::future::ready(value))
}

impl DavLockSystem for UserLocks {
    fn lock(
        &'_ self,
        path: &DavPath,
        principal: Option<&str>,
        owner: Option<&Element>,
        timeout: Option<Duration>,
        shared: bool,
        deep: bool,
    ) -> LsFuture<'_, Result<DavLock, DavLock>> {
        let segments = segments(path);
        let timeout = timeout.map_or(MAX_LOCK_TIMEOUT, |t| t.min(MAX_LOCK_TIMEOUT));
        let lock = DavLock {
            token: Uuid::new_v4().urn().to_string(),
            path: Box::new(path.clone()),
            principal: principal.map(str::to_owned),
            owner: owner.map(|o| Box::new(o.clone())),
            timeout_at: Some(SystemTime::now() + timeout),
            timeout: Some(timeout),
            shared,
            deep,
        };
        if owner.is_some_and(|o| owner_size(o) > MAX_OWNER_BYTES) {
            return ready(Err(lock));
        }
        let result = self.with_locks(|held, now| {
            // A lock above (or on) the path, or for a deep lock one below it,
            // conflicts unless both are shared.
            let conflict = held.iter().find(|h| {
                (h.covers(&segments) || (deep && h.is_within(&segments)))
                    && (!h.lock.shared || !shared)
            });
            if let Some(h) = conflict {
                return Err(h.lock.clone());
            }
            // Refused as if locked: the trait has no other answer.
            if held.len() >= MAX_LOCKS_PER_USER {
                return Err(lock);
            }
            held.push(Held {
                segments,
                expires: now + timeout,
                lock: lock.clone(),
            });
            Ok(lock)
        });
        ready(result)
    }

    fn unlock(&'_ self, path: &DavPath, token: &str) -> LsFuture<'_, Result<(), ()>> {
        let segments = segments(path);
        let result = self.with_locks(|held, _| {
            let index = held
                .iter()
                .position(|h| h.lock.token == token && h.covers(&segments))
                .ok_or(())?;
            held.swap_remove(index);
            Ok(())
        });
        ready(result)
    }

    fn refresh(
        &'_ self,
        path: &DavPath,
        token: &str,
        timeout: Option<Duration>,
    ) -> LsFuture<'_, Result<DavLock, ()>> {
        let segments = segments(path);
        let timeout = timeout.map_or(MAX_LOCK_TIMEOUT, |t| t.min(MAX_LOCK_TIMEOUT));
        let result = self.with_locks(|held, now| {
            let h = held
                .iter_mut()
                .find(|h| h.lock.token == token && h.covers(&segments))
                .ok_or(())?;
            h.expires = now + timeout;
            h.lock.timeout = Some(timeout);
            h.lock.timeout_at = Some(SystemTime::now() + timeout);
            Ok(h.lock.clone())
        });
        ready(result)
    }

    fn check(
        &'_ self,
        path: &DavPath,
        principal: Option<&str>,
        ignore_principal: bool,
        deep: bool,
        submitted_tokens: &[String],
    ) -> LsFuture<'_, Result<(), DavLock>> {
        let segments = segments(path);
        let holds = |h: &Held| {
            submitted_tokens.contains(&h.lock.token)
                && (ignore_principal || principal == h.lock.principal.as_deref())
        };
        let result = self.with_locks(|held, _| {
            // Locks on the path or deep above it: any exclusive one not held
            // conflicts; shared ones conflict only if none of them is held.
            let mut holds_one = false;
            let mut first_shared = None;
            for h in held.iter().filter(|h| h.covers(&segments)) {
                if holds(h) {
                    holds_one = true;
                } else if !h.lock.shared {
                    return Err(h.lock.clone());
                } else {
                    first_shared.get_or_insert(h);
                }
            }
            if !holds_one && let Some(h) = first_shared {
                return Err(h.lock.clone());
            }
            // A deep operation (a folder's DELETE or MOVE) must also hold
            // every lock on or below the path.
            if deep && let Some(h) = held.iter().find(|h| h.is_within(&segments) && !holds(h)) {
                return Err(h.lock.clone());
            }
            Ok(())
        });
        ready(result)
    }

    fn discover(&'_ self, path: &DavPath) -> LsFuture<'_, Vec<DavLock>> {
        let segments = segments(path);
        let locks = self.with_locks(|held, _| {
            held.iter()
                .filter(|h| h.covers(&segments))
                .map(|h| h.lock.clone())
                .collect()
        });
        ready(locks)
    }

    fn delete(&'_ self, path: &DavPath) -> LsFuture<'_, Result<(), ()>> {
        let segments = segments(path);
        self.with_locks(|held, _| held.retain(|h| !h.is_within(&segments)));
        ready(Ok(()))
    }
}

/// The path's segments without the mount prefix, trailing slash or empty
/// segments.
fn segments(path: &DavPath) -> Vec<Vec<u8>> {
    path.as_bytes()
        .split(|&c| c == b'/')
        .filter(|s| !s.is_empty())
        .map(<[u8]>::to_vec)
        .collect()
}

/// Roughly how many bytes an element holds: names, namespaces, attributes
/// and text, all the way down. Walked with a stack, not recursion: nesting
/// is the client's choice.
fn owner_size(owner: &Element) -> usize {
    let mut size = 0;
    let mut stack = vec![owner];
    while let Some(e) = stack.pop() {
        size += e.name.len()
            + e.prefix.as_ref().map_or(0, String::len)
            + e.namespace.as_ref().map_or(0, String::len);
        // xmltree keeps the namespaces in scope with every element.
        if let Some(ns) = &e.namespaces {
            size += ns
                .into_iter()
                .map(|(k, v)| k.len() + v.len())
                .sum::<usize>();
        }
        size += e
            .attributes
            .iter()
            .map(|(k, v)| k.len() + v.len())
            .sum::<usize>();
        for child in &e.children {
            match child {
                XMLNode::Element(c) => stack.push(c),
                XMLNode::Comment(s) | XMLNode::CData(s) | XMLNode::Text(s) => size += s.len(),
                XMLNode::ProcessingInstruction(s, o) => {
                    size += s.len() + o.as_ref().map_or(0, String::len);
                }
            }
        }
    }
    size
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU64, Ordering};

    /// A table whose clock moves only when the test says so.
    fn table() -> (DavLocks, Arc<AtomicU64>) {
        let start = Instant::now();
        let elapsed_ms = Arc::new(AtomicU64::new(0));
        let clock_ms = elapsed_ms.clone();
        let locks = DavLocks::with_clock(Arc::new(move || {
            start + Duration::from_millis(clock_ms.load(Ordering::SeqCst))
        }));
        (locks, elapsed_ms)
    }

    fn advance(elapsed_ms: &AtomicU64, by: Duration) {
        elapsed_ms.fetch_add(by.as_millis() as u64, Ordering::SeqCst);
    }

    fn path(p: &str) -> DavPath {
        DavPath::new(p).unwrap()
    }

    /// The futures are ready at once: nothing here awaits.
    fn now<T>(future: LsFuture<'_, T>) -> T {
        use futures_util::FutureExt;
        future
            .now_or_never()
            .expect("lock futures are ready at once")
    }

    /// Shorter than `SWEEP_INTERVAL`, so expiry is seen without a sweep.
    const TIMEOUT: Duration = Duration::from_secs(30);

    fn exclusive(ls: &dyn DavLockSystem, p: &str, deep: bool) -> Result<DavLock, DavLock> {
        now(ls.lock(&path(p), None, None, Some(TIMEOUT), false, deep))
    }

    fn shared(ls: &dyn DavLockSystem, p: &str) -> Result<DavLock, DavLock> {
        now(ls.lock(&path(p), None, None, Some(TIMEOUT), true, false))
    }

    fn check(ls: &dyn DavLockSystem, p: &str, deep: bool, tokens: &[&str]) -> Result<(), DavLock> {
        let tokens: Vec<String> = tokens.iter().map(|t| t.to_string()).collect();
        now(ls.check(&path(p), None, false, deep, &tokens))
    }

    fn users(locks: &DavLocks) -> usize {
        locks.inner.table().users.len()
    }

    #[test]
    fn lock_unlock_and_refresh() {
        let (locks, _) = table();
        let ls = locks.for_user(Uuid::new_v4());
        let lock = exclusive(&*ls, "/a.txt", false).unwrap();
        assert!(lock.token.starts_with("urn:uuid:"));
        assert_eq!(lock.timeout, Some(TIMEOUT));
        assert_eq!(now(ls.discover(&path("/a.txt"))).len(), 1);
        assert!(check(&*ls, "/a.txt", false, &[]).is_err());
        assert!(check(&*ls, "/a.txt", false, &[&lock.token]).is_ok());

        let refreshed =
            now(ls.refresh(&path("/a.txt"), &lock.token, Some(Duration::from_secs(20)))).unwrap();
        assert_eq!(refreshed.token, lock.token);
        assert_eq!(refreshed.timeout, Some(Duration::from_secs(20)));
        assert!(now(ls.refresh(&path("/a.txt"), "urn:uuid:other", None)).is_err());

        assert!(now(ls.unlock(&path("/b.txt"), &lock.token)).is_err());
        now(ls.unlock(&path("/a.txt"), &lock.token)).unwrap();
        assert!(now(ls.unlock(&path("/a.txt"), &lock.token)).is_err());
        assert!(now(ls.discover(&path("/a.txt"))).is_empty());
        assert!(check(&*ls, "/a.txt", false, &[]).is_ok());
        assert_eq!(users(&locks), 0, "a user without locks keeps no entry");
    }

    #[test]
    fn tokens_differ() {
        let (locks, _) = table();
        let ls = locks.for_user(Uuid::new_v4());
        let a = shared(&*ls, "/a").unwrap();
        let b = shared(&*ls, "/a").unwrap();
        assert_ne!(a.token, b.token);
    }

    #[test]
    fn a_second_exclusive_lock_is_refused() {
        let (locks, _) = table();
        let ls = locks.for_user(Uuid::new_v4());
        let first = exclusive(&*ls, "/a.txt", false).unwrap();
        let conflict = exclusive(&*ls, "/a.txt", false).unwrap_err();
        assert_eq!(conflict.token, first.token);
        assert!(shared(&*ls, "/a.txt").is_err());
        // Another path is free; `/a.txt/` is the same path.
        exclusive(&*ls, "/a.txt2", false).unwrap();
        assert!(exclusive(&*ls, "/a.txt/", false).is_err());
    }

    #[test]
    fn shared_locks_coexist_but_block_an_exclusive_one() {
        let (locks, _) = table();
        let ls = locks.for_user(Uuid::new_v4());
        let a = shared(&*ls, "/doc").unwrap();
        let b = shared(&*ls, "/doc").unwrap();
        assert_eq!(now(ls.discover(&path("/doc"))).len(), 2);
        assert!(exclusive(&*ls, "/doc", false).is_err());
        // Writing needs one of them; none is not enough.
        assert!(check(&*ls, "/doc", false, &[]).is_err());
        assert!(check(&*ls, "/doc", false, &[&b.token]).is_ok());
        now(ls.unlock(&path("/doc"), &a.token)).unwrap();
        now(ls.unlock(&path("/doc"), &b.token)).unwrap();
        exclusive(&*ls, "/doc", false).unwrap();
    }

    #[test]
    fn a_deep_folder_lock_covers_what_is_below() {
        let (locks, _) = table();
        let ls = locks.for_user(Uuid::new_v4());
        let folder = exclusive(&*ls, "/dir/", true).unwrap();

        assert!(check(&*ls, "/dir/sub/file.txt", false, &[]).is_err());
        assert!(check(&*ls, "/dir/sub/file.txt", false, &[&folder.token]).is_ok());
        assert!(exclusive(&*ls, "/dir/file.txt", false).is_err());
        let found = now(ls.discover(&path("/dir/sub/file.txt")));
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].token, folder.token);
        // The lock can be released through a path it covers (RFC 4918 §9.11).
        now(ls.unlock(&path("/dir/file.txt"), &folder.token)).unwrap();
        assert!(check(&*ls, "/dir/file.txt", false, &[]).is_ok());
        // A sibling whose name starts the same is not below.
        exclusive(&*ls, "/dir", true).unwrap();
        assert!(check(&*ls, "/dirt/x", false, &[]).is_ok());
    }

    #[test]
    fn a_shallow_folder_lock_leaves_its_children_free() {
        let (locks, _) = table();
        let ls = locks.for_user(Uuid::new_v4());
        let folder = exclusive(&*ls, "/dir/", false).unwrap();
        assert!(check(&*ls, "/dir/file.txt", false, &[]).is_ok());
        assert!(now(ls.discover(&path("/dir/file.txt"))).is_empty());
        assert!(now(ls.unlock(&path("/dir/file.txt"), &folder.token)).is_err());
        exclusive(&*ls, "/dir/file.txt", false).unwrap();
    }

    #[test]
    fn a_lock_below_blocks_a_deep_lock_and_a_deep_check() {
        let (locks, _) = table();
        let ls = locks.for_user(Uuid::new_v4());
        let file = exclusive(&*ls, "/dir/file.txt", false).unwrap();
        assert!(exclusive(&*ls, "/dir", true).is_err());
        // Deleting the folder needs the file's token.
        assert!(check(&*ls, "/dir", true, &[]).is_err());
        assert!(check(&*ls, "/dir", true, &[&file.token]).is_ok());
        // A shallow check of the folder itself does not look below.
        assert!(check(&*ls, "/dir", false, &[]).is_ok());
        // After the folder is gone its locks are too.
        now(ls.delete(&path("/dir"))).unwrap();
        assert!(now(ls.discover(&path("/dir/file.txt"))).is_empty());
        assert_eq!(users(&locks), 0);
    }

    #[test]
    fn the_principal_must_match_unless_ignored() {
        let (locks, _) = table();
        let ls = locks.for_user(Uuid::new_v4());
        let lock = now(ls.lock(&path("/a"), Some("laptop"), None, None, false, false)).unwrap();
        let tokens = vec![lock.token.clone()];
        assert!(now(ls.check(&path("/a"), Some("laptop"), false, false, &tokens)).is_ok());
        assert!(now(ls.check(&path("/a"), Some("phone"), false, false, &tokens)).is_err());
        assert!(now(ls.check(&path("/a"), Some("phone"), true, false, &tokens)).is_ok());
    }

    #[test]
    fn users_do_not_see_each_others_locks() {
        let (locks, _) = table();
        let alice = locks.for_user(Uuid::new_v4());
        let bob = locks.for_user(Uuid::new_v4());
        let lock = exclusive(&*alice, "/report.txt", true).unwrap();

        assert!(check(&*bob, "/report.txt", true, &[]).is_ok());
        assert!(now(bob.discover(&path("/report.txt"))).is_empty());
        let bobs = exclusive(&*bob, "/report.txt", true).unwrap();
        // Bob cannot release or refresh Alice's lock with her token.
        assert!(now(bob.unlock(&path("/report.txt"), &lock.token)).is_err());
        assert!(now(bob.refresh(&path("/report.txt"), &lock.token, None)).is_err());
        now(bob.delete(&path("/"))).unwrap();
        assert!(check(&*alice, "/report.txt", false, &[]).is_err());
        assert!(check(&*alice, "/report.txt", false, &[&lock.token]).is_ok());
        assert!(now(alice.unlock(&path("/report.txt"), &bobs.token)).is_err());
        assert_eq!(users(&locks), 1);
    }

    #[test]
    fn an_expired_lock_is_gone() {
        let (locks, elapsed) = table();
        let ls = locks.for_user(Uuid::new_v4());
        let lock = exclusive(&*ls, "/a.txt", true).unwrap();
        advance(&elapsed, TIMEOUT - Duration::from_millis(1));
        assert!(check(&*ls, "/a.txt", false, &[]).is_err());
        advance(&elapsed, Duration::from_millis(1));

        assert!(check(&*ls, "/a.txt", false, &[]).is_ok());
        assert!(now(ls.discover(&path("/a.txt"))).is_empty());
        assert!(now(ls.refresh(&path("/a.txt"), &lock.token, None)).is_err());
        assert!(now(ls.unlock(&path("/a.txt"), &lock.token)).is_err());
        assert_eq!(users(&locks), 0, "the expired lock was pruned");
        exclusive(&*ls, "/a.txt", false).unwrap();
    }

    #[test]
    fn a_refresh_extends_the_lock() {
        let (locks, elapsed) = table();
        let ls = locks.for_user(Uuid::new_v4());
        let lock = exclusive(&*ls, "/a.txt", false).unwrap();
        advance(&elapsed, Duration::from_secs(20));
        now(ls.refresh(&path("/a.txt"), &lock.token, Some(TIMEOUT))).unwrap();
        advance(&elapsed, Duration::from_secs(20));
        assert!(
            check(&*ls, "/a.txt", false, &[]).is_err(),
            "40 s after locking"
        );
        advance(&elapsed, Duration::from_secs(10));
        assert!(check(&*ls, "/a.txt", false, &[]).is_ok());
    }

    #[test]
    fn no_lock_outlives_the_server_cap() {
        let (locks, elapsed) = table();
        let ls = locks.for_user(Uuid::new_v4());
        let infinite = now(ls.lock(&path("/a"), None, None, None, true, false)).unwrap();
        assert_eq!(infinite.timeout, Some(MAX_LOCK_TIMEOUT));
        let day = Some(Duration::from_secs(86_400));
        let long = now(ls.lock(&path("/b"), None, None, day, true, false)).unwrap();
        assert_eq!(long.timeout, Some(MAX_LOCK_TIMEOUT));
        advance(&elapsed, MAX_LOCK_TIMEOUT - Duration::from_secs(1));
        let refreshed = now(ls.refresh(&path("/b"), &long.token, None)).unwrap();
        assert_eq!(refreshed.timeout, Some(MAX_LOCK_TIMEOUT));
        advance(&elapsed, Duration::from_secs(1));
        let left = now(ls.discover(&path("/a")));
        assert!(left.is_empty(), "an infinite lock expires at the cap");
        assert_eq!(now(ls.discover(&path("/b"))).len(), 1);
    }

    #[test]
    fn a_user_can_hold_only_so_many_locks() {
        let (locks, elapsed) = table();
        let ls = locks.for_user(Uuid::new_v4());
        for i in 0..MAX_LOCKS_PER_USER {
            exclusive(&*ls, &format!("/f{i}"), false).unwrap();
        }
        let refused = exclusive(&*ls, "/one-more", false).unwrap_err();
        assert!(now(ls.discover(&refused.path)).is_empty(), "not stored");
        // Another user is not affected.
        exclusive(&*locks.for_user(Uuid::new_v4()), "/one-more", false).unwrap();
        // Expired locks make room again.
        advance(&elapsed, TIMEOUT);
        exclusive(&*ls, "/one-more", false).unwrap();
    }

    #[test]
    fn an_oversized_owner_is_refused() {
        let (locks, _) = table();
        let ls = locks.for_user(Uuid::new_v4());
        let mut owner = Element::new("owner");
        owner
            .children
            .push(XMLNode::Text("mailto:someone@example.com".into()));
        let lock = now(ls.lock(&path("/a"), None, Some(&owner), None, false, false)).unwrap();
        assert_eq!(lock.owner.as_deref(), Some(&owner));

        // Many small elements add up.
        let mut big = Element::new("owner");
        for _ in 0..MAX_OWNER_BYTES / 8 {
            let mut child = Element::new("x");
            child.children.push(XMLNode::Text("abcdefgh".into()));
            big.children.push(XMLNode::Element(child));
        }
        assert!(owner_size(&big) > MAX_OWNER_BYTES);
        assert!(now(ls.lock(&path("/b"), None, Some(&big), None, false, false)).is_err());
        assert!(now(ls.discover(&path("/b"))).is_empty());
    }

    #[test]
    fn users_who_leave_expired_locks_are_swept() {
        let (locks, elapsed) = table();
        let gone = locks.for_user(Uuid::new_v4());
        exclusive(&*gone, "/a", false).unwrap();
        let active = locks.for_user(Uuid::new_v4());
        advance(&elapsed, SWEEP_INTERVAL);
        assert!(check(&*active, "/a", false, &[]).is_ok());
        assert_eq!(users(&locks), 0);
    }
}
