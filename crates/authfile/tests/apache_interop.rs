//! Cross-compatibility with Apache's real `/usr/bin/htpasswd` (Debian `apache2-utils`): its
//! hashes verify with this crate and this crate's verify with it. The `rs-htpasswd` and
//! `rs-htdigest` tools are checked against Apache's in the `httpauth-tools` package
//! (`tests/authfile_apache_interop.rs`). With `CI=true` a missing peer fails the test;
//! otherwise the test says "skipped" and passes.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failure

use authfile::{HashAlgorithm, HtpasswdFile, Password, VerifyPolicy, hash_password, verify_hash};
use httpauth_test_kit::require_peer;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

fn peer(path: &str) -> Option<PathBuf> {
    require_peer(path).then(|| PathBuf::from(path))
}

fn run(cmd: &mut Command) -> Output {
    cmd.stdin(Stdio::null()).output().unwrap()
}

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

const PW: &str = "pässwörd 1:x";

#[test]
fn apache_htpasswd_formats_verify_with_us() {
    let Some(htpasswd) = peer("/usr/bin/htpasswd") else {
        return;
    };
    for flags in ["-nbm", "-nbB", "-nb2", "-nb5", "-nbs", "-nbd"] {
        let mut cmd = Command::new(&htpasswd);
        cmd.arg(flags);
        if flags == "-nbB" {
            cmd.args(["-C", "5"]);
        }
        if flags == "-nb5" {
            cmd.args(["-r", "7000"]);
        }
        let out = run(cmd.args(["user", PW]));
        assert!(out.status.success(), "{flags}: {out:?}");
        let line = String::from_utf8(out.stdout).unwrap();
        let hash = line.trim().strip_prefix("user:").unwrap().to_owned();
        let policy = VerifyPolicy::apache_compatible();
        if flags == "-nbd" && !cfg!(feature = "des-crypt") {
            // DES crypt needs the cargo feature `des-crypt`; without it the error names it.
            assert!(
                matches!(
                    verify_hash(&hash, PW.as_bytes(), &policy),
                    Err(authfile::Error::FeatureDisabled {
                        feature: "des-crypt",
                        ..
                    })
                ),
                "{hash}"
            );
            continue;
        }
        assert!(
            verify_hash(&hash, PW.as_bytes(), &policy).unwrap(),
            "{flags} {hash}"
        );
        assert!(
            !verify_hash(&hash, b"wrong password", &policy).unwrap(),
            "{flags} {hash}"
        );
        // And through the file type, which any server uses.
        let f = HtpasswdFile::parse(line.as_bytes())
            .unwrap()
            .with_policy(policy);
        assert!(f.verify("user", PW.as_bytes()).unwrap(), "{flags}");
    }
}

#[test]
fn our_formats_verify_with_apache_htpasswd_v() {
    let Some(htpasswd) = peer("/usr/bin/htpasswd") else {
        return;
    };
    let dir = tmp();
    let file = dir.path().join("users");
    let algs = [
        HashAlgorithm::Bcrypt { cost: 5 },
        HashAlgorithm::Sha256Crypt { rounds: None },
        HashAlgorithm::Sha256Crypt { rounds: Some(1234) },
        HashAlgorithm::Sha512Crypt { rounds: None },
        HashAlgorithm::Sha512Crypt { rounds: Some(5001) },
        HashAlgorithm::Apr1,
        HashAlgorithm::Sha1Insecure,
    ];
    for alg in algs {
        let hash = hash_password(&Password::from(PW), alg).unwrap();
        std::fs::write(&file, format!("user:{}\n", hash.expose_secret())).unwrap();
        let ok = run(Command::new(&htpasswd)
            .args(["-vb"])
            .arg(&file)
            .args(["user", PW]));
        assert_eq!(ok.status.code(), Some(0), "{alg:?}: {ok:?}");
        let bad = run(Command::new(&htpasswd)
            .args(["-vb"])
            .arg(&file)
            .args(["user", "nope"]));
        assert_eq!(bad.status.code(), Some(3), "{alg:?}");
    }
}
