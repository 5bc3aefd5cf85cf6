//! A file opened for writing over WebDAV (PUT). dav-server hands the body
//! over piece by piece (`write_bytes`) and calls `flush` once at its end; the
//! vault's upload wants a stream. A bounded channel joins the two: the upload
//! runs as its own task reading from the channel, so memory stays at a few
//! pieces whatever the size, and a slow store slows the client down.
//!
//! The upload commits only when `flush` says the body ended. A file dropped
//! before that (the client went away, the body broke, or LOCK's `open` that
//! never writes) closes the channel without the end mark, which the upload
//! sees as a broken body: it aborts and nothing becomes visible.

use std::fmt;
use std::sync::Arc;

use bytes::Bytes;
use dav_server::fs::{DavFile, DavMetaData, FsError, FsFuture, FsResult};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use uuid::Uuid;

use super::fs::{Meta, fs_error};
use crate::auth::Caller;
use crate::state::AppState;
use crate::vault::VaultError;
use crate::vault::upload::{BodyStop, Target};

/// Body pieces buffered between dav-server and the upload task.
const CHANNEL_DEPTH: usize = 4;

enum Piece {
    Data(Bytes),
    /// The body ended: commit.
    End,
}

pub struct UploadFile {
    state: Arc<AppState>,
    caller: Arc<Caller>,
    sender: Option<mpsc::Sender<Piece>>,
    task: Option<JoinHandle<Result<Uuid, VaultError>>>,
    /// The committed file, once `flush` returned.
    committed: Option<Meta>,
}

impl fmt::Debug for UploadFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UploadFile")
            .field("committed", &self.committed.is_some())
            .finish_non_exhaustive()
    }
}

impl UploadFile {
    /// Starts the upload of `target`; `declared_len` (the request's
    /// `Content-Length`) lets the quota refuse it before a byte is stored.
    pub fn start(
        state: Arc<AppState>,
        caller: Arc<Caller>,
        target: Target,
        declared_len: Option<u64>,
    ) -> Self {
        let (sender, receiver) = mpsc::channel::<Piece>(CHANNEL_DEPTH);
        let body = Box::pin(futures_util::stream::unfold(
            Some(receiver),
            |receiver| async move {
                let mut receiver = receiver?;
                match receiver.recv().await {
                    Some(Piece::Data(bytes)) => Some((Ok(bytes), Some(receiver))),
                    Some(Piece::End) => None,
                    None => Some((
                        Err(BodyStop::Broken(
                            "the WebDAV body stopped before its end".to_owned(),
                        )),
                        None,
                    )),
                }
            },
        ));
        let task_state = state.clone();
        let task_caller = caller.clone();
        // A local task: see `fs::on_worker`.
        let task = tokio::task::spawn_local(async move {
            let uploaded = task_state
                .vault
                .upload(&task_caller, target, declared_len, body)
                .await?;
            Ok(uploaded.node.id)
        });
        Self {
            state,
            caller,
            sender: Some(sender),
            task: Some(task),
            committed: None,
        }
    }

    async fn send(&mut self, bytes: Bytes) -> FsResult<()> {
        if bytes.is_empty() {
            return Ok(());
        }
        let sender = self.sender.as_ref().ok_or(FsError::GeneralFailure)?;
        if sender.send(Piece::Data(bytes)).await.is_err() {
            // The upload stopped reading: it ended with an error, say which.
            return Err(self
                .outcome()
                .await
                .err()
                .unwrap_or(FsError::GeneralFailure));
        }
        Ok(())
    }

    async fn finish(&mut self) -> FsResult<()> {
        if self.committed.is_some() {
            return Ok(());
        }
        if let Some(sender) = self.sender.take() {
            // If the task already ended, `outcome` says why.
            let _ = sender.send(Piece::End).await;
        }
        let id = self.outcome().await?;
        let node = self
            .state
            .vault
            .node(&self.caller, id)
            .await
            .map_err(fs_error)?;
        self.committed = Some(Meta::of(&node));
        Ok(())
    }

    async fn outcome(&mut self) -> FsResult<Uuid> {
        self.sender = None;
        let task = self.task.take().ok_or(FsError::GeneralFailure)?;
        match task.await {
            Ok(Ok(id)) => Ok(id),
            Ok(Err(err)) => Err(upload_error(err)),
            Err(_) => Err(FsError::GeneralFailure),
        }
    }
}

/// Upload refusals as dav-server's codes (507, 413, …).
pub(super) fn upload_error(err: VaultError) -> FsError {
    match err {
        VaultError::QuotaExceeded
        | VaultError::QuotaExceededFreeable { .. }
        | VaultError::NodeLimit { .. } => FsError::InsufficientStorage,
        VaultError::UploadTooLarge { .. } => FsError::TooLarge,
        VaultError::NameTaken => FsError::Exists,
        VaultError::IncompleteUpload | VaultError::BodyTooSlow => FsError::GeneralFailure,
        other => fs_error(other),
    }
}

impl DavFile for UploadFile {
    fn metadata(&mut self) -> FsFuture<'_, Box<dyn DavMetaData>> {
        Box::pin(async move {
            let meta = self.committed.clone().ok_or(FsError::NotFound)?;
            let meta: Box<dyn DavMetaData> = Box::new(meta);
            Ok(meta)
        })
    }

    fn write_buf(&mut self, mut buf: Box<dyn bytes::Buf + Send>) -> FsFuture<'_, ()> {
        let bytes = buf.copy_to_bytes(buf.remaining());
        Box::pin(self.send(bytes))
    }

    fn write_bytes(&mut self, buf: Bytes) -> FsFuture<'_, ()> {
        Box::pin(self.send(buf))
    }

    fn read_bytes(&mut self, _count: usize) -> FsFuture<'_, Bytes> {
        Box::pin(async { Err(FsError::Forbidden) })
    }

    fn seek(&mut self, _pos: std::io::SeekFrom) -> FsFuture<'_, u64> {
        // Partial PUTs (Content-Range) would rewrite part of an encrypted
        // file in place; every write is a whole new content.
        Box::pin(async { Err(FsError::NotImplemented) })
    }

    fn flush(&mut self) -> FsFuture<'_, ()> {
        Box::pin(self.finish())
    }
}
