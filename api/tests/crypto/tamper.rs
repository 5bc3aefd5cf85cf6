//! The tamper matrix: every manipulation fails with its specific error and
//! never releases plaintext of the failing chunk. Plus key-hierarchy tests.

use strongroom_api::crypto::keys::{self, KdfParams};
use strongroom_api::crypto::srm1::{
    CHUNK_LEN, CIPHER_CHUNK_LEN, Decryptor, Encryptor, HEADER_LEN, StreamDecryptor, encrypt_to_vec,
    layout,
};
use strongroom_api::crypto::{
    CryptoError, Dek, Key32, NameKey, Umk, derive_kek, dummy_password_hash, hash_password,
    normalize_name, unwrap_dek, unwrap_key, unwrap_umk, verify_password, wrap_dek, wrap_key,
    wrap_umk,
};

const USER: [u8; 16] = [0x11; 16];
const OBJ: [u8; 16] = [0x22; 16];
const OTHER_USER: [u8; 16] = [0x33; 16];
const OTHER_OBJ: [u8; 16] = [0x44; 16];

fn pattern(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i * 7 + i / 251) as u8).collect()
}

/// Outcome of a streaming decrypt: the plaintext released and the final result.
struct Outcome {
    out: Vec<u8>,
    result: Result<(), CryptoError>,
}

fn stream_decrypt_with(mut d: StreamDecryptor, ct: &[u8], piece: usize) -> Outcome {
    let mut out = Vec::new();
    for p in ct.chunks(piece.max(1)) {
        if let Err(e) = d.update(p, &mut out) {
            return Outcome {
                out,
                result: Err(e),
            };
        }
    }
    let result = d.finish(&mut out);
    Outcome { out, result }
}

fn stream_decrypt(umk: &Umk, ct: &[u8], piece: usize) -> Outcome {
    stream_decrypt_with(StreamDecryptor::new(umk, USER, Some(OBJ)), ct, piece)
}

/// Decrypt in one piece and in awkward pieces; both must agree.
fn check(umk: &Umk, ct: &[u8], expected: &CryptoError, pt: &[u8], released_chunks: usize) {
    for piece in [usize::MAX, 1000, 65_551, 65_553] {
        let o = stream_decrypt(umk, ct, piece.min(ct.len().max(1)));
        assert_eq!(o.result.as_ref().unwrap_err(), expected, "piece {piece}");
        let n = (released_chunks * CHUNK_LEN).min(pt.len());
        assert_eq!(o.out.len(), n, "released bytes, piece {piece}");
        assert_eq!(o.out, &pt[..n]);
    }
}

/// Objects used by most tests: 3 chunks, the last one short.
fn sample() -> (Umk, Vec<u8>, Vec<u8>) {
    let umk = Umk::random();
    let pt = pattern(2 * CHUNK_LEN + 1000);
    let ct = encrypt_to_vec(&umk, USER, OBJ, &pt);
    (umk, pt, ct)
}

fn chunk_start(i: usize) -> usize {
    HEADER_LEN + i * CIPHER_CHUNK_LEN
}

// ---------------------------------------------------------------------------
// Header
// ---------------------------------------------------------------------------

fn expected_header_error(pos: usize, flipped: u8, expected_id_given: bool) -> CryptoError {
    match pos {
        0..=3 => CryptoError::BadMagic,
        layout::VERSION => CryptoError::UnsupportedVersion(flipped),
        layout::ALG => CryptoError::UnsupportedAlgorithm(flipped),
        layout::CHUNK_LOG2 => CryptoError::BadChunkSize(flipped),
        layout::RESERVED => CryptoError::BadHeader,
        p if layout::OBJECT_ID.contains(&p) => {
            if expected_id_given {
                CryptoError::ObjectIdMismatch
            } else {
                CryptoError::KeyUnwrap
            }
        }
        p if layout::WRAPPED_DEK.contains(&p) => CryptoError::KeyUnwrap,
        p if layout::COMMITMENT.contains(&p) => CryptoError::CommitmentMismatch,
        _ => unreachable!(),
    }
}

