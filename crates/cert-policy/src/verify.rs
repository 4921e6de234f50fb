//! Apache's client-certificate verification settings for rustls.
//!
//! | Apache | here |
//! |---|---|
//! | `SSLVerifyClient none` | [`VerifyClient::None`]: no certificate requested |
//! | `SSLVerifyClient optional` | [`VerifyClient::Optional`]: requested; a certificate that is sent must verify |
//! | `SSLVerifyClient require` | [`VerifyClient::Require`]: required and must verify |
//! | `SSLVerifyClient optional_no_ca` | [`VerifyClient::OptionalNoCa`]: requested; an unknown issuer is accepted and recorded as `FAILED:<reason>`, a lone self-signed certificate as `GENEROUS` |
//! | `SSLVerifyDepth n` | [`VerifyConfig::depth`]: Apache's meaning, the trust anchor counts (leaf 0, its CA 1): `1` accepts leaf + root, rejects leaf + intermediate + root |
//! | `SSLCACertificateFile` | [`VerifyConfig::ca`] |
//! | `SSLCARevocationFile`, `SSLCARevocationCheck chain\|leaf\|none [no_crl_for_cert_ok]` | [`VerifyConfig::crls`], [`RevocationCheck`], [`VerifyConfig::allow_missing_crl`] |
//!
//! rustls's [`WebPkiClientVerifier`] does the chain building, signatures, validity and
//! CRLs; [`ApacheClientVerifier`] wraps it to add the modes and the depth limit it cannot
//! express and to record the outcome (`SSL_CLIENT_VERIFY`) instead of failing the handshake
//! where Apache would not fail it. Expired, not-yet-valid, revoked and badly signed
//! certificates fail the handshake in every mode, as with mod_ssl.
//!
//! CRLs: a CRL past its `nextUpdate` is refused as OpenSSL refuses it (`X509_V_ERR_CRL_HAS_EXPIRED`,
//! "CRL has expired"): a certificate whose revocation status it would decide fails the
//! handshake in every mode, as mod_ssl fails it (`AH02276: Certificate Verification: Error
//! (12): CRL has expired`), and [`ApacheClientVerifier::outcome`] reports
//! `FAILED:CRL has expired`. (rustls accepts an expired CRL unless told otherwise.) A CRL
//! that cannot be parsed is an error at load ([`read_crls`], [`read_crl_file`],
//! [`ApacheClientVerifier::new`]), naming the file or the CRL's position.
//!
//! Per-location requirements: Apache renegotiates to ask for a certificate only under some
//! `<Location>`s. TLS 1.3 has no renegotiation and rustls implements neither renegotiation
//! nor post-handshake authentication, so the certificate is requested (optionally) at the
//! handshake for the whole host, and each location decides with an expression such as
//! `%{SSL_CLIENT_VERIFY} == 'SUCCESS'` (the nginx model).

use crate::Error;
use httpauth_core::PeerVerification;
use rustls::client::danger::HandshakeSignatureValid;
use rustls::pki_types::{CertificateDer, CertificateRevocationListDer, UnixTime};
use rustls::server::WebPkiClientVerifier;
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{
    CertificateError, DigitallySignedStruct, DistinguishedName, RootCertStore, SignatureScheme,
};
use std::collections::VecDeque;
use std::path::Path;
use std::sync::{Arc, Mutex};

/// `SSLVerifyClient`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VerifyClient {
    /// `none`.
    None,
    /// `optional`.
    Optional,
    /// `require`.
    Require,
    /// `optional_no_ca`.
    OptionalNoCa,
}

impl core::str::FromStr for VerifyClient {
    type Err = Error;
    /// Parses Apache's spelling (case-insensitive).
    fn from_str(s: &str) -> Result<Self, Error> {
        Ok(match s.to_ascii_lowercase().as_str() {
            "none" => VerifyClient::None,
            "optional" => VerifyClient::Optional,
            "require" => VerifyClient::Require,
            "optional_no_ca" => VerifyClient::OptionalNoCa,
            _ => return Err(Error::Config(format!("SSLVerifyClient {s:?}"))),
        })
    }
}

/// `SSLCARevocationCheck`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum RevocationCheck {
    /// `none`: CRLs are not consulted.
    #[default]
    None,
    /// `leaf`: only the end-entity certificate.
    Leaf,
    /// `chain`: every certificate in the chain.
    Chain,
}

/// The verification settings.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct VerifyConfig {
    /// `SSLVerifyClient`.
    pub mode: VerifyClient,
    /// `SSLVerifyDepth` (Apache's default is 1).
    pub depth: u32,
    /// Trust anchors (`SSLCACertificateFile`), DER.
    pub ca: Vec<CertificateDer<'static>>,
    /// CRLs (`SSLCARevocationFile`), DER.
    pub crls: Vec<CertificateRevocationListDer<'static>>,
    /// `SSLCARevocationCheck`.
    pub revocation_check: RevocationCheck,
    /// `SSLCARevocationCheck ... no_crl_for_cert_ok`: a certificate whose CA has no CRL passes.
    pub allow_missing_crl: bool,
}

