//! The client engine: the decision procedure of RFC 8120 section 10.
//!
//! A [`MutualClient`] remembers passwords (per realm), a pi cache keyed by
//! (algorithm, auth-scope, realm, user), the protection spaces it has seen with their
//! `path` lists (section 5.1) and the live sessions (section 6). Each user-level request
//! runs a [`Sequence`]: [`MutualClient::start`] says what to send first, and
//! [`MutualClient::on_response`] consumes each response and says what to send next or how
//! the sequence ended.

use crate::kam3::{self, ClientKex, SessionKeys};
use crate::messages::{ClientCredentials, Reason, SCHEME, ServerChallenge, Space, VfyS};
use crate::scope::{AuthScope, Origin, Validation};
use crate::{Error, prep};
use httpauth_core::{AuthParams, Challenge, Credentials, Password, SecretBytes};
use std::collections::HashMap;
use std::time::{Duration, Instant};
use subtle::ConstantTimeEq;

/// The request a sequence is about.
#[derive(Debug, Clone)]
pub struct RequestTarget {
    /// The origin the request goes to (for proxy authentication: the proxy's origin,
    /// RFC 8120 section 14).
    pub origin: Origin,
    /// The path (and query) of the request-target.
    pub path: String,
    /// The RFC 5929 `tls-server-end-point` value of the connection, when over TLS.
    pub tls_server_end_point: Option<Vec<u8>>,
    /// True for proxy authentication (407, `Proxy-*` headers).
    pub proxy: bool,
}

impl RequestTarget {
    /// A target for `origin` and `path`.
    pub fn new(origin: Origin, path: impl Into<String>) -> Self {
        Self {
            origin,
            path: path.into(),
            tls_server_end_point: None,
            proxy: false,
        }
    }

    /// Sets the channel binding of the TLS connection.
    pub fn with_tls_server_end_point(mut self, hash: Vec<u8>) -> Self {
        self.tls_server_end_point = Some(hash);
        self
    }

    /// Marks the target as a proxy.
    pub fn with_proxy(mut self, proxy: bool) -> Self {
        self.proxy = proxy;
        self
    }

    fn vh(&self, v: Validation) -> Result<Vec<u8>, Error> {
        match v {
            Validation::Host => Ok(self.origin.vh_host().into_bytes()),
            Validation::TlsServerEndPoint => self
                .tls_server_end_point
                .clone()
                .ok_or(Error::ChannelBindingUnavailable),
        }
    }
}

/// A response as the client engine sees it.
#[derive(Debug, Clone, Copy)]
pub struct Response<'a> {
    /// The status code.
    pub status: u16,
    /// The parsed `WWW-Authenticate` (or `Proxy-Authenticate`) challenges, all schemes.
    pub challenges: &'a [Challenge],
    /// The parsed RFC 8053 `Optional-WWW-Authenticate` challenges.
    pub optional_challenges: &'a [Challenge],
    /// The parsed `Authentication-Info` (or `Proxy-Authentication-Info`) parameters.
    pub authentication_info: Option<&'a AuthParams>,
}

/// How a sequence ended (RFC 8120 section 10.1).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Status {
    /// AUTH-SUCCEED: a 200-VFY-S with the right VK_s; the response may be used.
    AuthSucceeded {
        /// The authenticated user.
        user: String,
        /// The realm.
        realm: String,
    },
    /// AUTH-REQUIRED / AUTH-REQUESTED: the server wants credentials for `space` that the
    /// client does not have, or rejected the ones it had (they are forgotten).
    AuthRequired {
        /// The protection space asked for, if a usable challenge was offered.
        space: Option<Space>,
        /// True if credentials were tried and rejected (step 13).
        failed: bool,
    },
    /// UNAUTHENTICATED: a normal response to the first request; the resource is outside
    /// any Mutual realm.
    Unauthenticated,
}

