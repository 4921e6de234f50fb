//! Secret scalars.

use crate::Error;
use crate::curve::Curve;
use crate::curve::sealed::{CurveArith, ReprBytes};
use core::fmt;
use subtle::{Choice, ConstantTimeEq};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

/// An integer in [0, n), n the order of the curve's group: the multiplier of the
/// constant-time multiplications. Zeroized on drop, printed as `Scalar<P-256>(..)`, not
/// `Clone` (one owner of each secret; re-create it from its octets if needed).
///
/// Arithmetic modulo n is left to a scalar-field crate (in `mutual-core`, `p256` and
/// `p521`); this type only carries the value into [`crate::Point::mul`] and
/// [`crate::Point::mul_generator`].
pub struct Scalar<C: Curve> {
    repr: C::Repr,
}

impl<C: Curve> Scalar<C> {
    /// The scalar with big-endian octets `bytes` ([`Curve::LEN`] of them), if it is below n.
    /// The comparison with n is constant time; whether it failed is returned.
    ///
    /// # Errors
    /// [`Error::InvalidLength`] or [`Error::ScalarOutOfRange`].
    pub fn from_be_bytes(bytes: &[u8]) -> Result<Self, Error> {
        if bytes.len() != C::LEN {
            return Err(Error::InvalidLength);
        }
        let mut repr = C::Repr::zeroed();
        repr.as_mut().copy_from_slice(bytes);
        let s = Scalar { repr };
        if bool::from(s.below_order()) {
            Ok(s)
        } else {
            Err(Error::ScalarOutOfRange)
        }
    }

    /// The big-endian octets.
    #[must_use]
    pub fn to_be_bytes(&self) -> Zeroizing<C::Repr> {
        Zeroizing::new(self.repr)
    }

    /// Whether the scalar is 0, constant time.
    #[must_use]
    pub fn is_zero(&self) -> Choice {
        self.repr
            .as_ref()
            .iter()
            .fold(0u8, |acc, &b| acc | b)
            .ct_eq(&0)
    }

    /// `repr < n`: the borrow out of `repr - n`, octet by octet from the least significant.
    fn below_order(&self) -> Choice {
        let mut borrow = 0u16;
        for (&a, &b) in self
            .repr
            .as_ref()
            .iter()
            .rev()
            .zip(<C as CurveArith>::ORDER.iter().rev())
        {
            let d = u16::from(a).wrapping_sub(u16::from(b)).wrapping_sub(borrow);
            borrow = d >> 15;
        }
        Choice::from(borrow as u8)
    }

    pub(crate) fn repr(&self) -> &C::Repr {
        &self.repr
    }
}

impl<C: Curve> Drop for Scalar<C> {
    fn drop(&mut self) {
        self.repr.zeroize();
    }
}

impl<C: Curve> ZeroizeOnDrop for Scalar<C> {}

impl<C: Curve> fmt::Debug for Scalar<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Scalar<{}>(..)", C::NAME)
    }
}

impl<C: Curve> ConstantTimeEq for Scalar<C> {
    fn ct_eq(&self, other: &Self) -> Choice {
        self.repr.as_ref().ct_eq(other.repr.as_ref())
    }
}
