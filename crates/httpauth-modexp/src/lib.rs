#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]
// The workspace's only `unsafe`: denied in this crate except in the `arch` module (CPU-feature detection,
// AVX-512 loads and stores, calls into `#[target_feature]` functions and the `asm!`
// kernels), where every block carries a `// SAFETY:` argument (checked by the lint below)
// and the module documentation gives the soundness argument as a whole.
//
// With the feature `portable-only` the accelerated backends, and with them every `unsafe`
// block, are compiled out (every such item carries
// `cfg(all(target_arch = "x86_64", not(feature = "portable-only")))`): the crate then
// forbids `unsafe` outright, and `Backend::Bmi2Adx` / `Backend::Ifma` are unavailable as
// on a CPU without them.
#![cfg_attr(feature = "portable-only", forbid(unsafe_code))]
#![cfg_attr(not(feature = "portable-only"), deny(unsafe_code))]
#![deny(clippy::undocumented_unsafe_blocks)]

#[cfg_attr(not(feature = "portable-only"), allow(unsafe_code))]
mod arch;
mod comb;
mod ct;
#[cfg(all(target_arch = "x86_64", not(feature = "portable-only")))]
mod ifma;
mod portable;
#[cfg(test)]
mod test_primes;
#[cfg(test)]
mod tests;

use core::fmt;
use zeroize::{Zeroize, Zeroizing};

/// Runs `$body` with `$f` bound to the portable constants, specialised to a compile-time
/// limb count for 2048-bit (32 limbs) and 4096-bit (64 limbs) moduli.
macro_rules! by_limbs {
    ($self:ident, $f:ident => $body:expr) => {
        match $self.m.len() {
            32 => {
                let $f = $self.field::<32>();
                $body
            }
            64 => {
                let $f = $self.field::<64>();
                $body
            }
            _ => {
                let $f = $self.field::<0>();
                $body
            }
        }
    };
}

/// The largest modulus accepted, in bits (8192).
pub const MAX_MODULUS_BITS: usize = 64 * MAX_LIMBS;

/// The longest exponent accepted, in octets (1024, that is 8192 bits).
pub const MAX_EXPONENT_LEN: usize = 1024;

/// Limbs of the largest modulus; sizes the stack buffers of the portable kernel.
const MAX_LIMBS: usize = 128;

/// Errors of the modular-exponentiation engine.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModExpError {
    /// The modulus is even (Montgomery arithmetic needs an odd modulus).
    EvenModulus,
    /// The modulus is smaller than 3.
    ModulusTooSmall,
    /// The modulus is longer than [`MAX_MODULUS_BITS`].
    ModulusTooLarge,
    /// A base or factor is longer than the modulus, or an exponent longer than
    /// [`MAX_EXPONENT_LEN`] octets.
    OperandTooLong,
    /// The requested backend is not available on this CPU or for this modulus size.
    BackendUnavailable,
}

impl fmt::Display for ModExpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::EvenModulus => "modulus is even",
            Self::ModulusTooSmall => "modulus is smaller than 3",
            Self::ModulusTooLarge => "modulus is longer than 8192 bits",
            Self::OperandTooLong => "operand is longer than allowed",
            Self::BackendUnavailable => "backend not available on this cpu or modulus size",
        })
    }
}

impl std::error::Error for ModExpError {}

/// An arithmetic backend, chosen when a context is built ([`ModExp::new`]).
///
/// [`Backend::Auto`] detects CPU features at run time and takes the fastest backend that
/// runs for the modulus; the others force one (differential tests, benchmarks) and make
/// [`ModExp::new`] fail with [`ModExpError::BackendUnavailable`] if the CPU or the modulus
/// size does not allow it.
///
/// With the cargo feature `portable-only` (no `unsafe` in the crate) only
/// [`Backend::Portable`] is compiled in: [`Backend::Bmi2Adx`] and [`Backend::Ifma`] stay
/// in the enum but are never available, exactly as on a CPU that lacks them
/// ([`Backend::is_available`] is false, a forced one is
/// [`ModExpError::BackendUnavailable`], [`Backend::Auto`] resolves to
/// [`Backend::Portable`]). The library never reads the environment: a program that wants
/// a switch reads it itself and passes the result here.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Backend {
    /// The fastest backend this CPU runs for the modulus (IFMA, then BMI2/ADX, then
    /// portable). As an argument of a `*_with` method: the context's own backend.
    #[default]
    Auto,
    /// Safe Rust on 64-bit limbs; runs everywhere.
    Portable,
    /// x86-64 BMI2 (`mulx`) and ADX (`adcx`/`adox`): assembly kernels for 2048- and
    /// 4096-bit moduli, the portable kernel compiled for these features otherwise.
    Bmi2Adx,
    /// AVX-512 IFMA on 52-bit digits (x86-64 AVX-512F + AVX-512 IFMA), moduli up to 4158
    /// bits.
    Ifma,
}

impl Backend {
    /// Every concrete backend (not [`Backend::Auto`]), fastest last.
    pub const ALL: [Backend; 3] = [Backend::Portable, Backend::Bmi2Adx, Backend::Ifma];

