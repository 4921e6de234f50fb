//! Client-certificate chain verification with the semantics mod_ssl gets from OpenSSL 3
//! (`X509_verify_cert` with the `sslclient` purpose, called back into mod_ssl's
//! `ssl_callback_SSLVerify`).
//!
//! The steps and their order follow OpenSSL 3.0's `crypto/x509/x509_vfy.c`:
//!
//! 1. `build_chain`: from the leaf upwards, issuers are looked up in the trust store first
//!    (`X509_V_FLAG_TRUSTED_FIRST`, on by default), then among the certificates the client
//!    sent. The chain is trusted when it ends in a self-signed certificate of the store
//!    (`X509_TRUST_SSL_CLIENT` without auxiliary trust: `trust_compat`, "self-signed means
//!    trusted"), so v1 roots are anchors like v3 ones. Otherwise one of
//!    `X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT`, `..._SELF_SIGNED_CERT_IN_CHAIN`,
//!    `..._UNABLE_TO_GET_ISSUER_CERT` or `..._UNABLE_TO_GET_ISSUER_CERT_LOCALLY` is reported
//!    at the depth of the top certificate.
//! 2. `check_extensions`: unhandled critical extensions; every certificate above the leaf
//!    must be a CA by `X509_check_ca` (basicConstraints CA:TRUE, or no basicConstraints and
//!    a v1 self-signed certificate, a keyUsage with keyCertSign, or a Netscape CA cert
//!    type); the `sslclient` purpose (`check_purpose_ssl_client`: extendedKeyUsage must
//!    include clientAuth, keyUsage digitalSignature or keyAgreement, nsCertType SSL client;
//!    for CAs `check_ssl_ca`); pathLenConstraint.
//! 3. `check_revocation` (`SSLCARevocationCheck leaf|chain`): a CRL from the certificate's
//!    issuer, its signature, its `thisUpdate`/`nextUpdate`, the serial.
//! 4. `internal_verify`: from the top down, signatures (not of a self-signed top, as OpenSSL
//!    skips it without `X509_V_FLAG_CHECK_SS_SIGNATURE`), validity windows (the anchor's
//!    too), and a callback at every depth.
//!
//! Every error goes through [`Run::cb`], which does what `ssl_callback_SSLVerify`
//! (httpd 2.4 `modules/ssl/ssl_engine_kernel.c`) does: forgive the "issuer not verifiable"
//! errors under `optional_no_ca` (`ssl_verify_error_is_optional`), forgive
//! `X509_V_ERR_UNABLE_TO_GET_CRL` under `no_crl_for_cert_ok`, and refuse any depth beyond
//! `SSLVerifyDepth` (`errdepth > depth`: the leaf is depth 0, so the trust anchor counts).
//! The first error not forgiven ends verification and fails the handshake.
//!
//! Signatures are verified with the signature verification algorithms of the rustls
//! [`CryptoProvider`](rustls::crypto::CryptoProvider) in use, looked up by the signature
//! and public-key `AlgorithmIdentifier`s as webpki does; there is no cryptography here.
//!
//! Not done: name constraints (`check_name_constraints`), certificate policies, DANE,
//! OpenSSL's own depth limit (mod_ssl's callback check is the stricter one), and name
//! comparison is on the DER bytes, not on OpenSSL's canonical form (case- and
//! whitespace-folded); CRL distribution points, delta CRLs and indirect CRLs are not used.

use rustls::crypto::WebPkiSupportedAlgorithms;
use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::ParsedExtension;
use x509_parser::prelude::FromDer;
use x509_parser::revocation_list::CertificateRevocationList;

