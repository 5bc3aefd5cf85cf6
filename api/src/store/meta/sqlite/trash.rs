//! The trash and file versions on sqlite.
// PLACEHOLDER: being built (issue 14); every call answers Unavailable.

use async_trait::async_trait;
use time::OffsetDateTime;
use uuid::Uuid;

use super::SqliteMetaStore;
use crate::store::StoreError;
use crate::store::meta::{
    NodeRecord, NodeUpdate, TrashStore, TrashedRecord, Usage, VersionRecord, VersionStore,
};

fn unbuilt() -> StoreError {
    StoreError::Unavailable("the trash is not built on this store yet".to_owned())
}

#[async_trait]
impl TrashStore for SqliteMetaStore {
    async fn trash_node(
        &self,
        _user_id: Uuid,
        _id: Uuid,
        _at: OffsetDateTime,
    ) -> Result<TrashedRecord, StoreError> {
        Err(unbuilt())
    }

    async fn trash(&self, _user_id: Uuid) -> Result<Vec<TrashedRecord>, StoreError> {
        Err(unbuilt())
    }

    async fn trashed(
        &self,
        _user_id: Uuid,
        _id: Uuid,
    ) -> Result<Option<TrashedRecord>, StoreError> {
        Err(unbuilt())
    }

    async fn restore_node(
        &self,
        _user_id: Uuid,
        _id: Uuid,
        _update: &NodeUpdate,
    ) -> Result<NodeRecord, StoreError> {
        Err(unbuilt())
    }

    async fn purge_node(&self, _user_id: Uuid, _id: Uuid) -> Result<Vec<Uuid>, StoreError> {
        Err(unbuilt())
    }

    async fn trashed_before(
        &self,
        _before: OffsetDateTime,
        _limit: usize,
    ) -> Result<Vec<(Uuid, Uuid)>, StoreError> {
        Err(unbuilt())
    }

    async fn usage(&self, _user_id: Uuid) -> Result<Usage, StoreError> {
        Ok(Usage::default())
    }
}

#[async_trait]
impl VersionStore for SqliteMetaStore {
    async fn versions(
        &self,
        _user_id: Uuid,
        _node_id: Uuid,
    ) -> Result<Vec<VersionRecord>, StoreError> {
        Ok(Vec::new())
    }

    async fn restore_version(
        &self,
        _user_id: Uuid,
        _node_id: Uuid,
        _version_id: Uuid,
        _versions_kept: usize,
        _at: OffsetDateTime,
    ) -> Result<(NodeRecord, Vec<Uuid>), StoreError> {
        Err(unbuilt())
    }

    async fn delete_version(
        &self,
        _user_id: Uuid,
        _node_id: Uuid,
        _version_id: Uuid,
    ) -> Result<Uuid, StoreError> {
        Err(unbuilt())
    }
}
