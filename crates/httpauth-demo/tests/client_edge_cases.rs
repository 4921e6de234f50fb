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
        "Digest (SHA-1): no algorithm and qop this client answers",
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
    let (code, out, err) =
        common::client(&["-v", "--basic-over-http", USER[0], USER[1], &url(addr)]);
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

/// `--version` prints the name and version on stdout, exit 0; `--help` lists the options
/// added with the engine rebuild.
#[test]
fn version_and_help_list_the_options() {
    let (code, out, err) = common::client(&["--version"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out.trim(),
        format!("httpauth-client {}", env!("CARGO_PKG_VERSION"))
    );
    let (code, out, _) = common::client(&["--help"]);
    assert_eq!(code, 0);
    for o in [
        "--insecure",
        "--location",
        "--proxy",
        "--proxy-user",
        "--data-binary",
        "--include",
        "--output",
        "--basic-over-http",
        "exit codes:",
    ] {
        assert!(out.contains(o), "{o}: {out}");
    }
    // A usage error: clap's message on stderr, exit 2.
    let (code, out, err) = common::client(&["--auth", "bearer", "http://127.0.0.1:1/"]);
    assert_eq!(code, 2, "{err}");
    assert!(out.is_empty() && err.contains("bearer"), "{err}");
}

/// `-i` prints the status line and header fields before the body; `-o` writes that
/// output to a file instead of stdout.
#[test]
fn include_and_output() {
    let addr = fixed(b"HTTP/1.1 200 OK\r\nX-Test: yes\r\nContent-Length: 2\r\n\r\nok");
    let (code, out, err) = common::client(&["-i", &url(addr)]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("HTTP/1.1 200 OK\r\n"), "{out}");
    assert!(out.contains("\r\nx-test: yes\r\n"), "{out}");
    assert!(out.ends_with("\r\n\r\nok"), "{out}");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("out.txt");
    let (code, out, err) = common::client(&["-o", file.to_str().unwrap(), &url(addr), &url(addr)]);
    assert_eq!(code, 0, "{err}");
    assert!(out.is_empty(), "{out}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "okok");
}

/// What a recording server saw: method, path, Authorization, Cookie.
type Seen = Arc<std::sync::Mutex<Vec<(String, String, Option<String>, Option<String>)>>>;

fn record(seen: &Seen, req: &Req) {
    seen.lock().unwrap().push((
        req.method.clone(),
        req.path.clone(),
        req.header("authorization").map(str::to_owned),
        req.header("cookie").map(str::to_owned),
    ));
}

const ALICE_BASIC: &str = "Basic YWxpY2U6d29uZGVybGFuZA==";

/// `-L`: a same-origin redirect is followed and authenticated (a 302 turns the POST into
/// a GET); a redirect to another origin is followed without the `-u` credentials, nor the
/// caller's `Cookie`, and its 401 is exit 4 saying why. Before: `-L` was an unknown option.
#[test]
fn location_same_origin_authenticated_cross_origin_without_credentials() {
    let other: Seen = Arc::default();
    let o = Arc::clone(&other);
    let b = scripted(Arc::new(move |req: &Req| {
        record(&o, req);
        b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"b\"\r\nContent-Length: 0\r\n\r\n"
            .to_vec()
    }));
    let seen: Seen = Arc::default();
    let s = Arc::clone(&seen);
    let a = scripted(Arc::new(move |req: &Req| {
        record(&s, req);
        let authed = req.header("authorization") == Some(ALICE_BASIC);
        let resp = match (req.path.as_str(), authed) {
            ("/start", _) => "HTTP/1.1 302 Found\r\nLocation: /auth\r\nContent-Length: 0\r\n\r\n".to_owned(),
            ("/auth", true) => "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nauthed".to_owned(),
            ("/away", true) => format!(
                "HTTP/1.1 307 Temporary Redirect\r\nLocation: http://{b}/x\r\nContent-Length: 0\r\n\r\n"
            ),
            _ => "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"a\"\r\nContent-Length: 0\r\n\r\n".to_owned(),
        };
        resp.into_bytes()
    }));
    let base = format!("http://{a}");
    let (code, out, err) = common::client(&[
        "-L",
        "-v",
        "--basic-over-http",
        USER[0],
        USER[1],
        "-d",
        "x=1",
        &format!("{base}/start"),
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "authed", "{err}");
    let got: Vec<(String, String, bool)> = seen
        .lock()
        .unwrap()
        .iter()
        .map(|(m, p, a, _)| (m.clone(), p.clone(), a.is_some()))
        .collect();
    let want = [
        ("POST", "/start", false),
        ("GET", "/auth", false),
        ("GET", "/auth", true),
    ];
    assert_eq!(got.len(), want.len(), "{got:?}");
    for (g, w) in got.iter().zip(want) {
        assert_eq!((g.0.as_str(), g.1.as_str(), g.2), w, "{got:?}");
    }
    // Another origin: nothing of -u, no Cookie; its 401 cannot be answered.
    let (code, out, err) = common::client(&[
        "-L",
        "--basic-over-http",
        USER[0],
        USER[1],
        "-H",
        "Cookie: c=1",
        &format!("{base}/away"),
    ]);
    assert_eq!(code, 4, "{err}");
    assert!(out.is_empty(), "{out}");
    assert!(
        err.contains("authentication required (Basic, realm \"b\")")
            && err.contains(&format!("not to {b} after a redirect")),
        "{err}"
    );
    let at_a = seen.lock().unwrap().clone();
    assert!(
        at_a.iter()
            .any(|(_, p, a, c)| p == "/away" && a.as_deref() == Some(ALICE_BASIC) && c.is_some()),
        "{at_a:?}"
    );
    let at_b = other.lock().unwrap().clone();
    assert_eq!(at_b.len(), 1, "{at_b:?}");
    assert_eq!(at_b[0].1, "/x");
    assert!(at_b[0].2.is_none() && at_b[0].3.is_none(), "{at_b:?}");
}

/// `-x` / `-U` through Debian's squid to a plain-http origin: the proxy's 407 is answered
/// with Digest (the strongest offered) or, with `--auth basic`, Basic; a wrong proxy
/// password is exit 4, none at all exit 4 asking for `-U`. Before: `-x` was unknown.
#[test]
fn proxy_basic_and_digest_through_squid() {
    let Some(squid) = common::squid() else {
        return;
    };
    let origin = scripted(Arc::new(|req: &Req| {
        let body = format!(
            "{} {} {}",
            req.method,
            req.path,
            req.header("proxy-authorization").is_some()
        );
        format!(
            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .into_bytes()
    }));
    let proxy = format!("http://127.0.0.1:{}", squid.port());
    let target = format!("{}/through?q=1", url(origin));
    for (auth, scheme) in [("any", "Digest"), ("basic", "Basic")] {
        let (code, out, err) = common::client(&[
            "-v",
            "--auth",
            auth,
            "-x",
            &proxy,
            "-U",
            "alice:wonderland",
            &target,
        ]);
        assert_eq!(code, 0, "{scheme}: {err}");
        // The origin got the request in origin form, without the proxy's credentials.
        assert_eq!(out, "GET /p/through?q=1 false", "{scheme}: {err}");
        assert!(
            err.contains(&format!("> GET {target}"))
                && err.contains(&format!("* proxy: answering with {scheme}")),
            "{scheme}: {err}"
        );
    }
    let (code, _, err) = common::client(&["-x", &proxy, "-U", "alice:nope", &target]);
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("the proxy refused"), "{err}");
    let (code, _, err) = common::client(&["-x", &proxy, &target]);
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("give -U USER"), "{err}");
}
