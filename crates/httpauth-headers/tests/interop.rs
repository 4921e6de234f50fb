//! Interoperability with real peers: curl, Python `requests` and Apache httpd
//! (`apache2`, `htpasswd` from apache2-utils).
//!
//! - curl and `requests` send Basic and Digest credentials to a small loopback server
//!   that challenges them with values this crate formats; this crate parses what they send
//!   (they accept our challenges, we accept their credentials);
//! - Apache httpd challenges (Basic and Digest) are parsed, and Basic credentials this
//!   crate encodes are accepted by Apache against an `htpasswd` file.
//!
//! Peers missing: the test prints "skipped: <peer> not installed" and passes, except with
//! `CI=true`, where it fails. Servers bind 127.0.0.1 on free ports, use temporary
//! directories, are killed on drop, and every wait is bounded.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use httpauth_core::{AuthParam, Challenge};
use httpauth_headers::{basic, format_challenge, parse_challenges_lines, parse_credentials};
use httpauth_test_kit::require_peer;

const TIMEOUT: Duration = Duration::from_secs(15);

fn have_curl() -> bool {
    require_peer("/usr/bin/curl")
}

fn have_python_requests() -> bool {
    require_peer("python3-requests")
}

fn have_apache() -> bool {
    require_peer("apache2") && require_peer("/usr/bin/htpasswd")
}

/// Reads one request head (up to the blank line), bounded to 64 KiB. Returns the header
/// lines, or `None` at end of stream.
fn read_head(r: &mut BufReader<TcpStream>) -> Option<Vec<String>> {
    let mut lines = Vec::new();
    let mut total = 0;
    loop {
        let mut line = String::new();
        let n = r.by_ref().take(8192).read_line(&mut line).ok()?;
        if n == 0 {
            return None;
        }
        total += n;
        assert!(total < 65536, "request head too long");
        let line = line.trim_end_matches(['\r', '\n']).to_owned();
        if line.is_empty() {
            return Some(lines);
        }
        lines.push(line);
    }
}

fn header<'a>(head: &'a [String], name: &str) -> Vec<&'a str> {
    head.iter()
        .filter_map(|l| {
            let (n, v) = l.split_once(':')?;
            n.eq_ignore_ascii_case(name).then(|| v.trim())
        })
        .collect()
}

/// A loopback HTTP server answering the n-th request with `responses[n]` (status and
/// extra header lines; no body), on kept-alive or fresh connections, returning the
/// `Authorization` value of every request it saw. Stops after the last response or
/// after [`TIMEOUT`].
fn serve(responses: Vec<(u16, Vec<String>)>) -> (u16, JoinHandle<Vec<Option<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    listener.set_nonblocking(true).unwrap();
    let handle = std::thread::spawn(move || {
        let deadline = Instant::now() + TIMEOUT;
        let mut seen = Vec::new();
        while seen.len() < responses.len() && Instant::now() < deadline {
            let stream = match listener.accept() {
                Ok((s, _)) => s,
                Err(_) => {
                    std::thread::sleep(Duration::from_millis(10));
                    continue;
                }
            };
            stream.set_nonblocking(false).unwrap();
            stream
                .set_read_timeout(Some(Duration::from_secs(5)))
                .unwrap();
            let mut w = stream.try_clone().unwrap();
            let mut r = BufReader::new(stream);
            while seen.len() < responses.len() {
                let Some(head) = read_head(&mut r) else { break };
                seen.push(
                    header(&head, "authorization")
                        .first()
                        .map(|s| (*s).to_owned()),
                );
                let (status, extra) = &responses[seen.len() - 1];
                let mut resp = format!("HTTP/1.1 {status} X\r\nContent-Length: 0\r\n");
                for h in extra {
                    resp.push_str(h);
                    resp.push_str("\r\n");
                }
                resp.push_str("\r\n");
                if w.write_all(resp.as_bytes()).is_err() {
                    break;
                }
            }
        }
        seen
    });
    (port, handle)
}

/// A Digest challenge formatted by this crate, with a comma and a space in the realm (no
/// quote: `requests` does not escape one when echoing the realm), and the forms RFC 7616
/// asks for (`algorithm` a token, `qop` quoted).
fn digest_challenge() -> Challenge {
    Challenge::new("Digest")
        .unwrap()
        .param(AuthParam::quoted("realm", "test realm, 1").unwrap())
        .unwrap()
        .param(AuthParam::quoted("qop", "auth").unwrap())
        .unwrap()
        .param(AuthParam::token("algorithm", "MD5").unwrap())
        .unwrap()
        .param(AuthParam::quoted("nonce", "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v").unwrap())
        .unwrap()
        .param(AuthParam::quoted("opaque", "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS").unwrap())
        .unwrap()
}

