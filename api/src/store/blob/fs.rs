//! The embedded `BlobStore`: one file per object under `<data_dir>/objects`,
//! written to a temporary file, fsynced, then renamed into place.

use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use std::io::{Read, Seek, Write};

use async_trait::async_trait;
use bytes::Bytes;
use futures_util::StreamExt;
use time::OffsetDateTime;
use uuid::Uuid;

use super::{BlobInfo, BlobStore, ByteStream, ObjectKey};
use crate::buffers::Recycler;
use crate::store::StoreError;

/// Reads are issued in pieces of this size: four SRM1 chunks.
const READ_BUF: usize = 4 * (64 * 1024 + 16);
/// Pieces queued between the async side and the blocking thread.
const QUEUE: usize = 2;
/// A big object being written is synced to disk each time this much more
/// of it was written (`write_early_synced`).
const SYNC_EVERY: usize = 32 << 20;
const TMP_DIR: &str = ".tmp";

pub struct FsBlobStore {
    root: PathBuf,
}

fn io_error(err: std::io::Error) -> StoreError {
    match err.kind() {
        ErrorKind::NotFound => StoreError::NotFound,
        _ => StoreError::Backend(Box::new(err)),
    }
}

impl FsBlobStore {
    pub fn open(root: &Path) -> Result<Self, StoreError> {
        std::fs::create_dir_all(root.join(TMP_DIR)).map_err(io_error)?;
        Ok(Self {
            root: root.to_path_buf(),
        })
    }

    fn path(&self, key: &ObjectKey) -> PathBuf {
        self.root
            .join(key.user_id.as_hyphenated().to_string())
            .join(key.object_id.as_hyphenated().to_string())
    }

    /// Writes on one blocking thread fed through a short queue: one thread
    /// hand-off per piece instead of one blocking task per write.
    async fn write_tmp(
        &self,
        tmp: &Path,
        len: Option<u64>,
        mut body: ByteStream,
    ) -> Result<(), StoreError> {
        let (tx, mut rx) = tokio::sync::mpsc::channel::<Bytes>(QUEUE);
        let path = tmp.to_path_buf();
        let writer = tokio::task::spawn_blocking(move || -> std::io::Result<()> {
            let mut file = std::fs::File::create(&path)?;
            write_early_synced(&mut file, SYNC_EVERY, || rx.blocking_recv())?;
            file.sync_all()
        });
        let mut written = 0u64;
        let fed: Result<(), StoreError> = async {
            while let Some(piece) = body.next().await {
                let piece = piece?;
                written += piece.len() as u64;
                if len.is_some_and(|len| written > len) {
                    return Err(StoreError::Corrupt(
                        "object body longer than announced".to_owned(),
                    ));
                }
                if tx.send(piece).await.is_err() {
                    // The writer stopped: its own error says why.
                    break;
                }
            }
            Ok(())
        }
        .await;
        drop(tx);
        let wrote = writer
            .await
            .map_err(|err| StoreError::Backend(Box::new(err)))?;
        fed?;
        wrote.map_err(io_error)?;
        if len.is_some_and(|len| written != len) {
            return Err(StoreError::Corrupt(
                "object body shorter than announced".to_owned(),
            ));
        }
        Ok(())
    }
}

/// Writes every piece `next` gives. Once an object passes `SYNC_EVERY`
/// bytes, a second thread syncs what was written so far each `SYNC_EVERY`
/// (at most one sync pending; a request while one runs is dropped), so the
/// disk writes the object while it arrives and the final `sync_all` has
/// little left to wait for: it was ~0.45 s of a 1.3 s 1 GiB upload here.
/// Small objects never start the thread.
fn write_early_synced(
    file: &mut std::fs::File,
    sync_every: usize,
    mut next: impl FnMut() -> Option<Bytes>,
) -> std::io::Result<()> {
    std::thread::scope(|scope| {
        let mut syncer: Option<std::sync::mpsc::SyncSender<()>> = None;
        let mut unsynced = 0usize;
        while let Some(piece) = next() {
            file.write_all(&piece)?;
            unsynced += piece.len();
            if unsynced < sync_every {
                continue;
            }
            unsynced = 0;
            if syncer.is_none() {
                let (tx, rx) = std::sync::mpsc::sync_channel::<()>(1);
                let handle = file.try_clone()?;
                scope.spawn(move || {
                    // An error here is found again by the final `sync_all`.
                    while rx.recv().is_ok() {
                        let _ = handle.sync_data();
                    }
                });
                syncer = Some(tx);
            }
            if let Some(tx) = &syncer {
                let _ = tx.try_send(());
            }
        }
        // Dropping the sender ends the thread; the scope waits for it.
        drop(syncer);
        Ok(())
    })
}

