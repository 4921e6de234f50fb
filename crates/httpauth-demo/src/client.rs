//! The curl-like client behind `httpauth-client`: Basic, Digest and Mutual, server
//! verification (`rspauth`, `vks`), session and nonce reuse across URLs, and a
//! repeat / concurrency mode for measuring throughput.
//!
//! Exit codes: see [`exit`].

use crate::Error;
use bytes::Bytes;
use digest_auth::DigestClient;
use http_body_util::{BodyExt as _, Full, Limited};
use httpauth_core::{AuthParams, Challenge, Credentials, Password};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use mutual_core::client::{MutualClient, Next, RequestTarget, Response as MResponse, Status};
use mutual_core::scope::Origin;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Exit codes of `httpauth-client` (listed in `--help`, [`CLIENT_USAGE`]).
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
    /// AUTH-REQUIRED: the server refused the credentials sent, or wants credentials and
    /// none were given (`-u`).
    pub const AUTH_REQUIRED: u8 = 4;
    /// The server failed verification (Digest `rspauth`, Mutual `vks`, in the final or a
    /// `100 Continue` response): do not trust the response.
    pub const SERVER_NOT_VERIFIED: u8 = 5;
    /// Another HTTP error status (4xx other than 401, 5xx).
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
/// Most requests one URL may take (Mutual: INIT, KEX, VFY; a stale retry).
pub const MAX_ROUNDS: usize = 6;

/// Which schemes the client may answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

/// `--qop`: the Digest quality of protection (RFC 7616 section 3.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
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

/// Client options (`httpauth-client --help`).
#[derive(Debug)]
#[non_exhaustive]
pub struct ClientOptions {
    /// URLs, fetched in order with one shared state.
    pub urls: Vec<String>,
    /// `-u user`.
    pub user: Option<String>,
    /// The password (from `-u user:password` or the prompt).
    pub password: Option<Password>,
    /// `--auth`.
    pub auth: AuthMode,
    /// `--cacert`.
    pub cacert: Option<std::path::PathBuf>,
    /// `--cert`.
    pub cert: Option<std::path::PathBuf>,
    /// `--key`.
    pub key: Option<std::path::PathBuf>,
    /// `-X`.
    pub method: String,
    /// `-d`.
    pub data: Option<String>,
    /// `-H`.
    pub headers: Vec<(String, String)>,
    /// `--qop`.
    pub qop: QopMode,
    /// `-v`.
    pub verbose: bool,
    /// `--repeat N`: fetch the URLs N times per worker and report the rate.
    pub repeat: usize,
    /// `--concurrency C`: workers, each with its own connection and sessions.
    pub concurrency: usize,
    /// `--new-session`: forget Mutual sessions and Digest nonces before every repetition
    /// (measures full authentications).
    pub new_session: bool,
}

impl Default for ClientOptions {
    fn default() -> Self {
        Self {
            urls: Vec::new(),
            user: None,
            password: None,
            auth: AuthMode::Any,
            cacert: None,
            cert: None,
            key: None,
            method: "GET".into(),
            data: None,
            headers: Vec::new(),
            qop: QopMode::Auto,
            verbose: false,
            repeat: 1,
            concurrency: 1,
            new_session: false,
        }
    }
}

/// `httpauth-client --help`.
pub const CLIENT_USAGE: &str = "\
usage: httpauth-client [options] URL...
  -u USER[:PASSWORD]   credentials (prompts for the password when omitted)
  --auth basic|digest|mutual|any   schemes to answer (default any: strongest offered)
  --cacert FILE        CA bundle (PEM) that verifies https servers
  --cert FILE --key FILE   client certificate and key (PEM)
  -X METHOD  -d DATA  -H 'Name: value'
  --qop auto|auth|auth-int   Digest protection (default auto: auth-int when offered
                       and -d gives a body, which the response then covers too)
  -v                   show each step of the exchange on stderr
  --repeat N  --concurrency C  [--new-session]   benchmark: N rounds per worker
exit codes:
  0  ok: final status 2xx/3xx, every server verification passed
  2  usage: bad arguments, or credentials refused before sending (an empty
     password or a user name RFC 8265 preparation refuses, RFC 8120 section 9)
  3  network: connection, TLS or I/O failure
  4  authentication required: the server refused the credentials, or wants some
     and no -u was given
  5  server verification failed (Digest rspauth, Mutual vks, also in a
     100 Continue): the response is discarded
  6  other HTTP error status (4xx other than 401, 5xx)
  7  no usable challenge: the server offers nothing this client may answer
     (the message lists what was offered and what is missing)
  8  protocol error: a malformed authentication header, or a response the
     protocol does not allow at that point (RFC 8120 section 10.1)
