//! A file-backed certificate authority for client certificates (feature `ca`), the library
//! behind the `httpauth-ca` tool.
//!
//! It replaces the hand-run `openssl ca` workflow of client-certificate guides: a root (and
//! optionally an intermediate) CA, client certificates with the subject fields and SANs
//! `SSLRequire` / `Require expr` policies look at, server certificates, revocation with an
//! RFC 5280 reason, signed CRLs with a growing CRL number, and export as PKCS#12 (modern
//! PBES2/AES-256 or, named as such, the legacy 3DES/SHA-1 form) or as a PEM bundle for
//! `curl --cert`. Certificates and CRLs are made by `rcgen`, read back by `x509-parser`,
//! PKCS#12 is written by `p12-keystore` and key encryption is `pkcs8`'s PBES2: no ASN.1 or
//! cryptography is written here.
//!
//! Layout of a CA directory:
//!
//! | file | content |
//! |---|---|
//! | `index.json` | the records (serial, kind, `SSL_CLIENT_S_DN`, validity, revocation), next serial, CRL number |
//! | `index.lock` | the lock every change takes |
//! | `root.pem`, `private/root.key` | the root CA |
//! | `intermediate.pem`, `private/intermediate.key` | the intermediate CA (optional) |
//! | `ca.pem` | every CA certificate (intermediate first): `SSLCACertificateFile`, `curl --cacert`, `openssl verify -CAfile` |
//! | `crl.pem` | the CRL of the issuing CA (then the root's, with an intermediate): `SSLCARevocationFile` |
//! | `certs/<serial>.pem`, `private/<serial>.key` | issued certificates and their keys |
//!
//! Private keys are written with mode 0600 in a 0700 directory and may be encrypted under
//! a passphrase (PKCS#8 `EncryptedPrivateKeyInfo`).
//!
//! > **Warning**: whoever can read `private/` can issue certificates your servers trust.
//! > Encrypt the CA key (`InitOptions::ca_passphrase`) unless the directory is otherwise
//! > protected.

mod error;
mod keys;
mod store;

use std::fmt;
use std::net::IpAddr;
use std::os::unix::fs::{DirBuilderExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use rcgen::{
    BasicConstraints, CertificateParams, CertificateRevocationListParams, DistinguishedName,
    DnType, DnValue, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose,
    OtherNameValue, RevokedCertParams, SanType, SerialNumber,
};
use time::OffsetDateTime;

pub use error::{Error, Result};
pub use keys::{KeyType, Passphrase};
pub use store::{CertKind, Reason, Record, Revocation};

use store::{Index, Locked, atomic_write};

/// The first serial number handed out (the root gets it).
pub const FIRST_SERIAL: u64 = 0x1000;
/// Longest accepted subject attribute value, in characters (RFC 5280 `ub-common-name` is 64;
/// the same bound is applied to every attribute this CA writes).
pub const MAX_ATTRIBUTE_LEN: usize = 64;
/// Longest accepted validity, in days (100 years).
pub const MAX_DAYS: u32 = 36_500;
/// OID of the Microsoft User Principal Name `otherName` (smart-card logon).
const UPN_OID: &[u64] = &[1, 3, 6, 1, 4, 1, 311, 20, 2, 3];
/// OID of the `UID` attribute (RFC 4519 `uid`).
const UID_OID: &[u64] = &[0, 9, 2342, 19_200_300, 100, 1, 1];
/// OID of PKCS#9 `emailAddress`.
const EMAIL_OID: &[u64] = &[1, 2, 840, 113_549, 1, 9, 1];

/// A certificate serial number as the CA hands them out (positive, at most 8 bytes).
/// Shown and parsed as even-length uppercase hex, as `openssl x509 -serial` prints it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Serial(pub u64);

impl Serial {
    /// Big-endian minimal bytes (rcgen adds the sign octet when needed).
    fn to_rcgen(self) -> SerialNumber {
        let b = self.0.to_be_bytes();
        let first = b.iter().position(|&x| x != 0).unwrap_or(b.len() - 1);
        SerialNumber::from_slice(&b[first..])
    }
}

impl fmt::Display for Serial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = format!("{:X}", self.0);
        if s.len() % 2 == 1 {
            write!(f, "0{s}")
        } else {
            f.write_str(&s)
        }
    }
}

