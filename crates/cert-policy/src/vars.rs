//! Variables: the `SSL_*` family computed from the certificate, the chain and the TLS
//! session (mod_ssl `ssl_engine_vars.c`), and the request variables supplied by the caller.

use crate::{Error, dn};
use base64::Engine as _;
use httpauth_core::{PeerVerification, TlsInfo};
use std::net::IpAddr;
use std::time::{SystemTime, UNIX_EPOCH};
use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::{GeneralName, ParsedExtension};
use x509_parser::prelude::FromDer;
use x509_parser::x509::X509Name;

/// Which certificate a certificate variable reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Side {
    Client,
    Server,
}

/// A DN component (`ssl_var_lookup_ssl_cert_dn_rec`); names are case-sensitive.
/// Name, OID (DER contents, so lookups compare bytes without allocating), exported by
/// `+StdEnvVars`.
const DN_COMPONENTS: &[(&str, &[u8], bool)] = &[
    ("C", &[0x55, 4, 6], true),
    ("ST", &[0x55, 4, 8], true),
    ("SP", &[0x55, 4, 8], false),
    ("L", &[0x55, 4, 7], true),
    ("O", &[0x55, 4, 10], true),
    ("OU", &[0x55, 4, 11], true),
    ("CN", &[0x55, 4, 3], true),
    ("T", &[0x55, 4, 12], true),
    ("I", &[0x55, 4, 43], true),
    ("G", &[0x55, 4, 42], true),
    ("GN", &[0x55, 4, 42], false),
    ("S", &[0x55, 4, 4], true),
    ("D", &[0x55, 4, 13], true),
    // 0.9.2342.19200300.100.1.1 (userId)
    (
        "UID",
        &[0x09, 0x92, 0x26, 0x89, 0x93, 0xF2, 0x2C, 0x64, 0x01, 0x01],
        true,
    ),
    // 1.2.840.113549.1.9.1 (emailAddress)
    (
        "Email",
        &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x09, 0x01],
        true,
    ),
];

/// SAN entry kinds exported by mod_ssl.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum SanKind {
    Email,
    Dns,
    MsUpn,
    DnsSrv,
}

/// A certificate variable (`SSL_CLIENT_x` / `SSL_SERVER_x`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum CertVar {
    MVersion,
    MSerial,
    VStart,
    VEnd,
    VRemain,
    /// `S_DN` (true) or `I_DN`.
    Dn(bool),
    /// `S_DN_x_n` / `I_DN_x_n`: subject?, OID, index.
    DnComponent(bool, &'static [u8], usize),
    ASig,
    AKey,
    Cert,
    San(SanKind, usize),
    Rfc4523Cea,
    /// A name mod_ssl accepts syntactically but yields nothing for.
    Empty,
}

/// An `SSL_*` variable.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum SslVar {
    Protocol,
    Cipher,
    CipherExport,
    CipherUseKeySize,
    CipherAlgKeySize,
    ClientVerify,
    ClientCertChain(usize),
    TlsSni,
    CompressMethod,
    Cert(Side, CertVar),
    /// Anything else mod_ssl accepts (every `SSL_*` name parses) but this crate cannot know
    /// (session id, library version): empty, as mod_ssl gives for unknown names.
    Empty,
}

/// Request and connection variables provided by the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum ReqVar {
    RequestMethod,
    RequestScheme,
    RequestUri,
    QueryString,
    RemoteAddr,
    RemoteUser,
    ServerName,
    ServerPort,
    ServerProtocol,
    AuthType,
    Https,
    /// Header variables: `HTTP_USER_AGENT` ... (header name).
    Header(&'static str),
    Time(TimeVar),
    /// Other httpd variables this crate cannot know (file names, log ids): empty.
    Empty,
}

/// `TIME_*` variables (local time in Apache; this crate uses UTC unless the caller sets
/// [`Request::time_offset_secs`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum TimeVar {
    Year,
    Mon,
    Day,
    Hour,
    Min,
    Sec,
    WDay,
    Time,
}

/// A resolved variable with its name as written.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Var {
    name: String,
    pub(crate) kind: VarKind,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum VarKind {
    Ssl(SslVar),
    Req(ReqVar),
}

const HEADER_VARS: &[(&str, &str)] = &[
    ("HTTP_USER_AGENT", "User-Agent"),
    ("HTTP_PROXY_CONNECTION", "Proxy-Connection"),
    ("HTTP_REFERER", "Referer"),
    ("HTTP_COOKIE", "Cookie"),
    ("HTTP_FORWARDED", "Forwarded"),
    ("HTTP_HOST", "Host"),
    ("HTTP_ACCEPT", "Accept"),
];

const EMPTY_REQ_VARS: &[&str] = &[
    "REQUEST_FILENAME",
    "REMOTE_HOST",
    "REMOTE_IDENT",
    "SERVER_ADMIN",
    "SCRIPT_FILENAME",
    "PATH_INFO",
    "IS_SUBREQ",
    "DOCUMENT_ROOT",
    "THE_REQUEST",
    "CONTENT_TYPE",
    "HANDLER",
    "REQUEST_LOG_ID",
    "SCRIPT_USER",
    "SCRIPT_GROUP",
    "DOCUMENT_URI",
    "LAST_MODIFIED",
    "CONTEXT_PREFIX",
    "CONTEXT_DOCUMENT_ROOT",
    "REQUEST_STATUS",
    "SERVER_SOFTWARE",
    "API_VERSION",
    "IPV6",
    "CONN_LOG_ID",
    "CONN_REMOTE_ADDR",
];

fn ceq(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}
fn ceq_prefix<'a>(a: &'a str, p: &str) -> Option<&'a str> {
    if a.len() >= p.len() && a.as_bytes()[..p.len()].eq_ignore_ascii_case(p.as_bytes()) {
        Some(&a[p.len()..])
    } else {
        None
    }
}
fn all_digits(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_digit())
}
/// `atoi` of an all-digit string, saturating.
fn atoi(s: &str) -> usize {
    s.bytes().fold(0usize, |a, d| {
        a.saturating_mul(10).saturating_add(usize::from(d - b'0'))
    })
}

