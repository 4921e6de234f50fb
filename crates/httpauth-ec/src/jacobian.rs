//! Jacobian coordinates for y^2 = x^3 - 3x + b: (X, Y, Z) is the affine point
//! (X / Z^2, Y / Z^3), and any point with Z = 0 is the point at infinity (the identity).
//!
//! Formulas from the Explicit-Formulas Database (Bernstein, Lange):
//! `dbl-2001-b` (a = -3, 3M + 5S), `add-2007-bl` (11M + 5S), `madd-2007-bl` (7M + 4S).
//!
//! # Exceptional cases
//! The addition formulas are not complete: for P = Q they yield (0, 0, 0) instead of 2P,
//! and an identity operand yields garbage. P = -Q is fine (H = 0 gives Z3 = 0, the
//! identity). Three forms of addition handle this:
//!
//! - [`Jac::add`]: complete and constant time. It computes the sum, the doubling of the
//!   first operand and then selects, with masks: the doubling where H = 0 and R = 0 with
//!   both operands finite, the other operand where one is the identity. Used by the public
//!   `Point::add` and for the last addition of a secret multiplication.
//! - [`Jac::add_nodbl`] and [`Jac::add_mixed_nodbl`]: constant time, identity operands
//!   handled by selects, but the P = Q case is *not* handled. Used only where the scalar
//!   multiplication's structure excludes P = Q; the proof is at each use (`mul.rs`).
//! - `*_vartime`: branches on the exceptional cases; public operands only.

use crate::field::Field;
use subtle::Choice;
use zeroize::Zeroize;

/// A point in Jacobian coordinates.
#[derive(Clone, Copy, Default)]
pub(crate) struct Jac<F: Field> {
    pub(crate) x: F,
    pub(crate) y: F,
    pub(crate) z: F,
}

/// A finite point in affine coordinates (tables of the generator).
#[derive(Clone, Copy, Default)]
pub(crate) struct Aff<F: Field> {
    pub(crate) x: F,
    pub(crate) y: F,
}

impl<F: Field> Zeroize for Jac<F> {
    fn zeroize(&mut self) {
        self.x.zeroize();
        self.y.zeroize();
        self.z.zeroize();
    }
}

impl<F: Field> Jac<F> {
    /// The identity (1, 1, 0).
    pub(crate) const IDENTITY: Self = Jac {
        x: F::ONE,
        y: F::ONE,
        z: F::ZERO,
    };

    /// (x, y, 1).
    #[inline(always)]
    pub(crate) fn from_affine(a: &Aff<F>) -> Self {
        Jac {
            x: a.x,
            y: a.y,
            z: F::ONE,
        }
    }

    #[inline(always)]
    pub(crate) fn is_identity(&self) -> Choice {
        self.z.is_zero()
    }

    /// `a` if `c` is clear, `b` if set.
    #[inline(always)]
    pub(crate) fn select(a: &Self, b: &Self, c: Choice) -> Self {
        Jac {
            x: F::select(&a.x, &b.x, c),
            y: F::select(&a.y, &b.y, c),
            z: F::select(&a.z, &b.z, c),
        }
    }

    /// -P.
    #[inline(always)]
    pub(crate) fn neg(&self) -> Self {
        Jac {
            x: self.x,
            y: self.y.neg(),
            z: self.z,
        }
    }

    /// -P if `c` is set, else P, constant time.
    #[inline(always)]
    pub(crate) fn conditional_neg(&self, c: Choice) -> Self {
        Jac {
            x: self.x,
            y: F::select(&self.y, &self.y.neg(), c),
            z: self.z,
        }
    }

