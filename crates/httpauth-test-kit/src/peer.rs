//! Whether a peer is installed, and what a test does when it is not.

use std::path::{Path, PathBuf};
use std::process::Command;

/// True when the environment says this is CI (`CI=true`): every peer is installed there,
/// so a missing one is a broken setup, not a reason to skip.
pub fn is_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// The program `name`: a path that exists, or the first match on `PATH`.
pub fn find_program(name: &str) -> Option<PathBuf> {
    if name.contains('/') {
        let p = Path::new(name);
        return p.is_file().then(|| p.to_path_buf());
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// Whether the peer `name` is installed. Known names: `apache2` (the binary and its
/// module directory, see [`crate::Apache`]), `python3-requests` (python3 that can import
/// `requests`), `squid`, `redis-server`; any other name is a program (a path or a
/// command on `PATH`).
fn installed(name: &str) -> bool {
    match name {
        "apache2" => crate::apache::binary().is_some() && crate::apache::module_dir().is_some(),
        // The system's python3 first: a user's (pyenv) python may lack the package.
        "python3-requests" => find_program("/usr/bin/python3")
            .or_else(|| find_program("python3"))
            .is_some_and(|py| {
                Command::new(py)
                    .args(["-c", "import requests"])
                    .output()
                    .is_ok_and(|o| o.status.success())
            }),
        "squid" => Path::new(crate::squid::SQUID).is_file(),
        "redis-server" => Path::new(crate::redis::REDIS_SERVER).is_file(),
        other => find_program(other).is_some(),
    }
}

/// The peer rule of the workspace's tests: true when `name` is installed. Otherwise, on a
/// developer's machine, prints `skipped: <name> not installed` and returns false (the test
/// returns early); under `CI=true` it panics, because CI installs every peer and a skip
/// there would hide a broken setup.
///
/// ```
/// if !httpauth_test_kit::require_peer("sh") {
///     return;
/// }
/// ```
///
/// # Panics
/// Under `CI=true` when the peer is missing.
pub fn require_peer(name: &str) -> bool {
    if installed(name) {
        return true;
    }
    assert!(
        !is_ci(),
        "{name} not installed (required when CI=true; Debian: apt-get install {})",
        package(name)
    );
    eprintln!("skipped: {name} not installed");
    false
}

/// For the tests that never skip: panics, naming the Debian package, when `name` is not
/// installed (same names as [`require_peer`]).
///
/// # Panics
/// When the peer is missing.
pub fn must_have(name: &str) {
    assert!(
        installed(name),
        "peer `{name}` is not installed; this test uses real peers and does not skip: \
         apt-get install {}",
        package(name)
    );
}

/// The Debian package that installs `name`.
fn package(name: &str) -> &str {
    let base = name.rsplit('/').next().unwrap_or(name);
    match base {
        "htpasswd" | "htdigest" | "htdbm" => "apache2-utils",
        "python3-requests" => "python3-requests",
        "basic_ncsa_auth" | "digest_file_auth" => "squid",
        _ => base,
    }
}

/// True when the tests run as root (CI): servers then drop privileges.
pub fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// True when the system user `user` exists.
pub fn user_exists(user: &str) -> bool {
    Command::new("id")
        .arg("-u")
        .arg(user)
        .output()
        .is_ok_and(|o| o.status.success())
}
