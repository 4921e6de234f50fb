//! Issue 13, bug 5: the user header the reverse proxy sets cannot be forged by a client
//! through a name that CGI, WSGI or PHP read as the same variable (`X_Remote_User`), and
//! a user name that would change on the way (white space at its ends) is not passed.
//! The upstream records the request head it receives.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::Server;
use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// An upstream that answers 200 with the request head it received, and records it.
fn upstream() -> (SocketAddr, Arc<Mutex<Vec<String>>>) {
    common::upstream(str::to_owned)
}

fn send(addr: SocketAddr, req: &str) -> (u16, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    s.write_all(req.as_bytes()).unwrap();
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    let text = String::from_utf8_lossy(&out).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (status, text)
}

/// The header lines of `head` whose name is `x-remote-user` once `_` is read as `-`
/// (what a CGI upstream makes of them).
fn user_fields(head: &str) -> Vec<String> {
    head.lines()
        .skip(1)
        .filter_map(|l| l.split_once(':'))
        .filter(|(n, _)| {
            n.trim()
                .replace('_', "-")
                .eq_ignore_ascii_case("x-remote-user")
        })
        .map(|(n, v)| format!("{n}:{v}"))
        .collect()
}

const SPOOFS: &str = "X_Remote_User: admin\r\nx-remote-user: admin\r\nX-REMOTE_USER: admin\r\nx_REMOTE_user: admin\r\n";

#[test]
fn client_copies_of_the_user_header_never_reach_the_upstream() {
    let dir = tempfile::tempdir().unwrap();
    // alice:wonderland ({SHA}), and a user whose name ends in a space.
    let sha = "{SHA}tiY7sUhYKUwI5L3866kDY+ENcrQ="; // SHA-1 of "wonderland", base64
    std::fs::write(
        dir.path().join("htpasswd"),
        format!("alice:{sha}\nadmin :{sha}\n"),
    )
    .unwrap();
    let (up, seen) = upstream();
    let config = format!(
        r#"
[[listener]]
kind = "http"
address = "127.0.0.1:0"

[[location]]
path = "/open"
proxy = "http://{up}"

[[location]]
path = "/app"
schemes = ["Basic"]
user_file = "{h}"
proxy = "http://{up}"
proxy_user_header = "X_Remote_User"
"#,
        h = dir.path().join("htpasswd").display()
    );
    let s = Server::start_in(dir, Some(&config));
    let addr = s.http.unwrap();

    // Anonymous: every spelling is stripped.
    let (status, body) = send(
        addr,
        &format!("GET /open/x HTTP/1.1\r\nHost: a\r\n{SPOOFS}Connection: close\r\n\r\n"),
    );
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("GET /open/x HTTP/1.1"), "{body}");
    assert!(user_fields(&body).is_empty(), "{body}");
    assert!(!body.contains("admin"), "{body}");

    // Authenticated: exactly one field, the configured name, the authenticated user.
    let alice = "YWxpY2U6d29uZGVybGFuZA=="; // alice:wonderland
    let (status, body) = send(
        addr,
        &format!(
            "GET /app/x HTTP/1.1\r\nHost: a\r\nAuthorization: Basic {alice}\r\n{SPOOFS}Connection: close\r\n\r\n"
        ),
    );
    assert_eq!(status, 200, "{body}");
    let fields = user_fields(&body);
    assert_eq!(fields.len(), 1, "{body}");
    assert!(fields[0].trim_end().ends_with(": alice"), "{fields:?}");
    assert!(!body.contains("admin"), "{body}");

    // A user name with trailing white space would arrive as `admin`: refused, logged,
    // and the upstream never sees the request.
    let before = seen.lock().unwrap().len();
    let spaced = "YWRtaW4gOndvbmRlcmxhbmQ="; // "admin :wonderland"
    let (status, body) = send(
        addr,
        &format!(
            "GET /app/y HTTP/1.1\r\nHost: a\r\nAuthorization: Basic {spaced}\r\nConnection: close\r\n\r\n"
        ),
    );
    assert_eq!(status, 500, "{body}");
    assert_eq!(seen.lock().unwrap().len(), before);
    let log = s.wait_log("cannot be passed upstream", 5);
    assert!(log.contains("cannot be passed upstream"), "{log}");
}

