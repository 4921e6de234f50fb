//! The HTTP/HTTPS server: sockets, TLS, limits, routing, content, graceful shutdown, and
//! the swap of a reloaded configuration (`Running::reload`, driven by [`crate::reload`]).

use crate::auth::{Decision, LocationAuth, RequestFacts, decide};
use crate::config::{
    Config, Content, Listener, ListenerKind, LocationConfig, ServerSettings, UpstreamUrl,
};
use crate::{Error, Options, ReloadReport};
use bytes::Bytes;
use http_body_util::{BodyExt as _, Full, Limited};
use httpauth::path::NormalizedPath;
use httpauth::{ContinueIo, InterimFields};
use httpauth_core::{Challenge, PeerVerification, Principal, TlsInfo};
use hyper::body::Body as _;
use hyper::body::Incoming;
use hyper::header::{HeaderName, HeaderValue};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use std::convert::Infallible;
use std::future::Future as _;
use std::net::{IpAddr, SocketAddr};
use std::path::{Component, Path, PathBuf};
use std::pin::Pin;
use std::sync::{Arc, RwLock};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::AsyncRead as _;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;

/// Largest response body held whole in memory: only a Digest `auth-int` response is
/// (its `Authentication-Info` `rspauth` covers the body, RFC 7616 section 3.5, and goes
/// in the head, before the body). A larger file or upstream body is refused there with
/// 502; everywhere else files and upstream bodies are streamed and have no size limit.
pub const MAX_FILE_BYTES: u64 = 16 << 20;
/// Time a connection gets to finish its request after shutdown starts.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// One location at run time: its authentication and, for a proxy, its upstream.
#[derive(Clone)]
struct Site {
    auth: Arc<LocationAuth>,
    upstream: Option<Arc<Upstream>>,
    /// For a `static_dir`: the directory resolved and opened once per configuration (a
    /// reload does it again), as httpd resolves its `DocumentRoot`. `None` when that
    /// failed: it is tried again per request.
    static_root: Option<Arc<StaticRoot>>,
}

/// A `static_dir` resolved (no symbolic link, `.` or `..` in `path`) and held open.
struct StaticRoot {
    path: PathBuf,
    /// `O_PATH` descriptor of `path`: files are opened relative to it.
    fd: rustix::fd::OwnedFd,
}

impl StaticRoot {
    fn open(dir: &Path) -> Option<Self> {
        use rustix::fs::{Mode, OFlags};
        let path = dir.canonicalize().ok()?;
        let fd = rustix::fs::open(
            &path,
            OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .ok()?;
        Some(Self { path, fd })
    }
}

/// Everything a configuration reload replaces, swapped as one value: a request (and a
/// connection, for its limits and TLS) takes a snapshot when it starts and keeps it.
pub(crate) struct Policy {
    config: Config,
    /// Parallel to `config.locations`.
    sites: Vec<Site>,
    tls: Option<Arc<TlsSetup>>,
}

pub(crate) struct State {
    policy: RwLock<Arc<Policy>>,
    heavy: Arc<Semaphore>,
    /// What was bound and sized at start, which a reload cannot change.
    listeners: Vec<Listener>,
    started: ServerSettings,
    started_store: crate::config::StoreSettings,
    /// The session store and shared secrets: made once, kept across reloads.
    shared: crate::store::SharedState,
}

impl std::fmt::Debug for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("State")
            .field("listeners", &self.listeners)
            .finish_non_exhaustive()
    }
}

impl State {
    /// The configuration in force now.
    fn policy(&self) -> Arc<Policy> {
        // A poisoned lock still holds a complete `Arc`: the swap is one assignment.
        Arc::clone(&self.policy.read().unwrap_or_else(|e| e.into_inner()))
    }
}

/// True when two locations differ at most in their line number: the running
/// [`LocationAuth`] (its Digest nonce key, Mutual sessions, file caches) is kept.
fn same_location(a: &LocationConfig, b: &LocationConfig) -> bool {
    let mut a = a.clone();
    a.line = b.line;
    a == *b
}

/// Builds the runtime of `config`, reusing the location runtimes of `previous` whose
/// configuration did not change. Reads files (password files, TLS material, CA bundles):
/// call it off the async workers. Returns the policy and the paths of the locations built
/// anew.
fn build_policy(
    config: Config,
    previous: Option<&Policy>,
    shared: &crate::store::SharedState,
) -> Result<(Policy, Vec<String>), Error> {
    let mut sites = Vec::new();
    let mut rebuilt = Vec::new();
    for l in &config.locations {
        let kept = previous.and_then(|p| {
            p.config
                .locations
                .iter()
                .zip(&p.sites)
                .find(|(old, _)| same_location(old, l))
                .map(|(_, site)| Arc::clone(&site.auth))
        });
        let auth = match kept {
            Some(a) => a,
            None => {
                rebuilt.push(l.path.clone());
                Arc::new(LocationAuth::build(l.clone(), shared)?)
            }
        };
        let upstream = match &l.content {
            Content::Proxy {
                upstream,
                user_header,
                upstream_ca,
                cert_headers,
            } => Some(Arc::new(Upstream::new(
                upstream,
                user_header,
                cert_headers,
                upstream_ca.as_deref(),
            )?)),
            _ => None,
        };
        let static_root = match &l.content {
            Content::Static(dir) => StaticRoot::open(dir).map(Arc::new),
            _ => None,
        };
        sites.push(Site {
            auth,
            upstream,
            static_root,
        });
    }
    let tls = tls_setup(&config)?.map(Arc::new);
    Ok((Policy { config, sites, tls }, rebuilt))
}

struct Conn {
    scheme: &'static str,
    local: SocketAddr,
    remote: SocketAddr,
    tls: Option<Arc<TlsInfo>>,
    /// What the connection is reading, for its [`Watchdog`].
    clock: Arc<ReadClock>,
    /// Fields for the next `100 Continue` (RFC 8120 section 4.5), written by the
    /// connection's [`ContinueIo`].
    interim: InterimFields,
}

/// A running server.
#[derive(Debug)]
pub struct Running {
    /// The bound addresses (port 0 resolved), in listener order.
    pub addresses: Vec<(ListenerKind, SocketAddr)>,
    shutdown: watch::Sender<bool>,
    tasks: JoinSet<()>,
    state: Arc<State>,
}

impl Running {
    /// Replaces the running configuration with `config` for the requests and
    /// connections that start from now on; requests under way finish with the old one.
    ///
    /// Locations whose configuration did not change keep their runtime (Digest nonces,
    /// Mutual sessions); changed and new ones are built from their files; TLS settings
    /// and certificates apply to new connections. Listeners, `kex_concurrency`,
    /// `max_connections` and `demo_setup` are fixed at start: a change to them is listed
    /// in [`ReloadReport::restart_needed`] and otherwise ignored. Blocks while files are
    /// read.
    ///
    /// # Errors
    /// A file the new configuration names cannot be loaded; nothing is replaced then.
    pub fn reload(&self, config: Config) -> Result<ReloadReport, Error> {
        reload_state(&self.state, config)
    }

    /// Watches the configuration `options` names: the file is polled every
    /// [`crate::reload::POLL_INTERVAL`] and re-read on SIGHUP (Unix); a changed file that
    /// parses is applied with [`reload`](Self::reload), one with errors is logged (file,
    /// line, directive) and the running configuration stays. Stops at
    /// [`shutdown`](Self::shutdown). Call it inside the runtime.
    ///
    /// # Errors
    /// The SIGHUP handler cannot be installed.
    pub fn watch(&mut self, options: Options) -> Result<(), Error> {
        let hup = crate::reload::hangup()?;
        let state = Arc::clone(&self.state);
        let rx = self.shutdown.subscribe();
        self.tasks
            .spawn(crate::reload::watch_loop(state, options, rx, hup));
        Ok(())
    }

    /// Stops accepting, lets open requests finish (at most [`SHUTDOWN_GRACE`]), returns.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        while self.tasks.join_next().await.is_some() {}
    }

    /// The first address of `kind`.
    pub fn address(&self, kind: ListenerKind) -> Option<SocketAddr> {
        self.addresses
            .iter()
            .find(|(k, _)| *k == kind)
            .map(|(_, a)| *a)
    }
}

struct TlsSetup {
    acceptor: tokio_rustls::TlsAcceptor,
    verifier: Arc<cert_policy::ApacheClientVerifier>,
    server_chain: Vec<Vec<u8>>,
}

fn tls_setup(config: &Config) -> Result<Option<TlsSetup>, Error> {
    let Some(t) = &config.tls else {
        return Ok(None);
    };
    let chain = crate::pki::read_certs(&t.certificate_chain)?;
    let key = crate::pki::read_key(&t.private_key)?;
    let mut vc = cert_policy::VerifyConfig::new(t.verify_client);
    vc.depth = t.verify_depth;
    if let Some(ca) = &t.client_ca {
        vc.ca = crate::pki::read_certs(ca)?
            .into_iter()
            .map(rustls_pki_types::CertificateDer::from)
            .collect();
    }
    for crl in &t.crls {
        let data = std::fs::read(crl).map_err(|e| Error::io(crl, e))?;
        let ders = cert_policy::verify::read_crls(&data)
            .map_err(|e| Error::Tls(format!("{}: {e}", crl.display())))?;
        vc.crls.extend(
            ders.into_iter()
                .map(rustls_pki_types::CertificateRevocationListDer::from),
        );
    }
    vc.revocation_check = t.revocation_check;
    // The demo is an application: it chooses the provider (ring) and hands it to the
    // verifier, which checks client-certificate signatures with the same algorithms.
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = cert_policy::ApacheClientVerifier::with_provider(vc, provider.clone())
        .map_err(|e| Error::Tls(e.to_string()))?;
    let mut sc = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Tls(e.to_string()))?
        .with_client_cert_verifier(verifier.clone())
        .with_single_cert(
            chain
                .iter()
                .cloned()
                .map(rustls_pki_types::CertificateDer::from)
                .collect(),
            key,
        )
        .map_err(|e| Error::Tls(e.to_string()))?;
    sc.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Some(TlsSetup {
        acceptor: tokio_rustls::TlsAcceptor::from(Arc::new(sc)),
        verifier,
        server_chain: chain,
    }))
}

