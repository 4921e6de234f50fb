//! Scalar multiplication: constant time for secret scalars (signed fixed windows, tables
//! scanned in full), variable time for public ones (wNAF, direct table indexing).
//!
//! # Signed (Booth) digits
//! Window i of width w reads the w + 1 bits b_(wi-1) .. b_(wi+w-1) of k (b_(-1) = 0) as
//! v = sum_j b_(wi-1+j) 2^j and gives the digit
//! `d_i = (v + 1) / 2 - 2^w b_(wi+w-1) = b_(wi-1) + sum_(j<w-1) 2^j b_(wi+j) - 2^(w-1) b_(wi+w-1)`,
//! in [-2^(w-1), 2^(w-1)]; the sum telescopes to `k = sum_i d_i 2^(w i)` once the bit above
//! the top window is 0, which [`windows`] ensures. Each digit is computed with shifts and
//! subtractions only, and `|d|` and its sign with masks.
//!
//! # Why the shortcut additions are safe
//! Both constant-time loops use additions that do not handle P = Q (`add_nodbl`,
//! `add_mixed_nodbl`, see `jacobian.rs`), except where noted. Scalars are below n
//! ([`crate::Scalar`]), and both curves have prime order n > 2^(bits-1).
//!
//! *Variable base, top down* ([`mul_ct`], w = 5). Before window i the accumulator is
//! `B P` with `B = 2^w A` where A is the digits above i read as a number, and `A_i = B + d_i`
//! is the rounded `k / 2^(w i)`, in [0, 2^(bits - w i)]. P = Q means `B = d_i (mod n)`, i.e.
//! `A_i - 2 d_i = m n`. For i >= 1, `|A_i - 2 d_i| <= 2^(bits-5) + 2^5 < n`, so m = 0 and
//! `B = d_i`; B is a multiple of 2^w and `|d_i| <= 2^(w-1)`, so both are 0: Q is the
//! identity, which the selects handle. For i = 0, `A_0 = k < n` also allows m = 1,
//! `k = n + 2 d_0` with d_0 < 0 and `B = n + d_0` a multiple of 2^w, i.e.
//! `d_0 = -n mod 2^w`: impossible for P-256 (n = 17 mod 32 gives d_0 = 15), but for P-521
//! (n = 9 mod 32) it is `k = n - 18` with d_0 = -9. So the last addition is the complete
//! one ([`Jac::add`], one extra doubling per multiplication).
//!
//! *Generator, bottom up* ([`mul_generator_ct`]). Before window i the accumulator is `A G`,
//! A the digits below i, `|A| <= 2^(w i - 1)`; the table point is `D G`, `D = d_i 2^(w i)`,
//! `2^(w i) <= |D|`; `K = A + D` is the digits up to i, `|K| <= 2^(w (i+1) - 1)`, and K = k
//! for the last window L. P = Q means `2A = K (mod n)`. For i < L, `|2A - K| < n` (the top
//! window starts at bit 252 for P-256 and 520 for P-521, so `w (i + 1) <= bits - 1`),
//! hence `A = D`, impossible as `|A| < |D|`. For i = L, `2A - k` in (-n - 2^(wL), 2^(wL)]
//! also allows `2A = k - n`, which needs an integer d in [n / 2^(wL) - 1/2, n / 2^(wL)):
//! n / 2^252 = 15.99999... for P-256 and n / 2^520 = 1.99999... for P-521 leave none. So no
//! addition of the generator loop meets P = Q.

use crate::curve::Curve;
use crate::field::Field;
use crate::jacobian::Jac;
use subtle::Choice;
use zeroize::Zeroize;

/// Window width of the variable-base constant-time multiplication (16 table points).
const VAR_WIDTH: usize = 5;
/// Window width of the variable-time wNAF (odd multiples up to 15 P: 8 table points).
const WNAF_WIDTH: usize = 5;
/// Digit buffer size: the most windows of any curve and width here (P-521, w = 5: 105).
const MAX_DIGITS: usize = 112;

/// Windows of width w for scalars below 2^bits: the bit above the top window must be 0,
/// so `w * windows - 1 >= bits`.
pub(crate) const fn windows(bits: usize, w: usize) -> usize {
    (bits + 1).div_ceil(w)
}

/// `w + 1` bits of big-endian `k` from bit position `lo` (may be -1) upwards; bits outside
/// k are 0. The positions are public; the bits are read without branching on them.
#[inline]
fn bits_at(k: &[u8], lo: isize, n: usize) -> u32 {
    let total = (k.len() * 8) as isize;
    let mut v = 0u32;
    for j in 0..n {
        let pos = lo + j as isize;
        if pos >= 0 && pos < total {
            let byte = k[k.len() - 1 - (pos as usize) / 8];
            v |= u32::from((byte >> (pos as usize % 8)) & 1) << j;
        }
    }
    v
}

