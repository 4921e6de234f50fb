//! Constant-time helpers shared by the backends: masks, selects, table scans, wiping.

use subtle::ConstantTimeEq;
use zeroize::Zeroize;

/// All ones if `x != 0`, else zero, without a branch.
///
/// The result goes through `black_box`: an optimiser that can see a value is 0 or all ones
/// may turn `y & mask` into a select and unswitch the loop around it, which makes the final
/// conditional subtraction of a Montgomery multiplication a branch on a secret-dependent
/// carry (the dudect test of the portable kernel showed exactly that, |t| 9.5 for base 1
/// against random bases, before this).
#[inline(always)]
pub(super) fn mask_nonzero(x: u64) -> u64 {
    // (x | -x) has its top bit set exactly when x != 0.
    core::hint::black_box(0u64.wrapping_sub((x | x.wrapping_neg()) >> 63))
}

/// All ones if `a == b`, else zero. Goes through `subtle` so the optimiser cannot turn the
/// comparison of a secret index into a branch.
#[inline(always)]
pub(super) fn mask_eq(a: usize, b: usize) -> u64 {
    let c = (a as u64).ct_eq(&(b as u64));
    0u64.wrapping_sub(u64::from(c.unwrap_u8()))
}

/// `out = table[index]` where the table holds `table.len() / n` entries of `n` limbs.
///
/// Every entry is read in full whatever `index` is (O(entries * n) work, entries <= 64), so
/// neither the memory access pattern nor the timing depends on the secret index.
#[inline(always)]
pub(super) fn lookup(out: &mut [u64], table: &[u64], n: usize, index: usize) {
    out.fill(0);
    for (k, entry) in table.chunks_exact(n).enumerate() {
        let mask = mask_eq(k, index);
        for (o, &e) in out.iter_mut().zip(entry) {
            *o |= e & mask;
        }
    }
}

/// Zeroizes a stack buffer that held secret-dependent values.
#[inline(always)]
pub(super) fn wipe(x: &mut [u64]) {
    x.zeroize();
}
