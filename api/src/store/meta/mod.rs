//! The metadata store: users, sessions, and the tree of files and folders with
//! quotas, one trait per concern (`UserStore`, `SessionStore`,
//! `AppPasswordStore`, `TreeStore`, `LockoutStore`, ...) and
//! `MetaStore` their sum, each implemented for SQLite (embedded) and DynamoDB.
//! Every lookup that concerns a user's data takes that user's id, so nothing
//! can be read across accounts by mistake.

pub mod dynamodb;
mod records;
mod sealed;
pub mod sqlite;

use async_trait::async_trait;
use time::OffsetDateTime;
use uuid::Uuid;

pub use records::{
    AppPasswordRecord, Attempt, ChildrenDelta, Failures, FileCommit, InviteRecord, InviteUse,
    LockPolicy, NodeRecord, NodeUpdate, SessionRecord, SessionRotation, SharePassword, ShareRecord,
    TrashedRecord, Usage, UserKeys, UserRecord, VersionRecord,
};

use super::StoreError;

/// Accounts.
#[async_trait]
pub trait UserStore: Send + Sync {
    /// `Conflict(Email)` when the email is taken. Creates the user's root
    /// folder (id = user id) in the same transaction, and consumes `invite`
    /// (`InviteUnusable` when it does not exist or has expired: nothing is
    /// written then).
    async fn create_user(
        &self,
        user: &UserRecord,
        invite: Option<&InviteUse>,
    ) -> Result<(), StoreError>;
    async fn user_by_email(&self, email: &str) -> Result<Option<UserRecord>, StoreError>;
    async fn user_by_id(&self, id: Uuid) -> Result<Option<UserRecord>, StoreError>;
    /// Replaces the password hash and key wraps (password change, recovery).
    async fn update_credentials(
        &self,
        id: Uuid,
        password_hash: &str,
        keys: &UserKeys,
    ) -> Result<(), StoreError>;
    /// As `update_credentials`, only while the stored hash is still
    /// `expected_hash` (a log-in that re-makes an old hash must not undo a
    /// password change made meanwhile); `false` when it is not.
    async fn upgrade_credentials(
        &self,
        id: Uuid,
        expected_hash: &str,
        password_hash: &str,
        keys: &UserKeys,
    ) -> Result<bool, StoreError>;
    /// Removes the user and every record that belongs to them, sessions
    /// and app passwords first: interrupted at any step, it leaves no
    /// credential behind.
    async fn delete_user(&self, id: Uuid) -> Result<(), StoreError>;
    /// Every account, oldest first (for the administrator).
    async fn all_users(&self) -> Result<Vec<UserRecord>, StoreError>;
    /// `NotFound` when there is no such user.
    async fn set_disabled(&self, id: Uuid, disabled: bool) -> Result<(), StoreError>;
    /// A new quota; what is stored stays even when it is now over.
    async fn set_quota(&self, id: Uuid, quota_bytes: u64) -> Result<(), StoreError>;
    async fn create_invite(&self, invite: &InviteRecord) -> Result<(), StoreError>;
}

/// Failed attempts per account, shared by every server instance.
#[async_trait]
pub trait LockoutStore: Send + Sync {
    async fn failures(&self, account: &[u8; 32]) -> Result<Option<Failures>, StoreError>;
    /// One attempt at `now`, atomically: `Locked` while the account's lock
    /// lasts (nothing counted); else one more failure is counted before the
    /// attempt is checked (from zero again when the last one is older than
    /// `forget_before`), locking the account for what `policy` says of the
    /// new count. Counting first means attempts sent at once cannot all slip
    /// through between a check and a count; a success clears the count. A
    /// store may also answer `Locked` for a second when attempts at one
    /// account collide too often to count them all.
    async fn claim_attempt(
        &self,
        account: &[u8; 32],
        now: OffsetDateTime,
        forget_before: OffsetDateTime,
        policy: LockPolicy,
    ) -> Result<Attempt, StoreError>;
    /// A success: the count starts again.
    async fn clear_failures(&self, account: &[u8; 32]) -> Result<(), StoreError>;
}