/// Binds every listener and starts serving.
///
/// # Errors
/// Files that cannot be loaded, TLS setup, sockets that cannot be bound.
pub async fn start(config: Config) -> Result<Running, Error> {
    let shared = crate::store::SharedState::open(&config.store)?
        .with_pool_limits(httpauth::PoolLimits::new(config.server.kex_concurrency));
    let listeners = config.listeners.clone();
    let started = config.server.clone();
    let started_store = config.store.clone();
    let (policy, _) = build_policy(config, None, &shared)?;
    let state = Arc::new(State {
        heavy: Arc::new(Semaphore::new(started.kex_concurrency)),
        policy: RwLock::new(Arc::new(policy)),
        listeners,
        started,
        started_store,
        shared,
    });
    let (tx, rx) = watch::channel(false);
    let mut tasks = JoinSet::new();
    let mut addresses = Vec::new();
    let conns = Arc::new(Semaphore::new(state.started.max_connections));
    // One count per client across all listeners.
    let per_client = Arc::new(PerClient::default());
    for l in state.listeners.clone() {
        let listener = TcpListener::bind(l.address)
            .await
            .map_err(|e| Error::io(l.address.to_string(), e))?;
        let local = listener.local_addr()?;
        addresses.push((l.kind, local));
        tasks.spawn(accept_loop(
            listener,
            l.kind,
            Arc::clone(&state),
            rx.clone(),
            Arc::clone(&conns),
            Arc::clone(&per_client),
        ));
    }
    Ok(Running {
        addresses,
        shutdown: tx,
        tasks,
        state,
    })
}

/// [`Running::reload`].
pub(crate) fn reload_state(state: &State, config: Config) -> Result<ReloadReport, Error> {
    let mut restart_needed = Vec::new();
    if config.listeners != state.listeners {
        restart_needed.push("listener".to_owned());
    }
    let (new, old) = (&config.server, &state.started);
    for (name, changed) in [
        (
            "server.kex_concurrency",
            new.kex_concurrency != old.kex_concurrency,
        ),
        (
            "server.max_connections",
            new.max_connections != old.max_connections,
        ),
        ("server.demo_setup", new.demo_setup != old.demo_setup),
        ("store", config.store != state.started_store),
    ] {
        if changed {
            restart_needed.push(name.to_owned());
        }
    }
    let previous = state.policy();
    let https_running = state
        .listeners
        .iter()
        .any(|l| l.kind == ListenerKind::Https);
    let (mut policy, rebuilt) = build_policy(config, Some(&previous), &state.shared)?;
    if policy.tls.is_none() && https_running {
        // The running https listener keeps its TLS until a restart removes it.
        policy.tls = previous.tls.clone();
        restart_needed.push("tls (removed while an https listener runs)".to_owned());
    }
    let report = ReloadReport {
        kept: policy.sites.len() - rebuilt.len(),
        rebuilt,
        restart_needed,
    };
    *state.policy.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(policy);
    Ok(report)
}

/// The TLS files of the policy in force: certificate chain, key, client CA bundle,
/// CRLs (`SSLCertificateFile`, `SSLCertificateKeyFile`, `SSLCACertificateFile`,
/// `SSLCARevocationFile`).
pub(crate) fn tls_files(state: &State) -> Vec<PathBuf> {
    let policy = state.policy();
    let Some(t) = &policy.config.tls else {
        return Vec::new();
    };
    let mut files = vec![t.certificate_chain.clone(), t.private_key.clone()];
    files.extend(t.client_ca.iter().cloned());
    files.extend(t.crls.iter().cloned());
    files
}

/// Builds the TLS setup anew from the files of the policy in force (a CRL rewritten by
/// `httpauth-ca crl`, a renewed server certificate) and swaps it in for new connections;
/// locations, Digest nonces and Mutual sessions are kept. Apache needs a graceful
/// restart for this; here a revocation takes effect at the next handshake. Returns false
/// when a configuration reload replaced the policy meanwhile (it read the files itself).
///
/// # Errors
/// A file that cannot be read or parsed (an expired or badly signed CRL is not refused
/// here: the verifier judges it per handshake, as OpenSSL does); the running TLS setup
/// stays.
pub(crate) fn reload_tls(state: &State) -> Result<bool, Error> {
    let current = state.policy();
    let Some(tls) = tls_setup(&current.config)?.map(Arc::new) else {
        return Ok(false);
    };
    let mut slot = state.policy.write().unwrap_or_else(|e| e.into_inner());
    if !Arc::ptr_eq(&slot, &current) {
        return Ok(false);
    }
    *slot = Arc::new(Policy {
        config: current.config.clone(),
        sites: current.sites.clone(),
        tls: Some(tls),
    });
    Ok(true)
}

async fn accept_loop(
    listener: TcpListener,
    kind: ListenerKind,
    state: Arc<State>,
    mut shutdown: watch::Receiver<bool>,
    conns: Arc<Semaphore>,
    per_client: Arc<PerClient>,
) {
    let mut connections = JoinSet::new();
    loop {
        let permit = tokio::select! {
            p = Arc::clone(&conns).acquire_owned() => match p { Ok(p) => p, Err(_) => break },
            _ = shutdown.changed() => break,
        };
        let (stream, remote) = tokio::select! {
            r = listener.accept() => match r {
                Ok(x) => x,
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = shutdown.changed() => break,
        };
        // Reap finished connection tasks so the set stays small.
        while connections.try_join_next().is_some() {}
        // The TLS settings and limits in force when the connection arrives.
        let policy = state.policy();
        let limits = &policy.config.server;
        // Closed at once (the global permit returns to the loop): one client cannot hold
        // every place of `max_connections` (slowloris).
        let Some(slot) = per_client.admit(remote.ip(), limits.max_connections_per_client) else {
            drop(stream);
            continue;
        };
        // A response goes out in several writes (the head, then each body frame; TLS
        // records): with Nagle's algorithm the second waits for the ACK of the first,
        // which the client delays by up to 40 ms. httpauth-load measured a static file at
        // 59 requests/s on one keep-alive connection (p90 47 ms) against 9,400 for the
        // built-in page before this.
        let _ = stream.set_nodelay(true);
        let clock = Arc::new(ReadClock::new(limits));
        let stream = Watchdog::new(stream, remote, Arc::clone(&clock), limits.write_timeout);
        let local = stream.io.local_addr().unwrap_or(remote);
        let state = Arc::clone(&state);
        let rx = shutdown.clone();
        connections.spawn(async move {
            let _permit = permit;
            let _slot = slot;
            let timeout = policy.config.server.read_timeout;
            let tls = match kind {
                ListenerKind::Https => policy.tls.clone(),
                ListenerKind::Http => None,
            };
            match (kind, tls) {
                (ListenerKind::Https, Some(tls)) => {
                    let accepted = tokio::time::timeout(timeout, tls.acceptor.accept(stream)).await;
                    let stream = match accepted {
                        Ok(Ok(s)) => s,
                        Ok(Err(e)) => {
                            tracing::info!(%remote, error = %e, "tls handshake failed");
                            return;
                        }
                        Err(_) => {
                            tracing::info!(%remote, "tls handshake timed out");
                            return;
                        }
                    };
                    let info = tls_info(&tls, stream.get_ref().1);
                    let interim = InterimFields::new();
                    let stream = ContinueIo::new(stream, interim.clone());
                    let conn = Arc::new(Conn {
                        scheme: "https",
                        local,
                        remote,
                        tls: Some(Arc::new(info)),
                        clock,
                        interim,
                    });
                    serve(TokioIo::new(stream), state, conn, rx).await;
                }
                (ListenerKind::Https, None) => {
                    // Not reached: a reload keeps the TLS of a running https listener.
                    tracing::error!(%remote, "https listener without tls settings");
                }
                (ListenerKind::Http, _) => {
                    let interim = InterimFields::new();
                    let stream = ContinueIo::new(stream, interim.clone());
                    let conn = Arc::new(Conn {
                        scheme: "http",
                        local,
                        remote,
                        tls: None,
                        clock,
                        interim,
                    });
                    serve(TokioIo::new(stream), state, conn, rx).await;
                }
            }
        });
    }
    // Graceful: connections see the shutdown signal themselves.
    while connections.join_next().await.is_some() {}
}

fn tls_info(tls: &TlsSetup, c: &rustls::ServerConnection) -> TlsInfo {
    let mut info = TlsInfo::default();
    info.peer_certificates = c
        .peer_certificates()
        .map(|cs| cs.iter().map(|d| d.as_ref().to_vec()).collect())
        .unwrap_or_default();
    info.peer_verification = if info.peer_certificates.is_empty() {
        PeerVerification::None
    } else {
        tls.verifier.outcome(&info.peer_certificates)
    };
    info.server_certificates = tls.server_chain.clone();
    info.protocol = c.protocol_version().map(|v| match v {
        rustls::ProtocolVersion::TLSv1_3 => "TLSv1.3".to_owned(),
        rustls::ProtocolVersion::TLSv1_2 => "TLSv1.2".to_owned(),
        other => format!("{other:?}"),
    });
    info.cipher = c
        .negotiated_cipher_suite()
        .map(|s| format!("{:?}", s.suite()));
    info.sni = c.server_name().map(str::to_owned);
    info.channel_bindings.tls_server_end_point = tls
        .server_chain
        .first()
        .and_then(|leaf| mutual_core::scope::tls_server_end_point(leaf).ok());
    info
}

async fn serve<I>(io: I, state: Arc<State>, conn: Arc<Conn>, mut shutdown: watch::Receiver<bool>)
where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let policy = state.policy();
    let s = &policy.config.server;
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        // The hard limit; the connection's `Watchdog` closes it earlier when the head
        // comes slower than `min_rate_bytes_per_sec` after `read_timeout`.
        .header_read_timeout(s.read_timeout_max)
        .max_buf_size(s.max_header_bytes.max(8192))
        .max_headers(100);
    let st = Arc::clone(&state);
    let cn = Arc::clone(&conn);
    let svc = hyper::service::service_fn(move |req| {
        let st = Arc::clone(&st);
        let cn = Arc::clone(&cn);
        async move { Ok::<_, Infallible>(handle(st, cn, req).await) }
    });
    let c = builder.serve_connection(io, svc);
    tokio::pin!(c);
    tokio::select! {
        r = c.as_mut() => {
            if let Err(e) = r {
                tracing::debug!(remote = %conn.remote, error = %e, "connection ended with error");
            }
        }
        _ = shutdown.changed() => {
            c.as_mut().graceful_shutdown();
            let _ = tokio::time::timeout(SHUTDOWN_GRACE, c).await;
        }
    }
}

