//! The client side (feature `client`): answer 401 and 407 with the strongest scheme the
//! server offers among those the caller allows, keep Digest nonces and Mutual sessions
//! for reuse, and check that the server proves itself.
//!
//! [`AuthClient`] is the shared state (logins, Digest nonces per origin, Mutual sessions
//! per realm and auth-scope, Basic protection spaces); it is cheap to clone and safe to
//! use from concurrent requests. Each user-level request is an [`Exchange`]: it gives the
//! `Authorization` / `Proxy-Authorization` values to send, reads each response, and says
//! whether to send again ([`Step::Send`]) or that the response is final and verified
//! ([`Step::Done`]). The engine does no I/O; the `reqwest` module (feature `reqwest`,
//! a `reqwest-middleware` middleware) and the `hyper` adapter (feature `hyper`) drive it.
//!
//! Choices, strongest first (each only when allowed by [`Schemes`] and a login exists):
//!
//! 1. **Mutual** (RFC 8120): an established session is used at once (req-VFY-C); `vks`
//!    is checked in the final response or a `100 Continue` (section 4.5). Sessions live
//!    in one [`MutualClient`], so N requests to one realm cost one key exchange. Over
//!    https the `tls-server-end-point` channel binding (RFC 5929) comes from the peer
//!    certificate the response reports ([`ResponseInfo::tls_server_end_point`]).
//! 2. **Digest** (RFC 7616): SHA-512-256, SHA-256, then MD5 (and their `-sess` forms);
//!    RFC 2069 (no qop) only when allowed. The nonce is reused for later requests to the
//!    same origin (`nc` counts up, `nextnonce` is followed, `stale=true` is answered
//!    with the password held). `auth-int` is chosen when offered and the request body is
//!    in memory. `rspauth` is checked (for `auth-int`, over the response body).
//! 3. **Basic** (RFC 7617, UTF-8): only over https unless [`AuthClientBuilder::basic_over_http`]
//!    allows it; sent preemptively afterwards for paths under the one that succeeded
//!    (RFC 7617 section 2.2).
//!
//! Credentials never cross origins: every piece of state is keyed by origin (scheme,
//! host, port), so a redirect to another origin starts with none, and the `reqwest`
//! middleware removes a caller's own `Authorization` on a cross-origin redirect.
//!
//! [`MutualClient`]: mutual_core::client::MutualClient

#[cfg(feature = "hyper-client")]
pub mod hyper;
#[cfg(feature = "reqwest")]
pub mod reqwest;

use digest_auth::{Algorithm, DigestClient, Qop};
use httpauth_core::{AuthParams, BodyDigest, Challenge, Password};
use mutual_core::client::{
    MutualClient, Next, RequestTarget, Response as MResponse, Sequence, Status,
};
use mutual_core::scope::Origin;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

/// Most requests one user-level request may take (Mutual INIT, KEX, VFY; a stale nonce;
/// a proxy's challenge).
pub const MAX_ROUNDS: usize = 8;

/// Why the client could not get an authenticated, verified response.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The server (or proxy) refused the credentials sent.
    #[error("authentication failed ({scheme}{}): the {who} refused the user name or password", realm_label(.realm))]
    CredentialsRefused {
        /// `Basic`, `Digest` or `Mutual`.
        scheme: &'static str,
        /// The realm, if the challenge named one.
        realm: Option<String>,
        /// `server` or `proxy`.
        who: &'static str,
    },
    /// The server wants credentials for which no login was given.
    #[error("authentication required ({scheme}{}): no login for the {who}", realm_label(.realm))]
    CredentialsRequired {
        /// The scheme asked for.
        scheme: String,
        /// The realm, if the challenge named one.
        realm: Option<String>,
        /// `server` or `proxy`.
        who: &'static str,
    },
    /// The server offers nothing this client may answer.
    #[error("the {who} offers {}; nothing usable: {}", offered_label(.offered), .missing.join("; "))]
    NothingUsable {
        /// The schemes offered (with algorithms where it matters).
        offered: Vec<String>,
        /// Why each could not be used.
        missing: Vec<String>,
        /// `server` or `proxy`.
        who: &'static str,
    },
    /// The server failed to prove that it knows the password (Digest `rspauth`, Mutual
    /// `vks`): nothing of the response may be trusted.
    #[error("the server failed {scheme} verification: {reason}")]
    ServerNotVerified {
        /// `Digest` or `Mutual`.
        scheme: &'static str,
        /// What did not match.
        reason: String,
    },
    /// The server broke the protocol (a malformed field, a response not allowed at that
    /// point, a 401 without a challenge, no end after [`MAX_ROUNDS`]).
    #[error("protocol error: {0}")]
    Protocol(String),
    /// The client refuses to send, before any request: a password RFC 8265 does not
    /// allow (RFC 8120 section 9), a request body that cannot be sent twice, a target
    /// that is not an absolute http(s) URI.
    #[error("refused locally: {0}")]
    Local(String),
    /// Network or TLS failure (from the transport driving the engine).
    #[error("network: {0}")]
    Network(#[source] Box<dyn std::error::Error + Send + Sync>),
}

fn realm_label(r: &Option<String>) -> String {
    r.as_ref()
        .map(|r| format!(", realm {r:?}"))
        .unwrap_or_default()
}

fn offered_label(o: &[String]) -> String {
    if o.is_empty() {
        "no challenge".to_owned()
    } else {
        o.join(", ")
    }
}

/// The schemes the client may answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schemes {
    /// Mutual (RFC 8120).
    pub mutual: bool,
    /// Digest (RFC 7616, RFC 2617).
    pub digest: bool,
    /// Basic (RFC 7617).
    pub basic: bool,
}

impl Schemes {
    /// All three.
    pub const ALL: Self = Self {
        mutual: true,
        digest: true,
        basic: true,
    };
    /// Mutual only.
    pub const MUTUAL: Self = Self {
        mutual: true,
        digest: false,
        basic: false,
    };
    /// Digest only.
    pub const DIGEST: Self = Self {
        mutual: false,
        digest: true,
        basic: false,
    };
    /// Basic only.
    pub const BASIC: Self = Self {
        mutual: false,
        digest: false,
        basic: true,
    };
}

