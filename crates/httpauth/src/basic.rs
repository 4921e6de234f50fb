//! Basic (RFC 7617) as an [`AuthScheme`], over any [`PasswordVerifier`] (the `authfile`
//! htpasswd files, or your own store).
//!
//! What it adds to "decode and compare":
//! - `charset="UTF-8"` in the challenge (RFC 7617 section 2.1);
//! - mod_ssl's FakeBasicAuth spoof refusal on every location: a user name that starts with
//!   `/` (a one-line certificate DN) with the password `password` is answered 403, never
//!   checked against the file (mod_ssl `ssl_hook_UserCheck`, "Encountered FakeBasicAuth
//!   spoof"), so DN records made for `SSLOptions +FakeBasicAuth` can never be used without
//!   the certificate;
//! - a cap on the password length before any hashing work ([`MAX_PASSWORD_BYTES`]);
//! - [`Cost::Cpu`] only for costly hashes: bcrypt and SHA-crypt run on a bounded pool,
//!   while a check the verifier estimates at most [`DEFAULT_INLINE_LIMIT`] (`{SHA}`, apr1:
//!   [`PasswordVerifier::verify_estimate`]) runs where the request does, as httpd and nginx
//!   run every check, without a hop to the pool ([`BasicScheme::with_inline_limit`]);
//! - an optional verified-credential cache in the spirit of Apache's `mod_authn_socache`
//!   ([`CredentialCache`]).
//!
//! Unknown users: the verifier must do the same work as for a wrong password
//! (`authfile`'s files run a decoy hash of the costliest format they hold).

use hmac::{KeyInit as _, Mac as _};
use httpauth_core::subtle::ConstantTimeEq as _;
use httpauth_core::{
    AuthFailure, AuthParam, AuthParams, AuthScheme, Challenge, Cost, Credentials, FailureKind,
    FailureReason, Outcome, Password, PasswordVerifier, Principal, RequestContext,
};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use zeroize::Zeroizing;

/// The longest password Basic checks, in bytes. Longer ones fail without hashing: a hash
/// over an 11 KB password costs about 130 times a normal one (SHA-crypt and apr1 run over
/// the whole password each round), and no real password is this long. bcrypt reads only
/// the first 72 bytes anyway.
pub const MAX_PASSWORD_BYTES: usize = 1024;

/// The longest check [`BasicScheme`] runs inline (on the executor) by default: 300 us,
/// enough for apr1 with a password of up to 47 bytes by authfile's estimate (1,000 MD5
/// compressions of one block, about 120-140 us on a 2.5 GHz x86-64 core, for passwords of
/// up to 15 bytes; at most two blocks a round up to 47) and `{SHA}`, and still an order
/// of magnitude under bcrypt at its smallest cost (2.6 ms) and SHA-crypt (1.7 ms).
/// Checking apr1 inline is what nginx does on its event loop; sending it to the pool
/// instead cost about 90 us of thread hand-offs per request on a busy core
/// (`docs/performance.md`, Basic apr1).
pub const DEFAULT_INLINE_LIMIT: Duration = Duration::from_micros(300);

/// The password mod_ssl's FakeBasicAuth pairs with a certificate DN.
const FAKE_BASIC_PASSWORD: &str = "password";

/// RFC 7617 Basic over a [`PasswordVerifier`].
pub struct BasicScheme {
    realm: String,
    users: Arc<dyn PasswordVerifier>,
    cache: Option<CredentialCache>,
    max_password_bytes: usize,
    inline_limit: Duration,
}

impl std::fmt::Debug for BasicScheme {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BasicScheme")
            .field("realm", &self.realm)
            .field("cache", &self.cache.is_some())
            .field("max_password_bytes", &self.max_password_bytes)
            .field("inline_limit", &self.inline_limit)
            .finish_non_exhaustive()
    }
}

impl BasicScheme {
    /// Basic for `realm`, checking passwords with `users`.
    pub fn new(realm: impl Into<String>, users: Arc<dyn PasswordVerifier>) -> Self {
        Self {
            realm: realm.into(),
            users,
            cache: None,
            max_password_bytes: MAX_PASSWORD_BYTES,
            inline_limit: DEFAULT_INLINE_LIMIT,
        }
    }

