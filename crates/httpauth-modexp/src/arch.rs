//! The only module of the engine that contains `unsafe`: CPU-feature detection, the vector
//! loads and stores used by the IFMA kernel, the calls into `#[target_feature]`
//! functions, and (in the `adx` submodule) the `asm!` Montgomery kernels.
//!
//! # Soundness argument (summary; the full text is in the crate README)
//!
//! There are exactly three kinds of `unsafe` block here:
//!
//! 1. **Calling a `#[target_feature]` function** (`bmi2,adx`, `bmi2,adx,avx2` or
//!    `avx512f,avx512ifma`). This is undefined behaviour only if the CPU lacks the
//!    feature. Every such call is preceded, in the same function, by
//!    `is_x86_feature_detected!` for every feature the callee enables (for BMI2 and ADX
//!    through `adx::Adx::new`, which returns `None` unless both are detected), and
//!    returns `None` without calling when one is missing. The callees themselves are safe
//!    Rust apart from (2) and (3).
//! 2. **`_mm512_loadu_si512` from a `&[u64; 8]`** and **`_mm512_storeu_si512` into a
//!    `&mut [u64; 8]`**. The unaligned forms have no alignment requirement; the pointer
//!    comes from a reference to exactly 64 bytes, so all 64 bytes are valid for reads
//!    (resp. writes, through a unique reference), and `u64` has no invalid bit patterns.
//!    These helpers themselves enable `avx512f`, so they are only callable from code that
//!    has it (the compiler enforces that: calling them elsewhere would need `unsafe`).
//! 3. **`asm!` blocks in `adx`** (`mulx`, `adcx`, `adox`, `shrx`): each sits in a function
//!    that takes an `adx::Features` value, which only `adx::Adx::new` constructs after
//!    detecting BMI2 and ADX; each reads and writes memory only through the pointers of
//!    the slices it is passed, within lengths asserted just before the block; it writes
//!    only declared output registers and the flags; `nostack` holds (no push, pop or
//!    call). Each block's `// SAFETY:` comment lists exactly what it touches.
//!
//! Nothing else: no raw pointer arithmetic outside the `asm!` blocks, no transmute, no FFI.
//!
//! With the feature `portable-only` (and off x86-64) none of this is compiled: only the
//! stand-ins at the end, which contain no `unsafe`, and the crate forbids `unsafe_code`.

#[cfg(all(target_arch = "x86_64", not(feature = "portable-only")))]
pub(super) use x86::*;

// The hand-scheduled `mulx`/`adcx`/`adox` Montgomery kernels (the only `asm!`).
#[cfg(all(target_arch = "x86_64", not(feature = "portable-only")))]
pub(super) mod adx;

#[cfg(all(target_arch = "x86_64", not(feature = "portable-only")))]
mod x86 {
    use super::super::{ifma, portable};
    use super::adx::Adx;
    use core::arch::x86_64::{__m512i, _mm512_loadu_si512, _mm512_storeu_si512};

    /// Whether the CPU has BMI2 (`mulx`) and ADX (`adcx`/`adox`).
    pub(in super::super) fn has_bmi2_adx() -> bool {
        std::is_x86_feature_detected!("bmi2") && std::is_x86_feature_detected!("adx")
    }

    /// Whether the CPU has AVX-512 F and AVX-512 IFMA (`vpmadd52luq`/`vpmadd52huq`).
    pub(in super::super) fn has_ifma() -> bool {
        std::is_x86_feature_detected!("avx512f") && std::is_x86_feature_detected!("avx512ifma")
    }

    /// Loads eight limbs into a vector register.
    #[inline]
    #[target_feature(enable = "avx512f")]
    pub(in super::super) fn load(a: &[u64; 8]) -> __m512i {
        // SAFETY: (2) in the module doc: `a` is a valid reference to 64 readable bytes; the
        // unaligned load has no alignment precondition; avx512f is enabled on this function.
        unsafe { _mm512_loadu_si512(a.as_ptr().cast()) }
    }

