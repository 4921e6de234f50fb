//! The algorithm trait of RFC 8120 section 12 and the RFC 8121 family that implements it.

use crate::Error;
use httpauth_core::{HashFunction, SecretBytes};
use sha2::Digest as _;
use subtle::{Choice, ConditionallySelectable, ConstantTimeEq};

/// The hash function H of a Mutual algorithm (RFC 8121 section 3), which also fixes
/// hSize (the length of pi, VK_c and VK_s) and the PBKDF2 variant of pi (RFC 8120 section
/// 12.2). mutual-core's own enum: every choice of hash, size or PBKDF2 variant in this crate
/// is an exhaustive `match` over it, so a new variant makes the compiler point at each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MutualHash {
    /// SHA-256 (FIPS 180-4), hSize = 256.
    Sha256,
    /// SHA-512 (FIPS 180-4), hSize = 512.
    Sha512,
}

impl MutualHash {
    /// hSize / 8: the octets of H's output.
    #[must_use]
    pub const fn output_len(self) -> usize {
        match self {
            MutualHash::Sha256 => 32,
            MutualHash::Sha512 => 64,
        }
    }

    /// The same function as the workspace-wide [`HashFunction`].
    #[must_use]
    pub const fn function(self) -> HashFunction {
        match self {
            MutualHash::Sha256 => HashFunction::Sha256,
            MutualHash::Sha512 => HashFunction::Sha512,
        }
    }
}

/// The group of a Mutual algorithm (RFC 8121 section 3 and Appendix A).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MutualGroup {
    /// The 2048-bit MODP group of RFC 3526 section 3 (group 14), g = 2.
    Modp2048,
    /// The 4096-bit MODP group of RFC 3526 section 5 (group 16), g = 2.
    Modp4096,
    /// NIST P-256 (FIPS 186-4 D.1.2.3).
    P256,
    /// NIST P-521 (FIPS 186-4 D.1.2.5).
    P521,
}

/// One row of the Mutual algorithm table ([`AlgorithmId::spec`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct AlgorithmSpec {
    /// The algorithm token of RFC 8121 section 3, in lower case.
    pub name: &'static str,
    /// The group or curve.
    pub group: MutualGroup,
    /// The hash function H.
    pub hash: MutualHash,
    /// The natural length in octets of K_c1, K_s1, z and J (RFC 8121 Appendix B).
    pub element_len: usize,
    /// The wire encoding of kc1, ks1, vkc and vks.
    pub wire: WireEncoding,
}

/// The RFC 8121 Mutual algorithms. [`AlgorithmId::spec`] is the one table of their
/// parameters (name, group, hash, sizes, encoding) that the rest of the crate reads, and
/// [`AlgorithmId::algorithm`] gives the implementation of each. `#[non_exhaustive]`: more
/// algorithms may be registered for RFC 8120 section 12.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AlgorithmId {
    /// `iso-kam3-dl-4096-sha512` (RFC 8121 section 3.2).
    IsoKam3Dl4096Sha512,
    /// `iso-kam3-ec-p521-sha512` (RFC 8121 section 3.3).
    IsoKam3EcP521Sha512,
    /// `iso-kam3-dl-2048-sha256` (RFC 8121 section 3.2).
    IsoKam3Dl2048Sha256,
    /// `iso-kam3-ec-p256-sha256` (RFC 8121 section 3.3).
    IsoKam3EcP256Sha256,
}

impl AlgorithmId {
    /// Every Mutual algorithm, strongest first (the order of [`ALL_ALGORITHMS`]).
    pub const ALL: [AlgorithmId; 4] = [
        AlgorithmId::IsoKam3Dl4096Sha512,
        AlgorithmId::IsoKam3EcP521Sha512,
        AlgorithmId::IsoKam3Dl2048Sha256,
        AlgorithmId::IsoKam3EcP256Sha256,
    ];

    /// The algorithm's parameters: the table (RFC 8121 section 3, Appendix B).
    #[must_use]
    pub const fn spec(self) -> AlgorithmSpec {
        use MutualGroup::{Modp2048, Modp4096, P256, P521};
        use MutualHash::{Sha256, Sha512};
        use WireEncoding::{Base64FixedNumber as B64, HexFixedNumber as Hex};
        let (name, group, hash, element_len, wire) = match self {
            AlgorithmId::IsoKam3Dl4096Sha512 => {
                ("iso-kam3-dl-4096-sha512", Modp4096, Sha512, 512, B64)
            }
            AlgorithmId::IsoKam3EcP521Sha512 => ("iso-kam3-ec-p521-sha512", P521, Sha512, 66, Hex),
            AlgorithmId::IsoKam3Dl2048Sha256 => {
                ("iso-kam3-dl-2048-sha256", Modp2048, Sha256, 256, B64)
            }
            AlgorithmId::IsoKam3EcP256Sha256 => ("iso-kam3-ec-p256-sha256", P256, Sha256, 33, Hex),
        };
        AlgorithmSpec {
            name,
            group,
            hash,
            element_len,
            wire,
        }
    }

