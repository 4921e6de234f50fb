//! [`RedisStore`]: the [`SessionStore`] on Redis or Redis Cluster.

use crate::BuildError;
use crate::scripts::{
    CAS, COUNT_WINDOW, COUNT_WINDOW_GENERATION, GENERATION, WINDOW_ABSENT, WINDOW_CORRUPT,
    WINDOW_FRESH, WINDOW_LOST, WINDOW_OUT, WINDOW_REPLAYED,
};
use crate::seal::{KeyRing, SealError};
use httpauth_core::store::{
    CasOutcome, CountCheck, EvictionClass, GenerationCheck, MAX_COUNT_WINDOW, SessionStore,
    StoreEntry,
};
use httpauth_core::{Error, SecretBytes};
use redis::aio::{ConnectionLike, ConnectionManager, ConnectionManagerConfig};
use redis::{Cmd, ErrorKind, Pipeline, RedisError, RedisFuture, Value};
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

/// Where and how to reach Redis.
#[derive(Clone)]
#[non_exhaustive]
pub struct RedisStoreConfig {
    /// `redis://[user:password@]host:port[/db]`, `rediss://...` for TLS, or
    /// `redis+unix:///path`. For a cluster: the seed nodes.
    pub urls: Vec<String>,
    /// Talk Redis Cluster to `urls` (the seed nodes) instead of one server.
    pub cluster: bool,
    /// Prefix of every key this store writes (so several sites or tests share a server).
    pub key_prefix: String,
    /// Bound on establishing a connection.
    pub connect_timeout: Duration,
    /// Bound on one store operation, including a reconnect; past it the operation fails
    /// with [`Error::StoreUnavailable`].
    pub command_timeout: Duration,
    /// Largest value accepted by `insert` / `compare_and_swap` (before sealing).
    pub max_value_len: usize,
    /// For `rediss://`: a PEM bundle of the CAs that sign the Redis server's certificate
    /// (default: the system's trust store).
    pub tls_ca_pem: Option<Vec<u8>>,
    /// For `rediss://` with client certificates: PEM certificate chain and PEM key.
    pub tls_client_pem: Option<(Vec<u8>, Vec<u8>)>,
    /// For `rediss://`: the rustls crypto provider, installed as the process default when
    /// none is installed yet (the redis crate builds its TLS config from the process
    /// default and offers no per-client provider). `None`: the process default must be
    /// installed already (`CryptoProvider::install_default`). This crate enables no
    /// provider feature of rustls.
    pub crypto_provider: Option<Arc<rustls::crypto::CryptoProvider>>,
}

impl std::fmt::Debug for RedisStoreConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // URLs may carry a password: print host parts only.
        let hosts: Vec<String> = self.urls.iter().map(|u| redact_url(u)).collect();
        f.debug_struct("RedisStoreConfig")
            .field("urls", &hosts)
            .field("cluster", &self.cluster)
            .field("key_prefix", &self.key_prefix)
            .field("connect_timeout", &self.connect_timeout)
            .field("command_timeout", &self.command_timeout)
            .field("max_value_len", &self.max_value_len)
            .finish_non_exhaustive()
    }
}

/// `scheme://host...` with any `user:password@` removed.
fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => format!("{}://***@{}", &url[..s], &url[at + 1..]),
        _ => url.to_owned(),
    }
}

