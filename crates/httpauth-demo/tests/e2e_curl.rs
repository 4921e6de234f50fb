//! End-to-end: the embedded configuration against curl (Basic, Digest, client
//! certificates, SSLRequire, Satisfy any / all, FakeBasicAuth), raw sockets (400s and
//! limits), and graceful shutdown.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::{Server, curl};
use httpauth_test_kit::require_peer;

#[test]
fn basic_and_digest_sha256_with_curl() {
    if !require_peer("curl") {
        return;
    }
    let s = Server::start(None);
    let ca = s.ca();
    let u = s.https_url("/basic");
    let (code, body) = curl(&["--cacert", &ca, "-u", "alice:wonderland", &u]);
    assert_eq!(code, 200, "{body}");
    assert!(
        body.contains("principal: alice") && body.contains("scheme: Basic"),
        "{body}"
    );
    assert_eq!(curl(&["--cacert", &ca, "-u", "alice:nope", &u]).0, 401);
    assert_eq!(curl(&["--cacert", &ca, &u]).0, 401);
    // Plain http too.
    assert_eq!(curl(&["-u", "bob:builder", &s.http_url("/basic")]).0, 200);

    let d = s.https_url("/digest");
    let (code, body) = curl(&["--cacert", &ca, "--digest", "-u", "alice:wonderland", &d]);
    assert_eq!(code, 200, "{body}");
    assert!(body.contains("scheme: Digest"), "{body}");
    assert_eq!(
        curl(&["--cacert", &ca, "--digest", "-u", "alice:nope", &d]).0,
        401
    );

    // Group authorisation: bob is not in admins -> 401 with fresh challenges.
    let a = s.https_url("/admin");
    assert_eq!(
        curl(&["--cacert", &ca, "-u", "alice:wonderland", &a]).0,
        200
    );
    assert_eq!(curl(&["--cacert", &ca, "-u", "bob:builder", &a]).0, 401);
    assert_eq!(
        curl(&["--cacert", &ca, "--digest", "-u", "bob:builder", &a]).0,
        401
    );
    // The banner lists ready-to-paste commands for every location.
    for loc in [
        "/basic",
        "/digest",
        "/mutual",
        "/cert-policy",
        "/cert-or-password",
        "/optional",
    ] {
        assert!(
            s.banner.contains(&format!("# {loc} ")),
            "{loc} missing from banner"
        );
    }
    assert!(s.banner.contains("--digest -u alice:wonderland"));
}

#[test]
fn wrong_credentials_get_a_fresh_challenge() {
    if !require_peer("curl") {
        return;
    }
    let s = Server::start(None);
    let hdrs = |args: &[&str]| {
        let out = std::process::Command::new("curl")
            .args(["-s", "-o", "/dev/null", "-D", "-", "--max-time", "30"])
            .args(args)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).to_lowercase()
    };
    let url = s.http_url("/digest");
    let a = hdrs(&["--digest", "-u", "alice:wrong", &url]);
    // curl shows both exchanges: the first 401 and the 401 after the wrong answer.
    let nonces: Vec<&str> = a
        .lines()
        .filter(|l| l.starts_with("www-authenticate: digest") && l.contains("sha-256"))
        .filter_map(|l| l.split("nonce=\"").nth(1)?.split('"').next())
        .collect();
    assert_eq!(nonces.len(), 2, "{a}");
    assert_ne!(
        nonces[0], nonces[1],
        "the second challenge must carry a fresh nonce"
    );
    assert!(
        a.contains("algorithm=md5"),
        "MD5 challenge offered too: {a}"
    );
    let b = hdrs(&["-u", "alice:wrong", &s.http_url("/basic")]);
    assert!(b.starts_with("http/1.1 401"), "{b}");
    assert!(
        b.contains("www-authenticate: basic realm=\"httpauth-demo\""),
        "{b}"
    );
}