impl VerifyConfig {
    /// Adds the CRLs of the file `path` (`SSLCARevocationFile`): PEM `X509 CRL` blocks or
    /// one DER CRL, each checked to parse.
    ///
    /// # Errors
    ///
    /// As [`read_crl_file`]: the message names the file.
    pub fn add_crl_file(&mut self, path: impl AsRef<Path>) -> Result<(), Error> {
        self.crls.extend(read_crl_file(path)?);
        Ok(())
    }
}

impl VerifyConfig {
    /// Settings with `mode`, depth 1 and no CA, CRL or revocation checking.
    pub fn new(mode: VerifyClient) -> Self {
        VerifyConfig {
            mode,
            depth: 1,
            ca: Vec::new(),
            crls: Vec::new(),
            revocation_check: RevocationCheck::None,
            allow_missing_crl: false,
        }
    }
}

/// Most recorded outcomes kept for [`ApacheClientVerifier::outcome`].
pub const MAX_RECORDED_OUTCOMES: usize = 1024;

/// A rustls [`ClientCertVerifier`] with Apache's `SSLVerifyClient` semantics.
pub struct ApacheClientVerifier {
    config: VerifyConfig,
    inner: Option<Arc<dyn ClientCertVerifier>>,
    provider: Arc<rustls::crypto::CryptoProvider>,
    hints: Vec<DistinguishedName>,
    recorded: Mutex<VecDeque<(Vec<u8>, PeerVerification)>>,
}

impl core::fmt::Debug for ApacheClientVerifier {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ApacheClientVerifier")
            .field("config", &self.config)
            .finish()
    }
}

fn is_self_issued(der: &[u8]) -> bool {
    crate::CertView::parse(der)
        .map(|c| c.x509().subject().as_raw() == c.x509().issuer().as_raw())
        .unwrap_or(false)
}

