//! Folder listings kept decrypted and sorted: the cache
//! (`listing_cache.rs`), the sealed snapshots (`listing_snapshot.rs`), and
//! how a kept listing is brought up to date. Listing and search read through
//! it; uploads keep a growing folder's listing warm through it, in the
//! background, so that the first listing after a bulk upload merges a few
//! hundred changes instead of reading, decrypting and sorting the whole
//! folder (130-150 ms for 100,000 files, bench/listing.sh).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use uuid::Uuid;

use super::listing_cache::{self, Kept, Listing, ListingCache};
use super::listing_snapshot;
use super::tree::order_key;
use super::{Names, VaultError};
use crate::crypto::keys::{ListingSnapshotKey, Umk};
use crate::store::meta::{ChildrenDelta, NodeRecord};
use crate::store::{BlobStore, MetaStore};

/// Files committed into a folder on this server before its listing is
/// brought up to date in the background. Below the 1,000 versions the
/// embedded store keeps departures for (`014_listing_delta.sql`), so that
/// each time is a merge of what changed, never a whole read.
pub(super) const WARM_EVERY: u32 = 500;

/// Folders whose commits are counted at once; past that the counts start
/// again (a folder's warm-up comes later, nothing else changes).
const FOLDERS_COUNTED: usize = 4096;

/// The listings of every user's folders, and what they are made from.
/// Cheap to clone: background work takes a clone.
#[derive(Clone)]
pub(super) struct Listings {
    meta: Arc<dyn MetaStore>,
    blobs: Arc<dyn BlobStore>,
    pub(super) cache: Arc<ListingCache>,
    /// Folders with at least this many children get a listing snapshot
    /// (`listing_snapshot.rs`); tests lower it.
    pub(super) snapshot_min_children: usize,
    /// See [`WARM_EVERY`]; tests lower it.
    pub(super) warm_every: u32,
    /// Files committed into each folder since its last warm-up.
    commits: Arc<Mutex<HashMap<(Uuid, Uuid), u32>>>,
}

impl Listings {
    pub(super) fn new(
        meta: Arc<dyn MetaStore>,
        blobs: Arc<dyn BlobStore>,
        cache_bytes: usize,
    ) -> Self {
        Self {
            meta,
            blobs,
            cache: Arc::new(ListingCache::new(cache_bytes)),
            snapshot_min_children: listing_snapshot::MIN_CHILDREN,
            warm_every: WARM_EVERY,
            commits: Arc::default(),
        }
    }

    /// A file was committed into `folder_id`: every `warm_every` of them,
    /// its listing is brought up to date in the background, when the store
    /// can say what changed (the embedded one). On a store that cannot
    /// (DynamoDB), that would read the whole folder each time, so it is left
    /// to the next listing.
    pub(super) fn file_committed(&self, user_id: Uuid, umk: &Umk, folder_id: Uuid) {
        if !self.cache.keeps_any() || !self.meta.tells_changes() {
            return;
        }
        let due = {
            let mut commits = self.commits.lock().unwrap_or_else(PoisonError::into_inner);
            if commits.len() >= FOLDERS_COUNTED && !commits.contains_key(&(user_id, folder_id)) {
                commits.clear();
            }
            let count = commits.entry((user_id, folder_id)).or_insert(0);
            *count += 1;
            let due = *count >= self.warm_every;
            if due {
                commits.remove(&(user_id, folder_id));
            }
            due
        };
        if due {
            let listings = self.clone();
            let umk = umk.clone();
            tokio::spawn(async move { listings.warm(user_id, &umk, folder_id).await });
        }
    }

    /// Brings the folder's kept listing up to date, as a listing would.
    async fn warm(&self, user_id: Uuid, umk: &Umk, folder_id: Uuid) {
        let names = Names::new(umk);
        let warmed = match self.meta.listing_version(user_id, folder_id).await {
            Ok(Some(version)) => self
                .sorted_children(user_id, umk, &names, folder_id, Some(version))
                .await
                .map(drop),
            Ok(None) => Ok(()), // gone meanwhile
            Err(err) => Err(err.into()),
        };
        if let Err(err) = warmed {
            tracing::debug!(folder = %folder_id, error = %err, "listing not kept warm");
        }
    }

    /// The folder's children in listing order: kept from an earlier request
    /// while the folder's listing version (read before calling) is the
    /// same, else read, decrypted and sorted, and kept.
    pub(super) async fn sorted_children(
        &self,
        user_id: Uuid,
        umk: &Umk,
        names: &Names,
        folder_id: Uuid,
        version: Option<u64>,
    ) -> Result<Arc<Listing>, VaultError> {
        let Some(version) = version else {
            // Gone since the version was read: nothing to keep it under.
            let children = self.meta.children(user_id, folder_id).await?;
            return Ok(Arc::new(sorted_listing(names, &children)?));
        };
        let kept = self.cache.lookup(user_id, folder_id, version);
        self.bring_up_to_date(user_id, umk, names, folder_id, version, kept)
            .await
    }

