//! The session and nonce store the server's locations share, chosen by `[store]`.
//!
//! Memory (the default): one bounded in-memory store of this process, random Digest nonce
//! keys per start. Redis: one `httpauth_redis::RedisStore` that every instance pointing at
//! the same Redis shares, Digest nonce keys derived from a secret file the instances share
//! (a nonce minted by one instance verifies on the others, and its `nc` window is the
//! shared one), sealing keys from a key file.
//!
//! Each location sees the store under its own key prefix, so a Mutual session of one
//! location (one realm and user file) is never found by another.

use crate::Error;
use crate::config::{RedisSettings, StoreSettings};
use hmac::{KeyInit as _, Mac as _};
use httpauth_core::store::{CasOutcome, CountCheck, EvictionClass, StoreEntry};
use httpauth_core::{MemoryStore, SecretBytes, SessionStore};
#[cfg(feature = "redis")]
use std::io::Write as _;
#[cfg(feature = "redis")]
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use zeroize::Zeroizing;

/// The store and secrets shared by every location of a running server.
pub struct SharedState {
    store: Arc<dyn SessionStore>,
    /// Bounded per-scheme pools for expensive authentication work, shared by locations.
    pools: Arc<httpauth::Pools>,
    remote: bool,
    nonce_secret: Option<Zeroizing<Vec<u8>>>,
}

impl std::fmt::Debug for SharedState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedState")
            .field("remote", &self.remote)
            .finish_non_exhaustive()
    }
}

impl SharedState {
    /// Opens the configured store. A Redis that is down at startup is logged, not fatal:
    /// requests that need the store get 503 until it answers.
    ///
    /// # Errors
    /// Unreadable or malformed key files, an unusable Redis URL or TLS file.
    pub fn open(settings: &StoreSettings) -> Result<Self, Error> {
        match settings {
            StoreSettings::Memory {
                max_entries,
                max_bytes,
            } => Ok(Self {
                store: Arc::new(MemoryStore::new(
                    httpauth_core::store::MemoryStoreConfig::new(*max_entries, *max_bytes),
                )),
                pools: Arc::new(httpauth::Pools::default()),
                remote: false,
                nonce_secret: None,
            }),
            StoreSettings::Redis(r) => Self::open_redis(r),
        }
    }

    #[cfg(not(feature = "redis"))]
    fn open_redis(_: &RedisSettings) -> Result<Self, Error> {
        Err(Error::Store(
            "kind = \"redis\" needs httpauth-demo built with the `redis` feature".into(),
        ))
    }

    #[cfg(feature = "redis")]
    fn open_redis(r: &RedisSettings) -> Result<Self, Error> {
        let keys_text = read_or_create(&r.keys_file, || {
            httpauth_redis::KeyRing::generate_file(1).map_err(|e| Error::Store(e.to_string()))
        })?;
        let keys = httpauth_redis::KeyRing::parse(&keys_text)
            .map_err(|e| Error::Store(format!("{}: {e}", r.keys_file.display())))?;
        let nonce_text = read_or_create(&r.nonce_key_file, || {
            let mut b = Zeroizing::new([0u8; 32]);
            getrandom::fill(&mut b[..]).map_err(|e| Error::Store(e.to_string()))?;
            let mut s = Zeroizing::new(String::new());
            for x in b.iter() {
                s.push_str(&format!("{x:02x}"));
            }
            s.push('\n');
            Ok(s)
        })?;
        let nonce_secret = Zeroizing::new(nonce_text.trim().as_bytes().to_vec());
        if nonce_secret.len() < 32 {
            return Err(Error::Store(format!(
                "{}: the nonce secret must be at least 32 characters",
                r.nonce_key_file.display()
            )));
        }
        let mut cfg = if r.cluster {
            httpauth_redis::RedisStoreConfig::cluster(r.urls.iter().cloned())
        } else {
            httpauth_redis::RedisStoreConfig::new(r.urls[0].clone())
        }
        .key_prefix(r.key_prefix.clone())
        .timeouts(r.connect_timeout, r.command_timeout);
        if let Some(ca) = &r.tls_ca {
            cfg = cfg.tls_ca_pem(std::fs::read(ca).map_err(|e| Error::io(ca, e))?);
        }
        if let Some((c, k)) = &r.tls_client {
            cfg = cfg.tls_client_pem(
                std::fs::read(c).map_err(|e| Error::io(c, e))?,
                std::fs::read(k).map_err(|e| Error::io(k, e))?,
            );
        }
        let store = httpauth_redis::RedisStore::connect(cfg, keys)
            .map_err(|e| Error::Store(e.to_string()))?;
        match store.ping() {
            Ok(()) => tracing::info!(store = "redis", "session store connected"),
            Err(_) => tracing::error!(
                store = "redis",
                "session store not reachable at startup: requests that need it get 503 until it is"
            ),
        }
        Ok(Self {
            store: Arc::new(store),
            pools: Arc::new(httpauth::Pools::default()),
            remote: true,
            nonce_secret: Some(nonce_secret),
        })
    }

    /// True when store calls leave the process (they then run off the async workers).
    pub fn is_remote(&self) -> bool {
        self.remote
    }

    /// Sets the limits of the pools for expensive authentication work.
    pub fn with_pool_limits(mut self, limits: httpauth::PoolLimits) -> Self {
        self.pools = Arc::new(httpauth::Pools::new(limits));
        self
    }

    /// The pools for expensive authentication work (one per scheme).
    pub fn pools(&self) -> Arc<httpauth::Pools> {
        Arc::clone(&self.pools)
    }