/// Streams `len` bytes of `file` from its current position, read on one
/// blocking thread in pieces of `READ_BUF`, at most `QUEUE` of them ahead.
///
/// The pieces' memory is allocated by whoever consumes the stream and sent
/// to the reader empty. mimalloc takes memory freed on another thread than
/// the one that allocated it back only when that thread allocates again, and
/// a blocking thread that read a download then sits idle for 10 s: pieces
/// allocated there kept 32 parallel downloads' last pieces resident
/// (bench/memory.sh: about 60 MiB more until the threads ended). They come
/// back when the consumer drops them and are read into again as they are:
/// zero-filling each new one was ~5% of a download's CPU.
fn read_stream(mut file: std::fs::File, len: u64) -> ByteStream {
    let (empty_tx, mut empty_rx) = tokio::sync::mpsc::channel::<Vec<u8>>(QUEUE);
    let (full_tx, full_rx) = tokio::sync::mpsc::channel::<Result<Vec<u8>, StoreError>>(QUEUE);
    tokio::task::spawn_blocking(move || {
        let mut left = len;
        while left > 0 {
            let Some(mut buf) = empty_rx.blocking_recv() else {
                return; // the stream was dropped
            };
            let want = piece_len(left);
            // Already `want` long (the consumer walks the same lengths), so
            // neither allocated nor zero-filled on this thread.
            buf.resize(want, 0);
            let result = file.read_exact(&mut buf).map(|()| buf).map_err(io_error);
            let failed = result.is_err();
            left -= want as u64;
            if full_tx.blocking_send(result).is_err() || failed {
                return;
            }
        }
    });
    let pieces = Pieces {
        empty: empty_tx,
        full: full_rx,
        unrequested: len,
        outstanding: 0,
        buffers: Recycler::new(QUEUE + 2, READ_BUF),
    };
    futures_util::stream::unfold(pieces, |mut pieces| async move {
        pieces.request();
        let item = pieces.full.recv().await?;
        pieces.outstanding -= 1;
        let item = item.map(|buf| pieces.buffers.bytes(buf));
        Some((item, pieces))
    })
    .boxed()
}

fn piece_len(left: u64) -> usize {
    usize::try_from(left).unwrap_or(READ_BUF).min(READ_BUF)
}

/// The consuming side of `read_stream`.
struct Pieces {
    empty: tokio::sync::mpsc::Sender<Vec<u8>>,
    full: tokio::sync::mpsc::Receiver<Result<Vec<u8>, StoreError>>,
    /// The pieces' buffers, taken back once the consumer is done with them.
    buffers: Recycler,
    /// Bytes no buffer has been sent for yet.
    unrequested: u64,
    /// Buffers sent and not yet back.
    outstanding: usize,
}

impl Pieces {
    /// Tops the reader up to `QUEUE` buffers, allocated here.
    fn request(&mut self) {
        while self.unrequested > 0 && self.outstanding < QUEUE {
            let want = piece_len(self.unrequested);
            // Never full (at most QUEUE outstanding), and a reader that has
            // gone (an error) will say so through `full`.
            if self
                .empty
                .try_send(self.buffers.overwritable(want))
                .is_err()
            {
                return;
            }
            self.unrequested -= want as u64;
            self.outstanding += 1;
        }
    }
}

/// Removes a temporary file unless disarmed, also when the writing future is
/// dropped half-way (a client that disconnects).
struct TmpGuard(Option<PathBuf>);

impl Drop for TmpGuard {
    fn drop(&mut self) {
        if let Some(path) = self.0.take() {
            let _ = std::fs::remove_file(path);
        }
    }
}

#[async_trait]
impl BlobStore for FsBlobStore {
    async fn ping(&self) -> Result<(), StoreError> {
        tokio::fs::metadata(&self.root)
            .await
            .map(|_| ())
            .map_err(|err| StoreError::Unavailable(err.to_string()))
    }

