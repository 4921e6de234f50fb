//! A real rustls handshake (in memory) with [`ApacheClientVerifier`] on the server side:
//! optional_no_ca accepts an unknown-CA certificate and records the outcome; require
//! refuses a missing certificate; expired certificates fail in every mode.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers; failures should panic

use base64::Engine as _;
use cert_policy::verify::read_certificates;
use cert_policy::{ApacheClientVerifier, PeerVerification, VerifyClient, VerifyConfig};
use rustls::{ClientConfig, ClientConnection, RootCertStore, ServerConfig, ServerConnection};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
use std::sync::Arc;

fn data(name: &str) -> Vec<u8> {
    std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data")
            .join(name),
    )
    .unwrap()
}

fn key(name: &str) -> PrivateKeyDer<'static> {
    let text = String::from_utf8(data(name)).unwrap();
    let b64: String = text.lines().filter(|l| !l.starts_with("-----")).collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .unwrap();
    PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(der))
}

fn certs(name: &str) -> Vec<CertificateDer<'static>> {
    read_certificates(&data(name))
        .unwrap()
        .into_iter()
        .map(CertificateDer::from)
        .collect()
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// A client that always presents one certificate.
#[derive(Debug)]
struct OneClientCert(Arc<rustls::sign::CertifiedKey>);

impl rustls::client::ResolvesClientCert for OneClientCert {
    fn resolve(
        &self,
        _root_hint_subjects: &[&[u8]],
        _sigschemes: &[rustls::SignatureScheme],
    ) -> Option<Arc<rustls::sign::CertifiedKey>> {
        Some(self.0.clone())
    }
    fn has_certs(&self) -> bool {
        true
    }
}

/// Runs a handshake; returns the server's view of the verification, or the error.
fn handshake(mode: VerifyClient, client: Option<(&str, &str)>) -> Result<PeerVerification, String> {
    handshake_with(mode, "ca.pem", client, rustls::DEFAULT_VERSIONS)
}

/// [`handshake`] with the server's trust anchors from `ca` and the given TLS versions.
fn handshake_with(
    mode: VerifyClient,
    ca: &str,
    client: Option<(&str, &str)>,
    versions: &[&'static rustls::SupportedProtocolVersion],
) -> Result<PeerVerification, String> {
    let mut cfg = VerifyConfig::new(mode);
    cfg.depth = 5;
    cfg.ca = certs(ca);
    let verifier = ApacheClientVerifier::with_provider(cfg, provider()).unwrap();
    let server_cfg = ServerConfig::builder_with_provider(provider())
        .with_protocol_versions(versions)
        .unwrap()
        .with_client_cert_verifier(verifier.clone())
        .with_single_cert(certs("server.pem"), key("server.key"))
        .unwrap();
    let mut roots = RootCertStore::empty();
    roots.add(certs("ca.pem").remove(0)).unwrap();
    let builder = ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots);
    let client_cfg = match client {
        // Not `with_client_auth_cert`: rustls's client checks the key against the
        // certificate with webpki, which refuses X.509 v1 (UnsupportedCertVersion).
        Some((c, k)) => builder.with_client_cert_resolver(Arc::new(OneClientCert(Arc::new(
            rustls::sign::CertifiedKey::new(
                certs(c),
                provider().key_provider.load_private_key(key(k)).unwrap(),
            ),
        )))),
        None => builder.with_no_client_auth(),
    };
    let mut s = ServerConnection::new(Arc::new(server_cfg)).unwrap();
    let mut c = ClientConnection::new(
        Arc::new(client_cfg),
        ServerName::try_from("localhost").unwrap(),
    )
    .unwrap();
    for _ in 0..20 {
        let mut buf = Vec::new();
        c.write_tls(&mut buf).unwrap();
        if !buf.is_empty() {
            s.read_tls(&mut buf.as_slice()).unwrap();
            s.process_new_packets().map_err(|e| e.to_string())?;
        }
        let mut buf = Vec::new();
        s.write_tls(&mut buf).unwrap();
        if !buf.is_empty() {
            c.read_tls(&mut buf.as_slice()).unwrap();
            c.process_new_packets().map_err(|e| e.to_string())?;
        }
        if !s.is_handshaking() && !c.is_handshaking() {
            break;
        }
    }
    assert!(!s.is_handshaking());
    let chain: Vec<Vec<u8>> = s
        .peer_certificates()
        .unwrap_or_default()
        .iter()
        .map(|c| c.to_vec())
        .collect();
    Ok(verifier.outcome(&chain))
}

