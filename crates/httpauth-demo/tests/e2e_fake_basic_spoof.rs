//! Issue 13, critical item 1: the FakeBasicAuth spoof, against the demo server on its
//! embedded default configuration, with curl as the peer.
//!
//! `SSLOptions +FakeBasicAuth` makes mod_ssl present a client certificate's one-line DN
//! (`/C=DE/O=Example Org/OU=Engineering/CN=alice`) as a Basic user with the password
//! `password`. Anyone who knows a DN could send those credentials themselves, without a
//! certificate; mod_ssl refuses them on every location that authenticates ("Encountered
//! FakeBasicAuth spoof", 403, `ssl_hook_UserCheck` in `ssl_engine_kernel.c`). Before the
//! fix, the demo wrote the DN records into the htpasswd file its password locations use
//! and accepted such credentials over plain HTTP at `/basic` and `/cert-or-password`.
//!
//! This test checks:
//! - every location that accepts Basic answers 403 to a DN user with the password
//!   `password`, over plain HTTP and over https without a certificate, for DNs of real
//!   demo certificates and made-up ones;
//! - no other location authenticates anyone from such credentials (never a DN principal);
//! - the htpasswd file the password locations use holds no DN record, and the certificate
//!   DNs live in their own file;
//! - a normal user still gets 200, a DN user with a different password an ordinary 401;
//! - FakeBasicAuth itself still works with the real certificate over https.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Server, curl};
use httpauth_test_kit::require_peer;

/// Locations of the embedded configuration that offer Basic.
const BASIC_LOCATIONS: &[&str] = &[
    "/basic",
    "/admin",
    "/cert-or-password",
    "/cert-and-password",
    "/fake-basic",
];

/// Locations that authenticate without offering Basic (Digest, Mutual, certificates,
/// optional authentication).
const OTHER_LOCATIONS: &[&str] = &["/digest", "/mutual", "/cert", "/cert-policy", "/optional"];

/// User names of an htpasswd file (the part before the last `:` of each record).
fn users(htpasswd: &str) -> Vec<String> {
    htpasswd
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| l.rsplit_once(':').expect("user:hash").0.to_owned())
        .collect()
}

