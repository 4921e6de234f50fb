//! Differential test of client-certificate *verification* against real Apache httpd +
//! mod_ssl (Debian `apache2`, OpenSSL 3), issue 16.
//!
//! One Apache instance listens on several ports, one `<VirtualHost>` per verification
//! setting (`SSLVerifyClient none|optional|require|optional_no_ca`, `SSLVerifyDepth`
//! default and explicit, `SSLCARevocationCheck chain|leaf [no_crl_for_cert_ok]`), all
//! trusting `ca-trust.pem` (the test root and the v1 CA of the usual openssl recipe). For
//! each client certificate and each setting, curl requests a CGI that prints mod_ssl's
//! variables and one location per expression and dialect. Compared with this crate's
//! verifier ([`ApacheClientVerifier::decide`]) and evaluator: the handshake outcome,
//! `SSL_CLIENT_VERIFY`, every exported `SSL_CLIENT_*` variable and every verdict.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers; failures should panic

use cert_policy::verify::{read_certificates, read_crl_file};
use cert_policy::{
    ApacheClientVerifier, Context, Dialect, Expr, Request, RevocationCheck, SslRequire, TlsInfo,
    TlsVars, VerifyClient, VerifyConfig,
};
use httpauth_test_kit::{Apache, make_public_dir, require_peer};
use rustls_pki_types::{CertificateDer, UnixTime};
use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

/// One `<VirtualHost>`: name, `SSLVerifyClient`, `SSLVerifyDepth` (None: Apache's default,
/// 1), `SSLCARevocationCheck` and `no_crl_for_cert_ok`.
struct Setting {
    name: &'static str,
    mode: VerifyClient,
    depth: Option<u32>,
    crl: RevocationCheck,
    no_crl_ok: bool,
}

const SETTINGS: &[Setting] = &[
    Setting {
        name: "none",
        mode: VerifyClient::None,
        depth: None,
        crl: RevocationCheck::Chain,
        no_crl_ok: true,
    },
    Setting {
        name: "optional",
        mode: VerifyClient::Optional,
        depth: None,
        crl: RevocationCheck::Chain,
        no_crl_ok: true,
    },
    Setting {
        name: "require",
        mode: VerifyClient::Require,
        depth: None,
        crl: RevocationCheck::Chain,
        no_crl_ok: true,
    },
    Setting {
        name: "optional_no_ca",
        mode: VerifyClient::OptionalNoCa,
        depth: None,
        crl: RevocationCheck::Chain,
        no_crl_ok: true,
    },
    // Without CRL checking nothing clears OpenSSL's error: a lone self-signed certificate
    // is FAILED:self-signed certificate, not GENEROUS.
    Setting {
        name: "optional_no_ca-nocrl",
        mode: VerifyClient::OptionalNoCa,
        depth: None,
        crl: RevocationCheck::None,
        no_crl_ok: false,
    },
    Setting {
        name: "require-depth2",
        mode: VerifyClient::Require,
        depth: Some(2),
        crl: RevocationCheck::Chain,
        no_crl_ok: true,
    },
    Setting {
        name: "optional-depth0",
        mode: VerifyClient::Optional,
        depth: Some(0),
        crl: RevocationCheck::None,
        no_crl_ok: false,
    },
    Setting {
        name: "optional_no_ca-depth2",
        mode: VerifyClient::OptionalNoCa,
        depth: Some(2),
        crl: RevocationCheck::Chain,
        no_crl_ok: true,
    },
    Setting {
        name: "optional-depth2-leafcrl",
        mode: VerifyClient::Optional,
        depth: Some(2),
        crl: RevocationCheck::Leaf,
        no_crl_ok: false,
    },
    Setting {
        name: "optional-depth2-chaincrl-strict",
        mode: VerifyClient::Optional,
        depth: Some(2),
        crl: RevocationCheck::Chain,
        no_crl_ok: false,
    },
];

