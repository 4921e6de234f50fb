//! Policy reload (issue 8, "password and policy files reload when they change"): the
//! server runs on a configuration file in a temp directory; rewriting the file changes
//! who may enter, a broken file is logged with its line and directive and changes
//! nothing, settings fixed at start are reported as needing a restart, SIGHUP reloads.
//! The second test drives `Running::reload` in-process and checks its report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::Server;
use std::time::{Duration, Instant};

/// A configuration with one protected location whose `Require` line is `require`.
fn config(require: &str, extra_server: &str) -> String {
    format!(
        r#"[server]
demo_setup = true
{extra_server}

[[listener]]
kind = "http"
address = "127.0.0.1:0"

[[location]]
path = "/"

[[location]]
path = "/team"
schemes = ["Basic"]
user_file = "htpasswd"
require = [{require}]
"#
    )
}

/// Status of `GET path` with Basic credentials, over a fresh connection.
fn status(s: &Server, path: &str, user: &str, password: &str) -> u16 {
    let c = httpauth_headers::basic::credentials(user, password).unwrap();
    let auth = httpauth_headers::format_credentials(&c);
    let r = s.raw(
        format!(
            "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: {auth}\r\nConnection: close\r\n\r\n"
        )
        .as_bytes(),
    );
    r.get(9..12).and_then(|c| c.parse().ok()).unwrap_or(0)
}

