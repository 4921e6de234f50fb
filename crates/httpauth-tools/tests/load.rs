//! `httpauth-load` end to end against the demo server started in-process (its embedded
//! configuration: /basic, /digest, /mutual, /cert with alice / wonderland), on free
//! loopback ports, stopped when each test ends: every scheme and connection mode for a
//! short count with no error, the JSON object holding exactly the fields
//! docs/performance.md documents, and a wrong password counted as errors, never as
//! successes.
//!
//! No timing is asserted: the counts are (requests, HTTP requests, key exchanges,
//! connections, handshakes), which follow from the protocol alone.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use serde_json::Value;
use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Command;

const TOOL: &str = env!("CARGO_BIN_EXE_httpauth-load");
/// Requests per case.
const N: u64 = 50;
/// Workers per case.
const C: u64 = 4;

/// The demo server in-process, on free loopback ports, stopped on drop.
struct Demo {
    rt: Option<tokio::runtime::Runtime>,
    running: Option<httpauth_demo::Running>,
    data: tempfile::TempDir,
    http: SocketAddr,
    https: SocketAddr,
}

impl Demo {
    fn start() -> Demo {
        let data = httpauth_test_kit::temp_dir("load-demo");
        let options = common::demo_options(data.path());
        let config = httpauth_demo::prepare(&options).unwrap();
        let rt = common::runtime();
        let running = rt.block_on(httpauth_demo::start(config)).unwrap();
        let http = running.address(httpauth_demo::ListenerKind::Http).unwrap();
        let https = running.address(httpauth_demo::ListenerKind::Https).unwrap();
        Demo {
            rt: Some(rt),
            running: Some(running),
            data,
            http,
            https,
        }
    }

    fn http(&self, path: &str) -> String {
        format!("http://{}{path}", self.http)
    }

    fn https(&self, path: &str) -> String {
        format!("https://{}{path}", self.https)
    }

    fn file(&self, name: &str) -> String {
        self.data.path().join(name).display().to_string()
    }
}

impl Drop for Demo {
    fn drop(&mut self) {
        if let (Some(rt), Some(running)) = (self.rt.take(), self.running.take()) {
            rt.block_on(running.shutdown());
            rt.shutdown_background();
        }
    }
}

/// Runs the tool; returns (exit code, stdout, stderr).
fn load(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(TOOL).args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// Runs the tool with `--json -q -n N -c C` and returns the object (exit code checked
/// against `code`).
fn load_json(args: &[&str], code: i32) -> Value {
    let n = N.to_string();
    let c = C.to_string();
    let mut all = vec!["--json", "-q", "-n", &n, "-c", &c];
    all.extend_from_slice(args);
    let (got, out, err) = load(&all);
    assert_eq!(got, code, "{args:?}\nstdout: {out}\nstderr: {err}");
    assert!(!err.contains("panicked"), "{err}");
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{args:?}: {e}: {out}"))
}

fn u(v: &Value, key: &str) -> u64 {
    v.pointer(key)
        .and_then(Value::as_u64)
        .unwrap_or_else(|| panic!("{key} in {v}"))
}

/// The dotted field names of the table between the `json-fields` markers of
/// docs/performance.md.
fn documented_fields() -> BTreeSet<String> {
    let doc = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/performance.md");
    let text = std::fs::read_to_string(&doc).unwrap();
    let table = text
        .split("<!-- json-fields: begin -->")
        .nth(1)
        .and_then(|t| t.split("<!-- json-fields: end -->").next())
        .expect("json-fields markers in docs/performance.md");
    table
        .lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split('`').next())
        .map(str::to_owned)
        .collect()
}

/// The dotted field names of `v` (objects are descended into, except the maps keyed by
/// data: `errors.status` and `error_examples`).
fn fields_of(v: &Value, prefix: &str, out: &mut BTreeSet<String>) {
    if let Value::Object(m) = v {
        for (k, x) in m {
            let name = if prefix.is_empty() {
                k.clone()
            } else {
                format!("{prefix}.{k}")
            };
            if x.is_object() && name != "errors.status" && name != "error_examples" {
                fields_of(x, &name, out);
            } else {
                out.insert(name);
            }
        }
    }
}

