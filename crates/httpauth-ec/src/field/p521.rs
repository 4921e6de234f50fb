//! GF(p) for P-521, p = 2^521 - 1 (FIPS 186-4 D.1.2.5), on nine unsaturated 58-bit limbs
//! (9 * 58 = 522 bits, the layout of OpenSSL's `ecp_nistp521.c`; written from the
//! arithmetic, not from that code).
//!
//! Because 2^522 = 2 (mod p), the high half of a product folds into the low half with a
//! doubling, and the headroom of the limbs lets additions skip most carries. Invariant
//! ("loose" form): every limb is below 2^59. A product's nine column sums then stay below
//! 9 * 2^59 * 2^60 < 2^123 (u128), and one carry pass brings the result back to the
//! invariant. The value is unique only modulo p; [`Fe::canonical`] gives the canonical
//! limbs for encodings and comparisons.

use super::{Field, hex, mask_from_bit};
use subtle::{Choice, ConditionallySelectable, ConstantTimeEq};
use zeroize::Zeroize;

const LIMB_BITS: u32 = 58;
const MASK: u64 = (1 << LIMB_BITS) - 1;

/// 8p with every limb at least 2^60 - 8 (> any loose limb): `a + EIGHT_P - b` never
/// underflows a limb. Limbs 1..8 are 2^60 - 4 and limb 0 is 2^60 - 8:
/// sum (2^60 - 4) 2^(58 i) = 4 (2^522 - 1), minus 4, is 2^524 - 8 = 8 (2^521 - 1).
const EIGHT_P: [u64; 9] = {
    let mut q = [(1u64 << 60) - 4; 9];
    q[0] = (1u64 << 60) - 8;
    q
};

/// An element of GF(2^521 - 1) on nine 58-bit limbs, little-endian, each below 2^59.
#[derive(Clone, Copy, Default)]
pub struct Fe(pub(crate) [u64; 9]);

/// Prints nothing of the value: field elements carry secrets (coordinates of secret points).
impl core::fmt::Debug for Fe {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Fe(..)")
    }
}

impl Zeroize for Fe {
    fn zeroize(&mut self) {
        self.0.zeroize();
    }
}

/// One carry pass on limbs below 2^63: limbs 1..8 end below 2^58, limb 0 below 2^58 + 2^7
/// (the carry out of limb 8, below 2^5, folds back doubled because 2^522 = 2 mod p).
#[inline(always)]
fn carry(mut l: [u64; 9]) -> [u64; 9] {
    for i in 0..8 {
        l[i + 1] += l[i] >> LIMB_BITS;
        l[i] &= MASK;
    }
    let c = l[8] >> LIMB_BITS;
    l[8] &= MASK;
    l[0] += c << 1;
    l
}

/// Exact carry propagation (every limb below 2^58 after it, given limbs below 2^63 before),
/// returning the carry out of limb 8 (weight 2^522) instead of folding it.
#[inline(always)]
fn propagate(l: &mut [u64; 9]) -> u64 {
    for i in 0..8 {
        l[i + 1] += l[i] >> LIMB_BITS;
        l[i] &= MASK;
    }
    let c = l[8] >> LIMB_BITS;
    l[8] &= MASK;
    c
}

/// Reduces the nine column sums of a product (each below 2^124) to loose limbs: exact
/// carries through the columns, the carry out of the top column (below 2^66) folded back
/// doubled into limb 0, and that limb's own carry (below 2^10) into limb 1, which stays
/// below 2^58 + 2^10.
#[inline(always)]
fn reduce_columns(t: [u128; 9]) -> Fe {
    let mut out = [0u64; 9];
    let mut c: u128 = 0;
    for k in 0..9 {
        let v = t[k] + c;
        out[k] = (v as u64) & MASK;
        c = v >> LIMB_BITS;
    }
    let v = (out[0] as u128) + (c << 1);
    out[0] = (v as u64) & MASK;
    out[1] += (v >> LIMB_BITS) as u64;
    Fe(out)
}

