//! htdigest files: `user:realm:HA1` (RFC 2617 section 3.2.2.2, RFC 7616 section 3.4.2),
//! with the SHA-256 and userhash extension.
//!
//! ```text
//! record   = user 1*":" realm 1*":" ha1-hex [ 1*":" userhash-hex ]
//! ha1-hex  = 32HEXDIG / 64HEXDIG   ; 32: MD5, 64: SHA-256
//! userhash-hex = HEXDIG string of the same length: H(user ":" realm) (RFC 7616 section 3.4.4)
//! ```
//!
//! Apache's `mod_auth_digest` reads the first three fields (`ap_getword(':')` each, which
//! skips runs of `:`) and ignores the rest, so files with SHA-256 lines stay readable by
//! Apache as long as the MD5 line of a user comes first. A user may have one record per
//! (realm, algorithm). Deviation: SHA-512/256 HA1s are also 64 hex digits and cannot be
//! told apart from SHA-256 ones; 64 digits always mean SHA-256.

use crate::doc::{Lines, ParseMode};
use crate::text::{ct_hex_decode, ct_hex_encode, getword_colon};
use crate::{Error, LineError, validate_name};
use httpauth_core::{
    CredentialQuery, CredentialStore, HashFunction, Password, SecretBytes, StoredCredential,
};
use md5::Md5;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::Path;

/// The Digest hash of an htdigest record, told by the HA1's length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DigestHash {
    /// MD5: 32 hex digits. What Apache's htdigest writes.
    Md5,
    /// SHA-256: 64 hex digits.
    Sha256,
}

impl DigestHash {
    /// The core hash function.
    pub fn function(self) -> HashFunction {
        match self {
            DigestHash::Md5 => HashFunction::Md5,
            DigestHash::Sha256 => HashFunction::Sha256,
        }
    }

    /// The digest length in bytes.
    pub fn output_len(self) -> usize {
        match self {
            DigestHash::Md5 => 16,
            DigestHash::Sha256 => 32,
        }
    }

    /// Maps a core hash function; `None` for functions htdigest files cannot hold.
    pub fn from_function(h: HashFunction) -> Option<Self> {
        match h {
            HashFunction::Md5 => Some(DigestHash::Md5),
            HashFunction::Sha256 => Some(DigestHash::Sha256),
            _ => None,
        }
    }

    fn digest(self, parts: &[&[u8]]) -> Vec<u8> {
        match self {
            DigestHash::Md5 => {
                let mut h = Md5::new();
                for p in parts {
                    h.update(p);
                }
                h.finalize().to_vec()
            }
            DigestHash::Sha256 => {
                let mut h = Sha256::new();
                for p in parts {
                    h.update(p);
                }
                h.finalize().to_vec()
            }
        }
    }
}

/// Checks that `realm` can be written as an htdigest realm: 1-255 bytes, no `:`, no control
/// characters, no leading `#` or surrounding white space (the rules
/// [`validate_user`](crate::validate_user) applies to user names, which htdigest shares).
///
/// # Errors
/// [`Error::InvalidName`] naming the realm.
pub fn validate_realm(realm: &str) -> Result<(), Error> {
    validate_name("realm", realm, &[':'])
}

/// `HA1 = H(user ":" realm ":" password)` (RFC 7616 section 3.4.2).
pub fn digest_ha1(hash: DigestHash, user: &str, realm: &str, password: &Password) -> SecretBytes {
    SecretBytes::new(hash.digest(&[
        user.as_bytes(),
        b":",
        realm.as_bytes(),
        b":",
        password.as_bytes(),
    ]))
}

/// `userhash = H(user ":" realm)` (RFC 7616 section 3.4.4).
pub fn digest_userhash(hash: DigestHash, user: &str, realm: &str) -> Vec<u8> {
    hash.digest(&[user.as_bytes(), b":", realm.as_bytes()])
}

#[derive(Debug)]
pub(crate) struct Record {
    user: String,
    realm: String,
    hash: DigestHash,
    ha1: SecretBytes,
    userhash: Vec<u8>,
}