    async fn put(
        &self,
        key: &ObjectKey,
        len: Option<u64>,
        body: ByteStream,
    ) -> Result<(), StoreError> {
        let tmp = self
            .root
            .join(TMP_DIR)
            .join(Uuid::new_v4().simple().to_string());
        let mut guard = TmpGuard(Some(tmp.clone()));
        self.write_tmp(&tmp, len, body).await?;
        let target = self.path(key);
        let dir = target
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| self.root.clone());
        tokio::fs::create_dir_all(&dir).await.map_err(io_error)?;
        tokio::fs::rename(&tmp, &target).await.map_err(io_error)?;
        guard.0 = None;
        // Make the rename itself durable.
        tokio::task::spawn_blocking(move || std::fs::File::open(&dir).and_then(|d| d.sync_all()))
            .await
            .map_err(|err| StoreError::Backend(Box::new(err)))?
            .map_err(io_error)?;
        Ok(())
    }

    async fn get(
        &self,
        key: &ObjectKey,
        range: Option<(u64, u64)>,
    ) -> Result<ByteStream, StoreError> {
        let path = self.path(key);
        tokio::task::spawn_blocking(move || {
            let mut file = std::fs::File::open(path).map_err(io_error)?;
            let size = file.metadata().map_err(io_error)?.len();
            let (start, end) = range.unwrap_or((0, size));
            if start > end || end > size {
                return Err(StoreError::Corrupt(format!(
                    "range {start}..{end} outside object of {size} bytes"
                )));
            }
            file.seek(std::io::SeekFrom::Start(start))
                .map_err(io_error)?;
            Ok(read_stream(file, end - start))
        })
        .await
        .map_err(|err| StoreError::Backend(Box::new(err)))?
    }

    async fn delete(&self, key: &ObjectKey) -> Result<(), StoreError> {
        match tokio::fs::remove_file(self.path(key)).await {
            Err(err) if err.kind() != ErrorKind::NotFound => Err(io_error(err)),
            _ => Ok(()),
        }
    }

    async fn list(&self, older_than: OffsetDateTime) -> Result<Vec<BlobInfo>, StoreError> {
        let root = self.root.clone();
        tokio::task::spawn_blocking(move || list_sync(&root, older_than))
            .await
            .map_err(|err| StoreError::Backend(Box::new(err)))?
    }
}

fn modified(meta: &std::fs::Metadata) -> OffsetDateTime {
    meta.modified()
        .map(OffsetDateTime::from)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

fn list_sync(root: &Path, older_than: OffsetDateTime) -> Result<Vec<BlobInfo>, StoreError> {
    let mut found = Vec::new();
    for user_dir in std::fs::read_dir(root).map_err(io_error)? {
        let user_dir = user_dir.map_err(io_error)?;
        let name = user_dir.file_name().to_string_lossy().into_owned();
        if name == TMP_DIR {
            // Partial writes of a crashed process.
            for tmp in std::fs::read_dir(user_dir.path())
                .map_err(io_error)?
                .flatten()
            {
                if tmp.metadata().is_ok_and(|m| modified(&m) < older_than) {
                    let _ = std::fs::remove_file(tmp.path());
                }
            }
            continue;
        }
        if !user_dir.file_type().map_err(io_error)?.is_dir() {
            continue;
        }
        for object in std::fs::read_dir(user_dir.path())
            .map_err(io_error)?
            .flatten()
        {
            let object_name = object.file_name().to_string_lossy().into_owned();
            let Some(key) = ObjectKey::parse(&format!("{name}/{object_name}")) else {
                continue;
            };
            let Ok(meta) = object.metadata() else {
                continue;
            };
            found.push(BlobInfo {
                key,
                size: meta.len(),
                modified_at: modified(&meta),
            });
        }
    }
    Ok(found)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::io::Read;

    use super::*;

    /// Many early syncs (one per piece, some dropped while one runs) and
    /// the file still holds exactly what was written, in order.
    #[test]
    fn early_syncs_leave_exactly_what_was_written() {
        let dir = tempfile::TempDir::new().unwrap();
        let path = dir.path().join("object");
        let pieces: Vec<Bytes> = (0..300u32)
            .map(|i| Bytes::from(vec![(i % 251) as u8; 4096 + i as usize]))
            .collect();
        let mut file = std::fs::File::create(&path).unwrap();
        let mut queue = pieces.clone().into_iter();
        write_early_synced(&mut file, 8192, || queue.next()).unwrap();
        file.sync_all().unwrap();
        let mut written = Vec::new();
        std::fs::File::open(&path)
            .unwrap()
            .read_to_end(&mut written)
            .unwrap();
        assert_eq!(written, pieces.concat());
        // Below the threshold no thread is needed, and nothing changes.
        let mut small = std::fs::File::create(dir.path().join("small")).unwrap();
        let mut one = Some(Bytes::from_static(b"tiny"));
        write_early_synced(&mut small, SYNC_EVERY, || one.take()).unwrap();
        assert_eq!(std::fs::read(dir.path().join("small")).unwrap(), b"tiny");
    }
}
