//! Server behaviour: replay windows, stale nonces, uri checks, userhash, auth-int,
//! RFC 2069 mode, failures that do not enumerate users, store failures.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{TestClock, key, server};
use digest_auth::compute::{self, DigestInput, hex};
use digest_auth::{
    Algorithm, BodyHasher, DigestClient, DigestServer, MemoryCredentials, NonceStatus, Qop,
};
use httpauth_core::{
    AuthFailure, AuthParam, AuthParams, AuthScheme, CasOutcome, Challenge, CountCheck,
    CredentialQuery, CredentialStore, Credentials, EvictionClass, FailureKind, FailureReason,
    Outcome, RequestContext, SecretBytes, SessionStore, StoreEntry, StoredCredential,
};
use std::sync::Arc;
use std::time::Duration;

const REALM: &str = "http-auth@example.org";

fn req<'a>(method: &'a str, target: &'a str) -> RequestContext<'a> {
    RequestContext::new(method, target, "https", "example.org")
}

fn failure(o: Outcome) -> AuthFailure {
    match o {
        Outcome::Failed(f) => f,
        other => panic!("expected failure, got {other:?}"),
    }
}

/// Credentials built by hand, to control nc and the response.
struct Manual {
    alg: Algorithm,
    user: String,
    password: String,
    nonce: String,
    opaque: String,
    cnonce: String,
}

impl Manual {
    fn new(srv: &DigestServer, alg: Algorithm) -> Self {
        Self {
            alg,
            user: "Mufasa".into(),
            password: "Circle of Life".into(),
            nonce: srv.mint_nonce().unwrap(),
            opaque: srv.opaque().into(),
            cnonce: "0a4f113b".into(),
        }
    }

    fn creds(&self, method: &str, uri: &str, nc: u32) -> Credentials {
        let ha1 = compute::ha1(self.alg, &self.user, REALM, &self.password.as_str().into());
        let resp = compute::response(
            &DigestInput {
                algorithm: self.alg,
                nonce: &self.nonce,
                cnonce: Some(&self.cnonce),
                qop: Some((Qop::Auth, nc)),
                method,
                uri,
                body_hash: None,
            },
            &ha1,
        )
        .unwrap();
        self.with_response(uri, nc, &hex(&resp))
    }

    fn with_response(&self, uri: &str, nc: u32, response: &str) -> Credentials {
        let ps = AuthParams::new()
            .with(AuthParam::quoted("username", self.user.as_str()).unwrap())
            .unwrap()
            .with(AuthParam::quoted("realm", REALM).unwrap())
            .unwrap()
            .with(AuthParam::quoted("uri", uri).unwrap())
            .unwrap()
            .with(AuthParam::token("algorithm", self.alg.as_str()).unwrap())
            .unwrap()
            .with(AuthParam::quoted("nonce", self.nonce.as_str()).unwrap())
            .unwrap()
            .with(AuthParam::token("nc", format!("{nc:08x}")).unwrap())
            .unwrap()
            .with(AuthParam::quoted("cnonce", self.cnonce.as_str()).unwrap())
            .unwrap()
            .with(AuthParam::token("qop", "auth").unwrap())
            .unwrap()
            .with(AuthParam::quoted("response", response).unwrap())
            .unwrap()
            .with(AuthParam::quoted("opaque", self.opaque.as_str()).unwrap())
            .unwrap();
        Credentials::with_params("Digest", ps).unwrap()
    }
}

#[test]
fn challenges_strongest_first_with_required_forms() {
    let srv = server(REALM, TestClock::new());
    let cs = srv.challenges(&req("GET", "/"));
    let algs: Vec<&str> = cs.iter().map(|c| c.value("algorithm").unwrap()).collect();
    assert_eq!(
        algs,
        [
            "SHA-512-256",
            "SHA-512-256-sess",
            "SHA-256",
            "SHA-256-sess",
            "MD5",
            "MD5-sess"
        ]
    );
    let c = &cs[0];
    assert_eq!(c.value("realm"), Some(REALM));
    assert_eq!(c.value("qop"), Some("auth, auth-int"));
    assert_eq!(c.value("charset"), Some("UTF-8"));
    assert_eq!(
        c.get("algorithm").unwrap().form(),
        httpauth_core::ParamForm::Token
    );
    assert_eq!(
        c.get("qop").unwrap().form(),
        httpauth_core::ParamForm::Quoted
    );
    assert!(c.value("stale").is_none());
    assert!(c.value("userhash").is_none());
    // Each challenge has its own nonce.
    assert_ne!(cs[0].value("nonce"), cs[1].value("nonce"));
    // Defaults offer no MD5.
    let d = DigestServer::builder(REALM, Arc::new(MemoryCredentials::new()))
        .build()
        .unwrap();
    let algs: Vec<String> = d
        .challenges(&req("GET", "/"))
        .iter()
        .map(|c| c.value("algorithm").unwrap().to_owned())
        .collect();
    assert_eq!(algs, ["SHA-512-256", "SHA-256"]);
}

#[test]
fn every_algorithm_authenticates_with_rspauth() {
    let srv = server(REALM, TestClock::new());
    for &alg in digest_auth::ALL_ALGORITHMS {
        let m = Manual::new(&srv, alg);
        let o = srv.authenticate(&req("GET", "/a?b=c"), &m.creds("GET", "/a?b=c", 1));
        let Outcome::Authenticated {
            principal, info, ..
        } = o
        else {
            panic!("{alg}: {o:?}")
        };
        assert_eq!(principal.user, "Mufasa");
        assert_eq!(principal.realm.as_deref(), Some(REALM));
        let ha1 = compute::ha1(alg, "Mufasa", REALM, &"Circle of Life".into());
        let expect = compute::rspauth(
            &DigestInput {
                algorithm: alg,
                nonce: &m.nonce,
                cnonce: Some(&m.cnonce),
                qop: Some((Qop::Auth, 1)),
                method: "GET",
                uri: "/a?b=c",
                body_hash: None,
            },
            &ha1,
        )
        .unwrap();
        assert_eq!(info.value("rspauth"), Some(hex(&expect).as_str()));
        assert_eq!(info.value("nc"), Some("00000001"));
        assert_eq!(info.value("qop"), Some("auth"));
        assert_eq!(info.value("cnonce"), Some("0a4f113b"));
        assert!(info.value("nextnonce").is_none());
    }
}

