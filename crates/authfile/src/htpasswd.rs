//! htpasswd files: `user:hash` lines, read as Apache's `mod_authn_file` reads them.
//!
//! ```text
//! file    = *( line EOL ) [ line ]          ; EOL = LF / CRLF
//! line    = *WSP ( record / comment / "" ) *WSP
//! comment = "#" *CHAR
//! record  = user 1*":" hash [ 1*":" *CHAR ]  ; fields after the hash are ignored
//! user    = 1*( CHAR except ":" )
//! hash    = *( CHAR except ":" )
//! ```
//!
//! This is `ap_cfg_getline` (which trims white space) followed by two `ap_getword(':')`
//! calls, which also skip runs of `:`. Deviations, each refusing an ambiguity Apache
//! resolves silently: a second record for the same user is an error (Apache uses the
//! first; see [`ParseMode::Lenient`]), and a line ending in `\` (which `ap_cfg_getline`
//! joins with the next) is an error.

use crate::doc::{Lines, ParseMode};
use crate::hash::{self, HashAlgorithm, HashFormat, VerifyPolicy};
use crate::{Error, LineError, validate_name};
use httpauth_core::{
    CredentialQuery, CredentialStore, FailureReason, Password, PasswordVerifier, StoredCredential,
};
use std::collections::HashMap;
use std::path::Path;

/// One parsed htpasswd record.
#[derive(Debug)]
pub(crate) struct Record {
    user: String,
    hash: Password,
    format: HashFormat,
}

/// What an edit did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// A new record was appended.
    Added,
    /// An existing record was rewritten in place.
    Updated,
}

/// A record's public facts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EntryInfo<'a> {
    /// The user name.
    pub user: &'a str,
    /// The hash format.
    pub format: HashFormat,
    /// The 1-based line number.
    pub line: usize,
}

/// An htpasswd file: every line as read, an index of users, and a verification policy.
///
/// ```
/// use authfile::{HtpasswdFile, HashAlgorithm, Password};
/// let mut f = HtpasswdFile::parse(b"# users\nalice:{SHA}qUqP5cyxm6YcTAhz05Hph5gvu9M=\n")?;
/// assert!(f.verify("alice", b"test")?);
/// f.set_password("bob", &Password::from("s3cret"), HashAlgorithm::Bcrypt { cost: 4 })?;
/// assert!(f.verify("bob", b"s3cret")?);
/// assert!(f.to_bytes().starts_with(b"# users\nalice:{SHA}"));
/// # Ok::<(), authfile::Error>(())
/// ```
#[derive(Debug)]
pub struct HtpasswdFile {
    lines: Lines<Record>,
    index: HashMap<String, usize>,
    policy: VerifyPolicy,
    /// Line of the record whose hash an unknown user is checked against; computed on the
    /// first unknown-user lookup after a parse or edit.
    dummy: std::sync::OnceLock<Option<usize>>,
}

/// A bcrypt hash (default cost) of a random password, made once: the work done for an
/// unknown user when the file has no record to imitate.
fn fallback_dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| {
        let mut pw = [0u8; 16];
        // If the OS generator fails the fixed password is still never accepted: the
        // result of a dummy verification is discarded.
        let _ = getrandom::fill(&mut pw);
        let pw = Password::new(crate::text::ct_hex_encode(&pw));
        hash::hash_password(&pw, HashAlgorithm::default())
            .map(|h| h.expose_secret().to_owned())
            .unwrap_or_default()
    })
}

impl HtpasswdFile {
    /// An empty file.
    pub fn new() -> Self {
        Self {
            lines: Lines::default(),
            index: HashMap::new(),
            policy: VerifyPolicy::default(),
            dummy: std::sync::OnceLock::new(),
        }
    }

    /// Parses a file strictly: any malformed line or duplicate user is an error naming the
    /// line.
    ///
    /// # Errors
    /// [`Error::Line`], [`Error::FileTooLarge`], [`Error::TooManyLines`].
    pub fn parse(input: &[u8]) -> Result<Self, Error> {
        Self::parse_with(input, ParseMode::Strict).map(|(f, _)| f)
    }

