//! Differential tests of the engine against num-bigint-dig (the oracle), on every backend
//! this CPU can run, for the RFC 3526 groups, edge values and odd moduli of other sizes.
//!
//! Backends the CPU lacks are reported and checked to fail cleanly with
//! `BackendUnavailable`; CI on an AVX-512 IFMA machine exercises all three.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use num_bigint_dig::BigUint;
use proptest::prelude::*;

fn q2048() -> Vec<u8> {
    test_primes::rfc3526_prime(2048).unwrap()
}

fn q4096() -> Vec<u8> {
    test_primes::rfc3526_prime(4096).unwrap()
}

/// The oracle: `base^exp mod m` by num-bigint-dig, at the modulus length.
fn oracle(m: &[u8], base: &[u8], exp: &[u8]) -> Vec<u8> {
    let mm = BigUint::from_bytes_be(m);
    let r = BigUint::from_bytes_be(base).modpow(&BigUint::from_bytes_be(exp), &mm);
    at_len(&r.to_bytes_be(), trimmed_len(m))
}

fn oracle_mul(m: &[u8], a: &[u8], b: &[u8]) -> Vec<u8> {
    let mm = BigUint::from_bytes_be(m);
    let r = (BigUint::from_bytes_be(a) * BigUint::from_bytes_be(b)) % mm;
    at_len(&r.to_bytes_be(), trimmed_len(m))
}

fn trimmed_len(m: &[u8]) -> usize {
    m.len() - m.iter().take_while(|&&b| b == 0).count()
}

fn at_len(x: &[u8], len: usize) -> Vec<u8> {
    let x = &x[x.iter().take_while(|&&b| b == 0).count()..];
    let mut out = vec![0u8; len];
    out[len - x.len()..].copy_from_slice(x);
    out
}

/// The backends this CPU runs; the others must refuse cleanly.
fn backends(ctx: &ModExp) -> Vec<Backend> {
    let mut out = Vec::new();
    for b in Backend::ALL {
        if ctx.supports(b) {
            out.push(b);
        } else {
            assert_eq!(
                ctx.pow_ct_with(b, &[2], &[3]),
                Err(ModExpError::BackendUnavailable)
            );
            eprintln!(
                "skipped: backend {b:?} not available for {} bits here",
                ctx.bits()
            );
        }
    }
    out
}

/// Checks every operation on every available backend against the oracle.
fn check_all(m: &[u8], ctx: &ModExp, base: &[u8], exp: &[u8]) {
    let want = oracle(m, base, exp);
    for b in backends(ctx) {
        let got = ctx.pow_ct_with(b, base, exp).unwrap();
        assert_eq!(&got[..], &want[..], "pow_ct {b:?}");
        let got = ctx.pow_vartime_with(b, base, exp).unwrap();
        assert_eq!(got, want, "pow_vartime {b:?}");
    }
}

fn ctx2048() -> &'static ModExp {
    static C: std::sync::OnceLock<ModExp> = std::sync::OnceLock::new();
    C.get_or_init(|| ModExp::new(&q2048(), Backend::Auto).unwrap())
}

fn ctx4096() -> &'static ModExp {
    static C: std::sync::OnceLock<ModExp> = std::sync::OnceLock::new();
    C.get_or_init(|| ModExp::new(&q4096(), Backend::Auto).unwrap())
}

/// Edge bases: 0, 1, 2, q - 1, q (= 0 mod q, unreduced), the all-ones value of the modulus
/// length (> q, unreduced), and a value whose 52-bit digits are all `2^52 - 1` (carry
/// chains in the IFMA normalisation).
fn edge_bases(q: &[u8]) -> Vec<Vec<u8>> {
    let len = q.len();
    let mut q_minus_1 = q.to_vec();
    *q_minus_1.last_mut().unwrap() -= 1;
    vec![
        vec![],
        vec![0],
        vec![1],
        vec![2],
        q_minus_1,
        q.to_vec(),
        vec![0xff; len],
        vec![0x0f; len],
    ]
}

