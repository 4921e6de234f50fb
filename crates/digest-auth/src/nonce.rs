//! Stateless server nonces (RFC 7616 section 3.3, "nonce").
//!
//! ```text
//! nonce = base64url( timestamp || generation || random || tag )   ; no padding, 54 characters
//! timestamp  = 8 bytes, big-endian seconds since the Unix epoch
//! generation = 8 bytes, big-endian: the session store's window generation at minting
//! random     = 8 bytes from the operating system
//! tag        = HMAC-SHA-256( key, "httpauth digest nonce v1" || timestamp || generation
//!                             || random || len(realm) || realm || len(opaque) || opaque )[..16]
//! ```
//!
//! Nothing is stored when a nonce is minted: any server holding the same [`NonceKey`]
//! recognises it, across restarts and instances (the lesson of Apache's CVE-2018-1312,
//! whose nonces were predictable across a cluster). The 128-bit truncated tag makes
//! forging infeasible; the random part keeps nonces minted in the same second distinct.
//! Only the nonce-count window of a nonce in use lives in the session store.
//!
//! The generation (`SessionStore::window_generation`) is what makes a lost window safe:
//! the store changes its generation whenever it may have lost a window (eviction of a live
//! window, a restart, Redis data loss), and a nonce without a window is accepted (its
//! window created) only when it was minted in the store's current generation. Otherwise
//! the server answers `stale=true`: a captured request can never be replayed because its
//! window was lost. (Nonces of the earlier layout, 16 random bytes, still verify; their
//! "generation" is random, so they are stale unless their window exists.)

use crate::Error;
use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use hmac::{Hmac, KeyInit, Mac};
use httpauth_core::SecretBytes;
use sha2::Sha256;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use subtle::ConstantTimeEq;

/// Bytes of a decoded nonce.
pub const NONCE_BYTES: usize = 8 + 16 + TAG_BYTES;
/// Bytes of the truncated HMAC tag.
const TAG_BYTES: usize = 16;
/// Characters of an encoded nonce.
pub const NONCE_CHARS: usize = (NONCE_BYTES * 4).div_ceil(3);
/// The shortest accepted server secret.
pub const MIN_KEY_BYTES: usize = 32;
const DOMAIN: &[u8] = b"httpauth digest nonce v1";

/// The server secret that keys nonces. Share it between instances that must accept each
/// other's nonces; rotate it to invalidate every outstanding nonce.
///
/// Not `Clone`: copying is the named act [`duplicate`](Self::duplicate).
pub struct NonceKey(SecretBytes);

impl NonceKey {
    /// A fresh random 32-byte key.
    ///
    /// # Errors
    /// [`Error::Random`] if the operating system's generator fails.
    pub fn generate() -> Result<Self, Error> {
        let mut k = zeroize::Zeroizing::new(vec![0u8; MIN_KEY_BYTES]);
        getrandom::fill(&mut k).map_err(|_| Error::Random)?;
        Ok(Self(SecretBytes::from_slice(&k)))
    }

