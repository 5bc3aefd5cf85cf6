//! Keys and the item shapes of the table (see the module documentation).

use strongroom_shared::NodeKind;
use uuid::Uuid;

use super::expr::{Item, Reader, b, key, n, s};
use crate::crypto::keys::ProfileKeys;
use crate::store::StoreError;
use crate::store::meta::sealed::{self, SealedProfile};
use crate::store::meta::{
    NodeRecord, SessionRecord, SharePassword, ShareRecord, UserKeys, UserRecord,
};

pub(super) const PROFILE: &str = "PROFILE";
pub(super) const EMAIL: &str = "EMAIL";
pub(super) const SESSION: &str = "SESSION";
pub(super) const NODE_PREFIX: &str = "NODE#";
pub(super) const OBJECT_PREFIX: &str = "OBJ#";
pub(super) const PROPS_PREFIX: &str = "PROPS#";
pub(super) const SESSION_REF_PREFIX: &str = "SESSION#";
pub(super) const SHARE: &str = "SHARE";
pub(super) const SHARE_PREFIX: &str = "SHARE#";
pub(super) const SHARE_ENTRY_PREFIX: &str = "ENTRY#";
pub(super) const INVITE: &str = "INVITE";
pub(super) const LOCKOUT: &str = "LOCKOUT";
pub(super) const KEY_CHECK: &str = "KEYCHECK";

pub(super) fn user_pk(user: Uuid) -> String {
    format!("USER#{user}")
}

/// The claim of an email, by its keyed index.
pub(super) fn email_pk(index: &[u8; 32]) -> String {
    format!("EMAILIDX#{}", data_encoding::HEXLOWER.encode(index))
}

/// The claim of an email stored in clear (before the emails were sealed).
pub(super) fn legacy_email_pk(email: &str) -> String {
    format!("EMAIL#{email}")
}

pub(super) fn invite_pk(code_hash: &[u8; 32]) -> String {
    format!("INVITE#{}", data_encoding::HEXLOWER.encode(code_hash))
}

pub(super) fn lockout_pk(account: &[u8; 32]) -> String {
    format!("LOCKOUT#{}", data_encoding::HEXLOWER.encode(account))
}

pub(super) fn session_pk(id: Uuid) -> String {
    format!("SESSION#{id}")
}

/// The partition of a share, found by its id alone; its ref in the owner's
/// partition has the same text as sort key (`share_ref_sk`).
pub(super) fn share_pk(id: Uuid) -> String {
    format!("{SHARE_PREFIX}{id}")
}

pub(super) fn node_sk(id: Uuid) -> String {
    format!("{NODE_PREFIX}{id}")
}

/// Prefix of the name claims of a folder's children.
pub(super) fn name_prefix(parent: Uuid) -> String {
    format!("NAME#{parent}#")
}

pub(super) fn name_sk(parent: Uuid, mac: &[u8; 32]) -> String {
    format!(
        "{}{}",
        name_prefix(parent),
        data_encoding::HEXLOWER.encode(mac)
    )
}

pub(super) fn object_sk(object: Uuid) -> String {
    format!("{OBJECT_PREFIX}{object}")
}

pub(super) fn session_ref_sk(id: Uuid) -> String {
    format!("{SESSION_REF_PREFIX}{id}")
}

pub(super) fn share_ref_sk(id: Uuid) -> String {
    format!("{SHARE_PREFIX}{id}")
}

pub(super) fn profile_key(user: Uuid) -> Item {
    key(user_pk(user), PROFILE)
}

pub(super) fn node_key(user: Uuid, id: Uuid) -> Item {
    key(user_pk(user), &node_sk(id))
}

/// The dead properties of a node, beside it in the user's partition.
pub(super) fn props_sk(node: Uuid) -> String {
    format!("{PROPS_PREFIX}{node}")
}

pub(super) fn props_key(user: Uuid, node: Uuid) -> Item {
    key(user_pk(user), &props_sk(node))
}

pub(super) fn props_item(user: Uuid, node: Uuid, sealed: &[u8]) -> Item {
    let mut item = props_key(user, node);
    item.insert("type".to_owned(), s("node_props"));
    item.insert("sealed".to_owned(), b(sealed));
    item
}

pub(super) fn share_key(id: Uuid) -> Item {
    key(share_pk(id), SHARE)
}

pub(super) fn share_ref_key(user: Uuid, id: Uuid) -> Item {
    key(user_pk(user), &share_ref_sk(id))
}

/// An entry of a folder share, in the share's partition.
pub(super) fn share_entry_key(share: Uuid, node: Uuid) -> Item {
    key(share_pk(share), &format!("{SHARE_ENTRY_PREFIX}{node}"))
}

pub(super) fn name_key(user: Uuid, parent: Uuid, mac: &[u8; 32]) -> Item {
    key(user_pk(user), &name_sk(parent, mac))
}

pub(super) fn object_key(user: Uuid, object: Uuid) -> Item {
    key(user_pk(user), &object_sk(object))
}