impl FromStr for Serial {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        let t = s.trim();
        let t = t
            .strip_prefix("0x")
            .or_else(|| t.strip_prefix("0X"))
            .unwrap_or(t);
        let t = t.replace(':', "");
        if t.is_empty() || t.len() > 16 || !t.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(Error::InvalidInput {
                field: "serial",
                reason: "expected a hexadecimal serial number as `list` shows it",
            });
        }
        u64::from_str_radix(&t, 16)
            .map(Serial)
            .map_err(|_| Error::InvalidInput {
                field: "serial",
                reason: "out of range",
            })
    }
}

impl serde::Serialize for Serial {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Serial {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// Subject fields of a certificate. Written in the order C, O, OU, CN, UID, emailAddress,
/// so mod_ssl shows `emailAddress=..,UID=..,CN=..,OU=..,O=..,C=..` (last RDN first) and
/// `SSL_CLIENT_S_DN` in the legacy form `/C=../O=../OU=../CN=..`.
#[derive(Debug, Clone, Default)]
pub struct Subject {
    /// commonName (required).
    pub cn: String,
    /// countryName: two letters (ISO 3166), as RFC 5280 Appendix A requires.
    pub c: Option<String>,
    /// organizationName.
    pub o: Option<String>,
    /// organizationalUnitName (each one an RDN).
    pub ou: Vec<String>,
    /// PKCS#9 emailAddress in the subject (legacy; prefer an email SAN).
    pub email: Option<String>,
    /// UID (RFC 4519), as used for `SSLUserName SSL_CLIENT_S_DN_UID`.
    pub uid: Option<String>,
}

/// A subject alternative name.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum San {
    /// rfc822Name.
    Email(String),
    /// dNSName.
    Dns(String),
    /// iPAddress.
    Ip(IpAddr),
    /// otherName Microsoft UPN (1.3.6.1.4.1.311.20.2.3), UTF8String.
    Upn(String),
}

/// Profile of an end-entity certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Profile {
    /// extendedKeyUsage clientAuth.
    Client,
    /// extendedKeyUsage serverAuth; at least one DNS or IP SAN is required.
    Server,
}

/// What `init` creates.
#[derive(Debug)]
pub struct InitOptions {
    /// Root CA commonName.
    pub root_cn: String,
    /// Organisation of the CA certificates.
    pub org: Option<String>,
    /// Root validity in days.
    pub root_days: u32,
    /// Create an intermediate CA (commonName) that issues every certificate.
    pub intermediate_cn: Option<String>,
    /// Intermediate validity in days.
    pub intermediate_days: u32,
    /// Key type of the CA keys and the default for issued keys.
    pub key_type: KeyType,
    /// Encrypt the CA private keys under this passphrase.
    pub ca_passphrase: Option<Passphrase>,
}

impl Default for InitOptions {
    fn default() -> Self {
        InitOptions {
            root_cn: "httpauth root CA".into(),
            org: None,
            root_days: 3650,
            intermediate_cn: None,
            intermediate_days: 1825,
            key_type: KeyType::EcP256,
            ca_passphrase: None,
        }
    }
}

/// A request for an end-entity certificate.
#[derive(Debug)]
pub struct IssueRequest {
    /// Client or server.
    pub profile: Profile,
    /// Subject fields.
    pub subject: Subject,
    /// Subject alternative names.
    pub sans: Vec<San>,
    /// Validity in days.
    pub days: u32,
    /// Key type (default: the CA's).
    pub key_type: Option<KeyType>,
    /// Encrypt the new private key under this passphrase.
    pub key_passphrase: Option<Passphrase>,
}

/// PKCS#12 protection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Pkcs12Form {
    /// PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC) for keys and certificates, HMAC-SHA256 MAC:
    /// what OpenSSL 3, current browsers, macOS 14+ and Windows 10 1709+ import.
    Modern,
    /// pbeWithSHAAnd3-KeyTripleDES-CBC for keys and certificates, HMAC-SHA1 MAC: for older
    /// keychains, Java 8 and Windows 7 importers. Weak: use only where the modern form is
    /// refused.
    Legacy3DesSha1,
}

/// What `show` reports about one certificate.
#[derive(Debug, Clone)]
pub struct CertInfo {
    /// The index record.
    pub record: Record,
    /// `SSL_CLIENT_I_DN` as mod_ssl shows it.
    pub issuer_dn: String,
    /// Subject alternative names, as `type:value`.
    pub sans: Vec<String>,
    /// Extended key usages (`clientAuth`, `serverAuth`).
    pub eku: Vec<String>,
    /// Status now: `valid`, `revoked` or `expired`.
    pub status: &'static str,
    /// The certificate in PEM.
    pub pem: String,
}