/// A request body, read already (Digest `auth-int`) or not yet.
enum Buffered {
    Read(Bytes),
    Unread(Incoming),
}

/// True when `e` was caused by a read the connection's [`Watchdog`] timed out.
fn timed_out(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cur = Some(e);
    while let Some(e) = cur {
        if e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::TimedOut)
        {
            return true;
        }
        cur = e.source();
    }
    false
}

/// Reads a request body of at most `limit` bytes; the error is the response to send
/// (413, 400, 408). The body must come within `read_timeout` plus a second for every
/// `min_rate_bytes_per_sec` bytes (the connection's [`ReadClock`]), and within
/// `timeout`, the hard limit, however fast.
async fn read_body(
    body: Incoming,
    limit: usize,
    timeout: Duration,
    clock: &ReadClock,
) -> Result<Bytes, Response<Body>> {
    // A declared Content-Length over the limit is refused before reading anything.
    if hyper::body::Body::size_hint(&body).lower() > limit as u64 {
        return Err(text(
            StatusCode::PAYLOAD_TOO_LARGE,
            "413 request body too large\n",
        ));
    }
    clock.start("request body");
    let read = tokio::time::timeout(timeout, Limited::new(body, limit).collect()).await;
    clock.stop();
    match read {
        Ok(Ok(b)) => Ok(b.to_bytes()),
        Ok(Err(e))
            if e.downcast_ref::<http_body_util::LengthLimitError>()
                .is_some() =>
        {
            Err(text(
                StatusCode::PAYLOAD_TOO_LARGE,
                "413 request body too large\n",
            ))
        }
        Ok(Err(e)) if timed_out(&*e) => Err(text(
            StatusCode::REQUEST_TIMEOUT,
            "408 request body too slow\n",
        )),
        Ok(Err(_)) => Err(text(StatusCode::BAD_REQUEST, "400 bad request body\n")),
        Err(_) => Err(text(
            StatusCode::REQUEST_TIMEOUT,
            "408 request body timed out\n",
        )),
    }
}

fn text(status: StatusCode, body: impl Into<String>) -> Response<Body> {
    let mut r = Response::new(Body::full(body.into()));
    *r.status_mut() = status;
    r.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}

fn add_challenges(r: &mut Response<Body>, name: &'static str, challenges: &[Challenge]) {
    for c in challenges {
        if let Ok(v) = HeaderValue::from_str(&httpauth_headers::format_challenge(c)) {
            r.headers_mut().append(HeaderName::from_static(name), v);
        }
    }
}

async fn handle(state: Arc<State>, conn: Arc<Conn>, req: Request<Incoming>) -> Response<Body> {
    let method = req.method().as_str().to_owned();
    let path = req.uri().path().to_owned();
    let target = req
        .uri()
        .path_and_query()
        .map_or_else(|| path.clone(), |p| p.as_str().to_owned());
    // The head is in: nothing is timed on the read side until the body is read
    // (`read_body`) or the response is gone (the next head).
    conn.clock.stop();
    let resp = route(&state, &conn, req).await;
    tracing::info!(
        remote = %conn.remote, scheme = conn.scheme, %method, path = %path,
        status = resp.status().as_u16(), "request"
    );
    let _ = target;
    resp.map(|b| b.with_clock(&conn.clock))
}

/// Checks what RFC 9112 requires of every request before anything else looks at it;
/// returns the refusal to send, if any.
///
/// - Section 3.2: "A server MUST respond with a 400 (Bad Request) status code to any
///   HTTP/1.1 request message that lacks a Host header field and to any request message
///   that contains more than one Host header field line or a Host header field with an
///   invalid field value." (An empty value is valid: `Host = uri-host [ ":" port ]`
///   may be empty when the target URI has no authority.) An absolute-form request
///   (section 3.2.2) needs its Host too; its value is then ignored.
/// - `CONNECT` (RFC 9110 section 9.3.6) asks for a tunnel; the demo is an origin server
///   and a reverse proxy, never a forward proxy: 501, and the connection is closed so
///   nothing that follows is taken for a tunnel.
fn refuse_request_head(req: &Request<Incoming>) -> Option<Response<Body>> {
    if req.method() == hyper::Method::CONNECT {
        let mut r = text(
            StatusCode::NOT_IMPLEMENTED,
            "501 CONNECT is not supported (not a forward proxy)\n",
        );
        r.headers_mut()
            .insert(hyper::header::CONNECTION, HeaderValue::from_static("close"));
        return Some(r);
    }
    let mut hosts = req.headers().get_all(hyper::header::HOST).iter();
    match (hosts.next(), hosts.next()) {
        (None, _) if req.version() == hyper::Version::HTTP_11 => {
            Some(text(StatusCode::BAD_REQUEST, "400 no Host field\n"))
        }
        (None, _) => None,
        (Some(_), Some(_)) => Some(text(
            StatusCode::BAD_REQUEST,
            "400 more than one Host field\n",
        )),
        (Some(h), None) => {
            // `uri-host [ ":" port ]`: an authority without userinfo.
            let valid = hyper::http::uri::Authority::try_from(h.as_bytes())
                .is_ok_and(|a| !a.as_str().contains('@'));
            if h.is_empty() || valid {
                None
            } else {
                Some(text(StatusCode::BAD_REQUEST, "400 invalid Host field\n"))
            }
        }
    }
}

/// The request-target of `uri` as the text [`NormalizedPath::parse`] takes: origin-form
/// as is; absolute-form (RFC 9112 section 3.2.2) by its path and query, `/` for an empty
/// path; anything else (authority-form, `*`) as the empty string, which is refused.
fn request_target(uri: &hyper::Uri) -> &str {
    match (uri.path_and_query(), uri.scheme()) {
        (Some(pq), _) => pq.as_str(),
        (None, Some(_)) => "/",
        (None, None) => "",
    }
}

