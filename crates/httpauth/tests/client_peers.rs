//! The real peers of `support/peers.rs` (Squid with Basic or Digest proxy
//! authentication, Apache httpd with mod_auth_digest and mod_auth_basic, a tiny origin),
//! proven with curl as the client (and Python `requests` for nonce reuse), before the
//! crate's own client is tested against them.
//!
//! Nothing is skipped: without squid, apache2, apache2-utils, curl, python3 or
//! python3-requests the tests fail and name the package (CI installs them).
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/peers.rs"]
mod peers;

use peers::{
    APACHE_BASIC_REALM, APACHE_DIGEST_REALM, APACHE_HELLO, APACHE_PASSWORD, APACHE_USER, Apache,
    ORIGIN_BODY, Origin, PROXY_PASSWORD, PROXY_REALM, PROXY_USER, ProxyAuth, Squid,
};
use std::process::Command;

/// One curl run: the final status, the body, and the header fields of the final response
/// (lower-cased names).
struct Reply {
    status: u16,
    body: String,
    fields: Vec<(String, String)>,
    /// Every response head curl saw (a 401 or 407 before the final answer).
    heads: String,
}

impl Reply {
    fn field(&self, name: &str) -> Vec<&str> {
        self.fields
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

fn curl(args: &[&str]) -> Reply {
    httpauth_test_kit::must_have("curl");
    let dir = tempfile::tempdir().unwrap();
    let headers = dir.path().join("headers");
    let out = Command::new("curl")
        .args(["-s", "-S", "--max-time", "20", "-w", "\n%{http_code}", "-D"])
        .arg(&headers)
        .args(args)
        .output()
        .expect("run curl");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (body, code) = text.rsplit_once('\n').unwrap_or(("", "0"));
    let heads = std::fs::read_to_string(&headers).unwrap_or_default();
    // The last head: after the last status line.
    let last = heads.rfind("HTTP/").map_or(heads.as_str(), |i| &heads[i..]);
    let fields = last
        .lines()
        .skip(1)
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    Reply {
        status: code.trim().parse().unwrap_or(0),
        body: body.to_owned(),
        fields,
        heads,
    }
}

fn proxy_credentials() -> String {
    format!("{PROXY_USER}:{PROXY_PASSWORD}")
}

fn apache_credentials() -> String {
    format!("{APACHE_USER}:{APACHE_PASSWORD}")
}

/// curl through Squid with `--proxy-basic` or `--proxy-digest`: right password 200 from
/// the origin (logged by Squid under the user), wrong password 407 with a challenge of
/// the scheme.
fn through_squid(auth: ProxyAuth, flag: &str, scheme: &str) {
    let squid = Squid::start(auth);
    let origin = Origin::start();
    let good = proxy_credentials();
    let ok = curl(&["-x", &squid.url(), flag, "-U", &good, &origin.url("/ok")]);
    assert_eq!(ok.status, 200, "{}\n{}", ok.heads, squid.cache_log());
    assert_eq!(ok.body, ORIGIN_BODY);
    let requests = origin.requests();
    assert_eq!(requests.len(), 1, "{requests:?}");
    assert!(
        requests[0].starts_with("GET /ok HTTP/1.1\r\n"),
        "{requests:?}"
    );
    assert!(
        !requests[0]
            .to_ascii_lowercase()
            .contains("proxy-authorization"),
        "Squid forwarded the proxy credentials: {requests:?}"
    );

    let bad = format!("{PROXY_USER}:not-the-password");
    let denied = curl(&["-x", &squid.url(), flag, "-U", &bad, &origin.url("/no")]);
    assert_eq!(denied.status, 407, "{}", denied.heads);
    let challenges = denied.field("proxy-authenticate");
    assert!(
        challenges
            .iter()
            .any(|c| c.starts_with(scheme) && c.contains(&format!("realm=\"{PROXY_REALM}\""))),
        "{challenges:?}"
    );
    assert_eq!(
        origin.requests().len(),
        1,
        "the denied request reached the origin"
    );

    // Without credentials: a 407 of the same scheme, no other.
    let none = curl(&["-x", &squid.url(), &origin.url("/none")]);
    assert_eq!(none.status, 407, "{}", none.heads);
    let challenges = none.field("proxy-authenticate");
    assert_eq!(challenges.len(), 1, "{challenges:?}");
    assert!(challenges[0].starts_with(scheme), "{challenges:?}");

    // Squid's log: the accepted request under the user's name, once.
    let ok_url = origin.url("/ok");
    let accepted = |log: &str| -> Vec<Vec<String>> {
        log.lines()
            .map(|l| l.split_whitespace().map(str::to_owned).collect::<Vec<_>>())
            .filter(|f| f.len() > 7 && f[6] == ok_url && f[3].ends_with("/200"))
            .collect()
    };
    let log = squid.log_until(|log| !accepted(log).is_empty());
    let lines = accepted(&log);
    assert_eq!(lines.len(), 1, "{log}");
    assert_eq!(lines[0][7], PROXY_USER, "{log}");
}

#[test]
fn squid_basic_proxy_authentication_with_curl() {
    through_squid(ProxyAuth::Basic, "--proxy-basic", "Basic ");
}

#[test]
fn squid_digest_proxy_authentication_with_curl() {
    through_squid(ProxyAuth::Digest, "--proxy-digest", "Digest ");
}

#[test]
fn apache_digest_with_curl() {
    let apache = Apache::start_digest();
    let url = apache.url("/digest/hello.txt");
    let good = apache_credentials();
    let ok = curl(&["--digest", "-u", &good, &url]);
    assert_eq!(ok.status, 200, "{}\n{}", ok.heads, apache.error_log());
    assert_eq!(ok.body, APACHE_HELLO);
    let info = ok.field("authentication-info");
    assert!(
        info.len() == 1 && info[0].contains("rspauth=") && info[0].contains("qop=auth"),
        "{}",
        ok.heads
    );
    // The challenge curl answered.
    assert!(ok.heads.starts_with("HTTP/1.1 401"), "{}", ok.heads);
    assert!(
        ok.heads
            .contains(&format!("realm=\"{APACHE_DIGEST_REALM}\"")),
        "{}",
        ok.heads
    );

    let bad = format!("{APACHE_USER}:not-the-password");
    let denied = curl(&["--digest", "-u", &bad, &url]);
    assert_eq!(denied.status, 401, "{}", denied.heads);
    let challenges = denied.field("www-authenticate");
    assert!(
        challenges.iter().any(|c| c.starts_with("Digest ")
            && c.contains(&format!("realm=\"{APACHE_DIGEST_REALM}\""))
            && c.contains("domain=\"/digest/\"")),
        "{challenges:?}"
    );

    // 401, 200, 401, 401: only the accepted request carries the user.
    let log = apache.access_log_until(|log| log.lines().count() >= 4);
    let lines: Vec<&str> = log.lines().collect();
    assert_eq!(lines.len(), 4, "{log}");
    assert_eq!(
        lines
            .iter()
            .filter(|l| l.starts_with(&format!("{APACHE_USER} ")) && l.ends_with(" 200"))
            .count(),
        1,
        "{log}"
    );
    assert_eq!(
        lines.iter().filter(|l| l.ends_with(" 401")).count(),
        3,
        "{log}"
    );
}

#[test]
fn apache_basic_open_and_redirect_with_curl() {
    let apache = Apache::start_digest();
    let good = apache_credentials();
    let ok = curl(&["--basic", "-u", &good, &apache.url("/basic/hello.txt")]);
    assert_eq!(ok.status, 200, "{}\n{}", ok.heads, apache.error_log());
    assert_eq!(ok.body, APACHE_HELLO);

    let bad = format!("{APACHE_USER}:not-the-password");
    let denied = curl(&["--basic", "-u", &bad, &apache.url("/basic/hello.txt")]);
    assert_eq!(denied.status, 401, "{}", denied.heads);
    assert_eq!(
        denied.field("www-authenticate"),
        [format!("Basic realm=\"{APACHE_BASIC_REALM}\"")],
        "{}",
        denied.heads
    );

    let open = curl(&[&apache.url("/open/hello.txt")]);
    assert_eq!(open.status, 200, "{}", open.heads);
    assert_eq!(open.body, APACHE_HELLO);

    let redirect = curl(&[&apache.url("/open/redirect")]);
    assert_eq!(redirect.status, 302, "{}", redirect.heads);
    assert_eq!(
        redirect.field("location"),
        [apache.url("/digest/hello.txt")],
        "{}",
        redirect.heads
    );

    // Following the redirect into the Digest location.
    let followed = curl(&["-L", "--digest", "-u", &good, &apache.url("/open/redirect")]);
    assert_eq!(followed.status, 200, "{}", followed.heads);
    assert_eq!(followed.body, APACHE_HELLO);

    let log = apache.access_log_until(|log| log.lines().count() >= 7);
    assert!(
        log.lines()
            .any(|l| l == format!("{APACHE_USER} \"GET /basic/hello.txt HTTP/1.1\" 200")),
        "{log}"
    );
    assert!(
        log.lines()
            .any(|l| l == "- \"GET /open/redirect HTTP/1.1\" 302"),
        "{log}"
    );
}

/// Both peers at once: curl through Squid (Digest) to Apache's Digest location, proxy
/// and origin credentials in the same request.
#[test]
fn squid_digest_in_front_of_apache_digest_with_curl() {
    let (squid, apache) = std::thread::scope(|s| {
        let squid = s.spawn(|| Squid::start(ProxyAuth::Digest));
        let apache = Apache::start_digest();
        (squid.join().unwrap(), apache)
    });
    let (proxy, origin) = (proxy_credentials(), apache_credentials());
    let url = apache.url("/digest/hello.txt");
    let ok = curl(&[
        "-x",
        &squid.url(),
        "--proxy-digest",
        "-U",
        &proxy,
        "--digest",
        "-u",
        &origin,
        &url,
    ]);
    assert_eq!(ok.status, 200, "{}", ok.heads);
    assert_eq!(ok.body, APACHE_HELLO);
    assert_eq!(ok.field("authentication-info").len(), 1, "{}", ok.heads);
    let log = apache.access_log_until(|log| log.lines().count() >= 2);
    assert!(
        log.lines()
            .any(|l| l == format!("{APACHE_USER} \"GET /digest/hello.txt HTTP/1.1\" 200")),
        "{log}"
    );
    assert!(
        squid
            .log_until(|log| log.contains(&url))
            .lines()
            .any(|l| l.contains(&url) && l.split_whitespace().nth(7) == Some(PROXY_USER)),
        "{}",
        squid.log()
    );
}

/// Apache's default nonce lifetime (300 s) lets a client reuse a nonce. curl starts
/// every URL afresh, so the client here is Python `requests`, whose `HTTPDigestAuth`
/// answers the next request of a session with the last nonce and `nc=00000002`,
/// unchallenged.
#[test]
fn apache_digest_nonce_reuse_with_python_requests() {
    httpauth_test_kit::must_have("python3");
    let ok = Command::new("python3")
        .args(["-c", "import requests"])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok,
        "python3 `requests` is not installed: apt-get install python3-requests"
    );
    let apache = Apache::start_digest();
    let script = r#"
import sys, requests
from requests.auth import HTTPDigestAuth
url, user, pw = sys.argv[1:4]
s = requests.Session()
s.auth = HTTPDigestAuth(user, pw)
for _ in range(2):
    r = s.get(url, timeout=20)
    print(r.status_code, r.headers.get("Authentication-Info", ""))
"#;
    let out = Command::new("python3")
        .args(["-c", script, &apache.url("/digest/hello.txt")])
        .args([APACHE_USER, APACHE_PASSWORD])
        .output()
        .expect("run python3");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(
        lines
            .iter()
            .all(|l| l.starts_with("200 ") && l.contains("rspauth=")),
        "{text}"
    );
    let log = apache.access_log_until(|log| log.lines().count() >= 3);
    let statuses: Vec<&str> = log.lines().filter_map(|l| l.rsplit(' ').next()).collect();
    assert_eq!(
        statuses,
        ["401", "200", "200"],
        "{log}\n{}",
        apache.error_log()
    );
}

// ---------------------------------------------------------------------------------------
// The crate's own client (the reqwest middleware) against the same peers

use httpauth::client::reqwest::AuthMiddleware;
use httpauth::client::{AuthClient, ClientError};
use httpauth_core::Password;

fn block_on<F: Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

/// reqwest (rustls with ring; reqwest's redirects off) with the middleware over `auth`,
/// through `proxy` when given.
fn middleware_client(
    auth: AuthClient,
    proxy: Option<&str>,
) -> reqwest_middleware::ClientWithMiddleware {
    let tls = rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(rustls::RootCertStore::empty())
    .with_no_client_auth();
    let mut b = reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy();
    if let Some(p) = proxy {
        b = b.proxy(reqwest::Proxy::http(p).unwrap());
    }
    reqwest_middleware::ClientBuilder::new(b.build().unwrap())
        .with(AuthMiddleware::new(auth))
        .build()
}

async fn fetch(
    c: &reqwest_middleware::ClientWithMiddleware,
    url: &str,
) -> Result<(u16, String), ClientError> {
    match c.get(url).send().await {
        Ok(r) => Ok((r.status().as_u16(), r.text().await.unwrap())),
        Err(reqwest_middleware::Error::Middleware(e)) => Err(e.downcast::<ClientError>().unwrap()),
        Err(e) => panic!("transport: {e}"),
    }
}

/// Apache httpd's mod_auth_digest (MD5, qop=auth, the user file written by Apache's
/// `htdigest`): the middleware answers the first 401, verifies `rspauth` on every 200
/// (a wrong one would be an error), and reuses the nonce: four requests (two URLs, and a
/// same-origin redirect into the protected area) cost one 401.
#[test]
fn middleware_against_apache_mod_auth_digest() {
    let apache = Apache::start_digest();
    let c = middleware_client(
        AuthClient::new(APACHE_USER, Password::from(APACHE_PASSWORD)),
        None,
    );
    block_on(async {
        for path in ["/digest/hello.txt", "/digest/hello.txt", "/open/redirect"] {
            assert_eq!(
                fetch(&c, &apache.url(path)).await.unwrap(),
                (200, APACHE_HELLO.to_owned()),
                "{path}"
            );
        }
        let wrong = middleware_client(
            AuthClient::new(APACHE_USER, Password::from("not-the-password")),
            None,
        );
        match fetch(&wrong, &apache.url("/digest/hello.txt")).await {
            Err(ClientError::CredentialsRefused {
                scheme: "Digest",
                realm,
                ..
            }) => assert_eq!(realm.as_deref(), Some(APACHE_DIGEST_REALM)),
            other => panic!("{other:?}"),
        }
    });
    // 401 once, then 200 for each protected request (the redirect itself is logged as 302).
    let log = apache.access_log_until(|l| l.lines().filter(|x| x.ends_with(" 200")).count() >= 3);
    let mine: Vec<&str> = log
        .lines()
        .filter(|l| !l.contains("not-the-password"))
        .take(5)
        .collect();
    let statuses: Vec<&str> = mine.iter().filter_map(|l| l.rsplit(' ').next()).collect();
    assert_eq!(statuses, ["401", "200", "200", "302", "200"], "{log}");
    assert!(mine[1].starts_with(APACHE_USER), "{log}");
}

/// Through Debian's Squid demanding Basic, then Digest, proxy authentication, to a plain
/// origin: the 407 is answered with `Proxy-Authorization` from the proxy login, Squid
/// logs the user, and the origin never sees the proxy's credentials. A wrong proxy
/// password is `CredentialsRefused` from the proxy.
#[test]
fn middleware_through_squid_basic_and_digest() {
    for auth in [ProxyAuth::Basic, ProxyAuth::Digest] {
        let squid = Squid::start(auth);
        let origin = Origin::start();
        let client = AuthClient::builder()
            .proxy_login(PROXY_USER, Password::from(PROXY_PASSWORD))
            .build();
        let c = middleware_client(client, Some(&squid.url()));
        block_on(async {
            for _ in 0..2 {
                assert_eq!(
                    fetch(&c, &origin.url("/via-proxy")).await.unwrap(),
                    (200, ORIGIN_BODY.to_owned()),
                    "{auth:?}"
                );
            }
            let wrong = middleware_client(
                AuthClient::builder()
                    .proxy_login(PROXY_USER, Password::from("nope"))
                    .build(),
                Some(&squid.url()),
            );
            match fetch(&wrong, &origin.url("/denied")).await {
                Err(ClientError::CredentialsRefused { who: "proxy", .. }) => {}
                other => panic!("{auth:?}: {other:?}"),
            }
        });
        let requests = origin.requests();
        assert_eq!(requests.len(), 2, "{auth:?}: {requests:?}");
        for r in &requests {
            assert!(
                !r.to_ascii_lowercase().contains("authorization"),
                "{auth:?}: {r}"
            );
        }
        let log = squid.log_until(|l| l.contains(&format!(" {PROXY_USER} ")));
        assert!(log.contains("/via-proxy"), "{log}");
    }
}

/// Squid demanding Digest in front of Apache demanding Digest: one request carries both
/// `Proxy-Authorization` (proxy login) and `Authorization` (origin login), each answered
/// from its own challenge; Apache's `rspauth` is verified.
#[test]
fn middleware_through_squid_digest_to_apache_digest() {
    let squid = Squid::start(ProxyAuth::Digest);
    let apache = Apache::start_digest();
    let client = AuthClient::builder()
        .login(APACHE_USER, Password::from(APACHE_PASSWORD))
        .proxy_login(PROXY_USER, Password::from(PROXY_PASSWORD))
        .build();
    let c = middleware_client(client, Some(&squid.url()));
    block_on(async {
        for _ in 0..2 {
            assert_eq!(
                fetch(&c, &apache.url("/digest/hello.txt")).await.unwrap(),
                (200, APACHE_HELLO.to_owned())
            );
        }
    });
    let log = apache.access_log_until(|l| l.lines().filter(|x| x.ends_with(" 200")).count() >= 2);
    assert!(
        log.lines()
            .any(|l| l.starts_with(APACHE_USER) && l.ends_with(" 200")),
        "{log}"
    );
}
