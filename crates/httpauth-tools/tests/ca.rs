//! `httpauth-ca` end to end: the tool's output checked by its peers (Debian's `openssl`,
//! `curl` and Apache 2.4 mod_ssl), the demo server that trusts its CA directory, and 20
//! concurrent `issue` processes.
//!
//! Peers that are missing make the peer test print why and return (the CI image installs
//! them); every other assertion runs everywhere.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::serial_of;
use httpauth_test_kit::{Apache, make_public_dir, require_peer, write_public};
use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const TOOL: &str = env!("CARGO_BIN_EXE_httpauth-ca");
fn tool(dir: &Path, args: &[&str]) -> Output {
    Command::new(TOOL)
        .arg("--dir")
        .arg(dir)
        .args(args)
        .env_remove("HTTPAUTH_CA_DIR")
        .output()
        .expect("run httpauth-ca")
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let out = tool(dir, args);
    assert!(
        out.status.success(),
        "httpauth-ca {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn openssl(args: &[&str]) -> Output {
    Command::new("openssl")
        .args(args)
        .output()
        .expect("openssl")
}

fn p(path: &Path) -> String {
    path.display().to_string()
}

#[test]
fn help_and_version_on_stdout() {
    let out = Command::new(TOOL).arg("--help").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for sub in ["init", "issue", "revoke", "crl", "export", "list", "show"] {
        assert!(text.contains(sub), "--help lacks {sub}: {text}");
    }
    let out = Command::new(TOOL).arg("--version").output().unwrap();
    assert!(out.status.success());
    assert!(
        String::from_utf8(out.stdout)
            .unwrap()
            .starts_with("httpauth-ca ")
    );
}

#[test]
fn bad_input_is_a_clear_error() {
    let d = tempfile::tempdir().unwrap();
    let ca = d.path().join("ca");
    // No CA yet.
    let out = tool(&ca, &["list"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("run `init` first"));
    ok(&ca, &["init"]);
    for (args, needle) in [
        (&["init"][..], "already holds a CA"),
        (&["issue", "client", "--cn", ""], "invalid common name"),
        (
            &["issue", "client", "--cn", "x", "--days", "0"],
            "invalid days",
        ),
        (
            &["issue", "client", "--cn", "x", "--key-type", "rsa9"],
            "invalid key type",
        ),
        (&["issue", "server"], "at least one --dns or --ip"),
        (&["revoke", "zz"], "invalid serial"),
        (&["revoke", "FFFF"], "no certificate with serial FFFF"),
        (&["revoke", "1000"], "is a CA certificate"),
        (&["revoke", "1000", "--reason", "bored"], "invalid reason"),
        (&["show", "FFFF"], "no certificate with serial"),
        (
            &["export", "1000", "--out", "/nonexistent/x.p12"],
            "needs --password-file",
        ),
    ] {
        let out = tool(&ca, args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
}

/// `--out carol.pem`, a bare file name (whose parent is the empty path), is written in the
/// current directory and the command succeeds.
#[test]
fn export_to_a_bare_file_name() {
    let d = tempfile::tempdir().unwrap();
    let ca = d.path().join("ca");
    ok(&ca, &["init"]);
    let client = serial_of(&ok(&ca, &["issue", "client", "--cn", "carol"]));
    let out = Command::new(TOOL)
        .current_dir(d.path())
        .args(["--dir", "ca", "export", &client, "--format", "pem"])
        .args(["--out", "carol.pem"])
        .env_remove("HTTPAUTH_CA_DIR")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pem = std::fs::read_to_string(d.path().join("carol.pem")).unwrap();
    assert!(pem.contains("-----BEGIN CERTIFICATE-----"), "{pem}");
}

/// The issue's "openssl accepts the results": verify (and `-crl_check` after a revocation),
/// `crl -verify`, `pkcs12 -info` on both PKCS#12 forms, and the v3 extensions as OpenSSL
/// reads them.
#[test]
fn openssl_accepts_certificates_crls_and_pkcs12() {
    if !require_peer("openssl") {
        return;
    }
    let d = tempfile::tempdir().unwrap();
    let ca = d.path().join("ca");
    ok(
        &ca,
        &[
            "init",
            "--cn",
            "Example Root",
            "--org",
            "Example",
            "--intermediate",
            "Example Issuing",
        ],
    );
    let out = ok(
        &ca,
        &[
            "issue",
            "client",
            "--cn",
            "carol",
            "--org",
            "Example",
            "--ou",
            "Lab",
            "--uid",
            "carol",
            "--san-email",
            "carol@example.org",
            "--upn",
            "carol@corp.example",
            "--days",
            "30",
        ],
    );
    let serial = serial_of(&out);
    assert!(
        out.contains("subject: UID=carol,CN=carol,OU=Lab,O=Example"),
        "{out}"
    );
    let cert = ca.join(format!("certs/{serial}.pem"));
    let root = ca.join("root.pem");
    let inter = ca.join("intermediate.pem");

    let v = openssl(&[
        "verify",
        "-CAfile",
        &p(&root),
        "-untrusted",
        &p(&inter),
        "-purpose",
        "sslclient",
        &p(&cert),
    ]);
    assert!(v.status.success(), "{}", String::from_utf8_lossy(&v.stdout));
    assert!(String::from_utf8_lossy(&v.stdout).contains(": OK"));
    // A client certificate is no server certificate.
    let v = openssl(&[
        "verify",
        "-CAfile",
        &p(&root),
        "-untrusted",
        &p(&inter),
        "-purpose",
        "sslserver",
        &p(&cert),
    ]);
    assert!(!v.status.success());

    let text = openssl(&["x509", "-in", &p(&cert), "-noout", "-text"]);
    let text = String::from_utf8_lossy(&text.stdout);
    for needle in [
        "Version: 3 (0x2)",
        "X509v3 Basic Constraints: critical",
        "CA:FALSE",
        "Digital Signature",
        "TLS Web Client Authentication",
        "X509v3 Subject Key Identifier",
        "X509v3 Authority Key Identifier",
        "email:carol@example.org",
    ] {
        assert!(text.contains(needle), "missing {needle}: {text}");
    }
    let subj = openssl(&[
        "x509",
        "-in",
        &p(&cert),
        "-noout",
        "-subject",
        "-nameopt",
        "RFC2253",
    ]);
    assert_eq!(
        String::from_utf8_lossy(&subj.stdout).trim(),
        "subject=UID=carol,CN=carol,OU=Lab,O=Example"
    );

    // CRL: signed by the issuing CA, numbered, next update set.
    ok(&ca, &["crl", "--days", "7"]);
    let crl = ca.join("crl.pem");
    let c = openssl(&[
        "crl",
        "-in",
        &p(&crl),
        "-noout",
        "-verify",
        "-CAfile",
        &p(&ca.join("ca.pem")),
        "-crlnumber",
        "-nextupdate",
    ]);
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&c.stdout),
        String::from_utf8_lossy(&c.stderr)
    );
    assert!(c.status.success() && all.contains("verify OK"), "{all}");
    assert!(
        all.contains("crlNumber=0x01") || all.contains("crlNumber=01"),
        "{all}"
    );
    let v = openssl(&[
        "verify",
        "-crl_check_all",
        "-CRLfile",
        &p(&crl),
        "-CAfile",
        &p(&root),
        "-untrusted",
        &p(&inter),
        &p(&cert),
    ]);
    assert!(v.status.success(), "{}", String::from_utf8_lossy(&v.stdout));

    // PKCS#12, modern and legacy.
    let pw = d.path().join("pw");
    std::fs::write(&pw, "s3cret\n").unwrap();
    let p12 = d.path().join("carol.p12");
    let legacy = d.path().join("carol-legacy.p12");
    ok(
        &ca,
        &[
            "export",
            &serial,
            "--out",
            &p(&p12),
            "--password-file",
            &p(&pw),
        ],
    );
    ok(
        &ca,
        &[
            "export",
            &serial,
            "--legacy",
            "--out",
            &p(&legacy),
            "--password-file",
            &p(&pw),
        ],
    );
    use std::os::unix::fs::PermissionsExt as _;
    assert_eq!(
        std::fs::metadata(&p12).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let info = openssl(&[
        "pkcs12",
        "-info",
        "-in",
        &p(&p12),
        "-passin",
        "pass:s3cret",
        "-noenc",
    ]);
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&info.stdout),
        String::from_utf8_lossy(&info.stderr)
    );
    assert!(info.status.success(), "{all}");
    assert!(
        all.contains("PBES2") && all.contains("AES-256-CBC") && all.contains("sha256"),
        "{all}"
    );
    assert_eq!(all.matches("BEGIN CERTIFICATE").count(), 3, "{all}");
    assert!(all.contains("BEGIN PRIVATE KEY"), "{all}");
    let info = openssl(&[
        "pkcs12",
        "-info",
        "-legacy",
        "-in",
        &p(&legacy),
        "-passin",
        "pass:s3cret",
        "-noenc",
    ]);
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&info.stdout),
        String::from_utf8_lossy(&info.stderr)
    );
    assert!(info.status.success(), "{all}");
    assert!(
        all.contains("pbeWithSHA1And3-KeyTripleDES-CBC") && all.contains("sha1"),
        "{all}"
    );
    let wrong = openssl(&[
        "pkcs12",
        "-info",
        "-in",
        &p(&p12),
        "-passin",
        "pass:nope",
        "-noenc",
    ]);
    assert!(!wrong.status.success());

    // Revoke, publish, and OpenSSL refuses the certificate.
    ok(&ca, &["revoke", &serial, "--reason", "key-compromise"]);
    let out = ok(&ca, &["crl"]);
    assert!(out.contains("CRL number 2 with 1 revoked"), "{out}");
    let v = openssl(&[
        "verify",
        "-crl_check",
        "-CRLfile",
        &p(&crl),
        "-CAfile",
        &p(&root),
        "-untrusted",
        &p(&inter),
        &p(&cert),
    ]);
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&v.stdout),
        String::from_utf8_lossy(&v.stderr)
    );
    assert!(
        !v.status.success() && all.contains("certificate revoked"),
        "{all}"
    );
    let c = openssl(&["crl", "-in", &p(&crl), "-noout", "-text"]);
    let text = String::from_utf8_lossy(&c.stdout);
    assert!(
        text.contains(&format!("Serial Number: {serial}")) && text.contains("Key Compromise"),
        "{text}"
    );
    let show = ok(&ca, &["show", &serial]);
    assert!(
        show.contains("status: revoked") && show.contains("key-compromise"),
        "{show}"
    );
}