/// A `Mutual` challenge the client cannot use, from
/// [`MutualClient::unusable_challenges`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Unusable {
    /// The challenge's `realm`, if it has one (in any form, `realm*` included).
    pub realm: Option<String>,
    /// The challenge's `algorithm` token, if it has one.
    pub algorithm: Option<String>,
    /// Why it cannot be used.
    pub reason: Error,
}

/// What to do after a response.
#[derive(Debug)]
#[non_exhaustive]
pub enum Next {
    /// Send the request again with these credentials (in `Authorization`, or
    /// `Proxy-Authorization` for a proxy target).
    Send(Credentials),
    /// The sequence is over.
    Done(Status),
}

struct ClientSession {
    sid: Vec<u8>,
    keys: SessionKeys,
    next_nc: u64,
    nc_max: u64,
    expires: Instant,
}

/// The first nonce number of a new session: 1, or 0 when `nc-max` is 0.
///
/// Section 6 asks only that nc be "a natural number", unused in the session, at most
/// `nc-max` and above `largest-nc - nc-window`; it suggests "a monotonically-increasing
/// integer counter that counts from zero up to the value of nc-max", and section 11
/// initialises a new session's largest-nc to zero, so a server accepts nc = 0. Starting at
/// 1 keeps the messages of every session with `nc-max >= 1` as they were (the pins and the
/// peers already tested see nc=1 first); with `nc-max=0` the only nonce number the server
/// accepts is 0, and the first req-VFY-C uses it instead of the sequence ending unsent.
fn first_nc(nc_max: u64) -> u64 {
    nc_max.min(1)
}

/// Which rule [`MutualClient::try_vfy`] applies to a held session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SessionUse {
    /// Step 10: the session was established by this sequence's own 401-KEX-S1.
    JustEstablished,
    /// Steps 2 and 7: reuse of a session for another request.
    Reuse,
}

/// A protection space the client has seen, with what it learnt about it.
struct KnownSpace {
    origin: Origin,
    space: Space,
    scope: AuthScope,
    /// Path prefixes (from 401-KEX-S1 `path`), section 5.1.
    paths: Vec<String>,
    user: Option<String>,
    session: Option<ClientSession>,
}

struct Login {
    realm: String,
    auth_scope: Option<String>,
    user: String,
    password: Password,
}

enum Sent {
    Normal,
    Kex {
        space: Space,
        kex: ClientKex,
        user: String,
        pi: SecretBytes,
    },
    Vfy {
        space: Space,
        sid: Vec<u8>,
        vks: Vec<u8>,
        user: String,
    },
    Done,
}

/// One user-level request and the HTTP exchanges it takes (section 10.1: "a single
/// user-level request may result in exchange of two-or-more HTTP requests").
pub struct Sequence {
    target: RequestTarget,
    sent: Sent,
    requests: u32,
    kex_spaces: Vec<Space>,
    stale_retried: bool,
    /// A 1xx response to the req-VFY-C in flight carried the right VK_s (section 4.5).
    verified_early: bool,
}

impl core::fmt::Debug for Sequence {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Sequence")
            .field("target", &self.target)
            .field("requests", &self.requests)
            .finish_non_exhaustive()
    }
}

/// Client-side state: passwords, pi cache, known spaces and sessions.
#[derive(Default)]
pub struct MutualClient {
    logins: Vec<Login>,
    pi_cache: HashMap<(String, String, String, String), SecretBytes>,
    spaces: Vec<KnownSpace>,
    /// Section 5.1 tactic 1: the realm last requested for a URI.
    uri_realm: HashMap<(Origin, String), Space>,
}

impl core::fmt::Debug for MutualClient {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("MutualClient")
            .field("logins", &self.logins.len())
            .field("spaces", &self.spaces.len())
            .finish_non_exhaustive()
    }
}

fn space_origin_key(s: &Space) -> (String, String, String) {
    (
        s.algorithm.token().to_owned(),
        s.auth_scope.clone().unwrap_or_default(),
        s.realm.clone(),
    )
}

