//! The only module of the engine that contains `unsafe`: CPU-feature detection, the vector
//! loads and stores used by the IFMA kernel, and the calls into `#[target_feature]`
//! functions.
//!
//! # Soundness argument (summary; the full text is in `docs/modexp.md`)
//!
//! There are exactly three kinds of `unsafe` block here:
//!
//! 1. **Calling a `#[target_feature]` function** (`bmi2,adx` or `avx512f,avx512ifma`).
//!    This is undefined behaviour only if the CPU lacks the feature. Every such call is
//!    preceded, in the same function, by `is_x86_feature_detected!` for every feature the
//!    callee enables, and returns `None` without calling when one is missing. The callees
//!    themselves are safe Rust apart from (2).
//! 2. **`_mm512_loadu_si512` from a `&[u64; 8]`** and **`_mm512_storeu_si512` into a
//!    `&mut [u64; 8]`**. The unaligned forms have no alignment requirement; the pointer
//!    comes from a reference to exactly 64 bytes, so all 64 bytes are valid for reads
//!    (resp. writes, through a unique reference), and `u64` has no invalid bit patterns.
//!    These helpers themselves enable `avx512f`, so they are only callable from code that
//!    has it (the compiler enforces that: calling them elsewhere would need `unsafe`).
//! 3. Nothing else: no raw pointer arithmetic, no transmute, no `asm!`.

#[cfg(target_arch = "x86_64")]
pub(super) use x86::*;

#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::super::{ifma, portable};
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

    // ---- The portable kernels recompiled with mulx/adx enabled. ----
    //
    // These are safe functions; the attribute only changes code generation. They are
    // private: the only callers are the checked trampolines below.

    #[target_feature(enable = "bmi2,adx")]
    fn adx_pow_ct<const N: usize>(
        f: &portable::Field<'_, N>,
        out: &mut [u64],
        base: &[u64],
        exp: &[u64],
        exp_bits: usize,
    ) {
        portable::pow_ct(f, out, base, exp, exp_bits);
    }

    #[target_feature(enable = "bmi2,adx")]
    fn adx_pow_ct_x2<const N: usize>(
        f: &portable::Field<'_, N>,
        out: [&mut [u64]; 2],
        base: [&[u64]; 2],
        exp: [&[u64]; 2],
        exp_bits: usize,
    ) {
        portable::pow_ct_x2(f, out, base, exp, exp_bits);
    }

    #[target_feature(enable = "bmi2,adx")]
    fn adx_pow_vartime<const N: usize>(
        f: &portable::Field<'_, N>,
        out: &mut [u64],
        base: &[u64],
        exp: &[u64],
    ) {
        portable::pow_vartime(f, out, base, exp);
    }

    /// [`portable::pow_ct`] compiled for BMI2/ADX; `None` if the CPU lacks them.
    pub(in super::super) fn bmi2_adx_pow_ct<const N: usize>(
        f: &portable::Field<'_, N>,
        out: &mut [u64],
        base: &[u64],
        exp: &[u64],
        exp_bits: usize,
    ) -> Option<()> {
        if !has_bmi2_adx() {
            return None;
        }
        // SAFETY: (1): bmi2 and adx were detected just above.
        unsafe { adx_pow_ct(f, out, base, exp, exp_bits) };
        Some(())
    }

    /// [`portable::pow_ct_x2`] compiled for BMI2/ADX; `None` if the CPU lacks them.
    pub(in super::super) fn bmi2_adx_pow_ct_x2<const N: usize>(
        f: &portable::Field<'_, N>,
        out: [&mut [u64]; 2],
        base: [&[u64]; 2],
        exp: [&[u64]; 2],
        exp_bits: usize,
    ) -> Option<()> {
        if !has_bmi2_adx() {
            return None;
        }
        // SAFETY: (1): bmi2 and adx were detected just above.
        unsafe { adx_pow_ct_x2(f, out, base, exp, exp_bits) };
        Some(())
    }

    #[target_feature(enable = "bmi2,adx")]
    fn adx_pow2_ct<const N: usize>(
        f: &portable::Field<'_, N>,
        c: &[u64],
        out: &mut [u64],
        exp: &[u64],
        exp_bits: usize,
    ) {
        portable::pow2_ct(f, c, out, exp, exp_bits);
    }

    /// [`portable::pow2_ct`] compiled for BMI2/ADX; `None` if the CPU lacks them.
    pub(in super::super) fn bmi2_adx_pow2_ct<const N: usize>(
        f: &portable::Field<'_, N>,
        c: &[u64],
        out: &mut [u64],
        exp: &[u64],
        exp_bits: usize,
    ) -> Option<()> {
        if !has_bmi2_adx() {
            return None;
        }
        // SAFETY: (1): bmi2 and adx were detected just above.
        unsafe { adx_pow2_ct(f, c, out, exp, exp_bits) };
        Some(())
    }

    /// [`portable::pow_vartime`] compiled for BMI2/ADX; `None` if the CPU lacks them.
    pub(in super::super) fn bmi2_adx_pow_vartime<const N: usize>(
        f: &portable::Field<'_, N>,
        out: &mut [u64],
        base: &[u64],
        exp: &[u64],
    ) -> Option<()> {
        if !has_bmi2_adx() {
            return None;
        }
        // SAFETY: (1): bmi2 and adx were detected just above.
        unsafe { adx_pow_vartime(f, out, base, exp) };
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

/// Stand-ins for other architectures: no feature is ever available, so every caller takes
/// the portable path.
#[cfg(not(target_arch = "x86_64"))]
mod other {
    pub(in super::super) fn has_bmi2_adx() -> bool {
        false
    }
    pub(in super::super) fn has_ifma() -> bool {
        false
    }
}
#[cfg(not(target_arch = "x86_64"))]
pub(super) use other::*;