    /// Parses a file, keeping malformed lines verbatim and reporting them; duplicates
    /// resolve to the first record, as Apache does.
    ///
    /// # Errors
    /// Only the file-level limits ([`Error::FileTooLarge`], [`Error::TooManyLines`]).
    pub fn parse_lenient(input: &[u8]) -> Result<(Self, Vec<Error>), Error> {
        Self::parse_with(input, ParseMode::Lenient)
    }

    /// Parses in the given mode.
    ///
    /// # Errors
    /// As [`parse`](Self::parse) or [`parse_lenient`](Self::parse_lenient).
    pub fn parse_with(input: &[u8], mode: ParseMode) -> Result<(Self, Vec<Error>), Error> {
        let (mut lines, mut problems) = Lines::parse(input, mode, parse_record)?;
        let mut index = HashMap::new();
        for i in 0..lines.recs.len() {
            let Some(rec) = &lines.recs[i] else { continue };
            if let Some(&first) = index.get(&rec.user) {
                let e = Error::Line {
                    line: i + 1,
                    kind: LineError::Duplicate { first: first + 1 },
                };
                if mode == ParseMode::Strict {
                    return Err(e);
                }
                problems.push(e);
                lines.recs[i] = None;
            } else {
                index.insert(rec.user.clone(), i);
            }
        }
        let f = Self {
            lines,
            index,
            policy: VerifyPolicy::default(),
            dummy: std::sync::OnceLock::new(),
        };
        Ok((f, problems))
    }

    /// Reads and strictly parses `path`.
    ///
    /// # Errors
    /// [`Error::Io`], or a parse error naming the file and line.
    pub fn load(path: impl AsRef<Path>) -> Result<Self, Error> {
        let path = path.as_ref();
        let bytes = crate::read_limited(path)?;
        Self::parse(&bytes).map_err(|e| e.in_file(path))
    }

    /// Sets the verification policy.
    pub fn with_policy(mut self, policy: VerifyPolicy) -> Self {
        self.policy = policy;
        // The decoy depends on what the policy verifies.
        self.dummy = std::sync::OnceLock::new();
        self
    }

    /// The verification policy.
    pub fn policy(&self) -> &VerifyPolicy {
        &self.policy
    }

