//! Folders and the operations on nodes: list, create, rename, move, delete,
//! search, and addressing by path.

use std::collections::HashMap;

use data_encoding::BASE64URL_NOPAD;
use strongroom_shared::{
    Breadcrumb, CreateFolderRequest, FolderListing, Node, NodeKind, SearchResults,
    UpdateNodeRequest,
};
use time::OffsetDateTime;
use uuid::Uuid;

use super::Names;
use super::listing_cache::Kept;
use super::listings::sorted_listing;
use super::{Vault, VaultError};
use crate::auth::Caller;
use crate::store::StoreError;
use crate::store::meta::{NodeRecord, NodeUpdate};

pub const DEFAULT_PAGE: usize = 100;
pub const MAX_PAGE: usize = 1000;
const SEARCH_LIMIT: usize = 500;
/// Search reads the children of at most this many folders whose listing is
/// not kept one folder at a time; more, and it reads the whole tree at once.
const FOLDERS_READ_ONE_BY_ONE: usize = 8;

/// Whole seconds, as the stores keep them.
pub fn now() -> OffsetDateTime {
    let now = OffsetDateTime::now_utc();
    now.replace_nanosecond(0).unwrap_or(now)
}

/// `root` or a UUID; anything else cannot name a node of anyone's.
pub fn parse_ref(caller: &Caller, raw: &str) -> Result<Uuid, VaultError> {
    if raw == "root" {
        return Ok(caller.user_id);
    }
    Uuid::try_parse(raw).map_err(|_| VaultError::NotFound)
}

/// A new name and/or parent from a request (a rename, a move, a restore),
/// checked before any lookup.
pub fn parse_place(
    caller: &Caller,
    name: Option<&str>,
    parent_id: Option<&str>,
) -> Result<(Option<String>, Option<Uuid>), VaultError> {
    let name = name.map(|raw| Names::check("name", raw)).transpose()?;
    let parent = parent_id.map(|raw| parse_ref(caller, raw)).transpose()?;
    Ok((name, parent))
}

/// Sort order of listings: folders first, then by name ignoring case, ties by
/// exact name. The same key positions a cursor.
pub(super) fn order_key(kind: NodeKind, name: &str) -> (NodeKind, String, String) {
    (kind, name.to_lowercase(), name.to_owned())
}

fn cursor_text(kind: NodeKind, name: &str) -> String {
    let tag = match kind {
        NodeKind::Folder => 'd',
        NodeKind::File => 'f',
    };
    format!("{tag}{name}")
}

fn parse_cursor_text(text: &str) -> Option<(NodeKind, String)> {
    let mut chars = text.chars();
    let kind = match chars.next()? {
        'd' => NodeKind::Folder,
        'f' => NodeKind::File,
        _ => return None,
    };
    Some((kind, chars.as_str().to_owned()))
}

/// Which page of a listing: checked when asked for, before any lookup, so a
/// bad request gets the same answer whatever it points at.
#[derive(Debug)]
pub struct Page {
    cursor: Option<String>,
    limit: usize,
}

impl Page {
    pub fn new(cursor: Option<String>, limit: Option<usize>) -> Result<Self, VaultError> {
        let limit = limit.unwrap_or(DEFAULT_PAGE);
        if !(1..=MAX_PAGE).contains(&limit) {
            return Err(VaultError::InvalidLimit { max: MAX_PAGE });
        }
        Ok(Self { cursor, limit })
    }
}

/// Splits `a/b/c` into checked, NFC-normalised names (empty segments from
/// doubled or trailing slashes are skipped).
pub fn split_path(path: &str) -> Result<Vec<String>, VaultError> {
    path.split('/')
        .filter(|segment| !segment.is_empty())
        .map(|segment| Names::check("path", segment))
        .collect()
}

impl Vault {
    /// A node of the caller's; another user's id answers exactly like a missing one.
    pub async fn node(&self, caller: &Caller, id: Uuid) -> Result<NodeRecord, VaultError> {
        self.meta
            .node(caller.user_id, id)
            .await?
            .ok_or(VaultError::NotFound)
    }

    pub async fn folder(&self, caller: &Caller, id: Uuid) -> Result<NodeRecord, VaultError> {
        let node = self.node(caller, id).await?;
        if node.kind != NodeKind::Folder {
            return Err(VaultError::NotAFolder);
        }
        Ok(node)
    }

