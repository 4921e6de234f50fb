//! The engine every server front shares: schemes behind the [`AuthScheme`] seam, access
//! rules, Apache's `Satisfy` with client certificates, bounded pools for expensive work,
//! and the one mapping from a decision to a status and header fields.
//!
//! A request is decided in Apache's order (httpd 2.4 `ap_process_request_internal`):
//!
//! 1. the access phase ([`CertAccess`]: `SSLVerifyClient require` per location and
//!    `SSLRequire`), combined with what follows by [`Satisfy`]:
//!
//!    | | access passes | access fails |
//!    |---|---|---|
//!    | `Satisfy all` | go on | 403, no challenge |
//!    | `Satisfy any` | serve, no credentials | go on; with `StrictRequire` and a failed `SSLRequire`, 403 |
//!
//! 2. the `Require` rules without a user ([`AccessRules::before_authentication`]);
//! 3. authentication: the scheme named by the credentials, or a scheme that authenticates
//!    from the connection (a client certificate), run inline, on the blocking threads or
//!    on the scheme's bounded [`WorkPool`](crate::pool::WorkPool) as
//!    [`AuthScheme::cost`] says;
//! 4. the `Require` rules with the user ([`AccessRules::after_authentication`]).

use crate::access::{AccessRules, Facts, Verdict};
use crate::pool::{PoolError, Pools};
use cert_policy::{Context, Expr, TlsVars};
use httpauth_core::{
    AuthFailure, AuthParams, AuthScheme, BodyDigest, Challenge, Cost, Credentials, FailureKind,
    FailureReason, FieldNames, HashFunction, Outcome, Principal, RequestContext, ResponseBound,
    TlsInfo,
};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

/// `Satisfy` (mod_access_compat): how the access phase and authentication combine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Satisfy {
    /// Both must pass (the default).
    #[default]
    All,
    /// Either suffices.
    Any,
}

/// mod_ssl's access phase for one location.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct CertAccess {
    /// `SSLVerifyClient require`: a certificate that verified (`SUCCESS`).
    pub require_verified: bool,
    /// `SSLRequire` (or an access-phase `Require expr` in the SSLRequire dialect).
    pub ssl_require: Option<Arc<Expr>>,
    /// `SSLOptions +StrictRequire`: a failed `SSLRequire` is 403 even with `Satisfy any`.
    pub strict_require: bool,
    /// `SSLOptions +FakeBasicAuth`: when the client presented a certificate, the
    /// credentials it sent are not looked at (mod_ssl's `ssl_hook_UserCheck` overwrites
    /// its `Authorization` with `Basic <DN>:password` before any authentication module
    /// runs), and the guard's connection scheme alone decides: a
    /// [`CertificateScheme`](crate::CertificateScheme) with
    /// [`CertUser::FakeBasicAuth`](crate::CertUser::FakeBasicAuth) accepts the DN it finds
    /// in the user file, and anything else is challenged (401). The spoof check (a Basic
    /// user starting with `/` and the password `password`: 403) still runs first, on
    /// what the client sent.
    pub fake_basic_auth: bool,
}

impl CertAccess {
    fn is_empty(&self) -> bool {
        !self.require_verified && self.ssl_require.is_none()
    }
}

/// The owned facts of one request, so that scheme calls can move to other threads.
#[derive(Clone)]
#[non_exhaustive]
pub struct RequestFacts {
    /// Method.
    pub method: String,
    /// The request-target exactly as received (Digest compares its `uri` with it).
    pub target: String,
    /// The normalised path (see [`crate::path`]): what the rules and `REQUEST_URI` see.
    pub path: String,
    /// The raw query, without `?`.
    pub query: String,
    /// `http` or `https`.
    pub scheme: &'static str,
    /// The authority (`Host`).
    pub authority: String,
    /// The peer's address.
    pub remote_addr: Option<SocketAddr>,
    /// TLS facts of the connection.
    pub tls: Option<Arc<TlsInfo>>,
    /// Request header fields (name, value), credentials excluded, for `Require expr`.
    pub headers: Vec<(String, String)>,
    /// Digests of the request body, when a scheme asked for them
    /// ([`Guard::body_hashes`]).
    pub body: Option<Arc<dyn BodyDigest>>,
    /// The credentials field (`Authorization` or `Proxy-Authorization`) as received.
    pub credentials: Option<String>,
    /// The client's double-reverse-verified host name, for `Require host`. When it is
    /// `None` and the rules have a `Require host`, the guard looks it up itself
    /// ([`crate::access::double_reverse_lookup`], off the executor).
    pub remote_host: Option<String>,
}

impl std::fmt::Debug for RequestFacts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Credentials are not printed.
        f.debug_struct("RequestFacts")
            .field("method", &self.method)
            .field("target", &self.target)
            .field("path", &self.path)
            .field("scheme", &self.scheme)
            .field("authority", &self.authority)
            .field("remote_addr", &self.remote_addr)
            .field("tls", &self.tls.is_some())
            .field("body", &self.body.is_some())
            .field("credentials", &self.credentials.is_some())
            .finish_non_exhaustive()
    }
}