    /// Checks passwords inline (as [`Cost::Cheap`]) when the verifier estimates the check
    /// at most `limit` ([`PasswordVerifier::verify_estimate`]); longer ones, and those
    /// of a verifier that cannot tell, run on the pool. Default [`DEFAULT_INLINE_LIMIT`].
    /// [`Duration::ZERO`] sends every check to the pool: then a flood of wrong apr1
    /// passwords can take no more than the pool's share of the CPUs, at the price of a
    /// thread hand-off per request.
    pub fn with_inline_limit(mut self, limit: Duration) -> Self {
        self.inline_limit = limit;
        self
    }

    /// Remembers verified credentials in `cache` (see [`CredentialCache`]).
    pub fn with_cache(mut self, cache: CredentialCache) -> Self {
        self.cache = Some(cache);
        self
    }

    /// Sets the longest password checked (default [`MAX_PASSWORD_BYTES`]).
    pub fn with_max_password_bytes(mut self, max: usize) -> Self {
        self.max_password_bytes = max;
        self
    }

    /// The realm.
    pub fn realm(&self) -> &str {
        &self.realm
    }

    fn verify(&self, user: &str, password: &Password) -> Outcome {
        if is_spoof(user, password) {
            tracing::warn!(user, "encountered FakeBasicAuth spoof");
            return AuthFailure::new(FailureKind::Forbidden, FailureReason::Disallowed).into();
        }
        if password.as_bytes().len() > self.max_password_bytes {
            return AuthFailure::unauthorized(FailureReason::Disallowed).into();
        }
        if let Some(cache) = &self.cache
            && cache.contains(user, password)
        {
            return self.authenticated(user);
        }
        match self.users.verify_password(user, password) {
            Ok(true) => {
                if let Some(cache) = &self.cache {
                    cache.insert(user, password);
                }
                self.authenticated(user)
            }
            Ok(false) => AuthFailure::unauthorized(FailureReason::BadCredentials).into(),
            Err(e) => {
                tracing::warn!(realm = %self.realm, error = %e, "password store failed");
                AuthFailure::new(FailureKind::Unavailable, FailureReason::Store).into()
            }
        }
    }

    fn authenticated(&self, user: &str) -> Outcome {
        Outcome::authenticated(
            Principal::new(user, "Basic", Some(self.realm.clone())),
            AuthParams::new(),
        )
    }
}

impl AuthScheme for BasicScheme {
    fn name(&self) -> &str {
        "Basic"
    }

    /// RFC 7617 section 2: `Basic realm="..."`; section 2.1: `charset="UTF-8"`.
    fn challenges(&self, _request: &RequestContext<'_>) -> Vec<Challenge> {
        let c = Challenge::new("Basic").and_then(|c| {
            c.param(AuthParam::quoted("realm", self.realm.as_str())?)?
                .param(AuthParam::quoted("charset", "UTF-8")?)
        });
        match c {
            Ok(c) => vec![c],
            Err(e) => {
                // Only a realm that cannot be a quoted-string gets here; the builder of
                // a server should have refused it.
                tracing::error!(realm = %self.realm, error = %e, "cannot make a Basic challenge");
                Vec::new()
            }
        }
    }

    fn authenticate(&self, _request: &RequestContext<'_>, credentials: &Credentials) -> Outcome {
        match httpauth_headers::basic::decode(credentials) {
            Ok((user, password)) => self.verify(&user, &password),
            Err(_) => AuthFailure::new(FailureKind::BadRequest, FailureReason::Malformed).into(),
        }
    }

    /// A password hash the verifier estimates at most the inline limit (`{SHA}`, apr1
    /// with a password of up to 47 bytes; [`with_inline_limit`](Self::with_inline_limit)) is
    /// [`Cost::Cheap`]; milliseconds of bcrypt and SHA-crypt, or a check the verifier
    /// cannot estimate, are [`Cost::Cpu`]. Credentials found in the verified-credential
    /// cache need only an HMAC-SHA-256 (microseconds) and are [`Cost::Cheap`] whatever the
    /// hash: a client that sends the same correct `Authorization` on every request is then
    /// answered on the executor without a hop to the pool (about 35 us per request in the
    /// `layer_overhead` bench). Only successes are cached, so wrong passwords always cost
    /// the hash. Credentials answered without any hash (malformed, too long, a
    /// FakeBasicAuth spoof) are [`Cost::Cheap`]. An entry that expires between this call
    /// and `authenticate` costs one hash on the executor.
    fn cost(&self, credentials: &Credentials) -> Cost {
        let Ok((user, password)) = httpauth_headers::basic::decode(credentials) else {
            return Cost::Cheap;
        };
        let len = password.as_bytes().len();
        if len > self.max_password_bytes || is_spoof(&user, &password) {
            return Cost::Cheap;
        }
        if let Some(cache) = &self.cache
            && cache.contains(&user, &password)
        {
            return Cost::Cheap;
        }
        match self.users.verify_estimate(&user, len) {
            Some(t) if t <= self.inline_limit => Cost::Cheap,
            _ => Cost::Cpu,
        }
    }
}