/// The names that are no object holding another name of the set (`tls` is an object in
/// https runs and null in http runs; the table documents it and its fields).
fn leaves(names: &BTreeSet<String>) -> BTreeSet<String> {
    names
        .iter()
        .filter(|a| !names.iter().any(|b| b.starts_with(&format!("{a}."))))
        .cloned()
        .collect()
}

/// Checks a successful case: N requests, all ok; adds its fields to `seen`.
fn all_ok(v: &Value, what: &str, seen: &mut BTreeSet<String>) {
    fields_of(v, "", seen);
    assert_eq!(u(v, "/requests"), N, "{what}: {v}");
    assert_eq!(u(v, "/ok"), N, "{what}: {v}");
    assert_eq!(u(v, "/failed"), 0, "{what}: {v}");
    assert_eq!(v["schema"], 1, "{what}");
    let lat = &v["latency_us"];
    for p in ["min", "p50", "p90", "p99", "p99_9", "max"] {
        assert!(lat[p].as_u64().is_some_and(|x| x >= 1), "{what}: {p} {lat}");
    }
    assert!(u(v, "/latency_us/p50") <= u(v, "/latency_us/max"), "{what}");
    assert!(
        v["requests_per_sec"].as_f64().is_some_and(|r| r > 0.0),
        "{what}"
    );
}

