//! A tower [`Layer`] over a [`Guard`] (feature `tower`): what a Rust server adds to protect
//! a route.
//!
//! For every request, [`AuthService`]:
//!
//! 1. normalises the request path once ([`NormalizedPath`]; a target that cannot be
//!    normalised is answered with [`PathError::http_status`](crate::path::PathError::http_status))
//!    and passes only that form on, in the request extensions;
//! 2. parses `Authorization` (or, for a proxy guard, `Proxy-Authorization`) with
//!    `httpauth-headers`; more than one field line or a malformed value is 400;
//! 3. builds the request facts from [`http::request::Parts`] and the [`ConnectionInfo`]
//!    found in the request extensions (peer address, TLS facts; axum's
//!    `ConnectInfo<SocketAddr>` is read too with feature `axum`);
//! 4. when the scheme named by the credentials needs digests of the body (Digest
//!    `qop=auth-int`, [`AuthScheme::body_hashes`]), reads the body up to
//!    [`AuthLayer::max_request_body`] (413 beyond) and re-attaches it; no other request
//!    body is read before the request is authenticated;
//! 5. asks the [`Guard`], which runs expensive scheme work ([`Cost::Cpu`],
//!    [`Cost::Blocking`]) off the executor under its bounded per-scheme pools, so that a
//!    flood of unfinished Mutual key exchanges is answered 503 with `Retry-After` instead
//!    of starving established sessions (which are cheap and run inline);
//! 6. answers a refusal through the one mapping [`Decision::response_head`] (a 401 or 407
//!    always carries challenges), or puts the [`Principal`] (if any), the
//!    [`NormalizedPath`] and a [`ChallengeSource`] into the request extensions and calls
//!    the inner service;
//! 7. adds `Authentication-Info` (`Proxy-Authentication-Info`), RFC 8053 optional
//!    challenges and `Cache-Control: no-store` to the inner response. Only when the
//!    `Authentication-Info` covers the response body (Digest `auth-int`, RFC 7616
//!    section 3.5) is the response buffered, up to [`AuthLayer::max_response_body`].
//!    A Mutual `Authentication-Info` goes into the `100 Continue` instead when the
//!    request expects one and the connection carries [`InterimFields`] (RFC 8120
//!    section 4.5; see [`crate::interim`]).
//!
//! [`Cost::Cpu`]: httpauth_core::Cost::Cpu
//! [`Cost::Blocking`]: httpauth_core::Cost::Blocking
//! [`AuthScheme::body_hashes`]: httpauth_core::AuthScheme::body_hashes

use crate::access::AccessRules;
use crate::guard::{Decision, Guard, RequestFacts, ResponseHead};
use crate::interim::InterimFields;
use crate::path::NormalizedPath;
use bytes::Bytes;
use http::header::{HeaderName, HeaderValue};
use http::{Request, Response, StatusCode};
use http_body::{Body, Frame, SizeHint};
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt as _, Full, Limited};
use httpauth_core::{AuthScheme, FieldNames, Principal, TlsInfo};
use httpauth_headers::http_types::{Side, credentials_from};
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tower_layer::Layer;
use tower_service::Service;

/// The error type of boxed bodies.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The response body of an [`AuthService`]: the inner service's body, boxed (or the
/// buffered body, for Digest `auth-int`).
pub type ResponseBody = UnsyncBoxBody<Bytes, BoxError>;

/// Largest request body read for Digest `auth-int` by default (1 MiB); beyond: 413.
pub const DEFAULT_MAX_REQUEST_BODY: usize = 1 << 20;
/// Largest response body buffered for an `auth-int` `rspauth` by default (16 MiB);
/// beyond: 500, as no correct `Authentication-Info` can be sent.
pub const DEFAULT_MAX_RESPONSE_BODY: usize = 16 << 20;
/// Longest time to read a request body for `auth-int` by default; beyond: 408.
pub const DEFAULT_BODY_TIMEOUT: Duration = Duration::from_secs(30);

/// Facts about the connection a request arrived on, put into the request extensions once
/// per connection (see [`AddConnectionInfo`], the `hyper` module and, for TLS, the `rustls`
/// module).
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct ConnectionInfo {
    /// The peer's address.
    pub remote_addr: Option<SocketAddr>,
    /// TLS facts; `Some` makes the request `https`.
    pub tls: Option<Arc<TlsInfo>>,
}

