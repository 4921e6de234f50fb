//! The one place where discrete-logarithm modular arithmetic happens.
//!
//! Everything above this module speaks big-endian byte strings, so the engine underneath
//! can be replaced (issue 6) without touching the protocol code. Today's engine is
//! crypto-bigint's `BoxedMontyForm`: Montgomery multiplication and a fixed-window
//! exponentiation whose running time depends on the exponent's *precision*, never on its
//! value. Intermediate values are wiped on drop (`Zeroizing`), as they may be secret.

use crypto_bigint::modular::{BoxedMontyForm, BoxedMontyParams};
use crypto_bigint::{BoxedUint, Odd};
use zeroize::Zeroizing;

/// A fixed odd modulus with its precomputed Montgomery parameters.
#[derive(Debug, Clone)]
pub(crate) struct ModContext {
    params: BoxedMontyParams,
    bits: u32,
    len: usize,
}

impl ModContext {
    /// A context for the odd modulus `modulus_be` (big-endian, public). `None` if even or zero.
    pub(crate) fn new(modulus_be: &[u8]) -> Option<Self> {
        let bits = limb_bits(modulus_be.len());
        let m = BoxedUint::from_be_slice(&padded(modulus_be, bits), bits).ok()?;
        let odd = Option::<Odd<BoxedUint>>::from(Odd::new(m))?;
        // The modulus is a public constant, so the variable-time setup is fine.
        let params = BoxedMontyParams::new_vartime(odd);
        Some(Self {
            params,
            bits,
            len: modulus_be.len(),
        })
    }

    fn to_uint(&self, x: &[u8]) -> Zeroizing<BoxedUint> {
        // Inputs are at most `len` octets (callers check); longer inputs are a caller bug
        // and are truncated to the precision rather than panicking.
        Zeroizing::new(BoxedUint::from_be_slice_truncated(
            &padded(x, self.bits),
            self.bits,
        ))
    }

    fn to_form(&self, x: &[u8]) -> Zeroizing<BoxedMontyForm> {
        let x = self.to_uint(x);
        // Reduce first (constant time): `BoxedMontyForm::new` expects a reduced integer.
        let reduced = x.rem(self.params.modulus().as_nz_ref());
        Zeroizing::new(BoxedMontyForm::new(reduced, &self.params))
    }

    fn out(&self, f: &BoxedMontyForm) -> Zeroizing<Vec<u8>> {
        let v = Zeroizing::new(f.retrieve());
        let bytes = Zeroizing::new(v.to_be_bytes());
        let skip = bytes.len().saturating_sub(self.len);
        Zeroizing::new(bytes[skip..].to_vec())
    }

    /// `base ^ secret_exp mod m` in time independent of the values of `base` and
    /// `secret_exp` (it depends on `secret_exp.len()` only, which callers fix per group).
    pub(crate) fn pow_ct(&self, base: &[u8], secret_exp: &[u8]) -> Zeroizing<Vec<u8>> {
        let b = self.to_form(base);
        let ebits = limb_bits(secret_exp.len());
        let e = Zeroizing::new(BoxedUint::from_be_slice_truncated(
            &padded(secret_exp, ebits),
            ebits,
        ));
        self.out(&Zeroizing::new(b.pow(&e)))
    }

    /// `base ^ public_exp mod m`. Variable time: leaks the bit length of `public_exp`, which
    /// must be public (t_1, t_2, test oracles).
    pub(crate) fn pow_vartime(&self, base: &[u8], public_exp: &[u8]) -> Vec<u8> {
        let b = self.to_form(base);
        let ebits = limb_bits(public_exp.len());
        let e = BoxedUint::from_be_slice_truncated(&padded(public_exp, ebits), ebits);
        let used = e.bits_vartime();
        self.out(&b.pow_bounded_exp(&e, used)).to_vec()
    }

    /// `a * b mod m`, constant time.
    pub(crate) fn mul(&self, a: &[u8], b: &[u8]) -> Zeroizing<Vec<u8>> {
        self.out(&Zeroizing::new(self.to_form(a).mul(&self.to_form(b))))
    }

    /// `a + b mod m`, constant time.
    pub(crate) fn add(&self, a: &[u8], b: &[u8]) -> Zeroizing<Vec<u8>> {
        self.out(&Zeroizing::new(self.to_form(a).add(&self.to_form(b))))
    }

    /// `a / b mod m` for a prime modulus, constant time; `None` when `b = 0 mod m`.
    pub(crate) fn div(&self, a: &[u8], b: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        let inv = Zeroizing::new(Option::<BoxedMontyForm>::from(self.to_form(b).invert())?);
        Some(self.out(&Zeroizing::new(self.to_form(a).mul(&inv))))
    }
}

/// Bits of precision for a `len`-octet value, rounded up to whole 64-bit limbs.
fn limb_bits(len: usize) -> u32 {
    let bits = (len.max(1) * 8).div_ceil(64) * 64;
    u32::try_from(bits).unwrap_or(u32::MAX)
}

/// Left-pads (or left-truncates) `x` to exactly `bits / 8` octets.
fn padded(x: &[u8], bits: u32) -> Zeroizing<Vec<u8>> {
    let n = (bits / 8) as usize;
    let mut out = Zeroizing::new(vec![0u8; n]);
    if x.len() >= n {
        out.copy_from_slice(&x[x.len() - n..]);
    } else {
        out[n - x.len()..].copy_from_slice(x);
    }
    out
}