/// Client certificates: name, certificate (chain) file, key file.
const CLIENTS: &[(&str, Option<(&str, &str)>)] = &[
    // The usual openssl recipe: v1 CA by `-signkey`, v1 client by `-CA`.
    (
        "recipe v1 client",
        Some(("recipe-client.pem", "recipe-client.key")),
    ),
    (
        "recipe v1 CA as client",
        Some(("recipe-ca.pem", "recipe-ca.key")),
    ),
    (
        "self-signed CA:FALSE",
        Some(("selfsigned.pem", "selfsigned.key")),
    ),
    ("self-signed CA:TRUE", Some(("selfca.pem", "selfca.key"))),
    ("expired", Some(("expired.pem", "expired.key"))),
    ("not yet valid", Some(("notyet.pem", "notyet.key"))),
    ("wrong CA", Some(("wrongca.pem", "wrongca.key"))),
    ("chain of 2", Some(("alice.pem", "alice.key"))),
    ("chain of 3", Some(("chain-utf8.pem", "utf8.key"))),
    ("revoked leaf", Some(("revoked.pem", "revoked.key"))),
    (
        "revoked intermediate",
        Some(("chain-underrevoked.pem", "underrevoked.key")),
    ),
    (
        "EKU serverAuth only",
        Some(("ekuserver.pem", "ekuserver.key")),
    ),
    ("no certificate", None),
];

/// Evaluated under both `Require expr` and `SSLRequire`.
const EXPRESSIONS: &[&str] = &[
    r#"%{SSL_CLIENT_VERIFY} == 'SUCCESS'"#,
    r#"%{SSL_CLIENT_VERIFY} =~ /^FAILED:/"#,
    r#"%{SSL_CLIENT_VERIFY} in {'SUCCESS', 'GENEROUS'}"#,
    r#"%{SSL_CLIENT_S_DN_O} eq 'Recipe Org'"#,
    r#"%{SSL_CLIENT_M_VERSION} == '1' && %{SSL_CLIENT_I_DN_CN} == 'Recipe CA'"#,
    r#"-n %{SSL_CLIENT_S_DN_CN} && %{SSL_CLIENT_VERIFY} != 'NONE'"#,
    r#"%{SSL_CLIENT_S_DN_CN} -strmatch 'Recipe*' || %{SSL_CLIENT_V_REMAIN} -gt 100"#,
    // mod_ssl's SSL() string function, also as %{SSL:name}.
    r#"SSL('SSL_CLIENT_S_DN_CN') == 'Recipe Client' || %{SSL:SSL_CLIENT_VERIFY} == 'GENEROUS'"#,
];

/// mod_ssl's `Require` providers, at `/p0`, `/p1`.
const PROVIDERS: &[(&str, SslRequire)] = &[
    ("ssl", SslRequire::Ssl),
    ("ssl-verify-client", SslRequire::SslVerifyClient),
];