impl RequestFacts {
    /// Facts for a request; set the public fields for the rest.
    pub fn new(
        method: impl Into<String>,
        target: impl Into<String>,
        path: impl Into<String>,
    ) -> Self {
        let target = target.into();
        let query = target.split_once('?').map_or("", |(_, q)| q).to_owned();
        Self {
            method: method.into(),
            target,
            path: path.into(),
            query,
            scheme: "http",
            authority: String::new(),
            remote_addr: None,
            tls: None,
            headers: Vec::new(),
            body: None,
            credentials: None,
            remote_host: None,
        }
    }

    /// The scheme-facing context.
    pub fn context(&self, proxy: bool) -> RequestContext<'_> {
        let mut c = RequestContext::new(&self.method, &self.target, self.scheme, &self.authority)
            .with_proxy(proxy);
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

    fn header_pairs(&self) -> Vec<(&str, &str)> {
        self.headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect()
    }

    fn policy_request<'a>(&'a self, headers: &'a [(&'a str, &'a str)]) -> cert_policy::Request<'a> {
        let mut req = cert_policy::Request::default();
        req.method = &self.method;
        req.scheme = self.scheme;
        req.uri = &self.path;
        req.query = &self.query;
        req.remote_addr = self.remote_addr.map(|a| a.ip());
        req.headers = headers;
        req.protocol = "HTTP/1.1";
        req
    }
}

/// What to do with a request.
#[derive(Debug)]
#[non_exhaustive]
pub enum Decision {
    /// Serve it.
    Allow {
        /// Who, if anyone was authenticated.
        principal: Option<Principal>,
        /// `Authentication-Info` parameters (empty: none).
        info: AuthParams,
        /// `Authentication-Info` to finish over the response body.
        response: Option<ResponseBound>,
        /// RFC 8053 `Optional-WWW-Authenticate` challenges (anonymous, optional location).
        optional: Vec<Challenge>,
    },
    /// 401 / 407 with these challenges (never empty: see [`Decision::response_head`]).
    Challenge(Vec<Challenge>),
    /// 403.
    Forbidden,
    /// 400: malformed credentials.
    BadRequest,
    /// 429: this client failed too often lately ([`GuardBuilder::failure_limit`]).
    TooManyRequests {
        /// `Retry-After`: when the client's window ends.
        retry_after: Duration,
    },
    /// 503: a store is down, or the pool for expensive work is full.
    Unavailable {
        /// `Retry-After`, when the pool was full.
        retry_after: Option<Duration>,
    },
}

/// Status and header fields of a response that a [`Decision`] makes (for an `Allow`, the
/// fields to add to the inner service's response).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ResponseHead {
    /// The status; `None` for an allowed request (the inner service's status stands).
    pub status: Option<u16>,
    /// Header fields to add, lowercase names.
    pub headers: Vec<(&'static str, String)>,
}

impl Decision {
    /// The `Authentication-Info` (`Proxy-Authentication-Info`) field that may go into a
    /// `100 Continue` instead of the final response: RFC 8120 section 4.5 asks this of
    /// Mutual ("If a 100 Continue response is sent from the server, the
    /// Authentication-Info header SHOULD be included in that response, instead of the
    /// final response"). No other scheme defines it (a Digest client looks for `rspauth`
    /// in the final response), and a field that covers the response body cannot.
    pub fn interim_info(&self, names: FieldNames) -> Option<(&'static str, String)> {
        match self {
            Decision::Allow {
                principal: Some(p),
                info,
                response: None,
                ..
            } if p.scheme == "Mutual" && !info.is_empty() => Some((
                names.info,
                httpauth_headers::format_authentication_info(info),
            )),
            _ => None,
        }
    }