fn same_space(a: &Space, b: &Space) -> bool {
    space_origin_key(a) == space_origin_key(b)
}

fn path_matches(prefix: &str, origin: &Origin, path: &str) -> bool {
    if let Some((scheme, rest)) = prefix.split_once("://") {
        // An absolute URI: same origin, then a path prefix.
        let (auth, p) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        let Ok(AuthScope::SingleServer(o)) = AuthScope::parse(&format!("{scheme}://{auth}")) else {
            return false;
        };
        return o == *origin && path.starts_with(p);
    }
    prefix.starts_with('/') && path.starts_with(prefix)
}

impl MutualClient {
    /// An empty client.
    pub fn new() -> Self {
        Self::default()
    }

    /// Remembers a password for `realm` (and, if given, only for that canonical
    /// auth-scope). The user name and password are prepared (section 9) when used.
    pub fn add_login(
        &mut self,
        realm: impl Into<String>,
        auth_scope: Option<&str>,
        user: impl Into<String>,
        password: Password,
    ) {
        self.logins.push(Login {
            realm: realm.into(),
            auth_scope: auth_scope.map(str::to_owned),
            user: user.into(),
            password,
        });
    }

    /// Forgets the password, sessions and cached pi of `realm` (section 10.2 step 14:
    /// explicit log-out).
    pub fn logout(&mut self, realm: &str) {
        self.logins.retain(|l| l.realm != realm);
        self.pi_cache.retain(|k, _| k.2 != realm);
        for s in self.spaces.iter_mut().filter(|s| s.space.realm == realm) {
            s.session = None;
            s.user = None;
        }
    }

    /// Forgets every session and known space, as a client that starts over would, but
    /// keeps the passwords and the cached pi: the next request to any space starts with a
    /// new key exchange (section 10.2 step 1) without the password-based derivation of
    /// pi again (RFC 8121 section 2.1; for PBKDF2 algorithms, milliseconds per
    /// realm). A load generator's "a key exchange per request" is thus the server's
    /// work, not its own.
    pub fn forget_sessions(&mut self) {
        self.spaces.clear();
        self.uri_realm.clear();
    }

    /// Number of pi values cached.
    pub fn cached_pi_count(&self) -> usize {
        self.pi_cache.len()
    }

    /// True if a session is held for `realm` at `origin`.
    pub fn has_session(&self, origin: &Origin, realm: &str) -> bool {
        self.spaces
            .iter()
            .any(|s| s.origin == *origin && s.space.realm == realm && s.session.is_some())
    }

    fn login_for(&self, space: &Space) -> Option<&Login> {
        self.logins.iter().find(|l| {
            l.realm == space.realm && (l.auth_scope.is_none() || l.auth_scope == space.auth_scope)
        })
    }

    /// The canonical auth-scope to use in pi: the announced one, or the request's
    /// single-server scope when omitted (section 4.1).
    fn scope_of(space: &Space, origin: &Origin) -> String {
        space
            .auth_scope
            .clone()
            .unwrap_or_else(|| origin.single_server())
    }

    fn pi_for(&mut self, space: &Space, origin: &Origin) -> Result<(String, SecretBytes), Error> {
        let login = self.login_for(space).ok_or(Error::NoCredentials)?;
        let user = prep::prepare_username(&login.user)?;
        let scope = Self::scope_of(space, origin);
        let key = (
            space.algorithm.token().to_owned(),
            scope.clone(),
            space.realm.clone(),
            user.clone(),
        );
        if let Some(pi) = self.pi_cache.get(&key) {
            return Ok((user, pi.duplicate()));
        }
        let password = prep::prepare_password(login.password.expose_secret())?;
        let pi = kam3::pi_prepared(
            space.algorithm,
            &scope,
            &space.realm,
            &user,
            password.as_bytes(),
        );
        self.pi_cache.insert(key, pi.duplicate());
        Ok((user, pi))
    }

