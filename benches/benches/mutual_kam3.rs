//! Mutual (RFC 8120 / RFC 8121): pi derivation, the server's work for one full
//! authentication (KEX + VFY) and the client's work, per algorithm, with num-bigint-dig as
//! the baseline for the discrete-logarithm exponentiations.
//!
//! Quick run: `cargo bench -p httpauth-benches --bench mutual_kam3 -- --warm-up-time 1
//! --measurement-time 3`.
//!
//! Switches (read here: mutual-core reads no environment variable):
//! `MUTUAL_CORE_MODEXP_BACKEND` = `auto` | `portable` | `adx` | `ifma` and
//! `MUTUAL_CORE_DL_SERVER_PATH` = `sequential` | `batched`, passed to
//! `mutual_core::hazmat` before the first DL operation.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)] // benchmark harness

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use mutual_core::hazmat;
use mutual_core::kam3::{self, ClientKex};
use mutual_core::{
    ALL_ALGORITHMS, Algorithm, IsoKam3Dl2048Sha256, IsoKam3Dl4096Sha512, SecretBytes,
};
use num_bigint_dig::BigUint;
use std::hint::black_box;

const VH: &[u8] = b"https://example.com:443";

/// Deterministic secret of the algorithm's scalar size, below r (fixed seed, no RNG).
fn fixed_secret(alg: &dyn Algorithm, seed: u8) -> SecretBytes {
    let len = match alg.token() {
        "iso-kam3-ec-p256-sha256" => 32,
        "iso-kam3-ec-p521-sha512" => 66,
        _ => alg.element_len(),
    };
    let mut v: Vec<u8> = (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect();
    v[0] = 0;
    if len == 66 {
        v[1] &= 1;
    }
    SecretBytes::new(v)
}

fn bench_pi(c: &mut Criterion) {
    let mut g = c.benchmark_group("mutual pi (PBKDF2, 16384 iterations)");
    for alg in [&IsoKam3Dl2048Sha256 as &dyn Algorithm, &IsoKam3Dl4096Sha512] {
        let name = match alg.hash_len() {
            32 => "HMAC-SHA-256",
            _ => "HMAC-SHA-512",
        };
        g.bench_function(name, |b| {
            b.iter(|| {
                kam3::pi(
                    black_box(alg),
                    black_box("example.com"),
                    black_box("realm"),
                    black_box("alice"),
                    black_box("correct horse"),
                )
                .unwrap()
            })
        });
    }
    // The PBKDF2 core alone: this workspace's two-compressions-per-iteration loop beside the
    // generic `pbkdf2` crate (baseline) on the same 66-byte salt.
    let salt = kam3::pi_salt(&IsoKam3Dl2048Sha256, "example.com", "realm", "alice");
    g.bench_function("PBKDF2-HMAC-SHA-256 core, pbkdf2_fast", |b| {
        b.iter(|| {
            let mut out = [0u8; 32];
            hazmat::pbkdf2_hmac_sha256(
                black_box(b"correct horse"),
                black_box(&salt),
                16384,
                &mut out,
            );
            out
        })
    });
    g.bench_function("PBKDF2-HMAC-SHA-256 core, pbkdf2 crate (baseline)", |b| {
        b.iter(|| {
            let mut out = [0u8; 32];
            pbkdf2::pbkdf2_hmac::<sha2::Sha256>(
                black_box(b"correct horse"),
                black_box(&salt),
                16384,
                &mut out,
            );
            out
        })
    });
    // The floor (issue 6): a C loop of exactly two OpenSSL SHA256_Transform calls per
    // iteration on precomputed HMAC states (`c/pbkdf2_floor.c`, feature `openssl`).
    #[cfg(feature = "openssl")]
    {
        let mut fast = [0u8; 32];
        hazmat::pbkdf2_hmac_sha256(b"correct horse", &salt, 16384, &mut fast);
        let floor = httpauth_benches::pbkdf2_floor::pbkdf2_hmac_sha256;
        assert_eq!(floor(b"correct horse", &salt, 16384), fast);
        g.bench_function(
            "PBKDF2-HMAC-SHA-256 core, C floor (2 SHA256_Transform/iteration)",
            |b| b.iter(|| floor(black_box(b"correct horse"), black_box(&salt), 16384)),
        );
        let mut fast = [0u8; 64];
        hazmat::pbkdf2_hmac_sha512(b"correct horse", &salt, 16384, &mut fast);
        let floor = httpauth_benches::pbkdf2_floor::pbkdf2_hmac_sha512;
        assert_eq!(floor(b"correct horse", &salt, 16384), fast);
        g.bench_function(
            "PBKDF2-HMAC-SHA-512 core, C floor (2 SHA512_Transform/iteration)",
            |b| b.iter(|| floor(black_box(b"correct horse"), black_box(&salt), 16384)),
        );
    }
    g.bench_function("PBKDF2-HMAC-SHA-512 core, pbkdf2_fast", |b| {
        b.iter(|| {
            let mut out = [0u8; 64];
            hazmat::pbkdf2_hmac_sha512(
                black_box(b"correct horse"),
                black_box(&salt),
                16384,
                &mut out,
            );
            out
        })
    });
    g.bench_function("PBKDF2-HMAC-SHA-512 core, pbkdf2 crate (baseline)", |b| {
        b.iter(|| {
            let mut out = [0u8; 64];
            pbkdf2::pbkdf2_hmac::<sha2::Sha512>(
                black_box(b"correct horse"),
                black_box(&salt),
                16384,
                &mut out,
            );
            out
        })
    });
    g.finish();
}

/// Applies the environment switches of the DL arithmetic (see the module doc).
fn dl_switches_from_env() {
    if let Some(b) = std::env::var("MUTUAL_CORE_MODEXP_BACKEND")
        .ok()
        .and_then(|n| hazmat::Backend::from_name(&n))
    {
        assert!(hazmat::set_dl_backend(b), "DL groups already built");
    }
    match std::env::var("MUTUAL_CORE_DL_SERVER_PATH").as_deref() {
        Ok("sequential") => assert!(hazmat::set_dl_server_path(hazmat::DlServerPath::Sequential)),
        Ok("batched") => assert!(hazmat::set_dl_server_path(hazmat::DlServerPath::Batched)),
        _ => {}
    }
    eprintln!("DL groups on backend {}", hazmat::dl_backend());
}

fn bench_server_and_client(c: &mut Criterion) {
    dl_switches_from_env();
    for &alg in ALL_ALGORITHMS {
        let mut g = c.benchmark_group(format!("mutual {}", alg.token()));
        g.sample_size(10);
        // Elements = handshakes: criterion prints handshakes per second (one core).
        g.throughput(Throughput::Elements(1));
        let pi = kam3::pi(alg, "example.com", "realm", "alice", "pw").unwrap();
        let j = alg.verifier(&pi).unwrap();
        let kex = hazmat::client_kex_with_secret(alg, fixed_secret(alg, 7)).unwrap();
        let kc1 = kex.kc1().to_vec();
        let server =
            hazmat::server_exchange_with_secret(alg, &j, &kc1, fixed_secret(alg, 9)).unwrap();
        let ks1 = server.ks1.clone();
        let keys = kex.finish(&pi, &ks1).unwrap();
        let vkc = kam3::vk_c(alg, &keys, 1, VH);

        // Server: validate K_c1, K_s1 with a fresh S_s1, z; then check VK_c and make VK_s.
        g.bench_function("server KEX + VFY", |b| {
            b.iter(|| {
                let k = kam3::server_exchange(alg, &j, black_box(&kc1)).unwrap();
                let ok = kam3::vk_c(alg, &k, 1, VH) == black_box(vkc.clone());
                black_box((ok, kam3::vk_s(alg, &k, 1, VH)))
            })
        });
        // Client (pi cached): fresh S_c1 and K_c1, check K_s1, z, VK_c and VK_s.
        g.bench_function("client KEX + VFY (pi cached)", |b| {
            b.iter(|| {
                let kex = ClientKex::new(alg).unwrap();
                let k = kex.finish(&pi, black_box(&ks1)).unwrap();
                black_box((kam3::vk_c(alg, &k, 1, VH), kam3::vk_s(alg, &k, 1, VH)))
            })
        });
        // Baseline in the same group for the DL algorithms: the two constant-time OpenSSL
        // exponentiations a server needs at the least (issue 6's budget).
        #[cfg(feature = "openssl")]
        if let Some(q) = (alg.wire_encoding() == mutual_core::WireEncoding::Base64FixedNumber)
            .then(|| mutual_core::rfc3526_prime(8 * alg.element_len() as u32))
            .flatten()
        {
            use openssl::bn::{BigNum, BigNumContext};
            let m = BigNum::from_slice(&q).unwrap();
            let mut ctx = BigNumContext::new().unwrap();
            let s = fixed_secret(alg, 5);
            let mut e = BigNum::from_slice(s.expose_secret()).unwrap();
            e.set_const_time();
            let (a, k) = (
                BigNum::from_slice(j.expose_secret()).unwrap(),
                BigNum::from_slice(&kc1).unwrap(),
            );
            g.bench_function("baseline: two OpenSSL constant-time exponentiations", |b| {
                b.iter(|| {
                    let mut r1 = BigNum::new().unwrap();
                    let mut r2 = BigNum::new().unwrap();
                    r1.mod_exp(black_box(&a), &e, &m, &mut ctx).unwrap();
                    r2.mod_exp(black_box(&k), &e, &m, &mut ctx).unwrap();
                    (r1, r2)
                })
            });
        }
        g.finish();
    }
}

/// The DL exponentiation with a secret exponent: this crate's engine (via
/// K_c1 = g^S_c1) beside num-bigint-dig's variable-time `modpow` (baseline only: it must
/// never see secrets).
fn bench_modpow_baseline(c: &mut Criterion) {
    for alg in [
        &IsoKam3Dl2048Sha256 as &'static dyn Algorithm,
        &IsoKam3Dl4096Sha512,
    ] {
        let bits = alg.element_len() * 8;
        let mut g = c.benchmark_group(format!("modpow, {bits}-bit, secret exponent"));
        g.sample_size(10);
        let s = fixed_secret(alg, 3);
        // The crate does not expose q; the baseline reads RFC 3526's published prime.
        let q = rfc3526_prime(bits);
        let e = BigUint::from_bytes_be(s.expose_secret());
        let two = BigUint::from(2u32);
        g.bench_function("this crate K_c1 = g^S (engine, constant time)", |b| {
            b.iter(|| alg.client_kc1(black_box(&s)).unwrap())
        });
        g.bench_function(
            "num-bigint-dig BigUint::modpow (baseline, variable time)",
            |b| b.iter(|| black_box(&two).modpow(black_box(&e), &q)),
        );
        // The server's four exponentiations for one authentication, num-bigint-dig style.
        let kc1 = BigUint::from_bytes_be(&alg.client_kc1(&s).unwrap());
        let t = BigUint::from_bytes_be(&[0xa5; 32]);
        g.bench_function("num-bigint-dig server KEX + VFY (baseline)", |b| {
            b.iter_batched(
                || (kc1.clone(), e.clone()),
                |(k, s_s1)| {
                    let ks1 = (k.modpow(&t, &q) * &two % &q).modpow(&s_s1, &q);
                    let z = (k * two.modpow(&t, &q) % &q).modpow(&s_s1, &q);
                    black_box((ks1, z))
                },
                BatchSize::SmallInput,
            )
        });
        g.finish();
    }
}

fn rfc3526_prime(bits: usize) -> BigUint {
    BigUint::from_bytes_be(&mutual_core::rfc3526_prime(bits as u32).unwrap())
}

criterion_group!(
    benches,
    bench_pi,
    bench_server_and_client,
    bench_modpow_baseline
);
criterion_main!(benches);
