//! Digest algorithms (RFC 7616 section 3.2, IANA "HTTP Digest Hash Algorithms") and the
//! hash functions behind them.

use httpauth_core::HashFunction;
use sha2::Digest as _;

/// A Digest `algorithm` value (RFC 7616 section 3.3).
///
/// ```text
/// algorithm = "algorithm" EQUAL ( "MD5" / "SHA-512-256" / "SHA-256" /
///             "MD5-sess" / "SHA-512-256-sess" / "SHA-256-sess" / token )
/// ```
///
/// The `-sess` variants hash the server and client nonces into `A1` (RFC 7616 section
/// 3.4.2). Tokens compare case-insensitively.
///
/// The set can grow (IANA registry): matches outside this crate need a wildcard arm. Inside
/// it, every match that picks a hash function, an output size or a preference is
/// exhaustive over this enum, so a new variant fails the build at each place that must
/// handle it (docs/design.md, "adding a Digest algorithm").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Algorithm {
    /// `SHA-512-256`: FIPS 180-4 SHA-512/256, with its own initial hash values (not a
    /// truncated SHA-512; see RFC 7616 erratum 4897).
    Sha512_256,
    /// `SHA-512-256-sess`.
    Sha512_256Sess,
    /// `SHA-256`.
    Sha256,
    /// `SHA-256-sess`.
    Sha256Sess,
    /// `MD5`. **Legacy**: kept because RFC 2617 clients (and Apache) know nothing else;
    /// RFC 7616 section 5.1 keeps it for backward compatibility only.
    Md5,
    /// `MD5-sess`. **Legacy**, as [`Algorithm::Md5`].
    Md5Sess,
}

/// Every algorithm, strongest first.
pub const ALL_ALGORITHMS: &[Algorithm] = &[
    Algorithm::Sha512_256,
    Algorithm::Sha512_256Sess,
    Algorithm::Sha256,
    Algorithm::Sha256Sess,
    Algorithm::Md5,
    Algorithm::Md5Sess,
];

/// What a server offers unless configured otherwise: the RFC 7616 algorithms without MD5.
/// Add [`Algorithm::Md5`] explicitly for RFC 2617 clients.
pub const DEFAULT_ALGORITHMS: &[Algorithm] = &[Algorithm::Sha512_256, Algorithm::Sha256];

impl Algorithm {
    /// The token as sent.
    pub const fn as_str(self) -> &'static str {
        match self {
            Algorithm::Sha512_256 => "SHA-512-256",
            Algorithm::Sha512_256Sess => "SHA-512-256-sess",
            Algorithm::Sha256 => "SHA-256",
            Algorithm::Sha256Sess => "SHA-256-sess",
            Algorithm::Md5 => "MD5",
            Algorithm::Md5Sess => "MD5-sess",
        }
    }

    /// Parses a token, ignoring ASCII case. `None` for tokens this crate does not know
    /// (a client skips such challenges; a server refuses such credentials).
    pub fn from_token(token: &str) -> Option<Self> {
        ALL_ALGORITHMS
            .iter()
            .copied()
            .find(|a| a.as_str().eq_ignore_ascii_case(token))
    }

    /// Index in [`ALL_ALGORITHMS`] (its order: strongest first).
    pub const fn position(self) -> usize {
        match self {
            Algorithm::Sha512_256 => 0,
            Algorithm::Sha512_256Sess => 1,
            Algorithm::Sha256 => 2,
            Algorithm::Sha256Sess => 3,
            Algorithm::Md5 => 4,
            Algorithm::Md5Sess => 5,
        }
    }

    /// The hash function `H`.
    pub const fn hash(self) -> HashFunction {
        match self {
            Algorithm::Sha512_256 | Algorithm::Sha512_256Sess => HashFunction::Sha512_256,
            Algorithm::Sha256 | Algorithm::Sha256Sess => HashFunction::Sha256,
            Algorithm::Md5 | Algorithm::Md5Sess => HashFunction::Md5,
        }
    }

    /// True for the `-sess` variants.
    pub const fn is_sess(self) -> bool {
        match self {
            Algorithm::Sha512_256Sess | Algorithm::Sha256Sess | Algorithm::Md5Sess => true,
            Algorithm::Sha512_256 | Algorithm::Sha256 | Algorithm::Md5 => false,
        }
    }

    /// Preference rank, 0 strongest: by hash function first; the plain and `-sess` forms
    /// of one hash are equally strong.
    pub const fn strength_rank(self) -> u8 {
        match self {
            Algorithm::Sha512_256 | Algorithm::Sha512_256Sess => 0,
            Algorithm::Sha256 | Algorithm::Sha256Sess => 1,
            Algorithm::Md5 | Algorithm::Md5Sess => 2,
        }
    }

    /// Length of `H` output in bytes.
    pub const fn output_len(self) -> usize {
        match self {
            Algorithm::Md5 | Algorithm::Md5Sess => 16,
            Algorithm::Sha256
            | Algorithm::Sha256Sess
            | Algorithm::Sha512_256
            | Algorithm::Sha512_256Sess => 32,
        }
    }

    /// A running hash of `H`.
    pub(crate) fn hasher(self) -> Hasher {
        match self {
            Algorithm::Sha512_256 | Algorithm::Sha512_256Sess => {
                Hasher::Sha512_256(sha2::Sha512_256::new())
            }
            Algorithm::Sha256 | Algorithm::Sha256Sess => Hasher::Sha256(sha2::Sha256::new()),
            Algorithm::Md5 | Algorithm::Md5Sess => Hasher::Md5(md5::Md5::new()),
        }
    }
}