#[test]
fn replay_rejected_out_of_order_accepted() {
    let srv = server(REALM, TestClock::new());
    let m = Manual::new(&srv, Algorithm::Sha256);
    let r = req("GET", "/");
    assert!(
        srv.authenticate(&r, &m.creds("GET", "/", 1))
            .is_authenticated()
    );
    // Same (nonce, nc) again: rejected.
    let f = failure(srv.authenticate(&r, &m.creds("GET", "/", 1)));
    assert_eq!(f.reason(), FailureReason::Replay);
    // Parallel browser requests: 3 arrives before 2. Both accepted, once.
    assert!(
        srv.authenticate(&r, &m.creds("GET", "/", 3))
            .is_authenticated()
    );
    assert!(
        srv.authenticate(&r, &m.creds("GET", "/", 2))
            .is_authenticated()
    );
    assert_eq!(
        failure(srv.authenticate(&r, &m.creds("GET", "/", 2))).reason(),
        FailureReason::Replay
    );
    assert_eq!(
        failure(srv.authenticate(&r, &m.creds("GET", "/", 3))).reason(),
        FailureReason::Replay
    );
    // Far ahead, then an old one outside the window of 128.
    assert!(
        srv.authenticate(&r, &m.creds("GET", "/", 300))
            .is_authenticated()
    );
    assert_eq!(
        failure(srv.authenticate(&r, &m.creds("GET", "/", 100))).reason(),
        FailureReason::Replay
    );
    assert!(
        srv.authenticate(&r, &m.creds("GET", "/", 250))
            .is_authenticated()
    );
    // A replay is answered with fresh stale=true challenges (the digest was right).
    let f = failure(srv.authenticate(&r, &m.creds("GET", "/", 250)));
    assert_eq!(f.kind(), FailureKind::Stale);
    assert!(
        f.challenges()
            .iter()
            .all(|c| c.value("stale") == Some("true"))
    );
    // Another nonce has its own window.
    let m2 = Manual::new(&srv, Algorithm::Sha256);
    assert!(
        srv.authenticate(&r, &m2.creds("GET", "/", 1))
            .is_authenticated()
    );
}

#[test]
fn expired_nonce_stale_only_with_correct_digest() {
    let clock = TestClock::new();
    let srv = server(REALM, clock.clone());
    let m = Manual::new(&srv, Algorithm::Sha256);
    let r = req("GET", "/");
    clock.advance(Duration::from_secs(301));
    assert_eq!(srv.check_nonce(&m.nonce), NonceStatus::Expired);
    // Correct digest: stale=true challenges, one per algorithm.
    let f = failure(srv.authenticate(&r, &m.creds("GET", "/", 1)));
    assert_eq!(f.kind(), FailureKind::Stale);
    assert_eq!(f.reason(), FailureReason::Expired);
    assert_eq!(f.http_status(false), 401);
    assert_eq!(f.challenges().len(), 6);
    for c in f.challenges() {
        assert_eq!(c.value("stale"), Some("true"));
        assert_eq!(
            c.get("stale").unwrap().form(),
            httpauth_core::ParamForm::Token
        );
        assert_eq!(
            srv.check_nonce(c.value("nonce").unwrap()),
            NonceStatus::Valid {
                remaining: Duration::from_secs(300)
            }
        );
    }
    // Wrong digest on the same expired nonce: a plain 401 with default challenges.
    let bad = m.with_response("/", 1, &"0".repeat(64));
    let f = failure(srv.authenticate(&r, &bad));
    assert_eq!(f.kind(), FailureKind::Unauthorized);
    assert_eq!(f.reason(), FailureReason::BadCredentials);
    assert!(f.challenges().is_empty());
    // Wrong password on the expired nonce: plain 401 too.
    let mut wrong = Manual {
        password: "circle of life".into(),
        ..m
    };
    wrong.nonce = wrong.nonce.clone();
    assert_eq!(
        failure(srv.authenticate(&r, &wrong.creds("GET", "/", 1))).kind(),
        FailureKind::Unauthorized
    );
}

#[test]
fn forged_or_foreign_nonce_is_plain_failure() {
    let srv = server(REALM, TestClock::new());
    let r = req("GET", "/");
    let mut m = Manual::new(&srv, Algorithm::Sha256);
    // A nonce of another server (other key): plain 401 even with a correct digest.
    let other = DigestServer::builder(REALM, Arc::new(MemoryCredentials::new()))
        .opaque(srv.opaque())
        .build()
        .unwrap();
    m.nonce = other.mint_nonce().unwrap();
    let f = failure(srv.authenticate(&r, &m.creds("GET", "/", 1)));
    assert_eq!(
        (f.kind(), f.reason()),
        (FailureKind::Unauthorized, FailureReason::BadNonce)
    );
    assert!(f.challenges().is_empty());
    m.nonce = "dcd98b7102dd2f0e8b11d0f600bfb0c093".into();
    let f = failure(srv.authenticate(&r, &m.creds("GET", "/", 1)));
    assert_eq!(
        (f.kind(), f.reason()),
        (FailureKind::Unauthorized, FailureReason::BadNonce)
    );
}

/// A restart with the same nonce key but a new (empty) session store: the old process's
/// windows are gone, so its nonces are stale (never fresh: their captured requests could
/// otherwise be replayed), and the client continues with the nonce of the stale challenge.
#[test]
fn nonces_of_a_restarted_store_are_stale_then_recover() {
    let clock = TestClock::new();
    let a = server(REALM, clock.clone());
    let b = server(REALM, clock); // same key, separate session store
    let mut m = Manual::new(&a, Algorithm::Sha512_256);
    assert!(
        a.authenticate(&req("GET", "/"), &m.creds("GET", "/", 1))
            .is_authenticated()
    );
    let f = failure(b.authenticate(&req("GET", "/"), &m.creds("GET", "/", 1)));
    assert_eq!(
        (f.kind(), f.reason()),
        (FailureKind::Stale, FailureReason::Expired)
    );
    let c = f
        .challenges()
        .iter()
        .find(|c| c.value("algorithm") == Some("SHA-512-256"))
        .unwrap();
    assert_eq!(c.value("stale"), Some("true"));
    m.nonce = c.value("nonce").unwrap().to_owned();
    assert!(
        b.authenticate(&req("GET", "/"), &m.creds("GET", "/", 1))
            .is_authenticated()
    );
    assert_eq!(a.opaque(), b.opaque());
}