impl SslVar {
    /// Whether the value depends on the current time (`V_REMAIN`).
    pub(crate) fn needs_time(&self) -> bool {
        matches!(self, SslVar::Cert(_, CertVar::VRemain))
    }
}

impl Var {
    /// The name as written in the expression.
    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    /// Resolves a `%{NAME}` as httpd would at configuration time: core variables first
    /// (case-insensitive), then every `SSL_*` name (mod_ssl accepts them all).
    pub(crate) fn resolve(name: &str) -> Option<Var> {
        let kind = if let Some(rest) = ceq_prefix(name, "SSL_") {
            VarKind::Ssl(resolve_ssl(rest))
        } else {
            VarKind::Req(resolve_req(name)?)
        };
        Some(Var {
            name: name.to_owned(),
            kind,
        })
    }

    /// True for an `SSL_*` name mod_ssl does not define (it evaluates as empty there):
    /// the names this crate resolves to nothing, less those mod_ssl knows but this crate
    /// cannot fill (`SSL_SESSION_ID`, `SSL_VERSION_LIBRARY`, ...).
    pub(crate) fn is_unknown_ssl(&self) -> bool {
        const KNOWN_EMPTY: &[&str] = &[
            "VERSION_INTERFACE",
            "VERSION_LIBRARY",
            "SESSION_ID",
            "SESSION_RESUMED",
            "SECURE_RENEG",
            "SRP_USER",
            "SRP_USERINFO",
            "HANDSHAKE_RTT",
        ];
        let rest = ceq_prefix(&self.name, "SSL_").unwrap_or("");
        match &self.kind {
            VarKind::Ssl(SslVar::Empty) | VarKind::Ssl(SslVar::Cert(_, CertVar::Empty)) => {
                !KNOWN_EMPTY.iter().any(|k| ceq(k, rest))
            }
            _ => false,
        }
    }

    /// True for variables holding text rather than numbers (for [`Expr::warnings`](crate::Expr::warnings)).
    pub(crate) fn is_textual(&self) -> bool {
        match &self.kind {
            VarKind::Ssl(SslVar::Cert(_, c)) => matches!(
                c,
                CertVar::Dn(_)
                    | CertVar::DnComponent(..)
                    | CertVar::San(..)
                    | CertVar::ASig
                    | CertVar::AKey
            ),
            VarKind::Ssl(
                SslVar::ClientVerify | SslVar::Protocol | SslVar::Cipher | SslVar::TlsSni,
            ) => true,
            VarKind::Req(ReqVar::RequestMethod | ReqVar::RemoteUser | ReqVar::RequestUri) => true,
            _ => false,
        }
    }
}

fn resolve_req(name: &str) -> Option<ReqVar> {
    use ReqVar::*;
    let table: &[(&str, ReqVar)] = &[
        ("REQUEST_METHOD", RequestMethod),
        ("REQUEST_SCHEME", RequestScheme),
        ("REQUEST_URI", RequestUri),
        ("QUERY_STRING", QueryString),
        ("REMOTE_ADDR", RemoteAddr),
        ("REMOTE_USER", RemoteUser),
        ("SERVER_NAME", ServerName),
        ("SERVER_PORT", ServerPort),
        ("SERVER_PROTOCOL", ServerProtocol),
        ("AUTH_TYPE", AuthType),
        ("HTTPS", Https),
        ("TIME_YEAR", Time(TimeVar::Year)),
        ("TIME_MON", Time(TimeVar::Mon)),
        ("TIME_DAY", Time(TimeVar::Day)),
        ("TIME_HOUR", Time(TimeVar::Hour)),
        ("TIME_MIN", Time(TimeVar::Min)),
        ("TIME_SEC", Time(TimeVar::Sec)),
        ("TIME_WDAY", Time(TimeVar::WDay)),
        ("TIME", Time(TimeVar::Time)),
    ];
    if let Some((_, v)) = table.iter().find(|(n, _)| ceq(n, name)) {
        return Some(*v);
    }
    if let Some((_, h)) = HEADER_VARS.iter().find(|(n, _)| ceq(n, name)) {
        return Some(Header(h));
    }
    if EMPTY_REQ_VARS.iter().any(|n| ceq(n, name)) {
        return Some(Empty);
    }
    None
}

/// `ssl_var_lookup_ssl` name dispatch (after `SSL_`).
fn resolve_ssl(var: &str) -> SslVar {
    if ceq(var, "PROTOCOL") {
        return SslVar::Protocol;
    }
    if let Some(rest) = ceq_prefix(var, "CIPHER") {
        return if rest.is_empty() {
            SslVar::Cipher
        } else if ceq(rest, "_EXPORT") {
            SslVar::CipherExport
        } else if ceq(rest, "_USEKEYSIZE") {
            SslVar::CipherUseKeySize
        } else if ceq(rest, "_ALGKEYSIZE") {
            SslVar::CipherAlgKeySize
        } else {
            SslVar::Empty
        };
    }
    if var.len() > 18
        && let Some(rest) = ceq_prefix(var, "CLIENT_CERT_CHAIN_")
    {
        return if all_digits(rest) {
            SslVar::ClientCertChain(atoi(rest))
        } else {
            SslVar::Empty
        };
    }
    if ceq(var, "CLIENT_VERIFY") {
        return SslVar::ClientVerify;
    }
    if var.len() > 7
        && let Some(rest) = ceq_prefix(var, "CLIENT_")
    {
        return SslVar::Cert(Side::Client, resolve_cert(rest));
    }
    if var.len() > 7
        && let Some(rest) = ceq_prefix(var, "SERVER_")
    {
        return SslVar::Cert(Side::Server, resolve_cert(rest));
    }
    if ceq(var, "COMPRESS_METHOD") {
        return SslVar::CompressMethod;
    }
    if ceq(var, "TLS_SNI") {
        return SslVar::TlsSni;
    }
    SslVar::Empty
}