/// The header lines of `head` named `name` once `_` is read as `-`.
fn fields(head: &str, name: &str) -> Vec<String> {
    head.lines()
        .skip(1)
        .filter_map(|l| l.split_once(':'))
        .filter(|(n, _)| n.trim().replace('_', "-").eq_ignore_ascii_case(name))
        .map(|(_, v)| v.trim().to_owned())
        .collect()
}

/// Issue 16: certificate facts forwarded to the upstream in headers the configuration
/// names (Apache: `RequestHeader unset` + `RequestHeader set X-SSL-Client-DN
/// "%{SSL_CLIENT_S_DN}s"`); copies the client sent, in any `-`/`_` spelling, never pass.
#[test]
fn certificate_facts_reach_the_upstream_and_client_copies_do_not() {
    if !httpauth_test_kit::require_peer("curl") {
        return;
    }
    let (up, _seen) = upstream();
    let config = format!(
        r#"
[server]
demo_setup = true

[[listener]]
kind = "https"
address = "127.0.0.1:0"

[tls]
certificate_chain = "server.pem"
private_key = "server.key"
client_ca = "pki/ca.pem"
verify_client = "optional"

[[location]]
path = "/app"
proxy = "http://{up}"

[location.proxy_cert_headers]
X-SSL-Client-DN = "SSL_CLIENT_S_DN"
X-SSL-Client-Verify = "SSL_CLIENT_VERIFY"
X-SSL-Client-Cert = "SSL_CLIENT_CERT"
"#
    );
    let s = Server::start(Some(&config));
    let ca = s.ca();
    let url = s.https_url("/app/x");
    let spoofs = [
        "-H",
        "X-SSL-Client-DN: CN=admin",
        "-H",
        "X_SSL_Client_Verify: SUCCESS",
        "-H",
        "x-ssl-client-cert: forged",
    ];

    // With alice's certificate: her DN as mod_ssl writes it, SUCCESS, her PEM unwrapped.
    let mut args: Vec<String> = vec!["--cacert".into(), ca.clone()];
    args.extend(s.cert_args("alice"));
    args.extend(spoofs.iter().map(|a| (*a).to_owned()));
    args.push(url.clone());
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let (status, head) = common::curl(&argv);
    assert_eq!(status, 200, "{head}");
    assert_eq!(
        fields(&head, "x-ssl-client-dn"),
        ["CN=alice,OU=Engineering,O=Example Org,C=DE"],
        "{head}"
    );
    assert_eq!(fields(&head, "x-ssl-client-verify"), ["SUCCESS"], "{head}");
    let cert = fields(&head, "x-ssl-client-cert");
    assert_eq!(cert.len(), 1, "{head}");
    let pem = std::fs::read_to_string(s.data().join("clients/alice.pem")).unwrap();
    assert_eq!(
        cert[0],
        pem.split_whitespace().collect::<Vec<_>>().join(" ")
    );
    assert!(
        !head.contains("CN=admin") && !head.contains("forged"),
        "{head}"
    );

    // Without a certificate: VERIFY is NONE, no DN or certificate, no client copy.
    let (status, head) = common::curl(&[
        "--cacert", &ca, spoofs[0], spoofs[1], spoofs[2], spoofs[3], spoofs[4], spoofs[5], &url,
    ]);
    assert_eq!(status, 200, "{head}");
    assert_eq!(fields(&head, "x-ssl-client-verify"), ["NONE"], "{head}");
    assert!(fields(&head, "x-ssl-client-dn").is_empty(), "{head}");
    assert!(fields(&head, "x-ssl-client-cert").is_empty(), "{head}");
    assert!(
        !head.contains("CN=admin") && !head.contains("forged"),
        "{head}"
    );
}