    /// What `sorted_children` does with what the cache held: use it, bring
    /// it up to date, or read the folder whole; and keep the result.
    pub(super) async fn bring_up_to_date(
        &self,
        user_id: Uuid,
        umk: &Umk,
        names: &Names,
        folder_id: Uuid,
        version: u64,
        kept: Kept,
    ) -> Result<Arc<Listing>, VaultError> {
        let kept = match kept {
            Kept::Nothing => {
                self.kept_in_snapshot(user_id, umk, folder_id, version)
                    .await
            }
            kept => kept,
        };
        match kept {
            Kept::Current(listing) => return Ok(listing),
            Kept::Behind {
                version: made_at,
                listing,
            } => {
                if let Some(delta) = self
                    .meta
                    .children_since(user_id, folder_id, made_at)
                    .await?
                {
                    let changes = delta.changed.len() + delta.left.len();
                    let listing = self.cache.put(
                        user_id,
                        folder_id,
                        version,
                        updated_listing(names, listing, delta)?,
                    );
                    if changes > listing_snapshot::REWRITE_AFTER_CHANGES
                        || version - made_at > listing_snapshot::REWRITE_AFTER_VERSIONS
                    {
                        self.save_snapshot(user_id, umk, folder_id, version, &listing);
                    }
                    return Ok(listing);
                }
            }
            Kept::Nothing => {}
        }
        let children = self.meta.children(user_id, folder_id).await?;
        let listing = self.cache.put(
            user_id,
            folder_id,
            version,
            sorted_listing(names, &children)?,
        );
        self.save_snapshot(user_id, umk, folder_id, version, &listing);
        Ok(listing)
    }

    /// The folder's sealed snapshot (`listing_snapshot.rs`), as the cache
    /// would have held it: at the current version (then kept), older, or
    /// none (also when it says a version newer than the current one).
    async fn kept_in_snapshot(
        &self,
        user_id: Uuid,
        umk: &Umk,
        folder_id: Uuid,
        version: u64,
    ) -> Kept {
        let key = ListingSnapshotKey::derive(umk);
        match listing_snapshot::load(&*self.blobs, key, user_id, folder_id).await {
            Some((made_at, listing)) if made_at == version => {
                Kept::Current(self.cache.put(user_id, folder_id, version, listing))
            }
            Some((made_at, listing)) if made_at < version => Kept::Behind {
                version: made_at,
                listing: Arc::new(listing),
            },
            _ => Kept::Nothing,
        }
    }

    /// Writes a big folder's listing as its snapshot, in the background.
    fn save_snapshot(
        &self,
        user_id: Uuid,
        umk: &Umk,
        folder_id: Uuid,
        version: u64,
        listing: &Arc<Listing>,
    ) {
        if listing.items().len() < self.snapshot_min_children {
            return;
        }
        listing_snapshot::save(
            Arc::clone(&self.blobs),
            ListingSnapshotKey::derive(umk),
            user_id,
            folder_id,
            version,
            Arc::clone(listing),
        );
    }
}

/// Decrypts and sorts a folder's children into a listing. Names are
/// ciphertext in the store, so ordering happens here, after decryption.
pub(super) fn sorted_listing(
    names: &Names,
    children: &[NodeRecord],
) -> Result<Listing, VaultError> {
    let mut items = children
        .iter()
        .map(|child| Ok(super::names::wire_untyped(child, names.open(child)?)))
        .collect::<Result<Vec<_>, VaultError>>()?;
    items.sort_by_cached_key(|node| order_key(node.kind, &node.name));
    Ok(Listing::new(items))
}