    /// The one mapping from a decision to status and header fields (RFC 7235 sections 3.1,
    /// 3.2; RFC 7615; RFC 8053). A challenge decision with no challenge (no scheme can be
    /// asked for credentials) becomes 403: a 401 without `WWW-Authenticate` is forbidden
    /// by RFC 7235 section 3.1 and leaves clients with nothing to do.
    pub fn response_head(&self, names: FieldNames) -> ResponseHead {
        let challenges = |cs: &[Challenge]| {
            cs.iter()
                .map(|c| (names.challenge, httpauth_headers::format_challenge(c)))
                .collect::<Vec<_>>()
        };
        match self {
            Decision::Allow {
                principal,
                info,
                optional,
                ..
            } => {
                let mut headers = Vec::new();
                if !info.is_empty() {
                    headers.push((
                        names.info,
                        httpauth_headers::format_authentication_info(info),
                    ));
                }
                for c in optional {
                    let name = if names == FieldNames::PROXY {
                        "optional-proxy-authenticate"
                    } else {
                        "optional-www-authenticate"
                    };
                    headers.push((name, httpauth_headers::format_challenge(c)));
                }
                if principal.is_some() || !optional.is_empty() {
                    // The response depends on who asked (RFC 8053 section 3, RFC 9111).
                    headers.push(("cache-control", "no-store".to_owned()));
                }
                ResponseHead {
                    status: None,
                    headers,
                }
            }
            Decision::Challenge(cs) if cs.is_empty() => ResponseHead {
                status: Some(403),
                headers: Vec::new(),
            },
            Decision::Challenge(cs) => ResponseHead {
                status: Some(names.status),
                headers: challenges(cs),
            },
            Decision::Forbidden => ResponseHead {
                status: Some(403),
                headers: Vec::new(),
            },
            Decision::BadRequest => ResponseHead {
                status: Some(400),
                headers: Vec::new(),
            },
            Decision::TooManyRequests { retry_after } => ResponseHead {
                status: Some(429),
                headers: vec![("retry-after", retry_after.as_secs().max(1).to_string())],
            },
            Decision::Unavailable { retry_after } => ResponseHead {
                status: Some(503),
                headers: retry_after
                    .map(|d| vec![("retry-after", d.as_secs().max(1).to_string())])
                    .unwrap_or_default(),
            },
        }
    }
}

/// One protected area: its schemes, rules and pools.
pub struct Guard {
    schemes: Vec<Arc<dyn AuthScheme>>,
    rules: AccessRules,
    cert: CertAccess,
    satisfy: Satisfy,
    optional: bool,
    proxy: bool,
    groups: Option<Arc<dyn httpauth_core::GroupStore>>,
    pools: Arc<Pools>,
    failures: Option<FailureLimit>,
    label: String,
}

/// Counts failed authentications per client address (RFC 6585 section 4: 429 with
/// `Retry-After` once a client failed `max` times within `window`). Bounded: when
/// `capacity` addresses are tracked, expired windows are dropped, then new addresses are
/// not tracked (so a spoofing flood cannot grow the table).
struct FailureLimit {
    max: u32,
    window: Duration,
    capacity: usize,
    seen: std::sync::Mutex<std::collections::HashMap<std::net::IpAddr, (u32, std::time::Instant)>>,
}

impl FailureLimit {
    /// The wait left when `ip` is over its limit.
    fn blocked(&self, ip: std::net::IpAddr) -> Option<Duration> {
        let seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        let (count, start) = *seen.get(&ip)?;
        let elapsed = start.elapsed();
        (count >= self.max && elapsed < self.window).then(|| self.window - elapsed)
    }

    fn record(&self, ip: std::net::IpAddr) {
        let now = std::time::Instant::now();
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        if seen.len() >= self.capacity && !seen.contains_key(&ip) {
            seen.retain(|_, (_, start)| now.duration_since(*start) < self.window);
            if seen.len() >= self.capacity {
                return;
            }
        }
        let entry = seen.entry(ip).or_insert((0, now));
        if now.duration_since(entry.1) >= self.window {
            *entry = (0, now);
        }
        entry.0 = entry.0.saturating_add(1);
    }
}

impl std::fmt::Debug for Guard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Guard")
            .field("label", &self.label)
            .field(
                "schemes",
                &self
                    .schemes
                    .iter()
                    .map(|s| s.name().to_owned())
                    .collect::<Vec<_>>(),
            )
            .field("satisfy", &self.satisfy)
            .field("optional", &self.optional)
            .field("proxy", &self.proxy)
            .finish_non_exhaustive()
    }
}

/// Builds a [`Guard`].
#[derive(Debug)]
pub struct GuardBuilder {
    guard: Guard,
}

impl GuardBuilder {
    /// Adds a scheme; offered in the order added (strongest first).
    pub fn scheme(mut self, scheme: Arc<dyn AuthScheme>) -> Self {
        self.guard.schemes.push(scheme);
        self
    }

    /// The `Require` rules (default: `Require valid-user`).
    pub fn rules(mut self, rules: AccessRules) -> Self {
        self.guard.rules = rules;
        self
    }

    /// The mod_ssl access phase and `Satisfy`.
    pub fn cert_access(mut self, cert: CertAccess, satisfy: Satisfy) -> Self {
        self.guard.cert = cert;
        self.guard.satisfy = satisfy;
        self
    }

    /// RFC 8053 optional authentication: anonymous requests are served, with
    /// `Optional-WWW-Authenticate` challenges.
    pub fn optional(mut self, optional: bool) -> Self {
        self.guard.optional = optional;
        self
    }

    /// Authenticate as a proxy (407, `Proxy-Authenticate`, `Proxy-Authorization`).
    pub fn proxy(mut self, proxy: bool) -> Self {
        self.guard.proxy = proxy;
        self
    }

