//! Streaming upload: request body → SRM1 encryptor → object store, then one
//! metadata commit that charges the quota. Memory stays at a few chunks
//! whatever the file size; a file is visible only after both steps succeed.

use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use strongroom_shared::{Node, NodeKind};
use tokio::sync::mpsc;
use uuid::Uuid;

use super::Names;
use super::binding::file_facts;
use super::running::Ticket;
use super::tree::now;
use super::{Vault, VaultError};
use crate::auth::Caller;
use crate::buffers::Recycler;
use crate::crypto::keys::BindingKey;
use crate::crypto::srm1::{
    BufferedEncryptor, CIPHER_CHUNK_LEN, Encryptor, HEADER_LEN, ciphertext_len,
};
use crate::store::meta::{FileCommit, NodeRecord};
use crate::store::{Conflict, ObjectKey, StoreError};

/// Ciphertext pieces in flight between the encryptor and the store.
const PIPELINE_DEPTH: usize = 2;

/// Ciphertext is handed to the store in pieces of this size (eight chunks),
/// so memory per upload stays near PIPELINE_DEPTH × 512 KiB (plus what the
/// store queues). Each hand-off wakes the store's writer thread: pieces of
/// 256 KiB (four deep) cost ~5% more CPU per upload for the same memory.
const HAND_OFF_BYTES: usize = 8 * CIPHER_CHUNK_LEN;

/// Commits tried when the file being replaced keeps changing meanwhile.
const COMMIT_ATTEMPTS: usize = 3;

pub struct Uploaded {
    pub node: Node,
    /// An existing file of that name was replaced.
    pub replaced: bool,
}

/// Where an upload goes.
pub struct Target {
    pub parent_id: Uuid,
    /// Already checked and NFC-normalised.
    pub name: String,
    pub overwrite: bool,
}

/// Why a request body stopped before its end.
#[derive(Debug, thiserror::Error)]
pub enum BodyStop {
    /// The client went away, or sent something that is not a body.
    #[error("{0}")]
    Broken(String),
    /// It came too slowly, or stalled (`limits.body_*`).
    #[error("the body arrived too slowly")]
    TooSlow,
}

/// Why the body stopped flowing into the store.
enum PumpError {
    Refused(VaultError),
    /// The store stopped reading: its own error says why.
    StoreGone,
}

/// How much an upload may still grow: the smaller of the upload limit and the
/// quota left (counting the size of a file it replaces).
#[derive(Clone, Copy)]
struct Allowance {
    max_upload: u64,
    room: u64,
}

impl Allowance {
    /// `len` bytes so far (or announced): within the upload limit, and held
    /// from the account's room next to its other running uploads.
    fn take(self, len: u64, ticket: &mut Ticket) -> Result<(), VaultError> {
        if len > self.max_upload {
            return Err(VaultError::UploadTooLarge {
                limit: self.max_upload,
            });
        }
        if len > self.room {
            return Err(VaultError::QuotaExceeded);
        }
        ticket.hold(len, self.room)
    }
}

impl Vault {
    pub async fn upload<S>(
        &self,
        caller: &Caller,
        target: Target,
        declared_len: Option<u64>,
        body: S,
    ) -> Result<Uploaded, VaultError>
    where
        S: Stream<Item = Result<Bytes, BodyStop>> + Unpin,
    {
        match self
            .store_and_commit(caller, target, declared_len, body)
            .await
        {
            Err(VaultError::QuotaExceeded) => Err(self.what_frees_space(caller).await),
            other => other,
        }
    }

    /// A quota refusal that says what the owner could free, when the trash
    /// or earlier versions hold anything.
    async fn what_frees_space(&self, caller: &Caller) -> VaultError {
        match self.meta.usage(caller.user_id).await {
            Ok(usage) if usage.trash_bytes > 0 || usage.version_bytes > 0 => {
                VaultError::QuotaExceededFreeable {
                    trash_bytes: usage.trash_bytes,
                    version_bytes: usage.version_bytes,
                }
            }
            _ => VaultError::QuotaExceeded,
        }
    }

    async fn store_and_commit<S>(
        &self,
        caller: &Caller,
        target: Target,
        declared_len: Option<u64>,
        body: S,
    ) -> Result<Uploaded, VaultError>
    where
        S: Stream<Item = Result<Bytes, BodyStop>> + Unpin,
    {
        let mut ticket = self
            .running
            .start(caller.user_id, self.limits.uploads_per_account)?;
        let allowance = self.allowance(caller, &target).await?;
        if let Some(len) = declared_len {
            allowance.take(len, &mut ticket)?;
        }
        let object_id = Uuid::new_v4();
        let size = self
            .store_encrypted(
                caller,
                object_id,
                declared_len,
                (allowance, &mut ticket),
                body,
            )
            .await?;
        self.commit(caller, target, object_id, size).await
    }

