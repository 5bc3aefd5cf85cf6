//! The `TreeStore` on DynamoDB, over the reads in `nodes` and the writes in
//! `changes`, `moves` and `deletes`.

use async_trait::async_trait;
use uuid::Uuid;

use super::{DynamoMetaStore, changes, deletes, moves, nodes};
use crate::store::StoreError;
use crate::store::meta::{ChildrenDelta, FileCommit, NodeRecord, NodeUpdate, TreeStore};

#[async_trait]
impl TreeStore for DynamoMetaStore {
    async fn node(&self, user_id: Uuid, id: Uuid) -> Result<Option<NodeRecord>, StoreError> {
        nodes::node(self, user_id, id).await
    }

    async fn child_by_mac(
        &self,
        user_id: Uuid,
        parent_id: Uuid,
        name_mac: &[u8; 32],
    ) -> Result<Option<NodeRecord>, StoreError> {
        nodes::child_by_mac(self, user_id, parent_id, name_mac).await
    }

    async fn children(
        &self,
        user_id: Uuid,
        parent_id: Uuid,
    ) -> Result<Vec<NodeRecord>, StoreError> {
        nodes::children(self, user_id, parent_id).await
    }

    async fn listing_version(&self, user_id: Uuid, id: Uuid) -> Result<Option<u64>, StoreError> {
        nodes::listing_version(self, user_id, id).await
    }

    /// Not kept here: a transaction raises the folder's version with `ADD`
    /// and cannot write the number it raised it to into the child beside it
    /// (no read in a write transaction), so a listing is read whole again.
    /// A transaction cannot write the version it raises into the child
    /// (`guards.rs`), so nothing here records what changed.
    fn tells_changes(&self) -> bool {
        false
    }

    async fn children_since(
        &self,
        _user_id: Uuid,
        _folder_id: Uuid,
        _since: u64,
    ) -> Result<Option<ChildrenDelta>, StoreError> {
        Ok(None)
    }

    async fn folder_versions(&self, user_id: Uuid) -> Result<Vec<(Uuid, u64)>, StoreError> {
        nodes::folder_versions(self, user_id).await
    }

    async fn ancestors(&self, user_id: Uuid, id: Uuid) -> Result<Vec<NodeRecord>, StoreError> {
        nodes::ancestors(self, user_id, id).await
    }

    async fn all_nodes(&self, user_id: Uuid) -> Result<Vec<NodeRecord>, StoreError> {
        nodes::all_nodes(self, user_id).await
    }

    async fn create_folder(&self, node: &NodeRecord, max_nodes: u64) -> Result<(), StoreError> {
        changes::create_folder(self, node, max_nodes).await
    }

    async fn commit_file(
        &self,
        node: &NodeRecord,
        overwrite: bool,
        max_nodes: u64,
        versions_kept: usize,
    ) -> Result<FileCommit, StoreError> {
        changes::commit_file(self, node, overwrite, max_nodes, versions_kept).await
    }

    async fn update_node(
        &self,
        user_id: Uuid,
        id: Uuid,
        update: &NodeUpdate,
    ) -> Result<NodeRecord, StoreError> {
        moves::update_node(self, user_id, id, update).await
    }

    async fn delete_node(&self, user_id: Uuid, id: Uuid) -> Result<Vec<Uuid>, StoreError> {
        deletes::delete_node(self, user_id, id).await
    }

    async fn object_ids(&self, user_id: Uuid) -> Result<Vec<Uuid>, StoreError> {
        nodes::object_ids(self, user_id).await
    }

    async fn object_referenced(&self, user_id: Uuid, object_id: Uuid) -> Result<bool, StoreError> {
        nodes::object_referenced(self, user_id, object_id).await
    }

    async fn bind_node(
        &self,
        user_id: Uuid,
        id: Uuid,
        object_id: Option<Uuid>,
        binding: &[u8; 32],
    ) -> Result<bool, StoreError> {
        nodes::bind_node(self, user_id, id, object_id, binding).await
    }
}