/// mod_ssl (ssl_engine_kernel.c, `ssl_hook_UserCheck`): a user name that starts with `/`
/// and the password `password` is what `SSLOptions +FakeBasicAuth` makes up from a
/// client certificate's one-line DN; a client that sends it itself is spoofing one.
fn is_spoof(user: &str, password: &Password) -> bool {
    user.starts_with('/') && bool::from(password.as_bytes().ct_eq(FAKE_BASIC_PASSWORD.as_bytes()))
}

/// True when `credentials` are Basic credentials in the FakeBasicAuth form (a one-line
/// DN as the user name, `password` as the password). mod_ssl answers these 403
/// ("Encountered FakeBasicAuth spoof") on every request that authenticates, before any
/// authentication module runs and whatever schemes the location offers; the
/// [`Guard`](crate::Guard) does the same.
pub fn is_fake_basic_spoof(credentials: &Credentials) -> bool {
    credentials.is_scheme("Basic")
        && httpauth_headers::basic::decode(credentials)
            .is_ok_and(|(user, password)| is_spoof(&user, &password))
}

/// Verified Basic credentials remembered for a while, so that a client sending the same
/// `Authorization` on every request does not pay a password hash each time (Apache's
/// `AuthBasicProvider socache file` with `mod_authn_socache`).
///
/// Entries are keyed by `HMAC-SHA-256(k, user NUL password)` under a random key made at
/// construction: neither passwords nor hashes of them that could be attacked offline are
/// kept. Only successes are cached, so a wrong password always costs the full hash. A
/// password changed in the file is still accepted for at most the time-to-live (the same
/// trade-off as `AuthnCacheTimeout`, default 300 s). Bounded: when full, expired entries
/// are dropped, then the oldest.
pub struct CredentialCache {
    key: Zeroizing<[u8; 32]>,
    ttl: Duration,
    capacity: usize,
    entries: Mutex<HashMap<[u8; 32], Instant>>,
}

impl std::fmt::Debug for CredentialCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CredentialCache")
            .field("ttl", &self.ttl)
            .field("capacity", &self.capacity)
            .finish_non_exhaustive()
    }
}

/// The time-to-live `mod_authn_socache` uses by default (`AuthnCacheTimeout 300`).
pub const DEFAULT_CACHE_TTL: Duration = Duration::from_secs(300);

impl CredentialCache {
    /// A cache of at most `capacity` entries, each valid for `ttl`.
    ///
    /// # Errors
    /// The operating system's random number generator failed.
    pub fn new(ttl: Duration, capacity: usize) -> Result<Self, getrandom::Error> {
        let mut key = Zeroizing::new([0u8; 32]);
        getrandom::fill(&mut key[..])?;
        Ok(Self {
            key,
            ttl,
            capacity: capacity.max(1),
            entries: Mutex::new(HashMap::new()),
        })
    }

    fn tag(&self, user: &str, password: &Password) -> [u8; 32] {
        let mut mac = match hmac::Hmac::<sha2::Sha256>::new_from_slice(&self.key[..]) {
            Ok(m) => m,
            // HMAC takes keys of any length.
            Err(_) => return [0u8; 32],
        };
        mac.update(user.as_bytes());
        mac.update(&[0]);
        mac.update(password.as_bytes());
        mac.finalize().into_bytes().into()
    }

    fn contains(&self, user: &str, password: &Password) -> bool {
        let tag = self.tag(user, password);
        let now = Instant::now();
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        match entries.get(&tag) {
            Some(&expires) if expires > now => true,
            Some(_) => {
                entries.remove(&tag);
                false
            }
            None => false,
        }
    }

