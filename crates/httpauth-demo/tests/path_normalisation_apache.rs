//! Issue 13, critical items 2 and 3: one request path, normalised once, for the location
//! choice, the file handler and the proxied request-target, checked against Apache httpd
//! 2.4 for the same requests.
//!
//! Both servers get the same tree (a public `/docs` with a Basic-protected
//! `/docs/internal`) and the same upstream (a public `/app` with a Basic-protected
//! `/app/internal`, reverse-proxied to a recording TCP server). Every request of the
//! table below is sent byte for byte (raw TCP, no client normalisation) to both; the
//! statuses must agree and, for 200, the served file or the request-target the upstream
//! received must agree too. Where the demo deliberately answers differently, the case is
//! listed in [`DEVIATIONS`] with the reason, and the test checks that exact pair of
//! statuses.
//!
//! Independently of Apache, no request without credentials may read a protected file or
//! make the upstream see a path that normalises into `/app/internal`.
//!
//! Fails under CI=true when apache2 or htpasswd is missing; otherwise skips with a message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::Server;
use httpauth_test_kit::{Apache, require_peer};
use std::fs;
use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const SECRET: &str = "SECRET internal file\n";

/// Requests where the demo answers differently from httpd on purpose: (request-target,
/// demo status, Apache status, reason). The test asserts these statuses, so the table
/// cannot go stale.
const DEVIATIONS: &[(&str, u16, u16, &str)] = &[
    (
        "/docs/%ff",
        400,
        404,
        "a decoded path that is not UTF-8 is refused; httpd looks for the byte name",
    ),
    (
        "/app/%ff",
        400,
        200,
        "a decoded path that is not UTF-8 is refused; httpd forwards %FF",
    ),
    (
        "/docs/sub",
        200,
        301,
        "the demo serves a directory's index.html without mod_dir's redirect to `sub/`",
    ),
];

/// Path suffixes appended to `/docs` (static files) and `/app` (reverse proxy).
const SUFFIXES: &[&str] = &[
    "/a.txt",
    "/internal/secret.txt",
    "//internal/secret.txt",
    "/./internal/secret.txt",
    "/%69nternal/secret.txt",
    "/%2e/internal/secret.txt",
    "/%2E/internal/secret.txt",
    "/x/../internal/secret.txt",
    "/x/%2e%2e/internal/secret.txt",
    "/x/%2E%2E/internal/secret.txt",
    "/x/.%2e/internal/secret.txt",
    "/x/%2e./internal/secret.txt",
    "/x/%2e%2E/internal/secret.txt",
    "/.//internal//secret.txt",
    "/./././internal/secret.txt",
    "/internal/./secret.txt",
    "/internal/x/../secret.txt",
    "%2finternal/secret.txt",
    "/%2finternal/secret.txt",
    "/internal%2fsecret.txt",
    "/internal%2Fsecret.txt",
    "/internal%5csecret.txt",
    "/internal%5Csecret.txt",
    "/a%5cb.txt",
    ";/internal/secret.txt",
    "/internal;/secret.txt",
    "/..;/internal/secret.txt",
    "/internal/secret.txt;x",
    "/INTERNAL/secret.txt",
    "/%49nternal/secret.txt",
    "/internal%2e/secret.txt",
    "/%2e%2e/docs/internal/secret.txt",
    "/%2e%2e/app/internal/secret.txt",
    "/../../etc/passwd",
    "/%2e%2e/%2e%2e/etc/passwd",
    "/internal/../a.txt",
    "/a%2etxt",
    "/%61.txt",
    "/a.txt%00",
    "/a.txt%",
    "/a.txt%2",
    "/a%zz",
    "/x%252e%252e/internal/secret.txt",
    "/%252e%252e/internal/secret.txt",
    "/x%2541.txt",
    "/internal/secret.txt?x=1",
    "/a.txt?q=%2e%2e/internal&r=/../",
    "/internal/",
    "/internal",
    "/sub/",
    "/sub",
    "/a.txt/",
    "/caf%C3%A9.txt",
    "/caf%c3%a9.txt",
    "/a%3fb",
    "/a%23b",
    "/a%20b",
    "/a%7e%21%24",
    "/%ff",
];

/// Whole targets (not under a prefix).
const TARGETS: &[&str] = &[
    "//docs/internal/secret.txt",
    "//app/internal/secret.txt",
    "/DOCS/internal/secret.txt",
    "/APP/internal/secret.txt",
    "/%64ocs/internal/secret.txt",
    "/%61pp/internal/secret.txt",
    "/docs%2finternal/secret.txt",
    "/app%2Finternal/secret.txt",
    "/./docs/%2e/internal/secret.txt",
    "/app/./%69nternal/../internal/secret.txt",
];