#[test]
fn flip_every_header_byte() {
    let (umk, pt, ct) = sample();
    for pos in 0..HEADER_LEN {
        for mask in [0x01u8, 0x80] {
            let mut bad = ct.clone();
            bad[pos] ^= mask;
            let flipped = bad[pos];
            // Random-access path.
            let e = Decryptor::new(&bad[..HEADER_LEN], &umk, USER, Some(OBJ)).unwrap_err();
            assert_eq!(e, expected_header_error(pos, flipped, true), "pos {pos}");
            let e = Decryptor::new(&bad[..HEADER_LEN], &umk, USER, None).unwrap_err();
            assert_eq!(
                e,
                expected_header_error(pos, flipped, false),
                "pos {pos} no id"
            );
            // Streaming path: nothing released.
            check(
                &umk,
                &bad,
                &expected_header_error(pos, flipped, true),
                &pt,
                0,
            );
        }
    }
}

#[test]
fn header_too_short_or_long() {
    let (umk, _pt, ct) = sample();
    assert_eq!(
        Decryptor::new(&ct[..HEADER_LEN - 1], &umk, USER, Some(OBJ)).unwrap_err(),
        CryptoError::BadHeader
    );
    assert_eq!(
        Decryptor::new(&ct[..HEADER_LEN + 1], &umk, USER, Some(OBJ)).unwrap_err(),
        CryptoError::InvalidLength
    );
    assert_eq!(
        Decryptor::new(b"NOPE", &umk, USER, Some(OBJ)).unwrap_err(),
        CryptoError::BadMagic
    );
    // A stream that ends inside (or right after) the header is truncated.
    for cut in [0, 3, 50, HEADER_LEN - 1, HEADER_LEN] {
        let o = stream_decrypt(&umk, &ct[..cut], 7);
        assert_eq!(o.result.unwrap_err(), CryptoError::Truncated, "cut {cut}");
        assert!(o.out.is_empty());
    }
    // Non-SRM1 data is rejected as soon as the magic is visible.
    let mut d = StreamDecryptor::new(&umk, USER, Some(OBJ));
    let mut out = Vec::new();
    assert_eq!(
        d.update(b"PK\x03\x04", &mut out).unwrap_err(),
        CryptoError::BadMagic
    );
    // Poisoned afterwards.
    assert_eq!(d.update(&ct, &mut out).unwrap_err(), CryptoError::BadMagic);
    assert_eq!(d.finish(&mut out).unwrap_err(), CryptoError::BadMagic);
    assert!(out.is_empty());
}

#[test]
fn wrong_umk() {
    let (_umk, pt, ct) = sample();
    let other = Umk::random();
    assert_eq!(
        Decryptor::new(&ct[..HEADER_LEN], &other, USER, Some(OBJ)).unwrap_err(),
        CryptoError::KeyUnwrap
    );
    check(&other, &ct, &CryptoError::KeyUnwrap, &pt, 0);
}

#[test]
fn header_copied_to_other_object_or_user() {
    let (umk, _pt, ct) = sample();
    // Same header presented as another object: the id check fires first.
    assert_eq!(
        Decryptor::new(&ct[..HEADER_LEN], &umk, USER, Some(OTHER_OBJ)).unwrap_err(),
        CryptoError::ObjectIdMismatch
    );
    // Header's object id field rewritten to match the other object: the
    // wrapped DEK's aad no longer matches.
    let mut moved = ct.clone();
    moved[layout::OBJECT_ID].copy_from_slice(&OTHER_OBJ);
    assert_eq!(
        Decryptor::new(&moved[..HEADER_LEN], &umk, USER, Some(OTHER_OBJ)).unwrap_err(),
        CryptoError::KeyUnwrap
    );
    // Another user (even one holding the same UMK) cannot unwrap it.
    assert_eq!(
        Decryptor::new(&ct[..HEADER_LEN], &umk, OTHER_USER, Some(OBJ)).unwrap_err(),
        CryptoError::KeyUnwrap
    );
    let o = stream_decrypt_with(StreamDecryptor::new(&umk, OTHER_USER, Some(OBJ)), &ct, 4096);
    assert_eq!(o.result.unwrap_err(), CryptoError::KeyUnwrap);
    assert!(o.out.is_empty());
}

