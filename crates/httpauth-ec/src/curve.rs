//! The curves as zero-sized types: their domain parameters (FIPS 186-4 D.1.2.3 and
//! D.1.2.5; SEC 2 section 2.4.2 and 2.6.1 give the same numbers) and their generator tables.

use crate::field::{self, Field};
use crate::table::GenTable;
use core::fmt::Debug;
use core::hash::Hash;
use std::sync::OnceLock;
use zeroize::Zeroize;

pub(crate) mod sealed {
    use super::*;

    /// Fixed-size big-endian octet strings (`[u8; 32]`, `[u8; 66]`).
    pub trait ReprBytes:
        Copy + AsRef<[u8]> + AsMut<[u8]> + Zeroize + Debug + Eq + Send + Sync + 'static
    {
        /// All zeros.
        fn zeroed() -> Self;
    }

    impl<const N: usize> ReprBytes for [u8; N] {
        fn zeroed() -> Self {
            [0; N]
        }
    }

    /// What the point arithmetic needs of a curve y^2 = x^3 - 3x + b over GF(p) of prime
    /// order n (cofactor 1).
    pub trait CurveArith: Copy + Send + Sync + 'static {
        /// GF(p).
        type Fe: Field;
        /// The coefficient b.
        const B: Self::Fe;
        /// The generator's affine coordinates.
        const GX: Self::Fe;
        /// See [`CurveArith::GX`].
        const GY: Self::Fe;
        /// The group order n, big-endian, `Field::LEN` octets.
        const ORDER: &'static [u8];
        /// The bit length of n: scalars are below 2^ORDER_BITS.
        const ORDER_BITS: usize;
        /// Window width of the generator table (signed digits, 2^(w-1) points per window).
        const COMB_WIDTH: usize;
        /// The generator table, built on first use.
        fn generator_table() -> &'static GenTable<Self::Fe>;
    }
}

/// A NIST prime curve with a = -3 and cofactor 1: [`P256`] or [`P521`]. Sealed.
pub trait Curve:
    sealed::CurveArith + Debug + Default + PartialEq + Eq + Hash + Send + Sync + 'static
{
    /// A big-endian field element or scalar: `[u8; 32]` for P-256, `[u8; 66]` for P-521.
    type Repr: sealed::ReprBytes;
    /// The curve's name in FIPS 186-4 ("P-256", "P-521").
    const NAME: &'static str;
    /// Octets of a field element and of a scalar (both curves use the same length for the
    /// two): 32 or 66.
    const LEN: usize;
}

/// NIST P-256 (FIPS 186-4 D.1.2.3; secp256r1, prime256v1).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct P256;

/// NIST P-521 (FIPS 186-4 D.1.2.5; secp521r1).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct P521;

const P256_ORDER: [u8; 32] =
    field::hex("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551");

impl sealed::CurveArith for P256 {
    type Fe = field::p256::Fe;
    const B: Self::Fe = field::p256::Fe::from_hex(
        "5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b",
    );
    const GX: Self::Fe = field::p256::Fe::from_hex(
        "6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296",
    );
    const GY: Self::Fe = field::p256::Fe::from_hex(
        "4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5",
    );
    const ORDER: &'static [u8] = &P256_ORDER;
    const ORDER_BITS: usize = 256;
    /// 37 windows of 64 affine points (148 KiB).
    const COMB_WIDTH: usize = 7;

    fn generator_table() -> &'static GenTable<Self::Fe> {
        static TABLE: OnceLock<GenTable<field::p256::Fe>> = OnceLock::new();
        TABLE.get_or_init(GenTable::new::<P256>)
    }
}

impl Curve for P256 {
    type Repr = [u8; 32];
    const NAME: &'static str = "P-256";
    const LEN: usize = 32;
}

const P521_ORDER: [u8; 66] = field::hex(concat!(
    "01ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
    "fa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409"
));

impl sealed::CurveArith for P521 {
    type Fe = field::p521::Fe;
    const B: Self::Fe = field::p521::Fe::from_hex(concat!(
        "0051953eb9618e1c9a1f929a21a0b68540eea2da725b99b315f3b8b489918ef1",
        "09e156193951ec7e937b1652c0bd3bb1bf073573df883d2c34f1ef451fd46b503f00"
    ));
    const GX: Self::Fe = field::p521::Fe::from_hex(concat!(
        "00c6858e06b70404e9cd9e3ecb662395b4429c648139053fb521f828af606b4d",
        "3dbaa14b5e77efe75928fe1dc127a2ffa8de3348b3c1856a429bf97e7e31c2e5bd66"
    ));
    const GY: Self::Fe = field::p521::Fe::from_hex(concat!(
        "011839296a789a3bc0045c8a5fb42c7d1bd998f54449579b446817afbd17273e",
        "662c97ee72995ef42640c550b9013fad0761353c7086a272c24088be94769fd16650"
    ));
    const ORDER: &'static [u8] = &P521_ORDER;
    const ORDER_BITS: usize = 521;
    /// 105 windows of 16 affine points (236 KiB).
    const COMB_WIDTH: usize = 5;

    fn generator_table() -> &'static GenTable<Self::Fe> {
        static TABLE: OnceLock<GenTable<field::p521::Fe>> = OnceLock::new();
        TABLE.get_or_init(GenTable::new::<P521>)
    }
}

impl Curve for P521 {
    type Repr = [u8; 66];
    const NAME: &'static str = "P-521";
    const LEN: usize = 66;
}
