//! HTTP authentication for Rust servers in one crate: Basic, Digest (RFC 7616), Mutual
//! (RFC 8120), client certificates, and Apache-style access control, behind one seam
//! ([`httpauth_core::AuthScheme`]).
//!
//! This is the front crate of the workspace: it combines the protocol crates
//! (`httpauth-core`, `httpauth-headers`, `digest-auth`, `mutual-core`, `cert-policy`,
//! `authfile`) into what a server needs:
//!
//! - [`basic`]: RFC 7617 Basic over any password verifier, with the FakeBasicAuth spoof
//!   refusal, a password length cap and an optional verified-credential cache;
//! - [`cert`]: client certificates (`SSLUserName`, `SSLOptions +FakeBasicAuth`);
//! - [`access`]: `Require` (user, valid-user, group, ip, method, expr, ssl,
//!   ssl-verify-client, all), `Require not`, `RequireAll` / `RequireAny` / `RequireNone`,
//!   401 versus 403 as httpd decides;
//! - [`guard`]: the engine: schemes, rules, `Satisfy`, bounded pools for expensive work,
//!   and the one mapping from a decision to status and header fields;
//! - [`path`]: request-path normalisation, done once at the edge;
//! - [`pool`]: bounded per-scheme pools with 503 + `Retry-After` when full.
#![forbid(unsafe_code)]

pub mod access;
pub mod basic;
pub mod cert;
pub mod guard;
pub mod path;
pub mod pool;

pub use access::{AccessRules, Require};
pub use basic::{BasicScheme, CredentialCache};
pub use cert::{CertUser, CertificateScheme};
pub use guard::{CertAccess, Decision, Guard, RequestFacts, Satisfy};
pub use httpauth_core::{AuthScheme, Principal};
pub use pool::{PoolLimits, Pools};
