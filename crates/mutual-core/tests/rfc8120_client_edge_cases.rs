//! The client engine on the RFC 8120 edge cases of issue 15, each against the reading of
//! the draft (`mutual-auth-protocol.txt`) the test names: a 401-KEX-S1 with `time=0` or
//! `nc-max=0`, `Authentication-Info` in a `100 Continue`, and challenges that cannot be
//! used (a non-ASCII realm, `realm*`, a validation that does not fit).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests panic on failure by design

mod common;

use common::{Hooks, Verifiers, WireResponse, run, serve};
use httpauth_core::{Challenge, Password, RequestContext};
use mutual_core::client::{MutualClient, Next, RequestTarget, Response, Status};
use mutual_core::scope::Origin;
use mutual_core::server::{MutualServer, ServerConfig};
use mutual_core::{Error, IsoKam3EcP256Sha256};
use std::sync::Arc;

const REALM: &str = "edge";

fn server(config: ServerConfig) -> MutualServer {
    let v = Verifiers::default();
    v.add(
        "iso-kam3-ec-p256-sha256",
        "example.com",
        &config.realm,
        "alice",
        "wonderland",
    );
    MutualServer::new(config.with_algorithm(&IsoKam3EcP256Sha256), Arc::new(v))
}

fn client(realm: &str) -> MutualClient {
    let mut c = MutualClient::new();
    c.add_login(realm, None, "alice", Password::from("wonderland"));
    c
}

fn target() -> RequestTarget {
    RequestTarget::new(Origin::new("http", "example.com", 80).unwrap(), "/a")
}

fn ctx() -> RequestContext<'static> {
    RequestContext::new("GET", "/a", "http", "example.com")
}

/// Rewrites `name=<integer>` in the 401-KEX-S1 (the response with `ks1`) to `name=value`.
fn rewrite_kex_s1(r: WireResponse, name: &str, value: &str) -> WireResponse {
    let Some(w) = r.www_authenticate.as_deref() else {
        return r;
    };
    if !w.contains("ks1=") {
        return r;
    }
    let start = w.find(&format!("{name}=")).unwrap() + name.len() + 1;
    let end = w[start..]
        .find(|c: char| !c.is_ascii_digit())
        .map_or(w.len(), |i| start + i);
    let w = format!("{}{value}{}", &w[..start], &w[end..]);
    WireResponse {
        www_authenticate: Some(w),
        ..r
    }
}

fn parse(v: Option<&str>) -> Vec<Challenge> {
    v.map(|v| httpauth_headers::parse_challenges(v).unwrap())
        .unwrap_or_default()
}

/// Section 4.3: `time` is "the suggested time (in seconds) that the client can reuse the
/// session"; section 10.2 step 10 sends req-VFY-C after a 401-KEX-S1 unconditionally. So
/// `time=0` means "do not reuse", not "do not finish". (The old client stored a session
/// that expired at once, found it unusable and ended with "session exhausted".)
#[test]
fn rfc8120_4_3_time_0_still_sends_the_first_vfy_c() {
    let server = server(ServerConfig::new(REALM));
    let mut client = client(REALM);
    let mut req = |_: u32, s: String| s;
    let mut resp = |_: u32, r: WireResponse| rewrite_kex_s1(r, "time", "0");
    let hooks = Hooks {
        request: &mut req,
        response: &mut resp,
    };
    let (r, sent) = run(&mut client, &server, target(), &ctx(), false, Some(hooks));
    assert!(matches!(r, Ok(Status::AuthSucceeded { .. })), "{r:?}");
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert!(
        sent[1].contains("vkc=") && sent[1].contains("nc=1"),
        "{sent:?}"
    );
    // The session is not reused: the next request starts a new key exchange.
    let (r, sent) = run(&mut client, &server, target(), &ctx(), false, None);
    assert!(matches!(r, Ok(Status::AuthSucceeded { .. })), "{r:?}");
    assert!(sent[0].contains("kc1="), "time=0: no reuse: {sent:?}");
}

/// Sections 6 and 11: nonce numbers are natural numbers counted "from zero up to the value
/// of nc-max", and a new session's largest-nc is zero; with `nc-max=0` the one nonce number
/// the server takes is 0. (The old client started at 1 > nc-max and ended with "session
/// exhausted" before sending anything.)
#[test]
fn rfc8120_6_nc_max_0_sends_nc_0() {
    let server = server(ServerConfig::new(REALM).with_nc(0, 128));
    let mut client = client(REALM);
    let (r, sent) = run(&mut client, &server, target(), &ctx(), false, None);
    assert!(matches!(r, Ok(Status::AuthSucceeded { .. })), "{r:?}");
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert!(sent[0].contains("kc1="), "{sent:?}");
    assert!(sent[1].contains("nc=0"), "{sent:?}");
    // nc 0 is used up: the session is not reused.
    let (r, sent) = run(&mut client, &server, target(), &ctx(), false, None);
    assert!(matches!(r, Ok(Status::AuthSucceeded { .. })), "{r:?}");
    assert!(
        sent[0].contains("kc1=") && sent[1].contains("nc=0"),
        "{sent:?}"
    );
}

