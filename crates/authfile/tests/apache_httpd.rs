//! A real Apache httpd (Debian `apache2`) serving with files written by this crate:
//! `mod_authn_file` verifies our hashes, `mod_authz_groupfile` reads our group file
//! (quoted members, a group on two lines) and `mod_auth_digest` our htdigest file, driven by
//! `curl`. With `CI=true` a missing peer fails the test; otherwise it is skipped.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failure

use authfile::{DigestHash, GroupFile, HashAlgorithm, HtdigestFile, HtpasswdFile, Password};
use httpauth_test_kit::{Apache, require_peer};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

fn peer(path: &str) -> Option<PathBuf> {
    require_peer(path).then(|| PathBuf::from(path))
}

/// Apache (event MPM) serving `dir/www` with the password and group files of `dir`.
fn start(dir: &Path) -> Apache {
    Apache::builder(&[
        "authn_core",
        "authn_file",
        "authz_core",
        "authz_user",
        "authz_groupfile",
        "auth_basic",
        "auth_digest",
    ])
    .mpm("event")
    .start(|_| {
        format!(
            r#"DocumentRoot "{d}/www"
<Location /basic>
  AuthType Basic
  AuthName "basic"
  AuthBasicProvider file
  AuthUserFile "{d}/users"
  Require valid-user
</Location>
<Location /group>
  AuthType Basic
  AuthName "group"
  AuthBasicProvider file
  AuthUserFile "{d}/users"
  AuthGroupFile "{d}/groups"
  Require group team
</Location>
<Location /digest>
  AuthType Digest
  AuthName "digest realm"
  AuthDigestProvider file
  AuthUserFile "{d}/digest"
  Require valid-user
</Location>
"#,
            d = dir.display()
        )
    })
}

fn status(curl: &Path, args: &[&str], url: &str) -> String {
    let out = Command::new(curl)
        .args([
            "-s",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "--max-time",
            "10",
        ])
        .args(args)
        .arg(url)
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn apache_httpd_reads_our_files() {
    if !require_peer("apache2") {
        return;
    }
    let Some(curl) = peer("/usr/bin/curl") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // httpd may drop privileges: the test files must be world-readable.
    std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o755)).unwrap();
    for sub in ["www/basic", "www/group", "www/digest"] {
        std::fs::create_dir_all(d.join(sub)).unwrap();
        std::fs::write(d.join(sub).join("index.html"), "ok\n").unwrap();
    }

    let users = [
        ("bcrypt user", HashAlgorithm::Bcrypt { cost: 5 }),
        ("sha256", HashAlgorithm::Sha256Crypt { rounds: None }),
        ("sha512", HashAlgorithm::Sha512Crypt { rounds: Some(2000) }),
        ("apr1", HashAlgorithm::Apr1),
        ("sha1", HashAlgorithm::Sha1Insecure),
    ];
    let mut pw = HtpasswdFile::parse(b"# written by authfile\n").unwrap();
    for (u, alg) in users {
        pw.set_password(u, &Password::from(format!("pw of {u}")), alg)
            .unwrap();
    }
    std::fs::write(d.join("users"), pw.to_bytes()).unwrap();

    let mut g = GroupFile::new();
    g.add_member("team", "bcrypt user").unwrap();
    g.add_member("team", "sha256").unwrap();
    std::fs::write(
        d.join("groups"),
        [g.to_bytes(), b"team: apr1\n".to_vec()].concat(),
    )
    .unwrap();

    let mut dg = HtdigestFile::new();
    let realm = "digest realm";
    dg.set_password(
        "Mufasa",
        realm,
        &Password::from("Circle Of Life"),
        DigestHash::Md5,
        false,
    )
    .unwrap();
    dg.set_password(
        "Mufasa",
        realm,
        &Password::from("Circle Of Life"),
        DigestHash::Sha256,
        true,
    )
    .unwrap();
    std::fs::write(d.join("digest"), dg.to_bytes()).unwrap();
    for f in ["users", "groups", "digest"] {
        std::fs::set_permissions(d.join(f), std::fs::Permissions::from_mode(0o644)).unwrap();
    }

    let httpd = start(d);
    let base = httpd.url("");
    for (u, _) in users {
        let good = format!("{u}:pw of {u}");
        assert_eq!(
            status(&curl, &["-u", &good], &format!("{base}/basic/index.html")),
            "200",
            "{u}"
        );
        let bad = format!("{u}:wrong");
        assert_eq!(
            status(&curl, &["-u", &bad], &format!("{base}/basic/index.html")),
            "401",
            "{u}"
        );
    }
    // Group membership as mod_authz_groupfile reads our file: quoted member, two lines.
    for u in ["bcrypt user", "sha256", "apr1"] {
        let cred = format!("{u}:pw of {u}");
        assert_eq!(
            status(&curl, &["-u", &cred], &format!("{base}/group/index.html")),
            "200",
            "{u}"
        );
    }
    assert_ne!(
        status(
            &curl,
            &["-u", "sha1:pw of sha1"],
            &format!("{base}/group/index.html")
        ),
        "200"
    );
    // Digest: Apache reads the MD5 record (first) and ignores the userhash field.
    let digest_url = format!("{base}/digest/index.html");
    assert_eq!(
        status(
            &curl,
            &["--digest", "-u", "Mufasa:Circle Of Life"],
            &digest_url
        ),
        "200"
    );
    assert_eq!(
        status(&curl, &["--digest", "-u", "Mufasa:wrong"], &digest_url),
        "401"
    );
}
