//! The Digest server: challenges, verification, `Authentication-Info` (RFC 7616 sections
//! 3.3 to 3.5), as an [`AuthScheme`].

use crate::compute::{self, DigestInput, Qop, hex, unhex};
use crate::nonce::{NonceKey, NonceStatus};
use crate::{ALL_ALGORITHMS, BodyHasher};
use crate::{Algorithm, DEFAULT_ALGORITHMS, Error};
use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use httpauth_core::store::{GenerationCheck, MAX_COUNT_WINDOW};
use httpauth_core::{
    AuthFailure, AuthParam, AuthParams, AuthScheme, Challenge, Clock, Cost, CountCheck,
    CredentialQuery, CredentialStore, Credentials, FailureKind, FailureReason, HashFunction,
    MemoryStore, Outcome, Password, Principal, RequestContext, ResponseBound, ResponseInfo,
    SecretBytes, SessionStore, StoredCredential, SystemClock,
};
use std::sync::Arc;
use std::time::Duration;
use subtle::ConstantTimeEq;

/// Default nonce lifetime: 300 seconds.
pub const DEFAULT_NONCE_LIFETIME: Duration = Duration::from_secs(300);
/// Default: a `nextnonce` is sent when less than this much lifetime is left.
pub const DEFAULT_NEXTNONCE_BEFORE: Duration = Duration::from_secs(60);
/// Default tolerance for nonces minted by an instance whose clock runs ahead.
pub const DEFAULT_MAX_SKEW: Duration = Duration::from_secs(10);
/// Default size of the per-nonce `nc` window: how far out of order parallel requests
/// may arrive.
pub const DEFAULT_COUNT_WINDOW: u32 = 128;
/// The longest `username` accepted, in bytes.
pub const MAX_USERNAME_LEN: usize = 1024;
/// The longest `uri` accepted, in bytes.
pub const MAX_URI_LEN: usize = 8192;
/// The longest `cnonce` accepted, in bytes.
pub const MAX_CNONCE_LEN: usize = 256;
/// The longest `realm` and `opaque` accepted, in bytes.
pub const MAX_REALM_LEN: usize = 1024;

/// Builds a [`DigestServer`].
pub struct DigestServerBuilder {
    realm: String,
    credentials: Arc<dyn CredentialStore>,
    /// `None`: not configured, derived from the credential store at build.
    algorithms: Option<Vec<Algorithm>>,
    qops: Vec<Qop>,
    rfc2069: bool,
    userhash: bool,
    domain: Vec<String>,
    opaque: Option<String>,
    lifetime: Duration,
    nextnonce_before: Duration,
    max_skew: Duration,
    window: u32,
    key: Option<NonceKey>,
    clock: Option<Arc<dyn Clock>>,
    sessions: Option<Arc<dyn SessionStore>>,
}

impl core::fmt::Debug for DigestServerBuilder {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("DigestServerBuilder")
            .field("realm", &self.realm)
            .field("algorithms", &self.algorithms)
            .field("qops", &self.qops)
            .finish_non_exhaustive()
    }
}

impl DigestServerBuilder {
    /// The algorithms to offer, one challenge each, sorted strongest first (RFC 7616
    /// section 3.7; among equally strong ones in the order given).
    ///
    /// Default: what the credential store can answer
    /// ([`CredentialStore::digest_hashes`]): [`DEFAULT_ALGORITHMS`] for a store that can
    /// answer any hash, else the plain (not `-sess`) algorithms of the hashes it holds
    /// (MD5 only for an Apache htdigest file). Configured explicitly, every algorithm must
    /// be answerable by the store, or [`build`](Self::build) fails.
    pub fn algorithms(mut self, algorithms: &[Algorithm]) -> Self {
        self.algorithms = Some(algorithms.to_vec());
        self
    }

    /// The qop values to offer. Default `auth` only: `auth-int` (RFC 7616 section 3.4.3)
    /// needs the request body hashed before authentication, which a server does only
    /// when asked to through [`AuthScheme::body_hashes`]; enable it explicitly.
    pub fn qops(mut self, qops: &[Qop]) -> Self {
        self.qops = qops.to_vec();
        self
    }

    /// **Legacy**: also accept RFC 2069 responses (no `qop`, no `cnonce`, no `nc`).
    /// Such responses carry no nonce count, so each nonce is then accepted once only and
    /// a reuse is answered `stale=true`. When no qop is configured, challenges carry no
    /// `qop` parameter. Default off.
    pub fn allow_rfc2069_legacy(mut self, allow: bool) -> Self {
        self.rfc2069 = allow;
        self
    }

