//! Property tests: the configuration parser never panics, and its errors always name a
//! line inside the file and a directive.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use httpauth_demo::{Config, DEFAULT_CONFIG, Error};
use proptest::prelude::*;
use std::path::Path;

fn check(text: &str) {
    match Config::parse(text, "p.toml", Some(Path::new("/nonexistent"))) {
        Ok(c) => {
            for l in &c.locations {
                assert!(l.path.starts_with('/'));
                assert!(l.line >= 1 && l.line <= text.lines().count().max(1));
            }
        }
        Err(Error::Config {
            file,
            line,
            directive,
            ..
        }) => {
            assert_eq!(file, "p.toml");
            assert!(
                line >= 1 && line <= text.lines().count() + 1,
                "line {line} of {}",
                text.lines().count()
            );
            assert!(!directive.is_empty());
        }
        Err(e) => panic!("unexpected error kind: {e}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,400}") {
        check(&text);
    }

    /// The default configuration with one line replaced by something else.
    #[test]
    fn mutated_default_never_panics(
        line in 0usize..120,
        replacement in prop_oneof![
            Just(String::new()),
            Just("satisfy = \"sometimes\"".to_owned()),
            Just("schemes = [\"Negotiate\"]".to_owned()),
            Just("require = [\"group\"]".to_owned()),
            Just("ssl_require = '%{SSL_CLIENT_S_DN_CN} =='".to_owned()),
            Just("verify_client = \"maybe\"".to_owned()),
            Just("address = \"localhost\"".to_owned()),
            Just("[[location]]".to_owned()),
            Just("path = \"relative\"".to_owned()),
            Just("max_header_bytes = 0".to_owned()),
            "[a-z_]{1,12} = [0-9]{1,4}",
            "\\PC{0,40}",
        ],
    ) {
        let mut lines: Vec<String> = DEFAULT_CONFIG.lines().map(str::to_owned).collect();
        let i = line % lines.len();
        lines[i] = replacement;
        check(&lines.join("\n"));
    }
}

#[test]
fn default_config_round_trips_through_the_file_loader() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("c.toml");
    std::fs::write(&p, DEFAULT_CONFIG).unwrap();
    let from_file = Config::parse(
        &std::fs::read_to_string(&p).unwrap(),
        "c.toml",
        Some(dir.path()),
    )
    .unwrap();
    let embedded = Config::parse(DEFAULT_CONFIG, "<embedded>", Some(dir.path())).unwrap();
    assert_eq!(from_file.locations.len(), embedded.locations.len());
    assert_eq!(from_file.listeners, embedded.listeners);
}