    /// The file's bytes: unedited lines exactly as read.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.lines.to_bytes()
    }

    /// Number of records.
    pub fn len(&self) -> usize {
        self.index.len()
    }

    /// True when there is no record.
    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// True if `user` has a record.
    pub fn contains(&self, user: &str) -> bool {
        self.index.contains_key(user)
    }

    /// The records in file order.
    pub fn entries(&self) -> impl Iterator<Item = EntryInfo<'_>> {
        self.lines.records().map(|(i, r)| EntryInfo {
            user: &r.user,
            format: r.format,
            line: i + 1,
        })
    }

    /// The stored hash of `user`.
    pub fn hash_of(&self, user: &str) -> Option<&Password> {
        self.record(user).map(|r| &r.hash)
    }

    fn record(&self, user: &str) -> Option<&Record> {
        let i = *self.index.get(user)?;
        self.lines.recs.get(i)?.as_ref()
    }

    /// Verifies `password` for `user` under the file's policy: [`check`](Self::check)
    /// reduced to a yes or no.
    ///
    /// # Errors
    /// None today; the `Result` leaves room for stores that can fail.
    pub fn verify(&self, user: &str, password: &[u8]) -> Result<bool, Error> {
        Ok(self.check(user, password).is_verified())
    }

    /// Checks `password` for `user` under the file's policy and says what happened, for
    /// the server's log (the client must learn no more than "authentication failed").
    ///
    /// - A password over [`MAX_PASSWORD_BYTES`](crate::MAX_PASSWORD_BYTES) is refused
    ///   before the user is looked up and before any hash work, so that neither its cost
    ///   nor the answer's timing depends on whether the user exists.
    /// - An unknown user costs the work of the costliest hash the file holds that the
    ///   policy verifies ([`decoy_format`](Self::decoy_format)): the password is checked
    ///   against that record's hash and the result discarded. A timing observer can then
    ///   not single out a user of a rare, slow format as known. (Users of cheaper formats
    ///   answer faster than unknown ones: keep one format per file.)
    /// - A record whose hash the policy refuses (DES crypt unless
    ///   [`VerifyPolicy::allow_des`], ...) is [`Verdict::Disallowed`], not a mismatch, so the
    ///   log can tell a policy refusal from a wrong password; one this build cannot verify
    ///   (DES crypt without the cargo feature `des-crypt`) is [`Verdict::Unsupported`].
    pub fn check(&self, user: &str, password: &[u8]) -> Verdict {
        if password.len() > crate::MAX_PASSWORD_BYTES {
            return Verdict::PasswordTooLong;
        }
        match self.index.get(user).copied() {
            Some(i) => {
                let Some(Some(r)) = self.lines.recs.get(i) else {
                    self.decoy_work(password);
                    return Verdict::UnknownUser;
                };
                let line = i + 1;
                let verdict = if self.policy.allows(&r.format) {
                    match hash::verify_hash(r.hash.expose_secret(), password, &self.policy) {
                        Ok(true) => Verdict::Verified,
                        Ok(false) => Verdict::Mismatch,
                        Err(Error::Disallowed(_)) => Verdict::Disallowed {
                            format: r.format,
                            line,
                        },
                        Err(Error::FeatureDisabled { feature, .. }) => Verdict::Unsupported {
                            format: r.format,
                            feature,
                            line,
                        },
                        Err(_) => Verdict::Unreadable { line },
                    }
                } else if let Some(feature) = r.format.missing_feature() {
                    Verdict::Unsupported {
                        format: r.format,
                        feature,
                        line,
                    }
                } else {
                    Verdict::Disallowed {
                        format: r.format,
                        line,
                    }
                };
                match verdict {
                    // A record refused without work would answer faster than an unknown
                    // user: do the decoy work for it too.
                    Verdict::Disallowed { .. }
                    | Verdict::Unsupported { .. }
                    | Verdict::Unreadable { .. } => {
                        self.decoy_work(password);
                    }
                    Verdict::Verified
                    | Verdict::Mismatch
                    | Verdict::UnknownUser
                    | Verdict::PasswordTooLong => {}
                }
                verdict
            }
            None => {
                self.decoy_work(password);
                Verdict::UnknownUser
            }
        }
    }

    /// Verifies `password` against the decoy hash and discards the result.
    fn decoy_work(&self, password: &[u8]) {
        let template: &str = match self.dummy_hash() {
            Some(t) => t,
            None => fallback_dummy_hash(),
        };
        let r = hash::verify_hash(template, password, &self.policy);
        core::hint::black_box(r.ok());
    }

    /// About how long [`check`](Self::check) takes for `user` and a password of
    /// `password_len` bytes, without doing it: the user's hash format under the policy
    /// ([`work_estimate_for_password`]), or the decoy work where `check` does that instead
    /// (an unknown user, a record the policy refuses or cannot read). Zero for a password
    /// over [`MAX_PASSWORD_BYTES`](crate::MAX_PASSWORD_BYTES), refused without work. A
    /// server uses it to run cheap checks inline and costly ones on a pool.
    pub fn verify_estimate(&self, user: &str, password_len: usize) -> std::time::Duration {
        if password_len > crate::MAX_PASSWORD_BYTES {
            return std::time::Duration::ZERO;
        }
        let own = self.record(user).map_or(0, |r| {
            work_estimate_for_password(&r.format, &self.policy, password_len)
        });
        let nanos = if own > 0 {
            own
        } else {
            work_estimate_for_password(&self.decoy_format(), &self.policy, password_len)
                // The fallback decoy (no record the policy verifies) is bcrypt.
                .max(1)
        };
        std::time::Duration::from_nanos(nanos)
    }

    /// The format whose work an unknown user costs: the costliest of the file's records
    /// the policy verifies (bcrypt at the highest cost present, SHA-crypt at the highest
    /// rounds, ...; see [`work_estimate`]). Bcrypt at [`DEFAULT_BCRYPT_COST`](crate::DEFAULT_BCRYPT_COST)
    /// when the file has no record.
    pub fn decoy_format(&self) -> HashFormat {
        match self.dummy_hash() {
            Some(h) => HashFormat::detect(h),
            None => HashFormat::Bcrypt {
                variant: hash::BcryptVariant::Y,
                cost: crate::DEFAULT_BCRYPT_COST,
            },
        }
    }

    /// The records the policy will never verify (DES crypt while
    /// [`VerifyPolicy::allow_des`] is off or the build lacks the cargo feature `des-crypt`,
    /// plaintext, a cost above the caps, malformed hashes), one warning each, in file order, for the caller to log once per load
    /// ([`FileCache`](crate::FileCache) does this through its reporter). Users of these
    /// records cannot log in.
    pub fn policy_warnings(&self) -> Vec<LoadWarning> {
        self.lines
            .records()
            .filter(|(_, r)| !self.policy.allows(&r.format))
            .map(|(i, r)| LoadWarning {
                path: None,
                line: i + 1,
                user: r.user.clone(),
                format: r.format,
                policy: self.policy,
            })
            .collect()
    }

    /// Picks the record costliest to verify under the policy (ties: the first) as the
    /// template for unknown users. O(n), once per parse or edit, not per lookup.
    fn choose_dummy(&self) -> Option<usize> {
        let mut best: Option<(u64, usize)> = None;
        for (i, r) in self.lines.records() {
            let w = work_estimate(&r.format, &self.policy);
            if best.is_none_or(|(bw, _)| w > bw) {
                best = Some((w, i));
            }
        }
        best.map(|(_, i)| i)
    }

    fn dummy_hash(&self) -> Option<&str> {
        let line = (*self.dummy.get_or_init(|| self.choose_dummy()))?;
        self.lines
            .recs
            .get(line)?
            .as_ref()
            .map(|r| r.hash.expose_secret())
    }

    /// Sets `user`'s hash to an already computed one (in place if the user exists, else
    /// appended).
    ///
    /// # Errors
    /// [`Error::InvalidName`] for a user name the format cannot carry;
    /// [`Error::UnsupportedHash`] for a hash holding `:` or control characters.
    pub fn set_hash(&mut self, user: &str, hash: Password) -> Result<Change, Error> {
        validate_user(user)?;
        let h = hash.expose_secret();
        if h.contains(':') || h.chars().any(char::is_control) || h != crate::text::apache_trim(h) {
            return Err(Error::UnsupportedHash);
        }
        let text = format!("{user}:{h}");
        let rec = Record {
            user: user.to_owned(),
            format: HashFormat::detect(h),
            hash,
        };
        match self.index.get(user) {
            Some(&i) => {
                self.lines.replace(i, text, rec);
                self.dummy = std::sync::OnceLock::new();
                Ok(Change::Updated)
            }
            None => {
                let i = self.lines.push(text, rec);
                self.index.insert(user.to_owned(), i);
                self.dummy = std::sync::OnceLock::new();
                Ok(Change::Added)
            }
        }
    }

    /// Hashes `password` with `algorithm` and stores it for `user`.
    ///
    /// # Errors
    /// As [`set_hash`](Self::set_hash) and [`hash_password`](crate::hash_password).
    pub fn set_password(
        &mut self,
        user: &str,
        password: &Password,
        algorithm: HashAlgorithm,
    ) -> Result<Change, Error> {
        validate_user(user)?;
        if password.as_bytes().len() > crate::MAX_PASSWORD_LEN {
            return Err(Error::PasswordTooLong {
                limit: crate::MAX_PASSWORD_LEN,
            });
        }
        let hash = hash::hash_password(password, algorithm)?;
        self.set_hash(user, hash)
    }

    /// Removes `user`'s record.
    ///
    /// # Errors
    /// [`Error::NotFound`] if there is none.
    pub fn remove(&mut self, user: &str) -> Result<(), Error> {
        let i = self.index.remove(user).ok_or(Error::NotFound)?;
        self.lines.remove(i);
        for v in self.index.values_mut() {
            if *v > i {
                *v -= 1;
            }
        }
        self.dummy = std::sync::OnceLock::new();
        Ok(())
    }
}

