//! A shared folder, for the link holder: browse it as it is now, download
//! one file in it, or all of it as a zip streamed in constant memory.
//! Only nodes that are under the shared folder in the live tree *and* have
//! an entry sealed under the share's key are shown: the tree says where
//! things are, the entries what they are called and how they open.

use std::collections::HashMap;
use std::sync::Arc;

use async_zip::tokio::write::ZipFileWriter;
use async_zip::{Compression, ZipEntryBuilder};
use bytes::Bytes;
use futures_util::StreamExt;
use futures_util::stream::LocalBoxStream;
use strongroom_shared::{DownloadUrl, NodeKind, PublicEntry, PublicListing};
use tokio::io::AsyncWriteExt;
use tokio_util::compat::FuturesAsyncWriteCompatExt;
use tokio_util::io::ReaderStream;
use unicode_normalization::UnicodeNormalization;
use uuid::Uuid;

use super::download::{Conditions, Download, DownloadError, KeySource, whole_plaintext};
use super::shared::{Link, Opened, Opens, counts_as_download};
use super::tree::order_key;
use super::{Vault, VaultError};
use crate::auth::tokens::DownloadFile;
use crate::crypto::keys::{ShareKey, SharedEntry, SharedFile};
use crate::store::meta::{NodeRecord, ShareRecord};
use crate::store::{BlobStore, ObjectKey};

/// Where zip URLs lead.
pub const ZIP_PATH: &str = "/api/v1/download/zip/";

/// Bytes between the zip writer and the answer: the zip's whole buffer.
const ZIP_PIPE: usize = 256 * 1024;

/// A shared folder as opened.
struct Folder {
    share: ShareRecord,
    name: String,
    key: ShareKey,
}

/// What one zip entry holds.
enum ZipItem {
    Folder(String),
    File { path: String, file: SharedFile },
}

/// A shared folder as a zip: its name and its bytes, produced as they are read.
pub struct ZipDownload {
    pub name: String,
    pub body: LocalBoxStream<'static, Result<Bytes, std::io::Error>>,
}

impl Vault {
    async fn open_folder(&self, link: Link<'_>) -> Result<Folder, VaultError> {
        match self.open_link(link).await? {
            Opened {
                share,
                opens: Opens::Folder { name, key },
            } => Ok(Folder { share, name, key }),
            Opened { .. } => Err(VaultError::NotAFolder),
        }
    }

    /// The children of `parent` that have entries, opened.
    async fn opened_children(
        &self,
        folder: &Folder,
        parent: Uuid,
    ) -> Result<Vec<(NodeRecord, SharedEntry)>, VaultError> {
        let children = self.meta.children(folder.share.user_id, parent).await?;
        let mut sealed: HashMap<Uuid, Vec<u8>> = HashMap::new();
        for chunk in children.chunks(100) {
            let ids: Vec<Uuid> = chunk.iter().map(|node| node.id).collect();
            sealed.extend(self.meta.share_entries(folder.share.id, &ids).await?);
        }
        let mut opened = Vec::with_capacity(children.len());
        for node in children {
            let Some(entry) = sealed.get(&node.id) else {
                continue; // not (yet) part of the share
            };
            let entry = folder
                .key
                .open_entry(folder.share.id, node.id, entry)
                .map_err(VaultError::Integrity)?;
            opened.push((node, entry));
        }
        Ok(opened)
    }

    /// The folder at `path` (names from the shared folder down).
    async fn shared_folder_at(
        &self,
        folder: &Folder,
        path: &str,
    ) -> Result<(Uuid, Vec<String>), VaultError> {
        let mut current = folder.share.node_id;
        let mut crumbs = vec![folder.name.clone()];
        for segment in path.split('/').filter(|s| !s.is_empty()) {
            let wanted: String = segment.nfc().collect();
            let next = self
                .opened_children(folder, current)
                .await?
                .into_iter()
                .find(|(_, entry)| matches!(entry, SharedEntry::Folder { name } if *name == wanted))
                .ok_or(VaultError::NotFound)?;
            current = next.0.id;
            crumbs.push(wanted);
        }
        Ok((current, crumbs))
    }

