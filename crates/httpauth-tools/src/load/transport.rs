//! The transport: TCP or TLS connections carrying HTTP/1.1 (hyper's connection API), the
//! facts the engine needs from them (RFC 5929 `tls-server-end-point` for Mutual over
//! https) and what the report counts (handshakes, resumption, version, cipher).

use super::{Config, ConnectionMode, Error, MAX_BODY_BYTES};
use bytes::Bytes;
use http_body_util::{BodyExt as _, Empty, Limited};
use httpauth::mutual_core::scope::tls_server_end_point;
use hyper::client::conn::http1::SendRequest;
use hyper::header::{self, HeaderMap, HeaderValue};
use hyper_util::rt::TokioIo;
use rustls_pki_types::pem::PemObject as _;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

/// The URL requested, split once at start.
#[derive(Debug, Clone)]
pub(super) struct Target {
    /// The URL as given (what the engine keys its state by).
    pub(super) url: String,
    pub(super) https: bool,
    /// Host without IPv6 brackets (for DNS and the TLS server name).
    host: String,
    port: u16,
    /// `Host` field value (RFC 9112 section 3.2).
    pub(super) authority: HeaderValue,
    /// Request-target in origin form.
    pub(super) path: String,
    /// Resolved once, before the run.
    addr: Option<SocketAddr>,
}

impl Target {
    /// Splits an absolute `http` / `https` URL.
    pub(super) fn parse(url: &str) -> Result<Self, Error> {
        let bad = |why: &str| Error::Usage(format!("{url:?}: {why}"));
        let uri: hyper::Uri = url.parse().map_err(|e| bad(&format!("{e}")))?;
        let https = match uri.scheme_str() {
            Some(s) if s.eq_ignore_ascii_case("https") => true,
            Some(s) if s.eq_ignore_ascii_case("http") => false,
            _ => return Err(bad("only absolute http:// and https:// URLs")),
        };
        let authority = uri.authority().ok_or_else(|| bad("no host"))?;
        if authority.as_str().contains('@') {
            return Err(bad("user information in the URL: use -u"));
        }
        let host = authority
            .host()
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned();
        if host.is_empty() {
            return Err(bad("no host"));
        }
        // The port text itself: `Authority::port_u16` reads an out-of-range port as none,
        // which would silently connect to the default port instead.
        let a = authority.as_str();
        let rest = match a.rfind(']') {
            Some(i) => &a[i + 1..],
            None => a.rfind(':').map_or("", |i| &a[i..]),
        };
        let port = match rest.strip_prefix(':') {
            Some(p) if !p.is_empty() => p.parse().map_err(|_| bad("bad port"))?,
            _ if https => 443,
            _ => 80,
        };
        let path = uri
            .path_and_query()
            .map_or_else(|| "/".to_owned(), |p| p.as_str().to_owned());
        let path = if path.is_empty() {
            "/".to_owned()
        } else {
            path
        };
        Ok(Self {
            url: url.to_owned(),
            https,
            authority: HeaderValue::from_str(authority.as_str())
                .map_err(|e| bad(&format!("{e}")))?,
            host,
            port,
            path,
            addr: None,
        })
    }

    /// Resolves the host once, so no request pays for a lookup.
    pub(super) async fn resolve(&mut self) -> Result<(), Error> {
        let mut addrs = tokio::net::lookup_host((self.host.as_str(), self.port))
            .await
            .map_err(|e| Error::Setup(format!("{}: {e}", self.host)))?;
        self.addr = Some(
            addrs
                .next()
                .ok_or_else(|| Error::Setup(format!("{}: no address", self.host)))?,
        );
        Ok(())
    }
}

fn file_error(path: &Path, reason: impl std::fmt::Display) -> Error {
    Error::File {
        path: path.to_path_buf(),
        reason: reason.to_string(),
    }
}

