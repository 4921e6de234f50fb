//! The algorithm trait of RFC 8120 section 12 and the RFC 8121 family that implements it.

use crate::Error;
use httpauth_core::{HashFunction, SecretBytes};
use sha2::Digest as _;
use subtle::{Choice, ConditionallySelectable, ConstantTimeEq};

/// How an algorithm writes `kc1`, `ks1`, `vkc` and `vks` (RFC 8121 section 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum WireEncoding {
    /// `base64-fixed-number`, sent as a quoted-string (the DL algorithms).
    Base64FixedNumber,
    /// `hex-fixed-number`, sent as a bare token (the EC algorithms).
    HexFixedNumber,
}

impl WireEncoding {
    /// Encodes a fixed-length number.
    pub fn encode(self, bytes: &[u8]) -> String {
        match self {
            WireEncoding::Base64FixedNumber => crate::encoding::base64_encode(bytes),
            WireEncoding::HexFixedNumber => crate::encoding::hex_encode(bytes),
        }
    }

    /// Decodes a number that must have exactly `len` octets.
    ///
    /// # Errors
    /// [`Error::InvalidBase64`], [`Error::InvalidHex`] or [`Error::WrongLength`].
    pub fn decode(self, s: &str, len: usize) -> Result<Vec<u8>, Error> {
        match self {
            WireEncoding::Base64FixedNumber => crate::encoding::base64_decode(s, Some(len)),
            WireEncoding::HexFixedNumber => crate::encoding::hex_decode(s, Some(len)),
        }
    }
}

/// One Mutual authentication algorithm (RFC 8120 section 12): the group, the hash H and
/// the functions J, K_c1, K_s1 and z. RFC 8121's four algorithms implement it; they use the
/// default pi, VK_c and VK_s of RFC 8120 section 12.2, computed in [`crate::kam3`].
///
/// Numbers cross this trait as big-endian octet strings at their natural length
/// (`OCTETS`, RFC 8120 section 12.1); secrets as [`SecretBytes`]. Every function taking a
/// secret runs in time independent of its value.
pub trait Algorithm: Send + Sync + core::fmt::Debug + 'static {
    /// The algorithm token (`iso-kam3-dl-2048-sha256`, ...).
    fn token(&self) -> &'static str;
    /// The hash function H.
    fn hash_function(&self) -> HashFunction;
    /// hSize / 8: the octets of H's output, of pi, VK_c and VK_s.
    fn hash_len(&self) -> usize;
    /// The natural length in octets of K_c1, K_s1, z and J (RFC 8121 Appendix B).
    fn element_len(&self) -> usize;
    /// The wire encoding of kc1, ks1, vkc and vks.
    fn wire_encoding(&self) -> WireEncoding;
    /// nIterPi, the PBKDF2 iteration count for pi (16384 for all RFC 8121 algorithms).
    fn pi_iterations(&self) -> u32 {
        16384
    }

    /// Checks a received K_c1 or K_s1: for DL `1 < K < q-1` (RFC 8121 section 3.2), for EC
    /// a valid curve point with `[h]P != 0_E` (section 3.3).
    ///
    /// # Errors
    /// [`Error::InvalidPublicValue`].
    fn validate_public(&self, k: &[u8]) -> Result<(), Error>;

    /// J(pi): `g^pi mod q` (DL) or `P([pi] * G)` (EC), at the natural length.
    ///
    /// # Errors
    /// [`Error::InvalidSecret`] if `pi` has the wrong length.
    fn verifier(&self, pi: &SecretBytes) -> Result<SecretBytes, Error>;

    /// Checks a stored verifier J (public-key validity, as for K values).
    ///
    /// # Errors
    /// [`Error::InvalidVerifier`].
    fn validate_verifier(&self, j: &SecretBytes) -> Result<(), Error>;

    /// A fresh random secret S in `[1, r-1]` that is also acceptable as S_c1 (for DL at
    /// least the minimum of RFC 8121 section 3.2).
    ///
    /// # Errors
    /// [`Error::Rng`].
    fn random_secret(&self) -> Result<SecretBytes, Error>;

    /// Checks that a given S is in `[1, r-1]`, and for `client` also the DL minimum
    /// (`S_c1 >= log(q)/log(g)`, RFC 8121 section 3.2 and Appendix B).
    ///
    /// # Errors
    /// [`Error::InvalidSecret`].
    fn check_secret(&self, s: &SecretBytes, client: bool) -> Result<(), Error>;

    /// K_c1 from S_c1.
    ///
    /// # Errors
    /// [`Error::InvalidSecret`].
    fn client_kc1(&self, s_c1: &SecretBytes) -> Result<Vec<u8>, Error>;

    /// K_s1 = `(J * K_c1^t_1)^S_s1 mod q` (DL) or `P([S_s1] * (J + [t_1] * K_c1'))` (EC).
    /// `kc1` must have passed [`validate_public`](Self::validate_public).
    ///
    /// # Errors
    /// [`Error::ExchangeRejected`] if the result is not a valid K_s1 (RFC 8121 section 5.2:
    /// reject, do not retry); [`Error::InvalidVerifier`] / [`Error::InvalidSecret`].
    fn server_ks1(
        &self,
        j: &SecretBytes,
        kc1: &[u8],
        t_1: &[u8],
        s_s1: &SecretBytes,
    ) -> Result<Vec<u8>, Error>;

    /// The server's z = `(K_c1 * g^t_2)^S_s1 mod q` (DL) or `P([S_s1] * (K_c1' + [t_2] * G))`.
    ///
    /// # Errors
    /// [`Error::ExchangeRejected`] for a degenerate result.
    fn server_z(&self, kc1: &[u8], t_2: &[u8], s_s1: &SecretBytes) -> Result<SecretBytes, Error>;

    /// K_s1 and the server's z of one exchange together (RFC 8121 section 3), where
    /// `t_2_of(K_s1)` gives t_2 = `H(octet(2) | OCTETS(K_c1) | OCTETS(K_s1))`. `kc1` must have
    /// passed [`validate_public`](Self::validate_public).
    ///
    /// The default is [`server_ks1`](Self::server_ks1) then [`server_z`](Self::server_z);
    /// an algorithm may share work between the two (the DL algorithms compute both from
    /// `J^S_s1`, `K_c1^S_s1` and `g^S_s1`, the first two as one batched pair). The results
    /// are the same either way.
    ///
    /// # Errors
    /// As [`server_ks1`](Self::server_ks1) and [`server_z`](Self::server_z).
    fn server_ks1_and_z(
        &self,
        j: &SecretBytes,
        kc1: &[u8],
        t_1: &[u8],
        s_s1: &SecretBytes,
        t_2_of: &dyn Fn(&[u8]) -> Vec<u8>,
    ) -> Result<(Vec<u8>, SecretBytes), Error> {
        let ks1 = self.server_ks1(j, kc1, t_1, s_s1)?;
        let t_2 = t_2_of(&ks1);
        let z = self.server_z(kc1, &t_2, s_s1)?;
        Ok((ks1, z))
    }

    /// The client's z = `K_s1^((S_c1 + t_2) / (S_c1 * t_1 + pi) mod r)` (DL) or
    /// `P([(S_c1 + t_2) / (S_c1 * t_1 + pi) mod r] * P'(K_s1))` (EC). `ks1` must have
    /// passed [`validate_public`](Self::validate_public).
    ///
    /// # Errors
    /// [`Error::ExchangeRejected`] if the divisor is 0 mod r or the result degenerate.
    fn client_z(
        &self,
        s_c1: &SecretBytes,
        pi: &SecretBytes,
        t_1: &[u8],
        t_2: &[u8],
        ks1: &[u8],
    ) -> Result<SecretBytes, Error>;
}

