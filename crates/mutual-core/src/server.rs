//! The server engine (RFC 8120 section 11), an [`AuthScheme`].
//!
//! Sessions live in an [`httpauth_core::SessionStore`] as opaque records under
//! `mutual:sid:<sid>`, their nonce-count windows under `mutual:nc:<sid>`
//! ([`SessionStore::check_count`]). The four states of section 11 map to the store as:
//! "key exchanging" = a record with state byte 0 in eviction class `Pending`;
//! "authenticated" = state 1, class `Established`; "rejected" = state 2, class
//! `Established`; "inactive" = no record (removed, expired or evicted).
//!
//! A req-VFY-C with a wrong `vkc` rejects a session that is still key exchanging (the
//! section 11 MUST) but never changes an authenticated one: it may come from anyone who
//! saw the sid (see `vfy`).
//!
//! # `Authentication-Info` and `Expect: 100-continue`
//! The 200-VFY-S parameters (section 4.5: `version`, `sid`, `vks`) are the `info` of
//! [`Outcome::Authenticated`]; they depend on the request head only (`response` is `None`,
//! [`AuthScheme::body_hashes`] is empty), so they are known before the request body is
//! read. Section 4.5: "If a "100 Continue" response is sent from the server, the
//! Authentication-Info header SHOULD be included in that response, instead of the final
//! response." A server that answers `Expect: 100-continue` therefore authenticates on the
//! head, sends `info` with the 100, and leaves it out of the final response; nothing
//! more is needed from this crate. It "MUST NOT be sent in the trailer".

use crate::encoding::{hex_encode, read_vs, vi, vs};
use crate::kam3;
use crate::messages::{ClientCredentials, Reason, ServerChallenge, Space, VfyS};
use crate::midstate::VkStates;
use crate::scope::{AuthScope, Origin, ScopeKind, Validation};
use crate::{ALL_ALGORITHMS, Algorithm, DEFAULT_ALGORITHMS, Error};
use httpauth_core::store::MemoryStoreConfig;
use httpauth_core::{
    AuthFailure, AuthScheme, CasOutcome, Challenge, Cost, CountCheck, CredentialQuery,
    CredentialStore, Credentials, EvictionClass, FailureKind, FailureReason, MemoryStore, Outcome,
    Principal, RequestContext, SecretBytes, SessionStore, StoredCredential,
};
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use subtle::ConstantTimeEq;

/// Octets of random session identifier (128 bits; section 4.3 asks for at least 80).
pub const SID_LEN: usize = 16;

/// The smallest `nc-window` this server announces (section 4.3 recommends 128 or more).
pub const MIN_NC_WINDOW: u32 = 128;

/// Server settings.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ServerConfig {
    /// The realm.
    pub realm: String,
    /// The algorithms offered, in order of preference (one 401-INIT challenge each). One by
    /// default: RFC 8120 section 5 makes each (algorithm, auth-scope, realm) triple its own
    /// authentication realm and says "server operators are NOT RECOMMENDED to use the same
    /// pair of an authentication scope and a realm with different authentication
    /// algorithms". Several only through [`with_algorithms`](Self::with_algorithms).
    pub algorithms: Vec<&'static dyn Algorithm>,
    /// Which auth-scope to announce (section 5).
    pub scope: ScopeKind,
    /// `nc-max` (section 4.3).
    pub nc_max: u64,
    /// `nc-window`, clamped to `MIN_NC_WINDOW..=httpauth_core::store::MAX_COUNT_WINDOW`.
    pub nc_window: u32,
    /// How long a session is kept and announced as `time` (section 4.3).
    pub session_lifetime: Duration,
    /// The optional `path` parameter of 401-KEX-S1 (space-separated URIs).
    pub path: Option<String>,
    /// For proxy authentication (section 14): the proxy's own origin, whose host is the
    /// auth-scope and whose scheme, host and port make vh. Without it the request's
    /// origin is used.
    pub proxy_origin: Option<Origin>,
}