fn start_apache(tree: &Path, htpasswd: &Path, upstream: SocketAddr) -> Apache {
    let (t, h) = (tree.display(), htpasswd.display());
    Apache::builder(&[
        "authn_core",
        "authn_file",
        "authz_core",
        "authz_user",
        "auth_basic",
        "dir",
        "proxy",
        "proxy_http",
    ])
    .start(|_| {
        format!(
            r#"StartServers 1
MinSpareServers 1
MaxSpareServers 2
DocumentRoot "{t}"
DirectoryIndex index.html
<Directory "{t}">
    Require all granted
</Directory>
<Location "/docs/internal">
    AuthType Basic
    AuthName "internal"
    AuthBasicProvider file
    AuthUserFile "{h}"
    Require valid-user
</Location>
ProxyRequests Off
ProxyPass "/app" "http://{upstream}/app"
<Location "/app/internal">
    AuthType Basic
    AuthName "internal"
    AuthBasicProvider file
    AuthUserFile "{h}"
    Require valid-user
</Location>
"#
        )
    })
}

/// An upstream that answers every request with 200 and its request-target as the body,
/// and records the targets it saw.
fn upstream() -> (SocketAddr, Arc<Mutex<Vec<String>>>) {
    common::upstream(common::request_target)
}

/// Sends `GET target` as raw bytes; returns status and body (de-chunked).
fn get(addr: SocketAddr, target: &str, auth: Option<&str>) -> (u16, Vec<u8>) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let auth = auth.map_or(String::new(), |a| format!("Authorization: Basic {a}\r\n"));
    let req =
        format!("GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}Connection: close\r\n\r\n");
    s.write_all(req.as_bytes()).unwrap();
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    let end = out
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or(out.len());
    let head = String::from_utf8_lossy(&out[..end]).to_ascii_lowercase();
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let mut body = out.get(end + 4..).unwrap_or(&[]).to_vec();
    if head.contains("transfer-encoding: chunked") {
        let mut plain = Vec::new();
        let mut rest = &body[..];
        while let Some(i) = rest.windows(2).position(|w| w == b"\r\n") {
            let size = usize::from_str_radix(
                String::from_utf8_lossy(&rest[..i])
                    .split(';')
                    .next()
                    .unwrap()
                    .trim(),
                16,
            )
            .unwrap_or(0);
            if size == 0 {
                break;
            }
            plain.extend_from_slice(&rest[i + 2..i + 2 + size]);
            rest = &rest[i + 2 + size + 2..];
        }
        body = plain;
    }
    (status, body)
}

fn tree(root: &Path) {
    let d = root.join("docs");
    fs::create_dir_all(d.join("internal")).unwrap();
    fs::create_dir_all(d.join("sub")).unwrap();
    fs::write(d.join("a.txt"), "public a\n").unwrap();
    fs::write(d.join("a\\b.txt"), "backslash file\n").unwrap();
    fs::write(d.join("café.txt"), "utf-8 name\n").unwrap();
    fs::write(d.join("x%41.txt"), "percent name\n").unwrap();
    fs::write(d.join("sub/index.html"), "sub index\n").unwrap();
    fs::write(d.join("internal/secret.txt"), SECRET).unwrap();
    fs::write(d.join("internal/index.html"), SECRET).unwrap();
    // httpd's workers run as nobody: everything readable.
    for e in [
        root.to_path_buf(),
        d.clone(),
        d.join("internal"),
        d.join("sub"),
    ] {
        fs::set_permissions(&e, fs::Permissions::from_mode(0o755)).unwrap();
    }
}

fn demo_config(tree: &Path, htpasswd: &Path, up: SocketAddr) -> String {
    let (t, h) = (tree.display(), htpasswd.display());
    format!(
        r#"
[[listener]]
kind = "http"
address = "127.0.0.1:0"

[[location]]
path = "/docs"
static_dir = "{t}/docs"

[[location]]
path = "/docs/internal"
schemes = ["Basic"]
realm = "internal"
user_file = "{h}"
static_dir = "{t}/docs/internal"

[[location]]
path = "/app"
proxy = "http://{up}"

[[location]]
path = "/app/internal"
schemes = ["Basic"]
realm = "internal"
user_file = "{h}"
proxy = "http://{up}"
"#
    )
}

