//! The Mutual password verifier for htmutual files, computed by `mutual-core`.
//!
//! `authfile` reads and writes htmutual files but does not compute J: it takes it through
//! [`authfile::VerifierDeriver`], so that the library does not depend on `mutual-core`.
//! This front crate, which combines the two, supplies the implementation:
//! [`MutualCoreDeriver`], used by the `rs-htmutual` tool (package `httpauth-tools`), the
//! demo, and any application that writes htmutual files.
//!
//! ```
//! use authfile::{HtmutualFile, MutualKey, Password};
//! use httpauth::MutualCoreDeriver;
//!
//! let key = MutualKey::new("alice", "iso-kam3-ec-p256-sha256", "example.com", "staff")?;
//! let mut file = HtmutualFile::new();
//! file.set_password(key.clone(), &Password::from("tea"), &MutualCoreDeriver)?;
//! assert!(file.verify_password(&key, &Password::from("tea"), &MutualCoreDeriver)?);
//! # Ok::<(), authfile::Error>(())
//! ```

use authfile::{DeriveError, VerifierDeriver};
use httpauth_core::{Password, SecretBytes};

/// J(pi) by `mutual-core` (RFC 8120 section 12.2, RFC 8121 section 3): PBKDF2 over the
/// prepared password, user, realm and auth-scope, then J = `g^pi` or `[pi]G`, in the octets an
/// htmutual file stores.
#[derive(Debug, Clone, Copy, Default)]
pub struct MutualCoreDeriver;

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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)] // tests panic on failure by design

    use super::*;
    use authfile::MutualKey;
    use mutual_core::scope::AuthScope;
    use proptest::prelude::*;

    /// `authfile`'s RFC 8120 section 5 canonical form (it keeps its own implementation so
    /// that it does not depend on mutual-core), as every `MutualKey` applies it.
    fn ours(s: &str) -> Option<String> {
        MutualKey::new("u", "iso-kam3-ec-p256-sha256", s, "r")
            .ok()
            .map(|k| k.auth_scope)
    }

    /// mutual-core's, which the servers use to announce and look up a scope.
    fn theirs(s: &str) -> Option<String> {
        AuthScope::parse(s).ok().map(|a| a.canonical())
    }

    // The two implementations of RFC 8120 section 5 agree on every input: the same
    // canonical form, or both refuse. (Moved here from authfile, which no longer reaches
    // mutual-core.)
    proptest! {
        #[test]
        fn authfile_auth_scope_same_as_mutual_core(
            s in "(|[hH][tT][tT][pP][sS]?://|ftp://|\\*\\.)(\\[?[a-fA-F0-9:.]{0,8}\\]?|[a-zA-Z0-9.-]{0,12})(|:[0-9]{0,6})(|/|//|/x)"
        ) {
            prop_assert_eq!(ours(&s), theirs(&s), "{:?}", s);
        }
    }

    #[test]
    fn authfile_auth_scope_same_as_mutual_core_on_the_table() {
        for s in [
            "https://example.com:443",
            "HTTPS://Example.COM:443/",
            "http://[::1]:81/",
            "*.Example.com",
            "example.com:443",
            "http://a:",
            "http://a//",
            "::1",
            "[::1]",
            "[cafe:443]",
        ] {
            assert_eq!(ours(s), theirs(s), "{s}");
        }
    }

    /// The deriver hands authfile J's octets: mutual-core's wire text, decoded.
    #[test]
    fn derive_is_mutual_core_verifier_octets() {
        let (alg, scope, realm) = ("iso-kam3-dl-2048-sha256", "example.com", "a:realm");
        let j = MutualCoreDeriver
            .derive(alg, scope, realm, "alice", &Password::from("s3cret"))
            .unwrap();
        let wire = mutual_core::derive_verifier(alg, scope, realm, "alice", "s3cret").unwrap();
        let a = mutual_core::algorithm_by_token(alg).unwrap();
        assert_eq!(j.expose_secret().len(), a.element_len());
        assert_eq!(
            j.expose_secret(),
            &a.wire_encoding().decode(&wire, a.element_len()).unwrap()[..]
        );
        assert!(
            MutualCoreDeriver
                .derive("no-such-alg", scope, realm, "alice", &Password::from("x"))
                .is_err()
        );
        let tokens = MutualCoreDeriver.algorithms();
        assert_eq!(tokens.len(), mutual_core::ALL_ALGORITHMS.len());
        assert!(tokens.iter().any(|t| t == alg));
    }
}
