//! htmutual files: Mutual authentication password verifiers (RFC 8120 section 12,
//! RFC 8121 section 3), one record per (user, algorithm, auth-scope, realm).
//!
//! The format is specified in `docs/htmutual-format.md`:
//!
//! ```text
//! record     = user ":" version ":" algorithm ":" auth-scope ":" realm ":" verifier
//! version    = "v1"                    ; other "v" 1*DIGIT records are kept, not used
//! user       = 1*field-char            ; percent-encoded UTF-8
//! auth-scope = 1*field-char            ; percent-encoded UTF-8 (RFC 8120 section 5)
//! realm      = *field-char             ; percent-encoded UTF-8
//! algorithm  = token                   ; RFC 8121 section 3 / 4, e.g. iso-kam3-dl-2048-sha256
//! verifier   = 1*base64-char           ; base64 (RFC 4648 section 4, padded) of J's octets
//! field-char = pct-encoded / any UTF-8 character except "%", ":", "#", white space, controls
//! ```
//!
//! J is computed from the password by `mutual-core`; this crate takes it through
//! [`VerifierDeriver`] so that it does not depend on that crate.

use crate::doc::{Lines, ParseMode};
use crate::text::{pct_decode_vartime, pct_encode};
use crate::{Error, LineError, MAX_AUTH_SCOPE_LEN, validate_name_len};
use base64ct::{Base64, Encoding};
use httpauth_core::{CredentialQuery, CredentialStore, Password, SecretBytes, StoredCredential};
use std::collections::HashMap;
use std::path::Path;

/// The record version this crate reads and writes.
pub const HTMUTUAL_VERSION: &str = "v1";

/// The error a [`VerifierDeriver`] returns.
pub type DeriveError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Computes the Mutual password verifier J = J(pi) (RFC 8121 section 3:
/// `pi = PBKDF2(...)` over the password, user, realm and auth-scope, then
/// J = g^pi or [pi]G in the algorithm's group), in the algorithm's octet encoding.
///
/// Implemented by `mutual-core` (through the `cli-mutual` feature of this crate's tools)
/// or by a server's own glue; this crate stays independent of it.
pub trait VerifierDeriver {
    /// The algorithm tokens this deriver supports, strongest first.
    fn algorithms(&self) -> Vec<String>;

    /// J for `password` of `user` in `realm` at `auth_scope` under `algorithm`.
    ///
    /// # Errors
    /// An unsupported algorithm, or a password that string preparation rejects.
    fn derive(
        &self,
        algorithm: &str,
        auth_scope: &str,
        realm: &str,
        user: &str,
        password: &Password,
    ) -> Result<SecretBytes, DeriveError>;
}

/// The key of an htmutual record.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MutualKey {
    /// The user name.
    pub user: String,
    /// The RFC 8121 algorithm token.
    pub algorithm: String,
    /// The canonical auth-scope.
    pub auth_scope: String,
    /// The realm.
    pub realm: String,
}

#[derive(Debug)]
pub(crate) enum Record {
    V1 {
        key: MutualKey,
        verifier: SecretBytes,
    },
    /// A record of a later version: kept verbatim, never used.
    Future,
}

/// An htmutual file.
///
/// ```
/// use authfile::{HtmutualFile, MutualKey, SecretBytes};
/// let mut f = HtmutualFile::new();
/// let key = MutualKey {
///     user: "alice".into(),
///     algorithm: "iso-kam3-dl-2048-sha256".into(),
///     auth_scope: "https://example.com:8443".into(),
///     realm: "a:b".into(),
/// };
/// f.set_verifier(key.clone(), SecretBytes::from_slice(&[1, 2, 3]))?;
/// assert_eq!(
///     f.to_bytes(),
///     b"alice:v1:iso-kam3-dl-2048-sha256:https%3A//example.com%3A8443:a%3Ab:AQID\n"
/// );
/// let back = HtmutualFile::parse(&f.to_bytes())?;
/// assert_eq!(back.verifier(&key).unwrap().expose_secret(), &[1, 2, 3]);
/// # Ok::<(), authfile::Error>(())
/// ```
#[derive(Debug, Default)]
pub struct HtmutualFile {
    lines: Lines<Record>,
    index: HashMap<MutualKey, usize>,
}

impl HtmutualFile {
    /// An empty file.
    pub fn new() -> Self {
        Self::default()
    }

    /// Parses strictly.
    ///
    /// # Errors
    /// [`Error::Line`] for a malformed line or duplicate key; the file-level limits.
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
    /// As [`parse`](Self::parse).
    pub fn parse_with(input: &[u8], mode: ParseMode) -> Result<(Self, Vec<Error>), Error> {
        let (mut lines, mut problems) = Lines::parse(input, mode, parse_record)?;
        let mut index = HashMap::new();
        for i in 0..lines.recs.len() {
            let Some(Record::V1 { key, .. }) = &lines.recs[i] else {
                continue;
            };
            if let Some(&first) = index.get(key) {
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
                index.insert(key.clone(), i);
            }
        }
        Ok((Self { lines, index }, problems))
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

    /// The file's bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.lines.to_bytes()
    }

