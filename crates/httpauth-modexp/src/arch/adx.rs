//! Hand-scheduled BMI2/ADX Montgomery kernels for 2048- and 4096-bit moduli (32 and 64
//! limbs): `mulx` products with two independent carry chains, `adcx` (CF) for the low
//! halves and `adox` (OF) for the high halves, so the two additions per product never
//! wait for each other (Ozturk, Guilford, Gopal, Feghali, "New Instructions Supporting
//! Large Integer Arithmetic on Intel Architecture Processors", Intel, 2012; the scheme of
//! OpenSSL's `mulx4x`/`sqrx8x` code).
//!
//! Structure: separated operand scanning (Koc, Acar, Kaliski 1996, section 3). The unit is
//! a *row* `acc[0..L] += a[0..L] * b` in one fully unrolled block (`.rept`), 4
//! instructions per limb (`mulx`, `adcx` from memory, `adox`, store), with an asm loop over
//! rows that share the length.
//!
//! - Multiplication: the `2n`-limb product by `n` rows, then the reduction.
//! - Squaring, `n (n-1)/2 + n` products (the minimum): `a` is split into blocks `A_I` of
//!   8 limbs; the off-diagonal products `a_i a_j` (`i < j`) are the rectangles
//!   `A_I x A_(J>I)` (rows of `n - 8 (I+1)` limbs, a multiple of 8, into `x`) plus the
//!   triangles inside each block (`tri8`, 28 products, into `w`; the blocks' 16-limb
//!   regions do not overlap); one pass forms `2 (x + w) + sum a_i^2 2^(128 i)` (an `adcx`
//!   chain for `x + w`, a flag-free `shrx`/`lea` doubling, an `adox` chain for the
//!   squares); then the reduction.
//! - Reduction: `n` rows `w[i..=i+n] += m y_i`, `y_i = w_i n0 mod 2^64`; the next row's `y`
//!   is formed inside the row, from the register holding column 1 (the flag-free `mulx`
//!   by `n0`), off the store-to-load path; the carry out of each row's top limb is kept in
//!   a register and added one row later.
//! - Final step: "almost Montgomery" (subtract `m` if the carry out of the top is set,
//!   with `m` masked by the flag-free `mulx` by that bit): results are below `R`, not
//!   necessarily below `m` (see [`sub_if_carry`]).
//!
//! Measured on the development machine (Zen 4): about 1.3 cycles per 64x64-bit product,
//! and 0.99x / 1.00x the time of OpenSSL 3's `BN_mod_exp_mont_consttime` for 2048- and
//! 4096-bit exponentiations (README.md).
//!
//! Everything is straight-line code (no branch and no address that depends on data; the
//! loops count public lengths): the time of an operation depends on `n` only. Sizes other
//! than 32 and 64 limbs use the portable kernel.
//!
//! Soundness (the crate README, "`unsafe`", kind 3): a [`Features`] value exists only
//! after `is_x86_feature_detected!` reported BMI2 and ADX ([`Adx::new`] is the only place
//! that constructs one), so holding one proves the instructions exist; every function with
//! an `asm!` block takes one. Each block reads and writes memory only through the pointers
//! of the slices it is given, within lengths asserted just before it; it writes only the
//! registers declared as outputs (pointer and counter registers it advances are `inout`)
//! and the flags (no `preserves_flags`); it does not touch the stack (`nostack`: no push,
//! pop or call); `rdx` is declared (an input it only reads, or an output it overwrites).

use super::super::portable::{self, Kernel};
use core::arch::asm;
use zeroize::Zeroize;

/// Limbs of the scratch buffers: `2 n` for `n` = 64 (the largest size with asm kernels).
const SCRATCH: usize = 128;

/// Proof that the CPU has BMI2 and ADX: constructed only in [`Adx::new`], after detection,
/// and passed to every function that contains an `asm!` block.
#[derive(Clone, Copy)]
struct Features(());

/// The BMI2/ADX kernel. Holds two `2n`-limb scratch buffers, reused by every operation of
/// one exponentiation and wiped on drop.
pub(in super::super) struct Adx {
    /// See [`Features`].
    cpu: Features,
    /// The running product / reduction buffer `w`.
    w: [u64; SCRATCH],
    /// The off-diagonal part `X` of a square.
    x: [u64; SCRATCH],
}

