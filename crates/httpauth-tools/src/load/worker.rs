//! One worker: its own client engine state and connection, a schedule (closed loop or a
//! fixed rate), and what it measured.

use super::report::{Counts, WorkerStats};
use super::transport::{self, Conn, Response, TransportError};
use super::{AuthState, Config, ConnectionMode, ErrorKind, Shared, Stop};
use httpauth::client::{
    AuthClient, ClientError, QopChoice, RequestInfo, ResponseInfo, Schemes, Step,
};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

/// A request that did not succeed: its kind (or the unexpected status) and why.
#[derive(Debug)]
pub(super) struct Failure {
    /// `None`: the final response had an unexpected status (`status`).
    pub(super) kind: Option<ErrorKind>,
    pub(super) status: u16,
    pub(super) message: String,
}

impl Failure {
    fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind: Some(kind),
            status: 0,
            message: message.into(),
        }
    }

    /// The connection is in an unknown state after this failure: open a new one.
    fn drops_connection(&self) -> bool {
        matches!(
            self.kind,
            Some(
                ErrorKind::Connect
                    | ErrorKind::Tls
                    | ErrorKind::Io
                    | ErrorKind::Timeout
                    | ErrorKind::Protocol
            )
        )
    }
}

impl From<TransportError> for Failure {
    fn from(e: TransportError) -> Self {
        match e {
            TransportError::Connect(e) => Failure::new(ErrorKind::Connect, format!("connect: {e}")),
            TransportError::Tls(e) => Failure::new(ErrorKind::Tls, format!("tls: {e}")),
            TransportError::Io(e) => Failure::new(ErrorKind::Io, e),
        }
    }
}

impl From<ClientError> for Failure {
    fn from(e: ClientError) -> Self {
        let kind = match &e {
            ClientError::CredentialsRefused { .. }
            | ClientError::CredentialsRequired { .. }
            | ClientError::NothingUsable { .. } => ErrorKind::Auth,
            ClientError::ServerNotVerified { .. } => ErrorKind::ServerNotVerified,
            ClientError::Network(_) => ErrorKind::Io,
            // `Protocol`, `Local` and whatever the engine adds later: a failure all the
            // same, never a success.
            _ => ErrorKind::Protocol,
        };
        Failure::new(kind, e.to_string())
    }
}

/// The engine for one worker (`None` for `--auth none`: requests go out bare).
fn engine(c: &Config) -> Option<AuthClient> {
    use super::AuthKind as A;
    let schemes = match c.auth {
        A::None => return None,
        A::Basic => Schemes::BASIC,
        A::Digest => Schemes::DIGEST,
        A::Mutual => Schemes::MUTUAL,
        A::Any => Schemes::ALL,
    };
    let (user, password) = c.login.as_ref()?;
    let mut b = AuthClient::builder()
        .login(user.clone(), password.duplicate())
        .schemes(schemes)
        .basic_over_http(c.basic_over_http)
        // GET without a body: `auth`, as curl, browsers and Apache's peers use it.
        .qop(QopChoice::Auth);
    if !c.digest_algorithms.is_empty() {
        b = b.digest_algorithms(&c.digest_algorithms);
    }
    Some(b.build())
}