/// Digest quality of protection (RFC 7616 section 3.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum QopChoice {
    /// `auth-int` when offered and the body is in memory, else `auth`.
    #[default]
    Auto,
    /// `auth` only.
    Auth,
    /// `auth-int` only; fails when the server does not offer it.
    AuthInt,
}

struct Login {
    user: String,
    password: Password,
}

impl Login {
    fn duplicate(&self) -> Login {
        Login {
            user: self.user.clone(),
            password: self.password.duplicate(),
        }
    }
}

/// Builds an [`AuthClient`].
pub struct AuthClientBuilder {
    login: Option<Login>,
    realm_logins: Vec<(String, Login)>,
    proxy_login: Option<Login>,
    schemes: Schemes,
    basic_over_http: bool,
    digest_algorithms: Vec<Algorithm>,
    rfc2069: bool,
    qop: QopChoice,
}

impl std::fmt::Debug for AuthClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthClientBuilder")
            .field("schemes", &self.schemes)
            .finish_non_exhaustive()
    }
}

impl AuthClientBuilder {
    /// The login for every realm that has no login of its own.
    pub fn login(mut self, user: impl Into<String>, password: Password) -> Self {
        self.login = Some(Login {
            user: user.into(),
            password,
        });
        self
    }

    /// The login for `realm` only.
    pub fn realm_login(
        mut self,
        realm: impl Into<String>,
        user: impl Into<String>,
        password: Password,
    ) -> Self {
        self.realm_logins.push((
            realm.into(),
            Login {
                user: user.into(),
                password,
            },
        ));
        self
    }

    /// The login for a proxy's 407 (`Proxy-Authorization`; Digest or Basic).
    pub fn proxy_login(mut self, user: impl Into<String>, password: Password) -> Self {
        self.proxy_login = Some(Login {
            user: user.into(),
            password,
        });
        self
    }

    /// The schemes that may be answered (default: all).
    pub fn schemes(mut self, schemes: Schemes) -> Self {
        self.schemes = schemes;
        self
    }

    /// Lets Basic credentials go over plain http (default: only https, as the password
    /// is sent in the clear, RFC 7617 section 4). A proxy's Basic challenge is answered
    /// whatever the transport when a proxy login is given.
    pub fn basic_over_http(mut self, allow: bool) -> Self {
        self.basic_over_http = allow;
        self
    }

    /// The Digest algorithms answered (default: all six, strongest first).
    pub fn digest_algorithms(mut self, algorithms: &[Algorithm]) -> Self {
        self.digest_algorithms = algorithms.to_vec();
        self
    }

    /// Answers RFC 2069 Digest challenges (no `qop`; default: refused).
    pub fn allow_rfc2069(mut self, allow: bool) -> Self {
        self.rfc2069 = allow;
        self
    }

    /// The Digest qop choice (default [`QopChoice::Auto`]).
    pub fn qop(mut self, qop: QopChoice) -> Self {
        self.qop = qop;
        self
    }

    /// The client.
    pub fn build(self) -> AuthClient {
        let mut mutual = MutualClient::new();
        for (realm, l) in &self.realm_logins {
            mutual.add_login(realm, None, l.user.clone(), l.password.duplicate());
        }
        AuthClient(Arc::new(Inner {
            cfg: self,
            state: Mutex::new(State {
                mutual,
                mutual_realms: Vec::new(),
                digest: HashMap::new(),
                basic: HashMap::new(),
                end_points: HashMap::new(),
            }),
        }))
    }
}

/// Scheme, host (lowercase) and port: what keeps state apart (RFC 6454 origin).
type OriginKey = (String, String, u16);

/// Whose challenge: the origin server's (401) or the proxy's (407).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Side {
    Origin,
    Proxy,
}

impl Side {
    fn who(self) -> &'static str {
        match self {
            Side::Origin => "server",
            Side::Proxy => "proxy",
        }
    }
}

struct State {
    mutual: MutualClient,
    /// Realms for which the default login was added to `mutual`.
    mutual_realms: Vec<String>,
    /// Digest nonce state per side and origin (the proxy: one, keyed by an empty origin).
    digest: HashMap<(Side, OriginKey), DigestClient>,
    /// Basic protection spaces per origin: path prefix (through the last `/`) and realm.
    basic: HashMap<OriginKey, Vec<String>>,
    /// The last `tls-server-end-point` seen per https origin.
    end_points: HashMap<OriginKey, Vec<u8>>,
}

impl State {
    /// Forgets the Digest nonces and Basic spaces (the callers reset `mutual`).
    fn forget_digest_and_basic(&mut self) {
        self.digest.clear();
        self.basic.clear();
    }
}

struct Inner {
    cfg: AuthClientBuilder,
    state: Mutex<State>,
}

/// The shared client state; clone it freely.
#[derive(Clone)]
pub struct AuthClient(Arc<Inner>);

impl std::fmt::Debug for AuthClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthClient")
            .field("schemes", &self.0.cfg.schemes)
            .finish_non_exhaustive()
    }
}

/// A request as the engine needs it.
#[derive(Debug, Clone, Copy)]
pub struct RequestInfo<'a> {
    /// The method.
    pub method: &'a str,
    /// The absolute URI (`http` or `https`).
    pub url: &'a str,
    /// The request body when it is in memory (for Digest `auth-int`); `None` for a
    /// streaming body (then `auth` is used).
    pub body: Option<&'a [u8]>,
}

/// A response as the engine needs it. Header lines are the raw field values.
#[derive(Debug, Clone, Default)]
pub struct ResponseInfo<'a> {
    /// The status code.
    pub status: u16,
    /// `WWW-Authenticate` lines.
    pub www_authenticate: Vec<&'a str>,
    /// `Proxy-Authenticate` lines.
    pub proxy_authenticate: Vec<&'a str>,
    /// `Authentication-Info` lines.
    pub authentication_info: Vec<&'a str>,
    /// `Proxy-Authentication-Info` lines.
    pub proxy_authentication_info: Vec<&'a str>,
    /// `Optional-WWW-Authenticate` lines (RFC 8053).
    pub optional_www_authenticate: Vec<&'a str>,
    /// `Authentication-Info` lines of each 1xx response before this one (RFC 8120
    /// section 4.5: a Mutual `vks` may come in a `100 Continue`).
    pub informational_info: Vec<Vec<&'a str>>,
    /// RFC 5929 `tls-server-end-point` of the certificate the server presented on the
    /// connection that carried this response (https only).
    pub tls_server_end_point: Option<Vec<u8>>,
    /// The response body, when [`Exchange::needs_response_body`] asked for it.
    pub body: Option<&'a [u8]>,
}

