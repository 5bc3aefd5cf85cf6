//! WebDAV dead properties: what clients `PROPPATCH` onto a file or folder
//! and expect back from `PROPFIND`. A node's properties are one list,
//! stored as one blob sealed under a subkey of the caller's master key and
//! bound to the user and node (`crypto::keys::DeadPropsKey`): the stores
//! see neither their names nor their values, and a blob moved to another
//! node or account does not open. They follow the node (renames, moves,
//! the trash) and go with it (`PropStore`).

use core::fmt;
use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use uuid::Uuid;
use zeroize::Zeroizing;

use super::{Vault, VaultError};
use crate::auth::Caller;
use crate::crypto::keys::{DEAD_PROPS_OVERHEAD, DeadPropsKey};

/// Most a node's properties may take sealed: well inside a DynamoDB item
/// (400 KB), and far more than clients set (a few hundred bytes).
pub const MAX_SEALED_PROPS: usize = 64 * 1024;

/// One dead property: its qualified name and its XML value as the client
/// sent it. Not a wire type of the JSON API: only WebDAV shows them.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeadProp {
    #[serde(rename = "ns", default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    #[serde(rename = "p", default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    #[serde(rename = "n")]
    pub name: String,
    /// Base64 in the sealed form: JSON would spell each byte as a number.
    #[serde(rename = "x", default, with = "base64_bytes")]
    pub xml: Option<Vec<u8>>,
}

impl DeadProp {
    /// Properties are told apart by namespace and name (the prefix is the
    /// client's spelling only).
    fn is(&self, namespace: Option<&str>, name: &str) -> bool {
        self.namespace.as_deref() == namespace && self.name == name
    }
}

/// The value is the user's data: never printed.
impl fmt::Debug for DeadProp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeadProp")
            .field("namespace", &self.namespace)
            .field("name", &self.name)
            .field("xml_len", &self.xml.as_ref().map(Vec::len))
            .finish_non_exhaustive()
    }
}

mod base64_bytes {
    use data_encoding::BASE64;
    use serde::{Deserialize, Deserializer, Serializer};

