//! Folders and the operations on nodes: list, create, rename, move, delete,
//! search, and addressing by path.

use data_encoding::BASE64URL_NOPAD;
use strongroom_shared::{
    Breadcrumb, CreateFolderRequest, FolderListing, Node, NodeKind, SearchResults,
    UpdateNodeRequest,
};
use time::OffsetDateTime;
use uuid::Uuid;

use super::Names;
use crate::app::AppState;
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::store::meta::{NodeRecord, NodeUpdate};
use crate::store::{ObjectKey, StoreError};

pub const DEFAULT_PAGE: usize = 100;
pub const MAX_PAGE: usize = 1000;
const SEARCH_LIMIT: usize = 500;

/// Whole seconds, as the stores keep them.
pub fn now() -> OffsetDateTime {
    let now = OffsetDateTime::now_utc();
    now.replace_nanosecond(0).unwrap_or(now)
}

/// `root` or a UUID; anything else cannot name a node of anyone's.
pub fn parse_ref(auth: &AuthUser, raw: &str) -> Result<Uuid, ApiError> {
    if raw == "root" {
        return Ok(auth.user_id);
    }
    Uuid::try_parse(raw).map_err(|_| ApiError::NotFound)
}

/// A node of the caller's; another user's id answers exactly like a missing one.
pub async fn node(state: &AppState, auth: &AuthUser, id: Uuid) -> Result<NodeRecord, ApiError> {
    state
        .meta
        .node(auth.user_id, id)
        .await?
        .ok_or(ApiError::NotFound)
}

pub async fn folder(state: &AppState, auth: &AuthUser, id: Uuid) -> Result<NodeRecord, ApiError> {
    let node = node(state, auth, id).await?;
    if node.kind != NodeKind::Folder {
        return Err(ApiError::NotAFolder);
    }
    Ok(node)
}

pub async fn get(state: &AppState, auth: &AuthUser, id: Uuid) -> Result<Node, ApiError> {
    Names::new(&auth.umk).to_wire(&node(state, auth, id).await?)
}

/// Sort order of listings: folders first, then by name ignoring case, ties by
/// exact name. The same key positions a cursor.
fn order_key(kind: NodeKind, name: &str) -> (NodeKind, String, String) {
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
    pub fn new(cursor: Option<String>, limit: Option<usize>) -> Result<Self, ApiError> {
        let limit = limit.unwrap_or(DEFAULT_PAGE);
        if !(1..=MAX_PAGE).contains(&limit) {
            return Err(ApiError::bad_request(
                "invalid_limit",
                format!("limit must be between 1 and {MAX_PAGE}"),
            ));
        }
        Ok(Self { cursor, limit })
    }
}

