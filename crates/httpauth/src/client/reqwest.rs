//! A `reqwest-middleware` middleware (feature `reqwest`): Basic, Digest and Mutual for
//! any reqwest client in one line.
//!
//! ```no_run
//! # async fn f() -> Result<(), Box<dyn std::error::Error>> {
//! use httpauth::client::{AuthClient, reqwest::AuthMiddleware};
//! let http = reqwest::Client::builder()
//!     .redirect(reqwest::redirect::Policy::none()) // the middleware follows redirects
//!     .tls_info(true) // Mutual over https binds to the server certificate
//!     .build()?;
//! let client = reqwest_middleware::ClientBuilder::new(http)
//!     .with(AuthMiddleware::new(AuthClient::new("alice", "wonderland".into())))
//!     .build();
//! let body = client.get("https://example.com/protected").send().await?.text().await?;
//! # Ok(()) }
//! ```
//!
//! - Redirects are followed here (up to [`AuthMiddleware::max_redirects`], 10 by
//!   default) when the reqwest client's own policy is `none`, so that the request-target
//!   is recomputed for every hop and credentials (the middleware's and a caller's own
//!   `Authorization`) never go to another origin. 301/302 turn a POST into a GET, 303
//!   turns anything but HEAD into a GET, 307/308 keep method and body.
//! - A request is sent again after a 401 / 407, so its body must be in memory (a
//!   streaming body that cannot be cloned is refused with [`ClientError::Local`] when a
//!   second send is needed).
//! - `tls-server-end-point` (Mutual over https) comes from
//!   `reqwest::tls::TlsInfo::peer_certificate`; the reqwest client must be built with
//!   `tls_info(true)`.
//! - A request that already carries `Authorization` is sent as is; the middleware then
//!   only answers a proxy's 407.
//! - Errors of the engine are `reqwest_middleware::Error::Middleware` wrapping a
//!   [`ClientError`] (`err.downcast_ref::<ClientError>()`), transport errors are
//!   `reqwest_middleware::Error::Reqwest`.

use super::{AuthClient, ClientError, RequestInfo, ResponseInfo, Step, same_origin};
use bytes::Bytes;
use http::Extensions;
use http::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::{Request, Response, StatusCode};
use reqwest_middleware::{Middleware, Next};

/// Most redirects followed by default (as reqwest's default policy).
pub const DEFAULT_MAX_REDIRECTS: usize = 10;
/// Largest response body read to verify a Digest `auth-int` `rspauth`.
pub const MAX_VERIFIED_BODY: usize = 16 << 20;

/// The middleware; see the module documentation.
#[derive(Debug, Clone)]
pub struct AuthMiddleware {
    client: AuthClient,
    max_redirects: usize,
}

impl AuthMiddleware {
    /// Authenticates with `client`'s logins and state.
    pub fn new(client: AuthClient) -> Self {
        Self {
            client,
            max_redirects: DEFAULT_MAX_REDIRECTS,
        }
    }

    /// Follows at most `n` redirects (0: return 3xx responses as they are).
    pub fn max_redirects(mut self, n: usize) -> Self {
        self.max_redirects = n;
        self
    }

    /// The shared state (to [`reset`](AuthClient::reset) it, say).
    pub fn client(&self) -> &AuthClient {
        &self.client
    }
}

fn local(e: ClientError) -> reqwest_middleware::Error {
    reqwest_middleware::Error::middleware(e)
}

fn set(h: &mut HeaderMap, name: HeaderName, value: Option<&str>) -> reqwest_middleware::Result<()> {
    if let Some(v) = value {
        let v = HeaderValue::from_str(v)
            .map_err(|e| local(ClientError::Local(format!("{name}: {e}"))))?;
        h.insert(name, v);
    }
    Ok(())
}

/// The `tls-server-end-point` of the connection that carried `resp`.
fn end_point(resp: &Response) -> Option<Vec<u8>> {
    let info = resp.extensions().get::<reqwest::tls::TlsInfo>()?;
    mutual_core::scope::tls_server_end_point(info.peer_certificate()?).ok()
}

