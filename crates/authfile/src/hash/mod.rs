//! Password hashes of htpasswd files: detection, verification, generation.
//!
//! Everything Apache 2.4 on Linux accepts is verified here in Rust, never through libc
//! `crypt()`, so the result does not depend on the distribution:
//!
//! | Prefix | Format | Verify | Write |
//! |---|---|---|---|
//! | `$2y$` `$2b$` `$2a$` `$2x$` | bcrypt, cost 4-31 | yes | `$2y$` (default) |
//! | `$5$` / `$6$` | SHA-256 / SHA-512-crypt, `rounds=` | yes | yes |
//! | `$apr1$` | Apache MD5-crypt | yes | yes (weak) |
//! | `$1$` | MD5-crypt | yes | no (weak) |
//! | `{SHA}` | unsalted SHA-1, base64 | yes | yes (weak) |
//! | 13 chars `[./0-9A-Za-z]` | DES crypt | only with the cargo feature `des-crypt` and [`VerifyPolicy::allow_des`] | no |
//! | anything else | plaintext | only if [`VerifyPolicy::allow_plaintext`] | only as [`HashAlgorithm::PlaintextInsecure`] |

mod crypt;
#[cfg(feature = "des-crypt")]
mod des;

use crate::Error;
use base64::Engine as _;
use httpauth_core::Password;
use sha1::{Digest, Sha1};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

pub(crate) use crypt::is_crypt64;
use crypt::{Md5Magic, ShaVariant};

/// The bcrypt cost this crate writes when none is given (2^10 rounds).
///
/// Apache's htpasswd defaults to 5, which current hardware breaks quickly.
pub const DEFAULT_BCRYPT_COST: u32 = 10;
/// The smallest bcrypt cost.
pub const MIN_BCRYPT_COST: u32 = 4;
/// The largest bcrypt cost.
pub const MAX_BCRYPT_COST: u32 = 31;
/// SHA-crypt rounds when a hash does not say (Drepper's `ROUNDS_DEFAULT`).
pub const DEFAULT_SHA_ROUNDS: u32 = crypt::SHA_ROUNDS_DEFAULT;
/// The smallest `rounds=` value SHA-crypt allows.
pub const MIN_SHA_ROUNDS: u32 = crypt::SHA_ROUNDS_MIN;
/// The largest `rounds=` value SHA-crypt allows.
pub const MAX_SHA_ROUNDS: u32 = crypt::SHA_ROUNDS_MAX;
/// Bytes of the password bcrypt uses; the rest is ignored (as by every bcrypt).
pub const BCRYPT_MAX_PASSWORD_LEN: usize = 72;
/// Bytes of the password DES crypt uses.
pub const DES_MAX_PASSWORD_LEN: usize = 8;
/// The cargo feature of this crate that DES crypt verification needs.
pub const DES_CRYPT_FEATURE: &str = "des-crypt";

/// The four bcrypt prefixes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BcryptVariant {
    /// `$2a$`.
    A,
    /// `$2b$`.
    B,
    /// `$2x$`: crypt_blowfish's marker for hashes made with the pre-2011 sign-extension bug.
    /// Identical to `$2b$` for ASCII passwords; 8-bit passwords are refused.
    X,
    /// `$2y$`: crypt_blowfish's correct variant; what this crate writes.
    Y,
}

/// The format of a stored htpasswd hash, as recognised from its prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HashFormat {
    /// bcrypt.
    Bcrypt {
        /// Which prefix.
        variant: BcryptVariant,
        /// log2 of the rounds, 4-31.
        cost: u32,
    },
    /// `$apr1$`, Apache's MD5-crypt. Weak (1000 MD5 iterations).
    Apr1,
    /// `$1$`, MD5-crypt. Weak.
    Md5Crypt,
    /// `$5$`, SHA-256-crypt.
    Sha256Crypt {
        /// The rounds (5000 when the hash does not say).
        rounds: u32,
    },
    /// `$6$`, SHA-512-crypt.
    Sha512Crypt {
        /// The rounds (5000 when the hash does not say).
        rounds: u32,
    },
    /// `{SHA}`: unsalted SHA-1. Weak.
    Sha1,
    /// Traditional DES crypt: 8-character passwords, 12-bit salt. Verification only: only
    /// in a build with the cargo feature `des-crypt` ([`DES_CRYPT_FEATURE`]), and only when
    /// the policy allows it. Recognised in every build, so that a build without the
    /// feature can name what is missing.
    DesCrypt,
    /// Anything else: a plaintext password if the policy allows plaintext, else unusable.
    Plaintext,
    /// A string with a known prefix that is malformed (for example `$2y$3x$...`, or
    /// `rounds=10`); never verifies.
    Malformed,
}