/// The field lines called `name`, as UTF-8: a realm may be UTF-8 (RFC 7616 section 3.3,
/// RFC 8120 section 4.1), which `HeaderValue::to_str` (visible ASCII only) would drop.
/// A line that is not UTF-8 cannot be answered and is dropped, with a log line.
#[cfg(any(feature = "reqwest", feature = "hyper-client"))]
fn field_lines<'a>(h: &'a http::HeaderMap, name: &str) -> Vec<&'a str> {
    h.get_all(name)
        .iter()
        .filter_map(|v| {
            let s = std::str::from_utf8(v.as_bytes()).ok();
            if s.is_none() {
                tracing::debug!(target: "httpauth::client", field = name, "dropped a line that is not UTF-8");
            }
            s
        })
        .collect()
}

#[cfg(any(feature = "reqwest", feature = "hyper-client"))]
impl<'a> ResponseInfo<'a> {
    /// The authentication fields of a response head with `status` and `headers`; the
    /// 1xx fields, end point and body are for the caller to add.
    pub fn from_headers(status: u16, headers: &'a http::HeaderMap) -> Self {
        Self {
            status,
            www_authenticate: field_lines(headers, "www-authenticate"),
            proxy_authenticate: field_lines(headers, "proxy-authenticate"),
            authentication_info: field_lines(headers, "authentication-info"),
            proxy_authentication_info: field_lines(headers, "proxy-authentication-info"),
            optional_www_authenticate: field_lines(headers, "optional-www-authenticate"),
            ..Self::default()
        }
    }
}

/// What to do after a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Send the request again with [`Exchange::authorization`] and
    /// [`Exchange::proxy_authorization`].
    Send,
    /// The response is final (and, where the scheme allows, the server proved itself).
    Done,
}

/// What was sent to one side.
enum Sent {
    Nothing,
    Basic,
    Digest(Box<digest_auth::Authorization>),
    Mutual,
}

/// The target split into what the state is keyed by.
#[derive(Debug, Clone)]
struct Target {
    https: bool,
    host: String,
    port: u16,
    /// Request-target in origin form (path and query).
    path: String,
    /// The absolute URI (the request-target a proxy sees).
    absolute: String,
}

impl Target {
    fn parse(url: &str) -> Result<Self, ClientError> {
        let bad = |why: &str| ClientError::Local(format!("{url:?}: {why}"));
        let (scheme, rest) = url
            .split_once("://")
            .ok_or_else(|| bad("not an absolute URI"))?;
        let https = if scheme.eq_ignore_ascii_case("https") {
            true
        } else if scheme.eq_ignore_ascii_case("http") {
            false
        } else {
            return Err(bad("only http and https are supported"));
        };
        let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let authority = &rest[..end];
        let mut path = rest[end..].split('#').next().unwrap_or("").to_owned();
        if path.is_empty() || path.starts_with('?') {
            path.insert(0, '/');
        }
        let hostport = authority.rsplit('@').next().unwrap_or(authority);
        let (host, port) = if let Some(v6) = hostport.strip_prefix('[') {
            let (h, after) = v6.split_once(']').ok_or_else(|| bad("bad IPv6 literal"))?;
            (format!("[{h}]"), after.strip_prefix(':'))
        } else {
            match hostport.rsplit_once(':') {
                Some((h, p)) => (h.to_owned(), Some(p)),
                None => (hostport.to_owned(), None),
            }
        };
        if host.is_empty() {
            return Err(bad("no host"));
        }
        let port = match port {
            Some(p) if !p.is_empty() => p.parse().map_err(|_| bad("bad port"))?,
            _ if https => 443,
            _ => 80,
        };
        Ok(Self {
            https,
            host: host.to_ascii_lowercase(),
            port,
            absolute: url.split('#').next().unwrap_or(url).to_owned(),
            path,
        })
    }

    fn key(&self) -> OriginKey {
        (
            if self.https { "https" } else { "http" }.to_owned(),
            self.host.clone(),
            self.port,
        )
    }

    fn mutual_target(&self, end_point: Option<&Vec<u8>>) -> Result<RequestTarget, ClientError> {
        let origin = Origin::new(
            if self.https { "https" } else { "http" },
            self.host.trim_start_matches('[').trim_end_matches(']'),
            self.port,
        )
        .map_err(|e| ClientError::Local(format!("{}: {e}", self.absolute)))?;
        let t = RequestTarget::new(origin, self.path.clone());
        Ok(match end_point {
            Some(ep) => t.with_tls_server_end_point(ep.clone()),
            None => t,
        })
    }
}

/// True when two URIs have the same origin (scheme, host, port): credentials may follow
/// a redirect only then.
pub fn same_origin(a: &str, b: &str) -> bool {
    match (Target::parse(a), Target::parse(b)) {
        (Ok(a), Ok(b)) => a.key() == b.key(),
        _ => false,
    }
}

impl AuthClient {
    /// A builder with no login, every scheme allowed, Basic over https only.
    pub fn builder() -> AuthClientBuilder {
        AuthClientBuilder {
            login: None,
            realm_logins: Vec::new(),
            proxy_login: None,
            schemes: Schemes::ALL,
            basic_over_http: false,
            digest_algorithms: digest_auth::ALL_ALGORITHMS.to_vec(),
            rfc2069: false,
            qop: QopChoice::Auto,
        }
    }

