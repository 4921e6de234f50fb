//! Points of the curve group.

use crate::curve::Curve;
use crate::curve::sealed::{CurveArith, ReprBytes};
use crate::field::Field;
use crate::jacobian::{Aff, Jac};
use crate::{Error, Scalar, mul};
use core::fmt;
use subtle::{Choice, ConstantTimeEq};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

/// A big-endian coordinate ([`Curve::LEN`] octets), zeroized on drop: coordinates of
/// secret points (a Diffie-Hellman result) are secrets too.
pub type Coordinate<C> = Zeroizing<<C as Curve>::Repr>;

/// A point of the curve group, the identity (point at infinity) included, in Jacobian
/// coordinates.
///
/// Every point this type holds is on the curve: the decoders check the curve equation and
/// the arithmetic preserves it. As both curves have cofactor 1, every such point other than
/// the identity generates the whole group.
///
/// Methods run in constant time in the point and the scalar unless their name ends in
/// `_vartime`, which says the time depends on every argument (public values only). The
/// encoders reveal only whether the point is the identity. Points are zeroized on drop
/// (they may be secrets, such as a Diffie-Hellman result) and print as `Point<P-256>(..)`.
pub struct Point<C: Curve> {
    p: Jac<C::Fe>,
}

impl<C: Curve> Point<C> {
    fn from_jac(p: Jac<C::Fe>) -> Self {
        Point { p }
    }

    /// The identity of the group (0_E, the point at infinity).
    #[must_use]
    pub fn identity() -> Self {
        Self::from_jac(Jac::IDENTITY)
    }

    /// The generator G of FIPS 186-4.
    #[must_use]
    pub fn generator() -> Self {
        Self::from_jac(Jac::from_affine(&Aff {
            x: <C as CurveArith>::GX,
            y: <C as CurveArith>::GY,
        }))
    }

    /// Whether this is the identity, constant time.
    #[must_use]
    pub fn is_identity(&self) -> Choice {
        self.p.is_identity()
    }

    /// x^3 - 3x + b.
    fn rhs(x: &C::Fe) -> C::Fe {
        let x3 = x.square().mul(x);
        x3.sub(&x.double().add(x)).add(&<C as CurveArith>::B)
    }

    /// The point with affine coordinates (x, y), each [`Curve::LEN`] big-endian octets.
    /// Constant time up to the outcome.
    ///
    /// # Errors
    /// [`Error::InvalidLength`], [`Error::CoordinateOutOfRange`] (x or y not below p) or
    /// [`Error::NotOnCurve`].
    pub fn from_affine_coordinates(x: &[u8], y: &[u8]) -> Result<Self, Error> {
        if x.len() != C::LEN || y.len() != C::LEN {
            return Err(Error::InvalidLength);
        }
        let (xf, x_ok) = C::Fe::from_be_bytes(x);
        let (yf, y_ok) = C::Fe::from_be_bytes(y);
        let on_curve = yf.square().ct_eq(&Self::rhs(&xf));
        if !bool::from(x_ok & y_ok) {
            return Err(Error::CoordinateOutOfRange);
        }
        if !bool::from(on_curve) {
            return Err(Error::NotOnCurve);
        }
        Ok(Self::from_jac(Jac::from_affine(&Aff { x: xf, y: yf })))
    }

