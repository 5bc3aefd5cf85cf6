//! What the metadata store keeps: users, sessions, and the nodes of each
//! user's tree. Names and keys are only ever ciphertext or wrapped here.

use strongroom_shared::NodeKind;
use time::OffsetDateTime;
use uuid::Uuid;

/// A user as stored. Nothing here opens the user's files without a password,
/// the recovery code or a live token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserRecord {
    pub id: Uuid,
    /// Normalised (trimmed, lower-cased). Like the display name, the stores
    /// keep it only sealed, and find it by a keyed index (`meta/sealed.rs`).
    pub email: String,
    pub display_name: Option<String>,
    /// Argon2id PHC string.
    pub password_hash: String,
    pub keys: UserKeys,
    pub quota_bytes: u64,
    pub used_bytes: u64,
    pub created_at: OffsetDateTime,
    /// Disabled by the administrator: no log-in, no refresh, no session.
    pub disabled: bool,
}

/// The user master key, wrapped twice: under the password's KEK and under the
/// recovery code's KEK. Argon2 parameters travel with each so they can be raised.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserKeys {
    pub kek_salt: [u8; 16],
    pub kek_params: String,
    pub wrapped_umk: Vec<u8>,
    pub recovery_salt: [u8; 16],
    pub recovery_params: String,
    pub recovery_wrapped_umk: Vec<u8>,
}

/// A refresh-token session. The store holds only a hash of the current secret
/// and the UMK wrapped under a key derived from that secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionRecord {
    pub id: Uuid,
    pub user_id: Uuid,
    pub secret_hash: [u8; 32],
    pub wrapped_umk: Vec<u8>,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
}

/// An app password: a long-lived credential for scripts and WebDAV clients.
/// Like a session, the store holds only a hash of its secret and the UMK
/// wrapped under a key derived from that secret; its name is user text,
/// sealed under a key derived from the UMK (`name_ct`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppPasswordRecord {
    pub id: Uuid,
    pub user_id: Uuid,
    pub name_ct: Vec<u8>,
    pub secret_hash: [u8; 32],
    pub wrapped_umk: Vec<u8>,
    pub read_only: bool,
    pub created_at: OffsetDateTime,
    pub last_used_at: Option<OffsetDateTime>,
}

/// What a refresh writes: the next secret's hash and wrapped UMK.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionRotation {
    pub secret_hash: [u8; 32],
    pub wrapped_umk: Vec<u8>,
    pub expires_at: OffsetDateTime,
}

/// A file or folder as stored: the name only as ciphertext (bound to node and
/// parent) and as a keyed MAC (for "one name per folder"). The root folder of a
/// user has the user's id, no parent, and an empty name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeRecord {
    pub id: Uuid,
    pub user_id: Uuid,
    pub parent_id: Option<Uuid>,
    pub kind: NodeKind,
    pub name_ct: Vec<u8>,
    pub name_mac: [u8; 32],
    /// Plaintext bytes; 0 for folders.
    pub size: u64,
    /// The encrypted object holding a file's bytes; `None` for folders.
    pub object_id: Option<Uuid>,
    pub created_at: OffsetDateTime,
    pub modified_at: OffsetDateTime,
    /// A file's record bound to its content (`crypto::keys::BindingKey`);
    /// on the root folder, the mark that every file of the user's is bound.
    /// `None` on records older than binding, until the owner's next content
    /// request binds them.
    pub binding: Option<[u8; 32]>,
}

/// A rename and/or move, already encrypted for the new place.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeUpdate {
    pub parent_id: Uuid,
    pub name_ct: Vec<u8>,
    pub name_mac: [u8; 32],
    pub modified_at: OffsetDateTime,
}

/// What changed among a folder's children since one of its listing
/// versions (`TreeStore::children_since`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChildrenDelta {
    /// Children whose listed state changed since: added, renamed, moved in,
    /// given new content, restored. Read in one snapshot with `left`.
    pub changed: Vec<NodeRecord>,
    /// Nodes that were children then and may not be now: moved out, put in
    /// the trash, purged. One that came back is in `changed` as well, which
    /// wins.
    pub left: Vec<Uuid>,
}

/// What committing a file did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FileCommit {
    Created(NodeRecord),
    /// An existing file of that name now points at the new object. Its old
    /// content became the newest version (unless none are kept); `released`
    /// are the objects no record points at any more (the old one when no
    /// version is kept, else the versions rotated out), the caller's to delete.
    Replaced {
        node: NodeRecord,
        released: Vec<Uuid>,
    },
}

