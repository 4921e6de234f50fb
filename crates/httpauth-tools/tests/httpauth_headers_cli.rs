//! Black-box tests of the `httpauth-headers` command-line tool (moved here from
//! `crates/httpauth-headers/tests/cli.rs` with the tool, issue 17).
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use std::io::Write;
use std::process::{Command, Stdio};

fn run(args: &[&str], stdin: &str) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_httpauth-headers"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn httpauth-headers");
    // A usage error exits without reading stdin: a broken pipe is then expected.
    if let Err(e) = child.stdin.take().unwrap().write_all(stdin.as_bytes()) {
        assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "{e}");
    }
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn issue_example_is_printed_exactly() {
    let (code, out, _) = run(&["www-authenticate"], "Basic realm=\"foo\"\n");
    assert_eq!(code, 0);
    assert_eq!(
        out,
        "{\"ok\":true,\"challenges\":[{\"scheme\":\"Basic\",\"token68\":null,\"params\":[{\"name\":\"realm\",\"value\":\"foo\",\"ext\":false}]}]}\n"
    );
}

#[test]
fn one_object_per_line_with_errors_and_offsets() {
    let input = "Basic realm=\"foo\"\r\nBasic realm=\"foo\nNegotiate YII=, Digest title*=UTF-8''%e2%82%ac, t=\"a\\\"b\"\n";
    let (code, out, _) = run(&["WWW-Authenticate"], input);
    assert_eq!(code, 1, "a failed line makes the exit status 1");
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["ok"], true);
    assert_eq!(lines[1]["ok"], false);
    assert_eq!(lines[1]["offset"], 12);
    assert_eq!(lines[1]["error"], "unterminated quoted-string at byte 12");
    let cs = &lines[2]["challenges"];
    assert_eq!(cs[0]["scheme"], "Negotiate");
    assert_eq!(cs[0]["token68"], "YII=");
    assert_eq!(cs[0]["params"], serde_json::json!([]));
    assert_eq!(
        cs[1]["params"][0],
        serde_json::json!({"name": "title", "value": "\u{20ac}", "ext": true})
    );
    assert_eq!(
        cs[1]["params"][1],
        serde_json::json!({"name": "t", "value": "a\"b", "ext": false})
    );
}

#[test]
fn authentication_info_prints_params() {
    let (code, out, _) = run(
        &["authentication-info"],
        "Mutual vks=\"abc\", sid=0a\nnextnonce=\"x\"\n",
    );
    assert_eq!(code, 0);
    let mut l = out.lines();
    assert_eq!(
        l.next().unwrap(),
        r#"{"ok":true,"params":[{"name":"vks","value":"abc","ext":false},{"name":"sid","value":"0a","ext":false}]}"#
    );
    assert_eq!(
        l.next().unwrap(),
        r#"{"ok":true,"params":[{"name":"nextnonce","value":"x","ext":false}]}"#
    );
}

#[test]
fn every_field_name_is_accepted() {
    for (name, input, key) in [
        ("proxy-authenticate", "Basic realm=x", "challenges"),
        ("optional-www-authenticate", "Basic realm=x", "challenges"),
        (
            "authorization",
            "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==",
            "credentials",
        ),
        ("proxy-authorization", "Digest username=a", "credentials"),
        ("proxy-authentication-info", "rspauth=x", "params"),
        (
            "authentication-control",
            "Basic realm=x, no-auth=true",
            "entries",
        ),
    ] {
        let (code, out, _) = run(&[name], &format!("{input}\n"));
        assert_eq!(code, 0, "{name}");
        let v: serde_json::Value = serde_json::from_str(out.trim_end()).unwrap();
        assert_eq!(v["ok"], true, "{name}");
        assert!(v.get(key).is_some(), "{name}: {out}");
    }
    let (_, out, _) = run(&["authorization"], "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==\n");
    assert_eq!(
        out,
        "{\"ok\":true,\"credentials\":{\"scheme\":\"Basic\",\"token68\":\"QWxhZGRpbjpvcGVuIHNlc2FtZQ==\",\"params\":[]}}\n"
    );
}

#[test]
fn combine_parses_field_lines_together() {
    let (code, out, _) = run(
        &["www-authenticate", "--combine"],
        "Digest realm=x\nnonce=y\nBasic\n",
    );
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(out.trim_end()).unwrap();
    assert_eq!(v["challenges"].as_array().unwrap().len(), 2);
    assert_eq!(v["challenges"][0]["params"][1]["name"], "nonce");
    let (code, out, _) = run(
        &["www-authenticate", "--combine"],
        "Basic\nDigest realm=\"x\n",
    );
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(out.trim_end()).unwrap();
    assert_eq!(
        (v["line"].as_u64(), v["offset"].as_u64()),
        (Some(1), Some(13))
    );
    let (code, _, _) = run(&["authorization", "--combine"], "Basic abc\nBasic def\n");
    assert_eq!(code, 1);
}

#[test]
fn usage_errors_and_hostile_input() {
    let (code, out, err) = run(&[], "");
    assert_eq!((code, out.as_str()), (2, ""));
    assert!(err.contains("usage"));
    let (code, _, err) = run(&["set-cookie"], "a=b\n");
    assert_eq!(code, 2);
    assert!(err.contains("usage"));
    // A line far over the limit is reported, not buffered without bound.
    let long = format!(
        "Basic realm=\"{}\"\n",
        "a".repeat(httpauth_headers::MAX_FIELD_LEN * 4)
    );
    let (code, out, _) = run(&["www-authenticate"], &long);
    assert_eq!(code, 1);
    assert!(out.contains("longer than"), "{out}");
    // Invalid UTF-8 and control characters give errors, not crashes.
    let (code, out, _) = run(&["www-authenticate"], "Basic realm=\u{1}\n\u{0}\n");
    assert_eq!(code, 1);
    assert_eq!(out.lines().count(), 2);
    // Empty input prints nothing and succeeds.
    let (code, out, _) = run(&["authorization"], "");
    assert_eq!((code, out.as_str()), (0, ""));
}
