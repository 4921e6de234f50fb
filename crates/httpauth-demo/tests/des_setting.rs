//! Issue 14, trap "legacy DES htpasswd entries are refused and nothing can turn them on":
//! `location.allow_des` turns them on (off by default, a DES record is then warned about
//! with its `file:line`). The file is written by Apache's own `htpasswd -d`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Server, curl};
use httpauth_test_kit::require_peer;
use std::process::Command;

#[test]
fn des_entries_verify_only_when_the_location_allows_them() {
    if !require_peer("htpasswd") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("htpasswd-des");
    let out = Command::new("htpasswd")
        .args(["-c", "-b", "-d"])
        .arg(&file)
        .args(["olduser", "pass1234"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let record = std::fs::read_to_string(&file).unwrap();
    let hash = record.trim().split_once(':').unwrap().1;
    assert_eq!(hash.len(), 13, "a DES-crypt record: {record}");

    let f = file.display();
    let config = format!(
        r#"
[[listener]]
kind = "http"
address = "127.0.0.1:0"

[[location]]
path = "/off"
schemes = ["Basic"]
user_file = "{f}"

[[location]]
path = "/on"
schemes = ["Basic"]
user_file = "{f}"
allow_des = true
"#
    );
    let s = Server::start_in(dir, Some(&config));
    s.wait_log("allow_des", 10);

    let (code, _) = curl(&["-u", "olduser:pass1234", &s.http_url("/on")]);
    assert_eq!(code, 200, "allow_des = true verifies the DES record");
    let (code, _) = curl(&["-u", "olduser:wrongpass", &s.http_url("/on")]);
    assert_eq!(code, 401, "a wrong password still fails");
    // DES counts 8 bytes only: documented, and what Apache does too.
    let (code, _) = curl(&["-u", "olduser:pass1234EXTRA", &s.http_url("/on")]);
    assert_eq!(
        code, 200,
        "DES crypt ignores bytes after the eighth, as Apache's"
    );

    let (code, _) = curl(&["-u", "olduser:pass1234", &s.http_url("/off")]);
    assert_eq!(code, 401, "DES is off by default");
    let log = s.wait_log("htpasswd-des:1", 10);
    assert!(
        log.contains("DES"),
        "the refused record is warned about with file:line: {log}"
    );
}
