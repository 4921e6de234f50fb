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

/// Issue 14: the default algorithms are what the credential store holds; explicit ones
/// it cannot answer make `build()` fail with an error naming them and the store.
#[test]
fn algorithms_follow_the_credential_store() {
    use digest_auth::Error;
    use httpauth_core::{CredentialQuery, CredentialStore, HashFunction, StoredCredential};
    let md5 = || {
        Arc::new(
            MemoryCredentials::from_htdigest(include_str!("data/apache_htdigest_md5")).unwrap(),
        )
    };
    let srv = DigestServer::builder("apache realm@example.org", md5())
        .build()
        .unwrap();
    assert_eq!(srv.algorithms(), [Algorithm::Md5]);
    assert!(login(&srv, "Mufasa", "Circle of Life"));
    // A store of passwords can answer anything: the defaults stay.
    let mut pw = MemoryCredentials::new();
    pw.add_password("Mufasa", "Circle of Life".into());
    let srv = DigestServer::builder("r", Arc::new(pw)).build().unwrap();
    assert_eq!(srv.algorithms(), digest_auth::DEFAULT_ALGORITHMS);
    // Explicit algorithms the file cannot answer.
    let err = DigestServer::builder("apache realm@example.org", md5())
        .algorithms(&[Algorithm::Sha256, Algorithm::Md5, Algorithm::Sha512_256Sess])
        .build()
        .unwrap_err();
    let Error::AlgorithmsNotInStore {
        algorithms, held, ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(algorithms, "SHA-256, SHA-512-256-sess");
    assert_eq!(held, "MD5");
    // A store that names itself is named in the message.
    struct Named;
    impl CredentialStore for Named {
        fn lookup(
            &self,
            _: &str,
            _: CredentialQuery<'_>,
        ) -> Result<Option<StoredCredential>, httpauth_core::Error> {
            Ok(None)
        }
        fn digest_hashes(&self) -> Option<Vec<HashFunction>> {
            Some(vec![HashFunction::Md5])
        }
        fn description(&self) -> Option<String> {
            Some("/etc/apache2/.htdigest".into())
        }
    }
    let err = DigestServer::builder("r", Arc::new(Named))
        .algorithms(&[Algorithm::Sha256])
        .build()
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("/etc/apache2/.htdigest") && err.contains("SHA-256") && err.contains("MD5"),
        "{err}"
    );
    // A store holding no hash the defaults can use at all.
    struct Sha512Only;
    impl CredentialStore for Sha512Only {
        fn lookup(
            &self,
            _: &str,
            _: CredentialQuery<'_>,
        ) -> Result<Option<StoredCredential>, httpauth_core::Error> {
            Ok(None)
        }
        fn digest_hashes(&self) -> Option<Vec<HashFunction>> {
            Some(vec![HashFunction::Sha512])
        }
    }
    assert!(matches!(
        DigestServer::builder("r", Arc::new(Sha512Only)).build(),
        Err(Error::AlgorithmsNotInStore { .. })
    ));
}
