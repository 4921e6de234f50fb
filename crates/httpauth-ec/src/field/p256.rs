//! GF(p) for P-256, p = 2^256 - 2^224 + 2^192 + 2^96 - 1 (FIPS 186-4 D.1.2.3), in
//! Montgomery form with R = 2^256 on four 64-bit limbs.
//!
//! The shape of p makes Montgomery reduction cheap: p = -1 mod 2^64, so -p^-1 = 1 mod 2^64
//! and each reduction round's multiplier is the low limb itself, whose product with
//! p's low limb (2^64 - 1) cancels that limb exactly; p's third limb is 0, so a round costs
//! two 64x64-bit multiplications (by p's second and fourth limbs).

use super::{Field, adc, hex, mac, mask_from_bit, sbb};
use subtle::{Choice, ConditionallySelectable, ConstantTimeEq};
use zeroize::Zeroize;

/// p, little-endian limbs.
const P: [u64; 4] = [
    0xffff_ffff_ffff_ffff,
    0x0000_0000_ffff_ffff,
    0,
    0xffff_ffff_0000_0001,
];

/// 2^256 - p = 2^224 - 2^192 - 2^96 + 1, little-endian limbs.
const TWO_256_MINUS_P: [u64; 4] = [
    0x0000_0000_0000_0001,
    0xffff_ffff_0000_0000,
    0xffff_ffff_ffff_ffff,
    0x0000_0000_ffff_fffe,
];

/// R^2 mod p (R = 2^256): 1 doubled 512 times modulo p, at compile time.
const R2: [u64; 4] = {
    let mut x = [1, 0, 0, 0];
    let mut i = 0;
    while i < 512 {
        x = add_mod(&x, &x);
        i += 1;
    }
    x
};

/// An element of GF(p) in Montgomery form (`a * R mod p`), always fully reduced (< p), so
/// equal elements have equal limbs.
#[derive(Clone, Copy, Default)]
pub struct Fe([u64; 4]);

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

/// `(x + hi * 2^256) mod p` for a value below 2p, constant time.
#[inline(always)]
const fn sub_p_if_ge(x: [u64; 4], hi: u64) -> [u64; 4] {
    let (t0, b) = sbb(x[0], P[0], 0);
    let (t1, b) = sbb(x[1], P[1], b);
    let (t2, b) = sbb(x[2], P[2], b);
    let (t3, b) = sbb(x[3], P[3], b);
    let (_, b) = sbb(hi, 0, b);
    // b = 1: x + hi * 2^256 < p, keep x. (A const fn cannot call `black_box`; the runtime
    // callers below pass through `mask_from_bit` instead.)
    let keep = 0u64.wrapping_sub(b);
    [
        (x[0] & keep) | (t0 & !keep),
        (x[1] & keep) | (t1 & !keep),
        (x[2] & keep) | (t2 & !keep),
        (x[3] & keep) | (t3 & !keep),
    ]
}

/// The same as [`sub_p_if_ge`] with the mask through `black_box` (runtime use).
#[inline(always)]
fn sub_p_if_ge_ct(x: [u64; 4], hi: u64) -> [u64; 4] {
    let (t0, b) = sbb(x[0], P[0], 0);
    let (t1, b) = sbb(x[1], P[1], b);
    let (t2, b) = sbb(x[2], P[2], b);
    let (t3, b) = sbb(x[3], P[3], b);
    let (_, b) = sbb(hi, 0, b);
    let keep = mask_from_bit(b);
    [
        (x[0] & keep) | (t0 & !keep),
        (x[1] & keep) | (t1 & !keep),
        (x[2] & keep) | (t2 & !keep),
        (x[3] & keep) | (t3 & !keep),
    ]
}

/// `a + b mod p` for a, b < p (compile-time version).
const fn add_mod(a: &[u64; 4], b: &[u64; 4]) -> [u64; 4] {
    let (s0, c) = adc(a[0], b[0], 0);
    let (s1, c) = adc(a[1], b[1], c);
    let (s2, c) = adc(a[2], b[2], c);
    let (s3, c) = adc(a[3], b[3], c);
    sub_p_if_ge([s0, s1, s2, s3], c)
}

