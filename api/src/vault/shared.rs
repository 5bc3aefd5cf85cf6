//! Share links, the link holder's side: what a link opens, and its bytes.
//! Every way a link can fail to open — never made, wrong secret, expired,
//! revoked, out of downloads, its file gone — answers the same
//! `ShareNotFound`; only a password problem is told apart.

use strongroom_shared::{DownloadUrl, NodeKind, PublicShare};
use time::OffsetDateTime;

use super::download::{Conditions, Download, KeySource};
use super::{Vault, VaultError};
use crate::auth::tokens::DownloadFile;
use crate::crypto::keys::{ShareKey, ShareSecret, SharedFile};
use crate::store::meta::{NodeRecord, ShareRecord};

/// A link as presented: its token, and the password header if any.
#[derive(Clone, Copy, Debug)]
pub struct Link<'a> {
    pub token: &'a str,
    pub password: Option<&'a str>,
}

/// An opened link: its record and what it opens.
pub(super) struct Opened {
    pub(super) share: ShareRecord,
    pub(super) opens: Opens,
}

pub(super) enum Opens {
    File(SharedFile),
    /// The shared folder's name, and the key its entries open with.
    Folder {
        name: String,
        key: ShareKey,
    },
}

impl Opened {
    /// What a file share opens; a folder share's link has no content of its own.
    fn file(self) -> Result<(ShareRecord, SharedFile), VaultError> {
        match self.opens {
            Opens::File(file) => Ok((self.share, file)),
            Opens::Folder { .. } => Err(VaultError::NotAFile),
        }
    }
}

fn live(share: &ShareRecord, at: OffsetDateTime) -> bool {
    share.expires_at.is_none_or(|end| at < end)
        && share.max_downloads.is_none_or(|max| share.downloads < max)
}

/// A download of the content counts against the limit; a later piece of
/// one (a range that does not start at 0) does not.
pub(super) fn counts_as_download(conditions: &Conditions<'_>) -> bool {
    conditions.range.is_none_or(|range| {
        range
            .trim()
            .strip_prefix("bytes=")
            .is_none_or(|spec| spec.trim_start().starts_with("0-") || spec.contains(','))
    })
}

impl Vault {
    /// The share behind a link, unlocked with its password when it has one.
    pub(super) async fn open_link(&self, link: Link<'_>) -> Result<Opened, VaultError> {
        let (id, secret) = ShareSecret::parse(link.token).ok_or(VaultError::ShareNotFound)?;
        let share = self
            .meta
            .share(id)
            .await?
            .filter(|share| secret.matches(&share.secret_hash))
            .filter(|share| live(share, OffsetDateTime::now_utc()))
            .ok_or(VaultError::ShareNotFound)?;
        let kek = match (&share.password, link.password) {
            (None, _) => None,
            (Some(_), None) => return Err(VaultError::SharePasswordRequired),
            (Some(stored), Some(given)) => {
                let params = crate::auth::stored_params(&stored.params)
                    .map_err(|_| VaultError::Internal("share password parameters".to_owned()))?;
                Some(
                    self.share_kek(given.to_owned(), stored.salt, params)
                        .await?,
                )
            }
        };
        let key =
            ShareKey::unwrap_for_link(&secret.link_key(kek.as_ref()), &share.link_wrapped_key, id)
                .map_err(|_| match kek {
                    Some(_) => VaultError::SharePasswordWrong,
                    None => VaultError::ShareNotFound,
                })?;
        let opens = match share.kind {
            NodeKind::File => Opens::File(
                key.open_file(id, &share.sealed)
                    .map_err(VaultError::Integrity)?,
            ),
            NodeKind::Folder => Opens::Folder {
                name: key
                    .open_folder(id, &share.sealed)
                    .map_err(VaultError::Integrity)?,
                key,
            },
        };
        Ok(Opened { share, opens })
    }

    /// What a link holder may know of what the link opens.
    pub async fn public_share(&self, link: Link<'_>) -> Result<PublicShare, VaultError> {
        let Opened { share, opens } = self.open_link(link).await?;
        let (kind, name, size) = match opens {
            Opens::File(file) => (NodeKind::File, file.name, file.size),
            Opens::Folder { name, .. } => (NodeKind::Folder, name, 0),
        };
        Ok(PublicShare {
            kind,
            name,
            size,
            expires_at: share.expires_at,
            downloads_left: share
                .max_downloads
                .map(|max| max.saturating_sub(share.downloads)),
            needs_password: share.password.is_some(),
        })
    }

    /// A one-minute download URL for the shared file (what a browser follows
    /// with a plain link, which cannot carry the password header); making
    /// it counts one download.
    pub async fn public_share_download_url(
        &self,
        link: Link<'_>,
    ) -> Result<DownloadUrl, VaultError> {
        let (share, file) = self.open_link(link).await?.file()?;
        let node = self.current_node(&share, &file).await?;
        if !self.meta.count_download(share.id).await? {
            return Err(VaultError::ShareNotFound);
        }
        self.issue_download_url(&DownloadFile {
            user_id: share.user_id,
            node_id: node.id,
            object_id: file.object_id,
            size: file.size,
            dek: &file.dek,
            name: &file.name,
        })
    }

    /// The shared node, while it still holds what the owner shared.
    pub(super) async fn current_node(
        &self,
        share: &ShareRecord,
        file: &SharedFile,
    ) -> Result<NodeRecord, VaultError> {
        self.meta
            .node(share.user_id, share.node_id)
            .await?
            .filter(|node| node.object_id == Some(file.object_id))
            .ok_or(VaultError::ShareNotFound)
    }

    /// A shared file's bytes, whole or a range, counted against the limit.
    /// The file must still be what the owner shared (a new upload re-seals
    /// the share; anything else is gone).
    pub async fn public_share_content(
        &self,
        link: Link<'_>,
        conditions: Conditions<'_>,
        counted: bool,
    ) -> Result<Download, VaultError> {
        let (share, file) = self.open_link(link).await?.file()?;
        let node = self.current_node(&share, &file).await?;
        if counted && counts_as_download(&conditions) && !self.meta.count_download(share.id).await?
        {
            return Err(VaultError::ShareNotFound);
        }
        // What the owner sealed, not what the record says now.
        let record = NodeRecord {
            size: file.size,
            object_id: Some(file.object_id),
            ..node
        };
        self.download(&record, file.name, KeySource::Dek(file.dek), conditions)
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_range(range: &str) -> bool {
        counts_as_download(&Conditions {
            range: Some(range),
            ..Conditions::default()
        })
    }

    #[test]
    fn only_downloads_from_the_start_count() {
        assert!(counts_as_download(&Conditions::default()));
        assert!(with_range("bytes=0-99"));
        assert!(with_range("bytes=0-"));
        assert!(with_range("bytes=0-1,5-9"));
        assert!(with_range("items=5-9"), "not a byte range: the whole file");
        assert!(!with_range("bytes=100-"));
        assert!(!with_range("bytes=-100"));
    }
}
