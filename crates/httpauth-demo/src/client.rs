//! The curl-like client behind `httpauth-client`: Basic, Digest and Mutual through the
//! `httpauth` client engine ([`httpauth::client::AuthClient`]), server verification
//! (`rspauth`, `vks`), session and nonce reuse across URLs, redirects, an http proxy, and
//! a repeat / concurrency mode for measuring throughput.
//!
//! Every authentication decision is the engine's: this module is the transport (one
//! HTTP/1.1 connection per origin, rustls, a CONNECT tunnel through `-x`), the command
//! line ([`ClientOptions`], clap) and the mapping of [`ClientError`] to exit codes
//! ([`exit`]).
//!
//! Why a transport of its own rather than the engine's reqwest middleware: RFC 8120
//! section 4.5 lets a Mutual server put its `vks` in a `100 Continue`, and reqwest never
//! shows 1xx responses to its caller. hyper's HTTP/1 client connection does, through
//! [`hyper::ext::on_informational`], so the `vks` of a 1xx is verified here (a wrong one
//! is exit 5 like a wrong one in the final response).
//!
//! `-v` writes the transport's own lines (`* connected`, `> request`, `< status` and the
//! authentication fields, Basic credentials redacted; `*` lines narrating what each
//! `Authorization` is) and, through a `tracing-subscriber` fmt layer the binary installs,
//! the engine's `httpauth::client` debug events.

use crate::Error;
use bytes::Bytes;
use http_body_util::{BodyExt as _, Full, Limited};
use httpauth::client::{
    AuthClient, ClientError, QopChoice, RequestInfo, ResponseInfo, Schemes, Step, same_origin,
};
use httpauth_core::Password;
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

/// Exit codes of `httpauth-client` (listed in `--help`, [`EXIT_CODES`]).
///
/// Each says who is at fault: the caller (2), the network (3), the credentials as the
/// server judged them (4), the server's proof of itself (5), the resource (6), the
/// server's offer (7), the server's protocol (8).
pub mod exit {
    /// Success: the last response was 2xx/3xx and every server verification passed.
    pub const OK: u8 = 0;
    /// Bad arguments, or credentials this client refuses to send before any request: the
    /// user name or password fails RFC 8265 string preparation (RFC 8120 section 9; an
    /// empty password for Mutual).
    pub const USAGE: u8 = 2;
    /// Connection, TLS or I/O failure.
    pub const NETWORK: u8 = 3;
    /// AUTH-REQUIRED: the server (or proxy) refused the credentials sent, or wants
    /// credentials and none were given (`-u`, `-U`).
    pub const AUTH_REQUIRED: u8 = 4;
    /// The server failed verification (Digest `rspauth`, Mutual `vks`, in the final or a
    /// `100 Continue` response): do not trust the response.
    pub const SERVER_NOT_VERIFIED: u8 = 5;
    /// Another HTTP error status (4xx other than 401, 5xx), or too many redirects (`-L`).
    pub const HTTP_ERROR: u8 = 6;
    /// The server offers no challenge this client can answer with the schemes allowed
    /// (`--auth`); the message says what was offered and what is missing.
    pub const NO_USABLE_CHALLENGE: u8 = 7;
    /// The server broke the authentication protocol: a malformed authentication header, or
    /// a response RFC 8120 section 10.1 does not allow at that point.
    pub const PROTOCOL: u8 = 8;
}

/// Largest response body read.
pub const MAX_RESPONSE_BYTES: usize = 16 << 20;
/// Most redirects `-L` follows (as reqwest's default; curl's is 50).
pub const MAX_REDIRECTS: usize = 10;
/// Connect timeout (TCP, and the proxy's answer to a CONNECT).
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Which schemes the client may answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AuthMode {
    /// Basic only.
    Basic,
    /// Digest only.
    Digest,
    /// Mutual only.
    Mutual,
    /// The strongest offered: Mutual, then Digest, then Basic.
    Any,
}

impl AuthMode {
    fn schemes(self) -> Schemes {
        match self {
            AuthMode::Basic => Schemes::BASIC,
            AuthMode::Digest => Schemes::DIGEST,
            AuthMode::Mutual => Schemes::MUTUAL,
            AuthMode::Any => Schemes::ALL,
        }
    }

    fn name(self) -> &'static str {
        match self {
            AuthMode::Basic => "basic",
            AuthMode::Digest => "digest",
            AuthMode::Mutual => "mutual",
            AuthMode::Any => "any",
        }
    }
}

/// `--qop`: the Digest quality of protection (RFC 7616 section 3.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum QopMode {
    /// `auth-int` when the server offers it and the request has a body (`-d`), else
    /// `auth`.
    #[default]
    Auto,
    /// `auth` only: the body is not covered.
    Auth,
    /// `auth-int`, an empty body included; fails when the server does not offer it.
    AuthInt,
}

/// A login from `-u` or `-U`: `USER[:PASSWORD]`.
///
/// `Clone` because clap requires it of parsed values; the password is shared through an
/// `Arc`, never copied, and zeroized when the last holder drops it.
#[derive(Clone)]
pub struct Login {
    /// The user name.
    pub user: String,
    /// The password; `None` until prompted for.
    pub password: Option<Arc<Password>>,
}

