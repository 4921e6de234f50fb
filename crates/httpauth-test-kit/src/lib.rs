#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
// A test harness: a failure to set up a peer is a test failure, reported by a panic with
// the peer's own logs.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod apache;
mod net;
mod peer;
mod process;
mod redis;
mod squid;

pub use apache::{Apache, ApacheBuilder, ApacheSite};
pub use net::free_port;
pub use peer::{find_program, is_ci, must_have, require_peer, running_as_root, user_exists};
pub use process::{Peer, StartError, wait_listening};
pub use redis::Redis;
pub use squid::Squid;

use std::fs;
use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;

/// The prefix of every temporary directory the kit makes: `.ci/no-orphans` looks for
/// processes whose command line points into a directory of that name.
pub const TEMP_PREFIX: &str = "httpauth-test-";

/// A temporary directory `httpauth-test-<what>-XXXXXX` that others may read and enter
/// (mode 0755): the peers drop privileges when the tests run as root.
///
/// # Panics
/// When the directory cannot be made.
pub fn temp_dir(what: &str) -> tempfile::TempDir {
    let dir = tempfile::Builder::new()
        .prefix(&format!("{TEMP_PREFIX}{what}-"))
        .tempdir()
        .expect("create a temporary directory");
    fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o755))
        .expect("make the temporary directory world-readable");
    dir
}

/// Writes `contents` to `path` and makes it world-readable (0644).
///
/// # Panics
/// When the file cannot be written.
pub fn write_public(path: &Path, contents: impl AsRef<[u8]>) {
    fs::write(path, contents).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    fs::set_permissions(path, fs::Permissions::from_mode(0o644)).unwrap();
}

/// Creates `path` (and its parents) and makes it world-readable (0755).
///
/// # Panics
/// When the directory cannot be made.
pub fn make_public_dir(path: &Path) {
    fs::create_dir_all(path).unwrap_or_else(|e| panic!("mkdir {}: {e}", path.display()));
    fs::set_permissions(path, fs::Permissions::from_mode(0o755)).unwrap();
}

/// The file's text, or the empty string when it cannot be read (logs that may not exist
/// yet).
pub fn read_or_empty(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_default()
}

/// The last `n` lines of `text` (log excerpts in failure messages).
pub fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// The script that drives Apache's `htdigest` through a pseudo-terminal (it reads the
/// password from the terminal only): `python3 SCRIPT PASSWORD htdigest-args...`.
pub fn pty_htdigest_script() -> &'static str {
    concat!(env!("CARGO_MANIFEST_DIR"), "/data/pty_htdigest.py")
}
