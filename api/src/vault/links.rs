//! Short-lived download URLs for browsers, which cannot put a bearer header on
//! a plain link. The token carries one object's DEK (wrapped under the token
//! secret), never the UMK: a leaked URL opens one file, for about a minute.

use actix_web::HttpResponse;
use actix_web::http::header::HeaderMap;
use strongroom_shared::DownloadUrl;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use super::download::{self, KeySource};
use super::{Names, tree};
use crate::app::AppState;
use crate::auth::AuthUser;
use crate::auth::tokens::DownloadFile;
use crate::crypto::keys::Dek;
use crate::crypto::srm1::Decryptor;
use crate::error::ApiError;
use crate::store::ObjectKey;

pub const DOWNLOAD_PATH: &str = "/api/v1/download/";

pub async fn create(state: &AppState, auth: &AuthUser, id: Uuid) -> Result<DownloadUrl, ApiError> {
    let node = tree::node(state, auth, id).await?;
    let object_id = node.object_id.ok_or(ApiError::NotAFile)?;
    let name = Names::new(&auth.umk).open(&node)?;
    // The DEK comes out of the object's own header, checked like any download.
    let header = download::read_header(state, &ObjectKey::new(auth.user_id, object_id)).await?;
    let decryptor = Decryptor::new(
        &header,
        &auth.umk,
        auth.user_id.into_bytes(),
        Some(object_id.into_bytes()),
    )
    .map_err(ApiError::Integrity)?;
    let dek = Dek::from_bytes(*decryptor.dek().as_bytes());
    let now = OffsetDateTime::now_utc();
    let ttl = state.config.download_url_ttl_secs;
    let file = DownloadFile {
        user_id: auth.user_id,
        node_id: node.id,
        object_id,
        dek: &dek,
        name: &name,
    };
    let token = state.tokens.issue_download(&file, now, ttl)?;
    Ok(DownloadUrl {
        url: format!("{DOWNLOAD_PATH}{token}"),
        expires_at: (now + Duration::seconds(i64::try_from(ttl).unwrap_or(60)))
            .replace_nanosecond(0)
            .unwrap_or(now),
    })
}

/// Serves a download URL. The file must still be the one the URL was made for.
pub async fn serve(
    state: &AppState,
    token: &str,
    headers: &HeaderMap,
) -> Result<HttpResponse, ApiError> {
    let grant = state
        .tokens
        .verify_download(token)
        .map_err(ApiError::Unauthorized)?;
    let node = state
        .meta
        .node(grant.user_id, grant.node_id)
        .await?
        .filter(|node| node.object_id == Some(grant.object_id))
        .ok_or(ApiError::NotFound)?;
    download::respond(
        state,
        &node,
        &grant.name,
        KeySource::Dek(grant.dek),
        headers,
    )
    .await
}