    /// A client answering every scheme with `user` and `password` for any realm.
    pub fn new(user: impl Into<String>, password: Password) -> Self {
        Self::builder().login(user, password).build()
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // Each method leaves the state consistent before it could panic.
        self.0
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Forgets every Digest nonce, Mutual session and Basic space (the logins stay).
    pub fn reset(&self) {
        let mut s = self.state();
        let mut mutual = MutualClient::new();
        for (realm, l) in &self.0.cfg.realm_logins {
            mutual.add_login(realm, None, l.user.clone(), l.password.duplicate());
        }
        s.mutual = mutual;
        s.mutual_realms.clear();
        s.forget_digest_and_basic();
    }

    /// Forgets every Digest nonce, Mutual session and Basic space, like
    /// [`reset`](Self::reset), but keeps the Mutual pi cache
    /// ([`MutualClient::forget_sessions`](mutual_core::client::MutualClient::forget_sessions)):
    /// the next Mutual request does a new key exchange without deriving pi from the
    /// password again.
    pub fn reset_sessions(&self) {
        let mut s = self.state();
        // `mutual` keeps its logins, so `mutual_realms` (which realms have the default
        // login) stays true: clearing it would add that login again after every reset.
        s.mutual.forget_sessions();
        s.forget_digest_and_basic();
    }

    /// The login for `realm`.
    fn login_for(&self, realm: Option<&str>) -> Option<Login> {
        realm
            .and_then(|r| {
                self.0
                    .cfg
                    .realm_logins
                    .iter()
                    .find(|(n, _)| n == r)
                    .map(|(_, l)| l.duplicate())
            })
            .or_else(|| self.0.cfg.login.as_ref().map(Login::duplicate))
    }

    /// Starts a user-level request: credentials to send at once when state allows
    /// (a Mutual session, a Digest nonce, a Basic space of this origin).
    ///
    /// # Errors
    /// [`ClientError::Local`] for a target that is not an absolute http(s) URI or
    /// credentials refused before sending; [`ClientError::Protocol`] from the Mutual
    /// engine.
    pub fn begin(&self, req: RequestInfo<'_>) -> Result<Exchange, ClientError> {
        let target = Target::parse(req.url)?;
        let cfg = &self.0.cfg;
        let mut ex = Exchange {
            client: self.clone(),
            method: req.method.to_owned(),
            target: target.clone(),
            body: req.body.map(|b| {
                Arc::new(digest_auth::BodyHasher::digest_all(
                    &[
                        httpauth_core::HashFunction::Md5,
                        httpauth_core::HashFunction::Sha256,
                        httpauth_core::HashFunction::Sha512_256,
                    ],
                    b,
                ))
            }),
            mutual_seq: None,
            mutual_end_point: None,
            sent: Sent::Nothing,
            proxy_sent: Sent::Nothing,
            authorization: None,
            proxy_authorization: None,
            rounds: 0,
            digest_answered: [false; 2],
            basic_tried: false,
            proxy_basic_tried: false,
        };
        let key = target.key();
        let mut s = self.state();
        if cfg.schemes.mutual {
            let ep = target
                .https
                .then(|| s.end_points.get(&key).cloned())
                .flatten();
            let mt = target.mutual_target(ep.as_ref())?;
            let (seq, creds) = s.mutual.start(mt).map_err(mutual_error)?;
            ex.mutual_end_point = ep;
            ex.mutual_seq = Some(seq);
            if let Some(c) = creds {
                tracing::debug!(target: "httpauth::client", step = if c.get("kc1").is_some() { "req-KEX-C1" } else { "req-VFY-C" }, "mutual: credentials for a known realm");
                ex.authorization = Some(httpauth_headers::format_credentials(&c));
                ex.sent = Sent::Mutual;
                return Ok(ex);
            }
        }
        if cfg.schemes.digest
            && let Some(d) = s.digest.get_mut(&(Side::Origin, key.clone()))
            && let Some(a) = d
                .authorize(&ex.method, &target.path, ex.body_digest())
                .map_err(|e| ClientError::Local(format!("digest: {e}")))?
        {
            tracing::debug!(target: "httpauth::client", "digest: reusing the nonce (next nc)");
            ex.authorization = Some(httpauth_headers::format_credentials(a.credentials()));
            ex.sent = Sent::Digest(Box::new(a));
            return Ok(ex);
        }
        if cfg.schemes.basic
            && (target.https || cfg.basic_over_http)
            && let Some(spaces) = s.basic.get(&key)
            && spaces.iter().any(|p| target.path.starts_with(p.as_str()))
            && let Some(l) = self.login_for(None)
        {
            let c = httpauth_headers::basic::credentials(&l.user, l.password.expose_secret())
                .map_err(|e| ClientError::Local(format!("basic: {e}")))?;
            tracing::debug!(target: "httpauth::client", "basic: preemptive, known protection space");
            ex.authorization = Some(httpauth_headers::format_credentials(&c));
            ex.sent = Sent::Basic;
            ex.basic_tried = true;
        }
        drop(s);
        Ok(ex)
    }
}

/// One user-level request in progress.
pub struct Exchange {
    client: AuthClient,
    method: String,
    target: Target,
    body: Option<Arc<digest_auth::BodyDigests>>,
    mutual_seq: Option<Sequence>,
    /// The end point the Mutual sequence was started with.
    mutual_end_point: Option<Vec<u8>>,
    sent: Sent,
    proxy_sent: Sent,
    authorization: Option<String>,
    proxy_authorization: Option<String>,
    rounds: usize,
    /// A Digest challenge of the origin `[0]` / the proxy `[1]` was answered in this
    /// exchange: another one that is not `stale=true` refuses the password. Kept here,
    /// not in the shared `DigestClient`, so that concurrent requests do not read each
    /// other's attempts as refusals.
    digest_answered: [bool; 2],
    basic_tried: bool,
    proxy_basic_tried: bool,
}

impl std::fmt::Debug for Exchange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Exchange")
            .field("method", &self.method)
            .field("target", &self.target.absolute)
            .finish_non_exhaustive()
    }
}

fn parse_challenges(lines: &[&str], field: &str) -> Result<Vec<Challenge>, ClientError> {
    if lines.is_empty() {
        return Ok(Vec::new());
    }
    httpauth_headers::parse_challenges_lines(lines.iter().copied())
        .map_err(|e| ClientError::Protocol(format!("malformed {field}: {e}")))
}