    /// The algorithm token (lower case).
    #[must_use]
    pub const fn name(self) -> &'static str {
        self.spec().name
    }

    /// The algorithm with this token (case-insensitive, RFC 8120 section 3.2.1).
    #[must_use]
    pub fn from_name(token: &str) -> Option<AlgorithmId> {
        AlgorithmId::ALL
            .into_iter()
            .find(|a| a.name().eq_ignore_ascii_case(token))
    }

    /// The implementation.
    #[must_use]
    pub const fn algorithm(self) -> &'static dyn Algorithm {
        match self {
            AlgorithmId::IsoKam3Dl4096Sha512 => &crate::IsoKam3Dl4096Sha512,
            AlgorithmId::IsoKam3EcP521Sha512 => &crate::IsoKam3EcP521Sha512,
            AlgorithmId::IsoKam3Dl2048Sha256 => &crate::IsoKam3Dl2048Sha256,
            AlgorithmId::IsoKam3EcP256Sha256 => &crate::IsoKam3EcP256Sha256,
        }
    }
}

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
    /// Which algorithm of the table ([`AlgorithmId::spec`]) this is; the parameter methods
    /// below read that table.
    fn id(&self) -> AlgorithmId;
    /// The algorithm token (`iso-kam3-dl-2048-sha256`, ...).
    fn token(&self) -> &'static str {
        self.id().name()
    }
    /// The hash function H.
    fn mutual_hash(&self) -> MutualHash {
        self.id().spec().hash
    }
    /// The hash function H as the workspace-wide [`HashFunction`].
    fn hash_function(&self) -> HashFunction {
        self.mutual_hash().function()
    }
    /// hSize / 8: the octets of H's output, of pi, VK_c and VK_s.
    fn hash_len(&self) -> usize {
        self.mutual_hash().output_len()
    }
    /// The natural length in octets of K_c1, K_s1, z and J (RFC 8121 Appendix B).
    fn element_len(&self) -> usize {
        self.id().spec().element_len
    }
    /// The wire encoding of kc1, ks1, vkc and vks.
    fn wire_encoding(&self) -> WireEncoding {
        self.id().spec().wire
    }
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
pub(crate) fn hash(h: MutualHash, parts: &[&[u8]]) -> Vec<u8> {
    match h {
        MutualHash::Sha512 => {
            let mut d = sha2::Sha512::new();
            parts.iter().for_each(|p| d.update(p));
            d.finalize().to_vec()
        }
        MutualHash::Sha256 => {
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

/// Every RFC 8121 algorithm, strongest first: [`AlgorithmId::ALL`] as implementations.
pub static ALL_ALGORITHMS: &[&dyn Algorithm] = &[
    AlgorithmId::ALL[0].algorithm(),
    AlgorithmId::ALL[1].algorithm(),
    AlgorithmId::ALL[2].algorithm(),
    AlgorithmId::ALL[3].algorithm(),
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
    AlgorithmId::from_name(token)
        .map(AlgorithmId::algorithm)
        .ok_or_else(|| Error::UnknownAlgorithm(token.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The table, the implementations and [`ALL_ALGORITHMS`] agree: every id's
    /// implementation reports that id, the list has every id once in table order, names
    /// round-trip (case-insensitively), and hSize follows the hash.
    #[test]
    fn one_table_of_algorithms() {
        assert_eq!(ALL_ALGORITHMS.len(), AlgorithmId::ALL.len());
        for (id, alg) in AlgorithmId::ALL.into_iter().zip(ALL_ALGORITHMS) {
            assert_eq!(alg.id(), id);
            assert_eq!(id.algorithm().id(), id);
            let spec = id.spec();
            assert_eq!(alg.token(), spec.name);
            assert_eq!(
                AlgorithmId::from_name(&spec.name.to_ascii_uppercase()),
                Some(id)
            );
            assert_eq!(alg.hash_len(), spec.hash.output_len());
            assert_eq!(alg.hash_function(), spec.hash.function());
            assert_eq!(alg.element_len(), spec.element_len);
            assert_eq!(alg.wire_encoding(), spec.wire);
            let is_dl = matches!(spec.group, MutualGroup::Modp2048 | MutualGroup::Modp4096);
            assert_eq!(
                spec.wire == WireEncoding::Base64FixedNumber,
                is_dl,
                "{}",
                spec.name
            );
        }
        assert_eq!(AlgorithmId::from_name("iso-kam3-dl-1024-sha1"), None);
        assert_eq!(
            algorithm_by_token("nope").err(),
            Some(Error::UnknownAlgorithm("nope".into()))
        );
    }
}
