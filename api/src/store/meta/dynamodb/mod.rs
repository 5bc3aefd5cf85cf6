//! The AWS `MetaStore`: one DynamoDB table, single-table design.
//!
//! Every rule the SQLite store enforces with constraints is enforced here with
//! conditional writes inside `TransactWriteItems` (all-or-nothing, serialisable
//! against other transactions), never with read-then-write. Every read that a
//! decision depends on is a strongly consistent `GetItem` / `Query` on the base
//! table, which is why the table has **no secondary index at all**: everything a
//! user owns lives in the partition `USER#<user id>`, and the lookups that do not
//! know the user (login by email, refresh by session id) go through small claim
//! items keyed by what they know.
//!
//! # Layout
//!
//! Keys are strings: `PK` (partition) and `SK` (sort). Ids are hyphenated UUIDs,
//! hashes, ciphertexts and salts are binary (`B`), sizes and times numbers (`N`,
//! times in Unix seconds). Every item has a `type` attribute naming its kind.
//!
//! | item | `PK` | `SK` | attributes |
//! |---|---|---|---|
//! | user | `USER#<user>` | `PROFILE` | `id`, `email_index` B, `email_ct` B, `display_name_ct`? B (sealed: `store/meta/sealed.rs`), `password_hash`, `kek_salt` B, `kek_params`, `wrapped_umk` B, `recovery_salt` B, `recovery_params`, `recovery_wrapped_umk` B, `quota_bytes` N, `used_bytes` N, `remaining` N (= quota − used, kept in step for conditional charging: conditions allow no arithmetic), `node_count` N, `trash_bytes`? N, `version_bytes`? N (what of `used_bytes` the trash and the versions take, kept in step in the same transactions: `usage` reads them), `created_at` N |
//! | email claim | `EMAILIDX#<hex(email_index)>` | `EMAIL` | `user_id` — one per email: `attribute_not_exists(PK)` in the user's creation transaction |
//! | key check | `KEYCHECK` | `KEYCHECK` | `value` B (the check value of the keys the emails are sealed with), `sealed` N (1: no account is stored in clear any more) |
//! | node | `USER#<user>` | `NODE#<node>` | `id`, `user_id`, `parent_id`? (absent on the root), `kind` (`folder`/`file`), `name_ct` B, `name_mac` B, `size` N, `object_id`? (files), `created_at` N, `modified_at` N, `binding`? B; trash: `trashed_in`? + `trash_op`? (the mark: the top and the id of the trash operation whose subtree holds the node), on a trash item's top `trashed_at` N + `trash_bytes` N, while an operation is under way on its top `trashing_until` N (the lease); versions: `versions`? L of M (`id`, `object_id`, `size` N, `created_at` N, `binding`? B; newest first, at most `versions_kept` ≤ 100), `rev`? N (bumped with each change of `versions`); `has_props`? N (1: it has a dead properties item); on a folder `listing_version`? N (absent: 0; raised with `ADD` by every transaction that changes what a listing of the folder shows: `guards.rs`) |
//! | dead properties | `USER#<user>` | `PROPS#<node>` | `sealed` B (the node's WebDAV dead properties, sealed by the vault) — put or deleted in one transaction with the node's `has_props` and its guards (`props.rs`) |
//! | name claim | `USER#<user>` | `NAME#<parent>#<hex(name_mac)>` | `node_id` — one name per folder; a folder's children are the claims under its prefix |
//! | object claim | `USER#<user>` | `OBJ#<object>` | `node_id` — which file points at an object, as its content or as a version (sweeper, account deletion) |
//! | trash ref | `USER#<user>` | `TRASH#<node>` | — one per trash item of the user's (`trash`) |
//! | trash queue item | `TRASHQ` | `<trashed_at, 20 digits>#<node>#<user>` | — every trash item, oldest first (`trashed_before`: `SK < :cutoff`) |
//! | session ref | `USER#<user>` | `SESSION#<session>` | `expires_at_ttl` N — finds a user's sessions (`delete_sessions_except`) |
//! | session | `SESSION#<session>` | `SESSION` | `id`, `user_id`, `secret_hash` B, `wrapped_umk` B, `created_at` N, `expires_at` N, `expires_at_ttl` N, `retired` B (the last `RETIRED_HASHES_KEPT` hashes rotated away from, 32 bytes each, newest first; a BS on items last rotated before that bound) |
//! | app password ref | `USER#<user>` | `APP#<app password>` | — finds a user's app passwords (`app_passwords`, recovery, account deletion) |
//! | app password | `APP#<app password>` | `APP` | `id`, `user_id`, `name_ct` B (the name, sealed under a key derived from the UMK), `secret_hash` B (SHA-256 of its secret), `wrapped_umk` B (under a key derived from the secret), `read_only` N (1 or 0), `created_at` N, `last_used_at`? N |
//! | share ref | `USER#<user>` | `SHARE#<share>` | `node_id` — finds a user's shares (`shares_of`, node and account deletion) |
//! | share | `SHARE#<share>` | `SHARE` | `id`, `user_id`, `node_id`, `kind`, `secret_hash` B (SHA-256 of the link's secret), `link_wrapped_key` B, `owner_wrapped_key` B, `password_salt`? B, `password_params`?, `sealed` B, `expires_at`? N, `max_downloads`? N (absent: unlimited), `downloads` N, `created_at` N |
//! | share entry | `SHARE#<share>` | `ENTRY#<node>` | `sealed` B (what a folder share's link may know of a node inside the folder, sealed under the share's key) — one per node, beside its share item |
//!
//! The root folder of a user is the node whose id is the user id; it has no
//! parent and no name claim. Claims are always written and deleted in the same
//! transaction as the node they point at (a trash item's top gives its name
//! claim back when trashed, and takes one again when restored).
//!
//! A node is **in the trash** when its mark names a trash operation that
//! committed: the top it names has `trashed_at` and the same `trash_op`
//! (`state.rs`). Reads of the live tree test that (`node` with one more
//! `GetItem` for a marked node below a top, `all_nodes` in memory); the mark
//! of an operation that failed, crashed or was undone hides nothing.
//!
//! TTL is enabled on `expires_at_ttl` (sessions, their refs and invites) at
//! start-up when it is not already. DynamoDB deletes expired items lazily, so
//! reads filter on `expires_at` as well, and a read that meets an expired
//! session deletes it.
//!
//! # Operations
//!
//! - **create_user**: one transaction puts the email claim, the profile and the
//!   root node, each `attribute_not_exists(PK)`; a failed email claim is
//!   `Conflict(Email)` and nothing is written.
//! - **connect**: until the key check says `sealed`, profiles stored with
//!   `email` in clear (and their `EMAIL#<email>` claims) are sealed, one
//!   transaction per user (`profiles.rs`); a key check of other keys stops
//!   start-up (`ForeignSecret`).
//! - **commit_file / create_folder**: one transaction of a `ConditionCheck`
//!   that the parent is a folder of the user (`NotFound`), the name claim put
//!   (`Conflict(Name)`), the node put, the object claim put and the quota
//!   charge `ADD used_bytes :n, remaining -:n` with condition `remaining >= :n`
//!   (`QuotaExceeded`); the failing item is read from `cancellation_reasons()`.
//!   The parent is read first: the transaction also holds its guards (below).
//!   An overwrite re-points the existing node (conditional on its old object
//!   and `rev`), keeps the old content as the newest version in the node's
//!   `versions` (the oldest past `versions_kept` go, with their object claims),
//!   puts the new object claim and charges the new size less what went, in
//!   one transaction (`versions.rs`). Only when more versions go at once
//!   than fit beside it (about 95: `versions_kept` lowered) are the rest of
//!   their claims deleted in the transactions after; a crash in between
//!   leaves those claims naming the file that holds the versions no more:
//!   the sweeper keeps their objects (`object_referenced`), account
//!   deletion removes them (`object_ids`). The file, its versions and the
//!   counters are right.
//! - **Listing versions** (`guards.rs`): every transaction that adds,
//!   removes, renames or moves a child of a folder, restores one into it,
//!   trashes one out of it or gives a file in it new content turns its
//!   check of that folder into an update that also raises the folder's
//!   `listing_version` (a move raises both folders'; a trash commit, which
//!   holds no guard, updates the folder alone). So a listing cached under a
//!   version read before the children is stale as soon as the version moves.
//! - **Guards** (`guards.rs`): every change into, out of or inside the tree
//!   (create, commit, overwrite, move, delete, restore into a folder, share,
//!   restore_version) checks, in its transaction, each node it depends on:
//!   still no trash top, the same mark as read, and the operation that mark
//!   names neither committed nor under way (its top's lease has run out).
//! - **update_node**: the node's ancestors and the target's ancestors are read
//!   for the cycle check; the transaction then deletes the old name claim, puts
//!   the new one, updates the node (conditional on its old place) and checks
//!   every node on the target's path to the root (`parent_id` unchanged, target
//!   still a folder), with the guards of the node and the target. So two
//!   concurrent moves that would together form a cycle cannot both commit. Only for paths deeper than ~95 levels are the top
//!   levels left unchecked (a residual race no real tree reaches).
//! - **delete_node**: the subtree is collected with consistent queries, then the
//!   top node, its claims and the whole quota release go first in one
//!   transaction (up to 100 items: a subtree of about 30 nodes goes entirely in
//!   that one), so the subtree leaves every listing at once; the rest follows in
//!   further transactions of up to 100 items. A crash in between, or a file
//!   committed into the subtree while it is being deleted, leaves unreachable
//!   items (parent gone) that still count in `object_ids`, so account deletion
//!   removes them and their objects.
//! - **trash_node** (`marking.rs`): under a fresh operation id, (1) the top
//!   gets its mark and a lease of `LEASE_SECONDS` (while live and where read);
//!   (2) top-down, each folder's children are listed only once the folder is
//!   marked, and marked in transactions of up to 99 compare-and-swap updates
//!   (same place, object and mark) beside a check that the top still holds
//!   the lease; a node that changed is read again. The guards refuse every
//!   change in a marked subtree while the lease runs, so the marked set is
//!   exactly the subtree and its bytes exact; (3) one transaction commits
//!   the top (`trashed_at`, `trash_bytes`, while the lease holds), deletes its
//!   name claim, puts its trash ref and queue item, adds `trash_bytes` and
//!   deletes the subtree's shares (those that fit; the rest, their entries,
//!   and the entries shares of the folders above hold for the subtree
//!   follow). Nothing is hidden before (3), everything after. A failure gives
//!   the lease back; a crash leaves it to run out (the subtree cannot change
//!   for up to two minutes then).
//! - **restore_node** (`restore.rs`): one transaction updates the top
//!   (conditional on its operation; trash state and mark removed, new place
//!   and name), puts its name claim (`Conflict(Name)`), deletes the ref and
//!   queue item, subtracts `trash_bytes`, and guards the target folder. The
//!   whole subtree is live at once; its marks are cleared afterwards, best
//!   effort (they only cost a read each).
//! - **purge_node** and **delete_node** (`deletes.rs`): as delete_node below,
//!   the versions' objects included (returned, claims deleted, quota and
//!   `version_bytes` released); a purge's first transaction deletes the top
//!   conditional on its operation, with its ref and queue item and
//!   `trash_bytes`. A trash item trashed earlier from inside the subtree has
//!   no name claim there, so it is not reached: it stays an item of its own.
//!   Dead properties go with their nodes: the top's in the first
//!   transaction (always), those below with their node (where `has_props`
//!   was read). A property write to a node below the top that lands after
//!   the subtree was read leaves an item no read reaches (it needs its live
//!   node; ids are never reused) until account deletion.
//! - **trashed_before**: pages of the queue partition below the cutoff; an
//!   item whose node is not that trash item any more (restored, purged,
//!   gone with its account, or left by a crash) is deleted on the way.
//! - **restore_version / delete_version**: one transaction each of the
//!   node's update (conditional on `rev`), the quota and `version_bytes`
//!   change and the object claims of the versions that go (of many at
//!   once, the rest after, as for an overwrite).
//! - **delete_user**: the sessions (items and refs) go first, then the
//!   shares, so a failure at any later step leaves no session to use and no
//!   link that opens anything; then the profile and the email
//!   claim in one transaction (the wrapped UMK is gone: crypto-shredding; the
//!   email is free again); then everything under `USER#<user>` and any session
//!   a log-in started meanwhile (it could not refresh: the profile is gone).
//!   Calling it again after a crash finishes the job. The queue items of its
//!   trash items go with them (one left by a crash is dropped by
//!   `trashed_before`).
//! - **create_share**: the node is read live, then one transaction puts the
//!   share and its ref (`attribute_not_exists(PK)`) with the node's guards
//!   (`NotFound`). A link finds the share by id
//!   alone; `share` then reads the node and answers `None` when it is gone
//!   (deleting the stale share and ref, best effort), and `shares_of` reads
//!   the refs, then shares and nodes in one batch, and does the same.
//! - **count_download**: one `UpdateItem`, `ADD downloads :one` with
//!   `attribute_exists(PK) AND (attribute_not_exists(max_downloads) OR
//!   downloads < max_downloads)`: of two holders racing for the last
//!   download only one passes.
//! - Shares go with their node: **delete_node** reads the user's share refs
//!   and deletes the shares of the subtree ahead of the nodes below the top
//!   (so in the first transaction while there is room); one made while the
//!   node was being deleted is hidden by `share`. **delete_user** deletes the
//!   user's shares right after the sessions (share items, then their
//!   entries, then the refs, so that a second call still finds them), and
//!   any share ref met later takes its share with it the same way.
//! - **Share entries** go in `BatchWriteItem`s of 25 and come back in
//!   `BatchGetItem`s of 100 (a shared folder may hold thousands of nodes:
//!   too many for a transaction). Every deletion of a share item (revoke,
//!   a stale share met by `share` or `shares_of`, `delete_node`,
//!   `delete_user`) is followed by a query of the share's partition that
//!   deletes its entries; `put_share_entries` reads the share item before
//!   and again after writing, and purges the partition when it is gone, so
//!   entries written during a revocation do not outlive it. An entry whose
//!   node is deleted stays until its share goes (harmless: the vault only
//!   asks for nodes it found in the tree).
//! - **rotate_session**: compare-and-swap, `secret_hash = :current`, replacing
//!   `retired` with the old hash followed by the newest of those it held (read
//!   just before; the condition makes that safe); the session ref's TTL follows
//!   in the same transaction.
//!
//! Residual races of the trash, none of which a crash can cause: a server
//! whose clock runs more than the lease ahead of the trashing server's may let
//! a change into a subtree being trashed, unmarked (it stays live inside the
//! trash item until a purge takes it); a share entry written for a node
//! while it is being trashed may outlive the trashing (unread while the node
//! is in the trash, it would be read again after a restore).
//! A subtree being trashed refuses changes with `Unavailable` until done.
//!
//! Throttling, timeouts and connection failures are `Unavailable`; the client
//! retries them itself first (standard mode, 5 attempts, exponential backoff).