impl Default for HtpasswdFile {
    fn default() -> Self {
        Self::new()
    }
}

/// Rough cost of verifying one password against a hash of `format` under `policy`, in
/// nanoseconds on one core; 0 for a hash the policy refuses without work.
///
/// Only the order matters (it picks the unknown-user decoy). Calibrated on this crate's
/// implementations (x86-64, optimised build, 20 verifications each, a short password):
/// bcrypt cost 4 2.6 ms, cost 5 5.3 ms, cost 8 48 ms (about `2^cost * 160 us`);
/// SHA-512-crypt 4.4 ms and SHA-256-crypt 1.7 ms at 5000 rounds (870 and 340 ns per
/// round); apr1 0.14 ms; DES crypt about 50 us (measured as a third of apr1: this crate's
/// bit-by-bit permutations; feature `des-crypt`); `{SHA}` 0.7 us.
pub fn work_estimate(format: &HashFormat, policy: &VerifyPolicy) -> u64 {
    if !policy.allows(format) {
        return 0;
    }
    match *format {
        HashFormat::Bcrypt { cost, .. } => 160_000u64.saturating_mul(1u64 << cost.min(40)),
        HashFormat::Sha512Crypt { rounds } => 870u64.saturating_mul(u64::from(rounds)),
        HashFormat::Sha256Crypt { rounds } => 340u64.saturating_mul(u64::from(rounds)),
        HashFormat::Apr1 | HashFormat::Md5Crypt => 140_000,
        HashFormat::DesCrypt => 50_000,
        HashFormat::Sha1 => 700,
        HashFormat::Plaintext => 1,
        HashFormat::Malformed => 0,
    }
}