impl ConnectionInfo {
    /// A plain connection from `remote_addr`.
    pub fn new(remote_addr: SocketAddr) -> Self {
        Self {
            remote_addr: Some(remote_addr),
            tls: None,
        }
    }

    /// Sets the TLS facts.
    pub fn with_tls(mut self, tls: TlsInfo) -> Self {
        self.tls = Some(Arc::new(tls));
        self
    }
}

/// A request body that may be replaced by bytes read already (Digest `auth-int`): a boxed
/// body with `From<Bytes>`. Servers whose body type has no `From<Bytes>` (hyper's
/// `Incoming`) map their requests into this type first (the `hyper` module does).
pub struct RequestBody(UnsyncBoxBody<Bytes, BoxError>);

impl RequestBody {
    /// Boxes `body`.
    pub fn new<B>(body: B) -> Self
    where
        B: Body<Data = Bytes> + Send + 'static,
        B::Error: Into<BoxError>,
    {
        Self(body.map_err(Into::into).boxed_unsync())
    }
}

impl std::fmt::Debug for RequestBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RequestBody(..)")
    }
}

impl From<Bytes> for RequestBody {
    fn from(b: Bytes) -> Self {
        Self::new(Full::new(b))
    }
}

impl Body for RequestBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        Pin::new(&mut self.get_mut().0).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.0.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.0.size_hint()
    }
}

#[derive(Debug, Clone, Copy)]
struct Limits {
    max_request_body: usize,
    max_response_body: usize,
    body_timeout: Duration,
}

/// A tower [`Layer`] that protects the services it wraps with a [`Guard`].
///
/// ```no_run
/// use std::sync::Arc;
/// use authfile::{FileCache, VerifyPolicy};
/// use httpauth::{BasicScheme, Guard, layer::AuthLayer};
///
/// // Users from an Apache htpasswd file, reloaded when it changes.
/// let users = Arc::new(FileCache::htpasswd("/etc/apache2/.htpasswd", VerifyPolicy::default())?);
/// let basic = Arc::new(BasicScheme::new("staff", users));
/// let layer = AuthLayer::new(Guard::builder().scheme(basic).build());
/// # Ok::<(), authfile::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct AuthLayer {
    guard: Arc<Guard>,
    limits: Limits,
}

impl AuthLayer {
    /// A layer over `guard`.
    pub fn new(guard: Guard) -> Self {
        Self::from_arc(Arc::new(guard))
    }

    /// A layer over a shared `guard` (several routes, one set of pools and sessions).
    pub fn from_arc(guard: Arc<Guard>) -> Self {
        Self {
            guard,
            limits: Limits {
                max_request_body: DEFAULT_MAX_REQUEST_BODY,
                max_response_body: DEFAULT_MAX_RESPONSE_BODY,
                body_timeout: DEFAULT_BODY_TIMEOUT,
            },
        }
    }

    /// A layer over `schemes` (offered in this order, strongest first) and `rules`, with
    /// the guard's defaults otherwise (`Satisfy all`, no client-certificate phase, own
    /// pools).
    pub fn from_schemes(schemes: Vec<Arc<dyn AuthScheme>>, rules: AccessRules) -> Self {
        let builder = schemes
            .into_iter()
            .fold(Guard::builder().rules(rules), |b, s| b.scheme(s));
        Self::new(builder.build())
    }

    /// Sets the largest request body read for Digest `auth-int` (413 beyond).
    pub fn max_request_body(mut self, bytes: usize) -> Self {
        self.limits.max_request_body = bytes;
        self
    }

    /// Sets the largest response body buffered for an `auth-int` `rspauth` (500 beyond).
    pub fn max_response_body(mut self, bytes: usize) -> Self {
        self.limits.max_response_body = bytes;
        self
    }

    /// Sets the longest time a request body for `auth-int` may take (408 beyond).
    pub fn body_timeout(mut self, timeout: Duration) -> Self {
        self.limits.body_timeout = timeout;
        self
    }

    /// The guard.
    pub fn guard(&self) -> &Arc<Guard> {
        &self.guard
    }
}

