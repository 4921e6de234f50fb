//! End-to-end with a configuration file: certificates made with the openssl CLI (the
//! classic CA / server / client recipe), curl Digest MD5 and SHA-256, Python `requests`
//! Basic and Digest, this crate's client for Mutual (all four algorithms, over http with
//! `validation=host` and over https with `tls-server-end-point`), static files and the
//! reverse proxy.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::{Server, client, curl};
use httpauth_test_kit::require_peer;
use std::path::Path;
use std::process::Command;

const ALGORITHMS: [(&str, &str); 4] = [
    ("ec256", "iso-kam3-ec-p256-sha256"),
    ("dl2048", "iso-kam3-dl-2048-sha256"),
    ("ec521", "iso-kam3-ec-p521-sha512"),
    ("dl4096", "iso-kam3-dl-4096-sha512"),
];

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The classic recipe: a CA, a server certificate and two client certificates.
fn openssl_pki(dir: &Path) {
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "30",
            "-subj",
            "/C=DE/O=OpenSSL Test/CN=OpenSSL Test CA",
        ],
    );
    std::fs::write(
        dir.join("server.ext"),
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    std::fs::write(dir.join("client.ext"), "extendedKeyUsage=clientAuth\n").unwrap();
    openssl(
        dir,
        &[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
            "-subj",
            "/O=OpenSSL Test/CN=127.0.0.1",
        ],
    );
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "server.pem",
            "-days",
            "30",
            "-extfile",
            "server.ext",
        ],
    );
    for (name, ou) in [("carol", "Lab"), ("dave", "Other")] {
        openssl(
            dir,
            &[
                "req",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                &format!("{name}.key"),
                "-out",
                &format!("{name}.csr"),
                "-subj",
                &format!("/C=DE/O=OpenSSL Test/OU={ou}/CN={name}"),
            ],
        );
        openssl(
            dir,
            &[
                "x509",
                "-req",
                "-in",
                &format!("{name}.csr"),
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-out",
                &format!("{name}.pem"),
                "-days",
                "30",
                "-extfile",
                "client.ext",
            ],
        );
    }
}

/// A tiny upstream that answers every request with its request head (lower-cased) as
/// the body.
fn upstream() -> std::net::SocketAddr {
    common::upstream(str::to_lowercase).0
}

fn config(pki: &Path, statics: &Path, up: std::net::SocketAddr) -> String {
    let mut c = format!(
        r#"
[server]
demo_setup = true

[[listener]]
kind = "http"
address = "127.0.0.1:0"

[[listener]]
kind = "https"
address = "127.0.0.1:0"

[tls]
certificate_chain = "{p}/server.pem"
private_key = "{p}/server.key"
client_ca = "{p}/ca.pem"
verify_client = "optional"

[[location]]
path = "/md5"
schemes = ["Digest"]
digest_file = "htdigest"
digest_algorithms = ["MD5"]

[[location]]
path = "/sha256"
schemes = ["Digest"]
digest_file = "htdigest"
digest_algorithms = ["SHA-256"]

[[location]]
path = "/basic"
schemes = ["Basic"]
user_file = "htpasswd"

[[location]]
path = "/lab"
client_certificate = true
ssl_require = '%{{SSL_CLIENT_S_DN_OU}} eq "Lab" and %{{SSL_CLIENT_I_DN_O}} eq "OpenSSL Test"'

[[location]]
path = "/files"
schemes = ["Basic"]
user_file = "htpasswd"
static_dir = "{s}"

[[location]]
path = "/app"
schemes = ["Basic"]
user_file = "htpasswd"
proxy = "http://{up}"
proxy_user_header = "X-Remote-User"
"#,
        p = pki.display(),
        s = statics.display(),
    );
    for (short, token) in ALGORITHMS {
        c.push_str(&format!(
            "\n[[location]]\npath = \"/m/{short}\"\nschemes = [\"Mutual\"]\nmutual_file = \"htmutual\"\nmutual_algorithms = [\"{token}\"]\n"
        ));
    }
    c
}

struct Setup {
    server: Server,
    pki: std::path::PathBuf,
}

