//! Apache's client-certificate verification settings for rustls.
//!
//! | Apache | here |
//! |---|---|
//! | `SSLVerifyClient none` | [`VerifyClient::None`]: no certificate requested |
//! | `SSLVerifyClient optional` | [`VerifyClient::Optional`]: requested; a certificate that is sent must verify |
//! | `SSLVerifyClient require` | [`VerifyClient::Require`]: required and must verify |
//! | `SSLVerifyClient optional_no_ca` | [`VerifyClient::OptionalNoCa`]: requested; the errors mod_ssl's `ssl_verify_error_is_optional` lists (self-signed, unknown issuer) are accepted and recorded as `FAILED:<OpenSSL's reason>` |
//! | `SSLVerifyDepth n` | [`VerifyConfig::depth`], default 1: Apache's meaning, the trust anchor counts (leaf 0, its CA 1): `1` accepts leaf + root, rejects leaf + intermediate + root |
//! | `SSLCACertificateFile` | [`VerifyConfig::ca`] (v1 and v3 roots) |
//! | `SSLCARevocationFile`, `SSLCARevocationCheck chain\|leaf\|none [no_crl_for_cert_ok]` | [`VerifyConfig::crls`], [`RevocationCheck`], [`VerifyConfig::allow_missing_crl`] |
//!
//! The chain is judged by the crate's `pkix` module, which follows OpenSSL 3.0's `X509_verify_cert`
//! step by step and mod_ssl's verify callback (see there). It is the same code for the
//! rustls [`ClientCertVerifier`] and for the `cert-policy` tool
//! ([`ApacheClientVerifier::decide`]). Signatures, of certificates, CRLs and handshakes,
//! are verified with the signature algorithms of the application's rustls
//! [`CryptoProvider`](rustls::crypto::CryptoProvider) ([`ApacheClientVerifier::with_provider`],
//! or the process default with [`ApacheClientVerifier::new`]); this crate enables no
//! provider feature of rustls.
//!
//! Refusals carry OpenSSL's reason ([`openssl_reason`], [`X509VerifyError`]): expired,
//! not-yet-valid, revoked, badly signed certificates, a CA that is not one, the wrong
//! purpose (extendedKeyUsage without clientAuth), a chain deeper than `SSLVerifyDepth` and
//! a CRL past its `nextUpdate` (`AH02276: Certificate Verification: Error (12): CRL has
//! expired`) fail the handshake in every mode, as with mod_ssl.
//!
//! Per-location requirements: Apache renegotiates to ask for a certificate only under some
//! `<Location>`s. TLS 1.3 has no renegotiation and rustls implements neither renegotiation
//! nor post-handshake authentication, so the certificate is requested (optionally) at the
//! handshake for the whole host, and each location decides with an expression such as
//! `%{SSL_CLIENT_VERIFY} == 'SUCCESS'` (the nginx model).

