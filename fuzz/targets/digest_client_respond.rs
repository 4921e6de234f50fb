//! Arbitrary challenges (and `Authentication-Info`) into the Digest client: never panics.
//!
//! Input: lines. `!Scheme` starts a challenge; `name=value` adds a parameter to it;
//! `?name=value` adds a parameter to the `Authentication-Info` answered afterwards.
//!
//! The body of fuzz target `digest_client_respond`: `fuzz_targets/digest_client_respond.rs` calls [`run`], and
//! so does the corpus replay test of the root workspace (`crates/fuzz-replay`).

use digest_auth::{BodyHasher, DigestClient};
use httpauth_core::{AuthParam, AuthParams, Challenge, HashFunction};

/// One input of the fuzz target (and of the corpus replay test).
pub fn run(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut challenges: Vec<Challenge> = Vec::new();
    let mut info = AuthParams::new();
    for line in text.lines().take(64) {
        if let Some(scheme) = line.strip_prefix('!') {
            if let Ok(c) = Challenge::new(scheme) {
                challenges.push(c);
            }
        } else if let Some(rest) = line.strip_prefix('?') {
            if let Some((n, v)) = rest.split_once('=') {
                if let Ok(p) = AuthParam::new(n, v) {
                    let _ = info.push(p);
                }
            }
        } else if let (Some((n, v)), Some(c)) = (line.split_once('='), challenges.last_mut()) {
            if let Ok(p) = AuthParam::new(n, v) {
                let _ = c.push(p);
            }
        }
    }
    let body = BodyHasher::digest_all(
        &[
            HashFunction::Md5,
            HashFunction::Sha256,
            HashFunction::Sha512_256,
        ],
        data,
    );
    let user = if data.len() % 2 == 0 {
        "Mufasa"
    } else {
        "J\u{e4}s\u{f8}n Doe"
    };
    let mut client = DigestClient::new(user, "Circle of Life".into());
    let with_body = data.len() % 3 == 0;
    let body_ref: Option<&dyn httpauth_core::BodyDigest> =
        if with_body { Some(&body) } else { None };
    if let Ok(auth) = client.respond(&challenges, "GET", "/x?y", body_ref) {
        let _ = client.verify_authentication_info(&auth, &info, Some(&body));
        let _ = client.verify_authentication_info(&auth, &info, None);
        if let Ok(Some(a2)) = client.authorize("POST", "/", body_ref) {
            let _ = client.verify_authentication_info(&a2, &info, body_ref);
        }
    }
    let _ = client.respond(&challenges, "GET", "/x?y", None);
}
