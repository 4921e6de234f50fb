//! Sealing of stored values: XChaCha20-Poly1305 under a ring of server keys.
//!
//! A session record in Redis is
//!
//! ```text
//! version (8, big-endian) | format (1) = 0x01 | key id (4, big-endian) | nonce (24) | ciphertext | tag (16)
//! ```
//!
//! The version is in the clear because the compare-and-swap script compares it; the
//! associated data binds the ciphertext to its Redis key, version, format and key id, so a
//! record cannot be moved to another session, replayed under another version, or have its
//! key id swapped without failing authentication. Nonces are 192-bit random values, so
//! random nonces never collide in practice whatever the number of writes per key.

use crate::BuildError;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};
use httpauth_core::SecretBytes;
use zeroize::Zeroizing;

/// The format byte of the record layout above.
const FORMAT_V1: u8 = 1;
/// Bytes before the ciphertext: version, format, key id, nonce.
pub(crate) const HEADER_LEN: usize = 8 + 1 + 4 + 24;
/// The Poly1305 tag.
const TAG_LEN: usize = 16;
/// Domain separation for the associated data.
const AAD_LABEL: &[u8] = b"httpauth-redis record v1\0";

/// One 256-bit server key with its identifier.
pub struct SealingKey {
    id: u32,
    cipher: XChaCha20Poly1305,
}

impl std::fmt::Debug for SealingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SealingKey")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl SealingKey {
    /// A key with identifier `id` from 32 secret bytes.
    pub fn new(id: u32, key: &[u8; 32]) -> Self {
        // The cipher copies the key into its own state, which the `zeroize` feature of
        // chacha20poly1305 wipes on drop; no other copy is made here.
        let cipher = XChaCha20Poly1305::new(<&Key>::from(key));
        Self { id, cipher }
    }

    /// A fresh random key with identifier `id`.
    ///
    /// # Errors
    /// [`BuildError::Random`] when the operating system has no randomness to give.
    pub fn generate(id: u32) -> Result<Self, BuildError> {
        let mut key = Zeroizing::new([0u8; 32]);
        getrandom::fill(&mut key[..]).map_err(|_| BuildError::Random)?;
        Ok(Self::new(id, &key))
    }

    /// The key's identifier.
    pub fn id(&self) -> u32 {
        self.id
    }
}

/// The server keys: the first seals new records, all of them open records.
///
/// Rotation: put a new key first and keep the old ones for as long as the longest TTL of
/// a record (the session lifetime), then drop them. Records sealed under a key that is no
/// longer in the ring read as corrupt and their sessions fail closed (Mutual clients start
/// a new key exchange; Digest clients get a new nonce).
///
/// # Key file format
/// One key a line, `<id> <64 hex digits>`, the sealing key first; empty lines and lines
/// starting with `#` are ignored. Identifiers are decimal `u32`, unique within the file.
#[derive(Debug)]
pub struct KeyRing {
    keys: Vec<SealingKey>,
}

impl KeyRing {
    /// A ring that seals with `current` and also opens records sealed under `previous`.
    ///
    /// # Errors
    /// [`BuildError::KeyFile`] when two keys share an identifier.
    pub fn new(current: SealingKey, previous: Vec<SealingKey>) -> Result<Self, BuildError> {
        let mut keys = vec![current];
        keys.extend(previous);
        for (i, k) in keys.iter().enumerate() {
            if keys[..i].iter().any(|o| o.id == k.id) {
                return Err(BuildError::KeyFile {
                    line: 0,
                    message: format!("key id {} appears twice", k.id),
                });
            }
        }
        Ok(Self { keys })
    }

    /// A ring of one fresh random key (for a single server, or tests).
    ///
    /// # Errors
    /// [`BuildError::Random`] when the operating system has no randomness to give.
    pub fn generate() -> Result<Self, BuildError> {
        Self::new(SealingKey::generate(1)?, Vec::new())
    }