fn start_apache() -> Apache {
    Apache::builder(&[
        "authz_core",
        "ssl",
        "socache_shmcb",
        "alias",
        "cgi",
    ])
    .log_level("warn")
    .ports(SETTINGS.len())
    .start(|site| {
        let root = site.root();
        let docroot = root.join("htdocs");
        make_public_dir(&docroot);
        for f in ["server.pem", "server.key", "ca-trust.pem", "crl-chain.pem"] {
            std::fs::copy(data(f), root.join(f)).unwrap();
        }
        let mut conf = format!("DocumentRoot \"{}\"\n", docroot.display());
        conf.push_str(&format!(
            "StartServers 2\nMinSpareServers 1\nMaxSpareServers 4\nMaxKeepAliveRequests 0\n\
             SSLSessionCache none\n\
             <Directory \"{d}\">\n  Require all granted\n</Directory>\n\
             ScriptAlias /env \"{d}/env.cgi\"\n\
             <Location /env>\n  SSLOptions +StdEnvVars +ExportCertData\n</Location>\n",
            d = docroot.display()
        ));
        for (i, e) in EXPRESSIONS.iter().enumerate() {
            std::fs::write(docroot.join(format!("r{i}")), "ok\n").unwrap();
            std::fs::write(docroot.join(format!("s{i}")), "ok\n").unwrap();
            conf.push_str(&format!(
                "<Location /r{i}>\n  Require expr {e}\n</Location>\n\
                 <Location /s{i}>\n  Require all granted\n  SSLRequire {e}\n</Location>\n"
            ));
        }
        for (i, (p, _)) in PROVIDERS.iter().enumerate() {
            std::fs::write(docroot.join(format!("p{i}")), "ok\n").unwrap();
            conf.push_str(&format!("<Location /p{i}>\n  Require {p}\n</Location>\n"));
        }
        // The harness writes the `Listen` lines; one virtual host per setting and port.
        for (s, &port) in SETTINGS.iter().zip(site.ports()) {
            let mode = match s.mode {
                VerifyClient::None => "none",
                VerifyClient::Optional => "optional",
                VerifyClient::Require => "require",
                VerifyClient::OptionalNoCa => "optional_no_ca",
            };
            let depth = s
                .depth
                .map(|d| format!("  SSLVerifyDepth {d}\n"))
                .unwrap_or_default();
            let crl = match s.crl {
                RevocationCheck::None => String::new(),
                RevocationCheck::Leaf | RevocationCheck::Chain => format!(
                    "  SSLCARevocationFile \"{r}/crl-chain.pem\"\n  SSLCARevocationCheck {}{}\n",
                    if s.crl == RevocationCheck::Leaf {
                        "leaf"
                    } else {
                        "chain"
                    },
                    if s.no_crl_ok {
                        " no_crl_for_cert_ok"
                    } else {
                        ""
                    },
                    r = root.display()
                ),
            };
            conf.push_str(&format!(
                "<VirtualHost 127.0.0.1:{port}>\n  SSLEngine on\n\
                 SSLCertificateFile \"{r}/server.pem\"\n  SSLCertificateKeyFile \"{r}/server.key\"\n\
                 SSLCACertificateFile \"{r}/ca-trust.pem\"\n  SSLVerifyClient {mode}\n{depth}{crl}\
                 </VirtualHost>\n",
                r = root.display()
            ));
        }
        std::fs::write(
            docroot.join("env.cgi"),
            "#!/bin/sh\nprintf 'Content-Type: application/octet-stream\\r\\n\\r\\n'\nexec env -0\n",
        )
        .unwrap();
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(
            docroot.join("env.cgi"),
            std::fs::Permissions::from_mode(0o755),
        )
        .unwrap();
        conf
    })
}

fn der_certs(name: &str) -> Vec<Vec<u8>> {
    read_certificates(&std::fs::read(data(name)).unwrap()).unwrap()
}

/// The chain curl sends: the file's certificates, and when the file holds only a leaf whose
/// issuer is in curl's trust store (`--cacert ca.pem`), OpenSSL's client auto-chaining
/// appends that root.
fn presented(file: &str) -> Vec<Vec<u8>> {
    let mut chain = der_certs(file);
    let root = der_certs("ca.pem").remove(0);
    let leaf = cert_policy::CertView::parse(&chain[0]).unwrap();
    let ca = cert_policy::CertView::parse(&root).unwrap();
    if chain.len() == 1 && leaf.x509().issuer().as_raw() == ca.x509().subject().as_raw() {
        chain.push(root);
    }
    chain
}

fn verifier(s: &Setting) -> Arc<ApacheClientVerifier> {
    let mut cfg = VerifyConfig::new(s.mode);
    if let Some(d) = s.depth {
        cfg.depth = d;
    }
    cfg.ca = der_certs("ca-trust.pem")
        .into_iter()
        .map(CertificateDer::from)
        .collect();
    if s.crl != RevocationCheck::None {
        cfg.crls = read_crl_file(data("crl-chain.pem")).unwrap();
    }
    cfg.revocation_check = s.crl;
    cfg.allow_missing_crl = s.no_crl_ok;
    ApacheClientVerifier::with_provider(cfg, Arc::new(rustls::crypto::ring::default_provider()))
        .unwrap()
}

/// `env -0` output of the CGI.
fn cgi_env(out: &[u8]) -> BTreeMap<String, Vec<u8>> {
    out.split(|&b| b == 0)
        .filter_map(|kv| {
            let p = kv.iter().position(|&b| b == b'=')?;
            Some((
                String::from_utf8_lossy(&kv[..p]).into_owned(),
                kv[p + 1..].to_vec(),
            ))
        })
        .collect()
}

