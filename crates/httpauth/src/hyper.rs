//! Serving one hyper connection behind the layer (feature `hyper`): the request body is
//! boxed into a [`RequestBody`] (so that a Digest `auth-int` body can be re-attached) and
//! the connection's [`ConnectionInfo`] (peer address, TLS facts from the `rustls`
//! module) and its [`InterimFields`] are put into every request's extensions. The byte
//! stream is wrapped in a [`ContinueIo`], so that a Mutual `Authentication-Info` goes
//! into the `100 Continue` of a request that expects one (RFC 8120 section 4.5).
//!
//! ```ignore
//! // From examples/axum_basic_digest_mutual.rs (compiled there).
//! let (tcp, remote) = listener.accept().await?;
//! let tls = acceptor.accept(tcp).await?;
//! let info = ConnectionInfo::new(remote).with_tls(tls_facts.stream(&tls));
//! tokio::spawn(httpauth::hyper::serve_connection(tls, info, app.clone()));
//! ```

use crate::interim::{ContinueIo, InterimFields};
use crate::layer::{AddConnectionInfo, BoxError, ConnectionInfo, RequestBody};
use bytes::Bytes;
use http::{Request, Response};
use http_body::Body;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use tower_service::Service;

/// Serves HTTP/1.1 or HTTP/2 on `io` with `service`, every request carrying `info`.
/// Returns when the connection closes.
///
/// # Errors
/// The connection failed (I/O, protocol error).
pub async fn serve_connection<I, S, ResB>(
    io: I,
    info: ConnectionInfo,
    service: S,
) -> Result<(), BoxError>
where
    I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    S: Service<Request<RequestBody>, Response = Response<ResB>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
    ResB: Body<Data = Bytes> + Send + 'static,
    ResB::Error: Into<BoxError>,
{
    let service = AddConnectionInfo::new(service, info);
    let interim = InterimFields::new();
    let io = ContinueIo::new(io, interim.clone());
    let svc = hyper::service::service_fn(move |req: Request<Incoming>| {
        let mut s = service.clone();
        let interim = interim.clone();
        async move {
            std::future::poll_fn(|cx| s.poll_ready(cx)).await?;
            let mut req = req.map(RequestBody::new);
            req.extensions_mut().insert(interim);
            s.call(req).await
        }
    });
    auto::Builder::new(TokioExecutor::new())
        .serve_connection(TokioIo::new(io), svc)
        .await
}