impl<S> Layer<S> for AuthLayer {
    type Service = AuthService<S>;

    fn layer(&self, inner: S) -> AuthService<S> {
        AuthService {
            inner,
            guard: Arc::clone(&self.guard),
            limits: self.limits,
        }
    }
}

/// The service an [`AuthLayer`] makes: authenticates, then calls `S`.
#[derive(Debug, Clone)]
pub struct AuthService<S> {
    inner: S,
    guard: Arc<Guard>,
    limits: Limits,
}

/// What the layer leaves in the request extensions of every request it let through, so
/// that a handler (or the axum extractor) that needs a user where the guard did not
/// demand one (an optional location, `Require all granted`) can answer with the guard's
/// challenges: never a 401 without `WWW-Authenticate`.
#[derive(Clone)]
pub struct ChallengeSource {
    guard: Arc<Guard>,
}

impl std::fmt::Debug for ChallengeSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChallengeSource")
            .field("guard", &self.guard)
            .finish()
    }
}

impl ChallengeSource {
    /// The guard.
    pub fn guard(&self) -> &Arc<Guard> {
        &self.guard
    }

    /// Status and header fields asking for credentials for the request `parts`: 401 (407)
    /// with fresh challenges of every scheme, or 403 when no scheme can be challenged for
    /// (client certificates only).
    pub fn challenge_head(&self, parts: &http::request::Parts) -> ResponseHead {
        let target = request_target(&parts.uri);
        let path = parts
            .extensions
            .get::<NormalizedPath>()
            .map_or_else(|| parts.uri.path().to_owned(), |p| p.as_str().to_owned());
        let facts = facts_from_parts(parts, target, &path);
        Decision::Challenge(self.guard.challenges(&facts)).response_head(self.guard.field_names())
    }
}

/// The request-target of `uri` as [`NormalizedPath::parse`] takes it: origin-form as is;
/// absolute-form (RFC 9112 section 3.2.2, sent to proxies) by its path and query, `/` for
/// an empty path; anything else (authority-form, `*`) as the empty string, which is
/// refused.
fn request_target(uri: &http::Uri) -> &str {
    match (uri.path_and_query(), uri.scheme()) {
        (Some(pq), _) => pq.as_str(),
        (None, Some(_)) => "/",
        (None, None) => "",
    }
}

fn connection_info(parts: &http::request::Parts) -> ConnectionInfo {
    let info = parts
        .extensions
        .get::<ConnectionInfo>()
        .cloned()
        .unwrap_or_default();
    #[cfg(feature = "axum")]
    if info.remote_addr.is_none() {
        // `axum::serve(.., app.into_make_service_with_connect_info::<SocketAddr>())`.
        let remote_addr = parts
            .extensions
            .get::<axum::extract::ConnectInfo<SocketAddr>>()
            .map(|c| c.0);
        return ConnectionInfo {
            remote_addr,
            ..info
        };
    }
    info
}

/// The facts of `parts` without credentials, body or header list.
fn facts_from_parts(parts: &http::request::Parts, target: &str, path: &str) -> RequestFacts {
    let conn = connection_info(parts);
    let mut f = RequestFacts::new(parts.method.as_str(), target, path);
    let https = conn.tls.is_some() || parts.uri.scheme() == Some(&http::uri::Scheme::HTTPS);
    f.scheme = if https { "https" } else { "http" };
    f.authority = parts
        .uri
        .authority()
        .map(|a| a.as_str().to_owned())
        .or_else(|| {
            parts
                .headers
                .get(http::header::HOST)
                .and_then(|h| h.to_str().ok())
                .map(str::to_owned)
        })
        .unwrap_or_default();
    f.remote_addr = conn.remote_addr;
    f.tls = conn.tls;
    f
}

/// A plain-text response with `status` and the header fields of `head`.
pub(crate) fn answer(status: u16, headers: Vec<(&'static str, String)>) -> Response<ResponseBody> {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let text = format!(
        "{} {}\n",
        status.as_u16(),
        status.canonical_reason().unwrap_or("")
    );
    let mut r = Response::new(full(Bytes::from(text)));
    *r.status_mut() = status;
    r.headers_mut().insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    add_fields(r.headers_mut(), headers);
    r
}