impl ServerConfig {
    /// Defaults: one algorithm, the first of [`DEFAULT_ALGORITHMS`]
    /// (`iso-kam3-ec-p256-sha256`; RFC 8120 section 5, see
    /// [`algorithms`](Self::algorithms)), single-host scope, `nc-max` 2^31 - 1, `nc-window`
    /// 128, 300-second sessions, no `path`.
    pub fn new(realm: impl Into<String>) -> Self {
        Self {
            realm: realm.into(),
            algorithms: DEFAULT_ALGORITHMS.iter().take(1).copied().collect(),
            scope: ScopeKind::SingleHost,
            nc_max: (1 << 31) - 1,
            nc_window: MIN_NC_WINDOW,
            session_lifetime: Duration::from_secs(300),
            path: None,
            proxy_origin: None,
        }
    }

    /// Offers exactly `algorithm` (the recommended form, RFC 8120 section 5).
    pub fn with_algorithm(mut self, algorithm: &'static dyn Algorithm) -> Self {
        self.algorithms = vec![algorithm];
        self
    }

    /// Replaces the algorithm list, in order of preference.
    ///
    /// With more than one entry this is the explicit opt-in to offering several algorithms
    /// for one realm and auth-scope, which RFC 8120 section 5 does NOT RECOMMEND: every
    /// (algorithm, auth-scope, realm) is a separate authentication realm, so each user
    /// needs a verifier per algorithm, and a client may pick any of them. Prefer
    /// [`with_algorithm`](Self::with_algorithm). An empty list means the default
    /// algorithm.
    pub fn with_algorithms(mut self, algorithms: &[&'static dyn Algorithm]) -> Self {
        self.algorithms = algorithms.to_vec();
        self
    }

    /// Sets the scope kind.
    pub fn with_scope(mut self, scope: ScopeKind) -> Self {
        self.scope = scope;
        self
    }

    /// Sets the `path` parameter.
    pub fn with_path(mut self, path: impl Into<String>) -> Self {
        self.path = Some(path.into());
        self
    }

    /// Sets `nc-max` and `nc-window`.
    pub fn with_nc(mut self, nc_max: u64, nc_window: u32) -> Self {
        self.nc_max = nc_max;
        self.nc_window = nc_window;
        self
    }

    /// Sets the proxy's own origin (section 14).
    pub fn with_proxy_origin(mut self, origin: Origin) -> Self {
        self.proxy_origin = Some(origin);
        self
    }
}

/// The Mutual server: an [`AuthScheme`] over a credential store (verifiers J) and a session
/// store.
pub struct MutualServer {
    config: ServerConfig,
    credentials: Arc<dyn CredentialStore>,
    sessions: Arc<dyn SessionStore>,
    /// Per algorithm (index into [`ALL_ALGORITHMS`]): a random verifier used for unknown
    /// users, so that their exchange costs the same as a real one (section 11, Note 2).
    fake_verifiers: [OnceLock<SecretBytes>; 4],
}

impl core::fmt::Debug for MutualServer {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("MutualServer")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    KeyExchanging = 0,
    Authenticated = 1,
    Rejected = 2,
}

/// One row of the section 11 session table.
///
/// Of the session keys only what req-VFY-C needs is kept: the hash states that have
/// absorbed `octet(4|3) | OCTETS(K_c1) | OCTETS(K_s1) | OCTETS(z)` ([`VkStates`]), about
/// 40 octets each (SHA-256) where K_c1, K_s1 and z are three group elements (768 octets
/// for `iso-kam3-dl-2048-sha256`): issue 19 bounds the memory of an established session
/// by 1 KiB.
struct Record {
    state: State,
    fake: bool,
    algorithm: u8,
    space: Vec<u8>,
    user: String,
    vk: VkStates,
}

/// 2: the key-confirmation states replace K_c1, K_s1 and z (version 1). A record of
/// another version reads as corrupt: its session gets 401-STALE and starts again.
const RECORD_VERSION: u8 = 2;

/// Appends `VS(s)` (RFC 8120 section 12.1) without an intermediate buffer, so secret
/// octets are written once, into the record.
fn push_vs(out: &mut Vec<u8>, s: &[u8]) {
    out.extend_from_slice(&vi(s.len() as u64));
    out.extend_from_slice(s);
}

fn vs_len(s: &[u8]) -> usize {
    vi(s.len() as u64).len() + s.len()
}

impl Record {
    fn encode(&self) -> SecretBytes {
        let fields: [&[u8]; 4] = [
            &self.space,
            self.user.as_bytes(),
            self.vk.vkc_bytes(),
            self.vk.vks_bytes(),
        ];
        // Exactly the record's size: the store keeps this allocation as it is.
        let mut out = Vec::with_capacity(4 + fields.iter().map(|f| vs_len(f)).sum::<usize>());
        out.extend_from_slice(&[
            RECORD_VERSION,
            self.state as u8,
            u8::from(self.fake),
            self.algorithm,
        ]);
        fields.iter().for_each(|f| push_vs(&mut out, f));
        SecretBytes::new(out)
    }

