//! dudect-style statistical timing tests (Reparaz, Balasch, Verbauwhede, "Dude, is my code
//! constant time?", DATE 2017) of the constant-time multiplications: two classes of inputs
//! with very different bit patterns, measured in random interleaved order; Welch's
//! t-statistic over the timings after cropping the slowest samples at several percentiles.
//! |t| > 10 is dudect's "definitely not constant time"; |t| < 4.5 its pass level.
//!
//! Ignored by default (tens of seconds, an optimised build, a quiet machine): run with
//! `cargo test --release -p httpauth-ec --test dudect -- --ignored --nocapture`
//! (`DUDECT_SAMPLES` sets the samples per case, default 4000).
#![allow(missing_docs, clippy::unwrap_used)]

use httpauth_ec::{Curve, P256, P521, Point, Scalar};
use std::hint::black_box;
use std::time::Instant;

/// xorshift64: the class order and the random inputs.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// Random octets below n: the top octet (or two, for P-521) trimmed.
    fn scalar(&mut self, len: usize) -> Vec<u8> {
        let mut v: Vec<u8> = (0..len).map(|_| self.next() as u8).collect();
        if len == 66 {
            v[0] &= 1;
            v[1] &= 0x7f;
        } else {
            v[0] &= 0x7f;
        }
        v
    }
}

/// The largest |t| over the crops, printing each.
fn welch(name: &str, t: &[Vec<f64>; 2]) -> f64 {
    let mut max_t = 0.0f64;
    for pct in [1.0, 0.9, 0.75, 0.5] {
        let mut all: Vec<f64> = t[0].iter().chain(&t[1]).copied().collect();
        all.sort_by(|a, b| a.partial_cmp(b).unwrap());
        let cut = all[((all.len() - 1) as f64 * pct) as usize];
        let stats = |v: &[f64]| {
            let v: Vec<f64> = v.iter().copied().filter(|&x| x <= cut).collect();
            let n = v.len() as f64;
            let mean = v.iter().sum::<f64>() / n;
            let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
            (mean, var, n)
        };
        let (m0, v0, n0) = stats(&t[0]);
        let (m1, v1, n1) = stats(&t[1]);
        let w = (m0 - m1) / (v0 / n0 + v1 / n1).sqrt();
        eprintln!(
            "dudect {name}: crop {pct:.2}: mean {:.1} us vs {:.1} us, n {n0}/{n1}, t = {w:.2}",
            m0 / 1e3,
            m1 / 1e3
        );
        max_t = max_t.max(w.abs());
    }
    max_t
}

/// A class: a fixed scalar, or `None` for a fresh random one per sample.
type Class = Option<Vec<u8>>;

fn run<C: Curve>() -> f64 {
    let len = C::LEN;
    let samples: usize = std::env::var("DUDECT_SAMPLES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(4000);
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let mut one = vec![0u8; len];
    one[len - 1] = 1;
    // One bit set: 254 for P-256, 518 for P-521 (below n either way).
    let mut high_bit = vec![0u8; len];
    high_bit[usize::from(len == 66)] = 0x40;
    let mut ones = vec![0xffu8; len];
    if len == 66 {
        ones[0] = 0;
        ones[1] = 0x7f;
    } else {
        ones[0] = 0x7f;
    }
    let base = Point::<C>::mul_generator(&Scalar::from_be_bytes(&rng.scalar(len)).unwrap());
    let cases: [(&str, Class, Class); 3] = [
        ("scalar 1 vs random", Some(one), None),
        (
            "single high bit vs all ones",
            Some(high_bit),
            Some(ones.clone()),
        ),
        ("all ones vs random", Some(ones), None),
    ];
    let mut worst = 0.0f64;
    // lincomb is run with both points equal, so that its complete additions meet their
    // doubling case, and both scalars the class's.
    for mode in ["mul", "mul_generator", "lincomb"] {
        for (name, c0, c1) in &cases {
            let mut t = [Vec::new(), Vec::new()];
            for _ in 0..samples {
                let class = (rng.next() & 1) as usize;
                let k = [c0, c1][class].clone().unwrap_or_else(|| rng.scalar(len));
                let s = Scalar::<C>::from_be_bytes(&k).unwrap();
                let start = Instant::now();
                let r = match mode {
                    "mul_generator" => Point::<C>::mul_generator(black_box(&s)),
                    "lincomb" => Point::<C>::lincomb(black_box(&base), &s, &base, black_box(&s)),
                    _ => black_box(&base).mul(black_box(&s)),
                };
                let dt = start.elapsed().as_nanos() as f64;
                black_box(r);
                t[class].push(dt);
            }
            let label = format!("{} {mode} {name}", C::NAME);
            let max_t = welch(&label, &t);
            worst = worst.max(max_t);
            assert!(max_t < 10.0, "{label}: |t| = {max_t:.2} >= 10: timing leak");
        }
    }
    worst
}

#[test]
#[ignore = "statistical timing test: run in release, on a quiet machine"]
fn dudect_p256_mul_and_mul_generator() {
    let worst = run::<P256>();
    eprintln!("dudect P-256: largest |t| = {worst:.2} (pass level 4.5, leak level 10)");
}

#[test]
#[ignore = "statistical timing test: run in release, on a quiet machine"]
fn dudect_p521_mul_and_mul_generator() {
    let worst = run::<P521>();
    eprintln!("dudect P-521: largest |t| = {worst:.2} (pass level 4.5, leak level 10)");
}