/// Edge exponents at a given length: empty, zero, one, all ones, single bits (top, bottom,
/// middle, at window boundaries), q - 2 (Fermat inverse).
fn edge_exps(len: usize) -> Vec<Vec<u8>> {
    let mut out = vec![
        vec![],
        vec![0; len],
        vec![1],
        at_len(&[1], len),
        vec![0xff; len],
    ];
    for bit in [0, 1, 4, 5, 63, 64, 8 * len / 2, 8 * len - 1] {
        let mut e = vec![0u8; len];
        e[len - 1 - bit / 8] = 1 << (bit % 8);
        out.push(e);
    }
    out
}

#[test]
fn rfc3526_2048_edge_values_every_backend() {
    let q = q2048();
    let ctx = ctx2048();
    for base in edge_bases(&q) {
        for exp in edge_exps(256) {
            check_all(&q, ctx, &base, &exp);
        }
    }
    // Fermat: 2^(q-1) = 1 for the prime q.
    let mut qm1 = q.clone();
    *qm1.last_mut().unwrap() -= 1;
    for b in backends(ctx) {
        assert_eq!(
            &ctx.pow_ct_with(b, &[2], &qm1).unwrap()[..],
            &at_len(&[1], 256)[..]
        );
    }
}

#[test]
fn rfc3526_4096_edge_values_every_backend() {
    let q = q4096();
    let ctx = ctx4096();
    for base in edge_bases(&q) {
        for exp in [vec![], vec![0xff; 512], vec![0x80; 32], vec![1]] {
            check_all(&q, ctx, &base, &exp);
        }
    }
}

#[test]
fn pow_ct_x2_matches_singles_every_backend() {
    let q = q2048();
    let ctx = ctx2048();
    let bases = edge_bases(&q);
    let exps = edge_exps(256);
    for b in backends(ctx) {
        for (i, (x, e)) in bases.iter().zip(exps.iter().rev()).enumerate() {
            let y = &bases[(i + 3) % bases.len()];
            let f = &exps[(i + 5) % exps.len()];
            let [r0, r1] = ctx.pow_ct_x2_with(b, [x, y], [e, f]).unwrap();
            assert_eq!(&r0[..], &oracle(&q, x, e)[..], "x2 first {b:?} {i}");
            assert_eq!(&r1[..], &oracle(&q, y, f)[..], "x2 second {b:?} {i}");
        }
    }
}

#[test]
fn modulus_sizes_every_backend() {
    // Odd moduli around every representation boundary: one limb, limb and digit borders,
    // the largest IFMA sizes (2078 / 4158 bits) and just above them, and 8192 bits.
    let mut rng = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    for bits in [
        2usize, 3, 63, 64, 65, 127, 520, 1024, 2047, 2078, 2079, 2112, 3000, 4158, 4159, 8192,
    ] {
        let len = bits.div_ceil(8);
        let mut m: Vec<u8> = (0..len).map(|_| next() as u8).collect();
        let top = bits - 8 * (len - 1);
        m[0] &= ((1u16 << top) - 1) as u8;
        m[0] |= 1 << (top - 1);
        m[len - 1] |= 1;
        let ctx = ModExp::new(&m, Backend::Auto).unwrap();
        assert_eq!(ctx.bits(), bits);
        for _ in 0..2 {
            let base: Vec<u8> = (0..len).map(|_| next() as u8).collect();
            let exp: Vec<u8> = (0..(len.min(40))).map(|_| next() as u8).collect();
            check_all(&m, &ctx, &base, &exp);
            check_all(&m, &ctx, &m, &exp);
        }
    }
}

/// `pow2_ct` (g = 2) on every backend: the shift-and-fold path for the RFC 3526 primes and
/// other `2^(64k) - c` moduli, the generic fallback for other moduli.
fn check_pow2(m: &[u8], ctx: &ModExp, exp: &[u8]) {
    let want = oracle(m, &[2], exp);
    for b in backends(ctx) {
        assert_eq!(
            &ctx.pow2_ct_with(b, exp).unwrap()[..],
            &want[..],
            "pow2_ct {b:?}"
        );
    }
}

