//! `httpauth-ca` against the demo server (issue 20): the demo's own PKI is a CA directory
//! the tool manages; a client certificate the tool issues and exports (PEM for
//! `curl --cert`, PKCS#12 for `--cert-type P12`) gets 200 at the demo's certificate
//! locations, and after `httpauth-ca revoke` + `httpauth-ca crl` the same curl is refused
//! at the handshake, without restarting the demo (it polls its TLS files).
//!
//! curl is a peer: missing, the test says why and returns, except under `CI=true`, where
//! it fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

const TOOL: &str = env!("CARGO_BIN_EXE_httpauth-ca");

fn ok(dir: &Path, args: &[&str]) -> String {
    let out: Output = Command::new(TOOL)
        .arg("--dir")
        .arg(dir)
        .args(args)
        .env_remove("HTTPAUTH_CA_DIR")
        .output()
        .expect("run httpauth-ca");
    assert!(
        out.status.success(),
        "httpauth-ca {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn p(path: &Path) -> String {
    path.display().to_string()
}

/// `curl` over https to `path` with `cert_args`: the status code, or `000` when the
/// handshake was refused.
fn curl(port: u16, ca: &Path, cert_args: &[String], path: &str) -> String {
    let out = Command::new("curl")
        .args(["-s", "-o", "/dev/null", "-w", "%{http_code}"])
        .args(["--max-time", "10", "--cacert", &p(ca)])
        .args(cert_args)
        .arg(format!("https://127.0.0.1:{port}{path}"))
        .output()
        .expect("curl");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn demo_refuses_a_revoked_certificate_without_restart() {
    if !httpauth_test_kit::require_peer("curl") {
        return;
    }
    let data = httpauth_test_kit::temp_dir("ca-demo");
    let mut options = httpauth_demo::Options::default();
    options.data_dir = Some(data.path().to_path_buf());
    options.http = Some("127.0.0.1:0".parse().unwrap());
    options.https = Some("127.0.0.1:0".parse().unwrap());
    options.bcrypt_cost = Some(4);
    let config = httpauth_demo::prepare(&options).unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let running = rt.block_on(async {
        let mut r = httpauth_demo::start(config).await.unwrap();
        r.watch(options).unwrap();
        r
    });
    let port = running
        .address(httpauth_demo::ListenerKind::Https)
        .unwrap()
        .port();

    // The demo's PKI is the tool's CA directory.
    let pki = data.path().join("pki");
    let ca = pki.join("ca.pem");
    let list = ok(&pki, &["list"]);
    assert!(list.contains("CN=alice"), "{list}");
    let issued = ok(
        &pki,
        &[
            "issue",
            "client",
            "--cn",
            "carol",
            "--country",
            "DE",
            "--org",
            "Example Org",
            "--ou",
            "Engineering",
        ],
    );
    let serial = issued
        .lines()
        .find_map(|l| l.strip_prefix("serial: "))
        .expect("serial line")
        .to_owned();
    let pem = data.path().join("carol.pem");
    ok(
        &pki,
        &["export", &serial, "--format", "pem", "--out", &p(&pem)],
    );
    let pw = data.path().join("pw");
    std::fs::write(&pw, "s3cret\n").unwrap();
    let p12 = data.path().join("carol.p12");
    ok(
        &pki,
        &[
            "export",
            &serial,
            "--out",
            &p(&p12),
            "--password-file",
            &p(&pw),
        ],
    );
    let with_pem = vec!["--cert".to_owned(), p(&pem)];
    let with_p12 = vec![
        "--cert-type".to_owned(),
        "P12".to_owned(),
        "--cert".to_owned(),
        format!("{}:s3cret", p(&p12)),
    ];
    let alice: Vec<String> = {
        let d = data.path().join("clients");
        vec![
            "--cert".into(),
            p(&d.join("alice.pem")),
            "--key".into(),
            p(&d.join("alice.key")),
        ]
    };
    for (who, args) in [("pem", &with_pem), ("p12", &with_p12), ("alice", &alice)] {
        assert_eq!(curl(port, &ca, args, "/cert"), "200", "{who} at /cert");
        // The SSLRequire location sees the subject the tool wrote.
        assert_eq!(
            curl(port, &ca, args, "/cert-policy"),
            "200",
            "{who} at /cert-policy"
        );
    }
    // Without a certificate the location refuses (the handshake asks, optionally).
    assert_eq!(curl(port, &ca, &[], "/cert"), "403");

    ok(&pki, &["revoke", &serial, "--reason", "keyCompromise"]);
    // Revoked in the index but no new CRL yet: still accepted, as with Apache.
    assert_eq!(curl(port, &ca, &with_pem, "/cert"), "200");
    ok(&pki, &["crl"]);
    let deadline = Instant::now() + Duration::from_secs(15);
    let mut last = String::new();
    while Instant::now() < deadline {
        last = curl(port, &ca, &with_pem, "/cert");
        if last != "200" {
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    // Refused at the handshake (curl reports no status), as `SSLVerifyClient optional`
    // refuses a certificate that fails verification.
    assert_eq!(last, "000", "revoked PEM certificate after the new CRL");
    assert_eq!(
        curl(port, &ca, &with_p12, "/cert"),
        "000",
        "revoked PKCS#12"
    );
    // The reload kept everything else: alice still gets in.
    assert_eq!(curl(port, &ca, &alice, "/cert"), "200");
    rt.block_on(running.shutdown());
}