/// Limbs of a big-endian value of at most 72 octets (bits above 522 are dropped by the
/// caller's range check, not here).
fn limbs_from_be(bytes: &[u8]) -> [u64; 9] {
    let mut out = [0u64; 9];
    for (i, &b) in bytes.iter().rev().enumerate() {
        let bit = 8 * i;
        let (limb, shift) = (bit / 58, (bit % 58) as u32);
        if limb < 9 {
            out[limb] |= (u64::from(b) << shift) & MASK;
            if shift > 50 && limb + 1 < 9 {
                out[limb + 1] |= u64::from(b) >> (58 - shift);
            }
        }
    }
    out
}

impl Fe {
    /// The element with canonical value `hex` (132 digits, below p), at compile time.
    pub(crate) const fn from_hex(hex_digits: &str) -> Fe {
        let b = hex::<66>(hex_digits);
        let mut out = [0u64; 9];
        let mut i = 0;
        while i < 66 {
            let byte = b[65 - i] as u64;
            let bit = 8 * i;
            let (limb, shift) = (bit / 58, (bit % 58) as u32);
            out[limb] |= (byte << shift) & MASK;
            if shift > 50 && limb + 1 < 9 {
                out[limb + 1] |= byte >> (58 - shift);
            }
            i += 1;
        }
        assert!(out[8] >> 57 == 0, "constant not below 2^521");
        Fe(out)
    }

    /// The canonical limbs: every limb below 2^58, value below p.
    fn canonical(&self) -> [u64; 9] {
        let mut l = self.0;
        // Two exact passes with the fold: after the first, limb 0 may exceed 2^58 by the
        // folded 2; the second ripple can reach the top only when every limb was all ones,
        // and then limb 0 is tiny when the fold lands. Now the value is below 2^522.
        for _ in 0..2 {
            let c = propagate(&mut l);
            l[0] += c << 1;
        }
        // v = lo + hi 2^521 = lo + hi (mod p), hi the bit 521 (limb 8, bit 57).
        let hi = l[8] >> 57;
        l[8] &= (1 << 57) - 1;
        l[0] += hi;
        propagate(&mut l);
        // Now v <= 2^521 = p + 1. v >= p exactly when v + 1 reaches 2^521; then v - p is
        // v + 1 - 2^521.
        let mut u = l;
        u[0] += 1;
        propagate(&mut u);
        let ge = u[8] >> 57;
        u[8] &= (1 << 57) - 1;
        let m = mask_from_bit(ge);
        for i in 0..9 {
            l[i] = (u[i] & m) | (l[i] & !m);
        }
        l
    }

    /// `self^(2^519 - 1)` by an addition chain on runs of ones (x_k = self^(2^k - 1)):
    /// 519 = 512 + 7; 518 squarings and 11 multiplications.
    fn pow_2_519_minus_1(&self) -> Fe {
        let x1 = *self;
        let x2 = x1.square().mul(&x1);
        let x3 = x2.square().mul(&x1);
        let x4 = x2.square_n(2).mul(&x2);
        let x7 = x4.square_n(3).mul(&x3);
        let x8 = x4.square_n(4).mul(&x4);
        let x16 = x8.square_n(8).mul(&x8);
        let x32 = x16.square_n(16).mul(&x16);
        let x64 = x32.square_n(32).mul(&x32);
        let x128 = x64.square_n(64).mul(&x64);
        let x256 = x128.square_n(128).mul(&x128);
        let x512 = x256.square_n(256).mul(&x256);
        x512.square_n(7).mul(&x7)
    }
}

impl Field for Fe {
    const ZERO: Fe = Fe([0; 9]);
    const ONE: Fe = Fe([1, 0, 0, 0, 0, 0, 0, 0, 0]);
    const LEN: usize = 66;
    const CHEAP_SQUARE: bool = true;

    #[inline(always)]
    fn add(&self, rhs: &Fe) -> Fe {
        let mut l = [0u64; 9];
        for (i, o) in l.iter_mut().enumerate() {
            *o = self.0[i] + rhs.0[i];
        }
        Fe(carry(l))
    }

    /// Limbs below 2^59 times k <= 8 stay below 2^62: one carry pass.
    #[inline(always)]
    fn mul_small(&self, k: u64) -> Fe {
        debug_assert!((2..=8).contains(&k));
        let mut l = [0u64; 9];
        for (o, &x) in l.iter_mut().zip(&self.0) {
            *o = x * k;
        }
        Fe(carry(l))
    }