    /// Offer `userhash=true` and accept hashed user names (RFC 7616 section 3.4.4).
    pub fn userhash(mut self, enable: bool) -> Self {
        self.userhash = enable;
        self
    }

    /// The protection space URIs of the `domain` parameter (RFC 7616 section 3.3).
    pub fn domain(mut self, uris: &[&str]) -> Self {
        self.domain = uris.iter().map(|s| (*s).to_owned()).collect();
        self
    }

    /// A fixed `opaque` value. Default: derived from the nonce key and the realm, so
    /// instances sharing the key agree.
    pub fn opaque(mut self, opaque: impl Into<String>) -> Self {
        self.opaque = Some(opaque.into());
        self
    }

    /// Nonce lifetime (default 300 s).
    pub fn nonce_lifetime(mut self, lifetime: Duration) -> Self {
        self.lifetime = lifetime;
        self
    }

    /// Send `nextnonce` in `Authentication-Info` when less than this lifetime is left
    /// (default 60 s; zero disables it).
    pub fn nextnonce_before(mut self, before: Duration) -> Self {
        self.nextnonce_before = before;
        self
    }

    /// How far ahead of this server's clock a nonce's timestamp may be (default 10 s).
    pub fn max_clock_skew(mut self, skew: Duration) -> Self {
        self.max_skew = skew;
        self
    }

    /// Size of the per-nonce `nc` window (default 128, at most
    /// [`MAX_COUNT_WINDOW`]).
    pub fn count_window(mut self, window: u32) -> Self {
        self.window = window;
        self
    }

    /// The nonce key. Default: a random key (nonces do not survive a restart and are not
    /// accepted by other instances).
    pub fn nonce_key(mut self, key: NonceKey) -> Self {
        self.key = Some(key);
        self
    }

    /// The clock. Default: the system clock.
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// The store of nonce-count windows. Default: a [`MemoryStore`] with default limits
    /// reading the same clock.
    pub fn session_store(mut self, store: Arc<dyn SessionStore>) -> Self {
        self.sessions = Some(store);
        self
    }

    /// Checks the configuration and builds the server.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] for an empty or unquotable realm, no algorithm, no qop
    /// without RFC 2069 mode, a zero lifetime, a window outside `1..=4096`, a bad
    /// `domain` or `opaque`; [`Error::AlgorithmsNotInStore`] when an algorithm (configured,
    /// or every default) has no `HA1` in the credential store; [`Error::Random`] if a key
    /// must be generated and cannot.
    pub fn build(self) -> Result<DigestServer, Error> {
        use httpauth_core::syntax::is_quotable;
        if self.realm.is_empty() || self.realm.len() > MAX_REALM_LEN || !is_quotable(&self.realm) {
            return Err(Error::InvalidConfig(
                "realm must be non-empty quotable text",
            ));
        }
        let held = self.credentials.digest_hashes();
        let answerable = |a: &Algorithm| held.as_ref().is_none_or(|h| h.contains(&a.hash()));
        let configured = match self.algorithms {
            Some(a) if a.is_empty() => {
                return Err(Error::InvalidConfig("no algorithm configured"));
            }
            Some(a) => {
                let missing: Vec<Algorithm> =
                    a.iter().copied().filter(|a| !answerable(a)).collect();
                if !missing.is_empty() {
                    return Err(not_in_store(missing, held.as_deref(), &*self.credentials));
                }
                a
            }
            None if held.is_none() => DEFAULT_ALGORITHMS.to_vec(),
            None => {
                let a: Vec<Algorithm> = ALL_ALGORITHMS
                    .iter()
                    .copied()
                    .filter(|a| !a.is_sess() && answerable(a))
                    .collect();
                if a.is_empty() {
                    return Err(not_in_store(
                        DEFAULT_ALGORITHMS.to_vec(),
                        held.as_deref(),
                        &*self.credentials,
                    ));
                }
                a
            }
        };
        if self.qops.is_empty() && !self.rfc2069 {
            return Err(Error::InvalidConfig(
                "no qop configured and RFC 2069 mode off",
            ));
        }
        if self.lifetime.is_zero() {
            return Err(Error::InvalidConfig("nonce lifetime is zero"));
        }
        if !(1..=MAX_COUNT_WINDOW).contains(&self.window) {
            return Err(Error::InvalidConfig("count window outside 1..=4096"));
        }
        if self
            .domain
            .iter()
            .any(|d| d.is_empty() || d.contains([' ', '\t']) || !is_quotable(d))
        {
            return Err(Error::InvalidConfig(
                "domain URIs must be non-empty, without spaces",
            ));
        }
        let mut algorithms: Vec<Algorithm> = Vec::new();
        for a in configured {
            if !algorithms.contains(&a) {
                algorithms.push(a);
            }
        }
        // Strongest first (RFC 7616 section 3.7); a stable sort keeps the given order
        // among equally strong ones (plain and -sess of one hash).
        algorithms.sort_by_key(|a| a.strength_rank());
        let mut qops: Vec<Qop> = Vec::new();
        for q in self.qops {
            if !qops.contains(&q) {
                qops.push(q);
            }
        }
        let key = match self.key {
            Some(k) => k,
            None => NonceKey::generate()?,
        };
        let opaque = match self.opaque {
            Some(o) => {
                if o.len() > MAX_REALM_LEN || !is_quotable(&o) {
                    return Err(Error::InvalidConfig("opaque must be quotable text"));
                }
                o
            }
            None => {
                let mut label = b"opaque:".to_vec();
                label.extend_from_slice(self.realm.as_bytes());
                URL_SAFE_NO_PAD.encode(key.derive(&label))
            }
        };
        let decoy = Password::new(hex(&key.derive(b"decoy password")));
        let clock = self.clock.unwrap_or_else(|| Arc::new(SystemClock));
        let sessions = self.sessions.unwrap_or_else(|| {
            Arc::new(MemoryStore::with_clock(
                Default::default(),
                Arc::clone(&clock),
            ))
        });
        Ok(DigestServer {
            realm: self.realm,
            credentials: self.credentials,
            algorithms,
            qops,
            rfc2069: self.rfc2069,
            userhash: self.userhash,
            domain: self.domain.join(" "),
            opaque,
            lifetime: self.lifetime,
            nextnonce_before: self.nextnonce_before,
            max_skew: self.max_skew,
            window: self.window,
            key,
            decoy,
            clock,
            sessions,
        })
    }
}

