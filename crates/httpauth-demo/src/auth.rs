//! Per-location access decisions: configuration to the front crate's [`httpauth::Guard`].
//!
//! The demo holds each location's schemes as `Vec<Arc<dyn AuthScheme>>` behind one
//! guard and has no authentication or access-control logic of its own: the order of
//! Apache's phases, `Satisfy`, `Require` and the 401/403 choice are the front crate's
//! (`httpauth::guard`, `httpauth::access`).

use crate::Error;
use crate::config::{LocationConfig, Satisfy, SchemeKind};
use authfile::{FileCache, GroupFile, HtdigestFile, HtmutualFile, HtpasswdFile, VerifyPolicy};
use httpauth::{BasicScheme, CertUser, CertificateScheme, CredentialCache, Guard};
use httpauth_core::{
    AuthParams, AuthScheme, Challenge, PasswordVerifier, Principal, ResponseBound, TlsInfo,
};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;

/// The RFC 8121 algorithms a location offers by default, in the demo's order of
/// preference (cheapest handshake first). Names and parameters come from mutual-core's one
/// table ([`mutual_core::AlgorithmId`]); this is only the demo's choice of order.
pub const MUTUAL_ALGORITHMS: [mutual_core::AlgorithmId; 4] = [
    mutual_core::AlgorithmId::IsoKam3EcP256Sha256,
    mutual_core::AlgorithmId::IsoKam3Dl2048Sha256,
    mutual_core::AlgorithmId::IsoKam3EcP521Sha512,
    mutual_core::AlgorithmId::IsoKam3Dl4096Sha512,
];

/// The `mutual-core` algorithm for a token.
pub fn mutual_algorithm(token: &str) -> Option<&'static dyn mutual_core::Algorithm> {
    mutual_core::algorithm_by_token(token).ok()
}

/// The owned facts of one request, so that scheme calls can move to the blocking pool.
#[derive(Debug, Clone)]
pub struct RequestFacts {
    /// Method.
    pub method: String,
    /// Request-target as received (what a Digest `uri` parameter is compared with,
    /// RFC 7616 section 3.4.6).
    pub target: String,
    /// The decoded, normalised path ([`httpauth::path::NormalizedPath::as_str`]): what
    /// `Require expr` and `SSLRequire` see as `REQUEST_URI`, as httpd's `r->uri`.
    pub path: String,
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
    /// The normalised path: what the location was chosen on.
    fn path(&self) -> &str {
        &self.path
    }

    /// The front crate's view of this request, with `credentials`.
    fn guard_facts(&self, credentials: Option<String>) -> httpauth::RequestFacts {
        let mut f = httpauth::RequestFacts::new(&self.method, &self.target, self.path());
        f.scheme = self.scheme;
        f.authority = self.authority.clone();
        f.remote_addr = self.remote_addr;
        f.tls = self.tls.clone();
        f.headers = self.headers.clone();
        f.body = self
            .body
            .clone()
            .map(|b| b as Arc<dyn httpauth_core::BodyDigest>);
        f.credentials = credentials;
        f
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
        /// `Authentication-Info` still to be finished over the response body (Digest
        /// `qop=auth-int`); `info` then holds the other parameters.
        rspauth: Option<PendingRspauth>,
        /// `info` may go into a `100 Continue` instead of the final response (Mutual,
        /// RFC 8120 section 4.5; [`httpauth::Decision::interim_info`]).
        interim: bool,
    },
    /// 401 with these challenges.
    Unauthorized(Vec<Challenge>),
    /// 403.
    Forbidden,
    /// 400.
    BadRequest,
    /// 503.
    Unavailable,
    /// 503 with `Retry-After`: the pool for expensive authentication work is full.
    Busy(Duration),
    /// 429 with `Retry-After`: this client failed too often.
    TooMany(Duration),
}

/// `Authentication-Info` that covers the response body (RFC 7616 section 3.5: with
/// `qop=auth-int`, `rspauth` is computed over `H(entity-body)`), finished once the body is
/// known.
pub struct PendingRspauth(ResponseBound);

impl std::fmt::Debug for PendingRspauth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("PendingRspauth").field(&self.0).finish()
    }
}

impl PendingRspauth {
    /// The complete `Authentication-Info` parameters for a response whose body (as sent:
    /// empty for `HEAD`) is `response_body`.
    pub fn authentication_info(&self, response_body: &[u8]) -> AuthParams {
        self.0.finish(response_body)
    }
}

/// One location's runtime: its guard.
pub struct LocationAuth {
    /// Its configuration.
    pub config: LocationConfig,
    guard: Arc<Guard>,
}

impl std::fmt::Debug for LocationAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocationAuth")
            .field("path", &self.config.path)
            .field("guard", &self.guard)
            .finish()
    }
}