/// How many retired refresh-secret hashes a session keeps, newest first.
///
/// They exist to recognise a copied token: once the owner and a thief both
/// hold one, whichever refreshes second presents a secret one rotation old
/// (more if it waited). Eight covers a stale copy through eight refreshes of
/// the other holder — two hours of use with 15-minute access tokens — for 256
/// bytes per session. An older copy is still refused (it matches nothing), it
/// just no longer ends the session. Unbounded, the list grew with every
/// refresh until a DynamoDB item passed its 400 KB limit.
pub const RETIRED_HASHES_KEPT: usize = 8;

/// Refresh-token sessions.
#[async_trait]
pub trait SessionStore: Send + Sync {
    async fn create_session(&self, session: &SessionRecord) -> Result<(), StoreError>;
    /// A live (unexpired) session of that user.
    async fn session(&self, user_id: Uuid, id: Uuid) -> Result<Option<SessionRecord>, StoreError>;
    /// A live session by id alone, for refresh (the token names no user).
    async fn session_by_id(&self, id: Uuid) -> Result<Option<SessionRecord>, StoreError>;
    /// Compare-and-swap: if the session's current hash is still `current_hash`,
    /// retires it (forgetting all but the newest `RETIRED_HASHES_KEPT`) and
    /// installs `next`. `false` when another refresh won the race.
    async fn rotate_session(
        &self,
        id: Uuid,
        current_hash: &[u8; 32],
        next: &SessionRotation,
    ) -> Result<bool, StoreError>;
    /// Hashes of the last secrets this session used (at most
    /// `RETIRED_HASHES_KEPT`, newest first), to recognise a replay.
    async fn retired_secret_hashes(&self, id: Uuid) -> Result<Vec<[u8; 32]>, StoreError>;
    async fn delete_session(&self, user_id: Uuid, id: Uuid) -> Result<(), StoreError>;
    /// Deletes sessions that expired before `now` (reads already ignore
    /// them); returns how many went. A store whose backend expires them
    /// natively may leave this to the backend and answer 0.
    async fn delete_expired_sessions(&self, now: OffsetDateTime) -> Result<u64, StoreError>;
    /// Ends every session of the user but `keep`.
    async fn delete_sessions_except(
        &self,
        user_id: Uuid,
        keep: Option<Uuid>,
    ) -> Result<(), StoreError>;
}

/// App passwords. They go with the account (`delete_user`).
#[async_trait]
pub trait AppPasswordStore: Send + Sync {
    /// `NotFound` when the user does not exist; `Conflict(Id)` for an id in use.
    async fn create_app_password(&self, app: &AppPasswordRecord) -> Result<(), StoreError>;
    /// The user's app passwords, newest first.
    async fn app_passwords(&self, user_id: Uuid) -> Result<Vec<AppPasswordRecord>, StoreError>;
    /// An app password by id alone, to authenticate it (the password names
    /// no user; the caller checks the secret and the account).
    async fn app_password_by_id(&self, id: Uuid) -> Result<Option<AppPasswordRecord>, StoreError>;
    /// Records a use at `at`. Callers rate it (not every request writes);
    /// an app password that is gone meanwhile is not an error.
    async fn touch_app_password(
        &self,
        user_id: Uuid,
        id: Uuid,
        at: OffsetDateTime,
    ) -> Result<(), StoreError>;
    /// Revokes one of the user's; `false` when there is none.
    async fn delete_app_password(&self, user_id: Uuid, id: Uuid) -> Result<bool, StoreError>;
    /// Revokes all of the user's (account recovery).
    async fn delete_app_passwords(&self, user_id: Uuid) -> Result<(), StoreError>;
}

