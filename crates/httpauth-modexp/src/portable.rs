//! The portable backend: Montgomery arithmetic on 64-bit limbs with `u128` products.
//!
//! Values are little-endian `u64` limb slices of the modulus length `n`. Montgomery form
//! uses `R = 2^(64 n)`. Every function here runs in time that depends on `n` only, never on
//! limb values: no branch and no memory index depends on data (the final subtraction is
//! a masked select, not a branch).
//!
//! The same code is compiled a second time with `bmi2,adx` enabled (see `arch.rs`), which
//! lets the compiler use `mulx` for the 64x64->128 products.

// Limb loops index several arrays in lockstep (and vector registers by lane group);
// indices read closer to the textbook algorithms than zipped iterators.
#![allow(clippy::needless_range_loop)]

use super::ct::mask_nonzero;

/// The limb count: the compile-time `N` for the specialised 2048- and 4096-bit
/// instantiations (`N` = 32 or 64, so the kernels get constant trip counts and unroll),
/// the run-time length for `N` = 0 (other sizes).
#[inline(always)]
pub(super) fn lim<const N: usize>(m: &[u64]) -> usize {
    if N == 0 { m.len() } else { N }
}

/// `acc + a * b + carry` as (low, high). Cannot overflow: the maximum is
/// `(2^64-1) + (2^64-1)^2 + (2^64-1) = 2^128 - 1`.
#[inline(always)]
pub(super) fn mac(acc: u64, a: u64, b: u64, carry: u64) -> (u64, u64) {
    let t = u128::from(acc) + u128::from(a) * u128::from(b) + u128::from(carry);
    (t as u64, (t >> 64) as u64)
}

/// `a + b + carry` as (sum, carry out), with `carry` in {0, 1}.
#[inline(always)]
pub(super) fn adc(a: u64, b: u64, carry: u64) -> (u64, u64) {
    let t = u128::from(a) + u128::from(b) + u128::from(carry);
    (t as u64, (t >> 64) as u64)
}

/// `a - b - borrow` as (difference, borrow out), with `borrow` in {0, 1}.
#[inline(always)]
pub(super) fn sbb(a: u64, b: u64, borrow: u64) -> (u64, u64) {
    let t = u128::from(a)
        .wrapping_sub(u128::from(b))
        .wrapping_sub(u128::from(borrow));
    (t as u64, ((t >> 64) as u64) & 1)
}

/// `out = t - m` if `hi:t >= m` else `t`, in constant time (`hi` is the limb above `t`).
///
/// Precondition: `hi:t < 2m`, so one subtraction brings the value below `m`.
///
/// Two passes: the borrow of `hi:t - m` (nothing stored), then `t - (m & mask)` with the
/// mask all ones exactly when `hi:t >= m`. No scratch buffer, no branch.
#[inline(always)]
pub(super) fn final_sub<const N: usize>(out: &mut [u64], t: &[u64], hi: u64, m: &[u64]) {
    let n = lim::<N>(m);
    let mut borrow = 0;
    for j in 0..n {
        let (_, b) = sbb(t[j], m[j], borrow);
        borrow = b;
    }
    // hi:t >= m  <=>  the subtraction did not borrow out of the top limb `hi`.
    let (_, under) = sbb(hi, 0, borrow);
    // under = 1: keep t (subtract 0); under = 0: subtract m.
    let sub = !mask_nonzero(under);
    let mut borrow = 0;
    for j in 0..n {
        let (d, b) = sbb(t[j], m[j] & sub, borrow);
        out[j] = d;
        borrow = b;
    }
}

