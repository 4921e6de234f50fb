//! Interop: this crate's client against Apache httpd `mod_auth_digest` (Debian apache2),
//! started by the test on 127.0.0.1 with a temporary ServerRoot and an htdigest file.
//! Fails under CI=true when apache2 is missing; otherwise skips with a message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::http::{header_values, http_request, peer_available, run_bounded};
use digest_auth::{Algorithm, DigestClient, Error};
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const APACHE: &str = "/usr/sbin/apache2";
const MODULES: &str = "/usr/lib/apache2/modules";
const REALM: &str = "apache realm@example.org";

/// A running httpd; stopped (SIGTERM, then SIGKILL) on drop.
struct Apache {
    child: Child,
    addr: String,
    dir: tempfile::TempDir,
}

impl Drop for Apache {
    fn drop(&mut self) {
        // SIGTERM lets the parent stop its children; fall back to SIGKILL.
        let _ = run_bounded(
            Command::new("kill").args(["-TERM", &self.child.id().to_string()]),
            Duration::from_secs(5),
        );
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(10) {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn running_as_root() -> bool {
    let out = run_bounded(Command::new("id").arg("-u"), Duration::from_secs(5));
    String::from_utf8_lossy(&out.stdout).trim() == "0"
}

fn start_apache() -> Apache {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::create_dir_all(root.join("htdocs/secret")).unwrap();
    fs::write(root.join("htdocs/secret/hello.txt"), "hello from apache\n").unwrap();
    // A password file made with Apache's own `htdigest` (tests/data).
    fs::write(
        root.join("htdigest"),
        include_str!("data/apache_htdigest_md5"),
    )
    .unwrap();
    let port = free_port();
    let user_group = if running_as_root() {
        "User nobody\nGroup nogroup\n"
    } else {
        ""
    };
    let r = root.display();
    let conf = format!(
        r#"ServerRoot "{r}"
ServerName 127.0.0.1
Listen 127.0.0.1:{port}
PidFile "{r}/httpd.pid"
ErrorLog "{r}/error.log"
LogLevel info auth_digest:debug
DefaultRuntimeDir "{r}"
Mutex file:{r} default
{user_group}
LoadModule mpm_prefork_module {MODULES}/mod_mpm_prefork.so
LoadModule authn_core_module {MODULES}/mod_authn_core.so
LoadModule authn_file_module {MODULES}/mod_authn_file.so
LoadModule authz_core_module {MODULES}/mod_authz_core.so
LoadModule authz_user_module {MODULES}/mod_authz_user.so
LoadModule auth_digest_module {MODULES}/mod_auth_digest.so
StartServers 1
MinSpareServers 1
MaxSpareServers 2
DocumentRoot "{r}/htdocs"
<Directory "{r}/htdocs">
    Require all granted
</Directory>
<Location "/secret/">
    AuthType Digest
    AuthName "{REALM}"
    AuthDigestDomain /secret/
    AuthDigestProvider file
    AuthUserFile "{r}/htdigest"
    AuthDigestNcCheck On
    Require valid-user
</Location>
"#
    );
    fs::write(root.join("httpd.conf"), conf).unwrap();
    // Children run as nobody: make the tree readable.
    for p in [
        root.to_path_buf(),
        root.join("htdocs"),
        root.join("htdocs/secret"),
    ] {
        fs::set_permissions(&p, fs::Permissions::from_mode(0o755)).unwrap();
    }
    for p in [
        root.join("htdocs/secret/hello.txt"),
        root.join("htdigest"),
        root.join("httpd.conf"),
    ] {
        fs::set_permissions(&p, fs::Permissions::from_mode(0o644)).unwrap();
    }
    let child = Command::new(APACHE)
        .args([
            "-f",
            &root.join("httpd.conf").display().to_string(),
            "-DFOREGROUND",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        // Its own process group: on SIGTERM httpd signals its whole group, which must not
        // include the test harness.
        .process_group(0)
        .spawn()
        .expect("start apache2");
    let addr = format!("127.0.0.1:{port}");
    let mut apache = Apache { child, addr, dir };
    let start = Instant::now();
    loop {
        if std::net::TcpStream::connect(&apache.addr).is_ok() {
            break;
        }
        if let Ok(Some(status)) = apache.child.try_wait() {
            let log = fs::read_to_string(apache.dir.path().join("error.log")).unwrap_or_default();
            panic!("apache2 exited with {status}: {log}");
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "apache2 did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    apache
}

fn error_log(a: &Apache) -> String {
    fs::read_to_string(a.dir.path().join("error.log")).unwrap_or_default()
}

#[test]
fn client_against_apache_mod_auth_digest() {
    if !peer_available("apache2", APACHE) {
        return;
    }
    let apache = start_apache();
    let path = "/secret/hello.txt";

    // 1. Unauthenticated: a Digest challenge.
    let (status, headers, _) = http_request(&apache.addr, "GET", path, &[], b"");
    assert_eq!(status, 401);
    let lines = header_values(&headers, "WWW-Authenticate");
    let challenges = httpauth_headers::parse_challenges_lines(lines.iter().copied()).unwrap();
    let c = challenges
        .iter()
        .find(|c| c.is_scheme("Digest"))
        .expect("Digest challenge");
    assert_eq!(c.value("realm"), Some(REALM));

    // 2. Answer it; Apache accepts and sends Authentication-Info with rspauth.
    let mut client = DigestClient::new("Mufasa", "Circle of Life".into());
    let auth = client.respond(&challenges, "GET", path, None).unwrap();
    assert_eq!(auth.algorithm(), Algorithm::Md5);
    let value = httpauth_headers::format_credentials(auth.credentials());
    let (status, headers, body) = http_request(
        &apache.addr,
        "GET",
        path,
        &[("Authorization", value.clone())],
        b"",
    );
    assert_eq!(status, 200, "{}", error_log(&apache));
    assert_eq!(body, b"hello from apache\n");
    let info_lines = header_values(&headers, "Authentication-Info");
    assert!(!info_lines.is_empty(), "Apache sent no Authentication-Info");
    let info =
        httpauth_headers::parse_authentication_info_lines(info_lines.iter().copied()).unwrap();
    assert!(info.value("rspauth").is_some());
    client
        .verify_authentication_info(&auth, &info, None)
        .unwrap();

    // 3. Reuse the nonce with nc=2 (Apache checks nc: AuthDigestNcCheck On).
    let auth2 = client.authorize("GET", path, None).unwrap().unwrap();
    assert_eq!(auth2.credentials().value("nc"), Some("00000002"));
    let (status, headers, _) = http_request(
        &apache.addr,
        "GET",
        path,
        &[(
            "Authorization",
            httpauth_headers::format_credentials(auth2.credentials()),
        )],
        b"",
    );
    assert_eq!(status, 200, "{}", error_log(&apache));
    let info = httpauth_headers::parse_authentication_info_lines(
        header_values(&headers, "Authentication-Info")
            .iter()
            .copied(),
    )
    .unwrap();
    client
        .verify_authentication_info(&auth2, &info, None)
        .unwrap();

    // 4. A tampered rspauth from "Apache" is caught.
    let mut forged = info.clone();
    forged.set(httpauth_core::AuthParam::quoted("rspauth", "0".repeat(32)).unwrap());
    assert_eq!(
        client.verify_authentication_info(&auth2, &forged, None),
        Err(Error::RspauthMismatch)
    );

    // 5. Replaying the nc=1 request is refused by Apache.
    let (status, _, _) = http_request(&apache.addr, "GET", path, &[("Authorization", value)], b"");
    assert_eq!(status, 401, "Apache accepted a replayed nc");

    // 6. A wrong password: Apache answers 401 again, the client reports the rejection.
    let mut bad = DigestClient::new("Mufasa", "wrong password".into());
    let (_, headers, _) = http_request(&apache.addr, "GET", path, &[], b"");
    let challenges = httpauth_headers::parse_challenges_lines(
        header_values(&headers, "WWW-Authenticate").iter().copied(),
    )
    .unwrap();
    let a = bad.respond(&challenges, "GET", path, None).unwrap();
    let (status, headers, _) = http_request(
        &apache.addr,
        "GET",
        path,
        &[(
            "Authorization",
            httpauth_headers::format_credentials(a.credentials()),
        )],
        b"",
    );
    assert_eq!(status, 401);
    let challenges = httpauth_headers::parse_challenges_lines(
        header_values(&headers, "WWW-Authenticate").iter().copied(),
    )
    .unwrap();
    assert_eq!(
        bad.respond(&challenges, "GET", path, None).err(),
        Some(Error::CredentialsRejected)
    );
}
