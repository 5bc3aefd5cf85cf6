//! Share links: a file or a folder of the owner's, readable by whoever holds
//! the link (and its password, when one is set), until it expires, runs out
//! of downloads or is revoked.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

use crate::NodeKind;

/// The header a share's password travels in.
pub const SHARE_PASSWORD_HEADER: &str = "X-Share-Password";

/// The browser page of a share link: `{SHARE_PAGE_PREFIX}{token}`.
pub const SHARE_PAGE_PREFIX: &str = "/s/";

/// Most downloads a share may allow.
pub const MAX_SHARE_DOWNLOADS: u32 = 1_000_000;

/// `POST /api/v1/nodes/{id}/shares`. Every field may be left out.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateShareRequest {
    /// When the link stops working (RFC 3339, in the future); never when absent.
    #[serde(default, with = "time::serde::rfc3339::option")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub expires_at: Option<OffsetDateTime>,
    /// Asked of everyone who opens the link (header `X-Share-Password`);
    /// 1 to 1024 bytes.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 1024))]
    pub password: Option<String>,
    /// Downloads of the content allowed through this link, 1 to 1,000,000;
    /// unlimited when absent.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 1_000_000))]
    pub max_downloads: Option<u32>,
}

/// A share as its owner sees it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Share {
    pub id: Uuid,
    pub node_id: Uuid,
    pub kind: NodeKind,
    /// The shared file's or folder's name.
    pub name: String,
    /// The browser page of the link (`/s/{token}`); only in the answer that
    /// creates the share, like `token`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// What the link carries (`{id}.{secret}`): shown once, never stored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub expires_at: Option<OffsetDateTime>,
    pub max_downloads: Option<u32>,
    /// Downloads of the content so far.
    pub downloads: u32,
    pub has_password: bool,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: OffsetDateTime,
}

/// `GET /api/v1/shares`: the caller's live shares, newest first.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ShareList {
    pub items: Vec<Share>,
}

/// `GET /api/v1/public/shares/{token}`: what a link holder may know.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PublicShare {
    pub kind: NodeKind,
    pub name: String,
    /// The file's size; 0 for a folder.
    pub size: u64,
    #[serde(default, with = "time::serde::rfc3339::option")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub expires_at: Option<OffsetDateTime>,
    /// Downloads left, when the share has a limit.
    pub downloads_left: Option<u32>,
    pub needs_password: bool,
}

/// One file or folder inside a shared folder.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PublicEntry {
    /// Names this entry in `…/files/{id}/content`.
    pub id: Uuid,
    pub kind: NodeKind,
    pub name: String,
    /// 0 for folders.
    pub size: u64,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub modified_at: OffsetDateTime,
}

/// `GET /api/v1/public/shares/{token}/children?path=a/b`: a folder inside a
/// shared folder (the shared folder itself when `path` is empty), folders
/// first, then files, each by name.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PublicListing {
    /// The shared folder's name, then each folder of `path`.
    pub breadcrumbs: Vec<String>,
    pub items: Vec<PublicEntry>,
}
