//! The Mutual server state machine (RFC 8120 section 11) driven by a sequence of
//! operations: it never panics, authenticates only with the right VK_c of a real user's
//! session, and a replayed nc never succeeds.
//!
//! Input: a byte stream of operations. A fixed honest client (alice, on
//! iso-kam3-ec-p256-sha256) supplies valid kc1 / vkc values, so the fuzzer reaches the
//! key-exchanging, authenticated, rejected and inactive states, and mixes in raw
//! `name=value` credentials with placeholders `$S` (last sid), `$K` (a valid kc1).
//!
//! The body of fuzz target `mutual_server_step`: `fuzz_targets/mutual_server_step.rs` calls [`run`], and
//! so does the corpus replay test of the root workspace (`crates/fuzz-replay`).

use httpauth_core::{
    AuthParam, AuthParams, AuthScheme, CredentialQuery, CredentialStore, Credentials, Outcome,
    RequestContext, StoredCredential,
};
use mutual_core::encoding::hex_encode;
use mutual_core::kam3::{self, ClientKex, SessionKeys};
use mutual_core::messages::{ClientCredentials, ServerChallenge, Space};
use mutual_core::scope::Validation;
use mutual_core::server::{MutualServer, ServerConfig};
use mutual_core::{Algorithm, IsoKam3EcP256Sha256, SecretBytes};
use std::sync::{Arc, OnceLock};

const REALM: &str = "fuzz";
const ALG: &dyn Algorithm = &IsoKam3EcP256Sha256;

struct Store;
impl CredentialStore for Store {
    fn lookup(
        &self,
        user: &str,
        _q: CredentialQuery<'_>,
    ) -> Result<Option<StoredCredential>, httpauth_core::Error> {
        Ok((user == "alice").then(|| StoredCredential::MutualVerifier(j().duplicate())))
    }
}

fn pi() -> &'static SecretBytes {
    static PI: OnceLock<SecretBytes> = OnceLock::new();
    PI.get_or_init(|| kam3::pi(ALG, "example.com", REALM, "alice", "pw").expect("pi"))
}

fn j() -> &'static SecretBytes {
    static J: OnceLock<SecretBytes> = OnceLock::new();
    J.get_or_init(|| ALG.verifier(pi()).expect("J"))
}

fn space() -> Space {
    Space {
        algorithm: &IsoKam3EcP256Sha256,
        validation: Validation::Host,
        auth_scope: Some("example.com".into()),
        realm: REALM.into(),
    }
}

struct Session {
    sid: Vec<u8>,
    keys: Option<SessionKeys>,
    used: Vec<u64>,
}

/// One input of the fuzz target (and of the corpus replay test).
pub fn run(data: &[u8]) {
    let server = MutualServer::new(
        ServerConfig::new(REALM)
            .with_algorithms(&[&IsoKam3EcP256Sha256])
            .with_nc(1000, 128),
        Arc::new(Store),
    );
    let ctx = RequestContext::new("GET", "/", "http", "example.com");
    let vh = b"http://example.com:80";
    let mut sessions: Vec<Session> = Vec::new();
    let mut bytes = data.iter().copied();
    while let Some(op) = bytes.next() {
        let arg = bytes.next().unwrap_or(0);
        match op % 5 {
            // KEX as alice (real) or mallory (fake session).
            0 => {
                let kex = ClientKex::new(ALG).expect("kex");
                let user = if arg & 1 == 0 { "alice" } else { "mallory" };
                let c = ClientCredentials::KexC1 {
                    space: space(),
                    user: user.into(),
                    kc1: kex.kc1().to_vec(),
                }
                .to_credentials()
                .expect("creds");
                match server.authenticate(&ctx, &c) {
                    Outcome::Continue { challenges } => {
                        let Ok(ServerChallenge::KexS1 { sid, ks1, .. }) =
                            ServerChallenge::from_challenge(&challenges[0])
                        else {
                            panic!("KEX-S1 expected");
                        };
                        let keys = kex.finish(pi(), &ks1).ok().filter(|_| user == "alice");
                        sessions.push(Session {
                            sid,
                            keys,
                            used: Vec::new(),
                        });
                    }
                    o => panic!("unexpected {o:?}"),
                }
            }
            // VFY with the honest vkc (or a wrong one) for a session, nc from the next byte.
            1 | 2 => {
                let n = sessions.len().max(1);
                let Some(s) = sessions.get_mut(usize::from(arg) % n) else {
                    continue;
                };
                let nc = u64::from(bytes.next().unwrap_or(1));
                let honest = op % 5 == 1;
                let vkc = match (&s.keys, honest) {
                    (Some(k), true) => kam3::vk_c(ALG, k, nc, vh),
                    _ => vec![arg; 32],
                };
                let c = ClientCredentials::VfyC {
                    space: space(),
                    sid: s.sid.clone(),
                    nc,
                    vkc,
                }
                .to_credentials()
                .expect("creds");
                let out = server.authenticate(&ctx, &c);
                if out.is_authenticated() {
                    assert!(honest && s.keys.is_some(), "authenticated without the key");
                    assert!(!s.used.contains(&nc), "replayed nc {nc} accepted");
                    s.used.push(nc);
                }
            }
            // Raw credentials with placeholders.
            _ => {
                let len = usize::from(arg);
                let raw: Vec<u8> = bytes.by_ref().take(len).collect();
                let text = String::from_utf8_lossy(&raw);
                let sid = sessions
                    .last()
                    .map(|s| hex_encode(&s.sid))
                    .unwrap_or_default();
                let kc1 = hex_encode(ClientKex::new(ALG).expect("kex").kc1());
                let mut ps = AuthParams::new();
                for line in text.lines() {
                    if let Some((n, v)) = line.split_once('=') {
                        let v = v.replace("$S", &sid).replace("$K", &kc1);
                        if let Ok(p) = AuthParam::new(n, v) {
                            let _ = ps.push(p);
                        }
                    }
                }
                if let Ok(c) = Credentials::with_params("Mutual", ps) {
                    let out = server.authenticate(&ctx, &c);
                    // No vkc can be right without z: raw input never authenticates.
                    assert!(!out.is_authenticated());
                }
            }
        }
    }
}