    /// Whether this CPU can run the backend (runtime detection, cached by `std`);
    /// [`Backend::Auto`] always can. (IFMA also needs a modulus of at most 4158 bits:
    /// [`ModExp::supports`] checks both.) Always false for [`Backend::Bmi2Adx`] and
    /// [`Backend::Ifma`] off x86-64 and with the feature `portable-only`.
    #[must_use]
    pub fn is_available(self) -> bool {
        match self {
            Backend::Auto | Backend::Portable => true,
            Backend::Bmi2Adx => arch::has_bmi2_adx(),
            Backend::Ifma => arch::has_ifma(),
        }
    }

    /// The fastest concrete backend this CPU supports (whatever the modulus size).
    #[must_use]
    pub fn detect() -> Backend {
        if Backend::Ifma.is_available() {
            Backend::Ifma
        } else if Backend::Bmi2Adx.is_available() {
            Backend::Bmi2Adx
        } else {
            Backend::Portable
        }
    }

    /// The lowercase name (`auto`, `portable`, `adx`, `ifma`), as [`Backend::from_name`]
    /// reads it.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Backend::Auto => "auto",
            Backend::Portable => "portable",
            Backend::Bmi2Adx => "adx",
            Backend::Ifma => "ifma",
        }
    }

    /// The backend named `name` (see [`Backend::name`]), for command-line and
    /// environment switches in programs, tests and benchmarks; `None` if unknown.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Backend> {
        [Backend::Auto]
            .into_iter()
            .chain(Backend::ALL)
            .find(|b| b.name() == name)
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A concrete backend: what a [`Backend`] resolves to for one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kernel {
    Portable,
    #[cfg(all(target_arch = "x86_64", not(feature = "portable-only")))]
    Bmi2Adx,
    #[cfg(all(target_arch = "x86_64", not(feature = "portable-only")))]
    Ifma,
}

/// IFMA constants: `8 v` 52-bit digits per number.
#[cfg(all(target_arch = "x86_64", not(feature = "portable-only")))]
#[derive(Clone)]
struct Ifma52 {
    v: usize,
    m: Vec<[u64; 8]>,
    k0: u64,
    one: Vec<[u64; 8]>,
    rr: Vec<[u64; 8]>,
    /// `fold` (see [`ModExp`]) as digits.
    fold: Option<Vec<[u64; 8]>>,
}

/// A fixed odd modulus with precomputed constants for every backend it supports.
///
/// The modulus is public: the setup runs in variable time. Everything that takes a base or
/// an exponent is constant time unless its name ends in `_vartime`.
///
/// `Clone` is cheap enough and safe: the context holds public constants only.
#[derive(Clone)]
pub struct ModExp {
    /// Modulus length in octets (results have exactly this length).
    len: usize,
    /// Modulus length in bits.
    bits: usize,
    /// Modulus limbs, little-endian.
    m: Vec<u64>,
    /// `-m^-1 mod 2^64`.
    n0: u64,
    /// `2^(64 n) mod m`.
    one: Vec<u64>,
    /// `2^(128 n) mod m`.
    rr: Vec<u64>,
    /// `c = 2^bits - m` when `bits` is a multiple of 64 and `c < 2^(bits - 33)` (true for
    /// the RFC 3526 primes, whose top 64 bits are all ones): enables the base-2 path.
    fold: Option<Vec<u64>>,
    /// IFMA constants when the modulus size allows it (whatever the CPU).
    #[cfg(all(target_arch = "x86_64", not(feature = "portable-only")))]
    ifma: Option<Ifma52>,
    /// The backend used by the methods without `_with`.
    backend: Backend,
    /// Fixed-base comb tables for g = 2, built on first use of [`ModExp::pow_g_ct_with`]
    /// (public values: powers of 2 modulo the public modulus).
    comb: std::sync::OnceLock<comb::Comb>,
    #[cfg(all(target_arch = "x86_64", not(feature = "portable-only")))]
    comb_ifma: std::sync::OnceLock<Vec<[u64; 8]>>,
}

impl fmt::Debug for ModExp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The modulus is public, but long; its size and the backend are what matter.
        f.debug_struct("ModExp")
            .field("bits", &self.bits)
            .field("backend", &self.backend)
            .finish_non_exhaustive()
    }
}

