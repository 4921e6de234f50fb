//! Credential stores: where schemes find the per-user secret.

use crate::{Error, HashFunction, Password, SecretBytes};

/// What a scheme asks a [`CredentialStore`] for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CredentialQuery<'a> {
    /// The stored password hash (an htpasswd line's second field), for Basic.
    PasswordHash,
    /// The plaintext password (stores that keep one; weak, opt-in).
    Plaintext,
    /// Digest `HA1 = H(username ":" realm ":" password)` (RFC 7616 section 3.4.2).
    DigestHa1 {
        /// The realm.
        realm: &'a str,
        /// The hash of the Digest algorithm (without `-sess`).
        hash: HashFunction,
    },
    /// The Mutual password verifier `J = J(pi)` in the algorithm's wire encoding
    /// (RFC 8120 section 12, RFC 8121 section 3).
    MutualVerifier {
        /// The RFC 8121 algorithm token, e.g. `iso-kam3-dl-2048-sha256`.
        algorithm: &'a str,
        /// The canonical auth-scope (RFC 8120 section 5).
        auth_scope: &'a str,
        /// The realm.
        realm: &'a str,
    },
}

/// A secret found in a credential store.
#[derive(Debug)]
#[non_exhaustive]
pub enum StoredCredential {
    /// A password hash in one of the htpasswd formats (`$2y$...`, `$apr1$...`, `{SHA}...`).
    PasswordHash(Password),
    /// A plaintext password.
    Plaintext(Password),
    /// A Digest HA1 as raw bytes (not hex).
    DigestHa1(SecretBytes),
    /// A Mutual verifier J as raw bytes of its wire encoding's number.
    MutualVerifier(SecretBytes),
}

/// Looks up the per-scheme secret of a user.
///
/// Object-safe; `Send + Sync` so one store serves many connections. A store returns
/// `Ok(None)` for an unknown user; schemes then do the same work as for a wrong password.
pub trait CredentialStore: Send + Sync {
    /// The secret of `user` for `query`.
    ///
    /// # Errors
    /// [`Error::StoreUnavailable`] and friends; authentication then fails closed.
    fn lookup(
        &self,
        user: &str,
        query: CredentialQuery<'_>,
    ) -> Result<Option<StoredCredential>, Error>;

    /// Digest `userhash` (RFC 7616 section 3.4.4): the user whose `H(username ":" realm)`
    /// under `hash` equals `userhash` (raw bytes). The default finds nobody.
    ///
    /// # Errors
    /// As [`lookup`](Self::lookup).
    fn find_by_userhash(
        &self,
        realm: &str,
        hash: HashFunction,
        userhash: &[u8],
    ) -> Result<Option<String>, Error> {
        let _ = (realm, hash, userhash);
        Ok(None)
    }

    /// The hash functions whose Digest `HA1` values this store can answer
    /// ([`CredentialQuery::DigestHa1`]), so that a Digest server offers only algorithms
    /// whose `HA1` it can find (RFC 7616 section 3.7: a client uses the first algorithm
    /// it supports, and gets 401 for every user if the store has no `HA1` for it).
    ///
    /// `None` (the default): unknown or any (a store of plaintext passwords can answer
    /// every hash). An Apache htdigest file answers `Some(vec![Md5])`.
    fn digest_hashes(&self) -> Option<Vec<HashFunction>> {
        None
    }

    /// A short description for error messages and logs, such as the path of the file
    /// behind the store. `None` (the default): nothing to say. Never holds secrets.
    fn description(&self) -> Option<String> {
        None
    }
}

/// Verifies a user's password (Basic, `FakeBasicAuth`).
///
/// Object-safe so a list of verifiers can be tried in turn. Implementations must do the
/// same work for an unknown user as for a wrong password, and compare in constant time.
pub trait PasswordVerifier: Send + Sync {
    /// `Ok(true)` if `password` is right for `user`.
    ///
    /// # Errors
    /// Store failures only; a wrong password or unknown user is `Ok(false)`.
    fn verify_password(&self, user: &str, password: &Password) -> Result<bool, Error>;

    /// About how long [`verify_password`](Self::verify_password) takes for `user` and a
    /// password of `password_len` bytes, on one core, if the store can tell without doing
    /// the work (a password file: the user's hash format, or for an unknown user the work
    /// it does instead). A server uses it to check a cheap hash (`{SHA}`, apr1) where the
    /// request runs and to send a costly one (bcrypt, SHA-crypt) to a bounded pool.
    ///
    /// `None` (the default): unknown, to be treated as costly. An estimate must not be
    /// lower for an unknown user than the work actually done for one.
    fn verify_estimate(&self, user: &str, password_len: usize) -> Option<core::time::Duration> {
        let _ = (user, password_len);
        None
    }
}

/// Group membership (`Require group`, Apache group files).
pub trait GroupStore: Send + Sync {
    /// True if `user` is a member of `group`.
    ///
    /// # Errors
    /// Store failures.
    fn is_member(&self, user: &str, group: &str) -> Result<bool, Error>;
}