    /// Number of usable (v1) records.
    pub fn len(&self) -> usize {
        self.index.len()
    }

    /// True when there is no usable record.
    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// Number of records of a later format version (kept, not used).
    pub fn future_records(&self) -> usize {
        self.lines
            .records()
            .filter(|(_, r)| matches!(r, Record::Future))
            .count()
    }

    /// The keys in file order.
    pub fn keys(&self) -> impl Iterator<Item = &MutualKey> {
        self.lines.records().filter_map(|(_, r)| match r {
            Record::V1 { key, .. } => Some(key),
            Record::Future => None,
        })
    }

    /// The verifier J stored for `key`.
    pub fn verifier(&self, key: &MutualKey) -> Option<&SecretBytes> {
        let i = *self.index.get(key)?;
        match self.lines.recs.get(i)?.as_ref()? {
            Record::V1 { verifier, .. } => Some(verifier),
            Record::Future => None,
        }
    }

    /// Stores J for `key` (in place if present, else appended).
    ///
    /// # Errors
    /// [`Error::InvalidName`] for an empty or over-long user, realm or auth-scope, a
    /// control character, or an algorithm that is not a token; an empty verifier is
    /// [`Error::UnsupportedHash`].
    pub fn set_verifier(
        &mut self,
        key: MutualKey,
        verifier: SecretBytes,
    ) -> Result<crate::Change, Error> {
        validate_key(&key)?;
        if verifier.is_empty() {
            return Err(Error::UnsupportedHash);
        }
        let text = format!(
            "{}:{HTMUTUAL_VERSION}:{}:{}:{}:{}",
            pct_encode(&key.user),
            key.algorithm,
            pct_encode(&key.auth_scope),
            pct_encode(&key.realm),
            Base64::encode_string(verifier.expose_secret()).as_str(),
        );
        let rec = Record::V1 {
            key: key.clone(),
            verifier,
        };
        match self.index.get(&key) {
            Some(&i) => {
                self.lines.replace(i, text, rec);
                Ok(crate::Change::Updated)
            }
            None => {
                let i = self.lines.push(text, rec);
                self.index.insert(key, i);
                Ok(crate::Change::Added)
            }
        }
    }

    /// Derives J from `password` with `deriver` and stores it.
    ///
    /// # Errors
    /// [`Error::Derive`], and as [`set_verifier`](Self::set_verifier).
    pub fn set_password(
        &mut self,
        key: MutualKey,
        password: &Password,
        deriver: &dyn VerifierDeriver,
    ) -> Result<crate::Change, Error> {
        validate_key(&key)?;
        let j = deriver
            .derive(
                &key.algorithm,
                &key.auth_scope,
                &key.realm,
                &key.user,
                password,
            )
            .map_err(Error::Derive)?;
        self.set_verifier(key, j)
    }

    /// Checks `password` against the stored J by deriving J again and comparing in
    /// constant time.
    ///
    /// # Errors
    /// [`Error::NotFound`] if there is no record; [`Error::Derive`].
    pub fn verify_password(
        &self,
        key: &MutualKey,
        password: &Password,
        deriver: &dyn VerifierDeriver,
    ) -> Result<bool, Error> {
        use subtle::ConstantTimeEq;
        let stored = self.verifier(key).ok_or(Error::NotFound)?;
        let j = deriver
            .derive(
                &key.algorithm,
                &key.auth_scope,
                &key.realm,
                &key.user,
                password,
            )
            .map_err(Error::Derive)?;
        Ok(bool::from(stored.ct_eq(&j)))
    }

    /// Removes the records matching `user` and, when given, `algorithm`, `auth_scope` and
    /// `realm`. Returns how many were removed.
    ///
    /// # Errors
    /// [`Error::NotFound`] if none matched.
    pub fn remove(
        &mut self,
        user: &str,
        algorithm: Option<&str>,
        auth_scope: Option<&str>,
        realm: Option<&str>,
    ) -> Result<usize, Error> {
        let hit: Vec<usize> = self
            .lines
            .records()
            .filter_map(|(i, r)| match r {
                Record::V1 { key, .. }
                    if key.user == user
                        && algorithm.is_none_or(|a| a == key.algorithm)
                        && auth_scope.is_none_or(|s| s == key.auth_scope)
                        && realm.is_none_or(|r| r == key.realm) =>
                {
                    Some(i)
                }
                _ => None,
            })
            .collect();
        if hit.is_empty() {
            return Err(Error::NotFound);
        }
        for &i in hit.iter().rev() {
            self.lines.remove(i);
        }
        self.index = self
            .lines
            .records()
            .filter_map(|(i, r)| match r {
                Record::V1 { key, .. } => Some((key.clone(), i)),
                Record::Future => None,
            })
            .collect();
        Ok(hit.len())
    }
}