/// [`work_estimate`] for a password of `password_len` bytes: the formats that hash the
/// whole password in every round (MD5-crypt, SHA-crypt, `{SHA}`) cost more per round once
/// it no longer fits one block with the rest of a round's input. An upper bound: each
/// round is counted with the password twice and the salt, as its longest rounds have them.
/// bcrypt (the first 72 bytes) and DES crypt (the first 8) do not depend on the length.
pub fn work_estimate_for_password(
    format: &HashFormat,
    policy: &VerifyPolicy,
    password_len: usize,
) -> u64 {
    let base = work_estimate(format, policy);
    // Bytes of a round's input besides the password copies (digest and salt), and the
    // block size of the round's hash. MD5 and SHA-256 pad with 9 bytes, SHA-512 with 17.
    let (fixed, block) = match *format {
        HashFormat::Apr1 | HashFormat::Md5Crypt => (16 + 8 + 9, 64),
        HashFormat::Sha256Crypt { .. } => (32 + 16 + 9, 64),
        HashFormat::Sha512Crypt { .. } => (64 + 16 + 17, 128),
        HashFormat::Sha1 => (9, 64),
        _ => return base,
    };
    let blocks = |len: usize| (fixed + 2 * len).div_ceil(block).max(1) as u64;
    // work_estimate is calibrated on a short password (8 bytes).
    let factor = blocks(password_len).div_ceil(blocks(8));
    base.saturating_mul(factor)
}

