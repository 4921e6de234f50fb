//! Password files: an htdigest file made with Apache's `htdigest` (tests/data), and the
//! lighttpd SHA-256 extension line, read by `MemoryCredentials` and used by the server.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{TestClock, key};
use digest_auth::{Algorithm, DigestClient, DigestServer, MemoryCredentials};
use httpauth_core::{AuthScheme, RequestContext};
use std::sync::Arc;

fn login(srv: &DigestServer, user: &str, password: &str) -> bool {
    let req = RequestContext::new("GET", "/secret/", "https", "example.org");
    let mut client = DigestClient::new(user, password.into());
    let auth = client
        .respond(&srv.challenges(&req), "GET", "/secret/", None)
        .unwrap();
    srv.authenticate(&req, auth.credentials())
        .is_authenticated()
}

/// tests/data/apache_htdigest_md5: two users written by Apache httpd 2.4.71's `htdigest`.
#[test]
fn apache_htdigest_md5() {
    let store = MemoryCredentials::from_htdigest(include_str!("data/apache_htdigest_md5")).unwrap();
    let srv = DigestServer::builder("apache realm@example.org", Arc::new(store))
        .algorithms(&[Algorithm::Md5, Algorithm::Md5Sess])
        .nonce_key(key())
        .clock(TestClock::new())
        .build()
        .unwrap();
    assert!(login(&srv, "Mufasa", "Circle of Life"));
    assert!(login(&srv, "Simba", "Hakuna Matata"));
    assert!(!login(&srv, "Simba", "Circle of Life"));
    assert!(!login(&srv, "Scar", "Circle of Life"));
}

/// lighttpd's `user:realm:<SHA-256 HA1>:<userhash>` line; MD5-only users cannot answer a
/// SHA-256 challenge.
#[test]
fn lighttpd_sha256_line() {
    let ha1 = digest_auth::compute::ha1(
        Algorithm::Sha256,
        "Mufasa",
        "http-auth@example.org",
        &"Circle of Life".into(),
    );
    let uh = digest_auth::compute::userhash(Algorithm::Sha256, "Mufasa", "http-auth@example.org");
    let line = format!(
        "Mufasa:http-auth@example.org:{}:{uh}\n",
        digest_auth::compute::hex(ha1.expose_secret())
    );
    let store = MemoryCredentials::from_htdigest(&line).unwrap();
    let srv = DigestServer::builder("http-auth@example.org", Arc::new(store))
        .algorithms(&[Algorithm::Sha256])
        .userhash(true)
        .nonce_key(key())
        .clock(TestClock::new())
        .build()
        .unwrap();
    assert!(login(&srv, "Mufasa", "Circle of Life"));
    assert!(!login(&srv, "Mufasa", "circle of life"));
}