#[test]
fn verification_matches_apache() {
    if !require_peer("apache2") || !require_peer("curl") {
        return;
    }
    let parsed: Vec<(Expr, Expr)> = EXPRESSIONS
        .iter()
        .map(|e| {
            (
                Expr::parse(e, Dialect::RequireExpr).unwrap(),
                Expr::parse(e, Dialect::SslRequire).unwrap(),
            )
        })
        .collect();
    let apache = start_apache();
    let tmp = tempfile::tempdir().unwrap();
    // One thread per setting (virtual host): the curl runs are independent.
    let results: Vec<(Vec<String>, usize, String)> = std::thread::scope(|scope| {
        let handles: Vec<_> = SETTINGS
            .iter()
            .zip(apache.ports())
            .enumerate()
            .map(|(k, (setting, &port))| {
                let env_file = tmp.path().join(format!("env{k}"));
                let parsed = &parsed;
                scope.spawn(move || check_setting(setting, port, parsed, &env_file))
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut disagreements = Vec::new();
    let mut compared = 0usize;
    let mut table = String::new();
    for (d, c, t) in results {
        disagreements.extend(d);
        compared += c;
        table.push_str(&t);
    }
    eprintln!("{table}");
    assert!(
        disagreements.is_empty(),
        "{} disagreements:\n{}",
        disagreements.len(),
        disagreements.join("\n")
    );
    eprintln!("apache verification differential: {compared} comparisons agree");
}

/// All clients against one virtual host: (disagreements, comparisons, outcome table).
fn check_setting(
    setting: &Setting,
    port: u16,
    parsed: &[(Expr, Expr)],
    env_file: &Path,
) -> (Vec<String>, usize, String) {
    let mut disagreements = Vec::new();
    let mut compared = 0usize;
    let mut table = String::new();
    {
        let verifier = verifier(setting);
        for (name, client) in CLIENTS {
            let _ = std::fs::remove_file(env_file);
            let mut args: Vec<String> = [
                "-s",
                "--max-time",
                "30",
                "--cacert",
                &data("ca.pem").display().to_string(),
                "-w",
                "%{http_code}\\n",
            ]
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
            if let Some((cert, key)) = client {
                args.extend(["--cert".into(), data(cert).display().to_string()]);
                args.extend(["--key".into(), data(key).display().to_string()]);
            }
            args.extend([
                "-o".into(),
                env_file.display().to_string(),
                format!("https://127.0.0.1:{port}/env"),
            ]);
            for i in 0..EXPRESSIONS.len() {
                for p in ["r", "s"] {
                    args.extend([
                        "-o".into(),
                        "/dev/null".into(),
                        format!("https://127.0.0.1:{port}/{p}{i}"),
                    ]);
                }
            }
            for i in 0..PROVIDERS.len() {
                args.extend([
                    "-o".into(),
                    "/dev/null".into(),
                    format!("https://127.0.0.1:{port}/p{i}"),
                ]);
            }
            let out = Command::new("curl").args(&args).output().expect("curl");
            let codes: Vec<String> = String::from_utf8_lossy(&out.stdout)
                .lines()
                .map(str::to_owned)
                .collect();
            let apache_refused = codes.iter().all(|c| c == "000");

            // This crate: mod_ssl requests no certificate under `none`.
            let mut tls = TlsInfo::default();
            if let Some((cert, _)) = client
                && setting.mode != VerifyClient::None
            {
                tls.peer_certificates = presented(cert);
            }
            tls.server_certificates = der_certs("server.pem");
            let chain: Vec<CertificateDer<'_>> = tls
                .peer_certificates
                .iter()
                .map(|d| CertificateDer::from(d.as_slice()))
                .collect();
            let decision = verifier.decide(&chain, UnixTime::now());
            let label = format!("[{}] {name}", setting.name);
            compared += 1;
            let env = cgi_env(&std::fs::read(env_file).unwrap_or_default());
            let apache_verify = env
                .get("SSL_CLIENT_VERIFY")
                .map(|v| String::from_utf8_lossy(v).into_owned());
            table.push_str(&format!(
                "{label}: apache {}, ours {}\n",
                if apache_refused {
                    "refused".to_owned()
                } else {
                    format!("{apache_verify:?}")
                },
                match &decision {
                    Err(e) => format!("refused ({})", cert_policy::verify::openssl_reason(e)),
                    Ok(v) => format!("{v:?}"),
                }
            ));
            let v = match (&decision, apache_refused) {
                (Err(_), true) => continue,
                (Err(e), false) => {
                    disagreements.push(format!(
                        "{label}: we refuse the handshake ({e}), Apache accepted ({apache_verify:?})"
                    ));
                    continue;
                }
                (Ok(v), true) => {
                    disagreements.push(format!(
                        "{label}: Apache refused the handshake, we accept ({v:?})"
                    ));
                    continue;
                }
                (Ok(v), false) => v.clone(),
            };
            assert_eq!(
                codes.len(),
                1 + EXPRESSIONS.len() * 2 + PROVIDERS.len(),
                "{label}: curl output {codes:?}"
            );
            tls.peer_verification = v;
            let vars = TlsVars::new(&tls).unwrap();
            // Every exported SSL_CLIENT_* variable, SSL_CLIENT_VERIFY first among them.
            let ours: BTreeMap<String, Vec<u8>> = vars
                .export(std::time::SystemTime::now(), true)
                .into_iter()
                .filter(|(k, _)| k.starts_with("SSL_CLIENT_"))
                .collect();
            for (k, v) in &ours {
                compared += 1;
                if !export_agrees(k, env.get(k), v) {
                    disagreements.push(format!(
                        "{label} {k}: apache {:?}, ours {:?}",
                        env.get(k).map(|a| String::from_utf8_lossy(a).into_owned()),
                        String::from_utf8_lossy(v)
                    ));
                }
            }
            for k in env.keys().filter(|k| k.starts_with("SSL_CLIENT_")) {
                if !ours.contains_key(k) {
                    disagreements.push(format!("{label} {k}: exported by apache only"));
                }
            }
            let host = format!("127.0.0.1:{port}");
            let headers = [("Host", host.as_str())];
            for (i, (re, se)) in parsed.iter().enumerate() {
                for (k, (p, e)) in [("r", re), ("s", se)].into_iter().enumerate() {
                    let uri = format!("/{p}{i}");
                    let mut req = Request::default();
                    req.method = "GET";
                    req.scheme = "https";
                    req.uri = &uri;
                    req.remote_addr = Some(IpAddr::V4(Ipv4Addr::LOCALHOST));
                    req.headers = &headers;
                    req.server_port = Some(port);
                    req.protocol = "HTTP/1.1";
                    let ours = e.allows(&Context::new(Some(&vars)).with_request(req));
                    let theirs = match codes[1 + i * 2 + k].as_str() {
                        "200" => true,
                        "403" => false,
                        other => panic!("{label} {uri}: unexpected status {other}"),
                    };
                    compared += 1;
                    if ours != theirs {
                        disagreements.push(format!(
                            "{label} {uri} [{}]: apache {theirs}, ours {ours}",
                            EXPRESSIONS[i]
                        ));
                    }
                }
            }
            for (i, (p, provider)) in PROVIDERS.iter().enumerate() {
                let ours = provider.allows(Some(&vars));
                let theirs = codes[1 + EXPRESSIONS.len() * 2 + i] == "200";
                compared += 1;
                if ours != theirs {
                    disagreements
                        .push(format!("{label} Require {p}: apache {theirs}, ours {ours}"));
                }
            }
        }
    }
    (disagreements, compared, table)
}

/// Apache's and our value of an exported variable agree, byte for byte (see
/// `export_agrees` in tests/apache.rs for `SSL_CLIENT_V_REMAIN`).
fn export_agrees(_name: &str, apache: Option<&Vec<u8>>, ours: &[u8]) -> bool {
    apache.is_some_and(|a| a.as_slice() == ours)
}
