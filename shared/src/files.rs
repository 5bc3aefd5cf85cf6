//! Files and folders.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// Whether a node is a file or a folder.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum NodeKind {
    // Declared folders first: listings sort folders before files.
    Folder,
    File,
}

/// A file or folder. Ids are UUIDs; times RFC 3339.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Node {
    pub id: Uuid,
    /// `null` only for the root folder.
    pub parent_id: Option<Uuid>,
    pub kind: NodeKind,
    /// Empty for the root folder.
    pub name: String,
    /// Plaintext size in bytes; 0 for folders.
    pub size: u64,
    /// Guessed from the name; `null` for folders.
    pub content_type: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub modified_at: OffsetDateTime,
}

/// One step of the path from the root to a folder.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Breadcrumb {
    pub id: Uuid,
    /// Empty for the root folder.
    pub name: String,
}

/// `GET /api/v1/folders/{id}/children`: folders first, then files, each by name.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct FolderListing {
    pub folder: Node,
    /// From the root down to and including `folder`.
    pub breadcrumbs: Vec<Breadcrumb>,
    pub items: Vec<Node>,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// `POST /api/v1/folders`
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateFolderRequest {
    /// A folder id, or `root`.
    #[cfg_attr(feature = "openapi", schema(example = "root"))]
    pub parent_id: String,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::schema::FileName))]
    pub name: String,
}

/// `PATCH /api/v1/nodes/{id}`: rename, move, or both.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateNodeRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::schema::FileName>))]
    pub name: Option<String>,
    /// The new parent: a folder id, or `root`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<String>,
}

/// `POST /api/v1/files/{id}/download-url`: a link that needs no header, for
/// about a minute, for this one file.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct DownloadUrl {
    /// Absolute path on this server (`/api/v1/download/...`).
    pub url: String,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub expires_at: OffsetDateTime,
}

/// `GET /api/v1/search?q=`
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SearchResults {
    pub items: Vec<Node>,
}