/// Montgomery multiplication, CIOS (Koc, Acar, Kaliski 1996, "Analyzing and comparing
/// Montgomery multiplication algorithms", section 4): `out = a * b / R mod m`.
///
/// Preconditions: `a * b < m * R` (true when `a < R` and `b < m`, or both `< m`), `m` odd,
/// `n0 = -m^-1 mod 2^64`. Output `< m`.
#[inline(always)]
pub(super) fn mont_mul<const N: usize>(out: &mut [u64], a: &[u64], b: &[u64], m: &[u64], n0: u64) {
    let n = lim::<N>(m);
    let mut t = [0u64; super::MAX_LIMBS];
    let t = &mut t[..n];
    let (mut t_n, mut t_n1);
    t_n = 0;
    for &bi in &b[..n] {
        // t += a * b_i
        let mut c = 0;
        for j in 0..n {
            let (lo, hi) = mac(t[j], a[j], bi, c);
            t[j] = lo;
            c = hi;
        }
        let (s, c2) = adc(t_n, c, 0);
        t_n = s;
        t_n1 = c2;
        // t = (t + y m) / 2^64 with y chosen so the low limb vanishes.
        let y = t[0].wrapping_mul(n0);
        let (_, mut c) = mac(t[0], y, m[0], 0);
        for j in 1..n {
            let (lo, hi) = mac(t[j], y, m[j], c);
            t[j - 1] = lo;
            c = hi;
        }
        let (s, c3) = adc(t_n, c, 0);
        t[n - 1] = s;
        t_n = t_n1 + c3;
    }
    final_sub::<N>(out, t, t_n, m);
}

/// Montgomery squaring: the full `2n`-limb square with each cross product computed once
/// and doubled, then a separate Montgomery reduction (`out = a^2 / R mod m`).
///
/// Preconditions as [`mont_mul`] with `b = a`.
#[inline(always)]
pub(super) fn mont_sqr<const N: usize>(out: &mut [u64], a: &[u64], m: &[u64], n0: u64) {
    let n = lim::<N>(m);
    let mut w = [0u64; 2 * super::MAX_LIMBS];
    let w = &mut w[..2 * n];
    // Cross products a_i a_j for i < j.
    for i in 0..n {
        let mut c = 0;
        for j in (i + 1)..n {
            let (lo, hi) = mac(w[i + j], a[i], a[j], c);
            w[i + j] = lo;
            c = hi;
        }
        w[i + n] = c;
    }
    // Double them and add the squares a_i^2 on the diagonal.
    let mut top = 0u64;
    for k in 0..2 * n {
        let v = w[k];
        w[k] = (v << 1) | top;
        top = v >> 63;
    }
    let mut c = 0;
    for i in 0..n {
        let sq = u128::from(a[i]) * u128::from(a[i]);
        let (s0, c0) = adc(w[2 * i], sq as u64, c);
        let (s1, c1) = adc(w[2 * i + 1], (sq >> 64) as u64, c0);
        w[2 * i] = s0;
        w[2 * i + 1] = s1;
        c = c1;
    }
    redc::<N>(out, w, m, n0);
}

/// Montgomery reduction of a `2n`-limb value `w < m R`: `out = w / R mod m`, `< m`.
#[inline(always)]
pub(super) fn redc<const N: usize>(out: &mut [u64], w: &mut [u64], m: &[u64], n0: u64) {
    let n = lim::<N>(m);
    let mut carry_top = 0u64;
    for i in 0..n {
        let y = w[i].wrapping_mul(n0);
        let mut c = 0;
        for j in 0..n {
            let (lo, hi) = mac(w[i + j], y, m[j], c);
            w[i + j] = lo;
            c = hi;
        }
        // Add the row carry into w[i + n], keeping the carry out of the top for later rows.
        let (s, c2) = adc(w[i + n], c, carry_top);
        w[i + n] = s;
        carry_top = c2;
    }
    let hi = &w[n..];
    final_sub::<N>(out, hi, carry_top, m);
}

