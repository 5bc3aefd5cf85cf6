//! The vault as a dav-server file system, for one caller. Every lookup goes
//! through that caller's tree, so another user's nodes cannot be named.
//! Read operations only so far; anything that would write answers 403 (or
//! dav-server's default 501 for the operations not overridden here).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use dav_server::davpath::DavPath;
use dav_server::fs::{
    DavDirEntry, DavFile, DavFileSystem, DavMetaData, FsError, FsFuture, FsResult, FsStream,
    OpenOptions, ReadDirMeta,
};
use futures_util::StreamExt;
use strongroom_shared::NodeKind;

use super::file::VaultFile;
use crate::auth::Caller;
use crate::state::AppState;
use crate::store::meta::NodeRecord;
use crate::vault::download::RangeChoice;
use crate::vault::{VaultError, download, tree};

#[derive(Clone)]
pub struct VaultFs {
    state: Arc<AppState>,
    caller: Arc<Caller>,
    /// Nodes already resolved in this request: dav-server asks for the same
    /// path two to four times (metadata, open, the file's metadata), and each
    /// resolve reads one record per path segment. Lives as long as the
    /// request; only reads happen so far, so nothing has to invalidate it.
    seen: Arc<Mutex<HashMap<Vec<u8>, NodeRecord>>>,
    /// Set for a GET that will read: the `Range` it asked for, if any.
    read_ahead: Option<ReadAhead>,
}

/// A GET's intent, known before dav-server opens the file: open the
/// plaintext where the answer starts, before the answer's headers go out.
#[derive(Clone, Debug)]
pub struct ReadAhead {
    pub range: Option<String>,
}

impl VaultFs {
    pub fn new(state: Arc<AppState>, caller: Caller, read_ahead: Option<ReadAhead>) -> Self {
        Self {
            state,
            caller: Arc::new(caller),
            seen: Arc::default(),
            read_ahead,
        }
    }

    async fn lookup(&self, path: &DavPath) -> FsResult<NodeRecord> {
        let key = path.as_bytes().to_vec();
        if let Some(node) = self
            .seen
            .lock()
            .ok()
            .and_then(|seen| seen.get(&key).cloned())
        {
            return Ok(node);
        }
        let segments = segments(path)?;
        let node = self
            .state
            .vault
            .resolve(&self.caller, &segments)
            .await
            .map_err(fs_error)?
            .ok_or(FsError::NotFound)?;
        if let Ok(mut seen) = self.seen.lock() {
            seen.insert(key, node.clone());
        }
        Ok(node)
    }
}

/// The path's names, checked and NFC-normalised like the API's (macOS sends
/// NFD). A name the vault could never hold cannot exist: 404.
fn segments(path: &DavPath) -> FsResult<Vec<String>> {
    let text = std::str::from_utf8(path.as_bytes()).map_err(|_| FsError::NotFound)?;
    tree::split_path(text).map_err(|_| FsError::NotFound)
}

/// Vault errors as dav-server's result codes. The error text never holds a
/// name, so it may be logged.
pub(super) fn fs_error(err: VaultError) -> FsError {
    match err {
        VaultError::NotFound | VaultError::Invalid(_) => FsError::NotFound,
        VaultError::NotAFolder | VaultError::NotAFile => FsError::Forbidden,
        other => {
            tracing::warn!(error = %other, "webdav operation failed");
            FsError::GeneralFailure
        }
    }
}

/// What PROPFIND and the GET headers show of a node; holds no name.
#[derive(Clone, Debug)]
pub struct Meta {
    dir: bool,
    len: u64,
    modified: SystemTime,
    created: SystemTime,
    etag: String,
}

impl Meta {
    pub fn of(node: &NodeRecord) -> Self {
        let dir = node.kind == NodeKind::Folder;
        let etag = if dir {
            // A folder has no object; its tag changes when it is renamed or moved.
            format!("{}-{}", node.id.simple(), node.modified_at.unix_timestamp())
        } else {
            // The API's ETag, so a client can mix both; dav-server adds the quotes.
            download::etag(node).trim_matches('"').to_owned()
        };
        Self {
            dir,
            len: if dir { 0 } else { node.size },
            modified: node.modified_at.into(),
            created: node.created_at.into(),
            etag,
        }
    }
}

