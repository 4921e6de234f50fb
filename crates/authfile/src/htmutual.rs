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
//!                                      ; canonicalised on reading (see below)
//! realm      = *field-char             ; percent-encoded UTF-8
//! algorithm  = token                   ; RFC 8121 section 3 / 4, e.g. iso-kam3-dl-2048-sha256
//! verifier   = 1*base64-char           ; base64 (RFC 4648 section 4, padded) of J's octets
//! field-char = pct-encoded / any UTF-8 character except "%", ":", "#", white space, controls
//! ```
//!
//! J is computed from the password by `mutual-core`; this crate takes it through
//! [`VerifierDeriver`] so that it does not depend on that crate.
//!
//! # One auth-scope form
//! A verifier is bound to the auth-scope string a server announces (it is part of pi's
//! salt, RFC 8120 section 12.2), and servers look records up by that string, which
//! RFC 8120 section 5 fixes: lower-case scheme and host, no default port, no leading zeros
//! in a port. Every auth-scope that enters this module (a file line, a [`MutualKey`] given
//! to a method, the `rs-htmutual` command line) is canonicalised to that form first:
//! `HTTPS://Example.com:443/` is stored and found as `https://example.com`, and J is
//! derived for `https://example.com`. The three kinds stay distinct: `example.com` (single
//! host, what a server announces by default), `https://example.com` (single server, when
//! the server is configured for it) and `*.example.com` (wildcard) are different scopes.

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
/// J = g^pi or `[pi]G` in the algorithm's group), in the algorithm's octet encoding.
///
/// The caller supplies the implementation: `httpauth::MutualCoreDeriver` (the front crate,
/// over `mutual-core`; used by the `rs-htmutual` tool of `httpauth-tools` and the demo) or
/// a server's own glue. This crate stays independent of `mutual-core`.
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
///
/// The methods of [`HtmutualFile`] canonicalise `auth_scope` and `algorithm` of the keys
/// they are given; [`MutualKey::new`] does it up front.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MutualKey {
    /// The user name.
    pub user: String,
    /// The RFC 8121 algorithm token.
    pub algorithm: String,
    /// The canonical auth-scope (RFC 8120 section 5).
    pub auth_scope: String,
    /// The realm.
    pub realm: String,
}

impl MutualKey {
    /// A key with its auth-scope in the canonical RFC 8120 section 5 form and its
    /// algorithm token in lower case (RFC 8120 section 3.2.1: tokens are
    /// case-insensitive).
    ///
    /// ```
    /// use authfile::MutualKey;
    /// let k = MutualKey::new("alice", "ISO-KAM3-EC-P256-SHA256", "HTTPS://Example.com:443/", "r")?;
    /// assert_eq!(k.auth_scope, "https://example.com");
    /// assert_eq!(k.algorithm, "iso-kam3-ec-p256-sha256");
    /// # Ok::<(), authfile::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidName`] with [`NameError::NotAuthScope`](crate::NameError::NotAuthScope)
    /// for a string that is none of the section 5 forms (`host`, `scheme://host[:port]`,
    /// `*.domain`).
    pub fn new(
        user: impl Into<String>,
        algorithm: &str,
        auth_scope: &str,
        realm: impl Into<String>,
    ) -> Result<Self, Error> {
        Self {
            user: user.into(),
            algorithm: algorithm.to_owned(),
            auth_scope: auth_scope.to_owned(),
            realm: realm.into(),
        }
        .canonical()
    }

    /// This key with the auth-scope and algorithm canonicalised (see [`new`](Self::new)).
    ///
    /// # Errors
    /// As [`new`](Self::new).
    pub fn canonical(mut self) -> Result<Self, Error> {
        self.auth_scope = canonical_auth_scope(&self.auth_scope).ok_or(Error::InvalidName {
            what: "auth-scope",
            reason: crate::NameError::NotAuthScope,
        })?;
        self.algorithm.make_ascii_lowercase();
        Ok(self)
    }
}

/// The canonical form of an auth-scope (RFC 8120 section 5), or `None` if `s` is none of
/// its forms. Accepts any letter case, an explicit default port, leading zeros in a port
/// and an empty path `/` after a single-server scope; the result has none of them.
///
/// ```text
/// single-server   = scheme "://" host [ ":" port ]   ; scheme "http" / "https"
/// single-host     = host
/// wildcard-domain = "*." domain-postfix
/// host            = LDH labels (IDNA A-labels) / IPv4address / "[" IPv6address "]"
/// ```
///
/// The same rules as `mutual_core::scope::AuthScope::parse` (this crate does not depend
/// on mutual-core; a differential test in the front crate `httpauth`, which has both,
/// keeps them equal: `crates/httpauth/src/htmutual.rs`).
fn canonical_auth_scope(s: &str) -> Option<String> {
    if let Some((scheme, rest)) = s.split_once("://") {
        let scheme = scheme.to_ascii_lowercase();
        let default_port = match scheme.as_str() {
            "http" => 80,
            "https" => 443,
            _ => return None,
        };
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        if rest.is_empty() || rest.contains('/') {
            return None;
        }
        let (host, port) = if let Some(inner) = rest.strip_prefix('[') {
            let (h, after) = inner.split_once(']')?;
            let port = match after {
                "" => None,
                p => Some(p.strip_prefix(':')?),
            };
            (&rest[..h.len() + 2], port)
        } else {
            match rest.rsplit_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (rest, None),
            }
        };
        let port = match port {
            Some(p) if !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()) => {
                p.parse::<u16>().ok()?
            }
            Some(_) => return None,
            None => default_port,
        };
        let host = canonical_host(host)?;
        return Some(if port == default_port {
            format!("{scheme}://{host}")
        } else {
            format!("{scheme}://{host}:{port}")
        });
    }
    if let Some(domain) = s.strip_prefix("*.") {
        let d = canonical_host(domain)?;
        if d.starts_with('[') || d.starts_with('.') || d.ends_with('.') || d.contains("..") {
            return None;
        }
        return Some(format!("*.{d}"));
    }
    canonical_host(s)
}