    /// The point with x coordinate `x` ([`Curve::LEN`] big-endian octets) and the y of
    /// parity `y_is_odd`: point decompression (SEC 1 section 2.3.4), y = (x^3 - 3x +
    /// b)^((p+1)/4) as p = 3 mod 4. Constant time up to the outcome (a square-root
    /// exponentiation either way), so it may decode a secret such as a Mutual verifier J.
    /// Never returns the identity.
    ///
    /// # Errors
    /// [`Error::InvalidLength`], [`Error::CoordinateOutOfRange`] (x not below p) or
    /// [`Error::NotOnCurve`] (x^3 - 3x + b is not a square, or it is 0 and an odd y was
    /// asked for).
    pub fn decompress(x: &[u8], y_is_odd: Choice) -> Result<Self, Error> {
        if x.len() != C::LEN {
            return Err(Error::InvalidLength);
        }
        let (xf, x_ok) = C::Fe::from_be_bytes(x);
        let (y, is_square) = Self::rhs(&xf).sqrt();
        let y = C::Fe::select(&y, &y.neg(), y.is_odd() ^ y_is_odd);
        // Only y = 0 keeps its parity under negation.
        let parity_ok = y.is_odd().ct_eq(&y_is_odd);
        if !bool::from(x_ok) {
            return Err(Error::CoordinateOutOfRange);
        }
        if !bool::from(is_square & parity_ok) {
            return Err(Error::NotOnCurve);
        }
        Ok(Self::from_jac(Jac::from_affine(&Aff { x: xf, y })))
    }

    /// The point of a SEC1 encoding (SEC 1 section 2.3.4): `0x02 | x` or `0x03 | x`
    /// (compressed, y even or odd) or `0x04 | x | y` (uncompressed).
    ///
    /// # Errors
    /// [`Error::Identity`] for the single octet 0x00, [`Error::InvalidTag`],
    /// [`Error::InvalidLength`], and the errors of [`Point::decompress`] and
    /// [`Point::from_affine_coordinates`].
    pub fn from_sec1(bytes: &[u8]) -> Result<Self, Error> {
        let l = C::LEN;
        match bytes.first() {
            None => Err(Error::InvalidLength),
            Some(0x00) if bytes.len() == 1 => Err(Error::Identity),
            Some(&tag @ (0x02 | 0x03)) => {
                if bytes.len() != 1 + l {
                    return Err(Error::InvalidLength);
                }
                Self::decompress(&bytes[1..], Choice::from(tag & 1))
            }
            Some(0x04) => {
                if bytes.len() != 1 + 2 * l {
                    return Err(Error::InvalidLength);
                }
                Self::from_affine_coordinates(&bytes[1..1 + l], &bytes[1 + l..])
            }
            Some(_) => Err(Error::InvalidTag),
        }
    }

    /// The affine (x, y), or `None` for the identity. One field inversion (constant time).
    #[must_use]
    pub fn to_affine_coordinates(&self) -> Option<(Coordinate<C>, Coordinate<C>)> {
        let (a, id) = self.p.to_affine();
        if bool::from(id) {
            return None;
        }
        let mut x = Zeroizing::new(C::Repr::zeroed());
        let mut y = Zeroizing::new(C::Repr::zeroed());
        a.x.write_be_bytes(x.as_mut());
        a.y.write_be_bytes(y.as_mut());
        Some((x, y))
    }

    /// The affine x and the parity of y (the compressed form), or `None` for the identity.
    #[must_use]
    pub fn to_x_and_parity(&self) -> Option<(Coordinate<C>, Choice)> {
        let (a, id) = self.p.to_affine();
        if bool::from(id) {
            return None;
        }
        let mut x = Zeroizing::new(C::Repr::zeroed());
        a.x.write_be_bytes(x.as_mut());
        Some((x, a.y.is_odd()))
    }

    /// SEC1 encoding (compressed `0x02`/`0x03 | x`, or uncompressed `0x04 | x | y`), or
    /// `None` for the identity.
    #[must_use]
    pub fn to_sec1(&self, compressed: bool) -> Option<Zeroizing<Vec<u8>>> {
        let (x, y) = self.to_affine_coordinates()?;
        let mut out = Zeroizing::new(Vec::with_capacity(1 + 2 * C::LEN));
        if compressed {
            out.push(0x02 | (y.as_ref()[C::LEN - 1] & 1));
            out.extend_from_slice(x.as_ref());
        } else {
            out.push(0x04);
            out.extend_from_slice(x.as_ref());
            out.extend_from_slice(y.as_ref());
        }
        Some(out)
    }

