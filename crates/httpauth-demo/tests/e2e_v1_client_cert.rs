//! Issue 16: the client certificate of the usual openssl recipe (a CA by `openssl req` +
//! `openssl x509 -req -signkey`, a client by `openssl x509 -req -CA`, as the nginx
//! `ssl_verify_client on` / Apache `SSLVerifyClient require` guides give it) is an X.509
//! **version 1** certificate. Apache and nginx accept it; so must the demo: curl with it
//! gets 200 from the certificate location, with `SSL_CLIENT_VERIFY` SUCCESS, and a
//! client certificate from another CA is refused.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::{Server, curl};
use httpauth_test_kit::require_peer;
use std::path::Path;
use std::process::Command;

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

/// The recipe, verbatim (RSA 2048, no extension files for the CA and the clients).
fn recipe(dir: &Path) {
    openssl(dir, &["genrsa", "-out", "ca.key", "2048"]);
    openssl(
        dir,
        &[
            "req",
            "-new",
            "-key",
            "ca.key",
            "-out",
            "ca.csr",
            "-subj",
            "/O=Recipe/CN=Recipe CA",
        ],
    );
    openssl(
        dir,
        &[
            "x509", "-req", "-days", "30", "-in", "ca.csr", "-signkey", "ca.key", "-out", "ca.crt",
        ],
    );
    // The server certificate needs its IP address as a subjectAltName for curl.
    std::fs::write(dir.join("server.ext"), "subjectAltName=IP:127.0.0.1\n").unwrap();
    for (name, ext) in [
        ("server", Some("server.ext")),
        ("client", None),
        ("other", None),
    ] {
        openssl(dir, &["genrsa", "-out", &format!("{name}.key"), "2048"]);
        openssl(
            dir,
            &[
                "req",
                "-new",
                "-key",
                &format!("{name}.key"),
                "-out",
                &format!("{name}.csr"),
                "-subj",
                &format!("/O=Recipe/CN={name}"),
            ],
        );
        let (ca, cakey) = if name == "other" {
            ("other.crt", "other.key") // self-signed: not from the configured CA
        } else {
            ("ca.crt", "ca.key")
        };
        let mut args = vec![
            "x509".to_owned(),
            "-req".into(),
            "-days".into(),
            "30".into(),
            "-in".into(),
            format!("{name}.csr"),
        ];
        if name == "other" {
            args.extend(["-signkey".into(), cakey.into()]);
        } else {
            args.extend([
                "-CA".into(),
                ca.into(),
                "-CAkey".into(),
                cakey.into(),
                "-CAcreateserial".into(),
            ]);
        }
        if let Some(e) = ext {
            args.extend(["-extfile".into(), e.into()]);
        }
        args.extend(["-out".into(), format!("{name}.crt")]);
        openssl(dir, &args.iter().map(String::as_str).collect::<Vec<_>>());
    }
    let text = |args: &[&str]| {
        String::from_utf8(
            Command::new("openssl")
                .current_dir(dir)
                .args(args)
                .output()
                .unwrap()
                .stdout,
        )
        .unwrap()
    };
    // The point of the test: the recipe makes v1 certificates.
    for f in ["ca.crt", "client.crt"] {
        assert!(
            text(&["x509", "-in", f, "-noout", "-text"]).contains("Version: 1 (0x0)"),
            "{f} is not X.509 v1 with this openssl"
        );
    }
}

#[test]
fn curl_with_the_recipe_v1_client_certificate_gets_200() {
    if !require_peer("openssl") || !require_peer("curl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let pki = dir.path().join("pki");
    std::fs::create_dir_all(&pki).unwrap();
    recipe(&pki);
    let config = format!(
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
certificate_chain = "{p}/server.crt"
private_key = "{p}/server.key"
client_ca = "{p}/ca.crt"
verify_client = "optional"
verify_depth = 1

[[location]]
path = "/cert"
client_certificate = true

[[location]]
path = "/cert-policy"
client_certificate = true
ssl_require = "%{{SSL_CLIENT_VERIFY}} eq 'SUCCESS' and %{{SSL_CLIENT_M_VERSION}} == 1 and %{{SSL_CLIENT_I_DN_CN}} eq 'Recipe CA'"
"#,
        p = pki.display()
    );
    let s = Server::start_in(dir, Some(&config));
    let p = |f: &str| pki.join(f).display().to_string();
    let with = |cert: &str, key: &str, path: &str| {
        curl(&[
            "--cacert",
            &p("ca.crt"),
            "--cert",
            &p(cert),
            "--key",
            &p(key),
            &s.https_url(path),
        ])
        .0
    };
    assert_eq!(with("client.crt", "client.key", "/cert"), 200);
    assert_eq!(with("client.crt", "client.key", "/cert-policy"), 200);
    // Without a certificate the location refuses; a certificate from another CA fails the
    // handshake (SSLVerifyClient optional: a certificate that is sent must verify).
    assert_eq!(
        curl(&["--cacert", &p("ca.crt"), &s.https_url("/cert")]).0,
        403
    );
    assert_eq!(with("other.crt", "other.key", "/cert"), 0);
}
