//! Fixed-base comb for the generator g = 2 (Lim and Lee, "More flexible exponentiation
//! with precomputation", CRYPTO '94, section 3), constant time, on the portable
//! Montgomery kernel.
//!
//! For a fixed maximal exponent length `L` the exponent is cut into `h` rows of `a = v b`
//! bits and every row into `v` blocks of `b` bits, so bit `j a + k b + i` (row `j`, block
//! `k`, column `i`) sits in a column of `h v` bits read together. With the `v` tables
//!
//! ```text
//! G_k[u] = prod_{j < h, bit j of u set} g^(2^(j a + k b))      (u < 2^h, k < v)
//! ```
//!
//! `g^e = prod_{i = b-1 .. 0} ( ... )^2 * prod_k G_k[u_(k,i)]` with
//! `u_(k,i) = sum_j bit(e, j a + k b + i) 2^j`: `b - 1` squarings and `v b` table
//! multiplications in place of `L` squarings. For `L = 2048` with `h = 5`, `v = 4`
//! (`a = 412`, `b = 103`): 102 squarings and 412 multiplications instead of 2048
//! squarings and 410 window multiplications.
//!
//! The tables depend on the public modulus only. They are built once, lazily, on first
//! use (for the RFC 8121 groups the contexts are process-wide statics, so once per group)
//! by `L` squarings of 2 and `v 2^h` multiplications, and are public values: g and the
//! modulus are public, so are all their powers.
//!
//! Constant time: the loop structure depends on `L`, `h`, `v` only; bit positions are
//! public; every lookup reads every entry of the table (a masked scan, [`ct::lookup`]), so
//! neither a branch nor a memory index depends on the exponent. The accumulator and the
//! selected entries are wiped before returning.

use super::ct;
use super::portable::{lim, mont_mul, mont_sqr, redc};
use super::{MAX_LIMBS, ModExp};
use zeroize::Zeroizing;

/// Teeth per column (`2^h` entries per table).
const H: usize = 5;
/// Tables (blocks per row).
const V: usize = 4;

/// The precomputed tables for one modulus and one maximal exponent length.
#[derive(Clone)]
pub(super) struct Comb {
    /// Maximal exponent length in bits covered by the tables (`h v b >= max_bits`).
    max_bits: usize,
    /// Block length `b` (columns per block).
    b: usize,
    /// `V` tables of `2^H` entries of `n` limbs each, in Montgomery form, table-major.
    tables: Vec<u64>,
}

impl Comb {
    /// Builds the tables for exponents of at most `max_bits` bits. Variable time: the
    /// modulus and g = 2 are public.
    pub(super) fn new(ctx: &ModExp, max_bits: usize) -> Self {
        let n = ctx.m.len();
        let b = max_bits.div_ceil(H * V).max(1);
        let a = V * b;
        // powers[j v + k] = g^(2^(j a + k b)) in Montgomery form, for j < H, k < V.
        let mut powers = vec![0u64; H * V * n];
        let mut x = vec![0u64; n];
        // 2 in Montgomery form: 2 R mod m = (R mod m) doubled, reduced.
        let two = {
            let mut t = vec![0u64; n];
            t[0] = 2;
            t
        };
        mont_mul::<0>(&mut x, &two, &ctx.rr, &ctx.m, ctx.n0);
        let mut t = vec![0u64; n];
        for e in 0..H * a {
            if e % b == 0 {
                let idx = e / b; // = j v + k since a = v b
                powers[idx * n..(idx + 1) * n].copy_from_slice(&x);
            }
            mont_sqr::<0>(&mut t, &x, &ctx.m, ctx.n0);
            x.copy_from_slice(&t);
        }
        let entries = 1usize << H;
        let mut tables = vec![0u64; V * entries * n];
        for k in 0..V {
            let table = &mut tables[k * entries * n..(k + 1) * entries * n];
            table[..n].copy_from_slice(&ctx.one);
            for u in 1..entries {
                // u = u' + 2^j with j the top set bit: G[u] = G[u'] * g^(2^(j a + k b)).
                let j = usize::BITS as usize - 1 - u.leading_zeros() as usize;
                let prev = u & !(1 << j);
                let (done, rest) = table.split_at_mut(u * n);
                let idx = j * V + k;
                mont_mul::<0>(
                    &mut rest[..n],
                    &done[prev * n..(prev + 1) * n],
                    &powers[idx * n..(idx + 1) * n],
                    &ctx.m,
                    ctx.n0,
                );
            }
        }
        Self {
            max_bits: H * a,
            b,
            tables,
        }
    }

