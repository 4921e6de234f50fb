//! CRLs (issue 13): an expired CRL is refused as OpenSSL refuses it ("CRL has expired"),
//! checked against Apache httpd + mod_ssl; a CRL that cannot be parsed is an error that
//! names the file (or the CRL's position).

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers; failures should panic

use cert_policy::verify::{openssl_reason, read_certificates, read_crl_file, read_crls};
use cert_policy::{
    ApacheClientVerifier, PeerVerification, RevocationCheck, VerifyClient, VerifyConfig,
};
use httpauth_test_kit::{Apache, make_public_dir, require_peer};
use rustls_pki_types::{CertificateDer, CertificateRevocationListDer, UnixTime};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

fn certs(name: &str) -> Vec<CertificateDer<'static>> {
    read_certificates(&std::fs::read(data(name)).unwrap())
        .unwrap()
        .into_iter()
        .map(CertificateDer::from)
        .collect()
}

fn verifier(
    mode: VerifyClient,
    crl: &str,
    check: RevocationCheck,
) -> std::sync::Arc<ApacheClientVerifier> {
    let mut cfg = VerifyConfig::new(mode);
    cfg.depth = 5;
    cfg.ca = certs("ca.pem");
    cfg.add_crl_file(data(crl)).unwrap();
    cfg.revocation_check = check;
    ApacheClientVerifier::with_provider(
        cfg,
        std::sync::Arc::new(rustls::crypto::ring::default_provider()),
    )
    .unwrap()
}

/// Seconds since the epoch of an ASN.1 time.
fn secs(t: &x509_parser::time::ASN1Time) -> u64 {
    u64::try_from(t.timestamp()).unwrap()
}

/// A moment after the expired CRL's nextUpdate at which alice's certificate is valid.
fn after_expiry() -> UnixTime {
    let der = read_crls(&std::fs::read(data("crl-expired.pem")).unwrap())
        .unwrap()
        .remove(0);
    let (_, crl) = x509_parser::parse_x509_crl(&der).unwrap();
    let next = secs(&crl.next_update().expect("nextUpdate"));
    let alice = certs("alice.pem").remove(0);
    let (_, cert) = x509_parser::parse_x509_certificate(&alice).unwrap();
    let not_before = secs(&cert.validity().not_before);
    UnixTime::since_unix_epoch(Duration::from_secs(next.max(not_before) + 3600))
}

#[test]
fn expired_crl_fails_verification_in_every_mode() {
    let now = after_expiry();
    let alice = certs("alice.pem");
    for mode in [
        VerifyClient::Optional,
        VerifyClient::Require,
        VerifyClient::OptionalNoCa,
    ] {
        for check in [RevocationCheck::Leaf, RevocationCheck::Chain] {
            // The control: the same certificate at the same time with a current CRL.
            let v = verifier(mode, "crl.pem", check);
            assert_eq!(
                v.decide(&alice, now),
                Ok(PeerVerification::Success),
                "{mode:?} {check:?}"
            );
            // The expired CRL: refused, with OpenSSL's words (the old code said SUCCESS).
            let v = verifier(mode, "crl-expired.pem", check);
            let e = v.decide(&alice, now).unwrap_err();
            assert_eq!(
                openssl_reason(&e),
                "CRL has expired",
                "{mode:?} {check:?}: {e}"
            );
        }
    }
    // Not consulted when revocation checking is off (SSLCARevocationCheck none).
    let v = verifier(
        VerifyClient::Require,
        "crl-expired.pem",
        RevocationCheck::None,
    );
    assert_eq!(v.decide(&alice, now), Ok(PeerVerification::Success));
}

#[test]
fn expired_crl_outcome_is_failed_crl_has_expired() {
    // `outcome` recomputes at the current time; the fixture's CRL expired in the past.
    let v = verifier(
        VerifyClient::Optional,
        "crl-expired.pem",
        RevocationCheck::Chain,
    );
    let alice = std::fs::read(data("alice.der")).unwrap();
    assert_eq!(
        v.outcome(&[alice]),
        PeerVerification::Failed("CRL has expired".into())
    );
    // Other reasons in OpenSSL's words too.
    let v = verifier(VerifyClient::Optional, "crl.pem", RevocationCheck::Chain);
    let revoked = std::fs::read(data("revoked.der")).unwrap();
    assert_eq!(
        v.outcome(&[revoked]),
        PeerVerification::Failed("certificate revoked".into())
    );
}