#[test]
fn pow2_rfc3526_every_backend() {
    let q = q2048();
    assert!(ctx2048().fold.is_some() && ctx4096().fold.is_some());
    for exp in edge_exps(256) {
        check_pow2(&q, ctx2048(), &exp);
    }
    let mut qm1 = q.clone();
    *qm1.last_mut().unwrap() -= 1;
    check_pow2(&q, ctx2048(), &qm1);
    let q4 = q4096();
    for exp in [vec![], vec![0xff; 512], vec![0x80; 64], vec![0x1f; 3]] {
        check_pow2(&q4, ctx4096(), &exp);
    }
}

#[test]
fn pow2_other_moduli() {
    // 2^128 - 159 and 2^8192 - 1 - 2^7384 have the special form (fold path); 2^127 + 1
    // (not a multiple of 64 bits) and an odd modulus with a small top limb do not.
    let mut special = vec![0xffu8; 16];
    special[15] = 0x61; // 2^128 - 159
    let mut big = vec![0xffu8; 1024];
    big[100] = 0xfe; // bit 7384 cleared
    let mut not_top = vec![0x80u8; 16];
    not_top[15] = 0x01;
    let mut small_top = vec![0x40u8; 32];
    small_top[31] |= 1;
    for (m, has_fold) in [
        (special, true),
        (big, true),
        (not_top, false),
        (small_top, false),
    ] {
        let ctx = ModExp::new(&m, Backend::Auto).unwrap();
        assert_eq!(ctx.fold.is_some(), has_fold);
        for exp in [
            vec![],
            vec![0],
            vec![1],
            vec![0xff; 40],
            vec![0x5a; 17],
            m.clone(),
        ] {
            check_pow2(&m, &ctx, &exp);
        }
    }
}

#[test]
fn mul_matches_oracle() {
    let q = q2048();
    let ctx = ctx2048();
    for a in edge_bases(&q) {
        for b in edge_bases(&q) {
            assert_eq!(&ctx.mul(&a, &b).unwrap()[..], &oracle_mul(&q, &a, &b)[..]);
        }
    }
}

/// Direct tests of the hand-scheduled BMI2/ADX kernels (`arch::adx::Adx`, 32 and 64
/// limbs) against the oracle and the portable kernel. The asm kernels return
/// almost-reduced values (below `R = 2^(64 n)`, not necessarily below `m`) and accept any
/// operands below `R`, so the checks are `out R = a b (mod m)` and, where the portable
/// kernel's precondition holds, `out = portable (mod m)`; in-place forms must give the
/// same limbs as the out-of-place ones.
#[cfg(all(target_arch = "x86_64", not(feature = "portable-only")))]
mod adx_kernel {
    use super::super::arch::adx::Adx;
    use super::super::portable::{self, Kernel};
    use super::*;

    fn big(l: &[u64]) -> BigUint {
        let mut be = Vec::with_capacity(8 * l.len());
        for x in l.iter().rev() {
            be.extend_from_slice(&x.to_be_bytes());
        }
        BigUint::from_bytes_be(&be)
    }

