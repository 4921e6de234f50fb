//! Interop with the openssl CLI: the RFC 5929 `tls-server-end-point` value this crate
//! computes for `validation=tls-server-end-point` (RFC 8120 section 7) equals openssl's
//! certificate fingerprint under the hash RFC 5929 section 4.1 selects, and a Mutual
//! exchange over "https" binds to it.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests panic on failure by design

mod common;

use common::{Verifiers, run};
use httpauth_core::{Password, RequestContext, TlsInfo};
use mutual_core::client::{MutualClient, RequestTarget, Status};
use mutual_core::scope::{Origin, tls_server_end_point};
use mutual_core::server::{MutualServer, ServerConfig};
use mutual_core::{Algorithm, IsoKam3EcP256Sha256};
use std::process::Command;
use std::sync::Arc;

/// The openssl binary, or `None` after printing the skip notice. With `CI=true` a missing
/// peer fails the test.
fn openssl() -> Option<&'static str> {
    httpauth_test_kit::require_peer("openssl").then_some("openssl")
}

/// A self-signed DER certificate signed with `digest` over a key made from `newkey`.
fn make_cert(
    openssl: &str,
    dir: &std::path::Path,
    name: &str,
    newkey: &str,
    digest: &str,
) -> Vec<u8> {
    let der = dir.join(format!("{name}.der"));
    let key = dir.join(format!("{name}.key"));
    let out = Command::new(openssl)
        .args([
            "req", "-x509", "-nodes", "-newkey", newkey, digest, "-days", "1",
        ])
        .args(["-subj", "/CN=mutual.test", "-outform", "DER"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&der)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::read(der).unwrap()
}

fn fingerprint(openssl: &str, dir: &std::path::Path, name: &str, digest: &str) -> Vec<u8> {
    let out = Command::new(openssl)
        .args([
            "x509",
            "-inform",
            "DER",
            "-noout",
            "-fingerprint",
            digest,
            "-in",
        ])
        .arg(dir.join(format!("{name}.der")))
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let hex: String = text
        .split('=')
        .nth(1)
        .unwrap()
        .trim()
        .chars()
        .filter(|c| *c != ':')
        .collect();
    mutual_core::encoding::hex_decode(&hex, None).unwrap()
}

#[test]
fn rfc5929_tls_server_end_point_matches_openssl() {
    let Some(openssl) = openssl() else { return };
    let dir = tempfile::tempdir().unwrap();
    // (name, EC curve or RSA, signature digest): RFC 5929 section 4.1 hashes with the
    // certificate's signature hash (SHA-256 for MD5 / SHA-1).
    for (name, curve, digest) in [
        ("rsa256", None, "-sha256"),
        ("ec384", Some("secp384r1"), "-sha384"),
        ("rsa512", None, "-sha512"),
    ] {
        let newkey = match curve {
            Some(c) => {
                let params = dir.path().join(format!("{c}.pem"));
                let o = Command::new(openssl)
                    .args(["ecparam", "-name", c, "-out"])
                    .arg(&params)
                    .output()
                    .unwrap();
                assert!(o.status.success());
                format!("ec:{}", params.display())
            }
            None => "rsa:2048".to_owned(),
        };
        let cert = make_cert(openssl, dir.path(), name, &newkey, digest);
        assert_eq!(
            tls_server_end_point(&cert).unwrap(),
            fingerprint(openssl, dir.path(), name, digest),
            "{name}"
        );
    }
}

#[test]
fn mutual_over_https_binds_to_the_certificate() {
    let Some(openssl) = openssl() else { return };
    let dir = tempfile::tempdir().unwrap();
    let cert = make_cert(openssl, dir.path(), "srv", "rsa:2048", "-sha256");
    let cb = tls_server_end_point(&cert).unwrap();
    let alg: &'static dyn Algorithm = &IsoKam3EcP256Sha256;
    let v = Verifiers::default();
    v.add(alg.token(), "example.com", "r", "alice", "pw");
    let server = MutualServer::new(ServerConfig::new("r").with_algorithms(&[alg]), Arc::new(v));
    let mut tls = TlsInfo::default();
    tls.channel_bindings.tls_server_end_point = Some(cb.clone());
    let ctx = RequestContext::new("GET", "/", "https", "example.com").with_tls(&tls);
    let origin = Origin::new("https", "example.com", 443).unwrap();
    let mut client = MutualClient::new();
    client.add_login("r", None, "alice", Password::from("pw"));
    let t = RequestTarget::new(origin.clone(), "/").with_tls_server_end_point(cb.clone());
    let (r, sent) = run(&mut client, &server, t, &ctx, false, None);
    assert!(matches!(r, Ok(Status::AuthSucceeded { .. })), "{r:?}");
    assert!(sent[0].contains("validation=tls-server-end-point"));
    // A man in the middle with another certificate: the client's vh differs, vkc fails.
    let other = make_cert(openssl, dir.path(), "mitm", "rsa:2048", "-sha256");
    let mut victim = MutualClient::new();
    victim.add_login("r", None, "alice", Password::from("pw"));
    let t = RequestTarget::new(origin, "/")
        .with_tls_server_end_point(tls_server_end_point(&other).unwrap());
    let (r, _) = run(&mut victim, &server, t, &ctx, false, None);
    assert!(
        matches!(r, Ok(Status::AuthRequired { failed: true, .. })),
        "{r:?}"
    );
}