/// Runs worker `id` until the run ends; returns what it measured.
pub(super) async fn run(id: usize, shared: Arc<Shared>) -> WorkerStats {
    let c = &shared.config;
    let mut stats = WorkerStats::new();
    let auth = engine(c);
    let mut conn: Option<Conn> = None;
    let mut slot: u64 = 0;
    loop {
        let intended = match c.rate {
            Some(rate) => {
                // Slot i of worker k is due at (i * N + k) / R: the workers interleave.
                let due = (slot as f64 * c.concurrency as f64 + id as f64) / rate;
                slot += 1;
                let at = shared.start + Duration::from_secs_f64(due);
                tokio::time::sleep_until(at.into()).await;
                at
            }
            None => Instant::now(),
        };
        let measured = intended >= shared.measure_start;
        if measured {
            if shared.deadline.is_some_and(|d| intended >= d) {
                break;
            }
            if let Stop::Count(n) = c.stop
                && shared.tickets.fetch_add(1, Ordering::Relaxed) >= n
            {
                break;
            }
        }
        let lag = Instant::now().saturating_duration_since(intended);
        if let (Some(a), AuthState::PerRequest) = (&auth, c.auth_state) {
            a.reset_sessions();
        }
        let mut counts = Counts::default();
        let result = tokio::time::timeout(
            c.timeout,
            exchange(&shared, auth.as_ref(), &mut conn, &mut counts),
        )
        .await
        .unwrap_or_else(|_| {
            Err(Failure::new(
                ErrorKind::Timeout,
                format!("no verified response within {:?}", c.timeout),
            ))
        });
        if result.as_ref().is_err_and(Failure::drops_connection) {
            conn = None;
        }
        let end = Instant::now();
        if measured {
            if result.is_ok() {
                shared.latencies.record(id, end - intended);
            }
            stats.add(&counts, result, lag, end);
            shared.done.fetch_add(1, Ordering::Relaxed);
        }
    }
    stats
}

/// One user-level request: as many HTTP requests as the engine asks for, until it says
/// the response is final and verified.
async fn exchange(
    shared: &Shared,
    auth: Option<&AuthClient>,
    conn: &mut Option<Conn>,
    n: &mut Counts,
) -> Result<(), Failure> {
    let c = &shared.config;
    let Some(auth) = auth else {
        let (r, _) = send(shared, conn, None, n).await?;
        return expect_status(c, r.status);
    };
    let mut ex = auth.begin(RequestInfo {
        method: "GET",
        url: &shared.target.url,
        body: None,
    })?;
    loop {
        let sent = ex.authorization().map(str::to_owned);
        let kex = sent.as_deref().and_then(kex_algorithm);
        let (r, end_point) = send(shared, conn, sent.as_deref(), n).await?;
        if let Some(algorithm) = kex
            && r.status == 401
            && answers_kex(&r)
        {
            // The server did its half of a key exchange (401-KEX-S1, RFC 8120 section
            // 4.2): one server handshake.
            n.key_exchanges += 1;
            n.mutual_algorithm = Some(algorithm);
        }
        let info = response_info(&r, end_point);
        match ex.on_response(&info)? {
            Step::Send => {}
            Step::Done => {
                expect_status(c, r.status)?;
                if let Some(scheme) = c.auth.scheme()
                    && !sent.as_deref().is_some_and(|a| has_scheme(a, scheme))
                {
                    return Err(Failure::new(
                        ErrorKind::Unauthenticated,
                        format!(
                            "the final response ({}) answered a request without {scheme} credentials",
                            r.status
                        ),
                    ));
                }
                return Ok(());
            }
        }
    }
}

fn expect_status(c: &Config, status: u16) -> Result<(), Failure> {
    if status == c.expect {
        Ok(())
    } else {
        Err(Failure {
            kind: None,
            status,
            message: format!("status {status}, expected {}", c.expect),
        })
    }
}

/// Sends one HTTP request on the worker's connection (opened first when there is none
/// or the server closed it); returns the response and the connection's end point.
async fn send(
    shared: &Shared,
    conn: &mut Option<Conn>,
    authorization: Option<&str>,
    n: &mut Counts,
) -> Result<(Response, Option<Vec<u8>>), Failure> {
    let mode = shared.config.connection;
    let mut c = match conn.take() {
        Some(c) if c.is_usable() => c,
        _ => {
            let (c, hs) = transport::connect(&shared.target, shared.tls.as_ref()).await?;
            n.connections += 1;
            if let Some(hs) = hs {
                if hs.full {
                    n.tls_full += 1;
                } else {
                    n.tls_resumed += 1;
                }
                n.tls_version = hs.version;
                n.tls_cipher = hs.cipher;
            }
            c
        }
    };
    let r = c.get(&shared.target, authorization, mode).await?;
    n.http_requests += 1;
    let end_point = c.end_point.clone();
    if mode == ConnectionMode::KeepAlive && !transport::closes(&r.headers) {
        *conn = Some(c);
    }
    Ok((r, end_point))
}