    /// Stores a vector register into eight limbs.
    #[inline]
    #[target_feature(enable = "avx512f")]
    pub(in super::super) fn store(out: &mut [u64; 8], x: __m512i) {
        // SAFETY: (2) in the module doc: `out` is a unique reference to 64 writable bytes;
        // the unaligned store has no alignment precondition; any bit pattern is a valid u64.
        unsafe { _mm512_storeu_si512(out.as_mut_ptr().cast(), x) }
    }

    // ---- The BMI2/ADX backend: the exponentiation loops of `portable` with the asm kernels
    // of `adx` (mulx/adcx/adox), compiled with bmi2 and adx enabled so the remaining
    // Rust (conversions, final subtractions, sizes without asm kernels) may use them too.
    //
    // These are safe functions; the attribute only changes code generation. They are
    // private: the only callers are the checked trampolines below, which first obtain an
    // `Adx` (whose only constructor checks the CPU features).

    #[target_feature(enable = "bmi2,adx")]
    fn adx_pow_ct<const N: usize>(
        k: &mut Adx,
        f: &portable::Field<'_, N>,
        out: &mut [u64],
        base: &[u64],
        exp: &[u64],
        exp_bits: usize,
    ) {
        portable::pow_ct_k(k, f, out, base, exp, exp_bits);
    }

    /// As `adx_pow_ct`, also compiled for AVX2: the constant-time table scans (every
    /// entry read for every lookup) then move 32 bytes per instruction.
    #[target_feature(enable = "bmi2,adx,avx2")]
    fn adx_avx2_pow_ct<const N: usize>(
        k: &mut Adx,
        f: &portable::Field<'_, N>,
        out: &mut [u64],
        base: &[u64],
        exp: &[u64],
        exp_bits: usize,
    ) {
        portable::pow_ct_k(k, f, out, base, exp, exp_bits);
    }

    /// As `adx_pow_ct_x2`, also compiled for AVX2 (see `adx_avx2_pow_ct`).
    #[target_feature(enable = "bmi2,adx,avx2")]
    fn adx_avx2_pow_ct_x2<const N: usize>(
        k: &mut Adx,
        f: &portable::Field<'_, N>,
        out: [&mut [u64]; 2],
        base: [&[u64]; 2],
        exp: [&[u64]; 2],
        exp_bits: usize,
    ) {
        portable::pow_ct_x2_k(k, f, out, base, exp, exp_bits);
    }

    #[target_feature(enable = "bmi2,adx")]
    fn adx_pow_ct_x2<const N: usize>(
        k: &mut Adx,
        f: &portable::Field<'_, N>,
        out: [&mut [u64]; 2],
        base: [&[u64]; 2],
        exp: [&[u64]; 2],
        exp_bits: usize,
    ) {
        portable::pow_ct_x2_k(k, f, out, base, exp, exp_bits);
    }

    #[target_feature(enable = "bmi2,adx")]
    fn adx_pow_vartime<const N: usize>(
        k: &mut Adx,
        f: &portable::Field<'_, N>,
        out: &mut [u64],
        base: &[u64],
        exp: &[u64],
    ) {
        portable::pow_vartime_k(k, f, out, base, exp);
    }

    #[target_feature(enable = "bmi2,adx")]
    fn adx_pow2_ct<const N: usize>(
        k: &mut Adx,
        f: &portable::Field<'_, N>,
        c: &[u64],
        out: &mut [u64],
        exp: &[u64],
        exp_bits: usize,
    ) {
        portable::pow2_ct_k(k, f, c, out, exp, exp_bits);
    }