fn parse_info(lines: &[&str], field: &str) -> Result<Option<AuthParams>, ClientError> {
    if lines.is_empty() {
        return Ok(None);
    }
    httpauth_headers::parse_authentication_info_lines(lines.iter().copied())
        .map(Some)
        .map_err(|e| ClientError::Protocol(format!("malformed {field}: {e}")))
}

fn offers(cs: &[Challenge], scheme: &str) -> bool {
    cs.iter().any(|c| c.is_scheme(scheme))
}

/// The error for a Mutual engine failure.
fn mutual_error(e: mutual_core::Error) -> ClientError {
    use mutual_core::Error as E;
    match e {
        E::ServerNotAuthenticated => ClientError::ServerNotVerified {
            scheme: "Mutual",
            reason: "wrong vks: the response is discarded".into(),
        },
        E::StringPreparation(what) => ClientError::Local(format!(
            "mutual: the {what} fails RFC 8265 string preparation (RFC 8120 section 9; e.g. an empty password)"
        )),
        E::ChannelBindingUnavailable => ClientError::Local(
            "mutual: no server certificate for the tls-server-end-point channel binding \
             (reqwest: enable ClientBuilder::tls_info(true))"
                .into(),
        ),
        E::Rng => ClientError::Local(format!("mutual: {e}")),
        other => ClientError::Protocol(format!("mutual: {other}")),
    }
}

impl Exchange {
    /// The `Authorization` value to send now, if any.
    pub fn authorization(&self) -> Option<&str> {
        self.authorization.as_deref()
    }

    /// The `Proxy-Authorization` value to send now, if any.
    pub fn proxy_authorization(&self) -> Option<&str> {
        self.proxy_authorization.as_deref()
    }

    /// True when the next response's body is needed to verify it (Digest `auth-int`
    /// `rspauth`, RFC 7616 section 3.5): pass it as [`ResponseInfo::body`].
    pub fn needs_response_body(&self) -> bool {
        matches!(&self.sent, Sent::Digest(a) if a.qop() == Some(Qop::AuthInt))
    }

    fn body_digest(&self) -> Option<&dyn BodyDigest> {
        match self.client.0.cfg.qop {
            QopChoice::Auth => None,
            _ => self.body.as_deref().map(|b| b as &dyn BodyDigest),
        }
    }

    /// Reads one response.
    ///
    /// # Errors
    /// See [`ClientError`]; after an error the exchange is over.
    pub fn on_response(&mut self, r: &ResponseInfo<'_>) -> Result<Step, ClientError> {
        self.rounds += 1;
        if self.rounds > MAX_ROUNDS {
            return Err(ClientError::Protocol(
                "authentication did not finish".into(),
            ));
        }
        if r.status == 407 {
            return self.on_proxy_challenge(r);
        }
        if r.status != 407
            && let Sent::Digest(a) = std::mem::replace(&mut self.proxy_sent, Sent::Nothing)
        {
            // The proxy accepted; check its rspauth when it sent one.
            let info = parse_info(&r.proxy_authentication_info, "Proxy-Authentication-Info")?;
            let key = (Side::Proxy, proxy_key());
            let mut s = self.client.state();
            if let Some(d) = s.digest.get_mut(&key) {
                match info {
                    Some(info) => d.verify_authentication_info(&a, &info, None).map_err(|e| {
                        ClientError::ServerNotVerified {
                            scheme: "Digest",
                            reason: format!("proxy: {e}"),
                        }
                    })?,
                    None => d.mark_success(),
                }
            }
            self.proxy_sent = Sent::Digest(a);
        }
        let challenges = parse_challenges(&r.www_authenticate, "WWW-Authenticate")?;
        let optional = parse_challenges(&r.optional_www_authenticate, "Optional-WWW-Authenticate")?;
        let info = parse_info(&r.authentication_info, "Authentication-Info")?;
        if let Some(step) = self.mutual_step(r, &challenges, &optional, info.as_ref())? {
            return Ok(step);
        }
        if r.status != 401 {
            return self.on_success(r, info.as_ref());
        }
        self.on_challenge(&challenges)
    }

    /// The Mutual decision procedure (RFC 8120 section 11) sees every response of a
    /// sequence it started. `Some` when it decided.
    fn mutual_step(
        &mut self,
        r: &ResponseInfo<'_>,
        challenges: &[Challenge],
        optional: &[Challenge],
        info: Option<&AuthParams>,
    ) -> Result<Option<Step>, ClientError> {
        let cfg = &self.client.0.cfg;
        if !cfg.schemes.mutual || self.mutual_seq.is_none() {
            return Ok(None);
        }
        let sent_mutual = matches!(self.sent, Sent::Mutual);
        let offered = offers(challenges, "Mutual") || offers(optional, "Mutual");
        if !sent_mutual && !(offered && (r.status == 401 || cfg.login.is_some())) {
            return Ok(None);
        }
        let mut s = self.client.state();
        let key = self.target.key();
        // The channel binding of this connection (RFC 8120 section 7).
        if let Some(ep) = &r.tls_server_end_point {
            s.end_points.insert(key.clone(), ep.clone());
            if !sent_mutual && self.mutual_end_point.as_ref() != Some(ep) {
                // Started without it (first request to this origin): start again.
                let mt = self.target.mutual_target(Some(ep))?;
                let (seq, _) = s.mutual.start(mt).map_err(mutual_error)?;
                self.mutual_seq = Some(seq);
                self.mutual_end_point = Some(ep.clone());
            }
        }
        // Logins for the realms offered.
        for c in challenges
            .iter()
            .chain(optional)
            .filter(|c| c.is_scheme("Mutual"))
        {
            if let Some(realm) = c.value("realm")
                && !cfg.realm_logins.iter().any(|(n, _)| n == realm)
                && !s.mutual_realms.iter().any(|n| n == realm)
                && let Some(l) = cfg.login.as_ref()
            {
                s.mutual
                    .add_login(realm, None, l.user.clone(), l.password.duplicate());
                s.mutual_realms.push(realm.to_owned());
            }
        }
        let Some(seq) = self.mutual_seq.as_mut() else {
            return Ok(None);
        };
        if sent_mutual {
            for lines in &r.informational_info {
                let i = parse_info(lines, "Authentication-Info (1xx)")?;
                s.mutual
                    .on_informational(seq, i.as_ref())
                    .map_err(mutual_error)?;
            }
        }
        let resp = MResponse {
            status: r.status,
            challenges,
            optional_challenges: optional,
            authentication_info: info,
        };
        match s.mutual.on_response(seq, &resp).map_err(mutual_error)? {
            Next::Send(c) => {
                tracing::debug!(target: "httpauth::client", step = if c.get("kc1").is_some() { "req-KEX-C1" } else { "req-VFY-C" }, "mutual: sending");
                self.authorization = Some(httpauth_headers::format_credentials(&c));
                self.sent = Sent::Mutual;
                Ok(Some(Step::Send))
            }
            Next::Done(Status::AuthSucceeded { user, realm }) => {
                tracing::debug!(target: "httpauth::client", %user, %realm, "mutual: server verified (vks)");
                Ok(Some(Step::Done))
            }
            Next::Done(Status::AuthRequired {
                failed: true,
                space,
            }) => Err(ClientError::CredentialsRefused {
                scheme: "Mutual",
                realm: space.map(|s| s.realm),
                who: "server",
            }),
            Next::Done(Status::AuthRequired {
                space: Some(space), ..
            }) if r.status == 401
                && !(cfg.schemes.digest && offers(challenges, "Digest"))
                && !(cfg.schemes.basic && offers(challenges, "Basic")) =>
            {
                Err(ClientError::CredentialsRequired {
                    scheme: "Mutual".into(),
                    realm: Some(space.realm),
                    who: "server",
                })
            }
            Next::Done(_) => {
                // Not (or no longer) Mutual's to decide: another scheme may answer.
                self.mutual_seq = None;
                if sent_mutual && r.status != 401 {
                    // Mutual was sent and the server answered without verifying: the
                    // engine has said why (an error above); nothing else to do.
                    return Ok(Some(Step::Done));
                }
                Ok(None)
            }
            other => Err(ClientError::Protocol(format!(
                "mutual: unexpected step {other:?}"
            ))),
        }
    }