/// Signed digits of width w of big-endian `k` into `out` (one per window).
pub(crate) fn booth_recode(k: &[u8], w: usize, out: &mut [i8]) {
    for (i, o) in out.iter_mut().enumerate() {
        let v = bits_at(k, (w * i) as isize - 1, w + 1) as i32;
        let d = ((v + 1) >> 1) - ((v >> w) << w);
        *o = d as i8;
    }
}

/// (|d|, d < 0) without branches.
#[inline(always)]
pub(crate) fn digit_abs_sign(d: i8) -> (u8, Choice) {
    let m = d >> 7; // 0 or -1
    let abs = ((d ^ m).wrapping_sub(m)) as u8;
    (abs, Choice::from((m & 1) as u8))
}

/// `N` masks, the j-th all ones exactly when `abs == j + 1` (none for `abs == 0`), through
/// `black_box` together so the optimiser cannot turn the scan into a branch or an index.
#[inline(always)]
pub(crate) fn scan_masks<const N: usize>(abs: u8) -> [u64; N] {
    let mut m = [0u64; N];
    for (j, o) in m.iter_mut().enumerate() {
        *o = crate::field::mask_zero(u64::from(abs) ^ (j as u64 + 1));
    }
    core::hint::black_box(m)
}

/// `table[|d| - 1]` negated if d < 0, the identity (0, 0, 0) if d = 0; every entry read
/// (16 entries of 3 field elements, OR-ed under masks).
#[inline(always)]
fn lookup_ct<F: Field>(table: &[Jac<F>; 16], d: i8) -> Jac<F> {
    let (abs, neg) = digit_abs_sign(d);
    let mut masks = scan_masks::<16>(abs);
    let mut out = Jac {
        x: F::ZERO,
        y: F::ZERO,
        z: F::ZERO,
    };
    for (p, &m) in table.iter().zip(&masks) {
        out.x.or_masked(&p.x, m);
        out.y.or_masked(&p.y, m);
        out.z.or_masked(&p.z, m);
    }
    masks.zeroize();
    out.conditional_neg(neg)
}

/// `table[j] = (j + 1) P` for j < 16: doublings for the even multiples, P added to the one
/// below for the odd ones (jP = P needs (j - 1) P = 0: never for 1 < j <= 16 < n, and an
/// identity P is handled by the selects).
fn multiples_table<F: Field>(p: &Jac<F>) -> [Jac<F>; 16] {
    let mut table = [Jac::<F>::IDENTITY; 16];
    table[0] = *p;
    for j in 1..16 {
        table[j] = if j % 2 == 1 {
            table[j / 2].double()
        } else {
            table[j - 1].add_nodbl(p)
        };
    }
    table
}

/// `k P` for a secret k < n, constant time in k and P (P may be the identity).
pub(crate) fn mul_ct<C: Curve>(p: &Jac<C::Fe>, k: &C::Repr) -> Jac<C::Fe> {
    let n = windows(C::ORDER_BITS, VAR_WIDTH);
    let mut digits = [0i8; MAX_DIGITS];
    booth_recode(k.as_ref(), VAR_WIDTH, &mut digits[..n]);
    let mut table = multiples_table(p);

    let mut acc = lookup_ct(&table, digits[n - 1]);
    for i in (0..n - 1).rev() {
        for _ in 0..VAR_WIDTH {
            acc = acc.double();
        }
        let mut q = lookup_ct(&table, digits[i]);
        // The branch is on the public window index (see the module documentation).
        acc = if i == 0 {
            acc.add(&q)
        } else {
            acc.add_nodbl(&q)
        };
        q.zeroize();
    }
    table.zeroize();
    digits.zeroize();
    acc
}

/// `a P + b Q` for secret a, b < n, constant time in a, b, P and Q (either point may be
/// the identity): Straus's interleaving, one chain of doublings for both (the signed
/// 5-bit windows of [`mul_ct`]) with a lookup in each point's table per window. That is
/// the doublings of one multiplication instead of two, for twice its additions.
///
/// Every addition into the accumulator is the complete one ([`Jac::add`]): the argument
/// of the module documentation that excludes P = Q rests on one point, and with two
/// points the accumulator `A P + B Q` meets a table entry whenever the caller's points
/// satisfy a small linear relation, which a party that knows both discrete logarithms
/// can arrange (Mutual's client, who knows pi, chooses K_c1 relative to J).
pub(crate) fn lincomb_ct<C: Curve>(
    p: &Jac<C::Fe>,
    a: &C::Repr,
    q: &Jac<C::Fe>,
    b: &C::Repr,
) -> Jac<C::Fe> {
    let n = windows(C::ORDER_BITS, VAR_WIDTH);
    let mut da = [0i8; MAX_DIGITS];
    let mut db = [0i8; MAX_DIGITS];
    booth_recode(a.as_ref(), VAR_WIDTH, &mut da[..n]);
    booth_recode(b.as_ref(), VAR_WIDTH, &mut db[..n]);
    let mut tp = multiples_table(p);
    let mut tq = multiples_table(q);

    let mut acc = lookup_ct(&tp, da[n - 1]);
    let mut t = lookup_ct(&tq, db[n - 1]);
    acc = acc.add(&t);
    for i in (0..n - 1).rev() {
        for _ in 0..VAR_WIDTH {
            acc = acc.double();
        }
        t = lookup_ct(&tp, da[i]);
        acc = acc.add(&t);
        t = lookup_ct(&tq, db[i]);
        acc = acc.add(&t);
    }
    t.zeroize();
    tp.zeroize();
    tq.zeroize();
    da.zeroize();
    db.zeroize();
    acc
}