/// OpenSSL's `X509_V_ERR_*` verification errors this verifier reports; `Display` is
/// `X509_verify_cert_error_string`'s text (OpenSSL 3.0), which Apache puts after `FAILED:`
/// in `SSL_CLIENT_VERIFY` and logs as `Certificate Verification: Error (n): text`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum X509VerifyError {
    /// 2: the top of the chain came from the trust store but is not self-signed and its
    /// issuer is unknown.
    UnableToGetIssuerCert,
    /// 3: no CRL from the certificate's issuer.
    UnableToGetCrl,
    /// 6: the issuer's public key cannot be used.
    UnableToDecodeIssuerPublicKey,
    /// 7: a certificate signature does not verify.
    CertSignatureFailure,
    /// 8: a CRL signature does not verify.
    CrlSignatureFailure,
    /// 9: `notBefore` is in the future.
    CertNotYetValid,
    /// 10: `notAfter` is in the past.
    CertHasExpired,
    /// 11: the CRL's `thisUpdate` is in the future.
    CrlNotYetValid,
    /// 12: the CRL's `nextUpdate` is in the past.
    CrlHasExpired,
    /// 18: a lone self-signed certificate that is not in the trust store.
    DepthZeroSelfSignedCert,
    /// 19: the chain ends in a self-signed certificate that is not in the trust store.
    SelfSignedCertInChain,
    /// 20: the issuer of the top certificate is in neither the store nor the sent chain.
    UnableToGetIssuerCertLocally,
    /// 21: a lone certificate whose issuer is unknown.
    UnableToVerifyLeafSignature,
    /// 22: the chain is deeper than `SSLVerifyDepth`.
    CertChainTooLong,
    /// 23: the certificate is on its issuer's CRL.
    CertRevoked,
    /// 24: a certificate above the leaf is not a CA.
    InvalidCa,
    /// 25: a CA's pathLenConstraint is exceeded.
    PathLengthExceeded,
    /// 26: the certificate may not be used for TLS client authentication.
    InvalidPurpose,
    /// 32: the issuer's keyUsage lacks keyCertSign.
    KeyUsageNoCertSign,
    /// 33: the CRL's issuer is not in the chain.
    UnableToGetCrlIssuer,
    /// 34: a critical extension OpenSSL does not know.
    UnhandledCriticalExtension,
    /// 35: the CRL issuer's keyUsage lacks cRLSign.
    KeyUsageNoCrlSign,
    /// 36: a critical CRL extension OpenSSL does not handle.
    UnhandledCriticalCrlExtension,
    /// The certificate cannot be parsed (OpenSSL refuses it before verification; mod_ssl
    /// never sees such a connection).
    Unparsable,
}

impl X509VerifyError {
    /// OpenSSL's error number (`X509_V_ERR_*`), as Apache logs it.
    pub fn code(self) -> i32 {
        use X509VerifyError as E;
        match self {
            E::UnableToGetIssuerCert => 2,
            E::UnableToGetCrl => 3,
            E::UnableToDecodeIssuerPublicKey => 6,
            E::CertSignatureFailure => 7,
            E::CrlSignatureFailure => 8,
            E::CertNotYetValid => 9,
            E::CertHasExpired => 10,
            E::CrlNotYetValid => 11,
            E::CrlHasExpired => 12,
            E::DepthZeroSelfSignedCert => 18,
            E::SelfSignedCertInChain => 19,
            E::UnableToGetIssuerCertLocally => 20,
            E::UnableToVerifyLeafSignature => 21,
            E::CertChainTooLong => 22,
            E::CertRevoked => 23,
            E::InvalidCa => 24,
            E::PathLengthExceeded => 25,
            E::InvalidPurpose => 26,
            E::KeyUsageNoCertSign => 32,
            E::UnableToGetCrlIssuer => 33,
            E::UnhandledCriticalExtension => 34,
            E::KeyUsageNoCrlSign => 35,
            E::UnhandledCriticalCrlExtension => 36,
            E::Unparsable => 1,
        }
    }

