//! Known-answer tests from RFC 2617 (HTTP Digest, MD5).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use digest_auth::compute::{self, DigestInput, hex};
use digest_auth::{Algorithm, Qop};

/// RFC 2617 section 3.5: user "Mufasa", password "Circle Of Life", GET /dir/index.html.
#[test]
fn rfc2617_3_5() {
    let ha1 = compute::ha1(
        Algorithm::Md5,
        "Mufasa",
        "testrealm@host.com",
        &"Circle Of Life".into(),
    );
    assert_eq!(
        hex(ha1.expose_secret()),
        "939e7578ed9e3c518a452acee763bce9",
        "HA1"
    );
    let input = DigestInput {
        algorithm: Algorithm::Md5,
        nonce: "dcd98b7102dd2f0e8b11d0f600bfb0c093",
        cnonce: Some("0a4f113b"),
        qop: Some((Qop::Auth, 1)),
        method: "GET",
        uri: "/dir/index.html",
        body_hash: None,
    };
    assert_eq!(
        hex(&compute::response(&input, &ha1).unwrap()),
        "6629fae49393a05397450978507c4ef1",
        "response"
    );
}

/// The htdigest line for the RFC 2617 section 3.5 user gives the same response.
#[test]
fn rfc2617_3_5_from_htdigest_line() {
    use httpauth_core::{CredentialQuery, CredentialStore, HashFunction, StoredCredential};
    let store = digest_auth::MemoryCredentials::from_htdigest(
        "Mufasa:testrealm@host.com:939e7578ed9e3c518a452acee763bce9\n",
    )
    .unwrap();
    let Ok(Some(StoredCredential::DigestHa1(ha1))) = store.lookup(
        "Mufasa",
        CredentialQuery::DigestHa1 {
            realm: "testrealm@host.com",
            hash: HashFunction::Md5,
        },
    ) else {
        panic!("HA1 not found")
    };
    let input = DigestInput {
        algorithm: Algorithm::Md5,
        nonce: "dcd98b7102dd2f0e8b11d0f600bfb0c093",
        cnonce: Some("0a4f113b"),
        qop: Some((Qop::Auth, 1)),
        method: "GET",
        uri: "/dir/index.html",
        body_hash: None,
    };
    assert_eq!(
        hex(&compute::response(&input, &ha1).unwrap()),
        "6629fae49393a05397450978507c4ef1"
    );
}

/// RFC 2069 compatibility (RFC 2617 section 3.2.2.1, no qop): response =
/// MD5(HA1 ":" nonce ":" HA2), on the section 3.5 inputs.
/// Regression pin, checked against Python hashlib, not another Digest implementation.
#[test]
fn rfc2617_3_2_2_1_rfc2069_mode() {
    let ha1 = compute::ha1(
        Algorithm::Md5,
        "Mufasa",
        "testrealm@host.com",
        &"Circle Of Life".into(),
    );
    let input = DigestInput {
        algorithm: Algorithm::Md5,
        nonce: "dcd98b7102dd2f0e8b11d0f600bfb0c093",
        cnonce: None,
        qop: None,
        method: "GET",
        uri: "/dir/index.html",
        body_hash: None,
    };
    // md5("939e7578ed9e3c518a452acee763bce9:dcd98b7102dd2f0e8b11d0f600bfb0c093:39aff3a2bab6126f332b942af96d3366")
    assert_eq!(
        hex(&compute::response(&input, &ha1).unwrap()),
        "670fd8c2df070c60b045671b8b24ff02"
    );
}
