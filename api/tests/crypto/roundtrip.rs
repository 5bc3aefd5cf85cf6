//! Round trips of the SRM1 format: fixed sizes, random splits, size
//! arithmetic, random-access ranges and the async adapters.

use bytes::Bytes;
use futures_util::{StreamExt, TryStreamExt, stream};
use proptest::prelude::*;
use strongroom_api::crypto::srm1::{
    self, BufferedEncryptor, CHUNK_LEN, Decryptor, Encryptor, HEADER_LEN, RangeDecryptor,
    StreamDecryptor, chunk_count, chunk_span, ciphertext_len, encrypt_to_vec, plaintext_len,
};
use strongroom_api::crypto::{
    CryptoError, Dek, Umk, decrypt_range_stream, decrypt_stream, encrypt_stream,
};

const USER: [u8; 16] = [0x11; 16];
const OBJ: [u8; 16] = [0x22; 16];

fn pattern(n: usize, seed: u8) -> Vec<u8> {
    (0..n)
        .map(|i| {
            (i as u64)
                .wrapping_mul(2_654_435_761)
                .wrapping_add(u64::from(seed)) as u8
                ^ (i >> 11) as u8
        })
        .collect()
}

fn decrypt_all(umk: &Umk, ct: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let mut d = StreamDecryptor::new(umk, USER, Some(OBJ));
    let mut out = Vec::new();
    d.update(ct, &mut out)?;
    d.finish(&mut out)?;
    Ok(out)
}

/// Split `data` at the given cut fractions and feed each piece.
fn pieces(data: &[u8], cuts: &[usize]) -> Vec<Vec<u8>> {
    let mut pts: Vec<usize> = cuts.iter().map(|c| c % (data.len() + 1)).collect();
    pts.push(0);
    pts.push(data.len());
    pts.sort_unstable();
    pts.windows(2).map(|w| data[w[0]..w[1]].to_vec()).collect()
}

#[test]
fn fixed_sizes_round_trip() {
    let umk = Umk::random();
    for &n in &[
        0usize,
        1,
        65_535,
        65_536,
        65_537,
        131_072,
        3 * 1024 * 1024 + 17,
    ] {
        let pt = pattern(n, 3);
        let ct = encrypt_to_vec(&umk, USER, OBJ, &pt);
        assert_eq!(ct.len() as u64, ciphertext_len(n as u64).unwrap(), "n={n}");
        assert_eq!(plaintext_len(ct.len() as u64).unwrap(), n as u64);
        assert_eq!(&ct[..4], b"SRM1");
        assert_eq!(decrypt_all(&umk, &ct).unwrap(), pt, "n={n}");
        // The header is the one the encryptor reports, and chunk count matches.
        let body = ct.len() - HEADER_LEN;
        assert_eq!(
            body.div_ceil(srm1::CIPHER_CHUNK_LEN) as u64,
            chunk_count(n as u64)
        );
    }
}

#[test]
fn exactly_one_chunk_is_flagged_last() {
    let umk = Umk::random();
    let pt = pattern(65_536, 1);
    let ct = encrypt_to_vec(&umk, USER, OBJ, &pt);
    assert_eq!(ct.len(), HEADER_LEN + 65_552);
    let dec = Decryptor::new(&ct[..HEADER_LEN], &umk, USER, Some(OBJ)).unwrap();
    assert_eq!(dec.open_chunk(0, &ct[HEADER_LEN..], true).unwrap(), pt);
    assert_eq!(
        dec.open_chunk(0, &ct[HEADER_LEN..], false).unwrap_err(),
        CryptoError::ChunkAuth { index: 0 }
    );
}

#[test]
fn empty_updates_and_header_only_once() {
    let umk = Umk::random();
    let mut e = Encryptor::new(&umk, USER, OBJ);
    let header = *e.header();
    let mut out = Vec::new();
    e.update(&[], &mut out).unwrap();
    e.update(&[], &mut out).unwrap();
    assert_eq!(out, header);
    e.update(b"abc", &mut out).unwrap();
    assert_eq!(out.len(), HEADER_LEN, "no chunk before finish");
    e.finish(&mut out).unwrap();
    assert_eq!(decrypt_all(&umk, &out).unwrap(), b"abc");
}