    /// `X509_verify_cert_error_string` (OpenSSL 3.0 `crypto/x509/x509_txt.c`).
    pub fn text(self) -> &'static str {
        use X509VerifyError as E;
        match self {
            E::UnableToGetIssuerCert => "unable to get issuer certificate",
            E::UnableToGetCrl => "unable to get certificate CRL",
            E::UnableToDecodeIssuerPublicKey => "unable to decode issuer public key",
            E::CertSignatureFailure => "certificate signature failure",
            E::CrlSignatureFailure => "CRL signature failure",
            E::CertNotYetValid => "certificate is not yet valid",
            E::CertHasExpired => "certificate has expired",
            E::CrlNotYetValid => "CRL is not yet valid",
            E::CrlHasExpired => "CRL has expired",
            E::DepthZeroSelfSignedCert => "self-signed certificate",
            E::SelfSignedCertInChain => "self-signed certificate in certificate chain",
            E::UnableToGetIssuerCertLocally => "unable to get local issuer certificate",
            E::UnableToVerifyLeafSignature => "unable to verify the first certificate",
            E::CertChainTooLong => "certificate chain too long",
            E::CertRevoked => "certificate revoked",
            E::InvalidCa => "invalid CA certificate",
            E::PathLengthExceeded => "path length constraint exceeded",
            E::InvalidPurpose => "unsupported certificate purpose",
            E::KeyUsageNoCertSign => "key usage does not include certificate signing",
            E::UnableToGetCrlIssuer => "unable to get CRL issuer certificate",
            E::UnhandledCriticalExtension => "unhandled critical extension",
            E::KeyUsageNoCrlSign => "key usage does not include CRL signing",
            E::UnhandledCriticalCrlExtension => "unhandled critical CRL extension",
            E::Unparsable => "unspecified certificate verification error",
        }
    }

    /// mod_ssl's `ssl_verify_error_is_optional`: the errors `optional_no_ca` forgives.
    pub fn is_optional(self) -> bool {
        use X509VerifyError as E;
        matches!(
            self,
            E::DepthZeroSelfSignedCert
                | E::SelfSignedCertInChain
                | E::UnableToGetIssuerCertLocally
                | E::UnableToVerifyLeafSignature
        )
    }
}

impl core::fmt::Display for X509VerifyError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.text())
    }
}

impl std::error::Error for X509VerifyError {}

/// What verification concluded, as mod_ssl sees it after the handshake.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// The handshake goes on. `error` is `SSL_get_verify_result` (the last error
    /// OpenSSL recorded, `None` for `X509_V_OK`); `generous` is mod_ssl's
    /// `verify_info == "GENEROUS"`.
    Accepted {
        error: Option<X509VerifyError>,
        generous: bool,
    },
    /// mod_ssl's callback returned 0: the handshake fails with this error.
    Refused(X509VerifyError),
}

/// The policy knobs of one verification.
pub(crate) struct Params<'p> {
    pub(crate) optional_no_ca: bool,
    pub(crate) depth: u32,
    pub(crate) crl_check: Option<bool>, // None: no CRL check; Some(all): chain (true) or leaf
    pub(crate) no_crl_for_cert_ok: bool,
    pub(crate) algs: &'p WebPkiSupportedAlgorithms,
    pub(crate) now: i64,
}

/// One parsed certificate with the facts OpenSSL caches in `ossl_x509v3_cache_extensions`.
struct Cert<'a> {
    der: &'a [u8],
    x: X509Certificate<'a>,
    sig_alg: &'a [u8],
    sig: &'a [u8],
    spki_alg: &'a [u8],
    spki_key: &'a [u8],
    /// `EXFLAG_SI`: subject == issuer.
    self_issued: bool,
    /// `EXFLAG_SS`: self-issued, its AKID matches its own SKID, signature and key types match.
    self_signed: bool,
    v1: bool,
    bc: Option<(bool, Option<u32>)>,
    ku: Option<u16>,
    eku_client: Option<bool>,
    ns: Option<u8>,
    critical_unknown: bool,
    skid: Option<&'a [u8]>,
    akid: Option<&'a [u8]>,
    from_store: bool,
}

const KU_DIGITAL_SIGNATURE: u16 = 1;
const KU_KEY_AGREEMENT: u16 = 1 << 4;
const KU_KEY_CERT_SIGN: u16 = 1 << 5;
const KU_CRL_SIGN: u16 = 1 << 6;
// Netscape cert type bits as x509-parser numbers them (bit 0 = SSL client).
const NS_SSL_CLIENT: u8 = 1;
const NS_SSL_CA: u8 = 1 << 5;
const NS_ANY_CA: u8 = (1 << 5) | (1 << 6) | (1 << 7);