    fn limbs(x: &BigUint, n: usize) -> Vec<u64> {
        let be = x.to_bytes_be();
        be_to_limbs(&be, n).to_vec()
    }

    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn limbs(&mut self, n: usize) -> Vec<u64> {
            (0..n).map(|_| self.next()).collect()
        }
    }

    /// Operands: 0, 1, m - 1, m (unreduced), all-ones limbs (R - 1), alternating zero
    /// and all-ones limbs, and random values below R.
    fn operands(m: &[u64], rng: &mut Rng) -> Vec<Vec<u64>> {
        let n = m.len();
        let mut one = vec![0u64; n];
        one[0] = 1;
        let m_minus_1 = limbs(&(big(m) - 1u32), n);
        let alt: Vec<u64> = (0..n)
            .map(|j| if j % 2 == 0 { u64::MAX } else { 0 })
            .collect();
        let mut out = vec![
            vec![0u64; n],
            one,
            m_minus_1,
            m.to_vec(),
            vec![u64::MAX; n],
            alt,
        ];
        for _ in 0..4 {
            out.push(rng.limbs(n));
        }
        out
    }

    fn check_modulus<const N: usize>(m: &[u64], rng: &mut Rng) {
        assert_eq!(m.len(), N);
        let Some(mut k) = Adx::new() else {
            eprintln!("skipped: no BMI2/ADX on this CPU");
            return;
        };
        let n0 = neg_inv_u64(m[0]);
        let mb = big(m);
        let r = BigUint::from(1u32) << (64 * N);
        let ops = operands(m, rng);
        for a in &ops {
            for b in &ops {
                let (ab, bb) = (big(a), big(b));
                let mut out = vec![0u64; N];
                k.mul::<N>(&mut out, a, b, m, n0);
                assert_eq!((big(&out) * &r) % &mb, (&ab * &bb) % &mb, "mul");
                if bb < mb {
                    let mut p = vec![0u64; N];
                    portable::mont_mul::<N>(&mut p, a, b, m, n0);
                    assert_eq!(big(&out) % &mb, big(&p), "mul vs portable");
                }
                let mut x = a.clone();
                k.mul_in_place::<N>(&mut x, b, m, n0);
                assert_eq!(x, out, "mul_in_place");
            }
            let ab = big(a);
            let mut out = vec![0u64; N];
            k.sqr::<N>(&mut out, a, m, n0);
            assert_eq!((big(&out) * &r) % &mb, (&ab * &ab) % &mb, "sqr");
            if ab < mb {
                let mut p = vec![0u64; N];
                portable::mont_sqr::<N>(&mut p, a, m, n0);
                assert_eq!(big(&out) % &mb, big(&p), "sqr vs portable");
            }
            let mut x = a.clone();
            k.sqr_in_place::<N>(&mut x, m, n0);
            assert_eq!(x, out, "sqr_in_place");
        }
        // A chain of 200 squarings and multiplications fed back into the kernel (operands
        // stay almost reduced), against the portable kernel on reduced values.
        let mut x = rng.limbs(N);
        let y = rng.limbs(N);
        let mut xp = limbs(&(big(&x) % &mb), N);
        let yp = limbs(&(big(&y) % &mb), N);
        for i in 0..200 {
            let mut t = vec![0u64; N];
            if i % 5 == 4 {
                k.mul_in_place::<N>(&mut x, &y, m, n0);
                portable::mont_mul::<N>(&mut t, &xp, &yp, m, n0);
            } else {
                k.sqr_in_place::<N>(&mut x, m, n0);
                portable::mont_sqr::<N>(&mut t, &xp, m, n0);
            }
            xp = t;
            assert_eq!(big(&x) % &mb, big(&xp), "chain step {i}");
        }
    }

    /// Moduli of `n` limbs: the RFC 3526 prime, random odd ones with the top bit set and
    /// clear, `R - 1` (all ones), and one with top limb 1 (values below `R` are then many
    /// multiples of `m`).
    fn moduli(n: usize, rng: &mut Rng) -> Vec<Vec<u64>> {
        let q = test_primes::rfc3526_prime(64 * n as u32).unwrap();
        let mut hi = rng.limbs(n);
        hi[0] |= 1;
        hi[n - 1] |= 1 << 63;
        let mut lo = rng.limbs(n);
        lo[0] |= 1;
        lo[n - 1] = (lo[n - 1] >> 1) | 1;
        let mut small_top = rng.limbs(n);
        small_top[0] |= 1;
        small_top[n - 1] = 1;
        vec![
            be_to_limbs(&q, n).to_vec(),
            hi,
            lo,
            vec![u64::MAX; n],
            small_top,
        ]
    }

    #[test]
    fn adx_kernels_32_limbs_match_oracle_and_portable() {
        let mut rng = Rng(0x5851_f42d_4c95_7f2d);
        for m in moduli(32, &mut rng) {
            check_modulus::<32>(&m, &mut rng);
        }
    }

    #[test]
    fn adx_kernels_64_limbs_match_oracle_and_portable() {
        let mut rng = Rng(0x1405_7b7e_f767_814f);
        for m in moduli(64, &mut rng) {
            check_modulus::<64>(&m, &mut rng);
        }
    }
}

