//! HTTP authentication for Rust servers and clients in one crate.
//!
//! This is the front crate of the workspace: it combines the protocol crates
//! (`httpauth-core`, `httpauth-headers`, `digest-auth`, `mutual-core`, `cert-policy`,
//! `authfile`) into what a server needs.
#![forbid(unsafe_code)]

pub mod path;