/// A listing made earlier brought up to date with what changed since:
/// the few changed children are decrypted and merged into the kept order,
/// instead of reading, decrypting and sorting the whole folder again.
fn updated_listing(
    names: &Names,
    kept: Arc<Listing>,
    delta: ChildrenDelta,
) -> Result<Listing, VaultError> {
    let mut fresh = delta
        .changed
        .iter()
        .map(|child| Ok(super::names::wire_untyped(child, names.open(child)?)))
        .collect::<Result<Vec<_>, VaultError>>()?;
    // Sorted for a binary search per kept node: for the few ids of a
    // delta, cheaper than hashing every one of the folder's ids.
    let mut gone: Vec<Uuid> = delta
        .left
        .into_iter()
        .chain(fresh.iter().map(|node| node.id))
        .collect();
    gone.sort_unstable();
    let mut items = Listing::into_items(kept);
    items.retain_mut(|node| {
        let keep = gone.binary_search(&node.id).is_err();
        if !keep {
            listing_cache::forget(node);
        }
        keep
    });
    // Many changes: one sort of everything is cheaper than a search each.
    if fresh.len() > items.len() / 8 {
        items.append(&mut fresh);
        items.sort_by_cached_key(|node| order_key(node.kind, &node.name));
        return Ok(Listing::new(items));
    }
    fresh.sort_by_cached_key(|node| order_key(node.kind, &node.name));
    let mut merged = Vec::with_capacity(items.len() + fresh.len());
    let mut rest = items.into_iter();
    for node in fresh {
        let key = order_key(node.kind, &node.name);
        let before = rest
            .as_slice()
            .partition_point(|n| order_key(n.kind, &n.name) <= key);
        merged.extend(rest.by_ref().take(before));
        merged.push(node);
    }
    merged.extend(rest);
    Ok(Listing::new(merged))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use std::time::Duration;

    use bytes::Bytes;

    use super::*;
    use crate::auth::Caller;
    use crate::vault::Vault;
    use crate::vault::testing::{caller, fixture};
    use crate::vault::upload::{BodyStop, Target};

    async fn upload(vault: &Vault, me: &Caller, name: &str) {
        let body = futures_util::stream::iter([Ok::<_, BodyStop>(Bytes::from_static(b"x"))]);
        let target = Target {
            parent_id: me.user_id,
            name: name.to_owned(),
            overwrite: false,
        };
        vault.upload(me, target, Some(1), body).await.unwrap();
    }

    async fn version(vault: &Vault, me: &Caller) -> u64 {
        vault
            .meta
            .listing_version(me.user_id, me.user_id)
            .await
            .unwrap()
            .unwrap()
    }

    /// The listing kept at the folder's current version, once the
    /// background warm-up has put it there (or `None` after 2 s).
    async fn kept_when_warm(vault: &Vault, me: &Caller) -> Option<Vec<String>> {
        let at = version(vault, me).await;
        for _ in 0..200 {
            if let Some(kept) = vault.listings.cache.get(me.user_id, me.user_id, at) {
                return Some(kept.items().iter().map(|n| n.name.clone()).collect());
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        None
    }

    /// Every `warm_every` uploads into a folder, its listing is brought up
    /// to date without anyone listing it: the next listing finds it kept at
    /// the current version, equal to a whole read.
    #[tokio::test]
    async fn uploads_keep_a_growing_folders_listing_warm() {
        let mut f = fixture();
        f.vault.listings.warm_every = 4;
        let me = caller(f.meta.as_ref()).await;
        let vault = &f.vault;
        for i in 0..3 {
            upload(vault, &me, &format!("early {i}")).await;
        }
        // Not due yet: nothing is kept.
        tokio::time::sleep(Duration::from_millis(100)).await;
        let at = version(vault, &me).await;
        assert!(
            vault
                .listings
                .cache
                .get(me.user_id, me.user_id, at)
                .is_none()
        );

        upload(vault, &me, "B fourth").await;
        let first = kept_when_warm(vault, &me).await.expect("warmed after 4");
        assert_eq!(first, ["B fourth", "early 0", "early 1", "early 2"]);

        // The next warm-up merges what changed into the kept listing.
        for name in ["a", "Z", "c", "b"] {
            upload(vault, &me, name).await;
        }
        let second = kept_when_warm(vault, &me).await.expect("warmed after 8");
        let names = Names::new(&me.umk);
        let whole = vault.meta.children(me.user_id, me.user_id).await.unwrap();
        let read: Vec<String> = sorted_listing(&names, &whole)
            .unwrap()
            .items()
            .iter()
            .map(|n| n.name.clone())
            .collect();
        assert_eq!(second, read);
        assert_eq!(
            second,
            [
                "a", "b", "B fourth", "c", "early 0", "early 1", "early 2", "Z"
            ]
        );
    }

    /// With no cache budget there is nothing to keep warm.
    #[tokio::test]
    async fn no_warm_up_without_a_cache() {
        let mut f = fixture();
        f.vault.listings.warm_every = 1;
        f.vault.listings.cache = Arc::new(ListingCache::new(0));
        let me = caller(f.meta.as_ref()).await;
        upload(&f.vault, &me, "one").await;
        assert!(kept_when_warm(&f.vault, &me).await.is_none());
    }
}
