//! Listing snapshots: a big folder's listing (its children decrypted and in
//! listing order), sealed and kept in the object store under the folder's
//! id, so that the first read of the folder after a start, or after the
//! listing cache let it go, opens one object instead of reading, decrypting
//! and sorting every child again (issue 16: 100,000 files in 194 ms before).
//!
//! A snapshot says the listing version it was made at. Loaded, it is used as
//! a listing the cache kept at that version would be (`Kept::Behind`): at
//! the folder's current version as it is, older ones brought up to date with
//! `TreeStore::children_since`, or, where the store cannot tell what changed,
//! not at all. So a stale or rolled-back snapshot costs time, never
//! correctness; one of another folder or user does not open (the seal is
//! bound to both).
//!
//! What the object store's operator learns: that a folder has a snapshot,
//! and its size (about the folder's number of children and the length of
//! their names, which the records already show). The sweeper keeps the
//! object while the folder's node exists and removes it after.
//!
//! Written in the background after a big folder was read whole (or brought
//! far up to date), never on a request's path.

use std::fmt;
use std::sync::Arc;

use bytes::Bytes;
use futures_util::{StreamExt, stream};

use serde::de::{DeserializeSeed, Deserializer, Error as _, SeqAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use strongroom_shared::{Node, NodeKind};
use time::OffsetDateTime;
use uuid::Uuid;
use zeroize::Zeroize;

use super::listing_cache::Listing;
use crate::crypto::keys::ListingSnapshotKey;
use crate::store::StoreError;
use crate::store::blob::{BlobStore, ObjectKey};

/// Folders with fewer children are read whole in a few milliseconds
/// (10,000 in 14 ms): a snapshot would not pay for its writes.
pub const MIN_CHILDREN: usize = 5_000;

/// A snapshot brought up to date by more changes than this is written again.
pub const REWRITE_AFTER_CHANGES: usize = 256;

/// Or one this many versions behind: the store tells what changed over the
/// last 1,000 versions only (`014_listing_delta.sql`); past that the
/// snapshot is of no use.
pub const REWRITE_AFTER_VERSIONS: u64 = 500;

/// Larger objects under a folder's id are not read (a listing of a million
/// children with long names is ~100 MiB).
const MAX_BYTES: usize = 256 << 20;

/// Raised when what is sealed changes shape; an unknown one is not used.
const FORMAT: u8 = 1;

#[derive(Serialize)]
struct SnapshotOut<'a> {
    format: u8,
    version: u64,
    entries: Entries<'a>,
}

/// One child: what a listing item holds but its parent (the folder) and
/// its content type (kept listings have none).
#[derive(Deserialize)]
struct Entry {
    id: Uuid,
    kind: NodeKind,
    name: String,
    size: u64,
    created: (i64, u32),
    modified: (i64, u32),
}

fn instant((secs, nanos): (i64, u32)) -> Option<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp(secs)
        .ok()?
        .replace_nanosecond(nanos)
        .ok()
}

fn parts(at: OffsetDateTime) -> (i64, u32) {
    (at.unix_timestamp(), at.nanosecond())
}

#[derive(Serialize)]
struct EntryOut<'a> {
    id: Uuid,
    kind: NodeKind,
    name: &'a str,
    size: u64,
    created: (i64, u32),
    modified: (i64, u32),
}

struct Entries<'a>(&'a [Node]);

impl Serialize for Entries<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(|node| EntryOut {
            id: node.id,
            kind: node.kind,
            name: &node.name,
            size: node.size,
            created: parts(node.created_at),
            modified: parts(node.modified_at),
        }))
    }
}

/// A `Vec<u8>` that zeroizes what it leaves behind when it grows: the
/// encoded snapshot holds every name in plaintext until it is sealed.
struct ZeroizingGrowth(Vec<u8>);

impl Extend<u8> for ZeroizingGrowth {
    fn extend<I: IntoIterator<Item = u8>>(&mut self, iter: I) {
        for byte in iter {
            if self.0.len() == self.0.capacity() {
                let mut bigger = Vec::with_capacity((self.0.capacity() * 2).max(4096));
                bigger.extend_from_slice(&self.0);
                std::mem::replace(&mut self.0, bigger).zeroize();
            }
            self.0.push(byte);
        }
    }
}

/// The listing's plaintext form. Room for the seal's tag is left at the
/// end, so sealing in place does not grow it again.
fn encode(version: u64, items: &[Node]) -> Result<Vec<u8>, postcard::Error> {
    let estimate = items.iter().map(|node| node.name.len() + 48).sum::<usize>() + 64;
    let snapshot = SnapshotOut {
        format: FORMAT,
        version,
        entries: Entries(items),
    };
    let out = postcard::to_extend(&snapshot, ZeroizingGrowth(Vec::with_capacity(estimate)))?;
    Ok(out.0)
}

