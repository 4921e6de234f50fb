//! The HTTP/HTTPS server: sockets, TLS, limits, routing, content, graceful shutdown.

use crate::Error;
use crate::auth::{Decision, LocationAuth, RequestFacts, decide};
use crate::config::{Config, Content, ListenerKind};
use bytes::Bytes;
use http_body_util::{BodyExt as _, Full, Limited};
use httpauth_core::{Challenge, PeerVerification, Principal, TlsInfo};
use hyper::body::Incoming;
use hyper::header::{HeaderName, HeaderValue};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;

/// Largest file the static handler serves, and largest upstream response relayed.
pub const MAX_FILE_BYTES: u64 = 16 << 20;
/// Time a connection gets to finish its request after shutdown starts.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

type Body = Full<Bytes>;

struct State {
    config: Config,
    locations: Vec<Arc<LocationAuth>>,
    heavy: Arc<Semaphore>,
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
}

impl Running {
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
    let shared = crate::store::SharedState::open(&config.store)?;
    let mut locations = Vec::new();
    for l in &config.locations {
        locations.push(Arc::new(LocationAuth::build(l.clone(), &shared)?));
    }
    let tls = tls_setup(&config)?.map(Arc::new);
    let state = Arc::new(State {
        heavy: Arc::new(Semaphore::new(config.server.kex_concurrency)),
        locations,
        config,
    });
    let (tx, rx) = watch::channel(false);
    let mut tasks = JoinSet::new();
    let mut addresses = Vec::new();
    let conns = Arc::new(Semaphore::new(state.config.server.max_connections));
    for l in state.config.listeners.clone() {
        let listener = TcpListener::bind(l.address)
            .await
            .map_err(|e| Error::io(l.address.to_string(), e))?;
        let local = listener.local_addr()?;
        addresses.push((l.kind, local));
        let tls = match l.kind {
            ListenerKind::Https => tls.clone(),
            ListenerKind::Http => None,
        };
        tasks.spawn(accept_loop(
            listener,
            l.kind,
            tls,
            Arc::clone(&state),
            rx.clone(),
            Arc::clone(&conns),
        ));
    }
    Ok(Running {
        addresses,
        shutdown: tx,
        tasks,
    })
}

