//! Fuzzes the demo's TOML configuration parser and validator (`Config::parse`): never
//! panics, and an error always names the file, a line inside the input and a directive
//! (the promise `docs/demo-config.md` makes). A valid configuration's locations start
//! with `/` and route any path without panicking. Time is bounded by the parser's
//! limits (`MAX_CONFIG_LEN`, `MAX_LOCATIONS`, the expression parser's depth budget).
//!
//! The body of fuzz target `demo_config`: `fuzz_targets/demo_config.rs` calls [`run`], and
//! so does the corpus replay test of the root workspace (`crates/fuzz-replay`).

use httpauth_demo::config::{self, UpstreamUrl};
use httpauth_demo::{Config, Error};
use std::path::Path;

/// One input of the fuzz target (and of the corpus replay test).
pub fn run(data: &[u8]) {
    let Ok(text) = core::str::from_utf8(data) else {
        return;
    };
    let lines = text.lines().count().max(1);
    match Config::parse(text, "fuzz.toml", Some(Path::new("/nonexistent"))) {
        Ok(c) => {
            // Accepted limits must be usable at run time (hyper adds the read timeout to
            // `Instant::now()`; tokio semaphores have a maximum size).
            let s = &c.server;
            assert!(s.read_timeout.as_secs() <= config::MAX_READ_TIMEOUT_SECS);
            assert!(
                std::time::Instant::now()
                    .checked_add(s.read_timeout)
                    .is_some()
            );
            assert!(s.kex_concurrency >= 1 && s.kex_concurrency <= config::MAX_KEX_CONCURRENCY);
            assert!(s.max_connections >= 1 && s.max_connections <= config::MAX_CONNECTIONS);
            assert!(c.locations.len() <= config::MAX_LOCATIONS);
            for l in &c.locations {
                assert!(l.path.starts_with('/'), "{:?}", l.path);
                assert!(l.line >= 1 && l.line <= lines, "line {} of {lines}", l.line);
                if let config::Content::Proxy { upstream, .. } = &l.content {
                    assert!(UpstreamUrl::parse(upstream).is_ok(), "{upstream:?}");
                }
            }
            assert!(s.max_connections_per_client >= 1);
            assert!(s.max_connections_per_client <= config::MAX_CONNECTIONS);
            assert!(s.write_timeout.as_secs() >= 1);
            assert!(s.write_timeout.as_secs() <= config::MAX_WRITE_TIMEOUT_SECS);
            assert!(
                s.min_rate_bytes_per_sec >= 1 && s.min_rate_bytes_per_sec <= config::MAX_MIN_RATE
            );
            assert!(s.read_timeout_max >= s.read_timeout);
            assert!(s.read_timeout_max.as_secs() <= config::MAX_READ_TIMEOUT_SECS);
            for p in ["/", "/a", "/a/b", text.lines().next().unwrap_or("")] {
                // Locations are chosen on the normalised path (issue 13).
                let Ok(n) = httpauth::path::NormalizedPath::parse(p) else {
                    continue;
                };
                if let Some(i) = c.location_for(&n) {
                    assert!(i < c.locations.len());
                    assert!(n.matches_prefix(&c.locations[i].path));
                }
            }
        }
        Err(Error::Config {
            file,
            line,
            directive,
            message,
        }) => {
            assert_eq!(file, "fuzz.toml");
            assert!(line >= 1 && line <= lines + 1, "line {line} of {lines}");
            assert!(!directive.is_empty());
            assert!(!message.is_empty());
        }
        Err(e) => panic!("not a configuration error: {e}"),
    }
}