fn hash_name(h: HashFunction) -> &'static str {
    match h {
        HashFunction::Md5 => "MD5",
        HashFunction::Sha256 => "SHA-256",
        HashFunction::Sha512_256 => "SHA-512-256",
        HashFunction::Sha512 => "SHA-512",
        _ => "another hash",
    }
}

/// The error of a builder whose algorithms the credential store cannot answer.
fn not_in_store(
    missing: Vec<Algorithm>,
    held: Option<&[HashFunction]>,
    store: &dyn CredentialStore,
) -> Error {
    let held: Vec<&str> = held
        .unwrap_or_default()
        .iter()
        .map(|h| hash_name(*h))
        .collect();
    Error::AlgorithmsNotInStore {
        algorithms: missing
            .iter()
            .map(|a| a.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        held: if held.is_empty() {
            "no hash".to_owned()
        } else {
            held.join(", ")
        },
        store: store
            .description()
            .unwrap_or_else(|| "(unnamed)".to_owned()),
    }
}

/// An RFC 7616 Digest server for one realm.
///
/// Implements [`AuthScheme`]: [`challenges`](AuthScheme::challenges) returns one challenge
/// per configured algorithm; [`authenticate`](AuthScheme::authenticate) verifies an
/// `Authorization` and answers with `Authentication-Info` parameters, an opaque failure,
/// `stale=true` challenges, or 400 for a `uri` that is not the request-target.
/// [`verify`](Self::verify) is the lower layer that also serves `auth-int` responses.
pub struct DigestServer {
    realm: String,
    credentials: Arc<dyn CredentialStore>,
    algorithms: Vec<Algorithm>,
    qops: Vec<Qop>,
    rfc2069: bool,
    userhash: bool,
    domain: String,
    opaque: String,
    lifetime: Duration,
    nextnonce_before: Duration,
    max_skew: Duration,
    window: u32,
    key: NonceKey,
    /// Password hashed for unknown users so that they cost what known users cost.
    decoy: Password,
    clock: Arc<dyn Clock>,
    sessions: Arc<dyn SessionStore>,
}

impl core::fmt::Debug for DigestServer {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("DigestServer")
            .field("realm", &self.realm)
            .field("algorithms", &self.algorithms)
            .field("qops", &self.qops)
            .field("rfc2069", &self.rfc2069)
            .field("userhash", &self.userhash)
            .field("lifetime", &self.lifetime)
            .finish_non_exhaustive()
    }
}