    /// Early refusals, before a byte is stored (the commit re-checks
    /// atomically): a folder to go into, a free name or one to replace, room.
    async fn allowance(&self, caller: &Caller, target: &Target) -> Result<Allowance, VaultError> {
        self.folder(caller, target.parent_id).await?;
        let name_mac = Names::new(&caller.umk).mac(target.parent_id, &target.name);
        let existing = self
            .meta
            .child_by_mac(caller.user_id, target.parent_id, &name_mac)
            .await?;
        // A replaced content kept as a version stays counted.
        let replaced_size = match &existing {
            Some(old)
                if target.overwrite
                    && old.kind == NodeKind::File
                    && self.limits.versions_kept > 0 =>
            {
                0
            }
            Some(old) if target.overwrite && old.kind == NodeKind::File => old.size,
            Some(_) => return Err(VaultError::NameTaken),
            None => 0,
        };
        let user = self
            .meta
            .user_by_id(caller.user_id)
            .await?
            .ok_or(VaultError::NotFound)?;
        Ok(Allowance {
            max_upload: self.limits.max_upload_bytes,
            room: (user.quota_bytes + replaced_size).saturating_sub(user.used_bytes),
        })
    }

    /// Streams the body through the encryptor into the object store and
    /// returns the plaintext size. On any failure nothing is left behind.
    async fn store_encrypted<S>(
        &self,
        caller: &Caller,
        object_id: Uuid,
        declared_len: Option<u64>,
        allowance: (Allowance, &mut Ticket),
        body: S,
    ) -> Result<u64, VaultError>
    where
        S: Stream<Item = Result<Bytes, BodyStop>> + Unpin,
    {
        let key = ObjectKey::new(caller.user_id, object_id);
        let ct_len = declared_len.map(ciphertext_len).transpose()?;
        let (tx, rx) = mpsc::channel::<Result<Bytes, StoreError>>(PIPELINE_DEPTH);
        let store_input = futures_util::stream::unfold(rx, |mut rx| async move {
            rx.recv().await.map(|item| (item, rx))
        })
        .boxed();
        let put = self.blobs.put(&key, ct_len, store_input);
        let encryptor = Encryptor::new(
            &caller.umk,
            caller.user_id.into_bytes(),
            object_id.into_bytes(),
        );
        let pump = async move {
            let result = pump(body, encryptor, &tx, declared_len, allowance).await;
            if result.is_err() {
                // Tell the store to abandon what it has; it cleans up after itself.
                let _ = tx.send(Err(StoreError::Abandoned)).await;
            }
            result
        };
        match tokio::join!(pump, put) {
            (Ok(size), Ok(())) => Ok(size),
            (Err(PumpError::Refused(err)), stored) => {
                if stored.is_ok() {
                    let _ = self.blobs.delete(&key).await;
                }
                Err(err)
            }
            (_, Err(err)) => Err(err.into()),
            (Err(PumpError::StoreGone), Ok(())) => {
                let _ = self.blobs.delete(&key).await;
                Err(VaultError::Internal("the store stopped reading".to_owned()))
            }
        }
    }

    /// Makes the stored object visible as the target file, atomically with
    /// the quota charge; a replaced file's old object goes.
    async fn commit(
        &self,
        caller: &Caller,
        target: Target,
        object_id: Uuid,
        size: u64,
    ) -> Result<Uploaded, VaultError> {
        let max_nodes = self.limits.nodes_per_account;
        let mut committed = Err(StoreError::Conflict(Conflict::Id));
        // The record's binding names its node, so it is made for the file
        // being replaced, if any: when that changes before the commit, the
        // store refuses (`Conflict(Id)`) and the record is made again.
        for _ in 0..COMMIT_ATTEMPTS {
            let record = self.file_record(caller, &target, object_id, size).await?;
            committed = self
                .meta
                .commit_file(
                    &record,
                    target.overwrite,
                    max_nodes,
                    self.limits.versions_kept,
                )
                .await;
            if !matches!(committed, Err(StoreError::Conflict(Conflict::Id))) {
                break;
            }
        }
        let (node, replaced) = match committed {
            Ok(FileCommit::Created(node)) => {
                self.shares_follow(caller, &node, None).await;
                (node, false)
            }
            Ok(FileCommit::Replaced { node, released }) => {
                self.delete_objects(caller.user_id, released).await;
                self.shares_follow(caller, &node, None).await;
                (node, true)
            }
            Err(err) => {
                // Not committed: the object must not outlive this request.
                self.delete_objects(caller.user_id, vec![object_id]).await;
                return Err(match err {
                    StoreError::NodeLimit => VaultError::NodeLimit { max: max_nodes },
                    other => other.into(),
                });
            }
        };
        self.listings
            .file_committed(caller.user_id, &caller.umk, target.parent_id);
        Ok(Uploaded {
            node: super::names::wire(&node, target.name),
            replaced,
        })
    }

