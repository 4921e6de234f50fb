//! The client engine over a `hyper-util` client (feature `hyper-client`), for programs
//! that do not use reqwest.
//!
//! ```no_run
//! # async fn f() -> Result<(), Box<dyn std::error::Error>> {
//! use bytes::Bytes;
//! use http_body_util::Full;
//! use httpauth::client::AuthClient;
//! use hyper_util::client::legacy::Client;
//! use hyper_util::rt::TokioExecutor;
//! let http: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
//! let auth = AuthClient::new("alice", "wonderland".into());
//! let req = http::Request::get("http://127.0.0.1:8080/digest").body(Bytes::new())?;
//! let resp = httpauth::client::hyper::send(&http, &auth, req).await?;
//! # let _ = resp; Ok(()) }
//! ```
//!
//! The request body is in memory (`Bytes`), so it can be sent again after a challenge
//! and covered by Digest `auth-int`; the response body is read whole (at most
//! [`MAX_BODY`]). Over https, pass the server certificate's `tls-server-end-point` with
//! [`send_with_end_point`] for Mutual (the legacy client does not report the peer
//! certificate).

use super::{AuthClient, ClientError, RequestInfo, ResponseInfo, Step};
use bytes::Bytes;
use http::{HeaderValue, Request, Response};
use http_body_util::{BodyExt as _, Full, Limited};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::Connect;
use std::sync::{Arc, Mutex};

/// Largest response body read.
pub const MAX_BODY: usize = 16 << 20;

/// Sends `req` with `client`, answering 401 / 407 with `auth`.
///
/// # Errors
/// [`ClientError`]; transport failures are [`ClientError::Network`].
pub async fn send<C>(
    client: &Client<C, Full<Bytes>>,
    auth: &AuthClient,
    req: Request<Bytes>,
) -> Result<Response<Bytes>, ClientError>
where
    C: Connect + Clone + Send + Sync + 'static,
{
    send_with_end_point(client, auth, req, None).await
}

/// [`send`], with the `tls-server-end-point` (RFC 5929) of the server's certificate for
/// Mutual over https.
///
/// # Errors
/// As [`send`].
pub async fn send_with_end_point<C>(
    client: &Client<C, Full<Bytes>>,
    auth: &AuthClient,
    req: Request<Bytes>,
    end_point: Option<Vec<u8>>,
) -> Result<Response<Bytes>, ClientError>
where
    C: Connect + Clone + Send + Sync + 'static,
{
    let (parts, body) = req.into_parts();
    let url = parts.uri.to_string();
    let mut ex = auth.begin(RequestInfo {
        method: parts.method.as_str(),
        url: &url,
        body: Some(&body),
    })?;
    loop {
        let mut r = Request::from_parts(parts.clone(), Full::new(body.clone()));
        for (name, value) in [
            (http::header::AUTHORIZATION, ex.authorization()),
            (http::header::PROXY_AUTHORIZATION, ex.proxy_authorization()),
        ] {
            if let Some(v) = value {
                let v = HeaderValue::from_str(v)
                    .map_err(|e| ClientError::Local(format!("{name}: {e}")))?;
                r.headers_mut().insert(name, v);
            }
        }
        // RFC 8120 section 4.5: a Mutual `vks` may come in a `100 Continue`; hyper reads
        // 1xx responses itself and shows them only to this callback (HTTP/1).
        let interim: Arc<Mutex<Vec<Vec<String>>>> = Arc::default();
        let sink = Arc::clone(&interim);
        hyper::ext::on_informational(&mut r, move |res| {
            let ls: Vec<String> = res
                .headers()
                .get_all("authentication-info")
                .iter()
                .filter_map(|v| v.to_str().ok().map(str::to_owned))
                .collect();
            if !ls.is_empty() {
                sink.lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .push(ls);
            }
        });
        let resp = client
            .request(r)
            .await
            .map_err(|e| ClientError::Network(Box::new(e)))?;
        let (rparts, rbody) = resp.into_parts();
        let bytes = Limited::new(rbody, MAX_BODY)
            .collect()
            .await
            .map_err(ClientError::Network)?
            .to_bytes();
        let h = &rparts.headers;
        let interim = std::mem::take(
            &mut *interim
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        );
        let mut info = ResponseInfo::from_headers(rparts.status.as_u16(), h);
        info.informational_info = interim
            .iter()
            .map(|ls| ls.iter().map(String::as_str).collect())
            .collect();
        info.tls_server_end_point = end_point.clone();
        info.body = Some(&bytes);
        if ex.on_response(&info)? == Step::Done {
            return Ok(Response::from_parts(rparts, bytes));
        }
    }
}