#[test]
fn random_access_with_dek_only() {
    let umk = Umk::random();
    let pt = pattern(200_000, 9);
    let ct = encrypt_to_vec(&umk, USER, OBJ, &pt);
    let dec = Decryptor::new(&ct[..HEADER_LEN], &umk, USER, Some(OBJ)).unwrap();
    // A download token carries only the DEK.
    let dec2 = Decryptor::from_dek(&ct[..HEADER_LEN], dec.dek().clone(), Some(OBJ)).unwrap();
    let span = chunk_span(200_000, 70_000, 150_000).unwrap();
    let r = span.ciphertext_range();
    let mut rd = RangeDecryptor::new(dec2, span);
    let mut out = Vec::new();
    rd.update(&ct[r.start as usize..r.end as usize], &mut out)
        .unwrap();
    rd.finish(&mut out).unwrap();
    assert_eq!(out, &pt[70_000..=150_000]);
    // A stream decryptor on the body only.
    let mut sd = StreamDecryptor::from_decryptor(dec);
    let mut out = Vec::new();
    sd.update(&ct[HEADER_LEN..], &mut out).unwrap();
    sd.finish(&mut out).unwrap();
    assert_eq!(out, pt);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn random_splits_round_trip(
        len in prop_oneof![0usize..300, 65_000usize..66_100, 0usize..300 * 1024],
        seed in any::<u8>(),
        enc_cuts in prop::collection::vec(any::<usize>(), 0..12),
        dec_cuts in prop::collection::vec(any::<usize>(), 0..12),
    ) {
        let umk = Umk::random();
        let pt = pattern(len, seed);
        let mut enc = Encryptor::new(&umk, USER, OBJ);
        let mut ct = Vec::new();
        for p in pieces(&pt, &enc_cuts) {
            enc.update(&p, &mut ct).unwrap();
            // Never more than one chunk of plaintext held back.
            prop_assert!(ct.len() >= HEADER_LEN);
        }
        enc.finish(&mut ct).unwrap();
        prop_assert_eq!(ct.len() as u64, ciphertext_len(len as u64).unwrap());

        let mut dec = StreamDecryptor::new(&umk, USER, Some(OBJ));
        let mut out = Vec::new();
        let mut fed = 0usize;
        for p in pieces(&ct, &dec_cuts) {
            dec.update(&p, &mut out).unwrap();
            fed += p.len();
            // Output never runs ahead of verified whole chunks and lags by at
            // most one held-back chunk.
            let body = fed.saturating_sub(HEADER_LEN);
            prop_assert!(out.len() <= body);
            prop_assert!(out.len() % CHUNK_LEN == 0);
            prop_assert!(body - out.len() / CHUNK_LEN * srm1::CIPHER_CHUNK_LEN <= srm1::CIPHER_CHUNK_LEN);
        }
        dec.finish(&mut out).unwrap();
        prop_assert_eq!(out, pt);
    }

    /// The buffered encryptor writes exactly the bytes `update` writes, for
    /// any split of the input, any hand-off size, and when it takes over
    /// from `update` half-way; what it hands out is only sealed bytes, and
    /// it holds back at most one chunk.
    #[test]
    fn buffered_encryptor_writes_what_update_writes(
        len in prop_oneof![0usize..300, 65_000usize..66_100, 0usize..600 * 1024],
        seed in any::<u8>(),
        cuts in prop::collection::vec(any::<usize>(), 0..12),
        hand_off in prop_oneof![Just(0usize), 1usize..400_000],
        takes_over_after in 0usize..4,
    ) {
        let umk = Umk::random();
        let pt = pattern(len, seed);
        let fixed = || Encryptor::with_parts(Dek::from_bytes([5; 32]), [6; 12], &umk, USER, OBJ);
        let mut expected = Vec::new();
        let mut plain = fixed();
        plain.update(&pt, &mut expected).unwrap();
        plain.finish(&mut expected).unwrap();

        let pieces = pieces(&pt, &cuts);
        let (early, late) = pieces.split_at(takes_over_after.min(pieces.len()));
        let mut enc = fixed();
        let mut got = Vec::new();
        for p in early {
            enc.update(p, &mut got).unwrap();
        }
        let mut enc = BufferedEncryptor::new(enc, vec![0xAA; 7]);
        let mut fed = early.iter().map(Vec::len).sum::<usize>();
        for p in late {
            let mut rest = &p[..];
            while !rest.is_empty() {
                let before = rest.len();
                rest = enc.push(rest, hand_off).unwrap();
                fed += before - rest.len();
                // Sealed output lags the input by at most one chunk.
                let sealed_plain = (got.len() + enc.sealed_len()).saturating_sub(HEADER_LEN)
                    / srm1::CIPHER_CHUNK_LEN * CHUNK_LEN;
                prop_assert!(fed - sealed_plain <= CHUNK_LEN);
                if !rest.is_empty() {
                    // It stopped early only to hand off, with nothing held back.
                    prop_assert!(enc.sealed_len() >= hand_off);
                }
                if enc.sealed_len() >= hand_off {
                    got.extend_from_slice(&enc.take_sealed(vec![0xBB; 3]));
                    prop_assert_eq!(enc.sealed_len(), 0);
                }
            }
        }
        got.extend_from_slice(&enc.finish().unwrap());
        prop_assert_eq!(got.len(), expected.len());
        prop_assert!(got == expected, "ciphertexts differ");
        prop_assert_eq!(decrypt_all(&umk, &got).unwrap(), pt);
    }

    #[test]
    fn length_functions_are_inverse(p in prop_oneof![0u64..1_000_000, 0u64..=srm1::MAX_PLAINTEXT_LEN]) {
        let c = ciphertext_len(p).unwrap();
        prop_assert_eq!(plaintext_len(c).unwrap(), p);
    }

    #[test]
    fn plaintext_len_rejects_or_inverts(c in prop_oneof![0u64..400_000, any::<u64>()]) {
        match plaintext_len(c) {
            Ok(p) => prop_assert_eq!(ciphertext_len(p).unwrap(), c),
            Err(e) => prop_assert_eq!(e, CryptoError::InvalidLength),
        }
    }

    #[test]
    fn chunk_span_reproduces_range(
        len in 1usize..300_000,
        a in any::<usize>(),
        b in any::<usize>(),
        cuts in prop::collection::vec(any::<usize>(), 0..6),
    ) {
        let (start, end) = { let x = a % len; let y = b % len; (x.min(y), x.max(y)) };
        let umk = Umk::random();
        let pt = pattern(len, 5);
        let ct = encrypt_to_vec(&umk, USER, OBJ, &pt);
        let dec = Decryptor::new(&ct[..HEADER_LEN], &umk, USER, Some(OBJ)).unwrap();
        let span = chunk_span(len as u64, start as u64, end as u64).unwrap();
        prop_assert!(span.ciphertext_range().end <= ct.len() as u64);
        prop_assert_eq!(span.take as usize, end - start + 1);

        // Chunk by chunk with open_chunk.
        let count = chunk_count(len as u64);
        let mut got = Vec::new();
        let mut off = span.ciphertext_offset as usize;
        for i in span.first_chunk..=span.last_chunk {
            let last = i + 1 == count;
            let clen = if last { ct.len() - off } else { srm1::CIPHER_CHUNK_LEN };
            got.extend(dec.open_chunk(i, &ct[off..off + clen], last).unwrap());
            off += clen;
        }
        prop_assert_eq!(off as u64, span.ciphertext_range().end);
        let s = span.skip as usize;
        prop_assert_eq!(&got[s..s + span.take as usize], &pt[start..=end]);

        // And through RangeDecryptor in random splits.
        let r = span.ciphertext_range();
        let mut rd = RangeDecryptor::new(dec, span);
        let mut out = Vec::new();
        for p in pieces(&ct[r.start as usize..r.end as usize], &cuts) {
            rd.update(&p, &mut out).unwrap();
        }
        rd.finish(&mut out).unwrap();
        prop_assert_eq!(&out[..], &pt[start..=end]);
    }
}