#[test]
fn errors_not_panics() {
    assert_eq!(
        ModExp::new(&[], Backend::Auto).unwrap_err(),
        ModExpError::ModulusTooSmall
    );
    assert_eq!(
        ModExp::new(&[0, 0], Backend::Auto).unwrap_err(),
        ModExpError::ModulusTooSmall
    );
    assert_eq!(
        ModExp::new(&[1], Backend::Auto).unwrap_err(),
        ModExpError::ModulusTooSmall
    );
    assert_eq!(
        ModExp::new(&[2], Backend::Auto).unwrap_err(),
        ModExpError::EvenModulus
    );
    assert_eq!(
        ModExp::new(
            &[0xff; 256][..255]
                .iter()
                .chain(&[0xfe])
                .copied()
                .collect::<Vec<_>>(),
            Backend::Auto
        )
        .unwrap_err(),
        ModExpError::EvenModulus
    );
    assert_eq!(
        ModExp::new(&vec![0xff; 1025], Backend::Auto).unwrap_err(),
        ModExpError::ModulusTooLarge
    );
    // Leading zero octets are not part of the modulus.
    let ctx = ModExp::new(&[0, 0, 0, 7], Backend::Auto).unwrap();
    assert_eq!(ctx.len(), 1);
    assert_eq!(&ctx.pow_ct(&[3], &[2]).unwrap()[..], &[2]);
    let ctx = ctx2048();
    assert_eq!(
        ctx.pow_ct(&[1; 257], &[1]).unwrap_err(),
        ModExpError::OperandTooLong
    );
    assert_eq!(
        ctx.pow_ct(&[2], &vec![1; MAX_EXPONENT_LEN + 1])
            .unwrap_err(),
        ModExpError::OperandTooLong
    );
    assert_eq!(
        ctx.mul(&[1; 257], &[1]).unwrap_err(),
        ModExpError::OperandTooLong
    );
    // 8192 bits is beyond the IFMA representation: refused, not miscomputed.
    let mut big = vec![0xffu8; 1024];
    big[1023] = 0xf1;
    let ctx = ModExp::new(&big, Backend::Auto).unwrap();
    assert!(!ctx.supports(Backend::Ifma));
    assert_eq!(
        ctx.pow_ct_with(Backend::Ifma, &[2], &[3]).unwrap_err(),
        ModExpError::BackendUnavailable
    );
    // A forced backend that cannot run is refused at construction.
    assert_eq!(
        ModExp::new(&big, Backend::Ifma).unwrap_err(),
        ModExpError::BackendUnavailable
    );
    assert_eq!(ModExpError::EvenModulus.to_string(), "modulus is even");
}

/// The constructor's backend argument: `Auto` resolves to a concrete backend, a forced
/// backend is kept (and used by the methods without `_with`), and `Auto` in a `_with` call
/// means the context's own backend.
#[test]
fn constructor_backend_is_used() {
    let q = q2048();
    let want = oracle(&q, &[7], &[0x11, 0x22, 0x33]);
    for b in Backend::ALL {
        match ModExp::new(&q, b) {
            Ok(ctx) => {
                assert_eq!(ctx.backend(), b);
                assert_eq!(
                    &ctx.pow_ct(&[7], &[0x11, 0x22, 0x33]).unwrap()[..],
                    &want[..]
                );
                assert_eq!(
                    &ctx.pow_ct_with(Backend::Auto, &[7], &[0x11, 0x22, 0x33])
                        .unwrap()[..],
                    &want[..]
                );
            }
            Err(e) => {
                assert!(!b.is_available(), "{b:?} available but refused: {e}");
                assert_eq!(e, ModExpError::BackendUnavailable);
            }
        }
    }
    let auto = ModExp::new(&q, Backend::Auto).unwrap();
    assert_ne!(auto.backend(), Backend::Auto);
    assert!(auto.supports(auto.backend()));
}