/// What [`HtpasswdFile::check`] found. For the server's log only: the client learns no
/// more than "authentication failed", whatever the verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Verdict {
    /// The password is right.
    Verified,
    /// The user has a record and the password does not match it.
    Mismatch,
    /// No record for the user (the decoy work was done).
    UnknownUser,
    /// The user's record holds a hash the policy refuses (DES crypt while
    /// [`VerifyPolicy::allow_des`] is off, plaintext, a cost above the caps): no password
    /// can match until the policy or the record changes.
    Disallowed {
        /// The record's hash format.
        format: HashFormat,
        /// The record's 1-based line.
        line: usize,
    },
    /// The user's record holds a hash this build cannot verify because a cargo feature of
    /// this crate is off (DES crypt without `des-crypt`), whatever the policy says.
    Unsupported {
        /// The record's hash format.
        format: HashFormat,
        /// The missing cargo feature ([`HashFormat::missing_feature`]).
        feature: &'static str,
        /// The record's 1-based line.
        line: usize,
    },
    /// The user's record holds a hash this crate cannot interpret.
    Unreadable {
        /// The record's 1-based line.
        line: usize,
    },
    /// The password is longer than [`MAX_PASSWORD_BYTES`](crate::MAX_PASSWORD_BYTES); it
    /// was refused before the user was looked up.
    PasswordTooLong,
}

impl Verdict {
    /// True only for [`Verdict::Verified`].
    pub fn is_verified(self) -> bool {
        match self {
            Verdict::Verified => true,
            Verdict::Mismatch
            | Verdict::UnknownUser
            | Verdict::Disallowed { .. }
            | Verdict::Unsupported { .. }
            | Verdict::Unreadable { .. }
            | Verdict::PasswordTooLong => false,
        }
    }

    /// The reason for an [`httpauth_core::AuthFailure`], `None` when verified.
    ///
    /// A refused, unsupported or unreadable record is [`FailureReason::Disallowed`], so
    /// that the log tells a policy refusal (a DES entry while DES is off) from a wrong
    /// password ([`FailureReason::BadCredentials`]). All of them answer 401 alike.
    pub fn failure_reason(self) -> Option<FailureReason> {
        match self {
            Verdict::Verified => None,
            Verdict::Mismatch | Verdict::PasswordTooLong => Some(FailureReason::BadCredentials),
            Verdict::UnknownUser => Some(FailureReason::UnknownUser),
            Verdict::Disallowed { .. }
            | Verdict::Unsupported { .. }
            | Verdict::Unreadable { .. } => Some(FailureReason::Disallowed),
        }
    }
}

impl core::fmt::Display for Verdict {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Verdict::Verified => f.write_str("password verified"),
            Verdict::Mismatch => f.write_str("password does not match"),
            Verdict::UnknownUser => f.write_str("unknown user"),
            Verdict::Disallowed { format, line } => write!(
                f,
                "the user's {} hash on line {line} is refused by the verification policy",
                format.name()
            ),
            Verdict::Unsupported {
                format,
                feature,
                line,
            } => write!(
                f,
                "the user's {} hash on line {line} is not supported by this build (it needs \
                 authfile's cargo feature `{feature}`)",
                format.name()
            ),
            Verdict::Unreadable { line } => {
                write!(f, "the user's hash on line {line} cannot be interpreted")
            }
            Verdict::PasswordTooLong => write!(
                f,
                "password longer than {} bytes refused",
                crate::MAX_PASSWORD_BYTES
            ),
        }
    }
}

/// A record the verification policy will never verify, found when a file is loaded: its
/// user cannot log in. For the caller to log ([`HtpasswdFile::policy_warnings`],
/// [`FileCache`](crate::FileCache)'s reporter).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct LoadWarning {
    /// The file, when known.
    pub path: Option<std::path::PathBuf>,
    /// The record's 1-based line.
    pub line: usize,
    /// The record's user name.
    pub user: String,
    /// The record's hash format.
    pub format: HashFormat,
    /// The policy that refuses it.
    pub policy: VerifyPolicy,
}