    /// Section 5.1: the space a new request to `target` probably belongs to.
    fn expected_space(&self, target: &RequestTarget) -> Option<usize> {
        if let Some(space) = self
            .uri_realm
            .get(&(target.origin.clone(), target.path.clone()))
            && let Some(i) = self
                .spaces
                .iter()
                .position(|k| k.origin == target.origin && same_space(&k.space, space))
        {
            return Some(i);
        }
        self.spaces
            .iter()
            .enumerate()
            .filter(|(_, k)| {
                k.origin == target.origin
                    && k.scope.covers(&target.origin)
                    && (k.paths.iter().any(|p| path_matches(p, &target.origin, &target.path))
                        // Section 14: a proxy realm without `path` covers every request.
                        || (target.proxy && k.paths.is_empty()))
            })
            .max_by_key(|(_, k)| k.scope.specificity())
            .map(|(i, _)| i)
    }

    fn known(&mut self, origin: &Origin, space: &Space) -> Result<usize, Error> {
        if let Some(i) = self
            .spaces
            .iter()
            .position(|k| k.origin == *origin && same_space(&k.space, space))
        {
            return Ok(i);
        }
        let scope = AuthScope::parse(&Self::scope_of(space, origin))?;
        self.spaces.push(KnownSpace {
            origin: origin.clone(),
            space: space.clone(),
            scope,
            paths: Vec::new(),
            user: None,
            session: None,
        });
        Ok(self.spaces.len() - 1)
    }

    /// Starts a sequence (section 10.2 steps 1 to 5): returns it with the credentials for
    /// the first request (`None`: send it without Mutual credentials).
    ///
    /// # Errors
    /// Key-exchange failures (random generator) only.
    pub fn start(
        &mut self,
        target: RequestTarget,
    ) -> Result<(Sequence, Option<Credentials>), Error> {
        let mut seq = Sequence {
            target,
            sent: Sent::Normal,
            requests: 1,
            kex_spaces: Vec::new(),
            stale_retried: false,
            verified_early: false,
        };
        let creds = match self.expected_space(&seq.target) {
            Some(i) if self.login_for(&self.spaces[i].space).is_some() => {
                let space = self.spaces[i].space.clone();
                Some(self.authenticate(&mut seq, &space)?)
            }
            _ => None,
        };
        Ok((seq, creds))
    }

    /// Steps 7 to 9: send req-VFY-C on a live session, else req-KEX-C1.
    fn authenticate(&mut self, seq: &mut Sequence, space: &Space) -> Result<Credentials, Error> {
        if let Some(c) = self.try_vfy(seq, space, SessionUse::Reuse)? {
            return Ok(c);
        }
        self.send_kex(seq, space)
    }

    /// A req-VFY-C on the session held for `space`, or `None` when there is none to use.
    ///
    /// `use_` says which rule applies. [`SessionUse::Reuse`] (steps 2 and 7, a later
    /// request): only while the session is within its `time` and the next nc is within
    /// `nc-max`. [`SessionUse::JustEstablished`] (step 10, right after the 401-KEX-S1):
    /// always, because step 10 sends req-VFY-C unconditionally and section 4.3 makes `time`
    /// only "the suggested time ... that the client can reuse the session", a hint for
    /// reuse and not a deadline for the exchange that set the session up; the nc is then
    /// within `nc-max` by construction (see `first_nc`).
    fn try_vfy(
        &mut self,
        seq: &mut Sequence,
        space: &Space,
        use_: SessionUse,
    ) -> Result<Option<Credentials>, Error> {
        let Some(i) = self
            .spaces
            .iter()
            .position(|k| k.origin == seq.target.origin && same_space(&k.space, space))
        else {
            return Ok(None);
        };
        let vh = seq.target.vh(space.validation)?;
        let k = &mut self.spaces[i];
        let usable = k.session.as_ref().is_some_and(|s| match use_ {
            SessionUse::JustEstablished => s.next_nc <= s.nc_max,
            SessionUse::Reuse => s.expires > Instant::now() && s.next_nc <= s.nc_max,
        });
        if !usable {
            k.session = None;
            return Ok(None);
        }
        let (Some(s), Some(user)) = (k.session.as_mut(), k.user.clone()) else {
            return Ok(None);
        };
        let nc = s.next_nc;
        s.next_nc = nc.saturating_add(1);
        let vkc = kam3::vk_c(space.algorithm, &s.keys, nc, &vh);
        let vks = kam3::vk_s(space.algorithm, &s.keys, nc, &vh);
        let sid = s.sid.clone();
        let creds = ClientCredentials::VfyC {
            space: space.clone(),
            sid: sid.clone(),
            nc,
            vkc,
        }
        .to_credentials()?;
        seq.sent = Sent::Vfy {
            space: space.clone(),
            sid,
            vks,
            user,
        };
        Ok(Some(creds))
    }

