//! Earlier contents of files: an overwrite keeps the replaced content as a
//! version (`versions_kept` of them, oldest dropped first). Each is an object
//! like any other, its data key in its own header, and its record keeps the
//! binding the file had with that content, checked before a byte is served.

use strongroom_shared::{DownloadUrl, Node, NodeKind, Version, VersionList};
use uuid::Uuid;

use super::download::{Conditions, Download, KeySource};
use super::tree::now;
use super::{Names, Vault, VaultError};
use crate::auth::Caller;
use crate::auth::tokens::DownloadFile;
use crate::store::StoreError;
use crate::store::meta::{NodeRecord, VersionRecord};

/// The file record as it was with that content: what a download of the
/// version checks and serves.
pub(super) fn as_it_was(file: &NodeRecord, version: &VersionRecord) -> NodeRecord {
    NodeRecord {
        object_id: Some(version.object_id),
        size: version.size,
        modified_at: version.created_at,
        binding: version.binding,
        ..file.clone()
    }
}

fn wire(version: &VersionRecord) -> Version {
    Version {
        id: version.id,
        size: version.size,
        created_at: version.created_at,
    }
}

impl Vault {
    /// A live file of the caller's.
    async fn file(&self, caller: &Caller, id: Uuid) -> Result<NodeRecord, VaultError> {
        let node = self.node(caller, id).await?;
        if node.kind != NodeKind::File {
            return Err(VaultError::NotAFile);
        }
        Ok(node)
    }

    /// A live file and one of its versions.
    async fn file_version(
        &self,
        caller: &Caller,
        file_id: Uuid,
        version_id: Uuid,
    ) -> Result<(NodeRecord, VersionRecord), VaultError> {
        let file = self.file(caller, file_id).await?;
        let version = self
            .meta
            .versions(caller.user_id, file_id)
            .await?
            .into_iter()
            .find(|v| v.id == version_id)
            .ok_or(VaultError::VersionNotFound)?;
        Ok((file, version))
    }

    /// The versions of a file of the caller's, newest first.
    pub async fn versions(
        &self,
        caller: &Caller,
        file_id: Uuid,
    ) -> Result<VersionList, VaultError> {
        self.file(caller, file_id).await?;
        let items = self.meta.versions(caller.user_id, file_id).await?;
        Ok(VersionList {
            items: items.iter().map(wire).collect(),
        })
    }

    /// A version's bytes, under the file's current name; checked against the
    /// binding it was stored with (a version without one was altered: every
    /// file is bound before it is overwritten).
    pub async fn version_download(
        &self,
        caller: &Caller,
        file_id: Uuid,
        version_id: Uuid,
        conditions: Conditions<'_>,
    ) -> Result<Download, VaultError> {
        let (file, version) = self.file_version(caller, file_id, version_id).await?;
        let name = Names::new(&caller.umk).open(&file)?;
        let record = self.verified_version(&file, &version, caller).await?;
        self.download(&record, name, KeySource::Umk(&caller.umk), conditions)
            .await
    }

    /// The record of a version, held to its binding.
    async fn verified_version(
        &self,
        file: &NodeRecord,
        version: &VersionRecord,
        caller: &Caller,
    ) -> Result<NodeRecord, VaultError> {
        let record = as_it_was(file, version);
        if record.binding.is_none() {
            return Err(super::binding::altered(&record, "version without binding"));
        }
        self.verified(&record, &caller.umk).await
    }

    /// A short-lived URL that downloads one version without a header.
    pub async fn version_download_url(
        &self,
        caller: &Caller,
        file_id: Uuid,
        version_id: Uuid,
    ) -> Result<DownloadUrl, VaultError> {
        let (file, version) = self.file_version(caller, file_id, version_id).await?;
        let record = self.verified_version(&file, &version, caller).await?;
        let name = Names::new(&caller.umk).open(&file)?;
        let dek = self.object_dek(caller, version.object_id).await?;
        self.issue_download_url(&DownloadFile {
            user_id: caller.user_id,
            node_id: record.id,
            object_id: version.object_id,
            size: record.size,
            dek: &dek,
            name: &name,
        })
    }

    /// Makes a version the file's content again; the current content
    /// becomes a version in turn.
    pub async fn restore_version(
        &self,
        caller: &Caller,
        file_id: Uuid,
        version_id: Uuid,
    ) -> Result<Node, VaultError> {
        let (file, version) = self.file_version(caller, file_id, version_id).await?;
        // Nothing unverified becomes the file's content.
        self.verified_version(&file, &version, caller).await?;
        let (node, released) = self
            .meta
            .restore_version(
                caller.user_id,
                file_id,
                version_id,
                self.limits.versions_kept.max(1),
                now(),
            )
            .await
            .map_err(|err| match err {
                StoreError::NotFound => VaultError::VersionNotFound,
                other => other.into(),
            })?;
        self.delete_objects(caller.user_id, released).await;
        // File shares open the current content: they follow it.
        self.shares_follow(caller, &node, None).await;
        Names::new(&caller.umk).to_wire(&node)
    }

    /// Deletes one version for good.
    pub async fn delete_version(
        &self,
        caller: &Caller,
        file_id: Uuid,
        version_id: Uuid,
    ) -> Result<(), VaultError> {
        self.file(caller, file_id).await?;
        let object = self
            .meta
            .delete_version(caller.user_id, file_id, version_id)
            .await
            .map_err(|err| match err {
                StoreError::NotFound => VaultError::VersionNotFound,
                other => other.into(),
            })?;
        self.delete_objects(caller.user_id, vec![object]).await;
        Ok(())
    }
}
