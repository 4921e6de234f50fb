//! `digest-auth` server-side costs: verifying one Digest `Authorization` (parsing
//! excluded, HA1 from an in-memory store) for MD5 and SHA-256, beside the bare response
//! hash it must compute (the baseline); and minting and checking a stateless nonce.
//!
//! A full verification is: nonce HMAC-SHA-256 check, one credential-store lookup, the
//! response digest (plus one decoy HA1 hash, so known and unknown users cost the same),
//! a constant-time compare, and the nonce-count window update in the `MemoryStore`.
//!
//! Run: `cargo bench -p httpauth-benches --bench digest_verify`.

#![allow(missing_docs)] // criterion's macros generate undocumented items

use std::hint::black_box;
use std::sync::Arc;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use digest_auth::compute::{self, DigestInput};
use digest_auth::{Algorithm, DigestClient, DigestServer, MemoryCredentials, NonceKey, Qop};
use httpauth_core::{AuthScheme, RequestContext, SecretBytes};

const REALM: &str = "bench@example.org";

fn server(alg: Algorithm) -> DigestServer {
    let mut creds = MemoryCredentials::new();
    let ha1 = compute::ha1(alg, "Mufasa", REALM, &"Circle of Life".into());
    creds.add_ha1("Mufasa", REALM, alg.hash(), ha1);
    DigestServer::builder(REALM, Arc::new(creds))
        .algorithms(&[alg])
        .qops(&[Qop::Auth])
        .nonce_key(
            NonceKey::from_secret(SecretBytes::from_slice(&[7; 32]))
                .unwrap_or_else(|_| unreachable!()),
        )
        .build()
        .unwrap_or_else(|e| panic!("server: {e}"))
}

fn verify(c: &mut Criterion) {
    let mut g = c.benchmark_group("digest verify one Authorization");
    for (name, alg) in [("MD5", Algorithm::Md5), ("SHA-256", Algorithm::Sha256)] {
        let srv = server(alg);
        let req = RequestContext::new("GET", "/dir/index.html", "https", "example.org");
        let mut client = DigestClient::new("Mufasa", "Circle of Life".into());
        let challenges = srv.challenges(&req);
        let first = client
            .respond(&challenges, "GET", "/dir/index.html", None)
            .unwrap_or_else(|e| panic!("respond: {e}"));
        assert!(
            srv.authenticate(&req, first.credentials())
                .is_authenticated()
        );
        client.mark_success();
        // Each iteration verifies a fresh nc on one nonce, as a browser's requests do.
        g.bench_function(
            format!("{name}, qop=auth, full verify (HA1 store, nonce, nc window)"),
            |b| {
                b.iter_batched(
                    || {
                        client
                            .authorize("GET", "/dir/index.html", None)
                            .unwrap_or_else(|e| panic!("authorize: {e}"))
                            .unwrap_or_else(|| unreachable!())
                    },
                    |auth| {
                        let o = srv.authenticate(black_box(&req), black_box(auth.credentials()));
                        assert!(o.is_authenticated());
                        o
                    },
                    BatchSize::SmallInput,
                )
            },
        );
        // Baseline: the response digest alone.
        let ha1 = compute::ha1(alg, "Mufasa", REALM, &"Circle of Life".into());
        let input = DigestInput {
            algorithm: alg,
            nonce: "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
            cnonce: Some("f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"),
            qop: Some((Qop::Auth, 1)),
            method: "GET",
            uri: "/dir/index.html",
            body_hash: None,
        };
        g.bench_function(format!("{name}, response digest only (baseline)"), |b| {
            b.iter(|| compute::response(black_box(&input), black_box(&ha1)))
        });
    }
    g.finish();
}

fn nonces(c: &mut Criterion) {
    let mut g = c.benchmark_group("digest nonce");
    let srv = server(Algorithm::Sha256);
    g.bench_function("mint (OS random + HMAC-SHA-256)", |b| {
        b.iter(|| srv.mint_nonce())
    });
    let nonce = srv.mint_nonce().unwrap_or_else(|e| panic!("mint: {e}"));
    g.bench_function("check, valid", |b| {
        b.iter(|| srv.check_nonce(black_box(&nonce)))
    });
    let mut forged = nonce.clone().into_bytes();
    forged[30] = if forged[30] == b'A' { b'B' } else { b'A' };
    let forged = String::from_utf8(forged).unwrap_or_default();
    g.bench_function("check, forged", |b| {
        b.iter(|| srv.check_nonce(black_box(&forged)))
    });
    g.finish();
}

criterion_group!(benches, verify, nonces);
criterion_main!(benches);