#[test]
fn shared_session_store_detects_replay_across_instances() {
    let clock = TestClock::new();
    let store: Arc<dyn SessionStore> = Arc::new(httpauth_core::MemoryStore::with_clock(
        Default::default(),
        clock.clone(),
    ));
    let mk = || {
        DigestServer::builder(REALM, Arc::new(common::credentials(REALM)))
            .nonce_key(key())
            .clock(clock.clone())
            .session_store(store.clone())
            .build()
            .unwrap()
    };
    let (a, b) = (mk(), mk());
    let m = Manual::new(&a, Algorithm::Sha256);
    assert!(
        a.authenticate(&req("GET", "/"), &m.creds("GET", "/", 1))
            .is_authenticated()
    );
    assert!(
        !b.authenticate(&req("GET", "/"), &m.creds("GET", "/", 1))
            .is_authenticated()
    );
}

#[test]
fn uri_must_match_request_target() {
    let srv = server(REALM, TestClock::new());
    let m = Manual::new(&srv, Algorithm::Sha256);
    let f = failure(srv.authenticate(&req("GET", "/other"), &m.creds("GET", "/dir/index.html", 1)));
    assert_eq!(f.kind(), FailureKind::BadRequest);
    assert_eq!(f.reason(), FailureReason::UriMismatch);
    assert_eq!(f.http_status(false), 400);
    // The query is part of the resource.
    let f = failure(srv.authenticate(&req("GET", "/a?x=1"), &m.creds("GET", "/a?x=2", 2)));
    assert_eq!(f.kind(), FailureKind::BadRequest);
    // Absolute-form in the credentials for an origin-form request-target.
    assert!(
        srv.authenticate(
            &req("GET", "/a?x=1"),
            &m.creds("GET", "https://EXAMPLE.org:443/a?x=1", 3)
        )
        .is_authenticated()
    );
    let f = failure(srv.authenticate(
        &req("GET", "/a"),
        &m.creds("GET", "https://evil.example/a", 4),
    ));
    assert_eq!(f.kind(), FailureKind::BadRequest);
    let f = failure(srv.authenticate(
        &req("GET", "/a"),
        &m.creds("GET", "http://example.org/a", 5),
    ));
    assert_eq!(f.kind(), FailureKind::BadRequest);
}

#[test]
fn realm_opaque_algorithm_and_qop_must_be_offered() {
    let srv = DigestServer::builder(REALM, Arc::new(common::credentials(REALM)))
        .algorithms(&[Algorithm::Sha256])
        .qops(&[Qop::Auth])
        .nonce_key(key())
        .build()
        .unwrap();
    let r = req("GET", "/");
    // MD5 not offered.
    let m = Manual::new(&srv, Algorithm::Md5);
    assert_eq!(
        failure(srv.authenticate(&r, &m.creds("GET", "/", 1))).reason(),
        FailureReason::Disallowed
    );
    // Wrong opaque.
    let mut m = Manual::new(&srv, Algorithm::Sha256);
    m.opaque = "x".into();
    assert_eq!(
        failure(srv.authenticate(&r, &m.creds("GET", "/", 1))).reason(),
        FailureReason::Mismatch
    );
    // Wrong realm.
    let m = Manual::new(&srv, Algorithm::Sha256);
    let mut ps = m.creds("GET", "/", 1).param_list().unwrap().clone();
    ps.set(AuthParam::quoted("realm", "other").unwrap());
    let c = Credentials::with_params("Digest", ps.clone()).unwrap();
    assert_eq!(
        failure(srv.authenticate(&r, &c)).reason(),
        FailureReason::Mismatch
    );
    // auth-int not offered.
    ps.set(AuthParam::quoted("realm", REALM).unwrap());
    ps.set(AuthParam::token("qop", "auth-int").unwrap());
    let c = Credentials::with_params("Digest", ps.clone()).unwrap();
    assert_eq!(
        failure(srv.authenticate(&r, &c)).reason(),
        FailureReason::Disallowed
    );
    // RFC 2069 (no qop) not enabled.
    ps.remove("qop");
    ps.remove("nc");
    ps.remove("cnonce");
    let c = Credentials::with_params("Digest", ps).unwrap();
    assert_eq!(
        failure(srv.authenticate(&r, &c)).reason(),
        FailureReason::Disallowed
    );
}

#[test]
fn malformed_credentials_are_bad_requests() {
    let srv = server(REALM, TestClock::new());
    let m = Manual::new(&srv, Algorithm::Sha256);
    let r = req("GET", "/");
    let good = m.creds("GET", "/", 1);
    let base = good.param_list().unwrap().clone();
    let variants: Vec<(&str, Option<&str>)> = vec![
        ("username", None),
        ("nonce", None),
        ("uri", None),
        ("response", None),
        ("realm", None),
        ("nc", Some("1")),
        ("nc", Some("0000000g")),
        ("nc", Some("00000000")),
        ("nc", None),
        ("cnonce", None),
        ("userhash", Some("maybe")),
    ];
    for (name, value) in variants {
        let mut ps = base.clone();
        match value {
            Some(v) => ps.set(AuthParam::new(name, v).unwrap()),
            None => {
                ps.remove(name);
            }
        }
        let f = failure(srv.authenticate(&r, &Credentials::with_params("Digest", ps).unwrap()));
        assert_eq!(f.kind(), FailureKind::BadRequest, "{name} = {value:?}");
    }
    let t68 = Credentials::with_token68("Digest", "abc").unwrap();
    assert_eq!(
        failure(srv.authenticate(&r, &t68)).kind(),
        FailureKind::BadRequest
    );
    let other = Credentials::new("Basic").unwrap();
    assert_eq!(
        failure(srv.authenticate(&r, &other)).reason(),
        FailureReason::NoCredentials
    );
    // Unknown algorithm: not malformed, just not offered.
    let mut ps = base;
    ps.set(AuthParam::token("algorithm", "SHA-512").unwrap());
    assert_eq!(
        failure(srv.authenticate(&r, &Credentials::with_params("Digest", ps).unwrap())).reason(),
        FailureReason::Disallowed
    );
}

#[test]
fn unknown_user_wrong_password_bad_nonce_look_the_same() {
    let srv = server(REALM, TestClock::new());
    let r = req("GET", "/");
    let mut unknown = Manual::new(&srv, Algorithm::Sha256);
    unknown.user = "Scar".into();
    let mut wrong = Manual::new(&srv, Algorithm::Sha256);
    wrong.password = "hakuna matata".into();
    let mut forged = Manual::new(&srv, Algorithm::Sha256);
    forged.nonce = forged.nonce.replace(|c: char| c.is_ascii_digit(), "A");
    let fs: Vec<AuthFailure> = [unknown, wrong, forged]
        .iter()
        .map(|m| failure(srv.authenticate(&r, &m.creds("GET", "/", 1))))
        .collect();
    for f in &fs {
        assert_eq!(f.kind(), FailureKind::Unauthorized);
        assert_eq!(f.to_string(), "authentication failed");
        assert!(f.challenges().is_empty());
        assert_eq!(f.http_status(false), 401);
    }
    assert_eq!(
        fs.iter().map(AuthFailure::reason).collect::<Vec<_>>(),
        [
            FailureReason::UnknownUser,
            FailureReason::BadCredentials,
            FailureReason::BadNonce
        ]
    );
}