impl ModExp {
    /// A context for the odd modulus `modulus_be` (big-endian, leading zero octets allowed)
    /// on `backend`: [`Backend::Auto`] takes the fastest backend available for this CPU and
    /// modulus size; a concrete backend is used as given.
    ///
    /// # Errors
    ///
    /// [`ModExpError::EvenModulus`], [`ModExpError::ModulusTooSmall`] (below 3) or
    /// [`ModExpError::ModulusTooLarge`] (above [`MAX_MODULUS_BITS`]);
    /// [`ModExpError::BackendUnavailable`] if a concrete `backend` cannot run for this
    /// modulus on this CPU.
    pub fn new(modulus_be: &[u8], backend: Backend) -> Result<Self, ModExpError> {
        let first = modulus_be
            .iter()
            .position(|&b| b != 0)
            .unwrap_or(modulus_be.len());
        let trimmed = &modulus_be[first..];
        if trimmed.len() > MAX_LIMBS * 8 {
            return Err(ModExpError::ModulusTooLarge);
        }
        let n = trimmed.len().div_ceil(8).max(1);
        let m = be_to_limbs(trimmed, n).to_vec();
        let bits = bit_len_vartime(&m);
        if bits < 2 {
            return Err(ModExpError::ModulusTooSmall);
        }
        if m[0] & 1 == 0 {
            return Err(ModExpError::EvenModulus);
        }
        let n0 = neg_inv_u64(m[0]);
        let fold = (bits == 64 * n)
            .then(|| {
                // c = 2^(64 n) - m = two's complement of m in n limbs.
                let mut c = vec![0u64; n];
                let mut borrow = 0;
                for (cl, &ml) in c.iter_mut().zip(&m) {
                    let (d, b) = portable::sbb(0, ml, borrow);
                    *cl = d;
                    borrow = b;
                }
                c
            })
            .filter(|c| bit_len_vartime(c) + 33 <= 64 * n);
        let one = pow2_mod_vartime(64 * n, &m);
        let rr = pow2_mod_vartime(128 * n, &m);
        #[cfg(all(target_arch = "x86_64", not(feature = "portable-only")))]
        let ifma = [5usize, 10]
            .into_iter()
            .find(|&v| 52 * 8 * v >= (bits + 2).max(64 * n))
            .map(|v| {
                let r_bits = 52 * 8 * v;
                let digits = |x: &[u64]| limbs_to_digits(x, v);
                Ifma52 {
                    v,
                    m: digits(&m),
                    k0: n0 & ifma_mask(),
                    one: digits(&pow2_mod_vartime(r_bits, &m)),
                    rr: digits(&pow2_mod_vartime(2 * r_bits, &m)),
                    fold: fold.as_deref().map(digits),
                }
            });
        let mut ctx = Self {
            len: trimmed.len(),
            bits,
            m,
            n0,
            one,
            rr,
            fold,
            #[cfg(all(target_arch = "x86_64", not(feature = "portable-only")))]
            ifma,
            backend: Backend::Portable,
            comb: std::sync::OnceLock::new(),
            #[cfg(all(target_arch = "x86_64", not(feature = "portable-only")))]
            comb_ifma: std::sync::OnceLock::new(),
        };
        ctx.backend = match backend {
            Backend::Auto => Backend::ALL
                .into_iter()
                .rev()
                .find(|&b| ctx.supports(b))
                .unwrap_or(Backend::Portable),
            forced if ctx.supports(forced) => forced,
            _ => return Err(ModExpError::BackendUnavailable),
        };
        Ok(ctx)
    }

    /// Modulus length in bits.
    #[must_use]
    pub fn bits(&self) -> usize {
        self.bits
    }

