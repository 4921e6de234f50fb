//! Issue 16: the crates take the rustls crypto provider from the application.
//!
//! `cert-policy` used to enable rustls's `ring` feature, so an application using rustls with
//! its default provider (aws-lc-rs) had two providers compiled in and
//! `ServerConfig::builder()` panicked ("no process-level CryptoProvider available"). These
//! tests check that the library dependency graphs of `cert-policy` and `httpauth-redis`
//! enable no provider feature, and that an application which installs its provider (here
//! ring, the one available offline, standing in for the application's choice) starts with
//! `ServerConfig::builder()` and this crate's verifier without a panic, while a missing
//! provider is a clear error.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers; failures should panic

use cert_policy::verify::read_certificates;
use cert_policy::{ApacheClientVerifier, VerifyClient, VerifyConfig};
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject as _;
use std::process::Command;

/// `cargo tree` of the libraries alone (normal dependencies, no dev-dependencies): the
/// features rustls is built with.
#[test]
fn libraries_enable_no_rustls_provider_feature() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    for pkg in ["cert-policy", "httpauth-redis"] {
        let out = Command::new(&cargo)
            .args([
                "tree",
                "--offline",
                "-p",
                pkg,
                "-e",
                "normal",
                "-i",
                "rustls",
                "-f",
                "{p} [{f}]",
                "--depth",
                "0",
            ])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .expect("cargo tree");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{pkg}: cargo tree failed: {out:?}");
        let line = text
            .lines()
            .find(|l| l.starts_with("rustls v"))
            .unwrap_or_else(|| panic!("{pkg}: no rustls in {text}"));
        for provider in ["ring", "aws_lc_rs", "aws-lc-rs", "fips"] {
            assert!(
                !line.split(['[', ']', ',']).any(|f| f.trim() == provider),
                "{pkg} enables rustls feature {provider}: {line}"
            );
        }
    }
}

#[test]
fn application_provider_is_used_and_missing_provider_is_an_error() {
    let mut cfg = VerifyConfig::new(VerifyClient::OptionalNoCa);
    cfg.ca = read_certificates(include_bytes!("data/ca-trust.pem"))
        .unwrap()
        .into_iter()
        .map(CertificateDer::from)
        .collect();
    // Nothing installed yet in this test binary (one test function touches the default).
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        let e = ApacheClientVerifier::new(cfg.clone()).unwrap_err();
        assert!(e.to_string().contains("CryptoProvider"), "{e}");
    }
    // The application installs its provider, then builds its config the usual way.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let verifier = ApacheClientVerifier::new(cfg).unwrap();
    let server = rustls::ServerConfig::builder()
        .with_client_cert_verifier(verifier)
        .with_single_cert(
            read_certificates(include_bytes!("data/server.pem"))
                .unwrap()
                .into_iter()
                .map(CertificateDer::from)
                .collect(),
            rustls_pki_types::PrivateKeyDer::from_pem_slice(include_bytes!("data/server.key"))
                .unwrap(),
        );
    assert!(server.is_ok(), "{server:?}");
}

/// The literal case: an application with rustls's default features (aws-lc-rs)
/// plus cert-policy, httpauth-redis and the front crate starts without a panic, builds
/// `ServerConfig::builder()` and this crate's verifier on the process-default provider,
/// and completes handshakes with a v3 and an `openssl x509 -req -CA` v1 client
/// certificate. The application is its own cargo project (tests/rustls-default-app, with
/// its own Cargo.lock, built `--locked` into its own target directory) so its rustls
/// features cannot leak into the workspace's builds. Building aws-lc-sys needs a C
/// compiler, which the CI image has.
#[test]
fn application_with_rustls_default_features_starts() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let app = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/rustls-default-app");
    // Beside the workspace's own target directory.
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"))
        .join("rustls-default-app");
    let out = Command::new(&cargo)
        .args(["run", "--quiet", "--locked", "--manifest-path"])
        .arg(app.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", &target)
        // The outer `cargo test` sets these for the test binary; the inner build is a
        // separate application.
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .output()
        .expect("cargo run");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "the application failed (status {:?}); after changing the workspace's dependencies, \
         refresh its lock file: cargo metadata --manifest-path \
         crates/cert-policy/tests/rustls-default-app/Cargo.toml\nstdout:\n{stdout}\nstderr:\n{stderr}",
        out.status
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(
        stdout.lines().collect::<Vec<_>>(),
        [
            "alice.pem: SSL_CLIENT_VERIFY=Success",
            "recipe-client.pem: SSL_CLIENT_VERIFY=Success"
        ],
        "{stderr}"
    );
}
