//! Per-location access decisions: certificate rules, schemes, `Require`, `Satisfy`.
//!
//! Apache's order is followed (httpd 2.4 `ap_process_request_internal`): the access phase
//! (here: the client-certificate requirement and `SSLRequire`, mod_ssl's access checker)
//! and the authentication + authorisation phase (schemes, `Require`) are combined by
//! `Satisfy`:
//!
//! | | access passes | access fails |
//! |---|---|---|
//! | `Satisfy all` | authenticate (401 until valid) | 403, no challenge |
//! | `Satisfy any` | allowed without credentials | authenticate (401 until valid); with `StrictRequire` and a failed `SSLRequire`, 403 |
//!
//! A location with no access rules authenticates; one with no scheme only checks access.
//! Failed authentication or authorisation is 401 with fresh challenges (Apache answers an
//! authenticated user that `Require` refuses with 401 too, so another user can log in);
//! malformed credentials are 400.

use crate::Error;
use crate::config::{LocationConfig, Require, Satisfy, SchemeKind};
use authfile::{FileCache, GroupFile, HtdigestFile, HtmutualFile, HtpasswdFile, VerifyPolicy};
use httpauth_core::{
    AuthFailure, AuthParams, AuthScheme, Challenge, Credentials, FailureKind, FailureReason,
    GroupStore, Outcome, PasswordVerifier, Principal, RequestContext, TlsInfo,
};
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::sync::Semaphore;

/// The RFC 8121 algorithms, strongest-first order of the demo.
pub const MUTUAL_ALGORITHMS: [&str; 4] = [
    "iso-kam3-ec-p256-sha256",
    "iso-kam3-dl-2048-sha256",
    "iso-kam3-ec-p521-sha512",
    "iso-kam3-dl-4096-sha512",
];

/// The `mutual-core` algorithm for a token.
pub fn mutual_algorithm(token: &str) -> Option<&'static dyn mutual_core::Algorithm> {
    mutual_core::algorithm_by_token(token).ok()
}

/// Basic (RFC 7617) over a [`PasswordVerifier`], as an [`AuthScheme`].
pub struct BasicScheme {
    realm: String,
    users: Arc<dyn PasswordVerifier>,
}

impl std::fmt::Debug for BasicScheme {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BasicScheme")
            .field("realm", &self.realm)
            .finish_non_exhaustive()
    }
}

impl BasicScheme {
    /// Basic for `realm`, checking passwords with `users`.
    pub fn new(realm: impl Into<String>, users: Arc<dyn PasswordVerifier>) -> Self {
        Self {
            realm: realm.into(),
            users,
        }
    }
}

impl AuthScheme for BasicScheme {
    fn name(&self) -> &str {
        "Basic"
    }

    /// RFC 7617 section 2: `Basic realm="..."`, and section 2.1: `charset="UTF-8"`.
    fn challenges(&self, _request: &RequestContext<'_>) -> Vec<Challenge> {
        let c = Challenge::new("Basic").and_then(|c| {
            c.param(httpauth_core::AuthParam::quoted(
                "realm",
                self.realm.as_str(),
            )?)?
            .param(httpauth_core::AuthParam::quoted("charset", "UTF-8")?)
        });
        c.map(|c| vec![c]).unwrap_or_default()
    }

    fn authenticate(&self, _request: &RequestContext<'_>, credentials: &Credentials) -> Outcome {
        let Ok((user, password)) = httpauth_headers::basic::decode(credentials) else {
            return AuthFailure::new(FailureKind::BadRequest, FailureReason::Malformed).into();
        };
        match self.users.verify_password(&user, &password) {
            Ok(true) => Outcome::authenticated(
                Principal::new(user, "Basic", Some(self.realm.clone())),
                AuthParams::new(),
            ),
            Ok(false) => AuthFailure::unauthorized(FailureReason::BadCredentials).into(),
            Err(_) => AuthFailure::new(FailureKind::Unavailable, FailureReason::Store).into(),
        }
    }
}

