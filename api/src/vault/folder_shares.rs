//! Folder shares are live: the link holder browses the owner's tree as it
//! is now, and needs for each node inside only what its entry gives (name;
//! for a file also object, size and data key), sealed under the share's
//! key. The owner's changes keep the entries in step: a new file or folder
//! inside gets one, a rename re-seals it, a move in brings the moved
//! subtree's, a move out removes them. What the tree no longer holds under
//! the shared folder is not shown, whatever entries remain.

use std::collections::HashSet;

use futures_util::{StreamExt, TryStreamExt};
use strongroom_shared::NodeKind;
use uuid::Uuid;

use super::names::Names;
use super::{Vault, VaultError};
use crate::auth::Caller;
use crate::crypto::keys::{ShareKey, SharedEntry};
use crate::store::meta::{NodeRecord, ShareRecord};

/// Header reads in flight while a folder's entries are made.
const ENTRY_READS: usize = 8;

impl Vault {
    /// The sealed entry of one node inside a shared folder.
    async fn entry(
        &self,
        caller: &Caller,
        key: &ShareKey,
        share_id: Uuid,
        node: &NodeRecord,
    ) -> Result<(Uuid, Vec<u8>), VaultError> {
        let entry = match node.kind {
            NodeKind::Folder => SharedEntry::Folder {
                name: Names::new(&caller.umk).open(node)?,
            },
            NodeKind::File => SharedEntry::File(self.shared_file(caller, node).await?.1),
        };
        Ok((node.id, key.seal_entry(share_id, node.id, &entry)))
    }

    /// Every node below `top` (not `top` itself), walking the live tree.
    pub(super) async fn subtree(
        &self,
        user: Uuid,
        top: Uuid,
    ) -> Result<Vec<NodeRecord>, VaultError> {
        let mut found = Vec::new();
        let mut folders = vec![top];
        while let Some(folder) = folders.pop() {
            for child in self.meta.children(user, folder).await? {
                if child.kind == NodeKind::Folder {
                    folders.push(child.id);
                }
                found.push(child);
            }
        }
        Ok(found)
    }

    /// Seals and stores the entries of `nodes` for one share.
    async fn put_entries(
        &self,
        caller: &Caller,
        key: &ShareKey,
        share_id: Uuid,
        nodes: &[NodeRecord],
    ) -> Result<(), VaultError> {
        let entries: Vec<(Uuid, Vec<u8>)> = futures_util::stream::iter(nodes)
            .map(|node| self.entry(caller, key, share_id, node))
            .buffer_unordered(ENTRY_READS)
            .try_collect()
            .await?;
        for chunk in entries.chunks(500) {
            self.meta.put_share_entries(share_id, chunk).await?;
        }
        Ok(())
    }

    /// The entries of a new folder share: everything in the folder now.
    pub(super) async fn fill_folder_share(
        &self,
        caller: &Caller,
        key: &ShareKey,
        share: &ShareRecord,
    ) -> Result<(), VaultError> {
        let nodes = self.subtree(caller.user_id, share.node_id).await?;
        self.put_entries(caller, key, share.id, &nodes).await
    }

    /// After `node` was made, renamed or moved (from `moved_from`, its old
    /// parent): the folder shares that hold it now get its entry (and, when
    /// it came in from outside, its subtree's); those that held it and no
    /// longer do lose them; a shared folder renamed re-seals its own name.
    pub(super) async fn follow_folder_shares(
        &self,
        caller: &Caller,
        node: &NodeRecord,
        moved_from: Option<Uuid>,
    ) -> Result<(), VaultError> {
        let user = caller.user_id;
        let folder_shares: Vec<ShareRecord> = self
            .meta
            .shares_of(user)
            .await?
            .into_iter()
            .filter(|share| share.kind == NodeKind::Folder)
            .collect();
        if folder_shares.is_empty() {
            return Ok(());
        }
        let above =
            |path: Vec<NodeRecord>| -> HashSet<Uuid> { path.iter().map(|n| n.id).collect() };
        let now_above = match node.parent_id {
            Some(parent) => above(self.meta.ancestors(user, parent).await?),
            None => HashSet::new(),
        };
        let before_above = match moved_from {
            Some(parent) => above(self.meta.ancestors(user, parent).await?),
            None => now_above.clone(),
        };
        for share in &folder_shares {
            let key = ShareKey::unwrap_for_owner(&caller.umk, &share.owner_wrapped_key, share.id)
                .map_err(VaultError::Integrity)?;
            let (inside, was_inside) = (
                now_above.contains(&share.node_id),
                before_above.contains(&share.node_id),
            );
            if share.node_id == node.id {
                let sealed = key.seal_folder(share.id, &Names::new(&caller.umk).open(node)?);
                self.meta.reseal_share(user, share.id, &sealed).await?;
            } else if inside && !was_inside && node.kind == NodeKind::Folder {
                let mut nodes = self.subtree(user, node.id).await?;
                nodes.push(node.clone());
                self.put_entries(caller, &key, share.id, &nodes).await?;
            } else if inside {
                self.put_entries(caller, &key, share.id, std::slice::from_ref(node))
                    .await?;
            } else if was_inside {
                let mut gone: Vec<Uuid> = self
                    .subtree(user, node.id)
                    .await?
                    .iter()
                    .map(|n| n.id)
                    .collect();
                gone.push(node.id);
                self.meta.delete_share_entries(share.id, &gone).await?;
            }
        }
        Ok(())
    }
}