    pub async fn get(&self, caller: &Caller, id: Uuid) -> Result<Node, VaultError> {
        Names::new(&caller.umk).to_wire(&self.node(caller, id).await?)
    }

    pub async fn list(
        &self,
        caller: &Caller,
        folder_id: Uuid,
        page: Page,
    ) -> Result<FolderListing, VaultError> {
        let Page { cursor, limit } = page;
        let names = Names::new(&caller.umk);
        // The version is read before the children (`listing_cache.rs`).
        let (folder, path, version) = tokio::try_join!(
            self.folder(caller, folder_id),
            async { Ok(self.meta.ancestors(caller.user_id, folder_id).await?) },
            async { Ok(self.meta.listing_version(caller.user_id, folder_id).await?) },
        )?;
        let after = match cursor.as_deref() {
            None => None,
            Some(raw) => Some(
                BASE64URL_NOPAD
                    .decode(raw.as_bytes())
                    .ok()
                    .and_then(|sealed| names.open_cursor(folder.id, &sealed))
                    .and_then(|text| parse_cursor_text(&text))
                    .ok_or(VaultError::InvalidCursor)?,
            ),
        };
        let listing = self
            .listings
            .sorted_children(caller.user_id, &caller.umk, &names, folder.id, version)
            .await?;
        let items = listing.items();
        let start = match &after {
            None => 0,
            Some((kind, name)) => {
                let key = order_key(*kind, name);
                items.partition_point(|n| order_key(n.kind, &n.name) <= key)
            }
        };
        let page = &items[start..(start + limit).min(items.len())];
        let next_cursor = (start + page.len() < items.len())
            .then(|| page.last())
            .flatten()
            .map(|last| {
                BASE64URL_NOPAD
                    .encode(&names.seal_cursor(folder.id, &cursor_text(last.kind, &last.name)))
            });
        let breadcrumbs = path
            .iter()
            .map(|step| {
                Ok(Breadcrumb {
                    id: step.id,
                    name: names.open(step)?,
                })
            })
            .collect::<Result<Vec<_>, VaultError>>()?;
        Ok(FolderListing {
            folder: names.to_wire(&folder)?,
            breadcrumbs,
            items: page
                .iter()
                .map(|node| super::names::with_content_type(node.clone()))
                .collect(),
            next_cursor,
        })
    }

    /// Every child of a folder with its name, unordered and unpaged: for
    /// clients (WebDAV) that list a whole folder in one answer.
    pub async fn children(
        &self,
        caller: &Caller,
        folder_id: Uuid,
    ) -> Result<Vec<(String, NodeRecord)>, VaultError> {
        let names = Names::new(&caller.umk);
        let folder = self.folder(caller, folder_id).await?;
        let children = self.meta.children(caller.user_id, folder.id).await?;
        children
            .into_iter()
            .map(|child| Ok((names.open(&child)?, child)))
            .collect()
    }

    pub async fn create_folder_in(
        &self,
        caller: &Caller,
        parent_id: Uuid,
        name: &str,
    ) -> Result<NodeRecord, VaultError> {
        let names = Names::new(&caller.umk);
        self.folder(caller, parent_id).await?;
        // The new folder is as deep as the path to its parent is long.
        let depth = self.meta.ancestors(caller.user_id, parent_id).await?.len();
        if depth > self.limits.folder_depth {
            return Err(VaultError::TooDeep {
                max: self.limits.folder_depth,
            });
        }
        let id = Uuid::now_v7();
        let (name_ct, name_mac) = names.seal(id, parent_id, name);
        let at = now();
        let record = NodeRecord {
            id,
            user_id: caller.user_id,
            parent_id: Some(parent_id),
            kind: NodeKind::Folder,
            name_ct,
            name_mac,
            size: 0,
            object_id: None,
            created_at: at,
            modified_at: at,
            binding: None,
        };
        let max_nodes = self.limits.nodes_per_account;
        self.meta
            .create_folder(&record, max_nodes)
            .await
            .map_err(|err| match err {
                StoreError::NodeLimit => VaultError::NodeLimit { max: max_nodes },
                other => other.into(),
            })?;
        self.shares_follow(caller, &record, None).await;
        Ok(record)
    }

