//! A simple in-memory [`CredentialStore`] for Digest: plaintext passwords, HA1 values,
//! htdigest lines and the lighttpd SHA-256 extension line.

use crate::compute::{unhex, userhash};
use crate::{Algorithm, Error};
use httpauth_core::{
    CredentialQuery, CredentialStore, HashFunction, Password, SecretBytes, StoredCredential,
};
use std::collections::HashMap;
use subtle::ConstantTimeEq;

/// The longest line [`MemoryCredentials::add_line`] accepts, in bytes.
pub const MAX_LINE_LEN: usize = 4096;

#[derive(Default)]
struct RealmUser {
    ha1: Vec<(HashFunction, SecretBytes)>,
    /// Userhashes given explicitly (lighttpd's fourth field), raw bytes.
    userhash: Vec<(HashFunction, Vec<u8>)>,
}

/// An in-memory credential store for tests and small deployments.
///
/// Holds, per user, an optional plaintext password (any realm) and, per (user, realm),
/// HA1 values by hash function. Build it, then share it behind an `Arc`.
///
/// - [`CredentialQuery::DigestHa1`] is answered from stored HA1 values only;
///   [`CredentialQuery::Plaintext`] from stored passwords. The Digest server asks for HA1
///   first and falls back to the password.
/// - [`find_by_userhash`](CredentialStore::find_by_userhash) scans every user of the realm
///   and compares in constant time: O(n) hashes, fine for the small stores this is for.
#[derive(Default)]
pub struct MemoryCredentials {
    passwords: HashMap<String, Password>,
    realms: HashMap<(String, String), RealmUser>,
}

impl core::fmt::Debug for MemoryCredentials {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("MemoryCredentials")
            .field("passwords", &self.passwords.len())
            .field("realm_users", &self.realms.len())
            .finish()
    }
}

impl MemoryCredentials {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Stores a plaintext password for `user`, valid in every realm. **Weak**: a leak of
    /// the store reveals the password; prefer HA1 values.
    pub fn add_password(&mut self, user: impl Into<String>, password: Password) -> &mut Self {
        self.passwords.insert(user.into(), password);
        self
    }

    /// Stores `HA1 = H(user ":" realm ":" password)` (raw bytes) under `hash`.
    pub fn add_ha1(
        &mut self,
        user: impl Into<String>,
        realm: impl Into<String>,
        hash: HashFunction,
        ha1: SecretBytes,
    ) -> &mut Self {
        let e = self.realms.entry((user.into(), realm.into())).or_default();
        e.ha1.retain(|(h, _)| *h != hash);
        e.ha1.push((hash, ha1));
        self
    }

    /// Adds one line of an htdigest file, `user:realm:<MD5 HA1 hex>`, or of lighttpd's
    /// extended form, `user:realm:<SHA-256 HA1 hex>[:<userhash hex>]`. The hash is told
    /// by its length: 32 hex digits are MD5, 64 are SHA-256 (SHA-512/256 HA1 values have
    /// the same length; add those with [`add_ha1`](Self::add_ha1)). Blank lines and lines
    /// starting with `#` are ignored.
    ///
    /// # Errors
    /// [`Error::InvalidCredentialLine`] with `line_no` and the reason.
    pub fn add_line(&mut self, line_no: usize, line: &str) -> Result<&mut Self, Error> {
        let bad = |reason| Error::InvalidCredentialLine {
            line: line_no,
            reason,
        };
        if line.len() > MAX_LINE_LEN {
            return Err(bad("line too long"));
        }
        let line = line.trim_end_matches(['\r', '\n']);
        if line.trim().is_empty() || line.starts_with('#') {
            return Ok(self);
        }
        let mut fields = line.split(':');
        let (Some(user), Some(realm), Some(ha1_hex)) =
            (fields.next(), fields.next(), fields.next())
        else {
            return Err(bad("expected user:realm:hash"));
        };
        let uh_hex = fields.next();
        if fields.next().is_some() {
            return Err(bad("too many fields"));
        }
        if user.is_empty() {
            return Err(bad("empty user name"));
        }
        let hash = match ha1_hex.len() {
            32 => HashFunction::Md5,
            64 => HashFunction::Sha256,
            _ => return Err(bad("hash is neither 32 (MD5) nor 64 (SHA-256) hex digits")),
        };
        let ha1 = unhex(ha1_hex).ok_or_else(|| bad("hash is not hex"))?;
        let uh = match uh_hex {
            None => None,
            Some(_) if hash != HashFunction::Sha256 => {
                return Err(bad("a userhash field follows only a SHA-256 hash"));
            }
            Some(h) if h.len() == 64 => Some(unhex(h).ok_or_else(|| bad("userhash is not hex"))?),
            Some(_) => return Err(bad("userhash is not 64 hex digits")),
        };
        self.add_ha1(user, realm, hash, SecretBytes::new(ha1));
        if let Some(uh) = uh {
            let e = self
                .realms
                .entry((user.to_owned(), realm.to_owned()))
                .or_default();
            e.userhash.retain(|(h, _)| *h != hash);
            e.userhash.push((hash, uh));
        }
        Ok(self)
    }

