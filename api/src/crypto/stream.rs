//! Async adapters: run the synchronous SRM1 state machines over
//! `Stream<Item = Result<Bytes, E>>` (request bodies, S3 `GetObject` bodies).
//!
//! Memory per stream is one held-back chunk plus one input item's worth of
//! output. The first error (from the input or from the crypto) is yielded and
//! then the stream ends; plaintext is only ever yielded for chunks whose tag
//! verified.

use bytes::Bytes;
use futures_util::{Stream, StreamExt, stream};

use super::CryptoError;
use super::srm1::{ChunkSpan, Decryptor, Encryptor, RangeDecryptor, StreamDecryptor};

/// A synchronous step function: `update` many times, then `finish` once.
trait Step {
    fn update(&mut self, input: &[u8], out: &mut Vec<u8>) -> Result<(), CryptoError>;
    fn finish(self, out: &mut Vec<u8>) -> Result<(), CryptoError>;
}

impl Step for Encryptor {
    fn update(&mut self, input: &[u8], out: &mut Vec<u8>) -> Result<(), CryptoError> {
        Encryptor::update(self, input, out)
    }
    fn finish(self, out: &mut Vec<u8>) -> Result<(), CryptoError> {
        Encryptor::finish(self, out)
    }
}

impl Step for StreamDecryptor {
    fn update(&mut self, input: &[u8], out: &mut Vec<u8>) -> Result<(), CryptoError> {
        StreamDecryptor::update(self, input, out)
    }
    fn finish(self, out: &mut Vec<u8>) -> Result<(), CryptoError> {
        StreamDecryptor::finish(self, out)
    }
}

impl Step for RangeDecryptor {
    fn update(&mut self, input: &[u8], out: &mut Vec<u8>) -> Result<(), CryptoError> {
        RangeDecryptor::update(self, input, out)
    }
    fn finish(self, out: &mut Vec<u8>) -> Result<(), CryptoError> {
        RangeDecryptor::finish(self, out)
    }
}

fn run<S, E, T>(input: S, step: T) -> impl Stream<Item = Result<Bytes, E>>
where
    S: Stream<Item = Result<Bytes, E>>,
    E: From<CryptoError>,
    T: Step,
{
    let state = Some((Box::pin(input), step));
    stream::unfold(state, |state| async move {
        let (mut input, mut step) = state?;
        loop {
            match input.next().await {
                Some(Ok(bytes)) => {
                    // Room for what one piece becomes (decrypted: less;
                    // encrypted: a tag per chunk and the header more), so
                    // the output does not grow by doubling and copying.
                    let mut out = Vec::with_capacity(bytes.len() + bytes.len() / 1024 + 256);
                    if let Err(e) = step.update(&bytes, &mut out) {
                        return Some((Err(E::from(e)), None));
                    }
                    if !out.is_empty() {
                        return Some((Ok(Bytes::from(out)), Some((input, step))));
                    }
                }
                Some(Err(e)) => return Some((Err(e), None)),
                None => {
                    let mut out = Vec::new();
                    return match step.finish(&mut out) {
                        Err(e) => Some((Err(E::from(e)), None)),
                        Ok(()) if out.is_empty() => None,
                        Ok(()) => Some((Ok(Bytes::from(out)), None)),
                    };
                }
            }
        }
    })
}

/// Encrypt a plaintext byte stream into a complete SRM1 object stream
/// (header first). Its total length is `ciphertext_len(plaintext_len)`.
pub fn encrypt_stream<S, E>(input: S, enc: Encryptor) -> impl Stream<Item = Result<Bytes, E>>
where
    S: Stream<Item = Result<Bytes, E>>,
    E: From<CryptoError>,
{
    run(input, enc)
}

/// Decrypt a complete SRM1 object stream (or only its body, for a
/// [`StreamDecryptor::from_decryptor`]) into plaintext.
pub fn decrypt_stream<S, E>(input: S, dec: StreamDecryptor) -> impl Stream<Item = Result<Bytes, E>>
where
    S: Stream<Item = Result<Bytes, E>>,
    E: From<CryptoError>,
{
    run(input, dec)
}

/// Decrypt the ciphertext range `span.ciphertext_range()` of an object (as
/// returned by a ranged read) into exactly the `span.take` plaintext bytes
/// requested. `dec` comes from the object's verified header.
pub fn decrypt_range_stream<S, E>(
    input: S,
    dec: Decryptor,
    span: ChunkSpan,
) -> impl Stream<Item = Result<Bytes, E>>
where
    S: Stream<Item = Result<Bytes, E>>,
    E: From<CryptoError>,
{
    run(input, RangeDecryptor::new(dec, span))
}