impl std::fmt::Debug for Login {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Login")
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

fn parse_login(s: &str) -> Result<Login, String> {
    Ok(match s.split_once(':') {
        Some((u, p)) => Login {
            user: u.to_owned(),
            password: Some(Arc::new(Password::from(p))),
        },
        None => Login {
            user: s.to_owned(),
            password: None,
        },
    })
}

fn parse_header(s: &str) -> Result<(String, String), String> {
    let (n, v) = s
        .split_once(':')
        .ok_or_else(|| format!("{s:?}: expected 'Name: value'"))?;
    let n = n.trim();
    hyper::header::HeaderName::from_bytes(n.as_bytes()).map_err(|e| format!("{n:?}: {e}"))?;
    hyper::header::HeaderValue::from_str(v.trim()).map_err(|e| format!("{n}: {e}"))?;
    Ok((n.to_owned(), v.trim().to_owned()))
}

fn parse_proxy(s: &str) -> Result<String, String> {
    let t = parse_url(s).map_err(|f| f.message)?;
    if t.https {
        return Err(format!(
            "{s}: only http:// proxies are supported (an https target goes through a CONNECT tunnel)"
        ));
    }
    Ok(s.to_owned())
}

/// `--help`'s list of exit codes.
pub const EXIT_CODES: &str = "\
exit codes:
  0  ok: final status 2xx/3xx, every server verification passed
  2  usage: bad arguments, or credentials refused before sending (an empty
     password or a user name RFC 8265 preparation refuses, RFC 8120 section 9)
  3  network: connection, TLS or I/O failure
  4  authentication required: the server (or proxy) refused the credentials,
     or wants some and no -u (-U) was given
  5  server verification failed (Digest rspauth, Mutual vks, also in a
     100 Continue): the response is discarded
  6  other HTTP error status (4xx other than 401, 5xx), or more than 10
     redirects with -L
  7  no usable challenge: the server offers nothing this client may answer
     (the message lists what was offered and what is missing)
  8  protocol error: a malformed authentication header, or a response the
     protocol does not allow at that point (RFC 8120 section 10.1)";

/// Client options: the command line of `httpauth-client` (`--help`).
#[derive(Debug, clap::Parser)]
#[command(
    name = "httpauth-client",
    version,
    about = "A curl-like client for HTTP Basic, Digest (RFC 7616) and Mutual (RFC 8120) \
             authentication that verifies the server (rspauth, vks)",
    long_about = None,
    after_help = EXIT_CODES
)]
#[non_exhaustive]
pub struct ClientOptions {
    /// URLs, fetched in order with one shared state (sessions, nonces, connections).
    #[arg(required = true, value_name = "URL")]
    pub urls: Vec<String>,
    /// Credentials for the URLs' origins (prompts for the password when omitted); never
    /// sent to another origin after a redirect.
    #[arg(short = 'u', long = "user", value_name = "USER[:PASSWORD]", value_parser = parse_login)]
    pub user: Option<Login>,
    /// Schemes to answer (any: the strongest offered, Mutual, Digest, Basic).
    #[arg(long, value_enum, default_value_t = AuthMode::Any)]
    pub auth: AuthMode,
    /// Lets Basic credentials go over plain http (default: https only, as the password
    /// is sent in the clear, RFC 7617 section 4).
    #[arg(long)]
    pub basic_over_http: bool,
    /// Digest protection: auto is auth-int when offered and -d / --data-binary gives a
    /// body (the server's rspauth then covers the response body too).
    #[arg(long, value_enum, default_value_t = QopMode::Auto)]
    pub qop: QopMode,
    /// CA bundle (PEM) that verifies https servers.
    #[arg(long, value_name = "FILE")]
    pub cacert: Option<PathBuf>,
    /// Accepts any server certificate (handshake signatures are still checked; Mutual's
    /// tls-server-end-point binds to the certificate presented).
    #[arg(short = 'k', long)]
    pub insecure: bool,
    /// Client certificate (PEM), with --key.
    #[arg(short = 'E', long, value_name = "FILE", requires = "key")]
    pub cert: Option<PathBuf>,
    /// Client certificate's private key (PEM), with --cert.
    #[arg(long, value_name = "FILE", requires = "cert")]
    pub key: Option<PathBuf>,
    /// Request method (default GET, or POST with -d / --data-binary).
    #[arg(short = 'X', long = "request", value_name = "METHOD")]
    pub method: Option<String>,
    /// Request body, as given (makes the request a POST unless -X).
    #[arg(
        short = 'd',
        long = "data",
        value_name = "DATA",
        conflicts_with = "data_binary"
    )]
    pub data: Option<String>,
    /// Request body: the bytes of FILE for @FILE, else DATA (makes the request a POST
    /// unless -X).
    #[arg(long = "data-binary", value_name = "@FILE|DATA")]
    pub data_binary: Option<String>,
    /// Extra request header field (repeatable).
    #[arg(short = 'H', long = "header", value_name = "NAME: VALUE", value_parser = parse_header)]
    pub headers: Vec<(String, String)>,
    /// Prints the status line and response header fields before the body.
    #[arg(short = 'i', long)]
    pub include: bool,
    /// Writes the output (body, and headers with -i) to FILE instead of stdout.
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Follows redirects (at most 10): 301/302 turn a POST into a GET, 303 anything but
    /// HEAD, 307/308 keep method and body; credentials only go to the URL's own origin.
    #[arg(short = 'L', long)]
    pub location: bool,
    /// http proxy: plain-http URLs go through it in absolute form, https URLs through a
    /// CONNECT tunnel.
    #[arg(short = 'x', long, value_name = "http://HOST:PORT", value_parser = parse_proxy)]
    pub proxy: Option<String>,
    /// Proxy credentials (Digest or Basic to the proxy's 407; Basic on a CONNECT);
    /// prompts for the password when omitted.
    #[arg(short = 'U', long = "proxy-user", value_name = "USER[:PASSWORD]", value_parser = parse_login, requires = "proxy")]
    pub proxy_user: Option<Login>,
    /// Shows each step of the exchange on stderr (Basic credentials redacted).
    #[arg(short = 'v', long)]
    pub verbose: bool,
    /// Benchmark: fetches the URLs N times per worker and reports the rate.
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    pub repeat: u32,
    /// Benchmark: workers, each with its own connections, sessions and nonces (1-1024).
    #[arg(long, value_name = "C", default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub concurrency: u16,
    /// Benchmark: forgets Mutual sessions, Digest nonces and connections before every
    /// repetition (measures full authentications).
    #[arg(long)]
    pub new_session: bool,
    /// The request body, once read (`--data-binary @FILE`).
    #[arg(skip)]
    body: Option<Bytes>,
}

impl ClientOptions {
    /// Reads the request body (`--data-binary @FILE`); done by [`parse_args`].
    ///
    /// # Errors
    /// An unreadable file.
    pub fn load_body(&mut self) -> Result<(), Error> {
        self.body = match (&self.data, &self.data_binary) {
            (Some(d), _) => Some(Bytes::from(d.clone().into_bytes())),
            (None, Some(d)) => match d.strip_prefix('@') {
                Some(file) => Some(Bytes::from(
                    std::fs::read(file).map_err(|e| Error::io(file, e))?,
                )),
                None => Some(Bytes::from(d.clone().into_bytes())),
            },
            (None, None) => None,
        };
        Ok(())
    }

    /// The request method: `-X`, else POST with a body, else GET.
    pub fn method(&self) -> &str {
        match (&self.method, &self.body) {
            (Some(m), _) => m,
            (None, Some(_)) => "POST",
            (None, None) => "GET",
        }
    }
}

/// Parses arguments (after the program name); `--help` and `--version` print and give
/// `Ok(None)`.
///
/// # Errors
/// [`Error::Usage`] with clap's message; an unreadable `--data-binary @FILE`.
pub fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Option<ClientOptions>, Error> {
    use clap::Parser as _;
    let argv = std::iter::once("httpauth-client".to_owned()).chain(args);
    match ClientOptions::try_parse_from(argv) {
        Ok(mut o) => {
            o.load_body()?;
            Ok(Some(o))
        }
        Err(e)
            if matches!(
                e.kind(),
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion
            ) =>
        {
            print!("{e}");
            Ok(None)
        }
        Err(e) => Err(Error::Usage(e.to_string())),
    }
}