/// Montgomery reduction of a 512-bit value `t < p * 2^256`: `t / R mod p` as a value below
/// 2p (four limbs and the bit above them); one conditional subtraction finishes it.
///
/// Round i adds `m * p * 2^(64 i)` with `m = t_i` (as -p^-1 = 1 mod 2^64): limb i becomes
/// `t_i + m (2^64 - 1) = m 2^64`, i.e. 0 with a carry of m, so only limbs i+1 (times p's
/// second limb, plus that carry), i+2 (carry only: p's third limb is 0) and i+3 (times p's
/// fourth limb) take products; `hi` carries the overflow of limb i+4 into the next round.
/// `(t + m p) / R < (p^2 + R p) / R < 2p`.
#[inline(always)]
const fn mont_reduce_raw(t: [u64; 8]) -> ([u64; 4], u64) {
    let [r0, r1, r2, r3, r4, r5, r6, r7] = t;

    let (r1, c) = mac(r1, r0, P[1], r0);
    let (r2, c) = adc(r2, 0, c);
    let (r3, c) = mac(r3, r0, P[3], c);
    let (r4, hi) = adc(r4, 0, c);

    let (r2, c) = mac(r2, r1, P[1], r1);
    let (r3, c) = adc(r3, 0, c);
    let (r4, c) = mac(r4, r1, P[3], c);
    let (r5, hi) = adc(r5, hi, c);

    let (r3, c) = mac(r3, r2, P[1], r2);
    let (r4, c) = adc(r4, 0, c);
    let (r5, c) = mac(r5, r2, P[3], c);
    let (r6, hi) = adc(r6, hi, c);

    let (r4, c) = mac(r4, r3, P[1], r3);
    let (r5, c) = adc(r5, 0, c);
    let (r6, c) = mac(r6, r3, P[3], c);
    let (r7, hi) = adc(r7, hi, c);
    ([r4, r5, r6, r7], hi)
}

/// The 512-bit product `a * b` (schoolbook, 16 multiplications).
#[inline(always)]
const fn mul_wide(a: &[u64; 4], b: &[u64; 4]) -> [u64; 8] {
    let (r0, c) = mac(0, a[0], b[0], 0);
    let (r1, c) = mac(0, a[0], b[1], c);
    let (r2, c) = mac(0, a[0], b[2], c);
    let (r3, r4) = mac(0, a[0], b[3], c);

    let (r1, c) = mac(r1, a[1], b[0], 0);
    let (r2, c) = mac(r2, a[1], b[1], c);
    let (r3, c) = mac(r3, a[1], b[2], c);
    let (r4, r5) = mac(r4, a[1], b[3], c);

    let (r2, c) = mac(r2, a[2], b[0], 0);
    let (r3, c) = mac(r3, a[2], b[1], c);
    let (r4, c) = mac(r4, a[2], b[2], c);
    let (r5, r6) = mac(r5, a[2], b[3], c);

    let (r3, c) = mac(r3, a[3], b[0], 0);
    let (r4, c) = mac(r4, a[3], b[1], c);
    let (r5, c) = mac(r5, a[3], b[2], c);
    let (r6, r7) = mac(r6, a[3], b[3], c);
    [r0, r1, r2, r3, r4, r5, r6, r7]
}

/// The 512-bit square `a^2`: the six cross products once, doubled, plus the four squares.
#[inline(always)]
const fn square_wide(a: &[u64; 4]) -> [u64; 8] {
    let (r1, c) = mac(0, a[0], a[1], 0);
    let (r2, c) = mac(0, a[0], a[2], c);
    let (r3, r4) = mac(0, a[0], a[3], c);
    let (r3, c) = mac(r3, a[1], a[2], 0);
    let (r4, r5) = mac(r4, a[1], a[3], c);
    let (r5, r6) = mac(r5, a[2], a[3], 0);

    let r7 = r6 >> 63;
    let r6 = (r6 << 1) | (r5 >> 63);
    let r5 = (r5 << 1) | (r4 >> 63);
    let r4 = (r4 << 1) | (r3 >> 63);
    let r3 = (r3 << 1) | (r2 >> 63);
    let r2 = (r2 << 1) | (r1 >> 63);
    let r1 = r1 << 1;

    let (r0, c) = mac(0, a[0], a[0], 0);
    let (r1, c) = adc(r1, 0, c);
    let (r2, c) = mac(r2, a[1], a[1], c);
    let (r3, c) = adc(r3, 0, c);
    let (r4, c) = mac(r4, a[2], a[2], c);
    let (r5, c) = adc(r5, 0, c);
    let (r6, c) = mac(r6, a[3], a[3], c);
    let (r7, _) = adc(r7, 0, c);
    [r0, r1, r2, r3, r4, r5, r6, r7]
}