impl LoadWarning {
    /// Attaches the file's path, so the message names file and line.
    pub fn in_file(mut self, path: impl Into<std::path::PathBuf>) -> Self {
        self.path = Some(path.into());
        self
    }
}

impl core::fmt::Display for LoadWarning {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match &self.path {
            Some(p) => write!(f, "{}:{}: ", p.display(), self.line)?,
            None => write!(f, "line {}: ", self.line)?,
        }
        write!(f, "user {:?}: ", self.user)?;
        match self.format {
            HashFormat::DesCrypt => match self.format.missing_feature() {
                Some(feature) => write!(
                    f,
                    "des-crypt hash not supported by this build; this user cannot log in \
                     (authfile's cargo feature `{feature}` with VerifyPolicy::allow_des \
                     accepts it; better, set a new password)"
                ),
                None => f.write_str(
                    "des-crypt hash refused by the verification policy; this user cannot log \
                     in (VerifyPolicy::allow_des accepts it; better, set a new password)",
                ),
            },
            HashFormat::Plaintext => f.write_str(
                "unrecognised hash (plaintext?) refused by the verification policy; this user \
                 cannot log in",
            ),
            HashFormat::Bcrypt { cost, .. } => write!(
                f,
                "bcrypt cost {cost} above the verification policy's maximum {}; this user \
                 cannot log in",
                self.policy.max_bcrypt_cost
            ),
            HashFormat::Sha256Crypt { rounds } | HashFormat::Sha512Crypt { rounds } => write!(
                f,
                "sha-crypt rounds {rounds} above the verification policy's maximum {}; this \
                 user cannot log in",
                self.policy.max_sha_rounds
            ),
            HashFormat::Malformed => {
                f.write_str("malformed or unsupported hash; this user cannot log in")
            }
            HashFormat::Apr1 | HashFormat::Md5Crypt | HashFormat::Sha1 => write!(
                f,
                "{} hash refused by the verification policy",
                self.format.name()
            ),
        }
    }
}

/// Checks that `user` can be an htpasswd user name: 1-255 bytes, no `:`, no control
/// characters, no leading `#` or surrounding white space.
///
/// # Errors
/// [`Error::InvalidName`].
pub fn validate_user(user: &str) -> Result<(), Error> {
    validate_name("user name", user, &[':'])
}

fn parse_record(text: &str, line: usize) -> Result<Record, Error> {
    let (user, rest) = crate::text::getword_colon(text);
    let Some(rest) = rest else {
        return Err(Error::Line {
            line,
            kind: LineError::MissingSeparator,
        });
    };
    if user.is_empty() {
        return Err(Error::Line {
            line,
            kind: LineError::EmptyName,
        });
    }
    let (hash, _extra) = crate::text::getword_colon(rest);
    Ok(Record {
        user: user.to_owned(),
        format: HashFormat::detect(hash),
        hash: Password::from(hash),
    })
}

impl PasswordVerifier for HtpasswdFile {
    fn verify_password(
        &self,
        user: &str,
        password: &Password,
    ) -> Result<bool, httpauth_core::Error> {
        Ok(self.verify(user, password.as_bytes()).unwrap_or(false))
    }

    fn verify_estimate(&self, user: &str, password_len: usize) -> Option<std::time::Duration> {
        Some(HtpasswdFile::verify_estimate(self, user, password_len))
    }
}

impl CredentialStore for HtpasswdFile {
    fn lookup(
        &self,
        user: &str,
        query: CredentialQuery<'_>,
    ) -> Result<Option<StoredCredential>, httpauth_core::Error> {
        let Some(r) = self.record(user) else {
            return Ok(None);
        };
        Ok(match query {
            CredentialQuery::PasswordHash => {
                Some(StoredCredential::PasswordHash(r.hash.duplicate()))
            }
            CredentialQuery::Plaintext
                if self.policy.allow_plaintext && r.format == HashFormat::Plaintext =>
            {
                Some(StoredCredential::Plaintext(r.hash.duplicate()))
            }
            _ => None,
        })
    }
}
