//! Issue 19: `location.authn_cache_timeout` turns on Basic's verified-credential cache
//! (Apache's `AuthBasicProvider socache file` + `AuthnCacheTimeout`). Shown the way httpd's
//! cache shows itself: a password changed in the file still works at the cached location
//! until its entry expires, while the uncached location over the same file follows the
//! change at once; wrong passwords are never cached. The file is written by Apache's own
//! `htpasswd`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Server, curl};
use httpauth_test_kit::require_peer;
use std::path::Path;
use std::process::Command;

fn htpasswd(file: &Path, create: bool, user: &str, password: &str) {
    let mut cmd = Command::new("htpasswd");
    cmd.arg(if create { "-cbm" } else { "-bm" })
        .arg(file)
        .args([user, password]);
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn cached_credentials_outlive_a_password_change_until_they_expire() {
    if !require_peer("htpasswd") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("htpasswd");
    htpasswd(&file, true, "alice", "wonderland");
    let f = file.display();
    let config = format!(
        r#"
[[listener]]
kind = "http"
address = "127.0.0.1:0"

[[location]]
path = "/cached"
schemes = ["Basic"]
user_file = "{f}"
authn_cache_timeout = 300
authn_cache_entries = 100

[[location]]
path = "/plain"
schemes = ["Basic"]
user_file = "{f}"
"#
    );
    let s = Server::start_in(dir, Some(&config));
    let get = |user: &str, path: &str| curl(&["-u", user, &s.http_url(path)]).0;

    for path in ["/cached", "/plain"] {
        assert_eq!(get("alice:wonderland", path), 200, "{path}");
        assert_eq!(get("alice:wrong", path), 401, "{path}");
    }
    // htpasswd rewrites the file through a temporary copy: a new version.
    htpasswd(&file, false, "alice", "looking-glass");

    assert_eq!(
        get("alice:wonderland", "/plain"),
        401,
        "without a cache the change applies at once"
    );
    assert_eq!(get("alice:looking-glass", "/plain"), 200);
    assert_eq!(
        get("alice:wonderland", "/cached"),
        200,
        "the verified pair is remembered for authn_cache_timeout, as with mod_authn_socache"
    );
    assert_eq!(get("alice:looking-glass", "/cached"), 200);
    assert_eq!(
        get("alice:wrong", "/cached"),
        401,
        "failures are never cached"
    );
}