/// Who a certificate variable is exported for under `SSLOptions +StdEnvVars`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Export {
    /// `SSL_CLIENT_*` and `SSL_SERVER_*`.
    Both,
    /// `SSL_CLIENT_*` only (the server exports no `V_REMAIN` and no CEA).
    Client,
    /// Not by `+StdEnvVars` (`CERT` is `+ExportCertData`).
    No,
}

/// The one table of certificate variables after `SSL_CLIENT_` / `SSL_SERVER_` with a
/// fixed name (mod_ssl's `ssl_var_lookup_ssl_cert`), in the order `ssl_hook_Fixup`
/// exports them. Name lookup ([`resolve_cert`]) and the export list
/// ([`TlsVars::export`]) both read it; `_DN_x`, `SAN_*` and chain variables are parsed
/// by pattern in [`resolve_cert`].
const CERT_VARS: &[(&str, CertVar, Export)] = &[
    ("M_VERSION", CertVar::MVersion, Export::Both),
    ("M_SERIAL", CertVar::MSerial, Export::Both),
    ("V_START", CertVar::VStart, Export::Both),
    ("V_END", CertVar::VEnd, Export::Both),
    ("V_REMAIN", CertVar::VRemain, Export::Client),
    ("S_DN", CertVar::Dn(true), Export::Both),
    ("I_DN", CertVar::Dn(false), Export::Both),
    ("A_KEY", CertVar::AKey, Export::Both),
    ("A_SIG", CertVar::ASig, Export::Both),
    ("CERT_RFC4523_CEA", CertVar::Rfc4523Cea, Export::Client),
    ("CERT", CertVar::Cert, Export::No),
];

/// `ssl_var_lookup_ssl_cert` name dispatch (after `CLIENT_` / `SERVER_`).
fn resolve_cert(var: &str) -> CertVar {
    // `S_DN` / `I_DN` are matched below: their first letter is case-sensitive.
    if let Some((_, v, _)) = CERT_VARS
        .iter()
        .find(|(n, v, _)| !matches!(v, CertVar::Dn(_)) && ceq(n, var))
    {
        return v.clone();
    }
    let b = var.as_bytes();
    // `*var == 'S'` / `'I'` is case-sensitive in mod_ssl; the rest is not.
    if b.len() >= 3 && ceq(&var[1..], "_DN") {
        return match b[0] {
            b'S' => CertVar::Dn(true),
            b'I' => CertVar::Dn(false),
            _ => CertVar::Empty,
        };
    }
    if b.len() > 5 && var.is_char_boundary(1) && var.is_char_boundary(5) && ceq(&var[1..5], "_DN_")
    {
        let subject = match b[0] {
            b'S' => true,
            b'I' => false,
            _ => return CertVar::Empty,
        };
        let comp = &var[5..];
        let (name, idx) = match comp.split_once('_') {
            Some((n, i)) if all_digits(i) => (n, atoi(i)),
            _ => (comp, 0),
        };
        return match DN_COMPONENTS.iter().find(|(n, _, _)| *n == name) {
            Some((_, oid, _)) => CertVar::DnComponent(subject, oid, idx),
            None => CertVar::Empty,
        };
    }
    if var.len() > 4
        && let Some(rest) = ceq_prefix(var, "SAN_")
    {
        let (kind, rest) = if let Some(r) = rest.strip_prefix("Email_") {
            (SanKind::Email, r)
        } else if let Some(r) = rest.strip_prefix("DNS_") {
            (SanKind::Dns, r)
        } else if let Some(r) = rest.strip_prefix("OTHER_msUPN_") {
            (SanKind::MsUpn, r)
        } else if let Some(r) = rest.strip_prefix("OTHER_dnsSRV_") {
            (SanKind::DnsSrv, r)
        } else {
            return CertVar::Empty;
        };
        if rest.is_empty() || rest.len() > 4 || !all_digits(rest) {
            return CertVar::Empty;
        }
        return CertVar::San(kind, atoi(rest));
    }
    CertVar::Empty
}

// ---------------------------------------------------------------------------------------

/// A parsed certificate, borrowing its DER.
pub struct CertView<'a> {
    der: &'a [u8],
    x509: X509Certificate<'a>,
}

impl core::fmt::Debug for CertView<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("CertView")
            .field(
                "subject",
                &String::from_utf8_lossy(&dn::rfc2253(self.x509.subject())),
            )
            .finish()
    }
}

impl<'a> CertView<'a> {
    /// Parses one DER certificate.
    ///
    /// # Errors
    ///
    /// [`Error::Certificate`] if `der` is not one well-formed X.509 certificate.
    pub fn parse(der: &'a [u8]) -> Result<Self, Error> {
        let (rest, x509) =
            X509Certificate::from_der(der).map_err(|e| Error::Certificate(e.to_string()))?;
        if !rest.is_empty() {
            return Err(Error::Certificate("trailing data after certificate".into()));
        }
        Ok(CertView { der, x509 })
    }