impl RedisStoreConfig {
    /// One Redis server at `url`, prefix `httpauth:`, 1 s connect and 500 ms command
    /// timeouts, values up to 64 KiB.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            urls: vec![url.into()],
            cluster: false,
            key_prefix: "httpauth:".into(),
            connect_timeout: Duration::from_secs(1),
            command_timeout: Duration::from_millis(500),
            max_value_len: 64 << 10,
            tls_ca_pem: None,
            tls_client_pem: None,
            crypto_provider: None,
        }
    }

    /// A Redis Cluster reached through the seed nodes `urls`; other defaults as
    /// [`new`](Self::new).
    pub fn cluster(urls: impl IntoIterator<Item = impl Into<String>>) -> Self {
        let mut c = Self::new(String::new());
        c.urls = urls.into_iter().map(Into::into).collect();
        c.cluster = true;
        c
    }

    /// Sets the key prefix.
    pub fn key_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.key_prefix = prefix.into();
        self
    }

    /// Sets the connect and command timeouts.
    pub fn timeouts(mut self, connect: Duration, command: Duration) -> Self {
        self.connect_timeout = connect;
        self.command_timeout = command;
        self
    }

    /// Trusts the CAs in this PEM bundle for `rediss://` servers.
    pub fn tls_ca_pem(mut self, pem: Vec<u8>) -> Self {
        self.tls_ca_pem = Some(pem);
        self
    }

    /// Presents this client certificate chain and key (PEM) to `rediss://` servers.
    pub fn tls_client_pem(mut self, chain: Vec<u8>, key: Vec<u8>) -> Self {
        self.tls_client_pem = Some((chain, key));
        self
    }

    /// The rustls crypto provider for `rediss://` (see
    /// [`crypto_provider`](Self::crypto_provider) the field).
    pub fn crypto_provider(mut self, provider: Arc<rustls::crypto::CryptoProvider>) -> Self {
        self.crypto_provider = Some(provider);
        self
    }
}

/// Makes sure a process-default rustls provider exists before redis builds a TLS config
/// with `rustls::ClientConfig::builder()`, which panics (later, on a runtime thread, since
/// connections are lazy) when there is none and the build enables zero or several provider
/// features: the most reported rustls integration failure.
fn ensure_crypto_provider(config: &RedisStoreConfig) -> Result<(), BuildError> {
    let tls = config.tls_ca_pem.is_some()
        || config.tls_client_pem.is_some()
        || config.urls.iter().any(|u| {
            u.get(..9)
                .is_some_and(|s| s.eq_ignore_ascii_case("rediss://"))
        });
    if !tls || rustls::crypto::CryptoProvider::get_default().is_some() {
        return Ok(());
    }
    match &config.crypto_provider {
        Some(p) => {
            // Losing a race to another installer is fine: a default exists either way.
            let _ = rustls::crypto::CryptoProvider::install_default((**p).clone());
            Ok(())
        }
        None => Err(BuildError::Config(
            "rediss:// needs a rustls CryptoProvider: install a process default \
             (CryptoProvider::install_default) or set RedisStoreConfig::crypto_provider"
                .into(),
        )),
    }
}

/// One connection shared by every operation: a reconnecting multiplexed connection to one
/// server, or a cluster connection (which follows the slot map and reconnects by itself).
#[derive(Clone)]
enum Conn {
    Single(ConnectionManager),
    Cluster(redis::cluster_async::ClusterConnection),
}

impl ConnectionLike for Conn {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        match self {
            Conn::Single(c) => c.req_packed_command(cmd),
            Conn::Cluster(c) => c.req_packed_command(cmd),
        }
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        match self {
            Conn::Single(c) => c.req_packed_commands(pipeline, offset, count),
            Conn::Cluster(c) => c.req_packed_commands(pipeline, offset, count),
        }
    }

    fn get_db(&self) -> i64 {
        match self {
            Conn::Single(c) => c.get_db(),
            Conn::Cluster(c) => c.get_db(),
        }
    }
}

struct Shared {
    conn: Conn,
    keys: KeyRing,
    prefix: String,
    command_timeout: Duration,
    max_value_len: usize,
    /// Whether the last operation found Redis unreachable (for one log line a transition).
    down: AtomicBool,
    /// The window generation last seen in Redis; 0 until the first answer.
    generation: AtomicU64,
}