fn setup() -> Option<Setup> {
    if !require_peer("openssl") {
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let pki = dir.path().join("pki");
    let statics = dir.path().join("static");
    std::fs::create_dir_all(&pki).unwrap();
    std::fs::create_dir_all(statics.join("sub")).unwrap();
    std::fs::write(statics.join("hello.txt"), "hello from disk\n").unwrap();
    std::fs::write(statics.join("sub/index.html"), "<p>index</p>\n").unwrap();
    openssl_pki(&pki);
    let text = config(&pki, &statics, upstream());
    let server = Server::start_in(dir, Some(&text));
    Some(Setup { server, pki })
}

#[test]
fn openssl_certificates_curl_digest_md5_sha256_static_and_proxy() {
    if !require_peer("curl") {
        return;
    }
    let Some(Setup { server: s, pki }) = setup() else {
        return;
    };
    let ca = pki.join("ca.pem").display().to_string();
    let cert = |n: &str| {
        vec![
            "--cert".to_owned(),
            pki.join(format!("{n}.pem")).display().to_string(),
            "--key".to_owned(),
            pki.join(format!("{n}.key")).display().to_string(),
        ]
    };
    // Client certificates from the openssl recipe, SSLRequire on OU and issuer O.
    let lab = s.https_url("/lab");
    let mut args: Vec<String> = vec!["--cacert".into(), ca.clone()];
    args.extend(cert("carol"));
    args.push(lab.clone());
    let (code, body) = curl(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code, 200, "{body}");
    assert!(
        body.contains("CN=carol,OU=Lab,O=OpenSSL Test,C=DE"),
        "{body}"
    );
    let mut args: Vec<String> = vec!["--cacert".into(), ca.clone()];
    args.extend(cert("dave"));
    args.push(lab.clone());
    assert_eq!(
        curl(&args.iter().map(String::as_str).collect::<Vec<_>>()).0,
        403
    );
    assert_eq!(curl(&["--cacert", &ca, &lab]).0, 403);
    // A certificate from another CA (the demo's) fails the handshake under `optional`.
    let d = s.data();
    let foreign = curl(&[
        "--cacert",
        &ca,
        "--cert",
        &d.join("clients/alice.pem").display().to_string(),
        "--key",
        &d.join("clients/alice.key").display().to_string(),
        &lab,
    ]);
    assert_ne!(foreign.0, 200);

    // Digest: MD5 and SHA-256 with curl, over https and http.
    for path in ["/md5", "/sha256"] {
        let (code, body) = curl(&[
            "--cacert",
            &ca,
            "--digest",
            "-u",
            "alice:wonderland",
            &s.https_url(path),
        ]);
        assert_eq!(code, 200, "{path}: {body}");
        assert!(body.contains("scheme: Digest"));
        assert_eq!(
            curl(&["--digest", "-u", "bob:builder", &s.http_url(path)]).0,
            200
        );
        assert_eq!(
            curl(&["--digest", "-u", "bob:wrong", &s.http_url(path)]).0,
            401
        );
    }

    // Static files behind Basic; no escape from the directory.
    let (code, body) = curl(&["-u", "alice:wonderland", &s.http_url("/files/hello.txt")]);
    assert_eq!((code, body.as_str()), (200, "hello from disk\n"));
    assert_eq!(
        curl(&["-u", "alice:wonderland", &s.http_url("/files/sub/")]).0,
        200
    );
    assert_eq!(
        curl(&[
            "-u",
            "alice:wonderland",
            "--path-as-is",
            &s.http_url("/files/../config.toml")
        ])
        .0,
        404
    );
    assert_eq!(
        curl(&[
            "-u",
            "alice:wonderland",
            &s.http_url("/files/%2e%2e/config.toml")
        ])
        .0,
        404
    );
    assert_eq!(curl(&[&s.http_url("/files/hello.txt")]).0, 401);

    // Reverse proxy: the user goes upstream in X-Remote-User; a client's own copy is stripped.
    let (code, body) = curl(&[
        "-u",
        "bob:builder",
        "-H",
        "X-Remote-User: mallory",
        &s.http_url("/app/x?y=1"),
    ]);
    assert_eq!(code, 200, "{body}");
    assert!(body.starts_with("get /app/x?y=1 http/1.1"), "{body}");
    assert!(body.contains("x-remote-user: bob"), "{body}");
    assert!(
        !body.contains("mallory") && !body.contains("authorization"),
        "{body}"
    );
}

#[test]
fn python_requests_basic_and_digest() {
    if !require_peer("python3-requests") {
        return;
    }
    let Some(Setup { server: s, pki }) = setup() else {
        return;
    };
    let ca = pki.join("ca.pem").display().to_string();
    let script = r#"
import sys, requests
from requests.auth import HTTPBasicAuth, HTTPDigestAuth
ca, https, http = sys.argv[1], sys.argv[2], sys.argv[3]
out = []
for base, verify in ((https, ca), (http, True)):
    r = requests.get(base + "/basic", auth=HTTPBasicAuth("alice", "wonderland"), verify=verify, timeout=30)
    out.append(r.status_code)
    r = requests.get(base + "/basic", auth=HTTPBasicAuth("alice", "nope"), verify=verify, timeout=30)
    out.append(r.status_code)
    for p in ("/md5", "/sha256"):
        r = requests.get(base + p, auth=HTTPDigestAuth("bob", "builder"), verify=verify, timeout=30)
        out.append(r.status_code)
        assert "scheme: Digest" in r.text, r.text
        r = requests.get(base + p, auth=HTTPDigestAuth("bob", "nope"), verify=verify, timeout=30)
        out.append(r.status_code)
print(" ".join(map(str, out)))
"#;
    let out = Command::new("/usr/bin/python3")
        .args(["-c", script, &ca, &s.https_url(""), &s.http_url("")])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "200 401 200 401 200 401 200 401 200 401 200 401"
    );
}