impl DavMetaData for Meta {
    fn len(&self) -> u64 {
        self.len
    }

    fn modified(&self) -> FsResult<SystemTime> {
        Ok(self.modified)
    }

    fn created(&self) -> FsResult<SystemTime> {
        Ok(self.created)
    }

    fn is_dir(&self) -> bool {
        self.dir
    }

    fn etag(&self) -> Option<String> {
        Some(self.etag.clone())
    }
}

struct Entry {
    name: String,
    meta: Meta,
}

impl DavDirEntry for Entry {
    fn name(&self) -> Vec<u8> {
        self.name.as_bytes().to_vec()
    }

    fn metadata(&self) -> FsFuture<'_, Box<dyn DavMetaData>> {
        let meta: Box<dyn DavMetaData> = Box::new(self.meta.clone());
        Box::pin(async move { Ok(meta) })
    }
}

impl DavFileSystem for VaultFs {
    fn open<'a>(
        &'a self,
        path: &'a DavPath,
        options: OpenOptions,
    ) -> FsFuture<'a, Box<dyn DavFile>> {
        Box::pin(async move {
            // Writing comes in a later step; until then a write is refused.
            if options.write || options.append || options.create || options.create_new {
                return Err(FsError::Forbidden);
            }
            let node = self.lookup(path).await?;
            if node.kind != NodeKind::File {
                return Err(FsError::Forbidden);
            }
            let mut file = VaultFile::new(self.state.clone(), self.caller.clone(), node.clone());
            if let Some(ahead) = &self.read_ahead {
                // Where dav-server will read first: the range's start (for
                // several ranges the first one's start is not known here, and
                // 0 is a harmless guess), else the beginning.
                let etag = download::etag(&node);
                match download::choose_range(ahead.range.as_deref(), None, &etag, node.size) {
                    RangeChoice::Partial { start, .. } => file.prefetch(start).await?,
                    RangeChoice::Full => file.prefetch(0).await?,
                    RangeChoice::Unsatisfiable => {}
                }
            }
            let file: Box<dyn DavFile> = Box::new(file);
            Ok(file)
        })
    }

    fn read_dir<'a>(
        &'a self,
        path: &'a DavPath,
        _meta: ReadDirMeta,
    ) -> FsFuture<'a, FsStream<Box<dyn DavDirEntry>>> {
        Box::pin(async move {
            let folder = self.lookup(path).await?;
            let children = self
                .state
                .vault
                .children(&self.caller, folder.id)
                .await
                .map_err(fs_error)?;
            let entries = children.into_iter().map(|(name, node)| {
                let entry: Box<dyn DavDirEntry> = Box::new(Entry {
                    name,
                    meta: Meta::of(&node),
                });
                Ok(entry)
            });
            let stream: FsStream<Box<dyn DavDirEntry>> =
                futures_util::stream::iter(entries).boxed();
            Ok(stream)
        })
    }

    fn metadata<'a>(&'a self, path: &'a DavPath) -> FsFuture<'a, Box<dyn DavMetaData>> {
        Box::pin(async move {
            let meta: Box<dyn DavMetaData> = Box::new(Meta::of(&self.lookup(path).await?));
            Ok(meta)
        })
    }

    // Explicit refusals: dav-server's defaults would answer 501, but these are
    // known operations the caller may not (yet) perform.
    fn create_dir<'a>(&'a self, _path: &'a DavPath) -> FsFuture<'a, ()> {
        Box::pin(async { Err(FsError::Forbidden) })
    }

    fn remove_dir<'a>(&'a self, _path: &'a DavPath) -> FsFuture<'a, ()> {
        Box::pin(async { Err(FsError::Forbidden) })
    }

    fn remove_file<'a>(&'a self, _path: &'a DavPath) -> FsFuture<'a, ()> {
        Box::pin(async { Err(FsError::Forbidden) })
    }

    fn rename<'a>(&'a self, _from: &'a DavPath, _to: &'a DavPath) -> FsFuture<'a, ()> {
        Box::pin(async { Err(FsError::Forbidden) })
    }

    fn copy<'a>(&'a self, _from: &'a DavPath, _to: &'a DavPath) -> FsFuture<'a, ()> {
        Box::pin(async { Err(FsError::Forbidden) })
    }
}
