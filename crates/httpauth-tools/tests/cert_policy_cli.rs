//! The `cert-policy` command-line tool (moved here from `crates/cert-policy/tests/cli.rs`
//! with the tool, issue 17).

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers; failures should panic

use std::process::Command;

/// A certificate of the `cert-policy` crate's test set: one set, made by its
/// `tests/data/make-certs.sh`, serves the library's tests and the tool's.
fn data(name: &str) -> String {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../cert-policy/tests/data")
        .join(name)
        .display()
        .to_string()
}

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_cert-policy"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn allow_deny_and_variable_table() {
    let cert = data("alice.pem");
    let ca = data("ca.pem");
    let (code, out, _) = run(&[
        "--cert",
        &cert,
        "--ca",
        &ca,
        "--dialect",
        "sslrequire",
        "--expr",
        r#"%{SSL_CLIENT_S_DN_O} eq "garex AG" and %{SSL_CLIENT_S_DN_OU} in {"Fun dept."}"#,
        "--expr",
        "%{SSL_CLIENT_S_DN_CN} == 'Bob'",
        "-v",
    ]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("SSL_CLIENT_VERIFY=SUCCESS\n"), "{out}");
    assert!(out.contains("SSL_CLIENT_S_DN_OU_2=R&D\n"), "{out}");
    assert!(
        out.contains("SSL_CLIENT_CERT=-----BEGIN CERTIFICATE-----"),
        "{out}"
    );
    assert!(out.contains("allow\t%{SSL_CLIENT_S_DN_O} eq"), "{out}");
    assert!(
        out.contains("deny\t%{SSL_CLIENT_S_DN_CN} == 'Bob'"),
        "{out}"
    );
}

#[test]
fn der_input_file_of_expressions_and_warnings() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("policy.txt");
    std::fs::write(
        &f,
        "# policy\nSSLRequire %{SSL_CLIENT_S_DN_CN} eq 'Jürgen Müller'\nRequire expr %{SSL_CLIENT_S_DN_CN} eq 'nobody'\n%{SSL_CLIENT_VERIFY} =~ /^FAILED/\n",
    )
    .unwrap();
    let (code, out, err) = run(&[
        "--cert",
        &data("utf8.der"),
        "--file",
        &f.display().to_string(),
    ]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        out.lines().filter(|l| l.starts_with("allow\t")).count(),
        3,
        "{out}"
    );
    assert!(err.contains("warning: integer comparison"), "{err}");
}

#[test]
fn errors_are_reported() {
    let (code, out, _) = run(&[
        "--cert",
        &data("alice.pem"),
        "--expr",
        "%{SSL_CLIENT_S_DN_CN} === 'x'",
    ]);
    assert_eq!(code, 2);
    assert!(out.starts_with("error\t"), "{out}");
    assert!(out.contains("syntax error at byte 24"), "{out}");
    let (code, _, err) = run(&["--cert", "/nonexistent", "--expr", "true"]);
    assert_eq!(code, 2);
    assert!(err.contains("/nonexistent"));
    let (code, out, _) = run(&[
        "--cert",
        &data("expired.pem"),
        "--ca",
        &data("ca.pem"),
        "--expr",
        "true",
    ]);
    assert_eq!(code, 3, "{out}");
    assert_eq!(
        out,
        "handshake: refused: certificate has expired (Apache closes the connection)\n"
    );
}