/// The rustls client configuration (`ring`): roots from `--cacert`, the client
/// certificate, HTTP/1.1 by ALPN, resumption off unless asked for. `None` for http.
pub(super) fn tls_config(
    c: &Config,
    target: &Target,
) -> Result<Option<Arc<rustls::ClientConfig>>, Error> {
    if !target.https {
        if c.client_cert.is_some() {
            return Err(Error::Usage(
                "--cert: client certificates need an https:// URL".into(),
            ));
        }
        if c.cacert.is_some() || c.tls_resumption {
            return Err(Error::Usage(
                "--cacert and --tls-resumption need an https:// URL".into(),
            ));
        }
        return Ok(None);
    }
    let ca = c.cacert.as_deref().ok_or_else(|| {
        Error::Usage("https needs --cacert FILE (the CA that issued the server certificate)".into())
    })?;
    let mut roots = rustls::RootCertStore::empty();
    let certs = read_certs(ca)?;
    for der in certs {
        roots.add(der).map_err(|e| file_error(ca, e))?;
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let b = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Tls(e.to_string()))?
        .with_root_certificates(roots);
    let mut cfg = match &c.client_cert {
        Some((cert, key)) => {
            let chain = read_certs(cert)?;
            let key = PrivateKeyDer::from_pem_file(key).map_err(|e| file_error(key, e))?;
            b.with_client_auth_cert(chain, key)
                .map_err(|e| Error::Tls(e.to_string()))?
        }
        None => b.with_no_client_auth(),
    };
    cfg.alpn_protocols = vec![b"http/1.1".to_vec()];
    if !c.tls_resumption {
        // Every connection a full handshake: what `--connection close` over https is
        // meant to measure.
        cfg.resumption = rustls::client::Resumption::disabled();
    }
    Ok(Some(Arc::new(cfg)))
}

fn read_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, Error> {
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|e| file_error(path, e))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| file_error(path, e))?;
    if certs.is_empty() {
        return Err(file_error(path, "no PEM certificate"));
    }
    Ok(certs)
}

/// What a new connection's TLS handshake was.
#[derive(Debug, Clone, Default)]
pub(super) struct Handshake {
    /// A full handshake (with or without HelloRetryRequest), not a resumption.
    pub(super) full: bool,
    /// `TLSv1_3`, ...
    pub(super) version: Option<String>,
    /// `TLS13_AES_256_GCM_SHA384`, ...
    pub(super) cipher: Option<String>,
}

/// One open HTTP/1.1 connection.
pub(super) struct Conn {
    sender: SendRequest<Empty<Bytes>>,
    /// RFC 5929 `tls-server-end-point` of the server's certificate (https).
    pub(super) end_point: Option<Vec<u8>>,
}

/// Why a request did not get a response.
#[derive(Debug)]
pub(super) enum TransportError {
    /// TCP connect failed.
    Connect(std::io::Error),
    /// The TLS handshake failed.
    Tls(std::io::Error),
    /// Sending or receiving failed (closed connection, malformed response, body too
    /// large).
    Io(String),
}

/// A response read whole.
pub(super) struct Response {
    pub(super) status: u16,
    pub(super) headers: HeaderMap,
    pub(super) body: Bytes,
    /// `Authentication-Info` lines of 1xx responses (RFC 8120 section 4.5).
    pub(super) informational: Vec<Vec<String>>,
}

/// Opens a connection to `target`.
pub(super) async fn connect(
    target: &Target,
    tls: Option<&Arc<rustls::ClientConfig>>,
) -> Result<(Conn, Option<Handshake>), TransportError> {
    let addr = target.addr.ok_or_else(|| {
        TransportError::Connect(std::io::Error::other("the host was not resolved"))
    })?;
    let tcp = tokio::net::TcpStream::connect(addr)
        .await
        .map_err(TransportError::Connect)?;
    // Small requests and responses: no Nagle delay between them.
    let _ = tcp.set_nodelay(true);
    let Some(cfg) = tls else {
        let conn = handshake(tcp).await?;
        return Ok((
            Conn {
                sender: conn,
                end_point: None,
            },
            None,
        ));
    };
    let name = ServerName::try_from(target.host.clone())
        .map_err(|e| TransportError::Tls(std::io::Error::other(e)))?;
    let s = tokio_rustls::TlsConnector::from(Arc::clone(cfg))
        .connect(name, tcp)
        .await
        .map_err(TransportError::Tls)?;
    let c = s.get_ref().1;
    let end_point = c
        .peer_certificates()
        .and_then(|certs| certs.first())
        .and_then(|leaf| tls_server_end_point(leaf).ok());
    let hs = Handshake {
        full: !matches!(c.handshake_kind(), Some(rustls::HandshakeKind::Resumed)),
        version: c.protocol_version().map(|v| format!("{v:?}")),
        cipher: c
            .negotiated_cipher_suite()
            .map(|s| format!("{:?}", s.suite())),
    };
    let conn = handshake(s).await?;
    Ok((
        Conn {
            sender: conn,
            end_point,
        },
        Some(hs),
    ))
}

