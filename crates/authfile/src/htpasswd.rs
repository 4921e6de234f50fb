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
    CredentialQuery, CredentialStore, Password, PasswordVerifier, StoredCredential,
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

    /// Verifies `password` for `user` under the file's policy.
    ///
    /// An unknown user costs the same work as a wrong password: the password is checked
    /// against the hash of a record in the file's most common format (then the result is
    /// discarded). A hash the policy refuses or cannot read verifies nothing.
    ///
    /// # Errors
    /// None today; the `Result` leaves room for stores that can fail.
    pub fn verify(&self, user: &str, password: &[u8]) -> Result<bool, Error> {
        match self.record(user) {
            Some(r) => Ok(
                hash::verify_hash(r.hash.expose_secret(), password, &self.policy).unwrap_or(false),
            ),
            None => {
                let template: &str = match self.dummy_hash() {
                    Some(t) => t,
                    None => fallback_dummy_hash(),
                };
                let r = hash::verify_hash(template, password, &self.policy);
                core::hint::black_box(r.ok());
                Ok(false)
            }
        }
    }

    /// Picks the first record of the most common format (ties: the costlier) as the
    /// template for unknown users. O(n), once per parse or edit, not per lookup.
    fn choose_dummy(&self) -> Option<usize> {
        let mut counts: HashMap<HashFormat, (usize, usize)> = HashMap::new();
        for (i, r) in self.lines.records() {
            counts.entry(r.format).or_insert((0, i)).0 += 1;
        }
        counts
            .iter()
            .max_by_key(|(f, (n, _))| (*n, work_rank(f)))
            .map(|(_, &(_, line))| line)
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

fn work_rank(f: &HashFormat) -> u64 {
    match *f {
        HashFormat::Bcrypt { cost, .. } => 1u64 << cost.min(40),
        HashFormat::Sha256Crypt { rounds } | HashFormat::Sha512Crypt { rounds } => {
            u64::from(rounds) / 100
        }
        HashFormat::Apr1 | HashFormat::Md5Crypt => 10,
        HashFormat::DesCrypt => 2,
        _ => 0,
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