/// A failure that ends the run with an exit code.
#[derive(Debug)]
pub struct Failure {
    /// Exit code ([`exit`]).
    pub code: u8,
    /// What happened.
    pub message: String,
}

fn fail(code: u8, message: impl Into<String>) -> Failure {
    Failure {
        code,
        message: message.into(),
    }
}

/// A target split into what the transport needs.
#[derive(Debug, Clone)]
struct Target {
    https: bool,
    /// As in the URL (an IPv6 literal keeps its brackets).
    host: String,
    port: u16,
    /// Origin form: path and query.
    path: String,
    /// The URL without its fragment (the absolute form a proxy sees).
    absolute: String,
}

impl Target {
    fn authority(&self) -> String {
        if (self.https && self.port == 443) || (!self.https && self.port == 80) {
            self.host.clone()
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    fn scheme(&self) -> &'static str {
        if self.https { "https" } else { "http" }
    }

    /// The host without IPv6 brackets (for connecting and for SNI).
    fn bare_host(&self) -> &str {
        self.host.trim_start_matches('[').trim_end_matches(']')
    }
}

fn parse_url(u: &str) -> Result<Target, Failure> {
    let bad = |why: &str| fail(exit::USAGE, format!("{u}: {why}"));
    let (https, rest) = match u.split_once("://") {
        Some((s, r)) if s.eq_ignore_ascii_case("https") => (true, r),
        Some((s, r)) if s.eq_ignore_ascii_case("http") => (false, r),
        _ => return Err(bad("only http:// and https:// URLs")),
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..end];
    if authority.contains('@') {
        return Err(bad("credentials in the URL are not supported; use -u"));
    }
    let mut path = rest[end..].split('#').next().unwrap_or("").to_owned();
    if !path.starts_with('/') {
        path.insert(0, '/');
    }
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let (h, after) = v6.split_once(']').ok_or_else(|| bad("bad IPv6 literal"))?;
        (format!("[{h}]"), after.strip_prefix(':'))
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h.to_owned(), Some(p)),
            None => (authority.to_owned(), None),
        }
    };
    if host.is_empty() || host == "[]" {
        return Err(bad("no host"));
    }
    let port = match port {
        Some(p) => p.parse().map_err(|_| bad("bad port"))?,
        None if https => 443,
        None => 80,
    };
    let absolute = format!(
        "{}://{}{}",
        if https { "https" } else { "http" },
        if (https && port == 443) || (!https && port == 80) {
            host.clone()
        } else {
            format!("{host}:{port}")
        },
        path
    );
    Ok(Target {
        https,
        host,
        port,
        path,
        absolute,
    })
}

/// The target of a `Location` (RFC 9110 section 10.2.2: a URI reference, resolved
/// against the request's URL; RFC 3986 section 5.2, without dot-segment removal).
fn resolve(base: &Target, location: &str) -> Result<Target, Failure> {
    let location = location.trim();
    if location.contains("://") {
        return parse_url(location);
    }
    let joined = if let Some(rest) = location.strip_prefix("//") {
        format!("{}://{rest}", base.scheme())
    } else if location.starts_with('/') {
        format!("{}://{}{location}", base.scheme(), base.authority())
    } else if location.starts_with('?') {
        let path = base.path.split('?').next().unwrap_or("/");
        format!("{}://{}{path}{location}", base.scheme(), base.authority())
    } else {
        let path = base.path.split('?').next().unwrap_or("/");
        let dir = path.rfind('/').map_or("/", |i| &path[..=i]);
        format!("{}://{}{dir}{location}", base.scheme(), base.authority())
    };
    parse_url(&joined)
}

trait Io: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send {}
impl<T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send> Io for T {}

struct Connection {
    sender: SendRequest<Full<Bytes>>,
    /// RFC 5929 `tls-server-end-point` of the certificate the server presented.
    end_point: Option<Vec<u8>>,
}

/// What a connection goes to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum ConnKey {
    /// Plain http, direct.
    Http(String, u16),
    /// https, direct or through a CONNECT tunnel.
    Https(String, u16),
    /// The proxy (plain-http targets in absolute form).
    Proxy,
}

/// One response as read.
struct Raw {
    version: hyper::Version,
    status: hyper::StatusCode,
    headers: hyper::HeaderMap,
    /// Each 1xx before the final response: status and `Authentication-Info` values.
    informational: Vec<(u16, Vec<Vec<u8>>)>,
    body: Bytes,
    end_point: Option<Vec<u8>>,
}

/// A response's status line and header fields (for `-i`).
#[derive(Debug, Clone)]
pub struct Head {
    /// The status code.
    pub status: u16,
    /// The status line and header fields as `-i` prints them, ending with the blank line.
    pub text: String,
}

/// The outcome of fetching one URL.
#[derive(Debug)]
pub struct Fetched {
    /// The redirects followed (`-L`), in order.
    pub redirects: Vec<Head>,
    /// The final response's head.
    pub head: Head,
    /// The final response's body.
    pub body: Bytes,
}

impl Raw {
    fn head(&self) -> Head {
        let mut text = format!(
            "{:?} {} {}\r\n",
            self.version,
            self.status.as_str(),
            self.status.canonical_reason().unwrap_or("")
        );
        for (n, v) in &self.headers {
            let _ = write!(text, "{n}: {}\r\n", String::from_utf8_lossy(v.as_bytes()));
        }
        text.push_str("\r\n");
        Head {
            status: self.status.as_u16(),
            text,
        }
    }
}

/// The values of header `name` as strings. Header values are octets; RFC 8120 section
/// 3.2.2 makes every string UTF-8, so a value that is UTF-8 (a non-ASCII realm in a
/// quoted-string included) is kept, and one that is not is dropped with the reason in the
/// verbose log (`skipped`), never silently.
fn header_lines<'h>(
    headers: &'h hyper::HeaderMap,
    name: &str,
    skipped: &mut Vec<String>,
) -> Vec<&'h str> {
    headers
        .get_all(name)
        .iter()
        .filter_map(|v| match std::str::from_utf8(v.as_bytes()) {
            Ok(s) => Some(s),
            Err(_) => {
                skipped.push(format!(
                    "ignoring a {name} line that is not UTF-8 (RFC 8120 section 3.2.2 \
                     requires UTF-8 strings): {}",
                    String::from_utf8_lossy(v.as_bytes())
                ));
                None
            }
        })
        .collect()
}