pub(super) fn kind_text(kind: NodeKind) -> &'static str {
    match kind {
        NodeKind::Folder => "folder",
        NodeKind::File => "file",
    }
}

pub(super) fn kind_from_text(kind: &str) -> Result<NodeKind, StoreError> {
    match kind {
        "folder" => Ok(NodeKind::Folder),
        "file" => Ok(NodeKind::File),
        other => Err(StoreError::Corrupt(format!("node kind {other}"))),
    }
}

/// A profile item, its email and display name already sealed.
pub(super) fn user_item(user: &UserRecord, profile: &SealedProfile) -> Item {
    let mut item = profile_key(user.id);
    let remaining = i128::from(user.quota_bytes) - i128::from(user.used_bytes);
    let fields = [
        ("type", s("user")),
        ("id", s(user.id.to_string())),
        ("email_index", b(&profile.email_index)),
        ("email_ct", b(&profile.email_ct)),
        ("password_hash", s(&user.password_hash)),
        ("quota_bytes", n(user.quota_bytes)),
        ("used_bytes", n(user.used_bytes)),
        ("remaining", n(remaining)),
        ("created_at", n(user.created_at.unix_timestamp())),
    ];
    item.extend(fields.into_iter().map(|(k, v)| (k.to_owned(), v)));
    item.extend(keys_attributes(&user.keys));
    if let Some(name) = &profile.display_name_ct {
        item.insert("display_name_ct".to_owned(), b(name));
    }
    if user.disabled {
        item.insert("disabled".to_owned(), n(1));
    }
    item
}

/// The key-wrapping attributes of a user, as written on creation and on a
/// credentials update.
pub(super) fn keys_attributes(
    keys: &UserKeys,
) -> [(String, aws_sdk_dynamodb::types::AttributeValue); 6] {
    [
        ("kek_salt".to_owned(), b(&keys.kek_salt)),
        ("kek_params".to_owned(), s(&keys.kek_params)),
        ("wrapped_umk".to_owned(), b(&keys.wrapped_umk)),
        ("recovery_salt".to_owned(), b(&keys.recovery_salt)),
        ("recovery_params".to_owned(), s(&keys.recovery_params)),
        (
            "recovery_wrapped_umk".to_owned(),
            b(&keys.recovery_wrapped_umk),
        ),
    ]
}

/// A profile item, its email and display name opened (`Corrupt` when they
/// do not open, or are missing).
pub(super) fn user_from_item(item: &Item, keys: &ProfileKeys) -> Result<UserRecord, StoreError> {
    let r = Reader::new(item, "user");
    let id = r.uuid("id")?;
    let display_name_ct = r.opt_bytes("display_name_ct")?;
    let (email, display_name) =
        sealed::open(keys, id, &r.bytes("email_ct")?, display_name_ct.as_deref())?;
    Ok(UserRecord {
        id,
        email,
        display_name,
        password_hash: r.s("password_hash")?.to_owned(),
        keys: UserKeys {
            kek_salt: r.array("kek_salt")?,
            kek_params: r.s("kek_params")?.to_owned(),
            wrapped_umk: r.bytes("wrapped_umk")?,
            recovery_salt: r.array("recovery_salt")?,
            recovery_params: r.s("recovery_params")?.to_owned(),
            recovery_wrapped_umk: r.bytes("recovery_wrapped_umk")?,
        },
        quota_bytes: r.u64("quota_bytes")?,
        used_bytes: r.u64("used_bytes")?,
        created_at: r.time("created_at")?,
        disabled: r.flag("disabled")?,
    })
}

pub(super) fn node_item(node: &NodeRecord) -> Item {
    let mut item = node_key(node.user_id, node.id);
    let fields = [
        ("type", s("node")),
        ("id", s(node.id.to_string())),
        ("user_id", s(node.user_id.to_string())),
        ("kind", s(kind_text(node.kind))),
        ("name_ct", b(&node.name_ct)),
        ("name_mac", b(&node.name_mac)),
        ("size", n(node.size)),
        ("created_at", n(node.created_at.unix_timestamp())),
        ("modified_at", n(node.modified_at.unix_timestamp())),
    ];
    item.extend(fields.into_iter().map(|(k, v)| (k.to_owned(), v)));
    if let Some(parent) = node.parent_id {
        item.insert("parent_id".to_owned(), s(parent.to_string()));
    }
    if let Some(object) = node.object_id {
        item.insert("object_id".to_owned(), s(object.to_string()));
    }
    if let Some(binding) = &node.binding {
        item.insert("binding".to_owned(), b(binding));
    }
    item
}

pub(super) fn node_from_item(item: &Item) -> Result<NodeRecord, StoreError> {
    let r = Reader::new(item, "node");
    Ok(NodeRecord {
        id: r.uuid("id")?,
        user_id: r.uuid("user_id")?,
        parent_id: r.opt_uuid("parent_id")?,
        kind: kind_from_text(r.s("kind")?)?,
        name_ct: r.bytes("name_ct")?,
        name_mac: r.array("name_mac")?,
        size: r.u64("size")?,
        object_id: r.opt_uuid("object_id")?,
        created_at: r.time("created_at")?,
        modified_at: r.time("modified_at")?,
        binding: r.opt_array("binding")?,
    })
}

