//! Issue 13, critical items 2 and 3, without external peers: the location, `Require expr`,
//! the file handler and the proxied request-target all use the one normalised path.
//! (`path_normalisation_apache.rs` compares a larger table with Apache httpd.)
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::Server;
use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const ALICE: &str = "YWxpY2U6d29uZGVybGFuZA=="; // alice:wonderland
const SHA: &str = "{SHA}tiY7sUhYKUwI5L3866kDY+ENcrQ="; // "wonderland"

/// Answers 200 with the request-target as the body; records the targets.
fn upstream() -> (SocketAddr, Arc<Mutex<Vec<String>>>) {
    common::upstream(common::request_target)
}

fn get(addr: SocketAddr, target: &str, auth: bool) -> (u16, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let auth = if auth {
        format!("Authorization: Basic {ALICE}\r\n")
    } else {
        String::new()
    };
    s.write_all(
        format!("GET {target} HTTP/1.1\r\nHost: a\r\n{auth}Connection: close\r\n\r\n").as_bytes(),
    )
    .unwrap();
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    let text = String::from_utf8_lossy(&out).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map_or("", |(_, b)| b)
        .to_owned();
    (status, body)
}

#[test]
fn one_normalised_path_for_location_require_files_and_upstream() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    std::fs::create_dir_all(tree.join("internal")).unwrap();
    std::fs::write(tree.join("a.txt"), "public\n").unwrap();
    std::fs::write(tree.join("internal/secret.txt"), "SECRET\n").unwrap();
    let h = dir.path().join("htpasswd");
    std::fs::write(&h, format!("alice:{SHA}\n")).unwrap();
    let (up, seen) = upstream();
    let (t, h) = (tree.display(), h.display());
    let config = format!(
        r#"
[[listener]]
kind = "http"
address = "127.0.0.1:0"

[[location]]
path = "/docs"
static_dir = "{t}"

[[location]]
path = "/docs/internal"
schemes = ["Basic"]
user_file = "{h}"
static_dir = "{t}/internal"

[[location]]
path = "/app"
proxy = "http://{up}/base"

[[location]]
path = "/app/internal"
schemes = ["Basic"]
user_file = "{h}"
proxy = "http://{up}/base"

[[location]]
path = "/x"
schemes = ["Basic"]
user_file = "{h}"
require = ['expr %{{REQUEST_URI}} !~ m#^/x/private#']
"#
    );
    let s = Server::start_in(dir, Some(&config));
    let addr = s.http.unwrap();

    // Static: every spelling of /docs/internal is the protected location.
    for t in [
        "/docs//internal/secret.txt",
        "/docs/./internal/secret.txt",
        "/docs/%69nternal/secret.txt",
        "/docs/x/../internal/secret.txt",
        "/docs/x/%2e%2E/internal/secret.txt",
        "//docs/internal/secret.txt",
    ] {
        let (status, body) = get(addr, t, false);
        assert_eq!(status, 401, "{t}: {body}");
        assert!(!body.contains("SECRET"), "{t}");
        assert_eq!(get(addr, t, true), (200, "SECRET\n".to_owned()), "{t}");
    }
    assert_eq!(get(addr, "/docs/%61.txt", false), (200, "public\n".into()));
    assert_eq!(get(addr, "/docs/internal%2fsecret.txt", false).0, 404);
    assert_eq!(get(addr, "/docs/../../etc/passwd", false).0, 400);
    assert_eq!(get(addr, "/docs/a%zz", false).0, 400);

    // Proxy: the protected location applies, and the upstream gets the normalised,
    // canonically encoded path below its base, with the query as sent.
    for t in [
        "/app//internal/s",
        "/app/./internal/s",
        "/app/%69nternal/s",
        "/app/x/../internal/s",
        "/app/%2e%2e/app/internal/s",
    ] {
        assert_eq!(get(addr, t, false).0, 401, "{t}");
    }
    let before = seen.lock().unwrap().len();
    assert_eq!(get(addr, "/app/internal%2fs", false).0, 404);
    assert_eq!(
        seen.lock().unwrap().len(),
        before,
        "a refused path went upstream"
    );
    for (t, forwarded) in [
        ("/app/%61b/./c//d?q=%2e%2e/x", "/base/app/ab/c/d?q=%2e%2e/x"),
        ("/app/a%3fb%23c%20d%5c", "/base/app/a%3Fb%23c%20d%5C"),
        ("/app/x%252e%252e/y", "/base/app/x%252e%252e/y"),
        ("/app/%69nternal/../s", "/base/app/s"),
    ] {
        assert_eq!(get(addr, t, false), (200, forwarded.to_owned()), "{t}");
    }
    assert_eq!(
        get(addr, "/app/x/..//%69nternal/s?a", true),
        (200, "/base/app/internal/s?a".to_owned())
    );

    // `Require expr` sees the normalised path as REQUEST_URI: every spelling is denied
    // as the plain one is (the demo, like httpd for an authenticated user whose
    // `Require` fails, answers 401), never served.
    let denied = get(addr, "/x/private/a", true).0;
    assert!(denied == 401 || denied == 403, "{denied}");
    for t in [
        "/x/private/a",
        "/x//private/a",
        "/x/%70rivate/a",
        "/x/y/../private",
    ] {
        assert_eq!(get(addr, t, true).0, denied, "{t}");
    }
    assert_eq!(get(addr, "/x/public", true).0, 200);
}