fn full(b: Bytes) -> ResponseBody {
    Full::new(b).map_err(|e| match e {}).boxed_unsync()
}

/// Adds the fields of a [`ResponseHead`]: `cache-control` and the info field replace
/// what the inner service set (only one is meaningful), challenges are appended.
fn add_fields(h: &mut http::HeaderMap, fields: Vec<(&'static str, String)>) {
    for (name, value) in fields {
        let name = HeaderName::from_static(name);
        let value = match HeaderValue::from_str(&value) {
            Ok(v) => v,
            Err(_) => match HeaderValue::from_bytes(value.as_bytes()) {
                Ok(v) => v,
                Err(_) => {
                    // Formatting produces no control characters; nothing else is refused.
                    tracing::error!(field = %name, "header value not representable: dropped");
                    continue;
                }
            },
        };
        if name == http::header::CACHE_CONTROL || name.as_str().ends_with("authentication-info") {
            h.insert(name, value);
        } else {
            h.append(name, value);
        }
    }
}

/// Reads a body of at most `limit` bytes within `timeout`; the error is the status to
/// answer (413, 400, 408).
async fn read_body<B>(body: B, limits: Limits) -> Result<Bytes, u16>
where
    B: Body<Data = Bytes>,
    B::Error: Into<BoxError>,
{
    // A declared Content-Length over the limit is refused before reading anything.
    if body.size_hint().lower() > limits.max_request_body as u64 {
        return Err(413);
    }
    let collect = Limited::new(body, limits.max_request_body).collect();
    match tokio::time::timeout(limits.body_timeout, collect).await {
        Ok(Ok(c)) => Ok(c.to_bytes()),
        Ok(Err(e)) if e.is::<http_body_util::LengthLimitError>() => Err(413),
        Ok(Err(_)) => Err(400),
        Err(_) => Err(408),
    }
}

impl<S, B, ResB> Service<Request<B>> for AuthService<S>
where
    S: Service<Request<B>, Response = Response<ResB>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
    B: Body<Data = Bytes> + From<Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
    ResB: Body<Data = Bytes> + Send + 'static,
    ResB::Error: Into<BoxError>,
{
    type Response = Response<ResponseBody>;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<B>) -> Self::Future {
        // The instance that was polled ready serves this request (tower's clone-and-swap).
        let clone = self.inner.clone();
        let inner = std::mem::replace(&mut self.inner, clone);
        Box::pin(handle(Arc::clone(&self.guard), self.limits, inner, req))
    }
}