    /// A key from secret bytes (at least 32; from a secrets manager, shared by instances).
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] if shorter than [`MIN_KEY_BYTES`].
    pub fn from_secret(secret: SecretBytes) -> Result<Self, Error> {
        if secret.len() < MIN_KEY_BYTES {
            return Err(Error::InvalidConfig("nonce key shorter than 32 bytes"));
        }
        Ok(Self(secret))
    }

    /// An explicit copy of the key.
    pub fn duplicate(&self) -> Self {
        Self(self.0.duplicate())
    }

    fn mac(&self) -> Hmac<Sha256> {
        // HMAC accepts keys of any length; the error arm is unreachable.
        <Hmac<Sha256> as KeyInit>::new_from_slice(self.0.expose_secret())
            .unwrap_or_else(|_| <Hmac<Sha256> as KeyInit>::new(&Default::default()))
    }

    /// A keyed 16-byte value for `label` (the default `opaque`, the unknown-user decoy).
    pub(crate) fn derive(&self, label: &[u8]) -> [u8; 16] {
        let mut m = self.mac();
        m.update(b"httpauth digest derive v1:");
        m.update(label);
        let out = m.finalize().into_bytes();
        let mut r = [0u8; 16];
        r.copy_from_slice(&out[..16]);
        r
    }

    fn tag(&self, ts: &[u8; 8], random: &[u8; 16], realm: &str, opaque: &str) -> [u8; TAG_BYTES] {
        let mut m = self.mac();
        m.update(DOMAIN);
        m.update(ts);
        m.update(random);
        m.update(&(realm.len() as u64).to_be_bytes());
        m.update(realm.as_bytes());
        m.update(&(opaque.len() as u64).to_be_bytes());
        m.update(opaque.as_bytes());
        let out = m.finalize().into_bytes();
        let mut t = [0u8; TAG_BYTES];
        t.copy_from_slice(&out[..TAG_BYTES]);
        t
    }

    /// Mints a nonce at `now` in the store's window `generation` for `realm` and `opaque`.
    ///
    /// # Errors
    /// [`Error::Random`] if the operating system's generator fails.
    pub fn mint(
        &self,
        now: SystemTime,
        generation: u64,
        realm: &str,
        opaque: &str,
    ) -> Result<String, Error> {
        let mut random = [0u8; 16];
        getrandom::fill(&mut random[8..]).map_err(|_| Error::Random)?;
        random[..8].copy_from_slice(&generation.to_be_bytes());
        Ok(self.mint_with_random(now, random, realm, opaque))
    }

    /// The window generation a nonce was minted in (its bytes 8..16), or `None` if it is
    /// not a well-formed nonce. Says nothing about authenticity: call
    /// [`check`](Self::check) first.
    pub fn generation_of(nonce: &str) -> Option<u64> {
        let mut raw = [0u8; NONCE_BYTES];
        if nonce.len() != NONCE_CHARS
            || !matches!(
                URL_SAFE_NO_PAD.decode_slice(nonce, &mut raw),
                Ok(NONCE_BYTES)
            )
        {
            return None;
        }
        let mut g = [0u8; 8];
        g.copy_from_slice(&raw[8..16]);
        Some(u64::from_be_bytes(g))
    }

    /// [`mint`](Self::mint) with caller-chosen bytes after the timestamp (the generation,
    /// big-endian, then 8 random bytes), for tests, fuzzing and benches.
    ///
    /// # Security
    /// `random` must be unpredictable and never reused within one second: two clients given
    /// the same nonce share one `nc` window and reject each other's requests as replays.
    pub fn mint_with_random(
        &self,
        now: SystemTime,
        random: [u8; 16],
        realm: &str,
        opaque: &str,
    ) -> String {
        let ts = unix_seconds(now).to_be_bytes();
        let tag = self.tag(&ts, &random, realm, opaque);
        let mut raw = [0u8; NONCE_BYTES];
        raw[..8].copy_from_slice(&ts);
        raw[8..24].copy_from_slice(&random);
        raw[24..].copy_from_slice(&tag);
        URL_SAFE_NO_PAD.encode(raw)
    }

    /// Checks a nonce: authentic for `realm` and `opaque`, and how old.
    ///
    /// `max_skew` bounds how far in the future a timestamp may be (clocks of instances
    /// sharing the key differ a little); a nonce from further ahead is [`NonceStatus::Invalid`].
    pub fn check(
        &self,
        nonce: &str,
        now: SystemTime,
        lifetime: Duration,
        max_skew: Duration,
        realm: &str,
        opaque: &str,
    ) -> NonceStatus {
        // Decode into a fixed buffer: the length check comes first, so a huge value costs
        // nothing. The tag is still computed for malformed input, to keep the work equal.
        let mut raw = [0u8; NONCE_BYTES];
        let well_formed = nonce.len() == NONCE_CHARS
            && matches!(
                URL_SAFE_NO_PAD.decode_slice(nonce, &mut raw),
                Ok(NONCE_BYTES)
            );
        let mut ts = [0u8; 8];
        ts.copy_from_slice(&raw[..8]);
        let mut random = [0u8; 16];
        random.copy_from_slice(&raw[8..24]);
        let expected = self.tag(&ts, &random, realm, opaque);
        let tag_ok: bool = expected.ct_eq(&raw[24..]).into();
        if !(well_formed && tag_ok) {
            return NonceStatus::Invalid;
        }
        let issued = u64::from_be_bytes(ts);
        let now_s = unix_seconds(now);
        if issued > now_s.saturating_add(max_skew.as_secs()) {
            return NonceStatus::Invalid;
        }
        let expires = issued.saturating_add(lifetime.as_secs());
        if now_s >= expires {
            NonceStatus::Expired
        } else {
            NonceStatus::Valid {
                remaining: Duration::from_secs(expires - now_s),
            }
        }
    }
}