/// A Montgomery multiplication and squaring kernel: the portable one ([`Portable`]) or
/// the hand-scheduled BMI2/ADX one (`arch::adx::Adx`, which can only be constructed on
/// a CPU that has those features). The exponentiation loops below are generic over it.
///
/// Every method runs in time independent of the limb values, and its result is congruent
/// to `a b / R` (resp. `a^2 / R`) modulo `m`. Ranges: [`Portable`] needs `a * b < m R`
/// and returns values `< m`; the BMI2/ADX kernel accepts any operands `< R` and returns
/// values `< R` ("almost Montgomery", not necessarily `< m`). The loops below only feed a
/// kernel its own results, reduced constants (`one`, `rr`) and bases `< R`, and leave the
/// Montgomery domain with [`redc`], whose full final subtraction is valid for any input
/// `< R`, so both contracts give canonical results.
pub(super) trait Kernel {
    /// `out = a * b / R` modulo `m` (range: see the trait doc).
    fn mul<const N: usize>(&mut self, out: &mut [u64], a: &[u64], b: &[u64], m: &[u64], n0: u64);
    /// `out = a^2 / R` modulo `m` (range: see the trait doc).
    fn sqr<const N: usize>(&mut self, out: &mut [u64], a: &[u64], m: &[u64], n0: u64);

    /// `x = x^2 / R` modulo `m`, in place.
    #[inline(always)]
    fn sqr_in_place<const N: usize>(&mut self, x: &mut [u64], m: &[u64], n0: u64) {
        let n = lim::<N>(m);
        let mut t = [0u64; super::MAX_LIMBS];
        self.sqr::<N>(&mut t[..n], x, m, n0);
        x.copy_from_slice(&t[..n]);
        super::ct::wipe(&mut t[..n]);
    }

    /// `x = x * b / R` modulo `m`, in place.
    #[inline(always)]
    fn mul_in_place<const N: usize>(&mut self, x: &mut [u64], b: &[u64], m: &[u64], n0: u64) {
        let n = lim::<N>(m);
        let mut t = [0u64; super::MAX_LIMBS];
        self.mul::<N>(&mut t[..n], x, b, m, n0);
        x.copy_from_slice(&t[..n]);
        super::ct::wipe(&mut t[..n]);
    }
}

/// The safe-Rust kernel ([`mont_mul`], [`mont_sqr`]).
pub(super) struct Portable;

impl Kernel for Portable {
    #[inline(always)]
    fn mul<const N: usize>(&mut self, out: &mut [u64], a: &[u64], b: &[u64], m: &[u64], n0: u64) {
        mont_mul::<N>(out, a, b, m, n0);
    }

    #[inline(always)]
    fn sqr<const N: usize>(&mut self, out: &mut [u64], a: &[u64], m: &[u64], n0: u64) {
        mont_sqr::<N>(out, a, m, n0);
    }
}

/// The modulus-dependent constants of the portable backend.
pub(super) struct Field<'a, const N: usize> {
    /// The modulus limbs.
    pub(super) m: &'a [u64],
    /// `-m^-1 mod 2^64`.
    pub(super) n0: u64,
    /// `R mod m` (one in Montgomery form).
    pub(super) one: &'a [u64],
    /// `R^2 mod m`.
    pub(super) rr: &'a [u64],
}