fn validate_key(key: &MutualKey) -> Result<(), Error> {
    // Percent-encoding carries ':', '#' and white space, so only control characters,
    // emptiness and length limit the names; realm may be empty (RFC 8120 section 4.1
    // requires the parameter, not a non-empty value).
    let check = |what, v: &str, limit| {
        validate_name_len(what, v, &[], limit).or_else(|e| match e {
            Error::InvalidName {
                reason: crate::NameError::Ambiguous,
                ..
            } => Ok(()),
            e => Err(e),
        })
    };
    check("user name", &key.user, crate::MAX_NAME_LEN)?;
    check("auth-scope", &key.auth_scope, MAX_AUTH_SCOPE_LEN)?;
    if !key.realm.is_empty() {
        check("realm", &key.realm, crate::MAX_NAME_LEN)?;
    }
    if !httpauth_core::syntax::is_token(&key.algorithm) {
        return Err(Error::InvalidName {
            what: "algorithm",
            reason: crate::NameError::Forbidden(
                key.algorithm
                    .chars()
                    .find(|&c| !c.is_ascii() || !httpauth_core::syntax::is_tchar(c as u8))
                    .unwrap_or(' '),
            ),
        });
    }
    Ok(())
}

fn parse_record(text: &str, line: usize) -> Result<Record, Error> {
    let err = |kind| Error::Line { line, kind };
    let mut fields = text.split(':');
    let user = fields.next().unwrap_or_default();
    let version = fields.next().ok_or(err(LineError::MissingSeparator))?;
    if version != HTMUTUAL_VERSION {
        let v = version.strip_prefix('v').unwrap_or_default();
        if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) {
            // A later version: forward compatible, kept as is.
            return Ok(Record::Future);
        }
        return Err(err(LineError::MissingField));
    }
    let algorithm = fields.next().ok_or(err(LineError::MissingField))?;
    let auth_scope = fields.next().ok_or(err(LineError::MissingField))?;
    let realm = fields.next().ok_or(err(LineError::MissingField))?;
    let verifier = fields.next().ok_or(err(LineError::MissingField))?;
    if fields.next().is_some() {
        return Err(err(LineError::ExtraField));
    }
    if !httpauth_core::syntax::is_token(algorithm) {
        return Err(err(LineError::BadAlgorithm));
    }
    let dec = |s: &str| pct_decode_vartime(s).ok_or(err(LineError::BadPercentEncoding));
    let user = dec(user)?;
    let auth_scope = dec(auth_scope)?;
    let realm = dec(realm)?;
    if user.is_empty() || auth_scope.is_empty() {
        return Err(err(LineError::EmptyName));
    }
    // Constant-time base64 (base64ct): J is the secret a dictionary attack would target.
    let j = Base64::decode_vec(verifier).map_err(|_| err(LineError::BadBase64))?;
    if j.is_empty() {
        return Err(err(LineError::BadBase64));
    }
    Ok(Record::V1 {
        key: MutualKey {
            user,
            algorithm: algorithm.to_owned(),
            auth_scope,
            realm,
        },
        verifier: SecretBytes::new(j),
    })
}

impl CredentialStore for HtmutualFile {
    fn lookup(
        &self,
        user: &str,
        query: CredentialQuery<'_>,
    ) -> Result<Option<StoredCredential>, httpauth_core::Error> {
        let CredentialQuery::MutualVerifier {
            algorithm,
            auth_scope,
            realm,
        } = query
        else {
            return Ok(None);
        };
        let key = MutualKey {
            user: user.to_owned(),
            algorithm: algorithm.to_owned(),
            auth_scope: auth_scope.to_owned(),
            realm: realm.to_owned(),
        };
        Ok(self
            .verifier(&key)
            .map(|j| StoredCredential::MutualVerifier(j.duplicate())))
    }
}

/// J(pi) by `mutual-core` (RFC 8120 section 12.2, RFC 8121 section 3): the deriver behind
/// `rs-htmutual` and any application writing htmutual files. Only with the `cli-mutual`
/// feature, so the library does not depend on `mutual-core` by default.
#[cfg(feature = "cli-mutual")]
#[derive(Debug, Clone, Copy, Default)]
pub struct MutualCoreDeriver;

#[cfg(feature = "cli-mutual")]
impl VerifierDeriver for MutualCoreDeriver {
    fn algorithms(&self) -> Vec<String> {
        mutual_core::ALL_ALGORITHMS
            .iter()
            .map(|a| a.token().to_owned())
            .collect()
    }

    fn derive(
        &self,
        algorithm: &str,
        auth_scope: &str,
        realm: &str,
        user: &str,
        password: &Password,
    ) -> Result<SecretBytes, DeriveError> {
        let alg = mutual_core::algorithm_by_token(algorithm)?;
        let wire = mutual_core::derive_verifier(
            algorithm,
            auth_scope,
            realm,
            user,
            password.expose_secret(),
        )?;
        // The file stores J's octets; mutual-core hands out its wire text.
        let j = alg.wire_encoding().decode(&wire, alg.element_len())?;
        Ok(SecretBytes::new(j))
    }
}
