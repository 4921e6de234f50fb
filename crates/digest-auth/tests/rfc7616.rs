//! Known-answer tests from RFC 7616 section 3.9, with errata 4495 (the password is
//! "Circle of Life") and 4897 (SHA-512-256 is FIPS 180-4 SHA-512/256, not truncated SHA-512).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{TestClock, server};
use digest_auth::compute::{self, DigestInput, hex};
use digest_auth::{Algorithm, DigestServer, MemoryCredentials, Qop};
use httpauth_core::{AuthParam, AuthScheme, Credentials, ParamForm, RequestContext};
use sha2::Digest as _;
use std::sync::Arc;

const NONCE_3_9_1: &str = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v";
const CNONCE_3_9_1: &str = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";

fn input_3_9_1(algorithm: Algorithm) -> DigestInput<'static> {
    DigestInput {
        algorithm,
        nonce: NONCE_3_9_1,
        cnonce: Some(CNONCE_3_9_1),
        qop: Some((Qop::Auth, 1)),
        method: "GET",
        uri: "/dir/index.html",
        body_hash: None,
    }
}

/// RFC 7616 section 3.9.1, MD5.
#[test]
fn rfc7616_3_9_1_md5() {
    let ha1 = compute::ha1(
        Algorithm::Md5,
        "Mufasa",
        "http-auth@example.org",
        &"Circle of Life".into(),
    );
    assert_eq!(
        hex(ha1.expose_secret()),
        "3d78807defe7de2157e2b0b6573a855f",
        "HA1"
    );
    assert_eq!(
        hex(&compute::response(&input_3_9_1(Algorithm::Md5), &ha1).unwrap()),
        "8ca523f5e9506fed4657c9700eebdbec",
        "response"
    );
}

/// RFC 7616 section 3.9.1, SHA-256.
#[test]
fn rfc7616_3_9_1_sha256() {
    let ha1 = compute::ha1(
        Algorithm::Sha256,
        "Mufasa",
        "http-auth@example.org",
        &"Circle of Life".into(),
    );
    assert_eq!(
        hex(ha1.expose_secret()),
        "7987c64c30e25f1b74be53f966b49b90f2808aa92faf9a00262392d7b4794232",
        "HA1"
    );
    assert_eq!(
        hex(&compute::response(&input_3_9_1(Algorithm::Sha256), &ha1).unwrap()),
        "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1",
        "response"
    );
}

/// The lighttpd extension line `user:realm:<SHA-256 HA1>` for the section 3.9.1 user.
#[test]
fn rfc7616_3_9_1_sha256_lighttpd_line() {
    use httpauth_core::{CredentialQuery, CredentialStore, HashFunction, StoredCredential};
    let uh = compute::userhash(Algorithm::Sha256, "Mufasa", "http-auth@example.org");
    let store = MemoryCredentials::from_htdigest(&format!(
        "Mufasa:http-auth@example.org:7987c64c30e25f1b74be53f966b49b90f2808aa92faf9a00262392d7b4794232:{uh}\n"
    ))
    .unwrap();
    let Ok(Some(StoredCredential::DigestHa1(ha1))) = store.lookup(
        "Mufasa",
        CredentialQuery::DigestHa1 {
            realm: "http-auth@example.org",
            hash: HashFunction::Sha256,
        },
    ) else {
        panic!("HA1 not found")
    };
    assert_eq!(
        hex(&compute::response(&input_3_9_1(Algorithm::Sha256), &ha1).unwrap()),
        "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"
    );
    assert_eq!(
        store
            .find_by_userhash(
                "http-auth@example.org",
                HashFunction::Sha256,
                &compute::unhex(&uh).unwrap()
            )
            .unwrap()
            .as_deref(),
        Some("Mufasa")
    );
}

