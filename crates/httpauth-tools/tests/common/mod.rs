//! Helpers shared by the tests of the tools: `httpauth-ca` output and an in-process demo.
// Each test binary uses some of them.
#![allow(dead_code)]

use std::path::Path;

/// Demo options over `data` with both listeners on free loopback ports and cheap bcrypt.
pub(crate) fn demo_options(data: &Path) -> httpauth_demo::Options {
    let mut options = httpauth_demo::Options::default();
    options.data_dir = Some(data.to_path_buf());
    options.http = Some("127.0.0.1:0".parse().expect("address"));
    options.https = Some("127.0.0.1:0".parse().expect("address"));
    options.bcrypt_cost = Some(4);
    options
}

/// The two-worker runtime an in-process demo runs on.
pub(crate) fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime")
}

/// The `serial: XXXX` line of `httpauth-ca issue`.
pub(crate) fn serial_of(issue_out: &str) -> String {
    issue_out
        .lines()
        .find_map(|l| l.strip_prefix("serial: "))
        .expect("serial line")
        .to_owned()
}