    fn send_kex(&mut self, seq: &mut Sequence, space: &Space) -> Result<Credentials, Error> {
        let (user, pi) = self.pi_for(space, &seq.target.origin)?;
        let kex = ClientKex::new(space.algorithm)?;
        let creds = ClientCredentials::KexC1 {
            space: space.clone(),
            user: user.clone(),
            kc1: kex.kc1().to_vec(),
        }
        .to_credentials()?;
        seq.kex_spaces.push(space.clone());
        seq.sent = Sent::Kex {
            space: space.clone(),
            kex,
            user,
            pi,
        };
        Ok(creds)
    }

    /// Section 7: the client validates the `validation` of a 401-INIT; section 5: the
    /// auth-scope must cover the host, and a wildcard over a single label (`*.com`) is
    /// refused as a public suffix.
    fn check_acceptable(target: &RequestTarget, space: &Space) -> Result<(), Error> {
        let want = if target.origin.scheme() == "https" {
            Validation::TlsServerEndPoint
        } else {
            Validation::Host
        };
        if space.validation != want {
            return Err(Error::ValidationMismatch {
                offered: space.validation.token(),
                required: want.token(),
            });
        }
        match &space.auth_scope {
            None => Ok(()),
            Some(s) => match AuthScope::parse(s) {
                Ok(AuthScope::WildcardDomain(d)) if !d.contains('.') => {
                    Err(Error::InvalidAuthScope)
                }
                // Section 14: a proxy's scope is its own host name.
                Ok(scope) if scope.covers(&target.origin) => Ok(()),
                Ok(_) | Err(_) => Err(Error::InvalidAuthScope),
            },
        }
    }

    fn acceptable(target: &RequestTarget, space: &Space) -> bool {
        Self::check_acceptable(target, space).is_ok()
    }

    fn parse_mutual(challenges: &[Challenge]) -> Vec<ServerChallenge> {
        challenges
            .iter()
            .filter(|c| c.is_scheme(SCHEME))
            .filter_map(|c| ServerChallenge::from_challenge(c).ok())
            .collect()
    }

    /// The `Mutual` challenges among `challenges` that this client cannot use for
    /// `target`, each with the reason: a malformed or unsupported challenge (unknown
    /// algorithm, a `realm*` parameter, a missing parameter), a `validation` that does not
    /// fit the connection (section 7), or an auth-scope that does not cover the origin
    /// (section 5).
    ///
    /// [`on_response`](Self::on_response) skips such challenges, as section 3 lets a client
    /// pick among several; this is how a caller says what was skipped and why (a verbose
    /// log, an error that names what the server offered). Challenges of other schemes are
    /// not looked at. O(n) in the challenges.
    pub fn unusable_challenges(target: &RequestTarget, challenges: &[Challenge]) -> Vec<Unusable> {
        challenges
            .iter()
            .filter(|c| c.is_scheme(SCHEME))
            .filter_map(|c| {
                let realm = c.value("realm").map(str::to_owned);
                let algorithm = c.value("algorithm").map(str::to_owned);
                let reason = match ServerChallenge::from_challenge(c) {
                    Err(e) => e,
                    Ok(parsed) => Self::check_acceptable(target, parsed.space()).err()?,
                };
                Some(Unusable {
                    realm,
                    algorithm,
                    reason,
                })
            })
            .collect()
    }