/// `-k`: accepts any server certificate, but still checks that the server signed the
/// handshake with the key of the certificate it presented (with the provider's
/// algorithms), so Mutual's `tls-server-end-point` binding still means "this
/// certificate's key holder".
#[derive(Debug)]
struct AcceptAnyServerCert(rustls::crypto::WebPkiSupportedAlgorithms);

impl rustls::client::danger::ServerCertVerifier for AcceptAnyServerCert {
    fn verify_server_cert(
        &self,
        _end_entity: &rustls_pki_types::CertificateDer<'_>,
        _intermediates: &[rustls_pki_types::CertificateDer<'_>],
        _server_name: &rustls_pki_types::ServerName<'_>,
        _ocsp_response: &[u8],
        _now: rustls_pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &rustls_pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &rustls_pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.supported_schemes()
    }
}

/// Builds the rustls client configuration from `--cacert`, `-k`, `--cert`, `--key`
/// (`None`: no https without one of `--cacert`, `-k`).
///
/// # Errors
/// Unreadable files.
pub fn tls_config(o: &ClientOptions) -> Result<Option<Arc<rustls::ClientConfig>>, Error> {
    if o.cacert.is_none() && !o.insecure {
        return Ok(None);
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let algorithms = provider.signature_verification_algorithms;
    let b = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Tls(e.to_string()))?;
    let b = match &o.cacert {
        // curl too lets -k win over --cacert.
        _ if o.insecure => b
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AcceptAnyServerCert(algorithms))),
        Some(ca) => {
            let mut roots = rustls::RootCertStore::empty();
            for der in crate::pki::read_certs(ca)? {
                roots
                    .add(der.into())
                    .map_err(|e| Error::Tls(e.to_string()))?;
            }
            b.with_root_certificates(roots)
        }
        None => return Ok(None),
    };
    let mut c = match (&o.cert, &o.key) {
        (Some(c), Some(k)) => {
            let chain = crate::pki::read_certs(c)?
                .into_iter()
                .map(Into::into)
                .collect();
            b.with_client_auth_cert(chain, crate::pki::read_key(k)?)
                .map_err(|e| Error::Tls(e.to_string()))?
        }
        _ => b.with_no_client_auth(),
    };
    c.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Some(Arc::new(c)))
}

fn password_of(l: &Login) -> Password {
    l.password
        .as_deref()
        .map_or_else(|| Password::from(""), Password::duplicate)
}

/// Builds the engine: `with_login` gives it `-u` (the URLs' own origins), without it
/// (another origin after a redirect) it has only the proxy login.
fn auth_client(o: &ClientOptions, with_login: bool) -> AuthClient {
    let mut b = AuthClient::builder()
        .schemes(o.auth.schemes())
        .basic_over_http(o.basic_over_http)
        .qop(match o.qop {
            QopMode::Auto => QopChoice::Auto,
            QopMode::Auth => QopChoice::Auth,
            QopMode::AuthInt => QopChoice::AuthInt,
        });
    if with_login && let Some(l) = &o.user {
        b = b.login(l.user.clone(), password_of(l));
    }
    if let Some(l) = &o.proxy_user {
        b = b.proxy_login(l.user.clone(), password_of(l));
    }
    b.build()
}

/// Client state shared by the URLs of one run (one worker).
pub struct Client {
    opts: Arc<ClientOptions>,
    tls: Option<Arc<rustls::ClientConfig>>,
    /// The engine with `-u`: for the origins of the URLs given.
    auth: AuthClient,
    /// The engine without `-u`: for other origins reached by a redirect.
    anon: AuthClient,
    proxy: Option<Target>,
    conns: HashMap<ConnKey, Connection>,
    log: String,
    echo: bool,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("auth", &self.auth)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client for `opts` with a prepared TLS configuration.
    pub fn new(opts: Arc<ClientOptions>, tls: Option<Arc<rustls::ClientConfig>>) -> Self {
        let proxy = opts.proxy.as_deref().and_then(|p| parse_url(p).ok());
        Self {
            auth: auth_client(&opts, true),
            anon: auth_client(&opts, false),
            opts,
            tls,
            proxy,
            conns: HashMap::new(),
            log: String::new(),
            echo: false,
        }
    }

    /// Writes the verbose lines to stderr as they happen (the binary) rather than
    /// keeping them for [`take_log`](Self::take_log).
    pub fn echo_log(mut self, on: bool) -> Self {
        self.echo = on;
        self
    }

    /// Forgets sessions, nonces and connections (the next request authenticates anew).
    pub fn reset_sessions(&mut self) {
        self.auth.reset();
        self.anon.reset();
        self.conns.clear();
    }

    /// Takes the verbose log written so far.
    pub fn take_log(&mut self) -> String {
        std::mem::take(&mut self.log)
    }

    fn v(&mut self, line: impl AsRef<str>) {
        if !self.opts.verbose {
            return;
        }
        if self.echo {
            eprintln!("{}", line.as_ref());
        } else {
            let _ = writeln!(self.log, "{}", line.as_ref());
        }
    }

    async fn tcp(&mut self, host: &str, port: u16) -> Result<tokio::net::TcpStream, Failure> {
        let tcp = tokio::time::timeout(
            CONNECT_TIMEOUT,
            tokio::net::TcpStream::connect((host, port)),
        )
        .await
        .map_err(|_| fail(exit::NETWORK, format!("{host}:{port}: connect timed out")))?
        .map_err(|e| fail(exit::NETWORK, format!("{host}:{port}: {e}")))?;
        let _ = tcp.set_nodelay(true);
        self.v(format!("* connected to {host}:{port}"));
        Ok(tcp)
    }