    /// Group membership for `Require group`.
    pub fn groups(mut self, groups: Arc<dyn httpauth_core::GroupStore>) -> Self {
        self.guard.groups = Some(groups);
        self
    }

    /// Shares `pools` (one per scheme) with other guards; by default each guard has its
    /// own.
    pub fn pools(mut self, pools: Arc<Pools>) -> Self {
        self.guard.pools = pools;
        self
    }

    /// Answers 429 to a client address that failed `max` authentications within `window`
    /// (off by default). Failed means wrong credentials, not a missing or stale one.
    pub fn failure_limit(mut self, max: u32, window: Duration) -> Self {
        self.guard.failures = Some(FailureLimit {
            max: max.max(1),
            window,
            capacity: 65_536,
            seen: std::sync::Mutex::new(std::collections::HashMap::new()),
        });
        self
    }

    /// A label for logs (the location path).
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.guard.label = label.into();
        self
    }

    /// The guard.
    pub fn build(self) -> Guard {
        self.guard
    }
}

impl Guard {
    /// A builder with no scheme, `Require valid-user`, `Satisfy all`.
    pub fn builder() -> GuardBuilder {
        GuardBuilder {
            guard: Guard {
                schemes: Vec::new(),
                rules: AccessRules::valid_user(),
                cert: CertAccess::default(),
                satisfy: Satisfy::All,
                optional: false,
                proxy: false,
                groups: None,
                pools: Arc::new(Pools::default()),
                failures: None,
                label: String::new(),
            },
        }
    }

    /// The header field names and status this guard uses (origin or proxy).
    pub fn field_names(&self) -> FieldNames {
        FieldNames::for_proxy(self.proxy)
    }

    /// The schemes, in the order offered.
    pub fn schemes(&self) -> &[Arc<dyn AuthScheme>] {
        &self.schemes
    }

    /// The hash functions whose body digests the scheme named by `credentials` (the raw
    /// field value) needs before [`check`](Self::check): read the body (within a limit)
    /// and set [`RequestFacts::body`] when this is not empty.
    pub fn body_hashes(&self, credentials: Option<&str>) -> Vec<HashFunction> {
        let Some(c) = credentials.and_then(|c| httpauth_headers::parse_credentials(c).ok()) else {
            return Vec::new();
        };
        self.scheme_for(&c)
            .map(|s| s.body_hashes(&c))
            .unwrap_or_default()
    }

    fn scheme_for(&self, c: &Credentials) -> Option<&Arc<dyn AuthScheme>> {
        self.schemes.iter().find(|s| c.is_scheme(s.name()))
    }

    /// Fresh challenges of every scheme, strongest first.
    pub fn challenges(&self, facts: &RequestFacts) -> Vec<Challenge> {
        let ctx = facts.context(self.proxy);
        self.schemes
            .iter()
            .flat_map(|s| s.challenges(&ctx))
            .collect()
    }