    /// The tables for the IFMA backend: every entry as `x R_52 mod m` (`R_52 = 2^(52*8v)`,
    /// the AMM domain of `ifma.rs`) in `v` digit groups; `r52` is `R_52 mod m` as limbs.
    /// For the IFMA comb job (`Job::CombCt`, run by [`ModExp::pow_g_ct_with`]; README.md,
    /// "Fixed-base comb").
    #[cfg(all(target_arch = "x86_64", not(feature = "portable-only")))]
    pub(super) fn ifma_tables(&self, ctx: &ModExp, r52: &[u64], v: usize) -> Vec<[u64; 8]> {
        let n = ctx.m.len();
        let f = ctx.field::<0>();
        let mut out = Vec::new();
        let mut plain = vec![0u64; n];
        let mut t = vec![0u64; n];
        for e in self.tables.chunks_exact(n) {
            let mut w = vec![0u64; 2 * n];
            w[..n].copy_from_slice(e);
            redc::<0>(&mut plain, &mut w, &ctx.m, ctx.n0);
            super::portable::mul_mod(&f, &mut t, &plain, r52);
            out.extend(super::limbs_to_digits(&t, v));
        }
        out
    }

    /// (teeth, tables, block length), for the IFMA comb job.
    #[cfg(all(target_arch = "x86_64", not(feature = "portable-only")))]
    pub(super) fn hvb(&self) -> (usize, usize, usize) {
        (H, V, self.b)
    }

    /// The maximal exponent length in bits these tables serve.
    pub(super) fn max_bits(&self) -> usize {
        self.max_bits
    }

    /// `2^exp mod m` (reduced, `n` limbs) for the low `exp_bits <= max_bits` bits of `exp`,
    /// in time depending on `n`, `max_bits` only.
    pub(super) fn pow2_ct(&self, ctx: &ModExp, out: &mut [u64], exp: &[u64]) {
        match ctx.m.len() {
            32 => self.run::<32>(ctx, out, exp),
            64 => self.run::<64>(ctx, out, exp),
            _ => self.run::<0>(ctx, out, exp),
        }
    }