    /// `self + rhs`, complete (any two points, the identity and equal points included) and
    /// constant time.
    #[must_use]
    pub fn add(&self, rhs: &Self) -> Self {
        Self::from_jac(self.p.add(&rhs.p))
    }

    /// `self + rhs`, variable time (branches on the identity and on equal or opposite
    /// points): public points only.
    #[must_use]
    pub fn add_vartime(&self, rhs: &Self) -> Self {
        Self::from_jac(self.p.add_vartime(&rhs.p))
    }

    /// `2 * self`, constant time.
    #[must_use]
    pub fn double(&self) -> Self {
        Self::from_jac(self.p.double())
    }

    /// `-self`, constant time.
    #[must_use]
    pub fn neg(&self) -> Self {
        Self::from_jac(self.p.neg())
    }

    /// `[k] self`, constant time in k and in the point: signed 5-bit windows over a table
    /// of 16 multiples scanned in full for every digit (52 windows for P-256, 105 for
    /// P-521).
    #[must_use]
    pub fn mul(&self, k: &Scalar<C>) -> Self {
        Self::from_jac(mul::mul_ct::<C>(&self.p, k.repr()))
    }

    /// `[a] P + [b] Q`, constant time in the scalars and the points: one chain of
    /// doublings for both (Straus), about 0.6 times the work of two [`mul`](Self::mul)s
    /// added up. All its additions are complete, so any two points are fine, whatever
    /// relation between them the caller may know.
    #[must_use]
    pub fn lincomb(p: &Self, a: &Scalar<C>, q: &Self, b: &Scalar<C>) -> Self {
        Self::from_jac(mul::lincomb_ct::<C>(&p.p, a.repr(), &q.p, b.repr()))
    }

    /// `[k] G`, constant time in k: one addition per signed window from the precomputed
    /// table of the generator (built on first use, about 148 KiB for P-256 and 236 KiB for
    /// P-521), each table window scanned in full.
    #[must_use]
    pub fn mul_generator(k: &Scalar<C>) -> Self {
        Self::from_jac(mul::mul_generator_ct::<C>(k.repr()))
    }

    /// `[k] self` for a public integer k (big-endian, any length, not reduced) and a public
    /// point: width-5 wNAF, variable time in both; time and the digit buffer grow with
    /// k's length (Mutual passes 32 or 66 octets).
    #[must_use]
    pub fn mul_vartime(&self, k: &[u8]) -> Self {
        Self::from_jac(mul::mul_vartime(&self.p, k))
    }

    /// `[k] G` for a public integer k (big-endian, any length, not reduced), variable time:
    /// the generator table indexed directly.
    #[must_use]
    pub fn mul_generator_vartime(k: &[u8]) -> Self {
        Self::from_jac(mul::mul_generator_vartime::<C>(k))
    }
}

/// `Clone`: a point is often used twice (Mutual's K_c1 goes into both K_s1 and z); each copy
/// zeroizes itself on drop.
impl<C: Curve> Clone for Point<C> {
    fn clone(&self) -> Self {
        Self::from_jac(self.p)
    }
}

impl<C: Curve> Drop for Point<C> {
    fn drop(&mut self) {
        self.p.zeroize();
    }
}

impl<C: Curve> ZeroizeOnDrop for Point<C> {}

impl<C: Curve> ConstantTimeEq for Point<C> {
    fn ct_eq(&self, other: &Self) -> Choice {
        self.p.ct_eq(&other.p)
    }
}

/// Equality of points (not of coordinates), through [`ConstantTimeEq`].
impl<C: Curve> PartialEq for Point<C> {
    fn eq(&self, other: &Self) -> bool {
        bool::from(self.ct_eq(other))
    }
}

impl<C: Curve> Eq for Point<C> {}

impl<C: Curve> fmt::Debug for Point<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Point<{}>(..)", C::NAME)
    }
}