/// A [`SessionStore`] on Redis: several servers sharing one Redis act as one for Mutual
/// sessions (RFC 8120 section 11) and Digest nonce counts (RFC 7616 section 3.4).
///
/// * Session records are sealed with XChaCha20-Poly1305 under a [`KeyRing`]; Redis holds
///   only ciphertext, a version and a key id. Count windows hold no secret and are stored
///   as plain bitmaps.
/// * `insert` is `SET NX PX`, `get` is `GET`, `remove` is `DEL`; `compare_and_swap` and
///   the count windows are Lua scripts (see the `scripts` module for why not WATCH/MULTI).
/// * Every key has a TTL. [`EvictionClass`] cannot be expressed in Redis; configure
///   `maxmemory` with a `volatile-*` policy or `noeviction` (a full Redis then refuses
///   writes, and this store reports [`Error::StoreFull`]).
/// * Every operation is bounded by `command_timeout`; an unreachable Redis gives
///   [`Error::StoreUnavailable`] (callers fail closed with 503), logged once when it
///   happens and once when Redis is back. Reconnection is automatic.
///
/// The trait is synchronous: each call runs on the store's own small Tokio runtime and
/// blocks the calling thread until the answer or the timeout. From async code, call it
/// from a blocking context (`spawn_blocking`, `block_in_place`).
pub struct RedisStore {
    shared: Arc<Shared>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl std::fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisStore")
            .field("prefix", &self.shared.prefix)
            .field("sealing_key", &self.shared.keys.current_id())
            .finish_non_exhaustive()
    }
}