    /// Opens a CONNECT tunnel to `t` through the proxy (RFC 9110 section 9.3.6), with
    /// Basic proxy credentials when `-U` is given.
    async fn tunnel(&mut self, tcp: &mut tokio::net::TcpStream, t: &Target) -> Result<(), Failure> {
        let authority = format!("{}:{}", t.host, t.port);
        let mut req = format!("CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n");
        self.v(format!("> CONNECT {authority}"));
        let login = self.opts.proxy_user.clone();
        if let Some(l) = &login {
            // A CONNECT is one request on a connection of its own; Basic is sent at once
            // (the proxy hop is plain TCP either way). The engine answers a proxy's
            // Digest for plain-http targets only.
            let p = password_of(l);
            let c = httpauth_headers::basic::credentials(&l.user, p.expose_secret())
                .map_err(|e| fail(exit::USAGE, format!("-U: {e}")))?;
            let _ = write!(
                req,
                "Proxy-Authorization: {}\r\n",
                httpauth_headers::format_credentials(&c)
            );
            self.v("> Proxy-Authorization: Basic <redacted>");
        }
        req.push_str("\r\n");
        let proxy_err = |e: std::io::Error| fail(exit::NETWORK, format!("proxy: {e}"));
        tcp.write_all(req.as_bytes()).await.map_err(proxy_err)?;
        let mut head = Vec::new();
        let read = async {
            let mut byte = [0u8; 1];
            // Byte by byte: nothing after the blank line may be consumed (it is TLS).
            while !head.ends_with(b"\r\n\r\n") {
                if head.len() > 64 * 1024 {
                    return Err(fail(
                        exit::PROTOCOL,
                        "proxy: CONNECT response head too large",
                    ));
                }
                if tcp.read(&mut byte).await.map_err(proxy_err)? == 0 {
                    return Err(fail(exit::NETWORK, "proxy: closed during CONNECT"));
                }
                head.push(byte[0]);
            }
            Ok(())
        };
        tokio::time::timeout(CONNECT_TIMEOUT, read)
            .await
            .map_err(|_| fail(exit::NETWORK, "proxy: CONNECT timed out"))??;
        let head = String::from_utf8_lossy(&head).into_owned();
        let status: u16 = head
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| fail(exit::NETWORK, "proxy: malformed CONNECT response"))?;
        self.v(format!("< {status} (CONNECT)"));
        let offered: Vec<&str> = head
            .lines()
            .filter_map(|l| l.split_once(':'))
            .filter(|(n, _)| n.trim().eq_ignore_ascii_case("proxy-authenticate"))
            .map(|(_, v)| v.trim())
            .collect();
        for l in &offered {
            self.v(format!("< Proxy-Authenticate: {l}"));
        }
        match status {
            200..=299 => Ok(()),
            407 => {
                let schemes: Vec<&str> = offered
                    .iter()
                    .filter_map(|v| v.split_whitespace().next())
                    .collect();
                let offer = schemes.join(", ");
                if login.is_none() {
                    Err(fail(
                        exit::AUTH_REQUIRED,
                        format!(
                            "proxy authentication required for the CONNECT to {authority} \
                             (the proxy offers {offer}): give -U USER"
                        ),
                    ))
                } else if schemes.iter().any(|s| s.eq_ignore_ascii_case("basic")) {
                    Err(fail(
                        exit::AUTH_REQUIRED,
                        format!(
                            "authentication failed (Basic, CONNECT to {authority}): the proxy refused the user name or password"
                        ),
                    ))
                } else {
                    Err(fail(
                        exit::NO_USABLE_CHALLENGE,
                        format!(
                            "the proxy offers {offer} for the CONNECT to {authority}; this client \
                             sends Basic proxy credentials on a CONNECT only"
                        ),
                    ))
                }
            }
            s => Err(fail(
                exit::NETWORK,
                format!("proxy: CONNECT to {authority} answered {s}"),
            )),
        }
    }

    async fn connection(&mut self, t: &Target) -> Result<&mut Connection, Failure> {
        let proxy = self.proxy.clone();
        let key = match (&proxy, t.https) {
            (_, true) => ConnKey::Https(t.host.clone(), t.port),
            (Some(_), false) => ConnKey::Proxy,
            (None, false) => ConnKey::Http(t.host.clone(), t.port),
        };
        let alive = match self.conns.get_mut(&key) {
            Some(c) => c.sender.ready().await.is_ok(),
            None => false,
        };
        if !alive {
            self.conns.remove(&key);
            let mut tcp = match &proxy {
                Some(p) => self.tcp(p.bare_host(), p.port).await?,
                None => self.tcp(t.bare_host(), t.port).await?,
            };
            let (io, end_point): (Box<dyn Io>, _) = if t.https {
                if proxy.is_some() {
                    self.tunnel(&mut tcp, t).await?;
                }
                let cfg = self.tls.clone().ok_or_else(|| {
                    fail(
                        exit::USAGE,
                        "https needs --cacert FILE (or -k to accept any server certificate)",
                    )
                })?;
                let host = t.bare_host().to_owned();
                let name = rustls_pki_types::ServerName::try_from(host.clone())
                    .map_err(|e| fail(exit::USAGE, format!("{host}: {e}")))?;
                let s = tokio_rustls::TlsConnector::from(cfg)
                    .connect(name, tcp)
                    .await
                    .map_err(|e| fail(exit::NETWORK, format!("tls: {e}")))?;
                let ep = s
                    .get_ref()
                    .1
                    .peer_certificates()
                    .and_then(|c| c.first())
                    .and_then(|leaf| mutual_core::scope::tls_server_end_point(leaf).ok());
                self.v(format!("* tls: {:?}", s.get_ref().1.protocol_version()));
                (Box::new(s), ep)
            } else {
                (Box::new(tcp), None)
            };
            let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(io))
                .await
                .map_err(|e| fail(exit::NETWORK, format!("http: {e}")))?;
            tokio::spawn(async move {
                let _ = conn.await;
            });
            self.conns
                .insert(key.clone(), Connection { sender, end_point });
        }
        self.conns
            .get_mut(&key)
            .ok_or_else(|| fail(exit::NETWORK, "connection lost"))
    }

    /// Sends one request and reads the whole response (1xx responses included).
    async fn send_once(
        &mut self,
        t: &Target,
        method: &str,
        body: Option<&Bytes>,
        authorization: Option<&str>,
        proxy_authorization: Option<&str>,
        own_origin: bool,
    ) -> Result<Raw, Failure> {
        // Through the proxy, a plain-http target goes in absolute form (RFC 9112
        // section 3.2.2); https goes through the tunnel in origin form.
        let target_form = if self.proxy.is_some() && !t.https {
            t.absolute.clone()
        } else {
            t.path.clone()
        };
        let mut b = hyper::Request::builder()
            .method(method)
            .uri(target_form.as_str());
        let user_host = self
            .opts
            .headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case("host"));
        if !user_host {
            b = b.header(hyper::header::HOST, t.authority());
        }
        b = b.header(hyper::header::USER_AGENT, "httpauth-client/0.1");
        for (n, v) in &self.opts.headers {
            // Credentials and cookies of the caller's own never go to another origin.
            if !own_origin
                && (n.eq_ignore_ascii_case("authorization") || n.eq_ignore_ascii_case("cookie"))
            {
                continue;
            }
            if authorization.is_some() && n.eq_ignore_ascii_case("authorization") {
                continue;
            }
            b = b.header(n.as_str(), v.as_str());
        }
        // Connected first, so that `-v` shows `* connected` before the request.
        self.connection(t).await?;
        self.v(format!("> {method} {target_form}"));
        for (label, name, value) in [
            ("Authorization", hyper::header::AUTHORIZATION, authorization),
            (
                "Proxy-Authorization",
                hyper::header::PROXY_AUTHORIZATION,
                proxy_authorization,
            ),
        ] {
            if let Some(v) = value {
                if v.get(..6).is_some_and(|s| s.eq_ignore_ascii_case("basic ")) {
                    self.v(format!("> {label}: Basic <redacted>"));
                } else {
                    self.v(format!("> {label}: {v}"));
                }
                b = b.header(name, v);
            }
        }
        let mut req = b
            .body(Full::new(body.cloned().unwrap_or_default()))
            .map_err(|e| fail(exit::USAGE, format!("request: {e}")))?;
        // RFC 8120 section 4.5: the Authentication-Info of a 200-VFY-S SHOULD come in a
        // `100 Continue` when the server sends one. hyper (HTTP/1 only) reads 1xx
        // responses itself and hands them to this callback only: the reason this client
        // has a transport of its own (reqwest never shows a 1xx).
        type Informational = Vec<(u16, Vec<Vec<u8>>)>;
        let informational: Arc<std::sync::Mutex<Informational>> = Arc::default();
        let sink = Arc::clone(&informational);
        hyper::ext::on_informational(&mut req, move |res| {
            let infos = res
                .headers()
                .get_all("authentication-info")
                .iter()
                .map(|v| v.as_bytes().to_vec())
                .collect();
            sink.lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .push((res.status().as_u16(), infos));
        });
        let conn = self.connection(t).await?;
        let end_point = conn.end_point.clone();
        let resp = conn
            .sender
            .send_request(req)
            .await
            .map_err(|e| fail(exit::NETWORK, format!("http: {e}")))?;
        let (parts, rbody) = resp.into_parts();
        let body = Limited::new(rbody, MAX_RESPONSE_BYTES)
            .collect()
            .await
            .map_err(|e| fail(exit::NETWORK, format!("body: {e}")))?
            .to_bytes();
        let informational = std::mem::take(
            &mut *informational
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        );
        Ok(Raw {
            version: parts.version,
            status: parts.status,
            headers: parts.headers,
            informational,
            body,
            end_point,
        })
    }

    /// One request until a final response: the engine answers 401 and 407 and verifies
    /// the server; `own_origin` picks the engine with `-u` or the one without.
    async fn exchange(
        &mut self,
        t: &Target,
        method: &str,
        body: Option<&Bytes>,
        own_origin: bool,
    ) -> Result<Raw, Failure> {
        let engine = if own_origin {
            self.auth.clone()
        } else {
            self.anon.clone()
        };
        // QopMode::Auto: auth-int only for a request with a body; --qop auth-int covers
        // the empty body too.
        let covered: Option<&[u8]> = match (body, self.opts.qop) {
            (Some(b), _) => Some(b),
            (None, QopMode::AuthInt) => Some(&[]),
            (None, _) => None,
        };
        let mut ex = engine
            .begin(RequestInfo {
                method,
                url: &t.absolute,
                body: covered,
            })
            .map_err(|e| self.failure(e, t, own_origin, None))?;
        let mut sent: Option<String> = None;
        let mut sent_proxy: Option<String> = None;
        for round in 0..=httpauth::client::MAX_ROUNDS {
            let authorization = ex.authorization().map(str::to_owned);
            let proxy_authorization = ex.proxy_authorization().map(str::to_owned);
            if authorization != sent
                && let Some(a) = &authorization
            {
                self.narrate_sent(a, round == 0);
            }
            if proxy_authorization != sent_proxy
                && let Some(a) = &proxy_authorization
            {
                let scheme = a.split(' ').next().unwrap_or("");
                self.v(format!("* proxy: answering with {scheme}"));
            }
            sent = authorization;
            sent_proxy = proxy_authorization;
            let raw = self
                .send_once(
                    t,
                    method,
                    body,
                    sent.as_deref(),
                    sent_proxy.as_deref(),
                    own_origin,
                )
                .await?;
            let mut skipped = Vec::new();
            let mut info_lines: Vec<Vec<String>> = Vec::new();
            for (code, values) in &raw.informational {
                self.v(format!("< {code} (informational)"));
                let mut ls = Vec::new();
                for v in values {
                    match std::str::from_utf8(v) {
                        Ok(l) => {
                            self.v(format!("< Authentication-Info: {l} (in the {code})"));
                            ls.push(l.to_owned());
                        }
                        Err(_) => skipped.push(format!(
                            "ignoring an Authentication-Info line of the {code} that is not UTF-8: {}",
                            String::from_utf8_lossy(v)
                        )),
                    }
                }
                if !ls.is_empty() {
                    info_lines.push(ls);
                }
            }
            let h = &raw.headers;
            let www = header_lines(h, "www-authenticate", &mut skipped);
            let proxy_www = header_lines(h, "proxy-authenticate", &mut skipped);
            let info = header_lines(h, "authentication-info", &mut skipped);
            let proxy_info = header_lines(h, "proxy-authentication-info", &mut skipped);
            let optional = header_lines(h, "optional-www-authenticate", &mut skipped);
            let mut log = vec![format!("< {}", raw.status.as_u16())];
            for (name, ls) in [
                ("WWW-Authenticate", &www),
                ("Proxy-Authenticate", &proxy_www),
                ("Optional-WWW-Authenticate", &optional),
                ("Authentication-Info", &info),
                ("Proxy-Authentication-Info", &proxy_info),
            ] {
                log.extend(ls.iter().map(|l| format!("< {name}: {l}")));
            }
            log.extend(skipped.iter().map(|l| format!("* {l}")));
            for l in log {
                self.v(l);
            }
            if self.opts.verbose {
                self.narrate_unusable(t, &www, &optional, raw.end_point.as_ref());
            }
            let status = raw.status.as_u16();
            let r = ResponseInfo {
                status,
                www_authenticate: www.clone(),
                proxy_authenticate: proxy_www.clone(),
                authentication_info: info.clone(),
                proxy_authentication_info: proxy_info,
                optional_www_authenticate: optional,
                informational_info: info_lines
                    .iter()
                    .map(|ls| ls.iter().map(String::as_str).collect())
                    .collect(),
                tls_server_end_point: raw.end_point.clone(),
                body: Some(&raw.body),
            };
            match ex.on_response(&r) {
                Ok(Step::Send) => continue,
                Ok(Step::Done) => {
                    self.narrate_done(sent.as_deref(), &info, !info_lines.is_empty());
                    return Ok(raw);
                }
                Err(e) => {
                    let challenge_lines = match status {
                        401 => Some((www.len(), "WWW-Authenticate", "server")),
                        407 => Some((proxy_www.len(), "Proxy-Authenticate", "proxy")),
                        _ => None,
                    };
                    let none_offered = challenge_lines
                        .filter(|(n, ..)| *n == 0)
                        .map(|(_, field, who)| (field, who, skipped.clone()));
                    return Err(self.failure(e, t, own_origin, none_offered));
                }
            }
        }
        Err(fail(exit::PROTOCOL, "authentication did not finish"))
    }

    /// `-v`: what the `Authorization` about to be sent is.
    fn narrate_sent(&mut self, value: &str, first: bool) {
        let Ok(c) = httpauth_headers::parse_credentials(value) else {
            return;
        };
        let line = if c.is_scheme("Mutual") {
            let kex = c.value("kc1").is_some();
            match (first, kex) {
                (true, true) => {
                    "* mutual: known realm, no reusable session: sending req-KEX-C1".to_owned()
                }
                (true, false) => "* mutual: reusing the session (req-VFY-C)".to_owned(),
                (false, true) => "* mutual: sending req-KEX-C1".to_owned(),
                (false, false) => "* mutual: sending req-VFY-C".to_owned(),
            }
        } else if c.is_scheme("Digest") {
            let qop = match c.value("qop") {
                Some(q) => format!("qop={q}"),
                None => "no qop (RFC 2069)".to_owned(),
            };
            if first {
                format!("* digest: reusing the nonce (next nc), {qop}")
            } else {
                format!(
                    "* digest: answering {} challenge, {qop}",
                    c.value("algorithm").unwrap_or("MD5")
                )
            }
        } else if c.is_scheme("Basic") {
            if first {
                "* basic: sending credentials (preemptively: a known protection space)".to_owned()
            } else {
                "* basic: sending credentials".to_owned()
            }
        } else {
            return;
        };
        self.v(line);
    }

    /// `-v`: what the engine verified in the final response.
    fn narrate_done(&mut self, sent: Option<&str>, info: &[&str], in_1xx: bool) {
        let Some(c) = sent.and_then(|s| httpauth_headers::parse_credentials(s).ok()) else {
            return;
        };
        let has = |name: &str| {
            httpauth_headers::parse_authentication_info_lines(info.iter().copied())
                .is_ok_and(|i| i.get(name).is_some())
        };
        if c.is_scheme("Mutual") {
            if in_1xx {
                self.v("* mutual: server verified (vks) in a 1xx response");
            }
            if in_1xx || has("vks") {
                let user = self.opts.user.as_ref().map_or("", |l| l.user.as_str());
                let realm = c.value("realm").unwrap_or_default();
                self.v(format!(
                    "* mutual: server verified (vks), authenticated as {user} in realm {realm:?}"
                ));
            }
        } else if c.is_scheme("Digest") {
            if has("rspauth") {
                self.v("* digest: server verified (rspauth)");
            } else {
                self.v("* digest: no rspauth: the server is not verified");
            }
        }
    }

    /// `-v`: each Mutual challenge the engine cannot use, with the reason.
    fn narrate_unusable(
        &mut self,
        t: &Target,
        www: &[&str],
        optional: &[&str],
        end_point: Option<&Vec<u8>>,
    ) {
        use mutual_core::client::{MutualClient, RequestTarget};
        let Ok(origin) = mutual_core::scope::Origin::new(t.scheme(), t.bare_host(), t.port) else {
            return;
        };
        let mut target = RequestTarget::new(origin, t.path.clone());
        if let Some(ep) = end_point {
            target = target.with_tls_server_end_point(ep.clone());
        }
        for lines in [www, optional] {
            if lines.is_empty() {
                continue;
            }
            let Ok(cs) = httpauth_headers::parse_challenges_lines(lines.iter().copied()) else {
                continue;
            };
            for x in MutualClient::unusable_challenges(&target, &cs) {
                self.v(format!(
                    "* mutual: skipping a challenge: Mutual realm {} algorithm {}: {}",
                    x.realm
                        .as_deref()
                        .map_or("(none)".into(), |r| format!("{r:?}")),
                    x.algorithm.as_deref().unwrap_or("(none)"),
                    x.reason
                ));
            }
        }
    }

    /// The exit code and message for an engine error. `none_offered`: the 401 / 407 had no
    /// usable challenge line at all (field, who, lines the transport dropped).
    fn failure(
        &self,
        e: ClientError,
        t: &Target,
        own_origin: bool,
        none_offered: Option<(&str, &str, Vec<String>)>,
    ) -> Failure {
        let auth = self.opts.auth.name();
        match e {
            ClientError::CredentialsRefused { .. } => fail(exit::AUTH_REQUIRED, e.to_string()),
            ClientError::CredentialsRequired { who, .. } => {
                let hint = match who {
                    "proxy" => ": give -U USER".to_owned(),
                    _ if !own_origin => format!(
                        ": -u is sent to the URL's own origin only, not to {} after a redirect",
                        t.authority()
                    ),
                    _ => ": give -u USER".to_owned(),
                };
                fail(exit::AUTH_REQUIRED, format!("{e}{hint}"))
            }
            ClientError::ServerNotVerified { .. } => fail(
                exit::SERVER_NOT_VERIFIED,
                format!("{e}: response discarded"),
            ),
            ClientError::NothingUsable {
                offered,
                missing,
                who,
            } => {
                let missing = missing
                    .into_iter()
                    .map(|m| match m.strip_suffix(": not allowed") {
                        Some(s) => format!("{s}: not allowed by --auth {auth}"),
                        None => m.replace("(basic_over_http)", "(allow it with --basic-over-http)"),
                    })
                    .collect();
                let e = ClientError::NothingUsable {
                    offered,
                    missing,
                    who,
                };
                fail(exit::NO_USABLE_CHALLENGE, e.to_string())
            }
            ClientError::Protocol(_) if none_offered.is_some() => {
                let (field, who, skipped) = none_offered.unwrap_or_default();
                if skipped.is_empty() {
                    fail(
                        exit::NO_USABLE_CHALLENGE,
                        format!(
                            "authentication required: the {who} offers no challenge at all \
                             (no {field} field; RFC 7235 section 3.1 requires one)"
                        ),
                    )
                } else {
                    fail(
                        exit::NO_USABLE_CHALLENGE,
                        format!(
                            "the {who} offers no challenge this client can answer: {}",
                            skipped.join("; ")
                        ),
                    )
                }
            }
            ClientError::Protocol(_) => fail(exit::PROTOCOL, e.to_string()),
            ClientError::Local(m) => fail(exit::USAGE, format!("refused before sending: {m}")),
            ClientError::Network(_) => fail(exit::NETWORK, e.to_string()),
            _ => fail(exit::PROTOCOL, e.to_string()),
        }
    }

    /// Fetches one URL, authenticating as needed. Returns the final status and body.
    ///
    /// # Errors
    /// A [`Failure`] with its exit code.
    pub async fn fetch(&mut self, url: &str) -> Result<(u16, Bytes), Failure> {
        let f = self.fetch_response(url).await?;
        Ok((f.head.status, f.body))
    }

    /// Fetches one URL, following redirects with `-L`.
    ///
    /// # Errors
    /// A [`Failure`] with its exit code.
    pub async fn fetch_response(&mut self, url: &str) -> Result<Fetched, Failure> {
        let origin = parse_url(url)?;
        let mut t = origin.clone();
        let mut method = self.opts.method().to_owned();
        let mut body = self.opts.body.clone();
        let mut redirects = Vec::new();
        loop {
            let own_origin = same_origin(&origin.absolute, &t.absolute);
            let raw = self
                .exchange(&t, &method, body.as_ref(), own_origin)
                .await?;
            let status = raw.status.as_u16();
            let location = raw
                .headers
                .get(hyper::header::LOCATION)
                .and_then(|l| l.to_str().ok());
            let follow = self.opts.location
                && matches!(status, 301 | 302 | 303 | 307 | 308)
                && location.is_some();
            if !follow {
                return Ok(Fetched {
                    redirects,
                    head: raw.head(),
                    body: raw.body,
                });
            }
            if redirects.len() >= MAX_REDIRECTS {
                return Err(fail(
                    exit::HTTP_ERROR,
                    format!("more than {MAX_REDIRECTS} redirects (-L)"),
                ));
            }
            let next = resolve(&t, location.unwrap_or_default())?;
            self.v(format!("* following the {status} to {}", next.absolute));
            if !same_origin(&origin.absolute, &next.absolute) {
                self.v("* another origin: the credentials of -u (and -H Authorization, Cookie) stay behind");
            }
            // RFC 9110 sections 15.4.2 to 15.4.9, as browsers and curl do it.
            let to_get = match status {
                303 => method != "HEAD",
                301 | 302 => method == "POST",
                _ => false,
            };
            if to_get {
                method = "GET".to_owned();
                body = None;
            }
            redirects.push(raw.head());
            t = next;
        }
    }
}

