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
//! - [`access`]: `Require` (user, valid-user, group, ip, host, method, expr, ssl,
//!   ssl-verify-client, all), `Require not`, `RequireAll` / `RequireAny` / `RequireNone`,
//!   401 versus 403 as httpd decides;
//! - [`guard`]: the engine: schemes, rules, `Satisfy`, bounded pools for expensive work,
//!   and the one mapping from a decision to status and header fields;
//! - [`path`]: request-path normalisation, done once at the edge;
//! - [`htmutual`]: [`MutualCoreDeriver`], the htmutual verifier J computed by `mutual-core`
//!   for `authfile` (which does not depend on `mutual-core` itself);
//! - [`pool`]: bounded per-scheme pools with 503 + `Retry-After` when full;
//! - `layer` (feature `tower`): the tower `AuthLayer` that drives a guard from `http`
//!   types, with body buffering for Digest `auth-int` and `Authentication-Info` after the
//!   inner service;
//! - `extract` (feature `axum`): the `Authenticated` extractor, whose rejection is a 401
//!   with challenges;
//! - `hyper` (feature `hyper`): serve a hyper connection with its connection facts;
//! - `rustls` (feature `rustls`): TLS facts (client certificates, SNI, channel bindings)
//!   from a rustls connection;
//! - [`interim`]: a Mutual `Authentication-Info` in the `100 Continue` (RFC 8120
//!   section 4.5) on hyper HTTP/1 connections;
//! - `client` (feature `client`): the client side: answer 401 / 407 with Mutual, Digest
//!   or Basic, reuse nonces and sessions, verify the server; `client::reqwest` (feature
//!   `reqwest`) is a `reqwest-middleware` middleware, `client::hyper` (feature
//!   `hyper-client`) an adapter for `hyper-util`'s client.
//!
//! | feature | adds |
//! |---|---|
//! | `tower` | `layer::AuthLayer`, `layer::AuthService`, `layer::ConnectionInfo` |
//! | `axum` | `extract::Authenticated` (implies `tower`) |
//! | `hyper` | `hyper::serve_connection` (implies `tower`) |
//! | `rustls` | `rustls::TlsFacts` |
//! | `client` | `client::AuthClient`, `client::Exchange` (the sans-IO client engine) |
//! | `reqwest` | `client::reqwest::AuthMiddleware` (implies `client`) |
//! | `hyper-client` | `client::hyper::send` (implies `client`) |
//! | `ca` | `ca::CaDir` (a file-backed CA: issue, revoke, CRL, PKCS#12; the `httpauth-ca` tool) |
//!
//! Protecting an axum route is one line, `.route_layer(AuthLayer::new(guard))`:
#![cfg_attr(
    feature = "axum",
    doc = r##"
```no_run
use axum::{Router, routing::get};
use httpauth::extract::Authenticated;
use httpauth::layer::AuthLayer;
use httpauth::{BasicScheme, Guard};
use std::sync::Arc;

async fn hello(Authenticated(p): Authenticated) -> String {
    format!("hello, {}
", p.user)
}

# fn main() -> Result<(), Box<dyn std::error::Error>> {
let users = httpauth::authfile::FileCache::<httpauth::authfile::HtpasswdFile>::htpasswd(
    "users.htpasswd",
    httpauth::authfile::VerifyPolicy::default(),
)?;
let basic = Guard::builder()
    .scheme(Arc::new(BasicScheme::new("staff", Arc::new(users))))
    .build();
let app: Router = Router::new()
    .route("/staff", get(hello).route_layer(AuthLayer::new(basic)));
# let _ = app; Ok(()) }
```
"##
)]
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
