//! Benchmarks live in `benches/`. This library holds only what several of them share: a
//! one-user Mutual verifier store, and with the `openssl` feature, the C PBKDF2 floor of
//! issue 6 (`c/pbkdf2_floor.c`, compiled by `build.rs`).

use httpauth_core::{CredentialQuery, CredentialStore, SecretBytes, StoredCredential};

/// One user's Mutual verifier J, for any realm and algorithm asked for (the benches make
/// one per algorithm).
#[derive(Debug)]
pub struct OneVerifier {
    user: String,
    j: SecretBytes,
}

impl OneVerifier {
    /// The store holding `j` for `user`.
    pub fn new(user: impl Into<String>, j: SecretBytes) -> Self {
        Self {
            user: user.into(),
            j,
        }
    }
}

impl CredentialStore for OneVerifier {
    fn lookup(
        &self,
        user: &str,
        query: CredentialQuery<'_>,
    ) -> Result<Option<StoredCredential>, httpauth_core::Error> {
        Ok(match query {
            CredentialQuery::MutualVerifier { .. } if user == self.user => {
                Some(StoredCredential::MutualVerifier(self.j.duplicate()))
            }
            _ => None,
        })
    }
}

/// PBKDF2-HMAC at the floor: a C loop doing exactly two OpenSSL `SHA*_Transform` calls per
/// iteration on precomputed inner and outer HMAC states (`c/pbkdf2_floor.c`). A baseline
/// for `mutual_core::pbkdf2_fast`; it does not wipe its buffers.
#[cfg(feature = "openssl")]
pub mod pbkdf2_floor {
    #![allow(unsafe_code)]

    unsafe extern "C" {
        fn floor_pbkdf2_sha256(
            pw: *const u8,
            pw_len: usize,
            salt: *const u8,
            salt_len: usize,
            rounds: u32,
            out: *mut u8,
        );
        fn floor_pbkdf2_sha512(
            pw: *const u8,
            pw_len: usize,
            salt: *const u8,
            salt_len: usize,
            rounds: u32,
            out: *mut u8,
        );
    }

    /// The first 32-octet block of PBKDF2-HMAC-SHA-256 (RFC 8018 section 5.2).
    pub fn pbkdf2_hmac_sha256(password: &[u8], salt: &[u8], rounds: u32) -> [u8; 32] {
        let mut out = [0u8; 32];
        // SAFETY: the pointers come from live slices with their lengths; the C function
        // reads exactly `pw_len` and `salt_len` octets and writes exactly 32 into `out`.
        unsafe {
            floor_pbkdf2_sha256(
                password.as_ptr(),
                password.len(),
                salt.as_ptr(),
                salt.len(),
                rounds,
                out.as_mut_ptr(),
            );
        }
        out
    }

    /// The first 64-octet block of PBKDF2-HMAC-SHA-512 (RFC 8018 section 5.2).
    pub fn pbkdf2_hmac_sha512(password: &[u8], salt: &[u8], rounds: u32) -> [u8; 64] {
        let mut out = [0u8; 64];
        // SAFETY: as above, with 64 octets written.
        unsafe {
            floor_pbkdf2_sha512(
                password.as_ptr(),
                password.len(),
                salt.as_ptr(),
                salt.len(),
                rounds,
                out.as_mut_ptr(),
            );
        }
        out
    }
}