    /// Parses a key file (format in the type's documentation).
    ///
    /// # Errors
    /// [`BuildError::KeyFile`] naming the line of the first malformed entry, a duplicate
    /// identifier, or a file without keys.
    pub fn parse(text: &str) -> Result<Self, BuildError> {
        let mut keys = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let bad = |message: &str| BuildError::KeyFile {
                line: n + 1,
                message: message.to_owned(),
            };
            let (id, hex) = line
                .split_once(char::is_whitespace)
                .ok_or_else(|| bad("expected `<id> <64 hex digits>`"))?;
            let id: u32 = id.parse().map_err(|_| bad("key id is not a decimal u32"))?;
            let hex = hex.trim();
            if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(bad("key is not 64 hex digits"));
            }
            let mut key = Zeroizing::new([0u8; 32]);
            for (i, byte) in key.iter_mut().enumerate() {
                *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16)
                    .map_err(|_| bad("key is not 64 hex digits"))?;
            }
            if keys.iter().any(|k: &SealingKey| k.id == id) {
                return Err(bad("key id appears twice"));
            }
            keys.push(SealingKey::new(id, &key));
        }
        if keys.is_empty() {
            return Err(BuildError::KeyFile {
                line: 0,
                message: "no key in the file".into(),
            });
        }
        Ok(Self { keys })
    }

    /// A new key file holding one random key with identifier `id`, for first-run setup.
    ///
    /// # Errors
    /// [`BuildError::Random`] when the operating system has no randomness to give.
    pub fn generate_file(id: u32) -> Result<Zeroizing<String>, BuildError> {
        let mut key = Zeroizing::new([0u8; 32]);
        getrandom::fill(&mut key[..]).map_err(|_| BuildError::Random)?;
        let mut text = Zeroizing::new(String::from(
            "# httpauth-redis sealing keys: `<id> <64 hex digits>`, the sealing key first.\n",
        ));
        text.push_str(&id.to_string());
        text.push(' ');
        for b in key.iter() {
            text.push(char::from(b"0123456789abcdef"[usize::from(b >> 4)]));
            text.push(char::from(b"0123456789abcdef"[usize::from(b & 15)]));
        }
        text.push('\n');
        Ok(text)
    }

    /// The identifier of the sealing key.
    pub fn current_id(&self) -> u32 {
        self.keys[0].id
    }

    /// Seals `value` for `redis_key` at `version`.
    pub(crate) fn seal(
        &self,
        redis_key: &str,
        version: u64,
        value: &SecretBytes,
    ) -> Result<Vec<u8>, SealError> {
        let key = &self.keys[0];
        let mut nonce = [0u8; 24];
        getrandom::fill(&mut nonce).map_err(|_| SealError::Random)?;
        let mut out = Vec::with_capacity(HEADER_LEN + value.len() + TAG_LEN);
        out.extend_from_slice(&version.to_be_bytes());
        out.push(FORMAT_V1);
        out.extend_from_slice(&key.id.to_be_bytes());
        out.extend_from_slice(&nonce);
        let aad = aad(redis_key, &out[..13]);
        let sealed = key
            .cipher
            .encrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: value.expose_secret(),
                    aad: &aad,
                },
            )
            .map_err(|_| SealError::Random)?;
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    /// Opens a record read from `redis_key`: its version and value.
    pub(crate) fn open(
        &self,
        redis_key: &str,
        record: &[u8],
    ) -> Result<(u64, SecretBytes), SealError> {
        if record.len() < HEADER_LEN + TAG_LEN || record[8] != FORMAT_V1 {
            return Err(SealError::Corrupt);
        }
        let version = record_version(record).ok_or(SealError::Corrupt)?;
        let id = u32::from_be_bytes([record[9], record[10], record[11], record[12]]);
        let key = self
            .keys
            .iter()
            .find(|k| k.id == id)
            .ok_or(SealError::UnknownKey(id))?;
        let nonce: [u8; 24] = record[13..HEADER_LEN]
            .try_into()
            .map_err(|_| SealError::Corrupt)?;
        let aad = aad(redis_key, &record[..13]);
        let value = key
            .cipher
            .decrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: &record[HEADER_LEN..],
                    aad: &aad,
                },
            )
            .map_err(|_| SealError::Corrupt)?;
        Ok((version, SecretBytes::new(value)))
    }
}

/// The version in the clear at the start of a record.
pub(crate) fn record_version(record: &[u8]) -> Option<u64> {
    Some(u64::from_be_bytes(record.get(..8)?.try_into().ok()?))
}