async fn handshake<T>(io: T) -> Result<SendRequest<Empty<Bytes>>, TransportError>
where
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(io))
        .await
        .map_err(|e| TransportError::Io(format!("http: {e}")))?;
    // The connection task ends when the connection closes (or the sender is dropped).
    tokio::spawn(async move {
        let _ = conn.await;
    });
    Ok(sender)
}

impl Conn {
    /// True when the connection can take another request.
    pub(super) fn is_usable(&self) -> bool {
        !self.sender.is_closed()
    }

    /// Sends a GET of `target` with `authorization` and reads the whole response.
    pub(super) async fn get(
        &mut self,
        target: &Target,
        authorization: Option<&str>,
        mode: ConnectionMode,
    ) -> Result<Response, TransportError> {
        let mut req = hyper::Request::new(Empty::<Bytes>::new());
        *req.uri_mut() = hyper::Uri::try_from(target.path.as_str())
            .map_err(|e| TransportError::Io(format!("request-target: {e}")))?;
        let h = req.headers_mut();
        h.insert(header::HOST, target.authority.clone());
        if let Some(a) = authorization {
            let mut v = HeaderValue::from_str(a)
                .map_err(|e| TransportError::Io(format!("Authorization: {e}")))?;
            v.set_sensitive(true);
            h.insert(header::AUTHORIZATION, v);
        }
        if mode == ConnectionMode::Close {
            h.insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        // RFC 8120 section 4.5: a Mutual `vks` may come in a 1xx response, which hyper
        // shows only to this callback. Rare, so the vector is empty almost always.
        let interim: Arc<std::sync::Mutex<Vec<Vec<String>>>> = Arc::default();
        let sink = Arc::clone(&interim);
        hyper::ext::on_informational(&mut req, move |res| {
            let lines: Vec<String> = res
                .headers()
                .get_all("authentication-info")
                .iter()
                .filter_map(|v| std::str::from_utf8(v.as_bytes()).ok().map(str::to_owned))
                .collect();
            if !lines.is_empty() {
                sink.lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .push(lines);
            }
        });
        self.sender
            .ready()
            .await
            .map_err(|e| TransportError::Io(format!("http: {e}")))?;
        let resp = self
            .sender
            .send_request(req)
            .await
            .map_err(|e| TransportError::Io(format!("http: {e}")))?;
        let (parts, body) = resp.into_parts();
        let body = Limited::new(body, MAX_BODY_BYTES)
            .collect()
            .await
            .map_err(|e| TransportError::Io(format!("body: {e}")))?
            .to_bytes();
        let informational = std::mem::take(
            &mut *interim
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        );
        Ok(Response {
            status: parts.status.as_u16(),
            headers: parts.headers,
            body,
            informational,
        })
    }
}

/// True when the response closes its connection (`Connection: close`, RFC 9112
/// section 9.6).
pub(super) fn closes(headers: &HeaderMap) -> bool {
    headers.get_all(header::CONNECTION).iter().any(|v| {
        v.to_str()
            .is_ok_and(|s| s.split(',').any(|t| t.trim().eq_ignore_ascii_case("close")))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_split_into_host_port_and_target() {
        let t = Target::parse("http://127.0.0.1:8080/digest?x=1").unwrap();
        assert!(!t.https);
        assert_eq!((t.host.as_str(), t.port), ("127.0.0.1", 8080));
        assert_eq!(t.path, "/digest?x=1");
        assert_eq!(t.authority, "127.0.0.1:8080");
        let t = Target::parse("https://[::1]/").unwrap();
        assert!(t.https);
        assert_eq!((t.host.as_str(), t.port), ("::1", 443));
        let t = Target::parse("http://localhost").unwrap();
        assert_eq!(t.path, "/");
        for bad in [
            "ftp://h/",
            "/relative",
            "http://u:p@h/",
            "http://h:99999/",
            "http://[::1]:65536/",
            "",
        ] {
            assert!(Target::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn connection_close_is_found_among_tokens() {
        let mut h = HeaderMap::new();
        assert!(!closes(&h));
        h.insert(header::CONNECTION, HeaderValue::from_static("keep-alive"));
        assert!(!closes(&h));
        h.append(
            header::CONNECTION,
            HeaderValue::from_static("Upgrade, Close"),
        );
        assert!(closes(&h));
    }
}