async fn handle<S, B, ResB>(
    guard: Arc<Guard>,
    limits: Limits,
    mut inner: S,
    req: Request<B>,
) -> Result<Response<ResponseBody>, S::Error>
where
    S: Service<Request<B>, Response = Response<ResB>>,
    B: Body<Data = Bytes> + From<Bytes>,
    B::Error: Into<BoxError>,
    ResB: Body<Data = Bytes> + Send + 'static,
    ResB::Error: Into<BoxError>,
{
    let names = guard.field_names();
    let side = if names == FieldNames::PROXY {
        Side::Proxy
    } else {
        Side::Origin
    };
    let (mut parts, body) = req.into_parts();

    // One form of the path, made before anything looks at it, and passed on.
    let target = request_target(&parts.uri).to_owned();
    let npath = match NormalizedPath::parse(&target) {
        Ok(p) => p,
        Err(e) => {
            tracing::info!(error = %e, "request-target refused");
            return Ok(answer(e.http_status(), Vec::new()));
        }
    };

    // Exactly one credentials field (RFC 7235 section 4.2 has no list syntax).
    let credentials = match credentials_from(&parts.headers, side) {
        Ok(None) => None,
        Ok(Some(_)) => parts
            .headers
            .get(side.credentials())
            .and_then(|v| std::str::from_utf8(v.as_bytes()).ok())
            .map(str::to_owned),
        Err(e) => {
            tracing::info!(error = %e, field = names.credentials, "malformed credentials");
            return Ok(answer(400, Vec::new()));
        }
    };

    let mut facts = facts_from_parts(&parts, &target, npath.as_str());
    facts.headers = parts
        .headers
        .iter()
        .filter(|(k, _)| {
            **k != http::header::AUTHORIZATION && **k != http::header::PROXY_AUTHORIZATION
        })
        .filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned())))
        .collect();

    // Digest qop=auth-int covers the body (RFC 7616 section 3.4.3): read it within the
    // limits before authenticating; every other request is decided from its head.
    let hashes = guard.body_hashes(credentials.as_deref());
    let body = if hashes.is_empty() {
        body
    } else {
        let bytes = match read_body(body, limits).await {
            Ok(b) => b,
            Err(status) => return Ok(answer(status, Vec::new())),
        };
        facts.body = Some(Arc::new(digest_auth::BodyHasher::digest_all(
            &hashes, &bytes,
        )));
        B::from(bytes)
    };
    facts.credentials = credentials;

    let decision = guard.check(Arc::new(facts)).await;
    let head = decision.response_head(names);
    // RFC 8120 section 4.5: the field goes into the `100 Continue`, when one is sent
    // (HTTP/1.1 only; the connection must be wired with `crate::interim`).
    let interim = decision
        .interim_info(names)
        .filter(|_| parts.version == http::Version::HTTP_11 && expects_continue(&parts.headers))
        .and_then(|(name, value)| {
            let slot = parts.extensions.get::<InterimFields>()?.clone();
            slot.offer(name, &value).then_some(slot)
        });
    let (principal, response) = match decision {
        Decision::Allow {
            principal,
            response,
            ..
        } => (principal, response),
        _ => {
            let status = head.status.unwrap_or(500);
            return Ok(answer(status, head.headers));
        }
    };

    let is_head = parts.method == http::Method::HEAD;
    if let Some(p) = principal {
        parts.extensions.insert::<Principal>(p);
    }
    parts.extensions.insert(npath);
    parts.extensions.insert(ChallengeSource {
        guard: Arc::clone(&guard),
    });
    if side == Side::Proxy {
        // The proxy consumed the credentials meant for it (RFC 7235 section 4.4).
        parts.headers.remove(http::header::PROXY_AUTHORIZATION);
    }
    let resp = inner.call(Request::from_parts(parts, body)).await;
    let sent_in_continue = interim.is_some_and(|slot| slot.settle());
    let (mut rparts, rbody) = resp?.into_parts();
    let mut fields = head.headers;
    if sent_in_continue {
        fields.retain(|(n, _)| *n != names.info);
    }
    let rbody = match response {
        None => rbody.map_err(Into::into).boxed_unsync(),
        Some(bound) => {
            // RFC 7616 section 3.5: for auth-int, rspauth covers the response body as sent
            // (none for HEAD, RFC 9110 section 9.3.2). Buffered within the limit.
            match Limited::new(rbody, limits.max_response_body)
                .collect()
                .await
            {
                Ok(c) => {
                    let bytes = c.to_bytes();
                    let info = bound.finish(if is_head { &[] } else { &bytes });
                    fields.retain(|(n, _)| *n != names.info);
                    fields.push((
                        names.info,
                        httpauth_headers::format_authentication_info(&info),
                    ));
                    full(bytes)
                }
                Err(e) => {
                    tracing::error!(error = %e, "response for auth-int not buffered: 500");
                    return Ok(answer(500, Vec::new()));
                }
            }
        }
    };
    add_fields(&mut rparts.headers, fields);
    Ok(Response::from_parts(rparts, rbody))
}

fn expects_continue(headers: &http::HeaderMap) -> bool {
    crate::interim::expects_continue(
        headers
            .get_all(http::header::EXPECT)
            .iter()
            .map(HeaderValue::as_bytes),
    )
}

/// A service that puts a [`ConnectionInfo`] into the extensions of every request: made
/// once per connection by an accept loop (see the `hyper` module).
#[derive(Debug, Clone)]
pub struct AddConnectionInfo<S> {
    inner: S,
    info: ConnectionInfo,
}

impl<S> AddConnectionInfo<S> {
    /// Wraps `inner`.
    pub fn new(inner: S, info: ConnectionInfo) -> Self {
        Self { inner, info }
    }
}

impl<S, B> Service<Request<B>> for AddConnectionInfo<S>
where
    S: Service<Request<B>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request<B>) -> S::Future {
        req.extensions_mut().insert(self.info.clone());
        self.inner.call(req)
    }
}
