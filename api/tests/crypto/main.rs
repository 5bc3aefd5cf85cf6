//! The SRM1 object format and the key hierarchy: round trips (with property
//! tests), the tamper matrix, and committed known-answer vectors.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod roundtrip;
mod tamper;
mod vectors;