    /// The x509-parser view.
    pub fn x509(&self) -> &X509Certificate<'a> {
        &self.x509
    }

    /// The subject DN as Apache's `SSL_CLIENT_S_DN` (RFC 2253 style).
    pub fn subject_dn(&self) -> Vec<u8> {
        dn::rfc2253(self.x509.subject())
    }

    /// The issuer DN as Apache's `SSL_CLIENT_I_DN`.
    pub fn issuer_dn(&self) -> Vec<u8> {
        dn::rfc2253(self.x509.issuer())
    }

    /// The subject DN in the legacy one-line form `/C=.../CN=...` (FakeBasicAuth user name).
    pub fn subject_oneline(&self) -> Vec<u8> {
        dn::oneline(self.x509.subject())
    }

    /// The issuer DN in the legacy one-line form.
    pub fn issuer_oneline(&self) -> Vec<u8> {
        dn::oneline(self.x509.issuer())
    }

    fn name(&self, subject: bool) -> &X509Name<'a> {
        if subject {
            &self.x509.tbs_certificate.subject
        } else {
            &self.x509.tbs_certificate.issuer
        }
    }

    fn dn_component(&self, subject: bool, oid: &[u8], idx: usize) -> Option<Vec<u8>> {
        self.name(subject)
            .iter_attributes()
            .filter(|a| a.attr_type().as_bytes() == oid)
            .nth(idx)
            .map(|a| dn::component_value(a.attr_value()))
    }

    fn sans(&self, kind: SanKind) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        for ext in self.x509.extensions() {
            if let ParsedExtension::SubjectAlternativeName(san) = ext.parsed_extension() {
                for gn in &san.general_names {
                    match (kind, gn) {
                        (SanKind::Email, GeneralName::RFC822Name(s))
                        | (SanKind::Dns, GeneralName::DNSName(s)) => {
                            out.push(ctrl_escape(s.as_bytes()));
                        }
                        (SanKind::MsUpn, GeneralName::OtherName(oid, v))
                            if oid.to_id_string() == "1.3.6.1.4.1.311.20.2.3" =>
                        {
                            if let Some(s) = other_name_string(v, &[12]) {
                                out.push(s);
                            }
                        }
                        (SanKind::DnsSrv, GeneralName::OtherName(oid, v))
                            if oid.to_id_string() == "1.3.6.1.5.5.7.8.7" =>
                        {
                            if let Some(s) = other_name_string(v, &[22]) {
                                out.push(s);
                            }
                        }
                        _ => {}
                    }
                }
            }
        }
        out
    }

    /// The variable value; `None` is Apache's empty string.
    fn cert_var(&self, v: &CertVar, now: SystemTime) -> Option<Vec<u8>> {
        let tbs = &self.x509.tbs_certificate;
        Some(match v {
            CertVar::MVersion => (tbs.version.0 + 1).to_string().into_bytes(),
            CertVar::MSerial => serial_hex(self.x509.raw_serial()).into_bytes(),
            CertVar::VStart => asn1_time_print(tbs.validity.not_before.timestamp()).into_bytes(),
            CertVar::VEnd => asn1_time_print(tbs.validity.not_after.timestamp()).into_bytes(),
            CertVar::VRemain => {
                let now = now
                    .duration_since(UNIX_EPOCH)
                    .map(|d| d.as_secs() as i64)
                    .unwrap_or(0);
                // mod_ssl 2.4 with OpenSSL 3 (ssl_var_lookup_ssl_cert_remain): the whole
                // days of `ASN1_TIME_diff(now, notAfter)`, truncated toward zero (days and
                // seconds share a sign), 0 once expired. Older mod_ssl built the time with
                // APR and `tm_mday + 1`, one day more; Debian's 2.4.71 links
                // `ASN1_TIME_diff` and reports this value (differential in
                // tests/apache.rs, compared exactly).
                let diff = (tbs.validity.not_after.timestamp() - now) / 86400;
                diff.max(0).to_string().into_bytes()
            }
            CertVar::Dn(s) => dn::rfc2253(self.name(*s)),
            CertVar::DnComponent(s, oid, idx) => self.dn_component(*s, oid, *idx)?,
            CertVar::ASig => {
                oid_long_name(&self.x509.signature_algorithm.algorithm.to_id_string()).into_bytes()
            }
            CertVar::AKey => {
                oid_long_name(&tbs.subject_pki.algorithm.algorithm.to_id_string()).into_bytes()
            }
            CertVar::Cert => pem(self.der).into_bytes(),
            CertVar::San(kind, idx) => self.sans(*kind).into_iter().nth(*idx)?,
            CertVar::Rfc4523Cea => {
                let mut s =
                    format!("{{ serialNumber {}, issuer rdnSequence:\"", tbs.serial).into_bytes();
                s.extend(dn::rfc2253(self.x509.issuer()));
                s.extend_from_slice(b"\" }");
                s
            }
            CertVar::Empty => return None,
        })
    }

    /// `PeerExtList(oid)`: the text of each extension with this OID, as OpenSSL prints it.
    pub(crate) fn ext_list(&self, name: &[u8]) -> Vec<Vec<u8>> {
        let Some(oid) = ext_oid(name) else {
            return Vec::new();
        };
        self.x509
            .extensions()
            .iter()
            .filter(|e| e.oid.to_id_string() == oid)
            .filter_map(ext_text)
            .collect()
    }
}

fn ctrl_escape(b: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(b.len());
    for &c in b {
        if c < 0x20 || c == 0x7f {
            out.extend_from_slice(format!("\\{c:02X}").as_bytes());
        } else if c == b'\\' {
            out.extend_from_slice(b"\\\\");
        } else {
            out.push(c);
        }
    }
    out
}

/// The string inside an otherName value `[0] EXPLICIT <string>` with one of `tags`.
fn other_name_string(v: &[u8], tags: &[u8]) -> Option<Vec<u8>> {
    use x509_parser::der_parser::asn1_rs::Any;
    let (_, outer) = Any::from_der(v).ok()?;
    let inner = if outer.class() == x509_parser::der_parser::asn1_rs::Class::ContextSpecific {
        Any::from_der(outer.data).ok()?.1
    } else {
        outer
    };
    if !tags.contains(&(inner.tag().0 as u8)) {
        return None;
    }
    Some(ctrl_escape(inner.data))
}