async fn route(state: &Arc<State>, conn: &Arc<Conn>, req: Request<Incoming>) -> Response<Body> {
    // One form of the path, made once before anything looks at it (RFC 3986 section
    // 6.2.2 decoding, section 5.2.4 dot-segment removal, merged slashes; see
    // `httpauth::path`). The location, `Require expr` / `SSLRequire` (`REQUEST_URI`), the
    // file mapping and the upstream request-target all use `npath` and nothing else, so
    // `/docs//internal`, `/docs/./internal` or `/docs/%69nternal` cannot be chosen as
    // `/docs` and then served as `/docs/internal`.
    if let Some(r) = refuse_request_head(&req) {
        tracing::info!(remote = %conn.remote, method = %req.method(), "request head refused");
        return r;
    }
    let raw_target = request_target(req.uri()).to_owned();
    let npath = match NormalizedPath::parse(&raw_target) {
        Ok(p) => p,
        Err(e) => {
            tracing::info!(remote = %conn.remote, error = %e, "request-target refused");
            let status = StatusCode::from_u16(e.http_status()).unwrap_or(StatusCode::BAD_REQUEST);
            return text(status, format!("{} {e}\n", status.as_u16()));
        }
    };
    let path = npath.as_str().to_owned();
    // The whole request is decided and served under one configuration.
    let policy = state.policy();
    let Some(i) = policy.config.location_for(&npath) else {
        return text(StatusCode::NOT_FOUND, "404 not found\n");
    };
    let Some(site) = policy.sites.get(i) else {
        return text(StatusCode::NOT_FOUND, "404 not found\n");
    };
    let loc = Arc::clone(&site.auth);
    // Exactly one Authorization field (RFC 7235 section 4.2 has no list syntax).
    let mut auths = req.headers().get_all(hyper::header::AUTHORIZATION).iter();
    let authorization = match (auths.next(), auths.next()) {
        (None, _) => None,
        (Some(v), None) => match v.to_str() {
            Ok(s) => Some(s.to_owned()),
            Err(_) => match std::str::from_utf8(v.as_bytes()) {
                // UTF-8 in quoted strings (RFC 8187 predecessors, obs-text) is allowed.
                Ok(s) => Some(s.to_owned()),
                Err(_) => return text(StatusCode::BAD_REQUEST, "400 malformed Authorization\n"),
            },
        },
        (Some(_), Some(_)) => {
            return text(
                StatusCode::BAD_REQUEST,
                "400 more than one Authorization field\n",
            );
        }
    };
    let authority = req
        .headers()
        .get(hyper::header::HOST)
        .and_then(|h| h.to_str().ok())
        .map_or_else(|| conn.local.to_string(), str::to_owned);
    let headers: Vec<(String, String)> = req
        .headers()
        .iter()
        .filter(|(k, _)| *k != hyper::header::AUTHORIZATION)
        .filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned())))
        .collect();
    let limit = policy.config.server.max_body_bytes;
    let timeout = policy.config.server.read_timeout;
    let max_timeout = policy.config.server.read_timeout_max;
    let (parts, body) = req.into_parts();
    // Digest qop=auth-int covers the body (RFC 7616 section 3.4.3): read it, within the
    // limits, before authenticating; every other request is decided from its head first.
    let (body, body_digests) = if loc.wants_body_digest(authorization.as_deref()) {
        let b = match read_body(body, limit, max_timeout, &conn.clock).await {
            Ok(b) => b,
            Err(r) => return r,
        };
        let d = Arc::new(loc.body_digests(&b));
        (Buffered::Read(b), Some(d))
    } else {
        (Buffered::Unread(body), None)
    };
    let facts = Arc::new(RequestFacts {
        method: parts.method.as_str().to_owned(),
        target: raw_target,
        path: path.clone(),
        scheme: conn.scheme,
        authority,
        remote_addr: Some(conn.remote),
        tls: conn.tls.clone(),
        headers,
        body: body_digests,
    });
    let decision = decide(
        Arc::clone(&loc),
        Arc::clone(&facts),
        authorization,
        Arc::clone(&state.heavy),
    )
    .await;
    let (principal, info, optional, rspauth, interim) = match decision {
        Decision::Allow {
            principal,
            info,
            optional,
            rspauth,
            interim,
        } => (principal, info, optional, rspauth, interim),
        Decision::Unauthorized(cs) => {
            let mut r = text(StatusCode::UNAUTHORIZED, "401 authentication required\n");
            add_challenges(&mut r, "www-authenticate", &cs);
            return r;
        }
        Decision::Forbidden => return text(StatusCode::FORBIDDEN, "403 forbidden\n"),
        Decision::BadRequest => {
            return text(StatusCode::BAD_REQUEST, "400 malformed credentials\n");
        }
        Decision::Unavailable => {
            return text(
                StatusCode::SERVICE_UNAVAILABLE,
                "503 authentication unavailable\n",
            );
        }
        Decision::TooMany(retry_after) => {
            let mut r = text(
                StatusCode::TOO_MANY_REQUESTS,
                "429 too many failed attempts\n",
            );
            r.headers_mut().insert(
                hyper::header::RETRY_AFTER,
                HeaderValue::from(retry_after.as_secs().max(1)),
            );
            return r;
        }
        Decision::Busy(retry_after) => {
            let mut r = text(StatusCode::SERVICE_UNAVAILABLE, "503 server busy\n");
            r.headers_mut().insert(
                hyper::header::RETRY_AFTER,
                HeaderValue::from(retry_after.as_secs().max(1)),
            );
            return r;
        }
    };
    // RFC 8120 section 4.5: a Mutual `Authentication-Info` goes into the `100 Continue`
    // hyper sends when the body below is first read, if the request expects one.
    let offered = interim
        && parts.version == hyper::Version::HTTP_11
        && httpauth::interim::expects_continue(
            parts
                .headers
                .get_all(hyper::header::EXPECT)
                .iter()
                .map(HeaderValue::as_bytes),
        )
        && conn.interim.offer(
            "authentication-info",
            &httpauth_headers::format_authentication_info(&info),
        );
    // Read the body within the limits before answering (it is relayed to a proxy upstream).
    let body = match body {
        Buffered::Read(b) => b,
        Buffered::Unread(body) => match read_body(body, limit, max_timeout, &conn.clock).await {
            Ok(b) => b,
            Err(r) => {
                conn.interim.settle();
                return r;
            }
        },
    };
    let info = if offered && conn.interim.settle() {
        httpauth_core::AuthParams::new()
    } else {
        info
    };
    let head = parts.method == hyper::Method::HEAD;
    let mut resp = match (&loc.config.content, &site.upstream) {
        (Content::Page, _) => page(&policy, &loc, &facts, principal.as_ref()),
        (Content::Static(dir), _) => {
            static_file(site.static_root.as_deref(), dir, &loc.config.path, &npath)
        }
        (Content::Proxy { .. }, Some(up)) => {
            proxy(up, principal.as_ref(), &facts, &npath, parts, body, timeout).await
        }
        (Content::Proxy { .. }, None) => text(StatusCode::BAD_GATEWAY, "502 bad gateway\n"),
    };
    let mut info = info;
    if let Some(pending) = rspauth {
        // RFC 7616 section 3.5: for auth-int, rspauth covers the response body as sent
        // (none for HEAD, RFC 9110 section 9.3.2). It goes in the head, so the body is
        // read whole first: the one place a file or upstream body is held in memory,
        // at most `MAX_FILE_BYTES` and within `read_timeout_max`.
        let (p, b) = resp.into_parts();
        if head {
            info = pending.authentication_info(&[]);
            resp = Response::from_parts(p, b);
        } else {
            let bytes = match tokio::time::timeout(
                max_timeout,
                Limited::new(b, MAX_FILE_BYTES as usize).collect(),
            )
            .await
            {
                Ok(Ok(c)) => c.to_bytes(),
                Ok(Err(e)) => {
                    tracing::warn!(
                        remote = %conn.remote, path = %path, error = %e, limit = MAX_FILE_BYTES,
                        "auth-int response body not buffered (over the limit, or failed): 502"
                    );
                    return text(
                        StatusCode::BAD_GATEWAY,
                        "502 response too large for auth-int\n",
                    );
                }
                Err(_) => {
                    tracing::warn!(remote = %conn.remote, path = %path, "auth-int response body timed out: 502");
                    return text(StatusCode::BAD_GATEWAY, "502 response timed out\n");
                }
            };
            info = pending.authentication_info(&bytes);
            resp = Response::from_parts(p, Body::full(bytes));
        }
    }
    if !info.is_empty()
        && let Ok(v) = HeaderValue::from_str(&httpauth_headers::format_authentication_info(&info))
    {
        {
            resp.headers_mut()
                .insert(HeaderName::from_static("authentication-info"), v);
        }
    }
    add_challenges(&mut resp, "optional-www-authenticate", &optional);
    if principal.is_some() || !optional.is_empty() {
        resp.headers_mut().insert(
            hyper::header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        );
    }
    resp
}

fn page(
    state: &Policy,
    loc: &LocationAuth,
    facts: &RequestFacts,
    principal: Option<&Principal>,
) -> Response<Body> {
    use std::fmt::Write as _;
    let mut s = String::new();
    let _ = writeln!(s, "httpauth-demo: {}", loc.config.title);
    let _ = writeln!(s, "location: {}", loc.config.path);
    match principal {
        Some(p) => {
            let _ = writeln!(s, "principal: {}", p.user);
            let _ = writeln!(s, "scheme: {}", p.scheme);
            if let Some(r) = &p.realm {
                let _ = writeln!(s, "realm: {r}");
            }
        }
        None => {
            let _ = writeln!(s, "principal: (anonymous)");
        }
    }
    match facts.tls.as_deref() {
        Some(tls) => {
            let vars = cert_policy::TlsVars::new(tls).ok();
            let subject = vars.as_ref().and_then(|v| {
                let ctx = cert_policy::Context::new(Some(v));
                cert_policy::ssl_user_name("SSL_CLIENT_S_DN", &ctx)
                    .ok()
                    .flatten()
            });
            let _ = writeln!(
                s,
                "certificate subject: {}",
                subject.as_deref().unwrap_or("(none)")
            );
            let _ = writeln!(
                s,
                "certificate verify: {}",
                vars.map_or_else(|| "NONE".into(), |v| v.verify_string())
            );
            let _ = writeln!(
                s,
                "tls: {} {}",
                tls.protocol.as_deref().unwrap_or("?"),
                tls.cipher.as_deref().unwrap_or("?")
            );
        }
        None => {
            let _ = writeln!(s, "certificate subject: (no tls)");
        }
    }
    if loc.config.path == "/" {
        let _ = writeln!(s, "\nlocations:");
        for l in &state.config.locations {
            let _ = writeln!(s, "  {:<20} {}", l.path, l.title);
        }
    }
    text(StatusCode::OK, s)
}