fn decode(folder_id: Uuid, plaintext: &[u8]) -> Option<(u64, Vec<Node>)> {
    let mut de = postcard::Deserializer::from_bytes(plaintext);
    // Field by field as `SnapshotOut` wrote them (postcard writes a struct
    // as its fields in order), the entries straight into listing items:
    // no second list of a hundred thousand entries on the way.
    if u8::deserialize(&mut de).ok()? != FORMAT {
        return None;
    }
    let version = u64::deserialize(&mut de).ok()?;
    let items = Items {
        folder_id,
        // A forged length cannot be sealed; still, no reservation beyond
        // what the bytes could hold (an entry takes at least 24).
        most: plaintext.len() / 24,
    }
    .deserialize(&mut de)
    .ok()?;
    Some((version, items))
}

/// Reads the entries into listing items of the folder.
struct Items {
    folder_id: Uuid,
    most: usize,
}

impl<'de> DeserializeSeed<'de> for Items {
    type Value = Vec<Node>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Vec<Node>, D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Items {
    type Value = Vec<Node>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("listing entries")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<Node>, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(self.most));
        loop {
            let node = match seq.next_element::<Entry>() {
                Ok(None) => return Ok(items),
                Ok(Some(mut entry)) => match (instant(entry.created), instant(entry.modified)) {
                    (Some(created_at), Some(modified_at)) => Ok(Node {
                        id: entry.id,
                        parent_id: Some(self.folder_id),
                        kind: entry.kind,
                        name: entry.name,
                        size: entry.size,
                        content_type: None,
                        created_at,
                        modified_at,
                    }),
                    _ => {
                        entry.name.zeroize();
                        Err(A::Error::custom("time out of range"))
                    }
                },
                Err(err) => Err(err),
            };
            match node {
                Ok(node) => items.push(node),
                Err(err) => {
                    items.iter_mut().for_each(super::listing_cache::forget);
                    return Err(err);
                }
            }
        }
    }
}

/// Seals `items`, the folder's listing made at `version`, for the store.
pub fn seal(
    key: &ListingSnapshotKey,
    user_id: Uuid,
    folder_id: Uuid,
    version: u64,
    items: &[Node],
) -> Option<Vec<u8>> {
    let plaintext = encode(version, items).ok()?;
    Some(key.seal(user_id, folder_id, plaintext))
}

/// The listing in a sealed snapshot and the version it was made at; `None`
/// when it does not open (another folder's or user's, altered, another
/// format).
pub fn open(
    key: &ListingSnapshotKey,
    user_id: Uuid,
    folder_id: Uuid,
    sealed: Vec<u8>,
) -> Option<(u64, Listing)> {
    let plaintext = key.open(user_id, folder_id, sealed).ok()?;
    let (version, items) = decode(folder_id, &plaintext)?;
    Some((version, Listing::new(items)))
}

/// Reads and opens the folder's snapshot. Nothing there, or nothing usable,
/// is `None`: the caller reads the folder whole. A store error is logged
/// and also `None` (the read of the folder that follows reports it if the
/// store is really down).
pub async fn load(
    blobs: &dyn BlobStore,
    key: ListingSnapshotKey,
    user_id: Uuid,
    folder_id: Uuid,
) -> Option<(u64, Listing)> {
    let sealed = match read(blobs, &ObjectKey::new(user_id, folder_id)).await {
        Ok(Some(sealed)) => sealed,
        Ok(None) => return None,
        Err(err) => {
            tracing::warn!(error = %err, "listing snapshot could not be read");
            return None;
        }
    };
    let opened = tokio::task::spawn_blocking(move || open(&key, user_id, folder_id, sealed)).await;
    match opened {
        Ok(Some(found)) => Some(found),
        Ok(None) => {
            tracing::warn!(folder = %folder_id, "listing snapshot did not open; ignored");
            None
        }
        Err(_) => None,
    }
}

