//! The one place where discrete-logarithm modular arithmetic happens.
//!
//! Everything above this module speaks big-endian byte strings. Exponentiations and
//! multiplications run on the `httpauth-modexp` engine (AVX-512 IFMA, BMI2/ADX or portable
//! Montgomery arithmetic, constant time in secrets, with fixed-base paths for the generator
//! g = 2); addition and inversion, which the protocol needs once per exchange, use
//! crypto-bigint's `BoxedMontyForm`. Intermediate values are wiped on drop (`Zeroizing`),
//! as they may be secret.
//!
//! The engine backend is a constructor argument: the process-wide groups take the one set
//! by [`crate::hazmat::set_dl_backend`] (tests and benchmarks), [`Backend::Auto`]
//! otherwise. Nothing here reads the environment.

use crypto_bigint::modular::{BoxedMontyForm, BoxedMontyParams};
use crypto_bigint::{BoxedUint, Odd};
use httpauth_modexp::{Backend, ModExp};
use zeroize::Zeroizing;

/// A fixed odd modulus with its precomputed Montgomery parameters.
#[derive(Debug, Clone)]
pub(crate) struct ModContext {
    params: BoxedMontyParams,
    bits: u32,
    len: usize,
    engine: ModExp,
}

impl ModContext {
    /// A context for the odd modulus `modulus_be` (big-endian, public) on the engine
    /// `backend`; a backend this CPU cannot run for the modulus falls back to
    /// [`Backend::Auto`]. `None` if the modulus is even or zero.
    pub(crate) fn new(modulus_be: &[u8], backend: Backend) -> Option<Self> {
        let bits = limb_bits(modulus_be.len());
        let m = BoxedUint::from_be_slice(&padded(modulus_be, bits), bits).ok()?;
        let odd = Option::<Odd<BoxedUint>>::from(Odd::new(m))?;
        // The modulus is a public constant, so the variable-time setup is fine.
        let params = BoxedMontyParams::new_vartime(odd);
        let engine = ModExp::new(modulus_be, backend)
            .or_else(|_| ModExp::new(modulus_be, Backend::Auto))
            .ok()?;
        Some(Self {
            params,
            bits,
            len: modulus_be.len(),
            engine,
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
    /// The generator 2 takes the engine's fastest fixed-base path for the backend
    /// (`ModExp::pow_g_ct`: the comb or shift-and-fold, whichever is faster there).
    pub(crate) fn pow_ct(&self, base: &[u8], secret_exp: &[u8]) -> Zeroizing<Vec<u8>> {
        let r = if base == [2] {
            self.engine.pow_g_ct(secret_exp)
        } else {
            self.engine.pow_ct(base, secret_exp)
        };
        // The engine refuses only operands longer than the modulus or exponents over 8192
        // bits, which callers rule out; fall back rather than panic if one slips through.
        r.unwrap_or_else(|_| self.pow_ct_fallback(base, secret_exp))
    }

    /// `[base[0]^secret_exp[0], base[1]^secret_exp[1]]`, both constant time, as one batched
    /// pair (`ModExp::pow_ct_x2`: on IFMA the two run interleaved in one vector loop). Time
    /// depends on the longer exponent length only.
    pub(crate) fn pow_ct_x2(
        &self,
        base: [&[u8]; 2],
        secret_exp: [&[u8]; 2],
    ) -> [Zeroizing<Vec<u8>>; 2] {
        self.engine.pow_ct_x2(base, secret_exp).unwrap_or_else(|_| {
            [
                self.pow_ct_fallback(base[0], secret_exp[0]),
                self.pow_ct_fallback(base[1], secret_exp[1]),
            ]
        })
    }

    /// The engine backend this context runs on.
    pub(crate) fn backend(&self) -> Backend {
        self.engine.backend()
    }

    /// crypto-bigint's constant-time exponentiation (the engine's fallback).
    fn pow_ct_fallback(&self, base: &[u8], secret_exp: &[u8]) -> Zeroizing<Vec<u8>> {
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
        if let Ok(r) = self.engine.pow_vartime(base, public_exp) {
            return r.to_vec();
        }
        let b = self.to_form(base);
        let ebits = limb_bits(public_exp.len());
        let e = BoxedUint::from_be_slice_truncated(&padded(public_exp, ebits), ebits);
        let used = e.bits_vartime();
        self.out(&b.pow_bounded_exp(&e, used)).to_vec()
    }

    /// `a * b mod m`, constant time.
    pub(crate) fn mul(&self, a: &[u8], b: &[u8]) -> Zeroizing<Vec<u8>> {
        match self.engine.mul(a, b) {
            Ok(r) => r,
            Err(_) => self.out(&Zeroizing::new(self.to_form(a).mul(&self.to_form(b)))),
        }
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