#[test]
fn backend_names_round_trip() {
    for b in [Backend::Auto].into_iter().chain(Backend::ALL) {
        assert_eq!(Backend::from_name(b.name()), Some(b));
        assert_eq!(b.to_string(), b.name());
    }
    assert_eq!(Backend::from_name("AVX"), None);
    assert_eq!(Backend::default(), Backend::Auto);
}

#[test]
fn debug_shows_size_and_backend_only() {
    let s = format!("{:?}", ctx2048());
    assert!(s.contains("bits: 2048"), "{s}");
    assert!(!s.contains("18446744073709551615"), "{s}");
}

#[test]
fn detect_picks_an_available_backend() {
    let b = Backend::detect();
    assert!(b.is_available());
    assert!(Backend::Portable.is_available());
    assert_eq!(ctx2048().backend(), b);
}

#[test]
fn windows_cover_every_bit() {
    // Reassembling the windows gives back the exponent, for every window width used.
    let e = [0x0123_4567_89ab_cdefu64, 0xfedc_ba98_7654_3210, 0x5];
    for w in 1..=6u32 {
        for bits in [0usize, 1, 63, 64, 65, 130, 131, 192] {
            let mut acc: u128 = 0;
            let mut acc_hi: u128 = 0;
            for d in Windows::new(&e, bits, w) {
                acc_hi = (acc_hi << w) | (acc >> (128 - w));
                acc = (acc << w) | d as u128;
            }
            let want_lo = (u128::from(e[1]) << 64) | u128::from(e[0]);
            let keep = bits.min(128);
            let mask = if keep == 128 {
                u128::MAX
            } else {
                (1u128 << keep) - 1
            };
            assert_eq!(acc & mask, want_lo & mask, "w={w} bits={bits}");
            let _ = acc_hi;
        }
    }
}

#[test]
#[cfg(all(target_arch = "x86_64", not(feature = "portable-only")))]
fn digit_conversions_round_trip() {
    let limbs: Vec<u64> = (0..64u64)
        .map(|i| i.wrapping_mul(0x9e37_79b9_7f4a_7c15))
        .collect();
    for (v, n) in [(5usize, 32usize), (10, 64)] {
        let d = limbs_to_digits(&limbs[..n], v);
        assert!(d.as_flattened().iter().all(|&x| x <= ifma_mask()));
        assert_eq!(&digits_to_limbs(&d, n)[..], &limbs[..n]);
    }
}

#[test]
fn neg_inv_is_inverse() {
    for m0 in [
        1u64,
        3,
        0xffff_ffff_ffff_ffff,
        0x8000_0000_0000_0001,
        0x1234_5678_9abc_def1,
    ] {
        assert_eq!(m0.wrapping_mul(neg_inv_u64(m0)), u64::MAX);
    }
}

prop_compose! {
    /// A base of up to the modulus length (may exceed the modulus).
    fn base_of(len: usize)(v in proptest::collection::vec(any::<u8>(), 0..=len)) -> Vec<u8> { v }
}

