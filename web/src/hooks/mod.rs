//! Hooks: the state pages hold and the effects that keep it, one concern
//! each (the session, a form's submit, a folder's listing, the uploads, the
//! search, dropped files, a share link's page, the trash, a file's versions),
//! so a page only connects them.

pub mod auth;
pub mod fetch;
pub mod file_drop;
pub mod folder;
pub mod search;
pub mod share_link;
pub mod submit;
pub mod trash;
pub mod uploads;
pub mod versions;

pub use auth::{Auth, AuthProvider, Session, use_auth};
pub use fetch::{Fetch, Fetched, use_fetch};
pub use file_drop::{FileDrop, files_of, use_file_drop};
pub use folder::{Folder, Load, use_folder};
pub use search::{Found, Search, use_search};
pub use share_link::{Gate, Listing, ShareLink, use_share_link};
pub use submit::{Submit, use_submit, use_submit_with};
pub use trash::{use_retention, use_trash};
pub use uploads::{UploadQueue, use_uploads};
pub use versions::use_versions;