/// One DER TLV: `(tag, content, rest)`. Definite lengths only, as DER requires.
fn tlv(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&l0, rest) = rest.split_first()?;
    let (len, rest) = if l0 < 0x80 {
        (usize::from(l0), rest)
    } else {
        let n = usize::from(l0 & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |a, &b| (a << 8) | usize::from(b));
        (len, &rest[n..])
    };
    if rest.len() < len {
        return None;
    }
    Some((tag, &rest[..len], &rest[len..]))
}

/// `SEQUENCE { tbs, AlgorithmIdentifier, BIT STRING }` (certificates and CRLs alike,
/// RFC 5280 sections 4.1 and 5.1): the signed bytes, the algorithm's content and the
/// signature bytes.
fn signed_parts(der: &[u8]) -> Option<(&[u8], &[u8], &[u8])> {
    let (0x30, body, _) = tlv(der)? else {
        return None;
    };
    let tbs_len = body.len() - tlv(body)?.2.len();
    let tbs = &body[..tbs_len];
    let (0x30, alg, rest) = tlv(&body[tbs_len..])? else {
        return None;
    };
    let (0x03, bits, _) = tlv(rest)? else {
        return None;
    };
    let (&unused, sig) = bits.split_first()?;
    if unused != 0 {
        return None;
    }
    Some((tbs, alg, sig))
}

/// `SubjectPublicKeyInfo`: the algorithm's content and the key bytes.
fn spki_parts(spki: &[u8]) -> Option<(&[u8], &[u8])> {
    let (0x30, body, _) = tlv(spki)? else {
        return None;
    };
    let (0x30, alg, rest) = tlv(body)? else {
        return None;
    };
    let (0x03, bits, _) = tlv(rest)? else {
        return None;
    };
    let (&unused, key) = bits.split_first()?;
    if unused != 0 {
        return None;
    }
    Some((alg, key))
}

/// The OID inside an AlgorithmIdentifier's content.
fn alg_oid(alg: &[u8]) -> &[u8] {
    match tlv(alg) {
        Some((0x06, oid, _)) => oid,
        _ => &[],
    }
}

/// Key type family of a signature or public-key algorithm OID (for OpenSSL's
/// `check_sig_alg_match`, part of the self-signed test).
fn key_family(oid: &[u8]) -> u8 {
    const RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01]; // 1.2.840.113549.1.1
    const EC_KEY: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02]; // 1.2.840.10045.2
    const ECDSA: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04]; // 1.2.840.10045.4
    if oid.starts_with(RSA) {
        1
    } else if oid.starts_with(EC_KEY) || oid.starts_with(ECDSA) {
        2
    } else if oid == [0x2b, 0x65, 0x70] || oid == [0x2b, 0x65, 0x71] {
        3 // Ed25519 / Ed448: one OID names key and signature
    } else {
        0
    }
}

/// Extensions OpenSSL handles (`X509_supported_extension`); others marked critical make
/// a certificate fail with `X509_V_ERR_UNHANDLED_CRITICAL_EXTENSION`.
fn openssl_supported_extension(oid: &str) -> bool {
    matches!(
        oid,
        "2.16.840.1.113730.1.1" // nsCertType
            | "2.5.29.15" // keyUsage
            | "2.5.29.17" // subjectAltName
            | "2.5.29.19" // basicConstraints
            | "2.5.29.32" // certificatePolicies
            | "2.5.29.37" // extendedKeyUsage
            | "1.3.6.1.5.5.7.1.14" // proxyCertInfo
            | "2.5.29.36" // policyConstraints
            | "2.5.29.30" // nameConstraints
            | "2.5.29.33" // policyMappings
            | "2.5.29.54" // inhibitAnyPolicy
            | "1.3.6.1.5.5.7.1.7" // sbgp-ipAddrBlock
            | "1.3.6.1.5.5.7.1.8" // sbgp-autonomousSysNum
    )
}

