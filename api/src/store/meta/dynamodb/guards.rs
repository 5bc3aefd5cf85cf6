//! Conditions a transaction puts on the nodes it depends on, merged per item
//! (a transaction may name an item only once): a parent unchanged, a folder,
//! and above all "still live and not being trashed" (`live`), which is what
//! keeps a subtree frozen while `trash_node` marks it. A folder whose listing
//! the transaction changes also gets its `listing_version` raised here
//! (`bump`), so no change of a folder's children can commit without it.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_dynamodb::types::TransactWriteItem;
use uuid::Uuid;

use super::expr::{self, Ex, n, s};
use super::items;
use super::state::NodeState;
use crate::store::StoreError;

/// Per node, what must hold when the transaction commits.
pub(super) struct Guards {
    user: Uuid,
    now: i64,
    conditions: BTreeMap<Uuid, Ex>,
    /// Folders whose `listing_version` goes up.
    bumps: BTreeSet<Uuid>,
    next: usize,
}

impl Guards {
    pub(super) fn new(user: Uuid) -> Self {
        Self {
            user,
            now: super::now().unix_timestamp(),
            conditions: BTreeMap::new(),
            bumps: BTreeSet::new(),
            next: 0,
        }
    }

    fn add(&mut self, id: Uuid, ex: Ex) {
        let merged = match self.conditions.remove(&id) {
            Some(old) => old.and(ex),
            None => ex,
        };
        self.conditions.insert(id, merged);
    }

    /// A placeholder no other condition of this transaction uses.
    fn placeholder(&mut self) -> String {
        self.next += 1;
        format!(":g{}", self.next)
    }

    /// The node, as read in `state`, is still no top of a trash item and
    /// carries the same mark; and the trash operation that mark names (if
    /// any) has neither committed nor is under way (its lease has run out).
    /// So nothing is added to, moved into or out of, or changed in a
    /// subtree while it is being trashed, and nothing enters one in the trash.
    pub(super) fn live(&mut self, state: &NodeState) {
        let op = self.placeholder();
        let ex = Ex::new().name("kind").name("trashed_at").name("trash_op");
        let exists = "attribute_exists(#kind) AND attribute_not_exists(#trashed_at)";
        let ex = match state.mark {
            None => ex.cond(format!("{exists} AND attribute_not_exists(#trash_op)")),
            Some(mark) => ex
                .cond(format!("{exists} AND #trash_op = {op}"))
                .value(&op, s(mark.op.to_string())),
        };
        self.add(state.node.id, ex);
        if let Some(mark) = state.mark {
            let now = self.placeholder();
            let op = self.placeholder();
            let top = Ex::new()
                .cond(format!(
                    "attribute_not_exists(#trash_op) OR #trash_op <> {op} OR \
                     (attribute_not_exists(#trashed_at) AND \
                      (attribute_not_exists(#trashing_until) OR #trashing_until < {now}))"
                ))
                .name("trash_op")
                .name("trashed_at")
                .name("trashing_until")
                .value(&op, s(mark.op.to_string()))
                .value(&now, n(self.now));
            self.add(mark.top, top);
        }
    }

    /// The node is a folder.
    pub(super) fn folder(&mut self, id: Uuid) {
        let folder = self.placeholder();
        let ex = Ex::new()
            .cond(format!("#kind = {folder}"))
            .name("kind")
            .value(&folder, s("folder"));
        self.add(id, ex);
    }

    /// The node still hangs from `parent` (`None`: it is a root).
    pub(super) fn parent(&mut self, id: Uuid, parent: Option<Uuid>) {
        let ex = match parent {
            Some(p) => {
                let value = self.placeholder();
                Ex::new()
                    .cond(format!("#parent_id = {value}"))
                    .value(&value, s(p.to_string()))
            }
            None => Ex::new().cond("attribute_not_exists(#parent_id)"),
        };
        self.add(id, ex.name("parent_id"));
    }

    /// The folder's listing changes in this transaction: its
    /// `listing_version` goes up (an update with the folder's conditions,
    /// and that the item exists, instead of a check). `None` (a root has no
    /// parent) bumps nothing. A bumped node must not be `take`n.
    pub(super) fn bump(&mut self, folder: Option<Uuid>) {
        if let Some(id) = folder {
            self.add(id, Ex::new().cond("attribute_exists(#kind)").name("kind"));
            self.bumps.insert(id);
        }
    }

    /// The conditions on a node the transaction writes anyway, to merge
    /// into that write; they are no separate check any more.
    pub(super) fn take(&mut self, id: Uuid) -> Option<Ex> {
        debug_assert!(!self.bumps.contains(&id), "a bumped folder is written here");
        self.conditions.remove(&id)
    }

    /// One `ConditionCheck` per node left, or an update for a bumped one:
    /// as many items as nodes guarded, in the order of their ids.
    pub(super) fn into_checks(self, table: &str) -> Result<Vec<TransactWriteItem>, StoreError> {
        let user = self.user;
        let bumps = self.bumps;
        self.conditions
            .into_iter()
            .map(|(id, ex)| {
                let key = items::node_key(user, id);
                if bumps.contains(&id) {
                    expr::update(table, key, bump_ex(ex))
                } else {
                    expr::check(table, key, ex)
                }
            })
            .collect()
    }
}

/// The raise of a folder's listing version alone, for a transaction that
/// holds no guards on it (it must exist: an update would create it).
pub(super) fn bump_update(
    table: &str,
    user: Uuid,
    folder: Uuid,
) -> Result<TransactWriteItem, StoreError> {
    let ex = Ex::new().cond("attribute_exists(#kind)").name("kind");
    expr::update(table, items::node_key(user, folder), bump_ex(ex))
}

/// `ADD listing_version 1` (see `TreeStore::listing_version`).
fn bump_ex(ex: Ex) -> Ex {
    ex.update("ADD #listing_version :listing_one")
        .name("listing_version")
        .value(":listing_one", n(1))
}
