//! Recycled transfer buffers: a leaf anyone may use.
//!
//! A transfer hands 256 KiB buffers to another thread (the object store's
//! writer, the socket), which frees them there. The allocator gives an empty
//! page of that size back to the system at once (`MIMALLOC_PURGE_DELAY=0`,
//! which keeps idle memory low, see `allocator.rs`), so the next buffer is
//! fresh memory: a page fault and a zero-fill per 4 KiB, about 6% of an
//! upload's CPU in `perf`. A [`Recycler`] takes each buffer back when the
//! `Bytes` made of it is dropped, wherever that happens, and hands it out
//! again. It keeps at most a few, and none once the transfer and every
//! piece of it are gone.

use std::sync::{Arc, Mutex, PoisonError};

use bytes::Bytes;

/// The buffers of one transfer.
#[derive(Debug)]
pub struct Recycler {
    free: Arc<Mutex<Vec<Vec<u8>>>>,
    keep: usize,
    capacity: usize,
}

impl Recycler {
    /// Buffers of `capacity` bytes; at most `keep` wait to be used again.
    #[must_use]
    pub fn new(keep: usize, capacity: usize) -> Self {
        Self {
            free: Arc::new(Mutex::new(Vec::with_capacity(keep))),
            keep,
            capacity,
        }
    }

    /// An empty buffer with room for `capacity` bytes: one that came back,
    /// or a new one.
    #[must_use]
    pub fn buffer(&self) -> Vec<u8> {
        match self.returned() {
            Some(mut buf) => {
                buf.clear();
                buf.reserve(self.capacity);
                buf
            }
            None => Vec::with_capacity(self.capacity),
        }
    }

    /// A buffer of exactly `len` bytes (at most `capacity`) to be
    /// overwritten whole: one that came back, with what it held then (only
    /// ever bytes of this same transfer), or a new one of zeros. Saves
    /// zero-filling it each time.
    #[must_use]
    pub fn overwritable(&self, len: usize) -> Vec<u8> {
        let mut buf = self
            .returned()
            .unwrap_or_else(|| Vec::with_capacity(self.capacity));
        // Zero-fills only what was never written: nothing, in steady state.
        buf.resize(len, 0);
        buf
    }

    /// The buffer that came back last, if one did.
    fn returned(&self) -> Option<Vec<u8>> {
        self.free
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop()
    }

    /// `buf` as `Bytes`: when the last of them (and of its slices) is
    /// dropped, the buffer comes back here, or is freed when enough wait.
    #[must_use]
    pub fn bytes(&self, buf: Vec<u8>) -> Bytes {
        Bytes::from_owner(Returning {
            buf,
            home: Arc::clone(&self.free),
            keep: self.keep,
        })
    }
}

/// A buffer on its way; going home on drop.
struct Returning {
    buf: Vec<u8>,
    home: Arc<Mutex<Vec<Vec<u8>>>>,
    keep: usize,
}

impl AsRef<[u8]> for Returning {
    fn as_ref(&self) -> &[u8] {
        &self.buf
    }
}

impl Drop for Returning {
    fn drop(&mut self) {
        let mut free = self.home.lock().unwrap_or_else(PoisonError::into_inner);
        if free.len() < self.keep {
            free.push(std::mem::take(&mut self.buf));
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_dropped_buffer_is_handed_out_again() {
        let recycler = Recycler::new(2, 1024);
        let mut buf = recycler.buffer();
        assert!(buf.capacity() >= 1024);
        buf.extend_from_slice(b"ciphertext");
        let at = buf.as_ptr();
        let bytes = recycler.bytes(buf);
        assert_eq!(&bytes[..], b"ciphertext");
        let slice = bytes.slice(2..4);
        drop(bytes);
        // A slice still holds it.
        assert!(recycler.free.lock().unwrap().is_empty());
        drop(slice);
        let again = recycler.buffer();
        assert_eq!(again.as_ptr(), at);
        assert!(again.is_empty());
        assert!(again.capacity() >= 1024);
    }

    #[test]
    fn an_overwritable_buffer_has_the_length_asked() {
        let recycler = Recycler::new(2, 64);
        let first = recycler.overwritable(48);
        assert_eq!(first, vec![0; 48]);
        let at = first.as_ptr();
        drop(recycler.bytes(vec![7; 64]));
        drop(recycler.bytes(first));
        // Last in, first out; old bytes kept, shorter or longer as asked.
        let again = recycler.overwritable(40);
        assert_eq!((again.as_ptr(), again.len()), (at, 40));
        let longer = recycler.overwritable(60);
        assert_eq!(longer.len(), 60);
        assert!(longer.iter().all(|&b| b == 7));
    }

    #[test]
    fn keeps_no_more_than_asked() {
        let recycler = Recycler::new(1, 16);
        let pieces: Vec<Bytes> = (0..3).map(|_| recycler.bytes(recycler.buffer())).collect();
        drop(pieces);
        assert_eq!(recycler.free.lock().unwrap().len(), 1);
    }

    #[test]
    fn outlives_its_recycler() {
        let recycler = Recycler::new(1, 16);
        let bytes = recycler.bytes(vec![1, 2, 3]);
        drop(recycler);
        assert_eq!(&bytes[..], &[1, 2, 3]);
    }
}