use async_trait::async_trait;
use aws_config::SdkConfig;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::retry::RetryConfig;
use time::OffsetDateTime;

mod app_passwords;
mod changes;
mod client;
mod deletes;
mod expr;
mod guards;
mod items;
mod lockout;
mod marking;
mod moves;
mod nodes;
mod profiles;
mod props;
mod provision;
mod restore;
mod sessions;
mod share_entries;
mod shares;
mod state;
mod trash;
mod tree;
mod users;
mod versions;

use std::sync::Arc;

use super::MetaStore;
use crate::config::DynamoSettings;
use crate::crypto::keys::ProfileKeys;
use crate::store::StoreError;
use client::Timed;

/// Name of the TTL attribute (Unix seconds) on sessions and session refs.
pub const TTL_ATTRIBUTE: &str = "expires_at_ttl";
/// Most items one `TransactWriteItems` may hold.
const MAX_TRANSACTION_ITEMS: usize = 100;
/// Most keys one `BatchGetItem` may ask for.
const MAX_BATCH_GET: usize = 100;
/// Most puts and deletes one `BatchWriteItem` may hold.
const MAX_BATCH_WRITE: usize = 25;

pub struct DynamoMetaStore {
    client: Client,
    table: String,
    /// `Limit` of each `Query` page; `None` lets DynamoDB fill 1 MB pages.
    page_size: Option<i32>,
    /// Seal emails and display names, and compute the email index.
    keys: Arc<ProfileKeys>,
}