/// Each user's tree of files and folders, with the quota.
///
/// The reads (`node`, `child_by_mac`, `ancestors`, `all_nodes`) see only the
/// live tree: nothing in the trash or below a folder in the trash. `children`
/// also answers for a folder inside the trash (to walk a trashed subtree), but
/// never lists a node that is itself the top of something in the trash.
#[async_trait]
pub trait TreeStore: Send + Sync {
    /// A live node of that user.
    async fn node(&self, user_id: Uuid, id: Uuid) -> Result<Option<NodeRecord>, StoreError>;
    /// The child of `parent_id` whose name has this MAC.
    async fn child_by_mac(
        &self,
        user_id: Uuid,
        parent_id: Uuid,
        name_mac: &[u8; 32],
    ) -> Result<Option<NodeRecord>, StoreError>;
    /// Every child of a folder, in no particular order (names are ciphertext:
    /// sorting by name happens after decryption).
    async fn children(&self, user_id: Uuid, parent_id: Uuid)
    -> Result<Vec<NodeRecord>, StoreError>;
    /// A folder's listing version: a counter on the node that every change
    /// of what a listing of it shows raises in the same transaction (a child
    /// added, deleted, trashed or restored into it, renamed, moved in or out,
    /// given new content). Read before `children`, it tells whether a listing
    /// made earlier (on any server) is still the folder's. `None` for no node
    /// of that user; says nothing of whether it is live.
    async fn listing_version(&self, user_id: Uuid, id: Uuid) -> Result<Option<u64>, StoreError>;
    /// Whether `children_since` can answer at all; `false` for a store that
    /// keeps no record of what changed (it then always answers `None`).
    fn tells_changes(&self) -> bool;
    /// What changed among the folder's children since its listing version
    /// was `since`, for bringing a listing made then up to date. `None` when
    /// the store cannot tell (too far behind, or a store that keeps no such
    /// record): then read `children` whole.
    async fn children_since(
        &self,
        user_id: Uuid,
        folder_id: Uuid,
        since: u64,
    ) -> Result<Option<ChildrenDelta>, StoreError>;
    /// Every live folder of the user, the root included, with its listing
    /// version (for search, which reads the children of those whose listing
    /// is not kept, through `all_nodes`).
    async fn folder_versions(&self, user_id: Uuid) -> Result<Vec<(Uuid, u64)>, StoreError>;
    /// The path from the root down to and including `id`.
    async fn ancestors(&self, user_id: Uuid, id: Uuid) -> Result<Vec<NodeRecord>, StoreError>;
    /// Every node of the user except the root (for search).
    async fn all_nodes(&self, user_id: Uuid) -> Result<Vec<NodeRecord>, StoreError>;
    /// `NotFound` if the parent is not a folder of the user; `Conflict(Name)`
    /// if the name is taken there; `NodeLimit` when the user already has
    /// `max_nodes` files and folders.
    async fn create_folder(&self, node: &NodeRecord, max_nodes: u64) -> Result<(), StoreError>;
    /// Makes an uploaded object visible, atomically with the quota charge.
    /// With `overwrite`, a file of the same name is re-pointed at the new object
    /// (keeping its id, which must be `node.id`, since `node.binding` names it:
    /// `Conflict(Id)` otherwise); without it, or if a folder has that name,
    /// `Conflict(Name)`. An overwritten content becomes the file's newest
    /// version, and the oldest go while there are more than `versions_kept`
    /// (`0`: none is kept), all in the same transaction; the quota is charged
    /// for what is kept. `QuotaExceeded` and (for a new file) `NodeLimit`
    /// leave everything unchanged.
    async fn commit_file(
        &self,
        node: &NodeRecord,
        overwrite: bool,
        max_nodes: u64,
        versions_kept: usize,
    ) -> Result<FileCommit, StoreError>;
    /// Rename and/or move. `InvalidMove` for the root or a folder into its own
    /// subtree, `NotFound` for a missing node or target folder, `Conflict(Name)`.
    async fn update_node(
        &self,
        user_id: Uuid,
        id: Uuid,
        update: &NodeUpdate,
    ) -> Result<NodeRecord, StoreError>;
    /// Deletes a live node and everything below it for good, with their
    /// versions (the trash is off), releasing quota; returns the objects that
    /// are now unreferenced. The root cannot be deleted (`InvalidMove`).
    async fn delete_node(&self, user_id: Uuid, id: Uuid) -> Result<Vec<Uuid>, StoreError>;
    /// Sets `binding` on a node that has none and still points at
    /// `object_id` (`None` for a folder); `false` when it is not so.
    async fn bind_node(
        &self,
        user_id: Uuid,
        id: Uuid,
        object_id: Option<Uuid>,
        binding: &[u8; 32],
    ) -> Result<bool, StoreError>;
    /// Every object the user's records point at, trash and versions
    /// included (for account deletion).
    async fn object_ids(&self, user_id: Uuid) -> Result<Vec<Uuid>, StoreError>;
    /// Whether a record points at this object: a file's content, live or in
    /// the trash, or a version (for the sweeper).
    async fn object_referenced(&self, user_id: Uuid, object_id: Uuid) -> Result<bool, StoreError>;
}

