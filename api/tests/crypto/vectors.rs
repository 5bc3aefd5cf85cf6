//! Known-answer vectors for SRM1 and the key hierarchy.
//!
//! `tests/vectors/srm1.json` is committed. The normal tests recompute every
//! vector from its fixed inputs and compare with the file, and decrypt the
//! committed ciphertexts, so the format cannot change by accident.
//! Regenerate (only for a deliberate format change, with a new version byte):
//! `cargo test --test crypto -- --ignored generate_vectors`

use data_encoding::HEXLOWER;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use strongroom_api::crypto::keys::{self, KdfParams, wrap_umk_with_nonce};
use strongroom_api::crypto::srm1::{CHUNK_LEN, Decryptor, Encryptor, HEADER_LEN, StreamDecryptor};
use strongroom_api::crypto::{Dek, Kek, NameKey, Umk, derive_kek, hkdf_sha256, unwrap_umk};

const PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/srm1.json");

fn seq(start: u8) -> [u8; 32] {
    core::array::from_fn(|i| start.wrapping_add(i as u8))
}
fn seq16(start: u8) -> [u8; 16] {
    core::array::from_fn(|i| start.wrapping_add(i as u8))
}
fn seq12(start: u8) -> [u8; 12] {
    core::array::from_fn(|i| start.wrapping_add(i as u8))
}

const UMK: u8 = 0x00;
const DEK: u8 = 0x40;
const WRAP_NONCE: u8 = 0xa0;
const USER: u8 = 0x10;
const OBJ: u8 = 0x80;
const KEK: u8 = 0xc0;
const KEK_NONCE: u8 = 0xe0;
const NAME_NONCE: u8 = 0x50;

/// Plaintext of the object vectors: byte i = i mod 251.
fn pattern(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i % 251) as u8).collect()
}

const OBJECTS: &[(&str, usize)] = &[
    ("empty", 0),
    ("one_byte", 1),
    ("one_full_chunk", CHUNK_LEN),
    ("full_chunk_plus_one", CHUNK_LEN + 1),
];

fn hex(b: &[u8]) -> String {
    HEXLOWER.encode(b)
}
fn unhex(v: &Value) -> Vec<u8> {
    HEXLOWER.decode(v.as_str().unwrap().as_bytes()).unwrap()
}

fn encrypt_fixed(plaintext: &[u8]) -> Vec<u8> {
    let umk = Umk::from_bytes(seq(UMK));
    let mut enc = Encryptor::with_parts(
        Dek::from_bytes(seq(DEK)),
        seq12(WRAP_NONCE),
        &umk,
        seq16(USER),
        seq16(OBJ),
    );
    let mut out = Vec::new();
    enc.update(plaintext, &mut out).unwrap();
    enc.finish(&mut out).unwrap();
    out
}

fn compute() -> Value {
    let objects: Vec<Value> = OBJECTS
        .iter()
        .map(|&(name, len)| {
            let ct = encrypt_fixed(&pattern(len));
            let mut v = json!({
                "name": name,
                "plaintext_len": len,
                "header": hex(&ct[..HEADER_LEN]),
                "ciphertext_len": ct.len(),
                "ciphertext_sha256": hex(&Sha256::digest(&ct)),
            });
            // Small things verbatim, big ones by length + SHA-256.
            let last = &ct
                [HEADER_LEN + (ct.len() - HEADER_LEN - 1) / (CHUNK_LEN + 16) * (CHUNK_LEN + 16)..];
            if last.len() <= 1024 {
                v["last_chunk"] = json!(hex(last));
            } else {
                v["last_chunk_sha256"] = json!(hex(&Sha256::digest(last)));
            }
            if ct.len() <= 1024 {
                v["ciphertext"] = json!(hex(&ct));
            }
            v
        })
        .collect();

    let kek = Kek::from_bytes(seq(KEK));
    let umk = Umk::from_bytes(seq(UMK));
    let wrapped = wrap_umk_with_nonce(&kek, &umk, &seq16(USER), &seq12(KEK_NONCE));

    let argon = derive_kek(
        b"correct horse battery staple",
        &seq16(0x30),
        KdfParams::TESTING,
    )
    .unwrap();

    let nk = NameKey::derive(&umk);
    let name = "Fotos – Café ☕";
    let name_ct = nk.encrypt_name_with_nonce(&seq16(0x01), &seq16(0x02), name, &seq12(NAME_NONCE));

    json!({
        "description": "SRM1 v1 known-answer vectors. Inputs: umk = 00..1f, dek = 40..5f, wrap_nonce = a0..ab, user_id = 10..1f, object_id = 80..8f (byte sequences); object plaintext byte i = i mod 251.",
        "inputs": {
            "umk": hex(&seq(UMK)),
            "dek": hex(&seq(DEK)),
            "wrap_nonce": hex(&seq12(WRAP_NONCE)),
            "user_id": hex(&seq16(USER)),
            "object_id": hex(&seq16(OBJ)),
        },
        "objects": objects,
        "wrap_umk": {
            "kek": hex(&seq(KEK)),
            "nonce": hex(&seq12(KEK_NONCE)),
            "wrapped": hex(&wrapped),
        },
        "derive_kek": {
            "secret": "correct horse battery staple",
            "salt": hex(&seq16(0x30)),
            "m_kib": KdfParams::TESTING.m_kib,
            "t": KdfParams::TESTING.t,
            "p": KdfParams::TESTING.p,
            "kek": hex(argon.as_bytes()),
        },
        "hkdf_sha256": {
            "ikm": hex(&seq(UMK)),
            "info": "strongroom names enc",
            "okm": hex(hkdf_sha256(&seq(UMK), b"strongroom names enc").as_bytes()),
        },
        "name": {
            "node_id": hex(&seq16(0x01)),
            "parent_id": hex(&seq16(0x02)),
            "name": name,
            "nonce": hex(&seq12(NAME_NONCE)),
            "ciphertext": hex(&name_ct),
            "mac": hex(&nk.name_mac(&seq16(0x02), name)),
        },
    })
}

