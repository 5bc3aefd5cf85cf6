//! Folder listings kept decrypted and sorted between requests, so that
//! walking a big folder page by page decrypts and sorts it once, not once per
//! page (issue 16).
//!
//! A listing is kept under the folder's listing version
//! (`TreeStore::listing_version`), which every change of the folder's
//! children raises in the store, in the change's own transaction. A request
//! reads the version *before* the children: a listing made from children
//! read after the version was read may be newer than its version says, never
//! older, so a version that still matches means the listing is the folder's
//! (on any server over the same stores). A listing is only ever used for the
//! user whose key opened it (the key holds the user id).
//!
//! Bounded by a byte budget over all users (`listing_cache_bytes`), the
//! least recently used listing goes first; a listing bigger than the whole
//! budget is not kept. Names are zeroized when a listing goes (evicted,
//! replaced, or let go by the last request still paging through it).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, PoisonError};

use strongroom_shared::Node;
use uuid::Uuid;
use zeroize::Zeroize;

/// A folder's children, decrypted and in listing order.
pub struct Listing {
    items: Vec<Node>,
}

impl Listing {
    pub fn new(items: Vec<Node>) -> Self {
        Self { items }
    }

    pub fn items(&self) -> &[Node] {
        &self.items
    }

    /// Its nodes, for making a newer listing from it: taken when no one
    /// else holds it, else copied.
    pub fn into_items(listing: Arc<Self>) -> Vec<Node> {
        match Arc::try_unwrap(listing) {
            Ok(mut own) => std::mem::take(&mut own.items),
            Err(shared) => shared.items.clone(),
        }
    }

    /// What it holds on the heap, roughly: the budget counts this.
    fn bytes(&self) -> usize {
        let per_item = std::mem::size_of::<Node>();
        self.items
            .iter()
            .map(|n| {
                per_item + n.name.capacity() + n.content_type.as_ref().map_or(0, String::capacity)
            })
            .sum::<usize>()
            + std::mem::size_of::<Self>()
    }
}

impl Drop for Listing {
    fn drop(&mut self) {
        self.items.iter_mut().for_each(forget);
    }
}

/// Zeroizes what a node says of its name, before it is dropped.
pub fn forget(node: &mut Node) {
    node.name.zeroize();
    // Guessed from the name's extension: a piece of the name.
    if let Some(content_type) = node.content_type.as_mut() {
        content_type.zeroize();
    }
}

/// What the cache holds for a folder, asked at the folder's current version.
pub enum Kept {
    Current(Arc<Listing>),
    /// Made at an older version; taken out of the cache, to be brought up
    /// to date and put back.
    Behind {
        version: u64,
        listing: Arc<Listing>,
    },
    Nothing,
}

/// (user, folder)
type Key = (Uuid, Uuid);

struct Slot {
    version: u64,
    listing: Arc<Listing>,
    bytes: usize,
    /// Its place in `Inner::recency`.
    used: u64,
}

#[derive(Default)]
struct Inner {
    slots: HashMap<Key, Slot>,
    /// Least recently used first.
    recency: BTreeMap<u64, Key>,
    bytes: usize,
    clock: u64,
}

impl Inner {
    fn tick(&mut self) -> u64 {
        self.clock += 1;
        self.clock
    }

    fn remove(&mut self, key: &Key) -> Option<Slot> {
        let slot = self.slots.remove(key)?;
        self.recency.remove(&slot.used);
        self.bytes -= slot.bytes;
        Some(slot)
    }
}

pub struct ListingCache {
    budget: usize,
    inner: Mutex<Inner>,
}

