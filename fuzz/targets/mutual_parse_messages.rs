//! The Mutual message parsers (RFC 8120 section 4) on arbitrary input: never panic, and
//! whatever parses re-serialises to something that parses to the same message.
//!
//! Input: the first byte picks the entry point; the rest is a header field value (parsed
//! by httpauth-headers) or, for selector values >= 4, `name=value` lines turned straight
//! into parameters so the fuzzer need not get the header syntax right.
//!
//! The body of fuzz target `mutual_parse_messages`: `fuzz_targets/mutual_parse_messages.rs` calls [`run`], and
//! so does the corpus replay test of the root workspace (`crates/fuzz-replay`).

use httpauth_core::{AuthParam, AuthParams, Challenge};
use mutual_core::encoding::{base64_decode, hex_decode, parse_integer};
use mutual_core::extension::AuthenticationControl;
use mutual_core::messages::{ClientCredentials, ServerChallenge, VfyS};
use mutual_core::scope::{AuthScope, tls_server_end_point};

fn lines(s: &str) -> AuthParams {
    let mut ps = AuthParams::new();
    for line in s.lines() {
        if let Some((n, v)) = line.split_once('=') {
            if let Ok(p) = AuthParam::new(n, v) {
                let _ = ps.push(p);
            }
        }
    }
    ps
}

fn check_params(ps: &AuthParams) {
    if let Ok(m) = ServerChallenge::parse(ps) {
        let again = ServerChallenge::parse(&m.to_params().expect("serialisable")).expect("reparse");
        assert_eq!(again, m);
    }
    if let Ok(m) = ClientCredentials::parse(ps) {
        let again =
            ClientCredentials::parse(&m.to_params().expect("serialisable")).expect("reparse");
        assert_eq!(again, m);
    }
    if let Ok(m) = VfyS::parse(ps) {
        for &alg in mutual_core::ALL_ALGORITHMS {
            if m.vks(alg).is_ok() {
                let again = VfyS::parse(&m.to_params(alg).expect("serialisable")).expect("reparse");
                assert_eq!(again, m);
            }
        }
    }
    if let Ok(c) = Challenge::with_params("Mutual", ps.clone()) {
        if let Ok(a) = AuthenticationControl::parse(&c) {
            if let Ok(e) = a.to_entry() {
                assert_eq!(AuthenticationControl::parse(&e).expect("reparse"), a);
            }
        }
    }
}

/// One input of the fuzz target (and of the corpus replay test).
pub fn run(data: &[u8]) {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let s = String::from_utf8_lossy(rest);
    match sel % 8 {
        0 => {
            if let Ok(cs) = httpauth_headers::parse_challenges(&s) {
                for c in &cs {
                    if let Some(ps) = c.param_list() {
                        check_params(ps);
                    }
                    let _ = ServerChallenge::from_challenge(c);
                }
            }
        }
        1 => {
            if let Ok(c) = httpauth_headers::parse_credentials(&s) {
                let _ = ClientCredentials::from_credentials(&c);
                if let Some(ps) = c.param_list() {
                    check_params(ps);
                }
            }
        }
        2 => {
            if let Ok(ps) = httpauth_headers::parse_authentication_info(&s) {
                check_params(&ps);
            }
        }
        3 => {
            if let Ok(scope) = AuthScope::parse(&s) {
                let canon = scope.canonical();
                assert_eq!(AuthScope::parse(&canon).expect("canonical reparses"), scope);
            }
            let _ = tls_server_end_point(rest);
        }
        4 => {
            let _ = hex_decode(&s, None);
            let _ = base64_decode(&s, None);
            if let Ok(b) = base64_decode(&s, None) {
                assert_eq!(mutual_core::encoding::base64_encode(&b), s);
            }
            let _ = parse_integer(&s);
        }
        _ => check_params(&lines(&s)),
    }
}