/// The parameters of a Digest `Authorization`, borrowed from the credentials.
///
/// ```text
/// credentials      = "Digest" digest-response
/// digest-response  = 1#( username | realm | nonce | digest-uri | response
///                      | [ algorithm ] | [ cnonce ] | [ opaque ] | [ message-qop ]
///                      | [ nonce-count ] | [ userhash ] | [ auth-param ] )
/// nonce-count      = "nc" EQUAL nc-value ; nc-value = 8LHEX
/// ```
/// (RFC 7616 section 3.4, RFC 2617 section 3.2.2.) Duplicate names cannot occur:
/// [`AuthParams`] refuses them, and counts `username` and `username*` as one.
struct Response<'a> {
    username: &'a str,
    realm: &'a str,
    nonce: &'a str,
    uri: &'a str,
    response: &'a str,
    algorithm: Algorithm,
    cnonce: Option<&'a str>,
    opaque: Option<&'a str>,
    qop: Option<(Qop, u32)>,
    userhash: bool,
}

fn fail(kind: FailureKind, reason: FailureReason) -> AuthFailure {
    AuthFailure::new(kind, reason)
}

fn malformed() -> AuthFailure {
    fail(FailureKind::BadRequest, FailureReason::Malformed)
}

fn disallowed() -> AuthFailure {
    AuthFailure::unauthorized(FailureReason::Disallowed)
}

impl<'a> Response<'a> {
    fn parse(creds: &'a Credentials) -> Result<Self, AuthFailure> {
        let ps = creds.param_list().ok_or_else(malformed)?;
        let req = |name| ps.value(name).ok_or_else(malformed);
        let user = ps.get("username").ok_or_else(malformed)?;
        let username = user.value();
        let realm = req("realm")?;
        let nonce = req("nonce")?;
        let uri = req("uri")?;
        let response = req("response")?;
        if username.len() > MAX_USERNAME_LEN
            || uri.len() > MAX_URI_LEN
            || realm.len() > MAX_REALM_LEN
            || uri.is_empty()
        {
            return Err(malformed());
        }
        // RFC 7616 section 3.4: "If this parameter is not present, it is assumed to be MD5."
        let algorithm = match ps.value("algorithm") {
            None => Algorithm::Md5,
            Some(t) => Algorithm::from_token(t).ok_or_else(disallowed)?,
        };
        let cnonce = ps.value("cnonce");
        if cnonce.is_some_and(|c| c.is_empty() || c.len() > MAX_CNONCE_LEN) {
            return Err(malformed());
        }
        let opaque = ps.value("opaque");
        let qop = match (ps.value("qop"), ps.value("nc")) {
            (None, None) => None,
            (Some(q), Some(nc)) => {
                let q = Qop::from_token(q).ok_or_else(disallowed)?;
                // nc-value = 8LHEX; counts start at 1 (RFC 7616 section 3.4).
                if nc.len() != 8 || !nc.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return Err(malformed());
                }
                let n = u32::from_str_radix(nc, 16).map_err(|_| malformed())?;
                if n == 0 {
                    return Err(malformed());
                }
                Some((q, n))
            }
            _ => return Err(malformed()),
        };
        // With a qop, cnonce is required; without, it MUST NOT be sent (RFC 2617 3.2.2).
        if qop.is_some() != cnonce.is_some() {
            return Err(malformed());
        }
        let userhash = match ps.value("userhash") {
            None => false,
            Some(v) if v.eq_ignore_ascii_case("true") => true,
            Some(v) if v.eq_ignore_ascii_case("false") => false,
            Some(_) => return Err(malformed()),
        };
        // A hashed name is hex, never needs username* (RFC 7616 section 3.4.4).
        if userhash && user.is_extended() {
            return Err(malformed());
        }
        Ok(Self {
            username,
            realm,
            nonce,
            uri,
            response,
            algorithm,
            cnonce,
            opaque,
            qop,
            userhash,
        })
    }
}

/// `scheme "://" authority path-abempty [ "?" query ]` split into its parts, or `None`
/// for origin-form.
fn split_absolute(uri: &str) -> Option<(&str, &str, &str)> {
    let (scheme, rest) = uri.split_once("://")?;
    if scheme.is_empty()
        || !scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b))
    {
        return None;
    }
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(end);
    Some((scheme, authority, path))
}

/// Strips the scheme's default port from an authority.
fn normal_authority<'s>(scheme: &str, authority: &'s str) -> &'s str {
    let default = if scheme.eq_ignore_ascii_case("https") {
        ":443"
    } else {
        ":80"
    };
    authority.strip_suffix(default).unwrap_or(authority)
}

fn normal_path(path: &str) -> &str {
    if path.is_empty() { "/" } else { path }
}