    fn on_success(
        &mut self,
        r: &ResponseInfo<'_>,
        info: Option<&AuthParams>,
    ) -> Result<Step, ClientError> {
        let key = self.target.key();
        let mut s = self.client.state();
        match &self.sent {
            Sent::Digest(a) => {
                if let Some(d) = s.digest.get_mut(&(Side::Origin, key)) {
                    match info {
                        Some(info) => {
                            let response_body = (a.qop() == Some(Qop::AuthInt)).then(|| {
                                digest_auth::BodyHasher::digest_all(
                                    &[a.algorithm().hash()],
                                    r.body.unwrap_or_default(),
                                )
                            });
                            d.verify_authentication_info(
                                a,
                                info,
                                response_body.as_ref().map(|b| b as &dyn BodyDigest),
                            )
                            .map_err(|e| {
                                ClientError::ServerNotVerified {
                                    scheme: "Digest",
                                    reason: e.to_string(),
                                }
                            })?;
                            tracing::debug!(target: "httpauth::client", rspauth = info.get("rspauth").is_some(), "digest: accepted");
                        }
                        None => d.mark_success(),
                    }
                }
            }
            Sent::Basic if r.status < 400 => {
                // RFC 7617 section 2.2: paths at or below the last `/` share the space.
                let dir = self
                    .target
                    .path
                    .split('?')
                    .next()
                    .and_then(|p| p.rfind('/').map(|i| p[..=i].to_owned()))
                    .unwrap_or_else(|| "/".into());
                let spaces = s.basic.entry(key).or_default();
                if !spaces.iter().any(|p| dir.starts_with(p.as_str())) {
                    spaces.push(dir);
                }
            }
            _ => {}
        }
        Ok(Step::Done)
    }

    /// A 401 that Mutual did not take: Digest, then Basic.
    fn on_challenge(&mut self, challenges: &[Challenge]) -> Result<Step, ClientError> {
        self.answer(Side::Origin, challenges)
    }

    fn on_proxy_challenge(&mut self, r: &ResponseInfo<'_>) -> Result<Step, ClientError> {
        let challenges = parse_challenges(&r.proxy_authenticate, "Proxy-Authenticate")?;
        self.answer(Side::Proxy, &challenges)
    }

