//! `httpauth-client` against a tiny scripted 127.0.0.1 server that sends the RFC 8120 edge
//! cases of issue 15: a 401-KEX-S1 with `time=0` or `nc-max=0`, the vks in a
//! `100 Continue`, a non-ASCII realm (UTF-8, `realm*`, not UTF-8), a server that offers
//! nothing usable, and an empty password. The Mutual messages come from mutual-core's
//! server engine, in process, so every vks is the right one unless a test spoils it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use httpauth_core::{
    AuthScheme, CredentialQuery, CredentialStore, Outcome, RequestContext, StoredCredential,
};
use mutual_core::server::{MutualServer, ServerConfig};
use std::io::{Read as _, Write as _};
use std::sync::Arc;

/// One request as the scripted server read it.
struct Req {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
}

impl Req {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

type Handler = dyn Fn(&Req) -> Vec<u8> + Send + Sync;

/// A keep-alive HTTP/1.1 server on 127.0.0.1 that answers every request with `handler`'s
/// raw bytes (status line, headers and body, 1xx responses included).
fn scripted(handler: Arc<Handler>) -> std::net::SocketAddr {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    std::thread::spawn(move || {
        for s in l.incoming() {
            let Ok(mut s) = s else { return };
            let handler = Arc::clone(&handler);
            std::thread::spawn(move || {
                s.set_read_timeout(Some(std::time::Duration::from_secs(10)))
                    .unwrap();
                let mut buf = Vec::new();
                loop {
                    let end = loop {
                        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                            break i + 4;
                        }
                        let mut chunk = [0u8; 4096];
                        match s.read(&mut chunk) {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                    };
                    let head = String::from_utf8_lossy(&buf[..end]).into_owned();
                    let mut lines = head.split("\r\n");
                    let mut rl = lines.next().unwrap().split(' ');
                    let method = rl.next().unwrap().to_owned();
                    let path = rl.next().unwrap().to_owned();
                    let headers: Vec<(String, String)> = lines
                        .filter_map(|l| l.split_once(':'))
                        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
                        .collect();
                    let req = Req {
                        method,
                        path,
                        headers,
                    };
                    let len: usize = req
                        .header("content-length")
                        .and_then(|v| v.parse().ok())
                        .unwrap_or(0);
                    while buf.len() < end + len {
                        let mut chunk = [0u8; 4096];
                        match s.read(&mut chunk) {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                    }
                    buf.drain(..end + len);
                    if s.write_all(&handler(&req)).is_err() {
                        return;
                    }
                }
            });
        }
    });
    addr
}

/// Verifiers derived on demand for alice / wonderland, whatever the realm and scope.
struct Alice;

impl CredentialStore for Alice {
    fn lookup(
        &self,
        user: &str,
        query: CredentialQuery<'_>,
    ) -> Result<Option<StoredCredential>, httpauth_core::Error> {
        let CredentialQuery::MutualVerifier {
            algorithm,
            auth_scope,
            realm,
        } = query
        else {
            return Ok(None);
        };
        if user != "alice" {
            return Ok(None);
        }
        let j =
            mutual_core::derive_verifier(algorithm, auth_scope, realm, user, "wonderland").unwrap();
        let alg = mutual_core::algorithm_by_token(algorithm).unwrap();
        Ok(Some(StoredCredential::MutualVerifier(
            mutual_core::kam3::decode_verifier(alg, &j).unwrap(),
        )))
    }
}

/// Where the scripted Mutual server puts the Authentication-Info of a 200-VFY-S.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Vfy {
    /// In the final 200.
    Final,
    /// In a `100 Continue` before a bare final 200 (RFC 8120 section 4.5).
    In100,
    /// As `In100`, with one hex digit of vks changed.
    In100Wrong,
}

fn spoil_vks(info: &str) -> String {
    let i = info.find("vks=").unwrap() + 4;
    let i = i + usize::from(info.as_bytes()[i] == b'"');
    let c = if info.as_bytes()[i] == b'0' { "1" } else { "0" };
    format!("{}{c}{}", &info[..i], &info[i + 1..])
}

/// A Mutual server (mutual-core's engine) behind the scripted transport; `kex_s1` rewrites
/// the WWW-Authenticate value of each 401-KEX-S1.
fn mutual_server(
    config: ServerConfig,
    kex_s1: fn(String) -> String,
    vfy: Vfy,
) -> std::net::SocketAddr {
    let server = MutualServer::new(config, Arc::new(Alice));
    scripted(Arc::new(move |req: &Req| {
        let host = req.header("host").unwrap_or("127.0.0.1").to_owned();
        let ctx = RequestContext::new(&req.method, &req.path, "http", &host);
        let challenge = |cs: &[httpauth_core::Challenge]| {
            format!(
                "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: {}\r\nContent-Length: 0\r\n\r\n",
                httpauth_headers::format_challenges(cs)
            )
        };
        let Some(a) = req.header("authorization") else {
            return challenge(&server.challenges(&ctx)).into_bytes();
        };
        let creds = httpauth_headers::parse_credentials(a).unwrap();
        match server.authenticate(&ctx, &creds) {
            Outcome::Authenticated { info, .. } => {
                let info = httpauth_headers::format_authentication_info(&info);
                match vfy {
                    Vfy::Final => format!(
                        "HTTP/1.1 200 OK\r\nAuthentication-Info: {info}\r\nContent-Length: 2\r\n\r\nok"
                    ),
                    Vfy::In100 | Vfy::In100Wrong => {
                        let info = if vfy == Vfy::In100Wrong {
                            spoil_vks(&info)
                        } else {
                            info
                        };
                        format!(
                            "HTTP/1.1 100 Continue\r\nAuthentication-Info: {info}\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
                        )
                    }
                }
                .into_bytes()
            }
            Outcome::Continue { challenges } => {
                let w = kex_s1(httpauth_headers::format_challenges(&challenges));
                format!(
                    "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: {w}\r\nContent-Length: 0\r\n\r\n"
                )
                .into_bytes()
            }
            Outcome::Failed(f) => {
                let cs = if f.challenges().is_empty() {
                    server.challenges(&ctx)
                } else {
                    f.challenges().to_vec()
                };
                challenge(&cs).into_bytes()
            }
            _ => b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n".to_vec(),
        }
    }))
}

/// Replaces the integer value of `name=` in a challenge.
fn set_param(w: &str, name: &str, value: &str) -> String {
    let start = w.find(&format!("{name}=")).unwrap() + name.len() + 1;
    let end = w[start..]
        .find(|c: char| !c.is_ascii_digit())
        .map_or(w.len(), |i| start + i);
    format!("{}{value}{}", &w[..start], &w[end..])
}

fn keep(w: String) -> String {
    w
}

fn url(addr: std::net::SocketAddr) -> String {
    format!("http://{addr}/p")
}

const USER: [&str; 2] = ["-u", "alice:wonderland"];

/// RFC 8120 section 4.3 (`time` is a reuse hint) and section 10.2 step 10 (req-VFY-C
/// after 401-KEX-S1, unconditionally). Before: exit 3, "mutual: session exhausted".
#[test]
fn kex_s1_time_0_completes() {
    let addr = mutual_server(
        ServerConfig::new("edge"),
        |w| set_param(&w, "time", "0"),
        Vfy::Final,
    );
    let u = url(addr);
    let (code, out, err) = common::client(&["-v", USER[0], USER[1], &u, &u]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "okok", "{err}");
    assert!(err.contains("time=0"), "{err}");
    // The session is not reused for the second URL: a second key exchange.
    assert_eq!(err.matches("sending req-KEX-C1").count(), 2, "{err}");
    assert!(!err.contains("reusing the session"), "{err}");
}

/// RFC 8120 sections 6 and 11: nc counts from 0; with `nc-max=0` the first req-VFY-C
/// uses nc=0. Before: exit 3, "mutual: session exhausted", no req-VFY-C sent.
#[test]
fn kex_s1_nc_max_0_completes_with_nc_0() {
    let addr = mutual_server(ServerConfig::new("edge").with_nc(0, 128), keep, Vfy::Final);
    let (code, out, err) = common::client(&["-v", USER[0], USER[1], &url(addr)]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "ok");
    assert!(err.contains("nc-max=0") && err.contains("nc=0"), "{err}");
}

/// RFC 8120 section 4.5: the vks in a `100 Continue`, the final 200 without
/// Authentication-Info. Before: exit 5, "the server failed Mutual verification".
#[test]
fn vks_in_100_continue_is_verified() {
    let addr = mutual_server(ServerConfig::new("edge"), keep, Vfy::In100);
    let u = url(addr);
    let (code, out, err) = common::client(&["-v", USER[0], USER[1], "-d", "x=1", &u, &u]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "okok", "{err}");
    assert!(err.contains("< 100 (informational)"), "{err}");
    assert!(
        err.contains("server verified (vks) in a 1xx response"),
        "{err}"
    );
    // The session verified in the 100 is reused for the second URL.
    assert!(err.contains("reusing the session"), "{err}");
}

/// A wrong vks in the `100 Continue` is a verification failure: exit 5, no body.
#[test]
fn wrong_vks_in_100_continue_exits_5() {
    let addr = mutual_server(ServerConfig::new("edge"), keep, Vfy::In100Wrong);
    let (code, out, err) = common::client(&[USER[0], USER[1], "-d", "x=1", &url(addr)]);
    assert_eq!(code, 5, "{err}");
    assert!(out.is_empty(), "{out}");
    assert!(err.contains("failed Mutual verification"), "{err}");
}

/// A UTF-8 realm in a quoted-string (RFC 8120 sections 3.2.2 and 4.1) is answered.
/// Before: the header value was dropped as not visible ASCII, exit 4 "no usable
/// challenge" and nothing in `-v`.
#[test]
fn utf8_realm_is_answered() {
    let addr = mutual_server(ServerConfig::new("R\u{e9}alm \u{3042}"), keep, Vfy::Final);
    let (code, out, err) = common::client(&["-v", USER[0], USER[1], &url(addr)]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "ok");
    assert!(err.contains("realm \"R\u{e9}alm \u{3042}\""), "{err}");
}

fn fixed(response: &'static [u8]) -> std::net::SocketAddr {
    scripted(Arc::new(move |_: &Req| response.to_vec()))
}

const INIT_HOST: &str =
    "Mutual version=1, algorithm=iso-kam3-ec-p256-sha256, validation=host, reason=initial";

/// RFC 8120 section 3.1 forbids `realm*`: the challenge is not used, and `-v` and the
/// error say why. Before: exit 4 "no usable challenge", nothing in `-v`.
#[test]
fn realm_star_is_refused_with_the_reason() {
    let resp = format!(
        "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: {INIT_HOST}, realm*=UTF-8''R%C3%A9alm\r\nContent-Length: 0\r\n\r\n"
    );
    let addr = fixed(Box::leak(resp.into_bytes().into_boxed_slice()));
    let (code, _, err) = common::client(&["-v", USER[0], USER[1], &url(addr)]);
    assert_eq!(code, 7, "{err}");
    assert!(
        err.contains("* mutual: skipping a challenge: Mutual realm \"R\u{e9}alm\"")
            && err.contains("realm*"),
        "{err}"
    );
}

/// A realm in Latin-1 octets is not UTF-8 (RFC 8120 section 3.2.2): dropped, and said so.
#[test]
fn non_utf8_realm_is_dropped_with_the_reason() {
    let mut resp = format!("HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: {INIT_HOST}, realm=\"R")
        .into_bytes();
    resp.extend_from_slice(b"\xe9alm\"\r\nContent-Length: 0\r\n\r\n");
    let addr = fixed(Box::leak(resp.into_boxed_slice()));
    let (code, _, err) = common::client(&["-v", USER[0], USER[1], &url(addr)]);
    assert_eq!(code, 7, "{err}");
    assert!(
        err.contains("* ignoring a www-authenticate line that is not UTF-8"),
        "{err}"
    );
}

/// A server whose every challenge is unusable: exit 7, and the message says what was
/// offered and what is missing, never "wrong user name or password". Before: exit 4,
/// "authentication required (Mutual)".
#[test]
fn nothing_usable_names_the_offer() {
    let addr = fixed(
        b"HTTP/1.1 401 Unauthorized\r\n\
          WWW-Authenticate: Mutual version=1, algorithm=iso-kam3-ec-p256-sha256, validation=tls-server-end-point, realm=\"t\", reason=initial\r\n\
          WWW-Authenticate: Digest realm=\"d\", nonce=\"n\", algorithm=SHA-1, qop=\"auth\"\r\n\
          WWW-Authenticate: Bearer realm=\"b\"\r\n\
          Content-Length: 0\r\n\r\n",
    );
    let (code, _, err) = common::client(&[USER[0], USER[1], &url(addr)]);
    assert_eq!(code, 7, "{err}");
    for needle in [
        "validation=tls-server-end-point offered where validation=host is required",
        "Digest algorithm SHA-1",
        "Bearer: scheme not supported",
    ] {
        assert!(err.contains(needle), "{needle}: {err}");
    }
    assert!(!err.contains("wrong user name or password"), "{err}");
}

/// Without -u, a server that offers no scheme the client speaks is still "nothing
/// usable" (exit 7, naming the offer), not "give -u USER" (exit 4); a 401 with no
/// challenge at all too.
#[test]
fn nothing_usable_without_a_user_is_exit_7() {
    let addr = fixed(
        b"HTTP/1.1 401 Unauthorized\r\n\
          WWW-Authenticate: Bearer realm=\"b\"\r\n\
          WWW-Authenticate: Negotiate\r\n\
          Content-Length: 0\r\n\r\n",
    );
    let (code, _, err) = common::client(&[&url(addr)]);
    assert_eq!(code, 7, "{err}");
    assert!(err.contains("Bearer, Negotiate"), "{err}");
    assert!(!err.contains("give -u"), "{err}");
    let bare = fixed(b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n");
    let (code, _, err) = common::client(&[&url(bare)]);
    assert_eq!(code, 7, "{err}");
    assert!(err.contains("no challenge at all"), "{err}");
}

/// An unusable Mutual challenge does not hide a usable Basic one. Before: exit 4
/// "authentication required (Mutual)" without trying Basic.
#[test]
fn unusable_mutual_falls_back_to_basic() {
    let addr = scripted(Arc::new(|req: &Req| {
        if req
            .header("authorization")
            .is_some_and(|a| a.starts_with("Basic "))
        {
            return b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".to_vec();
        }
        b"HTTP/1.1 401 Unauthorized\r\n\
          WWW-Authenticate: Mutual version=1, algorithm=iso-kam3-ec-p256-sha256, validation=tls-server-end-point, realm=\"t\", reason=initial\r\n\
          WWW-Authenticate: Basic realm=\"b\"\r\n\
          Content-Length: 0\r\n\r\n"
            .to_vec()
    }));
    let (code, out, err) = common::client(&["-v", USER[0], USER[1], &url(addr)]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "ok");
    assert!(err.contains("* basic: sending credentials"), "{err}");
}

/// An empty password is refused locally (RFC 8265 OpaqueString, RFC 8120 section 9): a
/// usage error, exit 2, and nothing is sent. Before: exit 3, reported as a network error.
#[test]
fn empty_password_is_a_usage_error() {
    let resp = format!(
        "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: {INIT_HOST}, realm=\"r\"\r\nContent-Length: 0\r\n\r\n"
    );
    let addr = fixed(Box::leak(resp.into_bytes().into_boxed_slice()));
    let (code, _, err) = common::client(&["-v", "-u", "alice:", &url(addr)]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("refused before sending"), "{err}");
    assert!(!err.contains("> Authorization"), "{err}");
}

/// `--help` documents every exit code.
#[test]
fn help_documents_exit_codes() {
    let (code, out, _) = common::client(&["--help"]);
    assert_eq!(code, 0);
    for c in [
        "0  ok",
        "2  usage",
        "3  network",
        "4  authentication required",
        "5  server verification failed",
        "6  other HTTP error",
        "7  no usable challenge",
        "8  protocol error",
    ] {
        assert!(out.contains(c), "{c}: {out}");
    }
}