impl HashFormat {
    /// Recognises the format of `hash` (without checking every character).
    pub fn detect(hash: &str) -> HashFormat {
        let b = hash.as_bytes();
        if b.is_empty() {
            // `user:` with nothing after it: never an (empty) plaintext password.
            return HashFormat::Malformed;
        }
        if b.len() >= 4 && b[0] == b'$' && b[1] == b'2' && b[3] == b'$' {
            let variant = match b[2] {
                b'a' => BcryptVariant::A,
                b'b' => BcryptVariant::B,
                b'x' => BcryptVariant::X,
                b'y' => BcryptVariant::Y,
                _ => return HashFormat::Malformed,
            };
            return match bcrypt_cost(hash) {
                Some(cost) => HashFormat::Bcrypt { variant, cost },
                None => HashFormat::Malformed,
            };
        }
        if hash.starts_with("$apr1$") {
            return HashFormat::Apr1;
        }
        if hash.starts_with("$1$") {
            return HashFormat::Md5Crypt;
        }
        if hash.starts_with("$5$") || hash.starts_with("$6$") {
            return match crypt::parse_sha_setting(hash) {
                Some(s) => {
                    let rounds = s.rounds.unwrap_or(DEFAULT_SHA_ROUNDS);
                    match s.variant {
                        ShaVariant::Sha256 => HashFormat::Sha256Crypt { rounds },
                        ShaVariant::Sha512 => HashFormat::Sha512Crypt { rounds },
                    }
                }
                None => HashFormat::Malformed,
            };
        }
        if hash.starts_with("{SHA}") {
            return HashFormat::Sha1;
        }
        if b.len() == 13 && b.iter().all(|&c| is_crypt64(c)) {
            return HashFormat::DesCrypt;
        }
        if hash.starts_with('$') {
            // yescrypt (`$y$`), scrypt, gost and other libxcrypt formats: Apache would
            // hand these to crypt(), so what verifies differs per distribution. Refused.
            return HashFormat::Malformed;
        }
        HashFormat::Plaintext
    }

    /// A short name for messages (`bcrypt`, `apr1`, `sha-512-crypt`).
    pub fn name(&self) -> &'static str {
        match self {
            HashFormat::Bcrypt { .. } => "bcrypt",
            HashFormat::Apr1 => "apr1",
            HashFormat::Md5Crypt => "md5-crypt",
            HashFormat::Sha256Crypt { .. } => "sha-256-crypt",
            HashFormat::Sha512Crypt { .. } => "sha-512-crypt",
            HashFormat::Sha1 => "sha1",
            HashFormat::DesCrypt => "des-crypt",
            HashFormat::Plaintext => "plaintext",
            HashFormat::Malformed => "malformed",
        }
    }

    /// The cargo feature of this crate that this build lacks to verify `self`:
    /// `Some("des-crypt")` for [`HashFormat::DesCrypt`] without the feature, `None` for
    /// every format this build can verify.
    pub fn missing_feature(&self) -> Option<&'static str> {
        match self {
            HashFormat::DesCrypt if !cfg!(feature = "des-crypt") => Some(DES_CRYPT_FEATURE),
            HashFormat::DesCrypt
            | HashFormat::Bcrypt { .. }
            | HashFormat::Apr1
            | HashFormat::Md5Crypt
            | HashFormat::Sha256Crypt { .. }
            | HashFormat::Sha512Crypt { .. }
            | HashFormat::Sha1
            | HashFormat::Plaintext
            | HashFormat::Malformed => None,
        }
    }

    /// True for formats an attacker with the file can brute-force cheaply: MD5-based,
    /// unsalted SHA-1, DES and plaintext.
    pub fn is_weak(&self) -> bool {
        !matches!(
            self,
            HashFormat::Bcrypt { .. }
                | HashFormat::Sha256Crypt { .. }
                | HashFormat::Sha512Crypt { .. }
        )
    }
}