    /// The record of an uploaded object, bound to it: with the id of the file
    /// it replaces, or a new one.
    async fn file_record(
        &self,
        caller: &Caller,
        target: &Target,
        object_id: Uuid,
        size: u64,
    ) -> Result<NodeRecord, VaultError> {
        let names = Names::new(&caller.umk);
        let replaced = match target.overwrite {
            true => self
                .meta
                .child_by_mac(
                    caller.user_id,
                    target.parent_id,
                    &names.mac(target.parent_id, &target.name),
                )
                .await?
                .filter(|old| old.kind == NodeKind::File),
            false => None,
        };
        // The replaced content becomes a version that keeps its binding: a
        // record from before bindings gets one first.
        if let Some(old) = replaced.as_ref().filter(|old| old.binding.is_none()) {
            self.verified(old, &caller.umk).await?;
        }
        let id = replaced.map_or_else(Uuid::now_v7, |old| old.id);
        let (name_ct, name_mac) = names.seal(id, target.parent_id, &target.name);
        let at = now();
        let mut record = NodeRecord {
            id,
            user_id: caller.user_id,
            parent_id: Some(target.parent_id),
            kind: NodeKind::File,
            name_ct,
            name_mac,
            size,
            object_id: Some(object_id),
            created_at: at,
            modified_at: at,
            binding: None,
        };
        record.binding =
            file_facts(&record).map(|facts| BindingKey::derive(&caller.umk).file(&facts));
        Ok(record)
    }
}

/// Body → encryptor → the store's channel, checking the size as it grows.
async fn pump<S>(
    mut body: S,
    encryptor: Encryptor,
    tx: &mpsc::Sender<Result<Bytes, StoreError>>,
    declared_len: Option<u64>,
    (allowance, ticket): (Allowance, &mut Ticket),
) -> Result<u64, PumpError>
where
    S: Stream<Item = Result<Bytes, BodyStop>> + Unpin,
{
    // Every buffer in flight, and one being filled, can come back. A buffer
    // is handed off as soon as a sealed chunk takes it to HAND_OFF_BYTES, so
    // it never holds more than that and the header; a small file announced
    // by its length gets a buffer of its own size (it grows if the body is
    // longer, which is refused anyway).
    let most = HEADER_LEN + HAND_OFF_BYTES;
    let capacity = declared_len
        .and_then(|len| ciphertext_len(len).ok())
        .and_then(|len| usize::try_from(len).ok())
        .map_or(most, |len| len.min(most));
    let buffers = Recycler::new(PIPELINE_DEPTH + 2, capacity);
    let mut encryptor = BufferedEncryptor::new(encryptor, buffers.buffer());
    let mut received = 0u64;
    while let Some(piece) = body.next().await {
        let piece = piece.map_err(|stop| {
            tracing::info!(error = %stop, "upload body ended early");
            PumpError::Refused(match stop {
                BodyStop::TooSlow => VaultError::BodyTooSlow,
                BodyStop::Broken(_) => VaultError::IncompleteUpload,
            })
        })?;
        received += piece.len() as u64;
        crate::metrics::uploaded(piece.len() as u64);
        allowance
            .take(received, ticket)
            .map_err(PumpError::Refused)?;
        // Hand over in large pieces: request bodies arrive in small ones, and
        // every hand-off and write has a fixed cost.
        let mut rest = &piece[..];
        while !rest.is_empty() {
            rest = encryptor
                .push(rest, HAND_OFF_BYTES)
                .map_err(|err| PumpError::Refused(err.into()))?;
            if encryptor.sealed_len() >= HAND_OFF_BYTES {
                let full = encryptor.take_sealed(buffers.buffer());
                tx.send(Ok(buffers.bytes(full)))
                    .await
                    .map_err(|_| PumpError::StoreGone)?;
            }
        }
    }
    if declared_len.is_some_and(|len| len != received) {
        return Err(PumpError::Refused(VaultError::IncompleteUpload));
    }
    let last = encryptor
        .finish()
        .map_err(|err| PumpError::Refused(err.into()))?;
    tx.send(Ok(buffers.bytes(last)))
        .await
        .map_err(|_| PumpError::StoreGone)?;
    Ok(received)
}
