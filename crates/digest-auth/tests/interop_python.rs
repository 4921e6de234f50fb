//! Interop: Python `requests.auth.HTTPDigestAuth` (Debian python3-requests, run with
//! /usr/bin/python3) against a test server built on this crate, MD5 and SHA-256.
//! requests keeps one nonce per session and counts `nc` up, so nonce reuse is covered.
//! Fails under CI=true when the peer is missing; otherwise skips with a message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::http::{TestServer, run_bounded};
use common::key;
use digest_auth::{Algorithm, DigestServer, MemoryCredentials, Qop};
use httpauth_test_kit::require_peer;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

const PYTHON: &str = "/usr/bin/python3";

const SCRIPT: &str = r#"
import sys, requests
from requests.auth import HTTPDigestAuth
base, user, password = sys.argv[1], sys.argv[2], sys.argv[3]
s = requests.Session()
s.trust_env = False
s.auth = HTTPDigestAuth(user, password)
for path in ["/a", "/b?x=1", "/c/d"]:
    r = s.get(base + path, timeout=10)
    print(r.status_code, r.text.strip(), r.headers.get("Authentication-Info", "-"))
r = s.post(base + "/post", data=b"payload" * 100, timeout=10)
print(r.status_code, r.text.strip(), r.headers.get("Authentication-Info", "-"))
"#;

fn requests_available() -> bool {
    require_peer(PYTHON) && require_peer("python3-requests")
}

fn check(alg: Algorithm, password: &str) -> (String, Vec<common::http::Event>) {
    let mut creds = MemoryCredentials::new();
    creds.add_password("Mufasa", "Circle of Life".into());
    let srv = DigestServer::builder("python@example.org", Arc::new(creds))
        .algorithms(&[alg])
        .qops(&[Qop::Auth, Qop::AuthInt])
        .nonce_key(key())
        .build()
        .unwrap();
    let server = TestServer::start(Arc::new(srv));
    let out = run_bounded(
        Command::new(PYTHON)
            .args(["-c", SCRIPT, &server.url(""), "Mufasa", password])
            .env("NO_PROXY", "*"),
        Duration::from_secs(60),
    );
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    eprintln!(
        "python stdout:\n{stdout}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "python failed");
    (stdout, server.events())
}

fn check_ok(alg: Algorithm) {
    if !requests_available() {
        return;
    }
    let (out, events) = check(alg, "Circle of Life");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 4, "{out}");
    for l in &lines {
        assert!(l.starts_with("200 hello Mufasa rspauth="), "{l}");
    }
    // One 401 to learn the nonce, then nc counts up on the same nonce.
    let ok: Vec<_> = events.iter().filter(|e| e.status == 200).collect();
    assert_eq!(ok.len(), 4, "{events:?}");
    let ncs: Vec<String> = ok
        .iter()
        .map(|e| {
            let c =
                httpauth_headers::parse_credentials(e.authorization.as_deref().unwrap()).unwrap();
            assert_eq!(c.value("algorithm"), Some(alg.as_str()));
            c.value("nc").unwrap().to_owned()
        })
        .collect();
    assert_eq!(ncs, ["00000001", "00000002", "00000003", "00000004"]);
}

#[test]
fn python_requests_md5() {
    check_ok(Algorithm::Md5);
}

#[test]
fn python_requests_sha256() {
    check_ok(Algorithm::Sha256);
}

#[test]
fn python_requests_wrong_password() {
    if !requests_available() {
        return;
    }
    let (out, events) = check(Algorithm::Sha256, "wrong");
    assert!(out.lines().all(|l| l.starts_with("401")), "{out}");
    assert!(events.iter().all(|e| e.status == 401));
}