/// RFC 7616 section 3.4.6: "The authenticating server MUST assure that the resource
/// designated by the "uri" parameter is the same as the resource specified in the
/// Request-Line". Equal strings match; otherwise absolute-form and origin-form are
/// compared by scheme, authority (host case-insensitively, default port implied) and
/// path-and-query, which must be identical octet for octet (no percent-decoding: two
/// spellings of a path may reach different resources).
pub fn uri_matches(uri: &str, request: &RequestContext<'_>) -> bool {
    if uri == request.target {
        return true;
    }
    let (a, b) = (uri_parts(uri, request), uri_parts(request.target, request));
    // Origin-form must start with "/" ("*" for OPTIONS matched above as equal strings).
    a == b && a.2.starts_with('/')
}

/// (scheme, authority, path-and-query), lowercased where case does not matter.
fn uri_parts<'s>(s: &'s str, request: &RequestContext<'_>) -> (String, String, &'s str) {
    match split_absolute(s) {
        Some((scheme, auth, path)) => (
            scheme.to_ascii_lowercase(),
            normal_authority(scheme, auth).to_ascii_lowercase(),
            normal_path(path),
        ),
        None => (
            request.scheme.to_ascii_lowercase(),
            normal_authority(request.scheme, request.authority).to_ascii_lowercase(),
            s,
        ),
    }
}

/// A verified Digest response: who, and what is needed to authenticate the response.
pub struct Verified {
    principal: Principal,
    ha1: SecretBytes,
    algorithm: Algorithm,
    nonce: String,
    cnonce: Option<String>,
    qop: Option<(Qop, u32)>,
    uri: String,
    nextnonce: Option<String>,
}

impl core::fmt::Debug for Verified {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Verified")
            .field("principal", &self.principal)
            .field("algorithm", &self.algorithm)
            .field("qop", &self.qop)
            .finish_non_exhaustive()
    }
}

impl Verified {
    /// Who was authenticated.
    pub fn principal(&self) -> &Principal {
        &self.principal
    }

    /// The algorithm the client used.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The qop the client used, `None` in RFC 2069 mode.
    pub fn qop(&self) -> Option<Qop> {
        self.qop.map(|(q, _)| q)
    }

    /// The `Authentication-Info` parameters (RFC 7616 section 3.5): `rspauth`, `cnonce`,
    /// `nc`, `qop`, and `nextnonce` when the nonce is near expiry.
    ///
    /// For `auth-int`, `response_body_hash` is `H(entity-body)` of the *response* body under
    /// [`algorithm`](Self::algorithm)`().hash()`; without it no `rspauth` is sent.
    pub fn authentication_info(&self, response_body_hash: Option<&[u8]>) -> AuthParams {
        let mut info = AuthParams::new();
        let input = DigestInput {
            algorithm: self.algorithm,
            nonce: &self.nonce,
            cnonce: self.cnonce.as_deref(),
            qop: self.qop,
            method: "",
            uri: &self.uri,
            body_hash: response_body_hash,
        };
        let mut push = |p: Result<AuthParam, httpauth_core::Error>| {
            if let Ok(p) = p {
                info.set(p);
            }
        };
        if let Ok(r) = compute::rspauth(&input, &self.ha1) {
            push(AuthParam::quoted("rspauth", hex(&r)));
        }
        if let Some(c) = &self.cnonce {
            push(AuthParam::quoted("cnonce", c.as_str()));
        }
        if let Some((q, nc)) = self.qop {
            push(AuthParam::token("nc", format!("{nc:08x}")));
            push(AuthParam::token("qop", q.as_str()));
        }
        if let Some(n) = &self.nextnonce {
            push(AuthParam::quoted("nextnonce", n.as_str()));
        }
        info
    }

    /// Consumes the verification, returning the principal.
    pub fn into_principal(self) -> Principal {
        self.principal
    }
}

impl DigestServer {
    /// A builder for a server of `realm` taking secrets from `credentials`.
    pub fn builder(
        realm: impl Into<String>,
        credentials: Arc<dyn CredentialStore>,
    ) -> DigestServerBuilder {
        DigestServerBuilder {
            realm: realm.into(),
            credentials,
            algorithms: None,
            qops: vec![Qop::Auth],
            rfc2069: false,
            userhash: false,
            domain: Vec::new(),
            opaque: None,
            lifetime: DEFAULT_NONCE_LIFETIME,
            nextnonce_before: DEFAULT_NEXTNONCE_BEFORE,
            max_skew: DEFAULT_MAX_SKEW,
            window: DEFAULT_COUNT_WINDOW,
            key: None,
            clock: None,
            sessions: None,
        }
    }

