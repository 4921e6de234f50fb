//! Zeroizing secret types.
//!
//! Secrets (passwords, Digest HA1, Mutual pi, z, session keys, server keys) are held in
//! these newtypes: they are wiped on drop, print nothing in `Debug`, compare in constant
//! time and are deliberately not `Clone`; copying a secret is the named act
//! [`SecretBytes::duplicate`].

use core::fmt;
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, Zeroizing};

/// Secret bytes, wiped on drop.
pub struct SecretBytes(Zeroizing<Vec<u8>>);

impl SecretBytes {
    /// Takes ownership of `bytes` (they are wiped when this value drops).
    pub fn new(bytes: Vec<u8>) -> Self {
        Self(Zeroizing::new(bytes))
    }

    /// Copies `bytes` into a new secret.
    pub fn from_slice(bytes: &[u8]) -> Self {
        Self::new(bytes.to_vec())
    }

    /// The secret bytes. Callers must not copy them into non-zeroizing storage.
    pub fn expose_secret(&self) -> &[u8] {
        &self.0
    }

    /// Number of bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// An explicit copy of the secret. Not `Clone`, so every copy is visible in review.
    pub fn duplicate(&self) -> Self {
        Self::from_slice(&self.0)
    }
}

impl ConstantTimeEq for SecretBytes {
    /// Constant time in the contents; the lengths are treated as public.
    fn ct_eq(&self, other: &Self) -> subtle::Choice {
        self.0.as_slice().ct_eq(other.0.as_slice())
    }
}

impl From<Vec<u8>> for SecretBytes {
    fn from(v: Vec<u8>) -> Self {
        Self::new(v)
    }
}

impl fmt::Debug for SecretBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretBytes(..)")
    }
}

/// A password or other secret text, wiped on drop.
///
/// Holds UTF-8 text as received or typed; string preparation (PRECIS, RFC 8265) is the
/// scheme's business.
pub struct Password(Zeroizing<String>);

impl Password {
    /// Takes ownership of `s`.
    pub fn new(s: String) -> Self {
        Self(Zeroizing::new(s))
    }

    /// The password text.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }

    /// The password as UTF-8 bytes.
    pub fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }

    /// An explicit copy of the secret.
    pub fn duplicate(&self) -> Self {
        Self::new(self.0.as_str().to_owned())
    }
}

impl From<String> for Password {
    fn from(s: String) -> Self {
        Self::new(s)
    }
}

impl From<&str> for Password {
    fn from(s: &str) -> Self {
        Self::new(s.to_owned())
    }
}

impl ConstantTimeEq for Password {
    fn ct_eq(&self, other: &Self) -> subtle::Choice {
        self.as_bytes().ct_eq(other.as_bytes())
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(..)")
    }
}

impl Zeroize for SecretBytes {
    fn zeroize(&mut self) {
        self.0.zeroize();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_prints_no_secret() {
        let s = SecretBytes::from_slice(b"hunter2");
        assert_eq!(format!("{s:?}"), "SecretBytes(..)");
        let p = Password::from("hunter2");
        assert!(!format!("{p:?}").contains("hunter2"));
    }

    #[test]
    fn constant_time_eq_compares_contents_and_length() {
        let a = SecretBytes::from_slice(b"abc");
        assert!(bool::from(a.ct_eq(&SecretBytes::from_slice(b"abc"))));
        assert!(!bool::from(a.ct_eq(&SecretBytes::from_slice(b"abd"))));
        assert!(!bool::from(a.ct_eq(&SecretBytes::from_slice(b"abcd"))));
        assert!(bool::from(Password::from("x").ct_eq(&Password::from("x"))));
    }
}