/// The cost of a bcrypt string `$2?$NN$...`: exactly two ASCII digits, 4-31.
fn bcrypt_cost(hash: &str) -> Option<u32> {
    let b = hash.as_bytes();
    if b.len() < 7 || b[6] != b'$' || !b[4].is_ascii_digit() || !b[5].is_ascii_digit() {
        return None;
    }
    let cost = u32::from(b[4] - b'0') * 10 + u32::from(b[5] - b'0');
    (MIN_BCRYPT_COST..=MAX_BCRYPT_COST)
        .contains(&cost)
        .then_some(cost)
}

/// What a verifier accepts beyond the modern formats.
///
/// The default refuses DES crypt and plaintext and caps the work one verification may cost;
/// [`VerifyPolicy::apache_compatible`] accepts everything Apache 2.4 on Linux accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct VerifyPolicy {
    /// Accept traditional DES crypt hashes (only the first 8 password bytes count). Takes
    /// effect only in a build with the cargo feature `des-crypt`; without it DES hashes are
    /// refused whatever this says ([`Error::FeatureDisabled`]).
    pub allow_des: bool,
    /// Treat unrecognised hash strings as plaintext passwords. Apache does this only on
    /// Windows and NetWare.
    pub allow_plaintext: bool,
    /// The highest bcrypt cost verified; a higher one is refused rather than spending
    /// 2^cost work per request.
    pub max_bcrypt_cost: u32,
    /// The highest SHA-crypt rounds verified.
    pub max_sha_rounds: u32,
}

/// The default cap on the bcrypt cost a verifier accepts.
pub const DEFAULT_MAX_VERIFY_BCRYPT_COST: u32 = 18;
/// The default cap on the SHA-crypt rounds a verifier accepts.
pub const DEFAULT_MAX_VERIFY_SHA_ROUNDS: u32 = 10_000_000;

impl Default for VerifyPolicy {
    fn default() -> Self {
        Self {
            allow_des: false,
            allow_plaintext: false,
            max_bcrypt_cost: DEFAULT_MAX_VERIFY_BCRYPT_COST,
            max_sha_rounds: DEFAULT_MAX_VERIFY_SHA_ROUNDS,
        }
    }
}

impl VerifyPolicy {
    /// Everything Apache 2.4 on Linux verifies: adds DES crypt and lifts the work caps.
    /// Plaintext stays off (Apache on Linux never compares plaintext).
    pub fn apache_compatible() -> Self {
        Self {
            allow_des: true,
            allow_plaintext: false,
            max_bcrypt_cost: MAX_BCRYPT_COST,
            max_sha_rounds: MAX_SHA_ROUNDS,
        }
    }

    /// Allows DES crypt (in a build with the cargo feature `des-crypt`).
    pub fn with_des(mut self, allow: bool) -> Self {
        self.allow_des = allow;
        self
    }

    /// Allows plaintext passwords (weak; for files written with `htpasswd -p`).
    pub fn with_plaintext_insecure(mut self, allow: bool) -> Self {
        self.allow_plaintext = allow;
        self
    }
}