/// Montgomery product at compile time (constants only).
const fn mont_mul_const(a: &[u64; 4], b: &[u64; 4]) -> [u64; 4] {
    let (x, hi) = mont_reduce_raw(mul_wide(a, b));
    sub_p_if_ge(x, hi)
}

/// Little-endian limbs of 32 big-endian octets.
const fn limbs_from_be(b: &[u8; 32]) -> [u64; 4] {
    let mut out = [0u64; 4];
    let mut i = 0;
    while i < 4 {
        let mut j = 0;
        while j < 8 {
            out[i] |= (b[31 - 8 * i - j] as u64) << (8 * j);
            j += 1;
        }
        i += 1;
    }
    out
}

impl Fe {
    /// The element with canonical value `hex` (64 digits, below p), at compile time.
    pub(crate) const fn from_hex(hex_digits: &str) -> Fe {
        let v = limbs_from_be(&hex::<32>(hex_digits));
        Fe(mont_mul_const(&v, &R2))
    }

    /// The canonical value (out of Montgomery form).
    #[inline]
    fn canonical(&self) -> [u64; 4] {
        let x = self.0;
        let (v, hi) = mont_reduce_raw([x[0], x[1], x[2], x[3], 0, 0, 0, 0]);
        sub_p_if_ge_ct(v, hi)
    }
}

impl Field for Fe {
    const ZERO: Fe = Fe([0; 4]);
    const ONE: Fe = Fe(mont_mul_const(&[1, 0, 0, 0], &R2));
    const LEN: usize = 32;
    /// Both are about 50 cycles: multiply.
    const CHEAP_SQUARE: bool = false;

    /// `a + b = a - (p - b)`: p - b (in [1, p], no reduction needed) is a plain borrow
    /// chain off a's critical path, and the subtraction adds p back when a + b < p. One
    /// masked step instead of an addition and a masked subtraction (about 10 cycles of
    /// latency instead of 17 on the machine it was measured on).
    #[inline(always)]
    fn add(&self, rhs: &Fe) -> Fe {
        let b = &rhs.0;
        let (n0, br) = sbb(P[0], b[0], 0);
        let (n1, br) = sbb(P[1], b[1], br);
        let (n2, br) = sbb(P[2], b[2], br);
        let (n3, _) = sbb(P[3], b[3], br);
        self.sub(&Fe([n0, n1, n2, n3]))
    }

    #[inline(always)]
    fn sub(&self, rhs: &Fe) -> Fe {
        let (a, b) = (&self.0, &rhs.0);
        let (d0, br) = sbb(a[0], b[0], 0);
        let (d1, br) = sbb(a[1], b[1], br);
        let (d2, br) = sbb(a[2], b[2], br);
        let (d3, br) = sbb(a[3], b[3], br);
        // On a borrow the difference wrapped by 2^256: add p back (masked).
        let m = mask_from_bit(br);
        let (d0, c) = adc(d0, P[0] & m, 0);
        let (d1, c) = adc(d1, P[1] & m, c);
        let (d2, c) = adc(d2, P[2] & m, c);
        let (d3, _) = adc(d3, P[3] & m, c);
        Fe([d0, d1, d2, d3])
    }

    /// Montgomery form is linear, so `k (a R) = (k a) R`: the limbs times k (a fifth limb
    /// q < 8), then `q 2^256 = q (2^256 - p) (mod p)` with `2^256 - p < 2^224` folded back,
    /// leaving a value below 2^256 + 2^227 < 2p for one conditional subtraction.
    #[inline(always)]
    fn mul_small(&self, k: u64) -> Fe {
        debug_assert!((2..=8).contains(&k));
        let a = &self.0;
        let (l0, c) = mac(0, a[0], k, 0);
        let (l1, c) = mac(0, a[1], k, c);
        let (l2, c) = mac(0, a[2], k, c);
        let (l3, q) = mac(0, a[3], k, c);
        let (s0, c) = mac(l0, q, TWO_256_MINUS_P[0], 0);
        let (s1, c) = mac(l1, q, TWO_256_MINUS_P[1], c);
        let (s2, c) = mac(l2, q, TWO_256_MINUS_P[2], c);
        let (s3, hi) = mac(l3, q, TWO_256_MINUS_P[3], c);
        Fe(sub_p_if_ge_ct([s0, s1, s2, s3], hi))
    }