/// The owned facts of one request, so that scheme calls can move to the blocking pool.
#[derive(Debug, Clone)]
pub struct RequestFacts {
    /// Method.
    pub method: String,
    /// Request-target as received.
    pub target: String,
    /// `http` or `https`.
    pub scheme: &'static str,
    /// Host header value (or the listener's address).
    pub authority: String,
    /// Peer address.
    pub remote_addr: Option<SocketAddr>,
    /// TLS facts of the connection.
    pub tls: Option<Arc<TlsInfo>>,
    /// Request header fields (name, value) for `Require expr` and `SSLRequire`.
    pub headers: Vec<(String, String)>,
    /// Digests of the request body, set when the body was read before authentication
    /// (Digest `qop=auth-int`, see [`LocationAuth::wants_body_digest`]).
    pub body: Option<Arc<digest_auth::BodyDigests>>,
}

impl RequestFacts {
    fn context(&self) -> RequestContext<'_> {
        let mut c = RequestContext::new(&self.method, &self.target, self.scheme, &self.authority);
        if let Some(t) = &self.tls {
            c = c.with_tls(t);
        }
        if let Some(a) = self.remote_addr {
            c = c.with_remote_addr(a);
        }
        if let Some(b) = &self.body {
            c = c.with_body(b.as_ref());
        }
        c
    }

    fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }

    /// The header fields as the borrowed pairs [`cert_policy::Request::headers`] takes.
    fn header_pairs(&self) -> Vec<(&str, &str)> {
        self.headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect()
    }

    /// The request facts `SSLRequire` and `Require expr` see (method, scheme, path, query,
    /// peer address, protocol, header fields); callers add what only they know.
    fn policy_request<'a>(&'a self, headers: &'a [(&'a str, &'a str)]) -> cert_policy::Request<'a> {
        let mut req = cert_policy::Request::default();
        req.method = &self.method;
        req.scheme = self.scheme;
        req.uri = self.path();
        req.query = self.target.split_once('?').map_or("", |(_, q)| q);
        req.remote_addr = self.remote_addr.map(|a| a.ip());
        req.headers = headers;
        req.protocol = "HTTP/1.1";
        req
    }
}

/// What the server does with a request.
#[derive(Debug)]
#[non_exhaustive]
pub enum Decision {
    /// Serve the content.
    Allow {
        /// The authenticated principal (a user, or a certificate), if any.
        principal: Option<Principal>,
        /// `Authentication-Info` parameters.
        info: AuthParams,
        /// RFC 8053 `Optional-WWW-Authenticate` challenges (optional locations, anonymous).
        optional: Vec<Challenge>,
        /// Digest `qop=auth-int`: the `rspauth` still to be computed over the response
        /// body; `info` then holds the other `Authentication-Info` parameters.
        rspauth: Option<PendingRspauth>,
    },
    /// 401 with these challenges.
    Unauthorized(Vec<Challenge>),
    /// 403.
    Forbidden,
    /// 400.
    BadRequest,
    /// 503.
    Unavailable,
}

/// The `Authentication-Info` of a Digest `qop=auth-int` exchange, which covers the
/// response body (RFC 7616 section 3.5: `rspauth` is computed as `response` with
/// `A2 = ":" request-uri ":" H(entity-body)`), so it is finished once the body is known.
///
/// Boxed: it holds `HA1` and the exchange's values, and would otherwise dominate the size
/// of every [`Decision`].
pub struct PendingRspauth(Box<digest_auth::Verified>);

impl std::fmt::Debug for PendingRspauth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("PendingRspauth").field(&self.0).finish()
    }
}

impl PendingRspauth {
    /// The complete `Authentication-Info` parameters for a response whose body (as sent:
    /// empty for `HEAD`) is `response_body`.
    pub fn authentication_info(&self, response_body: &[u8]) -> AuthParams {
        let hash = self.0.algorithm().hash();
        let digests = digest_auth::BodyHasher::digest_all(&[hash], response_body);
        self.0.authentication_info(digests.get(hash))
    }
}

/// One location's runtime: its schemes and stores.
pub struct LocationAuth {
    /// Its configuration.
    pub config: LocationConfig,
    basic: Option<BasicScheme>,
    fake_basic_users: Option<Arc<dyn PasswordVerifier>>,
    digest: Option<digest_auth::DigestServer>,
    mutual: Option<mutual_core::server::MutualServer>,
    groups: Option<Arc<FileCache<GroupFile>>>,
    /// Scheme calls reach a remote store: run them off the async workers.
    remote_store: bool,
}

impl std::fmt::Debug for LocationAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocationAuth")
            .field("path", &self.config.path)
            .finish_non_exhaustive()
    }
}