impl Adx {
    /// A kernel, or `None` if the CPU lacks BMI2 or ADX. The only constructor: every `Adx`
    /// value is a proof that `mulx`, `adcx` and `adox` can execute.
    pub(in super::super) fn new() -> Option<Self> {
        super::has_bmi2_adx().then_some(Self {
            cpu: Features(()),
            w: [0; SCRATCH],
            x: [0; SCRATCH],
        })
    }
}

impl Drop for Adx {
    fn drop(&mut self) {
        // Secret-dependent intermediates of the last operation.
        self.w.zeroize();
        self.x.zeroize();
    }
}

/// Whether the asm kernels handle `N` limbs (others take the portable kernel).
const fn asm_size(n: usize) -> bool {
    n == 32 || n == 64
}

impl Adx {
    /// `w[N..2N] + c 2^(64 N)` (returns `c`, 0 or 1): a value `= a b / R (mod m)`, below
    /// `R + m` for operands below `R` (before the final step, [`sub_if_carry`]).
    #[inline(always)]
    fn mul_core<const N: usize>(&mut self, a: &[u64], b: &[u64], m: &[u64], n0: u64) -> u64 {
        let w = &mut self.w[..2 * N];
        // Row 0 reads w[0..N]; later rows read only limbs written by earlier rows.
        w[..N].fill(0);
        rows::<N>(self.cpu, w, &a[..N], &b[..N]);
        redc_rows::<N>(self.cpu, w, &m[..N], n0)
    }

    /// As [`Adx::mul_core`], for `a^2 / R`.
    #[inline(always)]
    fn sqr_core<const N: usize>(&mut self, a: &[u64], m: &[u64], n0: u64) -> u64 {
        let a = &a[..N];
        self.x[..2 * N].fill(0);
        self.w[..2 * N].fill(0);
        // X: block row I times the blocks above it, a_i * a[8(I+1)..N] at limb i + 8(I+1).
        for blk in 0..(N / 8).saturating_sub(1) {
            let start = 8 * (blk + 1);
            match N - start {
                8 => rect_block::<8>(self.cpu, &mut self.x, a, blk),
                16 => rect_block::<16>(self.cpu, &mut self.x, a, blk),
                24 => rect_block::<24>(self.cpu, &mut self.x, a, blk),
                32 => rect_block::<32>(self.cpu, &mut self.x, a, blk),
                40 => rect_block::<40>(self.cpu, &mut self.x, a, blk),
                48 => rect_block::<48>(self.cpu, &mut self.x, a, blk),
                _ => rect_block::<56>(self.cpu, &mut self.x, a, blk),
            }
        }
        // T: the products a_i a_j, i < j, inside each diagonal block, at limb 16 I of w
        // (the blocks' regions do not overlap).
        for blk in 0..N / 8 {
            tri8(
                self.cpu,
                &mut self.w[16 * blk..16 * blk + 16],
                &a[8 * blk..8 * blk + 8],
            );
        }
        double_add_diag::<N>(self, a);
        redc_rows::<N>(self.cpu, &mut self.w[..2 * N], &m[..N], n0)
    }
}

impl Kernel for Adx {
    #[inline(always)]
    fn mul<const N: usize>(&mut self, out: &mut [u64], a: &[u64], b: &[u64], m: &[u64], n0: u64) {
        if !asm_size(N) {
            return portable::mont_mul::<N>(out, a, b, m, n0);
        }
        let c = self.mul_core::<N>(a, b, m, n0);
        sub_if_carry::<N>(self.cpu, out, &self.w[N..2 * N], c, m);
    }

    #[inline(always)]
    fn sqr<const N: usize>(&mut self, out: &mut [u64], a: &[u64], m: &[u64], n0: u64) {
        if !asm_size(N) {
            return portable::mont_sqr::<N>(out, a, m, n0);
        }
        let c = self.sqr_core::<N>(a, m, n0);
        sub_if_carry::<N>(self.cpu, out, &self.w[N..2 * N], c, m);
    }