    #[inline(always)]
    fn sub(&self, rhs: &Fe) -> Fe {
        let mut l = [0u64; 9];
        for (i, o) in l.iter_mut().enumerate() {
            *o = self.0[i] + EIGHT_P[i] - rhs.0[i];
        }
        Fe(carry(l))
    }

    /// Column k (k < 9) sums `a_i b_j` over i + j = k and `a_i (2 b_j)` over i + j = k + 9
    /// (2^(58 (k + 9)) = 2^522 2^(58 k) = 2 2^(58 k) mod p): 81 products, each below
    /// 2^59 * 2^60, nine per column.
    #[inline(always)]
    fn mul(&self, rhs: &Fe) -> Fe {
        let a = &self.0;
        let b = &rhs.0;
        let mut b2 = [0u64; 9];
        for (o, &x) in b2.iter_mut().zip(b) {
            *o = x << 1;
        }
        let m = |x: u64, y: u64| (x as u128) * (y as u128);
        // Written out (generated): loops with index conditions were not fully unrolled.
        let t: [u128; 9] = [
            m(a[0], b[0])
                + m(a[1], b2[8])
                + m(a[2], b2[7])
                + m(a[3], b2[6])
                + m(a[4], b2[5])
                + m(a[5], b2[4])
                + m(a[6], b2[3])
                + m(a[7], b2[2])
                + m(a[8], b2[1]),
            m(a[0], b[1])
                + m(a[1], b[0])
                + m(a[2], b2[8])
                + m(a[3], b2[7])
                + m(a[4], b2[6])
                + m(a[5], b2[5])
                + m(a[6], b2[4])
                + m(a[7], b2[3])
                + m(a[8], b2[2]),
            m(a[0], b[2])
                + m(a[1], b[1])
                + m(a[2], b[0])
                + m(a[3], b2[8])
                + m(a[4], b2[7])
                + m(a[5], b2[6])
                + m(a[6], b2[5])
                + m(a[7], b2[4])
                + m(a[8], b2[3]),
            m(a[0], b[3])
                + m(a[1], b[2])
                + m(a[2], b[1])
                + m(a[3], b[0])
                + m(a[4], b2[8])
                + m(a[5], b2[7])
                + m(a[6], b2[6])
                + m(a[7], b2[5])
                + m(a[8], b2[4]),
            m(a[0], b[4])
                + m(a[1], b[3])
                + m(a[2], b[2])
                + m(a[3], b[1])
                + m(a[4], b[0])
                + m(a[5], b2[8])
                + m(a[6], b2[7])
                + m(a[7], b2[6])
                + m(a[8], b2[5]),
            m(a[0], b[5])
                + m(a[1], b[4])
                + m(a[2], b[3])
                + m(a[3], b[2])
                + m(a[4], b[1])
                + m(a[5], b[0])
                + m(a[6], b2[8])
                + m(a[7], b2[7])
                + m(a[8], b2[6]),
            m(a[0], b[6])
                + m(a[1], b[5])
                + m(a[2], b[4])
                + m(a[3], b[3])
                + m(a[4], b[2])
                + m(a[5], b[1])
                + m(a[6], b[0])
                + m(a[7], b2[8])
                + m(a[8], b2[7]),
            m(a[0], b[7])
                + m(a[1], b[6])
                + m(a[2], b[5])
                + m(a[3], b[4])
                + m(a[4], b[3])
                + m(a[5], b[2])
                + m(a[6], b[1])
                + m(a[7], b[0])
                + m(a[8], b2[8]),
            m(a[0], b[8])
                + m(a[1], b[7])
                + m(a[2], b[6])
                + m(a[3], b[5])
                + m(a[4], b[4])
                + m(a[5], b[3])
                + m(a[6], b[2])
                + m(a[7], b[1])
                + m(a[8], b[0]),
        ];
        reduce_columns(t)
    }