impl LocationAuth {
    /// Opens the location's files (they reload when they change) and builds its schemes.
    ///
    /// # Errors
    /// A file that cannot be read or parsed; a Digest configuration error.
    pub fn build(
        config: LocationConfig,
        shared: &crate::store::SharedState,
    ) -> Result<Self, Error> {
        let sessions = shared.for_location(&config.path);
        let users: Option<Arc<dyn PasswordVerifier>> = match &config.user_file {
            Some(p) => Some(Arc::new(FileCache::<HtpasswdFile>::htpasswd(
                p.clone(),
                VerifyPolicy::default(),
            )?)),
            None => None,
        };
        let basic = match (&users, config.schemes.contains(&SchemeKind::Basic)) {
            (Some(u), true) => Some(BasicScheme::new(config.realm.clone(), Arc::clone(u))),
            _ => None,
        };
        let digest = match (
            &config.digest_file,
            config.schemes.contains(&SchemeKind::Digest),
        ) {
            (Some(p), true) => {
                let store = Arc::new(FileCache::<HtdigestFile>::htdigest(p.clone())?);
                let mut builder = digest_auth::DigestServer::builder(config.realm.clone(), store)
                    .session_store(Arc::clone(&sessions));
                if let Some(key) = shared.digest_nonce_key(&config.path) {
                    builder = builder.nonce_key(key);
                }
                Some(
                    builder
                        .algorithms(&config.digest_algorithms)
                        // RFC 7616 section 3.3: `qop="auth, auth-int"`. The server reads
                        // the body (up to max_body_bytes) before authenticating a request
                        // whose credentials chose auth-int; see `wants_body_digest`.
                        .qops(&[digest_auth::Qop::Auth, digest_auth::Qop::AuthInt])
                        .build()
                        .map_err(|e| Error::Config {
                            file: "(location)".into(),
                            line: config.line,
                            directive: "location.digest_algorithms".into(),
                            message: e.to_string(),
                        })?,
                )
            }
            _ => None,
        };
        let mutual = match (
            &config.mutual_file,
            config.schemes.contains(&SchemeKind::Mutual),
        ) {
            (Some(p), true) => {
                let store = Arc::new(FileCache::<HtmutualFile>::htmutual(p.clone())?);
                let algs: Vec<&'static dyn mutual_core::Algorithm> = config
                    .mutual_algorithms
                    .iter()
                    .filter_map(|a| mutual_algorithm(a))
                    .collect();
                let cfg = mutual_core::server::ServerConfig::new(config.realm.clone())
                    .with_algorithms(&algs);
                Some(mutual_core::server::MutualServer::with_store(
                    cfg,
                    store,
                    Arc::clone(&sessions),
                ))
            }
            _ => None,
        };
        let groups = match &config.group_file {
            Some(p) => Some(Arc::new(FileCache::<GroupFile>::group(p.clone())?)),
            None => None,
        };
        let fake_basic_users = if config.fake_basic_auth { users } else { None };
        Ok(Self {
            config,
            basic,
            fake_basic_users,
            digest,
            mutual,
            groups,
            remote_store: shared.is_remote(),
        })
    }

    /// True when `authorization` (the raw field value) is a Digest response with
    /// `qop=auth-int` to a location offering Digest: the request body must then be read
    /// and its digests put in [`RequestFacts::body`] before [`decide`] (RFC 7616 section
    /// 3.4.3). Other requests are authenticated from the head alone, so no body is read
    /// for an unauthenticated client.
    pub fn wants_body_digest(&self, authorization: Option<&str>) -> bool {
        self.digest.is_some()
            && authorization
                .and_then(|a| httpauth_headers::parse_credentials(a).ok())
                .is_some_and(|c| {
                    c.is_scheme("Digest")
                        && c.value("qop")
                            .is_some_and(|q| q.eq_ignore_ascii_case("auth-int"))
                })
    }

    /// The digests of `body` under the hash functions of this location's Digest
    /// algorithms (what `auth-int` may ask for).
    pub fn body_digests(&self, body: &[u8]) -> digest_auth::BodyDigests {
        let hashes: Vec<httpauth_core::HashFunction> = self
            .config
            .digest_algorithms
            .iter()
            .map(|a| a.hash())
            .collect();
        digest_auth::BodyHasher::digest_all(&hashes, body)
    }