/// Opens the file the normalised `path` below the location `prefix` names under `root`
/// with `openat2(RESOLVE_BENEATH)` (Linux 5.6): the kernel resolves the path relative to
/// the open directory and refuses any resolution that leaves it, symbolic links included;
/// one short path walk instead of an `lstat` and an `open` of the whole path. Returns
/// `Some(None)` for "not found", `None` when this way cannot decide (no `openat2` here,
/// or a path through an absolute symbolic link or out of the directory, which
/// [`static_path`] then resolves and checks).
#[cfg(not(target_os = "linux"))]
fn open_beneath(
    _root: &StaticRoot,
    _prefix: &str,
    _path: &NormalizedPath,
) -> Option<Option<(std::fs::File, PathBuf)>> {
    None
}

/// See above: Linux.
#[cfg(target_os = "linux")]
fn open_beneath(
    root: &StaticRoot,
    prefix: &str,
    path: &NormalizedPath,
) -> Option<Option<(std::fs::File, PathBuf)>> {
    use rustix::fs::{Mode, OFlags, ResolveFlags};
    use rustix::io::Errno;
    let Some((rest, segments)) = segments_below(prefix, path) else {
        return Some(None);
    };
    let mut rel = segments.join("/");
    let open = |p: &str| {
        let p = if p.is_empty() { "." } else { p };
        match rustix::fs::openat2(
            &root.fd,
            p,
            // Non-blocking: opening a FIFO left in the directory must not wait for a
            // writer (it is then no regular file: 404); reads of files are unaffected.
            OFlags::RDONLY | OFlags::CLOEXEC | OFlags::NOCTTY | OFlags::NONBLOCK,
            Mode::empty(),
            ResolveFlags::BENEATH | ResolveFlags::NO_MAGICLINKS,
        ) {
            Ok(fd) => Some(Some(std::fs::File::from(fd))),
            Err(
                Errno::NOENT | Errno::NOTDIR | Errno::ACCESS | Errno::LOOP | Errno::NAMETOOLONG,
            ) => Some(None),
            // EXDEV (a link out of the directory, or absolute), ENOSYS, EPERM (seccomp),
            // EAGAIN (a concurrent rename): let the portable check decide.
            Err(_) => None,
        }
    };
    let f = match open(&rel)? {
        Some(f) => f,
        None => return Some(None),
    };
    let is_dir = f.metadata().ok()?.is_dir();
    if is_dir {
        if !rel.is_empty() {
            rel.push('/');
        }
        rel.push_str("index.html");
        let f = match open(&rel)? {
            Some(f) => f,
            None => return Some(None),
        };
        return Some(Some((f, root.path.join(&rel))));
    }
    if rest.ends_with('/') {
        // A file is not a directory (httpd: 404).
        return Some(None);
    }
    Some(Some((f, root.path.join(&rel))))
}

/// The part of the normalised `path` below the location `prefix`, and its non-empty
/// segments; `None` outside the prefix, or for a segment that is not one normal path
/// component (defence in depth: normalisation guarantees it already).
fn segments_below<'a>(prefix: &str, path: &'a NormalizedPath) -> Option<(&'a str, Vec<&'a str>)> {
    let rest = path.as_str().strip_prefix(prefix.trim_end_matches('/'))?;
    let segments: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
    let normal = |seg: &&str| {
        let mut comps = Path::new(seg).components();
        matches!(
            (comps.next(), comps.next()),
            (Some(Component::Normal(_)), None)
        )
    };
    segments.iter().all(normal).then_some((rest, segments))
}

/// Opens `path` for reading without waiting: a FIFO does not block the worker until a
/// writer comes (it is no regular file, so the caller answers 404).
fn open_nonblocking(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32)
        .open(path)
}

/// Maps the normalised `path` below the location `prefix` to a file under `dir`.
///
/// `path` is already decoded and has no empty, `.` or `..` segment
/// ([`NormalizedPath`]); it is not decoded a second time (a `%` in it is a literal `%`
/// in the file name). Refuses anything whose resolved path leaves `dir` (symlinks), and
/// a trailing `/` after a file, which httpd answers with 404 too (no path info for static
/// files).
///
/// `resolved`: `dir` has no symbolic link, `.` or `..` in it (`Site::static_root`). Then
/// a path below it whose segments are no symbolic links is inside, which one `lstat` per
/// segment shows; only a path through a link is resolved whole (`realpath`, a `readlink`
/// per component) and checked.
fn static_path(dir: &Path, resolved: bool, prefix: &str, path: &NormalizedPath) -> Option<PathBuf> {
    let (rest, segments) = segments_below(prefix, path)?;
    let mut p = dir.to_path_buf();
    // Whether some segment below `dir` is a symbolic link (or `dir` is not resolved).
    let mut linked = !resolved;
    // What the last segment is, when known without following a link.
    let mut last: Option<std::fs::FileType> = None;
    for seg in segments {
        p.push(seg);
        if !linked {
            let t = p.symlink_metadata().ok()?.file_type();
            linked = t.is_symlink();
            last = Some(t);
        }
    }
    let is_dir = match last {
        Some(t) if !linked => t.is_dir(),
        // `dir` itself, or a path through a link: follow it.
        _ => p.is_dir(),
    };
    if is_dir {
        p.push("index.html");
        if !linked {
            linked = p.symlink_metadata().ok()?.file_type().is_symlink();
        }
    } else if rest.ends_with('/') {
        return None;
    }
    if !linked {
        return Some(p);
    }
    let canon = p.canonicalize().ok()?;
    let root = if resolved {
        dir.to_path_buf()
    } else {
        dir.canonicalize().ok()?
    };
    canon.starts_with(&root).then_some(canon)
}

fn content_type(p: &Path) -> &'static str {
    match p
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("html" | "htm") => "text/html; charset=utf-8",
        Some("txt" | "md") => "text/plain; charset=utf-8",
        Some("css") => "text/css",
        Some("js") => "text/javascript",
        Some("json") => "application/json",
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("svg") => "image/svg+xml",
        _ => "application/octet-stream",
    }
}

/// Files up to this size are read whole when the request is answered; larger ones are
/// streamed [`FILE_CHUNK_BYTES`] at a time through tokio's blocking pool.
pub const INLINE_FILE_BYTES: u64 = 64 << 10;

/// Answers with the file `path` names below `dir`.
///
/// The file is opened and `fstat`ed on the worker thread, and read there too when it is
/// at most [`INLINE_FILE_BYTES`], as httpd and nginx (without `aio`) do: from the page
/// cache that takes microseconds, while each call through tokio's blocking pool costs
/// two thread switches (they were most of the demo's time per request). The price is the
/// same as theirs: a static directory on a slow or hung file system stalls the worker.
fn static_file(
    root: Option<&StaticRoot>,
    dir: &Path,
    prefix: &str,
    path: &NormalizedPath,
) -> Response<Body> {
    let not_found = || text(StatusCode::NOT_FOUND, "404 not found\n");
    let opened = match root.and_then(|r| open_beneath(r, prefix, path)) {
        Some(Some(o)) => o,
        Some(None) => return not_found(),
        // No `openat2`, or a path it will not follow (an absolute symbolic link, one
        // leading out): the portable check decides.
        None => {
            let (dir, resolved) = match root {
                Some(r) => (r.path.as_path(), true),
                None => (dir, false),
            };
            let Some(file) = static_path(dir, resolved, prefix, path) else {
                return not_found();
            };
            let Ok(f) = open_nonblocking(&file) else {
                return not_found();
            };
            (f, file)
        }
    };
    // Opened once; the length is that of the open file, which is what is sent.
    let (f, file) = opened;
    let len = match f.metadata() {
        Ok(m) if m.is_file() => m.len(),
        _ => return text(StatusCode::NOT_FOUND, "404 not found\n"),
    };
    let body = if len <= INLINE_FILE_BYTES {
        let mut buf = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
        match std::io::Read::read_to_end(&mut std::io::Read::take(&f, len), &mut buf) {
            Ok(n) if n as u64 == len => Body::full(buf),
            Ok(_) | Err(_) => {
                tracing::warn!(file = %file.display(), "static file shorter than when it was opened, or unreadable: 500");
                return text(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "500 file changed while read\n",
                );
            }
        }
    } else {
        Body {
            kind: BodyKind::File(FileBody {
                file: tokio::fs::File::from_std(f),
                remaining: len,
                buf: bytes::BytesMut::new(),
            }),
            _done: None,
        }
    };
    let mut r = Response::new(body);
    r.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        HeaderValue::from_static(content_type(&file)),
    );
    r.headers_mut()
        .insert(hyper::header::CONTENT_LENGTH, HeaderValue::from(len));
    r
}

/// Hop-by-hop fields (RFC 9110 section 7.6.1) and the credentials of this hop.
const STRIPPED: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "proxy-authorization",
    "authorization",
    "host",
];

/// A reverse-proxy upstream, prepared when the configuration is loaded.
struct Upstream {
    url: UpstreamUrl,
    user_header: String,
    cert_headers: cert_policy::CertHeaders,
    /// For `https://`: the connector (verifying against `upstream_ca`) and the server
    /// name, sent as SNI and matched against the certificate.
    tls: Option<(
        tokio_rustls::TlsConnector,
        rustls_pki_types::ServerName<'static>,
    )>,
}

