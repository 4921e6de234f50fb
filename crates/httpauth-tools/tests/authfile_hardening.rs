//! Issue 13 hardening, as the password-file tools see it: a file `rs-htpasswd -c`,
//! `rs-htdigest -c` or `rs-htgroup -c` creates is owner-only, and an existing file keeps its
//! mode when a tool rewrites it. (Moved here from `crates/authfile/tests/hardening.rs` with
//! the tools, issue 17; the library's own hardening tests stay there.)

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failure

use httpauth_tools::htfiles::{self as cli, Io};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

fn run_tool(tool: impl FnOnce(&[String], &mut Io<'_>) -> i32, args: &[&str]) -> (i32, String) {
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let mut input: &[u8] = b"";
    let mut stdout = Vec::new();
    let mut stderr = Vec::new();
    let mut prompt = |_: &str| Err(std::io::Error::other("no tty"));
    let mut io = Io {
        stdin: &mut input,
        stdout: &mut stdout,
        stderr: &mut stderr,
        prompt: &mut prompt,
    };
    let code = tool(&args, &mut io);
    (code, String::from_utf8(stderr).unwrap())
}

fn mode_of(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o7777
}

/// Issue 13: "new password files are world-readable". The test process runs with the
/// usual umask 022, under which Apache's tools (and these before) made 0644 files.
#[test]
fn new_files_are_owner_only() {
    let dir = tempfile::tempdir().unwrap();
    let s = |p: &Path| p.to_str().unwrap().to_owned();

    let pw = dir.path().join("htpasswd");
    let (code, err) = run_tool(cli::htpasswd::run, &["-cbs", &s(&pw), "u", "p"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(mode_of(&pw), 0o600, "rs-htpasswd -c");

    let dg = dir.path().join("htdigest");
    let (code, err) = run_tool(cli::htdigest::run, &["-cb", &s(&dg), "realm", "u", "p"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(mode_of(&dg), 0o600, "rs-htdigest -c");

    let gr = dir.path().join("groups");
    let (code, err) = run_tool(cli::htgroup::run, &["-c", &s(&gr), "add", "staff", "u"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(mode_of(&gr), 0o600, "rs-htgroup -c");

    // An existing file keeps its mode on an atomic rewrite, also with -c.
    std::fs::set_permissions(&pw, std::fs::Permissions::from_mode(0o644)).unwrap();
    let (code, err) = run_tool(cli::htpasswd::run, &["-bs", &s(&pw), "v", "p"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(mode_of(&pw), 0o644);
    let (code, err) = run_tool(cli::htpasswd::run, &["-cbs", &s(&pw), "w", "p"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(mode_of(&pw), 0o644);
}

/// Binaries too: `rs-htpasswd -c` as a process.
#[test]
fn new_file_from_binary_is_owner_only() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("p");
    let out = Command::new(env!("CARGO_BIN_EXE_rs-htpasswd"))
        .args(["-cbs", f.to_str().unwrap(), "u", "p"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(mode_of(&f), 0o600);
}
