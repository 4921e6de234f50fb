//! Authentication scopes (RFC 8120 section 5) and host validation (section 7).

use crate::Error;

/// An origin as RFC 8120 sections 5 and 7 use it: lower-case scheme and host, a port.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Origin {
    scheme: String,
    host: String,
    port: u16,
}

impl Origin {
    /// An origin. `host` is an LDH / IDNA A-label name, an IPv4 address or an IPv6 address
    /// (with or without brackets); it is lower-cased.
    ///
    /// # Errors
    /// [`Error::InvalidHost`] for an empty host, a scheme other than `http` / `https`, or
    /// characters that cannot appear in a URI host.
    pub fn new(scheme: &str, host: &str, port: u16) -> Result<Self, Error> {
        let scheme = scheme.to_ascii_lowercase();
        if scheme != "http" && scheme != "https" {
            return Err(Error::InvalidHost);
        }
        let host = normalize_host(host)?;
        Ok(Self { scheme, host, port })
    }

    /// The origin of a request (`RequestContext::scheme`, `host()` and `port`).
    ///
    /// # Errors
    /// As [`new`](Self::new).
    pub fn of_request(request: &httpauth_core::RequestContext<'_>) -> Result<Self, Error> {
        Self::new(request.scheme, request.host(), request.port)
    }

    /// `http` or `https`.
    pub fn scheme(&self) -> &str {
        &self.scheme
    }

    /// The host as it appears in a URI (IPv6 in brackets), lower case.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.port
    }

    fn default_port(&self) -> bool {
        matches!(
            (self.scheme.as_str(), self.port),
            ("http", 80) | ("https", 443)
        )
    }

    /// The `host` validation value vh = `"<scheme>://<host>:<port>"` (RFC 8120 section 7),
    /// port always present.
    pub fn vh_host(&self) -> String {
        format!("{}://{}:{}", self.scheme, self.host, self.port)
    }

    /// The single-server auth-scope: the RFC 6454 ASCII serialisation (port omitted when
    /// default).
    pub fn single_server(&self) -> String {
        if self.default_port() {
            format!("{}://{}", self.scheme, self.host)
        } else {
            format!("{}://{}:{}", self.scheme, self.host, self.port)
        }
    }
}

fn normalize_host(host: &str) -> Result<String, Error> {
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    if bare.is_empty() {
        return Err(Error::InvalidHost);
    }
    if bare.contains(':') {
        // IPv6 literal (RFC 3986 section 3.2.2): hex digits, colons, dots, and at least two
        // colons (the shortest form is "::"), so that a `host:port` typed where a host is
        // expected ("example.com:443", "cafe:443") is refused, not read as an address.
        if bare.bytes().filter(|&b| b == b':').count() < 2
            || !bare
                .bytes()
                .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.')
        {
            return Err(Error::InvalidHost);
        }
        return Ok(format!("[{}]", bare.to_ascii_lowercase()));
    }
    // reg-name / IPv4: RFC 8120 section 5 requires LDH labels (IDNA A-labels) in lower case.
    if !bare
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
    {
        return Err(Error::InvalidHost);
    }
    Ok(bare.to_ascii_lowercase())
}

/// An authentication scope (RFC 8120 section 5).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AuthScope {
    /// `<scheme>://<host>[:<port>]`: one origin.
    SingleServer(Origin),
    /// `<host>`: every scheme and port of one host.
    SingleHost(String),
    /// `*.<domain-postfix>`: the domain and every host below it.
    WildcardDomain(String),
}