    /// 2P, `dbl-2001-b` for a = -3, with the small multiples 3, 4 and 8 with one reduction
    /// each, and Z3 = 2 Y Z as a product unless squarings are cheap ([`Field::CHEAP_SQUARE`]).
    /// Complete: the identity (Z = 0) gives Z3 = 0, and the curves have no point of order 2
    /// (odd prime order), so Y != 0 otherwise.
    #[inline(always)]
    pub(crate) fn double(&self) -> Self {
        let delta = self.z.square();
        let gamma = self.y.square();
        let beta = self.x.mul(&gamma);
        let alpha = self.x.sub(&delta).mul(&self.x.add(&delta)).mul_small(3);
        let beta4 = beta.mul_small(4);
        let x3 = alpha.square().sub(&beta.mul_small(8));
        let z3 = if F::CHEAP_SQUARE {
            self.y.add(&self.z).square().sub(&gamma).sub(&delta)
        } else {
            self.y.mul(&self.z).double()
        };
        let y3 = alpha.mul(&beta4.sub(&x3)).sub(&gamma.square().mul_small(8));
        Jac {
            x: x3,
            y: y3,
            z: z3,
        }
    }

    /// `add-2007-bl`, with H = U2 - U1 and R = S2 - S1 (both zero exactly when P = Q for
    /// finite P and Q). Garbage if either operand is the identity; (0, 0, 0) if P = Q.
    #[inline(always)]
    fn add_core(&self, q: &Self) -> (Self, Choice, Choice) {
        let z1z1 = self.z.square();
        let z2z2 = q.z.square();
        let u1 = self.x.mul(&z2z2);
        let u2 = q.x.mul(&z1z1);
        let s1 = self.y.mul(&q.z).mul(&z2z2);
        let s2 = q.y.mul(&self.z).mul(&z1z1);
        let h = u2.sub(&u1);
        let r_half = s2.sub(&s1);
        let i = h.double().square();
        let j = h.mul(&i);
        let r = r_half.double();
        let v = u1.mul(&i);
        let x3 = r.square().sub(&j).sub(&v.double());
        let y3 = r.mul(&v.sub(&x3)).sub(&s1.mul(&j).double());
        // ((Z1 + Z2)^2 - Z1Z1 - Z2Z2) H = 2 Z1 Z2 H (see `double`).
        let z1z2 = if F::CHEAP_SQUARE {
            self.z.add(&q.z).square().sub(&z1z1).sub(&z2z2)
        } else {
            self.z.mul(&q.z).double()
        };
        let z3 = z1z2.mul(&h);
        (
            Jac {
                x: x3,
                y: y3,
                z: z3,
            },
            h.is_zero(),
            r_half.is_zero(),
        )
    }

    /// P + Q, complete and constant time (see the module documentation).
    #[inline]
    pub(crate) fn add(&self, q: &Self) -> Self {
        let (sum, h0, r0) = self.add_core(q);
        let dbl = self.double();
        let p_id = self.is_identity();
        let q_id = q.is_identity();
        let mut out = Self::select(&sum, &dbl, h0 & r0 & !p_id & !q_id);
        out = Self::select(&out, q, p_id);
        Self::select(&out, self, q_id)
    }

    /// P + Q for P != Q, constant time; either may be the identity. The caller proves
    /// P != Q when both are finite (module documentation).
    #[inline(always)]
    pub(crate) fn add_nodbl(&self, q: &Self) -> Self {
        let (sum, _, _) = self.add_core(q);
        let out = Self::select(&sum, q, self.is_identity());
        Self::select(&out, self, q.is_identity())
    }

    /// `madd-2007-bl` (Z2 = 1): (sum, H = 0, R = 0). Garbage if P is the identity.
    #[inline(always)]
    fn add_mixed_core(&self, q: &Aff<F>) -> (Self, Choice, Choice) {
        let z1z1 = self.z.square();
        let u2 = q.x.mul(&z1z1);
        let s2 = q.y.mul(&self.z).mul(&z1z1);
        let h = u2.sub(&self.x);
        let hh = h.square();
        let i = hh.double().double();
        let j = h.mul(&i);
        let r_half = s2.sub(&self.y);
        let r = r_half.double();
        let v = self.x.mul(&i);
        let x3 = r.square().sub(&j).sub(&v.double());
        let y3 = r.mul(&v.sub(&x3)).sub(&self.y.mul(&j).double());
        // (Z1 + H)^2 - Z1Z1 - HH = 2 Z1 H (see `double`).
        let z3 = if F::CHEAP_SQUARE {
            self.z.add(&h).square().sub(&z1z1).sub(&hh)
        } else {
            self.z.mul(&h).double()
        };
        (
            Jac {
                x: x3,
                y: y3,
                z: z3,
            },
            h.is_zero(),
            r_half.is_zero(),
        )
    }