    fn access_facts<'a>(
        &'a self,
        facts: &'a RequestFacts,
        headers: &'a [(&'a str, &'a str)],
        user: Option<&'a Principal>,
    ) -> Facts<'a> {
        let mut f = Facts::new(&facts.method).with_user(user);
        f.remote_ip = facts.remote_addr.map(|a| a.ip());
        f.tls = facts.tls.as_deref();
        f.groups = self.groups.as_deref();
        f.policy = facts.policy_request(headers);
        f.remote_host = facts.remote_host.as_deref();
        f
    }

    /// The access phase: `(passes, SSLRequire failed)`.
    fn cert_phase(&self, facts: &RequestFacts) -> (bool, bool) {
        let has_policy = self.cert.ssl_require.is_some();
        let Some(tls) = &facts.tls else {
            return (false, has_policy);
        };
        let Ok(vars) = TlsVars::new(tls) else {
            return (false, has_policy);
        };
        let cert_ok = !self.cert.require_verified || vars.verify_string() == "SUCCESS";
        let headers = facts.header_pairs();
        let ctx = Context::new(Some(&vars)).with_request(facts.policy_request(&headers));
        let policy_ok = self
            .cert
            .ssl_require
            .as_ref()
            .is_none_or(|e| e.allows(&ctx));
        (cert_ok && policy_ok, !policy_ok)
    }

    /// Decides `facts` (whose `credentials` and, if asked for, `body` are set).
    pub async fn check(self: &Arc<Self>, mut facts: Arc<RequestFacts>) -> Decision {
        if facts.remote_host.is_none()
            && self.rules.root().needs_host()
            && let Some(ip) = facts.remote_addr.map(|a| a.ip())
        {
            let name =
                tokio::task::spawn_blocking(move || crate::access::double_reverse_lookup(ip))
                    .await
                    .ok()
                    .flatten();
            if name.is_some() {
                Arc::make_mut(&mut facts).remote_host = name;
            }
        }
        if !self.cert.is_empty() {
            let (passes, policy_failed) = self.cert_phase(&facts);
            match self.satisfy {
                Satisfy::All if !passes => return Decision::Forbidden,
                Satisfy::Any if passes => {
                    // A certificate scheme may still name the user.
                    let principal = self.connection_principal(&facts).await;
                    return allow(principal, AuthParams::new(), None);
                }
                Satisfy::Any if self.cert.strict_require && policy_failed => {
                    return Decision::Forbidden;
                }
                Satisfy::Any if self.schemes.is_empty() => return Decision::Forbidden,
                Satisfy::All | Satisfy::Any => {}
            }
        }
        let headers = facts.header_pairs();
        match self
            .rules
            .before_authentication(&self.access_facts(&facts, &headers, None))
        {
            Verdict::Allow => return allow(None, AuthParams::new(), None),
            Verdict::Forbidden => return Decision::Forbidden,
            Verdict::Error => return Decision::Unavailable { retry_after: None },
            Verdict::Authenticate => {}
        }
        drop(headers);

        let Some(raw) = facts.credentials.clone() else {
            return match self.authenticate_connection(&facts).await {
                Some(outcome) => self.finish(&facts, None, outcome),
                None => self.no_credentials(&facts),
            };
        };
        let parsed = httpauth_headers::parse_credentials(&raw);
        // mod_ssl refuses a spoofed FakeBasicAuth header first thing in its
        // authentication hook, whatever the location offers (issue 13): 403.
        if let Ok(credentials) = &parsed
            && crate::basic::is_fake_basic_spoof(credentials)
        {
            tracing::warn!(guard = %self.label, "encountered FakeBasicAuth spoof: 403");
            return Decision::Forbidden;
        }
        // Then, under FakeBasicAuth, a certificate replaces whatever the client sent
        // (`ssl_hook_UserCheck` overwrites `Authorization`), even unparsable credentials.
        if self.cert.fake_basic_auth
            && facts
                .tls
                .as_ref()
                .is_some_and(|t| !t.peer_certificates.is_empty())
        {
            return match self.authenticate_connection(&facts).await {
                Some(outcome) => self.finish(&facts, None, outcome),
                None => self.no_credentials(&facts),
            };
        }
        let credentials = match parsed {
            Ok(c) => c,
            Err(e) => {
                tracing::info!(guard = %self.label, error = %e, "malformed credentials");
                return Decision::BadRequest;
            }
        };
        let Some(scheme) = self.scheme_for(&credentials).cloned() else {
            // A scheme this guard does not offer: as if none was sent (RFC 7235 section 4.1
            // lets the server answer with the challenges it does support).
            return match self.authenticate_connection(&facts).await {
                Some(outcome) => self.finish(&facts, None, outcome),
                None => self.no_credentials(&facts),
            };
        };
        let ip = facts.remote_addr.map(|a| a.ip());
        if let (Some(limit), Some(ip)) = (&self.failures, ip)
            && let Some(retry_after) = limit.blocked(ip)
        {
            tracing::info!(guard = %self.label, %ip, "too many failed authentications: 429");
            return Decision::TooManyRequests { retry_after };
        }
        let outcome = match self.run(&scheme, &facts, credentials).await {
            Ok(o) => o,
            Err(d) => return d,
        };
        if let (Some(limit), Some(ip), Outcome::Failed(f)) = (&self.failures, ip, &outcome)
            && f.kind() == FailureKind::Unauthorized
        {
            limit.record(ip);
        }
        self.finish(&facts, Some(&scheme), outcome)
    }

    /// Runs `authenticate` where its cost says.
    async fn run(
        &self,
        scheme: &Arc<dyn AuthScheme>,
        facts: &Arc<RequestFacts>,
        credentials: Credentials,
    ) -> Result<Outcome, Decision> {
        let proxy = self.proxy;
        let cost = scheme.cost(&credentials);
        let (s, f) = (Arc::clone(scheme), Arc::clone(facts));
        let job = move || s.authenticate(&f.context(proxy), &credentials);
        self.run_job(scheme, cost, job).await
    }

    async fn run_job<T: Send + 'static>(
        &self,
        scheme: &Arc<dyn AuthScheme>,
        cost: Cost,
        job: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, Decision> {
        match cost {
            Cost::Cheap => Ok(job()),
            Cost::Blocking => tokio::task::spawn_blocking(job)
                .await
                .map_err(|_| Decision::Unavailable { retry_after: None }),
            // A cost added later is treated as the most expensive known one.
            Cost::Cpu | _ => match self.pools.for_scheme(scheme.name()).run(job).await {
                Ok(t) => Ok(t),
                Err(PoolError::Busy { pool, retry_after }) => {
                    tracing::warn!(guard = %self.label, pool, "authentication pool busy: 503");
                    Err(Decision::Unavailable {
                        retry_after: Some(retry_after),
                    })
                }
                Err(_) => Err(Decision::Unavailable { retry_after: None }),
            },
        }
    }

    async fn authenticate_connection(&self, facts: &Arc<RequestFacts>) -> Option<Outcome> {
        facts.tls.as_ref()?;
        for s in &self.schemes {
            let probe = Credentials::new(s.name()).ok()?;
            let cost = s.cost(&probe);
            let (s2, f, proxy) = (Arc::clone(s), Arc::clone(facts), self.proxy);
            let r = self
                .run_job(s, cost, move || {
                    s2.authenticate_connection(&f.context(proxy))
                })
                .await;
            match r {
                Ok(Some(o)) => return Some(o),
                Ok(None) => {}
                Err(_) => {
                    return Some(
                        AuthFailure::new(FailureKind::Unavailable, FailureReason::Store).into(),
                    );
                }
            }
        }
        None
    }

    async fn connection_principal(&self, facts: &Arc<RequestFacts>) -> Option<Principal> {
        match self.authenticate_connection(facts).await {
            Some(Outcome::Authenticated { principal, .. }) => Some(principal),
            _ => None,
        }
    }

    fn finish(
        &self,
        facts: &RequestFacts,
        scheme: Option<&Arc<dyn AuthScheme>>,
        outcome: Outcome,
    ) -> Decision {
        let name = scheme.map_or("connection", |s| s.name());
        match outcome {
            Outcome::Authenticated {
                principal,
                info,
                response,
            } => {
                let headers = facts.header_pairs();
                let verdict = self.rules.after_authentication(&self.access_facts(
                    facts,
                    &headers,
                    Some(&principal),
                ));
                match verdict {
                    Verdict::Allow => {
                        tracing::info!(guard = %self.label, scheme = name, user = %principal.user, "authenticated");
                        allow(Some(principal), info, response)
                    }
                    Verdict::Error => Decision::Unavailable { retry_after: None },
                    Verdict::Authenticate | Verdict::Forbidden => {
                        tracing::info!(guard = %self.label, user = %principal.user, "require denied");
                        Decision::Challenge(self.challenges(facts))
                    }
                }
            }
            Outcome::Continue { challenges } => Decision::Challenge(challenges),
            Outcome::Failed(f) => {
                tracing::info!(guard = %self.label, scheme = name, reason = f.reason().as_str(), "authentication failed");
                match f.kind() {
                    FailureKind::BadRequest => Decision::BadRequest,
                    FailureKind::Unavailable => Decision::Unavailable { retry_after: None },
                    FailureKind::Forbidden => Decision::Forbidden,
                    FailureKind::Unauthorized | FailureKind::Stale => {
                        if self.optional && scheme.is_some_and(|s| s.may_answer_optionally(&f)) {
                            return self.anonymous_optional(facts);
                        }
                        let mut own = f.challenges().to_vec();
                        let ctx = facts.context(self.proxy);
                        let mut all = Vec::new();
                        for s in &self.schemes {
                            let is_this = scheme.is_some_and(|t| Arc::ptr_eq(s, t));
                            if is_this && !own.is_empty() {
                                all.append(&mut own);
                            } else {
                                all.extend(s.challenges(&ctx));
                            }
                        }
                        Decision::Challenge(all)
                    }
                    // A kind added later: fail closed.
                    _ => Decision::Forbidden,
                }
            }
            _ => Decision::Unavailable { retry_after: None },
        }
    }

    fn anonymous_optional(&self, facts: &RequestFacts) -> Decision {
        let ctx = facts.context(self.proxy);
        let optional = self
            .schemes
            .iter()
            .flat_map(|s| s.optional_challenges(&ctx))
            .collect();
        Decision::Allow {
            principal: None,
            info: AuthParams::new(),
            response: None,
            optional,
        }
    }

    fn no_credentials(&self, facts: &RequestFacts) -> Decision {
        if self.optional {
            return self.anonymous_optional(facts);
        }
        Decision::Challenge(self.challenges(facts))
    }
}