const USER_3_9_2: &str = "J\u{e4}s\u{f8}n Doe";
const REALM_3_9_2: &str = "api@example.org";
const NONCE_3_9_2: &str = "5TsQWLVdgBdmrQ0XsxbDODV+57QdFR34I9HAbC/RVvkK";
const CNONCE_3_9_2: &str = "NTg6RKcb9boFIAS3KrFK9BGeh+iDa/sm6jUMp2wds69v";

/// RFC 7616 section 3.9.2 (SHA-512-256, userhash, non-ASCII user name), with the values
/// corrected by erratum 4897: the RFC's printed values were computed with truncated
/// SHA-512.
#[test]
fn rfc7616_3_9_2_sha512_256_erratum_4897() {
    assert_eq!(
        compute::userhash(Algorithm::Sha512_256, USER_3_9_2, REALM_3_9_2),
        "793263caabb707a56211940d90411ea4a575adeccb7e360aeb624ed06ece9b0b",
        "userhash"
    );
    let ha1 = compute::ha1(
        Algorithm::Sha512_256,
        USER_3_9_2,
        REALM_3_9_2,
        &"Secret, or not?".into(),
    );
    assert_eq!(
        hex(ha1.expose_secret()),
        "2d3d9f12c9f3d30011259dc5fecee005ae24de40e3e1f61806d03e65f1e6024f",
        "HA1"
    );
    let input = DigestInput {
        algorithm: Algorithm::Sha512_256,
        nonce: NONCE_3_9_2,
        cnonce: Some(CNONCE_3_9_2),
        qop: Some((Qop::Auth, 1)),
        method: "GET",
        uri: "/doe.json",
        body_hash: None,
    };
    assert_eq!(
        hex(&compute::response(&input, &ha1).unwrap()),
        "3798d4131c277846293534c3edc11bd8a5e4cdcbff78b05db9d95eeb1cec68a5",
        "response"
    );
}

/// H = SHA-512 truncated to 256 bits, the mistake behind erratum 4897.
fn trunc512(s: &str) -> String {
    hex(&sha2::Sha512::digest(s.as_bytes())[..32])
}