/// Issue 16: the recipe's X.509 v1 client certificate verifies against its v1 CA.
#[test]
fn recipe_v1_certificate_verifies() {
    let (code, out, err) = run(&[
        "--cert",
        &data("recipe-client.pem"),
        "--ca",
        &data("recipe-ca.pem"),
        "--verify-client",
        "require",
        "--expr",
        "%{SSL_CLIENT_VERIFY} == 'SUCCESS' && %{SSL_CLIENT_M_VERSION} == '1'",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    // The default depth is Apache's 1: leaf + intermediate + root is refused, 2 accepts.
    let chain = ["--cert", &data("chain-utf8.pem"), "--ca", &data("ca.pem")];
    let (code, out, _) = run(&[&chain[..], &["-e", "true"]].concat());
    assert_eq!(code, 3, "{out}");
    assert!(out.contains("certificate chain too long"), "{out}");
    let (code, out, _) = run(&[&chain[..], &["-e", "true", "--depth", "2"]].concat());
    assert_eq!(code, 0, "{out}");
}

/// A trailing `--dialect` applies to every expression (it was ignored, flipping verdicts).
#[test]
fn options_in_any_order() {
    let e = "%{SSL_CLIENT_S_DN_CN} eq 'Bob'"; // 0 == 0 under Require expr, false under SSLRequire
    let base = ["--cert", &data("alice.pem"), "--ca", &data("ca.pem")];
    let (code, _, _) = run(&[&base[..], &["-e", e, "--dialect", "sslrequire"]].concat());
    assert_eq!(code, 1);
    let (code, _, _) = run(&[&["--dialect", "sslrequire", "-e", e][..], &base[..]].concat());
    assert_eq!(code, 1);
    let (code, _, _) = run(&[&base[..], &["-e", e]].concat());
    assert_eq!(code, 0);
    let (code, _, err) = run(&[
        &base[..],
        &["-e", e, "--dialect", "sslrequire", "--dialect", "require"],
    ]
    .concat());
    assert_eq!(code, 2);
    assert!(err.contains("--dialect given twice"), "{err}");
}

#[test]
fn help_version_and_exit_codes() {
    let (code, out, err) = run(&["--help"]);
    assert_eq!((code, err.as_str()), (0, ""));
    assert!(out.starts_with("cert-policy: evaluate"), "{out}");
    assert!(out.contains("Exit status:"), "{out}");
    let (code, out, _) = run(&["--version"]);
    assert_eq!(code, 0);
    assert_eq!(out, format!("cert-policy {}\n", env!("CARGO_PKG_VERSION")));
    // Nothing to evaluate is an error, not "allowed".
    let (code, _, err) = run(&["--cert", &data("alice.pem")]);
    assert_eq!(code, 2);
    assert!(err.contains("nothing to evaluate"), "{err}");
    let (code, _, _) = run(&["--bogus"]);
    assert_eq!(code, 2);
    // Evaluation error: file() without the capability; Apache denies.
    let (code, out, _) = run(&[
        "--cert",
        &data("alice.pem"),
        "-e",
        "file('/etc/hostname') == ''",
    ]);
    assert_eq!(code, 4, "{out}");
    assert!(out.contains("evaluation error"), "{out}");
}

#[test]
fn connection_facts_and_clock() {
    let (code, out, err) = run(&[
        "--cert",
        &data("alice.pem"),
        "--ca",
        &data("ca.pem"),
        "--protocol",
        "TLSv1.2",
        "--cipher",
        "ECDHE-RSA-AES256-GCM-SHA384",
        "--cipher-bits",
        "256",
        "--sni",
        "app.example",
        "--uri",
        "/a/b?x=1",
        "--remote-addr",
        "192.0.2.7",
        "-H",
        "X-Test: hello",
        "-e",
        "%{SSL_PROTOCOL} == 'TLSv1.2' && %{SSL_CIPHER} =~ /GCM/ && %{SSL_CIPHER_USEKEYSIZE} -eq 256",
        "-e",
        "%{SSL_TLS_SNI} == 'app.example' && %{REQUEST_URI} == '/a/b' && %{QUERY_STRING} == 'x=1'",
        "-e",
        "-R '192.0.2.0/24' && %{HTTP:X-Test} == 'hello'",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    // The clock. In 2020 the expired certificate is inside its window, but the root CA
    // (made in 2026) is not yet valid, and OpenSSL checks the trust anchor's window too.
    let (code, out, _) = run(&[
        "--cert",
        &data("expired.pem"),
        "--ca",
        &data("ca.pem"),
        "--time",
        "2020-12-30T00:00:00Z",
        "-e",
        "true",
    ]);
    assert_eq!(code, 3, "{out}");
    assert!(
        out.contains("refused: certificate is not yet valid"),
        "{out}"
    );
    // Without the CA (optional_no_ca): the issuer is unknown, the leaf is in its window,
    // and SSL_CLIENT_V_REMAIN follows the clock (whole days to notAfter 2021-01-01T00:00Z).
    let (code, out, err) = run(&[
        "--cert",
        &data("expired.pem"),
        "--time",
        "2020-12-30T00:00:00Z",
        "-e",
        "%{SSL_CLIENT_VERIFY} == 'FAILED:unable to verify the first certificate' && %{SSL_CLIENT_V_REMAIN} == '2' && %{TIME_YEAR} == '2020'",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, _, err) = run(&[
        "--cert",
        &data("alice.pem"),
        "--time",
        "yesterday",
        "-e",
        "true",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("--time"), "{err}");
}

/// Input pasted from httpd.conf: `SSLRequire` with backslash continuations and
/// `Require expr "..."` (mod_authz_core drops the surrounding quotes).
#[test]
fn pasted_httpd_conf() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("httpd.conf");
    std::fs::write(
        &f,
        "    SSLRequire %{SSL_CLIENT_S_DN_O} eq \"garex AG\" \\\n        and %{SSL_CLIENT_S_DN_OU} in {\"Fun dept.\"}\n\
         Require expr \"%{SSL_CLIENT_S_DN_CN} == 'Alice Example'\"\n\
         -e ignored\n",
    )
    .unwrap();
    let (code, out, err) = run(&[
        "--cert",
        &data("alice.pem"),
        "--ca",
        &data("ca.pem"),
        "-f",
        &f.display().to_string(),
    ]);
    // The third line is an expression of the default dialect, `-e ignored`: a parse error.
    assert_eq!(code, 2, "{out}{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[0],
        "allow\t%{SSL_CLIENT_S_DN_O} eq \"garex AG\"         and %{SSL_CLIENT_S_DN_OU} in {\"Fun dept.\"}"
    );
    assert_eq!(lines[1], "allow\t%{SSL_CLIENT_S_DN_CN} == 'Alice Example'");
    // mod_ssl's providers.
    let (code, out, _) = run(&[
        "--cert",
        &data("wrongca.pem"),
        "--ca",
        &data("ca.pem"),
        "-e",
        "Require ssl",
        "-e",
        "Require ssl-verify-client",
    ]);
    assert_eq!(code, 1, "{out}");
    assert_eq!(out, "allow\tRequire ssl\ndeny\tRequire ssl-verify-client\n");
    assert!(lines[2].starts_with("error\t-e ignored"), "{out}");
    let (code, out, _) = run(&[
        "--cert",
        &data("alice.pem"),
        "-e",
        "Require expr \"%{SSL_CLIENT_S_DN_CN} == 'Alice Example'\"",
    ]);
    assert_eq!(code, 0, "{out}");
}