fn allow(
    principal: Option<Principal>,
    info: AuthParams,
    response: Option<ResponseBound>,
) -> Decision {
    Decision::Allow {
        principal,
        info,
        response,
        optional: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{AccessRules, BasicScheme, CertUser, CertificateScheme, Require};
    use httpauth_core::{Password, PasswordVerifier};

    struct Users;
    impl PasswordVerifier for Users {
        fn verify_password(
            &self,
            user: &str,
            password: &Password,
        ) -> Result<bool, httpauth_core::Error> {
            Ok(matches!(
                (user, password.expose_secret()),
                ("alice", "wonderland") | ("bob", "builder")
            ))
        }
    }

    fn basic(user: &str, pw: &str) -> Option<String> {
        Some(httpauth_headers::basic::encode(user, pw).unwrap())
    }

    fn facts(credentials: Option<String>) -> Arc<RequestFacts> {
        let mut f = RequestFacts::new("GET", "/x?y", "/x");
        f.authority = "localhost".into();
        f.remote_addr = Some("127.0.0.1:1234".parse().unwrap());
        f.credentials = credentials;
        Arc::new(f)
    }

    fn guard(rules: &[&str]) -> Arc<Guard> {
        let lines = rules.iter().map(|l| Require::parse(l).unwrap()).collect();
        Arc::new(
            Guard::builder()
                .scheme(Arc::new(BasicScheme::new("r", Arc::new(Users))))
                .rules(AccessRules::any(lines).unwrap())
                .build(),
        )
    }

    #[tokio::test]
    async fn statuses_follow_httpd() {
        let g = guard(&["user alice"]);
        let head = |d: &Decision| d.response_head(g.field_names());
        let d = g.check(facts(None)).await;
        assert_eq!(head(&d).status, Some(401));
        assert!(
            head(&d)
                .headers
                .iter()
                .any(|(n, v)| *n == "www-authenticate" && v.starts_with("Basic realm=\"r\""))
        );
        let d = g.check(facts(basic("alice", "wonderland"))).await;
        assert!(matches!(&d, Decision::Allow { principal: Some(p), .. } if p.user == "alice"));
        assert_eq!(head(&d).status, None);
        assert!(
            head(&d)
                .headers
                .contains(&("cache-control", "no-store".to_owned()))
        );
        // An authenticated user the rules refuse: 401 with fresh challenges.
        let d = g.check(facts(basic("bob", "builder"))).await;
        assert_eq!(head(&d).status, Some(401));
        // Wrong password.
        assert_eq!(
            head(&g.check(facts(basic("alice", "x"))).await).status,
            Some(401)
        );
        // Malformed credentials.
        assert_eq!(
            head(&g.check(facts(Some("Basic !!!".into()))).await).status,
            Some(400)
        );
        // FakeBasicAuth spoof.
        assert_eq!(
            head(&g.check(facts(basic("/CN=alice", "password"))).await).status,
            Some(403)
        );
        // Host rule that no user can change: 403 before credentials.
        let g = guard(&["ip 10.0.0.0/8"]);
        assert_eq!(
            g.check(facts(None))
                .await
                .response_head(g.field_names())
                .status,
            Some(403)
        );
    }

    /// mod_ssl's spoof check runs whatever the location offers: a guard without Basic
    /// answers a FakeBasicAuth-shaped Basic header 403 too, not 401.
    #[tokio::test]
    async fn fake_basic_spoof_is_403_where_basic_is_not_offered() {
        let g = Arc::new(
            Guard::builder()
                .scheme(Arc::new(CertificateScheme::new(CertUser::Variable(
                    "SSL_CLIENT_S_DN_CN".into(),
                ))))
                .optional(true)
                .build(),
        );
        let spoof = basic("/C=DE/O=Example Org/CN=alice", "password");
        let d = g.check(facts(spoof)).await;
        assert_eq!(d.response_head(g.field_names()).status, Some(403));
        // A DN with another password, or the password with a plain name: not a spoof.
        assert_ne!(
            g.check(facts(basic("/CN=alice", "secret")))
                .await
                .response_head(g.field_names())
                .status,
            Some(403)
        );
        assert!(!crate::basic::is_fake_basic_spoof(
            &httpauth_headers::parse_credentials(&basic("alice", "password").unwrap()).unwrap()
        ));
        // No authentication needed (all granted): no check, as in httpd.
        let open = guard(&["all granted"]);
        assert!(matches!(
            open.check(facts(basic("/CN=alice", "password"))).await,
            Decision::Allow { .. }
        ));
    }

    #[tokio::test]
    async fn never_401_without_a_challenge() {
        // A guard whose only scheme cannot be challenged for (a certificate).
        let g = Arc::new(
            Guard::builder()
                .scheme(Arc::new(CertificateScheme::new(CertUser::Variable(
                    "SSL_CLIENT_S_DN_CN".into(),
                ))))
                .build(),
        );
        let d = g.check(facts(None)).await;
        assert!(matches!(d, Decision::Challenge(ref cs) if cs.is_empty()));
        let head = d.response_head(g.field_names());
        assert_eq!(head.status, Some(403));
        assert!(head.headers.is_empty());
        // The mapping itself, for any empty challenge list.
        assert_eq!(
            Decision::Challenge(Vec::new())
                .response_head(FieldNames::ORIGIN)
                .status,
            Some(403)
        );
    }

    #[tokio::test]
    async fn proxy_mode_uses_407_and_proxy_fields() {
        let g = Arc::new(
            Guard::builder()
                .scheme(Arc::new(BasicScheme::new("r", Arc::new(Users))))
                .proxy(true)
                .build(),
        );
        let head = g.check(facts(None)).await.response_head(g.field_names());
        assert_eq!(head.status, Some(407));
        assert!(head.headers.iter().all(|(n, _)| *n == "proxy-authenticate"));
        assert_eq!(g.field_names().credentials, "proxy-authorization");
    }

    #[tokio::test]
    async fn failure_limit_answers_429_per_client() {
        let g = Arc::new(
            Guard::builder()
                .scheme(Arc::new(BasicScheme::new("r", Arc::new(Users))))
                .failure_limit(3, Duration::from_secs(60))
                .build(),
        );
        for _ in 0..3 {
            let d = g.check(facts(basic("alice", "wrong"))).await;
            assert_eq!(d.response_head(g.field_names()).status, Some(401));
        }
        let head = g
            .check(facts(basic("alice", "wonderland")))
            .await
            .response_head(g.field_names());
        assert_eq!(head.status, Some(429));
        assert!(head.headers.iter().any(|(n, _)| *n == "retry-after"));
        // Another client is unaffected.
        let mut other = (*facts(basic("alice", "wonderland"))).clone();
        other.remote_addr = Some("127.0.0.2:1".parse().unwrap());
        assert!(matches!(
            g.check(Arc::new(other)).await,
            Decision::Allow { .. }
        ));
    }

    /// A scheme whose `slow` credentials are CPU work that waits for a release (a key
    /// exchange), and whose other credentials are cheap (a request on a session).
    struct Gate(std::sync::Mutex<std::sync::mpsc::Receiver<()>>);

    impl AuthScheme for Gate {
        fn name(&self) -> &str {
            "Gate"
        }
        fn challenges(&self, _: &RequestContext<'_>) -> Vec<Challenge> {
            vec![Challenge::new("Gate").unwrap()]
        }
        fn cost(&self, c: &Credentials) -> Cost {
            match c.param_list().and_then(|ps| ps.get("slow")) {
                Some(_) => Cost::Cpu,
                None => Cost::Cheap,
            }
        }
        fn authenticate(&self, _: &RequestContext<'_>, c: &Credentials) -> Outcome {
            if self.cost(c) == Cost::Cpu {
                let _ = self.0.lock().unwrap().recv();
            }
            Outcome::Authenticated {
                principal: Principal::new("alice", "Gate", None),
                info: AuthParams::new(),
                response: None,
            }
        }
    }

    /// Issue 19: with the scheme's pool running a key exchange and its queue full, a
    /// request on an established session (cheap) is still decided at once: it never
    /// enters the pool. (Not timed: the slow jobs are provably still held.)
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn cheap_requests_never_wait_on_the_pool() {
        let (release, gate) = std::sync::mpsc::channel();
        let pools = Arc::new(Pools::new(
            crate::pool::PoolLimits::new(1).with_max_queue(1),
        ));
        let g = Arc::new(
            Guard::builder()
                .scheme(Arc::new(Gate(std::sync::Mutex::new(gate))))
                .pools(Arc::clone(&pools))
                .build(),
        );
        let slow = || facts(Some("Gate slow=1".into()));
        let mut held = Vec::new();
        for _ in 0..2 {
            let g = Arc::clone(&g);
            let f = slow();
            held.push(tokio::spawn(async move { g.check(f).await }));
        }
        // One running (blocked in the gate), one waiting: the pool is full.
        while pools.for_scheme("Gate").waiting() < 1 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        assert!(matches!(
            g.check(slow()).await,
            Decision::Unavailable {
                retry_after: Some(_)
            }
        ));
        let cheap = g.check(facts(Some("Gate fast=1".into()))).await;
        assert!(matches!(&cheap, Decision::Allow { principal: Some(p), .. } if p.user == "alice"));
        assert!(
            held.iter().all(|h| !h.is_finished()),
            "the key exchanges were still held"
        );
        for _ in 0..2 {
            release.send(()).unwrap();
        }
        for h in held {
            assert!(matches!(h.await.unwrap(), Decision::Allow { .. }));
        }
    }

    #[test]
    fn busy_pool_sends_retry_after() {
        let d = Decision::Unavailable {
            retry_after: Some(Duration::from_secs(2)),
        };
        let head = d.response_head(FieldNames::ORIGIN);
        assert_eq!(head.status, Some(503));
        assert_eq!(head.headers, vec![("retry-after", "2".to_owned())]);
    }

    #[tokio::test]
    async fn optional_guard_serves_anonymous_with_optional_challenges() {
        let g = Arc::new(
            Guard::builder()
                .scheme(Arc::new(BasicScheme::new("r", Arc::new(Users))))
                .optional(true)
                .build(),
        );
        let d = g.check(facts(None)).await;
        let head = d.response_head(g.field_names());
        assert_eq!(head.status, None);
        assert!(
            head.headers
                .iter()
                .any(|(n, _)| *n == "optional-www-authenticate")
        );
    }
}