#[test]
fn forged_commitment_for_other_dek() {
    // The wrapped DEK is valid, but the commitment was computed for another
    // DEK: an attacker trying to make one ciphertext open under two keys.
    let umk = Umk::random();
    let real = Encryptor::with_parts(Dek::from_bytes([1; 32]), [9; 12], &umk, USER, OBJ);
    let other = Encryptor::with_parts(Dek::from_bytes([2; 32]), [9; 12], &umk, USER, OBJ);
    let mut forged = *real.header();
    forged[layout::COMMITMENT].copy_from_slice(&other.header()[layout::COMMITMENT]);
    assert_eq!(
        Decryptor::new(&forged, &umk, USER, Some(OBJ)).unwrap_err(),
        CryptoError::CommitmentMismatch
    );
    // And with a DEK-only decryptor, a wrong DEK is caught by the commitment.
    assert_eq!(
        Decryptor::from_dek(real.header(), Dek::from_bytes([2; 32]), Some(OBJ)).unwrap_err(),
        CryptoError::CommitmentMismatch
    );
    assert!(Decryptor::from_dek(real.header(), Dek::from_bytes([1; 32]), Some(OBJ)).is_ok());
}

// ---------------------------------------------------------------------------
// Body
// ---------------------------------------------------------------------------

#[test]
fn flip_bytes_in_chunk_bodies_and_tags() {
    let (umk, pt, ct) = sample();
    let starts = [chunk_start(0), chunk_start(1), chunk_start(2)];
    let ends = [chunk_start(1), chunk_start(2), ct.len()];
    for i in 0..3 {
        let tag_start = ends[i] - 16;
        for pos in [
            starts[i],
            starts[i] + 1,
            starts[i] + 500,
            tag_start - 1,
            tag_start,
            tag_start + 7,
            ends[i] - 1,
        ] {
            let mut bad = ct.clone();
            bad[pos] ^= 0x04;
            check(
                &umk,
                &bad,
                &CryptoError::ChunkAuth { index: i as u64 },
                &pt,
                i,
            );
            // Random access agrees and keeps the other chunks readable.
            let dec = Decryptor::new(&bad[..HEADER_LEN], &umk, USER, Some(OBJ)).unwrap();
            assert_eq!(
                dec.open_chunk(i as u64, &bad[starts[i]..ends[i]], i == 2)
                    .unwrap_err(),
                CryptoError::ChunkAuth { index: i as u64 }
            );
        }
    }
}

#[test]
fn failed_in_place_open_keeps_ciphertext() {
    let (umk, _pt, ct) = sample();
    let dec = Decryptor::new(&ct[..HEADER_LEN], &umk, USER, Some(OBJ)).unwrap();
    let mut bad = ct[chunk_start(0)..chunk_start(1)].to_vec();
    bad[10] ^= 1;
    let before = bad.clone();
    assert!(dec.open_chunk_in_place(0, &mut bad, false).is_err());
    assert_eq!(bad, before, "no plaintext leaked into the buffer");
}

#[test]
fn truncate_at_each_chunk_boundary() {
    let (umk, pt, ct) = sample();
    // After the header, after chunk 0, after chunk 1: all authentic prefixes
    // lacking the final chunk. Released: every chunk that was followed by
    // more bytes (the last complete one is held back and then rejected).
    for (k, released) in [(0usize, 0usize), (1, 0), (2, 1)] {
        let cut = chunk_start(k);
        check(&umk, &ct[..cut], &CryptoError::Truncated, &pt, released);
    }
}

#[test]
fn truncate_inside_a_chunk() {
    // A partial chunk at the end of the stream must be the final chunk; it
    // does not authenticate as one, so the error is ChunkAuth for its index
    // (also when fewer bytes than a tag remain).
    let (umk, pt, ct) = sample();
    for (k, off) in [
        (0usize, 1usize),
        (0, 65_000),
        (0, CIPHER_CHUNK_LEN - 1),
        (1, 5),
        (1, 15),
        (1, 16),
        (2, 500),
        (2, 1015),
    ] {
        let cut = chunk_start(k) + off;
        assert!(cut < ct.len());
        check(
            &umk,
            &ct[..cut],
            &CryptoError::ChunkAuth { index: k as u64 },
            &pt,
            k,
        );
    }
}