/// Checks the Digest credentials a client built from [`digest_challenge`].
fn check_digest_credentials(value: &str, user: &str, uri: &str) {
    let c = parse_credentials(value).unwrap_or_else(|e| panic!("{value:?}: {e}"));
    assert!(c.is_scheme("digest"), "{value}");
    assert_eq!(c.value("username"), Some(user));
    assert_eq!(c.value("realm"), Some("test realm, 1"));
    assert_eq!(
        c.value("nonce"),
        Some("7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v")
    );
    assert_eq!(
        c.value("opaque"),
        Some("FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS")
    );
    assert_eq!(c.value("uri"), Some(uri));
    assert_eq!(c.value("qop"), Some("auth"));
    assert_eq!(c.value("nc"), Some("00000001"));
    assert!(c.value("cnonce").is_some_and(|v| !v.is_empty()));
    let response = c.value("response").unwrap();
    assert!(
        response.len() == 32 && response.bytes().all(|b| b.is_ascii_hexdigit()),
        "{response}"
    );
    // And what we parsed formats back to something we parse the same.
    assert_eq!(
        parse_credentials(&httpauth_headers::format_credentials(&c)).unwrap(),
        c
    );
}

fn run(cmd: &mut Command) -> std::process::Output {
    let child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?}: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

#[test]
fn curl_basic_credentials_decode() {
    if !have_curl() {
        return;
    }
    for (user, password) in [
        ("Aladdin", "open sesame"),
        ("j\u{f6}rg", "p\u{e4}ss:w\u{f6}rd \u{20ac}"),
    ] {
        let (port, h) = serve(vec![(200, vec![])]);
        run(Command::new("/usr/bin/curl").args([
            "-sS",
            "--max-time",
            "10",
            "-o",
            "/dev/null",
            "-u",
            &format!("{user}:{password}"),
            &format!("http://127.0.0.1:{port}/"),
        ]));
        let seen = h.join().unwrap();
        let value = seen[0].as_deref().expect("curl sent Authorization");
        let (u, p) = basic::decode(&parse_credentials(value).unwrap()).unwrap();
        assert_eq!((u.as_str(), p.expose_secret()), (user, password));
        assert_eq!(
            value,
            basic::encode(user, password).unwrap(),
            "same encoding as curl"
        );
    }
}

#[test]
fn curl_digest_accepts_our_challenge() {
    if !have_curl() {
        return;
    }
    let challenge = format!(
        "WWW-Authenticate: {}",
        format_challenge(&digest_challenge())
    );
    let (port, h) = serve(vec![(401, vec![challenge]), (200, vec![])]);
    let out = run(Command::new("/usr/bin/curl").args([
        "-sS",
        "--max-time",
        "10",
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
        "--digest",
        "-u",
        "Mufasa:Circle of Life",
        &format!("http://127.0.0.1:{port}/dir/index.html"),
    ]));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "200");
    let seen = h.join().unwrap();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0], None);
    check_digest_credentials(seen[1].as_deref().unwrap(), "Mufasa", "/dir/index.html");
}

const PY_CLIENT: &str = r#"
import sys, requests
from requests.auth import HTTPBasicAuth, HTTPDigestAuth
kind, url, user, password = sys.argv[1:5]
auth = HTTPDigestAuth(user, password) if kind == "digest" else HTTPBasicAuth(user, password)
r = requests.get(url, auth=auth, timeout=10)
print(r.status_code)
"#;

#[test]
fn python_requests_digest_and_basic() {
    if !have_python_requests() {
        return;
    }
    let challenge = format!(
        "WWW-Authenticate: {}",
        format_challenge(&digest_challenge())
    );
    let (port, h) = serve(vec![(401, vec![challenge]), (200, vec![])]);
    let out = run(Command::new("/usr/bin/python3").args([
        "-c",
        PY_CLIENT,
        "digest",
        &format!("http://127.0.0.1:{port}/api/x?y=1"),
        "Mufasa",
        "Circle of Life",
    ]));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "200");
    let seen = h.join().unwrap();
    assert_eq!(seen.len(), 2);
    // requests quotes `algorithm` and `qop` (`algorithm="MD5"`): accepted, form recorded.
    let value = seen[1].as_deref().unwrap();
    check_digest_credentials(value, "Mufasa", "/api/x?y=1");

    let (port, h) = serve(vec![(200, vec![])]);
    run(Command::new("/usr/bin/python3").args([
        "-c",
        PY_CLIENT,
        "basic",
        &format!("http://127.0.0.1:{port}/"),
        "Aladdin",
        "open sesame",
    ]));
    let seen = h.join().unwrap();
    let (u, p) = basic::decode(&parse_credentials(seen[0].as_deref().unwrap()).unwrap()).unwrap();
    assert_eq!((u.as_str(), p.expose_secret()), ("Aladdin", "open sesame"));
}