impl Upstream {
    fn new(
        upstream: &str,
        user_header: &str,
        cert_headers: &cert_policy::CertHeaders,
        ca: Option<&Path>,
    ) -> Result<Self, Error> {
        let url = UpstreamUrl::parse(upstream)
            .map_err(|m| Error::Tls(format!("upstream {upstream:?}: {m}")))?;
        let tls = match (url.https, ca) {
            (true, Some(ca)) => {
                let mut roots = rustls::RootCertStore::empty();
                for der in crate::pki::read_certs(ca)? {
                    roots
                        .add(der.into())
                        .map_err(|e| Error::Tls(format!("{}: {e}", ca.display())))?;
                }
                let provider = Arc::new(rustls::crypto::ring::default_provider());
                let mut c = rustls::ClientConfig::builder_with_provider(provider)
                    .with_safe_default_protocol_versions()
                    .map_err(|e| Error::Tls(e.to_string()))?
                    .with_root_certificates(roots)
                    .with_no_client_auth();
                c.alpn_protocols = vec![b"http/1.1".to_vec()];
                // RFC 6066 section 3: a DNS host name goes out as SNI; an IP literal does
                // not, and the certificate must then name the address.
                let name = rustls_pki_types::ServerName::try_from(url.host.clone())
                    .map_err(|e| Error::Tls(format!("upstream host {:?}: {e}", url.host)))?;
                Some((tokio_rustls::TlsConnector::from(Arc::new(c)), name))
            }
            (true, None) => {
                return Err(Error::Tls(format!(
                    "upstream {upstream:?} needs upstream_ca"
                )));
            }
            (false, _) => None,
        };
        Ok(Self {
            url,
            user_header: user_header.to_owned(),
            cert_headers: cert_headers.clone(),
            tls,
        })
    }
}

/// Sends `req` over `io` (HTTP/1.1) and returns the response head with its body unread:
/// the connection task reads the upstream only as fast as the body is consumed.
async fn exchange<I>(io: I, req: Request<Full<Bytes>>) -> Result<Response<Incoming>, String>
where
    I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(io))
        .await
        .map_err(|e| e.to_string())?;
    tokio::spawn(conn);
    sender.send_request(req).await.map_err(|e| e.to_string())
}

/// True when a client field `name` is the configured user header `user_header` for an
/// upstream that reads headers as CGI variables: CGI (RFC 3875 section 4.1.18), WSGI,
/// PHP and others map `-` to `_`, so `X_Remote_User` and `x-remote-user` both become
/// `HTTP_X_REMOTE_USER`. Names compare case-insensitively (RFC 9110 section 5.1) after
/// folding `_` to `-`.
pub(crate) fn same_field_name(name: &str, user_header: &str) -> bool {
    name.len() == user_header.len()
        && name.bytes().zip(user_header.bytes()).all(|(a, b)| {
            let fold = |c: u8| {
                if c == b'_' {
                    b'-'
                } else {
                    c.to_ascii_lowercase()
                }
            };
            fold(a) == fold(b)
        })
}

/// The user header's value for `user`, or `None` when it cannot be passed as it is.
///
/// A field value has no leading or trailing white space (RFC 9110 section 5.5: it is
/// optional white space around the value, which the upstream strips), so a name such as
/// a certificate CN `" admin "` would reach the upstream as `admin`: refused, as are
/// control characters (CR, LF, NUL; section 5.5 forbids them). Bytes above 0x7F (a UTF-8
/// name) pass as `obs-text`, unchanged.
fn user_header_value(user: &str) -> Option<HeaderValue> {
    let b = user.as_bytes();
    let ws = |c: &u8| *c == b' ' || *c == b'\t';
    if b.is_empty() || b.first().is_some_and(ws) || b.last().is_some_and(ws) {
        return None;
    }
    if b.iter().any(|&c| (c < 0x20 && c != b'\t') || c == 0x7f) {
        return None;
    }
    HeaderValue::from_bytes(b).ok()
}

async fn proxy(
    up: &Upstream,
    principal: Option<&Principal>,
    facts: &RequestFacts,
    npath: &NormalizedPath,
    parts: hyper::http::request::Parts,
    body: Bytes,
    timeout: Duration,
) -> Response<Body> {
    let bad_gateway = || text(StatusCode::BAD_GATEWAY, "502 bad gateway\n");
    // The normalised path, re-encoded canonically (RFC 3986 section 6.2.2; httpd's
    // mod_proxy re-encodes `r->uri` the same way), never the raw one: `..`, `//`, `%2e`
    // or `%61` cannot make the upstream see another resource than the one the location
    // was chosen for. The query goes as received (httpd passes `r->args` unchanged).
    let target = match npath.query() {
        Some(q) => format!("{}{}?{q}", up.url.base_path, npath.to_encoded()),
        None => format!("{}{}", up.url.base_path, npath.to_encoded()),
    };
    let mut b = Request::builder().method(parts.method.clone()).uri(target);
    for (k, v) in &parts.headers {
        let name = k.as_str();
        // The user header and the certificate headers are this server's to set: a
        // client's copy (in any `-`/`_` spelling) never passes.
        if STRIPPED.contains(&name)
            || same_field_name(name, &up.user_header)
            || up.cert_headers.names().any(|h| same_field_name(name, h))
        {
            continue;
        }
        b = b.header(k, v);
    }
    if !up.cert_headers.is_empty() {
        let vars = facts
            .tls
            .as_deref()
            .and_then(|t| cert_policy::TlsVars::new(t).ok());
        let ctx = cert_policy::Context::new(vars.as_ref());
        let mut forwarded = Vec::new();
        if let Err(e) = up.cert_headers.apply(&ctx, &mut forwarded) {
            tracing::error!(upstream = %up.url.authority, error = %e, "certificate headers cannot be computed; request refused");
            return text(
                StatusCode::INTERNAL_SERVER_ERROR,
                "500 certificate facts cannot be passed to the upstream\n",
            );
        }
        for (h, v) in forwarded {
            match HeaderValue::from_bytes(&v) {
                Ok(v) => b = b.header(h.as_str(), v),
                Err(_) => {
                    tracing::error!(upstream = %up.url.authority, header = %h, "certificate header value not sendable; request refused");
                    return text(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "500 certificate facts cannot be passed to the upstream\n",
                    );
                }
            }
        }
    }
    b = b.header(hyper::header::HOST, up.url.authority.as_str());
    if let Some(p) = principal {
        let Some(v) = user_header_value(&p.user) else {
            tracing::error!(
                upstream = %up.url.authority, user = ?p.user, header = %up.user_header,
                "user name cannot be passed upstream unchanged (white space at an end or a control character); request refused"
            );
            return text(
                StatusCode::INTERNAL_SERVER_ERROR,
                "500 the user name cannot be passed to the upstream\n",
            );
        };
        b = b.header(up.user_header.as_str(), v);
    }
    let Ok(req) = b.body(Full::new(body)) else {
        return bad_gateway();
    };
    let fut = async {
        let tcp = tokio::net::TcpStream::connect((up.url.host.as_str(), up.url.port))
            .await
            .map_err(|e| format!("connect: {e}"))?;
        let _ = tcp.set_nodelay(true);
        match &up.tls {
            Some((connector, name)) => {
                let tls = connector
                    .connect(name.clone(), tcp)
                    .await
                    .map_err(|e| format!("tls: {e}"))?;
                exchange(tls, req).await
            }
            None => exchange(tcp, req).await,
        }
    };
    match tokio::time::timeout(timeout, fut).await {
        Ok(Ok(resp)) => {
            let (rp, body) = resp.into_parts();
            // Content-Length is not copied: hyper derives it from the body's exact size
            // (the upstream's own Content-Length), or sends the body chunked.
            let mut r = Response::new(Body {
                kind: BodyKind::Upstream(UpstreamBody {
                    body,
                    idle: timeout,
                    sleep: Box::pin(tokio::time::sleep(timeout)),
                    waiting: false,
                    upstream: up.url.authority.clone(),
                }),
                _done: None,
            });
            *r.status_mut() = rp.status;
            for (k, v) in &rp.headers {
                if !STRIPPED.contains(&k.as_str()) && k != hyper::header::CONTENT_LENGTH {
                    r.headers_mut().append(k, v.clone());
                }
            }
            r
        }
        Ok(Err(e)) => {
            tracing::warn!(upstream = %up.url.authority, error = %e, "upstream failed");
            bad_gateway()
        }
        Err(_) => {
            tracing::warn!(upstream = %up.url.authority, "upstream timed out");
            bad_gateway()
        }
    }
}

// ---------------------------------------------------------------------------------------
// Issue 13 item 7 and the slowloris weakness: bounded memory per connection, a write
// timeout, a minimum read rate, a per-client connection cap.
// ---------------------------------------------------------------------------------------

/// Size of one frame of a streamed file: what a connection whose peer stops reading
/// holds of it, beside hyper's write buffer and the kernel's socket buffers.
pub const FILE_CHUNK_BYTES: usize = 64 << 10;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A response body. Texts are whole; files and upstream bodies are streamed one bounded
/// frame at a time, so a peer that never reads costs a frame, not the whole resource.
pub(crate) struct Body {
    kind: BodyKind,
    /// Dropped once hyper has taken the last frame (or given up): the connection's read
    /// clock then starts timing the next request head.
    _done: Option<HeadClockOnDrop>,
}