prop_compose! {
    /// An exponent of exactly `len` octets.
    fn exp_of(len: usize)(v in proptest::collection::vec(any::<u8>(), len)) -> Vec<u8> { v }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn prop_2048_full_exponent(base in base_of(256), exp in exp_of(256)) {
        let q = q2048();
        check_all(&q, ctx2048(), &base, &exp);
    }

    #[test]
    fn prop_2048_short_exponent(base in base_of(256), exp in proptest::collection::vec(any::<u8>(), 0..=40)) {
        let q = q2048();
        check_all(&q, ctx2048(), &base, &exp);
    }

    #[test]
    fn prop_2048_x2(b0 in base_of(256), b1 in base_of(256), e0 in exp_of(256), e1 in exp_of(32)) {
        let q = q2048();
        let ctx = ctx2048();
        for b in backends(ctx) {
            let [r0, r1] = ctx.pow_ct_x2_with(b, [&b0, &b1], [&e0, &e1]).unwrap();
            prop_assert_eq!(&r0[..], &oracle(&q, &b0, &e0)[..]);
            prop_assert_eq!(&r1[..], &oracle(&q, &b1, &e1)[..]);
        }
    }

    #[test]
    fn prop_2048_pow2(exp in exp_of(256)) {
        check_pow2(&q2048(), ctx2048(), &exp);
    }

    #[test]
    fn prop_2048_mul(a in base_of(256), b in base_of(256)) {
        let q = q2048();
        prop_assert_eq!(&ctx2048().mul(&a, &b).unwrap()[..], &oracle_mul(&q, &a, &b)[..]);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(6))]

    #[test]
    fn prop_4096_full_exponent(base in base_of(512), exp in exp_of(512)) {
        let q = q4096();
        check_all(&q, ctx4096(), &base, &exp);
    }

    #[test]
    fn prop_4096_pow2(exp in exp_of(512)) {
        check_pow2(&q4096(), ctx4096(), &exp);
    }

    #[test]
    fn prop_4096_x2(b0 in base_of(512), b1 in base_of(512), e0 in exp_of(64), e1 in exp_of(64)) {
        let q = q4096();
        let ctx = ctx4096();
        for b in backends(ctx) {
            let [r0, r1] = ctx.pow_ct_x2_with(b, [&b0, &b1], [&e0, &e1]).unwrap();
            prop_assert_eq!(&r0[..], &oracle(&q, &b0, &e0)[..]);
            prop_assert_eq!(&r1[..], &oracle(&q, &b1, &e1)[..]);
        }
    }

    /// Random odd moduli of random sizes up to 4200 bits (portable and, where the size
    /// allows, IFMA), with random bases and exponents.
    #[test]
    fn prop_random_odd_modulus(
        m in proptest::collection::vec(any::<u8>(), 1..=525),
        base in proptest::collection::vec(any::<u8>(), 0..=525),
        exp in proptest::collection::vec(any::<u8>(), 0..=48),
    ) {
        let mut m = m;
        *m.last_mut().unwrap() |= 1;
        m[0] |= 0x80;
        prop_assume!(m.len() > 1 || m[0] >= 3);
        let ctx = ModExp::new(&m, Backend::Auto).unwrap();
        let base = &base[..base.len().min(m.len())];
        check_all(&m, &ctx, base, &exp);
    }
}