    fn decode(b: &SecretBytes) -> Result<Self, Error> {
        let bytes = b.expose_secret();
        let (head, mut rest) = bytes.split_at_checked(4).ok_or(Error::CorruptSession)?;
        if head[0] != RECORD_VERSION {
            return Err(Error::CorruptSession);
        }
        let state = match head[1] {
            0 => State::KeyExchanging,
            1 => State::Authenticated,
            2 => State::Rejected,
            _ => return Err(Error::CorruptSession),
        };
        let alg = ALL_ALGORITHMS
            .get(usize::from(head[3]))
            .ok_or(Error::CorruptSession)?;
        let mut field = || read_vs(&mut rest).ok_or(Error::CorruptSession);
        let space = field()?.to_vec();
        let user = String::from_utf8(field()?.to_vec()).map_err(|_| Error::CorruptSession)?;
        let (vkc, vks) = (field()?, field()?);
        let vk = VkStates::from_parts(alg.mutual_hash(), vkc, vks).ok_or(Error::CorruptSession)?;
        if !rest.is_empty() {
            return Err(Error::CorruptSession);
        }
        Ok(Self {
            state,
            fake: head[2] != 0,
            algorithm: head[3],
            space,
            user,
            vk,
        })
    }
}

/// What the request expects: its origin, the space parameters and vh.
struct Expected {
    scope: String,
    validation: Validation,
    vh: Vec<u8>,
}

fn space_key(space: &Space) -> Vec<u8> {
    let mut k = vs(space.algorithm.token().as_bytes());
    k.extend(vs(space.validation.token().as_bytes()));
    k.extend(vs(space.auth_scope.as_deref().unwrap_or("").as_bytes()));
    k.extend(vs(space.realm.as_bytes()));
    k
}

fn sid_key(sid: &[u8]) -> String {
    format!("mutual:sid:{}", hex_encode(sid))
}

fn nc_key(sid: &[u8]) -> String {
    format!("mutual:nc:{}", hex_encode(sid))
}

fn algorithm_index(a: &dyn Algorithm) -> u8 {
    ALL_ALGORITHMS
        .iter()
        .position(|x| x.token() == a.token())
        .and_then(|i| u8::try_from(i).ok())
        .unwrap_or(u8::MAX)
}

impl MutualServer {
    /// A server with its own bounded in-memory session table (the `MemoryStore` defaults:
    /// 100,000 entries, 64 MiB; authenticated and rejected sessions are evicted before key
    /// exchanges in progress).
    pub fn new(config: ServerConfig, credentials: Arc<dyn CredentialStore>) -> Self {
        let store = MemoryStore::new(MemoryStoreConfig::default());
        Self::with_store(config, credentials, Arc::new(store))
    }

    /// A server over a given session store (shared between servers, or bounded differently).
    pub fn with_store(
        config: ServerConfig,
        credentials: Arc<dyn CredentialStore>,
        sessions: Arc<dyn SessionStore>,
    ) -> Self {
        let mut config = config;
        // No algorithm would mean a 401 without any challenge: use the default one.
        if config.algorithms.is_empty() {
            config.algorithms = DEFAULT_ALGORITHMS.iter().take(1).copied().collect();
        }
        config.nc_window = config
            .nc_window
            .clamp(MIN_NC_WINDOW, httpauth_core::store::MAX_COUNT_WINDOW);
        let server = Self {
            config,
            credentials,
            sessions,
            fake_verifiers: Default::default(),
        };
        // Make the fake verifiers now, so that the first unknown user's exchange is not
        // slower than a real one by one exponentiation. A failure (no randomness) is
        // retried at the first use.
        for &alg in &server.config.algorithms {
            let _ = server.fake_verifier(alg);
        }
        server
    }