impl<const N: usize> Field<'_, N> {
    #[inline(always)]
    fn mul<K: Kernel>(&self, k: &mut K, out: &mut [u64], a: &[u64], b: &[u64]) {
        k.mul::<N>(out, a, b, self.m, self.n0);
    }

    #[inline(always)]
    fn sqr<K: Kernel>(&self, k: &mut K, out: &mut [u64], a: &[u64]) {
        k.sqr::<N>(out, a, self.m, self.n0);
    }

    #[inline(always)]
    fn sqr_in_place<K: Kernel>(&self, k: &mut K, x: &mut [u64]) {
        k.sqr_in_place::<N>(x, self.m, self.n0);
    }

    #[inline(always)]
    fn mul_in_place<K: Kernel>(&self, k: &mut K, x: &mut [u64], b: &[u64]) {
        k.mul_in_place::<N>(x, b, self.m, self.n0);
    }

    /// `x` (any value `< R`) into Montgomery form `x R mod m`, reduced.
    #[inline(always)]
    fn to_mont<K: Kernel>(&self, k: &mut K, out: &mut [u64], x: &[u64]) {
        self.mul(k, out, x, self.rr);
    }

    /// Out of Montgomery form, reduced below `m`. Any `x < R` is fine (the BMI2/ADX
    /// kernel's results are only below `R`): the reduction of `w = x < R` is at most `m`,
    /// within [`final_sub`]'s precondition.
    #[inline(always)]
    fn out_of_mont(&self, out: &mut [u64], x: &[u64]) {
        let n = lim::<N>(self.m);
        let mut w = [0u64; 2 * super::MAX_LIMBS];
        w[..n].copy_from_slice(x);
        redc::<N>(out, &mut w[..2 * n], self.m, self.n0);
        super::ct::wipe(&mut w);
    }

    /// The table `base^0 .. base^(2^w - 1)` in Montgomery form, `n` limbs per entry.
    #[inline(always)]
    fn table<K: Kernel>(&self, k: &mut K, table: &mut [u64], base_mont: &[u64], w: u32) {
        let n = lim::<N>(self.m);
        table[..n].copy_from_slice(self.one);
        table[n..2 * n].copy_from_slice(base_mont);
        for e in 2..(1usize << w) {
            let (done, rest) = table.split_at_mut(e * n);
            let dst = &mut rest[..n];
            if e % 2 == 0 {
                self.sqr(k, dst, &done[(e / 2) * n..(e / 2 + 1) * n]);
            } else {
                self.mul(k, dst, &done[(e - 1) * n..e * n], base_mont);
            }
        }
    }
}

/// `base^exp mod m`, constant time in `base` and `exp` (time depends on `exp.len()` and `n`).
///
/// `base` has `n` limbs (any value `< R`); `exp` is little-endian limbs of which the low
/// `exp_bits` are used.
/// Fixed window of `w` bits, every table entry read for every lookup.
#[inline(always)]
pub(super) fn pow_ct_k<const N: usize, K: Kernel>(
    kern: &mut K,
    f: &Field<'_, N>,
    out: &mut [u64],
    base: &[u64],
    exp: &[u64],
    exp_bits: usize,
) {
    let n = lim::<N>(f.m);
    let w = super::window_bits(n * 64);
    let mut table = zeroize::Zeroizing::new(vec![0u64; n << w]);
    let mut b = [0u64; super::MAX_LIMBS];
    f.to_mont(kern, &mut b[..n], base);
    f.table(kern, &mut table, &b[..n], w);
    let mut acc = [0u64; super::MAX_LIMBS];
    let acc_n = &mut acc[..n];
    let windows = super::Windows::new(exp, exp_bits, w);
    acc_n.copy_from_slice(f.one);
    let mut first = true;
    for digit in windows {
        if !first {
            for _ in 0..w {
                f.sqr_in_place(kern, acc_n);
            }
        }
        super::ct::lookup(&mut b[..n], &table, n, digit);
        if first {
            acc_n.copy_from_slice(&b[..n]);
            first = false;
        } else {
            f.mul_in_place(kern, acc_n, &b[..n]);
        }
    }
    f.out_of_mont(out, acc_n);
    super::ct::wipe(&mut acc);
    super::ct::wipe(&mut b);
}