/// `OBJ_txt2obj`: long name, short name or dotted OID.
fn ext_oid(name: &[u8]) -> Option<String> {
    let s = core::str::from_utf8(name).ok()?;
    let table: &[(&str, &str, &str)] = &[
        (
            "subjectAltName",
            "X509v3 Subject Alternative Name",
            "2.5.29.17",
        ),
        (
            "issuerAltName",
            "X509v3 Issuer Alternative Name",
            "2.5.29.18",
        ),
        ("basicConstraints", "X509v3 Basic Constraints", "2.5.29.19"),
        ("keyUsage", "X509v3 Key Usage", "2.5.29.15"),
        ("extendedKeyUsage", "X509v3 Extended Key Usage", "2.5.29.37"),
        (
            "subjectKeyIdentifier",
            "X509v3 Subject Key Identifier",
            "2.5.29.14",
        ),
        ("nsComment", "Netscape Comment", "2.16.840.1.113730.1.13"),
    ];
    if let Some((_, _, o)) = table.iter().find(|(sn, ln, _)| *sn == s || *ln == s) {
        return Some((*o).to_owned());
    }
    if !s.is_empty() && s.split('.').all(|p| !p.is_empty() && all_digits(p)) && s.contains('.') {
        return Some(s.to_owned());
    }
    None
}