/// The values printed in RFC 7616 section 3.9.2 before erratum 4897 are truncated
/// SHA-512; this crate computes something else, and a server refuses such a response.
#[test]
fn rfc7616_3_9_2_truncated_sha512_is_not_sha512_256() {
    // The printed (wrong) values are reproduced by truncated SHA-512 ...
    assert_eq!(
        trunc512(&format!("{USER_3_9_2}:{REALM_3_9_2}")),
        "488869477bf257147b804c45308cd62ac4e25eb717b12b298c79e62dcea254ec"
    );
    let t_ha1 = trunc512(&format!("{USER_3_9_2}:{REALM_3_9_2}:Secret, or not?"));
    let t_ha2 = trunc512("GET:/doe.json");
    assert_eq!(
        trunc512(&format!(
            "{t_ha1}:{NONCE_3_9_2}:00000001:{CNONCE_3_9_2}:auth:{t_ha2}"
        )),
        "ae66e67d6b427bd3f120414a82e4acff38e8ecd9101d6c861229025f607a79dd"
    );
    // ... which this crate does not produce.
    assert_ne!(
        compute::userhash(Algorithm::Sha512_256, USER_3_9_2, REALM_3_9_2),
        "488869477bf257147b804c45308cd62ac4e25eb717b12b298c79e62dcea254ec"
    );

    // A server offering SHA-512-256 refuses a truncated-SHA-512 response on a nonce it
    // minted, and accepts the FIPS one.
    let clock = TestClock::new();
    let mut creds = MemoryCredentials::new();
    creds.add_password(USER_3_9_2, "Secret, or not?".into());
    let srv = DigestServer::builder(REALM_3_9_2, Arc::new(creds))
        .algorithms(&[Algorithm::Sha512_256])
        .userhash(true)
        .nonce_key(common::key())
        .clock(clock)
        .build()
        .unwrap();
    let nonce = srv.mint_nonce().unwrap();
    let req = RequestContext::new("GET", "/doe.json", "https", "api.example.org");
    let make = |username: &str, response: &str| {
        Credentials::new("Digest")
            .unwrap()
            .param(AuthParam::quoted("username", username).unwrap())
            .unwrap()
            .param(AuthParam::quoted("realm", REALM_3_9_2).unwrap())
            .unwrap()
            .param(AuthParam::quoted("uri", "/doe.json").unwrap())
            .unwrap()
            .param(AuthParam::token("algorithm", "SHA-512-256").unwrap())
            .unwrap()
            .param(AuthParam::quoted("nonce", nonce.as_str()).unwrap())
            .unwrap()
            .param(AuthParam::token("nc", "00000001").unwrap())
            .unwrap()
            .param(AuthParam::quoted("cnonce", CNONCE_3_9_2).unwrap())
            .unwrap()
            .param(AuthParam::token("qop", "auth").unwrap())
            .unwrap()
            .param(AuthParam::quoted("response", response).unwrap())
            .unwrap()
            .param(AuthParam::quoted("opaque", srv.opaque()).unwrap())
            .unwrap()
            .param(AuthParam::token("userhash", "true").unwrap())
            .unwrap()
    };
    let t_resp = trunc512(&format!(
        "{t_ha1}:{nonce}:00000001:{CNONCE_3_9_2}:auth:{t_ha2}"
    ));
    let t_uh = trunc512(&format!("{USER_3_9_2}:{REALM_3_9_2}"));
    assert!(
        !srv.authenticate(&req, &make(&t_uh, &t_resp))
            .is_authenticated()
    );
    let uh = compute::userhash(Algorithm::Sha512_256, USER_3_9_2, REALM_3_9_2);
    // Truncated-SHA-512 response with the right userhash: still refused.
    assert!(
        !srv.authenticate(&req, &make(&uh, &t_resp))
            .is_authenticated()
    );
    let ha1 = compute::ha1(
        Algorithm::Sha512_256,
        USER_3_9_2,
        REALM_3_9_2,
        &"Secret, or not?".into(),
    );
    let good = hex(&compute::response(
        &DigestInput {
            algorithm: Algorithm::Sha512_256,
            nonce: &nonce,
            cnonce: Some(CNONCE_3_9_2),
            qop: Some((Qop::Auth, 1)),
            method: "GET",
            uri: "/doe.json",
            body_hash: None,
        },
        &ha1,
    )
    .unwrap());
    let outcome = srv.authenticate(&req, &make(&uh, &good));
    assert_eq!(
        outcome.principal().map(|p| p.user.as_str()),
        Some(USER_3_9_2)
    );
}

/// RFC 7616 section 3.9.2 sent without userhash: the non-ASCII name travels as
/// `username*` (RFC 8187), decoded by the header parser into an extended parameter.
#[test]
fn rfc7616_3_9_2_username_star() {
    let clock = TestClock::new();
    let mut creds = MemoryCredentials::new();
    creds.add_password(USER_3_9_2, "Secret, or not?".into());
    let srv = DigestServer::builder(REALM_3_9_2, Arc::new(creds))
        .algorithms(&[Algorithm::Sha512_256])
        .nonce_key(common::key())
        .clock(clock)
        .build()
        .unwrap();
    let challenges = srv.challenges(&RequestContext::new("GET", "/doe.json", "https", "a"));
    let mut client = digest_auth::DigestClient::new(USER_3_9_2, "Secret, or not?".into());
    let auth = client
        .respond(&challenges, "GET", "/doe.json", None)
        .unwrap();
    let u = auth.credentials().get("username").unwrap();
    assert_eq!(u.form(), ParamForm::Extended);
    assert_eq!(u.value(), USER_3_9_2);
    let req = RequestContext::new("GET", "/doe.json", "https", "a");
    assert!(
        srv.authenticate(&req, auth.credentials())
            .is_authenticated()
    );
    let _ = server("unused", TestClock::new());
}