    /// The realm.
    pub fn realm(&self) -> &str {
        &self.realm
    }

    /// The `opaque` value sent in every challenge.
    pub fn opaque(&self) -> &str {
        &self.opaque
    }

    /// The offered algorithms, in order.
    pub fn algorithms(&self) -> &[Algorithm] {
        &self.algorithms
    }

    /// A fresh nonce, bound to the session store's current window generation.
    ///
    /// # Errors
    /// [`Error::Random`] if the operating system's generator fails; [`Error::Core`] when
    /// the session store cannot tell its generation (a remote store that never answered).
    pub fn mint_nonce(&self) -> Result<String, Error> {
        let generation = self.sessions.window_generation()?;
        self.key
            .mint(self.clock.now(), generation, &self.realm, &self.opaque)
    }

    /// Checks a nonce minted by this server (or one sharing its key).
    pub fn check_nonce(&self, nonce: &str) -> NonceStatus {
        self.key.check(
            nonce,
            self.clock.now(),
            self.lifetime,
            self.max_skew,
            &self.realm,
            &self.opaque,
        )
    }

    /// The challenge for `algorithm` with a fresh nonce (RFC 7616 section 3.3):
    ///
    /// ```text
    /// challenge = "Digest" [ realm ] [ domain ] nonce [ opaque ] [ stale ] [ algorithm ]
    ///             qop-options [ charset ] [ userhash ]
    /// ```
    /// `algorithm`, `stale`, `charset` and `userhash` are tokens; `qop` is a quoted list.
    ///
    /// # Errors
    /// [`Error::Random`] if no nonce can be minted.
    pub fn challenge(&self, algorithm: Algorithm, stale: bool) -> Result<Challenge, Error> {
        let mut c =
            Challenge::new("Digest")?.param(AuthParam::quoted("realm", self.realm.as_str())?)?;
        if !self.domain.is_empty() {
            c.push(AuthParam::quoted("domain", self.domain.as_str())?)?;
        }
        if !self.qops.is_empty() {
            let q: Vec<&str> = self.qops.iter().map(|q| q.as_str()).collect();
            c.push(AuthParam::quoted("qop", q.join(", "))?)?;
        }
        c.push(AuthParam::token("algorithm", algorithm.as_str())?)?;
        c.push(AuthParam::quoted("nonce", self.mint_nonce()?)?)?;
        c.push(AuthParam::quoted("opaque", self.opaque.as_str())?)?;
        c.push(AuthParam::token("charset", "UTF-8")?)?;
        if self.userhash {
            c.push(AuthParam::token("userhash", "true")?)?;
        }
        if stale {
            c.push(AuthParam::token("stale", "true")?)?;
        }
        Ok(c)
    }

    fn all_challenges(&self, stale: bool) -> Vec<Challenge> {
        // A failing random generator yields no challenge rather than a predictable one.
        self.algorithms
            .iter()
            .filter_map(|a| self.challenge(*a, stale).ok())
            .collect()
    }

    fn store_failure() -> AuthFailure {
        fail(FailureKind::Unavailable, FailureReason::Store)
    }

    /// `HA1` of `user`, and whether the user is known.
    ///
    /// Known and unknown users do the same work: the same two store lookups (`HA1`, then
    /// the plaintext password) for every name, also for a `userhash` that matched nobody,
    /// and exactly one `HA1` hash. An unknown user gets a decoy `HA1` (from a password
    /// derived from the nonce key), which goes through the same response computation and
    /// constant-time comparison as a real one, and fails there.
    fn lookup_ha1(
        &self,
        user: Option<&str>,
        lookup_name: &str,
        algorithm: Algorithm,
    ) -> Result<(SecretBytes, bool), AuthFailure> {
        let query = CredentialQuery::DigestHa1 {
            realm: &self.realm,
            hash: algorithm.hash(),
        };
        let name = user.unwrap_or(lookup_name);
        let ha1 = self
            .credentials
            .lookup(name, query)
            .map_err(|_| Self::store_failure())?;
        let plain = self
            .credentials
            .lookup(name, CredentialQuery::Plaintext)
            .map_err(|_| Self::store_failure())?;
        let found = match (user, ha1) {
            (Some(_), Some(StoredCredential::DigestHa1(h))) => Some(h),
            _ => None,
        };
        let password = match (user, &found, plain) {
            (Some(_), None, Some(StoredCredential::Plaintext(p))) => Some(p),
            _ => None,
        };
        let known = found.is_some() || password.is_some();
        let computed = compute::ha1(
            algorithm,
            name,
            &self.realm,
            password.as_ref().unwrap_or(&self.decoy),
        );
        match found {
            Some(h) => {
                core::hint::black_box(&computed);
                if h.len() != algorithm.output_len() {
                    return Err(Self::store_failure());
                }
                Ok((h, true))
            }
            None => Ok((computed, known)),
        }
    }