/// True if the upstream would read `target` as a path inside `/app/internal` after
/// decoding and normalising it (as nginx, httpd and Python's http.server do).
fn reaches_internal(target: &str) -> bool {
    let path = target.split('?').next().unwrap_or("");
    // Decode repeatedly (a double-decoding upstream is the worst case) and normalise.
    let mut p = path.to_owned();
    for _ in 0..3 {
        match httpauth::path::NormalizedPath::parse(&p.replace("%2f", "/").replace("%2F", "/")) {
            Ok(n) => p = n.as_str().replace(' ', "%20").replace('#', "%23"),
            Err(_) => return false,
        }
    }
    // Case-sensitive, as httpd's `<Location>` and the demo's locations: an upstream
    // that folds case needs its protected paths protected in every case, in both.
    p == "/app/internal" || p.starts_with("/app/internal/")
}

#[test]
fn path_normalisation_agrees_with_apache() {
    if !require_peer("apache2") || !require_peer("htpasswd") {
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let t = work.path().join("tree");
    tree(&t);
    let htpasswd = work.path().join("htpasswd");
    let ok = Command::new("htpasswd")
        .args([
            "-bcs",
            &htpasswd.display().to_string(),
            "alice",
            "wonderland",
        ])
        .output()
        .unwrap();
    assert!(ok.status.success(), "{ok:?}");
    fs::set_permissions(&htpasswd, fs::Permissions::from_mode(0o644)).unwrap();
    fs::set_permissions(work.path(), fs::Permissions::from_mode(0o755)).unwrap();
    let (up, seen) = upstream();
    let apache = start_apache(&t, &htpasswd, up);
    let demo = Server::start(Some(&demo_config(&t, &htpasswd, up)));
    let demo_addr = demo.http.unwrap();

    let mut targets: Vec<String> = Vec::new();
    for prefix in ["/docs", "/app"] {
        for s in SUFFIXES {
            targets.push(format!("{prefix}{s}"));
        }
    }
    targets.extend(TARGETS.iter().map(|s| (*s).to_owned()));

    let mut report = String::new();
    let mut failures = Vec::new();
    for target in &targets {
        let (ds, db) = get(demo_addr, target, None);
        let (as_, ab) = get(apache.addr(), target, None);
        report.push_str(&format!(
            "{target:<45} demo {ds} apache {as_} {}\n",
            if ds == 200 {
                String::from_utf8_lossy(&db).trim().to_owned()
            } else {
                String::new()
            }
        ));
        // Independent of Apache: no protected content without credentials.
        if String::from_utf8_lossy(&db).contains("SECRET") {
            failures.push(format!(
                "{target}: demo served a protected file without credentials"
            ));
        }
        if ds == 200 && target.contains("app") && reaches_internal(&String::from_utf8_lossy(&db)) {
            failures.push(format!(
                "{target}: demo forwarded {:?} without credentials",
                String::from_utf8_lossy(&db)
            ));
        }
        if let Some((_, d, a, _)) = DEVIATIONS.iter().find(|(t, ..)| t == target) {
            if (ds, as_) != (*d, *a) {
                failures.push(format!(
                    "{target}: documented deviation demo {d} / apache {a}, got demo {ds} / apache {as_}"
                ));
            }
            continue;
        }
        if ds != as_ {
            failures.push(format!("{target}: demo {ds}, apache {as_}"));
        } else if ds == 200 && db != ab {
            failures.push(format!(
                "{target}: demo served {:?}, apache {:?}",
                String::from_utf8_lossy(&db),
                String::from_utf8_lossy(&ab)
            ));
        }
    }
    eprintln!("{report}");
    assert!(
        targets.len() >= 60,
        "the table has {} requests",
        targets.len()
    );
    assert!(
        failures.is_empty(),
        "disagreements with Apache:\n{}\n\nall:\n{report}",
        failures.join("\n")
    );

    // With credentials both serve the protected file and forward the protected path.
    let alice = "YWxpY2U6d29uZGVybGFuZA=="; // alice:wonderland
    for target in [
        "/docs/internal/secret.txt",
        "/docs//internal/./secret.txt",
        "/app/%69nternal/secret.txt",
    ] {
        let (ds, db) = get(demo_addr, target, Some(alice));
        let (as_, ab) = get(apache.addr(), target, Some(alice));
        assert_eq!((ds, &db), (as_, &ab), "{target} with credentials");
        assert_eq!(ds, 200, "{target}");
    }
    assert!(!seen.lock().unwrap().is_empty());
}