impl<'a> Cert<'a> {
    fn parse(der: &'a [u8], from_store: bool) -> Option<Self> {
        let (_, x) = X509Certificate::from_der(der).ok()?;
        let (_, sig_alg, sig) = signed_parts(der)?;
        let (spki_alg, spki_key) = spki_parts(x.tbs_certificate.subject_pki.raw)?;
        let mut c = Cert {
            der,
            sig_alg,
            sig,
            spki_alg,
            spki_key,
            self_issued: x.subject().as_raw() == x.issuer().as_raw(),
            self_signed: false,
            v1: x.version().0 == 0,
            bc: None,
            ku: None,
            eku_client: None,
            ns: None,
            critical_unknown: false,
            skid: None,
            akid: None,
            from_store,
            x,
        };
        for ext in c.x.extensions() {
            match ext.parsed_extension() {
                ParsedExtension::BasicConstraints(bc) => {
                    c.bc = Some((bc.ca, bc.path_len_constraint));
                }
                ParsedExtension::KeyUsage(ku) => c.ku = Some(ku.flags),
                ParsedExtension::ExtendedKeyUsage(eku) => c.eku_client = Some(eku.client_auth),
                ParsedExtension::NSCertType(ns) => {
                    // x509-parser keeps the bits private; rebuild them from the accessors.
                    let bits = [
                        ns.ssl_client(),
                        ns.ssl_server(),
                        ns.smime(),
                        ns.object_signing(),
                        false,
                        ns.ssl_ca(),
                        ns.smime_ca(),
                        ns.object_signing_ca(),
                    ];
                    c.ns = Some(
                        bits.iter()
                            .enumerate()
                            .fold(0u8, |a, (i, &b)| a | (u8::from(b) << i)),
                    );
                }
                ParsedExtension::SubjectKeyIdentifier(k) => c.skid = Some(k.0),
                ParsedExtension::AuthorityKeyIdentifier(a) => {
                    c.akid = a.key_identifier.as_ref().map(|k| k.0);
                }
                _ => {}
            }
            if ext.critical && !openssl_supported_extension(&ext.oid.to_id_string()) {
                c.critical_unknown = true;
            }
        }
        // OpenSSL 3.0 ossl_x509v3_cache_extensions: EXFLAG_SS needs the AKID to match
        // the SKID (X509_check_akid) and the signature algorithm to fit the key.
        c.self_signed = c.self_issued
            && c.akid_matches(&c)
            && key_family(alg_oid(c.sig_alg)) != 0
            && key_family(alg_oid(c.sig_alg)) == key_family(alg_oid(c.spki_alg));
        Some(c)
    }

    /// `X509_check_akid(issuer, subject->akid)`, key identifier part.
    fn akid_matches(&self, issuer: &Cert<'_>) -> bool {
        match (self.akid, issuer.skid) {
            (Some(a), Some(s)) => a == s,
            _ => true,
        }
    }

    /// `ossl_x509_likely_issued(issuer, self)`: names, AKID, key type.
    fn likely_issued_by(&self, issuer: &Cert<'_>) -> bool {
        self.x.issuer().as_raw() == issuer.x.subject().as_raw()
            && self.akid_matches(issuer)
            && key_family(alg_oid(self.sig_alg)) == key_family(alg_oid(issuer.spki_alg))
    }

    /// `X509_check_issued`: likely issued, and the issuer's keyUsage (if any) allows
    /// certificate signing (`ossl_x509_signing_allowed`).
    fn issued_by(&self, issuer: &Cert<'_>) -> bool {
        self.likely_issued_by(issuer) && issuer.ku.is_none_or(|k| k & KU_KEY_CERT_SIGN != 0)
    }

    fn time_valid(&self, now: i64) -> bool {
        let v = &self.x.validity();
        v.not_before.timestamp() <= now && now <= v.not_after.timestamp()
    }

    /// `X509_check_ca` (OpenSSL `v3_purp.c` `check_ca`): 0 not a CA, 1 basicConstraints
    /// CA:TRUE, 3 v1 self-signed root, 4 keyUsage with keyCertSign, 5 Netscape CA type.
    fn check_ca(&self) -> u8 {
        if self.ku.is_some_and(|k| k & KU_KEY_CERT_SIGN == 0) {
            return 0;
        }
        match self.bc {
            Some((ca, _)) => u8::from(ca),
            None if self.v1 && self.self_signed => 3,
            None if self.ku.is_some() => 4,
            None if self.ns.is_some_and(|n| n & NS_ANY_CA != 0) => 5,
            None => 0,
        }
    }