    pub async fn create_folder(
        &self,
        caller: &Caller,
        req: CreateFolderRequest,
    ) -> Result<Node, VaultError> {
        let name = Names::check("name", &req.name)?;
        let parent_id = parse_ref(caller, &req.parent_id)?;
        let record = self.create_folder_in(caller, parent_id, &name).await?;
        Ok(super::names::wire(&record, name))
    }

    pub async fn update(
        &self,
        caller: &Caller,
        id: Uuid,
        req: UpdateNodeRequest,
    ) -> Result<Node, VaultError> {
        let (new_name, new_parent) =
            parse_place(caller, req.name.as_deref(), req.parent_id.as_deref())?;
        let names = Names::new(&caller.umk);
        let current = self.node(caller, id).await?;
        let Some(current_parent) = current.parent_id else {
            return Err(VaultError::InvalidMove);
        };
        let name = match new_name {
            Some(name) => name,
            None => names.open(&current)?,
        };
        let parent_id = new_parent.unwrap_or(current_parent);
        if parent_id != current_parent && current.kind == NodeKind::Folder {
            self.check_depth_after_move(caller, id, parent_id).await?;
        }
        // The name is re-sealed for its (possibly new) place: a ciphertext moved by
        // someone with store access would no longer open.
        let (name_ct, name_mac) = names.seal(id, parent_id, &name);
        let updated = self
            .meta
            .update_node(
                caller.user_id,
                id,
                &NodeUpdate {
                    parent_id,
                    name_ct,
                    name_mac,
                    modified_at: now(),
                },
            )
            .await?;
        let moved_from = (parent_id != current_parent).then_some(current_parent);
        self.shares_follow(caller, &updated, moved_from).await;
        Ok(super::names::wire(&updated, name))
    }

    /// A folder moved into `target` must keep its deepest folder within
    /// `folder_depth`: the target's depth plus the height of what moves.
    pub(super) async fn check_depth_after_move(
        &self,
        caller: &Caller,
        folder: Uuid,
        target: Uuid,
    ) -> Result<(), VaultError> {
        let max = self.limits.folder_depth;
        let depth = self.meta.ancestors(caller.user_id, target).await?.len();
        let too_deep = VaultError::TooDeep { max };
        // Walk down level by level, no further than the depth left.
        let mut level = vec![folder];
        for reached in depth.. {
            if level.is_empty() {
                return Ok(());
            }
            if reached > max {
                return Err(too_deep);
            }
            let mut next = Vec::new();
            for id in level {
                let children = self.meta.children(caller.user_id, id).await?;
                next.extend(
                    children
                        .into_iter()
                        .filter(|c| c.kind == NodeKind::Folder)
                        .map(|c| c.id),
                );
            }
            level = next;
        }
        Err(too_deep)
    }

    /// Names matching `query` anywhere in the caller's tree, from the kept
    /// listings of every live folder (search reads the whole tree).
    pub async fn search(&self, caller: &Caller, query: &str) -> Result<SearchResults, VaultError> {
        // Not trimmed: a name can hold spaces, and `q` means exactly what it says.
        let needle = query.to_lowercase();
        if needle.is_empty() {
            return Err(VaultError::EmptyQuery);
        }
        let names = Names::new(&caller.umk);
        // The versions before the children, as for a listing.
        let folders = self.meta.folder_versions(caller.user_id).await?;
        let mut listings = Vec::with_capacity(folders.len());
        // Folders whose listing is behind, and those with none kept.
        let mut stale = Vec::new();
        let mut missing = Vec::new();
        for (folder, version) in folders {
            match self.listings.cache.lookup(caller.user_id, folder, version) {
                Kept::Current(kept) => listings.push(kept),
                behind @ Kept::Behind { .. } => stale.push((folder, version, behind)),
                Kept::Nothing => missing.push((folder, version)),
            }
        }
        // A few folders not kept are read one by one, like the stale ones.
        if missing.len() <= FOLDERS_READ_ONE_BY_ONE {
            stale.extend(missing.drain(..).map(|(f, v)| (f, v, Kept::Nothing)));
        }
        for (folder, version, kept) in stale {
            let listing = self
                .listings
                .bring_up_to_date(caller.user_id, &caller.umk, &names, folder, version, kept)
                .await?;
            listings.push(listing);
        }
        if !missing.is_empty() {
            // One read of the whole tree rather than one per folder.
            let nodes = self.meta.all_nodes(caller.user_id).await?;
            let mut by_parent: HashMap<Uuid, Vec<NodeRecord>> = HashMap::new();
            for node in nodes {
                if let Some(parent) = node.parent_id {
                    by_parent.entry(parent).or_default().push(node);
                }
            }
            for (folder, version) in missing {
                let children = by_parent.remove(&folder).unwrap_or_default();
                let listing = sorted_listing(&names, &children)?;
                listings.push(
                    self.listings
                        .cache
                        .put(caller.user_id, folder, version, listing),
                );
            }
        }
        let mut hits: Vec<Node> = listings
            .iter()
            .flat_map(|listing| listing.items())
            .filter(|node| node.name.to_lowercase().contains(&needle))
            .map(|node| super::names::with_content_type(node.clone()))
            .collect();
        hits.sort_by_cached_key(|node| order_key(node.kind, &node.name));
        hits.truncate(SEARCH_LIMIT);
        Ok(SearchResults { items: hits })
    }