    #[inline(always)]
    fn mul(&self, rhs: &Fe) -> Fe {
        let (x, hi) = mont_reduce_raw(mul_wide(&self.0, &rhs.0));
        Fe(sub_p_if_ge_ct(x, hi))
    }

    #[inline(always)]
    fn square(&self) -> Fe {
        let (x, hi) = mont_reduce_raw(square_wide(&self.0));
        Fe(sub_p_if_ge_ct(x, hi))
    }

    /// p - 2 = ffffffff 00000001 00000000 00000000 00000000 ffffffff ffffffff fffffffd:
    /// 32 ones, 31 zeros and a one, 96 zeros, 94 ones, 0, 1 (255 squarings, 13
    /// multiplications).
    fn invert(&self) -> Fe {
        let x1 = *self;
        let x2 = x1.square().mul(&x1);
        let x4 = x2.square_n(2).mul(&x2);
        let x8 = x4.square_n(4).mul(&x4);
        let x16 = x8.square_n(8).mul(&x8);
        let x32 = x16.square_n(16).mul(&x16);
        let mut r = x32.square_n(32).mul(&x1);
        r = r.square_n(96);
        r = r.square_n(32).mul(&x32);
        r = r.square_n(32).mul(&x32);
        r = r.square_n(16).mul(&x16);
        r = r.square_n(8).mul(&x8);
        r = r.square_n(4).mul(&x4);
        r = r.square_n(2).mul(&x2);
        r.square_n(2).mul(&x1)
    }

    /// (p + 1) / 4 = 2^254 - 2^222 + 2^190 + 2^94: 32 ones, 31 zeros, a one, 95 zeros, a
    /// one, 94 zeros (253 squarings, 7 multiplications).
    fn sqrt_candidate(&self) -> Fe {
        let x1 = *self;
        let x2 = x1.square().mul(&x1);
        let x4 = x2.square_n(2).mul(&x2);
        let x8 = x4.square_n(4).mul(&x4);
        let x16 = x8.square_n(8).mul(&x8);
        let x32 = x16.square_n(16).mul(&x16);
        let r = x32.square_n(32).mul(&x1);
        let r = r.square_n(96).mul(&x1);
        r.square_n(94)
    }

    #[inline]
    fn is_zero(&self) -> Choice {
        (self.0[0] | self.0[1] | self.0[2] | self.0[3]).ct_eq(&0)
    }

    #[inline]
    fn ct_eq(&self, rhs: &Fe) -> Choice {
        self.0[0].ct_eq(&rhs.0[0])
            & self.0[1].ct_eq(&rhs.0[1])
            & self.0[2].ct_eq(&rhs.0[2])
            & self.0[3].ct_eq(&rhs.0[3])
    }

    #[inline]
    fn is_odd(&self) -> Choice {
        Choice::from((self.canonical()[0] & 1) as u8)
    }

    #[inline(always)]
    fn select(a: &Fe, b: &Fe, c: Choice) -> Fe {
        Fe([
            u64::conditional_select(&a.0[0], &b.0[0], c),
            u64::conditional_select(&a.0[1], &b.0[1], c),
            u64::conditional_select(&a.0[2], &b.0[2], c),
            u64::conditional_select(&a.0[3], &b.0[3], c),
        ])
    }

    #[inline(always)]
    fn or_masked(&mut self, src: &Fe, mask: u64) {
        for (d, s) in self.0.iter_mut().zip(src.0) {
            *d |= s & mask;
        }
    }

    fn from_be_bytes(bytes: &[u8]) -> (Fe, Choice) {
        assert_eq!(bytes.len(), 32, "P-256 field elements are 32 octets");
        let mut b = [0u8; 32];
        b.copy_from_slice(bytes);
        let v = limbs_from_be(&b);
        b.zeroize();
        // v < p exactly when v - p borrows.
        let (_, br) = sbb(v[0], P[0], 0);
        let (_, br) = sbb(v[1], P[1], br);
        let (_, br) = sbb(v[2], P[2], br);
        let (_, br) = sbb(v[3], P[3], br);
        let fe = Fe(v).mul(&Fe(R2));
        (fe, Choice::from(br as u8))
    }

    fn write_be_bytes(&self, out: &mut [u8]) {
        assert_eq!(out.len(), 32, "P-256 field elements are 32 octets");
        let v = self.canonical();
        for (i, chunk) in out.rchunks_exact_mut(8).enumerate() {
            chunk.copy_from_slice(&v[i].to_be_bytes());
        }
    }
}
