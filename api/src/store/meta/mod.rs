//! The metadata store: users and sessions now; nodes, shares and quotas join
//! them with the files capability. Every lookup that concerns a user's data takes
//! that user's id, so nothing can be read across accounts by mistake.

pub mod sqlite;

use async_trait::async_trait;
use time::OffsetDateTime;
use uuid::Uuid;

use super::StoreError;

/// A user as stored. Nothing here opens the user's files without a password,
/// the recovery code or a live token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserRecord {
    pub id: Uuid,
    /// Normalised (trimmed, lower-cased).
    pub email: String,
    pub display_name: Option<String>,
    /// Argon2id PHC string.
    pub password_hash: String,
    pub keys: UserKeys,
    pub quota_bytes: u64,
    pub used_bytes: u64,
    pub created_at: OffsetDateTime,
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

/// What a refresh writes: the next secret's hash and wrapped UMK.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionRotation {
    pub secret_hash: [u8; 32],
    pub wrapped_umk: Vec<u8>,
    pub expires_at: OffsetDateTime,
}

#[async_trait]
pub trait MetaStore: Send + Sync + 'static {
    /// Answers when the backend is reachable.
    async fn ping(&self) -> Result<(), StoreError>;

    /// `Conflict("email")` when the email is taken.
    async fn create_user(&self, user: &UserRecord) -> Result<(), StoreError>;
    async fn user_by_email(&self, email: &str) -> Result<Option<UserRecord>, StoreError>;
    async fn user_by_id(&self, id: Uuid) -> Result<Option<UserRecord>, StoreError>;
    /// Replaces the password hash and key wraps (password change, recovery).
    async fn update_credentials(
        &self,
        id: Uuid,
        password_hash: &str,
        keys: &UserKeys,
    ) -> Result<(), StoreError>;
    /// Removes the user and every record that belongs to them.
    async fn delete_user(&self, id: Uuid) -> Result<(), StoreError>;

    async fn create_session(&self, session: &SessionRecord) -> Result<(), StoreError>;
    /// A live (unexpired) session of that user.
    async fn session(&self, user_id: Uuid, id: Uuid) -> Result<Option<SessionRecord>, StoreError>;
    /// A live session by id alone, for refresh (the token names no user).
    async fn session_by_id(&self, id: Uuid) -> Result<Option<SessionRecord>, StoreError>;
    /// Compare-and-swap: if the session's current hash is still `current_hash`,
    /// retires it and installs `next`. `false` when another refresh won the race.
    async fn rotate_session(
        &self,
        id: Uuid,
        current_hash: &[u8; 32],
        next: &SessionRotation,
    ) -> Result<bool, StoreError>;
    /// Hashes of the secrets this session used before, to recognise a replay.
    async fn retired_secret_hashes(&self, id: Uuid) -> Result<Vec<[u8; 32]>, StoreError>;
    async fn delete_session(&self, user_id: Uuid, id: Uuid) -> Result<(), StoreError>;
    /// Ends every session of the user but `keep`.
    async fn delete_sessions_except(
        &self,
        user_id: Uuid,
        keep: Option<Uuid>,
    ) -> Result<(), StoreError>;
}