#[test]
fn ha1_only_user_and_store_fallback() {
    let srv = server(REALM, TestClock::new());
    for alg in [Algorithm::Md5, Algorithm::Sha256Sess, Algorithm::Sha512_256] {
        let mut m = Manual::new(&srv, alg);
        m.user = "ha1user".into();
        m.password = "ha1 password".into();
        assert!(
            srv.authenticate(&req("GET", "/"), &m.creds("GET", "/", 1))
                .is_authenticated(),
            "{alg}"
        );
    }
}

#[test]
fn userhash_lookup() {
    let clock = TestClock::new();
    let srv = DigestServer::builder(REALM, Arc::new(common::credentials(REALM)))
        .algorithms(&[Algorithm::Sha256, Algorithm::Md5])
        .userhash(true)
        .nonce_key(key())
        .clock(clock)
        .build()
        .unwrap();
    let cs = srv.challenges(&req("GET", "/"));
    assert!(cs.iter().all(|c| c.value("userhash") == Some("true")));
    for user in ["Mufasa", "ha1user"] {
        let pw = if user == "Mufasa" {
            "Circle of Life"
        } else {
            "ha1 password"
        };
        let mut client = DigestClient::new(user, pw.into());
        // Fresh challenges per user: the same (nonce, nc) is accepted once only.
        let cs = srv.challenges(&req("GET", "/"));
        let a = client.respond(&cs, "GET", "/", None).unwrap();
        assert_eq!(a.credentials().value("userhash"), Some("true"));
        assert_eq!(
            a.credentials().value("username"),
            Some(compute::userhash(Algorithm::Sha256, user, REALM).as_str())
        );
        let o = srv.authenticate(&req("GET", "/"), a.credentials());
        assert_eq!(o.principal().map(|p| p.user.as_str()), Some(user), "{o:?}");
    }
    // A userhash of nobody.
    let mut m = Manual::new(&srv, Algorithm::Sha256);
    m.user = compute::userhash(Algorithm::Sha256, "Scar", REALM);
    let mut ps = m.creds("GET", "/", 1).param_list().unwrap().clone();
    ps.set(AuthParam::token("userhash", "true").unwrap());
    let f = failure(srv.authenticate(
        &req("GET", "/"),
        &Credentials::with_params("Digest", ps).unwrap(),
    ));
    assert_eq!(f.reason(), FailureReason::UnknownUser);
    // A server that did not offer userhash refuses it.
    let plain = server(REALM, TestClock::new());
    let mut client = DigestClient::new("Mufasa", "Circle of Life".into());
    let a = client.respond(&cs, "GET", "/", None).unwrap();
    assert_eq!(
        failure(plain.authenticate(&req("GET", "/"), a.credentials())).reason(),
        FailureReason::Disallowed
    );
}

#[test]
fn auth_int_hashes_the_request_body() {
    let srv = server(REALM, TestClock::new());
    let cs = srv.challenges(&req("POST", "/upload"));
    let body = b"name=value&x=1".repeat(1000);
    let digests = BodyHasher::digest_all(&[Algorithm::Sha512_256.hash()], &body);
    let mut client = DigestClient::new("Mufasa", "Circle of Life".into());
    let a = client
        .respond(&cs, "POST", "/upload", Some(&digests))
        .unwrap();
    assert_eq!(a.qop(), Some(Qop::AuthInt));
    // The server streams the body through a BodyHasher.
    let mut h = BodyHasher::for_digest();
    for chunk in body.chunks(4096) {
        h.update(chunk);
    }
    let server_digests = h.finish();
    let r = req("POST", "/upload").with_body(&server_digests);
    let v = srv.verify(&r, a.credentials()).unwrap();
    assert_eq!(v.qop(), Some(Qop::AuthInt));
    // rspauth for auth-int covers the response body.
    let response_body = BodyHasher::digest_all(&[Algorithm::Sha512_256.hash()], b"created");
    let info = v.authentication_info(response_body.get(Algorithm::Sha512_256.hash()));
    client
        .verify_authentication_info(&a, &info, Some(&response_body))
        .unwrap();
    // The trait path sends no rspauth for auth-int (the response body is unknown there).
    let a2 = client
        .authorize("POST", "/upload", Some(&digests))
        .unwrap()
        .unwrap();
    let Outcome::Authenticated { info, .. } = srv.authenticate(&r, a2.credentials()) else {
        panic!()
    };
    assert!(info.value("rspauth").is_none());
    // A tampered body fails.
    let mut tampered = body.clone();
    tampered[10] ^= 1;
    let td = BodyHasher::digest_all(&[Algorithm::Sha512_256.hash()], &tampered);
    let a3 = client
        .authorize("POST", "/upload", Some(&digests))
        .unwrap()
        .unwrap();
    let f = failure(srv.authenticate(&req("POST", "/upload").with_body(&td), a3.credentials()));
    assert_eq!(f.reason(), FailureReason::BadCredentials);
    // No body digest available at the server: refused.
    let a4 = client
        .authorize("POST", "/upload", Some(&digests))
        .unwrap()
        .unwrap();
    assert_eq!(
        failure(srv.authenticate(&req("POST", "/upload"), a4.credentials())).reason(),
        FailureReason::Disallowed
    );
}