type Key = (String, String, DigestHash);

/// An htdigest file.
///
/// ```
/// use authfile::{DigestHash, HtdigestFile, Password};
/// let mut f = HtdigestFile::new();
/// f.set_password("Mufasa", "testrealm@host.com", &Password::from("Circle Of Life"), DigestHash::Md5, false)?;
/// assert_eq!(f.to_bytes(), b"Mufasa:testrealm@host.com:939e7578ed9e3c518a452acee763bce9\n");
/// # Ok::<(), authfile::Error>(())
/// ```
#[derive(Debug, Default)]
pub struct HtdigestFile {
    lines: Lines<Record>,
    index: HashMap<Key, usize>,
    by_userhash: HashMap<(String, DigestHash, Vec<u8>), String>,
}

impl HtdigestFile {
    /// An empty file.
    pub fn new() -> Self {
        Self::default()
    }

    /// Parses strictly.
    ///
    /// # Errors
    /// [`Error::Line`] for a malformed line or a duplicate (user, realm, algorithm), and the
    /// file-level limits.
    pub fn parse(input: &[u8]) -> Result<Self, Error> {
        Self::parse_with(input, ParseMode::Strict).map(|(f, _)| f)
    }

    /// Parses leniently (see [`ParseMode::Lenient`]).
    ///
    /// # Errors
    /// The file-level limits only.
    pub fn parse_lenient(input: &[u8]) -> Result<(Self, Vec<Error>), Error> {
        Self::parse_with(input, ParseMode::Lenient)
    }