    /// `X509_check_purpose(x, X509_PURPOSE_SSL_CLIENT, ca)`: `check_purpose_ssl_client`.
    fn purpose_ssl_client(&self, ca: bool) -> u8 {
        if self.eku_client == Some(false) {
            return 0; // xku_reject(x, XKU_SSL_CLIENT)
        }
        if ca {
            // check_ssl_ca
            let r = self.check_ca();
            if r == 0 {
                return 0;
            }
            return if r != 5 || self.ns.is_some_and(|n| n & NS_SSL_CA != 0) {
                r
            } else {
                0
            };
        }
        if self
            .ku
            .is_some_and(|k| k & (KU_DIGITAL_SIGNATURE | KU_KEY_AGREEMENT) == 0)
        {
            return 0;
        }
        if self.ns.is_some_and(|n| n & NS_SSL_CLIENT == 0) {
            return 0;
        }
        1
    }
}

/// Verifies `signature` over `message` by the key `spki_alg` / `spki_key` with the
/// provider algorithm whose AlgorithmIdentifiers match (webpki's `verify_signed_data`).
fn verify_signature(
    algs: &WebPkiSupportedAlgorithms,
    spki_alg: &[u8],
    spki_key: &[u8],
    sig_alg: &[u8],
    message: &[u8],
    signature: &[u8],
) -> bool {
    algs.all.iter().any(|a| {
        a.public_key_alg_id().as_ref() == spki_alg
            && a.signature_alg_id().as_ref() == sig_alg
            && a.verify_signature(spki_key, message, signature).is_ok()
    })
}

/// The state of one `X509_verify_cert` run.
struct Run<'p, 'q> {
    p: &'q Params<'p>,
    error: Option<X509VerifyError>,
    generous: bool,
}

impl Run<'_, '_> {
    /// OpenSSL's `verify_cb_cert` (`ok` = 0 with `err`) or the success callbacks of
    /// `internal_verify` (`err` = None, ok = 1), then mod_ssl's `ssl_callback_SSLVerify`.
    fn cb(&mut self, err: Option<X509VerifyError>, depth: usize) -> Result<(), X509VerifyError> {
        let mut ok = err.is_none();
        if err.is_some() {
            self.error = err;
        }
        let errnum = self.error;
        // SSLCARevocationCheck ... no_crl_for_cert_ok (httpd 2.4.21+): a missing CRL is
        // accepted and the error cleared.
        if !ok && errnum == Some(X509VerifyError::UnableToGetCrl) && self.p.no_crl_for_cert_ok {
            self.error = None;
            ok = true;
        }
        if let Some(e) = errnum
            && e.is_optional()
            && self.p.optional_no_ca
        {
            self.generous = true;
            ok = true;
        }
        if depth > self.p.depth as usize {
            // AH02040 "Certificate Chain too long"
            return Err(X509VerifyError::CertChainTooLong);
        }
        if ok {
            Ok(())
        } else {
            Err(errnum.unwrap_or(X509VerifyError::Unparsable))
        }
    }
}

/// Runs the verification of `presented` (leaf first) against `anchors` and `crls` (DER).
pub(crate) fn verify(
    presented: &[&[u8]],
    anchors: &[&[u8]],
    crls: &[&[u8]],
    p: &Params<'_>,
) -> Verdict {
    let mut run = Run {
        p,
        error: None,
        generous: false,
    };
    match verify_inner(presented, anchors, crls, &mut run) {
        Ok(()) => Verdict::Accepted {
            error: run.error,
            generous: run.generous,
        },
        Err(e) => Verdict::Refused(e),
    }
}