/// The field lines called `name` that are UTF-8 (a realm may be, RFC 7616 section 3.3).
fn lines<'a>(h: &'a hyper::HeaderMap, name: &str) -> Vec<&'a str> {
    h.get_all(name)
        .iter()
        .filter_map(|v| std::str::from_utf8(v.as_bytes()).ok())
        .collect()
}

fn response_info(r: &Response, end_point: Option<Vec<u8>>) -> ResponseInfo<'_> {
    ResponseInfo {
        status: r.status,
        www_authenticate: lines(&r.headers, "www-authenticate"),
        proxy_authenticate: lines(&r.headers, "proxy-authenticate"),
        authentication_info: lines(&r.headers, "authentication-info"),
        proxy_authentication_info: lines(&r.headers, "proxy-authentication-info"),
        optional_www_authenticate: lines(&r.headers, "optional-www-authenticate"),
        informational_info: r
            .informational
            .iter()
            .map(|ls| ls.iter().map(String::as_str).collect())
            .collect(),
        tls_server_end_point: end_point,
        body: Some(&r.body),
    }
}

/// True when the credentials `value` are of `scheme` (case-insensitive token, RFC 9110
/// section 11.1).
fn has_scheme(value: &str, scheme: &str) -> bool {
    value
        .split(' ')
        .next()
        .is_some_and(|s| s.eq_ignore_ascii_case(scheme))
}

/// For a Mutual req-KEX-C1 (RFC 8120 section 4.2: it carries `kc1`), its `algorithm`.
fn kex_algorithm(value: &str) -> Option<String> {
    if !has_scheme(value, "Mutual") || !value.contains("kc1") {
        return None;
    }
    let c = httpauth_headers::parse_credentials(value).ok()?;
    c.value("kc1")?;
    Some(c.value("algorithm").unwrap_or("unknown").to_owned())
}

/// True when a 401 carries a Mutual 401-KEX-S1 (a `ks1` parameter).
fn answers_kex(r: &Response) -> bool {
    let ls = lines(&r.headers, "www-authenticate");
    httpauth_headers::parse_challenges_lines(ls.iter().copied()).is_ok_and(|cs| {
        cs.iter()
            .any(|c| c.is_scheme("Mutual") && c.value("ks1").is_some())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes_and_key_exchanges_are_recognised() {
        assert!(has_scheme("Digest username=\"a\"", "digest"));
        assert!(has_scheme("Basic YTpi", "Basic"));
        assert!(!has_scheme("Basic YTpi", "Digest"));
        assert!(!has_scheme("", "Basic"));
        assert_eq!(
            kex_algorithm(
                "Mutual algorithm=iso-kam3-ec-p256-sha256, validation=host, realm=\"r\", \
                 user=\"alice\", kc1=\"AAAA\""
            )
            .as_deref(),
            Some("iso-kam3-ec-p256-sha256")
        );
        // A req-VFY-C (sid, nc, vkc) is no key exchange; nor is a user called kc1.
        assert_eq!(
            kex_algorithm(
                "Mutual algorithm=iso-kam3-ec-p256-sha256, validation=host, realm=\"r\", \
                 sid=\"AAAA\", nc=1, vkc=\"AAAA\""
            ),
            None
        );
        assert_eq!(
            kex_algorithm("Mutual realm=\"r\", user=\"kc1\", sid=\"AA\""),
            None
        );
        assert_eq!(kex_algorithm("Digest kc1=\"x\""), None);
    }

    #[test]
    fn client_errors_map_to_kinds() {
        let refused = ClientError::CredentialsRefused {
            scheme: "Digest",
            realm: None,
            who: "server",
        };
        assert_eq!(Failure::from(refused).kind, Some(ErrorKind::Auth));
        let bad = ClientError::ServerNotVerified {
            scheme: "Mutual",
            reason: "wrong vks".into(),
        };
        assert_eq!(Failure::from(bad).kind, Some(ErrorKind::ServerNotVerified));
        let p = Failure::from(ClientError::Protocol("x".into()));
        assert_eq!(p.kind, Some(ErrorKind::Protocol));
        assert!(p.drops_connection());
        assert!(!Failure::new(ErrorKind::Auth, "x").drops_connection());
    }
}