impl ApacheClientVerifier {
    /// Builds the verifier (ring provider). CRLs past their `nextUpdate` are refused at
    /// verification time, as OpenSSL refuses them.
    ///
    /// # Errors
    ///
    /// [`Error::Verifier`] if a CA certificate or CRL is unusable (an unparsable CRL is
    /// named by its position in [`VerifyConfig::crls`]; [`read_crl_file`] names the file),
    /// or if `optional` / `require` is asked for without any CA.
    pub fn new(config: VerifyConfig) -> Result<Arc<Self>, Error> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut roots = RootCertStore::empty();
        for c in &config.ca {
            roots
                .add(c.clone())
                .map_err(|e| Error::Verifier(e.to_string()))?;
        }
        let inner = if roots.is_empty() {
            if matches!(config.mode, VerifyClient::Optional | VerifyClient::Require) {
                return Err(Error::Verifier(
                    "no CA certificates for SSLVerifyClient optional/require".into(),
                ));
            }
            None
        } else {
            let mut b = WebPkiClientVerifier::builder_with_provider(
                Arc::new(roots.clone()),
                provider.clone(),
            )
            .allow_unauthenticated();
            if config.revocation_check != RevocationCheck::None {
                for (i, crl) in config.crls.iter().enumerate() {
                    check_crl(crl.as_ref()).map_err(|why| {
                        Error::Verifier(format!(
                            "CRL {} of {} cannot be parsed: {why}",
                            i + 1,
                            config.crls.len()
                        ))
                    })?;
                }
                // OpenSSL (X509_V_FLAG_CRL_CHECK) refuses a CRL past its nextUpdate with
                // X509_V_ERR_CRL_HAS_EXPIRED; webpki ignores nextUpdate unless told.
                b = b
                    .with_crls(config.crls.iter().cloned())
                    .enforce_revocation_expiration();
                if config.revocation_check == RevocationCheck::Leaf {
                    b = b.only_check_end_entity_revocation();
                }
                if config.allow_missing_crl {
                    b = b.allow_unknown_revocation_status();
                }
            }
            Some(b.build().map_err(|e| Error::Verifier(e.to_string()))?)
        };
        let hints = roots.subjects();
        Ok(Arc::new(ApacheClientVerifier {
            config,
            inner,
            provider,
            hints,
            recorded: Mutex::new(VecDeque::new()),
        }))
    }

    /// The decision for a presented chain (leaf first): `Ok` with the `SSL_CLIENT_VERIFY`
    /// outcome if the handshake may go on, `Err` if Apache would fail the handshake.
    ///
    /// # Errors
    ///
    /// The rustls error the handshake fails with.
    pub fn decide(
        &self,
        chain: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<PeerVerification, rustls::Error> {
        let Some((leaf, intermediates)) = chain.split_first() else {
            return if self.config.mode == VerifyClient::Require {
                Err(rustls::Error::NoCertificatesPresented)
            } else {
                Ok(PeerVerification::None)
            };
        };
        let too_long = |depth: usize| -> Result<(), rustls::Error> {
            if depth > self.config.depth as usize {
                Err(rustls::Error::InvalidCertificate(CertificateError::Other(
                    rustls::OtherError(Arc::new(Error::Config(
                        "certificate chain too long".into(),
                    ))),
                )))
            } else {
                Ok(())
            }
        };
        let result = match &self.inner {
            Some(v) => v.verify_client_cert(leaf, intermediates, now).map(|_| ()),
            None => Err(rustls::Error::InvalidCertificate(
                CertificateError::UnknownIssuer,
            )),
        };
        match result {
            Ok(()) => {
                // Verified: the trust anchor is one more level above the presented chain.
                // A presented self-issued top certificate is the anchor itself, not one more level.
                let presented = intermediates.len()
                    - usize::from(intermediates.last().is_some_and(|c| is_self_issued(c)));
                too_long(presented + 1)?;
                Ok(PeerVerification::Success)
            }
            Err(rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer))
                if self.config.mode == VerifyClient::OptionalNoCa =>
            {
                // webpki checks the leaf's validity before path building, so an expired
                // certificate never gets here: as with mod_ssl it fails the handshake.
                if let Ok(x) = crate::CertView::parse(leaf) {
                    let now_s = now.as_secs() as i64;
                    let v = &x.x509().tbs_certificate.validity;
                    if now_s > v.not_after.timestamp() {
                        return Err(rustls::Error::InvalidCertificate(CertificateError::Expired));
                    }
                    if now_s < v.not_before.timestamp() {
                        return Err(rustls::Error::InvalidCertificate(
                            CertificateError::NotValidYet,
                        ));
                    }
                }
                too_long(intermediates.len())?;
                // The outcomes and OpenSSL's wording as Apache 2.4.71 + OpenSSL 3.0 report them
                // (checked by tests/apache.rs): a lone self-signed certificate is GENEROUS;
                // an unknown issuer is FAILED with X509_verify_cert_error_string's text.
                if intermediates.is_empty() && is_self_issued(leaf) {
                    return Ok(PeerVerification::Generous);
                }
                let reason = if is_self_issued(leaf) {
                    "self-signed certificate"
                } else if intermediates.last().is_some_and(|c| is_self_issued(c)) {
                    "self-signed certificate in certificate chain"
                } else if intermediates.is_empty() {
                    "unable to verify the first certificate"
                } else {
                    "unable to get local issuer certificate"
                };
                Ok(PeerVerification::Failed(reason.into()))
            }
            Err(e) => Err(e),
        }
    }

    /// The recorded outcome of the handshake that presented `chain` (DER, leaf first), as
    /// `SSL_CLIENT_VERIFY` reports it. Recomputed if it is no longer recorded.
    pub fn outcome(&self, chain: &[Vec<u8>]) -> PeerVerification {
        let Some(leaf) = chain.first() else {
            return PeerVerification::None;
        };
        if let Ok(r) = self.recorded.lock()
            && let Some((_, v)) = r.iter().rev().find(|(k, _)| k == leaf)
        {
            return v.clone();
        }
        let ders: Vec<CertificateDer<'_>> = chain
            .iter()
            .map(|d| CertificateDer::from(d.as_slice()))
            .collect();
        self.decide(&ders, UnixTime::now())
            .unwrap_or_else(|e| PeerVerification::Failed(openssl_reason(&e)))
    }

    fn record(&self, leaf: &[u8], v: PeerVerification) {
        if let Ok(mut r) = self.recorded.lock() {
            if r.len() >= MAX_RECORDED_OUTCOMES {
                r.pop_front();
            }
            r.push_back((leaf.to_vec(), v));
        }
    }
}

impl ClientCertVerifier for ApacheClientVerifier {
    fn offer_client_auth(&self) -> bool {
        self.config.mode != VerifyClient::None
    }
    fn client_auth_mandatory(&self) -> bool {
        self.config.mode == VerifyClient::Require
    }
    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &self.hints
    }
    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        let mut chain = vec![end_entity.clone()];
        chain.extend(intermediates.iter().cloned());
        let v = self.decide(&chain, now)?;
        self.record(end_entity.as_ref(), v);
        Ok(ClientCertVerified::assertion())
    }
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }
    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// Reads PEM `CERTIFICATE` blocks (or one DER certificate) from bytes.
