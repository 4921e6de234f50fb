//! Differential test against real Apache httpd + mod_ssl (Debian `apache2`).
//!
//! Starts `/usr/sbin/apache2` on 127.0.0.1 (free port, temporary ServerRoot,
//! `SSLVerifyClient optional_no_ca`), with one `<Location>` per expression and dialect
//! (`/rN`: `Require expr`, `/sN`: `SSLRequire`) and a CGI at `/env` exporting
//! `SSLOptions +StdEnvVars +ExportCertData`. For each test certificate, curl requests every
//! location; Apache's allow (200) / deny (403) / handshake failure must equal this crate's
//! verifier decision and evaluation, and the exported variables must agree.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers; failures should panic

use cert_policy::verify::read_certificates;
use cert_policy::{
    ApacheClientVerifier, Context, Dialect, Expr, PeerVerification, Request, RevocationCheck,
    TlsInfo, TlsVars, VerifyClient, VerifyConfig,
};
use httpauth_test_kit::{Apache, make_public_dir, require_peer};
use rustls_pki_types::{CertificateDer, CertificateRevocationListDer, UnixTime};
use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};
use std::process::Command;

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

/// The expressions; each is configured under both `Require expr` and `SSLRequire`.
const EXPRESSIONS: &[&str] = &[
    r#"%{SSL_CLIENT_S_DN_O} eq "garex AG" and %{SSL_CLIENT_S_DN_OU} in {"Fun dept."}"#,
    r#"%{SSL_CLIENT_I_DN_O} == "httpauth test""#,
    r#"%{SSL_CLIENT_S_DN_CN} == 'Alice Example'"#,
    r#"%{SSL_CLIENT_S_DN_OU_1} == 'Sales' && %{SSL_CLIENT_S_DN_OU_2} == 'R&D'"#,
    r#"%{SSL_CLIENT_S_DN_Email} =~ /@example\.com$/"#,
    r#"%{SSL_CLIENT_S_DN} =~ /^emailAddress=alice@example\.com,CN=Alice Example,OU=R&D,OU=Sales,OU=Fun dept\.,O=garex AG,L=Muenchen,ST=Bayern,C=DE$/"#,
    r#"%{SSL_CLIENT_S_DN_CN} =~ /^j..rgen/i"#,
    r#"%{SSL_CLIENT_S_DN_CN} == 'Jürgen Müller'"#,
    r#"%{SSL_CLIENT_S_DN_UID} == 'jmueller'"#,
    r#"%{SSL_CLIENT_VERIFY} == 'SUCCESS'"#,
    r#"%{SSL_CLIENT_VERIFY} =~ /^FAILED:/"#,
    r#"%{SSL_CLIENT_VERIFY} != 'NONE'"#,
    r#"%{SSL_CLIENT_M_VERSION} -eq 3"#,
    r#"%{SSL_CLIENT_M_SERIAL} =~ /^[0-9A-F]+$/"#,
    r#"%{SSL_CLIENT_V_REMAIN} -gt 3650"#,
    r#"%{SSL_CLIENT_V_END} =~ /20[0-9][0-9] GMT$/"#,
    r#"%{SSL_CLIENT_A_SIG} == 'sha256WithRSAEncryption'"#,
    r#"%{SSL_CLIENT_A_KEY} == 'id-ecPublicKey'"#,
    r#"%{SSL_CLIENT_SAN_Email_0} == 'alice@example.com'"#,
    r#"%{SSL_CLIENT_SAN_DNS_1} == 'www.alice.example.com'"#,
    r#"%{SSL_CLIENT_SAN_OTHER_msUPN_0} == 'alice@corp.example'"#,
    r#"'DNS:alice.example.com' -in PeerExtList('subjectAltName') || 'email:alice@example.com, DNS:alice.example.com, DNS:www.alice.example.com, othername: UPN::alice@corp.example' in PeerExtList('subjectAltName')"#,
    r#"'alice test certificate' in PeerExtList('nsComment')"#,
    r#"'TLS Web Client Authentication' in PeerExtList('extendedKeyUsage')"#,
    r#"%{SSL_CLIENT_CERT} =~ /^-----BEGIN CERTIFICATE-----/"#,
    r#"-n %{SSL_CLIENT_CERT_CHAIN_0}"#,
    r#"-z %{SSL_CLIENT_S_DN_T}"#,
    r#"%{SSL_SERVER_S_DN_CN} == 'localhost'"#,
    r#"%{SSL_SERVER_I_DN} == 'CN=Test Root CA,O=httpauth test,C=DE'"#,
    r#"%{SSL_CLIENT_S_DN_CN} < 'B'"#,
    r#"%{SSL_CLIENT_S_DN_CN} >= 'Mallory'"#,
    r#"%{SSL_CLIENT_S_DN_CN} lt 'Bob'"#,
    r#"'10' gt '9'"#,
    r#"%{SSL_CLIENT_S_DN_CN} eq 'bob'"#,
    r#"%{SSL_CLIENT_M_VERSION} -ge 2 && %{SSL_CLIENT_M_VERSION} -le 3 && %{SSL_CLIENT_M_VERSION} -ne 1 && %{SSL_CLIENT_M_VERSION} -lt 4"#,
    r#"tolower(%{SSL_CLIENT_S_DN_O}) == 'garex ag' || toupper(%{SSL_CLIENT_S_DN_C}) == 'US'"#,
    r#"md5(%{SSL_CLIENT_S_DN_CN}) == md5('Alice Example') && sha1('x') == '11f6ad8ec52a2984abaafd7c3b516503785c2072'"#,
    r#"base64(%{SSL_CLIENT_S_DN_CN}) == 'QWxpY2UgRXhhbXBsZQ==' || unbase64('TWFsbG9yeQ==') == %{SSL_CLIENT_S_DN_CN}"#,
    r#"escape(%{SSL_CLIENT_S_DN_O}) == 'garex%20AG' && unescape('garex%20AG') == 'garex AG'"#,
    r#"%{SSL_CLIENT_S_DN_CN} =~ /^(\w+) (\w+)$/ && $2 == 'Example' && "$1" == 'Alice'"#,
    r#"%{SSL_CLIENT_S_DN_CN} !~ /mallory/i"#,
    r#"%{REMOTE_ADDR} -ipmatch '127.0.0.0/8' && -R '127.0.0.1'"#,
    r#"%{REQUEST_METHOD} == 'GET' && %{REQUEST_URI} =~ m#^/[rs][0-9]+$#"#,
    r#"%{HTTP:X-Test} == 'hello' && req('X-Test') == 'hello' && http('x-test') == 'hello'"#,
    r#"%{HTTP_HOST} -strmatch '127.0.0.1:*'"#,
    r#"%{SSL_CLIENT_S_DN_CN} -strcmatch 'alice*' || %{SSL_CLIENT_S_DN_CN} -fnmatch 'J*'"#,
    r#"!(%{SSL_CLIENT_S_DN_O} == 'Rogue') and not %{SSL_CLIENT_S_DN_CN} == 'Selfie'"#,
    r#"%{SSL_CLIENT_S_DN_O} . '/' . %{SSL_CLIENT_S_DN_CN} == 'garex AG/Alice Example'"#,
    r#"-T %{HTTPS} && %{HTTPS} == 'on'"#,
    r#"%{TIME_YEAR} -ge 2024"#,
    r#"%{SSL_CLIENT_S_DN_O} =~ /Smith, Jones <and> Co\./"#,
    r#"%{SSL_CLIENT_S_DN} =~ /^CN=\\ lead space \\"quoted\\"\\\\back,OU=\\#hash\\; semi\\\+plus,O=Smith\\, Jones \\<and\\> Co\.,C=US$/"#,
    r#"%{SSL_CLIENT_S_DN} == 'UID=jmueller+CN=Jürgen Müller,OU=Entwicklung,O=Bäckerei Müller GmbH,C=DE'"#,
    r#"%{SSL_CLIENT_I_DN} == 'CN=Test Intermediate CA,OU=Issuing,O=httpauth test,C=DE'"#,
    r#"%{SSL_TLS_SNI} == ''"#,
    r#"%{SSL_CLIENT_CERT_RFC4523_CEA} =~ /^\{ serialNumber [0-9]+, issuer rdnSequence:"CN=Test Root CA,O=httpauth test,C=DE" \}$/"#,
    r#"false || true && !false"#,
    r#"%{SSL_CLIENT_S_DN_OU} -in {'Fun dept.', 'Issuing'} || %{SSL_CLIENT_S_DN_OU} == 'Entwicklung'"#,
    r#"%{ssl_client_S_DN_CN} == %{SSL_CLIENT_S_DN_CN} && %{ssl_client_s_dn_cn} == ''"#,
    r#"%{SSL_CLIENT_S_DN_CN} . 'x' > 'M' && %{SSL_CLIENT_S_DN_CN} != ''"#,
    r#"'%{SSL_CLIENT_S_DN_C}-%{SSL_CLIENT_S_DN_O}' =~ /^(DE|US)-/"#,
    r#"%{SSL_CLIENT_S_DN_CN} == 'Jürgen Bäcker' && %{SSL_CLIENT_S_DN_O} == '日本テスト'"#,
    r#"%{SSL_CLIENT_S_DN} == 'CN=Jürgen Bäcker,O=日本テスト,C=DE'"#,
];