    /// A folder inside a shared folder (the shared folder itself for an empty path).
    pub async fn public_children(
        &self,
        link: Link<'_>,
        path: &str,
    ) -> Result<PublicListing, VaultError> {
        let folder = self.open_folder(link).await?;
        let (id, breadcrumbs) = self.shared_folder_at(&folder, path).await?;
        let mut items: Vec<PublicEntry> = self
            .opened_children(&folder, id)
            .await?
            .into_iter()
            .map(|(node, entry)| match entry {
                SharedEntry::Folder { name } => PublicEntry {
                    id: node.id,
                    kind: NodeKind::Folder,
                    name,
                    size: 0,
                    modified_at: node.modified_at,
                },
                SharedEntry::File(file) => PublicEntry {
                    id: node.id,
                    kind: NodeKind::File,
                    name: file.name,
                    size: file.size,
                    modified_at: node.modified_at,
                },
            })
            .collect();
        items.sort_by_cached_key(|item| order_key(item.kind, &item.name));
        Ok(PublicListing { breadcrumbs, items })
    }

    /// One file inside the shared folder, as it is now.
    async fn file_in(
        &self,
        folder: &Folder,
        id: Uuid,
    ) -> Result<(NodeRecord, SharedFile), VaultError> {
        let user = folder.share.user_id;
        let path = self.meta.ancestors(user, id).await?;
        let inside = path
            .iter()
            .rev()
            .skip(1)
            .any(|n| n.id == folder.share.node_id);
        let node = path
            .last()
            .filter(|_| inside)
            .cloned()
            .ok_or(VaultError::NotFound)?;
        let sealed = self.meta.share_entries(folder.share.id, &[id]).await?;
        let (_, sealed) = sealed.first().ok_or(VaultError::NotFound)?;
        match folder
            .key
            .open_entry(folder.share.id, id, sealed)
            .map_err(VaultError::Integrity)?
        {
            SharedEntry::File(file) if node.object_id == Some(file.object_id) => Ok((node, file)),
            SharedEntry::File(_) => Err(VaultError::NotFound),
            SharedEntry::Folder { .. } => Err(VaultError::NotAFile),
        }
    }

    /// One file's bytes (`Range` works), counted like a file share's.
    pub async fn public_entry_content(
        &self,
        link: Link<'_>,
        id: Uuid,
        conditions: Conditions<'_>,
        counted: bool,
    ) -> Result<Download, VaultError> {
        let folder = self.open_folder(link).await?;
        let (node, file) = self.file_in(&folder, id).await?;
        if counted
            && counts_as_download(&conditions)
            && !self.meta.count_download(folder.share.id).await?
        {
            return Err(VaultError::ShareNotFound);
        }
        let record = NodeRecord {
            size: file.size,
            object_id: Some(file.object_id),
            ..node
        };
        self.download(&record, file.name, KeySource::Dek(file.dek), conditions)
            .await
    }

    /// A one-minute URL for one file inside the shared folder (counted).
    pub async fn public_entry_download_url(
        &self,
        link: Link<'_>,
        id: Uuid,
    ) -> Result<DownloadUrl, VaultError> {
        let folder = self.open_folder(link).await?;
        let (node, file) = self.file_in(&folder, id).await?;
        if !self.meta.count_download(folder.share.id).await? {
            return Err(VaultError::ShareNotFound);
        }
        self.issue_download_url(&DownloadFile {
            user_id: folder.share.user_id,
            node_id: node.id,
            object_id: file.object_id,
            size: file.size,
            dek: &file.dek,
            name: &file.name,
        })
    }

    /// Everything in the shared folder, depth first, with paths.
    async fn zip_items(&self, folder: &Folder) -> Result<Vec<ZipItem>, VaultError> {
        let mut items = Vec::new();
        let mut pending = vec![(folder.share.node_id, String::new())];
        while let Some((id, prefix)) = pending.pop() {
            let mut children = self.opened_children(folder, id).await?;
            children.sort_by_cached_key(|(node, entry)| match entry {
                SharedEntry::Folder { name } => order_key(node.kind, name),
                SharedEntry::File(file) => order_key(node.kind, &file.name),
            });
            for (node, entry) in children {
                match entry {
                    SharedEntry::Folder { name } => {
                        let path = format!("{prefix}{}/", zip_name(&name));
                        items.push(ZipItem::Folder(path.clone()));
                        pending.push((node.id, path));
                    }
                    SharedEntry::File(file) if node.object_id == Some(file.object_id) => {
                        items.push(ZipItem::File {
                            path: format!("{prefix}{}", zip_name(&file.name)),
                            file,
                        });
                    }
                    SharedEntry::File(_) => {} // replaced since: its entry follows
                }
            }
        }
        Ok(items)
    }

    /// The whole shared folder as a zip (stored entries, written as the
    /// answer is read), counted as one download.
    pub async fn public_zip(
        &self,
        link: Link<'_>,
        counted: bool,
    ) -> Result<ZipDownload, VaultError> {
        let folder = self.open_folder(link).await?;
        self.zip_of(folder, counted).await
    }

