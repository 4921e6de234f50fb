//! The AVX-512 IFMA backend: almost-Montgomery multiplication on 52-bit digits.
//!
//! A number is `8 V` digits of 52 bits, little-endian, one 64-bit lane each, so it fills
//! `V` 512-bit registers (V = 5 for moduli up to 2078 bits, V = 10 up to 4158 bits).
//! `vpmadd52luq` / `vpmadd52huq` add the low / high 52 bits of the 104-bit product of two
//! digits into a 64-bit lane, so partial sums accumulate without carries and are
//! normalised once per multiplication.
//!
//! Almost-Montgomery multiplication (AMM; Gueron and Krasnov, "Accelerating big integer
//! arithmetic using Intel IFMA extensions", ARITH 2016; Drucker and Gueron, "Fast modular
//! squaring with AVX512IFMA", 2019): with `R = 2^(52 * 8V) > 4m`, inputs `a, b < 2m` give
//! `a b / R mod m` as a value `< 2m`, so no final subtraction is needed inside an
//! exponentiation; the single conditional subtraction happens when leaving the
//! representation (in `mod.rs`, constant time).
//!
//! This module contains no `unsafe`: its functions are safe `#[target_feature]` functions
//! (only callable from code that has the features, which the compiler checks), memory goes
//! through `arch::load` / `arch::store`, and the one entry point [`run`] is called from
//! `arch.rs` after feature detection. Nothing here branches on or indexes memory by data:
//! exponent windows are selected by a masked scan of the whole table, and carries are
//! propagated with mask arithmetic.

// Limb loops index several arrays in lockstep (and vector registers by lane group);
// indices read closer to the textbook algorithms than zipped iterators.
#![allow(clippy::needless_range_loop)]

use super::arch::{load, store};
use core::arch::x86_64::{
    __m512i, _mm_cvtsi128_si64, _mm512_add_epi64, _mm512_alignr_epi64, _mm512_and_si512,
    _mm512_castsi512_si128, _mm512_cmpeq_epu64_mask, _mm512_cmpgt_epu64_mask,
    _mm512_madd52hi_epu64, _mm512_madd52lo_epu64, _mm512_mask_mov_epi64, _mm512_mask_sub_epi64,
    _mm512_maskz_set1_epi64, _mm512_set1_epi64, _mm512_setzero_si512, _mm512_sllv_epi64,
    _mm512_srli_epi64, _mm512_srlv_epi64,
};

/// `2^52 - 1`.
pub(super) const MASK52: u64 = (1 << 52) - 1;

/// A number in the IFMA representation: `V` groups of eight 52-bit digits.
type Num<const V: usize> = [[u64; 8]; V];

/// The modulus-dependent constants of the IFMA backend, digits in groups of eight.
pub(super) struct Field52<'a> {
    /// Number of 512-bit vectors per number (5 or 10).
    pub(super) v: usize,
    /// The modulus.
    pub(super) m: &'a [[u64; 8]],
    /// `-m^-1 mod 2^52`.
    pub(super) k0: u64,
    /// `R mod m`, `R = 2^(52 * 8 v)`.
    pub(super) one: &'a [[u64; 8]],
    /// `R^2 mod m`.
    pub(super) rr: &'a [[u64; 8]],
}