/// H over the concatenation of `parts`.
pub(crate) fn hash(h: HashFunction, parts: &[&[u8]]) -> Vec<u8> {
    match h {
        HashFunction::Sha512 => {
            let mut d = sha2::Sha512::new();
            parts.iter().for_each(|p| d.update(p));
            d.finalize().to_vec()
        }
        _ => {
            let mut d = sha2::Sha256::new();
            parts.iter().for_each(|p| d.update(p));
            d.finalize().to_vec()
        }
    }
}

/// Fills a buffer from the operating system's generator.
pub(crate) fn random_bytes(len: usize) -> Result<SecretBytes, Error> {
    let mut buf = vec![0u8; len];
    getrandom::fill(&mut buf).map_err(|_| Error::Rng)?;
    Ok(SecretBytes::new(buf))
}

/// `a < b` for equal-length big-endian numbers, in constant time.
pub(crate) fn ct_less(a: &[u8], b: &[u8]) -> Choice {
    let mut lt = Choice::from(0);
    let mut decided = Choice::from(0);
    for (x, y) in a.iter().zip(b) {
        let x_lt = Choice::from(u8::from(x < y));
        let eq = x.ct_eq(y);
        lt = Choice::conditional_select(&lt, &x_lt, !decided & !eq);
        decided |= !eq;
    }
    lt
}

/// Every RFC 8121 algorithm, strongest first.
pub static ALL_ALGORITHMS: &[&dyn Algorithm] = &[
    &crate::IsoKam3Dl4096Sha512,
    &crate::IsoKam3EcP521Sha512,
    &crate::IsoKam3Dl2048Sha256,
    &crate::IsoKam3EcP256Sha256,
];

/// The algorithms a server offers by default: one DL and one EC algorithm at the 128-bit
/// level, EC first because it is the cheaper of the two for both peers.
pub static DEFAULT_ALGORITHMS: &[&dyn Algorithm] =
    &[&crate::IsoKam3EcP256Sha256, &crate::IsoKam3Dl2048Sha256];

/// The algorithm with this token (case-insensitive, RFC 8120 section 3.2.1).
///
/// # Errors
/// [`Error::UnknownAlgorithm`].
pub fn algorithm_by_token(token: &str) -> Result<&'static dyn Algorithm, Error> {
    ALL_ALGORITHMS
        .iter()
        .copied()
        .find(|a| a.token().eq_ignore_ascii_case(token))
        .ok_or_else(|| Error::UnknownAlgorithm(token.to_owned()))
}
