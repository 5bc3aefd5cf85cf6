//! The vault as a dav-server file system, for one caller. Every lookup goes
//! through that caller's tree, so another user's nodes cannot be named, and
//! every change goes through the same vault operations as the API: a PUT is
//! the streamed, encrypted upload (an overwrite keeps the old content as a
//! version), DELETE moves to the trash, MOVE is a rename/move that keeps the
//! node (its versions and shares follow), COPY re-encrypts under a new key.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use bytes::Bytes;
use dav_server::davpath::DavPath;
use dav_server::fs::{
    DavDirEntry, DavFile, DavFileSystem, DavMetaData, DavProp, FsError, FsFuture, FsResult,
    FsStream, OpenOptions, ReadDirMeta,
};
use futures_util::StreamExt;
use http::StatusCode;
use strongroom_shared::{NodeKind, UpdateNodeRequest};
use uuid::Uuid;

use super::file::VaultFile;
use super::upload::{UploadFile, upload_error};
use crate::auth::Caller;
use crate::state::AppState;
use crate::store::meta::NodeRecord;
use crate::vault::download::{Conditions, Download, KeySource, RangeChoice};
use crate::vault::props::DeadProp;
use crate::vault::upload::{BodyStop, Target};
use crate::vault::{VaultError, download, tree};