/// `nc-max=1`: the first req-VFY-C uses nc=1 (as before), and no second one is sent.
#[test]
fn rfc8120_6_nc_max_1_one_request_per_session() {
    let server = server(ServerConfig::new(REALM).with_nc(1, 128));
    let mut client = client(REALM);
    let (r, sent) = run(&mut client, &server, target(), &ctx(), false, None);
    assert!(matches!(r, Ok(Status::AuthSucceeded { .. })), "{r:?}");
    assert!(sent[1].contains("nc=1"), "{sent:?}");
    let (r, sent) = run(&mut client, &server, target(), &ctx(), false, None);
    assert!(matches!(r, Ok(Status::AuthSucceeded { .. })), "{r:?}");
    assert!(sent[0].contains("kc1="), "{sent:?}");
}

/// Drives one sequence to the point where a req-VFY-C is in flight; returns the client,
/// the sequence and the server's answer to that req-VFY-C.
fn up_to_vfy() -> (
    MutualClient,
    mutual_core::client::Sequence,
    WireResponse,
    MutualServer,
) {
    let server = server(ServerConfig::new(REALM));
    let mut client = client(REALM);
    let (mut seq, first) = client.start(target()).unwrap();
    assert!(first.is_none());
    let mut auth: Option<String> = None;
    for _ in 0..3 {
        let resp = serve(&server, &ctx(), auth.as_deref(), false);
        if resp.authentication_info.is_some() {
            return (client, seq, resp, server);
        }
        let cs = parse(resp.www_authenticate.as_deref());
        let r = Response {
            status: resp.status,
            challenges: &cs,
            optional_challenges: &[],
            authentication_info: None,
        };
        match client.on_response(&mut seq, &r).unwrap() {
            Next::Send(c) => auth = Some(httpauth_headers::format_credentials(&c)),
            other => panic!("{other:?}"),
        }
    }
    panic!("no 200-VFY-S");
}

fn final_200(info: Option<&httpauth_core::AuthParams>) -> Response<'_> {
    Response {
        status: 200,
        challenges: &[],
        optional_challenges: &[],
        authentication_info: info,
    }
}

fn info_of(r: &WireResponse) -> httpauth_core::AuthParams {
    httpauth_headers::parse_authentication_info(r.authentication_info.as_deref().unwrap()).unwrap()
}

/// A wrong vks of the right shape: the right one with its first hex digit changed.
fn tampered(r: &WireResponse) -> httpauth_core::AuthParams {
    let v = r.authentication_info.clone().unwrap();
    let i = v.find("vks=").unwrap() + 4;
    let i = i + usize::from(v.as_bytes()[i] == b'"');
    let c = if v.as_bytes()[i] == b'0' { "1" } else { "0" };
    let v = format!("{}{c}{}", &v[..i], &v[i + 1..]);
    httpauth_headers::parse_authentication_info(&v).unwrap()
}

/// Section 4.5: "If a "100 Continue" response is sent from the server, the
/// Authentication-Info header SHOULD be included in that response, instead of the final
/// response." A right vks in the 100, then a final 200 without Authentication-Info, is
/// AUTH-SUCCEED. (The old engine saw only the final response and failed the server.)
#[test]
fn rfc8120_4_5_vks_in_100_continue_then_bare_final_succeeds() {
    let (mut client, mut seq, resp, _server) = up_to_vfy();
    let info = info_of(&resp);
    client.on_informational(&mut seq, Some(&info)).unwrap();
    let r = client.on_response(&mut seq, &final_200(None)).unwrap();
    assert!(
        matches!(r, Next::Done(Status::AuthSucceeded { .. })),
        "{r:?}"
    );
    // The session is kept and reused.
    assert!(client.has_session(&target().origin, REALM));
}

/// Without the 100 (or with a 100 that carries nothing) a bare final response after a
/// req-VFY-C is still a failure of the server (section 10.1).
#[test]
fn rfc8120_10_1_bare_final_without_early_vks_fails() {
    let (mut client, mut seq, _resp, _server) = up_to_vfy();
    client.on_informational(&mut seq, None).unwrap();
    let r = client.on_response(&mut seq, &final_200(None));
    assert_eq!(r.unwrap_err(), Error::ServerNotAuthenticated);
}

