//! Share links, the owner's side: make one for a file, list them, revoke
//! them, and keep them following the file (a rename or a new upload under
//! the same name re-seals what the link opens). The link holder's side is
//! `shared.rs`. Keys: `crypto::keys::share` and docs/design.md §2.

use strongroom_shared::{
    CreateShareRequest, FieldError, MAX_SHARE_DOWNLOADS, NodeKind, SHARE_PAGE_PREFIX, Share,
    ShareList,
};
use time::OffsetDateTime;
use uuid::Uuid;

use super::names::Names;
use super::tree::now;
use super::{Vault, VaultError};
use crate::auth::Caller;
use crate::crypto::keys::{self, KdfParams, ShareKey, ShareSecret, SharedFile, Umk};
use crate::crypto::srm1::Decryptor;
use crate::store::ObjectKey;
use crate::store::meta::{NodeRecord, SharePassword, ShareRecord};

/// Longest share password, in bytes.
pub const MAX_SHARE_PASSWORD: usize = 1024;

fn invalid(field: &str, code: &str, message: &str) -> VaultError {
    VaultError::Invalid(vec![FieldError {
        field: field.to_owned(),
        code: code.to_owned(),
        message: message.to_owned(),
    }])
}

fn check_request(req: &CreateShareRequest, at: OffsetDateTime) -> Result<(), VaultError> {
    if req.expires_at.is_some_and(|when| when <= at) {
        return Err(invalid(
            "expires_at",
            "in_the_past",
            "the expiry must be in the future",
        ));
    }
    if req
        .password
        .as_ref()
        .is_some_and(|p| p.is_empty() || p.len() > MAX_SHARE_PASSWORD)
    {
        return Err(invalid(
            "password",
            "length",
            "a share password is 1 to 1024 bytes",
        ));
    }
    if req
        .max_downloads
        .is_some_and(|n| n == 0 || n > MAX_SHARE_DOWNLOADS)
    {
        return Err(invalid(
            "max_downloads",
            "range",
            "max_downloads is between 1 and 1,000,000",
        ));
    }
    Ok(())
}

/// The owner's view of a share; `token` only when it was just made.
fn owner_view(record: &ShareRecord, name: String, token: Option<String>) -> Share {
    Share {
        id: record.id,
        node_id: record.node_id,
        kind: record.kind,
        name,
        url: token.as_ref().map(|t| format!("{SHARE_PAGE_PREFIX}{t}")),
        token,
        expires_at: record.expires_at,
        max_downloads: record.max_downloads,
        downloads: record.downloads,
        has_password: record.password.is_some(),
        created_at: record.created_at,
    }
}

impl Vault {
    /// A share link for one of the caller's files or folders.
    pub async fn create_share(
        &self,
        caller: &Caller,
        node_id: Uuid,
        req: CreateShareRequest,
    ) -> Result<Share, VaultError> {
        let created_at = now();
        check_request(&req, created_at)?;
        let node = self.node(caller, node_id).await?;
        if node.parent_id.is_none() {
            // The whole vault is not shared by one link.
            return Err(VaultError::InvalidMove);
        }
        let id = Uuid::new_v4();
        let key = ShareKey::random();
        let (name, sealed) = match node.kind {
            NodeKind::File => {
                let (_, file) = self.shared_file(caller, &node).await?;
                (file.name.clone(), key.seal_file(id, &file))
            }
            NodeKind::Folder => {
                let name = Names::new(&caller.umk).open(&node)?;
                let sealed = key.seal_folder(id, &name);
                (name, sealed)
            }
        };
        let secret = ShareSecret::generate();
        let (password, kek) = match req.password {
            Some(password) => {
                let (salt, params) = (keys::random_salt(), self.limits.share_kdf);
                let kek = self.share_kek(password, salt, params).await?;
                let stored = SharePassword {
                    salt,
                    params: format!("m={},t={},p={}", params.m_kib, params.t, params.p),
                };
                (Some(stored), Some(kek))
            }
            None => (None, None),
        };
        let record = ShareRecord {
            id,
            user_id: caller.user_id,
            node_id: node.id,
            kind: node.kind,
            secret_hash: secret.hash(),
            link_wrapped_key: key.wrap_for_link(&secret.link_key(kek.as_ref()), id),
            owner_wrapped_key: key.wrap_for_owner(&caller.umk, id),
            password,
            sealed,
            expires_at: req.expires_at,
            max_downloads: req.max_downloads,
            downloads: 0,
            created_at,
        };
        self.meta.create_share(&record).await?;
        if node.kind == NodeKind::Folder
            && let Err(err) = self.fill_folder_share(caller, &key, &record).await
        {
            // Half a folder share is no share: take it back.
            self.meta.delete_share(caller.user_id, id).await?;
            return Err(err);
        }
        tracing::info!(user = %caller.user_id, share = %id, "share created");
        Ok(owner_view(&record, name, Some(secret.token(id))))
    }