/// How often an unchanged password, digest, htmutual or group file is `stat`ed: at most
/// once a millisecond instead of on every request (a path walk, several percent of a
/// Digest request's time), so an edit shows at most a millisecond late.
const FILE_RECHECK: Duration = Duration::from_millis(1);

fn config_error(config: &LocationConfig, directive: &str, message: String) -> Error {
    Error::Config {
        file: "(location)".into(),
        line: config.line,
        directive: directive.into(),
        message,
    }
}

/// Logs what a password or group file reports: a version broken at run time (its
/// `path:line`, requests then fail closed with 503), a policy warning (a DES entry), a
/// reload; with the location and directive that named the file.
fn file_reporter(config: &LocationConfig, directive: &'static str) -> authfile::Reporter {
    let location = config.path.clone();
    Arc::new(move |e: &authfile::FileEvent<'_>| match e {
        authfile::FileEvent::LoadFailed(_) => {
            tracing::error!(%location, directive, "{e}: requests answered 503 until the file is fixed");
        }
        authfile::FileEvent::Reloaded(_) => tracing::info!(%location, directive, "{e}"),
        _ => tracing::warn!(%location, directive, "{e}"),
    })
}

impl LocationAuth {
    /// Opens the location's files (they reload when they change) and builds its guard.
    ///
    /// # Errors
    /// A file that cannot be read or parsed; a Digest configuration error.
    pub fn build(
        config: LocationConfig,
        shared: &crate::store::SharedState,
    ) -> Result<Self, Error> {
        let sessions = shared.for_location(&config.path);
        let users: Option<Arc<dyn PasswordVerifier>> = match &config.user_file {
            Some(p) => {
                let policy = VerifyPolicy::default().with_des(config.allow_des);
                if config.allow_des {
                    tracing::warn!(
                        location = %config.path,
                        file = %p.display(),
                        "location.allow_des: DES-crypt entries are verified; only the first 8 bytes of such a password count"
                    );
                }
                Some(Arc::new(
                    FileCache::<HtpasswdFile>::htpasswd(p.clone(), policy)?
                        .with_recheck_interval(FILE_RECHECK)
                        .with_reporter(file_reporter(&config, "location.user_file")),
                ))
            }
            None => None,
        };
        let mut schemes: Vec<Arc<dyn AuthScheme>> = Vec::new();
        for kind in &config.schemes {
            let scheme: Arc<dyn AuthScheme> = match kind {
                SchemeKind::Basic => {
                    let Some(u) = &users else {
                        return Err(config_error(
                            &config,
                            "location.user_file",
                            "Basic needs a user_file".into(),
                        ));
                    };
                    let basic = BasicScheme::new(config.realm.clone(), Arc::clone(u))
                        .with_inline_limit(config.basic_inline_limit);
                    match config.authn_cache {
                        Some(c) => Arc::new(basic.with_cache(
                            CredentialCache::new(c.timeout, c.entries).map_err(|e| {
                                config_error(
                                    &config,
                                    "location.authn_cache_timeout",
                                    format!("no key for the credential cache: {e}"),
                                )
                            })?,
                        )),
                        None => Arc::new(basic),
                    }
                }
                SchemeKind::Digest => {
                    let Some(p) = &config.digest_file else {
                        return Err(config_error(
                            &config,
                            "location.digest_file",
                            "Digest needs a digest_file".into(),
                        ));
                    };
                    let store = Arc::new(
                        FileCache::<HtdigestFile>::htdigest(p.clone())?
                            .with_recheck_interval(FILE_RECHECK)
                            .with_reporter(file_reporter(&config, "location.digest_file")),
                    );
                    let mut builder =
                        digest_auth::DigestServer::builder(config.realm.clone(), store)
                            .session_store(Arc::clone(&sessions));
                    if let Some(key) = shared.digest_nonce_key(&config.path) {
                        builder = builder.nonce_key(key);
                    }
                    Arc::new(
                        builder
                            .algorithms(&config.digest_algorithms)
                            // RFC 7616 section 3.3: `qop="auth, auth-int"`. The server reads
                            // the body (up to max_body_bytes) before authenticating a request
                            // whose credentials chose auth-int; see `wants_body_digest`.
                            .qops(&[digest_auth::Qop::Auth, digest_auth::Qop::AuthInt])
                            .build()
                            .map_err(|e| {
                                config_error(&config, "location.digest_algorithms", e.to_string())
                            })?,
                    )
                }
                SchemeKind::Mutual => {
                    let Some(p) = &config.mutual_file else {
                        return Err(config_error(
                            &config,
                            "location.mutual_file",
                            "Mutual needs a mutual_file".into(),
                        ));
                    };
                    let store = Arc::new(
                        FileCache::<HtmutualFile>::htmutual(p.clone())?
                            .with_recheck_interval(FILE_RECHECK)
                            .with_reporter(file_reporter(&config, "location.mutual_file")),
                    );
                    let algs: Vec<&'static dyn mutual_core::Algorithm> = config
                        .mutual_algorithms
                        .iter()
                        .filter_map(|a| mutual_algorithm(a))
                        .collect();
                    let cfg = mutual_core::server::ServerConfig::new(config.realm.clone())
                        .with_algorithms(&algs);
                    Arc::new(mutual_core::server::MutualServer::with_store(
                        cfg,
                        store,
                        Arc::clone(&sessions),
                    ))
                }
            };
            schemes.push(scheme);
        }
        if config.fake_basic_auth {
            let Some(u) = &users else {
                return Err(config_error(
                    &config,
                    "location.user_file",
                    "fake_basic_auth needs a user_file".into(),
                ));
            };
            schemes.push(Arc::new(CertificateScheme::new(CertUser::FakeBasicAuth(
                Arc::clone(u),
            ))));
        } else if config.satisfy == Satisfy::Any && config.client_certificate {
            // `Satisfy any` granted by the certificate names its CN as the principal.
            schemes.push(Arc::new(CertificateScheme::common_name()));
        }
        let rules = httpauth::AccessRules::any(config.require.clone())
            .map_err(|e| config_error(&config, "location.require", e.to_string()))?;
        let mut cert = httpauth::CertAccess::default();
        cert.require_verified = config.client_certificate;
        cert.ssl_require = config.ssl_require.clone();
        cert.strict_require = config.strict_require;
        cert.fake_basic_auth = config.fake_basic_auth;
        let satisfy = match config.satisfy {
            Satisfy::All => httpauth::Satisfy::All,
            Satisfy::Any => httpauth::Satisfy::Any,
        };
        let mut builder = Guard::builder()
            .label(config.path.clone())
            .rules(rules)
            .cert_access(cert, satisfy)
            .optional(config.optional)
            .pools(shared.pools());
        if let Some(p) = &config.group_file {
            builder = builder.groups(Arc::new(
                FileCache::<GroupFile>::group(p.clone())?
                    .with_recheck_interval(FILE_RECHECK)
                    .with_reporter(file_reporter(&config, "location.group_file")),
            ));
        }
        for s in schemes {
            builder = builder.scheme(s);
        }
        Ok(Self {
            guard: Arc::new(builder.build()),
            config,
        })
    }

