//! The trash and the earlier versions of files.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

use crate::{Breadcrumb, NodeKind};

/// A deleted file or folder (with everything it held), until it is restored
/// or purged.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct TrashItem {
    /// The deleted node's id: restore and purge name it.
    pub id: Uuid,
    pub kind: NodeKind,
    pub name: String,
    /// Bytes of the files it holds (a file: its size).
    pub size: u64,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub deleted_at: OffsetDateTime,
    /// When the server purges it for good.
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub purge_at: OffsetDateTime,
    /// The folder it was deleted from, root first, while that folder is still
    /// there; empty when it is gone (a restore then puts it in the root).
    pub original_path: Vec<Breadcrumb>,
}

/// `GET /api/v1/trash`: most recently deleted first.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct TrashListing {
    pub items: Vec<TrashItem>,
    /// Days an item stays in the trash.
    pub retention_days: u32,
}

/// `POST /api/v1/trash/{id}/restore`: back where it was, or elsewhere.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RestoreRequest {
    /// The folder to restore into (a folder id, or `root`); by default the
    /// one it was deleted from, or the root when that is gone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<String>,
    /// A new name, for when its own is taken there meanwhile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::schema::FileName>))]
    pub name: Option<String>,
}

/// An earlier content of a file.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Version {
    pub id: Uuid,
    pub size: u64,
    /// When this content was uploaded.
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: OffsetDateTime,
}

/// `GET /api/v1/files/{id}/versions`: newest first.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct VersionList {
    pub items: Vec<Version>,
}