/// Result of `crl`.
#[derive(Debug, Clone)]
pub struct CrlInfo {
    /// The CRL number written.
    pub number: u64,
    /// How many serials it lists.
    pub revoked: usize,
    /// nextUpdate, Unix seconds.
    pub next_update: i64,
    /// Where it was written.
    pub path: PathBuf,
}

/// A CA directory.
#[derive(Debug, Clone)]
pub struct CaDir {
    dir: PathBuf,
}

const ROOT_CERT: &str = "root.pem";
const ROOT_KEY: &str = "private/root.key";
const INTER_CERT: &str = "intermediate.pem";
const INTER_KEY: &str = "private/intermediate.key";
const CA_BUNDLE: &str = "ca.pem";
const CRL: &str = "crl.pem";

fn now() -> OffsetDateTime {
    // Whole seconds: certificates carry no fractions, and the index stores Unix seconds.
    let t = OffsetDateTime::now_utc();
    t.replace_nanosecond(0).unwrap_or(t)
}

fn days(field: &'static str, d: u32) -> Result<time::Duration> {
    if d == 0 || d > MAX_DAYS {
        return Err(Error::InvalidInput {
            field,
            reason: "validity must be 1 to 36500 days",
        });
    }
    Ok(time::Duration::days(i64::from(d)))
}

fn attr(field: &'static str, v: &str) -> Result<String> {
    if v.is_empty() {
        return Err(Error::InvalidInput {
            field,
            reason: "empty",
        });
    }
    if v.chars().count() > MAX_ATTRIBUTE_LEN {
        return Err(Error::InvalidInput {
            field,
            reason: "longer than 64 characters",
        });
    }
    if v.chars().any(char::is_control) {
        return Err(Error::InvalidInput {
            field,
            reason: "control characters are not allowed",
        });
    }
    Ok(v.to_owned())
}

fn ia5(field: &'static str, v: &str) -> Result<rcgen::string::Ia5String> {
    rcgen::string::Ia5String::try_from(v.to_owned()).map_err(|_| Error::InvalidInput {
        field,
        reason: "must be ASCII",
    })
}

fn email(field: &'static str, v: &str) -> Result<rcgen::string::Ia5String> {
    let v = attr(field, v)?;
    match v.split_once('@') {
        Some((l, d)) if !l.is_empty() && !d.is_empty() && !d.contains('@') => ia5(field, &v),
        _ => Err(Error::InvalidInput {
            field,
            reason: "not an email address (local@domain)",
        }),
    }
}

fn dns_name(v: &str) -> Result<rcgen::string::Ia5String> {
    let ok = !v.is_empty()
        && v.len() <= 253
        && v.split('.').enumerate().all(|(i, label)| {
            (label == "*" && i == 0)
                || (!label.is_empty()
                    && label.len() <= 63
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
        });
    if !ok {
        return Err(Error::InvalidInput {
            field: "dns",
            reason: "not a DNS name (ASCII labels; IDNs in A-label form)",
        });
    }
    ia5("dns", v)
}

fn subject_dn(s: &Subject) -> Result<DistinguishedName> {
    let mut dn = DistinguishedName::new();
    if let Some(c) = &s.c {
        if c.len() != 2 || !c.bytes().all(|b| b.is_ascii_alphabetic()) {
            return Err(Error::InvalidInput {
                field: "country",
                reason: "two letters (ISO 3166), e.g. DE",
            });
        }
        // PrintableString, as X520countryName is defined (RFC 5280 Appendix A.1).
        dn.push(
            DnType::CountryName,
            DnValue::PrintableString(c.to_ascii_uppercase().try_into()?),
        );
    }
    if let Some(o) = &s.o {
        dn.push(DnType::OrganizationName, attr("organization", o)?);
    }
    for ou in &s.ou {
        dn.push(
            DnType::OrganizationalUnitName,
            attr("organizational unit", ou)?,
        );
    }
    dn.push(DnType::CommonName, attr("common name", &s.cn)?);
    if let Some(uid) = &s.uid {
        dn.push(
            DnType::CustomDnType(UID_OID.to_vec()),
            DnValue::Utf8String(attr("uid", uid)?),
        );
    }
    if let Some(e) = &s.email {
        dn.push(
            DnType::CustomDnType(EMAIL_OID.to_vec()),
            DnValue::Ia5String(email("email", e)?),
        );
    }
    Ok(dn)
}

fn ca_params(
    cn: &str,
    org: Option<&str>,
    serial: Serial,
    not_before: OffsetDateTime,
    validity: time::Duration,
    path_len: u8,
) -> Result<CertificateParams> {
    let mut p = CertificateParams::default();
    p.distinguished_name = subject_dn(&Subject {
        cn: cn.to_owned(),
        o: org.map(str::to_owned),
        ..Subject::default()
    })?;
    p.serial_number = Some(serial.to_rcgen());
    p.not_before = not_before;
    p.not_after = not_before + validity;
    p.is_ca = IsCa::Ca(BasicConstraints::Constrained(path_len));
    p.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    p.use_authority_key_identifier_extension = true;
    Ok(p)
}

fn ssl_dn(der: &[u8], path: &Path) -> Result<(String, String)> {
    let view =
        cert_policy::CertView::parse(der).map_err(|_| Error::CertificateParse(path.into()))?;
    Ok((
        String::from_utf8_lossy(&view.subject_dn()).into_owned(),
        String::from_utf8_lossy(&view.issuer_dn()).into_owned(),
    ))
}

/// Creates `p` with `mode`; an existing directory keeps its mode unless `force` (the
/// private-key directory is always made owner-only).
fn mkdir(p: &Path, mode: u32, force: bool) -> Result<()> {
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(mode)
        .create(p)
        .map_err(error::io(p))?;
    if force {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).map_err(error::io(p))?;
    }
    Ok(())
}