    /// The configuration.
    pub fn config(&self) -> &ServerConfig {
        &self.config
    }

    fn origin(&self, req: &RequestContext<'_>) -> Result<Origin, Error> {
        match (&self.config.proxy_origin, req.proxy) {
            (Some(o), true) => Ok(o.clone()),
            _ => Origin::of_request(req),
        }
    }

    fn expected(&self, req: &RequestContext<'_>) -> Result<Expected, Error> {
        let origin = self.origin(req)?;
        let scope = if req.proxy {
            // Section 14: the auth-scope is fixed to the proxy's host name.
            AuthScope::SingleHost(origin.host().to_owned())
        } else {
            self.config.scope.scope_for(&origin)
        };
        // Section 7: over TLS with a certificate, tls-server-end-point; else host.
        let tse = req
            .tls
            .and_then(|t| t.channel_bindings.tls_server_end_point.as_ref());
        let (validation, vh) = match tse {
            Some(h) if origin.scheme() == "https" => (Validation::TlsServerEndPoint, h.clone()),
            _ => (Validation::Host, origin.vh_host().into_bytes()),
        };
        Ok(Expected {
            scope: scope.canonical(),
            validation,
            vh,
        })
    }

    fn space(&self, alg: &'static dyn Algorithm, e: &Expected) -> Space {
        Space {
            algorithm: alg,
            validation: e.validation,
            auth_scope: Some(e.scope.clone()),
            realm: self.config.realm.clone(),
        }
    }

    fn init_challenges(
        &self,
        e: &Expected,
        only: Option<&'static dyn Algorithm>,
        reason: Reason,
    ) -> Vec<Challenge> {
        let algs: Vec<&'static dyn Algorithm> = match only {
            Some(a) => vec![a],
            None => self.config.algorithms.clone(),
        };
        algs.into_iter()
            .filter_map(|a| {
                ServerChallenge::Init {
                    space: self.space(a, e),
                    reason: reason.clone(),
                }
                .to_challenge()
                .ok()
            })
            .collect()
    }

    fn fail(
        &self,
        e: &Expected,
        kind: FailureKind,
        why: FailureReason,
        only: Option<&'static dyn Algorithm>,
        reason: Reason,
    ) -> Outcome {
        Outcome::Failed(
            AuthFailure::new(kind, why).with_challenges(self.init_challenges(e, only, reason)),
        )
    }

    fn unavailable() -> Outcome {
        Outcome::Failed(AuthFailure::new(
            FailureKind::Unavailable,
            FailureReason::Store,
        ))
    }

    fn fake_verifier(&self, alg: &'static dyn Algorithm) -> Result<SecretBytes, Error> {
        let i = usize::from(algorithm_index(alg));
        let slot = self.fake_verifiers.get(i).ok_or(Error::CorruptSession)?;
        if let Some(j) = slot.get() {
            return Ok(j.duplicate());
        }
        let pi = crate::algorithm::random_bytes(alg.hash_len())?;
        let j = alg.verifier(&pi)?;
        Ok(slot.get_or_init(|| j).duplicate())
    }

    /// The verifier of `user`, or `None` for an unknown user.
    fn verifier(
        &self,
        alg: &'static dyn Algorithm,
        e: &Expected,
        user: &str,
    ) -> Result<Option<SecretBytes>, httpauth_core::Error> {
        let q = CredentialQuery::MutualVerifier {
            algorithm: alg.token(),
            auth_scope: &e.scope,
            realm: &self.config.realm,
        };
        Ok(match self.credentials.lookup(user, q)? {
            Some(StoredCredential::MutualVerifier(j)) => Some(j),
            _ => None,
        })
    }