    fn insert(&self, user: &str, password: &Password) {
        let tag = self.tag(user, password);
        let now = Instant::now();
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= self.capacity {
            entries.retain(|_, expires| *expires > now);
        }
        if entries.len() >= self.capacity {
            // O(n) scan, n <= capacity, only when full of live entries.
            if let Some(oldest) = entries.iter().min_by_key(|(_, e)| **e).map(|(k, _)| *k) {
                entries.remove(&oldest);
            }
        }
        entries.insert(tag, now + self.ttl);
    }

    /// Number of entries held (live or expired but not yet dropped).
    pub fn len(&self) -> usize {
        self.entries.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// True when nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    struct Users(AtomicUsize);
    impl PasswordVerifier for Users {
        fn verify_password(
            &self,
            user: &str,
            password: &Password,
        ) -> Result<bool, httpauth_core::Error> {
            self.0.fetch_add(1, Ordering::SeqCst);
            Ok(user == "alice" && password.expose_secret() == "wonderland"
                || user == "/CN=Alice" && password.expose_secret() == "password")
        }
    }

    fn req() -> RequestContext<'static> {
        RequestContext::new("GET", "/", "http", "localhost")
    }

    fn creds(user: &str, pw: &str) -> Credentials {
        httpauth_headers::basic::credentials(user, pw).unwrap()
    }

    #[test]
    fn fake_basic_spoof_is_forbidden_without_consulting_the_file() {
        let users = Arc::new(Users(AtomicUsize::new(0)));
        let s = BasicScheme::new("r", users.clone());
        let Outcome::Failed(f) = s.authenticate(&req(), &creds("/CN=Alice", "password")) else {
            panic!("spoof accepted");
        };
        assert_eq!(f.kind(), FailureKind::Forbidden);
        assert_eq!(f.http_status(false), 403);
        assert_eq!(users.0.load(Ordering::SeqCst), 0);
        // A DN-shaped name with another password is an ordinary (wrong) credential.
        let o = s.authenticate(&req(), &creds("/CN=Alice", "other"));
        assert!(matches!(o, Outcome::Failed(ref f) if f.kind() == FailureKind::Unauthorized));
    }

    #[test]
    fn long_passwords_are_refused_before_hashing() {
        let users = Arc::new(Users(AtomicUsize::new(0)));
        let s = BasicScheme::new("r", users.clone());
        let long = "x".repeat(MAX_PASSWORD_BYTES + 1);
        assert!(
            !s.authenticate(&req(), &creds("alice", &long))
                .is_authenticated()
        );
        assert_eq!(users.0.load(Ordering::SeqCst), 0);
        assert!(
            s.authenticate(&req(), &creds("alice", "wonderland"))
                .is_authenticated()
        );
    }

