//! A file opened for reading over WebDAV. dav-server `seek`s to where a range
//! starts, then calls `read_bytes` until it has what it wants; each position
//! opens one ranged download (`Vault::download` with `bytes=pos-`), so only
//! the chunks from there on are fetched and decrypted, with the same binding
//! check as the API.

use std::fmt;
use std::io::SeekFrom;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use dav_server::fs::{DavFile, DavMetaData, FsError, FsFuture, FsResult};
use futures_util::StreamExt;
use futures_util::stream::BoxStream;

use super::fs::{Meta, fs_error};
use crate::auth::Caller;
use crate::state::AppState;
use crate::store::meta::NodeRecord;
use crate::vault::download::{Conditions, Download, DownloadError, KeySource};

type Plaintext = BoxStream<'static, Result<Bytes, DownloadError>>;

pub struct VaultFile {
    state: Arc<AppState>,
    caller: Arc<Caller>,
    node: NodeRecord,
    /// Where the next `read_bytes` starts.
    pos: u64,
    /// The plaintext from `pos` on, once a read asked for it. In a `Mutex`
    /// only because `DavFile` must be `Sync`; it is reached with `get_mut`.
    stream: Option<Mutex<Plaintext>>,
    /// Decrypted bytes not handed out yet (a piece is larger than a read).
    pending: Bytes,
    /// A stream opened in `open`, at the position the request will read
    /// first, so damage there fails the request before dav-server sends its
    /// headers (a clean 500, as the API does). Used by the first read at
    /// that position, dropped otherwise.
    prefetched: Option<(u64, Mutex<Plaintext>)>,
}

impl fmt::Debug for VaultFile {
    // Never the name: the record holds only ciphertext, but keep it short.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VaultFile")
            .field("node", &self.node.id)
            .field("pos", &self.pos)
            .field("prefetched", &self.prefetched.as_ref().map(|(at, _)| at))
            .finish_non_exhaustive()
    }
}

impl VaultFile {
    pub fn new(state: Arc<AppState>, caller: Arc<Caller>, node: NodeRecord) -> Self {
        Self {
            state,
            caller,
            node,
            pos: 0,
            stream: None,
            pending: Bytes::new(),
            prefetched: None,
        }
    }

    /// Opens (and checks the first piece of) the plaintext from `pos` now.
    pub async fn prefetch(&mut self, pos: u64) -> FsResult<()> {
        if pos < self.node.size {
            self.prefetched = Some((pos, Mutex::new(self.open_at(pos).await?)));
        }
        Ok(())
    }

    async fn open_at(&self, pos: u64) -> FsResult<Plaintext> {
        let range = format!("bytes={pos}-");
        let conditions = Conditions {
            range: Some(&range),
            ..Conditions::default()
        };
        let download = self
            .state
            .vault
            .download(
                &self.node,
                String::new(),
                KeySource::Umk(&self.caller.umk),
                conditions,
            )
            .await
            .map_err(fs_error)?;
        match download {
            Download::Content(content) => Ok(content.body),
            // No `If-None-Match` was given, so this cannot happen.
            Download::NotModified { .. } => Err(FsError::GeneralFailure),
        }
    }

    async fn read(&mut self, count: usize) -> FsResult<Bytes> {
        if self.pos >= self.node.size || count == 0 {
            return Ok(Bytes::new());
        }
        if self.stream.is_none() {
            self.stream = match self.prefetched.take() {
                Some((at, stream)) if at == self.pos => Some(stream),
                _ => Some(Mutex::new(self.open_at(self.pos).await?)),
            };
        }
        while self.pending.is_empty() {
            let stream = self
                .stream
                .as_mut()
                .ok_or(FsError::GeneralFailure)?
                .get_mut()
                .map_err(|_| FsError::GeneralFailure)?;
            match stream.next().await {
                Some(Ok(piece)) => self.pending = piece,
                Some(Err(err)) => {
                    tracing::error!(node = %self.node.id, error = %err, "webdav read failed");
                    return Err(FsError::GeneralFailure);
                }
                // dav-server pads an empty read with zeros; an early end must
                // be an error, never a short or padded file.
                None => {
                    tracing::error!(node = %self.node.id, "webdav read ended early");
                    return Err(FsError::GeneralFailure);
                }
            }
        }
        let take = count.min(self.pending.len());
        let out = self.pending.split_to(take);
        self.pos += take as u64;
        Ok(out)
    }
}

impl DavFile for VaultFile {
    fn metadata(&mut self) -> FsFuture<'_, Box<dyn DavMetaData>> {
        let meta: Box<dyn DavMetaData> = Box::new(Meta::of(&self.node));
        Box::pin(async move { Ok(meta) })
    }

    fn write_buf(&mut self, _buf: Box<dyn bytes::Buf + Send>) -> FsFuture<'_, ()> {
        Box::pin(async { Err(FsError::Forbidden) })
    }

    fn write_bytes(&mut self, _buf: Bytes) -> FsFuture<'_, ()> {
        Box::pin(async { Err(FsError::Forbidden) })
    }

    fn read_bytes(&mut self, count: usize) -> FsFuture<'_, Bytes> {
        Box::pin(self.read(count))
    }

    fn seek(&mut self, pos: SeekFrom) -> FsFuture<'_, u64> {
        let target = match pos {
            SeekFrom::Start(n) => Some(n),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
            SeekFrom::End(d) => self.node.size.checked_add_signed(d),
        };
        Box::pin(async move {
            let target = target.ok_or(FsError::GeneralFailure)?;
            if target != self.pos {
                // The open stream is at the old position: the next read opens
                // a new range.
                self.stream = None;
                self.pending = Bytes::new();
                self.pos = target;
            }
            Ok(self.pos)
        })
    }

    fn flush(&mut self) -> FsFuture<'_, ()> {
        // Nothing was written: a read-only file has nothing to commit.
        Box::pin(async { Ok(()) })
    }
}