#[test]
fn unparsable_crl_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let good = std::fs::read_to_string(data("crl.pem")).unwrap();
    let bad_block =
        "-----BEGIN X509 CRL-----\nMIIBCgIBATANBgkqhkiG9w0BAQsFADA=\n-----END X509 CRL-----\n";

    // A PEM block that is base64 but no CRL, after a good one.
    let p = dir.path().join("broken-crl.pem");
    std::fs::write(&p, format!("{good}{bad_block}")).unwrap();
    let e = read_crl_file(&p).unwrap_err().to_string();
    assert!(e.contains(&p.display().to_string()), "{e}");
    assert!(e.contains("CRL 2 of 2 cannot be parsed"), "{e}");
    // The byte-level reader refuses it too (the old code returned it as a CRL).
    let e = read_crls(format!("{good}{bad_block}").as_bytes()).unwrap_err();
    assert!(e.to_string().contains("CRL 2 of 2"), "{e}");
    // DER garbage and trailing data.
    assert!(read_crls(&[0x30, 0x03, 0x02, 0x01, 0x00]).is_err());
    let mut der = read_crls(good.as_bytes()).unwrap().remove(0);
    der.push(0);
    assert!(read_crls(&der).is_err());
    // A file holding a certificate instead of a CRL.
    let e = read_crl_file(data("alice.pem")).unwrap_err().to_string();
    assert!(
        e.contains("alice.pem") && e.contains("no X509 CRL found"),
        "{e}"
    );
    // A missing file.
    let missing = dir.path().join("nope.pem");
    let e = read_crl_file(&missing).unwrap_err().to_string();
    assert!(e.contains("nope.pem"), "{e}");

    // Given as DER directly, the verifier names the CRL's position rather than failing
    // with webpki's bare "could not be parsed".
    let mut cfg = VerifyConfig::new(VerifyClient::Require);
    cfg.ca = certs("ca.pem");
    cfg.crls = vec![
        CertificateRevocationListDer::from(read_crls(good.as_bytes()).unwrap().remove(0)),
        CertificateRevocationListDer::from(vec![0x30, 0x03, 0x02, 0x01, 0x00]),
    ];
    cfg.revocation_check = RevocationCheck::Chain;
    let e = ApacheClientVerifier::with_provider(
        cfg,
        std::sync::Arc::new(rustls::crypto::ring::default_provider()),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("CRL 2 of 2 cannot be parsed"), "{e}");
}

// ---- Apache httpd + mod_ssl with the expired CRL ----

fn start_apache(mode: &str, crl: &str) -> Apache {
    Apache::builder(&["authz_core", "ssl", "socache_shmcb"]).start(|site| {
        let root = site.root();
        let docroot = root.join("htdocs");
        make_public_dir(&docroot);
        std::fs::write(docroot.join("index.html"), "ok\n").unwrap();
        for f in ["server.pem", "server.key", "ca.pem"] {
            std::fs::copy(data(f), root.join(f)).unwrap();
        }
        std::fs::copy(data(crl), root.join("crl.pem")).unwrap();
        format!(
            "DocumentRoot \"{d}\"\n\
             StartServers 1\nMinSpareServers 1\nMaxSpareServers 2\n\
             SSLEngine on\nSSLCertificateFile \"{r}/server.pem\"\nSSLCertificateKeyFile \"{r}/server.key\"\n\
             SSLCACertificateFile \"{r}/ca.pem\"\nSSLCARevocationFile \"{r}/crl.pem\"\n\
             SSLCARevocationCheck chain\nSSLVerifyClient {mode}\nSSLVerifyDepth 5\nSSLSessionCache none\n\
             <Directory \"{d}\">\n  Require all granted\n</Directory>\n",
            r = root.display(),
            d = docroot.display()
        )
    })
}

/// curl's HTTP status with alice's certificate ("000": the handshake failed).
fn curl_alice(port: u16) -> String {
    let out = Command::new("curl")
        .args([
            "-s",
            "--max-time",
            "30",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "--cacert",
            &data("ca.pem").display().to_string(),
            "--cert",
            &data("alice.pem").display().to_string(),
            "--key",
            &data("alice.key").display().to_string(),
            &format!("https://127.0.0.1:{port}/index.html"),
        ])
        .output()
        .expect("curl");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn expired_crl_against_apache() {
    if !require_peer("apache2") || !require_peer("curl") {
        return;
    }
    let now = UnixTime::now();
    // The fixture's CRL expired before this clock; otherwise the comparison is meaningless.
    assert!(
        now.as_secs() > after_expiry().as_secs(),
        "the system clock is before crl-expired.pem's nextUpdate"
    );
    let alice = certs("alice.pem");
    for (mode, ours) in [
        ("optional", VerifyClient::Optional),
        ("optional_no_ca", VerifyClient::OptionalNoCa),
    ] {
        // Control: Apache and this crate accept alice with the current CRL.
        let a = start_apache(mode, "crl.pem");
        assert_eq!(curl_alice(a.port()), "200", "{mode}: apache with crl.pem");
        drop(a);
        assert_eq!(
            verifier(ours, "crl.pem", RevocationCheck::Chain).decide(&alice, now),
            Ok(PeerVerification::Success)
        );

        // The expired CRL: Apache fails the handshake and logs OpenSSL's error 12.
        let a = start_apache(mode, "crl-expired.pem");
        assert_eq!(
            curl_alice(a.port()),
            "000",
            "{mode}: apache with crl-expired.pem"
        );
        let log_path = a.root().join("error.log");
        let deadline = Instant::now() + Duration::from_secs(10);
        let log = loop {
            let log = std::fs::read_to_string(&log_path).unwrap_or_default();
            if log.contains("AH02276") || Instant::now() > deadline {
                break log;
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        assert!(
            log.contains("Certificate Verification: Error (12): CRL has expired"),
            "{mode}: {log}"
        );
        drop(a);
        // This crate: the handshake fails too, for the same reason in the same words.
        let e = verifier(ours, "crl-expired.pem", RevocationCheck::Chain)
            .decide(&alice, now)
            .unwrap_err();
        assert_eq!(openssl_reason(&e), "CRL has expired", "{mode}");
    }
}