    #[inline(always)]
    fn run<const N: usize>(&self, ctx: &ModExp, out: &mut [u64], exp: &[u64]) {
        let m = &ctx.m[..];
        let n = lim::<N>(m);
        let entries = 1usize << H;
        let a = V * self.b;
        let bit = |p: usize| -> usize {
            // Public position; bits beyond `exp` are zero.
            exp.get(p / 64)
                .map_or(0, |l| ((l >> (p % 64)) & 1) as usize)
        };
        let mut acc = [0u64; MAX_LIMBS];
        let mut sel = [0u64; MAX_LIMBS];
        let mut tmp = [0u64; MAX_LIMBS];
        acc[..n].copy_from_slice(&ctx.one[..n]);
        for i in (0..self.b).rev() {
            if i + 1 != self.b {
                mont_sqr::<N>(&mut tmp[..n], &acc[..n], m, ctx.n0);
                acc[..n].copy_from_slice(&tmp[..n]);
            }
            for k in 0..V {
                let mut u = 0usize;
                for j in 0..H {
                    u |= bit(j * a + k * self.b + i) << j;
                }
                let table = &self.tables[k * entries * n..(k + 1) * entries * n];
                ct::lookup(&mut sel[..n], table, n, u);
                mont_mul::<N>(&mut tmp[..n], &acc[..n], &sel[..n], m, ctx.n0);
                acc[..n].copy_from_slice(&tmp[..n]);
            }
        }
        let mut w = Zeroizing::new([0u64; 2 * MAX_LIMBS]);
        w[..n].copy_from_slice(&acc[..n]);
        redc::<N>(out, &mut w[..2 * n], m, ctx.n0);
        ct::wipe(&mut acc);
        ct::wipe(&mut sel);
        ct::wipe(&mut tmp);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::super::{Backend, ModExp};
    use num_bigint_dig::BigUint;
    use proptest::prelude::*;

    /// The oracle: `2^exp mod m` by num-bigint-dig, at the modulus length.
    fn oracle(m: &[u8], exp: &[u8]) -> Vec<u8> {
        let mm = BigUint::from_bytes_be(m);
        let r = BigUint::from(2u32).modpow(&BigUint::from_bytes_be(exp), &mm);
        let r = r.to_bytes_be();
        let len = m.len() - m.iter().take_while(|&&b| b == 0).count();
        let mut out = vec![0u8; len];
        let r = &r[r.iter().take_while(|&&b| b == 0).count()..];
        out[len - r.len()..].copy_from_slice(r);
        out
    }

    /// Edge exponents of `len` octets: zero, one, all ones, single bits at every row, block
    /// and column border of the comb, the top bit.
    fn edge_exponents(len: usize) -> Vec<Vec<u8>> {
        let mut out = vec![vec![0u8; len], vec![0xff; len], vec![0x55; len]];
        let bits = 8 * len;
        let b = bits.div_ceil(super::H * super::V);
        let mut positions = vec![0, 1, bits - 1];
        for j in 0..super::H * super::V {
            positions.extend([j * b, (j * b + b - 1).min(bits - 1)]);
        }
        for p in positions.into_iter().filter(|&p| p < bits) {
            let mut e = vec![0u8; len];
            e[len - 1 - p / 8] |= 1 << (p % 8);
            out.push(e);
        }
        out
    }

    #[test]
    fn comb_matches_oracle_rfc3526_edges() {
        for bits in [2048, 4096] {
            let q = crate::test_primes::rfc3526_prime(bits).unwrap();
            let ctx = ModExp::new(&q, Backend::Auto).unwrap();
            for e in edge_exponents(bits as usize / 8) {
                let got = ctx.pow2_comb_ct(&e).unwrap();
                assert_eq!(&got[..], &oracle(&q, &e)[..], "{bits}-bit, exp {e:02x?}");
                for backend in Backend::ALL.into_iter().filter(|&b| ctx.supports(b)) {
                    let g = ctx.pow_g_ct_with(backend, &e).unwrap();
                    assert_eq!(g, got, "{bits}-bit {backend:?}");
                }
            }
            // Shorter exponents are zero-extended; longer ones fall back.
            for e in [
                vec![],
                vec![0x80],
                vec![0xff; 32],
                vec![0x01; bits as usize / 8 + 1],
            ] {
                assert_eq!(
                    &ctx.pow2_comb_ct(&e).unwrap()[..],
                    &oracle(&q, &e)[..],
                    "{bits}-bit, {} octets",
                    e.len()
                );
            }
        }
    }

    #[test]
    fn comb_other_moduli() {
        // Odd moduli that are not of the RFC 3526 shape, around limb borders.
        for bits in [3usize, 64, 65, 127, 1000, 2047, 2049, 3000] {
            let len = bits.div_ceil(8);
            let mut m: Vec<u8> = (0..len).map(|i| (i * 151 + 7) as u8).collect();
            m[0] &= 0xff >> (8 * len - bits);
            m[0] |= 1 << ((bits - 1) % 8);
            m[len - 1] |= 1;
            let ctx = ModExp::new(&m, Backend::Auto).unwrap();
            for e in edge_exponents(len) {
                assert_eq!(
                    &ctx.pow2_comb_ct(&e).unwrap()[..],
                    &oracle(&m, &e)[..],
                    "{bits}-bit modulus"
                );
            }
        }
    }

    /// dudect-style timing test of the comb (as `modexp::tests::dudect_*`): exponent
    /// classes of equal length with very different bit patterns, interleaved at random;
    /// Welch's t after cropping at several percentiles. Fails at |t| >= 10 (dudect's
    /// "definitely not constant time"); prints every statistic. Ignored (slow, and only
    /// meaningful in an optimised build):
    /// `cargo test --release -p mutual-core --lib comb::tests::dudect -- --ignored --nocapture`.
    #[test]
    #[ignore = "statistical timing test; run explicitly"]
    fn dudect_comb_exponent_classes() {
        use std::time::Instant;
        let q = crate::test_primes::rfc3526_prime(2048).unwrap();
        let ctx = ModExp::new(&q, Backend::Auto).unwrap();
        let samples: usize = std::env::var("DUDECT_SAMPLES")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(3000);
        let mut rng = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng
        };
        let mut single_bit = vec![0u8; 256];
        single_bit[0] = 0x80;
        /// (name, class 0 exponent, class 1 exponent); `None` = fresh random.
        type Case = (&'static str, Option<Vec<u8>>, Option<Vec<u8>>);
        let cases: [Case; 3] = [
            (
                "0x8000..00 vs 0xffff..ff",
                Some(single_bit),
                Some(vec![0xff; 256]),
            ),
            ("zero vs random", Some(vec![0; 256]), None),
            ("all ones vs random", Some(vec![0xff; 256]), None),
        ];
        ctx.pow2_comb_ct(&[1]).unwrap(); // tables outside the timing
        let mut worst = 0.0f64;
        for (name, c0, c1) in cases {
            let mut t = [Vec::new(), Vec::new()];
            for _ in 0..samples {
                let class = (next() & 1) as usize;
                let e = [&c0, &c1][class]
                    .clone()
                    .unwrap_or_else(|| (0..256).map(|_| next() as u8).collect());
                let start = Instant::now();
                let r = ctx.pow2_comb_ct(&e).unwrap();
                let dt = start.elapsed().as_nanos() as f64;
                std::hint::black_box(r);
                t[class].push(dt);
            }
            for v in &mut t {
                v.sort_by(f64::total_cmp);
            }
            for pct in [1.0, 0.9, 0.75, 0.5] {
                let crop = |v: &[f64]| v[..((v.len() as f64 * pct) as usize).max(2)].to_vec();
                let (a, b) = (crop(&t[0]), crop(&t[1]));
                let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
                let var = |v: &[f64], m: f64| {
                    v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (v.len() - 1) as f64
                };
                let (ma, mb) = (mean(&a), mean(&b));
                let welch = (ma - mb)
                    / (var(&a, ma) / a.len() as f64 + var(&b, mb) / b.len() as f64).sqrt();
                eprintln!(
                    "dudect comb {name}: crop {pct:.2}: mean {:.1} us vs {:.1} us, n {}/{}, t = {welch:.2}",
                    ma / 1e3,
                    mb / 1e3,
                    a.len(),
                    b.len()
                );
                worst = worst.max(welch.abs());
            }
        }
        eprintln!("dudect comb: largest |t| = {worst:.2} (pass level 4.5, leak level 10)");
        assert!(
            worst < 10.0,
            "timing depends on the exponent: |t| = {worst:.2}"
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]
        #[test]
        fn comb_matches_pow2_ct(e in proptest::collection::vec(any::<u8>(), 256)) {
            let q = crate::test_primes::rfc3526_prime(2048).unwrap();
            let ctx = ModExp::new(&q, Backend::Auto).unwrap();
            let want = ctx.pow2_ct_with(Backend::Portable, &e).unwrap();
            prop_assert_eq!(ctx.pow2_comb_ct(&e).unwrap(), want);
        }
    }
}