    fn kex(&self, e: &Expected, space: Space, user: String, kc1: Vec<u8>) -> Outcome {
        let alg = space.algorithm;
        // Section 11: "If the server cannot validate the parameter kc1, send a 401-INIT (+)".
        if alg.validate_public(&kc1).is_err() {
            return self.fail(
                e,
                FailureKind::Unauthorized,
                FailureReason::InvalidKey,
                Some(alg),
                Reason::InvalidParameters,
            );
        }
        let (j, fake) = match self.verifier(alg, e, &user) {
            Ok(Some(j)) if alg.validate_verifier(&j).is_ok() => (j, false),
            // A stored verifier that is not a valid group element: fail closed (503).
            Ok(Some(_)) => return Self::unavailable(),
            // Section 11, Note 2: an unknown user gets a fake session, failing only at
            // req-VFY-C; the fake verifier makes the work identical.
            Ok(None) => match self.fake_verifier(alg) {
                Ok(j) => (j, true),
                Err(_) => return Self::unavailable(),
            },
            Err(_) => return Self::unavailable(),
        };
        let keys = match kam3::server_exchange(alg, &j, &kc1) {
            Ok(k) => k,
            // RFC 8121 section 5.2: a degenerate K_s1 means a bad J; reject, never retry.
            Err(_) => {
                return self.fail(
                    e,
                    FailureKind::Unauthorized,
                    FailureReason::InvalidKey,
                    Some(alg),
                    Reason::InternalError,
                );
            }
        };
        let record = Record {
            state: State::KeyExchanging,
            fake,
            algorithm: algorithm_index(alg),
            space: space_key(&space),
            user,
            vk: VkStates::new(alg.mutual_hash(), &keys),
        };
        let ttl = self.config.session_lifetime;
        let sid = loop {
            let sid = match crate::algorithm::random_bytes(SID_LEN) {
                Ok(s) => s.expose_secret().to_vec(),
                Err(_) => return Self::unavailable(),
            };
            match self
                .sessions
                .insert(&sid_key(&sid), record.encode(), ttl, EvictionClass::Pending)
            {
                Ok(Some(_)) => break sid,
                Ok(None) => continue,
                Err(_) => return Self::unavailable(),
            }
        };
        let challenge = ServerChallenge::KexS1 {
            space,
            sid,
            ks1: keys.ks1.clone(),
            nc_max: self.config.nc_max,
            nc_window: u64::from(self.config.nc_window),
            time: ttl.as_secs(),
            path: self.config.path.clone(),
        };
        match challenge.to_challenge() {
            Ok(c) => Outcome::Continue {
                challenges: vec![c],
            },
            Err(_) => Self::unavailable(),
        }
    }

    fn drop_session(&self, sid: &[u8]) {
        // Best effort: a store error here leaves an entry that expires on its own.
        let _ = self.sessions.remove(&sid_key(sid));
        let _ = self.sessions.remove(&nc_key(sid));
    }