impl VerifyPolicy {
    /// True if a hash of `format` is verified under this policy; false for a format it
    /// refuses without doing any work (DES crypt or plaintext while not allowed, a bcrypt
    /// cost or SHA-crypt rounds above the caps, a malformed hash), and for a format this
    /// build cannot verify ([`HashFormat::missing_feature`]: DES crypt without the cargo
    /// feature `des-crypt`).
    ///
    /// `$2x$` bcrypt is allowed here; it is refused per password (8-bit passwords only).
    pub fn allows(&self, format: &HashFormat) -> bool {
        match *format {
            HashFormat::Bcrypt { cost, .. } => cost <= self.max_bcrypt_cost,
            HashFormat::Sha256Crypt { rounds } | HashFormat::Sha512Crypt { rounds } => {
                rounds <= self.max_sha_rounds
            }
            HashFormat::Apr1 | HashFormat::Md5Crypt | HashFormat::Sha1 => true,
            HashFormat::DesCrypt => self.allow_des && cfg!(feature = "des-crypt"),
            HashFormat::Plaintext => self.allow_plaintext,
            HashFormat::Malformed => false,
        }
    }
}

/// Verifies `password` against the stored `hash`.
///
/// The comparison is constant-time; the work depends on the hash's public parameters and
/// the password's length, not its contents. A password longer than
/// [`MAX_PASSWORD_BYTES`](crate::MAX_PASSWORD_BYTES) is refused before any work.
///
/// # Errors
/// [`Error::PasswordTooLong`] for a password over
/// [`MAX_PASSWORD_BYTES`](crate::MAX_PASSWORD_BYTES), [`Error::FeatureDisabled`] for a DES
/// crypt hash in a build without the cargo feature `des-crypt` (whatever the policy),
/// [`Error::Disallowed`] for a format or cost the policy refuses,
/// [`Error::UnsupportedHash`] for a malformed or unknown hash. A wrong password is
/// `Ok(false)`.
pub fn verify_hash(hash: &str, password: &[u8], policy: &VerifyPolicy) -> Result<bool, Error> {
    if password.len() > crate::MAX_PASSWORD_BYTES {
        return Err(Error::PasswordTooLong {
            limit: crate::MAX_PASSWORD_BYTES,
        });
    }
    match HashFormat::detect(hash) {
        HashFormat::Bcrypt { variant, cost } => {
            if cost > policy.max_bcrypt_cost {
                return Err(Error::Disallowed("bcrypt above the policy's cost"));
            }
            if variant == BcryptVariant::X && !password.is_ascii() {
                return Err(Error::Disallowed("bcrypt $2x$ with an 8-bit password"));
            }
            bcrypt::verify(password, hash).map_err(|_| Error::UnsupportedHash)
        }
        HashFormat::Apr1 => Ok(verify_md5(hash, password, Md5Magic::Apr1)),
        HashFormat::Md5Crypt => Ok(verify_md5(hash, password, Md5Magic::Md5Crypt)),
        HashFormat::Sha256Crypt { rounds } | HashFormat::Sha512Crypt { rounds } => {
            if rounds > policy.max_sha_rounds {
                return Err(Error::Disallowed("sha-crypt above the policy's rounds"));
            }
            let setting = crypt::parse_sha_setting(hash).ok_or(Error::UnsupportedHash)?;
            let computed = crypt::sha_crypt(password, &setting);
            Ok(ct_eq_str(&computed, hash))
        }
        HashFormat::Sha1 => Ok(ct_eq_str(&sha1_hash(password), hash)),
        HashFormat::DesCrypt => verify_des(hash, password, policy),
        HashFormat::Plaintext => {
            if !policy.allow_plaintext {
                return Err(Error::Disallowed("plaintext"));
            }
            Ok(bool::from(password.ct_eq(hash.as_bytes())))
        }
        HashFormat::Malformed => Err(Error::UnsupportedHash),
    }
}

/// DES crypt: obsolete (a 56-bit key from the first 8 password bytes) and not constant
/// time (secret-indexed S-box lookups); compiled only with the cargo feature `des-crypt`,
/// run only when the policy allows it. See `des.rs`.
#[cfg(feature = "des-crypt")]
fn verify_des(hash: &str, password: &[u8], policy: &VerifyPolicy) -> Result<bool, Error> {
    if !policy.allow_des {
        return Err(Error::Disallowed("des-crypt"));
    }
    // `detect` saw 13 crypt64 characters; the salt is the first two.
    let computed = des::des_crypt(password, &hash.as_bytes()[..2]).ok_or(Error::UnsupportedHash)?;
    Ok(ct_eq_str(&computed, hash))
}

