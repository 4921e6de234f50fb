//! The precomputed table of the generator: for each window i of width w, the affine points
//! `j * 2^(w i) * G` for j = 1 ..= 2^(w-1). A scalar's signed digits d_i then give
//! `k G = sum_i d_i 2^(w i) G` as one table point per window and no doubling at all.

use crate::curve::sealed::CurveArith;
use crate::field::Field;
use crate::jacobian::{Aff, Jac, batch_to_affine_vartime};
use subtle::{Choice, ConstantTimeEq};
use zeroize::Zeroize;

/// The most entries a window may have (w <= 7).
pub(crate) const MAX_PER_WINDOW: usize = 64;

/// Windows of `2^(width-1)` affine multiples of `2^(width i) G`, flattened.
pub struct GenTable<F: Field> {
    width: usize,
    windows: usize,
    points: Vec<Aff<F>>,
}

impl<F: Field> core::fmt::Debug for GenTable<F> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("GenTable")
            .field("width", &self.width)
            .field("windows", &self.windows)
            .finish_non_exhaustive()
    }
}

impl<F: Field> GenTable<F> {
    /// Builds the table of curve `C` (variable time: G is public). P-256: 37 * 64 points,
    /// P-521: 105 * 16; about 2,400 and 1,700 additions and one batched inversion.
    pub(crate) fn new<C: CurveArith<Fe = F>>() -> Self {
        let width = C::COMB_WIDTH;
        let per = 1usize << (width - 1);
        assert!(per <= MAX_PER_WINDOW, "generator table window too wide");
        let windows = crate::mul::windows(C::ORDER_BITS, width);
        let mut jac = Vec::with_capacity(windows * per);
        let mut base = Jac::from_affine(&Aff { x: C::GX, y: C::GY });
        for _ in 0..windows {
            // j * base for j = 1 ..= per; none is the identity: n is an odd prime above
            // 2^(w-1), so it divides no j 2^(w i) with 1 <= j <= 2^(w-1).
            let mut p = base;
            jac.push(p);
            for _ in 1..per {
                p = p.add_vartime(&base);
                jac.push(p);
            }
            // 2^w base = 2 * (per * base).
            base = p.double();
        }
        GenTable {
            width,
            windows,
            points: batch_to_affine_vartime(&jac),
        }
    }

    /// The window width w.
    pub(crate) fn width(&self) -> usize {
        self.width
    }

    /// The number of windows.
    pub(crate) fn windows(&self) -> usize {
        self.windows
    }

    fn window(&self, i: usize) -> &[Aff<F>] {
        let per = 1usize << (self.width - 1);
        &self.points[i * per..(i + 1) * per]
    }

    /// `d * 2^(w i) G` for a secret digit d in [-2^(w-1), 2^(w-1)], and whether d = 0 (the
    /// point is then (0, 0), to be ignored). Constant time: every entry of the window is
    /// read and OR-ed in under its mask (2^(w-1) <= [`MAX_PER_WINDOW`] entries), the sign
    /// applied with a masked negation.
    #[inline]
    pub(crate) fn lookup_ct(&self, i: usize, d: i8) -> (Aff<F>, Choice) {
        let (abs, neg) = crate::mul::digit_abs_sign(d);
        let mut masks = crate::mul::scan_masks::<MAX_PER_WINDOW>(abs);
        let mut out = Aff::<F>::default();
        for (p, &m) in self.window(i).iter().zip(&masks) {
            out.x.or_masked(&p.x, m);
            out.y.or_masked(&p.y, m);
        }
        masks.zeroize();
        out.y = F::select(&out.y, &out.y.neg(), neg);
        (out, abs.ct_eq(&0))
    }

    /// `d * 2^(w i) G` for a public non-zero digit d, by direct indexing.
    pub(crate) fn lookup_vartime(&self, i: usize, d: i8) -> Aff<F> {
        let p = self.window(i)[usize::from(d.unsigned_abs()) - 1];
        if d < 0 {
            Aff {
                x: p.x,
                y: p.y.neg(),
            }
        } else {
            p
        }
    }
}