    /// Verifies Digest `credentials` for `request`: the layer below
    /// [`AuthScheme::authenticate`], returning what [`Verified::authentication_info`] needs.
    ///
    /// # Errors
    /// The opaque [`AuthFailure`]: 400 for malformed credentials or a `uri` that is not
    /// the request-target; `stale=true` challenges for an expired nonce with a correct
    /// response or a replayed `nc`; 503 when a store fails; 401 otherwise. Unknown user,
    /// wrong password and forged nonce cost the same hashing and look the same.
    pub fn verify(
        &self,
        request: &RequestContext<'_>,
        credentials: &Credentials,
    ) -> Result<Verified, AuthFailure> {
        if !credentials.is_scheme("Digest") {
            return Err(AuthFailure::unauthorized(FailureReason::NoCredentials));
        }
        let r = Response::parse(credentials)?;
        if !self.algorithms.contains(&r.algorithm) {
            return Err(disallowed());
        }
        match r.qop {
            Some((q, _)) if !self.qops.contains(&q) => return Err(disallowed()),
            None if !self.rfc2069 => return Err(disallowed()),
            _ => {}
        }
        // RFC 2069 has no cnonce, so no -sess.
        if r.qop.is_none() && r.algorithm.is_sess() {
            return Err(disallowed());
        }
        if r.userhash && !self.userhash {
            return Err(disallowed());
        }
        if r.realm != self.realm {
            return Err(AuthFailure::unauthorized(FailureReason::Mismatch));
        }
        if r.opaque != Some(self.opaque.as_str()) {
            return Err(AuthFailure::unauthorized(FailureReason::Mismatch));
        }
        if !uri_matches(r.uri, request) {
            return Err(fail(FailureKind::BadRequest, FailureReason::UriMismatch));
        }
        let body_hash = match r.qop {
            Some((Qop::AuthInt, _)) => Some(
                request
                    .body
                    .and_then(|b| b.body_digest(r.algorithm.hash()))
                    .ok_or_else(disallowed)?,
            ),
            _ => None,
        };

        // From here on every failure costs the same: nonce MAC, one HA1, one response.
        let nonce = self.check_nonce(r.nonce);
        let user: Option<String> = if r.userhash {
            match unhex(r.username).filter(|b| b.len() == r.algorithm.output_len()) {
                Some(uh) => self
                    .credentials
                    .find_by_userhash(&self.realm, r.algorithm.hash(), &uh)
                    .map_err(|_| Self::store_failure())?,
                None => None,
            }
        } else {
            Some(r.username.to_owned())
        };
        let (ha1, known) = self.lookup_ha1(user.as_deref(), r.username, r.algorithm)?;
        let input = DigestInput {
            algorithm: r.algorithm,
            nonce: r.nonce,
            cnonce: r.cnonce,
            qop: r.qop,
            method: request.method,
            uri: r.uri,
            body_hash: body_hash.as_deref(),
        };
        let expected = compute::response(&input, &ha1).map_err(|_| malformed())?;
        let given = unhex(r.response).unwrap_or_default();
        let digest_ok: bool = expected.ct_eq(&given).into();

        let remaining = match nonce {
            NonceStatus::Invalid => return Err(AuthFailure::unauthorized(FailureReason::BadNonce)),
            _ if !known => return Err(AuthFailure::unauthorized(FailureReason::UnknownUser)),
            _ if !digest_ok => {
                return Err(AuthFailure::unauthorized(FailureReason::BadCredentials));
            }
            // RFC 7616 section 3.3: stale=true only when the nonce is invalid "but with a
            // valid digest for that nonce".
            NonceStatus::Expired => {
                return Err(fail(FailureKind::Stale, FailureReason::Expired)
                    .with_challenges(self.all_challenges(true)));
            }
            NonceStatus::Valid { remaining } => remaining,
        };

        // Replay: each (nonce, nc) once, out of order within the window. RFC 2069 has no
        // nc, so its nonces are single use.
        let (count, window) = match r.qop {
            Some((_, nc)) => (u64::from(nc), self.window),
            None => (1, 1),
        };
        //
        // The window is created on first use, but only for a nonce minted in the store's
        // current window generation: a nonce whose window may have been lost (evicted,
        // Redis restarted) is stale, never fresh (issue 13), as Mutual answers 401-STALE
        // for a session whose nc window is gone (RFC 8120 section 11).
        let key = format!("digest:nc:{}", r.nonce);
        let ttl = remaining.saturating_add(self.max_skew);
        let generation = NonceKey::generation_of(r.nonce).unwrap_or(0);
        match self
            .sessions
            .check_count_in_generation(&key, count, window, ttl, generation)
        {
            Ok(GenerationCheck::Checked(CountCheck::Fresh)) => {}
            // Replayed, out of window, or a verdict this version does not know (fail closed).
            Ok(GenerationCheck::Checked(_)) => {
                // The digest is right, so a legitimate client (a retried request) recovers
                // without prompting; a replaying attacker gains a nonce it cannot use.
                return Err(fail(FailureKind::Stale, FailureReason::Replay)
                    .with_challenges(self.all_challenges(true)));
            }
            Ok(GenerationCheck::Lost { .. }) => {
                // The new challenges carry the store's current generation.
                return Err(fail(FailureKind::Stale, FailureReason::Expired)
                    .with_challenges(self.all_challenges(true)));
            }
            // An answer this version does not know: nothing is assumed recorded.
            Ok(_) | Err(_) => return Err(Self::store_failure()),
        }

        let nextnonce = if remaining < self.nextnonce_before {
            self.mint_nonce().ok()
        } else {
            None
        };
        let name = user.unwrap_or_default();
        Ok(Verified {
            principal: Principal::new(name, "Digest", Some(self.realm.clone())),
            ha1,
            algorithm: r.algorithm,
            nonce: r.nonce.to_owned(),
            cnonce: r.cnonce.map(str::to_owned),
            qop: r.qop,
            uri: r.uri.to_owned(),
            nextnonce,
        })
    }
}