/// Without the cargo feature `des-crypt` a DES crypt hash is not verified whatever the
/// policy says: an error that names the feature, never a silent mismatch.
#[cfg(not(feature = "des-crypt"))]
fn verify_des(_hash: &str, _password: &[u8], _policy: &VerifyPolicy) -> Result<bool, Error> {
    Err(Error::FeatureDisabled {
        format: HashFormat::DesCrypt.name(),
        feature: DES_CRYPT_FEATURE,
    })
}

fn ct_eq_str(a: &str, b: &str) -> bool {
    bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

fn verify_md5(hash: &str, password: &[u8], magic: Md5Magic) -> bool {
    let Some(salt) = crypt::md5_salt(hash, magic) else {
        return false;
    };
    ct_eq_str(&crypt::md5_crypt(password, salt, magic), hash)
}

fn sha1_hash(password: &[u8]) -> Zeroizing<String> {
    let digest = Sha1::digest(password);
    let mut s = Zeroizing::new(String::from("{SHA}"));
    base64::engine::general_purpose::STANDARD.encode_string(digest, &mut s);
    s
}

/// A hash format this crate writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HashAlgorithm {
    /// bcrypt `$2y$` with the given cost (4-31). The default, with
    /// [`DEFAULT_BCRYPT_COST`].
    Bcrypt {
        /// log2 of the rounds.
        cost: u32,
    },
    /// SHA-256-crypt (`$5$`); `rounds: None` writes no `rounds=` (5000 rounds).
    Sha256Crypt {
        /// Rounds, 1000-999999999.
        rounds: Option<u32>,
    },
    /// SHA-512-crypt (`$6$`).
    Sha512Crypt {
        /// Rounds, 1000-999999999.
        rounds: Option<u32>,
    },
    /// Apache MD5-crypt (`$apr1$`), Apache's own default. Weak.
    Apr1,
    /// Unsalted SHA-1 (`{SHA}`). Weak; for old clients only.
    Sha1Insecure,
    /// The password itself. Apache on Linux never accepts it.
    PlaintextInsecure,
}

impl Default for HashAlgorithm {
    fn default() -> Self {
        HashAlgorithm::Bcrypt {
            cost: DEFAULT_BCRYPT_COST,
        }
    }
}

impl HashAlgorithm {
    /// Checks the parameters.
    ///
    /// # Errors
    /// [`Error::BcryptCost`] or [`Error::ShaRounds`] when out of range.
    pub fn validate(&self) -> Result<(), Error> {
        match *self {
            HashAlgorithm::Bcrypt { cost }
                if !(MIN_BCRYPT_COST..=MAX_BCRYPT_COST).contains(&cost) =>
            {
                Err(Error::BcryptCost(cost))
            }
            HashAlgorithm::Sha256Crypt { rounds: Some(r) }
            | HashAlgorithm::Sha512Crypt { rounds: Some(r) }
                if !(MIN_SHA_ROUNDS..=MAX_SHA_ROUNDS).contains(&r) =>
            {
                Err(Error::ShaRounds(u64::from(r)))
            }
            _ => Ok(()),
        }
    }
}

fn random_bytes<const N: usize>() -> Result<[u8; N], Error> {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).map_err(|_| Error::Random)?;
    Ok(b)
}

fn random_crypt64_salt(len: usize) -> Result<String, Error> {
    let bytes = random_bytes::<16>()?;
    // 256 is a multiple of 64, so `& 63` is uniform.
    Ok(bytes[..len]
        .iter()
        .map(|&b| char::from(crypt::ITOA64[usize::from(b & 63)]))
        .collect())
}