    /// Modulus length in octets: every result has exactly this length (big-endian).
    #[must_use]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Always `false`: a modulus has at least one octet. (Pairs with [`ModExp::len`].)
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The concrete backend this context runs on (never [`Backend::Auto`]): the methods
    /// without `_with` use it.
    #[must_use]
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Whether `backend` can run for this modulus on this CPU ([`Backend::Auto`] always
    /// can).
    #[must_use]
    pub fn supports(&self, backend: Backend) -> bool {
        // The IFMA representation (at most 4158 bits); never, where IFMA is compiled out.
        #[cfg(all(target_arch = "x86_64", not(feature = "portable-only")))]
        let ifma_fits = self.ifma.is_some();
        #[cfg(any(not(target_arch = "x86_64"), feature = "portable-only"))]
        let ifma_fits = false;
        backend.is_available() && (backend != Backend::Ifma || ifma_fits)
    }

    /// `Auto` as this context's backend; concrete backends as they are.
    fn resolve(&self, backend: Backend) -> Backend {
        match backend {
            Backend::Auto => self.backend,
            concrete => concrete,
        }
    }

    /// The kernel that runs `backend` here, or [`ModExpError::BackendUnavailable`].
    fn kernel(&self, backend: Backend) -> Result<Kernel, ModExpError> {
        let backend = self.resolve(backend);
        if !self.supports(backend) {
            return Err(ModExpError::BackendUnavailable);
        }
        match backend {
            Backend::Portable => Ok(Kernel::Portable),
            #[cfg(all(target_arch = "x86_64", not(feature = "portable-only")))]
            Backend::Bmi2Adx => Ok(Kernel::Bmi2Adx),
            #[cfg(all(target_arch = "x86_64", not(feature = "portable-only")))]
            Backend::Ifma => Ok(Kernel::Ifma),
            // Compiled out: `supports` said no above; kept for the match.
            #[cfg(any(not(target_arch = "x86_64"), feature = "portable-only"))]
            Backend::Bmi2Adx | Backend::Ifma => Err(ModExpError::BackendUnavailable),
            // `resolve` never returns `Auto` (the context's backend is concrete).
            Backend::Auto => Err(ModExpError::BackendUnavailable),
        }
    }

    /// `base^exp mod m` in constant time: the running time depends on the modulus and on
    /// `exp.len()` only, never on the values of `base` or `exp`. Leading zero octets of
    /// `exp` count towards its length, so callers fix the length per group.
    ///
    /// `base` may be any value of at most [`ModExp::len`] octets (it need not be reduced).
    /// `exp` may be empty (the result is then 1). `0^0 = 1`.
    ///
    /// # Errors
    ///
    /// [`ModExpError::OperandTooLong`] if `base` is longer than the modulus or `exp` than
    /// [`MAX_EXPONENT_LEN`].
    pub fn pow_ct(&self, base: &[u8], exp: &[u8]) -> Result<Zeroizing<Vec<u8>>, ModExpError> {
        self.pow_ct_with(self.backend, base, exp)
    }

    /// [`ModExp::pow_ct`] on a chosen backend, for differential tests and benchmarks that compare
    /// backends on one context (sharing its constants and tables); [`Backend::Auto`] is
    /// this context's backend.
    ///
    /// # Errors
    ///
    /// As [`ModExp::pow_ct`], and [`ModExpError::BackendUnavailable`].
    pub fn pow_ct_with(
        &self,
        backend: Backend,
        base: &[u8],
        exp: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, ModExpError> {
        let (kernel, b, e, exp_bits) = self.operands(backend, base, exp)?;
        let n = self.m.len();
        let mut out = Zeroizing::new(vec![0u64; n]);
        match kernel {
            Kernel::Portable => {
                by_limbs!(self, f => portable::pow_ct(&f, &mut out, &b, &e, exp_bits))
            }
            #[cfg(all(target_arch = "x86_64", not(feature = "portable-only")))]
            Kernel::Bmi2Adx => by_limbs!(self, fl => arch_bmi2_adx(
                |f| arch::bmi2_adx_pow_ct(f, &mut out, &b, &e, exp_bits),
                &fl,
            ))?,
            #[cfg(all(target_arch = "x86_64", not(feature = "portable-only")))]
            Kernel::Ifma => {
                self.ifma_pow_ct(&mut out, &b, &e, exp_bits)?;
            }
        }
        Ok(limbs_to_be(&out, self.len))
    }

    /// Two independent constant-time exponentiations, `[base[0]^exp[0], base[1]^exp[1]]`,
    /// interleaved so that each hides the other's latency (the IFMA backend runs both in
    /// one vector loop). The shorter exponent is padded with zero octets on the left, so
    /// the time depends on the longer length only.
    ///
    /// # Errors
    ///
    /// As [`ModExp::pow_ct`].
    pub fn pow_ct_x2(
        &self,
        base: [&[u8]; 2],
        exp: [&[u8]; 2],
    ) -> Result<[Zeroizing<Vec<u8>>; 2], ModExpError> {
        self.pow_ct_x2_with(self.backend, base, exp)
    }

    /// [`ModExp::pow_ct_x2`] on a chosen backend, for differential tests and benchmarks that compare
    /// backends on one context (sharing its constants and tables); [`Backend::Auto`] is
    /// this context's backend.
    ///
    /// # Errors
    ///
    /// As [`ModExp::pow_ct`], and [`ModExpError::BackendUnavailable`].
    pub fn pow_ct_x2_with(
        &self,
        backend: Backend,
        base: [&[u8]; 2],
        exp: [&[u8]; 2],
    ) -> Result<[Zeroizing<Vec<u8>>; 2], ModExpError> {
        let elen = exp[0].len().max(exp[1].len());
        let pad = |e: &[u8]| {
            let mut p = Zeroizing::new(vec![0u8; elen]);
            p[elen - e.len()..].copy_from_slice(e);
            p
        };
        let (e0, e1) = (pad(exp[0]), pad(exp[1]));
        let (kernel, b0, e0, exp_bits) = self.operands(backend, base[0], &e0)?;
        let (_, b1, e1, _) = self.operands(backend, base[1], &e1)?;
        let n = self.m.len();
        let mut o0 = Zeroizing::new(vec![0u64; n]);
        let mut o1 = Zeroizing::new(vec![0u64; n]);
        match kernel {
            Kernel::Portable => by_limbs!(self, f => portable::pow_ct_x2(
                &f,
                [&mut o0, &mut o1],
                [&b0, &b1],
                [&e0, &e1],
                exp_bits,
            )),
            #[cfg(all(target_arch = "x86_64", not(feature = "portable-only")))]
            Kernel::Bmi2Adx => by_limbs!(self, fl => arch_bmi2_adx(
                |f| {
                    arch::bmi2_adx_pow_ct_x2(
                        f,
                        [&mut o0, &mut o1],
                        [&b0, &b1],
                        [&e0, &e1],
                        exp_bits,
                    )
                },
                &fl,
            ))?,
            #[cfg(all(target_arch = "x86_64", not(feature = "portable-only")))]
            Kernel::Ifma => {
                self.ifma_pow_ct_x2([&mut o0, &mut o1], [&b0, &b1], [&e0, &e1], exp_bits)?;
            }
        }
        Ok([limbs_to_be(&o0, self.len), limbs_to_be(&o1, self.len)])
    }

    /// `2^exp mod m` in constant time (g = 2 of the RFC 3526 groups; RFC 8121 K_c1 =
    /// g^S_c1 and J = g^pi). For moduli of the form `2^(64k) - c` with small `c` (all RFC
    /// 3526 primes) each window multiplies by `2^digit` with a constant-time shift and a
    /// fold of the top bits instead of a table multiplication (about 1/6 less work for a
    /// full-size exponent, and no table); other moduli take [`ModExp::pow_ct`] with base 2.
    ///
    /// # Errors
    ///
    /// As [`ModExp::pow_ct`].
    pub fn pow2_ct(&self, exp: &[u8]) -> Result<Zeroizing<Vec<u8>>, ModExpError> {
        self.pow2_ct_with(self.backend, exp)
    }

    /// [`ModExp::pow2_ct`] on a chosen backend, for differential tests and benchmarks that compare
    /// backends on one context (sharing its constants and tables); [`Backend::Auto`] is
    /// this context's backend.
    ///
    /// # Errors
    ///
    /// As [`ModExp::pow_ct`], and [`ModExpError::BackendUnavailable`].
    pub fn pow2_ct_with(
        &self,
        backend: Backend,
        exp: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, ModExpError> {
        let Some(c) = self.fold.as_deref() else {
            return self.pow_ct_with(backend, &[2], exp);
        };
        let (kernel, _, e, exp_bits) = self.operands(backend, &[], exp)?;
        let n = self.m.len();
        let mut out = Zeroizing::new(vec![0u64; n]);
        match kernel {
            Kernel::Portable => {
                by_limbs!(self, f => portable::pow2_ct(&f, c, &mut out, &e, exp_bits))
            }
            #[cfg(all(target_arch = "x86_64", not(feature = "portable-only")))]
            Kernel::Bmi2Adx => by_limbs!(self, fl => arch_bmi2_adx(
                |f| arch::bmi2_adx_pow2_ct(f, c, &mut out, &e, exp_bits),
                &fl,
            ))?,
            #[cfg(all(target_arch = "x86_64", not(feature = "portable-only")))]
            Kernel::Ifma => self.ifma_pow2_ct(&mut out, &e, exp_bits)?,
        }
        Ok(limbs_to_be(&out, self.len))
    }

    /// `2^exp mod m` in constant time by the fixed-base comb (`comb.rs`: Lim-Lee, 5 teeth,
    /// 4 tables of 32 entries, every lookup scans its whole table) on the portable kernel.
    /// The tables cover exponents up to the modulus length; they are built on the first
    /// call (about `bits` squarings) and kept in this context. Time depends on the modulus
    /// only, not on `exp` (longer exponents than the modulus fall back to
    /// [`ModExp::pow2_ct_with`] on the portable backend).
    ///
    /// # Errors
    ///
    /// As [`ModExp::pow_ct`].
    pub fn pow2_comb_ct(&self, exp: &[u8]) -> Result<Zeroizing<Vec<u8>>, ModExpError> {
        let (_, _, e, exp_bits) = self.operands(Backend::Portable, &[], exp)?;
        let comb = self.comb.get_or_init(|| comb::Comb::new(self, self.bits));
        if exp_bits > comb.max_bits() {
            return self.pow2_ct_with(Backend::Portable, exp);
        }
        let mut out = Zeroizing::new(vec![0u64; self.m.len()]);
        comb.pow2_ct(self, &mut out, &e);
        Ok(limbs_to_be(&out, self.len))
    }

    /// `g^exp mod m` for g = 2 in constant time by the fastest method for this context's
    /// backend: [`ModExp::pow_g_ct_with`] on [`ModExp::backend`].
    ///
    /// # Errors
    ///
    /// As [`ModExp::pow_ct`].
    pub fn pow_g_ct(&self, exp: &[u8]) -> Result<Zeroizing<Vec<u8>>, ModExpError> {
        self.pow_g_ct_with(self.backend, exp)
    }

    /// `g^exp mod m` for g = 2 in constant time by the fastest method measured for
    /// `backend` (README.md): for exponents longer than a third of the modulus (where
    /// the comb's fixed cost of about `bits / 4` multiplications wins) the fixed-base comb,
    /// on IFMA arithmetic (`ifma::Job::CombCt`, tables converted once to the AMM domain)
    /// or on the portable kernel ([`ModExp::pow2_comb_ct`]); else
    /// [`ModExp::pow2_ct_with`]. The choice depends on `backend` and `exp.len()` only,
    /// both public.
    ///
    /// # Errors
    ///
    /// As [`ModExp::pow_ct`], and [`ModExpError::BackendUnavailable`].
    pub fn pow_g_ct_with(
        &self,
        backend: Backend,
        exp: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, ModExpError> {
        let backend = self.resolve(backend);
        // IFMA: the comb on AMM arithmetic (`ifma::Job::CombCt`) for long exponents.
        #[cfg(all(target_arch = "x86_64", not(feature = "portable-only")))]
        if backend == Backend::Ifma
            && self.supports(backend)
            && 8 * exp.len() <= self.bits
            && 8 * exp.len() * 3 >= self.bits
        {
            let (c, f) = self.ifma_consts()?;
            let comb = self.comb.get_or_init(|| comb::Comb::new(self, self.bits));
            let tables = self.comb_ifma.get_or_init(|| {
                let r52 = digits_to_limbs(&c.one, self.m.len());
                comb.ifma_tables(self, &r52, c.v)
            });
            let (_, _, e, _) = self.operands(backend, &[], exp)?;
            let mut res = Zeroizing::new(vec![[0u64; 8]; c.v]);
            arch::ifma_run(ifma::Job::CombCt {
                f: &f,
                tables,
                hvb: comb.hvb(),
                out: &mut res,
                exp: &e,
            })
            .ok_or(ModExpError::BackendUnavailable)?;
            let mut out = Zeroizing::new(vec![0u64; self.m.len()]);
            self.ifma_finish(&mut out, &res);
            return Ok(limbs_to_be(&out, self.len));
        }
        if backend == Backend::Ifma || 8 * exp.len() * 3 < self.bits || !self.supports(backend) {
            return self.pow2_ct_with(backend, exp);
        }
        self.pow2_comb_ct(exp)
    }

    /// `base^exp mod m` in variable time: the time depends on the bit length of `exp` and
    /// on its bits. **Only for public `base` and `exp`** (t_1, t_2, validation, tests).
    ///
    /// # Errors
    ///
    /// As [`ModExp::pow_ct`].
    pub fn pow_vartime(&self, base: &[u8], exp: &[u8]) -> Result<Vec<u8>, ModExpError> {
        self.pow_vartime_with(self.backend, base, exp)
    }

    /// [`ModExp::pow_vartime`] on a chosen backend, for differential tests and benchmarks that compare
    /// backends on one context (sharing its constants and tables); [`Backend::Auto`] is
    /// this context's backend.
    ///
    /// # Errors
    ///
    /// As [`ModExp::pow_ct`], and [`ModExpError::BackendUnavailable`].
    pub fn pow_vartime_with(
        &self,
        backend: Backend,
        base: &[u8],
        exp: &[u8],
    ) -> Result<Vec<u8>, ModExpError> {
        let (kernel, b, e, _) = self.operands(backend, base, exp)?;
        let n = self.m.len();
        let mut out = vec![0u64; n];
        match kernel {
            Kernel::Portable => by_limbs!(self, f => portable::pow_vartime(&f, &mut out, &b, &e)),
            #[cfg(all(target_arch = "x86_64", not(feature = "portable-only")))]
            Kernel::Bmi2Adx => by_limbs!(self, fl => arch_bmi2_adx(
                |f| arch::bmi2_adx_pow_vartime(f, &mut out, &b, &e),
                &fl,
            ))?,
            #[cfg(all(target_arch = "x86_64", not(feature = "portable-only")))]
            Kernel::Ifma => self.ifma_pow_vartime(&mut out, &b, &e)?,
        }
        Ok(limbs_to_be(&out, self.len).to_vec())
    }

    /// `a * b mod m` in constant time (portable kernel; a multiplication is cheap next to
    /// an exponentiation).
    ///
    /// # Errors
    ///
    /// [`ModExpError::OperandTooLong`] if `a` or `b` is longer than the modulus.
    pub fn mul(&self, a: &[u8], b: &[u8]) -> Result<Zeroizing<Vec<u8>>, ModExpError> {
        let n = self.m.len();
        if a.len() > self.len || b.len() > self.len {
            return Err(ModExpError::OperandTooLong);
        }
        let a = be_to_limbs(a, n);
        let mut b = be_to_limbs(b, n);
        let f = self.field::<0>();
        // Montgomery multiplication needs one factor below m: reduce b first (b * R / R).
        let mut b_red = Zeroizing::new(vec![0u64; n]);
        portable::mul_mod(&f, &mut b_red, &b, &one_limbs(n));
        b.zeroize();
        let mut out = Zeroizing::new(vec![0u64; n]);
        portable::mul_mod(&f, &mut out, &a, &b_red);
        Ok(limbs_to_be(&out, self.len))
    }

    fn field<const N: usize>(&self) -> portable::Field<'_, N> {
        portable::Field {
            m: &self.m,
            n0: self.n0,
            one: &self.one,
            rr: &self.rr,
        }
    }

    /// Checks lengths and availability; base and exponent as little-endian limbs.
    #[allow(clippy::type_complexity)]
    fn operands(
        &self,
        backend: Backend,
        base: &[u8],
        exp: &[u8],
    ) -> Result<(Kernel, Zeroizing<Vec<u64>>, Zeroizing<Vec<u64>>, usize), ModExpError> {
        if base.len() > self.len || exp.len() > MAX_EXPONENT_LEN {
            return Err(ModExpError::OperandTooLong);
        }
        let kernel = self.kernel(backend)?;
        let b = be_to_limbs(base, self.m.len());
        let e = be_to_limbs(exp, exp.len().div_ceil(8).max(1));
        Ok((kernel, b, e, 8 * exp.len()))
    }

    #[cfg(all(target_arch = "x86_64", not(feature = "portable-only")))]
    fn ifma_consts(&self) -> Result<(&Ifma52, ifma::Field52<'_>), ModExpError> {
        let c = self.ifma.as_ref().ok_or(ModExpError::BackendUnavailable)?;
        let f = ifma::Field52 {
            v: c.v,
            m: &c.m,
            k0: c.k0,
            one: &c.one,
            rr: &c.rr,
        };
        Ok((c, f))
    }

    /// The IFMA result (`<= m`, digits) as reduced limbs in `out`.
    #[cfg(all(target_arch = "x86_64", not(feature = "portable-only")))]
    fn ifma_finish(&self, out: &mut [u64], digits: &[[u64; 8]]) {
        let n = self.m.len();
        let t = digits_to_limbs(digits, n);
        portable::final_sub::<0>(out, &t, 0, &self.m);
    }

    #[cfg(all(target_arch = "x86_64", not(feature = "portable-only")))]
    fn ifma_pow_ct(
        &self,
        out: &mut [u64],
        b: &[u64],
        e: &[u64],
        exp_bits: usize,
    ) -> Result<(), ModExpError> {
        let (c, f) = self.ifma_consts()?;
        let base = Zeroizing::new(limbs_to_digits(b, c.v));
        let mut res = Zeroizing::new(vec![[0u64; 8]; c.v]);
        arch::ifma_run(ifma::Job::PowCt {
            f: &f,
            out: &mut res,
            base: &base,
            exp: e,
            exp_bits,
        })
        .ok_or(ModExpError::BackendUnavailable)?;
        self.ifma_finish(out, &res);
        Ok(())
    }

    #[cfg(all(target_arch = "x86_64", not(feature = "portable-only")))]
    fn ifma_pow_ct_x2(
        &self,
        out: [&mut [u64]; 2],
        b: [&[u64]; 2],
        e: [&[u64]; 2],
        exp_bits: usize,
    ) -> Result<(), ModExpError> {
        let (c, f) = self.ifma_consts()?;
        let b0 = Zeroizing::new(limbs_to_digits(b[0], c.v));
        let b1 = Zeroizing::new(limbs_to_digits(b[1], c.v));
        let mut r0 = Zeroizing::new(vec![[0u64; 8]; c.v]);
        let mut r1 = Zeroizing::new(vec![[0u64; 8]; c.v]);
        arch::ifma_run(ifma::Job::PowCtX2 {
            f: &f,
            out: [&mut r0, &mut r1],
            base: [&b0, &b1],
            exp: e,
            exp_bits,
        })
        .ok_or(ModExpError::BackendUnavailable)?;
        let [o0, o1] = out;
        self.ifma_finish(o0, &r0);
        self.ifma_finish(o1, &r1);
        Ok(())
    }

    #[cfg(all(target_arch = "x86_64", not(feature = "portable-only")))]
    fn ifma_pow2_ct(&self, out: &mut [u64], e: &[u64], exp_bits: usize) -> Result<(), ModExpError> {
        let (c, f) = self.ifma_consts()?;
        let fold = c.fold.as_deref().ok_or(ModExpError::BackendUnavailable)?;
        let mut res = Zeroizing::new(vec![[0u64; 8]; c.v]);
        arch::ifma_run(ifma::Job::Pow2Ct {
            f: &f,
            c: fold,
            b_bits: self.bits,
            out: &mut res,
            exp: e,
            exp_bits,
        })
        .ok_or(ModExpError::BackendUnavailable)?;
        self.ifma_finish(out, &res);
        Ok(())
    }

    #[cfg(all(target_arch = "x86_64", not(feature = "portable-only")))]
    fn ifma_pow_vartime(&self, out: &mut [u64], b: &[u64], e: &[u64]) -> Result<(), ModExpError> {
        let (c, f) = self.ifma_consts()?;
        let base = limbs_to_digits(b, c.v);
        let mut res = vec![[0u64; 8]; c.v];
        arch::ifma_run(ifma::Job::PowVartime {
            f: &f,
            out: &mut res,
            base: &base,
            exp: e,
        })
        .ok_or(ModExpError::BackendUnavailable)?;
        self.ifma_finish(out, &res);
        Ok(())
    }
}

/// Runs a BMI2/ADX trampoline, mapping "not available" to the error.
#[cfg(all(target_arch = "x86_64", not(feature = "portable-only")))]
fn arch_bmi2_adx<'f, const N: usize>(
    run: impl FnOnce(&portable::Field<'f, N>) -> Option<()>,
    f: &portable::Field<'f, N>,
) -> Result<(), ModExpError> {
    run(f).ok_or(ModExpError::BackendUnavailable)
}

/// `2^52 - 1`.
#[cfg(all(target_arch = "x86_64", not(feature = "portable-only")))]
fn ifma_mask() -> u64 {
    (1 << 52) - 1
}

/// Window width for a constant-time exponentiation with an `exp_bits`-bit exponent:
/// minimises squarings + multiplications + table work (2^w entries built and scanned).
fn window_bits(exp_bits: usize) -> u32 {
    match exp_bits {
        0..=96 => 3,
        97..=384 => 4,
        385..=2600 => 5,
        _ => 6,
    }
}

/// The windows of an exponent from the most significant: `ceil(bits / w)` digits of `w`
/// bits each (the top one zero-padded). The number and positions of the windows depend on
/// `bits` only.
struct Windows<'a> {
    exp: &'a [u64],
    w: usize,
    remaining: usize,
}

impl<'a> Windows<'a> {
    fn new(exp: &'a [u64], bits: usize, w: u32) -> Self {
        let w = w as usize;
        Self {
            exp,
            w,
            remaining: bits.div_ceil(w),
        }
    }
}

impl Iterator for Windows<'_> {
    type Item = usize;

    fn next(&mut self) -> Option<usize> {
        self.remaining = self.remaining.checked_sub(1)?;
        let pos = self.remaining * self.w;
        let (limb, off) = (pos / 64, pos % 64);
        let lo = self.exp.get(limb).copied().unwrap_or(0) >> off;
        let hi = if off + self.w > 64 {
            self.exp.get(limb + 1).copied().unwrap_or(0) << (64 - off)
        } else {
            0
        };
        Some(((lo | hi) & ((1u64 << self.w) - 1)) as usize)
    }
}

/// Bit length of a little-endian limb string. Variable time: public values only.
fn bit_len_vartime(x: &[u64]) -> usize {
    x.iter()
        .rposition(|&l| l != 0)
        .map_or(0, |i| 64 * i + 64 - x[i].leading_zeros() as usize)
}

/// `-m0^-1 mod 2^64` for odd `m0`, by Newton iteration (each step doubles the correct bits:
/// 1 -> 2 -> 4 -> ... -> 64; `m0` itself is correct to 3 bits since m0 * m0 = 1 mod 8).
fn neg_inv_u64(m0: u64) -> u64 {
    let mut inv = m0;
    for _ in 0..5 {
        inv = inv.wrapping_mul(2u64.wrapping_sub(m0.wrapping_mul(inv)));
    }
    inv.wrapping_neg()
}

/// `2^k mod m` by doubling and subtracting. Variable time; public modulus only.
fn pow2_mod_vartime(k: usize, m: &[u64]) -> Vec<u64> {
    let n = m.len();
    let mut x = vec![0u64; n];
    x[0] = 1;
    // m >= 3, so 1 < m already.
    for _ in 0..k {
        let mut carry = 0;
        for l in x.iter_mut() {
            let top = *l >> 63;
            *l = (*l << 1) | carry;
            carry = top;
        }
        if carry == 1 || !less_vartime(&x, m) {
            let mut borrow = 0;
            for (xl, &ml) in x.iter_mut().zip(m) {
                let (d, b) = portable::sbb(*xl, ml, borrow);
                *xl = d;
                borrow = b;
            }
        }
    }
    x
}

fn less_vartime(a: &[u64], b: &[u64]) -> bool {
    for (x, y) in a.iter().rev().zip(b.iter().rev()) {
        if x != y {
            return x < y;
        }
    }
    false
}

fn one_limbs(n: usize) -> Vec<u64> {
    let mut v = vec![0u64; n];
    v[0] = 1;
    v
}

/// Big-endian octets (at most `8 n`) to `n` little-endian limbs.
fn be_to_limbs(bytes: &[u8], n: usize) -> Zeroizing<Vec<u64>> {
    let mut out = Zeroizing::new(vec![0u64; n]);
    for (i, &b) in bytes.iter().rev().enumerate().take(8 * n) {
        out[i / 8] |= u64::from(b) << (8 * (i % 8));
    }
    out
}

/// Little-endian limbs to exactly `len` big-endian octets (higher octets dropped; callers
/// pass values below the modulus, which has `len` octets).
fn limbs_to_be(limbs: &[u64], len: usize) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(vec![0u8; len]);
    for (i, o) in out.iter_mut().rev().enumerate() {
        *o = limbs.get(i / 8).map_or(0, |l| (l >> (8 * (i % 8))) as u8);
    }
    out
}

