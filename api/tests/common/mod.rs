//! Test support shared by every test binary: the local S3 + DynamoDB endpoint
//! and SDK set-up (`aws`), the one way to start the real server (`server`),
//! reading what the stores hold behind the server's back (`probe`, and
//! `raw_meta` for sessions and profiles), and writing accounts as earlier
//! versions stored them (`legacy`).
//! Each binary uses part of it.
#![allow(dead_code)]

pub mod aws;
pub mod legacy;
pub mod probe;
pub mod raw_meta;
pub mod server;