#[derive(Clone)]
pub struct VaultFs {
    state: Arc<AppState>,
    caller: Arc<Caller>,
    /// Nodes already resolved in this request: dav-server asks for the same
    /// path two to four times (metadata, open, the file's metadata), and each
    /// resolve reads one record per path segment. Lives as long as the
    /// request, and is emptied by every change.
    seen: Arc<Mutex<HashMap<Vec<u8>, NodeRecord>>>,
    /// Dead properties already read in this request, by node: a listing
    /// reads its entries' in one batch, since dav-server asks for each
    /// entry's. Emptied by every change, like `seen`.
    props: Arc<Mutex<HashMap<Uuid, Vec<DeadProp>>>>,
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
            props: Arc::default(),
            read_ahead,
        }
    }

    async fn lookup(&self, path: &DavPath) -> FsResult<NodeRecord> {
        let key = cache_key(path);
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

impl VaultFs {
    /// Where a new node at `path` goes: its parent folder and its checked
    /// name. A name the vault refuses is 403; a missing or non-folder parent
    /// is `NotFound`, which dav-server answers 409 for a new resource.
    async fn place(&self, path: &DavPath) -> FsResult<(NodeRecord, String)> {
        let text = std::str::from_utf8(path.as_bytes()).map_err(|_| FsError::Forbidden)?;
        let mut segments = tree::split_path(text).map_err(|_| FsError::Forbidden)?;
        let name = segments.pop().ok_or(FsError::Forbidden)?;
        let parent = self
            .state
            .vault
            .resolve(&self.caller, &segments)
            .await
            .map_err(fs_error)?
            .filter(|parent| parent.kind == NodeKind::Folder)
            .ok_or(FsError::NotFound)?;
        Ok((parent, name))
    }

    /// Drops what this request resolved: a change may have moved any of it.
    fn forget(&self) {
        if let Ok(mut seen) = self.seen.lock() {
            seen.clear();
        }
        if let Ok(mut props) = self.props.lock() {
            props.clear();
        }
    }

    async fn open_for_write(
        &self,
        path: &DavPath,
        options: OpenOptions,
    ) -> FsResult<Box<dyn DavFile>> {
        let existing = match self.lookup(path).await {
            Ok(node) => Some(node),
            Err(FsError::NotFound) => None,
            Err(err) => return Err(err),
        };
        match &existing {
            Some(node) if node.kind == NodeKind::Folder => return Err(FsError::Forbidden),
            Some(_) if options.create_new => return Err(FsError::Exists),
            None if !options.create => return Err(FsError::NotFound),
            // Appending to, or rewriting part of, an encrypted file in
            // place: every write here is a whole new content.
            Some(_) if options.append || !options.truncate => return Err(FsError::NotImplemented),
            _ => {}
        }
        let (parent, name) = self.place(path).await?;
        self.forget();
        let target = Target {
            parent_id: parent.id,
            name,
            overwrite: true,
        };
        if existing.is_none() && !options.truncate {
            // LOCK on an unmapped URL creates an empty resource (RFC 4918
            // §7.3); dav-server drops this file without writing to it.
            let empty = futures_util::stream::empty::<Result<Bytes, BodyStop>>();
            let uploaded = self
                .state
                .vault
                .upload(&self.caller, target, Some(0), empty)
                .await
                .map_err(upload_error)?;
            let node = self
                .state
                .vault
                .node(&self.caller, uploaded.node.id)
                .await
                .map_err(fs_error)?;
            let file: Box<dyn DavFile> = Box::new(VaultFile::new(
                self.state.clone(),
                self.caller.clone(),
                node,
            ));
            return Ok(file);
        }
        let file: Box<dyn DavFile> = Box::new(UploadFile::start(
            self.state.clone(),
            self.caller.clone(),
            target,
            options.size,
        ));
        Ok(file)
    }

    async fn dead_props(&self, path: &DavPath) -> FsResult<Vec<DeadProp>> {
        let node = self.lookup(path).await?;
        if let Some(known) = self
            .props
            .lock()
            .ok()
            .and_then(|props| props.get(&node.id).cloned())
        {
            return Ok(known);
        }
        let props = self
            .state
            .vault
            .dead_props(&self.caller, node.id)
            .await
            .map_err(fs_error)?;
        if let Ok(mut known) = self.props.lock() {
            known.insert(node.id, props.clone());
        }
        Ok(props)
    }

    /// What a listing learnt: each entry's record under its path (dav-server
    /// then asks for each entry's properties by path) and their dead
    /// properties, read in one batch.
    async fn remember_entries(
        &self,
        folder: &DavPath,
        children: &[(String, NodeRecord)],
    ) -> FsResult<()> {
        let ids: Vec<Uuid> = children.iter().map(|(_, node)| node.id).collect();
        let mut found = self
            .state
            .vault
            .dead_props_of(&self.caller, &ids)
            .await
            .map_err(fs_error)?;
        let prefix = cache_key(folder);
        if let (Ok(mut seen), Ok(mut props)) = (self.seen.lock(), self.props.lock()) {
            for (name, node) in children {
                let mut key = prefix.clone();
                key.push(b'/');
                key.extend_from_slice(name.as_bytes());
                seen.insert(key, node.clone());
                props.insert(node.id, found.remove(&node.id).unwrap_or_default());
            }
        }
        Ok(())
    }

    async fn delete(&self, path: &DavPath) -> FsResult<()> {
        let node = self.lookup(path).await?;
        self.forget();
        self.state
            .vault
            .delete(&self.caller, node.id)
            .await
            .map_err(fs_error)
    }

    /// COPY of one file: its plaintext streamed through a new upload, so the
    /// copy has its own object and data key (an object is bound to its id,
    /// so bytes cannot be shared or copied as they are).
    async fn copy_file(&self, from: &DavPath, to: &DavPath) -> FsResult<()> {
        let source = self.lookup(from).await?;
        if source.kind != NodeKind::File {
            return Err(FsError::Forbidden);
        }
        let (parent, name) = self.place(to).await?;
        self.forget();
        let download = self
            .state
            .vault
            .download(
                &source,
                String::new(),
                KeySource::Umk(&self.caller.umk),
                Conditions::default(),
            )
            .await
            .map_err(fs_error)?;
        let Download::Content(content) = download else {
            return Err(FsError::GeneralFailure);
        };
        let body = content
            .body
            .map(|piece| piece.map_err(|err| BodyStop::Broken(err.to_string())));
        let target = Target {
            parent_id: parent.id,
            name,
            overwrite: true,
        };
        let copy = self
            .state
            .vault
            .upload(&self.caller, target, Some(source.size), body)
            .await
            .map_err(upload_error)?;
        // The copy's dead properties are the source's (RFC 4918 §9.8.2).
        self.state
            .vault
            .copy_dead_props(&self.caller, source.id, copy.node.id)
            .await
            .map_err(fs_error)
    }
}

/// Runs a change as its own task on this worker's thread, and answers with
/// its outcome. dav-server needs `Send` futures; the vault's write paths
/// hold borrows across awaits that the compiler cannot prove `Send` for
/// every lifetime, while a local task's handle is `Send`. The task is
/// started at once and runs to its end even if the request goes away, so
/// a change is never left half-done (an upload whose body stopped aborts).
fn on_worker<T: Send + 'static>(
    work: impl Future<Output = FsResult<T>> + 'static,
) -> impl Future<Output = FsResult<T>> + Send {
    let task = tokio::task::spawn_local(work);
    async move { task.await.map_err(|_| FsError::GeneralFailure)? }
}