    // In place: `x` is only read before the result is written (by the final
    // subtraction, from `w`), so no temporary is needed.

    #[inline(always)]
    fn sqr_in_place<const N: usize>(&mut self, x: &mut [u64], m: &[u64], n0: u64) {
        if !asm_size(N) {
            let mut t = [0u64; 2 * SCRATCH];
            portable::mont_sqr::<N>(&mut t[..x.len()], x, m, n0);
            x.copy_from_slice(&t[..x.len()]);
            return t.zeroize();
        }
        let c = self.sqr_core::<N>(x, m, n0);
        sub_if_carry::<N>(self.cpu, x, &self.w[N..2 * N], c, m);
    }

    #[inline(always)]
    fn mul_in_place<const N: usize>(&mut self, x: &mut [u64], b: &[u64], m: &[u64], n0: u64) {
        if !asm_size(N) {
            let mut t = [0u64; 2 * SCRATCH];
            portable::mont_mul::<N>(&mut t[..x.len()], x, b, m, n0);
            x.copy_from_slice(&t[..x.len()]);
            return t.zeroize();
        }
        let c = self.mul_core::<N>(x, b, m, n0);
        sub_if_carry::<N>(self.cpu, x, &self.w[N..2 * N], c, m);
    }
}

/// `out = c:t - m` if the carry limb `c` (0 or 1) is set, else `t`: the "almost
/// Montgomery" final step (Gueron, "Efficient software implementations of modular
/// exponentiation", J. Cryptographic Engineering, 2012). With inputs below `R`, the reduction's value
/// `c R + t` is below `R + m`, so the result is below `R` (not necessarily below `m`):
/// every caller accepts operands below `R`, and the conversion out of Montgomery form
/// (`portable::redc`, full final subtraction) makes the end result canonical. This skips
/// the comparison with `m`, a second carry chain of `N` limbs, on every operation.
///
/// One `sub`/`sbb` chain; `m` is masked by the flag-free `mulx` by `c` (0 or 1), since
/// `and` would clear the borrow.
#[inline(never)]
fn sub_if_carry<const N: usize>(_cpu: Features, out: &mut [u64], t: &[u64], c: u64, m: &[u64]) {
    assert!(
        N.is_multiple_of(2) && N > 0 && out.len() >= N && t.len() >= N && m.len() >= N && c <= 1
    );
    // SAFETY: (kind 3 of the `arch` module doc and README.md, "`unsafe`") CPU features as in `rows` (a `Features`
    // argument). Memory: reads `t[0..N]` and `m[0..N]`, writes `out[0..N]` (lengths
    // asserted above; `out` is a unique borrow, so it aliases neither input). Registers:
    // `rdx` (input, not modified) and the declared outputs; flags clobbered; no stack use.
    unsafe {
        asm!(
            "clc",
            ".set msj, 0",
            ".rept {n}",
            "mulx {hi}, {mm}, qword ptr [{m} + 8*msj]", // mm = m_j c, flags untouched
            "mov {v}, qword ptr [{t} + 8*msj]",
            "sbb {v}, {mm}",
            "mov qword ptr [{out} + 8*msj], {v}",
            ".set msj, msj + 1",
            ".endr",
            n = const N,
            m = in(reg) m.as_ptr(),
            t = in(reg) t.as_ptr(),
            out = in(reg) out.as_mut_ptr(),
            in("rdx") c,
            hi = out(reg) _,
            mm = out(reg) _,
            v = out(reg) _,
            options(nostack),
        );
    }
}

/// Rows `8 blk .. 8 blk + 8` of `X`: `x[i + s .. i + s + L + 1] += a[s..s+L] * a_i` with
/// `s = 8 (blk + 1)` and `L = N - s`.
#[inline(always)]
fn rect_block<const L: usize>(cpu: Features, x: &mut [u64; SCRATCH], a: &[u64], blk: usize) {
    let s = 8 * (blk + 1);
    let i = 8 * blk;
    rows::<L>(
        cpu,
        &mut x[i + s..i + s + L + 8],
        &a[s..s + L],
        &a[i..i + 8],
    );
}