/// A wrong vks in the 100 fails at once: nothing of the response may be used.
#[test]
fn rfc8120_4_5_wrong_vks_in_100_continue_fails() {
    let (mut client, mut seq, resp, _server) = up_to_vfy();
    let bad = tampered(&resp);
    let r = client.on_informational(&mut seq, Some(&bad));
    assert_eq!(r.unwrap_err(), Error::ServerNotAuthenticated);
    assert!(!client.has_session(&target().origin, REALM));
    // The sequence is over; a (right) final response does not revive it.
    let info = info_of(&resp);
    assert!(
        client
            .on_response(&mut seq, &final_200(Some(&info)))
            .is_err()
    );
}

/// A right vks in the 100 and a wrong one in the final response: a wrong vks anywhere is a
/// verification failure.
#[test]
fn rfc8120_4_5_right_in_100_wrong_in_final_fails() {
    let (mut client, mut seq, resp, _server) = up_to_vfy();
    let info = info_of(&resp);
    client.on_informational(&mut seq, Some(&info)).unwrap();
    let bad = tampered(&resp);
    let r = client.on_response(&mut seq, &final_200(Some(&bad)));
    assert_eq!(r.unwrap_err(), Error::ServerNotAuthenticated);
}

/// Section 10.1: a 200-VFY-S "MUST be accepted only as a response to req-VFY-C"; an
/// Authentication-Info in a 100 to a request without Mutual credentials is refused.
#[test]
fn rfc8120_10_1_vks_in_100_to_a_normal_request_is_refused() {
    let (_, _, resp, _server) = up_to_vfy();
    let mut client = client(REALM);
    let (mut seq, _) = client.start(target()).unwrap();
    let info = info_of(&resp);
    assert_eq!(
        client.on_informational(&mut seq, Some(&info)).unwrap_err(),
        Error::UnexpectedResponse
    );
}

/// Section 4.1: the realm "SHOULD be an ASCII string. Clients MAY treat any non-ASCII
/// value received in this field as a binary blob, an NFC-normalized UTF-8 string, or an
/// error." This client takes UTF-8 in a quoted-string as is, end to end.
#[test]
fn rfc8120_4_1_utf8_realm_in_quoted_string_works() {
    let realm = "R\u{e9}alm \u{3042}";
    let server = server(ServerConfig::new(realm));
    let init = serve(&server, &ctx(), None, false);
    let w = init.www_authenticate.clone().unwrap();
    assert!(w.contains(&format!("realm=\"{realm}\"")), "{w}");
    assert!(MutualClient::unusable_challenges(&target(), &parse(Some(&w))).is_empty());
    let mut client = client(realm);
    let (r, _) = run(&mut client, &server, target(), &ctx(), false, None);
    assert!(
        matches!(&r, Ok(Status::AuthSucceeded { realm: got, .. }) if got == realm),
        "{r:?}"
    );
}

const INIT: &str = "Mutual version=1, algorithm=iso-kam3-ec-p256-sha256, validation=host, ";

/// Section 3.1: "RFC 5987 syntax MUST NOT be used for this parameter" (realm). A `realm*`
/// challenge is not used, and the reason can be told.
#[test]
fn rfc8120_3_1_realm_star_is_unusable_and_says_why() {
    let cs = parse(Some(&format!(
        "{INIT}realm*=UTF-8''R%C3%A9alm, reason=initial"
    )));
    let u = MutualClient::unusable_challenges(&target(), &cs);
    assert_eq!(u.len(), 1, "{u:?}");
    assert_eq!(u[0].reason, Error::ExtendedRealm);
    assert_eq!(u[0].realm.as_deref(), Some("R\u{e9}alm"));
    assert!(u[0].reason.to_string().contains("realm*"));
}

/// Section 7: `validation=tls-server-end-point` cannot be used over http; an unknown
/// algorithm cannot be used at all. Both are named; a usable challenge is not listed.
#[test]
fn rfc8120_7_unusable_challenges_name_the_reason() {
    let cs = parse(Some(&format!(
        "{}, {}, {}, Basic realm=\"b\"",
        "Mutual version=1, algorithm=iso-kam3-ec-p256-sha256, validation=tls-server-end-point, realm=\"t\", reason=initial",
        "Mutual version=1, algorithm=-x.example.com, validation=host, realm=\"x\", reason=initial",
        "Mutual version=1, algorithm=iso-kam3-ec-p256-sha256, validation=host, realm=\"ok\", reason=initial",
    )));
    let u = MutualClient::unusable_challenges(&target(), &cs);
    assert_eq!(u.len(), 2, "{u:?}");
    assert_eq!(
        u[0].reason,
        Error::ValidationMismatch {
            offered: "tls-server-end-point",
            required: "host"
        }
    );
    assert_eq!(u[0].realm.as_deref(), Some("t"));
    assert!(matches!(u[1].reason, Error::UnknownAlgorithm(_)), "{u:?}");
    assert_eq!(u[1].algorithm.as_deref(), Some("-x.example.com"));
}