impl core::fmt::Debug for NonceKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("NonceKey(..)")
    }
}

/// The verdict on a nonce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NonceStatus {
    /// Authentic and within its lifetime.
    Valid {
        /// Time left before it expires.
        remaining: Duration,
    },
    /// Authentic but past its lifetime: answer `stale=true` if the digest is right.
    Expired,
    /// Malformed, forged, minted for another realm or opaque, or by another key.
    Invalid,
}

fn unix_seconds(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> NonceKey {
        NonceKey::from_secret(SecretBytes::from_slice(&[7u8; 32])).unwrap()
    }

    #[test]
    fn mint_check_expire() {
        let k = key();
        let t0 = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let n = k.mint_with_random(t0, [1; 16], "r", "o");
        assert_eq!(n.len(), NONCE_CHARS);
        assert_eq!(NonceKey::generation_of(&n), Some(0x0101_0101_0101_0101));
        let g = k.mint(t0, 42, "r", "o").unwrap();
        assert_eq!(NonceKey::generation_of(&g), Some(42));
        assert!(matches!(
            k.check(&g, t0, Duration::from_secs(1), Duration::ZERO, "r", "o"),
            NonceStatus::Valid { .. }
        ));
        assert_eq!(NonceKey::generation_of("short"), None);
        let life = Duration::from_secs(300);
        let skew = Duration::from_secs(10);
        assert_eq!(
            k.check(&n, t0, life, skew, "r", "o"),
            NonceStatus::Valid { remaining: life }
        );
        assert_eq!(
            k.check(&n, t0 + life, life, skew, "r", "o"),
            NonceStatus::Expired
        );
        assert_eq!(k.check(&n, t0, life, skew, "r2", "o"), NonceStatus::Invalid);
        assert_eq!(k.check(&n, t0, life, skew, "r", "o2"), NonceStatus::Invalid);
        // Minted "in the future" beyond the skew.
        assert_eq!(
            k.check(&n, t0 - Duration::from_secs(11), life, skew, "r", "o"),
            NonceStatus::Invalid
        );
        let other = NonceKey::from_secret(SecretBytes::from_slice(&[8u8; 32])).unwrap();
        assert_eq!(
            other.check(&n, t0, life, skew, "r", "o"),
            NonceStatus::Invalid
        );
        let mut flipped = n.clone().into_bytes();
        flipped[20] = if flipped[20] == b'A' { b'B' } else { b'A' };
        let flipped = String::from_utf8(flipped).unwrap();
        assert_eq!(
            k.check(&flipped, t0, life, skew, "r", "o"),
            NonceStatus::Invalid
        );
        assert_eq!(k.check("", t0, life, skew, "r", "o"), NonceStatus::Invalid);
        assert_eq!(
            k.check(&"A".repeat(10_000), t0, life, skew, "r", "o"),
            NonceStatus::Invalid
        );
    }

    #[test]
    fn short_keys_refused() {
        assert!(NonceKey::from_secret(SecretBytes::from_slice(&[0; 31])).is_err());
        assert!(!format!("{:?}", key()).contains('7'));
    }
}