    fn vfy(&self, e: &Expected, space: Space, sid: Vec<u8>, nc: u64, vkc: Vec<u8>) -> Outcome {
        let alg = space.algorithm;
        let stale = |why| self.fail(e, FailureKind::Stale, why, Some(alg), Reason::StaleSession);
        let key = sid_key(&sid);
        let entry = match self.sessions.get(&key) {
            Ok(Some(entry)) => entry,
            Ok(None) => return stale(FailureReason::Expired),
            Err(_) => return Self::unavailable(),
        };
        let Ok(record) = Record::decode(&entry.value) else {
            self.drop_session(&sid);
            return stale(FailureReason::BadSession);
        };
        // Sessions are local to a realm (section 6): another space's sid is unknown here.
        if record.space != space_key(&space) || record.algorithm != algorithm_index(alg) {
            return stale(FailureReason::BadSession);
        }
        let auth_failed = |why| {
            self.fail(
                e,
                FailureKind::Unauthorized,
                why,
                Some(alg),
                Reason::AuthFailed,
            )
        };
        if record.state == State::Rejected {
            return auth_failed(FailureReason::BadSession);
        }
        // vkc is checked before anything about nc touches the session. VK_c covers nc
        // (section 12.2: VK_c = INT(H(octet(4) | OCTETS(K_c1) | OCTETS(K_s1) | OCTETS(z) |
        // VI(nc) | VS(vh)))), so a request
        // whose vkc is wrong is not a message of this session at all: it comes from someone
        // who saw the sid but does not hold z, and its nc was never "received in the
        // session" (section 6). Acting on its nc first (401-STALE and dropping the session
        // for an nc above nc-max or an nc already used, as section 11 lists those clauses
        // before the vkc one) would let anyone who sees a sid end the session with one
        // forged request (issue 13). Such a request gets the 401-INIT (+) of the vkc clause
        // instead, and an authenticated session stays as it was (below).
        let expected = record.vk.vk_c(nc, &e.vh);
        let ok = bool::from(expected.as_slice().ct_eq(vkc.as_slice())) && !record.fake;
        let ttl = self.config.session_lifetime;
        if !ok {
            let why = if record.fake {
                FailureReason::UnknownUser
            } else {
                FailureReason::BadCredentials
            };
            match record.state {
                // Section 11: "If the session is in the "key exchanging" state, it MUST be
                // changed to the "rejected" state". (A compare-and-swap: if the client's
                // own req-VFY-C authenticated the session meanwhile, it stays so.)
                State::KeyExchanging => {
                    let rejected = Record {
                        state: State::Rejected,
                        ..record
                    };
                    let _ = self.sessions.compare_and_swap(
                        &key,
                        entry.version,
                        rejected.encode(),
                        ttl,
                        EvictionClass::Established,
                    );
                }
                // Section 11: "otherwise, it MAY either be changed to the "rejected" state
                // or kept in the previous state". Kept: the store is not written at all, so
                // a forged vkc cannot end, reject or shorten an authenticated session.
                State::Authenticated | State::Rejected => {}
            }
            return auth_failed(why);
        }
        // From here on the request proves knowledge of z for this nc.
        // Section 11: nc above nc-max MAY give 401-STALE; the session becomes inactive.
        if nc > self.config.nc_max {
            self.drop_session(&sid);
            return stale(FailureReason::Replay);
        }
        // Section 6 / 11: every nc at most once, within the window. The first req-VFY-C of
        // a session creates the window; later ones use `check_count_existing`, so a window
        // lost (evicted or expired) while the record lived never silently restarts and
        // accepts old nc values again: the session becomes inactive (401-STALE) instead.
        // The window is made before the record turns "authenticated", so a parallel
        // request that sees the authenticated record always finds the window.
        let first_vfy = record.state == State::KeyExchanging;
        let window = self.config.nc_window;
        let nc_key = nc_key(&sid);
        let checked = if first_vfy {
            self.sessions
                .check_count(&nc_key, nc, window, ttl)
                .map(Some)
        } else {
            self.sessions.check_count_existing(&nc_key, nc, window, ttl)
        };
        match checked {
            Ok(Some(CountCheck::Fresh)) => {}
            Ok(None) => {
                self.drop_session(&sid);
                return stale(FailureReason::Expired);
            }
            // Section 6: "if any duplication is detected, the server MUST discard the
            // session and respond with a 401-STALE message" (a replay of a whole captured
            // request, correct vkc included); an nc below the window MAY be treated alike.
            // A verdict this version does not know counts as a replay: fail closed.
            Ok(Some(_)) => {
                self.drop_session(&sid);
                return stale(FailureReason::Replay);
            }
            Err(_) => return Self::unavailable(),
        }
        // First req-VFY-C: key exchanging -> authenticated.
        if first_vfy {
            let authed = Record {
                state: State::Authenticated,
                ..record
            };
            match self.sessions.compare_and_swap(
                &key,
                entry.version,
                authed.encode(),
                ttl,
                EvictionClass::Established,
            ) {
                Ok(CasOutcome::Swapped { .. }) => {}
                // A parallel request changed the record first: a correct req-VFY-C (same
                // keys, the session is authenticated: fine) or a wrong one, which rejected
                // the session (section 11: key exchanging -> rejected), and a rejected
                // session stays rejected.
                Ok(CasOutcome::Conflict) => match self.sessions.get(&key) {
                    Ok(Some(now)) => match Record::decode(&now.value).map(|r| r.state) {
                        Ok(State::Authenticated) => {}
                        Ok(State::Rejected) => return auth_failed(FailureReason::BadSession),
                        Ok(State::KeyExchanging) | Err(_) => {
                            return stale(FailureReason::BadSession);
                        }
                    },
                    Ok(None) => return stale(FailureReason::Expired),
                    Err(_) => return Self::unavailable(),
                },
                Ok(CasOutcome::Missing) => return stale(FailureReason::Expired),
                // An outcome this version does not know: nothing is assumed written.
                Ok(_) | Err(_) => return Self::unavailable(),
            }
            return self.success(alg, &authed, sid, nc, e);
        }
        self.success(alg, &record, sid, nc, e)
    }