#[test]
fn drop_the_final_chunk() {
    let (umk, pt, ct) = sample();
    check(&umk, &ct[..chunk_start(2)], &CryptoError::Truncated, &pt, 1);
    // Object whose final chunk is full: dropping it leaves full chunks only.
    let pt2 = pattern(3 * CHUNK_LEN);
    let ct2 = encrypt_to_vec(&umk, USER, OBJ, &pt2);
    assert_eq!(ct2.len(), chunk_start(3));
    check(
        &umk,
        &ct2[..chunk_start(2)],
        &CryptoError::Truncated,
        &pt2,
        1,
    );
}

#[test]
fn append_a_chunk() {
    let (umk, pt, ct) = sample();
    // Final chunk is short: the appended bytes merge with it into a
    // full-size frame that authenticates neither as middle nor as final
    // chunk -> ChunkAuth at the final chunk's index; chunks 0 and 1 released.
    let mut bad = ct.clone();
    bad.extend_from_slice(&ct[chunk_start(0)..chunk_start(1)]);
    check(&umk, &bad, &CryptoError::ChunkAuth { index: 2 }, &pt, 2);

    // Final chunk is full: it authenticates as final while bytes follow ->
    // TrailingData, and its plaintext is not released.
    let pt2 = pattern(2 * CHUNK_LEN);
    let ct2 = encrypt_to_vec(&umk, USER, OBJ, &pt2);
    let mut bad2 = ct2.clone();
    bad2.extend_from_slice(&ct2[chunk_start(0)..chunk_start(1)]);
    check(&umk, &bad2, &CryptoError::TrailingData, &pt2, 1);
    // Even a single trailing byte.
    let mut bad3 = ct2.clone();
    bad3.push(0);
    check(&umk, &bad3, &CryptoError::TrailingData, &pt2, 1);
}

#[test]
fn reorder_two_chunks() {
    let umk = Umk::random();
    let pt = pattern(3 * CHUNK_LEN + 10);
    let ct = encrypt_to_vec(&umk, USER, OBJ, &pt);
    let mut bad = ct[..chunk_start(0)].to_vec();
    bad.extend_from_slice(&ct[chunk_start(1)..chunk_start(2)]);
    bad.extend_from_slice(&ct[chunk_start(0)..chunk_start(1)]);
    bad.extend_from_slice(&ct[chunk_start(2)..]);
    assert_eq!(bad.len(), ct.len());
    check(&umk, &bad, &CryptoError::ChunkAuth { index: 0 }, &pt, 0);
    // Swapping 1 and 2 (both full middle chunks).
    let mut bad = ct[..chunk_start(1)].to_vec();
    bad.extend_from_slice(&ct[chunk_start(2)..chunk_start(3)]);
    bad.extend_from_slice(&ct[chunk_start(1)..chunk_start(2)]);
    bad.extend_from_slice(&ct[chunk_start(3)..]);
    check(&umk, &bad, &CryptoError::ChunkAuth { index: 1 }, &pt, 1);
}

#[test]
fn splice_chunk_from_other_object() {
    // Same UMK, same user: a chunk from another object (other DEK, other
    // header as AAD) at the same index fails.
    let (umk, pt, ct) = sample();
    let other = encrypt_to_vec(&umk, USER, OBJ, &pattern(2 * CHUNK_LEN + 1000));
    let mut bad = ct.clone();
    bad[chunk_start(1)..chunk_start(2)].copy_from_slice(&other[chunk_start(1)..chunk_start(2)]);
    check(&umk, &bad, &CryptoError::ChunkAuth { index: 1 }, &pt, 1);
    // Whole body of the other object under this header.
    let mut bad = ct[..HEADER_LEN].to_vec();
    bad.extend_from_slice(&other[HEADER_LEN..]);
    check(&umk, &bad, &CryptoError::ChunkAuth { index: 0 }, &pt, 0);
}

#[test]
fn empty_object_tamper() {
    let umk = Umk::random();
    let ct = encrypt_to_vec(&umk, USER, OBJ, b"");
    assert_eq!(ct.len(), HEADER_LEN + 16);
    let o = stream_decrypt(&umk, &ct, 5);
    assert!(o.result.is_ok() && o.out.is_empty());
    let mut bad = ct.clone();
    bad[HEADER_LEN + 3] ^= 1;
    check(&umk, &bad, &CryptoError::ChunkAuth { index: 0 }, b"", 0);
    check(&umk, &ct[..HEADER_LEN], &CryptoError::Truncated, b"", 0);
}