";

/// Parses arguments (after the program name).
///
/// # Errors
/// [`Error::Usage`].
pub fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Option<ClientOptions>, Error> {
    let mut o = ClientOptions::default();
    let mut it = args.into_iter();
    let usage = |m: String| Error::Usage(m);
    while let Some(a) = it.next() {
        let mut val = |n: &str| it.next().ok_or_else(|| usage(format!("{n} needs a value")));
        match a.as_str() {
            "-u" | "--user" => {
                let v = val("-u")?;
                match v.split_once(':') {
                    Some((u, p)) => {
                        o.user = Some(u.to_owned());
                        o.password = Some(Password::from(p));
                    }
                    None => o.user = Some(v),
                }
            }
            "--auth" => {
                o.auth = match val("--auth")?.to_ascii_lowercase().as_str() {
                    "basic" => AuthMode::Basic,
                    "digest" => AuthMode::Digest,
                    "mutual" => AuthMode::Mutual,
                    "any" => AuthMode::Any,
                    other => {
                        return Err(usage(format!(
                            "--auth {other:?}: basic, digest, mutual or any"
                        )));
                    }
                }
            }
            "--qop" => {
                o.qop = match val("--qop")?.to_ascii_lowercase().as_str() {
                    "auto" => QopMode::Auto,
                    "auth" => QopMode::Auth,
                    "auth-int" => QopMode::AuthInt,
                    other => {
                        return Err(usage(format!("--qop {other:?}: auto, auth or auth-int")));
                    }
                }
            }
            "--cacert" => o.cacert = Some(val("--cacert")?.into()),
            "--cert" | "-E" => o.cert = Some(val("--cert")?.into()),
            "--key" => o.key = Some(val("--key")?.into()),
            "-X" | "--request" => o.method = val("-X")?,
            "-d" | "--data" => {
                o.data = Some(val("-d")?);
                if o.method == "GET" {
                    o.method = "POST".into();
                }
            }
            "-H" | "--header" => {
                let h = val("-H")?;
                let (n, v) = h
                    .split_once(':')
                    .ok_or_else(|| usage(format!("-H {h:?}: expected 'Name: value'")))?;
                o.headers.push((n.trim().to_owned(), v.trim().to_owned()));
            }
            "-v" | "--verbose" => o.verbose = true,
            "--repeat" => {
                o.repeat = val("--repeat")?
                    .parse()
                    .map_err(|_| usage("--repeat N".into()))?
            }
            "--concurrency" => {
                o.concurrency = val("--concurrency")?
                    .parse()
                    .map_err(|_| usage("--concurrency N".into()))?
            }
            "--new-session" => o.new_session = true,
            "-h" | "--help" => {
                print!("{CLIENT_USAGE}");
                return Ok(None);
            }
            s if s.starts_with('-') => {
                return Err(usage(format!("unknown option {s:?}; see --help")));
            }
            _ => o.urls.push(a),
        }
    }
    if o.urls.is_empty() {
        return Err(usage("no URL; see --help".into()));
    }
    if o.repeat == 0 || o.concurrency == 0 || o.concurrency > 1024 {
        return Err(usage(
            "--repeat must be positive, --concurrency 1-1024".into(),
        ));
    }
    if o.cert.is_some() != o.key.is_some() {
        return Err(usage("--cert and --key go together".into()));
    }
    Ok(Some(o))
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

struct Url {
    https: bool,
    host: String,
    port: u16,
    path: String,
}

fn parse_url(u: &str) -> Result<Url, Failure> {
    let (https, rest) = if let Some(r) = u.strip_prefix("https://") {
        (true, r)
    } else if let Some(r) = u.strip_prefix("http://") {
        (false, r)
    } else {
        return Err(fail(
            exit::USAGE,
            format!("{u}: only http:// and https:// URLs"),
        ));
    };
    let (auth, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let (host, port) = match auth.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(']') || h.starts_with('[') => (
            h.to_owned(),
            p.parse()
                .map_err(|_| fail(exit::USAGE, format!("{u}: bad port")))?,
        ),
        _ => (auth.to_owned(), if https { 443 } else { 80 }),
    };
    if host.is_empty() {
        return Err(fail(exit::USAGE, format!("{u}: no host")));
    }
    Ok(Url {
        https,
        host,
        port,
        path: path.to_owned(),
    })
}

trait Io: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send {}
impl<T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send> Io for T {}

struct Connection {
    sender: SendRequest<Full<Bytes>>,
    end_point: Option<Vec<u8>>,
}

/// Client state shared by the URLs of one run (one worker).
pub struct Client {
    opts: Arc<ClientOptions>,
    tls: Option<Arc<rustls::ClientConfig>>,
    conns: HashMap<(bool, String, u16), Connection>,
    digest: HashMap<(String, u16), DigestClient>,
    mutual: MutualClient,
    /// Realms the `-u` login was given to (like curl's `-u`, it goes to any realm asking).
    realms: Vec<String>,
    /// Digests of the request body offered to Digest (`--qop`): `Some` makes it choose
    /// `auth-int` when offered.
    body_digests: Option<digest_auth::BodyDigests>,
    log: String,
}

struct Reply {
    status: u16,
    challenges: Vec<Challenge>,
    optional: Vec<Challenge>,
    info: Option<AuthParams>,
    /// The `Authentication-Info` of each 1xx response before the final one, in order
    /// (RFC 8120 section 4.5: a Mutual server SHOULD put its vks in a `100 Continue`).
    informational_info: Vec<AuthParams>,
    /// Challenge lines dropped because they are not UTF-8, each with the reason.
    skipped: Vec<String>,
    body: Bytes,
}

/// The values of header `name` as strings. Header values are octets; RFC 8120 section
/// 3.2.2 makes every string UTF-8, so a value that is UTF-8 (a non-ASCII realm in a
/// quoted-string included) is kept, and one that is not is dropped with the reason in the
/// verbose log (`skipped`), never silently.
fn header_lines(headers: &hyper::HeaderMap, name: &str, skipped: &mut Vec<String>) -> Vec<String> {
    headers
        .get_all(name)
        .iter()
        .filter_map(|v| match std::str::from_utf8(v.as_bytes()) {
            Ok(s) => Some(s.to_owned()),
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

/// Builds the rustls client configuration from `--cacert`, `--cert`, `--key`.
///
/// # Errors
/// Unreadable files.
pub fn tls_config(o: &ClientOptions) -> Result<Option<Arc<rustls::ClientConfig>>, Error> {
    let Some(ca) = &o.cacert else { return Ok(None) };
    let mut roots = rustls::RootCertStore::empty();
    for der in crate::pki::read_certs(ca)? {
        roots
            .add(der.into())
            .map_err(|e| Error::Tls(e.to_string()))?;
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let b = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Tls(e.to_string()))?
        .with_root_certificates(roots);
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

impl Client {
    /// A client for `opts` with a prepared TLS configuration.
    pub fn new(opts: Arc<ClientOptions>, tls: Option<Arc<rustls::ClientConfig>>) -> Self {
        let mutual = MutualClient::new();
        let body = opts.data.as_deref().unwrap_or("").as_bytes();
        let body_digests = match (opts.qop, &opts.data) {
            (QopMode::AuthInt, _) | (QopMode::Auto, Some(_)) => {
                let mut h = digest_auth::BodyHasher::for_digest();
                h.update(body);
                Some(h.finish())
            }
            _ => None,
        };
        Self {
            opts,
            tls,
            conns: HashMap::new(),
            digest: HashMap::new(),
            mutual,
            realms: Vec::new(),
            body_digests,
            log: String::new(),
        }
    }

    /// Forgets sessions, nonces and connections (the next request authenticates anew).
    pub fn reset_sessions(&mut self) {
        let opts = Arc::clone(&self.opts);
        let tls = self.tls.clone();
        *self = Client::new(opts, tls);
    }

    /// Takes the verbose log written so far.
    pub fn take_log(&mut self) -> String {
        std::mem::take(&mut self.log)
    }

    fn v(&mut self, line: impl AsRef<str>) {
        if self.opts.verbose {
            let _ = writeln!(self.log, "{}", line.as_ref());
        }
    }

    async fn connection(&mut self, u: &Url) -> Result<&mut Connection, Failure> {
        let key = (u.https, u.host.clone(), u.port);
        let alive = match self.conns.get_mut(&key) {
            Some(c) => c.sender.ready().await.is_ok(),
            None => false,
        };
        if !alive {
            self.conns.remove(&key);
            let host = u
                .host
                .trim_start_matches('[')
                .trim_end_matches(']')
                .to_owned();
            let tcp = tokio::time::timeout(
                Duration::from_secs(10),
                tokio::net::TcpStream::connect((host.as_str(), u.port)),
            )
            .await
            .map_err(|_| {
                fail(
                    exit::NETWORK,
                    format!("{}:{}: connect timed out", u.host, u.port),
                )
            })?
            .map_err(|e| fail(exit::NETWORK, format!("{}:{}: {e}", u.host, u.port)))?;
            let _ = tcp.set_nodelay(true);
            self.v(format!("* connected to {}:{}", u.host, u.port));
            let (io, end_point): (Box<dyn Io>, _) = if u.https {
                let cfg = self
                    .tls
                    .clone()
                    .ok_or_else(|| fail(exit::USAGE, "https needs --cacert FILE"))?;
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

    async fn send(
        &mut self,
        u: &Url,
        authorization: Option<&Credentials>,
    ) -> Result<Reply, Failure> {
        let authority = if (u.https && u.port == 443) || (!u.https && u.port == 80) {
            u.host.clone()
        } else {
            format!("{}:{}", u.host, u.port)
        };
        let mut b = hyper::Request::builder()
            .method(self.opts.method.as_str())
            .uri(u.path.as_str());
        b = b.header(hyper::header::HOST, authority);
        b = b.header(hyper::header::USER_AGENT, "httpauth-client/0.1");
        for (n, v) in &self.opts.headers {
            b = b.header(n.as_str(), v.as_str());
        }
        self.v(format!("> {} {}", self.opts.method, u.path));
        if let Some(c) = authorization {
            let value = httpauth_headers::format_credentials(c);
            if c.is_scheme("basic") {
                self.v("> Authorization: Basic <redacted>");
            } else {
                self.v(format!("> Authorization: {value}"));
            }
            b = b.header(hyper::header::AUTHORIZATION, value);
        }
        let body = Full::new(Bytes::from(self.opts.data.clone().unwrap_or_default()));
        let mut req = b
            .body(body)
            .map_err(|e| fail(exit::USAGE, format!("request: {e}")))?;
        // RFC 8120 section 4.5: the Authentication-Info of a 200-VFY-S SHOULD come in a
        // `100 Continue` when the server sends one. hyper (1.12, as locked; HTTP/1 only) reads
        // 1xx responses itself and hands them to this callback only.
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
            if let Ok(mut g) = sink.lock() {
                g.push((res.status().as_u16(), infos));
            }
        });
        let conn = self.connection(u).await?;
        let resp = conn
            .sender
            .send_request(req)
            .await
            .map_err(|e| fail(exit::NETWORK, format!("http: {e}")))?;
        let (parts, body) = resp.into_parts();
        let body = Limited::new(body, MAX_RESPONSE_BYTES)
            .collect()
            .await
            .map_err(|e| fail(exit::NETWORK, format!("body: {e}")))?
            .to_bytes();
        let status = parts.status.as_u16();
        let bad = |w: &str, e: httpauth_headers::ParseError| {
            fail(exit::PROTOCOL, format!("malformed {w}: {e}"))
        };
        let mut skipped = Vec::new();
        let mut informational_info = Vec::new();
        let early = std::mem::take(
            &mut *informational
                .lock()
                .map_err(|_| fail(exit::NETWORK, "http: informational response handler failed"))?,
        );
        for (code, raw) in early {
            self.v(format!("< {code} (informational)"));
            let mut ls = Vec::new();
            for v in raw {
                match String::from_utf8(v) {
                    Ok(l) => ls.push(l),
                    Err(e) => skipped.push(format!(
                        "ignoring an Authentication-Info line of the {code} that is not UTF-8: {}",
                        String::from_utf8_lossy(e.as_bytes())
                    )),
                }
            }
            for l in &ls {
                self.v(format!("< Authentication-Info: {l} (in the {code})"));
            }
            if !ls.is_empty() {
                informational_info.push(
                    httpauth_headers::parse_authentication_info_lines(
                        ls.iter().map(String::as_str),
                    )
                    .map_err(|e| bad("Authentication-Info", e))?,
                );
            }
        }
        self.v(format!("< {status}"));
        let www = header_lines(&parts.headers, "www-authenticate", &mut skipped);
        let opt = header_lines(&parts.headers, "optional-www-authenticate", &mut skipped);
        let info = header_lines(&parts.headers, "authentication-info", &mut skipped);
        for l in &skipped {
            self.v(format!("* {l}"));
        }
        for l in &www {
            self.v(format!("< WWW-Authenticate: {l}"));
        }
        for l in &opt {
            self.v(format!("< Optional-WWW-Authenticate: {l}"));
        }
        for l in &info {
            self.v(format!("< Authentication-Info: {l}"));
        }
        let parse = |ls: &[String], w: &str| -> Result<Vec<Challenge>, Failure> {
            if ls.is_empty() {
                return Ok(Vec::new());
            }
            httpauth_headers::parse_challenges_lines(ls.iter().map(String::as_str))
                .map_err(|e| bad(w, e))
        };
        let challenges = parse(&www, "WWW-Authenticate")?;
        let optional = parse(&opt, "Optional-WWW-Authenticate")?;
        let info = if info.is_empty() {
            None
        } else {
            Some(
                httpauth_headers::parse_authentication_info_lines(info.iter().map(String::as_str))
                    .map_err(|e| bad("Authentication-Info", e))?,
            )
        };
        Ok(Reply {
            status,
            challenges,
            optional,
            info,
            informational_info,
            skipped,
            body,
        })
    }

    fn offers(cs: &[Challenge], scheme: &str) -> bool {
        cs.iter().any(|c| c.is_scheme(scheme))
    }

    fn allowed(&self, m: AuthMode) -> bool {
        self.opts.auth == AuthMode::Any || self.opts.auth == m
    }

    /// Fetches one URL, authenticating as needed. Returns the final status and body.
    ///
    /// # Errors
    /// A [`Failure`] with its exit code.
    pub async fn fetch(&mut self, url: &str) -> Result<(u16, Bytes), Failure> {
        let u = parse_url(url)?;
        let mut target = RequestTarget::new(
            Origin::new(if u.https { "https" } else { "http" }, &u.host, u.port)
                .map_err(|e| fail(exit::USAGE, format!("{url}: {e}")))?,
            u.path.clone(),
        );
        if u.https {
            // The channel binding is known once connected.
            let ep = self.connection(&u).await?.end_point.clone();
            if let Some(ep) = ep {
                target = target.with_tls_server_end_point(ep);
            }
        }
        let dkey = (u.host.clone(), u.port);
        // Mutual first: an established session is used right away (req-VFY-C).
        let mut mutual_seq = None;
        let mut creds = None;
        if self.allowed(AuthMode::Mutual) {
            let (seq, c) = self.mutual.start(target.clone()).map_err(mutual_failure)?;
            match &c {
                Some(c) if c.get("kc1").is_some() => {
                    self.v("* mutual: known realm, no reusable session: sending req-KEX-C1");
                }
                Some(_) => self.v("* mutual: reusing the session (req-VFY-C)"),
                None => {}
            }
            mutual_seq = Some(seq);
            creds = c;
        }
        let mut digest_auth = None;
        if creds.is_none()
            && self.allowed(AuthMode::Digest)
            && let Some(d) = self.digest.get_mut(&dkey)
        {
            {
                let body = self
                    .body_digests
                    .as_ref()
                    .map(|b| b as &dyn httpauth_core::BodyDigest);
                let a = d
                    .authorize(&self.opts.method, &u.path, body)
                    .map_err(|e| fail(exit::NETWORK, format!("digest: {e}")))?;
                if let Some(a) = a {
                    self.v(format!(
                        "* digest: reusing the nonce (next nc), {}",
                        qop_label(&a)
                    ));
                    creds = Some(a.credentials().clone());
                    digest_auth = Some(a);
                }
            }
        }
        let mut basic_tried = false;
        for _round in 0..MAX_ROUNDS {
            let reply = self.send(&u, creds.as_ref()).await?;
            let sent_mutual = creds.as_ref().is_some_and(|c| c.is_scheme("mutual"));
            let mutual_offered = Self::offers(&reply.challenges, "Mutual")
                || Self::offers(&reply.optional, "Mutual");
            // What each offered scheme lacks, for the verbose log and for exit 7.
            let mut unusable: Vec<String> = reply.skipped.clone();
            if mutual_offered {
                let skipped = MutualClient::unusable_challenges(&target, &reply.challenges)
                    .into_iter()
                    .chain(MutualClient::unusable_challenges(&target, &reply.optional));
                for x in skipped {
                    let why = format!(
                        "Mutual realm {} algorithm {}: {}",
                        x.realm
                            .as_deref()
                            .map_or("(none)".into(), |r| format!("{r:?}")),
                        x.algorithm.as_deref().unwrap_or("(none)"),
                        x.reason
                    );
                    self.v(format!("* mutual: skipping a challenge: {why}"));
                    unusable.push(why);
                }
            }
            // Mutual's decision procedure sees every response of a sequence it started.
            let mut mutual_gave_up = false;
            if let Some(seq) = mutual_seq.as_mut()
                && (sent_mutual
                    || (mutual_offered
                        && self.allowed(AuthMode::Mutual)
                        && (reply.status == 401 || self.opts.user.is_some())))
            {
                if let (Some(u), Some(p)) = (&self.opts.user, &self.opts.password) {
                    for c in reply
                        .challenges
                        .iter()
                        .chain(&reply.optional)
                        .filter(|c| c.is_scheme("Mutual"))
                    {
                        if let Some(realm) = c.value("realm")
                            && !self.realms.iter().any(|r| r == realm)
                        {
                            self.mutual.add_login(realm, None, u.clone(), p.duplicate());
                            self.realms.push(realm.to_owned());
                        }
                    }
                }
                // RFC 8120 section 4.5: the vks may come in a 100 Continue; a wrong one
                // there fails the server as in the final response.
                if sent_mutual {
                    for info in &reply.informational_info {
                        self.mutual
                            .on_informational(seq, Some(info))
                            .map_err(mutual_failure)?;
                        self.v("* mutual: server verified (vks) in a 1xx response");
                    }
                }
                let r = MResponse {
                    status: reply.status,
                    challenges: &reply.challenges,
                    optional_challenges: &reply.optional,
                    authentication_info: reply.info.as_ref(),
                };
                match self.mutual.on_response(seq, &r) {
                    Ok(Next::Send(c)) => {
                        let step = if c.get("kc1").is_some() {
                            "req-KEX-C1"
                        } else {
                            "req-VFY-C"
                        };
                        self.v(format!("* mutual: sending {step}"));
                        creds = Some(c);
                        continue;
                    }
                    Ok(Next::Done(Status::AuthSucceeded { user, realm })) => {
                        self.v(format!("* mutual: server verified (vks), authenticated as {user} in realm {realm:?}"));
                        return Ok((reply.status, reply.body));
                    }
                    Ok(Next::Done(Status::AuthRequired { failed: true, .. })) => {
                        return Err(fail(
                            exit::AUTH_REQUIRED,
                            "authentication failed (Mutual): the server refused the user name or password",
                        ));
                    }
                    Ok(Next::Done(Status::AuthRequired {
                        space: Some(space), ..
                    })) => {
                        return Err(fail(
                            exit::AUTH_REQUIRED,
                            if self.opts.user.is_none() {
                                format!(
                                    "authentication required (Mutual, realm {:?}): give -u USER",
                                    space.realm
                                )
                            } else {
                                format!("authentication required (Mutual, realm {:?})", space.realm)
                            },
                        ));
                    }
                    Ok(Next::Done(Status::AuthRequired { space: None, .. })) => {
                        // No usable Mutual challenge: the reasons are in `unusable`; another
                        // scheme the server offers may still be answered below, and the
                        // Mutual engine is not consulted again for this URL.
                        mutual_gave_up = true;
                    }
                    Ok(_) => {}
                    Err(e) => return Err(mutual_failure(e)),
                }
            }
            if mutual_gave_up {
                mutual_seq = None;
            }
            if reply.status != 401 {
                if let (Some(a), Some(info)) = (&digest_auth, &reply.info)
                    && let Some(d) = self.digest.get_mut(&dkey)
                {
                    // RFC 7616 section 3.5: for auth-int, rspauth covers the response body.
                    let response_body = (a.qop() == Some(digest_auth::Qop::AuthInt)).then(|| {
                        digest_auth::BodyHasher::digest_all(&[a.algorithm().hash()], &reply.body)
                    });
                    let has_rspauth = info.get("rspauth").is_some();
                    match d.verify_authentication_info(
                        a,
                        info,
                        response_body
                            .as_ref()
                            .map(|b| b as &dyn httpauth_core::BodyDigest),
                    ) {
                        Ok(()) if has_rspauth => self.v("* digest: server verified (rspauth)"),
                        Ok(()) => self.v("* digest: no rspauth: the server is not verified"),
                        Err(e) => {
                            return Err(fail(
                                exit::SERVER_NOT_VERIFIED,
                                format!("the server failed Digest verification: {e}"),
                            ));
                        }
                    }
                } else if let (Some(_), Some(d)) = (&digest_auth, self.digest.get_mut(&dkey)) {
                    d.mark_success();
                }
                return Ok((reply.status, reply.body));
            }
            // 401: answer the strongest offered scheme we may use. A server that offers
            // no scheme this client speaks is "nothing usable" (exit 7), with or without
            // -u: asking for a user name would not help.
            if !["Mutual", "Digest", "Basic"]
                .iter()
                .any(|s| Self::offers(&reply.challenges, s))
            {
                let offered: Vec<&str> = reply.challenges.iter().map(|c| c.scheme()).collect();
                let what = if offered.is_empty() {
                    "no challenge at all".to_owned()
                } else {
                    offered.join(", ")
                };
                return Err(fail(
                    exit::NO_USABLE_CHALLENGE,
                    format!(
                        "authentication required: the server offers {what}; this client speaks Mutual, Digest and Basic"
                    ),
                ));
            }
            let Some(user) = self.opts.user.clone() else {
                return Err(fail(
                    exit::AUTH_REQUIRED,
                    "authentication required: give -u USER",
                ));
            };
            let password = match &self.opts.password {
                Some(p) => p.duplicate(),
                None => {
                    return Err(fail(
                        exit::AUTH_REQUIRED,
                        "authentication required: no password",
                    ));
                }
            };
            if Self::offers(&reply.challenges, "Mutual") && !self.allowed(AuthMode::Mutual) {
                unusable.push(format!(
                    "Mutual: not allowed by --auth {}",
                    self.auth_name()
                ));
            }
            if Self::offers(&reply.challenges, "Digest") && !self.allowed(AuthMode::Digest) {
                unusable.push(format!(
                    "Digest: not allowed by --auth {}",
                    self.auth_name()
                ));
            } else if Self::offers(&reply.challenges, "Digest") {
                let d = self
                    .digest
                    .entry(dkey.clone())
                    .or_insert_with(|| DigestClient::new(user.clone(), password.duplicate()));
                let body = self
                    .body_digests
                    .as_ref()
                    .map(|b| b as &dyn httpauth_core::BodyDigest);
                match d.respond(&reply.challenges, &self.opts.method, &u.path, body) {
                    Ok(a) => {
                        if self.opts.qop == QopMode::AuthInt
                            && a.qop() != Some(digest_auth::Qop::AuthInt)
                        {
                            return Err(fail(
                                exit::NO_USABLE_CHALLENGE,
                                "--qop auth-int: the server does not offer qop=auth-int",
                            ));
                        }
                        self.v(format!(
                            "* digest: answering {} challenge, {}",
                            a.algorithm(),
                            qop_label(&a)
                        ));
                        creds = Some(a.credentials().clone());
                        digest_auth = Some(a);
                        continue;
                    }
                    Err(digest_auth::Error::CredentialsRejected) => {
                        self.digest.remove(&dkey);
                        return Err(fail(
                            exit::AUTH_REQUIRED,
                            "authentication failed (Digest): the server refused the user name or password",
                        ));
                    }
                    Err(digest_auth::Error::NoSupportedChallenge) => {
                        let offered: Vec<&str> = reply
                            .challenges
                            .iter()
                            .filter(|c| c.is_scheme("Digest"))
                            .map(|c| c.value("algorithm").unwrap_or("MD5 (default)"))
                            .collect();
                        let why = format!(
                            "Digest algorithm {}: no algorithm and qop this client answers \
                             (MD5, SHA-256, SHA-512-256 and their -sess forms; qop auth, auth-int)",
                            offered.join(", ")
                        );
                        self.v(format!("* digest: skipping: {why}"));
                        unusable.push(why);
                    }
                    Err(e) => return Err(fail(exit::PROTOCOL, format!("digest: {e}"))),
                }
            }
            if Self::offers(&reply.challenges, "Basic") && !self.allowed(AuthMode::Basic) {
                unusable.push(format!("Basic: not allowed by --auth {}", self.auth_name()));
            } else if Self::offers(&reply.challenges, "Basic") {
                if basic_tried {
                    return Err(fail(
                        exit::AUTH_REQUIRED,
                        "authentication failed (Basic): the server refused the user name or password",
                    ));
                }
                basic_tried = true;
                let c = httpauth_headers::basic::credentials(&user, password.expose_secret())
                    .map_err(|e| fail(exit::USAGE, format!("basic: {e}")))?;
                self.v("* basic: sending credentials");
                creds = Some(c);
                digest_auth = None;
                continue;
            }
            for c in &reply.challenges {
                if !["Mutual", "Digest", "Basic"].iter().any(|s| c.is_scheme(s)) {
                    unusable.push(format!("{}: scheme not supported", c.scheme()));
                }
            }
            if reply.challenges.is_empty() && reply.skipped.is_empty() {
                // RFC 7235 section 3.1: a 401 "MUST send a WWW-Authenticate header field
                // containing at least one challenge".
                return Err(fail(
                    exit::PROTOCOL,
                    "401 without a WWW-Authenticate challenge (RFC 7235 section 3.1)",
                ));
            }
            return Err(fail(
                exit::NO_USABLE_CHALLENGE,
                format!(
                    "the server offers no challenge this client can answer: {}",
                    unusable.join("; ")
                ),
            ));
        }
        Err(fail(exit::PROTOCOL, "authentication did not finish"))
    }

    /// The `--auth` value, for messages.
    fn auth_name(&self) -> &'static str {
        match self.opts.auth {
            AuthMode::Basic => "basic",
            AuthMode::Digest => "digest",
            AuthMode::Mutual => "mutual",
            AuthMode::Any => "any",
        }
    }
}

/// The failure (exit code and message) for an error of the Mutual engine. The
/// verification boundary keeps its own code (5); credentials refused before anything is
/// sent are the caller's (2); everything the server did wrong is a protocol error (8).
fn mutual_failure(e: mutual_core::Error) -> Failure {
    use mutual_core::Error as E;
    match e {
        E::ServerNotAuthenticated => fail(
            exit::SERVER_NOT_VERIFIED,
            "the server failed Mutual verification (vks): response discarded",
        ),
        E::StringPreparation(what) => fail(
            exit::USAGE,
            format!(
                "mutual: the {what} is refused before sending: RFC 8265 string preparation \
                 (RFC 8120 section 9) does not allow it (e.g. an empty password)"
            ),
        ),
        E::NoCredentials => fail(
            exit::AUTH_REQUIRED,
            "authentication required (Mutual): give -u USER",
        ),
        E::ChannelBindingUnavailable => fail(
            exit::NETWORK,
            "tls: no server certificate for the tls-server-end-point channel binding",
        ),
        // The operating system's random generator: a local I/O failure.
        E::Rng => fail(exit::NETWORK, format!("mutual: {e}")),
        other => fail(exit::PROTOCOL, format!("mutual: {other}")),
    }
}

/// `qop=auth`, `qop=auth-int` or `no qop (RFC 2069)`, for the verbose log.
fn qop_label(a: &digest_auth::Authorization) -> String {
    match a.qop() {
        Some(q) => format!("qop={}", q.as_str()),
        None => "no qop (RFC 2069)".to_owned(),
    }
}

/// Runs the client: fetches every URL (`--repeat` times per worker, `--concurrency`
/// workers), writes bodies to stdout (single run) and the verbose log / rate to stderr.
/// Returns the exit code.
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
        let mut c = Client::new(Arc::clone(&opts), tls);
        let mut code = exit::OK;
        for url in &opts.urls {
            let r = c.fetch(url).await;
            eprint!("{}", c.take_log());
            match r {
                Ok((status, body)) => {
                    use std::io::Write as _;
                    let _ = std::io::stdout().write_all(&body);
                    if status >= 400 {
                        eprintln!("httpauth-client: {url}: HTTP {status}");
                        code = exit::HTTP_ERROR;
                    }
                }
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