    /// [`portable::pow_ct_k`] with the BMI2/ADX kernel; `None` if the CPU lacks BMI2/ADX.
    pub(in super::super) fn bmi2_adx_pow_ct<const N: usize>(
        f: &portable::Field<'_, N>,
        out: &mut [u64],
        base: &[u64],
        exp: &[u64],
        exp_bits: usize,
    ) -> Option<()> {
        let mut k = Adx::new()?;
        if std::is_x86_feature_detected!("avx2") {
            // SAFETY: (1): `Adx::new` returned `Some`, so bmi2 and adx were detected, and
            // avx2 was detected just above.
            unsafe { adx_avx2_pow_ct(&mut k, f, out, base, exp, exp_bits) };
        } else {
            // SAFETY: (1): `Adx::new` returned `Some`, so bmi2 and adx were detected.
            unsafe { adx_pow_ct(&mut k, f, out, base, exp, exp_bits) };
        }
        Some(())
    }

    /// [`portable::pow_ct_x2_k`] with the BMI2/ADX kernel; `None` if the CPU lacks them.
    pub(in super::super) fn bmi2_adx_pow_ct_x2<const N: usize>(
        f: &portable::Field<'_, N>,
        out: [&mut [u64]; 2],
        base: [&[u64]; 2],
        exp: [&[u64]; 2],
        exp_bits: usize,
    ) -> Option<()> {
        let mut k = Adx::new()?;
        if std::is_x86_feature_detected!("avx2") {
            // SAFETY: (1): `Adx::new` returned `Some`, so bmi2 and adx were detected, and
            // avx2 was detected just above.
            unsafe { adx_avx2_pow_ct_x2(&mut k, f, out, base, exp, exp_bits) };
        } else {
            // SAFETY: (1): `Adx::new` returned `Some`, so bmi2 and adx were detected.
            unsafe { adx_pow_ct_x2(&mut k, f, out, base, exp, exp_bits) };
        }
        Some(())
    }

    /// [`portable::pow2_ct_k`] with the BMI2/ADX kernel; `None` if the CPU lacks them.
    pub(in super::super) fn bmi2_adx_pow2_ct<const N: usize>(
        f: &portable::Field<'_, N>,
        c: &[u64],
        out: &mut [u64],
        exp: &[u64],
        exp_bits: usize,
    ) -> Option<()> {
        let mut k = Adx::new()?;
        // SAFETY: (1): `Adx::new` returned `Some`, so bmi2 and adx were detected.
        unsafe { adx_pow2_ct(&mut k, f, c, out, exp, exp_bits) };
        Some(())
    }

    /// [`portable::pow_vartime_k`] with the BMI2/ADX kernel; `None` if the CPU lacks them.
    pub(in super::super) fn bmi2_adx_pow_vartime<const N: usize>(
        f: &portable::Field<'_, N>,
        out: &mut [u64],
        base: &[u64],
        exp: &[u64],
    ) -> Option<()> {
        let mut k = Adx::new()?;
        // SAFETY: (1): `Adx::new` returned `Some`, so bmi2 and adx were detected.
        unsafe { adx_pow_vartime(&mut k, f, out, base, exp) };
        Some(())
    }

    /// Runs one IFMA job; `None` (and nothing written) if the CPU lacks avx512f/avx512ifma.
    pub(in super::super) fn ifma_run(job: ifma::Job<'_>) -> Option<()> {
        if !has_ifma() {
            return None;
        }
        // SAFETY: (1): avx512f and avx512ifma were detected just above, and `ifma::run`
        // enables exactly those two features.
        unsafe { ifma::run(job) }.then_some(())
    }
}

/// Stand-ins for other architectures and for the feature `portable-only`: no accelerated
/// backend is ever available, so `Backend::Auto` resolves to the portable one and a forced
/// accelerated backend is `BackendUnavailable`.
#[cfg(any(not(target_arch = "x86_64"), feature = "portable-only"))]
mod other {
    pub(in super::super) fn has_bmi2_adx() -> bool {
        false
    }
    pub(in super::super) fn has_ifma() -> bool {
        false
    }
}
#[cfg(any(not(target_arch = "x86_64"), feature = "portable-only"))]
pub(super) use other::*;