    fn success(
        &self,
        alg: &'static dyn Algorithm,
        record: &Record,
        sid: Vec<u8>,
        nc: u64,
        e: &Expected,
    ) -> Outcome {
        // RFC 8121 section 5.1: VK_s only after a correct VK_c, which holds here.
        let vks = record.vk.vk_s(nc, &e.vh);
        let info = VfyS {
            sid,
            vks: alg.wire_encoding().encode(&vks),
        };
        match info.to_params(alg) {
            Ok(info) => Outcome::Authenticated {
                principal: Principal::new(
                    record.user.clone(),
                    crate::messages::SCHEME,
                    Some(self.config.realm.clone()),
                ),
                info,
                response: None,
            },
            Err(_) => Self::unavailable(),
        }
    }

    /// 401-INIT challenges with any `reason` (RFC 8120 section 4.1), one per configured
    /// algorithm, for decisions the application makes itself: `reauth-needed` to force a new
    /// authentication, `authz-failed` for an authenticated user without access (with 401 or
    /// 403), `internal-error`. (`stale-session` makes them 401-STALE.)
    pub fn init_challenges_for(
        &self,
        request: &RequestContext<'_>,
        reason: Reason,
    ) -> Vec<Challenge> {
        match self.expected(request) {
            Ok(e) => self.init_challenges(&e, None, reason),
            Err(_) => Vec::new(),
        }
    }
}

impl AuthScheme for MutualServer {
    fn name(&self) -> &str {
        crate::messages::SCHEME
    }

    /// One 401-INIT challenge (`reason=initial`) per configured algorithm.
    fn challenges(&self, request: &RequestContext<'_>) -> Vec<Challenge> {
        self.init_challenges_for(request, Reason::Initial)
    }

    /// [`Cost::Cpu`] for a req-KEX-C1 (credentials with `kc1`, RFC 8120 section 4.2): the
    /// server computes K_s1 and z, exponentiations in the algorithm's group (RFC 8121
    /// section 3), milliseconds for the DL groups. [`Cost::Cheap`] for everything else: a
    /// req-VFY-C (section 4.4) is one hash and a session-store lookup.
    ///
    /// The session store's own cost is not known to this crate (`SessionStore` does not
    /// say whether it is remote): a server whose store waits on the network (Redis) runs
    /// req-VFY-C where blocking is allowed itself.
    fn cost(&self, credentials: &Credentials) -> Cost {
        let kex = credentials.is_scheme(crate::messages::SCHEME)
            && credentials
                .param_list()
                .is_some_and(|ps| ps.get("kc1").is_some());
        if kex { Cost::Cpu } else { Cost::Cheap }
    }

    /// The same 401-INIT challenges (`reason=initial`) as
    /// [`challenges`](AuthScheme::challenges), for `Optional-WWW-Authenticate` (RFC 8053
    /// section 3). None for a proxy: RFC 8053 optional authentication is defined for
    /// origin servers only (RFC 8053 section 3, RFC 8120 section 14).
    fn optional_challenges(&self, request: &RequestContext<'_>) -> Vec<Challenge> {
        if request.proxy {
            return Vec::new();
        }
        self.challenges(request)
    }

    /// True if `failure` may be answered with a successful response carrying
    /// `Optional-WWW-Authenticate` instead of a 401 (RFC 8120 section 11 Note 1, RFC 8053
    /// section 3): only 401-INITs with `reason=initial` (no or foreign credentials), never
    /// the "(+)" ones, 401-STALE or 401-KEX-S1.
    fn may_answer_optionally(&self, failure: &AuthFailure) -> bool {
        failure.kind() == FailureKind::Unauthorized
            && failure.reason() != FailureReason::BadCredentials
            && !failure.challenges().is_empty()
            && failure.challenges().iter().all(|c| {
                c.value("reason")
                    .is_some_and(|r| r.eq_ignore_ascii_case("initial"))
            })
    }