    /// P + Q for an affine Q that is the identity when `q_is_identity` is set (its
    /// coordinates are then ignored), constant time, P != Q proved by the caller.
    #[inline(always)]
    pub(crate) fn add_mixed_nodbl(&self, q: &Aff<F>, q_is_identity: Choice) -> Self {
        let (sum, _, _) = self.add_mixed_core(q);
        let out = Self::select(&sum, &Self::from_affine(q), self.is_identity());
        Self::select(&out, self, q_is_identity)
    }

    /// P + Q with branches on the exceptional cases: public points only.
    pub(crate) fn add_vartime(&self, q: &Self) -> Self {
        if bool::from(self.is_identity()) {
            return *q;
        }
        if bool::from(q.is_identity()) {
            return *self;
        }
        let (sum, h0, r0) = self.add_core(q);
        if bool::from(h0) {
            return if bool::from(r0) {
                self.double()
            } else {
                Self::IDENTITY
            };
        }
        sum
    }

    /// P + Q for a finite affine Q with branches on the exceptional cases: public points
    /// only.
    pub(crate) fn add_mixed_vartime(&self, q: &Aff<F>) -> Self {
        if bool::from(self.is_identity()) {
            return Self::from_affine(q);
        }
        let (sum, h0, r0) = self.add_mixed_core(q);
        if bool::from(h0) {
            return if bool::from(r0) {
                self.double()
            } else {
                Self::IDENTITY
            };
        }
        sum
    }

    /// Affine (x, y) and whether P is the identity (then x = y = 0). One inversion
    /// (Fermat, constant time).
    pub(crate) fn to_affine(self) -> (Aff<F>, Choice) {
        let zinv = self.z.invert();
        let zinv2 = zinv.square();
        let x = self.x.mul(&zinv2);
        let y = self.y.mul(&zinv2).mul(&zinv);
        (Aff { x, y }, self.is_identity())
    }

    /// P == Q (as points), constant time: X1 Z2^2 = X2 Z1^2 and Y1 Z2^3 = Y2 Z1^3 for
    /// finite points; two identities are equal; an identity equals no finite point.
    pub(crate) fn ct_eq(&self, q: &Self) -> Choice {
        let z1z1 = self.z.square();
        let z2z2 = q.z.square();
        let x_eq = self.x.mul(&z2z2).ct_eq(&q.x.mul(&z1z1));
        let y_eq = self
            .y
            .mul(&z2z2)
            .mul(&q.z)
            .ct_eq(&q.y.mul(&z1z1).mul(&self.z));
        let p_id = self.is_identity();
        let q_id = q.is_identity();
        (p_id & q_id) | (!p_id & !q_id & x_eq & y_eq)
    }
}

/// Affine forms of many points with one inversion (Montgomery's trick), variable time:
/// public points only (the generator tables). The identity maps to (0, 0), as in
/// [`Jac::to_affine`]; callers pass points they know to be finite.
pub(crate) fn batch_to_affine_vartime<F: Field>(points: &[Jac<F>]) -> Vec<Aff<F>> {
    // prefix[i] = product of the non-zero Z of points[..i].
    let mut prefix = Vec::with_capacity(points.len());
    let mut acc = F::ONE;
    for p in points {
        prefix.push(acc);
        if !bool::from(p.is_identity()) {
            acc = acc.mul(&p.z);
        }
    }
    let mut inv = acc.invert();
    let mut out = vec![Aff::default(); points.len()];
    for (i, p) in points.iter().enumerate().rev() {
        if bool::from(p.is_identity()) {
            continue;
        }
        let zinv = inv.mul(&prefix[i]);
        inv = inv.mul(&p.z);
        let zinv2 = zinv.square();
        out[i] = Aff {
            x: p.x.mul(&zinv2),
            y: p.y.mul(&zinv2).mul(&zinv),
        };
    }
    out
}
