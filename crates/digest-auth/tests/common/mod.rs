//! Helpers shared by the integration tests.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used)]

pub mod http;

use digest_auth::{Algorithm, DigestServer, MemoryCredentials, NonceKey, Qop};
use httpauth_core::{Clock, SecretBytes};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A clock tests move by hand.
#[derive(Debug)]
pub struct TestClock(AtomicU64);

impl TestClock {
    pub fn new() -> Arc<Self> {
        Arc::new(Self(AtomicU64::new(1_700_000_000)))
    }
    pub fn advance(&self, d: Duration) {
        self.0.fetch_add(d.as_secs(), Ordering::SeqCst);
    }
}

impl Clock for TestClock {
    fn now(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(self.0.load(Ordering::SeqCst))
    }
}

pub fn key() -> NonceKey {
    NonceKey::from_secret(SecretBytes::from_slice(&[0x42; 32])).unwrap()
}

/// Users: Mufasa / "Circle of Life" (plaintext), plus HA1-only users per hash.
pub fn credentials(realm: &str) -> MemoryCredentials {
    let mut c = MemoryCredentials::new();
    c.add_password("Mufasa", "Circle of Life".into());
    for alg in [Algorithm::Md5, Algorithm::Sha256, Algorithm::Sha512_256] {
        c.add_ha1(
            "ha1user",
            realm,
            alg.hash(),
            digest_auth::compute::ha1(alg, "ha1user", realm, &"ha1 password".into()),
        );
    }
    c
}

pub fn server(realm: &str, clock: Arc<TestClock>) -> DigestServer {
    DigestServer::builder(realm, Arc::new(credentials(realm)))
        .algorithms(digest_auth::ALL_ALGORITHMS)
        .qops(&[Qop::Auth, Qop::AuthInt])
        .nonce_key(key())
        .clock(clock)
        .build()
        .unwrap()
}
