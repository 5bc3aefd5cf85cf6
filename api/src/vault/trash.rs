//! The trash: a delete moves a node (with everything below it) out of the
//! tree, where it stays, still counted against the quota, until the owner
//! restores it or purges it, or the sweeper purges it after
//! `trash_retention_days`. With a retention of 0 a delete is final at once.

use strongroom_shared::{Breadcrumb, Node, NodeKind, RestoreRequest, TrashItem, TrashListing};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use super::Names;
use super::tree::{now, parse_place};
use super::{Vault, VaultError};
use crate::auth::Caller;
use crate::store::StoreError;
use crate::store::meta::{NodeUpdate, TrashedRecord};

/// When the sweeper purges what was trashed at `at`.
pub fn purge_at(at: OffsetDateTime, retention_days: u32) -> OffsetDateTime {
    at + Duration::days(i64::from(retention_days))
}

impl Vault {
    /// Deletes a node: to the trash, or for good when the trash is off.
    pub async fn delete(&self, caller: &Caller, id: Uuid) -> Result<(), VaultError> {
        if self.limits.trash_retention_days == 0 {
            let objects = self.meta.delete_node(caller.user_id, id).await?;
            self.delete_objects(caller.user_id, objects).await;
            return Ok(());
        }
        self.bind_before_trashing(caller.user_id, &caller.umk)
            .await?;
        let trashed = self.meta.trash_node(caller.user_id, id, now()).await?;
        self.forget_in_folder_shares(caller, &trashed).await;
        Ok(())
    }

    /// What the folder shares above a trashed node knew of it and its
    /// subtree goes: their links show only the live tree anyway, and the
    /// entries hold names and data keys. A failure leaves entries no link
    /// reaches, so it is logged, not returned.
    async fn forget_in_folder_shares(&self, caller: &Caller, trashed: &TrashedRecord) {
        let Some(parent) = trashed.node.parent_id else {
            return;
        };
        let forgotten = async {
            let above: Vec<Uuid> = self
                .meta
                .ancestors(caller.user_id, parent)
                .await?
                .iter()
                .map(|n| n.id)
                .collect();
            let holders: Vec<_> = self
                .meta
                .shares_of(caller.user_id)
                .await?
                .into_iter()
                .filter(|share| share.kind == NodeKind::Folder && above.contains(&share.node_id))
                .collect();
            if holders.is_empty() {
                return Ok::<(), VaultError>(());
            }
            let mut gone: Vec<Uuid> = self
                .subtree(caller.user_id, trashed.node.id)
                .await?
                .iter()
                .map(|n| n.id)
                .collect();
            gone.push(trashed.node.id);
            for share in holders {
                self.meta.delete_share_entries(share.id, &gone).await?;
            }
            Ok(())
        };
        if let Err(err) = forgotten.await {
            tracing::warn!(user = %caller.user_id, node = %trashed.node.id, error = %err,
                "folder shares kept entries of a trashed node");
        }
    }

    /// The caller's trash, most recently deleted first.
    pub async fn trash(&self, caller: &Caller) -> Result<TrashListing, VaultError> {
        let names = Names::new(&caller.umk);
        let retention_days = self.limits.trash_retention_days;
        let mut items = Vec::new();
        for record in self.meta.trash(caller.user_id).await? {
            let original_path = match record.node.parent_id {
                Some(parent) => self
                    .meta
                    .ancestors(caller.user_id, parent)
                    .await?
                    .iter()
                    .map(|step| {
                        Ok(Breadcrumb {
                            id: step.id,
                            name: names.open(step)?,
                        })
                    })
                    .collect::<Result<Vec<_>, VaultError>>()?,
                None => Vec::new(),
            };
            items.push(TrashItem {
                id: record.node.id,
                kind: record.node.kind,
                name: names.open(&record.node)?,
                size: record.bytes,
                deleted_at: record.trashed_at,
                purge_at: purge_at(record.trashed_at, retention_days),
                original_path,
            });
        }
        Ok(TrashListing {
            items,
            retention_days,
        })
    }

    async fn trashed(&self, caller: &Caller, id: Uuid) -> Result<TrashedRecord, VaultError> {
        self.meta
            .trashed(caller.user_id, id)
            .await?
            .ok_or(VaultError::NotFound)
    }

    /// Puts a trashed node back: where it was (the root when that folder is
    /// gone) or where the request says, under its name or a new one.
    pub async fn restore(
        &self,
        caller: &Caller,
        id: Uuid,
        req: RestoreRequest,
    ) -> Result<Node, VaultError> {
        let (new_name, asked_parent) =
            parse_place(caller, req.name.as_deref(), req.parent_id.as_deref())?;
        let names = Names::new(&caller.umk);
        let trashed = self.trashed(caller, id).await?;
        let parent_id = match asked_parent {
            Some(parent) => self.folder(caller, parent).await?.id,
            None => self.original_folder(caller, &trashed).await?,
        };
        let name = match new_name {
            Some(name) => name,
            None => names.open(&trashed.node)?,
        };
        if trashed.node.kind == NodeKind::Folder {
            self.check_depth_after_move(caller, id, parent_id).await?;
        }
        let (name_ct, name_mac) = names.seal(id, parent_id, &name);
        let update = NodeUpdate {
            parent_id,
            name_ct,
            name_mac,
            modified_at: trashed.node.modified_at,
        };
        let restored = self
            .meta
            .restore_node(caller.user_id, id, &update)
            .await
            .map_err(|err| match err {
                StoreError::Conflict(_) => VaultError::RestoreNameTaken,
                other => other.into(),
            })?;
        // Coming back from outside every share: the folder shares above its
        // new place get entries for all of it.
        self.shares_follow(caller, &restored, Some(caller.user_id))
            .await;
        Ok(super::names::wire(&restored, name))
    }

    /// The folder a trashed node was deleted from while it is a live folder,
    /// else the root.
    async fn original_folder(
        &self,
        caller: &Caller,
        trashed: &TrashedRecord,
    ) -> Result<Uuid, VaultError> {
        let Some(parent) = trashed.node.parent_id else {
            return Ok(caller.user_id);
        };
        Ok(match self.meta.node(caller.user_id, parent).await? {
            Some(folder) if folder.kind == NodeKind::Folder => folder.id,
            _ => caller.user_id,
        })
    }

    /// Deletes one item of the trash for good.
    pub async fn purge(&self, caller: &Caller, id: Uuid) -> Result<(), VaultError> {
        let objects = self.meta.purge_node(caller.user_id, id).await?;
        self.delete_objects(caller.user_id, objects).await;
        Ok(())
    }

    /// Deletes everything in the trash for good.
    pub async fn empty_trash(&self, caller: &Caller) -> Result<(), VaultError> {
        for record in self.meta.trash(caller.user_id).await? {
            match self.meta.purge_node(caller.user_id, record.node.id).await {
                Ok(objects) => self.delete_objects(caller.user_id, objects).await,
                // Purged meanwhile (another request, the sweeper).
                Err(StoreError::NotFound) => {}
                Err(err) => return Err(err.into()),
            }
        }
        Ok(())
    }
}