/// A path's key in the per-request caches: its bytes without the trailing
/// slash of a folder (dav-server names a folder both ways).
fn cache_key(path: &DavPath) -> Vec<u8> {
    let bytes = path.as_bytes();
    bytes.strip_suffix(b"/").unwrap_or(bytes).to_vec()
}

fn same_prop(prop: &DeadProp, namespace: &Option<String>, name: &str) -> bool {
    prop.namespace == *namespace && prop.name == name
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
        VaultError::NotAFolder
        | VaultError::NotAFile
        | VaultError::InvalidMove
        | VaultError::TooDeep { .. } => FsError::Forbidden,
        VaultError::NameTaken => FsError::Exists,
        VaultError::NodeLimit { .. } | VaultError::PropsTooLarge { .. } => {
            FsError::InsufficientStorage
        }
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
        if options.write || options.append || options.create || options.create_new {
            let (fs, path) = (self.clone(), path.clone());
            return Box::pin(on_worker(
                async move { fs.open_for_write(&path, options).await },
            ));
        }
        Box::pin(async move {
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
            self.remember_entries(path, &children).await?;
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

    fn create_dir<'a>(&'a self, path: &'a DavPath) -> FsFuture<'a, ()> {
        let (fs, path) = (self.clone(), path.clone());
        Box::pin(on_worker(async move {
            let (parent, name) = fs.place(&path).await?;
            fs.forget();
            fs.state
                .vault
                .create_folder_in(&fs.caller, parent.id, &name)
                .await
                .map_err(fs_error)?;
            Ok(())
        }))
    }

    /// A folder goes to the trash whole, as one item (the adapter asks for
    /// `Depth: 0`, so dav-server does not empty it file by file first).
    fn remove_dir<'a>(&'a self, path: &'a DavPath) -> FsFuture<'a, ()> {
        let (fs, path) = (self.clone(), path.clone());
        Box::pin(on_worker(async move { fs.delete(&path).await }))
    }

    fn remove_file<'a>(&'a self, path: &'a DavPath) -> FsFuture<'a, ()> {
        let (fs, path) = (self.clone(), path.clone());
        Box::pin(on_worker(async move { fs.delete(&path).await }))
    }

    /// MOVE: the node keeps its id, so its versions, shares and properties
    /// go with it. dav-server has already removed an existing destination
    /// when `Overwrite` allowed it.
    fn rename<'a>(&'a self, from: &'a DavPath, to: &'a DavPath) -> FsFuture<'a, ()> {
        let (fs, from, to) = (self.clone(), from.clone(), to.clone());
        Box::pin(on_worker(async move {
            let node = fs.lookup(&from).await?;
            let (parent, name) = fs.place(&to).await?;
            fs.forget();
            let update = UpdateNodeRequest {
                name: Some(name),
                parent_id: Some(parent.id.to_string()),
            };
            fs.state
                .vault
                .update(&fs.caller, node.id, update)
                .await
                .map_err(fs_error)?;
            Ok(())
        }))
    }

    /// Every node may carry dead properties (sealed, in the store).
    fn have_props<'a>(
        &'a self,
        _path: &'a DavPath,
    ) -> std::pin::Pin<Box<dyn Future<Output = bool> + Send + 'a>> {
        Box::pin(std::future::ready(true))
    }

    /// PROPPATCH: the instructions apply in their order (a set then a remove
    /// of one property removes it), all or nothing.
    fn patch_props<'a>(
        &'a self,
        path: &'a DavPath,
        patch: Vec<(bool, DavProp)>,
    ) -> FsFuture<'a, Vec<(StatusCode, DavProp)>> {
        let (fs, path) = (self.clone(), path.clone());
        Box::pin(on_worker(async move {
            let node = fs.lookup(&path).await?;
            let before = fs
                .state
                .vault
                .dead_props(&fs.caller, node.id)
                .await
                .map_err(fs_error)?;
            let mut after = before.clone();
            let mut answer = Vec::with_capacity(patch.len());
            for (set, prop) in patch {
                after.retain(|kept| !same_prop(kept, &prop.namespace, &prop.name));
                if set {
                    after.push(DeadProp {
                        namespace: prop.namespace.clone(),
                        prefix: prop.prefix.clone(),
                        name: prop.name.clone(),
                        xml: prop.xml.clone(),
                    });
                }
                answer.push((StatusCode::OK, DavProp { xml: None, ..prop }));
            }
            let removed = before
                .iter()
                .filter(|old| {
                    !after
                        .iter()
                        .any(|new| same_prop(new, &old.namespace, &old.name))
                })
                .map(|old| (old.namespace.clone(), old.name.clone()))
                .collect();
            fs.state
                .vault
                .patch_dead_props(&fs.caller, node.id, after, removed)
                .await
                .map_err(fs_error)?;
            Ok(answer)
        }))
    }

    fn get_props<'a>(&'a self, path: &'a DavPath, do_content: bool) -> FsFuture<'a, Vec<DavProp>> {
        Box::pin(async move {
            Ok(self
                .dead_props(path)
                .await?
                .into_iter()
                .map(|prop| DavProp {
                    name: prop.name,
                    prefix: prop.prefix,
                    namespace: prop.namespace,
                    xml: if do_content { prop.xml } else { None },
                })
                .collect())
        })
    }

    fn get_prop<'a>(&'a self, path: &'a DavPath, wanted: DavProp) -> FsFuture<'a, Vec<u8>> {
        Box::pin(async move {
            self.dead_props(path)
                .await?
                .into_iter()
                .find(|prop| same_prop(prop, &wanted.namespace, &wanted.name))
                .and_then(|prop| prop.xml)
                .ok_or(FsError::NotFound)
        })
    }

    /// The account's use and quota, for clients that show free space
    /// (Finder, Explorer): RFC 4331's `quota-used-bytes` and
    /// `quota-available-bytes`.
    fn get_quota(&self) -> FsFuture<'_, (u64, Option<u64>)> {
        Box::pin(async move {
            let user = self
                .state
                .stores
                .meta
                .user_by_id(self.caller.user_id)
                .await
                .map_err(|err| fs_error(err.into()))?
                .ok_or(FsError::NotFound)?;
            Ok((user.used_bytes, Some(user.quota_bytes)))
        })
    }

    /// COPY of a file (dav-server walks folders itself with `create_dir`).
    fn copy<'a>(&'a self, from: &'a DavPath, to: &'a DavPath) -> FsFuture<'a, ()> {
        let (fs, from, to) = (self.clone(), from.clone(), to.clone());
        Box::pin(on_worker(async move { fs.copy_file(&from, &to).await }))
    }
}