/// A URI host in lower case, IPv6 in brackets (RFC 3986 section 3.2.2, RFC 8120 section 5).
fn canonical_host(host: &str) -> Option<String> {
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    if bare.is_empty() {
        return None;
    }
    if bare.contains(':') {
        // IPv6: at least two colons, so that `host:port` is refused rather than misread.
        if bare.bytes().filter(|&b| b == b':').count() < 2
            || !bare
                .bytes()
                .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.')
        {
            return None;
        }
        return Some(format!("[{}]", bare.to_ascii_lowercase()));
    }
    if !bare
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
    {
        return None;
    }
    Some(bare.to_ascii_lowercase())
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
/// // Every spelling of the same auth-scope is the same record.
/// let same = MutualKey { auth_scope: "HTTPS://Example.com:08443/".into(), ..key };
/// assert_eq!(back.verifier(&same).unwrap().expose_secret(), &[1, 2, 3]);
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

    /// The verifier J stored for `key` (its auth-scope and algorithm in any form
    /// [`MutualKey::canonical`] accepts).
    pub fn verifier(&self, key: &MutualKey) -> Option<&SecretBytes> {
        let i = match self.index.get(key) {
            Some(&i) => i,
            None => *self.index.get(&key.clone().canonical().ok()?)?,
        };
        match self.lines.recs.get(i)?.as_ref()? {
            Record::V1 { verifier, .. } => Some(verifier),
            Record::Future => None,
        }
    }

    /// Stores J for `key` (in place if present, else appended), under the canonical
    /// auth-scope. J must have been derived for that canonical scope.
    ///
    /// # Errors
    /// [`Error::InvalidName`] for an empty or over-long user, realm or auth-scope, a
    /// control character, an auth-scope that is none of the RFC 8120 section 5 forms, or
    /// an algorithm that is not a token; an empty verifier is [`Error::UnsupportedHash`].
    pub fn set_verifier(
        &mut self,
        key: MutualKey,
        verifier: SecretBytes,
    ) -> Result<crate::Change, Error> {
        let key = validate_key(key)?;
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

    /// Derives J from `password` with `deriver` (for the canonical auth-scope) and stores
    /// it.
    ///
    /// # Errors
    /// [`Error::Derive`], and as [`set_verifier`](Self::set_verifier).
    pub fn set_password(
        &mut self,
        key: MutualKey,
        password: &Password,
        deriver: &dyn VerifierDeriver,
    ) -> Result<crate::Change, Error> {
        let key = validate_key(key)?;
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
        let key = &key.clone().canonical()?;
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

    /// Removes the records matching `user` and, when given, `algorithm`, `auth_scope` (in
    /// any form [`MutualKey::canonical`] accepts) and `realm`. Returns how many were
    /// removed.
    ///
    /// # Errors
    /// [`Error::NotFound`] if none matched; [`Error::InvalidName`] for an auth-scope that
    /// is none of the RFC 8120 section 5 forms.
    pub fn remove(
        &mut self,
        user: &str,
        algorithm: Option<&str>,
        auth_scope: Option<&str>,
        realm: Option<&str>,
    ) -> Result<usize, Error> {
        let auth_scope = match auth_scope {
            Some(s) => Some(canonical_auth_scope(s).ok_or(Error::InvalidName {
                what: "auth-scope",
                reason: crate::NameError::NotAuthScope,
            })?),
            None => None,
        };
        let auth_scope = auth_scope.as_deref();
        let hit: Vec<usize> = self
            .lines
            .records()
            .filter_map(|(i, r)| match r {
                Record::V1 { key, .. }
                    if key.user == user
                        && algorithm.is_none_or(|a| a.eq_ignore_ascii_case(&key.algorithm))
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

/// Checks `key` and returns it canonicalised ([`MutualKey::canonical`]).
fn validate_key(key: MutualKey) -> Result<MutualKey, Error> {
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
    let key = key.canonical()?;
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
    Ok(key)
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
    // One form (module docs): a record written as `https%3A//Example.com%3A443` is found
    // by a server that asks for `https://example.com`. A string that is no auth-scope at
    // all could never be asked for: refused, naming the line.
    let auth_scope = canonical_auth_scope(&auth_scope).ok_or(err(LineError::BadAuthScope))?;
    // Constant-time base64 (base64ct): J is the secret a dictionary attack would target.
    let j = Base64::decode_vec(verifier).map_err(|_| err(LineError::BadBase64))?;
    if j.is_empty() {
        return Err(err(LineError::BadBase64));
    }
    Ok(Record::V1 {
        key: MutualKey {
            user,
            algorithm: algorithm.to_ascii_lowercase(),
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)] // tests panic on failure by design
    use super::*;

    const ALG: &str = "iso-kam3-ec-p256-sha256";

    #[test]
    fn rfc8120_5_canonical_auth_scope() {
        let c = canonical_auth_scope;
        for (input, want) in [
            ("https://example.com:443", "https://example.com"),
            ("https://example.com:443/", "https://example.com"),
            ("HTTPS://Example.COM", "https://example.com"),
            ("https://example.com/", "https://example.com"),
            ("https://example.com:0443", "https://example.com"),
            ("http://example.com:80", "http://example.com"),
            ("http://example.com:443", "http://example.com:443"),
            ("https://example.com:8443", "https://example.com:8443"),
            ("http://[::1]:81/", "http://[::1]:81"),
            ("Example.com", "example.com"),
            ("*.Example.com", "*.example.com"),
            ("::1", "[::1]"),
            ("192.0.2.1", "192.0.2.1"),
        ] {
            assert_eq!(c(input).as_deref(), Some(want), "{input}");
        }
        for bad in [
            "",
            "*.",
            "ftp://x",
            "https://",
            "https://a/b",
            "https://a//",
            "https://a:",
            "https://a:99999",
            "example.com:443",
            "cafe:443",
            "a b",
            "*..com",
            "*.[::1]",
            "exa_mple.com",
        ] {
            assert_eq!(c(bad), None, "{bad:?}");
        }
    }

    /// Issue 14: a file written with a non-canonical auth-scope (`HTTPS://Example.com:443/`
    /// percent-encoded) is found under the canonical one a server asks for.
    #[test]
    fn non_canonical_auth_scope_in_a_file_is_found() {
        let line = format!("alice:v1:{ALG}:HTTPS%3A//Example.com%3A443/:r:AQID\n");
        let f = HtmutualFile::parse(line.as_bytes()).unwrap();
        let got = f
            .lookup(
                "alice",
                CredentialQuery::MutualVerifier {
                    algorithm: ALG,
                    auth_scope: "https://example.com",
                    realm: "r",
                },
            )
            .unwrap();
        let Some(StoredCredential::MutualVerifier(j)) = got else {
            panic!("not found: {got:?}");
        };
        assert_eq!(j.expose_secret(), &[1, 2, 3]);
        assert_eq!(f.keys().next().unwrap().auth_scope, "https://example.com");
        // The file is kept as written (lossless).
        assert_eq!(f.to_bytes(), line.as_bytes());
        // Two spellings of one scope are one key: a duplicate, as any other.
        let two = format!("{line}alice:v1:{ALG}:https%3A//example.com:r:AQID\n");
        assert!(matches!(
            HtmutualFile::parse(two.as_bytes()),
            Err(Error::Line {
                line: 2,
                kind: LineError::Duplicate { first: 1 }
            })
        ));
        // A string that is no auth-scope is refused, naming the line.
        let bad = format!("# c\nalice:v1:{ALG}:example.com%3A443:r:AQID\n");
        assert!(matches!(
            HtmutualFile::parse(bad.as_bytes()),
            Err(Error::Line {
                line: 2,
                kind: LineError::BadAuthScope
            })
        ));
    }

    #[test]
    fn keys_are_canonicalised_on_every_method() {
        let mut f = HtmutualFile::new();
        let typed = MutualKey {
            user: "bob".into(),
            algorithm: ALG.to_ascii_uppercase(),
            auth_scope: "HTTPS://Example.com:443/".into(),
            realm: "r".into(),
        };
        f.set_verifier(typed.clone(), SecretBytes::from_slice(&[9]))
            .unwrap();
        assert_eq!(
            f.to_bytes(),
            format!("bob:v1:{ALG}:https%3A//example.com:r:CQ==\n").as_bytes()
        );
        assert!(f.verifier(&typed).is_some());
        let canonical = MutualKey::new("bob", ALG, "https://example.com", "r").unwrap();
        assert!(f.verifier(&canonical).is_some());
        assert_eq!(
            f.set_verifier(canonical, SecretBytes::from_slice(&[8]))
                .unwrap(),
            crate::Change::Updated
        );
        assert!(matches!(
            f.set_verifier(
                MutualKey {
                    auth_scope: "ftp://example.com".into(),
                    ..typed.clone()
                },
                SecretBytes::from_slice(&[1])
            ),
            Err(Error::InvalidName {
                what: "auth-scope",
                reason: crate::NameError::NotAuthScope
            })
        ));
        assert_eq!(
            f.remove("bob", Some(ALG), Some("https://EXAMPLE.com:443"), Some("r"))
                .unwrap(),
            1
        );
        assert!(f.is_empty());
    }
}