enum BodyKind {
    Full(Full<Bytes>),
    File(FileBody),
    Upstream(UpstreamBody),
}

impl Body {
    fn full(b: impl Into<Bytes>) -> Self {
        Self {
            kind: BodyKind::Full(Full::new(b.into())),
            _done: None,
        }
    }

    fn with_clock(mut self, clock: &Arc<ReadClock>) -> Self {
        self._done = Some(HeadClockOnDrop(Arc::clone(clock)));
        self
    }
}

impl hyper::body::Body for Body {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<hyper::body::Frame<Bytes>, BoxError>>> {
        match &mut self.get_mut().kind {
            BodyKind::Full(f) => Pin::new(f)
                .poll_frame(cx)
                .map(|o| o.map(|r| r.map_err(|e| match e {}))),
            BodyKind::File(f) => f.poll_frame(cx),
            BodyKind::Upstream(u) => u.poll_frame(cx),
        }
    }

    fn is_end_stream(&self) -> bool {
        match &self.kind {
            BodyKind::Full(f) => f.is_end_stream(),
            BodyKind::File(f) => f.remaining == 0,
            BodyKind::Upstream(u) => u.body.is_end_stream(),
        }
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        match &self.kind {
            BodyKind::Full(f) => f.size_hint(),
            BodyKind::File(f) => hyper::body::SizeHint::with_exact(f.remaining),
            BodyKind::Upstream(u) => u.body.size_hint(),
        }
    }
}

/// A file read [`FILE_CHUNK_BYTES`] at a time, exactly `remaining` bytes (its length when
/// opened, sent as `Content-Length`): a file that shrinks meanwhile ends the connection
/// with an error rather than a short body the client would take as complete.
struct FileBody {
    file: tokio::fs::File,
    remaining: u64,
    buf: bytes::BytesMut,
}

impl FileBody {
    fn poll_frame(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<hyper::body::Frame<Bytes>, BoxError>>> {
        if self.remaining == 0 {
            return Poll::Ready(None);
        }
        let n =
            usize::try_from(self.remaining).map_or(FILE_CHUNK_BYTES, |r| r.min(FILE_CHUNK_BYTES));
        self.buf.clear();
        self.buf.resize(n, 0);
        let mut rb = tokio::io::ReadBuf::new(&mut self.buf[..]);
        match Pin::new(&mut self.file).poll_read(cx, &mut rb) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Err(e)) => Poll::Ready(Some(Err(e.into()))),
            Poll::Ready(Ok(())) => {
                let got = rb.filled().len();
                if got == 0 {
                    return Poll::Ready(Some(Err("file shorter than when it was opened".into())));
                }
                self.remaining -= got as u64;
                self.buf.truncate(got);
                Poll::Ready(Some(Ok(hyper::body::Frame::data(
                    self.buf.split().freeze(),
                ))))
            }
        }
    }
}

/// An upstream response body relayed frame by frame. hyper's client reads the upstream
/// socket only when a frame is asked for, so a client that stops reading stops the
/// upstream too (its socket buffers fill) instead of filling memory. An upstream that
/// sends nothing for `idle` while a frame is wanted ends the exchange.
struct UpstreamBody {
    body: Incoming,
    idle: Duration,
    sleep: Pin<Box<tokio::time::Sleep>>,
    /// A frame was asked for and has not come: `sleep` runs.
    waiting: bool,
    upstream: String,
}

impl UpstreamBody {
    fn poll_frame(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<hyper::body::Frame<Bytes>, BoxError>>> {
        if !self.waiting {
            // The clock starts when a frame is wanted, not when the last one came: time
            // the client took to read is not the upstream's.
            self.sleep
                .as_mut()
                .reset(tokio::time::Instant::now() + self.idle);
            self.waiting = true;
        }
        match Pin::new(&mut self.body).poll_frame(cx) {
            Poll::Ready(f) => {
                self.waiting = false;
                Poll::Ready(f.map(|r| r.map_err(Into::into)))
            }
            Poll::Pending => {
                if self.sleep.as_mut().poll(cx).is_ready() {
                    tracing::warn!(upstream = %self.upstream, "upstream body stalled; connection closed");
                    return Poll::Ready(Some(Err("upstream body stalled".into())));
                }
                Poll::Pending
            }
        }
    }
}

/// What one connection is reading and since when, shared by its [`Watchdog`] (which
/// enforces it) and its request handler (which knows where a request head and body
/// begin and end).
///
/// mod_reqtimeout's `RequestReadTimeout header=I-M,MinRate=R` (and the same for
/// bodies): a phase may take `initial`, plus one second for every `min_rate` bytes
/// received in it, never more than `max`. Between phases (the request is being decided
/// or answered) nothing is timed here: the write timeout covers answering.
pub(crate) struct ReadClock {
    initial: Duration,
    max: Duration,
    min_rate: u64,
    state: std::sync::Mutex<ClockState>,
}

struct ClockState {
    phase: Option<ReadPhase>,
    /// The task last left waiting for bytes, woken when a phase starts so its deadline
    /// is armed even if no byte ever comes.
    waker: Option<std::task::Waker>,
}

#[derive(Clone, Copy)]
struct ReadPhase {
    what: &'static str,
    since: tokio::time::Instant,
    bytes: u64,
}

impl ReadClock {
    fn new(s: &ServerSettings) -> Self {
        Self {
            initial: s.read_timeout,
            max: s.read_timeout_max,
            min_rate: s.min_rate_bytes_per_sec.max(1),
            state: std::sync::Mutex::new(ClockState {
                phase: Some(ReadPhase {
                    what: "request head",
                    since: tokio::time::Instant::now(),
                    bytes: 0,
                }),
                waker: None,
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ClockState> {
        // The state is plain data, consistent after every assignment.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Starts timing a request head or body.
    fn start(&self, what: &'static str) {
        let mut s = self.lock();
        s.phase = Some(ReadPhase {
            what,
            since: tokio::time::Instant::now(),
            bytes: 0,
        });
        if let Some(w) = s.waker.take() {
            w.wake();
        }
    }

    /// Stops timing (the head or body is in).
    fn stop(&self) {
        self.lock().phase = None;
    }

    fn received(&self, n: usize) {
        if let Some(p) = self.lock().phase.as_mut() {
            p.bytes = p.bytes.saturating_add(n as u64);
        }
    }

    /// The deadline of the phase under way, its name, and whether it is a request head
    /// of which nothing came yet (an idle connection); remembers `waker`.
    fn deadline(
        &self,
        waker: &std::task::Waker,
    ) -> Option<(tokio::time::Instant, &'static str, bool)> {
        let mut s = self.lock();
        match &s.waker {
            Some(w) if w.will_wake(waker) => {}
            _ => s.waker = Some(waker.clone()),
        }
        let p = s.phase?;
        // One second per `min_rate` bytes, in milliseconds; saturates far above `max`.
        let earned = Duration::from_millis(p.bytes.saturating_mul(1000) / self.min_rate);
        Some((
            p.since + (self.initial + earned).min(self.max),
            p.what,
            p.bytes == 0 && p.what == "request head",
        ))
    }
}

/// Restarts the read clock for the next request head when the response body is gone.
struct HeadClockOnDrop(Arc<ReadClock>);

impl Drop for HeadClockOnDrop {
    fn drop(&mut self) {
        self.0.start("request head");
    }
}

/// The socket of one connection (below TLS, so handshakes and records count), with the
/// two deadlines hyper does not have:
///
/// - writes: a write (or flush) that makes no progress for `write_timeout` fails with
///   `TimedOut`, which ends the connection. The timer starts when a write is first left
///   pending and is disarmed by any progress, so a slow reader that keeps reading is
///   never cut off, and one that stops is, however much is still to send.
/// - reads: while [`ReadClock`] times a phase, a read left pending past the phase's
///   deadline fails with `TimedOut`.
struct Watchdog<S> {
    io: S,
    remote: SocketAddr,
    clock: Arc<ReadClock>,
    read_sleep: Pin<Box<tokio::time::Sleep>>,
    write_timeout: Duration,
    write_sleep: Pin<Box<tokio::time::Sleep>>,
    write_armed: bool,
}

impl<S> Watchdog<S> {
    fn new(io: S, remote: SocketAddr, clock: Arc<ReadClock>, write_timeout: Duration) -> Self {
        let now = tokio::time::Instant::now();
        Self {
            io,
            remote,
            clock,
            read_sleep: Box::pin(tokio::time::sleep_until(now)),
            write_timeout,
            write_sleep: Box::pin(tokio::time::sleep_until(now)),
            write_armed: false,
        }
    }

    fn write_outcome<T>(
        &mut self,
        cx: &mut Context<'_>,
        r: Poll<std::io::Result<T>>,
    ) -> Poll<std::io::Result<T>> {
        if r.is_ready() {
            self.write_armed = false;
            return r;
        }
        if !self.write_armed {
            self.write_sleep
                .as_mut()
                .reset(tokio::time::Instant::now() + self.write_timeout);
            self.write_armed = true;
        }
        if self.write_sleep.as_mut().poll(cx).is_ready() {
            tracing::info!(
                remote = %self.remote, timeout_secs = self.write_timeout.as_secs(),
                "write timeout: the peer stopped reading; connection closed"
            );
            return Poll::Ready(Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "write timeout",
            )));
        }
        Poll::Pending
    }
}

impl<S: tokio::io::AsyncRead + Unpin> tokio::io::AsyncRead for Watchdog<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        match Pin::new(&mut this.io).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                this.clock.received(buf.filled().len() - before);
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => {
                let Some((deadline, what, idle)) = this.clock.deadline(cx.waker()) else {
                    return Poll::Pending;
                };
                if this.read_sleep.deadline() != deadline {
                    this.read_sleep.as_mut().reset(deadline);
                }
                if this.read_sleep.as_mut().poll(cx).is_ready() {
                    if idle {
                        // Between requests (keep-alive) or before the first: not news.
                        tracing::debug!(remote = %this.remote, "idle connection closed");
                    } else {
                        tracing::info!(
                            remote = %this.remote, what,
                            "{what} arrives too slowly (read timeout / min rate); connection closed"
                        );
                    }
                    return Poll::Ready(Err(std::io::Error::new(
                        std::io::ErrorKind::TimedOut,
                        "request read too slowly",
                    )));
                }
                Poll::Pending
            }
        }
    }
}

impl<S: tokio::io::AsyncWrite + Unpin> tokio::io::AsyncWrite for Watchdog<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        let r = Pin::new(&mut this.io).poll_write(cx, buf);
        this.write_outcome(cx, r)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        let r = Pin::new(&mut this.io).poll_write_vectored(cx, bufs);
        this.write_outcome(cx, r)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        let r = Pin::new(&mut this.io).poll_flush(cx);
        this.write_outcome(cx, r)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        let r = Pin::new(&mut this.io).poll_shutdown(cx);
        this.write_outcome(cx, r)
    }
}