impl AuthScheme for DigestServer {
    fn name(&self) -> &str {
        "Digest"
    }

    fn challenges(&self, _request: &RequestContext<'_>) -> Vec<Challenge> {
        self.all_challenges(false)
    }

    /// Verifies, and answers `Authentication-Info` with `rspauth` for `qop=auth` and RFC
    /// 2069 mode. For `auth-int` the `rspauth` covers the response body (RFC 7616 section
    /// 3.5): `info` then holds the other parameters, and `response` finishes the field once
    /// the server knows the body it sends.
    fn authenticate(&self, request: &RequestContext<'_>, credentials: &Credentials) -> Outcome {
        match self.verify(request, credentials) {
            Ok(v) => match v.qop() {
                Some(Qop::AuthInt) => {
                    let mut info = v.authentication_info(None);
                    info.remove("rspauth");
                    Outcome::Authenticated {
                        principal: v.principal().clone(),
                        info,
                        response: Some(ResponseBound::new(Arc::new(AuthIntInfo(v)))),
                    }
                }
                _ => Outcome::Authenticated {
                    info: v.authentication_info(None),
                    principal: v.into_principal(),
                    response: None,
                },
            },
            Err(f) => Outcome::Failed(f),
        }
    }

    /// Every step is microseconds of hashing; with a remote session store (Redis) each
    /// verification waits for one round trip, so it is [`Cost::Blocking`].
    fn cost(&self, _credentials: &Credentials) -> Cost {
        if self.sessions.is_remote() {
            Cost::Blocking
        } else {
            Cost::Cheap
        }
    }

    /// `qop=auth-int` (RFC 7616 section 3.4.3) needs `H(entity-body)` of the request under
    /// the hash of the client's algorithm, when this server offers `auth-int` and that
    /// algorithm; nothing otherwise (the credentials then fail without a body).
    fn body_hashes(&self, credentials: &Credentials) -> Vec<HashFunction> {
        if !credentials.is_scheme("Digest") {
            return Vec::new();
        }
        match Response::parse(credentials) {
            Ok(r)
                if matches!(r.qop, Some((Qop::AuthInt, _)))
                    && self.qops.contains(&Qop::AuthInt)
                    && self.algorithms.contains(&r.algorithm) =>
            {
                vec![r.algorithm.hash()]
            }
            _ => Vec::new(),
        }
    }
}

/// `Authentication-Info` of an `auth-int` request: `rspauth` over the response body
/// (RFC 7616 section 3.5, `A2 = ":" request-uri ":" H(entity-body)`).
struct AuthIntInfo(Verified);

impl ResponseInfo for AuthIntInfo {
    fn finish(&self, response_body: &[u8]) -> AuthParams {
        let hash = self.0.algorithm().hash();
        let digests = BodyHasher::digest_all(&[hash], response_body);
        self.0.authentication_info(digests.get(hash))
    }
}