fn aad(redis_key: &str, header: &[u8]) -> Vec<u8> {
    let mut aad = Vec::with_capacity(AAD_LABEL.len() + 4 + redis_key.len() + header.len());
    aad.extend_from_slice(AAD_LABEL);
    // Length-prefixed key, so (key, header) pairs cannot be re-split.
    aad.extend_from_slice(
        &u32::try_from(redis_key.len())
            .unwrap_or(u32::MAX)
            .to_be_bytes(),
    );
    aad.extend_from_slice(redis_key.as_bytes());
    aad.extend_from_slice(header);
    aad
}

/// Why a record could not be sealed or opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SealError {
    /// The operating system gave no randomness.
    Random,
    /// The record is malformed or fails authentication.
    Corrupt,
    /// Sealed under a key id that is not in the ring.
    UnknownKey(u32),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring() -> KeyRing {
        KeyRing::new(SealingKey::new(7, &[0x42; 32]), Vec::new()).unwrap()
    }

    #[test]
    fn round_trip_and_binding() {
        let r = ring();
        let rec = r
            .seal("p:mutual:sid:a", 99, &SecretBytes::from_slice(b"z secret"))
            .unwrap();
        assert_eq!(record_version(&rec), Some(99));
        assert!(
            !rec.windows(8).any(|w| w == b"z secret"),
            "plaintext not visible"
        );
        let (v, val) = r.open("p:mutual:sid:a", &rec).unwrap();
        assert_eq!((v, val.expose_secret()), (99, &b"z secret"[..]));
        // Moved to another key: fails.
        assert_eq!(
            r.open("p:mutual:sid:b", &rec).unwrap_err(),
            SealError::Corrupt
        );
        // Version rewritten in the clear: fails.
        let mut moved = rec.clone();
        moved[7] ^= 1;
        assert_eq!(
            r.open("p:mutual:sid:a", &moved).unwrap_err(),
            SealError::Corrupt
        );
        // Any flipped ciphertext bit: fails.
        for i in HEADER_LEN..rec.len() {
            let mut t = rec.clone();
            t[i] ^= 0x10;
            assert_eq!(
                r.open("p:mutual:sid:a", &t).unwrap_err(),
                SealError::Corrupt
            );
        }
        assert_eq!(
            r.open("p:mutual:sid:a", &rec[..20]).unwrap_err(),
            SealError::Corrupt
        );
    }

    #[test]
    fn rotation_opens_old_records_and_seals_with_the_new_key() {
        let old = ring();
        let rec = old.seal("k", 1, &SecretBytes::from_slice(b"v")).unwrap();
        let rotated = KeyRing::new(
            SealingKey::new(8, &[0x43; 32]),
            vec![SealingKey::new(7, &[0x42; 32])],
        )
        .unwrap();
        assert_eq!(rotated.open("k", &rec).unwrap().1.expose_secret(), b"v");
        let new_rec = rotated
            .seal("k", 2, &SecretBytes::from_slice(b"w"))
            .unwrap();
        assert_eq!(
            old.open("k", &new_rec).unwrap_err(),
            SealError::UnknownKey(8)
        );
        let dropped = KeyRing::new(SealingKey::new(8, &[0x43; 32]), Vec::new()).unwrap();
        assert_eq!(
            dropped.open("k", &rec).unwrap_err(),
            SealError::UnknownKey(7)
        );
    }

    #[test]
    fn key_file_parsing() {
        let text = KeyRing::generate_file(3).unwrap();
        let r = KeyRing::parse(&text).unwrap();
        assert_eq!(r.current_id(), 3);
        let two = format!("{}\n2 {}\n", text.as_str(), "ab".repeat(32));
        assert_eq!(KeyRing::parse(&two).unwrap().keys.len(), 2);
        for (bad, line) in [
            ("1 abc", 1),
            ("x 00", 1),
            ("# c\n\n1", 3),
            (
                &format!("1 {}\n1 {}", "00".repeat(32), "11".repeat(32)) as &str,
                2,
            ),
            (&format!("1 {}zz", "00".repeat(31)), 1),
            ("# only a comment", 0),
        ] {
            match KeyRing::parse(bad) {
                Err(BuildError::KeyFile { line: l, .. }) => assert_eq!(l, line, "{bad:?}"),
                other => panic!("{bad:?}: {other:?}"),
            }
        }
    }
}