fn verify_inner(
    presented: &[&[u8]],
    anchors: &[&[u8]],
    crls: &[&[u8]],
    run: &mut Run<'_, '_>,
) -> Result<(), X509VerifyError> {
    let now = run.p.now;
    let Some((leaf, untrusted)) = presented.split_first() else {
        return Ok(());
    };
    let leaf = Cert::parse(leaf, false).ok_or(X509VerifyError::Unparsable)?;
    let store: Vec<Cert<'_>> = anchors
        .iter()
        .filter_map(|d| Cert::parse(d, true))
        .collect();
    let untrusted: Vec<Cert<'_>> = untrusted
        .iter()
        .filter_map(|d| Cert::parse(d, false))
        .collect();

    // 1. build_chain. Indices: (source, index) so certificates are borrowed, not copied.
    let mut chain: Vec<&Cert<'_>> = vec![&leaf];
    let mut trusted = false;
    // A self-signed leaf is trusted when the store holds the same certificate.
    if leaf.self_signed && store.iter().any(|s| s.der == leaf.der) {
        trusted = true;
    }
    const MAX_CHAIN: usize = 100; // OpenSSL's default verify depth bounds the search too
    while !trusted && chain.len() < MAX_CHAIN {
        let Some(&x) = chain.last() else { break };
        if x.self_signed {
            break;
        }
        // Candidate issuers in the store: OpenSSL prefers one that is currently valid.
        let cands: Vec<&Cert<'_>> = store.iter().filter(|s| x.issued_by(s)).collect();
        if let Some(s) = cands
            .iter()
            .find(|c| c.time_valid(now))
            .or(cands.first())
            .copied()
        {
            chain.push(s);
            if s.self_signed {
                trusted = true;
            }
            continue;
        }
        if x.from_store {
            break; // once in the trusted part, OpenSSL searches only the store
        }
        let next = untrusted.iter().find(|u| {
            x.issued_by(u) && !chain.iter().any(|c| std::ptr::eq(*c, *u) || c.der == u.der)
        });
        match next {
            Some(u) => chain.push(u),
            None => break,
        }
    }
    let num = chain.len();
    if !trusted {
        let top = chain[num - 1];
        let err = if top.self_signed && num == 1 {
            X509VerifyError::DepthZeroSelfSignedCert
        } else if top.self_signed {
            X509VerifyError::SelfSignedCertInChain
        } else if top.from_store {
            X509VerifyError::UnableToGetIssuerCert
        } else {
            X509VerifyError::UnableToGetIssuerCertLocally
        };
        run.cb(Some(err), num - 1)?;
    }

    // 2. check_extensions.
    let mut plen = 0u32;
    for (i, x) in chain.iter().enumerate() {
        if x.critical_unknown {
            run.cb(Some(X509VerifyError::UnhandledCriticalExtension), i)?;
        }
        if i > 0 && x.check_ca() == 0 {
            run.cb(Some(X509VerifyError::InvalidCa), i)?;
        }
        // check_purpose: without auxiliary trust the store's certificates are checked too.
        if x.purpose_ssl_client(i > 0) == 0 {
            run.cb(Some(X509VerifyError::InvalidPurpose), i)?;
        }
        if i > 1
            && !x.self_issued
            && let Some((_, Some(max))) = x.bc
            && plen > max
        {
            run.cb(Some(X509VerifyError::PathLengthExceeded), i)?;
        }
        if !x.self_issued {
            plen += 1;
        }
    }

    // 3. check_revocation.
    if let Some(all) = run.p.crl_check {
        let last = if all { num - 1 } else { 0 };
        let parsed: Vec<(&[u8], CertificateRevocationList<'_>)> = crls
            .iter()
            .filter_map(|d| Some((*d, CertificateRevocationList::from_der(d).ok()?.1)))
            .collect();
        for i in 0..=last {
            check_cert_crl(&chain, i, &parsed, run)?;
        }
    }

    // 4. internal_verify, top down.
    let mut n = num - 1;
    let mut xi = chain[n];
    let mut xs = xi;
    let top_self_issued = xi.likely_issued_by(xi);
    let mut done = false;
    if !top_self_issued {
        if n > 0 {
            n -= 1;
            xs = chain[n];
        } else {
            run.cb(Some(X509VerifyError::UnableToVerifyLeafSignature), 0)?;
        }
    }
    while !done {
        if !std::ptr::eq(xs, xi) {
            if xi.ku.is_some_and(|k| k & KU_KEY_CERT_SIGN == 0) {
                run.cb(Some(X509VerifyError::KeyUsageNoCertSign), n + 1)?;
            }
            let signed = signed_parts(xs.der);
            let ok = signed.is_some_and(|(tbs, _, _)| {
                verify_signature(
                    run.p.algs,
                    xi.spki_alg,
                    xi.spki_key,
                    xs.sig_alg,
                    tbs,
                    xs.sig,
                )
            });
            if !ok {
                run.cb(Some(X509VerifyError::CertSignatureFailure), n)?;
            }
        }
        // ossl_x509_check_cert_time, for the trust anchor too.
        let v = xs.x.validity();
        if now < v.not_before.timestamp() {
            run.cb(Some(X509VerifyError::CertNotYetValid), n)?;
        }
        if now > v.not_after.timestamp() {
            run.cb(Some(X509VerifyError::CertHasExpired), n)?;
        }
        run.cb(None, n)?;
        if n == 0 {
            done = true;
        } else {
            n -= 1;
            xi = xs;
            xs = chain[n];
        }
    }
    Ok(())
}

/// OpenSSL `check_cert`: the CRL for `chain[i]`, its checks, and the serial lookup.
fn check_cert_crl(
    chain: &[&Cert<'_>],
    i: usize,
    crls: &[(&[u8], CertificateRevocationList<'_>)],
    run: &mut Run<'_, '_>,
) -> Result<(), X509VerifyError> {
    let x = chain[i];
    let now = run.p.now;
    // get_crl_sk: a CRL by the certificate's issuer, preferring one in its time window.
    let cands: Vec<&(&[u8], CertificateRevocationList<'_>)> = crls
        .iter()
        .filter(|(_, c)| c.issuer().as_raw() == x.x.issuer().as_raw())
        .collect();
    let in_time = |c: &CertificateRevocationList<'_>| {
        c.last_update().timestamp() <= now && c.next_update().is_none_or(|n| n.timestamp() >= now)
    };
    let Some(&&(crl_der, ref crl)) = cands
        .iter()
        .find(|(_, c)| in_time(c))
        .or_else(|| cands.first())
    else {
        return run.cb(Some(X509VerifyError::UnableToGetCrl), i);
    };
    // check_crl: the CRL issuer is the next certificate up, or a self-signed top itself.
    let issuer = if i + 1 < chain.len() {
        Some(chain[i + 1])
    } else if x.self_signed {
        Some(x)
    } else {
        None
    };
    match issuer {
        None => run.cb(Some(X509VerifyError::UnableToGetCrlIssuer), i)?,
        Some(iss) => {
            if iss.ku.is_some_and(|k| k & KU_CRL_SIGN == 0) {
                run.cb(Some(X509VerifyError::KeyUsageNoCrlSign), i)?;
            }
            if crl.extensions().iter().any(|e| {
                e.critical
                    && !matches!(
                        e.oid.to_id_string().as_str(),
                        "2.5.29.28" | "2.5.29.20" | "2.5.29.35" | "2.5.29.27"
                    )
            }) {
                run.cb(Some(X509VerifyError::UnhandledCriticalCrlExtension), i)?;
            }
            let ok = signed_parts(crl_der).is_some_and(|(tbs, alg, sig)| {
                verify_signature(run.p.algs, iss.spki_alg, iss.spki_key, alg, tbs, sig)
            });
            if !ok {
                run.cb(Some(X509VerifyError::CrlSignatureFailure), i)?;
            }
        }
    }
    // check_crl_time
    if crl.last_update().timestamp() > now {
        run.cb(Some(X509VerifyError::CrlNotYetValid), i)?;
    }
    if crl.next_update().is_some_and(|n| n.timestamp() < now) {
        run.cb(Some(X509VerifyError::CrlHasExpired), i)?;
    }
    // cert_crl
    let serial = x.x.raw_serial();
    if crl
        .iter_revoked_certificates()
        .any(|r| r.raw_serial() == serial)
    {
        run.cb(Some(X509VerifyError::CertRevoked), i)?;
    }
    Ok(())
}

/// The public key of a certificate (v1 or v3) as `(SubjectPublicKeyInfo DER,
/// algorithm content, key bytes)`, for handshake signatures.
pub(crate) fn cert_spki(der: &[u8]) -> Option<(&[u8], &[u8], &[u8])> {
    let (_, x) = X509Certificate::from_der(der).ok()?;
    let spki = x.tbs_certificate.subject_pki.raw;
    let (alg, key) = spki_parts(spki)?;
    Some((spki, alg, key))
}
