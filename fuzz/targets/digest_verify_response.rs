//! Arbitrary Digest `Authorization` parameters against a configured server: never panics,
//! and never authenticates unless `response` is the right digest for the user's password.
//!
//! Input: lines `name=value`. Placeholders let the fuzzer reach deep states: `$N` a nonce
//! the server minted, `$O` its opaque, `$U` Mufasa's userhash, `$R` the correct response
//! for the other parameters (so the replay, stale and success paths are reached too).
//!
//! The body of fuzz target `digest_verify_response`: `fuzz_targets/digest_verify_response.rs` calls [`run`], and
//! so does the corpus replay test of the root workspace (`crates/fuzz-replay`).

use digest_auth::compute::{self, DigestInput, hex, unhex};
use digest_auth::{
    ALL_ALGORITHMS, Algorithm, BodyDigests, BodyHasher, DigestServer, MemoryCredentials, NonceKey,
    Qop,
};
use httpauth_core::store::MemoryStoreConfig;
use httpauth_core::{
    AuthParam, AuthParams, AuthScheme, Clock, Credentials, MemoryStore, Outcome, ParamForm,
    RequestContext, SecretBytes,
};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const REALM: &str = "fuzz@example.org";
const BODY: &[u8] = b"fuzz body";

struct FixedClock;
impl Clock for FixedClock {
    fn now(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(1_700_000_000)
    }
}

fn password(user: &str) -> Option<&'static str> {
    match user {
        "Mufasa" => Some("Circle of Life"),
        "J\u{e4}s\u{f8}n Doe" => Some("Secret, or not?"),
        _ => None,
    }
}

struct Fixture {
    server: DigestServer,
    body: BodyDigests,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let mut creds = MemoryCredentials::new();
        creds.add_password("Mufasa", "Circle of Life".into());
        creds.add_password("J\u{e4}s\u{f8}n Doe", "Secret, or not?".into());
        let clock: Arc<dyn Clock> = Arc::new(FixedClock);
        let store = MemoryStore::with_clock(MemoryStoreConfig::new(4096, 4 << 20), clock.clone());
        let server = DigestServer::builder(REALM, Arc::new(creds))
            .algorithms(ALL_ALGORITHMS)
            .qops(&[Qop::Auth, Qop::AuthInt])
            .allow_rfc2069_legacy(true)
            .userhash(true)
            .nonce_key(NonceKey::from_secret(SecretBytes::from_slice(&[9; 32])).unwrap())
            .clock(clock)
            .session_store(Arc::new(store))
            .build()
            .unwrap();
        let body = BodyHasher::digest_all(
            &[
                httpauth_core::HashFunction::Md5,
                httpauth_core::HashFunction::Sha256,
                httpauth_core::HashFunction::Sha512_256,
            ],
            BODY,
        );
        Fixture { server, body }
    })
}

/// The correct response for `ps` if `user` is known.
fn expected(ps: &AuthParams, user: &str, method: &str) -> Option<Vec<u8>> {
    let pw = password(user)?;
    let alg = match ps.value("algorithm") {
        None => Algorithm::Md5,
        Some(t) => Algorithm::from_token(t)?,
    };
    let qop = match (ps.value("qop"), ps.value("nc")) {
        (Some(q), Some(nc)) => Some((Qop::from_token(q)?, u32::from_str_radix(nc, 16).ok()?)),
        _ => None,
    };
    let body = fixture().body.get(alg.hash());
    let ha1 = compute::ha1(alg, user, REALM, &pw.into());
    compute::response(
        &DigestInput {
            algorithm: alg,
            nonce: ps.value("nonce")?,
            cnonce: ps.value("cnonce"),
            qop,
            method,
            uri: ps.value("uri")?,
            body_hash: body,
        },
        &ha1,
    )
    .ok()
}

/// One input of the fuzz target (and of the corpus replay test).
pub fn run(data: &[u8]) {
    let f = fixture();
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let method = if data.first().is_some_and(|b| b & 1 == 1) {
        "POST"
    } else {
        "GET"
    };
    let mut ps = AuthParams::new();
    let mut want_response = false;
    for line in text.lines().take(32) {
        let Some((name, value)) = line.split_once('=') else {
            continue;
        };
        let value = match value {
            "$N" => f.server.mint_nonce().unwrap_or_default(),
            "$O" => f.server.opaque().to_owned(),
            "$U" => compute::userhash(Algorithm::Sha256, "Mufasa", REALM),
            "$R" => {
                want_response = true;
                continue;
            }
            v => v.to_owned(),
        };
        let p = match name.strip_suffix('*') {
            Some(n) => AuthParam::with_form(n, value, ParamForm::Extended),
            None => AuthParam::new(name, value),
        };
        if let Ok(p) = p {
            let _ = ps.push(p);
        }
    }
    let user_for_response = ps.value("username").unwrap_or("").to_owned();
    if want_response {
        if let Some(r) = expected(&ps, &user_for_response, method) {
            let _ = ps.push(AuthParam::quoted("response", hex(&r)).unwrap());
        }
    }
    let target = ps.value("uri").unwrap_or("/").to_owned();
    let Ok(creds) = Credentials::with_params("Digest", ps.clone()) else {
        return;
    };
    let request = RequestContext::new(method, &target, "https", "example.org").with_body(&f.body);
    let outcome = f.server.authenticate(&request, &creds);
    if let Outcome::Authenticated { principal, .. } = &outcome {
        // Only the right digest for the principal's password authenticates.
        let right = expected(&ps, &principal.user, method)
            .expect("authenticated a user without a password");
        let given = unhex(ps.value("response").unwrap_or("")).unwrap_or_default();
        assert_eq!(given, right, "authenticated with a wrong response");
        assert!(password(&principal.user).is_some());
    }
    let _ = f.server.challenges(&request);
}