#[test]
fn rfc2069_mode_only_when_enabled_and_single_use() {
    let clock = TestClock::new();
    let srv = DigestServer::builder(REALM, Arc::new(common::credentials(REALM)))
        .algorithms(&[Algorithm::Md5])
        .qops(&[])
        .allow_rfc2069_legacy(true)
        .nonce_key(key())
        .clock(clock)
        .build()
        .unwrap();
    let cs = srv.challenges(&req("GET", "/"));
    assert!(cs[0].value("qop").is_none());
    let mut client = DigestClient::new("Mufasa", "Circle of Life".into());
    let a = client.respond(&cs, "GET", "/", None).unwrap();
    assert_eq!(a.qop(), None);
    assert!(a.credentials().value("cnonce").is_none());
    assert!(a.credentials().value("nc").is_none());
    let Outcome::Authenticated { info, .. } = srv.authenticate(&req("GET", "/"), a.credentials())
    else {
        panic!()
    };
    client.verify_authentication_info(&a, &info, None).unwrap();
    // The nonce cannot be used twice (no nc to tell requests apart): stale=true.
    let a2 = client.authorize("GET", "/", None).unwrap().unwrap();
    let f = failure(srv.authenticate(&req("GET", "/"), a2.credentials()));
    assert_eq!(f.kind(), FailureKind::Stale);
    let a3 = client.respond(f.challenges(), "GET", "/", None).unwrap();
    assert!(
        srv.authenticate(&req("GET", "/"), a3.credentials())
            .is_authenticated()
    );
    // A client refusing RFC 2069 finds nothing to answer.
    let mut strict =
        DigestClient::new("Mufasa", "Circle of Life".into()).allow_rfc2069_legacy(false);
    assert_eq!(
        strict.respond(&cs, "GET", "/", None).err(),
        Some(digest_auth::Error::NoSupportedChallenge)
    );
    // Configuration without qop and without RFC 2069 is refused.
    assert!(
        DigestServer::builder(REALM, Arc::new(MemoryCredentials::new()))
            .qops(&[])
            .build()
            .is_err()
    );
}

#[test]
fn nextnonce_near_expiry_and_client_honours_it() {
    let clock = TestClock::new();
    let srv = server(REALM, clock.clone());
    let cs = srv.challenges(&req("GET", "/"));
    let mut client = DigestClient::new("Mufasa", "Circle of Life".into());
    let a = client.respond(&cs, "GET", "/", None).unwrap();
    let Outcome::Authenticated { info, .. } = srv.authenticate(&req("GET", "/"), a.credentials())
    else {
        panic!()
    };
    assert!(info.value("nextnonce").is_none());
    client.verify_authentication_info(&a, &info, None).unwrap();
    let first = client.current_nonce().unwrap().to_owned();
    clock.advance(Duration::from_secs(250));
    let a = client.authorize("GET", "/x", None).unwrap().unwrap();
    assert_eq!(a.credentials().value("nc"), Some("00000002"));
    let Outcome::Authenticated { info, .. } = srv.authenticate(&req("GET", "/x"), a.credentials())
    else {
        panic!()
    };
    let next = info.value("nextnonce").unwrap().to_owned();
    client.verify_authentication_info(&a, &info, None).unwrap();
    assert_eq!(client.current_nonce(), Some(next.as_str()));
    assert_ne!(next, first);
    clock.advance(Duration::from_secs(100));
    // The old nonce has expired; the next one works, nc restarting at 1.
    let a = client.authorize("GET", "/y", None).unwrap().unwrap();
    assert_eq!(a.credentials().value("nc"), Some("00000001"));
    assert!(
        srv.authenticate(&req("GET", "/y"), a.credentials())
            .is_authenticated()
    );
}

#[test]
fn client_stale_retry_and_rejection() {
    let clock = TestClock::new();
    let srv = server(REALM, clock.clone());
    let r = req("GET", "/");
    let mut client = DigestClient::new("Mufasa", "Circle of Life".into());
    let a = client
        .respond(&srv.challenges(&r), "GET", "/", None)
        .unwrap();
    assert!(srv.authenticate(&r, a.credentials()).is_authenticated());
    client.mark_success();
    clock.advance(Duration::from_secs(400));
    let a = client.authorize("GET", "/", None).unwrap().unwrap();
    let f = failure(srv.authenticate(&r, a.credentials()));
    assert_eq!(f.kind(), FailureKind::Stale);
    // stale=true: retry with the new nonce, no password prompt.
    let a = client.respond(f.challenges(), "GET", "/", None).unwrap();
    assert!(srv.authenticate(&r, a.credentials()).is_authenticated());

    // A wrong password: the second 401 (not stale) is reported as a rejection.
    let mut bad = DigestClient::new("Mufasa", "wrong".into());
    let a = bad.respond(&srv.challenges(&r), "GET", "/", None).unwrap();
    let f = failure(srv.authenticate(&r, a.credentials()));
    assert_eq!(f.kind(), FailureKind::Unauthorized);
    assert_eq!(
        bad.respond(&srv.challenges(&r), "GET", "/", None).err(),
        Some(digest_auth::Error::CredentialsRejected)
    );
}

#[test]
fn client_checks_rspauth() {
    let srv = server(REALM, TestClock::new());
    let r = req("GET", "/");
    let mut client = DigestClient::new("Mufasa", "Circle of Life".into());
    let a = client
        .respond(&srv.challenges(&r), "GET", "/", None)
        .unwrap();
    let Outcome::Authenticated { info, .. } = srv.authenticate(&r, a.credentials()) else {
        panic!()
    };
    // A server that does not know the password cannot produce rspauth.
    let mut forged = info.clone();
    let rsp = info.value("rspauth").unwrap();
    let flipped: String = rsp
        .chars()
        .enumerate()
        .map(|(i, c)| {
            if i == 0 {
                if c == '0' { '1' } else { '0' }
            } else {
                c
            }
        })
        .collect();
    forged.set(AuthParam::quoted("rspauth", flipped).unwrap());
    assert_eq!(
        client.verify_authentication_info(&a, &forged, None),
        Err(digest_auth::Error::RspauthMismatch)
    );
    let mut wrong_nc = info.clone();
    wrong_nc.set(AuthParam::token("nc", "00000002").unwrap());
    assert_eq!(
        client.verify_authentication_info(&a, &wrong_nc, None),
        Err(digest_auth::Error::InvalidParameter("nc"))
    );
    client.verify_authentication_info(&a, &info, None).unwrap();
    // Without rspauth there is nothing to check.
    client
        .verify_authentication_info(&a, &AuthParams::new(), None)
        .unwrap();
}