///
/// # Errors
///
/// [`Error::Pem`] for malformed PEM or input holding no certificate.
pub fn read_certificates(data: &[u8]) -> Result<Vec<Vec<u8>>, Error> {
    read_pem(data, "CERTIFICATE", true)
}

/// Reads PEM `X509 CRL` blocks (or one DER CRL), each checked to parse as a CRL.
///
/// # Errors
///
/// [`Error::Pem`] for malformed PEM, input holding no CRL, or a block that is not a CRL
/// (its 1-based position is named).
pub fn read_crls(data: &[u8]) -> Result<Vec<Vec<u8>>, Error> {
    let crls = read_pem(data, "X509 CRL", true)?;
    let n = crls.len();
    for (i, der) in crls.iter().enumerate() {
        check_crl(der)
            .map_err(|why| Error::Pem(format!("CRL {} of {n} cannot be parsed: {why}", i + 1)))?;
    }
    Ok(crls)
}

/// Reads the CRL file `path` (`SSLCARevocationFile`): PEM `X509 CRL` blocks or one DER
/// CRL, each checked to parse.
///
/// # Errors
///
/// [`Error::File`] if it cannot be read, [`Error::Pem`] as for [`read_crls`]; either
/// message names the file (`/etc/ssl/crl.pem: invalid pem: CRL 2 of 3 cannot be parsed: ...`).
pub fn read_crl_file(
    path: impl AsRef<Path>,
) -> Result<Vec<CertificateRevocationListDer<'static>>, Error> {
    let path = path.as_ref();
    let data = std::fs::read(path).map_err(|e| Error::File(format!("{}: {e}", path.display())))?;
    let crls = read_crls(&data).map_err(|e| Error::Pem(format!("{}: {e}", path.display())))?;
    Ok(crls
        .into_iter()
        .map(CertificateRevocationListDer::from)
        .collect())
}

/// Checks that `der` is one whole X.509 CRL (RFC 5280 section 5.1), without trailing data.
fn check_crl(der: &[u8]) -> Result<(), String> {
    match x509_parser::parse_x509_crl(der) {
        Ok(([], _)) => Ok(()),
        Ok((rest, _)) => Err(format!("{} bytes of trailing data", rest.len())),
        Err(e) => Err(e.to_string()),
    }
}

/// The text OpenSSL's `X509_verify_cert_error_string` gives for the verification error
/// behind `e` (what Apache logs and puts after `FAILED:` in `SSL_CLIENT_VERIFY`), or
/// rustls's own text for errors OpenSSL has no counterpart for.
pub fn openssl_reason(e: &rustls::Error) -> String {
    use rustls::CertRevocationListError as Crl;
    let s = match e {
        rustls::Error::InvalidCertificate(c) => match c {
            CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
                "certificate has expired"
            }
            CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                "certificate is not yet valid"
            }
            CertificateError::Revoked => "certificate revoked",
            CertificateError::UnknownIssuer => "unable to get local issuer certificate",
            CertificateError::UnknownRevocationStatus => "unable to get certificate CRL",
            CertificateError::ExpiredRevocationList
            | CertificateError::ExpiredRevocationListContext { .. } => "CRL has expired",
            CertificateError::BadSignature => "certificate signature failure",
            CertificateError::BadEncoding => "unable to decode issuer public key",
            _ => return e.to_string(),
        },
        rustls::Error::InvalidCertRevocationList(c) => match c {
            Crl::BadSignature => "CRL signature failure",
            Crl::ParseError => "unable to decode CRL",
            _ => return e.to_string(),
        },
        rustls::Error::NoCertificatesPresented => "peer did not return a certificate",
        _ => return e.to_string(),
    };
    s.to_owned()
}

fn read_pem(data: &[u8], label: &str, der_ok: bool) -> Result<Vec<Vec<u8>>, Error> {
    use base64::Engine as _;
    if der_ok && data.first() == Some(&0x30) {
        return Ok(vec![data.to_vec()]);
    }
    let text = core::str::from_utf8(data).map_err(|_| Error::Pem("not UTF-8 text".into()))?;
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(b) = rest.find(&begin) {
        let after = &rest[b + begin.len()..];
        let e = after
            .find(&end)
            .ok_or_else(|| Error::Pem(format!("unterminated {label} block")))?;
        let b64: String = after[..e].chars().filter(|c| !c.is_whitespace()).collect();
        out.push(
            base64::engine::general_purpose::STANDARD
                .decode(b64)
                .map_err(|e| Error::Pem(e.to_string()))?,
        );
        rest = &after[e + end.len()..];
    }
    if out.is_empty() {
        return Err(Error::Pem(format!("no {label} found")));
    }
    Ok(out)
}