fn pem_der(path: &Path, text: &[u8]) -> Result<Vec<u8>> {
    match pkcs8::der::pem::decode_vec(text) {
        Ok(("CERTIFICATE", der)) => Ok(der),
        _ => Err(Error::CertificateParse(path.into())),
    }
}

impl CaDir {
    /// Opens an existing CA directory (checks the index is there and readable).
    ///
    /// # Errors
    /// [`Error::NotInitialised`], [`Error::CorruptIndex`], I/O.
    pub fn open(dir: impl Into<PathBuf>) -> Result<Self> {
        let ca = CaDir { dir: dir.into() };
        drop(Locked::acquire(&ca.dir)?);
        Ok(ca)
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// `ca.pem`: every CA certificate, intermediate first.
    pub fn ca_bundle_path(&self) -> PathBuf {
        self.dir.join(CA_BUNDLE)
    }

    /// `crl.pem`.
    pub fn crl_path(&self) -> PathBuf {
        self.dir.join(CRL)
    }

    /// Creates a root CA (and, if asked, an intermediate) in `dir` (created if missing).
    ///
    /// # Errors
    /// [`Error::AlreadyInitialised`] when `dir` holds a CA; invalid names or validity; I/O.
    pub fn init(dir: impl Into<PathBuf>, opts: &InitOptions) -> Result<Self> {
        let dir = dir.into();
        mkdir(&dir, 0o755, false)?;
        let root_days = days("root days", opts.root_days)?;
        let inter_days = days("intermediate days", opts.intermediate_days)?;
        let mut locked = Locked::create(
            &dir,
            Index {
                format: store::INDEX_FORMAT,
                key_type: opts.key_type,
                next_serial: FIRST_SERIAL,
                crl_number: 0,
                records: Vec::new(),
            },
        )?;
        mkdir(&dir.join("private"), 0o700, true)?;
        mkdir(&dir.join("certs"), 0o755, false)?;
        let t0 = now();
        let pass = opts.ca_passphrase.as_ref();
        let org = opts.org.as_deref();

        let root_serial = locked.next_serial()?;
        let root_key = opts.key_type.generate()?;
        let path_len = u8::from(opts.intermediate_cn.is_some());
        let root_params = ca_params(&opts.root_cn, org, root_serial, t0, root_days, path_len)?;
        let root_cert = root_params.self_signed(&root_key)?;
        keys::write_key(&dir.join(ROOT_KEY), &root_key, pass)?;
        atomic_write(&dir.join(ROOT_CERT), root_cert.pem().as_bytes(), 0o644)?;
        let (root_dn, _) = ssl_dn(root_cert.der(), &dir.join(ROOT_CERT))?;
        locked.index.records.push(Record {
            serial: root_serial,
            kind: CertKind::Root,
            subject_dn: root_dn,
            issuer: None,
            not_before: t0.unix_timestamp(),
            not_after: (t0 + root_days).unix_timestamp(),
            revocation: Revocation::Valid,
            cert: ROOT_CERT.into(),
            key: ROOT_KEY.into(),
        });
        let mut bundle = String::new();
        if let Some(icn) = &opts.intermediate_cn {
            let serial = locked.next_serial()?;
            let key = opts.key_type.generate()?;
            // Not valid beyond its issuer.
            let validity = inter_days.min(root_days);
            let params = ca_params(icn, org, serial, t0, validity, 0)?;
            let issuer = Issuer::from_params(&root_params, &root_key);
            let cert = params.signed_by(&key, &issuer)?;
            keys::write_key(&dir.join(INTER_KEY), &key, pass)?;
            atomic_write(&dir.join(INTER_CERT), cert.pem().as_bytes(), 0o644)?;
            let (dn, _) = ssl_dn(cert.der(), &dir.join(INTER_CERT))?;
            locked.index.records.push(Record {
                serial,
                kind: CertKind::Intermediate,
                subject_dn: dn,
                issuer: Some(root_serial),
                not_before: t0.unix_timestamp(),
                not_after: (t0 + validity).unix_timestamp(),
                revocation: Revocation::Valid,
                cert: INTER_CERT.into(),
                key: INTER_KEY.into(),
            });
            bundle.push_str(&cert.pem());
        }
        bundle.push_str(&root_cert.pem());
        atomic_write(&dir.join(CA_BUNDLE), bundle.as_bytes(), 0o644)?;
        // The index last: a crash before this line leaves no index, and `init` can be rerun.
        locked.commit()?;
        Ok(CaDir { dir })
    }

    fn read(&self, rel: &Path) -> Result<Vec<u8>> {
        let p = self.dir.join(rel);
        std::fs::read(&p).map_err(error::io(p))
    }

    fn cert_der(&self, rel: &Path) -> Result<Vec<u8>> {
        let text = self.read(rel)?;
        pem_der(&self.dir.join(rel), &text)
    }

    /// The issuing CA record: the intermediate if there is one, else the root.
    fn issuing(index: &Index) -> Result<&Record> {
        index
            .records
            .iter()
            .find(|r| r.kind == CertKind::Intermediate)
            .or_else(|| index.records.iter().find(|r| r.kind == CertKind::Root))
            .ok_or(Error::NotInitialised(PathBuf::new()))
    }

    fn load_issuer(
        &self,
        rec: &Record,
        pass: Option<&Passphrase>,
    ) -> Result<Issuer<'static, KeyPair>> {
        let key = keys::read_key(&self.dir.join(&rec.key), pass)?;
        let der = self.cert_der(&rec.cert)?;
        Ok(Issuer::from_ca_cert_der(&der.into(), key)?)
    }

