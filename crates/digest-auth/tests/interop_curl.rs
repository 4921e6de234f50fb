//! Interop: `curl --digest` (the Debian curl package) against a test server built on this
//! crate, with MD5 and SHA-256 challenges, userhash, a POST body and nonce reuse.
//! Fails under CI=true when curl is missing; otherwise skips with a message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::http::{TestServer, run_bounded};
use common::{TestClock, key};
use digest_auth::{Algorithm, DigestServer, MemoryCredentials, Qop};
use httpauth_test_kit::require_peer;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

const CURL: &str = "/usr/bin/curl";
const REALM: &str = "curl-test@example.org";

fn start(algorithms: &[Algorithm], userhash: bool) -> TestServer {
    let mut creds = MemoryCredentials::new();
    creds.add_password("Mufasa", "Circle of Life".into());
    let _ = TestClock::new;
    let srv = DigestServer::builder(REALM, Arc::new(creds))
        .algorithms(algorithms)
        .qops(&[Qop::Auth, Qop::AuthInt])
        .userhash(userhash)
        .nonce_key(key())
        .build()
        .unwrap();
    TestServer::start(Arc::new(srv))
}

/// Runs curl against `urls` in one invocation (one connection, nonce reused).
fn curl(extra: &[&str], urls: &[String]) -> (bool, String) {
    let mut cmd = Command::new(CURL);
    cmd.args([
        "--digest",
        "-u",
        "Mufasa:Circle of Life",
        "-sS",
        "--max-time",
        "20",
    ])
    .args(["-w", "status=%{http_code}\n"])
    .args(extra)
    .args(urls)
    .env_remove("http_proxy")
    .env_remove("HTTP_PROXY")
    .env_remove("all_proxy");
    let out = run_bounded(&mut cmd, Duration::from_secs(30));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    eprintln!(
        "curl stdout:\n{stdout}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), stdout)
}

fn check(algorithms: &[Algorithm], userhash: bool, expect_alg: &str) {
    if !require_peer(CURL) {
        return;
    }
    let server = start(algorithms, userhash);
    let urls = [
        server.url("/dir/index.html"),
        server.url("/dir/other.html?a=1&b=2"),
    ];
    let (ok, out) = curl(&[], &urls);
    assert!(ok, "curl failed");
    assert_eq!(out.matches("hello Mufasa").count(), 2, "{out}");
    assert_eq!(out.matches("status=200").count(), 2, "{out}");
    let events = server.events();
    let authed: Vec<_> = events.iter().filter(|e| e.status == 200).collect();
    assert_eq!(authed.len(), 2, "{events:?}");
    for e in &authed {
        let a = e.authorization.as_deref().unwrap();
        let creds = httpauth_headers::parse_credentials(a).unwrap();
        assert_eq!(creds.value("algorithm").unwrap_or("MD5"), expect_alg, "{a}");
        assert_eq!(creds.value("qop"), Some("auth"));
        assert_eq!(
            creds.value("userhash").is_some_and(|v| v == "true"),
            userhash,
            "{a}"
        );
        assert_eq!(e.user.as_deref(), Some("Mufasa"));
    }
}

#[test]
fn curl_digest_md5() {
    check(&[Algorithm::Md5], false, "MD5");
}

#[test]
fn curl_digest_sha256() {
    check(&[Algorithm::Sha256], false, "SHA-256");
}

#[test]
fn curl_digest_sha256_userhash() {
    check(&[Algorithm::Sha256], true, "SHA-256");
}

#[test]
fn curl_digest_wrong_password_is_401() {
    if !require_peer(CURL) {
        return;
    }
    let server = start(&[Algorithm::Sha256, Algorithm::Md5], false);
    let out = run_bounded(
        Command::new(CURL)
            .args(["--digest", "-u", "Mufasa:wrong", "-sS", "--max-time", "20"])
            .args(["-o", "/dev/null", "-w", "status=%{http_code}\n"])
            .arg(server.url("/")),
        Duration::from_secs(30),
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("status=401"), "{stdout}");
    assert!(server.events().iter().all(|e| e.status == 401));
}

#[test]
fn curl_digest_post_body() {
    if !require_peer(CURL) {
        return;
    }
    let server = start(&[Algorithm::Sha256], false);
    let body = "x=".to_owned() + &"y".repeat(5000);
    let (ok, out) = curl(&["--data-binary", &body], &[server.url("/upload")]);
    assert!(ok);
    assert!(
        out.contains("hello Mufasa") && out.contains("status=200"),
        "{out}"
    );
    let events = server.events();
    assert!(
        events.iter().any(|e| e.method == "POST" && e.status == 200),
        "{events:?}"
    );
}

/// Issue 14: an htdigest file written by Apache's `htdigest` (MD5 records only) and the
/// default settings: the server offers MD5 (what the file holds), and `curl --digest`
/// gets 200. Before, SHA-512-256 and SHA-256 were offered and every user got 401.
#[test]
fn curl_apache_htdigest_file_with_default_settings() {
    if !require_peer(CURL) {
        return;
    }
    let realm = "apache realm@example.org";
    let store = MemoryCredentials::from_htdigest(include_str!("data/apache_htdigest_md5")).unwrap();
    let srv = DigestServer::builder(realm, Arc::new(store))
        .nonce_key(key())
        .build()
        .unwrap();
    assert_eq!(srv.algorithms(), [Algorithm::Md5]);
    let server = TestServer::start(Arc::new(srv));
    let out = run_bounded(
        Command::new(CURL)
            .args([
                "--digest",
                "-u",
                "Simba:Hakuna Matata",
                "-sS",
                "--max-time",
                "20",
            ])
            .args(["-w", "status=%{http_code}\n"])
            .arg(server.url("/dir/index.html"))
            .env_remove("http_proxy")
            .env_remove("HTTP_PROXY")
            .env_remove("all_proxy"),
        Duration::from_secs(30),
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("hello Simba") && stdout.contains("status=200"),
        "{stdout}"
    );
    let events = server.events();
    let ok = events.iter().find(|e| e.status == 200).unwrap();
    let creds = httpauth_headers::parse_credentials(ok.authorization.as_deref().unwrap()).unwrap();
    assert_eq!(creds.value("algorithm").unwrap_or("MD5"), "MD5");
    assert_eq!(creds.value("qop"), Some("auth"));
}
