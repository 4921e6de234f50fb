//! Prime-field arithmetic: the interface the point code is written against, and the two
//! fields (P-256's with Montgomery reduction, P-521's Mersenne prime with unsaturated limbs).
//!
//! Every operation here runs in time independent of the values of its operands: no branch
//! and no memory index depends on them (the loops have fixed trip counts; masks pass through
//! [`core::hint::black_box`] where an optimiser could turn them into branches).

pub(crate) mod p256;
pub(crate) mod p521;

use subtle::Choice;
use zeroize::Zeroize;

/// An element of GF(p) for the curve's prime p.
///
/// Representations need not be unique (P-521 keeps loose limbs); comparisons, parity and
/// encodings go through the canonical value.
pub trait Field: Copy + Default + Zeroize + Send + Sync + 'static {
    /// 0.
    const ZERO: Self;
    /// 1.
    const ONE: Self;
    /// Octets of the big-endian encoding (32 for P-256, 66 for P-521).
    const LEN: usize;
    /// Whether a squaring costs clearly less than a multiplication plus two subtractions
    /// (P-521: 45 against 81 word products), so `2ab = (a + b)^2 - a^2 - b^2` pays when a^2
    /// and b^2 are at hand; otherwise the point formulas multiply.
    const CHEAP_SQUARE: bool;

    /// `self + rhs`.
    fn add(&self, rhs: &Self) -> Self;
    /// `self - rhs`.
    fn sub(&self, rhs: &Self) -> Self;
    /// `2 * self`.
    fn double(&self) -> Self {
        self.add(self)
    }
    /// `k * self` for a small constant k (2 <= k <= 8), with one reduction.
    fn mul_small(&self, k: u64) -> Self;
    /// `-self`.
    fn neg(&self) -> Self {
        Self::ZERO.sub(self)
    }
    /// `self * rhs`.
    fn mul(&self, rhs: &Self) -> Self;
    /// `self^2`.
    fn square(&self) -> Self;
    /// `self^(2^n)`: n squarings.
    fn square_n(&self, n: usize) -> Self {
        let mut x = *self;
        for _ in 0..n {
            x = x.square();
        }
        x
    }
    /// `self^(p-2)`: the inverse of a non-zero element (Fermat), 0 for 0. A fixed chain of
    /// squarings and multiplications, so constant time.
    fn invert(&self) -> Self;
    /// A square root and whether it is one (`candidate^2 == self`). p = 3 mod 4 for both
    /// curves, so the candidate is `self^((p+1)/4)`, a fixed chain.
    fn sqrt(&self) -> (Self, Choice) {
        let y = self.sqrt_candidate();
        let ok = y.square().ct_eq(self);
        (y, ok)
    }
    /// `self^((p+1)/4)`.
    fn sqrt_candidate(&self) -> Self;
    /// `self == 0` (canonically).
    fn is_zero(&self) -> Choice;
    /// `self == rhs` (canonically).
    fn ct_eq(&self, rhs: &Self) -> Choice;
    /// The low bit of the canonical value.
    fn is_odd(&self) -> Choice;
    /// `b` if `c` is set, else `a`.
    fn select(a: &Self, b: &Self, c: Choice) -> Self;
    /// `self |= src & mask` limb by limb: with `self` starting at zero and exactly one mask
    /// all ones, a table scan that reads every entry ([`crate::mul::scan_masks`]).
    fn or_masked(&mut self, src: &Self, mask: u64);
    /// The element encoded by exactly [`Field::LEN`] big-endian octets, and whether the
    /// value is below p (if not, the element is meaningless and must not be used).
    ///
    /// # Panics
    /// If `bytes.len() != LEN` (callers check lengths first).
    fn from_be_bytes(bytes: &[u8]) -> (Self, Choice);
    /// The canonical big-endian encoding into `out` ([`Field::LEN`] octets).
    ///
    /// # Panics
    /// If `out.len() != LEN`.
    fn write_be_bytes(&self, out: &mut [u8]);
}

/// `acc + a * b + carry` as (low, high) limbs; cannot overflow 128 bits.
#[inline(always)]
pub(crate) const fn mac(acc: u64, a: u64, b: u64, carry: u64) -> (u64, u64) {
    let t = (acc as u128) + (a as u128) * (b as u128) + (carry as u128);
    (t as u64, (t >> 64) as u64)
}

/// `a + b + carry` as (sum, carry out): the carry out is at most 2, and at most 1 when one
/// of the three is 0 or 1.
#[inline(always)]
pub(crate) const fn adc(a: u64, b: u64, carry: u64) -> (u64, u64) {
    let t = (a as u128) + (b as u128) + (carry as u128);
    (t as u64, (t >> 64) as u64)
}

/// `a - b - borrow` as (difference, borrow out in {0, 1}); `borrow` is 0 or 1.
#[inline(always)]
pub(crate) const fn sbb(a: u64, b: u64, borrow: u64) -> (u64, u64) {
    let t = (a as u128).wrapping_sub((b as u128) + (borrow as u128));
    (t as u64, (t >> 127) as u64)
}

/// All ones if `bit` (0 or 1) is 1, else zero. Through `black_box`: an optimiser that sees
/// the mask is 0 or all ones may otherwise turn `x & mask` into a branch on a secret carry
/// (the fate of a masked subtraction in `httpauth-modexp`, caught by its dudect test).
#[inline(always)]
pub(crate) fn mask_from_bit(bit: u64) -> u64 {
    core::hint::black_box(0u64.wrapping_sub(bit))
}

/// All ones if `x == 0`, else zero, without a branch (no `black_box` here: the callers
/// pass a whole array of masks through it once).
#[inline(always)]
pub(crate) fn mask_zero(x: u64) -> u64 {
    ((x | x.wrapping_neg()) >> 63).wrapping_sub(1)
}

/// Parses a big-endian hexadecimal constant of exactly `2 * N` digits at compile time.
pub(crate) const fn hex<const N: usize>(s: &str) -> [u8; N] {
    let b = s.as_bytes();
    assert!(b.len() == 2 * N, "hex constant of the wrong length");
    let mut out = [0u8; N];
    let mut i = 0;
    while i < N {
        out[i] = (nibble(b[2 * i]) << 4) | nibble(b[2 * i + 1]);
        i += 1;
    }
    out
}

const fn nibble(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        b'a'..=b'f' => c - b'a' + 10,
        b'A'..=b'F' => c - b'A' + 10,
        _ => panic!("not a hex digit"),
    }
}
