//! Presentational pieces: they get what they show and what to call through
//! their properties, and hold no more state than their own inputs.

pub mod alert;
pub mod breadcrumbs;
pub mod confirm_dialog;
pub mod delete_dialog;
pub mod field;
pub mod file_table;
pub mod folder_picker;
pub mod layout;
pub mod modal;
pub mod name_dialog;
pub mod public_listing;
pub mod recovery_code;
pub mod revoke_dialog;
pub mod search_results;
pub mod share_dialog;
pub mod share_table;
pub mod toolbar;
pub mod trash_table;
pub mod upload_list;
pub mod usage;
pub mod versions_dialog;

pub use alert::{Alert, Spinner};
pub use breadcrumbs::Breadcrumbs;
pub use confirm_dialog::ConfirmDialog;
pub use delete_dialog::DeleteDialog;
pub use field::{Field, bind};
pub use file_table::FileTable;
pub use folder_picker::FolderPicker;
pub use layout::Layout;
pub use modal::Modal;
pub use name_dialog::NameDialog;
pub use public_listing::{PublicCrumbs, PublicTable};
pub use recovery_code::RecoveryCode;
pub use revoke_dialog::RevokeDialog;
pub use search_results::SearchResults;
pub use share_dialog::{ShareCreated, ShareDialog};
pub use share_table::ShareTable;
pub use toolbar::Toolbar;
pub use trash_table::TrashTable;
pub use upload_list::UploadList;
pub use usage::Usage;
pub use versions_dialog::VersionsDialog;