#[test]
fn own_client_mutual_all_algorithms_http_and_https() {
    let Some(Setup { server: s, pki }) = setup() else {
        return;
    };
    let ca = pki.join("ca.pem").display().to_string();
    for (short, token) in ALGORITHMS {
        // http: validation=host.
        let url = s.http_url(&format!("/m/{short}"));
        let (code, out, err) = client(&["-v", "-u", "alice:wonderland", &url, &url]);
        assert_eq!(code, 0, "{token} over http: {err}");
        assert!(
            out.contains("scheme: Mutual") && out.contains("principal: alice"),
            "{out}"
        );
        assert!(
            err.contains("validation=host") && err.contains(token),
            "{err}"
        );
        assert!(
            err.contains("req-KEX-C1") && err.contains("server verified (vks)"),
            "{err}"
        );
        assert!(
            err.contains("reusing the session (req-VFY-C)"),
            "second URL reuses the session: {err}"
        );
        // https: validation=tls-server-end-point.
        let url = s.https_url(&format!("/m/{short}"));
        let (code, out, err) = client(&["-v", "--cacert", &ca, "-u", "bob:builder", &url]);
        assert_eq!(code, 0, "{token} over https: {err}");
        assert!(out.contains("principal: bob"), "{out}");
        assert!(err.contains("validation=tls-server-end-point"), "{err}");
        // Wrong password: AUTH-REQUIRED, exit 4.
        let (code, _, err) = client(&["-u", "alice:wrong", &s.http_url(&format!("/m/{short}"))]);
        assert_eq!(code, 4, "{err}");
        assert!(
            err.contains("authentication failed (Mutual, realm \"httpauth-demo\")"),
            "{err}"
        );
    }
}

#[test]
fn own_client_basic_digest_and_exit_codes() {
    let Some(Setup { server: s, pki }) = setup() else {
        return;
    };
    let ca = pki.join("ca.pem").display().to_string();
    let (code, out, err) = client(&[
        "-v",
        "--cacert",
        &ca,
        "-u",
        "alice:wonderland",
        &s.https_url("/sha256"),
        &s.https_url("/sha256"),
        &s.https_url("/md5"),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.matches("scheme: Digest").count() == 3, "{out}");
    assert!(
        err.contains("server verified (rspauth)") && err.contains("reusing the nonce"),
        "{err}"
    );
    let (code, _, err) = client(&[
        "-u",
        "alice:wonderland",
        "--auth",
        "basic",
        "--basic-over-http",
        &s.http_url("/basic"),
    ]);
    assert_eq!(code, 0, "{err}");
    // Basic over plain http only when allowed (RFC 7617 section 4).
    let (code, _, err) = client(&["-u", "alice:wonderland", &s.http_url("/basic")]);
    assert_eq!(code, 7, "{err}");
    assert!(err.contains("--basic-over-http"), "{err}");
    let (code, _, err) = client(&[
        "-u",
        "alice:nope",
        "--basic-over-http",
        &s.http_url("/basic"),
    ]);
    assert_eq!(code, 4, "{err}");
    let (code, _, err) = client(&[&s.http_url("/md5")]);
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("give -u USER"), "{err}");
    // Only Digest offered, only Mutual allowed: nothing usable (exit 7, issue 15), and the
    // message says what was offered and what is missing.
    let (code, _, err) = client(&[
        "-u",
        "alice:wonderland",
        "--auth",
        "mutual",
        &s.http_url("/md5"),
    ]);
    assert_eq!(code, 7, "{err}");
    assert!(
        err.contains("Digest: not allowed by --auth mutual"),
        "{err}"
    );
    let (code, _, err) = client(&["-u", "a:b", "http://127.0.0.1:1/"]);
    assert_eq!(code, 3, "{err}");
    let (code, _, _) = client(&["--bogus"]);
    assert_eq!(code, 2);
    let (code, _, err) = client(&["-u", "alice:wonderland", &s.http_url("/nowhere")]);
    assert_eq!(code, 6, "{err}");
    // Benchmark mode reports a rate.
    let (code, _, err) = client(&[
        "-u",
        "alice:wonderland",
        "--repeat",
        "5",
        "--concurrency",
        "2",
        &s.http_url("/m/ec256"),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("10 requests in"), "{err}");
}