#[test]
fn client_picks_strongest_supported_across_challenges() {
    let ch = |scheme: &str, alg: Option<&str>, qop: Option<&str>, nonce: &str| {
        let mut c = Challenge::new(scheme)
            .unwrap()
            .param(AuthParam::quoted("realm", "r").unwrap())
            .unwrap();
        if let Some(q) = qop {
            c.push(AuthParam::quoted("qop", q).unwrap()).unwrap();
        }
        if let Some(a) = alg {
            c.push(AuthParam::token("algorithm", a).unwrap()).unwrap();
        }
        c.push(AuthParam::quoted("nonce", nonce).unwrap()).unwrap();
        c
    };
    let cs = vec![
        Challenge::new("Basic")
            .unwrap()
            .param(AuthParam::quoted("realm", "r").unwrap())
            .unwrap(),
        ch("Digest", None, Some("auth"), "n-md5"),
        ch("Digest", Some("SHA-256"), Some("auth"), "n-256"),
        ch("Digest", Some("SHA-999"), Some("auth"), "n-unknown"),
        ch("Digest", Some("SHA-512-256"), Some("bogus"), "n-badqop"),
        ch(
            "digest",
            Some("sha-512-256"),
            Some("auth-int, auth"),
            "n-512",
        ),
    ];
    let mut c = DigestClient::new("u", "p".into());
    let a = c.respond(&cs, "GET", "/", None).unwrap();
    assert_eq!(a.algorithm(), Algorithm::Sha512_256);
    assert_eq!(a.credentials().value("nonce"), Some("n-512"));
    assert_eq!(a.qop(), Some(Qop::Auth), "no body given: auth preferred");
    let mut c = DigestClient::new("u", "p".into()).algorithms(&[Algorithm::Md5, Algorithm::Sha256]);
    assert_eq!(
        c.respond(&cs, "GET", "/", None)
            .unwrap()
            .credentials()
            .value("nonce"),
        Some("n-256")
    );
    let mut c = DigestClient::new("u", "p".into());
    let only_basic = &cs[..1];
    assert_eq!(
        c.respond(only_basic, "GET", "/", None).err(),
        Some(digest_auth::Error::NoSupportedChallenge)
    );
    // Quoting forms of the credentials (RFC 7616 section 3.4: algorithm, qop, nc unquoted).
    let a = DigestClient::new("u", "p".into())
        .respond(&cs, "GET", "/", None)
        .unwrap();
    let form = |n| a.credentials().get(n).unwrap().form();
    use httpauth_core::ParamForm::{Quoted, Token};
    assert_eq!(
        [
            form("username"),
            form("realm"),
            form("uri"),
            form("nonce"),
            form("cnonce"),
            form("response")
        ],
        [Quoted; 6]
    );
    assert_eq!([form("algorithm"), form("qop"), form("nc")], [Token; 3]);
    // cnonce is random per request.
    let b = DigestClient::new("u", "p".into())
        .respond(&cs, "GET", "/", None)
        .unwrap();
    assert_ne!(
        a.credentials().value("cnonce"),
        b.credentials().value("cnonce")
    );
}

/// A session store that is down.
struct DownStore;
impl SessionStore for DownStore {
    fn insert(
        &self,
        _: &str,
        _: SecretBytes,
        _: Duration,
        _: EvictionClass,
    ) -> Result<Option<u64>, httpauth_core::Error> {
        Err(httpauth_core::Error::StoreUnavailable)
    }
    fn get(&self, _: &str) -> Result<Option<StoreEntry>, httpauth_core::Error> {
        Err(httpauth_core::Error::StoreUnavailable)
    }
    fn compare_and_swap(
        &self,
        _: &str,
        _: u64,
        _: SecretBytes,
        _: Duration,
        _: EvictionClass,
    ) -> Result<CasOutcome, httpauth_core::Error> {
        Err(httpauth_core::Error::StoreUnavailable)
    }
    fn remove(&self, _: &str) -> Result<bool, httpauth_core::Error> {
        Err(httpauth_core::Error::StoreUnavailable)
    }
    fn check_count(
        &self,
        _: &str,
        _: u64,
        _: u32,
        _: Duration,
    ) -> Result<CountCheck, httpauth_core::Error> {
        Err(httpauth_core::Error::StoreUnavailable)
    }
    fn check_count_existing(
        &self,
        _: &str,
        _: u64,
        _: u32,
        _: Duration,
    ) -> Result<Option<CountCheck>, httpauth_core::Error> {
        Err(httpauth_core::Error::StoreUnavailable)
    }
    /// As a remote store's cache: the generation was seen before the store went down.
    fn window_generation(&self) -> Result<u64, httpauth_core::Error> {
        Ok(1)
    }
    fn check_count_in_generation(
        &self,
        _: &str,
        _: u64,
        _: u32,
        _: Duration,
        _: u64,
    ) -> Result<httpauth_core::store::GenerationCheck, httpauth_core::Error> {
        Err(httpauth_core::Error::StoreUnavailable)
    }
}

/// A credential store that is down.
struct DownCreds;
impl CredentialStore for DownCreds {
    fn lookup(
        &self,
        _: &str,
        _: CredentialQuery<'_>,
    ) -> Result<Option<StoredCredential>, httpauth_core::Error> {
        Err(httpauth_core::Error::StoreUnavailable)
    }
}

#[test]
fn store_failures_fail_closed_with_503() {
    let srv = DigestServer::builder(REALM, Arc::new(common::credentials(REALM)))
        .nonce_key(key())
        .session_store(Arc::new(DownStore))
        .build()
        .unwrap();
    let m = Manual::new(&srv, Algorithm::Sha256);
    let f = failure(srv.authenticate(&req("GET", "/"), &m.creds("GET", "/", 1)));
    assert_eq!(
        (f.kind(), f.http_status(false)),
        (FailureKind::Unavailable, 503)
    );
    let srv = DigestServer::builder(REALM, Arc::new(DownCreds))
        .nonce_key(key())
        .build()
        .unwrap();
    let m = Manual::new(&srv, Algorithm::Sha256);
    let f = failure(srv.authenticate(&req("GET", "/"), &m.creds("GET", "/", 1)));
    assert_eq!(f.kind(), FailureKind::Unavailable);
}

#[test]
fn builder_validates() {
    let b = || DigestServer::builder(REALM, Arc::new(MemoryCredentials::new()));
    assert!(
        DigestServer::builder("", Arc::new(MemoryCredentials::new()))
            .build()
            .is_err()
    );
    assert!(
        DigestServer::builder("a\nb", Arc::new(MemoryCredentials::new()))
            .build()
            .is_err()
    );
    assert!(b().algorithms(&[]).build().is_err());
    assert!(b().count_window(0).build().is_err());
    assert!(b().count_window(5000).build().is_err());
    assert!(b().nonce_lifetime(Duration::ZERO).build().is_err());
    assert!(b().domain(&["/a b"]).build().is_err());
    let s = b().domain(&["/a", "https://x/b"]).build().unwrap();
    assert_eq!(
        s.challenges(&req("GET", "/"))[0].value("domain"),
        Some("/a https://x/b")
    );
    assert!(!format!("{s:?}").contains("42"));
}