#[test]
fn help_and_version_on_stdout() {
    let (code, out, _) = load(&["--help"]);
    assert_eq!(code, 0);
    for option in [
        "--auth",
        "--session",
        "--connection",
        "--rate",
        "--json",
        "--cacert",
    ] {
        assert!(out.contains(option), "--help lacks {option}: {out}");
    }
    let (code, out, _) = load(&["--version"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("httpauth-load "), "{out}");
}

#[test]
fn bad_settings_are_clear_errors() {
    for (args, needle) in [
        (&["-c", "0", "http://127.0.0.1:1/"][..], "-c"),
        (&["--auth", "digest", "http://127.0.0.1:1/"], "needs -u"),
        (
            &["--auth", "basic", "-u", "a:b", "http://127.0.0.1:1/"],
            "--basic-over-http",
        ),
        (&["https://127.0.0.1:1/"], "--cacert"),
        (&["ftp://127.0.0.1/"], "http"),
        (
            &["-u", "alice", "--auth", "digest", "http://127.0.0.1:1/"],
            "user:password",
        ),
        (&["-d", "soon", "http://127.0.0.1:1/"], "duration"),
        (
            &["--digest-algorithm", "CRC32", "http://127.0.0.1:1/"],
            "Digest algorithm",
        ),
        (
            &["--cacert", "/nonexistent/ca.pem", "https://127.0.0.1:1/"],
            "/nonexistent/ca.pem",
        ),
    ] {
        let (code, out, err) = load(args);
        assert_eq!(code, 2, "{args:?}: {out} {err}");
        assert!(err.contains(needle), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
}

#[test]
fn every_scheme_and_connection_mode_succeeds() {
    let demo = Demo::start();
    let ca = demo.file("pki/ca.pem");
    let cert = demo.file("clients/alice.pem");
    let key = demo.file("clients/alice.key");
    let login = ["-u", "alice:wonderland"];
    let documented = documented_fields();
    let mut seen = BTreeSet::new();

    // No authentication: a baseline, keep-alive and close.
    let v = load_json(&[&demo.http("/")], 0);
    all_ok(&v, "none", &mut seen);
    assert_eq!(u(&v, "/http_requests"), N);
    assert!(u(&v, "/connections") <= C);
    let v = load_json(&["--connection", "close", &demo.http("/")], 0);
    all_ok(&v, "none, close", &mut seen);
    assert_eq!(u(&v, "/connections"), N);

    // Basic: one challenge per worker, then preemptive (RFC 7617 section 2.2).
    let basic = demo.http("/basic");
    let v = load_json(
        &[
            &login[..],
            &["--auth", "basic", "--basic-over-http", &basic],
        ]
        .concat(),
        0,
    );
    all_ok(&v, "basic", &mut seen);
    assert!(u(&v, "/http_requests") <= N + C, "{v}");
    let v = load_json(
        &[
            &login[..],
            &["--auth", "basic", "--cacert", &ca, &demo.https("/basic")],
        ]
        .concat(),
        0,
    );
    all_ok(&v, "basic, https", &mut seen);

    // Digest with nonce reuse: at most one challenge per worker.
    let digest = demo.http("/digest");
    let v = load_json(&[&login[..], &["--auth", "digest", &digest]].concat(), 0);
    all_ok(&v, "digest reuse", &mut seen);
    assert!(u(&v, "/http_requests") <= N + C, "{v}");
    // MD5 only, as Apache offers it.
    let v = load_json(
        &[
            &login[..],
            &["--auth", "digest", "--digest-algorithm", "MD5", &digest],
        ]
        .concat(),
        0,
    );
    all_ok(&v, "digest MD5", &mut seen);
    // A new challenge per request: 401, then the answer.
    let v = load_json(
        &[
            &login[..],
            &["--auth", "digest", "--session", "per-request", &digest],
        ]
        .concat(),
        0,
    );
    all_ok(&v, "digest per-request", &mut seen);
    assert_eq!(u(&v, "/http_requests"), 2 * N, "{v}");
    // ... over a new connection for every HTTP request.
    let v = load_json(
        &[
            &login[..],
            &[
                "--auth",
                "digest",
                "--session",
                "per-request",
                "--connection",
                "close",
                &digest,
            ],
        ]
        .concat(),
        0,
    );
    all_ok(&v, "digest per-request, close", &mut seen);
    assert_eq!(u(&v, "/connections"), 2 * N, "{v}");

    // Mutual with session reuse: one key exchange per worker (INIT, KEX, VFY), then
    // req-VFY-C alone; the server's vks is checked on every response.
    let mutual = demo.http("/mutual");
    let v = load_json(&[&login[..], &["--auth", "mutual", &mutual]].concat(), 0);
    all_ok(&v, "mutual reuse", &mut seen);
    let kex = u(&v, "/key_exchanges");
    assert!((1..=C).contains(&kex), "{v}");
    assert_eq!(u(&v, "/http_requests"), N + 2 * kex, "{v}");
    assert_eq!(v["mutual_algorithm"], "iso-kam3-ec-p256-sha256", "{v}");
    // A new key exchange per request: three HTTP requests each.
    let v = load_json(
        &[
            &login[..],
            &["--auth", "mutual", "--session", "per-request", &mutual],
        ]
        .concat(),
        0,
    );
    all_ok(&v, "mutual per-request", &mut seen);
    assert_eq!(u(&v, "/key_exchanges"), N, "{v}");
    assert_eq!(u(&v, "/http_requests"), 3 * N, "{v}");
    // Over https (tls-server-end-point channel binding, RFC 8120 section 7).
    let v = load_json(
        &[
            &login[..],
            &["--auth", "mutual", "--cacert", &ca, &demo.https("/mutual")],
        ]
        .concat(),
        0,
    );
    all_ok(&v, "mutual https", &mut seen);
    assert!(u(&v, "/key_exchanges") >= 1, "{v}");
    // The engine's own choice among what the server offers.
    let v = load_json(
        &[&login[..], &["--auth", "any", &demo.http("/optional")]].concat(),
        0,
    );
    assert_eq!(u(&v, "/failed"), 0, "{v}");

    // Client certificates: a full TLS handshake per request.
    let v = load_json(
        &[
            "--cacert",
            &ca,
            "--cert",
            &cert,
            "--key",
            &key,
            "--connection",
            "close",
            &demo.https("/cert"),
        ],
        0,
    );
    all_ok(&v, "cert, close", &mut seen);
    assert_eq!(u(&v, "/connections"), N, "{v}");
    assert_eq!(u(&v, "/tls/full_handshakes"), N, "{v}");
    assert_eq!(u(&v, "/tls/resumed"), 0, "{v}");
    assert!(v["tls"]["version"].is_string(), "{v}");
    // Keep-alive: one handshake per worker.
    let v = load_json(
        &[
            "--cacert",
            &ca,
            "--cert",
            &cert,
            "--key",
            &key,
            &demo.https("/cert"),
        ],
        0,
    );
    all_ok(&v, "cert, keep-alive", &mut seen);
    assert!(u(&v, "/tls/full_handshakes") <= C, "{v}");

    // Fixed rate (open loop): the schedule lag is reported.
    let v = load_json(
        &[&login[..], &["--auth", "digest", "--rate", "400", &digest]].concat(),
        0,
    );
    all_ok(&v, "digest, rate", &mut seen);
    assert!(v["max_schedule_lag_us"].is_u64(), "{v}");
    // A warm-up is not measured.
    let v = load_json(
        &[
            &login[..],
            &["--auth", "digest", "--warmup", "200ms", &digest],
        ]
        .concat(),
        0,
    );
    all_ok(&v, "digest, warm-up", &mut seen);

    // Every field the runs printed is documented, and every documented field was printed.
    assert_eq!(
        leaves(&seen),
        leaves(&documented),
        "the JSON fields and docs/performance.md differ"
    );
}

#[test]
fn a_wrong_password_gives_errors_not_successes() {
    let demo = Demo::start();
    let ca = demo.file("pki/ca.pem");
    let bad = ["-u", "alice:not-wonderland"];
    for (what, args) in [
        (
            "basic",
            vec!["--auth", "basic", "--cacert", &ca, "--session", "reuse"],
        ),
        ("digest", vec!["--auth", "digest"]),
        (
            "digest per-request",
            vec!["--auth", "digest", "--session", "per-request"],
        ),
        ("mutual", vec!["--auth", "mutual"]),
    ] {
        let url = match what {
            "basic" => demo.https("/basic"),
            w if w.starts_with("digest") => demo.http("/digest"),
            _ => demo.http("/mutual"),
        };
        let v = load_json(&[&bad[..], &args[..], &[&url]].concat(), 1);
        assert_eq!(u(&v, "/ok"), 0, "{what}: {v}");
        assert_eq!(u(&v, "/failed"), N, "{what}: {v}");
        assert_eq!(u(&v, "/errors/auth"), N, "{what}: {v}");
        assert!(v["latency_us"]["p50"].is_null(), "{what}: {v}");
        assert!(
            v["error_examples"]["auth"]
                .as_str()
                .is_some_and(|m| m.contains("refused")),
            "{what}: {v}"
        );
    }
    // The right scheme with the wrong expectation: every response is an unexpected
    // status, not a success.
    let v = load_json(&["--cacert", &ca, "--expect", "204", &demo.https("/")], 1);
    assert_eq!(u(&v, "/errors/status/200"), N, "{v}");
    // No client certificate where one is required: 403, counted by status.
    let v = load_json(&["--cacert", &ca, &demo.https("/cert")], 1);
    assert_eq!(u(&v, "/errors/status/403"), N, "{v}");
    // A location without authentication asked for with Digest: the 200 answered a
    // request without Digest credentials.
    let v = load_json(
        &[
            "-u",
            "alice:wonderland",
            "--auth",
            "digest",
            &demo.http("/"),
        ],
        1,
    );
    assert_eq!(u(&v, "/errors/unauthenticated"), N, "{v}");
    // Nobody listening: connection errors.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let v = load_json(&[&format!("http://127.0.0.1:{port}/")], 1);
    assert_eq!(u(&v, "/errors/connect"), N, "{v}");
}
