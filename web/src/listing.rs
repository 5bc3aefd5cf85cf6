//! Ordering a folder's items and naming its breadcrumbs: plain functions,
//! tested natively.

use std::cmp::Ordering;

use strongroom_shared::{Breadcrumb, Node, NodeKind};
use uuid::Uuid;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SortKey {
    Name,
    Size,
    Modified,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sort {
    pub key: SortKey,
    pub ascending: bool,
}

impl Default for Sort {
    fn default() -> Self {
        Self {
            key: SortKey::Name,
            ascending: true,
        }
    }
}

impl Sort {
    /// Clicking a column: the same one flips the order, another starts
    /// ascending by name and newest/largest first otherwise (what people look
    /// for when they sort by those).
    pub fn toggled(self, key: SortKey) -> Self {
        if self.key == key {
            return Self {
                key,
                ascending: !self.ascending,
            };
        }
        Self {
            key,
            ascending: key == SortKey::Name,
        }
    }

    /// For `aria-sort` on the column header.
    pub fn aria(self, key: SortKey) -> &'static str {
        match (self.key == key, self.ascending) {
            (false, _) => "none",
            (true, true) => "ascending",
            (true, false) => "descending",
        }
    }
}

fn by_name(a: &Node, b: &Node) -> Ordering {
    a.name
        .to_lowercase()
        .cmp(&b.name.to_lowercase())
        .then_with(|| a.name.cmp(&b.name))
}

/// Folders always come first; within each kind, the chosen order, with the
/// name (case-insensitive) breaking ties so the order never flickers.
pub fn sorted(items: &[Node], sort: Sort) -> Vec<Node> {
    let mut items = items.to_vec();
    items.sort_by(|a, b| {
        let kind = match (a.kind, b.kind) {
            (NodeKind::Folder, NodeKind::File) => Ordering::Less,
            (NodeKind::File, NodeKind::Folder) => Ordering::Greater,
            _ => Ordering::Equal,
        };
        let chosen = match sort.key {
            SortKey::Name => by_name(a, b),
            SortKey::Size => a.size.cmp(&b.size).then_with(|| by_name(a, b)),
            SortKey::Modified => a
                .modified_at
                .cmp(&b.modified_at)
                .then_with(|| by_name(a, b)),
        };
        let chosen = match sort.ascending {
            true => chosen,
            false => chosen.reverse(),
        };
        kind.then(chosen)
    });
    items
}

/// What the root folder is called on screen (its stored name is empty).
pub const ROOT_LABEL: &str = "My files";

/// The breadcrumb trail as (folder id, label); the root's id is `None`, so
/// its link is the plain `/files`.
pub fn trail(breadcrumbs: &[Breadcrumb]) -> Vec<(Option<Uuid>, String)> {
    breadcrumbs
        .iter()
        .enumerate()
        .map(|(index, crumb)| match index {
            0 => (None, String::from(ROOT_LABEL)),
            _ => (Some(crumb.id), crumb.name.clone()),
        })
        .collect()
}

/// "a", "a (1)", "a (2)"...: the name a folder would get if the wanted one is
/// taken. Used to suggest a name in the new-folder dialog.
pub fn free_name(wanted: &str, existing: &[Node]) -> String {
    let taken = |name: &str| {
        existing
            .iter()
            .any(|node| node.name.to_lowercase() == name.to_lowercase())
    };
    if !taken(wanted) {
        return wanted.to_owned();
    }
    (1..)
        .map(|n| format!("{wanted} ({n})"))
        .find(|name| !taken(name))
        .unwrap_or_else(|| wanted.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn node(name: &str, kind: NodeKind, size: u64, day: u8) -> Node {
        let at = datetime!(2026-11-01 12:00 UTC)
            .replace_day(day)
            .unwrap_or(datetime!(2026-11-01 12:00 UTC));
        Node {
            id: Uuid::from_u128(u128::from(size) << 64 | name.len() as u128),
            parent_id: Some(Uuid::nil()),
            kind,
            name: name.to_owned(),
            size,
            content_type: None,
            created_at: at,
            modified_at: at,
        }
    }

    fn names(items: &[Node]) -> Vec<&str> {
        items.iter().map(|node| node.name.as_str()).collect()
    }

    fn sample() -> Vec<Node> {
        vec![
            node("b.txt", NodeKind::File, 30, 3),
            node("Zeta", NodeKind::Folder, 0, 1),
            node("A.txt", NodeKind::File, 10, 9),
            node("alpha", NodeKind::Folder, 0, 5),
            node("c.bin", NodeKind::File, 20, 1),
        ]
    }

    #[test]
    fn folders_first_then_names_case_insensitive() {
        let items = sorted(&sample(), Sort::default());
        assert_eq!(names(&items), ["alpha", "Zeta", "A.txt", "b.txt", "c.bin"]);
        let items = sorted(&sample(), Sort::default().toggled(SortKey::Name));
        assert_eq!(names(&items), ["Zeta", "alpha", "c.bin", "b.txt", "A.txt"]);
    }

    #[test]
    fn size_and_date_orders_keep_folders_first() {
        let by_size = Sort::default().toggled(SortKey::Size);
        assert!(!by_size.ascending, "largest first on the first click");
        assert_eq!(
            names(&sorted(&sample(), by_size)),
            ["Zeta", "alpha", "b.txt", "c.bin", "A.txt"]
        );
        let by_size_up = by_size.toggled(SortKey::Size);
        assert_eq!(
            names(&sorted(&sample(), by_size_up)),
            ["alpha", "Zeta", "A.txt", "c.bin", "b.txt"]
        );
        let newest = Sort::default().toggled(SortKey::Modified);
        assert_eq!(
            names(&sorted(&sample(), newest)),
            ["alpha", "Zeta", "A.txt", "b.txt", "c.bin"]
        );
        assert_eq!(newest.aria(SortKey::Modified), "descending");
        assert_eq!(newest.aria(SortKey::Name), "none");
    }

    #[test]
    fn trail_names_the_root() {
        let crumbs = vec![
            Breadcrumb {
                id: Uuid::nil(),
                name: String::new(),
            },
            Breadcrumb {
                id: Uuid::max(),
                name: String::from("Taxes"),
            },
        ];
        assert_eq!(
            trail(&crumbs),
            vec![
                (None, String::from("My files")),
                (Some(Uuid::max()), String::from("Taxes"))
            ]
        );
        assert!(trail(&[]).is_empty());
    }

    #[test]
    fn free_names_count_up() {
        let items = vec![
            node("New folder", NodeKind::Folder, 0, 1),
            node("new folder (1)", NodeKind::Folder, 0, 1),
        ];
        assert_eq!(free_name("New folder", &items), "New folder (2)");
        assert_eq!(free_name("Other", &items), "Other");
    }
}