impl AuthScope {
    /// Parses an auth-scope, accepting any letter case, an explicit default port, a port
    /// with leading zeros and, in the single-server form, an empty path `/`, and
    /// canonicalises it (RFC 8120 section 5: lower-case scheme and host, "If the default
    /// port (i.e., 80 for http and 443 for https) is used ..., the port part MUST be
    /// omitted", otherwise the port "MUST NOT contain leading zeros").
    ///
    /// ```text
    /// single-server   = scheme "://" host [ ":" port ]   ; input: [ "/" ] after it
    /// single-host     = host
    /// wildcard-domain = "*." domain-postfix
    /// ```
    ///
    /// The three kinds are different scopes: a verifier J is bound to the canonical string
    /// (it is part of pi's salt, RFC 8120 section 12.2), so `https://example.com` (single
    /// server) and `example.com` (single host, the default a server announces) never stand
    /// for each other.
    ///
    /// ```
    /// use mutual_core::scope::AuthScope;
    /// let c = |s| AuthScope::parse(s).map(|a| a.canonical());
    /// assert_eq!(c("HTTPS://Example.COM:443/").unwrap(), "https://example.com");
    /// assert_eq!(c("http://example.com:08080").unwrap(), "http://example.com:8080");
    /// assert_eq!(c("Example.COM").unwrap(), "example.com");
    /// assert!(c("example.com:443").is_err()); // a port needs the scheme
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidAuthScope`].
    pub fn parse(s: &str) -> Result<Self, Error> {
        if let Some((scheme, rest)) = s.split_once("://") {
            // The origin of a URI whose path is empty or "/" (RFC 3986 section 6.2.3).
            let rest = rest.strip_suffix('/').unwrap_or(rest);
            let (host, port) = split_host_port(rest).ok_or(Error::InvalidAuthScope)?;
            let scheme_l = scheme.to_ascii_lowercase();
            let port = match port {
                Some(p) => p,
                None if scheme_l == "https" => 443,
                None => 80,
            };
            let origin = Origin::new(scheme, host, port).map_err(|_| Error::InvalidAuthScope)?;
            return Ok(AuthScope::SingleServer(origin));
        }
        if let Some(domain) = s.strip_prefix("*.") {
            let d = normalize_host(domain).map_err(|_| Error::InvalidAuthScope)?;
            if d.starts_with('[') || d.starts_with('.') || d.ends_with('.') || d.contains("..") {
                return Err(Error::InvalidAuthScope);
            }
            return Ok(AuthScope::WildcardDomain(d));
        }
        let h = normalize_host(s).map_err(|_| Error::InvalidAuthScope)?;
        Ok(AuthScope::SingleHost(h))
    }

    /// The canonical string (RFC 8120 section 5): what goes into pi's salt, on the wire,
    /// into an htmutual file and into a [`CredentialQuery`](httpauth_core::CredentialQuery).
    pub fn canonical(&self) -> String {
        match self {
            AuthScope::SingleServer(o) => o.single_server(),
            AuthScope::SingleHost(h) => h.clone(),
            AuthScope::WildcardDomain(d) => format!("*.{d}"),
        }
    }

    /// True if the scope covers `origin` (RFC 8120 section 5: `*.example.com` covers
    /// `example.com` and every host below it).
    pub fn covers(&self, origin: &Origin) -> bool {
        match self {
            AuthScope::SingleServer(o) => o == origin,
            AuthScope::SingleHost(h) => *h == origin.host,
            AuthScope::WildcardDomain(d) => {
                origin.host == *d
                    || origin
                        .host
                        .strip_suffix(d.as_str())
                        .is_some_and(|p| p.ends_with('.'))
            }
        }
    }

    /// Specificity for realm selection (RFC 8120 section 5.1): single-server over
    /// single-host over wildcard, longer wildcard postfix first.
    pub fn specificity(&self) -> (u8, usize) {
        match self {
            AuthScope::SingleServer(_) => (2, 0),
            AuthScope::SingleHost(_) => (1, 0),
            AuthScope::WildcardDomain(d) => (0, d.len()),
        }
    }
}

fn split_host_port(s: &str) -> Option<(&str, Option<u16>)> {
    if s.is_empty() || s.contains('/') {
        return None;
    }
    let (host, port) = if let Some(rest) = s.strip_prefix('[') {
        let (h, after) = rest.split_once(']')?;
        let port = match after {
            "" => None,
            p => Some(p.strip_prefix(':')?),
        };
        (&s[..h.len() + 2], port)
    } else {
        match s.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (s, None),
        }
    };
    let port = match port {
        // RFC 8120 section 5: "MUST NOT contain leading zeros"; accepted on input here and
        // canonicalised, as the issue asks to accept every reasonable form.
        Some(p) if !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()) => {
            Some(p.parse::<u16>().ok()?)
        }
        Some(_) => return None,
        None => None,
    };
    Some((host, port))
}

/// Which auth-scope a server announces (RFC 8120 section 5).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum ScopeKind {
    /// The request's origin.
    SingleServer,
    /// The request's host (section 5 calls it "the default value").
    #[default]
    SingleHost,
    /// `*.<domain>` (the domain given with or without `*.`, in any letter case; it is
    /// canonicalised as [`AuthScope::parse`] does); requests for hosts outside the domain,
    /// or a domain that is no valid postfix, get the single-host scope.
    WildcardDomain(String),
}

impl ScopeKind {
    /// The scope for a request to `origin`.
    pub fn scope_for(&self, origin: &Origin) -> AuthScope {
        match self {
            ScopeKind::SingleServer => AuthScope::SingleServer(origin.clone()),
            ScopeKind::SingleHost => AuthScope::SingleHost(origin.host.clone()),
            ScopeKind::WildcardDomain(d) => {
                let d = d.strip_prefix("*.").unwrap_or(d);
                match AuthScope::parse(&format!("*.{d}")) {
                    Ok(w @ AuthScope::WildcardDomain(_)) if w.covers(origin) => w,
                    _ => AuthScope::SingleHost(origin.host.clone()),
                }
            }
        }
    }
}

/// A host validation method (RFC 8120 section 7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Validation {
    /// `host`: vh = `"<scheme>://<host>:<port>"`.
    Host,
    /// `tls-server-end-point`: vh = the RFC 5929 section 4.1 hash of the server certificate.
    TlsServerEndPoint,
}

impl Validation {
    /// The token.
    pub fn token(self) -> &'static str {
        match self {
            Validation::Host => "host",
            Validation::TlsServerEndPoint => "tls-server-end-point",
        }
    }

    /// Parses a validation token (case-insensitive). `tls-unique` is refused: rustls does
    /// not expose it (it is undefined for TLS 1.3, RFC 9266), see `docs/mutual.md`.
    ///
    /// # Errors
    /// [`Error::UnsupportedValidation`].
    pub fn from_token(s: &str) -> Result<Self, Error> {
        if s.eq_ignore_ascii_case("host") {
            Ok(Validation::Host)
        } else if s.eq_ignore_ascii_case("tls-server-end-point") {
            Ok(Validation::TlsServerEndPoint)
        } else {
            Err(Error::UnsupportedValidation(s.to_owned()))
        }
    }
}

/// The RFC 5929 section 4.1 `tls-server-end-point` value of a DER certificate: its hash
/// under the hash of its signature algorithm, SHA-256 when that is MD5 or SHA-1 (or
/// unknown), SHA-384 / SHA-512 for those signature hashes.
///
/// # Errors
/// [`Error::InvalidHost`] if the certificate's outer structure is not DER.
pub fn tls_server_end_point(cert_der: &[u8]) -> Result<Vec<u8>, Error> {
    use sha2::Digest as _;
    let oid = signature_oid(cert_der).ok_or(Error::InvalidHost)?;
    // Last arcs of the OIDs that name SHA-384 / SHA-512 signatures:
    // 1.2.840.113549.1.1.12 / .13 (RSA), 1.2.840.10045.4.3.3 / .4 (ECDSA).
    const RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01];
    const ECDSA: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03];
    let h = match oid {
        o if o.starts_with(RSA) && o.len() == RSA.len() + 1 => o[RSA.len()],
        o if o.starts_with(ECDSA) && o.len() == ECDSA.len() + 1 => match o[ECDSA.len()] {
            3 => 12,
            4 => 13,
            _ => 0,
        },
        _ => 0,
    };
    Ok(match h {
        12 => sha2::Sha384::digest(cert_der).to_vec(),
        13 => sha2::Sha512::digest(cert_der).to_vec(),
        _ => sha2::Sha256::digest(cert_der).to_vec(),
    })
}

/// One DER TLV: (tag, content, rest).
fn der_tlv(b: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let tag = *b.first()?;
    let first = *b.get(1)?;
    let (len, hdr) = if first < 0x80 {
        (usize::from(first), 2)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 {
            return None;
        }
        let mut len = 0usize;
        for i in 0..n {
            len = (len << 8) | usize::from(*b.get(2 + i)?);
        }
        (len, 2 + n)
    };
    let end = hdr.checked_add(len)?;
    Some((tag, b.get(hdr..end)?, b.get(end..)?))
}

/// Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm SEQUENCE { OID, ... }, ... }
fn signature_oid(cert: &[u8]) -> Option<&[u8]> {
    let (t, body, _) = der_tlv(cert)?;
    if t != 0x30 {
        return None;
    }
    let (t, _tbs, rest) = der_tlv(body)?;
    if t != 0x30 {
        return None;
    }
    let (t, alg, _) = der_tlv(rest)?;
    if t != 0x30 {
        return None;
    }
    let (t, oid, _) = der_tlv(alg)?;
    (t == 0x06).then_some(oid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc8120_5_auth_scope_forms() {
        let s = AuthScope::parse("HTTPS://WWW.Example.COM:443").unwrap();
        assert_eq!(s.canonical(), "https://www.example.com");
        let s = AuthScope::parse("http://example.com:8080").unwrap();
        assert_eq!(s.canonical(), "http://example.com:8080");
        assert_eq!(
            AuthScope::parse("http://example.com:08080")
                .unwrap()
                .canonical(),
            "http://example.com:8080"
        );
        assert_eq!(
            AuthScope::parse("Example.com").unwrap().canonical(),
            "example.com"
        );
        // Issue 14: the form `rs-htmutual --help` used to suggest, and its variants, are
        // all one scope.
        for s in [
            "https://example.com:443",
            "https://example.com:443/",
            "HTTPS://EXAMPLE.COM",
            "https://example.com/",
            "https://example.com:0443",
        ] {
            assert_eq!(
                AuthScope::parse(s).unwrap().canonical(),
                "https://example.com",
                "{s}"
            );
        }
        assert_eq!(
            AuthScope::parse("http://example.com:80/")
                .unwrap()
                .canonical(),
            "http://example.com"
        );
        // The default port of the other scheme is not the default here.
        assert_eq!(
            AuthScope::parse("http://example.com:443")
                .unwrap()
                .canonical(),
            "http://example.com:443"
        );
        assert_eq!(AuthScope::parse("[::1]").unwrap().canonical(), "[::1]");
        assert_eq!(AuthScope::parse("::1").unwrap().canonical(), "[::1]");
        assert_eq!(
            AuthScope::parse("*.Example.com").unwrap().canonical(),
            "*.example.com"
        );
        assert_eq!(
            AuthScope::parse("http://[::1]:81").unwrap().canonical(),
            "http://[::1]:81"
        );
        for bad in [
            "",
            "*.",
            "ftp://x",
            "http://",
            "http://a/b",
            "a b",
            "*..com",
            "http://a:99999",
            "http://a:",
            "http://a//",
            "http://a/b/",
            "example.com:443",
            "cafe:443",
            "[cafe:443]",
        ] {
            assert!(AuthScope::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn rfc8120_5_wildcard_coverage() {
        let w = AuthScope::parse("*.example.com").unwrap();
        for host in [
            "www.example.com",
            "web.example.com",
            "www.sales.example.com",
            "example.com",
        ] {
            assert!(w.covers(&Origin::new("http", host, 80).unwrap()), "{host}");
        }
        for host in ["badexample.com", "example.org", "com"] {
            assert!(!w.covers(&Origin::new("http", host, 80).unwrap()), "{host}");
        }
        let o = Origin::new("HTTP", "Example.com", 80).unwrap();
        assert_eq!(o.vh_host(), "http://example.com:80");
        assert_eq!(o.single_server(), "http://example.com");
        assert!(AuthScope::SingleHost("example.com".into()).covers(&o));
    }

    /// The scope a server announces (and looks verifiers up by) is canonical whatever
    /// spelling of the domain was configured.
    #[test]
    fn scope_kind_announces_the_canonical_form() {
        let o = Origin::new("https", "WWW.Example.com", 443).unwrap();
        for d in [
            "example.com",
            "Example.COM",
            "*.example.com",
            "*.EXAMPLE.com",
        ] {
            assert_eq!(
                ScopeKind::WildcardDomain(d.into())
                    .scope_for(&o)
                    .canonical(),
                "*.example.com",
                "{d}"
            );
        }
        for d in ["other.com", "", "*.", "exa mple.com"] {
            assert_eq!(
                ScopeKind::WildcardDomain(d.into())
                    .scope_for(&o)
                    .canonical(),
                "www.example.com",
                "{d:?}"
            );
        }
        assert_eq!(
            ScopeKind::SingleServer.scope_for(&o).canonical(),
            "https://www.example.com"
        );
        assert_eq!(
            ScopeKind::SingleHost.scope_for(&o).canonical(),
            "www.example.com"
        );
    }

    #[test]
    fn validation_tokens() {
        assert_eq!(Validation::from_token("HOST"), Ok(Validation::Host));
        assert_eq!(
            Validation::from_token("tls-server-end-point"),
            Ok(Validation::TlsServerEndPoint)
        );
        assert!(Validation::from_token("tls-unique").is_err());
    }
}