/// Apache httpd (httpauth-test-kit's harness), stopped with its children on drop.
struct Apache(httpauth_test_kit::Apache);

impl Apache {
    fn start(users: &[(&str, &str)]) -> Apache {
        Apache(
            httpauth_test_kit::Apache::builder(&[
                "authn_core",
                "authn_file",
                "authz_core",
                "authz_user",
                "auth_basic",
                "auth_digest",
            ])
            .log_level("warn")
            .start(|site| {
                let d = site.root();
                std::fs::create_dir(d.join("htdocs")).unwrap();
                set_mode(&d.join("htdocs"), 0o755);
                let htpasswd = d.join("htpasswd");
                for (i, (user, password)) in users.iter().enumerate() {
                    let mut cmd = Command::new("/usr/bin/htpasswd");
                    if i == 0 {
                        cmd.arg("-c");
                    }
                    run(cmd.args(["-b", "-B"]).arg(&htpasswd).args([user, password]));
                }
                // Apache's children drop privileges, and must read the password file.
                set_mode(&htpasswd, 0o644);
                std::fs::write(d.join("htdigest"), "").unwrap();
                set_mode(&d.join("htdigest"), 0o644);
                format!(
                    r#"DocumentRoot "{d}/htdocs"
<Location /basic>
  AuthType Basic
  AuthName "Basic realm, with comma"
  AuthBasicProvider file
  AuthUserFile "{d}/htpasswd"
  Require valid-user
</Location>
<Location /digest>
  AuthType Digest
  AuthName "digest realm"
  AuthDigestProvider file
  AuthUserFile "{d}/htdigest"
  Require valid-user
</Location>
"#,
                    d = d.display()
                )
            }),
        )
    }

    /// Sends a GET and returns the status code and the `WWW-Authenticate` lines.
    fn get(&self, path: &str, authorization: Option<&str>) -> (u16, Vec<String>) {
        let mut s = TcpStream::connect(self.0.addr()).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let auth = authorization
            .map(|a| format!("Authorization: {a}\r\n"))
            .unwrap_or_default();
        write!(
            s,
            "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}Connection: close\r\n\r\n"
        )
        .unwrap();
        let mut r = BufReader::new(s);
        let head = read_head(&mut r).unwrap();
        let status = head[0].split(' ').nth(1).unwrap().parse().unwrap();
        let www = header(&head, "www-authenticate")
            .into_iter()
            .map(str::to_owned)
            .collect();
        (status, www)
    }
}

fn set_mode(p: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[test]
fn apache_challenges_parse_and_apache_accepts_our_basic() {
    if !have_apache() {
        return;
    }
    let user_utf8 = ("j\u{f6}rg", "p\u{e4}ssw\u{f6}rd \u{20ac}");
    let apache = Apache::start(&[("aladdin", "open sesame"), user_utf8]);

    let (status, www) = apache.get("/digest/", None);
    assert_eq!(status, 401);
    let cs = parse_challenges_lines(www.iter().map(String::as_str)).unwrap();
    assert_eq!(cs.len(), 1, "{www:?}");
    assert!(cs[0].is_scheme("Digest"));
    assert_eq!(cs[0].value("realm"), Some("digest realm"));
    assert!(
        cs[0].value("nonce").is_some_and(|n| !n.is_empty()),
        "{www:?}"
    );
    assert_eq!(cs[0].value("algorithm"), Some("MD5"));
    assert_eq!(cs[0].value("qop"), Some("auth"));

    let (status, www) = apache.get("/basic/", None);
    assert_eq!(status, 401);
    let cs = parse_challenges_lines(www.iter().map(String::as_str)).unwrap();
    assert!(cs[0].is_scheme("Basic"));
    assert_eq!(cs[0].value("realm"), Some("Basic realm, with comma"));

    for (user, password) in [("aladdin", "open sesame"), user_utf8] {
        let good = basic::encode(user, password).unwrap();
        let (status, _) = apache.get("/basic/", Some(&good));
        assert_ne!(
            status, 401,
            "apache refused our Basic credentials for {user}"
        );
        let bad = basic::encode(user, "wrong").unwrap();
        assert_eq!(apache.get("/basic/", Some(&bad)).0, 401);
    }
}