    fn answer(&mut self, side: Side, challenges: &[Challenge]) -> Result<Step, ClientError> {
        let cfg = &self.client.0.cfg;
        let who = side.who();
        let offered: Vec<String> = challenges
            .iter()
            .map(|c| match c.value("algorithm") {
                Some(a) => format!("{} ({a})", c.scheme()),
                None => c.scheme().to_owned(),
            })
            .collect();
        if challenges.is_empty() {
            // RFC 7235 sections 3.1 and 3.2: a 401 / 407 must carry a challenge.
            return Err(ClientError::Protocol(format!(
                "{} without a {} challenge (RFC 7235)",
                if side == Side::Origin { 401 } else { 407 },
                if side == Side::Origin {
                    "WWW-Authenticate"
                } else {
                    "Proxy-Authenticate"
                }
            )));
        }
        let mut missing = Vec::new();
        let realm_of = |scheme: &str| {
            challenges
                .iter()
                .find(|c| c.is_scheme(scheme))
                .and_then(|c| c.value("realm").map(str::to_owned))
        };
        let (schemes, login) = match side {
            Side::Origin => (cfg.schemes, None),
            Side::Proxy => (
                Schemes {
                    mutual: false,
                    ..cfg.schemes
                },
                cfg.proxy_login.as_ref().map(Login::duplicate),
            ),
        };
        if offers(challenges, "Mutual") {
            missing.push(if side == Side::Proxy {
                "Mutual: proxy authentication with Mutual is not supported by this client".into()
            } else if !cfg.schemes.mutual {
                "Mutual: not allowed".into()
            } else {
                // The Mutual engine declined: say why.
                let t = self.target.mutual_target(None)?;
                let why: Vec<String> = MutualClient::unusable_challenges(&t, challenges)
                    .into_iter()
                    .map(|u| {
                        format!(
                            "Mutual realm {:?}: {}",
                            u.realm.unwrap_or_default(),
                            u.reason
                        )
                    })
                    .collect();
                if why.is_empty() {
                    "Mutual: no login".into()
                } else {
                    why.join("; ")
                }
            });
        }
        if offers(challenges, "Digest") {
            if !schemes.digest {
                missing.push("Digest: not allowed".into());
            } else {
                let realm = realm_of("Digest");
                let login = match side {
                    Side::Origin => self.client.login_for(realm.as_deref()),
                    Side::Proxy => login.as_ref().map(Login::duplicate),
                };
                let Some(l) = login else {
                    return Err(ClientError::CredentialsRequired {
                        scheme: "Digest".into(),
                        realm,
                        who,
                    });
                };
                let key = match side {
                    Side::Origin => self.target.key(),
                    Side::Proxy => proxy_key(),
                };
                let uri = match side {
                    // The request-target as the proxy sees it (absolute form).
                    Side::Proxy if !self.target.https => self.target.absolute.clone(),
                    _ => self.target.path.clone(),
                };
                let stale = challenges.iter().any(|c| {
                    c.is_scheme("Digest")
                        && c.value("stale")
                            .is_some_and(|v| v.eq_ignore_ascii_case("true"))
                });
                let slot = usize::from(side == Side::Proxy);
                if self.digest_answered[slot] && !stale {
                    // RFC 7616 section 3.3: a new challenge without stale=true after our
                    // answer means the credentials were wrong.
                    let mut s = self.client.state();
                    s.digest.remove(&(side, key));
                    return Err(ClientError::CredentialsRefused {
                        scheme: "Digest",
                        realm,
                        who,
                    });
                }
                self.digest_answered[slot] = true;
                let body = self.body_digest();
                let mut s = self.client.state();
                let d = s.digest.entry((side, key.clone())).or_insert_with(|| {
                    DigestClient::new(l.user.clone(), l.password.duplicate())
                        .algorithms(&cfg.digest_algorithms)
                        .allow_rfc2069_legacy(cfg.rfc2069)
                });
                // The shared client's own refusal flag is this exchange's business only.
                d.mark_success();
                match d.respond(challenges, &self.method, &uri, body) {
                    Ok(a) => {
                        if cfg.qop == QopChoice::AuthInt && a.qop() != Some(Qop::AuthInt) {
                            return Err(ClientError::NothingUsable {
                                offered,
                                missing: vec!["Digest: qop=auth-int required, not offered".into()],
                                who,
                            });
                        }
                        tracing::debug!(target: "httpauth::client", side = who, algorithm = %a.algorithm(), qop = ?a.qop(), "digest: answering");
                        let value = httpauth_headers::format_credentials(a.credentials());
                        match side {
                            Side::Origin => {
                                self.authorization = Some(value);
                                self.sent = Sent::Digest(Box::new(a));
                            }
                            Side::Proxy => {
                                self.proxy_authorization = Some(value);
                                self.proxy_sent = Sent::Digest(Box::new(a));
                            }
                        }
                        return Ok(Step::Send);
                    }
                    Err(digest_auth::Error::CredentialsRejected) => {
                        s.digest.remove(&(side, key));
                        return Err(ClientError::CredentialsRefused {
                            scheme: "Digest",
                            realm,
                            who,
                        });
                    }
                    Err(digest_auth::Error::NoSupportedChallenge) => missing.push(format!(
                        "Digest ({}): no algorithm and qop this client answers{}",
                        challenges
                            .iter()
                            .filter(|c| c.is_scheme("Digest"))
                            .map(|c| c.value("algorithm").unwrap_or("MD5"))
                            .collect::<Vec<_>>()
                            .join(", "),
                        if cfg.rfc2069 {
                            ""
                        } else {
                            " (RFC 2069 without qop is refused)"
                        }
                    )),
                    Err(e) => return Err(ClientError::Protocol(format!("digest: {e}"))),
                }
            }
        }
        if offers(challenges, "Basic") {
            let tried = match side {
                Side::Origin => self.basic_tried,
                Side::Proxy => self.proxy_basic_tried,
            };
            if !schemes.basic {
                missing.push("Basic: not allowed".into());
            } else if side == Side::Origin && !self.target.https && !cfg.basic_over_http {
                missing.push("Basic: refused over plain http (basic_over_http)".into());
            } else if tried {
                if side == Side::Origin {
                    // The space is not this one after all.
                    let mut s = self.client.state();
                    s.basic.remove(&self.target.key());
                }
                return Err(ClientError::CredentialsRefused {
                    scheme: "Basic",
                    realm: realm_of("Basic"),
                    who,
                });
            } else {
                let realm = realm_of("Basic");
                let login = match side {
                    Side::Origin => self.client.login_for(realm.as_deref()),
                    Side::Proxy => login,
                };
                let Some(l) = login else {
                    return Err(ClientError::CredentialsRequired {
                        scheme: "Basic".into(),
                        realm,
                        who,
                    });
                };
                let c = httpauth_headers::basic::credentials(&l.user, l.password.expose_secret())
                    .map_err(|e| ClientError::Local(format!("basic: {e}")))?;
                tracing::debug!(target: "httpauth::client", side = who, "basic: sending credentials");
                let value = httpauth_headers::format_credentials(&c);
                match side {
                    Side::Origin => {
                        self.basic_tried = true;
                        self.authorization = Some(value);
                        self.sent = Sent::Basic;
                    }
                    Side::Proxy => {
                        self.proxy_basic_tried = true;
                        self.proxy_authorization = Some(value);
                        self.proxy_sent = Sent::Basic;
                    }
                }
                return Ok(Step::Send);
            }
        }
        for c in challenges {
            if !["Mutual", "Digest", "Basic"].iter().any(|s| c.is_scheme(s)) {
                missing.push(format!("{}: scheme not supported", c.scheme()));
            }
        }
        if side == Side::Origin && matches!(self.sent, Sent::Mutual) {
            return Err(ClientError::CredentialsRefused {
                scheme: "Mutual",
                realm: realm_of("Mutual"),
                who,
            });
        }
        Err(ClientError::NothingUsable {
            offered,
            missing,
            who,
        })
    }
}

