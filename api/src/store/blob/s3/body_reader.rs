//! Reading an upload body in pieces of chosen sizes.

use std::collections::VecDeque;

use bytes::Bytes;
use futures_util::StreamExt;

use crate::store::StoreError;
use crate::store::blob::ByteStream;

/// Reads a body in pieces of chosen sizes, checking it against the announced
/// length as it goes.
pub(super) struct BodyReader {
    body: ByteStream,
    /// Bytes received but not yet handed out, in order.
    carry: VecDeque<Bytes>,
    received: u64,
    len: Option<u64>,
    ended: bool,
}

impl BodyReader {
    pub(super) fn new(body: ByteStream, len: Option<u64>) -> Self {
        Self {
            body,
            carry: VecDeque::new(),
            received: 0,
            len,
            ended: false,
        }
    }

    /// Hands bytes back to be read again first.
    pub(super) fn unread(&mut self, data: Bytes) {
        if !data.is_empty() {
            self.carry.push_front(data);
        }
    }

    /// Pulls the next piece of the body into `carry`; false at its end.
    async fn fill(&mut self) -> Result<bool, StoreError> {
        if self.ended {
            return Ok(false);
        }
        loop {
            match self.body.next().await {
                None => {
                    self.ended = true;
                    if self.len.is_some_and(|len| self.received != len) {
                        return Err(StoreError::Corrupt(
                            "object body shorter than announced".to_owned(),
                        ));
                    }
                    return Ok(false);
                }
                Some(Err(err)) => return Err(err),
                Some(Ok(piece)) if piece.is_empty() => {}
                Some(Ok(piece)) => {
                    self.received += piece.len() as u64;
                    if self.len.is_some_and(|len| self.received > len) {
                        return Err(StoreError::Corrupt(
                            "object body longer than announced".to_owned(),
                        ));
                    }
                    self.carry.push_back(piece);
                    return Ok(true);
                }
            }
        }
    }

    /// Reads `n` bytes, fewer only at the end of the body.
    pub(super) async fn read(&mut self, n: usize) -> Result<Bytes, StoreError> {
        // Never reserve more than the body can still bring.
        let pending: u64 = self.carry.iter().map(|b| b.len() as u64).sum();
        let capacity = match self.len {
            Some(len) => (len - self.received + pending).min(n as u64) as usize,
            None => n,
        };
        let mut buf = Vec::with_capacity(capacity);
        while buf.len() < n {
            let Some(mut piece) = self.carry.pop_front() else {
                if self.fill().await? {
                    continue;
                }
                break;
            };
            let take = piece.len().min(n - buf.len());
            buf.extend_from_slice(&piece.split_to(take));
            self.unread(piece);
        }
        Ok(Bytes::from(buf))
    }

    /// Succeeds when nothing is left of the body (checking its length).
    pub(super) async fn expect_end(&mut self) -> Result<(), StoreError> {
        if !self.carry.is_empty() || self.fill().await? {
            return Err(StoreError::Corrupt(
                "object body longer than announced".to_owned(),
            ));
        }
        Ok(())
    }
}