fn hex_colon(b: &[u8]) -> String {
    b.iter()
        .map(|x| format!("{x:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// `X509V3_EXT_print(bio, ext, 0, 0)` for the common extensions, with mod_ssl's
/// DisplayText fallback for unknown ones.
fn ext_text(e: &x509_parser::extensions::X509Extension<'_>) -> Option<Vec<u8>> {
    let s = match e.parsed_extension() {
        ParsedExtension::SubjectAlternativeName(san) => san
            .general_names
            .iter()
            .map(|g| match g {
                GeneralName::RFC822Name(s) => format!("email:{s}"),
                GeneralName::DNSName(s) => format!("DNS:{s}"),
                GeneralName::URI(s) => format!("URI:{s}"),
                GeneralName::IPAddress(b) if b.len() == 4 => {
                    format!("IP Address:{}.{}.{}.{}", b[0], b[1], b[2], b[3])
                }
                GeneralName::IPAddress(b) if b.len() == 16 => {
                    let w: Vec<String> = b
                        .chunks(2)
                        .map(|c| format!("{:X}", u16::from_be_bytes([c[0], c[1]])))
                        .collect();
                    format!("IP Address:{}", w.join(":"))
                }
                GeneralName::OtherName(oid, v)
                    if oid.to_id_string() == "1.3.6.1.4.1.311.20.2.3" =>
                {
                    format!(
                        "othername: UPN::{}",
                        String::from_utf8_lossy(&other_name_string(v, &[12]).unwrap_or_default())
                    )
                }
                GeneralName::OtherName(..) => "othername:<unsupported>".to_owned(),
                GeneralName::DirectoryName(n) => {
                    format!("DirName:{}", String::from_utf8_lossy(&dn::oneline(n)))
                }
                GeneralName::RegisteredID(o) => format!("Registered ID:{}", o.to_id_string()),
                _ => "<unsupported>".to_owned(),
            })
            .collect::<Vec<_>>()
            .join(", "),
        ParsedExtension::BasicConstraints(bc) => {
            let mut s = format!("CA:{}", if bc.ca { "TRUE" } else { "FALSE" });
            if let Some(p) = bc.path_len_constraint {
                s.push_str(&format!("\npathlen:{p}"));
            }
            s
        }
        ParsedExtension::KeyUsage(ku) => {
            let names = [
                (ku.digital_signature(), "Digital Signature"),
                (ku.non_repudiation(), "Non Repudiation"),
                (ku.key_encipherment(), "Key Encipherment"),
                (ku.data_encipherment(), "Data Encipherment"),
                (ku.key_agreement(), "Key Agreement"),
                (ku.key_cert_sign(), "Certificate Sign"),
                (ku.crl_sign(), "CRL Sign"),
                (ku.encipher_only(), "Encipher Only"),
                (ku.decipher_only(), "Decipher Only"),
            ];
            names
                .iter()
                .filter(|(b, _)| *b)
                .map(|(_, n)| *n)
                .collect::<Vec<_>>()
                .join(", ")
        }
        ParsedExtension::ExtendedKeyUsage(eku) => {
            let mut v = Vec::new();
            if eku.server_auth {
                v.push("TLS Web Server Authentication".to_owned());
            }
            if eku.client_auth {
                v.push("TLS Web Client Authentication".to_owned());
            }
            if eku.code_signing {
                v.push("Code Signing".to_owned());
            }
            if eku.email_protection {
                v.push("E-mail Protection".to_owned());
            }
            if eku.time_stamping {
                v.push("Time Stamping".to_owned());
            }
            if eku.ocsp_signing {
                v.push("OCSP Signing".to_owned());
            }
            if eku.any {
                v.push("Any Extended Key Usage".to_owned());
            }
            for o in &eku.other {
                v.push(o.to_id_string());
            }
            v.join(", ")
        }
        ParsedExtension::SubjectKeyIdentifier(k) => hex_colon(k.0),
        ParsedExtension::NsCertComment(c) => (*c).to_owned(),
        _ => {
            // mod_ssl's dump_extn_value: a DisplayText string, converted to UTF-8.
            use x509_parser::der_parser::asn1_rs::Any;
            let (_, any) = Any::from_der(e.value).ok()?;
            if !matches!(any.tag().0, 12 | 22 | 26 | 30) {
                return None;
            }
            return Some(dn::component_value(&any));
        }
    };
    Some(s.into_bytes())
}

/// OpenSSL long names (`OBJ_nid2ln`) of signature and key algorithms.
fn oid_long_name(oid: &str) -> String {
    let table: &[(&str, &str)] = &[
        ("1.2.840.113549.1.1.1", "rsaEncryption"),
        ("1.2.840.113549.1.1.4", "md5WithRSAEncryption"),
        ("1.2.840.113549.1.1.5", "sha1WithRSAEncryption"),
        ("1.2.840.113549.1.1.10", "rsassaPss"),
        ("1.2.840.113549.1.1.11", "sha256WithRSAEncryption"),
        ("1.2.840.113549.1.1.12", "sha384WithRSAEncryption"),
        ("1.2.840.113549.1.1.13", "sha512WithRSAEncryption"),
        ("1.2.840.113549.1.1.14", "sha224WithRSAEncryption"),
        ("1.2.840.10045.2.1", "id-ecPublicKey"),
        ("1.2.840.10045.4.1", "ecdsa-with-SHA1"),
        ("1.2.840.10045.4.3.1", "ecdsa-with-SHA224"),
        ("1.2.840.10045.4.3.2", "ecdsa-with-SHA256"),
        ("1.2.840.10045.4.3.3", "ecdsa-with-SHA384"),
        ("1.2.840.10045.4.3.4", "ecdsa-with-SHA512"),
        ("1.3.101.112", "ED25519"),
        ("1.3.101.113", "ED448"),
        ("1.2.840.10040.4.1", "dsaEncryption"),
        ("1.2.840.10040.4.3", "dsa_with_SHA1"),
    ];
    table
        .iter()
        .find(|(o, _)| *o == oid)
        .map(|(_, n)| (*n).to_owned())
        .unwrap_or_else(|| "UNKNOWN".to_owned())
}

/// `i2a_ASN1_INTEGER`: uppercase hex of the magnitude, `00` for zero.
fn serial_hex(raw: &[u8]) -> String {
    let neg = raw.first().is_some_and(|&b| b & 0x80 != 0);
    let mag: Vec<u8> = if neg {
        // Two's complement magnitude.
        let mut v: Vec<u8> = raw.iter().map(|b| !b).collect();
        for b in v.iter_mut().rev() {
            let (n, o) = b.overflowing_add(1);
            *b = n;
            if !o {
                break;
            }
        }
        v
    } else {
        raw.to_vec()
    };
    let skip = mag.iter().take_while(|&&b| b == 0).count();
    let body = &mag[skip..];
    let mut s = String::new();
    if neg {
        s.push('-');
    }
    if body.is_empty() {
        s.push_str("00");
    }
    for b in body {
        s.push_str(&format!("{b:02X}"));
    }
    s
}

/// Civil date from days since 1970-01-01 (proleptic Gregorian).
pub(crate) fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// `ASN1_TIME_print`: `Jan  1 00:00:00 2020 GMT`.
fn asn1_time_print(ts: i64) -> String {
    const MON: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = ts.div_euclid(86400);
    let secs = ts.rem_euclid(86400);
    let (y, m, d) = civil(days);
    format!(
        "{} {:2} {:02}:{:02}:{:02} {} GMT",
        MON[(m as usize).saturating_sub(1) % 12],
        d,
        secs / 3600,
        secs / 60 % 60,
        secs % 60,
        y
    )
}

/// `PEM_write_bio_X509`.
pub(crate) fn pem(der: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut s = String::from("-----BEGIN CERTIFICATE-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        s.push_str(&String::from_utf8_lossy(chunk));
        s.push('\n');
    }
    s.push_str("-----END CERTIFICATE-----\n");
    s
}

// ---------------------------------------------------------------------------------------

/// The TLS side of an evaluation: the parsed peer (client) and server certificates, the
/// chain, the verification result and the session facts, all borrowed from a
/// [`TlsInfo`]. Build once per connection; evaluate many expressions against it.
#[derive(Debug)]
pub struct TlsVars<'a> {
    client: Option<CertView<'a>>,
    server: Option<CertView<'a>>,
    info: &'a TlsInfo,
}

impl<'a> TlsVars<'a> {
    /// Parses the certificates in `info`.
    ///
    /// # Errors
    ///
    /// [`Error::Certificate`] if the peer's leaf or the server's certificate does not parse.
    pub fn new(info: &'a TlsInfo) -> Result<Self, Error> {
        let client = info
            .peer_certificates
            .first()
            .map(|d| CertView::parse(d))
            .transpose()?;
        let server = info
            .server_certificates
            .first()
            .map(|d| CertView::parse(d))
            .transpose()?;
        Ok(TlsVars {
            client,
            server,
            info,
        })
    }

    /// The client's certificate, if one was presented.
    pub fn client(&self) -> Option<&CertView<'a>> {
        self.client.as_ref()
    }

    /// The underlying TLS facts.
    pub fn info(&self) -> &'a TlsInfo {
        self.info
    }

    /// `SSL_CLIENT_VERIFY`.
    pub fn verify_string(&self) -> String {
        match &self.info.peer_verification {
            PeerVerification::None if self.client.is_none() => "NONE".into(),
            PeerVerification::None => "FAILED:no verification result".into(),
            PeerVerification::Success => "SUCCESS".into(),
            PeerVerification::Generous => "GENEROUS".into(),
            PeerVerification::Failed(r) => format!("FAILED:{r}"),
            _ => "FAILED:unknown".into(),
        }
    }

    pub(crate) fn ssl_var(&self, v: &SslVar, now: SystemTime) -> Option<Vec<u8>> {
        let i = self.info;
        match v {
            SslVar::Protocol => i.protocol.clone().map(String::into_bytes),
            SslVar::Cipher => i.cipher.clone().map(String::into_bytes),
            SslVar::CipherExport => i.cipher_bits.map(|b| {
                if b < 56 {
                    b"true".to_vec()
                } else {
                    b"false".to_vec()
                }
            }),
            SslVar::CipherUseKeySize | SslVar::CipherAlgKeySize => {
                Some(i.cipher_bits.unwrap_or(0).to_string().into_bytes())
            }
            SslVar::ClientVerify => Some(self.verify_string().into_bytes()),
            SslVar::ClientCertChain(n) => i
                .peer_certificates
                .get(n.checked_add(1)?)
                .map(|d| pem(d).into_bytes()),
            SslVar::TlsSni => i.sni.clone().map(String::into_bytes),
            SslVar::CompressMethod => Some(b"NULL".to_vec()),
            SslVar::Cert(side, cv) => {
                let c = match side {
                    Side::Client => self.client.as_ref()?,
                    Side::Server => self.server.as_ref()?,
                };
                c.cert_var(cv, now)
            }
            SslVar::Empty => None,
        }
    }

    /// The variables `SSLOptions +StdEnvVars +ExportCertData` exports for this connection,
    /// in mod_ssl's order, empty values left out (as mod_ssl does).
    pub fn export(&self, now: SystemTime, export_cert_data: bool) -> Vec<(String, Vec<u8>)> {
        let mut out: Vec<(String, Vec<u8>)> = Vec::new();
        let add = |out: &mut Vec<(String, Vec<u8>)>, name: &str, v: Option<Vec<u8>>| {
            if let Some(v) = v
                && !v.is_empty()
            {
                out.push((name.to_owned(), v));
            }
        };
        add(
            &mut out,
            "SSL_PROTOCOL",
            self.ssl_var(&SslVar::Protocol, now),
        );
        add(
            &mut out,
            "SSL_COMPRESS_METHOD",
            self.ssl_var(&SslVar::CompressMethod, now),
        );
        add(&mut out, "SSL_CIPHER", self.ssl_var(&SslVar::Cipher, now));
        if self.info.cipher_bits.is_some() {
            add(
                &mut out,
                "SSL_CIPHER_EXPORT",
                self.ssl_var(&SslVar::CipherExport, now),
            );
            add(
                &mut out,
                "SSL_CIPHER_USEKEYSIZE",
                self.ssl_var(&SslVar::CipherUseKeySize, now),
            );
            add(
                &mut out,
                "SSL_CIPHER_ALGKEYSIZE",
                self.ssl_var(&SslVar::CipherAlgKeySize, now),
            );
        }
        add(
            &mut out,
            "SSL_CLIENT_VERIFY",
            self.ssl_var(&SslVar::ClientVerify, now),
        );
        for (side, p, list) in [
            (Side::Client, "SSL_CLIENT_", true),
            (Side::Server, "SSL_SERVER_", false),
        ] {
            for (n, cv, export) in CERT_VARS {
                let exported = match export {
                    Export::Both => true,
                    Export::Client => list,
                    Export::No => false,
                };
                if !exported {
                    continue;
                }
                add(
                    &mut out,
                    &format!("{p}{n}"),
                    self.ssl_var(&SslVar::Cert(side, cv.clone()), now),
                );
            }
        }
        add(&mut out, "SSL_TLS_SNI", self.ssl_var(&SslVar::TlsSni, now));
        // modssl_var_extract_dns: server first, then client; every occurrence, `_n` from 1.
        for (cert, p) in [(&self.server, "SSL_SERVER_"), (&self.client, "SSL_CLIENT_")] {
            let Some(c) = cert else { continue };
            for (subject, sp) in [(true, "S_DN_"), (false, "I_DN_")] {
                let mut counts: Vec<(&str, usize)> = Vec::new();
                for atv in c.name(subject).iter_attributes() {
                    let oid = atv.attr_type().as_bytes();
                    let Some((tag, _, _)) = DN_COMPONENTS.iter().find(|(_, o, e)| *e && *o == oid)
                    else {
                        continue;
                    };
                    let n = match counts.iter_mut().find(|(t, _)| t == tag) {
                        Some((_, n)) => {
                            *n += 1;
                            format!("{p}{sp}{tag}_{n}")
                        }
                        None => {
                            counts.push((tag, 0));
                            format!("{p}{sp}{tag}")
                        }
                    };
                    add(&mut out, &n, Some(dn::component_value(atv.attr_value())));
                }
            }
        }
        // modssl_var_extract_san_entries: client then server.
        for (cert, p) in [(&self.client, "SSL_CLIENT_"), (&self.server, "SSL_SERVER_")] {
            let Some(c) = cert else { continue };
            for (kind, n) in [
                (SanKind::Email, "SAN_Email"),
                (SanKind::Dns, "SAN_DNS"),
                (SanKind::MsUpn, "SAN_OTHER_msUPN"),
            ] {
                for (i, v) in c.sans(kind).into_iter().enumerate() {
                    add(&mut out, &format!("{p}{n}_{i}"), Some(v));
                }
            }
        }
        if export_cert_data {
            // mod_ssl sets these two even when empty.
            out.push((
                "SSL_SERVER_CERT".into(),
                self.server
                    .as_ref()
                    .map(|s| pem(s.der).into_bytes())
                    .unwrap_or_default(),
            ));
            out.push((
                "SSL_CLIENT_CERT".into(),
                self.client
                    .as_ref()
                    .map(|c| pem(c.der).into_bytes())
                    .unwrap_or_default(),
            ));
            for (i, d) in self.info.peer_certificates.iter().skip(1).enumerate() {
                out.push((format!("SSL_CLIENT_CERT_CHAIN_{i}"), pem(d).into_bytes()));
            }
        }
        out
    }
}