/// Product rows: for `r` in `0..b.len()`, `acc[r..r+L] += a[0..L] * b_r` with the
/// carry-out limb *stored* (not added) in `acc[r+L]` (so `acc[r+L]` need not be
/// initialised before row `r`). One asm loop over the rows.
///
/// Per limb: `mulx hi_j:lo_j = a_j * b_r`; `lo_j += acc_j + CF` (`adcx`); `lo_j +=
/// hi_(j-1) + OF` (`adox`); store. The last high half plus both pending carries is the top
/// limb; it cannot overflow, as `acc + a b_r < 2^(64 (L + 1))`.
#[inline(never)]
fn rows<const L: usize>(_cpu: Features, acc: &mut [u64], a: &[u64], b: &[u64]) {
    let count = b.len();
    assert!(L.is_multiple_of(2) && L > 0 && count > 0 && a.len() >= L && acc.len() >= count + L);
    // SAFETY: (kind 3 of the `arch` module doc and README.md, "`unsafe`") a `Features` value exists, so the CPU
    // has BMI2 and ADX (`mulx`, `adcx`, `adox`). Memory: reads `a[0..L]` and `b[0..count]`,
    // reads and writes `acc[0..count+L]` (row `r` touches `acc[r..=r+L]`), all within the
    // lengths asserted above (`acc` is a unique borrow, so nothing else aliases it).
    // Registers: writes only the declared outputs; `acc`, `b` and the counter are inouts.
    // Flags are clobbered (the default); the loop's `dec`/`jnz` run after both carry chains
    // were closed. No stack use.
    unsafe {
        asm!(
            "2:",
            "mov rdx, qword ptr [{b}]",
            "xor {z:e}, {z:e}",   // z = 0, CF = OF = 0
            "xor {h0:e}, {h0:e}", // hi_(-1) = 0
            ".set mcj, 0",
            ".rept {half}",
            "mulx {h1}, {lo}, qword ptr [{a} + 8*mcj]",
            "adcx {lo}, qword ptr [{acc} + 8*mcj]",
            "adox {lo}, {h0}",
            "mov qword ptr [{acc} + 8*mcj], {lo}",
            "mulx {h0}, {lo}, qword ptr [{a} + 8*mcj + 8]",
            "adcx {lo}, qword ptr [{acc} + 8*mcj + 8]",
            "adox {lo}, {h1}",
            "mov qword ptr [{acc} + 8*mcj + 8], {lo}",
            ".set mcj, mcj + 2",
            ".endr",
            "adcx {h0}, {z}",
            "adox {h0}, {z}",
            "mov qword ptr [{acc} + 8*{l}], {h0}",
            "lea {acc}, [{acc} + 8]",
            "lea {b}, [{b} + 8]",
            "dec {cnt}",
            "jnz 2b",
            half = const L / 2,
            l = const L,
            a = in(reg) a.as_ptr(),
            acc = inout(reg) acc.as_mut_ptr() => _,
            b = inout(reg) b.as_ptr() => _,
            cnt = inout(reg) count => _,
            out("rdx") _,
            z = out(reg) _,
            h0 = out(reg) _,
            h1 = out(reg) _,
            lo = out(reg) _,
            options(nostack),
        );
    }
}