#[test]
fn optional_no_ca_records_instead_of_failing() {
    assert_eq!(
        handshake(VerifyClient::OptionalNoCa, Some(("alice.pem", "alice.key"))),
        Ok(PeerVerification::Success)
    );
    assert_eq!(
        handshake(
            VerifyClient::OptionalNoCa,
            Some(("wrongca.pem", "wrongca.key"))
        ),
        Ok(PeerVerification::Failed(
            "unable to verify the first certificate".into()
        ))
    );
    assert_eq!(
        handshake(
            VerifyClient::OptionalNoCa,
            Some(("selfsigned.pem", "selfsigned.key"))
        ),
        // No CRL checking: OpenSSL's X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT stays the verify
        // result (Apache 2.4 + OpenSSL 3; tests/apache_verify.rs, "optional_no_ca-nocrl").
        Ok(PeerVerification::Failed("self-signed certificate".into()))
    );
    assert_eq!(
        handshake(VerifyClient::OptionalNoCa, None),
        Ok(PeerVerification::None)
    );
    assert!(
        handshake(
            VerifyClient::OptionalNoCa,
            Some(("expired.pem", "expired.key"))
        )
        .is_err()
    );
}

/// Issue 16: the X.509 v1 client certificate of the usual openssl recipe (`openssl x509 -req
/// -CA`, v1 CA by `-signkey`) completes a real rustls handshake, TLS 1.3 and TLS 1.2 (the
/// CertificateVerify signature is checked against the v1 certificate's key with the
/// provider's algorithms), and verifies as SUCCESS; under the root CA alone it is refused
/// in require mode and FAILED under optional_no_ca.
#[test]
fn recipe_v1_client_certificate_handshake() {
    for versions in [
        &[&rustls::version::TLS13][..],
        &[&rustls::version::TLS12][..],
    ] {
        assert_eq!(
            handshake_with(
                VerifyClient::Require,
                "ca-trust.pem",
                Some(("recipe-client.pem", "recipe-client.key")),
                versions
            ),
            Ok(PeerVerification::Success),
            "{versions:?}"
        );
        // The self-signed CA:TRUE leaf (webpki: CaUsedAsEndEntity) passes optional_no_ca.
        assert_eq!(
            handshake_with(
                VerifyClient::OptionalNoCa,
                "ca.pem",
                Some(("selfca.pem", "selfca.key")),
                versions
            ),
            Ok(PeerVerification::Failed("self-signed certificate".into())),
            "{versions:?}"
        );
    }
    assert!(
        handshake_with(
            VerifyClient::Require,
            "ca.pem",
            Some(("recipe-client.pem", "recipe-client.key")),
            rustls::DEFAULT_VERSIONS
        )
        .is_err()
    );
    assert_eq!(
        handshake_with(
            VerifyClient::OptionalNoCa,
            "ca.pem",
            Some(("recipe-client.pem", "recipe-client.key")),
            rustls::DEFAULT_VERSIONS
        ),
        Ok(PeerVerification::Failed(
            "unable to verify the first certificate".into()
        ))
    );
}

#[test]
fn optional_and_require() {
    assert!(handshake(VerifyClient::Optional, Some(("wrongca.pem", "wrongca.key"))).is_err());
    assert_eq!(
        handshake(VerifyClient::Optional, None),
        Ok(PeerVerification::None)
    );
    assert!(handshake(VerifyClient::Require, None).is_err());
    assert_eq!(
        handshake(VerifyClient::Require, Some(("chain-utf8.pem", "utf8.key"))),
        Ok(PeerVerification::Success)
    );
}