fn committed() -> Value {
    let text = std::fs::read_to_string(PATH).expect("tests/vectors/srm1.json is committed");
    serde_json::from_str(&text).unwrap()
}

#[test]
#[ignore = "writes tests/vectors/srm1.json; run only for a deliberate format change"]
fn generate_vectors() {
    let v = compute();
    std::fs::write(PATH, serde_json::to_string_pretty(&v).unwrap() + "\n").unwrap();
}

#[test]
fn recomputed_vectors_match_committed_file() {
    let want = committed();
    let got = compute();
    // Compare section by section for readable failures.
    for key in ["inputs", "wrap_umk", "derive_kek", "hkdf_sha256", "name"] {
        assert_eq!(got[key], want[key], "section {key}");
    }
    let (g, w) = (
        got["objects"].as_array().unwrap(),
        want["objects"].as_array().unwrap(),
    );
    assert_eq!(g.len(), w.len());
    for (g, w) in g.iter().zip(w) {
        assert_eq!(g, w, "object {}", w["name"]);
    }
    assert_eq!(got, want);
}

#[test]
fn committed_objects_decrypt() {
    let v = committed();
    let umk = Umk::from_bytes(unhex(&v["inputs"]["umk"]).try_into().unwrap());
    let user: [u8; 16] = unhex(&v["inputs"]["user_id"]).try_into().unwrap();
    let obj: [u8; 16] = unhex(&v["inputs"]["object_id"]).try_into().unwrap();
    let dek = unhex(&v["inputs"]["dek"]);
    for o in v["objects"].as_array().unwrap() {
        let len = o["plaintext_len"].as_u64().unwrap() as usize;
        let header = unhex(&o["header"]);
        assert_eq!(&header[..8], &[b'S', b'R', b'M', b'1', 1, 1, 16, 0]);
        // The committed header opens with the fixed UMK and yields the fixed DEK.
        let dec = Decryptor::new(&header, &umk, user, Some(obj)).unwrap();
        assert_eq!(dec.dek().as_bytes().as_slice(), dek.as_slice());
        let idx = (len.max(1) as u64 - 1) / CHUNK_LEN as u64;
        let last_start = HEADER_LEN + idx as usize * (CHUNK_LEN + 16);
        // Full ciphertext: committed bytes where stored, else the recomputed
        // bytes proven identical through the committed length and SHA-256.
        let ct = match o.get("ciphertext") {
            Some(c) => unhex(c),
            None => {
                let ct = encrypt_fixed(&pattern(len));
                assert_eq!(ct.len() as u64, o["ciphertext_len"].as_u64().unwrap());
                assert_eq!(
                    hex(&Sha256::digest(&ct)),
                    o["ciphertext_sha256"].as_str().unwrap()
                );
                ct
            }
        };
        assert_eq!(&ct[..HEADER_LEN], header.as_slice());
        // The final chunk (committed verbatim when small) opens by random access.
        let last = match o.get("last_chunk") {
            Some(c) => unhex(c),
            None => {
                let last = ct[last_start..].to_vec();
                assert_eq!(
                    hex(&Sha256::digest(&last)),
                    o["last_chunk_sha256"].as_str().unwrap()
                );
                last
            }
        };
        assert_eq!(&ct[last_start..], last.as_slice());
        let pt_last = dec.open_chunk(idx, &last, true).unwrap();
        assert_eq!(pt_last, &pattern(len)[idx as usize * CHUNK_LEN..]);
        let mut sd = StreamDecryptor::new(&umk, user, Some(obj));
        let mut out = Vec::new();
        sd.update(&ct, &mut out).unwrap();
        sd.finish(&mut out).unwrap();
        assert_eq!(out, pattern(len), "object {}", o["name"]);
    }
    // The committed wrapped UMK unwraps.
    let kek = Kek::from_bytes(unhex(&v["wrap_umk"]["kek"]).try_into().unwrap());
    let got = unwrap_umk(&kek, &unhex(&v["wrap_umk"]["wrapped"]), &user).unwrap();
    assert_eq!(got, umk);
    assert_eq!(
        unhex(&v["wrap_umk"]["wrapped"]).len(),
        keys::WRAPPED_KEY_LEN
    );
    // The committed name ciphertext decrypts.
    let n = &v["name"];
    let nk = NameKey::derive(&umk);
    let node: [u8; 16] = unhex(&n["node_id"]).try_into().unwrap();
    let parent: [u8; 16] = unhex(&n["parent_id"]).try_into().unwrap();
    assert_eq!(
        nk.decrypt_name(&node, &parent, &unhex(&n["ciphertext"]))
            .unwrap(),
        n["name"].as_str().unwrap()
    );
}