    /// Whether the CA keys are stored encrypted (a passphrase is needed to issue or sign).
    ///
    /// # Errors
    /// I/O, index errors.
    pub fn ca_key_encrypted(&self) -> Result<bool> {
        let locked = Locked::acquire(&self.dir)?;
        let rec = Self::issuing(&locked.index)?;
        keys::is_encrypted(&self.dir.join(&rec.key))
    }

    /// Issues a client or server certificate; the serial comes from the locked index.
    ///
    /// # Errors
    /// Invalid subject or SANs, a CA key that needs a passphrase, I/O.
    pub fn issue(&self, req: &IssueRequest, ca_pass: Option<&Passphrase>) -> Result<Record> {
        let validity = days("days", req.days)?;
        let dn = subject_dn(&req.subject)?;
        let mut sans = Vec::with_capacity(req.sans.len());
        for s in &req.sans {
            sans.push(match s {
                San::Email(e) => SanType::Rfc822Name(email("san email", e)?),
                San::Dns(d) => SanType::DnsName(dns_name(d)?),
                San::Ip(ip) => SanType::IpAddress(*ip),
                San::Upn(u) => SanType::OtherName((
                    UPN_OID.to_vec(),
                    OtherNameValue::Utf8String(attr("upn", u)?),
                )),
            });
        }
        let (eku, field) = match req.profile {
            Profile::Client => (ExtendedKeyUsagePurpose::ClientAuth, CertKind::Client),
            Profile::Server => {
                if !req
                    .sans
                    .iter()
                    .any(|s| matches!(s, San::Dns(_) | San::Ip(_)))
                {
                    return Err(Error::InvalidInput {
                        field: "dns / ip",
                        reason: "a server certificate needs at least one DNS name or IP address",
                    });
                }
                (ExtendedKeyUsagePurpose::ServerAuth, CertKind::Server)
            }
        };

        let mut locked = Locked::acquire(&self.dir)?;
        let key_type = req.key_type.unwrap_or(locked.index.key_type);
        let issuing = Self::issuing(&locked.index)?.clone();
        let issuer = self.load_issuer(&issuing, ca_pass)?;
        let serial = locked.next_serial()?;
        let t0 = now();
        // Not valid beyond the issuing CA.
        let not_after_issuer =
            OffsetDateTime::from_unix_timestamp(issuing.not_after).map_err(|_| Error::Clock)?;
        let not_after = (t0 + validity).min(not_after_issuer);

        let mut p = CertificateParams::default();
        p.distinguished_name = dn;
        p.subject_alt_names = sans;
        p.serial_number = Some(serial.to_rcgen());
        p.not_before = t0;
        p.not_after = not_after;
        // basicConstraints CA:FALSE, critical (rcgen marks it critical).
        p.is_ca = IsCa::ExplicitNoCa;
        // RFC 5280 4.2.1.3 / RFC 8813: ECDSA and EdDSA keys sign only (keyEncipherment is
        // for RSA key transport, and this CA makes no RSA keys).
        p.key_usages = match key_type {
            KeyType::EcP256 | KeyType::EcP384 | KeyType::Ed25519 => {
                vec![KeyUsagePurpose::DigitalSignature]
            }
        };
        p.extended_key_usages = vec![eku];
        p.use_authority_key_identifier_extension = true;

        let key = key_type.generate()?;
        let cert = p.signed_by(&key, &issuer)?;
        let cert_rel = PathBuf::from(format!("certs/{serial}.pem"));
        let key_rel = PathBuf::from(format!("private/{serial}.key"));
        // Files first, index last: a crash in between leaves files no record names (the
        // serial is handed out again and they are overwritten), never a record without files.
        keys::write_key(&self.dir.join(&key_rel), &key, req.key_passphrase.as_ref())?;
        atomic_write(&self.dir.join(&cert_rel), cert.pem().as_bytes(), 0o644)?;
        let (subject_dn, _) = ssl_dn(cert.der(), &cert_rel)?;
        let rec = Record {
            serial,
            kind: field,
            subject_dn,
            issuer: Some(issuing.serial),
            not_before: t0.unix_timestamp(),
            not_after: not_after.unix_timestamp(),
            revocation: Revocation::Valid,
            cert: cert_rel,
            key: key_rel,
        };
        locked.index.records.push(rec.clone());
        locked.commit()?;
        Ok(rec)
    }