    /// A 1xx informational response (`100 Continue`) arrived before the final response
    /// to the request in flight.
    ///
    /// RFC 8120 section 4.5: "If a "100 Continue" response is sent from the server, the
    /// Authentication-Info header SHOULD be included in that response, instead of the
    /// final response." So the VK_s of a 200-VFY-S may come here. It is checked at once;
    /// when right, a final response without `Authentication-Info` completes the sequence
    /// as AUTH-SUCCEED. A final response that carries `Authentication-Info` as well is
    /// checked again: a wrong VK_s anywhere fails the sequence.
    ///
    /// A 1xx without `Authentication-Info` changes nothing.
    ///
    /// # Errors
    /// [`Error::ServerNotAuthenticated`] for a wrong or malformed VK_s (the session is
    /// dropped and the sequence is over: nothing of the response may be used);
    /// [`Error::UnexpectedResponse`] for `Authentication-Info` on a request that was not a
    /// req-VFY-C (section 10.1: a 200-VFY-S "MUST be accepted only as a response to
    /// req-VFY-C").
    pub fn on_informational(
        &mut self,
        seq: &mut Sequence,
        authentication_info: Option<&AuthParams>,
    ) -> Result<(), Error> {
        let Some(info) = authentication_info else {
            return Ok(());
        };
        let Sent::Vfy {
            space, sid, vks, ..
        } = &seq.sent
        else {
            seq.sent = Sent::Done;
            return Err(Error::UnexpectedResponse);
        };
        if Self::vks_matches(info, space, sid, vks) {
            seq.verified_early = true;
            return Ok(());
        }
        let space = space.clone();
        seq.sent = Sent::Done;
        self.drop_session(&seq.target.origin, &space);
        Err(Error::ServerNotAuthenticated)
    }

    /// Step 14: the `sid` and VK_s of a 200-VFY-S are the expected ones (constant time).
    fn vks_matches(info: &AuthParams, space: &Space, sid: &[u8], vks: &[u8]) -> bool {
        let Ok(parsed) = VfyS::parse(info) else {
            return false;
        };
        let Ok(got) = parsed.vks(space.algorithm) else {
            return false;
        };
        bool::from(got.as_slice().ct_eq(vks)) & bool::from(parsed.sid.as_slice().ct_eq(sid))
    }

    /// Step 6: a 401-INIT (or optional challenge) arrived for a request.
    fn on_init(
        &mut self,
        seq: &mut Sequence,
        inits: &[Space],
        failed: bool,
    ) -> Result<Next, Error> {
        let target = seq.target.clone();
        let usable: Vec<&Space> = inits
            .iter()
            .filter(|s| Self::acceptable(&target, s))
            .collect();
        // Remember which realm this URI asked for (section 5.1).
        if let Some(first) = usable.first() {
            self.uri_realm.insert(
                (target.origin.clone(), target.path.clone()),
                (*first).clone(),
            );
        }
        let chosen = usable
            .iter()
            .find(|s| {
                self.login_for(s).is_some() && !seq.kex_spaces.iter().any(|k| same_space(k, s))
            })
            .copied()
            .cloned();
        let Some(space) = chosen else {
            seq.sent = Sent::Done;
            return Ok(Next::Done(Status::AuthRequired {
                space: usable.first().map(|s| (*s).clone()),
                failed,
            }));
        };
        self.known(&target.origin, &space)?;
        seq.requests += 1;
        Ok(Next::Send(self.authenticate(seq, &space)?))
    }