    /// True when the scheme that `authorization` (the raw field value) names needs the
    /// request body's digests before [`decide`] (Digest `qop=auth-int`, RFC 7616 section
    /// 3.4.3). Other requests are authenticated from the head alone, so no body is read
    /// for an unauthenticated client.
    pub fn wants_body_digest(&self, authorization: Option<&str>) -> bool {
        // Only Digest's `qop=auth-int` (RFC 7616 section 3.4.3) covers the body, and
        // credentials that choose it name it: the others need no second parse here.
        authorization.is_some_and(|a| {
            a.as_bytes()
                .windows(b"auth-int".len())
                .any(|w| w.eq_ignore_ascii_case(b"auth-int"))
        }) && !self.guard.body_hashes(authorization).is_empty()
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

    /// Fresh challenges of every offered scheme, strongest first.
    pub fn challenges(&self, facts: &RequestFacts) -> Vec<Challenge> {
        self.guard.challenges(&facts.guard_facts(None))
    }
}

/// Decides a request for `location`; `authorization` is the raw field value. Expensive
/// scheme work runs on the guard's bounded per-scheme pools (`server.kex_concurrency`
/// jobs at once each).
pub async fn decide(
    location: Arc<LocationAuth>,
    facts: Arc<RequestFacts>,
    authorization: Option<String>,
    _heavy: Arc<Semaphore>,
) -> Decision {
    let f = Arc::new(facts.guard_facts(authorization));
    let decision = location.guard.check(f).await;
    let interim = decision
        .interim_info(httpauth_core::FieldNames::ORIGIN)
        .is_some();
    match decision {
        httpauth::Decision::Allow {
            principal,
            info,
            response,
            optional,
        } => Decision::Allow {
            principal,
            info,
            optional,
            rspauth: response.map(PendingRspauth),
            interim,
        },
        httpauth::Decision::Challenge(cs) if cs.is_empty() => Decision::Forbidden,
        httpauth::Decision::Challenge(cs) => Decision::Unauthorized(cs),
        httpauth::Decision::Forbidden => Decision::Forbidden,
        httpauth::Decision::BadRequest => Decision::BadRequest,
        httpauth::Decision::Unavailable {
            retry_after: Some(d),
        } => Decision::Busy(d),
        httpauth::Decision::TooManyRequests { retry_after } => Decision::TooMany(retry_after),
        _ => Decision::Unavailable,
    }
}
