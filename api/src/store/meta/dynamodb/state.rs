//! What a node item holds beyond its `NodeRecord`: its trash mark, its
//! trash state when it is the top of a trash item, and a file's versions
//! (see the module documentation for the attributes).

use aws_sdk_dynamodb::types::AttributeValue;
use time::OffsetDateTime;
use uuid::Uuid;

use super::expr::{Item, Reader, b, key, n, s};
use super::items;
use crate::store::StoreError;
use crate::store::meta::{NodeRecord, TrashedRecord, VersionRecord};

/// The partition of the sweeper's queue of trash items, oldest first.
pub(super) const TRASH_QUEUE: &str = "TRASHQ";
/// Prefix of the refs of a user's trash items, in the user's partition.
pub(super) const TRASH_REF_PREFIX: &str = "TRASH#";

/// A node's trash mark: it belongs to the subtree that the operation `op`
/// trashes from `top`. It hides the node only once that operation has
/// committed (the top item is in the trash under the same `op`); the mark of
/// an operation that failed, crashed or was undone is harmless.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Mark {
    pub top: Uuid,
    pub op: Uuid,
}

/// A node item, read whole.
#[derive(Clone, Debug)]
pub(super) struct NodeState {
    pub node: NodeRecord,
    pub mark: Option<Mark>,
    /// Set on the top of a trash item only (committed).
    pub trashed_at: Option<OffsetDateTime>,
    /// On a trash item's top: the current contents of its files.
    pub trash_bytes: u64,
    /// A file's earlier contents, newest first.
    pub versions: Vec<VersionRecord>,
    /// Bumped on each change of `versions` (compare-and-swap).
    pub rev: u64,
    /// It has a dead properties item (`has_props`, set and removed in the
    /// same transaction as that item): the deletes know what to take.
    pub props: bool,
}

impl NodeState {
    pub(super) fn from_item(item: &Item) -> Result<Self, StoreError> {
        let node = items::node_from_item(item)?;
        let r = Reader::new(item, "node");
        let mark = match (r.opt_uuid("trashed_in")?, r.opt_uuid("trash_op")?) {
            (Some(top), Some(op)) => Some(Mark { top, op }),
            _ => None,
        };
        let versions = match item.get("versions") {
            None => Vec::new(),
            Some(AttributeValue::L(list)) => list
                .iter()
                .map(|v| version_from_value(node.id, v))
                .collect::<Result<_, _>>()?,
            Some(_) => return Err(StoreError::Corrupt("node versions".to_owned())),
        };
        Ok(Self {
            node,
            mark,
            trashed_at: r.opt_time("trashed_at")?,
            trash_bytes: r.opt_u64("trash_bytes")?.unwrap_or(0),
            versions,
            rev: r.opt_u64("rev")?.unwrap_or(0),
            props: r.flag("has_props")?,
        })
    }

    /// Whether this item is the top of the trash operation `mark` names,
    /// committed: then everything carrying that mark is in the trash.
    pub(super) fn commits(&self, mark: &Mark) -> bool {
        self.node.id == mark.top && self.trashed_at.is_some() && self.mark == Some(*mark)
    }

    /// The trash item this node is the top of, if it is one.
    pub(super) fn trashed(&self) -> Option<TrashedRecord> {
        let mark = self.mark?;
        let trashed_at = self.trashed_at.filter(|_| mark.top == self.node.id)?;
        Some(TrashedRecord {
            node: self.node.clone(),
            trashed_at,
            bytes: self.trash_bytes,
        })
    }

    pub(super) fn version_bytes(&self) -> u64 {
        self.versions.iter().map(|v| v.size).sum()
    }
}

fn version_from_value(node_id: Uuid, value: &AttributeValue) -> Result<VersionRecord, StoreError> {
    let AttributeValue::M(map) = value else {
        return Err(StoreError::Corrupt("node version".to_owned()));
    };
    let r = Reader::new(map, "version");
    Ok(VersionRecord {
        id: r.uuid("id")?,
        node_id,
        object_id: r.uuid("object_id")?,
        size: r.u64("size")?,
        created_at: r.time("created_at")?,
        binding: r.opt_array("binding")?,
    })
}

fn version_value(v: &VersionRecord) -> AttributeValue {
    let mut map = Item::from([
        ("id".to_owned(), s(v.id.to_string())),
        ("object_id".to_owned(), s(v.object_id.to_string())),
        ("size".to_owned(), n(v.size)),
        ("created_at".to_owned(), n(v.created_at.unix_timestamp())),
    ]);
    if let Some(binding) = &v.binding {
        map.insert("binding".to_owned(), b(binding));
    }
    AttributeValue::M(map)
}

/// The `versions` attribute of a list (newest first).
pub(super) fn versions_value(versions: &[VersionRecord]) -> AttributeValue {
    AttributeValue::L(versions.iter().map(version_value).collect())
}

/// Newest first: by upload time, then by id (UUIDv7: the order in which
/// contents uploaded in the same second were retired).
pub(super) fn sort_newest_first(versions: &mut [VersionRecord]) {
    versions.sort_by_key(|v| std::cmp::Reverse((v.created_at, v.id)));
}

/// The sort key of a trash item in the sweeper's queue: oldest first, ties
/// broken by node id (as on SQLite).
pub(super) fn queue_sk(trashed_at: OffsetDateTime, user: Uuid, node: Uuid) -> String {
    format!("{}#{node}#{user}", queue_time(trashed_at))
}

/// The time part of a queue key: zero-padded so that text order is time order.
pub(super) fn queue_time(at: OffsetDateTime) -> String {
    format!("{:020}", at.unix_timestamp().max(0))
}

pub(super) fn queue_key(trashed_at: OffsetDateTime, user: Uuid, node: Uuid) -> Item {
    key(TRASH_QUEUE.to_owned(), &queue_sk(trashed_at, user, node))
}

/// (user, node) of a queue item's sort key.
pub(super) fn queue_entry(sk: &str) -> Result<(Uuid, Uuid), StoreError> {
    let mut parts = sk.split('#').skip(1);
    let parse = |part: Option<&str>| part.and_then(|p| Uuid::parse_str(p).ok());
    match (parse(parts.next()), parse(parts.next())) {
        (Some(node), Some(user)) => Ok((user, node)),
        _ => Err(StoreError::Corrupt(format!("trash queue item {sk}"))),
    }
}

pub(super) fn trash_ref_key(user: Uuid, node: Uuid) -> Item {
    key(items::user_pk(user), &format!("{TRASH_REF_PREFIX}{node}"))
}
