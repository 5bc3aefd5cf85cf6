//! The object store: opaque, encrypted objects under `{user_id}/{object_id}`.
//! No name, email or path ever reaches it.

pub mod fs;
pub mod s3;

use std::fmt;
use std::pin::Pin;

use async_trait::async_trait;
use bytes::Bytes;
use futures_util::Stream;
use time::OffsetDateTime;
use uuid::Uuid;

use super::StoreError;

/// A stream of object bytes, in either direction.
pub type ByteStream = Pin<Box<dyn Stream<Item = Result<Bytes, StoreError>> + Send>>;

/// Where an object lives: `{user_id}/{object_id}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ObjectKey {
    pub user_id: Uuid,
    pub object_id: Uuid,
}

impl ObjectKey {
    pub fn new(user_id: Uuid, object_id: Uuid) -> Self {
        Self { user_id, object_id }
    }

    /// Parses `{user_id}/{object_id}`; anything else is not one of ours.
    pub fn parse(key: &str) -> Option<Self> {
        let (user, object) = key.split_once('/')?;
        Some(Self {
            user_id: Uuid::try_parse(user).ok()?,
            object_id: Uuid::try_parse(object).ok()?,
        })
    }
}

impl fmt::Display for ObjectKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}/{}",
            self.user_id.as_hyphenated(),
            self.object_id.as_hyphenated()
        )
    }
}

/// A stored object as the sweeper sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlobInfo {
    pub key: ObjectKey,
    pub size: u64,
    pub modified_at: OffsetDateTime,
}

#[async_trait]
pub trait BlobStore: Send + Sync + 'static {
    /// Answers when the backend is reachable.
    async fn ping(&self) -> Result<(), StoreError>;

    /// Writes `body` under `key`; `len`, when known, is checked. The object
    /// appears whole or not at all: on any error (including an `Err` item from
    /// `body`, or a body of the wrong length) nothing is left behind.
    async fn put(
        &self,
        key: &ObjectKey,
        len: Option<u64>,
        body: ByteStream,
    ) -> Result<(), StoreError>;

    /// Streams the object, or the bytes `range.0..range.1` of it.
    async fn get(
        &self,
        key: &ObjectKey,
        range: Option<(u64, u64)>,
    ) -> Result<ByteStream, StoreError>;

    /// Removes the object; removing a missing object is not an error.
    async fn delete(&self, key: &ObjectKey) -> Result<(), StoreError>;

    /// Every object, for the sweeper; also removes abandoned partial writes
    /// older than `older_than`.
    async fn list(&self, older_than: OffsetDateTime) -> Result<Vec<BlobInfo>, StoreError>;
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_and_reject_strangers() {
        let key = ObjectKey::new(Uuid::new_v4(), Uuid::new_v4());
        assert_eq!(ObjectKey::parse(&key.to_string()), Some(key));
        for bad in [
            "",
            "a/b",
            "x",
            &format!("{}/", key.user_id),
            &format!("{}/x/y", key.user_id),
        ] {
            assert_eq!(ObjectKey::parse(bad), None, "{bad:?}");
        }
    }
}