#[test]
fn client_certificates_policies_and_satisfy() {
    if !require_peer("curl") {
        return;
    }
    let s = Server::start(None);
    let ca = s.ca();
    let alice = s.cert_args("alice");
    let juergen = s.cert_args("juergen");
    let get = |cert: &[String], extra: &[&str], path: &str| -> (u16, String) {
        let url = s.https_url(path);
        let mut args: Vec<&str> = vec!["--cacert", &ca];
        args.extend(cert.iter().map(String::as_str));
        args.extend_from_slice(extra);
        args.push(&url);
        curl(&args)
    };
    let none: Vec<String> = Vec::new();
    // Certificate required.
    let (code, body) = get(&alice, &[], "/cert");
    assert_eq!(code, 200);
    assert!(
        body.contains("certificate subject: CN=alice,OU=Engineering,O=Example Org,C=DE"),
        "{body}"
    );
    assert!(body.contains("certificate verify: SUCCESS"), "{body}");
    let (code, body) = get(&juergen, &[], "/cert");
    assert_eq!(code, 200);
    assert!(body.contains("CN=Jürgen Müller"), "UTF-8 CN shown: {body}");
    assert_eq!(get(&none, &[], "/cert").0, 403);
    // SSLRequire: O and OU of alice pass, juergen's do not.
    assert_eq!(get(&alice, &[], "/cert-policy").0, 200);
    assert_eq!(get(&juergen, &[], "/cert-policy").0, 403);
    assert_eq!(get(&none, &[], "/cert-policy").0, 403);
    // Satisfy any: certificate OR password.
    let (code, body) = get(&alice, &[], "/cert-or-password");
    assert_eq!(code, 200);
    assert!(body.contains("scheme: Certificate"), "{body}");
    assert_eq!(
        get(&none, &["-u", "bob:builder"], "/cert-or-password").0,
        200
    );
    assert_eq!(
        get(
            &none,
            &["--digest", "-u", "bob:builder"],
            "/cert-or-password"
        )
        .0,
        200
    );
    assert_eq!(get(&none, &[], "/cert-or-password").0, 401);
    assert_eq!(get(&none, &["-u", "bob:wrong"], "/cert-or-password").0, 401);
    // Satisfy all: certificate AND password.
    assert_eq!(get(&alice, &[], "/cert-and-password").0, 401);
    assert_eq!(
        get(&none, &["-u", "alice:wonderland"], "/cert-and-password").0,
        403
    );
    let (code, body) = get(&juergen, &["-u", "alice:wonderland"], "/cert-and-password");
    assert_eq!(code, 200);
    assert!(
        body.contains("principal: alice") && body.contains("CN=Jürgen Müller"),
        "{body}"
    );
    assert_eq!(
        get(&alice, &["-u", "alice:wrong"], "/cert-and-password").0,
        401
    );
    // FakeBasicAuth: the DN is the user.
    let (code, body) = get(&alice, &[], "/fake-basic");
    assert_eq!(code, 200);
    assert!(
        body.contains("principal: /C=DE/O=Example Org/OU=Engineering/CN=alice"),
        "{body}"
    );
    assert_eq!(get(&none, &[], "/fake-basic").0, 403);
}

#[test]
fn malformed_requests_get_400_and_the_server_survives() {
    let s = Server::start(None);
    let bad = [
        "Authorization: Digest username=\"alice",
        "Authorization: Digest username=\"a\", username=\"b\"",
        "Authorization: Basic !!!notbase64",
        "Authorization: Basic Zm9v",
        "Authorization: Mutual version=1, user=\"alice",
        "Authorization: ,,,",
    ];
    for h in bad {
        let path = if h.contains("Basic") {
            "/basic"
        } else if h.contains("Mutual") {
            "/mutual"
        } else {
            "/digest"
        };
        let r = s.raw(
            format!("GET {path} HTTP/1.1\r\nHost: x\r\n{h}\r\nConnection: close\r\n\r\n")
                .as_bytes(),
        );
        let status = r.split(' ').nth(1).unwrap_or("");
        assert!(status == "400", "{h} -> {r}");
    }
    // Syntactically valid Mutual credentials with bad values: RFC 8120 section 4.1 answers
    // 401-INIT with reason=invalid-parameters (the scheme's own error channel).
    let r = s.raw(b"GET /mutual HTTP/1.1\r\nHost: x\r\nAuthorization: Mutual version=1, kc1=zz\r\nConnection: close\r\n\r\n");
    assert!(
        r.starts_with("HTTP/1.1 401") && r.contains("reason=invalid-parameters"),
        "{r}"
    );
    // Two Authorization fields.
    let r = s.raw(b"GET /basic HTTP/1.1\r\nHost: x\r\nAuthorization: Basic YTpi\r\nAuthorization: Basic YTpi\r\nConnection: close\r\n\r\n");
    assert!(r.starts_with("HTTP/1.1 400"), "{r}");
    // A header over the limit is refused by the HTTP layer, not a crash.
    let big = "a".repeat(40 * 1024);
    let r = s.raw(format!("GET /basic HTTP/1.1\r\nHost: x\r\nX-Big: {big}\r\n\r\n").as_bytes());
    assert!(
        r.is_empty() || r.starts_with("HTTP/1.1 431") || r.starts_with("HTTP/1.1 400"),
        "{r}"
    );
    // Garbage request line.
    let r = s.raw(b"\x00\x01\x02 nonsense\r\n\r\n");
    assert!(r.is_empty() || r.starts_with("HTTP/1.1 400"), "{r}");
    // Body over the limit (1 MiB in the default configuration).
    let r = s.raw(
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\nConnection: close\r\n\r\nxx",
    );
    assert!(r.starts_with("HTTP/1.1 413"), "{r}");
    // Still serving.
    let r = s.raw(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assert!(r.starts_with("HTTP/1.1 200"), "{r}");
    assert!(r.contains("/cert-and-password"), "{r}");
}

#[test]
fn optional_authentication_page() {
    let s = Server::start(None);
    let r = s.raw(b"GET /optional HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    assert!(r.starts_with("HTTP/1.1 200"), "{r}");
    let lower = r.to_lowercase();
    assert!(
        lower.contains("optional-www-authenticate: mutual version=1"),
        "{r}"
    );
    assert!(lower.contains("optional-www-authenticate: digest"), "{r}");
    assert!(lower.contains("principal: (anonymous)"), "{r}");
    assert!(!lower.contains("\r\nwww-authenticate"), "{r}");
}

#[test]
fn sigterm_shuts_down_gracefully() {
    let mut s = Server::start(None);
    let mut child = s.child.take().unwrap();
    let st = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(st.success());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "{status:?}");
            break;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("server did not stop after SIGTERM");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

#[test]
fn config_errors_name_line_and_directive() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("bad.toml");
    std::fs::write(
        &p,
        "[server]\ndemo_setup = false\n\n[[location]]\npath = \"/x\"\nschemes = [\"Kerberos\"]\n",
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_httpauth-demo"))
        .arg("--config")
        .arg(&p)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.toml: line 6: location.schemes: unknown scheme \"Kerberos\""),
        "{err}"
    );
}