// ---------------------------------------------------------------------------
// Keys
// ---------------------------------------------------------------------------

#[test]
fn umk_wrap_round_trip_and_failures() {
    let kek = derive_kek(b"correct horse", &[7; 16], KdfParams::TESTING).unwrap();
    let umk = Umk::random();
    let w = wrap_umk(&kek, &umk, &USER);
    assert_eq!(w.len(), keys::WRAPPED_KEY_LEN);
    assert_eq!(unwrap_umk(&kek, &w, &USER).unwrap(), umk);
    // Two wraps use different nonces.
    assert_ne!(wrap_umk(&kek, &umk, &USER), w);
    // Wrong password -> other KEK.
    let wrong = derive_kek(b"correct horse!", &[7; 16], KdfParams::TESTING).unwrap();
    assert_eq!(
        unwrap_umk(&wrong, &w, &USER).unwrap_err(),
        CryptoError::KeyUnwrap
    );
    // Same password, other salt.
    let salted = derive_kek(b"correct horse", &[8; 16], KdfParams::TESTING).unwrap();
    assert_eq!(
        unwrap_umk(&salted, &w, &USER).unwrap_err(),
        CryptoError::KeyUnwrap
    );
    // Another user's record.
    assert_eq!(
        unwrap_umk(&kek, &w, &OTHER_USER).unwrap_err(),
        CryptoError::KeyUnwrap
    );
    // Truncated / flipped blobs.
    assert_eq!(
        unwrap_umk(&kek, &w[..59], &USER).unwrap_err(),
        CryptoError::KeyUnwrap
    );
    for i in 0..w.len() {
        let mut b = w;
        b[i] ^= 1;
        assert_eq!(
            unwrap_umk(&kek, &b, &USER).unwrap_err(),
            CryptoError::KeyUnwrap
        );
    }
    // A DEK blob is not a UMK blob (domain separation of the aad).
    let dek = Dek::random();
    let wd = wrap_dek(&umk, &dek, &USER, &OBJ);
    assert_eq!(unwrap_dek(&umk, &wd, &USER, &OBJ).unwrap(), dek);
    assert_eq!(
        unwrap_dek(&umk, &wd, &USER, &OTHER_OBJ).unwrap_err(),
        CryptoError::KeyUnwrap
    );
    let as_key = Key32::from_bytes(*umk.as_bytes());
    assert_eq!(
        unwrap_umk(&as_key, &wd, &USER).unwrap_err(),
        CryptoError::KeyUnwrap
    );
    // Generic wrap with a token-secret-like key.
    let secret = Key32::random();
    let wt = wrap_key(&secret, umk.as_bytes(), b"jwt");
    assert_eq!(
        unwrap_key(&secret, &wt, b"jwt").unwrap().as_bytes(),
        umk.as_bytes()
    );
    assert_eq!(
        unwrap_key(&secret, &wt, b"jwu").unwrap_err(),
        CryptoError::KeyUnwrap
    );
}

#[test]
fn kek_is_deterministic_and_param_sensitive() {
    let a = derive_kek(b"pw", &[1; 16], KdfParams::TESTING).unwrap();
    let b = derive_kek(b"pw", &[1; 16], KdfParams::TESTING).unwrap();
    let c = derive_kek(
        b"pw",
        &[1; 16],
        KdfParams {
            t: 2,
            ..KdfParams::TESTING
        },
    )
    .unwrap();
    assert_eq!(a, b);
    assert_ne!(a, c);
}