    /// Parses in the given mode.
    ///
    /// # Errors
    /// As [`parse`](Self::parse) / [`parse_lenient`](Self::parse_lenient).
    pub fn parse_with(input: &[u8], mode: ParseMode) -> Result<(Self, Vec<Error>), Error> {
        let (mut lines, mut problems) = Lines::parse(input, mode, parse_record)?;
        let mut index = HashMap::new();
        for i in 0..lines.recs.len() {
            let Some(r) = &lines.recs[i] else { continue };
            let key = (r.user.clone(), r.realm.clone(), r.hash);
            if let Some(&first) = index.get(&key) {
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
                index.insert(key, i);
            }
        }
        let mut f = Self {
            lines,
            index,
            by_userhash: HashMap::new(),
        };
        f.rebuild_userhash();
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

    fn rebuild_userhash(&mut self) {
        self.by_userhash = self
            .lines
            .records()
            .map(|(_, r)| {
                (
                    (r.realm.clone(), r.hash, r.userhash.clone()),
                    r.user.clone(),
                )
            })
            .collect();
    }

    fn reindex(&mut self) {
        self.index = self
            .lines
            .records()
            .map(|(i, r)| ((r.user.clone(), r.realm.clone(), r.hash), i))
            .collect();
        self.rebuild_userhash();
    }

    /// The file's bytes.
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

    /// The (user, realm, hash) of every record, in file order.
    pub fn entries(&self) -> impl Iterator<Item = (&str, &str, DigestHash)> {
        self.lines
            .records()
            .map(|(_, r)| (r.user.as_str(), r.realm.as_str(), r.hash))
    }

    /// The HA1 of `user` in `realm` under `hash` (raw bytes).
    pub fn ha1(&self, user: &str, realm: &str, hash: DigestHash) -> Option<&SecretBytes> {
        let i = *self.index.get(&(user.to_owned(), realm.to_owned(), hash))?;
        self.lines.recs.get(i)?.as_ref().map(|r| &r.ha1)
    }

    /// True if `user` has a record in `realm` under any hash.
    pub fn contains(&self, user: &str, realm: &str) -> bool {
        [DigestHash::Md5, DigestHash::Sha256]
            .iter()
            .any(|&h| self.ha1(user, realm, h).is_some())
    }

    /// Verifies a password by recomputing HA1 and comparing in constant time. An unknown
    /// user does the same hashing as a known one.
    pub fn verify(&self, user: &str, realm: &str, hash: DigestHash, password: &Password) -> bool {
        use subtle::ConstantTimeEq;
        let computed = digest_ha1(hash, user, realm, password);
        match self.ha1(user, realm, hash) {
            Some(stored) => bool::from(stored.ct_eq(&computed)),
            None => {
                core::hint::black_box(computed.ct_eq(&computed));
                false
            }
        }
    }

    /// Sets the HA1 of `password` for (`user`, `realm`, `hash`); with `userhash`, the
    /// record carries `H(user ":" realm)` as a fourth field.
    ///
    /// MD5 records without userhash are byte-identical to Apache htdigest's.
    ///
    /// # Errors
    /// [`Error::InvalidName`] if `user` or `realm` is empty, longer than
    /// [`MAX_NAME_LEN`](crate::MAX_NAME_LEN), or holds `:` or a control character (Apache's
    /// htdigest truncates and accepts those, corrupting the file);
    /// [`Error::PasswordTooLong`].
    pub fn set_password(
        &mut self,
        user: &str,
        realm: &str,
        password: &Password,
        hash: DigestHash,
        userhash: bool,
    ) -> Result<crate::Change, Error> {
        crate::validate_user(user)?;
        validate_realm(realm)?;
        if password.as_bytes().len() > crate::MAX_PASSWORD_LEN {
            return Err(Error::PasswordTooLong {
                limit: crate::MAX_PASSWORD_LEN,
            });
        }
        let ha1 = digest_ha1(hash, user, realm, password);
        Ok(self.set_ha1(user, realm, hash, ha1, userhash))
    }

    fn set_ha1(
        &mut self,
        user: &str,
        realm: &str,
        hash: DigestHash,
        ha1: SecretBytes,
        with_userhash: bool,
    ) -> crate::Change {
        let userhash = digest_userhash(hash, user, realm);
        let mut text = format!(
            "{user}:{realm}:{}",
            ct_hex_encode(ha1.expose_secret()).as_str()
        );
        if with_userhash {
            text.push(':');
            text.push_str(&ct_hex_encode(&userhash));
        }
        let rec = Record {
            user: user.to_owned(),
            realm: realm.to_owned(),
            hash,
            ha1,
            userhash,
        };
        let key = (user.to_owned(), realm.to_owned(), hash);
        let change = match self.index.get(&key) {
            Some(&i) => {
                self.lines.replace(i, text, rec);
                crate::Change::Updated
            }
            None => {
                let i = self.lines.push(text, rec);
                self.index.insert(key, i);
                crate::Change::Added
            }
        };
        self.rebuild_userhash();
        change
    }

    /// Removes the records of `user` in `realm`: only under `hash` if given, else all.
    ///
    /// # Errors
    /// [`Error::NotFound`] if nothing matched.
    pub fn remove(
        &mut self,
        user: &str,
        realm: &str,
        hash: Option<DigestHash>,
    ) -> Result<usize, Error> {
        let mut hit: Vec<usize> = self
            .lines
            .records()
            .filter(|(_, r)| r.user == user && r.realm == realm && hash.is_none_or(|h| h == r.hash))
            .map(|(i, _)| i)
            .collect();
        if hit.is_empty() {
            return Err(Error::NotFound);
        }
        hit.sort_unstable_by(|a, b| b.cmp(a));
        for &i in &hit {
            self.lines.remove(i);
        }
        self.reindex();
        Ok(hit.len())
    }
}

fn parse_record(text: &str, line: usize) -> Result<Record, Error> {
    let err = |kind| Error::Line { line, kind };
    let (user, rest) = getword_colon(text);
    let rest = rest.ok_or(err(LineError::MissingSeparator))?;
    if user.is_empty() {
        return Err(err(LineError::EmptyName));
    }
    let (realm, rest) = getword_colon(rest);
    let rest = rest.ok_or(err(LineError::MissingField))?;
    let (hex, rest) = getword_colon(rest);
    let (userhash_hex, rest) = match rest {
        Some(r) => {
            let (u, r) = getword_colon(r);
            (Some(u), r)
        }
        None => (None, None),
    };
    if rest.is_some() {
        return Err(err(LineError::ExtraField));
    }
    let hash = match hex.len() {
        32 => DigestHash::Md5,
        64 => DigestHash::Sha256,
        _ => return Err(err(LineError::BadDigestLength)),
    };
    let ha1 = ct_hex_decode(hex.as_bytes()).ok_or(err(LineError::BadHex))?;
    let userhash = digest_userhash(hash, user, realm);
    if let Some(u) = userhash_hex {
        // Public data: the userhash travels in the clear in the Authorization header.
        let stored = ct_hex_decode(u.as_bytes()).ok_or(err(LineError::BadHex))?;
        if stored != userhash {
            return Err(err(LineError::UserhashMismatch));
        }
    }
    Ok(Record {
        user: user.to_owned(),
        realm: realm.to_owned(),
        hash,
        ha1: SecretBytes::new(ha1),
        userhash,
    })
}

impl CredentialStore for HtdigestFile {
    fn lookup(
        &self,
        user: &str,
        query: CredentialQuery<'_>,
    ) -> Result<Option<StoredCredential>, httpauth_core::Error> {
        let CredentialQuery::DigestHa1 { realm, hash } = query else {
            return Ok(None);
        };
        let Some(hash) = DigestHash::from_function(hash) else {
            return Ok(None);
        };
        Ok(self
            .ha1(user, realm, hash)
            .map(|h| StoredCredential::DigestHa1(h.duplicate())))
    }

