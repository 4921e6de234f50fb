//! Key types, passphrases and private-key files (PKCS#8, optionally PBES2-encrypted).

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use pkcs8::der::pem::LineEnding;
use rcgen::{KeyPair, SignatureAlgorithm};
use zeroize::Zeroizing;

use super::error::{Error, Result};
use super::store::atomic_write;

/// The key algorithms the CA generates. RSA is absent: the workspace builds rcgen on `ring`,
/// which signs with RSA keys but cannot generate them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum KeyType {
    /// ECDSA on P-256 with SHA-256: the default, accepted by every browser and TLS stack.
    EcP256,
    /// ECDSA on P-384 with SHA-384.
    EcP384,
    /// Ed25519 (RFC 8410). OpenSSL, curl and Apache accept it; most browsers do not.
    Ed25519,
}

impl KeyType {
    /// The names `FromStr` accepts, for help texts.
    pub const NAMES: &'static [&'static str] = &["ec-p256", "ec-p384", "ed25519"];

    /// The rcgen signature algorithm of keys of this type.
    pub fn algorithm(self) -> &'static SignatureAlgorithm {
        match self {
            KeyType::EcP256 => &rcgen::PKCS_ECDSA_P256_SHA256,
            KeyType::EcP384 => &rcgen::PKCS_ECDSA_P384_SHA384,
            KeyType::Ed25519 => &rcgen::PKCS_ED25519,
        }
    }

    /// The name `FromStr` accepts.
    pub fn name(self) -> &'static str {
        match self {
            KeyType::EcP256 => "ec-p256",
            KeyType::EcP384 => "ec-p384",
            KeyType::Ed25519 => "ed25519",
        }
    }

    pub(crate) fn generate(self) -> Result<KeyPair> {
        Ok(KeyPair::generate_for(self.algorithm())?)
    }
}

impl fmt::Display for KeyType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for KeyType {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "ec-p256" | "p256" | "ecdsa-p256" | "prime256v1" => Ok(KeyType::EcP256),
            "ec-p384" | "p384" | "ecdsa-p384" | "secp384r1" => Ok(KeyType::EcP384),
            "ed25519" => Ok(KeyType::Ed25519),
            _ => Err(Error::InvalidInput {
                field: "key type",
                reason: "expected ec-p256, ec-p384 or ed25519",
            }),
        }
    }
}

/// A passphrase (private-key encryption, PKCS#12 password). Zeroized on drop, never printed.
pub struct Passphrase(Zeroizing<String>);

impl Passphrase {
    /// Wraps a passphrase.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] when it is empty.
    pub fn new(s: impl Into<String>) -> Result<Self> {
        let s = Zeroizing::new(s.into());
        if s.is_empty() {
            return Err(Error::InvalidInput {
                field: "passphrase",
                reason: "empty",
            });
        }
        Ok(Passphrase(s))
    }

    /// The passphrase text (to hand to an encryption routine).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Passphrase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Passphrase(..)")
    }
}

const PLAIN_LABEL: &str = "PRIVATE KEY";
const ENCRYPTED_LABEL: &str = "ENCRYPTED PRIVATE KEY";

/// The PEM form of a key: PKCS#8, or PKCS#8 `EncryptedPrivateKeyInfo` (PBES2: scrypt +
/// AES-256-CBC, pkcs8's recommended parameters; OpenSSL 1.1+ reads it) under `pass`.
pub(crate) fn key_pem(key: &KeyPair, pass: Option<&Passphrase>) -> Result<Zeroizing<String>> {
    match pass {
        None => Ok(Zeroizing::new(key.serialize_pem())),
        Some(pass) => {
            let der = Zeroizing::new(key.serialize_der());
            let info =
                pkcs8::PrivateKeyInfoRef::try_from(der.as_slice()).map_err(Error::KeyEncryption)?;
            let doc = info.encrypt(pass.expose()).map_err(Error::KeyEncryption)?;
            let pem = doc
                .to_pem(ENCRYPTED_LABEL, LineEnding::LF)
                .map_err(|e| Error::KeyEncryption(e.into()))?;
            Ok(pem)
        }
    }
}

/// Writes a private key atomically with mode 0600.
pub(crate) fn write_key(path: &Path, key: &KeyPair, pass: Option<&Passphrase>) -> Result<()> {
    let pem = key_pem(key, pass)?;
    atomic_write(path, pem.as_bytes(), 0o600)
}

/// Reads a key written by [`write_key`]; `pass` is needed when it is encrypted.
///
/// # Errors
/// [`Error::PassphraseRequired`], [`Error::KeyDecryption`], [`Error::KeyFormat`], I/O.
pub(crate) fn read_key(path: &Path, pass: Option<&Passphrase>) -> Result<KeyPair> {
    let text = Zeroizing::new(std::fs::read(path).map_err(super::error::io(path))?);
    let (label, der) =
        pkcs8::der::pem::decode_vec(&text).map_err(|_| Error::KeyFormat(path.into()))?;
    let der = Zeroizing::new(der);
    let plain = match label {
        PLAIN_LABEL => der,
        ENCRYPTED_LABEL => {
            let pass = pass.ok_or_else(|| Error::PassphraseRequired(path.into()))?;
            let enc = pkcs8::EncryptedPrivateKeyInfoRef::try_from(der.as_slice())
                .map_err(|_| Error::KeyFormat(path.into()))?;
            let doc = enc
                .decrypt(pass.expose())
                .map_err(|_| Error::KeyDecryption(path.into()))?;
            Zeroizing::new(doc.as_bytes().to_vec())
        }
        _ => return Err(Error::KeyFormat(path.into())),
    };
    KeyPair::try_from(plain.as_slice()).map_err(|_| Error::KeyFormat(path.into()))
}

/// Whether the key file at `path` is stored encrypted.
pub(crate) fn is_encrypted(path: &Path) -> Result<bool> {
    let text = std::fs::read(path).map_err(super::error::io(path))?;
    Ok(text
        .windows(ENCRYPTED_LABEL.len())
        .any(|w| w == ENCRYPTED_LABEL.as_bytes()))
}
