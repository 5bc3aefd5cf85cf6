//! Each file's record is bound to its content by a MAC under a key of the
//! owner's (`BindingKey`), checked before anything of the file is served.
//! Records made before binding existed get theirs on the owner's first
//! content request after the upgrade: the first moment the server holds the
//! owner's UMK and needs it. The user's root folder then carries a mark, so
//! that from then on a file record without a binding is an altered one.

use uuid::Uuid;

use super::{Vault, VaultError};
use crate::crypto::CryptoError;
use crate::crypto::keys::{BindingKey, FileFacts, Umk};
use crate::store::meta::NodeRecord;

/// What a file's binding covers; `None` for a folder.
pub fn file_facts(node: &NodeRecord) -> Option<FileFacts> {
    Some(FileFacts {
        user_id: node.user_id.into_bytes(),
        node_id: node.id.into_bytes(),
        object_id: node.object_id?.into_bytes(),
        size: node.size,
    })
}

pub(super) fn altered(node: &NodeRecord, why: &str) -> VaultError {
    // An operator needs to hear of this: someone wrote to the metadata store.
    tracing::error!(user = %node.user_id, node = %node.id, why, "file record failed its binding");
    VaultError::Integrity(CryptoError::RecordBinding)
}

impl Vault {
    /// `node` (a file) as verified against its binding, re-read when old
    /// records had to be bound first. Nothing of a file is served without it.
    pub(super) async fn verified(
        &self,
        node: &NodeRecord,
        umk: &Umk,
    ) -> Result<NodeRecord, VaultError> {
        let facts = file_facts(node).ok_or(VaultError::NotAFile)?;
        let key = BindingKey::derive(umk);
        let node = match node.binding {
            Some(_) => node.clone(),
            None => self.bind_old_records(node, &key).await?,
        };
        let stored = node.binding.ok_or_else(|| altered(&node, "no binding"))?;
        let facts = file_facts(&node).unwrap_or(facts);
        if key.file_matches(&facts, &stored) {
            Ok(node)
        } else {
            Err(altered(&node, "binding mismatch"))
        }
    }

    /// A file record without a binding. If the user's records were bound
    /// already (the root carries the mark), it was altered; else they are
    /// old: bind every one of them, mark the root, and read `node` again.
    async fn bind_old_records(
        &self,
        node: &NodeRecord,
        key: &BindingKey,
    ) -> Result<NodeRecord, VaultError> {
        let user = node.user_id;
        let root = self
            .meta
            .node(user, user)
            .await?
            .ok_or(VaultError::NotFound)?;
        if root.binding.is_some() {
            return Err(altered(node, "no binding, though all were bound"));
        }
        self.bind_all(user, key).await?;
        self.meta
            .node(user, node.id)
            .await?
            .ok_or(VaultError::NotFound)
    }

    /// Before a node goes where `bind_old_records` does not look (the
    /// trash): the user's old records are bound first, if they are not yet.
    pub(super) async fn bind_before_trashing(
        &self,
        user: Uuid,
        umk: &Umk,
    ) -> Result<(), VaultError> {
        let root = self
            .meta
            .node(user, user)
            .await?
            .ok_or(VaultError::NotFound)?;
        if root.binding.is_none() {
            self.bind_all(user, &BindingKey::derive(umk)).await?;
        }
        Ok(())
    }

    /// Binds every live file record of the user's that has no binding, then
    /// marks the root.
    async fn bind_all(&self, user: Uuid, key: &BindingKey) -> Result<(), VaultError> {
        let mut bound = 0usize;
        for old in self.meta.all_nodes(user).await? {
            let Some(facts) = file_facts(&old).filter(|_| old.binding.is_none()) else {
                continue;
            };
            // `false`: it changed meanwhile, and a change binds it anyway.
            if self
                .meta
                .bind_node(user, old.id, old.object_id, &key.file(&facts))
                .await?
            {
                bound += 1;
            }
        }
        self.mark_all_bound(user, key).await?;
        tracing::info!(%user, bound, "old file records bound to their content");
        Ok(())
    }

    /// Marks the user's root: every file record of theirs carries a binding.
    async fn mark_all_bound(&self, user: Uuid, key: &BindingKey) -> Result<(), VaultError> {
        let mark = key.all_bound_mark(user.as_bytes());
        self.meta.bind_node(user, user, None, &mark).await?;
        Ok(())
    }
}