/// `k G` for a secret k < n from the generator table, constant time in k.
pub(crate) fn mul_generator_ct<C: Curve>(k: &C::Repr) -> Jac<C::Fe> {
    let table = C::generator_table();
    let n = table.windows();
    let mut digits = [0i8; MAX_DIGITS];
    booth_recode(k.as_ref(), table.width(), &mut digits[..n]);
    // The first window's point is the accumulator itself (the identity for a zero digit),
    // which saves an addition to the identity.
    let (mut q, zero) = table.lookup_ct(0, digits[0]);
    let mut acc = Jac::select(&Jac::from_affine(&q), &Jac::IDENTITY, zero);
    for (i, &d) in digits[..n].iter().enumerate().skip(1) {
        let zero;
        (q, zero) = table.lookup_ct(i, d);
        acc = acc.add_mixed_nodbl(&q, zero);
    }
    q.x.zeroize();
    q.y.zeroize();
    digits.zeroize();
    acc
}

/// Width-w non-adjacent form of big-endian `k`, least significant digit first: odd
/// digits in (-2^(w-1), 2^(w-1)) separated by at least w - 1 zeros. Variable time.
fn wnaf(k: &[u8], w: usize) -> Vec<i8> {
    // Little-endian limbs and one spare for the carries of negative digits.
    let mut limbs = vec![0u64; k.len().div_ceil(8) + 1];
    for (i, &b) in k.iter().rev().enumerate() {
        limbs[i / 8] |= u64::from(b) << (8 * (i % 8));
    }
    let mut out = Vec::with_capacity(limbs.len() * 64);
    let window = 1u64 << w;
    while limbs.iter().any(|&l| l != 0) {
        let mut d = 0i64;
        if limbs[0] & 1 == 1 {
            let m = (limbs[0] & (window - 1)) as i64;
            d = if m >= (window / 2) as i64 {
                m - window as i64
            } else {
                m
            };
            // k -= d: subtract m and, for a negative digit, add 2^w back.
            if d > 0 {
                limbs[0] -= d as u64; // d = k mod 2^w <= limbs[0]: no borrow
            } else {
                let mut carry = d.unsigned_abs();
                for l in limbs.iter_mut() {
                    let (s, c) = l.overflowing_add(carry);
                    *l = s;
                    carry = u64::from(c);
                    if carry == 0 {
                        break;
                    }
                }
            }
        }
        out.push(d as i8);
        // k >>= 1.
        for i in 0..limbs.len() {
            let next = limbs.get(i + 1).copied().unwrap_or(0);
            limbs[i] = (limbs[i] >> 1) | (next << 63);
        }
    }
    out
}

/// `k P` for public k (big-endian, any length) and public P, variable time.
pub(crate) fn mul_vartime<F: Field>(p: &Jac<F>, k: &[u8]) -> Jac<F> {
    let digits = wnaf(k, WNAF_WIDTH);
    // Odd multiples P, 3P, ..., 15P.
    let two_p = p.double();
    let mut odd = [*p; 8];
    for j in 1..8 {
        odd[j] = odd[j - 1].add_vartime(&two_p);
    }
    let mut acc = Jac::IDENTITY;
    for &d in digits.iter().rev() {
        if !bool::from(acc.is_identity()) {
            acc = acc.double();
        }
        if d > 0 {
            acc = acc.add_vartime(&odd[(d as usize) / 2]);
        } else if d < 0 {
            acc = acc.add_vartime(&odd[(d.unsigned_abs() as usize) / 2].neg());
        }
    }
    acc
}

/// `k G` for public k (big-endian, any length), variable time: the generator table with
/// direct indexing when k < 2^bits, otherwise the wNAF.
pub(crate) fn mul_generator_vartime<C: Curve>(k: &[u8]) -> Jac<C::Fe> {
    let first = k.iter().position(|&b| b != 0).unwrap_or(k.len());
    let k = &k[first..];
    let bits = match k.first() {
        None => return Jac::IDENTITY,
        Some(&top) => 8 * k.len() - top.leading_zeros() as usize,
    };
    if bits > C::ORDER_BITS {
        let g = Jac::from_affine(&crate::jacobian::Aff { x: C::GX, y: C::GY });
        return mul_vartime(&g, k);
    }
    let table = C::generator_table();
    let n = table.windows();
    let mut digits = [0i8; MAX_DIGITS];
    booth_recode(k, table.width(), &mut digits[..n]);
    let mut acc = Jac::IDENTITY;
    for (i, &d) in digits[..n].iter().enumerate() {
        if d != 0 {
            acc = acc.add_mixed_vartime(&table.lookup_vartime(i, d));
        }
    }
    acc
}
