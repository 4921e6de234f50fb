//! The crate's one error type.

use core::fmt;

/// Why an encoding was refused.
///
/// Only decoding fails: arithmetic on valid points and scalars always succeeds (the
/// identity is a point like any other), and encodings of the identity return `None`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Error {
    /// The input does not have the length the curve and the form require (32 / 66 octets
    /// for a coordinate or scalar, 33 / 65 or 67 / 133 for SEC1).
    InvalidLength,
    /// A coordinate is not below the field prime p.
    CoordinateOutOfRange,
    /// The coordinates do not satisfy the curve equation, or for a compressed point no y
    /// with the requested parity exists for x.
    NotOnCurve,
    /// SEC1's encoding of the point at infinity (the single octet 0x00), which the
    /// decoders of this crate refuse: a peer's public value is never the identity.
    Identity,
    /// The SEC1 tag octet is not 0x02, 0x03 or 0x04.
    InvalidTag,
    /// A scalar is not below the group order n.
    ScalarOutOfRange,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Error::InvalidLength => "wrong length for this curve",
            Error::CoordinateOutOfRange => "coordinate not below the field prime",
            Error::NotOnCurve => "not a point on the curve",
            Error::Identity => "the point at infinity is not accepted here",
            Error::InvalidTag => "invalid SEC1 tag octet",
            Error::ScalarOutOfRange => "scalar not below the group order",
        })
    }
}

impl std::error::Error for Error {}