/// The request side of an evaluation, supplied by the caller. Every field is optional;
/// missing values evaluate to the empty string, as in Apache.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct Request<'a> {
    /// `REQUEST_METHOD`.
    pub method: &'a str,
    /// `REQUEST_SCHEME` (`https`).
    pub scheme: &'a str,
    /// `REQUEST_URI`: the path, without the query string (Apache's `r->uri`).
    pub uri: &'a str,
    /// `QUERY_STRING`.
    pub query: &'a str,
    /// `REMOTE_ADDR` and the address `-R` tests.
    pub remote_addr: Option<IpAddr>,
    /// `REMOTE_USER`.
    pub remote_user: &'a str,
    /// `AUTH_TYPE`.
    pub auth_type: &'a str,
    /// `SERVER_NAME`.
    pub server_name: &'a str,
    /// `SERVER_PORT`.
    pub server_port: Option<u16>,
    /// `SERVER_PROTOCOL` (`HTTP/1.1`).
    pub protocol: &'a str,
    /// Request headers, for `HTTP_*`, `%{HTTP:name}`, `req()`, `http()`. Names compare
    /// case-insensitively; the first match wins (Apache's `apr_table_get`).
    pub headers: &'a [(&'a str, &'a str)],
    /// Response headers, for `resp()`.
    pub response_headers: &'a [(&'a str, &'a str)],
    /// Request environment (`reqenv()`, `env()`).
    pub env: &'a [(&'a str, &'a str)],
    /// Request notes (`note()`, `env()`).
    pub notes: &'a [(&'a str, &'a str)],
    /// The time for `TIME_*` and `SSL_CLIENT_V_REMAIN`; `None` is now.
    pub time: Option<SystemTime>,
    /// Offset of local time from UTC in seconds, for `TIME_*` (Apache uses local time).
    pub time_offset_secs: i32,
}