use crate::Error;
pub use crate::pkix::X509VerifyError;
use crate::pkix::{self, Params, Verdict};
use httpauth_core::PeerVerification;
use rustls::client::danger::HandshakeSignatureValid;
use rustls::pki_types::{CertificateDer, CertificateRevocationListDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{
    CertificateError, DigitallySignedStruct, DistinguishedName, PeerMisbehaved, SignatureScheme,
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

/// A rustls [`ClientCertVerifier`] with Apache's `SSLVerifyClient` semantics: the chain is
/// judged as mod_ssl's OpenSSL judges it (`pkix.rs`: v1 and v3 certificates, v1
/// roots, chain building with the client's intermediates, `SSLVerifyDepth`, validity, the
/// `sslclient` purpose, CRLs), with signatures checked by the algorithms of the rustls
/// [`CryptoProvider`](rustls::crypto::CryptoProvider) the application chose.
pub struct ApacheClientVerifier {
    config: VerifyConfig,
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

/// The rustls error a refused handshake reports: the rustls variant where one fits (so
/// rustls sends the matching alert), otherwise [`CertificateError::Other`] carrying the
/// OpenSSL error ([`openssl_reason`] gives its text either way).
fn to_rustls(e: X509VerifyError) -> rustls::Error {
    use X509VerifyError as E;
    let c = match e {
        E::CertHasExpired => CertificateError::Expired,
        E::CertNotYetValid => CertificateError::NotValidYet,
        E::CertRevoked => CertificateError::Revoked,
        E::CrlHasExpired => CertificateError::ExpiredRevocationList,
        E::CertSignatureFailure => CertificateError::BadSignature,
        E::UnableToGetIssuerCertLocally => CertificateError::UnknownIssuer,
        _ => CertificateError::Other(rustls::OtherError(Arc::new(e))),
    };
    rustls::Error::InvalidCertificate(c)
}

impl ApacheClientVerifier {
    /// Builds the verifier with the process-default rustls
    /// [`CryptoProvider`](rustls::crypto::CryptoProvider) (the one
    /// `CryptoProvider::install_default` installed, or rustls's crate-feature default once
    /// a config builder has installed it). This crate never selects a provider itself.
    ///
    /// # Errors
    ///
    /// [`Error::Verifier`] if no process-default provider is installed, and as
    /// [`with_provider`](Self::with_provider).
    pub fn new(config: VerifyConfig) -> Result<Arc<Self>, Error> {
        let provider = rustls::crypto::CryptoProvider::get_default()
            .cloned()
            .ok_or_else(|| {
                Error::Verifier(
                    "no process-default rustls CryptoProvider: install one with \
                     CryptoProvider::install_default() or use ApacheClientVerifier::with_provider"
                        .into(),
                )
            })?;
        Self::with_provider(config, provider)
    }

    /// Builds the verifier with `provider`'s signature verification algorithms.
    ///
    /// # Errors
    ///
    /// [`Error::Verifier`] if a CA certificate or CRL cannot be parsed (an unparsable CRL
    /// is named by its position in [`VerifyConfig::crls`]; [`read_crl_file`] names the
    /// file), or if `optional` / `require` is asked for without any CA.
    pub fn with_provider(
        config: VerifyConfig,
        provider: Arc<rustls::crypto::CryptoProvider>,
    ) -> Result<Arc<Self>, Error> {
        let mut hints = Vec::new();
        for (i, c) in config.ca.iter().enumerate() {
            let view = crate::CertView::parse(c).map_err(|e| {
                Error::Verifier(format!(
                    "CA certificate {} of {}: {e}",
                    i + 1,
                    config.ca.len()
                ))
            })?;
            hints.push(DistinguishedName::from(
                view.x509().subject().as_raw().to_vec(),
            ));
        }
        if config.ca.is_empty()
            && matches!(config.mode, VerifyClient::Optional | VerifyClient::Require)
        {
            return Err(Error::Verifier(
                "no CA certificates for SSLVerifyClient optional/require".into(),
            ));
        }
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
        }
        Ok(Arc::new(ApacheClientVerifier {
            config,
            provider,
            hints,
            recorded: Mutex::new(VecDeque::new()),
        }))
    }

    /// The settings.
    pub fn config(&self) -> &VerifyConfig {
        &self.config
    }

    /// The decision for a presented chain (leaf first): `Ok` with the `SSL_CLIENT_VERIFY`
    /// outcome if the handshake may go on, `Err` if Apache would fail the handshake.
    ///
    /// # Errors
    ///
    /// The rustls error the handshake fails with; [`openssl_reason`] gives OpenSSL's text.
    pub fn decide(
        &self,
        chain: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<PeerVerification, rustls::Error> {
        if chain.is_empty() {
            return if self.config.mode == VerifyClient::Require {
                Err(rustls::Error::NoCertificatesPresented)
            } else {
                Ok(PeerVerification::None)
            };
        }
        if self.config.mode == VerifyClient::None {
            // mod_ssl does not ask for a certificate; none is verified.
            return Ok(PeerVerification::None);
        }
        let presented: Vec<&[u8]> = chain.iter().map(|c| c.as_ref()).collect();
        let anchors: Vec<&[u8]> = self.config.ca.iter().map(|c| c.as_ref()).collect();
        let crls: Vec<&[u8]> = self.config.crls.iter().map(|c| c.as_ref()).collect();
        let params = Params {
            optional_no_ca: self.config.mode == VerifyClient::OptionalNoCa,
            depth: self.config.depth,
            crl_check: match self.config.revocation_check {
                RevocationCheck::None => None,
                RevocationCheck::Leaf => Some(false),
                RevocationCheck::Chain => Some(true),
            },
            no_crl_for_cert_ok: self.config.allow_missing_crl,
            algs: &self.provider.signature_verification_algorithms,
            now: i64::try_from(now.as_secs()).unwrap_or(i64::MAX),
        };
        // ssl_var_lookup_ssl_cert_verify (ssl_engine_vars.c): SUCCESS when the verify
        // result is X509_V_OK, GENEROUS when it is X509_V_OK and mod_ssl forgave an
        // error, FAILED:<X509_verify_cert_error_string(result)> otherwise.
        match pkix::verify(&presented, &anchors, &crls, &params) {
            Verdict::Accepted {
                error: None,
                generous: false,
            } => Ok(PeerVerification::Success),
            Verdict::Accepted {
                error: None,
                generous: true,
            } => Ok(PeerVerification::Generous),
            Verdict::Accepted { error: Some(e), .. } => {
                Ok(PeerVerification::Failed(e.text().to_owned()))
            }
            Verdict::Refused(e) => Err(to_rustls(e)),
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

    /// A handshake signature by the key of `cert` (v1 or v3), with the provider's
    /// algorithms for `dss.scheme` whose public-key algorithm matches the key (what rustls's
    /// `verify_tls12_signature` does, without webpki's refusal of v1 certificates).
    fn verify_handshake_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
        tls13: bool,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        let algs = &self.provider.signature_verification_algorithms;
        if tls13 {
            // rustls's own raw-key path: only the SubjectPublicKeyInfo is parsed, so the
            // certificate's version does not matter; TLS 1.3 scheme rules are applied there.
            let (spki, _, _) = pkix::cert_spki(cert.as_ref()).ok_or(
                rustls::Error::InvalidCertificate(CertificateError::BadEncoding),
            )?;
            return rustls::crypto::verify_tls13_signature_with_raw_key(
                message,
                &rustls::pki_types::SubjectPublicKeyInfoDer::from(spki),
                dss,
                algs,
            );
        }
        let unadvertised = || {
            rustls::Error::PeerMisbehaved(PeerMisbehaved::SignedHandshakeWithUnadvertisedSigScheme)
        };
        let Some((_, candidates)) = algs.mapping.iter().find(|(s, _)| *s == dss.scheme) else {
            return Err(unadvertised());
        };
        let (_, key_alg, key) = pkix::cert_spki(cert.as_ref()).ok_or(
            rustls::Error::InvalidCertificate(CertificateError::BadEncoding),
        )?;
        // TLS 1.2: every algorithm of the scheme is tried, as rustls does.
        for alg in candidates.iter() {
            if alg.public_key_alg_id().as_ref() == key_alg
                && alg.verify_signature(key, message, dss.signature()).is_ok()
            {
                return Ok(HandshakeSignatureValid::assertion());
            }
        }
        Err(rustls::Error::InvalidCertificate(
            CertificateError::BadSignature,
        ))
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
        self.verify_handshake_signature(message, cert, dss, false)
    }
    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.verify_handshake_signature(message, cert, dss, true)
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
        rustls::Error::InvalidCertificate(CertificateError::Other(o))
            if o.0.downcast_ref::<X509VerifyError>().is_some() =>
        {
            return o
                .0
                .downcast_ref::<X509VerifyError>()
                .map(|x| x.text().to_owned())
                .unwrap_or_default();
        }
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