#[derive(Debug, PartialEq)]
enum TestErr {
    Crypto(CryptoError),
    Io,
}
impl From<CryptoError> for TestErr {
    fn from(e: CryptoError) -> Self {
        Self::Crypto(e)
    }
}

fn as_stream(
    data: &[u8],
    cuts: &[usize],
) -> impl futures_util::Stream<Item = Result<Bytes, TestErr>> + Send + use<> {
    stream::iter(pieces(data, cuts).into_iter().map(|p| Ok(Bytes::from(p))))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn async_adapters_round_trip() {
    let umk = Umk::random();
    for (i, &len) in [0usize, 1, 65_536, 65_537, 1_000_003].iter().enumerate() {
        let pt = pattern(len, i as u8);
        let cuts: Vec<usize> = (0..9).map(|k| (k * 7_919 + i * 104_729) * 31).collect();
        let enc = Encryptor::new(&umk, USER, OBJ);
        let ct_stream = encrypt_stream(as_stream(&pt, &cuts), enc);
        // The adapters are Send (they run inside web servers).
        fn assert_send<T: Send>(t: T) -> T {
            t
        }
        let ct: Vec<Bytes> = assert_send(ct_stream).try_collect().await.unwrap();
        let ct: Vec<u8> = ct.concat();
        assert_eq!(ct.len() as u64, ciphertext_len(len as u64).unwrap());

        let other_cuts: Vec<usize> = (0..5).map(|k| k * 65_551 + 3).collect();
        let dec = StreamDecryptor::new(&umk, USER, Some(OBJ));
        let pt2: Vec<Bytes> = decrypt_stream(as_stream(&ct, &other_cuts), dec)
            .try_collect()
            .await
            .unwrap();
        assert_eq!(pt2.concat(), pt);

        if len > 0 {
            let (start, end) = (len as u64 / 3, len as u64 - 1 - len as u64 / 5);
            let span = chunk_span(len as u64, start, end).unwrap();
            let dec = Decryptor::new(&ct[..HEADER_LEN], &umk, USER, Some(OBJ)).unwrap();
            let r = span.ciphertext_range();
            let part: Vec<Bytes> = decrypt_range_stream(
                as_stream(&ct[r.start as usize..r.end as usize], &cuts),
                dec,
                span,
            )
            .try_collect()
            .await
            .unwrap();
            assert_eq!(part.concat(), &pt[start as usize..=end as usize]);
        }
    }
}

#[tokio::test]
async fn async_errors_end_the_stream() {
    let umk = Umk::random();
    let pt = pattern(200_000, 1);
    let mut ct = encrypt_to_vec(&umk, USER, OBJ, &pt);
    ct[HEADER_LEN + srm1::CIPHER_CHUNK_LEN + 5] ^= 1; // corrupt chunk 1
    let dec = StreamDecryptor::new(&umk, USER, Some(OBJ));
    let items: Vec<Result<Bytes, TestErr>> =
        decrypt_stream(as_stream(&ct, &[1000, 70_000, 140_000]), dec)
            .collect()
            .await;
    let errs: Vec<_> = items.iter().filter(|r| r.is_err()).collect();
    assert_eq!(errs.len(), 1);
    assert!(items.last().unwrap().is_err(), "error is the last item");
    assert_eq!(
        items.last().unwrap().as_ref().unwrap_err(),
        &TestErr::Crypto(CryptoError::ChunkAuth { index: 1 })
    );
    let ok: Vec<u8> = items
        .iter()
        .filter_map(|r| r.as_ref().ok())
        .flat_map(|b| b.to_vec())
        .collect();
    assert_eq!(ok, &pt[..CHUNK_LEN], "only chunk 0 was released");

    // Input errors pass through unchanged and end the stream.
    let input = stream::iter(vec![
        Ok(Bytes::from_static(b"abc")),
        Err(TestErr::Io),
        Ok(Bytes::new()),
    ]);
    let items: Vec<Result<Bytes, TestErr>> = encrypt_stream(input, Encryptor::new(&umk, USER, OBJ))
        .collect()
        .await;
    assert_eq!(items.last().unwrap().as_ref().unwrap_err(), &TestErr::Io);
}