/// A claim item (email, name, object): a key pointing at an id.
pub(super) fn claim_item(key: Item, kind: &str, attr: &str, target: Uuid) -> Item {
    let mut item = key;
    item.insert("type".to_owned(), s(kind));
    item.insert(attr.to_owned(), s(target.to_string()));
    item
}

pub(super) fn session_item(session: &SessionRecord) -> Item {
    let mut item = key(session_pk(session.id), SESSION);
    let fields = [
        ("type", s("session")),
        ("id", s(session.id.to_string())),
        ("user_id", s(session.user_id.to_string())),
        ("secret_hash", b(&session.secret_hash)),
        ("wrapped_umk", b(&session.wrapped_umk)),
        ("created_at", n(session.created_at.unix_timestamp())),
        ("expires_at", n(session.expires_at.unix_timestamp())),
        (super::TTL_ATTRIBUTE, n(session.expires_at.unix_timestamp())),
    ];
    item.extend(fields.into_iter().map(|(k, v)| (k.to_owned(), v)));
    item
}

pub(super) fn session_from_item(item: &Item) -> Result<SessionRecord, StoreError> {
    let r = Reader::new(item, "session");
    Ok(SessionRecord {
        id: r.uuid("id")?,
        user_id: r.uuid("user_id")?,
        secret_hash: r.array("secret_hash")?,
        wrapped_umk: r.bytes("wrapped_umk")?,
        created_at: r.time("created_at")?,
        expires_at: r.time("expires_at")?,
    })
}

pub(super) fn share_item(share: &ShareRecord) -> Item {
    let mut item = share_key(share.id);
    let fields = [
        ("type", s("share")),
        ("id", s(share.id.to_string())),
        ("user_id", s(share.user_id.to_string())),
        ("node_id", s(share.node_id.to_string())),
        ("kind", s(kind_text(share.kind))),
        ("secret_hash", b(&share.secret_hash)),
        ("link_wrapped_key", b(&share.link_wrapped_key)),
        ("owner_wrapped_key", b(&share.owner_wrapped_key)),
        ("sealed", b(&share.sealed)),
        ("downloads", n(share.downloads)),
        ("created_at", n(share.created_at.unix_timestamp())),
    ];
    item.extend(fields.into_iter().map(|(k, v)| (k.to_owned(), v)));
    if let Some(password) = &share.password {
        item.insert("password_salt".to_owned(), b(&password.salt));
        item.insert("password_params".to_owned(), s(&password.params));
    }
    if let Some(expires) = share.expires_at {
        item.insert("expires_at".to_owned(), n(expires.unix_timestamp()));
    }
    // Absent means unlimited: the download count's condition tests for it.
    if let Some(max) = share.max_downloads {
        item.insert("max_downloads".to_owned(), n(max));
    }
    item
}

pub(super) fn share_from_item(item: &Item) -> Result<ShareRecord, StoreError> {
    let r = Reader::new(item, "share");
    let count = |attr: &str| -> Result<Option<u32>, StoreError> {
        r.opt_u64(attr)?
            .map(|v| {
                u32::try_from(v)
                    .map_err(|_| StoreError::Corrupt(format!("share attribute `{attr}` too large")))
            })
            .transpose()
    };
    let password = match r.opt_array("password_salt")? {
        Some(salt) => Some(SharePassword {
            salt,
            params: r.s("password_params")?.to_owned(),
        }),
        None => None,
    };
    Ok(ShareRecord {
        id: r.uuid("id")?,
        user_id: r.uuid("user_id")?,
        node_id: r.uuid("node_id")?,
        kind: kind_from_text(r.s("kind")?)?,
        secret_hash: r.array("secret_hash")?,
        link_wrapped_key: r.bytes("link_wrapped_key")?,
        owner_wrapped_key: r.bytes("owner_wrapped_key")?,
        password,
        sealed: r.bytes("sealed")?,
        expires_at: r.opt_time("expires_at")?,
        max_downloads: count("max_downloads")?,
        downloads: count("downloads")?.unwrap_or(0),
        created_at: r.time("created_at")?,
    })
}

pub(super) fn share_entry_item(share: Uuid, node: Uuid, sealed: &[u8]) -> Item {
    let mut item = share_entry_key(share, node);
    item.insert("type".to_owned(), s("share_entry"));
    item.insert("sealed".to_owned(), b(sealed));
    item
}

/// The node an entry is of (its sort key says) and what it holds.
pub(super) fn share_entry_from_item(item: &Item) -> Result<(Uuid, Vec<u8>), StoreError> {
    let r = Reader::new(item, "share entry");
    let sk = r.s("SK")?;
    let node = sk
        .strip_prefix(SHARE_ENTRY_PREFIX)
        .and_then(|id| Uuid::parse_str(id).ok())
        .ok_or_else(|| StoreError::Corrupt(format!("share entry {sk}")))?;
    Ok((node, r.bytes("sealed")?))
}
