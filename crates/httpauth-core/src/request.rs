//! The facts about a request that authentication schemes need.

use crate::SecretBytes;
use std::net::SocketAddr;

/// Hash functions that schemes ask a body digester for (RFC 7616 section 3.2; RFC 8121).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HashFunction {
    /// MD5 (RFC 1321). Legacy; kept for RFC 2617 interoperability.
    Md5,
    /// SHA-256 (FIPS 180-4).
    Sha256,
    /// SHA-512/256 (FIPS 180-4 section 6.7, with its own initial values; not truncated SHA-512).
    Sha512_256,
    /// SHA-512 (FIPS 180-4).
    Sha512,
}

/// Supplies the hash of the request's entity body (RFC 7616 section 3.4.3, `qop=auth-int`:
/// `A2 = Method ":" request-uri ":" H(entity-body)`).
///
/// Core computes no hashes; scheme crates provide implementations (a buffered body, or a
/// streaming hasher fed while the body is read).
pub trait BodyDigest: Send + Sync {
    /// The digest of the whole body under `hash`, or `None` if this digester was not set up
    /// for that function (the scheme then refuses `auth-int` for that request).
    fn body_digest(&self, hash: HashFunction) -> Option<Vec<u8>>;
}

/// The result of verifying the peer's certificate chain, as mod_ssl's `SSL_CLIENT_VERIFY`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum PeerVerification {
    /// No certificate was presented.
    #[default]
    None,
    /// The chain verified against the configured trust anchors.
    Success,
    /// A certificate was accepted without verification (`optional_no_ca` on an older OpenSSL).
    Generous,
    /// The chain did not verify; the reason as Apache prints it (`FAILED:<reason>`).
    Failed(String),
}

/// Channel-binding values of the TLS connection (RFC 5929, RFC 9266).
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct ChannelBindings {
    /// `tls-server-end-point` (RFC 5929 section 4): the hash of the server's certificate.
    pub tls_server_end_point: Option<Vec<u8>>,
    /// `tls-unique` (RFC 5929 section 3); rustls cannot provide it, so usually `None`.
    pub tls_unique: Option<Vec<u8>>,
    /// `tls-exporter` (RFC 9266): 32 bytes of exported keying material. Secret.
    pub tls_exporter: Option<SecretBytes>,
}

/// Facts about the TLS connection a request arrived on. Computed once per connection.
///
/// `#[non_exhaustive]`: start from `TlsInfo::default()` and set fields.
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct TlsInfo {
    /// The peer's certificate chain as presented, DER, leaf first. Empty if none.
    pub peer_certificates: Vec<Vec<u8>>,
    /// The outcome of verifying `peer_certificates`.
    pub peer_verification: PeerVerification,
    /// The server's own certificate chain, DER, leaf first.
    pub server_certificates: Vec<Vec<u8>>,
    /// Protocol version as mod_ssl names it (`TLSv1.2`, `TLSv1.3`).
    pub protocol: Option<String>,
    /// Cipher suite name (OpenSSL naming where one exists).
    pub cipher: Option<String>,
    /// Symmetric key size of the cipher in bits.
    pub cipher_bits: Option<u32>,
    /// The SNI host name the client sent.
    pub sni: Option<String>,
    /// Channel-binding values.
    pub channel_bindings: ChannelBindings,
}

/// The request facts a scheme needs to make challenges and verify credentials.
///
/// Borrowed from the server's request; `#[non_exhaustive]`: build with
/// [`RequestContext::new`] and the `with_*` methods.
#[derive(Clone, Copy)]
#[non_exhaustive]
pub struct RequestContext<'a> {
    /// The request method (`GET`).
    pub method: &'a str,
    /// The request-target exactly as received (RFC 7230 section 5.3), e.g. `/a/b?c`.
    pub target: &'a str,
    /// `http` or `https`.
    pub scheme: &'a str,
    /// The authority (`host[:port]`) the request was sent to.
    pub authority: &'a str,
    /// The authority's port, or the scheme's default port.
    pub port: u16,
    /// True when the request is being authenticated by a proxy (RFC 7235 section 3.2:
    /// 407, `Proxy-Authenticate`, `Proxy-Authorization`, `Proxy-Authentication-Info`).
    pub proxy: bool,
    /// The peer's address, if known.
    pub remote_addr: Option<SocketAddr>,
    /// TLS facts, if the request arrived over TLS.
    pub tls: Option<&'a TlsInfo>,
    /// Digests of the request body, for Digest `auth-int`.
    pub body: Option<&'a dyn BodyDigest>,
}

impl<'a> RequestContext<'a> {
    /// A request context. `port` is taken from `authority`, else from the scheme
    /// (443 for `https`, 80 otherwise).
    pub fn new(method: &'a str, target: &'a str, scheme: &'a str, authority: &'a str) -> Self {
        let default_port = if scheme.eq_ignore_ascii_case("https") {
            443
        } else {
            80
        };
        // `host:port` or `[v6]:port`; a colon inside brackets is not a port separator.
        let port = authority
            .rsplit_once(':')
            .filter(|(host, _)| !host.contains('[') || host.ends_with(']'))
            .and_then(|(_, p)| p.parse().ok())
            .unwrap_or(default_port);
        Self {
            method,
            target,
            scheme,
            authority,
            port,
            proxy: false,
            remote_addr: None,
            tls: None,
            body: None,
        }
    }

    /// Sets TLS facts.
    pub fn with_tls(mut self, tls: &'a TlsInfo) -> Self {
        self.tls = Some(tls);
        self
    }

    /// Sets the body digester.
    pub fn with_body(mut self, body: &'a dyn BodyDigest) -> Self {
        self.body = Some(body);
        self
    }

    /// Marks the request as authenticated by a proxy.
    pub fn with_proxy(mut self, proxy: bool) -> Self {
        self.proxy = proxy;
        self
    }

    /// Sets the peer address.
    pub fn with_remote_addr(mut self, addr: SocketAddr) -> Self {
        self.remote_addr = Some(addr);
        self
    }

    /// The host part of the authority, without port or IPv6 brackets.
    pub fn host(&self) -> &'a str {
        let a = self.authority;
        if let Some(rest) = a.strip_prefix('[') {
            return rest.split(']').next().unwrap_or(rest);
        }
        match a.rsplit_once(':') {
            Some((h, p)) if p.bytes().all(|b| b.is_ascii_digit()) => h,
            _ => a,
        }
    }
}

impl core::fmt::Debug for RequestContext<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("RequestContext")
            .field("method", &self.method)
            .field("target", &self.target)
            .field("scheme", &self.scheme)
            .field("authority", &self.authority)
            .field("port", &self.port)
            .field("proxy", &self.proxy)
            .field("remote_addr", &self.remote_addr)
            .field("tls", &self.tls.is_some())
            .field("body", &self.body.is_some())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_and_hosts() {
        let r = RequestContext::new("GET", "/", "https", "Example.com");
        assert_eq!((r.port, r.host()), (443, "Example.com"));
        let r = RequestContext::new("GET", "/", "http", "example.com:8080");
        assert_eq!((r.port, r.host()), (8080, "example.com"));
        let r = RequestContext::new("GET", "/", "http", "[::1]:81");
        assert_eq!((r.port, r.host()), (81, "::1"));
        let r = RequestContext::new("GET", "/", "http", "[::1]");
        assert_eq!((r.port, r.host()), (80, "::1"));
    }
}
