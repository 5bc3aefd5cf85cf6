//! Request bodies must keep coming: one that stalls for `body_idle_secs`, or
//! that arrives slower than `body_min_rate` bytes per second on average once
//! it has taken longer than that, is cut off with a `TimedOut` payload error
//! (answered 408 `request_timeout`). Together with the header timeout of the
//! HTTP server, a client sending one byte a second holds a connection for
//! seconds, not for ever.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use actix_web::Error;
use actix_web::dev::{Payload, Service, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::header;
use bytes::Bytes;
use futures_util::Stream;
use tokio::time::Sleep;

#[derive(Clone, Copy, Debug)]
pub struct Pace {
    pub idle: Duration,
    /// Bytes per second.
    pub min_rate: u64,
}

/// Wraps every request's body in `Paced`.
pub fn pace_bodies<S>(pace: Pace) -> impl Fn(ServiceRequest, &S) -> S::Future + Clone
where
    S: Service<ServiceRequest, Response = ServiceResponse, Error = Error>,
{
    move |mut req, service| {
        let has_body = req.headers().contains_key(header::TRANSFER_ENCODING)
            || req
                .headers()
                .get(header::CONTENT_LENGTH)
                .is_some_and(|len| len.as_bytes() != b"0");
        if has_body {
            let body = std::mem::replace(req.parts_mut().1, Payload::None);
            req.set_payload(Payload::Stream {
                payload: Box::pin(Paced::new(body, pace)),
            });
        }
        service.call(req)
    }
}

struct Paced {
    inner: Payload,
    pace: Pace,
    started: Instant,
    received: u64,
    /// Fires when the body has stalled for `pace.idle`.
    stall: Pin<Box<Sleep>>,
}

impl Paced {
    fn new(inner: Payload, pace: Pace) -> Self {
        Self {
            inner,
            pace,
            started: Instant::now(),
            received: 0,
            stall: Box::pin(tokio::time::sleep(pace.idle)),
        }
    }

    fn too_slow(what: &str) -> PayloadError {
        PayloadError::Io(std::io::Error::new(
            std::io::ErrorKind::TimedOut,
            what.to_owned(),
        ))
    }
}

impl Stream for Paced {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        match Pin::new(&mut this.inner).poll_next(cx) {
            Poll::Ready(Some(Ok(piece))) => {
                this.received += piece.len() as u64;
                let elapsed = this.started.elapsed();
                if elapsed > this.pace.idle {
                    let rate = this.received as f64 / elapsed.as_secs_f64();
                    if rate < this.pace.min_rate as f64 {
                        return Poll::Ready(Some(Err(Self::too_slow(
                            "the body arrives too slowly",
                        ))));
                    }
                }
                let next = tokio::time::Instant::now() + this.pace.idle;
                this.stall.as_mut().reset(next);
                Poll::Ready(Some(Ok(piece)))
            }
            Poll::Pending => match this.stall.as_mut().poll(cx) {
                Poll::Ready(()) => Poll::Ready(Some(Err(Self::too_slow("the body stalled")))),
                Poll::Pending => Poll::Pending,
            },
            other => other,
        }
    }
}
