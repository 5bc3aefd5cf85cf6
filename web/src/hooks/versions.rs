//! A file's earlier versions, for its versions dialog.

use strongroom_shared::VersionList;
use uuid::Uuid;
use yew::prelude::*;

use super::fetch::{Fetched, use_fetch};
use crate::services::versions;

#[hook]
pub fn use_versions(file: Uuid) -> Fetched<VersionList> {
    use_fetch(file, versions::list)
}