#[test]
fn stored_ha1_of_wrong_length_fails_closed() {
    let mut creds = MemoryCredentials::new();
    // A 16-byte (MD5-sized) value filed under SHA-256: unusable, a store fault.
    creds.add_ha1(
        "Mufasa",
        REALM,
        Algorithm::Sha256.hash(),
        SecretBytes::from_slice(&[0; 16]),
    );
    let srv = DigestServer::builder(REALM, Arc::new(creds))
        .algorithms(&[Algorithm::Sha256])
        .nonce_key(key())
        .build()
        .unwrap();
    let m = Manual::new(&srv, Algorithm::Sha256);
    let f = failure(srv.authenticate(&req("GET", "/"), &m.creds("GET", "/", 1)));
    assert_eq!(
        (f.kind(), f.reason()),
        (FailureKind::Unavailable, FailureReason::Store)
    );
}

/// Issue 13: a flood of pending entries (unauthenticated Mutual key exchanges in the
/// shared store) used to evict the nonce-count window of a live nonce, and the missing
/// window was re-created as fresh: a captured request was accepted again.
#[test]
fn captured_request_is_not_replayable_after_a_pending_flood() {
    let clock = TestClock::new();
    let store = Arc::new(httpauth_core::MemoryStore::with_clock(
        httpauth_core::store::MemoryStoreConfig::new(64, 1 << 20),
        clock.clone(),
    ));
    let srv = DigestServer::builder(REALM, Arc::new(common::credentials(REALM)))
        .nonce_key(key())
        .clock(clock)
        .session_store(store.clone())
        .build()
        .unwrap();
    let m = Manual::new(&srv, Algorithm::Sha256);
    let captured = m.creds("GET", "/", 1);
    assert!(
        srv.authenticate(&req("GET", "/"), &captured)
            .is_authenticated()
    );
    for i in 0..1000 {
        store
            .insert(
                &format!("mutual:sid:{i}"),
                SecretBytes::from_slice(&[0; 64]),
                Duration::from_secs(60),
                EvictionClass::Pending,
            )
            .unwrap();
    }
    let f = failure(srv.authenticate(&req("GET", "/"), &captured));
    assert_eq!(f.kind(), FailureKind::Stale, "{f:?}");
    // The legitimate client goes on with its next nc.
    assert!(
        srv.authenticate(&req("GET", "/"), &m.creds("GET", "/", 2))
            .is_authenticated()
    );
}

/// Issue 13, window budget: when live windows must be evicted (their own pool is full),
/// the nonces whose windows went are stale, never fresh.
#[test]
fn evicted_window_makes_its_nonce_stale() {
    let clock = TestClock::new();
    let store = Arc::new(httpauth_core::MemoryStore::with_clock(
        httpauth_core::store::MemoryStoreConfig::new(64, 1 << 20).windows(2, 1 << 20),
        clock.clone(),
    ));
    let srv = DigestServer::builder(REALM, Arc::new(common::credentials(REALM)))
        .nonce_key(key())
        .clock(clock)
        .session_store(store)
        .build()
        .unwrap();
    let first = Manual::new(&srv, Algorithm::Sha256);
    let captured = first.creds("GET", "/", 1);
    assert!(
        srv.authenticate(&req("GET", "/"), &captured)
            .is_authenticated()
    );
    for _ in 0..2 {
        let other = Manual::new(&srv, Algorithm::Sha256);
        assert!(
            srv.authenticate(&req("GET", "/"), &other.creds("GET", "/", 1))
                .is_authenticated()
        );
    }
    let f = failure(srv.authenticate(&req("GET", "/"), &captured));
    assert_eq!(
        (f.kind(), f.reason()),
        (FailureKind::Stale, FailureReason::Expired)
    );
    assert!(
        f.challenges()
            .iter()
            .all(|c| c.value("stale") == Some("true"))
    );
}

/// Issue 13, timing: a known and an unknown user make the same store lookups (one HA1 and
/// one plaintext query each) and one HA1 hash; the unknown one fails at the comparison.
#[test]
fn known_and_unknown_users_make_the_same_lookups() {
    use std::sync::Mutex;
    struct Counting(MemoryCredentials, Mutex<Vec<String>>);
    impl CredentialStore for Counting {
        fn lookup(
            &self,
            user: &str,
            query: CredentialQuery<'_>,
        ) -> Result<Option<StoredCredential>, httpauth_core::Error> {
            let kind = match query {
                CredentialQuery::DigestHa1 { .. } => "ha1",
                CredentialQuery::Plaintext => "plain",
                _ => "other",
            };
            self.1.lock().unwrap().push(kind.to_owned());
            let _ = user;
            self.0.lookup(user, query)
        }
    }
    let mut creds = MemoryCredentials::new();
    creds.add_ha1(
        "known",
        REALM,
        Algorithm::Sha256.hash(),
        compute::ha1(Algorithm::Sha256, "known", REALM, &"pw".into()),
    );
    let store = Arc::new(Counting(creds, Mutex::new(Vec::new())));
    let srv = DigestServer::builder(REALM, store.clone())
        .algorithms(&[Algorithm::Sha256])
        .nonce_key(key())
        .clock(TestClock::new())
        .build()
        .unwrap();
    let mut lookups = Vec::new();
    for (user, ok) in [("known", true), ("unknown", false)] {
        let mut m = Manual::new(&srv, Algorithm::Sha256);
        m.user = user.into();
        m.password = "pw".into();
        let o = srv.authenticate(&req("GET", "/"), &m.creds("GET", "/", 1));
        assert_eq!(o.is_authenticated(), ok, "{user}");
        lookups.push(std::mem::take(&mut *store.1.lock().unwrap()));
    }
    assert_eq!(lookups[0], ["ha1", "plain"]);
    assert_eq!(lookups[0], lookups[1], "the same work for both");
}

/// Issue 14: `auth-int` is opt-in; the default offers `qop="auth"` only.
#[test]
fn auth_int_is_opt_in() {
    let srv = DigestServer::builder(REALM, Arc::new(common::credentials(REALM)))
        .nonce_key(key())
        .build()
        .unwrap();
    let cs = srv.challenges(&req("GET", "/"));
    assert!(!cs.is_empty());
    assert!(cs.iter().all(|c| c.value("qop") == Some("auth")));
    // A client that sends auth-int anyway is refused, and no body is asked for.
    let mut client = DigestClient::new("Mufasa", "Circle of Life".into());
    let opt_in = server(REALM, TestClock::new());
    let body = BodyHasher::digest_all(&[Algorithm::Sha512_256.hash()], b"x");
    let a = client
        .respond(
            &opt_in.challenges(&req("POST", "/")),
            "POST",
            "/",
            Some(&body),
        )
        .unwrap();
    assert_eq!(a.qop(), Some(Qop::AuthInt));
    assert!(srv.body_hashes(a.credentials()).is_empty());
    assert_eq!(
        opt_in.body_hashes(a.credentials()),
        [Algorithm::Sha512_256.hash()]
    );
    let f = failure(srv.authenticate(&req("POST", "/").with_body(&body), a.credentials()));
    assert_eq!(f.reason(), FailureReason::Disallowed);
}