impl DynamoMetaStore {
    /// Connects to the table named in `settings`, creating it (with TTL) when it
    /// is missing and `auto_create` is set; seals the accounts still stored in
    /// clear with `keys`, and refuses a table sealed under other keys.
    pub async fn connect(
        sdk: &SdkConfig,
        settings: &DynamoSettings,
        auto_create: bool,
        keys: &ProfileKeys,
    ) -> Result<Self, StoreError> {
        let config = aws_sdk_dynamodb::config::Builder::from(sdk)
            .retry_config(RetryConfig::standard().with_max_attempts(5))
            .build();
        let store = Self {
            client: Client::from_conf(config),
            table: settings.table.clone(),
            page_size: None,
            keys: Arc::new(keys.clone()),
        };
        store.ensure_table(sdk, auto_create).await?;
        store.seal_profiles().await?;
        Ok(store)
    }

    /// Queries read at most `n` items per page (tests use small pages to cover
    /// pagination; production leaves DynamoDB's 1 MB pages).
    pub fn with_page_size(mut self, n: i32) -> Self {
        self.page_size = Some(n.max(1));
        self
    }
}

fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

#[async_trait]
impl MetaStore for DynamoMetaStore {
    async fn ping(&self) -> Result<(), StoreError> {
        self.client
            .describe_table()
            .table_name(&self.table)
            .send()
            .timed("DescribeTable")
            .await
            .map_err(|err| self.sdk_err("DescribeTable", err))?;
        Ok(())
    }
}