#[test]
fn depth_follows_apache() {
    // Leaf + intermediate + root is depth 2: SSLVerifyDepth 1 refuses it, 2 accepts it.
    let mut cfg = VerifyConfig::new(VerifyClient::Require);
    cfg.ca = certs("ca.pem");
    let chain = certs("chain-utf8.pem");
    let now = rustls_pki_types::UnixTime::now();
    cfg.depth = 1;
    assert!(
        ApacheClientVerifier::with_provider(cfg.clone(), provider())
            .unwrap()
            .decide(&chain, now)
            .is_err()
    );
    cfg.depth = 2;
    assert_eq!(
        ApacheClientVerifier::with_provider(cfg.clone(), provider())
            .unwrap()
            .decide(&chain, now),
        Ok(PeerVerification::Success)
    );
    // Leaf + root at depth 1 is fine.
    cfg.depth = 1;
    assert_eq!(
        ApacheClientVerifier::with_provider(cfg, provider())
            .unwrap()
            .decide(&certs("alice.pem"), now),
        Ok(PeerVerification::Success)
    );
}

#[test]
fn revocation_modes() {
    use cert_policy::RevocationCheck;
    use rustls_pki_types::CertificateRevocationListDer;
    let mut cfg = VerifyConfig::new(VerifyClient::OptionalNoCa);
    cfg.depth = 5;
    cfg.ca = certs("ca.pem");
    cfg.crls = cert_policy::verify::read_crls(&data("crl.pem"))
        .unwrap()
        .into_iter()
        .map(CertificateRevocationListDer::from)
        .collect();
    let now = rustls_pki_types::UnixTime::now();
    cfg.revocation_check = RevocationCheck::Leaf;
    let v = ApacheClientVerifier::with_provider(cfg.clone(), provider()).unwrap();
    assert!(v.decide(&certs("revoked.pem"), now).is_err());
    assert_eq!(
        v.decide(&certs("alice.pem"), now),
        Ok(PeerVerification::Success)
    );
    cfg.revocation_check = RevocationCheck::None;
    let v = ApacheClientVerifier::with_provider(cfg.clone(), provider()).unwrap();
    assert_eq!(
        v.decide(&certs("revoked.pem"), now),
        Ok(PeerVerification::Success)
    );
    // Chain checking without a CRL for the intermediate fails unless allowed.
    cfg.revocation_check = RevocationCheck::Chain;
    let v = ApacheClientVerifier::with_provider(cfg.clone(), provider()).unwrap();
    assert!(v.decide(&certs("chain-utf8.pem"), now).is_err());
    cfg.allow_missing_crl = true;
    let v = ApacheClientVerifier::with_provider(cfg, provider()).unwrap();
    assert_eq!(
        v.decide(&certs("chain-utf8.pem"), now),
        Ok(PeerVerification::Success)
    );
}

#[test]
fn fake_basic_auth() {
    use cert_policy::{TlsInfo, TlsVars, check_fake_basic, fake_basic_user};
    use httpauth_core::Password;
    let mut t = TlsInfo::default();
    t.peer_certificates = read_certificates(&data("alice.pem")).unwrap();
    t.peer_verification = PeerVerification::Success;
    let v = TlsVars::new(&t).unwrap();
    let user = fake_basic_user(&v).unwrap();
    assert_eq!(
        user,
        "/C=DE/ST=Bayern/L=Muenchen/O=garex AG/OU=Fun dept./OU=Sales/OU=R&D/CN=Alice Example/emailAddress=alice@example.com"
    );
    assert!(check_fake_basic(&v, &user, &Password::from(cert_policy::FAKE_BASIC_PASSWORD)).is_ok());
    assert!(check_fake_basic(&v, &user, &Password::from("wrong")).is_err());
    assert!(check_fake_basic(&v, "/CN=other", &Password::from("password")).is_err());
    t.peer_verification = PeerVerification::Failed("x".into());
    let v = TlsVars::new(&t).unwrap();
    assert!(check_fake_basic(&v, &user, &Password::from("password")).is_err());
}