    /// A one-minute URL for the zip, for a browser's plain link (which
    /// cannot carry the password header). Following it counts the download.
    pub async fn public_zip_url(&self, link: Link<'_>) -> Result<DownloadUrl, VaultError> {
        let folder = self.open_folder(link).await?;
        let now = time::OffsetDateTime::now_utc();
        let ttl = self.limits.download_url_ttl_secs;
        let token = self
            .tokens
            .issue_share_zip(folder.share.id, folder.key.as_key(), now, ttl)?;
        Ok(DownloadUrl {
            url: format!("{ZIP_PATH}{token}"),
            expires_at: (now + time::Duration::seconds(i64::try_from(ttl).unwrap_or(60)))
                .replace_nanosecond(0)
                .unwrap_or(now),
        })
    }

    /// Follows a zip URL: the share must still be live.
    pub async fn follow_zip_url(
        &self,
        token: &str,
        counted: bool,
    ) -> Result<ZipDownload, VaultError> {
        let (id, key) = self
            .tokens
            .verify_share_zip(token)
            .map_err(VaultError::Link)?;
        let share = self
            .meta
            .share(id)
            .await?
            .filter(|share| super::shared::live(share, time::OffsetDateTime::now_utc()))
            .ok_or(VaultError::ShareNotFound)?;
        let key = ShareKey::from_key(key);
        let name = key
            .open_folder(id, &share.sealed)
            .map_err(VaultError::Integrity)?;
        self.zip_of(Folder { share, name, key }, counted).await
    }

    async fn zip_of(&self, folder: Folder, counted: bool) -> Result<ZipDownload, VaultError> {
        let items = self.zip_items(&folder).await?;
        if counted && !self.meta.count_download(folder.share.id).await? {
            return Err(VaultError::ShareNotFound);
        }
        let (writer, reader) = tokio::io::duplex(ZIP_PIPE);
        let writing = write_zip(writer, self.blobs.clone(), folder.share.user_id, items);
        let share = folder.share.id;
        // The answer reads what the writer makes; the writer runs as the
        // answer is polled, so nothing outlives the connection.
        let writer_side = futures_util::stream::once(writing).filter_map(move |done| async move {
            done.err().map(|err| {
                tracing::error!(%share, error = %err, "zip aborted mid-stream");
                Err(std::io::Error::other(err.to_string()))
            })
        });
        let body =
            futures_util::stream::select(ReaderStream::new(reader), writer_side).boxed_local();
        Ok(ZipDownload {
            name: format!("{}.zip", folder.name),
            body,
        })
    }
}

/// A name as a zip entry's path segment. Names never hold `/` nor are `.`
/// or `..`, but may hold `\`, which some unzip tools on Windows take for a
/// separator: it becomes `_`, so no entry can climb out of the folder it
/// is unpacked into.
fn zip_name(name: &str) -> String {
    name.replace('\\', "_")
}

#[derive(Debug, thiserror::Error)]
enum ZipFailure {
    #[error(transparent)]
    Zip(#[from] async_zip::error::ZipError),
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Download(#[from] DownloadError),
}

async fn write_zip(
    out: tokio::io::DuplexStream,
    blobs: Arc<dyn BlobStore>,
    user: Uuid,
    items: Vec<ZipItem>,
) -> Result<(), ZipFailure> {
    let mut zip = ZipFileWriter::with_tokio(out);
    for item in items {
        match item {
            ZipItem::Folder(path) => {
                zip.write_entry_whole(ZipEntryBuilder::new(path.into(), Compression::Stored), &[])
                    .await?;
            }
            ZipItem::File { path, file } => {
                let entry = ZipEntryBuilder::new(path.into(), Compression::Stored);
                let mut writer = zip.write_entry_stream(entry).await?.compat_write();
                let key = ObjectKey::new(user, file.object_id);
                let mut plaintext =
                    whole_plaintext(blobs.clone(), key, file.dek, file.size).await?;
                while let Some(piece) = plaintext.next().await {
                    writer.write_all(&piece?).await?;
                }
                writer.into_inner().close().await?;
            }
        }
    }
    let mut out = zip.close().await?.into_inner();
    out.shutdown().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::zip_name;

    #[test]
    fn no_zip_entry_climbs_out() {
        assert_eq!(zip_name("..\\..\\evil.txt"), ".._.._evil.txt");
        assert_eq!(zip_name("plain (1).txt"), "plain (1).txt");
    }
}