/// Client certificates: name, certificate (chain) file, key file.
const CLIENTS: &[(&str, Option<(&str, &str)>)] = &[
    ("alice", Some(("alice.pem", "alice.key"))),
    ("utf8", Some(("chain-utf8.pem", "utf8.key"))),
    ("special", Some(("special.pem", "special.key"))),
    ("wrongca", Some(("wrongca.pem", "wrongca.key"))),
    ("selfsigned", Some(("selfsigned.pem", "selfsigned.key"))),
    ("legacy", Some(("legacy.pem", "legacy.key"))),
    ("expired", Some(("expired.pem", "expired.key"))),
    ("revoked", Some(("revoked.pem", "revoked.key"))),
    ("none", None),
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
    .start(|site| {
        let root = site.root();
        let docroot = root.join("htdocs");
        make_public_dir(&docroot);
        for f in ["server.pem", "server.key", "ca.pem", "crl.pem"] {
            std::fs::copy(data(f), root.join(f)).unwrap();
        }
        let mut conf = format!("DocumentRoot \"{}\"\n", docroot.display());
        conf.push_str(&format!(
            "StartServers 2\nMinSpareServers 1\nMaxSpareServers 4\nMaxKeepAliveRequests 0\n\
             SSLEngine on\nSSLCertificateFile \"{r}/server.pem\"\nSSLCertificateKeyFile \"{r}/server.key\"\n\
             SSLCACertificateFile \"{r}/ca.pem\"\nSSLCARevocationFile \"{r}/crl.pem\"\n\
             SSLCARevocationCheck chain no_crl_for_cert_ok\n\
             SSLVerifyClient optional_no_ca\nSSLVerifyDepth 5\n\
             SSLSessionCache none\n\
             <Directory \"{d}\">\n  Require all granted\n</Directory>\n\
             ScriptAlias /env \"{d}/env.cgi\"\n\
             <Location /env>\n  SSLOptions +StdEnvVars +ExportCertData\n</Location>\n\
             ScriptAlias /legacy \"{d}/env.cgi\"\n\
             <Location /legacy>\n  SSLOptions +StdEnvVars +LegacyDNStringFormat\n</Location>\n",
            r = root.display(),
            d = docroot.display()
        ));
        for (i, e) in EXPRESSIONS.iter().enumerate() {
            std::fs::write(docroot.join(format!("r{i}")), "ok\n").unwrap();
            std::fs::write(docroot.join(format!("s{i}")), "ok\n").unwrap();
            conf.push_str(&format!(
                "<Location /r{i}>\n  Require expr {e}\n</Location>\n"
            ));
            conf.push_str(&format!(
                "<Location /s{i}>\n  Require all granted\n  SSLRequire {e}\n</Location>\n"
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

fn curl_args(client: Option<(&str, &str)>) -> Vec<String> {
    let mut args = vec![
        "-s".to_owned(),
        "--max-time".to_owned(),
        "60".to_owned(),
        "--cacert".to_owned(),
        data("ca.pem").display().to_string(),
        "-H".to_owned(),
        "X-Test: hello".to_owned(),
    ];
    if let Some((cert, key)) = client {
        args.extend(["--cert".to_owned(), data(cert).display().to_string()]);
        args.extend(["--key".to_owned(), data(key).display().to_string()]);
    }
    args
}

/// The chain curl sends: the file's certificates, and when the file holds only a leaf whose
/// issuer is in curl's trust store (`--cacert ca.pem`), OpenSSL's client auto-chaining
/// appends that root.
fn tls_info(client: Option<(&str, &str)>) -> TlsInfo {
    let mut tls = TlsInfo::default();
    if let Some((cert, _)) = client {
        tls.peer_certificates = read_certificates(&std::fs::read(data(cert)).unwrap()).unwrap();
        let root = read_certificates(&std::fs::read(data("ca.pem")).unwrap()).unwrap();
        let leaf = cert_policy::CertView::parse(&tls.peer_certificates[0]).unwrap();
        let ca = cert_policy::CertView::parse(&root[0]).unwrap();
        if tls.peer_certificates.len() == 1
            && leaf.x509().issuer().as_raw() == ca.x509().subject().as_raw()
        {
            tls.peer_certificates.push(root[0].clone());
        }
    }
    tls.server_certificates =
        read_certificates(&std::fs::read(data("server.pem")).unwrap()).unwrap();
    tls
}

fn verifier() -> std::sync::Arc<ApacheClientVerifier> {
    let mut cfg = VerifyConfig::new(VerifyClient::OptionalNoCa);
    cfg.depth = 5;
    cfg.ca = read_certificates(&std::fs::read(data("ca.pem")).unwrap())
        .unwrap()
        .into_iter()
        .map(CertificateDer::from)
        .collect();
    cfg.crls = cert_policy::verify::read_crls(&std::fs::read(data("crl.pem")).unwrap())
        .unwrap()
        .into_iter()
        .map(CertificateRevocationListDer::from)
        .collect();
    cfg.revocation_check = RevocationCheck::Chain;
    cfg.allow_missing_crl = true;
    ApacheClientVerifier::with_provider(
        cfg,
        std::sync::Arc::new(rustls::crypto::ring::default_provider()),
    )
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
fn apache_differential() {
    if !require_peer("apache2") || !require_peer("curl") {
        return;
    }
    // Every expression parses in both dialects.
    let parsed: Vec<(Expr, Expr)> = EXPRESSIONS
        .iter()
        .map(|e| {
            (
                Expr::parse(e, Dialect::RequireExpr).unwrap_or_else(|err| panic!("{e}: {err}")),
                Expr::parse(e, Dialect::SslRequire).unwrap(),
            )
        })
        .collect();
    assert!(EXPRESSIONS.len() >= 40);
    let apache = start_apache();
    let port = apache.port();
    let verifier = verifier();
    let mut compared = 0;
    let mut disagreements = Vec::new();
    for (name, client) in CLIENTS {
        let mut args = curl_args(*client);
        args.extend(["-w".to_owned(), "%{http_code}\\n".to_owned()]);
        for i in 0..EXPRESSIONS.len() {
            for p in ["r", "s"] {
                args.extend([
                    "-o".to_owned(),
                    "/dev/null".to_owned(),
                    format!("https://127.0.0.1:{port}/{p}{i}"),
                ]);
            }
        }
        let out = Command::new("curl").args(&args).output().expect("curl");
        let codes: Vec<String> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::to_owned)
            .collect();

        // This crate's side: the verifier decides the handshake and SSL_CLIENT_VERIFY.
        let mut tls = tls_info(*client);
        let chain: Vec<CertificateDer<'_>> = tls
            .peer_certificates
            .iter()
            .map(|d| CertificateDer::from(d.as_slice()))
            .collect();
        let decision = verifier.decide(&chain, UnixTime::now());
        match &decision {
            Err(e) => {
                assert!(
                    codes.iter().all(|c| c == "000"),
                    "{name}: this crate fails the handshake ({e}) but Apache answered {codes:?}"
                );
                compared += 1;
                continue;
            }
            Ok(v) => tls.peer_verification = v.clone(),
        }
        assert_eq!(
            codes.len(),
            EXPRESSIONS.len() * 2,
            "{name}: curl output {codes:?} {:?}",
            out.stderr
        );
        let vars = TlsVars::new(&tls).unwrap();
        let host = format!("127.0.0.1:{port}");
        let headers = [("Host", host.as_str()), ("X-Test", "hello")];
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
                let ctx = Context::new(Some(&vars)).with_request(req);
                let ours = e.allows(&ctx);
                let theirs = match codes[i * 2 + k].as_str() {
                    "200" => true,
                    "403" => false,
                    other => panic!("{name} {uri}: unexpected status {other}"),
                };
                compared += 1;
                if ours != theirs {
                    disagreements.push(format!(
                        "{name} {uri} [{}]: apache {theirs}, ours {ours}",
                        EXPRESSIONS[i]
                    ));
                }
            }
        }

        // Exported variables.
        let mut args = curl_args(*client);
        args.push(format!("https://127.0.0.1:{port}/env"));
        let out = Command::new("curl").args(&args).output().expect("curl");
        let env = cgi_env(&out.stdout);
        assert!(
            env.contains_key("SSL_CLIENT_VERIFY"),
            "{name}: no env from CGI: {out:?}"
        );
        let ours: BTreeMap<String, Vec<u8>> = vars
            .export(std::time::SystemTime::now(), true)
            .into_iter()
            .collect();
        for (k, v) in &ours {
            match env.get(k) {
                a if export_agrees(k, a, v) => compared += 1,
                a => disagreements.push(format!(
                    "{name} {k}: apache {:?}, ours {:?}",
                    a.map(|a| String::from_utf8_lossy(a).into_owned()),
                    String::from_utf8_lossy(v)
                )),
            }
        }
        // The legacy one-line DN form (SSLOptions +LegacyDNStringFormat).
        if let Some(c) = vars.client() {
            let mut args = curl_args(*client);
            args.push(format!("https://127.0.0.1:{port}/legacy"));
            let out = Command::new("curl").args(&args).output().expect("curl");
            let legacy = cgi_env(&out.stdout);
            for (k, ours) in [
                ("SSL_CLIENT_S_DN", c.subject_oneline()),
                ("SSL_CLIENT_I_DN", c.issuer_oneline()),
            ] {
                if legacy.get(k) == Some(&ours) {
                    compared += 1;
                } else {
                    disagreements.push(format!(
                        "{name} legacy {k}: apache {:?}, ours {:?}",
                        legacy
                            .get(k)
                            .map(|a| String::from_utf8_lossy(a).into_owned()),
                        String::from_utf8_lossy(&ours)
                    ));
                }
            }
        }
        for k in env
            .keys()
            .filter(|k| k.starts_with("SSL_CLIENT_") || k.starts_with("SSL_SERVER_"))
        {
            if !ours.contains_key(k) {
                disagreements.push(format!(
                    "{name} {k}: exported by apache only ({:?})",
                    String::from_utf8_lossy(&env[k])
                ));
            }
        }
    }
    assert!(
        disagreements.is_empty(),
        "{} disagreements:\n{}",
        disagreements.len(),
        disagreements.join("\n")
    );
    eprintln!("apache differential: {compared} comparisons agree");
}

#[test]
fn verifier_outcomes_match_openssl_wording() {
    let v = verifier();
    let now = UnixTime::now();
    let decide = |f: &str| {
        let tls = tls_info(Some((f, "")));
        let chain: Vec<CertificateDer<'_>> = tls
            .peer_certificates
            .iter()
            .map(|d| CertificateDer::from(d.as_slice()))
            .collect();
        v.decide(&chain, now)
    };
    assert_eq!(decide("alice.pem").unwrap(), PeerVerification::Success);
    assert_eq!(decide("chain-utf8.pem").unwrap(), PeerVerification::Success);
    assert_eq!(
        decide("selfsigned.pem").unwrap(),
        PeerVerification::Generous
    );
    assert_eq!(
        decide("wrongca.pem").unwrap(),
        PeerVerification::Failed("unable to verify the first certificate".into())
    );
    assert!(decide("expired.pem").is_err());
    assert!(decide("revoked.pem").is_err());
    assert_eq!(v.decide(&[], now).unwrap(), PeerVerification::None);
}

/// Apache's and our value of an exported variable agree, byte for byte (including
/// `SSL_CLIENT_V_REMAIN`: Debian's mod_ssl 2.4.71 links OpenSSL's `ASN1_TIME_diff` and
/// reports the truncated whole days; checked with notAfter times of day on both sides of
/// the clock, so the fraction of a day left does not matter).
fn export_agrees(_name: &str, apache: Option<&Vec<u8>>, ours: &[u8]) -> bool {
    apache.is_some_and(|a| a.as_slice() == ours)
}
