//! Whole exchanges through the header formatter and parser of `httpauth-headers`:
//! challenges on several `WWW-Authenticate` lines, credentials with `username*`
//! (RFC 8187) and `userhash`, `Authentication-Info`, and the wire forms RFC 7616 requires.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{TestClock, key};
use digest_auth::{Algorithm, DigestClient, DigestServer, MemoryCredentials};
use httpauth_core::{AuthScheme, Outcome, RequestContext};
use std::sync::Arc;

fn server(userhash: bool) -> DigestServer {
    let mut creds = MemoryCredentials::new();
    creds.add_password("J\u{e4}s\u{f8}n Doe", "Secret, or not?".into());
    creds.add_password("Mufasa", "Circle of Life".into());
    DigestServer::builder("api@example.org", Arc::new(creds))
        .algorithms(&[Algorithm::Sha512_256, Algorithm::Sha256, Algorithm::Md5])
        .userhash(userhash)
        .nonce_key(key())
        .clock(TestClock::new())
        .build()
        .unwrap()
}

/// One full exchange over formatted header values; returns the `Authorization` value.
fn exchange(srv: &DigestServer, user: &str, password: &str) -> String {
    let req = RequestContext::new("GET", "/doe.json", "https", "api.example.org");
    // One WWW-Authenticate line per challenge, as a server sends them.
    let lines: Vec<String> = srv
        .challenges(&req)
        .iter()
        .map(httpauth_headers::format_challenge)
        .collect();
    for l in &lines {
        assert!(
            l.contains("algorithm=SHA-") || l.contains("algorithm=MD5"),
            "{l}"
        );
        // auth-int is opt-in (issue 14): the default offer is `auth` alone.
        assert!(l.contains("qop=\"auth\""), "{l}");
        assert!(l.contains("charset=UTF-8"), "{l}");
    }
    let challenges =
        httpauth_headers::parse_challenges_lines(lines.iter().map(String::as_str)).unwrap();
    assert_eq!(challenges.len(), 3);
    let mut client = DigestClient::new(user, password.into());
    let auth = client
        .respond(&challenges, "GET", "/doe.json", None)
        .unwrap();
    let value = httpauth_headers::format_credentials(auth.credentials());
    // RFC 7616 section 3.4: algorithm, qop and nc are unquoted.
    assert!(value.contains("algorithm=SHA-512-256"), "{value}");
    assert!(value.contains("qop=auth"), "{value}");
    assert!(value.contains("nc=00000001"), "{value}");
    let parsed = httpauth_headers::parse_credentials(&value).unwrap();
    let Outcome::Authenticated {
        principal, info, ..
    } = srv.authenticate(&req, &parsed)
    else {
        panic!("not authenticated: {value}");
    };
    assert_eq!(principal.user, user);
    let info_value = httpauth_headers::format_authentication_info(&info);
    assert!(info_value.contains("rspauth=\""), "{info_value}");
    assert!(info_value.contains("qop=auth"), "{info_value}");
    let info = httpauth_headers::parse_authentication_info(&info_value).unwrap();
    client
        .verify_authentication_info(&auth, &info, None)
        .unwrap();
    value
}

#[test]
fn rfc7616_3_9_2_wire_username_star() {
    let value = exchange(&server(false), "J\u{e4}s\u{f8}n Doe", "Secret, or not?");
    // RFC 7616 section 3.9.2 / RFC 8187: the non-ASCII name as username*.
    assert!(
        value.contains("username*=UTF-8''J%C3%A4s%C3%B8n%20Doe"),
        "{value}"
    );
}

#[test]
fn rfc7616_3_9_2_wire_userhash() {
    let value = exchange(&server(true), "J\u{e4}s\u{f8}n Doe", "Secret, or not?");
    // The erratum 4897 userhash of the section 3.9.2 user.
    assert!(
        value.contains(
            "username=\"793263caabb707a56211940d90411ea4a575adeccb7e360aeb624ed06ece9b0b\""
        ),
        "{value}"
    );
    assert!(value.contains("userhash=true"), "{value}");
}

#[test]
fn ascii_user_quoted() {
    let value = exchange(&server(false), "Mufasa", "Circle of Life");
    assert!(value.contains("username=\"Mufasa\""), "{value}");
}
