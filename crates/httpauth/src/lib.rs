// The README is the crate's page on crates.io and docs.rs. Its example needs the `axum`
// feature (docs.rs builds with every feature); without it the crate documentation is the
// short form below, so that `cargo test -p httpauth --doc` passes with any feature set.
#![cfg_attr(feature = "axum", doc = include_str!("../README.md"))]
#![cfg_attr(
    not(feature = "axum"),
    doc = "HTTP authentication for Rust servers and clients in one crate: Basic, Digest \
           (RFC 7616), Mutual (RFC 8120), client certificates, and Apache-style access \
           control, behind one seam ([`httpauth_core::AuthScheme`]). The full page, with \
           the feature table and an example, is the crate's `README.md`; `cargo doc \
           --features axum` (or `--all-features`, as docs.rs builds) shows it here."
)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]

pub mod access;
pub mod basic;
#[cfg(feature = "ca")]
pub mod ca;
pub mod cert;
#[cfg(feature = "client")]
pub mod client;
pub mod guard;
pub mod htmutual;
pub mod interim;
pub mod path;
pub mod pool;

#[cfg(feature = "axum")]
pub mod extract;
#[cfg(feature = "hyper")]
pub mod hyper;
#[cfg(feature = "tower")]
pub mod layer;
#[cfg(feature = "rustls")]
pub mod rustls;

// The protocol crates this one combines, re-exported so that one dependency line reaches
// all of them (password files, `SSLRequire` policies and forwarded certificate headers,
// Digest and Mutual engines, header parsing, the shared vocabulary).
pub use authfile;
pub use cert_policy;
pub use digest_auth;
pub use httpauth_core;
pub use httpauth_headers;
pub use mutual_core;

pub use access::{AccessRules, Require};
pub use basic::{BasicScheme, CredentialCache};
pub use cert::{CertUser, CertificateScheme};
pub use guard::{CertAccess, Decision, Guard, GuardBuilder, RequestFacts, ResponseHead, Satisfy};
pub use htmutual::MutualCoreDeriver;
pub use httpauth_core::{AuthScheme, Principal};
pub use interim::{ContinueIo, InterimFields};
pub use pool::{PoolLimits, Pools};