async fn accept_loop(
    listener: TcpListener,
    kind: ListenerKind,
    tls: Option<Arc<TlsSetup>>,
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
        let tls = tls.clone();
        let rx = shutdown.clone();
        connections.spawn(async move {
            let _permit = permit;
            let timeout = state.config.server.read_timeout;
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
                _ => {
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
    let s = &state.config.server;
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

async fn route(state: &Arc<State>, conn: &Arc<Conn>, req: Request<Incoming>) -> Response<Body> {
    let path = req.uri().path().to_owned();
    let Some(i) = state.config.location_for(&path) else {
        return text(StatusCode::NOT_FOUND, "404 not found\n");
    };
    let Some(loc) = state.locations.get(i).cloned() else {
        return text(StatusCode::NOT_FOUND, "404 not found\n");
    };
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
    let facts = Arc::new(RequestFacts {
        method: req.method().as_str().to_owned(),
        target: req
            .uri()
            .path_and_query()
            .map_or_else(|| path.clone(), |p| p.as_str().to_owned()),
        scheme: conn.scheme,
        authority,
        remote_addr: Some(conn.remote),
        tls: conn.tls.clone(),
        headers,
    });
    let decision = decide(
        Arc::clone(&loc),
        Arc::clone(&facts),
        authorization,
        Arc::clone(&state.heavy),
    )
    .await;
    let (principal, info, optional) = match decision {
        Decision::Allow {
            principal,
            info,
            optional,
        } => (principal, info, optional),
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
    };
    // Read the body within the limits before answering (it is relayed to a proxy upstream).
    let (parts, body) = req.into_parts();
    let limit = state.config.server.max_body_bytes;
    // A declared Content-Length over the limit is refused before reading anything.
    if hyper::body::Body::size_hint(&body).lower() > limit as u64 {
        return text(
            StatusCode::PAYLOAD_TOO_LARGE,
            "413 request body too large\n",
        );
    }
    let body = match tokio::time::timeout(
        state.config.server.read_timeout,
        Limited::new(body, limit).collect(),
    )
    .await
    {
        Ok(Ok(b)) => b.to_bytes(),
        Ok(Err(e))
            if e.downcast_ref::<http_body_util::LengthLimitError>()
                .is_some() =>
        {
            return text(
                StatusCode::PAYLOAD_TOO_LARGE,
                "413 request body too large\n",
            );
        }
        Ok(Err(_)) => return text(StatusCode::BAD_REQUEST, "400 bad request body\n"),
        Err(_) => return text(StatusCode::REQUEST_TIMEOUT, "408 request body timed out\n"),
    };
    let mut resp = match &loc.config.content {
        Content::Page => page(state, &loc, &facts, principal.as_ref()),
        Content::Static(dir) => static_file(dir, &loc.config.path, &path).await,
        Content::Proxy {
            upstream,
            user_header,
        } => {
            proxy(
                upstream,
                user_header,
                principal.as_ref(),
                parts,
                body,
                state.config.server.read_timeout,
            )
            .await
        }
    };
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
    state: &State,
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

/// Maps `path` below `prefix` to a file under `dir`, refusing `..`, absolute parts and
/// anything whose canonical path leaves `dir` (symlinks).
fn static_path(dir: &Path, prefix: &str, path: &str) -> Option<PathBuf> {
    let rest = path
        .strip_prefix(prefix.trim_end_matches('/'))
        .unwrap_or("");
    let mut p = dir.to_path_buf();
    for comp in Path::new(rest.trim_start_matches('/')).components() {
        match comp {
            Component::Normal(c) => p.push(c),
            Component::CurDir => {}
            _ => return None,
        }
    }
    if p.is_dir() {
        p.push("index.html");
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

async fn static_file(dir: &Path, prefix: &str, path: &str) -> Response<Body> {
    let decoded = percent_decode(path);
    let Some(file) = decoded.as_deref().and_then(|d| static_path(dir, prefix, d)) else {
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

fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let h = b.get(i + 1..i + 3)?;
            let v = u8::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok()?;
            if v == 0 || v == b'/' {
                return None;
            }
            out.push(v);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
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

async fn proxy(
    upstream: &str,
    user_header: &str,
    principal: Option<&Principal>,
    parts: hyper::http::request::Parts,
    body: Bytes,
    timeout: Duration,
) -> Response<Body> {
    let bad_gateway = || text(StatusCode::BAD_GATEWAY, "502 bad gateway\n");
    let rest = upstream.strip_prefix("http://").unwrap_or(upstream);
    let (authority, base_path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    let host_port = if authority.contains(':') {
        authority.to_owned()
    } else {
        format!("{authority}:80")
    };
    let target = format!(
        "{}{}",
        base_path.trim_end_matches('/'),
        parts.uri.path_and_query().map_or("/", |p| p.as_str())
    );
    let mut b = Request::builder().method(parts.method.clone()).uri(target);
    for (k, v) in &parts.headers {
        let name = k.as_str();
        if STRIPPED.contains(&name) || name.eq_ignore_ascii_case(user_header) {
            continue;
        }
        b = b.header(k, v);
    }
    b = b.header(hyper::header::HOST, authority);
    if let Some(p) = principal
        && let Ok(v) = HeaderValue::from_str(&p.user)
    {
        b = b.header(user_header, v);
    }
    let Ok(req) = b.body(Full::new(body)) else {
        return bad_gateway();
    };
    let fut = async {
        let stream = tokio::net::TcpStream::connect(&host_port).await.ok()?;
        let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .ok()?;
        tokio::spawn(conn);
        let resp = sender.send_request(req).await.ok()?;
        let (rp, rb) = resp.into_parts();
        let bytes = Limited::new(rb, MAX_FILE_BYTES as usize)
            .collect()
            .await
            .ok()?
            .to_bytes();
        Some((rp, bytes))
    };
    match tokio::time::timeout(timeout, fut).await {
        Ok(Some((rp, bytes))) => {
            let mut r = Response::new(Full::new(bytes));
            *r.status_mut() = rp.status;
            for (k, v) in &rp.headers {
                if !STRIPPED.contains(&k.as_str()) && k != hyper::header::CONTENT_LENGTH {
                    r.headers_mut().append(k, v.clone());
                }
            }
            r
        }
        _ => bad_gateway(),
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
    fn static_paths_stay_inside() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("a.txt"), "x").unwrap();
        assert!(static_path(d.path(), "/files", "/files/a.txt").is_some());
        assert!(static_path(d.path(), "/files", "/files/../a.txt").is_none());
        assert!(static_path(d.path(), "/files", "/files/nope").is_none());
        assert_eq!(percent_decode("/a%2Fb"), None);
        assert_eq!(percent_decode("/a%20b").as_deref(), Some("/a b"));
        assert_eq!(percent_decode("/a%2"), None);
    }
}