    /// Walks a path from the root. `None` when some step does not exist.
    pub async fn resolve(
        &self,
        caller: &Caller,
        segments: &[String],
    ) -> Result<Option<NodeRecord>, VaultError> {
        let names = Names::new(&caller.umk);
        let mut current = self.node(caller, caller.user_id).await?;
        for segment in segments {
            if current.kind != NodeKind::Folder {
                return Ok(None);
            }
            match self
                .meta
                .child_by_mac(caller.user_id, current.id, &names.mac(current.id, segment))
                .await?
            {
                Some(child) => current = child,
                None => return Ok(None),
            }
        }
        Ok(Some(current))
    }

    /// Walks a path of folders, creating the missing ones when `create` is set.
    pub async fn folder_at(
        &self,
        caller: &Caller,
        segments: &[String],
        create: bool,
    ) -> Result<NodeRecord, VaultError> {
        let names = Names::new(&caller.umk);
        let mut current = self.node(caller, caller.user_id).await?;
        for segment in segments {
            let existing = self
                .meta
                .child_by_mac(caller.user_id, current.id, &names.mac(current.id, segment))
                .await?;
            current = match existing {
                Some(child) if child.kind == NodeKind::Folder => child,
                Some(_) => return Err(VaultError::NotAFolder),
                None if create => match self.create_folder_in(caller, current.id, segment).await {
                    Ok(created) => created,
                    // Another request made it meanwhile: use theirs.
                    Err(VaultError::NameTaken) => self
                        .meta
                        .child_by_mac(caller.user_id, current.id, &names.mac(current.id, segment))
                        .await?
                        .filter(|c| c.kind == NodeKind::Folder)
                        .ok_or(VaultError::NotAFolder)?,
                    Err(err) => return Err(err),
                },
                None => return Err(VaultError::NotFound),
            };
        }
        Ok(current)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use strongroom_shared::RestoreRequest;

    use super::*;
    use crate::crypto::keys::ListingSnapshotKey;
    use crate::store::blob::ObjectKey;
    use crate::vault::listing_snapshot;
    use crate::vault::testing::{Fixture, caller, fixture};

    /// A file straight into the store (no content needed for listings).
    async fn put_file(vault: &Vault, caller: &Caller, folder: Uuid, name: &str, size: u64) {
        let names = Names::new(&caller.umk);
        // An overwrite keeps the node (and its id).
        let id = vault
            .meta
            .child_by_mac(caller.user_id, folder, &names.mac(folder, name))
            .await
            .unwrap()
            .map_or_else(Uuid::now_v7, |old| old.id);
        let (name_ct, name_mac) = names.seal(id, folder, name);
        let node = NodeRecord {
            id,
            user_id: caller.user_id,
            parent_id: Some(folder),
            kind: NodeKind::File,
            name_ct,
            name_mac,
            size,
            object_id: Some(Uuid::now_v7()),
            created_at: now(),
            modified_at: now(),
            binding: None,
        };
        vault
            .meta
            .commit_file(&node, true, 10_000, 0)
            .await
            .unwrap();
    }

    async fn listed(vault: &Vault, caller: &Caller, folder: Uuid) -> Vec<Node> {
        let page = Page::new(None, Some(MAX_PAGE)).unwrap();
        vault.list(caller, folder, page).await.unwrap().items
    }

    /// The folder as a server with nothing in memory lists it.
    async fn listed_cold(f: &Fixture, caller: &Caller, folder: Uuid) -> Vec<Node> {
        listed(&f.another_vault(), caller, folder).await
    }

    /// What a listing made from nothing kept says.
    async fn read_whole(vault: &Vault, caller: &Caller, folder: Uuid) -> Vec<Node> {
        let names = Names::new(&caller.umk);
        let children = vault.meta.children(caller.user_id, folder).await.unwrap();
        let listing = sorted_listing(&names, &children).unwrap();
        listing
            .items()
            .iter()
            .map(|node| super::super::names::with_content_type(node.clone()))
            .collect()
    }

    /// Every kind of change, one after another, each followed by a listing
    /// brought up to date from the last one: it must equal a listing read
    /// whole, and the store must have said what changed (no silent
    /// fallback to reading it whole).
    #[tokio::test]
    async fn a_kept_listing_brought_up_to_date_equals_one_read_whole() {
        let f = fixture();
        let me = caller(f.meta.as_ref()).await;
        let vault = &f.vault;
        let a = new_folder(vault, &me, me.user_id, "a").await;
        let b = new_folder(vault, &me, me.user_id, "b").await;
        for i in 0..40 {
            put_file(vault, &me, a, &format!("File {i:02}.txt"), i).await;
        }
        for i in 0..4 {
            vault
                .create_folder_in(&me, a, &format!("sub {i}"))
                .await
                .unwrap();
        }
        for i in 0..6 {
            put_file(vault, &me, b, &format!("from b {i}.bin"), i).await;
        }
        assert_eq!(listed(vault, &me, a).await, read_whole(vault, &me, a).await);

        for step in 0..48u64 {
            let before = version_of(vault, &me, a).await;
            let here = read_whole(vault, &me, a).await;
            let pick = |k: u64| here[usize::try_from(k).unwrap() % here.len()].id;
            match step % 8 {
                0 => put_file(vault, &me, a, &format!("new {step}.txt"), step).await,
                // A new content under a name that is there (an overwrite).
                1 => {
                    let name = here
                        .iter()
                        .find(|n| n.kind == NodeKind::File)
                        .unwrap()
                        .name
                        .clone();
                    put_file(vault, &me, a, &name, 1000 + step).await;
                }
                2 => {
                    let req = UpdateNodeRequest {
                        name: Some(format!("{} renamed {step}", step % 3)),
                        parent_id: None,
                    };
                    vault.update(&me, pick(step * 7), req).await.unwrap();
                }
                3 => {
                    let req = UpdateNodeRequest {
                        name: None,
                        parent_id: Some(b.to_string()),
                    };
                    vault.update(&me, pick(step * 5), req).await.unwrap();
                }
                4 => {
                    let theirs = read_whole(vault, &me, b).await;
                    let req = UpdateNodeRequest {
                        name: Some(format!("moved in {step}")),
                        parent_id: Some(a.to_string()),
                    };
                    vault.update(&me, theirs[0].id, req).await.unwrap();
                }
                5 => vault.delete(&me, pick(step * 3)).await.unwrap(),
                6 => {
                    let trash = vault.trash(&me).await.unwrap();
                    let item = trash.items.first().unwrap();
                    let req = RestoreRequest {
                        parent_id: Some(a.to_string()),
                        name: Some(format!("restored {step}")),
                    };
                    vault.restore(&me, item.id, req).await.unwrap();
                }
                _ => {
                    let doomed = pick(step * 11);
                    vault.delete(&me, doomed).await.unwrap();
                    vault.purge(&me, doomed).await.unwrap();
                }
            }
            let delta = vault
                .meta
                .children_since(me.user_id, a, before)
                .await
                .unwrap();
            assert!(delta.is_some(), "step {step}: the store tells what changed");
            assert_eq!(
                listed(vault, &me, a).await,
                read_whole(vault, &me, a).await,
                "step {step}"
            );
        }
    }

    #[tokio::test]
    async fn a_listing_far_behind_is_read_whole() {
        let f = fixture();
        let me = caller(f.meta.as_ref()).await;
        let a = new_folder(&f.vault, &me, me.user_id, "a").await;
        put_file(&f.vault, &me, a, "first", 1).await;
        let early = version_of(&f.vault, &me, a).await;
        assert!(
            f.meta
                .children_since(me.user_id, a, early)
                .await
                .unwrap()
                .is_some()
        );
        for i in 0..1001 {
            put_file(&f.vault, &me, a, "again", i).await;
        }
        assert!(
            f.meta
                .children_since(me.user_id, a, early)
                .await
                .unwrap()
                .is_none()
        );
    }

    async fn new_folder(vault: &Vault, caller: &Caller, parent: Uuid, name: &str) -> Uuid {
        vault
            .create_folder_in(caller, parent, name)
            .await
            .unwrap()
            .id
    }

    async fn version_of(vault: &Vault, caller: &Caller, folder: Uuid) -> u64 {
        vault
            .meta
            .listing_version(caller.user_id, folder)
            .await
            .unwrap()
            .unwrap()
    }

    /// The version of the folder's snapshot once one is there (they are
    /// written in the background), waiting up to 5 s for it to be `at_least`.
    async fn snapshot_version(vault: &Vault, caller: &Caller, folder: Uuid, at_least: u64) -> u64 {
        for _ in 0..500 {
            let key = ListingSnapshotKey::derive(&caller.umk);
            if let Some((made_at, _)) =
                listing_snapshot::load(&*vault.blobs, key, caller.user_id, folder).await
                && made_at >= at_least
            {
                return made_at;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        panic!("no snapshot of version {at_least} or later was written");
    }

    async fn put_snapshot(vault: &Vault, caller: &Caller, folder: Uuid, sealed: Vec<u8>) {
        let len = sealed.len() as u64;
        let body = Box::pin(futures_util::stream::once(async move {
            Ok(bytes::Bytes::from(sealed))
        }));
        vault
            .blobs
            .put(&ObjectKey::new(caller.user_id, folder), Some(len), body)
            .await
            .unwrap();
    }

    /// A big folder's listing is written as a snapshot; another server (or
    /// this one restarted) starts from it, brought up to date with what
    /// changed since, and ends where a read of the whole folder does.
    #[tokio::test]
    async fn a_cold_listing_starts_from_the_snapshot_and_catches_up() {
        let mut f = fixture();
        f.vault.listings.snapshot_min_children = 10;
        let me = caller(f.meta.as_ref()).await;
        let vault = &f.vault;
        let a = new_folder(vault, &me, me.user_id, "a").await;
        let small = new_folder(vault, &me, me.user_id, "small").await;
        for i in 0..30 {
            put_file(vault, &me, a, &format!("Doc {i:02}.txt"), i).await;
        }
        put_file(vault, &me, small, "alone.txt", 1).await;
        let made = version_of(vault, &me, a).await;
        assert_eq!(listed(vault, &me, a).await, read_whole(vault, &me, a).await);
        assert_eq!(snapshot_version(vault, &me, a, made).await, made);
        // Below the threshold: no snapshot.
        listed(vault, &me, small).await;
        let key = ListingSnapshotKey::derive(&me.umk);
        assert!(
            listing_snapshot::load(&*vault.blobs, key, me.user_id, small)
                .await
                .is_none()
        );

        // Changes the snapshot does not know of.
        put_file(vault, &me, a, "added.txt", 5).await;
        put_file(vault, &me, a, "Doc 03.txt", 999).await;
        let here = read_whole(vault, &me, a).await;
        let rename = UpdateNodeRequest {
            name: Some("zz renamed".to_owned()),
            parent_id: None,
        };
        vault.update(&me, here[7].id, rename).await.unwrap();
        vault.delete(&me, here[9].id).await.unwrap();
        let other = f.another_vault();
        let now_at = version_of(&other, &me, a).await;
        assert!(now_at > made);
        assert_eq!(
            listed(&other, &me, a).await,
            read_whole(&other, &me, a).await
        );
        // Few changes: the old snapshot stays.
        assert_eq!(snapshot_version(&other, &me, a, made).await, made);
    }

    /// Only a snapshot sealed for this user and folder, at a version the
    /// folder has reached, is used.
    #[tokio::test]
    async fn a_snapshot_is_used_only_for_its_folder_and_a_version_reached() {
        let f = fixture();
        let me = caller(f.meta.as_ref()).await;
        let a = new_folder(&f.vault, &me, me.user_id, "a").await;
        let b = new_folder(&f.vault, &me, me.user_id, "b").await;
        put_file(&f.vault, &me, a, "real.txt", 1).await;
        let version = version_of(&f.vault, &me, a).await;
        let key = ListingSnapshotKey::derive(&me.umk);
        let mut forged = read_whole(&f.vault, &me, a).await;
        forged.iter_mut().for_each(|n| {
            n.name = "from the snapshot".to_owned();
            n.content_type = None;
        });
        let expect_forged: Vec<Node> = forged
            .iter()
            .map(|n| super::super::names::with_content_type(n.clone()))
            .collect();

        // Sealed for folder b, put under a's id: not opened.
        let for_b = listing_snapshot::seal(&key, me.user_id, b, version, &forged).unwrap();
        put_snapshot(&f.vault, &me, a, for_b).await;
        assert_eq!(
            listed_cold(&f, &me, a).await,
            read_whole(&f.vault, &me, a).await
        );

        // Claims a version the folder has not reached: not used.
        let ahead = listing_snapshot::seal(&key, me.user_id, a, version + 1, &forged).unwrap();
        put_snapshot(&f.vault, &me, a, ahead).await;
        assert_eq!(
            listed_cold(&f, &me, a).await,
            read_whole(&f.vault, &me, a).await
        );

        // At the current version: used as it is (which is how this test
        // knows the listing came from it).
        let current = listing_snapshot::seal(&key, me.user_id, a, version, &forged).unwrap();
        put_snapshot(&f.vault, &me, a, current).await;
        assert_eq!(listed_cold(&f, &me, a).await, expect_forged);

        // Older than the folder: brought up to date with what changed since
        // (the new file), the rest as the snapshot says.
        put_file(&f.vault, &me, a, "new.txt", 2).await;
        let whole = read_whole(&f.vault, &me, a).await;
        let new = whole.iter().find(|n| n.name == "new.txt").unwrap().clone();
        let mut expect = expect_forged.clone();
        expect.push(new); // "from the snapshot" < "new.txt"
        assert_eq!(listed_cold(&f, &me, a).await, expect);

        // Garbage under the folder's id: read whole.
        put_snapshot(&f.vault, &me, a, b"not a snapshot".to_vec()).await;
        assert_eq!(
            listed_cold(&f, &me, a).await,
            read_whole(&f.vault, &me, a).await
        );
    }

    /// The sweeper keeps a snapshot while its folder exists, and removes it
    /// once the folder is gone.
    #[tokio::test]
    async fn the_sweeper_keeps_snapshots_of_live_folders_only() {
        let f = fixture();
        let me = caller(f.meta.as_ref()).await;
        let a = new_folder(&f.vault, &me, me.user_id, "a").await;
        let key = ListingSnapshotKey::derive(&me.umk);
        let sealed = listing_snapshot::seal(&key, me.user_id, a, 1, &[]).unwrap();
        put_snapshot(&f.vault, &me, a, sealed.clone()).await;
        let sweep = || super::super::sweeper::sweep(&*f.meta, &*f.blobs, time::Duration::ZERO);
        assert_eq!(sweep().await.unwrap().removed, 0);
        assert!(
            f.blobs
                .get(&ObjectKey::new(me.user_id, a), None)
                .await
                .is_ok()
        );
        f.vault.delete(&me, a).await.unwrap();
        assert_eq!(
            sweep().await.unwrap().removed,
            0,
            "in the trash it is still a folder"
        );
        f.vault.purge(&me, a).await.unwrap();
        assert_eq!(sweep().await.unwrap().removed, 1);
        assert!(matches!(
            f.blobs.get(&ObjectKey::new(me.user_id, a), None).await,
            Err(StoreError::NotFound)
        ));
    }
}