/// One operation for [`run`]. Inputs and outputs are normalised digits (`< 2^52` each);
/// outputs are `<= m` (the caller does the final conditional subtraction).
pub(super) enum Job<'a> {
    /// `base^exp`, constant time; the low `exp_bits` bits of `exp` (little-endian limbs).
    PowCt {
        /// Constants.
        f: &'a Field52<'a>,
        /// Result digits.
        out: &'a mut [[u64; 8]],
        /// Base digits, value `< R`.
        base: &'a [[u64; 8]],
        /// Exponent limbs.
        exp: &'a [u64],
        /// Exponent length in bits (public).
        exp_bits: usize,
    },
    /// Two constant-time exponentiations interleaved; both exponents `exp_bits` long.
    PowCtX2 {
        /// Constants.
        f: &'a Field52<'a>,
        /// Result digits.
        out: [&'a mut [[u64; 8]]; 2],
        /// Base digits.
        base: [&'a [[u64; 8]]; 2],
        /// Exponent limbs.
        exp: [&'a [u64]; 2],
        /// Exponent length in bits (public).
        exp_bits: usize,
    },
    /// `2^exp`, constant time, for a modulus `2^b_bits - c` with `c < 2^(b_bits - 33)`.
    Pow2Ct {
        /// Constants.
        f: &'a Field52<'a>,
        /// `c = 2^b_bits - m` as digits.
        c: &'a [[u64; 8]],
        /// Bit length of the modulus (a multiple of 64).
        b_bits: usize,
        /// Result digits.
        out: &'a mut [[u64; 8]],
        /// Exponent limbs.
        exp: &'a [u64],
        /// Exponent length in bits (public).
        exp_bits: usize,
    },
    /// `2^exp` by the fixed-base comb of `comb.rs` (constant time): `v` tables of `2^h`
    /// entries (AMM form, `f.v` groups each), columns of `b` bits.
    CombCt {
        /// Constants.
        f: &'a Field52<'a>,
        /// The tables, table-major.
        tables: &'a [[u64; 8]],
        /// Teeth, tables, block length (public).
        hvb: (usize, usize, usize),
        /// Result digits.
        out: &'a mut [[u64; 8]],
        /// Exponent limbs.
        exp: &'a [u64],
    },
    /// `base^exp` in variable time (public base and exponent).
    PowVartime {
        /// Constants.
        f: &'a Field52<'a>,
        /// Result digits.
        out: &'a mut [[u64; 8]],
        /// Base digits.
        base: &'a [[u64; 8]],
        /// Exponent limbs.
        exp: &'a [u64],
    },
}

/// Runs `job`; `false` if its shapes do not match `f.v` (callers check, so never in
/// practice).
#[target_feature(enable = "avx512f,avx512ifma")]
pub(super) fn run(job: Job<'_>) -> bool {
    let v = match &job {
        Job::PowCt { f, .. }
        | Job::PowCtX2 { f, .. }
        | Job::Pow2Ct { f, .. }
        | Job::CombCt { f, .. }
        | Job::PowVartime { f, .. } => f.v,
    };
    match v {
        5 => run_v::<5>(job),
        10 => run_v::<10>(job),
        _ => false,
    }
}

/// `&[[u64; 8]]` of length `V` as `&Num<V>`.
fn as_num<const V: usize>(x: &[[u64; 8]]) -> Option<&Num<V>> {
    x.try_into().ok()
}

fn as_num_mut<const V: usize>(x: &mut [[u64; 8]]) -> Option<&mut Num<V>> {
    x.try_into().ok()
}

struct F<'a, const V: usize> {
    m: &'a Num<V>,
    k0: u64,
    one: &'a Num<V>,
    rr: &'a Num<V>,
}

fn field<'a, const V: usize>(f: &'a Field52<'a>) -> Option<F<'a, V>> {
    Some(F {
        m: as_num(f.m)?,
        k0: f.k0,
        one: as_num(f.one)?,
        rr: as_num(f.rr)?,
    })
}

#[target_feature(enable = "avx512f,avx512ifma")]
fn run_v<const V: usize>(job: Job<'_>) -> bool {
    match job {
        Job::PowCt {
            f,
            out,
            base,
            exp,
            exp_bits,
        } => {
            let (Some(f), Some(out), Some(base)) = (field::<V>(f), as_num_mut(out), as_num(base))
            else {
                return false;
            };
            pow_ct(&f, out, base, exp, exp_bits);
            true
        }
        Job::PowCtX2 {
            f,
            out: [o0, o1],
            base: [b0, b1],
            exp,
            exp_bits,
        } => {
            let (Some(f), Some(o0), Some(o1), Some(b0), Some(b1)) = (
                field::<V>(f),
                as_num_mut(o0),
                as_num_mut(o1),
                as_num(b0),
                as_num(b1),
            ) else {
                return false;
            };
            pow_ct_x2(&f, [o0, o1], [b0, b1], exp, exp_bits);
            true
        }
        Job::Pow2Ct {
            f,
            c,
            b_bits,
            out,
            exp,
            exp_bits,
        } => {
            let (Some(f), Some(c), Some(out)) = (field::<V>(f), as_num(c), as_num_mut(out)) else {
                return false;
            };
            pow2_ct(&f, c, b_bits, out, exp, exp_bits);
            true
        }
        Job::CombCt {
            f,
            tables,
            hvb,
            out,
            exp,
        } => {
            let (Some(f), Some(out)) = (field::<V>(f), as_num_mut(out)) else {
                return false;
            };
            let (tables, []) = tables.as_chunks::<V>() else {
                return false;
            };
            if tables.len() != hvb.1 << hvb.0 {
                return false;
            }
            comb_ct(&f, out, tables, hvb, exp);
            true
        }
        Job::PowVartime { f, out, base, exp } => {
            let (Some(f), Some(out), Some(base)) = (field::<V>(f), as_num_mut(out), as_num(base))
            else {
                return false;
            };
            pow_vartime(&f, out, base, exp);
            true
        }
    }
}

/// Loads a number into registers.
#[inline]
#[target_feature(enable = "avx512f")]
fn load_num<const V: usize>(a: &Num<V>) -> [__m512i; V] {
    let mut r = [_mm512_setzero_si512(); V];
    for k in 0..V {
        r[k] = load(&a[k]);
    }
    r
}

#[inline]
#[target_feature(enable = "avx512f")]
fn store_num<const V: usize>(out: &mut Num<V>, r: &[__m512i; V]) {
    for k in 0..V {
        store(&mut out[k], r[k]);
    }
}

/// Normalises lanes of up to 64 bits to 52-bit digits, in place, in constant time.
///
/// Step 1 moves every lane's bits above 52 one lane up; afterwards each lane is at most
/// `2^52 - 1 + 2^12`, so a lane carries at most 1 further. Step 2 resolves those carries
/// at once, like a carry-lookahead adder: lanes `> 2^52 - 1` generate a carry (G), lanes
/// `= 2^52 - 1` propagate one (P); the lanes that receive a carry are `((G << 1) + P) ^ P`
/// computed on the bit masks. The carry out of the top lane is zero because values are
/// `< R`.
#[inline]
#[target_feature(enable = "avx512f")]
fn normalize<const V: usize>(r: &mut [__m512i; V]) {
    let zero = _mm512_setzero_si512();
    let mask = _mm512_set1_epi64(MASK52 as i64);
    let mut c = [zero; V];
    for k in 0..V {
        c[k] = _mm512_srli_epi64::<52>(r[k]);
        r[k] = _mm512_and_si512(r[k], mask);
    }
    // lanes of alignr::<7>(hi, lo) = [lo7, hi0, ..., hi6]: the carries moved up one lane.
    for k in (1..V).rev() {
        r[k] = _mm512_add_epi64(r[k], _mm512_alignr_epi64::<7>(c[k], c[k - 1]));
    }
    r[0] = _mm512_add_epi64(r[0], _mm512_alignr_epi64::<7>(c[0], zero));
    let mut g: u128 = 0;
    let mut p: u128 = 0;
    for k in 0..V {
        g |= u128::from(_mm512_cmpgt_epu64_mask(r[k], mask)) << (8 * k);
        p |= u128::from(_mm512_cmpeq_epu64_mask(r[k], mask)) << (8 * k);
    }
    let carry_in = ((g << 1).wrapping_add(p)) ^ p;
    for k in 0..V {
        let km = (carry_in >> (8 * k)) as u8;
        // x - (2^52 - 1) = x + 1 - 2^52, and the AND below removes the 2^52.
        r[k] = _mm512_mask_sub_epi64(r[k], km, r[k], mask);
        r[k] = _mm512_and_si512(r[k], mask);
    }
}

/// The low lane of a vector as an integer.
#[inline]
#[target_feature(enable = "avx512f")]
fn lane0(x: __m512i) -> u64 {
    _mm_cvtsi128_si64(_mm512_castsi512_si128(x)) as u64
}

/// One digit of the latency-oriented AMM schedule: the `a b_i` products do not depend on
/// the serial `y` chain, so `hi(a b_(i-1)) + lo(a b_i)` (which land on the same lanes of
/// step i's frame) are formed in a side accumulator `prev`/`t` and joined with one vector
/// add; only `lo(m y)`, the shift and `hi(m y)` stay on the critical path.
///
/// Word-serial AMM digit: `r = (r + a b_i + m y) / 2^52` with
/// `y = (r_0 + lo(a_0 b_i)) k0 mod 2^52`, which makes the low digit vanish; its carry stays
/// in a scalar (`carry`), off the vector path. Lane bound: each digit adds at most four
/// values `< 2^52` to a lane and shifts lanes down, so after `8V <= 80` digits a lane is
/// below `320 * 2^52 < 2^61`: no lane overflows.
#[inline]
#[target_feature(enable = "avx512f,avx512ifma")]
fn amm_digit<const V: usize>(
    r: &mut [__m512i; V],
    prev: &mut [__m512i; V],
    av: &[__m512i; V],
    mv: &[__m512i; V],
    bi: u64,
    (m0, k0): (u64, u64),
    carry: &mut u64,
) {
    let zero = _mm512_setzero_si512();
    let bv = _mm512_set1_epi64(bi as i64);
    for k in 0..V {
        let t = _mm512_madd52lo_epu64(prev[k], av[k], bv);
        prev[k] = _mm512_madd52hi_epu64(zero, av[k], bv);
        r[k] = _mm512_add_epi64(r[k], t);
    }
    let r0 = lane0(r[0]) + *carry;
    let y = r0.wrapping_mul(k0) & MASK52;
    let yv = _mm512_set1_epi64(y as i64);
    for k in 0..V {
        r[k] = _mm512_madd52lo_epu64(r[k], mv[k], yv);
    }
    *carry = (r0 + (m0.wrapping_mul(y) & MASK52)) >> 52;
    for k in 0..V - 1 {
        r[k] = _mm512_alignr_epi64::<1>(r[k + 1], r[k]);
    }
    r[V - 1] = _mm512_alignr_epi64::<1>(zero, r[V - 1]);
    for k in 0..V {
        r[k] = _mm512_madd52hi_epu64(r[k], mv[k], yv);
    }
}

/// Adds the last pending high halves and the scalar carry, then normalises.
#[inline]
#[target_feature(enable = "avx512f")]
fn amm_finish<const V: usize>(r: &mut [__m512i; V], prev: &[__m512i; V], carry: u64) {
    for k in 0..V {
        r[k] = _mm512_add_epi64(r[k], prev[k]);
    }
    r[0] = _mm512_add_epi64(r[0], _mm512_maskz_set1_epi64(1, carry as i64));
    normalize(r);
}

/// `out = a b / R mod m` (almost: `< 2m` for `a, b < 2m`), normalised.
#[inline]
#[target_feature(enable = "avx512f,avx512ifma")]
fn amm<const V: usize>(f: &F<'_, V>, out: &mut Num<V>, a: &Num<V>, b: &Num<V>) {
    let zero = _mm512_setzero_si512();
    let av = load_num(a);
    let mv = load_num(f.m);
    let m0 = f.m[0][0];
    let mut r = [zero; V];
    let mut prev = [zero; V];
    let mut carry = 0u64;
    for &bi in b.as_flattened() {
        amm_digit(&mut r, &mut prev, &av, &mv, bi, (m0, f.k0), &mut carry);
    }
    amm_finish(&mut r, &prev, carry);
    store_num(out, &r);
}

/// Two independent AMMs in one loop, so each hides the other's latency.
///
/// For `V = 10` (4096-bit) the two interleaved accumulators do not fit the 32 vector
/// registers (measured: 1.6x slower than two single AMMs), so they run one after the
/// other there.
#[inline]
#[target_feature(enable = "avx512f,avx512ifma")]
fn amm_x2<const V: usize>(f: &F<'_, V>, out: [&mut Num<V>; 2], a: [&Num<V>; 2], b: [&Num<V>; 2]) {
    if V > 5 {
        let [o0, o1] = out;
        amm(f, o0, a[0], b[0]);
        amm(f, o1, a[1], b[1]);
        return;
    }
    let zero = _mm512_setzero_si512();
    let a0 = load_num(a[0]);
    let a1 = load_num(a[1]);
    let mv = load_num(f.m);
    let m0 = f.m[0][0];
    let (mut r0, mut r1) = ([zero; V], [zero; V]);
    let (mut p0, mut p1) = ([zero; V], [zero; V]);
    let (mut c0, mut c1) = (0u64, 0u64);
    for (&x0, &x1) in b[0].as_flattened().iter().zip(b[1].as_flattened()) {
        amm_digit(&mut r0, &mut p0, &a0, &mv, x0, (m0, f.k0), &mut c0);
        amm_digit(&mut r1, &mut p1, &a1, &mv, x1, (m0, f.k0), &mut c1);
    }
    amm_finish(&mut r0, &p0, c0);
    amm_finish(&mut r1, &p1, c1);
    let [o0, o1] = out;
    store_num(o0, &r0);
    store_num(o1, &r1);
}

/// `out = table[index]`, reading every entry (masked moves; no secret-dependent address).
#[inline]
#[target_feature(enable = "avx512f")]
fn lookup<const V: usize>(out: &mut Num<V>, table: &[Num<V>], index: usize) {
    let idx = _mm512_set1_epi64(index as i64);
    let mut r = [_mm512_setzero_si512(); V];
    for (j, entry) in table.iter().enumerate() {
        let k = _mm512_cmpeq_epu64_mask(idx, _mm512_set1_epi64(j as i64));
        for v in 0..V {
            r[v] = _mm512_mask_mov_epi64(r[v], k, load(&entry[v]));
        }
    }
    store_num(out, &r);
}

/// The table `x^0 .. x^(2^w - 1)` in AMM form.
#[inline]
#[target_feature(enable = "avx512f,avx512ifma")]
fn build_table<const V: usize>(f: &F<'_, V>, table: &mut [Num<V>], x: &Num<V>) {
    table[0] = *f.one;
    table[1] = *x;
    for k in 2..table.len() {
        let (done, rest) = table.split_at_mut(k);
        if k % 2 == 0 {
            let h = &done[k / 2];
            amm(f, &mut rest[0], h, h);
        } else {
            amm(f, &mut rest[0], &done[k - 1], x);
        }
    }
}

/// Square `x` in place `times` times.
#[inline]
#[target_feature(enable = "avx512f,avx512ifma")]
fn sqr_n<const V: usize>(f: &F<'_, V>, x: &mut Num<V>, times: u32) {
    for _ in 0..times {
        let t = *x;
        amm(f, x, &t, &t);
    }
}

#[inline]
#[target_feature(enable = "avx512f,avx512ifma")]
fn mul_in_place<const V: usize>(f: &F<'_, V>, x: &mut Num<V>, y: &Num<V>) {
    let t = *x;
    amm(f, x, &t, y);
}

/// Leaves the AMM domain: `out = x / R`, `<= m`.
#[inline]
#[target_feature(enable = "avx512f,avx512ifma")]
fn from_amm<const V: usize>(f: &F<'_, V>, out: &mut Num<V>, x: &Num<V>) {
    let mut one = [[0u64; 8]; V];
    one[0][0] = 1;
    amm(f, out, x, &one);
}

#[target_feature(enable = "avx512f,avx512ifma")]
fn pow_ct<const V: usize>(
    f: &F<'_, V>,
    out: &mut Num<V>,
    base: &Num<V>,
    exp: &[u64],
    exp_bits: usize,
) {
    let w = super::window_bits(exp_bits);
    let mut table = zeroize::Zeroizing::new(vec![[[0u64; 8]; V]; 1 << w]);
    let mut x = [[0u64; 8]; V];
    amm(f, &mut x, base, f.rr);
    build_table(f, &mut table, &x);
    let mut acc = *f.one;
    let mut first = true;
    for digit in super::Windows::new(exp, exp_bits, w) {
        if !first {
            sqr_n(f, &mut acc, w);
        }
        lookup(&mut x, &table, digit);
        if first {
            acc = x;
            first = false;
        } else {
            mul_in_place(f, &mut acc, &x);
        }
    }
    from_amm(f, out, &acc);
    super::ct::wipe(acc.as_flattened_mut());
    super::ct::wipe(x.as_flattened_mut());
}

#[target_feature(enable = "avx512f,avx512ifma")]
fn pow_ct_x2<const V: usize>(
    f: &F<'_, V>,
    out: [&mut Num<V>; 2],
    base: [&Num<V>; 2],
    exp: [&[u64]; 2],
    exp_bits: usize,
) {
    let w = super::window_bits(exp_bits);
    let mut t0 = zeroize::Zeroizing::new(vec![[[0u64; 8]; V]; 1 << w]);
    let mut t1 = zeroize::Zeroizing::new(vec![[[0u64; 8]; V]; 1 << w]);
    let mut x0 = [[0u64; 8]; V];
    let mut x1 = [[0u64; 8]; V];
    amm_x2(f, [&mut x0, &mut x1], base, [f.rr, f.rr]);
    build_table(f, &mut t0, &x0);
    build_table(f, &mut t1, &x1);
    let mut acc0 = *f.one;
    let mut acc1 = *f.one;
    let mut first = true;
    let mut w0 = super::Windows::new(exp[0], exp_bits, w);
    let mut w1 = super::Windows::new(exp[1], exp_bits, w);
    while let (Some(d0), Some(d1)) = (w0.next(), w1.next()) {
        if !first {
            for _ in 0..w {
                let (s0, s1) = (acc0, acc1);
                amm_x2(f, [&mut acc0, &mut acc1], [&s0, &s1], [&s0, &s1]);
            }
        }
        lookup(&mut x0, &t0, d0);
        lookup(&mut x1, &t1, d1);
        if first {
            acc0 = x0;
            acc1 = x1;
            first = false;
        } else {
            let (s0, s1) = (acc0, acc1);
            amm_x2(f, [&mut acc0, &mut acc1], [&s0, &s1], [&x0, &x1]);
        }
    }
    let [o0, o1] = out;
    let (s0, s1) = (acc0, acc1);
    let mut one = [[0u64; 8]; V];
    one[0][0] = 1;
    amm_x2(f, [o0, o1], [&s0, &s1], [&one, &one]);
    for t in [&mut acc0, &mut acc1, &mut x0, &mut x1] {
        super::ct::wipe(t.as_flattened_mut());
    }
}

#[target_feature(enable = "avx512f,avx512ifma")]
fn pow_vartime<const V: usize>(f: &F<'_, V>, out: &mut Num<V>, base: &Num<V>, exp: &[u64]) {
    let bits = super::bit_len_vartime(exp);
    let w = if bits <= 32 { 1 } else { 4 };
    let mut table = vec![[[0u64; 8]; V]; 1 << w];
    let mut x = [[0u64; 8]; V];
    amm(f, &mut x, base, f.rr);
    build_table(f, &mut table, &x);
    let mut acc = *f.one;
    for digit in super::Windows::new(exp, bits, w) {
        sqr_n(f, &mut acc, w);
        if let Some(entry) = table.get(digit).filter(|_| digit != 0) {
            mul_in_place(f, &mut acc, entry);
        }
    }
    from_amm(f, out, &acc);
}

/// `x = x 2^d mod m` (almost: `< 2m`) for `x < 2m` normalised, `d < 32` secret, modulus
/// `m = 2^B - c` with `c (2^32 + 2) <= 2^B`: shift every digit left by `d` (variable-count
/// vector shifts, constant time), split `X = H 2^B + L` (`H < 2^32`), and fold
/// `X = L + H c (mod m)`, which is `< 2^B + 2^32 c <= 2m`. See `portable::shift_fold`.
#[inline]
#[target_feature(enable = "avx512f,avx512ifma")]
fn shift_fold<const V: usize>(x: &mut Num<V>, d: u32, c: &Num<V>, b_bits: usize) {
    let zero = _mm512_setzero_si512();
    let mask = _mm512_set1_epi64(MASK52 as i64);
    let dv = _mm512_set1_epi64(i64::from(d));
    let ev = _mm512_set1_epi64(52 - i64::from(d));
    let xv = load_num(x);
    let mut lo = [zero; V];
    let mut hi = [zero; V];
    for k in 0..V {
        lo[k] = _mm512_and_si512(_mm512_sllv_epi64(xv[k], dv), mask);
        hi[k] = _mm512_srlv_epi64(xv[k], ev);
    }
    // The bits shifted out of digit j enter digit j + 1 (disjoint from its low d bits).
    for k in (1..V).rev() {
        lo[k] = _mm512_add_epi64(lo[k], _mm512_alignr_epi64::<7>(hi[k], hi[k - 1]));
    }
    lo[0] = _mm512_add_epi64(lo[0], _mm512_alignr_epi64::<7>(hi[0], zero));
    let mut t = [[0u64; 8]; V];
    store_num(&mut t, &lo);
    // X < 2^(B + 32): only digits i0 and i0 + 1 hold bits at or above B (public positions).
    let (i0, off) = (b_bits / 52, b_bits % 52);
    let flat = t.as_flattened_mut();
    let d0 = flat.get(i0).copied().unwrap_or(0);
    let d1 = flat.get(i0 + 1).copied().unwrap_or(0);
    let h = ((d0 >> off) | (d1 << (52 - off))) & MASK52;
    if let Some(x0) = flat.get_mut(i0) {
        *x0 &= (1u64 << off) - 1;
    }
    if let Some(x1) = flat.get_mut(i0 + 1) {
        *x1 = 0;
    }
    let lv = load_num(&t);
    let cv = load_num(c);
    let hv = _mm512_set1_epi64(h as i64);
    let mut r = [zero; V];
    let mut ch = [zero; V];
    for k in 0..V {
        r[k] = _mm512_madd52lo_epu64(lv[k], cv[k], hv);
        ch[k] = _mm512_madd52hi_epu64(zero, cv[k], hv);
    }
    for k in (1..V).rev() {
        r[k] = _mm512_add_epi64(r[k], _mm512_alignr_epi64::<7>(ch[k], ch[k - 1]));
    }
    r[0] = _mm512_add_epi64(r[0], _mm512_alignr_epi64::<7>(ch[0], zero));
    normalize(&mut r);
    store_num(x, &r);
    super::ct::wipe(t.as_flattened_mut());
}

/// `2^exp` in the AMM domain: squarings, and per 5-bit window a shift-and-fold by the
/// secret window value instead of a table multiplication (no table at all).
#[target_feature(enable = "avx512f,avx512ifma")]
fn pow2_ct<const V: usize>(
    f: &F<'_, V>,
    c: &Num<V>,
    b_bits: usize,
    out: &mut Num<V>,
    exp: &[u64],
    exp_bits: usize,
) {
    let w = 5;
    let mut acc = *f.one;
    let mut first = true;
    for digit in super::Windows::new(exp, exp_bits, w) {
        if !first {
            sqr_n(f, &mut acc, w);
        }
        first = false;
        shift_fold(&mut acc, digit as u32, c, b_bits);
    }
    from_amm(f, out, &acc);
    super::ct::wipe(acc.as_flattened_mut());
}

/// The fixed-base comb loop of `comb.rs` on AMM arithmetic: `b - 1` squarings and `v b`
/// multiplications by entries read with a full masked scan of their table.
#[target_feature(enable = "avx512f,avx512ifma")]
fn comb_ct<const V: usize>(
    f: &F<'_, V>,
    out: &mut Num<V>,
    tables: &[Num<V>],
    (h, v, b): (usize, usize, usize),
    exp: &[u64],
) {
    let entries = 1usize << h;
    let a = v * b;
    let bit = |p: usize| {
        exp.get(p / 64)
            .map_or(0, |l| ((l >> (p % 64)) & 1) as usize)
    };
    let mut acc = *f.one;
    let mut x = [[0u64; 8]; V];
    for i in (0..b).rev() {
        if i + 1 != b {
            sqr_n(f, &mut acc, 1);
        }
        for k in 0..v {
            let mut u = 0usize;
            for j in 0..h {
                u |= bit(j * a + k * b + i) << j;
            }
            lookup(&mut x, &tables[k * entries..(k + 1) * entries], u);
            mul_in_place(f, &mut acc, &x);
        }
    }
    from_amm(f, out, &acc);
    super::ct::wipe(acc.as_flattened_mut());
    super::ct::wipe(x.as_flattened_mut());
}