    fn schemes(&self) -> Vec<&dyn AuthScheme> {
        let mut v: Vec<&dyn AuthScheme> = Vec::new();
        for k in &self.config.schemes {
            match k {
                SchemeKind::Basic => v.extend(self.basic.as_ref().map(|s| s as &dyn AuthScheme)),
                SchemeKind::Digest => v.extend(self.digest.as_ref().map(|s| s as &dyn AuthScheme)),
                SchemeKind::Mutual => v.extend(self.mutual.as_ref().map(|s| s as &dyn AuthScheme)),
            }
        }
        v
    }

    /// Fresh challenges of every offered scheme, strongest first.
    pub fn challenges(&self, facts: &RequestFacts) -> Vec<Challenge> {
        let ctx = facts.context();
        self.schemes()
            .iter()
            .flat_map(|s| s.challenges(&ctx))
            .collect()
    }

    /// The access phase: `(certificate requirement and SSLRequire pass, SSLRequire failed)`.
    fn access(&self, facts: &RequestFacts) -> (bool, bool) {
        let Some(tls) = &facts.tls else {
            return (false, self.config.ssl_require.is_some());
        };
        let Ok(vars) = cert_policy::TlsVars::new(tls) else {
            return (false, self.config.ssl_require.is_some());
        };
        let cert_ok = !self.config.client_certificate || vars.verify_string() == "SUCCESS";
        let headers = facts.header_pairs();
        let ctx =
            cert_policy::Context::new(Some(&vars)).with_request(facts.policy_request(&headers));
        let policy_ok = self
            .config
            .ssl_require
            .as_ref()
            .is_none_or(|e| e.allows(&ctx));
        (cert_ok && policy_ok, !policy_ok)
    }

    fn has_access_rules(&self) -> bool {
        self.config.client_certificate || self.config.ssl_require.is_some()
    }

    /// The certificate as a principal (`Satisfy any` granted by the access phase).
    fn certificate_principal(facts: &RequestFacts) -> Option<Principal> {
        let tls = facts.tls.as_ref()?;
        let vars = cert_policy::TlsVars::new(tls).ok()?;
        let ctx = cert_policy::Context::new(Some(&vars));
        let cn = cert_policy::ssl_user_name("SSL_CLIENT_S_DN_CN", &ctx).ok()??;
        Some(Principal::new(cn, "Certificate", None))
    }

