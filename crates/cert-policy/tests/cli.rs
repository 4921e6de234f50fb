//! The `cert-policy` command-line tool.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers; failures should panic

use std::process::Command;

fn data(name: &str) -> String {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
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
    assert_eq!(code, 1);
    assert!(out.contains("handshake: rejected"), "{out}");
}