/// The trash: deleted subtrees, kept until restored or purged. They count
/// against the quota until purged.
#[async_trait]
pub trait TrashStore: Send + Sync {
    /// Moves a live node and its subtree to the trash at `at`, atomically:
    /// from then on no read of the live tree sees any of it, its name is free
    /// in its folder, and its shares (and those of anything below it) are
    /// gone. `NotFound` for no such live node, `InvalidMove` for the root.
    async fn trash_node(
        &self,
        user_id: Uuid,
        id: Uuid,
        at: OffsetDateTime,
    ) -> Result<TrashedRecord, StoreError>;
    /// The user's trash, most recently deleted first.
    async fn trash(&self, user_id: Uuid) -> Result<Vec<TrashedRecord>, StoreError>;
    /// One item of the user's trash (by the deleted node's id).
    async fn trashed(&self, user_id: Uuid, id: Uuid) -> Result<Option<TrashedRecord>, StoreError>;
    /// Puts a trashed node back, with its subtree, at `update`'s place under
    /// the name sealed for it, atomically. `NotFound` when `id` is not in the
    /// user's trash or the target is not a live folder, `Conflict(Name)` when
    /// the name is taken there; nothing changes then.
    async fn restore_node(
        &self,
        user_id: Uuid,
        id: Uuid,
        update: &NodeUpdate,
    ) -> Result<NodeRecord, StoreError>;
    /// Deletes a trashed node for good with its subtree and their versions,
    /// releasing their quota; returns the objects now unreferenced.
    /// `NotFound` when `id` is not in the user's trash.
    async fn purge_node(&self, user_id: Uuid, id: Uuid) -> Result<Vec<Uuid>, StoreError>;
    /// Up to `limit` items of anyone's trash deleted before `before`, oldest
    /// first, as (user, node) (for the sweeper).
    async fn trashed_before(
        &self,
        before: OffsetDateTime,
        limit: usize,
    ) -> Result<Vec<(Uuid, Uuid)>, StoreError>;
    /// How much of the user's `used_bytes` the trash and the versions take.
    async fn usage(&self, user_id: Uuid) -> Result<Usage, StoreError>;
}

/// The earlier contents of files (made by `TreeStore::commit_file`).
#[async_trait]
pub trait VersionStore: Send + Sync {
    /// The versions of a file of the user's (live or in the trash), newest
    /// first; empty when there is no such file.
    async fn versions(
        &self,
        user_id: Uuid,
        node_id: Uuid,
    ) -> Result<Vec<VersionRecord>, StoreError>;
    /// Makes a version the live file's content again, atomically: the
    /// current content becomes the newest version (then the oldest go while
    /// there are more than `versions_kept`), and the node points at the
    /// version's object, size and binding, modified `at`. Returns the node
    /// and the objects now unreferenced. `NotFound` for no such live file or
    /// version.
    async fn restore_version(
        &self,
        user_id: Uuid,
        node_id: Uuid,
        version_id: Uuid,
        versions_kept: usize,
        at: OffsetDateTime,
    ) -> Result<(NodeRecord, Vec<Uuid>), StoreError>;
    /// Deletes one version, releasing its quota; returns its object (now
    /// unreferenced). `NotFound` for no such version of that file.
    async fn delete_version(
        &self,
        user_id: Uuid,
        node_id: Uuid,
        version_id: Uuid,
    ) -> Result<Uuid, StoreError>;
}