/// Keys under a passphrase: OpenSSL decrypts them with it, the tool refuses to sign without it.
#[test]
fn encrypted_keys_interoperate() {
    let d = tempfile::tempdir().unwrap();
    let ca = d.path().join("ca");
    let pw = d.path().join("pw");
    std::fs::write(&pw, "ca pass phrase\n").unwrap();
    ok(&ca, &["init", "--passphrase-file", &p(&pw)]);
    let out = tool(&ca, &["issue", "client", "--cn", "dave"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("a passphrase is needed"));
    let out = Command::new(TOOL)
        .args([
            "--dir",
            &p(&ca),
            "issue",
            "client",
            "--cn",
            "dave",
            "--ca-passphrase-env",
            "CA_PW",
            "--key-passphrase-env",
            "KEY_PW",
        ])
        .env("CA_PW", "ca pass phrase")
        .env("KEY_PW", "user pass")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let serial = serial_of(&String::from_utf8_lossy(&out.stdout));
    let key = ca.join(format!("private/{serial}.key"));
    assert!(
        std::fs::read_to_string(&key)
            .unwrap()
            .contains("ENCRYPTED PRIVATE KEY")
    );
    if httpauth_test_kit::find_program("openssl").is_some() {
        let o = openssl(&[
            "pkey",
            "-in",
            &p(&key),
            "-passin",
            "pass:user pass",
            "-noout",
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let o = openssl(&[
            "pkey",
            "-in",
            &p(&ca.join("private/root.key")),
            "-passin",
            "pass:ca pass phrase",
            "-noout",
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
}

/// The issue's "20 concurrent `issue` commands leave 20 distinct serials and 20 index
/// records": 20 processes started at once against one directory.
#[test]
fn twenty_concurrent_issues() {
    let d = tempfile::tempdir().unwrap();
    let ca = d.path().join("ca");
    ok(&ca, &["init"]);
    let children: Vec<Child> = (0..20)
        .map(|i| {
            Command::new(TOOL)
                .args([
                    "--dir",
                    &p(&ca),
                    "issue",
                    "client",
                    "--cn",
                    &format!("user{i}"),
                ])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut serials = BTreeSet::new();
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serials.insert(serial_of(&String::from_utf8_lossy(&out.stdout)));
    }
    assert_eq!(serials.len(), 20);
    let list = ok(&ca, &["list"]);
    let clients: Vec<&str> = list.lines().filter(|l| l.contains("\tclient\t")).collect();
    assert_eq!(clients.len(), 20, "{list}");
    let listed: BTreeSet<String> = clients
        .iter()
        .map(|l| l.split('\t').next().unwrap().to_owned())
        .collect();
    assert_eq!(listed, serials);
    let cns: BTreeSet<String> = clients
        .iter()
        .map(|l| l.rsplit('\t').next().unwrap().to_owned())
        .collect();
    assert_eq!(cns.len(), 20);
    for s in &serials {
        assert!(ca.join(format!("certs/{s}.pem")).exists());
    }
    // No temporary file was left behind.
    let stray = std::fs::read_dir(&ca)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with(".tmp")
        })
        .count();
    assert_eq!(stray, 0);
}

/// Apache's configuration (after the harness's part) for a server certificate of the CA
/// in `ca`, with its CRL when `crl`.
fn apache_conf(root: &Path, ca: &Path, server: &str, crl: bool) -> String {
    let mut conf = format!(
        "DocumentRoot \"{r}/htdocs\"\n\
         StartServers 1\nMinSpareServers 1\nMaxSpareServers 2\nSSLSessionCache none\n\
         SSLEngine on\nSSLCertificateFile \"{c}/certs/{server}.pem\"\n\
         SSLCertificateKeyFile \"{c}/private/{server}.key\"\n\
         SSLCertificateChainFile \"{c}/intermediate.pem\"\n\
         SSLCACertificateFile \"{c}/ca.pem\"\nSSLVerifyClient require\nSSLVerifyDepth 3\n\
         <Directory \"{r}/htdocs\">\n  Require all granted\n</Directory>\n",
        c = ca.display(),
        r = root.display()
    );
    if crl {
        conf.push_str(&format!(
            "SSLCARevocationFile \"{}/crl.pem\"\nSSLCARevocationCheck chain\n",
            ca.display()
        ));
    }
    conf
}

/// `curl` with the given client-certificate arguments; the HTTP status or `000` when the
/// TLS handshake is refused.
fn curl(port: u16, ca: &Path, cert_args: &[&str]) -> String {
    let out = Command::new("curl")
        .args([
            "-s",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "--max-time",
            "10",
        ])
        .args(["--cacert", &p(&ca.join("ca.pem"))])
        .args(cert_args)
        .arg(format!("https://127.0.0.1:{port}/secret.txt"))
        .output()
        .expect("curl");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The issue's curl part against Apache 2.4 mod_ssl: the exported PEM and PKCS#12 get 200;
/// after `revoke` + `crl` and a graceful restart with `SSLCARevocationFile` +
/// `SSLCARevocationCheck chain` the same curl is refused.
#[test]
fn apache_mod_ssl_accepts_then_refuses_after_revocation() {
    if !require_peer("apache2") || !require_peer("curl") {
        return;
    }
    let d = tempfile::tempdir().unwrap();
    let ca = d.path().join("ca");
    ok(&ca, &["init", "--intermediate", "Issuing CA"]);
    let server = serial_of(&ok(
        &ca,
        &["issue", "server", "--dns", "localhost", "--ip", "127.0.0.1"],
    ));
    let client = serial_of(&ok(
        &ca,
        &["issue", "client", "--cn", "erin", "--ou", "Lab"],
    ));
    ok(&ca, &["crl"]);
    let pem = d.path().join("erin.pem");
    let p12 = d.path().join("erin.p12");
    let pw = d.path().join("pw");
    std::fs::write(&pw, "pw\n").unwrap();
    ok(
        &ca,
        &["export", &client, "--format", "pem", "--out", &p(&pem)],
    );
    ok(
        &ca,
        &[
            "export",
            &client,
            "--out",
            &p(&p12),
            "--password-file",
            &p(&pw),
        ],
    );

    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(d.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let mut apache = Apache::builder(&["authz_core", "ssl", "socache_shmcb"])
        .log_level("warn ssl:info")
        .start(|site| {
            make_public_dir(&site.root().join("htdocs"));
            write_public(&site.root().join("htdocs/secret.txt"), "ok\n");
            apache_conf(site.root(), &ca, &server, false)
        });
    let port = apache.port();
    let p12_arg = format!("{}:pw", p(&p12));
    let pem_args = ["--cert", &p(&pem)];
    let p12_args = ["--cert-type", "P12", "--cert", p12_arg.as_str()];
    assert_eq!(curl(port, &ca, &pem_args), "200");
    assert_eq!(curl(port, &ca, &p12_args), "200");
    assert_eq!(
        curl(port, &ca, &[]),
        "000",
        "no client certificate must be refused"
    );

    ok(&ca, &["revoke", &client, "--reason", "superseded"]);
    ok(&ca, &["crl"]);
    // Graceful restart: SIGUSR1 to the parent; it rereads the configuration and the CRL.
    apache.reconfigure(|site| apache_conf(site.root(), &ca, &server, true));
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let code = curl(port, &ca, &pem_args);
        if code != "200" {
            assert_eq!(code, "000", "refused in the TLS handshake");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "apache2 still accepts the revoked certificate"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    assert_eq!(curl(port, &ca, &p12_args), "000");
    let log = apache.error_log();
    assert!(log.contains("revoked"), "{log}");
}

/// `curl` over https to `path` with `cert_args`: the status code, or `000` when the
/// handshake was refused.
fn curl_path(port: u16, ca: &Path, cert_args: &[String], path: &str) -> String {
    let out = Command::new("curl")
        .args(["-s", "-o", "/dev/null", "-w", "%{http_code}"])
        .args(["--max-time", "10", "--cacert", &p(ca)])
        .args(cert_args)
        .arg(format!("https://127.0.0.1:{port}{path}"))
        .output()
        .expect("curl");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Issue 20 against the demo server: its PKI is a CA directory this tool manages; a
/// client certificate issued and exported here (PEM for `curl --cert`, PKCS#12 for
/// `--cert-type P12`) gets 200 at the demo's certificate locations, and after `revoke` +
/// `crl` the same curl is refused at the handshake without restarting the demo (it polls
/// its TLS files).
#[test]
fn demo_refuses_a_revoked_certificate_without_restart() {
    if !require_peer("curl") {
        return;
    }
    let data = httpauth_test_kit::temp_dir("ca-demo");
    let options = common::demo_options(data.path());
    let config = httpauth_demo::prepare(&options).unwrap();
    let rt = common::runtime();
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
    let serial = serial_of(&issued);
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
        assert_eq!(curl_path(port, &ca, args, "/cert"), "200", "{who} at /cert");
        // The SSLRequire location sees the subject the tool wrote.
        assert_eq!(
            curl_path(port, &ca, args, "/cert-policy"),
            "200",
            "{who} at /cert-policy"
        );
    }
    // Without a certificate the location refuses (the handshake asks, optionally).
    assert_eq!(curl_path(port, &ca, &[], "/cert"), "403");

    ok(&pki, &["revoke", &serial, "--reason", "keyCompromise"]);
    // Revoked in the index but no new CRL yet: still accepted, as with Apache.
    assert_eq!(curl_path(port, &ca, &with_pem, "/cert"), "200");
    ok(&pki, &["crl"]);
    let deadline = Instant::now() + Duration::from_secs(15);
    let mut last = String::new();
    while Instant::now() < deadline {
        last = curl_path(port, &ca, &with_pem, "/cert");
        if last != "200" {
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    // Refused at the handshake (curl reports no status), as `SSLVerifyClient optional`
    // refuses a certificate that fails verification.
    assert_eq!(last, "000", "revoked PEM certificate after the new CRL");
    assert_eq!(
        curl_path(port, &ca, &with_p12, "/cert"),
        "000",
        "revoked PKCS#12"
    );
    // The reload kept everything else: alice still gets in.
    assert_eq!(curl_path(port, &ca, &alice, "/cert"), "200");
    rt.block_on(running.shutdown());
}