#[test]
fn fake_basic_spoof_gets_403_and_the_real_certificate_still_works() {
    if !require_peer("curl") {
        return;
    }
    let s = Server::start(None);
    let data = s.data();

    // The files: certificate DNs in their own file, none in the password file.
    let cert_dns = users(&std::fs::read_to_string(data.join("htpasswd-certificates")).unwrap());
    assert!(
        !cert_dns.is_empty(),
        "htpasswd-certificates holds the demo DNs"
    );
    assert!(cert_dns.iter().all(|d| d.starts_with('/')), "{cert_dns:?}");
    let alice_dn = "/C=DE/O=Example Org/OU=Engineering/CN=alice";
    assert!(cert_dns.iter().any(|d| d == alice_dn), "{cert_dns:?}");
    let password_users = users(&std::fs::read_to_string(data.join("htpasswd")).unwrap());
    assert!(password_users.iter().any(|u| u == "alice"));
    for u in &password_users {
        assert!(
            !u.starts_with('/') && !cert_dns.contains(u),
            "the password locations' htpasswd holds a certificate record: {u:?}"
        );
    }

    // Spoofed credentials: every real demo DN, and made-up ones.
    let mut spoofs: Vec<String> = cert_dns.clone();
    spoofs.extend(["/CN=alice", "/CN=admin", "/O=Example Org/CN=bob"].map(str::to_owned));
    let ca = s.ca();
    let mut table = String::new();
    let mut failures = Vec::new();
    for dn in &spoofs {
        let cred = format!("{dn}:password");
        for (proto, url_of) in [
            (
                "http",
                &(|p: &str| s.http_url(p)) as &dyn Fn(&str) -> String,
            ),
            ("https", &|p: &str| s.https_url(p)),
        ] {
            for loc in BASIC_LOCATIONS.iter().chain(OTHER_LOCATIONS) {
                let url = url_of(loc);
                let (code, body) = curl(&["--cacert", &ca, "--basic", "-u", &cred, &url]);
                table.push_str(&format!("{proto:<5} {loc:<20} {dn:<50} {code}\n"));
                if body.contains("principal: /") || body.contains(&format!("principal: {dn}")) {
                    failures.push(format!(
                        "{proto} {loc} {dn}: authenticated as the DN: {body}"
                    ));
                }
                if BASIC_LOCATIONS.contains(loc) && code != 403 {
                    failures.push(format!("{proto} {loc} {dn}: {code}, expected 403"));
                }
                if OTHER_LOCATIONS.contains(loc) && code == 200 && *loc != "/optional" {
                    failures.push(format!("{proto} {loc} {dn}: 200 without authentication"));
                }
            }
        }
    }
    eprintln!("{table}");
    assert!(failures.is_empty(), "{}\n\n{table}", failures.join("\n"));

    // A DN user with any other password is an ordinary wrong login: 401.
    let (code, _) = curl(&[
        "-u",
        &format!("{alice_dn}:wonderland"),
        &s.http_url("/basic"),
    ]);
    assert_eq!(code, 401);
    // The spoof refusal does not depend on the challenge: the same with a raw header.
    let raw = s.raw(
        format!(
            "GET /basic HTTP/1.1\r\nHost: x\r\nAuthorization: Basic {}\r\nConnection: close\r\n\r\n",
            httpauth_headers::basic::encode_token68(alice_dn, "password").unwrap()
        )
        .as_bytes(),
    );
    assert!(raw.starts_with("HTTP/1.1 403"), "{raw}");
    assert!(
        !raw.to_ascii_lowercase().contains("www-authenticate"),
        "403 carries no challenge: {raw}"
    );

    // Normal users are unaffected.
    for (loc, who) in [
        ("/basic", "alice:wonderland"),
        ("/basic", "bob:builder"),
        ("/admin", "alice:wonderland"),
        ("/cert-or-password", "bob:builder"),
    ] {
        let (code, body) = curl(&["-u", who, &s.http_url(loc)]);
        assert_eq!(code, 200, "{loc} {who}: {body}");
    }

    // FakeBasicAuth with the real certificate over https still works: the DN is the user.
    let mut args: Vec<String> = vec!["--cacert".into(), ca.clone()];
    args.extend(s.cert_args("alice"));
    args.push(s.https_url("/fake-basic"));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, body) = curl(&args);
    assert_eq!(code, 200, "{body}");
    assert!(body.contains(&format!("principal: {alice_dn}")), "{body}");
    // Every demo certificate: its DN (a record of htpasswd-certificates) is the user.
    let clients: Vec<String> = std::fs::read_dir(data.join("clients"))
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().into_string().unwrap();
            name.strip_suffix(".pem").map(str::to_owned)
        })
        .collect();
    assert!(clients.len() >= 2, "{clients:?}");
    let mut by_certificate = 0;
    for who in &clients {
        let mut a: Vec<String> = vec!["--cacert".into(), ca.clone()];
        a.extend(s.cert_args(who));
        a.push(s.https_url("/fake-basic"));
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        let (code, body) = curl(&a);
        let principal = body
            .lines()
            .find_map(|l| l.strip_prefix("principal: "))
            .unwrap_or("");
        if cert_dns.iter().any(|d| d == principal) {
            assert_eq!(code, 200, "{who}: {body}");
            by_certificate += 1;
        } else {
            // A certificate whose DN is not in the file (none in the demo today).
            assert_ne!(code, 200, "{who}: {body}");
        }
    }
    assert!(
        by_certificate >= 2,
        "{by_certificate} of {clients:?} logged in by FakeBasicAuth"
    );

    // alice's certificate and a spoofed header naming another certificate's DN: the
    // header never names the user (mod_ssl answers 403 here; the demo ignores the header
    // at this certificate-only location, see the ignored test below).
    let other_dn = cert_dns
        .iter()
        .find(|d| d.as_str() != alice_dn)
        .expect("a second demo certificate");
    let spoof = format!("{other_dn}:password");
    let mut both: Vec<&str> = args[..args.len() - 1].to_vec();
    both.extend(["--basic", "-u", &spoof]);
    let url = s.https_url("/fake-basic");
    both.push(&url);
    let (code, body) = curl(&both);
    assert!(
        code == 403 || (code == 200 && body.contains(&format!("principal: {alice_dn}\n"))),
        "{code}: {body}"
    );
    assert!(!body.contains(&format!("principal: {other_dn}")), "{body}");
    // alice's certificate and Basic credentials of her own that the file does not hold:
    // as in httpd (`ssl_hook_UserCheck` overwrites `Authorization` with the DN when a
    // certificate is present), the certificate decides and the header is not looked at.
    for sent in [
        &["--basic", "-u", "alice:not-her-password"][..],
        &["-H", "Authorization: Basic !!!"][..],
        &[
            "-H",
            "Authorization: Digest username=\"alice\", realm=\"x\"",
        ][..],
    ] {
        let mut a: Vec<&str> = args[..args.len() - 1].to_vec();
        a.extend(sent);
        a.push(&url);
        let (code, body) = curl(&a);
        assert_eq!(code, 200, "{sent:?}: {body}");
        assert!(body.contains(&format!("principal: {alice_dn}\n")), "{body}");
    }
    // Without the certificate: 403.
    assert_eq!(curl(&["--cacert", &ca, &s.https_url("/fake-basic")]).0, 403);
}

/// mod_ssl refuses a spoofed FakeBasicAuth header before anything else in its
/// authentication hook (`ssl_hook_UserCheck`: the check precedes the test for
/// `+FakeBasicAuth` and for a certificate), so httpd answers 403 at *every* location that
/// authenticates, whatever scheme it offers. (Found while writing these tests: the guard
/// first answered 401 at `/digest` and `/mutual` and 200 anonymous at `/optional`; it now
/// checks before choosing a scheme.)
#[test]
fn fake_basic_spoof_gets_403_where_basic_is_not_offered_as_mod_ssl_does() {
    if !require_peer("curl") {
        return;
    }
    let s = Server::start(None);
    let ca = s.ca();
    let alice_dn = "/C=DE/O=Example Org/OU=Engineering/CN=alice";
    let spoof = format!("{alice_dn}:password");
    let mut failures = Vec::new();
    for loc in ["/digest", "/mutual", "/optional"] {
        let (code, _) = curl(&["--basic", "-u", &spoof, &s.http_url(loc)]);
        if code != 403 {
            failures.push(format!("http {loc}: {code}"));
        }
    }
    let mut args: Vec<String> = vec!["--cacert".into(), ca];
    args.extend(s.cert_args("alice"));
    args.extend([
        "--basic".into(),
        "-u".into(),
        spoof,
        s.https_url("/fake-basic"),
    ]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, _) = curl(&args);
    if code != 403 {
        failures.push(format!("https /fake-basic with the certificate: {code}"));
    }
    assert!(
        failures.is_empty(),
        "mod_ssl answers 403; the demo: {failures:?}"
    );
}
