//! httpauth-ec's P-256 against the RustCrypto `p256` crate (see `common/mod.rs`).
#![allow(missing_docs)]

mod common;

oracle_tests!(httpauth_ec::P256, p256, 32, 0xff);