impl Drop for RedisStore {
    fn drop(&mut self) {
        // `Runtime`'s own drop blocks and panics inside another runtime; this does neither.
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

/// What went wrong in one operation, before it is mapped to the trait's [`Error`].
enum OpError {
    Redis(RedisError),
    Timeout,
    Seal(SealError),
    TooLarge,
    Corrupt(&'static str),
}

impl RedisStore {
    /// Builds the store. Connections are made lazily: Redis may be down at startup, and
    /// operations fail closed until it is reachable.
    ///
    /// # Errors
    /// [`BuildError::Config`] for an unusable URL or TLS material, [`BuildError::Runtime`]
    /// when the runtime threads cannot start.
    pub fn connect(config: RedisStoreConfig, keys: KeyRing) -> Result<Self, BuildError> {
        if config.urls.is_empty() || config.urls.iter().any(String::is_empty) {
            return Err(BuildError::Config("no Redis URL given".into()));
        }
        ensure_crypto_provider(&config)?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("httpauth-redis")
            .enable_all()
            .build()
            .map_err(|e| BuildError::Runtime(e.to_string()))?;
        let certs = || redis::TlsCertificates {
            client_tls: config
                .tls_client_pem
                .as_ref()
                .map(|(cert, key)| redis::ClientTlsConfig {
                    client_cert: cert.clone(),
                    client_key: key.clone(),
                }),
            root_cert: config.tls_ca_pem.clone(),
        };
        let custom_tls = config.tls_ca_pem.is_some() || config.tls_client_pem.is_some();
        let bad = |e: RedisError| BuildError::Config(format!("redis: {e}"));
        let conn = {
            let _guard = runtime.enter();
            if config.cluster {
                let mut b = redis::cluster::ClusterClientBuilder::new(config.urls.clone())
                    .connection_timeout(config.connect_timeout)
                    .response_timeout(config.command_timeout)
                    .retries(1);
                if custom_tls {
                    b = b.certs(certs());
                }
                let client = b.build().map_err(bad)?;
                let cc = redis::cluster::ClusterConfig::new()
                    .set_connection_timeout(config.connect_timeout)
                    .set_response_timeout(config.command_timeout);
                Conn::Cluster(client.get_pending_async_connection_with_config(cc))
            } else {
                let url = config.urls[0].as_str();
                let client = if custom_tls {
                    redis::Client::build_with_tls(url, certs()).map_err(bad)?
                } else {
                    redis::Client::open(url).map_err(bad)?
                };
                let cm = ConnectionManagerConfig::new()
                    .set_connection_timeout(Some(config.connect_timeout))
                    .set_response_timeout(Some(config.command_timeout))
                    .set_number_of_retries(1)
                    .set_max_delay(Duration::from_millis(200));
                Conn::Single(ConnectionManager::new_lazy_with_config(client, cm).map_err(bad)?)
            }
        };
        Ok(Self {
            shared: Arc::new(Shared {
                conn,
                keys,
                prefix: config.key_prefix,
                command_timeout: config.command_timeout,
                max_value_len: config.max_value_len,
                down: AtomicBool::new(false),
                generation: AtomicU64::new(0),
            }),
            runtime: Some(runtime),
        })
    }

    /// Round trip to Redis (`PING`), for health checks and startup diagnostics.
    ///
    /// # Errors
    /// As every operation: [`Error::StoreUnavailable`] when Redis does not answer in time.
    pub fn ping(&self) -> Result<(), Error> {
        self.run("ping", |mut conn| async move {
            let _: Value = redis::cmd("PING")
                .query_async(&mut conn)
                .await
                .map_err(OpError::Redis)?;
            Ok(())
        })
    }

    fn key(&self, key: &str) -> String {
        let mut k = String::with_capacity(self.shared.prefix.len() + key.len());
        k.push_str(&self.shared.prefix);
        k.push_str(key);
        k
    }

    /// Runs one operation on the store's runtime, bounded by the command timeout.
    fn run<T, F, Fut>(&self, op: &'static str, f: F) -> Result<T, Error>
    where
        T: Send + 'static,
        F: FnOnce(Conn) -> Fut,
        Fut: Future<Output = Result<T, OpError>> + Send + 'static,
    {
        let Some(rt) = self.runtime.as_ref() else {
            return Err(Error::StoreUnavailable);
        };
        let limit = self.shared.command_timeout;
        let fut = f(self.shared.conn.clone());
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        rt.spawn(async move {
            let r = tokio::time::timeout(limit, fut)
                .await
                .unwrap_or(Err(OpError::Timeout));
            let _ = tx.send(r);
        });
        // The task answers within `limit`; the margin only covers scheduling.
        let r = rx
            .recv_timeout(limit + Duration::from_millis(500))
            .unwrap_or(Err(OpError::Timeout));
        match r {
            Ok(v) => {
                if self.shared.down.swap(false, Ordering::Relaxed) {
                    tracing::info!(store = "redis", "session store reachable again");
                }
                Ok(v)
            }
            Err(e) => Err(self.map_error(op, e)),
        }
    }

    fn map_error(&self, op: &'static str, e: OpError) -> Error {
        let (error, detail) = match e {
            OpError::Redis(e) => (classify(&e), e.to_string()),
            OpError::Timeout => (Error::StoreUnavailable, "timed out".to_owned()),
            OpError::Seal(SealError::Random) => (
                Error::StoreUnavailable,
                "no randomness for sealing".to_owned(),
            ),
            OpError::Seal(SealError::Corrupt) => (
                Error::StoreCorrupt,
                "record fails authentication".to_owned(),
            ),
            OpError::Seal(SealError::UnknownKey(id)) => (
                Error::StoreCorrupt,
                format!("record sealed under key id {id}, which is not in the key ring"),
            ),
            OpError::TooLarge => (Error::StoreFull, "value larger than max_value_len".into()),
            OpError::Corrupt(what) => (Error::StoreCorrupt, what.to_owned()),
        };
        if error == Error::StoreUnavailable {
            if !self.shared.down.swap(true, Ordering::Relaxed) {
                tracing::error!(store = "redis", op, error = %detail,
                    "session store unreachable: authentication fails closed (503) until it answers again");
            } else {
                tracing::debug!(store = "redis", op, error = %detail, "session store still unreachable");
            }
        } else {
            tracing::warn!(store = "redis", op, error = %detail, "session store error");
        }
        error
    }

    /// A window key of a generation, and the generation record: both carry the hash tag
    /// `{w}`, so one script can touch both on Redis Cluster (they live on one node).
    fn generation_key(&self, key: Option<&str>) -> String {
        match key {
            Some(k) => self.key(&format!("{{w}}{k}")),
            None => self.key("{w}window-generation"),
        }
    }

    fn remember_generation(&self, op: &'static str, g: &str) -> Result<u64, Error> {
        let g = parse_generation(g)
            .ok_or_else(|| self.map_error(op, OpError::Corrupt("bad window generation")))?;
        self.shared.generation.store(g, Ordering::Relaxed);
        Ok(g)
    }

    fn check_window(
        &self,
        key: &str,
        count: u64,
        window: u32,
        ttl: Duration,
        create: bool,
    ) -> Result<Option<CountCheck>, Error> {
        let window = window.clamp(1, MAX_COUNT_WINDOW);
        let capacity = window.next_power_of_two().max(64);
        let key = self.key(key);
        let ttl = ttl_ms(ttl);
        let code = self.run("check_count", move |mut conn| async move {
            COUNT_WINDOW
                .key(&key)
                .arg(count >> 32)
                .arg(count & 0xffff_ffff)
                .arg(window)
                .arg(capacity)
                .arg(ttl)
                .arg(if create { "1" } else { "0" })
                .invoke_async::<i64>(&mut conn)
                .await
                .map_err(OpError::Redis)
        })?;
        match code {
            WINDOW_FRESH => Ok(Some(CountCheck::Fresh)),
            WINDOW_REPLAYED => Ok(Some(CountCheck::Replayed)),
            WINDOW_OUT => Ok(Some(CountCheck::OutOfWindow)),
            WINDOW_ABSENT if !create => Ok(None),
            WINDOW_CORRUPT => {
                Err(self.map_error("check_count", OpError::Corrupt("bad count window")))
            }
            _ => Err(self.map_error("check_count", OpError::Corrupt("unexpected script result"))),
        }
    }
}

/// A fresh random window generation as 16 hex digits.
fn fresh_generation() -> Result<String, OpError> {
    Ok(format!("{:016x}", new_version(0)?))
}

/// A generation record: 16 hex digits, not zero.
fn parse_generation(g: &str) -> Option<u64> {
    if g.len() != 16 {
        return None;
    }
    u64::from_str_radix(g, 16).ok().filter(|g| *g != 0)
}

/// Maps a Redis error to the trait's error: a full Redis (`OOM`) is [`Error::StoreFull`];
/// a value of the wrong type or an unparsable reply is [`Error::StoreCorrupt`]; anything
/// else (I/O, timeouts, `LOADING`, `MASTERDOWN`, cluster errors, authentication) is
/// [`Error::StoreUnavailable`].
fn classify(e: &RedisError) -> Error {
    match (e.code(), e.kind()) {
        (Some("OOM"), _) => Error::StoreFull,
        (Some("WRONGTYPE"), _) | (_, ErrorKind::Parse | ErrorKind::UnexpectedReturnType) => {
            Error::StoreCorrupt
        }
        _ => Error::StoreUnavailable,
    }
}

/// A TTL in whole milliseconds, at least 1 (Redis refuses 0) and rounded up.
fn ttl_ms(ttl: Duration) -> u64 {
    u64::try_from(ttl.as_nanos().div_ceil(1_000_000))
        .unwrap_or(u64::MAX)
        .clamp(1, i64::MAX as u64 / 2)
}

/// A fresh random record version, different from `not`.
fn new_version(not: u64) -> Result<u64, OpError> {
    loop {
        let mut b = [0u8; 8];
        getrandom::fill(&mut b).map_err(|_| OpError::Seal(SealError::Random))?;
        let v = u64::from_be_bytes(b);
        if v != not && v != 0 {
            return Ok(v);
        }
    }
}

impl SessionStore for RedisStore {
    fn insert(
        &self,
        key: &str,
        value: SecretBytes,
        ttl: Duration,
        _class: EvictionClass,
    ) -> Result<Option<u64>, Error> {
        if value.len() > self.shared.max_value_len {
            return Err(self.map_error("insert", OpError::TooLarge));
        }
        let key = self.key(key);
        let version = new_version(0).map_err(|e| self.map_error("insert", e))?;
        let record = self
            .shared
            .keys
            .seal(&key, version, &value)
            .map_err(|e| self.map_error("insert", OpError::Seal(e)))?;
        let ttl = ttl_ms(ttl);
        let written = self.run("insert", move |mut conn| async move {
            let r: Value = redis::cmd("SET")
                .arg(&key)
                .arg(record)
                .arg("NX")
                .arg("PX")
                .arg(ttl)
                .query_async(&mut conn)
                .await
                .map_err(OpError::Redis)?;
            Ok(!matches!(r, Value::Nil))
        })?;
        Ok(written.then_some(version))
    }

    fn get(&self, key: &str) -> Result<Option<StoreEntry>, Error> {
        let key = self.key(key);
        let k = key.clone();
        let record: Option<Vec<u8>> = self.run("get", move |mut conn| async move {
            redis::cmd("GET")
                .arg(&k)
                .query_async(&mut conn)
                .await
                .map_err(OpError::Redis)
        })?;
        let Some(record) = record else {
            return Ok(None);
        };
        let (version, value) = self
            .shared
            .keys
            .open(&key, &record)
            .map_err(|e| self.map_error("get", OpError::Seal(e)))?;
        Ok(Some(StoreEntry { value, version }))
    }

    fn compare_and_swap(
        &self,
        key: &str,
        expected: u64,
        value: SecretBytes,
        ttl: Duration,
        _class: EvictionClass,
    ) -> Result<CasOutcome, Error> {
        if value.len() > self.shared.max_value_len {
            return Err(self.map_error("compare_and_swap", OpError::TooLarge));
        }
        let key = self.key(key);
        let version = new_version(expected).map_err(|e| self.map_error("compare_and_swap", e))?;
        let record = self
            .shared
            .keys
            .seal(&key, version, &value)
            .map_err(|e| self.map_error("compare_and_swap", OpError::Seal(e)))?;
        let ttl = ttl_ms(ttl);
        let code = self.run("compare_and_swap", move |mut conn| async move {
            CAS.key(&key)
                .arg(&expected.to_be_bytes()[..])
                .arg(record)
                .arg(ttl)
                .invoke_async::<i64>(&mut conn)
                .await
                .map_err(OpError::Redis)
        })?;
        match code {
            0 => Ok(CasOutcome::Missing),
            1 => Ok(CasOutcome::Conflict),
            2 => Ok(CasOutcome::Swapped { version }),
            _ => Err(self.map_error(
                "compare_and_swap",
                OpError::Corrupt("unexpected script result"),
            )),
        }
    }

    fn remove(&self, key: &str) -> Result<bool, Error> {
        let key = self.key(key);
        let n: i64 = self.run("remove", move |mut conn| async move {
            redis::cmd("DEL")
                .arg(&key)
                .query_async(&mut conn)
                .await
                .map_err(OpError::Redis)
        })?;
        Ok(n > 0)
    }

    fn check_count(
        &self,
        key: &str,
        count: u64,
        window: u32,
        ttl: Duration,
    ) -> Result<CountCheck, Error> {
        self.check_window(key, count, window, ttl, true)?
            .ok_or(Error::StoreCorrupt)
    }

    /// The generation record `{w}window-generation` (under the prefix) holds a random
    /// value, created when absent. Redis losing its data (a restart without persistence,
    /// `FLUSHALL`, a failover to an empty replica) loses the record too: the next caller
    /// creates a new one, and every key of the old generation is stale. The value is
    /// cached; the first call per process is a round trip.
    fn window_generation(&self) -> Result<u64, Error> {
        let cached = self.shared.generation.load(Ordering::Relaxed);
        if cached != 0 {
            return Ok(cached);
        }
        let key = self.generation_key(None);
        let g: String = self.run("window_generation", move |mut conn| async move {
            GENERATION
                .key(&key)
                .arg(fresh_generation()?)
                .invoke_async::<String>(&mut conn)
                .await
                .map_err(OpError::Redis)
        })?;
        self.remember_generation("window_generation", &g)
    }

    /// One script over the window and the generation record (one hash slot): a missing
    /// window is created only when the key's generation is the record's; a missing record
    /// (data loss) is re-created with a new random generation first.
    fn check_count_in_generation(
        &self,
        key: &str,
        count: u64,
        window: u32,
        ttl: Duration,
        generation: u64,
    ) -> Result<GenerationCheck, Error> {
        let window = window.clamp(1, MAX_COUNT_WINDOW);
        let capacity = window.next_power_of_two().max(64);
        let wkey = self.generation_key(Some(key));
        let gkey = self.generation_key(None);
        let ttl = ttl_ms(ttl);
        let (code, g): (i64, String) =
            self.run("check_count_in_generation", move |mut conn| async move {
                COUNT_WINDOW_GENERATION
                    .key(&wkey)
                    .key(&gkey)
                    .arg(count >> 32)
                    .arg(count & 0xffff_ffff)
                    .arg(window)
                    .arg(capacity)
                    .arg(ttl)
                    .arg("1")
                    .arg(format!("{generation:016x}"))
                    .arg(fresh_generation()?)
                    .invoke_async::<(i64, String)>(&mut conn)
                    .await
                    .map_err(OpError::Redis)
            })?;
        let current = self.remember_generation("check_count_in_generation", &g)?;
        let corrupt =
            |what| Err(self.map_error("check_count_in_generation", OpError::Corrupt(what)));
        match code {
            WINDOW_FRESH => Ok(GenerationCheck::Checked(CountCheck::Fresh)),
            WINDOW_REPLAYED => Ok(GenerationCheck::Checked(CountCheck::Replayed)),
            WINDOW_OUT => Ok(GenerationCheck::Checked(CountCheck::OutOfWindow)),
            WINDOW_LOST => Ok(GenerationCheck::Lost { current }),
            WINDOW_CORRUPT => corrupt("bad count window"),
            _ => corrupt("unexpected script result"),
        }
    }

    fn is_remote(&self) -> bool {
        true
    }

    fn check_count_existing(
        &self,
        key: &str,
        count: u64,
        window: u32,
        ttl: Duration,
    ) -> Result<Option<CountCheck>, Error> {
        self.check_window(key, count, window, ttl, false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ttl_rounds_up_and_is_never_zero() {
        assert_eq!(ttl_ms(Duration::ZERO), 1);
        assert_eq!(ttl_ms(Duration::from_micros(1)), 1);
        assert_eq!(ttl_ms(Duration::from_micros(1001)), 2);
        assert_eq!(ttl_ms(Duration::from_secs(300)), 300_000);
        assert!(ttl_ms(Duration::MAX) < u64::MAX);
    }

    #[test]
    fn urls_with_passwords_are_redacted() {
        assert_eq!(redact_url("redis://:pw@h:1/0"), "redis://***@h:1/0");
        assert_eq!(redact_url("rediss://u:p@w@h"), "rediss://***@h");
        assert_eq!(redact_url("redis://h:1"), "redis://h:1");
        let c = RedisStoreConfig::new("redis://user:secret@10.0.0.1:6379");
        assert!(!format!("{c:?}").contains("secret"));
    }

    #[test]
    fn errors_map_to_fail_closed_kinds() {
        let io: RedisError = std::io::Error::from(std::io::ErrorKind::ConnectionRefused).into();
        assert_eq!(classify(&io), Error::StoreUnavailable);
        let parse: RedisError = (ErrorKind::Parse, "bad").into();
        assert_eq!(classify(&parse), Error::StoreCorrupt);
    }

    #[test]
    fn versions_are_fresh() {
        for _ in 0..100 {
            let v = new_version(5).ok().unwrap();
            assert!(v != 5 && v != 0);
        }
    }

    #[test]
    fn an_unreachable_server_fails_closed_in_bounded_time() {
        // A port nothing listens on (bound, then closed).
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let cfg = RedisStoreConfig::new(format!("redis://127.0.0.1:{port}"))
            .timeouts(Duration::from_millis(200), Duration::from_millis(300));
        let store = RedisStore::connect(cfg, KeyRing::generate().unwrap()).unwrap();
        let t = std::time::Instant::now();
        assert_eq!(store.get("k").unwrap_err(), Error::StoreUnavailable);
        assert_eq!(
            store
                .check_count("n", 1, 64, Duration::from_secs(1))
                .unwrap_err(),
            Error::StoreUnavailable
        );
        assert!(t.elapsed() < Duration::from_secs(3), "{:?}", t.elapsed());
    }
}
