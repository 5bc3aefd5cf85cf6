//! The server's stores, opened for the administrator: as they are, with
//! nothing created. A database, folder, bucket, table or token secret that is
//! missing means the command is not looking where the server keeps its data,
//! and making an empty one there would only hide that.

use std::io::ErrorKind;
use std::path::PathBuf;

use super::AdminError;
use crate::auth::TokenSecret;
use crate::config::{BlobBackend, Config, MetaBackend};
use crate::state::AppState;
use crate::store;

pub async fn open_state(mut config: Config) -> Result<AppState, AdminError> {
    require_embedded_stores(&config)?;
    // Emails are found and read with keys of the server's secret: it is
    // read, never created (no admin command issues or checks a token).
    let secret = TokenSecret::load_existing(&config.token_secret_path())?;
    // The AWS backends then stop with a message naming the missing bucket or table.
    config.storage.auto_create = false;
    let stores = store::open(&config, &secret.profile_keys()).await?;
    Ok(AppState::new(config, stores, &secret))
}

fn require_embedded_stores(config: &Config) -> Result<(), AdminError> {
    if config.storage.meta == MetaBackend::Sqlite {
        require(store::sqlite_path(config), "Strongroom database")?;
    }
    if config.storage.blob == BlobBackend::Fs {
        require(store::objects_dir(config), "object folder")?;
    }
    Ok(())
}

fn require(path: PathBuf, what: &'static str) -> Result<(), AdminError> {
    match std::fs::metadata(&path) {
        Ok(_) => Ok(()),
        Err(err) if err.kind() == ErrorKind::NotFound => {
            Err(AdminError::NoEmbeddedStore { what, path })
        }
        // Most often a permission: the command runs as another user than the server.
        Err(source) => Err(AdminError::Unreachable { path, source }),
    }
}