/// Share links. A share goes with its node (and so with its owner's
/// account): a store may delete it then or leave it for `share` to hide,
/// but never answers one whose node is gone.
#[async_trait]
pub trait ShareStore: Send + Sync {
    /// `NotFound` when the node is not one of the user's.
    async fn create_share(&self, share: &ShareRecord) -> Result<(), StoreError>;
    /// A share by id alone (a link names no user), whatever its expiry or
    /// downloads (the caller decides); `None` when it does not exist or its
    /// node is gone.
    async fn share(&self, id: Uuid) -> Result<Option<ShareRecord>, StoreError>;
    /// The user's shares, newest first.
    async fn shares_of(&self, user_id: Uuid) -> Result<Vec<ShareRecord>, StoreError>;
    /// The user's shares of one node.
    async fn shares_of_node(
        &self,
        user_id: Uuid,
        node_id: Uuid,
    ) -> Result<Vec<ShareRecord>, StoreError>;
    /// Re-seals what a share opens (the owner renamed or replaced the file);
    /// `false` when the share is gone.
    async fn reseal_share(
        &self,
        user_id: Uuid,
        id: Uuid,
        sealed: &[u8],
    ) -> Result<bool, StoreError>;
    /// Counts one download, atomically: `false` (and nothing counted) when
    /// the share is gone or has no download left.
    async fn count_download(&self, id: Uuid) -> Result<bool, StoreError>;
    /// Revokes a share of the user's; `false` when there is none.
    async fn delete_share(&self, user_id: Uuid, id: Uuid) -> Result<bool, StoreError>;
    /// Sets (inserts or replaces) the entries of a folder share: for each
    /// node inside the shared folder, what the link may know of it, sealed
    /// under the share's key. Entries go with their share, and with their
    /// node (or are ignored once it is gone: callers only ask for nodes
    /// they found in the tree). `NotFound` when the share does not exist
    /// (revoked meanwhile): then no entry of it is kept.
    async fn put_share_entries(
        &self,
        share_id: Uuid,
        entries: &[(Uuid, Vec<u8>)],
    ) -> Result<(), StoreError>;
    /// The entries of these nodes that exist, in no particular order.
    async fn share_entries(
        &self,
        share_id: Uuid,
        node_ids: &[Uuid],
    ) -> Result<Vec<(Uuid, Vec<u8>)>, StoreError>;
    /// Removes the entries of these nodes (moved out of the shared folder).
    async fn delete_share_entries(
        &self,
        share_id: Uuid,
        node_ids: &[Uuid],
    ) -> Result<(), StoreError>;
}

/// The dead properties of a node (WebDAV `PROPPATCH`), as one blob the
/// store never opens (the vault seals it: `vault/props.rs`). They go with
/// the node: kept across renames, moves and the trash, deleted with it (for
/// good, purged, or with the account).
#[async_trait]
pub trait PropStore: Send + Sync {
    /// The blob of a live node of that user; `None` when none is set or
    /// there is no such live node (one in the trash included).
    async fn node_props(&self, user_id: Uuid, node_id: Uuid)
    -> Result<Option<Vec<u8>>, StoreError>;
    /// The blobs of those of these nodes that have one, in no order, in a
    /// few requests whatever their number (a WebDAV listing asks for every
    /// entry's). For nodes the caller has just read live: one trashed
    /// meanwhile may still show its blob to its owner this once.
    async fn props_of(
        &self,
        user_id: Uuid,
        node_ids: &[Uuid],
    ) -> Result<Vec<(Uuid, Vec<u8>)>, StoreError>;
    /// Replaces the blob (`None` removes it). `NotFound` when the node is
    /// not a live node of that user. The caller bounds its size (a
    /// DynamoDB item holds at most 400 KB).
    async fn set_node_props(
        &self,
        user_id: Uuid,
        node_id: Uuid,
        blob: Option<&[u8]>,
    ) -> Result<(), StoreError>;
}

/// The whole metadata store.
#[async_trait]
pub trait MetaStore:
    UserStore
    + SessionStore
    + AppPasswordStore
    + TreeStore
    + TrashStore
    + VersionStore
    + LockoutStore
    + ShareStore
    + PropStore
    + 'static
{
    /// Answers when the backend is reachable.
    async fn ping(&self) -> Result<(), StoreError>;
}