    fn authenticate(&self, request: &RequestContext<'_>, credentials: &Credentials) -> Outcome {
        let Ok(e) = self.expected(request) else {
            return Outcome::Failed(AuthFailure::new(
                FailureKind::BadRequest,
                FailureReason::Malformed,
            ));
        };
        let msg = match ClientCredentials::from_credentials(credentials) {
            Ok(m) => m,
            Err(Error::UnknownAlgorithm(_) | Error::UnsupportedValidation(_)) => {
                return self.fail(
                    &e,
                    FailureKind::Unauthorized,
                    FailureReason::Mismatch,
                    None,
                    Reason::InvalidParameters,
                );
            }
            Err(_) => {
                return self.fail(
                    &e,
                    FailureKind::Unauthorized,
                    FailureReason::Malformed,
                    None,
                    Reason::InvalidParameters,
                );
            }
        };
        let space = msg.space().clone();
        let alg = space.algorithm;
        let offered = self
            .config
            .algorithms
            .iter()
            .any(|a| a.token() == alg.token());
        // Section 11: a request for another protection space gets a 401-INIT. A foreign
        // realm or scope is an "authentication-initializing" case (RFC 8053 section 2.1);
        // a wrong algorithm or validation method is invalid-parameters.
        if !offered || space.validation != e.validation {
            return self.fail(
                &e,
                FailureKind::Unauthorized,
                FailureReason::Mismatch,
                None,
                Reason::InvalidParameters,
            );
        }
        if space.realm != self.config.realm || space.auth_scope.as_deref() != Some(&e.scope) {
            return self.fail(
                &e,
                FailureKind::Unauthorized,
                FailureReason::Mismatch,
                None,
                Reason::Initial,
            );
        }
        match msg {
            ClientCredentials::KexC1 { user, kc1, .. } => self.kex(&e, space, user, kc1),
            ClientCredentials::VfyC { sid, nc, vkc, .. } => self.vfy(&e, space, sid, nc, vkc),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_round_trip_and_corruption() {
        let alg = ALL_ALGORITHMS[2];
        let keys = kam3::SessionKeys {
            kc1: vec![1; 33],
            ks1: vec![2; 33],
            z: SecretBytes::from_slice(&[3; 33]),
        };
        let r = Record {
            state: State::Authenticated,
            fake: false,
            algorithm: 2,
            space: b"space".to_vec(),
            user: "Renée".into(),
            vk: VkStates::new(alg.mutual_hash(), &keys),
        };
        let enc = r.encode();
        let d = Record::decode(&enc).unwrap();
        assert_eq!(d.state, State::Authenticated);
        assert_eq!(d.user, "Renée");
        assert_eq!(d.vk.vk_c(5, b"vh"), kam3::vk_c(alg, &keys, 5, b"vh"));
        assert_eq!(d.vk.vk_s(5, b"vh"), kam3::vk_s(alg, &keys, 5, b"vh"));
        let b = enc.expose_secret();
        for cut in 0..b.len() {
            assert!(Record::decode(&SecretBytes::from_slice(&b[..cut])).is_err());
        }
        let mut bad = b.to_vec();
        bad[1] = 9;
        assert!(Record::decode(&SecretBytes::new(bad)).is_err());
        // A record of the first version (K_c1, K_s1 and z) is not read as this one.
        let mut v1 = b.to_vec();
        v1[0] = 1;
        assert!(Record::decode(&SecretBytes::new(v1)).is_err());
        // Another algorithm's hash: the states do not fit.
        let other = ALL_ALGORITHMS
            .iter()
            .position(|a| a.mutual_hash() != alg.mutual_hash())
            .unwrap();
        let mut bad = b.to_vec();
        bad[3] = u8::try_from(other).unwrap();
        assert!(Record::decode(&SecretBytes::new(bad)).is_err());
    }
}