pub(crate) fn table_get<'a>(t: &[(&'a str, &'a str)], name: &[u8]) -> Option<&'a str> {
    t.iter()
        .find(|(k, _)| k.as_bytes().eq_ignore_ascii_case(name))
        .map(|(_, v)| *v)
}

impl Request<'_> {
    pub(crate) fn var(&self, v: ReqVar, https: bool) -> Option<Vec<u8>> {
        let s = |x: &str| {
            if x.is_empty() {
                None
            } else {
                Some(x.as_bytes().to_vec())
            }
        };
        match v {
            ReqVar::RequestMethod => s(self.method),
            ReqVar::RequestScheme => s(self.scheme),
            ReqVar::RequestUri => s(self.uri),
            ReqVar::QueryString => s(self.query),
            ReqVar::RemoteAddr => self.remote_addr.map(|a| a.to_string().into_bytes()),
            ReqVar::RemoteUser => s(self.remote_user),
            ReqVar::AuthType => s(self.auth_type),
            ReqVar::ServerName => s(self.server_name),
            ReqVar::ServerPort => self.server_port.map(|p| p.to_string().into_bytes()),
            ReqVar::ServerProtocol => s(self.protocol),
            ReqVar::Https => Some(if https {
                b"on".to_vec()
            } else {
                b"off".to_vec()
            }),
            ReqVar::Header(h) => {
                table_get(self.headers, h.as_bytes()).map(|v| v.as_bytes().to_vec())
            }
            ReqVar::Time(t) => {
                let now = self.time.unwrap_or_else(SystemTime::now);
                let ts = now
                    .duration_since(UNIX_EPOCH)
                    .map(|d| d.as_secs() as i64)
                    .unwrap_or(0)
                    + i64::from(self.time_offset_secs);
                let days = ts.div_euclid(86400);
                let secs = ts.rem_euclid(86400);
                let (y, m, d) = civil(days);
                let (h, mi, se) = (secs / 3600, secs / 60 % 60, secs % 60);
                let wday = (days + 4).rem_euclid(7);
                Some(
                    match t {
                        TimeVar::Year => format!("{y:04}"),
                        TimeVar::Mon => format!("{m:02}"),
                        TimeVar::Day => format!("{d:02}"),
                        TimeVar::Hour => format!("{h:02}"),
                        TimeVar::Min => format!("{mi:02}"),
                        TimeVar::Sec => format!("{se:02}"),
                        TimeVar::WDay => format!("{wday}"),
                        TimeVar::Time => format!("{y:04}{m:02}{d:02}{h:02}{mi:02}{se:02}"),
                    }
                    .into_bytes(),
                )
            }
            ReqVar::Empty => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_formats() {
        assert_eq!(asn1_time_print(1_577_836_800), "Jan  1 00:00:00 2020 GMT");
        assert_eq!(asn1_time_print(4_102_444_799), "Dec 31 23:59:59 2099 GMT");
        assert_eq!(civil(0), (1970, 1, 1));
    }

    #[test]
    fn serials() {
        assert_eq!(serial_hex(&[0x10, 0x00]), "1000");
        assert_eq!(serial_hex(&[0x00, 0xA1]), "A1");
        assert_eq!(serial_hex(&[0x00]), "00");
        assert_eq!(serial_hex(&[0xFF]), "-01");
    }

    #[test]
    fn component_oid_bytes_match_dotted_names() {
        use x509_parser::der_parser::oid::Oid;
        let dotted = [
            ("C", "2.5.4.6"),
            ("ST", "2.5.4.8"),
            ("L", "2.5.4.7"),
            ("O", "2.5.4.10"),
            ("OU", "2.5.4.11"),
            ("CN", "2.5.4.3"),
            ("T", "2.5.4.12"),
            ("I", "2.5.4.43"),
            ("G", "2.5.4.42"),
            ("S", "2.5.4.4"),
            ("D", "2.5.4.13"),
            ("UID", "0.9.2342.19200300.100.1.1"),
            ("Email", "1.2.840.113549.1.9.1"),
        ];
        for (n, d) in dotted {
            let (_, bytes, _) = DN_COMPONENTS.iter().find(|(x, _, _)| *x == n).unwrap();
            assert_eq!(
                Oid::new(std::borrow::Cow::Borrowed(*bytes)).to_id_string(),
                d,
                "{n}"
            );
        }
    }

    #[test]
    fn variable_name_case_rules() {
        // Prefixes are case-insensitive, DN component names are not (mod_ssl strEQn).
        assert!(matches!(
            Var::resolve("ssl_client_S_DN_CN").map(|v| v.kind),
            Some(VarKind::Ssl(SslVar::Cert(
                Side::Client,
                CertVar::DnComponent(true, &[0x55, 4, 3], 0)
            )))
        ));
        assert!(matches!(
            Var::resolve("ssl_client_s_dn_cn").map(|v| v.kind),
            Some(VarKind::Ssl(SslVar::Cert(Side::Client, CertVar::Empty)))
        ));
        assert!(matches!(
            Var::resolve("SSL_CLIENT_S_DN_OU_2").map(|v| v.kind),
            Some(VarKind::Ssl(SslVar::Cert(
                Side::Client,
                CertVar::DnComponent(true, &[0x55, 4, 11], 2)
            )))
        ));
        assert!(Var::resolve("NOT_A_VAR").is_none());
        assert!(Var::resolve("http_host").is_some());
    }
}
