//! Digest `qop=auth-int` (RFC 7616 sections 3.3, 3.4.3, 3.5) and https upstreams for the
//! reverse proxy, end to end: the server runs on free loopback ports, this crate's
//! client POSTs bodies with auth-int, a hand-driven `DigestClient` sends a tampered body,
//! and an https upstream started here (rcgen certificate from its own CA) echoes what the
//! proxy forwarded: the authenticated user, never the client's copy of that header, and
//! the server name it was sent (SNI).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::{Server, client, curl};
use digest_auth::{BodyHasher, DigestClient, Qop};
use httpauth_core::{BodyDigest, Password};
use httpauth_test_kit::require_peer;
use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// A response: status, header fields (lowercased names), body.
struct Resp {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Resp {
    fn all(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

/// One request over a fresh connection (`Connection: close`).
fn http(addr: SocketAddr, method: &str, path: &str, extra: &[String], body: &[u8]) -> Resp {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for h in extra {
        head.push_str(h);
        head.push_str("\r\n");
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(body).unwrap();
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    let split = out.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&out[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines.next().unwrap()[9..12].parse().unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    Resp {
        status,
        headers,
        body: out[split + 4..].to_vec(),
    }
}

fn digests(body: &[u8]) -> digest_auth::BodyDigests {
    BodyHasher::digest_all(
        &[
            httpauth_core::HashFunction::Md5,
            httpauth_core::HashFunction::Sha256,
        ],
        body,
    )
}

fn auth_int_config(up: SocketAddr, upstream_ca: &Path) -> String {
    format!(
        r#"[server]
demo_setup = true

[[listener]]
kind = "http"
address = "127.0.0.1:0"

[[location]]
path = "/post"
schemes = ["Digest"]
digest_file = "htdigest"
digest_algorithms = ["SHA-256", "MD5"]

[[location]]
path = "/secure"
schemes = ["Basic"]
user_file = "htpasswd"
proxy = "https://localhost:{port}/base/"
upstream_ca = "{ca}"
proxy_user_header = "X-Remote-User"

[[location]]
path = "/by-ip"
schemes = ["Basic"]
user_file = "htpasswd"
proxy = "https://127.0.0.1:{port}"
upstream_ca = "{ca}"

[[location]]
path = "/wrong-ca"
schemes = ["Basic"]
user_file = "htpasswd"
proxy = "https://localhost:{port}"
upstream_ca = "pki/ca.pem"

[[location]]
path = "/digest-proxy"
schemes = ["Digest"]
digest_file = "htdigest"
proxy = "https://localhost:{port}"
upstream_ca = "{ca}"
"#,
        port = up.port(),
        ca = upstream_ca.display(),
    )
}

/// An https server on a free loopback port, certificate for `localhost` and 127.0.0.1
/// from a CA of its own (written to `dir/upstream-ca.pem`). Each response body is
/// `sni: NAME` and the request as received (head lowercased, then the body).
fn https_upstream(dir: &Path) -> SocketAddr {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair, SanType};
    let ca_key = KeyPair::generate().unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(rcgen::DnType::CommonName, "upstream test CA");
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    std::fs::write(dir.join("upstream-ca.pem"), ca_cert.pem()).unwrap();
    let issuer = Issuer::new(ca, ca_key);
    let key = KeyPair::generate().unwrap();
    let mut leaf = CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
    leaf.subject_alt_names
        .push(SanType::IpAddress(std::net::IpAddr::from([127, 0, 0, 1])));
    let cert = leaf.signed_by(&key, &issuer).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![cert.der().clone()],
            rustls_pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
        )
        .unwrap();
    let config = Arc::new(config);
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    std::thread::spawn(move || {
        for s in l.incoming() {
            let Ok(tcp) = s else { continue };
            let config = Arc::clone(&config);
            std::thread::spawn(move || {
                tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
                let Ok(conn) = rustls::ServerConnection::new(config) else {
                    return;
                };
                let mut tls = rustls::StreamOwned::new(conn, tcp);
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                let head_end = loop {
                    if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                        break i + 4;
                    }
                    match tls.read(&mut chunk) {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                };
                let head = String::from_utf8_lossy(&buf[..head_end]).to_lowercase();
                let len: usize = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .map_or(0, |v| v.trim().parse().unwrap());
                while buf.len() < head_end + len {
                    match tls.read(&mut chunk) {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
                let sni = tls.conn.server_name().unwrap_or("(none)").to_owned();
                let mut body = format!("sni: {sni}\n{head}").into_bytes();
                body.extend_from_slice(&buf[head_end..head_end + len]);
                let mut resp = format!(
                    "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                )
                .into_bytes();
                resp.extend_from_slice(&body);
                let _ = tls.write_all(&resp);
                tls.conn.send_close_notify();
                let _ = tls.flush();
            });
        }
    });
    addr
}

fn setup() -> Server {
    let dir = tempfile::tempdir().unwrap();
    let up = https_upstream(dir.path());
    let text = auth_int_config(up, &dir.path().join("upstream-ca.pem"));
    Server::start_in(dir, Some(&text))
}

#[test]
fn own_client_posts_with_auth_int_and_verifies_rspauth_over_the_response_body() {
    let s = setup();
    let url = s.http_url("/post");
    // A body: auth-int is chosen, the server checks H(body) and answers an rspauth that
    // covers its response body; the client checks that.
    let (code, out, err) = client(&["-v", "-u", "alice:wonderland", "-d", "amount=10", &url]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("principal: alice"), "{out}");
    assert!(
        err.contains("answering SHA-256 challenge, qop=auth-int"),
        "{err}"
    );
    assert!(err.contains("qop=auth-int"), "{err}");
    assert!(err.contains("server verified (rspauth)"), "{err}");
    // The nonce is reused for the next URL, still with auth-int.
    let (code, _, err) = client(&["-v", "-u", "bob:builder", "-d", "x", &url, &url]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("reusing the nonce (next nc), qop=auth-int"),
        "{err}"
    );
    // No body: qop=auth. --qop auth with a body: auth. --qop auth-int without one:
    // auth-int over the empty body.
    let (code, _, err) = client(&["-v", "-u", "alice:wonderland", &url]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains(", qop=auth\n") && !err.contains("qop=auth-int"),
        "{err}"
    );
    let (code, _, err) = client(&[
        "-v",
        "-u",
        "alice:wonderland",
        "--qop",
        "auth",
        "-d",
        "x",
        &url,
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains(", qop=auth\n") && !err.contains("qop=auth-int"),
        "{err}"
    );
    let (code, _, err) = client(&["-v", "-u", "alice:wonderland", "--qop", "auth-int", &url]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("qop=auth-int"), "{err}");
    // Wrong password with auth-int: AUTH-REQUIRED.
    let (code, _, err) = client(&["-u", "alice:nope", "-d", "amount=10", &url]);
    assert_eq!(code, 4, "{err}");
    // auth-int through the https proxy: the upstream sees the body.
    let (code, out, err) = client(&[
        "-v",
        "-u",
        "bob:builder",
        "-d",
        "hello upstream",
        &s.http_url("/digest-proxy/x"),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("qop=auth-int") && err.contains("server verified (rspauth)"));
    assert!(
        out.starts_with("sni: localhost\npost /digest-proxy/x http/1.1"),
        "{out}"
    );
    assert!(out.ends_with("hello upstream"), "{out}");
}

#[test]
fn tampered_body_is_refused() {
    let s = setup();
    let addr = s.http.unwrap();
    let r = http(addr, "POST", "/post", &[], b"amount=10");
    assert_eq!(r.status, 401);
    let www = r.all("www-authenticate");
    assert_eq!(www.len(), 2, "SHA-256 and MD5: {www:?}");
    for c in &www {
        assert!(c.contains(r#"qop="auth, auth-int""#), "{c}");
    }
    let challenges = httpauth_headers::parse_challenges_lines(www.iter().copied()).unwrap();
    let mut d = DigestClient::new("alice", Password::from("wonderland"));
    let signed = digests(b"amount=10");
    let a = d
        .respond(
            &challenges,
            "POST",
            "/post",
            Some(&signed as &dyn BodyDigest),
        )
        .unwrap();
    assert_eq!(a.qop(), Some(Qop::AuthInt));
    let auth = format!(
        "Authorization: {}",
        httpauth_headers::format_credentials(a.credentials())
    );
    // The body the response was computed over was changed in transit: 401.
    let r = http(addr, "POST", "/post", &[auth], b"amount=99999");
    assert_eq!(r.status, 401, "{}", String::from_utf8_lossy(&r.body));
    assert!(!r.all("www-authenticate").is_empty());
    // The same kind of request with the body it covers: 200, and rspauth covers the
    // response body.
    let a = d
        .authorize("POST", "/post", Some(&signed as &dyn BodyDigest))
        .unwrap()
        .unwrap();
    let auth = format!(
        "Authorization: {}",
        httpauth_headers::format_credentials(a.credentials())
    );
    let r = http(addr, "POST", "/post", &[auth], b"amount=10");
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let info = r.all("authentication-info");
    assert_eq!(info.len(), 1);
    assert!(info[0].contains("qop=auth-int"), "{}", info[0]);
    let info = httpauth_headers::parse_authentication_info_lines(info.iter().copied()).unwrap();
    let body = digests(&r.body);
    d.verify_authentication_info(&a, &info, Some(&body as &dyn BodyDigest))
        .unwrap();
    // An rspauth checked against another response body fails: it really covers the body.
    let mut other = r.body.clone();
    other.push(b'!');
    let other = digests(&other);
    assert!(
        d.verify_authentication_info(&a, &info, Some(&other as &dyn BodyDigest))
            .is_err()
    );
}

#[test]
fn curl_digest_post_still_uses_qop_auth() {
    if !require_peer("curl") {
        return;
    }
    let s = setup();
    let (code, body) = curl(&[
        "--digest",
        "-u",
        "alice:wonderland",
        "-d",
        "a=1",
        &s.http_url("/post"),
    ]);
    assert_eq!(code, 200, "{body}");
    assert!(body.contains("principal: alice"), "{body}");
}

#[test]
fn https_upstream_gets_sni_the_user_header_and_never_the_clients_copy() {
    let s = setup();
    let addr = s.http.unwrap();
    let basic = |u: &str, p: &str| {
        format!(
            "Authorization: {}",
            httpauth_headers::format_credentials(
                &httpauth_headers::basic::credentials(u, p).unwrap()
            )
        )
    };
    let r = http(
        addr,
        "POST",
        "/secure/x?y=1",
        &[basic("bob", "builder"), "X-Remote-User: mallory".to_owned()],
        b"payload",
    );
    let body = String::from_utf8_lossy(&r.body).into_owned();
    assert_eq!(r.status, 200, "{body}");
    assert!(body.starts_with("sni: localhost\n"), "{body}");
    assert!(body.contains("post /base/secure/x?y=1 http/1.1"), "{body}");
    assert!(body.contains("x-remote-user: bob"), "{body}");
    assert!(body.contains("host: localhost:"), "{body}");
    assert!(
        !body.contains("mallory") && !body.contains("authorization"),
        "{body}"
    );
    assert!(body.ends_with("payload"), "{body}");
    // Unauthenticated: never forwarded.
    assert_eq!(http(addr, "GET", "/secure/x", &[], b"").status, 401);
    // An IP literal: no SNI, the certificate's IP subjectAltName is matched.
    let r = http(
        addr,
        "GET",
        "/by-ip/z",
        &[basic("alice", "wonderland")],
        b"",
    );
    let body = String::from_utf8_lossy(&r.body).into_owned();
    assert_eq!(r.status, 200, "{body}");
    assert!(body.starts_with("sni: (none)\nget /by-ip/z"), "{body}");
    // An upstream whose certificate the configured CA did not sign: 502, logged.
    let r = http(
        addr,
        "GET",
        "/wrong-ca",
        &[basic("alice", "wonderland")],
        b"",
    );
    assert_eq!(r.status, 502);
    let log = s.wait_log("upstream failed", 10);
    assert!(
        log.contains("upstream failed") && log.contains("tls"),
        "{log}"
    );
}
