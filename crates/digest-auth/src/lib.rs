#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]

mod algorithm;
mod body;
mod client;
pub mod compute;
mod error;
pub mod nonce;
mod server;
mod store;

pub use algorithm::{ALL_ALGORITHMS, Algorithm, DEFAULT_ALGORITHMS};
pub use body::{BodyDigests, BodyHasher};
pub use client::{Authorization, DigestClient};
pub use compute::Qop;
pub use error::Error;
pub use nonce::{NonceKey, NonceStatus};
pub use server::{
    DEFAULT_COUNT_WINDOW, DEFAULT_MAX_SKEW, DEFAULT_NEXTNONCE_BEFORE, DEFAULT_NONCE_LIFETIME,
    DigestServer, DigestServerBuilder, MAX_CNONCE_LEN, MAX_REALM_LEN, MAX_URI_LEN,
    MAX_USERNAME_LEN, Verified, uri_matches,
};
pub use store::{MAX_LINE_LEN, MemoryCredentials};

// What users of this crate need from httpauth-core.
pub use httpauth_core::{
    AuthScheme, BodyDigest, Challenge, Clock, CredentialStore, Credentials, HashFunction, Outcome,
    Password, RequestContext, SecretBytes, SessionStore,
};