/// Montgomery reduction rows: for `i` in `0..L`, `y = w_i n0 mod 2^64` and
/// `w[i..=i+L] += m[0..L] * y + c 2^(64 L)`, where `c` (0 or 1) is the carry out of the
/// previous row's top limb. Returns the last carry. One asm loop over the rows.
///
/// As [`rows`], but the top limb is added to `w[i+L]` together with `c`, and the two
/// pending flags become the next `c` (at most one of them is set: the row's sum is below
/// `2^(64 (L + 1) + 1)`).
#[inline(never)]
fn redc_rows<const L: usize>(_cpu: Features, w: &mut [u64], m: &[u64], n0: u64) -> u64 {
    assert!(L.is_multiple_of(2) && L >= 2 && m.len() >= L && w.len() >= 2 * L);
    let c: u64;
    // SAFETY: (kind 3 of the `arch` module doc and README.md, "`unsafe`") CPU features as in `rows` (a `Features`
    // argument). Memory: reads `m[0..L]`, reads and writes `w[0..2L]` (row `i` touches
    // `w[i..=i+L]`, `i < L`), within the lengths asserted above. Registers: writes only the
    // declared outputs and inouts; flags clobbered (closed before `dec`/`jnz`); no stack
    // use.
    unsafe {
        asm!(
            "xor {c:e}, {c:e}",
            "mov {yn}, qword ptr [{w}]",
            "imul {yn}, {n0}", // y_0 = w_0 n0 mod 2^64
            "2:",
            "mov rdx, {yn}",
            "xor {z:e}, {z:e}",
            // Columns 0 and 1, peeled: column 1's sum is the next row's w_0, so the next
            // y is formed here, from the register, off the store-to-load path.
            // Column 0 sums to 0 mod 2^64 by the choice of y (only its carry matters) and
            // w_i is never read again, so it is not stored.
            "mulx {h1}, {lo}, qword ptr [{m}]",
            "adcx {lo}, qword ptr [{w}]",
            "mulx {h0}, {lo}, qword ptr [{m} + 8]",
            "adcx {lo}, qword ptr [{w} + 8]",
            "adox {lo}, {h1}",
            "mov qword ptr [{w} + 8], {lo}",
            // yn = lo n0 mod 2^64 with the flag-free mulx (imul would break the chains);
            // z is scratch here and zeroed again with the flag-free mov.
            "mov {y}, rdx",
            "mov rdx, {n0}",
            "mulx {z}, {yn}, {lo}",
            "mov rdx, {y}",
            "mov {z:e}, 0",
            ".set mcj, 2",
            ".rept {half} - 1",
            "mulx {h1}, {lo}, qword ptr [{m} + 8*mcj]",
            "adcx {lo}, qword ptr [{w} + 8*mcj]",
            "adox {lo}, {h0}",
            "mov qword ptr [{w} + 8*mcj], {lo}",
            "mulx {h0}, {lo}, qword ptr [{m} + 8*mcj + 8]",
            "adcx {lo}, qword ptr [{w} + 8*mcj + 8]",
            "adox {lo}, {h1}",
            "mov qword ptr [{w} + 8*mcj + 8], {lo}",
            ".set mcj, mcj + 2",
            ".endr",
            "mov {lo}, qword ptr [{w} + 8*{l}]",
            "adcx {lo}, {c}",
            "adox {lo}, {h0}",
            "mov qword ptr [{w} + 8*{l}], {lo}",
            "mov {c:e}, 0", // mov leaves the flags alone
            "adcx {c}, {z}",
            "adox {c}, {z}",
            "lea {w}, [{w} + 8]",
            "dec {cnt}",
            "jnz 2b",
            half = const L / 2,
            l = const L,
            m = in(reg) m.as_ptr(),
            n0 = in(reg) n0,
            w = inout(reg) w.as_mut_ptr() => _,
            cnt = inout(reg) L => _,
            c = out(reg) c,
            out("rdx") _,
            yn = out(reg) _,
            y = out(reg) _,
            z = out(reg) _,
            h0 = out(reg) _,
            h1 = out(reg) _,
            lo = out(reg) _,
            options(nostack),
        );
    }
    c
}

