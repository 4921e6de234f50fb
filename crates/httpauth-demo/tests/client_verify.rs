//! The client refuses a server that fails verification: a fake Digest server whose
//! `rspauth` is wrong makes `httpauth-client` exit 5 and discard the body.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use std::io::{Read as _, Write as _};

fn fake_server(responses: Vec<String>) -> std::net::SocketAddr {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    std::thread::spawn(move || {
        let Ok((mut s, _)) = l.accept() else { return };
        s.set_read_timeout(Some(std::time::Duration::from_secs(10)))
            .unwrap();
        for r in responses {
            let mut buf = Vec::new();
            let mut chunk = [0u8; 4096];
            while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                match s.read(&mut chunk) {
                    Ok(0) | Err(_) => return,
                    Ok(n) => buf.extend_from_slice(&chunk[..n]),
                }
            }
            if s.write_all(r.as_bytes()).is_err() {
                return;
            }
        }
    });
    addr
}

#[test]
fn wrong_rspauth_exits_5() {
    let challenge = "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Digest realm=\"x\", nonce=\"abc\", qop=\"auth\", algorithm=SHA-256\r\nContent-Length: 0\r\n\r\n";
    let ok = format!(
        "HTTP/1.1 200 OK\r\nAuthentication-Info: rspauth=\"{}\"\r\nContent-Length: 6\r\n\r\nsecret",
        "0".repeat(64)
    );
    let addr = fake_server(vec![challenge.to_owned(), ok]);
    let (code, out, err) = common::client(&["-u", "alice:wonderland", &format!("http://{addr}/")]);
    assert_eq!(code, 5, "{err}");
    assert!(
        out.is_empty(),
        "the body of an unverified response is not shown: {out}"
    );
    assert!(err.contains("failed Digest verification"), "{err}");
}

#[test]
fn mutual_200_without_vks_is_refused() {
    // A 401-INIT, then a 200 to the key exchange without the server's verifier: the client
    // must not accept it (RFC 8120 section 10: no AUTH-SUCCEED without a valid vks).
    let init = "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Mutual version=1, algorithm=iso-kam3-ec-p256-sha256, validation=host, auth-scope=\"127.0.0.1\", realm=\"r\", reason=initial\r\nContent-Length: 0\r\n\r\n";
    let ok = "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecret";
    let addr = fake_server(vec![init.to_owned(), ok.to_owned()]);
    let (code, out, err) = common::client(&[
        "--auth",
        "mutual",
        "-u",
        "alice:wonderland",
        &format!("http://{addr}/"),
    ]);
    assert_ne!(code, 0, "{err}");
    assert!(out.is_empty(), "{out}");
}

/// `-k` reaches the demo's https listener without `--cacert`; Mutual there still binds to
/// the certificate presented (validation=tls-server-end-point). Without `-k` nor
/// `--cacert`, https is a usage error. Before: `-k` was an unknown option.
#[test]
fn insecure_reaches_https_without_cacert_and_mutual_binds_to_the_certificate() {
    let s = common::Server::start(None);
    let (code, out, err) = common::client(&["-k", &s.https_url("/")]);
    assert_eq!(code, 0, "{err}");
    assert!(!out.is_empty());
    let (code, out, err) = common::client(&[
        "-k",
        "-v",
        "-u",
        "alice:wonderland",
        &s.https_url("/mutual"),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("principal: alice"), "{out}");
    assert!(
        err.contains("validation=tls-server-end-point") && err.contains("server verified (vks)"),
        "{err}"
    );
    let (code, _, err) = common::client(&[&s.https_url("/")]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--cacert") && err.contains("-k"), "{err}");
}

/// `--data-binary @FILE` sends the file's bytes as they are (NUL, CR LF, not UTF-8) and
/// Digest `auth-int` covers them: the demo checks H(entity-body) and answers an
/// `rspauth` over its response body, which the client checks. A missing file is exit 2.
#[test]
fn data_binary_file_is_covered_by_auth_int() {
    let s = common::Server::start(None);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("body.bin");
    std::fs::write(&file, b"a\0b\r\nc\xff\n").unwrap();
    let at = format!("@{}", file.display());
    let (code, out, err) = common::client(&[
        "-v",
        "-u",
        "alice:wonderland",
        "--data-binary",
        &at,
        &s.http_url("/digest"),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("principal: alice"), "{out}");
    assert!(
        err.contains("> POST /digest")
            && err.contains("qop=auth-int")
            && err.contains("server verified (rspauth)"),
        "{err}"
    );
    let missing = format!("@{}", dir.path().join("none").display());
    let (code, _, err) = common::client(&["--data-binary", &missing, &s.http_url("/digest")]);
    assert_eq!(code, 2, "{err}");
}

/// `-x` with an https URL: a CONNECT tunnel through squid with Basic proxy credentials,
/// then TLS to the demo and Mutual inside the tunnel (bound to the demo's certificate);
/// without `-U` the CONNECT's 407 is exit 4 asking for it.
#[test]
fn https_through_a_connect_tunnel() {
    let Some(squid) = common::squid() else {
        return;
    };
    let s = common::Server::start(None);
    let proxy = format!("http://127.0.0.1:{}", squid.port());
    let url = s.https_url("/mutual");
    let (code, out, err) = common::client(&[
        "-v",
        "-k",
        "-x",
        &proxy,
        "-U",
        "alice:wonderland",
        "-u",
        "alice:wonderland",
        &url,
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("principal: alice"), "{out}");
    assert!(
        err.contains(&format!("> CONNECT {}", s.https.unwrap()))
            && err.contains("< 200 (CONNECT)")
            && err.contains("validation=tls-server-end-point"),
        "{err}"
    );
    let (code, _, err) = common::client(&["-k", "-x", &proxy, &url]);
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("give -U USER"), "{err}");
}
