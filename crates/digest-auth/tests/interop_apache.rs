//! Interop: this crate's client against Apache httpd `mod_auth_digest` (Debian apache2),
//! started by the test on 127.0.0.1 with a temporary ServerRoot and an htdigest file.
//! Fails under CI=true when apache2 is missing; otherwise skips with a message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::http::{header_values, http_request};
use digest_auth::{Algorithm, DigestClient, Error};
use httpauth_test_kit::{Apache, make_public_dir, require_peer, write_public};

const REALM: &str = "apache realm@example.org";

fn start_apache() -> Apache {
    Apache::builder(&[
        "authn_core",
        "authn_file",
        "authz_core",
        "authz_user",
        "auth_digest",
    ])
    .log_level("info auth_digest:debug")
    .start(|site| {
        let root = site.root();
        make_public_dir(&root.join("htdocs/secret"));
        write_public(&root.join("htdocs/secret/hello.txt"), "hello from apache\n");
        // A password file made with Apache's own `htdigest` (tests/data).
        write_public(
            &root.join("htdigest"),
            include_str!("data/apache_htdigest_md5"),
        );
        let r = root.display();
        format!(
            r#"StartServers 1
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
        )
    })
}

fn error_log(a: &Apache) -> String {
    a.error_log()
}

#[test]
fn client_against_apache_mod_auth_digest() {
    if !require_peer("apache2") {
        return;
    }
    let apache = start_apache();
    let addr = apache.addr().to_string();
    let path = "/secret/hello.txt";

    // 1. Unauthenticated: a Digest challenge.
    let (status, headers, _) = http_request(&addr, "GET", path, &[], b"");
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
    let (status, headers, body) =
        http_request(&addr, "GET", path, &[("Authorization", value.clone())], b"");
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
        &addr,
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
    let (status, _, _) = http_request(&addr, "GET", path, &[("Authorization", value)], b"");
    assert_eq!(status, 401, "Apache accepted a replayed nc");

    // 6. A wrong password: Apache answers 401 again, the client reports the rejection.
    let mut bad = DigestClient::new("Mufasa", "wrong password".into());
    let (_, headers, _) = http_request(&addr, "GET", path, &[], b"");
    let challenges = httpauth_headers::parse_challenges_lines(
        header_values(&headers, "WWW-Authenticate").iter().copied(),
    )
    .unwrap();
    let a = bad.respond(&challenges, "GET", path, None).unwrap();
    let (status, headers, _) = http_request(
        &addr,
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
