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
use httpauth_core::{Challenge, PeerVerification, Principal, TlsInfo};
use hyper::body::Incoming;
use hyper::header::{HeaderName, HeaderValue};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;

/// Largest file the static handler serves, and largest upstream response relayed.
pub const MAX_FILE_BYTES: u64 = 16 << 20;
/// Time a connection gets to finish its request after shutdown starts.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

type Body = Full<Bytes>;

/// One location at run time: its authentication and, for a proxy, its upstream.
struct Site {
    auth: Arc<LocationAuth>,
    upstream: Option<Arc<Upstream>>,
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
            } => Some(Arc::new(Upstream::new(
                upstream,
                user_header,
                upstream_ca.as_deref(),
            )?)),
            _ => None,
        };
        sites.push(Site { auth, upstream });
    }
    let tls = tls_setup(&config)?.map(Arc::new);
    Ok((Policy { config, sites, tls }, rebuilt))
}

struct Conn {
    scheme: &'static str,
    local: SocketAddr,
    remote: SocketAddr,
    tls: Option<Arc<TlsInfo>>,
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
    let verifier =
        cert_policy::ApacheClientVerifier::new(vc).map_err(|e| Error::Tls(e.to_string()))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
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

async fn accept_loop(
    listener: TcpListener,
    kind: ListenerKind,
    state: Arc<State>,
    mut shutdown: watch::Receiver<bool>,
    conns: Arc<Semaphore>,
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
        let local = stream.local_addr().unwrap_or(remote);
        let state = Arc::clone(&state);
        let rx = shutdown.clone();
        connections.spawn(async move {
            let _permit = permit;
            // The TLS settings and limits in force when the connection arrives.
            let policy = state.policy();
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
                    let conn = Arc::new(Conn {
                        scheme: "https",
                        local,
                        remote,
                        tls: Some(Arc::new(info)),
                    });
                    serve(TokioIo::new(stream), state, conn, rx).await;
                }
                (ListenerKind::Https, None) => {
                    // Not reached: a reload keeps the TLS of a running https listener.
                    tracing::error!(%remote, "https listener without tls settings");
                }
                (ListenerKind::Http, _) => {
                    let conn = Arc::new(Conn {
                        scheme: "http",
                        local,
                        remote,
                        tls: None,
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
        .header_read_timeout(s.read_timeout)
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

/// Reads a request body of at most `limit` bytes within `timeout`; the error is the
/// response to send (413, 400, 408).
async fn read_body(
    body: Incoming,
    limit: usize,
    timeout: Duration,
) -> Result<Bytes, Response<Body>> {
    // A declared Content-Length over the limit is refused before reading anything.
    if hyper::body::Body::size_hint(&body).lower() > limit as u64 {
        return Err(text(
            StatusCode::PAYLOAD_TOO_LARGE,
            "413 request body too large\n",
        ));
    }
    match tokio::time::timeout(timeout, Limited::new(body, limit).collect()).await {
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
        Ok(Err(_)) => Err(text(StatusCode::BAD_REQUEST, "400 bad request body\n")),
        Err(_) => Err(text(
            StatusCode::REQUEST_TIMEOUT,
            "408 request body timed out\n",
        )),
    }
}

fn text(status: StatusCode, body: impl Into<String>) -> Response<Body> {
    let mut r = Response::new(Full::new(Bytes::from(body.into())));
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
    let resp = route(&state, &conn, req).await;
    tracing::info!(
        remote = %conn.remote, scheme = conn.scheme, %method, path = %path,
        status = resp.status().as_u16(), "request"
    );
    let _ = target;
    resp
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
    let (parts, body) = req.into_parts();
    // Digest qop=auth-int covers the body (RFC 7616 section 3.4.3): read it, within the
    // limits, before authenticating; every other request is decided from its head first.
    let (body, body_digests) = if loc.wants_body_digest(authorization.as_deref()) {
        let b = match read_body(body, limit, timeout).await {
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
    let (principal, info, optional, rspauth) = match decision {
        Decision::Allow {
            principal,
            info,
            optional,
            rspauth,
        } => (principal, info, optional, rspauth),
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
    // Read the body within the limits before answering (it is relayed to a proxy upstream).
    let body = match body {
        Buffered::Read(b) => b,
        Buffered::Unread(body) => match read_body(body, limit, timeout).await {
            Ok(b) => b,
            Err(r) => return r,
        },
    };
    let head = parts.method == hyper::Method::HEAD;
    let mut resp = match (&loc.config.content, &site.upstream) {
        (Content::Page, _) => page(&policy, &loc, &facts, principal.as_ref()),
        (Content::Static(dir), _) => static_file(dir, &loc.config.path, &npath).await,
        (Content::Proxy { .. }, Some(up)) => {
            proxy(up, principal.as_ref(), &npath, parts, body, timeout).await
        }
        (Content::Proxy { .. }, None) => text(StatusCode::BAD_GATEWAY, "502 bad gateway\n"),
    };
    let mut info = info;
    if let Some(pending) = rspauth {
        // RFC 7616 section 3.5: for auth-int, rspauth covers the response body as sent
        // (none for HEAD, RFC 9110 section 9.3.2).
        let (p, b) = resp.into_parts();
        let bytes = b.collect().await.map(|c| c.to_bytes()).unwrap_or_default();
        info = pending.authentication_info(if head { &[] } else { &bytes });
        resp = Response::from_parts(p, Full::new(bytes));
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

/// Maps the normalised `path` below the location `prefix` to a file under `dir`.
///
/// `path` is already decoded and has no empty, `.` or `..` segment
/// ([`NormalizedPath`]); it is not decoded a second time (a `%` in it is a literal `%`
/// in the file name). Refuses anything whose canonical path leaves `dir` (symlinks), and
/// a trailing `/` after a file, which httpd answers with 404 too (no path info for static
/// files).
fn static_path(dir: &Path, prefix: &str, path: &NormalizedPath) -> Option<PathBuf> {
    let rest = path.as_str().strip_prefix(prefix.trim_end_matches('/'))?;
    let mut p = dir.to_path_buf();
    for seg in rest.split('/').filter(|s| !s.is_empty()) {
        // Defence in depth: a normalised segment is one normal component already.
        let mut comps = Path::new(seg).components();
        match (comps.next(), comps.next()) {
            (Some(Component::Normal(c)), None) => p.push(c),
            _ => return None,
        }
    }
    if p.is_dir() {
        p.push("index.html");
    } else if rest.ends_with('/') {
        return None;
    }
    let canon = p.canonicalize().ok()?;
    let root = dir.canonicalize().ok()?;
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

async fn static_file(dir: &Path, prefix: &str, path: &NormalizedPath) -> Response<Body> {
    let Some(file) = static_path(dir, prefix, path) else {
        return text(StatusCode::NOT_FOUND, "404 not found\n");
    };
    match tokio::fs::metadata(&file).await {
        Ok(m) if m.is_file() && m.len() <= MAX_FILE_BYTES => {}
        Ok(m) if m.is_file() => return text(StatusCode::PAYLOAD_TOO_LARGE, "file too large\n"),
        _ => return text(StatusCode::NOT_FOUND, "404 not found\n"),
    }
    match tokio::fs::read(&file).await {
        Ok(b) => {
            let mut r = Response::new(Full::new(Bytes::from(b)));
            r.headers_mut().insert(
                hyper::header::CONTENT_TYPE,
                HeaderValue::from_static(content_type(&file)),
            );
            r
        }
        Err(_) => text(StatusCode::NOT_FOUND, "404 not found\n"),
    }
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
    /// For `https://`: the connector (verifying against `upstream_ca`) and the server
    /// name, sent as SNI and matched against the certificate.
    tls: Option<(
        tokio_rustls::TlsConnector,
        rustls_pki_types::ServerName<'static>,
    )>,
}

impl Upstream {
    fn new(upstream: &str, user_header: &str, ca: Option<&Path>) -> Result<Self, Error> {
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
            tls,
        })
    }
}

/// Sends `req` over `io` (HTTP/1.1) and reads the response, at most [`MAX_FILE_BYTES`].
async fn exchange<I>(
    io: I,
    req: Request<Body>,
) -> Result<(hyper::http::response::Parts, Bytes), String>
where
    I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(io))
        .await
        .map_err(|e| e.to_string())?;
    tokio::spawn(conn);
    let resp = sender.send_request(req).await.map_err(|e| e.to_string())?;
    let (rp, rb) = resp.into_parts();
    let bytes = Limited::new(rb, MAX_FILE_BYTES as usize)
        .collect()
        .await
        .map_err(|e| e.to_string())?
        .to_bytes();
    Ok((rp, bytes))
}

/// True when a client field `name` is the configured user header `user_header` for an
/// upstream that reads headers as CGI variables: CGI (RFC 3875 section 4.1.18), WSGI,
/// PHP and others map `-` to `_`, so `X_Remote_User` and `x-remote-user` both become
/// `HTTP_X_REMOTE_USER`. Names compare case-insensitively (RFC 9110 section 5.1) after
/// folding `_` to `-`.
fn is_user_header(name: &str, user_header: &str) -> bool {
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
        if STRIPPED.contains(&name) || is_user_header(name, &up.user_header) {
            continue;
        }
        b = b.header(k, v);
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
        Ok(Ok((rp, bytes))) => {
            let mut r = Response::new(Full::new(bytes));
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

/// Registers SIGINT and SIGTERM handlers now (so a signal arriving after this call is
/// never lost) and returns a future that completes on the first of them. Call it inside
/// the runtime.
///
/// # Errors
/// The handlers cannot be installed.
pub fn shutdown_signal() -> Result<impl std::future::Future<Output = ()>, Error> {
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
            assert!(is_user_header(n, "X-Remote-User"), "{n}");
        }
        assert!(is_user_header("x-remote-user", "X_Remote_User"));
        assert!(!is_user_header("x-remote-users", "X-Remote-User"));
        assert!(!is_user_header("xremoteuser", "X-Remote-User"));
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
        let found = |t: &str| static_path(d.path(), "/files", &np(t));
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
        assert!(static_path(d.path(), "/files", &np("/other/a.txt")).is_none());
        // Escapes from the directory are gone before the mapping sees the path.
        assert_eq!(
            NormalizedPath::parse("/files/../../a.txt")
                .unwrap_err()
                .http_status(),
            400
        );
    }
}