/// Two independent constant-time exponentiations, interleaved step by step.
///
/// Both exponents must have the same number of limbs.
#[inline(always)]
pub(super) fn pow_ct_x2_k<const N: usize, K: Kernel>(
    kern: &mut K,
    f: &Field<'_, N>,
    out: [&mut [u64]; 2],
    base: [&[u64]; 2],
    exp: [&[u64]; 2],
    exp_bits: usize,
) {
    let n = lim::<N>(f.m);
    let w = super::window_bits(n * 64);
    let mut tables = [
        zeroize::Zeroizing::new(vec![0u64; n << w]),
        zeroize::Zeroizing::new(vec![0u64; n << w]),
    ];
    let mut b = [[0u64; super::MAX_LIMBS]; 2];
    let mut acc = [[0u64; super::MAX_LIMBS]; 2];
    for k in 0..2 {
        f.to_mont(kern, &mut b[k][..n], base[k]);
        f.table(kern, &mut tables[k], &b[k][..n], w);
    }
    let mut w0 = super::Windows::new(exp[0], exp_bits, w);
    let mut w1 = super::Windows::new(exp[1], exp_bits, w);
    let mut first = true;
    while let (Some(d0), Some(d1)) = (w0.next(), w1.next()) {
        let digits = [d0, d1];
        if !first {
            for _ in 0..w {
                let [a0, a1] = &mut acc;
                f.sqr_in_place(kern, &mut a0[..n]);
                f.sqr_in_place(kern, &mut a1[..n]);
            }
        }
        for k in 0..2 {
            super::ct::lookup(&mut b[k][..n], &tables[k], n, digits[k]);
            if first {
                let (acc_k, b_k) = (&mut acc[k], &b[k]);
                acc_k[..n].copy_from_slice(&b_k[..n]);
            } else {
                f.mul_in_place(kern, &mut acc[k][..n], &b[k][..n]);
            }
        }
        first = false;
    }
    let [o0, o1] = out;
    f.out_of_mont(o0, &acc[0][..n]);
    f.out_of_mont(o1, &acc[1][..n]);
    super::ct::wipe(&mut acc[0]);
    super::ct::wipe(&mut acc[1]);
    super::ct::wipe(&mut b[0]);
    super::ct::wipe(&mut b[1]);
}

/// `base^exp mod m` in variable time: leading zero bits of `exp` are skipped and table
/// entries are indexed directly. `exp` and `base` must be public.
#[inline(always)]
pub(super) fn pow_vartime_k<const N: usize, K: Kernel>(
    kern: &mut K,
    f: &Field<'_, N>,
    out: &mut [u64],
    base: &[u64],
    exp: &[u64],
) {
    let n = lim::<N>(f.m);
    let bits = super::bit_len_vartime(exp);
    if bits == 0 {
        // x^0 = 1 (also for x = 0), as in num-bigint and OpenSSL.
        let mut one = [0u64; super::MAX_LIMBS];
        f.out_of_mont(&mut one[..n], f.one);
        out.copy_from_slice(&one[..n]);
        return;
    }
    let w = if bits <= 32 { 1 } else { 4 };
    let mut table = vec![0u64; n << w];
    let mut b = [0u64; super::MAX_LIMBS];
    f.to_mont(kern, &mut b[..n], base);
    f.table(kern, &mut table, &b[..n], w);
    let mut acc = [0u64; super::MAX_LIMBS];
    let acc_n = &mut acc[..n];
    acc_n.copy_from_slice(f.one);
    let windows = super::Windows::new(exp, bits, w);
    for digit in windows {
        for _ in 0..w {
            f.sqr_in_place(kern, acc_n);
        }
        if digit != 0 {
            f.mul_in_place(kern, acc_n, &table[digit * n..(digit + 1) * n]);
        }
    }
    f.out_of_mont(out, acc_n);
}

/// `x = x * 2^d mod m` for `x < R = 2^(64 n)` (so also for the BMI2/ADX kernel's
/// almost-reduced values), `d < 32` secret, in constant time, when `m` has the
/// special form `2^(64 n) - c` with `c (2^32 + 2) <= 2^(64 n)` (the RFC 3526 primes:
/// `c < 2^1985` for 2048 bits). Works in any Montgomery domain (it is a multiplication by
/// the integer `2^d`).
///
/// `X = x 2^d < 2^(64 n + 32)` is `H 2^(64 n) + L` with `H < 2^32`, and
/// `2^(64 n) = c (mod m)`, so `X = L + H c (mod m)` with `L + H c < 2^(64 n) + 2^32 c <= 2m`;
/// one masked subtraction finishes. Cost: O(n) word operations instead of a Montgomery
/// multiplication by a table entry.
#[inline(always)]
pub(super) fn shift_fold<const N: usize>(x: &mut [u64], d: u32, c: &[u64], m: &[u64]) {
    let n = lim::<N>(m);
    let mut t = [0u64; super::MAX_LIMBS];
    let t = &mut t[..n];
    // (v >> 1) >> (63 - d) is v >> (64 - d) without an out-of-range shift when d = 0.
    let mut prev = 0u64;
    for j in 0..n {
        t[j] = (x[j] << d) | ((prev >> 1) >> (63 - d));
        prev = x[j];
    }
    let h = (prev >> 1) >> (63 - d);
    let mut carry = 0u64;
    for j in 0..n {
        let (lo, hi) = mac(t[j], h, c[j], carry);
        t[j] = lo;
        carry = hi;
    }
    final_sub::<N>(x, t, carry, m);
    super::ct::wipe(t);
}