/// The top of a deleted subtree, in the trash. What lies below it stays in
/// the store with it, out of every read of the live tree, until it is
/// restored or purged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrashedRecord {
    /// As it was when deleted: `parent_id` is the folder it was deleted from
    /// (which may be gone since), and its name is still sealed for that place.
    pub node: NodeRecord,
    pub trashed_at: OffsetDateTime,
    /// Plaintext bytes of the current contents of the files in the subtree
    /// (their versions count as versions).
    pub bytes: u64,
}

/// An earlier content of a file, kept when it was overwritten. Its object is
/// encrypted like any other, its data key in its own header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VersionRecord {
    pub id: Uuid,
    /// The file it is a version of.
    pub node_id: Uuid,
    pub object_id: Uuid,
    pub size: u64,
    /// When this content was uploaded (the file's `modified_at` then).
    pub created_at: OffsetDateTime,
    /// The file record's binding while it had this content (it names the
    /// node, the object and the size, so it still holds for the version).
    pub binding: Option<[u8; 32]>,
}

/// How much of a user's `used_bytes` the trash and the versions take; the
/// rest is the current contents of live files.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Usage {
    pub trash_bytes: u64,
    pub version_bytes: u64,
}

/// A single-use invite to sign up: only a hash of its code is kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InviteRecord {
    pub code_hash: [u8; 32],
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
}

/// Using an invite while signing up: the invite must exist and be unexpired
/// at `now`, and is consumed in the same transaction as the account.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InviteUse {
    pub code_hash: [u8; 32],
    pub now: OffsetDateTime,
}

/// Failed attempts at one account (a keyed hash of its email names it, so
/// the store does not say which account).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Failures {
    /// In a row, since the last success or since `forget` ago.
    pub count: u32,
    pub last_at: OffsetDateTime,
    /// Attempts are refused until then.
    pub locked_until: Option<OffsetDateTime>,
}

/// The answer to an attempt at an account (`LockoutStore::claim_attempt`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Attempt {
    /// Go ahead: the attempt is counted already, as a failure until a
    /// success clears the count.
    Counted(Failures),
    /// The account is locked until then; nothing was counted.
    Locked { until: OffsetDateTime },
}

/// How long an account is locked after failures in a row: the first `free`
/// cost nothing, then `first`, doubling with each further one up to `max`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LockPolicy {
    pub free: u32,
    pub first: time::Duration,
    pub max: time::Duration,
}

impl LockPolicy {
    pub fn lock_for(&self, failures: u32) -> Option<time::Duration> {
        let over = failures.checked_sub(self.free)?.checked_sub(1)?;
        let factor = 1i32.checked_shl(over.min(30)).unwrap_or(i32::MAX);
        Some(
            self.first
                .checked_mul(factor)
                .map_or(self.max, |lock| lock.min(self.max)),
        )
    }
}

/// A share link as stored: the store never sees the link's secret, only its
/// SHA-256, and the share key `SK` only wrapped (under a key the link gives,
/// and under the owner's UMK). What the link opens is sealed under `SK`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShareRecord {
    pub id: Uuid,
    pub user_id: Uuid,
    /// The shared file or folder (a node of `user_id`'s).
    pub node_id: Uuid,
    pub kind: NodeKind,
    /// SHA-256 of the link's secret.
    pub secret_hash: [u8; 32],
    /// `SK` wrapped under HKDF(secret ‖ Argon2id(password)?).
    pub link_wrapped_key: Vec<u8>,
    /// `SK` wrapped under the owner's UMK, for the owner's later changes.
    pub owner_wrapped_key: Vec<u8>,
    /// Salt and Argon2 parameters of the password, when there is one.
    pub password: Option<SharePassword>,
    /// What the link opens (a file's name, object, size and data key),
    /// sealed under `SK`.
    pub sealed: Vec<u8>,
    pub expires_at: Option<OffsetDateTime>,
    pub max_downloads: Option<u32>,
    pub downloads: u32,
    pub created_at: OffsetDateTime,
}

/// How a share's password enters its key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SharePassword {
    pub salt: [u8; 16],
    /// As `UserKeys::kek_params`: `m=…,t=…,p=…`.
    pub params: String,
}