/// The products `a_i a_j` for `0 <= i < j < 8` of one 8-limb block, accumulated into
/// `t[0..16]` (which must be zero on entry outside what earlier rows write: each row
/// stores its top limb fresh). 28 products, one unrolled block.
#[inline(never)]
fn tri8(_cpu: Features, t: &mut [u64], a: &[u64]) {
    assert!(t.len() >= 16 && a.len() >= 8);
    // SAFETY: (kind 3 of the `arch` module doc and README.md, "`unsafe`") CPU features as in `rows` (a
    // `Features` argument). Memory: reads `a[0..8]`, reads and writes `t[0..16]` (lengths
    // asserted above; `t` is a unique borrow). Registers: `rdx` and the declared outputs
    // (all written, none an input); flags clobbered; no stack use.
    unsafe {
        asm!(
            ".set mtr, 0", // row r: t[2r+1 .. r+8] += a_r * a[r+1..8], top stored at t[r+8]
            ".rept 7",
            "mov rdx, qword ptr [{a} + 8*mtr]",
            "xor {z:e}, {z:e}",
            "xor {h0:e}, {h0:e}",
            ".set mtj, mtr + 1",
            ".rept 7 - mtr",
            "mulx {h1}, {lo}, qword ptr [{a} + 8*mtj]",
            "adcx {lo}, qword ptr [{t} + 8*(mtr + mtj)]",
            "adox {lo}, {h0}",
            "mov qword ptr [{t} + 8*(mtr + mtj)], {lo}",
            "mov {h0}, {h1}",
            ".set mtj, mtj + 1",
            ".endr",
            "adcx {h0}, {z}",
            "adox {h0}, {z}",
            "mov qword ptr [{t} + 8*(mtr + 8)], {h0}",
            ".set mtr, mtr + 1",
            ".endr",
            a = in(reg) a.as_ptr(),
            t = in(reg) t.as_mut_ptr(),
            out("rdx") _,
            z = out(reg) _,
            h0 = out(reg) _,
            h1 = out(reg) _,
            lo = out(reg) _,
            options(nostack),
        );
    }
}

/// `w = 2 (x + w) + sum_i a_i^2 2^(128 i)` over `2 N` limbs: `x + w` (the off-diagonal
/// products of the rectangles and of the diagonal blocks) in an `adcx` chain, doubled with
/// flag-free `shrx`/`lea` (each limb takes the top bit of the one below), and the squares
/// added in an `adox` chain. The result is `a^2 < 2^(128 N)`, and the off-diagonal sum is
/// below `2^(128 N - 1)`, so nothing carries out of the top.
#[inline(never)]
fn double_add_diag<const N: usize>(k: &mut Adx, a: &[u64]) {
    let (x, w) = (&k.x[..2 * N], &mut k.w[..2 * N]);
    let a = &a[..N];
    assert!(x.len() == 2 * N && w.len() == 2 * N && a.len() == N);
    // SAFETY: (kind 3 of the `arch` module doc and README.md, "`unsafe`") CPU features: `k` is an `Adx`, which
    // exists only when BMI2 and ADX were detected (`shrx` is BMI2). Memory: reads `a[0..N]`,
    // `x[0..2N]` and `w[0..2N]`, writes `w[0..2N]` (lengths asserted above; `x` and `w` are
    // distinct fields of `k`). Registers: `rdx` and the declared outputs; flags clobbered;
    // no stack use.
    unsafe {
        asm!(
            "xor {t0:e}, {t0:e}", // CF = OF = 0
            "xor {t1:e}, {t1:e}", // the limb below limb 0
            "mov {c63:e}, 63",
            ".set mdj, 0",
            ".rept {n}",
            "mov rdx, qword ptr [{a} + 8*mdj]",
            "mulx {dh}, {dl}, rdx",
            "shrx {s}, {t1}, {c63}", // top bit of the limb below
            "mov {t0}, qword ptr [{x} + 16*mdj]",
            "adcx {t0}, qword ptr [{w} + 16*mdj]",
            "lea {d}, [{s} + 2*{t0}]",
            "adox {d}, {dl}",
            "mov qword ptr [{w} + 16*mdj], {d}",
            "shrx {s}, {t0}, {c63}",
            "mov {t1}, qword ptr [{x} + 16*mdj + 8]",
            "adcx {t1}, qword ptr [{w} + 16*mdj + 8]",
            "lea {d}, [{s} + 2*{t1}]",
            "adox {d}, {dh}",
            "mov qword ptr [{w} + 16*mdj + 8], {d}",
            ".set mdj, mdj + 1",
            ".endr",
            n = const N,
            a = in(reg) a.as_ptr(),
            x = in(reg) x.as_ptr(),
            w = in(reg) w.as_mut_ptr(),
            out("rdx") _,
            t0 = out(reg) _,
            t1 = out(reg) _,
            c63 = out(reg) _,
            s = out(reg) _,
            d = out(reg) _,
            dh = out(reg) _,
            dl = out(reg) _,
            options(nostack),
        );
    }
}