/// The key of the proxy's Digest state (one proxy per client).
fn proxy_key() -> OriginKey {
    (String::new(), String::new(), 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_parse_to_origins() {
        let t = Target::parse("https://Example.COM/a/b?x=1#frag").unwrap();
        assert_eq!(t.key(), ("https".into(), "example.com".into(), 443));
        assert_eq!(t.path, "/a/b?x=1");
        let t = Target::parse("http://[::1]:8080").unwrap();
        assert_eq!(t.key(), ("http".into(), "[::1]".into(), 8080));
        assert_eq!(t.path, "/");
        let t = Target::parse("http://u:p@h:81?q").unwrap();
        assert_eq!((t.host.as_str(), t.port, t.path.as_str()), ("h", 81, "/?q"));
        assert!(Target::parse("ftp://h/").is_err());
        assert!(Target::parse("/relative").is_err());
        assert!(Target::parse("http://h:99999/").is_err());
        assert!(same_origin("http://a:80/x", "http://A/y"));
        assert!(!same_origin("http://a/x", "https://a/x"));
        assert!(!same_origin("http://a:81/", "http://a:82/"));
    }

    #[test]
    fn a_401_without_a_challenge_is_a_protocol_error() {
        let c = AuthClient::new("u", Password::from("p"));
        let mut ex = c
            .begin(RequestInfo {
                method: "GET",
                url: "http://127.0.0.1:1/",
                body: None,
            })
            .unwrap();
        let r = ResponseInfo {
            status: 401,
            ..ResponseInfo::default()
        };
        assert!(matches!(ex.on_response(&r), Err(ClientError::Protocol(_))));
    }

    #[test]
    fn basic_over_http_is_refused_unless_allowed_and_says_so() {
        let c = AuthClient::new("u", Password::from("p"));
        let req = RequestInfo {
            method: "GET",
            url: "http://127.0.0.1:1/x",
            body: None,
        };
        let r = ResponseInfo {
            status: 401,
            www_authenticate: vec!["Basic realm=\"r\""],
            ..ResponseInfo::default()
        };
        let e = c.begin(req).unwrap().on_response(&r).unwrap_err();
        assert!(
            matches!(&e, ClientError::NothingUsable { missing, .. } if missing[0].contains("plain http")),
            "{e}"
        );
        let c = AuthClient::builder()
            .login("u", Password::from("p"))
            .basic_over_http(true)
            .build();
        let mut ex = c.begin(req).unwrap();
        assert_eq!(ex.on_response(&r).unwrap(), Step::Send);
        assert_eq!(ex.authorization(), Some("Basic dTpw"));
        // A second 401: refused.
        assert!(matches!(
            ex.on_response(&r),
            Err(ClientError::CredentialsRefused {
                scheme: "Basic",
                ..
            })
        ));
    }

    /// Refusal is judged per exchange: a second request that started with the shared
    /// nonce and meets a fresh challenge answers it, while the exchange that already
    /// answered one and is challenged again (not stale) is refused.
    #[test]
    fn digest_refusal_is_per_exchange() {
        let c = AuthClient::new("u", Password::from("p"));
        let req = RequestInfo {
            method: "GET",
            url: "http://127.0.0.1:1/x",
            body: None,
        };
        let challenge = |nonce: &'static str| ResponseInfo {
            status: 401,
            www_authenticate: vec![match nonce {
                "n1" => "Digest realm=\"r\", nonce=\"n1\", qop=\"auth\", algorithm=SHA-256",
                _ => "Digest realm=\"r\", nonce=\"n2\", qop=\"auth\", algorithm=SHA-256",
            }],
            ..ResponseInfo::default()
        };
        let mut a = c.begin(req).unwrap();
        assert!(a.authorization().is_none());
        assert_eq!(a.on_response(&challenge("n1")).unwrap(), Step::Send);
        let mut b = c.begin(req).unwrap();
        assert!(
            b.authorization()
                .is_some_and(|v| v.contains("nonce=\"n1\"")),
            "the nonce is reused"
        );
        assert_eq!(b.on_response(&challenge("n2")).unwrap(), Step::Send);
        assert!(b.authorization().unwrap().contains("nonce=\"n2\""));
        assert!(matches!(
            a.on_response(&challenge("n2")),
            Err(ClientError::CredentialsRefused {
                scheme: "Digest",
                ..
            })
        ));
        // stale=true is answered again, however often (bounded by MAX_ROUNDS).
        let mut d = c.begin(req).unwrap();
        let stale = ResponseInfo {
            status: 401,
            www_authenticate: vec![
                "Digest realm=\"r\", nonce=\"n3\", qop=\"auth\", algorithm=SHA-256, stale=true",
            ],
            ..ResponseInfo::default()
        };
        for _ in 0..MAX_ROUNDS {
            assert_eq!(d.on_response(&stale).unwrap(), Step::Send);
        }
        assert!(matches!(
            d.on_response(&stale),
            Err(ClientError::Protocol(_))
        ));
    }

    #[test]
    fn unknown_schemes_are_named() {
        let c = AuthClient::new("u", Password::from("p"));
        let mut ex = c
            .begin(RequestInfo {
                method: "GET",
                url: "https://h/",
                body: None,
            })
            .unwrap();
        let r = ResponseInfo {
            status: 401,
            www_authenticate: vec!["Bearer realm=\"api\", Negotiate"],
            ..ResponseInfo::default()
        };
        let e = ex.on_response(&r).unwrap_err().to_string();
        assert!(e.contains("Bearer") && e.contains("Negotiate"), "{e}");
    }

    #[test]
    fn no_login_is_credentials_required() {
        let c = AuthClient::builder().build();
        let mut ex = c
            .begin(RequestInfo {
                method: "GET",
                url: "https://h/",
                body: None,
            })
            .unwrap();
        let r = ResponseInfo {
            status: 401,
            www_authenticate: vec![
                "Digest realm=\"r\", nonce=\"n\", qop=\"auth\", algorithm=SHA-256",
            ],
            ..ResponseInfo::default()
        };
        assert!(matches!(
            ex.on_response(&r),
            Err(ClientError::CredentialsRequired { .. })
        ));
    }
}
