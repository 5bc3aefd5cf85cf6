//! Short-lived download URLs for browsers, which cannot put a bearer header on
//! a plain link. The token carries one object's DEK (wrapped under the token
//! secret), never the UMK: a leaked URL opens one file, for about a minute.

use strongroom_shared::DownloadUrl;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use super::download::{Conditions, Download, KeySource};
use super::{Names, Vault, VaultError};
use crate::auth::Caller;
use crate::auth::tokens::DownloadFile;
use crate::crypto::CryptoError;
use crate::crypto::keys::Dek;
use crate::crypto::srm1::Decryptor;
use crate::store::ObjectKey;

pub const DOWNLOAD_PATH: &str = "/api/v1/download/";

impl Vault {
    /// A download URL for one file of the caller's.
    pub async fn download_url(&self, caller: &Caller, id: Uuid) -> Result<DownloadUrl, VaultError> {
        let node = self.node(caller, id).await?;
        let node = self.verified(&node, &caller.umk).await?;
        let object_id = node.object_id.ok_or(VaultError::NotAFile)?;
        let name = Names::new(&caller.umk).open(&node)?;
        let dek = self.object_dek(caller, object_id).await?;
        self.issue_download_url(&DownloadFile {
            user_id: caller.user_id,
            node_id: node.id,
            object_id,
            size: node.size,
            dek: &dek,
            name: &name,
        })
    }

    /// The data key of one of the caller's objects, out of the object's own
    /// header, checked like any download.
    pub(super) async fn object_dek(
        &self,
        caller: &Caller,
        object_id: Uuid,
    ) -> Result<Dek, VaultError> {
        let header = self
            .read_header(&ObjectKey::new(caller.user_id, object_id))
            .await?;
        let decryptor = Decryptor::new(
            &header,
            &caller.umk,
            caller.user_id.into_bytes(),
            Some(object_id.into_bytes()),
        )
        .map_err(VaultError::Integrity)?;
        Ok(Dek::from_bytes(*decryptor.dek().as_bytes()))
    }

    /// A short-lived URL for one file, whoever vouched for it.
    pub(super) fn issue_download_url(
        &self,
        file: &DownloadFile<'_>,
    ) -> Result<DownloadUrl, VaultError> {
        let now = OffsetDateTime::now_utc();
        let ttl = self.limits.download_url_ttl_secs;
        let token = self.tokens.issue_download(file, now, ttl)?;
        Ok(DownloadUrl {
            url: format!("{DOWNLOAD_PATH}{token}"),
            expires_at: (now + Duration::seconds(i64::try_from(ttl).unwrap_or(60)))
                .replace_nanosecond(0)
                .unwrap_or(now),
        })
    }

    /// Follows a download URL. The file must still be the one the URL was made for.
    pub async fn follow_download_url(
        &self,
        token: &str,
        conditions: Conditions<'_>,
    ) -> Result<Download, VaultError> {
        let grant = self
            .tokens
            .verify_download(token)
            .map_err(VaultError::Link)?;
        let file = self
            .meta
            .node(grant.user_id, grant.node_id)
            .await?
            .ok_or(VaultError::NotFound)?;
        // The URL names the file's current content or one of its versions.
        let node = if file.object_id == Some(grant.object_id) {
            file
        } else {
            let version = self
                .meta
                .versions(grant.user_id, grant.node_id)
                .await?
                .into_iter()
                .find(|v| v.object_id == grant.object_id)
                .ok_or(VaultError::NotFound)?;
            super::versions::as_it_was(&file, &version)
        };
        if node.size != grant.size {
            // Same object, another size: the record was edited since.
            tracing::error!(user = %node.user_id, node = %node.id, "file record changed under a download URL");
            return Err(VaultError::Integrity(CryptoError::RecordBinding));
        }
        self.download(&node, grant.name, KeySource::Dek(grant.dek), conditions)
            .await
    }
}