/// Open connections per client, for `server.max_connections_per_client`.
///
/// An entry exists only while its client has a connection open (the [`ClientSlot`] of
/// the last one removes it), and every open connection holds a global permit first, so
/// the map never has more than `max_connections` entries.
#[derive(Default)]
struct PerClient {
    open: std::sync::Mutex<std::collections::HashMap<IpAddr, ClientCount>>,
}

#[derive(Default)]
struct ClientCount {
    open: usize,
    /// Connections refused since the last one admitted: a burst is logged once when it
    /// starts and summed up when it ends.
    refused: u64,
}

/// The key a client is counted under: an IPv4 address (IPv4-mapped IPv6 included), or
/// the /64 of an IPv6 address, which one host usually has whole (RFC 4291 section 2.5.4,
/// SLAAC and privacy addresses pick any interface identifier in it).
fn client_key(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V6(a) => {
            let s = a.segments();
            IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
        }
        v4 => v4,
    }
}

impl PerClient {
    fn lock(&self) -> std::sync::MutexGuard<'_, std::collections::HashMap<IpAddr, ClientCount>> {
        // Counters only: consistent after every update.
        self.open.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Counts a connection from `ip`, or refuses it when the client has `limit` open.
    fn admit(self: &Arc<Self>, ip: IpAddr, limit: usize) -> Option<ClientSlot> {
        let key = client_key(ip);
        let mut map = self.lock();
        let c = map.entry(key).or_default();
        if c.open >= limit {
            c.refused += 1;
            if c.refused == 1 {
                tracing::warn!(
                    client = %key, open = c.open, limit,
                    "client over server.max_connections_per_client: its further connections are closed (logged once per burst)"
                );
            }
            return None;
        }
        if c.refused > 0 {
            tracing::info!(client = %key, refused = c.refused, "per-client connection cap: burst over");
            c.refused = 0;
        }
        c.open += 1;
        Some(ClientSlot {
            map: Arc::clone(self),
            key,
        })
    }
}

/// One open connection of a client; dropping it frees the place.
struct ClientSlot {
    map: Arc<PerClient>,
    key: IpAddr,
}

impl Drop for ClientSlot {
    fn drop(&mut self) {
        let mut map = self.map.lock();
        if let Some(c) = map.get_mut(&self.key) {
            c.open = c.open.saturating_sub(1);
            if c.open == 0 {
                if c.refused > 0 {
                    tracing::info!(client = %self.key, refused = c.refused, "per-client connection cap: burst over");
                }
                map.remove(&self.key);
            }
        }
    }
}

/// Registers SIGINT and SIGTERM handlers now (so a signal arriving after this call is
/// never lost) and returns a future that completes on the first of them. Call it inside
/// the runtime.
///
/// # Errors
/// The handlers cannot be installed.
pub fn shutdown_signal() -> Result<impl Future<Output = ()>, Error> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = signal(SignalKind::terminate())?;
        let mut int = signal(SignalKind::interrupt())?;
        Ok(async move {
            tokio::select! { _ = term.recv() => {}, _ = int.recv() => {} }
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async move {
            let _ = tokio::signal::ctrl_c().await;
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_header_folds_underscores() {
        for n in [
            "x-remote-user",
            "X-Remote-User",
            "X_Remote_User",
            "x_remote-user",
        ] {
            assert!(same_field_name(n, "X-Remote-User"), "{n}");
        }
        assert!(same_field_name("x-remote-user", "X_Remote_User"));
        assert!(!same_field_name("x-remote-users", "X-Remote-User"));
        assert!(!same_field_name("xremoteuser", "X-Remote-User"));
    }

    #[test]
    fn user_names_with_outer_white_space_are_not_passed() {
        assert!(user_header_value("admin").is_some());
        assert!(user_header_value("Jos\u{e9} Q").is_some());
        for u in [" admin", "admin ", "\tadmin", "", "a\r\nX-Evil: 1", "a\0"] {
            assert!(user_header_value(u).is_none(), "{u:?}");
        }
    }

    fn np(t: &str) -> NormalizedPath {
        NormalizedPath::parse(t).unwrap()
    }

    #[test]
    fn static_paths_stay_inside() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("a.txt"), "x").unwrap();
        std::fs::write(d.path().join("a b"), "x").unwrap();
        std::fs::write(d.path().join("%41"), "x").unwrap();
        std::fs::create_dir(d.path().join("sub")).unwrap();
        std::fs::write(d.path().join("sub/index.html"), "x").unwrap();
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret"), "x").unwrap();
        let link = |target: &Path, name: &str| {
            std::os::unix::fs::symlink(target, d.path().join(name)).unwrap();
        };
        link(&d.path().join("a.txt"), "in");
        link(&d.path().join("sub"), "insub");
        link(&outside.path().join("secret"), "out");
        link(outside.path(), "outdir");
        link(&outside.path().join("secret"), "sub/up");
        std::fs::create_dir(d.path().join("linkedindex")).unwrap();
        rustix::fs::mknodat(
            rustix::fs::CWD,
            d.path().join("fifo"),
            rustix::fs::FileType::Fifo,
            rustix::fs::Mode::from_raw_mode(0o644),
            0,
        )
        .unwrap();
        link(&outside.path().join("secret"), "linkedindex/index.html");
        for resolved in [false, true] {
            let root = if resolved {
                d.path().canonicalize().unwrap()
            } else {
                d.path().to_path_buf()
            };
            paths_stay_inside(&root, resolved);
        }
        // A FIFO is opened without waiting for a writer and is no file: 404, at once.
        let root = StaticRoot::open(d.path()).unwrap();
        for r in [Some(&root), None] {
            let resp = static_file(r, d.path(), "/files", &np("/files/fifo"));
            assert_eq!(resp.status(), StatusCode::NOT_FOUND);
        }
    }

    fn paths_stay_inside(root: &Path, resolved: bool) {
        let opened = resolved.then(|| StaticRoot::open(root).unwrap());
        let found = |t: &str| {
            let mapped = static_path(root, resolved, "/files", &np(t));
            // Below an open root, openat2 decides first; where it decides, it agrees.
            if let Some(r) = &opened
                && let Some(decided) = open_beneath(r, "/files", &np(t))
            {
                assert_eq!(
                    decided.as_ref().map(|(_, p)| p.clone()),
                    mapped,
                    "openat2 and the portable check differ on {t}"
                );
            }
            mapped
        };
        assert!(found("/files/a.txt").is_some());
        assert!(found("/files/a%20b").is_some());
        assert!(found("/files/sub/").is_some());
        // No second decode: `%2541` is the file `%41`, `%41` is `A`.
        assert!(found("/files/%2541").is_some());
        assert!(found("/files/%41").is_none());
        assert!(found("/files/nope").is_none());
        // A file is not a directory (httpd: 404).
        assert!(found("/files/a.txt/").is_none());
        // Outside the location's prefix: nothing.
        assert!(found("/other/a.txt").is_none());
        // Symbolic links are followed only while they stay inside.
        assert!(found("/files/in").is_some(), "a link to a file inside");
        assert!(
            found("/files/insub/").is_some(),
            "a link to a directory inside"
        );
        assert!(found("/files/insub/index.html").is_some());
        assert!(found("/files/out").is_none(), "a link to a file outside");
        assert!(
            found("/files/outdir/").is_none(),
            "a link to a directory outside"
        );
        assert!(found("/files/outdir/secret").is_none());
        assert!(
            found("/files/sub/up").is_none(),
            "a link deeper down, leading out"
        );
        assert!(
            found("/files/linkedindex/").is_none(),
            "an index.html linked outside"
        );
        // Escapes from the directory are gone before the mapping sees the path.
        assert_eq!(
            NormalizedPath::parse("/files/../../a.txt")
                .unwrap_err()
                .http_status(),
            400
        );
    }
}