    /// Marks an issued certificate revoked. It is listed from the next [`CaDir::crl`] on.
    ///
    /// # Errors
    /// [`Error::UnknownSerial`], [`Error::AlreadyRevoked`], [`Error::NotALeaf`], I/O.
    pub fn revoke(&self, serial: Serial, reason: Reason) -> Result<Record> {
        let mut locked = Locked::acquire(&self.dir)?;
        let rec = locked.find(serial)?;
        if rec.kind.is_ca() {
            return Err(Error::NotALeaf(serial));
        }
        if let Revocation::Revoked { .. } = rec.revocation {
            return Err(Error::AlreadyRevoked(serial));
        }
        let at = now().unix_timestamp();
        let mut out = None;
        for r in &mut locked.index.records {
            if r.serial == serial {
                r.revocation = Revocation::Revoked { at, reason };
                out = Some(r.clone());
            }
        }
        locked.commit()?;
        out.ok_or(Error::UnknownSerial(serial))
    }

    /// Signs and writes `crl.pem`: the issuing CA's CRL (and, with an intermediate, the
    /// root's, listing nothing) with the next CRL number and nextUpdate in `next_days`.
    ///
    /// # Errors
    /// A CA key that needs a passphrase; invalid `next_days`; I/O.
    pub fn crl(&self, next_days: u32, ca_pass: Option<&Passphrase>) -> Result<CrlInfo> {
        let next = days("next update days", next_days)?;
        let mut locked = Locked::acquire(&self.dir)?;
        let number = locked
            .index
            .crl_number
            .checked_add(1)
            .ok_or(Error::SerialExhausted)?;
        let t0 = now();
        let mut pem = String::new();
        let mut revoked_count = 0;
        // Issuing CA first (the one `openssl crl -verify` reads), then the root.
        let mut cas: Vec<Record> = Vec::new();
        cas.push(Self::issuing(&locked.index)?.clone());
        if let Some(root) = locked
            .index
            .records
            .iter()
            .find(|r| r.kind == CertKind::Root)
            .filter(|r| r.serial != cas[0].serial)
        {
            cas.push(root.clone());
        }
        for ca in &cas {
            let issuer = self.load_issuer(ca, ca_pass)?;
            let mut revoked = Vec::new();
            for r in &locked.index.records {
                if r.issuer != Some(ca.serial) {
                    continue;
                }
                if let Revocation::Revoked { at, reason } = r.revocation {
                    revoked.push(RevokedCertParams {
                        serial_number: r.serial.to_rcgen(),
                        revocation_time: OffsetDateTime::from_unix_timestamp(at)
                            .map_err(|_| Error::Clock)?,
                        reason_code: Some(reason.to_rcgen()),
                        invalidity_date: None,
                    });
                }
            }
            revoked_count += revoked.len();
            let params = CertificateRevocationListParams {
                this_update: t0,
                next_update: t0 + next,
                crl_number: SerialNumber::from_slice(&number.to_be_bytes()),
                issuing_distribution_point: None,
                revoked_certs: revoked,
                key_identifier_method: rcgen::KeyIdMethod::Sha256,
            };
            let crl = params.signed_by(&issuer)?;
            pem.push_str(&crl.pem()?);
        }
        let path = self.crl_path();
        atomic_write(&path, pem.as_bytes(), 0o644)?;
        locked.index.crl_number = number;
        locked.commit()?;
        Ok(CrlInfo {
            number,
            revoked: revoked_count,
            next_update: (t0 + next).unix_timestamp(),
            path,
        })
    }