    /// As [`Fe::mul`] with each cross product computed once: `a_i (2 a_j)` for i < j, and
    /// `a_i (4 a_j)` where the column folds; 45 products.
    #[inline(always)]
    fn square(&self) -> Fe {
        let a = &self.0;
        let mut a2 = [0u64; 9];
        let mut a4 = [0u64; 9];
        for i in 0..9 {
            a2[i] = a[i] << 1;
            a4[i] = a[i] << 2;
        }
        let m = |x: u64, y: u64| (x as u128) * (y as u128);
        // Written out as in `mul`: column k holds a_i a_j for i <= j, i + j = k (doubled
        // for i < j) and i + j = k + 9 (folded: doubled again).
        let t: [u128; 9] = [
            m(a[0], a[0]) + m(a[1], a4[8]) + m(a[2], a4[7]) + m(a[3], a4[6]) + m(a[4], a4[5]),
            m(a[0], a2[1]) + m(a[2], a4[8]) + m(a[3], a4[7]) + m(a[4], a4[6]) + m(a[5], a2[5]),
            m(a[0], a2[2]) + m(a[1], a[1]) + m(a[3], a4[8]) + m(a[4], a4[7]) + m(a[5], a4[6]),
            m(a[0], a2[3]) + m(a[1], a2[2]) + m(a[4], a4[8]) + m(a[5], a4[7]) + m(a[6], a2[6]),
            m(a[0], a2[4]) + m(a[1], a2[3]) + m(a[2], a[2]) + m(a[5], a4[8]) + m(a[6], a4[7]),
            m(a[0], a2[5]) + m(a[1], a2[4]) + m(a[2], a2[3]) + m(a[6], a4[8]) + m(a[7], a2[7]),
            m(a[0], a2[6]) + m(a[1], a2[5]) + m(a[2], a2[4]) + m(a[3], a[3]) + m(a[7], a4[8]),
            m(a[0], a2[7]) + m(a[1], a2[6]) + m(a[2], a2[5]) + m(a[3], a2[4]) + m(a[8], a2[8]),
            m(a[0], a2[8]) + m(a[1], a2[7]) + m(a[2], a2[6]) + m(a[3], a2[5]) + m(a[4], a[4]),
        ];
        reduce_columns(t)
    }

    /// p - 2 = 2^521 - 3: 519 ones, 0, 1.
    fn invert(&self) -> Fe {
        self.pow_2_519_minus_1().square_n(2).mul(self)
    }

    /// (p + 1) / 4 = 2^519: 519 squarings.
    fn sqrt_candidate(&self) -> Fe {
        self.square_n(519)
    }

    fn is_zero(&self) -> Choice {
        let c = self.canonical();
        c.iter().fold(0, |acc, &l| acc | l).ct_eq(&0)
    }

    fn ct_eq(&self, rhs: &Fe) -> Choice {
        self.sub(rhs).is_zero()
    }

    fn is_odd(&self) -> Choice {
        Choice::from((self.canonical()[0] & 1) as u8)
    }

    #[inline(always)]
    fn select(a: &Fe, b: &Fe, c: Choice) -> Fe {
        let mut out = [0u64; 9];
        for (i, o) in out.iter_mut().enumerate() {
            *o = u64::conditional_select(&a.0[i], &b.0[i], c);
        }
        Fe(out)
    }

    #[inline(always)]
    fn or_masked(&mut self, src: &Fe, mask: u64) {
        for (d, s) in self.0.iter_mut().zip(src.0) {
            *d |= s & mask;
        }
    }

    fn from_be_bytes(bytes: &[u8]) -> (Fe, Choice) {
        assert_eq!(bytes.len(), 66, "P-521 field elements are 66 octets");
        let l = limbs_from_be(bytes);
        // Below p: the top octet holds at most bit 520 (value < 2^521) and v + 1 does not
        // reach 2^521 (v != 2^521 - 1).
        let small = (bytes[0] >> 1).ct_eq(&0);
        let mut u = l;
        u[0] += 1;
        propagate(&mut u);
        let not_p = (u[8] >> 57).ct_eq(&0);
        (Fe(l), small & not_p)
    }

    fn write_be_bytes(&self, out: &mut [u8]) {
        assert_eq!(out.len(), 66, "P-521 field elements are 66 octets");
        let l = self.canonical();
        for (i, o) in out.iter_mut().rev().enumerate() {
            let bit = 8 * i;
            let (limb, shift) = (bit / 58, (bit % 58) as u32);
            let mut v = l[limb] >> shift;
            if shift > 50 && limb + 1 < 9 {
                v |= l[limb + 1] << (58 - shift);
            }
            *o = v as u8;
        }
    }
}