    /// Step 13: the credentials were refused; forget them for the realm.
    fn rejected(&mut self, seq: &mut Sequence, space: &Space) -> Next {
        self.logins.retain(|l| l.realm != space.realm);
        self.pi_cache.retain(|k, _| k.2 != space.realm);
        self.drop_session(&seq.target.origin, space);
        seq.sent = Sent::Done;
        Next::Done(Status::AuthRequired {
            space: Some(space.clone()),
            failed: true,
        })
    }

    fn drop_session(&mut self, origin: &Origin, space: &Space) {
        for k in self
            .spaces
            .iter_mut()
            .filter(|k| k.origin == *origin && same_space(&k.space, space))
        {
            k.session = None;
        }
    }

    /// Consumes a response and decides what comes next (section 10.2).
    ///
    /// # Errors
    /// A fatal communication error: the response (body and content headers) MUST NOT be
    /// used. [`Error::ServerNotAuthenticated`] for a wrong or missing VK_s,
    /// [`Error::UnexpectedResponse`] for any response section 10.1 does not allow here,
    /// [`Error::InvalidPublicValue`] for an invalid K_s1.
    pub fn on_response(
        &mut self,
        seq: &mut Sequence,
        response: &Response<'_>,
    ) -> Result<Next, Error> {
        let first = seq.requests == 1;
        // Belongs to this response's request only; the next request starts unverified.
        let verified_early = std::mem::take(&mut seq.verified_early);
        let is_auth_status = matches!(response.status, 401 | 407);
        let challenges = if is_auth_status {
            Self::parse_mutual(response.challenges)
        } else if !response.optional_challenges.is_empty() && !seq.target.proxy {
            // RFC 8053 section 3: an optional challenge is an authentication-initializing
            // response, the same as a 401-INIT.
            Self::parse_mutual(response.optional_challenges)
        } else {
            Vec::new()
        };
        let inits: Vec<Space> = challenges
            .iter()
            .filter_map(|c| match c {
                ServerChallenge::Init { space, .. } => Some(space.clone()),
                ServerChallenge::KexS1 { .. } => None,
            })
            .collect();
        let stale = challenges.iter().any(|c| {
            matches!(
                c,
                ServerChallenge::Init {
                    reason: Reason::StaleSession,
                    ..
                }
            )
        });
        let info = response.authentication_info;
        let normal = !is_auth_status && challenges.is_empty() && info.is_none();

        match std::mem::replace(&mut seq.sent, Sent::Done) {
            Sent::Done => Err(Error::UnexpectedResponse),
            Sent::Normal => {
                if info.is_some()
                    || challenges
                        .iter()
                        .any(|c| matches!(c, ServerChallenge::KexS1 { .. }))
                {
                    return Err(Error::UnexpectedResponse);
                }
                if !inits.is_empty() {
                    return self.on_init(seq, &inits, false);
                }
                if is_auth_status {
                    // 401 without a usable Mutual challenge: not ours to handle.
                    return Ok(Next::Done(Status::AuthRequired {
                        space: None,
                        failed: false,
                    }));
                }
                Ok(Next::Done(Status::Unauthenticated))
            }
            Sent::Kex {
                space,
                kex,
                user,
                pi,
            } => {
                let kex_s1 = challenges.iter().find_map(|c| match c {
                    ServerChallenge::KexS1 {
                        space: s,
                        sid,
                        ks1,
                        nc_max,
                        time,
                        path,
                        ..
                    } if same_space(s, &space) => Some((sid, ks1, *nc_max, *time, path)),
                    _ => None,
                });
                if let Some((sid, ks1, nc_max, time, path)) = kex_s1 {
                    if !is_auth_status {
                        return Err(Error::UnexpectedResponse);
                    }
                    // Step 10. The client MUST check K_s1 (RFC 8121 section 3).
                    let keys = kex.finish(&pi, ks1)?;
                    let origin = seq.target.origin.clone();
                    let i = self.known(&origin, &space)?;
                    let k = &mut self.spaces[i];
                    k.user = Some(user);
                    if let Some(p) = path {
                        k.paths = p
                            .split(' ')
                            .filter(|s| !s.is_empty())
                            .map(str::to_owned)
                            .collect();
                    } else if !k.paths.contains(&seq.target.path) && !seq.target.proxy {
                        k.paths.push(seq.target.path.clone());
                    }
                    k.session = Some(ClientSession {
                        sid: sid.clone(),
                        keys,
                        next_nc: first_nc(nc_max),
                        nc_max,
                        // `time=0` makes the session unusable for reuse at once, but not
                        // for the req-VFY-C of step 10 (`SessionUse::JustEstablished`).
                        expires: Instant::now() + Duration::from_secs(time.min(86_400 * 365)),
                    });
                    seq.requests += 1;
                    // Step 10: "Send a req-VFY-C request", whatever `time` and `nc-max` say.
                    return match self.try_vfy(seq, &space, SessionUse::JustEstablished)? {
                        Some(c) => Ok(Next::Send(c)),
                        // Unreachable: the session was stored just above and
                        // `first_nc(nc_max) <= nc_max`.
                        None => Err(Error::UnexpectedResponse),
                    };
                }
                if !inits.is_empty() {
                    if inits.iter().any(|s| same_space(s, &space)) {
                        // Step 4 / 9 -> 13: credentials refused.
                        return Ok(self.rejected(seq, &space));
                    }
                    if first {
                        return self.on_init(seq, &inits, false);
                    }
                    return Err(Error::UnexpectedResponse);
                }
                if normal && first {
                    return Ok(Next::Done(Status::Unauthenticated));
                }
                if !is_auth_status && info.is_none() && response.status >= 500 {
                    return Ok(Next::Done(Status::Unauthenticated));
                }
                Err(Error::UnexpectedResponse)
            }
            Sent::Vfy {
                space,
                sid,
                vks,
                user,
            } => {
                if is_auth_status {
                    // Any 401 for a req-VFY-C: the session secret is unusable (10.1).
                    self.drop_session(&seq.target.origin, &space);
                    if stale && inits.iter().any(|s| same_space(s, &space)) {
                        if seq.stale_retried || seq.kex_spaces.iter().any(|k| same_space(k, &space))
                        {
                            return Err(Error::UnexpectedResponse);
                        }
                        // Step 9, once per sequence.
                        seq.stale_retried = true;
                        seq.requests += 1;
                        return Ok(Next::Send(self.send_kex(seq, &space)?));
                    }
                    if inits.iter().any(|s| same_space(s, &space)) {
                        return Ok(self.rejected(seq, &space));
                    }
                    if first && !inits.is_empty() {
                        return self.on_init(seq, &inits, false);
                    }
                    return Err(Error::UnexpectedResponse);
                }
                match info {
                    Some(info) => {
                        // Step 14: the vks MUST be right, else nothing of the response is used.
                        if !Self::vks_matches(info, &space, &sid, &vks) {
                            self.drop_session(&seq.target.origin, &space);
                            return Err(Error::ServerNotAuthenticated);
                        }
                        Ok(Next::Done(Status::AuthSucceeded {
                            user,
                            realm: space.realm.clone(),
                        }))
                    }
                    // Section 4.5: the 200-VFY-S's Authentication-Info came in a 100
                    // Continue, checked by `on_informational`; the final response need
                    // not repeat it.
                    None if verified_early => Ok(Next::Done(Status::AuthSucceeded {
                        user,
                        realm: space.realm.clone(),
                    })),
                    None if first && normal && response.status < 500 => {
                        // Step 3 -> 11: the resource is outside the realm.
                        Ok(Next::Done(Status::Unauthenticated))
                    }
                    None if response.status >= 500 => Ok(Next::Done(Status::Unauthenticated)),
                    None => Err(Error::ServerNotAuthenticated),
                }
            }
        }
    }
}
