//! Presentational pieces: they get what they show and what to call through
//! their properties, and hold no more state than their own inputs.

pub mod alert;
pub mod field;
pub mod file_table;
pub mod folder_picker;
pub mod layout;
pub mod modal;
pub mod recovery_code;
pub mod upload_list;
pub mod usage;

pub use alert::{Alert, Spinner};
pub use field::{Field, bind};
pub use file_table::FileTable;
pub use folder_picker::FolderPicker;
pub use layout::Layout;
pub use modal::Modal;
pub use recovery_code::RecoveryCode;
pub use upload_list::UploadList;
pub use usage::Usage;