    /// The store as seen by the location at `path`.
    pub fn for_location(&self, path: &str) -> Arc<dyn SessionStore> {
        Arc::new(Prefixed {
            inner: Arc::clone(&self.store),
            prefix: format!("loc:{}:", path.len()) + path + ":",
        })
    }

    /// The Digest nonce key of the location at `path`: derived from the shared secret
    /// (the same on every instance), or `None` for a fresh random key of this process.
    pub fn digest_nonce_key(&self, path: &str) -> Option<digest_auth::NonceKey> {
        let secret = self.nonce_secret.as_ref()?;
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret).ok()?;
        mac.update(b"httpauth-demo digest nonce key\0");
        mac.update(path.as_bytes());
        let key = Zeroizing::new(mac.finalize().into_bytes().to_vec());
        digest_auth::NonceKey::from_secret(SecretBytes::from_slice(&key)).ok()
    }
}

#[cfg(feature = "redis")]
/// Reads a secret file, creating it (mode 0600, atomically, without replacing a file
/// another instance created meanwhile) when it does not exist.
fn read_or_create(
    path: &Path,
    make: impl FnOnce() -> Result<Zeroizing<String>, Error>,
) -> Result<Zeroizing<String>, Error> {
    match std::fs::read_to_string(path) {
        Ok(s) => return Ok(Zeroizing::new(s)),
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(Error::io(path, e)),
        Err(_) => {}
    }
    let text = make()?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    }
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    let mut f = o.open(&tmp).map_err(|e| Error::io(&tmp, e))?;
    f.write_all(text.as_bytes())
        .and_then(|()| f.sync_all())
        .map_err(|e| Error::io(&tmp, e))?;
    // hard_link fails if the target exists: the first instance's file wins.
    let linked = std::fs::hard_link(&tmp, path);
    let _ = std::fs::remove_file(&tmp);
    match linked {
        Ok(()) => {
            tracing::info!(file = %path.display(), "created secret file");
            Ok(text)
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => std::fs::read_to_string(path)
            .map(Zeroizing::new)
            .map_err(|e| Error::io(path, e)),
        Err(e) => Err(Error::io(path, e)),
    }
}

/// A store under a key prefix.
struct Prefixed {
    inner: Arc<dyn SessionStore>,
    prefix: String,
}

impl Prefixed {
    fn k(&self, key: &str) -> String {
        let mut s = String::with_capacity(self.prefix.len() + key.len());
        s.push_str(&self.prefix);
        s.push_str(key);
        s
    }
}

impl SessionStore for Prefixed {
    fn insert(
        &self,
        key: &str,
        value: SecretBytes,
        ttl: Duration,
        class: EvictionClass,
    ) -> Result<Option<u64>, httpauth_core::Error> {
        self.inner.insert(&self.k(key), value, ttl, class)
    }

    fn get(&self, key: &str) -> Result<Option<StoreEntry>, httpauth_core::Error> {
        self.inner.get(&self.k(key))
    }

    fn compare_and_swap(
        &self,
        key: &str,
        expected: u64,
        value: SecretBytes,
        ttl: Duration,
        class: EvictionClass,
    ) -> Result<CasOutcome, httpauth_core::Error> {
        self.inner
            .compare_and_swap(&self.k(key), expected, value, ttl, class)
    }

    fn remove(&self, key: &str) -> Result<bool, httpauth_core::Error> {
        self.inner.remove(&self.k(key))
    }

    fn check_count(
        &self,
        key: &str,
        count: u64,
        window: u32,
        ttl: Duration,
    ) -> Result<CountCheck, httpauth_core::Error> {
        self.inner.check_count(&self.k(key), count, window, ttl)
    }

    fn check_count_existing(
        &self,
        key: &str,
        count: u64,
        window: u32,
        ttl: Duration,
    ) -> Result<Option<CountCheck>, httpauth_core::Error> {
        self.inner
            .check_count_existing(&self.k(key), count, window, ttl)
    }

    fn window_generation(&self) -> Result<u64, httpauth_core::Error> {
        self.inner.window_generation()
    }

    fn check_count_in_generation(
        &self,
        key: &str,
        count: u64,
        window: u32,
        ttl: Duration,
        generation: u64,
    ) -> Result<httpauth_core::store::GenerationCheck, httpauth_core::Error> {
        self.inner
            .check_count_in_generation(&self.k(key), count, window, ttl, generation)
    }

    fn is_remote(&self) -> bool {
        self.inner.is_remote()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_do_not_see_each_others_entries() {
        let s = SharedState::open(&StoreSettings::Memory {
            max_entries: 100,
            max_bytes: 1 << 20,
        })
        .unwrap();
        let (a, b) = (s.for_location("/a"), s.for_location("/a:b"));
        let ttl = Duration::from_secs(60);
        a.insert(
            "k",
            SecretBytes::from_slice(b"1"),
            ttl,
            EvictionClass::Pending,
        )
        .unwrap();
        assert!(b.get("k").unwrap().is_none());
        assert!(a.get("k").unwrap().is_some());
        assert_eq!(a.check_count("n", 1, 64, ttl).unwrap(), CountCheck::Fresh);
        assert_eq!(b.check_count("n", 1, 64, ttl).unwrap(), CountCheck::Fresh);
        assert!(
            s.digest_nonce_key("/a").is_none(),
            "memory: per-process keys"
        );
    }

    #[cfg(feature = "redis")]
    #[test]
    fn secret_files_are_created_once_and_shared() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("sub/secret");
        let a = read_or_create(&p, || Ok(Zeroizing::new("first\n".into()))).unwrap();
        let b = read_or_create(&p, || Ok(Zeroizing::new("second\n".into()))).unwrap();
        assert_eq!((a.as_str(), b.as_str()), ("first\n", "first\n"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&p).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "not readable by others");
        }
    }
}