impl core::fmt::Display for Algorithm {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A running hash under one of the [`HashFunction`]s.
#[derive(Clone)]
pub(crate) enum Hasher {
    Md5(md5::Md5),
    Sha256(sha2::Sha256),
    Sha512_256(sha2::Sha512_256),
    Sha512(sha2::Sha512),
}

impl Hasher {
    /// A hasher for `hash`, or `None` for a function this crate does not implement.
    pub(crate) fn new(hash: HashFunction) -> Option<Self> {
        Some(match hash {
            HashFunction::Md5 => Hasher::Md5(md5::Md5::new()),
            HashFunction::Sha256 => Hasher::Sha256(sha2::Sha256::new()),
            HashFunction::Sha512_256 => Hasher::Sha512_256(sha2::Sha512_256::new()),
            HashFunction::Sha512 => Hasher::Sha512(sha2::Sha512::new()),
            _ => return None,
        })
    }

    pub(crate) fn update(&mut self, data: &[u8]) {
        match self {
            Hasher::Md5(h) => h.update(data),
            Hasher::Sha256(h) => h.update(data),
            Hasher::Sha512_256(h) => h.update(data),
            Hasher::Sha512(h) => h.update(data),
        }
    }

    pub(crate) fn finalize(self) -> Vec<u8> {
        match self {
            Hasher::Md5(h) => h.finalize().to_vec(),
            Hasher::Sha256(h) => h.finalize().to_vec(),
            Hasher::Sha512_256(h) => h.finalize().to_vec(),
            Hasher::Sha512(h) => h.finalize().to_vec(),
        }
    }
}

/// `H(data)` for one of the Digest hash functions, as raw bytes.
pub(crate) fn hash_parts(alg: Algorithm, parts: &[&[u8]]) -> Vec<u8> {
    let mut h = alg.hasher();
    for p in parts {
        h.update(p);
    }
    h.finalize()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_case_insensitively() {
        for a in ALL_ALGORITHMS {
            assert_eq!(Algorithm::from_token(a.as_str()), Some(*a));
            assert_eq!(
                Algorithm::from_token(&a.as_str().to_ascii_lowercase()),
                Some(*a)
            );
        }
        assert_eq!(Algorithm::from_token("SHA-512"), None);
        assert_eq!(
            Algorithm::from_token("SHA-512-256-SESS"),
            Some(Algorithm::Sha512_256Sess)
        );
    }

    #[test]
    fn the_table_lists_every_algorithm_once_in_position_order() {
        for (i, a) in ALL_ALGORITHMS.iter().enumerate() {
            assert_eq!(a.position(), i, "{a}");
            assert_eq!(a.hasher().finalize().len(), a.output_len(), "{a}");
        }
    }
}
