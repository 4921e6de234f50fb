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
