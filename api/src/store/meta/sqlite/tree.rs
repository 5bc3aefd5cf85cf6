//! The `TreeStore` on SQLite: each call runs the synchronous query of
//! `nodes` on the blocking pool.

use async_trait::async_trait;
use uuid::Uuid;

use super::{SqliteMetaStore, nodes, writes};
use crate::store::StoreError;
use crate::store::meta::{ChildrenDelta, FileCommit, NodeRecord, NodeUpdate, TreeStore};

#[async_trait]
impl TreeStore for SqliteMetaStore {
    async fn node(&self, user_id: Uuid, id: Uuid) -> Result<Option<NodeRecord>, StoreError> {
        self.run("node", move |conn| nodes::node(conn, user_id, id))
            .await
    }

    async fn child_by_mac(
        &self,
        user_id: Uuid,
        parent_id: Uuid,
        name_mac: &[u8; 32],
    ) -> Result<Option<NodeRecord>, StoreError> {
        let mac = *name_mac;
        self.run("child_by_mac", move |conn| {
            nodes::child_by_mac(conn, user_id, parent_id, &mac)
        })
        .await
    }

    async fn children(
        &self,
        user_id: Uuid,
        parent_id: Uuid,
    ) -> Result<Vec<NodeRecord>, StoreError> {
        self.run("children", move |conn| {
            nodes::children(conn, user_id, parent_id)
        })
        .await
    }

    async fn listing_version(&self, user_id: Uuid, id: Uuid) -> Result<Option<u64>, StoreError> {
        self.run("listing_version", move |conn| {
            nodes::listing_version(conn, user_id, id)
        })
        .await
    }

    fn tells_changes(&self) -> bool {
        true
    }

    async fn children_since(
        &self,
        user_id: Uuid,
        folder_id: Uuid,
        since: u64,
    ) -> Result<Option<ChildrenDelta>, StoreError> {
        self.run("children_since", move |conn| {
            nodes::children_since(conn, user_id, folder_id, since)
        })
        .await
    }

    async fn folder_versions(&self, user_id: Uuid) -> Result<Vec<(Uuid, u64)>, StoreError> {
        self.run("folder_versions", move |conn| {
            nodes::folder_versions(conn, user_id)
        })
        .await
    }

    async fn ancestors(&self, user_id: Uuid, id: Uuid) -> Result<Vec<NodeRecord>, StoreError> {
        self.run("ancestors", move |conn| nodes::ancestors(conn, user_id, id))
            .await
    }

    async fn all_nodes(&self, user_id: Uuid) -> Result<Vec<NodeRecord>, StoreError> {
        self.run("all_nodes", move |conn| nodes::all_nodes(conn, user_id))
            .await
    }

    async fn create_folder(&self, node: &NodeRecord, max_nodes: u64) -> Result<(), StoreError> {
        let node = node.clone();
        self.run("create_folder", move |conn| {
            writes::create_folder(conn, &node, max_nodes)
        })
        .await
    }

    async fn commit_file(
        &self,
        node: &NodeRecord,
        overwrite: bool,
        max_nodes: u64,
        versions_kept: usize,
    ) -> Result<FileCommit, StoreError> {
        let node = node.clone();
        self.run("commit_file", move |conn| {
            writes::commit_file(conn, &node, overwrite, max_nodes, versions_kept)
        })
        .await
    }

    async fn update_node(
        &self,
        user_id: Uuid,
        id: Uuid,
        update: &NodeUpdate,
    ) -> Result<NodeRecord, StoreError> {
        let update = update.clone();
        self.run("update_node", move |conn| {
            writes::update_node(conn, user_id, id, &update)
        })
        .await
    }

    async fn delete_node(&self, user_id: Uuid, id: Uuid) -> Result<Vec<Uuid>, StoreError> {
        self.run("delete_node", move |conn| {
            writes::delete_node(conn, user_id, id)
        })
        .await
    }

    async fn object_ids(&self, user_id: Uuid) -> Result<Vec<Uuid>, StoreError> {
        self.run("object_ids", move |conn| nodes::object_ids(conn, user_id))
            .await
    }

    async fn object_referenced(&self, user_id: Uuid, object_id: Uuid) -> Result<bool, StoreError> {
        self.run("object_referenced", move |conn| {
            nodes::object_referenced(conn, user_id, object_id)
        })
        .await
    }

    async fn bind_node(
        &self,
        user_id: Uuid,
        id: Uuid,
        object_id: Option<Uuid>,
        binding: &[u8; 32],
    ) -> Result<bool, StoreError> {
        let binding = *binding;
        self.run("bind_node", move |conn| {
            nodes::bind_node(conn, user_id, id, object_id, &binding)
        })
        .await
    }
}