/// The response-head fields called `name` (lowercase) in `head`.
fn fields<'a>(head: &'a str, name: &str) -> Vec<&'a str> {
    head.split("\r\n")
        .skip(1)
        .filter_map(|l| l.split_once(':'))
        .filter(|(k, _)| k.trim().eq_ignore_ascii_case(name))
        .map(|(_, v)| v.trim())
        .collect()
}

fn status_of(head: &str) -> u16 {
    head.split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0)
}

/// RFC 8120 section 4.5 on the demo: a req-VFY-C with `Expect: 100-continue` gets the
/// server's `vks` in the `100 Continue`, checked by the client before the body goes out,
/// and the final response does not repeat it.
#[test]
fn mutual_vks_in_100_continue() {
    use mutual_core::client::{MutualClient, Next, RequestTarget, Response, Status};
    use std::io::{Read as _, Write as _};
    let s = Server::start(None);
    let addr = s.http.unwrap();
    let mut client = MutualClient::new();
    client.add_login(
        "httpauth-demo",
        None,
        "alice",
        httpauth_core::Password::from("wonderland"),
    );
    let target = || {
        let origin = mutual_core::scope::Origin::new("http", "127.0.0.1", addr.port()).unwrap();
        RequestTarget::new(origin, "/mutual")
    };
    let send = |head: String, body: Option<&[u8]>| -> (String, String) {
        let mut c = std::net::TcpStream::connect(addr).unwrap();
        c.set_read_timeout(Some(std::time::Duration::from_secs(20)))
            .unwrap();
        c.write_all(head.as_bytes()).unwrap();
        let mut interim = String::new();
        if let Some(body) = body {
            interim = common::read_head(&mut c).unwrap();
            c.write_all(body).unwrap();
        }
        let mut out = Vec::new();
        let _ = c.read_to_end(&mut out);
        (interim, String::from_utf8_lossy(&out).into_owned())
    };
    let parse_info = |head: &str| {
        let lines = fields(head, "authentication-info");
        (!lines.is_empty())
            .then(|| httpauth_headers::parse_authentication_info_lines(lines).unwrap())
    };

    // Key exchange: GETs until the session is established.
    let (mut seq, mut auth) = client.start(target()).unwrap();
    let mut done = false;
    for _ in 0..4 {
        let mut head = format!("GET /mutual HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
        if let Some(a) = &auth {
            head.push_str(&format!(
                "Authorization: {}\r\n",
                httpauth_headers::format_credentials(a)
            ));
        }
        let (_, r) = send(head + "\r\n", None);
        let chs = fields(&r, "www-authenticate");
        let challenges = if chs.is_empty() {
            Vec::new()
        } else {
            httpauth_headers::parse_challenges_lines(chs).unwrap()
        };
        let info = parse_info(&r);
        let resp = Response {
            status: status_of(&r),
            challenges: &challenges,
            optional_challenges: &[],
            authentication_info: info.as_ref(),
        };
        match client.on_response(&mut seq, &resp).unwrap() {
            Next::Send(c) => auth = Some(c),
            Next::Done(Status::AuthSucceeded { .. }) => {
                done = true;
                break;
            }
            other => panic!("{other:?}"),
        }
    }
    assert!(done, "no Mutual session");

    let (mut seq, first) = client.start(target()).unwrap();
    let auth = httpauth_headers::format_credentials(&first.expect("a req-VFY-C"));
    let head = format!(
        "POST /mutual HTTP/1.1\r\nHost: {addr}\r\nAuthorization: {auth}\r\n\
         Expect: 100-continue\r\nContent-Length: 5\r\nConnection: close\r\n\r\n"
    );
    let (interim, last) = send(head, Some(b"hello"));
    assert_eq!(status_of(&interim), 100, "{interim}");
    let info = parse_info(&interim).expect("Authentication-Info in the 100 Continue");
    client.on_informational(&mut seq, Some(&info)).unwrap();
    assert_eq!(status_of(&last), 200, "{last}");
    assert!(parse_info(&last).is_none(), "repeated: {last}");
    let resp = Response {
        status: 200,
        challenges: &[],
        optional_challenges: &[],
        authentication_info: None,
    };
    assert!(matches!(
        client.on_response(&mut seq, &resp).unwrap(),
        Next::Done(Status::AuthSucceeded { .. })
    ));
}