/// `2^exp mod m` in constant time (time depends on `exp_bits` and `n` only) for a modulus
/// of the form required by [`shift_fold`]: squarings in Montgomery form and, per 5-bit
/// window, a shift by the secret window value instead of a table multiplication.
#[inline(always)]
pub(super) fn pow2_ct_k<const N: usize, K: Kernel>(
    kern: &mut K,
    f: &Field<'_, N>,
    c: &[u64],
    out: &mut [u64],
    exp: &[u64],
    exp_bits: usize,
) {
    let n = lim::<N>(f.m);
    let w = 5;
    let mut acc = [0u64; super::MAX_LIMBS];
    let acc_n = &mut acc[..n];
    acc_n.copy_from_slice(f.one);
    let mut first = true;
    for digit in super::Windows::new(exp, exp_bits, w) {
        if !first {
            for _ in 0..w {
                f.sqr_in_place(kern, acc_n);
            }
        }
        first = false;
        shift_fold::<N>(acc_n, digit as u32, c, f.m);
    }
    f.out_of_mont(out, acc_n);
    super::ct::wipe(&mut acc);
}

/// `a * b mod m` for `a, b < R`, constant time: two Montgomery multiplications.
#[inline(always)]
pub(super) fn mul_mod<const N: usize>(f: &Field<'_, N>, out: &mut [u64], a: &[u64], b: &[u64]) {
    let n = lim::<N>(f.m);
    let mut t = [0u64; super::MAX_LIMBS];
    // a * R^2 / R = a R; (a R) * b / R = a b.
    f.to_mont(&mut Portable, &mut t[..n], a);
    f.mul(&mut Portable, out, &t[..n], b);
    super::ct::wipe(&mut t);
}

/// [`pow_ct_k`] on the portable kernel.
#[inline(always)]
pub(super) fn pow_ct<const N: usize>(
    f: &Field<'_, N>,
    out: &mut [u64],
    base: &[u64],
    exp: &[u64],
    exp_bits: usize,
) {
    pow_ct_k(&mut Portable, f, out, base, exp, exp_bits);
}

/// [`pow_ct_x2_k`] on the portable kernel.
#[inline(always)]
pub(super) fn pow_ct_x2<const N: usize>(
    f: &Field<'_, N>,
    out: [&mut [u64]; 2],
    base: [&[u64]; 2],
    exp: [&[u64]; 2],
    exp_bits: usize,
) {
    pow_ct_x2_k(&mut Portable, f, out, base, exp, exp_bits);
}

/// [`pow_vartime_k`] on the portable kernel.
#[inline(always)]
pub(super) fn pow_vartime<const N: usize>(
    f: &Field<'_, N>,
    out: &mut [u64],
    base: &[u64],
    exp: &[u64],
) {
    pow_vartime_k(&mut Portable, f, out, base, exp);
}

/// [`pow2_ct_k`] on the portable kernel.
#[inline(always)]
pub(super) fn pow2_ct<const N: usize>(
    f: &Field<'_, N>,
    c: &[u64],
    out: &mut [u64],
    exp: &[u64],
    exp_bits: usize,
) {
    pow2_ct_k(&mut Portable, f, c, out, exp, exp_bits);
}