/// Hashes `password` with a fresh random salt.
///
/// # Errors
/// [`Error::BcryptCost`] / [`Error::ShaRounds`] for bad parameters, [`Error::Random`] if
/// the OS random generator fails, [`Error::UnstorablePlaintext`] for a plaintext password
/// holding `:` or a control character.
pub fn hash_password(password: &Password, algorithm: HashAlgorithm) -> Result<Password, Error> {
    algorithm.validate()?;
    match algorithm {
        HashAlgorithm::Bcrypt { cost } => {
            let salt = random_bytes::<16>()?;
            hash_bcrypt(password, cost, salt)
        }
        HashAlgorithm::Sha256Crypt { .. } | HashAlgorithm::Sha512Crypt { .. } => {
            hash_password_with_salt(password, algorithm, &random_crypt64_salt(16)?)
        }
        HashAlgorithm::Apr1 => {
            hash_password_with_salt(password, algorithm, &random_crypt64_salt(8)?)
        }
        HashAlgorithm::Sha1Insecure | HashAlgorithm::PlaintextInsecure => {
            hash_password_with_salt(password, algorithm, "")
        }
    }
}

fn hash_bcrypt(password: &Password, cost: u32, salt: [u8; 16]) -> Result<Password, Error> {
    let parts = bcrypt::hash_with_salt(password.as_bytes(), cost, salt)
        .map_err(|_| Error::BcryptCost(cost))?;
    Ok(Password::new(
        parts.format_for_version(bcrypt::Version::TwoY),
    ))
}

/// Hashes `password` with the given salt: reproducible output for known-answer tests.
///
/// `salt` is crypt64 text (`[./0-9A-Za-z]`, up to 16 characters for SHA-crypt, 8 for apr1,
/// 22 for bcrypt, whose salt is the 16 bytes those 22 characters encode); it is ignored by
/// `{SHA}` and plaintext. Real hashes need random salts: use [`hash_password`].
///
/// # Errors
/// As [`hash_password`], and [`Error::UnsupportedHash`] for a salt that is not crypt64.
pub fn hash_password_with_salt(
    password: &Password,
    algorithm: HashAlgorithm,
    salt: &str,
) -> Result<Password, Error> {
    algorithm.validate()?;
    let salt_ok = salt.bytes().all(is_crypt64);
    let pw = password.as_bytes();
    let out = match algorithm {
        HashAlgorithm::Bcrypt { cost } => {
            if salt.len() != 22 || !salt_ok {
                return Err(Error::UnsupportedHash);
            }
            // Let the bcrypt crate decode its own salt alphabet: build a setting and split it.
            let setting = format!("$2y${cost:02}${salt}{}", ".".repeat(31));
            let parts: bcrypt::HashParts = setting.parse().map_err(|_| Error::UnsupportedHash)?;
            return hash_bcrypt(password, cost, parts.get_salt_raw());
        }
        HashAlgorithm::Sha256Crypt { rounds } | HashAlgorithm::Sha512Crypt { rounds } => {
            if salt.len() > 16 || !salt_ok {
                return Err(Error::UnsupportedHash);
            }
            let variant = if matches!(algorithm, HashAlgorithm::Sha256Crypt { .. }) {
                ShaVariant::Sha256
            } else {
                ShaVariant::Sha512
            };
            crypt::sha_crypt(
                pw,
                &crypt::ShaSetting {
                    variant,
                    rounds,
                    salt,
                },
            )
        }
        HashAlgorithm::Apr1 => {
            if salt.len() > 8 || !salt_ok {
                return Err(Error::UnsupportedHash);
            }
            crypt::md5_crypt(pw, salt, Md5Magic::Apr1)
        }
        HashAlgorithm::Sha1Insecure => sha1_hash(pw),
        HashAlgorithm::PlaintextInsecure => {
            let s = password.expose_secret();
            if s.contains(':')
                || s.chars().any(char::is_control)
                || s != crate::text::apache_trim(s)
            {
                return Err(Error::UnstorablePlaintext);
            }
            Zeroizing::new(s.to_owned())
        }
    };
    Ok(Password::new(out.to_string()))
}

/// MD5-crypt (`$1$`) with the given salt, for verification tests and migration tools.
/// This crate never writes `$1$` to a file.
pub fn md5_crypt_with_salt(password: &[u8], salt: &str) -> Password {
    Password::new(crypt::md5_crypt(password, salt, Md5Magic::Md5Crypt).to_string())
}
