//! The trash and file versions in plain Rust, tested natively: where a
//! deleted item came from, how long the trash keeps things, what a delete
//! warns about, the name offered when a restored item's own is taken, and
//! how the used space splits.

use strongroom_shared::{Breadcrumb, NodeKind};
use time::OffsetDateTime;

use crate::format;
use crate::listing::trail;

/// Where an item was deleted from, when that folder is gone.
pub const ORIGIN_GONE: &str = "a folder that no longer exists";

/// "3 days", "1 day".
pub fn days(count: u32) -> String {
    match count {
        1 => String::from("1 day"),
        _ => format!("{count} days"),
    }
}

/// The folder an item was deleted from, root first ("My files / Taxes"),
/// or [`ORIGIN_GONE`] when the server no longer has it (`original_path`
/// empty: a restore puts the item in the root then).
pub fn origin(path: &[Breadcrumb]) -> String {
    match path.is_empty() {
        true => String::from(ORIGIN_GONE),
        false => trail(path)
            .into_iter()
            .map(|(_, label)| label)
            .collect::<Vec<_>>()
            .join(" / "),
    }
}

/// Where a restore puts an item: back in its folder, or in the root when
/// that folder is gone.
pub fn restored_to(path: &[Breadcrumb]) -> String {
    match path.is_empty() {
        true => String::from(crate::listing::ROOT_LABEL),
        false => origin(path),
    }
}

/// The line on the Trash page saying how long items stay.
pub fn retention(retention_days: u32) -> String {
    match retention_days {
        0 => String::from(
            "The trash is off on this server: what you delete is deleted for good at once.",
        ),
        days_kept => format!("Items are deleted for good after {}.", days(days_kept)),
    }
}

/// How long until the server deletes an item for good: "in 29 days",
/// "in 1 day", "within a day" (its exact time is in the cell's title).
pub fn purged_in(purge_at: OffsetDateTime, now: OffsetDateTime) -> String {
    let whole_days = (purge_at - now).whole_days();
    match u32::try_from(whole_days) {
        Ok(0) | Err(_) => String::from("within a day"),
        Ok(left) => format!("in {}", days(left)),
    }
}

/// What the delete confirmation says happens: the trash and for how long
/// (`None` while the server's retention is not known yet), or deleted for
/// good when the server keeps no trash.
pub fn delete_warning(kind: NodeKind, retention_days: Option<u32>) -> String {
    let what = match kind {
        NodeKind::Folder => "The folder and everything in it",
        NodeKind::File => "The file",
    };
    match retention_days {
        Some(0) => match kind {
            NodeKind::Folder => {
                String::from("This deletes the folder and everything in it, for good.")
            }
            NodeKind::File => String::from("This deletes the file for good."),
        },
        Some(kept) => format!(
            "{what} will be moved to the trash. You can restore it from there for {}.",
            days(kept)
        ),
        None => {
            format!("{what} will be moved to the trash. You can restore it from the Trash page.")
        }
    }
}

/// What Delete forever asks about one item.
pub fn purge_warning(kind: NodeKind) -> &'static str {
    match kind {
        NodeKind::Folder => {
            "The folder and everything in it will be deleted for good. This cannot be undone."
        }
        NodeKind::File => "The file will be deleted for good. This cannot be undone.",
    }
}

/// What Empty trash asks about: how many items, and how much they take.
pub fn empty_warning(count: usize, bytes: u64) -> String {
    let items = match count {
        1 => String::from("The 1 item"),
        _ => format!("All {count} items"),
    };
    format!(
        "{items} in the trash ({}) will be deleted for good. This cannot be undone.",
        format::size(bytes)
    )
}

/// The name offered when a restored item's own is taken where it goes back
/// to: "report (restored).pdf", keeping a file's extension so it still
/// opens with the same program. A leading dot (".env") is no extension.
pub fn restored_name(name: &str, kind: NodeKind) -> String {
    let split = match kind {
        NodeKind::File => name.rfind('.').filter(|&dot| dot > 0),
        NodeKind::Folder => None,
    };
    match split {
        Some(dot) => format!("{} (restored){}", &name[..dot], &name[dot..]),
        None => format!("{name} (restored)"),
    }
}

