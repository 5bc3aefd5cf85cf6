//! SRM1 throughput: encrypt and decrypt 64 MiB fed in 1 MiB pieces.
//! Run: `cargo bench --bench srm1`
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use strongroom_api::crypto::Umk;
use strongroom_api::crypto::srm1::{Encryptor, StreamDecryptor, ciphertext_len};

const TOTAL: usize = 64 << 20;
const PIECE: usize = 1 << 20;
const USER: [u8; 16] = [1; 16];
const OBJ: [u8; 16] = [2; 16];

fn encrypt(umk: &Umk, pt: &[u8], out: &mut Vec<u8>) {
    out.clear();
    let mut enc = Encryptor::new(umk, USER, OBJ);
    for piece in pt.chunks(PIECE) {
        enc.update(piece, out).unwrap();
    }
    enc.finish(out).unwrap();
}

fn bench(c: &mut Criterion) {
    let umk = Umk::random();
    let pt: Vec<u8> = (0..TOTAL).map(|i| (i * 31 + (i >> 9)) as u8).collect();
    let mut ct = Vec::with_capacity(ciphertext_len(TOTAL as u64).unwrap() as usize);
    encrypt(&umk, &pt, &mut ct);

    let mut g = c.benchmark_group("srm1");
    g.throughput(Throughput::Bytes(TOTAL as u64));
    g.sample_size(10);
    g.warm_up_time(Duration::from_secs(1));
    g.measurement_time(Duration::from_secs(8));

    let mut out = Vec::with_capacity(ct.len());
    g.bench_function("encrypt 64MiB", |b| {
        b.iter(|| {
            encrypt(&umk, black_box(&pt), &mut out);
            black_box(out.len())
        });
    });

    let mut plain = Vec::with_capacity(TOTAL);
    g.bench_function("decrypt 64MiB", |b| {
        b.iter(|| {
            plain.clear();
            let mut dec = StreamDecryptor::new(&umk, USER, Some(OBJ));
            for piece in black_box(&ct).chunks(PIECE) {
                dec.update(piece, &mut plain).unwrap();
            }
            dec.finish(&mut plain).unwrap();
            assert_eq!(plain.len(), TOTAL);
        });
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