    /// Adds every line of an htdigest (or lighttpd) file.
    ///
    /// # Errors
    /// The first malformed line, as [`add_line`](Self::add_line).
    pub fn add_file(&mut self, text: &str) -> Result<&mut Self, Error> {
        for (i, line) in text.lines().enumerate() {
            self.add_line(i + 1, line)?;
        }
        Ok(self)
    }

    /// A store holding the lines of an htdigest (or lighttpd) file.
    ///
    /// # Errors
    /// As [`add_file`](Self::add_file).
    pub fn from_htdigest(text: &str) -> Result<Self, Error> {
        let mut s = Self::new();
        s.add_file(text)?;
        Ok(s)
    }
}

fn algorithm_of(hash: HashFunction) -> Option<Algorithm> {
    match hash {
        HashFunction::Md5 => Some(Algorithm::Md5),
        HashFunction::Sha256 => Some(Algorithm::Sha256),
        HashFunction::Sha512_256 => Some(Algorithm::Sha512_256),
        _ => None,
    }
}

impl CredentialStore for MemoryCredentials {
    fn lookup(
        &self,
        user: &str,
        query: CredentialQuery<'_>,
    ) -> Result<Option<StoredCredential>, httpauth_core::Error> {
        Ok(match query {
            CredentialQuery::DigestHa1 { realm, hash } => self
                .realms
                .get(&(user.to_owned(), realm.to_owned()))
                .and_then(|e| e.ha1.iter().find(|(h, _)| *h == hash))
                .map(|(_, s)| StoredCredential::DigestHa1(s.duplicate())),
            CredentialQuery::Plaintext => self
                .passwords
                .get(user)
                .map(|p| StoredCredential::Plaintext(p.duplicate())),
            _ => None,
        })
    }

    fn find_by_userhash(
        &self,
        realm: &str,
        hash: HashFunction,
        wanted: &[u8],
    ) -> Result<Option<String>, httpauth_core::Error> {
        let Some(alg) = algorithm_of(hash) else {
            return Ok(None);
        };
        let mut found: Option<String> = None;
        let mut check = |user: &str, explicit: Option<&[u8]>| {
            let computed;
            let uh = match explicit {
                Some(u) => u,
                None => {
                    computed = unhex(&userhash(alg, user, realm)).unwrap_or_default();
                    &computed
                }
            };
            if bool::from(uh.ct_eq(wanted)) && found.is_none() {
                found = Some(user.to_owned());
            }
        };
        for ((user, r), e) in &self.realms {
            if r == realm {
                let explicit = e.userhash.iter().find(|(h, _)| *h == hash);
                check(user, explicit.map(|(_, u)| u.as_slice()));
            }
        }
        for user in self.passwords.keys() {
            check(user, None);
        }
        Ok(found)
    }

    /// `None` (any hash) when the store holds plaintext passwords or nothing; otherwise
    /// the hashes of its HA1 values.
    fn digest_hashes(&self) -> Option<Vec<HashFunction>> {
        if !self.passwords.is_empty() || self.realms.is_empty() {
            return None;
        }
        let mut hashes: Vec<HashFunction> = Vec::new();
        for (h, _) in self.realms.values().flat_map(|e| e.ha1.iter()) {
            if !hashes.contains(h) {
                hashes.push(*h);
            }
        }
        Some(hashes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines() {
        let mut s = MemoryCredentials::new();
        s.add_file(
            "# comment\n\nMufasa:testrealm@host.com:939e7578ed9e3c518a452acee763bce9\n\
             Mufasa:http-auth@example.org:7987c64c30e25f1b74be53f966b49b90f2808aa92faf9a00262392d7b4794232\n",
        )
        .unwrap();
        assert!(matches!(
            s.lookup(
                "Mufasa",
                CredentialQuery::DigestHa1 {
                    realm: "testrealm@host.com",
                    hash: HashFunction::Md5
                }
            ),
            Ok(Some(StoredCredential::DigestHa1(_)))
        ));
        assert!(matches!(
            s.lookup(
                "Mufasa",
                CredentialQuery::DigestHa1 {
                    realm: "testrealm@host.com",
                    hash: HashFunction::Sha256
                }
            ),
            Ok(None)
        ));
        for bad in [
            "a:b",
            "a:b:zz",
            ":r:939e7578ed9e3c518a452acee763bce9",
            "a:b:939e7578ed9e3c518a452acee763bce9:00",
            "a:b:c:d:e",
        ] {
            assert!(s.add_line(3, bad).is_err(), "{bad}");
        }
        assert_eq!(
            s.add_line(7, "x").err(),
            Some(Error::InvalidCredentialLine {
                line: 7,
                reason: "expected user:realm:hash"
            })
        );
    }
}
