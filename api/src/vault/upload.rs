//! Streaming upload: request body → SRM1 encryptor → object store, then one
//! metadata commit that charges the quota. Memory stays at a few chunks
//! whatever the file size; a file is visible only after both steps succeed.

use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use strongroom_shared::{Node, NodeKind};
use tokio::sync::mpsc;
use uuid::Uuid;

use super::Names;
use super::tree::{self, now};
use crate::app::AppState;
use crate::auth::AuthUser;
use crate::crypto::srm1::{CIPHER_CHUNK_LEN, Encryptor, ciphertext_len};
use crate::error::ApiError;
use crate::store::meta::{FileCommit, NodeRecord};
use crate::store::{ObjectKey, StoreError};

/// Ciphertext pieces in flight between the encryptor and the store.
const PIPELINE_DEPTH: usize = 4;
/// Ciphertext is handed to the store in pieces of about this size (four
/// chunks), so memory per upload stays near PIPELINE_DEPTH × 256 KiB.
const HAND_OFF_BYTES: usize = 4 * CIPHER_CHUNK_LEN;

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

/// Why the body stopped flowing into the store.
enum PumpError {
    Api(ApiError),
    /// The store stopped reading: its own error says why.
    StoreGone,
}

pub async fn upload<S, E>(
    state: &AppState,
    auth: &AuthUser,
    target: Target,
    declared_len: Option<u64>,
    body: S,
) -> Result<Uploaded, ApiError>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    let names = Names::new(&auth.umk);
    tree::folder(state, auth, target.parent_id).await?;
    let name_mac = names.mac(target.parent_id, &target.name);
    // Early refusals, before a byte is stored; the commit re-checks atomically.
    let existing = state
        .meta
        .child_by_mac(auth.user_id, target.parent_id, &name_mac)
        .await?;
    let replaced_size = match &existing {
        Some(old) if target.overwrite && old.kind == NodeKind::File => old.size,
        Some(_) => return Err(tree::tree_error(StoreError::Conflict("name"))),
        None => 0,
    };
    let user = state
        .meta
        .user_by_id(auth.user_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let room = (user.quota_bytes + replaced_size).saturating_sub(user.used_bytes);
    let max_upload = state.config.max_upload_bytes;
    let check = |len: u64| {
        if len > max_upload {
            Err(ApiError::UploadTooLarge { limit: max_upload })
        } else if len > room {
            Err(ApiError::QuotaExceeded)
        } else {
            Ok(())
        }
    };
    if let Some(len) = declared_len {
        check(len)?;
    }

    let object_id = Uuid::new_v4();
    let key = ObjectKey::new(auth.user_id, object_id);
    let ct_len = declared_len.map(ciphertext_len).transpose()?;
    let (tx, rx) = mpsc::channel::<Result<Bytes, StoreError>>(PIPELINE_DEPTH);
    let store_input = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    })
    .boxed();
    let put = state.blobs.put(&key, ct_len, store_input);

    let umk = &auth.umk;
    let user_id = auth.user_id;
    let pump = async move {
        let mut body = body;
        let mut encryptor = Encryptor::new(umk, user_id.into_bytes(), object_id.into_bytes());
        let mut received = 0u64;
        let mut out = Vec::new();
        let result: Result<u64, PumpError> = async {
            while let Some(piece) = body.next().await {
                let piece = piece.map_err(|err| {
                    tracing::info!(error = %err, "upload body ended early");
                    PumpError::Api(ApiError::IncompleteUpload)
                })?;
                received += piece.len() as u64;
                check(received).map_err(PumpError::Api)?;
                encryptor
                    .update(&piece, &mut out)
                    .map_err(|err| PumpError::Api(err.into()))?;
                // Hand over in large pieces: request bodies arrive in small
                // ones, and every hand-off and write has a fixed cost.
                if out.len() >= HAND_OFF_BYTES {
                    tx.send(Ok(Bytes::from(std::mem::replace(
                        &mut out,
                        Vec::with_capacity(HAND_OFF_BYTES + CIPHER_CHUNK_LEN),
                    ))))
                    .await
                    .map_err(|_| PumpError::StoreGone)?;
                }
            }
            if declared_len.is_some_and(|len| len != received) {
                return Err(PumpError::Api(ApiError::IncompleteUpload));
            }
            encryptor
                .finish(&mut out)
                .map_err(|err| PumpError::Api(err.into()))?;
            tx.send(Ok(Bytes::from(out)))
                .await
                .map_err(|_| PumpError::StoreGone)?;
            Ok(received)
        }
        .await;
        if result.is_err() {
            // Tell the store to abandon what it has; it cleans up after itself.
            let _ = tx
                .send(Err(StoreError::Corrupt("upload abandoned".to_owned())))
                .await;
        }
        result
    };
    let (pumped, stored) = tokio::join!(pump, put);
    let size = match (pumped, stored) {
        (Ok(size), Ok(())) => size,
        (Err(PumpError::Api(err)), stored) => {
            if stored.is_ok() {
                let _ = state.blobs.delete(&key).await;
            }
            return Err(err);
        }
        (_, Err(err)) => return Err(err.into()),
        (Err(PumpError::StoreGone), Ok(())) => {
            let _ = state.blobs.delete(&key).await;
            return Err(ApiError::internal(StoreError::Corrupt(
                "store stopped reading".to_owned(),
            )));
        }
    };

    let id = Uuid::now_v7();
    let (name_ct, name_mac) = names.seal(id, target.parent_id, &target.name);
    let at = now();
    let record = NodeRecord {
        id,
        user_id: auth.user_id,
        parent_id: Some(target.parent_id),
        kind: NodeKind::File,
        name_ct,
        name_mac,
        size,
        object_id: Some(object_id),
        created_at: at,
        modified_at: at,
    };
    match state.meta.commit_file(&record, target.overwrite).await {
        Ok(FileCommit::Created(node)) => Ok(Uploaded {
            node: super::names::wire(&node, target.name),
            replaced: false,
        }),
        Ok(FileCommit::Replaced {
            node,
            old_object_id,
        }) => {
            tree::delete_objects(state, auth.user_id, vec![old_object_id]).await;
            Ok(Uploaded {
                node: super::names::wire(&node, target.name),
                replaced: true,
            })
        }
        Err(err) => {
            // Not committed: the object must not outlive this request.
            tree::delete_objects(state, auth.user_id, vec![object_id]).await;
            Err(tree::tree_error(err))
        }
    }
}