#[test]
fn names() {
    let umk = Umk::random();
    let nk = NameKey::derive(&umk);
    let (node, parent, other) = ([1u8; 16], [2u8; 16], [3u8; 16]);
    let name = normalize_name("Quarterly report – Q3 ✓.pdf");
    let ct = nk.encrypt_name(&node, &parent, &name);
    assert_eq!(ct.len(), 12 + name.len() + 16);
    assert!(!ct.windows(9).any(|w| w == b"Quarterly"));
    assert_eq!(nk.decrypt_name(&node, &parent, &ct).unwrap(), name);
    assert_ne!(nk.encrypt_name(&node, &parent, &name), ct, "random nonce");
    // Moved to another node or parent.
    assert_eq!(
        nk.decrypt_name(&other, &parent, &ct).unwrap_err(),
        CryptoError::NameAuth
    );
    assert_eq!(
        nk.decrypt_name(&node, &other, &ct).unwrap_err(),
        CryptoError::NameAuth
    );
    // Swapped node/parent.
    assert_eq!(
        nk.decrypt_name(&parent, &node, &ct).unwrap_err(),
        CryptoError::NameAuth
    );
    // Another user's name key.
    let nk2 = NameKey::derive(&Umk::random());
    assert_eq!(
        nk2.decrypt_name(&node, &parent, &ct).unwrap_err(),
        CryptoError::NameAuth
    );
    assert_eq!(
        nk.decrypt_name(&node, &parent, &ct[..27]).unwrap_err(),
        CryptoError::InvalidLength
    );
    // 255 bytes of UTF-8 and the empty string are fine.
    let long = "é".repeat(127) + "x";
    assert_eq!(long.len(), 255);
    assert_eq!(
        nk.decrypt_name(&node, &parent, &nk.encrypt_name(&node, &parent, &long))
            .unwrap(),
        long
    );
    assert_eq!(
        nk.decrypt_name(&node, &parent, &nk.encrypt_name(&node, &parent, ""))
            .unwrap(),
        ""
    );
}

#[test]
fn name_mac_uniqueness() {
    let umk = Umk::random();
    let nk = NameKey::derive(&umk);
    let (p1, p2) = ([1u8; 16], [2u8; 16]);
    let composed = "caf\u{e9}";
    let decomposed = "cafe\u{301}";
    assert_ne!(composed, decomposed);
    assert_eq!(normalize_name(decomposed), composed);
    assert_eq!(
        nk.name_mac(&p1, &normalize_name(composed)),
        nk.name_mac(&p1, &normalize_name(decomposed))
    );
    // Even if a caller forgets to normalise, the MAC does.
    assert_eq!(nk.name_mac(&p1, composed), nk.name_mac(&p1, decomposed));
    assert_ne!(nk.name_mac(&p1, composed), nk.name_mac(&p2, composed));
    assert_ne!(nk.name_mac(&p1, "a"), nk.name_mac(&p1, "A"));
    // Another user gets unrelated MACs for the same name and folder id.
    assert_ne!(
        NameKey::derive(&Umk::random()).name_mac(&p1, composed),
        nk.name_mac(&p1, composed)
    );
}

#[test]
fn passwords() {
    let h = hash_password(b"hunter2 but longer", KdfParams::TESTING).unwrap();
    assert!(h.starts_with("$argon2id$v=19$m=256,t=1,p=1$"), "{h}");
    assert!(verify_password(b"hunter2 but longer", &h).unwrap());
    assert!(!verify_password(b"hunter2 but longer!", &h).unwrap());
    assert!(!verify_password(b"", &h).unwrap());
    // Fresh salt each time.
    assert_ne!(
        h,
        hash_password(b"hunter2 but longer", KdfParams::TESTING).unwrap()
    );
    // Default parameters are the OWASP minimum and are recorded in the string.
    let d = hash_password(b"pw", KdfParams::DEFAULT).unwrap();
    assert!(d.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
    assert!(verify_password(b"pw", &d).unwrap());
    // Dummy hash: valid, the given params, matches nothing.
    let dummy = dummy_password_hash(KdfParams::DEFAULT).unwrap();
    assert!(dummy.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
    assert!(!verify_password(b"hunter2", &dummy).unwrap());
    assert!(!verify_password(b"", &dummy).unwrap());
    assert_eq!(
        verify_password(b"x", "$argon2id$garbage").unwrap_err(),
        CryptoError::Kdf
    );
}

#[test]
fn error_messages_carry_no_key_material() {
    let umk = Umk::from_bytes([0x5a; 32]);
    let errs = [
        CryptoError::KeyUnwrap,
        CryptoError::ChunkAuth { index: 3 },
        CryptoError::UnsupportedVersion(9),
        CryptoError::CommitmentMismatch,
    ];
    for e in errs {
        let s = format!("{e} {e:?}");
        assert!(!s.contains("5a") && !s.contains("90"), "{s}");
    }
    assert!(!format!("{umk:?}").contains("5a"));
}