    #[allow(clippy::ref_option)] // serde's `with` passes a reference to the field
    pub fn serialize<S: Serializer>(bytes: &Option<Vec<u8>>, s: S) -> Result<S::Ok, S::Error> {
        match bytes {
            Some(bytes) => s.serialize_some(&BASE64.encode(bytes)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<u8>>, D::Error> {
        Option::<String>::deserialize(d)?
            .map(|text| {
                BASE64
                    .decode(text.as_bytes())
                    .map_err(serde::de::Error::custom)
            })
            .transpose()
    }
}

/// The sealed blob of a node's properties; `None` for none at all (the
/// store then keeps nothing).
fn seal(
    key: &DeadPropsKey,
    user_id: Uuid,
    node_id: Uuid,
    props: &[DeadProp],
) -> Result<Option<Vec<u8>>, VaultError> {
    if props.is_empty() {
        return Ok(None);
    }
    let plain = Zeroizing::new(
        serde_json::to_vec(props).map_err(|err| VaultError::Internal(err.to_string()))?,
    );
    if plain.len() + DEAD_PROPS_OVERHEAD > MAX_SEALED_PROPS {
        return Err(VaultError::PropsTooLarge {
            limit: MAX_SEALED_PROPS,
        });
    }
    Ok(Some(key.seal(user_id, node_id, &plain)))
}

/// A blob that does not open was altered, or moved from another node or
/// account: an integrity failure, as for a file's record.
fn open(
    key: &DeadPropsKey,
    user_id: Uuid,
    node_id: Uuid,
    sealed: &[u8],
) -> Result<Vec<DeadProp>, VaultError> {
    let plain = key
        .open(user_id, node_id, sealed)
        .map_err(VaultError::Integrity)?;
    // It opened, so we wrote it: a list that does not parse is our bug.
    serde_json::from_slice(&plain)
        .map_err(|_| VaultError::Internal(format!("the properties of node {node_id} do not parse")))
}

/// `props` with `remove` taken out, then `set` put in (replacing any of the
/// same namespace and name, in place; new ones last). Removing what is not
/// there is no error.
fn patch(
    mut props: Vec<DeadProp>,
    set: Vec<DeadProp>,
    remove: &[(Option<String>, String)],
) -> Vec<DeadProp> {
    props.retain(|p| !remove.iter().any(|(ns, name)| p.is(ns.as_deref(), name)));
    for new in set {
        match props
            .iter_mut()
            .find(|p| p.is(new.namespace.as_deref(), &new.name))
        {
            Some(old) => *old = new,
            None => props.push(new),
        }
    }
    props
}

impl Vault {
    /// The dead properties of a live node of the caller's; none for a node
    /// that has none, or that is no live node of theirs.
    pub async fn dead_props(
        &self,
        caller: &Caller,
        node_id: Uuid,
    ) -> Result<Vec<DeadProp>, VaultError> {
        let key = DeadPropsKey::derive(&caller.umk);
        self.load_props(&key, caller.user_id, node_id).await
    }

    /// The dead properties of several nodes the caller has just read live
    /// (a WebDAV folder listing), in a few store requests; nodes without
    /// any are absent.
    pub async fn dead_props_of(
        &self,
        caller: &Caller,
        node_ids: &[Uuid],
    ) -> Result<HashMap<Uuid, Vec<DeadProp>>, VaultError> {
        let key = DeadPropsKey::derive(&caller.umk);
        self.meta
            .props_of(caller.user_id, node_ids)
            .await?
            .into_iter()
            .map(|(id, sealed)| Ok((id, open(&key, caller.user_id, id, &sealed)?)))
            .collect()
    }

    /// Removes `remove` (namespace, name) and sets `set`, all or nothing:
    /// `PropsTooLarge` when the result would not fit, `NotFound` when the
    /// node is no live node of the caller's. Removals apply before sets. A
    /// read, then a write: of two patches of one node at the same moment,
    /// the later write wins whole.
    pub async fn patch_dead_props(
        &self,
        caller: &Caller,
        node_id: Uuid,
        set: Vec<DeadProp>,
        remove: Vec<(Option<String>, String)>,
    ) -> Result<(), VaultError> {
        let key = DeadPropsKey::derive(&caller.umk);
        let props = self.load_props(&key, caller.user_id, node_id).await?;
        let props = patch(props, set, &remove);
        self.store_props(&key, caller.user_id, node_id, &props)
            .await
    }

    /// Gives `to` the dead properties of `from` (a WebDAV COPY), replacing
    /// its own: re-sealed, since a blob opens only on its node.
    pub async fn copy_dead_props(
        &self,
        caller: &Caller,
        from: Uuid,
        to: Uuid,
    ) -> Result<(), VaultError> {
        let key = DeadPropsKey::derive(&caller.umk);
        let props = self.load_props(&key, caller.user_id, from).await?;
        // Most nodes have none: no write when there is nothing to replace.
        if props.is_empty() && self.meta.node_props(caller.user_id, to).await?.is_none() {
            return Ok(());
        }
        self.store_props(&key, caller.user_id, to, &props).await
    }

    async fn load_props(
        &self,
        key: &DeadPropsKey,
        user_id: Uuid,
        node_id: Uuid,
    ) -> Result<Vec<DeadProp>, VaultError> {
        match self.meta.node_props(user_id, node_id).await? {
            Some(sealed) => open(key, user_id, node_id, &sealed),
            None => Ok(Vec::new()),
        }
    }

    async fn store_props(
        &self,
        key: &DeadPropsKey,
        user_id: Uuid,
        node_id: Uuid,
        props: &[DeadProp],
    ) -> Result<(), VaultError> {
        let sealed = seal(key, user_id, node_id, props)?;
        self.meta
            .set_node_props(user_id, node_id, sealed.as_deref())
            .await?;
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use strongroom_shared::NodeKind;
    use time::OffsetDateTime;

    use super::*;
    use crate::crypto::CryptoError;
    use crate::crypto::keys::Umk;
    use crate::store::meta::{MetaStore, NodeRecord};
    use crate::vault::testing::{Fixture, caller, fixture};

    fn prop(ns: Option<&str>, name: &str, xml: &[u8]) -> DeadProp {
        DeadProp {
            namespace: ns.map(str::to_owned),
            prefix: ns.map(|_| "z".to_owned()),
            name: name.to_owned(),
            xml: Some(xml.to_vec()),
        }
    }

    #[test]
    fn a_sealed_list_opens_only_on_its_node_of_its_user() {
        let umk = Umk::random();
        let key = DeadPropsKey::derive(&umk);
        let (user, node) = (Uuid::new_v4(), Uuid::new_v4());
        let props = vec![
            prop(
                Some("http://example.com/ns"),
                "colour",
                b"<z:colour>blue</z:colour>",
            ),
            prop(None, "bare", &[0, 159, 255]),
            DeadProp {
                namespace: Some("DAV:".to_owned()),
                prefix: None,
                name: "empty".to_owned(),
                xml: None,
            },
        ];
        let sealed = seal(&key, user, node, &props).unwrap().unwrap();
        assert_eq!(open(&key, user, node, &sealed).unwrap(), props);
        // Nothing of the names or values shows in the blob.
        let text = String::from_utf8_lossy(&sealed);
        assert!(!text.contains("colour") && !text.contains("example.com"));

        for wrong in [
            open(&key, user, Uuid::new_v4(), &sealed),
            open(&key, Uuid::new_v4(), node, &sealed),
            open(&DeadPropsKey::derive(&Umk::random()), user, node, &sealed),
            open(&key, user, node, &sealed[..sealed.len() - 1]),
        ] {
            assert!(matches!(
                wrong,
                Err(VaultError::Integrity(CryptoError::PropsAuth))
            ));
        }
        // None at all: nothing to store.
        assert_eq!(seal(&key, user, node, &[]).unwrap(), None);
    }

    #[test]
    fn the_sealed_list_is_bounded() {
        let key = DeadPropsKey::derive(&Umk::random());
        let (user, node) = (Uuid::new_v4(), Uuid::new_v4());
        let big = vec![prop(None, "big", &vec![b'a'; MAX_SEALED_PROPS])];
        assert!(matches!(
            seal(&key, user, node, &big),
            Err(VaultError::PropsTooLarge {
                limit: MAX_SEALED_PROPS
            })
        ));
        let fits = vec![prop(None, "fits", &vec![b'a'; MAX_SEALED_PROPS / 2])];
        assert!(seal(&key, user, node, &fits).unwrap().unwrap().len() <= MAX_SEALED_PROPS);
    }

    #[test]
    fn a_patch_removes_then_sets_by_namespace_and_name() {
        let ns = Some("urn:x");
        let props = vec![
            prop(ns, "a", b"1"),
            prop(ns, "b", b"2"),
            prop(None, "a", b"3"),
        ];
        let patched = patch(
            props,
            vec![prop(ns, "b", b"22"), prop(ns, "c", b"4")],
            &[
                (ns.map(str::to_owned), "a".to_owned()),
                (None, "missing".to_owned()),
            ],
        );
        assert_eq!(
            patched,
            vec![
                prop(ns, "b", b"22"),
                prop(None, "a", b"3"),
                prop(ns, "c", b"4")
            ]
        );
    }

    async fn folder(meta: &dyn MetaStore, caller: &Caller, name: &str) -> Uuid {
        let id = Uuid::new_v4();
        let now = OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap();
        let node = NodeRecord {
            id,
            user_id: caller.user_id,
            parent_id: Some(caller.user_id),
            kind: NodeKind::Folder,
            name_ct: name.as_bytes().to_vec(),
            name_mac: [name.len() as u8; 32],
            size: 0,
            object_id: None,
            created_at: now,
            modified_at: now,
            binding: None,
        };
        meta.create_folder(&node, 1000).await.unwrap();
        id
    }

    #[tokio::test]
    async fn props_are_patched_copied_and_kept_sealed() {
        let Fixture {
            vault, meta, _dir, ..
        } = fixture();
        let ada = caller(meta.as_ref()).await;
        let (a, b) = (
            folder(meta.as_ref(), &ada, "a").await,
            folder(meta.as_ref(), &ada, "bb").await,
        );
        assert!(vault.dead_props(&ada, a).await.unwrap().is_empty());

        let ns = Some("urn:x");
        vault
            .patch_dead_props(
                &ada,
                a,
                vec![prop(ns, "one", b"1"), prop(ns, "two", b"2")],
                vec![],
            )
            .await
            .unwrap();
        vault
            .patch_dead_props(
                &ada,
                a,
                vec![prop(ns, "three", b"3")],
                vec![(ns.map(str::to_owned), "one".to_owned())],
            )
            .await
            .unwrap();
        let expected = vec![prop(ns, "two", b"2"), prop(ns, "three", b"3")];
        assert_eq!(vault.dead_props(&ada, a).await.unwrap(), expected);
        // What the store holds opens for this node only.
        let stored = meta.node_props(ada.user_id, a).await.unwrap().unwrap();
        assert!(!String::from_utf8_lossy(&stored).contains("three"));

        // A COPY re-seals them for the copy.
        vault.copy_dead_props(&ada, a, b).await.unwrap();
        assert_eq!(vault.dead_props(&ada, b).await.unwrap(), expected);
        // A blob moved onto another node behind the vault's back is caught.
        meta.set_node_props(ada.user_id, b, Some(&stored))
            .await
            .unwrap();
        assert!(matches!(
            vault.dead_props(&ada, b).await,
            Err(VaultError::Integrity(CryptoError::PropsAuth))
        ));
        // Copying from a node without any clears the target's.
        let c = folder(meta.as_ref(), &ada, "ccc").await;
        vault.copy_dead_props(&ada, c, b).await.unwrap();
        assert_eq!(meta.node_props(ada.user_id, b).await.unwrap(), None);

        // Removing them all leaves nothing stored.
        vault
            .patch_dead_props(
                &ada,
                a,
                vec![],
                vec![
                    (ns.map(str::to_owned), "two".to_owned()),
                    (ns.map(str::to_owned), "three".to_owned()),
                ],
            )
            .await
            .unwrap();
        assert_eq!(meta.node_props(ada.user_id, a).await.unwrap(), None);

        // Too large: refused, nothing changes.
        vault
            .patch_dead_props(&ada, a, vec![prop(ns, "small", b"s")], vec![])
            .await
            .unwrap();
        let huge = prop(ns, "huge", &vec![b'h'; MAX_SEALED_PROPS]);
        assert!(matches!(
            vault.patch_dead_props(&ada, a, vec![huge], vec![]).await,
            Err(VaultError::PropsTooLarge { .. })
        ));
        assert_eq!(
            vault.dead_props(&ada, a).await.unwrap(),
            vec![prop(ns, "small", b"s")]
        );

        // Another user sees none and sets none; under another master key
        // the same user's blob does not open.
        let bob = caller(meta.as_ref()).await;
        assert!(vault.dead_props(&bob, a).await.unwrap().is_empty());
        assert!(matches!(
            vault
                .patch_dead_props(&bob, a, vec![prop(ns, "bob", b"b")], vec![])
                .await,
            Err(VaultError::NotFound)
        ));
        let other_key = Caller {
            umk: Umk::random(),
            ..ada
        };
        assert!(matches!(
            vault.dead_props(&other_key, a).await,
            Err(VaultError::Integrity(CryptoError::PropsAuth))
        ));
        // A missing node.
        assert!(matches!(
            vault
                .patch_dead_props(
                    &other_key,
                    Uuid::new_v4(),
                    vec![prop(ns, "x", b"x")],
                    vec![]
                )
                .await,
            Err(VaultError::NotFound)
        ));
    }
}