/// 64-bit limbs to `8 v` 52-bit digits (bits above `52 * 8 v` dropped).
#[cfg(all(target_arch = "x86_64", not(feature = "portable-only")))]
fn limbs_to_digits(limbs: &[u64], v: usize) -> Vec<[u64; 8]> {
    let mut out = vec![[0u64; 8]; v];
    for (i, d) in out.as_flattened_mut().iter_mut().enumerate() {
        let pos = 52 * i;
        let (l, off) = (pos / 64, pos % 64);
        let lo = limbs.get(l).copied().unwrap_or(0) >> off;
        let hi = if off > 12 {
            limbs.get(l + 1).copied().unwrap_or(0) << (64 - off)
        } else {
            0
        };
        *d = (lo | hi) & ifma_mask();
    }
    out
}

/// Normalised 52-bit digits to `n` 64-bit limbs (bits above `64 n` dropped).
#[cfg(all(target_arch = "x86_64", not(feature = "portable-only")))]
fn digits_to_limbs(digits: &[[u64; 8]], n: usize) -> Zeroizing<Vec<u64>> {
    let mut out = Zeroizing::new(vec![0u64; n]);
    for (i, &d) in digits.as_flattened().iter().enumerate() {
        let pos = 52 * i;
        let (l, off) = (pos / 64, pos % 64);
        if let Some(x) = out.get_mut(l) {
            *x |= d << off;
        }
        if let Some(x) = out.get_mut(l + 1).filter(|_| off > 12) {
            *x |= d >> (64 - off);
        }
    }
    out
}