pub async fn list(
    state: &AppState,
    auth: &AuthUser,
    folder_id: Uuid,
    page: Page,
) -> Result<FolderListing, ApiError> {
    let Page { cursor, limit } = page;
    let names = Names::new(&auth.umk);
    let folder = folder(state, auth, folder_id).await?;
    let after = match cursor.as_deref() {
        None => None,
        Some(raw) => Some(
            BASE64URL_NOPAD
                .decode(raw.as_bytes())
                .ok()
                .and_then(|sealed| names.open_cursor(folder.id, &sealed))
                .and_then(|text| parse_cursor_text(&text))
                .ok_or(ApiError::InvalidCursor)?,
        ),
    };
    let (children, path) = tokio::try_join!(
        state.meta.children(auth.user_id, folder.id),
        state.meta.ancestors(auth.user_id, folder.id)
    )?;

    // Names are ciphertext in the store, so ordering happens here, after decryption.
    let mut items = children
        .iter()
        .map(|child| Ok((names.open(child)?, child)))
        .collect::<Result<Vec<_>, ApiError>>()?;
    items.sort_by_cached_key(|(name, child)| order_key(child.kind, name));
    let start = match &after {
        None => 0,
        Some((kind, name)) => {
            let key = order_key(*kind, name);
            items.partition_point(|(n, c)| order_key(c.kind, n) <= key)
        }
    };
    let page: Vec<_> = items.iter().skip(start).take(limit).collect();
    let next_cursor = (start + page.len() < items.len())
        .then(|| page.last())
        .flatten()
        .map(|(name, child)| {
            BASE64URL_NOPAD.encode(&names.seal_cursor(folder.id, &cursor_text(child.kind, name)))
        });
    let breadcrumbs = path
        .iter()
        .map(|step| {
            Ok(Breadcrumb {
                id: step.id,
                name: names.open(step)?,
            })
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    Ok(FolderListing {
        folder: names.to_wire(&folder)?,
        breadcrumbs,
        items: page
            .into_iter()
            .map(|(name, child)| super::names::wire(child, name.clone()))
            .collect(),
        next_cursor,
    })
}

fn name_taken() -> ApiError {
    ApiError::Conflict {
        code: "name_taken",
        detail: "something with this name already exists in the folder".to_owned(),
    }
}

/// Maps the store's refusals of tree changes to their answers.
pub fn tree_error(err: StoreError) -> ApiError {
    match err {
        StoreError::Conflict(_) => name_taken(),
        StoreError::InvalidMove => ApiError::InvalidMove,
        other => other.into(),
    }
}

pub async fn create_folder_in(
    state: &AppState,
    auth: &AuthUser,
    parent_id: Uuid,
    name: &str,
) -> Result<NodeRecord, ApiError> {
    let names = Names::new(&auth.umk);
    folder(state, auth, parent_id).await?;
    let id = Uuid::now_v7();
    let (name_ct, name_mac) = names.seal(id, parent_id, name);
    let at = now();
    let record = NodeRecord {
        id,
        user_id: auth.user_id,
        parent_id: Some(parent_id),
        kind: NodeKind::Folder,
        name_ct,
        name_mac,
        size: 0,
        object_id: None,
        created_at: at,
        modified_at: at,
    };
    state
        .meta
        .create_folder(&record)
        .await
        .map_err(tree_error)?;
    Ok(record)
}

pub async fn create_folder(
    state: &AppState,
    auth: &AuthUser,
    req: CreateFolderRequest,
) -> Result<Node, ApiError> {
    let name = Names::check("name", &req.name)?;
    let parent_id = parse_ref(auth, &req.parent_id)?;
    let record = create_folder_in(state, auth, parent_id, &name).await?;
    Ok(super::names::wire(&record, name))
}

pub async fn update(
    state: &AppState,
    auth: &AuthUser,
    id: Uuid,
    req: UpdateNodeRequest,
) -> Result<Node, ApiError> {
    let new_name = req
        .name
        .as_deref()
        .map(|raw| Names::check("name", raw))
        .transpose()?;
    let new_parent = req
        .parent_id
        .as_deref()
        .map(|raw| parse_ref(auth, raw))
        .transpose()?;
    let names = Names::new(&auth.umk);
    let current = node(state, auth, id).await?;
    let Some(current_parent) = current.parent_id else {
        return Err(ApiError::InvalidMove);
    };
    let name = match new_name {
        Some(name) => name,
        None => names.open(&current)?,
    };
    let parent_id = new_parent.unwrap_or(current_parent);
    // The name is re-sealed for its (possibly new) place: a ciphertext moved by
    // someone with store access would no longer open.
    let (name_ct, name_mac) = names.seal(id, parent_id, &name);
    let updated = state
        .meta
        .update_node(
            auth.user_id,
            id,
            &NodeUpdate {
                parent_id,
                name_ct,
                name_mac,
                modified_at: now(),
            },
        )
        .await
        .map_err(|err| match err {
            StoreError::NotFound if new_parent.is_some() => ApiError::NotFound,
            other => tree_error(other),
        })?;
    Ok(super::names::wire(&updated, name))
}

/// Deletes a node (a folder with everything below it) and then its objects.
pub async fn delete(state: &AppState, auth: &AuthUser, id: Uuid) -> Result<(), ApiError> {
    let objects = state
        .meta
        .delete_node(auth.user_id, id)
        .await
        .map_err(tree_error)?;
    delete_objects(state, auth.user_id, objects).await;
    Ok(())
}

/// Removes objects whose records are gone. A failure here leaves an orphan that
/// the sweeper removes later, so it is logged, not returned.
pub async fn delete_objects(state: &AppState, user_id: Uuid, objects: Vec<Uuid>) {
    for object_id in objects {
        if let Err(err) = state
            .blobs
            .delete(&ObjectKey::new(user_id, object_id))
            .await
        {
            tracing::warn!(%object_id, error = %err, "object not deleted; the sweeper will retry");
        }
    }
}

pub async fn search(
    state: &AppState,
    auth: &AuthUser,
    query: &str,
) -> Result<SearchResults, ApiError> {
    // Not trimmed: a name can hold spaces, and `q` means exactly what it says.
    let needle = query.to_lowercase();
    if needle.is_empty() {
        return Err(ApiError::bad_request(
            "invalid_query",
            "the search query `q` cannot be empty",
        ));
    }
    let names = Names::new(&auth.umk);
    let nodes = state.meta.all_nodes(auth.user_id).await?;
    let mut hits = Vec::new();
    for record in &nodes {
        let name = names.open(record)?;
        if name.to_lowercase().contains(&needle) {
            hits.push(super::names::wire(record, name));
        }
    }
    hits.sort_by_cached_key(|node| order_key(node.kind, &node.name));
    hits.truncate(SEARCH_LIMIT);
    Ok(SearchResults { items: hits })
}

/// Splits `a/b/c` into checked, NFC-normalised names (empty segments from
/// doubled or trailing slashes are skipped).
pub fn split_path(path: &str) -> Result<Vec<String>, ApiError> {
    path.split('/')
        .filter(|segment| !segment.is_empty())
        .map(|segment| Names::check("path", segment))
        .collect()
}

/// Walks a path from the root. `None` when some step does not exist.
pub async fn resolve(
    state: &AppState,
    auth: &AuthUser,
    segments: &[String],
) -> Result<Option<NodeRecord>, ApiError> {
    let names = Names::new(&auth.umk);
    let mut current = node(state, auth, auth.user_id).await?;
    for segment in segments {
        if current.kind != NodeKind::Folder {
            return Ok(None);
        }
        match state
            .meta
            .child_by_mac(auth.user_id, current.id, &names.mac(current.id, segment))
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
    state: &AppState,
    auth: &AuthUser,
    segments: &[String],
    create: bool,
) -> Result<NodeRecord, ApiError> {
    let names = Names::new(&auth.umk);
    let mut current = node(state, auth, auth.user_id).await?;
    for segment in segments {
        let existing = state
            .meta
            .child_by_mac(auth.user_id, current.id, &names.mac(current.id, segment))
            .await?;
        current = match existing {
            Some(child) if child.kind == NodeKind::Folder => child,
            Some(_) => return Err(ApiError::NotAFolder),
            None if create => match create_folder_in(state, auth, current.id, segment).await {
                Ok(created) => created,
                // Another request made it meanwhile: use theirs.
                Err(ApiError::Conflict { .. }) => state
                    .meta
                    .child_by_mac(auth.user_id, current.id, &names.mac(current.id, segment))
                    .await?
                    .filter(|c| c.kind == NodeKind::Folder)
                    .ok_or(ApiError::NotAFolder)?,
                Err(err) => return Err(err),
            },
            None => return Err(ApiError::NotFound),
        };
    }
    Ok(current)
}