    /// `Require`: any line suffices (Apache's implicit `<RequireAny>`).
    fn authorized(&self, principal: &Principal, facts: &RequestFacts) -> Result<bool, ()> {
        for r in &self.config.require {
            let ok = match r {
                Require::ValidUser => true,
                Require::User(names) => names.iter().any(|n| n == &principal.user),
                Require::Group(groups) => {
                    let Some(store) = &self.groups else {
                        return Err(());
                    };
                    let mut any = false;
                    for g in groups {
                        if store.is_member(&principal.user, g).map_err(|_| ())? {
                            any = true;
                            break;
                        }
                    }
                    any
                }
                Require::Expr(e) => {
                    let vars = facts
                        .tls
                        .as_ref()
                        .and_then(|t| cert_policy::TlsVars::new(t).ok());
                    let headers = facts.header_pairs();
                    let mut req = facts.policy_request(&headers);
                    req.remote_user = &principal.user;
                    req.auth_type = &principal.scheme;
                    e.allows(&cert_policy::Context::new(vars.as_ref()).with_request(req))
                }
            };
            if ok {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// True when the scheme call for these credentials is CPU-heavy: a Mutual key exchange
    /// (`kc1`, RFC 8120 section 4.2) or a Basic password hash (bcrypt).
    fn is_heavy(credentials: &Credentials) -> bool {
        credentials.is_scheme("basic")
            || (credentials.is_scheme("mutual") && credentials.get("kc1").is_some())
    }
}

/// Decides a request for `location`. CPU-heavy scheme calls run on the blocking pool, at
/// most `heavy.available_permits()` at a time; `Authorization` is the raw field value.
pub async fn decide(
    location: Arc<LocationAuth>,
    facts: Arc<RequestFacts>,
    authorization: Option<String>,
    heavy: Arc<Semaphore>,
) -> Decision {
    let cfg = &location.config;
    let has_auth = !cfg.schemes.is_empty() || cfg.fake_basic_auth;
    let (access_ok, policy_failed) = if location.has_access_rules() {
        location.access(&facts)
    } else {
        (true, false)
    };
    if location.has_access_rules() {
        match cfg.satisfy {
            Satisfy::All if !access_ok => return Decision::Forbidden,
            // FakeBasicAuth still names the user when a certificate granted access.
            Satisfy::Any if access_ok && !cfg.fake_basic_auth => {
                return Decision::Allow {
                    principal: LocationAuth::certificate_principal(&facts),
                    info: AuthParams::new(),
                    optional: Vec::new(),
                    rspauth: None,
                };
            }
            Satisfy::Any if access_ok => {}
            Satisfy::Any if cfg.strict_require && policy_failed => return Decision::Forbidden,
            Satisfy::Any if !has_auth => return Decision::Forbidden,
            _ => {}
        }
    }
    if !has_auth {
        return Decision::Allow {
            principal: None,
            info: AuthParams::new(),
            optional: Vec::new(),
            rspauth: None,
        };
    }

    // SSLOptions +FakeBasicAuth: mod_ssl makes up `Basic <DN>:password` and the normal
    // Basic check against the user file decides.
    if cfg.fake_basic_auth && authorization.is_none() {
        if let Some(users) = location.fake_basic_users.clone() {
            let facts2 = Arc::clone(&facts);
            let r = run_heavy(&heavy, move || {
                let tls = facts2.tls.as_ref()?;
                let vars = cert_policy::TlsVars::new(tls).ok()?;
                if vars.verify_string() != "SUCCESS" {
                    return None;
                }
                let dn = cert_policy::fake_basic_user(&vars)?;
                let pw = httpauth_core::Password::from(cert_policy::FAKE_BASIC_PASSWORD);
                match users.verify_password(&dn, &pw) {
                    Ok(true) => Some(Principal::new(dn, "Basic", Some("FakeBasicAuth".into()))),
                    _ => None,
                }
            })
            .await
            .flatten();
            if let Some(p) = r {
                return authorize(&location, &facts, p, AuthParams::new(), None);
            }
        }
        if cfg.schemes.is_empty() {
            return Decision::Forbidden;
        }
    }

    let Some(raw) = authorization else {
        return no_credentials(&location, &facts);
    };
    let credentials = match httpauth_headers::parse_credentials(&raw) {
        Ok(c) => c,
        Err(e) => {
            tracing::info!(location = %cfg.path, error = %e, "malformed Authorization");
            return Decision::BadRequest;
        }
    };
    let Some(kind) = cfg
        .schemes
        .iter()
        .copied()
        .find(|k| credentials.is_scheme(scheme_name(*k)))
    else {
        // A scheme this location does not offer: as if none was sent.
        return no_credentials(&location, &facts);
    };
    let scheme_label = scheme_name(kind);
    let mut rspauth = None;
    let outcome = if kind == SchemeKind::Digest
        && credentials
            .value("qop")
            .is_some_and(|q| q.eq_ignore_ascii_case("auth-int"))
        && let Some(d) = &location.digest
    {
        // Through the layer below `AuthScheme`, to keep what the response-body `rspauth`
        // needs (RFC 7616 section 3.5). The body digests are in `facts` (or absent, and
        // then digest-auth refuses auth-int).
        match d.verify(&facts.context(), &credentials) {
            Ok(v) => {
                let mut info = v.authentication_info(None);
                info.remove("rspauth");
                let principal = v.principal().clone();
                rspauth = Some(PendingRspauth(Box::new(v)));
                Outcome::authenticated(principal, info)
            }
            Err(f) => Outcome::Failed(f),
        }
    } else if LocationAuth::is_heavy(&credentials) {
        let (loc, f) = (Arc::clone(&location), Arc::clone(&facts));
        run_heavy(&heavy, move || call_scheme(&loc, kind, &f, &credentials))
            .await
            .unwrap_or_else(|| {
                AuthFailure::new(FailureKind::Unavailable, FailureReason::Store).into()
            })
    } else if location.remote_store {
        // A store round trip blocks this thread for up to the store's timeout: let the
        // runtime move its other tasks elsewhere meanwhile.
        tokio::task::block_in_place(|| call_scheme(&location, kind, &facts, &credentials))
    } else {
        call_scheme(&location, kind, &facts, &credentials)
    };
    match outcome {
        Outcome::Authenticated { principal, info, .. } => {
            tracing::info!(location = %cfg.path, scheme = scheme_label, user = %principal.user, "authenticated");
            authorize(&location, &facts, principal, info, rspauth)
        }
        Outcome::Continue { challenges } => {
            tracing::debug!(location = %cfg.path, scheme = scheme_label, "exchange continues");
            Decision::Unauthorized(challenges)
        }
        Outcome::Failed(f) => {
            tracing::info!(location = %cfg.path, scheme = scheme_label, reason = f.reason().as_str(), "authentication failed");
            match f.kind() {
                FailureKind::BadRequest => Decision::BadRequest,
                FailureKind::Unavailable => Decision::Unavailable,
                FailureKind::Forbidden => Decision::Forbidden,
                _ => {
                    if cfg.optional
                        && location.mutual.as_ref().is_some_and(|m| {
                            kind == SchemeKind::Mutual && m.may_answer_optionally(&f)
                        })
                    {
                        return anonymous_optional(&location, &facts);
                    }
                    let mut cs = f.challenges().to_vec();
                    // Fresh challenges of the other schemes too, strongest first.
                    let ctx = facts.context();
                    let mut all = Vec::new();
                    for s in location.schemes() {
                        if s.name().eq_ignore_ascii_case(scheme_label) && !cs.is_empty() {
                            all.append(&mut cs);
                        } else {
                            all.extend(s.challenges(&ctx));
                        }
                    }
                    Decision::Unauthorized(all)
                }
            }
        }
        _ => Decision::Unavailable,
    }
}

fn scheme_name(k: SchemeKind) -> &'static str {
    match k {
        SchemeKind::Basic => "Basic",
        SchemeKind::Digest => "Digest",
        SchemeKind::Mutual => "Mutual",
    }
}

fn call_scheme(
    loc: &LocationAuth,
    kind: SchemeKind,
    facts: &RequestFacts,
    c: &Credentials,
) -> Outcome {
    let ctx = facts.context();
    let scheme: Option<&dyn AuthScheme> = match kind {
        SchemeKind::Basic => loc.basic.as_ref().map(|s| s as &dyn AuthScheme),
        SchemeKind::Digest => loc.digest.as_ref().map(|s| s as &dyn AuthScheme),
        SchemeKind::Mutual => loc.mutual.as_ref().map(|s| s as &dyn AuthScheme),
    };
    match scheme {
        Some(s) => s.authenticate(&ctx, c),
        None => AuthFailure::unauthorized(FailureReason::Disallowed).into(),
    }
}

async fn run_heavy<T: Send + 'static>(
    heavy: &Arc<Semaphore>,
    f: impl FnOnce() -> T + Send + 'static,
) -> Option<T> {
    let permit = Arc::clone(heavy).acquire_owned().await.ok()?;
    tokio::task::spawn_blocking(move || {
        let r = f();
        drop(permit);
        r
    })
    .await
    .ok()
}

fn authorize(
    loc: &LocationAuth,
    facts: &RequestFacts,
    principal: Principal,
    info: AuthParams,
    rspauth: Option<PendingRspauth>,
) -> Decision {
    match loc.authorized(&principal, facts) {
        Ok(true) => Decision::Allow {
            principal: Some(principal),
            info,
            optional: Vec::new(),
            rspauth,
        },
        Ok(false) => {
            tracing::info!(location = %loc.config.path, user = %principal.user, "require denied");
            Decision::Unauthorized(loc.challenges(facts))
        }
        Err(()) => Decision::Unavailable,
    }
}

fn anonymous_optional(loc: &LocationAuth, facts: &RequestFacts) -> Decision {
    let ctx = facts.context();
    let mut optional = Vec::new();
    for s in loc.schemes() {
        match (&loc.mutual, s.name()) {
            (Some(m), "Mutual") => optional.extend(m.optional_challenges(&ctx)),
            _ => optional.extend(s.challenges(&ctx)),
        }
    }
    Decision::Allow {
        principal: None,
        info: AuthParams::new(),
        optional,
        rspauth: None,
    }
}

fn no_credentials(loc: &LocationAuth, facts: &RequestFacts) -> Decision {
    if loc.config.optional {
        return anonymous_optional(loc, facts);
    }
    tracing::debug!(location = %loc.config.path, "no credentials");
    Decision::Unauthorized(loc.challenges(facts))
}