    /// Every record, in issue order.
    ///
    /// # Errors
    /// Index errors, I/O.
    pub fn list(&self) -> Result<Vec<Record>> {
        Ok(Locked::acquire(&self.dir)?.index.records)
    }

    /// Details of one certificate, read back from its file.
    ///
    /// # Errors
    /// [`Error::UnknownSerial`], a damaged certificate file, I/O.
    pub fn show(&self, serial: Serial) -> Result<CertInfo> {
        let rec = Locked::acquire(&self.dir)?.find(serial)?.clone();
        let path = self.dir.join(&rec.cert);
        let text = self.read(&rec.cert)?;
        let der = pem_der(&path, &text)?;
        let (_, issuer_dn) = ssl_dn(&der, &path)?;
        let (_, x) = x509_parser::parse_x509_certificate(&der)
            .map_err(|_| Error::CertificateParse(path.clone()))?;
        let mut sans = Vec::new();
        if let Ok(Some(ext)) = x.subject_alternative_name() {
            use x509_parser::extensions::GeneralName as G;
            for n in &ext.value.general_names {
                sans.push(match n {
                    G::RFC822Name(e) => format!("email:{e}"),
                    G::DNSName(d) => format!("DNS:{d}"),
                    G::IPAddress(b) => match b.len() {
                        4 => format!("IP:{}", std::net::Ipv4Addr::from([b[0], b[1], b[2], b[3]])),
                        16 => {
                            let mut a = [0u8; 16];
                            a.copy_from_slice(b);
                            format!("IP:{}", std::net::Ipv6Addr::from(a))
                        }
                        _ => "IP:<invalid>".to_owned(),
                    },
                    G::OtherName(oid, v) if oid.to_id_string() == "1.3.6.1.4.1.311.20.2.3" => {
                        // [0] EXPLICIT UTF8String: the value's last bytes are the string.
                        let s = x509_parser::der_parser::parse_der(v)
                            .ok()
                            .and_then(|(_, o)| o.as_slice().ok().map(|b| b.to_vec()))
                            .and_then(|b| {
                                x509_parser::der_parser::parse_der(&b)
                                    .ok()
                                    .and_then(|(_, o)| o.as_str().ok().map(str::to_owned))
                                    .or_else(|| String::from_utf8(b).ok())
                            })
                            .unwrap_or_default();
                        format!("UPN:{s}")
                    }
                    other => format!("{other}"),
                });
            }
        }
        let mut eku = Vec::new();
        if let Ok(Some(e)) = x.extended_key_usage() {
            if e.value.client_auth {
                eku.push("clientAuth".to_owned());
            }
            if e.value.server_auth {
                eku.push("serverAuth".to_owned());
            }
        }
        let status = status(&rec, now().unix_timestamp());
        Ok(CertInfo {
            record: rec,
            issuer_dn,
            sans,
            eku,
            status,
            pem: String::from_utf8_lossy(&text).into_owned(),
        })
    }

    fn leaf(&self, serial: Serial) -> Result<Record> {
        let rec = Locked::acquire(&self.dir)?.find(serial)?.clone();
        if rec.kind.is_ca() {
            return Err(Error::NotALeaf(serial));
        }
        Ok(rec)
    }

