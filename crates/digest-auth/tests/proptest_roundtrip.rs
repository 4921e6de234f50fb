//! Property tests: for random users, passwords and realms (non-ASCII included), every
//! algorithm and qop, the client's response verifies on the server, and a one-byte
//! change anywhere in the response, the password, the cnonce or the body fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{TestClock, key};
use digest_auth::{Algorithm, BodyHasher, DigestClient, DigestServer, MemoryCredentials, Qop};
use httpauth_core::{AuthParam, AuthScheme, Credentials, FailureKind, Outcome, RequestContext};
use proptest::prelude::*;
use std::sync::Arc;

prop_compose! {
    /// Printable text without control characters, ASCII or not.
    fn text(min: usize, max: usize)(s in proptest::collection::vec(
        prop_oneof![
            4 => proptest::char::range(' ', '~'),
            1 => proptest::char::range('\u{a0}', '\u{2fff}'),
            1 => Just('\u{1f600}'),
        ],
        min..max,
    )) -> String {
        s.into_iter().collect()
    }
}

prop_compose! {
    fn case()(
        user in text(1, 24),
        password in text(0, 32),
        realm in text(1, 32),
        alg in proptest::sample::select(digest_auth::ALL_ALGORITHMS.to_vec()),
        qop in prop_oneof![Just(Qop::Auth), Just(Qop::AuthInt)],
        body in proptest::collection::vec(any::<u8>(), 0..256),
        userhash in any::<bool>(),
        path in "/[a-z0-9/._-]{0,20}(\\?[a-z=&0-9]{0,10})?",
    ) -> (String, String, String, Algorithm, Qop, Vec<u8>, bool, String) {
        (user, password, realm, alg, qop, body, userhash, path)
    }
}

fn flip_hex(s: &str, at: usize) -> String {
    s.char_indices()
        .map(|(i, c)| {
            if i == at % s.len() {
                if c == '0' { '1' } else { '0' }
            } else {
                c
            }
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn client_response_verifies_and_one_byte_change_fails(
        (user, password, realm, alg, qop, body, userhash, path) in case(),
        at in any::<usize>(),
    ) {
        let mut store = MemoryCredentials::new();
        store.add_password(user.clone(), password.as_str().into());
        let srv = DigestServer::builder(realm.clone(), Arc::new(store))
            .algorithms(&[alg])
            .qops(&[qop])
            .userhash(userhash)
            .nonce_key(key())
            .clock(TestClock::new())
            .build()
            .unwrap();
        let digests = BodyHasher::digest_all(&[alg.hash()], &body);
        let request = RequestContext::new("POST", &path, "https", "example.org").with_body(&digests);
        let challenges = srv.challenges(&request);
        let mut client = DigestClient::new(user.clone(), password.as_str().into());
        let auth = client.respond(&challenges, "POST", &path, Some(&digests)).unwrap();
        prop_assert_eq!(auth.algorithm(), alg);
        prop_assert_eq!(auth.qop(), Some(qop));

        // A one-byte change of the response fails (and does not burn the nc).
        let mut ps = auth.credentials().param_list().unwrap().clone();
        let resp = ps.value("response").unwrap().to_owned();
        ps.set(AuthParam::quoted("response", flip_hex(&resp, at)).unwrap());
        let o = srv.authenticate(&request, &Credentials::with_params("Digest", ps).unwrap());
        prop_assert!(matches!(o, Outcome::Failed(ref f) if f.kind() == FailureKind::Unauthorized), "{:?}", o);

        // A changed cnonce fails.
        let mut ps = auth.credentials().param_list().unwrap().clone();
        let cn = ps.value("cnonce").unwrap().to_owned();
        ps.set(AuthParam::quoted("cnonce", flip_hex(&cn, at)).unwrap());
        prop_assert!(!srv.authenticate(&request, &Credentials::with_params("Digest", ps).unwrap()).is_authenticated());

        // A body changed in one byte fails auth-int (auth does not cover the body).
        if qop == Qop::AuthInt {
            let mut b2 = body.clone();
            if b2.is_empty() { b2.push(0) } else { let i = at % b2.len(); b2[i] ^= 0x01; }
            let d2 = BodyHasher::digest_all(&[alg.hash()], &b2);
            let r2 = RequestContext::new("POST", &path, "https", "example.org").with_body(&d2);
            prop_assert!(!srv.authenticate(&r2, auth.credentials()).is_authenticated());
        }

        // The genuine response verifies, and its rspauth verifies at the client.
        let o = srv.verify(&request, auth.credentials());
        prop_assert!(o.is_ok(), "{:?}", o);
        let v = o.unwrap();
        prop_assert_eq!(&v.principal().user, &user);
        let resp_body = BodyHasher::digest_all(&[alg.hash()], b"ok");
        let info = v.authentication_info(resp_body.get(alg.hash()));
        prop_assert!(client.verify_authentication_info(&auth, &info, Some(&resp_body)).is_ok());

        // A password differing in one byte fails.
        let mut pw = password.clone().into_bytes();
        if pw.is_empty() { pw.push(b'x') } else { let i = at % pw.len(); pw[i] ^= 0x01; }
        let pw = String::from_utf8_lossy(&pw).into_owned();
        prop_assume!(pw != password);
        let mut wrong = DigestClient::new(user.clone(), pw.as_str().into());
        let challenges = srv.challenges(&request);
        let a = wrong.respond(&challenges, "POST", &path, Some(&digests)).unwrap();
        prop_assert!(!srv.authenticate(&request, a.credentials()).is_authenticated());
    }
}