impl AuthMiddleware {
    /// One hop: authenticates `req` until a final response.
    async fn one(
        &self,
        req: Request,
        extensions: &mut Extensions,
        next: &Next<'_>,
    ) -> reqwest_middleware::Result<Response> {
        let own_authorization = req.headers().contains_key(http::header::AUTHORIZATION);
        let url = req.url().to_string();
        let body = req
            .body()
            .and_then(reqwest::Body::as_bytes)
            .map(<[u8]>::to_vec);
        let method = req.method().as_str().to_owned();
        let mut ex = self
            .client
            .begin(RequestInfo {
                method: &method,
                url: &url,
                body: body.as_deref(),
            })
            .map_err(local)?;
        let mut pending = Some(req);
        loop {
            let template = pending.take().ok_or_else(|| {
                local(ClientError::Local(
                    "request body cannot be sent twice".into(),
                ))
            })?;
            let mut r = match template.try_clone() {
                Some(c) => {
                    pending = Some(template);
                    c
                }
                None => template,
            };
            if !own_authorization {
                set(
                    r.headers_mut(),
                    http::header::AUTHORIZATION,
                    ex.authorization(),
                )?;
            }
            set(
                r.headers_mut(),
                http::header::PROXY_AUTHORIZATION,
                ex.proxy_authorization(),
            )?;
            let resp = next.clone().run(r, extensions).await?;
            let status = resp.status().as_u16();
            if own_authorization && status != 407 {
                return Ok(resp);
            }
            let ep = end_point(&resp);
            let (resp, body) = if ex.needs_response_body() && status != 401 && status != 407 {
                let url = resp.url().clone();
                let status_code = resp.status();
                let version = resp.version();
                let headers = resp.headers().clone();
                let bytes = read_limited(resp).await?;
                let out = rebuilt(status_code, version, headers, url, bytes.clone());
                (out, Some(bytes))
            } else {
                (resp, None)
            };
            let h = resp.headers();
            let mut info = ResponseInfo::from_headers(status, h);
            info.tls_server_end_point = ep;
            info.body = body.as_deref();
            match ex.on_response(&info).map_err(local)? {
                Step::Done => return Ok(resp),
                Step::Send => {
                    if pending.is_none() {
                        return Err(local(ClientError::Local(
                            "the request body is a stream and cannot be sent again after a challenge"
                                .into(),
                        )));
                    }
                }
            }
        }
    }
}

async fn read_limited(resp: Response) -> reqwest_middleware::Result<Bytes> {
    if resp
        .content_length()
        .is_some_and(|n| n > MAX_VERIFIED_BODY as u64)
    {
        return Err(local(ClientError::Local(format!(
            "response body over {MAX_VERIFIED_BODY} bytes: too large to verify auth-int"
        ))));
    }
    let mut resp = resp;
    let mut out = Vec::new();
    while let Some(chunk) = resp.chunk().await? {
        if out.len() + chunk.len() > MAX_VERIFIED_BODY {
            return Err(local(ClientError::Local(format!(
                "response body over {MAX_VERIFIED_BODY} bytes: too large to verify auth-int"
            ))));
        }
        out.extend_from_slice(&chunk);
    }
    Ok(Bytes::from(out))
}

/// A response around a body that was read (to verify `auth-int`).
fn rebuilt(
    status: StatusCode,
    version: http::Version,
    headers: HeaderMap,
    url: reqwest::Url,
    body: Bytes,
) -> Response {
    use reqwest::ResponseBuilderExt as _;
    let mut r = http::Response::builder()
        .url(url)
        .body(body)
        .unwrap_or_default();
    *r.status_mut() = status;
    *r.version_mut() = version;
    *r.headers_mut() = headers;
    Response::from(r)
}

#[async_trait::async_trait]
impl Middleware for AuthMiddleware {
    async fn handle(
        &self,
        req: Request,
        extensions: &mut Extensions,
        next: Next<'_>,
    ) -> reqwest_middleware::Result<Response> {
        let mut req = req;
        let mut hops = 0;
        loop {
            let template = if self.max_redirects > 0 {
                req.try_clone()
            } else {
                None
            };
            let resp = self.one(req, extensions, &next).await?;
            let status = resp.status();
            if !status.is_redirection() || hops >= self.max_redirects {
                return Ok(resp);
            }
            let Some(location) = resp
                .headers()
                .get(http::header::LOCATION)
                .and_then(|l| l.to_str().ok())
                .and_then(|l| resp.url().join(l).ok())
            else {
                return Ok(resp);
            };
            let Some(mut nreq) = template else {
                return Ok(resp);
            };
            if !matches!(location.scheme(), "http" | "https") {
                return Ok(resp);
            }
            hops += 1;
            let from = nreq.url().to_string();
            tracing::debug!(target: "httpauth::client", %status, to = %location, "following a redirect");
            if !same_origin(&from, location.as_str()) {
                // Credentials never go to another origin (RFC 9110 section 15.4: the
                // user agent decides; Authorization is for the origin it was meant for).
                nreq.headers_mut().remove(http::header::AUTHORIZATION);
                nreq.headers_mut().remove(http::header::COOKIE);
            }
            let to_get = match status {
                StatusCode::SEE_OTHER => nreq.method() != reqwest::Method::HEAD,
                StatusCode::MOVED_PERMANENTLY | StatusCode::FOUND => {
                    nreq.method() == reqwest::Method::POST
                }
                _ => false,
            };
            if to_get {
                *nreq.method_mut() = reqwest::Method::GET;
                *nreq.body_mut() = None;
                for h in [
                    http::header::CONTENT_TYPE,
                    http::header::CONTENT_LENGTH,
                    http::header::CONTENT_ENCODING,
                ] {
                    nreq.headers_mut().remove(h);
                }
            }
            *nreq.url_mut() = location;
            req = nreq;
        }
    }
}