/// How the used space splits: "Files 1.5 MiB · versions 400.0 KiB · trash
/// 200.0 KiB". The files' part is what versions and trash leave of `used`.
pub fn usage_split(used: u64, versions: u64, trash: u64) -> String {
    let files = used.saturating_sub(versions).saturating_sub(trash);
    format!(
        "Files {} · versions {} · trash {}",
        format::size(files),
        format::size(versions),
        format::size(trash)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;
    use uuid::Uuid;

    fn crumb(id: u128, name: &str) -> Breadcrumb {
        Breadcrumb {
            id: Uuid::from_u128(id),
            name: name.to_owned(),
        }
    }

    #[test]
    fn origins_read_as_paths() {
        assert_eq!(origin(&[crumb(1, "")]), "My files");
        assert_eq!(
            origin(&[crumb(1, ""), crumb(2, "Taxes"), crumb(3, "2026")]),
            "My files / Taxes / 2026"
        );
        assert_eq!(origin(&[]), "a folder that no longer exists");
    }

    #[test]
    fn restores_go_back_or_to_the_root() {
        assert_eq!(
            restored_to(&[crumb(1, ""), crumb(2, "Taxes")]),
            "My files / Taxes"
        );
        assert_eq!(restored_to(&[]), "My files");
    }

    #[test]
    fn purging_asks_about_what_is_lost() {
        assert!(purge_warning(NodeKind::Folder).contains("everything in it"));
        assert!(purge_warning(NodeKind::File).ends_with("This cannot be undone."));
        assert_eq!(
            empty_warning(3, 2_048),
            "All 3 items in the trash (2.0 KiB) will be deleted for good. This cannot be undone."
        );
        assert!(empty_warning(1, 5).starts_with("The 1 item in the trash (5 B)"));
    }

    #[test]
    fn retention_in_words() {
        assert_eq!(retention(30), "Items are deleted for good after 30 days.");
        assert_eq!(retention(1), "Items are deleted for good after 1 day.");
        assert!(retention(0).starts_with("The trash is off"));
    }

    #[test]
    fn purge_times_count_whole_days() {
        let now = datetime!(2026-11-27 15:00 UTC);
        assert_eq!(
            purged_in(datetime!(2026-12-27 15:00 UTC), now),
            "in 30 days"
        );
        assert_eq!(
            purged_in(datetime!(2026-12-27 14:59 UTC), now),
            "in 29 days"
        );
        assert_eq!(purged_in(datetime!(2026-11-28 16:00 UTC), now), "in 1 day");
        assert_eq!(
            purged_in(datetime!(2026-11-28 14:00 UTC), now),
            "within a day"
        );
        // Overdue: the server's sweep has not come round yet.
        assert_eq!(
            purged_in(datetime!(2026-11-26 15:00 UTC), now),
            "within a day"
        );
    }

    #[test]
    fn delete_warns_about_the_trash() {
        assert_eq!(
            delete_warning(NodeKind::File, Some(30)),
            "The file will be moved to the trash. You can restore it from there for 30 days."
        );
        assert_eq!(
            delete_warning(NodeKind::Folder, None),
            "The folder and everything in it will be moved to the trash. \
             You can restore it from the Trash page."
        );
        // No trash on this server: the old, sterner words.
        assert_eq!(
            delete_warning(NodeKind::File, Some(0)),
            "This deletes the file for good."
        );
        assert!(delete_warning(NodeKind::Folder, Some(0)).contains("everything in it, for good"));
    }

    #[test]
    fn restored_names_keep_the_extension() {
        assert_eq!(
            restored_name("report.pdf", NodeKind::File),
            "report (restored).pdf"
        );
        assert_eq!(
            restored_name("archive.tar.gz", NodeKind::File),
            "archive.tar (restored).gz"
        );
        assert_eq!(restored_name(".env", NodeKind::File), ".env (restored)");
        assert_eq!(restored_name("notes", NodeKind::File), "notes (restored)");
        assert_eq!(
            restored_name("v1.2 drafts", NodeKind::Folder),
            "v1.2 drafts (restored)"
        );
    }

    #[test]
    fn usage_splits_into_files_versions_and_trash() {
        assert_eq!(
            usage_split(2_048 + 1_024 + 512, 1_024, 512),
            "Files 2.0 KiB · versions 1.0 KiB · trash 512 B"
        );
        assert_eq!(usage_split(0, 0, 0), "Files 0 B · versions 0 B · trash 0 B");
        // Counters caught mid-update never make the files' part wrap.
        assert_eq!(
            usage_split(10, 8, 8),
            "Files 0 B · versions 8 B · trash 8 B"
        );
    }
}