impl ListingCache {
    /// `budget` bytes for all listings; `0` keeps none.
    pub fn new(budget: usize) -> Self {
        Self {
            budget,
            inner: Mutex::default(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves consistent maps: each
        // change below completes before anything that could panic.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether it keeps anything at all (a budget of `0` keeps nothing).
    pub fn keeps_any(&self) -> bool {
        self.budget > 0
    }

    /// The folder's listing if it was made at `version`; one made at
    /// another version is dropped.
    #[cfg(test)]
    pub fn get(&self, user: Uuid, folder: Uuid, version: u64) -> Option<Arc<Listing>> {
        match self.lookup(user, folder, version) {
            Kept::Current(listing) => Some(listing),
            Kept::Behind { .. } | Kept::Nothing => None,
        }
    }

    /// The folder's listing made at `version`, or one made at an older
    /// version (taken out), or nothing (one made at a newer version, which
    /// a request that read the version earlier cannot tell from a stale
    /// one, is dropped).
    pub fn lookup(&self, user: Uuid, folder: Uuid, version: u64) -> Kept {
        let found = self.find(user, folder, version);
        crate::metrics::listing_cache(matches!(found, Kept::Current(_)));
        found
    }

    fn find(&self, user: Uuid, folder: Uuid, version: u64) -> Kept {
        if self.budget == 0 {
            return Kept::Nothing;
        }
        let key = (user, folder);
        let mut inner = self.lock();
        let Some(kept) = inner.slots.get(&key).map(|slot| slot.version) else {
            return Kept::Nothing;
        };
        if kept != version {
            let gone = inner.remove(&key);
            drop(inner);
            return match gone {
                Some(slot) if kept < version => Kept::Behind {
                    version: kept,
                    listing: slot.listing,
                },
                // Dropped outside the lock: zeroizing a big listing takes a while.
                _ => Kept::Nothing,
            };
        }
        let now = inner.tick();
        let Some(slot) = inner.slots.get_mut(&key) else {
            return Kept::Nothing;
        };
        let before = std::mem::replace(&mut slot.used, now);
        let listing = Arc::clone(&slot.listing);
        inner.recency.remove(&before);
        inner.recency.insert(now, key);
        Kept::Current(listing)
    }

    /// Keeps the folder's listing made at `version` (unless one of a later
    /// version is kept already, or it does not fit), evicting the least
    /// recently used ones past the budget. Returns it for use.
    pub fn put(&self, user: Uuid, folder: Uuid, version: u64, listing: Listing) -> Arc<Listing> {
        let listing = Arc::new(listing);
        let bytes = listing.bytes();
        if bytes > self.budget {
            return listing;
        }
        let key = (user, folder);
        let mut gone = Vec::new();
        {
            let mut inner = self.lock();
            if inner.slots.get(&key).is_some_and(|s| s.version > version) {
                return listing;
            }
            gone.extend(inner.remove(&key));
            while inner.bytes + bytes > self.budget {
                let Some((_, oldest)) = inner.recency.pop_first() else {
                    break;
                };
                if let Some(slot) = inner.slots.remove(&oldest) {
                    inner.bytes -= slot.bytes;
                    gone.push(slot);
                }
            }
            let used = inner.tick();
            inner.recency.insert(used, key);
            inner.bytes += bytes;
            inner.slots.insert(
                key,
                Slot {
                    version,
                    listing: Arc::clone(&listing),
                    bytes,
                    used,
                },
            );
        }
        drop(gone);
        listing
    }

    /// Bytes held now (for tests).
    #[cfg(test)]
    fn held(&self) -> usize {
        self.lock().bytes
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use strongroom_shared::NodeKind;
    use time::OffsetDateTime;

    use super::*;

    fn listing(names: &[&str]) -> Listing {
        Listing::new(
            names
                .iter()
                .map(|name| Node {
                    id: Uuid::now_v7(),
                    parent_id: Some(Uuid::nil()),
                    kind: NodeKind::File,
                    name: (*name).to_owned(),
                    size: 1,
                    content_type: Some("text/plain".to_owned()),
                    created_at: OffsetDateTime::UNIX_EPOCH,
                    modified_at: OffsetDateTime::UNIX_EPOCH,
                })
                .collect(),
        )
    }

    #[test]
    fn a_listing_serves_only_its_version_and_its_user() {
        let cache = ListingCache::new(1 << 20);
        let (user, other, folder) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        cache.put(user, folder, 3, listing(&["a.txt"]));
        assert_eq!(cache.get(user, folder, 3).unwrap().items()[0].name, "a.txt");
        assert!(cache.get(other, folder, 3).is_none());
        // An older one is handed out to be brought up to date, and leaves.
        match cache.lookup(user, folder, 4) {
            Kept::Behind { version, listing } => {
                assert_eq!(version, 3);
                assert_eq!(listing.items()[0].name, "a.txt");
            }
            _ => panic!("the listing of version 3 is behind version 4"),
        }
        assert!(cache.get(user, folder, 3).is_none());
        assert_eq!(cache.held(), 0);
        // One newer than the version asked for is dropped.
        cache.put(user, folder, 7, listing(&["b.txt"]));
        assert!(matches!(cache.lookup(user, folder, 6), Kept::Nothing));
        assert!(cache.get(user, folder, 7).is_none());
    }

    #[test]
    fn an_older_version_does_not_replace_a_newer_one() {
        let cache = ListingCache::new(1 << 20);
        let (user, folder) = (Uuid::now_v7(), Uuid::now_v7());
        cache.put(user, folder, 5, listing(&["new"]));
        let old = cache.put(user, folder, 4, listing(&["old"]));
        assert_eq!(old.items()[0].name, "old");
        assert_eq!(cache.get(user, folder, 5).unwrap().items()[0].name, "new");
    }

    #[test]
    fn the_least_recently_used_go_past_the_budget() {
        let one = listing(&["x"]).bytes();
        let cache = ListingCache::new(2 * one);
        let user = Uuid::now_v7();
        let (a, b, c) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        cache.put(user, a, 1, listing(&["x"]));
        cache.put(user, b, 1, listing(&["x"]));
        assert!(cache.get(user, a, 1).is_some()); // b is now the oldest
        cache.put(user, c, 1, listing(&["x"]));
        assert!(cache.get(user, b, 1).is_none());
        assert!(cache.get(user, a, 1).is_some());
        assert!(cache.get(user, c, 1).is_some());
        assert_eq!(cache.held(), 2 * one);
        // Too big for the whole budget: used, not kept.
        let big = cache.put(user, a, 2, listing(&["x", "y", "z"]));
        assert_eq!(big.items().len(), 3);
        assert!(cache.get(user, a, 2).is_none());
    }

    #[test]
    fn a_zero_budget_keeps_nothing() {
        let cache = ListingCache::new(0);
        let (user, folder) = (Uuid::now_v7(), Uuid::now_v7());
        cache.put(user, folder, 1, listing(&["a"]));
        assert!(cache.get(user, folder, 1).is_none());
    }
}