/// dudect-style statistical timing test (Reparaz, Balasch, Verbauwhede, "Dude, is my code
/// constant time?", DATE 2017): two classes of inputs of equal length with very different
/// bit patterns, measured in random interleaved order; Welch's t-statistic over the
/// timings, after cropping the slowest samples at several percentiles as dudect does.
/// |t| > 10 is dudect's "definitely not constant time"; |t| < 4.5 is its pass level.
///
/// Ignored by default (it takes tens of seconds and needs an optimised build, and timing
/// on a shared machine is noisy): run with
/// `cargo test --release --lib modexp::tests::dudect -- --ignored --nocapture`.
#[test]
#[ignore = "statistical timing test: run in release, on a quiet machine"]
fn dudect_pow_ct_exponent_and_base_classes() {
    use std::time::Instant;
    let q = q2048();
    let ctx = ctx2048();
    let samples: usize = std::env::var("DUDECT_SAMPLES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3000);
    let mut rng = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let random =
        |next: &mut dyn FnMut() -> u64| -> Vec<u8> { (0..256).map(|_| next() as u8).collect() };
    let mut single_bit = vec![0u8; 256];
    single_bit[0] = 0x80;
    let all_ones = vec![0xffu8; 256];
    let mut q_minus_1 = q.clone();
    *q_minus_1.last_mut().unwrap() -= 1;
    let fixed_base = random(&mut next);
    let mut worst = 0.0f64;
    for backend in backends(ctx) {
        // (name, class 0 input, class 1 input) as (base, exp) pairs; `None` = fresh random.
        type Case = (
            &'static str,
            (Option<Vec<u8>>, Option<Vec<u8>>),
            (Option<Vec<u8>>, Option<Vec<u8>>),
        );
        let cases: Vec<Case> = vec![
            (
                "exp 0x8000..00 vs 0xffff..ff",
                (Some(fixed_base.clone()), Some(single_bit.clone())),
                (Some(fixed_base.clone()), Some(all_ones.clone())),
            ),
            (
                "exp fixed single bit vs random",
                (Some(fixed_base.clone()), Some(single_bit.clone())),
                (Some(fixed_base.clone()), None),
            ),
            (
                "base 0 vs base q-1 (exp random)",
                (Some(vec![0u8; 256]), None),
                (Some(q_minus_1.clone()), None),
            ),
            (
                "base 1 vs random base (exp all ones)",
                (Some(vec![1u8]), Some(all_ones.clone())),
                (None, Some(all_ones.clone())),
            ),
            (
                "pow2 exp 0x8000..00 vs 0xffff..ff",
                (Some(vec![2]), Some(single_bit.clone())),
                (Some(vec![2]), Some(all_ones.clone())),
            ),
            (
                "pow2 exp all ones vs random",
                (Some(vec![2]), Some(all_ones.clone())),
                (Some(vec![2]), None),
            ),
        ];
        for (name, c0, c1) in cases {
            let mut t = [Vec::new(), Vec::new()];
            for _ in 0..samples {
                let class = (next() & 1) as usize;
                let (b, e) = if class == 0 { &c0 } else { &c1 };
                let b = b.clone().unwrap_or_else(|| random(&mut next));
                let e = e.clone().unwrap_or_else(|| random(&mut next));
                let start = Instant::now();
                let r = if name.starts_with("pow2") {
                    ctx.pow2_ct_with(backend, &e).unwrap()
                } else {
                    ctx.pow_ct_with(backend, &b, &e).unwrap()
                };
                let dt = start.elapsed().as_nanos() as f64;
                std::hint::black_box(r);
                t[class].push(dt);
            }
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
                let welch = (m0 - m1) / (v0 / n0 + v1 / n1).sqrt();
                eprintln!(
                    "dudect {backend:?} {name}: crop {pct:.2}: mean {:.1} us vs {:.1} us, n {n0}/{n1}, t = {welch:.2}",
                    m0 / 1e3,
                    m1 / 1e3
                );
                max_t = max_t.max(welch.abs());
            }
            worst = worst.max(max_t);
            assert!(
                max_t < 10.0,
                "{backend:?} {name}: |t| = {max_t:.2} >= 10: timing leak"
            );
        }
    }
    eprintln!("dudect: largest |t| = {worst:.2} (pass level 4.5, leak level 10)");
}

/// With the feature `portable-only` the accelerated backends are compiled out and behave as
/// on a CPU without them: unavailable, refused when forced, never picked by `Auto`.
#[cfg(feature = "portable-only")]
#[test]
fn portable_only_reports_accelerated_backends_unavailable() {
    assert_eq!(Backend::detect(), Backend::Portable);
    let q = q2048();
    for b in [Backend::Bmi2Adx, Backend::Ifma] {
        assert!(!b.is_available(), "{b:?}");
        assert_eq!(
            ModExp::new(&q, b).unwrap_err(),
            ModExpError::BackendUnavailable,
            "{b:?}"
        );
        let ctx = ModExp::new(&q, Backend::Auto).unwrap();
        assert!(!ctx.supports(b), "{b:?}");
        for r in [
            ctx.pow_ct_with(b, &[2], &[3]),
            ctx.pow2_ct_with(b, &[3]),
            ctx.pow_g_ct_with(b, &[3; 256]),
        ] {
            assert_eq!(r.unwrap_err(), ModExpError::BackendUnavailable, "{b:?}");
        }
        assert_eq!(
            ctx.pow_vartime_with(b, &[2], &[3]).unwrap_err(),
            ModExpError::BackendUnavailable
        );
        assert_eq!(
            ctx.pow_ct_x2_with(b, [&[2], &[3]], [&[3], &[2]])
                .unwrap_err(),
            ModExpError::BackendUnavailable
        );
    }
    let auto = ModExp::new(&q, Backend::Auto).unwrap();
    assert_eq!(auto.backend(), Backend::Portable);
    assert_eq!(
        &auto.pow_ct(&[7], &[0x11, 0x22, 0x33]).unwrap()[..],
        &oracle(&q, &[7], &[0x11, 0x22, 0x33])[..]
    );
}