/// The `body_hashes` hook: the hash of the client's algorithm for `auth-int`, nothing for
/// `auth`, other schemes, or algorithms not offered.
#[test]
fn body_hashes_follow_the_credentials() {
    let srv = server(REALM, TestClock::new());
    let mut client = DigestClient::new("Mufasa", "Circle of Life".into());
    let cs = srv.challenges(&req("POST", "/"));
    let md5 = cs
        .iter()
        .filter(|c| c.value("algorithm") == Some("MD5"))
        .cloned()
        .collect::<Vec<_>>();
    let body = BodyHasher::digest_all(&[Algorithm::Md5.hash()], b"x");
    let a = client.respond(&md5, "POST", "/", Some(&body)).unwrap();
    assert_eq!(srv.body_hashes(a.credentials()), [Algorithm::Md5.hash()]);
    let mut client = DigestClient::new("Mufasa", "Circle of Life".into());
    let a = client.respond(&md5, "POST", "/", None).unwrap();
    assert_eq!(a.qop(), Some(Qop::Auth));
    assert!(srv.body_hashes(a.credentials()).is_empty());
    let basic = httpauth_headers::parse_credentials("Basic dXNlcjpwYXNz").unwrap();
    assert!(srv.body_hashes(&basic).is_empty());
}

/// The `response` field: for `auth-int` the `rspauth` covers the response body, and the
/// client accepts it; the other parameters are in `info` already.
#[test]
fn auth_int_response_bound_info_covers_the_response_body() {
    let srv = server(REALM, TestClock::new());
    let mut client = DigestClient::new("Mufasa", "Circle of Life".into());
    let cs = srv.challenges(&req("POST", "/upload"));
    let body = BodyHasher::digest_all(&[Algorithm::Sha512_256.hash()], b"request body");
    let a = client.respond(&cs, "POST", "/upload", Some(&body)).unwrap();
    let r = req("POST", "/upload").with_body(&body);
    let Outcome::Authenticated {
        principal,
        info,
        response,
    } = srv.authenticate(&r, a.credentials())
    else {
        panic!("not authenticated")
    };
    assert_eq!(principal.user, "Mufasa");
    assert!(info.value("rspauth").is_none());
    assert_eq!(info.value("qop"), Some("auth-int"));
    let response = response.expect("auth-int binds Authentication-Info to the response");
    let full = response.finish(b"created");
    assert!(full.value("rspauth").is_some());
    assert_eq!(full.value("nc"), info.value("nc"));
    let rb = BodyHasher::digest_all(&[Algorithm::Sha512_256.hash()], b"created");
    client
        .verify_authentication_info(&a, &full, Some(&rb))
        .unwrap();
    let other = BodyHasher::digest_all(&[Algorithm::Sha512_256.hash()], b"tampered");
    assert!(
        client
            .verify_authentication_info(&a, &full, Some(&other))
            .is_err(),
        "rspauth is bound to the body sent"
    );
    // qop=auth: no response-bound part; rspauth is in info.
    let plain = DigestServer::builder(REALM, Arc::new(common::credentials(REALM)))
        .nonce_key(key())
        .build()
        .unwrap();
    let mut c2 = DigestClient::new("Mufasa", "Circle of Life".into());
    let a = c2
        .respond(&plain.challenges(&req("GET", "/")), "GET", "/", None)
        .unwrap();
    let Outcome::Authenticated { info, response, .. } =
        plain.authenticate(&req("GET", "/"), a.credentials())
    else {
        panic!("not authenticated")
    };
    assert!(response.is_none());
    assert!(info.value("rspauth").is_some());
}

/// The `cost` hook: cheap on the in-memory store, blocking on a remote one.
#[test]
fn cost_follows_the_session_store() {
    struct Remote(httpauth_core::MemoryStore);
    impl SessionStore for Remote {
        fn insert(
            &self,
            k: &str,
            v: SecretBytes,
            t: Duration,
            c: EvictionClass,
        ) -> Result<Option<u64>, httpauth_core::Error> {
            self.0.insert(k, v, t, c)
        }
        fn get(&self, k: &str) -> Result<Option<StoreEntry>, httpauth_core::Error> {
            self.0.get(k)
        }
        fn compare_and_swap(
            &self,
            k: &str,
            e: u64,
            v: SecretBytes,
            t: Duration,
            c: EvictionClass,
        ) -> Result<CasOutcome, httpauth_core::Error> {
            self.0.compare_and_swap(k, e, v, t, c)
        }
        fn remove(&self, k: &str) -> Result<bool, httpauth_core::Error> {
            self.0.remove(k)
        }
        fn check_count(
            &self,
            k: &str,
            n: u64,
            w: u32,
            t: Duration,
        ) -> Result<CountCheck, httpauth_core::Error> {
            self.0.check_count(k, n, w, t)
        }
        fn check_count_existing(
            &self,
            k: &str,
            n: u64,
            w: u32,
            t: Duration,
        ) -> Result<Option<CountCheck>, httpauth_core::Error> {
            self.0.check_count_existing(k, n, w, t)
        }
        fn window_generation(&self) -> Result<u64, httpauth_core::Error> {
            self.0.window_generation()
        }
        fn check_count_in_generation(
            &self,
            k: &str,
            n: u64,
            w: u32,
            t: Duration,
            g: u64,
        ) -> Result<httpauth_core::store::GenerationCheck, httpauth_core::Error> {
            self.0.check_count_in_generation(k, n, w, t, g)
        }
        fn is_remote(&self) -> bool {
            true
        }
    }
    let local = server(REALM, TestClock::new());
    let m = Manual::new(&local, Algorithm::Sha256);
    assert_eq!(
        local.cost(&m.creds("GET", "/", 1)),
        httpauth_core::Cost::Cheap
    );
    let remote = DigestServer::builder(REALM, Arc::new(common::credentials(REALM)))
        .nonce_key(key())
        .session_store(Arc::new(Remote(httpauth_core::MemoryStore::default())))
        .build()
        .unwrap();
    let m = Manual::new(&remote, Algorithm::Sha256);
    assert_eq!(
        remote.cost(&m.creds("GET", "/", 1)),
        httpauth_core::Cost::Blocking
    );
}