    /// Argon2id of a share password, through the bounded key work.
    pub(super) async fn share_kek(
        &self,
        password: String,
        salt: [u8; 16],
        params: KdfParams,
    ) -> Result<keys::Kek, VaultError> {
        let password = zeroize::Zeroizing::new(password);
        Ok(self
            .key_work
            .run(move || {
                use unicode_normalization::UnicodeNormalization;
                let normalized = zeroize::Zeroizing::new(password.nfc().collect::<String>());
                Ok(keys::derive_kek(normalized.as_bytes(), &salt, params)?)
            })
            .await?)
    }

    /// What a link to `node` opens: its name, object, size and data key,
    /// taken from a record checked against its binding and from the
    /// object's own header.
    pub(super) async fn shared_file(
        &self,
        caller: &Caller,
        node: &NodeRecord,
    ) -> Result<(NodeRecord, SharedFile), VaultError> {
        let node = self.verified(node, &caller.umk).await?;
        let object_id = node.object_id.ok_or(VaultError::NotAFile)?;
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
        let file = SharedFile {
            name: Names::new(&caller.umk).open(&node)?,
            object_id,
            size: node.size,
            dek: keys::Dek::from_bytes(*decryptor.dek().as_bytes()),
        };
        Ok((node, file))
    }

    /// The caller's live shares, newest first, each with its file's name.
    pub async fn shares(&self, caller: &Caller) -> Result<ShareList, VaultError> {
        let names = Names::new(&caller.umk);
        let mut items = Vec::new();
        for record in self.meta.shares_of(caller.user_id).await? {
            let Some(node) = self.meta.node(caller.user_id, record.node_id).await? else {
                continue; // gone with its node
            };
            items.push(owner_view(&record, names.open(&node)?, None));
        }
        Ok(ShareList { items })
    }

    pub async fn revoke_share(&self, caller: &Caller, id: Uuid) -> Result<(), VaultError> {
        if !self.meta.delete_share(caller.user_id, id).await? {
            return Err(VaultError::ShareNotFound);
        }
        tracing::info!(user = %caller.user_id, share = %id, "share revoked");
        Ok(())
    }

    /// After the owner renamed `node` or stored a new version of it: every
    /// link to it opens the file as it is now. The owner's change stands
    /// either way; a link that could not follow it stops opening anything
    /// (its old object is gone), which is logged.
    pub(super) async fn shares_follow(
        &self,
        caller: &Caller,
        node: &NodeRecord,
        moved_from: Option<Uuid>,
    ) {
        let followed = match self.follow_shares(caller, node).await {
            Ok(()) => self.follow_folder_shares(caller, node, moved_from).await,
            Err(err) => Err(err),
        };
        if let Err(err) = followed {
            tracing::warn!(user = %caller.user_id, node = %node.id, error = %err, "shares did not follow a change");
        }
    }

    async fn follow_shares(&self, caller: &Caller, node: &NodeRecord) -> Result<(), VaultError> {
        let shares = self.meta.shares_of_node(caller.user_id, node.id).await?;
        if shares.is_empty() || node.kind != NodeKind::File {
            return Ok(());
        }
        let (_, file) = self.shared_file(caller, node).await?;
        for share in shares {
            let key = owner_key(&caller.umk, &share)?;
            let sealed = key.seal_file(share.id, &file);
            self.meta
                .reseal_share(caller.user_id, share.id, &sealed)
                .await?;
        }
        Ok(())
    }
}

fn owner_key(umk: &Umk, share: &ShareRecord) -> Result<ShareKey, VaultError> {
    ShareKey::unwrap_for_owner(umk, &share.owner_wrapped_key, share.id)
        .map_err(VaultError::Integrity)
}