/// Waits until `alice` gets `want` on `/team` (the watcher polls every second).
fn wait_for(s: &Server, want: u16) -> bool {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if status(s, "/team", "alice", "wonderland") == want {
            return true;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    false
}

#[test]
fn rewriting_the_config_file_changes_the_policy_and_a_broken_file_changes_nothing() {
    let s = Server::start(Some(&config(r#""user alice""#, "")));
    let file = s.dir.path().join("config.toml");
    assert_eq!(status(&s, "/team", "alice", "wonderland"), 200);
    assert_eq!(status(&s, "/team", "bob", "builder"), 401);

    // Only bob now: alice is refused (401 with a fresh challenge, as Apache), bob enters.
    std::fs::write(&file, config(r#""user bob""#, "")).unwrap();
    assert!(
        wait_for(&s, 401),
        "policy not reloaded: {}",
        s.wait_log("", 0)
    );
    assert_eq!(status(&s, "/team", "bob", "builder"), 200);
    let log = s.wait_log("configuration reloaded", 5);
    assert!(log.contains("configuration reloaded"), "{log}");
    assert!(
        log.contains("\"/team\""),
        "the changed location is rebuilt: {log}"
    );

    // A broken file: logged with file, line and directive; bob's policy stays.
    let broken = format!("{}satisfy = \"sometimes\"\n", config(r#""user alice""#, ""));
    let bad_line = broken.lines().count();
    std::fs::write(&file, &broken).unwrap();
    let expected = format!(
        "{}: line {bad_line}: location.satisfy: \"sometimes\" is not any or all",
        file.display()
    );
    let log = s.wait_log(&expected, 20);
    assert!(log.contains(&expected), "{log}");
    assert!(log.contains("the running configuration stays"), "{log}");
    assert_eq!(status(&s, "/team", "alice", "wonderland"), 401);
    assert_eq!(status(&s, "/team", "bob", "builder"), 200);

    // A valid file that also changes a setting fixed at start: the policy applies, the
    // setting is reported as needing a restart.
    std::fs::write(&file, config(r#""valid-user""#, "kex_concurrency = 2")).unwrap();
    assert!(wait_for(&s, 200));
    assert_eq!(status(&s, "/team", "bob", "builder"), 200);
    let log = s.wait_log("server.kex_concurrency", 5);
    assert!(
        log.contains("need a restart") && log.contains("server.kex_concurrency"),
        "{log}"
    );

    // SIGHUP re-reads the file even though it did not change, and the server lives on.
    let st = std::process::Command::new("kill")
        .args(["-HUP", &s.pid().to_string()])
        .status()
        .unwrap();
    assert!(st.success());
    let log = s.wait_log("SIGHUP: reloading", 10);
    assert!(log.contains("SIGHUP: reloading"), "{log}");
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(status(&s, "/team", "alice", "wonderland"), 200);
}

#[test]
fn running_reload_reports_what_changed() {
    use httpauth_demo::{Config, DEFAULT_CONFIG, ListenerKind};
    use std::io::{Read as _, Write as _};
    let dir = tempfile::tempdir().unwrap();
    httpauth_demo::demo_setup(dir.path(), 4).unwrap();
    let parse = |text: &str| {
        let mut c = Config::parse(text, "<test>", Some(dir.path())).unwrap();
        for l in &mut c.listeners {
            l.address.set_port(0);
        }
        c
    };
    let rt = tokio::runtime::Runtime::new().unwrap();
    let running = rt
        .block_on(httpauth_demo::start(parse(DEFAULT_CONFIG)))
        .unwrap();
    let http = running.address(ListenerKind::Http).unwrap();
    let get_admin = |user: &str, pw: &str| -> String {
        let c = httpauth_headers::basic::credentials(user, pw).unwrap();
        let mut s = std::net::TcpStream::connect(http).unwrap();
        write!(
            s,
            "GET /admin HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: {}\r\nConnection: close\r\n\r\n",
            httpauth_headers::format_credentials(&c)
        )
        .unwrap();
        let mut r = String::new();
        s.read_to_string(&mut r).unwrap();
        r
    };
    assert!(get_admin("bob", "builder").starts_with("HTTP/1.1 401"));

    // /admin opens to group staff: only that location is rebuilt.
    let text = DEFAULT_CONFIG.replace(
        r#"require = ["group admins"]"#,
        r#"require = ["group staff"]"#,
    );
    assert_ne!(text, DEFAULT_CONFIG);
    let n = parse(&text).locations.len();
    let report = running.reload(parse(&text)).unwrap();
    assert_eq!(report.rebuilt, vec!["/admin".to_owned()]);
    assert_eq!(report.kept, n - 1);
    assert!(report.restart_needed.is_empty(), "{report:?}");
    let r = get_admin("bob", "builder");
    assert!(r.starts_with("HTTP/1.1 200"), "{r}");
    assert!(r.contains("principal: bob"), "{r}");

    // A new listener address needs a restart; the old one keeps serving the new policy.
    let mut moved = parse(&text);
    moved.listeners[0].address.set_port(1);
    let report = running.reload(moved).unwrap();
    assert_eq!(report.restart_needed, vec!["listener".to_owned()]);
    assert!(report.rebuilt.is_empty(), "{report:?}");
    assert!(get_admin("bob", "builder").starts_with("HTTP/1.1 200"));

    // A location whose file is missing fails the reload as a whole: nothing changes.
    let missing = text.replace(r#"digest_file = "htdigest""#, r#"digest_file = "nope""#);
    assert!(running.reload(parse(&missing)).is_err());
    assert!(get_admin("bob", "builder").starts_with("HTTP/1.1 200"));
    rt.block_on(running.shutdown());
}

/// `[tls]` reloads for new connections: with `verify_client = "none"` no certificate is
/// asked for, so `/cert` refuses alice's; after the file says `optional`, a new
/// connection presents it and passes.
#[test]
fn tls_client_verification_reloads_for_new_connections() {
    let cfg = |verify: &str| {
        format!(
            r#"[server]
demo_setup = true

[[listener]]
kind = "https"
address = "127.0.0.1:0"

[tls]
certificate_chain = "server.pem"
private_key = "server.key"
client_ca = "pki/ca.pem"
verify_client = "{verify}"

[[location]]
path = "/cert"
client_certificate = true
"#
        )
    };
    let s = Server::start(Some(&cfg("none")));
    let file = s.dir.path().join("config.toml");
    let ca = s.ca();
    let url = s.https_url("/cert");
    let mut args = vec!["--cacert".to_owned(), ca];
    args.extend(s.cert_args("alice"));
    args.push(url);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, _, err) = common::client(&args);
    assert_eq!(code, 6, "403 without a certificate request: {err}");
    assert!(err.contains("HTTP 403"), "{err}");

    std::fs::write(&file, cfg("optional")).unwrap();
    let log = s.wait_log("configuration reloaded", 20);
    assert!(log.contains("configuration reloaded"), "{log}");
    let (code, out, err) = common::client(&args);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("certificate verify: SUCCESS"), "{out}");
    assert!(out.contains("CN=alice"), "{out}");
}
