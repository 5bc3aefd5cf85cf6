//! Names are stored encrypted, bound to their node and parent, with a keyed MAC
//! for "one name per folder". This turns records into wire `Node`s and back.

use strongroom_shared::validate::normalize_name;
use strongroom_shared::{Node, NodeKind};
use uuid::Uuid;

use super::VaultError;
use crate::crypto::keys::{NameKey, Umk};
use crate::store::meta::NodeRecord;

/// The caller's name key, derived once per request.
pub struct Names(NameKey);

impl Names {
    pub fn new(umk: &Umk) -> Self {
        Self(NameKey::derive(umk))
    }

    /// Validates and NFC-normalises a name from a request (the error names the rule).
    pub fn check(field: &str, raw: &str) -> Result<String, VaultError> {
        normalize_name(raw).map_err(|invalid| VaultError::Invalid(vec![invalid.for_field(field)]))
    }

    pub fn mac(&self, parent_id: Uuid, name: &str) -> [u8; 32] {
        self.0.name_mac(parent_id.as_bytes(), name)
    }

    /// Ciphertext and MAC of `name` for node `id` in folder `parent_id`.
    pub fn seal(&self, id: Uuid, parent_id: Uuid, name: &str) -> (Vec<u8>, [u8; 32]) {
        (
            self.0
                .encrypt_name(id.as_bytes(), parent_id.as_bytes(), name),
            self.mac(parent_id, name),
        )
    }

    /// The plaintext name of a stored node; the root's is empty.
    pub fn open(&self, node: &NodeRecord) -> Result<String, VaultError> {
        let Some(parent) = node.parent_id else {
            return Ok(String::new());
        };
        Ok(self
            .0
            .decrypt_name(node.id.as_bytes(), parent.as_bytes(), &node.name_ct)?)
    }

    /// Encrypts an opaque listing cursor, bound to its folder.
    pub fn seal_cursor(&self, folder: Uuid, position: &str) -> Vec<u8> {
        self.0
            .encrypt_name(folder.as_bytes(), &[0xff; 16], position)
    }

    pub fn open_cursor(&self, folder: Uuid, sealed: &[u8]) -> Option<String> {
        self.0
            .decrypt_name(folder.as_bytes(), &[0xff; 16], sealed)
            .ok()
    }

    pub fn to_wire(&self, node: &NodeRecord) -> Result<Node, VaultError> {
        Ok(wire(node, self.open(node)?))
    }
}

/// The wire form of a node whose name is known.
pub fn wire(node: &NodeRecord, name: String) -> Node {
    let content_type = (node.kind == NodeKind::File).then(|| content_type(&name));
    Node {
        id: node.id,
        parent_id: node.parent_id,
        kind: node.kind,
        name,
        size: node.size,
        content_type,
        created_at: node.created_at,
        modified_at: node.modified_at,
    }
}

/// As `wire`, without the content type: kept listings guess it only for
/// the items a page shows (`with_content_type`).
pub fn wire_untyped(node: &NodeRecord, name: String) -> Node {
    Node {
        id: node.id,
        parent_id: node.parent_id,
        kind: node.kind,
        name,
        size: node.size,
        content_type: None,
        created_at: node.created_at,
        modified_at: node.modified_at,
    }
}

/// A node from `wire_untyped` as `wire` makes it.
pub fn with_content_type(mut node: Node) -> Node {
    if node.kind == NodeKind::File {
        node.content_type = Some(content_type(&node.name));
    }
    node
}

/// Guessed from the name at read time, so the stores never hold a hint of it.
pub fn content_type(name: &str) -> String {
    mime_guess::from_path(name)
        .first_or_octet_stream()
        .essence_str()
        .to_owned()
}