async fn read(blobs: &dyn BlobStore, key: &ObjectKey) -> Result<Option<Vec<u8>>, StoreError> {
    let mut body = match blobs.get(key, None).await {
        Ok(body) => body,
        Err(StoreError::NotFound) => return Ok(None),
        Err(err) => return Err(err),
    };
    // The pieces first, then one allocation of the right size (this is
    // megabytes: no doubling and copying on the way).
    let mut pieces = Vec::new();
    let mut len = 0;
    while let Some(piece) = body.next().await {
        let piece = match piece {
            Ok(piece) => piece,
            Err(StoreError::NotFound) => return Ok(None),
            Err(err) => return Err(err),
        };
        len += piece.len();
        if len > MAX_BYTES {
            return Ok(None);
        }
        pieces.push(piece);
    }
    let mut sealed = Vec::with_capacity(len);
    for piece in pieces {
        sealed.extend_from_slice(&piece);
    }
    Ok(Some(sealed))
}

/// Writes the folder's snapshot in the background: sealed on the blocking
/// pool, then put whole (a reader sees the old one or the new one).
pub fn save(
    blobs: Arc<dyn BlobStore>,
    key: ListingSnapshotKey,
    user_id: Uuid,
    folder_id: Uuid,
    version: u64,
    listing: Arc<Listing>,
) {
    tokio::spawn(async move {
        let sealed = tokio::task::spawn_blocking(move || {
            seal(&key, user_id, folder_id, version, listing.items())
        })
        .await;
        let Ok(Some(sealed)) = sealed else {
            tracing::warn!(folder = %folder_id, "listing snapshot could not be sealed");
            return;
        };
        let len = sealed.len() as u64;
        let body = Box::pin(stream::once(async move { Ok(Bytes::from(sealed)) }));
        if let Err(err) = blobs
            .put(&ObjectKey::new(user_id, folder_id), Some(len), body)
            .await
        {
            tracing::warn!(error = %err, "listing snapshot could not be written");
        }
    });
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use crate::crypto::keys::Umk;

    use super::*;

    fn node(folder: Uuid, name: &str, kind: NodeKind, at: i128) -> Node {
        // Nanoseconds, and seconds before and after 1970.
        Node {
            id: Uuid::now_v7(),
            parent_id: Some(folder),
            kind,
            name: name.to_owned(),
            size: name.len() as u64 * 1_000_003,
            content_type: None,
            created_at: OffsetDateTime::from_unix_timestamp_nanos(at).unwrap(),
            modified_at: OffsetDateTime::from_unix_timestamp_nanos(at + 1_234_567_891).unwrap(),
        }
    }

    #[test]
    fn a_snapshot_opens_to_the_listing_it_was_made_from() {
        let key = ListingSnapshotKey::derive(&Umk::random());
        let (user, folder) = (Uuid::now_v7(), Uuid::now_v7());
        let items = vec![
            node(folder, "Docs", NodeKind::Folder, 1_700_000_000_123_456_789),
            node(folder, "a long name é 😀.txt", NodeKind::File, -5),
            node(folder, "", NodeKind::File, 0),
        ];
        let sealed = seal(&key, user, folder, 42, &items).unwrap();
        assert!(!sealed.windows(4).any(|w| w == b"Docs"));
        let (version, listing) = open(&key, user, folder, sealed.clone()).unwrap();
        assert_eq!(version, 42);
        assert_eq!(listing.items(), &items[..]);
        // Bound to its folder and user.
        assert!(open(&key, user, Uuid::now_v7(), sealed.clone()).is_none());
        assert!(open(&key, Uuid::now_v7(), folder, sealed).is_none());
    }

    #[test]
    fn an_empty_or_large_listing_round_trips() {
        let key = ListingSnapshotKey::derive(&Umk::random());
        let (user, folder) = (Uuid::now_v7(), Uuid::now_v7());
        let sealed = seal(&key, user, folder, 0, &[]).unwrap();
        assert!(
            open(&key, user, folder, sealed)
                .unwrap()
                .1
                .items()
                .is_empty()
        );
        // Past the first estimate, so the buffer grows (and zeroizes).
        let items: Vec<Node> = (0..3_000)
            .map(|i| node(folder, &format!("{i:0>200}"), NodeKind::File, i))
            .collect();
        let sealed = seal(&key, user, folder, 7, &items).unwrap();
        assert_eq!(
            open(&key, user, folder, sealed).unwrap().1.items(),
            &items[..]
        );
    }

    #[test]
    fn another_format_or_garbage_is_not_used() {
        let key = ListingSnapshotKey::derive(&Umk::random());
        let (user, folder) = (Uuid::now_v7(), Uuid::now_v7());
        let mut plaintext = encode(3, &[]).unwrap();
        plaintext[0] = FORMAT + 1;
        assert!(open(&key, user, folder, key.seal(user, folder, plaintext)).is_none());
        let garbage = key.seal(user, folder, vec![FORMAT, 0xff, 0xff, 0xff]);
        assert!(open(&key, user, folder, garbage).is_none());
    }
}