    #[test]
    fn challenge_has_realm_and_utf8_charset() {
        let s = BasicScheme::new("Demo Realm", Arc::new(Users(AtomicUsize::new(0))));
        let c = s.challenges(&req());
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].value("realm"), Some("Demo Realm"));
        assert_eq!(c[0].value("charset"), Some("UTF-8"));
        assert_eq!(s.cost(&creds("a", "b")), Cost::Cpu);
    }

    #[test]
    fn malformed_credentials_are_400() {
        let s = BasicScheme::new("r", Arc::new(Users(AtomicUsize::new(0))));
        let c = Credentials::with_token68("Basic", "bm9jb2xvbg==").unwrap(); // "nocolon"
        let Outcome::Failed(f) = s.authenticate(&req(), &c) else {
            panic!()
        };
        assert_eq!(f.kind(), FailureKind::BadRequest);
    }

    #[test]
    fn cache_skips_the_hash_for_verified_credentials_only() {
        let users = Arc::new(Users(AtomicUsize::new(0)));
        let cache = CredentialCache::new(Duration::from_secs(60), 2).unwrap();
        let s = BasicScheme::new("r", users.clone()).with_cache(cache);
        for _ in 0..3 {
            assert!(
                s.authenticate(&req(), &creds("alice", "wonderland"))
                    .is_authenticated()
            );
        }
        assert_eq!(users.0.load(Ordering::SeqCst), 1);
        for _ in 0..3 {
            assert!(
                !s.authenticate(&req(), &creds("alice", "wrong"))
                    .is_authenticated()
            );
        }
        assert_eq!(users.0.load(Ordering::SeqCst), 4);
    }

    #[test]
    fn cache_is_bounded_and_expires() {
        let cache = CredentialCache::new(Duration::from_millis(0), 2).unwrap();
        cache.insert("a", &Password::from("1"));
        assert!(
            !cache.contains("a", &Password::from("1")),
            "ttl 0 expires at once"
        );
        let cache = CredentialCache::new(Duration::from_secs(60), 2).unwrap();
        for (u, p) in [("a", "1"), ("b", "2"), ("c", "3")] {
            cache.insert(u, &Password::from(p));
        }
        assert_eq!(cache.len(), 2);
        assert!(cache.contains("c", &Password::from("3")));
        assert!(!cache.contains("c", &Password::from("4")));
    }

    #[test]
    fn only_cached_successes_are_cheap() {
        let users = Arc::new(Users(AtomicUsize::new(0)));
        let cache = CredentialCache::new(Duration::from_secs(60), 8).unwrap();
        let s = BasicScheme::new("r", users).with_cache(cache);
        let good = creds("alice", "wonderland");
        assert_eq!(s.cost(&good), Cost::Cpu, "not verified yet");
        assert!(s.authenticate(&req(), &good).is_authenticated());
        assert_eq!(s.cost(&good), Cost::Cheap, "verified and cached");
        let bad = creds("alice", "wrong");
        assert!(!s.authenticate(&req(), &bad).is_authenticated());
        assert_eq!(s.cost(&bad), Cost::Cpu, "failures are never cached");
        // Without a cache everything is a hash.
        let plain = BasicScheme::new("r", Arc::new(Users(AtomicUsize::new(0))));
        assert_eq!(plain.cost(&good), Cost::Cpu);
    }

    /// Where each check runs with an htpasswd file: cheap hashes inline, costly ones (and
    /// unknown users of a file that holds one) on the pool; a zero limit pools everything.
    #[test]
    fn cost_follows_the_users_hash_format() {
        use authfile::{HashAlgorithm, HtpasswdFile, hash_password};
        let pw = Password::from("wonderland");
        let line = |user: &str, alg| {
            let h = hash_password(&pw, alg).unwrap();
            format!("{user}:{}\n", h.expose_secret())
        };
        let apr1_only =
            line("alice", HashAlgorithm::Apr1) + &line("sha", HashAlgorithm::Sha1Insecure);
        let mixed = apr1_only.clone() + &line("bob", HashAlgorithm::Bcrypt { cost: 4 });
        let scheme = |text: &str| {
            BasicScheme::new("r", Arc::new(HtpasswdFile::parse(text.as_bytes()).unwrap()))
        };
        let s = scheme(&apr1_only);
        assert_eq!(s.cost(&creds("alice", "wonderland")), Cost::Cheap);
        assert_eq!(s.cost(&creds("alice", "wrong")), Cost::Cheap);
        assert_eq!(s.cost(&creds("sha", "x")), Cost::Cheap);
        // An unknown user costs the decoy, the file's costliest hash: apr1 here.
        assert_eq!(s.cost(&creds("nobody", "x")), Cost::Cheap);
        // apr1 hashes the password in every round: a long one is costly.
        assert_eq!(s.cost(&creds("alice", &"x".repeat(100))), Cost::Cpu);
        // At most two blocks a round (up to 47 bytes) stays under the default limit.
        assert_eq!(s.cost(&creds("alice", &"x".repeat(47))), Cost::Cheap);
        assert_eq!(s.cost(&creds("alice", &"x".repeat(48))), Cost::Cpu);
        // Refused without work: cheap whatever the file holds.
        assert_eq!(
            s.cost(&creds("alice", &"x".repeat(MAX_PASSWORD_BYTES + 1))),
            Cost::Cheap
        );
        assert!(
            s.authenticate(&req(), &creds("alice", "wonderland"))
                .is_authenticated()
        );

        let m = scheme(&mixed);
        assert_eq!(m.cost(&creds("alice", "wonderland")), Cost::Cheap);
        assert_eq!(m.cost(&creds("bob", "wonderland")), Cost::Cpu);
        assert_eq!(m.cost(&creds("nobody", "x")), Cost::Cpu, "the bcrypt decoy");

        let pooled = scheme(&apr1_only).with_inline_limit(Duration::ZERO);
        assert_eq!(pooled.cost(&creds("alice", "wonderland")), Cost::Cpu);
        assert_eq!(pooled.cost(&creds("sha", "x")), Cost::Cpu);
    }
}