    /// The CA certificates above an issued one, nearest first (DER).
    fn chain(&self) -> Result<Vec<Vec<u8>>> {
        let index = Locked::acquire(&self.dir)?.index;
        let mut out = Vec::new();
        for kind in [CertKind::Intermediate, CertKind::Root] {
            if let Some(r) = index.records.iter().find(|r| r.kind == kind) {
                out.push(self.cert_der(&r.cert)?);
            }
        }
        Ok(out)
    }

    /// A PEM bundle for `curl --cert` / `SSLProxyMachineCertificateFile`: the certificate,
    /// the intermediate (if any), then the private key, encrypted under `out_pass` if given.
    ///
    /// # Errors
    /// [`Error::NotALeaf`], a key that needs `key_pass`, I/O.
    pub fn export_pem(
        &self,
        serial: Serial,
        key_pass: Option<&Passphrase>,
        out_pass: Option<&Passphrase>,
    ) -> Result<zeroize::Zeroizing<String>> {
        let rec = self.leaf(serial)?;
        let key = keys::read_key(&self.dir.join(&rec.key), key_pass)?;
        let mut out =
            zeroize::Zeroizing::new(String::from_utf8_lossy(&self.read(&rec.cert)?).into_owned());
        let index = Locked::acquire(&self.dir)?.index;
        if let Some(r) = index
            .records
            .iter()
            .find(|r| r.kind == CertKind::Intermediate)
        {
            out.push_str(&String::from_utf8_lossy(&self.read(&r.cert)?));
        }
        out.push_str(&keys::key_pem(&key, out_pass)?);
        Ok(out)
    }

    /// A PKCS#12 file with the key, the certificate and the CA chain, under `password`.
    ///
    /// # Errors
    /// [`Error::NotALeaf`], a key that needs `key_pass`, the PKCS#12 writer, I/O.
    pub fn export_pkcs12(
        &self,
        serial: Serial,
        key_pass: Option<&Passphrase>,
        password: &Passphrase,
        form: Pkcs12Form,
    ) -> Result<Vec<u8>> {
        use p12_keystore::{
            Certificate, EncryptionAlgorithm, KeyStore, KeyStoreEntry, MacAlgorithm, PrivateKey,
            PrivateKeyChain,
        };
        let rec = self.leaf(serial)?;
        let key = keys::read_key(&self.dir.join(&rec.key), key_pass)?;
        let key_der = zeroize::Zeroizing::new(key.serialize_der());
        let mut certs = vec![Certificate::from_der(&self.cert_der(&rec.cert)?)?];
        for der in self.chain()? {
            certs.push(Certificate::from_der(&der)?);
        }
        let chain = PrivateKeyChain::new(
            serial.0.to_be_bytes().to_vec(),
            PrivateKey::from_der(&key_der)?,
            certs,
        );
        let mut ks = KeyStore::new();
        let alias = format!("{} ({serial})", rec.subject_dn);
        ks.add_entry(&alias, KeyStoreEntry::PrivateKeyChain(chain));
        let (enc, mac, iterations) = match form {
            Pkcs12Form::Modern => (
                EncryptionAlgorithm::PbeWithHmacSha256AndAes256,
                MacAlgorithm::HmacSha256,
                10_000,
            ),
            // OpenSSL's own legacy export uses 2048 iterations.
            Pkcs12Form::Legacy3DesSha1 => (
                EncryptionAlgorithm::PbeWithShaAnd3KeyTripleDesCbc,
                MacAlgorithm::HmacSha1,
                2048,
            ),
        };
        Ok(ks
            .writer(password.expose())
            .encryption_algorithm(enc)
            .encryption_iterations(iterations)
            .mac_algorithm(mac)
            .mac_iterations(iterations)
            .write()?)
    }
}

/// `valid`, `revoked` or `expired` at Unix time `now`.
pub fn status(rec: &Record, now: i64) -> &'static str {
    match rec.revocation {
        Revocation::Revoked { .. } => "revoked",
        Revocation::Valid if rec.not_after < now => "expired",
        Revocation::Valid => "valid",
    }
}

/// Writes `bytes` to `path` atomically with `mode` (0600 for anything holding a key).
///
/// # Errors
/// I/O.
pub fn write_file(path: &Path, bytes: &[u8], mode: u32) -> Result<()> {
    atomic_write(path, bytes, mode)
}

/// RFC 3339 rendering of a Unix time, for listings.
pub fn format_time(unix: i64) -> String {
    OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| unix.to_string())
}

#[cfg(test)]
mod tests;