/// Where the output goes: stdout or `-o FILE`.
enum Output {
    Stdout,
    File(std::fs::File),
}

impl Output {
    fn write(&mut self, bytes: &[u8]) -> Result<(), Failure> {
        use std::io::Write as _;
        let r = match self {
            Output::Stdout => std::io::stdout().write_all(bytes),
            Output::File(f) => f.write_all(bytes),
        };
        r.map_err(|e| fail(exit::NETWORK, format!("output: {e}")))
    }
}

/// Runs the client: fetches every URL (`--repeat` times per worker, `--concurrency`
/// workers), writes bodies to stdout or `-o FILE` (single run) and the verbose log /
/// rate to stderr. Returns the exit code.
pub async fn run(opts: ClientOptions) -> u8 {
    let tls = match tls_config(&opts) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("httpauth-client: {e}");
            return exit::USAGE;
        }
    };
    let opts = Arc::new(opts);
    if opts.repeat == 1 && opts.concurrency == 1 {
        let mut out = match &opts.output {
            Some(p) => match std::fs::File::create(p) {
                Ok(f) => Output::File(f),
                Err(e) => {
                    eprintln!("httpauth-client: {}: {e}", p.display());
                    return exit::USAGE;
                }
            },
            None => Output::Stdout,
        };
        let mut c = Client::new(Arc::clone(&opts), tls).echo_log(true);
        let mut code = exit::OK;
        for url in &opts.urls {
            let r = c.fetch_response(url).await;
            let r = r.and_then(|f| {
                if opts.include {
                    for h in &f.redirects {
                        out.write(h.text.as_bytes())?;
                    }
                    out.write(f.head.text.as_bytes())?;
                }
                out.write(&f.body)?;
                Ok(f.head.status)
            });
            match r {
                Ok(status) if status >= 400 => {
                    eprintln!("httpauth-client: {url}: HTTP {status}");
                    code = exit::HTTP_ERROR;
                }
                Ok(_) => {}
                Err(f) => {
                    eprintln!("httpauth-client: {url}: {}", f.message);
                    return f.code;
                }
            }
        }
        return code;
    }
    // Benchmark mode: each worker authenticates once, then repeats.
    let start = Instant::now();
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..opts.concurrency {
        let opts = Arc::clone(&opts);
        let tls = tls.clone();
        workers.spawn(async move {
            let mut c = Client::new(Arc::clone(&opts), tls);
            let mut done = 0usize;
            for _ in 0..opts.repeat {
                if opts.new_session {
                    c.reset_sessions();
                }
                for url in &opts.urls {
                    match c.fetch(url).await {
                        Ok((s, _)) if s < 400 => done += 1,
                        Ok((s, _)) => {
                            return Err(fail(exit::HTTP_ERROR, format!("{url}: HTTP {s}")));
                        }
                        Err(f) => return Err(f),
                    }
                }
                let _ = c.take_log();
            }
            Ok(done)
        });
    }
    let mut total = 0usize;
    while let Some(r) = workers.join_next().await {
        match r {
            Ok(Ok(n)) => total += n,
            Ok(Err(f)) => {
                eprintln!("httpauth-client: {}", f.message);
                return f.code;
            }
            Err(e) => {
                eprintln!("httpauth-client: worker failed: {e}");
                return exit::NETWORK;
            }
        }
    }
    let secs = start.elapsed().as_secs_f64();
    eprintln!(
        "{total} requests in {secs:.3} s with {} workers: {:.1} requests/s",
        opts.concurrency,
        total as f64 / secs.max(1e-9)
    );
    exit::OK
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn locations_resolve_against_the_request_url() {
        let base = parse_url("http://h:81/a/b?q").unwrap();
        let r = |l: &str| resolve(&base, l).unwrap().absolute;
        assert_eq!(r("/x"), "http://h:81/x");
        assert_eq!(r("c"), "http://h:81/a/c");
        assert_eq!(r("?z"), "http://h:81/a/b?z");
        assert_eq!(r("//o:82/p"), "http://o:82/p");
        assert_eq!(r("https://o/p#f"), "https://o/p");
        assert!(resolve(&base, "ftp://o/").is_err());
    }

    #[test]
    fn urls_parse_with_ipv6_and_default_ports() {
        let t = parse_url("https://[::1]/x").unwrap();
        assert_eq!(
            (t.bare_host(), t.port, t.authority()),
            ("::1", 443, "[::1]".into())
        );
        let t = parse_url("http://127.0.0.1:8080?q").unwrap();
        assert_eq!(
            (t.path.as_str(), t.absolute.as_str()),
            ("/?q", "http://127.0.0.1:8080/?q")
        );
        assert!(parse_url("http://u:p@h/").is_err());
        assert!(parse_url("http://h:99999/").is_err());
    }
}
