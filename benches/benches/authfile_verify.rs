//! authfile: lookup + verify per hash format, and the load time of a 100,000-user file.
//!
//! The unknown-user rows sit beside the wrong-password rows of the same format: they
//! should cost the same (the verifier does dummy work for unknown users).

#![allow(clippy::unwrap_used)] // bench setup

use authfile::{HashAlgorithm, HtpasswdFile, Password, VerifyPolicy, hash_password};
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use std::hint::black_box;

fn file_with(alg: HashAlgorithm, users: usize) -> Vec<u8> {
    let mut f = HtpasswdFile::new();
    let hash = hash_password(&Password::from("correct horse"), alg).unwrap();
    for i in 0..users {
        f.set_hash(&format!("user{i:06}"), hash.duplicate())
            .unwrap();
    }
    f.to_bytes()
}

fn verify_per_format(c: &mut Criterion) {
    let mut g = c.benchmark_group("authfile lookup+verify");
    g.sample_size(10);
    let formats = [
        ("bcrypt cost 5", HashAlgorithm::Bcrypt { cost: 5 }),
        (
            "bcrypt cost 10 (default)",
            HashAlgorithm::Bcrypt { cost: 10 },
        ),
        (
            "sha-256-crypt 5000 rounds",
            HashAlgorithm::Sha256Crypt { rounds: None },
        ),
        (
            "sha-512-crypt 5000 rounds",
            HashAlgorithm::Sha512Crypt { rounds: None },
        ),
        ("apr1", HashAlgorithm::Apr1),
        ("{SHA}", HashAlgorithm::Sha1Insecure),
    ];
    for (name, alg) in formats {
        let f = HtpasswdFile::parse(&file_with(alg, 100))
            .unwrap()
            .with_policy(VerifyPolicy::default());
        g.bench_function(format!("{name}, right password"), |b| {
            b.iter(|| f.verify(black_box("user000050"), black_box(b"correct horse")))
        });
        g.bench_function(format!("{name}, wrong password"), |b| {
            b.iter(|| f.verify(black_box("user000050"), black_box(b"wrong horse")))
        });
        g.bench_function(format!("{name}, unknown user"), |b| {
            b.iter(|| f.verify(black_box("nobody"), black_box(b"correct horse")))
        });
    }
    g.finish();
}

fn load_100k(c: &mut Criterion) {
    let mut g = c.benchmark_group("authfile load");
    g.sample_size(10);
    let bytes = file_with(HashAlgorithm::Sha1Insecure, 100_000);
    g.bench_function("parse htpasswd, 100000 users ({SHA})", |b| {
        b.iter_batched(
            || bytes.clone(),
            |b| HtpasswdFile::parse(black_box(&b)).unwrap(),
            BatchSize::LargeInput,
        )
    });
    g.finish();
}

criterion_group!(benches, verify_per_format, load_100k);
criterion_main!(benches);