    fn find_by_userhash(
        &self,
        realm: &str,
        hash: HashFunction,
        userhash: &[u8],
    ) -> Result<Option<String>, httpauth_core::Error> {
        let Some(hash) = DigestHash::from_function(hash) else {
            return Ok(None);
        };
        Ok(self
            .by_userhash
            .get(&(realm.to_owned(), hash, userhash.to_vec()))
            .cloned())
    }

    /// The hashes of the records present: an Apache `htdigest` file has MD5 records only
    /// (`user:realm:<32 hex>`); the lighttpd extension adds SHA-256 records (64 hex).
    /// An empty file can hold either, and answers both.
    fn digest_hashes(&self) -> Option<Vec<HashFunction>> {
        let mut hashes: Vec<HashFunction> = Vec::new();
        for (_, _, hash) in self.entries() {
            let f = hash.function();
            if !hashes.contains(&f) {
                hashes.push(f);
            }
        }
        if hashes.is_empty() {
            hashes = vec![HashFunction::Md5, HashFunction::Sha256];
        }
        Some(hashes)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// Issue 14: a Digest server asks the file which hashes it holds, to offer only
    /// algorithms it can answer.
    #[test]
    fn digest_hashes_are_those_of_the_records() {
        // Written by Apache httpd 2.4's htdigest: MD5 records only.
        let apache = HtdigestFile::parse(
            b"Mufasa:apache realm@example.org:c9301ef4d4c6d6d5229aedc75a3e13d8\n",
        )
        .unwrap();
        assert_eq!(apache.digest_hashes(), Some(vec![HashFunction::Md5]));
        let mut mixed = HtdigestFile::new();
        mixed
            .set_password("a", "r", &Password::from("p"), DigestHash::Sha256, false)
            .unwrap();
        assert_eq!(mixed.digest_hashes(), Some(vec![HashFunction::Sha256]));
        mixed
            .set_password("b", "r", &Password::from("p"), DigestHash::Md5, false)
            .unwrap();
        assert_eq!(
            mixed.digest_hashes(),
            Some(vec![HashFunction::Sha256, HashFunction::Md5])
        );
        assert_eq!(
            HtdigestFile::new().digest_hashes(),
            Some(vec![HashFunction::Md5, HashFunction::Sha256]),
            "an empty file can hold either"
        );
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("htdigest");
        std::fs::write(&path, apache.to_bytes()).unwrap();
        let cached = crate::FileCache::htdigest(&path).unwrap();
        assert_eq!(cached.digest_hashes(), Some(vec![HashFunction::Md5]));
        assert_eq!(cached.description(), Some(path.display().to_string()));
    }
}
